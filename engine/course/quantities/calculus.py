"""Calculus on expression parameters: values, partial derivatives, gradients, Jacobians,
the linear approximation (symbolic, each with a finite-difference twin)."""

from __future__ import annotations

import numpy as np
from bptutor.engine.course.quantities.registry import (
    Value,
    as_function,
    as_point,
    central,
    evaluate_at,
    one_var,
    quantity,
    variable,
)

# --- calculus -----------------------------------------------------------------------------------


@quantity("evaluate", "evaluate(f, point): the value of the expression f at the point.")
def _evaluate(f: Value, point: Value) -> float:
    fn = as_function(f)
    return evaluate_at(fn.expr, fn, as_point(fn, point))


def _numeric_partial(f: Value, wrt: Value, point: Value) -> float:
    fn = as_function(f)
    return central(fn, fn.expr, as_point(fn, point), fn.variables.index(variable(fn, wrt)))


@quantity(
    "partial",
    "partial(f, 'y', point): ∂f/∂y at the point, from the symbolic derivative.",
    numeric=_numeric_partial,
)
def _partial(f: Value, wrt: Value, point: Value) -> float:
    fn = as_function(f)
    return evaluate_at(fn.expr.diff(variable(fn, wrt)), fn, as_point(fn, point))


quantity("numeric_partial", "numeric_partial(f, 'y', point): ∂f/∂y by central differences.")(
    _numeric_partial
)


def _numeric_derivative(f: Value, x0: Value) -> float:
    fn = one_var(f)
    return central(fn, fn.expr, as_point(fn, x0), 0)


@quantity(
    "derivative",
    "derivative(f, x0): f′(x0) for an expression of one variable.",
    numeric=_numeric_derivative,
)
def _derivative(f: Value, x0: Value) -> float:
    fn = one_var(f)
    return evaluate_at(fn.expr.diff(fn.variables[0]), fn, as_point(fn, x0))


def _numeric_gradient(f: Value, point: Value) -> np.ndarray:
    fn = as_function(f)
    p = as_point(fn, point)
    return np.array([central(fn, fn.expr, p, i) for i in range(p.size)])


@quantity(
    "gradient",
    "gradient(f, point): ∇f at the point, one entry per variable in order.",
    numeric=_numeric_gradient,
)
def _gradient(f: Value, point: Value) -> np.ndarray:
    fn = as_function(f)
    p = as_point(fn, point)
    return np.array([evaluate_at(fn.expr.diff(v), fn, p) for v in fn.variables])


def _numeric_jacobian(F: Value, point: Value) -> np.ndarray:
    fn = as_function(F, "F")
    p = as_point(fn, point)
    return np.array([[central(fn, e, p, j) for j in range(p.size)] for e in fn.exprs])


@quantity(
    "jacobian",
    "jacobian(F, point): J[i, j] = ∂F_i/∂v_j (rows: components of F, columns: variables).",
    numeric=_numeric_jacobian,
)
def _jacobian(F: Value, point: Value) -> np.ndarray:
    fn = as_function(F, "F")
    p = as_point(fn, point)
    return np.array([[evaluate_at(e.diff(v), fn, p) for v in fn.variables] for e in fn.exprs])


@quantity("linear_approx", "linear_approx(f, p0, p): f(p0) + ∇f(p0)ᵀ·(p − p0).")
def _linear_approx(f: Value, p0: Value, p: Value) -> float:
    fn = as_function(f)
    a, b = as_point(fn, p0), as_point(fn, p)
    return evaluate_at(fn.expr, fn, a) + float(_gradient(fn, a) @ (b - a))

"""Finite differences as a learner computes them by hand: with a stated h, one-sided or
central, the relative error, and one weight nudged."""

from __future__ import annotations

import numpy as np
from bptutor.engine.course.quantities.registry import (
    Value,
    as_array,
    as_scalar,
    evaluate_at,
    one_var,
    quantity,
    with_entry,
)

# (lessons 08-12)


def _step(h: Value) -> float:
    hh = as_scalar(h, "h")
    if not hh > 0:
        raise ValueError(f"h must be a positive step size, got {hh}")
    return hh


@quantity(
    "central_diff",
    "central_diff(f, x0, h): (f(x0 + h) − f(x0 − h)) / (2h) for f of one variable, with the "
    "learner's own h (so a by-hand estimate matches).",
)
def _central_diff(f: Value, x0: Value, h: Value) -> float:
    fn = one_var(f)
    x, hh = as_scalar(x0, "x0"), _step(h)
    return (
        evaluate_at(fn.expr, fn, np.array([x + hh])) - evaluate_at(fn.expr, fn, np.array([x - hh]))
    ) / (2 * hh)


@quantity("forward_diff", "forward_diff(f, x0, h): the one-sided (f(x0 + h) − f(x0)) / h.")
def _forward_diff(f: Value, x0: Value, h: Value) -> float:
    fn = one_var(f)
    x, hh = as_scalar(x0, "x0"), _step(h)
    return (
        evaluate_at(fn.expr, fn, np.array([x + hh])) - evaluate_at(fn.expr, fn, np.array([x]))
    ) / hh


@quantity(
    "relative_error",
    "relative_error(a, b): |a − b| / (|a| + |b|), the largest over entries (0 when both are 0).",
)
def _relative_error(a: Value, b: Value) -> float:
    x, z = as_array(a, "a"), as_array(b, "b")
    if x.shape != z.shape:
        raise ValueError(f"a and b must have the same shape, got {x.shape} and {z.shape}")
    if x.size == 0:
        return 0.0
    denom = np.abs(x) + np.abs(z)
    ratio = np.divide(np.abs(x - z), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(np.max(ratio))


@quantity(
    "perturb",
    "perturb(A, i, j, h): a copy of the matrix A with h added to entry (i, j), 1-based (for "
    "finite differences on one weight).",
)
def _perturb(A: Value, i: Value, j: Value, h: Value) -> np.ndarray:
    step = as_scalar(h, "h")
    return with_entry(A, i, j, lambda old: old + step)

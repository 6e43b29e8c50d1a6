"""The registry of engine computations, and what every quantity needs to read its arguments.

A quantity is a small documented function registered with `@quantity(name, doc)`; derivative-
like ones carry a `numeric` twin (finite differences) that `bptutor lessons check` compares
them with. The quantities themselves live in the topic modules beside this one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from bptutor.engine.answers.parser import canonical_name

__all__ = [
    "QUANTITIES",
    "Function",
    "Quantity",
    "Value",
    "as_array",
    "as_entry",
    "as_function",
    "as_index",
    "as_matrix",
    "as_point",
    "as_scalar",
    "as_vector",
    "as_whole",
    "central",
    "describe",
    "describe_all",
    "evaluate_at",
    "float_array_or_none",
    "gradient_per_layer",
    "number_or_array",
    "one_var",
    "quantity",
    "variable",
    "with_entry",
]

Value = Any  # a float, an ndarray, a Function, a str or a Network


@dataclass(frozen=True)
class Function:
    """An expression parameter: one (or several, for a vector function) Expr of `variables`."""

    exprs: tuple[Any, ...]
    variables: tuple[str, ...]
    vector: bool = False

    @property
    def expr(self) -> Any:
        if self.vector:
            raise ValueError("this is a vector function; pick one component")
        return self.exprs[0]

    def to_plain(self) -> str:
        return ", ".join(e.to_plain() for e in self.exprs)

    def to_unicode(self) -> str:
        text = ", ".join(e.to_unicode() for e in self.exprs)
        return f"({text})" if self.vector else text

    def env(self, point: np.ndarray) -> dict[str, Any]:
        return {v: float(point[i]) for i, v in enumerate(self.variables)}


@dataclass(frozen=True)
class Quantity:
    name: str
    doc: str
    func: Callable[..., Any]
    numeric: Callable[..., Any] | None = None

    @property
    def signature(self) -> str:
        params = []
        for p in inspect.signature(self.func).parameters.values():
            if p.default is inspect.Parameter.empty:
                params.append(p.name)
            elif p.kind is inspect.Parameter.VAR_POSITIONAL:
                params.append(f"*{p.name}")
            else:
                params.append(f"{p.name}={p.default!r}")
        return f"{self.name}({', '.join(params)})"


QUANTITIES: dict[str, Quantity] = {}


def quantity(
    name: str, doc: str, *, numeric: Callable[..., Any] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `func` under `name`; `numeric` computes the same by finite differences."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if name in QUANTITIES:
            raise ValueError(f"quantity {name!r} is registered twice")
        QUANTITIES[name] = Quantity(name, doc, func, numeric)
        return func

    return register


def gradient_per_layer(
    name: str, docs: Sequence[str], gradient: Callable[[int, bool], Callable[..., Any]]
) -> None:
    """Register a gradient quantity per layer (grad_W1, grad_W2): `name` with {} for the 1-based
    layer number, docs[i], gradient(i, False); gradient(i, True) is its finite-difference twin."""
    for i, doc in enumerate(docs):
        quantity(name.format(i + 1), doc, numeric=gradient(i, True))(gradient(i, False))


# --- argument helpers ---------------------------------------------------------------------------


def float_array_or_none(value: Value) -> np.ndarray | None:
    """The value as a float array; None when it is not numbers (a string, an expression, a bool,
    None, or what numpy cannot read as floats, such as a ragged list)."""
    if isinstance(value, bool | str | Function) or value is None:
        return None
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def as_array(value: Value, what: str = "argument") -> np.ndarray:
    """A float array, or a ValueError naming the argument."""
    arr = float_array_or_none(value)
    if arr is None:
        raise ValueError(f"{what} must be a number or an array, got {describe(value)}")
    return arr


def as_scalar(value: Value, what: str = "argument") -> float:
    arr = as_array(value, what)
    if arr.size != 1:
        raise ValueError(f"{what} must be a single number, got shape {arr.shape}")
    return float(arr.reshape(()))


def as_function(value: Value, what: str = "f") -> Function:
    if not isinstance(value, Function):
        raise ValueError(f"{what} must be an expression parameter, got {describe(value)}")
    return value


def as_point(f: Function, point: Value) -> np.ndarray:
    """The point as a flat vector with one coordinate per variable of f."""
    p = as_array(point, "point").reshape(-1)
    if p.size != len(f.variables):
        names = ", ".join(f.variables)
        raise ValueError(f"the point has {p.size} coordinates but the function has ({names})")
    return p


def as_index(i: Value, n: int, what: str) -> int:
    k = as_scalar(i, what)
    if k != int(k) or not 1 <= k <= n:
        raise ValueError(f"{what} must be a whole number from 1 to {n} (indices are 1-based)")
    return int(k) - 1


def as_entry(a: np.ndarray, i: Value, j: Value) -> tuple[int, int]:
    """Where the 1-based entry (i, j) of the matrix a is, 0-based (the maths counts from 1)."""
    return as_index(i, a.shape[0], "i"), as_index(j, a.shape[1], "j")


def describe(value: Value) -> str:
    if isinstance(value, Function):
        return "an expression"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return type(value).__name__


def number_or_array(value: np.ndarray) -> Value:
    """A 0-d result as a float, anything else as it is."""
    return float(value) if value.ndim == 0 else value


def as_matrix(A: Value) -> np.ndarray:
    a = as_array(A, "A")
    if a.ndim != 2:
        raise ValueError(f"A must be a matrix, got shape {a.shape}")
    return a


def as_vector(value: Value, what: str) -> np.ndarray:
    v = as_array(value, what)
    if v.ndim != 1:
        raise ValueError(f"{what} must be a vector, got shape {v.shape}")
    return v


def with_entry(A: Value, i: Value, j: Value, new: Callable[[float], float]) -> np.ndarray:
    """A copy of the matrix A whose 1-based entry (i, j) is ``new(old entry)``."""
    a = as_matrix(A).copy()
    at = as_entry(a, i, j)
    a[at] = new(float(a[at]))
    return a


def as_whole(value: Value, what: str) -> int:
    k = as_scalar(value, what)
    if k != int(k):
        raise ValueError(f"{what} must be a whole number, got {k}")
    return int(k)


def evaluate_at(expr: Any, f: Function, p: np.ndarray) -> float:
    value = float(np.asarray(expr.evaluate(f.env(p)), dtype=float))
    if not np.isfinite(value):
        raise ValueError(f"{expr.to_unicode()} is not defined at {tuple(p.tolist())}")
    return value


def variable(f: Function, wrt: Value) -> str:
    if isinstance(wrt, str) and canonical_name(wrt) in f.variables:
        return canonical_name(wrt)  # 'ŷ' names the variable y_hat
    names = ", ".join(repr(v) for v in f.variables)
    raise ValueError(f"the variable must be one of {names} (quoted), got {describe(wrt)}")


_H = 1e-5


def central(f: Function, expr: Any, p: np.ndarray, i: int) -> float:
    h = _H * max(1.0, abs(p[i]))
    up, down = p.copy(), p.copy()
    up[i] += h
    down[i] -= h
    return (evaluate_at(expr, f, up) - evaluate_at(expr, f, down)) / (2 * h)


def one_var(f: Value) -> Function:
    fn = as_function(f)
    if len(fn.variables) != 1:
        raise ValueError(f"f must have one variable, it has {len(fn.variables)}")
    return fn


def describe_all() -> str:
    """The registry as text, one line per quantity (for authors and error messages)."""
    lines = []
    for q in QUANTITIES.values():
        mark = "  [checked against finite differences]" if q.numeric else ""
        lines.append(f"{q.doc}{mark}")
    return "\n".join(lines)

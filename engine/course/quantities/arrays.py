"""Arrays and arithmetic: building, picking (1-based, like the maths), products, Kronecker
deltas, and small helpers for drawing matrices that are not symmetric."""

from __future__ import annotations

import numpy as np
from bptutor.engine.course.model import MAX_ENTRIES
from bptutor.engine.course.quantities.registry import (
    Value,
    as_array,
    as_index,
    as_matrix,
    as_scalar,
    as_whole,
    number_or_array,
    quantity,
    with_entry,
)

# --- arrays and arithmetic ----------------------------------------------------------------------


@quantity("add", "add(a, b): a + b (numpy broadcasting).")
def _add(a: Value, b: Value) -> Value:
    return number_or_array(as_array(a, "a") + as_array(b, "b"))


@quantity("sub", "sub(a, b): a − b.")
def _sub(a: Value, b: Value) -> Value:
    return number_or_array(as_array(a, "a") - as_array(b, "b"))


@quantity("mul", "mul(a, b): elementwise product a ∘ b.")
def _mul(a: Value, b: Value) -> Value:
    return number_or_array(as_array(a, "a") * as_array(b, "b"))


@quantity("div", "div(a, b): elementwise a / b.")
def _div(a: Value, b: Value) -> Value:
    bb = as_array(b, "b")
    if np.any(bb == 0):
        raise ValueError("division by zero")
    return number_or_array(as_array(a, "a") / bb)


@quantity("neg", "neg(a): −a (the sign slip).")
def _neg(a: Value) -> Value:
    return number_or_array(-as_array(a, "a"))


@quantity("scale", "scale(a, c): c·a.")
def _scale(a: Value, c: Value) -> Value:
    return number_or_array(as_scalar(c, "c") * as_array(a, "a"))


@quantity("matmul", "matmul(A, B): the matrix product A·B (vectors act as rows or columns).")
def _matmul(A: Value, B: Value) -> Value:
    a, b = as_array(A, "A"), as_array(B, "B")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul needs arrays; use scale for a number times an array")
    if a.shape[-1] != b.shape[0]:
        raise ValueError(f"shapes {a.shape} and {b.shape} do not fit together")
    return number_or_array(a @ b)


@quantity("dot", "dot(u, v): Σ u_i v_i.")
def _dot(u: Value, v: Value) -> float:
    a, b = as_array(u, "u").reshape(-1), as_array(v, "v").reshape(-1)
    if a.size != b.size:
        raise ValueError(f"u has {a.size} entries and v has {b.size}")
    return float(a @ b)


@quantity("outer", "outer(u, v): the matrix u·vᵀ.")
def _outer(u: Value, v: Value) -> np.ndarray:
    return np.outer(as_array(u, "u").reshape(-1), as_array(v, "v").reshape(-1))


@quantity("transpose", "transpose(A): Aᵀ (a vector becomes a 1-row matrix's transpose: a column).")
def _transpose(A: Value) -> np.ndarray:
    a = as_array(A, "A")
    if a.ndim == 1:
        return a.reshape(-1, 1)
    if a.ndim != 2:
        raise ValueError(f"A must be a matrix, got shape {a.shape}")
    return a.T.copy()


@quantity("flatten", "flatten(A): the entries of A as a vector, row by row.")
def _flatten(A: Value) -> np.ndarray:
    return as_array(A, "A").reshape(-1).copy()


@quantity("row", "row(A, i): row i of A as a vector (1-based).")
def _row(A: Value, i: Value) -> np.ndarray:
    a = as_matrix(A)
    return a[as_index(i, a.shape[0], "i")].copy()


@quantity("col", "col(A, j): column j of A as a vector (1-based).")
def _col(A: Value, j: Value) -> np.ndarray:
    a = as_matrix(A)
    return a[:, as_index(j, a.shape[1], "j")].copy()


@quantity("entry", "entry(A, i, j) or entry(v, i): one entry, 1-based like the maths.")
def _entry(A: Value, *index: Value) -> float:
    a = as_array(A, "A")
    if len(index) != a.ndim:
        raise ValueError(f"A has {a.ndim} dimension(s) (shape {a.shape}), give {a.ndim} index(es)")
    pairs = enumerate(zip(index, a.shape, strict=True))
    idx = tuple(as_index(i, n, f"index {k + 1}") for k, (i, n) in pairs)
    return float(a[idx])


@quantity("vector", "vector(a, b, ...): the vector with these entries.")
def _vector(*items: Value) -> np.ndarray:
    return np.array([as_scalar(x, "entry") for x in items])


@quantity("sum", "sum(a): the sum of all entries.")
def _sum(a: Value) -> float:
    return float(np.sum(as_array(a, "a")))


@quantity("norm", "norm(v): the Euclidean length √(Σ v_i²).")
def _norm(v: Value) -> float:
    return float(np.linalg.norm(as_array(v, "v").reshape(-1)))


# (C1: lessons 04-07) Kronecker deltas and small helpers for drawing non-symmetric matrices.


@quantity("kronecker", "kronecker(k, j): the Kronecker delta δ_kj, 1 when k = j and 0 otherwise.")
def _kronecker(k: Value, j: Value) -> float:
    return 1.0 if as_whole(k, "k") == as_whole(j, "j") else 0.0


@quantity("identity", "identity(n): the n×n identity matrix, whose entries are δ_kj.")
def _identity(n: Value) -> np.ndarray:
    size = as_whole(n, "n")
    if size < 1:
        raise ValueError(f"n must be at least 1, got {size}")
    if size * size > MAX_ENTRIES:  # refused before numpy allocates n² numbers
        raise ValueError(
            f"n = {size} is too large: an n×n matrix may have at most {MAX_ENTRIES} entries"
        )
    return np.eye(size)


@quantity(
    "with_entry",
    "with_entry(A, i, j, v): a copy of A with entry (i, j) set to v (1-based), e.g. to make "
    "sure a drawn matrix is not symmetric.",
)
def _with_entry(A: Value, i: Value, j: Value, v: Value) -> np.ndarray:
    value = as_scalar(v, "v")
    return with_entry(A, i, j, lambda _old: value)


@quantity("mod", "mod(a, n): the remainder of a divided by n (0 ≤ result < n for n > 0).")
def _mod(a: Value, n: Value) -> Value:
    nn = as_array(n, "n")
    if np.any(nn == 0):
        raise ValueError("n must not be 0")
    return number_or_array(np.mod(as_array(a, "a"), nn))


@quantity("abs", "abs(a): |a|, elementwise.")
def _abs(a: Value) -> Value:
    return number_or_array(np.abs(as_array(a, "a")))


# (lesson text pass) Picking an entry by size, e.g. the weight whose finite-difference estimate
# is furthest from the true derivative, so that the estimate can never pass for it.


@quantity(
    "argmax",
    "argmax(a): where a's largest entry is, 1-based: a number for a vector, a vector (i, j) for "
    "a matrix (the first such entry, row by row, on a tie).",
)
def _argmax(a: Value) -> Value:
    arr = as_array(a, "a")
    if arr.ndim not in (1, 2) or arr.size == 0:
        raise ValueError(f"a must be a vector or a matrix, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("a must have finite entries")
    flat = int(np.argmax(arr))  # numpy: the first maximum in row-major order
    if arr.ndim == 1:
        return float(flat + 1)
    i, j = np.unravel_index(flat, arr.shape)
    return np.array([i + 1, j + 1], dtype=float)

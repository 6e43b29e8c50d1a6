"""Checks of what callers hand the network and training: arrays, shapes, sizes and options.

Lessons, the CLI and learners all reach the engine with values typed somewhere else, so every
entry point checks them once. Each function here returns the value in the form the engine
computes with (float64 arrays, plain ints, tuples) or raises ValueError naming the parameter and
what was expected: a typo gets a message, never a numpy traceback or a run that never ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "MAX_LEARNING_RATE",
    "batch_size",
    "bias_vector",
    "bounded",
    "finite",
    "flag",
    "float_array",
    "hidden_sizes",
    "inputs",
    "integer",
    "learning_rate",
    "seed_or_none",
    "targets",
    "weight_matrices",
]

#: Learning rates above this are refused (no lesson needs them; they only overflow).
MAX_LEARNING_RATE = 1e3


# -- options ------------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def integer(value: Any, name: str, minimum: int) -> int:
    """An integer option >= ``minimum`` (numpy integers too; True/False are not numbers here)."""
    if not _is_int(value) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def bounded(value: Any, name: str, minimum: int, maximum: int) -> int:
    """An integer option within [minimum, maximum]; a huge one is named by its digits."""
    if not _is_int(value):
        raise ValueError(f"{name} must be an integer from {minimum:,} to {maximum:,}")
    if not minimum <= value <= maximum:
        shown = f"{value}" if len(str(value)) <= 30 else f"a {len(str(value))}-digit number"
        raise ValueError(f"{name} must be an integer from {minimum:,} to {maximum:,}; got {shown}")
    return int(value)


def flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def seed_or_none(seed: Any) -> int | None:
    """A seed for numpy's generator, or None for a fresh one each time."""
    if seed is not None and (not _is_int(seed) or seed < 0):
        raise ValueError(f"seed must be an integer >= 0 or None; got {seed!r}")
    return seed


def learning_rate(value: Any) -> float:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if not ok or not (0.0 < float(value) <= MAX_LEARNING_RATE):
        raise ValueError(
            f"learning_rate must be a number with 0 < learning_rate <= {MAX_LEARNING_RATE:g}; "
            f"got {value!r}"
        )
    return float(value)


def batch_size(value: Any) -> int | None:
    """None (full batch) or a mini-batch size >= 1."""
    if value is None:
        return None
    if not _is_int(value) or value < 1:
        raise ValueError(f"batch_size must be None (full batch) or an integer >= 1; got {value!r}")
    return int(value)


def hidden_sizes(value: Any, name: str = "hidden") -> tuple[int, ...]:
    """``value`` (an int, or a non-empty sequence of ints, each >= 1) as a tuple of sizes."""
    what = (
        f"{name} must be an integer >= 1 or a non-empty list of them (one size per hidden "
        f"layer); got {value!r}"
    )
    if _is_int(value):
        if value < 1:
            raise ValueError(what)
        return (int(value),)
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        raise ValueError(what)
    sizes = list(value)
    if not (sizes and all(_is_int(s) and s >= 1 for s in sizes)):
        raise ValueError(what)
    return tuple(int(s) for s in sizes)


# -- arrays -------------------------------------------------------------------------------------


def float_array(value: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of numbers; got {value!r}") from None


def finite(arr: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers (no NaN or inf)")


def weight_matrices(weights: Sequence[Any]) -> list[np.ndarray]:
    """W⁽¹⁾..W⁽ᴰ⁾ as float arrays whose shapes chain (the last may be the notes' flat row)."""
    D = len(weights)
    w1 = float_array(weights[0], "W1")
    if w1.ndim != 2 or w1.shape[0] < 1 or w1.shape[1] < 1:
        raise ValueError(
            f"W1 must have shape (m, n) with m >= 1 hidden units and n >= 1 inputs; "
            f"got shape {w1.shape}"
        )
    finite(w1, "W1")
    mats = [w1]
    for i in range(1, D):
        name = f"W{i + 1}"
        w = float_array(weights[i], name)
        m = mats[-1].shape[0]
        last = i == D - 1
        if last and w.ndim == 1:  # the notes' row vector, given flat
            w = w.reshape(1, -1)
        if w.ndim != 2 or w.shape[1] != m or w.shape[0] < 1:
            if last:
                want = f"(k, {m}) (k >= 1 outputs, one column per hidden unit)"
            else:
                want = f"(m{i + 1}, {m}) (m{i + 1} >= 1 units, one column per unit of layer {i})"
            raise ValueError(f"{name} must have shape {want}; got shape {np.shape(weights[i])}")
        finite(w, name)
        mats.append(w)
    return mats


def bias_vector(value: Any, size: int, name: str) -> np.ndarray:
    """A layer's biases, shape (size,); None means zeros."""
    if value is None:
        return np.zeros(size)
    b = float_array(value, name)
    if b.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},); got shape {b.shape}")
    finite(b, name)
    return b


def inputs(X: Any, n: int, name: str = "X") -> np.ndarray:
    """X as a float64 (L, n) array, L >= 1."""
    arr = float_array(X, name)
    if arr.ndim != 2 or arr.shape[1] != n or arr.shape[0] < 1:
        raise ValueError(
            f"{name} must have shape (L, {n}): one row of {n} inputs per example, L >= 1; "
            f"got shape {arr.shape}"
        )
    finite(arr, name)
    return arr


def targets(y: Any, n_examples: int, k: int, loss: str, name: str = "y") -> np.ndarray:
    """y as a float64 (L, k) array, whatever form ``loss`` accepts.

    Squared error: (L, k), or (L,) when k == 1. Binary cross-entropy: the same, with values in
    [0, 1]. Cross-entropy: class indices (L,) (returned one-hot) or rows (L, k) that are one-hot
    (or probabilities: non-negative, summing to 1).
    """
    if loss == "cross_entropy":
        return _class_targets(y, n_examples, k, name)
    arr = float_array(y, name)
    L = n_examples
    if arr.ndim == 1 and k == 1 and arr.shape[0] == L:
        arr = arr.reshape(L, 1)
    if arr.shape != (L, k):
        also = f" or ({L},)" if k == 1 else ""
        raise ValueError(
            f"{name} must have shape ({L}, {k}){also}: one row of {k} targets per example "
            f"of X; got shape {arr.shape}"
        )
    finite(arr, name)
    if loss == "binary_cross_entropy" and (arr.min() < 0.0 or arr.max() > 1.0):
        raise ValueError(
            f"{name} must hold targets between 0 and 1 for loss='binary_cross_entropy'; "
            f"got values from {arr.min():g} to {arr.max():g}"
        )
    return arr


def _class_targets(y: Any, L: int, k: int, name: str) -> np.ndarray:
    arr = float_array(y, name)
    if arr.shape not in ((L,), (L, k)):
        raise ValueError(
            f"{name} must have shape ({L},) (class indices 0..{k - 1}) or ({L}, {k}) "
            f"(one-hot rows) for loss='cross_entropy'; got shape {arr.shape}"
        )
    finite(arr, name)
    if arr.ndim == 1:
        bad = (arr != np.round(arr)) | (arr < 0) | (arr > k - 1)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"{name} must hold class indices 0..{k - 1} (integers) for "
                f"loss='cross_entropy'; entry {i} is {arr[i]:g}"
            )
        onehot = np.zeros((L, k))
        onehot[np.arange(L), arr.astype(int)] = 1.0
        return onehot
    sums = arr.sum(axis=1)
    bad_rows = (arr.min(axis=1) < 0.0) | (np.abs(sums - 1.0) > 1e-9)
    if bad_rows.any():
        i = int(np.argmax(bad_rows))
        raise ValueError(
            f"{name}'s rows must be one-hot (or probabilities >= 0 summing to 1) for "
            f"loss='cross_entropy'; row {i} is {arr[i].tolist()} (sum {sums[i]:g})"
        )
    return arr

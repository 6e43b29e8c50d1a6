"""Finite-difference gradients: the independent check of every analytic derivative.

Central differences (f(w + h) − f(w − h)) / 2h (``order=2``, the classic one) have truncation
error O(h²) and rounding error about ε·|f| / h: with h = 1e-5 a gradient entry much smaller than
|f| · 1e-4 is only good to about 1e-7 relative error. ``order=4`` uses the five-point stencil
(−f(w+2h) + 8f(w+h) − 8f(w−h) + f(w−2h)) / 12h, error O(h⁴), which with h = 1e-3 is accurate to
about 1e-12 absolute: use it when comparing tiny gradient entries at a tight tolerance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from bptutor.engine.nn.network import Gradients, Network

__all__ = ["numerical_gradient", "numerical_gradients", "relative_error"]


def _check_h(h: float) -> float:
    if not isinstance(h, int | float | np.floating) or not (0.0 < float(h) < 1.0):
        raise ValueError(f"h must be a step size with 0 < h < 1; got {h!r}")
    return float(h)


def _check_order(order: int) -> int:
    if order not in (2, 4) or isinstance(order, bool):
        raise ValueError(f"order must be 2 or 4 (central-difference accuracy); got {order!r}")
    return int(order)


def numerical_gradient(
    f: Callable[[], float], param: np.ndarray, h: float = 1e-5, order: int = 2
) -> np.ndarray:
    """∂f/∂param by central differences, one entry at a time.

    ``f`` takes no arguments and reads ``param`` (e.g. a network's weights): each entry is
    perturbed in place and restored, even when ``f`` raises.
    """
    h = _check_h(h)
    order = _check_order(order)
    if not isinstance(param, np.ndarray) or param.dtype != np.float64:
        raise ValueError("param must be a float64 numpy array that f reads (perturbed in place)")
    if not param.flags.writeable:
        raise ValueError("param must be writeable: it is perturbed in place")
    grad = np.zeros(param.shape, dtype=float)
    it = np.nditer(param, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = float(param[idx])
        try:
            param[idx] = old + h
            f_plus = float(f())
            param[idx] = old - h
            f_minus = float(f())
            if order == 4:
                param[idx] = old + 2.0 * h
                f_plus2 = float(f())
                param[idx] = old - 2.0 * h
                f_minus2 = float(f())
        finally:
            param[idx] = old
        if order == 2:
            grad[idx] = (f_plus - f_minus) / (2.0 * h)
        else:
            grad[idx] = (8.0 * (f_plus - f_minus) - (f_plus2 - f_minus2)) / (12.0 * h)
    return grad


def numerical_gradients(net: Network, X: Any, y: Any, h: float = 1e-5, order: int = 2) -> Gradients:
    """The gradient of ``net.cost(X, y)`` w.r.t. every parameter (any depth, any loss), by
    central differences."""
    Xa = net.check_inputs(X)
    ya = net.check_targets(y, Xa.shape[0])

    def cost() -> float:
        return net.cost(Xa, ya)

    weights = tuple(numerical_gradient(cost, w, h, order) for w in net.weights)
    biases = net.biases
    if biases is not None:
        biases = tuple(numerical_gradient(cost, b, h, order) for b in biases)
    return Gradients(weights=weights, biases=biases)


def relative_error(a: Any, b: Any) -> float:
    """CS231n's relative error: max over entries of |a − b| / max(|a| + |b|, tiny).

    Both zero gives 0. Below about 1e-7 a gradient is right; above 1e-2 it is wrong.
    """
    x = np.asarray(a, dtype=float)
    z = np.asarray(b, dtype=float)
    if x.shape != z.shape:
        raise ValueError(f"a and b must have the same shape; got {x.shape} and {z.shape}")
    if x.size == 0:
        return 0.0
    denom = np.maximum(np.abs(x) + np.abs(z), np.finfo(float).tiny)
    return float(np.max(np.abs(x - z) / denom))

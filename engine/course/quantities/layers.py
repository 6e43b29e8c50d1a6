"""Layers beyond the notes' network (lessons 14-17): the network with biases and its bias
gradients, sums over one axis of a batch (where the bias slips live), and the diagonal matrix
of an elementwise layer's Jacobian."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from bptutor.engine.course.model import MAX_ENTRIES
from bptutor.engine.course.quantities.network import _batch, _gradients, _net, _targets
from bptutor.engine.course.quantities.registry import (
    Value,
    as_array,
    as_matrix,
    as_vector,
    gradient_per_layer,
    number_or_array,
    quantity,
)
from bptutor.engine.nn.network import Network

# --- the network with biases --------------------------------------------------------------------


@quantity(
    "network_with_biases",
    "network_with_biases(W1, b1, W2, b2, 'sigmoid'): the notes' network with biases, "
    "z = W1·x + b1, ŷ = W2·a + b2 (W1 m×n, b1 m entries, W2 1×m, b2 a number).",
)
def _network_with_biases(
    W1: Value, b1: Value, W2: Value, b2: Value, activation: Value = "sigmoid"
) -> Any:
    w2 = as_array(W2, "W2")
    if w2.ndim == 1:
        w2 = w2.reshape(1, -1)
    if not isinstance(activation, str):
        raise ValueError("the activation must be a quoted name such as 'sigmoid'")
    return Network.from_weights(
        as_array(W1, "W1"),
        w2,
        activation=activation,
        b1=as_array(b1, "b1").reshape(-1),
        b2=as_array(b2, "b2").reshape(-1),
    )


def _with_biases(net: Value) -> Network:
    n = _net(net)
    if not n.has_biases:
        raise ValueError(
            "this network has no biases: make it with network_with_biases(W1, b1, W2, b2, ...)"
        )
    return n


def _bias_gradient(layer: int, numeric: bool) -> Callable[[Value, Value, Value], Value]:
    """∂E/∂b1 (layer 0: a vector of m entries) or ∂E/∂b2 (layer 1: a number for one output
    unit, like ŷ; a vector for several) as a quantity."""

    def gradient(net: Value, X: Value, y: Value) -> Value:
        n = _with_biases(net)
        XX, _ = _batch(X)
        grads = _gradients(n, XX, _targets(y, XX.shape[0]), numeric)
        assert grads.biases is not None
        b = np.asarray(grads.biases[layer], dtype=float)
        return float(b[0]) if layer == 1 and b.size == 1 else b.copy()

    return gradient


gradient_per_layer(
    "grad_b{}",
    (
        "grad_b1(net, X, y): the true ∂E/∂b1 (m entries) = (1/L)·Σₗ δ⁽ˡ⁾, the hidden errors "
        "summed over the batch.",
        "grad_b2(net, X, y): the true ∂E/∂b2 = (1/L)·Σₗ (ŷ⁽ˡ⁾ − y⁽ˡ⁾), a number for one output.",
    ),
    _bias_gradient,
)


# --- sums over one axis -------------------------------------------------------------------------


@quantity(
    "colsum",
    "colsum(A): the sum of each column, Σᵢ A_ij (numpy's A.sum(axis=0)): with one example "
    "per row, the sum over the batch.",
)
def _colsum(A: Value) -> np.ndarray:
    return as_matrix(A).sum(axis=0)


@quantity(
    "rowsum",
    "rowsum(A): the sum of each row, Σⱼ A_ij (numpy's A.sum(axis=1)).",
)
def _rowsum(A: Value) -> np.ndarray:
    return as_matrix(A).sum(axis=1)


# --- elementwise layers -------------------------------------------------------------------------


@quantity(
    "diag",
    "diag(v): the square matrix with the vector v on its diagonal and 0 elsewhere (the "
    "Jacobian of an elementwise layer is diag(f′(z))).",
)
def _diag(v: Value) -> Value:
    vec = as_vector(v, "v")
    if vec.size * vec.size > MAX_ENTRIES:
        raise ValueError(f"diag(v) would have {vec.size}² entries, more than {MAX_ENTRIES}")
    return number_or_array(np.diag(vec))

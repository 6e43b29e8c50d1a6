"""Several outputs, softmax and cross-entropy (issue 11, lessons 18–20).

The notes' network has one output; these quantities take a network with k outputs (W2 k×m,
built with `network(W1, W2, ...)`) and targets with k entries per example, and the softmax and
cross-entropy pieces on their own, so a lesson can ask for the softmax's Jacobian or the
gradient of the cross-entropy without a network around them. Every derivative here has a
finite-difference twin that `lessons check` compares it with, computed from the forward
formulas only (never from the engine's backward pass).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from bptutor.engine.course.quantities.network import _batch, _gradients, _net
from bptutor.engine.course.quantities.registry import (
    Value,
    as_array,
    as_whole,
    gradient_per_layer,
    number_or_array,
    quantity,
)
from bptutor.engine.nn.losses import log_softmax, softmax
from bptutor.engine.nn.network import Network

_H = 1e-5


def _central(f: Callable[[np.ndarray], float], z: np.ndarray) -> np.ndarray:
    """∂f/∂z for every entry of z, by central differences."""
    out = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[idx] += _H
        down[idx] -= _H
        out[idx] = (f(up) - f(down)) / (2 * _H)
    return out


# --- softmax and cross-entropy on their own ----------------------------------------------------


def _logits(z: Value) -> np.ndarray:
    arr = as_array(z, "z")
    if arr.ndim not in (1, 2) or arr.shape[-1] < 1:
        raise ValueError(f"z must be a vector of k scores or a batch (L, k), got shape {arr.shape}")
    return arr


def _pair(z: Value, y: Value) -> tuple[np.ndarray, np.ndarray]:
    zz = _logits(z)
    yy = as_array(y, "y")
    if yy.shape != zz.shape:
        raise ValueError(f"y must have the shape of z, {zz.shape}; got {yy.shape}")
    return zz, yy


@quantity("softmax", "softmax(z): sᵢ = e^(zᵢ) / Σⱼ e^(zⱼ), for a vector or each row of a matrix.")
def _softmax(z: Value) -> Value:
    return np.asarray(softmax(_logits(z)), dtype=float)


def _one_vector_of_scores(z: Value) -> np.ndarray:
    zz = _logits(z)
    if zz.ndim != 1:
        raise ValueError("softmax_jacobian needs one vector z")
    return zz


def _softmax_jacobian_fd(z: Value) -> np.ndarray:
    zz = _one_vector_of_scores(z)
    k = zz.size
    return np.stack([_central(lambda v, i=i: float(softmax(v)[i]), zz) for i in range(k)])


@quantity(
    "softmax_jacobian",
    "softmax_jacobian(z): the k×k matrix J_ij = ∂sᵢ/∂zⱼ = sᵢ(δᵢⱼ − sⱼ) of s = softmax(z).",
    numeric=_softmax_jacobian_fd,
)
def _softmax_jacobian(z: Value) -> np.ndarray:
    s = softmax(_one_vector_of_scores(z))
    return np.diag(s) - np.outer(s, s)


def _ce(zz: np.ndarray, yy: np.ndarray) -> float:
    rows = -(yy * log_softmax(zz)).sum(axis=-1)
    return float(np.mean(rows))


@quantity(
    "cross_entropy",
    "cross_entropy(z, y): −Σᵢ yᵢ·log softmax(z)ᵢ for one example; for a batch (L, k), the mean "
    "over the rows. y has z's shape (one-hot rows, or any weights).",
)
def _cross_entropy(z: Value, y: Value) -> float:
    return _ce(*_pair(z, y))


def _ce_grad_fd(z: Value, y: Value) -> np.ndarray:
    zz, yy = _pair(z, y)
    return _central(lambda v: _ce(v, yy), zz)


@quantity(
    "ce_grad",
    "ce_grad(z, y): ∂/∂z of cross_entropy(z, y) = s·Σᵢyᵢ − y with s = softmax(z), per row (÷ L "
    "for a batch): ŷ − y when the targets sum to 1.",
    numeric=_ce_grad_fd,
)
def _ce_grad(z: Value, y: Value) -> np.ndarray:
    zz, yy = _pair(z, y)
    g = softmax(zz) * yy.sum(axis=-1, keepdims=True) - yy
    return g / zz.shape[0] if zz.ndim == 2 else g


# --- a network with k outputs -------------------------------------------------------------------


def _net_data(net: Value, X: Value, Y: Value) -> tuple[Network, np.ndarray, np.ndarray, bool]:
    """The network, the batch (L, n), its targets (L, k), and whether X was one example."""
    n = _net(net)
    XX, single = _batch(X)
    T = as_array(Y, "y")
    k = n.n_outputs
    if single and T.ndim <= 1 and T.size == k:
        T = T.reshape(1, k)
    elif T.ndim == 1 and k == 1:
        T = T.reshape(-1, 1)
    if T.shape != (XX.shape[0], k):
        want = f"({k},)" if single else f"({XX.shape[0]}, {k})"
        raise ValueError(
            f"y must hold {k} target(s) per example: shape {want} for this X, got {T.shape}"
        )
    return n, XX, T, single


def _rows(arr: np.ndarray, single: bool) -> Value:
    return number_or_array(np.asarray(arr[0] if single else arr, dtype=float).copy())


@quantity(
    "net_cost",
    "net_cost(net, X, y): the network's cost for targets with k entries per example (squared "
    "error: 1/(2L)·Σₗ Σ_c (y_c − ŷ_c)²).",
)
def _net_cost(net: Value, X: Value, Y: Value) -> float:
    n, XX, T, _ = _net_data(net, X, Y)
    return float(n.cost(XX, T))


def _example_loss(n: Network, t: np.ndarray) -> Callable[[np.ndarray], float]:
    """The loss of one example as a function of its output scores z_out (k,)."""

    def f(z_out: np.ndarray) -> float:
        zo = z_out.reshape(1, -1)
        return n.loss_fn.total(zo, n.output_activation_fn.f(zo), t.reshape(1, -1))

    return f


def _delta_out_fd(net: Value, X: Value, Y: Value) -> Value:
    n, XX, T, single = _net_data(net, X, Y)
    z_out = n.forward(XX).z_out
    out = np.stack([_central(_example_loss(n, T[i]), z_out[i]) for i in range(len(XX))])
    return _rows(out, single)


def _one_hidden_layer(
    net: Value, X: Value, Y: Value
) -> tuple[Network, np.ndarray, np.ndarray, bool]:
    """As _net_data, for a network with exactly one hidden layer (the notes' shape)."""
    data = _net_data(net, X, Y)
    if data[0].n_layers != 2:
        raise ValueError("net_delta_hidden needs a network with one hidden layer")
    return data


def _delta_hidden_fd(net: Value, X: Value, Y: Value) -> Value:
    n, XX, T, single = _one_hidden_layer(net, X, Y)
    W2, f = n.W2, n.hidden_activation.f
    z = n.forward(XX).z
    out = []
    for i in range(len(XX)):
        loss = _example_loss(n, T[i])
        out.append(_central(lambda zi, loss=loss: loss(W2 @ f(zi)), z[i]))
    return _rows(np.stack(out), single)


def _errors(
    field: str, data: Callable[[Value, Value, Value], tuple[Network, np.ndarray, np.ndarray, bool]]
) -> Callable[[Value, Value, Value], Value]:
    """The engine's δ_out or δ_hidden (``field`` of its backward pass) of each example."""

    def errors(net: Value, X: Value, Y: Value) -> Value:
        n, XX, T, single = data(net, X, Y)
        return _rows(getattr(n.backward(XX, T), field), single)

    return errors


quantity(
    "net_delta_out",
    "net_delta_out(net, X, y): the output error δ_out = ∂E⁽ˡ⁾/∂z_out of each example, (k,) or "
    "(L, k): ŷ − y for a linear output with squared error.",
    numeric=_delta_out_fd,
)(_errors("delta_out", _net_data))
quantity(
    "net_delta_hidden",
    "net_delta_hidden(net, X, y): the hidden error (W2ᵀ·δ_out) ∘ f′(z) of each example, (m,) or "
    "(L, m).",
    numeric=_delta_hidden_fd,
)(_errors("delta_hidden", _one_hidden_layer))


def _net_weight_gradient(layer: int, numeric: bool) -> Callable[[Value, Value, Value], np.ndarray]:
    """∂E/∂W1 (layer 0) or ∂E/∂W2 (layer 1) of a network with k outputs as a quantity."""

    def gradient(net: Value, X: Value, y: Value) -> np.ndarray:
        n, XX, T, _ = _net_data(net, X, y)
        return np.asarray(_gradients(n, XX, T, numeric).weights[layer], dtype=float)

    return gradient


gradient_per_layer(
    "net_grad_W{}",
    (
        "net_grad_W1(net, X, y): the true ∂E/∂W1 (m×n) of a network with k outputs.",
        "net_grad_W2(net, X, y): the true ∂E/∂W2 (k×m) of a network with k outputs.",
    ),
    _net_weight_gradient,
)


@quantity(
    "one_hot",
    "one_hot(c, k): the one-hot row of class c (1-based) among k, or one row per entry of a "
    "vector of classes: an (L, k) matrix.",
)
def _one_hot(c: Value, k: Value) -> np.ndarray:
    kk = as_whole(k, "k")
    if kk < 1:
        raise ValueError(f"k must be at least 1, got {kk}")
    cc = as_array(c, "c")
    if cc.ndim > 1:
        raise ValueError(f"c must be a class number or a vector of them, got shape {cc.shape}")
    flat = cc.reshape(-1)
    if np.any(flat != np.round(flat)) or np.any(flat < 1) or np.any(flat > kk):
        raise ValueError(f"c must hold whole class numbers from 1 to {kk} (1-based)")
    rows = np.eye(kk)[flat.astype(int) - 1]
    return rows[0] if cc.ndim == 0 else rows

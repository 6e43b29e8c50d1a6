"""Deeper networks (issue 11): a network of any depth built from its weight matrices, and its
per-layer values z⁽ˡ⁾, a⁽ˡ⁾, f′(z⁽ˡ⁾), errors δ⁽ˡ⁾, gradients ∂E/∂W⁽ˡ⁾ and their sizes.

Layers are numbered as in the lessons: l = 1..D for the D weight matrices, a⁽⁰⁾ = x and
a⁽ᴰ⁾ = ŷ. For one example (a vector x) a layer's values come back as a vector, or a number when
the layer has one unit (the output, or a chain one unit wide); for a batch (L, n), one row per
example. δ⁽ˡ⁾ and the gradients are checked against finite differences by `lessons check`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from bptutor.engine.course.quantities.network import _batch as _notes_batch
from bptutor.engine.course.quantities.network import _gradients, _net, _per_example, _targets
from bptutor.engine.course.quantities.registry import (
    Value,
    as_array,
    as_whole,
    describe,
    quantity,
)
from bptutor.engine.nn.datasets import load_dataset
from bptutor.engine.nn.gradcheck import numerical_gradients
from bptutor.engine.nn.network import Gradients, Network
from bptutor.engine.nn.training import TrainConfig

_H = 1e-5


def _batch(x: Value) -> tuple[np.ndarray, bool]:
    """As for the notes' network, and a single number is one example with one input (a chain
    one unit wide: x → h₁ → h₂ → ŷ)."""
    if isinstance(x, int | float | np.number) and not isinstance(x, bool):
        return np.array([[float(x)]]), True
    return _notes_batch(x)


@quantity(
    "deep_network",
    "deep_network(W1, W2, W3, activation='sigmoid'): a network of any depth without biases, "
    "the given f on every hidden layer, a linear output and squared error (W⁽ˡ⁾ is m_l×m_(l−1)).",
)
def _deep_network(*weights: Value, activation: Value = "sigmoid") -> Any:
    if len(weights) < 2:
        raise ValueError("deep_network needs at least two weight matrices (W1, W2, ...)")
    if not isinstance(activation, str):
        raise ValueError("the activation must be a quoted name such as 'sigmoid'")
    mats = []
    for i, w in enumerate(weights, 1):
        arr = as_array(w, f"W{i}")
        if arr.ndim == 1 and i == len(weights):
            arr = arr.reshape(1, -1)  # one output: the last layer may be written as a row
        if arr.ndim != 2:
            raise ValueError(f"W{i} must be a matrix, got shape {arr.shape}")
        mats.append(arr)
    for i in range(1, len(mats)):
        if mats[i].shape[1] != mats[i - 1].shape[0]:
            raise ValueError(
                f"W{i + 1} has {mats[i].shape[1]} columns but W{i} has {mats[i - 1].shape[0]} "
                "rows: W⁽ˡ⁾ is m_l×m_(l−1)"
            )
    return Network.from_layers(mats, None, activation=activation)


def _layer(net: Network, layer: Value, lowest: int, highest: int, what: str) -> int:
    """The 1-based layer number, within lowest..highest."""
    k = as_whole(layer, "l")
    if not lowest <= k <= highest:
        raise ValueError(f"{what}: l must be from {lowest} to {highest} for this network, got {k}")
    return k


@quantity("layer_z", "layer_z(net, x, l): z⁽ˡ⁾ = W⁽ˡ⁾·a⁽ˡ⁻¹⁾, l = 1..D (D: the output layer).")
def _layer_z(net: Value, x: Value, layer: Value) -> Value:
    n = _net(net)
    k = _layer(n, layer, 1, n.n_layers, "layer_z")
    X, single = _batch(x)
    return _per_example(np.asarray(n.forward(X).zs[k - 1], dtype=float), single)


@quantity("layer_a", "layer_a(net, x, l): a⁽ˡ⁾ = f(z⁽ˡ⁾), l = 0..D (a⁽⁰⁾ = x, a⁽ᴰ⁾ = ŷ).")
def _layer_a(net: Value, x: Value, layer: Value) -> Value:
    n = _net(net)
    k = _layer(n, layer, 0, n.n_layers, "layer_a")
    X, single = _batch(x)
    if k == 0:
        return _per_example(np.asarray(n.check_inputs(X), dtype=float), single)
    return _per_example(np.asarray(n.forward(X).activations[k - 1], dtype=float), single)


@quantity("layer_fprime", "layer_fprime(net, x, l): f′(z⁽ˡ⁾) of hidden layer l = 1..D−1.")
def _layer_fprime(net: Value, x: Value, layer: Value) -> Value:
    n = _net(net)
    k = _layer(n, layer, 1, n.n_layers - 1, "layer_fprime (hidden layers only)")
    X, single = _batch(x)
    return _per_example(np.asarray(n.forward(X).fprimes[k - 1], dtype=float), single)


def _rest_cost(net: Network, k: int, z: np.ndarray, y: np.ndarray) -> float:
    """½‖y − ŷ‖² for one example when layer k's pre-activation is z (the layers above rerun)."""
    last = net.n_layers
    a = net.output_activation_fn.f(z) if k == last else net.hidden_activation.f(z)
    for i in range(k, last):  # weights[i] is W⁽ⁱ⁺¹⁾
        z_next = a @ net.weights[i].T
        a = net.output_activation_fn.f(z_next) if i + 1 == last else net.hidden_activation.f(z_next)
    return 0.5 * float(np.sum((y - a) ** 2))


def _numeric_layer_delta(net: Value, X: Value, y: Value, layer: Value) -> Value:
    n = _net(net)
    k = _layer(n, layer, 1, n.n_layers, "layer_delta")
    XX, single = _batch(X)
    Y = n.check_targets(_targets(y, XX.shape[0]), XX.shape[0])
    Z = np.asarray(n.forward(XX).zs[k - 1], dtype=float)
    out = np.zeros_like(Z)
    for row in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            h = _H * max(1.0, abs(Z[row, j]))
            up, down = Z[row].copy(), Z[row].copy()
            up[j] += h
            down[j] -= h
            out[row, j] = (_rest_cost(n, k, up, Y[row]) - _rest_cost(n, k, down, Y[row])) / (2 * h)
    return _per_example(out, single)


@quantity(
    "layer_delta",
    "layer_delta(net, X, y, l): δ⁽ˡ⁾ per example, l = 1..D: δ⁽ᴰ⁾ = ŷ − y, "
    "δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ·δ⁽ˡ⁺¹⁾) ∘ f′(z⁽ˡ⁾), which is ∂E/∂z⁽ˡ⁾ for that example.",
    numeric=_numeric_layer_delta,
)
def _layer_delta(net: Value, X: Value, y: Value, layer: Value) -> Value:
    n = _net(net)
    k = _layer(n, layer, 1, n.n_layers, "layer_delta")
    XX, single = _batch(X)
    deltas = n.backward(XX, _targets(y, XX.shape[0])).deltas
    return _per_example(np.asarray(deltas[k - 1], dtype=float), single)


def _grads(net: Value, X: Value, y: Value, numeric: bool) -> Gradients:
    n = _net(net)
    XX, _ = _batch(X)
    return _gradients(n, XX, _targets(y, XX.shape[0]), numeric)


def _grad_of_layer(net: Value, X: Value, y: Value, layer: Value, numeric: bool) -> np.ndarray:
    n = _net(net)
    k = _layer(n, layer, 1, n.n_layers, "grad_layer")
    return np.asarray(_grads(n, X, y, numeric).weights[k - 1], dtype=float)


def _numeric_grad_layer(net: Value, X: Value, y: Value, layer: Value) -> np.ndarray:
    return _grad_of_layer(net, X, y, layer, numeric=True)


@quantity(
    "grad_layer",
    "grad_layer(net, X, y, l): the true ∂E/∂W⁽ˡ⁾, shaped like W⁽ˡ⁾: (1/L)·Σ δ⁽ˡ⁾·a⁽ˡ⁻¹⁾ᵀ.",
    numeric=_numeric_grad_layer,
)
def _grad_layer(net: Value, X: Value, y: Value, layer: Value) -> np.ndarray:
    return _grad_of_layer(net, X, y, layer, numeric=False)


def _numeric_layer_grad_norms(net: Value, X: Value, y: Value) -> np.ndarray:
    return np.asarray(_grads(net, X, y, numeric=True).layer_norms(), dtype=float)


@quantity(
    "layer_grad_norms",
    "layer_grad_norms(net, X, y): the vector of ‖∂E/∂W⁽ˡ⁾‖ for l = 1..D (with biases, each "
    "layer's weights and bias together): where gradients vanish.",
    numeric=_numeric_layer_grad_norms,
)
def _layer_grad_norms(net: Value, X: Value, y: Value) -> np.ndarray:
    return np.asarray(_grads(net, X, y, numeric=False).layer_norms(), dtype=float)


def _train_start(dataset: Value, hidden: Value, activation: Value, seed: Value) -> Any:
    """The network a train step with these settings starts from, and its data (X, Y)."""
    if not isinstance(dataset, str) or not isinstance(activation, str):
        raise ValueError(
            f"the data set and the activation must be quoted names, got {describe(dataset)} "
            f"and {describe(activation)}"
        )
    sizes = as_array(hidden, "hidden").reshape(-1)
    layers = tuple(as_whole(s, "a hidden size") for s in sizes)
    config = TrainConfig(
        dataset=dataset, hidden=layers, activation=activation, seed=as_whole(seed, "seed")
    )
    ds = load_dataset(config.dataset, seed=config.seed)
    X = np.asarray(ds.X, dtype=float)
    Y = np.asarray(ds.y, dtype=float).reshape(len(X), -1)
    return config.make_network(X.shape[1], Y.shape[1]), X, Y


def _numeric_train_layer_norms(
    dataset: Value, hidden: Value, activation: Value, seed: Value
) -> np.ndarray:
    net, X, Y = _train_start(dataset, hidden, activation, seed)
    return np.asarray(numerical_gradients(net, X, Y).layer_norms(), dtype=float)


@quantity(
    "train_layer_norms",
    "train_layer_norms('xor', [8, 8, 8], 'sigmoid', seed): ‖∂E/∂W⁽ˡ⁾, ∂E/∂b⁽ˡ⁾‖ per layer for "
    "the network a train step with this data set, these hidden sizes, this activation and seed "
    "starts from (biases on, squared error): what its first epoch sees.",
    numeric=_numeric_train_layer_norms,
)
def _train_layer_norms(dataset: Value, hidden: Value, activation: Value, seed: Value) -> np.ndarray:
    net, X, Y = _train_start(dataset, hidden, activation, seed)
    return np.asarray(net.gradients(X, Y).layer_norms(), dtype=float)

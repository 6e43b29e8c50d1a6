"""The notes' network: forward pass, cost, the gradients for W2 and W1, the errors, one step
of gradient descent, activations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from bptutor.engine.course.quantities.registry import (
    Value,
    as_array,
    as_scalar,
    describe,
    gradient_per_layer,
    number_or_array,
    quantity,
)
from bptutor.engine.nn.activations import get_activation
from bptutor.engine.nn.gradcheck import numerical_gradients
from bptutor.engine.nn.network import Gradients, Network

# --- the notes' network -------------------------------------------------------------------------


def _net(net: Value) -> Network:
    if not isinstance(net, Network):
        raise ValueError(f"net must be a network(W1, W2, ...), got {describe(net)}")
    return net


def _batch(x: Value) -> tuple[np.ndarray, bool]:
    X = as_array(x, "X")
    if X.ndim == 1:
        return X.reshape(1, -1), True
    if X.ndim != 2:
        raise ValueError(f"X must be one example (n,) or a batch (L, n), got shape {X.shape}")
    return X, False


def _targets(y: Value, L: int) -> np.ndarray:
    t = as_array(y, "y").reshape(-1)
    if t.size != L:
        raise ValueError(f"y has {t.size} targets for {L} example(s)")
    return t


def _per_example(arr: np.ndarray, single: bool) -> Value:
    out = arr[0] if single else arr
    if out.ndim >= 1 and out.shape[-1] == 1:  # one output unit: drop the k axis
        out = out[..., 0]
    return number_or_array(np.asarray(out, dtype=float).copy())


@quantity(
    "network",
    "network(W1, W2, 'sigmoid'): the notes' network without biases (W1 m×n, W2 1×m).",
)
def _network(W1: Value, W2: Value, activation: Value = "sigmoid") -> Any:
    w2 = as_array(W2, "W2")
    if w2.ndim == 1:
        w2 = w2.reshape(1, -1)
    if not isinstance(activation, str):
        raise ValueError("the activation must be a quoted name such as 'sigmoid'")
    return Network.from_weights(as_array(W1, "W1"), w2, activation=activation)


def _hidden(net: Value, x: Value, part: str) -> Value:
    """One of the forward pass's hidden-layer arrays (z, a or fprime): (m,) for one example,
    (L, m) for a batch."""
    X, single = _batch(x)
    out = getattr(_net(net).forward(X), part)
    return number_or_array(np.asarray(out[0] if single else out, dtype=float))


@quantity("forward_z", "forward_z(net, x): z = W1·x, (m,) for one example, (L, m) for a batch.")
def _forward_z(net: Value, x: Value) -> Value:
    return _hidden(net, x, "z")


@quantity("forward_a", "forward_a(net, x): a = f(z), the hidden activations.")
def _forward_a(net: Value, x: Value) -> Value:
    return _hidden(net, x, "a")


@quantity("fprime", "fprime(net, x): f′(z), the activation's slope at each hidden unit.")
def _fprime(net: Value, x: Value) -> Value:
    return _hidden(net, x, "fprime")


@quantity("y_hat", "y_hat(net, x): ŷ = W2·a, a number for one example, (L,) for a batch.")
def _y_hat(net: Value, x: Value) -> Value:
    n = _net(net)
    X, single = _batch(x)
    return _per_example(np.asarray(n.forward(X).y_hat, dtype=float), single)


@quantity("cost", "cost(net, X, y): E = 1/(2L) Σ_l (y − ŷ)², eq. (15).")
def _cost(net: Value, X: Value, y: Value) -> float:
    n = _net(net)
    XX, _ = _batch(X)
    return float(n.cost(XX, _targets(y, XX.shape[0])))


def _gradients(n: Network, XX: np.ndarray, t: np.ndarray, numeric: bool) -> Gradients:
    """The network's gradients on a batch: by backpropagation, or by central differences on a
    copy (the twin `lessons check` compares with; the learner's network is never nudged)."""
    return numerical_gradients(n.copy(), XX, t) if numeric else n.gradients(XX, t)


def _weight_gradient(layer: int, numeric: bool) -> Callable[[Value, Value, Value], np.ndarray]:
    """∂E/∂W1 (layer 0) or ∂E/∂W2 (layer 1) of the notes' network as a quantity."""

    def gradient(net: Value, X: Value, y: Value) -> np.ndarray:
        n = _net(net)
        XX, _ = _batch(X)
        grads = _gradients(n, XX, _targets(y, XX.shape[0]), numeric)
        return np.asarray(grads.weights[layer], dtype=float)

    return gradient


gradient_per_layer(
    "grad_W{}",
    (
        "grad_W1(net, X, y): the true ∂E/∂W1, an m×n matrix.",
        "grad_W2(net, X, y): the true ∂E/∂W2, a 1×m matrix (the notes' (20) is its negative).",
    ),
    _weight_gradient,
)
quantity("numgrad_W1", "numgrad_W1(net, X, y): ∂E/∂W1 by central differences.")(
    _weight_gradient(0, numeric=True)
)
quantity("numgrad_W2", "numgrad_W2(net, X, y): ∂E/∂W2 by central differences.")(
    _weight_gradient(1, numeric=True)
)


@quantity("delta_out", "delta_out(net, X, y): the output error ŷ − y, per example.")
def _delta_out(net: Value, X: Value, y: Value) -> Value:
    n = _net(net)
    XX, single = _batch(X)
    return _per_example(np.asarray(n.backward(XX, _targets(y, XX.shape[0])).delta_out), single)


@quantity(
    "delta_hidden",
    "delta_hidden(net, X, y): the hidden error (W2ᵀ ∘ f′(z))·(ŷ − y), per example.",
)
def _delta_hidden(net: Value, X: Value, y: Value) -> Value:
    n = _net(net)
    XX, single = _batch(X)
    out = np.asarray(n.backward(XX, _targets(y, XX.shape[0])).delta_hidden, dtype=float)
    return number_or_array(out[0] if single else out)


def _gd_step(layer: int) -> Callable[[Value, Value, Value, Value], np.ndarray]:
    """W1 or W2 after one step of gradient descent, as a quantity."""
    grad = _weight_gradient(layer, numeric=False)

    def gd_step(net: Value, X: Value, y: Value, lr: Value) -> np.ndarray:
        weights = np.asarray(_net(net).weights[layer], dtype=float)
        return weights - as_scalar(lr, "lr") * grad(net, X, y)

    return gd_step


quantity("gd_step_W1", "gd_step_W1(net, X, y, lr): W1 − lr·∂E/∂W1 after one step.")(_gd_step(0))
quantity("gd_step_W2", "gd_step_W2(net, X, y, lr): W2 − lr·∂E/∂W2 after one step.")(_gd_step(1))


def _act(name: Value) -> Any:
    if not isinstance(name, str):
        raise ValueError("the activation must be a quoted name such as 'sigmoid'")
    return get_activation(name)


@quantity("activation", "activation('sigmoid', z): f(z), elementwise.")
def _activation(name: Value, z: Value) -> Value:
    return number_or_array(np.asarray(_act(name).f(as_array(z, "z")), dtype=float))


@quantity("activation_prime", "activation_prime('sigmoid', z): f′(z), elementwise.")
def _activation_prime(name: Value, z: Value) -> Value:
    return number_or_array(np.asarray(_act(name).df(as_array(z, "z")), dtype=float))

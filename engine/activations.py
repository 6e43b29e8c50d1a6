"""Activation functions and their derivatives, selectable by name.

Each activation has a plain form (``f``, ``df``: new arrays, used by lessons and tests) and an
in-place form (``f_into``, ``df_into``) that the training loop uses on preallocated buffers so an
epoch allocates nothing. ``df_into`` may use the activation value ``a = f(z)`` (sigmoid and tanh
derivatives are cheapest from ``a``), which the forward pass has already computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["ACTIVATIONS", "Activation", "get_activation"]


@dataclass(frozen=True, slots=True)
class Activation:
    """An elementwise activation f with its derivative f'."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    #: f_into(z, out): write f(z) into ``out`` (may be ``z`` itself).
    f_into: Callable[[np.ndarray, np.ndarray], None]
    #: df_into(z, a, out): write f'(z) into ``out`` given a = f(z); ``out`` is neither z nor a.
    df_into: Callable[[np.ndarray, np.ndarray, np.ndarray], None]
    #: True when f is the identity: the training loop skips it entirely.
    is_identity: bool = False


# sigmoid through tanh: σ(z) = (1 + tanh(z/2)) / 2 never overflows, unlike 1 / (1 + exp(−z)).
def _sigmoid(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    return 0.5 * np.tanh(0.5 * z) + 0.5


def _sigmoid_prime(z: np.ndarray) -> np.ndarray:
    s = _sigmoid(z)
    return s * (1.0 - s)


def _sigmoid_into(z: np.ndarray, out: np.ndarray) -> None:
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    np.multiply(out, 0.5, out=out)
    np.add(out, 0.5, out=out)


def _sigmoid_prime_into(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> None:
    np.subtract(1.0, a, out=out)
    np.multiply(out, a, out=out)


def _tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(np.asarray(z, dtype=float))


def _tanh_prime(z: np.ndarray) -> np.ndarray:
    t = np.tanh(np.asarray(z, dtype=float))
    return 1.0 - t * t


def _tanh_into(z: np.ndarray, out: np.ndarray) -> None:
    np.tanh(z, out=out)


def _tanh_prime_into(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> None:
    np.multiply(a, a, out=out)
    np.subtract(1.0, out, out=out)


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def _relu_prime(z: np.ndarray) -> np.ndarray:
    # f'(0) is taken as 0 (the usual subgradient choice).
    return (np.asarray(z, dtype=float) > 0.0).astype(float)


def _relu_into(z: np.ndarray, out: np.ndarray) -> None:
    np.maximum(z, 0.0, out=out)


def _relu_prime_into(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> None:
    np.greater(z, 0.0, out=out, casting="unsafe")


def _identity(z: np.ndarray) -> np.ndarray:
    return np.array(z, dtype=float)


def _identity_prime(z: np.ndarray) -> np.ndarray:
    return np.ones_like(np.asarray(z, dtype=float))


def _identity_into(z: np.ndarray, out: np.ndarray) -> None:
    if out is not z:
        np.copyto(out, z)


def _identity_prime_into(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> None:
    out.fill(1.0)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", _sigmoid, _sigmoid_prime, _sigmoid_into, _sigmoid_prime_into),
    "tanh": Activation("tanh", _tanh, _tanh_prime, _tanh_into, _tanh_prime_into),
    "relu": Activation("relu", _relu, _relu_prime, _relu_into, _relu_prime_into),
    "identity": Activation(
        "identity",
        _identity,
        _identity_prime,
        _identity_into,
        _identity_prime_into,
        is_identity=True,
    ),
}


def get_activation(name: str | Activation, parameter: str = "activation") -> Activation:
    """The activation called ``name``; ValueError naming ``parameter`` and the known names."""
    if isinstance(name, Activation):
        return name
    key = name.strip().lower() if isinstance(name, str) else None
    if key is None or key not in ACTIVATIONS:
        known = ", ".join(ACTIVATIONS)
        raise ValueError(f"{parameter} must be one of {known}; got {name!r}")
    return ACTIVATIONS[key]

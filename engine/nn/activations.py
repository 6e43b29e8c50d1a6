"""Activation functions and their derivatives, selectable by name.

Each activation has a plain form (``f``, ``df``: new arrays, as exact as numpy's ufuncs, used by
lessons and the network's methods) and an in-place form (``f_into``, ``df_into``) that the
training loop uses on preallocated buffers so an epoch allocates nothing; the in-place forms
trade the last few ulps near f = 0 for speed (absolute error below 4e-16). ``df_into`` may use
the activation value ``a = f(z)`` (sigmoid and tanh derivatives are cheapest from ``a``), which
the forward pass has already computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["ACTIVATIONS", "HIDDEN_ACTIVATIONS", "Activation", "get_activation"]


@dataclass(frozen=True, slots=True)
class Activation:
    """An elementwise activation f with its derivative f'."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    #: f_into(z, out): write f(z) into ``out`` (may be ``z`` itself), absolute error < 4e-16.
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
    # 1 / (1 + e^(−z)) with one exp: without AVX-512, numpy's float64 exp is about 2.5x faster
    # than its tanh. Clamping z at −700 keeps e^(−z) finite (σ(−700) ≈ 1e-304 is 0 for training).
    np.maximum(z, -700.0, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.add(out, 1.0, out=out)
    np.divide(1.0, out, out=out)


def _sigmoid_prime_into(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> None:
    np.subtract(1.0, a, out=out)
    np.multiply(out, a, out=out)


def _tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(np.asarray(z, dtype=float))


def _tanh_prime(z: np.ndarray) -> np.ndarray:
    t = np.tanh(np.asarray(z, dtype=float))
    return 1.0 - t * t


#: Below this many entries one np.tanh call beats the six cheap calls of the exp route (each
#: numpy call costs ~0.5 µs however small the array; measured crossover ~300-500 entries).
SMALL_TANH = 256


def _tanh_into(z: np.ndarray, out: np.ndarray) -> None:
    # tanh z = 2 / (1 + e^(−2z)) − 1 with one exp (about 2x faster than np.tanh without
    # AVX-512). Clamping z at −350 keeps e^(−2z) finite (tanh(−350) is −1 in float64). The
    # absolute error stays below 4e-16; only the relative error grows as tanh z → 0.
    if out.size < SMALL_TANH:
        np.tanh(z, out=out)
        return
    np.maximum(z, -350.0, out=out)
    np.multiply(out, -2.0, out=out)
    np.exp(out, out=out)
    np.add(out, 1.0, out=out)
    np.divide(2.0, out, out=out)
    np.subtract(out, 1.0, out=out)


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
    # a = max(z, 0) is 0 or positive, so sign(a) is relu′(z) (0 at the kink), computed in
    # float64 directly: ~40% faster than writing the bool z > 0 into floats.
    np.sign(a, out=out)


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


HIDDEN_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu")
"""The activations offered for the hidden layer (the training view's `a` cycles them in this
order, `bptutor train --help` lists them); identity is allowed too but makes the net linear."""


def get_activation(name: str | Activation, parameter: str = "activation") -> Activation:
    """The activation called ``name``; ValueError naming ``parameter`` and the known names."""
    if isinstance(name, Activation):
        return name
    key = name.strip().lower() if isinstance(name, str) else None
    if key is None or key not in ACTIVATIONS:
        known = ", ".join(ACTIVATIONS)
        raise ValueError(f"{parameter} must be one of {known}; got {name!r}")
    return ACTIVATIONS[key]

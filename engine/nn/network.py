"""The notes' network: n inputs, one hidden layer of m units with activation f, k outputs.

Shapes follow the notes: ``W1`` is (m, n), ``W2`` is (k, m) (a row vector when k == 1), a batch
``X`` is (L, n) with one example per row, targets ``y`` are (L, k) or (L,) when k == 1.

    z = X·W1ᵀ (+ b1)      a = f(z)      z_out = a·W2ᵀ (+ b2)      ŷ = g(z_out)
    E = 1/(2L) Σ_l Σ_k (y − ŷ)²                                   (the notes' eq. (15))

``gradients`` returns the TRUE partial derivatives ∂E/∂W. The notes lose a sign from eq. (17) on,
so their (19)-(20) and (34)-(35) are the NEGATIVE gradient; here
∂E/∂W2 = (1/L) Σ_l δ_out ⊗ a  with δ_out = (ŷ − y) ∘ g'(z_out), and
∂E/∂W1 = (1/L) Σ_l δ_hidden ⊗ x with δ_hidden = (δ_out·W2) ∘ f'(z)  (shape m × n).

All parameters live in one flat float64 buffer (``W1``, ``W2``, ``b1``, ``b2`` are views of it),
so the training loop can update every weight with a single numpy call. Assigning ``net.W1 = ...``
copies the values into that buffer (after checking the shape).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from bptutor.engine.nn.activations import Activation, get_activation

__all__ = ["Backward", "Forward", "Gradients", "Network"]


@dataclass(frozen=True, slots=True)
class Forward:
    """Everything the forward pass computes, one row per example."""

    z: np.ndarray  # (L, m) hidden pre-activations
    a: np.ndarray  # (L, m) hidden activations f(z)
    fprime: np.ndarray  # (L, m) f'(z)
    z_out: np.ndarray  # (L, k) output pre-activations
    y_hat: np.ndarray  # (L, k) outputs g(z_out)


@dataclass(frozen=True, slots=True)
class Gradients:
    """∂E/∂(each parameter), shaped like the parameter; b1, b2 are None without biases."""

    W1: np.ndarray  # (m, n)
    W2: np.ndarray  # (k, m)
    b1: np.ndarray | None = None  # (m,)
    b2: np.ndarray | None = None  # (k,)

    def as_dict(self) -> dict[str, np.ndarray]:
        """The gradients present, keyed by parameter name (W1, W2[, b1, b2])."""
        out = {"W1": self.W1, "W2": self.W2}
        if self.b1 is not None:
            out["b1"] = self.b1
        if self.b2 is not None:
            out["b2"] = self.b2
        return out

    def norm(self) -> float:
        """Euclidean norm of all the gradients together."""
        return math.sqrt(sum(float(np.vdot(g, g)) for g in self.as_dict().values()))


@dataclass(frozen=True, slots=True)
class Backward:
    """The per-example quantities of backprop a lesson may ask about, and the gradients."""

    forward: Forward
    error: np.ndarray  # (L, k) ŷ − y
    delta_out: np.ndarray  # (L, k) (ŷ − y) ∘ g'(z_out)
    delta_hidden: np.ndarray  # (L, m) (delta_out · W2) ∘ f'(z)
    grads: Gradients


def _int_param(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def _float_array(value: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of numbers; got {value!r}") from None
    return arr


def _check_finite(arr: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers (no NaN or inf)")


class Network:
    """A one-hidden-layer network; the parameters are views of one flat buffer."""

    __slots__ = (
        "_W1",
        "_W2",
        "_act",
        "_b1",
        "_b2",
        "_out_act",
        "_params",
        "n_hidden",
        "n_inputs",
        "n_outputs",
    )

    def __init__(
        self,
        W1: Any,
        W2: Any,
        activation: str | Activation = "sigmoid",
        output_activation: str | Activation = "identity",
        b1: Any = None,
        b2: Any = None,
    ) -> None:
        act = get_activation(activation, "activation")
        out_act = get_activation(output_activation, "output_activation")
        w1 = _float_array(W1, "W1")
        if w1.ndim != 2 or w1.shape[0] < 1 or w1.shape[1] < 1:
            raise ValueError(
                f"W1 must have shape (m, n) with m >= 1 hidden units and n >= 1 inputs; "
                f"got shape {w1.shape}"
            )
        m, n = w1.shape
        w2 = _float_array(W2, "W2")
        if w2.ndim == 1:  # the notes' row vector, given flat
            w2 = w2.reshape(1, -1)
        if w2.ndim != 2 or w2.shape[1] != m or w2.shape[0] < 1:
            raise ValueError(
                f"W2 must have shape (k, {m}) (k >= 1 outputs, one column per hidden unit); "
                f"got shape {np.shape(W2)}"
            )
        k = w2.shape[0]
        _check_finite(w1, "W1")
        _check_finite(w2, "W2")
        biases = b1 is not None or b2 is not None
        bb1 = self._bias(b1, m, "b1") if biases else None
        bb2 = self._bias(b2, k, "b2") if biases else None

        self.n_inputs, self.n_hidden, self.n_outputs = n, m, k
        self._act, self._out_act = act, out_act
        size = m * n + k * m + ((m + k) if biases else 0)
        self._params = np.empty(size, dtype=float)
        self._W1, self._W2, self._b1, self._b2 = self._views(self._params, biases)
        self._W1[...] = w1
        self._W2[...] = w2
        if biases:
            self._b1[...] = bb1
            self._b2[...] = bb2

    @staticmethod
    def _bias(value: Any, size: int, name: str) -> np.ndarray:
        if value is None:
            return np.zeros(size)
        b = _float_array(value, name)
        if b.shape != (size,):
            raise ValueError(f"{name} must have shape ({size},); got shape {b.shape}")
        _check_finite(b, name)
        return b

    def _views(
        self, flat: np.ndarray, biases: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """W1, W2, b1, b2 as views of a flat buffer laid out like ``_params``."""
        n, m, k = self.n_inputs, self.n_hidden, self.n_outputs
        i = m * n
        j = i + k * m
        W1 = flat[:i].reshape(m, n)
        W2 = flat[i:j].reshape(k, m)
        if not biases:
            return W1, W2, None, None
        return W1, W2, flat[j : j + m], flat[j + m : j + m + k]

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        n_inputs: int,
        n_hidden: int,
        n_outputs: int = 1,
        activation: str | Activation = "sigmoid",
        output_activation: str | Activation = "identity",
        biases: bool = False,
        seed: int | None = 0,
    ) -> Network:
        """Random weights, normal with std 1/sqrt(fan_in), deterministic for a seed; zero biases."""
        n = _int_param(n_inputs, "n_inputs", 1)
        m = _int_param(n_hidden, "n_hidden", 1)
        k = _int_param(n_outputs, "n_outputs", 1)
        if not isinstance(biases, bool | np.bool_):
            raise ValueError(f"biases must be True or False; got {biases!r}")
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0
        ):
            raise ValueError(f"seed must be an integer >= 0 or None; got {seed!r}")
        rng = np.random.default_rng(seed)
        W1 = rng.standard_normal((m, n)) / math.sqrt(n)
        W2 = rng.standard_normal((k, m)) / math.sqrt(m)
        b1, b2 = (np.zeros(m), np.zeros(k)) if biases else (None, None)
        return cls(W1, W2, activation, output_activation, b1, b2)

    @classmethod
    def from_weights(
        cls,
        W1: Any,
        W2: Any,
        activation: str | Activation = "sigmoid",
        b1: Any = None,
        b2: Any = None,
        output_activation: str | Activation = "identity",
    ) -> Network:
        """A network with these weights (copied). Giving either bias turns biases on."""
        return cls(W1, W2, activation, output_activation, b1, b2)

    def copy(self) -> Network:
        """An independent copy (its own parameter buffer)."""
        return Network(self._W1, self._W2, self._act, self._out_act, self._b1, self._b2)

    # -- parameters ---------------------------------------------------------------------------

    @property
    def W1(self) -> np.ndarray:
        """(m, n) input-to-hidden weights, the notes' W(1)."""
        return self._W1

    @W1.setter
    def W1(self, value: Any) -> None:
        self._assign(self._W1, value, "W1")

    @property
    def W2(self) -> np.ndarray:
        """(k, m) hidden-to-output weights, the notes' W(2)."""
        return self._W2

    @W2.setter
    def W2(self, value: Any) -> None:
        self._assign(self._W2, value, "W2")

    @property
    def b1(self) -> np.ndarray | None:
        """(m,) hidden biases, or None when the network has no biases (the notes' case)."""
        return self._b1

    @b1.setter
    def b1(self, value: Any) -> None:
        self._assign(self._b1, value, "b1")

    @property
    def b2(self) -> np.ndarray | None:
        """(k,) output biases, or None when the network has no biases."""
        return self._b2

    @b2.setter
    def b2(self, value: Any) -> None:
        self._assign(self._b2, value, "b2")

    @staticmethod
    def _assign(target: np.ndarray | None, value: Any, name: str) -> None:
        if target is None:
            raise ValueError(f"{name} cannot be set: this network has no biases")
        arr = _float_array(value, name)
        if arr.shape != target.shape:
            raise ValueError(f"{name} must have shape {target.shape}; got shape {arr.shape}")
        _check_finite(arr, name)
        target[...] = arr

    @property
    def params(self) -> np.ndarray:
        """The flat buffer holding every parameter (W1, W2, b1, b2 in that order)."""
        return self._params

    @property
    def has_biases(self) -> bool:
        return self._b1 is not None

    @property
    def activation(self) -> str:
        """Name of the hidden activation f."""
        return self._act.name

    @property
    def output_activation(self) -> str:
        """Name of the output activation g (identity in the notes)."""
        return self._out_act.name

    @property
    def hidden_activation(self) -> Activation:
        """The hidden Activation object (f, f')."""
        return self._act

    @property
    def output_activation_fn(self) -> Activation:
        """The output Activation object (g, g')."""
        return self._out_act

    def parameters(self) -> dict[str, np.ndarray]:
        """The parameter arrays (views: editing them edits the network), keyed by name."""
        out = {"W1": self._W1, "W2": self._W2}
        if self._b1 is not None:
            out["b1"] = self._b1
            out["b2"] = self._b2
        return out

    def __repr__(self) -> str:
        bias = ", biases" if self.has_biases else ""
        return (
            f"Network({self.n_inputs}-{self.n_hidden}-{self.n_outputs}, "
            f"{self.activation} -> {self.output_activation}{bias})"
        )

    # -- input checks -------------------------------------------------------------------------

    def check_inputs(self, X: Any, name: str = "X") -> np.ndarray:
        """X as a float64 (L, n) array; ValueError naming ``name`` and the expected shape."""
        arr = _float_array(X, name)
        n = self.n_inputs
        if arr.ndim != 2 or arr.shape[1] != n or arr.shape[0] < 1:
            raise ValueError(
                f"{name} must have shape (L, {n}): one row of {n} inputs per example, L >= 1; "
                f"got shape {arr.shape}"
            )
        _check_finite(arr, name)
        return arr

    def check_targets(self, y: Any, n_examples: int, name: str = "y") -> np.ndarray:
        """y as a float64 (L, k) array; (L,) is accepted when k == 1."""
        arr = _float_array(y, name)
        L, k = n_examples, self.n_outputs
        if arr.ndim == 1 and k == 1 and arr.shape[0] == L:
            arr = arr.reshape(L, 1)
        if arr.shape != (L, k):
            also = f" or ({L},)" if k == 1 else ""
            raise ValueError(
                f"{name} must have shape ({L}, {k}){also}: one row of {k} targets per example "
                f"of X; got shape {arr.shape}"
            )
        _check_finite(arr, name)
        return arr

    # -- the maths ----------------------------------------------------------------------------

    def _forward(self, X: np.ndarray) -> Forward:
        z = X @ self._W1.T
        if self._b1 is not None:
            z += self._b1
        a = self._act.f(z)
        fprime = self._act.df(z)
        z_out = a @ self._W2.T
        if self._b2 is not None:
            z_out += self._b2
        y_hat = self._out_act.f(z_out)
        return Forward(z=z, a=a, fprime=fprime, z_out=z_out, y_hat=y_hat)

    def forward(self, X: Any) -> Forward:
        """z, a, f'(z), z_out, ŷ for every example (row) of X."""
        return self._forward(self.check_inputs(X))

    def predict(self, X: Any) -> np.ndarray:
        """ŷ, shape (L, k)."""
        return self.forward(X).y_hat

    def cost(self, X: Any, y: Any) -> float:
        """Eq. (15): E = 1/(2L) Σ_l Σ_k (y − ŷ)²."""
        Xa = self.check_inputs(X)
        ya = self.check_targets(y, Xa.shape[0])
        diff = self._forward(Xa).y_hat - ya
        return float(np.vdot(diff, diff)) / (2.0 * Xa.shape[0])

    def backward(self, X: Any, y: Any) -> Backward:
        """Backprop (section 2.4, k outputs, optional biases) with every per-example quantity."""
        Xa = self.check_inputs(X)
        ya = self.check_targets(y, Xa.shape[0])
        L = Xa.shape[0]
        fwd = self._forward(Xa)
        error = fwd.y_hat - ya
        delta_out = error * self._out_act.df(fwd.z_out)
        delta_hidden = (delta_out @ self._W2) * fwd.fprime
        grads = Gradients(
            W1=(delta_hidden.T @ Xa) / L,
            W2=(delta_out.T @ fwd.a) / L,
            b1=delta_hidden.sum(axis=0) / L if self._b1 is not None else None,
            b2=delta_out.sum(axis=0) / L if self._b2 is not None else None,
        )
        return Backward(
            forward=fwd,
            error=error,
            delta_out=delta_out,
            delta_hidden=delta_hidden,
            grads=grads,
        )

    def gradients(self, X: Any, y: Any) -> Gradients:
        """The true gradient ∂E/∂W of ``cost`` (the notes' (20), (35) are its negative)."""
        return self.backward(X, y).grads

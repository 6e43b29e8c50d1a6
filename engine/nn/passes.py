"""What the forward and backward passes of a ``Network`` return: every per-layer quantity.

Frozen records, one row per example, that lessons ask about (z, a, f′(z), δ) and the gradients
shaped like the network's parameters. The network computes them (``network``); they only hold
them and name the notes' first two layers (``W1``, ``delta_hidden``, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

import numpy as np

__all__ = ["Backward", "Forward", "Gradients", "LayerArray", "by_name"]

T = TypeVar("T")


class LayerArray(Generic[T]):
    """One layer's array under the notes' name: entry ``index`` of the per-layer tuple
    ``field`` (None where that tuple is None: a network without biases).

    The table of names the records and the network give lessons (``out.z`` is ``zs[0]``,
    ``g.W2`` is ``weights[1]``, ``b.delta_out`` is ``deltas[-1]``), stated once per name.
    """

    def __init__(self, field: str, index: int, doc: str) -> None:
        self.field = field
        self.index = index
        self.__doc__ = doc
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> LayerArray[T]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        arrays = getattr(obj, self.field)
        return None if arrays is None else arrays[self.index]


def by_name(
    weights: tuple[np.ndarray, ...], biases: tuple[np.ndarray, ...] | None
) -> dict[str, np.ndarray]:
    """Per-layer arrays keyed by the notes' names: W1, W2, ..., then b1, b2, ... if present
    (a network's parameters, or their gradients)."""
    out = {f"W{i}": w for i, w in enumerate(weights, 1)}
    if biases is not None:
        out.update({f"b{i}": b for i, b in enumerate(biases, 1)})
    return out


@dataclass(frozen=True, slots=True)
class Forward:
    """Everything the forward pass computes, per layer, one row per example.

    ``z``, ``a``, ``fprime`` are the first hidden layer's (the notes' z, a, f′(z)); with one
    hidden layer they are the only ones.
    """

    zs: tuple[np.ndarray, ...]  # z⁽ˡ⁾ (L, m_l) for l = 1..D; the last is z_out
    activations: tuple[np.ndarray, ...]  # a⁽ˡ⁾ = f(z⁽ˡ⁾) (L, m_l); the last is ŷ = g(z_out)
    fprimes: tuple[np.ndarray, ...]  # f′(z⁽ˡ⁾) (L, m_l) for the hidden layers l = 1..D−1

    z = LayerArray[np.ndarray]("zs", 0, "(L, m) pre-activations of the (first) hidden layer.")
    a = LayerArray[np.ndarray]("activations", 0, "(L, m) activations f(z) of that layer.")
    fprime = LayerArray[np.ndarray]("fprimes", 0, "(L, m) f′(z) of that layer.")
    z_out = LayerArray[np.ndarray]("zs", -1, "(L, k) output pre-activations.")
    y_hat = LayerArray[np.ndarray]("activations", -1, "(L, k) outputs g(z_out).")


@dataclass(frozen=True, slots=True)
class Gradients:
    """∂E/∂(each parameter), shaped like the parameters: one array per layer.

    ``biases`` is None for a network without biases. ``W1``, ``W2``, ``b1``, ``b2`` are the
    first two layers' (the notes' network has exactly those).
    """

    weights: tuple[np.ndarray, ...]  # ∂E/∂W⁽ˡ⁾, (m_l, m_{l−1})
    biases: tuple[np.ndarray, ...] | None = None  # ∂E/∂b⁽ˡ⁾, (m_l,)

    W1 = LayerArray[np.ndarray]("weights", 0, "∂E/∂W⁽¹⁾.")
    W2 = LayerArray[np.ndarray]("weights", 1, "∂E/∂W⁽²⁾.")
    b1 = LayerArray[np.ndarray | None]("biases", 0, "∂E/∂b⁽¹⁾, or None without biases.")
    b2 = LayerArray[np.ndarray | None]("biases", 1, "∂E/∂b⁽²⁾, or None without biases.")

    def as_dict(self) -> dict[str, np.ndarray]:
        """The gradients, keyed by parameter name: W1, W2, ..., then b1, b2, ... if present."""
        return by_name(self.weights, self.biases)

    def norm(self) -> float:
        """Euclidean norm of all the gradients together."""
        return math.sqrt(sum(float(np.vdot(g, g)) for g in self.as_dict().values()))

    def layer_norms(self) -> tuple[float, ...]:
        """Per layer l, the norm of (∂E/∂W⁽ˡ⁾, ∂E/∂b⁽ˡ⁾): where gradients vanish or explode."""
        out = []
        for i, g in enumerate(self.weights):
            sq = float(np.vdot(g, g))
            if self.biases is not None:
                sq += float(np.vdot(self.biases[i], self.biases[i]))
            out.append(math.sqrt(sq))
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Backward:
    """The per-example quantities of backprop a lesson may ask about, and the gradients.

    ``delta_hidden`` is the first hidden layer's δ (the only one with one hidden layer).
    """

    forward: Forward
    error: np.ndarray  # (L, k) ŷ − y
    deltas: tuple[np.ndarray, ...]  # δ⁽ˡ⁾ (L, m_l) for l = 1..D; the last is delta_out
    grads: Gradients

    delta_out = LayerArray[np.ndarray](
        "deltas", -1, "(L, k) output error: (ŷ − y) ∘ g′(z_out), or ŷ − y for the cross-entropies."
    )
    delta_hidden = LayerArray[np.ndarray](
        "deltas", 0, "(L, m) hidden error of the (first) hidden layer: (δ⁽²⁾·W⁽²⁾) ∘ f′(z⁽¹⁾)."
    )

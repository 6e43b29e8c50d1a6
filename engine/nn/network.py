"""Feed-forward networks: the notes' one hidden layer, and any number of them.

Layers are numbered like the notes' superscripts, l = 1..D (D = number of weight matrices; the
notes' network has D = 2). Layer l maps the previous layer's values a⁽ˡ⁻¹⁾ (a⁽⁰⁾ = x) through
``W⁽ˡ⁾`` of shape (m_l, m_{l−1}) and, optionally, a bias b⁽ˡ⁾ of shape (m_l,). A batch ``X`` is
(L, n) with one example per row, targets ``y`` are (L, k) (or (L,) when k == 1, or class indices
for cross-entropy):

    z⁽ˡ⁾ = a⁽ˡ⁻¹⁾·W⁽ˡ⁾ᵀ (+ b⁽ˡ⁾)    a⁽ˡ⁾ = f(z⁽ˡ⁾) for hidden layers    ŷ = g(z⁽ᴰ⁾)

The loss is the notes' squared error E = 1/(2L) Σ (y − ŷ)² (eq. 15) with an elementwise output g,
softmax + cross-entropy, or sigmoid + binary cross-entropy (see ``losses``).

``gradients`` returns the TRUE partial derivatives ∂E/∂W. The notes lose a sign from eq. (17) on,
so their (19)-(20) and (34)-(35) are the NEGATIVE gradient. Here, per example,
δ⁽ᴰ⁾ = (ŷ − y) ∘ g′(z⁽ᴰ⁾) for squared error and ŷ − y for the two cross-entropies,
δ⁽ˡ⁾ = (δ⁽ˡ⁺¹⁾·W⁽ˡ⁺¹⁾) ∘ f′(z⁽ˡ⁾), and ∂E/∂W⁽ˡ⁾ = (1/L) Σ_l δ⁽ˡ⁾ ⊗ a⁽ˡ⁻¹⁾, ∂E/∂b⁽ˡ⁾ = (1/L) Σ δ⁽ˡ⁾.

All parameters live in one flat float64 buffer, layer by layer (W1, b1, W2, b2, ...), and
``weights``/``biases``/``W1``/... are views of it, so the training loop updates every weight with
a single numpy call and a layer's gradient is one contiguous slice. ``net.W1 = ...`` copies the
values into that buffer (after checking the shape).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
from bptutor.engine.nn import checks
from bptutor.engine.nn.activations import Activation, get_activation
from bptutor.engine.nn.losses import (
    Loss,
    check_output_and_loss,
    check_pair,
    get_loss,
    get_output,
    natural_output,
)
from bptutor.engine.nn.passes import Backward, Forward, Gradients, LayerArray, by_name

# Forward, Backward and Gradients (``passes``) are re-exported: what the network's methods return
__all__ = ["Backward", "Forward", "Gradients", "Network"]

T = TypeVar("T")


class _Parameter(LayerArray[T]):
    """A layer's weights or biases under the notes' name (``net.W1``): a view of the network's
    flat buffer. Assigning (``net.W1 = A``) copies A in after checking its shape."""

    def __set__(self, net: Network, value: Any) -> None:
        target = self.__get__(net)
        if target is None:
            raise ValueError(f"{self.name} cannot be set: this network has no biases")
        arr = checks.float_array(value, self.name)
        if arr.shape != target.shape:
            raise ValueError(f"{self.name} must have shape {target.shape}; got shape {arr.shape}")
        checks.finite(arr, self.name)
        target[...] = arr


class Network:
    """A feed-forward network; the parameters are views of one flat buffer."""

    __slots__ = (
        "_act",
        "_biases",
        "_loss",
        "_offsets",
        "_out",
        "_params",
        "_weights",
        "hidden",
        "n_inputs",
        "n_outputs",
    )

    def __init__(
        self,
        weights: Sequence[Any],
        biases: Sequence[Any] | None = None,
        activation: str | Activation = "sigmoid",
        output: str | Activation | None = None,
        loss: str | Loss = "mse",
    ) -> None:
        """Weights W⁽¹⁾..W⁽ᴰ⁾ (D >= 2), biases None or one per layer (None entries are zeros)."""
        act = get_activation(activation, "activation")
        loss_fn = get_loss(loss, "loss")
        out = get_output(natural_output(loss_fn) if output is None else output, "output")
        if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence):
            raise ValueError("weights must be a list of weight matrices, one per layer")
        if len(weights) < 2:
            raise ValueError(
                f"weights must hold at least 2 matrices (W1 into the hidden layer, W2 out of "
                f"it); got {len(weights)}"
            )
        mats = checks.weight_matrices(weights)
        D = len(mats)
        sizes = (mats[0].shape[1], *(w.shape[0] for w in mats))
        k = sizes[-1]
        check_output_and_loss(out, loss_fn, k, "output")
        bias_vals: list[np.ndarray] | None = None
        if biases is not None:
            if isinstance(biases, np.ndarray) or not isinstance(biases, Sequence):
                raise ValueError("biases must be None or a list of bias vectors, one per layer")
            if len(biases) != D:
                raise ValueError(f"biases must hold {D} vectors (one per layer); got {len(biases)}")
            bias_vals = [
                checks.bias_vector(b, sizes[i + 1], f"b{i + 1}") for i, b in enumerate(biases)
            ]

        self.n_inputs, self.hidden, self.n_outputs = sizes[0], tuple(sizes[1:-1]), k
        self._act, self._out, self._loss = act, out, loss_fn
        offsets = [0]
        for i in range(D):
            offsets.append(offsets[-1] + sizes[i + 1] * (sizes[i] + (bias_vals is not None)))
        self._offsets = tuple(offsets)
        self._params = np.empty(offsets[-1], dtype=float)
        views = self._layer_views(self._params, bias_vals is not None)
        self._weights = tuple(w for w, _ in views)
        self._biases = None if bias_vals is None else tuple(b for _, b in views)
        for i, (w, b) in enumerate(views):
            w[...] = mats[i]
            if b is not None and bias_vals is not None:
                b[...] = bias_vals[i]

    def _layer_views(
        self, flat: np.ndarray, biases: bool | None = None
    ) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """(W⁽ˡ⁾, b⁽ˡ⁾ or None) per layer, as views of a flat buffer laid out like ``params``."""
        sizes = self.sizes
        if biases is None:
            biases = self.has_biases
        out = []
        for i, lo in enumerate(self._offsets[:-1]):
            m_in, m_out = sizes[i], sizes[i + 1]
            mid = lo + m_out * m_in
            W = flat[lo:mid].reshape(m_out, m_in)
            out.append((W, flat[mid : mid + m_out] if biases else None))
        return out

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        n_inputs: int,
        n_hidden: int | None = None,
        n_outputs: int = 1,
        activation: str | Activation = "sigmoid",
        output_activation: str | Activation | None = None,
        biases: bool = False,
        seed: int | None = 0,
        *,
        hidden: int | Sequence[int] | None = None,
        output: str | Activation | None = None,
        loss: str | Loss = "mse",
    ) -> Network:
        """Random weights, normal with std 1/sqrt(fan_in), deterministic for a seed; zero biases.

        ``hidden`` gives the hidden layers' sizes, e.g. (8, 8); ``n_hidden=m`` is the notes'
        one hidden layer. ``output`` defaults to the loss's own: identity for mse, softmax for
        cross_entropy, sigmoid for binary_cross_entropy (``output_activation`` is its old name).
        """
        n = checks.integer(n_inputs, "n_inputs", 1)
        if (n_hidden is None) == (hidden is None):
            raise ValueError(
                "give the hidden layer sizes once: hidden=(m1, m2, ...) or n_hidden=m; "
                f"got n_hidden={n_hidden!r}, hidden={hidden!r}"
            )
        sizes = (
            (checks.integer(n_hidden, "n_hidden", 1),)
            if hidden is None
            else checks.hidden_sizes(hidden)
        )
        k = checks.integer(n_outputs, "n_outputs", 1)
        biases = checks.flag(biases, "biases")
        rng = np.random.default_rng(checks.seed_or_none(seed))
        widths = (n, *sizes, k)
        weights = [
            rng.standard_normal((widths[i + 1], widths[i])) / math.sqrt(widths[i])
            for i in range(len(widths) - 1)
        ]
        out = cls._pick_output(output, output_activation, loss)
        return cls(weights, [None] * len(weights) if biases else None, activation, out, loss)

    @staticmethod
    def _pick_output(
        output: str | Activation | None,
        output_activation: str | Activation | None,
        loss: str | Loss,
    ) -> str | Activation | None:
        """The output to use; errors name output_activation when that is what was given."""
        if output_activation is not None:
            given = get_output(output_activation, "output_activation")
            if output is not None and given.name != get_output(output, "output").name:
                raise ValueError(
                    f"output and output_activation are one setting (output is its new name); "
                    f"give one, not {output!r} and {output_activation!r}"
                )
            check_pair(given, get_loss(loss, "loss"), "output_activation")
        return output_activation if output is None else output

    @classmethod
    def from_weights(
        cls,
        W1: Any,
        W2: Any,
        activation: str | Activation = "sigmoid",
        b1: Any = None,
        b2: Any = None,
        output_activation: str | Activation | None = None,
        *,
        output: str | Activation | None = None,
        loss: str | Loss = "mse",
    ) -> Network:
        """The notes' network with these weights (copied). Giving either bias turns biases on."""
        biases = [b1, b2] if (b1 is not None or b2 is not None) else None
        out = cls._pick_output(output, output_activation, loss)
        return cls([W1, W2], biases, activation, out, loss)

    @classmethod
    def from_layers(
        cls,
        weights: Sequence[Any],
        biases: Sequence[Any] | None = None,
        activation: str | Activation = "sigmoid",
        output: str | Activation | None = None,
        loss: str | Loss = "mse",
    ) -> Network:
        """A network of any depth with these weights W⁽¹⁾..W⁽ᴰ⁾ (copied); biases None or a list.
        The constructor's own signature, spelled out for help() and editors."""
        return cls(weights, biases, activation, output, loss)

    def copy(self) -> Network:
        """An independent copy (its own parameter buffer)."""
        return Network(self._weights, self._biases, self._act, self._out, self._loss)

    # -- parameters ---------------------------------------------------------------------------

    @property
    def weights(self) -> tuple[np.ndarray, ...]:
        """W⁽¹⁾..W⁽ᴰ⁾, shapes (m_l, m_{l−1}): views, edit them in place."""
        return self._weights

    @property
    def biases(self) -> tuple[np.ndarray, ...] | None:
        """b⁽¹⁾..b⁽ᴰ⁾, shapes (m_l,), or None without biases (the notes' case)."""
        return self._biases

    W1 = _Parameter[np.ndarray]("weights", 0, "(m, n) input-to-hidden weights, the notes' W(1).")
    W2 = _Parameter[np.ndarray](
        "weights",
        1,
        "(k, m) hidden-to-output weights, the notes' W(2) (the second layer's, if deeper).",
    )
    b1 = _Parameter[np.ndarray | None](
        "biases", 0, "(m,) hidden biases, or None when the network has no biases (the notes' case)."
    )
    b2 = _Parameter[np.ndarray | None](
        "biases", 1, "(k,) output biases (the second layer's, if deeper), or None without biases."
    )

    @property
    def params(self) -> np.ndarray:
        """The flat buffer holding every parameter, layer by layer (W1, b1, W2, b2, ...)."""
        return self._params

    @property
    def layer_slices(self) -> tuple[slice, ...]:
        """Where each layer's parameters (W⁽ˡ⁾ then b⁽ˡ⁾) sit in ``params``."""
        o = self._offsets
        return tuple(slice(o[i], o[i + 1]) for i in range(len(o) - 1))

    @property
    def n_hidden(self) -> int:
        """m, the size of the notes' one hidden layer (deeper networks: see ``hidden``)."""
        if len(self.hidden) != 1:
            raise AttributeError(
                f"n_hidden is the size of the one hidden layer; this network has "
                f"hidden={self.hidden}: use net.hidden"
            )
        return self.hidden[0]

    @property
    def n_layers(self) -> int:
        """D, the number of weight layers (hidden layers + 1)."""
        return len(self._weights)

    @property
    def sizes(self) -> tuple[int, ...]:
        """(n, m1, ..., k): the width of every layer, inputs first."""
        return (self.n_inputs, *self.hidden, self.n_outputs)

    @property
    def has_biases(self) -> bool:
        return self._biases is not None

    @property
    def activation(self) -> str:
        """Name of the hidden activation f."""
        return self._act.name

    @property
    def output(self) -> str:
        """Name of the output function g: identity (the notes), sigmoid, tanh, relu, softmax."""
        return self._out.name

    output_activation = output  # the output's older name

    @property
    def loss(self) -> str:
        """Name of the loss: mse, cross_entropy or binary_cross_entropy."""
        return self._loss.name

    @property
    def hidden_activation(self) -> Activation:
        """The hidden Activation object (f, f')."""
        return self._act

    @property
    def output_activation_fn(self) -> Activation:
        """The output function g as an Activation (softmax's ``df`` refuses: it is a Jacobian)."""
        return self._out

    @property
    def loss_fn(self) -> Loss:
        """The Loss object."""
        return self._loss

    def parameters(self) -> dict[str, np.ndarray]:
        """The parameter arrays (views: editing them edits the network), keyed by name:
        W1, W2, ..., then b1, b2, ... when the network has biases."""
        return by_name(self._weights, self._biases)

    def __repr__(self) -> str:
        bias = ", biases" if self.has_biases else ""
        loss = "" if self.loss == "mse" else f", {self.loss}"
        shape = "-".join(str(s) for s in self.sizes)
        return f"Network({shape}, {self.activation} -> {self.output}{loss}{bias})"

    # -- input checks -------------------------------------------------------------------------

    def check_inputs(self, X: Any, name: str = "X") -> np.ndarray:
        """X as a float64 (L, n) array; ValueError naming ``name`` and the expected shape."""
        return checks.inputs(X, self.n_inputs, name)

    def check_targets(self, y: Any, n_examples: int, name: str = "y") -> np.ndarray:
        """y as a float64 (L, k) array, whatever form the loss accepts (``checks.targets``).

        Squared error: (L, k), or (L,) when k == 1. Binary cross-entropy: the same, with values
        in [0, 1]. Cross-entropy: class indices (L,) (returned one-hot) or rows (L, k) that are
        one-hot (or probabilities: non-negative, summing to 1).
        """
        return checks.targets(y, n_examples, self.n_outputs, self._loss.name, name)

    # -- the maths ----------------------------------------------------------------------------

    def _forward(self, X: np.ndarray) -> Forward:
        zs, acts, fps = [], [], []
        a = X
        last = len(self._weights) - 1
        biases = self._biases
        for i, W in enumerate(self._weights):
            z = a @ W.T
            if biases is not None:
                z += biases[i]
            if i < last:
                a = self._act.f(z)
                fps.append(self._act.df(z))
            else:
                a = self._out.f(z)
            zs.append(z)
            acts.append(a)
        return Forward(zs=tuple(zs), activations=tuple(acts), fprimes=tuple(fps))

    def forward(self, X: Any) -> Forward:
        """z, a, f'(z) of every layer and ŷ, for every example (row) of X."""
        return self._forward(self.check_inputs(X))

    def predict(self, X: Any) -> np.ndarray:
        """ŷ, shape (L, k)."""
        return self.forward(X).y_hat

    def _cost(self, fwd: Forward, y: np.ndarray) -> float:
        return self._loss.total(fwd.z_out, fwd.y_hat, y) / y.shape[0]

    def cost(self, X: Any, y: Any) -> float:
        """The loss E, averaged over the batch: eq. (15) 1/(2L) Σ (y − ŷ)² for mse,
        −(1/L) Σ y·log softmax(z_out) for cross_entropy, the mean BCE for binary_cross_entropy."""
        Xa = self.check_inputs(X)
        ya = self.check_targets(y, Xa.shape[0])
        return self._cost(self._forward(Xa), ya)

    def backward(self, X: Any, y: Any) -> Backward:
        """Backprop: every per-example, per-layer quantity (z, a, f′(z), δ) and the gradients."""
        Xa = self.check_inputs(X)
        ya = self.check_targets(y, Xa.shape[0])
        L = Xa.shape[0]
        fwd = self._forward(Xa)
        error = fwd.y_hat - ya
        # δ_out: the output's derivative cancels for the cross-entropies (softmax has no
        # elementwise one); squared error keeps g′(z_out)
        plain = self._loss.plain_error
        delta = error.copy() if plain else error * self._out.df(fwd.z_out)
        D = len(self._weights)
        deltas: list[np.ndarray] = [delta]
        for i in range(D - 1, 0, -1):  # δ⁽ˡ⁾ = (δ⁽ˡ⁺¹⁾·W⁽ˡ⁺¹⁾) ∘ f′(z⁽ˡ⁾), from the top down
            delta = (delta @ self._weights[i]) * fwd.fprimes[i - 1]
            deltas.append(delta)
        deltas.reverse()
        inputs = (Xa, *fwd.activations[:-1])
        grads = Gradients(
            weights=tuple((d.T @ a) / L for d, a in zip(deltas, inputs, strict=True)),
            biases=None if self._biases is None else tuple(d.sum(axis=0) / L for d in deltas),
        )
        return Backward(forward=fwd, error=error, deltas=tuple(deltas), grads=grads)

    def gradients(self, X: Any, y: Any) -> Gradients:
        """The true gradient ∂E/∂W of ``cost`` (the notes' (20), (35) are its negative)."""
        return self.backward(X, y).grads

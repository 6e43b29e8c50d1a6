"""Gradient descent on a network of any depth, one immutable ``Epoch`` record per epoch.

``train`` checks its arguments once, then returns a generator; the caller can stop it between
any two epochs (stop iterating, or ``.close()``). The hot loop makes no copies: every
intermediate lives in a buffer made before the first epoch, every numpy call writes ``out=``
(numpy itself may use its ufunc buffer, at most 64 kB, for a broadcast bias or row maximum),
all the weights are updated by one subtraction on the network's flat parameter buffer, and the
loss comes from the forward pass the gradient needs anyway. Because the buffer is laid out layer
by layer, each layer's gradient norm is one dot product of a contiguous slice: with
``layer_norms=True`` every Epoch carries them (``layer_grad_norms``), which is how a view shows
gradients vanishing.

A run that diverges (loss or gradient NaN/inf, or beyond ``DIVERGENCE_LIMIT``) ends with an
Epoch whose ``diverged`` is True and whose ``message`` says what happened; the weights keep the
last finite values (the update that would have blown up is not applied). Stopping at the limit,
long before float64 overflows, is also what keeps numpy from emitting overflow warnings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from bptutor.engine.nn.activations import get_activation
from bptutor.engine.nn.datasets import DATASET_NAMES, load_dataset
from bptutor.engine.nn.losses import check_output_and_loss, get_loss, get_output, natural_output
from bptutor.engine.nn.network import Network, hidden_sizes

__all__ = [
    "DIVERGENCE_LIMIT",
    "MAX_BATCH_SIZE",
    "MAX_EPOCHS",
    "MAX_HIDDEN_LAYERS",
    "MAX_HIDDEN_UNITS",
    "MAX_LEARNING_RATE",
    "MAX_SEED",
    "Epoch",
    "TrainConfig",
    "divergence_reason",
    "train",
]

#: A loss or gradient norm at or above this counts as diverged.
DIVERGENCE_LIMIT = 1e30
#: Learning rates above this are refused (no lesson needs them; they only overflow).
MAX_LEARNING_RATE = 1e3
#: TrainConfig's bounds: far beyond what a lesson or the playground needs, well below what
#: would exhaust memory or run for days (a learner's typo must get a message, not a freeze).
MAX_EPOCHS = 100_000_000
MAX_HIDDEN_UNITS = 1024  # per hidden layer
MAX_HIDDEN_LAYERS = 8
MAX_BATCH_SIZE = 1_000_000
MAX_SEED = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Epoch:
    """One epoch of training."""

    epoch: int  # 1-based: start_epoch + i
    loss: float  # cost of the full data set for the weights before this epoch's update
    grad_norm: float  # ‖∂E/∂θ‖ (full batch); with mini-batches the RMS over the epoch's batches
    diverged: bool = False  # True: the run is over, ``message`` says why
    message: str | None = None
    #: With train(..., layer_norms=True): per layer l = 1..D, ‖(∂E/∂W⁽ˡ⁾, ∂E/∂b⁽ˡ⁾)‖, computed
    #: like ``grad_norm`` (whose square is the sum of theirs). Empty otherwise, and when the run
    #: diverged before a gradient was known.
    layer_grad_norms: tuple[float, ...] = ()


def _epoch_maker() -> Callable[[int, float, float, bool, str | None, tuple[float, ...]], Epoch]:
    """Epoch(...) without the dataclass __init__: a frozen dataclass sets each field through
    object.__setattr__, which made building the record ~8% of a small network's epoch. This
    fills the same slots directly (same object, same equality; measured ~2x faster)."""
    new = object.__new__
    s0, s1, s2, s3, s4, s5 = (
        Epoch.__dict__[f].__set__
        for f in ("epoch", "loss", "grad_norm", "diverged", "message", "layer_grad_norms")
    )

    def make(
        epoch: int,
        loss: float,
        grad_norm: float,
        diverged: bool,
        message: str | None,
        layer_grad_norms: tuple[float, ...],
    ) -> Epoch:
        e = new(Epoch)
        s0(e, epoch)
        s1(e, loss)
        s2(e, grad_norm)
        s3(e, diverged)
        s4(e, message)
        s5(e, layer_grad_norms)
        return e

    return make


_make_epoch = _epoch_maker()


def _int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def _bounded(value: Any, name: str, minimum: int, maximum: int) -> int:
    """An integer option of TrainConfig within [minimum, maximum]; the message names it."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer from {minimum:,} to {maximum:,}")
    if not minimum <= value <= maximum:
        shown = f"{value}" if len(str(value)) <= 30 else f"a {len(str(value))}-digit number"
        raise ValueError(f"{name} must be an integer from {minimum:,} to {maximum:,}; got {shown}")
    return int(value)


def _learning_rate(value: Any) -> float:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if not ok or not (0.0 < float(value) <= MAX_LEARNING_RATE):
        raise ValueError(
            f"learning_rate must be a number with 0 < learning_rate <= {MAX_LEARNING_RATE:g}; "
            f"got {value!r}"
        )
    return float(value)


def _batch_size(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"batch_size must be None (full batch) or an integer >= 1; got {value!r}")
    return int(value)


def divergence_reason(loss: float, grad_norm: float) -> str:
    """What made an epoch count as diverged, in a few words ("the loss grew to 3e+30")."""
    if math.isnan(loss) or math.isnan(grad_norm):
        return "the loss became NaN"
    if math.isinf(loss) or math.isinf(grad_norm):
        return "the loss became infinite"
    if loss >= DIVERGENCE_LIMIT:
        return f"the loss grew to {loss:.3g}"
    return f"the gradient grew to norm {grad_norm:.3g}"


def _diverged_message(epoch: int, loss: float, grad_norm: float, learning_rate: float) -> str:
    what = divergence_reason(loss, grad_norm)
    return (
        f"Training diverged at epoch {epoch}: {what}. Each step overshoots the minimum and "
        f"lands further away. Try a smaller learning rate than {learning_rate:g}, "
        f"e.g. {learning_rate / 10:g}."
    )


class _Kernel:
    """Buffers for one batch size, and the forward + backward pass over them.

    ``run(c)`` leaves c·∂(L·E)/∂θ in ``grad`` (c = learning_rate / batch), returns the raw loss
    (``loss_scale``·raw is E for this batch) and leaves in ``sq`` (one list, rewritten by every
    call) the squared gradient norm ‖∂E/∂θ‖² (``grad``·``grad`` over lr²): one entry, or with
    ``per_layer`` one entry per layer (a dot product per layer instead of one in all: a few
    percent of a small network's epoch, hence optional). ``loss_only()`` returns the raw loss.

    Hidden layers hold one row per example, (L, m). With cross-entropy the output layer is kept
    transposed, (k, L): softmax's max and sum over each example's k outputs are then reductions
    across k contiguous rows, several times faster in numpy than k-long row reductions. Sums
    over the examples (bias gradients, softmax's denominators) are products with a ones vector.
    """

    def __init__(
        self,
        net: Network,
        X: np.ndarray,
        Y: np.ndarray,
        grad: np.ndarray,
        lr: float,
        per_layer: bool = False,
    ) -> None:
        L = X.shape[0]
        sizes, D = net.sizes, net.n_layers
        act, out = net.hidden_activation, net.output_activation_fn
        self._out_fn = out
        self.loss = net.loss_fn.name
        self.transposed = self.loss == "cross_entropy"
        self.X = X
        self.Y = np.ascontiguousarray(Y.T) if self.transposed else Y  # in the output's layout
        # per layer: pre-activation Z, value A (Z itself for identity), f'(z) F, error δ
        shapes = [(L, m) for m in sizes[1:]]
        if self.transposed:
            shapes[-1] = (sizes[-1], L)
        self.Z = [np.empty(s) for s in shapes]
        fns = [act] * (D - 1) + [out]
        self.A = [
            z if fn.is_identity else np.empty_like(z) for z, fn in zip(self.Z, fns, strict=True)
        ]
        self.F = [np.empty_like(z) for z in self.Z]
        self.Dl = [np.empty_like(z) for z in self.Z]
        self.ones = np.ones(L)
        self.loss_scale = {"mse": 0.5 / L, "cross_entropy": -1.0 / L}.get(self.loss, 1.0 / L)
        self.sq = [0.0] * (D if per_layer else 1)
        output = self._output = self._build_output(net)
        fwd = self._forward_layers(net)
        dot, add = np.dot, np.add

        def loss_only() -> float:
            for left, right, Z, b, A, f_into in fwd:
                dot(left, right, Z)
                if b is not None:
                    add(Z, b, Z)
                if f_into is not None:
                    f_into(Z, A)
            return output(False)

        self.loss_only: Callable[[], float] = loss_only
        self.run: Callable[[float], float] = self._build(net, grad, fwd, 1.0 / (lr * lr), per_layer)

    def gather(self, X: np.ndarray, Y: np.ndarray, idx: np.ndarray) -> None:
        """Load the examples ``idx`` of X and Y (Y in this kernel's layout) into the buffers."""
        # mode="clip": with the default "raise", take(out=...) buffers (allocates) every call
        np.take(X, idx, axis=0, out=self.X, mode="clip")
        np.take(Y, idx, axis=1 if self.transposed else 0, out=self.Y, mode="clip")

    def _forward_layers(self, net: Network) -> tuple[tuple[Any, ...], ...]:
        """Per layer: (left, right, Z, b or None, A, f_into or None) for Z = left·right + b,
        A = f(Z): left·right = a_in·Wᵀ, or W·a_inᵀ for a transposed output layer."""
        act, out = net.hidden_activation, net.output_activation_fn
        D = net.n_layers
        biases = net.biases
        layers = []
        prev = self.X
        for i, W in enumerate(net.weights):
            last = i == D - 1
            fn = act if not last else out
            f_into = None if fn.is_identity else fn.f_into
            b = None if biases is None else biases[i]
            if last and self.transposed:
                f_into = None  # the output step computes softmax with its log-sum-exp
                bb = None if b is None else b[:, None]
                layers.append((W, prev.T, self.Z[i], bb, self.A[i], f_into))
            else:
                layers.append((prev, W.T, self.Z[i], b, self.A[i], f_into))
            prev = self.A[i]
        return tuple(layers)

    def _build_output(self, net: Network) -> Callable[[bool], float]:
        """output(delta): the raw loss; with delta=True also leaves δ_out (unscaled) in Dl[-1]."""
        Y, Zo, Yh, Fo, Do = self.Y, self.Z[-1], self.A[-1], self.F[-1], self.Dl[-1]
        subtract, multiply = np.subtract, np.multiply
        e, y_flat, zo_flat, fo_flat = Do.reshape(-1), Y.reshape(-1), Zo.reshape(-1), Fo.reshape(-1)
        if self.loss == "mse":
            out = net.output_activation_fn
            dg_into = None if out.is_identity else out.df_into

            def mse(delta: bool) -> float:
                subtract(Yh, Y, Do)
                sse = float(e.dot(e))
                if delta and dg_into is not None:
                    dg_into(Zo, Yh, Fo)
                    multiply(Do, Fo, Do)
                return sse

            return mse
        if self.loss == "cross_entropy":  # Zo, Yh, Y are (k, L): one column per example
            L = Zo.shape[1]
            mx, s, ones_k = np.empty(L), np.empty(L), np.ones(Zo.shape[0])
            max_reduce, dot, exp, log, add, divide = (
                np.maximum.reduce,
                np.dot,
                np.exp,
                np.log,
                np.add,
                np.divide,
            )

            def cross_entropy(delta: bool) -> float:
                # log softmax(z) = z − (max + log Σ e^(z − max)), into Fo; softmax into Yh
                max_reduce(Zo, axis=0, out=mx)
                subtract(Zo, mx, Yh)
                exp(Yh, Yh)
                dot(ones_k, Yh, s)
                divide(Yh, s, Yh)
                log(s, s)
                add(s, mx, s)
                subtract(Zo, s, Fo)
                raw = float(y_flat.dot(fo_flat))  # Σ y·log softmax(z) = −L·E
                if delta:
                    subtract(Yh, Y, Do)
                return raw

            return cross_entropy
        absolute, negative, exp, log1p, maximum, add = (
            np.abs,
            np.negative,
            np.exp,
            np.log1p,
            np.maximum,
            np.add,
        )

        def binary_cross_entropy(delta: bool) -> float:
            # Σ softplus(z) − y·z, softplus(z) = max(z, 0) + log1p(e^(−|z|)), into Fo
            absolute(Zo, Fo)
            negative(Fo, Fo)
            exp(Fo, Fo)
            log1p(Fo, Fo)
            maximum(Zo, 0.0, out=Do)
            add(Fo, Do, Fo)
            raw = float(fo_flat.sum()) - float(y_flat.dot(zo_flat))
            if delta:  # ŷ = σ(z_out) is already in Yh (the forward pass)
                subtract(Yh, Y, Do)
            return raw

        return binary_cross_entropy

    def _build(
        self,
        net: Network,
        grad: np.ndarray,
        fwd: tuple[tuple[Any, ...], ...],
        inv_lr2: float,
        per_layer: bool,
    ) -> Callable[[float], float]:
        act = net.hidden_activation
        df_into = None if act.is_identity else act.df_into
        D = net.n_layers
        views = net._layer_views(grad)
        slices = net.layer_slices
        ones = self.ones
        # top-down: G ← δᵀ·a_in, gb ← Σ δ (over the examples), δ_below ← (δ·W) ∘ f'(z_below)
        back = []
        for i in range(D - 1, -1, -1):
            G, gb = views[i]
            a_in = self.X if i == 0 else self.A[i - 1]
            Dl = self.Dl[i]
            if i == D - 1 and self.transposed:  # Dl is δᵀ (k, L)
                DT, D_rows, bias_sum = Dl, Dl.T, (Dl, ones)
            else:
                DT, D_rows, bias_sum = Dl.T, Dl, (ones, Dl)
            below = None
            if i > 0:
                j = i - 1
                below = (net.weights[i], self.Dl[j], self.Z[j], self.A[j], self.F[j])
            g = grad[slices[i]] if per_layer else None
            sums = None if gb is None else (*bias_sum, gb)
            back.append((i, DT, D_rows, a_in, G, sums, below, g))
        back_t = tuple(back)
        Do, sq, output = self.Dl[-1], self.sq, self._output
        whole = None if per_layer else grad
        dot, add, multiply = np.dot, np.add, np.multiply
        if D == 2:
            return self._build_one_hidden(fwd, back_t, df_into, inv_lr2, grad)

        def run(c: float) -> float:
            for left, right, Z, b, A, f_into in fwd:
                dot(left, right, Z)
                if b is not None:
                    add(Z, b, Z)
                if f_into is not None:
                    f_into(Z, A)
            raw = output(True)
            multiply(Do, c, Do)
            for i, DT, D_rows, a_in, G, sums, below, g in back_t:
                dot(DT, a_in, G)
                if sums is not None:
                    dot(*sums)
                if below is not None:
                    W, Db, Zb, Ab, Fb = below
                    dot(D_rows, W, Db)
                    if df_into is not None:
                        df_into(Zb, Ab, Fb)
                        multiply(Db, Fb, Db)
                if g is not None:
                    sq[i] = g.dot(g) * inv_lr2
            if whole is not None:
                sq[0] = whole.dot(whole) * inv_lr2
            return raw

        return run

    def _build_one_hidden(
        self,
        fwd: tuple[tuple[Any, ...], ...],
        back: tuple[tuple[Any, ...], ...],
        df_into: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None,
        inv_lr2: float,
        grad: np.ndarray,
    ) -> Callable[[float], float]:
        """``run`` for the notes' network (one hidden layer), written out without the loops over
        layers: the same calls as the general loop, ~5% less Python per epoch at small sizes
        (measured at 2-8-1, L = 200), which is what keeps the notes' sizes as fast as before."""
        (l1, r1, Z1, b1, A1, f1), (l2, r2, Z2, b2, A2, f2) = fwd
        (_, DT2, D2, a2, G2, sums2, below, g2), (_, DT1, _, a1, G1, sums1, _, g1) = back
        W2, D1, Zh, Ah, Fh = below
        Do, sq, output = self.Dl[-1], self.sq, self._output
        dot, add, subtract, multiply = np.dot, np.add, np.subtract, np.multiply
        per_layer = g1 is not None
        # squared error inline (the notes' loss): a call less per epoch
        mse = self.loss == "mse"
        Y, Yh, Fo, e = self.Y, self.A[-1], self.F[-1], Do.reshape(-1)
        out_fn = self._out_fn
        dg_into = None if out_fn.is_identity else out_fn.df_into

        def run(c: float) -> float:
            dot(l1, r1, Z1)
            if b1 is not None:
                add(Z1, b1, Z1)
            if f1 is not None:
                f1(Z1, A1)
            dot(l2, r2, Z2)
            if b2 is not None:
                add(Z2, b2, Z2)
            if f2 is not None:
                f2(Z2, A2)
            if mse:
                subtract(Yh, Y, Do)
                raw = float(e.dot(e))
                if dg_into is not None:
                    dg_into(Z2, Yh, Fo)
                    multiply(Do, Fo, Do)
            else:
                raw = output(True)
            multiply(Do, c, Do)
            dot(DT2, a2, G2)
            if sums2 is not None:
                dot(*sums2)
            dot(D2, W2, D1)
            if df_into is not None:
                df_into(Zh, Ah, Fh)
                multiply(D1, Fh, D1)
            dot(DT1, a1, G1)
            if sums1 is not None:
                dot(*sums1)
            if per_layer:
                sq[0] = g1.dot(g1) * inv_lr2
                sq[1] = g2.dot(g2) * inv_lr2
            else:
                sq[0] = grad.dot(grad) * inv_lr2
            return raw

        return run


def train(
    net: Network,
    X: Any,
    y: Any,
    learning_rate: float = 0.5,
    epochs: int = 1000,
    batch_size: int | None = None,
    seed: int = 0,
    start_epoch: int = 0,
    layer_norms: bool = False,
) -> Iterator[Epoch]:
    """Gradient descent on ``net`` (updated in place), yielding one Epoch per epoch.

    Any depth, any of the network's losses (targets in any form ``net.check_targets`` takes).
    Full batch by default; with ``batch_size`` the examples are shuffled every epoch (the order
    depends only on ``seed`` and the epoch number, so resuming with ``start_epoch`` repeats a
    continuous run exactly) and the weights are updated after each mini-batch. With
    ``layer_norms`` every Epoch also carries each layer's gradient norm (``layer_grad_norms``).
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network; got {type(net).__name__}")
    Xa = np.ascontiguousarray(net.check_inputs(X))
    Ya = np.ascontiguousarray(net.check_targets(y, Xa.shape[0]))
    lr = _learning_rate(learning_rate)
    n_epochs = _int(epochs, "epochs", 0)
    bs = _batch_size(batch_size)
    seed = _int(seed, "seed", 0)
    start = _int(start_epoch, "start_epoch", 0)
    if not isinstance(layer_norms, bool | np.bool_):
        raise ValueError(f"layer_norms must be True or False; got {layer_norms!r}")
    if not np.all(np.isfinite(net.params)):
        raise ValueError("net must have finite weights (no NaN or inf) to train")
    L = Xa.shape[0]
    if bs is None or bs >= L:
        return _full_batch(net, Xa, Ya, lr, n_epochs, start, bool(layer_norms))
    return _mini_batch(net, Xa, Ya, lr, n_epochs, bs, seed, start, bool(layer_norms))


def _full_batch(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    lr: float,
    epochs: int,
    start: int,
    per_layer: bool,
) -> Iterator[Epoch]:
    params = net.params
    grad = np.empty_like(params)
    kernel = _Kernel(net, X, Y, grad, lr, per_layer)
    run, sq = kernel.run, kernel.sq
    subtract, sqrt = np.subtract, math.sqrt
    c = lr / X.shape[0]
    scale = kernel.loss_scale
    limit = DIVERGENCE_LIMIT
    make = _make_epoch
    norms: tuple[float, ...] = ()
    for epoch in range(start + 1, start + epochs + 1):
        loss = run(c) * scale
        if per_layer:
            grad_norm = sqrt(sum(sq))
            norms = tuple(map(sqrt, sq))
        else:
            grad_norm = sqrt(sq[0])
        if not (loss < limit and grad_norm < limit):  # also catches NaN
            message = _diverged_message(epoch, loss, grad_norm, lr)
            yield make(epoch, loss, grad_norm, True, message, norms)
            return
        subtract(params, grad, params)
        yield make(epoch, loss, grad_norm, False, None, norms)


def _mini_batch(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    lr: float,
    epochs: int,
    batch: int,
    seed: int,
    start: int,
    per_layer: bool,
) -> Iterator[Epoch]:
    L = X.shape[0]
    n_full, rest = divmod(L, batch)
    params = net.params
    grad = np.empty_like(params)
    full = _Kernel(net, X, Y, np.empty_like(params), lr)  # loss of the whole set, no gradient
    Ys = full.Y  # the targets in the kernels' layout

    def kernel(size: int) -> _Kernel:  # buffers for `size` examples, filled by gather
        xs, ys = np.empty((size, X.shape[1])), np.empty((size, Y.shape[1]))
        return _Kernel(net, xs, ys, grad, lr, per_layer)

    kernels = [kernel(batch)] * n_full + ([kernel(rest)] if rest else [])
    subtract, sqrt = np.subtract, math.sqrt
    scale = full.loss_scale
    limit = DIVERGENCE_LIMIT
    n_batches = len(kernels)
    for epoch in range(start + 1, start + epochs + 1):
        loss = full.loss_only() * scale
        grad_norm = math.nan  # not known when the loss itself has already blown up
        norms: tuple[float, ...] = ()
        ok = loss < limit
        if ok:
            order = np.random.default_rng((seed, epoch)).permutation(L)
            sums = [0.0] * len(kernels[0].sq)
            for b, k in enumerate(kernels):
                k.gather(X, Ys, order[b * batch : (b + 1) * batch])
                k.run(lr / k.X.shape[0])
                grad_norm = sqrt(sum(k.sq))
                if not grad_norm < limit:  # this batch's step would blow up: do not take it
                    ok = False
                    if per_layer:
                        norms = tuple(map(sqrt, k.sq))
                    break
                for i, g in enumerate(k.sq):
                    sums[i] += g
                subtract(params, grad, params)
        if not ok:
            message = _diverged_message(epoch, loss, grad_norm, lr)
            yield _make_epoch(epoch, loss, grad_norm, True, message, norms)
            return
        if per_layer:  # the RMS over the epoch's batches, like grad_norm
            norms = tuple([sqrt(s / n_batches) for s in sums])
        yield _make_epoch(epoch, loss, sqrt(sum(sums) / n_batches), False, None, norms)


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """What a lesson's ``train`` step describes; checked when made (ValueError naming the field).

    ``hidden`` is one hidden layer's size or a tuple of sizes, e.g. (8, 8); ``loss`` is mse (the
    notes'), cross_entropy or binary_cross_entropy. ``output_activation`` is identity unless
    given, except that a cross-entropy loss left with the default identity gets its own output
    (softmax, sigmoid): identity never goes with them.
    """

    dataset: str = "xor"
    hidden: int | tuple[int, ...] = 4
    activation: str = "tanh"
    learning_rate: float = 0.2  # XOR falls without a visible bump at 0.2 (0.5 spikes at ~200)
    epochs: int = 2000
    batch_size: int | None = None
    biases: bool = True
    seed: int = 0
    output_activation: str = "identity"
    loss: str = "mse"

    def __post_init__(self) -> None:
        if self.dataset not in DATASET_NAMES:
            raise ValueError(
                f"dataset must be one of {', '.join(DATASET_NAMES)}; got {self.dataset!r}"
            )
        sizes = hidden_sizes(self.hidden, "hidden")
        if len(sizes) > MAX_HIDDEN_LAYERS:
            raise ValueError(
                f"hidden must have at most {MAX_HIDDEN_LAYERS} layers; got {len(sizes)}"
            )
        for size in sizes:
            _bounded(size, "hidden", 1, MAX_HIDDEN_UNITS)
        if not isinstance(self.hidden, int):  # a list (from a lesson file) becomes a tuple
            object.__setattr__(self, "hidden", sizes)
        get_activation(self.activation, "activation")
        loss = get_loss(self.loss, "loss")
        if loss.name != "mse" and self.output_activation == "identity":
            object.__setattr__(self, "output_activation", natural_output(loss))
        out = get_output(self.output_activation, "output_activation")
        _learning_rate(self.learning_rate)
        _bounded(self.epochs, "epochs", 1, MAX_EPOCHS)
        if self.batch_size is not None:
            _bounded(self.batch_size, "batch_size", 1, MAX_BATCH_SIZE)
        if not isinstance(self.biases, bool):
            raise ValueError(f"biases must be True or False; got {self.biases!r}")
        _bounded(self.seed, "seed", 0, MAX_SEED)
        ds = load_dataset(self.dataset)
        try:
            check_output_and_loss(out, loss, ds.n_outputs, "output_activation")
        except ValueError as exc:
            if loss.name != "cross_entropy" or ds.n_outputs >= 2:
                raise
            raise ValueError(
                f"loss='cross_entropy' needs a data set with one-hot classes (k >= 2 outputs); "
                f"{self.dataset} has {ds.n_outputs} target per example: use "
                f"loss='binary_cross_entropy' or 'mse' ({exc})"
            ) from None
        if loss.name == "binary_cross_entropy" and ds.task != "classification":
            raise ValueError(
                f"loss='binary_cross_entropy' needs 0/1 targets; {self.dataset} is a "
                f"{ds.task} set: use loss='mse'"
            )

    @property
    def hidden_sizes(self) -> tuple[int, ...]:
        """The hidden layers' sizes, always a tuple: (4,) for hidden=4."""
        return hidden_sizes(self.hidden)

    def make_network(self, n_inputs: int, n_outputs: int) -> Network:
        """A fresh network for a data set with these sizes, drawn from ``seed``."""
        return Network.create(
            n_inputs,
            n_outputs=n_outputs,
            hidden=self.hidden_sizes,
            activation=self.activation,
            output=self.output_activation,
            loss=self.loss,
            biases=self.biases,
            seed=self.seed,
        )

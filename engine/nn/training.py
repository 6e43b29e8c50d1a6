"""Gradient descent on a network of any depth, one immutable ``Epoch`` record per epoch.

``train`` checks its arguments once, then returns a generator; the caller can stop it between
any two epochs (stop iterating, or ``.close()``). The hot loop (``kernel``) makes no copies: every
intermediate lives in a buffer made before the first epoch, every numpy call writes ``out=``
(numpy itself may use its ufunc buffer, at most 64 kB, for a broadcast bias or row maximum),
all the weights are updated by one subtraction on the network's flat parameter buffer, and the
loss comes from the forward pass the gradient needs anyway. Because the buffer is laid out layer
by layer, each layer's gradient norm is one dot product of a contiguous slice: with
``layer_norms=True`` every Epoch carries them (``layer_grad_norms``): gradients vanishing, epoch
by epoch (they cost ~10 % of a small net's speed, so only a caller who wants every epoch's asks).

A run that diverges (loss or gradient NaN/inf, or beyond ``DIVERGENCE_LIMIT``) ends with an
Epoch whose ``diverged`` is True and whose ``message`` says what happened; the weights keep the
last finite values (the update that would have blown up is not applied). Stopping at the limit,
long before float64 overflows, is also what keeps numpy from emitting overflow warnings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from bptutor.engine.nn import checks
from bptutor.engine.nn.activations import get_activation
from bptutor.engine.nn.checks import MAX_LEARNING_RATE, hidden_sizes
from bptutor.engine.nn.datasets import DATASET_NAMES, load_dataset
from bptutor.engine.nn.kernel import Kernel
from bptutor.engine.nn.losses import check_output_and_loss, get_loss, get_output, natural_output
from bptutor.engine.nn.network import Network

__all__ = [
    "DIVERGENCE_LIMIT",
    "MAX_BATCH_SIZE",
    "MAX_EPOCHS",
    "MAX_HIDDEN_LAYERS",
    "MAX_HIDDEN_UNITS",
    "MAX_LEARNING_RATE",
    "MAX_SEED",
    "Checked",
    "Epoch",
    "TrainConfig",
    "checked_arguments",
    "divergence_reason",
    "train",
]

#: A loss or gradient norm at or above this counts as diverged.
DIVERGENCE_LIMIT = 1e30
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


def divergence_reason(loss: float, grad_norm: float) -> str:
    """What made an epoch count as diverged, in a few words ("the loss grew to 3e+30")."""
    if math.isnan(loss) or math.isnan(grad_norm):
        return "the loss became NaN"
    if math.isinf(loss) or math.isinf(grad_norm):
        return "the loss became infinite"
    if loss >= DIVERGENCE_LIMIT:
        return f"the loss grew to {loss:.3g}"
    return f"the gradient grew to norm {grad_norm:.3g}"


def diverged_epoch(
    epoch: int, loss: float, grad_norm: float, learning_rate: float, norms: tuple[float, ...]
) -> Epoch:
    """The last Epoch of a run that diverged: its message says why and suggests a smaller rate."""
    what = divergence_reason(loss, grad_norm)
    message = (
        f"Training diverged at epoch {epoch}: {what}. Each step overshoots the minimum and "
        f"lands further away. Try a smaller learning rate than {learning_rate:g}, "
        f"e.g. {learning_rate / 10:g}."
    )
    return _make_epoch(epoch, loss, grad_norm, True, message, norms)


class Checked(NamedTuple):
    """What every training loop takes, checked (``checked_arguments``)."""

    X: np.ndarray  # (L, n), contiguous floats
    Y: np.ndarray  # (L, k), the targets in the network's shape
    lr: float
    epochs: int
    start: int  # the epoch to count from


def checked_arguments(
    net: Any, X: Any, y: Any, learning_rate: Any, epochs: Any, start_epoch: Any
) -> Checked:
    """What every training loop takes (``train``, ``supplied.train_with_gradients``), checked
    before its first epoch: X and y as contiguous float arrays in the network's shapes, the
    rate, the number of epochs and the epoch to count from. ValueError names the parameter."""
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network; got {type(net).__name__}")
    Xa = np.ascontiguousarray(net.check_inputs(X))
    Ya = np.ascontiguousarray(net.check_targets(y, Xa.shape[0]))
    lr = checks.learning_rate(learning_rate)
    n_epochs = checks.integer(epochs, "epochs", 0)
    start = checks.integer(start_epoch, "start_epoch", 0)
    if not np.all(np.isfinite(net.params)):
        raise ValueError("net must have finite weights (no NaN or inf) to train")
    return Checked(Xa, Ya, lr, n_epochs, start)


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
    checked = checked_arguments(net, X, y, learning_rate, epochs, start_epoch)
    bs = checks.batch_size(batch_size)
    seed = checks.integer(seed, "seed", 0)
    per_layer = checks.flag(layer_norms, "layer_norms")
    if bs is None or bs >= checked.X.shape[0]:
        return _full_batch(net, checked, per_layer)
    return _mini_batch(net, checked, bs, seed, per_layer)


def _full_batch(net: Network, checked: Checked, per_layer: bool) -> Iterator[Epoch]:
    X, Y, lr, epochs, start = checked
    params = net.params
    grad = np.empty_like(params)
    kernel = Kernel(net, X, Y, grad, lr, per_layer)
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
            yield diverged_epoch(epoch, loss, grad_norm, lr, norms)
            return
        subtract(params, grad, params)
        yield make(epoch, loss, grad_norm, False, None, norms)


def _mini_batch(
    net: Network, checked: Checked, batch: int, seed: int, per_layer: bool
) -> Iterator[Epoch]:
    X, Y, lr, epochs, start = checked
    L = X.shape[0]
    n_full, rest = divmod(L, batch)
    params = net.params
    grad = np.empty_like(params)
    full = Kernel(net, X, Y, np.empty_like(params), lr)  # loss of the whole set, no gradient
    Ys = full.Y  # the targets in the kernels' layout

    def kernel(size: int) -> Kernel:  # buffers for `size` examples, filled by gather
        xs, ys = np.empty((size, X.shape[1])), np.empty((size, Y.shape[1]))
        return Kernel(net, xs, ys, grad, lr, per_layer)

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
            yield diverged_epoch(epoch, loss, grad_norm, lr, norms)
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
            checks.bounded(size, "hidden", 1, MAX_HIDDEN_UNITS)
        if not isinstance(self.hidden, int):  # a list (from a lesson file) becomes a tuple
            object.__setattr__(self, "hidden", sizes)
        get_activation(self.activation, "activation")
        loss = get_loss(self.loss, "loss")
        if loss.name != "mse" and self.output_activation == "identity":
            object.__setattr__(self, "output_activation", natural_output(loss))
        out = get_output(self.output_activation, "output_activation")
        checks.learning_rate(self.learning_rate)
        checks.bounded(self.epochs, "epochs", 1, MAX_EPOCHS)
        if self.batch_size is not None:
            checks.bounded(self.batch_size, "batch_size", 1, MAX_BATCH_SIZE)
        if not isinstance(self.biases, bool):
            raise ValueError(f"biases must be True or False; got {self.biases!r}")
        checks.bounded(self.seed, "seed", 0, MAX_SEED)
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

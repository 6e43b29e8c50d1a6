"""Gradient descent on the notes' network, one immutable ``Step`` per epoch.

``train`` checks its arguments once, then returns a generator; the caller can stop it between
any two steps (stop iterating, or ``.close()``). The hot loop allocates nothing: every
intermediate lives in a buffer made before the first epoch, every numpy call writes ``out=``,
all the weights are updated by one subtraction on the network's flat parameter buffer, and the
loss comes from the error of the forward pass the gradient needs anyway.

A run that diverges (loss or gradient NaN/inf, or beyond ``DIVERGENCE_LIMIT``) ends with a Step
whose ``diverged`` is True and whose ``message`` says what happened; the weights keep the last
finite values (the update that would have blown up is not applied). Stopping at the limit, long
before float64 overflows, is also what keeps numpy from emitting overflow warnings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from bptutor.engine.nn.activations import get_activation
from bptutor.engine.nn.datasets import DATASET_NAMES
from bptutor.engine.nn.network import Network

__all__ = ["DIVERGENCE_LIMIT", "Step", "TrainConfig", "train"]

#: A loss or gradient norm at or above this counts as diverged.
DIVERGENCE_LIMIT = 1e30
#: Learning rates above this are refused (no lesson needs them; they only overflow).
MAX_LEARNING_RATE = 1e3


@dataclass(frozen=True, slots=True)
class Step:
    """One epoch of training."""

    epoch: int  # 1-based: start_epoch + i
    loss: float  # cost of the full data set for the weights before this epoch's update
    grad_norm: float  # ‖∂E/∂θ‖ (full batch); with mini-batches the RMS over the epoch's batches
    diverged: bool = False  # True: the run is over, ``message`` says why
    message: str | None = None


def _int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
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


def _diverged_message(epoch: int, loss: float, grad_norm: float, learning_rate: float) -> str:
    if math.isnan(loss) or math.isnan(grad_norm):
        what = "the loss became NaN"
    elif math.isinf(loss) or math.isinf(grad_norm):
        what = "the loss became infinite"
    elif loss >= DIVERGENCE_LIMIT:
        what = f"the loss grew to {loss:.3g}"
    else:
        what = f"the gradient grew to norm {grad_norm:.3g}"
    return (
        f"Training diverged at epoch {epoch}: {what}. Each step overshoots the minimum and "
        f"lands further away. Try a smaller learning rate than {learning_rate:g}, "
        f"e.g. {learning_rate / 10:g}."
    )


class _Kernel:
    """Buffers for one batch size, and the forward + backward pass over them.

    ``run(c)`` leaves c·∂(Σ squared error / 2)/∂θ in ``grad`` (c = learning_rate / batch) and
    returns (sum of squared errors, squared norm of what it left in ``grad``).
    """

    def __init__(self, net: Network, X: np.ndarray, Y: np.ndarray, grad: np.ndarray) -> None:
        L = X.shape[0]
        m, k = net.n_hidden, net.n_outputs
        self.X, self.Y = X, Y
        act, out_act = net.hidden_activation, net.output_activation_fn
        self.Z = np.empty((L, m))
        self.A = self.Z if act.is_identity else np.empty((L, m))
        self.F = np.empty((L, m))
        self.D1 = np.empty((L, m))
        self.Zo = np.empty((L, k))
        self.Yh = self.Zo if out_act.is_identity else np.empty((L, k))
        self.Fo = np.empty((L, k))
        self.D2 = np.empty((L, k))
        self.run: Callable[[float], tuple[float, float]] = self._build(net, grad)
        self.loss_only: Callable[[], float] = self._build_loss(net)

    def _build_loss(self, net: Network) -> Callable[[], float]:
        X, Y, Z, A, Zo, Yh, D2 = self.X, self.Y, self.Z, self.A, self.Zo, self.Yh, self.D2
        W1T, W2T, b1, b2 = net.W1.T, net.W2.T, net.b1, net.b2
        act, out_act = net.hidden_activation, net.output_activation_fn
        dot, add, subtract = np.dot, np.add, np.subtract
        f_into = None if act.is_identity else act.f_into
        g_into = None if out_act.is_identity else out_act.f_into
        e = D2.reshape(-1)

        def loss_only() -> float:
            dot(X, W1T, Z)
            if b1 is not None:
                add(Z, b1, Z)
            if f_into is not None:
                f_into(Z, A)
            dot(A, W2T, Zo)
            if b2 is not None:
                add(Zo, b2, Zo)
            if g_into is not None:
                g_into(Zo, Yh)
            subtract(Yh, Y, D2)
            return float(e.dot(e))

        return loss_only

    def _build(self, net: Network, grad: np.ndarray) -> Callable[[float], tuple[float, float]]:
        X, Y = self.X, self.Y
        Z, A, F, D1, Zo, Yh, Fo, D2 = (
            self.Z,
            self.A,
            self.F,
            self.D1,
            self.Zo,
            self.Yh,
            self.Fo,
            self.D2,
        )
        W1T, W2, W2T, b1, b2 = net.W1.T, net.W2, net.W2.T, net.b1, net.b2
        G1, G2, gb1, gb2 = net._views(grad, net.has_biases)
        act, out_act = net.hidden_activation, net.output_activation_fn
        dot, add, subtract, multiply, np_sum = np.dot, np.add, np.subtract, np.multiply, np.sum
        f_into = None if act.is_identity else act.f_into
        df_into = None if act.is_identity else act.df_into
        g_into = None if out_act.is_identity else out_act.f_into
        dg_into = None if out_act.is_identity else out_act.df_into
        D1T, D2T = D1.T, D2.T
        e = D2.reshape(-1)

        def run(c: float) -> tuple[float, float]:
            # forward: z = X·W1ᵀ (+ b1), a = f(z), ŷ = g(a·W2ᵀ (+ b2))
            dot(X, W1T, Z)
            if b1 is not None:
                add(Z, b1, Z)
            if f_into is not None:
                f_into(Z, A)
            dot(A, W2T, Zo)
            if b2 is not None:
                add(Zo, b2, Zo)
            if g_into is not None:
                g_into(Zo, Yh)
            # error ŷ − y gives the loss; δ_out = (ŷ − y) ∘ g'(z_out), scaled by c
            subtract(Yh, Y, D2)
            sse = float(e.dot(e))
            if dg_into is not None:
                dg_into(Zo, Yh, Fo)
                multiply(D2, Fo, D2)
            multiply(D2, c, D2)
            dot(D2T, A, G2)
            # δ_hidden = (δ_out·W2) ∘ f'(z)
            dot(D2, W2, D1)
            if df_into is not None:
                df_into(Z, A, F)
                multiply(D1, F, D1)
            dot(D1T, X, G1)
            if gb1 is not None:
                np_sum(D1, axis=0, out=gb1)
                np_sum(D2, axis=0, out=gb2)
            return sse, float(grad.dot(grad))

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
) -> Iterator[Step]:
    """Gradient descent on ``net`` (updated in place), yielding one Step per epoch.

    Full batch by default; with ``batch_size`` the examples are shuffled every epoch (the order
    depends only on ``seed`` and the epoch number, so resuming with ``start_epoch`` repeats a
    continuous run exactly) and the weights are updated after each mini-batch.
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
    if not np.all(np.isfinite(net.params)):
        raise ValueError("net must have finite weights (no NaN or inf) to train")
    L = Xa.shape[0]
    if bs is None or bs >= L:
        return _full_batch(net, Xa, Ya, lr, n_epochs, start)
    return _mini_batch(net, Xa, Ya, lr, n_epochs, bs, seed, start)


def _full_batch(
    net: Network, X: np.ndarray, Y: np.ndarray, lr: float, epochs: int, start: int
) -> Iterator[Step]:
    params = net.params
    grad = np.empty_like(params)
    run = _Kernel(net, X, Y, grad).run
    subtract, sqrt = np.subtract, math.sqrt
    c = lr / X.shape[0]
    half_mean = 0.5 / X.shape[0]
    limit = DIVERGENCE_LIMIT
    for epoch in range(start + 1, start + epochs + 1):
        sse, gsq = run(c)
        loss = sse * half_mean
        grad_norm = sqrt(gsq) / lr
        if not (loss < limit and grad_norm < limit):  # also catches NaN
            yield Step(epoch, loss, grad_norm, True, _diverged_message(epoch, loss, grad_norm, lr))
            return
        subtract(params, grad, params)
        yield Step(epoch, loss, grad_norm)


def _mini_batch(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    lr: float,
    epochs: int,
    batch: int,
    seed: int,
    start: int,
) -> Iterator[Step]:
    L = X.shape[0]
    n_full, rest = divmod(L, batch)
    params = net.params
    grad = np.empty_like(params)
    full = _Kernel(net, X, Y, np.empty_like(params))  # loss of the whole set, no gradient
    Xb, Yb = np.empty((batch, X.shape[1])), np.empty((batch, Y.shape[1]))
    kb = _Kernel(net, Xb, Yb, grad)
    if rest:
        Xr, Yr = np.empty((rest, X.shape[1])), np.empty((rest, Y.shape[1]))
        kr = _Kernel(net, Xr, Yr, grad)
    take, subtract, sqrt = np.take, np.subtract, math.sqrt
    half_mean = 0.5 / L
    limit = DIVERGENCE_LIMIT
    n_batches = n_full + (1 if rest else 0)
    for epoch in range(start + 1, start + epochs + 1):
        loss = full.loss_only() * half_mean
        grad_norm = math.nan  # not known when the loss itself has already blown up
        ok = loss < limit
        if ok:
            order = np.random.default_rng((seed, epoch)).permutation(L)
            gsq_total = 0.0
            for b in range(n_batches):
                lo = b * batch
                if b < n_full:
                    idx, xs, ys, run, size = order[lo : lo + batch], Xb, Yb, kb.run, batch
                else:
                    idx, xs, ys, run, size = order[lo:], Xr, Yr, kr.run, rest
                take(X, idx, axis=0, out=xs)
                take(Y, idx, axis=0, out=ys)
                _, gsq = run(lr / size)
                grad_norm = sqrt(gsq) / lr
                if not grad_norm < limit:  # this batch's step would blow up: do not take it
                    ok = False
                    break
                gsq_total += gsq
                subtract(params, grad, params)
        if not ok:
            yield Step(epoch, loss, grad_norm, True, _diverged_message(epoch, loss, grad_norm, lr))
            return
        yield Step(epoch, loss, sqrt(gsq_total / n_batches) / lr)


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """What a lesson's ``train`` step describes; checked when made."""

    dataset: str = "xor"
    hidden: int = 4
    activation: str = "tanh"
    learning_rate: float = 0.2  # XOR falls without a visible bump at 0.2 (0.5 spikes at ~200)
    epochs: int = 2000
    batch_size: int | None = None
    biases: bool = True
    seed: int = 0
    output_activation: str = "identity"

    def __post_init__(self) -> None:
        if self.dataset not in DATASET_NAMES:
            raise ValueError(
                f"dataset must be one of {', '.join(DATASET_NAMES)}; got {self.dataset!r}"
            )
        _int(self.hidden, "hidden", 1)
        get_activation(self.activation, "activation")
        get_activation(self.output_activation, "output_activation")
        _learning_rate(self.learning_rate)
        _int(self.epochs, "epochs", 1)
        _batch_size(self.batch_size)
        if not isinstance(self.biases, bool):
            raise ValueError(f"biases must be True or False; got {self.biases!r}")
        _int(self.seed, "seed", 0)

    def make_network(self, n_inputs: int, n_outputs: int) -> Network:
        """A fresh network for a data set with these sizes, drawn from ``seed``."""
        return Network.create(
            n_inputs,
            self.hidden,
            n_outputs,
            activation=self.activation,
            output_activation=self.output_activation,
            biases=self.biases,
            seed=self.seed,
        )

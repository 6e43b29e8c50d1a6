"""A training session: what the training view drives, without the view.

One network trained on one data set, an epoch at a time or in runs, with the controls the view
offers (the learning-rate ladder, hidden units, activation, data set, full batch / mini-batch)
and the way back after a divergence (safe weights, a probe for a rate that trains). Everything
is plain numpy, so it is unit-tested without a UI; the view (``tui/screens/training.py``) draws
a session and lets a thread worker call ``advance``.

Threads: a run's epochs are taken by ``advance`` under ``lock``, a few per hold, and the worker's
cancellation is checked before every epoch inside that lock. So once ``stop`` returns (after
the worker was cancelled) no further epoch can happen, and the UI thread can read the network,
step it or change it without a race. The history is append-only (``LossHistory``): a view of it
handed to the UI stays valid while the worker appends.
"""

from __future__ import annotations

import dataclasses
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

import numpy as np
from bptutor.engine.nn.activations import HIDDEN_ACTIVATIONS
from bptutor.engine.nn.datasets import DATASET_NAMES, Dataset, load_dataset
from bptutor.engine.nn.history import LossCurve, LossHistory
from bptutor.engine.nn.network import Network
from bptutor.engine.nn.rates import LEARNING_RATES, ladder_presses, rate_after
from bptutor.engine.nn.training import TrainConfig, train

__all__ = [
    "ACTIVATION_CYCLE",
    "EPOCHS_PER_LOCK",
    "HIDDEN_RANGE",
    "LEARNING_RATES",
    "LOCK_SECONDS",
    "MAX_DEPTH",
    "PACE_SECONDS",
    "PLAYGROUND_EPOCHS",
    "PROBE_EPOCHS",
    "PROBE_SECONDS",
    "Chunk",
    "Divergence",
    "LossCurve",
    "LossHistory",
    "Phase",
    "Probe",
    "Run",
    "SafeWeights",
    "TrainingSession",
    "data_arrays",
    "ladder_presses",
    "probe_rate",
    "rate_after",
    "train_with",
]

ACTIVATION_CYCLE = HIDDEN_ACTIVATIONS
HIDDEN_RANGE = (1, 64)
MAX_DEPTH = 3
"""The view's depth key cycles through 1..MAX_DEPTH hidden layers."""
PLAYGROUND_EPOCHS = 1_000_000
"""The playground's run length: the history costs 8 bytes an epoch, so a run left alone stops
after this many (space continues for as many again)."""
PROBE_EPOCHS = 200
"""After a divergence, each smaller learning rate is tried for this many epochs (on a copy)."""
PROBE_SECONDS = 1.0
"""CPU seconds a probe may spend trying learning rates after a divergence. Its own thread's
time, not the clock's: on a busy machine the answer comes later, but it is the same answer."""
PACE_SECONDS = 4.0
"""A paced run of a lesson's epochs takes about this long: long enough to watch the curve's
quick fall, slow stretch and plunge (XOR's 500 epochs run in 0.1 s unpaced)."""
PLAYGROUND_PACE = TrainConfig().epochs / PACE_SECONDS
"""Epochs per second of the playground when paced (its runs are a million epochs long)."""
EPOCHS_PER_LOCK = 32
LOCK_SECONDS = 0.004  # a slow epoch (big net, mini-batches) ends the batch early


class Phase(Enum):
    """Where the session's run stands (the view's status word)."""

    IDLE = "paused"  # never started, paused, or stopped by an error
    RUNNING = "running"
    FINISHED = "finished"  # the run reached target_epochs
    DIVERGED = "diverged"  # see TrainingSession.divergence


class _Epoch(Protocol):
    """What ``train`` yields per epoch (the attributes read here)."""

    epoch: int
    loss: float
    grad_norm: float
    diverged: bool
    message: str | None
    layer_grad_norms: tuple[float, ...]


def data_arrays(config: TrainConfig) -> tuple[Dataset, np.ndarray, np.ndarray]:
    """The config's data set, and its X (L, n) and y (L, k) as float arrays for ``train``."""
    ds = load_dataset(config.dataset, seed=config.seed)
    X = np.asarray(ds.X, dtype=float)
    return ds, X, np.asarray(ds.y, dtype=float).reshape(len(X), -1)


def train_with(
    config: TrainConfig,
    net: Network,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int | None = None,
    start_epoch: int = 0,
    layer_norms: bool = False,
) -> Iterator[_Epoch]:
    """The engine's ``train`` with the config's rate, batch size and seed, for ``epochs``
    (default: the config's) from ``start_epoch``; ``layer_norms``: each epoch also carries
    every layer's gradient norm (``step`` asks for them; a run does not: the view takes them at
    the weights it shows)."""
    return train(
        net,
        X,
        y,
        learning_rate=config.learning_rate,
        epochs=config.epochs if epochs is None else epochs,
        batch_size=config.batch_size,
        seed=config.seed,
        start_epoch=start_epoch,
        layer_norms=layer_norms,
    )


def probe_rate(
    config: TrainConfig,
    net: Network,
    params: np.ndarray,
    start_epoch: int,
    X: np.ndarray,
    y: np.ndarray,
    limit: float,
) -> float | None:
    """The largest rate of the ladder, at most `limit`, that trains from `params`: PROBE_EPOCHS
    epochs on `net` (a copy), exactly as the run going on from there would (the config's batch
    size and seed, same start epoch), without diverging and ending no higher than it started.
    None when none does within PROBE_SECONDS (of this thread's CPU time). Meant for a worker
    thread."""
    clock = time.thread_time
    deadline = clock() + PROBE_SECONDS
    for rate in sorted((r for r in LEARNING_RATES if r <= limit), reverse=True):
        net.params[:] = params
        first = last = math.nan
        ok = True
        trial = dataclasses.replace(config, learning_rate=rate)
        for step in train_with(trial, net, X, y, epochs=PROBE_EPOCHS, start_epoch=start_epoch):
            if step.diverged:
                ok = False
                break
            if math.isnan(first):
                first = step.loss
            last = step.loss
            if clock() > deadline:
                break
        if ok and last <= first:
            return rate
        if clock() > deadline:
            return None
    return None


class SafeWeights:
    """The last weights known to be fit to go on from, kept for after a divergence.

    A divergence leaves the last *finite* weights, but those are often ~1e28 already (a
    mini-batch epoch can blow them up before the engine sees it): no learning rate recovers
    from there. So a copy is kept of the latest weights whose loss was at most twice the best
    loss this network has had (its initial weights count). Copies are offered every progress
    report (``offer``: the weights after ``epoch`` epochs); their loss becomes known one epoch
    later, as the history's ``value_at(epoch)``, and ``settle`` then keeps or drops them (the
    run settles after every chunk, well within the history's exact tail). Worker-side calls
    happen under the session's lock.
    """

    def __init__(self, params: np.ndarray, epoch: int) -> None:
        self.params = np.array(params, dtype=float)
        self.epoch = epoch
        self._pending = np.empty_like(self.params)
        self._pending_epoch: int | None = None

    def offer(self, params: np.ndarray, epoch: int) -> None:
        np.copyto(self._pending, params)
        self._pending_epoch = epoch

    def settle(self, history: LossHistory) -> None:
        k = self._pending_epoch
        if k is not None and k < len(history):
            loss = history.value_at(k)
            if loss is not None and math.isfinite(loss) and loss <= 2 * history.best + 1e-12:
                self.params, self._pending = self._pending, self.params
                self.epoch = k
            self._pending_epoch = None


@dataclass(frozen=True)
class Divergence:
    """What a divergence left: the sentence saying what happened, and the rate it had."""

    what: str
    learning_rate: float
    reason: str = "the loss became infinite or NaN"  # short: "the loss grew to 3e+30"


@dataclass(frozen=True, eq=False)
class Probe:
    """One search for a rate that trains from the safe weights (copies: any thread may run it)."""

    config: TrainConfig
    net: Network
    params: np.ndarray
    start_epoch: int
    X: np.ndarray
    y: np.ndarray
    limit: float

    def run(self) -> float | None:
        return probe_rate(
            self.config, self.net, self.params, self.start_epoch, self.X, self.y, self.limit
        )


@dataclass(eq=False)
class Run:
    """One stretch of training, from ``start_run`` until it stops; ``advance`` takes its epochs.

    Everything it trains is fixed when it starts (a stale worker only ever touches its own run).
    """

    run_id: int
    config: TrainConfig
    net: Network
    X: np.ndarray
    y: np.ndarray
    history: LossHistory
    safe: SafeWeights
    start_epoch: int
    epochs: int
    pace: float | None = None  # epochs per second at most (None: full speed)
    started_at: float = 0.0  # time.perf_counter() at start_run (the pace counts from there)
    last: _Epoch | None = None
    _steps: Iterator[_Epoch] | None = None

    def close(self) -> None:
        """End the engine's iterator (the worker calls this when it leaves)."""
        close = getattr(self._steps, "close", None)
        if close is not None:
            close()


@dataclass(frozen=True, slots=True)
class Chunk:
    """What one ``advance`` did: the last epoch taken, and whether the run stopped."""

    last: _Epoch | None
    stopped: str | None  # "finished" | "diverged" | "cancelled" | None (it goes on)
    detail: str | None  # the engine's message when diverged
    report: bool  # report_after has passed: the caller posts progress now
    at: float  # time.perf_counter() when the chunk ended
    wait: float = 0.0  # a paced run is ahead of its pace: sleep this long before the next


class TrainingSession:
    """The notes' network on one data set, its loss history, and the run's phase.

    ``config`` (a TrainConfig, replaced whole on every change) says what is trained; for the
    playground (``config=None``) it is TrainConfig's defaults with runs of PLAYGROUND_EPOCHS.
    The UI thread calls everything except ``advance``, which a worker calls between
    ``start_run`` and ``stop`` (or the ``end_run`` of the reason it stopped).
    """

    def __init__(self, config: TrainConfig | None = None) -> None:
        self.playground = config is None
        if config is None:
            config = dataclasses.replace(TrainConfig(), epochs=PLAYGROUND_EPOCHS)
        self.config = config
        self._configured_batch = config.batch_size
        self._configured = config
        self.paced = False
        """Runs go at ``pace`` epochs per second, else (the default) at full speed."""
        self.lock = threading.Lock()
        self.phase = Phase.IDLE
        self._run: Run | None = None
        self._run_id = 0
        self._load_data()
        self.reset()

    # ------------------------------------------------------------------------- state
    @property
    def epoch(self) -> int:
        """Epochs trained so far on the current network."""
        return len(self.history)

    @property
    def running(self) -> bool:
        return self.phase is Phase.RUNNING

    @property
    def probing(self) -> bool:
        """A divergence's probe was started and its answer is still wanted."""
        return self._probe is not None

    @property
    def weights_finite(self) -> bool:
        """False when a divergence left NaN/inf weights: only a reset helps then."""
        return bool(np.all(np.isfinite(self.net.params)))

    @property
    def current_run_id(self) -> int | None:
        return self._run.run_id if self._run is not None else None

    @property
    def pace(self) -> float:
        """A paced run's epochs per second: a lesson's run takes about PACE_SECONDS."""
        return PLAYGROUND_PACE if self.playground else max(1.0, self.config.epochs / PACE_SECONDS)

    def toggle_pace(self) -> None:
        """Paced <-> full speed (for the next run: restart a running one)."""
        self.paced = not self.paced

    def _load_data(self) -> None:
        self.dataset, self.X, self.y = data_arrays(self.config)

    def reset(self) -> None:
        """Fresh initial weights from the seed, an empty history, no divergence, paused."""
        self.net = self.config.make_network(self.X.shape[1], self.y.shape[1])
        self.history = LossHistory()
        self.phase = Phase.IDLE
        self.safe = SafeWeights(self.net.params, 0)
        self.divergence: Divergence | None = None  # set while phase is DIVERGED
        self.suggested_rate: float | None = None  # the probe's answer (None: none trained)
        self._probe: Probe | None = None
        self.target_epochs = self.config.epochs

    # ----------------------------------------------------------------------- changes
    def set_learning_rate(self, rate: float) -> None:
        """Another rate; the weights and the history stay."""
        self.config = dataclasses.replace(self.config, learning_rate=rate)

    def rate_after(self, up: bool) -> float | None:
        return rate_after(self.config.learning_rate, up)

    def hidden_after(self, delta: int) -> int | tuple[int, ...] | None:
        """Every hidden layer ``delta`` units wider, within HIDDEN_RANGE (an int for one layer,
        a tuple for several); None if nothing changes."""
        lo, hi = HIDDEN_RANGE
        sizes = tuple(min(max(m + delta, lo), hi) for m in self.config.hidden_sizes)
        if sizes == self.config.hidden_sizes:
            return None
        return sizes[0] if len(sizes) == 1 else sizes

    def set_hidden(self, hidden: int | tuple[int, ...]) -> None:
        """Other hidden-layer sizes: a new network."""
        self.config = dataclasses.replace(self.config, hidden=hidden)
        self.reset()

    def next_depth(self) -> None:
        """One hidden layer more (as wide as the first), back to one after MAX_DEPTH: deeper
        sigmoid stacks are where gradients vanish. A new network."""
        sizes = self.config.hidden_sizes
        depth = len(sizes) % MAX_DEPTH + 1
        self.set_hidden(sizes[0] if depth == 1 else (sizes[0],) * depth)

    def next_activation(self) -> None:
        """The next activation of ACTIVATION_CYCLE: a new network."""
        cycle = ACTIVATION_CYCLE
        i = cycle.index(self.config.activation) if self.config.activation in cycle else -1
        self.config = dataclasses.replace(self.config, activation=cycle[(i + 1) % len(cycle)])
        self.reset()

    def next_dataset(self) -> None:
        """The next data set (mini-batches stay on, sized for it; the loss suits it): a new
        network."""
        names = DATASET_NAMES
        i = names.index(self.config.dataset) if self.config.dataset in names else -1
        self.config = self._config_for(names[(i + 1) % len(names)])
        self._load_data()
        if self.config.batch_size is not None:
            self.config = dataclasses.replace(self.config, batch_size=self.mini_batch_size())
        self.reset()

    def _config_for(self, dataset: str) -> TrainConfig:
        """The config on another data set, with the loss (and output) it was given if that
        suits the set, else the set's natural one: softmax + cross-entropy for several classes
        (the spiral; the playground always uses it there), squared error otherwise."""
        original = self._configured
        n_classes = load_dataset(dataset).n_classes or 0
        natural = "cross_entropy" if n_classes > 2 else "mse"
        keep = original.loss if not (self.playground and n_classes > 2) else natural
        for loss, output in ((keep, original.output_activation), (natural, "identity")):
            try:
                return dataclasses.replace(
                    self.config, dataset=dataset, loss=loss, output_activation=output
                )
            except ValueError:
                continue
        return dataclasses.replace(self.config, dataset=dataset)  # raises, naming the field

    def mini_batch_size(self) -> int:
        """The configured size, else ~10 (1 for XOR's four points), never above the set."""
        L = len(self.X)
        return min(L, self._configured_batch or max(1, min(10, L // 4)))

    def toggle_batch(self) -> None:
        """Full batch <-> mini-batches; the weights and the history stay."""
        batch = self.mini_batch_size() if self.config.batch_size is None else None
        self.config = dataclasses.replace(self.config, batch_size=batch)

    # ------------------------------------------------------------------ training
    def step(self) -> _Epoch | None:
        """Exactly one epoch (not during a run: ``stop`` it first); may diverge."""
        with self.lock:
            self.safe.offer(self.net.params, self.epoch)
            steps = train_with(
                self.config,
                self.net,
                self.X,
                self.y,
                epochs=1,
                start_epoch=self.epoch,
                layer_norms=True,
            )
            step = next(steps, None)
            steps.close()
            if step is not None:
                self.history.append(step.loss)
            self.safe.settle(self.history)
        if step is not None and step.diverged:
            self._diverge(step.epoch, step.message)
        return step

    def start_run(self) -> Run:
        """A run from here to ``target_epochs`` (a block further once reached), RUNNING.

        Call it with finite weights and after ``go_back_if_diverged``.
        """
        self.safe.offer(self.net.params, self.epoch)
        if self.epoch >= self.target_epochs:
            self.target_epochs = self.epoch + self.config.epochs
        self._run_id += 1
        self._run = Run(
            run_id=self._run_id,
            config=self.config,
            net=self.net,
            X=self.X,
            y=self.y,
            history=self.history,
            safe=self.safe,
            start_epoch=self.epoch,
            epochs=self.target_epochs - self.epoch,
            pace=self.pace if self.paced else None,
            started_at=time.perf_counter(),
        )
        self.phase = Phase.RUNNING
        return self._run

    def advance(
        self, run: Run, cancelled: Callable[[], bool], *, report_after: float = math.inf
    ) -> Chunk:
        """Take up to EPOCHS_PER_LOCK epochs of ``run`` (or LOCK_SECONDS) in one lock hold.

        ``cancelled`` is asked before every epoch inside the lock, so a ``stop`` (which waits
        for the lock) is exact and waits at most one short batch; per-epoch locking would cost
        ~7 % of a small net's speed. Once the clock passes ``report_after`` (and the run goes
        on) the chunk says ``report`` and the weights of that moment are offered as safe ones.
        The engine's ``train`` is called on the first chunk (its errors raise here, in the
        worker). A paced run takes no epoch ahead of its pace; a chunk that stops early for it
        says how long to ``wait``.
        """
        if run._steps is None:
            run._steps = train_with(
                run.config,
                run.net,
                run.X,
                run.y,
                epochs=run.epochs,
                start_epoch=run.start_epoch,
            )
        steps, append, clock = run._steps, run.history.append, time.perf_counter
        step, stopped, detail, wait = run.last, None, None, 0.0
        budget = EPOCHS_PER_LOCK
        if run.pace is not None:  # epochs due by now, counted from the run's start
            due = run.start_epoch + 1 + int(run.pace * (clock() - run.started_at))
            budget = min(budget, due - len(run.history))
            if budget <= 0:
                wait = (len(run.history) - run.start_epoch) / run.pace - (clock() - run.started_at)
                wait = min(max(wait, 0.001), 0.1)
        with self.lock:
            held = clock()
            if budget <= 0 and cancelled():
                stopped = "cancelled"
            for _ in range(max(budget, 0)):
                if cancelled():
                    stopped = "cancelled"
                    break
                step = next(steps, None)
                if step is None:
                    stopped = "finished"
                    break
                append(step.loss)
                if step.diverged:
                    stopped, detail = "diverged", step.message
                    break
                if clock() - held >= LOCK_SECONDS:
                    break
            now = clock()
            report = stopped is None and step is not None and now >= report_after
            run.safe.settle(run.history)  # keep a copy of weights fit to go back to
            if report:
                run.safe.offer(run.net.params, len(run.history))
        run.last = step
        return Chunk(step, stopped, detail, report, now, wait)

    def stop(self) -> None:
        """Stop the run: once this returns, the net and the history no longer change.

        The worker's ``cancelled`` must already say True: this waits for the lock, inside
        which the worker checks it before every epoch. (Taking the lock first could wait long:
        a busy worker re-takes a released lock before the waiter wakes up.)
        """
        with self.lock:
            pass
        self._run = None
        if self.phase is Phase.RUNNING:
            self.phase = Phase.IDLE

    def end_run(self, run_id: int, reason: str, detail: str | None, epoch: int) -> bool:
        """The worker of ``run_id`` left: "finished", "diverged" (``detail``: the engine's
        message) or "error" (paused). False, changing nothing, if that run was already
        stopped."""
        if run_id != self.current_run_id:
            return False
        self._run = None
        if reason == "diverged":
            self._diverge(epoch, detail)
        else:
            self.phase = Phase.FINISHED if reason == "finished" else Phase.IDLE
        return True

    # ---------------------------------------------------------- after a divergence
    def _diverge(self, epoch: int, detail: str | None) -> None:
        what = (detail or "").split(" Try a smaller")[0] or (
            f"Training diverged at epoch {epoch}: the loss became infinite or NaN."
        )
        found = re.match(r"Training diverged at epoch \d+: (.*?)\. ", what + " ")
        reason = found.group(1) if found else "the loss became infinite or NaN"
        self.phase = Phase.DIVERGED
        self.divergence = Divergence(what, self.config.learning_rate, reason)

    def start_probe(self) -> Probe:
        """A probe for the largest rate, at most a tenth of the one that diverged, that trains
        from the safe weights with the current batch setting. Run it anywhere, then hand its
        answer to ``probe_done``; a newer probe, a reset or going back makes it stale."""
        assert self.divergence is not None, "only after a divergence"
        self._probe = Probe(
            config=self.config,
            net=self.net.copy(),
            params=self.safe.params.copy(),
            start_epoch=self.safe.epoch,
            X=self.X,
            y=self.y,
            limit=self.divergence.learning_rate / 10 * (1 + 1e-9),  # a tenth, tolerance as rates
        )
        self.suggested_rate = None
        return self._probe

    def probe_done(self, probe: Probe, rate: float | None) -> bool:
        """Take ``probe``'s answer; False (ignored) when it is stale."""
        if probe is not self._probe or self.phase is not Phase.DIVERGED:
            return False
        self._probe = None
        self.suggested_rate = rate
        return True

    def go_back_if_diverged(self) -> bool:
        """After a divergence: put the safe weights back, cut the history to their epoch."""
        if self.phase is not Phase.DIVERGED:
            return False
        safe = self.safe
        with self.lock:
            self.net.params[:] = safe.params
            self.history = self.history.cut(safe.epoch)
            self.safe = SafeWeights(safe.params, safe.epoch)
        self.phase = Phase.IDLE
        self.divergence = None
        self._probe = None
        return True

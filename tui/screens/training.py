"""The training view: watch the notes' network learn, with a live loss curve and its values.

Training runs in a thread worker that loops over the engine's ``train`` iterator. The worker
never touches a widget: every 0.1 s at most it posts a ``TrainingProgressed`` (which collapses
with older ones still queued) carrying the loss history so far and snapshots of the diagram and
data-view values it computed itself. The UI therefore redraws about ten times a second whatever
the training speed (the loss plot, the dearest widget, every PLOT_INTERVAL = 0.2 s of those).

After posting, the worker stands aside (waits on an event, at most DRAW_WAIT) while the screen
builds the new drawing, so the UI's burst of work does not fight the worker for the GIL: with
one GIL, every UI wake-up during training forces a hand-over, and on a busy machine each
hand-over stalls the worker until the OS schedules the UI thread. bench/training_ui.py measures
the effect (bench/README.md).

Epochs are taken under a lock (a few per hold), and the worker checks for cancellation before
every epoch inside that lock, so after ``_stop_run`` returns no further epoch can happen: pause,
a changed control or leaving the view takes effect at once (milliseconds), and the UI can read
(or single-step) the net without a race.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from bptutor.engine.nn.datasets import DATASET_NAMES, load_dataset
from bptutor.engine.nn.training import MAX_LEARNING_RATE, TrainConfig, train
from bptutor.tui.widgets.fit_plot import DataView, DataViewValues, data_view_values
from bptutor.tui.widgets.loss_plot import LossPlot
from bptutor.tui.widgets.network_diagram import DiagramValues, NetworkDiagram, diagram_values
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, get_current_worker

__all__ = [
    "ACTIVATION_CYCLE",
    "HIDDEN_RANGE",
    "LEARNING_RATES",
    "PLAYGROUND_EPOCHS",
    "POST_INTERVAL",
    "TRAINING_KEYS",
    "LossHistory",
    "TrainingProgressed",
    "TrainingScreen",
    "TrainingStopped",
]

ACTIVATION_CYCLE = ("sigmoid", "tanh", "relu")
HIDDEN_RANGE = (1, 64)
# a 1-2-5 ladder, like a plotter's ranges: easy to read, factor ~2.5 per press
LEARNING_RATES: tuple[float, ...] = tuple(
    rate
    for rate in (
        round(mantissa * 10.0**exponent, 12) for exponent in range(-4, 4) for mantissa in (1, 2, 5)
    )
    if rate <= MAX_LEARNING_RATE  # the engine refuses larger rates
)
POST_INTERVAL = 0.1
"""Seconds between progress messages from the worker: the UI redraws ~10 times a second."""
PLAYGROUND_EPOCHS = 1_000_000
"""The playground's run length: the history costs 8 bytes an epoch, so a run left alone stops
after this many (space continues for as many again)."""
PLOT_INTERVAL = 0.2
"""Seconds between loss-plot redraws while training runs (the status follows every post)."""
DRAW_WAIT = 0.03
"""Longest the worker waits, after posting progress, for the screen to have drawn it."""
PROBE_EPOCHS = 200
"""After a divergence, each smaller learning rate is tried for this many epochs (on a copy)."""
PROBE_SECONDS = 1.0
"""Longest the screen spends trying learning rates after a divergence."""
NOTICE_TIMEOUT = 3.0
"""Seconds a notice of the view (e.g. the end of the learning-rate range) stays up."""
EPOCHS_PER_LOCK = 32
LOCK_SECONDS = 0.004  # a slow epoch (big net, mini-batches) ends the batch early


class LossHistory:
    """Append-only loss per epoch, shared by the worker (writer) and the UI (reader).

    ``view()`` returns a numpy view of the filled part. Entries already written are never
    rewritten (growing allocates a new buffer), so a view handed to the UI stays valid and
    unchanged while the worker keeps appending.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._buf = np.empty(max(16, capacity))
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, value: float) -> None:
        if self._n == self._buf.shape[0]:
            grown = np.empty(2 * self._buf.shape[0])
            grown[: self._n] = self._buf
            self._buf = grown
        self._buf[self._n] = value
        self._n += 1

    def view(self) -> np.ndarray:
        out = self._buf[: self._n]
        out.flags.writeable = False
        return out

    def last(self) -> float | None:
        return float(self._buf[self._n - 1]) if self._n else None

    @classmethod
    def from_values(cls, values: np.ndarray) -> LossHistory:
        """A new history holding a copy of ``values`` (e.g. the start of an older one)."""
        history = cls(max(1024, 2 * len(values)))
        history._buf[: len(values)] = values
        history._n = len(values)
        return history


def probe_rate(
    *,
    net: Any,
    params: np.ndarray,
    epoch: int,
    X: np.ndarray,
    y: np.ndarray,
    limit: float,
    batch_size: int | None,
    seed: int,
) -> float | None:
    """The largest rate of the keys, at most `limit`, that trains from `params`: PROBE_EPOCHS
    epochs on `net` (a copy), exactly as the run going on from there would (same seed and
    start epoch), without diverging and ending no higher than it started. None when none
    does within PROBE_SECONDS. Runs in a worker thread: touches nothing of the screen."""
    deadline = time.perf_counter() + PROBE_SECONDS
    for rate in sorted((r for r in LEARNING_RATES if r <= limit), reverse=True):
        net.params[:] = params
        first = last = math.nan
        ok = True
        for step in train(
            net,
            X,
            y,
            learning_rate=rate,
            epochs=PROBE_EPOCHS,
            batch_size=batch_size,
            seed=seed,
            start_epoch=epoch,
        ):
            if step.diverged:
                ok = False
                break
            if math.isnan(first):
                first = step.loss
            last = step.loss
            if time.perf_counter() > deadline:
                break
        if ok and last <= first:
            return rate
        if time.perf_counter() > deadline:
            return None
    return None


class _SafeWeights:
    """The last weights known to be fit to go on from, kept for after a divergence.

    A divergence leaves the last *finite* weights, but those are often ~1e28 already (a
    mini-batch epoch can blow them up before the engine sees it): no learning rate recovers
    from there. So a copy is kept of the latest weights whose loss was at most twice the best
    loss this network has had (its initial weights count). Copies are offered every progress
    post (``offer``: the weights after ``epoch`` epochs); their loss becomes known one epoch
    later, as ``history[epoch]``, and ``settle`` then keeps or drops them. Worker-side calls
    happen under the screen's lock.
    """

    def __init__(self, params: np.ndarray, epoch: int) -> None:
        self.params = np.array(params, dtype=float)
        self.epoch = epoch
        self._pending = np.empty_like(self.params)
        self._pending_epoch: int | None = None
        self._best = math.inf
        self._seen = 0  # history entries already folded into _best

    def offer(self, params: np.ndarray, epoch: int) -> None:
        np.copyto(self._pending, params)
        self._pending_epoch = epoch

    def settle(self, history: np.ndarray) -> None:
        n = len(history)
        if n > self._seen:
            new = history[self._seen :]
            finite = new[np.isfinite(new)]
            if finite.size:
                self._best = min(self._best, float(finite.min()))
            self._seen = n
        k = self._pending_epoch
        if k is not None and k < n:
            loss = float(history[k])
            if math.isfinite(loss) and loss <= 2 * self._best + 1e-12:
                self.params, self._pending = self._pending, self.params
                self.epoch = k
            self._pending_epoch = None


class TrainingProgressed(Message, bubble=False):
    """The worker's latest state; a newer one replaces any still waiting in the queue.

    It does not bubble: ten a second are for the screen alone, not for the app too.
    """

    def __init__(
        self,
        run_id: int,
        epoch: int,
        loss: float,
        grad_norm: float,
        epochs_per_second: float,
        history: np.ndarray,
        diagram: DiagramValues | None,
        data_view: DataViewValues | None,
        drawn: threading.Event | None = None,
    ) -> None:
        super().__init__()
        self.drawn = drawn
        """Set by the screen once this state is on screen (the worker waits for it)."""
        self.run_id = run_id
        self.epoch = epoch
        self.loss = loss
        self.grad_norm = grad_norm
        self.epochs_per_second = epochs_per_second
        self.history = history
        self.diagram = diagram
        self.data_view = data_view

    def can_replace(self, message: Message) -> bool:
        # called on the older message with the newer pending one: the UI only needs the latest
        return isinstance(message, TrainingProgressed) and message.run_id == self.run_id


class TrainingStopped(Message):
    """The worker left its loop: ``reason`` is "finished", "diverged" or "error"."""

    def __init__(self, run_id: int, reason: str, detail: str | None, epoch: int) -> None:
        super().__init__()
        self.run_id = run_id
        self.reason = reason
        self.detail = detail
        self.epoch = epoch


@dataclass(frozen=True)
class _Run:
    """Everything one worker run needs, fixed when it starts."""

    run_id: int
    net: Any
    X: np.ndarray
    y: np.ndarray
    learning_rate: float
    batch_size: int | None
    seed: int
    start_epoch: int
    epochs: int
    history: LossHistory
    lock: threading.Lock
    safe: _SafeWeights
    drawn: threading.Event = dataclasses.field(default_factory=threading.Event)


def _format_count(n: float) -> str:
    return f"{n:,.0f}"


def _format_loss(loss: float | None) -> str:
    if loss is None:
        return "–"
    if not math.isfinite(loss):
        return "NaN" if math.isnan(loss) else "inf"
    return f"{loss:.4g}"


def _format_lr(lr: float) -> str:
    return f"{lr:g}"


_LR_GROUP = Binding.Group("lr", compact=True)
_HIDDEN_GROUP = Binding.Group("m ", compact=True)


class TrainingScreen(Screen[None]):
    """Train the network of the lessons (or a free playground) and watch it learn."""

    DEFAULT_CSS = """
    TrainingScreen {
        layout: vertical;
    }
    TrainingScreen #training-config {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    TrainingScreen #training-status {
        height: 1;
        padding: 0 1;
    }
    TrainingScreen #training-message {
        height: auto;
        padding: 0 1;
        color: $text-error;
        text-style: bold;
    }
    TrainingScreen #training-message.-empty {
        display: none;
    }
    TrainingScreen #training-top {
        height: 1fr;
        min-height: 8;
    }
    TrainingScreen #training-data {
        width: 38%;
        min-width: 22;
        margin-left: 1;
    }
    TrainingScreen #training-data.-none {
        display: none;
    }
    TrainingScreen #training-diagram {
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # short descriptions: all the shown ones fit one 80-column footer; the tooltip is the
        # long form (TRAINING_KEYS, the app's help). `e` is hinted in the diagram's title.
        Binding("space", "toggle_run", "run", id="training.toggle_run", tooltip="run / pause"),
        Binding("s", "step", "step", id="training.step", tooltip="train one epoch"),
        Binding(
            "r",
            "reset",
            "reset",
            id="training.reset",
            tooltip="back to the initial weights, epoch 0",
        ),
        Binding(
            "plus",
            "lr_up",
            "lr",
            id="training.lr_up",
            group=_LR_GROUP,
            tooltip="larger learning rate",
        ),
        Binding(
            "minus",
            "lr_down",
            "lr",
            id="training.lr_down",
            group=_LR_GROUP,
            tooltip="smaller learning rate",
        ),
        Binding(
            "equals_sign",
            "lr_up",
            "lr up",
            id="training.lr_up_alt",
            show=False,
            tooltip="larger learning rate",
        ),
        Binding(
            "m",
            "hidden_down",
            "m",
            id="training.hidden_down",
            group=_HIDDEN_GROUP,
            tooltip="fewer hidden units",
        ),
        Binding(
            "M",
            "hidden_up",
            "m",
            id="training.hidden_up",
            group=_HIDDEN_GROUP,
            tooltip="more hidden units",
        ),
        Binding(
            "a",
            "cycle_activation",
            "act",
            id="training.activation",
            tooltip="next activation (sigmoid, tanh, relu)",
        ),
        Binding("d", "cycle_dataset", "data", id="training.dataset", tooltip="next data set"),
        Binding(
            "b", "toggle_batch", "batch", id="training.batch", tooltip="full batch / mini-batch"
        ),
        Binding("l", "toggle_log", "log", id="training.log_scale", tooltip="log-scale loss"),
        Binding(
            "v",
            "toggle_backward",
            "grad",
            id="training.backward",
            tooltip="diagram: forward values / errors and gradients",
        ),
        Binding(
            "e",
            "next_example",
            "next example",
            id="training.example",
            show=False,
            tooltip="diagram: next example",
        ),
        Binding("escape", "leave", "back", id="training.leave", tooltip="leave the view"),
    ]

    running: reactive[bool] = reactive(False, bindings=True)

    def __init__(
        self,
        config: TrainConfig | None = None,
        *,
        autostart: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.playground = config is None
        self.autostart = autostart
        self.config: TrainConfig = config if config is not None else TrainConfig()
        self.dataset_name: str = self.config.dataset
        self.hidden: int = int(self.config.hidden)
        self.activation: str = self.config.activation
        self.learning_rate: float = float(self.config.learning_rate)
        self.seed: int = int(self.config.seed)
        self._configured_batch = self.config.batch_size
        self.batch_size: int | None = self.config.batch_size
        # a lesson's train step runs `epochs` at a time, the playground PLAYGROUND_EPOCHS
        self._block = PLAYGROUND_EPOCHS if self.playground else int(self.config.epochs)
        self.target_epochs = self._block
        self._lock = threading.Lock()
        self._drawn = threading.Event()
        self._plot_drawn_at = 0.0
        self._worker: Worker[None] | None = None
        self._run_id = 0
        self._active_run: int | None = None
        self._example = 0
        self._grid_shape = (24, 10)
        self._epochs_per_second = 0.0
        self._message = ""
        self._notice: tuple[str, float] | None = None  # (text, when it goes away)
        self.diverged = False
        self.finished = False
        self._ready = False  # widgets exist (set in on_mount)
        self._shown_epoch = 0
        self._shown_loss: float | None = None
        self._load_data()
        self._new_network()

    # ------------------------------------------------------------------------- state
    def _load_data(self) -> None:
        ds = load_dataset(self.dataset_name, seed=self.seed)
        self.dataset = ds
        self.X = np.asarray(ds.X, dtype=float)
        y = np.asarray(ds.y, dtype=float)
        self.y = y.reshape(len(self.X), -1)
        self._example %= len(self.X)

    def _new_network(self) -> None:
        """Fresh initial weights from the seed, and an empty history."""
        cfg = dataclasses.replace(
            self.config,
            dataset=self.dataset_name,
            hidden=self.hidden,
            activation=self.activation,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            seed=self.seed,
        )
        self.net = cfg.make_network(self.X.shape[1], self.y.shape[1])
        self.history = LossHistory()
        self.diverged = False
        self.finished = False
        self._safe = _SafeWeights(self.net.params, 0)
        self._divergence: tuple[str, float] | None = None  # (what happened, the lr then)
        self._suggested: float | None = None
        self._probe_token: object | None = None  # the probe whose answer is still wanted
        self._set_message("")  # a divergence (or error) message is about the old weights
        self._epochs_per_second = 0.0
        self.target_epochs = self._block

    @property
    def epoch(self) -> int:
        """Epochs trained so far on the current network."""
        return len(self.history)

    # ------------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static(id="training-config", markup=False)
        yield Static(id="training-status", markup=False)
        yield Static(id="training-message", classes="-empty", markup=False)
        with Horizontal(id="training-top"):
            yield LossPlot(id="training-loss")
            yield DataView(id="training-data")
        yield NetworkDiagram(id="training-diagram")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._plot = self.query_one(LossPlot)
        self._diagram = self.query_one(NetworkDiagram)
        self._data_view = self.query_one(DataView)
        self._ready = True
        self._set_message(self._message)
        self._show_current()
        if self.autostart:
            self.call_after_refresh(self._start_run)

    def on_resize(self) -> None:
        self._grid_shape = self.query_one(DataView).grid_shape()

    def on_unmount(self) -> None:
        self._stop_run()
        self._ready = False

    # ------------------------------------------------------------------ the worker
    def _weights_usable(self) -> bool:
        """False (and says so) when a divergence left NaN/inf weights: only a reset helps."""
        if np.all(np.isfinite(self.net.params)):
            return True
        self._set_message(
            "The weights are no longer finite numbers after the divergence: press r to draw "
            "new ones (and - for a smaller rate)."
        )
        return False

    def _start_run(self) -> None:
        if self.running:
            return
        self._go_back_if_diverged()
        if not self._weights_usable():
            return
        self._safe.offer(self.net.params, self.epoch)
        if self.epoch >= self.target_epochs:
            self.target_epochs = self.epoch + self._block
        epochs = self.target_epochs - self.epoch
        self._run_id += 1
        run = _Run(
            run_id=self._run_id,
            net=self.net,
            X=self.X,
            y=self.y,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            seed=self.seed,
            start_epoch=self.epoch,
            epochs=epochs,
            history=self.history,
            lock=self._lock,
            safe=self._safe,
        )
        self._active_run = run.run_id
        self._drawn = run.drawn
        self.finished = False
        self.running = True
        self._grid_shape = self.query_one(DataView).grid_shape()
        self._worker = self._train_in_thread(run)
        self._update_status()

    def _stop_run(self) -> None:
        """Stop the worker; once this returns, the net and the history no longer change."""
        worker = self._worker
        if worker is not None:
            # Flag first, then wait for the lock: the worker checks the flag before every epoch
            # inside that lock, so once we hold it no epoch can follow. (Taking the lock first
            # could wait long: a busy worker re-takes a released lock before we wake up.)
            worker.cancel()
            self._drawn.set()  # a worker waiting for a redraw wakes up and sees the flag
            with self._lock:
                pass
        self._worker = None
        self._active_run = None
        self.running = False

    @work(thread=True, exclusive=True, exit_on_error=False, group="training", name="training")
    def _train_in_thread(self, run: _Run) -> None:
        """Loop over the engine's iterator; post the latest state at most every 0.1 s."""
        worker = get_current_worker()
        steps = iter(())
        reason, detail = "finished", None
        clock = time.perf_counter
        last_post = clock()
        last_epoch = run.start_epoch
        lock, append, step = run.lock, run.history.append, None
        try:
            steps = train(
                run.net,
                run.X,
                run.y,
                learning_rate=run.learning_rate,
                epochs=run.epochs,
                batch_size=run.batch_size,
                seed=run.seed,
                start_epoch=run.start_epoch,
            )
            stop = False
            while not stop:
                # Up to EPOCHS_PER_LOCK epochs (or LOCK_SECONDS) per lock hold: per-epoch lock
                # and clock overhead cost ~7 % of a small net's speed. Cancellation is still
                # checked before every epoch, inside the lock, so a pause stays exact and waits
                # for at most one short batch.
                with lock:
                    held = clock()
                    for _ in range(EPOCHS_PER_LOCK):
                        if worker.is_cancelled:
                            reason, stop = "cancelled", True
                            break
                        step = next(steps, None)
                        if step is None:
                            stop = True
                            break
                        append(step.loss)
                        if step.diverged:
                            reason, detail, stop = "diverged", step.message, True
                            break
                        if clock() - held >= LOCK_SECONDS:
                            break
                    now = clock()
                    post = not stop and step is not None and now - last_post >= POST_INTERVAL
                    if post or stop:  # keep a copy of weights fit to go back to
                        run.safe.settle(run.history.view())
                        if post:
                            run.safe.offer(run.net.params, len(run.history))
                if post:
                    assert step is not None
                    rate = (step.epoch - last_epoch) / (now - last_post)
                    diagram, data = self._snapshots(run.net, run.X, run.y)
                    run.drawn.clear()
                    self.post_message(
                        TrainingProgressed(
                            run.run_id,
                            step.epoch,
                            step.loss,
                            step.grad_norm,
                            rate,
                            run.history.view(),
                            diagram,
                            data,
                            run.drawn,
                        )
                    )
                    last_post, last_epoch = now, step.epoch
                    # Step aside until the screen has drawn this (at most DRAW_WAIT): the UI
                    # then runs its whole update without fighting for the GIL. Otherwise every
                    # one of its wake-ups forces a GIL hand-over, and on a busy machine each
                    # hand-over stalls training until the OS schedules the UI thread.
                    if DRAW_WAIT > 0:
                        run.drawn.wait(DRAW_WAIT)
                    else:
                        time.sleep(0)
        except Exception as exc:  # shown to the learner, never a traceback
            reason, detail = "error", f"{type(exc).__name__}: {exc}"
        finally:
            close = getattr(steps, "close", None)
            if close is not None:
                close()
            if reason != "cancelled":
                self.post_message(TrainingStopped(run.run_id, reason, detail, len(run.history)))

    def _snapshots(
        self, net: Any, X: np.ndarray, y: np.ndarray
    ) -> tuple[DiagramValues | None, DataViewValues | None]:
        """Diagram and data-view values (plain numpy: called from the worker too)."""
        try:
            diagram = diagram_values(net, X, y, self._example)
        except Exception:  # a broken snapshot must not stop training
            diagram = None
        try:
            data = data_view_values(net, X, y, self._grid_shape)
        except Exception:
            data = None
        return diagram, data

    # ------------------------------------------------------------- messages from it
    @on(TrainingProgressed)
    def _on_progress(self, message: TrainingProgressed) -> None:
        if message.run_id != self._active_run:
            if message.drawn is not None:
                message.drawn.set()
            return  # from a run already stopped: the UI has moved on
        self._epochs_per_second = message.epochs_per_second
        self._show(message.history, message.diagram, message.data_view, live=True)
        # the costly part of the redraw (plotext, text to strips) now, while the worker waits
        for widget in (self._plot, self._diagram, self._data_view):
            widget.prepare()
        if message.drawn is not None:  # the worker resumes (it waits DRAW_WAIT at most)
            message.drawn.set()

    @on(TrainingStopped)
    def _on_stopped(self, message: TrainingStopped) -> None:
        if message.run_id != self._active_run:
            return
        self._worker = None
        self._active_run = None
        self.running = False
        if message.reason == "diverged":
            self._diverged(message.epoch, message.detail)
        elif message.reason == "error":
            self._set_message(f"Training stopped: {message.detail}")
        else:
            self.finished = True
        self._show_current()

    def _diverged(self, epoch: int, detail: str | None) -> None:
        """Say what happened, and which smaller learning rate trains from the safe weights."""
        self.diverged = True
        what = (detail or "").split(" Try a smaller")[0] or (
            f"Training diverged at epoch {epoch}: the loss became infinite or NaN."
        )
        self._divergence = (what, self.learning_rate)
        self._start_probe()

    def _start_probe(self) -> None:
        """Work out, off the UI thread, which smaller rate trains from the safe weights.

        The message says so meanwhile; the answer lands in ``_probe_done`` unless the learner
        has moved on (reset, another data set, ...), which makes the probe's token stale.
        """
        assert self._divergence is not None
        token = self._probe_token = object()
        self._suggested = None
        self._set_message(f"{self._divergence[0]} Looking for a learning rate that trains…")
        safe = self._safe
        job = dict(
            net=self.net.copy(),
            params=safe.params.copy(),
            epoch=safe.epoch,
            X=self.X,
            y=self.y,
            limit=self._divergence[1] / 10 * (1 + 1e-9),
            batch_size=self.batch_size,
            seed=self.seed,
        )

        def probe() -> None:
            rate = probe_rate(**job)
            self.app.call_from_thread(self._probe_done, token, rate)

        self.run_worker(probe, thread=True, exit_on_error=False, group="probe", name="probe")

    def _probe_done(self, token: object, rate: float | None) -> None:
        if token is not self._probe_token or not self.diverged or self._divergence is None:
            return  # the learner moved on while the probe ran
        if not self.is_attached:
            return  # the view was left meanwhile
        self._probe_token = None
        self._suggested = rate
        self._show_advice()

    def _show_advice(self) -> None:
        """The divergence message, with the presses from the current rate to the suggested."""
        if not self.diverged or self._divergence is None:
            return
        if self._probe_token is not None:
            return  # still looking: "Looking for a learning rate…" stays up
        what = self._divergence[0]
        k = self._safe.epoch
        back = f"the weights of epoch {k:,}" if k else "the initial weights"
        rate, lr = self._suggested, self.learning_rate
        if rate is None:
            self._set_message(
                f"{what} No smaller learning rate trained from {back} without diverging: "
                f"press r to start again, or try another activation (a)."
            )
            return
        if math.isclose(rate, lr):
            press = "Press space"
        else:
            key = "-" if rate < lr else "+"
            up, down = 1 + 1e-9, 1 - 1e-9
            if key == "-":  # each press goes to the next ladder rate below (see _set_lr)
                presses = sum(1 for r in LEARNING_RATES if rate * down <= r < lr * down)
            else:
                presses = sum(1 for r in LEARNING_RATES if lr * up < r <= rate * up)
            how = "once" if presses == 1 else f"{presses} times"
            press = f"Press {key} {how} for lr {_format_lr(rate)}, then space"
        self._set_message(
            f"{what} {press} to go on from {back}, from before the blow-up: lr "
            f"{_format_lr(rate)}, smaller than {_format_lr(self._divergence[1])}, trains from "
            f"there. Or press r to start again."
        )

    def _go_back_if_diverged(self) -> None:
        """After a divergence, put back the safe weights (and cut the history to them)."""
        if not self.diverged:
            return
        safe = self._safe
        with self._lock:
            self.net.params[:] = safe.params
            self.history = LossHistory.from_values(self.history.view()[: safe.epoch])
            self._safe = _SafeWeights(safe.params, safe.epoch)
        self.diverged = False
        self._divergence = None
        self._set_message("")

    # ---------------------------------------------------------------------- drawing
    def _set_message(self, text: str) -> None:
        self._message = text
        if not self._ready:
            return
        widget = self.query_one("#training-message", Static)
        widget.update(text)
        widget.set_class(not text, "-empty")

    def _notify_once(self, text: str) -> None:
        """A short notice, not repeated while the same one is still up (held-down keys)."""
        now = time.monotonic()
        if self._notice is not None and self._notice[0] == text and now < self._notice[1]:
            return
        self._notice = (text, now + NOTICE_TIMEOUT)
        self.notify(text, timeout=NOTICE_TIMEOUT, markup=False)

    def _show_current(self) -> None:
        """Redraw from the screen's own state (only while no worker runs)."""
        if not self._ready:
            return
        with self._lock:
            diagram, data = self._snapshots(self.net, self.X, self.y)
            history = self.history.view()
        self._show(history, diagram, data)

    def _show(
        self,
        history: np.ndarray,
        diagram: DiagramValues | None,
        data: DataViewValues | None,
        *,
        live: bool = False,
    ) -> None:
        """Put this state on screen; ``live`` (a running worker's progress) may skip the plot.

        While training runs the loss plot is redrawn at most every PLOT_INTERVAL: it is the
        dearest widget (plotext) and a curve moving 5 times a second looks just as live. The
        status line and the diagram still follow every progress message; a pause or the end
        of a run always draws the plot.
        """
        self._shown_epoch = len(history)
        self._shown_loss = float(history[-1]) if len(history) else None
        now = time.perf_counter()
        plot_due = not live or now - self._plot_drawn_at >= PLOT_INTERVAL
        if plot_due:
            self._plot_drawn_at = now
            self._plot.set_history(history)
        self._diagram.set_values(diagram)
        view = self._data_view
        view.set_class(data is None or data.kind == "none", "-none")
        if plot_due or data is None or data.kind != "fit":  # a fit is plotext too: same pace
            view.set_values(data)
        self._update_status()

    def _update_status(self) -> None:
        if not self._ready:
            return
        net = self.net
        shape = f"{net.n_inputs}-{net.n_hidden}-{net.n_outputs}"
        batch = "full batch" if self.batch_size is None else f"mini-batch {self.batch_size}"
        origin = " · playground" if self.playground else ""
        config = (
            f"{self.dataset_name} · {shape} {self.activation} · lr {_format_lr(self.learning_rate)}"
            f" · {batch} · seed {self.seed}{origin}"
        )
        if config != getattr(self, "_config_text", None):  # unchanged: no repaint
            self._config_text = config
            self.query_one("#training-config", Static).update(config, layout=False)
        epoch, loss = self._shown_epoch, self._shown_loss
        if self.running:
            state = f"running · {_format_count(self._epochs_per_second)} epochs/s"
        elif self.diverged:
            state = "diverged"
        elif self.finished:
            state = "finished · space continues"
        else:
            state = "paused · space runs"
        target = f"/{self.target_epochs:,}"
        self.query_one("#training-status", Static).update(
            f"epoch {epoch:,}{target} · loss {_format_loss(loss)} · {state}",
            layout=False,
        )

    # ---------------------------------------------------------------------- actions
    def _restart_after(self, change: Any, *, reset: bool) -> None:
        """Apply a control change: stop, change, (reset), redraw, run again if it ran."""
        was_running = self.running
        self._stop_run()
        change()
        if reset:
            self._new_network()
        self._show_current()
        if was_running:
            self._start_run()

    def action_toggle_run(self) -> None:
        if self.running:
            self._stop_run()
            self._show_current()
        else:
            self._set_message("")
            self._start_run()

    def action_step(self) -> None:
        """Exactly one epoch (pauses first if running)."""
        if self.running:
            self._stop_run()
        self._go_back_if_diverged()
        if not self._weights_usable():
            return
        with self._lock:
            self._safe.offer(self.net.params, self.epoch)
            steps = train(
                self.net,
                self.X,
                self.y,
                learning_rate=self.learning_rate,
                epochs=1,
                batch_size=self.batch_size,
                seed=self.seed,
                start_epoch=self.epoch,
            )
            step = next(steps, None)
            steps.close()
            if step is not None:
                self.history.append(step.loss)
            self._safe.settle(self.history.view())
        self._epochs_per_second = 0.0
        if step is not None and step.diverged:
            self._diverged(step.epoch, step.message)
        self._show_current()

    def action_reset(self) -> None:
        self._restart_after(lambda: None, reset=True)

    def _set_lr(self, up: bool) -> None:
        lr = self.learning_rate
        if up:
            new = min((r for r in LEARNING_RATES if r > lr * (1 + 1e-9)), default=lr)
        else:
            new = max((r for r in LEARNING_RATES if r < lr * (1 - 1e-9)), default=lr)
        if new == lr:
            self._notify_once(
                f"The learning rate stays at {_format_lr(lr)} (the end of the range)."
            )
            return

        def change() -> None:
            self.learning_rate = new

        self._restart_after(change, reset=False)
        self._show_advice()  # after a divergence: the presses still to go

    def action_lr_up(self) -> None:
        self._set_lr(up=True)

    def action_lr_down(self) -> None:
        self._set_lr(up=False)

    def _set_hidden(self, delta: int) -> None:
        new = min(max(self.hidden + delta, HIDDEN_RANGE[0]), HIDDEN_RANGE[1])
        if new == self.hidden:
            return

        def change() -> None:
            self.hidden = new

        self._restart_after(change, reset=True)

    def action_hidden_up(self) -> None:
        self._set_hidden(+1)

    def action_hidden_down(self) -> None:
        self._set_hidden(-1)

    def action_cycle_activation(self) -> None:
        cycle = ACTIVATION_CYCLE
        i = cycle.index(self.activation) if self.activation in cycle else -1

        def change() -> None:
            self.activation = cycle[(i + 1) % len(cycle)]

        self._restart_after(change, reset=True)

    def action_cycle_dataset(self) -> None:
        names = tuple(DATASET_NAMES)
        i = names.index(self.dataset_name) if self.dataset_name in names else -1

        def change() -> None:
            self.dataset_name = names[(i + 1) % len(names)]
            self._load_data()
            if self.batch_size is not None:  # keep mini-batches, sized for the new set
                self.batch_size = self._mini_batch_size()

        self._restart_after(change, reset=True)

    def _mini_batch_size(self) -> int:
        """The configured size, else ~10 (1 for XOR's four points), never above the set."""
        L = len(self.X)
        return min(L, self._configured_batch or max(1, min(10, L // 4)))

    def action_toggle_batch(self) -> None:
        def change() -> None:
            self.batch_size = self._mini_batch_size() if self.batch_size is None else None

        self._restart_after(change, reset=False)
        if self.diverged and self._divergence is not None:  # advice for the new batch setting
            self._start_probe()

    def action_toggle_log(self) -> None:
        plot = self.query_one(LossPlot)
        plot.log_scale = not plot.log_scale

    def action_toggle_backward(self) -> None:
        diagram = self.query_one(NetworkDiagram)
        diagram.backward = not diagram.backward

    def action_next_example(self) -> None:
        self._example = (self._example + 1) % len(self.X)
        if not self.running:
            self._show_current()

    def action_leave(self) -> None:
        self._stop_run()
        self.dismiss(None)


_KEY_NAMES = {"space": "space", "plus": "+", "minus": "-", "equals_sign": "=", "escape": "esc"}


def _training_keys() -> tuple[tuple[str, str], ...]:
    """(key label, what it does) per action of ``TrainingScreen.BINDINGS``, in their order;
    keys bound to the same action share a row ("+ / =")."""
    rows: dict[str, tuple[list[str], str]] = {}
    for binding in TrainingScreen.BINDINGS:
        assert isinstance(binding, Binding)
        label = binding.key_display or _KEY_NAMES.get(binding.key, binding.key)
        keys, _ = rows.setdefault(binding.action, ([], binding.tooltip or binding.description))
        keys.append(label)
    return tuple((" / ".join(keys), what) for keys, what in rows.values())


TRAINING_KEYS: tuple[tuple[str, str], ...] = _training_keys()
"""Every key of the training view and what it does, for the app's help screen."""

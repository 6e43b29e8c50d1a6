"""The training view: watch the notes' network learn, with a live loss curve and its values.

The screen draws a ``TrainingSession`` (``bptutor.engine.nn.session``: the network, its history,
the run's phase, the controls and the way back after a divergence) and binds the keys; the
session does the rest. Runs go in a thread worker that loops over ``session.advance`` and posts
its progress (``tui/training_worker.py``: how often, and how it stands aside while the screen
draws); the screen redraws the loss plot, the dearest widget, at most every PLOT_INTERVAL =
0.4 s of those posts (every post for a run held to its pace).

The session takes epochs under its lock and checks the worker's cancellation before every epoch
inside it, so after ``_stop_run`` returns no further epoch can happen: pause, a changed control
or leaving the view takes effect at once (milliseconds), and the UI can read (or single-step)
the net without a race.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from bptutor.engine.nn.network import Network
from bptutor.engine.nn.session import (
    ACTIVATION_CYCLE,
    LossCurve,
    Phase,
    Probe,
    Run,
    TrainingSession,
)
from bptutor.engine.nn.training import TrainConfig
from bptutor.tui.screens.help import HelpScreen
from bptutor.tui.training_worker import TrainingProgressed, TrainingStopped, report_training
from bptutor.tui.widgets.fit_plot import DataView
from bptutor.tui.widgets.gradient_bars import GradientBars
from bptutor.tui.widgets.key_labels import key_rows
from bptutor.tui.widgets.loss_plot import LossPlot
from bptutor.tui.widgets.network_diagram import NetworkDiagram
from bptutor.tui.widgets.training_snapshot import Snapshot, Views, snapshots, views
from bptutor.tui.widgets.training_text import (
    NOT_FINITE,
    advice_text,
    config_text,
    format_lr,
    network_note,
    status_text,
)
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, get_current_worker

__all__ = [
    "PLOT_INTERVAL",
    "TRAINING_KEYS",
    "TrainingProgressed",
    "TrainingScreen",
    "TrainingStopped",
    "advice_text",
    "config_text",
    "snapshots",
    "status_text",
]

PLOT_INTERVAL = 0.4
"""Seconds between loss-plot redraws while a full-speed run goes (the status follows every
post): plotext is the dearest widget, and a curve redrawn 2.5 times a second still moves."""
NOTICE_TIMEOUT = 3.0
"""Seconds a notice of the view (e.g. the end of the learning-rate range) stays up."""


_CYCLE = ", ".join(ACTIVATION_CYCLE)
_BACKWARD = "diagram: forward values / errors and gradients"


def _key(key: str, action: str, short: str, name: str, long: str, **options: Any) -> Binding:
    """A key of the view: id ``training.<name>``, ``short`` in the footer, ``long`` its tooltip."""
    return Binding(key, action, short, id=f"training.{name}", tooltip=long, **options)


TRAINING_BINDINGS: list[BindingType] = [
    # the footer shows the keys that matter most, in that order, in short clear words; it
    # fits 60 columns. All keys, with their long form (the tooltip), are in the help (?).
    _key("space", "toggle_run", "run", "toggle_run", "run / pause"),
    _key("s", "step", "step", "step", "train one epoch"),
    _key("r", "reset", "reset", "reset", "back to the initial weights, epoch 0"),
    _key("plus", "lr_up", "rate", "lr_up", "larger learning rate", key_display="+/-"),
    _key("minus", "lr_down", "rate", "lr_down", "smaller learning rate", show=False),
    _key("equals_sign", "lr_up", "lr up", "lr_up_alt", "larger learning rate", show=False),
    _key("f", "toggle_pace", "speed", "pace", "paced (a few seconds a run) / full speed"),
    _key("escape", "leave", "back", "leave", "leave the view"),
    _key("question_mark", "show_keys", "keys", "keys", "all the keys (this list)"),
    _key("d", "cycle_dataset", "data", "dataset", "next data set (a new network)", show=False),
    _key("a", "cycle_activation", "act", "activation", f"next activation ({_CYCLE})", show=False),
    _key("m", "hidden_down", "units-", "hidden_down", "fewer hidden units", show=False),
    _key("M", "hidden_up", "units+", "hidden_up", "more hidden units", show=False),
    _key("b", "toggle_batch", "batch", "batch", "full batch / mini-batch", show=False),
    _key("l", "toggle_log", "log", "log_scale", "log-scale loss", show=False),
    _key("x", "toggle_log_epochs", "log x", "log_epochs", "log-scale epochs", show=False),
    _key("v", "toggle_backward", "grad", "backward", _BACKWARD, show=False),
    _key("e", "next_example", "example", "example", "diagram: next example", show=False),
    _key("L", "next_depth", "layers", "depth", "1, 2 or 3 hidden layers", show=False),
    _key("q", "app.quit", "quit", "quit", "quit bptutor", show=False),
]
"""The view's keys (the help screen lists them from TRAINING_KEYS)."""


class TrainingScreen(Screen[None]):
    """Train the network of the lessons (or a free playground) and watch it learn."""

    DEFAULT_CSS = """
    TrainingScreen { layout: vertical; }
    TrainingScreen #training-config { height: auto; padding: 0 1; background: $panel; }
    TrainingScreen #training-status { height: auto; padding: 0 1; }
    TrainingScreen #training-message {
        height: auto; padding: 0 1; color: $text-error; text-style: bold;
    }
    TrainingScreen #training-message.-empty { display: none; }
    TrainingScreen #training-top { height: 1fr; min-height: 6; }
    TrainingScreen #training-data { width: 38%; min-width: 22; margin-left: 1; }
    TrainingScreen #training-data.-none { display: none; }
    TrainingScreen #training-diagram { padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = TRAINING_BINDINGS

    running: reactive[bool] = reactive(False, bindings=True)

    def __init__(
        self,
        config: TrainConfig | None = None,
        *,
        autostart: bool = False,
        paced: bool | None = None,
    ) -> None:
        super().__init__()
        # a lesson's train step runs `epochs` at a time, the playground (None) PLAYGROUND_EPOCHS;
        # a lesson's runs are paced by default (the playground's at full speed): f toggles it
        self.session = TrainingSession(config)
        self.session.paced = not self.session.playground if paced is None else paced
        self.autostart = autostart
        self._stop_event = threading.Event()
        self._note = ""  # said in the status line after a change that made a new network
        self._drawn = threading.Event()
        self._plot_drawn_at = 0.0
        self._worker: Worker[None] | None = None
        self._example = 0
        self._grid_shape = (24, 10)
        self._epochs_per_second = 0.0
        self._notice: tuple[str, float] | None = None  # (text, when it goes away)
        self._ready = False  # widgets exist (set in on_mount)
        self._shown_epoch = 0
        self._shown_loss: float | None = None
        self._config_text = ""
        self._status_lines = 0  # lines the status took when last shown

    @property
    def epoch(self) -> int:
        """Epochs trained so far on the session's network."""
        return self.session.epoch

    # ------------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static(id="training-config", markup=False)
        yield Static(id="training-status", markup=False)
        yield GradientBars(id="training-grads")
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
        self._grads = self.query_one(GradientBars)
        self._ready = True
        self._show_current()
        if self.autostart:
            self.call_after_refresh(self._start_run)

    def on_resize(self, event: events.Resize) -> None:
        # a low window gives the plots the rows: the diagram summarises into fewer
        if self._ready:
            self._diagram.set_max_rows(8 if event.size.height >= 24 else 6)

    @on(DataView.Resized)
    def _data_view_resized(self) -> None:
        """A decision map is computed for a grid of the view's size: again for the new one
        (while training runs, the worker's next snapshot uses it)."""
        self._grid_shape = self._data_view.grid_shape()
        if self.running or not self._ready:
            return
        session = self.session
        with session.lock:
            _, data = snapshots(session.net, session.X, session.y, self._example, self._grid_shape)
        self._data_view.set_values(data)

    def on_unmount(self) -> None:
        self._stop_run()
        self._ready = False

    # ------------------------------------------------------------------ the worker
    def _ready_to_train(self) -> bool:
        """Back to the safe weights after a divergence; False (says so) if NaN/inf are left."""
        if self.session.go_back_if_diverged():
            self._set_message("")
        if not self.session.weights_finite:
            self._set_message(NOT_FINITE)
        return self.session.weights_finite

    def _start_run(self) -> None:
        if self.running:
            return
        if not self._ready_to_train():
            return
        run = self.session.start_run()
        self._drawn = threading.Event()
        self._stop_event = threading.Event()
        self.running = True
        self._grid_shape = self.query_one(DataView).grid_shape()
        self._worker = self._train_in_thread(run, self._drawn, self._stop_event)
        self._update_status()

    def _stop_run(self) -> None:
        """Stop the worker; once this returns, the net and the history no longer change."""
        if self._worker is not None:
            # Flag first, then let the session wait for its lock (see TrainingSession.stop).
            self._worker.cancel()
            self._drawn.set()  # a worker waiting for a redraw wakes up and sees the flag
            self._stop_event.set()  # and one waiting for its pace
        self.session.stop()
        self._worker = None
        self.running = False

    @work(thread=True, exclusive=True, exit_on_error=False, group="training", name="training")
    def _train_in_thread(self, run: Run, drawn: threading.Event, stop: threading.Event) -> None:
        """The run, posting its progress (tui/training_worker.py: report_training)."""
        worker = get_current_worker()
        report_training(
            self.session,
            run,
            cancelled=lambda: worker.is_cancelled,
            views=self._views,
            post=self.post_message,
            drawn=drawn,
            stop=stop,
        )

    def _views(self, net: Network, X: np.ndarray, y: np.ndarray) -> Views:
        """What the view shows of ``net`` (the worker calls it at each post)."""
        return views(net, X, y, self._example, self._grid_shape)

    # ------------------------------------------------------------- messages from it
    @on(TrainingProgressed)
    def _on_progress(self, message: TrainingProgressed) -> None:
        if message.run_id != self.session.current_run_id:
            if message.drawn is not None:
                message.drawn.set()
            return  # from a run already stopped: the UI has moved on
        self._epochs_per_second = message.epochs_per_second
        self._grads.set_norms(message.layer_norms)
        # a paced run's posts are PACED_INTERVAL apart already: each one redraws the plot
        plot_interval = 0.0 if message.paced else PLOT_INTERVAL
        self._show(message.history, (message.diagram, message.data_view), plot_interval)
        # the costly part of the redraw (plotext, text to strips) now, while the worker waits
        for widget in (self._plot, self._diagram, self._data_view):
            widget.prepare()
        if message.drawn is not None:  # the worker resumes (it waits DRAW_WAIT at most)
            message.drawn.set()

    @on(TrainingStopped)
    def _on_stopped(self, message: TrainingStopped) -> None:
        session = self.session
        if not session.end_run(message.run_id, message.reason, message.detail, message.epoch):
            return
        self._worker = None
        self.running = False
        if session.phase is Phase.DIVERGED:
            self._start_probe()
        elif message.reason == "error":
            self._set_message(f"Training stopped: {message.detail}")
        self._show_current()

    def _start_probe(self) -> None:
        """Work out, off the UI thread, which smaller rate trains from the safe weights (the
        message says so meanwhile; the session drops a stale answer)."""
        probe = self.session.start_probe()
        self._show_advice()

        def search() -> None:
            rate = probe.run()
            self.app.call_from_thread(self._probe_done, probe, rate)

        self.run_worker(search, thread=True, exit_on_error=False, group="probe", name="probe")

    def _probe_done(self, probe: Probe, rate: float | None) -> None:
        if self.is_attached and self.session.probe_done(probe, rate):
            self._show_advice()

    def _show_advice(self) -> None:
        """The divergence message, with the presses from the current rate to the suggested."""
        text = advice_text(self.session)
        if text is not None:
            self._set_message(text)

    # ---------------------------------------------------------------------- drawing
    def _set_message(self, text: str) -> None:
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
        """Redraw from the session's own state (only while no worker runs)."""
        if not self._ready:
            return
        session = self.session
        with session.lock:
            diagram, data, norms = self._views(session.net, session.X, session.y)
            history = session.history.curve()
        self._grads.set_norms(norms)
        self._show(history, (diagram, data))

    def _show(self, history: LossCurve, snapshot: Snapshot, plot_interval: float = 0.0) -> None:
        """Put this state on screen; the loss plot, the dearest widget (plotext), only if it was
        drawn more than ``plot_interval`` seconds ago (0, as for a pause or the end of a run:
        always)."""
        self._shown_epoch = history.n
        self._shown_loss = history.last
        now = time.perf_counter()
        plot_due = now - self._plot_drawn_at >= plot_interval
        if plot_due:
            self._plot_drawn_at = now
            self._plot.set_history(history)
        diagram, data = snapshot
        self._diagram.set_values(diagram)
        view = self._data_view
        view.set_class(data is None or data.kind == "none", "-none")
        if plot_due or data is None or data.kind != "fit":  # a fit is plotext too: same pace
            view.set_values(data)
        self._update_status()

    def _update_status(self) -> None:
        if not self._ready:
            return
        config = config_text(self.session)
        if config != self._config_text:  # unchanged: no repaint
            self._config_text = config
            self.query_one("#training-config", Static).update(config, layout=False)
        status = status_text(
            self.session, self._shown_epoch, self._shown_loss, self._epochs_per_second, self._note
        )
        widget = self.query_one("#training-status", Static)
        # a new layout (the whole screen's reflow: it took ~8 % of the UI thread when the
        # status changed 10 times a second) only when the status takes another number of lines
        lines = len(Content(status).wrap(max(1, widget.content_size.width)))
        widget.update(status, layout=lines != self._status_lines)
        self._status_lines = lines

    # ---------------------------------------------------------------------- actions
    def _apply(self, change: Callable[[], Any], *, resets: bool, note: str = "") -> None:
        """Apply a control change: stop, change, redraw, run again if it ran. A change that
        ``resets`` the network also clears the message (it was about the old weights); ``note``
        says in the status line what happened (e.g. "new network: relu")."""
        was_running = self.running
        self._stop_run()
        change()
        if resets:
            self._set_message("")
            self._epochs_per_second = 0.0
        self._note = note
        self._show_current()
        if was_running:
            self._start_run()

    def _new_network(self, change: Callable[[], Any], what: str) -> None:
        """A change that makes a new network (epoch 0): the status line says so (``what``: see
        ``network_note``)."""
        self._apply(change, resets=True)
        self._note = network_note(self.session, what)
        self._update_status()

    def action_toggle_run(self) -> None:
        self._note = ""
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
        if not self._ready_to_train():
            return
        self.session.step()
        self._epochs_per_second = 0.0
        if self.session.phase is Phase.DIVERGED:
            self._start_probe()
        self._show_current()

    def action_reset(self) -> None:
        self._apply(self.session.reset, resets=True)

    def action_toggle_pace(self) -> None:
        self._apply(self.session.toggle_pace, resets=False)
        speed = "paced" if self.session.paced else "full speed"
        self._notify_once(f"Training runs {speed} (f changes it).")

    def action_show_keys(self) -> None:
        self.app.push_screen(HelpScreen())

    def _set_lr(self, up: bool) -> None:
        new = self.session.rate_after(up)
        if new is None:
            lr = format_lr(self.session.config.learning_rate)
            self._notify_once(f"The learning rate stays at {lr} (the end of the range).")
            return
        self._apply(lambda: self.session.set_learning_rate(new), resets=False)
        self._show_advice()  # after a divergence: the presses still to go

    def action_lr_up(self) -> None:
        self._set_lr(up=True)

    def action_lr_down(self) -> None:
        self._set_lr(up=False)

    def _set_hidden(self, delta: int) -> None:
        new = self.session.hidden_after(delta)
        if new is not None:
            self._new_network(lambda: self.session.set_hidden(new), "hidden")

    def action_hidden_up(self) -> None:
        self._set_hidden(+1)

    def action_hidden_down(self) -> None:
        self._set_hidden(-1)

    def action_next_depth(self) -> None:
        self._new_network(self.session.next_depth, "depth")

    def action_cycle_activation(self) -> None:
        self._new_network(self.session.next_activation, "activation")

    def action_cycle_dataset(self) -> None:
        def change() -> None:
            self.session.next_dataset()
            self._example %= len(self.session.X)

        self._new_network(change, "dataset")

    def action_toggle_batch(self) -> None:
        self._apply(self.session.toggle_batch, resets=False)
        if self.session.phase is Phase.DIVERGED:  # advice for the new batch setting
            self._start_probe()

    def action_toggle_log(self) -> None:
        self._plot.log_scale = not self._plot.log_scale

    def action_toggle_log_epochs(self) -> None:
        self._plot.log_epochs = not self._plot.log_epochs

    def action_toggle_backward(self) -> None:
        self._diagram.backward = not self._diagram.backward

    def action_next_example(self) -> None:
        self._example = (self._example + 1) % len(self.session.X)
        if not self.running:
            self._show_current()

    def action_leave(self) -> None:
        self._stop_run()
        self.dismiss(None)


TRAINING_KEYS: tuple[tuple[str, str], ...] = key_rows(TRAINING_BINDINGS)
"""Every key of the training view and what it does, for the app's help screen."""

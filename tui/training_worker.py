"""The training view's worker: a run of the session, posted to the screen as it goes.

The worker never touches a widget. Every POST_INTERVAL = 0.2 s at most it posts a
``TrainingProgressed`` (which collapses with older ones still queued) carrying the loss history
so far and what the view shows of the network (diagram, data view, gradient bars), computed
here, off the UI thread. The UI therefore redraws about five times a second whatever the
training speed; a run held to its pace (a lesson's, watched epoch by epoch) posts every
PACED_INTERVAL = 0.1 s.

After posting, the worker stands aside (waits on an event, at most DRAW_WAIT) while the screen
builds the new drawing, so the UI's burst of work does not fight the worker for the GIL: with
one GIL, every UI wake-up during training forces a hand-over, and on a busy machine each
hand-over stalls the worker until the OS schedules the UI thread. bench/training_ui.py measures
the effect (bench/README.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
from bptutor.engine.nn.network import Network
from bptutor.engine.nn.session import LossCurve, Run, TrainingSession
from bptutor.tui.widgets.fit_plot import DataViewValues
from bptutor.tui.widgets.network_diagram import DiagramValues
from bptutor.tui.widgets.training_snapshot import Views
from textual.message import Message

__all__ = [
    "DRAW_WAIT",
    "PACED_INTERVAL",
    "POST_INTERVAL",
    "TrainingProgressed",
    "TrainingStopped",
    "report_training",
]

POST_INTERVAL = 0.2
"""Seconds between progress messages from a full-speed run's worker: the status, diagram and
data view redraw 5 times a second (each redraw is UI time the worker stands aside for)."""
PACED_INTERVAL = 0.1
"""A run held to its pace (``f``) posts and redraws the plot this often: it is there to be
watched epoch by epoch, and its worker sleeps between epochs anyway, so the UI's time costs it
nothing."""
DRAW_WAIT = 0.03
"""Longest the worker waits, after posting progress, for the screen to have drawn it."""


class TrainingProgressed(Message, bubble=False):
    """The worker's latest state; a newer one replaces any still waiting in the queue.

    It does not bubble: five a second are for the screen alone, not for the app too.
    """

    def __init__(
        self,
        run_id: int,
        epoch: int,
        loss: float,
        grad_norm: float,
        epochs_per_second: float,
        history: LossCurve,
        diagram: DiagramValues | None,
        data_view: DataViewValues | None,
        drawn: threading.Event | None = None,
        layer_norms: tuple[float, ...] = (),
        *,
        paced: bool = False,
    ) -> None:
        super().__init__()
        self.layer_norms = layer_norms
        """Each weight layer's gradient norm at this epoch (the gradient bars)."""
        self.paced = paced
        """The run is held to its pace (watched epoch by epoch): redraw the plot every time."""
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


def report_training(
    session: TrainingSession,
    run: Run,
    *,
    cancelled: Callable[[], bool],
    views: Callable[[Network, np.ndarray, np.ndarray], Views],
    post: Callable[[Message], object],
    drawn: threading.Event,
    stop: threading.Event,
) -> None:
    """Loop over the session's chunks of ``run`` (in the worker thread) until it stops; post
    the latest state at most every POST_INTERVAL, or PACED_INTERVAL while the run is held to its
    pace (it sleeps, ``stop`` waking it, while ahead of its pace: a lesson's run of a few
    thousand epochs, not one so long that its pace never holds it back). Posts
    TrainingStopped at the end unless cancelled; an error is reported, never raised."""
    reason, detail = "finished", None
    last_post, last_epoch = time.perf_counter(), run.start_epoch
    held = False  # the run is held to its pace: the worker slept since the last post
    try:
        while True:
            interval = PACED_INTERVAL if held else POST_INTERVAL
            chunk = session.advance(run, cancelled, report_after=last_post + interval)
            if chunk.stopped is not None:
                reason, detail = chunk.stopped, chunk.detail
                break
            if chunk.wait > 0:
                held = True
                stop.wait(chunk.wait)
            if chunk.report and chunk.last is not None:
                step, now = chunk.last, chunk.at
                rate = (step.epoch - last_epoch) / max(now - last_post, 1e-9)
                # the bars' norms too, for the posted weights only: asking the engine for
                # them every epoch (train(layer_norms=True)) cost ~10 % of a small net's speed
                diagram, data, norms = views(run.net, run.X, run.y)
                drawn.clear()
                post(
                    TrainingProgressed(
                        run.run_id,
                        step.epoch,
                        step.loss,
                        step.grad_norm,
                        rate,
                        run.history.curve(),
                        diagram,
                        data,
                        drawn,
                        norms,
                        paced=held,
                    )
                )
                last_post, last_epoch, held = now, step.epoch, False
                # step aside until the screen has drawn this (at most DRAW_WAIT): the UI then
                # runs its whole update without fighting for the GIL (module docstring)
                if DRAW_WAIT > 0:
                    drawn.wait(DRAW_WAIT)
                else:
                    time.sleep(0)
    except Exception as exc:  # shown to the learner, never a traceback
        reason, detail = "error", f"{type(exc).__name__}: {exc}"
    finally:
        run.close()
        if reason != "cancelled":
            post(TrainingStopped(run.run_id, reason, detail, len(run.history)))

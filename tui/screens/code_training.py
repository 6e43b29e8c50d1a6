"""Training with the learner's own backward: their loss curve over the engine's, live.

A compact screen of its own (the playground's training view is another module): a header,
the two curves (`CompareLossPlot`), a status line and the outcome. The run is a
`engine.course.code_train.CodeTraining`; a thread worker calls its blocking `run`, which posts
at most ~10 progress messages a second; the learner's code runs in a warm child process, one
round trip per epoch. Leaving the screen (or quitting the app) stops the run and kills the
child. The screen is dismissed with the best outcome seen (a matched run wins), so the lesson
can mark the step solved.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

import numpy as np
from bptutor.engine.course.code_train import CodeTraining, TrainOutcome
from bptutor.engine.nn.training import TrainConfig
from bptutor.tui.widgets.compare_plot import CompareLossPlot
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

__all__ = ["CodeTrainingScreen"]

PROGRESS_SECONDS = 0.1
"""How often the worker reports (the plot redraws at most this often)."""


class CodeTrainingProgressed(Message, bubble=False):
    """The run's latest epoch; a newer one replaces one still waiting."""

    def __init__(self, run: CodeTraining) -> None:
        super().__init__()
        self.run = run

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CodeTrainingProgressed) and message.run is self.run


class CodeTrainingFinished(Message, bubble=False):
    """The worker's run ended (any way: matched, parted, failed, stopped)."""

    def __init__(self, run: CodeTraining, outcome: TrainOutcome) -> None:
        super().__init__()
        self.run = run
        self.outcome = outcome


class CodeTrainingScreen(Screen[TrainOutcome | None]):
    """Train the notes' network with `function` from the learner's file at `path`."""

    DEFAULT_CSS = """
    CodeTrainingScreen #code-train-header { height: auto; padding: 0 1; text-style: bold; }
    CodeTrainingScreen #code-train-plot { height: 1fr; min-height: 8; }
    CodeTrainingScreen #code-train-status { height: auto; max-height: 10; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="code_train.back"),
        Binding("r", "again", "Train again", id="code_train.again"),
        Binding("l", "scale", "Log/linear", id="code_train.scale"),
        Binding("q", "app.quit", "Quit", id="code_train.quit", show=False),
    ]

    def __init__(self, path: Path, config: TrainConfig, *, function: str = "backward") -> None:
        super().__init__()
        self.path = Path(path)
        self.config = config
        self.function = function
        self.run: CodeTraining | None = None
        self.outcome: TrainOutcome | None = None
        self.best: TrainOutcome | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="code-train-header", markup=False)
        yield CompareLossPlot(id="code-train-plot")
        yield Static(id="code-train-status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        c = self.config
        header = Text(f"XOR 2-{c.hidden_sizes[0]}-1, learning rate {c.learning_rate:g}, seed ")
        header.append(f"{c.seed}: ")
        header.append(f"your {self.function} ▀▄", style="bold cyan")
        header.append(" over the engine's ••")
        header.append(f"\n{self.path}", style="dim")
        self.query_one("#code-train-header", Static).update(header)
        self.start()

    def on_unmount(self) -> None:
        if self.run is not None:
            self.run.stop()  # kills the child; the worker's run returns at once

    # --------------------------------------------------------------------------- the run
    def start(self) -> None:
        """A new run from the same initial weights (the file is imported afresh)."""
        if self.run is not None:
            self.run.stop()
        try:
            run = CodeTraining(self.path, self.config, function=self.function)
        except ValueError as exc:  # a configuration the learner's backward cannot train
            self._status(Text(f"This run cannot start: {exc}"))
            return
        self.run, self.outcome = run, None
        self.query_one(CompareLossPlot).set_runs(run.history.view(), run.reference, None)
        self._status(Text("Starting your code… (the engine's run is drawn in grey)"))
        self._train(run)

    @work(thread=True, exclusive=True, exit_on_error=False, group="code-train", name="code-train")
    def _train(self, run: CodeTraining) -> None:
        last = [0.0]

        def on_epoch(epoch: int, loss: float) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_SECONDS:
                last[0] = now
                self.post_message(CodeTrainingProgressed(run))

        try:
            outcome = run.run(on_epoch)
        except Exception as exc:  # a fault of ours: say it instead of "Starting…" for ever
            run.stop()
            outcome = TrainOutcome(
                "failed", run.epoch, f"The run failed ({type(exc).__name__}: {exc})."
            )
        self.post_message(CodeTrainingFinished(run, outcome))

    def on_code_training_progressed(self, message: CodeTrainingProgressed) -> None:
        run = message.run
        if run is not self.run:
            return
        self._draw(run)
        mine = run.history.view()
        if not len(mine):
            return
        k = len(mine)
        line = Text(f"epoch {k:,} of {run.epochs:,}   ")
        line.append(f"yours {mine[-1]:.6g}", style="bold cyan")
        line.append(f"   engine's {run.reference[k - 1]:.6g}")
        if run.parted_at is not None:
            line.append(f"\nThey part at epoch {run.parted_at}.", style="bold red")
        self._status(line)

    def on_code_training_finished(self, message: CodeTrainingFinished) -> None:
        if message.run is not self.run:
            return
        outcome = message.outcome
        self.outcome = outcome
        if outcome.status == "stopped":
            return
        if self.best is None or outcome.matched or not self.best.matched:
            self.best = outcome
        self._draw(message.run)
        head = {
            "matched": ("✓ Matched. ", "bold green"),
            "parted": ("✗ They part. ", "bold red"),
            "diverged": ("✗ Diverged. ", "bold red"),
            "failed": ("? Your code could not train. ", "bold"),
        }[outcome.status]
        text = Text(head[0], style=head[1]) + Text(outcome.message)
        text.append("\nr trains again (after you edit your file) · esc goes back", style="dim")
        self._status(text)

    def _draw(self, run: CodeTraining) -> None:
        mine = run.history.view()
        self.query_one(CompareLossPlot).set_runs(mine, run.reference, run.parted_at)

    def _status(self, text: Text) -> None:
        self.query_one("#code-train-status", Static).update(text)

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    @property
    def losses(self) -> np.ndarray:
        return self.run.history.view() if self.run is not None else np.empty(0)

    # -------------------------------------------------------------------------- actions
    def action_again(self) -> None:
        self.start()

    def action_scale(self) -> None:
        self.query_one(CompareLossPlot).toggle_scale()

    def action_back(self) -> None:
        if self.run is not None:
            self.run.stop()
        self.dismiss(self.best)

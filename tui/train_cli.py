"""`bptutor train`: train the notes' network and watch the loss fall.

Without ``--plain`` it opens the training view (a tiny app around ``TrainingScreen`` that starts
at once). With ``--plain`` it prints: a progress bar on stderr while training (only when stderr
is a terminal; a few plain lines otherwise), then the final loss and a plotext loss curve sized
to the terminal. It is the quickest way to see backprop work, and easy to script.

Exit codes: 0 trained, 1 diverged, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import select
import shutil
import sys
import time
from typing import Any, TextIO

import numpy as np
from bptutor.engine.nn.session import LossHistory, data_arrays, train_with
from bptutor.engine.nn.training import Epoch, TrainConfig, divergence_reason
from bptutor.tui.cli import TRAIN_OPTIONS, TrainDefault

__all__ = ["divergence_advice", "main", "make_app", "run_plain", "validate"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FLAGS = {field: flag for field, flag, *_ in TRAIN_OPTIONS}


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The TrainConfig fields set on the command line (the others keep TrainConfig's default)."""
    values = {field: getattr(args, field) for field in _FLAGS}
    return {field: v for field, v in values.items() if not isinstance(v, TrainDefault)}


def validate(args: argparse.Namespace) -> list[str]:
    """Every problem with the arguments: TrainConfig's message, after the option it names."""
    given = _given(args)
    problems = []
    for field, value in given.items():
        context = {}  # a loss is checked against the data set it is for (cross_entropy: spiral)
        if field == "loss" and "dataset" in given:
            context["dataset"] = given["dataset"]
        try:
            TrainConfig(**context, **{field: value})
        except ValueError as exc:
            problems.append(f"{_FLAGS[field]}: {exc}")
    if not problems:
        try:  # each value is fine alone; TrainConfig may still refuse them together
            TrainConfig(**given)
        except ValueError as exc:
            problems.append(str(exc))
    return problems


def _config(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(**_given(args))


def main(args: argparse.Namespace) -> int:
    try:
        return _main(args)
    except BrokenPipeError:
        # the reader went away (`bptutor train | head`): not an error, and no traceback; point
        # stdout at devnull so the interpreter's final flush does not raise again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _main(args: argparse.Namespace) -> int:
    problems = validate(args)
    if problems:
        for problem in problems:
            print(f"bptutor train: error: {problem}", file=sys.stderr)
        return 2
    config = _config(args)
    if getattr(args, "plain", False):
        return run_plain(config)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # a full-screen view needs a terminal; in a pipe or a script print instead
        print("bptutor train: not a terminal, printing instead (--plain)", file=sys.stderr)
        return run_plain(config)
    return _run_app(config)


def make_app(config: TrainConfig) -> Any:  # a textual App (imported here: --plain needs none)
    """An app showing only the training view, already running; leaving it (escape) quits."""
    from bptutor.tui.screens.training import TrainingScreen
    from textual.app import App

    class TrainingApp(App[int]):
        TITLE = "bptutor train"
        ENABLE_COMMAND_PALETTE = False

        def on_mount(self) -> None:
            self.push_screen(
                TrainingScreen(config, autostart=True), callback=lambda _: self.exit(0)
            )

    return TrainingApp()


def _run_app(config: TrainConfig) -> int:
    result = make_app(config).run()
    return int(result or 0)


class _Progress:
    """A one-line progress bar on a terminal; every 10 % a plain line otherwise."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.tty = stream.isatty()
        self._last = 0.0
        self._next_tenth = 1

    def update(self, epoch: int, loss: float, rate: float, *, final: bool = False) -> None:
        """Show epoch ``epoch``'s loss; the last epoch is left to ``final`` (called after the
        run with the trained weights' loss, so the bar ends on the number printed as final)."""
        if epoch >= self.total and not final:
            return
        if self.tty:
            now = time.perf_counter()
            if now - self._last < 0.1 and not final:
                return
            self._last = now
            # one line that never wraps (a wrapped line would leave a trail: \r only returns
            # to the start of the last row), padded so a shorter line covers a longer one
            columns = max(20, shutil.get_terminal_size((80, 24)).columns) - 1
            info = (
                f" {100 * epoch / self.total:3.0f}% epoch {epoch:,}/{self.total:,}"
                f" loss {loss:.4g} {rate:,.0f}/s"
            )
            width = max(5, min(40, columns - len(info) - 2))
            done = int(width * epoch / self.total)
            line = f"[{'#' * done}{'.' * (width - done)}]{info}"
            self.stream.write("\r" + line[:columns].ljust(columns))
            self.stream.flush()
        elif epoch * 10 >= self._next_tenth * self.total:
            while epoch * 10 >= self._next_tenth * self.total:
                self._next_tenth += 1
            self.stream.write(f"epoch {epoch:,}/{self.total:,} loss {loss:.6g}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _reader_gone(stream: TextIO) -> bool:
    """Whether `stream` is a pipe whose reader has closed it (nothing written would arrive)."""
    try:
        fd = stream.fileno()
    except (AttributeError, ValueError, OSError):  # a StringIO in tests, or already closed
        return False
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))


def divergence_advice(step: Epoch, config: TrainConfig) -> str:
    """One sentence: where and how the run diverged, and the option to try."""
    reason = divergence_reason(step.loss, step.grad_norm)
    return (
        f"diverged at epoch {step.epoch:,} ({reason}): try a smaller learning rate, "
        f"such as --lr {config.learning_rate / 10:g}."
    )


def run_plain(config: TrainConfig, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Train ``config`` printing progress, the final loss and the loss curve; 1 if diverged."""
    from bptutor.tui.widgets.loss_plot import render_loss_plot  # textual, plotext: only now

    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    _, X, y = data_arrays(config)
    net = config.make_network(X.shape[1], y.shape[1])
    batch = "full batch" if config.batch_size is None else f"mini-batch {config.batch_size}"
    shape = "-".join(str(size) for size in net.sizes)
    act = config.activation if net.output == "identity" else f"{config.activation}, {net.output}"
    loss = "" if net.loss == "mse" else f", {net.loss}"
    print(
        f"Training {shape} ({act}{loss}) on "
        f"{config.dataset} ({len(X)} examples), lr {config.learning_rate:g}, {batch}, "
        f"{config.epochs:,} epochs, seed {config.seed}",
        file=out,
        flush=True,
    )
    history = LossHistory()  # bounded: never sized by --epochs
    progress = _Progress(config.epochs, err)
    start = time.perf_counter()
    n = 0
    diverged = None
    checked = time.perf_counter()
    for step in train_with(config, net, X, y):
        history.append(step.loss)
        n += 1
        if step.diverged:
            diverged = step
            break
        now = time.perf_counter()
        progress.update(step.epoch, step.loss, step.epoch / max(1e-9, now - start))
        if now - checked > 0.1:  # a reader that left (`| head -1`) ends the run now
            checked = now
            if _reader_gone(out):
                raise BrokenPipeError("the output's reader has gone")
    elapsed = time.perf_counter() - start
    final = math.nan
    if diverged is None:  # the trained weights' loss: the one number printed for the end
        final = net.cost(X, y)
        progress.update(n, final, n / max(elapsed, 1e-9), final=True)
    progress.close()
    columns, rows = shutil.get_terminal_size((80, 24))
    color = out.isatty() and "NO_COLOR" not in os.environ
    plot = render_loss_plot(
        history.curve(),
        max(30, min(columns, 120)),
        max(10, min(rows - 6, 20)),
        log_scale=True,
        title="loss per epoch (log scale)",
    )
    if not color:
        plot = _ANSI.sub("", plot)
    print(plot, file=out)
    if diverged is not None:
        print(f"bptutor train: {divergence_advice(diverged, config)}", file=err)
        return 1
    print(
        f"final loss {final:.6g} after {n:,} epochs ({elapsed:.2f} s, "
        f"{n / max(elapsed, 1e-9):,.0f} epochs/s)",
        file=out,
    )
    if len(X) <= 8:  # small sets (XOR): show what the network now answers
        y_hat = np.asarray(net.forward(X).y_hat).reshape(len(X), -1)
        for xi, yi, pi in zip(X, y, y_hat, strict=True):
            xs = ", ".join(f"{v:g}" for v in xi)
            print(
                f"  x = ({xs})  y = {', '.join(f'{v:g}' for v in yi)}  "
                f"ŷ = {', '.join(f'{v:.3f}' for v in pi)}",
                file=out,
            )
    return 0

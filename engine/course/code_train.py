"""Training with the learner's own backward: a warm child answers every epoch over a pipe.

`LearnerGradients` is the gradients provider: one child process (`coderun.CodeProcess`, with
the same limits as a check: a time limit per call, memory and CPU limits, stdout captured)
imports the learner's file once and is sent X and y once (`CodeProcess.bind`); each call
sends the current weights and gets `(dW1, dW2)` back, a round trip of well under a millisecond
for XOR 2-2-1 on a quiet machine. A failure (an exception, a time-out, a crash, a wrong shape,
NaN) becomes a `LearnerCodeError` whose message is written for the learner and names the epoch.

`CodeTraining` is the run the training view, `bptutor code train` and `lessons check` drive:
the engine's own loop (`engine.nn.supplied.train_with_gradients`: the engine computes the loss
and takes the step, the learner's code only supplies the gradients) next to the engine's
`train` from the same initial weights (the config's seed). The two loss curves must agree to a
relative `rtol` at every epoch; the first epoch where they do not is where they part, and the
run goes on to the end so both curves can be seen. The outcome says matched, parted (and
where, and which gradient was off), failed or stopped.

Threads: `run` blocks (a worker thread calls it); `stop` may be called from any other thread:
it kills the child, so a call in progress returns at once, and `run` ends "stopped".
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from bptutor.engine.course.coderun import CodeProcess, Failure, Limits, Printed
from bptutor.engine.nn.losses import get_loss
from bptutor.engine.nn.network import Network
from bptutor.engine.nn.session import data_arrays
from bptutor.engine.nn.supplied import train_with_gradients
from bptutor.engine.nn.training import TrainConfig, train

__all__ = [
    "CODE_TRAIN_ATOL",
    "CODE_TRAIN_RTOL",
    "TRAIN_CPU_SECONDS",
    "CodeTraining",
    "LearnerCodeError",
    "LearnerGradients",
    "TrainOutcome",
    "first_parting",
    "notes_network_problem",
]

CODE_TRAIN_RTOL = 1e-6
"""Two runs of the same maths in float64 agree to ~1e-14 after 2,000 epochs of XOR (measured
over 20 seeds); a backward with a real slip differs by percent within a few epochs."""
CODE_TRAIN_ATOL = 1e-12
TRAIN_CPU_SECONDS = 600.0
"""The child's CPU time over a whole run (thousands of calls), instead of a check's 60 s."""
PRINTED_CHARS = 2000


def notes_network_problem(config: TrainConfig) -> str | None:
    """Why `config` is not the notes' network the learner's backward computes (one sigmoid
    hidden layer, linear output, no biases, squared error, full batch, one output); None
    when it is."""
    if len(config.hidden_sizes) != 1:
        return f"hidden must be one layer's size (the notes' network); got {config.hidden!r}"
    if config.activation != "sigmoid":
        return f'activation must be "sigmoid" (the learner\'s backward); got "{config.activation}"'
    if config.biases:
        return "biases must be false (the notes' network has none)"
    if get_loss(config.loss).name != "mse" or config.output_activation != "identity":
        return 'loss must be "mse" with a linear output (the notes\' eq. 15)'
    if config.batch_size is not None:
        return "batch_size must be 0 (full batch: the learner's backward sees the whole set)"
    ds, _, y = data_arrays(config)
    if y.shape[1] != 1:
        return f"the data set must have one target per example; {ds.name} has {y.shape[1]}"
    return None


class LearnerCodeError(Exception):
    """The learner's code could not give gradients; `str()` is the message for the learner."""

    def __init__(self, message: str, failure: Failure | None = None) -> None:
        super().__init__(message)
        self.failure = failure


def _shape(shape: tuple[int, ...]) -> str:
    return f"({', '.join(str(n) for n in shape)}{',' if len(shape) == 1 else ''})"


class LearnerGradients:
    """The gradients provider: `provider(weights) -> (dW1, dW2)` from the learner's `function`
    in a warm child (import once with `start`, then one round trip per call)."""

    def __init__(
        self,
        path: Path | str,
        X: np.ndarray,
        y: np.ndarray,
        *,
        function: str = "backward",
        limits: Limits | None = None,
    ) -> None:
        self.path = Path(path)
        self.function = function
        self.X = np.ascontiguousarray(X, dtype=float)
        self.y = np.ascontiguousarray(np.asarray(y, dtype=float).reshape(-1))  # (L,) as taught
        self.limits = limits or Limits(cpu_seconds=TRAIN_CPU_SECONDS)
        self.calls = 0
        self.printed_chars = 0
        self.printed_lines = 0
        self._printed: list[str] = []
        self._process: CodeProcess | None = None
        self._lock = threading.Lock()
        self.closed = False
        self.last_weights: tuple[np.ndarray, ...] = ()
        self.last_grads: tuple[np.ndarray, ...] = ()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the child and import the learner's file; LearnerCodeError if it cannot."""
        if not self.path.is_file():
            raise LearnerCodeError(f"There is no file {self.path}.")
        with self._lock:
            if self.closed:
                raise LearnerCodeError("The run was stopped.")
            self._process = CodeProcess(self.limits)
        reply = self._process.load(self.path)
        self._keep(reply.stdout)
        if not reply.ok:
            assert reply.failure is not None
            raise LearnerCodeError(self._failure_text(reply.failure, None), reply.failure)
        if self.function not in reply.functions:
            raise LearnerCodeError(
                f"Your file has no function {self.function}(W1, W2, X, y): keep the name the "
                "starter gave it."
            )
        bound = self._process.bind([self.X, self.y])  # the data crosses the pipe once
        if not bound.ok:
            assert bound.failure is not None
            raise LearnerCodeError(self._failure_text(bound.failure, None), bound.failure)

    def __call__(self, weights: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        process = self._process
        if process is None:
            raise LearnerCodeError("The process for your code was not started.")
        epoch = self.calls + 1
        reply = process.call(self.function, [list(weights)], outputs=len(weights), bound=True)
        self.calls = epoch
        self._keep(reply.stdout)
        if not reply.ok or not reply.results:
            failure = reply.failure or Failure("protocol", "no result came back")
            raise LearnerCodeError(self._failure_text(failure, epoch), failure)
        result = reply.results[0]
        if result.failure is not None:
            raise LearnerCodeError(self._failure_text(result.failure, epoch), result.failure)
        names = [f"dW{i}" for i in range(1, len(weights) + 1)]
        if result.values is None:
            what = result.bad or "something else"
            if result.bad_item is not None:
                raise LearnerCodeError(
                    f"At epoch {epoch} your {self.function} returned {what} as "
                    f"{names[result.bad_item]}: it must be an array of numbers."
                )
            raise LearnerCodeError(
                f"At epoch {epoch} your {self.function} returned {what}: it must return "
                f"{', '.join(names)} (a tuple of {len(weights)} arrays)."
            )
        for name, got, w in zip(names, result.values, weights, strict=True):
            if got.shape != w.shape:
                raise LearnerCodeError(
                    f"At epoch {epoch} your {self.function} returned {name} of shape "
                    f"{_shape(got.shape)}; it must have the shape of W{name[2:]}, "
                    f"{_shape(w.shape)}."
                )
            if not np.isfinite(got).all():
                raise LearnerCodeError(
                    f"At epoch {epoch} your {self.function} returned NaN or inf in {name} "
                    "(a division by zero? an overflow in np.exp?)."
                )
        self.last_weights, self.last_grads = weights, result.values
        return result.values

    def _failure_text(self, failure: Failure, epoch: int | None) -> str:
        at = f" at epoch {epoch}" if epoch is not None else ""
        kind = failure.kind
        if kind == "syntax":
            where = f" (line {failure.line})" if failure.line else ""
            return f"Your file has a syntax error{where}:\n{failure.text}"
        if kind == "exception" and failure.at_import:
            return f"Your file raised an exception while it was being imported:\n{failure.text}"
        if kind == "exception":
            return f"Your {self.function} raised an exception{at}:\n{failure.text}"
        if kind == "exit":
            return f"Your code called exit(){at}: {self.function} must return its gradients."
        if kind == "missing":
            return f"Your file has no function {self.function}: keep the name the starter gave it."
        if kind == "timeout":
            return f"{failure.text.rstrip('.')}{at}."
        return f"{failure.text}{' (' + at.strip() + ')' if at else ''}"

    def _keep(self, printed: Printed) -> None:
        if not printed.chars:
            return
        self.printed_chars += printed.chars
        self.printed_lines += printed.lines
        kept = sum(len(p) for p in self._printed)
        if kept < PRINTED_CHARS:
            self._printed.append(printed.text[: PRINTED_CHARS - kept])

    @property
    def printed(self) -> Printed:
        """What the learner's code printed over the whole run (the first PRINTED_CHARS)."""
        return Printed("".join(self._printed), self.printed_chars, self.printed_lines)

    def close(self) -> None:
        """End the child (safe from any thread, twice, and during a call: it returns at once)."""
        with self._lock:
            self.closed = True
            process = self._process
        if process is not None:
            process.close()


def first_parting(
    mine: np.ndarray, reference: np.ndarray, rtol: float = CODE_TRAIN_RTOL, atol: float = 0.0
) -> int | None:
    """The first epoch (1-based) where the two loss curves differ by more than rtol (relative
    to the larger) + atol, over the epochs both have; None when they agree everywhere. NaN
    never agrees."""
    n = min(len(mine), len(reference))
    a, b = np.asarray(mine[:n], dtype=float), np.asarray(reference[:n], dtype=float)
    with np.errstate(invalid="ignore"):
        ok = np.abs(a - b) <= atol + rtol * np.maximum(np.abs(a), np.abs(b))
    bad = np.flatnonzero(~ok)
    return int(bad[0]) + 1 if bad.size else None


@dataclass(frozen=True)
class TrainOutcome:
    """How a run with the learner's gradients ended.

    status: "matched" (every epoch, to the end), "parted" (it ran to the end, but the curves
    part at `parted_at`), "diverged" (the learner's run blew up; `parted_at` too), "failed"
    (the learner's code could not give gradients), "stopped" (stopped from outside)."""

    status: str
    epochs: int  # epochs the learner's run took
    message: str
    parted_at: int | None = None
    largest_difference: float = 0.0  # relative, over the epochs before parting (or all)
    printed: Printed = field(default_factory=Printed)

    @property
    def matched(self) -> bool:
        return self.status == "matched"


class Losses:
    """The learner's loss per epoch, every one kept (a run is as long as the lesson's, or
    `--epochs`): compared epoch by epoch with the engine's, so never merged into buckets as
    the training view's LossHistory does on long runs."""

    def __init__(self) -> None:
        self._values: list[float] = []
        self._lock = threading.Lock()  # appended by the worker, read by the screen

    def __len__(self) -> int:
        return len(self._values)

    def append(self, value: float) -> None:
        with self._lock:
            self._values.append(float(value))

    def view(self) -> np.ndarray:
        """A copy of the losses so far."""
        with self._lock:
            return np.array(self._values, dtype=float)


class CodeTraining:
    """One run of the notes' network with the learner's backward, and the engine's run beside.

    `reference` (the engine's loss per epoch, computed when made: a few ms) and `history` (the
    learner's, append-only; a view is safe to read from another thread while `run` appends)
    are what a view draws; `parted_at` is set as soon as the curves part."""

    def __init__(
        self,
        path: Path | str,
        config: TrainConfig,
        *,
        function: str = "backward",
        epochs: int | None = None,
        time_limit: float = 5.0,
        rtol: float = CODE_TRAIN_RTOL,
        atol: float = CODE_TRAIN_ATOL,
    ) -> None:
        problem = notes_network_problem(config)
        if problem is not None:
            raise ValueError(problem)
        if epochs is not None:
            config = dataclasses.replace(config, epochs=epochs)
        self.config = config
        self.path = Path(path)
        self.function = function
        self.rtol, self.atol = rtol, atol
        self.dataset, self.X, self.y = data_arrays(config)
        self.initial = config.make_network(self.X.shape[1], self.y.shape[1])
        self.reference = np.array(
            [
                e.loss
                for e in train(
                    self.initial.copy(),
                    self.X,
                    self.y,
                    learning_rate=config.learning_rate,
                    epochs=config.epochs,
                )
            ]
        )
        self.history = Losses()
        self.parted_at: int | None = None
        # (weights, the learner's gradients) of the epoch before the parting
        self._before_parting: tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]] | None = None
        self.outcome: TrainOutcome | None = None
        self.gradients = LearnerGradients(
            self.path,
            self.X,
            self.y,
            function=function,
            limits=Limits(seconds=time_limit, cpu_seconds=TRAIN_CPU_SECONDS),
        )
        self._stopped = threading.Event()

    @property
    def epochs(self) -> int:
        return self.config.epochs

    @property
    def epoch(self) -> int:
        return len(self.history)

    def stop(self) -> None:
        """Stop the run from another thread (its child is killed; `run` ends "stopped")."""
        self._stopped.set()
        self.gradients.close()

    close = stop

    def run(self, on_epoch: Callable[[int, float], None] | None = None) -> TrainOutcome:
        """Train to the end (or the first failure, divergence or stop) and say how it went.
        `on_epoch(epoch, loss)` is called after every epoch (in this thread)."""
        if self.outcome is not None or self.epoch:
            raise RuntimeError("a CodeTraining runs once: make another for a new run")
        net = self.initial.copy()
        provider = self.gradients
        failure: LearnerCodeError | None = None
        diverged: str | None = None
        try:
            if self._stopped.is_set():
                raise LearnerCodeError("stopped")
            provider.start()
            steps = train_with_gradients(
                net, self.X, self.y, provider, self.config.learning_rate, self.config.epochs
            )
            reference, tol_r, tol_a = self.reference, self.rtol, self.atol
            previous: tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]] | None = None
            for step in steps:
                self.history.append(step.loss)
                k = step.epoch
                if self.parted_at is None and k <= len(reference):
                    ref = reference[k - 1]
                    if not abs(step.loss - ref) <= tol_a + tol_r * max(abs(step.loss), abs(ref)):
                        self.parted_at = k
                        self._before_parting = previous
                    else:  # this epoch's call (done before the yield) is the next "previous"
                        previous = (provider.last_weights, provider.last_grads)
                if on_epoch is not None:
                    on_epoch(k, step.loss)
                if step.diverged:
                    diverged = step.message
                    break
                if self._stopped.is_set():
                    break
        except LearnerCodeError as exc:
            failure = exc
        finally:
            provider.close()
        self.outcome = self._outcome(failure, diverged)
        return self.outcome

    # ------------------------------------------------------------------------- outcome
    def _outcome(self, failure: LearnerCodeError | None, diverged: str | None) -> TrainOutcome:
        n = self.epoch
        printed = self.gradients.printed
        common = {"epochs": n, "parted_at": self.parted_at, "printed": printed}
        if self._stopped.is_set():
            return TrainOutcome("stopped", message=f"Stopped after {n} epochs.", **common)
        note = self._printed_note(printed)
        if failure is not None:
            text = f"{failure}\nTraining stopped after {n} epoch{'s' if n != 1 else ''}."
            return TrainOutcome("failed", message=text + note, **common)
        mine = self.history.view()
        worst = self._largest_difference(mine)
        if diverged is not None:
            text = diverged.split(" Try a smaller")[0]
            if self.parted_at is not None:
                text += f" {self._parting_sentence(mine)}"
            return TrainOutcome("diverged", message=text + note, largest_difference=worst, **common)
        if self.parted_at is None and n >= len(self.reference):
            text = (
                f"Your {self.function} trained the network for {n:,} epochs and your loss "
                f"matched the engine's at every epoch (largest relative difference "
                f"{worst:.1g}). Final loss {mine[-1]:.4g}."
            )
            return TrainOutcome("matched", message=text + note, largest_difference=worst, **common)
        return TrainOutcome(
            "parted",
            message=self._parting_sentence(mine) + note,
            largest_difference=worst,
            **common,
        )

    def _largest_difference(self, mine: np.ndarray) -> float:
        n = min(len(mine), len(self.reference), (self.parted_at or math.inf) - 1)
        if n <= 0:
            return 0.0
        a, b = mine[:n], self.reference[:n]
        return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)))

    def _parting_sentence(self, mine: np.ndarray) -> str:
        k = self.parted_at
        if k is None:
            return "Your run ended before the engine's."
        a, b = float(mine[k - 1]), float(self.reference[k - 1])
        text = (
            f"Your loss parts from the engine's at epoch {k}: yours is {a:.6g}, the engine's "
            f"{b:.6g}. Until then the two runs had the same weights, so the gradients your "
            f"{self.function} gave at epoch {k - 1} differ from the true ones."
        )
        return text + self._which_gradient()

    def _which_gradient(self) -> str:
        """Which of the learner's gradients was off in the epoch before the parting: the
        engine's gradients for the very weights the learner's code was given then."""
        if self._before_parting is None:
            return ""
        weights, grads = self._before_parting
        net = Network(list(weights), activation=self.config.activation)
        true = net.gradients(self.X, self.y).weights
        off = [
            f"dW{i}"
            for i, (g, t) in enumerate(zip(grads, true, strict=True), 1)
            if not np.allclose(g, t, rtol=self.rtol, atol=self.atol)
        ]
        if not off:
            return ""
        return f" There your {' and your '.join(off)} {'is' if len(off) == 1 else 'are'} off."

    @staticmethod
    def _printed_note(printed: Printed) -> str:
        if not printed.chars:
            return ""
        lines = max(printed.lines, 1)
        return (
            f"\n(Your code printed {lines:,} line{'s' if lines != 1 else ''} during training: "
            "take the print()s out, they slow it down.)"
        )

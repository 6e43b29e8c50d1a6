"""`bptutor code list | start | check`: code exercises from a shell, an editor or a script.

`list` names every code step (LESSON/STEP) with its function; `start` writes the starter file
once (never over the learner's edits) and prints its full path, alone on stdout, so that
`$EDITOR "$(bptutor code start backprop-code/backward)"` works; `check` runs a file on the
step's cases (the learner's seed, or --seed) and prints the verdict: exit 0 right, 1 wrong,
2 when the code cannot run (syntax error, exception, time-out) or the command is wrong;
`train` trains XOR with the learner's backward (a warm child answers every epoch) and prints
the learner's loss beside the engine's every K epochs and where they part: exit 0 matched,
1 parted or diverged, 2 cannot run. No Textual here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bptutor.engine.course.code_format import (
    default_work_dir,
    starter_text,
    work_path,
    write_starter,
)
from bptutor.engine.course.code_train import CodeTraining
from bptutor.engine.course.exercise import DrawnStep, draw
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.model import Course, ExerciseError, ExerciseSpec, Lesson, Step
from bptutor.engine.course.progress import ProgressStore

EXIT_RIGHT, EXIT_WRONG, EXIT_CANNOT_RUN = 0, 1, 2
# how a check (a Verdict's status) or a training run (a TrainOutcome's) ends: the words before
# its message, and the exit status
_ENDINGS = {
    "correct": ("✓ Right.", EXIT_RIGHT),
    "incorrect": ("✗ Not quite.", EXIT_WRONG),
    "invalid": ("? Your code could not run.", EXIT_CANNOT_RUN),
    "matched": ("✓ Matched.", EXIT_RIGHT),
    "failed": ("? Your code could not train.", EXIT_CANNOT_RUN),
}
_THEY_PART = ("✗ They part.", EXIT_WRONG)  # a run that parted, diverged or was stopped


def main(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    stdout = out if out is not None else sys.stdout
    stderr = err if err is not None else sys.stderr
    course = load_course(getattr(args, "lessons", None))
    command = args.code_command
    if command == "list":
        return list_steps(course, _work_dir(args), stdout)
    if command == "train":
        return train(course, args, stdout, stderr)
    found = find_step(course, args.step)
    if isinstance(found, str):
        print(f"bptutor code {command}: {found}", file=stderr)
        return EXIT_CANNOT_RUN
    lesson, step = found
    if command == "start":
        return start(lesson, step, _work_dir(args), args.code_dir, stdout, stderr)
    seed = args.code_seed if args.code_seed is not None else getattr(args, "seed", None)
    if seed is None:
        seed = ProgressStore(getattr(args, "data_dir", None)).seed
    return check(lesson, step, args.file, seed, stdout, stderr)


def _work_dir(args: argparse.Namespace) -> Path:
    given = getattr(args, "work_dir", None)
    return Path(given) if given is not None else default_work_dir(getattr(args, "data_dir", None))


def steps_with(course: Course, part: Callable[[ExerciseSpec], object]) -> list[tuple[Lesson, Step]]:
    """The steps whose exercise has `part`: its code (a code exercise) or its gradients (a step
    that trains with the learner's own backward)."""
    return [
        (lesson, step)
        for lesson in course.lessons
        for step in lesson.steps
        if step.exercise is not None and part(step.exercise) is not None
    ]


def code_steps(course: Course) -> list[tuple[Lesson, Step]]:
    return steps_with(course, lambda exercise: exercise.code)


def _drawn(lesson: Lesson, step: Step, seed: int, command: str, err: TextIO) -> DrawnStep | None:
    """The step drawn for `seed`, or None once err says why it cannot be."""
    try:
        return draw(lesson, step, seed)
    except ExerciseError as exc:
        print(f"bptutor code {command}: the step cannot be drawn: {exc}", file=err)
        return None


def find_step(course: Course, ident: str) -> tuple[Lesson, Step] | str:
    """LESSON/STEP as a code step, or a sentence saying what is wrong."""
    lesson_id, _, step_id = ident.partition("/")
    known = ", ".join(f"{les.id}/{s.id}" for les, s in code_steps(course)) or "none"
    lesson = course.lesson(lesson_id)
    if not step_id or lesson is None:
        return f'no code exercise "{ident}" (the code exercises: {known})'
    step = lesson.step(step_id)
    if step is None or step.exercise is None or step.exercise.code is None:
        return f'"{ident}" is not a code exercise (the code exercises: {known})'
    return lesson, step


def list_steps(course: Course, work_dir: Path, out: TextIO) -> int:
    rows = []
    for lesson, step in code_steps(course):
        code = step.exercise.code  # type: ignore[union-attr]
        names = ", ".join(o.name for o in code.outputs)
        signature = f"{code.function}({', '.join(code.args)}) -> {names}"
        rows.append((f"{lesson.id}/{step.id}", signature, step.title))
    if not rows:
        print("This course has no code exercises.", file=out)
        return 0
    width = max(len(r[0]) for r in rows)
    width_fn = max(len(r[1]) for r in rows)
    for ident, function, title in rows:
        print(f"{ident.ljust(width)}  {function.ljust(width_fn)}  {title}", file=out)
    print(
        f"\nYour files: {work_dir.absolute()}/<lesson>/ (`bptutor code start LESSON/STEP` "
        "writes one and prints its path).",
        file=out,
    )
    return 0


def start(
    lesson: Lesson,
    step: Step,
    work_dir: Path,
    folder: Path | None,
    out: TextIO,
    err: TextIO,
) -> int:
    code = step.exercise.code  # type: ignore[union-attr]
    path = (
        (Path(folder).expanduser() / code.file).absolute()
        if folder is not None
        else work_path(work_dir, lesson, code)
    )
    try:
        written = write_starter(path, starter_text(lesson, code.file))
    except OSError as exc:
        print(f"bptutor code start: cannot write {path} ({exc.strerror or exc})", file=err)
        return EXIT_CANNOT_RUN
    if written:
        print(f"Wrote the starter file; write {code.function}(...) in it:", file=err)
    else:
        print(
            f"Your file is already there (left as it is); write {code.function}(...) in it:",
            file=err,
        )
    print(path, file=out)
    return 0


def check(lesson: Lesson, step: Step, file: Path, seed: int, out: TextIO, err: TextIO) -> int:
    inst = _drawn(lesson, step, seed, "check", err)
    if inst is None:
        return EXIT_CANNOT_RUN
    assert inst.code is not None
    verdict = inst.code.check(Path(file).expanduser().absolute())
    return _end(verdict.status, verdict.message, out)


def _end(status: str, message: str, out: TextIO) -> int:
    """Print how a check or a run ended, and give its exit status."""
    words, exit_status = _ENDINGS.get(status, _THEY_PART)
    print(f"{words} {message}".rstrip(), file=out)  # a right answer may have no message
    return exit_status


def train(course: Course, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    steps = steps_with(course, lambda exercise: exercise.gradients)
    ident = getattr(args, "train_step", None)
    found = [(les, s) for les, s in steps if ident is None or f"{les.id}/{s.id}" == ident]
    if not found:
        known = ", ".join(f"{les.id}/{s.id}" for les, s in steps) or "none"
        what = f'"{ident}" is not a step' if ident else "this course has no step"
        print(
            f"bptutor code train: {what} that trains with your code (those steps: {known})",
            file=err,
        )
        return EXIT_CANNOT_RUN
    lesson, step = found[0]
    epochs, every = getattr(args, "epochs", None), getattr(args, "every", None)
    for name, value in (("--epochs", epochs), ("--every", every)):
        if value is not None and value < 1:
            print(f"bptutor code train: {name} must be at least 1; got {value}", file=err)
            return EXIT_CANNOT_RUN
    inst = _drawn(lesson, step, 0, "train", err)  # the run does not depend on the learner's seed
    if inst is None:
        return EXIT_CANNOT_RUN
    gradients, config = inst.gradients, inst.train_config
    assert gradients is not None and config is not None
    file = args.file if args.file is not None else work_path(_work_dir(args), lesson, gradients)
    path = Path(file).expanduser().absolute()
    run = CodeTraining(path, config, function=gradients.function, epochs=epochs)
    every = every or max(1, run.epochs // 10)
    print(
        f"Training {run.dataset.name.upper()} {run.X.shape[1]}-{config.hidden_sizes[0]}-"
        f"{run.y.shape[1]} (sigmoid, no biases, learning rate {config.learning_rate:g}, "
        f"{run.epochs:,} epochs, seed {config.seed}) with {gradients.function} from {path}",
        file=out,
    )
    width = len(f"{run.epochs:,}")
    print(f"{'epoch':>{width}}  {'your loss':>14}  {'engine loss':>14}", file=out, flush=True)
    reference = run.reference

    def row(k: int, loss: float) -> None:
        ref = reference[k - 1] if k <= len(reference) else float("nan")
        mark = "  <- they part here" if k == run.parted_at else ""
        if k == 1 or k % every == 0 or k == run.parted_at or k == run.epochs or mark:
            print(f"{k:>{width},}  {loss:>14.8g}  {ref:>14.8g}{mark}", file=out, flush=True)

    outcome = run.run(row)
    if outcome.epochs and outcome.epochs % every and outcome.epochs != run.epochs:
        k = outcome.epochs  # the last epoch of a run that stopped early
        print(
            f"{k:>{width},}  {run.history.view()[-1]:>14.8g}  {reference[k - 1]:>14.8g}", file=out
        )
    return _end(outcome.status, outcome.message, out)

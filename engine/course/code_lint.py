"""`lessons check` for code exercises: one small function per rule.

For each code step, over all the seeds the check draws: the reference solution (the course's
solutions/ folder) passes every case, with no remark from the finite-difference check; the
starter file fails; every declared mistake differs from the right answer in at least one
case and is named by the grader when made; and the cases differ in shape, so an answer copied
from one case cannot pass them all. The reference and the starter each run in one warm child
per step (one import, then one call per seed), not a process per case: 300 seeds take seconds.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from bptutor.engine.course.code_format import reference_path, starter_text
from bptutor.engine.course.code_grading import CodeExercise, Run
from bptutor.engine.course.code_train import CodeTraining
from bptutor.engine.course.coderun import CallResult, CodeProcess
from bptutor.engine.course.model import Lesson, Step
from bptutor.engine.nn.training import TrainConfig

__all__ = ["LINT_TRAIN_EPOCHS", "Problem", "lint_code_step", "lint_code_train"]

LINT_TRAIN_EPOCHS = 300
"""Epochs `lessons check` trains with the reference and the starter (a parting shows within a
few epochs; the whole run is the learner's)."""

Problem = tuple[str, int, str]
"""(message, seed, detail): what `lint._Problems.add` takes, without the step's name."""


def lint_code_step(lesson: Lesson, drawn: Sequence[tuple[int, CodeExercise]]) -> list[Problem]:
    """Every rule, for the step's exercise as drawn for each seed in `drawn`."""
    if not drawn:
        return []
    first = drawn[0][1]
    # both children start now and import numpy side by side while the mistakes are checked
    with CodeProcess(first.limits) as reference, CodeProcess(first.limits) as starter:
        problems: list[Problem] = []
        problems += _cases_differ(drawn[0])
        problems += _mistakes_differ_and_are_named(drawn)
        problems += _reference_passes(drawn, reference)
        problems += _starter_fails(lesson, drawn, starter)
    return problems


def _cases_differ(first: tuple[int, CodeExercise]) -> Iterator[Problem]:
    """Two cases at least, no two with the same shapes (a copied answer must fail)."""
    seed, ex = first
    if len(ex.cases) < 2:
        yield (
            "has one case: give several shapes so that a hard-coded answer cannot pass",
            seed,
            "",
        )
    labels = [c.label(ex.args) for c in ex.cases]
    for i, label in enumerate(labels):
        if label in labels[:i]:
            j = labels.index(label) + 1
            yield (
                f"cases {j} and {i + 1} have the same shapes ({label}): make each case "
                "differ so that an answer copied from one cannot pass another",
                seed,
                "",
            )


def _mistakes_differ_and_are_named(drawn: Sequence[tuple[int, CodeExercise]]) -> Iterator[Problem]:
    """A declared mistake, made on every case, must fail and be recognised by its name."""
    for seed, ex in drawn:
        for k, name in enumerate(m.name for m in ex.cases[0].mistakes):
            results = []
            for case in ex.cases:
                values = list(case.expected)
                for index, value in case.mistakes[k].values:
                    values[index] = value
                results.append(CallResult(values=tuple(values)))
            verdict = ex.grade(Run(results=tuple(results)))
            if verdict.correct:
                yield (
                    f'mistake "{name}" gives the right answer in every case: choose cases or '
                    "parameters where it differs",
                    seed,
                    "",
                )
            elif verdict.mistake != name:
                yield (
                    f'mistake "{name}" is not recognised by the checker',
                    seed,
                    f"it got: {verdict.message.splitlines()[-1]}",
                )


def _cannot_import(child: CodeProcess, path: Path, what: str, seed: int) -> Problem | None:
    """Load `path` in the child: None when it imports, else the problem saying why not."""
    loaded = child.load(path)
    if loaded.ok:
        return None
    failure = loaded.failure
    return (f"{what} cannot be imported", seed, failure.text if failure is not None else "")


def _reference_passes(
    drawn: Sequence[tuple[int, CodeExercise]], child: CodeProcess
) -> Iterator[Problem]:
    """The reference solution passes every case of every seed, with nothing to remark."""
    first = drawn[0][1]
    path = first.reference
    if path is None or not path.is_file():
        yield ("has no reference solution file", drawn[0][0], str(path))
        return
    problem = _cannot_import(child, path, "the reference solution", drawn[0][0])
    if problem is not None:
        yield problem
        return
    for seed, ex in drawn:
        run = ex.run_loaded(child)
        verdict = ex.grade(run)
        if not verdict.correct:
            yield ("the reference solution fails", seed, verdict.message)
        elif verdict.message != f"All {len(ex.cases)} cases match the engine.":
            yield ("the reference solution passes with a remark", seed, verdict.message)
        if not child.alive:
            return


def _starter_fails(
    lesson: Lesson, drawn: Sequence[tuple[int, CodeExercise]], child: CodeProcess
) -> Iterator[Problem]:
    """The starter file (the whole file a learner gets) must not pass the step."""
    first = drawn[0][1]
    with tempfile.TemporaryDirectory(prefix="bptutor-lint-") as folder:
        path = Path(folder) / first.file
        path.write_text(starter_text(lesson, first.file), encoding="utf-8")
        problem = _cannot_import(child, path, "the starter file", drawn[0][0])
        if problem is not None:
            yield problem
            return
        for seed, ex in drawn:
            verdict = ex.grade(ex.run_loaded(child))
            if verdict.correct:
                yield ("the starter passes: its body must not give the answer", seed, "")
            if not child.alive:
                return


def lint_code_train(lesson: Lesson, step: Step, config: TrainConfig) -> list[Problem]:
    """A train step with `gradients`: the reference solution of the code step that defines the
    function trains and matches the engine's run; the starter file does not."""
    ex = step.exercise
    assert ex is not None and ex.gradients is not None
    g = ex.gradients
    code = next(
        s.exercise.code
        for s in lesson.steps
        if s.exercise is not None
        and s.exercise.code is not None
        and (s.exercise.code.file, s.exercise.code.function) == (g.file, g.function)
    )
    problems: list[Problem] = []
    reference = reference_path(lesson, code)
    if reference is None or not reference.is_file():
        return [(f"exercise.gradients: the reference {code.solution} is missing", config.seed, "")]
    epochs = min(config.epochs, LINT_TRAIN_EPOCHS)
    outcome = CodeTraining(reference, config, function=g.function, epochs=epochs).run()
    if not outcome.matched:
        problems.append(
            (
                "training with the reference solution does not match the engine's run",
                config.seed,
                outcome.message,
            )
        )
    with tempfile.TemporaryDirectory(prefix="bptutor-lint-") as folder:
        path = Path(folder) / g.file
        path.write_text(starter_text(lesson, g.file), encoding="utf-8")
        outcome = CodeTraining(path, config, function=g.function, epochs=epochs).run()
    if outcome.matched:
        problems.append(
            (
                "training with the starter file matches the engine's run: the step is solved "
                "without writing any code",
                config.seed,
                "",
            )
        )
    return problems

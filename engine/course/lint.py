"""`bptutor lessons check [DIR]`: what a course author runs before anyone else sees the course.

Like rustlings' `dev check`: load the course, then for every exercise and many seeds draw the
parameters, compute the expected answer, and check that the reference solution passes its own
checker (code exercises: code_lint.py runs the reference and the starter file), that every
declared mistake is different from the answer, fails the checker and is recognised by name,
and that every derivative or gradient the engine computes agrees with central finite
differences. It also reads every rendered text (prose, hints, options, messages,
the shown solution) for signs a parameter made awkward, such as "+ −1" or "1·x", for messages
that open with a verdict ("Right: …", which the app already says), and, in a choice step whose
options are shuffled, for references to an option by its letter. The loader's warnings (control
characters in a lesson's text, shown as ^[) are problems here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from bptutor.engine.answers.expr import Expr
from bptutor.engine.course.calls import OnCall
from bptutor.engine.course.code_grading import CodeExercise
from bptutor.engine.course.code_lint import lint_code_step, lint_code_train
from bptutor.engine.course.exercise import DrawnStep, draw
from bptutor.engine.course.model import LETTERS, Course, ExerciseError, Lesson, Step
from bptutor.engine.course.params import draws_needed, parse_expr, rng_for, step_env
from bptutor.engine.course.quantities import QUANTITIES
from bptutor.engine.course.templates import interpolate_expr, plain_answer

__all__ = [
    "AWKWARD",
    "OPTION_LETTER",
    "VERDICT_OPENING",
    "LintReport",
    "awkward_spots",
    "lint_course",
    "option_letter_refs",
    "rendered_texts",
]

FD_RTOL = 1e-4
FD_ATOL = 1e-6


@dataclass
class LintReport:
    """What `lessons check` found; `problems` is empty for a healthy course."""

    lessons: int = 0
    steps: int = 0
    exercises: int = 0
    seeds: int = 0
    gradient_checks: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return (
            f"{self.lessons} lessons, {self.steps} steps, {self.exercises} exercises, "
            f"{self.seeds} seeds each, {self.gradient_checks} finite-difference comparisons: "
            f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        )


class _Problems:
    """Collects problems per (step, message), remembering the first seed and how many."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str], list[int]] = {}
        self.details: dict[tuple[str, str], str] = {}

    def add(self, where: str, message: str, seed: int, detail: str = "") -> None:
        """`detail` (the numbers of this seed) is shown for the first seed only."""
        self.found.setdefault((where, message), []).append(seed)
        self.details.setdefault((where, message), detail)

    def render(self, seeds: int) -> list[str]:
        out = []
        for (where, message), hit in self.found.items():
            detail = self.details[(where, message)]
            if detail:
                message = f"{message}; {detail}"
            which = (
                f"seed {hit[0]}" if len(hit) == 1 else f"seeds {hit[0]}, … ({len(hit)} of {seeds})"
            )
            out.append(f"{where}: {message} [{which}]")
        return out


# Text a randomised parameter can produce that no one would write. Numbers multiplied out in a
# worked example ("1·(−2)", "0·0.3") are fine; a coefficient 1 or 0 in front of a symbol is not.
_SYMBOL = r"(?=[^\W\d]|[√∂∇]|\((?![−\-\d.]))"
AWKWARD: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\+\s*[−-]"), "a plus sign followed by a minus"),
    (re.compile(r"(?<![-−])[−-]\s*[−-](?![-−])"), "two minus signs in a row"),
    (re.compile(r"[·*×^]\s*[−-]"), "a product or power with a bare negative number"),
    (re.compile(r"(?<![\w.])1\s*[·*]\s*" + _SYMBOL), "a coefficient 1"),
    (re.compile(r"(?<![\w.])0\s*[·*]\s*" + _SYMBOL), "a coefficient 0"),
    (re.compile(r"(?:[^\W\d]|[)²³])\s*[+−-]\s*0(?![\w.,·*⁰-⁹])"), "a term + 0 or − 0"),
)
_AWKWARD_FIX = "use {name:+}, {name:()} or an expression parameter (lessons/README.md)"


def awkward_spots(text: str) -> list[tuple[str, str]]:
    """(what, excerpt) for every awkward sign in a rendered text; [] when it reads well."""
    out = []
    for pattern, what in AWKWARD:
        for m in pattern.finditer(text):
            start, end = max(0, m.start() - 20), min(len(text), m.end() + 20)
            out.append((what, text[start:end].replace("\n", " ").strip()))
    return out


def rendered_texts(inst: DrawnStep) -> dict[str, str]:
    """Every text of an instance the learner can read, by key (as in the lesson file)."""
    texts = {"title": inst.title, "text": inst.text, "prompt": inst.prompt}
    texts.update({f"hints[{i}]": h for i, h in enumerate(inst.hints, 1)})
    texts["explanation"] = inst.explanation
    # choices are in the learner's order: name them by their place in the file
    order = inst.choice_order or tuple(range(len(inst.choices)))
    texts.update({f"exercise.options[{order[k] + 1}]": o for k, o in enumerate(inst.choices)})
    texts.update({f"exercise.feedback[{order[k] + 1}]": f for k, f in enumerate(inst.feedback)})
    texts.update(
        {f"exercise.mistakes[{i}].message": m.message for i, m in enumerate(inst.mistakes, 1)}
    )
    if inst.kind not in ("choice", "train", "code", None):  # code: Python, not prose
        texts["solution"] = str(inst.solution)
    return texts


# The app says "✓ Right." / "✗ Not quite." before every message: a message that says it again
# reads "✓ Right. Right: …". Messages state the substance.
VERDICT_OPENING = re.compile(
    r"^\s*(right|correct|incorrect|not quite|wrong|yes|no|exactly|indeed|well done|good)"
    r"\s*[:,.!;—–]",
    re.IGNORECASE,
)
# A reference to an option by its letter ("option b", "(c)", "answer a"): meaningless once the
# options are shuffled per learner.
OPTION_LETTER = re.compile(
    r"(?<![\w′)])\(([a-z])\)|\b(?:option|options|answer|choice|choices)\s+\(?([a-z])\b\)?",
    re.IGNORECASE,
)


def option_letter_refs(text: str, n_options: int) -> list[str]:
    """Excerpts of `text` that name one of the first `n_options` options by its letter."""
    out = []
    for m in OPTION_LETTER.finditer(text):
        letter = (m.group(1) or m.group(2)).lower()
        if letter in LETTERS[:n_options]:
            start, end = max(0, m.start() - 20), min(len(text), m.end() + 20)
            out.append(text[start:end].replace("\n", " ").strip())
    return out


def _lint_rendering(inst: DrawnStep, where: str, seed: int, problems: _Problems) -> None:
    texts = rendered_texts(inst)
    for key, text in texts.items():
        for what, excerpt in awkward_spots(text):
            problems.add(where, f"{key} shows {what}; {_AWKWARD_FIX}", seed, f'"{excerpt}"')
        if (
            key == "explanation" or key.startswith(("exercise.feedback", "exercise.mistakes"))
        ) and (m := VERDICT_OPENING.match(text)):
            problems.add(
                where,
                f'{key} starts with "{m.group(1)}": the app already says right or not quite, '
                "so start with the substance",
                seed,
            )
    if inst.kind == "choice" and inst.choice_order != tuple(range(len(inst.choices))):
        for key, text in texts.items():
            for excerpt in option_letter_refs(text, len(inst.choices)):
                problems.add(
                    where,
                    f"{key} names an option by its letter, but the options are shuffled per "
                    "learner: name it by what it says (or set shuffle = false)",
                    seed,
                    f'"{excerpt}"',
                )


def _label(lesson: Lesson) -> str:
    src = lesson.source
    return f"{src.parent.name}/{src.name}" if src is not None else lesson.id


def _fd_hook(where: str, seed: int, problems: _Problems, report: LintReport) -> OnCall:
    def on_call(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], value: Any) -> None:
        q = QUANTITIES.get(name)
        if q is None or q.numeric is None:
            return
        numeric = np.asarray(q.numeric(*args, **kwargs), dtype=float)
        exact = np.asarray(value, dtype=float)
        report.gradient_checks += 1
        if exact.shape != numeric.shape or not np.allclose(
            exact, numeric, rtol=FD_RTOL, atol=FD_ATOL
        ):
            problems.add(
                where,
                f"{name}(...) disagrees with central finite differences",
                seed,
                f"{exact.tolist()} vs {numeric.tolist()}",
            )

    return on_call


def _lint_derivative(inst: DrawnStep, step: Step, lesson: Lesson, seed: int) -> str | None:
    """Compare the symbolic derivative with central differences of the stated function."""
    ex = step.exercise
    assert ex is not None and ex.function is not None and ex.wrt is not None
    env = step_env(lesson, step, seed)
    function = parse_expr(
        interpolate_expr(ex.function, env, "exercise.function"), ex.variables, "exercise.function"
    )
    expected = inst.expected
    assert isinstance(expected, Expr)
    rng = rng_for(seed, lesson.id, step.id, "finite-differences")
    compared = 0
    for _ in range(40):
        point = {v: float(rng.uniform(-2.0, 2.0)) for v in inst.variables}
        h = 1e-5 * max(1.0, abs(point[ex.wrt]))
        up, down = dict(point), dict(point)
        up[ex.wrt] += h
        down[ex.wrt] -= h
        with np.errstate(all="ignore"):
            numeric = (float(function.evaluate(up)) - float(function.evaluate(down))) / (2 * h)
            exact = float(expected.evaluate(point))
        if not (np.isfinite(numeric) and np.isfinite(exact)):
            continue
        compared += 1
        if not np.isclose(exact, numeric, rtol=1e-4, atol=1e-5):
            return (
                f"the derivative {expected.to_plain()} is {exact} at {point} but central "
                f"differences give {numeric}"
            )
        if compared >= 5:
            break
    if compared == 0:
        return "the function is not defined at any of the sampled points"
    return None


def _lint_drawn(
    inst: DrawnStep, step: Step, lesson: Lesson, seed: int, where: str, problems: _Problems
) -> None:
    if inst.kind == "code":
        return  # run once per step for all seeds (code_lint.py): a child per seed is slow
    ref = inst.check(inst.solution)
    if not ref.correct:
        problems.add(
            where,
            "the reference solution fails its own checker",
            seed,
            f'"{inst.solution}" got: {ref.message}',
        )
    if inst.kind == "choice":
        for i in range(len(inst.choices)):
            if i == inst.expected:
                continue
            v = inst.check(str(i + 1))
            if v.correct:
                n = (inst.choice_order[i] if inst.choice_order else i) + 1  # as in the file
                problems.add(where, f"the wrong option {n} passes the checker", seed)
        return
    if inst.kind == "train":
        if inst.train_config is None:
            problems.add(where, "a train step without a training configuration", seed)
        return
    for m in inst.mistakes:
        text = plain_answer(m.expected)
        v = inst.check(text)
        if v.correct:
            problems.add(
                where,
                f'mistake "{m.name}" passes the checker: it is (too close to) the answer; '
                "choose parameters so that it never is",
                seed,
                f"mistake {text}, answer {inst.solution}",
            )
        elif v.mistake != m.name:
            problems.add(
                where,
                f'mistake "{m.name}" is not recognised by the checker',
                seed,
                f"{text} got: {v.message}",
            )
    if inst.kind == "derivative":
        message = _lint_derivative(inst, step, lesson, seed)
        if message:
            problems.add(where, message, seed)


MAX_REJECTED = 0.05
"""A `require` constraint may reject at most this share of draws (else: draw differently)."""


def _lint_constraints(
    lesson: Lesson, step: Step | None, seeds: int, where: str, found: list[str]
) -> None:
    """A constraint that rejects more than a few percent of draws is a sign the parameters are
    drawn from the wrong ranges (and each rejected draw costs time at every start); one that
    never holds is reported by drawing (ExerciseError)."""
    require = step.require if step is not None else lesson.require
    if not require:
        return
    draws = 0
    for seed in range(seeds):
        try:
            draws += draws_needed(lesson, step, seed)
        except ExerciseError:
            return  # reported where the step is drawn
    rejected = 1 - seeds / draws
    if rejected > MAX_REJECTED:
        texts = ", ".join(f'"{c.text}"' for c in require)
        found.append(
            f"{where}: require ({texts}) rejects {rejected:.0%} of draws (at most "
            f"{MAX_REJECTED:.0%}): draw the parameters from ranges where it mostly holds"
        )


def lint_course(course: Course, seeds: int = 50) -> LintReport:
    """Run every check; never raises for a problem in the course."""
    report = LintReport(lessons=len(course.lessons), seeds=seeds)
    problems = _Problems()
    found = list(course.errors) + list(course.warnings)
    for lesson in course.lessons:
        label = _label(lesson)
        _lint_constraints(lesson, None, seeds, f'{label}: lesson "{lesson.id}"', found)
        for step in lesson.steps:
            report.steps += 1
            where = f'{label}: step "{step.id}"'
            _lint_constraints(lesson, step, seeds, where, found)
            ex = step.exercise
            if ex is not None:
                report.exercises += 1
                if not step.hints:
                    found.append(f"{where}: hints is missing (every exercise needs hints)")
                if not step.explanation.strip():
                    found.append(f"{where}: explanation is missing (every exercise needs one)")
            code: list[tuple[int, CodeExercise]] = []
            for seed in range(seeds):
                hook = _fd_hook(where, seed, problems, report)
                try:
                    inst = draw(lesson, step, seed, on_call=hook)
                except ExerciseError as exc:
                    problems.add(where, str(exc), seed)
                    continue
                except Exception as exc:  # an engine bug must not end the check
                    problems.add(where, f"cannot be drawn ({type(exc).__name__}: {exc})", seed)
                    continue
                if inst.code is not None:
                    code.append((seed, inst.code))
                _lint_rendering(inst, where, seed, problems)
                if ex is None:
                    continue  # prose: drawing and filling in the text for every seed is enough
                try:
                    _lint_drawn(inst, step, lesson, seed, where, problems)
                except ExerciseError as exc:
                    problems.add(where, str(exc), seed)
                except Exception as exc:  # an engine bug must not end the check
                    problems.add(where, f"cannot be checked ({type(exc).__name__}: {exc})", seed)
            for message, seed, detail in lint_code_step(lesson, code):
                problems.add(where, message, seed, detail)
            if ex is not None and ex.gradients is not None:
                try:  # once per step: the run does not depend on the learner's seed
                    config = draw(lesson, step, 0).train_config
                except ExerciseError:
                    continue  # reported above, for every seed
                assert config is not None
                for message, seed, detail in lint_code_train(lesson, step, config):
                    problems.add(where, message, seed, detail)
    report.problems = found + problems.render(seeds)
    return report

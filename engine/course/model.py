"""The course model: what a lesson file says, as frozen dataclasses (no behaviour but lookups).

The loader (``loader.py``) turns TOML into these; ``exercise.py`` draws one learner's version
of a step from them. Like rustlings' ``info_file.rs`` vs ``exercise.rs``: the file format and
the runtime object are two types with one conversion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the model itself stays free of numpy: the app lists a course before it
    from bptutor.engine.course.calls import Node

FORMAT_VERSION = 1
"""The lesson format this bptutor reads (index.toml's ``format_version``)."""
EXERCISE_KINDS = (
    "derivative",
    "expression",
    "value",
    "vector",
    "matrix",
    "choice",
    "train",
    "graph",
)
LETTERS = "abcdefghijklmnopqrstuvwxyz"
"""The letters of a choice's options, in order (at most 26 options)."""


class LessonError(ValueError):
    """A problem in a lesson file; the message is complete (file, id, key, what was expected)."""


class ExerciseError(ValueError):
    """A step that cannot be drawn; the message names the key and what went wrong.

    `in_step` is False when the fault is in the lesson's own parameters (the loader then names
    the lesson rather than the step)."""

    def __init__(self, message: str, *, in_step: bool = True) -> None:
        super().__init__(message)
        self.in_step = in_step


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: how to draw it (random, fixed, expression) or compute it (a call)."""

    name: str
    kind: str  # one of DISTRIBUTIONS, or "compute"
    args: tuple[Any, ...] = ()  # int/uniform/normal bounds, choice values, fixed value
    shape: tuple[int, ...] | None = None
    round: int | None = None
    nonzero: bool = False
    exclude: tuple[float, ...] = ()
    texts: tuple[str, ...] = ()  # expr: the expression texts
    variables: tuple[str, ...] = ()  # expr: the variables in order
    vector: bool = False  # expr: a vector function (a list of expressions)
    call: Node | None = None  # compute: the parsed computation
    source: str = ""  # compute: the text as written


@dataclass(frozen=True)
class MistakeSpec:
    name: str
    answer: str  # a computation (value/vector/matrix) or expression text (derivative/expression)
    message: str
    call: Node | None = None


@dataclass(frozen=True)
class ExerciseSpec:
    kind: str
    prompt: str | None = None
    function: str | None = None  # derivative
    wrt: str | None = None  # derivative
    variables: tuple[str, ...] | None = None  # derivative, expression
    answer: str | None = None  # expression text, or a computation for value/vector/matrix
    call: Node | None = None  # parsed `answer` for value/vector/matrix
    shape: tuple[int, ...] | None = None
    rtol: float | None = None  # None: the grader's default (answers.grading)
    atol: float | None = None
    integer: bool = False  # value: the answer is a count, a whole number matched exactly
    options: tuple[str, ...] = ()
    correct: int | None = None  # choice: 0-based index of the right option
    feedback: tuple[str, ...] = ()
    shuffle: bool = True  # choice: options in a per-learner order (false: as written)
    mistakes: tuple[MistakeSpec, ...] = ()
    train: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[str, ...] = ()  # graph: the parameters that feed it
    nodes: tuple[tuple[str, str], ...] = ()  # graph: (name, expression text), in order
    ask: tuple[str, ...] | None = None  # graph: the names whose gradient to type, in order


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    text: str
    hints: tuple[str, ...] = ()
    explanation: str = ""
    params: tuple[ParamSpec, ...] = ()
    exercise: ExerciseSpec | None = None


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    params: tuple[ParamSpec, ...] = ()
    source: Path | None = None

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    @property
    def exercises(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.exercise is not None)


@dataclass(frozen=True)
class Course:
    title: str
    lessons: tuple[Lesson, ...]
    errors: tuple[str, ...] = ()
    source: Path | None = None

    def lesson(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

"""The course model: what a lesson file says, as frozen dataclasses (no behaviour but lookups).

The loader (``loader.py``) turns TOML into these; ``exercise.py`` draws one learner's version
of a step from them. Like rustlings' ``info_file.rs`` vs ``exercise.rs``: the file format and
the runtime object are two types with one conversion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT_VERSION = 2
"""The newest lesson format (index.toml's ``format_version``): 2 adds infix maths in
computations and `require` constraints on draws; format 1 courses still load."""
FORMAT_VERSIONS = (1, 2)
EXERCISE_KINDS = (
    "derivative",
    "expression",
    "value",
    "vector",
    "matrix",
    "choice",
    "train",
    "graph",
    "code",
)
LETTERS = "abcdefghijklmnopqrstuvwxyz"
"""The letters of a choice's options, in order (at most 26 options)."""

# Bounds on what a lesson may read, draw and show: sizes a learner can work with by hand, far
# below what would hang the tutor or `lessons check` (lessons/README.md, "Limits").
MAX_FILE_BYTES = 4 * 2**20
"""A lesson file (or index.toml) larger than this is not read."""
MAX_ENTRIES = 1000
"""Entries in any array a lesson draws, fixes or computes (a product of two such arrays stays
a few MB before it is refused)."""
MAX_DIMS = 4
"""Dimensions of a drawn or fixed array."""
MAX_SHOWN = 10
"""Prose shows a vector of at most this many entries, a matrix of at most MAX_SHOWN×MAX_SHOWN."""
MAX_MAGNITUDE = 1e15
"""Bounds of int, uniform and normal draws and fixed values (whole numbers stay exact)."""
MAX_ROUND = 15
"""Decimals `round` may ask for (a float has about 16 significant digits)."""
MAX_FORMAT_WIDTH = 40
"""Width (and precision) a format spec such as {a:>8.3f} may ask for."""
MAX_NESTING = 32
"""Nesting of calls and lists in a computation such as neg(neg(...))."""


def excerpt(text: str, limit: int = 60) -> str:
    """`text` cut to `limit` characters with …, for messages that quote a lesson's text."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class LessonError(ValueError):
    """A problem in a lesson file; the message is complete (file, id, key, what was expected)."""


class ExerciseError(ValueError):
    """A step that cannot be drawn; the message names the key and what went wrong.

    `in_step` is False when the fault is in the lesson's own parameters (the loader then names
    the lesson rather than the step)."""

    def __init__(self, message: str, *, in_step: bool = True) -> None:
        super().__init__(message)
        self.in_step = in_step


# --- a computation as parsed (calls.parse_call reads it, calls.evaluate_call runs it) -----------
# Here, not in calls.py, so that the model stays free of numpy (the app lists a course before
# numpy is loaded) and both can name the type.


@dataclass(frozen=True)
class NumberNode:
    """A number: `2`, `1e-3`."""

    value: float


@dataclass(frozen=True)
class StringNode:
    """A quoted string: `'x'`, `'tanh'`."""

    value: str


@dataclass(frozen=True)
class NameNode:
    """A parameter defined above, by name: `W1`."""

    name: str


@dataclass(frozen=True)
class ListNode:
    """`[a, b, ...]`: a vector, or a matrix as a list of rows."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class CallNode:
    """`name(args, key=value)`: a quantity of the registry (engine/course/quantities)."""

    name: str
    args: tuple[Node, ...]
    kwargs: tuple[tuple[str, Node], ...]


@dataclass(frozen=True)
class UnaryNode:
    """−operand."""

    operand: Node


@dataclass(frozen=True)
class BinaryNode:
    """left op right: arithmetic (+ − * / ^) or a comparison (COMPARISONS)."""

    op: str
    left: Node
    right: Node


Node = NumberNode | StringNode | NameNode | ListNode | CallNode | UnaryNode | BinaryNode


@dataclass(frozen=True)
class Constraint:
    """A `require` entry: a comparison the drawn parameters must satisfy (draws are repeated,
    deterministically, until every one holds)."""

    text: str
    node: Node


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: how to draw it (random, fixed, expression) or compute it (a call)."""

    name: str
    kind: str  # one of DISTRIBUTIONS, or "compute"
    args: tuple[Any, ...] = ()  # int/uniform/normal bounds, choice values, fixed value
    shape: tuple[int | str, ...] | None = None  # a str: the size is that parameter's value
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
class CodeOutput:
    """One value a code exercise's function returns: its name and the engine's computation."""

    name: str
    source: str
    call: Node | None = None


@dataclass(frozen=True)
class CodeMistakeSpec:
    """A declared mistake of a code exercise: what the named outputs are when it is made."""

    name: str
    message: str
    outputs: tuple[CodeOutput, ...]  # only the outputs the mistake changes


@dataclass(frozen=True)
class GradCheckSpec:
    """Finite differences of the learner's own scalar `function` (same arguments) check the
    outputs named in `wrt` (output name -> argument name)."""

    function: str
    wrt: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CodeSpec:
    """A `code` exercise (engine/course/code_format.py reads it; lessons/README.md documents it).

    The learner writes `function(*args)` in `file` (in their work folder, shared by the
    lesson's code steps that name it); each case draws `case_params` after the case's own
    values and calls the function; every output must equal its engine computation."""

    file: str
    function: str
    args: tuple[str, ...]
    outputs: tuple[CodeOutput, ...]
    starter: str
    solution: str  # a file in the course's solutions/ folder
    cases: tuple[tuple[ParamSpec, ...], ...]
    case_params: tuple[ParamSpec, ...] = ()
    mistakes: tuple[CodeMistakeSpec, ...] = ()
    gradcheck: GradCheckSpec | None = None
    time_limit: float = 5.0


@dataclass(frozen=True)
class GradientsSpec:
    """A `train` step that trains with the learner's own backward (engine/course/code_train.py):
    `function(W1, W2, X, y) -> (dW1, dW2)` in the learner's `file`, which a code step of the
    same lesson defines. The step is solved when the run finishes and matches the engine's."""

    file: str
    function: str


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
    gradients: GradientsSpec | None = None  # train: with the learner's own backward
    inputs: tuple[str, ...] = ()  # graph: the parameters that feed it
    nodes: tuple[tuple[str, str], ...] = ()  # graph: (name, expression text), in order
    ask: tuple[str, ...] | None = None  # graph: the names whose gradient to type, in order
    code: CodeSpec | None = None


@dataclass(frozen=True)
class Step:
    """One step of a lesson as its file states it: text, hints and an optional exercise whose
    parameters are drawn per learner (`params`) and redrawn until `require` holds."""

    id: str
    title: str
    text: str
    hints: tuple[str, ...] = ()
    explanation: str = ""
    params: tuple[ParamSpec, ...] = ()
    exercise: ExerciseSpec | None = None
    require: tuple[Constraint, ...] = ()


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    params: tuple[ParamSpec, ...] = ()
    source: Path | None = None
    warnings: tuple[str, ...] = ()
    """Problems that did not stop the lesson from loading (control characters, shown as ^[)."""
    require: tuple[Constraint, ...] = ()

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    @property
    def exercises(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.exercise is not None)


@dataclass(frozen=True)
class CoursePart:
    """A run of lessons with a heading on the course map (index.toml's `parts`)."""

    title: str
    files: tuple[Path, ...]  # the part's lesson files, as index.toml lists them


@dataclass(frozen=True)
class Course:
    title: str
    lessons: tuple[Lesson, ...]
    errors: tuple[str, ...] = ()
    source: Path | None = None
    warnings: tuple[str, ...] = ()
    """The index's and every loaded lesson's warnings; `lessons check` reports them."""
    parts: tuple[CoursePart, ...] = ()

    def lesson(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def part_headings(self) -> dict[int, str]:
        """Lesson index → the title of the part that starts there: the map's dividers. By
        file, so a part whose first lesson could not be loaded still starts at its next one."""
        headings: dict[int, str] = {}
        previous = None
        for index, lesson in enumerate(self.lessons):
            part = next((p for p in self.parts if lesson.source in p.files), None)
            if part is not None and part is not previous:
                headings[index] = part.title
            previous = part
        return headings

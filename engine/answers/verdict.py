"""What grading returns: the `Verdict` on one answer, the `Mistake` an exercise declares, and
the live `Preview` of an answer typed so far. One type per concept at the grading boundary:
`grading` builds them, the course room and the app read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
from bptutor.engine.answers.tree import Expr
from numpy.typing import NDArray

__all__ = ["STATUSES", "Mistake", "MistakeValue", "Preview", "PreviewKind", "Status", "Verdict"]

Status: TypeAlias = Literal["correct", "incorrect", "invalid"]
STATUSES: tuple[Status, ...] = ("correct", "incorrect", "invalid")
PreviewKind: TypeAlias = Literal["expression", "number", "array"]
MistakeValue: TypeAlias = "float | NDArray[np.float64] | Expr"


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """The outcome of grading one answer.

    `status`: "correct", "incorrect", or "invalid" (unreadable: not counted as a try).
    `message`: the substance, never empty unless correct; no "Right."/"Not quite.": the app says
    that itself. `mistake`: the name of a recognised mistake. `read_as`: how the answer was read.
    `wrong_entries`: 0-based indices of the entries that are off (arrays).
    """

    status: Status
    message: str = ""
    mistake: str | None = None
    read_as: str | None = None
    wrong_entries: tuple[tuple[int, ...], ...] = ()

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"Verdict status {self.status!r} is not one of {STATUSES}")
        if self.status != "correct" and not self.message:
            raise ValueError("a Verdict that is not correct says why (message)")

    @property
    def correct(self) -> bool:
        return self.status == "correct"


@dataclass(frozen=True, kw_only=True)
class Mistake:
    """A likely wrong answer an exercise declares: its name, the value it gives (a number, an
    array, or an expression tree for expression answers) and the message that explains it."""

    name: str
    expected: MistakeValue
    message: str

    def __post_init__(self) -> None:
        if isinstance(self.expected, str):
            raise TypeError(f"Mistake {self.name!r}: expected is text; pass parse(text), a tree")


@dataclass(frozen=True, kw_only=True)
class Preview:
    """How an answer typed so far is read (`read_as`), or why it cannot be (`problem`); exactly
    one is set. Never a grade. `warning` (only with read_as) says how to write what the learner
    may have meant when the reading chose a grouping: read_as "(x/2)·x", warning "write x/(2x)
    if you meant that"."""

    read_as: str | None = None
    problem: str | None = None
    warning: str | None = None

    def __post_init__(self) -> None:
        if (self.read_as is None) == (self.problem is None):
            raise ValueError("a Preview has either read_as or problem")
        if self.warning is not None and self.read_as is None:
            raise ValueError("a Preview warns only about a reading (read_as)")

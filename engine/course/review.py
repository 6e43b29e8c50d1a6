"""The review queue: what a learner missed comes back a few days later, with fresh numbers.

Leitner boxes, like a card box on a desk: a step that was answered wrong before it was solved,
needed hints, or had its solution revealed enters box 0 and is due the next day. Solved cleanly
on review (first try, no hint, no reveal) it moves up a box: due again after 3, then 7 days;
solved cleanly in the last box it leaves the queue. A miss on review puts it back in box 0.
Dates are calendar days in the learner's local time, from a clock the caller passes (tests
inject one), so "tomorrow" means tomorrow however late it is today.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bptutor.engine.course.model import Lesson, Step

__all__ = [
    "INTERVALS_DAYS",
    "Clock",
    "ReviewSession",
    "ReviewState",
    "after_review",
    "enters_review",
    "first_box",
    "system_clock",
]

INTERVALS_DAYS = (1, 3, 7)
"""Days until a step is due again, by box."""

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in local time (a day starts at the learner's midnight)."""
    return datetime.now().astimezone()


@dataclass(frozen=True)
class ReviewState:
    """Where a step stands in the queue: its box and the day it is due."""

    box: int
    due: date

    def is_due(self, now: datetime) -> bool:
        return now.date() >= self.due

    def to_dict(self) -> dict[str, Any]:
        return {"box": self.box, "due": self.due.isoformat()}

    @classmethod
    def from_dict(cls, data: object) -> ReviewState | None:
        """Read a stored state; anything malformed is None (the step is simply not queued)."""
        if not isinstance(data, Mapping):
            return None
        box, due = data.get("box"), data.get("due")
        if not isinstance(box, int) or isinstance(box, bool) or not isinstance(due, str):
            return None
        try:
            day = date.fromisoformat(due)
        except ValueError:
            return None
        return cls(min(max(box, 0), len(INTERVALS_DAYS) - 1), day)


def enters_review(*, wrong_before_solved: bool, hints_used: int, revealed: bool) -> bool:
    """Whether a step the learner has just finished goes into the queue."""
    return wrong_before_solved or hints_used > 0 or revealed


def first_box(now: datetime) -> ReviewState:
    """A step entering the queue: box 0, due the next day."""
    return ReviewState(0, now.date() + timedelta(days=INTERVALS_DAYS[0]))


def after_review(state: ReviewState, *, clean: bool, now: datetime) -> ReviewState | None:
    """The state after a review: up a box when solved cleanly (None: it leaves the queue after
    the last box), back to box 0 after a miss."""
    if not clean:
        return first_box(now)
    box = state.box + 1
    if box >= len(INTERVALS_DAYS):
        return None
    return ReviewState(box, now.date() + timedelta(days=INTERVALS_DAYS[box]))


@dataclass
class ReviewSession:
    """One sitting of reviews: the due steps in order, each as a fresh variant, and whether
    the one on screen has gone cleanly so far (no wrong try, no hint, no solution shown)."""

    items: list[tuple[Lesson, Step]]
    index: int = 0
    missed: bool = False

    @property
    def current(self) -> tuple[Lesson, Step] | None:
        return self.items[self.index] if self.index < len(self.items) else None

    def miss(self) -> None:
        """A wrong try, a hint or the solution: this review is not clean any more."""
        self.missed = True

    def advance(self) -> tuple[Lesson, Step] | None:
        """On to the next due step (None: the sitting is over)."""
        self.index += 1
        self.missed = False
        return self.current

"""The lesson screen's top line: where the learner is, then the step's status.

The status (variant, tries, ✓ solved) must show at any width, so the place is cut with … to
make room for it, again whenever the line is resized.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from bptutor.engine.course.model import Lesson
    from bptutor.engine.course.review import ReviewSession
    from bptutor.tui.step_visit import StepVisit

__all__ = ["LessonHeader", "fit_header"]


def fit_header(left: Text, right: Text, width: int) -> Text:
    """`left` cut with … so that `right` (the step's status) always shows within `width`."""
    room = width - right.cell_len
    if left.cell_len > room:
        left = left.copy()
        left.truncate(max(room - 1, 1))
        left.append("…")
    return left + right


class LessonHeader(Static):
    """One line: the place (review, lesson, step) cut to fit, then the status whole."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._place = Text()
        self._status = Text()

    def show(
        self,
        lesson: Lesson,
        index: int,
        *,
        variant: int = 0,
        review: ReviewSession | None = None,
        reading: bool = False,
        visit: StepVisit | None = None,
    ) -> None:
        """Step `index` of `lesson` (as `variant`), `reading` the lesson for a `review`;
        `visit`: the record of an exercise's numbers (None: a step to read)."""
        place = Text()
        if review is not None:
            place.append(f"Review {review.index + 1}/{len(review.items)} · ", style="bold")
        if reading:
            place.append("Read for a review (Esc returns) · ", style="bold")
        place.append(f"{lesson.title}", style="bold")
        place.append(f" · step {index + 1}/{len(lesson.steps)}")
        step = lesson.steps[index]
        if step.title:
            place.append(f": {step.title}")
        status = Text()
        if variant:  # in the status part: it stays visible however narrow
            status.append(f"  variant {visit.ordinal if visit is not None else variant}")
        if visit is not None:
            attempts = visit.attempts
            if visit.solved:
                status.append("  ✓ solved", style="bold")
            elif attempts:
                status.append(f"  {attempts} {'try' if attempts == 1 else 'tries'}")
            elif visit.progress.solved:  # a fresh variant of a step solved before
                status.append("  solved before")
            if visit.revealed:
                status.append("  (solution shown)")
        self._place, self._status = place, status
        self._fit()

    def on_resize(self) -> None:
        self._fit()  # the status part must stay visible at any width

    def _fit(self) -> None:
        # before the first layout the line has no size yet: the screen's width less padding
        width = (self.content_size.width or self.app.size.width - 2) - 1
        self.update(fit_header(self._place, self._status, width))

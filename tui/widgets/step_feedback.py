"""The pane under a lesson step's exercise: the verdict line over the notes.

The verdict line says how the last answer was graded, or a short note (a hint of what to do
next, "type an answer first"); the notes are the hints shown so far, the solution once
revealed and the explanation once earned (Markdown, as the lesson file writes them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bptutor.engine.course.exercise import ANSWER_KINDS
from bptutor.tui.widgets.prose import Prose
from bptutor.tui.widgets.verdict_view import VerdictView
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

if TYPE_CHECKING:
    from bptutor.engine.answers.grading import Verdict
    from bptutor.engine.course.exercise import DrawnStep
    from bptutor.tui.step_visit import StepVisit

__all__ = ["StepFeedback", "fresh_note"]


class StepFeedback(VerticalScroll):
    """The verdict (#verdict) and the notes (#notes); scrolls when they outgrow the pane."""

    def compose(self) -> ComposeResult:
        yield VerdictView(id="verdict")
        yield Prose(id="notes")

    def note(self, note: str | Text) -> None:
        """A short line in the verdict's place ("" clears it)."""
        self.query_one(VerdictView).show_note(note)

    def show_opening(self, visit: StepVisit, inst: DrawnStep | None, next_hint: str) -> None:
        """The line as a step opens: fresh numbers say so, a step solved before how to go on
        (`next_hint`), any other is empty."""
        kind = inst.kind if inst is not None else None
        earlier = visit.solved_before
        if visit.fresh:
            self.note(fresh_note(visit))
        elif earlier and kind == "code":
            self.note(
                Text("✓ Solved earlier. ", style="bold")
                + Text("Enter checks your file again; ctrl+n: next step.")
            )
        elif earlier and kind in (*ANSWER_KINDS, "choice"):
            self.note(Text("✓ Solved earlier. ", style="bold") + Text(next_hint))
        elif earlier and kind == "train" and inst is not None and inst.gradients is not None:
            self.note(Text("✓ Your run matched the engine's earlier. Press t to train again."))
        elif earlier and kind == "train":
            self.note(Text("✓ Trained earlier. Press t to train again.", style="bold"))
        else:
            self.note("")

    def show_verdict(
        self, verdict: Verdict, *, kind: str | None, attempts: int, repeated: bool, next_hint: str
    ) -> None:
        """A graded answer: right with the way on (`next_hint`), or wrong with the tries so far
        (`attempts`, 0 for no "ctrl+r shows the solution" nudge) and whether it was a repeat."""
        view = self.query_one(VerdictView)
        if verdict.correct:
            view.show_verdict(verdict, suffix=" " + next_hint)
            return
        code = kind == "code"
        same = "file" if code else "answer"
        again = f" (The same {same} as before: not counted again.)"
        view.show_verdict(
            verdict,
            attempts=attempts,
            echo_invalid=kind not in ANSWER_KINDS,  # these have the preview line
            suffix=again if repeated else "",
            invalid_label="Your code could not run" if code else "Could not read that",
        )

    async def show_notes(
        self, inst: DrawnStep | None, *, hints: int, revealed: bool, explain: bool
    ) -> None:
        """The first `hints` hints, the solution when `revealed`, the explanation when earned
        (`explain`) or revealed."""
        kind = inst.kind if inst is not None else None
        shown = inst.hints[:hints] if inst is not None else ()
        parts = [f"**Hint {i + 1}.** {h}" for i, h in enumerate(shown)]
        if revealed and inst is not None and kind == "code":
            parts.append(f"**Solution** (marked as revealed):\n\n```python\n{inst.solution}\n```")
        elif revealed and inst is not None and kind not in (None, "train"):
            parts.append(f"**Solution** (marked as revealed): `{inst.solution}`")
        explanation = inst.explanation if inst is not None else ""
        if (explain or revealed) and explanation:
            parts.append(f"**Why.** {explanation}")
        notes = self.query_one("#notes", Prose)
        notes.display = bool(parts)
        await notes.update("\n\n".join(parts))


def fresh_note(visit: StepVisit) -> Text:
    """Numbers the learner has not solved: a review's, or another variant's."""
    if visit.review is not None:
        what = "new numbers for a step" if visit.variant else "once more, a step"
        return Text("Review: ", style="bold") + Text(
            f"{what} you found hard. ctrl+l shows the lesson before it."
        )
    return Text(f"Variant {visit.ordinal}: ", style="bold") + Text(
        "the same question with new numbers."
    )

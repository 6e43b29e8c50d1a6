"""The line under the answer: right, wrong (and why), or unreadable.

Meaning is carried by a prefix (✓ ✗ ?) and words, colour only helps: NO_COLOR and 16-colour
terminals read the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:  # the first frame comes before numpy is imported
    from bptutor.engine.answers.grading import Verdict


def render_verdict(
    verdict: Verdict,
    *,
    attempts: int = 0,
    reveal_after: int = 3,
    echo_invalid: bool = True,
    invalid_label: str = "Could not read that",
) -> Text:
    """A verdict as rich Text (no markup: the checker's message is shown verbatim)."""
    text = Text()
    if verdict.status == "correct":
        text.append("✓ Right. ", style="bold")
        if verdict.message:
            text.append(str(verdict.message))
        return text
    if verdict.status == "invalid":
        if not echo_invalid:  # the preview line right above already says what is wrong
            text.append(f"? {invalid_label}", style="bold")
            text.append(" (see the line above; not counted).", style="dim")
            return text
        text.append(f"? {invalid_label}: ", style="bold")
        text.append(str(verdict.message))
        text.append(" (not counted)", style="dim")
        return text
    # the checker's message already names the mistake or lists the entries that are off
    # (1-based); verdict.mistake is an id for progress files, not words for a learner
    text.append("✗ Not quite. ", style="bold")
    text.append(str(verdict.message))
    if attempts >= reveal_after:
        text.append(f"\n  {attempts} tries so far: ctrl+r shows the solution.", style="dim")
    return text


class VerdictView(Static):
    """Shows the latest verdict, or a short note (e.g. "type an answer first")."""

    DEFAULT_CSS = """
    VerdictView { height: auto; }
    """

    def show_verdict(
        self,
        verdict: Verdict,
        *,
        attempts: int = 0,
        suffix: str = "",
        echo_invalid: bool = True,
        invalid_label: str = "Could not read that",
    ) -> None:
        rendered = render_verdict(
            verdict, attempts=attempts, echo_invalid=echo_invalid, invalid_label=invalid_label
        )
        rendered.rstrip()  # "✓ Right." + " Enter: next", not two spaces
        self.update(rendered + Text(suffix))
        self.set_class(verdict.status == "correct", "-correct")
        self.set_class(verdict.status == "incorrect", "-incorrect")
        self.set_class(verdict.status == "invalid", "-invalid")

    def show_note(self, note: str | Text) -> None:
        self.remove_class("-correct", "-incorrect", "-invalid")
        self.update(note)

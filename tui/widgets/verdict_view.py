"""The line under the answer: right, wrong (and why), or unreadable.

Meaning is carried by a prefix (✓ ✗ ?) and words, colour only helps: NO_COLOR and 16-colour
terminals read the same.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

MAX_ENTRIES_LISTED = 8


def describe_entries(entries: tuple[tuple[int, ...], ...]) -> str:
    """Entries as a learner counts them (1-based, as in the notes' W_ij)."""
    parts = []
    for index in entries[:MAX_ENTRIES_LISTED]:
        if len(index) == 1:
            parts.append(f"entry {index[0] + 1}")
        else:
            parts.append("(" + ", ".join(str(i + 1) for i in index) + ")")
    more = len(entries) - MAX_ENTRIES_LISTED
    text = ", ".join(parts)
    if more > 0:
        text += f" and {more} more"
    return text


def render_verdict(verdict: Any, *, attempts: int = 0, reveal_after: int = 3) -> Text:
    """A verdict as rich Text (no markup: the checker's message is shown verbatim)."""
    text = Text()
    if verdict.status == "correct":
        text.append("✓ Right. ", style="bold")
        if verdict.message:
            text.append(str(verdict.message))
        return text
    if verdict.status == "invalid":
        text.append("? Could not read that: ", style="bold")
        text.append(str(verdict.message))
        text.append(" (not counted)", style="dim")
        return text
    text.append("✗ Not quite. ", style="bold")
    text.append(str(verdict.message))
    if verdict.mistake:
        text.append("\n  Mistake: ", style="bold")
        text.append(str(verdict.mistake).replace("_", " "))
    entries = tuple(getattr(verdict, "wrong_entries", ()) or ())
    if entries:
        label = "Entries off (row, col): " if len(entries[0]) > 1 else "Off: "
        text.append(f"\n  {label}", style="bold")
        text.append(describe_entries(entries))
    if attempts >= reveal_after:
        text.append(f"\n  {attempts} tries so far: ctrl+r shows the solution.", style="dim")
    return text


class VerdictView(Static):
    """Shows the latest verdict, or a short note (e.g. "type an answer first")."""

    DEFAULT_CSS = """
    VerdictView { height: auto; }
    """

    def show_verdict(self, verdict: Any, *, attempts: int = 0, suffix: str = "") -> None:
        self.update(render_verdict(verdict, attempts=attempts) + Text(suffix))
        self.set_class(verdict.status == "correct", "-correct")
        self.set_class(verdict.status == "incorrect", "-incorrect")
        self.set_class(verdict.status == "invalid", "-invalid")

    def show_note(self, note: str | Text) -> None:
        self.remove_class("-correct", "-incorrect", "-invalid")
        self.update(note)

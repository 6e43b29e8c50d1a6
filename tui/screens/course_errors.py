"""A custom course with problems: list them (never a traceback), then go on with what loaded."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class CourseErrorsScreen(ModalScreen[None]):
    """The course loader's `course.errors`, one per paragraph."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape", "close", "Continue", id="errors.close"),
        Binding("q", "app.quit", "Quit", id="errors.quit"),
    ]

    def __init__(self, errors: tuple[str, ...], source: Any = None) -> None:
        super().__init__()
        self.errors = errors
        self.source = source

    def compose(self) -> ComposeResult:
        n = len(self.errors)
        where = f" in {self.source}" if self.source else ""
        with Vertical(id="errors-box"):
            yield Static(
                Text(f"The course has {n} problem{'s' if n != 1 else ''}{where}:", style="bold"),
                id="errors-title",
            )
            with VerticalScroll(id="errors-list"):
                for error in self.errors:
                    yield Static(Text("• " + str(error)), classes="course-error")
            yield Static(
                Text(
                    "Lessons with problems are left out. `bptutor lessons check DIR` shows the "
                    "details. Enter: continue · q: quit",
                    style="dim",
                ),
                id="errors-help",
            )

    def on_mount(self) -> None:
        self.query_one("#errors-list").focus()

    def action_close(self) -> None:
        self.dismiss()

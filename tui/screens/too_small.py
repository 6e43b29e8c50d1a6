"""Below the usable size: say so plainly instead of drawing a garbled lesson."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static


class TooSmallScreen(Screen[None]):
    """Pushed and popped by the app on resize; quitting still works."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Quit", id="small.quit"),
    ]

    def __init__(self, min_width: int, min_height: int, size: tuple[int, int]) -> None:
        super().__init__()
        self.min_width = min_width
        self.min_height = min_height
        self._term_size = size

    def compose(self) -> ComposeResult:
        yield Static(self._describe(), id="too-small-text")

    def show_size(self, width: int, height: int) -> None:
        """The app tells us the new terminal size on every resize."""
        self._term_size = (width, height)
        for text in self.query("#too-small-text").results(Static):
            text.update(self._describe())

    def _describe(self) -> str:
        width, height = self._term_size
        return (
            f"Please enlarge the window.\n\nbptutor needs {self.min_width}×{self.min_height}"
            f" or more;\nthis one is {width}×{height}.\n\nq quits."
        )

"""A base for the training view's live widgets: build a Rich Text once, serve cached strips.

The live plot, diagram and data view change several times a second. Going through ``render()``
makes Textual convert the Rich Text to its Content and re-split it on every repaint; here the
Text is turned into one Strip per line only when the data or the size change (Line API), which
keeps the UI thread's share of the CPU small while training runs in the other thread.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["TextLinesWidget"]


class TextLinesWidget(Widget):
    """Subclasses implement ``build_text(width, height)`` and call ``invalidate()``."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._version = 0
        self._strips_key: tuple[Any, ...] | None = None
        self._strips: list[Strip] = []

    def build_text(self, width: int, height: int) -> Text:  # pragma: no cover - abstract
        raise NotImplementedError

    def invalidate(self, *, layout: bool = False) -> None:
        """The data changed: rebuild at the next repaint."""
        self._version += 1
        self.refresh(layout=layout)

    def render_text(self) -> Text:
        """The whole content as Text at the current size (tests read ``.plain``)."""
        return self.build_text(self.size.width, self.size.height)

    def _build_strips(self, width: int, height: int) -> list[Strip]:
        base = self.visual_style.rich_style
        console = self.app.console
        strips = []
        for line in self.build_text(width, height).split("\n", allow_blank=True)[:height]:
            segments = list(line.render(console, end=""))
            strip = Strip(Segment.apply_style(segments, base))
            strips.append(strip.crop_extend(0, width, base))
        return strips

    def prepare(self) -> None:
        """Build the strips for the current size now rather than when the screen repaints.

        The training view calls this while its worker stands aside (see DRAW_WAIT in
        tui/training_worker.py), so the expensive part of a redraw never competes for the GIL.
        """
        width, height = self.size
        if width and height:
            self._strips_for(width, height)

    def _strips_for(self, width: int, height: int) -> list[Strip]:
        key = (self._version, width, height, self.app.theme)
        if key != self._strips_key:
            self._strips = self._build_strips(width, height)
            self._strips_key = key
        return self._strips

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        self._strips_for(width, height)
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(width, self.visual_style.rich_style)

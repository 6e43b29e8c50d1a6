"""The answer box: an Input that never takes a control character in.

Textual's Input types only printable keys, but a paste goes in as it is: ESC shows as ^[ and an
8-bit control such as U+009B (the one-character CSI) reaches the terminal raw. Answers never
need one, so every C0 and C1 control (and DEL) is dropped on the way in, typed or pasted, and a
tab becomes a space.
"""

from __future__ import annotations

from bptutor.engine.course.controls import strip_controls
from textual.widgets import Input


class AnswerInput(Input):
    """An Input whose every insertion (keys, paste, code) passes through `strip_controls`."""

    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(strip_controls(text), start, end)

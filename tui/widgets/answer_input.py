"""The answer box: an Input that never takes a control character in.

Textual's Input types only printable keys, but a paste goes in as it is: ESC shows as ^[ and an
8-bit control such as U+009B (the one-character CSI) reaches the terminal raw. Answers never
need one, so every C0 and C1 control (and DEL) is dropped on the way in, typed or pasted, and a
tab becomes a space.

Its editing keys (backspace, ←, →, Home, ctrl+u, …) run in the order they were typed, not
after the characters of a fast burst (tui/widgets/keys_in_order.py).
"""

from __future__ import annotations

from bptutor.engine.course.controls import strip_controls
from bptutor.tui.widgets.keys_in_order import KeysInOrder
from textual.widgets import Input


class AnswerInput(KeysInOrder, Input):
    """An Input whose every insertion (keys, paste, code) passes through `strip_controls`, and
    whose editing keys take effect in the order they come (module docstring)."""

    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(strip_controls(text), start, end)

"""The answer box: an Input that never takes a control character in.

Textual's Input types only printable keys, but a paste goes in as it is: ESC shows as ^[ and an
8-bit control such as U+009B (the one-character CSI) reaches the terminal raw. Answers never
need one, so every C0 and C1 control (and DEL) is dropped on the way in, typed or pasted, and a
tab becomes a space.

Its editing keys (backspace, ←, →, Home, ctrl+u, …) run in the order they were typed: Textual
runs a focused widget's key bindings only once the key has bubbled up to the app and come
back, while typed characters go in at once, so in a fast burst (keys sent by tmux, a macro, a
quick typist on a slow server) the characters overtook the edits: "abc ⌫ d ← ← X" gave "abcd"
and "ctrl+u xy" an empty box.
"""

from __future__ import annotations

from bptutor.engine.course.controls import strip_controls
from textual import events
from textual.binding import Binding
from textual.widgets import Input

_EDITING_KEYS: dict[str, str] = {
    key.strip(): binding.action
    for binding in Input.BINDINGS
    if isinstance(binding, Binding)
    for key in binding.key.split(",")
}
"""Input's own bindings by key (e.g. "backspace" -> "delete_left", "enter" -> "submit")."""


class AnswerInput(Input):
    """An Input whose every insertion (keys, paste, code) passes through `strip_controls`, and
    whose editing keys take effect in the order they come (module docstring)."""

    async def _on_key(self, event: events.Key) -> None:
        action = _EDITING_KEYS.get(event.key)
        if action is None:
            await super()._on_key(event)
            return
        event.stop()
        event.prevent_default()
        await self.run_action(action)

    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(strip_controls(text), start, end)

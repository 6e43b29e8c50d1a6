"""Keys taken in the order they come, for widgets that act on typed characters at once.

Textual runs a focused widget's key bindings only once the key has bubbled up to the app and
come back, while a widget's own `_on_key` handles a character at once. In a fast burst (keys
sent by tmux, a macro, a quick typist on a slow server) the characters then overtake the bound
keys: in the answer box "abc ⌫ d ← ← X" gave "abcd" and "ctrl+u xy" an empty box; in a choice
"enter c" confirmed c, not the option highlighted when Enter was pressed. A widget with this
mixin runs its own bindings (those its classes declare) in `_on_key`, in order.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from textual import events
from textual.binding import Binding
from textual.widget import Widget

__all__ = ["KeysInOrder", "own_bindings"]


@functools.cache
def own_bindings(cls: type[Widget]) -> dict[str, str]:
    """Key -> action of the bindings of the Textual widget `cls` extends (and of its own
    subclasses, the nearest winning): "backspace" -> "delete_left" for an Input, "enter" ->
    "select" for an OptionList. Not those of more general bases (a Widget's scrolling keys):
    those stay with the usual dispatch."""
    found: dict[str, str] = {}
    for klass in cls.__mro__:
        declared = vars(klass).get("BINDINGS", ())
        for binding in declared:
            if isinstance(binding, Binding):
                for key in binding.key.split(","):
                    found.setdefault(key.strip(), binding.action)
        if declared and klass.__module__.startswith("textual."):
            break  # the widget extended: its bases' keys are not its own
    return found


_Mixin = Widget if TYPE_CHECKING else object  # a plain mixin: a Widget base would bring its
# own (empty) CSS and component classes into the widget's class hierarchy


class KeysInOrder(_Mixin):
    """Runs the widget's own key bindings as the key arrives (module docstring); put it
    before the Textual widget it extends: `class AnswerInput(KeysInOrder, Input)`."""

    async def _on_key(self, event: events.Key) -> None:
        action = own_bindings(type(self)).get(event.key)
        if action is None:
            await super()._on_key(event)
            return
        event.stop()
        event.prevent_default()
        await self.run_action(action)

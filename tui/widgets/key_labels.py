"""A screen's keys as the help lists them: each key as printed on the keyboard, one row per
action with what it does.

Textual names some keys by words ("question_mark", "equals_sign"); a learner looks for the
sign. The rows come from a screen's own ``BINDINGS``, so the help cannot drift from the keys.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingType

__all__ = ["KEY_LABELS", "key_label", "key_rows"]

KEY_LABELS = {
    "space": "space",
    "plus": "+",
    "minus": "-",
    "equals_sign": "=",
    "escape": "esc",
    "question_mark": "?",
}
"""Textual's key names that are shown otherwise (the rest are shown as they are: a, M, ...)."""


def key_label(binding: Binding) -> str:
    """The key as the help shows it: "?" for question_mark, else its display or its name."""
    return KEY_LABELS.get(binding.key) or binding.key_display or binding.key


def key_rows(bindings: Iterable[BindingType]) -> tuple[tuple[str, str], ...]:
    """(key label, what it does) per action of ``bindings``, in their order (the tooltip, else
    the description); keys bound to the same action share a row ("+ / =")."""
    rows: dict[str, tuple[list[str], str]] = {}
    for binding in bindings:
        assert isinstance(binding, Binding)
        keys, _ = rows.setdefault(binding.action, ([], binding.tooltip or binding.description))
        keys.append(key_label(binding))
    return tuple((" / ".join(keys), what) for keys, what in rows.values())

"""Control characters in text that reaches the terminal: shown as ^X, or stripped.

A lesson file can hold any character TOML escapes allow (`\\u001b`, and C1 controls such as
U+009B even unescaped); written to a terminal they change its title, clear the screen or move
the cursor. The loader shows every C0 and C1 control (newline and tab excepted) in caret
notation, the way `cat -v` does: ESC is ``^[``, DEL ``^?``, and a C1 control, which stands for
ESC plus a letter, is ``^[`` plus that letter (U+009B, the CSI, is ``^[[``). Typed answers are
stripped instead (the answer box never needs a control character).
"""

from __future__ import annotations

import re

__all__ = ["CONTROL", "caret", "strip_controls"]

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Every C0 and C1 control character and DEL, except tab (\\t) and newline (\\n)."""


def _caret(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    return "^[" + chr(code - 0x40)


def caret(text: str) -> str:
    """`text` with each control character (but tab and newline) shown as ^X."""
    return CONTROL.sub(_caret, text)


_TYPED = re.compile("[\x00-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """`text` for one-line input: a tab becomes a space, every other control is dropped."""
    return _TYPED.sub("", text.replace("\t", " "))

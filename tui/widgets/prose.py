"""Lesson text: Markdown whose code blocks without a language stay plain text.

Lessons put formulas and diagrams in indented or ``` blocks with no language. Textual's fence
then asks Pygments to guess one (`guess_lexer`), which imports every lexer Pygments has and runs
each on the text, three times per block (build and two style updates). Measured by
bench/sessions.py: opening the first lesson grew a session by ~22 MiB (58 to 80 MiB) and cost
CPU on every step shown. A guessed lexer could also colour maths as if it were code. Blocks that
name a language keep their highlighting.
"""

from __future__ import annotations

from typing import ClassVar

from textual.content import Content
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence


class PlainFence(MarkdownFence):
    """A code block: highlighted when it names a language, plain text otherwise."""

    @classmethod
    def highlight(cls, code: str, language: str, ansi: bool = False, dark: bool = False) -> Content:
        return super().highlight(code, language or "text", ansi=ansi, dark=dark)


class Prose(Markdown):
    """Markdown for lesson text, notes and hints (see the module docstring)."""

    BLOCKS: ClassVar[dict[str, type[MarkdownBlock]]] = {
        **Markdown.BLOCKS,
        "fence": PlainFence,
        "code_block": PlainFence,
    }

"""Lesson prose: code blocks without a language are shown as plain text, never guessed."""

from __future__ import annotations

from typing import Any

import pygments.lexers
import pytest
from bptutor.tui.widgets.prose import PlainFence, Prose
from textual.app import App, ComposeResult
from textual.widgets import Label

TEXT = """Indented, as the lessons write formulas:

    f′(x) = lim_{h→0} (f(x + h) − f(x)) / h

Fenced, as they draw diagrams:

```
 x₁ ──┐
 x₂ ──┴─ W ─▶ ŷ
```

And with a language:

```python
def f(x):
    return 3 * x**3 - x
```
"""


class ProseApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Prose(TEXT)


async def test_plain_blocks_are_never_guessed(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("guess_lexer called: it imports every Pygments lexer")

    monkeypatch.setattr(pygments.lexers, "guess_lexer", refuse)
    app = ProseApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        fences = list(app.query(PlainFence))
        assert [f.lexer for f in fences] == ["", "", "python"]
        shown = [f.query_one(Label).content for f in fences]  # what each block displays
        plain = shown[:2]
        assert "f′(x) = lim_{h→0}" in plain[0].plain
        assert "x₂ ──┴─ W ─▶ ŷ" in plain[1].plain
        # one colour, the text's: it is not code (Pygments guessed "scdoc" for the formula)
        assert all({span.style for span in content.spans} == {"$text"} for content in plain)
        code = shown[2]  # a named language is still highlighted
        assert len({span.style for span in code.spans}) > 1

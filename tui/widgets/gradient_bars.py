"""The gradient's size per layer, live: one bar and one number per weight layer.

‖∂E/∂W⁽ˡ⁾‖ (with its bias) for l = 1..D, on a log scale relative to the largest layer: each
factor of ten smaller is a shorter bar, so in a deep sigmoid stack the first layers' bars
shrink towards nothing while the last layer's stays full: vanishing gradients, watched as the
network trains. The numbers are the gradient on the whole set at the weights shown
(``Gradients.layer_norms``), taken with each progress update rather than every epoch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

__all__ = ["GradientBars", "bar_length", "render_gradient_bars"]

LABEL = "‖∂E/∂W‖"
BLOCKS = " ▏▎▍▌▋▊▉█"


def bar_length(norm: float, largest: float, width: int, decades: float = 6.0) -> float:
    """Cells of a bar ``width`` long for ``norm`` (log scale: ``largest`` fills it, one
    ``decades``-th of it less per factor of ten smaller, zero and non-finite: empty)."""
    if not (math.isfinite(norm) and math.isfinite(largest)) or norm <= 0 or largest <= 0:
        return 0.0
    fraction = 1.0 + math.log10(norm / largest) / decades
    return max(0.0, min(1.0, fraction)) * width


def _bar(cells: float, width: int) -> str:
    full = int(cells)
    eighths = round((cells - full) * 8)
    if eighths == 8:
        full, eighths = full + 1, 0
    text = "█" * full + (BLOCKS[eighths] if eighths and full < width else "")
    return text.ljust(width)


def _number(value: float, digits: int = 1) -> str:
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else "inf"
    text = f"{value:.{digits}e}" if digits else f"{value:.0e}"
    return text.replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


def render_gradient_bars(norms: Sequence[float], width: int) -> Text:
    """One line: the label, then per layer "W(l) <bar> <number>", fitted to ``width`` (when
    tight: shorter names and numbers first, the bars last)."""
    text = Text(no_wrap=True, overflow="crop")
    text.append(LABEL, style="bold")
    if not norms:
        text.append(" per layer: (after the first epoch)", style="dim")
        return text
    finite = [n for n in norms if math.isfinite(n) and n > 0]
    largest = max(finite) if finite else 0.0
    for names, digits in ((" W({})", 1), (" {}:", 1), (" {}:", 0)):
        cells = [(names.format(i), _number(n, digits)) for i, n in enumerate(norms, 1)]
        fixed = len(LABEL) + sum(len(name) + 2 + len(num) + 1 for name, num in cells)
        bar_width = max(0, min(10, (width - fixed) // len(norms)))
        if bar_width >= 3:
            break
    for (name, number), norm in zip(cells, norms, strict=True):
        text.append(name, style="dim")
        text.append(" ")
        if bar_width:
            text.append(_bar(bar_length(norm, largest, bar_width), bar_width), style="cyan")
            text.append(" ")
        text.append(number + " ")
    return text


class GradientBars(Static):
    """The gradient's size per layer (one line); ``set_norms`` with each layer's norm."""

    DEFAULT_CSS = """
    GradientBars { height: 1; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._norms: tuple[float, ...] = ()

    @property
    def norms(self) -> tuple[float, ...]:
        return self._norms

    def set_norms(self, norms: Sequence[float]) -> None:
        norms = tuple(float(n) for n in norms)
        if norms != self._norms:
            self._norms = norms
            self.refresh()

    def render(self) -> Text:
        return render_gradient_bars(self._norms, max(1, self.content_size.width))

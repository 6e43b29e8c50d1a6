"""The live loss curve: a thin widget over its own plotext figure.

Never plotext's global ``plt``: each widget owns a ``_figure_class()`` so two plots (or a plot
and a test) cannot draw into each other. The loss history is reduced to about two points per
column (a min/max envelope per bucket) before plotext sees it, so a 100,000-epoch history
redraws as fast as a 100-epoch one.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import plotext._utility as plotext_utility
from bptutor.engine.nn.session import LossCurve
from bptutor.tui.widgets.text_lines import TextLinesWidget
from plotext._figure import _figure_class
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive

__all__ = [
    "LossPlot",
    "curve_envelope",
    "downsample_envelope",
    "draw_loss_plot",
    "figure_text",
    "render_loss_plot",
    "short_number",
    "value_ticks",
]


def downsample_envelope(
    losses: np.ndarray, buckets: int, first_epoch: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Epochs and losses reduced to ``2 * buckets`` points (min and max per bucket) when longer.

    Keeping both extremes of each bucket keeps spikes and oscillations visible (a diverging or
    noisy mini-batch run must not look smooth just because it was downsampled). Non-finite
    losses are dropped: plotext cannot draw them and the status line reports them instead.
    """
    losses = np.asarray(losses, dtype=float)
    n = losses.shape[0]
    epochs = np.arange(first_epoch, first_epoch + n, dtype=float)
    finite = np.isfinite(losses)
    if not finite.all():
        epochs, losses = epochs[finite], losses[finite]
        n = losses.shape[0]
    buckets = max(1, int(buckets))
    if n <= buckets:  # short: as is (more would cost plotext time for nothing visible)
        return epochs, losses
    bounds = np.linspace(0, n, buckets + 1).astype(np.int64)
    starts = bounds[:-1]
    lo = np.minimum.reduceat(losses, starts)
    hi = np.maximum.reduceat(losses, starts)
    # both extremes of a bucket sit at the bucket's middle epoch: a vertical stroke per column
    mid = epochs[(starts + bounds[1:] - 1) // 2]
    return np.repeat(mid, 2), np.column_stack([hi, lo]).ravel()


def curve_envelope(
    curve: LossCurve, buckets: int, *, log_epochs: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Like ``downsample_envelope``, for a history that may have merged epochs into buckets
    (``LossHistory`` in a long run): each plot bucket gets the lowest and highest loss of the
    history's buckets it covers, at their middle epoch. ``log_epochs``: plot buckets evenly
    spaced on a log epoch axis (few epochs each early on, many late), so a long run's first
    epochs keep their share of the width."""
    if curve.step == 1 and not log_epochs:
        return downsample_envelope(curve.lo, buckets)
    lo, hi, mids = curve.lo, curve.hi, curve.epochs
    m, buckets = len(lo), max(1, int(buckets))
    if m > buckets:
        if log_epochs:
            edges = np.round(np.geomspace(1, m + 1, buckets + 1)).astype(np.int64) - 1
            bounds = np.unique(np.concatenate([[0], edges, [m]]))
        else:
            bounds = np.linspace(0, m, buckets + 1).astype(np.int64)
        starts = bounds[:-1]
        lo, hi = np.fmin.reduceat(lo, starts), np.fmax.reduceat(hi, starts)
        first, last = curve.epochs[starts], curve.epochs[bounds[1:] - 1]
        mids = np.sqrt(first * last) if log_epochs else (first + last) / 2
    if curve.step == 1 and m <= buckets:  # every epoch, once
        finite = np.isfinite(lo)
        return mids[finite], lo[finite]
    epochs = np.repeat(mids, 2)
    values = np.column_stack([hi, lo]).ravel()
    finite = np.isfinite(values)
    return epochs[finite], values[finite]


def _log_epoch_ticks(first: float, last: float) -> list[int]:
    """Powers of ten between the first and last epoch (1, 10, 100, ...)."""
    ticks = [10**k for k in range(0, 10) if first <= 10**k <= last]
    return ticks or [int(first)]


def _epoch_ticks(first: float, last: float, count: int = 5) -> list[int]:
    """Round integer epoch ticks (1, 2, 5 × 10^k steps) so the axis reads as epochs."""
    span = max(1.0, last - first)
    raw = span / max(1, count - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 5, 10) if s * mag >= raw / 1.5)
    start = math.ceil(first / step) * step
    ticks = []
    t = start
    while t <= last + 1e-9:
        ticks.append(int(t))
        t += step
    return ticks or [int(first)]


def short_number(v: float) -> str:
    """A tick label at most ~6 characters wide: 0.25, 1e-5, 3e12."""
    text = f"{v:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def value_ticks(lo: float, hi: float, log_scale: bool, count: int = 5) -> list[float]:
    """Tick positions for the loss axis (plotext's own labels print every digit of 1e25)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    if log_scale:
        d0, d1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        stride = max(1, math.ceil((d1 - d0) / (count - 1)))
        ticks = [10.0**d for d in range(d0, d1 + 1, stride) if lo <= 10.0**d <= hi]
        if len(ticks) < 2:  # less than a decade: the ends say more
            ticks = [lo, hi]
        return ticks
    raw = (hi - lo) / (count - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 5, 10) if s * mag >= raw / 1.5)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def render_loss_plot(
    losses: np.ndarray | LossCurve,
    width: int,
    height: int,
    *,
    log_scale: bool = False,
    title: str = "",
    figure: object | None = None,
    log_epochs: bool = False,
) -> str:
    """The plotext drawing (ANSI text) of a loss history, sized ``width`` x ``height``.

    Used by the plain ``bptutor train`` output; the widget draws the same figure
    (``draw_loss_plot``) and reads it with ``figure_text``, so both look the same.
    """
    fig = figure if figure is not None else _figure_class()
    draw_loss_plot(
        fig, losses, width, height, log_scale=log_scale, title=title, log_epochs=log_epochs
    )
    return fig.build()


def draw_loss_plot(
    fig: Any,
    losses: np.ndarray | LossCurve,
    width: int,
    height: int,
    *,
    log_scale: bool,
    title: str,
    log_epochs: bool = False,
) -> None:
    """Set up plotext figure ``fig`` for the loss curve (``fig.build()`` or ``figure_text``):
    a history's ``curve()`` or the loss per epoch as an array; ``log_epochs``: a log x-axis."""
    fig.clear_figure()
    fig.theme("clear")  # no background colours: readable with NO_COLOR and in 16 colours
    fig.plotsize(max(10, width), max(4, height))
    if log_epochs and not isinstance(losses, LossCurve):
        losses = LossCurve.of(losses)
    if isinstance(losses, LossCurve):
        epochs, values = curve_envelope(losses, max(1, width - 8), log_epochs=log_epochs)
    else:
        epochs, values = downsample_envelope(losses, max(1, width - 8))
    if title:
        fig.title(title)
    if values.size == 0:
        fig.text("no epochs yet", 0.5, 0.5)
        fig.xlim(0, 1)
        fig.ylim(0, 1)
        return
    if log_scale:
        values = np.maximum(values, 1e-300)
        fig.yscale("log")
    if values.size == 1:  # plotext needs a range: draw the single point as a short flat line
        epochs = np.array([epochs[0], epochs[0] + 1.0])
        values = np.array([values[0], values[0]])
    fig.plot(epochs.tolist(), values.tolist(), marker="hd", color="cyan")
    yticks = value_ticks(float(values.min()), float(values.max()), log_scale)
    if yticks:
        fig.yticks(yticks, [short_number(t) for t in yticks])
    if log_epochs and epochs[-1] > epochs[0]:
        fig.xscale("log")
        ticks = _log_epoch_ticks(float(epochs[0]), float(epochs[-1]))
        fig.xticks(ticks, [str(t) if t < 100_000 else f"1e{len(str(t)) - 1}" for t in ticks])
        fig.xlabel("epoch (log scale)")
        return
    ticks = _epoch_ticks(float(epochs[0]), float(epochs[-1]))
    fig.xticks(ticks, [str(t) for t in ticks])
    fig.xlabel("epoch")


_STYLES: dict[tuple[Any, Any, Any], Style] = {}


def _cell_style(colors: tuple[Any, Any, Any]) -> Style:
    """The Rich style of a plotext (foreground, style, background) triple, made once."""
    key = tuple(tuple(c) if isinstance(c, list) else c for c in colors)  # rgb lists
    style = _STYLES.get(key)
    if style is None:
        ansi = plotext_utility.colors_to_ansi(*colors)
        spans = Text.from_ansi(f"{ansi}x").spans
        style = spans[0].style if spans else Style.null()
        _STYLES[key] = style = style if isinstance(style, Style) else Style.parse(style)
    return style


def figure_text(fig: Any) -> Text:
    """``Text.from_ansi(fig.build())`` without the ANSI detour: read plotext's cell matrix.

    ``build()`` concatenates an escape code per colour change into one long string (plotext's
    ``set_canvas``), which Rich then parses back; together that is ~40 % of a redraw. Same
    characters and colours (a test compares them), in half the time.
    """
    fig._set_sizes()
    fig._build_matrix()
    matrix = fig.monitor.matrix
    text = Text(no_wrap=True, overflow="crop")
    append = text.append
    rows = matrix.rows
    for row in range(rows - 1, -1, -1):
        markers, fg, st, bg = (
            matrix.marker[row],
            matrix.fullground[row],
            matrix.style[row],
            matrix.background[row],
        )
        start, cols = 0, len(markers)
        while start < cols:
            colors = (fg[start], st[start], bg[start])
            end = start + 1
            while end < cols and (fg[end], st[end], bg[end]) == colors:
                end += 1
            append("".join(markers[start:end]), _cell_style(colors))
            start = end
        if row:
            append("\n")
    return text


class LossPlot(TextLinesWidget):
    """Loss per epoch, redrawn only when the history or the size changes."""

    DEFAULT_CSS = """
    LossPlot {
        width: 1fr;
        height: 1fr;
        min-height: 6;
        min-width: 20;
    }
    """

    log_scale: reactive[bool] = reactive(False)
    log_epochs: reactive[bool] = reactive(False)
    """A log epoch axis: a long run's first epochs keep their share of the width."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._figure = _figure_class()
        self._curve = LossCurve.of(np.empty(0))
        self._cache_key: tuple[object, ...] | None = None
        self._cache: Text = Text("")
        self.last_build_seconds = 0.0
        """How long the last plotext build took (read by bench/training_ui.py)."""

    @property
    def curve(self) -> LossCurve:
        """The history currently drawn."""
        return self._curve

    @property
    def losses(self) -> np.ndarray:
        """The losses drawn: one per epoch in a short run, the lowest per bucket in a long one."""
        return self._curve.lo

    @property
    def epochs(self) -> int:
        """How many epochs the drawn curve covers (more than len(losses) once bucketed)."""
        return self._curve.n

    def set_history(self, losses: np.ndarray | LossCurve) -> None:
        """Draw ``losses`` (a history's curve, or the loss per epoch) at the next refresh."""
        self._curve = losses if isinstance(losses, LossCurve) else LossCurve.of(losses)
        self.invalidate()

    def watch_log_scale(self) -> None:
        self.invalidate()

    def watch_log_epochs(self) -> None:
        self.invalidate()

    def build(self, width: int, height: int) -> Text:
        """Build the drawing for a size; timed, and cached by (history length, size, scale)."""
        key = (self._version, width, height, self.log_scale, self.log_epochs)
        if key == self._cache_key:
            return self._cache
        start = time.perf_counter()
        draw_loss_plot(
            self._figure,
            self._curve,
            width,
            height,
            log_scale=self.log_scale,
            title="loss (log scale)" if self.log_scale else "loss",
            log_epochs=self.log_epochs,
        )
        text = figure_text(self._figure)
        self.last_build_seconds = time.perf_counter() - start
        self._cache_key, self._cache = key, text
        return text

    def build_text(self, width: int, height: int) -> Text:
        return self.build(width, height)

"""What the network has learnt, in data space.

For a 1-D regression set (sine): the data and the network's current fit, drawn by a per-widget
plotext figure. For a 2-D set: the decision regions as a coarse character heat map — ASCII only,
readable without colour (the character carries the class, colour only repeats it).

`data_view_values` is plain numpy so the training worker computes it off the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from bptutor.tui.widgets.loss_plot import figure_text, short_number, value_ticks
from bptutor.tui.widgets.text_lines import TextLinesWidget
from plotext._figure import _figure_class
from rich.text import Text
from textual import events
from textual.message import Message

__all__ = [
    "MAP_CHARS",
    "DataView",
    "DataViewValues",
    "data_view_values",
    "draw_fit_plot",
    "render_class_map",
    "render_decision_map",
    "render_fit_plot",
]

# four levels from "surely the low class" to "surely the high class"; o / x mark the examples
MAP_CHARS = ".:+#"
POINT_CHARS = ("o", "x")
_LOW_STYLE, _HIGH_STYLE = "blue", "red"
# three or more classes (the spiral): a region character and a point character per class
CLASS_REGION_CHARS = ".-=%*"
CLASS_POINT_CHARS = "oxv#@"
CLASS_STYLES = ("blue", "red", "green", "yellow", "magenta")


@dataclass(frozen=True)
class DataViewValues:
    """A snapshot of the net's predictions over the input space, plus the data to overlay."""

    kind: str  # "fit" (1-D input), "map" (2-D input, 2 classes), "classes" (k >= 3) or "none"
    X: np.ndarray  # (L, n) the data
    y: np.ndarray  # (L,) first target column
    grid_x: np.ndarray  # fit: (G,) inputs; map: (cols,) first coordinate of the cell centres
    grid_y: np.ndarray  # fit: (G,) predictions; map: (rows,) second coordinate (top row first)
    grid: np.ndarray | None = None  # map: (rows, cols) predictions
    low: float = 0.0  # the two class values (map)
    high: float = 1.0


def _padded_range(v: np.ndarray) -> tuple[float, float]:
    lo, hi = float(np.min(v)), float(np.max(v))
    pad = 0.08 * (hi - lo) if hi > lo else 1.0
    return lo - pad, hi + pad


def data_view_values(
    net: Any, X: np.ndarray, y: np.ndarray, grid_shape: tuple[int, int] = (24, 10)
) -> DataViewValues:
    """Predictions of ``net`` over a grid covering the data (``grid_shape`` = (cols, rows))."""
    yy = np.asarray(y, dtype=float).reshape(len(X), -1)[:, 0]
    n = X.shape[1]
    with np.errstate(all="ignore"):
        if n == 1:
            lo, hi = _padded_range(X[:, 0])
            gx = np.linspace(lo, hi, 80)
            pred = np.asarray(net.forward(gx[:, None]).y_hat, dtype=float).reshape(-1, 1)[:, 0]
            return DataViewValues("fit", X.copy(), yy, gx, pred)
        if n == 2:
            cols, rows = max(2, int(grid_shape[0])), max(2, int(grid_shape[1]))
            x0, x1 = _padded_range(X[:, 0])
            y0, y1 = _padded_range(X[:, 1])
            gx = np.linspace(x0, x1, cols)
            gy = np.linspace(y1, y0, rows)  # top row first
            pts = np.column_stack([np.tile(gx, rows), np.repeat(gy, cols)])
            pred3 = np.asarray(net.forward(pts).y_hat, dtype=float).reshape(rows, cols, -1)
            y2 = np.asarray(y, dtype=float).reshape(len(X), -1)
            if pred3.shape[2] >= 3 and y2.shape[1] == pred3.shape[2]:  # k classes: the argmax
                k = pred3.shape[2]
                labels = np.argmax(y2, axis=1).astype(float)
                best = np.argmax(np.nan_to_num(pred3, nan=-np.inf), axis=2).astype(float)
                return DataViewValues("classes", X.copy(), labels, gx, gy, best, 0.0, k - 1.0)
            pred = pred3[..., 0]
            classes = np.unique(yy)
            low, high = (float(classes[0]), float(classes[-1])) if classes.size else (0.0, 1.0)
            return DataViewValues("map", X.copy(), yy, gx, gy, pred, low, high)
    return DataViewValues("none", X.copy(), yy, np.empty(0), np.empty(0))


def map_levels(values: DataViewValues) -> np.ndarray:
    """Which of MAP_CHARS each cell gets: 0 = surely the low class ... 3 = surely the high."""
    assert values.grid is not None
    span = values.high - values.low or 1.0
    mid = 0.5 * (values.low + values.high)
    t = np.clip((np.nan_to_num(values.grid, nan=mid) - values.low) / span, 0, 1)
    return np.minimum((t * len(MAP_CHARS)).astype(int), len(MAP_CHARS) - 1)


def _example_cells(
    values: DataViewValues, rows: int, cols: int
) -> list[tuple[tuple[int, int], Any]]:
    """The grid cell (row, column) of each example that falls on the grid, with its label."""
    gx, gy = values.grid_x, values.grid_y
    out = []
    for (px, py), label in zip(values.X[:, :2], values.y, strict=False):
        c = round(float((px - gx[0]) / (gx[-1] - gx[0]) * (cols - 1))) if cols > 1 else 0
        r = round(float((py - gy[0]) / (gy[-1] - gy[0]) * (rows - 1))) if rows > 1 else 0
        if 0 <= r < rows and 0 <= c < cols:
            out.append(((r, c), label))
    return out


def _styled(cells: list[list[str]], styles: list[list[str]], width: int, height: int) -> Text:
    """The grid as text cropped to width × height: one span per run of equal style (a few
    segments per row, not one per character)."""
    text = Text(no_wrap=True, overflow="crop")
    rows, cols = len(cells), len(cells[0]) if cells else 0
    for r in range(min(rows, height)):
        c, end = 0, min(cols, width)
        while c < end:
            run = c + 1
            while run < end and styles[r][run] == styles[r][c]:
                run += 1
            text.append("".join(cells[r][c:run]), style=styles[r][c])
            c = run
        if r < min(rows, height) - 1:
            text.append("\n")
    return text


def render_decision_map(values: DataViewValues, width: int, height: int) -> Text:
    """The heat map: one character per grid cell, the examples drawn on top as o / x."""
    grid = values.grid
    if grid is None:
        return Text(no_wrap=True, overflow="crop")
    rows, cols = grid.shape
    level = map_levels(values)
    cells = [[MAP_CHARS[level[r, c]] for c in range(cols)] for r in range(rows)]
    styles = [
        [_LOW_STYLE if level[r, c] < 2 else _HIGH_STYLE for c in range(cols)] for r in range(rows)
    ]
    mid = 0.5 * (values.low + values.high)
    for (r, c), label in _example_cells(values, rows, cols):
        high = label >= mid
        cells[r][c] = POINT_CHARS[int(high)]
        styles[r][c] = "bold " + (_HIGH_STYLE if high else _LOW_STYLE)
    return _styled(cells, styles, width, height)


def render_class_map(values: DataViewValues, width: int, height: int) -> Text:
    """Regions of k classes: the class each cell would get (its own character and colour),
    the examples drawn on top with their class's point character."""
    grid = values.grid
    if grid is None:
        return Text(no_wrap=True, overflow="crop")
    rows, cols = grid.shape
    n = len(CLASS_REGION_CHARS)
    cls = grid.astype(int) % n
    cells = [[CLASS_REGION_CHARS[cls[r, c]] for c in range(cols)] for r in range(rows)]
    styles = [[CLASS_STYLES[cls[r, c]] for c in range(cols)] for r in range(rows)]
    for (r, c), label in _example_cells(values, rows, cols):
        j = int(label) % n
        cells[r][c] = CLASS_POINT_CHARS[j]
        styles[r][c] = "bold " + CLASS_STYLES[j]
    return _styled(cells, styles, width, height)


def render_fit_plot(
    values: DataViewValues, width: int, height: int, figure: Any | None = None
) -> str:
    """Data (dots) and the network's current fit (line) for a 1-D input, as plotext text."""
    fig = figure if figure is not None else _figure_class()
    draw_fit_plot(fig, values, width, height)
    return fig.build()


def draw_fit_plot(fig: Any, values: DataViewValues, width: int, height: int) -> None:
    """Set up plotext figure ``fig`` for the fit plot (then ``fig.build()`` or figure_text)."""
    fig.clear_figure()
    fig.theme("clear")
    fig.plotsize(max(10, width), max(4, height))
    fig.scatter(values.X[:, 0].tolist(), values.y.tolist(), marker="dot", color="blue")
    lo, hi = float(np.min(values.y)), float(np.max(values.y))
    pad = 0.25 * (hi - lo) if hi > lo else 1.0
    pred = values.grid_y
    finite = np.isfinite(pred)
    if finite.any():
        # clipped to the frame: plotext draws a line cell by cell out to its end point, so an
        # unclipped wild prediction (1e6 after a bad mini-batch step) would take seconds
        shown = np.clip(pred[finite], lo - pad, hi + pad)
        fig.plot(values.grid_x[finite].tolist(), shown.tolist(), marker="hd", color="red")
    fig.ylim(lo - pad, hi + pad)  # a wild fit must not squash the data into one row

    x0, x1 = float(values.grid_x[0]), float(values.grid_x[-1])
    for ticks, setter in (
        (value_ticks(x0, x1, False, count=4), fig.xticks),
        (value_ticks(lo - pad, hi + pad, False, count=4), fig.yticks),
    ):
        setter(ticks, [short_number(0.0 if abs(t) < 1e-12 else t) for t in ticks])
    fig.title("data · and fit ─")


class DataView(TextLinesWidget):
    """Fit plot (1-D) or decision map (2-D), whichever the data set calls for."""

    DEFAULT_CSS = """
    DataView {
        width: 30;
        height: 1fr;
    }
    """

    class Resized(Message):
        """The view changed size: a decision map must be computed again for the new grid (a
        fit plot is redrawn at the new size by itself)."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._values: DataViewValues | None = None
        self._figure = _figure_class()
        self._cache_key: tuple[object, ...] | None = None
        self._cache: Text = Text("")

    @property
    def values(self) -> DataViewValues | None:
        return self._values

    def on_resize(self, event: events.Resize) -> None:
        self.post_message(self.Resized())

    def grid_shape(self) -> tuple[int, int]:
        """(cols, rows) of the decision map at the current size (one cell per character)."""
        width, height = self.size
        return max(2, width), max(2, height - 1)

    def set_values(self, values: DataViewValues | None) -> None:
        old, self._values = self._values, values
        if (
            old is not None
            and values is not None
            and old.kind == values.kind == "map"
            and old.X is not None
            and np.array_equal(old.X, values.X)
            and np.array_equal(map_levels(old), map_levels(values))
        ) or (
            old is not None
            and values is not None
            and old.kind == values.kind == "classes"
            and np.array_equal(old.X, values.X)
            and np.array_equal(old.grid, values.grid)  # type: ignore[arg-type]
        ):
            return  # the same characters: no repaint (the map settles long before the loss)
        self._cache_key = None
        self.invalidate()

    def build_text(self, width: int, height: int) -> Text:
        key = (id(self._values), width, height)
        if key == self._cache_key:
            return self._cache
        v = self._values
        if v is None or v.kind == "none":
            text = Text("")
        elif v.kind == "fit":
            draw_fit_plot(self._figure, v, width, height)
            text = figure_text(self._figure)
        elif v.kind == "classes":
            text = Text(no_wrap=True, overflow="crop")
            text.append("classes ", style="bold")
            for j in range(int(v.high) + 1):
                k = j % len(CLASS_REGION_CHARS)
                text.append(CLASS_POINT_CHARS[k], style="bold " + CLASS_STYLES[k])
                text.append(f"/{CLASS_REGION_CHARS[k]} ")
            text.append("\n")
            text.append_text(render_class_map(v, width, height - 1))
        else:
            text = Text(no_wrap=True, overflow="crop")
            text.append("regions ", style="bold")
            text.append("o", style="bold " + _LOW_STYLE)
            text.append("/")
            text.append("x", style="bold " + _HIGH_STYLE)
            text.append(f" {MAP_CHARS}\n")
            text.append_text(render_decision_map(v, width, height - 1))
        self._cache_key, self._cache = key, text
        return text

"""Two loss curves on one plot: the learner's run (trained with their backward) over the
engine's, and a vertical line where they part.

The engine's curve is known before the run starts and is drawn whole, dim; the learner's grows
over it in colour. While the two agree, the learner's covers the engine's exactly; where they
part, both show. Same plotext figure handling as ``LossPlot`` (its own figure, downsampled
envelopes, the cell matrix read directly).
"""

from __future__ import annotations

import numpy as np
from bptutor.tui.widgets.loss_plot import (
    _epoch_ticks,
    downsample_envelope,
    figure_text,
    short_number,
    value_ticks,
)
from bptutor.tui.widgets.text_lines import TextLinesWidget
from plotext._figure import _figure_class
from rich.text import Text

__all__ = ["CompareLossPlot", "draw_compare_plot"]

MINE_COLOR = "cyan"
ENGINE_COLOR = "gray"
PART_COLOR = "red"


def draw_compare_plot(
    fig: object,
    mine: np.ndarray,
    reference: np.ndarray,
    width: int,
    height: int,
    *,
    parted_at: int | None = None,
    log_scale: bool = True,
) -> None:
    """Set up plotext figure ``fig`` with both curves (log scale by default: the runs span
    decades, and a parting shows as clearly at 0.005 as at 0.2)."""
    fig.clear_figure()  # type: ignore[attr-defined]
    fig.theme("clear")  # type: ignore[attr-defined]
    fig.plotsize(max(10, width), max(4, height))  # type: ignore[attr-defined]
    buckets = max(1, width - 8)
    e_ref, v_ref = downsample_envelope(reference, buckets)
    e_mine, v_mine = downsample_envelope(mine, buckets)
    if v_ref.size == 0 and v_mine.size == 0:
        fig.text("no epochs yet", 0.5, 0.5)  # type: ignore[attr-defined]
        return
    values = np.concatenate([v_ref, v_mine])
    if log_scale:
        v_ref, v_mine = np.maximum(v_ref, 1e-300), np.maximum(v_mine, 1e-300)
        values = np.maximum(values, 1e-300)
        fig.yscale("log")  # type: ignore[attr-defined]
    if v_ref.size:
        fig.plot(e_ref.tolist(), v_ref.tolist(), marker="dot", color=ENGINE_COLOR)  # type: ignore[attr-defined]
    if v_mine.size:
        fig.plot(e_mine.tolist(), v_mine.tolist(), marker="hd", color=MINE_COLOR)  # type: ignore[attr-defined]
    if parted_at is not None:
        fig.vline(parted_at, PART_COLOR)  # type: ignore[attr-defined]
    lo, hi = float(values.min()), float(values.max())
    yticks = value_ticks(lo, hi, log_scale)
    if yticks:
        fig.yticks(yticks, [short_number(t) for t in yticks])  # type: ignore[attr-defined]
    last = max(len(reference), len(mine), 2)
    ticks = _epoch_ticks(1.0, float(last))
    fig.xticks(ticks, [str(t) for t in ticks])  # type: ignore[attr-defined]
    fig.xlim(1, last)  # type: ignore[attr-defined]


class CompareLossPlot(TextLinesWidget):
    """The learner's loss per epoch over the engine's; redrawn when either or the size change."""

    DEFAULT_CSS = """
    CompareLossPlot {
        width: 1fr;
        height: 1fr;
        min-height: 6;
        min-width: 20;
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._figure = _figure_class()
        self.mine: np.ndarray = np.empty(0)
        self.reference: np.ndarray = np.empty(0)
        self.parted_at: int | None = None
        self.log_scale = True

    def set_runs(self, mine: np.ndarray, reference: np.ndarray, parted_at: int | None) -> None:
        """Draw these at the next refresh (``mine`` may be a view the trainer appends to)."""
        self.mine, self.reference, self.parted_at = mine, reference, parted_at
        self.invalidate()

    def toggle_scale(self) -> None:
        self.log_scale = not self.log_scale
        self.invalidate()

    def build_text(self, width: int, height: int) -> Text:
        draw_compare_plot(
            self._figure,
            self.mine,
            self.reference,
            width,
            height,
            parted_at=self.parted_at,
            log_scale=self.log_scale,
        )
        return figure_text(self._figure)

"""A wild fit (a prediction of 1e6 after a bad mini-batch step) must not stall the fit plot.

plotext draws a line cell by cell out to its end point, so the figure must only ever be asked
to draw inside its frame (a million-row line took minutes and froze the playground).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from bptutor.tui.widgets.fit_plot import DataViewValues, render_fit_plot


class RecordingFigure:
    """Stands in for a plotext figure: remembers what it is asked to plot."""

    def __init__(self) -> None:
        self.lines: list[tuple[list[float], list[float]]] = []
        self.limits: tuple[float, float] | None = None

    def plot(self, xs: list[float], ys: list[float], **_: Any) -> None:
        self.lines.append((xs, ys))

    def ylim(self, lo: float, hi: float) -> None:
        self.limits = (lo, hi)

    def build(self) -> str:
        return ""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


@pytest.mark.parametrize("wild", [1e6, -1e9, np.inf])
def test_the_fit_line_stays_inside_the_frame(wild: float) -> None:
    X = np.linspace(-3, 3, 64)[:, None]
    y = np.sin(X[:, 0])
    grid_x = np.linspace(-3.6, 3.6, 80)
    grid_y = np.where(grid_x > 3, wild, 0.1)
    fig = RecordingFigure()
    render_fit_plot(DataViewValues("fit", X, y, grid_x, grid_y), 26, 12, figure=fig)
    assert fig.limits is not None and len(fig.lines) == 1
    lo, hi = fig.limits
    xs, ys = fig.lines[0]
    assert len(xs) == len(ys) > 0
    assert all(lo <= v <= hi for v in ys)
    assert ys[-1] == (hi if wild > 0 else lo) or not np.isfinite(wild)


def test_a_real_figure_draws_a_wild_fit() -> None:
    X = np.linspace(-3, 3, 64)[:, None]
    grid_x = np.linspace(-3.6, 3.6, 80)
    text = render_fit_plot(
        DataViewValues("fit", X, np.sin(X[:, 0]), grid_x, np.where(grid_x > 3, 1e6, 0.1)), 26, 12
    )
    assert len(text.splitlines()) == 12

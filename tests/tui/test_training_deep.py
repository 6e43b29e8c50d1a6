"""The training view with deeper networks and k classes: the layer diagram, the gradient bars,
the class map, the long-run loss curve, and the view opened as a lesson's train step asks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bptutor.engine.nn.session import LossHistory
from bptutor.engine.nn.training import TrainConfig
from bptutor.tui.screens.training import TrainingScreen
from bptutor.tui.widgets.fit_plot import (
    CLASS_POINT_CHARS,
    CLASS_REGION_CHARS,
    DataView,
    data_view_values,
    render_class_map,
)
from bptutor.tui.widgets.gradient_bars import GradientBars, bar_length, render_gradient_bars
from bptutor.tui.widgets.layer_diagram import LayerValues, layer_values, render_layers
from bptutor.tui.widgets.loss_plot import curve_envelope, render_loss_plot
from bptutor.tui.widgets.network_diagram import NetworkDiagram, fmt

from tests.tui.test_training_screen import Host, press_live, status, wait_for

SPIRAL = {"dataset": "spiral", "hidden": [8, 8], "loss": "cross_entropy", "learning_rate": 1.0}


def spiral_net(hidden: tuple[int, ...] = (8, 8)) -> tuple[object, np.ndarray, np.ndarray]:
    from bptutor.engine.nn.session import data_arrays

    config = TrainConfig(**{**SPIRAL, "hidden": hidden})
    _, X, y = data_arrays(config)
    return config.make_network(X.shape[1], y.shape[1]), X, y


# ------------------------------------------------------------------------- layer diagram
@pytest.mark.parametrize("backward", [False, True])
@pytest.mark.parametrize("hidden", [(8, 8), (16, 16, 16), (64, 64)])
def test_a_deeper_network_is_summarised_in_80x8(hidden: tuple[int, ...], backward: bool) -> None:
    net, X, y = spiral_net(hidden)
    values = layer_values(net, X, y, 4)
    text = render_layers(values, backward=backward, width=78, height=8).plain
    lines = text.split("\n")
    assert len(lines) <= 8 and all(len(line) <= 78 for line in lines), text
    assert "…" in text and "more" in text  # units beyond the rows: counted, not dropped silently
    for layer, size in enumerate(hidden, 1):
        assert f"hidden {layer} ({size})" in lines[1]
    assert "output (3)" in lines[1] and "example 5/300" in lines[0]
    b = net.backward(X[4:5], y[4:5])  # type: ignore[attr-defined]
    shown = b.deltas if backward else b.forward.activations
    for layer_values_ in shown:
        first = fmt(layer_values_[0, 0], 5).strip()
        assert first in text, (first, text)
    assert "y 1" in text  # example 5's class, one-hot


def test_the_notes_network_keeps_its_own_diagram() -> None:
    from bptutor.tui.widgets.network_diagram import DiagramValues, diagram_values

    config = TrainConfig(hidden=3)
    net = config.make_network(2, 1)
    X, y = np.array([[0.0, 1.0]]), np.array([[1.0]])
    assert isinstance(diagram_values(net, X, y, 0), DiagramValues)
    deep = TrainConfig(hidden=(3, 3)).make_network(2, 1)
    assert isinstance(diagram_values(deep, X, y, 0), LayerValues)


# ------------------------------------------------------------------------- gradient bars
def test_gradient_bars_shrink_a_step_per_factor_of_ten_and_fit_the_width() -> None:
    assert bar_length(1.0, 1.0, 8) == 8
    assert bar_length(0.1, 1.0, 6) == pytest.approx(5.0)  # 6 decades across the bar
    assert bar_length(1e-7, 1.0, 8) == 0 and bar_length(math.nan, 1.0, 8) == 0
    norms = (2e-5, 3e-3, 0.4)  # a sigmoid stack: the first layer's gradient has vanished
    for width in (58, 78, 118):
        text = render_gradient_bars(norms, width).plain
        assert len(text.rstrip()) <= width, (width, text)
        assert "W(1)" in text and "W(3)" in text and "2.0e-5" in text and "4.0e-1" in text
    wide = render_gradient_bars(norms, 118).plain
    bars = [part.split(" ", 2)[1] if " " in part else "" for part in wide.split("W(")[1:]]
    filled = [bar.count("█") for bar in bars]
    assert filled[0] < filled[1] < filled[2], wide
    assert "after the first epoch" in render_gradient_bars((), 60).plain


# ------------------------------------------------------------------------------ class map
def test_the_class_map_shows_each_cells_argmax_class_and_every_class() -> None:
    net, X, y = spiral_net()
    values = data_view_values(net, X, y, (30, 12))
    assert values.kind == "classes" and values.grid is not None and values.high == 2
    pts = np.column_stack([np.tile(values.grid_x, 12), np.repeat(values.grid_y, 30)])
    expected = np.argmax(net.forward(pts).y_hat, axis=1).reshape(12, 30)  # type: ignore[attr-defined]
    np.testing.assert_array_equal(values.grid, expected)
    text = render_class_map(values, 30, 12).plain.split("\n")
    assert len(text) == 12 and all(len(row) == 30 for row in text)
    drawn = "".join(text)
    for j in range(3):
        assert CLASS_POINT_CHARS[j] in drawn  # the examples of every arm
    cell = text[0][0]
    assert cell in CLASS_POINT_CHARS or cell == CLASS_REGION_CHARS[int(expected[0, 0])]


# ------------------------------------------------------------------------ long loss curve
def test_a_million_epoch_curve_draws_the_whole_run_with_its_spike() -> None:
    history = LossHistory()
    for i in range(1_000_000):
        history.append(50.0 if i == 300_000 else 1.0 / (1 + i))
    curve = history.curve()
    epochs, values = curve_envelope(curve, 60)
    assert len(values) <= 120 and values.max() == 50.0
    assert epochs[0] < 1 + curve.step * 300 and epochs[-1] > 1_000_000 - curve.step * 300
    text = render_loss_plot(curve, 70, 14)
    assert "1000000" in text.replace(",", "") or "1e+06" in text or "800000" in text


# --------------------------------------------------------------------- the view, deeper
async def test_a_lesson_step_with_two_hidden_layers_and_cross_entropy_opens_the_view() -> None:
    from bptutor.engine.course.exercise import _train_config

    config = _train_config({**SPIRAL, "epochs": 400})  # as lessons/README.md allows it
    screen = TrainingScreen(config, paced=False)
    async with Host(screen).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        config_line = str(screen.query_one("#training-config").content)  # type: ignore[attr-defined]
        assert "2-8-8-3" in config_line and "softmax" in config_line
        diagram = screen.query_one(NetworkDiagram)
        assert isinstance(diagram.values, LayerValues)
        shown = diagram.render_text().plain
        assert "hidden 2 (8)" in shown and "output (3)" in shown
        assert diagram.region.bottom <= 23  # above the footer
        assert screen.query_one(DataView).values.kind == "classes"  # type: ignore[union-attr]
        bars = screen.query_one(GradientBars)
        assert len(bars.norms) == 3  # at the initial weights already
        before = bars.norms
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: "finished" in status(screen), timeout=30)
        assert bars.norms != before and len(bars.norms) == 3
        expected = screen.session.net.gradients(screen.session.X, screen.session.y).layer_norms()
        np.testing.assert_allclose(bars.norms, expected, rtol=1e-9)
        assert screen.session.history.last() < screen.session.history.curve().lo[0]


async def test_the_depth_key_builds_deeper_networks_in_the_playground() -> None:
    screen = TrainingScreen(None)
    async with Host(screen).run_test(size=(80, 24)) as pilot:
        await pilot.press("L")
        assert screen.session.net.sizes == (2, 4, 4, 1)
        assert "new network: 2 hidden layers" in status(screen)
        assert len(screen.query_one(GradientBars).norms) == 3
        await pilot.press("L", "L")
        assert screen.session.net.sizes == (2, 4, 1)


def test_a_log_epoch_axis_gives_a_long_runs_start_its_share_of_the_width() -> None:
    history = LossHistory()
    for i in range(200_000):  # a plateau, a plunge at ~3,000, then a long flat stretch
        history.append(0.25 if i < 3000 else 0.25 * math.exp(-(i - 3000) / 1000) + 1e-3)
    curve = history.curve()
    linear, _ = curve_envelope(curve, 60)
    logged, values = curve_envelope(curve, 60, log_epochs=True)
    # points before epoch 10,000 (the plunge): one column's worth when linear, a third of the
    # width on the log axis
    assert np.sum(np.unique(linear) < 10_000) <= 4
    assert np.sum(np.unique(logged) < 10_000) >= 15
    assert values.max() == pytest.approx(0.251) and logged[-1] > 150_000  # the whole run
    text = render_loss_plot(curve, 70, 12, log_epochs=True)
    assert "epoch (log scale)" in text and "10000" in text


async def test_x_switches_the_plot_to_log_epochs() -> None:
    screen = TrainingScreen(TrainConfig(epochs=300), paced=False)
    async with Host(screen).run_test(size=(80, 24)) as pilot:
        await pilot.press("s", "s", "s")
        from bptutor.tui.widgets.loss_plot import LossPlot

        plot = screen.query_one(LossPlot)
        assert "log scale" not in plot.render_text().plain
        await pilot.press("x")
        assert plot.log_epochs and "epoch (log scale)" in plot.render_text().plain

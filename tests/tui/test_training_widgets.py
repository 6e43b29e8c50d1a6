"""The training view's drawing pieces, without an app: loss plot, diagram, decision map."""

from __future__ import annotations

import re

import numpy as np
import pytest
from bptutor.tui.widgets.fit_plot import MAP_CHARS, DataViewValues, render_decision_map
from bptutor.tui.widgets.loss_plot import downsample_envelope, render_loss_plot
from bptutor.tui.widgets.network_diagram import DiagramValues, fmt, render_diagram

ANSI = re.compile(r"\x1b\[[0-9;]*m")


# ----------------------------------------------------------------------------- loss plot
def test_downsample_keeps_every_bucket_extreme() -> None:
    rng = np.random.default_rng(1)
    losses = rng.random(10_007)
    losses[4321] = 50.0  # a spike must survive downsampling
    epochs, values = downsample_envelope(losses, 40)
    assert len(values) <= 80
    assert values.max() == 50.0
    assert values.min() == losses.min()
    # each plotted point is a real loss, at an epoch inside the history
    assert np.isin(values, losses).all()
    assert epochs.min() >= 1 and epochs.max() <= len(losses)


def test_downsample_leaves_short_histories_alone_and_drops_non_finite() -> None:
    losses = np.array([0.5, 0.4, np.nan, 0.2, np.inf])
    epochs, values = downsample_envelope(losses, 40)
    assert epochs.tolist() == [1.0, 2.0, 4.0]
    assert values.tolist() == [0.5, 0.4, 0.2]


@pytest.mark.parametrize("n", [0, 1, 100, 100_000])
@pytest.mark.parametrize("log_scale", [False, True])
def test_loss_plot_fits_its_size(n: int, log_scale: bool) -> None:
    losses = 0.3 * np.exp(-np.arange(n) / 5000.0) + 1e-4
    text = ANSI.sub("", render_loss_plot(losses, 56, 14, log_scale=log_scale, title="loss"))
    lines = text.rstrip("\n").split("\n")
    assert len(lines) == 14
    assert max(len(line.rstrip()) for line in lines) <= 56


def test_loss_plot_tick_labels_stay_short_for_huge_losses() -> None:
    losses = np.logspace(-1, 25, 60)  # a diverging run
    text = ANSI.sub("", render_loss_plot(losses, 60, 14, log_scale=True))
    labels = [line.split("┤")[0].strip() for line in text.split("\n") if "┤" in line]
    assert labels, text
    assert all(len(label) <= 6 for label in labels), labels
    assert any("e" in label for label in labels)


# ------------------------------------------------------------------------------ diagram
@pytest.mark.parametrize(
    "value",
    [0.0, 0.5234, -0.5234, 1.0, -12.345, 987.6, 3.2e-4, -7.7e-7, 1.5e30, -2.5e-12],
)
def test_fmt_fits_the_width_and_reads_back_close(value: float) -> None:
    text = fmt(value, 5)
    assert len(text) <= 6  # 5, or the shortest form when nothing fits
    back = float(text)
    if value == 0.0:
        assert back == 0.0
    elif abs(value) >= 1e-3:
        assert back == pytest.approx(value, rel=0.35)
    else:
        assert back == pytest.approx(value, rel=0.35) or back == 0.0


def test_fmt_non_finite() -> None:
    assert fmt(float("nan")).strip() == "nan"
    assert fmt(float("inf")).strip() == "+inf"


def _values(n: int, m: int, biases: bool = True) -> DiagramValues:
    rng = np.random.default_rng(n * 10 + m)
    W1, W2 = rng.normal(size=(m, n)), rng.normal(size=(1, m))
    x = rng.normal(size=n)
    b1 = rng.normal(size=m) if biases else None
    z = W1 @ x + (0 if b1 is None else b1)
    a = np.tanh(z)
    y_hat = W2 @ a
    y = np.array([1.0])
    delta_out = y_hat - y
    delta_hidden = (delta_out @ W2) * (1 - a**2)
    return DiagramValues(
        example=1,
        n_examples=4,
        activation="tanh",
        x=x,
        y=y,
        W1=W1,
        W2=W2,
        b1=b1,
        b2=np.array([0.1]) if biases else None,
        z=z,
        a=a,
        fprime=1 - a**2,
        y_hat=y_hat,
        delta_out=delta_out,
        delta_hidden=delta_hidden,
        dW1=np.outer(delta_hidden, x),
        dW2=delta_out[:, None] * a[None, :],
    )


DIAGRAM_WIDTH_AT_80 = 78  # the diagram widget's width on an 80-column screen (padding 0 1)


def _every_value_shown(v: DiagramValues, text: str, backward: bool, w: int = 5) -> None:
    """Each number the diagram is meant to show appears, formatted, in ``text``."""

    def shown(value: float) -> bool:
        return fmt(value, w).strip() in text

    if backward:
        quantities = [*v.dW1.ravel(), *v.dW2.ravel(), *v.delta_hidden, *v.delta_out, *v.fprime]
    else:
        quantities = [*v.x, *v.W1.ravel(), *v.W2.ravel(), *v.z, *v.a, *v.y_hat, *v.y]
        quantities += [] if v.b1 is None else [*v.b1, *v.b2]
    missing = [q for q in quantities if not shown(q)]
    assert not missing, (missing, text)
    assert "…" not in text, text


@pytest.mark.parametrize("backward", [False, True])
@pytest.mark.parametrize(("n", "m", "biases"), [(3, 2, False), (3, 2, True), (2, 3, True)])
def test_the_lessons_networks_show_every_value_at_80_columns(
    n: int, m: int, biases: bool, backward: bool
) -> None:
    """The notes' 3-2-1 and lesson 12's XOR 2-3-1: all of it readable in 78 columns."""
    v = _values(n, m, biases=biases)
    text = render_diagram(v, backward=backward, width=DIAGRAM_WIDTH_AT_80, height=8).plain
    lines = text.split("\n")
    assert len(lines) <= 8
    assert max(len(line) for line in lines) <= DIAGRAM_WIDTH_AT_80, text
    _every_value_shown(v, text, backward)
    if not backward:  # the output node: ŷ, y and its bias each labelled
        assert f"ŷ {fmt(v.y_hat[0], 5)}" in text and f"y {fmt(v.y[0], 5)}" in text


@pytest.mark.parametrize("backward", [False, True])
def test_a_narrow_diagram_drops_detail_before_cropping_and_marks_a_crop(backward: bool) -> None:
    v = _values(2, 3)
    text = render_diagram(v, backward=backward, width=58, height=8).plain  # a 60-column screen
    lines = text.split("\n")
    assert max(len(line) for line in lines) <= 58, text
    assert "…" not in text, text  # 2-3-1 still fits whole once z / f′ go
    for d in v.delta_hidden if backward else v.a:
        assert fmt(d, 5).strip() in text
    tight = render_diagram(v, backward=backward, width=30, height=8).plain
    assert max(len(line) for line in tight.split("\n")) <= 30
    assert "…" in tight  # a cut is marked, never passed off as the whole picture


@pytest.mark.parametrize("backward", [False, True])
def test_diagram_of_the_lessons_321_network_fits_80_columns(backward: bool) -> None:
    v = _values(3, 2, biases=False)
    text = render_diagram(v, backward=backward, width=80, height=8).plain
    lines = text.split("\n")
    assert len(lines) <= 8
    assert max(len(line) for line in lines) <= 80
    shown = v.dW1 if backward else v.W1
    for entry in shown.ravel():
        assert fmt(entry, 5).strip() in text
    if backward:
        assert fmt(v.delta_out[0], 5).strip() in text
        for d in v.delta_hidden:
            assert fmt(d, 5).strip() in text
    else:
        for name, vec in (("z", v.z), ("a", v.a)):
            for value in vec:
                assert f"{name} {fmt(value, 5)}" in text
        assert fmt(v.y_hat[0], 5).strip() in text


def test_diagram_summarises_many_hidden_units() -> None:
    v = _values(2, 16)
    text = render_diagram(v, width=80, height=8).plain
    lines = text.split("\n")
    assert len(lines) <= 8
    assert "h₁ " in text and "h₁₆" not in text
    assert "more hidden units" in text
    assert max(len(line) for line in lines) <= 80


# ------------------------------------------------------------------------ decision map
def test_decision_map_marks_regions_and_examples_without_colour() -> None:
    gx = np.linspace(-1, 1, 20)
    gy = np.linspace(1, -1, 8)  # top row first
    grid = np.where(gx[None, :] > 0, 1.0, 0.0) * np.ones((8, 1))  # right half: class 1
    X = np.array([[-1.0, 1.0], [1.0, -1.0]])  # the corner cells
    y = np.array([0.0, 1.0])
    values = DataViewValues("map", X, y, gx, gy, grid, 0.0, 1.0)
    lines = render_decision_map(values, 20, 8).plain.split("\n")
    assert len(lines) == 8 and all(len(line) == 20 for line in lines)
    assert lines[0][0] == "o"  # (-1, 1): top left, class 0
    assert lines[7][19] == "x"  # (1, -1): bottom right, class 1
    assert set(lines[3][:10]) == {MAP_CHARS[0]}
    assert set(lines[3][10:]) == {MAP_CHARS[-1]}


def _cells(text: object) -> list[tuple[str, str]]:
    """(character, style) per character: what a terminal would show."""
    plain = text.plain.rstrip("\n")  # type: ignore[attr-defined]
    styles = [""] * len(plain)
    for span in text.spans:  # type: ignore[attr-defined]
        for i in range(span.start, min(span.end, len(plain))):
            styles[i] = str(span.style)
    return list(zip(plain, styles, strict=True))


@pytest.mark.parametrize("n", [0, 1, 7, 100_000])
@pytest.mark.parametrize("log_scale", [False, True])
def test_figure_text_reads_plotext_exactly_as_its_ansi_output(n: int, log_scale: bool) -> None:
    """The widget's fast path (plotext's cell matrix) draws what ``fig.build()`` prints."""
    from bptutor.tui.widgets.loss_plot import draw_loss_plot, figure_text, render_loss_plot
    from plotext._figure import _figure_class
    from rich.text import Text

    losses = np.exp(-np.linspace(0, 12, n)) * 3
    fig = _figure_class()
    ansi = render_loss_plot(losses, 49, 15, log_scale=log_scale, title="loss", figure=fig)
    expected = Text.from_ansi(ansi, no_wrap=True)
    draw_loss_plot(fig, losses, 49, 15, log_scale=log_scale, title="loss")
    assert _cells(figure_text(fig)) == _cells(expected)
    # the curve is coloured (plotext's cyan is colour 6), the frame and labels are not
    assert any(style == "color(6)" for _, style in _cells(expected)) == (n > 0)


def test_fmt_tiny_values_have_one_format_zero_another() -> None:
    # nonzero but below what two decimals show: always a power of ten, never "+0.00"
    assert [fmt(v).strip() for v in (1e-6, -4e-8, 3e-3, 2e-9)] == [
        "+1e-6",
        "-4e-8",
        "+3e-3",
        "+2e-9",
    ]
    # exactly zero (or too small to show in the width) reads as a plain 0, not as "+0.00"
    assert [fmt(v) for v in (0.0, -0.0, 1e-12, -3e-15)] == ["    0"] * 4
    assert fmt(0.0, 6) == "     0" and fmt(0.41) == "+0.41"

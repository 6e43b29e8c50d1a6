"""The notes' network drawn in text: inputs, hidden units, output, with their values.

Forward view (the notes' Figure 1): x on the inputs, row i of W(1) on the edges into hᵢ, z and
a = f(z) on the hidden units, W(2) on the edges into the output, ŷ on the output — for one
chosen example. Backward view (Figure 2): the errors δ on the nodes and the gradient entries
∂E/∂W on the edges, for the same example (E = ½(y − ŷ)² of that example alone).

`diagram_values` is plain numpy so the training worker can compute a snapshot off the UI thread;
the widget only formats what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from bptutor.tui.widgets.layer_diagram import LayerValues, layer_values, render_layers
from bptutor.tui.widgets.text_lines import TextLinesWidget
from rich.text import Text
from textual.reactive import reactive

__all__ = ["DiagramValues", "NetworkDiagram", "diagram_values", "fmt", "render_diagram"]

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(i: int) -> str:
    return str(i).translate(_SUB)


@dataclass(frozen=True)
class DiagramValues:
    """Everything the diagram shows for one example (copies: safe to pass between threads)."""

    example: int  # 0-based index into the data set
    n_examples: int
    activation: str
    x: np.ndarray  # (n,)
    y: np.ndarray  # (k,)
    W1: np.ndarray  # (m, n)
    W2: np.ndarray  # (k, m)
    b1: np.ndarray | None  # (m,)
    b2: np.ndarray | None  # (k,)
    z: np.ndarray  # (m,)
    a: np.ndarray  # (m,)
    fprime: np.ndarray  # (m,)
    y_hat: np.ndarray  # (k,)
    delta_out: np.ndarray  # (k,)
    delta_hidden: np.ndarray  # (m,)
    dW1: np.ndarray  # (m, n)  ∂E/∂W(1) for this example
    dW2: np.ndarray  # (k, m)  ∂E/∂W(2) for this example


def diagram_values(
    net: Any, X: np.ndarray, y: np.ndarray, example: int
) -> DiagramValues | LayerValues:
    """Forward and backward quantities of ``net`` for example ``example`` of (X, y): every
    weight for the notes' one hidden layer, a column per layer for deeper networks."""
    if len(net.hidden) != 1:
        return layer_values(net, X, y, example)
    L = X.shape[0]
    i = int(example) % L
    xi = X[i : i + 1]
    yi = y[i : i + 1]
    with np.errstate(all="ignore"):  # a diverged net has inf/NaN weights: show them, no warnings
        b = net.backward(xi, yi)
    f = b.forward
    g = b.grads
    return DiagramValues(
        example=i,
        n_examples=L,
        activation=str(net.activation),
        x=np.array(xi[0], dtype=float),
        y=np.atleast_1d(np.array(yi[0], dtype=float)),
        W1=np.array(net.W1, dtype=float),
        W2=np.array(net.W2, dtype=float),
        b1=None if net.b1 is None else np.array(net.b1, dtype=float),
        b2=None if net.b2 is None else np.array(net.b2, dtype=float),
        z=np.array(f.z[0], dtype=float),
        a=np.array(f.a[0], dtype=float),
        fprime=np.array(f.fprime[0], dtype=float),
        y_hat=np.atleast_1d(np.array(f.y_hat[0], dtype=float)),
        delta_out=np.atleast_1d(np.array(b.delta_out[0], dtype=float)),
        delta_hidden=np.array(b.delta_hidden[0], dtype=float),
        dW1=np.array(g.W1, dtype=float),
        dW2=np.array(g.W2, dtype=float),
    )


def fmt(value: float, width: int = 5) -> str:
    """``value`` signed, in at most ``width`` characters, as precisely as that allows.

    Weights sit near ±1 but gradients can be 1e-4 and a diverging run 1e30: fixed two decimals
    would show most of those as +0.00 or overflow the column. So values below 0.005 are
    shown as powers of ten (+3e-3, -4e-8) and zero as a plain ``0``.
    """
    v = float(value)
    if 0.1 <= abs(v) < 10:  # the common case (weights, activations): fixed point is the best
        text = f"{v:+.{width - 3}f}"
        if len(text) == width:
            return text
    if not np.isfinite(v):
        return ("nan" if np.isnan(v) else ("+inf" if v > 0 else "-inf")).rjust(width)
    if abs(v) < 10.0 ** -(width + 4):  # +1e-9 is the smallest power form in 5 characters
        # exactly zero (a relu's a, f′, zero biases) or beyond the width: a plain 0. A tiny
        # nonzero value is always a power of ten (+1e-6), never "+0.00" beside a real zero
        return "0".rjust(width)
    best: tuple[float, str] | None = None
    candidates = [f"{v:+.{d}f}" for d in (3, 2, 1, 0)]
    for d in (2, 1, 0):
        mantissa, exponent = f"{v:+.{d}e}".split("e")
        candidates.append(f"{mantissa}e{int(exponent)}")
    for text in candidates:
        if len(text) > width:
            continue
        err = abs(float(text) - v) / max(abs(v), 1e-300)
        if best is None or err < best[0] - 1e-12:
            best = (err, text)
    if best is None:  # nothing fits: the shortest form, cropped by the caller's layout
        return min(candidates, key=len)
    text = best[1]
    if text in ("-0", "-0.0", "-0.00", "-0.000"):  # "−0.00" for a tiny negative reads oddly
        text = "+" + text[1:]
    return text.rjust(width)


def _nums(values: np.ndarray, width: int) -> str:
    return " ".join(fmt(v, width) for v in values)


def render_diagram(
    values: DiagramValues | LayerValues | None,
    *,
    backward: bool = False,
    width: int = 80,
    height: int = 8,
) -> Text:
    """The diagram as text, at most ``width`` x ``height`` (larger networks are summarised).

    Every value is shown whenever the layout can make it fit: the output node first goes on
    one line (ŷ, y and its bias), then stacks them in a column; then the hidden units lose z
    (forward) or f′ (backward) and the inputs' values move to the title. Only when even that is
    too wide are lines cropped, ending in "…" so a cut never passes for the whole picture.
    """
    if values is None:
        return Text("(no network yet)")
    if isinstance(values, LayerValues):
        return render_layers(values, backward=backward, width=width, height=height)
    best: list[str] = []
    for level in range(4):
        lines = _layout(values, backward, width, height, level)
        if max(len(line) for line in lines) <= width:
            break
        if not best or max(map(len, lines)) < max(map(len, best)):
            best = lines
    else:
        lines = [line if len(line) <= width else line[: width - 1] + "…" for line in best]
    text = Text(no_wrap=True, overflow="crop")
    text.append(lines[0] + "\n", style="bold")
    text.append(lines[1] + "\n", style="dim")
    text.append("\n".join(lines[2:]))
    return text


def _layout(v: DiagramValues, backward: bool, width: int, height: int, level: int) -> list[str]:
    """Title, header and the diagram's rows at a level of detail (0 = everything on one line).

    1: the output node stacked (y above ŷ, its bias below); 2: also no z (forward) or f′
    (backward) on the hidden units; 3: also the inputs' values in the title, not the column.
    """
    n, m, k = v.W1.shape[1], v.W1.shape[0], v.W2.shape[0]
    w = 5 if width < 100 else 6
    stacked, lean, x_in_title = level >= 1, level >= 2, level >= 3
    which = f"example {v.example + 1}/{v.n_examples} (e: next)"
    if x_in_title:  # short: the title has to fit as narrow a width as the rows do
        xs = ", ".join(fmt(x, w).strip() for x in v.x)
        title = f"{'backward' if backward else 'forward'} · {which} · x = ({xs})"
        if len(title) > width:  # the key is in the help and TRAINING_KEYS too
            title = title.replace(" (e: next)", "")
    elif backward:
        # E of this one example (no 1/L): the batch gradient is the mean of these
        title = f"backward · {which} · δ on nodes · its ∂E/∂W on edges"
        if lean or len(title) > width:
            title = f"backward · {which} · δ, its ∂E/∂W"
    else:
        title = f"forward · {which} · f = {v.activation} · row i of W(1) feeds hᵢ"
        if lean:
            title = f"forward · {which} · f = {v.activation}"
    rows_avail = max(1, height - 2)
    # hidden units shown; the rest summarised in one line
    shown_m = max(1, rows_avail - 1) if m > rows_avail else m
    shown_n = min(n, rows_avail)
    shown_k = min(k, rows_avail)

    inputs = [
        f"x{_sub(j + 1)}" if x_in_title else f"x{_sub(j + 1)} {fmt(v.x[j], w)}"
        for j in range(shown_n)
    ]
    if shown_n < n:
        inputs[-1] = f"… {n - shown_n + 1} more"
    edges1: list[str] = []
    hidden: list[str] = []
    edges2: list[str] = []
    for i in range(shown_m):
        if backward:
            e1 = _nums(v.dW1[i], w)
            h = f"h{_sub(i + 1)} δ {fmt(v.delta_hidden[i], w)}"
            if not lean:
                h += f" f′ {fmt(v.fprime[i], w)}"
            e2 = " ".join(fmt(v.dW2[o, i], w) for o in range(k))
        else:
            e1 = _nums(v.W1[i], w)
            if v.b1 is not None:
                e1 += f" b{fmt(v.b1[i], w)}"
            h = f"h{_sub(i + 1)} a {fmt(v.a[i], w)}"
            if not lean:
                h = f"h{_sub(i + 1)} z {fmt(v.z[i], w)} a {fmt(v.a[i], w)}"
            e2 = " ".join(fmt(v.W2[o, i], w) for o in range(k))
        edges1.append(e1)
        hidden.append(h)
        edges2.append(e2)
    summary = ""
    if shown_m < m:
        rest = slice(shown_m, m)
        name, vals = ("δ", v.delta_hidden[rest]) if backward else ("a", v.a[rest])
        lo, hi = fmt(vals.min(), w), fmt(vals.max(), w)
        summary = f"… {m - shown_m} more hidden units, {name} in [{lo}, {hi}]"

    # the output column: (text, joined to the bus) per row, from out_row0 on
    out_cells: list[tuple[str, bool]] = []
    for o in range(shown_k):
        label = "ŷ" if k == 1 else f"ŷ{_sub(o + 1)}"
        has_b2 = v.b2 is not None and not backward
        if backward:
            node = f"δ {fmt(v.delta_out[o], w)}" if stacked else f"ŷ−y δ {fmt(v.delta_out[o], w)}"
            out_cells.append((node, True))
        elif stacked:
            out_cells.append((f"y {fmt(v.y[o], w)}", False))
            out_cells.append((f"{label} {fmt(v.y_hat[o], w)}", True))
            if has_b2:
                out_cells.append((f"b{fmt(v.b2[o], w)}", False))
        else:
            node = f"{label} {fmt(v.y_hat[o], w)} y {fmt(v.y[o], w)}"
            if has_b2:
                node += f" b{fmt(v.b2[o], w)}"
            out_cells.append((node, True))
    out_cells = out_cells[:rows_avail]
    joined = [i for i, (_, j) in enumerate(out_cells) if j]
    # the (first) node sits level with the middle hidden unit when the rows allow it
    first = joined[0] if joined else 0
    out_row0 = (
        max(0, (shown_m - 1) // 2 - first) if stacked else max(0, (shown_m - len(out_cells)) // 2)
    )
    out_row0 = min(out_row0, max(0, rows_avail - len(out_cells)))
    n_unit_rows = shown_m + (1 if summary else 0)
    n_rows = max(shown_n, n_unit_rows, out_row0 + len(out_cells))

    def col(items: list[str]) -> list[str]:
        wid = max((len(s) for s in items), default=0)
        return [s.ljust(wid) for s in items] + [" " * wid] * (n_rows - len(items))

    c_in, c_e1, c_h, c_e2 = col(inputs), col(edges1), col(hidden), col(edges2)
    left_rows = max(len(inputs), n_unit_rows)
    right_rows = max(shown_m, out_row0 + (joined[-1] + 1 if joined else 0))
    middle_width = len(c_e1[0]) + len(c_h[0]) + len(c_e2[0]) + 6
    lines: list[str] = []
    for r in range(n_rows):
        left = _junction(r, left_rows, r < len(inputs), r < n_unit_rows)
        if r < shown_m:
            middle = f"{c_e1[r]} ▶ {c_h[r]} ─ {c_e2[r]}"
        elif summary and r == shown_m:
            middle = summary
        else:
            middle = ""
        out_idx = r - out_row0
        cell, on_bus = out_cells[out_idx] if 0 <= out_idx < len(out_cells) else ("", False)
        right = _junction(r, right_rows, r < shown_m, on_bus)
        if cell or r < right_rows:
            middle = middle.ljust(middle_width)
        out = f" {'▶' if on_bus else ' '} {cell}" if cell else ""
        lines.append(f"{c_in[r]} {left} {middle} {right}{out}".rstrip())
    label_e1 = "∂E/∂W(1)" if backward else "W(1)"
    label_e2 = "∂E/∂W(2)" if backward else "W(2)"
    header = (
        f"{'input'.ljust(len(c_in[0]))}   {label_e1.ljust(len(c_e1[0]))}   "
        f"{'hidden'.ljust(len(c_h[0]))}   {label_e2.ljust(len(c_e2[0]))}     output"
    ).rstrip()
    return [title, header, *lines]


def _junction(r: int, rows: int, left: bool, right: bool) -> str:
    """The bus character joining inputs (left) to hidden units (right) on row ``r``."""
    if r >= rows:
        return " "
    if rows == 1:
        return "─" if (left or right) else " "
    # the row's joints, by what they join: left and right, left only, right only, neither
    joints = "┬┐┌│" if r == 0 else "┴┘└│" if r == rows - 1 else "┼┤├│"
    return joints[2 * (not left) + (not right)]


class NetworkDiagram(TextLinesWidget):
    """The network with its live values; ``backward`` switches to errors and gradients."""

    DEFAULT_CSS = """
    NetworkDiagram {
        width: 1fr;
        height: auto;
        max-height: 10;
    }
    """

    backward: reactive[bool] = reactive(False)

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._values: DiagramValues | LayerValues | None = None
        self._shown_plain: str | None = None
        self._renders: dict[tuple[int, int], Text] = {}
        self.max_rows = 8

    @property
    def values(self) -> DiagramValues | LayerValues | None:
        return self._values

    def set_values(self, values: DiagramValues | LayerValues | None) -> None:
        """Show these values at the next refresh (relayout: the row count may change)."""
        width, height = self.size
        rows_before = self._rows(width)
        self._values = values
        self._renders.clear()
        rows_changed = self._rows(width) != rows_before
        plain = self.build_text(width, height).plain if width and height else None
        if not rows_changed and plain is not None and plain == self._shown_plain:
            return  # same digits as on screen (a settled net): no repaint
        self._shown_plain = plain
        self.invalidate(layout=rows_changed)

    def set_max_rows(self, rows: int) -> None:
        """At most ``rows`` lines (title and header included): fewer in a low window."""
        if rows != self.max_rows:
            self.max_rows = rows
            self._shown_plain = None
            self._renders.clear()
            self.invalidate(layout=True)

    def watch_backward(self) -> None:
        self._shown_plain = None
        self._renders.clear()
        self.invalidate(layout=True)  # the stacked output may need another row

    def _render(self, width: int, height: int) -> Text:
        """``render_diagram`` of the current values, once per (width, height) and update."""
        key = (width, min(height, self.max_rows))
        text = self._renders.get(key)
        if text is None:
            text = render_diagram(self._values, backward=self.backward, width=width, height=key[1])
            self._renders[key] = text
        return text

    def _rows(self, width: int) -> int:
        """Lines the diagram takes at ``width`` (the output node may stack when narrow)."""
        if self._values is None:
            return 1
        if width <= 0:
            sizes = (
                self._values.sizes
                if isinstance(self._values, LayerValues)
                else self._values.W1.shape
            )
            return 2 + min(max(sizes), self.max_rows - 2)
        return len(self._render(width, self.max_rows).plain.split("\n"))

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return self._rows(width)

    def build_text(self, width: int, height: int) -> Text:
        natural = self._render(width, self.max_rows)
        if height >= len(natural.plain.split("\n")):
            return natural  # the usual case: the widget is as tall as the diagram
        return self._render(width, height)  # squeezed: summarise into fewer rows

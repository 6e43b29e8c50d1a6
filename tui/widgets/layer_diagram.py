"""Deeper networks drawn in text: one column per layer, its units' values for one example.

The notes' network (one hidden layer) has its own diagram with every weight on its edges
(``network_diagram``). With two or more hidden layers that no longer fits 80 columns, so this
one summarises: a column per layer (inputs, each hidden layer, outputs) with each unit's
activation a = f(z) (forward) or its error δ (backward); a layer taller than the rows left
shows its first units and "… N more" with the range of the rest. The weights' gradients are
summarised per layer by the gradient bars above (``gradient_bars``).

`layer_values` is plain numpy, so the training worker computes it off the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.text import Text

__all__ = ["LayerValues", "layer_values", "render_layers"]

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(i: int) -> str:
    return str(i).translate(_SUB)


@dataclass(frozen=True)
class LayerValues:
    """What the layer diagram shows for one example (copies: safe between threads)."""

    example: int  # 0-based
    n_examples: int
    activation: str
    output: str  # the output function's name (identity, softmax, ...)
    x: np.ndarray  # (n,)
    y: np.ndarray  # (k,)
    activations: tuple[np.ndarray, ...]  # a of each hidden layer, then ŷ
    deltas: tuple[np.ndarray, ...]  # δ of each hidden layer, then δ_out

    @property
    def sizes(self) -> tuple[int, ...]:
        return (len(self.x), *(len(a) for a in self.activations))


def layer_values(net: Any, X: np.ndarray, y: np.ndarray, example: int) -> LayerValues:
    """Forward activations and backward errors of every layer of ``net`` for one example."""
    i = int(example) % X.shape[0]
    with np.errstate(all="ignore"):  # a diverged net: show inf/NaN, no warnings
        b = net.backward(X[i : i + 1], y[i : i + 1])
    return LayerValues(
        example=i,
        n_examples=X.shape[0],
        activation=str(net.activation),
        output=str(net.output),
        x=np.array(X[i], dtype=float),
        y=np.atleast_1d(np.array(y[i], dtype=float)),
        activations=tuple(np.array(a[0], dtype=float) for a in b.forward.activations),
        deltas=tuple(np.array(d[0], dtype=float) for d in b.deltas),
    )


def _fmt(value: float, width: int) -> str:
    from bptutor.tui.widgets.network_diagram import fmt  # one number style for both diagrams

    return fmt(value, width)


def _column(
    name: str, values: np.ndarray, rows: int, width: int, extra: np.ndarray | None = None
) -> list[str]:
    """A layer's cells, at most ``rows``: "h₁ +0.53" (with " y 1" for outputs), then "… N more"."""
    n = len(values)
    shown = n if n <= rows else max(1, rows - 1)
    cells = []
    for j in range(shown):
        cell = f"{name}{_sub(j + 1)} {_fmt(values[j], width)}" if name else _fmt(values[j], width)
        if extra is not None:
            cell += f" y {extra[j]:.3g}"
        cells.append(cell)
    if shown < n:
        cells.append(f"… {n - shown} more")
    return cells


def _columns(
    v: LayerValues,
    layers: tuple[np.ndarray, ...],
    depth: int,
    rows: int,
    w: int,
    backward: bool,
    short: bool,
) -> list[tuple[str, list[str]]]:
    """(header, cells) per layer; ``short``: cells without unit names, headers like "h1 (8)"."""
    unit = "" if short else ("δ" if backward else "h")
    columns = [("in" if short else "input", _column("" if short else "x", v.x, rows, w))]
    for layer in range(depth):
        size = len(layers[layer])
        head = f"h{layer + 1} ({size})" if short else f"hidden {layer + 1} ({size})"
        columns.append((head, _column(unit, layers[layer], rows, w)))
    name = "" if short else ("δ" if backward else "ŷ")
    head = f"out ({len(layers[-1])})" if short else f"output ({len(layers[-1])})"
    columns.append((head, _column(name, layers[-1], rows, w, v.y)))
    return columns


def render_layers(
    values: LayerValues, *, backward: bool = False, width: int = 80, height: int = 8
) -> Text:
    """The layer columns as text, at most ``width`` x ``height`` (title and header included)."""
    v = values
    which = f"example {v.example + 1}/{v.n_examples} (e: next)"
    out = v.output if v.output != "identity" else ""
    if backward:
        title = f"backward · {which} · δ of each unit"
    else:
        title = f"forward · {which} · a = {v.activation}(z)" + (f", ŷ = {out}(z)" if out else "")
    if len(title) > width:
        title = title.replace(" (e: next)", "")
    rows = max(1, height - 2)
    w = 5
    layers = v.deltas if backward else v.activations
    depth = len(layers) - 1
    for short in (False, True):  # too wide: no unit names, short headers; then crop with "…"
        columns = _columns(v, layers, depth, rows, w, backward, short)
        widths = [max(len(head), *(len(c) for c in cells)) for head, cells in columns]
        if sum(widths) + 3 * (len(widths) - 1) <= width:
            break
    sep = " │ "
    # too wide (many layers in few columns): crop with "…", never a silent cut
    header = sep.join(head.ljust(wd) for (head, _), wd in zip(columns, widths, strict=True))
    n_rows = max(len(cells) for _, cells in columns)
    lines = []
    for r in range(n_rows):
        parts = [
            (cells[r] if r < len(cells) else "").ljust(wd)
            for (_, cells), wd in zip(columns, widths, strict=True)
        ]
        lines.append(sep.join(parts).rstrip())
    lines = [line if len(line) <= width else line[: width - 1] + "…" for line in lines]
    header = header if len(header) <= width else header[: width - 1] + "…"
    text = Text(no_wrap=True, overflow="crop")
    text.append(title[:width] + "\n", style="bold")
    text.append(header.rstrip() + "\n", style="dim")
    text.append("\n".join(lines))
    return text

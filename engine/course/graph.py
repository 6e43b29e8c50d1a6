"""Computational graphs, micrograd-style: named nodes, each an expression of the inputs and of
the nodes above it; forward values, local gradients and the backward pass, all from the
definition (the expression tree's own derivative), and the grading of a learner's backward pass
node by node.

The learner types ∂out/∂node for the asked nodes in backward order, as one vector. The verdict
names the FIRST wrong node (in that order, where a slip starts; the later nodes inherit it) and
what went wrong there: the sign, the local gradient without the upstream factor, the upstream
gradient without the local one, or a value used twice whose paths were not added.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from bptutor.engine.answers.expr import Expr
from bptutor.engine.answers.grading import Mistake, Verdict, check_array
from bptutor.engine.answers.parser import ParseError, parse_array
from bptutor.engine.course.templates import format_number

__all__ = ["Graph", "GraphNode", "grade_backward", "graph_listing", "graph_slips"]


@dataclass(frozen=True)
class GraphNode:
    name: str
    expr: Expr
    text: str  # as the author wrote it, for messages

    @property
    def operands(self) -> frozenset[str]:
        return self.expr.free_variables()


@dataclass(frozen=True)
class Graph:
    """Inputs (drawn numbers) feeding nodes in order; the last node is the output."""

    inputs: tuple[str, ...]
    nodes: tuple[GraphNode, ...]

    @property
    def output(self) -> str:
        return self.nodes[-1].name

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.inputs, *(n.name for n in self.nodes))

    def consumers(self, name: str) -> tuple[GraphNode, ...]:
        """The nodes that use `name` directly."""
        return tuple(n for n in self.nodes if name in n.operands)

    def forward(self, inputs: Mapping[str, float]) -> dict[str, float]:
        values = {name: float(inputs[name]) for name in self.inputs}
        for node in self.nodes:
            values[node.name] = float(node.expr.evaluate(values))
        return values

    def local(self, values: Mapping[str, float]) -> dict[tuple[str, str], float]:
        """∂consumer/∂operand at these values, for every edge of the graph."""
        return {
            (node.name, operand): float(node.expr.diff(operand).evaluate(values))
            for node in self.nodes
            for operand in node.operands
        }

    def backward(self, values: Mapping[str, float]) -> dict[str, float]:
        """∂output/∂name for every input and node: upstream × local, summed over consumers."""
        local = self.local(values)
        grads = {self.output: 1.0}
        for name in reversed(self.names[:-1]):
            grads[name] = sum(grads[c.name] * local[(c.name, name)] for c in self.consumers(name))
        return grads

    def backward_order(self) -> tuple[str, ...]:
        """Every name but the output, from the output back to the inputs."""
        return tuple(reversed(self.names[:-1]))


def graph_listing(graph: Graph, values: Mapping[str, float]) -> str:
    """The graph as a learner reads it, with its forward values: the inputs on one line, then
    one node a line (`q = x + y  = −1`), the values aligned."""
    lines = ["    ".join(f"{name} = {format_number(values[name])}" for name in graph.inputs)]
    width = max(len(f"{n.name} = {n.text}") for n in graph.nodes)
    for node in graph.nodes:
        head = f"{node.name} = {node.text}"
        lines.append(f"{head:<{width}}  = {format_number(values[node.name])}")
    return "\n".join(lines)


def _slips(graph: Graph, name: str, values: Mapping[str, float]) -> list[tuple[str, float, str]]:
    """(mistake name, the value that slip gives at `name`, message) for the typical slips."""
    local = graph.local(values)
    grads = graph.backward(values)
    out = graph.output
    right = grads[name]
    slips: list[tuple[str, float, str]] = [
        (
            "sign",
            -right,
            f"∂{out}/∂{name} has the wrong sign: follow the signs of the local gradients on the "
            "way back.",
        )
    ]
    consumers = graph.consumers(name)
    if len(consumers) > 1:
        for c in consumers:
            slips.append(
                (
                    "paths-not-added",
                    grads[c.name] * local[(c.name, name)],
                    f"{name} is used twice (by {', '.join(n.name for n in consumers)}): its "
                    f"gradient is the SUM of what comes back along every path, not only the "
                    f"path through {c.name} (the `=` instead of `+=` bug).",
                )
            )
    for c in consumers:
        if c.name == out:
            continue  # the upstream factor is 1 there: nothing to forget
        slips.append(
            (
                "local-only",
                local[(c.name, name)],
                f"That is the local gradient ∂{c.name}/∂{name} alone: multiply it by the "
                f"upstream gradient ∂{out}/∂{c.name} that arrives at {c.name}.",
            )
        )
        slips.append(
            (
                "upstream-only",
                grads[c.name],
                f"That is the upstream gradient ∂{out}/∂{c.name} alone: multiply it by the "
                f"local gradient ∂{c.name}/∂{name} of the node {c.name} = {c.text}.",
            )
        )
    return slips


def _close(a: float, b: float, rtol: float, atol: float) -> bool:
    return abs(a - b) <= atol + rtol * abs(b)


def graph_slips(
    graph: Graph, asked: tuple[str, ...], values: Mapping[str, float], rtol: float, atol: float
) -> tuple[Mistake, ...]:
    """Each typical slip at one asked node (every other entry right), as a declared mistake:
    what `lessons check` confirms the grader names. Slips that give the right value (or the
    value of an earlier slip) are left out."""
    grads = graph.backward(values)
    expected = np.array([grads[n] for n in asked])
    out = []
    for i, name in enumerate(asked):
        taken = [grads[name]]
        for slip, value, message in _slips(graph, name, values):
            if any(_close(value, t, rtol, atol) for t in taken):
                continue
            taken.append(value)
            vector = expected.copy()
            vector[i] = value
            out.append(Mistake(name=slip, expected=vector, message=message))
    return tuple(out)


def grade_backward(
    answer: str,
    graph: Graph,
    asked: tuple[str, ...],
    values: Mapping[str, float],
    *,
    rtol: float,
    atol: float,
    mistakes: Sequence[Mistake] = (),
) -> Verdict:
    """Grade the learner's ∂out/∂node for the asked nodes (a vector in that order). A whole
    answer that is one of `mistakes` (the lesson's declared ones, graph_slips) is named as
    such; otherwise the first entry off is explained from the graph."""
    grads = graph.backward(values)
    expected = np.array([grads[n] for n in asked])
    verdict = check_array(answer, expected, rtol=rtol, atol=atol, mistakes=mistakes)
    if verdict.status != "incorrect" or not verdict.wrong_entries or verdict.mistake:
        return verdict  # right, unreadable, the wrong length, or a known slip: said already
    try:
        got = np.asarray(parse_array(answer, variables=()).evaluate({}), dtype=float).reshape(-1)
    except (ParseError, ValueError):  # pragma: no cover - check_array read it just now
        return verdict
    first = min(index[0] for index in verdict.wrong_entries)
    name = asked[first]
    mistake, message = None, ""
    for slip, value, text in _slips(graph, name, values):
        if _close(float(got[first]), value, rtol, atol):
            mistake, message = slip, text
            break
    if mistake is None:
        consumers = ", ".join(c.name for c in graph.consumers(name))
        message = (
            f"∂{graph.output}/∂{name} is the first one off: it is the upstream gradient at "
            f"{consumers} times the local gradient of {consumers} with respect to {name}"
            + (", summed over both uses" if len(graph.consumers(name)) > 1 else "")
            + "."
        )
    later = len(verdict.wrong_entries) - 1
    if later:
        message += (
            f" ({later} more entr{'ies' if later > 1 else 'y'} after it "
            f"{'are' if later > 1 else 'is'} off too; they may inherit this.)"
        )
    return Verdict(
        status="incorrect",
        message=message,
        mistake=mistake,
        read_as=verdict.read_as,
        wrong_entries=verdict.wrong_entries,
    )

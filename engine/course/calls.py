"""The small call language lesson files use to name engine computations.

`partial(h, 'y', [x0, y0])`, `neg(answer)`, `entry(grad_W1(net, X, y), 1, 2)`: a name followed by
arguments, each a parameter name, a number, a quoted string, a list or another call. It is parsed
here by hand (never `eval`) and evaluated against the quantity registry in `quantities`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from bptutor.engine.course.model import MAX_ENTRIES, MAX_NESTING

__all__ = [
    "CallError",
    "CallNode",
    "ListNode",
    "NameNode",
    "Node",
    "NumberNode",
    "OnCall",
    "StringNode",
    "evaluate_call",
    "names_used",
    "parse_call",
]


class CallError(ValueError):
    """A computation that cannot be read or evaluated; the message says why."""


@dataclass(frozen=True)
class NumberNode:
    value: float


@dataclass(frozen=True)
class StringNode:
    value: str


@dataclass(frozen=True)
class NameNode:
    name: str


@dataclass(frozen=True)
class ListNode:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class CallNode:
    name: str
    args: tuple[Node, ...]
    kwargs: tuple[tuple[str, Node], ...]


Node = NumberNode | StringNode | NameNode | ListNode | CallNode

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | '(?P<sq>[^']*)'
      | "(?P<dq>[^"]*)"
      | (?P<op>[()\[\],=])
    )""",
    re.VERBOSE,
)


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise CallError(f"cannot read {text[pos:].strip()[:20]!r} at column {pos + 1}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        col = m.start(kind) + 1
        if kind in ("sq", "dq"):
            kind = "str"
        tokens.append((kind, value, col))
        pos = m.end()
    tokens.append(("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0  # calls and lists open around the current token

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, op: str) -> None:
        kind, value, col = self.take()
        if value != op or kind != "op":
            got = "the end" if kind == "end" else repr(value)
            raise CallError(f"expected {op!r} at column {col}, found {got}")

    def node(self) -> Node:
        kind, value, col = self.take()
        if kind == "num":
            return NumberNode(float(value))
        if kind == "str":
            return StringNode(value)
        if kind == "name":
            if self.peek()[1] == "(" and self.peek()[0] == "op":
                return self.call(value)
            return NameNode(value)
        if kind == "op" and value == "[":
            self.enter(col)
            items: list[Node] = []
            if self.peek()[1] != "]":
                items.append(self.node())
                while self.peek()[1] == ",":
                    self.take()
                    items.append(self.node())
            self.expect("]")
            self.depth -= 1
            return ListNode(tuple(items))
        got = "the end" if kind == "end" else repr(value)
        raise CallError(f"expected a name, number, 'string' or [list] at column {col}, found {got}")

    def enter(self, col: int) -> None:
        """One more call or list open: bounded, so the parser (and evaluation) never recurses
        deeper than a lesson could mean."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise CallError(f"is nested more than {MAX_NESTING} calls or lists deep (column {col})")

    def call(self, name: str) -> CallNode:
        self.enter(self.peek()[2])
        self.expect("(")
        args: list[Node] = []
        kwargs: list[tuple[str, Node]] = []
        if self.peek()[1] != ")":
            while True:
                kind, value, _col = self.peek()
                nxt = self.tokens[self.i + 1]
                if kind == "name" and nxt[0] == "op" and nxt[1] == "=":
                    self.take()
                    self.take()
                    kwargs.append((value, self.node()))
                else:
                    if kwargs:
                        raise CallError(
                            f"in {name}(...): a positional argument after a keyword argument"
                        )
                    args.append(self.node())
                if self.peek()[1] == ",":
                    self.take()
                    continue
                break
        self.expect(")")
        self.depth -= 1
        return CallNode(name, tuple(args), tuple(kwargs))


def parse_call(text: str) -> Node:
    """Parse a computation; the top level must be a call or a parameter name (never a number)."""
    if not isinstance(text, str) or not text.strip():
        raise CallError("an empty computation")
    parser = _Parser(text)
    node = parser.node()
    kind, value, col = parser.peek()
    if kind != "end":
        raise CallError(f"unexpected {value!r} at column {col}")
    if not isinstance(node, CallNode | NameNode):
        raise CallError(
            "must name an engine computation such as partial(f, 'x', [x0]) or a parameter, "
            "not a literal value (expected answers are always computed)"
        )
    return node


def names_used(node: Node) -> set[str]:
    """Every parameter name a computation refers to."""
    if isinstance(node, NameNode):
        return {node.name}
    if isinstance(node, ListNode):
        return set().union(*(names_used(n) for n in node.items)) if node.items else set()
    if isinstance(node, CallNode):
        out: set[str] = set()
        for n in node.args:
            out |= names_used(n)
        for _, n in node.kwargs:
            out |= names_used(n)
        return out
    return set()


OnCall = Callable[[str, tuple[Any, ...], dict[str, Any], Any], None]


def evaluate_call(
    node: Node,
    env: Mapping[str, Any],
    registry: Mapping[str, Any],
    on_call: OnCall | None = None,
) -> Any:
    """Evaluate against `env` (parameter values) and `registry` (name -> Quantity).

    `on_call(name, args, kwargs, value)` is told about every call made; `lessons check` uses it
    to compare derivative quantities with finite differences.
    """
    if isinstance(node, NumberNode):
        return node.value
    if isinstance(node, StringNode):
        return node.value
    if isinstance(node, NameNode):
        if node.name not in env:
            raise CallError(f"uses {node.name!r}, which is not a parameter defined above it")
        return env[node.name]
    if isinstance(node, ListNode):
        items = [evaluate_call(n, env, registry, on_call) for n in node.items]
        try:
            listed = np.array(items, dtype=float)
        except (TypeError, ValueError) as exc:
            raise CallError(f"a list must hold numbers of the same shape ({exc})") from None
        return _bounded(listed, "a list")
    assert isinstance(node, CallNode)
    q = registry.get(node.name)
    if q is None:
        known = ", ".join(sorted(registry))
        raise CallError(f"unknown computation {node.name!r}; known: {known}")
    args = tuple(evaluate_call(n, env, registry, on_call) for n in node.args)
    kwargs = {k: evaluate_call(n, env, registry, on_call) for k, n in node.kwargs}
    try:
        value = q.func(*args, **kwargs)
    except CallError:
        raise
    except TypeError as exc:
        raise CallError(f"{node.name}(...): wrong arguments ({exc}); {q.signature}") from None
    except (ValueError, ArithmeticError, IndexError) as exc:
        raise CallError(f"{node.name}(...): {exc}") from None
    _bounded(value, f"{node.name}(...)")
    if on_call is not None:
        on_call(node.name, args, kwargs, value)
    return value


def _bounded(value: Any, what: str) -> Any:
    """Every array a computation makes is refused beyond MAX_ENTRIES (as drawn ones are), so a
    chain of products can never grow: one step of it stays within a few MB."""
    size = getattr(value, "size", 1)
    if isinstance(value, np.ndarray) and size > MAX_ENTRIES:
        shape = "×".join(str(n) for n in value.shape)
        raise CallError(
            f"{what} computes a {shape} array ({size:,} entries); a lesson may use at most "
            f"{MAX_ENTRIES}"
        )
    return value

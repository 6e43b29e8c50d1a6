"""The computation language lesson files use: maths written as maths, with the engine's named
quantities as functions.

    W2 = "[s2*w2a, -s2*(w2b + 0.1)]"            # infix arithmetic on parameters
    answer = "entry(grad_W1(net, X, y), 1, 2)"   # calls into the quantity registry
    require = ["abs(rho - 1) >= 0.03", "z1 != z2"]

Numbers, 'strings', parameter names, calls `name(arg, ..., key=value)`, lists `[a, b]` (rows
with `;` or nested lists), parentheses, unary minus, `+ - * / ^` (`**` too) with the answer
language's precedence (the binding powers of `bptutor.engine.answers.expr`, stated once there),
and comparisons `== != < <= > >=` for constraints. Arithmetic is numpy's, elementwise: `*` of
two matrices multiplies entry by entry (`matmul(A, B)` is the matrix product). Parsed here by
hand (a Pratt parser, never `eval`) and evaluated against the quantity registry.

Format 1 courses use calls only (`neg(answer)`); infix maths and comparisons need
`format_version = 2` in index.toml (`uses_infix` tells the loader).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from bptutor.engine.answers.expr import BINDING_POWER, SIGN
from bptutor.engine.course.model import (
    MAX_ENTRIES,
    MAX_NESTING,
    BinaryNode,
    CallNode,
    ListNode,
    NameNode,
    Node,
    NumberNode,
    StringNode,
    UnaryNode,
)

__all__ = [
    "COMPARISONS",
    "BinaryNode",
    "CallError",
    "CallNode",
    "ListNode",
    "NameNode",
    "Node",
    "NumberNode",
    "OnCall",
    "StringNode",
    "UnaryNode",
    "evaluate_call",
    "holds",
    "names_used",
    "parse_call",
    "uses_infix",
]


class CallError(ValueError):
    """A computation that cannot be read or evaluated; the message says why."""


COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
_COMPARE_POWER = (0, 0)  # below every arithmetic operator, and not chained (a < b < c)

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | '(?P<sq>[^']*)'
      | "(?P<dq>[^"]*)"
      | (?P<op>\*\*|==|!=|<=|>=|[-+*/^<>()\[\],;=])
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
        if kind == "op" and value == "**":
            value = "^"
        tokens.append((kind, value, col))
        pos = m.end()
    tokens.append(("end", "", len(text) + 1))
    return tokens


def _infix_power(kind: str, value: str) -> tuple[int, int] | None:
    if kind != "op":
        return None
    if value in BINDING_POWER:
        return BINDING_POWER[value]
    if value in COMPARISONS:
        return _COMPARE_POWER
    return None


class _Parser:
    """One parsing function (`expression`) and the binding-power table: matklad's minipratt."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0  # calls, lists and parentheses open around the current token

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

    def enter(self, col: int) -> None:
        """One more call, list or parenthesis open: bounded, so neither the parser nor the
        evaluation ever recurses deeper than a lesson could mean."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise CallError(f"is nested more than {MAX_NESTING} levels deep (column {col})")

    def expression(self, min_power: int = 0) -> Node:
        left = self.prefix()
        while True:
            kind, value, _col = self.peek()
            power = _infix_power(kind, value)
            if power is None or power[0] < min_power:
                return left
            if value in COMPARISONS and min_power > 0:
                return left  # a comparison only at the top of an expression
            self.take()
            right = self.expression(power[1] + (1 if value in COMPARISONS else 0))
            left = BinaryNode(value, left, right)
            if value in COMPARISONS and _infix_power(*self.peek()[:2]) == _COMPARE_POWER:
                raise CallError(f"comparisons cannot be chained (column {self.peek()[2]})")

    def prefix(self) -> Node:
        kind, value, col = self.take()
        if kind == "num":
            return NumberNode(float(value))
        if kind == "str":
            return StringNode(value)
        if kind == "name":
            if self.peek()[1] == "(" and self.peek()[0] == "op":
                return self.call(value, col)
            return NameNode(value)
        if kind == "op" and value == "-":
            self.enter(col)
            operand = self.expression(SIGN)
            self.depth -= 1
            if isinstance(operand, NumberNode):
                return NumberNode(-operand.value)  # -1 is a number, as in format 1
            return UnaryNode(operand)
        if kind == "op" and value == "(":
            self.enter(col)
            inner = self.expression()
            self.expect(")")
            self.depth -= 1
            return inner
        if kind == "op" and value == "[":
            return self.list_(col)
        got = "the end" if kind == "end" else repr(value)
        raise CallError(
            f"expected a name, number, 'string', [list] or ( at column {col}, found {got}"
        )

    def list_(self, col: int) -> ListNode:
        """[a, b], [[1, 2], [3, 4]] or [1, 2; 3, 4] (rows separated by ;)."""
        self.enter(col)
        rows: list[list[Node]] = [[]]
        if self.peek()[1] != "]":
            rows[-1].append(self.expression())
            while self.peek()[1] in (",", ";") and self.peek()[0] == "op":
                if self.take()[1] == ";":
                    rows.append([])
                rows[-1].append(self.expression())
        self.expect("]")
        self.depth -= 1
        if len(rows) == 1:
            return ListNode(tuple(rows[0]))
        return ListNode(tuple(ListNode(tuple(row)) for row in rows))

    def call(self, name: str, col: int) -> CallNode:
        self.enter(col)
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
                    kwargs.append((value, self.expression()))
                else:
                    if kwargs:
                        raise CallError(
                            f"in {name}(...): a positional argument after a keyword argument"
                        )
                    args.append(self.expression())
                if self.peek()[1] == ",":
                    self.take()
                    continue
                break
        self.expect(")")
        self.depth -= 1
        return CallNode(name, tuple(args), tuple(kwargs))


def parse_call(text: str, *, constraint: bool = False) -> Node:
    """Parse a computation (or, with `constraint`, a comparison that must hold).

    A computation refers to at least one parameter or engine computation: a literal such as
    `0.5` or `[1, 2]` is refused, since expected answers are always computed.
    """
    if not isinstance(text, str) or not text.strip():
        raise CallError("an empty computation")
    parser = _Parser(text)
    node = parser.expression()
    kind, value, col = parser.peek()
    if kind != "end":
        raise CallError(f"unexpected {value!r} at column {col}")
    is_comparison = isinstance(node, BinaryNode) and node.op in COMPARISONS
    if constraint and not is_comparison:
        raise CallError("must be a comparison such as abs(a - b) >= 0.1 or z1 != z2")
    if not constraint and is_comparison:
        raise CallError(f"compares ({node.op}), which only a `require` constraint may do")
    if not names_used(node) and not _calls(node):
        raise CallError(
            "must name an engine computation such as partial(f, 'x', [x0]) or a parameter, "
            "not a literal value (expected answers are always computed)"
        )
    return node


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, ListNode):
        return node.items
    if isinstance(node, CallNode):
        return (*node.args, *(n for _, n in node.kwargs))
    if isinstance(node, UnaryNode):
        return (node.operand,)
    if isinstance(node, BinaryNode):
        return (node.left, node.right)
    return ()


def _calls(node: Node) -> bool:
    return isinstance(node, CallNode) or any(_calls(n) for n in _children(node))


def names_used(node: Node) -> set[str]:
    """Every parameter name a computation refers to."""
    if isinstance(node, NameNode):
        return {node.name}
    return set().union(*(names_used(n) for n in _children(node)))


def uses_infix(node: Node) -> bool:
    """Whether the computation needs format 2: infix maths or a comparison (lists with `;`
    rows read the same as nested lists, and -1 is a number, in either format)."""
    if isinstance(node, UnaryNode | BinaryNode):
        return True
    return any(uses_infix(n) for n in _children(node))


OnCall = Callable[[str, tuple[Any, ...], dict[str, Any], Any], None]

_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "^": np.power,
}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


def _numbers(value: Any, op: str) -> np.ndarray | float:
    if isinstance(value, bool | str) or value is None:
        raise CallError(f"{op} needs numbers, not {type(value).__name__} {value!r}")
    if isinstance(value, int | float | np.number):
        return float(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
        return value
    raise CallError(f"{op} needs numbers or arrays, not a {type(value).__name__}")


def _operate(op: str, left: Any, right: Any) -> Any:
    a, b = _numbers(left, op), _numbers(right, op)
    try:
        with np.errstate(all="ignore"):
            if op in _COMPARE:
                result = _COMPARE[op](a, b)
                # != holds when the two differ anywhere; every other comparison everywhere
                return bool(np.any(result)) if op == "!=" else bool(np.all(result))
            out = _ARITHMETIC[op](a, b)
    except ValueError as exc:  # shapes that do not broadcast
        shapes = f"{np.shape(a)} {op} {np.shape(b)}"
        raise CallError(f"{shapes}: the shapes do not fit ({exc})") from None
    return float(out) if np.ndim(out) == 0 else out


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
    if isinstance(node, NumberNode | StringNode):
        return node.value
    if isinstance(node, NameNode):
        if node.name not in env:
            raise CallError(f"uses {node.name!r}, which is not a parameter defined above it")
        return env[node.name]
    if isinstance(node, UnaryNode):
        value = _numbers(evaluate_call(node.operand, env, registry, on_call), "−")
        return _bounded(-value, "−(…)")
    if isinstance(node, BinaryNode):
        left = evaluate_call(node.left, env, registry, on_call)
        right = evaluate_call(node.right, env, registry, on_call)
        return _bounded(_operate(node.op, left, right), f"… {node.op} …")
    if isinstance(node, ListNode):
        items = [evaluate_call(n, env, registry, on_call) for n in node.items]
        try:
            listed = np.array(items, dtype=float)
        except (TypeError, ValueError) as exc:
            raise CallError(f"a list must hold numbers of the same shape ({exc})") from None
        return _bounded(listed, "a list")
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


def holds(node: Node, env: Mapping[str, Any], registry: Mapping[str, Any]) -> bool:
    """Whether a `require` constraint holds for these parameters."""
    value = evaluate_call(node, env, registry)
    if not isinstance(value, bool):  # pragma: no cover - parse_call(constraint=True) ensures it
        raise CallError("must be a comparison")
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

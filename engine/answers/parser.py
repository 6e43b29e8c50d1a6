"""Text to tree: the answers learners type, read by a tokenizer and a Pratt parser.

Answers are untrusted, so we read them with a grammar we control (no eval/exec/compile/sympy)
and bound every dimension: length, tokens, nesting and the depth of the built tree. Reading
goes in three steps, the first two in tokens.py: `tokenize` maps Unicode operators,
superscripts (x² is x^(2)) and aliases (σ, π, √, ŷ) to one ASCII token stream; `resolve_names`
reads each name as the exercise declares it (its subscripted spellings, or split into declared
names: `xy` is x·y); here the Pratt parser builds the tree, its precedence from
`notation.BINDING_POWER`, the table the printers use too.
Every ParseError has a message for the learner that quotes the token it names, and the column
when there is one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TypeVar

from bptutor.engine.answers.notation import (
    BINDING_POWER,
    CONSTANTS,
    FUNCTIONS,
    SIGN,
)
from bptutor.engine.answers.tokens import (
    MAX_LENGTH,
    MAX_TOKENS,
    ParseError,
    Token,
    canonical_name,
    resolve_names,
    tokenize,
)
from bptutor.engine.answers.tree import ArrayExpr, BinOp, Const, Expr, Neg, Num, Var, call

MAX_DEPTH = 60  # parenthesis / bracket / sign / exponent nesting
MAX_TREE_DEPTH = 400  # depth of the built tree (long chains), keeps recursion safe
__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_TOKENS",
    "MAX_TREE_DEPTH",
    "Ambiguity",
    "ParseError",
    "Token",
    "canonical_name",
    "parse",
    "parse_array",
    "resolve_names",
    "tokenize",
]
_NOT_A_LIST = "a single expression is expected here, not a list"
_IMPLICIT = "*"  # juxtaposition (2x, x e^y) is read with this row of BINDING_POWER
_T = TypeVar("_T")


@dataclass(frozen=True)
class Ambiguity:
    """Implicit multiplication after a `/` or `^` operand written without parentheses: `x/2x`
    is read as (x/2)·x, which the learner may have meant as x/(2x).

    `grouped` is the operand read as one group (x/2), `read` the product as read ((x/2)·x),
    `other` the reading the learner may have meant (x/(2x)). `parse(..., notes=[])` collects
    them; the preview shows `read` with `grouped` in parentheses and suggests `other`."""

    grouped: Expr
    read: Expr
    other: Expr


# --- tokens to tree: the Pratt parser -----------------------------------------------------------


class _Parser:
    def __init__(self, text: str, variables: tuple[str, ...] | None) -> None:
        self.variables = variables
        self.tokens = resolve_names(tokenize(text), variables)
        self.pos = 0
        self.nesting = 0
        self.array_row = [False]  # inside an array row (whitespace separates entries)
        self.bars = 0  # |…| open in the current parentheses: a "|" after an operand closes one
        self.closing: dict[int, int] = {}  # index of a "(" -> index of its ")"
        self.bare: set[int] = set()  # ids of / and ^ nodes whose right operand has no ( )
        self.wrapped: set[int] = set()  # ids of what ( … ) enclosed: never continued
        self.notes: list[Ambiguity] = []

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        t = self.tokens[self.pos]
        if t.kind != "end":
            self.pos += 1
        return t

    def fail_here(self) -> ParseError:
        t = self.tok
        prev = self.tokens[self.pos - 1] if self.pos else None
        if t.kind == "end":
            if prev is not None and prev.kind == "op":
                return ParseError(f"the answer ends after “{prev.text}”: something is missing")
            return ParseError("the answer ends too early: something is missing")
        what = f"“{t.text}”"
        if prev is not None and prev.kind in ("op", "(", "[", ",", ";", "|"):
            return ParseError(f"unexpected {what} after “{prev.text}”", t.col)
        if prev is None:
            return ParseError(f"unexpected {what} at the start", t.col)
        return ParseError(f"unexpected {what}", t.col)

    def close(self, opened: Token) -> None:
        """Read the token that closes `opened` (a "(", "[" or "|"), or say why it is missing."""
        closer = {"(": ")", "[": "]", "|": "|"}[opened.kind]
        t = self.tok
        if t.kind == closer:
            self.advance()
        elif t.kind == "end":
            raise ParseError(f"the “{opened.kind}” at column {opened.col} is never closed")
        elif closer == ")" and t.kind in (",", ";"):
            raise ParseError(_NOT_A_LIST, t.col)
        else:
            raise self.fail_here()

    @contextmanager
    def deeper(self) -> Iterator[None]:
        """One nesting level down (a sign's operand, an exponent, what brackets enclose)."""
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise ParseError(f"too deeply nested (at most {MAX_DEPTH} levels)", self.tok.col)
        yield
        self.nesting -= 1

    def nested(self, min_bp: int) -> Expr:
        with self.deeper():
            return self.expression(min_bp)

    @staticmethod
    def bounded(e: Expr) -> Expr:
        if e.depth > MAX_TREE_DEPTH:
            raise ParseError("the expression is too long or too deeply nested")
        return e

    def declared(self, name: str) -> bool:
        return self.variables is not None and name in self.variables

    def whole_expression(self) -> Expr:
        e = self.expression()
        t = self.tok
        if t.kind != "end":
            if t.kind == ")":
                raise ParseError("there is a “)” without a matching “(”", t.col)
            if t.kind in (",", ";"):
                raise ParseError(_NOT_A_LIST, t.col)
            if t.kind in ("[", "]"):
                raise ParseError(
                    f"unexpected “{t.text}”: a single expression is expected here", t.col
                )
            raise self.fail_here()
        return e

    def entry_break(self) -> bool:
        """In an array row, whitespace before a new term starts a new entry: [1 2], [0.5 -0.25]."""
        if not self.array_row[-1]:
            return False
        t = self.tok
        if not t.space_before:
            return False
        if t.kind == "op" and t.text in "+-":  # "a - b" is one entry, "a -b" two
            after = self.tokens[self.pos + 1]
            return after.kind != "end" and not after.space_before
        return t.kind in ("num", "name", "(", "[") or (t.kind == "|" and not self.bars)

    def expression(self, min_bp: int = 0) -> Expr:
        """The Pratt loop: an operand, then every operator that binds at least `min_bp`.

        Juxtaposition right after a `/` or `^` operand written without parentheses (x/2x,
        e^2x) is read by the table, (x/2)·x, and noted as an Ambiguity: the run of juxtaposed
        factors that follows is what the learner may have meant below the bar or in the
        exponent."""
        lhs = self.prefix()
        run: tuple[Expr, Expr, list[Expr]] | None = None  # (grouped, lhs before, factors)
        while True:
            t = self.tok
            if self.entry_break():
                break
            if t.kind == "op" and t.text in BINDING_POWER:
                op = t.text
            elif t.kind in ("num", "name", "(") or (t.kind == "|" and not self.bars):
                op = _IMPLICIT  # a "|" inside bars closes them; outside, 2|x| opens new ones
            else:
                break
            left_bp, right_bp = BINDING_POWER[op]
            if left_bp < min_bp:
                break
            implicit = t.kind != "op"
            if not implicit:
                self.advance()
                if run is not None:  # an operator ends the run of juxtaposed factors
                    self.note(run, lhs)
                    run = None
            elif t.kind == "num" and not t.space_before and isinstance(lhs, Num):
                raise ParseError(f"unexpected number “{t.text}”", t.col)  # (2)3, 2 3 is fine
            elif run is None:
                grouped = self.bare_on_the_right(lhs)
                if grouped is not None:
                    run = (grouped, lhs, [])
            start = self.pos
            rhs = self.nested(right_bp) if op == "^" else self.expression(right_bp)
            node = self.bounded(BinOp(op, lhs, rhs))
            if op in "/^" and not self.enclosed(start):
                self.bare.add(id(node))
            if run is not None:
                run[2].append(rhs)
            lhs = node
        if run is not None:
            self.note(run, lhs)
        return lhs

    def enclosed(self, start: int) -> bool:
        """The operand read from token `start` to here is one ( … ) (a superscript is one)."""
        return self.tokens[start].kind == "(" and self.closing.get(start) == self.pos - 1

    def bare_on_the_right(self, e: Expr) -> Expr | None:
        """The / or ^ node with a bare right operand that ends `e`, if one does: x/2, the x²
        of 2x^2 (what a juxtaposed factor right after `e` seems to continue)."""
        while True:
            if id(e) in self.wrapped:
                return None
            if id(e) in self.bare:
                return e
            if isinstance(e, BinOp) and e.op == "*":
                e = e.right
            elif isinstance(e, Neg):
                e = e.arg
            else:
                return None

    def note(self, run: tuple[Expr, Expr, list[Expr]], read: Expr) -> None:
        grouped, before, factors = run
        assert isinstance(grouped, BinOp)
        continued = grouped.right
        for f in factors:
            continued = BinOp("*", continued, f)
        other = _replace_on_the_right(before, grouped, BinOp(grouped.op, grouped.left, continued))
        self.notes.append(Ambiguity(grouped=grouped, read=read, other=other))

    def prefix(self) -> Expr:
        """A sign and its operand, or an atom."""
        t = self.tok
        if t.kind == "op" and t.text in "+-":
            self.advance()
            arg = self.nested(SIGN)
            return arg if t.text == "+" else self.bounded(Neg(arg))
        return self.atom()

    def atom(self) -> Expr:
        """A number, a parenthesised expression, a call, a constant or a variable."""
        t = self.tok
        if t.kind == "num":
            self.advance()
            value = float(t.text)
            if not math.isfinite(value):
                raise ParseError(f"“{t.text}” is too large", t.col)
            return Num(value, text=t.text)
        if t.kind == "(":
            return self.group()
        if t.kind == "name":
            name = t.text
            self.advance()
            if name in FUNCTIONS and not self.declared(name):
                if self.tok.kind == "(":
                    return self.bounded(call(name, self.group()))
                if name == "sqrt" and self.tok.kind in ("num", "name"):  # √x, √2
                    with self.deeper():
                        return self.bounded(call(name, self.atom()))
                raise ParseError(f"“{name}” needs its argument in parentheses: {name}(…)", t.col)
            if name in CONSTANTS and not self.declared(name):
                return Const(name)
            return Var(name)
        if t.kind == "|":
            return self.absolute()
        if t.kind == "[":
            raise ParseError("a single expression is expected here, not a list in [ ]", t.col)
        raise self.fail_here()

    def enclosed_expression(self, opened: Token, bars: int) -> Expr:
        """The expression after `opened` up to the token that closes it, both read: inside,
        whitespace separates nothing (array rows pause) and `bars` |…| are open."""
        with self.deeper():
            self.array_row.append(False)
            outer, self.bars = self.bars, bars
            e = self.expression()
            self.bars = outer
            self.array_row.pop()
        self.close(opened)
        return e

    def group(self) -> Expr:
        """( expression ): bars open outside do not close inside."""
        start = self.pos
        e = self.enclosed_expression(self.advance(), bars=0)
        self.closing[start] = self.pos - 1
        self.wrapped.add(id(e))
        return e

    def absolute(self) -> Expr:
        """| expression |: the absolute value, abs(expression). A "|" right after an operand
        closes the innermost bars: ||x| - 1| nests, 2|x| multiplies."""
        opened = self.advance()
        if self.tok.kind == "end":
            raise ParseError(f"the “|” at column {opened.col} is never closed")
        return self.bounded(call("abs", self.enclosed_expression(opened, self.bars + 1)))

    # --- arrays ---------------------------------------------------------------------------------

    def tuples_as_brackets(self) -> None:
        """Read a parenthesised list as a vector: (6, 6, -8) is [6, 6, -8].

        Only parentheses holding a "," or ";" of their own change (they cannot be grouping),
        and never a function's: exp(1, 2) stays an error. So ((1, 2), (3, 4)) is a matrix.
        """
        stack: list[int] = []
        listing: dict[int, bool] = {}
        pairs: list[tuple[int, int]] = []
        for k, t in enumerate(self.tokens):
            if t.kind in ("(", "["):
                stack.append(k)
                listing[k] = False
            elif t.kind in (")", "]") and stack:
                start = stack.pop()
                opened = self.tokens[start]
                before = self.tokens[start - 1] if start else None
                is_call = before is not None and before.kind == "name" and before.text in FUNCTIONS
                if opened.kind == "(" and t.kind == ")" and listing[start] and not is_call:
                    pairs.append((start, k))
            elif t.kind in (",", ";") and stack:
                listing[stack[-1]] = True
        for start, end in pairs:
            self.tokens[start] = replace(self.tokens[start], kind="[")
            self.tokens[end] = replace(self.tokens[end], kind="]")

    def array(self) -> tuple[bool, list[list[Expr]]]:
        """(nested, rows): nested for [[1, 2], [3, 4]], else rows split by ";"."""
        self.tuples_as_brackets()
        if self.tok.kind == "[":
            opened = self.advance()
            result = self.array_body()
            self.close(opened)
        else:
            result = self.array_body()
        if self.tok.kind != "end":
            raise self.fail_here()
        return result

    def array_body(self) -> tuple[bool, list[list[Expr]]]:
        rows: list[list[Expr]] = []
        if self.tok.kind == "[":  # [[1,2],[3,4]]
            while True:
                opened = self.advance()
                with self.deeper():
                    rows.append(self.row())
                self.close(opened)
                if self.tok.kind in (",", ";") and self.tokens[self.pos + 1].kind == "[":
                    self.advance()
                    continue
                if self.tok.kind == "[":
                    continue
                break
            return True, rows
        rows.append(self.row())
        while self.tok.kind == ";":
            self.advance()
            if self.tok.kind in ("]", "end"):
                break  # trailing semicolon
            rows.append(self.row())
        return False, rows

    def row(self) -> list[Expr]:
        entries: list[Expr] = []
        self.array_row.append(True)
        try:
            while True:
                if self.tok.kind in ("]", ";", "end") and entries:
                    break
                if self.tok.kind == "," and not entries:
                    raise ParseError("an entry is missing before “,”", self.tok.col)
                entries.append(self.expression())
                if self.tok.kind == ",":
                    self.advance()
                    if self.tok.kind in ("]", ";", "end"):
                        raise ParseError(
                            "an entry is missing after “,”", self.tokens[self.pos - 1].col
                        )
                    continue
                if self.tok.kind in ("]", ";", "end"):
                    break
                if self.entry_break():
                    continue
                raise self.fail_here()
        finally:
            self.array_row.pop()
        return entries


def _replace_on_the_right(e: Expr, target: Expr, new: Expr) -> Expr:
    """`e` with the node `target` (by identity, on its right spine) replaced by `new`."""
    if e is target:
        return new
    if isinstance(e, BinOp):
        return BinOp(e.op, e.left, _replace_on_the_right(e.right, target, new))
    if isinstance(e, Neg):
        return Neg(_replace_on_the_right(e.arg, target, new))
    return e  # pragma: no cover - target is always on the spine


def _read(
    text: str,
    variables: Iterable[str] | None,
    notes: list[Ambiguity] | None,
    read: Callable[[_Parser], _T],
) -> _T:
    """`read` applied to a parser of `text`; a RecursionError is a ParseError like any other."""
    if not isinstance(text, str):
        raise ParseError("the answer must be text")
    declared = None if variables is None else tuple(canonical_name(v) for v in variables)
    if not text.strip():
        raise ParseError("the answer is empty")
    try:
        p = _Parser(text, declared)
        out = read(p)
    except RecursionError:
        raise ParseError("too deeply nested") from None
    if notes is not None:
        notes.extend(p.notes)
    return out


def parse(
    text: str, variables: Iterable[str] | None = None, *, notes: list[Ambiguity] | None = None
) -> Expr:
    """Parse one expression. `variables`: the names allowed (None: any name is a variable;
    (): numbers and constants only). Raises ParseError, never anything else, for any input.
    `notes`, when given, receives the Ambiguity of every `x/2x` or `e^2x` in the text."""
    return _read(text, variables, notes, _Parser.whole_expression)


def parse_array(
    text: str, variables: Iterable[str] | None = (), *, notes: list[Ambiguity] | None = None
) -> ArrayExpr:
    """Parse a vector or matrix: [1, 2], [1 2], [1, 2; 3, 4], [[1,2],[3,4]], a bare 1, 2, or a
    parenthesised (1, 2) as the notes write points and vectors. `notes` as for `parse`."""
    nested, rows = _read(text, variables, notes, _Parser.array)
    widths = [len(r) for r in rows]
    if len(set(widths)) > 1:
        raise ParseError(
            "the rows have different lengths ("
            + ", ".join(str(w) for w in widths)
            + " entries): every row needs the same number"
        )
    return ArrayExpr(tuple(tuple(r) for r in rows), flat=not nested and len(rows) == 1)

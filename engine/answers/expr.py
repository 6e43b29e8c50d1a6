"""The expression language's public face: import the tree, its constructors, `tidy` and the
notation from here.

Two modules underneath, one job each: `notation` (function names, constants, the binding
powers parsing and printing share, superscripts, spelling numbers) and `tree` (nodes,
evaluation, derivatives, the simplifying constructors, printing). `tidy`, here, rewrites a tree
as a person would write it, for display: lesson expressions get their parameters as literal
numbers (`2*x^3 + (-1)*x`), prose shows them rebuilt with the tree's simplifying constructors
plus sign rules (`2*x^3 - x`).
"""

from __future__ import annotations

from bptutor.engine.answers.notation import (
    BINDING_POWER,
    CONSTANTS,
    FUNCTIONS,
    SIGN,
    SUPERSCRIPTS,
)
from bptutor.engine.answers.tree import (
    ONE,
    ZERO,
    ArrayExpr,
    BinOp,
    Call,
    Const,
    Env,
    Expr,
    Neg,
    Num,
    Values,
    Var,
    add,
    call,
    div,
    mul,
    neg,
    power,
    sub,
)

__all__ = [
    "BINDING_POWER",
    "CONSTANTS",
    "FUNCTIONS",
    "ONE",
    "SIGN",
    "SUPERSCRIPTS",
    "ZERO",
    "ArrayExpr",
    "BinOp",
    "Call",
    "Const",
    "Env",
    "Expr",
    "Neg",
    "Num",
    "Values",
    "Var",
    "add",
    "call",
    "div",
    "mul",
    "neg",
    "power",
    "sub",
    "tidy",
]


def tidy(expr: Expr) -> Expr:
    """An equivalent expression that reads as a person would write it, for display.

    Parameters land in lesson expressions as literal numbers, so `"{a}*x^3 + {b}*x"` with
    b = −1 is `2*x^3 + (-1)*x`. Rebuilt with the simplifying constructors plus sign rules it is
    `2*x^3 - x`: a factor 1 and a term 0 are dropped, `+ (−c)·u` becomes `− c·u`, `− (−c)`
    becomes `+ c`, and numbers come first in a product. The value is unchanged.
    """
    try:
        return _tidy(expr)
    except RecursionError:  # pragma: no cover - lesson expressions are small
        return expr


def _tidy(e: Expr) -> Expr:
    if isinstance(e, Num):  # prose shows the engine's rounding, not a literal's full digits
        return Num(e.value) if e.text is not None else e
    if isinstance(e, Neg):
        return neg(_tidy(e.arg))
    if isinstance(e, Call):
        return call(e.fn, _tidy(e.arg))
    if isinstance(e, BinOp):
        a, b = _tidy(e.left), _tidy(e.right)
        if e.op == "+":
            return _plus(a, b)
        if e.op == "-":
            return _minus(a, b)
        if e.op == "*":
            return _times(a, b)
        if e.op == "/":
            return div(a, b)
        return power(a, b)
    return e


def _split_sign(e: Expr) -> tuple[bool, Expr]:
    """(negative, magnitude) with e == −magnitude when negative."""
    if isinstance(e, Num) and e.value < 0:
        return True, Num(-e.value)
    if isinstance(e, Neg):
        return True, e.arg
    if isinstance(e, BinOp) and e.op in ("*", "/"):
        neg_left, left = _split_sign(e.left)
        if neg_left:
            return True, (mul if e.op == "*" else div)(left, e.right)
        neg_right, right = _split_sign(e.right) if e.op == "*" else (False, e.right)
        if neg_right:
            return True, mul(e.left, right)
    return False, e


def _plus(a: Expr, b: Expr) -> Expr:
    if a == ZERO:
        return b
    negative, magnitude = _split_sign(b)
    return _minus(a, magnitude) if negative else add(a, b)


def _minus(a: Expr, b: Expr) -> Expr:
    negative, magnitude = _split_sign(b)
    if a == ZERO:
        return magnitude if negative else neg(b)
    return _plus(a, magnitude) if negative else sub(a, b)


def _negated(e: Expr) -> Expr:
    """−e with the sign on the leading factor: −2·x·y rather than −(2·x·y)."""
    if isinstance(e, Num):
        return Num(-e.value) if e.value else e
    if isinstance(e, BinOp) and e.op in ("*", "/"):
        return BinOp(e.op, _negated(e.left), e.right)
    return neg(e)


def _times(a: Expr, b: Expr) -> Expr:
    neg_a, a = _split_sign(a)
    neg_b, b = _split_sign(b)
    out = mul(a, b)
    return _negated(out) if neg_a != neg_b else out

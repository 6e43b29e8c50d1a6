"""The expression language's public face: import the tree, its constructors, `tidy` and the
notation from here.

Three modules underneath, one job each: `notation` (function names, constants, the binding
powers parsing and printing share, superscripts, spelling numbers), `tree` (nodes, evaluation,
derivatives, the simplifying constructors, printing) and `tidy` (rewriting a tree as a person
would write it, for display).
"""

from __future__ import annotations

from bptutor.engine.answers.notation import (
    BINDING_POWER,
    CONSTANTS,
    FUNCTIONS,
    SIGN,
    SUPERSCRIPTS,
)
from bptutor.engine.answers.tidy import tidy
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

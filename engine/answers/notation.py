"""The notation of the answer language: its function names and what numpy computes for each,
its constants, the binding powers that parsing and printing share, the other spellings a learner
may type (symbols, Unicode operators, superscripts, subscripts), and how a number is spelled in
plain ASCII and in Unicode.

Tables only, no tree: the parser, the tree and its printers (`tree`) and the lesson files'
call language (`course.calls`) all read precedence, names and spellings from here, so each is
stated once.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

FUNCTIONS = (
    "exp",
    "log",
    "ln",
    "sqrt",
    "abs",
    "tanh",
    "cosh",
    "sinh",
    "sech",
    "arctan",
    "atan",
    "sin",
    "cos",
    "sigma",
    "relu",
    "step",
)
CONSTANTS = {"e": math.e, "pi": math.pi}
CANONICAL_FUNCTION = {"ln": "log", "atan": "arctan"}

# Binding powers, one table for reading and for printing (the shape of matklad's minipratt).
# An infix operator binds (left, right): left < right is left-associative (a - b - c is
# (a - b) - c), left > right right-associative (a^b^c is a^(b^c)). Juxtaposition is the "*"
# row, so implicit multiplication binds like * (1/2x is (1/2)·x). A sign (prefix + or -) binds
# its operand with SIGN: below ^ (-x^2 is -(x^2), and an exponent may carry a sign: e^-z+1 is
# e^(-z) + 1), above * and / (-x*y is (-x)*y).
BINDING_POWER: dict[str, tuple[int, int]] = {
    "+": (1, 2),
    "-": (1, 2),
    "*": (3, 4),
    "/": (3, 4),
    "^": (8, 7),
}
SIGN = 5
ATOM = 100  # numbers, names and calls: nothing binds tighter

# How a learner may spell what the tokenizer reads in ASCII: names by their symbols, operators
# in Unicode, subscript digits (part of a name, as the app shows them: y₁ and W1₂₃ are y1 and
# W1_23) and the whitespace that separates.
ALIASES = {"σ": "sigma", "π": "pi", "√": "sqrt", "ŷ": "y_hat"}
OPERATOR_CHARS = {"−": "-", "–": "-", "·": "*", "×": "*", "⋅": "*", "∗": "*", "÷": "/", "∣": "|"}
SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
SPACES = " \t\n\r\u00a0\u2009\u202f"

# Superscripts read as an exponent (x², eʸ, xⁿ⁻¹) and short exponents print raised.
SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾", "0123456789-+()", strict=True))
# every small Latin letter Unicode has as a superscript (there is no superscript q)
SUPERSCRIPTS.update(zip("ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ", "abcdefghijklmnoprstuvwxyz", strict=True))
TO_SUPER = {v: k for k, v in SUPERSCRIPTS.items()}
MAX_SUPER_SHOWN = 3  # an exponent of up to 3 such characters prints raised: eʸ, e⁻ᶻ, xⁿ⁻¹


# --- what each function computes (vectorised; the tree's `Call` evaluates with it) --------------


def _sigmoid(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


NUMPY_FUNCTION: dict[str, Callable[[NDArray[np.float64]], NDArray[np.float64]]] = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "abs": np.abs,
    "cosh": np.cosh,
    "sinh": np.sinh,
    "sech": lambda x: 1.0 / np.cosh(x),
    "arctan": np.arctan,
    "sin": np.sin,
    "cos": np.cos,
    "sigma": _sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),
    "step": lambda x: (x > 0).astype(float),
}


# --- spelling numbers ---------------------------------------------------------------------------

UNICODE_FUNCTION = {fn: symbol for symbol, fn in ALIASES.items() if fn in FUNCTIONS}  # σ, √


def number_plain(v: float) -> str:
    """A number as the parser reads it back exactly: 2, -0.5, 1e-20."""
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


def number_unicode(v: float, text: str | None = None) -> str:
    """A number for the eye: as the learner typed it (`text`) when there is one, else 6
    significant digits, a Unicode minus and powers of ten raised (2.5·10⁻¹)."""
    if text is not None and math.copysign(1.0, v) > 0:  # as typed: 6.649514, 2.5·10⁻¹
        mantissa, _, exponent = text.lower().partition("e")
        if not exponent:
            return mantissa
        return f"{mantissa}·10" + "".join(TO_SUPER[c] for c in str(int(exponent)))
    if v == int(v) and abs(v) < 1e15:
        s = str(int(v))
    else:
        s = f"{v:.6g}"
        if "e" in s:
            mant, ex = s.split("e")
            s = f"{mant}·10" + "".join(TO_SUPER.get(c, "") for c in str(int(ex)))
    return s.replace("-", "−")

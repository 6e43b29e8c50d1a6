"""The expression tree answers become: nodes, numpy evaluation, symbolic derivatives, the
simplifying constructors, and printing (plain ASCII and Unicode).

Precedence is stated once, in `notation.BINDING_POWER`: the parser reads with it and the
printers here derive every pair of parentheses from it, so `parse(e.to_plain()) == e` for every
tree the parser builds. Nothing here reads text; nothing here ever evals anything.

One module on purpose (~570 lines): the node types, their derivative rules, the constructors
that diff builds with, and the printers all switch over the same six node types. Import these
names from `expr`, the language's public face.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
from bptutor.engine.answers.notation import (
    ATOM,
    BINDING_POWER,
    CANONICAL_FUNCTION,
    CONSTANTS,
    MAX_SUPER_SHOWN,
    NUMPY_FUNCTION,
    SIGN,
    TO_SUPER,
    UNICODE_FUNCTION,
    number_plain,
    number_unicode,
)
from numpy.typing import ArrayLike, NDArray

Env: TypeAlias = Mapping[str, ArrayLike]
"""Values of the variables: numbers or arrays (evaluation is vectorised over them)."""
Values: TypeAlias = NDArray[np.float64] | np.float64


# --- the tree -----------------------------------------------------------------------------------


class Expr:
    """An expression node. Immutable; `depth` bounds recursion for evaluate/diff/print."""

    depth: int = 1

    def evaluate(self, env: Env) -> Values:
        """Value with numpy (vectorised over arrays in env); never warns, may give nan/inf.

        A variable missing from env is a KeyError."""
        with np.errstate(all="ignore"):
            return self._ev(env)

    def _ev(self, env: Env) -> Values:  # pragma: no cover - abstract
        raise NotImplementedError

    def diff(self, var: str) -> Expr:
        """The symbolic derivative with respect to `var`, simplified."""
        raise NotImplementedError  # pragma: no cover - abstract

    def free_variables(self) -> frozenset[str]:
        raise NotImplementedError  # pragma: no cover - abstract

    def to_plain(self) -> str:
        """ASCII that the parser reads back as this very tree: `x*e^y`, `e^(-z)`."""
        return _plain(self)

    def to_unicode(self, grouped: Iterable[Expr] = ()) -> str:
        """What a person would write: `x·eʸ`, `2x`, `σ(z)`, `√x`, `|x|`, `−`.

        Subtrees in `grouped` are shown in parentheses wherever they are an operand, (x/2)·x:
        how the preview shows a grouping it chose for ambiguous input."""
        return _uni(self, frozenset(grouped))

    def __str__(self) -> str:
        return self.to_plain()

    def __repr__(self) -> str:
        return f"Expr({self.to_plain()!r})"


def _depth(*children: Expr) -> int:
    return 1 + max(c.depth for c in children)


class _Constant(Expr):
    """A leaf that depends on no variable: a number or a named constant."""

    def diff(self, var: str) -> Expr:
        return ZERO

    def free_variables(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True, repr=False)
class Num(_Constant):
    """A number (the parser builds non-negative ones; simplification may fold a sign in).

    `text` is the literal as the learner typed it ("6.649514", "2.5e-1"), kept so that the
    preview and messages show what was typed rather than a rounding of it; it is not part of
    equality, and numbers the engine computes have none."""

    value: float
    text: str | None = field(default=None, compare=False)

    def _ev(self, env: Env) -> Values:
        return np.float64(self.value)


@dataclass(frozen=True, repr=False)
class Const(_Constant):
    """A named constant: e or pi."""

    name: str

    def _ev(self, env: Env) -> Values:
        return np.float64(CONSTANTS[self.name])


@dataclass(frozen=True, repr=False)
class Var(Expr):
    name: str

    def _ev(self, env: Env) -> Values:
        return np.asarray(env[self.name], dtype=float)

    def diff(self, var: str) -> Expr:
        return ONE if var == self.name else ZERO

    def free_variables(self) -> frozenset[str]:
        return frozenset((self.name,))


@dataclass(frozen=True, repr=False)
class Neg(Expr):
    """A sign: -arg."""

    arg: Expr
    depth: int = field(init=False, compare=False, default=1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(self.arg))

    def _ev(self, env: Env) -> Values:
        return -self.arg._ev(env)

    def diff(self, var: str) -> Expr:
        return neg(self.arg.diff(var))

    def free_variables(self) -> frozenset[str]:
        return self.arg.free_variables()


@dataclass(frozen=True, repr=False)
class BinOp(Expr):
    """left op right, op one of BINDING_POWER's: + - * / ^."""

    op: str
    left: Expr
    right: Expr
    depth: int = field(init=False, compare=False, default=1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(self.left, self.right))

    def _ev(self, env: Env) -> Values:
        a = self.left._ev(env)
        b = self.right._ev(env)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        if self.op == "/":
            return np.true_divide(a, b)
        # power: float64 power overflows to inf instead of hanging (9^9^9^9 is instant)
        return np.power(np.asarray(a, dtype=float), np.asarray(b, dtype=float))

    def diff(self, var: str) -> Expr:
        a, b, op = self.left, self.right, self.op
        da, db = a.diff(var), b.diff(var)
        if op == "+":
            return add(da, db)
        if op == "-":
            return sub(da, db)
        if op == "*":
            return add(mul(da, b), mul(a, db))
        if op == "/":
            if db == ZERO:
                return div(da, b)
            return div(sub(mul(da, b), mul(a, db)), power(b, Num(2.0)))
        # a ^ b
        if var not in b.free_variables():
            if isinstance(b, Num):
                return mul(mul(b, power(a, Num(b.value - 1.0))), da)
            return mul(mul(b, power(a, sub(b, ONE))), da)
        if var not in a.free_variables():
            return mul(mul(self, call("log", a)), db)
        return mul(self, add(mul(db, call("log", a)), div(mul(b, da), a)))

    def free_variables(self) -> frozenset[str]:
        return self.left.free_variables() | self.right.free_variables()


@dataclass(frozen=True, repr=False)
class Call(Expr):
    """fn(arg), fn one of FUNCTIONS (ln is stored as log)."""

    fn: str
    arg: Expr
    depth: int = field(init=False, compare=False, default=1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(self.arg))

    def _ev(self, env: Env) -> Values:
        return NUMPY_FUNCTION[self.fn](np.asarray(self.arg._ev(env), dtype=float))

    def diff(self, var: str) -> Expr:
        u = self.arg
        du = u.diff(var)
        if du == ZERO:
            return ZERO
        f = self.fn
        if f == "exp":
            d: Expr = self
        elif f == "log":
            return div(du, u)
        elif f == "sqrt":
            return div(du, mul(Num(2.0), self))
        elif f == "abs":  # the sign of u: undefined at u = 0, where |u| has no slope
            d = div(u, self)
        elif f == "tanh":
            d = sub(ONE, power(self, Num(2.0)))
        elif f == "cosh":
            d = call("sinh", u)
        elif f == "sinh":
            d = call("cosh", u)
        elif f == "sech":
            d = neg(mul(self, call("tanh", u)))
        elif f == "arctan":
            return div(du, add(ONE, power(u, Num(2.0))))
        elif f == "sin":
            d = call("cos", u)
        elif f == "cos":
            d = neg(call("sin", u))
        elif f == "sigma":
            d = mul(self, sub(ONE, self))
        elif f == "relu":
            d = call("step", u)
        else:  # step: derivative 0 almost everywhere
            return ZERO
        return mul(d, du)

    def free_variables(self) -> frozenset[str]:
        return self.arg.free_variables()


ZERO = Num(0.0)
ONE = Num(1.0)


@dataclass(frozen=True)
class ArrayExpr:
    """A parsed vector/matrix: `entries` rows of Expr; `flat` for a plain [a, b, c] vector."""

    entries: tuple[tuple[Expr, ...], ...]
    flat: bool

    @property
    def shape(self) -> tuple[int, ...]:
        if self.flat:
            return (len(self.entries[0]),)
        return (len(self.entries), len(self.entries[0]))

    def evaluate(self, env: Env | None = None) -> NDArray[np.float64]:
        env = env or {}
        rows = [[float(e.evaluate(env)) for e in row] for row in self.entries]
        arr = np.array(rows, dtype=float)
        return arr[0] if self.flat else arr

    def to_plain(self) -> str:
        return self._show(Expr.to_plain)

    def to_unicode(self, grouped: Iterable[Expr] = ()) -> str:
        chosen = frozenset(grouped)
        return self._show(lambda e: e.to_unicode(chosen))

    def _show(self, show: Callable[[Expr], str]) -> str:
        rows = "; ".join(", ".join(show(e) for e in row) for row in self.entries)
        return f"[{rows}]"


# --- simplifying constructors (used by diff and by tidy) ---------------------------------------


def _is_num(e: Expr, v: float | None = None) -> bool:
    return isinstance(e, Num) and (v is None or e.value == v)


def _fold(value: float) -> Expr | None:
    return Num(float(value)) if math.isfinite(value) else None


def neg(a: Expr) -> Expr:
    """-a, with constants folded and a double sign dropped."""
    if isinstance(a, Num):
        return Num(-a.value) if a.value != 0 else ZERO
    if isinstance(a, Neg):
        return a.arg
    return Neg(a)


def add(a: Expr, b: Expr) -> Expr:
    if _is_num(a, 0):
        return b
    if _is_num(b, 0):
        return a
    if isinstance(a, Num) and isinstance(b, Num):
        return _fold(a.value + b.value) or BinOp("+", a, b)
    if isinstance(b, Neg):
        return sub(a, b.arg)
    return BinOp("+", a, b)


def sub(a: Expr, b: Expr) -> Expr:
    if _is_num(b, 0):
        return a
    if _is_num(a, 0):
        return neg(b)
    if isinstance(a, Num) and isinstance(b, Num):
        return _fold(a.value - b.value) or BinOp("-", a, b)
    if a == b:
        return ZERO
    return BinOp("-", a, b)


def mul(a: Expr, b: Expr) -> Expr:
    """a·b with 0 and ±1 factors dropped, numbers folded and put first: 2*x."""
    if _is_num(a, 0) or _is_num(b, 0):
        return ZERO
    if _is_num(a, 1):
        return b
    if _is_num(b, 1):
        return a
    if _is_num(a, -1):
        return neg(b)
    if _is_num(b, -1):
        return neg(a)
    if isinstance(a, Num) and isinstance(b, Num):
        return _fold(a.value * b.value) or BinOp("*", a, b)
    if isinstance(b, Num):  # numbers first: 2*x
        a, b = b, a
    if isinstance(a, Neg):
        return neg(mul(a.arg, b))
    if isinstance(b, Neg):
        return neg(mul(a, b.arg))
    if isinstance(a, Num) and isinstance(b, BinOp) and b.op == "*" and isinstance(b.left, Num):
        return mul(Num(a.value * b.left.value), b.right)
    return BinOp("*", a, b)


def _leading_coefficient(e: Expr) -> tuple[float, Expr] | None:
    """(c, rest) with e == c·rest when e is a product chain that starts with a number."""
    if isinstance(e, BinOp) and e.op == "*":
        if isinstance(e.left, Num):
            return e.left.value, e.right
        inner = _leading_coefficient(e.left)
        if inner is not None:
            return inner[0], mul(inner[1], e.right)
    return None


def div(a: Expr, b: Expr) -> Expr:
    if _is_num(a, 0):
        return ZERO
    if _is_num(b, 1):
        return a
    if isinstance(a, Num) and isinstance(b, Num) and b.value != 0:
        return _fold(a.value / b.value) or BinOp("/", a, b)
    if isinstance(a, Neg):
        return neg(div(a.arg, b))
    if isinstance(b, Num) and b.value != 0:  # (2·u·s)/2 -> u·s: the ½ of E cancels the 2
        split = _leading_coefficient(a)
        if split is not None:
            folded = _fold(split[0] / b.value)
            if folded is not None:
                return mul(folded, split[1])
    return BinOp("/", a, b)


def power(a: Expr, b: Expr) -> Expr:
    if _is_num(b, 0):
        return ONE
    if _is_num(b, 1):
        return a
    return BinOp("^", a, b)


def call(fn: str, arg: Expr) -> Expr:
    """fn(arg), with ln stored as log."""
    return Call(CANONICAL_FUNCTION.get(fn, fn), arg)


# --- printing: parentheses from BINDING_POWER ---------------------------------------------------


def _signed(e: Expr) -> bool:
    """Printed with a leading sign: a Neg, or a negative number (-0.0 too)."""
    return isinstance(e, Neg) or (isinstance(e, Num) and math.copysign(1.0, e.value) < 0)


def _is_atom(e: Expr) -> bool:
    """A number, name or call: nothing to enclose."""
    return not isinstance(e, BinOp) and not _signed(e)


def _powers(e: Expr) -> tuple[int, int]:
    """(left, right) binding power of what e prints as its outermost operator."""
    if isinstance(e, BinOp):
        return BINDING_POWER[e.op]
    if _signed(e):
        return (ATOM, SIGN)  # nothing binds into a sign from its left
    return (ATOM, ATOM)


def _left_needs_parens(e: BinOp) -> bool:
    """The left operand's last operator binds no tighter than e's: `(a + b)*c`, `(a^b)^c`,
    `(-x)^2`. Without parentheses the parser would read another tree."""
    return _powers(e.left)[1] <= BINDING_POWER[e.op][0]


def _right_needs_parens(e: BinOp) -> bool:
    """The right operand's first operator binds looser than e's: `a - (b + c)`, `a/(b*c)`."""
    return _powers(e.right)[0] < BINDING_POWER[e.op][1]


def _sign_needs_parens(arg: Expr) -> bool:
    """The operand of a sign binds looser than the sign (`-(x*y)`), or, for the eye, carries
    a sign itself (`-(-x)`, not `--x`)."""
    return _powers(arg)[0] < SIGN or _signed(arg)


def _signed_number(e: Expr) -> bool:
    """A negative number: a Num below zero, or a sign before a Num (as the parser reads −2)."""
    return (isinstance(e, Num) and _signed(e)) or (isinstance(e, Neg) and isinstance(e.arg, Num))


def _left_enclosed(e: BinOp) -> bool:
    """The table's parentheses, and for the eye a negative number times a number: (−2)·3, as
    1·(−3) on the right. A negative coefficient of anything else stays bare: −3y, −2·x²."""
    if _left_needs_parens(e):
        return True
    return (
        e.op == "*"
        and _signed_number(e.left)
        and (isinstance(e.right, Num) or _signed_number(e.right))
    )


def _enclose(text: str, parens: bool) -> str:
    return f"({text})" if parens else text


def _plain(e: Expr) -> str:
    if isinstance(e, Num):
        return number_plain(e.value)
    if isinstance(e, Const | Var):
        return e.name
    if isinstance(e, Call):
        return f"{e.fn}({_plain(e.arg)})"
    if isinstance(e, Neg):
        return "-" + _enclose(_plain(e.arg), _sign_needs_parens(e.arg))
    assert isinstance(e, BinOp)
    left = _enclose(_plain(e.left), _left_enclosed(e))
    # an operand on the right that starts with a sign is enclosed for the eye: x^(-1), x*(-y),
    # a - (-2); the parser reads x^-1 and x*-y the same
    right = _plain(e.right)
    right = _enclose(right, _right_needs_parens(e) or right.startswith("-"))
    sep = {"+": " + ", "-": " - ", "*": "*", "/": "/", "^": "^"}[e.op]
    return f"{left}{sep}{right}"


def _small_whole(v: float) -> bool:
    return math.isfinite(v) and v == int(v) and 0 <= v < 1000


def _raised(r: Expr) -> str | None:
    """An exponent in superscripts when it reads unambiguously: x², x⁻¹, eʸ, e⁻ᶻ, xⁿ⁻¹.

    Whole numbers below 1000 (or their negatives), or up to 3 characters made of one-letter
    variables, digits, + and −. The parser reads the result back as the same tree.
    """
    if isinstance(r, Num) and _small_whole(r.value):
        return "".join(TO_SUPER[c] for c in str(int(r.value)))
    if isinstance(r, Neg) and isinstance(r.arg, Num) and _small_whole(r.arg.value):
        return "⁻" + "".join(TO_SUPER[c] for c in str(int(r.arg.value)))
    stack: list[Expr] = [r]
    while stack:
        node = stack.pop()
        if isinstance(node, Var):
            if len(node.name) != 1 or node.name not in TO_SUPER:
                return None
        elif isinstance(node, Num):
            if node.value != int(node.value) or node.value < 0:
                return None
        elif isinstance(node, Neg):
            stack.append(node.arg)
        elif isinstance(node, BinOp) and node.op in "+-":
            stack += [node.left, node.right]
        else:
            return None
    text = _plain(r).replace(" ", "")
    if len(text) > MAX_SUPER_SHOWN or not all(c in TO_SUPER for c in text):
        return None
    return "".join(TO_SUPER[c] for c in text)


def _grouped(e: Expr, grouped: frozenset[Expr]) -> bool:
    """An operand the caller wants shown as one group, (x/2)·x, unless it already reads as
    one (a raised power: e²·x)."""
    if not grouped or not isinstance(e, BinOp) or e not in grouped:
        return False
    return not (e.op == "^" and _raised(e.right) is not None)


def _juxtaposable(e: Expr) -> bool:
    """What a coefficient is written straight before: 2x, 2π, −3y1, 2exp(y) (not |x|: 2|x|
    inside bars would close them)."""
    return isinstance(e, Var | Const) or (isinstance(e, Call) and e.fn != "abs")


def _uni(e: Expr, grouped: frozenset[Expr] = frozenset()) -> str:
    if isinstance(e, Num):
        return number_unicode(e.value, e.text)
    if isinstance(e, Const):
        return "π" if e.name == "pi" else e.name
    if isinstance(e, Var):
        return "ŷ" if e.name == "y_hat" else e.name
    if isinstance(e, Call):
        inner = _uni(e.arg, grouped)
        if e.fn == "abs":
            return f"|{inner}|"
        if e.fn == "sqrt" and _is_atom(e.arg) and not isinstance(e.arg, Call):
            return f"√{inner}"  # √x, √2: the parser reads a bare name or number after √
        return f"{UNICODE_FUNCTION.get(e.fn, e.fn)}({inner})"
    if isinstance(e, Neg):
        return "−" + _enclose(_uni(e.arg, grouped), _sign_needs_parens(e.arg))
    assert isinstance(e, BinOp)
    left_enclosed = _left_enclosed(e) or _grouped(e.left, grouped)
    left = _enclose(_uni(e.left, grouped), left_enclosed)
    if e.op == "^":
        raised = _raised(e.right)
        if raised is not None:
            return left + raised
        # an exponent on the line is enclosed unless it is an atom, for the eye: e^(2y), e^π
        return f"{left}^{_enclose(_uni(e.right, grouped), not _is_atom(e.right))}"
    right = _uni(e.right, grouped)
    right = _enclose(
        right,
        _right_needs_parens(e) or right.startswith("−") or _grouped(e.right, grouped),
    )
    coefficient = isinstance(e.left, Num) or _signed_number(e.left)
    if (
        e.op == "*"
        and coefficient
        and not left_enclosed
        and "·" not in left
        and _juxtaposable(e.right)
    ):
        return f"{left}{right}"  # 2x, −3y1, 2π, 2exp(y): juxtaposition reads as *
    sep = {"+": " + ", "-": " − ", "*": "·", "/": "/"}[e.op]
    return f"{left}{sep}{right}"

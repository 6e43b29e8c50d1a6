"""Learner expressions: our own tokenizer and Pratt parser, a small tree, numpy evaluation,
symbolic derivatives and printing. Nothing here ever evals text (no eval/exec/compile/sympy):
answers are untrusted, so we read them with a grammar we control and bound every dimension.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_LENGTH = 2000  # characters of learner input
MAX_DEPTH = 60  # parenthesis / bracket / unary nesting
MAX_TREE_DEPTH = 400  # depth of the built tree (long chains), keeps recursion safe
MAX_TOKENS = 1200

FUNCTIONS = ("exp", "log", "ln", "sqrt", "tanh", "sin", "cos", "sigma", "relu", "step")
CONSTANTS = {"e": math.e, "pi": math.pi}
_CANONICAL_FN = {"ln": "log"}
_ALIASES = {"σ": "sigma", "π": "pi", "√": "sqrt", "ŷ": "y_hat"}
_OPERATOR_CHARS = {
    "−": "-",
    "–": "-",
    "·": "*",
    "×": "*",
    "⋅": "*",
    "∗": "*",
    "÷": "/",
}
_SUPERSCRIPTS = {
    "⁰": "0",
    "¹": "1",
    "²": "2",
    "³": "3",
    "⁴": "4",
    "⁵": "5",
    "⁶": "6",
    "⁷": "7",
    "⁸": "8",
    "⁹": "9",
    "⁻": "-",
    "⁺": "+",
    "⁽": "(",
    "⁾": ")",
}
# every small Latin letter Unicode has as a superscript (there is no superscript q)
_SUPER_LETTERS = dict(zip("ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ", "abcdefghijklmnoprstuvwxyz", strict=True))
_SUPERSCRIPTS.update(_SUPER_LETTERS)
_TO_SUPER = {v: k for k, v in _SUPERSCRIPTS.items()}
_NOT_A_LIST = "a single expression is expected here, not a list"
_MAX_SUPER_SHOWN = 3  # an exponent of up to 3 such characters prints raised: eʸ, e⁻ᶻ, xⁿ⁻¹


def canonical_name(name: str) -> str:
    """The name the parser uses for a variable (ŷ is read as y_hat)."""
    return _ALIASES.get(name, name)


class ParseError(ValueError):
    """Unreadable learner input: `message` for the learner, `column` 1-based (or None)."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message = message
        self.column = column
        super().__init__(f"{message}, at column {column}" if column else message)


# --- the tree -----------------------------------------------------------------------------------


class Expr:
    """An expression node. Immutable; `depth` bounds recursion for evaluate/diff/print."""

    depth: int = 1

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """Value with numpy (vectorised over arrays in env); never warns, may give nan/inf."""
        with np.errstate(all="ignore"):
            return self._ev(env)

    def _ev(self, env: Mapping[str, Any]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def diff(self, var: str) -> Expr:
        """The symbolic derivative with respect to `var`, simplified."""
        raise NotImplementedError

    def free_variables(self) -> frozenset[str]:
        raise NotImplementedError

    def to_plain(self) -> str:
        return _plain(self)

    def to_unicode(self) -> str:
        return _uni(self)

    def __str__(self) -> str:
        return self.to_plain()

    def __repr__(self) -> str:
        return f"Expr({self.to_plain()!r})"


@dataclass(frozen=True, eq=True, repr=False)
class Num(Expr):
    value: float

    def _ev(self, env: Mapping[str, Any]) -> Any:
        return np.float64(self.value)

    def diff(self, var: str) -> Expr:
        return ZERO

    def free_variables(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True, eq=True, repr=False)
class Const(Expr):
    name: str

    def _ev(self, env: Mapping[str, Any]) -> Any:
        return np.float64(CONSTANTS[self.name])

    def diff(self, var: str) -> Expr:
        return ZERO

    def free_variables(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True, eq=True, repr=False)
class Var(Expr):
    name: str

    def _ev(self, env: Mapping[str, Any]) -> Any:
        if self.name not in env:
            raise KeyError(f"no value for {self.name}")
        return np.asarray(env[self.name], dtype=float)

    def diff(self, var: str) -> Expr:
        return ONE if var == self.name else ZERO

    def free_variables(self) -> frozenset[str]:
        return frozenset((self.name,))


@dataclass(frozen=True, eq=True, repr=False)
class Neg(Expr):
    arg: Expr
    depth: int = 1

    def _ev(self, env: Mapping[str, Any]) -> Any:
        return -self.arg._ev(env)

    def diff(self, var: str) -> Expr:
        return neg(self.arg.diff(var))

    def free_variables(self) -> frozenset[str]:
        return self.arg.free_variables()


@dataclass(frozen=True, eq=True, repr=False)
class BinOp(Expr):
    op: str  # + - * / ^
    left: Expr
    right: Expr
    depth: int = 1

    def _ev(self, env: Mapping[str, Any]) -> Any:
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


def _sigmoid(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    return 0.5 * (1.0 + np.tanh(0.5 * x))


_NUMPY_FN = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "sin": np.sin,
    "cos": np.cos,
    "sigma": _sigmoid,
    "relu": lambda x: np.maximum(np.asarray(x, dtype=float), 0.0),
    "step": lambda x: (np.asarray(x, dtype=float) > 0).astype(float),
}


@dataclass(frozen=True, eq=True, repr=False)
class Call(Expr):
    fn: str
    arg: Expr
    depth: int = 1

    def _ev(self, env: Mapping[str, Any]) -> Any:
        return _NUMPY_FN[self.fn](np.asarray(self.arg._ev(env), dtype=float))

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
        elif f == "tanh":
            d = sub(ONE, power(self, Num(2.0)))
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


def _mk(cls: type, *args: Any) -> Any:
    depth = 1 + max((a.depth for a in args if isinstance(a, Expr)), default=0)
    node = cls(*args, depth=depth)
    return node


def _is_num(e: Expr, v: float | None = None) -> bool:
    return isinstance(e, Num) and (v is None or e.value == v)


def _fold(value: float) -> Expr | None:
    return Num(float(value)) if math.isfinite(value) else None


# smart constructors: fold constants and drop neutral elements (used by diff)
def neg(a: Expr) -> Expr:
    if isinstance(a, Num):
        return Num(-a.value) if a.value != 0 else ZERO
    if isinstance(a, Neg):
        return a.arg
    return _mk(Neg, a)


def add(a: Expr, b: Expr) -> Expr:
    if _is_num(a, 0):
        return b
    if _is_num(b, 0):
        return a
    if isinstance(a, Num) and isinstance(b, Num):
        return _fold(a.value + b.value) or _mk(BinOp, "+", a, b)
    if isinstance(b, Neg):
        return sub(a, b.arg)
    return _mk(BinOp, "+", a, b)


def sub(a: Expr, b: Expr) -> Expr:
    if _is_num(b, 0):
        return a
    if _is_num(a, 0):
        return neg(b)
    if isinstance(a, Num) and isinstance(b, Num):
        return _fold(a.value - b.value) or _mk(BinOp, "-", a, b)
    if a == b:
        return ZERO
    return _mk(BinOp, "-", a, b)


def mul(a: Expr, b: Expr) -> Expr:
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
        return _fold(a.value * b.value) or _mk(BinOp, "*", a, b)
    if isinstance(b, Num):  # numbers first: 2*x
        a, b = b, a
    if isinstance(a, Neg):
        return neg(mul(a.arg, b))
    if isinstance(b, Neg):
        return neg(mul(a, b.arg))
    if isinstance(a, Num) and isinstance(b, BinOp) and b.op == "*" and isinstance(b.left, Num):
        return mul(Num(a.value * b.left.value), b.right)
    return _mk(BinOp, "*", a, b)


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
        return _fold(a.value / b.value) or _mk(BinOp, "/", a, b)
    if isinstance(a, Neg):
        return neg(div(a.arg, b))
    if isinstance(b, Num) and b.value != 0:  # (2·u·s)/2 -> u·s: the ½ of E cancels the 2
        split = _leading_coefficient(a)
        if split is not None:
            folded = _fold(split[0] / b.value)
            if folded is not None:
                return mul(folded, split[1])
    return _mk(BinOp, "/", a, b)


def power(a: Expr, b: Expr) -> Expr:
    if _is_num(b, 0):
        return ONE
    if _is_num(b, 1):
        return a
    return _mk(BinOp, "^", a, b)


def call(fn: str, arg: Expr) -> Expr:
    return _mk(Call, _CANONICAL_FN.get(fn, fn), arg)


# --- tokenizer ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # num name op ( ) [ ] , ; end
    text: str
    col: int  # 1-based column of the first character in the learner's text
    space_before: bool = False
    space_after: bool = False


_NUM_RE = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+(?![A-Za-z_\d]))?")


def _describe_char(ch: str) -> str:
    if ch == "\x00":
        return "a NUL character"
    if not ch.isprintable():
        return f"the control character U+{ord(ch):04X}"
    return f"“{ch}”"


def _is_name_char(ch: str, first: bool) -> bool:
    if ch in _SUPERSCRIPTS:
        return False
    if ch in _ALIASES:
        return True
    if ch == "_" or (ch.isalpha() and ch.isidentifier()):
        return True
    return not first and ch.isdigit() and ch.isascii()


def _superscript_tokens(run: str, col: int, space: bool) -> list[Token]:
    """A run of superscripts is an exponent: x² is x^(2), eʸ is e^(y), xⁿ⁻¹ is x^(n-1)."""
    plain = "".join(_SUPERSCRIPTS[c] for c in run)
    try:
        inner = tokenize(plain)[:-1]  # one character each, so columns just shift
    except ParseError as exc:
        raise ParseError(exc.message, col + (exc.column or 1) - 1) from None
    if not inner or all(t.kind in "()" for t in inner):
        raise ParseError("a superscript needs something raised, like x² or eʸ", col)
    if inner[-1].kind == "op":
        last = run[inner[-1].col - 1]
        raise ParseError(f"the superscript ends after “{last}”: something is missing", col)
    out = [Token("op", "^", col, space), Token("(", "(", col, False)]
    out += [Token(t.kind, t.text, col + t.col - 1, t.space_before) for t in inner]
    out.append(Token(")", ")", col + len(run) - 1, False))
    return out


def tokenize(text: str) -> list[Token]:
    """Split learner text into tokens, mapping Unicode operators and superscripts to ASCII."""
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the answer is too long ({len(text)} characters, at most {MAX_LENGTH})")
    tokens: list[Token] = []
    i, n = 0, len(text)
    space = False
    while i < n:
        ch = text[i]
        col = i + 1
        if ch in " \t\n\r\u00a0\u2009\u202f":
            space = True
            i += 1
            continue
        if ch in _SUPERSCRIPTS:
            j = i
            while j < n and text[j] in _SUPERSCRIPTS:
                j += 1
            tokens.extend(_superscript_tokens(text[i:j], col, space))
            i, space = j, False
            continue
        if (ch.isdigit() and ch.isascii()) or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUM_RE.match(text, i)
            assert m is not None
            tokens.append(Token("num", m.group(0), col, space))
            i, space = m.end(), False
            continue
        if _is_name_char(ch, True):
            j = i
            while j < n and _is_name_char(text[j], j == i):
                if text[j] in _ALIASES and j > i:
                    break
                j += 1
                if text[j - 1] in _ALIASES:
                    break
            word = text[i:j]
            word = _ALIASES.get(word, word)
            tokens.append(Token("name", unicodedata.normalize("NFC", word), col, space))
            i, space = j, False
            continue
        if ch == "*" and text.startswith("**", i):
            tokens.append(Token("op", "^", col, space))
            i, space = i + 2, False
            continue
        c = _OPERATOR_CHARS.get(ch, ch)
        if c in "+-*/^":
            tokens.append(Token("op", c, col, space))
        elif c in "()[],;":
            tokens.append(Token(c, c, col, space))
        elif c == "{" or c == "}":
            tokens.append(Token("(" if c == "{" else ")", c, col, space))
        else:
            raise ParseError(f"{_describe_char(ch)} cannot be used here", col)
        i, space = i + 1, False
        if len(tokens) > MAX_TOKENS:
            raise ParseError("the answer is too long")
    out = []
    for k, t in enumerate(tokens):
        nxt_space = tokens[k + 1].space_before if k + 1 < len(tokens) else True
        out.append(Token(t.kind, t.text, t.col, t.space_before, nxt_space))
    out.append(Token("end", "", n + 1, space, True))
    return out


# --- parser -------------------------------------------------------------------------------------


def _split_name(word: str, known: Sequence[str]) -> list[str] | None:
    """Split an undeclared name into declared names ("xy" -> x, y); longest pieces first."""
    if len(word) > 40:
        return None
    best: dict[int, list[str] | None] = {len(word): []}
    for start in range(len(word) - 1, -1, -1):
        best[start] = None
        for k in sorted(known, key=len, reverse=True):
            if k and word.startswith(k, start) and best.get(start + len(k)) is not None:
                best[start] = [k, *best[start + len(k)]]  # type: ignore[misc]
                break
        if best[start] is None and word[start].isdigit():
            j = start
            while j < len(word) and word[j].isdigit():
                j += 1
            if best.get(j) is not None:
                best[start] = [word[start:j], *best[j]]  # type: ignore[misc]
    return best[0]


class _Parser:
    def __init__(self, text: str, variables: Sequence[str] | None) -> None:
        self.text = text
        self.variables = None if variables is None else tuple(variables)
        self.tokens = self._resolve(tokenize(text))
        self.pos = 0
        self.nesting = 0
        self.array_row = [False]  # inside an array row (whitespace separates entries)

    # names -> variables / functions / constants, splitting undeclared names when possible
    def _resolve(self, tokens: list[Token]) -> list[Token]:
        out: list[Token] = []
        vars_ = self.variables
        for t in tokens:
            if t.kind != "name":
                out.append(t)
                continue
            w = t.text
            if vars_ is None:
                out.append(t)
                continue
            if w in vars_ or w in FUNCTIONS or w in CONSTANTS:
                out.append(t)
                continue
            known = [*vars_, *FUNCTIONS, *CONSTANTS]
            pieces = _split_name(w, known)
            if not pieces:
                allowed = ", ".join([*vars_, "e", "pi"]) if vars_ else "e, pi"
                if vars_ is not None and not vars_:
                    raise ParseError(
                        f"“{w}” is not known here: type a number (constants e and pi are fine)",
                        t.col,
                    )
                raise ParseError(f"“{w}” is not known here (you can use {allowed})", t.col)
            col = t.col
            for k, p in enumerate(pieces):
                kind = "num" if p[0].isdigit() else "name"
                out.append(
                    Token(
                        kind,
                        p,
                        col,
                        t.space_before if k == 0 else False,
                        t.space_after if k == len(pieces) - 1 else False,
                    )
                )
                col += len(p)
        return out

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
        if prev is not None and prev.kind in ("op", "(", "[", ",", ";"):
            return ParseError(f"unexpected {what} after “{prev.text}”", t.col)
        if prev is None:
            return ParseError(f"unexpected {what} at the start", t.col)
        return ParseError(f"unexpected {what}", t.col)

    def enter(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise ParseError(f"too deeply nested (at most {MAX_DEPTH} levels)", self.tok.col)

    def leave(self) -> None:
        self.nesting -= 1

    def check_tree(self, e: Expr) -> Expr:
        if e.depth > MAX_TREE_DEPTH:
            raise ParseError("the expression is too long or too deeply nested")
        return e

    # grammar
    def parse_expression(self) -> Expr:
        e = self.additive()
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

    def _entry_break(self) -> bool:
        """In an array row, whitespace before a new term starts a new entry: [1 2], [0.5 -0.25]."""
        if not self.array_row[-1]:
            return False
        t = self.tok
        if not t.space_before:
            return False
        if t.kind == "op" and t.text in "+-":
            return not t.space_after  # "a - b" is one entry, "a -b" two
        return t.kind in ("num", "name", "(", "[")

    def additive(self) -> Expr:
        left = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-" and not self._entry_break():
            op = self.advance().text
            right = self.term()
            left = self.check_tree(_mk(BinOp, op, left, right))
        return left

    def term(self) -> Expr:
        left = self.unary()
        while True:
            t = self.tok
            if t.kind == "op" and t.text in "*/":
                self.advance()
                right = self.unary()
                left = self.check_tree(_mk(BinOp, t.text, left, right))
            elif t.kind in ("num", "name", "(") and not self._entry_break():
                if t.kind == "num" and not t.space_before and self._ends_with_number(left):
                    raise ParseError(f"unexpected number “{t.text}”", t.col)
                right = self.power_(allow_unary_exp=True)
                left = self.check_tree(_mk(BinOp, "*", left, right))
            else:
                return left

    @staticmethod
    def _ends_with_number(e: Expr) -> bool:
        return isinstance(e, Num)

    def unary(self) -> Expr:
        t = self.tok
        if t.kind == "op" and t.text in "+-":
            self.advance()
            self.enter()
            arg = self.unary()
            self.leave()
            return arg if t.text == "+" else self.check_tree(_mk(Neg, arg))
        return self.power_(allow_unary_exp=True)

    def power_(self, allow_unary_exp: bool) -> Expr:
        base = self.primary()
        if self.tok.kind == "op" and self.tok.text == "^":
            self.advance()
            self.enter()
            saved = self.array_row[-1]
            self.array_row[-1] = False if not self.tok.space_before else saved
            exponent = self.unary()
            self.array_row[-1] = saved
            self.leave()
            return self.check_tree(_mk(BinOp, "^", base, exponent))
        return base

    def primary(self) -> Expr:
        t = self.tok
        if t.kind == "num":
            self.advance()
            try:
                value = float(t.text)
            except ValueError:
                raise ParseError(f"“{t.text}” is not a number", t.col) from None
            if not math.isfinite(value):
                raise ParseError(f"“{t.text}” is too large", t.col)
            return Num(value)
        if t.kind == "(":
            self.advance()
            self.enter()
            self.array_row.append(False)
            e = self.additive()
            self.array_row.pop()
            self.leave()
            if self.tok.kind != ")":
                if self.tok.kind == "end":
                    raise ParseError(f"the “(” at column {t.col} is never closed")
                if self.tok.kind in (",", ";"):
                    raise ParseError(_NOT_A_LIST, self.tok.col)
                raise self.fail_here()
            self.advance()
            return e
        if t.kind == "name":
            name = t.text
            if name in FUNCTIONS and (self.variables is None or name not in self.variables):
                self.advance()
                if self.tok.kind != "(":
                    if name == "sqrt" and self.tok.kind in ("num", "name"):
                        arg = self.primary()
                        return self.check_tree(call("sqrt", arg))
                    raise ParseError(f"{name} needs its argument in parentheses: {name}(…)", t.col)
                arg = self.primary()
                return self.check_tree(call(name, arg))
            if name in CONSTANTS and (self.variables is None or name not in self.variables):
                self.advance()
                return Const(name)
            self.advance()
            return Var(name)
        if t.kind == "[":
            raise ParseError("a single expression is expected here, not a list in [ ]", t.col)
        raise self.fail_here()

    # arrays
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
            for k, kind in ((start, "["), (end, "]")):
                t = self.tokens[k]
                self.tokens[k] = Token(kind, t.text, t.col, t.space_before, t.space_after)

    def parse_array(self) -> list[list[Expr]] | list[Expr]:
        """Rows of entries; a flat list for a plain vector like [1, 2]."""
        if self.tok.kind == "[":
            open_tok = self.advance()
            result = self._array_body(open_tok)
            if self.tok.kind != "]":
                if self.tok.kind == "end":
                    raise ParseError(f"the “[” at column {open_tok.col} is never closed")
                raise self.fail_here()
            self.advance()
        else:
            result = self._array_body(None)
        if self.tok.kind != "end":
            raise self.fail_here()
        return result

    def _array_body(self, open_tok: Token | None) -> Any:
        if self.tok.kind == "[":  # [[1,2],[3,4]]
            rows: list[list[Expr]] = []
            while True:
                inner = self.advance()
                self.enter()
                row = self._row(nested=True)
                self.leave()
                if self.tok.kind != "]":
                    if self.tok.kind == "end":
                        raise ParseError(f"the “[” at column {inner.col} is never closed")
                    raise self.fail_here()
                self.advance()
                rows.append(row)
                if self.tok.kind == "," and self.tokens[self.pos + 1].kind == "[":
                    self.advance()
                    continue
                if self.tok.kind == ";" and self.tokens[self.pos + 1].kind == "[":
                    self.advance()
                    continue
                if self.tok.kind == "[":
                    continue
                break
            return ("nested", rows)
        rows = [self._row(nested=False)]
        while self.tok.kind == ";":
            self.advance()
            if self.tok.kind in ("]", "end"):
                break  # trailing semicolon
            rows.append(self._row(nested=False))
        return ("rows", rows)

    def _row(self, nested: bool) -> list[Expr]:
        entries: list[Expr] = []
        self.array_row.append(True)
        try:
            while True:
                if self.tok.kind in ("]", ";", "end") and entries:
                    break
                if self.tok.kind == "," and not entries:
                    raise ParseError("an entry is missing before “,”", self.tok.col)
                entries.append(self.additive())
                if self.tok.kind == ",":
                    self.advance()
                    if self.tok.kind in ("]", ";", "end"):
                        raise ParseError(
                            "an entry is missing after “,”", self.tokens[self.pos - 1].col
                        )
                    continue
                if self.tok.kind in ("]", ";", "end"):
                    break
                if self._entry_break():
                    continue
                raise self.fail_here()
        finally:
            self.array_row.pop()
        return entries


def parse(text: str, variables: Iterable[str] | None = None) -> Expr:
    """Parse one expression. `variables`: the names allowed (None: any name is a variable).

    Raises ParseError(message, column) on unreadable input, never anything else for a str.
    """
    if not isinstance(text, str):
        raise ParseError("the answer must be text")
    vars_ = None if variables is None else [_ALIASES.get(v, v) for v in variables]
    if not text.strip():
        raise ParseError("the answer is empty")
    try:
        return _Parser(text, vars_).parse_expression()
    except RecursionError:
        raise ParseError("too deeply nested") from None


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

    def evaluate(self, env: Mapping[str, Any] | None = None) -> np.ndarray:
        env = env or {}
        rows = [
            [float(np.asarray(e.evaluate(env), dtype=float)) for e in row] for row in self.entries
        ]
        arr = np.array(rows, dtype=float)
        return arr[0] if self.flat else arr

    def to_plain(self) -> str:
        if self.flat:
            return "[" + ", ".join(e.to_plain() for e in self.entries[0]) + "]"
        return "[" + "; ".join(", ".join(e.to_plain() for e in r) for r in self.entries) + "]"

    def to_unicode(self) -> str:
        if self.flat:
            return "[" + ", ".join(e.to_unicode() for e in self.entries[0]) + "]"
        return "[" + "; ".join(", ".join(e.to_unicode() for e in r) for r in self.entries) + "]"


def parse_array(text: str, variables: Iterable[str] | None = ()) -> ArrayExpr:
    """Parse a vector or matrix: [1, 2], [1 2], [1, 2; 3, 4], [[1,2],[3,4]], a bare 1, 2, or a
    parenthesised (1, 2) as the notes write points and vectors."""
    if not isinstance(text, str):
        raise ParseError("the answer must be text")
    vars_ = None if variables is None else [_ALIASES.get(v, v) for v in variables]
    if not text.strip():
        raise ParseError("the answer is empty")
    try:
        p = _Parser(text, vars_)
        p.tuples_as_brackets()
        kind, rows = p.parse_array()
    except RecursionError:
        raise ParseError("too deeply nested") from None
    widths = [len(r) for r in rows]
    if len(set(widths)) > 1:
        raise ParseError(
            "the rows have different lengths ("
            + ", ".join(str(w) for w in widths)
            + " entries): every row needs the same number"
        )
    flat = kind == "rows" and len(rows) == 1
    return ArrayExpr(tuple(tuple(r) for r in rows), flat)


# --- printing -----------------------------------------------------------------------------------


def _prec(e: Expr) -> int:
    if isinstance(e, BinOp):
        return {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}[e.op]
    if isinstance(e, Neg):
        return 3
    if isinstance(e, Num) and (e.value < 0 or math.copysign(1, e.value) < 0):
        return 3
    return 5


def _num_plain(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


def _plain(e: Expr) -> str:
    if isinstance(e, Num):
        return _num_plain(e.value)
    if isinstance(e, Const | Var):
        return e.name
    if isinstance(e, Call):
        return f"{e.fn}({_plain(e.arg)})"
    if isinstance(e, Neg):
        inner = _plain(e.arg)
        return f"-{inner}" if _prec(e.arg) >= 4 else f"-({inner})"
    assert isinstance(e, BinOp)
    p = _prec(e)
    lp, rp = _prec(e.left), _prec(e.right)
    left = _plain(e.left)
    right = _plain(e.right)
    if e.op == "^":
        if lp <= 4:
            left = f"({left})"
        if rp < 4:
            right = f"({right})"
        return f"{left}^{right}"
    if lp < p:
        left = f"({left})"
    if rp <= p:
        right = f"({right})"
    sep = {"+": " + ", "-": " - ", "*": "*", "/": "/"}[e.op]
    return f"{left}{sep}{right}"


_UNI_FN = {"sigma": "σ", "sqrt": "√"}


def _num_uni(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        s = str(int(v))
    else:
        s = f"{v:.6g}"
        if "e" in s:
            mant, ex = s.split("e")
            s = f"{mant}·10" + "".join(_TO_SUPER.get(c, "") for c in str(int(ex)))
    return s.replace("-", "−")


def _small_whole(v: float) -> bool:
    return math.isfinite(v) and v == int(v) and 0 <= v < 1000


def _raised(r: Expr) -> str | None:
    """An exponent in superscripts when it reads unambiguously: x², x⁻¹, eʸ, e⁻ᶻ, xⁿ⁻¹.

    Whole numbers below 1000 (or their negatives), or up to 3 characters made of one-letter
    variables, digits, + and −. The parser reads the result back as the same tree.
    """
    if isinstance(r, Num) and _small_whole(r.value):
        return "".join(_TO_SUPER[c] for c in str(int(r.value)))
    if isinstance(r, Neg) and isinstance(r.arg, Num) and _small_whole(r.arg.value):
        return "⁻" + "".join(_TO_SUPER[c] for c in str(int(r.arg.value)))
    stack: list[Expr] = [r]
    while stack:
        node = stack.pop()
        if isinstance(node, Var):
            if len(node.name) != 1 or node.name not in _TO_SUPER:
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
    if len(text) > _MAX_SUPER_SHOWN or not all(c in _TO_SUPER for c in text):
        return None
    return "".join(_TO_SUPER[c] for c in text)


def _uni(e: Expr) -> str:
    if isinstance(e, Num):
        return _num_uni(e.value)
    if isinstance(e, Const):
        return "π" if e.name == "pi" else e.name
    if isinstance(e, Var):
        return "ŷ" if e.name == "y_hat" else e.name
    if isinstance(e, Call):
        name = _UNI_FN.get(e.fn, e.fn)
        inner = _uni(e.arg)
        if e.fn == "sqrt" and _prec(e.arg) == 5 and not isinstance(e.arg, Call):
            return f"√{inner}"
        return f"{name}({inner})"
    if isinstance(e, Neg):
        inner = _uni(e.arg)
        return f"−{inner}" if _prec(e.arg) >= 4 else f"−({inner})"
    assert isinstance(e, BinOp)
    p = _prec(e)
    lp, rp = _prec(e.left), _prec(e.right)
    left, right = _uni(e.left), _uni(e.right)
    if e.op == "^":
        if lp <= 4:
            left = f"({left})"
        raised = _raised(e.right)
        if raised is not None:
            return left + raised
        if rp < 5:
            right = f"({right})"
        return f"{left}^{right}"
    if lp < p:
        left = f"({left})"
    if rp <= p:
        right = f"({right})"
    if e.op == "*":
        if (
            isinstance(e.left, Num)
            and e.left.value >= 0
            and isinstance(e.right, Var | Const | Call)
        ):
            return f"{left}{right}"
        return f"{left}·{right}"
    sep = {"+": " + ", "-": " − ", "/": "/"}[e.op]
    return f"{left}{sep}{right}"

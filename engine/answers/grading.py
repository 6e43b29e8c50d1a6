"""Grading: a learner's answer (text) against the engine's expected value (a number, an array or
an expression tree), with tolerances, and the mistakes that say *why* an answer is wrong.

The `check_*` functions and `preview` never raise, whatever they are given: every problem
becomes a Verdict (or a Preview), so callers need no guard of their own. The result types live
in `verdict` and are importable from here too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import ParamSpec, TypeVar

import numpy as np
from bptutor.engine.answers.parser import (
    Ambiguity,
    ParseError,
    canonical_name,
    parse,
    parse_array,
)
from bptutor.engine.answers.tree import ArrayExpr, Expr, Var
from bptutor.engine.answers.verdict import (
    Mistake,
    Preview,
    PreviewKind,
    Verdict,
)
from numpy.typing import ArrayLike, NDArray

# The tolerances, the one place they are set (lesson files may override them per exercise):
# a number or an entry is right when |answer − expected| <= DEFAULT_ATOL + DEFAULT_RTOL·|expected|.
DEFAULT_RTOL = 5e-3  # 0.5 %: accepts any answer rounded to 3 significant figures
DEFAULT_ATOL = 5e-4  # near zero, where a relative tolerance means nothing: half a unit in the
# 4th decimal, the precision lesson prose shows numbers with (an answer worked from them is that
# far off at worst)
EXPR_RTOL = 1e-6  # expressions are compared by value at points: equal up to rounding
EXPR_ATOL = 1e-9
N_POINTS = 12
MIN_VALID_POINTS = 4
_POINTS_SEED = 20240611
TOO_LARGE = 1e100  # a typed number beyond this is a slip, not an answer: no answer here comes
# near it, and arithmetic on it soon overflows float64 (its square does from 1.4e154 on)

# --- shared -------------------------------------------------------------------------------------


def _invalid(message: str, read_as: str | None = None) -> Verdict:
    return Verdict(status="invalid", message=message, read_as=read_as)


def _unreadable(exc: ParseError) -> str:
    """A ParseError as a sentence: capitalised, with the column."""
    msg = f"{exc.message}, at column {exc.column}" if exc.column else exc.message
    return msg[0].upper() + msg[1:] + "."


def _failed(exc: Exception, what: str = "checked") -> str:
    """The one guard's message: a bug in grading reaches the learner as an uncounted answer."""
    return f"This answer could not be {what} ({type(exc).__name__})."


P = ParamSpec("P")
R = TypeVar("R")


def _never_raises(on_error: Callable[[Exception], R]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """The one guard of `check_*` and `preview`: numpy stays silent (nan/inf, no warnings), and
    any exception, whatever the input, becomes `on_error(exc)`, so callers need no guard."""

    def guard(grade: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(grade)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                with np.errstate(all="ignore"):
                    return grade(*args, **kwargs)
            except Exception as exc:  # never crash on any input
                return on_error(exc)

        return guarded

    return guard


_checked = _never_raises(lambda exc: _invalid(_failed(exc)))


def _fmt(v: float) -> str:
    return f"{v:.4g}".replace("-", "−")


def _fmt_apart(a: float, b: float) -> tuple[str, str]:
    """a and b with as many significant digits (4 or more) as it takes to tell them apart."""
    for digits in range(4, 18):
        sa, sb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if sa != sb:
            break
    return sa.replace("-", "−"), sb.replace("-", "−")


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class _Reading:
    """How an answer was read: the text shown for it and what it may have meant instead."""

    shown: str
    notes: tuple[Ambiguity, ...] = ()

    @property
    def warning(self) -> str | None:
        """ "write x/(2x) if you meant that", for the preview."""
        if not self.notes:
            return None
        others = list(dict.fromkeys(a.other.to_unicode() for a in self.notes))
        return f"write {_and(others)} if you meant {'that' if len(others) == 1 else 'those'}"

    def noted(self, message: str) -> str:
        """A wrong answer's message, with how an ambiguous part was read and could be written."""
        if not self.notes:
            return message
        reads = list(dict.fromkeys(a.read.to_unicode([a.grouped]) for a in self.notes))
        return f"{message} Note: this was read as {_and(reads)}; {self.warning}."


_Tree = TypeVar("_Tree", Expr, ArrayExpr)


def _read(
    parser: Callable[..., _Tree],
    answer: str,
    variables: Iterable[str],
    what: str = "Type an answer.",
) -> tuple[_Tree, _Reading] | str:
    """The answer read by `parser` (parse or parse_array) and how it was read (shown with the
    groupings it chose), or why it cannot be read, as a sentence (`what` to type when the
    answer is not text at all)."""
    if not isinstance(answer, str):
        return what
    notes: list[Ambiguity] = []
    try:
        tree = parser(answer, variables, notes=notes)
    except ParseError as exc:
        return _unreadable(exc)
    return tree, _Reading(tree.to_unicode([a.grouped for a in notes]), tuple(notes))


def _close(a: ArrayLike, b: ArrayLike, rtol: float, atol: float) -> NDArray[np.bool_]:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(all="ignore"):
        return np.abs(a - b) <= atol + rtol * np.abs(b)


def _numbers(m: Mistake) -> NDArray[np.float64] | None:
    """A number or array mistake's value; None for an expression tree."""
    if isinstance(m.expected, Expr):
        return None
    return np.asarray(m.expected, dtype=float)


def _auto_mistake(
    a: NDArray[np.float64], b: NDArray[np.float64], rtol: float, atol: float, square: bool = False
) -> tuple[str, str] | None:
    """Recognise a sign slip, a factor of 2 or 1/2, a transposed matrix, a constant factor."""
    if b.size == 0 or not np.any(np.abs(b) > max(atol, 1e-12)):
        return None
    if np.all(_close(a, -b, rtol, atol)):
        return "sign", "Your answer has the wrong sign: check the signs along the way."
    if square and a.ndim == 2 and np.all(_close(a, b.T, rtol, atol)):
        return (
            "transposed",
            "Your matrix is the transpose of the right one: check which index is the row.",
        )
    if np.all(_close(a, 2 * b, rtol, atol)):
        return (
            "factor_2",
            "Your answer is twice the right value: a factor of 2 is extra (or a 1/2 is missing).",
        )
    if np.all(_close(a, b / 2, rtol, atol)):
        return "factor_half", "Your answer is half the right value: a factor of 2 is missing."
    with np.errstate(all="ignore"):
        ratio = a / b
    ok = np.isfinite(ratio) & (np.abs(b) > 1e-9)
    if np.count_nonzero(ok) >= 2:
        r = ratio[ok]
        c = float(np.median(r))
        if c != 0 and np.all(np.abs(r - c) <= 1e-6 * abs(c)) and abs(c - 1) > rtol:
            return (
                "factor",
                f"Your answer is {_fmt(c)} times the right one: a constant factor is off.",
            )
    return None


def _wrong(
    got: NDArray[np.float64],
    exp: NDArray[np.float64],
    read: str,
    rtol: float,
    atol: float,
    *,
    square: bool = False,
    wrong_entries: tuple[tuple[int, ...], ...] = (),
    otherwise: str,
) -> Verdict:
    """An incorrect verdict: the automatic mistake when one fits, else `otherwise`."""
    auto = _auto_mistake(got, exp, rtol, atol, square=square)
    name, message = auto if auto else (None, otherwise)
    return Verdict(
        status="incorrect",
        message=message,
        mistake=name,
        read_as=read,
        wrong_entries=wrong_entries,
    )


# --- numbers ------------------------------------------------------------------------------------


def _read_finite(
    parser: Callable[..., Expr | ArrayExpr], answer: str, what: str, not_finite: str
) -> tuple[float | NDArray[np.float64], _Reading] | Verdict:
    """A number or an array answer's value and how it was read, or an invalid verdict: `what`
    to type for a non-text answer, `not_finite` (with `{read}`) for inf or NaN in it."""
    parsed = _read(parser, answer, (), what)
    if isinstance(parsed, str):
        return _invalid(parsed)
    tree, reading = parsed
    value = tree.evaluate({})
    if not np.all(np.isfinite(value)):
        return _invalid(not_finite.format(read=reading.shown), reading.shown)
    return value, reading


_NOT_A_NUMBER = ("Type a number.", "{read} is not a finite number.")


@_checked
def check_number(
    answer: str,
    expected: float,
    *,
    integer: bool = False,
    mistakes: Sequence[Mistake] = (),
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
) -> Verdict:
    """Grade a single number (`1/4`, `2.5e-1`, `e^-1` are fine); see DEFAULT_RTOL/ATOL.

    `integer`: the answer is a count, so only the exact whole number is right (tolerances do
    not apply; `expected` must be whole): 60.25 for 60 is wrong, and says a count is whole."""
    got = _read_finite(parse, answer, *_NOT_A_NUMBER)
    if isinstance(got, Verdict):
        return got
    value, reading = float(got[0]), got[1]
    read = reading.shown
    exp = float(expected)
    if integer:
        if exp != round(exp):
            raise ValueError(f"integer=True needs a whole expected value, not {exp}")
        rtol = atol = 0.0  # a count is exact
    if _close(value, exp, rtol, atol):
        return Verdict(status="correct", read_as=read)
    for m in mistakes:  # before "not whole": a declared slip may be a fraction (1/count)
        mv = _numbers(m)
        if mv is not None and mv.size == 1 and _close(value, float(mv), rtol, atol):
            return Verdict(status="incorrect", message=m.message, mistake=m.name, read_as=read)
    if integer and value != round(value):
        message = f"A count is a whole number: {read} is not one."
        return Verdict(status="incorrect", message=message, mistake="not_whole", read_as=read)
    if abs(value) > TOO_LARGE >= abs(exp):
        return Verdict(
            status="incorrect",
            message=reading.noted(f"{read} is far too large: the answer is nowhere near that."),
            mistake="too_large",
            read_as=read,
        )
    verdict = _wrong(
        np.asarray(value),
        np.asarray(exp),
        read,
        rtol,
        atol,
        otherwise=f"{read} is not the right value.",
    )
    return replace(verdict, message=reading.noted(verdict.message))


# --- arrays -------------------------------------------------------------------------------------


def _shape_text(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"a vector of {shape[0]}"
    return f"{shape[0]}×{shape[1]}"


def _entries_text(idx: Sequence[tuple[int, ...]]) -> str:
    # 1-based as in the notes: "Entry 3" of a vector, "Entry (2,3)" of a matrix
    names = [
        str(t[0] + 1) if len(t) == 1 else "(" + ",".join(str(i + 1) for i in t) + ")"
        for t in idx[:6]
    ]
    if len(idx) > 6:
        names.append("others")
    if len(names) == 1:
        return f"Entry {names[0]} is"
    return "Entries " + ", ".join(names[:-1]) + " and " + names[-1] + " are"


def _indices(mask: NDArray[np.bool_]) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(i) for i in t) for t in np.argwhere(mask))


@_checked
def check_array(
    answer: str,
    expected: ArrayLike,
    *,
    mistakes: Sequence[Mistake] = (),
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
) -> Verdict:
    """Grade a vector or matrix: shape first, then entry by entry (wrong_entries 0-based)."""
    values = _read_finite(
        parse_array,
        answer,
        "Type a vector or matrix, like [1, 2; 3, 4].",
        "Some entries are not finite numbers.",
    )
    if isinstance(values, Verdict):
        return values
    got, reading = values
    read = reading.shown
    exp = np.asarray(expected, dtype=float)
    # a vector accepts a row or a column; a row/column matrix accepts a plain list
    if exp.ndim == 1 and got.ndim == 2 and 1 in got.shape:
        got = got.reshape(-1)
    elif exp.ndim == 2 and 1 in exp.shape and got.ndim == 1 and got.size == exp.size:
        got = got.reshape(exp.shape)
    for m in mistakes:  # declared mistakes first: they may have another shape
        mv = _numbers(m)
        if mv is None or mv.shape != got.shape or not np.all(_close(got, mv, rtol, atol)):
            continue
        wrong: tuple[tuple[int, ...], ...] = ()
        if got.shape == exp.shape:
            wrong = _indices(~_close(got, exp, rtol, atol))
            if not wrong:
                break  # the mistake coincides with the answer: the answer wins
        return Verdict(
            status="incorrect",
            message=m.message,
            mistake=m.name,
            read_as=read,
            wrong_entries=wrong,
        )
    if got.shape != exp.shape:
        shapes = f"Expected {_shape_text(exp.shape)}, you gave {_shape_text(got.shape)}"
        if (
            exp.ndim == 2
            and got.shape == exp.shape[::-1]
            and np.all(_close(got.T, exp, rtol, atol))
        ):
            return Verdict(
                status="incorrect",
                message=f"{shapes}: your matrix is the transpose of the right one.",
                mistake="transposed",
                read_as=read,
            )
        return Verdict(status="incorrect", message=f"{shapes}.", mistake="shape", read_as=read)
    ok = _close(got, exp, rtol, atol)
    if np.all(ok):
        return Verdict(status="correct", read_as=read)
    wrong = _indices(~ok)
    huge = _indices(~ok & (np.abs(got) > TOO_LARGE) & (np.abs(exp) <= TOO_LARGE))
    if huge:
        return Verdict(
            status="incorrect",
            message=reading.noted(f"{_entries_text(huge)} far too large."),
            mistake="too_large",
            read_as=read,
            wrong_entries=wrong,
        )
    verdict = _wrong(
        got,
        exp,
        read,
        rtol,
        atol,
        square=exp.ndim == 2 and exp.shape[0] == exp.shape[1],
        wrong_entries=wrong,
        otherwise=f"{_entries_text(wrong)} off.",
    )
    return replace(verdict, message=reading.noted(verdict.message))


# --- expressions --------------------------------------------------------------------------------


def _points(
    variables: Sequence[str], point: Mapping[str, float] | Sequence[float] | None
) -> dict[str, NDArray[np.float64]]:
    """N_POINTS seeded values per variable (plus `point` first, when given)."""
    rng = np.random.default_rng(_POINTS_SEED)
    n = N_POINTS
    given: list[float] | None = None
    if isinstance(point, Mapping):
        named = {canonical_name(str(k)): float(v) for k, v in point.items()}
        given = [named[v] for v in variables]
    elif point is not None:
        given = [float(p) for p in point]
    env: dict[str, NDArray[np.float64]] = {}
    for k, v in enumerate(variables):
        # half the points positive (log, sqrt are defined there), half anywhere in [-2, 2]
        pos = rng.uniform(0.2, 2.0, n // 2)
        anywhere = rng.uniform(-2.0, 2.0, n - n // 2)
        vals = np.concatenate([pos, anywhere])
        if given is not None:
            vals = np.concatenate([[given[k]], vals])
        env[v] = vals
    return env


def _values(e: Expr, env: Mapping[str, NDArray[np.float64]], n: int) -> NDArray[np.float64]:
    out = np.asarray(e.evaluate(env), dtype=float)
    return np.broadcast_to(out, (n,)).astype(float)


@_checked
def check_expression(
    answer: str,
    expected: Expr | str,
    variables: Iterable[str],
    *,
    point: Mapping[str, float] | Sequence[float] | None = None,
    mistakes: Sequence[Mistake] = (),
    rtol: float = EXPR_RTOL,
    atol: float = EXPR_ATOL,
) -> Verdict:
    """Grade an expression by value at seeded points (plus `point`), skipping undefined ones.

    `expected` is the engine's tree (a str is parsed with `variables`, for convenience);
    declared mistakes are trees (or numbers) in the same variables. A wrong answer's message
    names the point where the two differ most, or the variables the answer leaves out."""
    names = [canonical_name(str(v)) for v in variables]  # "ŷ" and "y_hat" are one name
    parsed = _read(parse, answer, names, "Type an expression.")
    if isinstance(parsed, str):
        return _invalid(parsed)
    e, reading = parsed
    read = reading.shown
    ref = expected if isinstance(expected, Expr) else parse(expected, variables=names)
    env = _points(names, point)
    n = len(next(iter(env.values()))) if env else 1
    a = _values(e, env, n)
    b = _values(ref, env, n)
    valid = np.isfinite(a) & np.isfinite(b)
    need = min(MIN_VALID_POINTS, n)
    if np.count_nonzero(valid) < need:
        if np.count_nonzero(np.isfinite(b)) >= need:
            return Verdict(
                status="incorrect",
                message=reading.noted(
                    "Your expression is undefined (or overflows) where the answer is defined."
                ),
                read_as=read,
            )
        return _invalid("This answer could not be checked at enough points.", read)
    av, bv = a[valid], b[valid]
    if np.all(_close(av, bv, rtol, atol)):
        return Verdict(status="correct", read_as=read)
    for m in mistakes:
        if isinstance(m.expected, Expr):
            if not m.expected.free_variables() <= set(names):
                continue  # in other variables: it cannot be this answer
            mv = _values(m.expected, env, n)[valid]
        else:
            mv = np.broadcast_to(np.asarray(m.expected, dtype=float), av.shape)
        if np.all(np.isfinite(mv)) and np.all(_close(av, mv, rtol, atol)):
            return Verdict(status="incorrect", message=m.message, mistake=m.name, read_as=read)
    sampled = _Sampled(e, ref, names, env, a, b, valid, rtol, atol)
    missing = [Var(v).to_unicode() for v in _left_out(sampled)]
    if missing and not e.free_variables():
        message = f"Your answer is a constant, but the answer depends on {_and(missing)}."
        return Verdict(
            status="incorrect", message=reading.noted(message), mistake="constant", read_as=read
        )
    otherwise = _where_they_differ(sampled)
    if missing:
        otherwise += f" Your answer does not depend on {_and(missing)}; the answer does."
    verdict = _wrong(av, bv, read, rtol, atol, otherwise=otherwise)
    return replace(verdict, message=reading.noted(verdict.message))


@dataclass(frozen=True)
class _Sampled:
    """An expression answer `e` and the right one `ref`, in `names`, evaluated at the same
    sample points `env`: values `a` and `b`, both finite where `valid`."""

    e: Expr
    ref: Expr
    names: Sequence[str]
    env: Mapping[str, NDArray[np.float64]]
    a: NDArray[np.float64]
    b: NDArray[np.float64]
    valid: NDArray[np.bool_]
    rtol: float
    atol: float


def _left_out(s: _Sampled) -> list[str]:
    """The variables the right answer changes with but the learner's leaves out (x for a
    constant typed for f′(x)): moving one alone across the sample points changes the answer."""
    e, ref, env, b, rtol, atol = s.e, s.ref, s.env, s.b, s.rtol, s.atol
    out = []
    used = e.free_variables()
    for v in s.names:
        if v in used or v not in ref.free_variables():
            continue
        moved = dict(env)
        moved[v] = np.roll(env[v], 1)
        b2 = _values(ref, moved, len(b))
        both = np.isfinite(b) & np.isfinite(b2)
        if np.any(both) and not np.all(_close(b2[both], b[both], rtol, atol)):
            out.append(v)
    return out


def _where_they_differ(s: _Sampled) -> str:
    """ "At x = 1.3, your expression gives 4.2 but the answer is 3.9.": at the sample point
    where the two differ most (the first of equals, so an exercise's own point when it ties),
    with the point rounded as shown and the values computed there, in as many digits as it
    takes to see them differ."""
    e, ref, names, env, a, b = s.e, s.ref, s.names, s.env, s.a, s.b
    gap = np.where(s.valid, np.abs(a - b), -1.0)
    gap = np.nan_to_num(gap, nan=-1.0, posinf=np.finfo(float).max)
    i = int(np.flatnonzero(gap >= gap.max() * (1 - 1e-9))[0])
    point = {v: _fmt(float(env[v][i])) for v in names}
    at = {v: np.float64(float(x.replace("−", "-"))) for v, x in point.items()}
    ga, gb = float(e.evaluate(at)), float(ref.evaluate(at))
    if not (np.isfinite(ga) and np.isfinite(gb)) or _close(ga, gb, s.rtol, s.atol):
        # rounding the point lost the difference: name the sample point itself
        point = {v: repr(float(env[v][i])).replace("-", "−") for v in names}
        ga, gb = float(a[i]), float(b[i])
    where = ", ".join(f"{Var(v).to_unicode()} = {x}" for v, x in point.items())
    sa, sb = _fmt_apart(ga, gb)
    gives = f"your expression gives {sa} but the answer is {sb}."
    return f"At {where}, {gives}" if where else gives[0].upper() + gives[1:]


# --- the live preview ---------------------------------------------------------------------------


@_never_raises(lambda exc: Preview(problem=_failed(exc, "read")))
def preview(
    answer: str, kind: PreviewKind = "expression", variables: Iterable[str] = ()
) -> Preview:
    """How the answer is read so far (never graded): Preview(read_as=…) or Preview(problem=…)."""
    if not isinstance(answer, str) or not answer.strip():
        return Preview(problem="Type an answer.")
    if kind == "number":
        number = _read_finite(parse, answer, *_NOT_A_NUMBER)
        if isinstance(number, Verdict):
            return Preview(problem=number.message)
        reading = number[1]
        return Preview(read_as=reading.shown, warning=reading.warning)
    if kind == "array":
        parsed: tuple[Expr | ArrayExpr, _Reading] | str = _read(parse_array, answer, ())
    else:  # list(): None is refused, not read as "any name is a variable"
        parsed = _read(parse, answer, list(variables))
    if isinstance(parsed, str):
        return Preview(problem=parsed)
    reading = parsed[1]
    return Preview(read_as=reading.shown, warning=reading.warning)

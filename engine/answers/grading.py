"""Grade learner answers: expressions by value at random points, numbers and arrays with
tolerances, and recognise common mistakes so the message can say *why* an answer is wrong.
Nothing here raises on learner input: every problem becomes a Verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from bptutor.engine.answers.expr import Expr, ParseError, canonical_name, parse, parse_array

DEFAULT_RTOL = 5e-3  # accepts any answer rounded to 3 significant figures
DEFAULT_ATOL = 5e-4  # near zero, where a relative tolerance means nothing: half a unit in the
# 4th decimal, the precision lesson prose shows numbers with (an answer worked from them is
# that far off at worst)
EXPR_RTOL = 1e-6
N_POINTS = 12
_DISPLAY = {"y_hat": "ŷ"}
MIN_VALID_POINTS = 4


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking (or previewing) one answer."""

    status: str  # "correct" | "incorrect" | "invalid"
    correct: bool
    message: str  # the substance, never empty unless correct; no "Right."/"Not quite.":
    # the app says that itself
    mistake: str | None = None
    read_as: str | None = None
    wrong_entries: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True)
class Mistake:
    """A likely wrong answer declared by the exercise: a number, an array or an expression str."""

    name: str
    expected: Any
    message: str


def _invalid(message: str, read_as: str | None = None) -> Verdict:
    return Verdict("invalid", False, message, None, read_as)


def _parse_error(exc: ParseError) -> Verdict:
    msg = exc.message
    if exc.column:
        msg = f"{msg}, at column {exc.column}"
    msg = msg[0].upper() + msg[1:]
    return _invalid(msg + ".")


def _fmt(v: float) -> str:
    return f"{v:.4g}".replace("-", "−")


def _close(a: Any, b: Any, rtol: float, atol: float) -> Any:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(all="ignore"):
        return np.abs(a - b) <= atol + rtol * np.abs(b)


def _auto_mistake(
    a: Any, b: Any, rtol: float, atol: float, square: bool = False
) -> tuple[str, str] | None:
    """Recognise a sign slip, a factor of 2 or 1/2, a transposed matrix, a constant factor."""
    b = np.asarray(b, dtype=float)
    a = np.asarray(a, dtype=float)
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


# --- numbers ------------------------------------------------------------------------------------


def _read_number(answer: Any) -> tuple[float, str] | Verdict:
    if not isinstance(answer, str):
        return _invalid("Type a number.")
    try:
        e = parse(answer, variables=())
        value = float(np.asarray(e.evaluate({}), dtype=float))
    except ParseError as exc:
        return _parse_error(exc)
    except Exception:
        return _invalid("This could not be read as a number.")
    read = e.to_unicode()
    if not np.isfinite(value):
        return _invalid(f"{read} is not a finite number.", read)
    return value, read


def check_number(
    answer: str,
    expected: float,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    mistakes: Sequence[Mistake] = (),
) -> Verdict:
    """Grade a single number (`1/4`, `2.5e-1`, `e^-1` are fine); see DEFAULT_RTOL/ATOL."""
    try:
        got = _read_number(answer)
        if isinstance(got, Verdict):
            return got
        value, read = got
        exp = float(expected)
        if _close(value, exp, rtol, atol):
            return Verdict("correct", True, "", None, read)
        for m in mistakes:
            try:
                mv = np.asarray(m.expected, dtype=float)
            except (TypeError, ValueError):
                continue
            if mv.size == 1 and _close(value, float(mv), rtol, atol):
                return Verdict("incorrect", False, m.message, m.name, read)
        auto = _auto_mistake(value, exp, rtol, atol)
        if auto:
            return Verdict("incorrect", False, auto[1], auto[0], read)
        return Verdict("incorrect", False, f"{read} is not the right value.", None, read)
    except Exception as exc:  # pragma: no cover - defensive: never crash on input
        return _invalid(f"This answer could not be checked ({type(exc).__name__}).")


# --- arrays -------------------------------------------------------------------------------------


def _shape_text(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"a vector of {shape[0]}"
    return f"{shape[0]}×{shape[1]}"


def _entries_text(idx: Sequence[tuple[int, ...]], capital: bool = False) -> str:
    # 1-based as in the notes: "entry 3" of a vector, "entry (2,3)" of a matrix
    names = [
        str(t[0] + 1) if len(t) == 1 else "(" + ",".join(str(i + 1) for i in t) + ")"
        for t in idx[:6]
    ]
    if len(idx) > 6:
        names.append("others")
    word = "Entr" if capital else "entr"
    if len(names) == 1:
        return f"{word}y {names[0]} is"
    return f"{word}ies " + ", ".join(names[:-1]) + " and " + names[-1] + " are"


def check_array(
    answer: str,
    expected: Any,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    mistakes: Sequence[Mistake] = (),
) -> Verdict:
    """Grade a vector or matrix: shape first, then entry by entry (wrong_entries 0-based)."""
    try:
        if not isinstance(answer, str):
            return _invalid("Type a vector or matrix, like [1, 2; 3, 4].")
        try:
            arr = parse_array(answer, variables=())
            got = arr.evaluate({})
        except ParseError as exc:
            return _parse_error(exc)
        read = arr.to_unicode()
        if not np.all(np.isfinite(got)):
            return _invalid("Some entries are not finite numbers.", read)
        exp = np.asarray(expected, dtype=float)
        # a vector accepts a row or a column; a row/column matrix accepts a plain list
        if exp.ndim == 1 and got.ndim == 2 and 1 in got.shape:
            got = got.reshape(-1)
        elif exp.ndim == 2 and 1 in exp.shape and got.ndim == 1 and got.size == exp.size:
            got = got.reshape(exp.shape)
        for m in mistakes:  # declared mistakes first: they may have another shape
            try:
                mv = np.asarray(m.expected, dtype=float)
            except (TypeError, ValueError):
                continue
            if mv.shape != got.shape or not np.all(_close(got, mv, rtol, atol)):
                continue
            if got.shape == exp.shape:
                bad = np.argwhere(~_close(got, exp, rtol, atol))
                if bad.size == 0:
                    break  # the mistake coincides with the answer: the answer wins
                wrong = tuple(tuple(int(i) for i in t) for t in bad)
            else:
                wrong = ()
            return Verdict("incorrect", False, m.message, m.name, read, wrong)
        if got.shape != exp.shape:
            if (
                exp.ndim == 2
                and got.shape == exp.shape[::-1]
                and np.all(_close(got.T, exp, rtol, atol))
            ):
                return Verdict(
                    "incorrect",
                    False,
                    f"Expected {_shape_text(exp.shape)}, you gave {_shape_text(got.shape)}: "
                    "your matrix is the transpose of the right one.",
                    "transposed",
                    read,
                )
            return Verdict(
                "incorrect",
                False,
                f"Expected {_shape_text(exp.shape)}, you gave {_shape_text(got.shape)}.",
                "shape",
                read,
            )
        ok = _close(got, exp, rtol, atol)
        if np.all(ok):
            return Verdict("correct", True, "", None, read)
        wrong = tuple(tuple(int(i) for i in t) for t in np.argwhere(~ok))
        square = exp.ndim == 2 and exp.shape[0] == exp.shape[1]
        auto = _auto_mistake(got, exp, rtol, atol, square=square)
        if auto:
            return Verdict("incorrect", False, auto[1], auto[0], read, wrong)
        return Verdict(
            "incorrect", False, f"{_entries_text(wrong, capital=True)} off.", None, read, wrong
        )
    except Exception as exc:  # pragma: no cover - defensive
        return _invalid(f"This answer could not be checked ({type(exc).__name__}).")


# --- expressions --------------------------------------------------------------------------------


def _points(variables: Sequence[str], point: Any) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20240611)
    n = N_POINTS
    env: dict[str, np.ndarray] = {}
    for k, v in enumerate(variables):
        # half the points positive (log, sqrt are defined there), half anywhere in [-2, 2]
        pos = rng.uniform(0.2, 2.0, n // 2)
        anywhere = rng.uniform(-2.0, 2.0, n - n // 2)
        vals = np.concatenate([pos, anywhere])
        if point is not None:
            if isinstance(point, Mapping):
                p = point[v] if v in point else point[_DISPLAY.get(v, v)]
            else:
                p = list(point)[k]
            vals = np.concatenate([[float(p)], vals])
        env[v] = vals
    return env


def _values(e: Expr, env: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    out = np.asarray(e.evaluate(env), dtype=float)
    return np.broadcast_to(out, (n,)).astype(float)


def check_expression(
    answer: str,
    expected: str | Expr,
    variables: Iterable[str],
    *,
    point: Mapping[str, float] | Sequence[float] | None = None,
    mistakes: Sequence[Mistake] = (),
    rtol: float = EXPR_RTOL,
) -> Verdict:
    """Grade an expression by value at random points (plus `point`), skipping undefined ones."""
    variables = [canonical_name(str(v)) for v in variables]  # "ŷ" and "y_hat" are one name
    try:
        if not isinstance(answer, str):
            return _invalid("Type an expression.")
        try:
            e = parse(answer, variables=variables)
        except ParseError as exc:
            return _parse_error(exc)
        read = e.to_unicode()
        ref = expected if isinstance(expected, Expr) else parse(expected, variables=variables)
        env = _points(variables, point)
        n = len(next(iter(env.values()))) if env else 1
        a = _values(e, env, n)
        b = _values(ref, env, n)
        valid = np.isfinite(a) & np.isfinite(b)
        atol = 1e-9
        need = min(MIN_VALID_POINTS, n)
        if np.count_nonzero(valid) < need:
            if np.count_nonzero(np.isfinite(b)) >= need:
                return Verdict(
                    "incorrect",
                    False,
                    "Your expression is undefined (or overflows) where the answer is defined.",
                    None,
                    read,
                )
            return Verdict(
                "invalid", False, "This answer could not be checked at enough points.", None, read
            )
        av, bv = a[valid], b[valid]
        if np.all(_close(av, bv, rtol, atol)):
            return Verdict("correct", True, "", None, read)
        for m in mistakes:
            try:
                if isinstance(m.expected, str | Expr):
                    me = (
                        m.expected if isinstance(m.expected, Expr) else parse(m.expected, variables)
                    )
                    mv = _values(me, env, n)[valid]
                else:
                    mv = np.broadcast_to(np.asarray(m.expected, dtype=float), av.shape)
            except (ParseError, ValueError, TypeError):
                continue
            if np.all(np.isfinite(mv)) and np.all(_close(av, mv, rtol, atol)):
                return Verdict("incorrect", False, m.message, m.name, read)
        auto = _auto_mistake(av, bv, rtol, atol)
        if auto:
            return Verdict("incorrect", False, auto[1], auto[0], read)
        i = int(np.flatnonzero(valid)[0])
        where = ", ".join(f"{v} = {_fmt(float(env[v][i]))}" for v in variables)
        gives = f"your expression gives {_fmt(a[i])} but the answer is {_fmt(b[i])}."
        return Verdict(
            "incorrect",
            False,
            f"At {where}, {gives}" if where else gives[0].upper() + gives[1:],
            None,
            read,
        )
    except ParseError:
        raise
    except Exception as exc:  # pragma: no cover - defensive
        return _invalid(f"This answer could not be checked ({type(exc).__name__}).")


def preview(answer: str, kind: str = "expression", variables: Iterable[str] = ()) -> Verdict:
    """How the answer is read, never graded: invalid + message, or read_as filled in."""
    try:
        if not isinstance(answer, str):
            return _invalid("Type an answer.")
        if not answer.strip():
            return _invalid("Type an answer.")
        try:
            if kind == "array":
                read = parse_array(answer, variables=()).to_unicode()
            elif kind == "number":
                got = _read_number(answer)
                if isinstance(got, Verdict):
                    return got
                read = got[1]
            else:
                read = parse(answer, variables=list(variables)).to_unicode()
        except ParseError as exc:
            return _parse_error(exc)
        return Verdict("incorrect", False, f"read as: {read}", None, read)
    except Exception as exc:  # pragma: no cover - defensive
        return _invalid(f"This answer could not be read ({type(exc).__name__}).")

"""Templates: how prose shows a drawn parameter, and how parameters fill an expression.

`{name}` in a lesson's text becomes the learner's number (format_number: whole numbers as such,
else up to 4 decimals, a Unicode minus), `{name:+}` a signed term, `{name:()}` a factor in
parentheses when negative, `{name:^}` an exponent, `{A[1,2]}` one entry, and a matrix alone on
its line a bracketed block. In an expression (`interpolate_expr`) values go in parenthesised at
full precision. Expressions show tidied (`answers.expr.tidy`: as a person would write them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
from bptutor.engine.answers.expr import Expr, tidy
from bptutor.engine.course.model import MAX_FORMAT_WIDTH, MAX_SHOWN, ExerciseError
from bptutor.engine.course.quantities import Function

__all__ = [
    "bracket_matrix",
    "format_number",
    "interpolate",
    "interpolate_expr",
    "plain_answer",
    "plain_array",
    "plain_number",
    "show_expression",
]

# --- interpolation ------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|\{|\}")
_REFERENCE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[([^\]]*)\])?\s*(?::(.*))?$")


def format_number(x: float) -> str:
    """A number for prose: whole numbers as such, else up to 4 decimals; Unicode minus."""
    x = float(x)
    if not np.isfinite(x):
        text = str(x)
    elif x == int(x) and abs(x) < 1e15:
        text = str(int(x))
    elif abs(x) < 1e-3:
        text = f"{x:.3g}"
    else:
        text = f"{x:.4f}".rstrip("0").rstrip(".")
        if text in ("-0", "0"):
            text = f"{x:.3g}"
    return text.replace("-", "−")


def plain_number(x: float) -> str:
    """A number the answer parser reads back exactly enough (ASCII, 10 significant digits)."""
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return format(x, ".10g")


def plain_array(value: np.ndarray) -> str:
    if value.ndim == 1:
        return "[" + ", ".join(plain_number(v) for v in value) + "]"
    return "[" + ", ".join(plain_array(row) for row in value) + "]"


def plain_answer(value: Expr | float | np.ndarray) -> str:
    """An expected value (or a declared mistake) as a learner would type it."""
    if isinstance(value, Expr):
        return value.to_plain()
    arr = np.asarray(value, dtype=float)
    return plain_number(float(arr)) if arr.ndim == 0 else plain_array(arr)


def _inline_array(value: np.ndarray) -> str:
    if value.ndim == 1:
        return "[" + ", ".join(format_number(v) for v in value) + "]"
    return "[" + ", ".join(_inline_array(row) for row in value) + "]"


def bracket_matrix(value: np.ndarray) -> str:
    """A matrix (or a column vector) drawn with bracket characters, numbers right-aligned."""
    m = value.reshape(-1, 1) if value.ndim == 1 else value
    cells = [[format_number(v) for v in row] for row in m]
    widths = [max(len(cells[i][j]) for i in range(len(cells))) for j in range(m.shape[1])]
    lines = []
    for i, row in enumerate(cells):
        body = "  ".join(c.rjust(widths[j]) for j, c in enumerate(row))
        if len(cells) == 1:
            left, right = "[", "]"
        elif i == 0:
            left, right = "⎡", "⎤"
        elif i == len(cells) - 1:
            left, right = "⎣", "⎦"
        else:
            left, right = "⎢", "⎥"
        lines.append(f"{left} {body} {right}")
    return "\n".join(lines)


def _lookup(content: str, env: Mapping[str, Any], key: str) -> tuple[Any, str | None]:
    m = _REFERENCE.match(content)
    if not m:
        raise ExerciseError(
            f'{key} has "{{{content}}}", which is not a parameter reference; '
            "write {{ and }} for literal braces"
        )
    name, index, spec = m.group(1), m.group(2), m.group(3)
    if name not in env:
        raise ExerciseError(f'{key} uses "{{{content}}}" but no parameter "{name}" is defined')
    value = env[name]
    if index is not None:
        arr = value if isinstance(value, np.ndarray) else None
        try:
            idx = tuple(int(p) for p in index.split(","))
        except ValueError:
            raise ExerciseError(f'{key}: "{{{content}}}" needs whole-number indices') from None
        if (
            arr is None
            or len(idx) != arr.ndim
            or not all(1 <= i <= n for i, n in zip(idx, arr.shape, strict=True))
        ):
            shape = getattr(value, "shape", ())
            raise ExerciseError(
                f'{key}: "{{{content}}}" does not fit {name} (shape {shape}; indices are 1-based)'
            )
        value = float(arr[tuple(i - 1 for i in idx)])
    return value, spec


# Python's format spec: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_FORMAT_SPEC = re.compile(
    r"(?:.?[<>=^])?[+\- ]?z?#?0?(?P<width>\d*)[_,]?(?:\.(?P<precision>\d*))?[a-zA-Z%]?",
    re.DOTALL,
)


def _check_spec(spec: str, key: str, content: str) -> None:
    """Refuse a width or precision no one can read, before format() builds it: {a:>1000000000}
    would be a gigabyte of spaces."""
    m = _FORMAT_SPEC.fullmatch(spec)
    if m is None:
        return  # format() refuses what is not a spec, with the usual message
    for part in ("width", "precision"):
        digits = m.group(part) or ""
        if len(digits) > 3 or (digits and int(digits) > MAX_FORMAT_WIDTH):
            shown = digits if len(digits) <= 12 else digits[:11] + "…"
            raise ExerciseError(
                f'{key}: "{{{_short(content)}}}" asks for a {part} of {shown}; at most '
                f"{MAX_FORMAT_WIDTH}"
            )


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown_array(value: np.ndarray, name: str, key: str, content: str) -> None:
    """Prose shows what a learner can read: a vector of at most MAX_SHOWN entries, a matrix of
    at most MAX_SHOWN × MAX_SHOWN (a 1000×1000 matrix would freeze the screen for a minute)."""
    if value.ndim <= 2 and all(n <= MAX_SHOWN for n in value.shape):
        return
    shape = "×".join(str(n) for n in value.shape)
    raise ExerciseError(
        f'{key}: "{{{_short(content)}}}" would show params.{name}, a {shape} array, in prose; '
        f"prose shows at most {MAX_SHOWN} entries a side in at most 2 dimensions (pick entries "
        f"with {{{name}[i]}} or {{{name}[i,j]}})"
    )


def _number(value: Any, spec: str, key: str, content: str) -> str:
    """A scalar with a Python format spec (empty: format_number), Unicode minus."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = float(value)
    if not isinstance(value, int | float | np.floating | np.integer) or isinstance(value, bool):
        raise ExerciseError(
            f'{key}: "{{{content}}}" formats a number, but {content.split(":")[0].strip()} is '
            f"not a single number (pick an entry with [i] or [i,j])"
        )
    if not spec:
        return format_number(float(value))
    _check_spec(spec, key, content)
    try:
        return format(float(value), spec).replace("-", "−")
    except (TypeError, ValueError):
        raise ExerciseError(f'{key}: "{{{content}}}" has a bad format spec') from None


def show_expression(value: Any) -> str:
    """An expression (or expression parameter) in Unicode, tidied: 2·x³ − x, not 2·x³ + −1·x."""
    exprs = getattr(value, "exprs", None)
    if exprs is not None:
        text = ", ".join(tidy(e).to_unicode() for e in exprs)
        return f"({text})" if getattr(value, "vector", False) else text
    return tidy(value).to_unicode()


def _prose_value(value: Any, spec: str | None, key: str, content: str) -> str:
    if spec is not None:
        spec = spec.strip()
    if spec and spec[0] == "+":  # a signed term: "+ 3" or "− 3"
        rest = spec[1:]
        if hasattr(value, "to_unicode") and not rest:
            shown = show_expression(value)
            if shown.startswith("−"):
                return "− " + shown[1:]
            return "+ " + shown
        text = _number(value, rest, key, content)
        if text.startswith("−"):
            return "− " + text[1:]
        return "+ " + text
    if spec == "^":  # an exponent: x{n:^} shows x³ (x^(2.5) when not a whole number)
        shown = _number(value, "", key, content)  # also refuses what is not one number
        number = float(value)
        if number == 1:
            return ""  # x¹ is x
        if number.is_integer():
            return str(int(number)).translate(_SUPERSCRIPT)
        return "^(" + shown + ")"
    if spec == "()":  # in parentheses when negative: (−2), but 2
        if hasattr(value, "to_unicode"):
            shown = show_expression(value)
            return shown if _is_atom(shown) else f"({shown})"
        text = _number(value, "", key, content)
        return f"({text})" if text.startswith("−") else text
    if spec:
        return _number(value, spec, key, content)
    if isinstance(value, str):
        return value
    if hasattr(value, "to_unicode"):
        return show_expression(value)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return format_number(float(value))
        _shown_array(value, content.split("[")[0].split(":")[0].strip(), key, content)
        return _inline_array(value)
    if isinstance(value, int | float | np.floating | np.integer):
        return format_number(float(value))
    raise ExerciseError(f'{key}: "{{{content}}}" is a {type(value).__name__}, it cannot be shown')


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _is_atom(shown: str) -> bool:
    """A shown expression that needs no brackets as a factor: x, 3, x², eʸ, σ(z), but not −x."""
    if shown.startswith("−"):
        return False
    depth = 0
    for ch in shown:
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch in "+−·/ ":
            return False
    return True


def interpolate(text: str, env: Mapping[str, Any], key: str) -> str:
    """Fill `{name}` placeholders for prose; a matrix alone on its line becomes a code block."""
    lines = []
    for line in text.split("\n"):
        m = re.fullmatch(r"\s*\{([^{}]*)\}\s*", line)
        if m:
            value, spec = _lookup(m.group(1), env, key)
            if isinstance(value, np.ndarray) and value.ndim >= 1 and not spec:
                name = m.group(1).split("[")[0].strip()
                _shown_array(value, name, key, m.group(1))
                lines.append("```\n" + bracket_matrix(value) + "\n```")
                continue
        lines.append(line)
    text = "\n".join(lines)

    def repl(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        if m.group(1) is None:
            raise ExerciseError(f"{key} has a lone {token!r}; write {token * 2} for a brace")
        value, spec = _lookup(m.group(1), env, key)
        return _prose_value(value, spec, key, m.group(1))

    return _PLACEHOLDER.sub(repl, text)


def interpolate_expr(text: str, env: Mapping[str, Any], key: str) -> str:
    """Fill `{name}` placeholders inside an expression: values in parentheses, full precision."""

    def repl(m: re.Match[str]) -> str:
        token = m.group(0)
        if m.group(1) is None:
            raise ExerciseError(f"{key} has a stray {token!r} (expressions use no braces)")
        value, _spec = _lookup(m.group(1), env, key)
        if isinstance(value, Function):
            if value.vector:
                raise ExerciseError(f'{key}: "{{{m.group(1)}}}" is a vector function')
            return f"({value.to_plain()})"
        if isinstance(value, str):
            return f"({value})"
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = float(value)
        if isinstance(value, int | float | np.floating | np.integer):
            x = float(value)
            return f"({plain_number(x)})" if x == int(x) and abs(x) < 1e15 else f"({x!r})"
        raise ExerciseError(
            f'{key}: "{{{m.group(1)}}}" is not a number or an expression '
            "(pick an entry with {name[i]} or {name[i,j]})"
        )

    return _PLACEHOLDER.sub(repl, text)

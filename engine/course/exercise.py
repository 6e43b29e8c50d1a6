"""Instantiating a step for one learner: draw the parameters, fill in the prose, compute the
expected answer and the declared mistakes with the engine, and check answers.

Everything is deterministic for (seed, lesson id, step id): lesson parameters are drawn from
sha256(seed, lesson id), so every step of a lesson shows the same numbers; step parameters from
sha256(seed, lesson id, step id). Python's randomised hash() is never used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from bptutor.engine.course.calls import CallError, evaluate_call
from bptutor.engine.course.quantities import QUANTITIES, Function

if TYPE_CHECKING:
    from bptutor.engine.course.loader import ExerciseSpec, Lesson, ParamSpec, Step

__all__ = [
    "DeclaredMistake",
    "ExerciseError",
    "Instance",
    "draw_params",
    "format_number",
    "instantiate",
    "interpolate",
    "rng_for",
    "tidy",
]

LETTERS = "abcdefghijklmnopqrstuvwxyz"
_DEFAULT_PROMPTS = {
    "derivative": "∂/∂{wrt} =",
    "expression": "Expression:",
    "value": "Value:",
    "vector": "Vector:",
    "matrix": "Matrix:",
    "choice": "Your choice:",
    "train": "",
}


@dataclass(frozen=True)
class DeclaredMistake:
    """A declared mistake computed for this learner (turned into a checking.Mistake to check)."""

    name: str
    expected: Any  # expression text (plain), float or ndarray
    message: str


class ExerciseError(ValueError):
    """A step that cannot be instantiated; the message names the key and what went wrong."""

    def __init__(self, message: str, *, in_step: bool = True) -> None:
        super().__init__(message)
        self.in_step = in_step


# --- seeds and drawing --------------------------------------------------------------------------


def rng_for(seed: int, *parts: str) -> np.random.Generator:
    """A generator seeded from sha256 of the seed and the ids (stable across runs and machines)."""
    text = "\x1f".join([str(int(seed)), *parts])
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _draw_random(spec: ParamSpec, rng: np.random.Generator, key: str) -> Any:
    n = int(np.prod(spec.shape)) if spec.shape else 1
    if spec.kind == "choice" and isinstance(spec.args[0], str):
        return spec.args[int(rng.integers(len(spec.args)))]

    def sample(k: int) -> np.ndarray:
        if spec.kind == "int":
            out = rng.integers(int(spec.args[0]), int(spec.args[1]) + 1, size=k).astype(float)
        elif spec.kind == "uniform":
            out = rng.uniform(spec.args[0], spec.args[1], size=k)
        elif spec.kind == "normal":
            out = rng.normal(spec.args[0], spec.args[1], size=k)
        else:
            values = np.asarray(spec.args, dtype=float)
            out = values[rng.integers(len(values), size=k)]
        if spec.round is not None:
            out = np.round(out, spec.round) + 0.0  # + 0.0 turns -0.0 into 0.0
        return out

    def bad(values: np.ndarray) -> np.ndarray:
        mask = np.zeros(values.shape, dtype=bool)
        if spec.nonzero:
            mask |= values == 0
        if spec.exclude:
            mask |= np.isin(values, spec.exclude)
        return mask

    values = sample(n)
    for _ in range(1000):
        mask = bad(values)
        if not mask.any():
            break
        values[mask] = sample(int(mask.sum()))
    else:
        raise ExerciseError(f"{key} cannot be drawn: nonzero/exclude rule out every value")
    if spec.shape is None:
        return float(values[0])
    return values.reshape(spec.shape)


def draw_params(
    specs: tuple[ParamSpec, ...],
    rng: np.random.Generator,
    env: dict[str, Any],
    prefix: str = "params",
) -> dict[str, Any]:
    """Draw or compute each parameter in order, adding it to `env` (returned for chaining)."""
    for spec in specs:
        key = f"{prefix}.{spec.name}"
        if spec.kind == "compute":
            assert spec.call is not None
            try:
                env[spec.name] = evaluate_call(spec.call, env, QUANTITIES)
            except CallError as exc:
                raise ExerciseError(f'{key} = "{spec.source}": {exc}') from None
        elif spec.kind == "value":
            arr = np.array(spec.args[0], dtype=float)
            env[spec.name] = float(arr) if arr.ndim == 0 else arr
        elif spec.kind == "expr":
            exprs = tuple(
                _parse_expr(interpolate_expr(t, env, f"{key}.expr"), spec.variables, f"{key}.expr")
                for t in spec.texts
            )
            env[spec.name] = Function(exprs, canonical_names(spec.variables), spec.vector)
        else:
            env[spec.name] = _draw_random(spec, rng, key)
    return env


# --- expressions --------------------------------------------------------------------------------


def canonical_names(variables: Any) -> tuple[str, ...]:
    """Declared variable names as the parser reads them: ["ŷ", "y"] is ("y_hat", "y")."""
    from bptutor.engine.answers.expr import canonical_name

    return tuple(canonical_name(str(v)) for v in variables)


def _parse_expr(text: str, variables: tuple[str, ...] | None, key: str) -> Any:
    from bptutor.engine.answers.expr import ParseError, parse

    if variables is not None:
        variables = canonical_names(variables)
    try:
        expr = parse(text, variables=list(variables)) if variables is not None else parse(text)
    except ParseError as exc:
        raise ExerciseError(f'{key} = "{text}" cannot be read: {exc}') from None
    if variables is not None:
        extra = sorted(set(expr.free_variables()) - set(variables))
        if extra:
            raise ExerciseError(
                f'{key} = "{text}" uses {", ".join(extra)}, not among the variables '
                f"{list(variables)}"
            )
    return expr


# --- tidy expressions for display ---------------------------------------------------------------


def tidy(expr: Any) -> Any:
    """An equivalent expression that reads as a person would write it, for display only.

    Parameters land in expressions as literal numbers, so `"{a}*x^3 + {b}*x"` with b = −1 is
    `2*x^3 + (-1)*x`. Rebuilt with the engine's simplifying constructors plus sign rules it is
    `2*x^3 - x`: a factor 1 and a term 0 are dropped, `+ (−c)·u` becomes `− c·u`, `− (−c)`
    becomes `+ c`, and numbers come first in a product. The value is unchanged (lessons check
    confirms that the tidied reference solution passes the checker).
    """
    from bptutor.engine.answers import expr as E

    def split(e: Any) -> tuple[bool, Any]:
        """(negative, magnitude) with e == −magnitude when negative."""
        if isinstance(e, E.Num) and e.value < 0:
            return True, E.Num(-e.value)
        if isinstance(e, E.Neg):
            return True, e.arg
        if isinstance(e, E.BinOp) and e.op in ("*", "/"):
            neg_left, left = split(e.left)
            if neg_left:
                return True, (E.mul if e.op == "*" else E.div)(left, e.right)
            neg_right, right = split(e.right) if e.op == "*" else (False, e.right)
            if neg_right:
                return True, E.mul(e.left, right)
        return False, e

    def plus(a: Any, b: Any) -> Any:
        if a == E.ZERO:
            return b
        negative, mag = split(b)
        if negative:
            return minus(a, mag)
        return E.add(a, b)

    def minus(a: Any, b: Any) -> Any:
        if a == E.ZERO:
            negative, mag = split(b)
            return mag if negative else E.neg(b)
        negative, mag = split(b)
        if negative:
            return plus(a, mag)
        return E.sub(a, b)

    def negate(e: Any) -> Any:
        """−e with the sign on the leading factor: −2·x·y rather than −(2·x·y)."""
        if isinstance(e, E.Num):
            return E.Num(-e.value) if e.value else e
        if isinstance(e, E.BinOp) and e.op in ("*", "/"):
            return E._mk(E.BinOp, e.op, negate(e.left), e.right)
        return E.neg(e)

    def times(a: Any, b: Any) -> Any:
        neg_a, a = split(a)
        neg_b, b = split(b)
        out = E.mul(a, b)
        return negate(out) if neg_a != neg_b else out

    def walk(e: Any) -> Any:
        if isinstance(e, E.Neg):
            return E.neg(walk(e.arg))
        if isinstance(e, E.Call):
            return E.call(e.fn, walk(e.arg))
        if isinstance(e, E.BinOp):
            a, b = walk(e.left), walk(e.right)
            if e.op == "+":
                return plus(a, b)
            if e.op == "-":
                return minus(a, b)
            if e.op == "*":
                return times(a, b)
            if e.op == "/":
                return E.div(a, b)
            return E.power(a, b)
        return e

    try:
        return walk(expr)
    except RecursionError:  # pragma: no cover - lesson expressions are small
        return expr


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
        return format_number(float(value)) if value.ndim == 0 else _inline_array(value)
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
            if isinstance(value, np.ndarray) and value.ndim in (1, 2) and not spec:
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


# --- the instance -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instance:
    """One step as one learner sees it. `check` and `preview` never raise."""

    lesson_id: str
    step_id: str
    seed: int
    title: str
    text: str
    kind: str | None
    prompt: str
    variables: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    expected_shape: tuple[int, ...] | None = None
    hints: tuple[str, ...] = ()
    explanation: str = ""
    solution: str = ""
    train_config: Any = None
    expected: Any = None  # Expr, float, ndarray or the 0-based index of the right choice
    mistakes: tuple[DeclaredMistake, ...] = ()
    feedback: tuple[str, ...] = ()
    choice_order: tuple[int, ...] = ()  # choices[k] is option choice_order[k] of the file
    rtol: float = 5e-3
    atol: float = 5e-4
    params: Mapping[str, Any] = field(default_factory=dict)

    def check(self, answer: str) -> Any:
        """Grade an answer: a checking.Verdict."""
        try:
            return self._check(answer)
        except Exception as exc:  # a bug must not crash the tutor mid-lesson
            return _verdict(
                "invalid", f"Sorry: this answer could not be checked ({type(exc).__name__})."
            )

    def _check(self, answer: str) -> Any:
        from bptutor.engine.answers import grading as checking

        mistakes = tuple(
            checking.Mistake(name=m.name, expected=m.expected, message=m.message)
            for m in self.mistakes
        )
        if self.kind in ("derivative", "expression"):
            return checking.check_expression(
                answer, self.expected.to_plain(), list(self.variables), mistakes=mistakes
            )
        if self.kind == "value":
            return checking.check_number(
                answer, self.expected, rtol=self.rtol, atol=self.atol, mistakes=mistakes
            )
        if self.kind in ("vector", "matrix"):
            return checking.check_array(
                answer, self.expected, rtol=self.rtol, atol=self.atol, mistakes=mistakes
            )
        if self.kind == "choice":
            index = self._choice_index(answer)
            if index is None:
                return _verdict("invalid", self._choice_help())
            option = f"{LETTERS[index]}) {self.choices[index]}"
            said = self.feedback[index] if self.feedback else ""
            if index == self.expected:
                return _verdict("correct", said, read_as=option)
            return _verdict(
                "incorrect",
                said or f"Option {LETTERS[index]} does not hold: read the options again.",
                read_as=option,
            )
        if self.kind == "train":
            return _verdict("correct", "Open the training view and watch the loss fall.")
        return _verdict("invalid", "This step has no exercise.")

    def preview(self, answer: str) -> Any:
        """How the answer is read so far (never graded): a checking.Verdict."""
        try:
            from bptutor.engine.answers import grading as checking

            if self.kind in ("derivative", "expression"):
                return checking.preview(answer, kind="expression", variables=self.variables)
            if self.kind == "value":
                return checking.preview(answer, kind="number")
            if self.kind in ("vector", "matrix"):
                return checking.preview(answer, kind="array")
            if self.kind == "choice":
                index = self._choice_index(answer)
                if index is None:
                    return _verdict("invalid", self._choice_help())
                return _verdict("incorrect", "", read_as=f"{LETTERS[index]}) {self.choices[index]}")
            return _verdict("invalid", "Nothing to type here.")
        except Exception as exc:
            return _verdict("invalid", f"Sorry: cannot read this ({type(exc).__name__}).")

    def _choice_index(self, answer: str) -> int | None:
        text = answer.strip().lower().rstrip(").").lstrip("(")
        n = len(self.choices)
        if len(text) == 1 and text in LETTERS[:n]:
            return LETTERS.index(text)
        if text.isdigit() and 1 <= int(text) <= n:
            return int(text) - 1
        return None

    def _choice_help(self) -> str:
        n = len(self.choices)
        return f"Answer with a letter a–{LETTERS[n - 1]} or a number 1–{n}."


def _verdict(status: str, message: str, read_as: str | None = None) -> Any:
    """A checking.Verdict built from whichever of its fields exist."""
    from bptutor.engine.answers.grading import Verdict

    values = {
        "status": status,
        "correct": status == "correct",
        "message": message,
        "mistake": None,
        "read_as": read_as,
        "wrong_entries": (),
    }
    names = {f.name for f in dataclasses.fields(Verdict) if f.init}
    return Verdict(**{k: v for k, v in values.items() if k in names})


# --- instantiate --------------------------------------------------------------------------------


_LESSON_ENVS: dict[tuple[int, int], tuple[Lesson, dict[str, Any]]] = {}
_LESSON_ENVS_MAX = 256


def lesson_env(lesson: Lesson, seed: int) -> dict[str, Any]:
    """The lesson-wide parameters for this seed (a fresh dict; arrays in it are read-only).

    Every step of a lesson needs them, so they are drawn once per (lesson, seed) and kept.
    """
    key = (id(lesson), int(seed))
    hit = _LESSON_ENVS.get(key)
    if hit is not None and hit[0] is lesson:
        return dict(hit[1])
    try:
        env = draw_params(lesson.params, rng_for(seed, lesson.id), {})
    except ExerciseError as exc:
        raise ExerciseError(str(exc), in_step=False) from None
    for value in env.values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    if len(_LESSON_ENVS) >= _LESSON_ENVS_MAX:
        _LESSON_ENVS.clear()
    _LESSON_ENVS[key] = (lesson, env)
    return dict(env)


def step_env(lesson: Lesson, step: Step, seed: int, on_call: Any = None) -> dict[str, Any]:
    env = lesson_env(lesson, seed)
    return draw_params(step.params, rng_for(seed, lesson.id, step.id), env)


def instantiate(lesson: Lesson, step: Step, seed: int, *, on_call: Any = None) -> Instance:
    """The step for one learner; raises ExerciseError (a ValueError) naming the key at fault.

    `on_call(name, args, kwargs, value)` sees every computation made for the expected answer
    (`lessons check` compares derivative quantities with finite differences there).
    """
    env = step_env(lesson, step, seed)
    text = interpolate(step.text, env, "text")
    hints = tuple(interpolate(h, env, f"hints[{i}]") for i, h in enumerate(step.hints, 1))
    ex = step.exercise
    base = {
        "lesson_id": lesson.id,
        "step_id": step.id,
        "seed": seed,
        "title": step.title,
        "text": text,
        "hints": hints,
        "params": dict(env),
    }
    if ex is None:
        explanation = interpolate(step.explanation, env, "explanation")
        return Instance(kind=None, prompt="", explanation=explanation, **base)
    order_rng = rng_for(seed, lesson.id, step.id, "choice-order")
    fields = _exercise_fields(ex, env, on_call, order_rng)
    shown = fields.pop("_shown_answer")
    explanation = interpolate(step.explanation, {**env, "answer": shown}, "explanation")
    prompt_text = ex.prompt if ex.prompt is not None else _DEFAULT_PROMPTS[ex.kind]
    prompt = interpolate(prompt_text, {**env, "wrt": ex.wrt or ""}, "exercise.prompt")
    return Instance(kind=ex.kind, prompt=prompt, explanation=explanation, **base, **fields)


def _exercise_fields(
    ex: ExerciseSpec, env: dict[str, Any], on_call: Any, order_rng: np.random.Generator
) -> dict[str, Any]:
    kind = ex.kind
    if kind == "choice":
        options = tuple(
            interpolate(o, env, f"exercise.options[{i}]") for i, o in enumerate(ex.options, 1)
        )
        feedback = tuple(
            interpolate(f, env, f"exercise.feedback[{i}]") for i, f in enumerate(ex.feedback, 1)
        )
        assert ex.correct is not None
        # each learner sees the options in their own order, so the letter of the right one
        # tells nothing; options, feedback and the right index move together
        n = len(options)
        order = tuple(int(i) for i in order_rng.permutation(n)) if ex.shuffle else tuple(range(n))
        right = order.index(ex.correct)
        options = tuple(options[i] for i in order)
        if feedback:
            feedback = tuple(feedback[i] for i in order)
        return {
            "choices": options,
            "feedback": feedback,
            "choice_order": order,
            "expected": right,
            "solution": LETTERS[right],
            "_shown_answer": f"{LETTERS[right]}) {options[right]}",
        }
    if kind == "train":
        return {"train_config": _train_config(ex.train), "_shown_answer": ""}
    messages = [
        interpolate(m.message, env, f'exercise.mistakes[{i}].message ("{m.name}")')
        for i, m in enumerate(ex.mistakes, 1)
    ]
    if kind in ("derivative", "expression"):
        if kind == "derivative":
            assert ex.function is not None and ex.wrt is not None
            f_text = interpolate_expr(ex.function, env, "exercise.function")
            function = _parse_expr(f_text, ex.variables, "exercise.function")
            variables = ex.variables or tuple(sorted(function.free_variables()))
            wrt = canonical_names([ex.wrt])[0]
            if wrt not in canonical_names(variables):
                raise ExerciseError(
                    f'exercise.wrt "{ex.wrt}" is not a variable of the function {list(variables)}'
                )
            expected = function.diff(wrt)
        else:
            assert ex.answer is not None and ex.variables is not None
            a_text = interpolate_expr(ex.answer, env, "exercise.answer")
            expected = _parse_expr(a_text, ex.variables, "exercise.answer")
            variables = ex.variables
            if not expected.free_variables():
                raise ExerciseError(
                    f'exercise.answer = "{ex.answer}" has no variable: it is a number, so use '
                    "a value exercise with a computation"
                )
        mistakes = []
        for i, (m, message) in enumerate(zip(ex.mistakes, messages, strict=True), 1):
            key = f"exercise.mistakes[{i}].answer"
            m_expr = _parse_expr(interpolate_expr(m.answer, env, key), variables, key)
            mistakes.append(DeclaredMistake(m.name, m_expr.to_plain(), message))
        return {
            "variables": tuple(variables),
            "expected": expected,
            "mistakes": tuple(mistakes),
            "solution": tidy(expected).to_plain(),
            "_shown_answer": expected,
        }
    # value / vector / matrix
    assert ex.call is not None
    expected = _numeric(_evaluate(ex.call, env, "exercise.answer", ex.answer, on_call), kind)
    if isinstance(expected, np.ndarray) and ex.shape is not None and expected.shape != ex.shape:
        raise ExerciseError(
            f"exercise.shape is {list(ex.shape)} but the engine's answer "
            f'"{ex.answer}" has shape {list(expected.shape)}'
        )
    mistakes = []
    menv = {**env, "answer": expected}
    for i, (m, message) in enumerate(zip(ex.mistakes, messages, strict=True), 1):
        key = f"exercise.mistakes[{i}].answer"
        value = _as_numbers(_evaluate(m.call, menv, key, m.answer, None), key, m.answer)
        if kind == "value":
            if value.size != 1:
                raise ExerciseError(f'{key} = "{m.answer}" must be a single number')
            value = float(value.reshape(()))
        mistakes.append(DeclaredMistake(m.name, value, message))
    if kind == "value":
        solution = plain_number(expected)
        shown: Any = expected
    else:
        solution = plain_array(expected)
        shown = expected
    return {
        "expected": expected,
        "expected_shape": expected.shape if isinstance(expected, np.ndarray) else None,
        "mistakes": tuple(mistakes),
        "solution": solution,
        "rtol": ex.rtol,
        "atol": ex.atol,
        "_shown_answer": shown,
    }


def _evaluate(call: Any, env: Mapping[str, Any], key: str, source: Any, on_call: Any) -> Any:
    try:
        return evaluate_call(call, env, QUANTITIES, on_call)
    except CallError as exc:
        raise ExerciseError(f'{key} = "{source}": {exc}') from None


def _as_numbers(value: Any, key: str, source: Any) -> np.ndarray:
    if isinstance(value, bool | str | Function) or value is None:
        raise ExerciseError(f'{key} = "{source}" must compute numbers, not {type(value).__name__}')
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ExerciseError(
            f'{key} = "{source}" must compute numbers, not {type(value).__name__}'
        ) from None
    if not np.all(np.isfinite(arr)):
        raise ExerciseError(f'{key} = "{source}" is not finite for these parameters')
    return arr


def _numeric(value: Any, kind: str) -> Any:
    arr = _as_numbers(value, "exercise.answer", "")
    want = {"value": 0, "vector": 1, "matrix": 2}[kind]
    if kind == "value" and arr.size == 1:
        return float(arr.reshape(()))
    if arr.ndim != want:
        what = {0: "a single number", 1: "a vector (1-d)", 2: "a matrix (2-d)"}[want]
        hint = ""
        if kind == "vector" and arr.ndim == 2 and 1 in arr.shape:
            hint = " (flatten(...) turns a one-row matrix into a vector)"
        raise ExerciseError(
            f"exercise.kind is {kind} but the engine's answer has shape {list(arr.shape)}, "
            f"not {what}{hint}"
        )
    return arr


def _train_config(train: dict[str, Any]) -> Any:
    from bptutor.engine.nn.training import TrainConfig

    kwargs = dict(train)
    if kwargs.get("batch_size") == 0:
        kwargs["batch_size"] = None
    if "learning_rate" in kwargs:
        kwargs["learning_rate"] = float(kwargs["learning_rate"])
    try:
        from bptutor.engine.nn.datasets import DATASET_NAMES

        if "dataset" in kwargs and kwargs["dataset"] not in DATASET_NAMES:
            raise ExerciseError(
                f'exercise.dataset "{kwargs["dataset"]}" is not one of {", ".join(DATASET_NAMES)}'
            )
    except ImportError:
        pass
    if "activation" in kwargs:
        from bptutor.engine.nn.activations import ACTIVATIONS

        if kwargs["activation"] not in ACTIVATIONS:
            raise ExerciseError(
                f'exercise.activation "{kwargs["activation"]}" is not one of '
                f"{', '.join(ACTIVATIONS)}"
            )
    for key in ("hidden", "epochs"):
        if key in kwargs and kwargs[key] < 1:
            raise ExerciseError(f"exercise.{key} must be at least 1")
    try:
        return TrainConfig(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ExerciseError(f"the train settings are not valid: {exc}") from None

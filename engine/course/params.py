"""Seeded drawing: a step's parameters for one learner, the same on every machine.

Lesson parameters are drawn from sha256(seed, lesson id), so every step of a lesson shows the
same numbers; step parameters from sha256(seed, lesson id, step id). Python's randomised
hash() is never used. A parameter is drawn (int, uniform, normal, choice), fixed (value), an
expression (expr) or computed from those above it (a call into the quantity registry).
`compute` evaluates any computation a lesson file writes (a parameter, an answer, a mistake)
with errors that name the key; `computed_numbers` insists on finite numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from bptutor.engine.answers.expr import Expr
from bptutor.engine.answers.parser import ParseError, canonical_name, parse
from bptutor.engine.course.calls import CallError, Node, OnCall, evaluate_call, holds
from bptutor.engine.course.model import (
    MAX_ENTRIES,
    Constraint,
    ExerciseError,
    Lesson,
    ParamSpec,
    Step,
    excerpt,
)
from bptutor.engine.course.quantities import QUANTITIES, Function
from bptutor.engine.course.quantities.registry import float_array_or_none
from bptutor.engine.course.templates import interpolate_expr

__all__ = [
    "canonical_names",
    "compute",
    "computed_numbers",
    "draw_params",
    "draws_needed",
    "lesson_env",
    "parse_expr",
    "rng_for",
    "step_env",
    "variant_parts",
]

# --- seeds and drawing --------------------------------------------------------------------------


def rng_for(seed: int, *parts: str) -> np.random.Generator:
    """A generator seeded from sha256 of the seed and the ids (stable across runs and machines)."""
    text = "\x1f".join([str(int(seed)), *parts])
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _shape(spec: ParamSpec, env: dict[str, Any], key: str) -> tuple[int, ...] | None:
    """The shape with parameter names (`shape = ["m", "n"]`) replaced by their values."""
    if spec.shape is None:
        return None
    out = []
    for size in spec.shape:
        if isinstance(size, str):
            value = env.get(size)
            if value is None:
                raise ExerciseError(f'{key}.shape uses "{size}", which is not a parameter above it')
            arr = np.asarray(value) if not isinstance(value, str) else None
            if arr is None or arr.size != 1 or arr.dtype.kind not in "iuf":
                raise ExerciseError(f'{key}.shape: "{size}" must be a whole number ≥ 1')
            number = float(arr.reshape(()))
            if number != int(number) or number < 1:
                raise ExerciseError(f'{key}.shape: "{size}" = {number:g} is not a whole number ≥ 1')
            size = int(number)
        out.append(size)
    entries = int(np.prod(out))
    if entries > MAX_ENTRIES:  # as the loader bounds a shape of numbers
        shown = "×".join(str(n) for n in out)
        raise ExerciseError(
            f"{key}.shape is {shown} ({entries:,} entries); a lesson may draw at most {MAX_ENTRIES}"
        )
    return tuple(out)


def _draw_random(
    spec: ParamSpec, rng: np.random.Generator, key: str, env: dict[str, Any] | None = None
) -> Any:
    shape = _shape(spec, env or {}, key)
    n = int(np.prod(shape)) if shape else 1
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
    if shape is None:
        return float(values[0])
    return values.reshape(shape)


def compute(
    call: Node,
    env: Mapping[str, Any],
    key: str,
    source: str | None,
    on_call: OnCall | None = None,
) -> Any:
    """A lesson file's computation (a parameter, an answer, a mistake) for these parameters; an
    error names the key and the text it was written as."""
    try:
        return evaluate_call(call, env, QUANTITIES, on_call)
    except CallError as exc:
        raise ExerciseError(f'{key} = "{source}": {exc}') from None


def computed_numbers(value: Any, key: str, source: str | None) -> np.ndarray:
    """What a computation gave, as finite numbers (an answer must be numbers)."""
    arr = float_array_or_none(value)
    if arr is None:
        raise ExerciseError(f'{key} = "{source}" must compute numbers, not {type(value).__name__}')
    if not np.all(np.isfinite(arr)):
        raise ExerciseError(f'{key} = "{source}" is not finite for these parameters')
    return arr


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
            env[spec.name] = compute(spec.call, env, key, excerpt(spec.source))
        elif spec.kind == "value":
            arr = np.array(spec.args[0], dtype=float)
            env[spec.name] = float(arr) if arr.ndim == 0 else arr
        elif spec.kind == "expr":
            exprs = tuple(
                parse_expr(interpolate_expr(t, env, f"{key}.expr"), spec.variables, f"{key}.expr")
                for t in spec.texts
            )
            env[spec.name] = Function(exprs, canonical_names(spec.variables), spec.vector)
        else:
            env[spec.name] = _draw_random(spec, rng, key, env)
    return env


# --- expressions --------------------------------------------------------------------------------


def canonical_names(variables: Iterable[str]) -> tuple[str, ...]:
    """Declared variable names as the parser reads them: ["ŷ", "y"] is ("y_hat", "y")."""
    return tuple(canonical_name(str(v)) for v in variables)


def parse_expr(text: str, variables: Iterable[str] | None, key: str) -> Expr:
    """Parse an author's expression; ExerciseError naming `key` if it cannot be read or uses
    a name outside `variables` (None: any name is a variable)."""
    if variables is not None:
        variables = canonical_names(variables)
    try:
        expr = parse(text, variables=list(variables)) if variables is not None else parse(text)
    except ParseError as exc:
        raise ExerciseError(f'{key} = "{excerpt(text)}" cannot be read: {exc}') from None
    except RecursionError:
        raise ExerciseError(f'{key} = "{excerpt(text)}" is nested too deeply to be read') from None
    if variables is not None:
        extra = sorted(set(expr.free_variables()) - set(variables))
        if extra:
            raise ExerciseError(
                f'{key} = "{text}" uses {", ".join(extra)}, not among the variables '
                f"{list(variables)}"
            )
    return expr


# --- a lesson's and a step's parameters ----------------------------------------------------------


_LESSON_ENVS: dict[tuple[int, int, int], tuple[Lesson, dict[str, Any]]] = {}
_LESSON_ENVS_MAX = 256


def variant_parts(variant: int) -> tuple[str, ...]:
    """What a fresh variant adds to the ids a generator is seeded from (nothing for the first,
    so variant 0 draws exactly what a learner has always seen)."""
    return (f"variant {int(variant)}",) if variant else ()


MAX_DRAWS = 200
"""Draws tried for the `require` constraints to hold before the step is called undrawable."""


def _draw_until(
    specs: tuple[ParamSpec, ...],
    require: tuple[Constraint, ...],
    seed: int,
    ids: tuple[str, ...],
    base: dict[str, Any],
) -> tuple[dict[str, Any], int]:
    """Draw `specs` (after `base`) until every constraint holds: (the parameters, how many
    draws it took). The first draw is the one a lesson without constraints makes; the others
    come from the same seed, so a learner's numbers never change between runs."""
    failed = [0] * len(require)
    for attempt in range(MAX_DRAWS):
        parts = (*ids, f"draw {attempt}") if attempt else ids
        env = draw_params(specs, rng_for(seed, *parts), dict(base))
        broken = next((i for i, c in enumerate(require) if not _holds(c, env, i)), None)
        if broken is None:
            return env, attempt + 1
        failed[broken] += 1
    worst = max(range(len(require)), key=failed.__getitem__)
    raise ExerciseError(
        f'require[{worst + 1}] = "{require[worst].text}" did not hold in {MAX_DRAWS} draws: '
        "it may never hold for these parameters"
    )


def _holds(constraint: Constraint, env: dict[str, Any], index: int) -> bool:
    try:
        return holds(constraint.node, env, QUANTITIES)
    except CallError as exc:
        raise ExerciseError(f'require[{index + 1}] = "{constraint.text}": {exc}') from None


def lesson_env(lesson: Lesson, seed: int, variant: int = 0) -> dict[str, Any]:
    """The lesson-wide parameters for this seed (a fresh dict; arrays in it are read-only).

    Every step of a lesson needs them, so they are drawn once per (lesson, seed, variant) and
    kept. A variant redraws them too: a step built on the lesson's numbers changes with it.
    """
    key = (id(lesson), int(seed), int(variant))
    hit = _LESSON_ENVS.get(key)
    if hit is not None and hit[0] is lesson:
        return dict(hit[1])
    try:
        env, _draws = _draw_until(
            lesson.params, lesson.require, seed, (lesson.id, *variant_parts(variant)), {}
        )
    except ExerciseError as exc:
        raise ExerciseError(str(exc), in_step=False) from None
    for value in env.values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    if len(_LESSON_ENVS) >= _LESSON_ENVS_MAX:
        _LESSON_ENVS.clear()
    _LESSON_ENVS[key] = (lesson, env)
    return dict(env)


def step_env(lesson: Lesson, step: Step, seed: int, variant: int = 0) -> dict[str, Any]:
    """The lesson's parameters plus the step's own, drawn for this seed (and variant)."""
    ids = (lesson.id, step.id, *variant_parts(variant))
    return _draw_until(step.params, step.require, seed, ids, lesson_env(lesson, seed, variant))[0]


def draws_needed(lesson: Lesson, step: Step | None, seed: int) -> int:
    """How many draws the lesson's (or, given a step, the step's) constraints took for this
    seed: `lessons check` reports constraints that reject more than a few percent."""
    if step is None:
        return _draw_until(lesson.params, lesson.require, seed, (lesson.id,), {})[1]
    base = lesson_env(lesson, seed)
    return _draw_until(step.params, step.require, seed, (lesson.id, step.id), base)[1]

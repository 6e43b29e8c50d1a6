"""Reading lesson TOML strictly: a `Reader` per table whose every error names the file, the step
and the key; the small type checks the loader and the code kind share; and the `params` tables
(`read_params`), which the steps and the code kind's cases both use.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from bptutor.engine.answers.expr import Var
from bptutor.engine.answers.parser import ParseError, canonical_name, parse
from bptutor.engine.course.calls import CallError, Node, parse_call, uses_infix
from bptutor.engine.course.model import (
    FORMAT_VERSION,
    MAX_DIMS,
    MAX_ENTRIES,
    MAX_MAGNITUDE,
    MAX_ROUND,
    Constraint,
    LessonError,
    ParamSpec,
    excerpt,
)

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DISTRIBUTIONS = ("int", "uniform", "normal", "choice", "value", "expr")
RESERVED_NAMES = frozenset({"answer"})


class Reader:
    """Validates one TOML table at a time, producing messages with the right context."""

    def __init__(self, where: str, version: int = FORMAT_VERSION) -> None:
        self.where = where  # e.g. 'lessons/02_partials.toml: step "dg-dy"'
        self.version = version  # the course's format_version

    def at(self, where: str) -> Reader:
        """A reader for a table inside this one (same format version)."""
        return Reader(where, self.version)

    def computation(self, text: str, key: str, *, constraint: bool = False) -> Node:
        """Parse a computation (or a `require` constraint); infix maths needs format 2."""
        try:
            node = parse_call(text, constraint=constraint)
        except CallError as exc:
            raise self.fail(key, f'= "{excerpt(text)}": {exc}') from None
        if self.version < 2 and uses_infix(node):
            raise self.fail(
                key,
                f'= "{excerpt(text)}" is written in infix maths, which needs format 2: set '
                "format_version = 2 in index.toml (format 1 writes calls, like sub(a, b))",
            )
        return node

    def constraints(self, table: dict[str, Any]) -> tuple[Constraint, ...]:
        """`require = ["abs(rho - 1) >= 0.03", ...]` (format 2)."""
        texts = self.strings(table, "require")
        if texts is None:
            return ()
        if self.version < 2:
            raise self.fail("require", "needs format_version = 2 in index.toml")
        return tuple(
            Constraint(text, self.computation(text, f"require[{i}]", constraint=True))
            for i, text in enumerate(texts, 1)
        )

    def fail(self, key: str, message: str) -> LessonError:
        return LessonError(f"{self.where}: {key} {message}" if key else f"{self.where}: {message}")

    def keys(self, table: dict[str, Any], allowed: tuple[str, ...], prefix: str = "") -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(
                    "",
                    f'unknown key "{prefix}{key}" (expected one of: {", ".join(allowed)})',
                )

    def string(
        self, table: dict[str, Any], key: str, prefix: str = "", required: bool = True
    ) -> str | None:
        if key not in table:
            if required:
                raise self.fail(f"{prefix}{key}", "is missing (expected a string)")
            return None
        value = table[key]
        if not isinstance(value, str):
            raise self.fail(f"{prefix}{key}", f"must be a string, got {type_name(value)}")
        return value

    def strings(self, table: dict[str, Any], key: str, prefix: str = "") -> tuple[str, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{prefix}{key}", f"must be a list of strings, got {type_name(value)}")
        return tuple(value)

    def mistake(self, entry: Any, key: str, declared: list[str]) -> tuple[str, str]:
        """(name, message) of one `{ name, answer, message }` table of `mistakes` (the answer is
        the caller's: every kind reads it its own way); `declared`: the names before it."""
        if not isinstance(entry, dict):
            raise self.fail(
                key, f"must be a table {{ name, answer, message }}, got {type_name(entry)}"
            )
        self.keys(entry, ("name", "answer", "message"), f"{key}.")
        name = self.string(entry, "name", f"{key}.")
        message = self.string(entry, "message", f"{key}.")
        assert name is not None and message is not None
        if not message.strip():
            raise self.fail(f"{key}.message", "is empty (say what went wrong)")
        if name in declared:
            raise self.fail(f"{key}.name", f'"{name}" is declared twice')
        return name, message

    def ident(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string id, got {type_name(value)}")
        if not ID_PATTERN.match(value):
            raise self.fail(
                key,
                f'"{value}" is not a valid id (lower-case letters, digits, - and _, '
                "starting with a letter or digit)",
            )
        return value


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f'the string "{value}"'
    return f"{type(value).__name__} {value!r}"


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def read_params(r: Reader, table: Any, key: str) -> tuple[ParamSpec, ...]:
    if not isinstance(table, dict):
        raise r.fail(key, f"must be a table of parameters, got {type_name(table)}")
    out = []
    for name, spec in table.items():
        out.append(read_param(r, name, spec, f"{key}.{name}"))
    return tuple(out)


def read_param(r: Reader, name: str, spec: Any, key: str) -> ParamSpec:
    if not NAME_PATTERN.match(name):
        raise r.fail(key, "is not a valid parameter name (letters, digits and _)")
    if name in RESERVED_NAMES:
        raise r.fail(key, f'uses the reserved name "{name}"')
    if isinstance(spec, str):
        return ParamSpec(name, "compute", call=r.computation(spec, key), source=spec)
    if not isinstance(spec, dict):
        raise r.fail(
            key,
            "must be a table such as { int = [-3, 3] } or a computation string, "
            f"got {type_name(spec)}",
        )
    dists = [d for d in DISTRIBUTIONS if d in spec]
    if len(dists) != 1:
        raise r.fail(key, f"needs exactly one of {', '.join(DISTRIBUTIONS)}")
    dist = dists[0]
    if dist == "expr":
        r.keys(spec, ("expr", "variables"), f"{key}.")
        texts = spec["expr"]
        vector = isinstance(texts, list)
        texts = texts if vector else [texts]
        if not texts or not all(isinstance(t, str) for t in texts):
            raise r.fail(f"{key}.expr", "must be an expression string or a list of them")
        variables = r.strings(spec, "variables", f"{key}.")
        if not variables:
            raise r.fail(f"{key}.variables", 'is missing (expected a list such as ["x", "y"])')
        for v in variables:
            if not is_variable_name(v):
                raise r.fail(f"{key}.variables", f'"{v}" is not a valid variable name')
        return ParamSpec(name, "expr", texts=tuple(texts), variables=variables, vector=vector)
    if dist == "value":
        r.keys(spec, ("value",), f"{key}.")
        value = spec["value"]
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise r.fail(
                f"{key}.value", "must be a number or a rectangular list of numbers"
            ) from None
        if arr.ndim > MAX_DIMS or arr.size > MAX_ENTRIES:
            raise r.fail(f"{key}.value", too_big(arr.shape, arr.size))
        if contains_bool(value):
            raise r.fail(f"{key}.value", "must hold numbers, not booleans")
        check_magnitudes(r, f"{key}.value", arr.reshape(-1).tolist())
        return ParamSpec(name, "value", args=(arr,))
    r.keys(spec, (dist, "shape", "round", "nonzero", "exclude"), f"{key}.")
    args = spec[dist]
    if dist in ("int", "uniform", "normal"):
        if not isinstance(args, list) or len(args) != 2 or not all(is_number(a) for a in args):
            raise r.fail(f"{key}.{dist}", f"must be a list of two numbers, got {type_name(args)}")
        lo, hi = args
        if dist == "int" and not all(isinstance(a, int) for a in args):
            raise r.fail(f"{key}.int", "must be two whole numbers [low, high]")
        if dist in ("int", "uniform") and lo > hi:
            raise r.fail(f"{key}.{dist}", f"has low {lo} above high {hi}")
        if dist == "normal" and hi < 0:
            raise r.fail(f"{key}.normal", "must be [mean, standard deviation ≥ 0]")
        check_magnitudes(r, f"{key}.{dist}", args)
    else:  # choice
        ok = (
            isinstance(args, list)
            and args
            and (all(is_number(a) for a in args) or all(isinstance(a, str) for a in args))
        )
        if not ok:
            raise r.fail(f"{key}.choice", "must be a non-empty list of numbers or of strings")
        if is_number(args[0]):
            check_magnitudes(r, f"{key}.choice", args)
    shape = None
    if "shape" in spec:
        s = spec["shape"]
        if (
            not isinstance(s, list)
            or not s
            or not all(
                (isinstance(n, int) and not isinstance(n, bool) and n > 0)
                or (isinstance(n, str) and NAME_PATTERN.match(n))
                for n in s
            )
        ):
            raise r.fail(
                f"{key}.shape",
                "must be a list of positive whole numbers or parameter names, like [2, 3] or "
                '["m", "n"]',
            )
        if dist == "choice" and isinstance(args[0], str):
            raise r.fail(f"{key}.shape", "cannot be used with a choice of strings")
        size = 1
        for n in s:  # a named size is checked once it is drawn (params.py)
            size *= n if isinstance(n, int) else 1
        if len(s) > MAX_DIMS or size > MAX_ENTRIES:
            raise r.fail(f"{key}.shape", too_big(tuple(s), size))
        shape = tuple(s)
    rnd = spec.get("round")
    if rnd is not None and (
        not isinstance(rnd, int) or isinstance(rnd, bool) or not 0 <= rnd <= MAX_ROUND
    ):
        raise r.fail(f"{key}.round", f"must be a whole number of decimals from 0 to {MAX_ROUND}")
    nonzero = spec.get("nonzero", False)
    if not isinstance(nonzero, bool):
        raise r.fail(f"{key}.nonzero", "must be true or false")
    exclude = spec.get("exclude", [])
    if not isinstance(exclude, list) or not all(is_number(e) for e in exclude):
        raise r.fail(f"{key}.exclude", "must be a list of numbers")
    return ParamSpec(
        name,
        dist,
        args=tuple(args),
        shape=shape,
        round=rnd,
        nonzero=nonzero,
        exclude=tuple(float(e) for e in exclude),
    )


def too_big(shape: tuple[int, ...], size: int) -> str:
    dims = "×".join(str(n) for n in shape) if len(shape) <= 6 else f"{len(shape)}-dimensional"
    return (
        f"is {dims} ({size:,} entries); a lesson may draw or fix at most {MAX_ENTRIES} "
        f"entries in at most {MAX_DIMS} dimensions"
    )


def check_magnitudes(r: Reader, key: str, values: list[Any]) -> None:
    for v in values:
        if not (abs(v) <= MAX_MAGNITUDE):  # also refuses nan and inf
            raise r.fail(key, f"has {v}; numbers must be finite and within ±{MAX_MAGNITUDE:.0e}")


def canonical(name: str | None) -> str | None:
    return None if name is None else canonical_name(name)


def is_variable_name(name: str) -> bool:
    """A name the expression parser reads as one variable: x, y1, W_2, or ŷ (read as y_hat)."""
    if NAME_PATTERN.match(name):
        return True
    try:
        parsed = parse(name, variables=None)
    except ParseError:
        return False
    return isinstance(parsed, Var) and parsed.name == canonical(name)


def contains_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, list):
        return any(contains_bool(v) for v in value)
    return False

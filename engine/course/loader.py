"""Loading a course: index.toml plus one TOML file per lesson, validated strictly.

Lessons are data. Every key is checked (a typo is an error, never silently ignored), every
error names the file, the lesson or step id and the key, and a broken lesson is left out and
described in `Course.errors` without taking the others down. After the structure is read, every
step is drawn once (seed 0) so that undefined parameters, unknown computations and shape
mismatches are caught at load time too. The format is documented in lessons/README.md.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import replace
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
from bptutor.engine.answers.expr import ParseError, Var, canonical_name, parse
from bptutor.engine.course.calls import CallError, parse_call
from bptutor.engine.course.controls import CONTROL, caret
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.model import (
    EXERCISE_KINDS,
    FORMAT_VERSION,
    LETTERS,
    MAX_DIMS,
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    MAX_MAGNITUDE,
    MAX_NESTING,
    MAX_ROUND,
    Course,
    ExerciseError,
    ExerciseSpec,
    Lesson,
    LessonError,
    MistakeSpec,
    ParamSpec,
    Step,
    excerpt,
)

__all__ = ["builtin_course_dir", "load_course", "load_lesson"]

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DISTRIBUTIONS = ("int", "uniform", "normal", "choice", "value", "expr")
RESERVED_NAMES = frozenset({"answer"})

_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "derivative": ("function", "wrt", "variables", "mistakes"),
    "expression": ("answer", "variables", "mistakes"),
    "value": ("answer", "rtol", "atol", "mistakes"),
    "vector": ("answer", "shape", "rtol", "atol", "mistakes"),
    "matrix": ("answer", "shape", "rtol", "atol", "mistakes"),
    "choice": ("options", "correct", "feedback", "shuffle"),
    "train": (
        "dataset",
        "hidden",
        "activation",
        "learning_rate",
        "epochs",
        "batch_size",
        "biases",
        "seed",
    ),
}
_TRAIN_TYPES: dict[str, type | tuple[type, ...]] = {
    "dataset": str,
    "hidden": int,
    "activation": str,
    "learning_rate": (int, float),
    "epochs": int,
    "batch_size": int,
    "biases": bool,
    "seed": int,
}


def builtin_course_dir() -> Path:
    """The folder of the built-in course (shipped as package data of bptutor.lessons)."""
    return Path(str(files("bptutor.lessons")))


# --- reading ------------------------------------------------------------------------------------


def _label(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def _read_text(path: Path, label: str) -> str:
    """A lesson file's text. Only a regular file is opened (a named pipe or /dev/zero never
    blocks or floods the loader), at most MAX_FILE_BYTES of it."""
    limit = f"a course file may have at most {MAX_FILE_BYTES // 2**20} MiB"
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise LessonError(f"{label}: is not a regular file ({_file_kind(info.st_mode)})")
        if info.st_size > MAX_FILE_BYTES:
            raise LessonError(f"{label}: is too large ({info.st_size:,} bytes; {limit})")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):  # swapped since the stat above
                raise LessonError(f"{label}: is not a regular file ({_file_kind(info.st_mode)})")
            raw = fh.read(MAX_FILE_BYTES + 1)
    except LessonError:
        raise
    except FileNotFoundError:
        raise LessonError(f"{label}: file not found") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        reason = getattr(exc, "strerror", None) or exc
        raise LessonError(f"{label}: cannot read the file ({reason})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise LessonError(f"{label}: is too large ({limit})")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LessonError(f"{label}: not UTF-8 text") from None


def _parse_toml(text: str, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(f"{label}: invalid TOML: {exc}") from None
    except RecursionError:
        raise LessonError(
            f"{label}: {_deep_spot(text)}is nested too deeply to be read "
            f"(at most {MAX_NESTING} levels of lists and tables)"
        ) from None


_KEY_BEFORE_EQUALS = re.compile(r"([^=\n]{1,100}?)\s*=")


def _deep_spot(text: str) -> str:
    """'key "k" at line n: ' for the first value nested deeper than MAX_NESTING, else ''.

    A rough scan (strings and comments skipped, brackets counted), run only after tomllib gave
    up, so that the message names the key.
    """
    depth, key, key_line, line, i, n = 0, "", 0, 1, 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            line, line_start, i = line + 1, True, i + 1
            continue
        if c in " \t\r":
            i += 1
            continue
        if line_start and depth == 0 and c not in "[#":
            m = _KEY_BEFORE_EQUALS.match(text, i)
            if m:
                key, key_line = m.group(1).strip(), line
        line_start = False
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        for quote in ('"""', "'''"):
            if text.startswith(quote, i):
                end = text.find(quote, i + 3)
                end = n if end < 0 else end + 3
                line += text.count("\n", i, end)
                i = end
                break
        else:
            if c in "\"'":
                j = i + 1
                while j < n and text[j] != c and text[j] != "\n":
                    j += 2 if c == '"' and text[j] == "\\" else 1
                i = j + 1
                continue
            if c in "[{":
                depth += 1
                if depth > MAX_NESTING and key:
                    return f'key "{caret(excerpt(key, 40))}" at line {key_line} '
            elif c in "]}":
                depth = max(0, depth - 1)
            i += 1
    return ""


def _show_controls(data: Any, label: str, top: Any) -> list[str]:
    """Show every control character in every string (and key) of the parsed file as ^X, in
    place; one warning per string that had any, naming the file, the step and the key."""
    warnings: list[str] = []
    todo: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while todo:
        node, path = todo.pop()
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        for key, value in items:
            where = (*path, key)
            if isinstance(key, str) and CONTROL.search(key):
                del node[key]
                key = caret(key)
                node[key] = value
                where = (*path, key)
                warnings.append(_control_warning(label, top, where, "its name"))
            if isinstance(value, str):
                if CONTROL.search(value):
                    node[key] = caret(value)
                    warnings.append(_control_warning(label, top, where, value))
            elif isinstance(value, dict | list):
                todo.append((value, where))
    return sorted(warnings)


def _control_warning(label: str, top: Any, path: tuple[str | int, ...], value: str) -> str:
    found = sorted({caret(c) for c in CONTROL.findall(value)}) if value != "its name" else []
    what = f" ({', '.join(found[:4])}{', …' if len(found) > 4 else ''})" if found else ""
    where = label
    if len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int):
        steps = top.get("steps") if isinstance(top, dict) else None
        step = steps[path[1]] if isinstance(steps, list) else None
        step_id = step.get("id") if isinstance(step, dict) else None
        name = f'"{step_id}"' if isinstance(step_id, str) else f"steps[{path[1] + 1}]"
        where, path = f"{label}: step {name}", path[2:]
    key = ""
    for part in path:
        key += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if key else part)
    subject = f"{key}'s name" if value == "its name" else key
    return (
        f"{where}: {subject} has control characters{what}; they are shown as ^X "
        "(write the text without them)"
    )


class _Reader:
    """Validates one TOML table at a time, producing messages with the right context."""

    def __init__(self, where: str) -> None:
        self.where = where  # e.g. 'lessons/02_partials.toml: step "dg-dy"'

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
            raise self.fail(f"{prefix}{key}", f"must be a string, got {_tname(value)}")
        return value

    def strings(self, table: dict[str, Any], key: str, prefix: str = "") -> tuple[str, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{prefix}{key}", f"must be a list of strings, got {_tname(value)}")
        return tuple(value)

    def ident(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string id, got {_tname(value)}")
        if not ID_PATTERN.match(value):
            raise self.fail(
                key,
                f'"{value}" is not a valid id (lower-case letters, digits, - and _, '
                "starting with a letter or digit)",
            )
        return value


def _tname(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f'the string "{value}"'
    return f"{type(value).__name__} {value!r}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _read_params(r: _Reader, table: Any, key: str) -> tuple[ParamSpec, ...]:
    if not isinstance(table, dict):
        raise r.fail(key, f"must be a table of parameters, got {_tname(table)}")
    out = []
    for name, spec in table.items():
        out.append(_read_param(r, name, spec, f"{key}.{name}"))
    return tuple(out)


def _read_param(r: _Reader, name: str, spec: Any, key: str) -> ParamSpec:
    if not NAME_PATTERN.match(name):
        raise r.fail(key, "is not a valid parameter name (letters, digits and _)")
    if name in RESERVED_NAMES:
        raise r.fail(key, f'uses the reserved name "{name}"')
    if isinstance(spec, str):
        try:
            call = parse_call(spec)
        except CallError as exc:
            raise r.fail(key, f'= "{excerpt(spec)}": {exc}') from None
        return ParamSpec(name, "compute", call=call, source=spec)
    if not isinstance(spec, dict):
        raise r.fail(
            key,
            "must be a table such as { int = [-3, 3] } or a computation string, "
            f"got {_tname(spec)}",
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
            if not _is_variable_name(v):
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
            raise r.fail(f"{key}.value", _too_big(arr.shape, arr.size))
        if _contains_bool(value):
            raise r.fail(f"{key}.value", "must hold numbers, not booleans")
        _check_magnitudes(r, f"{key}.value", arr.reshape(-1).tolist())
        return ParamSpec(name, "value", args=(arr,))
    r.keys(spec, (dist, "shape", "round", "nonzero", "exclude"), f"{key}.")
    args = spec[dist]
    if dist in ("int", "uniform", "normal"):
        if not isinstance(args, list) or len(args) != 2 or not all(_is_number(a) for a in args):
            raise r.fail(f"{key}.{dist}", f"must be a list of two numbers, got {_tname(args)}")
        lo, hi = args
        if dist == "int" and not all(isinstance(a, int) for a in args):
            raise r.fail(f"{key}.int", "must be two whole numbers [low, high]")
        if dist in ("int", "uniform") and lo > hi:
            raise r.fail(f"{key}.{dist}", f"has low {lo} above high {hi}")
        if dist == "normal" and hi < 0:
            raise r.fail(f"{key}.normal", "must be [mean, standard deviation ≥ 0]")
        _check_magnitudes(r, f"{key}.{dist}", args)
    else:  # choice
        ok = (
            isinstance(args, list)
            and args
            and (all(_is_number(a) for a in args) or all(isinstance(a, str) for a in args))
        )
        if not ok:
            raise r.fail(f"{key}.choice", "must be a non-empty list of numbers or of strings")
        if _is_number(args[0]):
            _check_magnitudes(r, f"{key}.choice", args)
    shape = None
    if "shape" in spec:
        s = spec["shape"]
        if (
            not isinstance(s, list)
            or not s
            or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in s)
        ):
            raise r.fail(f"{key}.shape", "must be a list of positive whole numbers, like [2, 3]")
        if dist == "choice" and isinstance(args[0], str):
            raise r.fail(f"{key}.shape", "cannot be used with a choice of strings")
        size = 1
        for n in s:
            size *= n
        if len(s) > MAX_DIMS or size > MAX_ENTRIES:
            raise r.fail(f"{key}.shape", _too_big(tuple(s), size))
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
    if not isinstance(exclude, list) or not all(_is_number(e) for e in exclude):
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


def _too_big(shape: tuple[int, ...], size: int) -> str:
    dims = "×".join(str(n) for n in shape) if len(shape) <= 6 else f"{len(shape)}-dimensional"
    return (
        f"is {dims} ({size:,} entries); a lesson may draw or fix at most {MAX_ENTRIES} "
        f"entries in at most {MAX_DIMS} dimensions"
    )


def _check_magnitudes(r: _Reader, key: str, values: list[Any]) -> None:
    for v in values:
        if not (abs(v) <= MAX_MAGNITUDE):  # also refuses nan and inf
            raise r.fail(key, f"has {v}; numbers must be finite and within ±{MAX_MAGNITUDE:.0e}")


def _canonical(name: str | None) -> str | None:
    return None if name is None else canonical_name(name)


def _is_variable_name(name: str) -> bool:
    """A name the expression parser reads as one variable: x, y1, W_2, or ŷ (read as y_hat)."""
    if NAME_PATTERN.match(name):
        return True
    try:
        parsed = parse(name, variables=None)
    except ParseError:
        return False
    return isinstance(parsed, Var) and parsed.name == _canonical(name)


def _contains_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, list):
        return any(_contains_bool(v) for v in value)
    return False


def _read_exercise(r: _Reader, table: Any) -> ExerciseSpec:
    if not isinstance(table, dict):
        raise r.fail("exercise", f"must be a table ([steps.exercise]), got {_tname(table)}")
    kind = table.get("kind")
    if kind is None:
        raise r.fail("exercise.kind", f"is missing (expected one of {', '.join(EXERCISE_KINDS)})")
    if kind not in EXERCISE_KINDS:
        shown = f'"{kind}"' if isinstance(kind, str) else _tname(kind)
        raise r.fail("exercise.kind", f"{shown} is not one of {', '.join(EXERCISE_KINDS)}")
    allowed = ("kind", "prompt", *_KIND_KEYS[kind])
    for key in table:
        if key not in allowed:
            raise r.fail(
                "",
                f'unknown key "exercise.{key}" for a {kind} exercise '
                f"(expected one of: {', '.join(allowed)})",
            )
    p = "exercise."
    prompt = r.string(table, "prompt", p, required=False)
    if kind == "train":
        train: dict[str, Any] = {}
        for key, value in table.items():
            if key in ("kind", "prompt"):
                continue
            want = _TRAIN_TYPES[key]
            if isinstance(value, bool) != (want is bool) or not isinstance(value, want):
                raise r.fail(f"{p}{key}", f"has the wrong type ({_tname(value)})")
            train[key] = value
        return ExerciseSpec(kind, prompt=prompt, train=train)
    if kind == "choice":
        options = r.strings(table, "options", p)
        if not options or len(options) < 2:
            raise r.fail(f"{p}options", "must list at least two options")
        if len(options) > 26:
            raise r.fail(f"{p}options", "may list at most 26 options")
        correct = table.get("correct")
        letters = LETTERS[: len(options)]
        if not isinstance(correct, str) or len(correct) != 1 or correct.lower() not in letters:
            raise r.fail(
                f"{p}correct", f'must be the letter of the right option, one of "{letters}"'
            )
        feedback = r.strings(table, "feedback", p) or ()
        if feedback and len(feedback) != len(options):
            raise r.fail(
                f"{p}feedback",
                f"must have one message per option ({len(options)}), has {len(feedback)}",
            )
        shuffle = table.get("shuffle", True)
        if not isinstance(shuffle, bool):
            raise r.fail(f"{p}shuffle", f"must be true or false, not {_tname(shuffle)}")
        return ExerciseSpec(
            kind,
            prompt=prompt,
            options=options,
            correct=letters.index(correct.lower()),
            feedback=feedback,
            shuffle=shuffle,
        )
    variables = r.strings(table, "variables", p)
    if variables is not None:
        for v in variables:
            if not _is_variable_name(v):
                raise r.fail(f"{p}variables", f'"{v}" is not a valid variable name')
    function = wrt = answer = None
    call = None
    if kind == "derivative":
        function = r.string(table, "function", p)
        wrt = r.string(table, "wrt", p)
        if variables is not None and _canonical(wrt) not in {_canonical(v) for v in variables}:
            raise r.fail(f"{p}wrt", f'"{wrt}" is not one of the variables {list(variables)}')
    else:
        answer = r.string(table, "answer", p)
    if kind == "expression" and variables is None:
        raise r.fail(f"{p}variables", 'is missing (expected a list such as ["x"])')
    if kind in ("value", "vector", "matrix"):
        try:
            call = parse_call(answer or "")
        except CallError as exc:
            raise r.fail(f"{p}answer", f'= "{excerpt(answer or "")}": {exc}') from None
    shape = None
    if "shape" in table:
        s = table["shape"]
        want = 1 if kind == "vector" else 2
        if (
            not isinstance(s, list)
            or len(s) != want
            or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in s)
        ):
            example = "[3]" if want == 1 else "[2, 3]"
            raise r.fail(
                f"{p}shape",
                f"must be {want} positive whole number(s) for a {kind}, like {example}",
            )
        shape = tuple(s)
    tols = {}
    for key in ("rtol", "atol"):
        if key in table:
            if not _is_number(table[key]) or table[key] < 0:
                raise r.fail(f"{p}{key}", "must be a number ≥ 0")
            tols[key] = float(table[key])
    mistakes = _read_mistakes(r, table.get("mistakes", []), kind)
    return ExerciseSpec(
        kind,
        prompt=prompt,
        function=function,
        wrt=wrt,
        variables=variables,
        answer=answer,
        call=call,
        shape=shape,
        mistakes=mistakes,
        **tols,
    )


def _read_mistakes(r: _Reader, table: Any, kind: str) -> tuple[MistakeSpec, ...]:
    if not isinstance(table, list):
        raise r.fail("exercise.mistakes", "must be a list of tables { name, answer, message }")
    out: list[MistakeSpec] = []
    for i, m in enumerate(table, 1):
        key = f"exercise.mistakes[{i}]"
        if not isinstance(m, dict):
            raise r.fail(key, f"must be a table {{ name, answer, message }}, got {_tname(m)}")
        r.keys(m, ("name", "answer", "message"), f"{key}.")
        name = r.string(m, "name", f"{key}.")
        answer = r.string(m, "answer", f"{key}.")
        message = r.string(m, "message", f"{key}.")
        assert name is not None and answer is not None and message is not None
        if not message.strip():
            raise r.fail(f"{key}.message", "is empty (say what went wrong)")
        if any(x.name == name for x in out):
            raise r.fail(f"{key}.name", f'"{name}" is declared twice')
        call = None
        if kind in ("value", "vector", "matrix"):
            try:
                call = parse_call(answer)
            except CallError as exc:
                raise r.fail(f"{key}.answer", f'= "{excerpt(answer)}": {exc}') from None
        out.append(MistakeSpec(name, answer, message, call))
    return tuple(out)


def _read_step(file_label: str, lesson_id: str, table: Any, index: int) -> Step:
    r = _Reader(f'{file_label}: lesson "{lesson_id}": steps[{index}]')
    if not isinstance(table, dict):
        raise r.fail("", "must be a table ([[steps]])")
    if "id" not in table:
        raise r.fail("id", "is missing (every step needs a stable id)")
    step_id = r.ident(table["id"], "id")
    r = _Reader(f'{file_label}: step "{step_id}"')
    r.keys(table, ("id", "title", "text", "hints", "explanation", "params", "exercise"))
    title = r.string(table, "title")
    text = r.string(table, "text")
    hints = r.strings(table, "hints") or ()
    explanation = r.string(table, "explanation", required=False) or ""
    params = _read_params(r, table["params"], "params") if "params" in table else ()
    exercise = _read_exercise(r, table["exercise"]) if "exercise" in table else None
    assert title is not None and text is not None
    return Step(step_id, title, text, hints, explanation, params, exercise)


def load_lesson(path: Path) -> Lesson:
    """Read and validate one lesson file; raises LessonError with a complete message."""
    label = _label(path)
    data = _parse_toml(_read_text(path, label), label)
    warnings = _show_controls(data, label, data)
    try:
        lesson = _lesson_from(data, label, path)
    except RecursionError:  # a computation or expression too deep for the engine
        raise LessonError(f"{label}: a value is nested too deeply to be read") from None
    return replace(lesson, warnings=tuple(warnings)) if warnings else lesson


def _lesson_from(data: dict[str, Any], label: str, path: Path) -> Lesson:
    r = _Reader(label)
    if "id" not in data:
        raise r.fail("id", "is missing (every lesson needs a stable id)")
    lesson_id = r.ident(data["id"], "id")
    r = _Reader(f'{label}: lesson "{lesson_id}"')
    r.keys(data, ("id", "title", "summary", "params", "steps"))
    title = r.string(data, "title")
    summary = r.string(data, "summary")
    params = _read_params(r, data["params"], "params") if "params" in data else ()
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise r.fail("steps", "is missing or empty (expected [[steps]] tables)")
    steps: list[Step] = []
    for i, table in enumerate(steps_raw, 1):
        step = _read_step(label, lesson_id, table, i)
        if any(s.id == step.id for s in steps):
            raise LessonError(f'{label}: lesson "{lesson_id}": step id "{step.id}" is used twice')
        lesson_names = {p.name for p in params}
        for p in step.params:
            if p.name in lesson_names:
                raise LessonError(
                    f'{label}: step "{step.id}": params.{p.name} is already a lesson parameter'
                )
        steps.append(step)
    assert title is not None and summary is not None
    lesson = Lesson(lesson_id, title, summary, tuple(steps), params, path)
    _validate_by_drawing(lesson, label)
    return lesson


def _validate_by_drawing(lesson: Lesson, label: str) -> None:
    """Draw every step once, so that undefined names and shape mismatches fail now."""
    for step in lesson.steps:
        try:
            draw(lesson, step, 0)
        except ExerciseError as exc:
            where = f'step "{step.id}"' if exc.in_step else f'lesson "{lesson.id}"'
            raise LessonError(f"{label}: {where}: {exc}") from None
        except Exception as exc:  # an engine bug must not take the other lessons down
            raise LessonError(
                f'{label}: step "{step.id}": cannot be drawn ({type(exc).__name__}: {exc})'
            ) from None


def load_course(path: Path | str | None = None) -> Course:
    """Load a course folder (None: the built-in course). Never raises: whatever is wrong is
    described in `Course.errors`, and a broken lesson never takes the others down."""
    folder = builtin_course_dir() if path is None else Path(path)
    if not folder.is_dir():
        return Course("", (), (f"{folder} is not a directory.",), folder)
    index_path = folder / "index.toml"
    label = _label(index_path)
    try:
        data = _parse_toml(_read_text(index_path, label), label)
    except LessonError as exc:
        message = str(exc)
        if message.endswith("file not found"):
            message += " (a course needs an index.toml)"
        return Course("", (), (message,), folder)
    warnings = _show_controls(data, label, data)
    errors: list[str] = []
    r = _Reader(label)
    try:
        r.keys(data, ("format_version", "title", "lessons"))
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise r.fail("format_version", f"must be {FORMAT_VERSION}, got {version!r}")
        title = r.string(data, "title") or ""
        names = r.strings(data, "lessons")
        if not names:
            raise r.fail("lessons", "is missing or empty (expected a list of lesson file names)")
    except LessonError as exc:
        return Course("", (), (str(exc),), folder, tuple(warnings))
    lessons: list[Lesson] = []
    seen_files: set[str] = set()
    for name in names:
        file_name = name if name.endswith(".toml") else f"{name}.toml"
        if name.startswith(".") or any(c in name for c in "/\\") or not name.strip():
            errors.append(
                f'{label}: lessons entry "{excerpt(name)}" is not allowed: an entry is a file '
                "name in the course folder (no path separator, not starting with a dot)"
            )
            continue
        if file_name in seen_files:
            errors.append(f'{label}: lessons lists "{name}" twice')
            continue
        seen_files.add(file_name)
        try:
            lesson = load_lesson(folder / file_name)
        except LessonError as exc:
            errors.append(str(exc))
            continue
        except Exception as exc:  # an engine bug must not take the other lessons down
            errors.append(
                f"{_label(folder / file_name)}: could not be loaded ({type(exc).__name__}: {exc})"
            )
            continue
        if any(other.id == lesson.id for other in lessons):
            errors.append(
                f'{_label(folder / file_name)}: lesson id "{lesson.id}" is already used by '
                "another lesson"
            )
            continue
        lessons.append(lesson)
        warnings.extend(lesson.warnings)
    return Course(title, tuple(lessons), tuple(errors), folder, tuple(warnings))

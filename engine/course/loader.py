"""Loading a course: index.toml plus one TOML file per lesson, validated strictly.

Lessons are data. Every key is checked (a typo is an error, never silently ignored), every
error names the file, the lesson or step id and the key, and a broken lesson is left out and
described in `Course.errors` without taking the others down. After the structure is read, every
step is drawn once (seed 0) so that undefined parameters, unknown computations and shape
mismatches are caught at load time too. The format is documented in lessons/README.md.
The key-by-key reading (`Reader`) and the `params` tables live in `reader`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from bptutor.engine.course.calls import names_used
from bptutor.engine.course.code_format import CODE_KEYS, FILE_PATTERN, read_code_exercise
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.model import (
    EXERCISE_KINDS,
    FORMAT_VERSION,
    LETTERS,
    Course,
    ExerciseError,
    ExerciseSpec,
    GradientsSpec,
    Lesson,
    LessonError,
    MistakeSpec,
    Step,
    excerpt,
)
from bptutor.engine.course.outline import (
    builtin_course_dir,
    label,
    parse_toml,
    read_index,
    read_text,
    show_controls,
)
from bptutor.engine.course.reader import (
    NAME_PATTERN,
    Reader,
    canonical,
    is_number,
    is_variable_name,
    read_params,
    type_name,
)

__all__ = ["builtin_course_dir", "load_course", "load_lesson"]  # builtin_course_dir: from outline

_TRAIN_TYPES: dict[str, type | tuple[type, ...]] = {
    "dataset": str,
    "hidden": (int, list),  # one hidden layer's size, or a list of sizes: [8, 8]
    "activation": str,
    "learning_rate": (int, float),
    "epochs": int,
    "batch_size": int,
    "biases": bool,
    "seed": int,
    "loss": str,
}

_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "derivative": ("function", "wrt", "variables", "mistakes"),
    "expression": ("answer", "variables", "mistakes"),
    "value": ("answer", "integer", "rtol", "atol", "mistakes"),
    "vector": ("answer", "shape", "rtol", "atol", "mistakes"),
    "matrix": ("answer", "shape", "rtol", "atol", "mistakes"),
    "choice": ("options", "correct", "feedback", "shuffle"),
    "graph": ("inputs", "nodes", "ask", "rtol", "atol", "mistakes"),
    "train": (*_TRAIN_TYPES, "gradients"),  # the run options, and the learner's backward
    "code": CODE_KEYS,  # the code kind reads itself: engine/course/code_format.py
}


def _read_exercise(r: Reader, table: Any) -> ExerciseSpec:
    if not isinstance(table, dict):
        raise r.fail("exercise", f"must be a table ([steps.exercise]), got {type_name(table)}")
    kind = table.get("kind")
    if kind is None:
        raise r.fail("exercise.kind", f"is missing (expected one of {', '.join(EXERCISE_KINDS)})")
    if kind not in EXERCISE_KINDS:
        shown = f'"{kind}"' if isinstance(kind, str) else type_name(kind)
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
    if kind == "code":
        return read_code_exercise(r, table, prompt)
    if kind == "train":
        train: dict[str, Any] = {}
        gradients = _read_gradients(r, table["gradients"]) if "gradients" in table else None
        for key, value in table.items():
            if key in ("kind", "prompt", "gradients"):
                continue
            want = _TRAIN_TYPES[key]
            if isinstance(value, bool) != (want is bool) or not isinstance(value, want):
                raise r.fail(f"{p}{key}", f"has the wrong type ({type_name(value)})")
            train[key] = value
        return ExerciseSpec(kind, prompt=prompt, train=train, gradients=gradients)
    if kind == "graph":
        return _read_graph(r, table, prompt)
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
            raise r.fail(f"{p}shuffle", f"must be true or false, not {type_name(shuffle)}")
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
            if not is_variable_name(v):
                raise r.fail(f"{p}variables", f'"{v}" is not a valid variable name')
    function = wrt = answer = None
    call = None
    if kind == "derivative":
        function = r.string(table, "function", p)
        wrt = r.string(table, "wrt", p)
        if variables is not None and canonical(wrt) not in {canonical(v) for v in variables}:
            raise r.fail(f"{p}wrt", f'"{wrt}" is not one of the variables {list(variables)}')
    else:
        answer = r.string(table, "answer", p)
    if kind == "expression" and variables is None:
        raise r.fail(f"{p}variables", 'is missing (expected a list such as ["x"])')
    if kind in ("value", "vector", "matrix"):
        call = r.computation(answer or "", f"{p}answer")
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
    tols = _read_tolerances(r, table)
    integer = table.get("integer", False)
    if not isinstance(integer, bool):
        raise r.fail(f"{p}integer", f"must be true or false, not {type_name(integer)}")
    if integer and tols:
        raise r.fail(f"{p}integer", "a count is matched exactly: leave out rtol and atol")
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
        integer=integer,
        **tols,
    )


def _read_gradients(r: Reader, table: Any) -> GradientsSpec:
    """A train step's `gradients = { file = "backprop.py", function = "backward" }`."""
    key = "exercise.gradients"
    if not isinstance(table, dict):
        raise r.fail(
            key, f'must be a table {{ file = "...", function = "..." }}, not {type_name(table)}'
        )
    r.keys(table, ("file", "function"), f"{key}.")
    file = r.string(table, "file", f"{key}.")
    function = r.string(table, "function", f"{key}.")
    assert file is not None and function is not None
    if not FILE_PATTERN.match(file):
        raise r.fail(f"{key}.file", f'"{file}" is not a Python file name such as "backprop.py"')
    if not NAME_PATTERN.match(function):
        raise r.fail(f"{key}.function", f'"{function}" is not a Python function name')
    return GradientsSpec(file, function)


def _check_gradients(r: Reader, steps: list[Step]) -> None:
    """A step training with the learner's backward needs a code step before it (same lesson)
    that has the learner write that function in that file."""
    for i, step in enumerate(steps):
        g = step.exercise.gradients if step.exercise is not None else None
        if g is None:
            continue
        defined = any(
            s.exercise is not None
            and s.exercise.code is not None
            and (s.exercise.code.file, s.exercise.code.function) == (g.file, g.function)
            for s in steps[:i]
        )
        if not defined:
            raise r.fail(
                f'step "{step.id}": exercise.gradients',
                f"no code step before it has the learner write {g.function}(...) in {g.file}",
            )


def _read_tolerances(r: Reader, table: dict[str, Any]) -> dict[str, float]:
    tols = {}
    for key in ("rtol", "atol"):
        if key in table:
            if not is_number(table[key]) or table[key] < 0:
                raise r.fail(f"exercise.{key}", "must be a number ≥ 0")
            tols[key] = float(table[key])
    return tols


def _read_graph(r: Reader, table: dict[str, Any], prompt: str | None) -> ExerciseSpec:
    """inputs = ["x", "y"], nodes = ["q = x + y", "f = q*z"], ask = [...] (optional)."""
    inputs = r.strings(table, "inputs", "exercise.")
    if not inputs:
        raise r.fail("exercise.inputs", 'is missing (the parameters that feed the graph: ["x"])')
    raw = r.strings(table, "nodes", "exercise.")
    if not raw:
        raise r.fail("exercise.nodes", 'is missing (nodes in order, like ["q = x + y"])')
    names = list(inputs)
    for name in inputs:
        if not NAME_PATTERN.match(name):
            raise r.fail("exercise.inputs", f'"{name}" is not a valid name')
    nodes = []
    for i, text in enumerate(raw, 1):
        name, sep, expr = text.partition("=")
        name = name.strip()
        if not sep or not NAME_PATTERN.match(name) or not expr.strip():
            raise r.fail(f"exercise.nodes[{i}]", f'"{text}" must read "name = expression"')
        if name in names:
            raise r.fail(f"exercise.nodes[{i}]", f'"{name}" is already an input or a node')
        names.append(name)
        nodes.append((name, expr.strip()))
    ask = r.strings(table, "ask", "exercise.")
    if ask is not None:
        unknown = [a for a in ask if a not in names[:-1]]
        if unknown or not ask or len(set(ask)) != len(ask):
            raise r.fail(
                "exercise.ask",
                f"must list distinct inputs or nodes other than the output {names[-1]!r}"
                + (f" ({unknown[0]!r} is not one)" if unknown else ""),
            )
    return ExerciseSpec(
        "graph",
        prompt=prompt,
        inputs=inputs,
        nodes=tuple(nodes),
        ask=ask,
        mistakes=_read_mistakes(r, table.get("mistakes", []), "graph"),
        **_read_tolerances(r, table),
    )


def _read_mistakes(r: Reader, table: Any, kind: str) -> tuple[MistakeSpec, ...]:
    if not isinstance(table, list):
        raise r.fail("exercise.mistakes", "must be a list of tables { name, answer, message }")
    out: list[MistakeSpec] = []
    for i, m in enumerate(table, 1):
        key = f"exercise.mistakes[{i}]"
        name, message = r.mistake(m, key, [x.name for x in out])
        answer = r.string(m, "answer", f"{key}.")
        assert answer is not None
        call = None
        if kind in ("value", "vector", "matrix", "graph"):
            call = r.computation(answer, f"{key}.answer")
        out.append(MistakeSpec(name, answer, message, call))
    return tuple(out)


def _read_step(lr: Reader, file_label: str, lesson_id: str, table: Any, index: int) -> Step:
    r = lr.at(f'{file_label}: lesson "{lesson_id}": steps[{index}]')
    if not isinstance(table, dict):
        raise r.fail("", "must be a table ([[steps]])")
    if "id" not in table:
        raise r.fail("id", "is missing (every step needs a stable id)")
    step_id = r.ident(table["id"], "id")
    r = lr.at(f'{file_label}: step "{step_id}"')
    r.keys(table, ("id", "title", "text", "hints", "explanation", "params", "exercise", "require"))
    title = r.string(table, "title")
    text = r.string(table, "text")
    hints = r.strings(table, "hints") or ()
    explanation = r.string(table, "explanation", required=False) or ""
    params = read_params(r, table["params"], "params") if "params" in table else ()
    exercise = _read_exercise(r, table["exercise"]) if "exercise" in table else None
    assert title is not None and text is not None
    require = r.constraints(table)
    own = {p.name for p in params}
    for i, constraint in enumerate(require, 1):
        if not names_used(constraint.node) & own:
            raise r.fail(
                f"require[{i}]",
                f'= "{excerpt(constraint.text)}" uses none of the step\'s own parameters, so '
                "drawing the step again cannot change it: put it in the lesson's require",
            )
    return Step(step_id, title, text, hints, explanation, params, exercise, require)


def load_lesson(path: Path, *, validate: bool = True, version: int = FORMAT_VERSION) -> Lesson:
    """Read and check one lesson file (and, with `validate`, draw each of its steps once);
    raises LessonError with a complete message."""
    where = label(path)
    data = parse_toml(read_text(path, where), where)
    warnings = show_controls(data, where, data)
    try:
        lesson = _lesson_from(data, where, path, version)
    except RecursionError:  # a computation or expression too deep for the engine
        raise LessonError(f"{where}: a value is nested too deeply to be read") from None
    if validate:
        _validate_by_drawing(lesson, where)
    return replace(lesson, warnings=tuple(warnings)) if warnings else lesson


def _lesson_from(data: dict[str, Any], where: str, path: Path, version: int) -> Lesson:
    r = Reader(where, version)
    if "id" not in data:
        raise r.fail("id", "is missing (every lesson needs a stable id)")
    lesson_id = r.ident(data["id"], "id")
    r = r.at(f'{where}: lesson "{lesson_id}"')
    r.keys(data, ("id", "title", "summary", "params", "steps", "require"))
    title = r.string(data, "title")
    summary = r.string(data, "summary")
    params = read_params(r, data["params"], "params") if "params" in data else ()
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise r.fail("steps", "is missing or empty (expected [[steps]] tables)")
    steps: list[Step] = []
    for i, table in enumerate(steps_raw, 1):
        step = _read_step(r, where, lesson_id, table, i)
        if any(s.id == step.id for s in steps):
            raise LessonError(f'{where}: lesson "{lesson_id}": step id "{step.id}" is used twice')
        lesson_names = {p.name for p in params}
        for p in step.params:
            if p.name in lesson_names:
                raise LessonError(
                    f'{where}: step "{step.id}": params.{p.name} is already a lesson parameter'
                )
        steps.append(step)
    _check_gradients(r, steps)
    assert title is not None and summary is not None
    require = r.constraints(data)
    return Lesson(lesson_id, title, summary, tuple(steps), params, path, require=require)


def _validate_by_drawing(lesson: Lesson, where: str) -> None:
    """Draw every step once, so that undefined names and shape mismatches fail now."""
    for step in lesson.steps:
        try:
            draw(lesson, step, 0)
        except ExerciseError as exc:
            scope = f'step "{step.id}"' if exc.in_step else f'lesson "{lesson.id}"'
            raise LessonError(f"{where}: {scope}: {exc}") from None
        except Exception as exc:  # an engine bug must not take the other lessons down
            raise LessonError(
                f'{where}: step "{step.id}": cannot be drawn ({type(exc).__name__}: {exc})'
            ) from None


def load_course(path: Path | str | None = None, *, validate: bool | None = None) -> Course:
    """Load a course folder (None: the built-in course). Never raises: whatever is wrong is
    described in `Course.errors`, and a broken lesson never takes the others down.

    `validate` (default: for every course but the built-in one) also draws every step once
    (seed 0), so that undefined names and shape mismatches in an author's course show at once.
    The built-in course is checked by `lessons check` and the tests instead: the tutor need
    not pay for it at every start."""
    index = read_index(path)
    if validate is None:
        validate = path is not None
    errors: list[str] = list(index.errors)
    warnings: list[str] = list(index.warnings)
    lessons: list[Lesson] = []
    for lesson_file in index.files:
        try:
            lesson = load_lesson(lesson_file, validate=validate, version=index.version)
        except LessonError as exc:
            errors.append(str(exc))
            continue
        except Exception as exc:  # an engine bug must not take the other lessons down
            errors.append(
                f"{label(lesson_file)}: could not be loaded ({type(exc).__name__}: {exc})"
            )
            continue
        if any(other.id == lesson.id for other in lessons):
            errors.append(
                f'{label(lesson_file)}: lesson id "{lesson.id}" is already used by another lesson'
            )
            continue
        lessons.append(lesson)
        warnings.extend(lesson.warnings)
    return Course(
        index.title,
        tuple(lessons),
        tuple(errors),
        index.folder,
        tuple(warnings),
        parts=index.parts,
    )

"""The `code` exercise kind on disk: its keys in a lesson file, the learner's work file, and the
reference solution beside the lessons.

`read_code_exercise` is called by the loader for `kind = "code"` (strict like the rest: every
key checked, messages naming the file, step and key). The learner's file lives in a work
folder (`default_work_dir`: under the learner's data directory) as `<lesson id>/<file>`; the
lesson's code steps that name the same file share it, so `backward` can call the learner's own
`forward`. `write_starter` creates it once and never overwrites the learner's edits.
Reference solutions live in the course's `solutions/` folder (lessons/solutions/ for the
built-in course, shipped as package data).
"""

from __future__ import annotations

import ast
import functools
import keyword
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
from bptutor.engine.course.model import (
    CodeMistakeSpec,
    CodeOutput,
    CodeSpec,
    ExerciseSpec,
    GradCheckSpec,
    GradientsSpec,
    Lesson,
    ParamSpec,
)
from bptutor.engine.course.progress import default_data_dir
from bptutor.engine.course.reader import Reader, read_param, type_name

__all__ = [
    "CODE_KEYS",
    "default_work_dir",
    "function_source",
    "read_code_exercise",
    "reference_path",
    "starter_text",
    "work_path",
    "write_starter",
]

CODE_KEYS = (
    *("file", "function", "args", "answer"),  # what the learner writes and what it must return
    *("starter", "solution"),  # the file they start from, the course's own answer
    *("cases", "case_params", "mistakes", "gradcheck"),  # what it is run on and checked for
    *("rtol", "atol", "time_limit"),  # how closely, how long
)
"""The keys of a code exercise besides kind and prompt (the loader's key check uses them)."""
FILE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.py$")
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_TIME_LIMIT = 60.0
SOLUTIONS = "solutions"
WORK_SUBDIR = "code"


def _identifier(value: Any) -> bool:
    return (
        isinstance(value, str) and bool(NAME_PATTERN.match(value)) and not keyword.iskeyword(value)
    )


def _computation(r: Any, key: str, text: Any) -> Any:
    if not isinstance(text, str):
        raise r.fail(key, f"must be a computation string, got {type_name(text)}")
    return r.computation(text, key)  # the loader's reader: the course's format rules


def _outputs(r: Any, key: str, value: Any, default_name: str) -> tuple[CodeOutput, ...]:
    """`"cost(net, X, y)"` (one output, named after the function) or `{ dW1 = "...", ... }`."""
    if isinstance(value, str):
        return (CodeOutput(default_name, value, _computation(r, key, value)),)
    if not isinstance(value, dict) or not value:
        raise r.fail(
            key,
            'must be a computation string, or a table { name = "computation", ... } with one '
            f"entry per returned value, got {type_name(value)}",
        )
    out = []
    for name, text in value.items():
        if not _identifier(name):
            raise r.fail(f"{key}.{name}", "is not a Python name (letters, digits and _)")
        out.append(CodeOutput(name, text, _computation(r, f"{key}.{name}", text)))
    return tuple(out)


def _file_name(r: Any, table: dict[str, Any], key: str) -> str:
    value = r.string(table, key, "exercise.")
    if not FILE_PATTERN.match(value):
        raise r.fail(
            f"exercise.{key}", f'"{value}" must be a Python file name such as "backprop.py"'
        )
    return value


def _check_starter(r: Any, starter: str, function: str, args: tuple[str, ...]) -> None:
    """The starter must parse and define `function` with exactly `args` (names in order)."""
    try:
        tree = ast.parse(starter)
    except SyntaxError as exc:
        raise r.fail(
            "exercise.starter", f"is not valid Python (line {exc.lineno}: {exc.msg})"
        ) from None
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
    if not defs:
        raise r.fail("exercise.starter", f"must define the function {function}(...)")
    params = tuple(a.arg for a in defs[0].args.posonlyargs + defs[0].args.args)
    if params != args:
        raise r.fail(
            "exercise.starter",
            f"defines {function}({', '.join(params)}) but exercise.args lists ({', '.join(args)})",
        )


def read_code_exercise(r: Reader, table: dict[str, Any], prompt: str | None) -> ExerciseSpec:
    """A `kind = "code"` table as an ExerciseSpec with its CodeSpec; `r` is the loader's
    reader (it knows the file and step for messages)."""
    p = "exercise."
    file = _file_name(r, table, "file")
    function = r.string(table, "function", p)
    if not _identifier(function):
        raise r.fail(f"{p}function", f'"{function}" is not a Python function name')
    args = r.strings(table, "args", p)
    if not args:
        raise r.fail(f"{p}args", 'is missing (the function\'s parameters, like ["W1", "X"])')
    for name in args:
        if not _identifier(name):
            raise r.fail(f"{p}args", f'"{name}" is not a Python name')
    if len(set(args)) != len(args):
        raise r.fail(f"{p}args", "names a parameter twice")
    if "answer" not in table:
        raise r.fail(f"{p}answer", "is missing (the engine computation of each returned value)")
    outputs = _outputs(r, f"{p}answer", table["answer"], function)
    names = [o.name for o in outputs]
    starter = r.string(table, "starter", p)
    if not starter.strip():
        raise r.fail(f"{p}starter", "is empty")
    _check_starter(r, starter, function, args)
    solution = _file_name(r, table, "solution")
    cases = _read_cases(r, table.get("cases"))
    case_params: tuple[ParamSpec, ...] = ()
    if "case_params" in table:
        raw = table["case_params"]
        if not isinstance(raw, dict):
            raise r.fail(f"{p}case_params", f"must be a table of parameters, got {type_name(raw)}")
        case_params = tuple(
            read_param(r, name, spec, f"{p}case_params.{name}") for name, spec in raw.items()
        )
    mistakes = _read_mistakes(r, table.get("mistakes", []), names, function)
    gradcheck = _read_gradcheck(r, table.get("gradcheck"), names, args)
    tols = {}
    for key in ("rtol", "atol"):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise r.fail(f"{p}{key}", "must be a number ≥ 0")
            tols[key] = float(value)
    time_limit = table.get("time_limit", 5.0)
    if (
        isinstance(time_limit, bool)
        or not isinstance(time_limit, int | float)
        or not 0 < time_limit <= MAX_TIME_LIMIT
    ):
        raise r.fail(f"{p}time_limit", f"must be a number of seconds in (0, {MAX_TIME_LIMIT:g}]")
    code = CodeSpec(
        file=file,
        function=function,
        args=args,
        outputs=outputs,
        starter=starter,
        solution=solution,
        cases=cases,
        case_params=case_params,
        mistakes=mistakes,
        gradcheck=gradcheck,
        time_limit=float(time_limit),
    )
    return ExerciseSpec("code", prompt=prompt, code=code, **tols)


def _read_cases(r: Reader, raw: Any) -> tuple[tuple[ParamSpec, ...], ...]:
    """`cases = [{ n = 2, m = 3, L = 1 }, ...]`: per case, parameters (a bare number or list of
    numbers is a fixed value; any other parameter form works too)."""
    key = "exercise.cases"
    if not isinstance(raw, list) or not raw:
        raise r.fail(key, "is missing or empty (a list of tables such as { n = 2, m = 3, L = 1 })")
    out = []
    for i, case in enumerate(raw, 1):
        where = f"{key}[{i}]"
        if not isinstance(case, dict):
            raise r.fail(
                where, f"must be a table such as {{ n = 2, L = 1 }}, got {type_name(case)}"
            )
        specs = []
        for name, value in case.items():
            if _fixed(value):
                if not NAME_PATTERN.match(name):
                    raise r.fail(f"{where}.{name}", "is not a valid parameter name")
                specs.append(ParamSpec(name, "value", args=(np.asarray(value, dtype=float),)))
            else:
                specs.append(read_param(r, name, value, f"{where}.{name}"))
        out.append(tuple(specs))
    return tuple(out)


def _fixed(value: Any) -> bool:
    """A bare number, or a (nested) list of numbers: a fixed value."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, list) and value:
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return False
        return arr.size > 0 and not any(isinstance(v, bool) for v in np.ravel(value))
    return False


def _read_mistakes(
    r: Any, raw: Any, names: list[str], function: str
) -> tuple[CodeMistakeSpec, ...]:
    key = "exercise.mistakes"
    if not isinstance(raw, list):
        raise r.fail(key, "must be a list of tables { name, answer, message }")
    out: list[CodeMistakeSpec] = []
    for i, m in enumerate(raw, 1):
        where = f"{key}[{i}]"
        name, message = r.mistake(m, where, [x.name for x in out])
        if "answer" not in m:
            raise r.fail(f"{where}.answer", "is missing")
        if isinstance(m["answer"], str) and len(names) > 1:
            raise r.fail(
                f"{where}.answer",
                f"must be a table naming the returned values it changes ({', '.join(names)})",
            )
        outputs = _outputs(r, f"{where}.answer", m["answer"], names[0])
        for o in outputs:
            if o.name not in names:
                raise r.fail(
                    f"{where}.answer.{o.name}",
                    f"is not a returned value of {function} ({', '.join(names)})",
                )
        out.append(CodeMistakeSpec(name, message, outputs))
    return tuple(out)


def _read_gradcheck(
    r: Any, raw: Any, names: list[str], args: tuple[str, ...]
) -> GradCheckSpec | None:
    if raw is None:
        return None
    key = "exercise.gradcheck"
    if not isinstance(raw, dict):
        raise r.fail(key, 'must be a table { function = "cost", wrt = { dW1 = "W1" } }')
    r.keys(raw, ("function", "wrt"), f"{key}.")
    function = r.string(raw, "function", f"{key}.")
    if not _identifier(function):
        raise r.fail(f"{key}.function", f'"{function}" is not a Python function name')
    wrt = raw.get("wrt")
    if not isinstance(wrt, dict) or not wrt:
        raise r.fail(f"{key}.wrt", 'must be a table { output = "argument" }, like { dW1 = "W1" }')
    pairs = []
    for output, arg in wrt.items():
        if output not in names:
            raise r.fail(f"{key}.wrt.{output}", f"is not a returned value ({', '.join(names)})")
        if arg not in args:
            raise r.fail(f"{key}.wrt.{output}", f'"{arg}" is not one of the args {list(args)}')
        pairs.append((output, arg))
    return GradCheckSpec(function, tuple(pairs))


# --- files: the learner's work file and the reference solution ----------------------------------


def default_work_dir(data_dir: Path | None = None) -> Path:
    """Where learners' code lives unless --work-dir says otherwise: <data dir>/code."""
    return (Path(data_dir) if data_dir is not None else default_data_dir()) / WORK_SUBDIR


def work_path(work_dir: Path, lesson: Lesson, code: CodeSpec | GradientsSpec) -> Path:
    """The learner's file for a code step: <work dir>/<lesson id>/<file>, absolute."""
    return (Path(work_dir).expanduser() / lesson.id / code.file).absolute()


def starter_text(lesson: Lesson, file: str) -> str:
    """The whole starter file: a header, `import numpy as np`, then the starter of every code
    step of the lesson that names `file`, in lesson order."""
    steps = [
        s
        for s in lesson.steps
        if s.exercise is not None and s.exercise.code is not None and s.exercise.code.file == file
    ]
    listing = "\n".join(f"    bptutor code check {lesson.id}/{s.id} {file}" for s in steps)
    header = (
        f'"""{lesson.title}: your code.\n\n'
        "bptutor checks a function each time you save this file (on its step in the\n"
        "tutor), or from a shell:\n\n"
        f"{listing}\n\n"
        "Keep each function's name and parameters; write the bodies.\n"
        '"""\n\n'
        "import numpy as np\n"
    )
    bodies = [s.exercise.code.starter.strip("\n") for s in steps]  # type: ignore[union-attr]
    return header + "".join(f"\n\n{body}\n" for body in bodies)


def write_starter(path: Path, text: str) -> bool:
    """Create the learner's file with `text` unless it exists (never overwrite their work);
    True when it was written. The folders are created private (0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return True


def reference_path(lesson: Lesson, code: CodeSpec) -> Path | None:
    """The reference solution: <course folder>/solutions/<solution> (None without a source)."""
    if lesson.source is None:
        return None
    return lesson.source.parent / SOLUTIONS / code.solution


def function_source(path: Path, function: str) -> str | None:
    """The text of one function of a Python file (what a learner is shown as the solution);
    None when the file cannot be read or has no such function."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _functions(path, stat.st_mtime_ns, stat.st_size).get(function)


@functools.lru_cache(maxsize=32)
def _functions(path: Path, mtime_ns: int, size: int) -> dict[str, str]:
    """Every top-level function's text, by name (cached while the file is unchanged: every
    drawing of a code step asks for its reference)."""
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return {}
    lines = source.splitlines()
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            out[node.name] = "\n".join(lines[start - 1 : node.end_lineno])
    return out

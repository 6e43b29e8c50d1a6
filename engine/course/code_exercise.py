"""Drawing a code exercise: the cases one learner's code must pass.

`draw_code` (called by `exercise.draw` for `kind = "code"`) draws each case's parameters from
(seed, lesson, step, case number), computes the expected outputs and the declared mistakes
with the engine, and returns a `CodeExercise` (`code_grading`: running and grading the
learner's file; its names are importable from here too). `reference_solution` reads the
reference function shown once the step is solved.
"""

from __future__ import annotations

from typing import Any

from bptutor.engine.course.calls import OnCall
from bptutor.engine.course.code_format import function_source, reference_path
from bptutor.engine.course.code_grading import (
    CODE_ATOL,
    CODE_RTOL,
    CaseMistake,
    CodeCase,
    CodeExercise,
    Run,
    make_verdict,
)
from bptutor.engine.course.coderun import Limits
from bptutor.engine.course.model import CodeSpec, ExerciseError, Lesson, Step
from bptutor.engine.course.params import compute, computed_numbers, draw_params, rng_for
from bptutor.engine.course.quantities.registry import float_array_or_none
from bptutor.engine.course.templates import interpolate

__all__ = [
    "CODE_ATOL",
    "CODE_RTOL",
    "CaseMistake",
    "CodeCase",
    "CodeExercise",
    "Run",
    "draw_code",
    "make_verdict",
    "reference_solution",
]


# --- drawing ------------------------------------------------------------------------------------


def _argument(value: Any, name: str, key: str) -> Any:
    """A parameter as the learner's function receives it: a float or a float64 array."""
    arr = float_array_or_none(value)
    if arr is None:
        raise ExerciseError(f'{key}: "{name}" must be a number or an array to pass to the code')
    return float(arr) if arr.ndim == 0 else arr.copy()


def draw_code(
    lesson: Lesson,
    step: Step,
    seed: int,
    env: dict[str, Any],
    code: CodeSpec,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    on_call: OnCall | None = None,
) -> CodeExercise:
    """The cases for this learner: each case's values and `case_params` are drawn from
    (seed, lesson, step, case number) on top of the step's parameters `env`."""
    outputs = tuple(o.name for o in code.outputs)
    messages = [
        interpolate(m.message, env, f'exercise.mistakes[{i}].message ("{m.name}")')
        for i, m in enumerate(code.mistakes, 1)
    ]
    cases = []
    for number, specs in enumerate(code.cases, 1):
        prefix = f"exercise.cases[{number}]"
        for spec in (*specs, *code.case_params):
            if spec.name in env:
                raise ExerciseError(
                    f'{prefix}: "{spec.name}" is already a parameter of the lesson or the step'
                )
        rng = rng_for(seed, lesson.id, step.id, f"case-{number}")
        case_env = draw_params(specs, rng, dict(env), prefix)
        try:
            case_env = draw_params(code.case_params, rng, case_env, "exercise.case_params")
        except ExerciseError as exc:
            raise ExerciseError(f"{exc} (drawing case {number})") from None
        missing = [a for a in code.args if a not in case_env]
        if missing:
            raise ExerciseError(
                f"exercise.args names {', '.join(missing)}, which {prefix} does not define "
                "(nor the lesson, the step or case_params)"
            )
        args = tuple(_argument(case_env[a], a, f"exercise.args ({prefix})") for a in code.args)
        for name in outputs:
            if name in case_env:
                raise ExerciseError(
                    f'exercise.answer.{name}: "{name}" is also a parameter; name the returned '
                    "value differently"
                )
        expected = tuple(
            computed_numbers(
                compute(o.call, case_env, f"exercise.answer.{o.name}", o.source, on_call),
                f"exercise.answer.{o.name} ({prefix})",
                o.source,
            )
            for o in code.outputs
        )
        menv = {**case_env, **dict(zip(outputs, expected, strict=True))}
        mistakes = []
        for i, m in enumerate(code.mistakes, 1):
            values = []
            for o in m.outputs:
                key = f"exercise.mistakes[{i}].answer.{o.name} ({prefix})"
                values.append(
                    (
                        outputs.index(o.name),
                        computed_numbers(compute(o.call, menv, key, o.source, None), key, o.source),
                    )
                )
            mistakes.append(CaseMistake(m.name, messages[i - 1], tuple(values)))
        cases.append(CodeCase(number, args, expected, tuple(mistakes)))
    return CodeExercise(
        file=code.file,
        function=code.function,
        args=code.args,
        outputs=outputs,
        cases=tuple(cases),
        gradcheck=code.gradcheck,
        rtol=CODE_RTOL if rtol is None else rtol,
        atol=CODE_ATOL if atol is None else atol,
        limits=Limits(seconds=code.time_limit),
        reference=reference_path(lesson, code),
    )


def reference_solution(exercise: CodeExercise) -> str:
    """The reference function's text, for the learner once solved or revealed; an
    ExerciseError when the solutions folder does not have it."""
    path = exercise.reference
    if path is None:
        return ""
    text = function_source(path, exercise.function)
    if text is None:
        where = f"{path.parent.name}/{path.name}"
        raise ExerciseError(
            f"exercise.solution: {where} is missing or does not define {exercise.function}(...)"
        )
    return text

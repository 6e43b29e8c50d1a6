"""The `code` kind in lesson files: the README's example passes lessons check, each slip an author
can make is a load error naming the key, and lessons check catches what only running shows."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.lint import lint_course
from bptutor.engine.course.loader import builtin_course_dir, load_course
from bptutor.engine.course.params import step_env

README = builtin_course_dir() / "README.md"


def readme_code_example() -> tuple[str, str]:
    section = README.read_text(encoding="utf-8").split("## A complete code example", 1)[1]
    toml = re.search(r"```toml\n(.*?)```", section, re.S)
    python = re.search(r"```python\n(.*?)```", section, re.S)
    assert toml and python, "the README lost its code example"
    return toml.group(1), python.group(1)


LESSON, SOLUTION = readme_code_example()


def course_with(tmp_path: Path, lesson: str = LESSON, solution: str | None = SOLUTION) -> Path:
    (tmp_path / "index.toml").write_text(
        'format_version = 1\ntitle = "T"\nlessons = ["code"]\n', encoding="utf-8"
    )
    (tmp_path / "code.toml").write_text(lesson, encoding="utf-8")
    if solution is not None:
        (tmp_path / "solutions").mkdir(exist_ok=True)
        (tmp_path / "solutions" / "slope.py").write_text(solution, encoding="utf-8")
    return tmp_path


def load_error(tmp_path: Path, lesson: str) -> str:
    course = load_course(course_with(tmp_path, lesson))
    assert len(course.errors) == 1, course.errors
    return course.errors[0].split(": ", 1)[1]


def test_readme_code_example_passes_lessons_check(tmp_path: Path) -> None:
    course = load_course(course_with(tmp_path))
    assert course.errors == ()
    report = lint_course(course, seeds=10)
    assert report.ok, report.problems


def test_shapes_may_name_parameters(tmp_path: Path) -> None:
    course = load_course(course_with(tmp_path))
    lesson = course.lessons[0]
    inst = draw(lesson, lesson.steps[0], 5)
    assert inst.code is not None
    assert [c.args[0].shape for c in inst.code.cases] == [(1, 3), (4, 2)]
    z = inst.code.cases[1].args[0]
    np.testing.assert_allclose(inst.code.cases[1].expected[0], np.exp(-z) / (1 + np.exp(-z)) ** 2)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'args = ["Z"]',
            'args = ["Z", "Z"]',
            'step "slope": exercise.args names a parameter twice',
        ),
        (
            'args = ["Z"]',
            'args = ["Z", "W"]',
            'step "slope": exercise.starter defines slope(Z) but exercise.args lists (Z, W)',
        ),
        (
            'file = "slope.py"',
            'file = "../slope.py"',
            'step "slope": exercise.file "../slope.py" must be a Python file name such as '
            '"backprop.py"',
        ),
        (
            'function = "slope"',
            'function = "class"',
            'step "slope": exercise.function "class" is not a Python function name',
        ),
        (
            "cases = [",
            "casez = [",
            'step "slope": unknown key "exercise.casez" for a code exercise',
        ),
        (
            "answer = \"activation('sigmoid', Z)\", message",
            'answer = { dZ = "Z" }, message',
            'step "slope": exercise.mistakes[1].answer.dZ is not a returned value of slope (slope)',
        ),
        (
            'shape = ["L", "m"]',
            'shape = ["L", "k"]',
            'step "slope": exercise.case_params.Z.shape uses "k", which is not a parameter above '
            "it (drawing case 1)",
        ),
        (
            "[steps.exercise]",
            "[steps.params]\nL = { value = 2 }\n\n[steps.exercise]",
            'step "slope": exercise.cases[1]: "L" is already a parameter of the lesson or the step',
        ),
    ],
)
def test_a_broken_code_exercise_names_the_key(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in LESSON
    error = load_error(tmp_path, LESSON.replace(old, new, 1))
    assert error.startswith(message), error


def test_a_missing_reference_is_a_load_error(tmp_path: Path) -> None:
    course = load_course(course_with(tmp_path, solution=None))
    assert len(course.errors) == 1
    assert (
        "exercise.solution: solutions/slope.py is missing or does not define slope(...)"
        in (course.errors[0])
    )


def test_lessons_check_catches_a_starter_that_passes(tmp_path: Path) -> None:
    passing = "    s = 1 / (1 + np.exp(-Z))\n    return s * (1 - s)\n"
    lesson = LESSON.replace("    return np.zeros_like(Z)\n", passing)
    report = lint_course(load_course(course_with(tmp_path, lesson)), seeds=3)
    assert any("the starter passes" in p for p in report.problems), report.problems


def test_lessons_check_catches_a_wrong_reference(tmp_path: Path) -> None:
    wrong = SOLUTION.replace("s * (1 - s)", "s * (1 + s)")
    report = lint_course(load_course(course_with(tmp_path, solution=wrong)), seeds=3)
    assert any("the reference solution fails" in p for p in report.problems), report.problems


def test_lessons_check_catches_a_mistake_that_is_the_answer(tmp_path: Path) -> None:
    lesson = LESSON.replace(
        "answer = \"activation('sigmoid', Z)\", message",
        "answer = \"activation_prime('sigmoid', Z)\", message",
    )
    report = lint_course(load_course(course_with(tmp_path, lesson)), seeds=3)
    assert any('mistake "sigma" gives the right answer in every case' in p for p in report.problems)


def test_lessons_check_catches_cases_of_one_shape(tmp_path: Path) -> None:
    lesson = LESSON.replace("{ L = 4, m = 2 }", "{ L = 1, m = 3 }")
    report = lint_course(load_course(course_with(tmp_path, lesson)), seeds=2)
    assert any("cases 1 and 2 have the same shapes (Z 1×3)" in p for p in report.problems)


def test_case_values_sit_on_top_of_the_step(tmp_path: Path) -> None:
    course = load_course(course_with(tmp_path))
    lesson = course.lessons[0]
    env = step_env(lesson, lesson.steps[0], 0)
    assert "Z" not in env  # drawn per case only

"""Format 2: infix maths in lesson files and `require` constraints on draws."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.lint import lint_course
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.params import draws_needed

LESSON = """
id = "r"
title = "R"
summary = "Constraints."

[params]
k = {{ int = [1, 3] }}

[[steps]]
id = "s"
title = "S"
text = "a = {{a}}, b = {{b}}, c = {{c}}"
hints = ["Add."]
explanation = "{{answer}}"
{require}

[steps.params]
a = {{ int = [-5, 5] }}
b = {{ int = [-5, 5] }}
c = "2*a - b"

[steps.exercise]
kind = "value"
answer = "a + b + c"
"""


def write(folder: Path, text: str, version: int = 2) -> Path:
    (folder / "index.toml").write_text(
        f'format_version = {version}\ntitle = "T"\nlessons = ["r"]\n', encoding="utf-8"
    )
    (folder / "r.toml").write_text(text, encoding="utf-8")
    return folder


def lesson_with(folder: Path, require: str = "", version: int = 2):
    course = load_course(write(folder, LESSON.format(require=require), version))
    assert course.errors == (), course.errors
    return course.lessons[0]


def test_infix_maths_computes_derived_parameters_and_answers(tmp_path: Path) -> None:
    lesson = lesson_with(tmp_path)
    for seed in range(20):
        d = draw(lesson, lesson.steps[0], seed)
        a, b, c = (d.params[k] for k in "abc")
        assert c == 2 * a - b and d.expected == a + b + c


def test_a_step_constraint_holds_for_every_seed(tmp_path: Path) -> None:
    lesson = lesson_with(tmp_path, 'require = ["c != a", "abs(c) >= 2"]')
    for seed in range(60):
        d = draw(lesson, lesson.steps[0], seed)
        assert d.params["c"] != d.params["a"] and abs(d.params["c"]) >= 2
        assert draw(lesson, lesson.steps[0], seed).text == d.text  # deterministic


def test_draws_that_already_hold_are_the_same_as_without_the_constraint(tmp_path: Path) -> None:
    (tmp_path / "free").mkdir()
    (tmp_path / "held").mkdir()
    free = lesson_with(tmp_path / "free")
    held = lesson_with(tmp_path / "held", 'require = ["c != a"]')
    for seed in range(30):
        a = draw(free, free.steps[0], seed).params
        if a["c"] != a["a"]:
            assert draw(held, held.steps[0], seed).params == a


def test_a_lesson_constraint_redraws_the_lesson_parameters(tmp_path: Path) -> None:
    text = 'require = ["k != 2"]\n' + LESSON.format(require="")
    course = load_course(write(tmp_path, text))
    assert course.errors == ()
    lesson = course.lessons[0]
    ks = {draw(lesson, lesson.steps[0], s).params["k"] for s in range(40)}
    assert ks == {1.0, 3.0}  # every step of the lesson sees the same redrawn k


def test_a_constraint_that_never_holds_is_named(tmp_path: Path) -> None:
    course = load_course(write(tmp_path, LESSON.format(require='require = ["a > 10"]')))
    assert len(course.errors) == 1
    assert 'require[1] = "a > 10" did not hold in 200 draws' in course.errors[0]


def test_lessons_check_reports_a_constraint_that_rejects_many_draws(tmp_path: Path) -> None:
    lesson = lesson_with(tmp_path, 'require = ["a == b"]')  # about 1 draw in 11 holds
    assert np.mean([draws_needed(lesson, lesson.steps[0], s) for s in range(30)]) > 3
    report = lint_course(load_course(tmp_path), seeds=20)
    assert any('require ("a == b") rejects' in p for p in report.problems), report.problems
    tmp2 = tmp_path / "ok"
    tmp2.mkdir()
    lesson_with(tmp2, 'require = ["abs(c) < 100"]')
    assert lint_course(load_course(tmp2), seeds=20).ok


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('c = "2*a - b"', "is written in infix maths, which needs format 2"),
    ],
)
def test_format_1_says_what_to_change(tmp_path: Path, text: str, message: str) -> None:
    course = load_course(write(tmp_path, LESSON.format(require=""), version=1))
    assert len(course.errors) == 1 and message in course.errors[0]
    assert "set format_version = 2 in index.toml" in course.errors[0]
    assert "params.c" in course.errors[0]


def test_require_needs_format_2(tmp_path: Path) -> None:
    text = LESSON.format(require='require = ["c != a"]').replace('"2*a - b"', '"sub(a, b)"')
    text = text.replace('"a + b + c"', '"add(a, add(b, c))"')
    course = load_course(write(tmp_path, text, version=1))
    assert len(course.errors) == 1 and "require needs format_version = 2" in course.errors[0]


def test_a_step_constraint_on_lesson_parameters_only_belongs_to_the_lesson(tmp_path: Path):
    course = load_course(write(tmp_path, LESSON.format(require='require = ["k != 2"]')))
    assert len(course.errors) == 1 and "put it in the lesson's require" in course.errors[0]
    assert "require[1]" in course.errors[0]

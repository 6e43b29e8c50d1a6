"""The answer language as lessons use it (issues 10 and 15): counts are whole numbers, names are
read as the screen shows them, and no answer makes numpy warn."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from bptutor.engine.course.exercise import ANSWER_KINDS, draw
from bptutor.engine.course.loader import load_course

COUNT = """
id = "count"
title = "Count"
summary = "How many?"

[[steps]]
id = "weights"
title = "How many weights?"
text = "n = {n} inputs, m = {m} hidden nodes: how many weights?"
params = { n = { int = [4, 9] }, m = { int = [2, 6] } }

[steps.exercise]
kind = "value"
answer = "add(mul(n, m), m)"
integer = true
mistakes = [{ name = "forgot W2", answer = "mul(n, m)", message = "That counts W1 only." }]
"""


def _load(tmp_path: Path, text: str):
    (tmp_path / "index.toml").write_text(
        'format_version = 1\ntitle = "T"\nlessons = ["count"]\n', encoding="utf-8"
    )
    (tmp_path / "count.toml").write_text(text, encoding="utf-8")
    return load_course(tmp_path)


def test_a_counting_step_takes_only_the_whole_number(tmp_path: Path) -> None:
    lesson = _load(tmp_path, COUNT).lesson("count")
    assert lesson is not None
    inst = draw(lesson, lesson.step("weights"), seed=3)
    n, m = int(inst.params["n"]), int(inst.params["m"])
    right = n * m + m
    assert inst.integer and inst.solution == str(right)
    assert inst.check(str(right)).correct
    v = inst.check(f"{right}.05")
    assert v.status == "incorrect" and "A count is a whole number" in v.message
    assert inst.check(str(n * m)).mistake == "forgot W2"
    # the same step without integer = true accepts a near miss, as any measured value would
    lesson = _load(tmp_path, COUNT.replace("integer = true\n", "")).lesson("count")
    assert draw(lesson, lesson.step("weights"), seed=3).check(f"{right}.05").correct


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("integer = true", 'integer = "yes"'), "exercise.integer must be true or false"),
        (("integer = true", "integer = true\nrtol = 0.01"), "leave out rtol and atol"),
        (("add(mul(n, m), m)", "div(n, 2.5)"), "exercise.integer is true but the engine's"),
        (('kind = "value"', 'kind = "vector"'), 'unknown key "exercise.integer"'),
    ],
)
def test_integer_is_checked_when_the_lesson_loads(tmp_path: Path, change, message) -> None:
    course = _load(tmp_path, COUNT.replace(*change))
    assert course.lesson("count") is None
    assert len(course.errors) == 1 and message in course.errors[0], course.errors


_COUNTING = re.compile(r"\bhow many\b|\bnumber of\b|\bhow large is the (shape|size)\b", re.I)


def test_every_counting_step_of_the_course_says_it_asks_for_a_count() -> None:
    course = load_course()
    counting = []
    for lesson in course.lessons:
        for step in lesson.steps:
            ex = step.exercise
            if ex is None or ex.kind != "value":
                continue
            if _COUNTING.search(f"{step.title} {step.text} {ex.prompt or ''}"):
                counting.append((lesson.id, step.id))
                assert ex.integer, f"{lesson.id}/{step.id} asks for a count: integer = true"
    assert ("network", "count-weights") in counting


def test_subscripted_names_are_read_as_the_screen_shows_them() -> None:
    course = load_course()
    lesson = course.lesson("linear_jacobian")
    assert lesson is not None
    inst = draw(lesson, lesson.step("write-x2"), seed=0)
    assert inst.variables == ("y1", "y2")
    assert inst.check(inst.solution).correct
    for one, two in (("y₁", "y₂"), ("y_1", "y_2")):
        typed = inst.solution.replace("y1", one).replace("y2", two)
        assert typed != inst.solution
        assert inst.check(typed).correct, typed


HUGE = ["1e308", "-1e308 * 10", "[1e308, -1e308, 1e308]", "(1e308, 1e308)", "9^9^9", "1/0"]


def test_no_step_of_the_course_warns_on_huge_answers() -> None:
    """Every grading path, as the lessons reach it, under `warnings.simplefilter("error")`."""
    course = load_course()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for lesson in course.lessons:
            for step in lesson.steps:
                if step.exercise is None or step.exercise.kind not in ANSWER_KINDS:
                    continue
                inst = draw(lesson, step, seed=0)
                for text in HUGE:
                    v = inst.check(text)
                    assert "could not be" not in v.message, (lesson.id, step.id, text, v)
                    p = inst.preview(text)
                    assert p.problem is None or "could not be" not in p.problem

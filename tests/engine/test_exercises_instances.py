"""Instantiating exercises: per-learner numbers, prose interpolation, engine-computed answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.course import load_course
from bptutor.engine.exercises import (
    ExerciseError,
    bracket_matrix,
    format_number,
    instantiate,
    interpolate,
)

LESSON = '''
id = "demo"
title = "Demo"
summary = "Numbers per learner."

[params]
W = { normal = [0, 1], shape = [2, 3], round = 2 }
k = { int = [-5, 5], nonzero = true }

[[steps]]
id = "show"
title = "Show"
text = """
W is
{W}
and k = {k}; W₁₂ = {W[1,2]}; braces: {{k}}.
"""

[[steps]]
id = "entry"
title = "An entry"
text = "k = {k}"
hints = ["Look at row 2, column 3."]
explanation = "It is {answer}."
params = { s = { uniform = [1, 2], round = 1 } }

[steps.exercise]
kind = "value"
answer = "scale(entry(W, 2, 3), s)"
mistakes = [{ name = "sign", answer = "neg(answer)", message = "Sign!" }]

[[steps]]
id = "pick"
title = "Pick"
text = "Which?"
hints = ["The second."]
explanation = "b."

[steps.exercise]
kind = "choice"
options = ["one", "two", "three"]
correct = "b"
feedback = ["no, one", "", "no, three"]
'''


@pytest.fixture
def lesson(tmp_path: Path):
    (tmp_path / "index.toml").write_text(
        'format_version = 1\ntitle = "T"\nlessons = ["demo"]\n', encoding="utf-8"
    )
    (tmp_path / "demo.toml").write_text(LESSON, encoding="utf-8")
    course = load_course(tmp_path)
    assert course.errors == ()
    return course.lesson("demo")


def test_same_seed_same_numbers_other_seed_other_numbers(lesson) -> None:
    step = lesson.step("entry")
    a, b = instantiate(lesson, step, 11), instantiate(lesson, step, 11)
    assert a.expected == b.expected and a.text == b.text
    values = {instantiate(lesson, step, seed).expected for seed in range(20)}
    assert len(values) > 10  # another learner, other numbers
    np.testing.assert_array_equal(a.params["W"], b.params["W"])


def test_lesson_params_are_shared_by_every_step_of_the_lesson(lesson) -> None:
    for seed in range(5):
        shown = instantiate(lesson, lesson.step("show"), seed)
        entry = instantiate(lesson, lesson.step("entry"), seed)
        np.testing.assert_array_equal(shown.params["W"], entry.params["W"])
        assert shown.params["k"] == entry.params["k"] != 0


def test_the_expected_answer_is_computed_from_the_drawn_numbers(lesson) -> None:
    inst = instantiate(lesson, lesson.step("entry"), 3)
    W, s = inst.params["W"], inst.params["s"]
    assert W.shape == (2, 3) and np.all(np.round(W, 2) == W)
    assert inst.expected == pytest.approx(W[1, 2] * s)
    assert inst.mistakes[0].name == "sign"
    assert inst.mistakes[0].expected == pytest.approx(-W[1, 2] * s)
    assert inst.explanation == f"It is {format_number(inst.expected)}."
    assert float(inst.solution) == pytest.approx(inst.expected)


def test_prose_shows_matrices_entries_and_literal_braces(lesson) -> None:
    inst = instantiate(lesson, lesson.step("show"), 0)
    W, k = inst.params["W"], inst.params["k"]
    assert "```\n" + bracket_matrix(W) + "\n```" in inst.text
    assert f"k = {format_number(k)}" in inst.text
    assert f"W₁₂ = {format_number(W[0, 1])}" in inst.text
    assert "braces: {k}." in inst.text


def test_choice_accepts_letter_or_number_and_gives_feedback(lesson) -> None:
    inst = instantiate(lesson, lesson.step("pick"), 0)
    assert inst.kind == "choice" and inst.choices == ("one", "two", "three")
    assert inst.check("b").correct and inst.check(" 2 ").correct and inst.check("B)").correct
    wrong = inst.check("c")
    assert not wrong.correct and wrong.message == "no, three"
    assert inst.check("7").status == "invalid" and "a–c" in inst.check("7").message
    assert inst.solution == "b"


def test_format_number_and_bracket_matrix() -> None:
    assert format_number(3.0) == "3"
    assert format_number(-0.25) == "−0.25"
    assert format_number(1 / 3) == "0.3333"
    assert format_number(2e-5) == "2e−05"
    assert bracket_matrix(np.array([[1.0, -2.5], [10.0, 0.0]])) == "⎡  1  −2.5 ⎤\n⎣ 10     0 ⎦"
    assert bracket_matrix(np.array([[1.0, 2.0]])) == "[ 1  2 ]"


def test_interpolation_errors_name_the_key() -> None:
    with pytest.raises(ExerciseError, match=r'hints\[1\] uses "\{q\}" but no parameter "q"'):
        interpolate("see {q}", {"p": 1.0}, "hints[1]")
    with pytest.raises(ExerciseError, match="lone '}'"):
        interpolate("a } b", {}, "text")
    with pytest.raises(ExerciseError, match="does not fit W"):
        interpolate("{W[3,1]}", {"W": np.zeros((2, 2))}, "text")

"""Instantiating exercises: per-learner numbers, prose interpolation, engine-computed answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.course.exercise import draw, has_variants
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.model import ExerciseError
from bptutor.engine.course.templates import bracket_matrix, format_number, interpolate
from lesson_files import lesson_text

LESSON = lesson_text("drawing_demo")


@pytest.fixture
def lesson(tmp_path: Path, write_course):
    course = load_course(write_course(tmp_path, {"demo": LESSON}))
    assert course.errors == ()
    return course.lesson("demo")


def test_same_seed_same_numbers_other_seed_other_numbers(lesson) -> None:
    step = lesson.step("entry")
    a, b = draw(lesson, step, 11), draw(lesson, step, 11)
    assert a.expected == b.expected and a.text == b.text
    values = {draw(lesson, step, seed).expected for seed in range(20)}
    assert len(values) > 10  # another learner, other numbers
    np.testing.assert_array_equal(a.params["W"], b.params["W"])


def test_lesson_params_are_shared_by_every_step_of_the_lesson(lesson) -> None:
    for seed in range(5):
        shown = draw(lesson, lesson.step("show"), seed)
        entry = draw(lesson, lesson.step("entry"), seed)
        np.testing.assert_array_equal(shown.params["W"], entry.params["W"])
        assert shown.params["k"] == entry.params["k"] != 0


def test_the_expected_answer_is_computed_from_the_drawn_numbers(lesson) -> None:
    inst = draw(lesson, lesson.step("entry"), 3)
    W, s = inst.params["W"], inst.params["s"]
    assert W.shape == (2, 3) and np.all(np.round(W, 2) == W)
    assert inst.expected == pytest.approx(W[1, 2] * s)
    assert inst.mistakes[0].name == "sign"
    assert inst.mistakes[0].expected == pytest.approx(-W[1, 2] * s)
    assert inst.explanation == f"It is {format_number(inst.expected)}."
    assert float(inst.solution) == pytest.approx(inst.expected)


def test_prose_shows_matrices_entries_and_literal_braces(lesson) -> None:
    inst = draw(lesson, lesson.step("show"), 0)
    W, k = inst.params["W"], inst.params["k"]
    assert "```\n" + bracket_matrix(W) + "\n```" in inst.text
    assert f"k = {format_number(k)}" in inst.text
    assert f"W₁₂ = {format_number(W[0, 1])}" in inst.text
    assert "braces: {k}." in inst.text


def test_choice_accepts_letter_or_number_and_gives_feedback(lesson) -> None:
    inst = draw(lesson, lesson.step("pick"), 0)
    assert inst.kind == "choice" and sorted(inst.choices) == ["one", "three", "two"]
    right = inst.choices.index("two")  # the file's "b", wherever this learner sees it
    letter = "abc"[right]
    assert inst.expected == right and inst.solution == letter
    assert inst.check(letter).correct and inst.check(f" {right + 1} ").correct
    assert inst.check(letter.upper() + ")").correct
    three = "abc"[inst.choices.index("three")]
    wrong = inst.check(three)
    assert not wrong.correct and wrong.message == "no, three"  # feedback moves with its option
    assert wrong.read_as == f"{three}) three"
    one = inst.check("abc"[inst.choices.index("one")])
    assert not one.correct and one.message == "no, one"
    assert inst.check("7").status == "invalid" and "a–c" in inst.check("7").message
    assert inst.explanation == f"It is {letter}) two."  # {answer} names this learner's letter


def test_choice_order_depends_on_the_learner_and_stays_consistent(lesson) -> None:
    step = lesson.step("pick")
    letters = set()
    for seed in range(40):
        inst = draw(lesson, step, seed)
        assert inst == draw(lesson, step, seed)  # deterministic per seed
        assert sorted(inst.choice_order) == [0, 1, 2]
        assert inst.choices == tuple(("one", "two", "three")[i] for i in inst.choice_order)
        assert inst.choices[inst.expected] == "two"
        assert inst.check(inst.solution).correct
        for k in range(3):
            if k != inst.expected:
                assert not inst.check(str(k + 1)).correct
        letters.add(inst.solution)
    assert letters == {"a", "b", "c"}  # the letter of the right answer tells nothing


def test_right_letters_are_spread_over_the_real_course() -> None:
    from collections import Counter

    course = load_course()
    counts: Counter[str] = Counter()
    for seed in range(30):
        for lesson in course.lessons:
            for step in lesson.steps:
                if step.exercise is not None and step.exercise.kind == "choice":
                    counts[draw(lesson, step, seed).solution] += 1
    total = sum(counts.values())
    for letter in "abc":
        assert counts[letter] > total / 6, counts


def test_shuffle_false_keeps_the_written_order(tmp_path: Path) -> None:
    pinned = LESSON.replace('correct = "b"\n', 'correct = "b"\nshuffle = false\n')
    assert pinned != LESSON
    (tmp_path / "index.toml").write_text(
        'format_version = 1\ntitle = "T"\nlessons = ["demo"]\n', encoding="utf-8"
    )
    (tmp_path / "demo.toml").write_text(pinned, encoding="utf-8")
    lesson = load_course(tmp_path).lesson("demo")
    for seed in range(10):
        inst = draw(lesson, lesson.step("pick"), seed)
        assert inst.choices == ("one", "two", "three") and inst.solution == "b"
        assert inst.feedback == ("no, one", "", "no, three")


def test_shuffle_must_be_a_boolean(tmp_path: Path) -> None:
    bad = LESSON.replace('correct = "b"\n', 'correct = "b"\nshuffle = "no"\n')
    (tmp_path / "index.toml").write_text(
        'format_version = 1\ntitle = "T"\nlessons = ["demo"]\n', encoding="utf-8"
    )
    (tmp_path / "demo.toml").write_text(bad, encoding="utf-8")
    course = load_course(tmp_path)
    assert course.lesson("demo") is None
    assert any("shuffle" in e and "true or false" in e for e in course.errors)


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


def test_a_variant_draws_fresh_numbers_reproducibly() -> None:
    course = load_course()
    lesson = course.lesson("grad-w2")
    step = next(s for s in lesson.exercises if s.exercise.kind in ("value", "vector", "matrix"))
    own = draw(lesson, step, 7)
    assert own.variant == 0 and draw(lesson, step, 7, variant=0).same_numbers(own)
    fresh = draw(lesson, step, 7, variant=1)
    assert fresh.variant == 1 and not fresh.same_numbers(own)
    assert draw(lesson, step, 7, variant=1).same_numbers(fresh)  # (seed, variant) is fixed
    # the new numbers come with their own answer, hints and mistakes
    assert fresh.check(fresh.solution).correct and not own.check(fresh.solution).correct
    assert has_variants(lesson, step, 7)


def test_steps_without_draws_have_no_variants() -> None:
    course = load_course()
    fixed = course.lesson("gradient").step("why-descent")  # a conceptual choice, no numbers
    assert not has_variants(course.lesson("gradient"), fixed, 7)
    # reshuffled options are not a new question
    a = draw(course.lesson("gradient"), fixed, 7)
    b = draw(course.lesson("gradient"), fixed, 7, variant=2)
    assert a.same_numbers(b)

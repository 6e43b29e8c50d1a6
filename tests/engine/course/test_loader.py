"""Loading courses: each kind of broken file gives one precise message and breaks only itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from bptutor.engine.course.loader import load_course

GOOD = """
id = "good"
title = "Good"
summary = "A lesson that loads."

[params]
u = { int = [1, 4], shape = [3] }

[[steps]]
id = "intro"
title = "Intro"
text = "u = {u}"

[[steps]]
id = "norm"
title = "A norm"
text = "What is the length of {u}?"
hints = ["Square, add, take the root."]
explanation = "{answer}"

[steps.exercise]
kind = "value"
answer = "norm(u)"
"""


@pytest.fixture
def only_error(tmp_path: Path, write_course):
    """`only_error(broken)`: load GOOD plus `broken`; the good lesson must survive and exactly
    one error come out, which is returned."""

    def load(broken: str) -> str:
        course = load_course(write_course(tmp_path, {"a_good": GOOD, "b_broken": broken}))
        assert [lesson.id for lesson in course.lessons] == ["good"], course.errors
        assert len(course.errors) == 1, course.errors
        return course.errors[0]

    return load


def test_a_good_course_loads_with_its_ids_and_steps(tmp_path: Path, write_course) -> None:
    course = load_course(write_course(tmp_path, {"a_good": GOOD}))
    assert course.errors == ()
    assert course.title == "T"
    lesson = course.lesson("good")
    assert lesson is not None and lesson.title == "Good"
    assert [s.id for s in lesson.steps] == ["intro", "norm"]
    assert lesson.step("intro").exercise is None
    assert lesson.step("norm").exercise.kind == "value"
    assert course.lesson("nope") is None and lesson.step("nope") is None


def test_bad_toml_gives_the_file_and_line(tmp_path: Path, only_error) -> None:
    broken = 'id = "x"\ntitle = "X"\nsummary = oops\n'
    error = only_error(broken)
    assert error.startswith(f"{tmp_path.name}/b_broken.toml: invalid TOML:")
    assert "line 3" in error


def test_unknown_kind_names_step_key_and_choices(tmp_path: Path, only_error) -> None:
    broken = GOOD.replace('id = "good"', 'id = "bad"').replace('kind = "value"', 'kind = "matrx"')
    assert only_error(broken) == (
        f'{tmp_path.name}/b_broken.toml: step "norm": exercise.kind "matrx" is not one of '
        "derivative, expression, value, vector, matrix, choice, train, code"
    )


def test_missing_step_id(tmp_path: Path, only_error) -> None:
    broken = GOOD.replace('id = "good"', 'id = "bad"').replace('id = "intro"\n', "")
    assert only_error(broken) == (
        f'{tmp_path.name}/b_broken.toml: lesson "bad": steps[1]: id is missing '
        "(every step needs a stable id)"
    )


def test_missing_lesson_id(tmp_path: Path, only_error) -> None:
    broken = GOOD.replace('id = "good"\n', "")
    assert only_error(broken) == (
        f"{tmp_path.name}/b_broken.toml: id is missing (every lesson needs a stable id)"
    )


def test_duplicate_step_id(tmp_path: Path, only_error) -> None:
    broken = GOOD.replace('id = "good"', 'id = "bad"').replace('id = "norm"', 'id = "intro"')
    assert only_error(broken) == (
        f'{tmp_path.name}/b_broken.toml: lesson "bad": step id "intro" is used twice'
    )


def test_duplicate_lesson_id_keeps_the_first(tmp_path: Path, only_error) -> None:
    assert only_error(GOOD) == (
        f'{tmp_path.name}/b_broken.toml: lesson id "good" is already used by another lesson'
    )


def test_undefined_parameter_in_prose(tmp_path: Path, only_error) -> None:
    broken = GOOD.replace('id = "good"', 'id = "bad"').replace('text = "u = {u}"', 'text = "{v}"')
    assert only_error(broken) == (
        f'{tmp_path.name}/b_broken.toml: step "intro": text uses "{{v}}" but no parameter '
        '"v" is defined'
    )


def test_undefined_parameter_in_a_computation(tmp_path: Path, only_error) -> None:
    broken = GOOD.replace('id = "good"', 'id = "bad"').replace("norm(u)", "norm(w)")
    assert only_error(broken) == (
        f'{tmp_path.name}/b_broken.toml: step "norm": exercise.answer = "norm(w)": uses '
        "'w', which is not a parameter defined above it"
    )


def test_unknown_key_is_an_error_not_ignored(tmp_path: Path, only_error) -> None:
    broken = GOOD.replace('id = "good"', 'id = "bad"').replace("hints =", "hintz =")
    assert only_error(broken) == (
        f'{tmp_path.name}/b_broken.toml: step "norm": unknown key "hintz" (expected one of: '
        "id, title, text, hints, explanation, params, exercise)"
    )


def test_unknown_exercise_key_for_the_kind(tmp_path: Path, only_error) -> None:
    broken = GOOD.replace('id = "good"', 'id = "bad"').replace(
        'answer = "norm(u)"', 'answer = "norm(u)"\noptions = ["a", "b"]'
    )
    assert 'unknown key "exercise.options" for a value exercise' in only_error(broken)


def test_kind_and_engine_shape_disagree(tmp_path: Path, only_error) -> None:
    broken = GOOD.replace('id = "good"', 'id = "bad"').replace("norm(u)", "scale(u, 2)")
    assert only_error(broken) == (
        f'{tmp_path.name}/b_broken.toml: step "norm": exercise.kind is value but the '
        "engine's answer has shape [3], not a single number"
    )


def test_declared_shape_and_engine_shape_disagree(tmp_path: Path, only_error) -> None:
    broken = (
        GOOD.replace('id = "good"', 'id = "bad"')
        .replace('kind = "value"', 'kind = "matrix"\nshape = [3, 1]')
        .replace("norm(u)", "outer(u, u)")
    )
    assert only_error(broken) == (
        f'{tmp_path.name}/b_broken.toml: step "norm": exercise.shape is [3, 1] but the '
        'engine\'s answer "outer(u, u)" has shape [3, 3]'
    )


def test_a_typed_number_cannot_be_an_answer(tmp_path: Path, only_error) -> None:
    broken = GOOD.replace('id = "good"', 'id = "bad"').replace('"norm(u)"', '"3.74"')
    error = only_error(broken)
    assert 'exercise.answer = "3.74": must name an engine computation' in error


def test_a_bad_distribution_is_named(tmp_path: Path, only_error) -> None:
    broken = GOOD.replace('id = "good"', 'id = "bad"').replace("int = [1, 4]", "int = [4, 1]")
    assert only_error(broken) == (
        f'{tmp_path.name}/b_broken.toml: lesson "bad": params.u.int has low 4 above high 1'
    )


def test_missing_lesson_file_leaves_the_rest(tmp_path: Path, write_course) -> None:
    folder = write_course(tmp_path, {"a_good": GOOD})
    (folder / "index.toml").write_text(
        'format_version = 1\ntitle = "T"\nlessons = ["a_good", "c_missing"]\n', encoding="utf-8"
    )
    course = load_course(folder)
    assert [lesson.id for lesson in course.lessons] == ["good"]
    assert course.errors == (f"{tmp_path.name}/c_missing.toml: file not found",)


def test_index_problems(tmp_path: Path) -> None:
    assert load_course(tmp_path).errors == (
        f"{tmp_path.name}/index.toml: file not found (a course needs an index.toml)",
    )
    (tmp_path / "index.toml").write_text('format_version = 2\ntitle = "T"\nlessons = []\n')
    assert load_course(tmp_path).errors == (
        f"{tmp_path.name}/index.toml: format_version must be 1, got 2",
    )


def test_choice_needs_a_valid_letter(tmp_path: Path, only_error) -> None:
    broken = GOOD.replace('id = "good"', 'id = "bad"').replace(
        'kind = "value"\nanswer = "norm(u)"',
        'kind = "choice"\noptions = ["yes", "no"]\ncorrect = "c"',
    )
    assert only_error(broken) == (
        f'{tmp_path.name}/b_broken.toml: step "norm": exercise.correct must be the letter of '
        'the right option, one of "ab"'
    )

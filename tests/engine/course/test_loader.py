"""Loading courses: each kind of broken file gives one precise message and breaks only itself."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.model import MAX_FILE_BYTES
from bptutor.tui.lessons_cli import main as lessons_main

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
        "derivative, expression, value, vector, matrix, choice, train, graph, code"
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
        "id, title, text, hints, explanation, params, exercise, require)"
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
    (tmp_path / "index.toml").write_text('format_version = 3\ntitle = "T"\nlessons = []\n')
    assert load_course(tmp_path).errors == (
        f"{tmp_path.name}/index.toml: format_version must be 1 or 2, got 3",
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


# --- hostile files (issue 15): each named with its file and key, the rest still loads ---------

BAD = GOOD.replace('id = "good"', 'id = "bad"')
LABEL = "b_broken.toml"


def within(seconds: float, work):
    """Run `work` in a thread: a hang fails the test instead of blocking the run."""
    box: list = []
    worker = threading.Thread(target=lambda: box.append(work()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "loading hung"
    return box[0]


def test_a_toml_value_nested_5000_deep_is_named(tmp_path: Path, only_error) -> None:
    deep = "deep = " + "[" * 5000 + "]" * 5000 + "\n"
    error = only_error(BAD.replace('title = "Good"', deep + 'title = "Good"'))
    assert error.startswith(f'{tmp_path.name}/{LABEL}: key "deep" at line 3 is nested too deeply')


def test_a_computation_of_3000_nested_calls_is_named(tmp_path: Path, only_error) -> None:
    call = "neg(" * 3000 + "u" + ")" * 3000
    error = only_error(
        BAD.replace(
            "u = { int = [1, 4], shape = [3] }",
            f'u = {{ int = [1, 4], shape = [3] }}\nw = "{call}"',
        )
    )
    assert error.startswith(f'{tmp_path.name}/{LABEL}: lesson "bad": params.w = "neg(neg(')
    assert "nested more than 32 levels deep" in error and len(error) < 300


def test_an_expression_nested_3000_deep_is_named(tmp_path: Path, only_error) -> None:
    expr = "(" * 3000 + "x" + ")" * 3000
    broken = BAD.replace("[params]", f'[params]\nf = {{ expr = "{expr}", variables = ["x"] }}')
    error = only_error(broken)
    assert error.startswith(f'{tmp_path.name}/{LABEL}: lesson "bad": params.f.expr = "((((')
    assert len(error) < 300


def test_lessons_check_names_a_deep_lesson_and_checks_the_rest(
    tmp_path: Path, write_course
) -> None:
    deep = BAD.replace("[params]", '[params]\nw = "' + "neg(" * 3000 + "1" + ")" * 3000 + '"')
    out = io.StringIO()
    assert lessons_main(write_course(tmp_path, {"a_good": GOOD, "b": deep}), seeds=2, out=out) == 1
    assert 'b.toml: lesson "bad": params.w = ' in out.getvalue()
    assert "FAILED: 1 lessons, 2 steps" in out.getvalue()


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_only_regular_lesson_files_are_read(tmp_path: Path, write_course, kind: str) -> None:
    folder = write_course(tmp_path, {"a_good": GOOD, "b_broken": "placeholder"})
    broken = folder / LABEL
    broken.unlink()
    if kind == "fifo":
        os.mkfifo(broken)
    elif kind == "dev-zero":
        broken.symlink_to("/dev/zero")
    else:
        broken.mkdir()
    course = within(10, lambda: load_course(folder))
    shown = {"fifo": "a named pipe", "dev-zero": "a device", "folder": "a folder"}[kind]
    assert [lesson.id for lesson in course.lessons] == ["good"]
    assert course.errors == (f"{tmp_path.name}/{LABEL}: is not a regular file ({shown})",)


def test_a_named_pipe_as_index_toml_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "index.toml")
    course = within(10, lambda: load_course(tmp_path))
    assert course.errors == (f"{tmp_path.name}/index.toml: is not a regular file (a named pipe)",)
    out = io.StringIO()
    assert within(10, lambda: lessons_main(tmp_path, seeds=1, out=out)) == 1
    assert "is not a regular file (a named pipe)" in out.getvalue()


def test_a_lesson_file_beyond_the_size_limit(tmp_path: Path, only_error) -> None:
    padding = "# " + "x" * 1000 + "\n"
    error = only_error(BAD + padding * (MAX_FILE_BYTES // len(padding) + 1))
    assert error.startswith(f"{tmp_path.name}/{LABEL}: is too large (")
    assert "at most 4 MiB" in error


@pytest.mark.parametrize("entry", ["..", ".hidden", "sub/lesson", "..\\\\x"])
def test_an_index_entry_with_a_path_is_not_allowed(tmp_path: Path, write_course, entry) -> None:
    folder = write_course(tmp_path, {"a_good": GOOD})
    (folder / "index.toml").write_text(
        f'format_version = 1\ntitle = "T"\nlessons = ["a_good", "{entry}"]\n', encoding="utf-8"
    )
    course = load_course(folder)
    assert [lesson.id for lesson in course.lessons] == ["good"]
    assert len(course.errors) == 1
    assert course.errors[0].startswith(f"{tmp_path.name}/index.toml: lessons entry ")
    assert "is not allowed" in course.errors[0]


@pytest.mark.parametrize(
    ("params", "text", "said"),
    [
        ("W = { int = [0, 1], shape = [1000, 1000] }", "", "params.W.shape is 1000×1000 "
         "(1,000,000 entries); a lesson may draw or fix at most 1000 entries"),
        ("W = { int = [0, 1], shape = [2, 2, 2, 2, 2] }", "", "params.W.shape is 2×2×2×2×2"),
        ("a = { int = [0, 9223372036854775807] }", "", "params.a.int has 9223372036854775807; "
         "numbers must be finite and within ±1e+15"),
        ("a = { uniform = [0, inf] }", "", "params.a.uniform has inf"),
        ("a = { int = [0, 3], round = 100 }", "", "params.a.round must be a whole number of "
         "decimals from 0 to 15"),
        ("X = { value = [" + ", ".join(["1"] * 2000) + "] }", "", "params.X.value is 2000 "
         "(2,000 entries)"),
        ('I = "identity(5000)"', "", 'params.I = "identity(5000)": identity(...): n = 5000 is '
         "too large: an n×n matrix may have at most 1000 entries"),
        ('v = { int = [0, 3], shape = [1000] }\nM = "outer(v, v)"', "", 'params.M = "outer(v, '
         'v)": outer(...) computes a 1000×1000 array (1,000,000 entries)'),
        ('W = { int = [0, 3], shape = [11, 2] }', "{W}", 'text: "{W}" would show params.W, a '
         "11×2 array, in prose; prose shows at most 10 entries a side"),
        ('W = { int = [0, 3], shape = [1, 20] }', "is {W}.", 'text: "{W}" would show params.W, '
         "a 1×20 array"),
        ("a = { int = [0, 3] }", "{a:>1000000000}", 'text: "{a:>1000000000}" asks for a width '
         "of 1000000000; at most 40"),
        ("a = { int = [0, 3] }", "{a:.2000f}", 'text: "{a:.2000f}" asks for a precision of 2000'),
    ],
    ids=["shape", "dims", "int-range", "inf", "round", "value", "identity", "outer", "matrix",
         "vector", "width", "precision"],
)  # fmt: skip
def test_what_a_step_may_draw_and_show_is_bounded(
    tmp_path: Path, only_error, params: str, text: str, said: str
) -> None:
    """Each with the file, the step and the params key, at once (no gigabytes, no minutes)."""
    broken = BAD.replace(
        'text = "u = {u}"', f'text = "{text or "Intro."}"\n[steps.params]\n{params}'
    )
    error = within(20, lambda: only_error(broken))
    assert error.startswith(f'{tmp_path.name}/{LABEL}: step "intro": '), error
    assert said in error, error
    # lessons check reports the same, with file, step and key
    out = io.StringIO()
    assert lessons_main(tmp_path, seeds=1, out=out) == 1
    assert f'{LABEL}: step "intro": ' in out.getvalue() and said in out.getvalue()

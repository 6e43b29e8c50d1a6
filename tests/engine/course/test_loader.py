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
BAD = GOOD.replace('id = "good"', 'id = "bad"')  # the broken lessons start from here
LABEL = "b_broken.toml"


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
    assert error.startswith(f"{tmp_path.name}/{LABEL}: invalid TOML:")
    assert "line 3" in error


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        pytest.param(
            'kind = "value"',
            'kind = "matrx"',
            'step "norm": exercise.kind "matrx" is not one of '
            "derivative, expression, value, vector, matrix, choice, train, graph, code",
            id="unknown-kind-names-step-key-and-choices",
        ),
        pytest.param(
            'id = "intro"\n',
            "",
            'lesson "bad": steps[1]: id is missing (every step needs a stable id)',
            id="missing-step-id",
        ),
        pytest.param(
            'id = "bad"\n',
            "",
            "id is missing (every lesson needs a stable id)",
            id="missing-lesson-id",
        ),
        pytest.param(
            'id = "norm"',
            'id = "intro"',
            'lesson "bad": step id "intro" is used twice',
            id="duplicate-step-id",
        ),
        pytest.param(
            'id = "bad"',
            'id = "good"',
            'lesson id "good" is already used by another lesson',
            id="duplicate-lesson-id-keeps-the-first",
        ),
        pytest.param(
            'text = "u = {u}"',
            'text = "{v}"',
            'step "intro": text uses "{v}" but no parameter "v" is defined',
            id="undefined-parameter-in-prose",
        ),
        pytest.param(
            "norm(u)",
            "norm(w)",
            'step "norm": exercise.answer = "norm(w)": uses '
            "'w', which is not a parameter defined above it",
            id="undefined-parameter-in-a-computation",
        ),
        pytest.param(
            "hints =",
            "hintz =",
            'step "norm": unknown key "hintz" (expected one of: '
            "id, title, text, hints, explanation, params, exercise, require)",
            id="unknown-key-is-an-error-not-ignored",
        ),
        pytest.param(
            'answer = "norm(u)"',
            'answer = "norm(u)"\noptions = ["a", "b"]',
            'step "norm": unknown key "exercise.options" for a value exercise '
            "(expected one of: kind, prompt, answer, integer, rtol, atol, mistakes)",
            id="unknown-exercise-key-for-the-kind",
        ),
        pytest.param(
            "norm(u)",
            "scale(u, 2)",
            'step "norm": exercise.kind is value but the '
            "engine's answer has shape [3], not a single number",
            id="kind-and-engine-shape-disagree",
        ),
        pytest.param(
            'kind = "value"\nanswer = "norm(u)"',
            'kind = "matrix"\nshape = [3, 1]\nanswer = "outer(u, u)"',
            'step "norm": exercise.shape is [3, 1] but the '
            'engine\'s answer "outer(u, u)" has shape [3, 3]',
            id="declared-shape-and-engine-shape-disagree",
        ),
        pytest.param(
            '"norm(u)"',
            '"3.74"',
            'step "norm": exercise.answer = "3.74": must name an engine computation such as '
            "partial(f, 'x', [x0]) or a parameter, not a literal value "
            "(expected answers are always computed)",
            id="a-typed-number-cannot-be-an-answer",
        ),
        pytest.param(
            "int = [1, 4]",
            "int = [4, 1]",
            'lesson "bad": params.u.int has low 4 above high 1',
            id="a-bad-distribution-is-named",
        ),
        pytest.param(
            'kind = "value"\nanswer = "norm(u)"',
            'kind = "choice"\noptions = ["yes", "no"]\ncorrect = "c"',
            'step "norm": exercise.correct must be the letter of the right option, one of "ab"',
            id="choice-needs-a-valid-letter",
        ),
    ],
)
def test_a_broken_key_gives_one_precise_message(
    tmp_path: Path, only_error, old: str, new: str, said: str
) -> None:
    """GOOD renamed "bad" with one change: the message names the file, the place and the key."""
    assert old in BAD
    assert only_error(BAD.replace(old, new)) == f"{tmp_path.name}/{LABEL}: {said}"


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


# --- hostile files (issue 15): each named with its file and key, the rest still loads ---------


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

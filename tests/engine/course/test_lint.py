"""`bptutor lessons check`: the built-in course passes, the README example passes, and each kind
of problem a course author can make is caught with a precise message."""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import pytest
from bptutor.engine.course import quantities
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.lint import lint_course
from bptutor.engine.course.loader import builtin_course_dir, load_course
from bptutor.engine.course.model import EXERCISE_KINDS
from bptutor.engine.course.templates import plain_answer
from bptutor.tui.lessons_cli import main
from lesson_files import lesson_text

README = builtin_course_dir() / "README.md"


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## A complete example", 1)[1]
    match = re.search(r"```toml\n(.*?)```", section, re.S)
    assert match, "the README lost its example lesson"
    return match.group(1)


def indexed_lessons() -> int:
    """How many lessons the built-in index lists (the course grows as lessons are added)."""
    with (builtin_course_dir() / "index.toml").open("rb") as f:
        return len(tomllib.load(f)["lessons"])


def test_builtin_course_passes_lessons_check() -> None:
    out = io.StringIO()
    code = main(None, seeds=5, out=out)
    assert code == 0, out.getvalue()
    assert indexed_lessons() >= 13
    assert f"OK: {indexed_lessons()} lessons" in out.getvalue()


def test_builtin_course_loads_completely() -> None:
    course = load_course()
    assert course.errors == ()
    assert len(course.lessons) == indexed_lessons()
    exercises = [s.exercise for lesson in course.lessons for s in lesson.steps if s.exercise]
    assert len(exercises) >= 60
    kinds = {e.kind for e in exercises}
    assert kinds == set(EXERCISE_KINDS)  # every kind, graph too
    for lesson in course.lessons:
        for step in lesson.steps:
            if step.exercise is not None:
                assert len(step.hints) >= 1 and step.explanation, (lesson.id, step.id)


# The slips in the notes the course follows, each taught as a "spot the error" choice: (lesson,
# step, the right option's letter, words the right option must contain).
NOTES_SLIPS = [
    ("derivatives", "spot-the-error", "b", "f(x)"),  # (2) approximates f, not f′
    ("partials", "spot-the-error", "a", "f(x, y)"),  # (4) the same, in two variables
    ("linear_jacobian", "spot-error", "b", "Aᵀ·∇_x f"),  # 1.3: the Jacobian of x = A·y is Aᵀ
    ("kronecker", "spot-error", "b", "1 when k = j"),  # (14) swaps the delta's cases
    ("grad-w2", "spot-the-error", "a", "At (17)"),  # (16)-(17) lose a sign
    ("grad-w2", "what-is-20", "b", "−∇_W2 E"),  # so (19)-(20) are the negative gradient
    ("grad-w1", "shape-35", "b", "(W2ᵀ ∘ f′(z))·xᵀ"),  # (35) has the shapes wrong
    ("training", "notes-sign", "b", "rises"),  # descending along (19) and (34) climbs
]


@pytest.mark.parametrize(("lesson_id", "step_id", "letter", "words"), NOTES_SLIPS)
def test_the_notes_slips_are_taught(lesson_id: str, step_id: str, letter: str, words: str) -> None:
    lesson = load_course().lesson(lesson_id)
    assert lesson is not None
    step = lesson.step(step_id)
    assert step is not None and step.exercise is not None and step.exercise.kind == "choice"
    assert step.exercise.correct == "abcdefgh".index(letter)
    assert words in step.exercise.options[step.exercise.correct]


def test_the_true_gradients_carry_the_sign_the_notes_lose() -> None:
    course = load_course()
    w2 = course.lesson("grad-w2").step("gradient")
    assert "∇_W2 E = −(1/L)·Σₗ (y⁽ˡ⁾ − ŷ⁽ˡ⁾)·a⁽ˡ⁾ᵀ" in w2.text
    assert w2.exercise.answer == "grad_W2(net, X, y)"
    w1 = course.lesson("grad-w1").step("shape-35")
    assert "∇_W1 E = −(1/L)·Σₗ (y − ŷ)·(W2ᵀ ∘ f′(z))·xᵀ" in w1.explanation
    formula = course.lesson("grad-w1").step("entry-formula")
    assert formula.exercise.answer == "-r*w*s*x"


def test_every_builtin_exercise_round_trips() -> None:
    """The reference solution passes; every declared mistake fails and is named."""
    course = load_course()
    for lesson in course.lessons:
        for step in lesson.exercises:
            for seed in (0, 1234):
                inst = draw(lesson, step, seed)
                if inst.kind == "code":
                    continue  # runs in a child process: test_code_exercise.py, lessons check
                assert inst.check(inst.solution).correct, (lesson.id, step.id, inst.solution)
                for m in inst.mistakes:
                    text = plain_answer(m.expected)
                    verdict = inst.check(text)
                    assert not verdict.correct, (lesson.id, step.id, m.name)
                    assert verdict.mistake == m.name, (lesson.id, step.id, m.name, verdict)


def test_readme_example_passes_lessons_check(tmp_path: Path, write_course) -> None:
    folder = write_course(tmp_path, {"example": readme_example()})
    course = load_course(folder)
    assert course.errors == ()
    report = lint_course(course, seeds=20)
    assert report.ok, report.problems
    assert report.exercises == 2 and report.gradient_checks == 20


SMALL = """
id = "small"
title = "Small"
summary = "For breaking."

[params]
x0 = { int = [-3, 3] }
f = { expr = "x^2", variables = ["x"] }

[[steps]]
id = "slope"
title = "Slope"
text = "f′({x0})?"
hints = ["2x"]
explanation = "{answer}"

[steps.exercise]
kind = "value"
answer = "derivative(f, x0)"
mistakes = [{ name = "sign", answer = "neg(answer)", message = "Sign." }]
"""


def test_a_mistake_that_can_equal_the_answer_is_reported(tmp_path: Path, write_course) -> None:
    # x0 may be 0, where the slope 2·x0 is 0 and its negative is the same number.
    report = lint_course(load_course(write_course(tmp_path, {"small": SMALL})), seeds=30)
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert problem.startswith(
        f'{tmp_path.name}/small.toml: step "slope": mistake "sign" passes the checker'
    )
    assert "of 30)]" in problem  # reported once, with how many seeds hit it
    fixed = SMALL.replace("int = [-3, 3]", "int = [-3, 3], nonzero = true")
    assert lint_course(load_course(write_course(tmp_path, {"small": fixed})), seeds=30).ok


def test_missing_hints_and_explanation_are_reported(tmp_path: Path, write_course) -> None:
    bare = SMALL.replace('hints = ["2x"]\n', "").replace('explanation = "{answer}"\n', "")
    bare = bare.replace("int = [-3, 3]", "int = [1, 3]")
    report = lint_course(load_course(write_course(tmp_path, {"small": bare})), seeds=3)
    assert report.problems == [
        f'{tmp_path.name}/small.toml: step "slope": hints is missing (every exercise needs hints)',
        f'{tmp_path.name}/small.toml: step "slope": explanation is missing '
        "(every exercise needs one)",
    ]


def test_a_derivative_quantity_that_disagrees_with_finite_differences_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_course
) -> None:
    wrong = quantities.Quantity(
        "derivative",
        "a broken derivative: forgets the factor from the exponent",
        lambda f, x0: float(x0),
        quantities.QUANTITIES["derivative"].numeric,
    )
    monkeypatch.setitem(quantities.QUANTITIES, "derivative", wrong)
    lesson = SMALL.replace("int = [-3, 3]", "int = [1, 3]")
    report = lint_course(load_course(write_course(tmp_path, {"small": lesson})), seeds=5)
    assert any(
        "derivative(...) disagrees with central finite differences" in p for p in report.problems
    ), report.problems


def test_cli_prints_problems_and_fails(tmp_path: Path, write_course) -> None:
    out = io.StringIO()
    assert main(write_course(tmp_path, {"small": SMALL}), seeds=30, out=out) == 1
    text = out.getvalue()
    assert 'mistake "sign" passes the checker' in text
    assert "FAILED: 1 lessons, 1 steps, 1 exercises, 30 seeds each" in text
    assert main(tmp_path / "nowhere", out=io.StringIO()) == 2


def test_cli_reports_a_broken_lesson(tmp_path: Path, write_course) -> None:
    broken = SMALL.replace('kind = "value"', 'kind = "valeu"')
    out = io.StringIO()
    assert main(write_course(tmp_path, {"small": broken}), seeds=2, out=out) == 1
    assert 'exercise.kind "valeu" is not one of' in out.getvalue()


CHOICE = lesson_text("lint_choice")


def _choice_problems(tmp_path: Path, write_course, **texts: str) -> list[str]:
    lesson = CHOICE
    for key, value in texts.items():
        lesson = lesson.replace(key.upper(), value)
    lesson = lesson.replace("HINT", "Two is even.").replace("EXPLANATION", "It is {answer}.")
    lesson = lesson.replace("FEEDBACK", "One is odd.")
    return lint_course(load_course(write_course(tmp_path, {"pick": lesson})), seeds=5).problems


def test_a_clean_choice_step_passes(tmp_path: Path, write_course) -> None:
    assert _choice_problems(tmp_path, write_course) == []


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("hint", "Option b is the one."),
        ("explanation", "The answer is (b): two."),
        ("feedback", "Look at answer b again."),
    ],
)
def test_option_letters_in_a_shuffled_choice_are_reported(
    tmp_path: Path, key: str, text: str, write_course
) -> None:
    problems = _choice_problems(tmp_path, write_course, **{key: text})
    assert problems and all("names an option by its letter" in p for p in problems), problems
    pinned = CHOICE.replace('correct = "b"\n', 'correct = "b"\nshuffle = false\n')
    lesson = pinned.replace(key.upper(), text).replace("HINT", "x").replace("FEEDBACK", "y")
    lesson = lesson.replace("EXPLANATION", "z")
    assert lint_course(load_course(write_course(tmp_path, {"pick": lesson})), seeds=5).ok


@pytest.mark.parametrize(
    ("key", "text"),
    [("feedback", "No: one is odd."), ("explanation", "Right: it is {answer}.")],
)
def test_messages_that_open_with_a_verdict_are_reported(
    tmp_path: Path, key: str, text: str, write_course
) -> None:
    problems = _choice_problems(tmp_path, write_course, **{key: text})
    assert len(problems) == 1 and "the app already says right or not quite" in problems[0]


@pytest.mark.parametrize(
    ("lesson_id", "step_id", "point", "words"),
    [
        ("derivatives", "linear-approx", lambda p: [p["x1"]], "tangent line"),
        ("gradient", "estimate", lambda p: p["p1"], "linear estimate"),
    ],
)
def test_the_exact_value_instead_of_the_estimate_is_named(
    lesson_id: str, step_id: str, point, words: str
) -> None:
    """Typing f at the new point (exactly) instead of the linear estimate gets a kind message."""
    from bptutor.engine.course.templates import plain_number

    lesson = load_course().lesson(lesson_id)
    step = lesson.step(step_id)
    evaluate = quantities.QUANTITIES["evaluate"].func
    for seed in range(25):
        inst = draw(lesson, step, seed)
        exact = float(evaluate(inst.params["f"], point(inst.params)))
        v = inst.check(plain_number(exact))
        assert not v.correct and v.mistake == "exact value", (seed, v)
        assert words in v.message
        assert inst.check(inst.solution).correct


def test_the_new_value_instead_of_the_change_is_named() -> None:
    from bptutor.engine.course.templates import plain_number

    lesson = load_course().lesson("gradient")
    step = lesson.step("predicted-change")
    for seed in range(25):
        inst = draw(lesson, step, seed)
        v = inst.check(plain_number(inst.params["f0"] + inst.expected))
        assert v.mistake == "new value" and "only for the change" in v.message, (seed, v)

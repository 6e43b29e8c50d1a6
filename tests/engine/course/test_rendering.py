"""The built-in course reads well for every learner: no "+ −1", "x − −2", "2·−3", "1·x", "0·y"
or "y − 0" in any rendered text, whatever the seed; and lessons/README.md documents every
quantity a lesson may name."""

from __future__ import annotations

import re

import pytest
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.lint import awkward_spots, rendered_texts
from bptutor.engine.course.loader import builtin_course_dir, load_course
from bptutor.engine.course.quantities import QUANTITIES

SEEDS = 60


@pytest.fixture(scope="module")
def course():
    course = load_course()
    assert course.errors == ()
    return course


@pytest.mark.parametrize(
    "text",
    [
        "f(x) = 2·x³ + −1·x",
        "x − −2",
        "-22 + 35*(x - -2)",
        "2·−2·x·y",
        "e^−0.1",
        "p(x, y) = 1·x²·y",
        "5 + 0·(y − 1)",
        "(−1)·(y − 0)",
    ],
)
def test_awkward_signs_are_found(text: str) -> None:
    assert awkward_spots(text)


@pytest.mark.parametrize(
    "text",
    [
        "f(x) = 2·x³ − x",
        "x − (−2)",
        "1·(−1) + (−2)·3",
        "−(2 − 0)·(−0.4)·0.25·1",
        "z = W1·x⁽¹⁾, and 0.1·x",
        "E = ½·(−1 − (−2.5))²",
        "---",
    ],
)
def test_worked_arithmetic_is_not_awkward(text: str) -> None:
    assert awkward_spots(text) == []


def test_no_rendered_text_of_the_builtin_course_has_awkward_signs(course) -> None:
    found: dict[str, str] = {}
    for lesson in course.lessons:
        for step in lesson.steps:
            for seed in range(SEEDS):
                inst = draw(lesson, step, seed)
                for key, text in rendered_texts(inst).items():
                    for what, excerpt in awkward_spots(text):
                        found.setdefault(
                            f"{lesson.id}/{step.id} {key}: {what}", f"seed {seed}: {excerpt!r}"
                        )
    assert not found, "\n".join(f"{k} ({v})" for k, v in found.items())


def test_rendered_texts_cover_everything_a_learner_reads(course) -> None:
    lesson = course.lesson("derivatives")
    inst = draw(lesson, lesson.step("tangent-line"), 0)
    keys = set(rendered_texts(inst))
    assert {"title", "text", "prompt", "explanation", "solution"} <= keys
    assert {"hints[1]", "exercise.mistakes[1].message"} <= keys
    choice = draw(lesson, lesson.step("spot-the-error"), 0)
    assert {"exercise.options[1]", "exercise.feedback[1]"} <= set(rendered_texts(choice))


def test_readme_documents_every_registered_quantity() -> None:
    readme = (builtin_course_dir() / "README.md").read_text(encoding="utf-8")
    missing = [name for name in QUANTITIES if not re.search(rf"`{name}\(", readme)]
    assert not missing, f"lessons/README.md does not document: {', '.join(missing)}"

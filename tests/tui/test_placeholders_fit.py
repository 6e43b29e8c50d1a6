"""The grey hint in the answer box is read whole at 80×24: a graph step's hint lists the
gradients in order, and a long prompt beside it once cut that list (lessons 16 and 17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bptutor.engine.course.exercise import draw
from bptutor.tui.widgets.exercise_panel import answer_placeholder
from textual.widgets import Input
from tui_helpers import (
    SEED,
    SIZE,
    Target,
    course_for,
    first_step_of_kind,
    make_app,
    open_target,
    screen_lines,
)


def graph_steps() -> list[tuple[int, int]]:
    course = course_for(None)
    return [
        (li, si)
        for li, lesson in enumerate(course.lessons)
        for si, step in enumerate(lesson.steps)
        if step.exercise is not None and step.exercise.kind == "graph"
    ]


def test_the_course_has_the_graph_steps_the_walk_through_met() -> None:
    course = course_for(None)
    named = {(course.lessons[li].id, course.lessons[li].steps[si].id) for li, si in graph_steps()}
    assert {("graphs", "neuron"), ("vjp", "linear-graph")} <= named
    assert first_step_of_kind(course, "graph") is not None


@pytest.mark.parametrize(("lesson_index", "step_index"), graph_steps())
async def test_a_graph_steps_hint_fits_the_answer_box(
    data_dir: Path, lesson_index: int, step_index: int
) -> None:
    app = make_app(data_dir)
    lesson = app.course.lessons[lesson_index]
    step = lesson.steps[step_index]
    target = Target(lesson_index, step_index, lesson, step, draw(lesson, step, SEED))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _, screen = await open_target(pilot, app, target)
        await pilot.pause()
        box = screen.query_one("#answer", Input)
        hint = answer_placeholder(target.inst)
        assert box.placeholder == hint
        assert len(hint) < box.content_region.width, (lesson.id, step.id, hint)
        assert any(hint in line for line in screen_lines(app)), (lesson.id, step.id, hint)

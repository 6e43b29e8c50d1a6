"""Regenerate the README screenshots: `python tests/tui/make_screenshots.py`.

Same fixed seed and 80x24 size as the snapshot tests; a throwaway data dir, so the learner's own
progress is never shown or touched. Look at the SVGs before committing them.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bptutor.tui.app import BptutorApp
from tui_helpers import (
    SIZE,
    answer_wrong,
    first_step_of_kind,
    first_typed_step,
    make_app,
    open_target,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        app = make_app(data)
        async with app.run_test(size=SIZE) as pilot:
            target = first_typed_step(app.course)
            await pilot.pause()
            # one lesson partly done, so the map shows the three states
            lesson = app.course.lessons[target.lesson_index]
            for step in lesson.steps[: target.step_index + 1]:
                app.store.mark_seen(lesson.id, step.id)
            app.store.record_attempt(lesson.id, target.step.id, target.inst.solution, "correct")
            app.screen.refresh_lessons(highlight=target.lesson_index)  # type: ignore[attr-defined]
            await pilot.pause()
            app.save_screenshot("course-map.svg", str(DOCS))
        app = make_app(Path(tmp) / "data2")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            target, _ = await answer_wrong(pilot, app)
            if target.inst.hints:
                await pilot.press("ctrl+t")
                await pilot.pause()
            app.save_screenshot("lesson-feedback.svg", str(DOCS))
        await training_view(make_app(Path(tmp) / "data3"))
        await graph_step(make_app(Path(tmp) / "data4"))
    print(f"wrote course-map, lesson-feedback, training-view and graph-step (.svg) in {DOCS}")


async def graph_step(app: BptutorApp) -> None:
    """The first computational-graph step (beyond the notes) after an answer that forgot to add
    the two paths: the verdict names the first node that went wrong."""
    import numpy as np
    from textual.widgets import Input

    target = first_step_of_kind(app.course, "graph")
    assert target is not None
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _, screen = await open_target(pilot, app, target)
        slip = target.inst.mistakes[0]  # a typical slip, computed by the engine
        values = np.atleast_1d(np.asarray(slip.expected, dtype=float))
        answer = "[" + ", ".join(f"{v:.6g}" for v in values) + "]"
        screen.query_one("#answer", Input).value = answer
        await pilot.press("enter")
        await pilot.pause()
        app.save_screenshot("graph-step.svg", str(DOCS))


async def training_view(app: BptutorApp) -> None:
    """Lesson 12's XOR run, paused part-way: the curve's fall, the network, the gradient sizes."""
    from bptutor.tui.screens.training import TrainingScreen

    target = first_step_of_kind(app.course, "train")
    assert target is not None and target.inst.train_config is not None
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_training(target.inst.train_config)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TrainingScreen)
        app.simulate_key("space")  # a paced run (a few seconds): pause it a little over halfway
        while screen.session.epoch < target.inst.train_config.epochs * 0.6:
            await pilot.pause(0.02)
        app.simulate_key("space")
        while screen.running:
            await pilot.pause(0.02)
        await pilot.pause(0.3)  # the last progress message and plot redraw
        app.save_screenshot("training-view.svg", str(DOCS))


if __name__ == "__main__":
    asyncio.run(main())

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

from tui_helpers import SIZE, answer_wrong, first_typed_step, make_app

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
    print(f"wrote {DOCS / 'course-map.svg'} and {DOCS / 'lesson-feedback.svg'}")


if __name__ == "__main__":
    asyncio.run(main())

"""The course map with many lessons (the course grew past the notes): at 80×24 the list scrolls
and the lesson the learner is on stays in view, first frame and after coming back."""

from __future__ import annotations

from pathlib import Path

from bptutor.engine.course.progress import ProgressStore
from bptutor.tui.app import BptutorApp
from bptutor.tui.screens.course_map import CourseMapScreen
from bptutor.tui.screens.lesson import LessonScreen
from textual.widgets import OptionList
from tui_helpers import SIZE, course_for, screen_lines

LESSONS = 26


def many_lessons(folder: Path) -> Path:
    folder.mkdir()
    names = [f"l{i:02d}" for i in range(1, LESSONS + 1)]
    (folder / "index.toml").write_text(
        'format_version = 2\ntitle = "Long course"\nlessons = ['
        + ", ".join(f'"{n}"' for n in names)
        + "]\n",
        encoding="utf-8",
    )
    for i, name in enumerate(names, 1):
        (folder / f"{name}.toml").write_text(
            f'id = "{name}"\ntitle = "Lesson number {i} of the long course"\n'
            f'summary = "Summary {i}."\n\n'
            f'[[steps]]\nid = "read"\ntitle = "Read"\ntext = "Text {i}."\n\n'
            f'[[steps]]\nid = "more"\ntitle = "More"\ntext = "More {i}."\n',
            encoding="utf-8",
        )
    return folder


async def test_the_current_lesson_is_in_view_in_a_long_course(
    tmp_path: Path, data_dir: Path
) -> None:
    lessons = many_lessons(tmp_path / "course")
    course = course_for(lessons)
    assert len(course.lessons) == LESSONS and not course.errors
    store = ProgressStore(data_dir)
    store.mark_welcomed()
    for lesson in course.lessons[:22]:
        for step in lesson.steps:
            store.mark_seen(lesson.id, step.id)
    app = BptutorApp(course, store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        shown = "\n".join(screen_lines(app))
        assert "Lesson number 23 of the long course" in shown  # where the learner goes on
        assert "Continue (c): Lesson number 23" in shown
        options = app.screen.query_one("#lessons", OptionList)
        assert options.max_scroll_y > 0  # it does scroll: not everything fits at 80×24
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert "Lesson number 23 of the long course" in "\n".join(screen_lines(app))
        await pilot.press("home")
        await pilot.pause()
        assert "Lesson number 1 of the long course" in "\n".join(screen_lines(app))

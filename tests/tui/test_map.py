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
            # summaries of one to three lines: the details under the list change height
            f'summary = "{"Summary, a longer one. " * (i % 3 * 4)}Summary {i}."\n\n'
            f'[[steps]]\nid = "read"\ntitle = "Read"\ntext = "Text {i}."\n\n'
            f'[[steps]]\nid = "more"\ntitle = "More"\ntext = "More {i}."\n',
            encoding="utf-8",
        )
    return folder


def in_the_list(app: BptutorApp, number: int) -> bool:
    """Lesson `number`'s row is on screen inside the list's box (not only in the details)."""
    row = f"{number:>2}. Lesson number {number} of the long course"
    return any(line.startswith("│") and row in line for line in screen_lines(app))


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
        assert in_the_list(app, 23)  # where the learner goes on
        assert "Continue (c): Lesson number 23" in shown
        options = app.screen.query_one("#lessons", OptionList)
        assert options.max_scroll_y > 0  # it does scroll: not everything fits at 80×24
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert in_the_list(app, 23)
        await pilot.press("home")
        await pilot.pause()
        assert in_the_list(app, 1)
        await pilot.press("end")
        await pilot.pause()
        assert in_the_list(app, LESSONS)

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


# --- parts: the heading between the notes and "beyond the notes" -------------------------------


def highlighted_id(app: BptutorApp) -> str | None:
    option = app.screen.query_one("#lessons", OptionList).highlighted_option
    return option.id if option is not None else None


def heading_lines(app: BptutorApp) -> list[int]:
    """The rows of the screen that show the part heading inside the list's box."""
    return [
        i
        for i, line in enumerate(screen_lines(app))
        if line.startswith("│") and "── Beyond the notes ──" in line
    ]


async def test_the_part_heading_sits_between_the_notes_and_beyond(data_dir: Path) -> None:
    course = course_for(None)
    ids = [lesson.id for lesson in course.lessons]
    first = ids.index("activations")  # index.toml's part starts there
    store = ProgressStore(data_dir)
    store.mark_welcomed()
    app = BptutorApp(course, store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        lines = screen_lines(app)
        [at] = heading_lines(app)  # on the first frame at 80×24, once
        assert f"{first}. {course.lessons[first - 1].title}" in lines[at - 1]
        assert f"{first + 1}. {course.lessons[first].title}" in lines[at + 1]
        assert max(len(line) for line in lines) <= SIZE[0]
        # the cursor keys pass over the heading, both ways
        for _ in range(first - 1):
            await pilot.press("down")
        await pilot.pause()
        assert highlighted_id(app) == ids[first - 1]
        await pilot.press("down")
        await pilot.pause()
        assert highlighted_id(app) == "activations"
        assert "Activation derivatives" in str(app.screen.query_one("#lesson-info").render())
        await pilot.press("up")
        await pilot.pause()
        assert highlighted_id(app) == ids[first - 1]
        for key in ("pagedown", "pagedown", "pageup", "end", "home"):
            await pilot.press(key)
            await pilot.pause()
            assert highlighted_id(app) is not None, key  # never resting on the heading
        assert highlighted_id(app) == ids[0]
        await pilot.press("end")
        await pilot.pause()
        assert highlighted_id(app) == ids[-1] and heading_lines(app)  # scrolled: still shown
        # Enter opens the highlighted lesson, not the one a heading shifted it to
        await pilot.press("up")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.id == ids[-2]


async def test_continue_past_the_heading_highlights_and_opens_its_lesson(data_dir: Path) -> None:
    course = course_for(None)
    ids = [lesson.id for lesson in course.lessons]
    lesson = course.lessons[ids.index("graphs")]  # two lessons into the second part
    store = ProgressStore(data_dir)
    store.mark_welcomed()
    store.mark_seen(lesson.id, lesson.steps[1].id)
    app = BptutorApp(course, store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        assert highlighted_id(app) == "graphs"
        row = f"{ids.index('graphs') + 1}. {lesson.title}"
        assert any(line.startswith("│") and row in line for line in screen_lines(app))
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.id == "graphs" and app.screen.step_index == 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        assert highlighted_id(app) == "graphs"

"""Shared helpers for the TUI tests: a fresh data dir per test, the real course and engine."""

from __future__ import annotations

import html
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bptutor.engine.course.exercise import DrawnStep, draw
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.model import Course, Lesson, Step
from bptutor.engine.course.progress import ProgressStore
from bptutor.tui.app import BptutorApp
from bptutor.tui.screens.lesson import LessonScreen
from textual.app import App
from textual.widgets import Input, OptionList

SEED = 1234
SIZE = (80, 24)
ANSWER_KINDS = ("derivative", "expression", "value", "vector", "matrix")


def make_app(
    data_dir: Path,
    *,
    lessons: Path | None = None,
    seed: int | None = SEED,
    welcomed: bool = True,
) -> BptutorApp:
    """The app as `bptutor --data-dir DATA [--lessons DIR] --seed SEED` builds it."""
    store = ProgressStore(data_dir)
    if welcomed:
        store.mark_welcomed()
    return BptutorApp(course_for(lessons), store, seed=seed)


_COURSES: dict[Path | None, Course] = {}


def course_for(lessons: Path | None) -> Course:
    """The built-in course is loaded once per test session (it is immutable)."""
    if lessons is not None:
        return load_course(lessons)
    if None not in _COURSES:
        _COURSES[None] = load_course(None)
    return _COURSES[None]


@dataclass
class Target:
    """A step of the course (where the map and the lesson list it), drawn for a seed."""

    lesson_index: int
    step_index: int
    lesson: Lesson
    step: Step
    inst: DrawnStep


def targets(
    course: Course, wanted: Callable[[Lesson, Step], bool], seed: int = SEED
) -> Iterator[Target]:
    """Every step `wanted(lesson, step)` picks, in course order, drawn for `seed`."""
    for li, lesson in enumerate(course.lessons):
        for si, step in enumerate(lesson.steps):
            if wanted(lesson, step):
                yield Target(li, si, lesson, step, draw(lesson, step, seed))


def is_typed(lesson: Lesson, step: Step) -> bool:
    """A step whose exercise takes a typed answer (a formula, a number, a vector, a matrix)."""
    return step.exercise is not None and step.exercise.kind in ANSWER_KINDS


def step_target(course: Course, lesson_id: str, step_id: str, seed: int = SEED) -> Target:
    """The step `lesson_id`/`step_id`, drawn for `seed`."""
    here = (lesson_id, step_id)
    found = next(targets(course, lambda lesson, step: (lesson.id, step.id) == here, seed), None)
    assert found is not None, f"no {lesson_id}/{step_id} step"
    return found


_TARGETS: dict[tuple[int, int], Target] = {}


def first_typed_step(course: Course, seed: int = SEED) -> Target:
    """The first step of the course that takes a typed answer (drawn once per course, seed)."""
    key = (id(course), seed)
    if key not in _TARGETS:
        found = next(targets(course, is_typed, seed), None)
        assert found is not None, "the built-in course has no exercise with a typed answer"
        _TARGETS[key] = found
    return _TARGETS[key]


def wrong_answer(inst: DrawnStep) -> str:
    """An answer the engine itself grades as incorrect (never a number typed by hand)."""
    candidates = [f"-({inst.solution})", f"2*({inst.solution})", f"({inst.solution})+1"]
    if inst.kind in ("vector", "matrix"):
        shape = tuple(inst.expected_shape)
        rows, cols = (1, shape[0]) if len(shape) == 1 else shape
        candidates = []
        for fill in ("0", "1"):
            row = ", ".join([fill] * cols)
            candidates.append("[" + "; ".join([row] * rows) + "]")
    for candidate in candidates:
        if inst.check(candidate).status == "incorrect":
            return candidate
    raise AssertionError(f"no wrong answer found for {inst.solution!r}")


def first_step_of_kind(course: Course, kind: str, seed: int = SEED) -> Target | None:
    """The first step whose exercise is of `kind` (choice, train, ...), drawn for `seed`."""
    return next(
        targets(course, lambda _, s: s.exercise is not None and s.exercise.kind == kind, seed),
        None,
    )


async def open_target(
    pilot: Any, app: BptutorApp, target: Target | None = None
) -> tuple[Target, LessonScreen]:
    """From the map, open the target's lesson (default: the first typed exercise) and walk
    to its step with ctrl+n."""
    target = target or first_typed_step(app.course)
    options = app.screen.query_one("#lessons", OptionList)
    options.highlighted = options.get_option_index(target.lesson.id)  # headings sit between
    await pilot.press("enter")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    assert screen.lesson.id == target.lesson.id
    while screen.step_index < target.step_index:
        await pilot.press("ctrl+n")
        await pilot.pause()
    assert screen.step.id == target.step.id
    return target, screen


@asynccontextmanager
async def on_step(
    data_dir: Path, target: Target | None = None, **options: Any
) -> AsyncIterator[tuple[Any, BptutorApp, Target, LessonScreen]]:
    """The app (`make_app(data_dir, **options)`) running at SIZE with a step opened from the
    map (default: the first typed exercise); yields (pilot, app, target, screen)."""
    app = make_app(data_dir, **options)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        target, screen = await open_target(pilot, app, target)
        yield pilot, app, target, screen


async def wait_for(pilot: Any, condition: Callable[[], object], seconds: float = 90.0) -> None:
    """Pause until `condition()` holds: a deadline, never a fixed wait (generous: a training
    run in a child process on a loaded machine can take a minute)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= deadline:
            shown = "\n".join(screen_lines(pilot.app))
            raise AssertionError(f"the app never reached the expected state; the screen:\n{shown}")
        await pilot.pause(0.02)


async def answer_wrong(pilot: Any, app: BptutorApp) -> tuple[Target, LessonScreen]:
    """Open the first typed exercise and submit an answer the engine grades as wrong."""
    target, screen = await open_target(pilot, app)
    screen.query_one("#answer", Input).value = wrong_answer(target.inst)
    await pilot.press("enter")
    await pilot.pause()
    return target, screen


_SVG_TEXT = re.compile(r"<text ([^>]*)>(.*?)</text>")
_SVG_X = re.compile(r'\bx="([\d.]+)"')
_SVG_LINE = re.compile(r"-line-(\d+)\)")
_CELL_WIDTH = 12.2  # pixels per column in Rich's SVG export


def screen_lines(app: App) -> list[str]:
    """The text on the terminal now, one string per row (read from Textual's public SVG
    screenshot, so a test sees what the learner sees, cut-off text included)."""
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    for attrs, body in _SVG_TEXT.findall(app.export_screenshot()):
        line, x = _SVG_LINE.search(attrs), _SVG_X.search(attrs)
        if line is None or x is None:
            continue  # the window title
        row, col = int(line.group(1)), round(float(x.group(1)) / _CELL_WIDTH)
        for offset, char in enumerate(html.unescape(body).replace("\xa0", " ")):
            if 0 <= row < height and 0 <= col + offset < width:
                rows[row][col + offset] = char
    return ["".join(row).rstrip() for row in rows]

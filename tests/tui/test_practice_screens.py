"""Practice until it sticks (issue 13), driven through the app: another variant of a step, the
review queue on the map (dates from an injected clock) and the learner's summary."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path

from bptutor.engine.course.exercise import draw, has_variants
from bptutor.engine.course.model import Lesson, Step
from bptutor.engine.course.progress import ProgressStore
from bptutor.tui.app import BptutorApp
from bptutor.tui.screens.course_map import CourseMapScreen
from bptutor.tui.screens.lesson import LessonScreen
from bptutor.tui.screens.summary import SummaryScreen
from lesson_files import lesson_text
from textual.widgets import Input
from tui_helpers import (
    SEED,
    SIZE,
    Target,
    course_for,
    first_typed_step,
    is_typed,
    make_app,
    open_target,
    screen_lines,
    targets,
    wrong_answer,
)

TODAY = datetime(2026, 3, 2, 9, 0)


def app_on(data_dir: Path, day: datetime, *, review: bool = True) -> BptutorApp:
    """The app with its clock fixed on `day` (the review queue's dates come from it)."""
    store = ProgressStore(data_dir, clock=lambda: day)
    store.mark_welcomed()
    return BptutorApp(course_for(None), store, seed=SEED, review=review)


def text_of(app: BptutorApp) -> str:
    return "\n".join(screen_lines(app))


async def submit(pilot, screen: LessonScreen, answer: str) -> None:
    screen.query_one("#answer", Input).value = answer
    await pilot.press("enter")
    await pilot.pause()


def typed_steps_with_variants(count: int) -> list[Target]:
    """The first `count` typed exercises whose numbers change from one variant to the next."""

    def varies(lesson: Lesson, step: Step) -> bool:
        return is_typed(lesson, step) and has_variants(lesson, step, SEED)

    found = list(itertools.islice(targets(course_for(None), varies), count))
    assert len(found) == count, "the course has too few typed steps with variants"
    return found


async def test_a_fresh_variant_solved_after_a_reveal_counts_and_keeps_the_reveal(
    data_dir: Path,
) -> None:
    target = typed_steps_with_variants(1)[0]
    app = app_on(data_dir, TODAY)
    async with app.run_test(size=SIZE) as pilot:
        _, screen = await open_target(pilot, app, target)
        await pilot.press("ctrl+r", "ctrl+r")  # the second press confirms
        await pilot.pause()
        assert "marked as revealed" in text_of(app)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert screen.variant >= 1
        assert "variant 1" in text_of(app)  # the first fresh numbers asked for
        fresh = draw(target.lesson, target.step, SEED, variant=screen.variant)
        assert not fresh.same_numbers(target.inst)
        assert "marked as revealed" not in text_of(
            app
        )  # the new numbers' solution is not on screen
        await submit(pilot, screen, fresh.solution)
        assert screen.solved
        assert "✓ solved" in text_of(app)
        progress_variant = screen.variant
    progress = ProgressStore(data_dir).step(target.lesson.id, target.step.id)
    assert progress.solved and progress.revealed
    assert progress.variants_solved == {progress_variant}
    assert progress.variants_tried >= {0, progress_variant}


async def test_a_step_with_fixed_numbers_says_it_has_no_other_variant(data_dir: Path) -> None:
    fixed = next(
        targets(
            course_for(None),
            lambda lesson, step: (
                step.exercise is not None
                and step.exercise.kind == "derivative"
                and not has_variants(lesson, step, SEED)
            ),
        )
    )
    app = app_on(data_dir, TODAY)
    async with app.run_test(size=SIZE) as pilot:
        _, screen = await open_target(pilot, app, fixed)
        assert "Another" not in text_of(app)  # the footer does not offer what cannot be
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert screen.variant == 0
        await pilot.press("ctrl+n")  # the next step has numbers to change: offered there
        await pilot.pause()
        if screen.kind in ("derivative", "value", "vector", "matrix", "expression"):
            assert ("Another" in text_of(app)) == has_variants(screen.lesson, screen.step, SEED)


async def test_wrong_then_right_is_due_tomorrow_not_today(data_dir: Path) -> None:
    target = first_typed_step(course_for(None))
    app = app_on(data_dir, TODAY)
    async with app.run_test(size=SIZE) as pilot:
        _, screen = await open_target(pilot, app, target)
        await submit(pilot, screen, wrong_answer(target.inst))
        await submit(pilot, screen, target.inst.solution)
        assert screen.solved
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        assert "Review:" not in text_of(app)  # nothing due today
    tomorrow = app_on(data_dir, TODAY + timedelta(days=1))
    async with tomorrow.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Review: 1 due" in text_of(tomorrow)
    # --no-review: the queue is kept but not offered
    off = app_on(data_dir, TODAY + timedelta(days=1), review=False)
    async with off.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Review:" not in text_of(off)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(off.screen, CourseMapScreen)


async def test_a_review_walks_the_due_steps_with_new_numbers(data_dir: Path) -> None:
    targets = typed_steps_with_variants(2)
    store = ProgressStore(data_dir, clock=lambda: TODAY)
    for t in targets:  # both needed a second try: both enter the queue
        store.record_attempt(t.lesson.id, t.step.id, "0", "incorrect")
        store.record_attempt(t.lesson.id, t.step.id, t.inst.solution, "correct")
    # a step the course no longer has (an edited course) is dropped without a word
    store.record_attempt(targets[0].lesson.id, "a-removed-step", "0", "incorrect")
    store.record_attempt(targets[0].lesson.id, "a-removed-step", "1", "correct")
    app = app_on(data_dir, TODAY + timedelta(days=1))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Review: 2 due" in text_of(app)
        await pilot.press("r")
        await pilot.pause()
        for number, target in enumerate(targets, 1):
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            assert screen.step.id == target.step.id
            assert screen.variant >= 1
            assert f"Review {number}/2" in text_of(app)
            fresh = draw(target.lesson, target.step, SEED, variant=screen.variant)
            assert not fresh.same_numbers(target.inst)  # new numbers, not the ones solved
            await submit(pilot, screen, fresh.solution)
            assert screen.solved
            await pilot.press("enter")  # on to the next due step
            await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        assert "Review:" not in text_of(app)  # nothing left due today
    after = ProgressStore(data_dir, clock=lambda: TODAY + timedelta(days=1))
    for t in targets:
        state = after.step(t.lesson.id, t.step.id).review
        assert state is not None and state.box == 1  # clean: up a box, due in 3 days
        assert state.due == (TODAY + timedelta(days=4)).date()


async def test_the_summary_screen_shows_the_learners_record(data_dir: Path) -> None:
    target = first_typed_step(course_for(None))
    store = ProgressStore(data_dir, clock=lambda: TODAY)
    store.record_hint(target.lesson.id, target.step.id)
    store.record_attempt(target.lesson.id, target.step.id, target.inst.solution, "correct")
    app = app_on(data_dir, TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        text = text_of(app)
        assert "1st try" in text and "review" in text
        assert f"seed {SEED}" in text
        assert "1 of " in text and "exercises solved, 0 of them at the first try" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)


async def test_a_review_starts_clean_and_keeps_the_learners_place(data_dir: Path) -> None:
    """Hints taken before are not on screen in a review; the map's "Continue" stays where the
    learner was; ctrl+l reads the lesson up to the step under review, not to its answer;
    ctrl+r after solving costs nothing."""
    target = typed_steps_with_variants(1)[0]
    store = ProgressStore(data_dir, clock=lambda: TODAY)
    store.record_hint(target.lesson.id, target.step.id)
    store.record_attempt(target.lesson.id, target.step.id, target.inst.solution, "correct")
    elsewhere = app_on(data_dir, TODAY).course.lessons[-1]
    store.mark_seen(elsewhere.id, elsewhere.steps[0].id)
    app = app_on(data_dir, TODAY + timedelta(days=1))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        continue_line = next(line for line in screen_lines(app) if "Continue (c)" in line)
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen) and screen.review is not None
        assert screen.hints_shown == 0 and "Hint 1" not in text_of(app)
        if screen.step_index > 0:
            await pilot.press("ctrl+l")
            await pilot.pause()
            reading = app.screen
            assert isinstance(reading, LessonScreen) and reading is not screen
            for _ in range(len(target.lesson.steps)):
                await pilot.press("ctrl+n")
                await pilot.pause()
            assert reading.step_index == screen.step_index - 1  # stops before the review
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen
        fresh = draw(target.lesson, target.step, SEED, variant=screen.variant)
        await submit(pilot, screen, fresh.solution)
        assert screen.solved
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "marked as revealed" in text_of(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        assert continue_line in screen_lines(app)
    after = ProgressStore(data_dir).step(target.lesson.id, target.step.id)
    assert not after.revealed  # looking after solving is free
    assert after.review is not None and after.review.box == 1


async def test_the_header_counts_fresh_numbers_one_by_one(tmp_path: Path, write_course) -> None:
    """The variant numbers skip draws that repeat the numbers on screen (two values here, so
    they often do); the header counts the learner's fresh sets 1, 2, 3... all the same."""
    lesson = lesson_text("two_values")
    (tmp_path / "course").mkdir()
    course = write_course(tmp_path / "course", {"two": lesson})
    app = make_app(tmp_path / "data", lessons=course)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _, screen = await open_target(pilot, app)  # the lesson's one step
        shown, notes, variants = [], [], []
        for _ in range(5):
            await pilot.press("ctrl+o")
            await pilot.pause()
            variants.append(screen.variant)
            lines = screen_lines(app)
            shown.append(next(line for line in lines if "variant" in line))
            notes.append(next(line for line in lines if "Variant" in line))
        assert any(b - a > 1 for a, b in itertools.pairwise(variants)), variants  # it skipped
        for n, (line, note) in enumerate(zip(shown, notes, strict=True), start=1):
            assert f"variant {n}" in line, (n, line, variants)
            assert f"Variant {n}:" in note, (n, note, variants)  # the note says the same

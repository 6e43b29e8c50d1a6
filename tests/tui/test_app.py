"""The tutor driven through Textual's Pilot at 80x24, with the real course and engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bptutor.engine.course.controls import CONTROL
from bptutor.engine.course.progress import FILE_NAME, ProgressStore
from bptutor.tui.app import BptutorApp
from bptutor.tui.screens.course_errors import CourseErrorsScreen
from bptutor.tui.screens.course_map import CourseMapScreen
from bptutor.tui.screens.help import HelpScreen
from bptutor.tui.screens.lesson import LessonScreen
from bptutor.tui.screens.too_small import TooSmallScreen
from bptutor.tui.screens.welcome import WelcomeScreen
from lesson_files import lesson_text
from textual import events
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Input, Markdown, OptionList, Static
from tui_helpers import (
    SEED,
    SIZE,
    course_for,
    first_step_of_kind,
    make_app,
    on_step,
    open_target,
    screen_lines,
    step_target,
    wait_for,
    wrong_answer,
)


def text_of(widget: Any) -> str:
    if isinstance(widget, Markdown):
        return widget.source or ""
    return str(widget.render())


class Notices:
    """A `run_test(message_hook=...)` that keeps every notification the app posts."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.messages.append(message.notification.message)

    def __str__(self) -> str:
        return "\n".join(self.messages)


async def type_keys(pilot: Any, screen: LessonScreen, text: str) -> None:
    """Keystroke by keystroke, as a learner types (Pilot has no key for a few symbols)."""
    answer_box = screen.query_one("#answer", Input)
    for ch in text:
        if ch.isascii():
            await pilot.press(ch)
        else:
            answer_box.insert_text_at_cursor(ch)


async def type_answer(pilot: Any, screen: LessonScreen, answer: str) -> None:
    screen.query_one("#answer", Input).value = ""
    await type_keys(pilot, screen, answer)
    await pilot.press("enter")
    await pilot.pause()


async def test_map_shows_every_lesson_with_its_state(data_dir: Path) -> None:
    app = make_app(data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        options = app.screen.query_one("#lessons", OptionList)
        lessons = [o.id for o in options.options if o.id is not None]
        assert lessons == [lesson.id for lesson in app.course.lessons] != []
        first = str(options.get_option_at_index(0).prompt)
        assert app.course.lessons[0].title[:30] in first
        assert "not started" in first


async def test_course_loads_in_the_background_after_the_first_frame(data_dir: Path) -> None:
    """The first frame lists the lessons from the course's outline; a lesson opened before the
    full course has loaded opens once it has."""
    store = ProgressStore(data_dir)
    store.mark_welcomed()
    app = BptutorApp(None, store, seed=SEED)  # what `bptutor` does
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, CourseMapScreen)
        options = app.screen.query_one("#lessons", OptionList)
        titles = [lesson.title for lesson in app.course.lessons]
        listed = [o for o in options.options if o.id is not None]  # lessons, not headings
        assert len(listed) == len(titles) > 0  # listed at once, loaded or not
        assert titles[0][:30] in str(options.get_option_at_index(0).prompt)
        options.highlighted = 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        assert app.course_loaded and app.screen.lesson.title == titles[1]
        assert app.screen.lesson.steps[0].text  # the full lesson, not its outline


async def test_wrong_answer_hint_right_answer_then_resume(data_dir: Path) -> None:
    async with on_step(data_dir) as (pilot, app, target, screen):
        inst = target.inst

        wrong = wrong_answer(inst)
        await type_answer(pilot, screen, wrong)
        verdict = text_of(screen.query_one("#verdict", Static))
        assert verdict.startswith("✗")
        assert inst.check(wrong).message.splitlines()[0] in verdict
        assert "1 try" in text_of(screen.query_one("#lesson-header", Static))

        if inst.hints:
            await pilot.press("ctrl+t")
            await pilot.pause()
            assert inst.hints[0] in text_of(screen.query_one("#notes", Markdown))

        await type_answer(pilot, screen, str(inst.solution))
        assert text_of(screen.query_one("#verdict", Static)).startswith("✓")
        assert "✓ solved" in text_of(screen.query_one("#lesson-header", Static))
        store = ProgressStore(data_dir)  # what is on disk, read back independently
        saved = store.step(target.lesson.id, target.step.id)
        assert saved.solved and saved.attempts == 2
        assert saved.hints_used == (1 if inst.hints else 0)

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        row = str(app.screen.query_one("#lessons", OptionList).get_option(target.lesson.id).prompt)
        assert "in progress" in row or "done" in row
        await pilot.press("ctrl+q")
    assert app.return_code == 0

    # a new session with the same data dir continues right after the solved step
    again = make_app(data_dir)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        screen = again.screen
        assert isinstance(screen, LessonScreen)
        assert screen.lesson.id == target.lesson.id
        assert screen.step_index == target.step_index + 1


async def test_continue_returns_to_the_step_left_off_not_the_first_unsolved(
    data_dir: Path,
) -> None:
    async with on_step(data_dir) as (pilot, _, target, screen):
        # skip ahead without answering: the target stays unsolved
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.pause()
        left_at = screen.step_index
        assert left_at == target.step_index + 2
        await pilot.press("ctrl+q")

    again = make_app(data_dir)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        status = text_of(again.screen.query_one("#map-status", Static))
        assert f"step {left_at + 1} of" in status
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(again.screen, LessonScreen)
        assert again.screen.lesson.id == target.lesson.id
        assert again.screen.step_index == left_at


async def test_preview_and_unreadable_answer_is_not_counted(data_dir: Path) -> None:
    async with on_step(data_dir) as (pilot, _, target, screen):
        await type_keys(pilot, screen, str(target.inst.solution))
        await pilot.pause()
        preview = text_of(screen.query_one("#preview", Static))
        assert preview.startswith("read as: ")
        assert str(target.inst.preview(str(target.inst.solution)).read_as) in preview

        await type_answer(pilot, screen, "2*(")
        assert target.inst.check("2*(").status == "invalid"
        verdict = text_of(screen.query_one("#verdict", Static))
        assert verdict.startswith("?") and "not counted" in verdict
        # the reason is said once, on the preview line right above the verdict
        reason = str(target.inst.check("2*(").message)
        assert reason[:30] in text_of(screen.query_one("#preview", Static)).replace("\n", " ")
        assert reason[:30] not in verdict
        assert ProgressStore(data_dir).step(target.lesson.id, target.step.id).attempts == 0


async def test_the_preview_shows_an_ambiguous_grouping_and_warns(data_dir: Path) -> None:
    async with on_step(data_dir) as (pilot, _, target, screen):
        assert "x" in target.inst.variables
        await type_keys(pilot, screen, "x/2x")
        preview = screen.query_one("#preview", Static)
        await wait_for(pilot, lambda: "(x/2)·x" in text_of(preview))
        shown = " ".join(text_of(preview).split())
        assert shown == "read as: (x/2)·x — write x/(2x) if you meant that"


async def test_hints_run_out_politely_and_the_verdict_stays_in_view(data_dir: Path) -> None:
    async with on_step(data_dir) as (pilot, _, target, screen):
        hints = target.inst.hints
        assert hints, "every exercise has hints"
        for _ in hints:
            await pilot.press("ctrl+t")
            await pilot.pause()
        await pilot.press("ctrl+t")  # one more than there are
        await pilot.pause()
        assert "last hint" in text_of(screen.query_one("#verdict", Static))
        assert ProgressStore(data_dir).step(target.lesson.id, target.step.id).hints_used == len(
            hints
        )
        await pilot.press("ctrl+r", "ctrl+r")  # the notes grow: solution and explanation
        await pilot.pause()
        feedback = screen.query_one("#feedback")
        await type_answer(pilot, screen, str(target.inst.solution))
        assert text_of(screen.query_one("#verdict", Static)).startswith("✓")
        assert feedback.scroll_y == 0  # the verdict, at the top of the pane, is in view
        for _ in range(4):  # wrong answers on a solved step: no nudge towards the solution
            await type_answer(pilot, screen, wrong_answer(target.inst))
        verdict = text_of(screen.query_one("#verdict", Static))
        assert verdict.startswith("✗") and "ctrl+r" not in verdict


async def test_a_verdict_never_sits_under_a_different_answer(data_dir: Path) -> None:
    async with on_step(data_dir) as (pilot, _, target, screen):
        wrong = wrong_answer(target.inst)
        await type_answer(pilot, screen, wrong)
        assert text_of(screen.query_one("#verdict", Static)).startswith("✗")
        await pilot.press("enter")  # the same answer again: shown, not counted twice
        await pilot.pause()
        assert "not counted again" in text_of(screen.query_one("#verdict", Static))
        assert ProgressStore(data_dir).step(target.lesson.id, target.step.id).attempts == 1
        await type_keys(pilot, screen, "1")  # editing the answer: the old verdict goes
        await pilot.pause()
        assert text_of(screen.query_one("#verdict", Static)) == ""


async def test_solution_on_request_is_marked_revealed(data_dir: Path) -> None:
    async with on_step(data_dir) as (pilot, _, target, screen):
        await pilot.press("ctrl+r")  # first press only asks
        await pilot.pause()
        assert "again" in text_of(screen.query_one("#verdict", Static))
        assert not ProgressStore(data_dir).step(target.lesson.id, target.step.id).revealed
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert str(target.inst.solution) in text_of(screen.query_one("#notes", Markdown))
        assert "solution shown" in text_of(screen.query_one("#lesson-header", Static))
        assert ProgressStore(data_dir).step(target.lesson.id, target.step.id).revealed


async def test_q_types_into_the_answer_but_quits_elsewhere(data_dir: Path) -> None:
    async with on_step(data_dir) as (pilot, app, _, screen):
        await pilot.press("q", "question_mark")
        await pilot.pause()
        assert screen.query_one("#answer", Input).value == "q?"
        assert app.screen is screen  # neither quit nor help
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Answer syntax" in text_of(app.screen.query_one("#help-text", Static))
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_welcome_only_on_first_launch(data_dir: Path) -> None:
    app = make_app(data_dir, welcomed=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
    app = BptutorApp(make_app(data_dir, welcomed=False).course, ProgressStore(data_dir))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)


async def test_corrupted_progress_file_is_moved_aside_with_a_notice(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / FILE_NAME).write_text('{"version": 1, "lessons": ')
    app = make_app(data_dir)
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        assert "damaged" in str(notices) and "moved to" in str(notices)
    assert any(p.name.startswith(FILE_NAME + ".corrupt-") for p in data_dir.iterdir())
    assert json.loads((data_dir / FILE_NAME).read_text())["version"] == 1


async def test_unwritable_data_dir_warns_and_the_tutor_still_works(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    app = make_app(blocker / "data")
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await pilot.pause()
        assert "cannot be saved" in str(notices)
        assert "not being saved" in text_of(app.screen.query_one("#map-status", Static))
        target, screen = await open_target(pilot, app)
        await type_answer(pilot, screen, str(target.inst.solution))
        assert text_of(screen.query_one("#verdict", Static)).startswith("✓")


async def test_a_second_window_of_the_learner_keeps_its_records(data_dir: Path) -> None:
    """Issue 15: opening a step in one window must not erase what another window saved, and
    the map shows the other window's work once it is back on screen."""
    app = make_app(data_dir)
    other = ProgressStore(data_dir)  # the same learner in a second terminal
    last = app.course.lessons[-1]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        other.record_attempt(last.id, last.steps[0].id, "1", "incorrect")
        target, _screen = await open_target(pilot, app)  # opening a step saves
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        options = app.screen.query_one("#lessons", OptionList)
        assert "in progress" in str(options.get_option(last.id).prompt)
    again = ProgressStore(data_dir)
    assert again.step(last.id, last.steps[0].id).attempts == 1
    assert again.step(target.lesson.id, target.step.id).seen


ODD_LESSON = r"""
id = "odd"
title = "Odd \u001b]0;pwned\u0007 [b]title[/b]"
summary = "Summary \u001b[2J"

[[steps]]
id = "s1"
title = "Step [red]one[/red]"
text = "Text [bold]not bold[/bold] \u001b[31m"
hints = ["Hint [i]x[/i]"]
explanation = "E"

[steps.params]
u = { int = [1, 4], shape = [2] }

[steps.exercise]
kind = "value"
prompt = "[b]Length[/b] \u009b1A ="
answer = "norm(u)"
"""


async def test_lesson_text_is_plain_text_without_control_characters(
    tmp_path: Path, data_dir: Path
) -> None:
    """Issue 15: escapes in a lesson show as ^[, markup shows as written, pastes are filtered."""
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "index.toml").write_text('format_version = 1\ntitle = "T"\nlessons = ["odd"]\n')
    (folder / "odd.toml").write_text(ODD_LESSON, encoding="utf-8")
    app = make_app(data_dir, lessons=folder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        row = str(app.screen.query_one("#lessons", OptionList).get_option_at_index(0).prompt)
        assert "Odd ^[]0;pwned^G [b]title[/b]" in row
        assert "Summary ^[[2J" in text_of(app.screen.query_one("#lesson-info", Static))
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert "Step [red]one[/red]" in text_of(screen.query_one("#lesson-header", Static))
        assert text_of(screen.query_one("#prompt", Static)) == "[b]Length[/b] ^[[1A ="
        paragraph = screen.query_one("#prose-md", Markdown).query("MarkdownParagraph").first()
        assert "Text [bold]not bold[/bold] ^[[31m" in str(paragraph.render())
        answer = screen.query_one("#answer", Input)
        answer.post_message(events.Paste("1\x9b31m\x1b[2J\x9d0;x\x07"))
        await pilot.pause()
        assert answer.value == "131m[2J0;x"
        answer.insert_text_at_cursor("\x00\x7f\t2")
        await pilot.press("\x9b")  # an 8-bit control as a key: never typed in either
        await pilot.pause()
        assert answer.value == "131m[2J0;x 2"
        shown = [str(w.render()) for w in screen.query("Static, Label, MarkdownParagraph")] + [
            answer.value
        ]
        assert not any(CONTROL.search(text) for text in shown), shown


GOOD_LESSON = lesson_text("good")

BROKEN_LESSON = GOOD_LESSON.replace('id = "good"', 'id = "broken"').replace(
    'kind = "derivative"', 'kind = "derivatve"'
)


def half_broken_course(tmp_path: Path) -> Path:
    """A custom course of two lessons, the second with a misspelt exercise kind."""
    course = tmp_path / "course"
    course.mkdir()
    (course / "index.toml").write_text(
        'format_version = 1\ntitle = "Custom"\nlessons = ["good", "broken"]\n'
    )
    (course / "good.toml").write_text(GOOD_LESSON)
    (course / "broken.toml").write_text(BROKEN_LESSON)
    return course


async def test_custom_course_with_a_broken_lesson_lists_the_error(tmp_path: Path) -> None:
    course = half_broken_course(tmp_path)
    app = make_app(tmp_path / "data", lessons=course)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseErrorsScreen)
        listed = " ".join(text_of(w) for w in app.screen.query(".course-error"))
        assert "broken" in listed and "derivatve" in listed
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        assert app.screen.query_one("#lessons", OptionList).option_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)


async def test_first_launch_with_a_broken_course_shows_one_box_at_a_time(tmp_path: Path) -> None:
    course = half_broken_course(tmp_path)
    app = make_app(tmp_path / "data", lessons=course, welcomed=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        assert not any(isinstance(s, CourseErrorsScreen) for s in app.screen_stack)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CourseErrorsScreen)  # right after the welcome
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)


async def test_missing_lessons_dir_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    app = make_app(tmp_path / "data", lessons=tmp_path / "nowhere")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseErrorsScreen)
        assert "not a directory" in text_of(app.screen.query_one(".course-error", Static))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        await pilot.press("enter")  # nothing to open: stays calm
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)


async def test_small_terminal_asks_to_enlarge(data_dir: Path) -> None:
    app = make_app(data_dir)
    async with app.run_test(size=(50, 15)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        assert "enlarge" in text_of(app.screen.query_one("#too-small-text", Static))
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        await pilot.resize_terminal(59, 24)
        await pilot.pause()
        assert "59×24" in text_of(app.screen.query_one("#too-small-text", Static))
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "needs 60×20 or more" in shown and "this one is 40×12." in shown, shown


async def test_choice_a_letter_chooses_and_enter_confirms(data_dir: Path) -> None:
    target = first_step_of_kind(course_for(None), "choice")
    if target is None:
        pytest.skip("the course has no multiple-choice step")
    letters = "abcdefghijklmnopqrstuvwxyz"[: len(target.inst.choices)]
    verdicts = {ch: target.inst.check(ch) for ch in letters}  # the engine decides
    right = next(ch for ch, v in verdicts.items() if v.correct)
    wrong = next(ch for ch, v in verdicts.items() if not v.correct)
    async with on_step(data_dir, target) as (pilot, _, _, screen):
        choices = screen.query_one("#choices", OptionList)
        assert choices.option_count == len(letters)
        await pilot.press(wrong)  # a letter only chooses: a slip costs no try
        await pilot.pause()
        assert choices.highlighted == letters.index(wrong)
        assert f"Enter confirms {wrong})" in text_of(screen.query_one("#preview", Static))
        assert ProgressStore(data_dir).step(target.lesson.id, target.step.id).attempts == 0
        await pilot.press("pagedown", "pageup")  # they scroll the lesson text, not the options
        await pilot.pause()
        assert choices.highlighted == letters.index(wrong)
        await pilot.press("enter")
        await pilot.pause()
        assert text_of(screen.query_one("#verdict", Static)).startswith("✗")
        await pilot.press("enter")  # confirming the same wrong option is not a second try
        await pilot.pause()
        assert "not counted again" in text_of(screen.query_one("#verdict", Static))
        assert ProgressStore(data_dir).step(target.lesson.id, target.step.id).attempts == 1
        await pilot.press(str(letters.index(right) + 1), "enter")  # by number: "2" is b)
        await pilot.pause()
        assert text_of(screen.query_one("#verdict", Static)).startswith("✓")
    saved = ProgressStore(data_dir).step(target.lesson.id, target.step.id)
    assert saved.solved and saved.attempts == 2


async def test_a_wrapped_option_never_hides_the_last_one(data_dir: Path) -> None:
    """Lesson 03's "Why step against it?" wraps an option at 80 columns; after the window was
    40×12 and is 80×24 again, every option is still on screen, none scrolled away."""
    target = step_target(course_for(None), "gradient", "why-descent")
    async with on_step(data_dir, target) as (pilot, app, _, screen):
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        choices = screen.query_one("#choices", OptionList)
        assert choices.max_scroll_y == 0
        shown = " ".join(" ".join(screen_lines(app)).split())
        for option in target.inst.choices:
            assert option.split()[-1] in shown, option


async def test_a_train_step_is_solved_by_training_to_the_end(data_dir: Path) -> None:
    """Opening the view and leaving at epoch 0 does not solve the step; a finished run does."""
    target = first_step_of_kind(course_for(None), "train")
    assert target is not None, "the course has a train step"
    from bptutor.tui.screens.training import TrainingScreen
    from test_training_screen import press_live

    async with on_step(data_dir, target) as (pilot, app, _, screen):
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TrainingScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert not screen.solved
        assert "Train to the end" in " ".join(screen_lines(app))
        assert not ProgressStore(data_dir).step(target.lesson.id, target.step.id).solved

        await pilot.press("t")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, TrainingScreen)
        await press_live(pilot, "space")
        goal = view.session.config.epochs
        await wait_for(pilot, lambda: view.session.epoch >= goal and not view.running, 120)
        await press_live(pilot, "escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: screen.solved)
        assert "✓ solved" in text_of(screen.query_one("#lesson-header", Static))
        index = screen.step_index
        await pilot.press("enter")  # goes on, as the note says: not the training view again
        await pilot.pause()
        assert not isinstance(app.screen, TrainingScreen)
        assert app.screen is not screen or screen.step_index == index + 1
    assert ProgressStore(data_dir).step(target.lesson.id, target.step.id).solved


async def test_map_key_opens_the_free_playground(data_dir: Path) -> None:
    from bptutor.tui.screens.training import TrainingScreen

    app = make_app(data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TrainingScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)


async def test_a_finished_course_says_so_and_c_does_not_reopen_a_lesson(data_dir: Path) -> None:
    app = make_app(data_dir)
    for lesson in app.course.lessons:
        for step in lesson.steps:
            app.store.mark_solved(lesson.id, step.id)
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await pilot.pause()
        assert "Course complete" in text_of(app.screen.query_one("#map-status", Static))
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
        assert "Every exercise is solved" in str(notices)


async def test_the_map_says_what_it_counts(data_dir: Path) -> None:
    app = make_app(data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        first = app.course.lessons[0]
        exercises = len(first.exercises)
        assert f"0/{exercises}" in shown and "exercises solved" in shown
        assert f"{len(first.steps)} steps, {exercises} exercises" in shown


async def test_moving_on_the_map_before_the_course_has_loaded_is_kept(data_dir: Path) -> None:
    store = ProgressStore(data_dir)
    store.mark_welcomed()
    app = BptutorApp(None, store, seed=SEED)
    async with app.run_test(size=SIZE) as pilot:
        options = app.screen.query_one("#lessons", OptionList)
        await pilot.press("down", "down", "down")  # before the full course is there
        await wait_for(pilot, lambda: app.course_loaded)
        await pilot.pause()
        assert options.highlighted == 3
        assert app.course.lessons[3].title in text_of(app.screen.query_one("#lesson-info"))

"""One lesson, one step at a time: prose, the exercise, a live preview and the verdict.

Layout is designed for 80x24 first: the prose scrolls (PageUp/PageDown work while typing) and
the answer line, preview and verdict stay visible below it. Lesson text arrives with control
characters already shown as ^[ (the loader); the step's text, hints and explanation are
Markdown by the lesson format, everything else is shown as plain text (Text objects or
markup=False), never as Rich/Textual markup. Typed answers never take a control character in.

The screen binds the keys, moves between steps and wires its parts, which live apart: what
counts as a try, a hint or a reveal on the numbers shown (tui/step_visit.py, Textual-free), the
header (tui/widgets/lesson_header.py), the exercise panel with the answer box and its preview,
the options, the training button and the learner's code file (exercise_panel.py, code_file.py)
and the feedback pane with the verdict and the notes (step_feedback.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from bptutor.engine.course.code_format import default_work_dir, starter_text, work_path
from bptutor.engine.course.exercise import (
    ANSWER_KINDS,
    DrawnStep,
    draw,
    fresh_variant,
    has_variants,
)
from bptutor.engine.course.model import LETTERS, CodeSpec, GradientsSpec, Lesson, Step
from bptutor.engine.course.review import ReviewSession
from bptutor.tui.step_visit import StepVisit
from bptutor.tui.widgets.code_file import CodeChecked
from bptutor.tui.widgets.exercise_panel import ExercisePanel
from bptutor.tui.widgets.lesson_header import LessonHeader
from bptutor.tui.widgets.prose import Prose
from bptutor.tui.widgets.step_feedback import StepFeedback
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Markdown, OptionList

if TYPE_CHECKING:
    from bptutor.engine.answers.grading import Verdict
    from bptutor.engine.course.code_train import TrainOutcome
    from bptutor.tui.app import BptutorApp
    from bptutor.tui.screens.training import TrainingScreen

__all__ = ["LessonScreen"]


LESSON_BINDINGS: list[BindingType] = [
    Binding("escape", "back", "Map", id="lesson.back"),
    Binding("ctrl+p", "previous_step", "Prev", id="lesson.previous"),
    Binding("ctrl+n", "next_step", "Next", id="lesson.next"),
    Binding("ctrl+t", "hint", "Hint", id="lesson.hint"),
    Binding("ctrl+r", "solution", "Solution", id="lesson.solution"),
    Binding("ctrl+o", "another", "Another", id="lesson.another"),
    Binding("ctrl+l", "lesson_text", "Lesson", id="lesson.lesson_text"),
    Binding("t", "train", "Training view", id="lesson.train"),
    Binding("e", "edit_code", "Edit your file", id="lesson.edit_code"),
    Binding("f1", "app.help", "Help", id="lesson.help"),
    Binding("enter", "advance", "Next", id="lesson.advance", show=False),
    # priority: the lesson text scrolls whatever has focus (an option list would move its
    # highlight instead, and the question above it could not be read)
    Binding(
        "pageup",
        "scroll_prose(-1)",
        "Scroll up",
        id="lesson.page_up",
        show=False,
        priority=True,
    ),
    Binding(
        "pagedown",
        "scroll_prose(1)",
        "Scroll down",
        id="lesson.page_down",
        show=False,
        priority=True,
    ),
    # plain keys: an Input with focus types them instead (ctrl+q / F1 always work)
    Binding("question_mark", "app.help", "Help", id="lesson.help_key", show=False),
    Binding("q", "app.quit", "Quit", id="lesson.quit", show=False),
]
"""The lesson screen's keys (the footer shows those marked to show; the help's own list,
tui/screens/help.py, says them in words)."""


class LessonScreen(Screen["bool | None"]):
    """Steps of one lesson; progress is stored after every graded answer."""

    BINDINGS: ClassVar[list[BindingType]] = LESSON_BINDINGS

    step_index: reactive[int] = reactive(0, bindings=True, init=False)

    def __init__(
        self,
        lesson: Lesson,
        step_index: int = 0,
        *,
        variant: int = 0,
        review: ReviewSession | None = None,
        stop_before: int | None = None,
    ) -> None:
        """`variant`: the numbers to show first (0: the learner's own); `review`: this screen
        shows one due step of a review sitting (no moving between steps); `stop_before`: the
        lesson read from a review (ctrl+l) ends before the step under review."""
        super().__init__()
        self.lesson = lesson
        self.variant = variant
        self.review = review
        self.stop_before = stop_before
        self.visit: StepVisit | None = None  # the learner's record of the numbers on screen
        self._variants: bool | None = None  # has_variants for the step on screen, once asked
        self.inst: DrawnStep | None = None
        self._verdict_for: str | None = None  # the answer the verdict on screen is about
        self.set_reactive(LessonScreen.step_index, max(0, min(step_index, len(lesson.steps) - 1)))

    @property
    def tutor(self) -> BptutorApp:
        return self.app  # type: ignore[return-value]

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.step_index]

    @property
    def kind(self) -> str | None:
        return self.inst.kind if self.inst is not None else None

    @property
    def solved(self) -> bool:
        """The numbers on screen are solved (fresh numbers start unsolved)."""
        return self.visit is not None and self.visit.solved

    @property
    def hints_shown(self) -> int:
        return self.visit.hints_shown if self.visit is not None else 0

    @property
    def _last_correct(self) -> str | None:
        return self.visit.last_correct if self.visit is not None else None

    # ---------------------------------------------------------------------------- layout
    @property
    def exercise(self) -> ExercisePanel:
        return self.query_one("#exercise", ExercisePanel)

    @property
    def feedback(self) -> StepFeedback:
        return self.query_one("#feedback", StepFeedback)

    def compose(self) -> ComposeResult:
        yield LessonHeader(id="lesson-header")
        with VerticalScroll(id="prose"):
            yield Prose(id="prose-md")
        yield ExercisePanel(id="exercise")
        yield StepFeedback(id="feedback")
        yield Footer()

    async def on_mount(self) -> None:
        await self.show_step(self.step_index, self.variant)

    # ----------------------------------------------------------------------- step display
    async def show_step(self, index: int, variant: int = 0) -> None:
        """Draw step `index` fresh (as `variant`): its instance, stored hints/solution, the
        right widgets."""
        self.step_index = index
        self.variant = variant
        lesson, step = self.lesson, self.step
        self.exercise.code.stop()
        self._variants = None
        self._verdict_for = None
        try:
            self.inst = draw(lesson, step, self.tutor.seed, variant=variant)
            prose = self.inst.text
        except Exception as exc:  # a broken exercise must not take the tutor down
            self.inst = None
            prose = f"**This step could not be prepared.**\n\n{type(exc).__name__}: {exc}"
        # a review, and the lesson read from one, leave where the learner continues alone
        aside = self.review is not None or self.stop_before is not None
        visit = self.visit = StepVisit(
            self.tutor.store,
            lesson,
            step,
            variant,
            hints=len(self._hints()),
            review=self.review,
            aside=aside,
        )
        self.tutor.show_store_notices()
        kind = self.kind
        await self.query_one("#prose-md", Markdown).update(prose)
        self.query_one("#prose", VerticalScroll).scroll_home(animate=False)
        self.feedback.show_opening(visit, self.inst, self._next_hint())
        if not self.exercise.show(self.inst):
            self.query_one("#prose", VerticalScroll).focus()
        if kind == "code" and self.inst is not None and self.inst.code is not None:
            path = self._work_file(step.exercise.code)
            starter = starter_text(lesson, self.inst.code.file)
            self.exercise.code.start(self.inst.code, path, starter)
        await self._update_notes(revealed=visit.revealed, explain=visit.solved)
        # the header last: once it names the new step, the step is ready for keys
        self._update_header()

    def _hints(self) -> tuple[str, ...]:
        return self.inst.hints if self.inst is not None else ()

    def _next_hint(self) -> str:
        if self.review is not None:
            more = self.review.index + 1 < len(self.review.items)
            return "Enter: the next review." if more else "Enter: back to the map."
        last = self.step_index >= len(self.lesson.steps) - 1
        return "Enter: back to the map." if last else "Enter or ctrl+n: next step."

    def _update_header(self) -> None:
        self.query_one("#lesson-header", LessonHeader).show(
            self.lesson,
            self.step_index,
            variant=self.variant,
            review=self.review,
            reading=self.stop_before is not None,
            visit=self.visit if self.kind is not None else None,
        )

    async def _update_notes(self, *, revealed: bool = False, explain: bool = False) -> None:
        await self.feedback.show_notes(
            self.inst, hints=self.hints_shown, revealed=revealed, explain=explain
        )

    # -------------------------------------------------------------------------- answering
    @on(Input.Changed, "#answer")
    def _answer_changed(self, event: Input.Changed) -> None:
        if self._verdict_for is not None and event.value.strip() != self._verdict_for:
            # the verdict was about the answer before this edit: it would mislead now
            self._verdict_for = None
            self.feedback.note("")

    @on(Input.Submitted, "#answer")
    async def _answer_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self._answer_given(event.value.strip())

    @on(OptionList.OptionSelected, "#choices")
    async def _choice_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        await self._answer_given(LETTERS[event.option_index])

    async def _answer_given(self, answer: str) -> None:
        """Enter in the answer box (the text, stripped) or an option chosen (its letter)."""
        if self.solved and answer == self._last_correct:
            await self.action_advance()  # Enter again after "✓ Right." moves on
            return
        if not answer:
            self.feedback.note("? Type an answer first.")
            return
        await self.submit(answer)

    async def submit(self, answer: str) -> None:
        """Grade `answer`, store it (unless unreadable) and show the verdict."""
        assert self.inst is not None
        await self.record_verdict(answer, self.inst.check(answer))

    async def record_verdict(self, answer: str, verdict: Verdict, *, count: bool = True) -> None:
        """Store a graded answer (unless unreadable, repeated or `count=False`) and show its
        verdict."""
        assert self.visit is not None
        recorded = self.visit.record(answer, verdict, count=count)
        self.tutor.show_store_notices()
        progress = self.visit.progress
        self._verdict_for = answer
        self.feedback.show_verdict(
            verdict,
            kind=self.kind,
            # no "ctrl+r shows the solution" nudge on a step already solved
            attempts=0 if progress.solved else progress.attempts,
            repeated=recorded.repeated,
            next_hint=self._next_hint(),
        )
        self._update_header()
        await self._update_notes(revealed=self.visit.revealed, explain=self.solved)
        # the verdict sits at the top of the feedback pane: bring it into view
        self.feedback.scroll_home(animate=False)

    # ---------------------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        kind = self.kind
        if action in ("previous_step", "next_step") and self.review is not None:
            return False  # a review shows one step: Enter goes on to the next due one
        if action == "previous_step":
            return None if self.step_index == 0 else True
        if action == "next_step":
            return None if self.step_index >= self._last_index else True
        if action == "another":
            return kind in (*ANSWER_KINDS, "choice") and self._has_variants()
        if action == "lesson_text":
            return self.review is not None
        if action == "hint":
            return kind is not None and bool(self._hints())
        if action == "solution":
            return kind not in (None, "train")
        if action == "train":
            return kind == "train"
        if action == "edit_code":
            return kind == "code"
        return True

    @property
    def _last_index(self) -> int:
        """The last step one may move to (read from a review: the one before the reviewed)."""
        end = len(self.lesson.steps) if self.stop_before is None else self.stop_before
        return max(0, end - 1)

    def _has_variants(self) -> bool:
        """Asked by the footer often: drawn once per step on screen."""
        if self._variants is None:
            self._variants = self.inst is not None and has_variants(
                self.lesson, self.step, self.tutor.seed
            )
        return self._variants

    async def action_previous_step(self) -> None:
        if self.step_index > 0:
            await self.show_step(self.step_index - 1)

    async def action_next_step(self) -> None:
        if self.step_index < self._last_index:
            await self.show_step(self.step_index + 1)

    async def action_advance(self) -> None:
        """Enter outside the input: next step, or back to the map after the last one. On a code
        step, Enter checks the file, unless it is the one just found right."""
        code, right = self.exercise.code, self._last_correct if self.solved else None
        if self.kind == "code" and code.watch is not None and not (right and code.holds(right)):
            code.check()
            return
        if self.review is not None:  # one due step: once solved, on to the next one
            if self.solved:
                self.dismiss(True)
            return
        if self.step_index < len(self.lesson.steps) - 1:
            await self.show_step(self.step_index + 1)
        else:
            self.action_back()

    def action_back(self) -> None:
        self.dismiss(None)  # during a review: leaves the sitting (what is left stays due)

    async def action_hint(self) -> None:
        visit = self.visit
        assert visit is not None
        if visit.hints_shown >= len(self._hints()):
            self.feedback.note(
                "That was the last hint. ctrl+r shows the solution."
                if not self.solved
                else "That was the last hint."
            )
            return
        visit.take_hint()
        self.tutor.show_store_notices()
        await self._update_notes(revealed=visit.revealed, explain=visit.solved)
        self.feedback.scroll_end(animate=False)

    async def action_solution(self) -> None:
        assert self.visit is not None
        armed = self.visit.reveal_armed
        if not self.visit.ask_solution():  # asked early: one confirmation, then it is revealed
            self.feedback.note("Press ctrl+r again to see the solution (it is marked as revealed).")
            return
        self.tutor.show_store_notices()
        if armed:  # the "press ctrl+r again" note has done its job
            self.feedback.note("")
        self._update_header()
        await self._update_notes(revealed=True, explain=True)
        self.feedback.scroll_end(animate=False)

    async def action_another(self) -> None:
        """Another one like this: the same step with fresh numbers (reproducible: the learner's
        seed and a variant counter). Not offered where the numbers are fixed (check_action)."""
        lesson, step = self.lesson, self.step
        start = self.tutor.store.next_variant(lesson.id, step.id)
        variant = fresh_variant(lesson, step, self.tutor.seed, start, unlike=self.variant)
        await self.show_step(self.step_index, variant)

    def action_lesson_text(self) -> None:
        """During a review: the lesson this step belongs to, from its first step up to the one
        under review (whose solution it must not show); Esc returns."""
        if self.step_index == 0:
            self.notify("This is the lesson's first step.", title="Review", markup=False)
            return
        self.app.push_screen(LessonScreen(self.lesson, 0, stop_before=self.step_index))

    def action_train(self) -> None:
        if self.inst is None or self.kind != "train":
            return
        if self.inst.gradients is not None:
            self._open_code_training()
            return
        self.tutor.open_training(self.inst.train_config, on_close=self._after_training)

    def _after_training(self, view: TrainingScreen) -> None:
        assert self.visit is not None
        session = view.session
        asked = self.inst.train_config if self.inst is not None else None
        missing = self.visit.missing_from_run(session.config, session.epoch, asked)
        if missing is None:
            self._solved_by_run("✓ Trained to the end. ")
            # off the "open the training view" button: Enter now goes on, as the note says
            self.query_one("#prose", VerticalScroll).focus()
        elif missing:
            self.feedback.note(missing)
        self._update_header()

    def _open_code_training(self) -> None:
        """Train with the learner's own backward; the step is solved once a run matches."""
        # imported on first use, like the training view: plotext costs startup time
        from bptutor.tui.screens.code_training import CodeTrainingScreen

        assert self.inst is not None and self.inst.gradients is not None
        assert self.inst.train_config is not None
        gradients = self.inst.gradients
        lesson, step = self.lesson, self.step
        path = self._work_file(gradients)
        screen = CodeTrainingScreen(path, self.inst.train_config, function=gradients.function)

        def done(outcome: TrainOutcome | None) -> None:
            if outcome is None or (lesson, step) != (self.lesson, self.step):
                return
            if outcome.matched:
                self._solved_by_run("✓ Your run matched the engine's. ")
                self._update_header()
            else:
                self.feedback.note(
                    Text("Not yet: ", style="bold")
                    + Text(outcome.message.splitlines()[0])
                    + Text(" Fix your file, then t trains again.")
                )

        self.app.push_screen(screen, done)

    def _solved_by_run(self, done: str) -> None:
        """A run solved this train step: recorded, and said with the way on."""
        assert self.visit is not None
        self.visit.mark_solved()
        self.tutor.show_store_notices()
        note = Text(done, style="bold") + Text(self._next_hint())
        self.feedback.note(note)

    @on(Button.Pressed, "#open-training")
    def _open_training_pressed(self) -> None:
        self.action_train()

    def action_scroll_prose(self, direction: int) -> None:
        prose = self.query_one("#prose", VerticalScroll)
        if direction < 0:
            prose.scroll_page_up()
        else:
            prose.scroll_page_down()

    # ------------------------------------------------------------------------- code steps
    def _work_file(self, spec: CodeSpec | GradientsSpec | None) -> Path:
        """The learner's file for a code step or a train step with their own backward."""
        assert spec is not None
        work_dir = self.tutor.work_dir or default_work_dir(self.tutor.store.data_dir)
        return work_path(work_dir, self.lesson, spec)

    async def on_code_checked(self, message: CodeChecked) -> None:
        if message.watch is not self.exercise.code.watch:
            return  # the learner left the step while the message came up
        await self.record_verdict(message.answer, message.verdict, count=message.count)

    def action_edit_code(self) -> None:
        self.exercise.code.edit()

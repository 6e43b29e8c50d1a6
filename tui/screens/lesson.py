"""One lesson, one step at a time: prose, the exercise, a live preview and the verdict.

Layout is designed for 80x24 first: the prose scrolls (PageUp/PageDown work while typing) and
the answer line, preview and verdict stay visible below it. Lesson text arrives with control
characters already shown as ^[ (the loader); the step's text, hints and explanation are
Markdown by the lesson format, everything else is shown as plain text (Text objects or
markup=False), never as Rich/Textual markup. Typed answers never take a control character in.

A code step shows the learner's file (its full path), `e` opens it in $VISUAL/$EDITOR with the
app suspended, and every save is noticed by polling the file (engine/course/code_session.py)
and checked at once in a worker thread; Enter checks on demand.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from bptutor.engine.course.code_format import (
    default_work_dir,
    starter_text,
    work_path,
    write_starter,
)
from bptutor.engine.course.code_session import CodeCheck, CodeWatch
from bptutor.engine.course.exercise import (
    ANSWER_KINDS,
    DrawnStep,
    draw,
    fresh_variant,
    has_variants,
)
from bptutor.engine.course.model import LETTERS, Lesson, Step
from bptutor.engine.course.review import ReviewSession
from bptutor.tui.widgets.answer_input import AnswerInput
from bptutor.tui.widgets.choice_list import ChoiceList
from bptutor.tui.widgets.prose import Prose
from bptutor.tui.widgets.verdict_view import VerdictView
from rich.text import Text
from textual import on
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Markdown, OptionList, Static

if TYPE_CHECKING:
    from bptutor.engine.answers.grading import Verdict
    from bptutor.engine.course.code_train import TrainOutcome
    from bptutor.tui.app import BptutorApp
    from bptutor.tui.screens.training import TrainingScreen
    from textual.timer import Timer

REVEAL_AFTER = 3
"""Wrong attempts after which "show solution" needs no confirmation."""
CODE_POLL_SECONDS = 0.1
"""How often a code step looks at the learner's file: one stat() (~10 µs), so a save is
noticed within 0.1 s on any file system, over SSH too (bench/code_check.py)."""
FALLBACK_EDITORS = ("nano", "vi")


def editor_command(path: Path, env: Mapping[str, str] | None = None) -> list[str] | None:
    """$VISUAL, else $EDITOR (both may carry options: "code -w"), else nano or vi; None when
    there is none."""
    env = os.environ if env is None else env
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            try:
                return [*shlex.split(value), str(path)]
            except ValueError:  # unbalanced quotes: take it as one program name
                return [value, str(path)]
    for editor in FALLBACK_EDITORS:
        found = shutil.which(editor)
        if found:
            return [found, str(path)]
    return None


class CodeChecked(Message):
    """A check of the learner's file finished (posted from the worker thread)."""

    def __init__(self, watch: CodeWatch, result: CodeCheck) -> None:
        super().__init__()
        self.watch = watch
        self.result = result


def answer_placeholder(inst: DrawnStep) -> str:
    """A reminder of the syntax the input expects (the help screen has the full table)."""
    kind = inst.kind
    shape = tuple(inst.expected_shape or ())
    if kind == "graph":
        return f"{len(inst.asked)} numbers, in this order: [{', '.join(inst.asked)}]"
    if kind == "vector" and len(shape) == 1:
        names = ", ".join(f"v{i + 1}" for i in range(min(shape[0], 4)))
        return f"{shape[0]} numbers: [{names}{', …' if shape[0] > 4 else ''}]"
    if kind == "matrix" and len(shape) == 2:
        rows, cols = shape
        row = ", ".join("·" for _ in range(min(cols, 4)))
        body = "; ".join(row for _ in range(min(rows, 3)))
        return f"{rows}×{cols}, row by row: [{body}]"
    if kind == "value":
        example = next((c for c in ("-0.25", "1.5", "2/3") if not inst.check(c).correct), None)
        return f"a number, e.g. {example}"
    names = tuple(inst.variables or ())
    if not names:
        return "an expression"
    a, b = names[0], names[-1]
    # syntax shown with the step's own names, in a form that is NOT the answer (the engine
    # says which): a placeholder must never give the answer away
    candidates = (
        (f"3*{a}^2 - exp({a})", f"sin({a}) + 2/{a}")
        if a == b
        else (f"3*{a}^2 - exp({b})", f"sin({a}) + {b}/2", f"{a}^2*{b}")
    )
    example = next((c for c in candidates if inst.check(c).status == "incorrect"), None)
    shown = ", ".join(names)
    return f"an expression in {shown}, e.g. {example}" if example else f"an expression in {shown}"


def shape_label(inst: DrawnStep) -> str:
    """What the answer's shape is, in words ("3 entries", "2×3")."""
    shape = tuple(inst.expected_shape or ())
    if len(shape) == 1:
        return f"{shape[0]} entries" if shape[0] != 1 else "1 entry"
    return "×".join(str(n) for n in shape)


def prompt_with_shape(prompt: str, inst: DrawnStep) -> str:
    """The prompt with the shape before its "=": "J (2×3) =", so it never reads as a value."""
    label = shape_label(inst)
    if not label:
        return prompt
    head = prompt.rstrip()
    if head.endswith("="):
        return f"{head[:-1].rstrip()} ({label}) ="
    return f"{head} ({label})"


def fit_header(left: Text, right: Text, width: int) -> Text:
    """`left` cut with … so that `right` (the step's status) always shows within `width`."""
    room = width - right.cell_len
    if left.cell_len > room:
        left = left.copy()
        left.truncate(max(room - 1, 1))
        left.append("…")
    return left + right


class LessonScreen(Screen["bool | None"]):
    """Steps of one lesson; progress is stored after every graded answer."""

    BINDINGS: ClassVar[list[BindingType]] = [
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

    step_index: reactive[int] = reactive(0, bindings=True, init=False)
    hints_shown: reactive[int] = reactive(0, bindings=True, init=False)
    solved: reactive[bool] = reactive(False, bindings=True, init=False)

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
        self.fresh = False  # numbers not solved before: a fresh variant, or a review
        self._tries_here = 0  # counted answers on this screen's numbers
        self._variants: bool | None = None  # has_variants for the step on screen, once asked
        self.inst: DrawnStep | None = None
        self._reveal_armed = False
        self._shown_solution = False  # ctrl+r on the numbers now on screen
        self._last_correct: str | None = None
        self._verdict_for: str | None = None  # the answer the verdict on screen is about
        self._last_wrong: str | None = None  # the last answer counted as a wrong try
        self._code: CodeWatch | None = None  # code steps: the learner's file, watched
        self._code_timer: Timer | None = None
        self._opening_check: CodeWatch | None = None  # the check made on opening a code step
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

    # ---------------------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Static(id="lesson-header")
        with VerticalScroll(id="prose"):
            yield Prose(id="prose-md")
        with Vertical(id="exercise"):
            with Horizontal(id="answer-row"):
                # lesson text is plain text here: markup in a prompt shows as written
                yield Label(id="prompt", markup=False)
                answer = AnswerInput(id="answer")
                # a steady cursor: blinking redraws the box twice a second, which was 90 % of
                # an idle learner's CPU and 1.6 kB/s to each SSH client (bench/sessions.py)
                answer.cursor_blink = False
                yield answer
            yield Static(id="code-file")
            yield Static(id="preview")
            yield ChoiceList(id="choices")
            yield Button("Open the training view (t)", id="open-training")
        with VerticalScroll(id="feedback"):
            yield VerdictView(id="verdict")
            yield Prose(id="notes")
        yield Footer()

    async def on_mount(self) -> None:
        await self.show_step(self.step_index, self.variant)

    def on_unmount(self) -> None:
        self._stop_code()  # no child process outlives the screen (nor the app)

    # ----------------------------------------------------------------------- step display
    async def show_step(self, index: int, variant: int = 0) -> None:
        """Draw step `index` fresh (as `variant`): its instance, stored hints/solution, the
        right widgets."""
        self.step_index = index
        self.variant = variant
        lesson, step = self.lesson, self.step
        store = self.tutor.store
        self._stop_code()
        self._reveal_armed = False
        self._shown_solution = False
        self._tries_here = 0
        self._variants = None
        self._last_correct = None
        self._verdict_for = None
        self._last_wrong = None
        try:
            self.inst = draw(lesson, step, self.tutor.seed, variant=variant)
            prose = self.inst.text
        except Exception as exc:  # a broken exercise must not take the tutor down
            self.inst = None
            prose = f"**This step could not be prepared.**\n\n{type(exc).__name__}: {exc}"
        progress = store.step(lesson.id, step.id)
        # a review, and the lesson read from one, leave where the learner continues alone
        aside = self.review is not None or self.stop_before is not None
        store.mark_seen(lesson.id, step.id, continue_here=not aside)
        if step.exercise is not None:
            store.mark_variant(lesson.id, step.id, variant)
        self.tutor.show_store_notices()
        new_numbers = variant != 0 and variant not in progress.variants_solved
        fresh = self.fresh = self.review is not None or new_numbers
        self.solved = progress.solved and not fresh
        # hints taken on other numbers stay in the record, not on screen
        self.hints_shown = 0 if fresh else min(progress.hints_used, len(self._hints()))

        kind = self.kind
        exercise = self.query_one("#exercise", Vertical)
        exercise.display = kind is not None
        answer_row = self.query_one("#answer-row")
        answer_row.display = kind in ANSWER_KINDS
        self.query_one("#preview").display = kind in (*ANSWER_KINDS, "choice", "code")
        choices = self.query_one("#choices", ChoiceList)
        choices.display = kind == "choice"
        self.query_one("#open-training").display = kind == "train"
        self.query_one("#code-file").display = kind == "code"

        await self.query_one("#prose-md", Markdown).update(prose)
        self.query_one("#prose", VerticalScroll).scroll_home(animate=False)
        answer = self.query_one("#answer", Input)
        verdict = self.query_one("#verdict", VerdictView)
        verdict.show_note("")
        if kind in ANSWER_KINDS:
            self.query_one("#prompt", Label).update(
                prompt_with_shape(str(self.inst.prompt), self.inst)
            )
            answer.placeholder = answer_placeholder(self.inst)
            answer.value = ""
            self._update_preview("")
            answer.focus()
        elif kind == "choice":
            choices.set_choices(tuple(self.inst.choices))
            choices.focus()
        elif kind == "train":
            button = self.query_one("#open-training", Button)
            own = self.inst.gradients is not None
            button.label = "Train with your code (t)" if own else "Open the training view (t)"
            button.focus()
        else:
            self.query_one("#prose", VerticalScroll).focus()
        if kind == "code":
            self._start_code()
        if fresh:
            verdict.show_note(self._fresh_note())
        elif progress.solved and kind == "code":
            verdict.show_note(
                Text("✓ Solved earlier. ", style="bold")
                + Text("Enter checks your file again; ctrl+n: next step.")
            )
        elif progress.solved and kind in (*ANSWER_KINDS, "choice"):
            verdict.show_note(Text("✓ Solved earlier. ", style="bold") + Text(self._next_hint()))
        elif progress.solved and kind == "train" and self.inst.gradients is not None:
            verdict.show_note(
                Text("✓ Your run matched the engine's earlier. Press t to train again.")
            )
        elif progress.solved and kind == "train":
            verdict.show_note(Text("✓ Trained earlier. Press t to train again.", style="bold"))
        await self._update_notes(
            revealed=progress.revealed and not fresh, explain=progress.solved and not fresh
        )
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

    def _fresh_note(self) -> Text:
        if self.review is not None:
            what = "new numbers for a step" if self.variant else "once more, a step"
            return Text("Review: ", style="bold") + Text(
                f"{what} you found hard. ctrl+l shows the lesson before it."
            )
        return Text(f"Variant {self.variant}: ", style="bold") + Text(
            "the same question with new numbers."
        )

    def _update_header(self) -> None:
        step = self.step
        progress = self.tutor.store.step(self.lesson.id, step.id)
        header = Text()
        if self.review is not None:
            header.append(
                f"Review {self.review.index + 1}/{len(self.review.items)} · ", style="bold"
            )
        if self.stop_before is not None:
            header.append("Read for a review (Esc returns) · ", style="bold")
        header.append(f"{self.lesson.title}", style="bold")
        header.append(f" · step {self.step_index + 1}/{len(self.lesson.steps)}")
        if step.title:
            header.append(f": {step.title}")
        status = Text()
        if self.variant:  # in the status part: it stays visible however narrow
            status.append(f"  variant {self.variant}")
        if self.kind is not None:
            attempts = self._tries_here if self.fresh else progress.attempts
            if self.solved:
                status.append("  ✓ solved", style="bold")
            elif attempts:
                status.append(f"  {attempts} {'try' if attempts == 1 else 'tries'}")
            elif progress.solved:  # a fresh variant of a step solved before
                status.append("  solved before")
            if self._revealed_here():
                status.append("  (solution shown)")
        widget = self.query_one("#lesson-header", Static)
        width = (widget.content_size.width or self.app.size.width - 2) - 1
        widget.update(fit_header(header, status, width))

    def on_resize(self) -> None:
        self._update_header()  # the status part must stay visible at any width

    async def _update_notes(self, *, revealed: bool = False, explain: bool = False) -> None:
        """Hints shown so far, the solution when revealed, the explanation once earned."""
        parts = [f"**Hint {i + 1}.** {h}" for i, h in enumerate(self._hints()[: self.hints_shown])]
        if revealed and self.inst is not None and self.kind == "code":
            parts.append(
                f"**Solution** (marked as revealed):\n\n```python\n{self.inst.solution}\n```"
            )
        elif revealed and self.inst is not None and self.kind not in (None, "train"):
            parts.append(f"**Solution** (marked as revealed): `{self.inst.solution}`")
        explanation = self.inst.explanation if self.inst is not None else ""
        if (explain or revealed) and explanation:
            parts.append(f"**Why.** {explanation}")
        notes = self.query_one("#notes", Markdown)
        notes.display = bool(parts)
        await notes.update("\n\n".join(parts))

    def _update_preview(self, value: str) -> None:
        preview = self.query_one("#preview", Static)
        if not value.strip():
            preview.update(Text("Enter checks the answer · F1 shows the syntax", style="dim"))
            return
        assert self.inst is not None
        read = self.inst.preview(value)
        if read.problem is not None:
            preview.update(Text("? ") + Text(read.problem))
        else:
            shown = Text("read as: ", style="dim") + Text(read.read_as or value)
            if read.warning:  # x/2x is read as (x/2)·x: say how to write the other reading
                shown += Text(f" — {read.warning}", style="bold")
            preview.update(shown)

    # -------------------------------------------------------------------------- answering
    @on(Input.Changed, "#answer")
    def _answer_changed(self, event: Input.Changed) -> None:
        if self.kind in ANSWER_KINDS:
            self._update_preview(event.value)
            if self._verdict_for is not None and event.value.strip() != self._verdict_for:
                # the verdict was about the answer before this edit: it would mislead now
                self._verdict_for = None
                self.query_one("#verdict", VerdictView).show_note("")

    @on(Input.Submitted, "#answer")
    async def _answer_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        answer = event.value.strip()
        if self.solved and self._last_correct is not None and answer == self._last_correct:
            await self.action_advance()  # Enter again after "✓ Right." moves on
            return
        if not answer:
            self.query_one("#verdict", VerdictView).show_note("? Type an answer first.")
            return
        await self.submit(answer)

    @on(OptionList.OptionHighlighted, "#choices")
    def _choice_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        letter = LETTERS[event.option_index]
        self.query_one("#preview", Static).update(
            Text("↑↓ or a letter chooses · ", style="dim") + Text(f"Enter confirms {letter})")
        )

    @on(OptionList.OptionSelected, "#choices")
    async def _choice_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        letter = LETTERS[event.option_index]  # the checker takes the letter
        if self.solved and self._last_correct == letter:
            await self.action_advance()  # Enter again on the right option moves on
            return
        await self.submit(letter)

    async def submit(self, answer: str) -> None:
        """Grade `answer`, store it (unless unreadable) and show the verdict."""
        assert self.inst is not None
        await self.record_verdict(answer, self.inst.check(answer))

    async def record_verdict(self, answer: str, verdict: Verdict, *, count: bool = True) -> None:
        """Store a graded answer (unless unreadable, repeated or `count=False`) and show its
        verdict."""
        lesson, step = self.lesson, self.step
        store = self.tutor.store
        # the same wrong answer again (Enter pressed twice, a choice confirmed) is one try
        repeated = not verdict.correct and answer == self._last_wrong
        counted = count and verdict.status != "invalid" and not repeated
        was_solved = self.solved
        if counted:
            self._tries_here += 1
            store.record_attempt(
                lesson.id,
                step.id,
                answer,
                verdict.status,
                verdict.mistake,
                variant=self.variant,
                review=self.review is not None,
            )
            self.tutor.show_store_notices()
        if self.review is not None and counted:
            if not verdict.correct:
                self.review.miss()
            elif not was_solved:  # the review's outcome: up a box if it went cleanly
                store.record_review(lesson.id, step.id, clean=not self.review.missed)
        progress = store.step(lesson.id, step.id)
        view = self.query_one("#verdict", VerdictView)
        self._verdict_for = answer
        if verdict.status == "incorrect":
            self._last_wrong = answer
        if verdict.correct:
            self.solved = True
            self._last_correct = answer
            view.show_verdict(verdict, suffix=" " + self._next_hint())
        else:  # no "ctrl+r shows the solution" nudge on a step already solved
            code = self.kind == "code"
            same = "file" if code else "answer"
            again = f" (The same {same} as before: not counted again.)"
            view.show_verdict(
                verdict,
                attempts=0 if progress.solved else progress.attempts,
                echo_invalid=self.kind not in ANSWER_KINDS,  # these have the preview line
                suffix=again if repeated else "",
                invalid_label="Your code could not run" if code else "Could not read that",
            )
        self._update_header()
        await self._update_notes(revealed=self._revealed_here(), explain=self.solved)
        # the verdict sits at the top of the feedback pane: bring it into view
        self.query_one("#feedback", VerticalScroll).scroll_home(animate=False)

    def _revealed_here(self) -> bool:
        """The solution of the numbers on screen was shown (fresh numbers start hidden)."""
        if self._shown_solution:
            return True
        progress = self.tutor.store.step(self.lesson.id, self.step.id)
        return progress.revealed and not self.fresh

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
        watch = self._code
        if self.kind == "code" and watch is not None:
            right = self.solved and self._last_correct is not None
            if not right or watch.digest() != self._last_correct.removeprefix("sha256:"):
                self.check_code()
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
        hints = self._hints()
        if self.hints_shown >= len(hints):
            self.query_one("#verdict", VerdictView).show_note(
                "That was the last hint. ctrl+r shows the solution."
                if not self.solved
                else "That was the last hint."
            )
            return
        self.tutor.store.record_hint(self.lesson.id, self.step.id)
        self.tutor.show_store_notices()
        if self.review is not None:
            self.review.miss()
        self.hints_shown += 1
        await self._update_notes(revealed=self._revealed_here(), explain=self.solved)
        self.query_one("#feedback", VerticalScroll).scroll_end(animate=False)

    async def action_solution(self) -> None:
        store = self.tutor.store
        progress = store.step(self.lesson.id, self.step.id)
        earned = progress.solved or progress.revealed or progress.attempts >= REVEAL_AFTER
        if not earned and not self._reveal_armed:
            self._reveal_armed = True  # asked early: one confirmation, then it is revealed
            self.query_one("#verdict", VerdictView).show_note(
                "Press ctrl+r again to see the solution (it is marked as revealed)."
            )
            return
        if not self.solved:  # after solving it, looking costs nothing
            store.record_reveal(self.lesson.id, self.step.id)
            self.tutor.show_store_notices()
            if self.review is not None:
                self.review.miss()
        self._shown_solution = True
        if self._reveal_armed:  # the "press ctrl+r again" note has done its job
            self._reveal_armed = False
            self.query_one("#verdict", VerdictView).show_note("")
        self._update_header()
        await self._update_notes(revealed=True, explain=True)
        self.query_one("#feedback", VerticalScroll).scroll_end(animate=False)

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
        """A train step is done when a run reached its epochs, not when the view was opened."""
        session = view.session
        verdict = self.query_one("#verdict", VerdictView)
        asked = self.inst.train_config if self.inst is not None else None
        same = asked is None or all(
            getattr(session.config, name) == getattr(asked, name)
            for name in ("dataset", "activation", "hidden", "loss")
        )
        if not same and not self.solved:
            verdict.show_note(
                "That run was on another network than this step's (you changed a setting): "
                "press t and train the step's own network to the end."
            )
        elif session.epoch >= session.config.epochs:
            self.tutor.store.mark_solved(self.lesson.id, self.step.id)
            self.tutor.show_store_notices()
            self.solved = True
            done = Text("✓ Trained to the end. ", style="bold")
            verdict.show_note(done + Text(self._next_hint()))
            # off the "open the training view" button: Enter now goes on, as the note says
            self.query_one("#prose", VerticalScroll).focus()
        elif not self.solved:
            verdict.show_note(
                f"Train to the end ({session.config.epochs} epochs) to finish this step: "
                f"you stopped at epoch {session.epoch}. Press t to train again."
            )
        self._update_header()

    def _open_code_training(self) -> None:
        """Train with the learner's own backward; the step is solved once a run matches."""
        # imported on first use, like the training view: plotext costs startup time
        from bptutor.tui.screens.code_training import CodeTrainingScreen

        assert self.inst is not None and self.inst.gradients is not None
        assert self.inst.train_config is not None
        gradients = self.inst.gradients
        work_dir = self.tutor.work_dir or default_work_dir(self.tutor.store.data_dir)
        path = work_path(work_dir, self.lesson, gradients)
        lesson, step = self.lesson, self.step
        screen = CodeTrainingScreen(path, self.inst.train_config, function=gradients.function)

        def done(outcome: TrainOutcome | None) -> None:
            if outcome is None or (lesson, step) != (self.lesson, self.step):
                return
            if outcome.matched:
                self.tutor.store.mark_solved(lesson.id, step.id)
                self.tutor.show_store_notices()
                self.solved = True
                self._update_header()
                self.query_one("#verdict", VerdictView).show_note(
                    Text("✓ Your run matched the engine's. ", style="bold")
                    + Text(self._next_hint())
                )
            else:
                self.query_one("#verdict", VerdictView).show_note(
                    Text("Not yet: ", style="bold")
                    + Text(outcome.message.splitlines()[0])
                    + Text(" Fix your file, then t trains again.")
                )

        self.app.push_screen(screen, done)

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
    def _code_path(self) -> Path | None:
        spec = self.step.exercise.code if self.step.exercise is not None else None
        if spec is None:
            return None
        work_dir = self.tutor.work_dir or default_work_dir(self.tutor.store.data_dir)
        return work_path(work_dir, self.lesson, spec)

    def _start_code(self) -> None:
        """Show the learner's file (created from the starter the first time) and watch it."""
        assert self.inst is not None and self.inst.code is not None
        path = self._code_path()
        assert path is not None
        starter = starter_text(self.lesson, self.inst.code.file)
        label = self.query_one("#code-file", Static)
        try:
            write_starter(path, starter)
        except OSError as exc:
            label.update(
                Text(f"Your file {path} cannot be created ({exc.strerror or exc}). ", style="bold")
                + Text("Use --work-dir DIR to choose another folder.")
            )
            return
        label.update(
            Text("Your file: ", style="dim")
            + Text(str(path), style="bold")
            + Text("\ne edits it here, or edit it anywhere: each save is checked.", style="dim")
        )
        self._code = CodeWatch(self.inst.code, path)
        self._code_timer = self.set_interval(CODE_POLL_SECONDS, self._poll_code)
        self._code_status("Enter checks it now.")
        try:
            fresh = path.read_text(encoding="utf-8") == starter
        except (OSError, UnicodeDecodeError):
            fresh = False
        if not fresh:  # the learner has worked on it: show where it stands
            self._opening_check = self._code
            self.check_code()

    def _stop_code(self) -> None:
        if self._code_timer is not None:
            self._code_timer.stop()
            self._code_timer = None
        if self._code is not None:
            self._code.close()
            self._code = None

    def _code_status(self, text: str) -> None:
        self.query_one("#preview", Static).update(Text(text, style="dim"))

    def _poll_code(self) -> None:
        if self._code is not None and self._code.changed():
            self.check_code()

    def check_code(self) -> None:
        """Check the learner's file now, in a worker thread (the UI never waits for it)."""
        watch = self._code
        if watch is None:
            return
        self._code_status("Checking your file…")
        self.run_worker(
            lambda: self._run_code_check(watch),
            thread=True,
            exclusive=True,
            group="code-check",
            exit_on_error=False,
            name="code-check",
        )

    def _run_code_check(self, watch: CodeWatch) -> None:
        result = watch.check()  # None: a newer check (or leaving the step) replaced this one
        if result is not None:
            self.post_message(CodeChecked(watch, result))

    async def on_code_checked(self, message: CodeChecked) -> None:
        if message.watch is not self._code:
            return  # a check of a step (or a screen) the learner has left
        result = message.result
        self._code_status(f"Checked in {result.seconds:.2f} s. Enter checks again.")
        # the check made on opening the step shows where the file stands: a try only if right
        # (a file shared by two steps has the next function's stub in it: no try was made)
        opening, self._opening_check = self._opening_check is message.watch, None
        count = not opening or result.verdict.correct
        await self.record_verdict(result.answer, result.verdict, count=count)

    def action_edit_code(self) -> None:
        """Open the file in the learner's editor in this terminal; the app waits meanwhile."""
        watch = self._code
        if watch is None:
            return
        command = editor_command(watch.path)
        if command is None:
            self.notify(
                f"Set $VISUAL or $EDITOR to your editor, or open {watch.path} in another window.",
                severity="warning",
                markup=False,
            )
            return
        try:
            with self.app.suspend():
                subprocess.run(command, check=False)
        except SuspendNotSupported:
            self.notify(
                f"This terminal cannot hand over to an editor: open {watch.path} in another "
                "window; each save is checked here.",
                severity="warning",
                markup=False,
            )
        except OSError as exc:
            self.notify(
                f"{command[0]} could not be started ({exc.strerror or exc}).",
                severity="error",
                markup=False,
            )
        self._poll_code()  # the save shows at once, not at the next tick

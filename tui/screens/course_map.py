"""The first screen: the lessons in order, each with its state and exercises solved of total."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from bptutor.engine.course.model import Lesson, Step
from bptutor.engine.course.progress import STATE_DONE, STATE_IN_PROGRESS, LessonSummary
from bptutor.engine.course.review import ReviewSession
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from bptutor.tui.app import BptutorApp

STATE_MARK = {STATE_DONE: "✓", STATE_IN_PROGRESS: "›"}


ROW_FIXED = 2 + 4 + 13 + 5  # mark, number, state, count
ROW_CHROME = 2 + 2 + 2  # the list's border, padding and scrollbar


def lesson_row(number: int, summary: LessonSummary, title_width: int = 42) -> Text:
    """One line of the map; the state is spelled out, never carried by colour alone."""
    mark = STATE_MARK.get(summary.state, " ")
    count = f"{summary.solved}/{summary.total}" if summary.total else "—"
    row = Text()
    row.append(f"{mark} ", style="bold")
    row.append(f"{number:>2}. ")
    title = summary.title
    if len(title) > title_width:
        title = title[: title_width - 1] + "…"
    row.append(f"{title:<{title_width}}", style="bold" if summary.state != STATE_DONE else "")
    row.append(f" {summary.state:<11} ", style="dim" if summary.state == "not started" else "")
    row.append(f"{count:>5}")
    return row


def part_row(title: str, width: int) -> Text:
    """The heading before a part's first lesson, a rule across the list's width."""
    row = Text()
    row.append("── ", style="dim")
    row.append(title, style="bold")
    row.append(" " + "─" * max(2, width - len(title) - 4), style="dim")
    return row


class CourseMapScreen(Screen[None]):
    """Lessons with their state; Enter opens one at its first unsolved step."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_lesson", "Open", id="map.open", priority=True),
        Binding("c", "continue", "Continue", id="map.continue"),
        Binding("r", "review", "Review", id="map.review"),
        Binding("s", "summary", "Summary", id="map.summary"),
        Binding("t", "playground", "Training", id="map.training"),
        Binding("question_mark", "app.help", "Help", id="map.help", key_display="?"),
        Binding("q", "app.quit", "Quit", id="map.quit"),
    ]

    @property
    def tutor(self) -> BptutorApp:
        return self.app  # type: ignore[return-value]

    _pending: tuple[str, int] | None = None
    """A lesson (id, step) the learner opened while the full course was still loading."""

    _rows: tuple[int | None, ...] = ()
    """The list's options in order: a lesson's index in the course, or None for a part's
    heading (a disabled option, which the cursor keys pass over)."""

    def compose(self) -> ComposeResult:
        title = self.tutor.course.title or "bptutor"
        yield Static(Text(title, style="bold"), id="map-title")
        yield OptionList(id="lessons")
        yield Static(id="lesson-info")
        yield Static(id="map-status")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_lessons(highlight=self._continue_target()[0])

    def course_loaded(self) -> None:
        """Called by the app once the full course is there (the map showed its outline): show
        it, and open the lesson the learner asked for meanwhile, if any."""
        title = self.tutor.course.title or "bptutor"
        self.query_one("#map-title", Static).update(Text(title, style="bold"))
        pending, self._pending = self._pending, None
        ids = [lesson.id for lesson in self.tutor.course.lessons]
        if pending is not None and pending[0] in ids:
            self.refresh_lessons(highlight=ids.index(pending[0]))
            self.open_lesson(ids.index(pending[0]), pending[1])
        else:  # the lesson the learner is on stays highlighted (they may have moved already)
            on = self._highlighted_id
            self.refresh_lessons(highlight=ids.index(on) if on in ids else None)
        self.refresh_bindings()

    def on_resize(self) -> None:
        self.refresh_lessons()  # the title column follows the terminal's width

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.tutor.store.reload()  # another window of this learner may have saved meanwhile
            self.refresh_lessons()

    # ------------------------------------------------------------------------- content
    def refresh_lessons(self, highlight: int | None = None) -> None:
        """List the lessons, with a heading before each part; `highlight` is a lesson index
        (None: the lesson highlighted now stays so)."""
        lessons = self.tutor.course.lessons
        options = self.query_one("#lessons", OptionList)
        keep = self._lesson_at(options.highlighted) if highlight is None else highlight
        options.clear_options()
        if not lessons:
            loading = not self.tutor.course_loaded
            note = "Loading the lessons…" if loading else "No lessons could be loaded."
            self._rows = (None,)
            options.add_option(Option(note, disabled=True))
        else:
            store = self.tutor.store
            width = max(12, self.app.size.width - ROW_FIXED - ROW_CHROME)
            headings = self.tutor.course.part_headings()
            rows: list[int | None] = []
            items: list[Option] = []
            for i, lesson in enumerate(lessons):
                if i in headings:
                    rows.append(None)
                    items.append(Option(part_row(headings[i], width + ROW_FIXED), disabled=True))
                rows.append(i)
                items.append(
                    Option(lesson_row(i + 1, store.summarize(lesson), width), id=lesson.id)
                )
            self._rows = tuple(rows)
            options.add_options(items)
            options.highlighted = self._option_of(min(keep or 0, len(lessons) - 1))
        # what the last column counts, on the list's bottom border under that column
        options.border_subtitle = "exercises solved" if lessons else ""
        options.focus()
        self._update_info()
        self._update_status()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._update_info()

    def _lesson_at(self, option: int | None) -> int | None:
        """The lesson index of the list's option `option` (None for a heading or nothing)."""
        return self._rows[option] if option is not None and option < len(self._rows) else None

    def _option_of(self, lesson: int) -> int:
        """The list's option that shows lesson `lesson` (a lesson index in the course)."""
        return self._rows.index(lesson)

    @property
    def _highlighted_id(self) -> str | None:
        """The id of the lesson the list highlights (its options carry the lesson ids)."""
        options = self.query_one("#lessons", OptionList)
        index = options.highlighted
        return options.get_option_at_index(index).id if index is not None else None

    def _highlighted_lesson(self) -> Lesson | None:
        index = self._lesson_at(self.query_one("#lessons", OptionList).highlighted)
        lessons = self.tutor.course.lessons
        if index is None or not lessons or index >= len(lessons):
            return None
        return lessons[index]

    def _update_info(self) -> None:
        lesson = self._highlighted_lesson()
        info = Text()
        if lesson is not None:
            summary = self.tutor.store.summarize(lesson)
            info.append(f"{lesson.title}", style="bold")
            steps = f"{len(lesson.steps)} step{'s' if len(lesson.steps) != 1 else ''}"
            exercises = f"{summary.total} exercise{'s' if summary.total != 1 else ''}"
            info.append(f" · {steps}, {exercises} · {summary.state}\n")
            info.append(lesson.summary)
        self.query_one("#lesson-info", Static).update(info)

    def _course_done(self) -> bool:
        lessons = self.tutor.course.lessons
        store = self.tutor.store
        return bool(lessons) and all(store.summarize(x).state == STATE_DONE for x in lessons)

    def _update_status(self) -> None:
        status = Text()
        index, step = self._continue_target()
        lessons = self.tutor.course.lessons
        if self._course_done():
            status.append("✓ Course complete. ", style="bold")
            status.append("t opens the training playground; Enter reopens any lesson.")
        elif index is not None and lessons:
            lesson = lessons[index]
            status.append("Continue (c): ", style="bold")
            status.append(f"{lesson.title}, step {step + 1} of {len(lesson.steps)}")
        due = self._due()
        if due:
            status.append("\n" if status else "")
            status.append(f"Review: {len(due)} due", style="bold")
            status.append(" (r starts it: each as new numbers)")
        if not self.tutor.store.writable:
            status.append(
                "\n⚠ Progress is not being saved right now (see the notice).", style="bold"
            )
        self.query_one("#map-status", Static).update(status)

    def _due(self) -> list[tuple[Lesson, Step]]:
        """The steps due for review today (none while the course loads or review is off)."""
        if not (self.tutor.course_loaded and self.tutor.review_on):
            return []
        return self.tutor.store.due_reviews(self.tutor.course.lessons)

    def _continue_target(self) -> tuple[int | None, int]:
        """(lesson index, step index) where the learner left off, else the first open lesson."""
        lessons = self.tutor.course.lessons
        if not lessons:
            return None, 0
        store = self.tutor.store
        last = store.last_position
        ids = [lesson.id for lesson in lessons]
        start = ids.index(last[0]) if last and last[0] in ids else 0
        if last and last[0] in ids:  # the very step left off (the next one if it is solved)
            lesson = lessons[start]
            steps = [step.id for step in lesson.steps]
            if store.summarize(lesson).state != STATE_DONE and last[1] in steps:
                at = steps.index(last[1])
                if store.step(lesson.id, last[1]).solved and at + 1 < len(steps):
                    at += 1
                return start, at
        # else the first open step of that lesson or of the next one not done yet
        for index in [*range(start, len(lessons)), *range(0, start)]:
            summary = store.summarize(lessons[index])
            if summary.state != STATE_DONE:
                return index, summary.first_open_step
        return start, 0

    # -------------------------------------------------------------------------- actions
    def open_lesson(self, index: int, step: int | None = None) -> None:
        # imported on first use: the lesson screen pulls in numpy, which the map does without
        from bptutor.tui.screens.lesson import LessonScreen

        lesson = self.tutor.course.lessons[index]
        if step is None:
            step = self.tutor.store.summarize(lesson).first_open_step
        if not self.tutor.course_loaded:  # the map lists the outline: open once it is loaded
            self._pending = (lesson.id, step)
            self.query_one("#map-status", Static).update(Text("Loading the lesson…"))
            return
        self.app.push_screen(LessonScreen(lesson, step))

    def action_open_lesson(self) -> None:
        index = self._lesson_at(self.query_one("#lessons", OptionList).highlighted)
        if index is not None and self.tutor.course.lessons:
            self.open_lesson(index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Mouse clicks select too."""
        index = self._lesson_at(event.option_index)
        if index is not None and self.tutor.course.lessons:
            self.open_lesson(index)

    def action_continue(self) -> None:
        if self._course_done():  # nothing left to continue: say so instead of reopening one
            self.notify(
                "Every exercise is solved. Press t for the training playground, or open any "
                "lesson with Enter to go over it again.",
                title="Course complete",
                markup=False,
            )
            return
        index, step = self._continue_target()
        if index is not None:
            self.query_one("#lessons", OptionList).highlighted = self._option_of(index)
            self.open_lesson(index, step)

    def action_review(self) -> None:
        """A review sitting: each due step in turn, as a fresh variant."""
        due = self._due()
        if not due:
            self.notify("Nothing is due for review today.", title="Review", markup=False)
            return
        self._next_review(ReviewSession(due))

    def _next_review(self, session: ReviewSession) -> None:
        # imported on first use: the lesson screen pulls in numpy, which the map does without
        from bptutor.engine.course.exercise import fresh_variant, has_variants
        from bptutor.tui.screens.lesson import LessonScreen

        current = session.current
        if current is None:
            done = len(session.items)
            self.notify(
                f"Review done: {done} step{'s' if done != 1 else ''} gone over. The ones that "
                "went cleanly come back later, the others tomorrow.",
                title="Review",
                markup=False,
            )
            return
        lesson, step = current
        store = self.tutor.store
        screen = LessonScreen(
            lesson,
            lesson.steps.index(step),
            variant=fresh_variant(
                lesson, step, self.tutor.seed, store.next_variant(lesson.id, step.id)
            )
            if has_variants(lesson, step, self.tutor.seed)
            else 0,  # fixed numbers: the same question once more
            review=session,
        )

        def after(solved: bool | None) -> None:
            if solved:  # Esc leaves the sitting: what is left stays due
                session.advance()
                self._next_review(session)

        self.app.push_screen(screen, after)

    def action_summary(self) -> None:
        # imported on first use: the summary reads the whole course (numpy), the map does not
        from bptutor.tui.screens.summary import SummaryScreen

        if self.tutor.course_loaded:
            self.app.push_screen(SummaryScreen())

    def action_playground(self) -> None:
        self.tutor.open_training(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open_lesson", "continue") and not self.tutor.course.lessons:
            return None
        if action == "review":
            return bool(self._due())  # shown only when something is due
        if action == "summary":
            return True if self.tutor.course_loaded else None
        return True

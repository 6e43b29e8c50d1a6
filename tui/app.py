"""The bptutor Textual app: a thin shell that owns the course, the progress store and the seed.

Screens do the work (one per module under ``tui/screens``); the app only wires them together,
shows notices (damaged progress file, unwritable data dir, broken lessons) and guards the
minimum terminal size.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import termios
import threading
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from bptutor.engine.course.model import Course
from bptutor.engine.course.outline import read_outline
from bptutor.engine.course.progress import ProgressStore
from bptutor.tui.screens.course_errors import CourseErrorsScreen
from bptutor.tui.screens.course_map import CourseMapScreen
from bptutor.tui.screens.help import HelpScreen
from bptutor.tui.screens.too_small import TooSmallScreen
from bptutor.tui.screens.welcome import WelcomeScreen
from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message

if TYPE_CHECKING:
    from collections.abc import Callable

    from bptutor.engine.nn.training import TrainConfig
    from bptutor.tui.screens.training import TrainingScreen

LAST_SAVE_WAIT = 10.0
"""Seconds quitting waits for the last background save (a slow network disk)."""
LOST_TERMINAL_GRACE = LAST_SAVE_WAIT + 2.0
"""Seconds a clean exit after a signal or a lost terminal may take (the last save included),
before the process just ends."""
MIN_WIDTH = 60
MIN_HEIGHT = 20


class StoreNotices(Message):
    """The background save left new notices (posted from its thread)."""


class BptutorApp(App[int]):
    """The tutor: the course (loading, until ``course_loaded``), the progress store, the seed."""

    CSS_PATH = "app.tcss"
    TITLE = "bptutor"
    ENABLE_COMMAND_PALETTE = False  # frees ctrl+p for "previous step"; keys are in F1 help

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, show=False),
        # learners reflexively press ctrl+c to leave; progress is saved after every answer,
        # so quitting cleanly is the friendly reading (Textual would otherwise only nag)
        Binding("ctrl+c", "quit", "Quit", id="app.interrupt", priority=True, show=False),
        Binding("f1", "help", "Help", id="app.help", show=False),
    ]

    def __init__(
        self,
        course: Course | None,
        store: ProgressStore,
        *,
        lessons_dir: Path | None = None,
        seed: int | None = None,
        work_dir: Path | None = None,
        review: bool = True,
    ) -> None:
        """`course=None`: load `lessons_dir` (None: the built-in course) after the first frame;
        until then the map lists the lessons from the course's outline (TOML only, fast).
        `work_dir`: where learners' code lives (None: <data dir>/code). `review=False`
        (`--no-review`): no review queue this time, whatever the stored setting says."""
        super().__init__()
        self.course = course if course is not None else read_outline(lessons_dir)
        self.course_loaded = course is not None
        self.lessons_dir = lessons_dir
        self.store = store
        self.seed = store.seed if seed is None else seed
        self.work_dir = work_dir
        self.review = review
        store.review_paused = not review  # nothing joins the queue this time
        self._notices_shown = 0
        self._ending = False  # a signal or a lost terminal has started the exit

    # --------------------------------------------------------------------------- startup
    def _watch_the_terminal(self) -> None:
        """SIGTERM or SIGHUP end the tutor like quitting does (terminal restored, training
        stopped; progress is saved after every answer already), and a terminal that went away
        without a SIGHUP (ignored, or never sent) ends it too instead of a busy loop reading
        nothing. Not for tests (headless) or a browser tab (no terminal of its own)."""
        if self.is_headless or os.environ.get("TEXTUAL_DRIVER") or sys.__stdin__ is None:
            return
        loop = asyncio.get_running_loop()
        for sig, code in ((signal.SIGTERM, 143), (signal.SIGHUP, 129)):
            if signal.getsignal(sig) is signal.SIG_IGN:
                continue  # ignored on purpose (nohup): the check below still notices a hang-up
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, partial(self._end, code))
        self.set_interval(1.0, self._check_terminal)

    def _check_terminal(self) -> None:
        try:
            termios.tcgetattr(sys.__stdin__.fileno())
        except (termios.error, OSError, ValueError):  # hung up: EIO from now on
            self._end(129)

    def _end(self, code: int) -> None:
        """A signal or a lost terminal: exit as quitting does. Shutting down writes to the
        terminal, which may be gone and never answer (once, after tmux's kill-server, Textual's
        output thread left the exit blocked for good): if the clean exit does not finish
        within LOST_TERMINAL_GRACE, the last save is waited for (briefly) and the process
        ends. Answers are on disk already (the store's journal), so nothing is lost."""
        if self._ending:
            return  # the terminal check goes on every second: one ending is enough
        self._ending = True
        self.exit(return_code=code)
        ender = threading.Timer(LOST_TERMINAL_GRACE, self._end_now, args=(code,))
        ender.daemon = True
        ender.start()

    def _end_now(self, code: int) -> None:  # the timer's thread
        with contextlib.suppress(Exception):
            self.store.close(timeout=1.0)
        os._exit(code)

    def on_mount(self) -> None:
        # answers go to the journal at once, the whole file is written off the UI thread
        self.store.start_background_saves(on_saved=self._saved_in_background)
        self._watch_the_terminal()
        self.push_screen(CourseMapScreen())
        if not self.store.welcomed:
            self.push_screen(
                WelcomeScreen(data_dir=self.store.data_dir), callback=self._after_welcome
            )
        if self.course_loaded:
            self._show_course_errors()
        else:
            # validating a course instantiates every step (numpy): do it off the UI thread,
            # after the first frame, so the tutor is on screen and answering keys at once
            self.call_after_refresh(self._start_loading)
        self.show_store_notices()
        self.guard_size()

    def _start_loading(self) -> None:
        self.run_worker(self._load_course, thread=True, exit_on_error=False, name="load-course")

    def _load_course(self) -> None:
        # imported here: the loader pulls in numpy, which the first frame does without
        from bptutor.engine.course.loader import load_course

        course = load_course(self.lessons_dir)
        self.call_from_thread(self.course_ready, course)

    def course_ready(self, course: Course) -> None:
        """The course is loaded: fill the map, then list the course's problems (if any)."""
        self.course = course
        self.course_loaded = True
        for screen in self.screen_stack:
            if isinstance(screen, CourseMapScreen):
                screen.course_loaded()
        self._show_course_errors()

    def _after_welcome(self, _: object = None) -> None:
        if self.course_loaded:
            self._show_course_errors()  # held back while the welcome was up

    def _show_course_errors(self) -> None:
        errors = self.course.errors
        if not errors:
            return
        if any(isinstance(screen, WelcomeScreen) for screen in self.screen_stack):
            return  # one box at a time: shown once the welcome is dismissed
        small = isinstance(self.screen, TooSmallScreen)
        if small:
            self.pop_screen()  # keep "enlarge the window" on top of everything
        self.push_screen(CourseErrorsScreen(errors, source=self.course.source))
        if small:
            self.guard_size()

    def _saved_in_background(self) -> None:  # the save thread
        if len(self.store.notices) > self._notices_shown:
            self.post_message(StoreNotices())

    def on_store_notices(self, _: StoreNotices) -> None:
        self.show_store_notices()

    def on_unmount(self) -> None:
        """The last background save is waited for (screens closed first: nothing comes
        after); what it cannot write stays in the journal for the next start."""
        self.store.close(timeout=LAST_SAVE_WAIT)

    def show_store_notices(self) -> None:
        """Turn new progress-store notices into long-lived warnings (they matter)."""
        notices = list(self.store.notices)  # one read: the save thread may add one meanwhile
        for notice in notices[self._notices_shown :]:
            self.notify(notice, title="Progress", severity="warning", timeout=20, markup=False)
        self._notices_shown = len(notices)

    # ------------------------------------------------------------------- terminal size
    def on_resize(self, event: events.Resize) -> None:
        self.guard_size(event.size)

    def guard_size(self, size: Size | None = None) -> None:
        """Below MIN_WIDTH x MIN_HEIGHT show "enlarge the window" instead of a garbled UI."""
        width, height = size if size is not None else self.size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        on_top = isinstance(self.screen, TooSmallScreen)
        if small and not on_top:
            self.push_screen(TooSmallScreen(MIN_WIDTH, MIN_HEIGHT, (width, height)))
        elif small:
            self.screen.show_size(width, height)  # type: ignore[attr-defined]
        elif on_top:
            self.pop_screen()

    # -------------------------------------------------------------------------- actions
    @property
    def review_on(self) -> bool:
        """The review queue is offered: not turned off for good nor for this run."""
        return self.review and self.store.review_enabled

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def open_training(
        self,
        config: TrainConfig | None = None,
        on_close: Callable[[TrainingScreen], None] | None = None,
    ) -> bool:
        """Push the training view (None: the free playground); a notice, not a crash, on failure.
        `on_close` is called with the view when the learner leaves it (what did they run?)."""
        try:  # imported on first use: plotext and the training engine cost startup time
            from bptutor.tui.screens.training import TrainingScreen
        except Exception as exc:  # a missing or broken training view must not end the lesson
            self.notify(
                f"The training view could not be opened ({type(exc).__name__}: {exc}).",
                severity="error",
                markup=False,
            )
            return False
        screen = TrainingScreen(config)
        self.push_screen(screen, None if on_close is None else lambda _: on_close(screen))
        return True

"""The learner's file on a code step: its full path, watched, and each save checked at once.

The file is noticed by polling (one stat() every 0.1 s, engine/course/code_session.py) and
checked in a worker thread, so the UI never waits for the learner's code. The widget owns the
watch, the poll timer and the status line under the path; the screen hears only
`CodeChecked` (the answer and verdict to record) and asks for `check()` (Enter) or `edit()` (e).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bptutor.engine.course.code_format import write_starter
from bptutor.engine.course.code_session import CodeCheck, CodeWatch
from rich.text import Text
from textual import on
from textual.app import ComposeResult, SuspendNotSupported
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    from bptutor.engine.answers.grading import Verdict
    from bptutor.engine.course.code_exercise import CodeExercise
    from textual.timer import Timer

__all__ = ["CODE_POLL_SECONDS", "FALLBACK_EDITORS", "CodeChecked", "CodeFile", "editor_command"]

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
    """A check of the file of `watch` finished: `answer` ("sha256:…") and `verdict` to record;
    `count` False when it is the check made on opening the step and the file is not right yet
    (showing where the file stands is not a try)."""

    def __init__(self, watch: CodeWatch, answer: str, verdict: Verdict, *, count: bool) -> None:
        super().__init__()
        self.watch = watch
        self.answer = answer
        self.verdict = verdict
        self.count = count


class _CheckFinished(Message, bubble=False):
    """From the worker thread to the widget: `result` of checking the file of `watch`."""

    def __init__(self, watch: CodeWatch, result: CodeCheck) -> None:
        super().__init__()
        self.watch = watch
        self.result = result


class CodeFile(Widget):
    """The path of the learner's file (#code-file) and how its last check went (#code-status)."""

    DEFAULT_CSS = """
    CodeFile {
        height: auto;
    }
    CodeFile > #code-status {
        height: auto;
        max-height: 2;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._watch: CodeWatch | None = None
        self._timer: Timer | None = None
        self._opening: CodeWatch | None = None  # the check made on opening the step

    def compose(self) -> ComposeResult:
        yield Static(id="code-file")
        yield Static(id="code-status")

    def on_unmount(self) -> None:
        self.stop()  # no child process outlives the screen (nor the app)

    def start(self, exercise: CodeExercise, path: Path, starter: str) -> None:
        """Show the learner's file (created from `starter` the first time) and watch it; a file
        the learner has worked on is checked at once, to show where it stands."""
        self.stop()
        label = self.query_one("#code-file", Static)
        try:
            write_starter(path, starter)
        except OSError as exc:
            label.update(
                Text(f"Your file {path} cannot be created ({exc.strerror or exc}). ", style="bold")
                + Text("Use --work-dir DIR to choose another folder.")
            )
            self._status("")
            return
        label.update(
            Text("Your file: ", style="dim")
            + Text(str(path), style="bold")
            + Text("\ne edits it here, or edit it anywhere: each save is checked.", style="dim")
        )
        self._watch = CodeWatch(exercise, path)
        self._timer = self.set_interval(CODE_POLL_SECONDS, self._poll)
        self._status("Enter checks it now.")
        try:
            fresh = path.read_text(encoding="utf-8") == starter
        except (OSError, UnicodeDecodeError):
            fresh = False
        if not fresh:
            self._opening = self._watch
            self.check()

    def stop(self) -> None:
        """Stop watching (the step is left): its children end, a check under way is dropped."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._watch is not None:
            self._watch.close()
            self._watch = None

    @property
    def watch(self) -> CodeWatch | None:
        """The file watched now (None between steps): a `CodeChecked` about another is stale."""
        return self._watch

    def holds(self, answer: str) -> bool:
        """The file on disk is the one `answer` ("sha256:…") was recorded for."""
        return self._watch is not None and self._watch.digest() == answer.removeprefix("sha256:")

    def check(self) -> None:
        """Check the file now, in a worker thread (the UI never waits for it)."""
        watch = self._watch
        if watch is None:
            return
        self._status("Checking your file…")
        self.run_worker(
            lambda: self._run_check(watch),
            thread=True,
            exclusive=True,
            group="code-check",
            exit_on_error=False,
            name="code-check",
        )

    def _run_check(self, watch: CodeWatch) -> None:
        result = watch.check()  # None: a newer check (or leaving the step) replaced this one
        if result is not None:
            self.post_message(_CheckFinished(watch, result))

    @on(_CheckFinished)
    def _check_finished(self, message: _CheckFinished) -> None:
        if message.watch is not self._watch:
            return  # a check of a step (or a screen) the learner has left
        result = message.result
        self._status(f"Checked in {result.seconds:.2f} s. Enter checks again.")
        # the check made on opening the step shows where the file stands: a try only if right
        # (a file shared by two steps has the next function's stub in it: no try was made)
        opening, self._opening = self._opening is message.watch, None
        count = not opening or result.verdict.correct
        self.post_message(CodeChecked(message.watch, result.answer, result.verdict, count=count))

    def edit(self) -> None:
        """Open the file in the learner's editor in this terminal; the app waits meanwhile."""
        watch = self._watch
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
        self._poll()  # the save shows at once, not at the next tick

    def _poll(self) -> None:
        if self._watch is not None and self._watch.changed():
            self.check()

    def _status(self, text: str) -> None:
        self.query_one("#code-status", Static).update(Text(text, style="dim"))

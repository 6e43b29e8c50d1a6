"""Watching a learner's file on a code step: notice each save, check it, latest check wins.

The lesson screen keeps one `CodeWatch` per code step it shows, polls `changed()` a few times
a second (a `stat`: it works on any file system and over SSH, where change notifications do
not), and runs `check()` in a worker thread. Like rustlings' watch state (`watch/state.rs`),
the state lives here, apart from the event loop, and is tested without a UI.

A check takes a child process started ahead of time (`coderun.Spare`), so a save is checked
without waiting for Python and numpy to start. A check started while another runs ends the
older one's child at once: only the newest file matters. `close()` ends every child.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bptutor.engine.answers.grading import Verdict
from bptutor.engine.course.code_grading import CodeExercise
from bptutor.engine.course.coderun import CodeProcess, Spare
from bptutor.engine.course.safefile import file_stamp

__all__ = ["CodeCheck", "CodeWatch"]


@dataclass(frozen=True)
class CodeCheck:
    """One check of the file: its verdict, which content it was about, how long it took."""

    verdict: Verdict
    digest: str  # the file's sha256 (12 hex digits): the same file again is the same answer
    seconds: float
    saved_at: float  # the file's mtime when it was read (time.time() scale)

    @property
    def answer(self) -> str:
        """What progress records as the learner's answer (their code stays in their file)."""
        return f"sha256:{self.digest}"


class CodeWatch:
    """The learner's file for one code exercise. Thread-safe."""

    def __init__(self, exercise: CodeExercise, path: Path, *, spare: Spare | None = None) -> None:
        self.exercise = exercise
        self.path = Path(path)
        self.spare = spare if spare is not None else Spare(exercise.limits)
        self.spare.warm()  # the first save is checked without waiting for a start
        self._lock = threading.Lock()
        self._seen = file_stamp(self.path)
        self._generation = 0
        self._running: CodeProcess | None = None
        self.closed = False

    def changed(self) -> bool:
        """True once for each change of the file (time, size or inode, so an editor's
        write-to-a-copy-then-rename counts too) since the last call."""
        now = file_stamp(self.path)
        with self._lock:
            if now == self._seen:
                return False
            self._seen = now
            return True

    def digest(self) -> str | None:
        """The file's content id, or None when it cannot be read."""
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest()[:12]
        except OSError:
            return None

    def check(self) -> CodeCheck | None:
        """Run and grade the file as it is now (blocks up to the time limit). None when a
        newer check started meanwhile or the watch was closed: its result is the one to show."""
        with self._lock:
            if self.closed:
                return None
            self._generation += 1
            mine = self._generation
            older, self._running = self._running, None
        if older is not None:
            older.close()  # the older check returns at once; its result is dropped
        start = time.monotonic()
        signature = file_stamp(self.path)
        digest = self.digest() or "unreadable"
        with self._lock:
            if self.closed or mine != self._generation:
                return None
            process = self.spare.take()
            self._running = process
        verdict = self.exercise.check(self.path, process=process)
        with self._lock:
            if self._running is process:
                self._running = None
            if self.closed or mine != self._generation:
                return None
        saved_at = signature[0] / 1e9 if signature else time.time()
        return CodeCheck(verdict, digest, time.monotonic() - start, saved_at)

    def close(self) -> None:
        """End the running check's child and the spare (the screen left the step)."""
        with self._lock:
            self.closed = True
            running, self._running = self._running, None
        if running is not None:
            running.close()
        self.spare.close()

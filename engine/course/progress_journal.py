"""A window's journal (each change appended to a small file) and its background save.

Why: the tutor rewrites the whole progress file in a background thread (a large record takes
tens of milliseconds, which the learner would feel after every Enter), yet an answer must be
on disk before its verdict shows, so that ``kill -9`` right after Enter loses nothing. Appending
one line (the changed step's record, a few hundred bytes) to this journal is what the UI thread
waits for; the background save then writes the whole file and deletes the journal files it
covered.

- one journal per window and generation: ``.progress-journal-<token>-<n>.jsonl`` in the data
  directory, mode 0600; a window holds ``fcntl.flock`` on the journal it appends to, so another
  window can tell a live journal from one a killed window left behind;
- a journal is created under a temporary name, locked, then renamed into place: no other
  window ever sees it unlocked while its owner may still write to it;
- `leftovers` reads every journal found (a window starting, ``bptutor progress``, a class
  report): the caller merges their lines (merging is idempotent) and deletes the ones whose
  owner is gone once the merged record is saved;
- POSIX only (``fcntl``): elsewhere `Journal.usable` is False and saves stay synchronous.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bptutor.engine.course.posix import fcntl  # None: no journal, saves stay synchronous

__all__ = [
    "JOURNAL_PREFIX",
    "JOURNAL_SUFFIX",
    "BackgroundSaver",
    "Journal",
    "Leftover",
    "leftovers",
]

JOURNAL_PREFIX, JOURNAL_SUFFIX = ".progress-journal-", ".jsonl"
MAX_JOURNAL_BYTES = 20 * 2**20
"""A journal larger than this is not read (a real one holds a few changes: kilobytes)."""

_NEW = ".new"  # a journal being made: locked, then renamed to ...JOURNAL_SUFFIX
STALE_NEW = 60.0
"""Seconds after which a journal never renamed into place is a killed window's: removed."""
_OPEN = os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class Leftover:
    """A journal found in the data directory: its lines, and whether its window is gone."""

    path: Path
    lines: list[bytes]
    orphan: bool
    """No window holds it: once its lines are saved in the file, it may be deleted."""


class Journal:
    """This window's journal (see the module docstring). Never raises."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.token = secrets.token_hex(6)
        self._generation = 0
        self._fd: int | None = None  # the journal appended to (held locked)
        self._path: Path | None = None
        self._covered: dict[Path, tuple[int, int]] = {}  # rotated out: (generation, fd)

    @property
    def usable(self) -> bool:
        return fcntl is not None

    def append(self, line: bytes) -> bool:
        """Write one line (a JSON change, no newline inside); False if it could not be."""
        if fcntl is None:
            return False
        try:
            if self._fd is None:
                self._open()
            assert self._fd is not None
            os.write(self._fd, line + b"\n")  # O_APPEND, one write: kept whole
        except OSError:
            return False
        return True

    def _open(self) -> None:
        self._generation += 1
        name = f"{JOURNAL_PREFIX}{self.token}-{self._generation}"
        tmp = self.data_dir / f"{name}{_NEW}"
        fd = os.open(tmp, _OPEN | os.O_WRONLY | os.O_APPEND, 0o600)
        try:
            os.fchmod(fd, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # new: nobody else holds it
            path = self.data_dir / f"{name}{JOURNAL_SUFFIX}"
            os.rename(tmp, path)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._fd, self._path = fd, path

    def rotate(self) -> int:
        """Start a new journal for the changes to come (called as a save takes its snapshot).
        Returns the mark to pass to `saved` once that snapshot is in the file."""
        if self._fd is not None and self._path is not None:
            # the lock (the fd) is kept until the file is deleted: a live window's journal is
            # never taken for a killed one's
            self._covered[self._path] = (self._generation, self._fd)
            self._fd, self._path = None, None
        return self._generation

    def saved(self, mark: int) -> None:
        """The snapshot taken at the `rotate` that returned `mark` is in the file: the
        journals it covers are deleted."""
        for path, (generation, fd) in list(self._covered.items()):
            if generation <= mark:
                with contextlib.suppress(OSError):
                    os.unlink(path)
                with contextlib.suppress(OSError):
                    os.close(fd)
                del self._covered[path]

    def close(self, *, everything_saved: bool) -> None:
        """The window ends. Its journals are deleted if all they hold is saved; otherwise
        they stay (unlocked now) for the next start to merge."""
        mark = self.rotate()
        if everything_saved:
            self.saved(mark)
        for _, fd in self._covered.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._covered.clear()


class BackgroundSaver:
    """The background save: one thread; however many changes arrive while a save runs, one
    more save follows (coalescing)."""

    def __init__(self, save: Callable[[], bool], on_saved: Callable[[], None] | None) -> None:
        self._save, self._on_saved = save, on_saved
        self._cond = threading.Condition()
        self._asked = 0  # saves asked for so far
        self._done = 0  # of those, how many the last finished save covered
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="bptutor-save", daemon=True)
        self._thread.start()

    def ask(self) -> None:
        with self._cond:
            self._asked += 1
            self._cond.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        """True once a save that began after this call's changes has finished."""
        with self._cond:
            target = self._asked
            return self._cond.wait_for(lambda: self._done >= target, timeout)

    def stop(self, timeout: float) -> bool:
        """Finish what was asked, then end the thread. False: it did not finish in time."""
        done = self.wait(timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout if done else 0)
        return done

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._asked > self._done or self._stopping)
                if self._asked == self._done:
                    return  # stopping, nothing left to save
                target = self._asked
            with contextlib.suppress(Exception):  # a save never raises; belt and braces
                self._save()
            with self._cond:
                self._done = target
                self._cond.notify_all()
            if self._on_saved is not None:
                with contextlib.suppress(Exception):
                    self._on_saved()


def leftovers(data_dir: Path, *, skip: Journal | None = None, tidy: bool = False) -> list[Leftover]:
    """Every journal in `data_dir` but `skip`'s own: its lines and whether it is an orphan.
    `tidy` (the learner's own window at start): a journal a killed window never renamed into
    place (older than STALE_NEW) is deleted; without it nothing is touched (a class report).

    Only regular files are read (never through a link), each up to MAX_JOURNAL_BYTES; an
    unreadable one is passed over. A line cut short by a kill is returned as it is (the
    caller's JSON reading drops it).
    """
    if fcntl is None:
        return []
    found = []
    with contextlib.suppress(OSError):
        entries = sorted(os.scandir(data_dir), key=lambda e: e.name)
        for entry in entries:
            name = entry.name
            if not name.startswith(JOURNAL_PREFIX):
                continue
            if name.endswith(_NEW):  # a window killed while making its journal
                if not tidy:
                    continue
                with contextlib.suppress(OSError):
                    if time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_NEW:
                        os.unlink(entry.path)
                continue
            if not name.endswith(JOURNAL_SUFFIX):
                continue
            if skip is not None and name.startswith(f"{JOURNAL_PREFIX}{skip.token}-"):
                continue
            item = _read(Path(entry.path))
            if item is not None:
                found.append(item)
    return found


def _read(path: Path) -> Leftover | None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_JOURNAL_BYTES:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            orphan = True
        except OSError:
            orphan = False  # its window holds it
        raw = os.read(fd, MAX_JOURNAL_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    return Leftover(path, [line for line in raw.split(b"\n") if line.strip()], orphan)

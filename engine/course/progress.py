"""The learner's progress: one JSON file in the per-user data directory.

Why it looks like this:
- keyed by lesson id and step id (never by position), so reordering or editing a course never
  loses history; ids the course no longer has are kept in the file but ignored;
- rewritten whole and atomically (temp file in the same directory, fsync, ``os.replace``) after
  every submitted answer, on the calling thread, so the answer is on disk before its verdict
  shows: killing the tutor loses nothing already answered. A save stays cheap because the
  record stays small (attempts per step are capped, the file size is bounded);
- several windows of one learner may run at once (two tmux panes on a class server): every
  save re-reads the file under a lock (``fcntl.flock`` on ``.progress.lock`` beside it) and
  merges it with what this window knows, per step, so no window erases another's records
  (see :func:`merge`; where ``fcntl`` is missing the merge runs without the lock);
- mode 0600 in a 0700 directory (its missing parents too), because a class server has many
  users;
- never crashes the app: a damaged file (not JSON, nested or numbered absurdly, not a regular
  file, too large) is moved aside (``progress.json.corrupt-<time>``), harmless damage (a lone
  surrogate, a seed that is not a sane number) is repaired, a save that fails leaves a sentence
  in :attr:`notices` and is tried again at the next save, which says when saving works again.

Textual-free, like all of the engine: ``bptutor progress`` and tests use it directly.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bptutor.engine.course.model import Lesson, Step
from platformdirs import user_data_dir

try:  # POSIX; elsewhere saves merge without a lock (docs/api.md)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

FORMAT_VERSION = 1
FILE_NAME = "progress.json"
LOCK_NAME = ".progress.lock"
TMP_PREFIX, TMP_SUFFIX = ".progress-", ".tmp"
ENV_DATA_DIR = "BPTUTOR_DATA_DIR"
"""Environment variable that overrides the data directory (tests, teachers' scripts)."""

MAX_FILE_BYTES = 20 * 2**20
"""A progress file larger than this is not read (moved aside): a real one stays far below."""
KEEP_FIRST, KEEP_LAST = 5, 50
"""Attempts kept per step: the first few and the latest; the ones between are only counted."""
MAX_INT_DIGITS = 30
"""A longer integer in the file is damage (Python refuses to parse 4,300 digits anyway)."""
SEED_LIMIT = 2**63
LOCK_TIMEOUT = 3.0
"""Seconds a save waits for another window's save before it gives up (and retries later)."""
STALE_TMP_SECONDS = 60.0
"""Without a lock, a temp file this old cannot belong to a save still running."""

STATE_NOT_STARTED = "not started"
STATE_IN_PROGRESS = "in progress"
STATE_DONE = "done"


def default_data_dir() -> Path:
    """Where progress lives: $BPTUTOR_DATA_DIR, else platformdirs (respects XDG_DATA_HOME)."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("bptutor", appauthor=False))


def _now() -> str:
    """UTC with microseconds: attempts are told apart (and merged) by their content and time."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _time_key(value: Any) -> float:
    """A stored time as seconds since the epoch (anything unreadable sorts first)."""
    if not isinstance(value, str) or len(value) > 40:
        return -math.inf
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return -math.inf
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_text(text: str) -> str:
    """The text with lone surrogates (unwritable as UTF-8) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def _sane_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _sane_seed(value: Any) -> bool:
    return _sane_int(value) and -SEED_LIMIT < value < SEED_LIMIT


class _Damaged(ValueError):
    """The file cannot be used as it is; the message says why (for the "moved aside" notice)."""


class _Busy(OSError):
    """Another window's save held the lock too long."""


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Damaged(f"it holds a number with {digits} digits")
    return int(text)


def _version(value: Any) -> int | None:
    """The format version a value means: 1, 1.0 and "1" all mean 1; None: not a version."""
    if _sane_int(value):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,6}(\.0*)?\s*", value):
        return int(float(value))
    return None


def _repair_strings(data: Any) -> bool:
    """Replace lone surrogates in every string (keys too), in place; True if any was found.

    Iterative: the structure came from json.loads, but may still be deep.
    """
    found = False
    todo: list[Any] = [data]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            for key in list(node):
                value = node[key]
                if isinstance(value, str):
                    clean = _clean_text(value)
                    if clean != value:
                        node[key], found = clean, True
                elif isinstance(value, dict | list):
                    todo.append(value)
                if isinstance(key, str) and _clean_text(key) != key:
                    node[_clean_text(key)] = node.pop(key)
                    found = True
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    clean = _clean_text(value)
                    if clean != value:
                        node[i], found = clean, True
                elif isinstance(value, dict | list):
                    todo.append(value)
    return found


# --------------------------------------------------------------------------------- merging
def _attempt_key(attempt: dict[str, Any]) -> str:
    return json.dumps(attempt, sort_keys=True, ensure_ascii=True, default=str)


def _trim(rec: dict[str, Any]) -> None:
    """Keep the first KEEP_FIRST and the last KEEP_LAST attempts; count the ones between."""
    attempts = rec.get("attempts")
    if not isinstance(attempts, list) or len(attempts) <= KEEP_FIRST + KEEP_LAST:
        return
    cut = attempts[KEEP_FIRST : len(attempts) - KEEP_LAST]
    dropped = rec.get("attempts_dropped")
    rec["attempts_dropped"] = (dropped if _sane_int(dropped) and dropped > 0 else 0) + len(cut)
    times = [a.get("time") for a in cut if isinstance(a, dict)]
    latest = max(times, key=_time_key, default=None)
    if _time_key(latest) > _time_key(rec.get("dropped_until")):
        rec["dropped_until"] = latest
    rec["attempts"] = attempts[:KEEP_FIRST] + attempts[-KEEP_LAST:]


def _merge_step(disk: dict[str, Any], mine: dict[str, Any]) -> dict[str, Any]:
    """Both records of one step as one: attempts united (each once), flags OR'ed, counts max."""
    out = {**disk, **mine}
    until = max(disk.get("dropped_until"), mine.get("dropped_until"), key=_time_key)
    seen_keys: set[str] = set()
    attempts = []
    for source in (disk, mine):
        listed = source.get("attempts")
        for attempt in listed if isinstance(listed, list) else ():
            if not isinstance(attempt, dict):
                continue
            key = _attempt_key(attempt)
            if key not in seen_keys:
                seen_keys.add(key)
                attempts.append(attempt)
    attempts.sort(key=lambda a: _time_key(a.get("time")))
    if until is not None:
        # an attempt one side already counted as dropped must not come back from the other
        bound = _time_key(until)
        attempts = attempts[:KEEP_FIRST] + [
            a for a in attempts[KEEP_FIRST:] if _time_key(a.get("time")) > bound
        ]
        out["dropped_until"] = until
    out["attempts"] = attempts
    dropped = [
        d for d in (disk.get("attempts_dropped"), mine.get("attempts_dropped")) if _sane_int(d)
    ]
    if dropped:
        out["attempts_dropped"] = max(dropped)
    hints = [h for h in (disk.get("hints_used"), mine.get("hints_used")) if _sane_int(h)]
    if hints:
        out["hints_used"] = max(hints)
    for flag in ("solved", "revealed", "seen"):
        if disk.get(flag) is True or mine.get(flag) is True:
            out[flag] = True
    _trim(out)
    return out


def _merge_tables(disk: dict[str, Any], mine: dict[str, Any], merge_value: Any) -> dict[str, Any]:
    out = {**disk, **mine}
    for key in disk.keys() & mine.keys():
        a, b = disk[key], mine[key]
        if isinstance(a, dict) and isinstance(b, dict):
            out[key] = merge_value(a, b)
    return out


def _merge_lesson(disk: dict[str, Any], mine: dict[str, Any]) -> dict[str, Any]:
    out = {**disk, **mine}
    a, b = disk.get("steps"), mine.get("steps")
    if isinstance(a, dict) and isinstance(b, dict):
        out["steps"] = _merge_tables(a, b, _merge_step)
    elif isinstance(a, dict):
        out["steps"] = a
    return out


def merge(disk: dict[str, Any], mine: dict[str, Any]) -> dict[str, Any]:
    """Two versions of one learner's record (the file and a window's memory) as one.

    Per step: attempts appended (each attempt once, by content and time, in time order),
    solved stays solved, revealed stays revealed, seen OR'ed, hints_used the larger; the later
    `last` wins (by the time stored with it); the seed on disk wins, so every window draws the
    same numbers. Ids only one side knows are kept.
    """
    out = {**disk, **mine}
    out["version"] = FORMAT_VERSION
    out["seed"] = disk["seed"] if _sane_seed(disk.get("seed")) else mine.get("seed")
    if disk.get("welcomed") is True or mine.get("welcomed") is True:
        out["welcomed"] = True
    lasts = [x for x in (disk.get("last"), mine.get("last")) if isinstance(x, dict)]
    if lasts:
        out["last"] = max(reversed(lasts), key=lambda x: _time_key(x.get("time")))
    a, b = disk.get("lessons"), mine.get("lessons")
    if isinstance(a, dict) and isinstance(b, dict):
        out["lessons"] = _merge_tables(a, b, _merge_lesson)
    elif isinstance(a, dict):
        out["lessons"] = a
    return out


# ------------------------------------------------------------------------------ summaries
@dataclass(frozen=True)
class StepProgress:
    """What the learner has done on one step (a read-only view of the stored record)."""

    attempts: int = 0
    hints_used: int = 0
    solved: bool = False
    revealed: bool = False
    seen: bool = False
    last_answer: str = ""


@dataclass(frozen=True)
class LessonSummary:
    """One row of the course map and of ``bptutor progress``."""

    lesson_id: str
    title: str
    state: str
    solved: int
    total: int
    attempts: int
    hints_used: int
    revealed: int
    first_open_step: int
    """Index of the step a learner should land on: the first one not yet done."""


@dataclass(frozen=True)
class _Read:
    """What reading the file found: `data` (None: no file), or `damage` (move it aside)."""

    data: dict[str, Any] | None = None
    damage: str | None = None
    newer: int | None = None
    stamp: tuple[int, int, int] | None = None


class ProgressStore:
    """Load, query and save the learner's progress; see the module docstring for the rules."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.path = self.data_dir / FILE_NAME
        self.notices: list[str] = []
        """Sentences for the learner (file moved aside, saving off or on again); the UI shows
        them."""
        self._frozen: str | None = None  # why nothing may be written this session
        self._failing = False  # the last save failed: the next one tries again
        self._stamp: tuple[int, int, int] | None = None  # the file as last read or written
        self._target = self.path  # where the record is written (a followed link's target)
        self._link_note: str | None = None  # said at the first save that replaces a link
        self._data: dict[str, Any] = self._fresh()
        self._resolve_link()
        if self.data_dir.is_dir():
            with contextlib.suppress(_Busy), self._locked() as locked:
                self._remove_stale_temps(locked)
        self._data = self._load()
        seed = self._data.get("seed")
        if not _sane_seed(seed):
            if "seed" in self._data:
                shown = repr(seed) if len(repr(seed)) <= 24 else repr(seed)[:21] + "…"
                self.notices.append(
                    f"Your progress file's seed ({shown}) was not a usable number; a new one "
                    "was drawn, so exercises show new numbers. Your answers are kept."
                )
            self._data["seed"] = secrets.randbelow(2**31)
            self.save()

    @property
    def writable(self) -> bool:
        """False while saving does not work (the app keeps going; notices say why)."""
        return self._frozen is None and not self._failing

    # ----------------------------------------------------------------- loading and saving
    def _fresh(self) -> dict[str, Any]:
        return {"version": FORMAT_VERSION, "lessons": {}}

    def _resolve_link(self) -> None:
        """A progress.json that is a symbolic link the learner made is written through.

        Followed only when the learner owns the link, the data directory (no one else can
        write in it) and the target (a regular file, or none yet in an existing folder).
        Otherwise the first save replaces the link by a regular file and says so, once.
        """
        try:
            link = os.lstat(self.path)
        except OSError:
            return
        if not stat.S_ISLNK(link.st_mode):
            return
        target = Path(os.path.realpath(self.path))
        me = os.geteuid() if hasattr(os, "geteuid") else None
        why = None
        try:
            folder = os.stat(self.data_dir)
            if me is not None and (link.st_uid != me or folder.st_uid != me):
                why = "it is not yours"
            elif folder.st_mode & 0o022:
                why = f"others can write in {self.data_dir}"
            elif target.exists():
                info = os.stat(target)
                if not stat.S_ISREG(info.st_mode):
                    why = "it does not point to a regular file"
                elif me is not None and info.st_uid != me:
                    why = "the file it points to is not yours"
            elif not target.parent.is_dir():
                why = "the folder it points into does not exist"
        except OSError as exc:
            why = f"it cannot be followed ({exc.strerror or exc})"
        if why is None:
            self._target = target
        else:
            self._link_note = (
                f"Your progress file {self.path} was a symbolic link to {target}; bptutor does "
                f"not write through it ({why}), so it now keeps your progress in a regular "
                f"file there. {target} was left as it was."
            )

    def _read(self) -> _Read:
        """Read and check the file; never raises for damage, OSError only if it is unreadable.

        Only a regular file is opened (a named pipe or a device never blocks or floods us),
        and at most MAX_FILE_BYTES of it.
        """
        path = self._target
        try:
            info = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return _Read()
        if not stat.S_ISREG(info.st_mode):
            return _Read(damage=f"it is not a regular file ({_file_kind(info.st_mode)})")
        if info.st_size > MAX_FILE_BYTES:
            return _Read(damage=_too_large(info.st_size))
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except (FileNotFoundError, NotADirectoryError):
            return _Read()
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):  # swapped since the stat above
                return _Read(damage=f"it is not a regular file ({_file_kind(info.st_mode)})")
            raw = fh.read(MAX_FILE_BYTES + 1)
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        if len(raw) > MAX_FILE_BYTES:
            return _Read(damage=_too_large(len(raw)))
        try:
            data = json.loads(raw.decode("utf-8"), parse_int=_bounded_int)
        except UnicodeDecodeError:
            return _Read(damage="it is not text")
        except _Damaged as exc:
            return _Read(damage=str(exc))
        except json.JSONDecodeError as exc:
            return _Read(damage=f"it is not valid JSON: {exc.msg}, line {exc.lineno}")
        except RecursionError:
            return _Read(damage="it is nested too deeply")
        except ValueError as exc:  # anything else json refuses
            return _Read(damage=f"it is not valid JSON ({exc})")
        if not isinstance(data, dict) or not isinstance(data.get("lessons", {}), dict):
            return _Read(damage="it does not have the expected layout")
        if "version" not in data:
            return _Read(damage="it has no format version")
        version = _version(data["version"])
        if version is None:
            shown = repr(data["version"])
            shown = shown if len(shown) <= 24 else shown[:21] + "…"
            return _Read(damage=f"its format version {shown} is not a number")
        if version < 1:
            return _Read(damage=f"its format version {version} does not exist")
        if version > FORMAT_VERSION:
            return _Read(newer=version, stamp=stamp)
        data["version"] = version
        data.setdefault("lessons", {})
        _repair_strings(data)
        for lesson in data["lessons"].values():
            steps = lesson.get("steps") if isinstance(lesson, dict) else None
            for rec in steps.values() if isinstance(steps, dict) else ():
                if isinstance(rec, dict):
                    _trim(rec)
        return _Read(data=data, stamp=stamp)

    def _load(self) -> dict[str, Any]:
        try:
            found = self._read()
        except OSError as exc:
            self._frozen = "unreadable"
            self.notices.append(
                f"Could not read your progress file {self.path} ({exc.strerror or exc}). "
                "You can keep learning, but progress will not be saved this session."
            )
            return self._fresh()
        if found.newer is not None:
            self._frozen = "newer"
            self.notices.append(
                f"Your progress file {self.path} was written by a newer bptutor (format "
                f"{found.newer}); it is left untouched and this session's progress is not saved."
            )
            return self._fresh()
        if found.damage is not None:
            self._move_aside(found.damage)
            return self._fresh()
        self._stamp = found.stamp
        return found.data if found.data is not None else self._fresh()

    def _move_aside(self, why: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{FILE_NAME}.corrupt-{stamp}")
        n = 1
        while os.path.lexists(target):
            n += 1
            target = self.path.with_name(f"{FILE_NAME}.corrupt-{stamp}-{n}")
        try:
            os.replace(self.path, target)
        except OSError as exc:
            self._frozen = "damaged"
            self.notices.append(
                f"Your progress file {self.path} is damaged ({why}) and could not be moved "
                f"aside ({exc.strerror or exc}); progress will not be saved this session."
            )
        else:
            self._target = self.path  # a damaged link's target is left alone
            self._link_note = None
            self.notices.append(
                f"Your progress file was damaged ({why}). It was moved to {target.name} "
                "and you start with a fresh record."
            )

    def _ensure_dir(self) -> None:
        """Create the data directory and its missing parents, each 0700 (whatever the umask)."""
        folder = self.data_dir
        if folder.is_dir():
            return
        missing = []
        while not folder.is_dir():
            if os.path.lexists(folder):
                raise _Unusable(f"{folder} is a file, not a folder")
            missing.append(folder)
            if folder.parent == folder:
                break
            folder = folder.parent
        for part in reversed(missing):
            try:
                part.mkdir(mode=0o700)
            except FileExistsError:
                if not part.is_dir():
                    raise _Unusable(f"{part} is a file, not a folder") from None
                continue
            os.chmod(part, 0o700)  # mkdir's mode is filtered by the umask

    @contextlib.contextmanager
    def _locked(self) -> Iterator[bool]:
        """Hold the lock on .progress.lock beside the file; yields whether it is held.

        Without fcntl, or when the lock file cannot be made (a read-only folder), the block
        runs unlocked: the merge still keeps other windows' records, only two saves at the very
        same moment could lose one of them until that window's next save writes it again.
        """
        if fcntl is None:
            yield False
            return
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.data_dir / LOCK_NAME, flags, 0o600)
        except OSError:
            yield False
            return
        try:
            deadline = time.monotonic() + LOCK_TIMEOUT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise _Busy("another bptutor window kept the file locked") from None
                    time.sleep(0.005)
            yield True
        finally:
            os.close(fd)  # closing releases the lock

    def _remove_stale_temps(self, locked: bool) -> None:
        """Temp files a killed save left behind (under the lock, none can be in use)."""
        folders = {self.data_dir, self._target.parent}
        now = time.time()
        for folder in folders:
            with contextlib.suppress(OSError):
                for entry in os.scandir(folder):
                    name = entry.name
                    if not (name.startswith(TMP_PREFIX) and name.endswith(TMP_SUFFIX)):
                        continue
                    with contextlib.suppress(OSError):
                        info = entry.stat(follow_symlinks=False)
                        if stat.S_ISREG(info.st_mode) and (
                            locked or now - info.st_mtime > STALE_TMP_SECONDS
                        ):
                            os.unlink(entry.path)

    def save(self) -> bool:
        """Merge with the file on disk and write the result atomically; never raises.

        False (with a notice, once per run of failures) when it cannot; the next save tries
        again and says when saving works again.
        """
        if self._frozen is not None:
            return False
        try:
            self._ensure_dir()
            with self._locked():
                if not self._merge_from_disk():
                    return False
                self._write()
        except Exception as exc:  # a save must never take the tutor down
            self._failed(exc)
            return False
        if self._link_note is not None:
            self.notices.append(self._link_note)
            self._link_note = None
        if self._failing:
            self._failing = False
            self.notices.append("Saving works again: your progress is saved.")
        return True

    def reload(self) -> None:
        """Take in what other windows saved (a no-op when the file did not change)."""
        if self._frozen is not None or not self.data_dir.is_dir():
            return
        with contextlib.suppress(Exception), self._locked():
            self._merge_from_disk(move_damage=False)

    def _merge_from_disk(self, move_damage: bool = True) -> bool:
        """Merge the file into memory unless it is as this store last read or wrote it.

        False: nothing may be written (a newer bptutor wrote the file meanwhile).
        """
        try:
            info = os.stat(self._target)
            now = (info.st_ino, info.st_mtime_ns, info.st_size)
        except OSError:
            now = None
        if now is not None and now == self._stamp:
            return True
        found = self._read()
        if found.newer is not None:
            self._frozen = "newer"
            self.notices.append(
                f"Your progress file {self.path} was just written by a newer bptutor (format "
                f"{found.newer}); this window stops saving so as not to spoil it."
            )
            return False
        if found.damage is not None:
            if move_damage:
                self._move_aside(found.damage)
            return self._frozen is None
        if found.data is not None:
            self._data = merge(found.data, self._data)
        return True

    def _write(self) -> None:
        text = json.dumps(self._data, indent=1, ensure_ascii=False, sort_keys=True)
        payload = text.encode("utf-8", "backslashreplace")  # never raises: see _clean_text
        folder = self._target.parent
        tmp = folder / f"{TMP_PREFIX}{secrets.token_hex(6)}{TMP_SUFFIX}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(tmp, flags, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), 0o600)
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
                info = os.fstat(fh.fileno())
            os.replace(tmp, self._target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        _fsync_dir(folder)

    def _failed(self, exc: Exception) -> None:
        if self._failing:
            return  # said once per run of failures
        self._failing = True
        if isinstance(exc, _Unusable | _Busy):
            why = str(exc)
        elif isinstance(exc, OSError):
            where = exc.filename or self.data_dir
            reason = exc.strerror or str(exc)
            why = f"{self.data_dir} is not writable ({reason})"
            if exc.errno not in (13, 1, 30):  # EACCES, EPERM, EROFS
                why = f"writing to {where} failed ({reason})"
        else:
            why = f"an unexpected error ({type(exc).__name__}: {exc})"
        self.notices.append(
            f"Progress cannot be saved: {why}. You can keep learning: this session remembers "
            "your answers and bptutor tries to save again at the next one. Use --data-dir DIR "
            "to choose another place."
        )

    def reset(self) -> None:
        """Forget everything (the caller asks the learner first). A new seed is drawn.

        A window still open on the same record writes its memory back at its next save.
        """
        with contextlib.suppress(_Busy, FileNotFoundError), self._locked():
            os.unlink(self._target)
        self._stamp = None
        self._data = self._fresh()
        self._data["seed"] = secrets.randbelow(2**31)

    # ------------------------------------------------------------------ small properties
    @property
    def seed(self) -> int:
        """The learner's own seed for randomised exercises (created once, then kept)."""
        return int(self._data["seed"])

    @property
    def welcomed(self) -> bool:
        return self._data.get("welcomed") is True

    def mark_welcomed(self) -> None:
        if not self.welcomed:
            self._data["welcomed"] = True
            self.save()

    @property
    def last_position(self) -> tuple[str, str] | None:
        """(lesson id, step id) the learner last looked at, or None."""
        last = self._data.get("last")
        if isinstance(last, dict):
            lesson, step = last.get("lesson"), last.get("step")
            if isinstance(lesson, str) and isinstance(step, str):
                return lesson, step
        return None

    def as_dict(self) -> dict[str, Any]:
        """A deep copy of the stored data (for export)."""
        return json.loads(json.dumps(self._data))

    # ------------------------------------------------------------------------ step records
    def _record(self, lesson_id: str, step_id: str, create: bool) -> dict[str, Any] | None:
        lessons = self._data.get("lessons")
        if not isinstance(lessons, dict):
            if not create:
                return None
            lessons = self._data["lessons"] = {}
        lesson = lessons.get(lesson_id)
        if not isinstance(lesson, dict):
            if not create:
                return None
            lesson = lessons[lesson_id] = {}
        steps = lesson.get("steps")
        if not isinstance(steps, dict):
            if not create:
                return None
            steps = lesson["steps"] = {}
        rec = steps.get(step_id)
        if not isinstance(rec, dict):
            if not create:
                return None
            rec = steps[step_id] = {}
        return rec

    def step(self, lesson_id: str, step_id: str) -> StepProgress:
        rec = self._record(lesson_id, step_id, create=False)
        if rec is None:
            return StepProgress()
        attempts = rec.get("attempts")
        attempts = (
            [a for a in attempts if isinstance(a, dict)] if isinstance(attempts, list) else []
        )
        dropped = rec.get("attempts_dropped", 0)
        dropped = dropped if _sane_int(dropped) and dropped > 0 else 0
        hints = rec.get("hints_used", 0)
        last = attempts[-1].get("answer", "") if attempts else ""
        return StepProgress(
            attempts=len(attempts) + dropped,
            hints_used=hints if _sane_int(hints) and hints >= 0 else 0,
            solved=rec.get("solved") is True,
            revealed=rec.get("revealed") is True,
            seen=rec.get("seen") is True,
            last_answer=last if isinstance(last, str) else "",
        )

    def record_attempt(
        self,
        lesson_id: str,
        step_id: str,
        answer: str,
        status: str,
        mistake: str | None = None,
    ) -> bool:
        """Store one graded answer (and `solved` when it is correct); saves. False: not saved."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        attempts = rec.get("attempts")
        if not isinstance(attempts, list):
            attempts = rec["attempts"] = []
        attempts.append(
            {
                "answer": _clean_text(answer),
                "status": status,
                "mistake": mistake,
                "time": _now(),
            }
        )
        _trim(rec)
        rec["seen"] = True
        if status == "correct":
            rec["solved"] = True
        self._set_last(lesson_id, step_id)
        return self.save()

    def record_hint(self, lesson_id: str, step_id: str) -> int:
        """Count one more hint shown; returns how many the learner has now seen."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        used = self.step(lesson_id, step_id).hints_used + 1
        rec["hints_used"] = used
        self.save()
        return self.step(lesson_id, step_id).hints_used

    def record_reveal(self, lesson_id: str, step_id: str) -> None:
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        rec["revealed"] = True
        self.save()

    def mark_solved(self, lesson_id: str, step_id: str) -> None:
        """For steps without an answer to check (a `train` step counts once it was opened)."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        rec["seen"] = True
        rec["solved"] = True
        self.save()

    def mark_seen(self, lesson_id: str, step_id: str) -> None:
        """The learner opened this step: remember it as seen and as the place to continue."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        changed = rec.get("seen") is not True or self.last_position != (lesson_id, step_id)
        rec["seen"] = True
        self._set_last(lesson_id, step_id)
        if changed:
            self.save()

    def _set_last(self, lesson_id: str, step_id: str) -> None:
        self._data["last"] = {"lesson": lesson_id, "step": step_id, "time": _now()}

    # --------------------------------------------------------------------------- summaries
    def step_done(self, lesson_id: str, step: Step) -> bool:
        """Prose steps are done once seen; exercise (and train) steps once solved."""
        p = self.step(lesson_id, step.id)
        return p.solved if step.exercise is not None else p.seen

    def summarize(self, lesson: Lesson) -> LessonSummary:
        exercises = [s for s in lesson.steps if s.exercise is not None]
        records = [self.step(lesson.id, s.id) for s in lesson.steps]
        solved = sum(self.step(lesson.id, s.id).solved for s in exercises)
        touched = any(r.seen or r.attempts or r.solved for r in records)
        done_flags = [self.step_done(lesson.id, s) for s in lesson.steps]
        # a lesson without exercises is done once every step was read
        all_done = solved == len(exercises) if exercises else all(done_flags)
        if all_done:
            state = STATE_DONE
        elif touched:
            state = STATE_IN_PROGRESS
        else:
            state = STATE_NOT_STARTED
        first_open = next((i for i, done in enumerate(done_flags) if not done), 0)
        return LessonSummary(
            lesson_id=lesson.id,
            title=lesson.title,
            state=state,
            solved=solved,
            total=len(exercises),
            attempts=sum(r.attempts for r in records),
            hints_used=sum(r.hints_used for r in records),
            revealed=sum(r.revealed for r in records),
            first_open_step=first_open,
        )

    def summarize_course(self, lessons: Iterable[Lesson]) -> list[LessonSummary]:
        return [self.summarize(lesson) for lesson in lessons]


class _Unusable(OSError):
    """The data directory cannot hold the file (its path is a file); the message says so."""


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _too_large(size: int) -> str:
    return (
        f"it is too large ({size / 2**20:.0f} MiB; bptutor reads at most "
        f"{MAX_FILE_BYTES // 2**20} MiB)"
    )


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable too (best effort: not every platform can open a dir)."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)

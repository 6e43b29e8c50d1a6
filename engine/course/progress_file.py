"""The progress file on disk: found, read safely, written atomically, shared by windows.

- rewritten whole and atomically (temp file in the same directory, fsync, ``os.replace``);
- several windows of one learner may run at once (two tmux panes on a class server): every
  save re-reads the file under a lock (``fcntl.flock`` on ``.progress.lock`` beside it) and
  merges it with what this window knows (progress_format.merge); without ``fcntl`` the merge
  runs unlocked;
- mode 0600 in a 0700 directory (its missing parents too), because a class server has many
  users; a ``progress.json`` that is a symbolic link the learner made is written through;
- never raises: a damaged file (not JSON, nested or numbered absurdly, not a regular file, too
  large) is moved aside (``progress.json.corrupt-<time>``), and a save that fails leaves a
  sentence in :attr:`notices` and is tried again at the next save, which says when saving
  works again. Stale temp files of a killed save are removed at start;
- `load` merges the changes windows journaled but did not save yet (progress_journal): a
  window killed right after an answer loses nothing; the save after it deletes the journals
  of windows that are gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bptutor.engine.course.posix import fcntl
from bptutor.engine.course.progress_format import (
    FORMAT_VERSION,
    Damaged,
    bounded_int,
    merge,
    repair_strings,
    trim,
    version_of,
)
from bptutor.engine.course.progress_journal import Journal, Leftover, leftovers
from bptutor.engine.course.safefile import (
    NotRegular,
    Stamp,
    TooLarge,
    file_stamp,
    read_regular,
    stamp_of,
)

__all__ = ["FILE_NAME", "LOCK_NAME", "ProgressFile", "fresh_record", "pending_changes"]

FILE_NAME = "progress.json"
LOCK_NAME = ".progress.lock"
TMP_PREFIX, TMP_SUFFIX = ".progress-", ".tmp"
MAX_FILE_BYTES = 20 * 2**20
"""A progress file larger than this is not read (moved aside): a real one stays far below."""
LOCK_TIMEOUT = 3.0
"""Seconds a save waits for another window's save before it gives up (and retries later)."""
STALE_TMP_SECONDS = 60.0
"""Without a lock, a temp file this old cannot belong to a save still running."""


def fresh_record() -> dict[str, Any]:
    return {"version": FORMAT_VERSION, "lessons": {}}


class _Busy(OSError):
    """Another window's save held the lock too long."""


class _Unusable(OSError):
    """The data directory cannot hold the file (its path is a file); the message says so."""


@dataclass(frozen=True)
class _Read:
    """What reading the file found: `data` (None: no file), or `damage` (move it aside)."""

    data: dict[str, Any] | None = None
    damage: str | None = None
    newer: int | None = None


class ProgressFile:
    """One learner's progress.json: load it, save (merging with other windows), reload."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / FILE_NAME
        self.notices: list[str] = []
        """Sentences for the learner (file moved aside, saving off or on again)."""
        self._frozen: str | None = None  # why nothing may be written this session
        self._failing = False  # the last save failed: the next one tries again
        # the file as this window last wrote it, and an open descriptor of it: while it is
        # held its inode number cannot be reused, so the same stat means no window wrote since
        # (a stat alone once matched another window's newer file: a freed inode reused within
        # one clock tick, the same size, and that window's answers were lost)
        self._stamp: Stamp | None = None
        self._held: int | None = None
        self._target = self.path  # where the record is written (a followed link's target)
        self._link_note: str | None = None  # said at the first save that replaces a link
        self.journal = Journal(data_dir)
        """This window's changes, appended before a background save writes them (store)."""
        self._orphans: list[Path] = []  # killed windows' journals, deleted once saved
        self._resolve_link()
        if self.data_dir.is_dir():
            with contextlib.suppress(_Busy), self._locked() as locked:
                self._remove_stale_temps(locked)

    @property
    def frozen(self) -> bool:
        """Nothing may be written this session (unreadable, damaged or newer file)."""
        return self._frozen is not None

    @property
    def writable(self) -> bool:
        """False while saving does not work (the app keeps going; notices say why)."""
        return self._frozen is None and not self._failing

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
        try:
            raw, _ = read_regular(self._target, MAX_FILE_BYTES)
        except (FileNotFoundError, NotADirectoryError):
            return _Read()
        except NotRegular as exc:
            return _Read(damage=f"it is not a regular file ({exc.kind})")
        except TooLarge as exc:
            return _Read(damage=_too_large(exc.size))
        return _decode(raw)

    @property
    def recovered(self) -> bool:
        """`load` found journals of windows that are gone: save soon, so they can go."""
        return bool(self._orphans)

    def load(self) -> dict[str, Any]:
        """The record on disk (a fresh one when there is none, or it had to be set aside),
        with the changes other windows journaled but did not save yet (progress_journal)."""
        data = self._load_file()
        if self._frozen is not None:
            return data
        for found in leftovers(self.data_dir, skip=self.journal, tidy=True):
            for change in _changes_in(found):
                data = merge(data, change)
            if found.orphan:
                self._orphans.append(found.path)
        return data

    def append(self, change: dict[str, Any]) -> bool:
        """Put one change (a partial record) in this window's journal: on disk at once, in
        the file at the next save. False: it could not be written (the save still tries)."""
        if self._frozen is not None or not self.journal.usable:
            return False
        try:
            self._ensure_dir()
        except Exception:
            return False
        return self.journal.append(_encode(change))

    def _load_file(self) -> dict[str, Any]:
        try:
            found = self._read()
        except OSError as exc:
            self._frozen = "unreadable"
            self.notices.append(
                f"Could not read your progress file {self.path} ({exc.strerror or exc}). "
                "You can keep learning, but progress will not be saved this session."
            )
            return fresh_record()
        if found.newer is not None:
            self._frozen = "newer"
            self.notices.append(
                f"Your progress file {self.path} was written by a newer bptutor (format "
                f"{found.newer}); it is left untouched and this session's progress is not saved."
            )
            return fresh_record()
        if found.damage is not None:
            self._move_aside(found.damage)
            return fresh_record()
        return found.data if found.data is not None else fresh_record()

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

    def save(self, data: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        """Merge `data` with the file on disk and write the result atomically; never raises.

        Returns (saved, the merged record). Not saved: a notice says why (once per run of
        failures); the next save tries again and says when saving works again.
        """
        if self._frozen is not None:
            return False, data
        try:
            self._ensure_dir()
            with self._locked():
                ok, data = self._merge_from_disk(data)
                if not ok:
                    return False, data
                self._write(data)
                for path in self._orphans:
                    with contextlib.suppress(OSError):
                        os.unlink(path)
                self._orphans.clear()
        except Exception as exc:  # a save must never take the tutor down
            self._failed(exc)
            return False, data
        if self._link_note is not None:
            self.notices.append(self._link_note)
            self._link_note = None
        if self._failing:
            self._failing = False
            self.notices.append("Saving works again: your progress is saved.")
        return True, data

    def reload(self, data: dict[str, Any]) -> dict[str, Any]:
        """`data` with what other windows saved (unchanged when the file did not change)."""
        if self._frozen is not None or not self.data_dir.is_dir():
            return data
        with contextlib.suppress(Exception), self._locked():
            data = self._merge_from_disk(data, move_damage=False)[1]
        return data

    def _merge_from_disk(
        self, data: dict[str, Any], move_damage: bool = True
    ) -> tuple[bool, dict[str, Any]]:
        """`data` merged with the file, unless it is still the one this window wrote.
        False: nothing may be written (a newer bptutor wrote the file meanwhile)."""
        if file_stamp(self._target) == self._stamp and self._held is not None:
            return True, data
        found = self._read()
        if found.newer is not None:
            self._frozen = "newer"
            self.notices.append(
                f"Your progress file {self.path} was just written by a newer bptutor (format "
                f"{found.newer}); this window stops saving so as not to spoil it."
            )
            return False, data
        if found.damage is not None:
            if move_damage:
                self._move_aside(found.damage)
            return self._frozen is None, data
        if found.data is not None:
            data = merge(found.data, data)
        return True, data

    def _write(self, data: dict[str, Any]) -> None:
        payload = _encode(data)
        folder = self._target.parent
        tmp = folder / f"{TMP_PREFIX}{secrets.token_hex(6)}{TMP_SUFFIX}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(tmp, flags, 0o600)
        held = None
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), 0o600)
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
                info = os.fstat(fh.fileno())
                held = os.dup(fh.fileno())
            os.replace(tmp, self._target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if held is not None:
                os.close(held)
            raise
        self._hold(held, stamp_of(info))
        _fsync_dir(folder)

    def _hold(self, fd: int | None, stamp: Stamp | None) -> None:
        if self._held is not None:
            with contextlib.suppress(OSError):
                os.close(self._held)
        self._held, self._stamp = fd, stamp

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

    def close(self) -> None:
        """Let go of the descriptor kept on the file last written (the next save re-reads)."""
        self._hold(None, None)

    def remove(self) -> None:
        """Delete the file (the store's reset)."""
        with contextlib.suppress(_Busy, FileNotFoundError), self._locked():
            os.unlink(self._target)
        self._hold(None, None)
        self.journal.close(everything_saved=True)  # what it holds is forgotten too
        for path in self._orphans:
            with contextlib.suppress(OSError):
                os.unlink(path)
        self._orphans.clear()


def pending_changes(data_dir: Path) -> list[dict[str, Any]]:
    """The changes windows of this learner journaled but did not save in the file yet (a
    window still running, or killed): what a reader merges in (`merge(record, change)`) to
    see everything. Read only; lines that are not a usable change are passed over."""
    return [change for found in leftovers(data_dir) for change in _changes_in(found)]


def _changes_in(found: Leftover) -> list[dict[str, Any]]:
    """A journal's changes; a line a kill cut short (not JSON) or a newer format's is left."""
    decoded = (_decode(line) for line in found.lines)
    return [change.data for change in decoded if change.data is not None]


def _encode(data: Any, depth: int = 0) -> bytes:
    """The record as compact JSON, exactly `json.dumps(data, sort_keys=True, ...)`, built one
    step's record at a time: json's C encoder holds the GIL for a whole call, and one call
    over a full record (~1.5 MB) froze the UI thread for 0.1-0.2 s while the background save
    ran. (Any indent would send json to its pure Python encoder, ~15x slower.)"""
    if depth < 4 and isinstance(data, dict) and all(isinstance(k, str) for k in data):
        # record -> lessons -> lesson -> steps -> one step: a call per step at most
        items = [
            _dumps(key).encode("utf-8", "backslashreplace") + b":" + _encode(data[key], depth + 1)
            for key in sorted(data)
        ]
        return b"{" + b",".join(items) + b"}"
    return _dumps(data).encode("utf-8", "backslashreplace")  # never raises: see clean_text


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _decode(raw: bytes) -> _Read:
    """A record (the file's, or one change in a journal) from its bytes, checked."""
    try:
        data = json.loads(raw.decode("utf-8"), parse_int=bounded_int)
    except UnicodeDecodeError:
        return _Read(damage="it is not text")
    except Damaged as exc:
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
    version = version_of(data["version"])
    if version is None:
        shown = repr(data["version"])
        shown = shown if len(shown) <= 24 else shown[:21] + "…"
        return _Read(damage=f"its format version {shown} is not a number")
    if version < 1:
        return _Read(damage=f"its format version {version} does not exist")
    if version > FORMAT_VERSION:
        return _Read(newer=version)
    data["version"] = version
    data.setdefault("lessons", {})
    repair_strings(data)
    for lesson in data["lessons"].values():
        steps = lesson.get("steps") if isinstance(lesson, dict) else None
        for rec in steps.values() if isinstance(steps, dict) else ():
            if isinstance(rec, dict):
                trim(rec)
    return _Read(data=data)


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

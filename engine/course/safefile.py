"""Reading a file that someone else may have put there: only a regular file is opened (a named
pipe or /dev/zero never blocks or floods us), and at most `limit` bytes of it. Lesson files and
the progress file both come this way."""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["NotRegular", "Stamp", "TooLarge", "file_kind", "file_stamp", "read_regular", "stamp_of"]

Stamp = tuple[int, int, int]
"""A file's inode, modification time (ns) and size: another stamp means it was written or
replaced (an editor's write-to-a-copy-then-rename included)."""


class NotRegular(OSError):
    """The path is a folder, a pipe, a device or a socket; `kind` says which, in words."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"not a regular file ({kind})")
        self.kind = kind


class TooLarge(OSError):
    """The file is larger than the limit; `size` in bytes (at least limit + 1)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"too large ({size:,} bytes)")
        self.size = size


def file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def read_regular(path: Path, limit: int) -> tuple[bytes, os.stat_result]:
    """The file's bytes and its stat (of the file actually read). FileNotFoundError when it is
    missing, NotRegular, TooLarge, or another OSError when it cannot be read."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise NotRegular(file_kind(info.st_mode))
    if info.st_size > limit:
        raise TooLarge(info.st_size)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):  # swapped since the stat above
            raise NotRegular(file_kind(info.st_mode))
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise TooLarge(len(raw))
    return raw, info


def stamp_of(info: os.stat_result) -> Stamp:
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def file_stamp(path: Path | str) -> Stamp | None:
    """The Stamp of the file at ``path`` now; None when it cannot be looked at."""
    try:
        return stamp_of(os.stat(path))
    except OSError:
        return None

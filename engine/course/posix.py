"""Modules only POSIX systems have, None elsewhere (Windows); each user says what it does
without them:

- ``fcntl``: progress saves lock the file and a window keeps a journal (progress_file,
  progress_journal); without it saves merge unlocked and stay on the calling thread;
- ``pwd``: a class report names a learner by the owner of their data directory (classreport);
  without it, by the folder's name.

(code_child.py keeps its own guard for ``resource``: it runs alone in the learner's child
process, outside the package.)
"""

from __future__ import annotations

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

try:
    import pwd
except ImportError:  # pragma: no cover - Windows
    pwd = None  # type: ignore[assignment]

__all__ = ["fcntl", "pwd"]

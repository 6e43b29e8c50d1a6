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

import importlib
from types import ModuleType
from typing import Any

__all__ = ["fcntl", "pwd"]


def _optional(name: str) -> Any:
    """The module, or None where the platform has none (typed Any: callers check for None)."""
    try:
        module: ModuleType = importlib.import_module(name)
    except ImportError:  # pragma: no cover - Windows
        return None
    return module


fcntl = _optional("fcntl")
pwd = _optional("pwd")

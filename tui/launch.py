"""`bptutor` without a subcommand: load the course and progress, then run the app.

Imports stay inside `main` so `bptutor --help` never pays for Textual.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class UnloadableCourse:
    """Stands in for a course that could not be loaded at all; the app lists `errors`."""

    errors: tuple[str, ...]
    source: Path | None = None
    title: str = "bptutor"
    lessons: tuple[Any, ...] = field(default_factory=tuple)


def load_course_safely(lessons_dir: Path | None) -> Any:
    """The engine's loader, with every failure turned into a listed error (never a traceback)."""
    if lessons_dir is not None and not Path(lessons_dir).is_dir():
        return UnloadableCourse((f"{lessons_dir} is not a directory.",), source=lessons_dir)
    try:
        from bptutor.engine.course.loader import load_course

        return load_course(lessons_dir)
    except Exception as exc:  # the loader should list problems itself; this is the backstop
        where = lessons_dir if lessons_dir is not None else "the built-in course"
        return UnloadableCourse((f"Could not load {where}: {exc}",), source=lessons_dir)


def confirm(question: str) -> bool:
    """Ask y/N on the terminal; end of input (or anything but yes) means no."""
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        print()
        return False
    return answer.strip().lower() in ("y", "yes")


def reset_progress(data_dir: Path | None) -> int:
    from bptutor.engine.course.progress import ProgressStore, default_data_dir

    path = (data_dir if data_dir is not None else default_data_dir()) / "progress.json"
    if not path.exists():
        print(f"No saved progress at {path}; nothing to wipe.")
        return 0
    if not confirm(f"Wipe all saved progress in {path}? This cannot be undone."):
        print("Nothing changed.")
        return 1
    try:
        ProgressStore(path.parent).reset()
    except OSError as exc:
        print(f"Could not wipe {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print("Progress wiped.")
    return 0


def main(args: argparse.Namespace) -> int:
    data_dir: Path | None = getattr(args, "data_dir", None)
    if getattr(args, "reset_progress", False):
        return reset_progress(data_dir)

    from bptutor.tui.app import BptutorApp
    from bptutor.engine.course.progress import ProgressStore

    store = ProgressStore(data_dir)
    # the course loads inside the app, after its first frame (see BptutorApp.on_mount)
    app = BptutorApp(
        None, store, lessons_dir=getattr(args, "lessons", None), seed=getattr(args, "seed", None)
    )
    try:
        app.run()
    except KeyboardInterrupt:  # e.g. SIGINT from outside; Textual has restored the terminal
        return 130
    return app.return_code or 0

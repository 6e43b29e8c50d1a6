"""`bptutor` without a subcommand: load the course and progress, then run the app.

`bptutor --help` never pays for Textual: the CLI imports this module only to run the app.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bptutor.engine.course.progress import ProgressStore, default_data_dir
from bptutor.tui.app import BptutorApp


def confirm(question: str) -> bool:
    """Ask y/N on the terminal; end of input (or anything but yes) means no."""
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        print()
        return False
    return answer.strip().lower() in ("y", "yes")


def reset_progress(data_dir: Path | None) -> int:
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

    store = ProgressStore(data_dir)
    # the course loads inside the app, after its first frame (see BptutorApp.on_mount)
    app = BptutorApp(
        None,
        store,
        lessons_dir=getattr(args, "lessons", None),
        seed=getattr(args, "seed", None),
        work_dir=getattr(args, "work_dir", None),
    )
    try:
        app.run()
    except KeyboardInterrupt:  # e.g. SIGINT from outside; Textual has restored the terminal
        return 130
    return app.return_code or 0

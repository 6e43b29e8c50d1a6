"""`bptutor` without a subcommand: load the course and progress, then run the app.

`bptutor --help` never pays for Textual: the CLI imports this module only to run the app.
"""

from __future__ import annotations

import argparse
import os
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


NEEDS_A_TERMINAL = (
    "bptutor needs a terminal: {why}. Without one, these work: bptutor train --plain, "
    "bptutor progress, bptutor lessons check (and bptutor serve for a browser)."
)


def terminal_problem() -> str | None:
    """Why the tutor cannot be shown here, or None. A browser tab (bptutor serve) brings its
    own driver and needs no terminal."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return None
    if sys.stdin is None or not sys.stdin.isatty():
        return "standard input is not one"
    if sys.stdout is None or not sys.stdout.isatty():
        return "standard output is not one"
    if os.environ.get("TERM", "") == "dumb":
        return "TERM is dumb (no cursor movement, no colours)"
    return None


def main(args: argparse.Namespace) -> int:
    data_dir: Path | None = getattr(args, "data_dir", None)
    if getattr(args, "reset_progress", False):
        return reset_progress(data_dir)
    problem = terminal_problem()
    if problem is not None:
        print(NEEDS_A_TERMINAL.format(why=problem), file=sys.stderr)
        return 2
    if not os.environ.get("TEXTUAL_DRIVER"):
        # the terminal's own size, not COLUMNS/LINES left in the environment by a shell or a
        # script (a browser tab's driver reads them on purpose, so they stay there)
        os.environ.pop("COLUMNS", None)
        os.environ.pop("LINES", None)

    store = ProgressStore(data_dir)
    # the course loads inside the app, after its first frame (see BptutorApp.on_mount)
    app = BptutorApp(
        None,
        store,
        lessons_dir=getattr(args, "lessons", None),
        seed=getattr(args, "seed", None),
        work_dir=getattr(args, "work_dir", None),
        review=not getattr(args, "no_review", False),
    )
    try:
        app.run()
    except KeyboardInterrupt:  # e.g. SIGINT from outside; Textual has restored the terminal
        return 130
    finally:
        store.close()  # the app's exit did it already, unless it ended abnormally
    return app.return_code or 0

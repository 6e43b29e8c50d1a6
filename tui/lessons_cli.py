"""`bptutor lessons check [DIR]`: run the author checks of engine/course/lint.py and print them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bptutor.engine.course.lint import lint_course
from bptutor.engine.course.loader import load_course


def main(path: Path | None, seeds: int = 50, out: TextIO | None = None) -> int:
    """Print the problems and a summary; 0 when the course is healthy, 1 problems, 2 usage."""
    stream = out if out is not None else sys.stdout
    if seeds < 1:
        print("lessons check: --seeds must be at least 1", file=stream)
        return 2
    if path is not None and not Path(path).is_dir():
        print(f"lessons check: {path} is not a folder", file=stream)
        return 2
    course = load_course(path)
    report = lint_course(course, seeds)
    title = course.title or "(no title)"
    print(f"Checking {title} in {course.source}", file=stream)
    for problem in report.problems:
        print(f"  ✗ {problem}", file=stream)
    print(("OK: " if report.ok else "FAILED: ") + report.summary(), file=stream)
    return 0 if report.ok else 1

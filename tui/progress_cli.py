"""`bptutor progress`: a summary table in the shell, or a JSON / CSV export for a teacher."""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import json
import sys
from pathlib import Path
from typing import Any

from bptutor.engine.course.loader import load_course
from bptutor.engine.course.model import Lesson
from bptutor.engine.course.progress import LessonSummary, ProgressStore

COLUMNS = ("lesson", "title", "state", "solved", "total", "attempts", "hints", "revealed")


def rows(summaries: list[LessonSummary]) -> list[dict[str, Any]]:
    return [
        {
            "lesson": s.lesson_id,
            "title": s.title,
            "state": s.state,
            "solved": s.solved,
            "total": s.total,
            "attempts": s.attempts,
            "hints": s.hints_used,
            "revealed": s.revealed,
        }
        for s in summaries
    ]


def format_table(table: list[dict[str, Any]]) -> str:
    """Plain text columns (no colour: it may go into a file or a pipe)."""
    headers = list(COLUMNS)
    cells = [[str(row[c]) for c in COLUMNS] for row in table]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = {"solved", "total", "attempts", "hints", "revealed"}

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if h in numeric else v.ljust(w)
            for v, w, h in zip(values, widths, headers, strict=True)
        ).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def step_details(store: ProgressStore, lesson: Lesson) -> list[dict[str, Any]]:
    """Per step, for the JSON export: what a teacher looks at when a lesson is stuck."""
    out = []
    for step in lesson.steps:
        p = store.step(lesson.id, step.id)
        out.append(
            {
                "step": step.id,
                "exercise": step.exercise is not None,
                "seen": p.seen,
                "solved": p.solved,
                "attempts": p.attempts,
                "hints": p.hints_used,
                "revealed": p.revealed,
            }
        )
    return out


def learner_name(given: str | None = None) -> str:
    """Who this record belongs to: the name given, else the OS user (a teacher sorts by it)."""
    if given:
        return given
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name to be had (e.g. an unknown uid in a container)
        return "unknown"


def export(
    table: list[dict[str, Any]],
    fmt: str,
    store: ProgressStore,
    lessons: tuple[Lesson, ...] = (),
    learner: str | None = None,
) -> str:
    """JSON (with per-step details) or CSV (one row per lesson); both name the learner and the
    seed, so a teacher can draw the same numbers again."""
    who = learner_name(learner)
    if fmt == "json":
        by_id = {lesson.id: lesson for lesson in lessons}
        detailed = [
            {**row, "steps": step_details(store, by_id[row["lesson"]])}
            if row["lesson"] in by_id
            else row
            for row in table
        ]
        doc = {
            "learner": who,
            "seed": store.seed,
            "lessons": detailed,
            "data_dir": str(store.data_dir),
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["learner", "seed", *COLUMNS], lineterminator="\n")
    writer.writeheader()
    writer.writerows({"learner": who, "seed": store.seed, **row} for row in table)
    return buf.getvalue()


def write_output(text: str, output: Path | None) -> int:
    """Text to stdout, or to the file `output`: 0, or 1 (said on stderr) when it cannot be
    written. The class report writes the same way."""
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"error: could not write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Wrote {output}.", file=sys.stderr)
    return 0


def main(args: argparse.Namespace) -> int:
    store = ProgressStore(getattr(args, "data_dir", None))
    for notice in store.notices:
        print(f"warning: {notice}", file=sys.stderr)
    course = load_course(getattr(args, "lessons", None))
    for error in course.errors:
        print(f"warning: {error}", file=sys.stderr)
    table = rows(store.summarize_course(course.lessons))
    fmt = getattr(args, "export", None)
    output: Path | None = getattr(args, "output", None)
    if fmt is None:
        text = format_table(table) + "\n"
        if table:
            solved = sum(r["solved"] for r in table)
            total = sum(r["total"] for r in table)
            text += f"\n{solved} of {total} exercises solved.\n"
    else:
        text = export(table, fmt, store, course.lessons, getattr(args, "learner", None))
    return write_output(text, output)

"""`bptutor class report PATH...`: the class at a glance, for a teacher.

engine/course/classreport.py does the work; this prints it as a table that fits 80 columns, or
as CSV or JSON."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from bptutor.engine.course.classreport import ClassReport, build_report, collect, default_now
from bptutor.engine.course.loader import load_course
from bptutor.tui.progress_cli import write_output

WIDTH = 80
STEP_COLUMNS = (
    "lesson",
    "step",
    "title",
    "reached",
    "solved",
    "first_try_rate",
    "median_tries",
    "hints",
    "reveals",
)


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _median(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def format_text(report: ClassReport, lesson_titles: dict[str, str]) -> str:
    """The report for a terminal: per lesson and step, then mistakes, stuck learners, records
    that disagree with the engine, and what was skipped. At most WIDTH columns."""
    n = len(report.learners)
    out = [f"Class report: {n} learner{'s' if n != 1 else ''}", ""]
    out.append(
        f"{'step':<39} {'reached':>7} {'solved':>6} {'1st try':>7} {'tries':>5} {'hints':>5} "
        f"{'shown':>5}"
    )
    lesson = None
    for s in report.steps:
        if not s.exercise:
            continue
        if s.lesson_id != lesson:
            lesson = s.lesson_id
            out.append(lesson_titles.get(lesson, lesson)[:WIDTH])
        title = s.title if len(s.title) <= 37 else s.title[:36] + "…"
        out.append(
            f"  {title:<37} {s.reached:>7} {s.solved:>6} {_rate(s.first_try_rate):>7} "
            f"{_median(s.median_tries):>5} {s.hints:>5} {s.reveals:>5}"
        )
    out += ["", "Most common mistakes (learners who made them):"]
    if not report.mistakes:
        out.append("  none recorded")
    for m in report.mistakes[:10]:
        line = f"  {m.mistake} in “{m.step_title}” ({m.lesson_id}): {m.learners}"
        out.append(line if len(line) <= WIDTH else line[: WIDTH - 1] + "…")
    out += ["", "Stuck:"]
    if not report.stuck:
        out.append("  nobody")
    for s in report.stuck:
        line = f"  {s.learner}: {s.where} ({s.why})"
        out.append(line if len(line) <= WIDTH else line[: WIDTH - 1] + "…")
    if report.disagreements:
        out += ["", "Records whose stored verdicts the engine does not give (edited files?):"]
        for learner, found in report.disagreements.items():
            out.append(f"  {learner}: {len(found)} answer{'s' if len(found) != 1 else ''}")
            out += [f"    {line[: WIDTH - 5]}" for line in found[:3]]
    if report.skipped:
        out += ["", "Skipped:"]
        out += [_path_line(str(s.path), s.reason) for s in report.skipped]
    return "\n".join(out) + "\n"


def _path_line(path: str, reason: str) -> str:
    """`  path: reason` in WIDTH columns: the reason whole, the path cut from the left."""
    room = WIDTH - len(reason) - 4
    if len(path) > room:
        path = "…" + path[-max(room - 1, 8) :]
    return f"  {path}: {reason}"[:WIDTH]


def as_rows(report: ClassReport) -> list[dict[str, Any]]:
    return [
        {
            "lesson": s.lesson_id,
            "step": s.step_id,
            "title": s.title,
            "reached": s.reached,
            "solved": s.solved,
            "first_try_rate": "" if s.first_try_rate is None else round(s.first_try_rate, 4),
            "median_tries": "" if s.median_tries is None else s.median_tries,
            "hints": s.hints,
            "reveals": s.reveals,
        }
        for s in report.steps
        if s.exercise
    ]


def format_csv(report: ClassReport) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(STEP_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(as_rows(report))
    return buf.getvalue()


def format_json(report: ClassReport) -> str:
    doc = {
        "learners": [
            {"name": r.name, "source": str(r.source), "seed": r.seed} for r in report.learners
        ],
        "steps": as_rows(report),
        "mistakes": [
            {"lesson": m.lesson_id, "step": m.step_id, "mistake": m.mistake, "learners": m.learners}
            for m in report.mistakes
        ],
        "stuck": [
            {"learner": s.learner, "lesson": s.lesson_id, "step": s.step_id, "why": s.why}
            for s in report.stuck
        ],
        "disagreements": report.disagreements,
        "skipped": [{"path": str(s.path), "reason": s.reason} for s in report.skipped],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(args: argparse.Namespace) -> int:
    """0 with a report (even of nobody), 1 when the output file cannot be written."""
    course = load_course(getattr(args, "lessons", None))
    for error in course.errors:
        print(f"warning: {error}", file=sys.stderr)
    records, skipped = collect(args.paths)
    report = build_report(course, records, skipped, now=default_now())
    fmt = getattr(args, "format", "text") or "text"
    if fmt == "csv":
        text = format_csv(report)
    elif fmt == "json":
        text = format_json(report)
    else:
        text = format_text(report, {lesson.id: lesson.title for lesson in course.lessons})
    output: Path | None = getattr(args, "output", None)
    return write_output(text, output)

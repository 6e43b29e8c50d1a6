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

COLUMNS = (
    "lesson",
    "title",
    "state",
    "solved",
    "total",
    "first_try",
    "attempts",
    "hints",
    "revealed",
    "in_review",
    "due",
    "minutes",
)
"""The export's columns per lesson (the JSON adds per-step details and the whole record)."""


def rows(summaries: list[LessonSummary]) -> list[dict[str, Any]]:
    return [
        {
            "lesson": s.lesson_id,
            "title": s.title,
            "state": s.state,
            "solved": s.solved,
            "total": s.total,
            "first_try": s.first_try,
            "attempts": s.attempts,
            "hints": s.hints_used,
            "revealed": s.revealed,
            "in_review": s.in_review,
            "due": s.due,
            "minutes": round(s.seconds / 60, 1),
        }
        for s in summaries
    ]


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
                "variants_tried": sorted(p.variants_tried),
                "variants_solved": sorted(p.variants_solved),
                "review": p.review.to_dict() if p.review is not None else None,
            }
        )
    return out


SUMMARY_HEADERS = ("lesson", "solved", "1st try", "hints", "shown", "review", "time")


def _duration(seconds: float) -> str:
    if seconds <= 0:
        return "—"
    minutes = round(seconds / 60)
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{max(minutes, 1)} min"


def _review_cell(summary: LessonSummary) -> str:
    if not summary.in_review:
        return "—"
    return f"{summary.in_review}, {summary.due} due" if summary.due else f"{summary.in_review}"


def summary_text(
    summaries: list[LessonSummary],
    *,
    learner: str,
    seed: int,
    review_on: bool = True,
    paused: bool = False,
    width: int = 80,
) -> str:
    """The summary a learner can keep or show (≤ 80 columns): per lesson exercises solved, the
    share solved at the first try, hints, solutions shown, steps in review, time spent."""
    table = []
    for number, s in enumerate(summaries, 1):
        room = max(12, width - 52)  # what the other columns leave of `width`
        title = s.title if len(s.title) <= room else s.title[: room - 1] + "…"
        rate = f"{round(100 * s.first_try / s.solved)} %" if s.solved else "—"
        table.append(
            [
                f"{number:>2}. {title}",
                f"{s.solved}/{s.total}" if s.total else "—",
                rate,
                str(s.hints_used),
                str(s.revealed),
                _review_cell(s),
                _duration(s.seconds),
            ]
        )
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(SUMMARY_HEADERS)]

    def line(cells: list[str] | tuple[str, ...]) -> str:
        first, *rest = cells
        tail = (c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))
        return "  ".join([first.ljust(widths[0]), *tail]).rstrip()

    solved = sum(s.solved for s in summaries)
    total = sum(s.total for s in summaries)
    first = sum(s.first_try for s in summaries)
    due = sum(s.due for s in summaries)
    queued = sum(s.in_review for s in summaries)
    out = [f"Learner {learner} · seed {seed}"]
    out.append(f"{solved} of {total} exercises solved, {first} of them at the first try.")
    out.append(f"Time spent: {_duration(sum(s.seconds for s in summaries))}.")
    if paused:
        out.append("Review is paused for this sitting (bptutor --no-review).")
    elif not review_on:
        out.append("Review is turned off (bptutor progress --review on turns it on).")
    elif queued:
        steps = "step" if queued == 1 else "steps"
        out.append(f"Review: {queued} {steps} in the queue, {due} due today.")
    else:
        out.append("Review: nothing in the queue.")
    out += ["", line(SUMMARY_HEADERS), line(["-" * w for w in widths]), *map(line, table)]
    return "\n".join(out) + "\n"


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
            # the whole record (attempts with their variants): `bptutor class report` re-checks
            # the stored verdicts from it with the engine
            "record": store.as_dict(),
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    buf = io.StringIO()
    fields = ["learner", "seed", *COLUMNS, "variants_tried"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    by_id = {lesson.id: lesson for lesson in lessons}
    for row in table:
        lesson = by_id.get(row["lesson"])
        writer.writerow(
            {
                "learner": who,
                "seed": store.seed,
                **row,
                "variants_tried": _variants_tried(store, lesson),
            }
        )
    return buf.getvalue()


def _variants_tried(store: ProgressStore, lesson: Lesson | None) -> str:
    """Per lesson, for the CSV: the fresh variants each step was shown in, `step:1 2 6`, steps
    separated by `; ` (only steps that have any), so a teacher can draw the same numbers."""
    if lesson is None:
        return ""
    counters = []
    for step in lesson.steps:
        tried = sorted(store.step(lesson.id, step.id).variants_tried - {0})
        if tried:
            counters.append(f"{step.id}:" + " ".join(map(str, tried)))
    return "; ".join(counters)


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
    review = getattr(args, "review", None)
    if review is not None:
        if not store.set_review_enabled(review == "on"):
            print(f"error: could not save the setting in {store.path}", file=sys.stderr)
            return 1
        print(f"Review is {'on' if review == 'on' else 'off'}.", file=sys.stderr)
        if not (getattr(args, "summary", False) or getattr(args, "export", None)):
            return 0
    summaries = store.summarize_course(course.lessons)
    table = rows(summaries)
    fmt = getattr(args, "export", None)
    output: Path | None = getattr(args, "output", None)
    if fmt is None:  # the summary (--summary says so explicitly)
        who = learner_name(getattr(args, "learner", None))
        text = summary_text(summaries, learner=who, seed=store.seed, review_on=store.review_enabled)
    else:
        text = export(table, fmt, store, course.lessons, getattr(args, "learner", None))
    return write_output(text, output)

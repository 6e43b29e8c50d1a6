"""A teacher's report across learners: who reached what, what was hard, who is stuck, and
which records disagree with the engine.

Records come from learners' data directories (`progress.json` inside), progress files, or
exports (`bptutor progress --export json`, which carry the record). A path that is unreadable
or not one of those is listed as skipped, never fatal. Every stored answer is checked again
with the engine, from the learner's seed and the variant it was given on, since learners own
their files: a record whose stored verdicts disagree was edited (or written by another
course), and the report says so.
"""

from __future__ import annotations

import glob
import json
import os
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bptutor.engine.course.exercise import DrawnStep, draw
from bptutor.engine.course.model import Course, ExerciseError, Lesson, Step
from bptutor.engine.course.posix import pwd
from bptutor.engine.course.progress_file import FILE_NAME, MAX_FILE_BYTES, pending_changes
from bptutor.engine.course.progress_format import (
    bounded_int,
    merge,
    sane_int,
    sane_seed,
    time_key,
)
from bptutor.engine.course.safefile import read_regular

__all__ = [
    "ClassReport",
    "LearnerRecord",
    "MistakeCount",
    "Skipped",
    "StepStats",
    "Stuck",
    "build_report",
    "collect",
]

STUCK_WRONG = 3
"""Wrong tries on one step, not solved, that make a learner stuck there."""
IDLE_DAYS = 3
"""Days without any activity, on a step not solved, that make a learner stuck there too."""
UNCHECKED_KINDS = ("train", "code")  # nothing typed to check again (a code step stores a hash)


@dataclass(frozen=True)
class LearnerRecord:
    name: str
    source: Path
    seed: int
    lessons: dict[str, Any]  # lesson id -> {"steps": {step id -> record}}
    last: tuple[str, str] | None = None


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


@dataclass
class StepStats:
    """One step's row of the class report: counts of learners, summed over the class."""

    lesson_id: str
    step_id: str
    title: str
    exercise: bool  # False: a reading step (only `reached` counts)
    reached: int = 0  # learners who opened it
    attempted: int = 0  # who answered at least once
    solved: int = 0
    first_try: int = 0  # who solved it at the first answer, with no hint or solution shown
    tries: list[int] = field(default_factory=list)  # answers given, per learner who tried
    hints: int = 0  # learners who used hints
    reveals: int = 0  # learners who revealed the solution

    @property
    def first_try_rate(self) -> float | None:
        return self.first_try / self.attempted if self.attempted else None

    @property
    def median_tries(self) -> float | None:
        return statistics.median(self.tries) if self.tries else None


@dataclass(frozen=True)
class MistakeCount:
    lesson_id: str
    step_id: str
    step_title: str
    mistake: str
    learners: int


@dataclass(frozen=True)
class Stuck:
    learner: str
    lesson_id: str
    step_id: str
    where: str  # "Lesson title, step title"
    why: str


@dataclass
class ClassReport:
    learners: list[LearnerRecord]
    skipped: list[Skipped]
    steps: list[StepStats]
    mistakes: list[MistakeCount]
    stuck: list[Stuck]
    disagreements: dict[str, list[str]]  # learner -> "lesson/step: stored X, engine Y"


# --- reading records ------------------------------------------------------------------------


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    """Paths as given, with shell-style globs expanded (a quoted /home/*/.local/... too)."""
    out: list[Path] = []
    for raw in paths:
        text = str(raw)
        matches = sorted(glob.glob(os.path.expanduser(text))) if glob.has_magic(text) else []
        out.extend(Path(m) for m in matches) if matches else out.append(Path(text))
    return out


def _owner(path: Path) -> str | None:
    """The user who owns a data directory: on a class server, the learner (None when it is
    the one running the report, e.g. a teacher's folder of collected records)."""
    if pwd is None:  # pragma: no cover - Windows
        return None
    try:
        uid = path.stat().st_uid
        return None if uid == os.geteuid() else pwd.getpwuid(uid).pw_name
    except (KeyError, OSError):
        return None


def _read_json(path: Path) -> Any:
    raw, _info = read_regular(path, MAX_FILE_BYTES)
    return json.loads(raw.decode("utf-8"), parse_int=bounded_int)


def _record_from(doc: Any, source: Path, fallback_name: str) -> LearnerRecord | str:
    """A LearnerRecord from a progress file's or an export's JSON, or why it is not one."""
    if not isinstance(doc, dict):
        return "not a bptutor record"
    name = doc.get("learner") if isinstance(doc.get("learner"), str) else fallback_name
    record = doc.get("record") if isinstance(doc.get("record"), dict) else doc
    lessons, seed = record.get("lessons"), record.get("seed", doc.get("seed"))
    if not isinstance(lessons, dict) or "version" not in record:
        return "not a bptutor progress file or export (an export needs --export json)"
    if not sane_seed(seed):
        return "its seed is missing or not a number"
    last = record.get("last")
    where = None
    if isinstance(last, dict) and all(isinstance(last.get(k), str) for k in ("lesson", "step")):
        where = (last["lesson"], last["step"])
    return LearnerRecord(name, source, int(seed), lessons, where)


def collect(paths: Iterable[str | Path]) -> tuple[list[LearnerRecord], list[Skipped]]:
    """Every learner record found under `paths`; what could not be read is skipped, with why."""
    records: list[LearnerRecord] = []
    skipped: list[Skipped] = []
    for path in _expand(paths):
        target, name = path, path.stem
        if path.is_dir():
            target = path / FILE_NAME
            # /home/alice/.local/share/bptutor: the owner, else the folder's name
            name = _owner(path) or (path.name if path.name != "bptutor" else path.parent.name)
        try:
            doc = _read_json(target)
            if path.is_dir() and isinstance(doc, dict) and isinstance(doc.get("lessons"), dict):
                for change in pending_changes(path):  # answers not in the file yet
                    doc = merge(doc, change)
        except FileNotFoundError:
            skipped.append(Skipped(path, "no such file (or no progress.json in the folder)"))
            continue
        except (OSError, ValueError, RecursionError) as exc:  # unreadable, not JSON, absurd
            skipped.append(Skipped(path, f"cannot be read ({type(exc).__name__}: {exc})"[:160]))
            continue
        found = _record_from(doc, path, name)
        if isinstance(found, str):
            skipped.append(Skipped(path, found))
        else:
            records.append(found)
    return records, skipped


# --- the report -----------------------------------------------------------------------------


def _steps_of(record: LearnerRecord, lesson_id: str) -> dict[str, Any]:
    lesson = record.lessons.get(lesson_id)
    steps = lesson.get("steps") if isinstance(lesson, dict) else None
    return steps if isinstance(steps, dict) else {}


def _attempts(rec: dict[str, Any]) -> list[dict[str, Any]]:
    listed = rec.get("attempts")
    return [a for a in listed if isinstance(a, dict)] if isinstance(listed, list) else []


def _latest(rec: dict[str, Any]) -> float:
    times = [time_key(a.get("time")) for a in _attempts(rec)]
    return max(times, default=float("-inf"))


class _Drawer:
    """Draws each (step, seed, variant) once for the whole report."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, str, int, int], DrawnStep | None] = {}

    def __call__(self, lesson: Lesson, step: Step, seed: int, variant: int) -> DrawnStep | None:
        key = (id(lesson), step.id, seed, variant)
        if key not in self._cache:
            try:
                self._cache[key] = draw(lesson, step, seed, variant=variant)
            except ExerciseError:
                self._cache[key] = None
        return self._cache[key]


def _recheck(
    record: LearnerRecord, lesson: Lesson, step: Step, rec: dict[str, Any], drawer: _Drawer
) -> list[str]:
    """Stored verdicts the engine does not give again for this learner's numbers."""
    if step.exercise is None or step.exercise.kind in UNCHECKED_KINDS:
        return []
    out = []
    for attempt in _attempts(rec):
        answer, status = attempt.get("answer"), attempt.get("status")
        if not isinstance(answer, str) or status not in ("correct", "incorrect"):
            continue
        variant = attempt.get("variant", 0)
        drawn = drawer(lesson, step, record.seed, variant if sane_int(variant) else 0)
        if drawn is None:
            continue
        again = drawn.check(answer).status
        if again != status:
            out.append(
                f"{lesson.id}/{step.id}: {answer!r} stored as {status}, the engine says {again}"
            )
    return out


def build_report(
    course: Course, records: list[LearnerRecord], skipped: list[Skipped], *, now: datetime
) -> ClassReport:
    """Per step: reached, solved, first-try rate, median tries, hints, reveals; the commonest
    named mistakes (counted by learner); the learners stuck; records the engine disagrees
    with. `now` decides who is idle (tests pass a fixed one)."""
    drawer = _Drawer()
    steps: list[StepStats] = []
    mistakes: Counter[tuple[str, str, str]] = Counter()
    titles: dict[tuple[str, str], str] = {}
    stuck: list[Stuck] = []
    disagreements: dict[str, list[str]] = {}
    idle_before = (now - timedelta(days=IDLE_DAYS)).timestamp()
    for lesson in course.lessons:
        for step in lesson.steps:
            stats = StepStats(lesson.id, step.id, step.title, step.exercise is not None)
            titles[(lesson.id, step.id)] = step.title
            for record in records:
                rec = _steps_of(record, lesson.id).get(step.id)
                if not isinstance(rec, dict):
                    continue
                attempts = _attempts(rec)
                counted = len(attempts) + max(0, int(rec.get("attempts_dropped", 0) or 0))
                solved = rec.get("solved") is True
                hints = rec.get("hints_used", 0)
                used_hints = sane_int(hints) and hints > 0
                if rec.get("seen") is True or attempts or solved:
                    stats.reached += 1
                if attempts:
                    stats.attempted += 1
                    stats.tries.append(counted)
                    if (
                        attempts[0].get("status") == "correct"
                        and not used_hints
                        and rec.get("revealed") is not True
                    ):
                        stats.first_try += 1
                stats.solved += solved
                stats.hints += used_hints
                stats.reveals += rec.get("revealed") is True
                named = {a.get("mistake") for a in attempts}
                for name in named:
                    if isinstance(name, str):
                        mistakes[(lesson.id, step.id, name)] += 1
                wrong = sum(a.get("status") == "incorrect" for a in attempts)
                where = f"{lesson.title}, {step.title}"
                if not solved and wrong >= STUCK_WRONG:
                    why = f"{wrong} wrong tries, not solved"
                    stuck.append(Stuck(record.name, lesson.id, step.id, where, why))
                elif (
                    not solved
                    and step.exercise is not None
                    and record.last == (lesson.id, step.id)
                    and _latest(rec) < idle_before
                ):
                    why = f"on this step, no activity for over {IDLE_DAYS} days"
                    stuck.append(Stuck(record.name, lesson.id, step.id, where, why))
                found = _recheck(record, lesson, step, rec, drawer)
                if found:
                    disagreements.setdefault(record.name, []).extend(found)
            steps.append(stats)
    common = [
        MistakeCount(lesson_id, step_id, titles.get((lesson_id, step_id), step_id), name, n)
        for (lesson_id, step_id, name), n in mistakes.most_common()
    ]
    return ClassReport(records, skipped, steps, common, stuck, disagreements)


def default_now() -> datetime:
    return datetime.now(UTC)

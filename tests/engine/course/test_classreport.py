"""The class report: records from data dirs and exports, per-step numbers worked out by hand,
the commonest mistakes by learner, who is stuck, and records that disagree with the engine."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bptutor.engine.course.classreport import build_report, collect
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.progress import ProgressStore

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def course():
    return load_course()


def learner(folder: Path, course, *, wrong: int, solve: bool, hint: bool = False) -> Path:
    """A learner who answers the first typed step: `wrong` wrong tries, then maybe right."""
    store = ProgressStore(folder)
    lesson = course.lesson("derivatives")
    step = lesson.step("power-rule")
    drawn = draw(lesson, step, store.seed)
    if hint:
        store.record_hint(lesson.id, step.id)
    for _ in range(wrong):
        answer = f"-({drawn.solution})"  # the sign slip: a named mistake
        verdict = drawn.check(answer)
        store.record_attempt(lesson.id, step.id, answer, verdict.status, verdict.mistake)
    if solve:
        store.record_attempt(lesson.id, step.id, drawn.solution, "correct")
    return folder


def test_the_numbers_per_step(tmp_path: Path, course) -> None:
    paths = [
        learner(tmp_path / "ada", course, wrong=0, solve=True),  # first try
        learner(tmp_path / "ben", course, wrong=1, solve=True),
        learner(tmp_path / "cy", course, wrong=4, solve=False, hint=True),
    ]
    records, skipped = collect(paths)
    assert [r.name for r in records] == ["ada", "ben", "cy"] and skipped == []
    report = build_report(course, records, skipped, now=NOW)
    step = next(s for s in report.steps if s.step_id == "power-rule")
    # by hand: 3 reached and tried, 2 solved, 1 of 3 right at once; tries 1, 2, 4 -> median 2
    assert (step.reached, step.attempted, step.solved, step.first_try) == (3, 3, 2, 1)
    assert step.first_try_rate == pytest.approx(1 / 3) and step.median_tries == 2
    assert (step.hints, step.reveals) == (1, 0)
    top = report.mistakes[0]
    assert (top.step_id, top.mistake, top.learners) == ("power-rule", "sign", 2)
    assert [(s.learner, s.step_id) for s in report.stuck] == [("cy", "power-rule")]
    assert "4 wrong tries" in report.stuck[0].why
    assert report.disagreements == {}


def test_an_idle_learner_on_an_unsolved_step_is_stuck(tmp_path: Path, course) -> None:
    path = learner(tmp_path / "dee", course, wrong=1, solve=False)
    records, _ = collect([path])
    assert build_report(course, records, [], now=NOW).stuck == []  # answered just now
    later = datetime.now(UTC) + timedelta(days=4)
    stuck = build_report(course, records, [], now=later).stuck
    assert [s.learner for s in stuck] == ["dee"] and "no activity" in stuck[0].why


def test_an_edited_record_is_marked(tmp_path: Path, course) -> None:
    path = learner(tmp_path / "eve", course, wrong=2, solve=False)
    data = json.loads((path / "progress.json").read_text())
    for rec in data["lessons"]["derivatives"]["steps"].values():
        for attempt in rec.get("attempts", []):
            attempt["status"] = "correct"  # "I got it right, honest"
        rec["solved"] = True
    (path / "progress.json").write_text(json.dumps(data))
    records, _ = collect([path])
    found = build_report(course, records, [], now=NOW).disagreements
    assert list(found) == ["eve"] and len(found["eve"]) == 2
    assert "stored as correct, the engine says incorrect" in found["eve"][0]


def test_exports_globs_and_foreign_files(tmp_path: Path, course) -> None:
    learner(tmp_path / "class" / "fay", course, wrong=0, solve=True)
    learner(tmp_path / "class" / "gus", course, wrong=1, solve=True)
    store = ProgressStore(tmp_path / "class" / "gus")
    export = {"learner": "Gus Export", "seed": store.seed, "record": store.as_dict()}
    (tmp_path / "gus.json").write_text(json.dumps(export))
    (tmp_path / "notes.json").write_text('{"hello": 1}')
    (tmp_path / "broken.json").write_text("{not json")
    records, skipped = collect(
        [
            str(tmp_path / "class" / "*"),
            tmp_path / "gus.json",
            tmp_path / "notes.json",
            tmp_path / "broken.json",
            tmp_path / "missing",
        ]
    )
    assert sorted(r.name for r in records) == ["Gus Export", "fay", "gus"]
    reasons = {s.path.name: s.reason for s in skipped}
    assert "not a bptutor progress file" in reasons["notes.json"]
    assert "cannot be read" in reasons["broken.json"]
    assert "no such file" in reasons["missing"]

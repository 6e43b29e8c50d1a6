"""`bptutor class report` from the command line: the table fits 80 columns, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from bptutor.engine.course.exercise import draw, fresh_variant
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.progress import ProgressStore
from bptutor.tui.cli import main


def answered(folder: Path, right: bool) -> Path:
    store = ProgressStore(folder)
    lesson = load_course().lesson("derivatives")
    step = lesson.step("power-rule")
    drawn = draw(lesson, step, store.seed)
    answer = drawn.solution if right else f"2*({drawn.solution})"
    verdict = drawn.check(answer)
    store.record_attempt(lesson.id, step.id, answer, verdict.status, verdict.mistake)
    return folder


def test_the_report_in_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answered(tmp_path / "ada", right=True)
    answered(tmp_path / "ben", right=False)
    assert main(["class", "report", str(tmp_path / "*"), str(tmp_path / "nope")]) == 0
    text = capsys.readouterr().out
    assert "Class report: 2 learners" in text and "The power rule" in text
    assert "factor_2 in “The power rule” (derivatives): 1" in text
    assert "nope: no such file" in text
    assert max(len(line) for line in text.splitlines()) <= 80

    assert main(["class", "report", str(tmp_path / "*"), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    power = next(r for r in rows if r["step"] == "power-rule")
    assert (power["reached"], power["solved"], power["first_try_rate"]) == ("2", "1", "0.5")

    out = tmp_path / "report.json"
    assert main(["class", "report", str(tmp_path / "ada"), "--format", "json", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert [learner["name"] for learner in doc["learners"]] == ["ada"]


def test_a_learners_export_is_rechecked_variants_included(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The practice issue's export (learner, seed, variants, the record) is what a teacher
    collects: the report re-checks its answers on their variants, and an edit shows."""
    store = ProgressStore(tmp_path / "data")
    lesson = load_course().lesson("derivatives")
    step = lesson.step("power-rule")
    variant = fresh_variant(lesson, step, store.seed, 1)  # numbers unlike the learner's own
    fresh = draw(lesson, step, store.seed, variant=variant)
    assert draw(lesson, step, store.seed).check(fresh.solution).status != "correct"
    store.record_attempt(lesson.id, step.id, fresh.solution, "correct", variant=variant)
    export = tmp_path / "ada.json"
    args = ["--data-dir", str(tmp_path / "data"), "progress", "--export", "json"]
    assert main([*args, "--learner", "Ada", "-o", str(export)]) == 0
    capsys.readouterr()
    assert main(["class", "report", str(export), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [learner["name"] for learner in doc["learners"]] == ["Ada"]
    assert doc["disagreements"] in ({}, [])

    edited = json.loads(export.read_text())
    attempt = edited["record"]["lessons"][lesson.id]["steps"][step.id]["attempts"][0]
    attempt["variant"] = 0  # the answer was right for the variant, not for the own numbers
    export.write_text(json.dumps(edited))
    assert main(["class", "report", str(export), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["disagreements"]

"""The `bptutor` command line: --reset-progress, progress summaries and exports, --help."""

from __future__ import annotations

import csv
import getpass
import io
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bptutor.engine.course.progress import FILE_NAME, ProgressStore
from bptutor.tui.cli import main


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `bptutor ARGS` in-process (fast); stdin text feeds the y/N question."""

    def _run(*args: str, stdin: str = "", env_dir: Path | None = None) -> Result:
        if env_dir is not None:
            monkeypatch.setenv("BPTUTOR_DATA_DIR", str(env_dir))
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return _run


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A data dir with one solved exercise of the first lesson that has one."""
    from bptutor.engine.course.loader import load_course

    course = load_course(None)
    lesson = next(les for les in course.lessons if any(s.exercise for s in les.steps))
    step = next(s for s in lesson.steps if s.exercise is not None)
    store = ProgressStore(tmp_path / "data")
    store.record_attempt(lesson.id, step.id, "whatever", "incorrect", "sign")
    store.record_attempt(lesson.id, step.id, "right", "correct")
    store.record_hint(lesson.id, step.id)
    return tmp_path / "data"


@pytest.mark.parametrize("stdin", ["", "n\n", "\n", "maybe\n"])
def test_reset_keeps_everything_unless_confirmed(saved: Path, stdin: str, run: Any) -> None:
    before = (saved / FILE_NAME).read_text()
    out = run("--data-dir", str(saved), "--reset-progress", stdin=stdin)
    assert "[y/N]" in out.stdout and "Nothing changed" in out.stdout
    assert out.returncode == 1
    assert (saved / FILE_NAME).read_text() == before


def test_reset_progress_wipes_after_yes(saved: Path, run: Any) -> None:
    out = run("--data-dir", str(saved), "--reset-progress", stdin="y\n")
    assert out.returncode == 0 and "wiped" in out.stdout
    assert not (saved / FILE_NAME).exists()


def test_progress_table(saved: Path, run: Any) -> None:
    """`bptutor progress` prints the summary (the same as --summary), every lesson on a row."""
    from bptutor.engine.course.loader import load_course

    course = load_course(None)
    out = run("--data-dir", str(saved), "progress")
    assert out.returncode == 0, out.stderr
    assert out.stdout == run("progress", "--data-dir", str(saved), "--summary").stdout
    lines = out.stdout.splitlines()
    assert lines[5].split()[:2] == ["lesson", "solved"]
    for number, lesson in enumerate(course.lessons, 1):
        assert any(line.startswith(f"{number:>2}. {lesson.title[:10]}") for line in lines)
    total = sum(1 for les in course.lessons for s in les.steps if s.exercise is not None)
    assert f"1 of {total} exercises solved, 0 of them at the first try." in out.stdout


def test_progress_export_json_and_csv(saved: Path, tmp_path: Path, run: Any) -> None:
    out = run("--data-dir", str(saved), "progress", "--export", "json")
    doc = json.loads(out.stdout)
    rows = {row["lesson"]: row for row in doc["lessons"]}
    touched = [row for row in rows.values() if row["attempts"]]
    assert len(touched) == 1
    assert (touched[0]["solved"], touched[0]["attempts"], touched[0]["hints"]) == (1, 2, 1)
    assert touched[0]["state"] in ("in progress", "done")
    step = next(st for st in touched[0]["steps"] if st["attempts"])
    assert (step["solved"], step["attempts"], step["hints"]) == (True, 2, 1)
    assert step["revealed"] is False

    target = tmp_path / "out.csv"
    out = run("--data-dir", str(saved), "progress", "--export", "csv", "-o", str(target))
    assert out.returncode == 0 and out.stdout == ""
    table = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [r["lesson"] for r in table] == list(rows)
    assert next(r for r in table if r["lesson"] == touched[0]["lesson"])["attempts"] == "2"
    # who and which numbers: a teacher can draw the learner's exercises again
    seed = str(ProgressStore(saved).seed)
    assert {(r["learner"], r["seed"]) for r in table} == {(getpass.getuser(), seed)}
    named = run("--data-dir", str(saved), "progress", "--export", "json", "--learner", "Ada")
    assert json.loads(named.stdout)["learner"] == "Ada"
    assert str(json.loads(named.stdout)["seed"]) == seed


def test_progress_summary_and_the_review_setting(saved: Path, run: Any) -> None:
    from bptutor.engine.course.loader import load_course

    out = run("--data-dir", str(saved), "progress", "--summary", "--learner", "Ada")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == f"Learner Ada · seed {ProgressStore(saved).seed}"
    headers = ["lesson", "solved", "1st", "try", "hints", "shown", "review", "time"]
    assert lines[5].split() == headers
    assert max(map(len, lines)) <= 80
    # the saved step: a wrong try and a hint before the right answer, so no first try, and in
    # the review queue (due tomorrow, not today)
    row = next(line for line in lines if line.lstrip().startswith("1."))
    exercises = sum(s.exercise is not None for s in load_course(None).lessons[0].steps)
    cells = re.split(r"\s{2,}", row.strip())
    assert cells[1:6] == [f"1/{exercises}", "0 %", "1", "0", "1"]
    assert cells[6] in ("—", "1 min")  # two answers a moment apart
    assert "exercises solved, 0 of them at the first try." in out.stdout
    assert "Review: 1 step in the queue, 0 due today." in out.stdout

    off = run("--data-dir", str(saved), "progress", "--review", "off")
    assert off.returncode == 0 and "Review is off" in off.stderr
    assert ProgressStore(saved).review_enabled is False
    again = run("--data-dir", str(saved), "progress", "--summary")
    assert "Review is turned off" in again.stdout
    run("--data-dir", str(saved), "progress", "--review", "on")
    assert ProgressStore(saved).review_enabled is True


def test_exports_carry_variants_and_the_record(saved: Path, run: Any) -> None:
    from bptutor.engine.course.loader import load_course

    course = load_course(None)
    lesson = next(les for les in course.lessons if any(s.exercise for s in les.steps))
    step = next(s for s in lesson.steps if s.exercise is not None)
    store = ProgressStore(saved)
    store.mark_variant(lesson.id, step.id, 2)
    store.record_attempt(lesson.id, step.id, "right", "correct", variant=2)

    doc = json.loads(run("--data-dir", str(saved), "progress", "--export", "json").stdout)
    row = next(r for r in doc["lessons"] if r["lesson"] == lesson.id)
    detail = next(st for st in row["steps"] if st["step"] == step.id)
    assert detail["variants_tried"] == [0, 2] and detail["variants_solved"] == [0, 2]
    assert detail["review"]["box"] == 0
    # the whole record, for `bptutor class report` to re-check the verdicts
    attempts = doc["record"]["lessons"][lesson.id]["steps"][step.id]["attempts"]
    assert [a.get("variant") for a in attempts] == [0, 0, 2]

    out = run("--data-dir", str(saved), "progress", "--export", "csv")
    table = list(csv.DictReader(io.StringIO(out.stdout)))
    assert next(r for r in table if r["lesson"] == lesson.id)["variants_tried"] == f"{step.id}:2"


def test_progress_with_a_damaged_file_warns_on_stderr(tmp_path: Path, run: Any) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / FILE_NAME).write_text("nonsense")
    out = run("--data-dir", str(data), "progress")
    assert out.returncode == 0
    assert "damaged" in out.stderr
    assert "0 of" in out.stdout


def test_data_dir_from_environment(tmp_path: Path, run: Any) -> None:
    out = run("progress", "--export", "json", env_dir=tmp_path / "env")
    assert json.loads(out.stdout)["data_dir"] == str(tmp_path / "env")


def test_help_and_version_of_the_installed_command() -> None:
    for flag, expected in (("--help", "--reset-progress"), ("--version", "bptutor ")):
        out = subprocess.run(
            [sys.executable, "-m", "bptutor.tui.cli", flag],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0 and expected in out.stdout

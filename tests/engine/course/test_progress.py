"""The progress store: atomic, private, forgiving of damage, keyed by ids."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from bptutor.engine.course.progress import (
    ENV_DATA_DIR,
    FILE_NAME,
    STATE_DONE,
    STATE_IN_PROGRESS,
    STATE_NOT_STARTED,
    ProgressStore,
    default_data_dir,
)
from bptutor.engine.course.progress_file import LOCK_NAME


@dataclass
class FakeStep:
    id: str
    exercise: object | None


@dataclass
class FakeLesson:
    id: str
    title: str
    steps: tuple[FakeStep, ...]


LESSON = FakeLesson(
    "chain",
    "Chain rule",
    (FakeStep("intro", None), FakeStep("ex1", object()), FakeStep("ex2", object())),
)


def test_first_open_creates_private_file_with_seed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = ProgressStore(data)
    assert store.path.exists()
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    stored = json.loads(store.path.read_text())
    assert stored["version"] == 1 and stored["seed"] == store.seed
    # the seed is created once and then kept
    assert ProgressStore(data).seed == store.seed


def test_attempts_are_saved_immediately_and_reloaded(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    assert store.record_attempt("chain", "ex1", "2x", "incorrect", "sign")
    # a second process sees it without any explicit close
    again = ProgressStore(tmp_path).step("chain", "ex1")
    assert (again.attempts, again.solved, again.last_answer) == (1, False, "2x")
    store.record_attempt("chain", "ex1", "-2x", "correct")
    rec = json.loads(store.path.read_text())["lessons"]["chain"]["steps"]["ex1"]
    assert [a["status"] for a in rec["attempts"]] == ["incorrect", "correct"]
    assert rec["attempts"][0]["mistake"] == "sign" and rec["attempts"][0]["time"]
    assert rec["solved"] is True
    assert ProgressStore(tmp_path).last_position == ("chain", "ex1")
    # no temp files left behind (the lock file other windows share stays)
    assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK_NAME, FILE_NAME]


def test_summary_states_and_first_open_step(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    s = store.summarize(LESSON)
    assert (s.state, s.solved, s.total, s.first_open_step) == (STATE_NOT_STARTED, 0, 2, 0)
    store.mark_seen("chain", "intro")
    store.record_attempt("chain", "ex1", "1", "correct")
    s = store.summarize(LESSON)
    assert (s.state, s.solved, s.first_open_step) == (STATE_IN_PROGRESS, 1, 2)
    store.record_hint("chain", "ex2")
    store.record_reveal("chain", "ex2")
    s = store.summarize(LESSON)
    assert s.state == STATE_IN_PROGRESS  # revealing is not solving
    assert (s.hints_used, s.revealed) == (1, 1)
    store.record_attempt("chain", "ex2", "3", "correct")
    s = store.summarize(LESSON)
    assert (s.state, s.solved, s.attempts) == (STATE_DONE, 2, 2)


def test_unknown_ids_are_kept(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    store.record_attempt("old-lesson", "gone", "x", "correct")
    store.record_attempt("chain", "ex1", "1", "correct")
    data = json.loads(store.path.read_text())
    assert "old-lesson" in data["lessons"]  # history survives course edits
    assert ProgressStore(tmp_path).summarize(LESSON).solved == 1


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", b'{"lessons": {}}', b"\xff\xfe\x00garbage"],
)
def test_corrupted_file_is_moved_aside(tmp_path: Path, content: bytes) -> None:
    (tmp_path / FILE_NAME).write_bytes(content)
    store = ProgressStore(tmp_path)
    assert store.writable
    assert len(store.notices) == 1 and "moved to" in store.notices[0]
    aside = [p for p in tmp_path.iterdir() if p.name.startswith(FILE_NAME + ".corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert store.record_attempt("chain", "ex1", "1", "correct")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_unwritable_dir_turns_saving_off(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        store = ProgressStore(ro)
        assert not store.writable
        assert "cannot be saved" in store.notices[0]
        assert not store.record_attempt("chain", "ex1", "1", "correct")
        assert store.step("chain", "ex1").solved  # the session still remembers it
        assert len(store.notices) == 1  # said once
    finally:
        ro.chmod(0o700)


def test_unwritable_data_dir_path_is_a_file(tmp_path: Path) -> None:
    # works as root too: a data dir below a regular file can never be created
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = ProgressStore(blocker / "data")
    assert not store.writable
    assert "cannot be saved" in store.notices[0]
    assert not store.record_attempt("chain", "ex1", "1", "incorrect")


def test_newer_format_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_text(json.dumps({"version": 99, "seed": 5, "lessons": {}}))
    store = ProgressStore(tmp_path)
    assert not store.writable and "newer" in store.notices[0]
    store.record_attempt("chain", "ex1", "1", "correct")
    assert json.loads(path.read_text())["version"] == 99


def test_data_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "env"))
    assert default_data_dir() == tmp_path / "env"
    monkeypatch.delenv(ENV_DATA_DIR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "bptutor"


def test_reset_forgets_everything(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    store.record_attempt("chain", "ex1", "1", "correct")
    store.reset()
    assert not (tmp_path / FILE_NAME).exists()
    assert ProgressStore(tmp_path).summarize(LESSON).state == STATE_NOT_STARTED

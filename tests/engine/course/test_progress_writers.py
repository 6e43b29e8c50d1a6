"""Two windows of one learner: every save merges with the file under a lock, nothing is lost."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from bptutor.engine.course import progress_file as progress_module
from bptutor.engine.course.progress import FILE_NAME, ProgressStore
from bptutor.engine.course.progress_format import KEEP_FIRST, KEEP_LAST, merge


def stored(folder: Path) -> dict:
    return json.loads((folder / FILE_NAME).read_text(encoding="utf-8"))


def test_two_windows_answering_different_lessons_both_survive(tmp_path: Path) -> None:
    one, two = ProgressStore(tmp_path), ProgressStore(tmp_path)
    assert one.seed == two.seed  # the second window took the first one's seed
    one.record_attempt("lesson1", "a", "2x", "incorrect")
    two.record_attempt("lesson2", "b", "3", "correct")
    one.record_attempt("lesson1", "a", "-2x", "correct")
    lessons = stored(tmp_path)["lessons"]
    assert [a["answer"] for a in lessons["lesson1"]["steps"]["a"]["attempts"]] == ["2x", "-2x"]
    assert lessons["lesson2"]["steps"]["b"]["solved"] is True
    fresh = ProgressStore(tmp_path)
    assert fresh.step("lesson1", "a").solved and fresh.step("lesson2", "b").solved


def test_opening_a_step_does_not_erase_the_other_windows_records(tmp_path: Path) -> None:
    one, two = ProgressStore(tmp_path), ProgressStore(tmp_path)
    two.record_attempt("lesson2", "b", "3", "correct")
    two.record_hint("lesson2", "c")
    one.mark_seen("lesson1", "intro")  # window one knows nothing of lesson2 in memory
    again = ProgressStore(tmp_path)
    assert again.step("lesson2", "b").solved
    assert again.step("lesson2", "c").hints_used == 1
    assert again.step("lesson1", "intro").seen
    # and the saving window now knows what the other one did
    assert one.step("lesson2", "b").solved


def test_the_same_step_in_two_windows(tmp_path: Path) -> None:
    one, two = ProgressStore(tmp_path), ProgressStore(tmp_path)
    one.record_attempt("l", "s", "1", "incorrect")
    two.record_attempt("l", "s", "2", "correct")
    two.record_hint("l", "s")
    one.record_reveal("l", "s")
    one.record_hint("l", "s")  # one saw one hint: the larger count stays, not the sum
    one.record_attempt("l", "s", "3", "incorrect")  # solved stays solved
    rec = stored(tmp_path)["lessons"]["l"]["steps"]["s"]
    assert [a["answer"] for a in rec["attempts"]] == ["1", "2", "3"]
    assert rec["solved"] is True and rec["revealed"] is True and rec["seen"] is True
    assert rec["hints_used"] == 2  # two's 1, then one's own view (after the merge) + 1
    # merging again (a save with nothing new) never doubles an attempt
    two.mark_seen("l", "other")
    one.mark_seen("l", "s")
    assert len(stored(tmp_path)["lessons"]["l"]["steps"]["s"]["attempts"]) == 3


def test_the_latest_last_position_wins(tmp_path: Path) -> None:
    one, two = ProgressStore(tmp_path), ProgressStore(tmp_path)
    two.mark_seen("l2", "b")
    one.mark_seen("l1", "a")  # later
    assert ProgressStore(tmp_path).last_position == ("l1", "a")
    two.record_hint("l2", "b")  # a save by two, whose own `last` is older: one's stays
    assert ProgressStore(tmp_path).last_position == ("l1", "a")


def attempt(answer: str, day: int) -> dict:
    return {"answer": answer, "status": "x", "mistake": None, "time": f"2024-01-0{day}T00:00:00"}


def test_merge_is_idempotent_and_keeps_unknown_ids() -> None:
    a = {"version": 1, "seed": 5, "lessons": {"x": {"steps": {"s": {
        "attempts": [attempt("1", 1)], "hints_used": 2, "seen": True}}}, "gone": {}}}  # fmt: skip
    b = {"version": 1, "seed": 9, "welcomed": True, "lessons": {"x": {"steps": {"s": {
        "attempts": [attempt("2", 2)], "solved": True, "hints_used": 1}}}}}  # fmt: skip
    once = merge(a, b)
    assert once["seed"] == 5 and once["welcomed"] is True and "gone" in once["lessons"]
    rec = once["lessons"]["x"]["steps"]["s"]
    assert [x["answer"] for x in rec["attempts"]] == ["1", "2"]
    assert (rec["hints_used"], rec["solved"], rec["seen"]) == (2, True, True)
    assert merge(once, b) == once and merge(a, once) == once


def test_two_real_processes_lose_nothing(tmp_path: Path) -> None:
    """Two interpreters hammering one file at once: every attempt of both is on disk."""
    ProgressStore(tmp_path)  # the file (and its seed) exists before both start
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from bptutor.engine.course.progress import ProgressStore
        folder, name = Path(sys.argv[1]), sys.argv[2]
        store = ProgressStore(folder)
        for i in range(20):
            assert store.record_attempt("own-" + name, "s", str(i), "incorrect")
            assert store.record_attempt("shared", "s", name + str(i), "incorrect")
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path), name]) for name in ("a", "b")
    ]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    lessons = stored(tmp_path)["lessons"]
    for name in ("a", "b"):
        answers = [x["answer"] for x in lessons[f"own-{name}"]["steps"]["s"]["attempts"]]
        assert answers == [str(i) for i in range(20)]
    shared = lessons["shared"]["steps"]["s"]["attempts"]
    assert sorted(x["answer"] for x in shared) == sorted(f"{n}{i}" for n in "ab" for i in range(20))


def test_without_fcntl_saves_still_merge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "fcntl", None)  # as on Windows
    one, two = ProgressStore(tmp_path), ProgressStore(tmp_path)
    one.record_attempt("l1", "a", "1", "correct")
    two.record_attempt("l2", "b", "2", "correct")
    again = ProgressStore(tmp_path)
    assert again.step("l1", "a").solved and again.step("l2", "b").solved


def test_a_held_lock_makes_a_save_fail_and_the_next_one_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fcntl = pytest.importorskip("fcntl")
    monkeypatch.setattr(progress_module, "LOCK_TIMEOUT", 0.05)
    store = ProgressStore(tmp_path)
    with open(tmp_path / progress_module.LOCK_NAME, "a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        assert not store.record_attempt("l", "s", "1", "incorrect")
        assert "another bptutor window" in store.notices[-1]
    assert store.record_attempt("l", "s", "2", "incorrect")
    assert store.notices[-1].startswith("Saving works again")
    assert ProgressStore(tmp_path).step("l", "s").attempts == 2  # the first one too


def test_attempts_per_step_are_capped_and_counted(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    total = KEEP_FIRST + KEEP_LAST + 40
    for i in range(total):
        store.record_attempt("l", "s", f"answer {i}", "incorrect")
    rec = stored(tmp_path)["lessons"]["l"]["steps"]["s"]
    answers = [a["answer"] for a in rec["attempts"]]
    assert len(answers) == KEEP_FIRST + KEEP_LAST
    assert answers[:KEEP_FIRST] == [f"answer {i}" for i in range(KEEP_FIRST)]
    assert answers[-1] == f"answer {total - 1}"
    assert rec["attempts_dropped"] == 40
    assert ProgressStore(tmp_path).step("l", "s").attempts == total
    assert store.step("l", "s").last_answer == f"answer {total - 1}"


def test_capped_steps_merge_to_the_right_count(tmp_path: Path) -> None:
    one = ProgressStore(tmp_path)
    for i in range(KEEP_FIRST + KEEP_LAST + 10):
        one.record_attempt("l", "s", f"old {i}", "incorrect")
    two = ProgressStore(tmp_path)  # both windows now hold the capped history
    for i in range(3):
        one.record_attempt("l", "s", f"one {i}", "incorrect")
        two.record_attempt("l", "s", f"two {i}", "incorrect")
    assert ProgressStore(tmp_path).step("l", "s").attempts == KEEP_FIRST + KEEP_LAST + 16


def test_a_huge_record_is_compacted_and_saves_stay_small(tmp_path: Path) -> None:
    """A file grown by an old bptutor (100,000 attempts on one step) shrinks at the next save."""
    attempt = {"answer": "x" * 40, "status": "incorrect", "mistake": None}
    attempts = [{**attempt, "time": f"2024-01-01T00:00:00.{i:06d}+00:00"} for i in range(100_000)]
    data = {"version": 1, "seed": 3, "lessons": {"l": {"steps": {"s": {"attempts": attempts}}}}}
    (tmp_path / FILE_NAME).write_text(json.dumps(data))
    assert (tmp_path / FILE_NAME).stat().st_size > 5_000_000
    store = ProgressStore(tmp_path)
    assert store.step("l", "s").attempts == 100_000
    store.record_attempt("l", "s", "y", "correct")
    assert (tmp_path / FILE_NAME).stat().st_size < 20_000
    assert ProgressStore(tmp_path).step("l", "s").attempts == 100_001

"""Background saves: an answer is journaled on disk before the call returns, the whole file is
written by a thread (changes coalesced), and nothing is lost when the window is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from bptutor.engine.course import progress_file
from bptutor.engine.course.classreport import collect
from bptutor.engine.course.progress import FILE_NAME, ProgressStore
from bptutor.engine.course.progress_format import FORMAT_VERSION
from bptutor.engine.course.progress_journal import JOURNAL_PREFIX, JOURNAL_SUFFIX


def journals(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{JOURNAL_PREFIX}*{JOURNAL_SUFFIX}"))


def stored(folder: Path) -> dict:
    return json.loads((folder / FILE_NAME).read_text(encoding="utf-8"))


class GatedWrites:
    """ProgressFile._write made to wait at a gate: a save in flight, held as long as a test
    wants (no timing involved)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.gate.set()  # open until the test holds the saves
        self.calls = 0
        real = progress_file.ProgressFile._write

        def write(file: progress_file.ProgressFile, data: dict) -> None:
            self.calls += 1
            self.entered.set()
            assert self.gate.wait(30), "the test never opened the gate"
            real(file, data)

        monkeypatch.setattr(progress_file.ProgressFile, "_write", write)

    def hold(self) -> None:
        """From now on a save waits at the gate (counted from here)."""
        self.gate.clear()
        self.entered.clear()
        self.calls = 0


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> Iterator[GatedWrites]:
    gates = GatedWrites(monkeypatch)
    yield gates
    gates.gate.set()  # never leave a save thread waiting


def test_an_answer_is_on_disk_while_the_save_is_still_held(
    tmp_path: Path, gated: GatedWrites
) -> None:
    store = ProgressStore(tmp_path)
    assert store.start_background_saves()
    gated.hold()
    assert store.record_attempt("l", "s", "2x", "correct")  # returns with the save held
    assert gated.entered.wait(30)
    assert not (tmp_path / FILE_NAME).exists() or "l" not in stored(tmp_path)["lessons"]
    # another window (or `bptutor progress`) already sees it: the journal is on disk
    other = ProgressStore(tmp_path)
    assert other.step("l", "s").solved
    assert journals(tmp_path), "the live window's journal must not be deleted by another"
    gated.gate.set()
    assert store.flush(30)
    assert stored(tmp_path)["lessons"]["l"]["steps"]["s"]["solved"] is True
    store.close()
    assert journals(tmp_path) == []  # all saved: nothing left behind


def test_a_journal_line_holds_only_what_changed(tmp_path: Path, gated: GatedWrites) -> None:
    """A setting's line leaves the steps out (a large record made a line of megabytes); a
    step's line leaves the settings out (merged later, it put an older setting back)."""
    store = ProgressStore(tmp_path)
    store.start_background_saves()
    store.record_attempt("l", "s", "1", "incorrect")
    assert store.flush(30)
    gated.hold()
    store.set_review_enabled(False)
    store.record_attempt("l", "t", "2", "incorrect")
    setting, step = (
        json.loads(line)
        for path in journals(tmp_path)
        for line in path.read_text("utf-8").splitlines()
    )
    assert setting["settings"] == {"review": False} and "lessons" not in setting
    assert list(step["lessons"]["l"]["steps"]) == ["t"] and "settings" not in step
    gated.gate.set()
    assert store.flush(30)
    store.close()


def test_changes_during_a_save_are_coalesced_into_one_more(
    tmp_path: Path, gated: GatedWrites
) -> None:
    store = ProgressStore(tmp_path)
    store.start_background_saves()
    gated.hold()
    store.record_attempt("l", "s", "0", "incorrect")
    assert gated.entered.wait(30)
    for n in range(1, 20):
        store.record_attempt("l", "s", str(n), "incorrect")
    gated.gate.set()
    assert store.flush(30)
    assert gated.calls == 2  # the one held, then one for the nineteen that came meanwhile
    answers = [a["answer"] for a in stored(tmp_path)["lessons"]["l"]["steps"]["s"]["attempts"]]
    assert answers[0] == "0" and answers[-1] == "19"
    store.close()


def test_two_background_windows_keep_each_others_records(tmp_path: Path) -> None:
    one, two = ProgressStore(tmp_path), ProgressStore(tmp_path)
    one.start_background_saves()
    two.start_background_saves()
    for n in range(5):
        one.record_attempt("lesson1", f"a{n}", "1", "correct")
        two.record_attempt("lesson2", f"b{n}", "2", "correct")
    one.close()
    two.close()
    lessons = stored(tmp_path)["lessons"]
    assert sorted(lessons["lesson1"]["steps"]) == [f"a{n}" for n in range(5)]
    assert sorted(lessons["lesson2"]["steps"]) == [f"b{n}" for n in range(5)]
    assert journals(tmp_path) == []
    # each window took in the other's records with its own saves
    assert one.step("lesson2", "b4").solved or two.step("lesson1", "a4").solved


def test_a_failing_save_keeps_the_journal_for_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ProgressStore(tmp_path)
    store.start_background_saves()

    def full(file: progress_file.ProgressFile, data: dict) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(progress_file.ProgressFile, "_write", full)
    store.record_attempt("l", "s", "x*e^y", "correct")
    assert store.flush(30)
    assert any("No space left" in n for n in store.notices)
    store.close()
    assert journals(tmp_path), "an unsaved change stays in the journal"
    monkeypatch.undo()
    again = ProgressStore(tmp_path)  # the next start merges it and saves
    assert again.step("l", "s").last_answer == "x*e^y"
    assert stored(tmp_path)["lessons"]["l"]["steps"]["s"]["solved"] is True
    assert journals(tmp_path) == []


def test_a_line_cut_short_by_a_kill_is_dropped_the_rest_kept(tmp_path: Path) -> None:
    ProgressStore(tmp_path)
    change = {
        "version": FORMAT_VERSION,
        "lessons": {"l": {"steps": {"s": {"seen": True, "solved": True}}}},
    }
    cut = json.dumps(
        {"version": FORMAT_VERSION, "lessons": {"l": {"steps": {"t": {"solved": True}}}}}
    )
    orphan = tmp_path / f"{JOURNAL_PREFIX}dead-1{JOURNAL_SUFFIX}"
    orphan.write_text(json.dumps(change) + "\n" + cut[:-9])
    store = ProgressStore(tmp_path)
    assert store.step("l", "s").solved
    assert not store.step("l", "t").solved
    assert journals(tmp_path) == []  # merged into the file, then deleted
    assert stored(tmp_path)["lessons"]["l"]["steps"]["s"]["solved"] is True


KILLED_WINDOW = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from bptutor.engine.course import progress_file
    from bptutor.engine.course.progress import ProgressStore

    store = ProgressStore(Path(sys.argv[1]))
    store.start_background_saves()
    never = threading.Event()
    # the background save never gets to write: only the journal holds the answer
    progress_file.ProgressFile._write = lambda file, data: never.wait()
    store.record_attempt("l", "s", "x*e^y", "correct")
    print("recorded", flush=True)
    never.wait()
    """
)


def test_kill_9_right_after_an_answer_loses_nothing(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WINDOW, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "recorded"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
    assert "l" not in stored(tmp_path)["lessons"]  # the full save never ran
    # a teacher's report on the learner's folder already counts it (read only)
    (record,), skipped = collect([tmp_path])
    assert not skipped and record.lessons["l"]["steps"]["s"]["solved"] is True
    assert journals(tmp_path)
    store = ProgressStore(tmp_path)
    assert store.step("l", "s").solved and store.step("l", "s").last_answer == "x*e^y"
    assert stored(tmp_path)["lessons"]["l"]["steps"]["s"]["solved"] is True
    assert journals(tmp_path) == []


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("background", [False, True])
def test_a_closed_store_keeps_no_descriptor_open(tmp_path: Path, background: bool) -> None:
    before = len(os.listdir("/proc/self/fd"))
    for n in range(5):
        store = ProgressStore(tmp_path / str(n))
        if background:
            store.start_background_saves()
        store.record_attempt("l", "s", "1", "correct")
        store.close()
    assert len(os.listdir("/proc/self/fd")) == before

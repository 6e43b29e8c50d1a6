"""Hostile progress files and places: set aside or repaired, never a crash, never a hang."""

from __future__ import annotations

import errno
import json
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from bptutor.engine.course import progress_file as progress_module
from bptutor.engine.course.progress import FILE_NAME, ProgressStore


def aside(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(FILE_NAME + ".corrupt-")]


def within(seconds: float, make: Callable[[], ProgressStore]) -> ProgressStore:
    """Build the store in a thread: a hang fails the test instead of blocking the run."""
    box: list[ProgressStore] = []
    worker = threading.Thread(target=lambda: box.append(make()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "opening the progress store hung"
    return box[0]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"version": 1, "seed": ' + "7" * 5000 + ', "lessons": {}}', "5000 digits"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"version": "abc", "lessons": {}}', "format version 'abc' is not a number"),
        ('{"version": 0, "lessons": {}}', "format version 0 does not exist"),
        ('{"version": null, "lessons": {}}', "format version None is not a number"),
    ],
    ids=["huge-int", "deep", "version-text", "version-0", "version-null"],
)
def test_malformed_file_is_set_aside_and_saving_works(
    tmp_path: Path, content: str, said: str
) -> None:
    (tmp_path / FILE_NAME).write_text(content)
    store = ProgressStore(tmp_path)
    assert len(store.notices) == 1 and said in store.notices[0] and "moved to" in store.notices[0]
    assert [p.read_text() for p in aside(tmp_path)] == [content]
    assert store.record_attempt("l", "s", "1", "correct") and store.writable


@pytest.mark.parametrize("version", ["1", 1.0, " 1 "])
def test_a_version_that_means_1_is_accepted(tmp_path: Path, version: object) -> None:
    data = {"version": version, "seed": 11, "lessons": {"l": {"steps": {"s": {"solved": True}}}}}
    (tmp_path / FILE_NAME).write_text(json.dumps(data))
    store = ProgressStore(tmp_path)
    assert store.notices == [] and store.seed == 11 and store.step("l", "s").solved
    store.record_hint("l", "s")
    assert json.loads((tmp_path / FILE_NAME).read_text())["version"] == 1


def test_a_lone_surrogate_is_repaired_and_saving_works(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text(
        '{"version": 1, "seed": 4, "lessons": {"l": {"steps": {"s": {"attempts": '
        '[{"answer": "x\\ud800", "status": "incorrect", "mistake": null, "time": "t"}]}}},'
        ' "k\\udfff": {}}}'
    )
    store = ProgressStore(tmp_path)
    assert store.step("l", "s").last_answer == "x\ufffd"
    assert store.record_attempt("l", "s", "y\udc80", "incorrect")  # one typed in, too
    text = (tmp_path / FILE_NAME).read_bytes().decode("utf-8")  # valid UTF-8 on disk
    assert "\ufffd" in text and aside(tmp_path) == []
    assert ProgressStore(tmp_path).step("l", "s").attempts == 2


@pytest.mark.parametrize("seed", ["7", 2**70, 1.5, True, None])
def test_a_seed_that_is_not_a_sane_int_is_redrawn_and_answers_kept(
    tmp_path: Path, seed: object
) -> None:
    data = {"version": 1, "seed": seed, "lessons": {"l": {"steps": {"s": {"solved": True}}}}}
    (tmp_path / FILE_NAME).write_text(json.dumps(data))
    store = ProgressStore(tmp_path)
    assert isinstance(store.seed, int) and 0 <= store.seed < 2**31
    assert len(store.notices) == 1 and "new one was drawn" in store.notices[0]
    assert store.step("l", "s").solved and aside(tmp_path) == []
    assert json.loads((tmp_path / FILE_NAME).read_text())["seed"] == store.seed


def test_a_named_pipe_is_set_aside_without_hanging(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / FILE_NAME)
    store = within(10, lambda: ProgressStore(tmp_path))
    assert "not a regular file (a named pipe)" in store.notices[0]
    assert stat.S_ISFIFO(aside(tmp_path)[0].lstat().st_mode)
    assert (tmp_path / FILE_NAME).is_file() and store.writable


def test_a_link_to_dev_zero_is_not_read(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).symlink_to("/dev/zero")
    store = within(10, lambda: ProgressStore(tmp_path))
    assert "not a regular file (a device)" in store.notices[0]
    assert (tmp_path / FILE_NAME).is_file() and not (tmp_path / FILE_NAME).is_symlink()


def test_a_folder_named_progress_json_is_set_aside(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).mkdir()
    store = ProgressStore(tmp_path)
    assert "not a regular file (a folder)" in store.notices[0]
    assert store.record_attempt("l", "s", "1", "correct")


def test_a_file_beyond_the_size_limit_is_set_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress_module, "MAX_FILE_BYTES", 2**20)
    big = {"version": 1, "seed": 1, "lessons": {}, "pad": "x" * (2**20 + 10)}
    (tmp_path / FILE_NAME).write_text(json.dumps(big))
    store = ProgressStore(tmp_path)
    assert "too large (1 MiB; bptutor reads at most 1 MiB)" in store.notices[0]
    assert len(aside(tmp_path)) == 1


def test_stale_temp_files_are_removed_at_start(tmp_path: Path) -> None:
    ProgressStore(tmp_path).record_attempt("l", "s", "1", "correct")
    (tmp_path / ".progress-k1ll3d.tmp").write_text('{"half a save')
    (tmp_path / "notes.tmp").write_text("not ours")
    store = ProgressStore(tmp_path)
    assert not (tmp_path / ".progress-k1ll3d.tmp").exists()
    assert (tmp_path / "notes.tmp").exists() and store.step("l", "s").solved


def test_a_full_disk_then_space_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ProgressStore(tmp_path)
    real_replace = os.replace

    def full(src: object, dst: object) -> None:  # the disk fills up as the save lands
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path))

    monkeypatch.setattr(progress_module.os, "replace", full)
    assert not store.record_attempt("l", "s", "1", "incorrect")
    assert not store.record_attempt("l", "s", "2", "incorrect")
    assert not store.writable
    assert len(store.notices) == 1 and "No space left on device" in store.notices[0]
    assert "tries to save again" in store.notices[0]
    monkeypatch.setattr(progress_module.os, "replace", real_replace)
    assert store.record_attempt("l", "s", "3", "correct") and store.writable
    assert store.notices[-1] == "Saving works again: your progress is saved."
    assert ProgressStore(tmp_path).step("l", "s").attempts == 3  # nothing lost meanwhile
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_an_unexpected_error_in_a_save_never_crashes(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    store._data["odd"] = object()  # json cannot write it: a TypeError inside save
    assert not store.record_attempt("l", "s", "1", "incorrect")
    assert "unexpected error (TypeError" in store.notices[-1]


def test_the_data_dir_path_being_a_file_says_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.write_text("x")
    store = ProgressStore(data)
    assert f"{data} is a file, not a folder" in store.notices[0]
    assert "cannot be saved" in store.notices[0]


def test_parent_folders_are_created_private(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        ProgressStore(tmp_path / "a" / "b" / "data")
    finally:
        os.umask(old)
    for part in ("a", "a/b", "a/b/data"):
        assert stat.S_IMODE((tmp_path / part).stat().st_mode) == 0o700, part
    assert stat.S_IMODE((tmp_path / "a/b/data" / FILE_NAME).stat().st_mode) == 0o600


def test_a_link_the_learner_made_is_written_through(tmp_path: Path) -> None:
    data, synced = tmp_path / "data", tmp_path / "synced"
    data.mkdir(mode=0o700)
    synced.mkdir()
    ProgressStore(synced).record_attempt("l", "s", "1", "incorrect")
    (data / FILE_NAME).symlink_to(synced / FILE_NAME)
    store = ProgressStore(data)
    assert store.step("l", "s").attempts == 1
    store.record_attempt("l", "s", "2", "correct")
    assert (data / FILE_NAME).is_symlink() and store.notices == []
    assert ProgressStore(synced).step("l", "s").solved
    assert stat.S_IMODE((synced / FILE_NAME).stat().st_mode) == 0o600


def test_a_link_in_a_folder_others_can_write_is_replaced_and_said_once(tmp_path: Path) -> None:
    data, elsewhere = tmp_path / "data", tmp_path / "elsewhere"
    data.mkdir()
    elsewhere.mkdir()
    ProgressStore(elsewhere).record_attempt("l", "s", "1", "correct")
    before = (elsewhere / FILE_NAME).read_bytes()
    (data / FILE_NAME).symlink_to(elsewhere / FILE_NAME)
    data.chmod(0o777)
    store = ProgressStore(data)
    assert store.step("l", "s").solved  # what the link showed is kept
    store.record_attempt("l", "s2", "2", "correct")
    store.record_attempt("l", "s2", "3", "correct")
    said = [n for n in store.notices if "symbolic link" in n]
    assert len(said) == 1 and "others can write" in said[0]
    assert not (data / FILE_NAME).is_symlink()
    assert (elsewhere / FILE_NAME).read_bytes() == before

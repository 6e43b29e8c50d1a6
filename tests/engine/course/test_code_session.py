"""CodeWatch, the state behind a code step on screen: it notices saves, the newest check wins, and
closing it ends every child."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from bptutor.engine.course.code_session import CodeWatch
from bptutor.engine.course.coderun import live_processes
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.loader import load_course


@pytest.fixture
def watch(tmp_path: Path, samples: Path):
    lesson = load_course().lesson("backprop-code")
    inst = draw(lesson, lesson.step("backward"), 7)
    path = tmp_path / "backprop.py"
    shutil.copyfile(samples / "transposed.py", path)
    w = CodeWatch(inst.code, path)
    yield w
    w.close()
    assert live_processes() == []


def touch(path: Path, sample: Path) -> None:
    shutil.copyfile(sample, path)
    now = time.time_ns()
    os.utime(path, ns=(now, now))


def test_changed_once_per_save(samples: Path, watch: CodeWatch) -> None:
    assert not watch.changed()
    touch(watch.path, samples / "right.py")
    assert watch.changed()
    assert not watch.changed()
    watch.path.unlink()
    assert watch.changed()  # gone is a change too (the check then says there is no file)


def test_a_check_grades_the_file_as_it_is(samples: Path, watch: CodeWatch) -> None:
    first = watch.check()
    assert first is not None and first.verdict.mistake == "transposed"
    touch(watch.path, samples / "right.py")
    second = watch.check()
    assert second is not None and second.verdict.correct
    assert second.answer.startswith("sha256:") and second.digest != first.digest
    assert watch.check().digest == second.digest  # same file, same answer


def check_an_endless_loop(watch: CodeWatch, samples: Path) -> tuple[threading.Thread, list]:
    """A check of an endless loop running in a thread, once its child has loaded the file; the
    list gets what the check returns."""
    touch(watch.path, samples / "endless_loop.py")
    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(watch.check()))
    worker.start()
    deadline = time.monotonic() + 30
    while not any(p.loaded is not None for p in live_processes()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return worker, results


def test_the_newest_check_wins(samples: Path, watch: CodeWatch) -> None:
    """A check started while an endless loop runs ends it at once; only the new one reports."""
    slow, results = check_an_endless_loop(watch, samples)
    touch(watch.path, samples / "right.py")
    start = time.monotonic()
    newest = watch.check()
    slow.join(timeout=30)
    assert newest is not None and newest.verdict.correct
    assert results == [None]  # the older check was replaced, not reported
    assert time.monotonic() - start < 4.5  # it did not wait for the 5 s limit


def test_close_ends_a_running_check(samples: Path, watch: CodeWatch) -> None:
    worker, results = check_an_endless_loop(watch, samples)
    watch.close()
    worker.join(timeout=10)
    assert not worker.is_alive() and results == [None]
    assert watch.check() is None

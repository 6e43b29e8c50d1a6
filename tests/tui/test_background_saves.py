"""The app saves progress off the UI thread: a verdict shows while the file is still being
written, the answer is already on disk (the journal), and quitting waits for the save."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from bptutor.engine.course import progress_file
from bptutor.engine.course.progress import FILE_NAME, ProgressStore
from bptutor.engine.course.progress_journal import JOURNAL_PREFIX, JOURNAL_SUFFIX
from bptutor.tui.screens.lesson import LessonScreen
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Input
from tui_helpers import SIZE, answer_wrong, make_app, screen_lines, wait_for


@pytest.fixture
def held_writes(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Every progress write waits until the returned event is set (open at first)."""
    gate = threading.Event()
    gate.set()
    real = progress_file.ProgressFile._write

    def write(file: progress_file.ProgressFile, data: dict) -> None:
        assert gate.wait(60), "the test never let the save through"
        real(file, data)

    monkeypatch.setattr(progress_file.ProgressFile, "_write", write)
    yield gate
    gate.set()


def journals(folder: Path) -> list[Path]:
    return list(folder.glob(f"{JOURNAL_PREFIX}*{JOURNAL_SUFFIX}"))


async def test_the_verdict_shows_while_the_save_is_held_and_quitting_waits_for_it(
    data_dir: Path, held_writes: threading.Event
) -> None:
    app = make_app(data_dir)
    async with app.run_test(size=SIZE) as pilot:
        held_writes.clear()  # from here on the file cannot be written
        target, screen = await answer_wrong(pilot, app)
        await wait_for(pilot, lambda: any("Not quite" in line for line in screen_lines(app)))
        # the answer is on disk already: another window (or `bptutor progress`) sees it
        other = ProgressStore(data_dir)
        assert other.step(target.lesson.id, target.step.id).attempts == 1
        assert journals(data_dir)
        # the UI still answers keys while the save waits
        assert isinstance(screen, LessonScreen)
        screen.query_one("#answer", Input).value = "1"
        await wait_for(pilot, lambda: "read as" in "\n".join(screen_lines(app)))
        held_writes.set()
    saved = json.loads((data_dir / FILE_NAME).read_text(encoding="utf-8"))
    rec = saved["lessons"][target.lesson.id]["steps"][target.step.id]
    assert [a["status"] for a in rec["attempts"]] == ["incorrect"]
    assert journals(data_dir) == []  # quitting waited for the save, nothing left behind


async def test_a_save_failing_in_the_background_is_told_on_screen(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(data_dir)
    told: list[str] = []

    def hook(message: Message) -> None:  # the app's notifications (toasts)
        if isinstance(message, Notify):
            told.append(message.notification.message)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:

        def full(file: progress_file.ProgressFile, data: dict) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(progress_file.ProgressFile, "_write", full)
        target, _ = await answer_wrong(pilot, app)
        await wait_for(pilot, lambda: any("No space left" in m for m in told))
        monkeypatch.undo()
    # space came back before quitting: the last save wrote everything the journal held
    again = ProgressStore(data_dir)
    assert again.step(target.lesson.id, target.step.id).attempts == 1
    assert journals(data_dir) == []

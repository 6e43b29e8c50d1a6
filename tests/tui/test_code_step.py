"""A code step in the tutor: the learner's file shown whole, a save on disk checked without a key
press, Enter checks on demand, e opens $EDITOR, progress counts the tries, and no child process
outlives the app."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from bptutor.engine.course.coderun import live_processes
from bptutor.engine.course.progress import ProgressStore
from bptutor.tui.screens.lesson import LessonScreen
from bptutor.tui.widgets.code_file import editor_command
from bptutor.tui.widgets.verdict_view import VerdictView
from textual.widgets import Markdown
from tui_helpers import (
    SIZE,
    Target,
    course_for,
    make_app,
    on_step,
    open_target,
    step_target,
    wait_for,
)


def backward_target() -> Target:
    """Lesson 13's backward step, drawn for SEED."""
    return step_target(course_for(None), "backprop-code", "backward")


def verdict_text(screen: LessonScreen) -> str:
    return str(screen.query_one("#verdict", VerdictView).render())


def save(path: Path, sample: Path) -> None:
    """What an editor does on save: the whole file rewritten (a new mtime, maybe a new size)."""
    text = sample.read_text("utf-8")
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns()))


@pytest.fixture(autouse=True)
def _no_child_left(data_dir: Path) -> Iterator[None]:
    yield
    assert live_processes() == [], "a child process outlived the app"


async def test_a_save_on_disk_is_checked_without_a_key(samples: Path, data_dir: Path) -> None:
    async with on_step(data_dir, backward_target()) as (pilot, _, _, screen):
        path = data_dir / "code" / "backprop-code" / "backprop.py"
        assert path.is_file()  # the starter, written when the step opened
        shown = str(screen.query_one("#code-file").render())
        assert str(path) in shown.replace("\n", "")  # the whole path, to open elsewhere

        save(path, samples / "transposed.py")
        await wait_for(pilot, lambda: "✗ Not quite." in verdict_text(screen))
        assert "Your dW1 is the transpose of the right one" in verdict_text(screen)

        save(path, samples / "right.py")
        await wait_for(pilot, lambda: "✓ Right." in verdict_text(screen))
        assert "All 4 cases match the engine." in verdict_text(screen)

    progress = ProgressStore(data_dir).step("backprop-code", "backward")
    assert progress.solved and progress.attempts == 2


async def test_the_revealed_solution_is_the_reference_function(data_dir: Path) -> None:
    async with on_step(data_dir, backward_target()) as (pilot, _, _, screen):
        await pilot.press("ctrl+r", "ctrl+r")
        notes = screen.query_one("#notes", Markdown)
        await wait_for(pilot, lambda: "def backward(W1, W2, X, y):" in (notes.source or ""))
        assert "```python" in notes.source
    assert ProgressStore(data_dir).step("backprop-code", "backward").revealed


async def test_a_file_that_cannot_run_is_not_counted(samples: Path, data_dir: Path) -> None:
    async with on_step(data_dir, backward_target()) as (pilot, _, _, screen):
        path = data_dir / "code" / "backprop-code" / "backprop.py"
        save(path, samples / "syntax_error.py")
        await wait_for(pilot, lambda: "Your code could not run" in verdict_text(screen))
        assert "SyntaxError: expected ':'" in verdict_text(screen)
    assert ProgressStore(data_dir).step("backprop-code", "backward").attempts == 0


async def test_enter_checks_on_demand_and_then_moves_on(samples: Path, data_dir: Path) -> None:
    async with on_step(data_dir, backward_target()) as (pilot, _, _, screen):
        await pilot.press("enter")  # the fresh starter: wrong, and said so
        await wait_for(pilot, lambda: "✗ Not quite." in verdict_text(screen))
        assert screen.step.id == "backward"

        path = data_dir / "code" / "backprop-code" / "backprop.py"
        save(path, samples / "right.py")
        await wait_for(pilot, lambda: "✓ Right." in verdict_text(screen))
        await pilot.press("enter")  # right, and unchanged: on to the next step
        await wait_for(pilot, lambda: screen.step.id == "gd-step")


async def test_e_opens_the_editor_and_its_save_is_checked(
    samples: Path, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        f"import shutil, sys\nshutil.copyfile({str(samples / 'right.py')!r}, sys.argv[1])\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("VISUAL", f"{sys.executable} {editor}")
    suspended: list[bool] = []

    @contextlib.contextmanager
    def suspend() -> Iterator[None]:  # the headless driver cannot hand the terminal over
        suspended.append(True)
        yield

    app = make_app(data_dir)
    monkeypatch.setattr(app, "suspend", suspend)
    async with app.run_test(size=SIZE) as pilot:
        _, screen = await open_target(pilot, app, backward_target())
        await pilot.press("e")
        await wait_for(pilot, lambda: "✓ Right." in verdict_text(screen))
    assert suspended == [True]


async def test_quitting_while_code_runs_leaves_no_child(samples: Path, data_dir: Path) -> None:
    async with on_step(data_dir, backward_target()) as (pilot, _, _, _):
        path = data_dir / "code" / "backprop-code" / "backprop.py"
        save(path, samples / "endless_loop.py")
        await wait_for(pilot, lambda: any(p.loaded is not None for p in live_processes()))
        children = live_processes()
        assert children
        await pilot.press("ctrl+q")
    assert all(not child.alive for child in children)


async def test_a_learner_back_at_a_worked_file_sees_where_it_stands(
    samples: Path, data_dir: Path
) -> None:
    path = data_dir / "code" / "backprop-code" / "backprop.py"
    path.parent.mkdir(parents=True)
    save(path, samples / "no_mean.py")
    async with on_step(data_dir, backward_target()) as (pilot, _, _, screen):
        await wait_for(pilot, lambda: "✗ Not quite." in verdict_text(screen))
        assert "sums over the examples" in verdict_text(screen)
        assert path.read_text("utf-8") == (samples / "no_mean.py").read_text("utf-8")


def test_editor_command_prefers_visual_then_editor() -> None:
    path = Path("/w/backprop.py")
    env = {"VISUAL": "code -w", "EDITOR": "vim"}
    assert editor_command(path, env) == ["code", "-w", "/w/backprop.py"]
    assert editor_command(path, {"EDITOR": "vim"}) == ["vim", "/w/backprop.py"]


def test_the_course_has_the_code_lesson_after_training() -> None:
    ids = [lesson.id for lesson in course_for(None).lessons]
    assert ids.index("backprop-code") == ids.index("training") + 1

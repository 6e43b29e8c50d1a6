"""Lesson 13's last step: training XOR with the learner's own backward, their loss curve over
the engine's. The step is solved only when a run matches; a parting is named; no child
process outlives the screen or the app."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bptutor.engine.course.code_train import CodeTraining
from bptutor.engine.course.coderun import live_processes
from bptutor.engine.course.progress import ProgressStore
from bptutor.tui.screens import code_training
from bptutor.tui.screens.code_training import CodeTrainingScreen
from bptutor.tui.screens.lesson import LessonScreen
from bptutor.tui.widgets.compare_plot import CompareLossPlot
from bptutor.tui.widgets.verdict_view import VerdictView
from tui_helpers import Target, course_for, on_step, screen_lines, step_target, wait_for

REFERENCE = Path(__file__).resolve().parents[2] / "lessons" / "solutions" / "backprop.py"


def train_target() -> Target:
    """Lesson 13's last step, training XOR with the learner's backward, drawn for SEED."""
    return step_target(course_for(None), "backprop-code", "train-xor")


def put(data_dir: Path, source: Path | str) -> Path:
    """The learner's file: a copy of `source`, or the text given."""
    path = data_dir / "code" / "backprop-code" / "backprop.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = source if isinstance(source, str) else source.read_text("utf-8")
    path.write_text(text, encoding="utf-8")
    return path


async def open_training(pilot: Any, app: Any) -> CodeTrainingScreen:
    """On the step, t: the code-training screen, once it is up."""
    await pilot.press("t")
    await wait_for(pilot, lambda: isinstance(app.screen, CodeTrainingScreen))
    assert isinstance(app.screen, CodeTrainingScreen)
    return app.screen


@pytest.fixture(autouse=True)
def _no_child_left(data_dir: Path) -> Iterator[None]:
    yield
    assert live_processes() == [], "a child process outlived the app"


async def test_a_matching_run_solves_the_step(data_dir: Path) -> None:
    put(data_dir, REFERENCE)
    async with on_step(data_dir, train_target()) as (pilot, app, _, screen):
        assert "Train with your code (t)" in "\n".join(screen_lines(app))
        training = await open_training(pilot, app)
        await wait_for(pilot, lambda: training.finished)
        assert training.outcome is not None and training.outcome.matched
        await wait_for(pilot, lambda: "✓ Matched." in "\n".join(screen_lines(app)))
        plot = training.query_one(CompareLossPlot)
        assert len(plot.mine) == len(plot.reference) == 2000 and plot.parted_at is None
        assert not ProgressStore(data_dir).step("backprop-code", "train-xor").solved
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        view = screen.query_one("#verdict", VerdictView)
        await wait_for(pilot, lambda: "matched the engine's" in str(view.render()))
        assert screen.solved
    assert ProgressStore(data_dir).step("backprop-code", "train-xor").solved


@pytest.fixture
def short_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """300 epochs instead of the lesson's 2,000 (a parting shows at once; saves test time)."""
    monkeypatch.setattr(code_training, "CodeTraining", functools.partial(CodeTraining, epochs=300))


async def test_a_parting_run_names_the_epoch_and_leaves_the_step_unsolved(
    data_dir: Path, short_runs: None, samples: Path
) -> None:
    put(data_dir, samples / "no_mean.py")
    async with on_step(data_dir, train_target()) as (pilot, app, _, screen):
        training = await open_training(pilot, app)
        await wait_for(pilot, lambda: training.finished)
        shown = "\n".join(screen_lines(app))
        assert "✗ They part." in shown and "epoch 2" in shown
        assert training.query_one(CompareLossPlot).parted_at == 2
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert "Not yet" in str(screen.query_one("#verdict", VerdictView).render())
        assert not screen.solved
    assert not ProgressStore(data_dir).step("backprop-code", "train-xor").solved


async def test_an_exception_mid_run_says_so_and_r_trains_again(
    data_dir: Path, short_runs: None
) -> None:
    text = REFERENCE.read_text("utf-8").replace(
        "def backward(W1, W2, X, y):\n",
        "calls = 0\n\n\ndef backward(W1, W2, X, y):\n    global calls\n    calls += 1\n"
        "    if calls == 5:\n        raise ValueError('mid-run')\n",
    )
    put(data_dir, text)
    async with on_step(data_dir, train_target()) as (pilot, app, _, _):
        training = await open_training(pilot, app)
        await wait_for(pilot, lambda: training.finished)
        assert training.outcome.status == "failed"
        shown = "\n".join(screen_lines(app))
        assert "? Your code could not train." in shown and "at epoch 5" in shown
        put(data_dir, REFERENCE)  # the learner fixes the file, then r
        await pilot.press("r")
        await wait_for(pilot, lambda: training.finished and training.outcome.matched)


async def test_quitting_mid_run_leaves_no_child(data_dir: Path) -> None:
    text = REFERENCE.read_text("utf-8").replace(
        "def backward(W1, W2, X, y):\n",
        "import time\n\n\ndef backward(W1, W2, X, y):\n    time.sleep(0.01)\n",
    )
    put(data_dir, text)
    async with on_step(data_dir, train_target()) as (pilot, app, _, _):
        training = await open_training(pilot, app)
        await wait_for(pilot, lambda: len(training.losses) > 10)
        assert not training.finished and len(live_processes()) >= 1
        await pilot.press("ctrl+q")
    # the autouse fixture asserts that no child is left
    assert isinstance(training, CodeTrainingScreen) and not isinstance(training, LessonScreen)

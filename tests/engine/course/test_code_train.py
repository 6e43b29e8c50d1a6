"""Training with the learner's backward in a warm child, next to the engine's run."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.course import code_lint
from bptutor.engine.course.code_lint import lint_code_train
from bptutor.engine.course.code_train import (
    CodeTraining,
    LearnerGradients,
    first_parting,
    notes_network_problem,
)
from bptutor.engine.course.coderun import live_processes
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.loader import builtin_course_dir, load_course
from bptutor.engine.nn.network import Network
from bptutor.engine.nn.session import data_arrays
from bptutor.engine.nn.training import TrainConfig

REFERENCE = builtin_course_dir() / "solutions" / "backprop.py"
CONFIG = TrainConfig(
    dataset="xor", hidden=2, activation="sigmoid", biases=False, learning_rate=1.0, seed=2
)
RIGHT = REFERENCE.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _nothing_left_behind() -> None:
    yield
    assert live_processes() == [], "a test left a child process running"


def lesson_config() -> TrainConfig:
    lesson = load_course().lesson("backprop-code")
    assert lesson is not None
    step = lesson.step("train-xor")
    assert step is not None
    config = draw(lesson, step, 0).train_config
    assert config is not None
    return config


def counting(tmp_path: Path, body: str) -> Path:
    """The reference solution whose backward does `body` on its `calls`-th call."""
    text = RIGHT.replace(
        "def backward(W1, W2, X, y):\n",
        f"calls = 0\n\n\ndef backward(W1, W2, X, y):\n    global calls\n    calls += 1\n{body}",
    )
    path = tmp_path / "backprop.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_reference_trains_the_lessons_run_and_matches_the_engine() -> None:
    run = CodeTraining(REFERENCE, lesson_config())
    outcome = run.run()
    assert outcome.status == "matched" and outcome.matched, outcome.message
    assert outcome.epochs == run.epochs == 2000 and run.parted_at is None
    mine = run.history.view()
    np.testing.assert_allclose(mine, run.reference, rtol=1e-9)
    assert mine[-1] < 0.1 * mine[0]  # it learned something: the curve fell
    assert outcome.largest_difference < 1e-9
    assert "2,000 epochs" in outcome.message and "matched the engine's" in outcome.message


def test_the_engine_side_reference_is_the_engines_own_training() -> None:
    run = CodeTraining(REFERENCE, CONFIG, epochs=50)
    _, X, y = data_arrays(CONFIG)
    net = CONFIG.make_network(2, 1)
    losses = []
    for _ in range(50):  # by hand, from Network.gradients: E before each step
        losses.append(net.cost(X, y))
        g = net.gradients(X, y)
        net.W1, net.W2 = net.W1 - g.W1, net.W2 - g.W2
    np.testing.assert_allclose(run.reference, losses, rtol=1e-10)
    run.close()


def test_a_missing_one_over_L_parts_at_epoch_2_and_names_both_gradients(samples: Path) -> None:
    run = CodeTraining(samples / "no_mean.py", CONFIG, epochs=200)
    outcome = run.run()
    assert outcome.status == "parted" and run.parted_at == 2 == outcome.parted_at
    assert outcome.epochs == 200  # it ran on: both curves can be seen
    assert "parts from the engine's at epoch 2" in outcome.message
    assert "your dW1 and your dW2 are off" in outcome.message
    mine = run.history.view()
    assert mine[0] == run.reference[0] and mine[1] != pytest.approx(run.reference[1], rel=1e-3)


def test_a_transposed_dW1_parts_and_only_dW1_is_named(tmp_path: Path, samples: Path) -> None:
    outcome = CodeTraining(samples / "transposed.py", CONFIG, epochs=100).run()
    assert outcome.status == "parted" and outcome.parted_at == 2
    assert "your dW1 is off" in outcome.message and "dW2" not in outcome.message


def test_a_slip_that_shows_late_is_found_at_its_epoch(tmp_path: Path) -> None:
    # right for 40 calls, then a gradient 1% too large: the curves part at epoch 42
    path = counting(tmp_path, "")
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "    return dW1, dW2", "    return dW1, dW2 * (1.01 if calls > 40 else 1.0)"
        ),
        encoding="utf-8",
    )
    run = CodeTraining(path, CONFIG, epochs=100)
    outcome = run.run()
    assert outcome.parted_at == 42, outcome.message
    assert "epoch 42" in outcome.message and "at epoch 41" in outcome.message
    assert "your dW2 is off" in outcome.message


def test_an_exception_mid_training_stops_cleanly_with_the_epoch(tmp_path: Path) -> None:
    path = counting(tmp_path, "    if calls == 37:\n        raise RuntimeError('boom')\n")
    run = CodeTraining(path, CONFIG, epochs=200)
    outcome = run.run()
    assert outcome.status == "failed" and not outcome.matched
    assert outcome.epochs == 36 == len(run.history)
    assert "Your backward raised an exception at epoch 37" in outcome.message
    assert "RuntimeError: boom" in outcome.message and str(path) in outcome.message
    assert "Training stopped after 36 epochs." in outcome.message


def test_a_time_out_mid_training_stops_cleanly(tmp_path: Path) -> None:
    path = counting(tmp_path, "    while calls == 12:\n        pass\n")
    run = CodeTraining(path, CONFIG, epochs=100, time_limit=1.0)
    start = time.monotonic()
    outcome = run.run()
    assert time.monotonic() - start < 20
    assert outcome.status == "failed" and outcome.epochs == 11
    assert "more than 1 s" in outcome.message and "at epoch 12" in outcome.message


def test_wrong_shapes_a_syntax_error_and_a_missing_file_say_so(
    tmp_path: Path, samples: Path
) -> None:
    outcome = CodeTraining(samples / "wrong_shape.py", CONFIG, epochs=10).run()
    assert outcome.status == "failed" and outcome.epochs == 0
    assert "returned dW2 of shape (2,); it must have the shape of W2, (1, 2)" in outcome.message
    outcome = CodeTraining(samples / "syntax_error.py", CONFIG, epochs=10).run()
    assert outcome.status == "failed" and "syntax error" in outcome.message
    outcome = CodeTraining(tmp_path / "nope.py", CONFIG, epochs=10).run()
    assert outcome.status == "failed" and "There is no file" in outcome.message


def test_nan_gradients_say_so(tmp_path: Path) -> None:
    path = counting(tmp_path, "    if calls == 3:\n        return W1 * np.nan, W2\n")
    run = CodeTraining(path, CONFIG, epochs=20)
    outcome = run.run()
    assert outcome.status == "failed" and outcome.epochs == 2
    assert "At epoch 3 your backward returned NaN or inf in dW1" in outcome.message
    with pytest.raises(RuntimeError, match="runs once"):
        run.run()


def test_what_the_code_prints_is_captured_and_noted(tmp_path: Path) -> None:
    path = counting(tmp_path, "    print('epoch', calls)\n")
    outcome = CodeTraining(path, CONFIG, epochs=30).run()
    assert outcome.status == "matched"
    assert outcome.printed.lines == 30 and outcome.printed.text.startswith("epoch 1\n")
    assert "printed 30 lines during training" in outcome.message


def test_stop_from_another_thread_ends_the_run_and_its_child(tmp_path: Path) -> None:
    path = counting(tmp_path, "    if calls == 20:\n        import time; time.sleep(30)\n")
    run = CodeTraining(path, CONFIG, epochs=100, time_limit=60)
    reached = threading.Event()
    result = []

    def on_epoch(k: int, loss: float) -> None:
        if k == 19:
            reached.set()

    worker = threading.Thread(target=lambda: result.append(run.run(on_epoch)))
    worker.start()
    assert reached.wait(30)
    time.sleep(0.2)  # the 20th call is now asleep in the child
    run.stop()
    worker.join(10)
    assert not worker.is_alive()
    assert result[0].status == "stopped" and result[0].epochs == 19


def test_the_provider_gives_the_learners_gradients(tmp_path: Path) -> None:
    _, X, y = data_arrays(CONFIG)
    net = CONFIG.make_network(2, 1)
    provider = LearnerGradients(REFERENCE, X, y)
    try:
        provider.start()
        dW1, dW2 = provider((net.W1.copy(), net.W2.copy()))
    finally:
        provider.close()
    true = net.gradients(X, y)
    np.testing.assert_allclose(dW1, true.W1, rtol=1e-12)
    np.testing.assert_allclose(dW2, true.W2, rtol=1e-12)


def test_first_parting() -> None:
    a = np.array([1.0, 0.5, 0.25, 0.125])
    assert first_parting(a, a * (1 + 1e-9)) is None
    assert first_parting(a, np.array([1.0, 0.5, 0.2501, 0.125])) == 3
    assert first_parting(np.array([1.0, np.nan]), a) == 2
    assert first_parting(a, a[:2]) is None  # only the epochs both have


def test_only_the_notes_network_trains_with_the_learners_backward() -> None:
    assert notes_network_problem(CONFIG) is None
    assert "sigmoid" in notes_network_problem(TrainConfig(hidden=2, biases=False))
    bad = TrainConfig(activation="sigmoid", hidden=2, biases=True)
    assert "biases" in notes_network_problem(bad)
    with pytest.raises(ValueError, match="biases"):
        CodeTraining(REFERENCE, bad)


def test_lessons_check_runs_the_reference_and_the_starter(
    monkeypatch: pytest.MonkeyPatch, samples: Path
) -> None:
    lesson = load_course().lesson("backprop-code")
    step = lesson.step("train-xor")
    assert lint_code_train(lesson, step, lesson_config()) == []
    # a reference that does not give the true gradients, a starter that already does
    monkeypatch.setattr(code_lint, "reference_path", lambda lesson, code: samples / "no_mean.py")
    monkeypatch.setattr(code_lint, "starter_text", lambda lesson, file: RIGHT)
    problems = [p[0] for p in lint_code_train(lesson, step, lesson_config())]
    assert problems == [
        "training with the reference solution does not match the engine's run",
        "training with the starter file matches the engine's run: the step is solved without "
        "writing any code",
    ]


def test_engine_network_copy_is_untouched_by_a_run() -> None:
    run = CodeTraining(REFERENCE, CONFIG, epochs=20)
    before = run.initial.params.copy()
    assert run.run().matched
    np.testing.assert_array_equal(run.initial.params, before)
    assert isinstance(run.initial, Network)


def lesson_file(tmp_path: Path, old: str, new: str) -> Path:
    text = (builtin_course_dir() / "13_code.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "13_code.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "backprop.py").write_text(RIGHT, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'gradients = { file = "backprop.py", function = "backward" }',
            'gradients = { file = "backprop.py", function = "backwards" }',
            'step "train-xor": exercise.gradients no code step before it has the learner write '
            "backwards(...) in backprop.py",
        ),
        (
            'gradients = { file = "backprop.py", function = "backward" }',
            'gradients = { file = "backprop", function = "backward" }',
            'exercise.gradients.file "backprop" is not a Python file name',
        ),
        (
            'activation = "sigmoid"\nbiases = false',
            'activation = "tanh"\nbiases = false',
            'step "train-xor": exercise.activation must be "sigmoid"',
        ),
    ],
)
def test_the_loader_checks_a_gradients_step(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    from bptutor.engine.course.loader import load_lesson
    from bptutor.engine.course.model import LessonError

    with pytest.raises(LessonError) as info:
        load_lesson(lesson_file(tmp_path, old, new))
    assert message in str(info.value)

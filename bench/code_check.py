"""How fast a learner's code is checked: `python bench/code_check.py [--saves 20] [--rounds 3]`.

1. **Save to verdict on screen**: one app (Textual ``run_test``, headless driver, 80x24) on the
   step backprop-code/backward. The script saves the learner's file (alternately right and with
   a transposed dW1, so every save changes the verdict) and times from the write to the new
   verdict in the verdict widget: the file poll (every 0.1 s), the check in a worker thread
   (a pre-started child: import the file, 4 cases, the finite-difference check), the message
   back and the redraw. Saves are 0.5-0.9 s apart (random, so that they fall anywhere between
   two polls), as an editor's would be at the quickest.
   Target: median <= 400 ms on a 2-CPU machine.
2. **Save to verdict object** (the engine side, no poll, no UI): ``CodeWatch.check()`` called
   right after each save.
3. **The warm child**: calls per second of the learner's ``backward`` for XOR 2-2-1 (the
   reference solution, a gradient-descent update of W1 and W2 between calls, as training with
   the learner's code will do), in alternating 1-second chunks with the engine's own
   ``Network.gradients`` on the same network and data. Target: >= 1,000 calls/s.
4. **Training with the learner's backward**: epochs per second of ``CodeTraining`` (lesson 13's
   last step: XOR 2-2-1, the reference solution as the learner's file, a warm child answering
   every epoch, the engine's loop computing the loss and taking the step, the comparison with
   the engine's run), from its second epoch to its last (the child's start is not an epoch),
   alternating with the engine's own ``train`` on the same config. Target: >= 1,000 epochs/s.

Exit status 0 when every target holds.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bptutor.engine.course.code_session import CodeWatch
from bptutor.engine.course.code_train import CodeTraining
from bptutor.engine.course.coderun import CodeProcess, live_processes
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.loader import builtin_course_dir, load_course
from bptutor.engine.nn.datasets import load_dataset
from bptutor.engine.nn.network import Network
from bptutor.engine.nn.session import data_arrays
from bptutor.engine.nn.training import train

REFERENCE = builtin_course_dir() / "solutions" / "backprop.py"
RIGHT = REFERENCE.read_text(encoding="utf-8")
TRANSPOSED = RIGHT.replace("dW1 = D.T @ X / L", "dW1 = X.T @ D / L")
assert TRANSPOSED != RIGHT
GAPS = random.Random(12).uniform  # seconds between saves: GAPS(0.5, 0.9)
TARGET_MS = 400.0
TARGET_CALLS = 1000.0
TARGET_EPOCHS = 1000.0


def save(path: Path, text: str) -> float:
    path.write_text(text, encoding="utf-8")
    now = time.time_ns()
    os.utime(path, ns=(now, now))
    return time.perf_counter()


async def on_screen(saves: int) -> list[float]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "tui"))
    from bptutor.tui.widgets.verdict_view import VerdictView
    from tui_helpers import SIZE, Target, make_app, open_target

    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp) / "data")
        async with app.run_test(size=SIZE) as pilot:
            lesson_index = next(
                i for i, les in enumerate(app.course.lessons) if les.id == "backprop-code"
            )
            lesson = app.course.lessons[lesson_index]
            step_index = next(i for i, s in enumerate(lesson.steps) if s.id == "backward")
            target = Target(
                lesson_index,
                step_index,
                lesson,
                lesson.steps[step_index],
                None,  # type: ignore[arg-type]
            )
            _, screen = await open_target(pilot, app, target)
            path = Path(tmp) / "data" / "code" / "backprop-code" / "backprop.py"
            view = screen.query_one("#verdict", VerdictView)
            await pilot.pause(1.5)  # the spare child starts (once per step, not per save)
            for k in range(saves + 1):
                right = k % 2 == 0
                want = "✓ Right." if right else "transpose of the right one"
                start = save(path, RIGHT if right else TRANSPOSED)
                while want not in str(view.render()):
                    await pilot.pause(
                        0.01
                    )  # the resolution: coarser would add, finer would compete
                if k:  # the first save also warms the worker pool: not counted
                    times.append((time.perf_counter() - start) * 1000)
                await pilot.pause(GAPS(0.5, 0.9))
    return times


def engine_side(saves: int) -> list[float]:
    lesson = load_course().lesson("backprop-code")
    inst = draw(lesson, lesson.step("backward"), 0)
    assert inst.code is not None
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "backprop.py"
        save(path, RIGHT)
        watch = CodeWatch(inst.code, path)
        try:
            time.sleep(1.5)  # the spare child starts
            for k in range(saves):
                right = k % 2 == 0
                start = save(path, RIGHT if right else TRANSPOSED)
                result = watch.check()
                elapsed = (time.perf_counter() - start) * 1000
                assert result is not None and result.verdict.correct == right
                times.append(elapsed)
                time.sleep(GAPS(0.5, 0.9))
        finally:
            watch.close()
    return times


def warm_child(rounds: int, seconds: float = 1.0) -> tuple[list[float], list[float]]:
    ds = load_dataset("xor")
    X = np.asarray(ds.X, dtype=float)
    y = np.asarray(ds.y, dtype=float).reshape(-1)
    net = Network.create(
        n_inputs=2, n_hidden=2, n_outputs=1, activation="sigmoid", biases=False, seed=0
    )
    child_rates, engine_rates = [], []
    with CodeProcess() as child:
        assert child.load(REFERENCE).ok
        W1, W2 = net.W1.copy(), net.W2.copy()
        reply = child.call("backward", [[W1, W2, X, y]], outputs=2)
        grads = net.gradients(X, y)
        np.testing.assert_allclose(reply.results[0].values[0], grads.W1, rtol=1e-10)
        for _ in range(rounds):
            start, n = time.perf_counter(), 0
            while time.perf_counter() - start < seconds:
                values = child.call("backward", [[W1, W2, X, y]], outputs=2).results[0].values
                W1 -= 0.5 * values[0]
                W2 -= 0.5 * values[1]
                n += 1
            child_rates.append(n / (time.perf_counter() - start))
            start, n = time.perf_counter(), 0
            while time.perf_counter() - start < seconds:
                g = net.gradients(X, y)
                net.W1 = net.W1 - 0.5 * g.W1
                net.W2 = net.W2 - 0.5 * g.W2
                n += 1
            engine_rates.append(n / (time.perf_counter() - start))
    return child_rates, engine_rates


def training(rounds: int, epochs: int = 2000) -> tuple[list[float], list[float]]:
    """Epochs/s training with the reference as the learner's backward, and the engine's own."""
    lesson = load_course().lesson("backprop-code")
    config = draw(lesson, lesson.step("train-xor"), 0).train_config
    assert config is not None
    config = dataclasses.replace(config, epochs=epochs)
    mine, engine = [], []
    for _ in range(rounds):
        run = CodeTraining(REFERENCE, config)
        stamps: list[float] = []
        outcome = run.run(lambda k, loss, stamps=stamps: stamps.append(time.perf_counter()))
        assert outcome.matched, outcome.message
        mine.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
        _, X, y = data_arrays(config)
        net = config.make_network(X.shape[1], y.shape[1])
        many = 20 * epochs  # the engine is fast: a longer run for a steady clock
        start = time.perf_counter()
        for _ in train(net, X, y, learning_rate=config.learning_rate, epochs=many):
            pass
        engine.append(many / (time.perf_counter() - start))
    return mine, engine


def print_training(trained: list[float], engine: list[float]) -> None:
    print(
        f"{'training with your backward':<34} median {statistics.median(trained):6.0f} epochs/s"
        f"   (rounds: {', '.join(f'{r:.0f}' for r in trained)})"
    )
    print(
        f"{'engine train(), same config':<34} median {statistics.median(engine):6.0f} "
        f"epochs/s   (yours / engine "
        f"{statistics.median(trained) / statistics.median(engine):.3f})"
    )


def describe(name: str, times: list[float]) -> str:
    return (
        f"{name:<34} median {statistics.median(times):6.0f} ms   worst {max(times):6.0f} ms"
        f"   ({len(times)} saves)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--only-training", action="store_true", help="time training with the learner's code only"
    )
    args = parser.parse_args()
    if args.only_training:
        trained, engine_trained = training(args.rounds)
        print_training(trained, engine_trained)
        return 0 if statistics.median(trained) >= TARGET_EPOCHS else 1
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 CPUs: {os.cpu_count()})")
    screen = asyncio.run(on_screen(args.saves))
    engine = engine_side(args.saves)
    child, own = warm_child(args.rounds)
    trained, engine_trained = training(args.rounds)
    print(describe("save -> verdict on screen", screen))
    print(describe("save -> verdict object (engine)", engine))
    print(
        f"{'warm child, XOR 2-2-1 backward':<34} median {statistics.median(child):6.0f} calls/s"
        f"   (rounds: {', '.join(f'{r:.0f}' for r in child)})"
    )
    print(
        f"{'engine Network.gradients, same':<34} median {statistics.median(own):6.0f} calls/s"
        f"   (child / engine {statistics.median(child) / statistics.median(own):.2f})"
    )
    print_training(trained, engine_trained)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    assert not live_processes(), "a child process was left behind"
    ok = (
        statistics.median(screen) <= TARGET_MS
        and statistics.median(child) >= TARGET_CALLS
        and statistics.median(trained) >= TARGET_EPOCHS
    )
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

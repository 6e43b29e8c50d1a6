"""How much the live training view costs: `python bench/training_ui.py`.

In one process, one app (Textual ``run_test``, headless driver, 80x24, the training view):
1. epochs/second of the same training headless (a bare loop over the engine's ``train``
   iterator that keeps the loss history like the view does, run in a thread while the app sits
   idle with training paused) and UI-live (the view training and redrawing), in alternating
   chunks so each pair sees the same machine load (target: UI-live >= 80 % of headless);
2. the loss plot's refresh time (downsample + plotext + text) with 100 and with 100,000
   epochs of history (target: within 1.5x of each other, each < 15 ms);
3. the CPU share of the UI thread while training runs (``time.thread_time`` in the event-loop
   thread vs wall time) and the share the training thread gets;
4. how long a pause takes to stop the worker, and how many progress messages arrive per second.

``--screenshot PATH`` also saves an SVG of the view mid-run (docs/training-view.svg).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from typing import Any

import numpy as np
from bptutor.engine.nn.training import MAX_EPOCHS

CONFIG = {
    "dataset": "xor",
    "hidden": 4,
    "activation": "tanh",
    "learning_rate": 0.5,
    "epochs": MAX_EPOCHS,  # as many as TrainConfig allows: the run never ends while measured
    "seed": 0,
}


def headless_epochs_per_second(seconds: float) -> float:
    from bptutor.engine.nn.session import LossHistory, data_arrays
    from bptutor.engine.nn.training import TrainConfig, train

    cfg = TrainConfig(**CONFIG)
    _, X, y = data_arrays(cfg)
    net = cfg.make_network(X.shape[1], y.shape[1])
    history = LossHistory()
    start = time.perf_counter()
    deadline = start + seconds
    n = 0
    for record in train(net, X, y, learning_rate=cfg.learning_rate, epochs=cfg.epochs, seed=0):
        history.append(record.loss)
        n += 1
        if n % 256 == 0 and time.perf_counter() >= deadline:
            break
    return n / (time.perf_counter() - start)


def real_history(epochs: int) -> np.ndarray:
    """The loss per epoch of an actual run (the view's curve, not a synthetic one)."""
    from bptutor.engine.nn.session import data_arrays
    from bptutor.engine.nn.training import TrainConfig, train

    cfg = TrainConfig(**{**CONFIG, "learning_rate": 0.05})  # a slow, long descent
    _, X, y = data_arrays(cfg)
    net = cfg.make_network(X.shape[1], y.shape[1])
    records = train(net, X, y, learning_rate=cfg.learning_rate, epochs=epochs, seed=0)
    return np.array([r.loss for r in records])


def plot_refresh_ms(
    widget_size: tuple[int, int], losses: np.ndarray, log_scale: bool, repeats: int = 40
) -> float:
    """Median time of one LossPlot rebuild (downsample + plotext + text) for ``losses``."""
    from bptutor.tui.widgets.loss_plot import LossPlot

    plot = LossPlot()
    plot.log_scale = log_scale
    times = []
    for _ in range(repeats):
        plot.set_history(losses)  # new version: the cache is bypassed
        start = time.perf_counter()
        plot.build(*widget_size)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


async def save_screenshot(path: str) -> int:
    """An SVG of the view mid-run on a 2-D set (decision map) while the loss still falls."""
    from bptutor.engine.nn.training import TrainConfig
    from bptutor.tui.screens.training import TrainingScreen
    from textual.app import App

    screen = TrainingScreen(
        TrainConfig(dataset="moons", hidden=4, activation="tanh", learning_rate=0.1, epochs=20_000)
    )

    class Host(App[None]):
        TITLE = "bptutor train"
        ENABLE_COMMAND_PALETTE = False

        def on_mount(self) -> None:
            self.push_screen(screen)

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.simulate_key("space")
        while screen.epoch < 2000:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.25)  # a progress message or two drawn since
        app.save_screenshot(path)  # while it runs: the status shows epochs/s
        epoch = screen.epoch
        app.simulate_key("escape")
        while screen.running:
            await asyncio.sleep(0.01)
        return epoch


async def ui_live(seconds: float, pairs: int = 1) -> dict[str, Any]:
    """Alternate headless and UI-live chunks of ``seconds`` each, ``pairs`` times, in one app.

    Headless chunks run the bare loop in a thread while the app stays open but idle (training
    paused), so both halves of a pair see the same machine load within a second or two of each
    other; their ratio is far steadier on a shared machine than separate runs minutes apart.
    The order within a pair alternates to cancel drift.
    """
    from bptutor.engine.nn.training import TrainConfig
    from bptutor.tui.screens.training import TrainingProgressed, TrainingScreen
    from bptutor.tui.widgets.loss_plot import LossPlot
    from textual.app import App

    class Host(App[None]):
        ENABLE_COMMAND_PALETTE = False

        def on_mount(self) -> None:
            self.push_screen(TrainingScreen(TrainConfig(**CONFIG)))

    app = Host()
    seen: set[tuple[int, int]] = set()  # (run, epoch): one per message (ids get reused)

    def counting_hook(message: object) -> None:
        if isinstance(message, TrainingProgressed):
            seen.add((message.run_id, message.epoch))

    headless: list[float] = []
    live: list[float] = []
    ui_cpu: list[float] = []
    process_cpu: list[float] = []
    messages: list[float] = []
    pause_ms: list[float] = []
    async with app.run_test(size=(80, 24), message_hook=counting_hook) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TrainingScreen)

        async def live_chunk() -> None:
            app.simulate_key("space")
            while not screen.running:
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.3)  # warm up: the first redraws after a start
            e0, w0 = screen.epoch, time.perf_counter()
            u0, p0 = time.thread_time(), time.process_time()
            m0 = len(seen)
            await asyncio.sleep(seconds)
            e1, w1 = screen.epoch, time.perf_counter()
            u1, p1 = time.thread_time(), time.process_time()
            wall = w1 - w0
            live.append((e1 - e0) / wall)
            ui_cpu.append((u1 - u0) / wall)
            process_cpu.append((p1 - p0) / wall)
            messages.append((len(seen) - m0) / wall)
            # pause latency: key posted -> worker stopped
            t_key = time.perf_counter()
            app.simulate_key("space")
            while screen.running:
                await asyncio.sleep(0.0005)
            pause_ms.append(1000 * (time.perf_counter() - t_key))
            stopped_epoch = screen.epoch
            await asyncio.sleep(0.1)
            assert screen.epoch == stopped_epoch, "training went on after the pause"

        async def headless_chunk() -> None:
            headless.append(await asyncio.to_thread(headless_epochs_per_second, seconds))

        for i in range(pairs):
            order = (headless_chunk, live_chunk) if i % 2 == 0 else (live_chunk, headless_chunk)
            for chunk in order:
                await chunk()
        plot = screen.query_one(LossPlot)
        plot_size = (plot.size.width, plot.size.height)
    return {
        "headless": headless,
        "live": live,
        "ratios": [lv / h for lv, h in zip(live, headless, strict=True)],
        "ui_cpu": ui_cpu,
        "process_cpu": process_cpu,
        "messages_per_s": messages,
        "pause_ms": pause_ms,
        "plot_w": plot_size[0],
        "plot_h": plot_size[1],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="length of each chunk")
    parser.add_argument(
        "--pairs",
        type=int,
        default=12,
        help="headless / UI-live chunk pairs (alternating); medians are reported",
    )
    parser.add_argument("--screenshot", metavar="PATH", help="save an SVG of the view mid-run")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also measure with the worker's draw hand-over and the plot throttle off "
        "(DRAW_WAIT = PLOT_INTERVAL = 0), in rounds alternating with the normal setting",
    )
    args = parser.parse_args(argv)

    if args.compare:
        compare(args.seconds, max(2, args.pairs))
    run = asyncio.run(ui_live(args.seconds, max(1, args.pairs)))
    med = statistics.median
    ratio = med(run["ratios"])
    size = (int(run["plot_w"]), int(run["plot_h"]))
    history = real_history(100_000)
    refresh = {
        (n, log): plot_refresh_ms(size, history[:n], log) for n in (100, 100_000) for log in (0, 1)
    }

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    pairs = len(run["ratios"])
    print(f"training view benchmark (xor 2-4-1 tanh, 80x24, python {sys.version.split()[0]})")
    print(f"  headless            {med(run['headless']):10,.0f} epochs/s (median of {pairs})")
    print(f"  UI live             {med(run['live']):10,.0f} epochs/s (median of {pairs})")
    print(
        f"  UI live / headless  {100 * ratio:5.0f} %  median of the pairs"
        f" (quartiles {100 * _quantile(run['ratios'], 0.25):.0f}-"
        f"{100 * _quantile(run['ratios'], 0.75):.0f} %); target >= 80 %: {verdict(ratio >= 0.8)}"
    )
    for log in (0, 1):
        t100, t100k = refresh[(100, log)], refresh[(100_000, log)]
        spread = max(t100, t100k) / min(t100, t100k)
        print(
            f"  plot refresh {'log' if log else 'lin'}    {t100:6.2f} ms at 100 epochs,"
            f" {t100k:6.2f} ms at 100,000 (plot {size[0]}x{size[1]}; ratio {spread:.2f},"
            f" target <= 1.5 and < 15 ms: {verdict(spread <= 1.5 and max(t100, t100k) < 15)})"
        )
    ui_cpu, process_cpu = med(run["ui_cpu"]), med(run["process_cpu"])
    print(
        f"  UI thread CPU       {100 * ui_cpu:5.1f} % of wall time"
        f"  (whole process {100 * process_cpu:.0f} %,"
        f" training thread ~{100 * (process_cpu - ui_cpu):.0f} %)"
    )
    print(f"  progress messages   {med(run['messages_per_s']):5.1f} per second (target <= ~10)")
    print(
        f"  pause               {med(run['pause_ms']):5.1f} ms median, {max(run['pause_ms']):.1f}"
        " ms worst, from key to stopped worker (<= 100)"
    )
    if args.screenshot:
        epoch = asyncio.run(save_screenshot(args.screenshot))
        print(f"  screenshot          {args.screenshot} (moons, running, near epoch {epoch})")
    return 0


def compare(seconds: float, pairs: int) -> None:
    """UI-live / headless with the two measures off and on, alternating rounds of 4 pairs."""
    import bptutor.tui.screens.training as training
    import bptutor.tui.training_worker as worker

    normal = (worker.DRAW_WAIT, training.PLOT_INTERVAL)
    settings = {"off (DRAW_WAIT = PLOT_INTERVAL = 0)": (0.0, 0.0), "on (as shipped)": normal}
    ratios: dict[str, list[float]] = {name: [] for name in settings}
    ui_cpu: dict[str, list[float]] = {name: [] for name in settings}
    try:
        for _ in range(max(1, pairs // 4)):
            for name, (wait, interval) in settings.items():
                worker.DRAW_WAIT, training.PLOT_INTERVAL = wait, interval
                run = asyncio.run(ui_live(seconds, 4))
                ratios[name] += run["ratios"]
                ui_cpu[name] += run["ui_cpu"]
    finally:
        worker.DRAW_WAIT, training.PLOT_INTERVAL = normal
    print("comparison (same run, alternating rounds):")
    for name in settings:
        print(
            f"  {name:36s} UI live / headless {100 * statistics.median(ratios[name]):4.0f} %"
            f" (quartiles {100 * _quantile(ratios[name], 0.25):.0f}-"
            f"{100 * _quantile(ratios[name], 0.75):.0f} %),"
            f" UI thread CPU {100 * statistics.median(ui_cpu[name]):.1f} %"
        )


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


if __name__ == "__main__":
    sys.exit(main())

"""Pilot tests of the training view, hosted in a tiny app of its own."""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Callable

import numpy as np
import pytest
from bptutor.engine.nn.session import LEARNING_RATES, PROBE_EPOCHS, Phase
from bptutor.engine.nn.training import TrainConfig
from bptutor.tui.screens.training import TrainingProgressed, TrainingScreen
from bptutor.tui.widgets.fit_plot import DataView
from bptutor.tui.widgets.loss_plot import LossPlot
from bptutor.tui.widgets.network_diagram import NetworkDiagram
from textual.app import App
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Static
from tui_helpers import screen_lines

SIZE = (80, 24)


class Host(App[None]):
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, screen: TrainingScreen) -> None:
        super().__init__()
        self.training = screen

    def on_mount(self) -> None:
        self.push_screen(self.training)


def xor_config(**changes: object) -> TrainConfig:
    base = {
        "dataset": "xor",
        "hidden": 4,
        "activation": "tanh",
        "learning_rate": 0.5,
        "epochs": 1_000_000,
        "seed": 0,
    }
    base.update(changes)
    return TrainConfig(**base)


async def wait_for(pilot: Pilot, condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Let the app run until ``condition()`` holds (fails after ``timeout`` seconds)."""
    loop_time = 0.0
    while not condition():
        if loop_time > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.02)
        loop_time += 0.02


async def press_live(pilot: Pilot, *keys: str) -> None:
    """Press keys without ``pilot.press``'s idle wait.

    Pilot waits until the *process* is idle, which never happens while the training thread
    works, so every ``pilot.press`` would cost its one-second cap. Tests wait for the effect.
    """
    for key in keys:
        pilot.app.simulate_key(key)
        await pilot.pause(0.05)


def status(screen: TrainingScreen) -> str:
    return str(screen.query_one("#training-status", Static).content)


def diverged(screen: TrainingScreen) -> bool:
    return screen.session.phase is Phase.DIVERGED


def config_line(screen: TrainingScreen) -> str:
    return str(screen.query_one("#training-config", Static).content)


def shown_epoch(screen: TrainingScreen) -> int:
    match = re.search(r"epoch ([\d,]+)", status(screen))
    assert match, status(screen)
    return int(match.group(1).replace(",", ""))


def training_threads() -> list[int]:
    """Threads whose stack is inside the training worker's loop right now."""
    busy = []
    for ident, frame in sys._current_frames().items():
        f = frame
        while f is not None:
            if f.f_code.co_name == "_train_in_thread":
                busy.append(ident)
                break
            f = f.f_back
    return busy


def no_training_left(app: App) -> bool:
    running = [w for w in app.workers if w.is_running]
    return not running and not training_threads()


def footer_actions(app: App) -> list[str]:
    """The actions whose keys the footer shows, in order, read from the screen's last row
    ("space run s step ..."): each key is followed by its binding's description."""
    words = screen_lines(app)[-1].split()
    shown = {b.description: b.action for b in TrainingScreen.BINDINGS if b.show}
    return [shown[word] for word in words[1::2]]


async def test_running_advances_the_epoch_and_the_plotted_loss() -> None:
    screen = TrainingScreen(xor_config())
    async with Host(screen).run_test(size=SIZE) as pilot:
        await pilot.pause()
        plot = screen.query_one(LossPlot)
        assert shown_epoch(screen) == 0 and len(plot.losses) == 0
        empty_plot = plot.render_text().plain
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: screen.running)
        await wait_for(pilot, lambda: shown_epoch(screen) > 0)
        first = shown_epoch(screen)
        first_losses = plot.losses.copy()
        await wait_for(pilot, lambda: shown_epoch(screen) > first + 50)
        assert "running" in status(screen) and "/s" in status(screen)
        # the plot draws the history (up to PLOT_INTERVAL behind the status), and it grows
        await wait_for(pilot, lambda: len(plot.losses) > len(first_losses))
        assert len(plot.losses) <= shown_epoch(screen)
        assert plot.render_text().plain != empty_plot
        # XOR with lr 0.5 learns: the loss falls
        assert plot.losses[-1] < plot.losses[0]
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: no_training_left(pilot.app))
        # paused: the plot covers exactly the epochs the status reports (in buckets once the
        # run is long: a loaded machine may pass 4,096 epochs before the pause)
        await wait_for(pilot, lambda: plot.epochs == shown_epoch(screen) == screen.epoch)


async def test_pause_stops_the_counter_and_step_advances_by_one() -> None:
    screen = TrainingScreen(xor_config())
    async with Host(screen).run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: shown_epoch(screen) > 10)
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: not screen.running)
        paused_at = screen.epoch
        await pilot.pause(0.15)
        assert screen.epoch == paused_at == shown_epoch(screen)
        assert "paused" in status(screen)
        await pilot.press("s")
        assert screen.epoch == shown_epoch(screen) == paused_at + 1
        await pilot.press("s")
        assert screen.epoch == shown_epoch(screen) == paused_at + 2
        await wait_for(pilot, lambda: no_training_left(pilot.app))


async def test_step_matches_the_engine_on_a_copy() -> None:
    """A single step applies exactly one epoch of the engine's train to the shown net."""
    from bptutor.engine.nn.training import train

    screen = TrainingScreen(xor_config())
    async with Host(screen).run_test(size=SIZE) as pilot:
        await pilot.pause()
        reference = screen.session.net.copy()
        step = next(
            train(
                reference, screen.session.X, screen.session.y, learning_rate=0.5, epochs=1, seed=0
            )
        )
        await pilot.press("s")
        np.testing.assert_allclose(screen.session.net.W1, reference.W1)
        np.testing.assert_allclose(screen.session.net.W2, reference.W2)
        assert screen.session.history.last() == pytest.approx(step.loss)


async def test_learning_rate_keys_change_the_rate_and_keep_training() -> None:
    screen = TrainingScreen(xor_config(learning_rate=0.1))
    async with Host(screen).run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: shown_epoch(screen) > 10)
        await press_live(pilot, "plus")
        higher = min(r for r in LEARNING_RATES if r > 0.1)
        await wait_for(pilot, lambda: screen.session.config.learning_rate == higher)
        assert f"lr {higher:g}" in config_line(screen)
        assert screen.running  # a control change does not stop the run
        before = screen.epoch
        assert before > 0  # the history is kept: the rate changes mid-run
        await wait_for(pilot, lambda: shown_epoch(screen) > before + 10)
        await press_live(pilot, "minus", "minus")
        lower = max(r for r in LEARNING_RATES if r < 0.1)
        await wait_for(pilot, lambda: screen.session.config.learning_rate == lower)
        assert screen.running
        await press_live(pilot, "escape")
        await wait_for(pilot, lambda: no_training_left(pilot.app))


async def test_reset_draws_the_initial_weights_from_the_seed_again() -> None:
    config = xor_config()
    screen = TrainingScreen(config)
    async with Host(screen).run_test(size=SIZE) as pilot:
        fresh = config.make_network(2, 1)
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: shown_epoch(screen) > 20)
        await press_live(pilot, "space", "r")
        await wait_for(pilot, lambda: screen.epoch == 0 and not screen.running)
        assert screen.epoch == shown_epoch(screen) == 0
        assert len(screen.query_one(LossPlot).losses) == 0
        np.testing.assert_array_equal(screen.session.net.W1, fresh.W1)
        np.testing.assert_array_equal(screen.session.net.W2, fresh.W2)


async def test_a_huge_learning_rate_diverges_with_a_message() -> None:
    screen = TrainingScreen(xor_config(learning_rate=1000))
    async with Host(screen).run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: diverged(screen))
        message = screen.query_one("#training-message", Static)
        assert message.display and message.region.height >= 1
        assert "diverged" in str(message.content)  # at once; the advice follows the probe
        assert not screen.running and "diverged" in status(screen)
        await wait_for(pilot, lambda: no_training_left(pilot.app))
        assert re.search(r"Press - \d+ times for lr (\S+),", str(message.content))
        stopped_at = screen.epoch
        await pilot.pause(0.1)
        assert screen.epoch == stopped_at


async def test_leaving_the_view_stops_the_worker() -> None:
    threads_before = set(threading.enumerate())
    screen = TrainingScreen(xor_config())
    async with Host(screen).run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: shown_epoch(screen) > 0)
        assert training_threads()  # it really runs in a thread
        await press_live(pilot, "escape")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, TrainingScreen))
        await wait_for(pilot, lambda: no_training_left(pilot.app), timeout=1.0)
        epoch = screen.epoch
        await pilot.pause(0.1)
        assert screen.epoch == epoch
    # whatever is left is the executor's idle pool, not our training
    assert not training_threads()
    extra = set(threading.enumerate()) - threads_before
    assert all(not t.is_alive() or t.name.startswith("asyncio") for t in extra)


async def test_progress_messages_are_throttled() -> None:
    seen: set[tuple[int, int]] = set()  # (run, epoch): one per message

    def hook(message: object) -> None:
        if isinstance(message, TrainingProgressed):
            seen.add((message.run_id, message.epoch))

    screen = TrainingScreen(xor_config())
    async with Host(screen).run_test(size=SIZE, message_hook=hook) as pilot:
        started = time.perf_counter()
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: screen.epoch > 0)
        await pilot.pause(0.6)
        await press_live(pilot, "space")
        elapsed = time.perf_counter() - started
        # at most ~10 a second, however many epochs ran meanwhile
        assert 1 <= len(seen) <= 10 * elapsed + 2
        assert screen.epoch > 5 * len(seen)


async def test_controls_rebuild_the_network_and_switch_the_views() -> None:
    screen = TrainingScreen(xor_config(epochs=500))
    async with Host(screen).run_test(size=SIZE) as pilot:
        await pilot.press("M")
        assert screen.session.net.n_hidden == 5 and "2-5-1" in config_line(screen)
        await pilot.press("m", "m")
        assert screen.session.net.n_hidden == 3 and "2-3-1" in config_line(screen)
        await pilot.press("a")
        assert screen.session.net.activation == "relu" and "relu" in config_line(screen)
        await pilot.press("b")
        assert screen.session.config.batch_size is not None and "mini-batch" in config_line(screen)
        await pilot.press("b")
        assert screen.session.config.batch_size is None and "full batch" in config_line(screen)
        await pilot.press("l")
        assert screen.query_one(LossPlot).log_scale
        diagram = screen.query_one(NetworkDiagram)
        assert "forward" in diagram.render_text().plain
        await pilot.press("v")
        assert "∂E/∂W" in diagram.render_text().plain
        assert screen.query_one(DataView).values.kind == "map"  # XOR is 2-D
        await pilot.press("d")  # xor -> sine: a 1-D fit
        assert screen.session.config.dataset == "sine" and screen.session.X.shape[1] == 1
        assert screen.query_one(DataView).values.kind == "fit"
        # a run of a lesson's length stops by itself and says so
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: screen.epoch > 0 and not screen.running)
        assert screen.epoch == 500 and "finished" in status(screen)


async def test_a_small_network_fits_80x24() -> None:
    """A 2-2-1 net at the smallest supported size: plot, diagram, footer all on screen."""
    screen = TrainingScreen(xor_config(hidden=2))
    async with Host(screen).run_test(size=SIZE) as pilot:
        await pilot.pause()
        plot = screen.query_one(LossPlot)
        diagram = screen.query_one(NetworkDiagram)
        assert plot.size.height >= 8 and plot.size.width >= 40
        assert diagram.region.bottom <= 23 and diagram.size.height >= 4  # above the footer
        text = diagram.render_text().plain
        assert "h₁" in text and "h₂" in text and "ŷ" in text


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_the_footer_shows_the_main_keys_first_and_nothing_is_cut(
    size: tuple[int, int],
) -> None:
    screen = TrainingScreen(xor_config(epochs=50), paced=False)
    async with Host(screen).run_test(size=size) as pilot:
        await pilot.pause()
        bindings = TrainingScreen.BINDINGS
        assert all(b.id and b.id.startswith("training.") and b.description for b in bindings)
        # the most important first, in short clear words, the last one whole (nothing cut off at
        # the right edge); the rest are one key away (? lists every key)
        footer = screen_lines(pilot.app)[-1]
        assert footer == "space run s step r reset +/- rate f speed esc back ? keys"
        assert footer_actions(pilot.app) == [
            "toggle_run",
            "step",
            "reset",
            "lr_up",
            "toggle_pace",
            "leave",
            "show_keys",
        ]
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: "finished" in status(screen))
        line = screen.query_one("#training-status", Static)
        assert len(status(screen)) <= size[0] - 2 or line.size.height > 1  # wraps, never cut
        await pilot.press("question_mark")
        from bptutor.tui.screens.help import HelpScreen

        assert isinstance(pilot.app.screen, HelpScreen)
        help_text = str(pilot.app.screen.query_one("#help-text", Static).content)
        for key in ("m", "M", "a", "d", "b", "l", "v", "e", "f", "q"):
            assert f"  {key} " in help_text or f" {key} /" in help_text or f"/ {key} " in help_text


async def test_q_quits_from_the_training_view() -> None:
    screen = TrainingScreen(xor_config())
    async with Host(screen).run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: screen.running)
        await pilot.press("q")
        await wait_for(pilot, lambda: pilot.app.return_code is not None)
        assert no_training_left(pilot.app)


async def test_the_decision_map_is_computed_again_for_a_new_size() -> None:
    screen = TrainingScreen(xor_config())
    async with Host(screen).run_test(size=SIZE) as pilot:
        view = screen.query_one(DataView)

        def map_fits_view() -> bool:
            values = view.values
            return (
                values is not None
                and values.grid is not None
                and values.grid.shape
                == (
                    view.size.height - 1,
                    view.size.width,
                )
            )

        await wait_for(pilot, map_fits_view)
        small = view.values.grid.shape  # type: ignore[union-attr]
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: map_fits_view() and view.values.grid.shape != small)  # type: ignore[union-attr]
        assert view.values.grid.shape[0] > small[0] and not screen.running  # type: ignore[union-attr]
        await pilot.resize_terminal(60, 20)
        await wait_for(pilot, lambda: map_fits_view() and view.values.grid.shape[1] < small[1])  # type: ignore[union-attr]


@pytest.mark.parametrize(("key", "said"), [("a", "relu"), ("M", "5 hidden units"), ("d", "sine")])
async def test_a_change_that_makes_a_new_network_says_so_in_the_status(key: str, said: str) -> None:
    screen = TrainingScreen(xor_config())
    async with Host(screen).run_test(size=SIZE) as pilot:
        await pilot.press("s", "s")
        assert screen.epoch == 2
        await pilot.press(key)
        assert screen.epoch == 0
        assert f"new network: {said}" in status(screen)
        await pilot.press("s")
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: "new network" not in status(screen))


async def test_a_lesson_run_is_paced_and_f_runs_it_at_full_speed() -> None:
    from bptutor.engine.nn.session import PACE_SECONDS

    screen = TrainingScreen(xor_config(epochs=500))
    async with Host(screen).run_test(size=SIZE) as pilot:
        assert screen.session.paced
        started = time.perf_counter()
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: screen.epoch >= 100)
        # 500 epochs in PACE_SECONDS: 100 take at least a fifth of it (however fast the machine)
        assert time.perf_counter() - started >= 0.2 * PACE_SECONDS * 0.9
        assert "(paced)" in status(screen)
        await press_live(pilot, "f")
        assert not screen.session.paced
        await wait_for(pilot, lambda: screen.epoch == 500 and not screen.running, timeout=10)
        assert "finished" in status(screen)


async def test_non_finite_weights_ask_for_a_reset_instead_of_crashing() -> None:
    screen = TrainingScreen(xor_config())
    async with Host(screen).run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen.session.net.W1[0, 0] = np.nan  # what a blown-up mini-batch epoch can leave behind
        await pilot.press("space")
        assert not screen.running and no_training_left(pilot.app)
        message = str(screen.query_one("#training-message", Static).content)
        assert "press r" in message
        await pilot.press("s")
        assert screen.epoch == 0
        await pilot.press("r", "s")
        assert np.all(np.isfinite(screen.session.net.W1)) and screen.epoch == 1


async def test_an_engine_error_in_the_worker_is_shown_not_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bptutor.engine.nn.session as session_module

    def broken_train(*args: object, **kwargs: object) -> None:
        raise ValueError("learning_rate must be a number with 0 < learning_rate <= 1000")

    screen = TrainingScreen(xor_config())
    async with Host(screen).run_test(size=SIZE) as pilot:
        await pilot.pause()
        monkeypatch.setattr(session_module, "train", broken_train)
        await press_live(pilot, "space")
        await wait_for(
            pilot,
            lambda: (
                "Training stopped" in str(screen.query_one("#training-message", Static).content)
            ),
        )
        assert not screen.running and "learning_rate" in str(
            screen.query_one("#training-message", Static).content
        )
        await wait_for(pilot, lambda: no_training_left(pilot.app))


def widget_lines(widget: object) -> list[str]:
    """What a widget shows on screen, line by line (its rendered strips, as drawn)."""
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("backward", [False, True])
async def test_the_lessons_xor_231_network_is_fully_readable_with_the_plot(
    size: tuple[int, int], backward: bool
) -> None:
    """Lesson 12's train step (XOR, 2-3-1 tanh, biases): plot, map and every diagram value."""
    from bptutor.tui.widgets.network_diagram import diagram_values, fmt

    screen = TrainingScreen(xor_config(hidden=3, epochs=500))
    async with Host(screen).run_test(size=size) as pilot:
        await pilot.press("s", "s", "s")
        if backward:
            await pilot.press("v")
        await pilot.pause()
        plot = screen.query_one(LossPlot)
        diagram = screen.query_one(NetworkDiagram)
        assert plot.size.height >= 10 and plot.size.width >= 40
        assert screen.query_one(DataView).size.width >= 22
        # the diagram is on screen above the footer, as tall as its text, nothing cut
        assert diagram.region.bottom <= size[1] - 1
        shown = "\n".join(widget_lines(diagram))
        assert shown == diagram.render_text().plain.rstrip("\n") or all(
            a.rstrip() == b.rstrip()
            for a, b in zip(shown.split("\n"), diagram.render_text().plain.split("\n"), strict=True)
        )
        assert "…" not in shown
        v = diagram_values(screen.session.net, screen.session.X, screen.session.y, 0)
        w = 5 if diagram.size.width < 100 else 6
        if backward:
            numbers = [*v.dW1.ravel(), *v.dW2.ravel(), *v.delta_hidden, *v.delta_out]
        else:
            numbers = [*v.W1.ravel(), *v.b1, *v.W2.ravel(), *v.z, *v.a, *v.y_hat, *v.y, *v.b2]
        missing = [x for x in numbers if fmt(x, w).strip() not in shown]
        assert not missing, (missing, shown)
        assert "e: next" in shown  # the example key, which the footer has no room for


async def test_the_notes_321_network_fits_the_diagram_at_80_columns() -> None:
    """No data set has 3 inputs, but the diagram widget on this screen must hold the notes'
    3-2-1 network (sigmoid, no biases) whole."""
    from bptutor.engine.nn.training import TrainConfig as Config
    from bptutor.tui.widgets.network_diagram import diagram_values, fmt

    screen = TrainingScreen(xor_config())
    async with Host(screen).run_test(size=SIZE) as pilot:
        await pilot.pause()
        net = Config(hidden=2, activation="sigmoid", biases=False).make_network(3, 1)
        X = np.array([[0.5, -1.0, 2.0]])
        values = diagram_values(net, X, np.array([[1.0]]), 0)
        diagram = screen.query_one(NetworkDiagram)
        diagram.set_values(values)
        await pilot.pause()
        shown = "\n".join(widget_lines(diagram))
        assert len(shown.split("\n")) == len(diagram.render_text().plain.split("\n"))
        numbers = [*values.x, *values.W1.ravel(), *values.W2.ravel(), *values.z, *values.a]
        numbers += [*values.y_hat, *values.y]
        missing = [x for x in numbers if fmt(x, 5).strip() not in shown]
        assert not missing and "…" not in shown, shown
        assert diagram.region.bottom <= SIZE[1] - 1


async def test_every_key_is_discoverable_and_listed_in_training_keys() -> None:
    from bptutor.tui.screens.training import TRAINING_KEYS

    listed = dict(TRAINING_KEYS)
    # derived from BINDINGS: every binding's key is in the list, every action once
    actions = {b.action for b in TrainingScreen.BINDINGS}
    assert len(TRAINING_KEYS) == len(actions)
    labels = " / ".join(listed)
    for key in ("space", "s", "r", "+", "=", "-", "m", "M", "a", "d", "b", "l", "v", "e", "esc"):
        assert key in labels.split(" / "), key
    assert all(what and len(what) <= 50 for what in listed.values())
    screen = TrainingScreen(xor_config())
    async with Host(screen).run_test(size=SIZE) as pilot:
        await pilot.pause()
        in_footer = set(footer_actions(pilot.app))
        hidden = [b for b in TrainingScreen.BINDINGS if b.action not in in_footer]
        diagram_text = screen.query_one(NetworkDiagram).render_text().plain
        assert "show_keys" in in_footer  # every key not in the footer is in that list
        for binding in hidden:
            assert binding.tooltip in listed.values(), binding
        assert "example 1/4" in diagram_text
        await pilot.press("e")
        assert "example 2/4" in screen.query_one(NetworkDiagram).render_text().plain
        await pilot.press("e", "e", "e")  # the fifth press comes back to the first example
        assert "example 1/4" in screen.query_one(NetworkDiagram).render_text().plain


async def it_trains_on_without_diverging(pilot: Pilot, screen: TrainingScreen) -> None:
    """After the advice was followed: well past the probe's length, then paused, all finite."""
    await wait_for(pilot, lambda: screen.epoch > 2 * PROBE_EPOCHS or diverged(screen))
    assert not diverged(screen) and screen.running
    await press_live(pilot, "space")
    await wait_for(pilot, lambda: no_training_left(pilot.app))
    losses = screen.session.history.curve().exact()
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


async def follow_the_divergence_advice(pilot: Pilot, screen: TrainingScreen) -> float:
    """Press exactly what the divergence message says; returns the rate it named."""
    text = message_text(screen)
    match = re.search(r"Press - (once|\d+ times) for lr (\S+?), then space", text)
    assert match, text
    presses = 1 if match.group(1) == "once" else int(match.group(1).split()[0])
    await pilot.press(*["minus"] * presses)
    suggested = float(match.group(2))
    assert screen.session.config.learning_rate == suggested
    await press_live(pilot, "space")
    return suggested


async def test_divergence_advice_names_a_rate_that_then_trains() -> None:
    screen = TrainingScreen(xor_config(learning_rate=1000))
    async with Host(screen).run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: diverged(screen) and no_training_left(pilot.app))
        advice = message_text(screen)
        assert "the initial weights" in advice
        # one sentence; the reason (e.g. "the loss grew to 3e+30") is in the status line
        assert advice.endswith(".") and ". " not in advice and len(advice) < 100, advice
        assert re.search(r"diverged: the (loss|gradient) ", status(screen)), status(screen)
        suggested = await follow_the_divergence_advice(pilot, screen)
        assert suggested < 100  # the engine's lr/10 (100) diverges again from anywhere here
        assert message_text(screen) == ""
        await it_trains_on_without_diverging(pilot, screen)


async def test_the_plot_redraws_less_often_than_the_status_while_running() -> None:
    from bptutor.tui.screens.training import PLOT_INTERVAL
    from bptutor.tui.training_worker import POST_INTERVAL

    posts: list[float] = []

    def hook(message: object) -> None:
        if isinstance(message, TrainingProgressed):
            posts.append(time.perf_counter())

    screen = TrainingScreen(xor_config(), paced=False)
    async with Host(screen).run_test(size=SIZE, message_hook=hook) as pilot:
        plot = screen.query_one(LossPlot)
        redraws: list[float] = []
        set_history = plot.set_history

        def counting_set_history(losses: np.ndarray) -> None:
            redraws.append(time.perf_counter())
            set_history(losses)

        plot.set_history = counting_set_history  # type: ignore[method-assign]
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: shown_epoch(screen) > 0)
        started = time.perf_counter()
        await pilot.pause(1.0)
        elapsed = time.perf_counter() - started
        plot_redraws = sum(1 for t in redraws if started <= t <= started + elapsed)
        statuses = sum(1 for t in posts if t >= started)
        await press_live(pilot, "space")
        assert 1 <= plot_redraws <= elapsed / PLOT_INTERVAL + 1
        assert plot_redraws < statuses <= elapsed / POST_INTERVAL + 2
        await wait_for(pilot, lambda: no_training_left(pilot.app))


async def test_a_paced_run_redraws_the_plot_with_every_update() -> None:
    """A paced run is watched epoch by epoch: no plot throttle (its worker sleeps anyway)."""
    from bptutor.tui.widgets.gradient_bars import GradientBars

    screen = TrainingScreen(xor_config(epochs=2000))  # a lesson's run: held to its pace
    async with Host(screen).run_test(size=SIZE) as pilot:
        assert screen.session.paced
        plot, bars = screen.query_one(LossPlot), screen.query_one(GradientBars)
        redraws: list[int] = []
        updates: list[int] = []  # progress messages handled: each sets the bars once
        set_history, set_norms = plot.set_history, bars.set_norms

        def counting_set_history(losses: np.ndarray) -> None:
            redraws.append(1)
            set_history(losses)

        def counting_set_norms(norms: tuple[float, ...]) -> None:
            updates.append(1)
            set_norms(norms)

        plot.set_history = counting_set_history  # type: ignore[method-assign]
        bars.set_norms = counting_set_norms  # type: ignore[method-assign]
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: len(updates) >= 6)
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: not screen.running)
        # every update redrew the plot (the pause shows the state once more: bars and plot)
        assert len(redraws) >= len(updates) - 2, (len(redraws), len(updates))


async def test_quitting_the_app_mid_run_leaves_no_training_thread() -> None:
    screen = TrainingScreen(xor_config())
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: shown_epoch(screen) > 0)
        assert training_threads()
        app.exit()
        await pilot.pause(0.1)
    deadline = time.perf_counter() + 1.0
    while training_threads() and time.perf_counter() < deadline:
        time.sleep(0.01)
    assert not training_threads()


def message_text(screen: TrainingScreen) -> str:
    return str(screen.query_one("#training-message", Static).content)


@pytest.mark.parametrize("key", ["a", "d", "m", "M", "r"])
async def test_a_change_that_resets_the_weights_clears_the_divergence_message(key: str) -> None:
    screen = TrainingScreen(xor_config(learning_rate=1000, hidden=3))
    async with Host(screen).run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: diverged(screen) and no_training_left(pilot.app))
        assert "diverged" in message_text(screen)
        await pilot.press(key)
        assert screen.epoch == 0 and not diverged(screen)
        assert message_text(screen) == "" and "paused" in status(screen)
        assert not screen.query_one("#training-message", Static).display


async def test_the_end_of_the_rate_range_is_one_short_notice_however_often_pressed() -> None:
    notices = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notices.append(message.notification)

    screen = TrainingScreen(xor_config(learning_rate=LEARNING_RATES[-1]))
    async with Host(screen).run_test(size=SIZE, message_hook=hook) as pilot:
        await pilot.press(*["plus"] * 6)
        await pilot.pause(0.1)
        assert len(notices) == 1, [n.message for n in notices]
        assert "stays at 1000" in notices[0].message and notices[0].timeout <= 3
        await pilot.press(*["minus"] * len(LEARNING_RATES), "minus")
        await pilot.pause(0.1)
        messages = [n.message for n in notices]
        assert len(messages) == 2 and "stays at 0.0001" in messages[-1]


async def test_the_playgrounds_relu_sine_blow_up_can_be_followed_out_of() -> None:
    """The QA path: d (sine), b (mini-batch), a (relu), + up to 1000, space. A mini-batch
    epoch leaves weights of ~1e28 there, from which every rate diverges again."""
    screen = TrainingScreen(None)
    async with Host(screen).run_test(size=SIZE) as pilot:
        await pilot.press("d", "b", "a", *["plus"] * len(LEARNING_RATES))
        assert (
            screen.session.config.dataset,
            screen.session.config.activation,
            screen.session.config.learning_rate,
        ) == (
            "sine",
            "relu",
            1000,
        )
        assert screen.session.config.batch_size is not None
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: diverged(screen) and no_training_left(pilot.app))
        assert np.abs(screen.session.net.params).max() > 1e20  # what the engine leaves behind
        await follow_the_divergence_advice(pilot, screen)
        assert np.abs(screen.session.net.params).max() < 100  # went back to sane weights
        await it_trains_on_without_diverging(pilot, screen)


async def test_after_a_divergence_the_advice_counts_the_presses_left_and_follows_batch() -> None:
    screen = TrainingScreen(xor_config(learning_rate=1000))
    async with Host(screen).run_test(size=SIZE) as pilot:
        await press_live(pilot, "space")
        await wait_for(pilot, lambda: diverged(screen) and no_training_left(pilot.app))
        first = re.search(r"Press - (\d+) times", message_text(screen))
        assert first, message_text(screen)
        await pilot.press("minus")
        again = re.search(r"Press - (\d+) times|Press - once", message_text(screen))
        assert again and "diverged" in status(screen)
        assert again.group(0) == "Press - once" or int(again.group(1)) == int(first.group(1)) - 1
        await pilot.press("b")  # still diverged: the advice is worked out for mini-batches
        assert screen.session.config.batch_size is not None and "diverged" in status(screen)
        await wait_for(pilot, lambda: no_training_left(pilot.app))  # the probe, off the UI
        assert "Press" in message_text(screen) and "diverged" in message_text(screen)

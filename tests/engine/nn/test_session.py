"""The training session without a UI: phases, the rate ladder, runs in chunks, divergence and
the way back, the controls. The losses are checked against the engine's ``train`` called
directly, the recovered weights against a network trained separately to the same epoch."""

from __future__ import annotations

import dataclasses
import math
import threading
import time

import numpy as np
import pytest
from bptutor.engine.nn.datasets import DATASET_NAMES
from bptutor.engine.nn.session import (
    EPOCHS_PER_LOCK,
    HIDDEN_RANGE,
    LEARNING_RATES,
    PLAYGROUND_EPOCHS,
    PROBE_EPOCHS,
    LossHistory,
    Phase,
    SafeWeights,
    TrainingSession,
    ladder_presses,
    rate_after,
)
from bptutor.engine.nn.training import TrainConfig, train


def xor(**changes: object) -> TrainConfig:
    base: dict[str, object] = {"dataset": "xor", "hidden": 4, "activation": "tanh"}
    base.update(learning_rate=0.5, epochs=100, seed=0)
    base.update(changes)
    return TrainConfig(**base)  # type: ignore[arg-type]


def never() -> bool:
    return False


def run_to_end(session: TrainingSession, report_after: float = math.inf) -> str:
    """Start a run and advance it until it stops; the reason, as the worker would see it."""
    run = session.start_run()
    while True:
        chunk = session.advance(run, never, report_after=report_after)
        assert chunk.last is not None or chunk.stopped is not None
        if chunk.stopped is not None:
            run.close()
            assert session.end_run(run.run_id, chunk.stopped, chunk.detail, session.epoch)
            return chunk.stopped


def direct_losses(config: TrainConfig, epochs: int) -> list[float]:
    """The engine's train on a fresh network of ``config``, called by hand."""
    session = TrainingSession(config)  # only for the data and the initial weights
    net = config.make_network(session.X.shape[1], session.y.shape[1])
    steps = train(
        net,
        session.X,
        session.y,
        learning_rate=config.learning_rate,
        epochs=epochs,
        batch_size=config.batch_size,
        seed=config.seed,
    )
    return [step.loss for step in steps]


# --------------------------------------------------------------------------- the ladder
def test_the_ladder_is_1_2_5_from_1e_4_to_1000() -> None:
    assert LEARNING_RATES[:4] == (1e-4, 2e-4, 5e-4, 1e-3)
    assert LEARNING_RATES[-3:] == (200, 500, 1000)
    assert len(LEARNING_RATES) == 3 * 7 + 1


@pytest.mark.parametrize(
    ("rate", "up", "expected"),
    [
        (0.1, True, 0.2),
        (0.1, False, 0.05),
        (0.2, True, 0.5),
        (0.3, True, 0.5),  # off the ladder (a lesson's rate): the next one on it
        (0.3, False, 0.2),
        (1000, True, None),  # the ends of the range
        (1e-4, False, None),
    ],
)
def test_rate_after_steps_along_the_ladder(rate: float, up: bool, expected: float | None) -> None:
    assert rate_after(rate, up) == expected


def test_the_presses_counted_are_the_presses_that_get_there() -> None:
    assert ladder_presses(1000, 0.1) == -12
    assert ladder_presses(0.1, 0.5) == 2 and ladder_presses(0.5, 0.5) == 0
    for start in (*LEARNING_RATES[::3], 0.3):
        for target in LEARNING_RATES[::2]:
            presses, rate = ladder_presses(start, target), start
            for _ in range(abs(presses)):
                rate = rate_after(rate, presses > 0)
            assert rate is not None and math.isclose(rate, target), (start, target)


def test_the_session_changes_its_rate_and_keeps_the_weights() -> None:
    session = TrainingSession(xor(learning_rate=0.2))
    session.step()
    params = session.net.params.copy()
    assert session.rate_after(up=True) == 0.5
    session.set_learning_rate(0.5)
    assert session.config.learning_rate == 0.5 and session.epoch == 1
    np.testing.assert_array_equal(session.net.params, params)
    session.set_learning_rate(1000)
    assert session.rate_after(up=True) is None


# -------------------------------------------------------------------- runs and phases
def test_a_run_goes_through_its_phases_and_trains_as_train_does() -> None:
    config = xor(epochs=100)
    session = TrainingSession(config)
    assert session.phase is Phase.IDLE and session.epoch == 0 and not session.playground
    run = session.start_run()
    assert session.phase is Phase.RUNNING and session.running and run.epochs == 100
    chunk = session.advance(run, never)
    assert 1 <= session.epoch <= EPOCHS_PER_LOCK and chunk.stopped is None
    session.stop()
    assert session.phase is Phase.IDLE
    # the stopped run's last message is stale now: it changes nothing
    assert not session.end_run(run.run_id, "finished", None, session.epoch)
    assert session.phase is Phase.IDLE
    assert run_to_end(session) == "finished"
    assert session.phase is Phase.FINISHED and session.epoch == 100
    # chunks, a stop and a second run give exactly the losses of one continuous call
    np.testing.assert_allclose(
        session.history.curve().exact(), direct_losses(config, 100), rtol=1e-12
    )
    # finished: the next run goes one block further
    session.start_run()
    assert session.target_epochs == 200 and session.phase is Phase.RUNNING


def test_single_steps_and_mini_batch_runs_resume_exactly() -> None:
    config = xor(dataset="moons", batch_size=16, learning_rate=0.2, epochs=40, seed=3)
    session = TrainingSession(config)
    for _ in range(7):
        session.step()
    assert session.phase is Phase.IDLE
    assert run_to_end(session) == "finished" and session.epoch == 40
    np.testing.assert_allclose(
        session.history.curve().exact(), direct_losses(config, 40), rtol=1e-12
    )


def test_an_error_in_the_engine_pauses_the_session() -> None:
    session = TrainingSession(xor())
    run = session.start_run()
    assert session.end_run(run.run_id, "error", "ValueError: broken", session.epoch)
    assert session.phase is Phase.IDLE and session.divergence is None


def test_the_playground_runs_a_million_epochs_at_a_time() -> None:
    session = TrainingSession(None)
    assert session.playground and session.target_epochs == PLAYGROUND_EPOCHS
    assert dataclasses.replace(session.config, epochs=2000) == TrainConfig()


# ------------------------------------------------------------------ cancellation
def test_cancellation_is_checked_before_every_epoch() -> None:
    session = TrainingSession(xor())
    run = session.start_run()
    asked = 0

    def cancelled_after_five() -> bool:
        nonlocal asked
        asked += 1
        return asked > 5

    chunk = session.advance(run, cancelled_after_five)
    while chunk.stopped is None:  # a chunk may end early (LOCK_SECONDS on a busy machine)
        chunk = session.advance(run, cancelled_after_five)
    assert chunk.stopped == "cancelled" and session.epoch == 5 and asked == 6
    chunk = session.advance(run, lambda: True)
    assert chunk.stopped == "cancelled" and session.epoch == 5


def test_once_stop_returns_no_epoch_follows() -> None:
    """A real worker thread loops over advance; stop() (after the flag) is final."""
    session = TrainingSession(xor(epochs=10**7))
    run = session.start_run()
    cancel = threading.Event()
    reasons: list[str] = []

    def worker() -> None:
        while True:
            chunk = session.advance(run, cancel.is_set)
            if chunk.stopped is not None:
                reasons.append(chunk.stopped)
                return

    thread = threading.Thread(target=worker)
    thread.start()
    deadline = time.perf_counter() + 10
    while session.epoch < 200 and time.perf_counter() < deadline:
        time.sleep(0.001)
    cancel.set()
    session.stop()
    stopped_at = session.epoch
    assert stopped_at >= 200 and session.phase is Phase.IDLE
    thread.join(5)
    assert not thread.is_alive() and reasons == ["cancelled"]
    assert session.epoch == stopped_at == len(session.history)


# -------------------------------------------------------------------- divergence
def test_a_step_that_diverges_says_what_happened() -> None:
    session = TrainingSession(xor(learning_rate=1000))
    for _ in range(20):
        session.step()
        if session.phase is Phase.DIVERGED:
            break
    assert session.phase is Phase.DIVERGED and session.divergence is not None
    assert session.divergence.what.startswith("Training diverged at epoch")
    assert "Try a smaller" not in session.divergence.what  # the advice is the session's
    assert session.divergence.learning_rate == 1000


def test_after_a_divergence_the_safe_weights_come_back_and_the_history_is_cut() -> None:
    config = xor(learning_rate=0.5, epochs=10**6)
    session = TrainingSession(config)
    run = session.start_run()
    for _ in range(10):  # report every chunk: weights offered as safe ones each time
        session.advance(run, never, report_after=0.0)
    session.stop()
    session.set_learning_rate(1000)
    assert run_to_end(session, report_after=0.0) == "diverged"
    assert session.phase is Phase.DIVERGED
    k = session.safe.epoch
    assert 0 < k < session.epoch
    trained = session.history.curve().exact()[:k].copy()
    assert session.go_back_if_diverged()
    assert session.phase is Phase.IDLE and session.divergence is None
    assert session.epoch == k
    np.testing.assert_array_equal(session.history.curve().exact(), trained)
    # the weights are those after k epochs at 0.5, as a separate network trained to k has them
    reference = config.make_network(2, 1)
    for _ in train(reference, session.X, session.y, learning_rate=0.5, epochs=k):
        pass
    np.testing.assert_allclose(session.net.params, reference.params, rtol=1e-12)
    assert not session.go_back_if_diverged()  # only once


def test_the_probe_names_a_rate_that_trains_and_the_presses_to_it() -> None:
    session = TrainingSession(xor(learning_rate=1000))
    assert run_to_end(session) == "diverged"
    probe = session.start_probe()
    assert session.probing and session.suggested_rate is None
    assert probe.limit == pytest.approx(100)
    rate = probe.run()
    assert session.probe_done(probe, rate) and not session.probing
    assert rate is not None and rate <= 100 and session.suggested_rate == rate
    # it trains from the safe weights: PROBE_EPOCHS epochs, finite, ending lower
    net = session.net.copy()
    net.params[:] = session.safe.params
    losses = [s.loss for s in train(net, session.X, session.y, learning_rate=rate, epochs=200)]
    assert len(losses) == PROBE_EPOCHS and all(map(math.isfinite, losses))
    assert losses[-1] <= losses[0]
    presses = ladder_presses(1000, rate)
    assert presses < 0
    for _ in range(-presses):
        session.set_learning_rate(session.rate_after(up=False))  # type: ignore[arg-type]
    assert session.config.learning_rate == rate


def test_a_stale_probe_answer_is_dropped() -> None:
    session = TrainingSession(xor(learning_rate=1000))
    assert run_to_end(session) == "diverged"
    old = session.start_probe()
    newer = session.start_probe()  # e.g. b pressed: worked out again for the new batch
    assert not session.probe_done(old, 0.1) and session.suggested_rate is None
    session.reset()
    assert not session.probe_done(newer, 0.1) and session.suggested_rate is None


def test_safe_weights_are_kept_only_while_the_loss_is_at_most_twice_the_best() -> None:
    safe = SafeWeights(np.zeros(3), 0)
    safe.offer(np.ones(3), 2)
    safe.settle(LossHistory.from_values(np.array([1.0, 0.8])))  # epoch 2's loss not known yet
    assert safe.epoch == 0
    safe.settle(LossHistory.from_values(np.array([1.0, 0.8, 1.5])))  # 1.5 <= 2 x 0.8: kept
    assert safe.epoch == 2 and np.all(safe.params == 1)
    safe.offer(np.full(3, 7.0), 3)
    safe.settle(LossHistory.from_values(np.array([1.0, 0.8, 1.5, 1.7])))  # 1.7 > 1.6: dropped
    assert safe.epoch == 2 and np.all(safe.params == 1)


# ----------------------------------------------------------------------- controls
def test_reset_draws_the_initial_weights_again() -> None:
    config = xor()
    session = TrainingSession(config)
    for _ in range(5):
        session.step()
    session.reset()
    assert session.epoch == 0 and session.phase is Phase.IDLE
    assert session.target_epochs == config.epochs
    np.testing.assert_array_equal(session.net.params, config.make_network(2, 1).params)


def test_hidden_activation_and_data_set_changes_make_a_new_network() -> None:
    session = TrainingSession(xor(hidden=4))
    session.step()
    assert session.hidden_after(+1) == 5
    session.set_hidden(5)
    assert session.net.n_hidden == 5 and session.config.hidden == 5 and session.epoch == 0
    session.step()
    session.next_activation()  # tanh -> relu -> sigmoid -> tanh
    assert session.net.activation == "relu" and session.epoch == 0
    session.next_activation()
    assert session.config.activation == "sigmoid"
    session.step()
    session.next_dataset()  # xor -> sine: a 1-D fit
    assert session.config.dataset == "sine" and session.X.shape == (64, 1)
    assert session.net.n_inputs == 1 and session.epoch == 0
    np.testing.assert_array_equal(session.net.params, session.config.make_network(1, 1).params)


def test_the_hidden_units_stay_in_their_range() -> None:
    low = TrainingSession(xor(hidden=HIDDEN_RANGE[0]))
    assert low.hidden_after(-1) is None and low.hidden_after(+1) == 2
    high = TrainingSession(xor(hidden=HIDDEN_RANGE[1]))
    assert high.hidden_after(+1) is None


def test_mini_batches_are_sized_for_the_set_and_kept_across_data_sets() -> None:
    session = TrainingSession(xor())
    session.step()
    session.toggle_batch()
    assert session.config.batch_size == 1 and session.epoch == 1  # XOR: 4 points
    session.next_dataset()  # sine, 64 points: about 10
    assert session.config.batch_size == 10
    session.toggle_batch()
    assert session.config.batch_size is None
    configured = TrainingSession(xor(batch_size=3))
    configured.toggle_batch()
    configured.toggle_batch()
    assert configured.config.batch_size == 3  # the lesson's own size comes back
    configured.next_dataset()
    assert configured.config.batch_size == 3


# ---------------------------------------------------------------------- history
def test_a_curve_of_the_history_stays_valid_while_it_grows() -> None:
    history = LossHistory(capacity=16)
    for i in range(10):
        history.append(float(i))
    curve = history.curve()
    for i in range(10, 100):
        history.append(float(i))
    assert list(curve.exact()) == [float(i) for i in range(10)] and len(curve) == 10
    assert len(history) == 100 and history.last() == 99.0
    copy = history.cut(5)
    copy.append(-1.0)
    assert list(copy.curve().exact()) == [0.0, 1.0, 2.0, 3.0, 4.0, -1.0] and len(history) == 100


def test_a_million_epochs_of_history_take_bounded_memory_and_keep_the_whole_curve() -> None:
    rng = np.random.default_rng(0)
    n = 10**6
    losses = np.exp(-np.linspace(0, 8, n)) + 0.01 * rng.random(n)
    losses[123_456] = 50.0  # a spike, and a NaN: neither may be lost or spread
    losses[654_321] = np.nan
    history = LossHistory()
    sizes = []
    for i, value in enumerate(losses.tolist()):
        history.append(value)
        if i % 100_000 == 99_999:
            sizes.append(history._lo.nbytes + history._hi.nbytes + len(history._tail))
    assert len(history) == n and len(set(sizes)) == 1  # flat: nothing grows with the epochs
    curve = history.curve()
    assert len(curve.lo) <= history.capacity and curve.step >= n // history.capacity
    assert curve.epochs[0] < 1 + curve.step and curve.epochs[-1] > n - curve.step  # whole run
    finite = losses[np.isfinite(losses)]
    assert np.nanmax(curve.hi) == 50.0 and np.nanmin(curve.lo) == finite.min()
    assert history.best == finite.min() and history.last() == losses[-1]
    # each bucket holds the extremes of exactly its epochs
    b = 123_456 // curve.step
    part = losses[b * curve.step : (b + 1) * curve.step]
    assert curve.hi[b] == np.nanmax(part) and curve.lo[b] == np.nanmin(part)
    # the last TAIL epochs are exact (the safe weights look them up)
    assert history.value_at(n - 1) == losses[-1] and history.value_at(n - 10) == losses[-10]
    assert history.value_at(n - LossHistory.TAIL - 1) is None
    # cut back into the tail: exact; further back: its buckets
    back = history.cut(n - 100)
    assert len(back) == n - 100 and back.last() == losses[n - 101]
    assert len(history.cut(500_000)) == 500_000


# ------------------------------------------------------------------ deeper networks
def test_hidden_units_change_every_layer_and_the_depth_key_cycles() -> None:
    session = TrainingSession(xor(hidden=(3, 5)))
    assert session.net.sizes == (2, 3, 5, 1)
    assert session.hidden_after(+1) == (4, 6)
    session.set_hidden(session.hidden_after(-1))  # type: ignore[arg-type]
    assert session.net.sizes == (2, 2, 4, 1) and session.epoch == 0
    low = TrainingSession(xor(hidden=(1, 1)))
    assert low.hidden_after(-1) is None and low.hidden_after(+1) == (2, 2)
    plain = TrainingSession(xor(hidden=4))
    plain.next_depth()
    assert plain.config.hidden_sizes == (4, 4)
    plain.next_depth()
    assert plain.config.hidden_sizes == (4, 4, 4)
    plain.next_depth()
    assert plain.config.hidden == 4 and plain.net.sizes == (2, 4, 1)


def test_runs_report_each_layers_gradient_norm_as_the_engine_computes_it() -> None:
    session = TrainingSession(xor(hidden=(4, 4), activation="sigmoid"))
    expected = session.net.gradients(session.X, session.y).layer_norms()
    step = session.step()
    assert step is not None and len(step.layer_grad_norms) == 3
    np.testing.assert_allclose(step.layer_grad_norms, expected, rtol=1e-10)


def test_the_playground_trains_the_spiral_with_softmax_and_cross_entropy() -> None:
    session = TrainingSession(None)
    while session.config.dataset != "spiral":
        session.next_dataset()
    assert session.net.loss == "cross_entropy" and session.net.output == "softmax"
    assert session.net.sizes[-1] == 3
    first = session.step()
    for _ in range(30):
        last = session.step()
    assert first is not None and last is not None and last.loss < first.loss
    session.next_dataset()  # back to xor: squared error again
    assert session.config.dataset == "xor" and session.net.loss == "mse"
    assert session.net.output == "identity"


def test_a_lessons_loss_is_kept_where_it_suits_the_data_set() -> None:
    config = TrainConfig(dataset="spiral", hidden=[8, 8], loss="cross_entropy", epochs=50)
    session = TrainingSession(config)
    assert session.net.sizes == (2, 8, 8, 3)
    session.next_dataset()  # xor: one output, so cross-entropy cannot go on: mse
    assert session.config.dataset == "xor" and session.net.loss == "mse"
    for _ in range(len(DATASET_NAMES) - 1):
        session.next_dataset()
    assert session.config.dataset == "spiral" and session.net.loss == "cross_entropy"

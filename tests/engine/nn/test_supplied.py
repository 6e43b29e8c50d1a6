"""Training with supplied gradients: the engine's own gradients reproduce `train` exactly."""

from __future__ import annotations

import numpy as np
import pytest
from bptutor.engine.nn.network import Network
from bptutor.engine.nn.supplied import SuppliedGradientError, train_with_gradients
from bptutor.engine.nn.training import train

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def net(seed: int = 3) -> Network:
    return Network.create(2, n_outputs=1, hidden=2, activation="sigmoid", biases=False, seed=seed)


def engine_gradients(start: Network):
    """The gradients Network.backward computes (a different code path from train's kernel)."""

    def gradients(weights):
        return Network(list(weights), activation="sigmoid").gradients(X, Y).weights

    return gradients


def test_engine_gradients_reproduce_train() -> None:
    a, b = net(), net()
    mine = [e.loss for e in train_with_gradients(a, X, Y, engine_gradients(a), 1.0, 300)]
    ref = [e.loss for e in train(b, X, Y, learning_rate=1.0, epochs=300)]
    np.testing.assert_allclose(mine, ref, rtol=1e-12)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10)
    assert mine[-1] < mine[0]


def test_each_call_gets_copies_of_the_current_weights() -> None:
    a = net()
    seen = []

    def gradients(weights):
        seen.append([w.copy() for w in weights])
        weights[0][...] = 99.0  # scribbling on the copy changes nothing
        return [np.zeros_like(w) + 0.1 for w in weights]

    steps = list(train_with_gradients(a, X, Y, gradients, 0.5, 3))
    assert [s.epoch for s in steps] == [1, 2, 3]
    np.testing.assert_allclose(seen[1][0], seen[0][0] - 0.05)
    np.testing.assert_allclose(a.W1, seen[0][0] - 0.15)


def test_wrong_shapes_and_counts_are_refused() -> None:
    with pytest.raises(SuppliedGradientError, match=r"gradient 2 has shape \(2,\); W2"):
        list(train_with_gradients(net(), X, Y, lambda w: [w[0], np.zeros(2)], 0.5, 2))
    with pytest.raises(SuppliedGradientError, match="expected 2 gradients"):
        list(train_with_gradients(net(), X, Y, lambda w: [w[0]], 0.5, 2))


def test_a_callable_that_raises_ends_the_run_with_its_exception() -> None:
    calls = []

    def gradients(weights):
        calls.append(1)
        if len(calls) == 4:
            raise KeyError("learner")
        return [np.zeros_like(w) for w in weights]

    steps = train_with_gradients(net(), X, Y, gradients, 0.5, 10)
    got = [next(steps) for _ in range(3)]
    assert [s.epoch for s in got] == [1, 2, 3]
    with pytest.raises(KeyError):
        next(steps)


def test_non_finite_gradients_diverge_without_touching_the_weights() -> None:
    a = net()
    before = a.params.copy()
    steps = list(train_with_gradients(a, X, Y, lambda w: [w[0] * np.nan, w[1]], 0.5, 5))
    assert len(steps) == 1 and steps[0].diverged and "NaN" in steps[0].message
    np.testing.assert_array_equal(a.params, before)


def test_networks_with_biases_are_refused() -> None:
    with_biases = Network.create(2, n_outputs=1, hidden=2, biases=True, seed=0)
    with pytest.raises(ValueError, match="without biases"):
        train_with_gradients(with_biases, X, Y, lambda w: w, 0.5, 1)

"""train(): it learns, it is deterministic, it stops cleanly on divergence, it checks input."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from bptutor.engine.nn.datasets import DATASET_NAMES, load_dataset
from bptutor.engine.nn.network import Network
from bptutor.engine.nn.training import Epoch, TrainConfig, train


def _run(net, X, y, **kw):
    return list(train(net, X, y, **kw))


def _hand_gd(net: Network, X, y, lr: float, epochs: int):
    """Plain full-batch gradient descent through the public, allocating API."""
    losses, norms = [], []
    for _ in range(epochs):
        losses.append(net.cost(X, y))
        g = net.gradients(X, y)
        norms.append(g.norm())
        for name, p in net.parameters().items():
            p -= lr * g.as_dict()[name]
    return losses, norms


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "identity"])
@pytest.mark.parametrize("output_activation", ["identity", "sigmoid"])
@pytest.mark.parametrize("biases", [False, True])
def test_full_batch_is_exactly_gradient_descent(activation, output_activation, biases):
    X = np.random.default_rng(1).normal(size=(9, 3))
    y = np.random.default_rng(2).normal(size=(9, 2))
    kw = {"activation": activation, "output_activation": output_activation, "biases": biases}
    net = Network.create(3, 5, 2, seed=4, **kw)
    ref = net.copy()
    records = _run(net, X, y, learning_rate=0.1, epochs=30)
    losses, norms = _hand_gd(ref, X, y, 0.1, 30)
    assert [s.epoch for s in records] == list(range(1, 31))
    np.testing.assert_allclose([s.loss for s in records], losses, rtol=1e-12)
    np.testing.assert_allclose([s.grad_norm for s in records], norms, rtol=1e-10)
    np.testing.assert_allclose(net.params, ref.params, rtol=1e-11, atol=1e-14)
    assert not any(s.diverged for s in records)


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_training_reduces_the_cost_on_every_data_set(name):
    ds = load_dataset(name, seed=0)
    config = TrainConfig(dataset=name, epochs=300)
    net = config.make_network(ds.n_inputs, ds.n_outputs)
    before = net.cost(ds.X, ds.y)
    records = _run(net, ds.X, ds.y, learning_rate=config.learning_rate, epochs=config.epochs)
    after = net.cost(ds.X, ds.y)
    assert after < 0.5 * before
    assert records[0].loss == pytest.approx(before, rel=1e-12)
    assert records[-1].loss >= after  # loss is measured before each update


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_mini_batches_also_learn(name):
    ds = load_dataset(name, seed=0)
    net = TrainConfig(dataset=name).make_network(ds.n_inputs, ds.n_outputs)
    before = net.cost(ds.X, ds.y)
    records = _run(net, ds.X, ds.y, learning_rate=0.1, epochs=40, batch_size=3)
    assert net.cost(ds.X, ds.y) < 0.7 * before
    assert all(np.isfinite(s.grad_norm) and s.grad_norm > 0 for s in records)


def test_xor_is_learned_with_biases():
    ds = load_dataset("xor")
    config = TrainConfig()  # xor, 4 tanh units, biases on, lr 0.2, 2000 epochs
    net = config.make_network(2, 1)
    records = _run(net, ds.X, ds.y, learning_rate=config.learning_rate, epochs=config.epochs)
    assert records[-1].loss < 0.01
    assert np.all(np.abs(net.predict(ds.X) - ds.y) < 0.1)


def test_one_mini_batch_epoch_matches_hand_update():
    ds = load_dataset("sine", seed=0, n_samples=10)
    net = Network.create(1, 3, activation="tanh", biases=True, seed=2)
    ref = net.copy()
    records = _run(net, ds.X, ds.y, learning_rate=0.2, epochs=1, batch_size=4, seed=5)
    order = np.random.default_rng((5, 1)).permutation(10)  # documented: seed and epoch
    sq = []
    for lo in range(0, 10, 4):
        idx = order[lo : lo + 4]
        g = ref.gradients(ds.X[idx], ds.y[idx])
        sq.append(g.norm() ** 2)
        for name, p in ref.parameters().items():
            p -= 0.2 * g.as_dict()[name]
    np.testing.assert_allclose(net.params, ref.params, rtol=1e-12)
    assert records[0].grad_norm == pytest.approx(np.sqrt(np.mean(sq)), rel=1e-10)


def test_deterministic_for_a_seed_and_resumable():
    ds = load_dataset("moons", seed=0)

    def fresh():
        return TrainConfig(dataset="moons").make_network(2, 1)

    a, b, c = fresh(), fresh(), fresh()
    sa = _run(a, ds.X, ds.y, learning_rate=0.3, epochs=20, batch_size=16, seed=3)
    sb = _run(b, ds.X, ds.y, learning_rate=0.3, epochs=20, batch_size=16, seed=3)
    assert sa == sb
    np.testing.assert_array_equal(a.params, b.params)
    # 12 epochs then 8 more from start_epoch=12 is the same run
    first = _run(c, ds.X, ds.y, learning_rate=0.3, epochs=12, batch_size=16, seed=3)
    rest = _run(c, ds.X, ds.y, learning_rate=0.3, epochs=8, batch_size=16, seed=3, start_epoch=12)
    assert first + rest == sa
    np.testing.assert_array_equal(c.params, a.params)
    other = fresh()
    _run(other, ds.X, ds.y, learning_rate=0.3, epochs=20, batch_size=16, seed=4)
    assert not np.array_equal(other.params, a.params)


def test_can_stop_between_epochs():
    ds = load_dataset("xor")
    net = TrainConfig().make_network(2, 1)
    it = train(net, ds.X, ds.y, learning_rate=0.5, epochs=1000)
    first = next(it)
    second = next(it)
    it.close()
    assert (first.epoch, second.epoch) == (1, 2)
    snapshot = net.params.copy()
    assert list(it) == []
    np.testing.assert_array_equal(net.params, snapshot)


def test_zero_epochs_yields_nothing():
    net = Network.create(2, 2, seed=0)
    assert _run(net, [[0.0, 1.0]], [1.0], learning_rate=0.1, epochs=0) == []


@pytest.mark.parametrize("batch_size", [None, 2])
@pytest.mark.parametrize("activation", ["relu", "identity", "tanh"])
def test_divergence_ends_with_a_message_and_no_numpy_warning(activation, batch_size):
    ds = load_dataset("sine", seed=0)
    net = Network.create(1, 8, activation=activation, biases=True, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning from numpy fails the test
        records = _run(net, ds.X * 3, ds.y, learning_rate=900.0, epochs=5000, batch_size=batch_size)
    last = records[-1]
    assert last.diverged and all(not s.diverged for s in records[:-1])
    assert len(records) < 5000
    assert "diverged" in last.message and "smaller learning rate" in last.message
    assert np.all(np.isfinite(net.params))  # the step that blew up was not applied


def test_epochs_are_immutable_records():
    record = Epoch(epoch=1, loss=0.5, grad_norm=1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.loss = 0.0  # type: ignore[misc]
    assert record.diverged is False and record.message is None


def test_train_does_not_modify_the_data():
    X = np.array([[0.0, 1.0], [1.0, 1.0]])
    y = np.array([1.0, 0.0])
    Xc, yc = X.copy(), y.copy()
    _run(Network.create(2, 3, seed=0), X, y, learning_rate=0.1, epochs=5)
    np.testing.assert_array_equal(X, Xc)
    np.testing.assert_array_equal(y, yc)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"X": np.ones((4, 3))}, r"X must have shape \(L, 2\).*got shape \(4, 3\)"),
        ({"y": np.ones((3, 1))}, r"y must have shape \(4, 1\) or \(4,\).*got shape \(3, 1\)"),
        ({"y": [0.0, np.nan, 1.0, 0.0]}, r"y must contain only finite"),
        ({"learning_rate": 0.0}, r"learning_rate must be a number with 0 < learning_rate"),
        ({"learning_rate": float("inf")}, r"learning_rate must be"),
        ({"learning_rate": "0.1"}, r"learning_rate must be"),
        ({"epochs": -1}, r"epochs must be an integer >= 0; got -1"),
        ({"epochs": 2.5}, r"epochs must be an integer"),
        ({"batch_size": 0}, r"batch_size must be None \(full batch\) or an integer >= 1"),
        ({"seed": -3}, r"seed must be an integer >= 0"),
        ({"start_epoch": -1}, r"start_epoch must be an integer >= 0"),
        ({"net": "not a net"}, r"net must be a Network"),
    ],
)
def test_bad_input_is_refused_before_the_first_epoch(kwargs, pattern):
    args = {
        "net": Network.create(2, 3, seed=0),
        "X": load_dataset("xor").X,
        "y": load_dataset("xor").y,
        "learning_rate": 0.1,
        "epochs": 10,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=pattern):
        train(args.pop("net"), args.pop("X"), args.pop("y"), **args)  # no next() needed


def test_train_config_defaults_and_network():
    c = TrainConfig()
    assert (c.dataset, c.hidden, c.activation, c.learning_rate, c.epochs) == (
        "xor",
        4,
        "tanh",
        0.2,
        2000,
    )
    assert (c.batch_size, c.biases, c.seed) == (None, True, 0)
    net = TrainConfig(hidden=6, activation="relu", seed=3).make_network(5, 2)
    assert (net.n_inputs, net.n_hidden, net.n_outputs, net.activation) == (5, 6, 2, "relu")
    assert net.has_biases
    np.testing.assert_array_equal(
        net.W1, TrainConfig(hidden=6, activation="relu", seed=3).make_network(5, 2).W1
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.epochs = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"dataset": "iris"}, r"dataset must be one of xor, sine, moons, circles"),
        ({"hidden": 0}, r"hidden must be an integer >= 1"),
        ({"activation": "gelu"}, r"activation must be one of"),
        ({"learning_rate": -1.0}, r"learning_rate must be"),
        ({"epochs": 0}, r"epochs must be an integer from 1 to 100,000,000; got 0"),
        ({"epochs": 10**23}, r"epochs must be an integer from 1 to 100,000,000"),
        ({"hidden": 10**20}, r"hidden must be an integer from 1 to 1,024; got 10{20}"),
        ({"hidden": (8, 5000)}, r"hidden must be an integer from 1 to 1,024; got 5000"),
        ({"hidden": (2,) * 9}, r"hidden must have at most 8 layers; got 9"),
        ({"batch_size": 10**12}, r"batch_size must be an integer from 1 to 1,000,000"),
        ({"seed": 2**64}, r"seed must be an integer from 0 to"),
        ({"learning_rate": 1e9}, r"learning_rate must be .* <= 1000"),
        ({"batch_size": -4}, r"batch_size must be"),
        ({"biases": "yes"}, r"biases must be True or False"),
        ({"seed": None}, r"seed must be an integer"),
    ],
)
def test_train_config_validation(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        TrainConfig(**kwargs)

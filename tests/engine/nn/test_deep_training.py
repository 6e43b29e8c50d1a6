"""train() on deeper networks and the new losses: exactly gradient descent, per-layer gradient
norms, no allocation per epoch, and TrainConfig's new fields."""

from __future__ import annotations

import dataclasses
import math
import tracemalloc
import warnings

import numpy as np
import pytest
from bptutor.engine.nn.datasets import load_dataset
from bptutor.engine.nn.network import Network
from bptutor.engine.nn.training import Epoch, TrainConfig, train

K = {"mse": 2, "cross_entropy": 3, "binary_cross_entropy": 2}


def _problem(loss: str, L: int = 9, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(L, 3))
    if loss == "mse":
        y = rng.normal(size=(L, 2))
    elif loss == "cross_entropy":
        y = rng.integers(0, 3, size=L)  # class indices: train takes them as they are
    else:
        y = rng.integers(0, 2, size=(L, 2)).astype(float)
    return X, y


def _hand_gd(net: Network, X, y, lr: float, epochs: int):
    """Plain full-batch gradient descent through the public, allocating API."""
    losses, norms, layers = [], [], []
    for _ in range(epochs):
        losses.append(net.cost(X, y))
        g = net.gradients(X, y)
        norms.append(g.norm())
        layers.append(g.layer_norms())
        for name, p in net.parameters().items():
            p -= lr * g.as_dict()[name]
    return losses, norms, layers


@pytest.mark.parametrize("biases", [False, True])
@pytest.mark.parametrize("loss", list(K))
@pytest.mark.parametrize("hidden", [(5, 4), (3, 4, 3)])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "identity"])
def test_full_batch_is_exactly_gradient_descent_at_any_depth(activation, hidden, loss, biases):
    X, y = _problem(loss)
    net = Network.create(
        n_inputs=3, hidden=hidden, n_outputs=K[loss], activation=activation, loss=loss,
        biases=biases, seed=4,
    )  # fmt: skip
    ref = net.copy()
    epochs = list(train(net, X, y, learning_rate=0.1, epochs=25, layer_norms=True))
    losses, norms, layers = _hand_gd(ref, X, y, 0.1, 25)
    assert [e.epoch for e in epochs] == list(range(1, 26))
    np.testing.assert_allclose([e.loss for e in epochs], losses, rtol=1e-12)
    np.testing.assert_allclose([e.grad_norm for e in epochs], norms, rtol=1e-10)
    np.testing.assert_allclose([e.layer_grad_norms for e in epochs], layers, rtol=1e-10)
    np.testing.assert_allclose(net.params, ref.params, rtol=1e-11, atol=1e-14)
    assert not any(e.diverged for e in epochs)


def test_layer_norms_are_asked_for_and_add_up_to_the_gradient_norm():
    X, y = _problem("cross_entropy")
    net = Network.create(n_inputs=3, hidden=(4, 4), n_outputs=3, loss="cross_entropy", seed=1)
    plain = list(train(net.copy(), X, y, learning_rate=0.1, epochs=5))
    with_norms = list(train(net.copy(), X, y, learning_rate=0.1, epochs=5, layer_norms=True))
    assert all(e.layer_grad_norms == () for e in plain)
    for a, b in zip(plain, with_norms, strict=True):
        assert len(b.layer_grad_norms) == 3
        assert math.hypot(*b.layer_grad_norms) == pytest.approx(b.grad_norm, rel=1e-12)
        assert (a.loss, a.grad_norm) == pytest.approx((b.loss, b.grad_norm), rel=1e-12)
    with pytest.raises(ValueError, match="layer_norms must be True or False"):
        train(net, X, y, layer_norms="yes")


def test_one_mini_batch_epoch_of_a_deep_softmax_network_matches_hand_updates():
    X, y = _problem("cross_entropy", L=10)
    net = Network.create(
        n_inputs=3, hidden=(4, 3), n_outputs=3, activation="tanh", loss="cross_entropy",
        biases=True, seed=2,
    )  # fmt: skip
    ref = net.copy()
    (epoch,) = train(net, X, y, learning_rate=0.2, epochs=1, batch_size=4, seed=5, layer_norms=True)
    order = np.random.default_rng((5, 1)).permutation(10)  # documented: seed and epoch
    sq, layer_sq = [], []
    for lo in range(0, 10, 4):
        idx = order[lo : lo + 4]
        g = ref.gradients(X[idx], y[idx])
        sq.append(g.norm() ** 2)
        layer_sq.append(np.square(g.layer_norms()))
        for name, p in ref.parameters().items():
            p -= 0.2 * g.as_dict()[name]
    np.testing.assert_allclose(net.params, ref.params, rtol=1e-12)
    assert epoch.grad_norm == pytest.approx(np.sqrt(np.mean(sq)), rel=1e-10)
    np.testing.assert_allclose(epoch.layer_grad_norms, np.sqrt(np.mean(layer_sq, axis=0)))


def test_softmax_network_learns_the_spiral():
    ds = load_dataset("spiral", seed=0)
    config = TrainConfig(
        dataset="spiral", hidden=(16, 16), loss="cross_entropy", learning_rate=1.0, epochs=1500
    )
    net = config.make_network(ds.n_inputs, ds.n_outputs)
    assert net.sizes == (2, 16, 16, 3) and net.output == "softmax"
    epochs = list(train(net, ds.X, ds.y, learning_rate=config.learning_rate, epochs=config.epochs))
    assert epochs[0].loss == pytest.approx(math.log(3), rel=0.1)  # about uniform at the start
    assert epochs[-1].loss < 0.1 and not epochs[-1].diverged
    accuracy = np.mean(np.argmax(net.predict(ds.X), axis=1) == ds.labels)
    assert accuracy > 0.95


def test_mini_batches_train_a_binary_cross_entropy_network():
    ds = load_dataset("moons", seed=0)
    net = TrainConfig(dataset="moons", hidden=(8, 8), loss="binary_cross_entropy").make_network(
        2, 1
    )
    before = net.cost(ds.X, ds.y)
    list(train(net, ds.X, ds.y, learning_rate=0.5, epochs=60, batch_size=16))
    assert net.cost(ds.X, ds.y) < 0.5 * before


def test_layer_norms_show_vanishing_gradients_in_a_sigmoid_stack():
    """Four sigmoid layers: σ′ <= 1/4 per layer shrinks the first layer's gradient ~1000x;
    tanh and relu keep it within ~10x of the output layer's."""
    ds = load_dataset("spiral", seed=0)
    ratio = {}
    for act in ("sigmoid", "tanh", "relu"):
        net = Network.create(
            n_inputs=2, hidden=(8, 8, 8, 8), n_outputs=3, activation=act, loss="cross_entropy",
            biases=True, seed=0,
        )  # fmt: skip
        (e,) = train(net, ds.X, ds.y, learning_rate=0.1, epochs=1, layer_norms=True)
        ratio[act] = e.layer_grad_norms[0] / e.layer_grad_norms[-1]
        if act == "sigmoid":  # each layer down gets smaller
            assert all(
                a < b for a, b in zip(e.layer_grad_norms, e.layer_grad_norms[1:], strict=False)
            )
    assert ratio["sigmoid"] < 0.01
    assert ratio["tanh"] > 0.1 and ratio["relu"] > 0.1


@pytest.mark.parametrize("batch_size", [None, 32])
@pytest.mark.parametrize("loss", ["cross_entropy", "binary_cross_entropy"])
def test_a_diverging_cross_entropy_network_stops_with_a_message_and_no_warning(loss, batch_size):
    """Linear hidden layers: nothing bounds the logits, so a huge rate blows them up (with
    tanh/sigmoid/relu the cross-entropy gradient stays bounded and the run just stalls)."""
    ds = load_dataset("spiral", seed=0)
    net = Network.create(
        n_inputs=2, hidden=(8, 8), n_outputs=3, activation="identity", loss=loss, seed=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        epochs = list(
            train(net, ds.X * 50, ds.y, learning_rate=900.0, epochs=5000, batch_size=batch_size)
        )
    assert epochs[-1].diverged and "smaller learning rate" in epochs[-1].message
    assert all(not e.diverged for e in epochs[:-1])
    assert len(epochs) < 5000 and np.all(np.isfinite(net.params))


def test_the_hot_loop_makes_no_copies_per_epoch():
    """Pulling epochs must not allocate anything of the size of the data, the activations or
    the parameters (each over 130 kB here). What is allowed: numpy's own ufunc buffer for a
    broadcast operand (the bias, the row max of softmax), at most 8192 entries = 64 kB."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 64)), rng.integers(0, 10, size=300)
    net = Network.create(
        n_inputs=64, hidden=(128, 64), n_outputs=10, activation="tanh", loss="cross_entropy",
        biases=True, seed=0,
    )  # fmt: skip
    assert min(X.nbytes, 300 * 128 * 8, net.params.nbytes) > 130_000
    it = train(net, X, y, learning_rate=0.01, epochs=1000, layer_norms=True)
    for _ in range(3):
        next(it)
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for _ in range(30):
            next(it)
        end, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        it.close()
    assert peak - start < 80_000
    assert end - start < 32_000  # and nothing of that size is kept (a few small Python objects)


def test_epoch_record():
    e = Epoch(epoch=3, loss=0.5, grad_norm=1.0)
    assert e.layer_grad_norms == () and e.diverged is False and e.message is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.layer_grad_norms = (1.0,)  # type: ignore[misc]
    ds = load_dataset("xor")
    (first,) = train(TrainConfig().make_network(2, 1), ds.X, ds.y, epochs=1, layer_norms=True)
    assert type(first) is Epoch
    assert first == Epoch(1, first.loss, first.grad_norm, False, None, first.layer_grad_norms)


# -- TrainConfig ---------------------------------------------------------------------------------


def test_train_config_hidden_layers_and_losses():
    c = TrainConfig(dataset="spiral", hidden=[8, 8], loss="cross_entropy")
    assert c.hidden == (8, 8) and c.hidden_sizes == (8, 8)  # a list from a lesson file
    assert c.output_activation == "softmax"  # the loss's own output when none is named
    assert TrainConfig().hidden_sizes == (4,) and TrainConfig().output_activation == "identity"
    assert TrainConfig(loss="binary_cross_entropy").output_activation == "sigmoid"
    net = c.make_network(2, 3)
    assert net.sizes == (2, 8, 8, 3) and net.loss == "cross_entropy" and net.has_biases
    np.testing.assert_array_equal(net.params, c.make_network(2, 3).params)
    hash(c)  # frozen, hashable with a tuple
    one = TrainConfig(hidden=6, activation="relu", seed=3).make_network(5, 2)
    two = Network.create(5, 6, 2, "relu", biases=True, seed=3)
    np.testing.assert_array_equal(one.params, two.params)  # same draw as before hidden=(...)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"hidden": [4, 0]}, r"hidden must be an integer >= 1 or a non-empty list"),
        ({"hidden": []}, r"hidden must be"),
        ({"hidden": "8,8"}, r"hidden must be"),
        ({"loss": "hinge"}, r"loss must be one of mse, cross_entropy, binary_cross_entropy"),
        ({"dataset": "spiral", "loss": "mse", "output_activation": "softmax"}, r"output_activ"),
        (
            {"dataset": "spiral", "loss": "cross_entropy", "output_activation": "sigmoid"},
            r"loss='cross_entropy' needs output_activation='softmax'; got 'sigmoid'",
        ),
        (
            {"dataset": "xor", "loss": "cross_entropy"},
            r"loss='cross_entropy' needs a data set with one-hot classes.*xor has 1 target",
        ),
        ({"dataset": "sine", "loss": "binary_cross_entropy"}, r"needs 0/1 targets; sine is a"),
        ({"output_activation": "softplus"}, r"output_activation must be one of"),
    ],
)
def test_train_config_checks_the_new_fields(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        TrainConfig(**kwargs)


@pytest.mark.parametrize("loss", list(K))
def test_mini_batches_leave_the_data_alone(loss):
    X, y = _problem(loss, L=10)
    Xc, yc = X.copy(), y.copy()
    net = Network.create(n_inputs=3, hidden=(4, 3), n_outputs=K[loss], loss=loss, seed=0)
    list(train(net, X, y, learning_rate=0.1, epochs=3, batch_size=4))
    np.testing.assert_array_equal(X, Xc)
    np.testing.assert_array_equal(y, yc)

"""Softmax + cross-entropy and sigmoid + binary cross-entropy: hand-worked values, stability,
the forms targets may take, and bad targets."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from bptutor.engine.nn.losses import SOFTMAX, log_softmax, softmax, softplus
from bptutor.engine.nn.network import Network

LN2 = math.log(2.0)


def _softmax_net(W2, b2=None, W1=((1.0, 0.0), (0.0, 1.0))):
    b1 = None if b2 is None else [0.0, 0.0]
    return Network.from_weights(
        W1, W2, "identity", b1=b1, b2=b2, output="softmax", loss="cross_entropy"
    )


def test_softmax_cross_entropy_worked_on_paper():
    """x = (1, 0), identity hidden layer, so a = (1, 0) and z_out = W2·a = (0, 0, ln 2).

    e^z = (1, 1, 2): softmax = (1/4, 1/4, 1/2). Target class 2: E = −ln(1/2) = ln 2,
    δ_out = ŷ − y = (1/4, 1/4, −1/2), ∂E/∂W2 = δ_out ⊗ a, δ_hidden = W2ᵀ·δ_out = (−ln2/2, 0),
    ∂E/∂W1 = δ_hidden ⊗ x. Target class 0: E = −ln(1/4) = 2 ln 2, δ_out = (−3/4, 1/4, 1/2).
    """
    net = _softmax_net([[0.0, 0.0], [0.0, 0.0], [LN2, 0.0]])
    X = [[1.0, 0.0]]
    fwd = net.forward(X)
    np.testing.assert_allclose(fwd.z_out, [[0.0, 0.0, LN2]], rtol=1e-15)
    np.testing.assert_allclose(fwd.y_hat, [[0.25, 0.25, 0.5]], rtol=1e-15)
    assert net.cost(X, [2]) == pytest.approx(LN2, rel=1e-15)
    assert net.cost(X, [0]) == pytest.approx(2 * LN2, rel=1e-15)
    b = net.backward(X, [2])
    np.testing.assert_allclose(b.delta_out, [[0.25, 0.25, -0.5]], rtol=1e-15)
    np.testing.assert_allclose(b.grads.W2, [[0.25, 0.0], [0.25, 0.0], [-0.5, 0.0]], rtol=1e-15)
    np.testing.assert_allclose(b.delta_hidden, [[-LN2 / 2, 0.0]], rtol=1e-15)
    np.testing.assert_allclose(b.grads.W1, [[-LN2 / 2, 0.0], [0.0, 0.0]], rtol=1e-15)
    # both examples in one batch: the mean of the two costs and of the two gradients
    g = net.gradients([[1.0, 0.0], [1.0, 0.0]], [2, 0])
    assert net.cost([[1.0, 0.0], [1.0, 0.0]], [2, 0]) == pytest.approx(1.5 * LN2, rel=1e-15)
    np.testing.assert_allclose(g.W2, [[-0.25, 0.0], [0.25, 0.0], [0.0, 0.0]], atol=1e-16)
    np.testing.assert_allclose(g.W1, [[0.0, 0.0], [0.0, 0.0]], atol=1e-16)


def test_softmax_cross_entropy_against_plain_python():
    """A 2-3-3 tanh network with biases, every quantity written out with math.exp and math.log."""
    W1 = [[0.5, -1.0], [0.25, 0.75], [-0.6, 0.2]]
    W2 = [[1.0, -0.5, 0.3], [-0.2, 0.8, 0.1], [0.4, 0.4, -0.9]]
    b1, b2 = [0.1, 0.0, -0.2], [0.0, 0.3, -0.1]
    net = Network.from_weights(W1, W2, "tanh", b1=b1, b2=b2, loss="cross_entropy")
    X = [[1.0, 2.0], [-1.5, 0.5], [0.0, -1.0], [2.0, 2.0]]
    classes = [0, 2, 1, 2]
    L, k = 4, 3
    E = 0.0
    gW2 = [[0.0] * 3 for _ in range(3)]
    for p in range(L):
        a = [math.tanh(sum(W1[i][j] * X[p][j] for j in range(2)) + b1[i]) for i in range(3)]
        z = [sum(W2[c][i] * a[i] for i in range(3)) + b2[c] for c in range(k)]
        total = sum(math.exp(t) for t in z)
        s = [math.exp(t) / total for t in z]
        E -= math.log(s[classes[p]])
        for c in range(k):
            for i in range(3):
                gW2[c][i] += (s[c] - (c == classes[p])) * a[i] / L
    assert net.cost(X, classes) == pytest.approx(E / L, rel=1e-13)
    np.testing.assert_allclose(net.gradients(X, classes).W2, gW2, rtol=1e-12)


def test_class_indices_and_one_hot_rows_are_the_same_targets():
    net = Network.create(n_inputs=3, hidden=(4, 4), n_outputs=3, loss="cross_entropy", seed=2)
    X = np.random.default_rng(1).normal(size=(6, 3))
    idx = np.array([0, 2, 1, 1, 0, 2])
    onehot = np.eye(3)[idx]
    assert net.cost(X, idx) == net.cost(X, onehot)
    assert net.cost(X, idx.astype(float)) == net.cost(X, onehot)  # 2.0 is class 2
    ga, gb = net.gradients(X, idx), net.gradients(X, onehot)
    for a, b in zip(ga.weights, gb.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(net.backward(X, idx).error, net.forward(X).y_hat - onehot)
    # probabilities are accepted too: the loss is the cross-entropy against them
    soft = np.full((6, 3), 1 / 3)
    expected = -np.mean(np.sum(soft * log_softmax(net.forward(X).z_out), axis=1))
    assert net.cost(X, soft) == pytest.approx(expected, rel=1e-14)


def test_delta_out_is_y_hat_minus_y_for_both_cross_entropies():
    X = np.random.default_rng(3).normal(size=(5, 2))
    ce = Network.create(n_inputs=2, hidden=(3,), n_outputs=4, loss="cross_entropy", seed=1)
    y = np.eye(4)[[3, 0, 1, 1, 2]]
    b = ce.backward(X, y)
    np.testing.assert_array_equal(b.delta_out, b.forward.y_hat - y)
    np.testing.assert_allclose(b.forward.y_hat.sum(axis=1), 1.0, rtol=1e-15)
    bce = Network.create(n_inputs=2, hidden=(3,), n_outputs=2, loss="binary_cross_entropy", seed=1)
    t = np.array([[0, 1], [1, 1], [0, 0], [1, 0], [0.5, 0.25]])
    b = bce.backward(X, t)
    np.testing.assert_array_equal(b.delta_out, b.forward.y_hat - t)


def test_binary_cross_entropy_values():
    """z_out = 0 gives σ = 1/2 and a loss of ln 2 per output whatever the 0/1 target."""
    net = Network.from_weights([[1.0]], [[0.0]], "tanh", loss="binary_cross_entropy")
    assert net.output == "sigmoid"
    assert net.cost([[3.0], [-1.0]], [1.0, 0.0]) == pytest.approx(LN2, rel=1e-15)
    np.testing.assert_allclose(net.backward([[3.0]], [1.0]).delta_out, [[-0.5]], rtol=1e-15)
    # against the textbook formula where it is safe to evaluate
    net = Network.from_weights([[0.8, -0.3]], [[1.5], [-2.0]], "sigmoid", b2=[0.1, 0.2])
    net = Network.from_layers(net.weights, net.biases, "sigmoid", loss="binary_cross_entropy")
    X, t = np.array([[0.5, 1.0], [-1.0, 2.0], [2.0, 0.0]]), np.array([[1, 0], [0, 0], [1, 1]])
    p = net.predict(X)
    naive = -np.mean(np.sum(t * np.log(p) + (1 - t) * np.log(1 - p), axis=1))
    assert net.cost(X, t) == pytest.approx(naive, rel=1e-13)


def test_saturated_outputs_give_large_finite_losses_without_warnings():
    """log softmax via log-sum-exp and BCE via softplus: z_out = ±1000 is no problem."""
    ce = _softmax_net([[1000.0, 0.0], [0.0, 0.0], [-1000.0, 0.0]])
    bce = Network.from_weights([[1.0]], [[1000.0]], "identity", loss="binary_cross_entropy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ce.cost([[1.0, 0.0]], [0]) == pytest.approx(0.0, abs=1e-300)
        assert ce.cost([[1.0, 0.0]], [2]) == pytest.approx(2000.0, rel=1e-15)
        assert ce.cost([[1.0, 0.0]], [1]) == pytest.approx(1000.0, rel=1e-15)
        assert bce.cost([[1.0]], [0.0]) == pytest.approx(1000.0, rel=1e-15)
        assert bce.cost([[-1.0]], [0.0]) == pytest.approx(0.0, abs=1e-300)
        g = ce.gradients([[1.0, 0.0]], [2])
    assert np.all(np.isfinite(g.W1)) and np.all(np.isfinite(g.W2))
    np.testing.assert_allclose(g.W2[:, 0], [1.0, 0.0, -1.0], atol=1e-15)


def test_softmax_helpers():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0]])
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(softmax(z)[0], e / e.sum(), rtol=1e-15)
    np.testing.assert_allclose(softmax(z)[1], [0.5, 0.5, 0.0], atol=1e-300)
    np.testing.assert_allclose(log_softmax(z)[1, :2], [-LN2, -LN2], rtol=1e-15)
    assert log_softmax(z)[1, 2] == pytest.approx(-2000.0 - LN2, rel=1e-15)
    np.testing.assert_allclose(softplus([-800.0, 0.0, 800.0]), [0.0, LN2, 800.0], atol=1e-300)
    out = np.empty_like(z)
    SOFTMAX.f_into(z, out)
    np.testing.assert_allclose(out, softmax(z), rtol=1e-15)
    with pytest.raises(ValueError, match="Jacobian"):
        SOFTMAX.df(z)


@pytest.mark.parametrize(
    ("y", "pattern"),
    [
        ([0, 1, 3], r"y must hold class indices 0..2 \(integers\).*entry 2 is 3"),
        ([0, 1.5, 2], r"y must hold class indices 0..2.*entry 1 is 1.5"),
        ([0, -1, 2], r"entry 1 is -1"),
        (
            [[1, 0, 0], [0, 1, 0], [0, 1, 1]],
            r"y's rows must be one-hot.*row 2 is \[0.0, 1.0, 1.0\]",
        ),
        ([[1, 0, 0], [0, 1, 0], [-1, 1, 1]], r"y's rows must be one-hot.*row 2"),
        ([[1, 0], [0, 1], [1, 0]], r"y must have shape \(3,\) \(class indices 0..2\) or \(3, 3\)"),
        ([0, 1], r"y must have shape \(3,\)"),
        ([0, np.nan, 1], r"y must contain only finite"),
    ],
)
def test_bad_class_targets_name_the_parameter(y, pattern):
    net = Network.create(n_inputs=2, hidden=3, n_outputs=3, loss="cross_entropy")
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match=pattern):
        net.cost(X, y)
    with pytest.raises(ValueError, match=pattern):
        net.gradients(X, y)


def test_bad_binary_targets_name_the_parameter():
    net = Network.create(n_inputs=2, hidden=3, n_outputs=1, loss="binary_cross_entropy")
    with pytest.raises(ValueError, match=r"y must hold targets between 0 and 1.*from 0 to 2"):
        net.cost(np.zeros((2, 2)), [0.0, 2.0])
    with pytest.raises(ValueError, match=r"y must have shape \(2, 1\) or \(2,\)"):
        net.cost(np.zeros((2, 2)), [0.0, 1.0, 1.0])

"""The notes' network: hand-worked values, shapes, the sign of the gradient, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bptutor.engine.nn.activations import ACTIVATIONS, get_activation
from bptutor.engine.nn.network import Network
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_strategies import net_sizes

# -- the notes' worked case, n = 3 inputs, m = 2 hidden sigmoid units, one linear output -------

W1_NOTES = [[0.1, -0.2, 0.4], [0.3, 0.5, -0.6]]  # (m, n) = (2, 3)
W2_NOTES = [0.7, -0.25]  # (1, m), given flat
X_NOTES = [[1.0, 2.0, 3.0], [-0.5, 0.0, 1.5]]  # L = 2 examples
Y_NOTES = [0.6, -0.3]


def _sig(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


def _hand_worked() -> dict:
    """Everything for the notes' case, with plain floats and explicit sums (no numpy)."""
    n, m, L = 3, 2, 2
    z = [
        [sum(W1_NOTES[i][j] * X_NOTES[p][j] for j in range(n)) for i in range(m)] for p in range(L)
    ]
    a = [[_sig(z[p][i]) for i in range(m)] for p in range(L)]
    fp = [[a[p][i] * (1.0 - a[p][i]) for i in range(m)] for p in range(L)]
    y_hat = [sum(W2_NOTES[i] * a[p][i] for i in range(m)) for p in range(L)]
    E = sum((Y_NOTES[p] - y_hat[p]) ** 2 for p in range(L)) / (2 * L)
    # The true gradient: the notes' (19) and (34) with the sign restored.
    dW2 = [sum((y_hat[p] - Y_NOTES[p]) * a[p][i] for p in range(L)) / L for i in range(m)]
    dW1 = [
        [
            sum((y_hat[p] - Y_NOTES[p]) * W2_NOTES[i] * fp[p][i] * X_NOTES[p][j] for p in range(L))
            / L
            for j in range(n)
        ]
        for i in range(m)
    ]
    delta_hidden = [
        [(y_hat[p] - Y_NOTES[p]) * W2_NOTES[i] * fp[p][i] for i in range(m)] for p in range(L)
    ]
    return {
        "z": z,
        "a": a,
        "fp": fp,
        "y_hat": y_hat,
        "E": E,
        "dW1": dW1,
        "dW2": dW2,
        "dh": delta_hidden,
    }


def test_notes_worked_case_entry_by_entry():
    net = Network.from_weights(W1_NOTES, W2_NOTES, activation="sigmoid")
    hand = _hand_worked()
    fwd = net.forward(X_NOTES)
    b = net.backward(X_NOTES, Y_NOTES)
    g = net.gradients(X_NOTES, Y_NOTES)
    assert net.W1.shape == (2, 3) and net.W2.shape == (1, 2)
    assert g.W1.shape == (2, 3) and g.W2.shape == (1, 2)
    for p in range(2):
        for i in range(2):
            assert fwd.z[p, i] == pytest.approx(hand["z"][p][i], rel=1e-13)
            assert fwd.a[p, i] == pytest.approx(hand["a"][p][i], rel=1e-13)
            assert fwd.fprime[p, i] == pytest.approx(hand["fp"][p][i], rel=1e-12)
            assert b.delta_hidden[p, i] == pytest.approx(hand["dh"][p][i], rel=1e-12)
        assert fwd.y_hat[p, 0] == pytest.approx(hand["y_hat"][p], rel=1e-13)
        assert b.delta_out[p, 0] == pytest.approx(hand["y_hat"][p] - Y_NOTES[p], rel=1e-12)
    assert net.cost(X_NOTES, Y_NOTES) == pytest.approx(hand["E"], rel=1e-13)
    for i in range(2):
        assert g.W2[0, i] == pytest.approx(hand["dW2"][i], rel=1e-12)
        for j in range(3):
            assert g.W1[i, j] == pytest.approx(hand["dW1"][i][j], rel=1e-12)
    assert g.b1 is None and g.b2 is None


def test_notes_case_with_numbers_worked_on_paper():
    """One example, x = (1, 0, -1): z and ŷ small enough to check with a pocket calculator."""
    net = Network.from_weights([[0.5, 0.0, 0.5], [1.0, 1.0, 1.0]], [[2.0, -1.0]], "identity")
    # z = W1·x = (0.5 − 0.5, 1 + 0 − 1) = (0, 0); identity: a = z; ŷ = 0; E = (1 − 0)²/2.
    X, y = [[1.0, 0.0, -1.0]], [1.0]
    assert net.cost(X, y) == 0.5
    g = net.gradients(X, y)
    # ∂E/∂W2 = (ŷ − y)·a = −1·(0, 0); ∂E/∂W1_ij = (ŷ − y)·W2_i·x_j = −W2_i·x_j
    np.testing.assert_array_equal(g.W2, [[0.0, 0.0]])
    np.testing.assert_array_equal(g.W1, [[-2.0, 0.0, 2.0], [1.0, 0.0, -1.0]])


def test_gradient_is_descent_direction_not_the_notes_sign():
    """A small step against the gradient lowers the cost (the notes' (20)/(35) would raise it)."""
    net = Network.from_weights(W1_NOTES, W2_NOTES, activation="sigmoid")
    E0 = net.cost(X_NOTES, Y_NOTES)
    g = net.gradients(X_NOTES, Y_NOTES)
    down = net.copy()
    down.W1 = net.W1 - 1e-3 * g.W1
    down.W2 = net.W2 - 1e-3 * g.W2
    up = net.copy()
    up.W1 = net.W1 + 1e-3 * g.W1
    up.W2 = net.W2 + 1e-3 * g.W2
    assert down.cost(X_NOTES, Y_NOTES) < E0 < up.cost(X_NOTES, Y_NOTES)


# -- activations -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivatives_match_central_differences(name):
    act = get_activation(name)
    z = np.array([-3.0, -1.2, -0.3, 0.25, 0.9, 2.5])
    h = 1e-6
    numeric = (act.f(z + h) - act.f(z - h)) / (2 * h)
    np.testing.assert_allclose(act.df(z), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_in_place_forms_agree_with_plain_forms(name):
    act = get_activation(name)
    z = np.linspace(-4, 4, 12).reshape(3, 4) + 0.01
    a = np.empty_like(z)
    act.f_into(z, a)
    np.testing.assert_allclose(a, act.f(z), rtol=1e-14, atol=4e-16)
    d = np.empty_like(z)
    act.df_into(z, a, d)
    np.testing.assert_allclose(d, act.df(z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_in_place_forms_are_accurate_over_a_wide_range_without_warnings(name):
    act = get_activation(name)
    z = np.concatenate([np.linspace(-800, 800, 4001), np.geomspace(1e-12, 30, 500)])
    z = np.concatenate([z, -z])
    a = np.empty_like(z)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no warning inside
        act.f_into(z, a)
    np.testing.assert_allclose(a, act.f(z), rtol=1e-14, atol=4e-16)
    d = np.empty_like(z)
    act.df_into(z, a, d)
    np.testing.assert_allclose(d, act.df(z), rtol=1e-13, atol=1e-15)


def test_activation_values():
    assert get_activation("sigmoid").f(np.array([0.0]))[0] == 0.5
    assert get_activation("sigmoid").f(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]
    assert get_activation("relu").f(np.array([-2.0, 3.0])).tolist() == [0.0, 3.0]
    assert get_activation("TANH").name == "tanh"


def test_unknown_activation_names_the_parameter():
    with pytest.raises(ValueError, match=r"activation must be one of .*sigmoid.*got 'softmax'"):
        get_activation("softmax")
    with pytest.raises(ValueError, match="output_activation"):
        Network.create(2, 2, output_activation="nope")


# -- create, from_weights, shapes ------------------------------------------------------------


def test_create_is_deterministic_and_scaled():
    a = Network.create(10, 64, 3, activation="tanh", seed=7)
    b = Network.create(10, 64, 3, activation="tanh", seed=7)
    c = Network.create(10, 64, 3, activation="tanh", seed=8)
    np.testing.assert_array_equal(a.W1, b.W1)
    np.testing.assert_array_equal(a.W2, b.W2)
    assert not np.array_equal(a.W1, c.W1)
    assert a.W1.shape == (64, 10) and a.W2.shape == (3, 64)
    assert a.W1.dtype == np.float64
    assert 0.2 < a.W1.std() < 0.45  # about 1/sqrt(10)
    assert a.b1 is None and a.b2 is None
    withb = Network.create(10, 64, 3, biases=True, seed=7)
    np.testing.assert_array_equal(withb.b1, np.zeros(64))
    np.testing.assert_array_equal(withb.b2, np.zeros(3))


def test_from_weights_copies_and_shapes():
    W1 = np.ones((2, 3))
    net = Network.from_weights(W1, [[1.0, 2.0]], activation="relu", b1=[0.5, -0.5])
    W1[0, 0] = 99.0
    assert net.W1[0, 0] == 1.0
    assert net.activation == "relu" and net.output_activation == "identity"
    np.testing.assert_array_equal(net.b2, [0.0])
    out = net.forward([[1.0, 1.0, 1.0]])
    assert out.z.tolist() == [[3.5, 2.5]]
    assert out.y_hat.tolist() == [[3.5 + 5.0]]


def test_forward_shapes_many_outputs():
    net = Network.create(4, 5, 3, activation="tanh", biases=True, seed=1)
    X = np.random.default_rng(0).normal(size=(7, 4))
    out = net.forward(X)
    assert out.z.shape == out.a.shape == out.fprime.shape == (7, 5)
    assert out.z_out.shape == out.y_hat.shape == (7, 3)
    b = net.backward(X, np.zeros((7, 3)))
    assert b.delta_out.shape == (7, 3) and b.delta_hidden.shape == (7, 5)
    assert b.grads.b1.shape == (5,) and b.grads.b2.shape == (3,)


def test_y_may_be_flat_when_one_output():
    net = Network.create(2, 3, seed=0)
    X = [[0.0, 1.0], [1.0, 0.0]]
    assert net.cost(X, [1.0, 0.0]) == net.cost(X, [[1.0], [0.0]])


def test_copy_is_independent_and_setters_write_through():
    net = Network.create(2, 3, biases=True, seed=0)
    twin = net.copy()
    net.W1 = np.zeros((3, 2))
    net.b2 = [4.0]
    assert np.all(net.params[:6] == 0.0)
    assert twin.W1.any() and twin.b2[0] == 0.0
    net.W2[0, 1] = 5.0  # views: in-place edits reach the network
    # W1 = 0 and b1 = 0 give z = 0, a = σ(0) = 1/2, so ŷ = b2 + (W2_1 + W2_2 + W2_3) / 2
    expected = 4.0 + 0.5 * (net.W2[0, 0] + 5.0 + net.W2[0, 2])
    assert net.forward([[0.3, -0.7]]).y_hat[0, 0] == pytest.approx(expected, rel=1e-14)


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"n_inputs": 3, "n_hidden": 0}, r"n_hidden must be an integer >= 1; got 0"),
        ({"n_inputs": 0, "n_hidden": 2}, r"n_inputs must be"),
        ({"n_inputs": 2, "n_hidden": 2, "n_outputs": 0}, r"n_outputs must be"),
        ({"n_inputs": 2.5, "n_hidden": 2}, r"n_inputs must be an integer"),
        ({"n_inputs": 2, "n_hidden": 2, "activation": "softplus"}, r"activation must be one of"),
        ({"n_inputs": 2, "n_hidden": 2, "seed": "x"}, r"seed must be"),
    ],
)
def test_create_rejects_bad_sizes(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        Network.create(**kwargs)


def test_from_weights_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"W2 must have shape \(k, 2\)"):
        Network.from_weights(np.ones((2, 3)), np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"W1 must have shape \(m, n\)"):
        Network.from_weights(np.ones(3), np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"W1 must have shape \(m, n\).*\(0, 3\)"):
        Network.from_weights(np.ones((0, 3)), np.ones((1, 0)))
    with pytest.raises(ValueError, match=r"b1 must have shape \(2,\)"):
        Network.from_weights(np.ones((2, 3)), np.ones((1, 2)), b1=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="W1 must contain only finite"):
        Network.from_weights([[np.nan, 1.0]], [[1.0]])
    with pytest.raises(ValueError, match="W1 must be an array of numbers"):
        Network.from_weights([["a", "b"]], [[1.0]])


def test_bad_data_names_parameter_and_expected_shape():
    net = Network.create(3, 2, seed=0)
    with pytest.raises(ValueError, match=r"X must have shape \(L, 3\).*got shape \(4, 2\)"):
        net.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"X must have shape \(L, 3\).*got shape \(3,\)"):
        net.forward(np.ones(3))
    with pytest.raises(ValueError, match=r"y must have shape \(4, 1\) or \(4,\).*got shape \(3,\)"):
        net.cost(np.ones((4, 3)), np.ones(3))
    with pytest.raises(ValueError, match="X must contain only finite"):
        net.cost([[1.0, np.inf, 0.0]], [1.0])
    with pytest.raises(ValueError, match="y must contain only finite"):
        net.gradients([[1.0, 1.0, 0.0]], [np.nan])
    with pytest.raises(ValueError, match=r"W1 must have shape \(2, 3\)"):
        net.W1 = np.ones((3, 2))
    with pytest.raises(ValueError, match="b1 cannot be set"):
        net.b1 = [0.0, 0.0]


@settings(max_examples=30, deadline=None)
@given(
    sizes=net_sizes(4, 4, 5),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    output_activation=st.sampled_from(sorted(ACTIVATIONS)),
    seed=st.integers(0, 10_000),
)
def test_cost_with_biases_and_outputs_matches_explicit_loops(
    sizes, activation, output_activation, seed
):
    """Forward pass and eq. (15) written as plain sums over examples, units and inputs."""
    n, m, k, L = sizes
    net = Network.create(n, m, k, activation, output_activation, biases=True, seed=seed)
    rng = np.random.default_rng(seed + 1)
    net.b1 = rng.normal(size=m)
    net.b2 = rng.normal(size=k)
    X = rng.normal(size=(L, n)).tolist()
    y = rng.normal(size=(L, k)).tolist()
    f = {"sigmoid": _sig, "tanh": math.tanh, "relu": lambda t: max(t, 0.0), "identity": float}
    W1, W2, b1, b2 = net.W1.tolist(), net.W2.tolist(), net.b1.tolist(), net.b2.tolist()
    total = 0.0
    for p in range(L):
        a = [f[activation](sum(W1[i][j] * X[p][j] for j in range(n)) + b1[i]) for i in range(m)]
        for c in range(k):
            out = f[output_activation](sum(W2[c][i] * a[i] for i in range(m)) + b2[c])
            total += (y[p][c] - out) ** 2
    assert net.cost(X, y) == pytest.approx(total / (2 * L), rel=1e-12, abs=1e-300)

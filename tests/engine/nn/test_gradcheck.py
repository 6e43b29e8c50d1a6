"""Analytic backprop against central differences, for many shapes and every activation."""

from __future__ import annotations

import numpy as np
import pytest
from bptutor.engine.nn.activations import ACTIVATIONS
from bptutor.engine.nn.gradcheck import numerical_gradient, numerical_gradients, relative_error
from bptutor.engine.nn.network import Network
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_strategies import net_sizes

# Five-point central differences: accurate to ~1e-12 absolute, so even gradient entries of 1e-5
# can be held to a relative error of 1e-7 (the classic h = 1e-5 stencil rounds at ~1e-11).
ACCURATE = {"h": 1e-3, "order": 4}
SHAPES = [(1, 1, 1, 1), (3, 2, 1, 4), (2, 5, 3, 7), (4, 3, 2, 1), (6, 4, 1, 10), (3, 7, 4, 5)]


def _relu_safe_net(n, m, k, L, activation, output_activation, biases, seed):
    """A random network and data whose pre-activations stay away from relu's kink at 0."""
    rng = np.random.default_rng(seed)
    net = Network.create(n, m, k, activation, output_activation, biases=biases, seed=seed)
    if biases:
        net.b1 = rng.normal(size=m)
        net.b2 = rng.normal(size=k)
    X = rng.normal(size=(L, n))
    y = rng.normal(size=(L, k))
    # With relu, redraw X until its pre-activations are at least 0.05 from 0: steps of 2h = 2e-3
    # then never cross the kink, where a central difference is not the derivative.
    for _ in range(1000):
        fwd = net.forward(X)
        hidden_ok = activation != "relu" or np.abs(fwd.z).min() > 0.05
        output_ok = output_activation != "relu" or np.abs(fwd.z_out).min() > 0.05
        if hidden_ok and output_ok:
            break
        X = rng.normal(size=(L, n))
    else:  # pragma: no cover - the draw above always succeeds for these sizes
        pytest.fail("could not draw relu-safe inputs")
    return net, X, y


@pytest.mark.parametrize("biases", [False, True])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize(("n", "m", "k", "L"), SHAPES)
def test_backprop_matches_central_differences(n, m, k, L, activation, biases):
    seed = n * 1000 + m * 100 + k * 10 + L
    net, X, y = _relu_safe_net(n, m, k, L, activation, "identity", biases, seed)
    analytic = net.gradients(X, y)
    numeric = numerical_gradients(net, X, y, **ACCURATE)
    for name, g in analytic.as_dict().items():
        num = numeric.as_dict()[name]
        assert g.shape == num.shape == net.parameters()[name].shape
        assert relative_error(g, num) < 1e-7, name


@pytest.mark.parametrize("output_activation", sorted(ACTIVATIONS))
def test_backprop_with_every_output_activation(output_activation):
    net, X, y = _relu_safe_net(3, 4, 2, 6, "tanh", output_activation, True, 5)
    analytic = net.gradients(X, y)
    numeric = numerical_gradients(net, X, y, **ACCURATE)
    for name, g in analytic.as_dict().items():
        assert relative_error(g, numeric.as_dict()[name]) < 1e-7, name


@settings(max_examples=40, deadline=None)
@given(
    sizes=net_sizes(5, 5, 6),
    activation=st.sampled_from(["sigmoid", "tanh", "identity"]),
    biases=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_backprop_property(sizes, activation, biases, seed):
    n, m, k, L = sizes
    net, X, y = _relu_safe_net(n, m, k, L, activation, "identity", biases, seed)
    analytic = net.gradients(X, y).as_dict()
    numeric = numerical_gradients(net, X, y, **ACCURATE).as_dict()
    assert analytic.keys() == numeric.keys()
    for name in analytic:
        # entry by entry: relative 1e-7, or 1e-10 absolute for entries near 0, where the
        # stencil's truncation error (~1e-11 here) is large next to the entry itself (a W1
        # entry of 1e-6 for n=2, m=2, k=3, L=1, tanh, seed 3)
        np.testing.assert_allclose(analytic[name], numeric[name], rtol=1e-7, atol=1e-10)


def test_numerical_gradient_of_a_known_function_and_restores_param():
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = w.copy()
    g = numerical_gradient(lambda: float(np.sum(w**3)), w)
    np.testing.assert_allclose(g, 3 * before**2, rtol=1e-9)
    np.testing.assert_array_equal(w, before)


def test_classic_two_point_stencil_on_the_notes_network():
    net, X, y = _relu_safe_net(3, 2, 1, 4, "sigmoid", "identity", False, 1)
    analytic = net.gradients(X, y)
    numeric = numerical_gradients(net, X, y)  # h = 1e-5, order 2
    assert relative_error(analytic.W1, numeric.W1) < 1e-6
    assert relative_error(analytic.W2, numeric.W2) < 1e-6


def test_numerical_gradient_restores_param_when_f_raises():
    w = np.array([1.0, 2.0])

    def boom() -> float:
        raise RuntimeError("f failed")

    with pytest.raises(RuntimeError):
        numerical_gradient(boom, w)
    np.testing.assert_array_equal(w, [1.0, 2.0])


def test_wrong_sign_is_caught():
    """The notes' (20)/(35) are the negative gradient: relative error 1 against the truth."""
    net, X, y = _relu_safe_net(3, 2, 1, 4, "sigmoid", "identity", False, 0)
    g = net.gradients(X, y)
    numeric = numerical_gradients(net, X, y)
    assert relative_error(-g.W1, numeric.W1) == pytest.approx(1.0, abs=1e-6)


def test_relative_error_definition():
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error([1.0], [3.0]) == pytest.approx(0.5)
    assert relative_error([1.0, 10.0], [1.0, 9.0]) == pytest.approx(1 / 19)
    with pytest.raises(ValueError, match="same shape"):
        relative_error([1.0, 2.0], [1.0])


def test_bad_step_size():
    with pytest.raises(ValueError, match="h must be"):
        numerical_gradient(lambda: 0.0, np.zeros(2), h=0.0)
    with pytest.raises(ValueError, match="param must be a float64"):
        numerical_gradient(lambda: 0.0, [1.0, 2.0])
    with pytest.raises(ValueError, match="order must be 2 or 4"):
        numerical_gradient(lambda: 0.0, np.zeros(2), order=3)

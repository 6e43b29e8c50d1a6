"""Backprop through networks of any depth and every loss, against central differences."""

from __future__ import annotations

import numpy as np
import pytest
from bptutor.engine.nn.activations import ACTIVATIONS
from bptutor.engine.nn.gradcheck import numerical_gradients, relative_error
from bptutor.engine.nn.network import Network
from hypothesis import given, settings
from hypothesis import strategies as st

# Five-point stencil, h = 1e-3: ~1e-12 absolute, so entries down to ~1e-5 hold 1e-7 relative.
ACCURATE = {"h": 1e-3, "order": 4}
DEPTHS = {1: (4,), 2: (4, 3), 3: (3, 4, 3)}
OUTPUTS = {"mse": 2, "cross_entropy": 3, "binary_cross_entropy": 2}  # k per loss


def _targets(loss: str, rng: np.random.Generator, L: int, k: int, form: str) -> np.ndarray:
    if loss == "mse":
        return rng.normal(size=(L, k))
    if loss == "binary_cross_entropy":
        return rng.uniform(0.0, 1.0, size=(L, k)).round(1)  # 0/1 and soft targets alike
    classes = rng.integers(0, k, size=L)
    return classes if form == "indices" else np.eye(k)[classes]


def _kink_safe_problem(n, hidden, k, L, activation, loss, biases, form, seed):
    """A random network and data whose hidden pre-activations stay >= 0.05 from relu's kink,
    with some unit alive in every relu layer (else every gradient is zero).

    (A relu layer that is all zero for an example makes the next z exactly 0 without biases:
    then the weights are drawn again too.)
    """
    rng = np.random.default_rng(seed)
    y = _targets(loss, rng, L, k, form)
    for attempt in range(5000):
        if attempt % 50 == 0:
            net = Network.create(
                n_inputs=n,
                hidden=hidden,
                n_outputs=k,
                activation=activation,
                loss=loss,
                biases=biases,
                seed=seed + attempt,
            )
            if biases:
                for b in net.biases:
                    b[...] = rng.normal(scale=0.5, size=b.shape)
        X = rng.normal(size=(L, n))
        fwd = net.forward(X)
        hidden_z = fwd.zs[:-1]
        if activation != "relu" or (
            min(np.abs(z).min() for z in hidden_z) > 0.05 and all((z > 0).any() for z in hidden_z)
        ):
            return net, X, y
    pytest.fail("could not draw kink-safe inputs")  # pragma: no cover


def _assert_gradients_match(net, X, y):
    analytic = net.gradients(X, y).as_dict()
    numeric = numerical_gradients(net, X, y, **ACCURATE).as_dict()
    assert analytic.keys() == numeric.keys() == net.parameters().keys()
    for name, g in analytic.items():
        assert g.shape == numeric[name].shape == net.parameters()[name].shape, name
        # relative error 1e-7 (CS231n: < 1e-7 is right), absolute 1e-11 for entries near zero
        np.testing.assert_allclose(g, numeric[name], rtol=1e-7, atol=1e-11, err_msg=name)
    return analytic


@pytest.mark.parametrize("biases", [False, True], ids=["no-bias", "bias"])
@pytest.mark.parametrize("loss", list(OUTPUTS))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("depth", sorted(DEPTHS))
def test_every_depth_activation_loss_and_bias_matches_central_differences(
    depth, activation, loss, biases
):
    seed = 100 * depth + 10 * sorted(ACTIVATIONS).index(activation) + list(OUTPUTS).index(loss)
    net, X, y = _kink_safe_problem(
        3, DEPTHS[depth], OUTPUTS[loss], 5, activation, loss, biases, "one-hot", seed
    )
    grads = _assert_gradients_match(net, X, y)
    assert len(grads) == (depth + 1) * (2 if biases else 1)
    assert any(np.abs(g).max() > 1e-4 for g in grads.values())  # not a vacuous comparison


@pytest.mark.parametrize("form", ["indices", "one-hot"])
@pytest.mark.parametrize("depth", sorted(DEPTHS))
def test_cross_entropy_with_both_target_forms(depth, form):
    net, X, y = _kink_safe_problem(
        2, DEPTHS[depth], 4, 6, "tanh", "cross_entropy", True, form, 7 + depth
    )
    assert y.ndim == (1 if form == "indices" else 2)
    _assert_gradients_match(net, X, y)


@pytest.mark.parametrize("output", ["identity", "sigmoid", "tanh"])
def test_squared_error_with_elementwise_outputs_in_a_deep_network(output):
    net = Network.create(n_inputs=3, hidden=(4, 3), n_outputs=2, output=output, biases=True)
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    _assert_gradients_match(net, X, y)


def test_the_hidden_error_sign_slip_is_caught_in_a_deep_network():
    """Flipping one layer's δ (the notes' lost sign) gives relative error 1 against the truth."""
    net, X, y = _kink_safe_problem(3, (4, 3), 3, 5, "sigmoid", "cross_entropy", False, "", 1)
    g = net.gradients(X, y)
    numeric = numerical_gradients(net, X, y)
    assert relative_error(-g.weights[1], numeric.weights[1]) == pytest.approx(1.0, abs=1e-5)
    assert relative_error(g.weights[1], numeric.weights[1]) < 1e-6


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 4),
    hidden=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    L=st.integers(1, 5),
    activation=st.sampled_from(["sigmoid", "tanh", "identity"]),
    loss=st.sampled_from(list(OUTPUTS)),
    biases=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_backprop_property_any_depth(n, hidden, L, activation, loss, biases, seed):
    k = OUTPUTS[loss]
    net, X, y = _kink_safe_problem(n, hidden, k, L, activation, loss, biases, "indices", seed)
    _assert_gradients_match(net, X, y)

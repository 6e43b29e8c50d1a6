"""Networks of any depth: construction, the flat buffer, per-layer quantities, the old contract."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bptutor.engine.nn.network import Network


def _sig(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


def test_create_with_hidden_sizes_gives_one_array_per_layer():
    net = Network.create(n_inputs=3, hidden=(5, 4), n_outputs=2, activation="tanh", seed=1)
    assert [w.shape for w in net.weights] == [(5, 3), (4, 5), (2, 4)]
    assert net.biases is None and not net.has_biases
    assert net.sizes == (3, 5, 4, 2) and net.hidden == (5, 4) and net.n_layers == 3
    assert net.W1 is net.weights[0] and net.W2 is net.weights[1]
    withb = Network.create(n_inputs=3, hidden=[5, 4], n_outputs=2, biases=True, seed=1)
    assert [b.shape for b in withb.biases] == [(5,), (4,), (2,)]
    assert all(not b.any() for b in withb.biases)
    np.testing.assert_array_equal(withb.weights[2], net.weights[2])  # biases draw nothing


def test_one_hidden_layer_is_the_same_network_either_way():
    """n_hidden=m and hidden=(m,) draw the same weights; so do from_weights and from_layers."""
    old = Network.create(4, 6, 2, "relu", biases=True, seed=9)
    new = Network.create(
        n_inputs=4, hidden=(6,), n_outputs=2, activation="relu", biases=True, seed=9
    )
    np.testing.assert_array_equal(old.params, new.params)
    assert old.n_hidden == new.n_hidden == 6 and new.hidden == (6,)
    a = Network.from_weights(old.W1, old.W2, "relu", b1=[1.0] * 6, b2=[2.0, 3.0])
    b = Network.from_layers([old.W1, old.W2], [[1.0] * 6, [2.0, 3.0]], activation="relu")
    np.testing.assert_array_equal(a.params, b.params)
    X = np.random.default_rng(0).normal(size=(5, 4))
    np.testing.assert_array_equal(a.forward(X).y_hat, b.forward(X).y_hat)


def test_weights_and_biases_are_views_of_the_flat_buffer_layer_by_layer():
    net = Network.create(n_inputs=2, hidden=(3, 2), n_outputs=1, biases=True, seed=0)
    # layout: W1 (3x2), b1 (3), W2 (2x3), b2 (2), W3 (1x2), b3 (1)
    assert net.params.size == 6 + 3 + 6 + 2 + 2 + 1
    assert [(s.start, s.stop) for s in net.layer_slices] == [(0, 9), (9, 17), (17, 20)]
    net.params[:] = np.arange(20.0)
    np.testing.assert_array_equal(net.W1, [[0, 1], [2, 3], [4, 5]])
    np.testing.assert_array_equal(net.b1, [6, 7, 8])
    np.testing.assert_array_equal(net.weights[1], np.arange(9.0, 15.0).reshape(2, 3))
    np.testing.assert_array_equal(net.biases[2], [19.0])
    net.weights[2][0, 1] = -1.0  # in-place edits of a view reach the buffer
    assert net.params[18] == -1.0
    assert list(net.parameters()) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    twin = net.copy()
    net.params[:] = 0.0
    np.testing.assert_array_equal(twin.params[:3], [0.0, 1.0, 2.0])


def test_per_layer_forward_and_backward_match_explicit_loops():
    """A 2-3-2-1 sigmoid network with biases, written out as plain sums (no numpy)."""
    W = [
        [[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]],
        [[0.6, -0.2, 0.3], [-0.5, 0.4, 0.8]],
        [[1.2, -0.7]],
    ]
    B = [[0.1, -0.1, 0.05], [0.2, -0.3], [0.4]]
    net = Network.from_layers(W, B, activation="sigmoid")
    X, Y = [[1.0, -2.0], [0.5, 0.25]], [0.3, -0.6]
    L = 2
    fwd = net.forward(X)
    back = net.backward(X, Y)
    grads = net.gradients(X, Y)
    total = 0.0
    gW = [[[0.0] * len(row) for row in Wl] for Wl in W]
    gB = [[0.0] * len(bl) for bl in B]
    for p in range(L):
        a = [X[p]]
        zs = []
        for ly in range(3):
            z = [
                sum(W[ly][i][j] * a[-1][j] for j in range(len(a[-1]))) + B[ly][i]
                for i in range(len(W[ly]))
            ]
            zs.append(z)
            a.append([_sig(t) for t in z] if ly < 2 else z)
        err = a[3][0] - Y[p]
        total += err * err
        delta = [[], [], [err]]
        for ly in (1, 0):  # δ⁽ˡ⁾_i = Σ_o δ⁽ˡ⁺¹⁾_o W⁽ˡ⁺¹⁾_oi · σ′(z⁽ˡ⁾_i)
            delta[ly] = [
                sum(delta[ly + 1][o] * W[ly + 1][o][i] for o in range(len(W[ly + 1])))
                * _sig(zs[ly][i])
                * (1 - _sig(zs[ly][i]))
                for i in range(len(W[ly]))
            ]
        for ly in range(3):
            assert fwd.zs[ly][p].tolist() == pytest.approx(zs[ly], rel=1e-13)
            assert fwd.activations[ly][p].tolist() == pytest.approx(a[ly + 1], rel=1e-13)
            assert back.deltas[ly][p].tolist() == pytest.approx(delta[ly], rel=1e-12)
            for i in range(len(W[ly])):
                gB[ly][i] += delta[ly][i] / L
                for j in range(len(a[ly])):
                    gW[ly][i][j] += delta[ly][i] * a[ly][j] / L
        for ly in range(2):
            fp = [_sig(t) * (1 - _sig(t)) for t in zs[ly]]
            assert fwd.fprimes[ly][p].tolist() == pytest.approx(fp, rel=1e-12)
    assert len(fwd.fprimes) == 2  # hidden layers only
    assert net.cost(X, Y) == pytest.approx(total / (2 * L), rel=1e-13)
    for ly in range(3):
        np.testing.assert_allclose(grads.weights[ly], gW[ly], rtol=1e-12)
        np.testing.assert_allclose(grads.biases[ly], gB[ly], rtol=1e-12)
    # the old names are the first layer's (z, a, f′, δ_hidden) and the last (z_out, ŷ, δ_out)
    assert fwd.z is fwd.zs[0] and fwd.a is fwd.activations[0] and fwd.fprime is fwd.fprimes[0]
    assert fwd.z_out is fwd.zs[-1] and fwd.y_hat is fwd.activations[-1]
    assert back.delta_hidden is back.deltas[0] and back.delta_out is back.deltas[-1]
    assert grads.W1 is grads.weights[0] and grads.b2 is grads.biases[1]
    assert grads.as_dict().keys() == net.parameters().keys()
    norms = grads.layer_norms()
    assert norms[2] == pytest.approx(math.sqrt(sum(g * g for g in gW[2][0]) + gB[2][0] ** 2))
    assert math.sqrt(sum(n * n for n in norms)) == pytest.approx(grads.norm(), rel=1e-14)


def test_n_hidden_is_refused_for_deeper_networks_with_a_pointer():
    net = Network.create(n_inputs=2, hidden=(3, 3), seed=0)
    with pytest.raises(AttributeError, match=r"hidden=\(3, 3\): use net.hidden"):
        _ = net.n_hidden
    assert repr(net) == "Network(2-3-3-1, sigmoid -> identity)"
    ce = Network.create(n_inputs=2, hidden=4, n_outputs=3, loss="cross_entropy", biases=True)
    assert repr(ce) == "Network(2-4-3, sigmoid -> softmax, cross_entropy, biases)"


def test_the_loss_chooses_its_output_unless_one_is_named():
    kw = {"n_inputs": 2, "hidden": (3,), "n_outputs": 3}
    assert Network.create(**kw).output == "identity"
    assert Network.create(**kw, loss="cross_entropy").output == "softmax"
    assert Network.create(**kw, loss="binary_cross_entropy").output == "sigmoid"
    net = Network.create(**kw, output="sigmoid")
    assert net.output == net.output_activation == "sigmoid" and net.loss == "mse"
    assert Network.create(**kw, output="tanh", output_activation="tanh").output == "tanh"


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"hidden": ()}, r"hidden must be an integer >= 1 or a non-empty list"),
        ({"hidden": (3, 0)}, r"hidden must be .* got \(3, 0\)"),
        ({"hidden": (3, 2.5)}, r"hidden must be"),
        ({"hidden": "3,3"}, r"hidden must be"),
        ({"hidden": (True,)}, r"hidden must be"),
        ({"hidden": (3,), "n_hidden": 3}, r"give the hidden layer sizes once"),
        ({}, r"give the hidden layer sizes once"),
        ({"hidden": (3,), "output": "softmax"}, r"output softmax goes with loss='cross_entropy'"),
        ({"hidden": (3,), "loss": "hinge"}, r"loss must be one of mse, cross_entropy, binary"),
        ({"hidden": (3,), "output": "softplus"}, r"output must be one of .*softmax; got"),
        ({"hidden": (3,), "output": "relu", "output_activation": "tanh"}, r"give one"),
        (
            {"hidden": (3,), "loss": "cross_entropy", "output": "identity"},
            r"loss='cross_entropy' needs output='softmax'; got 'identity'",
        ),
        (
            {"hidden": (3,), "loss": "binary_cross_entropy", "output": "softmax"},
            r"loss='binary_cross_entropy' needs output='sigmoid'",
        ),
        (
            {"hidden": (3,), "output_activation": "softmax"},
            r"output_activation softmax goes with loss='cross_entropy', not 'mse'",
        ),
        (
            {"hidden": (3,), "loss": "cross_entropy", "output_activation": "identity"},
            r"loss='cross_entropy' needs output_activation='softmax'; got 'identity'",
        ),
        (
            {"hidden": (3,), "loss": "cross_entropy", "n_outputs": 1},
            r"loss='cross_entropy' needs n_outputs >= 2",
        ),
    ],
)
def test_bad_shapes_and_combinations_name_the_parameter(kwargs, pattern):
    args = {"n_inputs": 2, "n_outputs": 3} | kwargs
    with pytest.raises(ValueError, match=pattern):
        Network.create(**args)


def test_from_layers_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"W2 must have shape \(m2, 3\).*got shape \(4, 2\)"):
        Network.from_layers([np.ones((3, 2)), np.ones((4, 2)), np.ones((1, 4))])
    with pytest.raises(ValueError, match=r"W3 must have shape \(k, 4\)"):
        Network.from_layers([np.ones((3, 2)), np.ones((4, 3)), np.ones((1, 3))])
    with pytest.raises(ValueError, match=r"weights must hold at least 2 matrices"):
        Network.from_layers([np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"biases must hold 3 vectors"):
        Network.from_layers([np.ones((3, 2)), np.ones((4, 3)), np.ones((1, 4))], [None, None])
    with pytest.raises(ValueError, match=r"b2 must have shape \(4,\)"):
        Network.from_layers(
            [np.ones((3, 2)), np.ones((4, 3)), np.ones((1, 4))], [None, [1.0], None]
        )
    with pytest.raises(ValueError, match="W3 must contain only finite"):
        Network.from_layers([np.ones((3, 2)), np.ones((4, 3)), [[np.nan] * 4]])

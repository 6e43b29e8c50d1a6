"""The shipped data sets: shapes, targets, determinism, no shared mutable state."""

from __future__ import annotations

import numpy as np
import pytest
from bptutor.engine.nn.datasets import DATASET_NAMES, load_dataset


def test_names():
    assert DATASET_NAMES == ("xor", "sine", "moons", "circles", "spiral")  # new sets go last


def test_xor_is_the_truth_table():
    ds = load_dataset("xor", seed=123)
    assert ds.task == "classification" and ds.name == "xor"
    for x, t in zip(ds.X, ds.y, strict=True):
        assert t[0] == float(int(x[0]) ^ int(x[1]))
    assert ds.X.shape == (4, 2) and ds.y.shape == (4, 1)


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_shapes_finite_deterministic_and_read_only(name):
    a = load_dataset(name, seed=3)
    b = load_dataset(name, seed=3)
    assert a.X.dtype == a.y.dtype == np.float64
    assert a.X.ndim == 2 and a.y.ndim == 2 and a.X.shape[0] == a.y.shape[0] == len(a)
    assert np.all(np.isfinite(a.X)) and np.all(np.isfinite(a.y))
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.description and a.task in ("regression", "classification")
    with pytest.raises(ValueError):
        a.X[0, 0] = 1.0  # read-only: a lesson cannot spoil the set for the next one
    if a.task == "classification":
        assert set(np.unique(a.y)) == {0.0, 1.0}


@pytest.mark.parametrize("name", ["sine", "moons", "circles"])
def test_seed_changes_the_noise(name):
    assert not np.array_equal(load_dataset(name, seed=0).X, load_dataset(name, seed=1).X)


def test_sine_follows_the_sine():
    ds = load_dataset("sine", seed=0, n_samples=500, noise=0.05)
    assert ds.X.shape == (500, 1) and ds.task == "regression"
    resid = ds.y[:, 0] - np.sin(ds.X[:, 0])
    assert abs(resid.mean()) < 0.01 and 0.04 < resid.std() < 0.06
    assert ds.X.min() >= -np.pi and ds.X.max() <= np.pi


def test_circles_inner_ring_is_class_one():
    ds = load_dataset("circles", seed=0, noise=0.0)
    r = np.hypot(ds.X[:, 0], ds.X[:, 1])
    np.testing.assert_allclose(r[ds.y[:, 0] == 1], 0.5)
    np.testing.assert_allclose(r[ds.y[:, 0] == 0], 1.0)


def test_moons_are_balanced_and_centred():
    ds = load_dataset("moons", seed=0, n_samples=201)
    assert ds.X.shape == (201, 2)
    assert abs(int(ds.y.sum()) - 100) <= 1
    assert np.all(np.abs(ds.X.mean(axis=0)) < 0.2)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (
            {"name": "mnist"},
            r"dataset must be one of xor, sine, moons, circles, spiral; got 'mnist'",
        ),
        ({"name": "sine", "seed": -1}, r"seed must be an integer >= 0"),
        ({"name": "sine", "seed": 1.5}, r"seed must be"),
        ({"name": "sine", "n_samples": 1}, r"n_samples must be an integer >= 2"),
        ({"name": "xor", "n_samples": 10}, r"n_samples must be 4"),
        ({"name": "moons", "noise": -0.1}, r"noise must be a finite number >= 0"),
        ({"name": "moons", "noise": float("nan")}, r"noise must be"),
    ],
)
def test_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        load_dataset(**kwargs)


# -- the spiral (CS231n's three arms) -------------------------------------------------------------


def test_spiral_shape_one_hot_targets_and_balance():
    ds = load_dataset("spiral", seed=0)
    assert ds.X.shape == (300, 2) and ds.y.shape == (300, 3) and len(ds) == 300
    assert ds.task == "classification" and ds.n_classes == 3 and ds.n_outputs == 3
    np.testing.assert_array_equal(ds.y.sum(axis=1), 1.0)  # one-hot rows: what softmax takes
    np.testing.assert_array_equal(np.bincount(ds.labels), [100, 100, 100])
    np.testing.assert_array_equal(ds.y[np.arange(300), ds.labels], 1.0)
    uneven = load_dataset("spiral", seed=0, n_samples=301)
    np.testing.assert_array_equal(np.bincount(uneven.labels), [101, 100, 100])


def test_spiral_arms_follow_the_cs231n_recipe():
    """Arm j: radius r = linspace(0, 1, N), angle t = linspace(4j, 4j + 4, N) + noise,
    x = (r sin t, r cos t). Noise moves points along the circle only, so radii are exact."""
    N = 50
    exact = load_dataset("spiral", seed=4, n_samples=3 * N, noise=0.0)
    noisy = load_dataset("spiral", seed=4, n_samples=3 * N)
    for j in range(3):
        r = np.linspace(0.0, 1.0, N)
        t = np.linspace(4.0 * j, 4.0 * (j + 1), N)
        arm = exact.X[exact.labels == j]
        arm = arm[np.argsort(np.hypot(arm[:, 0], arm[:, 1]))]
        np.testing.assert_allclose(arm, np.column_stack([r * np.sin(t), r * np.cos(t)]), atol=1e-15)
        radii = np.sort(np.hypot(*noisy.X[noisy.labels == j].T))
        np.testing.assert_allclose(radii, r, atol=1e-15)
    assert not np.array_equal(noisy.X, exact.X)


def test_spiral_is_deterministic_for_a_seed_and_changes_with_it():
    a, b = load_dataset("spiral", seed=5), load_dataset("spiral", seed=5)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, load_dataset("spiral", seed=6).X)
    with pytest.raises(ValueError, match=r"n_samples must be at least 3 for spiral"):
        load_dataset("spiral", n_samples=2)


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_labels_and_class_counts(name):
    ds = load_dataset(name, seed=0)
    if ds.task == "regression":
        assert ds.n_classes is None
        with pytest.raises(ValueError, match="regression set"):
            _ = ds.labels
        return
    assert ds.labels.shape == (len(ds),) and ds.labels.dtype.kind == "i"
    assert set(np.unique(ds.labels)) == set(range(ds.n_classes))
    if ds.n_outputs == 1:
        np.testing.assert_array_equal(ds.labels, ds.y[:, 0])


@pytest.mark.parametrize("name", ["moons", "circles"])
def test_the_noise_does_not_change_the_order_of_the_examples(name: str) -> None:
    """One seed, one order: noise 0 draws the same random stream as any other noise."""
    quiet = load_dataset(name, seed=3, noise=0.0)
    noisy = load_dataset(name, seed=3, noise=0.2)
    np.testing.assert_array_equal(quiet.y, noisy.y)
    assert np.abs(quiet.X - noisy.X).max() < 2.0  # the same points, moved by the noise only

"""Small data sets the tutor trains on, generated from a seed (no downloads, no files).

Every set is a frozen ``Dataset`` with read-only arrays: ``X`` (L, n) and ``y`` (L, k), so it can
be handed to ``Network.cost`` / ``training.train`` as is. Classification targets are 0/1: one
column for two classes (xor, moons, circles), one-hot rows for more (spiral, k = 3), which is the
form softmax + cross-entropy takes; ``labels`` gives the class indices either way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from bptutor.engine.nn import checks

__all__ = ["DATASET_NAMES", "Dataset", "load_dataset"]


@dataclass(frozen=True, slots=True)
class Dataset:
    """A named data set: inputs X (L, n), targets y (L, k), the task and a line for learners."""

    name: str
    X: np.ndarray
    y: np.ndarray
    task: str  # "regression" | "classification"
    description: str

    @property
    def n_inputs(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_outputs(self) -> int:
        return int(self.y.shape[1])

    @property
    def n_classes(self) -> int | None:
        """2 for a 0/1 target, k for one-hot rows; None for regression."""
        if self.task != "classification":
            return None
        return 2 if self.n_outputs == 1 else self.n_outputs

    @property
    def labels(self) -> np.ndarray:
        """The class index of every example (int, shape (L,)); ValueError for regression."""
        if self.task != "classification":
            raise ValueError(f"{self.name} is a regression set: it has no class labels")
        if self.n_outputs == 1:
            return self.y[:, 0].astype(int)
        return np.argmax(self.y, axis=1)

    def __len__(self) -> int:
        return int(self.X.shape[0])


def _frozen(name: str, X: np.ndarray, y: np.ndarray, task: str, description: str) -> Dataset:
    X = np.ascontiguousarray(X, dtype=float)
    y = np.ascontiguousarray(y, dtype=float).reshape(X.shape[0], -1)
    X.flags.writeable = False
    y.flags.writeable = False
    return Dataset(name=name, X=X, y=y, task=task, description=description)


def _classes(
    rng: np.random.Generator,
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    description: str,
    noise: float | None = None,
) -> Dataset:
    """A classification set whose examples were made class by class, in a shuffled order;
    ``noise``: the sd of Gaussian noise added to every coordinate first (drawn even for 0, so
    that one seed gives one order of the examples whatever the noise)."""
    if noise is not None:
        X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(len(X))
    return _frozen(name, X[order], y[order], "classification", description)


def _two_classes(L: int) -> tuple[int, int, np.ndarray]:
    """The sizes of two classes of L examples (the first gets the odd one) and their 0/1
    targets, class by class."""
    first = (L + 1) // 2
    return first, L - first, np.concatenate([np.zeros(first), np.ones(L - first)])


def _xor(rng: np.random.Generator, L: int, sd: float) -> Dataset:
    if L != 4:
        raise ValueError(f"n_samples must be 4 (or None) for xor; got {L!r}")
    if sd != 0:
        raise ValueError(f"noise must be None for xor (its four points are exact); got {sd!r}")
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return _frozen(
        "xor",
        X,
        y,
        "classification",
        "XOR: 4 points, the target is 1 when exactly one input is 1. No straight line "
        "separates the classes, so the network needs its hidden layer (and biases).",
    )


def _sine(rng: np.random.Generator, L: int, sd: float) -> Dataset:
    x = np.sort(rng.uniform(-math.pi, math.pi, size=L))
    y = np.sin(x) + sd * rng.standard_normal(L)
    return _frozen(
        "sine",
        x.reshape(L, 1),
        y.reshape(L, 1),
        "regression",
        f"Noisy sine: {L} points x in [−π, π], target sin(x) plus Gaussian noise "
        f"(sd {sd:g}). One input, one output: a curve to fit.",
    )


def _moons(rng: np.random.Generator, L: int, sd: float) -> Dataset:
    n_top, n_bottom, y = _two_classes(L)
    t_top = rng.uniform(0.0, math.pi, size=n_top)
    t_bottom = rng.uniform(0.0, math.pi, size=n_bottom)
    top = np.column_stack([np.cos(t_top), np.sin(t_top)])
    bottom = np.column_stack([1.0 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)])
    centred = np.vstack([top, bottom]) - np.array([0.5, 0.25])  # the pair around the origin
    about = (
        f"Two moons: {L} points on two interleaved half circles (noise sd {sd:g}); the target "
        "is 1 on the lower moon. A curved boundary separates them."
    )
    return _classes(rng, "moons", centred, y, about, noise=sd)


def _circles(rng: np.random.Generator, L: int, sd: float) -> Dataset:
    n_outer, n_inner, y = _two_classes(L)
    t = rng.uniform(0.0, 2.0 * math.pi, size=L)
    radius = np.concatenate([np.full(n_outer, 1.0), np.full(n_inner, 0.5)])
    rings = np.column_stack([radius * np.cos(t), radius * np.sin(t)])
    about = (
        f"Circles: {L} points on two rings, radius 1 and 1/2 (noise sd {sd:g}); the target is "
        "1 on the inner ring. The boundary is a circle."
    )
    return _classes(rng, "circles", rings, y, about, noise=sd)


def _spiral(rng: np.random.Generator, L: int, sd: float) -> Dataset:
    # CS231n's spiral: K = 3 arms; arm j has radius 0..1 and angle 4j..4(j+1) plus noise.
    K = 3
    if L < K:
        raise ValueError(f"n_samples must be at least {K} for spiral (one point per arm); got {L}")
    counts = [L // K + (1 if j < L % K else 0) for j in range(K)]
    X = np.empty((L, 2))
    y = np.zeros((L, K))
    lo = 0
    for j, N in enumerate(counts):
        r = np.linspace(0.0, 1.0, N)
        t = np.linspace(4.0 * j, 4.0 * (j + 1), N) + sd * rng.standard_normal(N)
        X[lo : lo + N] = np.column_stack([r * np.sin(t), r * np.cos(t)])
        y[lo : lo + N, j] = 1.0
        lo += N
    return _classes(
        rng,
        "spiral",
        X,
        y,
        f"Spiral: {L} points on three arms winding out from the centre (angle noise sd "
        f"{sd:g}); the target is the arm, one-hot over 3 classes. No straight line separates "
        "any arm from the others.",
    )


# name -> (maker, default n_samples, default noise). New sets go at the end: views cycle
# through this order.
_MAKERS: dict[str, tuple[Callable[[np.random.Generator, int, float], Dataset], int, float]] = {
    "xor": (_xor, 4, 0.0),
    "sine": (_sine, 64, 0.1),
    "moons": (_moons, 200, 0.1),
    "circles": (_circles, 200, 0.08),
    "spiral": (_spiral, 300, 0.2),  # the noise is on the angle
}
DATASET_NAMES: tuple[str, ...] = tuple(_MAKERS)


def load_dataset(
    name: str, seed: int = 0, n_samples: int | None = None, noise: float | None = None
) -> Dataset:
    """The data set ``name``, identical for identical arguments.

    ``n_samples`` and ``noise`` override the defaults (64 / 0.1 for sine, 200 / 0.1 for moons,
    200 / 0.08 for circles, 300 / 0.2 for spiral, whose noise is on the angle); xor is always its
    four exact points.
    """
    key = name.strip().lower() if isinstance(name, str) else None
    if key not in _MAKERS:
        raise ValueError(f"dataset must be one of {', '.join(DATASET_NAMES)}; got {name!r}")
    seed = checks.integer(seed, "seed", 0)
    if n_samples is not None:
        n_samples = checks.integer(n_samples, "n_samples", 2)
    if noise is not None and (
        not isinstance(noise, int | float | np.floating)
        or isinstance(noise, bool)
        or not (0.0 <= float(noise) < math.inf)
    ):
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}")
    make, default_samples, default_noise = _MAKERS[key]
    L = default_samples if n_samples is None else n_samples
    sd = default_noise if noise is None else float(noise)
    return make(np.random.default_rng(seed), L, sd)

"""The typical slips a newcomer's walk through lessons 14-23 met with only "entries off": each
is now a declared mistake. Here every slip is computed in plain numpy from the step's drawn
numbers (never with the engine's own quantities) and typed as a learner would; the checker
must name it, and it must never be the right answer."""

from __future__ import annotations

import numpy as np
import pytest
from bptutor.engine.course.exercise import DrawnStep
from builtin_steps import drawn, typed

SEEDS = range(20)


def assert_named(inst: DrawnStep, slip, name: str, substance: str) -> None:
    """The slip is wrong, named, and its message says what it is about."""
    verdict = inst.check(slip if isinstance(slip, str) else typed(slip))
    assert not verdict.correct, (inst.step_id, inst.seed, name)
    assert verdict.mistake == name, (inst.step_id, inst.seed, name, verdict.message)
    assert substance in verdict.message, (inst.step_id, verdict.message)


def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


@pytest.mark.parametrize("seed", SEEDS)
def test_14_z_in_place_of_sigma(seed: int) -> None:
    """σ′ = σ·(1 − σ) computed with z itself for σ: z·(1 − z)."""
    inst = drawn("activations", "sigma-value", seed)
    z0 = float(inst.params["z0"])
    s = float(sigmoid(z0))
    assert inst.check(typed(s * (1 - s))).correct
    assert_named(inst, z0 * (1 - z0), "z for σ", "z·(1 − z)")


def test_14_the_one_draw_where_z_and_sigma_agree_is_avoided() -> None:
    """At z = 0.4, 0.4·0.6 = 0.24 is σ′(0.4) = 0.2403 to three figures: never drawn."""
    assert abs(0.4 * 0.6 - float(sigmoid(0.4) * (1 - sigmoid(0.4)))) < 0.001
    drawn_z = [float(drawn("activations", "sigma-value", s).params["z0"]) for s in range(300)]
    assert 0.4 not in drawn_z and len(set(drawn_z)) > 50  # every other value of the range


@pytest.mark.parametrize("seed", SEEDS)
def test_15_forward_with_w1_transposed(seed: int) -> None:
    """z = W1·x + b1 with the columns of W1 (W1ᵀ·x, the same as x as a row times W1)."""
    inst = drawn("biases", "forward", seed)
    W1 = np.asarray(inst.params["W1h"], dtype=float)
    b1 = np.asarray(inst.params["b1h"], dtype=float)
    x = np.asarray(inst.params["Xh"], dtype=float)[0]
    assert W1[0, 1] != W1[1, 0]  # never symmetric: the slip always shows
    assert inst.check(typed(W1 @ x + b1)).correct
    assert_named(inst, W1.T @ x + b1, "W1ᵀ", "W1ᵀ")
    assert_named(inst, x @ W1 + b1, "W1ᵀ", "Row i of W1")


@pytest.mark.parametrize("seed", SEEDS)
def test_17_linear_graph_with_w_for_w_transposed(seed: int) -> None:
    """A graph step with a declared mistake: ∂f/∂x computed as W·g instead of Wᵀ·g (the
    asked order is z2, z1, x2, x1)."""
    inst = drawn("vjp", "linear-graph", seed)
    p = {k: float(inst.params[k]) for k in ("w11", "w12", "w21", "w22", "g1", "g2")}
    W = np.array([[p["w11"], p["w12"]], [p["w21"], p["w22"]]])
    g = np.array([p["g1"], p["g2"]])
    right, slip = W.T @ g, W @ g
    assert inst.check(typed([g[1], g[0], right[1], right[0]])).correct
    assert_named(inst, [g[1], g[0], slip[1], slip[0]], "W·g for Wᵀg", "Wᵀ")


@pytest.mark.parametrize("seed", SEEDS)
def test_17_elementwise_vjp_without_the_slope(seed: int) -> None:
    """∂E/∂z = g ∘ f′(z) with the f′ forgotten: g as it arrived."""
    inst = drawn("vjp", "elementwise-vjp", seed)
    z = np.asarray(inst.params["z"], dtype=float)
    g = np.asarray(inst.params["g"], dtype=float)
    assert inst.check(typed(g * (1 - np.tanh(z) ** 2))).correct
    assert_named(inst, g, "no f′", "slope")


@pytest.mark.parametrize("seed", SEEDS)
def test_19_dot_product_for_the_elementwise_product(seed: int) -> None:
    """δ_h = (W2ᵀ·δ) ∘ f′(z) read as a dot product: one number, alone or in every entry."""
    inst = drawn("several-outputs", "hidden-error", seed)
    p = inst.params
    W1, W2 = np.asarray(p["W1"], dtype=float), np.asarray(p["W2"], dtype=float)
    x, y = np.asarray(p["x"], dtype=float), np.asarray(p["y"], dtype=float)
    a = sigmoid(W1 @ x)
    u = W2.T @ (W2 @ a - y)
    fp = a * (1 - a)
    assert inst.check(typed(u * fp)).correct
    dot = float(u @ fp)
    assert_named(inst, [dot, dot, dot], "dot product", "entry by entry")
    assert_named(inst, typed(dot), "dot product, one number", "one entry per hidden unit")


@pytest.mark.parametrize("seed", SEEDS)
def test_20_softmax_jacobian_with_positive_off_diagonal(seed: int) -> None:
    """J = diag(s) − s·sᵀ with +sᵢ·sⱼ off the diagonal."""
    inst = drawn("softmax-ce", "jacobian", seed)
    z = np.asarray(inst.params["z"], dtype=float)
    s = np.exp(z) / np.exp(z).sum()
    right = np.diag(s) - np.outer(s, s)
    assert inst.check(typed(right)).correct
    flipped = np.outer(s, s) + np.diag(s - 2 * s * s)
    assert np.allclose(np.diag(flipped), s * (1 - s))
    assert_named(inst, flipped, "off-diagonal sign", "−sᵢ·sⱼ")

"""Built-in lessons: the typical slips of the learner walk-through (issue 10) are named, not met
with a generic "not the right value". Every mistaken answer here is computed by the test itself,
from the drawn numbers and the maths, never by the engine's quantities."""

from __future__ import annotations

import numpy as np
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.templates import plain_array, plain_number

SEEDS = range(20)


def _instances(lesson_id: str, step_id: str, seeds=SEEDS):
    lesson = load_course().lesson(lesson_id)
    step = lesson.step(step_id)
    for seed in seeds:
        yield seed, draw(lesson, step, seed)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def _arr(value) -> np.ndarray:
    return np.asarray(value, dtype=float)


def _named(inst, answer: str, name: str, seed: int) -> None:
    v = inst.check(answer)
    assert not v.correct and v.mistake == name, (seed, answer, v)
    assert v.message and "not the right value" not in v.message, (seed, v)


def test_sigma_of_minus_z_is_named() -> None:
    for seed, inst in _instances("network", "a"):
        z = _arr(inst.params["W1"]) @ _arr(inst.params["x"])
        _named(inst, plain_array(1.0 / (1.0 + np.exp(z))), "sigma of -z", seed)
        assert inst.check(plain_array(_sigmoid(z))).correct, seed


def test_swapped_z_entries_are_named() -> None:
    for seed, inst in _instances("network", "z"):
        z = _arr(inst.params["W1"]) @ _arr(inst.params["x"])
        assert abs(z[0] - z[1]) >= 0.1 - 1e-9, (seed, z)
        _named(inst, plain_array(z[::-1]), "entries swapped", seed)
        assert inst.check(plain_array(z)).correct, seed


def test_tangent_plane_with_plus_x0_is_named() -> None:
    for seed, inst in _instances("gradient", "tangent"):
        p = inst.params
        x0, y0, z0, c = (float(p[k]) for k in ("x0", "y0", "z0", "c"))
        f0 = x0**2 + x0 * y0 + y0**2 + c * z0**2
        g = (2 * x0 + y0, x0 + 2 * y0, 2 * c * z0)
        wrong = f"{f0} + ({g[0]})*(x + ({x0})) + ({g[1]})*(y + ({y0})) + ({g[2]})*(z + ({z0}))"
        _named(inst, wrong, "bracket sign", seed)
        right = f"{f0} + ({g[0]})*(x - ({x0})) + ({g[1]})*(y - ({y0})) + ({g[2]})*(z - ({z0}))"
        assert inst.check(right).correct, seed


def test_outer_derivative_taken_at_t_is_named() -> None:
    """f(x) = x² + c·x, x(t) = t³: df/dx at x = t₀ instead of x = t₀³ (84 for c = 3, t₀ = 2)."""
    seen_84 = False
    for seed, inst in _instances("chain_rule", "one-var-value", range(40)):
        c, t0 = float(inst.params["c"]), float(inst.params["t0"])
        assert abs(t0) != 1, seed  # there x = t³ = t and the slip would be right
        wrong = (2 * t0 + c) * 3 * t0**2
        _named(inst, plain_number(wrong), "df/dx at t", seed)
        assert inst.check(plain_number((2 * t0**3 + c) * 3 * t0**2)).correct, seed
        if (c, t0) == (3, 2):
            seen_84 = True
            _named(inst, "84", "df/dx at t", seed)
    assert seen_84


def test_sum_with_swapped_delta_is_named() -> None:
    for seed, inst in _instances("kronecker", "collapse-vector", range(200)):
        c, j = _arr(inst.params["c"]), int(inst.params["j"])
        wrong = float(np.sum(c) - c[j - 1])  # δ = 1 for k ≠ j, 0 for k = j
        assert wrong != c[j - 1], (seed, c, j)
        _named(inst, plain_number(wrong), "delta cases swapped", seed)
        assert inst.check(plain_number(c[j - 1])).correct, seed


def _step_w1_by_hand(p) -> tuple[np.ndarray, ...]:
    W1, W2, x = _arr(p["W1"]), _arr(p["W2"]).reshape(-1), _arr(p["x"])
    y, eta = float(p["y"]), float(p["eta"])
    a = _sigmoid(W1 @ x)
    fp = a * (1 - a)
    miss = float(W2 @ a) - y  # ŷ − y
    new_w2 = W2 - eta * miss * a
    right = W1 - eta * np.outer(W2 * fp * miss, x)
    with_new_w2 = W1 - eta * np.outer(new_w2 * fp * miss, x)
    without_fprime = W1 - eta * np.outer(W2 * miss, x)
    return right, with_new_w2, without_fprime


def test_hidden_step_with_new_w2_or_without_fprime_is_named() -> None:
    for seed, inst in _instances("training", "step-w1", range(40)):
        right, with_new_w2, without_fprime = _step_w1_by_hand(inst.params)
        assert inst.check(plain_array(right)).correct, seed
        _named(inst, plain_array(with_new_w2), "new W2", seed)
        _named(inst, plain_array(without_fprime), "no f′", seed)


def test_g_itself_for_its_tangent_plane_is_named() -> None:
    for seed, inst in _instances("partials", "plane"):
        _named(inst, "x*exp(y)", "g itself", seed)
        _named(inst, "x·eʸ", "g itself", seed)
        x0 = float(inst.params["x0"])
        assert inst.check(f"x + ({x0})*y").correct, seed


# --- lesson 11: the finite-difference estimate is not the backprop value ----------------------


def _cost(W1: np.ndarray, W2: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """E = 1/(2L) Σ (y − ŷ)² for the notes' network (sigmoid, no biases), eq. (15)."""
    y_hat = _sigmoid(X @ W1.T) @ W2
    return float(np.sum((y - y_hat) ** 2) / (2 * len(y)))


def test_backprop_entry_rejects_the_finite_difference_estimate() -> None:
    """For many seeds: the estimate of step "network-fd" (h = 0.1), typed with the six decimals
    its explanation shows, is named as the estimate; the backprop value to six significant
    digits passes, and so does one worked from the six-decimal numbers the hints show."""
    for seed, inst in _instances("gradient-check", "backprop-entry", range(300)):
        p = inst.params
        W1, W2 = _arr(p["W1"]), _arr(p["W2"]).reshape(-1)
        X, y = _arr(p["X"]), _arr(p["y"])
        i, j, h = int(p["i"]) - 1, int(p["j"]) - 1, float(p["hw"])
        assert h == 0.1
        up, down = W1.copy(), W1.copy()
        up[i, j] += h
        down[i, j] -= h
        estimate = (_cost(up, W2, X, y) - _cost(down, W2, X, y)) / (2 * h)
        v = inst.check(f"{estimate:.6f}")
        assert not v.correct and v.mistake == "estimate", (seed, estimate, v)
        assert "finite-difference estimate" in v.message

        # backprop by hand: −(1/L) Σ (y − ŷ)·W2ᵢ·f′(zᵢ)·xⱼ
        a = _sigmoid(X @ W1.T)
        y_hat = a @ W2
        fp = a * (1 - a)
        exact = -np.mean((y - y_hat) * W2[i] * fp[:, i] * X[:, j])
        assert inst.check(f"{exact:.6g}").correct, (seed, exact)
        rounded = -np.mean((y - np.round(y_hat, 6)) * W2[i] * np.round(fp[:, i], 6) * X[:, j])
        assert inst.check(f"{rounded:.6g}").correct, (seed, exact, rounded)

"""Lessons 14-17 (activation derivatives, biases, computational graphs, vector-Jacobian
products): each key exercise solved by values computed here in plain numpy (never the engine's
own quantity), each declared mistake computed here and named by the checker, and the graph
steps' first-wrong-node feedback for the typical slips."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.course.coderun import live_processes
from bptutor.engine.course.exercise import DrawnStep, draw
from bptutor.engine.course.loader import builtin_course_dir, load_course
from bptutor.engine.course.model import Course

SEEDS = range(6)
GRAPH_SEEDS = range(30)  # graph steps draw from small sets: see all of them


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course()
    assert loaded.errors == ()
    return loaded


def drawn(course: Course, lesson_id: str, step_id: str, seed: int) -> DrawnStep:
    lesson = course.lesson(lesson_id)
    assert lesson is not None
    step = lesson.step(step_id)
    assert step is not None
    return draw(lesson, step, seed)


def num(x: float) -> str:
    return repr(float(x))


def vec(v: np.ndarray | list[float]) -> str:
    return "[" + ", ".join(num(x) for x in np.asarray(v, dtype=float).reshape(-1)) + "]"


def mat(m: np.ndarray) -> str:
    return "[" + ", ".join(vec(row) for row in np.asarray(m, dtype=float)) + "]"


def sig(z: np.ndarray | float) -> np.ndarray | float:
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def assert_named(inst: DrawnStep, answer: str, name: str, seed: int) -> None:
    verdict = inst.check(answer)
    assert not verdict.correct, (seed, name, answer)
    assert verdict.mistake == name, (seed, name, verdict.mistake, verdict.message)


def test_the_course_reaches_the_beyond_a_lessons(course: Course) -> None:
    ids = [lesson.id for lesson in course.lessons]
    for lesson_id in ("activations", "biases", "graphs", "vjp"):
        assert lesson_id in ids
    assert ids.index("activations") < ids.index("biases") < ids.index("graphs") < ids.index("vjp")


# --- 14: activation derivatives -----------------------------------------------------------------


def test_the_sigmoid_and_tanh_rules(course: Course) -> None:
    inst = drawn(course, "activations", "sigma-derivative", 0)
    assert inst.check("e^(-z)/(1 + e^(-z))^2").correct
    assert inst.check("sigma(z)*(1 - sigma(z))").correct
    assert_named(inst, "-e^(-z)/(1 + e^(-z))^2", "sign", 0)
    assert_named(inst, "-1/(1 + e^(-z))^2", "no inner derivative", 0)
    inst = drawn(course, "activations", "sigma-in-s", 0)
    assert inst.check("s - s^2").correct
    assert_named(inst, "1 - s", "one factor", 0)
    assert_named(inst, "1 - s^2", "tanh rule", 0)
    inst = drawn(course, "activations", "tanh-in-t", 0)
    assert inst.check("(1 - t)*(1 + t)").correct
    assert_named(inst, "t*(1 - t)", "sigmoid rule", 0)
    assert_named(inst, "1 + t^2", "sign", 0)


@pytest.mark.parametrize("seed", SEEDS)
def test_sigma_prime_at_a_point(course: Course, seed: int) -> None:
    inst = drawn(course, "activations", "sigma-value", seed)
    s = float(sig(float(inst.params["z0"])))
    assert inst.check(num(s * (1 - s))).correct
    assert_named(inst, num(s), "sigma itself", seed)
    assert_named(inst, num(1 - s * s), "tanh rule", seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_slopes_of_a_tanh_and_a_relu_layer(course: Course, seed: int) -> None:
    inst = drawn(course, "activations", "tanh-layer", seed)
    t = np.tanh(np.asarray(inst.params["z"], dtype=float))
    assert inst.check(vec(1 - t**2)).correct
    assert_named(inst, vec(t), "tanh itself", seed)
    assert_named(inst, vec(1 - t), "no square", seed)
    assert_named(inst, vec(t * (1 - t)), "sigmoid rule", seed)
    inst = drawn(course, "activations", "relu", seed)
    z = np.asarray(inst.params["z"], dtype=float)
    slope = (z > 0).astype(float)
    assert inst.check(vec(slope)).correct
    assert_named(inst, vec(np.maximum(z, 0)), "relu itself", seed)
    assert_named(inst, vec(1 - slope), "sign", seed)


def test_saturation_by_hand(course: Course) -> None:
    """σ′ ≤ ¼, and σ′(5) ≈ 0.0066 (the issue's number) is accepted where z = 5."""
    peak = drawn(course, "activations", "sigma-peak", 0)
    assert peak.check("1/4").correct
    assert_named(peak, "0.5", "sigma(0)", 0)
    assert_named(peak, "1", "tanh peak", 0)
    seen = set()
    for seed in range(40):
        inst = drawn(course, "activations", "sigma-far", seed)
        zf = float(inst.params["zf"])
        seen.add(zf)
        s = float(sig(zf))
        assert inst.check(num(s * (1 - s))).correct
        if zf == 5:
            assert inst.check("0.0066").correct
        assert_named(inst, num(-s * (1 - s)), "sign", seed)
        assert_named(inst, num(s), "sigma itself", seed)
    assert seen == {4, 5, 6}


# --- 15: biases ---------------------------------------------------------------------------------


def by_hand(params) -> dict[str, np.ndarray]:
    """The network with biases, forwards and backwards, in plain numpy."""
    W1, b1 = np.asarray(params["W1h"], float), np.asarray(params["b1h"], float)
    W2, b2 = np.asarray(params["W2h"], float).reshape(-1), float(params["b2h"])
    X, y = np.asarray(params["Xh"], float), np.asarray(params["yh"], float)
    Z = X @ W1.T + b1
    A = sig(Z)
    e = A @ W2 + b2 - y
    D = np.outer(e, W2) * A * (1 - A)
    return {"W1": W1, "b1": b1, "W2": W2, "X": X, "Z": Z, "A": A, "e": e, "D": D}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_forward_pass_with_a_bias(course: Course, seed: int) -> None:
    inst = drawn(course, "biases", "forward", seed)
    h = by_hand(inst.params)
    x = h["X"][0]
    assert inst.check(vec(h["W1"] @ x + h["b1"])).correct
    assert_named(inst, vec(h["W1"] @ x), "no bias", seed)
    assert_named(inst, vec(h["W1"] @ x - h["b1"]), "bias subtracted", seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_output_bias_gradient(course: Course, seed: int) -> None:
    inst = drawn(course, "biases", "db2", seed)
    e = by_hand(inst.params)["e"]
    assert inst.check(num(e.mean())).correct
    assert_named(inst, num(-e.mean()), "sign", seed)
    assert_named(inst, num(e.sum()), "no 1/L", seed)
    assert_named(inst, num(e[0]), "one example", seed)
    assert_named(inst, num(e[0] / 2), "one example, 1/L", seed)
    summed = drawn(course, "biases", "summed-cost", seed)
    assert summed.check(num(e.sum())).correct
    assert_named(summed, num(e.mean()), "mean", seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_hidden_bias_gradient_sums_over_the_batch(course: Course, seed: int) -> None:
    one = drawn(course, "biases", "db1-one", seed)
    h = by_hand(one.params)
    e, D, A, W2 = h["e"], h["D"], h["A"], h["W2"]
    assert one.check(vec(D[0])).correct
    assert_named(one, vec(e[0] * W2), "no f′", seed)
    assert_named(one, vec(e[0] * W2 * A[0]), "f for f′", seed)
    assert_named(one, vec(-D[0]), "sign", seed)
    batch = drawn(course, "biases", "db1-batch", seed)
    assert batch.check(vec(D.mean(axis=0))).correct
    assert_named(batch, vec(D[0]), "first example", seed)
    assert_named(batch, vec(D[1]), "last example", seed)
    assert_named(batch, vec(D.sum(axis=0)), "no 1/L", seed)
    assert_named(batch, vec(D.sum(axis=1) / 2), "wrong axis", seed)
    assert_named(batch, vec(np.outer(e, W2).sum(axis=0) / 2), "no f′", seed)


def test_the_bias_gradients_match_central_differences(course: Course) -> None:
    """The engine's grad_b1 and grad_b2 (what the steps expect) against a cost written here."""
    for seed in SEEDS:
        inst = drawn(course, "biases", "db1-batch", seed)
        p = inst.params
        W1, W2 = np.asarray(p["W1h"], float), np.asarray(p["W2h"], float).reshape(-1)
        X, y = np.asarray(p["Xh"], float), np.asarray(p["yh"], float)

        def E(b1: np.ndarray, b2: float, W1=W1, W2=W2, X=X, y=y) -> float:
            y_hat = sig(X @ W1.T + b1) @ W2 + b2
            return 0.5 * float(np.mean((y - y_hat) ** 2))

        b1, b2, h = np.asarray(p["b1h"], float), float(p["b2h"]), 1e-6
        numeric = [(E(b1 + h * u, b2) - E(b1 - h * u, b2)) / (2 * h) for u in np.eye(len(b1))]
        np.testing.assert_allclose(inst.expected, numeric, rtol=1e-6, atol=1e-9)
        db2 = drawn(course, "biases", "db2", seed)
        np.testing.assert_allclose(db2.expected, (E(b1, b2 + h) - E(b1, b2 - h)) / (2 * h))


# The learner's bias_grads, written the right way and with each declared slip.
HEAD = (
    (builtin_course_dir() / "solutions" / "biases.py").read_text("utf-8").split("def bias_grads")[0]
)
BODY = """
def bias_grads(W1, b1, W2, b2, X, y):
    _, A, y_hat = forward(W1, b1, W2, b2, X)
    L = X.shape[0]
    e = y_hat - y
    D = np.outer(e, W2[0]) * A * (1 - A)
{lines}
"""
CODE = {
    None: "    return D.sum(axis=0) / L, np.array([e.sum() / L])",
    "bias not summed over the batch": "    return D / L, e / L",
    "wrong axis": "    return D.sum(axis=1) / L, np.array([e.sum() / L])",
    "no f′": "    return np.outer(e, W2[0]).sum(axis=0) / L, np.array([e.sum() / L])",
    "no 1/L": "    return D.sum(axis=0), np.array([e.sum()])",
    "last example": (
        "    for l in range(L):\n"
        "        db1 = D[l] / L\n"
        "        db2 = np.array([e[l] / L])\n"
        "    return db1, db2"
    ),
}


@pytest.mark.parametrize("mistake", list(CODE), ids=lambda m: m or "right")
def test_bias_grads_in_code(course: Course, tmp_path: Path, mistake: str | None) -> None:
    inst = drawn(course, "biases", "code", 2)
    path = tmp_path / "biases.py"
    path.write_text(HEAD + BODY.format(lines=CODE[mistake]), encoding="utf-8")
    verdict = inst.check(str(path))
    if mistake is None:
        assert verdict.correct, verdict.message
    else:
        assert not verdict.correct and verdict.mistake == mistake, verdict.message
    assert live_processes() == []


# --- 16: computational graphs -------------------------------------------------------------------


@pytest.mark.parametrize("seed", GRAPH_SEEDS)
def test_two_gates_and_their_slips(course: Course, seed: int) -> None:
    """f = (u + v)·z, asked (q, z, v, u): by hand [z, q, z, z]."""
    inst = drawn(course, "graphs", "two-gates", seed)
    u, v, z = (float(inst.params[k]) for k in ("u", "v", "z"))
    q = u + v
    assert inst.check(vec([z, q, z, z])).correct
    # the local gradient ∂q/∂v = 1 without the upstream factor z
    verdict = inst.check(vec([z, q, 1, z]))
    assert verdict.mistake == "local-only" and "∂q/∂v" in verdict.message, verdict.message
    verdict = inst.check(vec([-z, q, -z, -z]))  # a sign slip at q, inherited below
    assert verdict.mistake == "sign" and "∂f/∂q" in verdict.message
    assert "2 more entries" in verdict.message  # v and u; z is right


@pytest.mark.parametrize("seed", GRAPH_SEEDS)
def test_the_gate_patterns(course: Course, seed: int) -> None:
    inst = drawn(course, "graphs", "gates", seed)
    a, b, g = (float(inst.params[k]) for k in ("ga", "gb", "g"))
    win = [g, 0.0] if a > b else [0.0, g]
    assert inst.check(vec([g, g, g * b, g * a, *win])).correct
    assert_named(inst, vec([g, g, g * a, g * b, *win]), "multiply not swapped", seed)
    assert_named(inst, vec([g / 2, g / 2, g * b, g * a, *win]), "add splits", seed)
    assert_named(inst, vec([g, g, g * b, g * a, g, g]), "max to both", seed)
    assert_named(inst, vec([1, 1, b, a, *(np.array(win) / g)]), "no upstream", seed)


@pytest.mark.parametrize("seed", GRAPH_SEEDS)
def test_the_neuron_forwards_and_backwards(course: Course, seed: int) -> None:
    fwd = drawn(course, "graphs", "forward", seed)
    w, x, b = (float(fwd.params[k]) for k in ("w", "x", "b"))
    o = math.tanh(w * x + b)
    assert fwd.check(vec([w * x, w * x + b, o])).correct
    assert_named(fwd, vec([w * x, w * x, math.tanh(w * x)]), "no bias", seed)
    back = drawn(course, "graphs", "neuron", seed)
    assert back.graph_values["o"] == pytest.approx(o)
    s = 1 - o * o
    assert back.check(vec([s, s, s, s * w, s * x])).correct
    verdict = back.check(vec([s, s, s, w, s * x]))  # ∂p/∂x = w without the upstream
    assert verdict.mistake == "local-only" and "∂p/∂x" in verdict.message, verdict.message


@pytest.mark.parametrize("seed", GRAPH_SEEDS)
def test_a_value_used_twice(course: Course, seed: int) -> None:
    """d = a·c, e = a + c, f = d·e, asked (e, d, c, a)."""
    inst = drawn(course, "graphs", "used-twice", seed)
    a, c = float(inst.params["a"]), float(inst.params["c"])
    d, e = a * c, a + c
    right = [d, e, e * a + d, e * c + d]
    assert inst.check(vec(right)).correct
    for only_one_path in (e * a, d):  # through d alone, through e alone
        verdict = inst.check(vec([d, e, only_one_path, e * c + d]))
        assert verdict.mistake == "paths-not-added", (seed, verdict.message)
        assert "c is used twice" in verdict.message
    verdict = inst.check(vec([d, e, e * a + d, -(e * c + d)]))
    assert verdict.mistake == "sign" and "∂f/∂a" in verdict.message
    calculus = drawn(course, "graphs", "check-calculus", seed)
    assert calculus.check("2*a*c + c^2").correct
    assert_named(calculus, "c*(a + c)", "path through d only", seed)
    assert_named(calculus, "a*c", "path through e only", seed)


# --- 17: vector-Jacobian products ---------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_a_jacobian_in_the_standard_layout(course: Course, seed: int) -> None:
    inst = drawn(course, "vjp", "jacobian", seed)
    u, v, c, k = (float(inst.params[n]) for n in ("u0", "v0", "c", "k"))
    J = np.array([[v, u], [2 * u, c], [k, -2 * v]])
    assert inst.check(mat(J)).correct
    assert_named(inst, mat(J.T), "transposed layout", seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_backward_is_j_transpose_g(course: Course, seed: int) -> None:
    inst = drawn(course, "vjp", "vjp", seed)
    J, g = np.asarray(inst.params["J"], float), np.asarray(inst.params["g"], float)
    right = [sum(J[i, j] * g[i] for i in range(3)) for j in range(3)]
    assert inst.check(vec(right)).correct
    assert_named(inst, vec(J @ g), "J·g", seed)
    assert_named(inst, vec(g[0] * J[0]), "one output", seed)


@pytest.mark.parametrize("seed", GRAPH_SEEDS)
def test_a_linear_layer_as_a_graph(course: Course, seed: int) -> None:
    inst = drawn(course, "vjp", "linear-graph", seed)
    p = {k: float(inst.params[k]) for k in ("w11", "w12", "w21", "w22", "g1", "g2")}
    W = np.array([[p["w11"], p["w12"]], [p["w21"], p["w22"]]])
    g = np.array([p["g1"], p["g2"]])
    dx = W.T @ g
    assert inst.check(vec([g[1], g[0], dx[1], dx[0]])).correct
    verdict = inst.check(vec([g[1], g[0], W[0, 1] * g[0], dx[0]]))  # x2 via z1 only
    assert verdict.mistake == "paths-not-added" and "x2 is used twice" in verdict.message


@pytest.mark.parametrize("seed", SEEDS)
def test_an_elementwise_layer_is_a_diagonal_jacobian(course: Course, seed: int) -> None:
    inst = drawn(course, "vjp", "diag", seed)
    z = np.asarray(inst.params["z"], float)
    slope = 1 - np.tanh(z) ** 2
    assert inst.check(mat(np.diag(slope))).correct
    assert_named(inst, mat(np.diag(np.tanh(z))), "f for f′", seed)
    assert_named(inst, mat(np.tile(slope, (3, 1))), "not diagonal", seed)
    inst = drawn(course, "vjp", "elementwise-vjp", seed)
    z, g = np.asarray(inst.params["z"], float), np.asarray(inst.params["g"], float)
    slope = 1 - np.tanh(z) ** 2
    assert inst.check(vec(np.diag(slope).T @ g)).correct
    assert_named(inst, vec(g * np.tanh(z)), "f for f′", seed)
    assert_named(inst, vec(g.sum() * slope), "full Jacobian", seed)
    assert_named(inst, vec(slope), "no upstream", seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_hidden_error_as_two_vjps(course: Course, seed: int) -> None:
    inst = drawn(course, "vjp", "hidden-error", seed)
    z = np.asarray(inst.params["z"], float)
    W2, dout = np.asarray(inst.params["W2"], float), np.asarray(inst.params["dout"], float)
    back = W2.T @ dout
    assert inst.check(vec(back * (1 - np.tanh(z) ** 2))).correct
    assert_named(inst, vec(back), "no f′", seed)
    assert_named(inst, vec(back * np.tanh(z)), "f for f′", seed)

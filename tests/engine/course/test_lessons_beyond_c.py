"""Lessons 21-23 (issue 11): deeper networks, vanishing gradients, why backprop is efficient.

Every key answer is recomputed here in plain numpy from the drawn parameters (never with the
engine's quantities), and every declared mistake, computed the same way, is named by the
checker."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.course.coderun import live_processes
from bptutor.engine.course.exercise import DrawnStep, draw
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.model import Lesson
from bptutor.engine.course.templates import plain_answer

SEEDS = (0, 1, 2, 7, 42)


@pytest.fixture(scope="module")
def course():
    return load_course()


def lesson_of(course, lesson_id: str) -> Lesson:
    found = course.lesson(lesson_id)
    assert found is not None, course.errors
    return found


def drawn(lesson: Lesson, step_id: str, seed: int) -> DrawnStep:
    step = lesson.step(step_id)
    assert step is not None
    return draw(lesson, step, seed)


def arr(value: object) -> np.ndarray:
    return np.asarray(value, dtype=float)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def assert_right_and_named(inst: DrawnStep, right: object, mistakes: dict[str, object]) -> None:
    """`right` passes; each value in `mistakes` fails and is named by its key."""
    verdict = inst.check(plain_answer(arr(right)))
    assert verdict.correct, (inst.step_id, inst.seed, verdict.message)
    for name, value in mistakes.items():
        verdict = inst.check(plain_answer(arr(value)))
        assert not verdict.correct, (inst.step_id, inst.seed, name)
        assert verdict.mistake == name, (inst.step_id, inst.seed, name, verdict.message)
    declared = {m.name for m in inst.mistakes}
    assert declared == set(mistakes), (inst.step_id, declared)


# --- lesson 21: deeper networks -----------------------------------------------------------------


def deep_by_hand(p: dict) -> dict[str, np.ndarray]:
    """The 2-2-2-1 network of lesson 21, forward and backward, one example, E = ½(y − ŷ)²."""
    W1, W2, W3, x, y = arr(p["V1"]), arr(p["V2"]), arr(p["V3"]), arr(p["x"]), float(p["t"])
    z1 = W1 @ x
    a1 = sigmoid(z1)
    z2 = W2 @ a1
    a2 = sigmoid(z2)
    yh = float(W3[0] @ a2)
    d3 = yh - y
    f1, f2 = a1 * (1 - a1), a2 * (1 - a2)
    d2 = W3[0] * d3 * f2
    d1 = (W2.T @ d2) * f1
    return dict(z1=z1, a1=a1, z2=z2, a2=a2, yh=yh, d3=d3, f1=f1, f2=f2, d2=d2, d1=d1)


def test_deeper_network_is_what_the_prose_says(course) -> None:
    """The shown forward values and deltas are the hand-computed ones, and W2 is never
    symmetric (so "W2 for W2ᵀ" is always another answer)."""
    lesson = lesson_of(course, "deeper")
    for seed in SEEDS:
        p = drawn(lesson, "intro", seed).params
        h = deep_by_hand(p)
        for name in ("z1", "a1", "z2", "a2", "f1", "f2", "d2", "d1"):
            np.testing.assert_allclose(arr(p[name]), h[name], rtol=1e-12, err_msg=name)
        assert float(p["yh"]) == pytest.approx(h["yh"], rel=1e-12)
        W2 = arr(p["V2"])
        assert abs(W2[0, 1] - W2[1, 0]) >= 0.4 - 1e-12


def test_deeper_forward_and_deltas(course) -> None:
    lesson = lesson_of(course, "deeper")
    for seed in SEEDS:
        p = drawn(lesson, "intro", seed).params
        h = deep_by_hand(p)
        W2, W3, x = arr(p["V2"]), arr(p["V3"]), arr(p["x"])
        assert_right_and_named(
            drawn(lesson, "forward", seed),
            h["a2"],
            {"no f": h["z2"], "skipped layer": sigmoid(W2 @ x)},
        )
        assert_right_and_named(
            drawn(lesson, "delta-top", seed),
            h["d2"],
            {
                "sign": -h["d2"],
                "no f′": W3[0] * h["d3"],
                "f for f′": W3[0] * h["d3"] * h["a2"],
            },
        )
        assert_right_and_named(
            drawn(lesson, "delta-down", seed),
            h["d1"],
            {
                "no transpose": (W2 @ h["d2"]) * h["f1"],
                "no f′": W2.T @ h["d2"],
                "wrong slope": (W2.T @ h["d2"]) * h["f2"],
            },
        )


def test_deeper_layer_gradients(course) -> None:
    """∂E/∂W⁽ˡ⁾ = δ⁽ˡ⁾·a⁽ˡ⁻¹⁾ᵀ by hand, and against central differences of E written here."""
    lesson = lesson_of(course, "deeper")
    for seed in SEEDS:
        p = drawn(lesson, "intro", seed).params
        h = deep_by_hand(p)
        x = arr(p["x"])
        g2, g1 = np.outer(h["d2"], h["a1"]), np.outer(h["d1"], x)

        def E(W1: np.ndarray, W2: np.ndarray, p: dict = p, x: np.ndarray = x) -> float:
            yh = arr(p["V3"])[0] @ sigmoid(W2 @ sigmoid(W1 @ x))
            return 0.5 * (float(p["t"]) - yh) ** 2

        W1, W2 = arr(p["V1"]), arr(p["V2"])
        for k, (W, g) in enumerate(((W1, g1), (W2, g2))):
            for idx in np.ndindex(W.shape):
                up, down = W.copy(), W.copy()
                up[idx] += 1e-6
                down[idx] -= 1e-6
                args = ((up, W2), (down, W2)) if k == 0 else ((W1, up), (W1, down))
                numeric = (E(*args[0]) - E(*args[1])) / 2e-6
                assert numeric == pytest.approx(g[idx], rel=1e-5, abs=1e-9)
        assert_right_and_named(
            drawn(lesson, "grad-w2", seed),
            g2,
            {
                "transpose": g2.T,
                "used x": np.outer(h["d2"], x),
                "used a2": np.outer(h["d2"], h["a2"]),
                "sign": -g2,
            },
        )
        assert_right_and_named(
            drawn(lesson, "grad-w1", seed),
            g1,
            {"transpose": g1.T, "used a1": np.outer(h["d1"], h["a1"]), "sign": -g1},
        )


def test_deeper_which_activation_choice(course) -> None:
    lesson = lesson_of(course, "deeper")
    inst = drawn(lesson, "which-a", 3)
    right = next(i for i, c in enumerate(inst.choices) if c.startswith("a⁽ˡ⁻¹⁾"))
    assert inst.check(str(right + 1)).correct
    assert not inst.check(str((right + 1) % len(inst.choices) + 1)).correct


# The learner's deep backward, right and with each declared slip written as code.
DEEP_HEAD = """import numpy as np


def backward(W1, W2, W3, X, y):
    L = X.shape[0]
    A1 = 1 / (1 + np.exp(-(X @ W1.T)))
    A2 = 1 / (1 + np.exp(-(A1 @ W2.T)))
    D3 = (A2 @ W3[0] - y).reshape(-1, 1)
    D2 = (D3 @ W3) * A2 * (1 - A2)
"""
DEEP_VARIANTS = {
    None: "    D1 = (D2 @ W2) * A1 * (1 - A1)\n"
    "    return D1.T @ X / L, D2.T @ A1 / L, D3.T @ A2 / L\n",
    "sign": "    D1 = (D2 @ W2) * A1 * (1 - A1)\n"
    "    return -(D1.T @ X) / L, -(D2.T @ A1) / L, -(D3.T @ A2) / L\n",
    "no 1/L": "    D1 = (D2 @ W2) * A1 * (1 - A1)\n    return D1.T @ X, D2.T @ A1, D3.T @ A2\n",
    "no f′ in layer 1": "    D1 = D2 @ W2\n    return D1.T @ X / L, D2.T @ A1 / L, D3.T @ A2 / L\n",
    "f for f′": "    D1 = (D2 @ W2) * A1\n    return D1.T @ X / L, D2.T @ A1 / L, D3.T @ A2 / L\n",
    "transposed": "    D1 = (D2 @ W2) * A1 * (1 - A1)\n"
    "    return X.T @ D1 / L, D2.T @ A1 / L, D3.T @ A2 / L\n",
}


@pytest.mark.parametrize("mistake", list(DEEP_VARIANTS), ids=lambda m: m or "right")
def test_deeper_code_step_names_each_slip(course, tmp_path: Path, mistake: str | None) -> None:
    inst = drawn(lesson_of(course, "deeper"), "code", 5)
    assert inst.code is not None
    assert inst.code.signature == "backward(W1, W2, W3, X, y)"
    path = tmp_path / "deep.py"
    path.write_text(DEEP_HEAD + DEEP_VARIANTS[mistake], encoding="utf-8")
    verdict = inst.code.check(path)
    if mistake is None:
        assert verdict.status == "correct", verdict.message
    else:
        assert verdict.status != "correct" and verdict.mistake == mistake, verdict.message
    assert live_processes() == []


def test_deeper_code_expects_the_true_gradients(course) -> None:
    """The engine's expected gradients against central differences of E written here."""
    inst = drawn(lesson_of(course, "deeper"), "code", 9)
    assert inst.code is not None
    for case in inst.code.cases:
        W1, W2, W3, X, y = case.args

        def E(Ws: list[np.ndarray], X: np.ndarray = X, y: np.ndarray = y) -> float:
            yh = sigmoid(sigmoid(X @ Ws[0].T) @ Ws[1].T) @ Ws[2][0]
            return 0.5 * float(np.mean((y - yh) ** 2))

        Ws = [W1, W2, W3]
        for k, W in enumerate(Ws):
            assert case.expected[k].shape == W.shape
            for idx in np.ndindex(W.shape):
                up = [w.copy() for w in Ws]
                down = [w.copy() for w in Ws]
                up[k][idx] += 1e-6
                down[k][idx] -= 1e-6
                numeric = (E(up) - E(down)) / 2e-6
                assert numeric == pytest.approx(case.expected[k][idx], rel=1e-5, abs=1e-9)


# --- lesson 22: vanishing gradients ---------------------------------------------------------------


def chain_by_hand(
    p: dict, f: Callable[[float], float], slope: Callable[[float], float]
) -> tuple[list[float], float, float]:
    """Lesson 22's chain, one unit a layer (a₁ = f(w1·x), a₂ = f(w2·a₁), a₃ = f(w3·a₂),
    ŷ = w4·a₃): the weights, δ at the output and δ reaching the first unit."""
    w = [float(p[f"w{i}"]) for i in range(1, 5)]
    a, slopes = float(p["x"]), []
    for wl in w[:3]:
        z = wl * a
        a = f(z)
        slopes.append(slope(z))
    d4 = w[3] * a - float(p["y"])
    return w, d4, d4 * w[3] * slopes[2] * w[2] * slopes[1] * w[1] * slopes[0]


def test_vanishing_chain_by_hand(course) -> None:
    def sig(z: float) -> float:
        return float(sigmoid(np.array(z)))

    lesson = lesson_of(course, "vanishing")
    for seed in SEEDS:
        inst = drawn(lesson, "chain", seed)
        w, d4, d1 = chain_by_hand(inst.params, sig, lambda z: sig(z) * (1 - sig(z)))
        assert abs(d1) < abs(d4) / 16  # three slopes of at most ¼ and weights of at most 1.5
        assert_right_and_named(
            inst,
            d1,
            {"sign": -d1, "no slopes": d4 * w[3] * w[2] * w[1], "with w1": d1 * w[0]},
        )


def test_vanishing_relu_chain_by_hand(course) -> None:
    lesson = lesson_of(course, "vanishing")
    for seed in SEEDS:
        inst = drawn(lesson, "relu-chain", seed)
        w, d4, d1 = chain_by_hand(inst.params, lambda z: max(z, 0.0), lambda z: float(z > 0))
        x = float(inst.params["x"])
        assert all(v > 0 for v in w) and x > 0  # every z > 0: relu′ = 1, the weights only
        assert d4 == pytest.approx(w[3] * w[2] * w[1] * w[0] * x - float(inst.params["y"]))
        assert d1 == pytest.approx(d4 * w[3] * w[2] * w[1])
        assert_right_and_named(inst, d1, {"sign": -d1, "with w1": d1 * w[0], "no weights": d4})


def test_vanishing_bound_is_a_power_of_four(course) -> None:
    lesson = lesson_of(course, "vanishing")
    for seed in SEEDS:
        inst = drawn(lesson, "bound", seed)
        k = int(inst.params["k"])
        assert not inst.integer  # a factor, not a count: 1/4ᵏ is named, not "not whole"
        assert_right_and_named(
            inst, 4**k, {"added": 4 * k, "one half": 2**k, "reciprocal": 0.25**k}
        )
        # as a learner types it: the multiplier (¼)ᵏ instead of top ÷ bottom
        for typed in (f"1/{4**k}", f"(1/4)^{k}"):
            verdict = inst.check(typed)
            assert verdict.mistake == "reciprocal", (seed, typed, verdict.message)
            assert "count" not in verdict.message and "reciprocal" in verdict.message
        assert inst.check("0").mistake != "reciprocal"  # 0 is no reciprocal of 4ᵏ


def test_vanishing_norms_are_the_first_gradient_of_the_train_step_network(course) -> None:
    """The shown sizes are ‖(∂E/∂W⁽ˡ⁾, ∂E/∂b⁽ˡ⁾)‖ of the XOR network, by a backward pass here."""
    from bptutor.engine.nn.datasets import load_dataset
    from bptutor.engine.nn.training import TrainConfig

    lesson = lesson_of(course, "vanishing")
    for seed in SEEDS[:3]:
        inst = drawn(lesson, "norms", seed)
        p = inst.params
        config = TrainConfig(
            dataset="xor", hidden=(8, 8, 8), activation="sigmoid", seed=int(p["ts"])
        )
        ds = load_dataset("xor", seed=config.seed)
        X, Y = arr(ds.X), arr(ds.y).reshape(-1, 1)
        net = config.make_network(2, 1)
        Ws, bs = [arr(w) for w in net.weights], [arr(b) for b in net.biases]
        As = [X]
        for W, b in zip(Ws[:-1], bs[:-1], strict=True):
            As.append(sigmoid(As[-1] @ W.T + b))
        D = (As[-1] @ Ws[-1].T + bs[-1] - Y) / len(X)
        sizes = []
        for layer in range(len(Ws) - 1, -1, -1):
            gW, gb = D.T @ As[layer], D.sum(axis=0)
            sizes.append(np.sqrt(np.sum(gW**2) + np.sum(gb**2)))
            if layer:
                D = (D @ Ws[layer]) * As[layer] * (1 - As[layer])
        sizes.reverse()
        np.testing.assert_allclose(arr(p["norms"]), sizes, rtol=1e-10)
        assert sizes[0] < sizes[1] < sizes[2] < sizes[3]  # smaller and smaller going down
        assert_right_and_named(inst, sizes[3] / sizes[0], {"upside down": sizes[0] / sizes[3]})


def symmetric_by_hand(p: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W1, W2, x, y = arr(p["SW1"]), arr(p["SW2"]), arr(p["sx"]), float(p["sy"])
    a = sigmoid(W1 @ x)
    delta = W2[0] * a * (1 - a) * (W2[0] @ a - y)
    return W1, x, np.outer(delta, x)


def test_vanishing_identical_units_get_identical_gradients(course) -> None:
    lesson = lesson_of(course, "vanishing")
    for seed in SEEDS:
        inst = drawn(lesson, "symmetry", seed)
        W1, x, G = symmetric_by_hand(inst.params)
        assert np.array_equal(W1[0], W1[1]) and x[0] != x[1]
        np.testing.assert_allclose(G[0], G[1], rtol=1e-14)
        assert_right_and_named(inst, G, {"transpose": G.T, "sign": -G})
        step = drawn(lesson, "symmetry-step", seed)
        lr = float(step.params["lr"])
        new = W1 - lr * G
        np.testing.assert_allclose(new[0], new[1], rtol=1e-14)  # still twins
        assert_right_and_named(step, new, {"uphill": W1 + lr * G, "no lr": W1 - G})


def test_vanishing_train_step_sits_on_the_plateau_its_prose_describes(course) -> None:
    """A quick drop to 0.125 (predicting ½ for every XOR target: ½·mean((y − ½)²)), a long
    plateau there, and only towards the end a fall; the loss never rises."""
    from bptutor.engine.nn.session import data_arrays, train_with

    inst = drawn(lesson_of(course, "vanishing"), "train", 0)
    config = inst.train_config
    assert config is not None
    assert tuple(config.hidden) == (8, 8, 8) and config.activation == "sigmoid"
    _, X, y = data_arrays(config)
    assert 0.5 * np.mean((y - 0.5) ** 2) == pytest.approx(0.125)
    net = config.make_network(X.shape[1], y.shape[1])
    losses = np.array([e.loss for e in train_with(config, net, X, y)])
    assert len(losses) == config.epochs == 3000
    assert np.all(losses[1:] <= losses[:-1])
    assert losses[0] > 0.3
    assert np.all(np.abs(losses[10:2000] - 0.125) < 0.002)  # the plateau
    assert losses[-1] < losses[2000] - 0.003  # it starts to move, late


# --- lesson 23: why backprop is efficient -------------------------------------------------------


def test_efficiency_counts(course) -> None:
    lesson = lesson_of(course, "efficiency")
    for seed in range(12):
        p = drawn(lesson, "intro", seed).params
        n, m1, m2, k = (int(p[s]) for s in ("n", "m1", "m2", "k"))
        # count by building the network's matrices
        shapes = [(m1, n), (m2, m1), (k, m2)]
        P = sum(r * c for r, c in shapes)
        deltas = k * m2 + m2 + m2 * m1 + m1  # W⁽³⁾ᵀ·δ⁽³⁾, ∘f′, W⁽²⁾ᵀ·δ⁽²⁾, ∘f′
        total = P + deltas + P
        cases = {
            "count-weights": (
                P,
                {
                    "with biases": P + m1 + m2 + k,
                    "units": n + m1 + m2 + k,
                    "one product": n * m1 * m2 * k,
                },
            ),
            "forward-mults": (P, {"no output layer": n * m1 + m1 * m2}),
            "fd-passes": (2 * P, {"one per weight": P, "one-sided": P + 1}),
            "fd-mults": (2 * P * P, {"passes only": 2 * P, "one pass per weight": P * P}),
            "backward-deltas": (
                deltas,
                {"input error": deltas + n * m1, "no ∘ f′": k * m2 + m1 * m2},
            ),
            "backward-total": (total, {"one P": P + deltas, "no errors": 2 * P}),
            "ratio": (2 * P * P / total, {"upside down": total / (2 * P * P), "passes": P}),
        }
        for step_id, (right, mistakes) in cases.items():
            inst = drawn(lesson, step_id, seed)
            assert inst.integer == (step_id != "ratio"), step_id
            assert_right_and_named(inst, right, mistakes)


def test_efficiency_count_weights_matches_a_real_network(course) -> None:
    """The count is the number of parameters a network of those sizes really has."""
    from bptutor.engine.nn.network import Network

    lesson = lesson_of(course, "efficiency")
    p = drawn(lesson, "count-weights", 4).params
    sizes = [int(p[s]) for s in ("n", "m1", "m2", "k")]
    net = Network.create(sizes[0], hidden=tuple(sizes[1:3]), n_outputs=sizes[3])
    assert net.params.size == int(drawn(lesson, "count-weights", 4).expected)

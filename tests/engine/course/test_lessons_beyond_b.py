"""Lessons 18–20 (issue 11, beyond the notes): the batch in matrix form, several outputs, softmax
with cross-entropy. Every right and every mistaken answer here is computed by the test itself
in plain numpy from the drawn numbers (never by the engine's quantities), and the checker must
accept the right one and name each slip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.course import quantities
from bptutor.engine.course.coderun import live_processes
from bptutor.engine.course.exercise import DrawnStep
from bptutor.engine.course.loader import builtin_course_dir
from bptutor.engine.nn.session import data_arrays, train_with
from bptutor.engine.nn.training import TrainConfig
from builtin_steps import drawn, typed

SEEDS = range(12)


def _arr(value) -> np.ndarray:
    return np.asarray(value, dtype=float)


def _right(inst: DrawnStep, answer, seed: int) -> None:
    v = inst.check(answer if isinstance(answer, str) else typed(answer))
    assert v.correct, (inst.step_id, seed, v.message)


def _named(inst: DrawnStep, answer, name: str, seed: int) -> None:
    v = inst.check(answer if isinstance(answer, str) else typed(answer))
    assert not v.correct and v.mistake == name, (inst.step_id, seed, name, v)
    assert v.message, (inst.step_id, seed, name)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


Answers = tuple[list[object], dict[str, object]]
"""A step's right answer (in each form a learner may type it) and, by the name of each slip
the step declares, the answer that slip gives."""


# --- lesson 18: the batch in matrix form ---------------------------------------------------------


def _batch(p: dict) -> dict[str, np.ndarray]:
    W1, W2, X, y = _arr(p["W1"]), _arr(p["W2"]).reshape(-1), _arr(p["X"]), _arr(p["y"])
    Z = X @ W1.T
    A = _sigmoid(Z)
    e = A @ W2 - y
    D = np.outer(e, W2) * A * (1 - A)
    L = X.shape[0]
    return {"W1": W1, "W2": W2, "X": X, "Z": Z, "A": A, "e": e, "D": D, "L": L,
            "G1": D.T @ X / L, "G2": (e @ A / L).reshape(1, -1)}  # fmt: skip


def _batch_answers(step_id: str, p: dict) -> Answers:
    b = _batch(p)
    W1, W2, X, A, e, D, G1, G2 = (b[k] for k in ("W1", "W2", "X", "A", "e", "D", "G1", "G2"))
    match step_id:
        case "forward-z":
            return [b["Z"]], {"transposed": W1 @ X.T, "W1·X": W1 @ X}
        case "delta":
            return [D], {"sign": -D, "no f′": np.outer(e, W2), "f for f′": np.outer(e, W2) * A}
        case "grad-w1":
            return [G1], {"transposed": X.T @ D / 3, "no 1/L": D.T @ X, "sign": -G1}
        case "grad-w2":
            slips = {"sign": -G2, "no 1/L": 3 * G2, "Z for A": (e @ b["Z"] / 3).reshape(1, -1)}
            return [G2, G2[0]], slips  # the row may be typed as a flat vector
        case "update":
            i, j = int(p["i"]) - 1, int(p["j"]) - 1
            w, g, lr = W1[i, j], G1[i, j], float(p["lr"])
            return [w - lr * g], {"uphill": w + lr * g, "no lr": w - g}
    raise AssertionError(step_id)


def test_batch_lesson_has_n_not_m() -> None:
    for seed in SEEDS:
        b = _batch(drawn("batch-matrix", "grad-w1", seed).params)
        assert b["W1"].shape == (2, 3) and b["X"].shape == (3, 3)  # m = 2 ≠ n = 3
        assert b["G1"].shape != b["G1"].T.shape


def test_batch_grad_w1_is_the_loop_of_lesson_10() -> None:
    for seed in SEEDS:
        b = _batch(drawn("batch-matrix", "grad-w1", seed).params)
        # the loop of lesson 10, example by example, is the same matrix as ΔᵀX/L
        loop = sum(np.outer(b["D"][k], b["X"][k]) for k in range(3)) / 3
        np.testing.assert_allclose(loop, b["G1"])


def test_batch_update_is_for_the_steepest_weight() -> None:
    for seed in SEEDS:
        inst = drawn("batch-matrix", "update", seed)
        G1 = _batch(inst.params)["G1"]
        i, j = np.unravel_index(np.argmax(np.abs(G1)), G1.shape)
        assert (int(inst.params["i"]), int(inst.params["j"])) == (i + 1, j + 1)


def test_batch_hand_worked_gradient() -> None:
    """One batch by hand: W1 = [[0.1, 0, 0.2], [0, 0.1, 0]], W2 = [1, −1], X = I, y = 0.

    z = W1·x⁽ˡ⁾ picks column l of W1; the quantities agree with the numbers worked out here."""
    W1 = np.array([[0.1, 0.0, 0.2], [0.0, 0.1, 0.0]])
    net = quantities.QUANTITIES["network"].func(W1, [[1.0, -1.0]], "sigmoid")
    X, y = np.eye(3), np.zeros(3)
    s = {0.0: 0.5, 0.1: 1 / (1 + np.exp(-0.1)), 0.2: 1 / (1 + np.exp(-0.2))}
    # example 1: z = (0.1, 0), example 2: (0, 0.1), example 3: (0.2, 0)
    a = np.array([[s[0.1], s[0.0]], [s[0.0], s[0.1]], [s[0.2], s[0.0]]])
    e = a[:, 0] - a[:, 1]  # ŷ = a₁ − a₂, y = 0
    delta = np.stack([e * a[:, 0] * (1 - a[:, 0]), -e * a[:, 1] * (1 - a[:, 1])], axis=1)
    expected = delta.T / 3  # X = I: ΔᵀX = Δᵀ
    got = quantities.QUANTITIES["grad_W1"].func(net, X, y)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


# --- lesson 19: several outputs ------------------------------------------------------------------


def _multi(p: dict) -> dict[str, np.ndarray]:
    W1, W2, x, y = _arr(p["W1"]), _arr(p["W2"]), _arr(p["x"]), _arr(p["y"])
    z = W1 @ x
    a = _sigmoid(z)
    d = W2 @ a - y
    u = W2.T @ d
    dh = u * a * (1 - a)
    return {"W1": W1, "W2": W2, "x": x, "y": y, "z": z, "a": a, "d": d, "u": u, "dh": dh}


def _multi_batch(p: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The batch step's two examples: A (L, m), D (L, k) one row of output errors per
    example, and ∂E/∂W2 = DᵀA/L."""
    W1, W2 = _arr(p["W1"]), _arr(p["W2"])
    X = np.stack([_arr(p["x"]), _arr(p["x2"])])
    Y = np.stack([_arr(p["y"]), _arr(p["y2"])])
    A = _sigmoid(X @ W1.T)
    D = A @ W2.T - Y
    return A, D, D.T @ A / 2


def _outputs_answers(step_id: str, p: dict) -> Answers:
    m = _multi(p)
    W2, x, z, a, d, u, dh = (m[k] for k in ("W2", "x", "z", "a", "d", "u", "dh"))
    match step_id:
        case "error-out":
            return [d], {"sign": -d, "no target": W2 @ a}
        case "grad-a":
            # both outputs' paths into a, added
            first, second = d[0] * W2[0], d[1] * W2[1]
            slips = {"first output only": first, "second output only": second, "sign": -u}
            return [first + second], slips
        case "hidden-error":
            dot = float(u @ (a * (1 - a)))  # a dot product where ∘ belongs
            slips = {"no f′": u, "f for f′": u * a, "sign": -dh}
            slips |= {"dot product": np.full(len(dh), dot), "dot product, one number": [dot]}
            return [dh], slips
        case "grad-w2":
            g = np.outer(d, a)
            return [g], {"transposed": np.outer(a, d), "sign": -g, "z for a": np.outer(d, z)}
        case "grad-w1":
            first = d[0] * W2[0] * a * (1 - a)
            slips = {
                "transposed": np.outer(x, dh),
                "no f′": np.outer(u, x),
                "first output only": np.outer(first, x),
            }
            return [np.outer(dh, x)], slips
        case "batch":
            A, D, G = _multi_batch(p)
            return [G], {"transposed": A.T @ D / 2, "no 1/L": D.T @ A, "sign": -G}
    raise AssertionError(step_id)


def test_outputs_shapes() -> None:
    for seed in SEEDS:
        m = _multi(drawn("several-outputs", "grad-a", seed).params)
        assert m["W2"].shape == (2, 3) and m["W1"].shape == (3, 2)


def test_outputs_batch_gradient_has_the_shape_of_w2() -> None:
    for seed in SEEDS:
        p = drawn("several-outputs", "batch", seed).params
        assert _multi_batch(p)[2].shape == _arr(p["W2"]).shape == (2, 3)


def test_outputs_gradients_match_finite_differences() -> None:
    """The k-output gradients the lesson expects are the slopes of ½·Σ_c (y_c − ŷ_c)²."""
    for seed in range(3):
        m = _multi(drawn("several-outputs", "grad-w1", seed).params)

        def E(W1: np.ndarray, W2: np.ndarray, m: dict = m) -> float:
            return 0.5 * float(np.sum((W2 @ _sigmoid(W1 @ m["x"]) - m["y"]) ** 2))

        for which, W in (("W1", m["W1"]), ("W2", m["W2"])):
            num = np.zeros_like(W)
            for idx in np.ndindex(W.shape):
                up, down = W.copy(), W.copy()
                up[idx] += 1e-6
                down[idx] -= 1e-6
                args = (up, m["W2"]) if which == "W1" else (m["W1"], up)
                args_down = (down, m["W2"]) if which == "W1" else (m["W1"], down)
                num[idx] = (E(*args) - E(*args_down)) / 2e-6
            exact = np.outer(m["dh"], m["x"]) if which == "W1" else np.outer(m["d"], m["a"])
            np.testing.assert_allclose(num, exact, rtol=1e-5, atol=1e-9)


# --- lesson 20: softmax and cross-entropy --------------------------------------------------------


def _soft(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def _softmax_answers(step_id: str, p: dict) -> Answers:
    z = _arr(p["z"])
    s = _soft(z)
    match step_id:
        case "softmax":
            return [np.exp(z) / np.exp(z).sum()], {"sigmoid": _sigmoid(z)}
        case "jacobian-entry":
            slips = {
                "sign": "s1*s3",
                "diagonal formula": "s1*(1 - s3)",
                "diagonal entry": "s1 - s1^2",
            }
            return ["-s1*s3", "s1*(0 - s3)"], slips
        case "jacobian":
            J = np.array([[s[i] * ((i == j) - s[j]) for j in range(3)] for i in range(3)])
            slips = {
                "elementwise": np.diag(s * (1 - s)),
                "no diagonal term": -np.outer(s, s),
                "sign": -J,
                "off-diagonal sign": np.where(np.eye(3) == 1, J, -J),
            }
            return [J], slips
        case "delta-out":
            y = np.eye(3)[int(p["c"]) - 1]
            return [s - y], {"elementwise": -y * (1 - s), "sign": y - s, "no Jacobian": -y / s}
        case "two-labels":
            y2 = _arr(p["y2"])
            return [2 * s - y2], {"one-hot assumption": s - y2, "sign": y2 - 2 * s}
    raise AssertionError(step_id)


def test_softmax_hand_worked() -> None:
    """z = (0, 0, ln 2)... in whole numbers: z = (1, 1, 1) gives s = ⅓ each, and the Jacobian
    ⅓·(δᵢⱼ − ⅓): 2/9 on the diagonal, −1/9 off it."""
    J = quantities.QUANTITIES["softmax_jacobian"].func([1.0, 1.0, 1.0])
    np.testing.assert_allclose(J, (3 * np.eye(3) - 1) / 9, rtol=1e-12)
    g = quantities.QUANTITIES["ce_grad"].func([1.0, 1.0, 1.0], [0.0, 1.0, 0.0])
    np.testing.assert_allclose(g, [1 / 3, -2 / 3, 1 / 3], rtol=1e-12)


def test_softmax_output_error_is_s_minus_y() -> None:
    for seed in SEEDS:
        p = drawn("softmax-ce", "delta-out", seed).params
        s, y = _soft(_arr(p["z"])), np.eye(3)[int(p["c"]) - 1]
        # the chain rule through the whole Jacobian, ∂E/∂s = −y/s
        J = np.diag(s) - np.outer(s, s)
        np.testing.assert_allclose(J.T @ (-y / s), s - y, atol=1e-12)


def test_softmax_two_labels_are_two_ones() -> None:
    for seed in SEEDS:
        y2 = _arr(drawn("softmax-ce", "two-labels", seed).params["y2"])
        assert y2.sum() == 2 and set(y2.tolist()) == {0.0, 1.0}


# --- every graded step of lessons 18-20: the right answer and each declared slip ----------------

BY_HAND = {
    "batch-matrix": _batch_answers,
    "several-outputs": _outputs_answers,
    "softmax-ce": _softmax_answers,
}


@pytest.mark.parametrize(
    "where",
    [
        "batch-matrix/forward-z",
        "batch-matrix/delta",
        "batch-matrix/grad-w1",
        "batch-matrix/grad-w2",
        "batch-matrix/update",
        "several-outputs/error-out",
        "several-outputs/grad-a",
        "several-outputs/hidden-error",
        "several-outputs/grad-w2",
        "several-outputs/grad-w1",
        "several-outputs/batch",
        "softmax-ce/softmax",
        "softmax-ce/jacobian-entry",
        "softmax-ce/jacobian",
        "softmax-ce/delta-out",
        "softmax-ce/two-labels",
    ],
)
def test_the_right_answer_passes_and_each_declared_slip_is_named(where: str) -> None:
    lesson_id, step_id = where.split("/")
    for seed in SEEDS:
        inst = drawn(lesson_id, step_id, seed)
        rights, slips = BY_HAND[lesson_id](step_id, inst.params)
        for answer in rights:
            _right(inst, answer, seed)
        for name, answer in slips.items():
            _named(inst, answer, name, seed)
        assert {m.name for m in inst.mistakes} == set(slips), (where, seed)


def test_softmax_train_step_is_the_spiral() -> None:
    inst = drawn("softmax-ce", "train", 0)
    cfg = inst.train_config
    assert isinstance(cfg, TrainConfig)
    assert cfg.dataset == "spiral" and cfg.loss == "cross_entropy"
    assert cfg.hidden_sizes == (16, 16)
    net = cfg.make_network(2, 3)
    assert net.output == "softmax" and net.sizes == (2, 16, 16, 3)


def test_softmax_train_step_learns_the_spiral() -> None:
    """The run the step shows: the loss falls at every epoch and the arms are told apart."""
    cfg = drawn("softmax-ce", "train", 0).train_config
    _, X, y = data_arrays(cfg)
    net = cfg.make_network(X.shape[1], y.shape[1])
    losses = np.array([e.loss for e in train_with(cfg, net, X, y)])
    assert np.all(np.diff(losses) <= 0)
    assert losses[-1] < 0.05 * losses[0]
    accuracy = np.mean(net.predict(X).argmax(axis=1) == y.argmax(axis=1))
    assert accuracy >= 0.95, accuracy


# --- lesson 20's code steps ----------------------------------------------------------------------

SOFTMAX = """
def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
"""

BACKWARD = """
def ce_backward(Z, Y):
    L = Z.shape[0]
    S = softmax(Z)
    return -np.sum(Y * np.log(S)) / L, (S - Y) / L
"""


def _learner(tmp_path: Path, body: str) -> str:
    path = tmp_path / "softmax.py"
    path.write_text("import numpy as np\n" + SOFTMAX + body, encoding="utf-8")
    return str(path)


@pytest.fixture(autouse=True)
def _nothing_left_behind():
    yield
    assert live_processes() == []


def test_code_reference_and_right_code_pass(tmp_path: Path) -> None:
    reference = str(builtin_course_dir() / "solutions" / "softmax.py")
    for step_id in ("code-softmax", "code-backward"):
        inst = drawn("softmax-ce", step_id, 5)
        assert inst.check(reference).correct, step_id
    v = drawn("softmax-ce", "code-backward", 5).check(_learner(tmp_path, BACKWARD))
    assert v.correct, v.message


@pytest.mark.parametrize(
    ("body", "mistake", "says"),
    [
        pytest.param(
            "    E = np.exp(Z)\n    return E / E.sum(axis=1, keepdims=True)\n",
            "not-finite",
            "NaN",  # the case near 1000 overflows
            id="overflow",
        ),
        pytest.param(
            "    E = np.exp(Z - Z.max())\n    return E / E.sum(axis=0, keepdims=True)\n",
            "columns",
            "normalises the columns",
            id="columns",
        ),
    ],
)
def test_code_softmax_slips(tmp_path: Path, body: str, mistake: str, says: str) -> None:
    inst = drawn("softmax-ce", "code-softmax", 5)
    path = tmp_path / "softmax.py"
    path.write_text("import numpy as np\n\ndef softmax(Z):\n" + body, encoding="utf-8")
    v = inst.check(str(path))
    assert not v.correct and v.mistake == mistake and says in v.message, v.message


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("sign", "(S - Y) / L", "(Y - S) / L"),
        ("no 1/L", "(S - Y) / L", "(S - Y)"),
        ("elementwise", "(S - Y) / L", "-Y * (1 - S) / L"),
        ("one-hot gradient", "(S - Y) / L", "(S - np.eye(Z.shape[1])[Y.argmax(axis=1)]) / L"),
        (
            "one-hot loss",
            "-np.sum(Y * np.log(S)) / L",
            "-np.mean(np.log(S[np.arange(L), Y.argmax(axis=1)]))",
        ),
        ("no 1/L in E", "-np.sum(Y * np.log(S)) / L", "-np.sum(Y * np.log(S))"),
    ],
)
def test_code_backward_slips_are_named(tmp_path: Path, name: str, old: str, new: str) -> None:
    inst = drawn("softmax-ce", "code-backward", 5)
    assert old in BACKWARD
    v = inst.check(_learner(tmp_path, BACKWARD.replace(old, new)))
    assert not v.correct and v.mistake == name, (name, v.message)


# --- the quantities, against plain numpy ---------------------------------------------------------


def test_outputs_quantities_against_numpy() -> None:
    q = quantities.QUANTITIES
    rng = np.random.default_rng(4)
    W1, W2 = rng.normal(size=(3, 2)), rng.normal(size=(2, 3))
    X, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    net = q["network"].func(W1, W2, "tanh")
    A = np.tanh(X @ W1.T)
    E = A @ W2.T - Y
    D = (E @ W2) * (1 - A**2)
    np.testing.assert_allclose(q["net_cost"].func(net, X, Y), 0.5 * np.sum(E**2) / 4)
    np.testing.assert_allclose(q["net_delta_out"].func(net, X, Y), E)
    np.testing.assert_allclose(q["net_delta_hidden"].func(net, X, Y), D)
    np.testing.assert_allclose(q["net_grad_W2"].func(net, X, Y), E.T @ A / 4)
    np.testing.assert_allclose(q["net_grad_W1"].func(net, X, Y), D.T @ X / 4)
    np.testing.assert_allclose(q["net_delta_out"].func(net, X[0], Y[0]), E[0])
    Z = rng.normal(size=(4, 3))
    T = np.eye(3)[[0, 2, 1, 2]]
    S = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(q["softmax"].func(Z), S)
    np.testing.assert_allclose(q["cross_entropy"].func(Z, T), -np.mean(np.log(S[T == 1])))
    np.testing.assert_allclose(q["ce_grad"].func(Z, T), (S - T) / 4)
    np.testing.assert_allclose(q["one_hot"].func([1, 3, 2, 3], 3), np.eye(3)[[0, 2, 1, 2]])
    for name in ("softmax_jacobian", "ce_grad", "net_delta_out", "net_delta_hidden"):
        assert q[name].numeric is not None, name
    with pytest.raises(ValueError, match="class numbers from 1 to 3"):
        q["one_hot"].func(4, 3)
    with pytest.raises(ValueError, match="2 target"):
        q["net_cost"].func(net, X, Y[:, 0])

"""Lessons 09-10's practice beyond the 2-2-2 sigmoid network (issue 11): the notes' own sizes
n = 3, m = 2, L = 3, a tanh network, a non-square W1, and a computed step in place of a
multiple choice. Every expected value here is computed independently in plain numpy, and each
declared mistake, computed the same way, is named by the checker."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.loader import load_course
from builtin_steps import typed

SEEDS = range(8)
LESSONS = Path(__file__).resolve().parents[3] / "lessons"


def _instances(lesson_id: str, step_id: str):
    lesson = load_course().lesson(lesson_id)
    step = lesson.step(step_id)
    for seed in SEEDS:
        yield seed, draw(lesson, step, seed)


def _arr(p: dict, name: str) -> np.ndarray:
    return np.asarray(p[name], dtype=float)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _verdict(inst, value: np.ndarray):
    return inst.check(typed(value))


def _assert_named(inst, value: np.ndarray, name: str, seed: int) -> None:
    v = _verdict(inst, value)
    assert not v.correct and v.mistake == name, (seed, name, v)


def test_w2_gradient_at_the_notes_sizes() -> None:
    """grad-w2/gradient-notes: n = 3, m = 2, L = 3; ∇_W2 E = (1/L)·Σ (ŷ − y)·aᵀ."""
    for seed, inst in _instances("grad-w2", "gradient-notes"):
        p = inst.params
        W1, W2, X, y = (_arr(p, k) for k in ("W1n", "W2n", "Xn", "yn"))
        assert W1.shape == (2, 3) and W2.shape == (1, 2) and X.shape == (3, 3) and y.shape == (3,)
        Z = X @ W1.T
        A = _sigmoid(Z)
        miss = A @ W2[0] - y
        grad = (miss @ A / 3).reshape(1, 2)
        assert _verdict(inst, grad).correct, seed
        _assert_named(inst, -grad, "sign", seed)
        _assert_named(inst, 3 * grad, "no 1/L", seed)
        _assert_named(inst, (miss @ Z / 3).reshape(1, 2), "z for a", seed)


def test_the_collapsed_sum_is_computed_not_chosen() -> None:
    """grad-w1/collapse-value: ∂ŷ/∂W1ᵢⱼ = W2ᵢ·f′(zᵢ)·xⱼ for the first example, i ≠ j."""
    for seed, inst in _instances("grad-w1", "collapse-value"):
        p = inst.params
        W1, W2, X = _arr(p, "W1"), _arr(p, "W2")[0], _arr(p, "X")
        i, j = int(p["i"]) - 1, int(p["j"]) - 1
        assert i != j
        x = X[0]
        a = _sigmoid(W1 @ x)
        fp = a * (1 - a)
        assert _verdict(inst, W2[i] * fp[i] * x[j]).correct, seed
        _assert_named(inst, (W2 @ fp) * x[j], "sum kept", seed)
        _assert_named(inst, W2[j] * fp[j] * x[i], "swapped index", seed)
        _assert_named(inst, W2[i] * a[i] * x[j], "f for f′", seed)


def _tanh_net(p: dict):
    W1, W2, X, y = (_arr(p, k) for k in ("W1t", "W2t", "Xt", "yt"))
    assert W1.shape == (2, 3) and X.shape == (3, 3) and y.shape == (3,)
    A = np.tanh(X @ W1.T)
    miss = A @ W2[0] - y
    return W1, W2[0], X, y, A, miss


def test_hidden_error_with_tanh() -> None:
    """grad-w1/hidden-error-tanh: δ = W2ᵀ ∘ (1 − a²) · (ŷ − y) for the first example."""
    for seed, inst in _instances("grad-w1", "hidden-error-tanh"):
        _, w2, _, _, A, miss = _tanh_net(inst.params)
        a, r = A[0], miss[0]
        assert _verdict(inst, w2 * (1 - a**2) * r).correct, seed
        _assert_named(inst, -w2 * (1 - a**2) * r, "sign", seed)
        _assert_named(inst, w2 * a * (1 - a) * r, "sigmoid slope", seed)
        _assert_named(inst, w2 * a * r, "f for f′", seed)


def test_w1_gradient_is_m_by_n_and_its_transpose_is_named() -> None:
    """grad-w1/gradient-notes: ∇_W1 E = (1/L)·ΔᵀX is 2×3; XᵀΔ (3×2) is "transposed"."""
    for seed, inst in _instances("grad-w1", "gradient-notes"):
        _, w2, X, _, A, miss = _tanh_net(inst.params)
        D = miss[:, None] * w2[None, :] * (1 - A**2)
        grad = D.T @ X / 3
        assert grad.shape == (2, 3)
        assert _verdict(inst, grad).correct, seed
        _assert_named(inst, X.T @ D / 3, "transposed", seed)
        _assert_named(inst, -grad, "sign", seed)
        _assert_named(inst, 3 * grad, "no 1/L", seed)
        D_sig = miss[:, None] * w2[None, :] * A * (1 - A)
        _assert_named(inst, D_sig.T @ X / 3, "sigmoid slope", seed)


def test_the_swapped_index_never_looks_like_a_sign_slip() -> None:
    """grad-w1's lesson require: |∂E/∂W1₁₂| and |∂E/∂W1₂₁| of example 1 differ by 3 % or more."""
    for seed, inst in _instances("grad-w1", "entry-one"):
        p = inst.params
        W1, W2, x = _arr(p, "W1"), _arr(p, "W2")[0], _arr(p, "X")[0]
        a = _sigmoid(W1 @ x)
        fp = a * (1 - a)
        rho = (abs(W2[0]) * fp[0] / x[0]) / (abs(W2[1]) * fp[1] / x[1])
        assert abs(rho - 1) >= 0.03, seed


def test_training_ends_by_pointing_beyond_the_notes() -> None:
    lesson = load_course().lesson("training")
    last = lesson.steps[-1]
    assert last.id == "beyond" and last.exercise is None
    text = draw(lesson, last, 0).text
    for topic in ("biases", "softmax", "deeper networks", "vanishing gradients"):
        assert topic in text


def test_the_multiple_choice_collapse_became_a_computed_step() -> None:
    ids = [s.id for s in load_course().lesson("grad-w1").steps]
    assert "collapse" not in ids and "collapse-value" in ids
    assert ids.index("dz-dw1") < ids.index("collapse-value") < ids.index("entry-formula")


@pytest.mark.parametrize("n", range(1, 14))
def test_lessons_1_to_13_compute_in_infix(n: int) -> None:
    """Format 2: arithmetic reads as maths; the format-1 calls for plain arithmetic are gone."""
    (path,) = LESSONS.glob(f"{n:02d}_*.toml")
    index = (LESSONS / "index.toml").read_text(encoding="utf-8")
    assert re.search(r"^format_version = 2$", index, re.M)
    text = path.read_text(encoding="utf-8")
    found = re.findall(r"\b(neg|sub|add|scale|mul|div|vector)\(", text)
    assert not found, (path.name, found)

"""Quantities lesson files name, against hand-worked numbers and finite differences:
Kronecker deltas, identity, with_entry, mod, abs, central_diff, forward_diff, relative_error,
perturb."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from bptutor.engine.course.quantities import QUANTITIES, Function
from bptutor.engine.nn.gradcheck import relative_error as gradcheck_relative_error
from bptutor.engine.nn.network import Network


def q(name: str, *args: object) -> Any:
    return QUANTITIES[name].func(*args)


def test_kronecker_is_the_derivative_of_one_variable_by_another() -> None:
    # ∂y_k/∂y_j by central differences on y ↦ y_k, compared with δ_kj for every pair.
    y = np.array([0.3, -1.2, 2.0])
    h = 1e-6
    for k in range(1, 4):
        for j in range(1, 4):
            up, down = y.copy(), y.copy()
            up[j - 1] += h
            down[j - 1] -= h
            numeric = (up[k - 1] - down[k - 1]) / (2 * h)
            assert q("kronecker", k, j) == pytest.approx(numeric)
    assert q("kronecker", 2, 2) == 1.0 and q("kronecker", 2, 3) == 0.0


def test_identity_leaves_vectors_unchanged_and_holds_the_deltas() -> None:
    eye = q("identity", 4)
    v = np.array([1.5, -2.0, 0.0, 7.0])
    np.testing.assert_array_equal(eye @ v, v)
    for k in range(1, 5):
        for j in range(1, 5):
            assert eye[k - 1, j - 1] == q("kronecker", k, j)


def test_with_entry_sets_one_entry_one_based_and_copies() -> None:
    A = np.arange(6.0).reshape(2, 3)
    B = q("with_entry", A, 2, 3, -9)
    assert B[1, 2] == -9 and A[1, 2] == 5  # the original is untouched
    mask = np.ones_like(A, dtype=bool)
    mask[1, 2] = False
    np.testing.assert_array_equal(B[mask], A[mask])


def test_with_entry_makes_a_drawn_matrix_non_symmetric() -> None:
    # The lessons' idiom: set A_ij to A_ji + d with d ≠ 0, so A_ij ≠ A_ji whatever was drawn.
    rng = np.random.default_rng(0)
    for _ in range(50):
        A0 = rng.integers(-4, 5, size=(3, 3)).astype(float)
        A = q("with_entry", A0, 1, 2, A0[1, 0] + rng.integers(1, 4))
        assert A[0, 1] != A[1, 0]


def test_mod_gives_a_remainder_and_cycles_indices() -> None:
    assert q("mod", 7, 3) == 1.0 and q("mod", -1, 3) == 2.0
    # lesson 06 draws j = 1 + ((i − 1 + s) mod 3) with s ∈ {1, 2}: never equal to i.
    for i in (1, 2, 3):
        for s in (1, 2):
            j = q("add", q("mod", q("add", i, q("sub", s, 1)), 3), 1)
            assert 1 <= j <= 3 and j != i


@pytest.mark.parametrize(
    ("name", "args", "needle"),
    [
        ("kronecker", (1.5, 1), "whole number"),
        ("identity", (0,), "at least 1"),
        ("with_entry", (np.zeros((2, 2)), 3, 1, 1.0), "1 to 2"),
        ("with_entry", (np.zeros(3), 1, 1, 1.0), "matrix"),
        ("mod", (5, 0), "not be 0"),
    ],
)
def test_bad_arguments_give_clear_errors(name: str, args: tuple[object, ...], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        q(name, *args)


class _Poly:
    """A stand-in expression x ↦ Σ c_k x^k, so the test does not depend on the parser."""

    def __init__(self, *coeffs: float) -> None:
        self.coeffs = coeffs

    def evaluate(self, env: dict[str, Any]) -> float:
        x = env["x"]
        return sum(c * x**k for k, c in enumerate(self.coeffs))

    def to_unicode(self) -> str:
        return "poly"


def cube() -> Function:
    return Function((_Poly(0, 0, 0, 1),), ("x",))


def test_central_diff_matches_hand_worked_numbers() -> None:
    # (2.1³ − 1.9³) / 0.2 = (9.261 − 6.859) / 0.2 = 12.01 = 3·2² + h²
    assert q("central_diff", cube(), 2, 0.1) == pytest.approx(12.01)
    # and for x⁴ at 1: ((1.1)⁴ − (0.9)⁴) / 0.2 = (1.4641 − 0.6561) / 0.2 = 4.04 = 4x³ + 4xh²
    quartic = Function((_Poly(0, 0, 0, 0, 1),), ("x",))
    assert q("central_diff", quartic, 1, 0.1) == pytest.approx(4.04)


def test_forward_diff_is_one_sided_and_worse() -> None:
    # (2.1³ − 2³) / 0.1 = (9.261 − 8) / 0.1 = 12.61
    fwd = q("forward_diff", cube(), 2, 0.1)
    assert fwd == pytest.approx(12.61)
    central_err = abs(q("central_diff", cube(), 2, 0.1) - 12.0)
    assert abs(fwd - 12.0) > central_err
    # halving h quarters the central error (error exactly h² for x³) but only halves the forward
    assert abs(q("central_diff", cube(), 2, 0.05) - 12.0) == pytest.approx(central_err / 4)
    assert abs(q("forward_diff", cube(), 2, 0.05) - 12.0) == pytest.approx(
        abs(fwd - 12.0) / 2, rel=0.05
    )


def test_differences_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="h must be a positive"):
        q("central_diff", cube(), 2, 0)
    with pytest.raises(ValueError, match="one variable"):
        q("central_diff", Function((_Poly(1), _Poly(2)), ("x", "y")), 2, 0.1)
    with pytest.raises(ValueError, match="expression"):
        q("forward_diff", 3.0, 2, 0.1)


def test_relative_error_hand_values_and_gradcheck_agreement() -> None:
    assert q("relative_error", 0.3, 0.1) == pytest.approx(0.2 / 0.4)
    assert q("relative_error", -0.25, 0.25) == pytest.approx(1.0)  # a sign slip gives exactly 1
    assert q("relative_error", 0.0, 0.0) == 0.0
    rng = np.random.default_rng(4)
    for _ in range(20):
        a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
        assert q("relative_error", a, b) == pytest.approx(gradcheck_relative_error(a, b))
    with pytest.raises(ValueError, match="same shape"):
        q("relative_error", np.zeros(2), np.zeros(3))


def test_abs() -> None:
    assert q("abs", -2.5) == 2.5
    np.testing.assert_array_equal(q("abs", np.array([-1.0, 2.0])), [1.0, 2.0])


def test_perturb_gives_the_finite_difference_of_the_cost() -> None:
    # (E(W1 + h e_ij) − E(W1 − h e_ij)) / 2h built from perturb agrees with the analytic gradient.
    rng = np.random.default_rng(0)
    W1, W2 = rng.normal(size=(2, 3)), rng.normal(size=(1, 2))
    X, y = rng.normal(size=(3, 3)), rng.normal(size=3)
    grad = Network.from_weights(W1, W2).gradients(X, y).W1
    h = 1e-5
    for i in (1, 2):
        for j in (1, 2, 3):
            up = Network.from_weights(q("perturb", W1, i, j, h), W2).cost(X, y)
            down = Network.from_weights(q("perturb", W1, i, j, -h), W2).cost(X, y)
            assert (up - down) / (2 * h) == pytest.approx(grad[i - 1, j - 1], rel=1e-6, abs=1e-9)
    moved = q("perturb", W1, 2, 3, 0.5)
    assert moved[1, 2] == W1[1, 2] + 0.5
    moved[1, 2] = W1[1, 2]
    np.testing.assert_array_equal(moved, W1)  # only that entry changes, and W1 is not modified
    with pytest.raises(ValueError, match="1-based"):
        q("perturb", W1, 3, 1, 0.1)


# argmax: where the largest entry is, 1-based like every index in a lesson file


def argmax(a: object) -> Any:
    return q("argmax", a)


def test_argmax_of_a_vector_is_a_1_based_number() -> None:
    assert argmax([0.5, -3, 7, 2]) == 3.0
    assert argmax(np.array([4.0])) == 1.0


def test_argmax_of_a_matrix_is_row_and_column() -> None:
    got = argmax([[0.1, 0.9], [0.3, -2]])
    assert isinstance(got, np.ndarray) and got.tolist() == [1.0, 2.0]
    assert argmax([[0.1, 0.2], [0.9, 0.3]]).tolist() == [2.0, 1.0]


def test_argmax_takes_the_first_of_equal_entries_row_by_row() -> None:
    assert argmax([[1, 5], [5, 0]]).tolist() == [1.0, 2.0]
    assert argmax([2, 2, 1]) == 1.0


def test_argmax_rejects_what_has_no_position() -> None:
    with pytest.raises(ValueError, match="vector or a matrix"):
        argmax(3.0)
    with pytest.raises(ValueError, match="vector or a matrix"):
        argmax(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="finite"):
        argmax([1.0, np.nan])
    with pytest.raises(ValueError, match="number or an array"):
        argmax("W1")


def test_argmax_picks_the_entry_in_a_lesson_file_call() -> None:
    """As lesson 11 uses it: entry(A, i, j) at (i, j) = argmax(A) is A's largest entry."""
    from bptutor.engine.course.calls import evaluate_call, parse_call

    env = {"A": np.array([[0.2, -4.0], [3.5, 1.0]])}
    ij = evaluate_call(parse_call("argmax(A)"), env, QUANTITIES)
    top = evaluate_call(
        parse_call("entry(A, entry(ij, 1), entry(ij, 2))"), {**env, "ij": ij}, QUANTITIES
    )
    assert top == 3.5

"""The quantities lessons 04-07 added: Kronecker deltas, identity, with_entry, mod."""

from __future__ import annotations

import numpy as np
import pytest
from bptutor.engine.course.quantities import QUANTITIES


def q(name: str, *args: object) -> object:
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

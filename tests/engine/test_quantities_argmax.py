"""argmax: where the largest entry is, 1-based like every index in a lesson file."""

from __future__ import annotations

import numpy as np
import pytest
from bptutor.engine.course.quantities import QUANTITIES


def argmax(a: object) -> object:
    return QUANTITIES["argmax"].func(a)


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

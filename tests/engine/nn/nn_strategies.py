"""Hypothesis strategies the network tests share."""

from __future__ import annotations

from hypothesis import strategies as st


def net_sizes(max_inputs: int, max_hidden: int, max_examples: int, max_outputs: int = 3):
    """(n, m, k, L): inputs, hidden units, outputs and examples, each at least 1."""
    return st.tuples(
        st.integers(1, max_inputs),
        st.integers(1, max_hidden),
        st.integers(1, max_outputs),
        st.integers(1, max_examples),
    )

"""The learning rates the training view steps through: a 1-2-5 ladder up to the engine's
largest, and how many presses lead from one rate to another (the divergence advice counts
them)."""

from __future__ import annotations

import math

from bptutor.engine.nn.checks import MAX_LEARNING_RATE

__all__ = ["LEARNING_RATES", "ladder_presses", "rate_after"]

# a 1-2-5 ladder, like a plotter's ranges: easy to read, factor ~2.5 per press
LEARNING_RATES: tuple[float, ...] = tuple(
    rate
    for rate in (
        round(mantissa * 10.0**exponent, 12) for exponent in range(-4, 4) for mantissa in (1, 2, 5)
    )
    if rate <= MAX_LEARNING_RATE  # the engine refuses larger rates
)
_UP, _DOWN = 1 + 1e-9, 1 - 1e-9  # rates compare with a relative tolerance


def rate_after(rate: float, up: bool) -> float | None:
    """The next rate of the ladder above (below) ``rate``; None at the end of the range."""
    if up:
        return min((r for r in LEARNING_RATES if r > rate * _UP), default=None)
    return max((r for r in LEARNING_RATES if r < rate * _DOWN), default=None)


def ladder_presses(rate: float, target: float) -> int:
    """How many ``rate_after`` steps lead from ``rate`` to ``target``: > 0 up, < 0 down."""
    if math.isclose(target, rate):
        return 0
    if target < rate:
        return -sum(1 for r in LEARNING_RATES if target * _DOWN <= r < rate * _DOWN)
    return sum(1 for r in LEARNING_RATES if rate * _UP < r <= target * _UP)

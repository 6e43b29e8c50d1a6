"""Output functions and losses: the notes' squared error, softmax + cross-entropy, sigmoid + BCE.

A network's last layer maps z_out to ŷ = g(z_out) and the loss compares ŷ with the targets y:

    "mse"                   E = 1/(2L) Σ_l Σ_c (y − ŷ)²     g elementwise (the notes: identity)
    "cross_entropy"         E = −(1/L) Σ_l Σ_c y·log softmax(z)          g = softmax, k >= 2
    "binary_cross_entropy"  E = −(1/L) Σ_l Σ_c [y·log σ(z) + (1 − y)·log(1 − σ(z))]    g = σ

Each loss goes with one kind of output, and for the two cross-entropies the output error is
simply δ_out = ∂(L·E)/∂z_out = ŷ − y (the softmax Jacobian and σ′ cancel against the log).
Both are computed from z_out, never from log ŷ, so a saturated output gives a large finite loss
instead of log(0) = −inf: log softmax(z) = z − logsumexp(z), −log σ(z) = softplus(−z).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from bptutor.engine.nn.activations import ACTIVATIONS, Activation, get_activation

__all__ = [
    "LOSSES",
    "OUTPUTS",
    "SOFTMAX",
    "Loss",
    "check_output_and_loss",
    "check_pair",
    "get_loss",
    "get_output",
    "log_softmax",
    "natural_output",
    "softmax",
    "softplus",
]


# -- softmax ------------------------------------------------------------------------------------


def softmax(z: Any) -> np.ndarray:
    """Row-wise softmax: s_c = e^(z_c) / Σ_j e^(z_j), shifted by the row's max (never overflows)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(z: Any) -> np.ndarray:
    """Row-wise log softmax(z) = z − logsumexp(z), finite for every finite z."""
    z = np.asarray(z, dtype=float)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softplus(z: Any) -> np.ndarray:
    """log(1 + e^z) without overflow: max(z, 0) + log1p(e^(−|z|))."""
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _softmax_into(z: np.ndarray, out: np.ndarray) -> None:
    np.subtract(z, z.max(axis=-1, keepdims=True), out=out)
    np.exp(out, out=out)
    np.divide(out, out.sum(axis=-1, keepdims=True), out=out)


def _no_elementwise_derivative(*args: Any) -> Any:
    raise ValueError(
        "softmax has no elementwise derivative: ∂s_i/∂z_j = s_i(δ_ij − s_j) is a full Jacobian "
        "(with cross-entropy the output error is simply ŷ − y)"
    )


#: softmax as an output function. Its derivative is a Jacobian, not elementwise: df refuses.
SOFTMAX = Activation(
    "softmax",
    softmax,
    _no_elementwise_derivative,
    _softmax_into,
    _no_elementwise_derivative,
)

#: The output functions a network may end with: the elementwise activations and softmax.
OUTPUTS: tuple[str, ...] = (*ACTIVATIONS, "softmax")


def get_output(name: str | Activation, parameter: str = "output") -> Activation:
    """The output function called ``name`` (an activation or softmax); ValueError otherwise."""
    if isinstance(name, Activation):
        return name
    key = name.strip().lower() if isinstance(name, str) else None
    if key == "softmax":
        return SOFTMAX
    if key is None or key not in ACTIVATIONS:
        raise ValueError(f"{parameter} must be one of {', '.join(OUTPUTS)}; got {name!r}")
    return get_activation(key, parameter)


# -- losses -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Loss:
    """A loss: its value from (z_out, ŷ, y) and its per-example output error δ_out."""

    name: str
    #: The output functions it goes with; the first is the one chosen when none is given.
    outputs: tuple[str, ...]
    #: total(z_out, y_hat, y): L·E, the loss summed (not averaged) over the batch.
    total: Callable[[np.ndarray, np.ndarray, np.ndarray], float]
    #: True when δ_out = ŷ − y exactly (the output's derivative cancels).
    plain_error: bool


def _mse_total(z_out: np.ndarray, y_hat: np.ndarray, y: np.ndarray) -> float:
    diff = (y_hat - y).reshape(-1)
    return 0.5 * float(diff.dot(diff))


def _ce_total(z_out: np.ndarray, y_hat: np.ndarray, y: np.ndarray) -> float:
    return -float(np.vdot(y, log_softmax(z_out)))


def _bce_total(z_out: np.ndarray, y_hat: np.ndarray, y: np.ndarray) -> float:
    # −[y log σ(z) + (1 − y) log(1 − σ(z))] = y·softplus(−z) + (1 − y)·softplus(z)
    #                                       = softplus(z) − y·z
    return float(softplus(z_out).sum() - np.vdot(y, z_out))


_LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", ("identity", "sigmoid", "tanh", "relu"), _mse_total, False),
    "cross_entropy": Loss("cross_entropy", ("softmax",), _ce_total, True),
    "binary_cross_entropy": Loss("binary_cross_entropy", ("sigmoid",), _bce_total, True),
}
LOSSES: tuple[str, ...] = tuple(_LOSSES)


def get_loss(name: str | Loss, parameter: str = "loss") -> Loss:
    """The loss called ``name``; ValueError naming ``parameter`` and the known names."""
    if isinstance(name, Loss):
        return name
    key = name.strip().lower() if isinstance(name, str) else None
    if key is None or key not in _LOSSES:
        raise ValueError(f"{parameter} must be one of {', '.join(LOSSES)}; got {name!r}")
    return _LOSSES[key]


def natural_output(loss: str | Loss) -> str:
    """The output a loss goes with when none is named: identity, softmax, sigmoid."""
    return get_loss(loss).outputs[0]


def check_pair(output: Activation, loss: Loss, parameter: str = "output") -> None:
    """ValueError naming ``parameter`` (and the loss) when the output does not go with it."""
    if output.name in loss.outputs:
        return
    if loss.name == "mse":
        raise ValueError(
            f"{parameter} softmax goes with loss='cross_entropy', not 'mse' (squared error "
            "needs an elementwise output: identity, sigmoid, tanh or relu)"
        )
    raise ValueError(
        f"loss={loss.name!r} needs {parameter}={loss.outputs[0]!r}; got {output.name!r} "
        f"(δ_out = ŷ − y holds only for that pair)"
    )


def check_output_and_loss(
    output: Activation, loss: Loss, n_outputs: int, parameter: str = "output"
) -> None:
    """ValueError naming ``parameter`` (or loss) when the pair, or the number of outputs, does
    not go together."""
    check_pair(output, loss, parameter)
    if loss.name == "cross_entropy" and n_outputs < 2:
        raise ValueError(
            f"loss='cross_entropy' needs n_outputs >= 2 (one per class); got {n_outputs}: "
            "a softmax over one output is always 1. For two classes with one output use "
            "output='sigmoid', loss='binary_cross_entropy'"
        )

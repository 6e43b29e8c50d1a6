"""Gradient descent with gradients supplied from outside: the same loop, someone else's backward.

``train`` computes its own gradients; ``train_with_gradients`` asks a callable for them, once
per epoch, and does everything else itself: the loss (from the engine's forward pass, for the
weights before the update, as ``train`` reports it), the shapes and finiteness of what came
back, the update W ← W − lr·∂E/∂W, and the divergence rule. The course uses it to train with a
learner's ``backward`` running in another process (``engine/course/code_train.py``); this
module knows nothing of processes or learners: an exception the callable raises ends the run
and reaches the caller unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from bptutor.engine.nn.kernel import Kernel
from bptutor.engine.nn.network import Network
from bptutor.engine.nn.training import (
    DIVERGENCE_LIMIT,
    Checked,
    Epoch,
    checked_arguments,
    diverged_epoch,
)

__all__ = ["GradientFn", "SuppliedGradientError", "train_with_gradients"]

GradientFn = Callable[[tuple[np.ndarray, ...]], Sequence[Any]]
"""weights (W⁽¹⁾, ..., W⁽ᴰ⁾, copies) -> one gradient ∂E/∂W⁽ˡ⁾ per weight matrix."""


class SuppliedGradientError(ValueError):
    """What the gradient callable returned cannot be used (count, shape, not numbers)."""


def _checked(grads: Any, weights: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    if not isinstance(grads, Sequence) or isinstance(grads, str | bytes):
        raise SuppliedGradientError(
            f"the gradients must be a sequence of {len(weights)} arrays; got {type(grads).__name__}"
        )
    if len(grads) != len(weights):
        raise SuppliedGradientError(
            f"expected {len(weights)} gradients (one per weight matrix); got {len(grads)}"
        )
    out = []
    for i, (g, w) in enumerate(zip(grads, weights, strict=True), 1):
        try:
            arr = np.asarray(g, dtype=float)
        except (TypeError, ValueError):
            raise SuppliedGradientError(f"gradient {i} is not an array of numbers") from None
        if arr.shape != w.shape:
            raise SuppliedGradientError(
                f"gradient {i} has shape {arr.shape}; W{i} has shape {w.shape}"
            )
        out.append(arr)
    return out


def train_with_gradients(
    net: Network,
    X: Any,
    y: Any,
    gradients: GradientFn,
    learning_rate: float = 0.5,
    epochs: int = 1000,
    start_epoch: int = 0,
) -> Iterator[Epoch]:
    """Full-batch gradient descent on ``net`` (updated in place, weights only: a network with
    biases is refused, the callable answers for the weight matrices), yielding one Epoch per
    epoch like ``train``. ``gradients(weights)`` is called once per epoch with copies of the
    current weights."""
    checked = checked_arguments(net, X, y, learning_rate, epochs, start_epoch)
    if net.has_biases:
        raise ValueError("train_with_gradients trains weights only: use a network without biases")
    if not callable(gradients):
        raise ValueError("gradients must be callable: weights -> one gradient per weight matrix")
    return _run(net, checked, gradients)


def _run(net: Network, checked: Checked, gradients: GradientFn) -> Iterator[Epoch]:
    X, Y, lr, epochs, start = checked
    weights = net.weights
    limit = DIVERGENCE_LIMIT
    # the engine's own forward pass over preallocated buffers (it reads the weights in place):
    # ~10x cheaper than Network.cost, which checks and allocates on every call
    kernel = Kernel(net, X, Y, np.empty_like(net.params), lr)
    loss_only, scale = kernel.loss_only, kernel.loss_scale
    for epoch in range(start + 1, start + epochs + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            loss = loss_only() * scale
        grads = _checked(gradients(tuple(w.copy() for w in weights)), weights)
        with np.errstate(over="ignore", invalid="ignore"):
            squares = [float(np.vdot(g, g)) for g in grads]
        grad_norm = math.sqrt(sum(squares))
        norms = tuple(map(math.sqrt, squares))
        if not (loss < limit and grad_norm < limit):  # also catches NaN
            yield diverged_epoch(epoch, loss, grad_norm, lr, norms)
            return
        for w, g in zip(weights, grads, strict=True):
            w -= lr * g
        yield Epoch(epoch, loss, grad_norm, False, None, norms)

"""Softmax and cross-entropy: the reference solution (bptutor shows a function once its step is
solved or revealed; `bptutor lessons check` runs every one of them against the engine)."""

import numpy as np


def softmax(Z):
    shifted = Z - Z.max(axis=1, keepdims=True)  # the same softmax, and e^x never overflows
    E = np.exp(shifted)
    return E / E.sum(axis=1, keepdims=True)


def ce_backward(Z, Y):
    L = Z.shape[0]
    S = softmax(Z)
    E = -np.sum(Y * np.log(S)) / L  # every class's yᵢ·log sᵢ counts, not only the largest
    dZ = (S - Y) / L  # rows of Y sum to 1, so ∂E/∂Z is (ŷ − y)/L
    return E, dZ

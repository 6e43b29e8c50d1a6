"""Deeper networks: the reference backward pass for two sigmoid hidden layers (bptutor shows it
once its step is solved or revealed; `bptutor lessons check` runs it against the engine)."""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def backward(W1, W2, W3, X, y):
    L = X.shape[0]
    A1 = sigmoid(X @ W1.T)  # (L, m1)
    A2 = sigmoid(A1 @ W2.T)  # (L, m2)
    y_hat = A2 @ W3[0]  # (L,)
    D3 = (y_hat - y).reshape(-1, 1)  # (L, 1): row l is δ⁽³⁾ = ŷ⁽ˡ⁾ − y⁽ˡ⁾
    D2 = (D3 @ W3) * A2 * (1 - A2)  # row l is (W3ᵀ·δ⁽³⁾) ∘ σ′(z⁽²⁾)
    D1 = (D2 @ W2) * A1 * (1 - A1)  # row l is (W2ᵀ·δ⁽²⁾) ∘ σ′(z⁽¹⁾)
    return D1.T @ X / L, D2.T @ A1 / L, D3.T @ A2 / L

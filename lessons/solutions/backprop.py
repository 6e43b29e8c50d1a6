"""Backprop in code: the reference solution (bptutor shows a function once its step is solved or
revealed; `bptutor lessons check` runs every one of them against the engine)."""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(W1, W2, X):
    Z = X @ W1.T  # row l is z⁽ˡ⁾ = W1·x⁽ˡ⁾
    A = sigmoid(Z)
    y_hat = A @ W2[0]  # W2 is one row: ŷ⁽ˡ⁾ = W2·a⁽ˡ⁾
    return Z, A, y_hat


def cost(W1, W2, X, y):
    _, _, y_hat = forward(W1, W2, X)
    return 0.5 * np.mean((y - y_hat) ** 2)


def grad_W2(W1, W2, X, y):
    _, A, y_hat = forward(W1, W2, X)
    L = X.shape[0]
    e = y_hat - y  # (L,): the output error of each example
    return (e @ A / L).reshape(1, -1)  # (1/L)·Σₗ e⁽ˡ⁾·a⁽ˡ⁾ᵀ


def backward(W1, W2, X, y):
    _, A, y_hat = forward(W1, W2, X)
    L = X.shape[0]
    e = y_hat - y
    dW2 = (e @ A / L).reshape(1, -1)
    D = np.outer(e, W2[0]) * A * (1 - A)  # (L, m): row l is e⁽ˡ⁾·(W2ᵀ ∘ f′(z⁽ˡ⁾))
    dW1 = D.T @ X / L  # (m, n): (1/L)·Σₗ δ⁽ˡ⁾·x⁽ˡ⁾ᵀ
    return dW1, dW2


def gd_step(W1, W2, X, y, lr):
    dW1, dW2 = backward(W1, W2, X, y)
    return W1 - lr * dW1, W2 - lr * dW2

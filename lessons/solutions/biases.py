"""Biases: the reference solution (bptutor shows `bias_grads` once its step is solved or
revealed; `bptutor lessons check` runs it against the engine). `forward` and `cost` are given to
the learner in the starter file, as here."""

import numpy as np


def forward(W1, b1, W2, b2, X):
    Z = X @ W1.T + b1  # b1 (m,) is added to every row
    A = 1 / (1 + np.exp(-Z))
    y_hat = A @ W2[0] + b2[0]
    return Z, A, y_hat


def cost(W1, b1, W2, b2, X, y):
    _, _, y_hat = forward(W1, b1, W2, b2, X)
    return 0.5 * np.mean((y - y_hat) ** 2)


def bias_grads(W1, b1, W2, b2, X, y):
    _, A, y_hat = forward(W1, b1, W2, b2, X)
    L = X.shape[0]
    e = y_hat - y  # (L,): the output error of each example
    D = np.outer(e, W2[0]) * A * (1 - A)  # (L, m): row l is the hidden error δ⁽ˡ⁾
    db1 = D.sum(axis=0) / L  # summed over the examples: one entry per hidden unit
    db2 = np.array([e.sum() / L])
    return db1, db2

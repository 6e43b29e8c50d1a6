"""A learner's backprop.py for the tests: both gradients with the notes' sign, y − ŷ."""

# expect: incorrect sign

import numpy as np


def forward(W1, W2, X):
    Z = X @ W1.T
    A = 1 / (1 + np.exp(-Z))
    return Z, A, A @ W2[0]


def cost(W1, W2, X, y):
    return 0.5 * np.mean((y - forward(W1, W2, X)[2]) ** 2)


def backward(W1, W2, X, y):
    _, A, y_hat = forward(W1, W2, X)
    L = X.shape[0]
    e = y - y_hat
    dW2 = (e @ A / L).reshape(1, -1)
    D = np.outer(e, W2[0]) * A * (1 - A)
    return D.T @ X / L, dW2

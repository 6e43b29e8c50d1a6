"""A learner's backprop.py for the tests: = where += was meant, then / L."""

# expect: incorrect last example

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
    for l in range(L):
        e = y_hat[l] - y[l]
        delta = e * W2[0] * A[l] * (1 - A[l])
        dW1 = np.outer(delta, X[l]) / L  # = where += was meant
        dW2 = (e * A[l] / L).reshape(1, -1)
    return dW1, dW2

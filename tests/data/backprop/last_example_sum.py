"""A learner's backprop.py for the tests: = where += was meant."""

# expect: incorrect last example, no 1/L

import numpy as np


def forward(W1, W2, X):
    Z = X @ W1.T
    A = 1 / (1 + np.exp(-Z))
    return Z, A, A @ W2[0]


def cost(W1, W2, X, y):
    return 0.5 * np.mean((y - forward(W1, W2, X)[2]) ** 2)


def backward(W1, W2, X, y):
    _, A, y_hat = forward(W1, W2, X)
    for l in range(X.shape[0]):
        e = y_hat[l] - y[l]
        dW1 = np.outer(e * W2[0] * A[l] * (1 - A[l]), X[l])
        dW2 = (e * A[l]).reshape(1, -1)
    return dW1, dW2

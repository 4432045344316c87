"""Softmax cross-entropy, the loss of a 10-way classifier."""

from __future__ import annotations

import numpy as np


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    Parameters
    ----------
    logits : ndarray, shape (N, K)
    labels : ndarray of int, shape (N,)
        Values in ``0 .. K-1``.

    Returns
    -------
    loss : float
        ``mean_n(-log softmax(logits)[n, labels[n]])``.
    grad : ndarray, shape (N, K)
        ``d loss / d logits = (softmax(logits) - onehot(labels)) / N``.
    """
    n = logits.shape[0]
    if labels.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), got {labels.shape}")
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    log_likelihood = shifted[rows, labels] - np.log(sums[:, 0])
    loss = float(-log_likelihood.mean())
    grad = exp / sums
    grad[rows, labels] -= 1.0
    grad /= n
    return loss, grad

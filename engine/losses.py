"""Softmax cross-entropy, the loss of a 10-way classifier."""

from __future__ import annotations

import numpy as np


def softmax_cross_entropy(
    logits: np.ndarray, labels: np.ndarray, label_smoothing: float = 0.0
) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    Parameters
    ----------
    logits : ndarray, shape (N, K)
    labels : ndarray of int, shape (N,), or ndarray of float, shape (N, K)
        Values in ``0 .. K-1``, or target distributions (rows summing to 1: e.g. mixup's
        ``lam * onehot(a) + (1 - lam) * onehot(b)``).
    label_smoothing : float
        ``s`` in ``[0, 1)``: the target is ``(1 - s) * onehot(label) + s / K`` instead of the one-hot vector, so
        the network is not pushed towards 100% on every training digit (its mistakes are then less sure).

    Returns
    -------
    loss : float
        ``mean_n(-sum_k target[n, k] * log softmax(logits)[n, k])``.
    grad : ndarray, shape (N, K)
        ``d loss / d logits = (softmax(logits) - target) / N``.
    """
    n, k = logits.shape
    if labels.shape not in ((n,), (n, k)):
        raise ValueError(f"labels must have shape ({n},) or ({n}, {k}), got {labels.shape}")
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
    if labels.ndim == 2:
        return _soft_cross_entropy(logits, labels, label_smoothing)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    log_sums = np.log(sums[:, 0])
    log_likelihood = shifted[rows, labels] - log_sums
    if label_smoothing:
        mean_log_prob = shifted.mean(axis=1) - log_sums  # (1/K) sum_k log p_k
        loss = float(-((1.0 - label_smoothing) * log_likelihood + label_smoothing * mean_log_prob).mean())
    else:
        loss = float(-log_likelihood.mean())
    grad = exp / sums
    grad[rows, labels] -= 1.0 - label_smoothing
    if label_smoothing:
        grad -= label_smoothing / k
    grad /= n
    return loss, grad


def _soft_cross_entropy(
    logits: np.ndarray, targets: np.ndarray, label_smoothing: float
) -> tuple[float, np.ndarray]:
    """:func:`softmax_cross_entropy` against target distributions ``targets`` ``(N, K)``."""
    n, k = logits.shape
    target = targets.astype(logits.dtype, copy=True)
    if label_smoothing:
        target *= 1.0 - label_smoothing
        target += label_smoothing / k
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1, keepdims=True)
    log_probs = shifted - np.log(sums)
    loss = float(-(target * log_probs).sum(axis=1).mean())
    grad = exp / sums
    grad -= target
    grad /= n
    return loss, grad

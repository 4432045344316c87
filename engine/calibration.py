"""Honest confidence: temperature scaling, expected calibration error, confident mistakes.

A network trained with cross-entropy is usually over-confident. Temperature scaling (Guo et al., 2017) divides
the logits by one number ``T`` before the softmax, fitted to minimise the negative log-likelihood on held-out
data: the ranking (so the accuracy) is unchanged, only the confidence moves. The engine applies it in
``Sequential.predict_proba`` and the exported ONNX graph as ``Div(logits, T) -> Softmax``.
"""

from __future__ import annotations

import math

import numpy as np

from convlens.engine.ops import softmax

__all__ = [
    "apply_temperature",
    "confident_wrong_share",
    "expected_calibration_error",
    "fit_temperature",
    "nll",
    "reliability",
]


def nll(logits: np.ndarray, y: np.ndarray, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of labels ``y`` ``(N,)`` under ``softmax(logits / T)``, logits ``(N, K)``."""
    z = np.asarray(logits, dtype=np.float64) / float(temperature)
    z = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(log_norm - z[np.arange(len(y)), np.asarray(y)]))


def fit_temperature(
    logits: np.ndarray, y: np.ndarray, bounds: tuple[float, float] = (0.05, 20.0), tol: float = 1e-5
) -> float:
    """The temperature ``T`` minimising :func:`nll` on held-out ``logits`` ``(N, K)`` and labels ``y`` ``(N,)``.

    The NLL is convex in ``1 / T``; golden-section search over ``log T`` within ``bounds``.

    Returns
    -------
    float
        ``T`` (rounded to 6 significant digits, so the model card, the NumPy engine and the ONNX graph hold the
        same float32 value).
    """
    if len(y) == 0:
        return 1.0
    lo, hi = math.log(bounds[0]), math.log(bounds[1])
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(logits, y, math.exp(a)), nll(logits, y, math.exp(b))
    while hi - lo > tol:
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(logits, y, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(logits, y, math.exp(b))
    return float(f"{math.exp(0.5 * (lo + hi)):.6g}")


def reliability(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> dict[str, list[float]]:
    """Per confidence bin (equal width over [0, 1]): count, mean confidence, accuracy.

    Parameters
    ----------
    probs : ndarray, shape (N, K)
    y : ndarray, shape (N,)
    bins : int

    Returns
    -------
    dict
        ``"count"``, ``"confidence"``, ``"accuracy"``: lists of length ``bins`` (empty bins: 0).
    """
    p = np.asarray(probs, dtype=np.float64)
    conf = p.max(axis=1)
    correct = p.argmax(axis=1) == np.asarray(y)
    which = np.minimum((conf * bins).astype(np.int64), bins - 1)
    count = np.bincount(which, minlength=bins).astype(np.float64)
    conf_sum = np.bincount(which, weights=conf, minlength=bins)
    acc_sum = np.bincount(which, weights=correct.astype(np.float64), minlength=bins)
    safe = np.maximum(count, 1.0)
    return {
        "count": count.tolist(),
        "confidence": (conf_sum / safe).tolist(),
        "accuracy": (acc_sum / safe).tolist(),
    }


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """ECE: the mean over images of |accuracy - confidence| of their confidence bin (15 equal-width bins).

    ``sum_b (n_b / N) * |acc_b - conf_b|``; 0 for a perfectly calibrated model.
    """
    if len(y) == 0:
        return float("nan")
    r = reliability(probs, y, bins)
    count = np.asarray(r["count"])
    gap = np.abs(np.asarray(r["accuracy"]) - np.asarray(r["confidence"]))
    return float((count * gap).sum() / count.sum())


def confident_wrong_share(probs: np.ndarray, y: np.ndarray, threshold: float = 0.95) -> tuple[float, int, int]:
    """Of the wrong answers, the share given with confidence ``>= threshold``.

    Returns
    -------
    (float, int, int)
        Share (nan when nothing is wrong), number of confident wrong answers, number of wrong answers.
    """
    p = np.asarray(probs)
    wrong = p.argmax(axis=1) != np.asarray(y)
    confident = int(np.sum(wrong & (p.max(axis=1) >= threshold)))
    n_wrong = int(wrong.sum())
    return (confident / n_wrong if n_wrong else float("nan")), confident, n_wrong


def apply_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(logits / T)`` ``(N, K)`` in float32, as the engine and the ONNX graph compute it."""
    z = np.asarray(logits, dtype=np.float32) / np.float32(temperature)
    return softmax(z)

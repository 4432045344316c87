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
    "calibrated_confident_wrong",
    "confident_wrong_share",
    "expected_calibration_error",
    "fit_temperature",
    "nll",
    "ece_capped_temperature",
    "reliability",
    "sure_answer_temperature",
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


TEMPERATURE_STEP = 1.01
"""Ratio between two temperatures tried by :func:`sure_answer_temperature` (a 1% grid)."""


def sure_answer_temperature(
    logits: np.ndarray,
    y: np.ndarray,
    start: float,
    max_share: float = 0.10,
    threshold: float = 0.95,
    margin: float = 1.0,
    limit: float = 20.0,
) -> float:
    """The smallest ``T >= start`` at which at most ``max_share`` of the wrong answers are sure.

    A wrong answer is *sure* when its probability ``softmax(logits / T)`` is at least ``threshold``. Raising
    ``T`` lowers every answer's top probability and never changes an answer, so the share of sure mistakes
    (:func:`confident_wrong_share`) only falls; the smallest ``T`` that meets the target changes the
    probabilities least. The share is an estimate from ``wrong`` mistakes, so the target is met with a
    ``margin`` of standard errors: ``share + margin * sqrt(share * (1 - share) / wrong) <= max_share``.

    Parameters
    ----------
    logits : ndarray, shape (N, K)
        Held-out logits (before any temperature).
    y : ndarray, shape (N,)
    start : float
        Lowest temperature considered (e.g. the NLL-optimal one of :func:`fit_temperature`).
    max_share, threshold, margin : float
    limit : float
        Highest temperature considered; returned when even it misses the target.

    Returns
    -------
    float
        ``T`` on a 1% grid from ``start`` (:data:`TEMPERATURE_STEP`), rounded to 6 significant digits; ``start``
        when nothing is wrong.
    """
    z = np.asarray(logits)
    wrong = z.argmax(axis=1) != np.asarray(y)
    n_wrong = int(wrong.sum())
    temperature = float(start)
    if n_wrong == 0:
        return float(f"{temperature:.6g}")
    z_wrong = z[wrong]
    while True:
        # the wrong answers' probabilities as the engine and the ONNX graph will show them
        share = float(np.mean(apply_temperature(z_wrong, temperature).max(axis=1) >= threshold))
        bound = share + margin * math.sqrt(share * (1.0 - share) / n_wrong)
        if bound <= max_share or temperature >= limit:
            return float(f"{min(temperature, limit):.6g}")
        temperature *= TEMPERATURE_STEP


def ece_capped_temperature(logits: np.ndarray, y: np.ndarray, low: float, high: float, max_ece: float) -> float:
    """The highest ``T`` from ``high`` down to ``low`` (1% steps) at which the ECE stays within ``max_ece``.

    Too high a temperature makes right answers look unsure, which the expected calibration error
    (:func:`expected_calibration_error`) of ``softmax(logits / T)`` shows; this caps
    :func:`sure_answer_temperature` so that the held-out digits stay calibrated.

    Parameters
    ----------
    logits : ndarray, shape (N, K)
    y : ndarray, shape (N,)
    low, high : float
        ``low <= high``; ``low`` is returned when no temperature above it keeps the ECE within ``max_ece``.
    max_ece : float

    Returns
    -------
    float
        Rounded to 6 significant digits.
    """
    temperature = float(high)
    while temperature > low and expected_calibration_error(apply_temperature(logits, temperature), y) > max_ece:
        temperature = max(temperature / TEMPERATURE_STEP, float(low))
    return float(f"{temperature:.6g}")


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


def calibrated_confident_wrong(probs: np.ndarray, threshold: float = 0.95) -> float:
    """How many confident wrong answers a perfectly calibrated model with these confidences would give.

    A calibrated answer given with confidence ``c`` is wrong with probability ``1 - c``, so the expected number of
    wrong answers among those given with ``c >= threshold`` is ``sum(1 - c)`` over them: how many sure mistakes
    the confidences themselves announce. Far fewer real sure mistakes means the sure answers are underconfident;
    far more, overconfident (what :func:`confident_wrong_share` counts).

    Parameters
    ----------
    probs : ndarray, shape (N, K)

    Returns
    -------
    float
    """
    confidence = np.asarray(probs).max(axis=1)
    sure = confidence >= threshold
    return float(np.sum(1.0 - confidence[sure], dtype=np.float64))


def apply_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(logits / T)`` ``(N, K)`` in float32, as the engine and the ONNX graph compute it."""
    z = np.asarray(logits, dtype=np.float32) / np.float32(temperature)
    return softmax(z)

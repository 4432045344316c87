"""The drawn-digit benchmark and the calibration figures of a model (for the model card and ``bench/``).

* **MNIST test**: accuracy, expected calibration error (ECE), share of wrong answers given with >= 95% confidence.
* **Drawn digits**: MNIST *test* digits re-drawn as pen strokes through the app's rasteriser and ``mnist_style``
  with fixed pens (:func:`convlens.engine.drawn.benchmark_cells`: widths x sampling distances), the same figures
  per pen and pooled. Training never sees a test digit, re-drawn or not.
* **Sample strokes**: the app's own hand-placed strokes (``assets/strokes/*.json``), drawn like the canvas draws
  them (280 px raster, pen 1/11 of the side); 20 drawings, reported only.
* **Other writers**: the UCI optdigits test set (1,797 digits of 13 writers who are not MNIST's, scanned forms
  at 8x8; :mod:`convlens.engine.optdigits`), reported only, when it is in the user cache.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from convlens.engine import drawn, optdigits
from convlens.engine.calibration import calibrated_confident_wrong, confident_wrong_share, expected_calibration_error
from convlens.engine.data import DataError
from convlens.engine.pen import rasterize_strokes
from convlens.engine.preprocess import mnist_style
from convlens.resources import assets_dir

__all__ = [
    "CANVAS_PEN_FRACTION",
    "CANVAS_SIZE",
    "CONFIDENT",
    "classification_figures",
    "drawn_figures",
    "other_writers_figures",
    "sample_stroke_images",
    "shared_confident_mistakes",
    "sample_strokes_figures",
]

CONFIDENT = 0.95
"""A wrong answer shown with at least this probability counts as a confident mistake."""
CANVAS_SIZE = 280
"""Raster side of the app's canvas (``gui.canvas.RASTER_SIZE``)."""
CANVAS_PEN_FRACTION = 1.0 / 11.0
"""The app's pen width as a fraction of the canvas side (``gui.canvas.STROKE_WIDTH_FRACTION``)."""

PredictProba = Callable[[np.ndarray], np.ndarray]


def classification_figures(probs: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Accuracy, ECE and confident mistakes of probabilities ``(N, 10)`` against labels ``(N,)``.

    Returns
    -------
    dict
        ``n``, ``accuracy``, ``ece``, ``confident_wrong_share`` (of the wrong answers, the share with confidence
        >= :data:`CONFIDENT`; None when nothing is wrong), ``confident_wrong``, ``wrong``, ``mean_confidence``,
        ``calibrated_confident_wrong`` (how many confident mistakes a perfectly calibrated model with the same
        confidences would make: :func:`~convlens.engine.calibration.calibrated_confident_wrong`).
    """
    share, confident, wrong = confident_wrong_share(probs, y, CONFIDENT)
    return {
        "n": int(len(y)),
        "accuracy": float(np.mean(np.argmax(probs, axis=1) == y)) if len(y) else None,
        "ece": expected_calibration_error(probs, y) if len(y) else None,
        "confident_wrong_share": None if np.isnan(share) else float(share),
        "confident_wrong": confident,
        "wrong": wrong,
        "mean_confidence": float(np.mean(np.max(probs, axis=1))) if len(y) else None,
        "calibrated_confident_wrong": calibrated_confident_wrong(probs, CONFIDENT) if len(y) else None,
    }


def shared_confident_mistakes(probs: np.ndarray, other: np.ndarray, y: np.ndarray) -> dict[str, int]:
    """How many confident mistakes of one model another model makes too, with the same wrong digit.

    A re-drawing that two independently trained models both read, sure, as the same *other* digit most likely
    looks like that digit: the re-drawing lost what made it a ``y`` (e.g. a filled loop traced as a line).

    Parameters
    ----------
    probs, other : ndarray, shape (N, K)
        The two models' probabilities for the same images.
    y : ndarray, shape (N,)

    Returns
    -------
    dict
        ``confident_wrong`` (of ``probs``) and ``shared`` (of those, the ones ``other`` also answers with the same
        digit at >= :data:`CONFIDENT`).
    """
    answer = np.argmax(probs, axis=1)
    mistake = (answer != y) & (np.max(probs, axis=1) >= CONFIDENT)
    agrees = (np.argmax(other, axis=1) == answer) & (np.max(other, axis=1) >= CONFIDENT)
    return {"confident_wrong": int(mistake.sum()), "shared": int((mistake & agrees).sum())}


def drawn_figures(
    predict_proba: PredictProba,
    x_test: np.ndarray,
    y_test: np.ndarray,
    test_key: str,
    limit: int | None = None,
    cache_dir: Path | None = None,
    progress: Callable[[float], None] | None = None,
    keep_probabilities: bool = False,
    cells: tuple[tuple[float, float], ...] | None = None,
) -> dict[str, Any]:
    """The drawn-digit benchmark of a model.

    Parameters
    ----------
    predict_proba : callable
        Images ``(N, 28, 28, 1)`` -> probabilities ``(N, 10)``.
    x_test, y_test : ndarray
        MNIST test images ``(N, 28, 28, 1)`` and labels ``(N,)``.
    test_key : str
        SHA-256 of the test-images file (the cache key).
    limit : int, optional
        Only the first ``limit`` test digits.
    cache_dir : Path, optional
        Pen cache (default: the user cache).
    progress : callable, optional
    keep_probabilities : bool
        Also return the pooled probabilities (``"probabilities"``, ``(cells * N, 10)``, not JSON) and labels
        (``"labels"``).
    cells : tuple of (float, float), optional
        Other pens than the benchmark's (e.g. :data:`convlens.engine.drawn.COARSE_CELLS`, reported apart).

    Returns
    -------
    dict
        ``"cells"``: one entry per pen (``width``, ``spacing`` and :func:`classification_figures`); ``"all"``: the
        figures over every cell pooled; ``"digits"``, ``"jitter"``: how the set was made.
    """
    sets = drawn.benchmark_set(x_test, test_key, limit, cache_dir, progress, cells)
    y = y_test if limit is None else y_test[:limit]
    per_pen = []
    pooled_p, pooled_y = [], []
    for (width, spacing), images in sets.items():
        probs = predict_proba(images)
        per_pen.append({"width": width, "spacing": spacing, **classification_figures(probs, y)})
        pooled_p.append(probs)
        pooled_y.append(y)
    probabilities, labels = np.concatenate(pooled_p), np.concatenate(pooled_y)
    figures: dict[str, Any] = {
        "digits": int(len(y)),
        "jitter": drawn.BENCH_JITTER,
        "generator": drawn.GENERATOR,
        "cells": per_pen,
        "all": classification_figures(probabilities, labels),
    }
    if keep_probabilities:
        figures["probabilities"], figures["labels"] = probabilities, labels
    return figures


def sample_stroke_images(directory: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The app's sample drawings (``assets/strokes/digit_<d>.json``) as network inputs, drawn like the canvas.

    Returns
    -------
    images : ndarray, shape (M, 28, 28, 1), float32
    labels : ndarray, shape (M,), int64
    """
    folder = directory or assets_dir() / "strokes"
    images, labels = [], []
    for path in sorted(Path(folder).glob("digit_*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for variant in doc["variants"]:
            canvas = rasterize_strokes(variant, CANVAS_SIZE, CANVAS_SIZE * CANVAS_PEN_FRACTION)
            image = mnist_style(canvas)
            if image is not None:
                images.append(image)
                labels.append(int(doc["digit"]))
    if not images:
        return np.zeros((0, 28, 28, 1), np.float32), np.zeros(0, np.int64)
    return np.stack(images)[..., None].astype(np.float32), np.asarray(labels, dtype=np.int64)


def sample_strokes_figures(predict_proba: PredictProba, directory: Path | None = None) -> dict[str, Any]:
    """:func:`classification_figures` on the sample drawings, plus each drawing's answer and confidence."""
    x, y = sample_stroke_images(directory)
    probs = predict_proba(x) if len(x) else np.zeros((0, 10), np.float32)
    return {
        **classification_figures(probs, y),
        "answers": [
            {"digit": int(t), "predicted": int(p.argmax()), "confidence": round(float(p.max()), 4)}
            for t, p in zip(y, probs, strict=True)
        ],
    }


def other_writers_figures(
    predict_proba: PredictProba, cache_dir: Path | None = None, allow_download: bool = False
) -> dict[str, Any]:
    """:func:`classification_figures` on the optdigits set (other writers), or why it is missing.

    Parameters
    ----------
    predict_proba : callable
        Images ``(N, 28, 28, 1)`` -> probabilities ``(N, 10)``.
    cache_dir : Path, optional
        Where the set is cached (default: the user cache).
    allow_download : bool
        Fetch it from PyPI when it is not cached (never during a training run: the app works offline).

    Returns
    -------
    dict
        ``"available": True``, ``"set"`` (what it is) and the figures; or ``"available": False`` and ``"reason"``.
    """
    try:
        x, y = optdigits.load_optdigits(cache_dir, allow_download)
    except DataError as exc:
        return {"available": False, "reason": str(exc)}
    return {
        "available": True,
        "set": (f"UCI optdigits test set: {len(y)} digits of 13 writers (not MNIST's), scanned forms at 8x8, "
                f"from scikit-learn {optdigits.SKLEARN_VERSION}'s sdist (SHA-256 {optdigits.CSV_SHA256[:12]}...)"),
        **classification_figures(predict_proba(x), y),
    }

"""Test-set summaries of a trained model: accuracy, per-class accuracy, confusion matrix, gallery of mistakes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convlens.engine.train import Evaluation

__all__ = ["GALLERY_SIZE", "ResultSummary", "summarize"]

GALLERY_SIZE = 48
"""Most misclassified test digits kept for the results gallery."""


@dataclass(frozen=True)
class ResultSummary:
    """Test-set results of a trained model.

    Attributes
    ----------
    accuracy : float
    per_class_accuracy : list of float, length 10
    confusion : ndarray of int, shape (10, 10)
        ``confusion[true, predicted]``.
    n_test : int
    n_wrong : int
    gallery_images : ndarray, float32, shape (K, 28, 28)
        Misclassified test digits (copies), most confident mistakes first, K <= GALLERY_SIZE.
    gallery_true, gallery_pred : ndarray of int, shape (K,)
    gallery_confidence : ndarray of float, shape (K,)
        Probability the network gave its wrong answer.
    """

    accuracy: float
    per_class_accuracy: list[float]
    confusion: np.ndarray
    n_test: int
    n_wrong: int
    gallery_images: np.ndarray
    gallery_true: np.ndarray
    gallery_pred: np.ndarray
    gallery_confidence: np.ndarray


def summarize(
    evaluation: Evaluation, probs: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, max_items: int = GALLERY_SIZE
) -> ResultSummary:
    """Condense an ``engine.train.Evaluation`` and the probabilities ``(N, 10)`` of ``x_test`` ``(N, 28, 28, 1)``.

    The gallery holds the misclassified images sorted by the probability of the wrong answer, highest first.
    """
    wrong = np.asarray(evaluation.misclassified, dtype=np.int64)
    if len(wrong) and len(probs) == len(y_test):
        confidence = probs[wrong, evaluation.predictions[wrong]]
        order = np.argsort(-confidence, kind="stable")[:max_items]
        chosen, conf = wrong[order], confidence[order]
    else:
        chosen, conf = wrong[:max_items], np.zeros(min(len(wrong), max_items))
    return ResultSummary(
        accuracy=float(evaluation.accuracy),
        per_class_accuracy=[float(v) for v in evaluation.per_class_accuracy],
        confusion=np.array(evaluation.confusion, dtype=np.int64),
        n_test=int(len(y_test)),
        n_wrong=int(len(wrong)),
        gallery_images=np.array(x_test[chosen], dtype=np.float32).reshape(len(chosen), 28, 28),
        gallery_true=np.asarray(y_test[chosen], dtype=np.int64),
        gallery_pred=np.asarray(evaluation.predictions[chosen], dtype=np.int64),
        gallery_confidence=np.asarray(conf, dtype=np.float64),
    )

"""Fool the network: the smallest gradient-sign change that flips its answer, and the challenge's scorer. No Qt.

:func:`fool` is the fast gradient sign method (FGSM) of Goodfellow et al. made to look for the *smallest* change:
every pixel may move by at most ``epsilon`` (the L-infinity size of the change) and ``epsilon`` grows over a
ladder of levels until the answer flips. All levels are tried at once, as one batch through the NumPy engine;
``iterations > 1`` takes several smaller sign steps within each level (the iterated method, which flips with a
smaller ``epsilon`` than a single step), ``iterations=1`` is plain FGSM. Untargeted (push the answer's
log-probability down) or targeted (push a chosen digit's up until it wins).

:func:`score_challenge` scores the visitor's attempt of the challenge mode: from a start image to their edit,
how many ink pixels were added (and removed) and whether the answer changed.

Images are the 28x28 network inputs, float32 in [0, 1], white digit on black.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from convlens.engine import gradients
from convlens.engine.model import Predictor, Sequential
from convlens.services.explain import INK_LEVEL, as_image

__all__ = [
    "ChallengeScore",
    "FoolResult",
    "fool",
    "score_challenge",
]

CHANGE_LEVEL = 1.0 / 255.0
"""A pixel counts as changed when it moved by more than this (one grey level of an 8-bit image)."""


@dataclass(frozen=True)
class FoolResult:
    """What :func:`fool` found.

    Attributes
    ----------
    flipped : bool
        Whether a change within ``max_epsilon`` flipped the answer (to ``target``, when one was asked for).
    image : ndarray, shape (28, 28)
        The changed image (the original when nothing flipped), float32 in [0, 1].
    difference : ndarray, shape (28, 28)
        ``image - original``, signed (positive: ink added).
    original_digit, digit : int
        The answer before and after.
    before, after : ndarray, shape (10,)
        Probabilities before and after.
    epsilon : float
        The L-infinity size of the change: the largest change of any pixel allowed at the level that flipped.
    changed_pixels : int
        Pixels that moved by more than 1/255.
    l2 : float
        Euclidean size of ``difference``.
    target : int or None
    """

    flipped: bool
    image: np.ndarray
    difference: np.ndarray
    original_digit: int
    digit: int
    before: np.ndarray
    after: np.ndarray
    epsilon: float
    changed_pixels: int
    l2: float
    target: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no images)."""
        return {
            "flipped": self.flipped,
            "original_digit": self.original_digit,
            "digit": self.digit,
            "target": self.target,
            "epsilon": self.epsilon,
            "changed_pixels": self.changed_pixels,
            "l2": self.l2,
            "before": [float(p) for p in self.before],
            "after": [float(p) for p in self.after],
        }


def fool(
    model: Sequential,
    image: np.ndarray,
    target: int | None = None,
    *,
    max_epsilon: float = 0.3,
    levels: int = 30,
    iterations: int = 8,
    check: Predictor | None = None,
) -> FoolResult:
    """The smallest gradient-sign change (in L-infinity) on the ladder of ``levels`` that flips the answer.

    Parameters
    ----------
    model : Sequential
        The NumPy network whose gradients point the way (``Predictor.numpy_model()``).
    image : ndarray, shape (28, 28)
    target : int, optional
        Make the network read this digit (targeted); default: any other digit (untargeted).
    max_epsilon : float
        The largest change of a pixel tried (0.3 of the [0, 1] range).
    levels : int
        The ladder ``max_epsilon * (1..levels) / levels``, all tried in one batch.
    iterations : int
        Sign steps per level, each ``2.5 * epsilon / iterations`` long, clipped to the level's box and to [0, 1]
        (1: plain FGSM, one step of ``epsilon``).
    check : Predictor, optional
        Also require that this model's answer flipped (e.g. the ONNX model on screen, when ``model`` is its
        ``.npz`` twin); its probabilities are the ones reported.

    Returns
    -------
    FoolResult
        ``flipped`` False (and the original image) when no level flipped the answer.
    """
    x = as_image(image)
    if not 0.0 < max_epsilon <= 1.0 or levels < 1 or iterations < 1:
        raise ValueError("need 0 < max_epsilon <= 1, levels >= 1 and iterations >= 1")
    judge: Predictor = check if check is not None else model
    before = np.asarray(judge.predict_proba(x[None, ..., None])[0], dtype=np.float64)
    answer = int(np.argmax(before))
    if target is not None and not 0 <= int(target) < before.shape[0]:
        raise ValueError(f"target must be in 0..{before.shape[0] - 1}, got {target}")
    eps = (max_epsilon * np.arange(1, levels + 1) / levels).astype(np.float32)[:, None, None]
    step = eps * (1.0 if iterations == 1 else 2.5 / iterations)
    low, high = np.clip(x - eps, 0.0, 1.0), np.clip(x + eps, 0.0, 1.0)
    adv = np.repeat(x[None], levels, axis=0)
    cls = answer if target is None else int(target)
    sign = -1.0 if target is None else 1.0  # down the answer's log-probability, or up the target's
    for _ in range(iterations):
        grad = gradients.class_score_gradient(model, adv[..., None], cls, score="log_prob").input_grad[..., 0]
        adv = np.clip(adv + sign * step * np.sign(grad), low, high).astype(np.float32)
    probs = np.asarray(judge.predict_proba(adv[..., None]), dtype=np.float64)
    answers = probs.argmax(axis=1)
    if check is not None:
        answers = np.where(answers == model.predict_proba(adv[..., None]).argmax(axis=1), answers, answer)
    success = answers != answer if target is None else answers == int(target)
    if target is not None and answer == int(target):
        success = np.zeros_like(success)
    hits = np.flatnonzero(success)
    if hits.size == 0:
        return FoolResult(False, x, np.zeros_like(x), answer, answer, before.astype(np.float32),
                          before.astype(np.float32), 0.0, 0, 0.0, None if target is None else int(target))
    k = int(hits[0])
    changed = adv[k]
    diff = (changed - x).astype(np.float32)
    return FoolResult(
        flipped=True,
        image=changed.astype(np.float32),
        difference=diff,
        original_digit=answer,
        digit=int(answers[k]),
        before=before.astype(np.float32),
        after=probs[k].astype(np.float32),
        epsilon=float(eps[k, 0, 0]),
        changed_pixels=int(np.count_nonzero(np.abs(diff) > CHANGE_LEVEL)),
        l2=float(np.sqrt(np.sum(diff.astype(np.float64) ** 2))),
        target=None if target is None else int(target),
    )


@dataclass(frozen=True)
class ChallengeScore:
    """The visitor's attempt at making the network change its mind.

    Attributes
    ----------
    added_ink : int
        Pixels that are ink (>= ``ink_level``) in the edit but were not in the start image.
    removed_ink : int
        Pixels that were ink and are not any more.
    changed : bool
        Whether the answer differs between the start image and the edit.
    digit_before, digit_after : int
    before, after : ndarray, shape (10,)
    """

    added_ink: int
    removed_ink: int
    changed: bool
    digit_before: int
    digit_after: int
    before: np.ndarray
    after: np.ndarray

    def as_dict(self) -> dict[str, Any]:
        return {
            "added_ink": self.added_ink,
            "removed_ink": self.removed_ink,
            "changed": self.changed,
            "digit_before": self.digit_before,
            "digit_after": self.digit_after,
            "before": [float(p) for p in self.before],
            "after": [float(p) for p in self.after],
        }


def score_challenge(
    predictor: Predictor, start: np.ndarray, edited: np.ndarray, ink_level: float = INK_LEVEL
) -> ChallengeScore:
    """Score an edit of the challenge: added / removed ink pixels and whether the answer changed.

    Parameters
    ----------
    predictor : Predictor
        Any opened model; both images go through ONE ``predict_proba`` call.
    start, edited : ndarray, shape (28, 28)
        The network inputs before and after the visitor's edit.
    ink_level : float
        A pixel at or above it is ink.

    Returns
    -------
    ChallengeScore
    """
    a, b = as_image(start), as_image(edited)
    probs = np.asarray(predictor.predict_proba(np.stack([a, b])[..., None]), dtype=np.float32)
    ink_a, ink_b = a >= ink_level, b >= ink_level
    before, after = int(np.argmax(probs[0])), int(np.argmax(probs[1]))
    return ChallengeScore(
        added_ink=int(np.count_nonzero(ink_b & ~ink_a)),
        removed_ink=int(np.count_nonzero(ink_a & ~ink_b)),
        changed=before != after,
        digit_before=before,
        digit_after=after,
        before=probs[0],
        after=probs[1],
    )

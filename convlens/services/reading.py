"""Is this a digit? The reading state of one live result, decided from evidence, without Qt.

A classifier trained on digits always names a digit: a tap becomes a filled disc read as "0, 99% sure", an L
shape "6, 100%". :func:`decide` turns the evidence of one input into one of :data:`READING_STATES`:

``"empty"``
    Nothing drawn.
``"digit"``
    A digit, read with confidence.
``"unsure"``
    Probably a digit, but the (calibrated) confidence is low, or its shape is unusual: the app names the two
    candidates ("Not sure: a 3 or an 8?").
``"not_a_digit"``
    The app says "That does not look like a digit" and shows no digit.

The evidence (:class:`Evidence`), cheapest first:

* **extent** of the ink in the 28x28 input. MNIST scaled every digit's box to 20 px, and so does the live
  preprocessing, except for dots and blobs, which it keeps small (a digit's longer side is taken to be at least
  5 stroke widths): a tap, a tiny stroke or a filled blob ends up shorter than :data:`MIN_EXTENT_PX`, which no
  MNIST training digit but 2 of 60,000 is;
* **ink amount**: the share of the 784 pixels brighter than 0.5; a scribble inks more than any MNIST digit;
* the **confidence**: the top probability, after temperature scaling when the model has a fitted detector;
* a **non-digit score** from the network itself (:class:`NonDigitDetector`): a small two-layer perceptron over
  the penultimate layer, the logits, the softmax and the ink amount, fitted once (``bench/reading_state.py``) to
  tell MNIST training digits and sample-stroke digits from generated non-digits (:mod:`.nondigits`) — outlier
  exposure. Its thresholds are quantiles of held-out MNIST training digits. It is stored with the fingerprint of
  the model it was fitted for in ``assets/reading/<model>.npz`` (a few KB; no MNIST is needed at run time); any
  other model (a trained or opened one) is read with the other evidence only.

``docs/reading_state.md`` has the measurements: how often real MNIST test digits are called "not a digit" and how
often each family of generated non-digits is caught. :meth:`Reader.read` is about twenty small NumPy operations
per input (tens of microseconds; the inference it follows takes longer), cheap enough for the pen path.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convlens.engine.model import Predictor
from convlens.resources import assets_dir

__all__ = [
    "DETECTOR_DIR",
    "EMPTY_READING",
    "LOW_CONFIDENCE",
    "MAX_INK_FRACTION",
    "MIN_EXTENT_PX",
    "READING_STATES",
    "Evidence",
    "Limits",
    "NonDigitDetector",
    "Reader",
    "Reading",
    "decide",
    "detector_features",
    "filters_fingerprint",
    "ink_evidence",
    "probe_images",
]

log = logging.getLogger(__name__)

READING_STATES = ("empty", "digit", "unsure", "not_a_digit")
"""Every state :func:`decide` can return (what ``ExplorerWindow.reading_state()`` reports)."""
LOW_CONFIDENCE = 0.6
"""Below this (calibrated) top probability a digit is "unsure"."""
MIN_EXTENT_PX = 16
"""A 28x28 input whose ink spans fewer pixels than this (longer side) is no digit: MNIST's span 20."""
MAX_INK_FRACTION = 0.40
"""A 28x28 input with more pixels above 0.5 than this share is no digit (most inked MNIST training digit: 0.398)."""
EXTENT_LEVEL = 0.2
"""Pixels above this count for the extent."""
DETECTOR_DIR = assets_dir() / "reading"
"""Fitted :class:`NonDigitDetector` files, one per model (``<name>.npz``)."""


@dataclass(frozen=True)
class Evidence:
    """What :func:`decide` looks at, for one input.

    Attributes
    ----------
    digit, runner_up : int
        The network's two most likely digits.
    confidence : float
        Top probability after temperature scaling (the raw one when the model has no detector).
    ink_fraction : float
        Share of the 28x28 pixels brighter than 0.5.
    extent_px : int
        Longer side of the bounding box of the 28x28 pixels brighter than :data:`EXTENT_LEVEL`.
    ood_score : float or None
        The :class:`NonDigitDetector` score (a logit: larger is less like a digit); None without a detector.
    canvas_extent : float or None
        Longer side of the ink's box on the canvas as a fraction of the canvas side (None for a 28x28 input);
        reported, not used by the rules.
    """

    digit: int
    runner_up: int
    confidence: float
    ink_fraction: float
    extent_px: int
    ood_score: float | None = None
    canvas_extent: float | None = None


@dataclass(frozen=True)
class Limits:
    """The thresholds of :func:`decide` (a :class:`NonDigitDetector` brings its two)."""

    low_confidence: float = LOW_CONFIDENCE
    min_extent_px: int = MIN_EXTENT_PX
    max_ink_fraction: float = MAX_INK_FRACTION
    ood_threshold: float | None = None
    """A score above it is "not a digit"."""
    ood_unsure: float | None = None
    """A score above it (and at most ``ood_threshold``) is "unsure"."""


@dataclass(frozen=True)
class Reading:
    """The verdict on one input.

    Attributes
    ----------
    state : str
        One of :data:`READING_STATES`.
    digit, runner_up : int or None
        The network's two most likely digits (None when empty).
    confidence : float
        The calibrated top probability (0 when empty).
    reason : str
        Which evidence decided: ``"empty"``, ``"extent"``, ``"ink"``, ``"shape"`` (the detector),
        ``"confidence"`` or ``"confident"``.
    evidence : Evidence or None
    """

    state: str
    digit: int | None
    runner_up: int | None
    confidence: float
    reason: str
    evidence: Evidence | None = None


EMPTY_READING = Reading("empty", None, None, 0.0, "empty")
"""The reading of an empty canvas."""


def decide(evidence: Evidence, limits: Limits = Limits()) -> Reading:  # noqa: B008 - a frozen, immutable default
    """The reading state for ``evidence`` (pure; see the module docstring for the rules, applied in this order).

    Parameters
    ----------
    evidence : Evidence
    limits : Limits
        Thresholds; the default has no detector thresholds.

    Returns
    -------
    Reading
    """
    e = evidence

    def reading(state: str, reason: str) -> Reading:
        return Reading(state, e.digit, e.runner_up, e.confidence, reason, e)

    if e.extent_px < limits.min_extent_px:
        return reading("not_a_digit", "extent")
    if e.ink_fraction > limits.max_ink_fraction:
        return reading("not_a_digit", "ink")
    if e.ood_score is not None and limits.ood_threshold is not None and e.ood_score > limits.ood_threshold:
        return reading("not_a_digit", "shape")
    if e.ood_score is not None and limits.ood_unsure is not None and e.ood_score > limits.ood_unsure:
        return reading("unsure", "shape")
    if e.confidence < limits.low_confidence:
        return reading("unsure", "confidence")
    return reading("digit", "confident")


def ink_evidence(image28: np.ndarray) -> tuple[float, float, int]:
    """``(ink_fraction, mean_value, extent_px)`` of a 28x28 input (see :class:`Evidence`)."""
    img = np.asarray(image28, dtype=np.float32).reshape(28, 28)
    ink = float(np.count_nonzero(img > 0.5)) / 784.0
    mass = float(img.sum()) / 784.0
    rows = np.flatnonzero(img.max(axis=1) > EXTENT_LEVEL)
    if rows.size == 0:
        return ink, mass, 0
    cols = np.flatnonzero(img.max(axis=0) > EXTENT_LEVEL)
    return ink, mass, int(max(rows[-1] - rows[0], cols[-1] - cols[0])) + 1


def detector_features(
    probs: np.ndarray, logits: np.ndarray, hidden: np.ndarray, ink_fraction: np.ndarray, mass: np.ndarray
) -> np.ndarray:
    """The inputs of :class:`NonDigitDetector` for a batch (the same function fits and runs it).

    Parameters
    ----------
    probs, logits : ndarray, shape (N, 10)
    hidden : ndarray, shape (N, D)
        The penultimate layer.
    ink_fraction, mass : ndarray, shape (N,)
        From :func:`ink_evidence`.

    Returns
    -------
    ndarray, shape (N, 4 + D + 10), float32
        ``log(1 - max p)``, ``logsumexp(logits)`` (the energy), ink fraction, mean value, then ``hidden`` and
        ``logits``.
    """
    probs = np.asarray(probs, dtype=np.float64).reshape(len(probs), -1)
    logits = np.asarray(logits, dtype=np.float64).reshape(len(logits), -1)
    top = logits.max(axis=1)
    energy = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
    scalars = np.column_stack([np.log1p(-probs.max(axis=1) + 1e-6), energy, ink_fraction, mass])
    return np.concatenate([scalars, np.asarray(hidden, np.float64).reshape(len(hidden), -1), logits], axis=1).astype(
        np.float32
    )


def filters_fingerprint(filters: Mapping[str, tuple[np.ndarray, np.ndarray | None]]) -> str:
    """SHA-256 of every conv layer's name, weights and bias (float32): which model a detector belongs to."""
    digest = hashlib.sha256()
    for name, (weights, bias) in filters.items():
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(weights, dtype=np.float32).tobytes())
        if bias is not None:
            digest.update(np.ascontiguousarray(bias, dtype=np.float32).tobytes())
    return digest.hexdigest()


def probe_images() -> np.ndarray:
    """Two fixed inputs, float32 (2, 28, 28, 1): a model's logits on them must match a detector's record."""
    rng = np.random.default_rng(20240)
    noise = rng.random((28, 28), dtype=np.float32)
    bar = np.zeros((28, 28), np.float32)
    bar[4:24, 12:16] = 1.0
    return np.stack([noise, bar])[..., None]


@dataclass(frozen=True)
class NonDigitDetector:
    """A fitted non-digit score for one model (see the module docstring); load with :meth:`load`.

    Attributes
    ----------
    name : str
    fingerprint : str
        :func:`filters_fingerprint` of the model it was fitted for.
    hidden_layer, logit_layer : str
        The activations it reads (penultimate layer, logits).
    probe_logits : ndarray, shape (2, 10)
        That model's logits on :func:`probe_images` (the dense layers must match too).
    mean, scale : ndarray, shape (F,)
        Standardisation of :func:`detector_features`.
    w1, b1, w2, b2 : ndarray
        The perceptron: ``relu(z @ w1 + b1) @ w2 + b2``, ``w1`` (F, H), ``w2`` (H,).
    threshold, unsure_threshold : float
        Scores above them are "not a digit" / "unsure".
    temperature : float
        Softmax temperature that calibrates the model's confidence.
    """

    name: str
    fingerprint: str
    hidden_layer: str
    logit_layer: str
    probe_logits: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float
    threshold: float
    unsure_threshold: float
    temperature: float

    def __post_init__(self) -> None:
        # Scratch buffers and folded constants for :meth:`score_one` (the pen path: no allocation of a feature row).
        object.__setattr__(self, "_row", np.zeros(self.mean.shape[0], np.float32))
        object.__setattr__(self, "_inv_scale", (1.0 / self.scale).astype(np.float32))

    @classmethod
    def load(cls, path: str | Path) -> NonDigitDetector:
        """Read a detector file written by ``bench/reading_state.py`` (an .npz, no pickles).

        Raises
        ------
        ValueError, OSError
            The file is missing, damaged or incomplete.
        """
        path = Path(path)
        with np.load(path, allow_pickle=False) as z:
            try:
                arrays = {k: np.array(z[k]) for k in z.files}
                meta = {k: str(arrays[k]) for k in ("fingerprint", "hidden_layer", "logit_layer")}
                detector = cls(
                    name=path.stem,
                    probe_logits=arrays["probe_logits"].astype(np.float32),
                    mean=arrays["mean"].astype(np.float32),
                    scale=arrays["scale"].astype(np.float32),
                    w1=arrays["w1"].astype(np.float32),
                    b1=arrays["b1"].astype(np.float32),
                    w2=arrays["w2"].astype(np.float32),
                    b2=float(arrays["b2"]),
                    threshold=float(arrays["threshold"]),
                    unsure_threshold=float(arrays["unsure_threshold"]),
                    temperature=float(arrays["temperature"]),
                    **meta,
                )
            except KeyError as exc:
                raise ValueError(f"{path.name}: not a detector file (no {exc})") from None
        features = detector.mean.shape[0]
        if detector.scale.shape != (features,) or detector.w1.shape[0] != features or detector.w2.shape != (
            detector.w1.shape[1],
        ) or not detector.temperature > 0:
            raise ValueError(f"{path.name}: inconsistent detector shapes")
        return detector

    @property
    def limits(self) -> Limits:
        """:class:`Limits` with this detector's thresholds."""
        return Limits(ood_threshold=self.threshold, ood_unsure=self.unsure_threshold)

    def matches(self, model: Predictor, filters: Mapping[str, tuple[np.ndarray, np.ndarray | None]]) -> bool:
        """Whether ``model`` (with conv ``filters``) is the model this detector was fitted for."""
        if filters_fingerprint(filters) != self.fingerprint:
            return False
        try:
            with np.errstate(all="ignore"):
                _, acts = model.run(probe_images())
            logits = np.asarray(acts[self.logit_layer], dtype=np.float32).reshape(2, -1)
            hidden = np.asarray(acts[self.hidden_layer])
        except Exception:  # noqa: BLE001 - a model without those layers is simply another model
            return False
        return (
            logits.shape == self.probe_logits.shape
            and hidden.reshape(2, -1).shape[1] + 14 == self.mean.shape[0]
            and bool(np.allclose(logits, self.probe_logits, rtol=1e-3, atol=1e-3))
        )

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Scores for a batch of :func:`detector_features` rows, shape (N,)."""
        z = (np.asarray(features, dtype=np.float32) - self.mean) / self.scale
        return np.asarray(np.maximum(z @ self.w1 + self.b1, 0.0) @ self.w2 + self.b2, dtype=np.float64)

    def score_one(self, top_prob: float, logits: np.ndarray, hidden: np.ndarray, ink: float, mass: float) -> float:
        """The score of one input: :meth:`scores` of its :func:`detector_features` row, computed in place.

        Not thread-safe (one scratch row); the live pipeline runs on one thread.
        """
        lg = np.asarray(logits, dtype=np.float32).reshape(-1)
        top = float(lg.max())
        row: np.ndarray = self._row  # type: ignore[attr-defined]
        row[0] = math.log1p(-top_prob + 1e-6)
        row[1] = top + math.log(float(np.exp(lg - top).sum()))
        row[2], row[3] = ink, mass
        row[4:-10] = np.asarray(hidden).reshape(-1)
        row[-10:] = lg
        z = (row - self.mean) * self._inv_scale  # type: ignore[attr-defined]
        h = z @ self.w1 + self.b1
        return float(np.maximum(h, 0.0, out=h) @ self.w2) + self.b2


@functools.cache
def _shipped_detectors() -> tuple[NonDigitDetector, ...]:
    found = []
    for path in sorted(DETECTOR_DIR.glob("*.npz")):
        try:
            found.append(NonDigitDetector.load(path))
        except (OSError, ValueError) as exc:
            log.error("skipping reading detector %s: %s", path, exc)
    return tuple(found)


class Reader:
    """Reads live results: :meth:`read` on the pen path; one per model (:meth:`for_model`).

    Parameters
    ----------
    detector : NonDigitDetector, optional
        The detector of this model (None: extent, ink and raw confidence only).
    """

    def __init__(self, detector: NonDigitDetector | None = None) -> None:
        self.detector = detector
        self.limits = detector.limits if detector is not None else Limits()
        self._inv_temperature = 1.0 if detector is None else 1.0 / detector.temperature

    @classmethod
    def for_model(
        cls, model: Predictor, filters: Mapping[str, tuple[np.ndarray, np.ndarray | None]]
    ) -> Reader:
        """The reader of ``model``: with the shipped detector fitted for it, if there is one."""
        for detector in _shipped_detectors():
            if detector.matches(model, filters):
                return cls(detector)
        return cls(None)

    def evidence(
        self,
        image28: np.ndarray,
        probs: np.ndarray,
        activations: Mapping[str, np.ndarray],
        canvas_extent: float | None = None,
    ) -> Evidence:
        """The :class:`Evidence` of one input: its 28x28 image, probabilities (10,) and activations (batch of 1)."""
        p = np.asarray(probs, dtype=np.float32).reshape(-1)
        ink, mass, extent = ink_evidence(image28)
        first = int(p.argmax())
        confidence = float(p[first])
        score: float | None = None
        detector = self.detector
        if detector is not None:
            logits = activations.get(detector.logit_layer)
            hidden = activations.get(detector.hidden_layer)
            if logits is not None and hidden is not None:
                lg = np.asarray(logits, dtype=np.float32).reshape(-1)
                score = detector.score_one(confidence, lg, hidden, ink, mass)
                # calibrated top probability: softmax(logits / T) at the top class
                confidence = 1.0 / float(np.exp((lg - lg[first]) * self._inv_temperature).sum())
        rest = p.copy()
        rest[first] = -1.0
        return Evidence(first, int(rest.argmax()), confidence, ink, extent, score, canvas_extent)

    def read(
        self,
        image28: np.ndarray,
        probs: np.ndarray,
        activations: Mapping[str, np.ndarray],
        canvas_extent: float | None = None,
    ) -> Reading:
        """The :class:`Reading` of one input (see :meth:`evidence`)."""
        return decide(self.evidence(image28, probs, activations, canvas_extent), self.limits)

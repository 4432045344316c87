"""Where the network looks: signed 28x28 saliency maps and a ranking of the feature maps, without Qt.

Every map is aligned with the network input (the 28x28 MNIST-style image, row-major, ``[row, col]``) and signed:
positive = this pixel's ink pushes the network towards its answer, negative = it pushes away from it.

- :func:`occlusion_map` works for ANY :class:`~convlens.engine.model.Predictor` (ONNX included): it blacks out a
  square patch at every position that holds ink and sends all the occluded copies through ONE ``predict_proba``
  call; a pixel's value is the mean drop of the answer's log-odds over the patches that cover it.
- :func:`gradient_map` differentiates the answer's score with respect to the input in the NumPy engine
  (:mod:`convlens.engine.gradients`): the plain gradient, gradient x input, or SmoothGrad (the gradient averaged
  over noisy copies, one batched pass), optionally x input.
- :func:`feature_map_ranking` ranks the maps of one layer (by default the last pooling layer) by how much each
  contributed to the answer (Grad-CAM weights; contribution = sum over the map of activation x gradient), with
  the Grad-CAM heat map upsampled to 28x28; :func:`feature_map_rankings` does every pooling layer in one pass.
- :func:`diverging_scale` and :func:`diverging_rgba` turn a signed map into values / colours for a diverging
  colour scale (0 stays 0: white/transparent).
- :func:`deletion_test` checks that a method finds the pixels that matter: deleting the most salient ink pixels
  must hurt the answer more than deleting as many random ink pixels.

:class:`Explainer` bundles these for one opened model (it finds and keeps the NumPy twin of an ONNX file) and is
what the window's overlay calls.

Measured on the shipped model (``bench/bench_explain.py``, thread CPU time p50 per map on the sample drawings, one
core): occlusion (4x4 patches, stride 2: about 71 occluded copies of a typical digit in one onnxruntime call)
~6.5 ms (``stride=4``: 49 positions, ~2 ms, a blockier map); gradient x input ~2.8 ms; SmoothGrad x input with 8
samples (the ``gradient`` method) ~6.8 ms; the feature-map ranking ~2.5 ms. A 20 Hz overlay costs 5-15% of a core.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from convlens.engine import gradients
from convlens.engine.model import Predictor, Sequential

__all__ = [
    "DEFAULT_GRADIENT_METHOD",
    "DEFAULT_GRADIENT_SCORE",
    "GRADIENT_METHODS",
    "INK_LEVEL",
    "METHODS",
    "DeletionResult",
    "Explainer",
    "FeatureMapRanking",
    "GradientUnavailable",
    "SaliencyMap",
    "as_image",
    "deletion_test",
    "sample_digit_images",
    "diverging_rgba",
    "diverging_scale",
    "feature_map_ranking",
    "feature_map_rankings",
    "gradient_map",
    "numpy_model_of",
    "occlusion_map",
    "upsample_to_input",
]

SIDE = 28
INK_LEVEL = 0.5
"""A pixel of the network input at or above this value is ink (what the deletion test deletes and the fooling
challenge counts); MNIST's anti-aliased edges below it are not."""
METHODS = ("occlusion", "gradient")
"""The methods of :meth:`Explainer.explain` (and ``convlens explain --method``)."""
GradientMethod = Literal["gradient", "gradient_x_input", "smoothgrad", "smoothgrad_x_input"]
GRADIENT_METHODS: tuple[str, ...] = ("gradient", "gradient_x_input", "smoothgrad", "smoothgrad_x_input")
"""The variants of :func:`gradient_map`. ``"gradient"`` is also positive on empty background where ink would
help; the ``_x_input`` variants are zero off the ink."""
DEFAULT_GRADIENT_METHOD: GradientMethod = "smoothgrad_x_input"
DEFAULT_GRADIENT_SCORE: gradients.Score = "log_prob"
"""What ``method="gradient"`` of :meth:`Explainer.explain` computes: SmoothGrad x input of the answer's
log-probability, the best gradient variant in the deletion test on 200 MNIST test digits (ratio ~10.8, against
~8.7 for plain gradient x input of the logit; see ``bench/bench_explain.py``)."""


class GradientUnavailable(ValueError):
    """The gradient methods need the NumPy network, and this ONNX model has no ``.npz`` twin."""


def numpy_model_of(predictor: Predictor) -> Sequential:
    """The NumPy network behind ``predictor``: itself, or the ``.npz`` twin next to an ONNX file (loaded now).

    Raises
    ------
    GradientUnavailable
        An ONNX file without a twin; the message names the file and what to do.
    """
    model = predictor.numpy_model()
    if model is None:
        path = predictor.source_path
        name = path.name if path is not None else "this model"
        twin = path.with_suffix(".npz").name if path is not None else "a .npz twin"
        raise GradientUnavailable(
            f"{name}: this needs the NumPy network (gradients), but there is no {twin} next to the ONNX file; "
            "open a .npz model, or a model trained and exported by ConvLens"
        )
    return model


def as_image(image: np.ndarray) -> np.ndarray:
    """One network input as a float32 ``(28, 28)`` array (a copy).

    Parameters
    ----------
    image : ndarray, shape (28, 28), (28, 28, 1) or (1, 28, 28, 1)
        White digit on black, values in [0, 1].

    Raises
    ------
    ValueError
        Another shape, or values that are not finite.
    """
    a = np.asarray(image, dtype=np.float32)
    if a.size != SIDE * SIDE or a.shape not in ((SIDE, SIDE), (SIDE, SIDE, 1), (1, SIDE, SIDE, 1)):
        raise ValueError(f"expected one 28x28 image, got shape {a.shape}")
    a = a.reshape(SIDE, SIDE).copy()
    if not np.all(np.isfinite(a)):
        raise ValueError("the image contains NaN or infinite values")
    return a


@dataclass(frozen=True)
class SaliencyMap:
    """A signed map of where the network looks, aligned with its input.

    Attributes
    ----------
    values : ndarray, shape (28, 28), float32
        Positive = this pixel pushes towards ``digit``, negative = away from it; row-major like ``image``.
        Units depend on ``method`` (log-probability drop for occlusion, score per unit of ink for gradients):
        compare maps of one method, or use :func:`diverging_scale`.
    image : ndarray, shape (28, 28), float32
        The network input it explains.
    digit : int
        The class explained (the answer, unless another was asked for).
    probs : ndarray, shape (10,)
        The probabilities of the model that computed the map.
    method : str
        ``"occlusion"`` or one of :data:`GRADIENT_METHODS`.
    milliseconds : float
        Wall-clock time it took.
    """

    values: np.ndarray
    image: np.ndarray
    digit: int
    probs: np.ndarray
    method: str
    milliseconds: float = 0.0

    def scaled(self, limit: float | None = None) -> np.ndarray:
        """:func:`diverging_scale` of :attr:`values`: float32 ``(28, 28)`` in [-1, 1]."""
        return diverging_scale(self.values, limit)


# ---------------------------------------------------------------------------------------------- occlusion


def _starts(side: int, patch: int, stride: int) -> list[int]:
    """Patch origins along one axis: every ``stride`` pixels, plus a last one flush with the border."""
    starts = list(range(0, side - patch + 1, stride))
    if starts[-1] + patch < side:
        starts.append(side - patch)
    return starts


def occlusion_map(
    predictor: Predictor,
    image: np.ndarray,
    digit: int | None = None,
    *,
    patch: int = 4,
    stride: int = 2,
    fill: float = 0.0,
    score: Literal["log_odds", "log_prob", "prob"] = "log_odds",
) -> SaliencyMap:
    """Occlusion sensitivity: how much the answer drops when a patch of the image is blacked out.

    The original and every occluded copy go through ONE ``predictor.predict_proba`` call (any backend). Patches
    that contain nothing but ``fill`` would not change the image; they are not computed and count as a drop of 0.

    Parameters
    ----------
    predictor : Predictor
        Any opened model (NumPy or ONNX).
    image : ndarray, shape (28, 28) (see :func:`as_image`)
    digit : int, optional
        The class to explain; default: the model's answer.
    patch, stride : int
        Square patch side and step in pixels (4 and 2: at most 13 x 13 = 169 copies, about 70 on a typical digit).
    fill : float
        The value a patch is replaced with (0: no ink).
    score : {"log_odds", "log_prob", "prob"}
        Drop of the class's log-odds ``log(p / (1 - p))``, ``1 - p`` summed from the other classes (does not
        saturate near 0 or 100%, and stays exact in float32 when ``p`` rounds to 1), of its log-probability, or of
        its probability.

    Returns
    -------
    SaliencyMap
        ``values[r, c]`` = the mean drop over all patches covering pixel ``(r, c)``.
    """
    started = time.perf_counter()
    x = as_image(image)
    if not 1 <= patch <= SIDE or not 1 <= stride <= patch:
        raise ValueError(f"need 1 <= stride <= patch <= {SIDE}, got patch={patch}, stride={stride}")
    if score not in ("log_odds", "log_prob", "prob"):
        raise ValueError(f"score must be 'log_odds', 'log_prob' or 'prob', got {score!r}")
    rows, cols = _starts(SIDE, patch, stride), _starts(SIDE, patch, stride)
    origins = [(r, c) for r in rows for c in cols]
    changed = [(r, c) for r, c in origins if np.any(x[r : r + patch, c : c + patch] != fill)]
    batch = np.repeat(x[None], len(changed) + 1, axis=0)
    for k, (r, c) in enumerate(changed, start=1):
        batch[k, r : r + patch, c : c + patch] = fill
    probs = np.asarray(predictor.predict_proba(batch[..., None]), dtype=np.float64)
    answer = int(np.argmax(probs[0])) if digit is None else _check_digit(digit, probs.shape[1])
    tiny = np.finfo(np.float64).tiny
    if score == "log_odds":
        rest = np.delete(probs, answer, axis=1).sum(axis=1)  # not 1 - p: p may round to 1
        p = np.log(np.maximum(probs[:, answer], tiny)) - np.log(np.maximum(rest, tiny))
    elif score == "log_prob":
        p = np.log(np.maximum(probs[:, answer], tiny))
    else:
        p = probs[:, answer]
    drops = p[0] - p[1:]
    sums = np.zeros((SIDE, SIDE), np.float64)
    counts = np.zeros((SIDE, SIDE), np.float64)
    for r, c in origins:
        counts[r : r + patch, c : c + patch] += 1.0
    for (r, c), drop in zip(changed, drops, strict=True):
        sums[r : r + patch, c : c + patch] += drop
    values = (sums / counts).astype(np.float32)
    return SaliencyMap(values, x, answer, probs[0].astype(np.float32), "occlusion", _ms(started))


def _check_digit(digit: int, classes: int) -> int:
    if not 0 <= int(digit) < classes:
        raise ValueError(f"digit must be in 0..{classes - 1}, got {digit}")
    return int(digit)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1e3


# ---------------------------------------------------------------------------------------------- gradients


def gradient_map(
    model: Sequential,
    image: np.ndarray,
    digit: int | None = None,
    *,
    method: GradientMethod = DEFAULT_GRADIENT_METHOD,
    score: gradients.Score = DEFAULT_GRADIENT_SCORE,
    samples: int = 8,
    noise: float = 0.15,
    seed: int = 0,
) -> SaliencyMap:
    """A gradient map through the NumPy engine: ``d score(digit) / d image``, in one forward and backward pass.

    Parameters
    ----------
    model : Sequential
        The NumPy network (``Predictor.numpy_model()``).
    image : ndarray, shape (28, 28) (see :func:`as_image`)
    digit : int, optional
        The class to explain; default: the model's answer.
    method : str
        ``"gradient"``: the gradient itself (also where ink *would* help); ``"gradient_x_input"``: gradient times
        the image (each ink pixel's first-order contribution); ``"smoothgrad"``: the gradient averaged over
        ``samples`` copies with Gaussian noise of standard deviation ``noise`` added (one batched pass; less
        speckled); ``"smoothgrad_x_input"``: that times the image.
    score : {"logit", "log_prob", "prob"}
        What is differentiated (see :data:`convlens.engine.gradients.SCORES`).
    samples : int
        Noisy copies for SmoothGrad (cost grows about linearly: ~0.6 ms each on the shipped model).
    noise : float
        SmoothGrad's noise level, in units of the [0, 1] pixel range.
    seed : int
        Seed of SmoothGrad's noise: the same image gives the same map.

    Returns
    -------
    SaliencyMap
    """
    started = time.perf_counter()
    if method not in GRADIENT_METHODS:
        raise ValueError(f"method must be one of {GRADIENT_METHODS}, got {method!r}")
    x = as_image(image)
    smooth = method.startswith("smoothgrad")
    if smooth:
        if samples < 1 or not noise >= 0.0:
            raise ValueError(f"SmoothGrad needs samples >= 1 and noise >= 0, got {samples}, {noise}")
        rng = np.random.default_rng(seed)
        batch = x[None] + rng.normal(0.0, noise, (samples, SIDE, SIDE)).astype(np.float32)
        batch = np.concatenate([x[None], batch])  # row 0: the clean image, for the answer and probabilities
    else:
        batch = x[None]
    if digit is None:
        probs0 = model.predict_proba(x[None, ..., None])[0]
        answer = int(np.argmax(probs0))
    else:
        answer = _check_digit(digit, model.num_classes)
    result = gradients.class_score_gradient(model, batch[..., None], answer, score=score)
    grads = result.input_grad[..., 0]
    grad = grads[1:].mean(axis=0) if smooth else grads[0]
    values = grad * x if method.endswith("_x_input") else grad
    return SaliencyMap(
        values.astype(np.float32), x, answer, result.probs[0].astype(np.float32), method, _ms(started)
    )


def upsample_to_input(values: np.ndarray, side: int = SIDE) -> np.ndarray:
    """A coarse map ``(H, W)`` stretched to ``(side, side)`` by nearest neighbour (a 7x7 map: 4x4 blocks)."""
    h, w = values.shape
    rows = (np.arange(side) * h) // side
    cols = (np.arange(side) * w) // side
    return np.asarray(values)[rows][:, cols]


@dataclass(frozen=True)
class FeatureMapRanking:
    """How much each map of one layer contributed to the answer (Grad-CAM-style), best first.

    Attributes
    ----------
    layer : str
        The layer ranked (default: the last pooling layer, e.g. ``"pool2"``).
    digit : int
        The class explained.
    order : ndarray of int, shape (C,)
        Channel indices sorted by ``contributions``, largest first (``order[0]`` helped most).
    contributions : ndarray, shape (C,)
        Per map: sum over its cells of activation x ``d logit(digit) / d activation`` (first-order share of the
        logit; positive = pushed towards the answer).
    weights : ndarray, shape (C,)
        Grad-CAM weights: the mean gradient over each map.
    maps : ndarray, shape (H, W, C)
        The layer's activations for the image.
    heatmap : ndarray, shape (28, 28)
        Grad-CAM: ``sum_k weights[k] * maps[..., k]`` (signed, not rectified), upsampled to the input.
    probs : ndarray, shape (10,)
    """

    layer: str
    digit: int
    order: np.ndarray
    contributions: np.ndarray
    weights: np.ndarray
    maps: np.ndarray
    heatmap: np.ndarray
    probs: np.ndarray = field(repr=False)

    def ranking(self) -> list[tuple[int, float]]:
        """``[(channel, contribution), ...]``, largest contribution first."""
        return [(int(k), float(self.contributions[k])) for k in self.order]


def feature_map_rankings(
    model: Sequential, image: np.ndarray, digit: int | None = None, layers: Sequence[str] | None = None
) -> OrderedDict[str, FeatureMapRanking]:
    """Rank the feature maps of several layers at once (ONE forward and backward pass for all of them).

    Parameters
    ----------
    model : Sequential
    image : ndarray, shape (28, 28)
    digit : int, optional
        Default: the model's answer.
    layers : sequence of str, optional
        Layers with map outputs; default: every pooling layer (the feature maps the window shows), else every map
        layer.

    Returns
    -------
    OrderedDict[str, FeatureMapRanking]
        In the order of ``layers``.
    """
    x = as_image(image)
    names = gradients.map_layer_names(model)
    if not names:
        raise ValueError("the model has no layer with feature maps")
    if layers is None:
        pools = [lay.name for lay in model.layers if lay.type_name == "MaxPool2D"]
        layers = pools or names
    for layer in layers:
        if layer not in names:
            raise ValueError(f"{layer!r} has no feature maps; choose one of {names}")
    if digit is None:
        answer = int(np.argmax(model.predict_proba(x[None, ..., None])[0]))
    else:
        answer = _check_digit(digit, model.num_classes)
    result = gradients.class_score_gradient(model, x[None, ..., None], answer, score="logit", keep=tuple(layers))
    rankings: OrderedDict[str, FeatureMapRanking] = OrderedDict()
    for layer in layers:
        maps, grads = result.maps[layer][0], result.map_grads[layer][0]  # (H, W, C)
        contributions = (maps * grads).sum(axis=(0, 1))
        weights = grads.mean(axis=(0, 1))
        heatmap = upsample_to_input(np.tensordot(maps, weights, axes=([2], [0])))
        rankings[layer] = FeatureMapRanking(
            layer, answer, np.argsort(-contributions, kind="stable"), contributions.astype(np.float32),
            weights.astype(np.float32), maps, heatmap.astype(np.float32), result.probs[0].astype(np.float32),
        )
    return rankings


def feature_map_ranking(
    model: Sequential, image: np.ndarray, digit: int | None = None, layer: str | None = None
) -> FeatureMapRanking:
    """Rank the feature maps of one layer by their contribution to the class ``digit`` (one forward + backward).

    Parameters
    ----------
    model : Sequential
    image : ndarray, shape (28, 28)
    digit : int, optional
        Default: the model's answer.
    layer : str, optional
        A layer with map outputs; default: the last pooling layer (else the last map layer).

    Returns
    -------
    FeatureMapRanking
    """
    if layer is None:
        names = gradients.map_layer_names(model)
        pools = [lay.name for lay in model.layers if lay.type_name == "MaxPool2D"]
        if not names:
            raise ValueError("the model has no layer with feature maps")
        layer = pools[-1] if pools else names[-1]
    return feature_map_rankings(model, image, digit, [layer])[layer]


# ---------------------------------------------------------------------------------------------- colours


def diverging_scale(values: np.ndarray, limit: float | None = None, percentile: float = 99.0) -> np.ndarray:
    """Scale a signed map into [-1, 1] for a diverging colour scale, keeping 0 at 0.

    Parameters
    ----------
    values : ndarray, any shape
    limit : float, optional
        The magnitude that maps to +-1 (fixed levels, so a live overlay does not flicker); default: the
        ``percentile`` of ``|values|`` over the nonzero entries (one stray pixel does not wash the rest out).

    Returns
    -------
    ndarray, float32, same shape, in [-1, 1]
    """
    v = np.asarray(values, dtype=np.float32)
    if limit is None:
        nonzero = np.abs(v[v != 0])
        limit = float(np.percentile(nonzero, percentile)) if nonzero.size else 1.0
    if not limit > 0.0 or not math.isfinite(limit):
        limit = 1.0
    return np.clip(v / np.float32(limit), -1.0, 1.0).astype(np.float32)


NEGATIVE_RGB = (33, 102, 172)
"""Blue: pixels that push away from the answer."""
POSITIVE_RGB = (178, 24, 43)
"""Red: pixels that push towards the answer."""


def diverging_rgba(scaled: np.ndarray) -> np.ndarray:
    """Colours for a map scaled by :func:`diverging_scale`: red (+), blue (-), alpha = magnitude.

    Parameters
    ----------
    scaled : ndarray, shape (H, W), values in [-1, 1]

    Returns
    -------
    ndarray, shape (H, W, 4), uint8 RGBA
        Transparent where the value is 0: an overlay over the drawing.
    """
    s = np.clip(np.asarray(scaled, dtype=np.float32), -1.0, 1.0)
    rgba = np.zeros((*s.shape, 4), np.uint8)
    rgba[..., :3] = np.where((s >= 0)[..., None], np.array(POSITIVE_RGB, np.uint8), np.array(NEGATIVE_RGB, np.uint8))
    rgba[..., 3] = np.round(np.abs(s) * 255.0).astype(np.uint8)
    return rgba


# ---------------------------------------------------------------------------------------------- the bundle


class Explainer:
    """The explanations of one opened model, for the window's views and the CLI.

    Parameters
    ----------
    predictor : Predictor
        The model in use (answers and occlusion go through it, whatever its backend).
    numpy_model : Sequential, optional
        The NumPy network for the gradient methods; default: ``predictor.numpy_model()`` (the model itself, or
        the ``.npz`` twin of an ONNX file, loaded once, on first use). Pass ``Teacher.model`` to explain the
        network as taught.

    Notes
    -----
    Thread safety: the gradient passes hold the lock of :mod:`convlens.engine.gradients`; do not train the same
    ``Sequential`` in another thread meanwhile.
    """

    def __init__(self, predictor: Predictor, numpy_model: Sequential | None = None) -> None:
        self.predictor = predictor
        self._numpy_model = numpy_model
        self._looked_for_twin = numpy_model is not None

    @property
    def numpy_model(self) -> Sequential | None:
        """The NumPy network of the gradient methods, or None (an ONNX file without a ``.npz`` twin)."""
        if not self._looked_for_twin:
            self._numpy_model = self.predictor.numpy_model()
            self._looked_for_twin = True
        return self._numpy_model

    @property
    def gradients_available(self) -> bool:
        """Whether :meth:`gradient`, :meth:`feature_maps` and ``method="gradient"`` can run."""
        return self.numpy_model is not None

    def _require_numpy(self) -> Sequential:
        model = self.numpy_model
        if model is None:
            return numpy_model_of(self.predictor)  # raises GradientUnavailable with the message
        return model

    def answer(self, image: np.ndarray) -> tuple[int, np.ndarray]:
        """The predictor's answer and probabilities ``(10,)`` for one image."""
        probs = np.asarray(self.predictor.predict_proba(as_image(image)[None, ..., None]))[0]
        return int(np.argmax(probs)), probs

    def occlusion(self, image: np.ndarray, digit: int | None = None, **options: object) -> SaliencyMap:
        """:func:`occlusion_map` through the predictor (options: ``patch``, ``stride``, ``fill``, ``score``)."""
        return occlusion_map(self.predictor, image, digit, **options)  # type: ignore[arg-type]

    def gradient(self, image: np.ndarray, digit: int | None = None, **options: object) -> SaliencyMap:
        """:func:`gradient_map` through the NumPy network (options: ``method``, ``score``, ``samples``, ...).

        Raises
        ------
        GradientUnavailable
        """
        return gradient_map(self._require_numpy(), image, digit, **options)  # type: ignore[arg-type]

    def feature_maps(self, image: np.ndarray, digit: int | None = None, layer: str | None = None) -> FeatureMapRanking:
        """:func:`feature_map_ranking` through the NumPy network (default: the last pooling layer).

        Raises
        ------
        GradientUnavailable
        """
        return feature_map_ranking(self._require_numpy(), image, digit, layer)

    def all_feature_maps(
        self, image: np.ndarray, digit: int | None = None
    ) -> OrderedDict[str, FeatureMapRanking]:
        """:func:`feature_map_rankings` of every pooling layer, in one pass.

        Raises
        ------
        GradientUnavailable
        """
        return feature_map_rankings(self._require_numpy(), image, digit)

    def explain(self, image: np.ndarray, method: str = "occlusion", digit: int | None = None) -> SaliencyMap:
        """The map of ``method`` (one of :data:`METHODS`) with its default settings."""
        if method == "occlusion":
            return self.occlusion(image, digit)
        if method == "gradient":
            return self.gradient(image, digit)
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")


# ---------------------------------------------------------------------------------------------- deletion test


@dataclass(frozen=True)
class DeletionResult:
    """What :func:`deletion_test` measured.

    Attributes
    ----------
    salient_drop, random_drop : float
        Mean drop of the answer's probability when the most salient / randomly chosen ink pixels are deleted.
    ratio : float
        ``salient_drop / random_drop`` (inf when random deletion changes nothing).
    images : int
        Images used (those with enough ink).
    fraction : float
        Fraction of each image's ink pixels deleted.
    milliseconds_per_map : float
        Mean time of one saliency map.
    """

    salient_drop: float
    random_drop: float
    ratio: float
    images: int
    fraction: float
    milliseconds_per_map: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "salient_drop": self.salient_drop,
            "random_drop": self.random_drop,
            "ratio": self.ratio,
            "images": self.images,
            "fraction": self.fraction,
            "ms_per_map": self.milliseconds_per_map,
        }


def deletion_test(
    predictor: Predictor,
    images: np.ndarray,
    saliency: Callable[[np.ndarray, int], np.ndarray],
    *,
    fraction: float = 0.15,
    random_draws: int = 5,
    ink_level: float = INK_LEVEL,
    seed: int = 0,
) -> DeletionResult:
    """Delete each image's most salient ink pixels and as many random ink pixels; compare the answer's drop.

    Parameters
    ----------
    predictor : Predictor
        Judges every image (its answer is what is explained and what must drop).
    images : ndarray, shape (N, 28, 28) or (N, 28, 28, 1)
    saliency : callable
        ``saliency(image (28, 28), digit) -> (28, 28)`` signed map, larger = more evidence for ``digit``.
    fraction : float
        Share of the ink pixels (>= ``ink_level``) deleted (set to 0), at least one.
    random_draws : int
        Random deletions per image (averaged).
    seed : int
        Seed of the random deletions.

    Returns
    -------
    DeletionResult
    """
    x = np.asarray(images, dtype=np.float32).reshape(-1, SIDE, SIDE)
    probs = np.asarray(predictor.predict_proba(x[..., None]), dtype=np.float64)
    answers = probs.argmax(axis=1)
    rng = np.random.default_rng(seed)
    deleted: list[np.ndarray] = []
    kept: list[int] = []
    spent = 0.0
    for i, image in enumerate(x):
        ink = np.flatnonzero(image.ravel() >= ink_level)
        if ink.size < 2:
            continue
        k = max(1, int(round(fraction * ink.size)))
        started = time.perf_counter()
        values = np.asarray(saliency(image, int(answers[i])), dtype=np.float64).ravel()
        spent += time.perf_counter() - started
        top = ink[np.argsort(-values[ink], kind="stable")[:k]]
        choices = [top] + [rng.choice(ink, size=k, replace=False) for _ in range(random_draws)]
        for chosen in choices:
            copy = image.ravel().copy()
            copy[chosen] = 0.0
            deleted.append(copy.reshape(SIDE, SIDE))
        kept.append(i)
    if not kept:
        raise ValueError("no image has enough ink for the deletion test")
    after = np.asarray(predictor.predict_proba(np.stack(deleted)[..., None]), dtype=np.float64)
    per = 1 + random_draws
    idx = np.asarray(kept)
    before = probs[idx, answers[idx]]
    after_answer = after[np.arange(after.shape[0]), np.repeat(answers[idx], per)].reshape(len(kept), per)
    salient = float(np.mean(before - after_answer[:, 0]))
    random = float(np.mean(before[:, None] - after_answer[:, 1:]))
    ratio = salient / random if random > 0 else math.inf
    return DeletionResult(salient, random, ratio, len(kept), fraction, spent * 1e3 / len(kept))


def sample_digit_images(variants: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The app's sample drawings (``convlens.services.samples``) as network inputs, for tests without MNIST.

    Returns
    -------
    images : ndarray, shape (N, 28, 28), float32
    labels : ndarray, shape (N,), int64
    """
    from convlens.services.samples import SAMPLE_STROKES, load_sample_strokes, sample_image

    drawings: Sequence[tuple[int, list[list[tuple[float, float]]]]]
    drawings = load_sample_strokes() if variants else list(SAMPLE_STROKES.items())
    images = np.stack([sample_image(strokes) for _, strokes in drawings])
    return images, np.array([d for d, _ in drawings], dtype=np.int64)

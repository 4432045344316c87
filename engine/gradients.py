"""Gradients for explanation: how a class score, a filter's map or the loss changes with the input or the weights.

:class:`~convlens.engine.model.Sequential` trains through ``forward(x, training=True)`` and ``backward(grad_logits)``,
which fill the parameter gradients but drop the gradient with respect to the image. This module runs the same
layers (their gradient-checked ``forward``/``backward``) with three differences, undone afterwards:

- the first layer also returns its input gradient (``need_input_grad``), so the image gets ``d score / d x``;
- dropout is the identity (inference behaviour), so every answer is deterministic;
- the training-time fusion of a conv's ReLU into the next pooling layer is switched off, so every layer's output
  is an ordinary NHWC map and a pass may stop after any layer (a filter's map) or read any layer's gradient.

A pass may start its backward at any layer (:func:`unit_gradient`: the mean of one filter's map) and keeps copies
of the maps and map gradients asked for (:func:`class_score_gradient` with ``keep=``: Grad-CAM). The passes change
the layers' scratch state and ``grads``: one module lock serialises them, and a model must not be trained in
another thread while it is explained (the services work on their own :func:`clone_model` where that matters).

Shapes: images ``(N, 28, 28, 1)`` float32 in [0, 1] (any ``model.input_shape``); maps NHWC ``(N, H, W, C)``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from convlens.engine.model import Sequential
from convlens.engine.ops import softmax

__all__ = [
    "SCORES",
    "LossGradient",
    "ScoreGradient",
    "UnitGradient",
    "class_score_gradient",
    "clone_model",
    "gradient_mode",
    "loss_gradient",
    "map_layer_names",
    "unit_gradient",
]

Score = Literal["logit", "log_prob", "prob"]
SCORES: tuple[str, ...] = ("logit", "log_prob", "prob")
"""What :func:`class_score_gradient` differentiates: the class's logit, its log-probability (the logit minus the
log-sum-exp: evidence for the class *against* the others) or its probability (saturates near 0 and 1)."""

_LOCK = threading.RLock()


def clone_model(model: Sequential) -> Sequential:
    """An independent copy of ``model``: same architecture, weights (bit for bit, same dtypes), metadata and source
    path."""
    twin = Sequential.from_config(model.architecture(), input_shape=model.input_shape, seed=model.seed)
    for source, target in zip(model.layers, twin.layers, strict=True):
        target.params = {key: value.copy() for key, value in source.params.items()}
        target.grads = {key: np.zeros_like(value) for key, value in target.params.items()}
    twin.metadata = dict(model.metadata)
    twin.source_path = model.source_path
    return twin


def map_layer_names(model: Sequential) -> list[str]:
    """The layers whose output is a map ``(H, W, C)`` (convs, ReLUs, pools), in order."""
    return [layer.name for layer in model.layers if len(layer.output_shape) == 3]


@contextlib.contextmanager
def gradient_mode(model: Sequential) -> Iterator[None]:
    """Within the block the model's layers give input gradients, run unfused and hold the module lock.

    Everything it changes (``need_input_grad`` of the first layer, the fusion flags) is restored on exit.
    """
    with _LOCK:
        saved = [(layer.need_input_grad, layer.defer_relu, layer.applies_relu, layer.phases) for layer in model.layers]
        try:
            for layer in model.layers:
                layer.need_input_grad = True
                layer.defer_relu = layer.applies_relu = False
                layer.phases = None
            yield
        finally:
            for layer, (need, defer, applies, phases) in zip(model.layers, saved, strict=True):
                layer.need_input_grad, layer.defer_relu, layer.applies_relu, layer.phases = need, defer, applies, phases


def _as_batch(model: Sequential, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == len(model.input_shape):
        x = x[None]
    if tuple(x.shape[1:]) != model.input_shape:
        raise ValueError(f"expected images of shape (N, {', '.join(map(str, model.input_shape))}), got {x.shape}")
    return np.ascontiguousarray(x, dtype=np.float64 if x.dtype == np.float64 else np.float32)


def _layer_index(model: Sequential, name: str) -> int:
    for index, layer in enumerate(model.layers):
        if layer.name == name:
            return index
    raise ValueError(f"no layer {name!r} in the model; it has {[layer.name for layer in model.layers]}")


def _forward(
    model: Sequential, x: np.ndarray, stop: int, keep: Iterable[int]
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Training-mode forward through layers ``0..stop`` (dropout off); copies of the outputs of ``keep``."""
    wanted = set(keep)
    kept: dict[int, np.ndarray] = {}
    h = x
    for index, layer in enumerate(model.layers[: stop + 1]):
        h = layer.forward(h, training=layer.type_name != "Dropout")
        if index in wanted:
            kept[index] = np.array(h, copy=True)  # training outputs may live in the layer's reusable workspace
    return h, kept


def _backward(
    model: Sequential, grad: np.ndarray, stop: int, keep: Iterable[int]
) -> tuple[np.ndarray | None, dict[int, np.ndarray]]:
    """Backward from ``d objective / d output of layer stop``; returns ``d objective / d input`` (None when the
    first layer was told not to compute it) and the gradients with respect to the outputs of the layers in
    ``keep``."""
    wanted = set(keep)
    kept: dict[int, np.ndarray] = {}
    g: np.ndarray | None = grad
    for index in range(stop, -1, -1):
        assert g is not None
        if index in wanted:
            kept[index] = np.array(g, copy=True)
        g = model.layers[index].backward(g)
    return g, kept


def _log_prob_grad(probs: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """``d log p[c] / d logits`` = ``onehot(c) - p``, with ``1 - p[c]`` summed from the other classes: a confident
    answer's ``p[c]`` rounds to 1, and ``1 - p[c]`` would lose the whole term."""
    rows = np.arange(probs.shape[0])
    others = probs.copy()
    others[rows, classes] = 0.0
    grad = -others
    grad[rows, classes] = others.sum(axis=1)
    return grad


@dataclass(frozen=True)
class ScoreGradient:
    """What :func:`class_score_gradient` returns.

    Attributes
    ----------
    probs : ndarray, shape (N, K)
        Class probabilities of the (unchanged) images.
    scores : ndarray, shape (N,)
        The differentiated score of each image's class.
    input_grad : ndarray, shape (N, H, W, C)
        ``d score / d image``, aligned with the input (``(N, 28, 28, 1)``).
    maps : dict[str, ndarray]
        Layer name -> its output ``(N, H', W', C')`` for every layer in ``keep``.
    map_grads : dict[str, ndarray]
        Layer name -> ``d score / d output`` of that layer, same shapes as ``maps``.
    """

    probs: np.ndarray
    scores: np.ndarray
    input_grad: np.ndarray
    maps: dict[str, np.ndarray] = field(default_factory=dict)
    map_grads: dict[str, np.ndarray] = field(default_factory=dict)


def class_score_gradient(
    model: Sequential,
    x: np.ndarray,
    classes: int | Sequence[int] | np.ndarray,
    score: Score = "logit",
    keep: Sequence[str] = (),
) -> ScoreGradient:
    """Gradient of each image's class score with respect to the image (one forward and one backward pass).

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (N, 28, 28, 1) or (28, 28, 1)
        Images, float32 (float64 is kept, for gradient checks).
    classes : int or sequence of int, shape (N,)
        The class whose score is differentiated, per image (one int: the same for all).
    score : {"logit", "log_prob", "prob"}
        See :data:`SCORES`.
    keep : sequence of str
        Layer names whose outputs and output gradients to return (e.g. the last pooling layer, for Grad-CAM).

    Returns
    -------
    ScoreGradient
    """
    if score not in SCORES:
        raise ValueError(f"score must be one of {SCORES}, got {score!r}")
    batch = _as_batch(model, x)
    n = batch.shape[0]
    cls = np.broadcast_to(np.asarray(classes, dtype=np.int64), (n,))
    if cls.size and (cls.min() < 0 or cls.max() >= model.num_classes):
        raise ValueError(f"classes must be in 0..{model.num_classes - 1}, got {cls.tolist()}")
    keep_index = {_layer_index(model, name): name for name in keep}
    last = len(model.layers) - 1
    rows = np.arange(n)
    with gradient_mode(model):
        logits, maps = _forward(model, batch, last, keep_index)
        logits = np.array(logits, copy=True)
        probs64 = softmax(logits.astype(np.float64))
        probs = probs64.astype(logits.dtype)
        if score == "logit":
            grad = np.zeros_like(probs64)
            grad[rows, cls] = 1.0
            values = logits[rows, cls]
        else:
            grad = _log_prob_grad(probs64, cls)
            log_p = np.log(np.maximum(probs64[rows, cls], np.finfo(np.float64).tiny))
            if score == "log_prob":
                values = log_p
            else:
                grad *= probs64[rows, cls][:, None]
                values = probs64[rows, cls]
        input_grad, grads = _backward(model, np.ascontiguousarray(grad, dtype=logits.dtype), last, keep_index)
        assert input_grad is not None
    return ScoreGradient(
        probs=probs,
        scores=np.asarray(values),
        input_grad=np.array(input_grad, copy=True),
        maps={name: maps[i] for i, name in keep_index.items()},
        map_grads={name: grads[i] for i, name in keep_index.items()},
    )


@dataclass(frozen=True)
class UnitGradient:
    """What :func:`unit_gradient` returns.

    Attributes
    ----------
    values : ndarray, shape (N,)
        Each image's objective: the mean of its unit's map (a filter), or the unit's value (a dense unit).
    input_grad : ndarray, shape (N, 28, 28, 1)
        ``d value / d image``.
    """

    values: np.ndarray
    input_grad: np.ndarray


def unit_gradient(
    model: Sequential, x: np.ndarray, layer: str, units: int | Sequence[int] | np.ndarray
) -> UnitGradient:
    """Gradient of one unit's mean activation with respect to the image: what activation maximisation climbs.

    Only the layers up to ``layer`` run.

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (N, 28, 28, 1)
    layer : str
        A layer name; for a map ``(H, W, C)`` the unit is a channel (a filter) and its value is the mean of
        its map over ``H x W``; for a vector ``(D,)`` (a dense layer) the unit is one entry.
    units : int or sequence of int, shape (N,)
        The unit per image (one int: the same for all), e.g. ``arange(C)`` to climb every filter at once.

    Returns
    -------
    UnitGradient
    """
    batch = _as_batch(model, x)
    n = batch.shape[0]
    stop = _layer_index(model, layer)
    shape = model.layers[stop].output_shape
    unit = np.broadcast_to(np.asarray(units, dtype=np.int64), (n,))
    if unit.size and (unit.min() < 0 or unit.max() >= shape[-1]):
        raise ValueError(f"units of layer {layer!r} are 0..{shape[-1] - 1}, got {unit.tolist()}")
    rows = np.arange(n)
    with gradient_mode(model):
        out, _ = _forward(model, batch, stop, ())
        flat = out.reshape(n, -1, shape[-1])  # (N, H*W, C) or (N, 1, D)
        values = flat[rows, :, unit].mean(axis=1)
        grad = np.zeros_like(flat)
        grad[rows, :, unit] = 1.0 / flat.shape[1]
        input_grad, _ = _backward(model, grad.reshape(out.shape), stop, ())
        assert input_grad is not None
    return UnitGradient(values=np.array(values, copy=True), input_grad=np.array(input_grad, copy=True))


@dataclass(frozen=True)
class LossGradient:
    """What :func:`loss_gradient` returns.

    Attributes
    ----------
    loss : float
        Mean softmax cross-entropy of the batch.
    probs : ndarray, shape (N, K)
        Probabilities before any step.
    grads : dict[str, ndarray]
        ``"<layer>/<param>"`` (the names of ``Sequential.named_params``) -> ``d loss / d param``, a copy with the
        parameter's shape, e.g. ``"conv1/w"`` ``(5, 5, 1, 16)``.
    """

    loss: float
    probs: np.ndarray
    grads: dict[str, np.ndarray]


def loss_gradient(model: Sequential, x: np.ndarray, labels: int | Sequence[int] | np.ndarray) -> LossGradient:
    """Cross-entropy gradient of every parameter for ``x`` labelled ``labels`` (dropout off: deterministic).

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (N, 28, 28, 1)
    labels : int or sequence of int, shape (N,)

    Returns
    -------
    LossGradient
        The model's ``grads`` are filled as well (what an optimiser would read).
    """
    batch = _as_batch(model, x)
    n = batch.shape[0]
    y = np.broadcast_to(np.asarray(labels, dtype=np.int64), (n,))
    if y.size and (y.min() < 0 or y.max() >= model.num_classes):
        raise ValueError(f"labels must be in 0..{model.num_classes - 1}, got {y.tolist()}")
    last = len(model.layers) - 1
    rows = np.arange(n)
    with gradient_mode(model):
        logits, _ = _forward(model, batch, last, ())
        probs = softmax(np.asarray(logits, dtype=np.float64))
        loss = float(-np.log(np.maximum(probs[rows, y], np.finfo(np.float64).tiny)).mean())
        grad = -_log_prob_grad(probs, y) / n  # softmax - onehot, exact for confident answers too
        model.layers[0].need_input_grad = False  # no image gradient needed here
        _backward(model, grad.astype(logits.dtype), last, ())
    grads = {name: g.copy() for name, _, g in model.named_params()}
    return LossGradient(loss=loss, probs=probs.astype(np.float32), grads=grads)

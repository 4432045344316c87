"""What each filter wants to see: activation maximisation in the NumPy engine, without Qt.

For every filter of a conv layer (or every unit of a dense layer) :func:`filter_pictures` climbs the gradient of
that filter's mean activation with respect to a 28x28x1 input in [0, 1], starting from faint noise, with the
regularisers that keep the picture readable:

- **jitter**: each step looks at the picture shifted by up to ``jitter`` pixels (a random roll), so the picture
  does not rely on exact pixel positions;
- **L2 decay** towards black (``l2``) and **total variation** (``tv``): background stays dark, strokes stay smooth;
- **blur**: every ``blur_every`` steps a light 3x3 Gaussian blur;
- the step is the gradient normalised per picture (``lr`` pixels of mean change), then clipped to [0, 1].

All filters of the layer climb together, as ONE batch per step (the shipped model's 32 conv2 filters: ~0.5 s for
the default 160 steps). The random start and jitter come from ``seed``: the same model gives the same pictures.

:func:`response_matrix` measures every filter on every picture (``R[i, j]`` = mean of filter ``j``'s map on
picture ``i``): a good picture excites its own filter more than the other filters' pictures do
(:func:`own_picture_wins`). :func:`save_pictures` writes them as 28x28 PNGs, white on black like the network input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convlens.engine import gradients
from convlens.engine.model import Sequential
from convlens.services.explain import GradientUnavailable, numpy_model_of

__all__ = [
    "FilterPictures",
    "GradientUnavailable",
    "filter_pictures",
    "numpy_model_of",
    "own_picture_wins",
    "response_matrix",
    "save_pictures",
    "visualizable_layers",
]

SIDE = 28


def visualizable_layers(model: Sequential, dense: bool = True) -> list[str]:
    """Conv layers (and, with ``dense``, dense layers other than the last, the logits) in order."""
    names = [layer.name for layer in model.layers if layer.type_name == "Conv2D"]
    if dense:
        hidden = [layer for layer in model.layers[:-1] if layer.type_name == "Dense"]
        names += [layer.name for layer in hidden]
    return names


def _layer(model: Sequential, name: str, dense: bool = True) -> int:
    allowed = visualizable_layers(model, dense)
    if name not in allowed:
        raise ValueError(f"no filters to visualise in {name!r}; choose one of {allowed}")
    return int(model.layers[[layer.name for layer in model.layers].index(name)].output_shape[-1])


@dataclass(frozen=True)
class FilterPictures:
    """The picture each unit of one layer responds to most.

    Attributes
    ----------
    layer : str
    units : ndarray of int, shape (K,)
        The filters (channels) or dense units pictured.
    images : ndarray, shape (K, 28, 28), float32 in [0, 1]
        ``images[i]`` excites unit ``units[i]``; white on black like the network input.
    activations : ndarray, shape (K,)
        Unit ``units[i]``'s mean activation on ``images[i]``.
    """

    layer: str
    units: np.ndarray
    images: np.ndarray
    activations: np.ndarray


def _blur(x: np.ndarray) -> np.ndarray:
    """3x3 Gaussian blur ([1, 2, 1] / 4 along each axis) of ``(K, 28, 28)``, zero outside."""
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    rows = (p[:, :-2, :] + 2.0 * p[:, 1:-1, :] + p[:, 2:, :]) * 0.25
    return ((rows[:, :, :-2] + 2.0 * rows[:, :, 1:-1] + rows[:, :, 2:]) * 0.25).astype(x.dtype)


def _tv_grad(x: np.ndarray) -> np.ndarray:
    """Gradient of the (smoothed, squared) total variation ``sum of squared neighbour differences`` / 2."""
    g = np.zeros_like(x)
    dy = x[:, 1:, :] - x[:, :-1, :]
    dx = x[:, :, 1:] - x[:, :, :-1]
    g[:, 1:, :] += dy
    g[:, :-1, :] -= dy
    g[:, :, 1:] += dx
    g[:, :, :-1] -= dx
    return g


def _start_candidates(count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` smooth random pictures ``(count, 28, 28)`` in [0, 1] of varied ink levels (the climbs' starts)."""
    x = rng.random((count, SIDE, SIDE)).astype(np.float32)
    for _ in range(3):
        x = _blur(x)
    x -= x.min(axis=(1, 2), keepdims=True)
    x /= np.maximum(x.max(axis=(1, 2), keepdims=True), 1e-6)
    level = np.linspace(0.2, 0.8, count, dtype=np.float32)[:, None, None]  # share of the picture left dark
    return np.clip((x - level) / (1.0 - level), 0.0, 1.0).astype(np.float32)


def _climb(
    model: Sequential, layer: str, unit: np.ndarray, x: np.ndarray, steps: int, lr: float, l2: float, tv: float,
    blur_every: int, jitter: int, rng: np.random.Generator,
) -> np.ndarray:
    """Gradient ascent of every ``unit[i]``'s mean activation from ``x[i]``; returns the new pictures."""
    x = x.copy()
    for step in range(steps):
        dy, dx = (int(v) for v in rng.integers(-jitter, jitter + 1, size=2)) if jitter else (0, 0)
        shifted = np.roll(x, (dy, dx), axis=(1, 2))
        grad = gradients.unit_gradient(model, shifted[..., None], layer, unit).input_grad[..., 0]
        grad = np.roll(grad, (-dy, -dx), axis=(1, 2))
        grad /= np.maximum(np.abs(grad).mean(axis=(1, 2), keepdims=True), 1e-12)  # ``lr``: mean pixel change
        grad -= l2 * x + tv * _tv_grad(x)
        x = np.clip(x + np.float32(lr) * grad.astype(np.float32), 0.0, 1.0)
        if blur_every and (step + 1) % blur_every == 0 and step + 1 < steps:
            x = _blur(x)
    return x


def filter_pictures(
    model: Sequential,
    layer: str,
    units: Sequence[int] | np.ndarray | None = None,
    *,
    steps: int = 120,
    lr: float = 0.05,
    l2: float = 0.2,
    tv: float = 0.1,
    blur_every: int = 10,
    jitter: int = 1,
    restarts: int = 2,
    candidates: int = 48,
    seed: int = 0,
) -> FilterPictures:
    """Activation maximisation: for each unit, an input that maximises the mean of its map.

    Every unit starts from the one of ``candidates`` smooth random pictures that excites it most (a filter
    whose map is all zero on faint noise has no gradient to climb), then all climb together. After the climb a
    unit that another unit's picture excites more restarts from that picture and climbs again (at most
    ``restarts`` rounds): a local optimum is not reported when a better start is known.

    Parameters
    ----------
    model : Sequential
    layer : str
        A conv layer (unit = filter, value = the mean of its output map, after the layer's ReLU) or a hidden
        dense layer (unit = one output); see :func:`visualizable_layers`.
    units : sequence of int, optional
        Default: every filter of the layer.
    steps : int
        Gradient-ascent steps of the first climb (restarts climb half as long); the whole layer in one batch.
    lr : float
        Mean absolute change of a pixel per step (the gradient is normalised per picture).
    l2, tv : float
        Weights of the decay towards black and of the total-variation smoothing, relative to the normalised
        gradient (mean magnitude 1).
    blur_every : int
        Blur the pictures every this many steps (0: never); never after the last step.
    jitter : int
        Largest random shift in pixels each step looks at the picture with (0: none).
    restarts : int
        Rounds of restarting the units that another picture excites more.
    candidates : int
        Random starting pictures tried (one forward pass).
    seed : int
        Seed of the starts and of the jitter: the same model gives the same pictures.

    Returns
    -------
    FilterPictures
    """
    count = _layer(model, layer)
    unit = np.arange(count) if units is None else np.asarray(units, dtype=np.int64).reshape(-1)
    if unit.size == 0 or unit.min() < 0 or unit.max() >= count:
        raise ValueError(f"units of {layer!r} are 0..{count - 1}, got {unit.tolist()}")
    if steps < 1 or restarts < 0 or candidates < 1:
        raise ValueError("need steps >= 1, restarts >= 0 and candidates >= 1")
    rng = np.random.default_rng(seed)
    starts = _start_candidates(candidates, rng)
    best = response_matrix(model, layer, starts, unit).argmax(axis=0)  # per unit: the start it likes most
    x = _climb(model, layer, unit, starts[best], steps, lr, l2, tv, blur_every, jitter, rng)
    for _ in range(restarts):
        r = response_matrix(model, layer, x, unit)  # (pictures, units)
        own = np.diag(r).copy()
        others = r.copy()
        np.fill_diagonal(others, -np.inf)
        losers = np.flatnonzero(others.max(axis=0) >= own)
        if losers.size == 0:
            break
        donors = others[:, losers].argmax(axis=0)
        again = _climb(model, layer, unit[losers], x[donors], max(1, steps // 2), lr, l2, tv, blur_every, jitter, rng)
        improved = response_matrix(model, layer, again, unit[losers])
        better = np.diag(improved) > own[losers]
        x[losers[better]] = again[better]
    values = np.diag(response_matrix(model, layer, x, unit))
    return FilterPictures(layer, unit, x.astype(np.float32), np.asarray(values, dtype=np.float32))


def response_matrix(
    model: Sequential, layer: str, images: np.ndarray, units: Sequence[int] | np.ndarray | None = None
) -> np.ndarray:
    """``R[i, j]``: the mean activation of unit ``j`` (of ``units``, default all) on ``images[i]``.

    Parameters
    ----------
    images : ndarray, shape (M, 28, 28)

    Returns
    -------
    ndarray, shape (M, J)
    """
    count = _layer(model, layer)
    cols = np.arange(count) if units is None else np.asarray(units, dtype=np.int64)
    out = model.activations(np.asarray(images, dtype=np.float32).reshape(-1, SIDE, SIDE, 1))[layer]
    means = out.reshape(out.shape[0], -1, out.shape[-1]).mean(axis=1)
    return np.asarray(means[:, cols], dtype=np.float64)


def own_picture_wins(model: Sequential, pictures: FilterPictures) -> np.ndarray:
    """Per pictured unit: does its own picture excite it strictly more than every other unit's picture does?

    Returns
    -------
    ndarray of bool, shape (K,)
    """
    r = response_matrix(model, pictures.layer, pictures.images, pictures.units)  # (K pictures, K units)
    own = np.diag(r)
    others = r.copy()
    np.fill_diagonal(others, -np.inf)
    return np.asarray(own > others.max(axis=0))


def save_pictures(pictures: FilterPictures, out_dir: str | Path) -> list[Path]:
    """Write ``<out_dir>/<layer>_<unit>.png`` for every picture: 28x28 greyscale, white on black (value x 255).

    Returns
    -------
    list of Path
        The files, in the order of ``pictures.units``.
    """
    from PIL import Image

    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for unit, image in zip(pictures.units, pictures.images, strict=True):
        path = directory / f"{pictures.layer}_{int(unit)}.png"
        pixels = np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
        Image.fromarray(pixels, mode="L").save(path)
        paths.append(path)
    return paths

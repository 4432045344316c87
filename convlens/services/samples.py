"""Sample digits: the one set of handwriting strokes, the one stroke rasterizer, and the lesson's example digits.

The strokes are the JSON files ``assets/strokes/digit_<d>.json`` (package data, found through
:func:`convlens.resources.assets_dir`)::

    {"digit": 3, "description": "...", "variants": [[stroke, ...], ...]}   stroke = [[x, y], ...], x, y in 0..1, y down

Every sample drawing of the app comes from them: the attract loop, the levels calibration of the feature maps,
the tests that draw with the mouse, and the lesson's drawn stand-ins for MNIST's first training digits.

:func:`rasterize_strokes` (the one NumPy rasteriser, :mod:`convlens.engine.pen`'s) is the canvas's drawing
(round-capped, anti-aliased lines of a given width on a square canvas); :func:`sample_image` follows it with
:func:`convlens.engine.preprocess.mnist_style`, which is what the live pipeline does to the canvas. Qt-free.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from convlens.engine.lesson_data import ExampleDigits
from convlens.engine.pen import rasterize_strokes
from convlens.engine.preprocess import mnist_style
from convlens.resources import assets_dir

__all__ = [
    "CANVAS_SIZE",
    "SAMPLE_STROKES",
    "STROKES_DIR",
    "STROKE_WIDTH_FRACTION",
    "Stroke",
    "drawn_sample_digits",
    "first_training_digits",
    "load_sample_strokes",
    "rasterize_strokes",
    "sample_image",
    "sample_strokes",
]

log = logging.getLogger(__name__)

Stroke = list[tuple[float, float]]
"""Points ``(x, y)`` in normalised canvas coordinates (0..1, y down), in drawing order; one point is a dot."""

STROKES_DIR = assets_dir() / "strokes"
"""``digit_<d>.json`` files: ``{"digit": d, "variants": [[stroke, ...], ...]}``, points ``[x, y]`` in 0..1."""

CANVAS_SIZE = 280
"""Side of the drawing canvas's raster, in pixels (``convlens.gui.canvas.RASTER_SIZE``)."""
STROKE_WIDTH_FRACTION = 1.0 / 11.0
"""Pen width as a fraction of the canvas side (``convlens.gui.canvas.STROKE_WIDTH_FRACTION``): after
preprocessing the lines are 2-4 px thick, like MNIST's."""

LESSON_DIGITS = (5, 0, 4, 1)
"""The labels of MNIST's first four training images, which the lesson's "pixels are numbers" step shows."""


# ----------------------------------------------------------------------------------------- strokes


MAX_STROKES_FILE_BYTES = 1024 * 1024
"""A sample-strokes file larger than this is skipped (the shipped ones are a few KB)."""


def load_sample_strokes(directory: Path = STROKES_DIR) -> list[tuple[int, list[Stroke]]]:
    """Every sample drawing as ``(digit, strokes)``, in file and variant order; unreadable files are skipped.

    Parameters
    ----------
    directory : Path
        Holds the ``digit_<d>.json`` files; defaults to the shipped ``assets/strokes``.

    Returns
    -------
    list of (int, list of Stroke)
        Each stroke a list of ``(x, y)`` floats in 0..1 (y down), in drawing order. A file that cannot be read
        or parsed is left out with a log entry, so one broken file never stops the app.
    """
    samples: list[tuple[int, list[Stroke]]] = []
    for path in sorted(Path(directory).glob("digit_*.json")):
        try:
            if path.stat().st_size > MAX_STROKES_FILE_BYTES:
                raise ValueError(f"larger than {MAX_STROKES_FILE_BYTES // 1024} KB")
            doc = json.loads(path.read_text(encoding="utf-8"))
            digit = int(doc["digit"])
            if not 0 <= digit <= 9:
                raise ValueError(f"digit {digit} is not 0-9")
            for variant in doc["variants"]:
                strokes = [[(float(x), float(y)) for x, y in stroke] for stroke in variant]
                points = [value for stroke in strokes for point in stroke for value in point]
                if not all(math.isfinite(v) and -1.0 <= v <= 2.0 for v in points):
                    raise ValueError("a point lies far outside the canvas (coordinates are 0..1)")
                if strokes and all(strokes):
                    samples.append((digit, strokes))
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:  # RecursionError: deep nesting
            log.error("skipping sample strokes %s: %s", path, str(exc).splitlines()[0] if str(exc) else type(exc))
    return samples


def sample_strokes(directory: Path = STROKES_DIR) -> dict[int, list[Stroke]]:
    """The first variant of each digit: ``{digit: strokes}``, digits in increasing order."""
    first: dict[int, list[Stroke]] = {}
    for digit, strokes in load_sample_strokes(directory):
        first.setdefault(digit, strokes)
    return dict(sorted(first.items()))


SAMPLE_STROKES: dict[int, list[Stroke]] = sample_strokes()
"""One handwriting-like drawing per digit 0-9 (the first variant of each file): what the tests draw with the
mouse, what calibrates the feature-map colour levels, and the lesson's drawn digits."""


# ----------------------------------------------------------------------------------------- rasterizing


def sample_image(strokes: Sequence[Sequence[tuple[float, float]]], size: int = CANVAS_SIZE) -> np.ndarray:
    """Strokes as the network sees them: drawn on a ``size`` canvas with the canvas's pen, then MNIST-styled.

    Returns
    -------
    np.ndarray
        float32, shape (28, 28), in [0, 1], white digit on black, peak 1, centre of mass in the middle.

    Raises
    ------
    ValueError
        The strokes leave the canvas empty.
    """
    image = mnist_style(rasterize_strokes(strokes, size, size * STROKE_WIDTH_FRACTION))
    if image is None:
        raise ValueError("the strokes draw nothing on the canvas")
    return image


# ----------------------------------------------------------------------------------------- example digits


def drawn_sample_digits(digits: Sequence[int] = LESSON_DIGITS) -> tuple[np.ndarray, np.ndarray]:
    """Drawn stand-ins for MNIST's first four training digits (5, 0, 4, 1), used when MNIST is absent.

    Each is :data:`SAMPLE_STROKES` of its digit through :func:`sample_image`.

    Returns
    -------
    images : ndarray, shape (n, 28, 28), float32 in [0, 1], white on black
    labels : ndarray, shape (n,), int64
    """
    labels = np.array(digits, dtype=np.int64)
    return np.stack([_drawn_digit(int(d)) for d in labels]), labels


@functools.cache
def _drawn_digit(digit: int) -> np.ndarray:
    image = sample_image(SAMPLE_STROKES[digit])  # ~25 ms each; the lesson and its tests ask again and again
    image.setflags(write=False)  # np.stack copies it
    return image


def first_training_digits(count: int = 4, loader: Callable[[], object] | None = None) -> ExampleDigits:
    """MNIST's first ``count`` training digits when MNIST is cached, else the drawn stand-ins.

    Never downloads. MNIST is not shipped with the app; it is read from the user cache.

    Parameters
    ----------
    count : int
        At most 4 for the stand-ins.
    loader : callable, optional
        Returns an object with ``x_train`` ``(N, 28, 28, 1)`` and ``y_train``; defaults to
        ``convlens.engine.data.load_mnist(allow_download=False)``. Any ``ValueError``/``OSError`` it raises
        selects the stand-ins.
    """
    if loader is None:
        from convlens.engine.data import load_mnist

        def loader() -> object:
            return load_mnist(allow_download=False)

    try:
        data = loader()
        x_train = np.asarray(data.x_train[:count], dtype=np.float32)  # type: ignore[attr-defined]
        y_train = np.asarray(data.y_train[:count], dtype=np.int64)  # type: ignore[attr-defined]
        images = x_train.reshape(-1, 28, 28).copy()
        if images.shape[0] != count or y_train.shape != (count,):
            raise ValueError("too few MNIST digits")
        return ExampleDigits(images, y_train.copy(), "mnist")
    except (ValueError, OSError):
        images, labels = drawn_sample_digits()
        return ExampleDigits(images[:count], labels[:count], "drawn")

"""Drawings that are not digits, generated: what the "is this a digit?" check (:mod:`.reading`) is measured on.

Each family is a function ``family(rng) -> strokes`` (normalised canvas points, 0..1, y down, like the canvas and
:mod:`.samples`); :func:`render` draws them with the canvas pen and preprocesses them like the live pipeline.

==============  ===================================================================================================
taps            1-3 dots (a tap of a finger or a click)
scribbles       a zig-zag, a random polyline or a run of loops over part of the canvas
letters         letter-like shapes that are no digit and no O: L X T H K V W M N E F A Y, + # *, a triangle,
                a square, an arrow, a smiley; each randomly sized, placed, slanted, sheared and bent
tiny strokes    a short stroke or squiggle, at most about 1.5 pen widths long
random lines    2-4 straight lines with random end points
==============  ===================================================================================================

:func:`drawn_digit` makes real digits the same way (the sample strokes of :mod:`.samples`, randomly bent the same
way): the check must keep calling those digits. Qt-free, deterministic for a given ``numpy.random.Generator``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from convlens.engine.preprocess import mnist_style_steps
from convlens.services.samples import CANVAS_SIZE, STROKE_WIDTH_FRACTION, Stroke, rasterize_strokes

__all__ = ["FAMILIES", "SHAPES", "drawn_digit", "render", "shape"]

Strokes = list[Stroke]

SHAPES: dict[str, list[Stroke]] = {
    "L": [[(0.2, 0.0), (0.2, 1.0), (0.85, 1.0)]],
    "X": [[(0.1, 0.0), (0.9, 1.0)], [(0.9, 0.0), (0.1, 1.0)]],
    "T": [[(0.05, 0.0), (0.95, 0.0)], [(0.5, 0.0), (0.5, 1.0)]],
    "H": [[(0.15, 0.0), (0.15, 1.0)], [(0.85, 0.0), (0.85, 1.0)], [(0.15, 0.5), (0.85, 0.5)]],
    "K": [[(0.2, 0.0), (0.2, 1.0)], [(0.85, 0.0), (0.2, 0.55)], [(0.4, 0.4), (0.9, 1.0)]],
    "V": [[(0.05, 0.0), (0.5, 1.0), (0.95, 0.0)]],
    "W": [[(0.0, 0.0), (0.22, 1.0), (0.5, 0.35), (0.78, 1.0), (1.0, 0.0)]],
    "M": [[(0.05, 1.0), (0.1, 0.0), (0.5, 0.6), (0.9, 0.0), (0.95, 1.0)]],
    "N": [[(0.15, 1.0), (0.15, 0.0), (0.85, 1.0), (0.85, 0.0)]],
    "E": [[(0.85, 0.0), (0.15, 0.0), (0.15, 1.0), (0.85, 1.0)], [(0.15, 0.5), (0.7, 0.5)]],
    "F": [[(0.85, 0.0), (0.15, 0.0), (0.15, 1.0)], [(0.15, 0.5), (0.7, 0.5)]],
    "A": [[(0.05, 1.0), (0.5, 0.0), (0.95, 1.0)], [(0.27, 0.55), (0.73, 0.55)]],
    "Y": [[(0.05, 0.0), (0.5, 0.5), (0.95, 0.0)], [(0.5, 0.5), (0.5, 1.0)]],
    "+": [[(0.5, 0.0), (0.5, 1.0)], [(0.0, 0.5), (1.0, 0.5)]],
    "#": [[(0.35, 0.0), (0.3, 1.0)], [(0.7, 0.0), (0.65, 1.0)], [(0.0, 0.33), (1.0, 0.33)], [(0.0, 0.67), (1.0, 0.67)]],
    "*": [[(0.5, 0.0), (0.5, 1.0)], [(0.07, 0.25), (0.93, 0.75)], [(0.93, 0.25), (0.07, 0.75)]],
    "triangle": [[(0.5, 0.0), (1.0, 1.0), (0.0, 1.0), (0.5, 0.0)]],
    "square": [[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]],
    "arrow": [[(0.0, 0.5), (1.0, 0.5)], [(0.65, 0.15), (1.0, 0.5), (0.65, 0.85)]],
    "smiley": [[(0.2, 0.25)], [(0.8, 0.25)], [(0.1, 0.6), (0.3, 0.85), (0.5, 0.92), (0.7, 0.85), (0.9, 0.6)]],
}
"""Letter-like shapes in a unit box (x right, y down): no digit look-alikes (no O, I, S, Z, B, G)."""


def _place(
    strokes: Sequence[Sequence[tuple[float, float]]], rng: np.random.Generator, size: tuple[float, float]
) -> Strokes:
    """Size, stretch, slant, shear, bend and place strokes drawn in a unit box, like a hand would."""
    side = rng.uniform(*size)
    aspect = rng.uniform(0.7, 1.3)
    angle = math.radians(rng.uniform(-15.0, 15.0))
    shear = rng.uniform(-0.2, 0.2)
    sx, sy = side * math.sqrt(aspect), side / math.sqrt(aspect)
    cx, cy = rng.uniform(0.5 - (1.0 - side) / 3.0, 0.5 + (1.0 - side) / 3.0, size=2)
    cos, sin = math.cos(angle), math.sin(angle)
    amp, freq, phase = rng.uniform(0.0, 0.04, 2), rng.uniform(0.5, 1.5, 2), rng.uniform(0.0, 2.0 * math.pi, 2)
    out: Strokes = []
    for stroke in strokes:
        pts = np.asarray(stroke, dtype=np.float64).reshape(-1, 2) - 0.5
        if len(pts) <= 6:  # a skeleton of a few corners: wobble each corner (dense strokes are only bent)
            pts = pts + rng.normal(0.0, 0.015, pts.shape)
        x = pts[:, 0] + amp[0] * np.sin(2.0 * math.pi * freq[0] * pts[:, 1] + phase[0])
        y = pts[:, 1] + amp[1] * np.sin(2.0 * math.pi * freq[1] * pts[:, 0] + phase[1])
        x = (x + shear * y) * sx
        y = y * sy
        x, y = cos * x - sin * y, sin * x + cos * y
        out.append([(float(a + cx), float(b + cy)) for a, b in zip(x, y, strict=True)])
    return out


def taps(rng: np.random.Generator) -> Strokes:
    """1-3 dots (one in most cases)."""
    n = int(rng.choice([1, 1, 1, 2, 3]))
    return [[(float(x), float(y))] for x, y in rng.uniform(0.2, 0.8, (n, 2))]


def scribbles(rng: np.random.Generator) -> Strokes:
    """One long stroke going back and forth over part of the canvas."""
    cx, cy = rng.uniform(0.35, 0.65, 2)
    w, h = rng.uniform(0.25, 0.6, 2)
    n = int(rng.integers(8, 25))
    kind = int(rng.integers(0, 3))
    if kind == 0:  # zig-zag
        ys = np.linspace(cy - h / 2, cy + h / 2, n)
        xs = np.where(np.arange(n) % 2 == 0, cx - w / 2, cx + w / 2) + rng.normal(0.0, 0.03, n)
    elif kind == 1:  # a random polyline inside a box
        xs = cx + rng.uniform(-w / 2, w / 2, n)
        ys = cy + rng.uniform(-h / 2, h / 2, n)
    else:  # loops drifting sideways
        t = np.linspace(0.0, rng.uniform(4.0, 8.0) * math.pi, 12 * n)
        r = rng.uniform(0.05, 0.15)
        xs = cx + r * np.cos(t) + np.linspace(-w / 2, w / 2, len(t))
        ys = cy + r * np.sin(t) * (h / w + 0.5)
    return [[(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]]


def shape(rng: np.random.Generator, name: str | None = None) -> Strokes:
    """A letter-like shape of :data:`SHAPES` (``name``, or a random one)."""
    names = sorted(SHAPES)
    chosen = name if name is not None else names[int(rng.integers(len(names)))]
    return _place(SHAPES[chosen], rng, (0.35, 0.75))


def tiny_strokes(rng: np.random.Generator) -> Strokes:
    """A short stroke or squiggle, 0.1 to 1.5 pen widths long."""
    x, y = rng.uniform(0.2, 0.8, 2)
    length = rng.uniform(0.01, 0.13)
    heading = rng.uniform(0.0, 2.0 * math.pi)
    n = int(rng.integers(2, 5))
    points = [(float(x), float(y))]
    for _ in range(n - 1):
        heading += rng.normal(0.0, 1.0)
        x += length / (n - 1) * math.cos(heading)
        y += length / (n - 1) * math.sin(heading)
        points.append((float(x), float(y)))
    return [points]


def random_lines(rng: np.random.Generator) -> Strokes:
    """2-4 straight lines between random points."""
    lines: Strokes = []
    for _ in range(int(rng.integers(2, 5))):
        (x0, y0), (x1, y1) = rng.uniform(0.1, 0.9, (2, 2))
        lines.append([(float(x0), float(y0)), (float(x1), float(y1))])
    return lines


FAMILIES: dict[str, Callable[[np.random.Generator], Strokes]] = {
    "taps": taps,
    "scribbles": scribbles,
    "letters": shape,
    "tiny strokes": tiny_strokes,
    "random lines": random_lines,
}
"""Family name -> generator (see the module docstring)."""


def drawn_digit(rng: np.random.Generator, samples: Sequence[tuple[int, Strokes]]) -> tuple[int, Strokes]:
    """A real digit: one of ``samples`` (``(digit, strokes)``, e.g. ``samples.load_sample_strokes()``), bent."""
    digit, strokes = samples[int(rng.integers(len(samples)))]
    return digit, _place(strokes, rng, (0.5, 0.9))


def render(
    strokes: Sequence[Sequence[tuple[float, float]]], size: int = CANVAS_SIZE
) -> tuple[np.ndarray, float] | None:
    """Strokes as the live pipeline sees them.

    Returns
    -------
    (image28, canvas_extent) or None
        The MNIST-style 28x28 float32 image and the longer side of the ink's bounding box as a fraction of the
        canvas side; None if nothing lands on the canvas.
    """
    canvas = rasterize_strokes(strokes, size, size * STROKE_WIDTH_FRACTION)
    steps = mnist_style_steps(canvas)
    if steps is None:
        return None
    return steps.centred, max(steps.cropped.shape) / float(size)

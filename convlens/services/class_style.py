"""A made-up class with its own handwriting: the shipped sample strokes, strongly slanted, with a shaky pen.

For tests, benchmarks and demos of the class mode (:mod:`convlens.services.classset`,
:mod:`convlens.services.finetune`): the shipped network reads this hand noticeably worse than MNIST (about half of
the digits right), and it is consistent, so a fine-tuned network can learn it. No Qt here.
"""

from __future__ import annotations

import numpy as np

from convlens.services.classset import ClassSet
from convlens.services.samples import load_sample_strokes, sample_image

__all__ = ["SLANT_DEGREES", "class_strokes", "synthetic_class_set"]

SLANT_DEGREES = 30.0
"""The class's hand: every digit turned this much (clockwise on screen) ..."""
SHEAR = 0.6
"""... and sheared this much (x moves right by ``SHEAR`` times the height above the centre)."""


def class_strokes(digit: int, rng: np.random.Generator, variant: int | None = None) -> list[list[tuple[float, float]]]:
    """One drawing of ``digit`` in the class's hand: strokes of ``(x, y)`` points in 0..1 (y down).

    Parameters
    ----------
    digit : int
        0..9.
    rng : numpy.random.Generator
        Picks the sample variant and the pen's jitter: slant +-5 degrees, shear +-0.08, size 75-90% of the
        canvas, width 85-115% of that, a smooth warp of 1-3% of the canvas, 0.006 point noise.
    variant : int, optional
        Which shipped sample of ``digit`` to start from (default: a random one).
    """
    samples = [strokes for d, strokes in load_sample_strokes() if d == digit]
    if not samples:
        raise ValueError(f"no sample strokes for the digit {digit}")
    base = samples[int(rng.integers(len(samples))) if variant is None else variant % len(samples)]
    angle = np.deg2rad(SLANT_DEGREES + rng.normal(0.0, 5.0))
    shear = SHEAR + rng.normal(0.0, 0.08)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    scale = rng.uniform(0.75, 0.9) * np.array([rng.uniform(0.85, 1.15), 1.0])
    # a smooth random warp of the whole drawing: each pupil's strokes bend a little differently
    frequency = rng.uniform(1.0, 2.5, (2, 2))
    phase = rng.uniform(0.0, 2.0 * np.pi, 2)
    amplitude = rng.uniform(0.01, 0.03, 2)
    out = []
    for stroke in base:
        points = np.asarray(stroke, dtype=np.float64) - 0.5
        points = points + amplitude * np.sin(2.0 * np.pi * points @ frequency.T + phase)
        points = points + rng.normal(0.0, 0.006, points.shape)
        points[:, 0] = points[:, 0] - shear * points[:, 1]
        points = (points * scale) @ rotation.T + 0.5
        points = np.clip(points, 0.02, 0.98)
        out.append([(float(x), float(y)) for x, y in points])
    return out


def synthetic_class_set(n: int, seed: int = 0, pupils: int = 10) -> ClassSet:
    """``n`` drawings in the class's hand, digits in turn, ``pupils`` pupils taking turns (numbers 1..pupils).

    Returns
    -------
    ClassSet
        Images made from the strokes like the canvas makes them (:func:`convlens.services.samples.sample_image`),
        with the strokes kept.
    """
    rng = np.random.default_rng(seed)
    class_set = ClassSet.empty()
    images, labels, pupil, strokes_all = [], [], [], []
    for i in range(n):
        digit = i % 10
        strokes = class_strokes(digit, rng)
        images.append(sample_image(strokes))
        labels.append(digit)
        pupil.append(1 + (i // 10) % max(pupils, 1))
        strokes_all.append(strokes)
    points = [np.asarray(s, np.float32) for drawing in strokes_all for s in drawing]
    return ClassSet.create(
        images=np.clip(np.rint(np.stack(images) * 255.0), 0, 255).astype(np.uint8) if n else class_set.images,
        labels=np.asarray(labels, np.int64),
        pupil=np.asarray(pupil, np.int64),
        stroke_points=np.concatenate(points) if points else np.zeros((0, 2), np.float32),
        stroke_lengths=np.asarray([len(p) for p in points], np.int64),
        stroke_counts=np.asarray([len(d) for d in strokes_all], np.int64),
    )

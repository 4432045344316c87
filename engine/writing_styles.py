"""Ways of writing digits that MNIST's writers rarely used, added as pen strokes to traced training digits.

MNIST's writers were American: their 1 is a bare stroke, their 7 has no bar. Much of the world (and a German
museum's visitors) writes a 1 with a long up-stroke (the "flag"), often with a foot, and a 7 with a bar through its
stem. A network that never saw them reads a flagged 1 as a 7 or a 4 and a footed 1 as a 2. :func:`add_style_strokes`
adds those strokes to traced digits (:class:`~convlens.engine.pen.TracedDigits`) of the right label, before the
pen re-draws them (:func:`convlens.engine.drawn.redrawn`), so the network learns them as the same digit.

Geometry, in the traced digit's own pixels (x to the right, y down; ``h`` = the digit's height):

* **flag** of a 1: from its top point, down and to the left, ``0.3-0.5 h`` long, 25-60 degrees below the
  horizontal;
* **foot** of a 1: a horizontal bar through its lowest point, ``0.15-0.35 h`` to either side;
* **bar** of a 7: a near-horizontal bar through its stem at ``0.45-0.62 h`` below the top, ``0.12-0.28 h`` to
  either side, tilted by up to 6 degrees.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from convlens.engine.pen import TracedDigits

__all__ = ["WritingStyles", "add_style_strokes"]

MIN_HEIGHT = 6.0
"""Digits shorter than this (traced pixels) get no stroke: too small to tell where a flag would go."""
STEM_BAND = 1.5
"""A 7's stem at a height is the traced points within this many pixels of it (the bar goes through their mean)."""


@dataclass(frozen=True)
class WritingStyles:
    """Probabilities of each added stroke per digit of that label (0 everywhere: nothing added).

    Attributes
    ----------
    one_flag : float
        A 1 gets the flag (the European 1).
    one_foot : float
        A 1 gets a foot (independently of the flag).
    seven_bar : float
        A 7 gets a bar through its stem.
    """

    one_flag: float = 0.0
    one_foot: float = 0.0
    seven_bar: float = 0.0

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"WritingStyles.{name} must be in [0, 1], got {value}")

    @property
    def active(self) -> bool:
        """Whether any stroke can be added."""
        return any(v > 0 for v in asdict(self).values())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields (for model cards and cache keys)."""
        return asdict(self)


def _flag(top: np.ndarray, h: float, rng: np.random.Generator) -> np.ndarray:
    length = rng.uniform(0.3, 0.5) * h
    angle = np.deg2rad(rng.uniform(25.0, 60.0))
    return np.array([top, top + length * np.array([-np.cos(angle), np.sin(angle)])])


def _bar(centre: np.ndarray, half: float, tilt_deg: float) -> np.ndarray:
    d = half * np.array([np.cos(np.deg2rad(tilt_deg)), -np.sin(np.deg2rad(tilt_deg))])
    return np.array([centre - d, centre + d])


def _traced_part(traced: TracedDigits, line: int) -> np.ndarray:
    """The stored points of ``line`` on its traced stretch (``line_arc``), without the extensions past its ends."""
    pts = traced.points[traced.line_start[line] : traced.line_start[line + 1]].astype(np.float64)
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
    lo, hi = traced.line_arc[line]
    keep = (arc >= lo - 1e-3) & (arc <= hi + 1e-3)
    return pts[keep] if keep.any() else pts


def _strokes_for(points: np.ndarray, label: int, rng: np.random.Generator, styles: WritingStyles) -> list[np.ndarray]:
    """The strokes to add to one digit (its traced points ``(P, 2)``), drawn from ``rng`` in a fixed order."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    h = float(hi[1] - lo[1])
    if label == 1:
        want_flag, want_foot = rng.random() < styles.one_flag, rng.random() < styles.one_foot
        if h < MIN_HEIGHT:
            return []
        out = []
        if want_flag:
            out.append(_flag(points[np.argmin(points[:, 1])], h, rng))
        if want_foot:
            bottom = points[np.argmax(points[:, 1])]
            out.append(_bar(bottom, rng.uniform(0.15, 0.35) * h, 0.0))
        return out
    if label == 7:
        if not rng.random() < styles.seven_bar or h < MIN_HEIGHT:
            return []
        y = lo[1] + rng.uniform(0.45, 0.62) * h
        near = points[np.abs(points[:, 1] - y) <= STEM_BAND]
        if not len(near):
            return []
        return [_bar(np.array([near[:, 0].mean(), y]), rng.uniform(0.12, 0.28) * h, rng.uniform(-6.0, 6.0))]
    return []


def add_style_strokes(
    traced: TracedDigits, labels: np.ndarray, rng: np.random.Generator, styles: WritingStyles
) -> TracedDigits:
    """``traced`` with the strokes of :class:`WritingStyles` added to its 1s and 7s.

    Parameters
    ----------
    traced : TracedDigits
        ``N`` digits.
    labels : ndarray, shape (N,)
        Each digit's label.
    rng : numpy Generator
        Every choice comes from it, digit after digit (1s and 7s only).
    styles : WritingStyles

    Returns
    -------
    TracedDigits
        The same digits; an added stroke is a two-point polyline whose ends do not move (``line_moves`` false).
    """
    labels = np.asarray(labels)
    if labels.shape != (traced.n,):
        raise ValueError(f"expected {traced.n} labels, got shape {labels.shape}")
    if not styles.active:
        return traced
    new_points: list[np.ndarray] = []
    new_digit: list[int] = []
    first_line = np.searchsorted(traced.line_digit, np.arange(traced.n + 1))
    for i in np.flatnonzero((labels == 1) | (labels == 7)):
        lines = [_traced_part(traced, k) for k in range(first_line[i], first_line[i + 1])]
        if not lines:
            continue
        for stroke in _strokes_for(np.concatenate(lines), int(labels[i]), rng, styles):
            new_points.append(stroke.astype(np.float32))
            new_digit.append(int(i))
    if not new_points:
        return traced
    counts = np.diff(traced.line_start)
    all_lines = [traced.points[traced.line_start[k] : traced.line_start[k + 1]] for k in range(len(counts))]
    all_lines += new_points
    digit = np.concatenate([traced.line_digit, np.asarray(new_digit, np.int64)])
    lengths = np.array([float(np.hypot(*(p[1] - p[0]))) for p in new_points], np.float32)
    arc = np.concatenate([traced.line_arc, np.stack([np.zeros_like(lengths), lengths], axis=1)])
    moves = np.concatenate([traced.line_moves, np.zeros((len(new_points), 2), bool)])
    order = np.argsort(digit, kind="stable")  # each digit's lines stay together, the added ones after its own
    ordered = [all_lines[k] for k in order]
    sizes = np.array([len(p) for p in ordered], np.int64)
    return TracedDigits(
        points=np.concatenate(ordered).astype(np.float32),
        line_start=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        line_digit=digit[order],
        line_arc=arc[order].astype(np.float32),
        line_moves=moves[order],
        n=traced.n,
    )

"""Pen strokes: draw them into a canvas, and turn MNIST digits back into strokes a pen could have drawn.

People draw with a pen of one width, and the app samples the pen every few pixels, so a drawn digit is a few
straight segments of uniform width with hard edges; MNIST digits are soft, scanned ink of varying width. To
train on what the app will see, :func:`redraw_digits` re-draws MNIST digits as pen strokes through *the same
code path as the canvas*: :func:`rasterize_strokes` draws the strokes into a canvas and
:func:`convlens.engine.preprocess.mnist_style` turns the canvas into the 28x28 network input.

1. :func:`skeletonize` thins each digit to a one-pixel-wide skeleton (Zhang-Suen, vectorised over the batch,
   a 256-entry lookup table per sub-iteration);
2. :func:`trace_polylines` walks the skeleton into polylines (from end points and junctions; loops as closed
   polylines; short spurs dropped); :func:`trace_digits` does both for a stack of digits and keeps the smoothed
   polylines as flat arrays (:class:`TracedDigits`, what the user cache stores);
3. :func:`pen_segments` re-draws all of them at once with a random pen (:class:`PenStyle`): gaps and overshoots
   at the stroke ends, the pen sampled every ``spacing`` pixels (coarse sampling = a few straight segments),
   slant / rotation / aspect, jitter, and a pen width;
4. :func:`rasterize_segments` draws the canvases (the pixels of :func:`rasterize_strokes`, many canvases per
   pass) and ``mnist_style`` makes each network input (:func:`redraw_digits` does 3 and 4).

Coordinates: a polyline is an ``(K, 2)`` array of ``(x, y)`` points (``x`` to the right, ``y`` down) in the
units of the image it was traced from, pixel ``(row, col)`` covering ``[col, col + 1) x [row, row + 1)``.
Strokes handed to :func:`rasterize_strokes` are normalised to the canvas: ``(0, 0)`` its top-left corner,
``(1, 1)`` its bottom-right corner (as ``gui.canvas`` stores them).

:func:`rasterize_strokes` is meant to be the single NumPy stroke rasteriser of ConvLens: the training data and the
drawn-digit benchmark go through it; ``gui/render.py`` still holds an identical copy (a test pins the two equal)
until it calls this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from convlens.engine.preprocess import mnist_style

__all__ = [
    "CANVAS_SIZE",
    "EXTENSION",
    "PenDrawing",
    "PenStyle",
    "Strokes",
    "TracedDigits",
    "pen_segments",
    "rasterize_batch",
    "rasterize_drawing",
    "rasterize_segments",
    "rasterize_strokes",
    "redraw_digits",
    "resample_polyline",
    "skeletonize",
    "smooth_polyline",
    "trace_digits",
    "trace_polylines",
]

Strokes = list[np.ndarray]
"""One drawing: a list of polylines, each ``(K, 2)`` float ``(x, y)`` points."""

CANVAS_SIZE = 40
"""Side of the canvas digits are re-drawn on (px). ``mnist_style`` shrinks it about 1.8x; against a 280 px canvas
(the app's) the 28x28 result differs by 0.006 on average (0.009 at 32 px, 0.004 at 48 px; 0.9 / 1.0 / 1.2 ms)."""
CANVAS_MARGIN = 2.0
"""Empty border around the ink on that canvas (px)."""


# ================================================================================================================
# Rasterising
# ================================================================================================================
def rasterize_strokes(strokes: Sequence[Sequence[Sequence[float]]], size: int, width: float) -> np.ndarray:
    """Draw strokes as anti-aliased round-capped lines into a square canvas (pure NumPy).

    Every pixel's ink is ``clip(width / 2 + 0.5 - d, 0, 1)``, ``d`` its centre's distance to the nearest
    segment: a solid core of the pen's width with a one-pixel anti-aliased edge.

    Parameters
    ----------
    strokes : sequence of point lists
        Each stroke a sequence of ``(x, y)`` in normalised canvas coordinates (0..1, y down); a single point is
        a dot. An ``(K, 2)`` array per stroke works too.
    size : int
        Canvas side in pixels.
    width : float
        Pen width in pixels.

    Returns
    -------
    np.ndarray
        float32, shape (size, size), white ink (1) on black (0).
    """
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + np.float32(0.5)
    dist = np.full((size, size), np.inf, dtype=np.float32)
    reach = width / 2.0 + 1.5  # farther pixels get no ink from a segment: only its bounding box is computed
    for stroke in strokes:
        pts = np.asarray(stroke, dtype=np.float32).reshape(-1, 2) * np.float32(size)
        if pts.shape[0] == 0:
            continue
        if pts.shape[0] == 1:
            pts = np.concatenate([pts, pts])
        for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:], strict=True):
            rows = slice(max(int(min(y0, y1) - reach), 0), max(int(max(y0, y1) + reach) + 1, 0))
            cols = slice(max(int(min(x0, x1) - reach), 0), max(int(max(x0, x1) + reach) + 1, 0))
            bx, by, box = xx[rows, cols], yy[rows, cols], dist[rows, cols]
            if box.size == 0:
                continue
            dx, dy = x1 - x0, y1 - y0
            length2 = dx * dx + dy * dy
            if length2 > 0:
                t = np.clip(((bx - x0) * dx + (by - y0) * dy) / length2, 0.0, 1.0)
            else:
                t = np.zeros_like(bx)
            d = np.hypot(bx - (x0 + t * dx), by - (y0 + t * dy))
            np.minimum(box, d, out=box)
    return np.clip(np.float32(width / 2.0 + 0.5) - dist, 0.0, 1.0).astype(np.float32)


def _segments(strokes: Sequence[np.ndarray]) -> np.ndarray:
    """The segments ``(M, 4)`` ``(x0, y0, x1, y1)`` of a drawing's strokes (a dot is a zero-length segment)."""
    parts = []
    for stroke in strokes:
        pts = np.asarray(stroke, dtype=np.float32).reshape(-1, 2)
        if pts.shape[0] == 0:
            continue
        if pts.shape[0] == 1:
            pts = np.concatenate([pts, pts])
        parts.append(np.concatenate([pts[:-1], pts[1:]], axis=1))
    return np.concatenate(parts) if parts else np.zeros((0, 4), np.float32)


def rasterize_segments(table: np.ndarray, size: int, widths: np.ndarray) -> np.ndarray:
    """Draw many canvases at once from their segments: the pixels :func:`rasterize_strokes` draws.

    Parameters
    ----------
    table : ndarray, shape (B, M, 4)
        Segment ``m`` of canvas ``b`` as ``(x0, y0, x1, y1)`` in canvas *pixels*; a canvas with fewer segments
        repeats one of its own (the minimum distance does not change), a zero-length segment is a dot.
    size : int
        Canvas side in pixels.
    widths : ndarray, shape (B,)
        Pen width of each canvas, in pixels.

    Returns
    -------
    np.ndarray
        float32, shape (B, size, size), white ink on black.

    Notes
    -----
    One pass per segment index, each over all ``B`` canvases, on squared distances (one square root at the end):
    cost ``B * M * size**2``; callers group canvases with similar segment counts.
    """
    t_ = np.asarray(table, dtype=np.float32)
    b, m = t_.shape[0], t_.shape[1]
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + np.float32(0.5)
    px, py = xx.reshape(1, -1), yy.reshape(1, -1)
    best = np.full((b, size * size), np.inf, dtype=np.float32)
    rx = np.empty_like(best)
    ry = np.empty_like(best)
    t = np.empty_like(best)
    tmp = np.empty_like(best)
    for k in range(m):
        x0, y0, x1, y1 = (t_[:, k, j : j + 1] for j in range(4))
        dx, dy = x1 - x0, y1 - y0
        length2 = dx * dx + dy * dy
        inv = np.where(length2 > 0, 1.0 / np.where(length2 > 0, length2, 1.0), 0.0).astype(np.float32)
        np.subtract(px, x0, out=rx)
        np.subtract(py, y0, out=ry)
        np.multiply(rx, dx, out=t)
        np.multiply(ry, dy, out=tmp)
        t += tmp
        t *= inv
        np.clip(t, 0.0, 1.0, out=t)
        np.multiply(t, dx, out=tmp)
        rx -= tmp
        np.multiply(t, dy, out=tmp)
        ry -= tmp
        np.multiply(rx, rx, out=t)
        np.multiply(ry, ry, out=tmp)
        t += tmp
        np.minimum(best, t, out=best)
    np.sqrt(best, out=best)
    half = np.asarray(widths, dtype=np.float32).reshape(b, 1) / np.float32(2.0) + np.float32(0.5)
    return np.clip(half - best, 0.0, 1.0).astype(np.float32).reshape(b, size, size)


def rasterize_batch(drawings: Sequence[Sequence[np.ndarray]], size: int, widths: np.ndarray) -> np.ndarray:
    """:func:`rasterize_strokes` for a list of drawings (normalised strokes), through :func:`rasterize_segments`.

    Parameters
    ----------
    drawings : sequence of stroke lists
        ``B`` drawings, each a list of ``(K, 2)`` normalised ``(x, y)`` polylines (an empty drawing stays black).
    size : int
    widths : ndarray, shape (B,)

    Returns
    -------
    np.ndarray
        float32, shape (B, size, size).
    """
    segs = [_segments(d) * np.float32(size) for d in drawings]
    m = max([len(s) for s in segs] + [1])
    table = np.full((len(segs), m, 4), -1e6, dtype=np.float32)  # an empty drawing: one dot far away
    for i, s in enumerate(segs):
        if len(s):
            table[i, : len(s)] = s
            table[i, len(s) :] = s[-1]
    return rasterize_segments(table, size, widths)


# ================================================================================================================
# Skeletons and polylines
# ================================================================================================================
def _zhang_suen_tables() -> tuple[np.ndarray, np.ndarray]:
    """Deletion tables of the two Zhang-Suen sub-iterations, indexed by the 8-neighbour code.

    Bit ``k`` of the code is neighbour ``P(k + 2)`` in Zhang and Suen's numbering: N, NE, E, SE, S, SW, W, NW.
    """
    first = np.zeros(256, dtype=bool)
    second = np.zeros(256, dtype=bool)
    for code in range(256):
        p = [(code >> k) & 1 for k in range(8)]  # p[0] = P2 (N) ... p[7] = P9 (NW)
        count = sum(p)
        transitions = sum(p[k] == 0 and p[(k + 1) % 8] == 1 for k in range(8))
        if not (2 <= count <= 6 and transitions == 1):
            continue
        n, e, s, w = p[0], p[2], p[4], p[6]
        first[code] = n * e * s == 0 and e * s * w == 0
        second[code] = n * e * w == 0 and n * s * w == 0
    return first, second


_ZS_FIRST, _ZS_SECOND = _zhang_suen_tables()
# (row, col) offsets of the neighbours N, NE, E, SE, S, SW, W, NW (bit 0 .. bit 7 of the code).
_NEIGHBOURS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def _kept_neighbours() -> list[tuple[int, ...]]:
    """For each 8-neighbour code, the neighbours that are graph edges: the 4-neighbours, and each diagonal one
    whose two 4-neighbours next to it (N and E for NE, ...) are both empty (else a two-step path joins them)."""
    table = []
    for code in range(256):
        bits = [(code >> k) & 1 for k in range(8)]
        kept = [k for k in (0, 2, 4, 6) if bits[k]]
        kept += [k for k in (1, 3, 5, 7) if bits[k] and not bits[k - 1] and not bits[(k + 1) % 8]]
        table.append(tuple(kept))
    return table


_KEPT = _kept_neighbours()


def _neighbour_codes(padded: np.ndarray) -> np.ndarray:
    """8-neighbour codes ``(N, H, W)`` uint8 of the interior of a zero-padded ``(N, H + 2, W + 2)`` bool stack."""
    h, w = padded.shape[1] - 2, padded.shape[2] - 2
    code = np.zeros((padded.shape[0], h, w), dtype=np.uint8)
    for bit, (dr, dc) in enumerate(_NEIGHBOURS):
        code |= padded[:, 1 + dr : 1 + dr + h, 1 + dc : 1 + dc + w].astype(np.uint8) << np.uint8(bit)
    return code


def skeletonize(images: np.ndarray, threshold: float = 0.5, max_iterations: int = 50) -> np.ndarray:
    """One-pixel-wide skeletons of a stack of images (Zhang-Suen thinning, vectorised over the batch).

    Parameters
    ----------
    images : ndarray, shape (N, H, W) or (N, H, W, 1)
        Ink in [0, 1] (or booleans).
    threshold : float
        Pixels above it are ink.
    max_iterations : int
        Upper bound on thinning passes (a digit needs about half its stroke width).

    Returns
    -------
    ndarray of bool, shape (N, H, W)
        The skeleton pixels (8-connected, a subset of the ink).
    """
    x = np.asarray(images)
    if x.ndim == 4:
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(f"images must be (N, H, W) or (N, H, W, 1), got shape {np.shape(images)}")
    n, h, w = x.shape
    padded = np.zeros((n, h + 2, w + 2), dtype=bool)
    padded[:, 1:-1, 1:-1] = x > threshold if x.dtype != np.bool_ else x
    inner = padded[:, 1:-1, 1:-1]
    active = np.arange(n)
    for _ in range(max_iterations):
        changed = np.zeros(len(active), dtype=bool)
        for table in (_ZS_FIRST, _ZS_SECOND):
            sub = padded[active]
            delete = sub[:, 1:-1, 1:-1] & table[_neighbour_codes(sub)]
            hit = delete.any(axis=(1, 2))
            if hit.any():
                rows = active[hit]
                inner[rows] &= ~delete[hit]
                changed |= hit
        active = active[changed]
        if not len(active):
            break
    return inner.copy()


def trace_polylines(skeleton: np.ndarray, min_spur: float = 2.0) -> Strokes:
    """Walk a one-pixel-wide skeleton into polylines.

    The skeleton's pixels are the nodes of a graph whose edges join 8-neighbours (a diagonal edge is left out
    when a 4-connected path of two steps joins the same pixels, so a thin corner is not a triangle). Polylines
    run between end points and junctions; what is left are loops, traced as closed polylines. A spur (a
    polyline from an end point to a junction) shorter than ``min_spur`` pixels is dropped.

    Parameters
    ----------
    skeleton : ndarray of bool, shape (H, W)
    min_spur : float
        Shortest spur kept, in pixels.

    Returns
    -------
    list of ndarray
        Polylines ``(K, 2)`` float32 ``(x, y)`` through pixel centres (``x = col + 0.5``, ``y = row + 0.5``);
        a lone pixel is a one-point polyline.
    """
    sk = np.asarray(skeleton, dtype=bool)
    if sk.ndim != 2:
        raise ValueError(f"skeleton must be (H, W), got shape {sk.shape}")
    rows, cols = np.nonzero(sk)
    if not len(rows):
        return []
    h, w = sk.shape
    padded = np.zeros((1, h + 2, w + 2), dtype=bool)
    padded[0, 1:-1, 1:-1] = sk
    codes = _neighbour_codes(padded)[0][rows, cols].tolist()
    index = np.full((h + 2) * (w + 2), -1, dtype=np.int64)
    flat = ((rows + 1) * (w + 2) + cols + 1).tolist()
    index[flat] = np.arange(len(rows))
    lookup = index.tolist()
    steps = [dr * (w + 2) + dc for dr, dc in _NEIGHBOURS]
    # Neighbour lists: the graph's edges (4-neighbours, and diagonals not bridged by a 4-neighbour).
    nbrs = [[lookup[f + steps[k]] for k in _KEPT[code]] for f, code in zip(flat, codes, strict=True)]
    pix = np.stack([rows, cols], axis=1)
    degree = [len(v) for v in nbrs]
    visited: set[tuple[int, int]] = set()

    def walk(start: int, first: int) -> list[int]:
        path = [start, first]
        visited.add((start, first))
        visited.add((first, start))
        prev, cur = start, first
        while degree[cur] == 2:
            nxt = nbrs[cur][0] if nbrs[cur][0] != prev else nbrs[cur][1]
            if (cur, nxt) in visited:
                break
            visited.add((cur, nxt))
            visited.add((nxt, cur))
            path.append(nxt)
            prev, cur = cur, nxt
        return path

    paths: list[list[int]] = []
    for i in range(len(rows)):
        if degree[i] == 0:
            paths.append([i])
        elif degree[i] != 2:
            for j in nbrs[i]:
                if (i, j) not in visited:
                    paths.append(walk(i, j))
    for i in range(len(rows)):  # loops: every pixel has two neighbours
        if degree[i] == 2 and (i, nbrs[i][0]) not in visited:
            path = walk(i, nbrs[i][0])
            if path[-1] != i and i in nbrs[path[-1]]:
                path.append(i)
            paths.append(path)

    out: Strokes = []
    for path in paths:
        pts = pix[path][:, ::-1].astype(np.float32) + np.float32(0.5)  # (row, col) -> (x, y) centres
        is_spur = len(path) > 1 and min(degree[path[0]], degree[path[-1]]) == 1 and \
            max(degree[path[0]], degree[path[-1]]) >= 3
        if is_spur and _length(pts) < min_spur:
            continue
        out.append(pts)
    return out


def _length(pts: np.ndarray) -> float:
    return float(np.hypot(*np.diff(pts, axis=0).T).sum()) if len(pts) > 1 else 0.0


def smooth_polyline(points: np.ndarray, passes: int = 2) -> np.ndarray:
    """Average every inner point with its two neighbours (1/4, 1/2, 1/4), ``passes`` times; ends stay put.

    A closed polyline (first point == last point) is smoothed around the loop. Returns ``(K, 2)`` float32.
    """
    p = np.asarray(points, dtype=np.float32).copy()
    if len(p) < 3:
        return p
    closed = bool(np.all(p[0] == p[-1]))
    for _ in range(passes):
        if closed:
            ring = p[:-1]
            ring = 0.25 * np.roll(ring, 1, axis=0) + 0.5 * ring + 0.25 * np.roll(ring, -1, axis=0)
            p = np.concatenate([ring, ring[:1]])
        else:
            p[1:-1] = 0.25 * p[:-2] + 0.5 * p[1:-1] + 0.25 * p[2:]
    return p.astype(np.float32)


def resample_polyline(points: np.ndarray, spacing: float) -> np.ndarray:
    """Points every ``spacing`` along the polyline (as a pen sampled every ``spacing`` pixels), ends kept.

    The number of pieces is ``max(1, round(length / spacing))``, equally long, so the last point is the end.

    Returns
    -------
    ndarray, shape (K', 2), float32
    """
    p = np.asarray(points, dtype=np.float32)
    if len(p) < 2:
        return p.copy()
    seg = np.hypot(*np.diff(p, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    total = float(arc[-1])
    if total <= 0:
        return p[:1].copy()
    pieces = max(1, int(round(total / max(spacing, 1e-6))))
    at = np.linspace(0.0, total, pieces + 1)
    return np.stack([np.interp(at, arc, p[:, 0]), np.interp(at, arc, p[:, 1])], axis=1).astype(np.float32)


EXTENSION = 3.0
"""Length (source px) by which free stroke ends are extended straight on, and loops continued around, in a
:class:`TracedDigits`: the room an overshoot can use."""


@dataclass(frozen=True)
class TracedDigits:
    """The traced skeletons of ``n`` digits, as flat arrays (cheap to cache, to index and to re-draw in bulk).

    Each polyline is stored smoothed and *extended*: a free end (an end point of the skeleton) continues straight
    on for :data:`EXTENSION` px, a loop continues around itself for :data:`EXTENSION` px. ``line_arc`` says
    which stretch of that is the traced line, so a re-drawing can stop short of an end (a gap) or run past it
    (an overshoot).

    Attributes
    ----------
    points : ndarray, shape (P, 2), float32
        ``(x, y)`` in source pixels, polyline after polyline.
    line_start : ndarray, shape (L + 1,), int64
        Polyline ``l`` is ``points[line_start[l]:line_start[l + 1]]``.
    line_digit : ndarray, shape (L,), int64
        The digit of each polyline (non-decreasing).
    line_arc : ndarray, shape (L, 2), float32
        Arc-length range of the traced line along its stored points.
    line_moves : ndarray, shape (L, 2), bool
        Whether the start / the end of the line may move (free ends, and the end of a loop).
    n : int
        Number of digits (a digit without ink has no polyline).
    """

    points: np.ndarray
    line_start: np.ndarray
    line_digit: np.ndarray
    line_arc: np.ndarray
    line_moves: np.ndarray
    n: int

    def arrays(self) -> dict[str, np.ndarray]:
        """The fields as arrays (for ``np.savez``)."""
        return {
            "points": self.points,
            "line_start": self.line_start,
            "line_digit": self.line_digit,
            "line_arc": self.line_arc,
            "line_moves": self.line_moves,
            "n": np.array(self.n, dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, arrays: Any) -> TracedDigits:
        """Inverse of :meth:`arrays` (any mapping of the same names, e.g. an open ``.npz``)."""
        return cls(
            points=np.asarray(arrays["points"], dtype=np.float32),
            line_start=np.asarray(arrays["line_start"], dtype=np.int64),
            line_digit=np.asarray(arrays["line_digit"], dtype=np.int64),
            line_arc=np.asarray(arrays["line_arc"], dtype=np.float32),
            line_moves=np.asarray(arrays["line_moves"], dtype=bool),
            n=int(arrays["n"]),
        )

    def polylines(self, digit: int) -> Strokes:
        """The stored (smoothed, extended) polylines of one digit."""
        lines = np.flatnonzero(self.line_digit == digit)
        return [self.points[self.line_start[k] : self.line_start[k + 1]] for k in lines]

    def subset(self, index: np.ndarray) -> TracedDigits:
        """The digits ``index`` (in that order), renumbered ``0 .. len(index) - 1``."""
        index = np.asarray(index, dtype=np.int64)
        counts_per_digit = np.bincount(self.line_digit, minlength=self.n)
        first_line = np.concatenate([[0], np.cumsum(counts_per_digit)])
        lines = _ranges(first_line[index], counts_per_digit[index])
        new_digit = np.repeat(np.arange(len(index)), counts_per_digit[index])
        lengths = np.diff(self.line_start)[lines]
        pts = _ranges(self.line_start[lines], lengths)
        return TracedDigits(
            points=self.points[pts],
            line_start=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            line_digit=new_digit.astype(np.int64),
            line_arc=self.line_arc[lines],
            line_moves=self.line_moves[lines],
            n=len(index),
        )


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + c)`` for every ``(s, c)``, vectorised; int64."""
    starts = np.asarray(starts, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + np.arange(total, dtype=np.int64) - offsets


def _extend(line: np.ndarray, free: tuple[bool, bool]) -> tuple[np.ndarray, tuple[float, float], tuple[bool, bool]]:
    """Smooth one traced polyline and extend it (see :class:`TracedDigits`): points, arc range, movable ends."""
    p = smooth_polyline(line)
    length = _length(p)
    if len(p) < 2 or length <= 0:
        return p[:1], (0.0, 0.0), (False, False)
    if len(p) > 2 and np.all(p[0] == p[-1]):  # a loop: continue around it
        seg = np.hypot(*np.diff(p, axis=0).T)
        arc = np.concatenate([[0.0], np.cumsum(seg)])
        at = arc[arc <= EXTENSION]
        if at[-1] < EXTENSION:
            at = np.append(at, min(EXTENSION, float(arc[-1])))
        wrap = np.stack([np.interp(at, arc, p[:, 0]), np.interp(at, arc, p[:, 1])], axis=1)[1:]
        return np.concatenate([p, wrap]).astype(np.float32), (0.0, length), (False, True)
    start = 0.0
    parts = [p]
    if free[0]:
        d = p[0] - p[min(3, len(p) - 1)]
        n = float(np.hypot(*d))
        if n > 0:
            parts.insert(0, (p[0] + d / n * EXTENSION)[None])
            start = EXTENSION
    if free[1]:
        d = p[-1] - p[max(len(p) - 4, 0)]
        n = float(np.hypot(*d))
        if n > 0:
            parts.append((p[-1] + d / n * EXTENSION)[None])
    moves = (free[0] and start > 0, free[1] and len(parts) > 1 and parts[-1].shape[0] == 1)
    return np.concatenate(parts).astype(np.float32), (start, start + length), moves


def trace_digits(images: np.ndarray, threshold: float = 0.5) -> TracedDigits:
    """Skeletonise and trace every image (:func:`skeletonize`, :func:`trace_polylines`), smoothed and extended.

    Parameters
    ----------
    images : ndarray, shape (N, H, W) or (N, H, W, 1)
        float in [0, 1].
    threshold : float
        Ink threshold of the skeleton.

    Returns
    -------
    TracedDigits
    """
    skeletons = skeletonize(images, threshold)
    points: list[np.ndarray] = []
    arcs: list[tuple[float, float]] = []
    moves: list[tuple[bool, bool]] = []
    digits: list[int] = []
    for i, skeleton in enumerate(skeletons):
        lines = trace_polylines(skeleton)
        ends: dict[tuple[float, float], int] = {}
        for line in lines:
            if len(line) > 1 and not np.all(line[0] == line[-1]):
                for pt in (line[0], line[-1]):
                    key = (float(pt[0]), float(pt[1]))
                    ends[key] = ends.get(key, 0) + 1
        for line in lines:
            free = (
                len(line) > 1 and ends.get((float(line[0][0]), float(line[0][1])), 0) == 1,
                len(line) > 1 and ends.get((float(line[-1][0]), float(line[-1][1])), 0) == 1,
            )
            pts, arc, move = _extend(line, free)
            points.append(pts)
            arcs.append(arc)
            moves.append(move)
            digits.append(i)
    lengths = np.array([len(p) for p in points], dtype=np.int64)
    return TracedDigits(
        points=np.concatenate(points).astype(np.float32) if points else np.zeros((0, 2), np.float32),
        line_start=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        line_digit=np.asarray(digits, dtype=np.int64),
        line_arc=np.asarray(arcs, dtype=np.float32).reshape(-1, 2),
        line_moves=np.asarray(moves, dtype=bool).reshape(-1, 2),
        n=int(len(skeletons)),
    )


# ================================================================================================================
# Re-drawing with a pen
# ================================================================================================================
@dataclass(frozen=True)
class PenStyle:
    """How digits are re-drawn; each range is sampled per digit (``(a, a)`` fixes the value).

    The defaults are the training recipe's. Slant, rotation and aspect are off by default: the affine
    augmentation (``engine.augment``, applied to every image after the re-drawing) already slants, rotates and
    scales, and adding them here too measured 0.1 points worse on MNIST and no better on drawn digits (README).

    Attributes
    ----------
    width : (float, float)
        Pen width in pixels of the 20x20 box ``mnist_style`` fits the digit into, sampled log-uniformly. MNIST's
        strokes are about 2-3 px; the app's pen (1/11 of the canvas) gives 2 px on a digit drawn across the whole
        canvas and 5-6 px on one drawn a third as tall.
    spacing : (float, float)
        Distance between the pen's samples along the stroke, source pixels (28x28 image), uniform: 1 follows the
        skeleton's curve, 3-4 draws it as a few straight segments (a fast pen on a slow event loop).
    jitter : float
        Standard deviation of the noise added to every sample, source pixels.
    slant : float
        Largest shear ``x += slant * y`` (around the digit's centre).
    rotation : float
        Largest rotation, degrees.
    aspect : (float, float)
        Range of the horizontal stretch (narrow and wide writing).
    end_change : (float, float)
        A movable stroke end (a free end, the end of a loop) moves along the stroke by this much, source pixels:
        negative stops short (a gap, an open loop), positive runs on (an overshoot, at most :data:`EXTENSION`).
    end_prob : float
        Probability that a movable end is moved.
    """

    width: tuple[float, float] = (1.2, 6.0)
    spacing: tuple[float, float] = (0.8, 4.0)
    jitter: float = 0.25
    slant: float = 0.0
    rotation: float = 0.0
    aspect: tuple[float, float] = (1.0, 1.0)
    end_change: tuple[float, float] = (-1.5, 2.5)
    end_prob: float = 0.5

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields (for model cards)."""
        return asdict(self)

    @classmethod
    def fixed(cls, width: float, spacing: float, jitter: float = 0.0) -> PenStyle:
        """One pen width and sampling distance, no other change (the benchmark's pens)."""
        return cls(width=(width, width), spacing=(spacing, spacing), jitter=jitter, slant=0.0, rotation=0.0,
                   aspect=(1.0, 1.0), end_change=(0.0, 0.0), end_prob=0.0)


@dataclass(frozen=True)
class PenDrawing:
    """Re-drawn digits as canvas segments, ready to rasterise (returned by :func:`pen_segments`).

    Attributes
    ----------
    segments : ndarray, shape (S, 4), float32
        ``(x0, y0, x1, y1)`` in canvas pixels, digit after digit.
    seg_start : ndarray, shape (N + 1,), int64
        Digit ``i``'s segments are ``segments[seg_start[i]:seg_start[i + 1]]`` (none for an empty digit).
    pen : ndarray, shape (N,), float32
        Pen width in canvas pixels.
    size : int
        Canvas side in pixels.
    """

    segments: np.ndarray
    seg_start: np.ndarray
    pen: np.ndarray
    size: int

    def strokes(self, digit: int) -> list[np.ndarray]:
        """Digit ``digit`` as normalised strokes for :func:`rasterize_strokes` (one two-point stroke per segment)."""
        seg = self.segments[self.seg_start[digit] : self.seg_start[digit + 1]] / np.float32(self.size)
        return [s.reshape(2, 2) for s in seg]


def pen_segments(traced: TracedDigits, rng: np.random.Generator, style: PenStyle,
                 size: int = CANVAS_SIZE) -> PenDrawing:
    """Re-draw every traced digit with a random pen (:class:`PenStyle`), vectorised over all digits and strokes.

    1. move the ends of each stroke (gap or overshoot), 2. sample the stroke every ``spacing`` px along its length
    (``np.interp`` on arc length, all strokes at once), 3. slant, rotate and stretch each digit around its centre,
    4. jitter every sample, 5. scale each digit into a ``size`` canvas so that its pen is ``width`` px in the
    20 px box after ``mnist_style``.

    Parameters
    ----------
    traced : TracedDigits
        ``N`` digits.
    rng : numpy Generator
        Every random choice comes from it, in a fixed order: the result depends only on its state and ``traced``.
    style : PenStyle
    size : int
        Canvas side in pixels.

    Returns
    -------
    PenDrawing
    """
    n = traced.n
    n_lines = len(traced.line_digit)
    width20 = np.exp(rng.uniform(np.log(style.width[0]), np.log(style.width[1]), n))
    spacing = rng.uniform(style.spacing[0], style.spacing[1], n)
    angle = np.deg2rad(rng.uniform(-style.rotation, style.rotation, n))
    slant = rng.uniform(-style.slant, style.slant, n)
    aspect = rng.uniform(style.aspect[0], style.aspect[1], n)
    change = rng.uniform(style.end_change[0], style.end_change[1], (n_lines, 2))
    change *= (rng.random((n_lines, 2)) < style.end_prob) & traced.line_moves

    # 1. the stretch of each stored line to draw
    counts = np.diff(traced.line_start)
    line_of_point = np.repeat(np.arange(n_lines), counts)
    step = np.zeros(len(traced.points), dtype=np.float64)
    if len(traced.points) > 1:
        d = np.diff(traced.points.astype(np.float64), axis=0)
        step[1:] = np.hypot(d[:, 0], d[:, 1])
        step[traced.line_start[:-1][counts > 0]] = 0.0
    arc = np.cumsum(step)
    arc -= np.repeat(arc[traced.line_start[:-1][counts > 0]], counts[counts > 0])
    total = np.zeros(n_lines)
    total[counts > 0] = arc[traced.line_start[1:][counts > 0] - 1]
    begin = np.clip(traced.line_arc[:, 0] - change[:, 0], 0.0, total)
    end = np.clip(traced.line_arc[:, 1] + change[:, 1], 0.0, total)
    short = end - begin < 1.0
    begin = np.where(short, traced.line_arc[:, 0], begin)
    end = np.where(short, traced.line_arc[:, 1], end)

    # 2. resample every line at its digit's spacing: pieces of equal length, both ends kept
    length = end - begin
    pieces = np.maximum(1, np.rint(length / spacing[traced.line_digit])).astype(np.int64)
    out_line = np.repeat(np.arange(n_lines), pieces + 1)
    j = _ranges(np.zeros(n_lines, np.int64), pieces + 1)
    target = begin[out_line] + length[out_line] * (j / pieces[out_line])
    big = float(total.max(initial=0.0)) + 10.0
    key = arc + line_of_point * big
    pts = np.stack([np.interp(target + out_line * big, key, traced.points[:, 0]),
                    np.interp(target + out_line * big, key, traced.points[:, 1])], axis=1)

    # 3. slant, rotate, stretch each digit around the centre of its bounding box
    digit_of = traced.line_digit[out_line]
    lo = np.full((n, 2), np.inf)
    hi = np.full((n, 2), -np.inf)
    np.minimum.at(lo, digit_of, pts)
    np.maximum.at(hi, digit_of, pts)
    has_ink = np.bincount(digit_of, minlength=n) > 0
    lo[~has_ink], hi[~has_ink] = 0.0, 0.0
    centre = 0.5 * (lo + hi)
    cos, sin = np.cos(angle), np.sin(angle)
    m = np.empty((n, 2, 2))
    m[:, 0, 0], m[:, 0, 1] = cos * aspect, cos * aspect * slant - sin
    m[:, 1, 0], m[:, 1, 1] = sin * aspect, sin * aspect * slant + cos
    rel = pts - centre[digit_of]
    pts = np.einsum("pij,pj->pi", m[digit_of], rel) + centre[digit_of]

    # 4. jitter
    if style.jitter > 0:
        pts = pts + rng.normal(0.0, style.jitter, pts.shape)

    # 5. into the canvas: the drawing plus the pen fills it less a margin; pen = width20 px of the 20 px box
    lo = np.full((n, 2), np.inf)
    hi = np.full((n, 2), -np.inf)
    np.minimum.at(lo, digit_of, pts)
    np.maximum.at(hi, digit_of, pts)
    lo[~has_ink], hi[~has_ink] = 0.0, 0.0
    extent = np.maximum((hi - lo).max(axis=1), 1e-3)
    avail = size - 2.0 * CANVAS_MARGIN
    target_extent = avail * (20.0 - width20) / 20.0
    pen = (avail - target_extent).astype(np.float32)
    scale = target_extent / extent
    offset = size / 2.0 - 0.5 * (lo + hi) * scale[:, None]
    canvas = (pts * scale[digit_of, None] + offset[digit_of]).astype(np.float32)

    # segments between consecutive samples of a line
    same = out_line[:-1] == out_line[1:]
    segments = np.concatenate([canvas[:-1][same], canvas[1:][same]], axis=1)
    seg_digit = digit_of[:-1][same]
    seg_start = np.concatenate([[0], np.cumsum(np.bincount(seg_digit, minlength=n))]).astype(np.int64)
    return PenDrawing(segments=segments.astype(np.float32), seg_start=seg_start, pen=pen, size=size)


def rasterize_drawing(drawing: PenDrawing, chunk: int = 256) -> np.ndarray:
    """Rasterise every digit of a :class:`PenDrawing` (:func:`rasterize_segments`, digits grouped by segment count).

    Returns
    -------
    ndarray, shape (N, size, size), float32 (an empty digit is a black canvas).
    """
    n, size = len(drawing.pen), drawing.size
    out = np.zeros((n, size, size), dtype=np.float32)
    count = np.diff(drawing.seg_start)
    order = np.argsort(count, kind="stable")
    order = order[count[order] > 0]
    for start in range(0, len(order), chunk):
        rows = order[start : start + chunk]
        m = int(count[rows].max())
        rank = np.minimum(np.arange(m)[None, :], count[rows, None] - 1)  # repeat the last segment
        table = drawing.segments[drawing.seg_start[rows, None] + rank]
        out[rows] = rasterize_segments(table, size, drawing.pen[rows])
    return out


def redraw_digits(traced: TracedDigits, rng: np.random.Generator, style: PenStyle,
                  fallback: np.ndarray | None = None, size: int = CANVAS_SIZE) -> np.ndarray:
    """Re-draw traced digits with a pen through the app's path: :func:`pen_segments`, rasterise, ``mnist_style``.

    Parameters
    ----------
    traced : TracedDigits
        ``N`` digits (:func:`trace_digits`).
    rng : numpy Generator
    style : PenStyle
    fallback : ndarray, shape (N, 28, 28) or (N, 28, 28, 1), optional
        Used for a digit without a skeleton (no ink above the threshold); black without it.
    size : int
        Canvas side in pixels.

    Returns
    -------
    ndarray, shape (N, 28, 28), float32 in [0, 1]
    """
    drawing = pen_segments(traced, rng, style, size)
    canvases = rasterize_drawing(drawing)
    out = np.zeros((traced.n, 28, 28), dtype=np.float32)
    for i in range(traced.n):
        image = mnist_style(canvases[i]) if drawing.seg_start[i + 1] > drawing.seg_start[i] else None
        if image is not None:
            out[i] = image
        elif fallback is not None:
            out[i] = np.asarray(fallback[i], dtype=np.float32).reshape(28, 28)
    return out

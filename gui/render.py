"""Arrays -> RGBA images: colour maps with fixed levels, the diverging filter map, grid tiling.

Pure NumPy (no Qt), so every function here is tested without a window (golden images in
``tests/gui/golden``).  Images are row-major: ``(H, W)`` values in, ``(H, W, 4)`` uint8 RGBA out.

The sample digits and the stroke rasterizer live in :mod:`convlens.services.samples`; ``SAMPLE_STROKES`` and
``rasterize_strokes`` are re-exported here for the widgets and tests that draw them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from convlens.services.samples import SAMPLE_STROKES, rasterize_strokes

__all__ = [
    "DIVERGING_LUT",
    "SAMPLE_STROKES",
    "SEQUENTIAL_LUT",
    "apply_lut",
    "diverging_rgba",
    "filter_views",
    "grid_shape",
    "legend_rgba",
    "make_lut",
    "maps_to_stack",
    "rasterize_strokes",
    "strongest_channels",
    "symmetric_limit",
    "tile_at",
    "tile_grid",
    "tile_rect",
    "upscale_nearest",
]

RGB = tuple[int, int, int]

_INFERNO: tuple[RGB, ...] = (
    (0, 0, 4),
    (31, 12, 72),
    (85, 15, 109),
    (136, 34, 106),
    (186, 54, 85),
    (227, 89, 51),
    (249, 140, 10),
    (249, 201, 50),
    (252, 255, 164),
)
"""Anchors of an inferno-like sequential map: black (no activation) to pale yellow (strong)."""

_RDBU: tuple[RGB, ...] = (
    (33, 102, 172),
    (67, 147, 195),
    (146, 197, 222),
    (209, 229, 240),
    (247, 247, 247),
    (253, 219, 199),
    (244, 165, 130),
    (214, 96, 77),
    (178, 24, 43),
)
"""Anchors of a blue-white-red diverging map: negative weights blue, zero white, positive red."""


def make_lut(anchors: Sequence[Sequence[int]], n: int = 256) -> np.ndarray:
    """Linearly interpolate evenly spaced RGB anchors into a lookup table.

    Parameters
    ----------
    anchors : sequence of (r, g, b)
        At least two colours, ints in [0, 255], spread evenly from the low to the high end.
    n : int
        Number of entries (>= 2).

    Returns
    -------
    np.ndarray
        uint8, shape (n, 4), opaque RGBA.
    """
    a = np.asarray(anchors, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] < 2 or a.shape[1] != 3:
        raise ValueError(f"anchors must be (k >= 2, 3) RGB triples, got shape {a.shape}")
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n}")
    pos = np.linspace(0.0, 1.0, a.shape[0])
    t = np.linspace(0.0, 1.0, n)
    lut = np.empty((n, 4), dtype=np.uint8)
    for ch in range(3):
        lut[:, ch] = np.rint(np.interp(t, pos, a[:, ch])).astype(np.uint8)
    lut[:, 3] = 255
    return lut


SEQUENTIAL_LUT = make_lut(_INFERNO)
"""(256, 4) uint8: the feature-map colour map (0 -> black)."""
DIVERGING_LUT = make_lut(_RDBU, 257)
"""(257, 4) uint8: the filter colour map; the centre entry (128) is white and is exactly weight 0."""


def apply_lut(values: np.ndarray, lut: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """Colour an array with fixed levels: ``levels[0]`` -> ``lut[0]``, ``levels[1]`` -> ``lut[-1]``.

    Values outside the levels saturate; NaN is drawn like ``levels[0]``.  Levels are fixed by the
    caller (never taken from the data), so a live image does not flicker as its range changes.

    Parameters
    ----------
    values : np.ndarray
        Any shape ``S``, real.
    lut : np.ndarray
        uint8, shape (n, 4).
    levels : tuple of float
        ``(low, high)`` with ``high > low``.

    Returns
    -------
    np.ndarray
        uint8, shape ``S + (4,)``.
    """
    lo, hi = float(levels[0]), float(levels[1])
    if not hi > lo:
        raise ValueError(f"levels must satisfy high > low, got {levels}")
    n = lut.shape[0]
    v = np.asarray(values, dtype=np.float32)
    idx = (v - np.float32(lo)) * np.float32((n - 1) / (hi - lo))
    np.nan_to_num(idx, copy=False, nan=0.0)
    np.clip(idx, 0.0, n - 1, out=idx)
    return lut[np.rint(idx).astype(np.intp)]


def symmetric_limit(values: np.ndarray, floor: float = 1e-6) -> float:
    """The largest absolute value (at least ``floor``): the levels ``(-limit, limit)`` centre 0."""
    a = np.asarray(values)
    if a.size == 0:
        return float(floor)
    return max(float(np.nanmax(np.abs(a))), float(floor))


def diverging_rgba(values: np.ndarray, limit: float, lut: np.ndarray = DIVERGING_LUT) -> np.ndarray:
    """Colour signed values with a diverging map centred on 0 (``-limit`` blue, 0 white, ``+limit`` red).

    Parameters
    ----------
    values : np.ndarray
        Any shape ``S``.
    limit : float
        > 0; the levels are ``(-limit, +limit)``.
    lut : np.ndarray
        uint8, shape (n, 4), odd ``n`` puts 0 exactly on an entry.

    Returns
    -------
    np.ndarray
        uint8, shape ``S + (4,)``.
    """
    if not limit > 0:
        raise ValueError(f"limit must be > 0, got {limit}")
    return apply_lut(values, lut, (-float(limit), float(limit)))


def grid_shape(n: int, max_cols: int = 16) -> tuple[int, int]:
    """(rows, cols) of a grid holding ``n`` tiles with at most ``max_cols`` columns, rows filled first."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    cols = min(int(n), int(max_cols))
    return (-(-int(n) // cols), cols)


def tile_grid(
    tiles: np.ndarray, cols: int, pad: int = 1, fill: float | Sequence[float] | np.ndarray = 0.0
) -> np.ndarray:
    """Lay tiles out in a grid, row by row, with ``pad`` pixels of ``fill`` between them.

    Parameters
    ----------
    tiles : np.ndarray
        Shape (N, h, w) or (N, h, w, C) (e.g. RGBA uint8).
    cols : int
        Tiles per row (>= 1); the grid has ``ceil(N / cols)`` rows, empty cells are ``fill``.
    pad : int
        Gap between tiles, in pixels (>= 0); no gap around the outside.
    fill : float or sequence
        Value of the gaps (a scalar, or one value per channel).

    Returns
    -------
    np.ndarray
        Same dtype, shape ``(rows * (h + pad) - pad, cols * (w + pad) - pad[, C])``.
    """
    t = np.asarray(tiles)
    if t.ndim not in (3, 4) or t.shape[0] < 1:
        raise ValueError(f"tiles must be (N, h, w) or (N, h, w, C) with N >= 1, got shape {t.shape}")
    if cols < 1 or pad < 0:
        raise ValueError(f"cols must be >= 1 and pad >= 0, got cols={cols}, pad={pad}")
    n, h, w = t.shape[:3]
    extra = t.shape[3:]
    rows = -(-n // cols)
    cell = np.empty((rows * cols, h + pad, w + pad, *extra), dtype=t.dtype)
    cell[...] = np.asarray(fill, dtype=t.dtype)
    cell[:n, :h, :w] = t
    grid = cell.reshape(rows, cols, h + pad, w + pad, *extra).swapaxes(1, 2)
    grid = grid.reshape(rows * (h + pad), cols * (w + pad), *extra)
    return np.ascontiguousarray(grid[: rows * (h + pad) - pad, : cols * (w + pad) - pad])


def tile_rect(index: int, tile_shape: tuple[int, int], cols: int, pad: int = 1) -> tuple[int, int, int, int]:
    """Where tile ``index`` sits in a :func:`tile_grid` mosaic: ``(top, left, h, w)`` in pixels."""
    h, w = tile_shape
    r, c = divmod(int(index), int(cols))
    return (r * (h + pad), c * (w + pad), h, w)


def tile_at(
    y: float, x: float, n: int, tile_shape: tuple[int, int], cols: int, pad: int = 1
) -> tuple[int, int, int] | None:
    """Which tile and pixel a mosaic position falls on (inverse of :func:`tile_grid`).

    Parameters
    ----------
    y, x : float
        Position in mosaic pixel coordinates (pixel ``(i, j)`` covers ``[i, i + 1) x [j, j + 1)``).
    n : int
        Number of tiles.
    tile_shape : tuple of int
        ``(h, w)`` of one tile.
    cols, pad : int
        As given to :func:`tile_grid`.

    Returns
    -------
    tuple of int or None
        ``(index, row, col)`` (the pixel inside the tile), or None in a gap or outside the tiles.
    """
    h, w = tile_shape
    if y < 0 or x < 0:
        return None
    iy, ix = int(np.floor(y)), int(np.floor(x))
    r, ry = divmod(iy, h + pad)
    c, rx = divmod(ix, w + pad)
    if ry >= h or rx >= w or c >= cols:
        return None
    index = r * cols + c
    if index >= n:
        return None
    return (index, ry, rx)


def maps_to_stack(activation: np.ndarray) -> np.ndarray:
    """One example's NHWC feature maps as a stack of 2-D maps.

    Parameters
    ----------
    activation : np.ndarray
        Shape (1, H, W, C) or (H, W, C).

    Returns
    -------
    np.ndarray
        Shape (C, H, W) (a transposed view, not a copy).
    """
    a = np.asarray(activation)
    if a.ndim == 4:
        if a.shape[0] != 1:
            raise ValueError(f"expected one example, got batch of {a.shape[0]}")
        a = a[0]
    if a.ndim != 3:
        raise ValueError(f"expected (1, H, W, C) or (H, W, C), got shape {np.shape(activation)}")
    return a.transpose(2, 0, 1)


def strongest_channels(weights: np.ndarray) -> np.ndarray:
    """For each filter, the input channel with the largest summed ``|w|``.

    Parameters
    ----------
    weights : np.ndarray
        Shape (H_f, W_f, C_in, C_out).

    Returns
    -------
    np.ndarray
        int, shape (C_out,).
    """
    w = np.asarray(weights)
    if w.ndim != 4:
        raise ValueError(f"weights must be (H_f, W_f, C_in, C_out), got shape {w.shape}")
    return np.asarray(np.abs(w).sum(axis=(0, 1)).argmax(axis=0))


def filter_views(
    weights: np.ndarray, mode: str = "mean_abs", channel: int = 0, channels: np.ndarray | None = None
) -> np.ndarray:
    """2-D views of a conv layer's filters, one per output channel (or per filter x input channel).

    Parameters
    ----------
    weights : np.ndarray
        Shape (H_f, W_f, C_in, C_out), as ``convlens.engine.ops.conv2d`` takes them.
    mode : {"mean_abs", "channel", "channel_per_filter", "all"}
        ``"mean_abs"``: mean of ``|w|`` over the input channels (how strongly each position is looked
        at; for ``C_in == 1`` the signed filter itself is returned instead).  ``"channel"``: the
        weights for input channel ``channel``.  ``"channel_per_filter"``: filter ``k`` on input
        channel ``channels[k]`` (e.g. :func:`strongest_channels`).  ``"all"``: every (input channel,
        filter) pair.
    channel : int
        Input channel for ``mode="channel"``.
    channels : np.ndarray, optional
        int (C_out,), input channel per filter for ``mode="channel_per_filter"``.

    Returns
    -------
    np.ndarray
        float32; shape (C_out, H_f, W_f) for "mean_abs"/"channel", (C_in * C_out, H_f, W_f) for "all"
        ordered input-channel-major (tile it with ``cols=C_out`` to get one row per input channel and
        one column per filter).  Signed except for "mean_abs" with ``C_in > 1``.
    """
    w = np.asarray(weights, dtype=np.float32)
    if w.ndim != 4:
        raise ValueError(f"weights must be (H_f, W_f, C_in, C_out), got shape {w.shape}")
    hf, wf, cin, cout = w.shape
    if mode == "mean_abs":
        if cin == 1:
            return np.ascontiguousarray(w[:, :, 0, :].transpose(2, 0, 1))
        return np.ascontiguousarray(np.abs(w).mean(axis=2).transpose(2, 0, 1))
    if mode == "channel":
        if not 0 <= channel < cin:
            raise ValueError(f"channel must be in [0, {cin}), got {channel}")
        return np.ascontiguousarray(w[:, :, channel, :].transpose(2, 0, 1))
    if mode == "channel_per_filter":
        ch = np.asarray(channels, dtype=np.intp).reshape(-1) if channels is not None else None
        if ch is None or ch.shape[0] != cout or ch.min() < 0 or ch.max() >= cin:
            raise ValueError(f"channels must give one input channel in [0, {cin}) for each of {cout} filters")
        return np.ascontiguousarray(w[:, :, ch, np.arange(cout)].transpose(2, 0, 1))
    if mode == "all":
        return np.ascontiguousarray(w.transpose(2, 3, 0, 1).reshape(cin * cout, hf, wf))
    raise ValueError(f"mode must be 'mean_abs', 'channel', 'channel_per_filter' or 'all', got {mode!r}")


def upscale_nearest(image: np.ndarray, factor: int) -> np.ndarray:
    """Repeat every pixel ``factor`` times along both axes (blocky enlargement, for small maps)."""
    if factor < 1:
        raise ValueError(f"factor must be >= 1, got {factor}")
    a = np.asarray(image)
    return np.repeat(np.repeat(a, factor, axis=0), factor, axis=1)


def legend_rgba(lut: np.ndarray, width: int, height: int) -> np.ndarray:
    """A horizontal colour bar: the low end of ``lut`` on the left, the high end on the right.

    Returns
    -------
    np.ndarray
        uint8, shape (height, width, 4).
    """
    if width < 2 or height < 1:
        raise ValueError(f"legend needs width >= 2 and height >= 1, got {width}x{height}")
    ramp = np.linspace(0.0, 1.0, width, dtype=np.float32)
    row = apply_lut(ramp, lut, (0.0, 1.0))
    return np.ascontiguousarray(np.broadcast_to(row, (height, width, 4)))

"""The lecture's worked examples as data, and step-by-step traces of the lesson's operations.

The lesson explorer (``gui/lesson``) shows numbers; this module produces them, so that the GUI only lays
them out. Every computed number comes from :mod:`convlens.engine.ops`:

* a 1D convolution step at position ``n`` (the products ``f[n-m] g[m]`` and their sum) comes from
  :func:`convlens.engine.ops.conv1d` - each product is the convolution with a kernel that keeps only ``g[m]``,
  the sum is the convolution with the whole kernel;
* a 2D window (its table of products and their sum) comes from :func:`convlens.engine.ops.conv2d` applied to the
  window - the products with one "one-cell filter" per kernel cell, the sum with the kernel itself;
* the lecture's 7x7 table is ``ops.conv2d(X, diagonal) / 9``; the pooled 4x4 table is
  ``ops.max_pool2d(table, 2x2, stride 2, "same")``;
* output shapes come from :func:`convlens.engine.ops.conv_output_length` and from the arrays ``ops.conv2d`` returns.

The lecture prints its tables truncated to two decimals (7/9 = 0.777... is printed ``0.77``, 5/9 is ``0.55``):
:func:`truncate2` and :func:`format2` do the same.

This module never imports Qt.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from convlens.engine import ops
from convlens.engine.preprocess import to_batch

__all__ = [
    "DIAGONAL_FILTER",
    "KERNEL1D_PRESETS",
    "KERNEL_PRESETS",
    "PADDINGS",
    "SECOND_FILTER",
    "LECTURE_POOLED_4X4",
    "LECTURE_STRIDES",
    "LECTURE_TABLE_7X7",
    "SIGNAL_PRESETS",
    "Conv1dStep",
    "Conv2dStep",
    "ExampleDigits",
    "PoolStep",
    "colour_example",
    "conv1d_trace",
    "conv2d_map",
    "conv2d_step",
    "conv2d_trace",
    "first_layer_filters",
    "format2",
    "output_length_formula",
    "padded",
    "pixel_values",
    "pool_step",
    "pool_table",
    "lecture_table",
    "lecture_x_image",
    "tensor_examples",
    "truncate2",
    "window_products",
]

Pair = tuple[int, int]


def _frozen(rows: list[list[float]]) -> np.ndarray:
    arr = np.array(rows, dtype=np.float64)
    arr.setflags(write=False)
    return arr


#: The lecture's diagonal filter (the first filter of its "X" example).
DIAGONAL_FILTER = _frozen([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]])
#: The lecture's second filter; together with the diagonal one it makes the (3, 3, 1, 2) conv tensor.
SECOND_FILTER = _frozen([[-1, 1, -1], [1, -1, 1], [1, -1, 1]])

#: The 7x7 table the lecture prints for the X image and the diagonal filter (sum of products / 9, truncated).
LECTURE_TABLE_7X7 = _frozen(
    [
        [0.77, -0.11, 0.11, 0.33, 0.55, -0.11, 0.33],
        [-0.11, 1.00, -0.11, 0.33, -0.11, 0.11, -0.11],
        [0.11, -0.11, 1.00, -0.33, 0.11, -0.11, 0.55],
        [0.33, 0.33, -0.33, 0.55, -0.33, 0.33, 0.33],
        [0.55, -0.11, 0.11, -0.33, 1.00, -0.11, 0.11],
        [-0.11, 0.11, -0.11, 0.33, -0.11, 1.00, -0.11],
        [0.33, -0.11, 0.55, 0.33, 0.11, -0.11, 0.77],
    ]
)
#: The lecture's max-pooled table (2x2 windows, stride 2, padding "same") of :data:`LECTURE_TABLE_7X7`.
LECTURE_POOLED_4X4 = _frozen(
    [
        [1.00, 0.33, 0.55, 0.33],
        [0.33, 1.00, 0.33, 0.55],
        [0.55, 0.33, 1.00, 0.11],
        [0.33, 0.55, 0.11, 0.77],
    ]
)

#: The strides the lecture walks through, as (rows, columns).
LECTURE_STRIDES: tuple[Pair, ...] = ((1, 1), (2, 2), (3, 3), (3, 1))
PADDINGS: tuple[str, ...] = ("valid", "same")

#: 3x3 kernels the visitor can try on their digit (keys are identifiers; the GUI translates the labels).
KERNEL_PRESETS: dict[str, np.ndarray] = {
    "diagonal": DIAGONAL_FILTER,
    "edges_horizontal": _frozen([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),  # Sobel: bright below dark
    "edges_vertical": _frozen([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),  # Sobel: bright right of dark
    "blur": _frozen([[1 / 9] * 3] * 3),
    "sharpen": _frozen([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
}

#: 1D kernels ``g[-M..M]`` for the 1D convolution step.
KERNEL1D_PRESETS: dict[str, np.ndarray] = {
    "average3": _frozen([[1 / 3, 1 / 3, 1 / 3]])[0],
    "difference": _frozen([[1, 0, -1]])[0],
    "identity": _frozen([[0, 1, 0]])[0],
    "average5": _frozen([[0.2] * 5])[0],
    "smooth5": _frozen([[1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16]])[0],
}

#: Preset 1D signals ``f`` (length 16) for the 1D convolution step.
SIGNAL_PRESETS: dict[str, np.ndarray] = {
    "impulse": _frozen([[0.0] * 7 + [1.0] + [0.0] * 8])[0],
    "step": _frozen([[0.0] * 8 + [1.0] * 8])[0],
    "box": _frozen([[0.0] * 5 + [1.0] * 5 + [0.0] * 6])[0],
    "ramp": _frozen([[i / 15 for i in range(16)]])[0],
}


# ----------------------------------------------------------------------------------------- lecture data


def lecture_x_image() -> np.ndarray:
    """The lecture's 9x9 "X": background -1, strokes +1 (row ``i`` has +1 at columns ``i`` and ``8 - i``).

    Returns
    -------
    ndarray, shape (9, 9), float64
    """
    x = -np.ones((9, 9), dtype=np.float64)
    for i in range(1, 8):
        x[i, i] = 1.0
        x[i, 8 - i] = 1.0
    return x


def truncate2(x: np.ndarray | float) -> np.ndarray:
    """Truncate towards zero to two decimals, as the lecture prints (0.777... -> 0.77, -0.111... -> -0.11).

    A tiny rounding first keeps values such as 0.29 (stored as 0.28999...) at 0.29. NaN stays NaN.

    Returns
    -------
    ndarray
        Same shape as ``x`` (0-d for a scalar), float64; never ``-0.0``.
    """
    a = np.asarray(x, dtype=np.float64)
    return np.trunc(np.round(a * 100.0, 6)) / 100.0 + 0.0


def format2(value: float) -> str:
    """The lecture's two-decimal text of a value (``"0.77"``, ``"-0.11"``, ``"1.00"``); ``""`` for NaN."""
    v = float(truncate2(value))
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "-inf" if v < 0 else "inf"
    return f"{v:.2f}"


def lecture_table(image: np.ndarray | None = None, kernel: np.ndarray | None = None) -> np.ndarray:
    """The lecture's table: sum of products of each window and the filter, divided by the number of cells.

    Parameters
    ----------
    image : ndarray, shape (H, W), optional
        Defaults to :func:`lecture_x_image`.
    kernel : ndarray, shape (H_f, W_f), optional
        Defaults to :data:`DIAGONAL_FILTER`.

    Returns
    -------
    ndarray, shape (H - H_f + 1, W - W_f + 1)
        Not truncated (``truncate2`` of it is the printed table: :data:`LECTURE_TABLE_7X7` for the defaults).
    """
    image = lecture_x_image() if image is None else image
    kernel = DIAGONAL_FILTER if kernel is None else np.asarray(kernel, dtype=np.float64)
    return conv2d_map(image, kernel) / kernel.size


# ----------------------------------------------------------------------------------------- 1D convolution


@dataclass(frozen=True)
class Conv1dStep:
    """One output sample of the lecture's ``(f * g)[n] = sum_{m=-M..M} f[n - m] g[m]``.

    Attributes
    ----------
    n : int
        Output position.
    ms : ndarray, shape (2M + 1,)
        ``m = -M .. M``.
    f_indices : ndarray, shape (2M + 1,)
        ``n - m`` for each ``m`` (may fall outside the signal, where ``f`` is 0).
    f_values, g_values : ndarray, shape (2M + 1,)
        ``f[n - m]`` (0 outside the signal) and ``g[m]``.
    products : ndarray, shape (2M + 1,)
        ``f[n - m] g[m]``, each from ``ops.conv1d(f, g restricted to m)``.
    total : float
        ``ops.conv1d(f, g)[n]``.
    """

    n: int
    ms: np.ndarray
    f_indices: np.ndarray
    f_values: np.ndarray
    g_values: np.ndarray
    products: np.ndarray
    total: float


def conv1d_trace(f: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, list[Conv1dStep]]:
    """The whole 1D convolution and every step of it.

    Parameters
    ----------
    f : ndarray, shape (L,)
        The signal (zero outside its samples).
    g : ndarray, shape (2M + 1,)
        The kernel ``g[-M..M]``.

    Returns
    -------
    output : ndarray, shape (L,)
        ``ops.conv1d(f, g)`` (equals ``numpy.convolve(f, g, "same")``).
    steps : list of Conv1dStep, length L
        One per output position ``n``.
    """
    f = np.asarray(f, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    output = np.asarray(ops.conv1d(f, g), dtype=np.float64)
    half = g.size // 2
    ms = np.arange(-half, half + 1)
    # products[k, n] = f[n - m_k] g[m_k]: the convolution with a kernel holding only g[m_k] (linearity).
    products = np.empty((g.size, f.size), dtype=np.float64)
    for k in range(g.size):
        only = np.zeros_like(g)
        only[k] = g[k]
        products[k] = ops.conv1d(f, only)
    padded_f = np.concatenate([np.zeros(half), f, np.zeros(half)])
    steps = []
    for n in range(f.size):
        idx = n - ms
        steps.append(
            Conv1dStep(
                n=n,
                ms=ms.copy(),
                f_indices=idx,
                f_values=padded_f[idx + half],
                g_values=g.copy(),
                products=products[:, n].copy(),
                total=float(output[n]),
            )
        )
    return output, steps


# ----------------------------------------------------------------------------------------- 2D convolution


def _as_nhwc(image: np.ndarray) -> np.ndarray:
    return np.asarray(image, dtype=np.float64)[None, :, :, None]


def conv2d_map(
    image: np.ndarray, kernel: np.ndarray, stride: Pair = (1, 1), padding: str = "valid"
) -> np.ndarray:
    """One image convolved with one filter by :func:`convlens.engine.ops.conv2d` (sum of products, no bias).

    Parameters
    ----------
    image : ndarray, shape (H, W)
    kernel : ndarray, shape (H_f, W_f)

    Returns
    -------
    ndarray, shape (H_out, W_out), float64
    """
    k = np.asarray(kernel, dtype=np.float64)
    out = ops.conv2d(_as_nhwc(image), k[:, :, None, None], stride=stride, padding=padding)
    return np.asarray(out[0, :, :, 0], dtype=np.float64)


def window_products(window: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The table of products ``window * kernel``, computed by :func:`convlens.engine.ops.conv2d`.

    The kernel is split into one "one-cell filter" per cell (all zeros but that cell); convolving the window
    with that stack of ``H_f * W_f`` filters gives each product on its own output channel.

    Parameters
    ----------
    window, kernel : ndarray, shape (H_f, W_f)

    Returns
    -------
    ndarray, shape (H_f, W_f)
    """
    k = np.asarray(kernel, dtype=np.float64)
    h_f, w_f = k.shape
    one_cell = np.zeros((h_f, w_f, 1, h_f * w_f), dtype=np.float64)
    for cell in range(h_f * w_f):
        r, c = divmod(cell, w_f)
        one_cell[r, c, 0, cell] = k[r, c]
    out = ops.conv2d(_as_nhwc(window), one_cell)  # (1, 1, 1, H_f * W_f)
    return np.asarray(out.reshape(h_f, w_f), dtype=np.float64)


def padded(image: np.ndarray, window: Pair, stride: Pair, padding: str) -> tuple[np.ndarray, np.ndarray]:
    """The image with the zeros ``padding`` adds around it, and a mask of the added cells.

    Returns
    -------
    values : ndarray, shape (H + pads, W + pads)
        Zeros in the padding, as :func:`convlens.engine.ops.conv2d` uses (``ops.pad_amounts``).
    is_pad : ndarray of bool, same shape
    """
    image = np.asarray(image, dtype=np.float64)
    (pt, pb) = ops.pad_amounts(image.shape[0], window[0], stride[0], padding)
    (pl, pr) = ops.pad_amounts(image.shape[1], window[1], stride[1], padding)
    values = np.pad(image, ((pt, pb), (pl, pr)))
    mask = np.pad(np.zeros(image.shape, dtype=bool), ((pt, pb), (pl, pr)), constant_values=True)
    return values, mask


@dataclass(frozen=True)
class Conv2dStep:
    """The filter over one window.

    Attributes
    ----------
    row, col : int
        Output position.
    top, left : int
        The window's top-left cell in the padded image.
    window : ndarray, shape (H_f, W_f)
        The image cells under the filter (zeros in the padding).
    products : ndarray, shape (H_f, W_f)
        ``window * kernel``, from :func:`window_products`.
    total : float
        Their sum, ``ops.conv2d(window, kernel)``.
    value : float
        ``total / divisor`` (the lecture divides by 9).
    """

    row: int
    col: int
    top: int
    left: int
    window: np.ndarray
    products: np.ndarray
    total: float
    value: float


def conv2d_step(
    image: np.ndarray,
    kernel: np.ndarray,
    row: int,
    col: int,
    stride: Pair = (1, 1),
    padding: str = "valid",
    divisor: float = 1.0,
) -> Conv2dStep:
    """One position of the sliding window (see :class:`Conv2dStep`)."""
    k = np.asarray(kernel, dtype=np.float64)
    values, _ = padded(image, (k.shape[0], k.shape[1]), stride, padding)
    top, left = row * stride[0], col * stride[1]
    window = values[top : top + k.shape[0], left : left + k.shape[1]]
    if window.shape != k.shape:
        raise ValueError(f"position ({row}, {col}) is outside the output")
    total = float(conv2d_map(window, k)[0, 0])
    return Conv2dStep(row, col, top, left, window.copy(), window_products(window, k), total, total / divisor)


def conv2d_trace(
    image: np.ndarray,
    kernel: np.ndarray,
    stride: Pair = (1, 1),
    padding: str = "valid",
    divisor: float = 1.0,
) -> list[Conv2dStep]:
    """Every position of the sliding window, row by row (the order the lecture builds its table in)."""
    k = np.asarray(kernel, dtype=np.float64)
    h_out = ops.conv_output_length(image.shape[0], k.shape[0], stride[0], padding)
    w_out = ops.conv_output_length(image.shape[1], k.shape[1], stride[1], padding)
    return [
        conv2d_step(image, k, r, c, stride, padding, divisor) for r in range(h_out) for c in range(w_out)
    ]


def output_length_formula(length: int, window: int, stride: int, padding: str) -> tuple[str, int]:
    """The output-length formula with the numbers filled in, and its value from ``ops.conv_output_length``.

    Returns
    -------
    text : str
        ``"floor((9 - 3) / 2) + 1 = 4"`` for ``"valid"``, ``"ceil(9 / 2) = 5"`` for ``"same"``.
    value : int
    """
    value = ops.conv_output_length(length, window, stride, padding)
    if padding == "same":
        return f"ceil({length} / {stride}) = {value}", value
    return f"floor(({length} - {window}) / {stride}) + 1 = {value}", value


# ----------------------------------------------------------------------------------------- max pooling


def pool_table(
    table: np.ndarray, size: Pair = (2, 2), stride: Pair = (2, 2), padding: str = "same"
) -> np.ndarray:
    """:func:`convlens.engine.ops.max_pool2d` of one 2-D map; shape ``(H_out, W_out)``."""
    out = ops.max_pool2d(_as_nhwc(table), size=size, stride=stride, padding=padding)
    return np.asarray(out[0, :, :, 0], dtype=np.float64)


@dataclass(frozen=True)
class PoolStep:
    """One pooling window.

    Attributes
    ----------
    row, col : int
        Output position.
    top, left : int
        The window's top-left cell in the padded table.
    window : ndarray, shape (size)
        The cells under the window, ``-inf`` in the padding (it never wins).
    maximum : float
        ``ops.max_pool2d`` of the window.
    argmax : (int, int)
        The first cell of the window holding the maximum (row, column inside the window).
    """

    row: int
    col: int
    top: int
    left: int
    window: np.ndarray
    maximum: float
    argmax: Pair


def pool_step(
    table: np.ndarray, row: int, col: int, size: Pair = (2, 2), stride: Pair = (2, 2), padding: str = "same"
) -> PoolStep:
    """One position of the pooling window (see :class:`PoolStep`)."""
    table = np.asarray(table, dtype=np.float64)
    (pt, pb) = ops.pad_amounts(table.shape[0], size[0], stride[0], padding)
    (pl, pr) = ops.pad_amounts(table.shape[1], size[1], stride[1], padding)
    values = np.pad(table, ((pt, pb), (pl, pr)), constant_values=-np.inf)
    top, left = row * stride[0], col * stride[1]
    window = values[top : top + size[0], left : left + size[1]]
    if window.shape != size:
        raise ValueError(f"position ({row}, {col}) is outside the output")
    maximum = float(pool_table(window, size, size, "valid")[0, 0])
    r, c = (int(v) for v in np.argwhere(window == maximum)[0])
    return PoolStep(row, col, top, left, window.copy(), maximum, (r, c))


# ----------------------------------------------------------------------------------------- pixels, tensors


def pixel_values(image: np.ndarray, *, binary: bool, scale255: bool, threshold: float = 0.5) -> np.ndarray:
    """The numbers a picture is made of, as the lecture shows them.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Grayscale in ``[0, 1]``.
    binary : bool
        Black and white: 1 where ``image >= threshold``, else 0 (the lecture's first array).
    scale255 : bool
        Integers ``0..255`` (the lecture's grayscale array) instead of ``0..1``.

    Returns
    -------
    ndarray, shape (H, W)
        float64 in ``[0, 1]``, or integer-valued in ``0..255``.
    """
    a = np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0)
    if binary:
        a = (a >= threshold).astype(np.float64)
    if scale255:
        a = np.round(a * 255.0)
    return a


def tensor_examples(image28: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Tensors of order 0 to 4 cut from one 28x28 image (the lecture's order table, on the visitor's digit).

    Returns
    -------
    list of (order, array)
        0: one pixel (shape ``()``), 1: the middle row ``(28,)``, 2: the image ``(28, 28)``, 3: the image
        with its channel axis ``(28, 28, 1)``, 4: a batch of one ``(1, 28, 28, 1)``.
    """
    img = np.asarray(image28, dtype=np.float32).reshape(28, 28)
    return [
        (0, np.asarray(img[14, 14])),
        (1, img[14]),
        (2, img),
        (3, img[:, :, None]),
        (4, to_batch(img)),
    ]


def first_layer_filters(filters: Mapping[str, np.ndarray]) -> tuple[str, np.ndarray] | None:
    """The network's first-layer filters: the first conv tensor that reads the 1-channel image.

    Parameters
    ----------
    filters : mapping of name -> ndarray, shape (H_f, W_f, C_in, C_out)

    Returns
    -------
    (name, ndarray of shape (C_out, H_f, W_f)), or None if no filter tensor has ``C_in == 1``.
    """
    for name, w in filters.items():
        w = np.asarray(w)
        if w.ndim == 4 and w.shape[2] == 1:
            return name, np.moveaxis(w[:, :, 0, :], -1, 0).astype(np.float64)
    return None


def colour_example(size: int = 32) -> np.ndarray:
    """A small colour picture: three overlapping red, green and blue discs on black (additive mixing).

    Each channel shows exactly one disc, which makes the (H, W, C) / (C, H, W) split easy to see.

    Returns
    -------
    ndarray, shape (size, size, 3), uint8
    """
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    radius = 0.3 * size
    centres = ((0.38, 0.34), (0.38, 0.66), (0.66, 0.5))  # (row, column) fractions: red, green, blue
    img = np.zeros((size, size, 3), dtype=np.float64)
    for channel, (cy, cx) in enumerate(centres):
        dist = np.hypot(yy - cy * size, xx - cx * size)
        img[:, :, channel] = np.clip(radius + 0.5 - dist, 0.0, 1.0)  # one-pixel anti-aliased edge
    return np.round(img * 255.0).astype(np.uint8)


# ----------------------------------------------------------------------------------------- example digits


@dataclass(frozen=True)
class ExampleDigits:
    """Example digits for the "pixels are numbers" step.

    ``convlens.services.samples.first_training_digits`` makes them (MNIST's first training digits, or drawn
    stand-ins from the sample strokes when MNIST is not cached).

    Attributes
    ----------
    images : ndarray, shape (n, 28, 28), float32 in [0, 1]
    labels : ndarray, shape (n,), int64
    source : str
        ``"mnist"`` (the real first training digits) or ``"drawn"`` (the stand-ins).
    """

    images: np.ndarray
    labels: np.ndarray
    source: str

"""Window geometry: stride and padding arguments, output sizes, padding amounts and sliding-window views.

The lecture's conventions (shared by :mod:`convlens.engine.ops`, the fast kernels in
:mod:`convlens.engine.conv_kernels` and :mod:`convlens.engine.pooling`, the layers and the ONNX export):

* images are ``(N, H, W, C)``; a window (filter or pooling window) is ``(rows, columns)``;
* ``stride`` is a ``(rows, columns)`` pair (an int ``s`` means ``(s, s)``);
* ``padding="valid"``: no padding, ``out = floor((in - window) / stride) + 1``;
  ``padding="same"``: ``out = ceil(in / stride)``, the zeros split around the image with the odd one at the end
  (as TensorFlow and ONNX ``SAME_UPPER`` do).

Nothing here computes a convolution or a maximum: only shapes, pads and views.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import as_strided

Padding = Literal["valid", "same"]
Pair = tuple[int, int]
Pads = tuple[tuple[int, int], tuple[int, int]]
"""``((top, bottom), (left, right))`` zeros around an image."""

__all__ = [
    "Padding",
    "Pads",
    "Pair",
    "as_pair",
    "check_nhwc",
    "check_padding",
    "conv_output_length",
    "output_hw",
    "pad_amounts",
    "pad_nhwc",
    "pool_windows_tile",
    "spatial_pads",
    "window_view",
]


def as_pair(value: int | tuple[int, int] | list[int], what: str) -> Pair:
    """``value`` as a ``(rows, columns)`` pair of positive ints (an int ``s`` gives ``(s, s)``).

    Parameters
    ----------
    value : int or (int, int)
    what : str
        Name used in the error message (``"stride"``, ``"kernel"``, ...).

    Raises
    ------
    ValueError
        Not one or two positive integers.
    """
    if isinstance(value, (int, np.integer)):
        pair = (int(value), int(value))
    else:
        items = tuple(int(v) for v in value)
        if len(items) != 2:
            raise ValueError(f"{what} must be an int or a pair (rows, columns), got {value!r}")
        pair = (items[0], items[1])
    if pair[0] < 1 or pair[1] < 1:
        raise ValueError(f"{what} must be positive, got {value!r}")
    return pair


def check_padding(padding: str) -> Padding:
    """``padding`` itself when it is ``"valid"`` or ``"same"``; ValueError otherwise."""
    if padding not in ("valid", "same"):
        raise ValueError(f'padding must be "valid" or "same", got {padding!r}')
    return padding  # type: ignore[return-value]


def check_nhwc(x: np.ndarray, what: str = "x") -> None:
    """ValueError unless ``x`` is an order-4 tensor ``(N, H, W, C)``."""
    if x.ndim != 4:
        raise ValueError(f"{what} must be an order-4 tensor (N, H, W, C), got shape {x.shape}")


def conv_output_length(length: int, window: int, stride: int, padding: str) -> int:
    """Output length along one axis.

    Parameters
    ----------
    length : int
        Input length (H or W).
    window : int
        Filter (or pooling window) length along that axis.
    stride : int
        Step between two windows.
    padding : {"valid", "same"}
        ``"valid"``: ``floor((length - window) / stride) + 1``; ``"same"``: ``ceil(length / stride)``.

    Returns
    -------
    int
        Number of output positions (0 when a valid window does not fit).
    """
    padding = check_padding(padding)
    if padding == "same":
        return -(-length // stride)
    if length < window:
        return 0
    return (length - window) // stride + 1


def output_hw(input_hw: Pair, window: Pair, stride: Pair, padding: str) -> Pair:
    """``(H_out, W_out)`` of a window slid over an ``(H, W)`` image (see :func:`conv_output_length`)."""
    return (
        conv_output_length(input_hw[0], window[0], stride[0], padding),
        conv_output_length(input_hw[1], window[1], stride[1], padding),
    )


def pad_amounts(length: int, window: int, stride: int, padding: str) -> tuple[int, int]:
    """Zeros added before and after one axis (``"same"`` puts the odd one at the end, as TF/ONNX do).

    Returns
    -------
    (int, int)
        ``(before, after)``; ``(0, 0)`` for ``"valid"``.
    """
    padding = check_padding(padding)
    if padding == "valid":
        return 0, 0
    out = conv_output_length(length, window, stride, "same")
    total = max((out - 1) * stride + window - length, 0)
    return total // 2, total - total // 2


def spatial_pads(input_hw: Pair, window: Pair, stride: Pair, padding: str) -> Pads:
    """``((top, bottom), (left, right))``: :func:`pad_amounts` along the rows and along the columns."""
    return (
        pad_amounts(input_hw[0], window[0], stride[0], padding),
        pad_amounts(input_hw[1], window[1], stride[1], padding),
    )


def pad_nhwc(x: np.ndarray, pads: Pads, value: float = 0.0) -> np.ndarray:
    """``x`` ``(N, H, W, C)`` with ``value`` rows and columns around it (``x`` itself when ``pads`` are zero)."""
    if pads == ((0, 0), (0, 0)):
        return x
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=value)


def window_view(xp: np.ndarray, window: Pair, stride: Pair, out_hw: Pair) -> np.ndarray:
    """Read-only strided view ``(N, H_out, W_out, H_f, W_f, C)`` of every window of a padded NHWC tensor.

    No copy: window ``(i, j)`` starts at row ``i * stride[0]`` and column ``j * stride[1]`` of ``xp``.
    """
    n, _, _, c = xp.shape
    s_n, s_h, s_w, s_c = xp.strides
    shape = (n, out_hw[0], out_hw[1], window[0], window[1], c)
    strides = (s_n, s_h * stride[0], s_w * stride[1], s_h, s_w, s_c)
    return as_strided(xp, shape=shape, strides=strides, writeable=False)


def pool_windows_tile(input_hw: Pair, size: Pair, stride: Pair) -> bool:
    """True when the windows are non-overlapping and cover the map exactly (no padding, no leftover rows).

    The usual 2x2 / stride 2 pooling of an even-sized map; the fast pooling paths need it.
    """
    return size == stride and min(input_hw) > 0 and input_hw[0] % size[0] == 0 and input_hw[1] % size[1] == 0

"""The lecture's operations as pure NumPy functions: 1D/2D convolution, stride, padding, max pooling.

Conventions are the lecture's:

* images are order-4 tensors ``(N, H, W, C)`` (number of images, height, width, channels);
* filters are order-4 tensors ``(H_f, W_f, C_in, C_out)``;
* ``stride`` is a ``(row, column)`` pair;
* ``padding`` is ``"valid"`` (no padding, the window stays inside the image) or ``"same"`` (zeros around
  the image so that ``out = ceil(in / stride)``; with stride 1 the output has the input's size).

``conv2d`` is the sum of products of the window and the filter (a cross-correlation, as in the lecture's
worked "X" example; the lecture's tables additionally divide that sum by the 9 filter cells).

Everything here is vectorised: the sliding windows are strided *views* of the padded input (no copy),
multiplied with the filters by matrix products. The gradients (``conv2d_backward``, ``max_pool2d_backward``)
live here too, so that the maths of each concept stays in one file. Output sizes and padding amounts come from
:mod:`convlens.engine.geometry`; :func:`conv2d` and the input gradient run the faster kernels of
:mod:`convlens.engine.conv_kernels` (training also uses :mod:`convlens.engine.pooling`).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from convlens.engine.conv_kernels import conv2d_forward, conv2d_input_grad
from convlens.engine.geometry import (
    Padding,
    Pads,
    Pair,
    as_pair,
    check_nhwc,
    check_padding,
    conv_output_length,
    output_hw,
    pad_amounts,
    pad_nhwc,
    pool_windows_tile,
    spatial_pads,
    window_view,
)

__all__ = [
    "Padding",
    "conv1d",
    "conv2d",
    "conv2d_backward",
    "conv_output_length",
    "im2col",
    "max_pool2d",
    "max_pool2d_backward",
    "pad_amounts",
    "softmax",
]


def conv1d(f: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The lecture's discrete convolution ``(f * g)[n] = sum_{m=-M..M} f[n - m] g[m]``.

    Parameters
    ----------
    f : ndarray, shape (L,)
        The signal; it is zero outside its ``L`` samples.
    g : ndarray, shape (2M + 1,)
        The kernel, indexed ``m = -M .. M`` (its middle element is ``g[0]``).

    Returns
    -------
    ndarray, shape (L,)
        ``(f * g)[n]`` for ``n = 0 .. L-1``; equals ``numpy.convolve(f, g, mode="same")``.
    """
    f = np.asarray(f)
    g = np.asarray(g)
    if f.ndim != 1 or g.ndim != 1:
        raise ValueError(f"conv1d takes two 1-D arrays, got shapes {f.shape} and {g.shape}")
    if g.size % 2 != 1:
        raise ValueError(f"the kernel g is indexed -M..M so its length must be odd, got {g.size}")
    m = g.size // 2
    dtype = np.result_type(f, g, np.float32)
    padded = np.zeros(f.size + 2 * m, dtype=dtype)
    padded[m : m + f.size] = f
    # window n holds f[n+M], f[n+M-1], ... read forwards as f[n-M .. n+M]; flipping g pairs f[n-m] with g[m].
    return np.asarray(sliding_window_view(padded, g.size) @ g[::-1].astype(dtype))


def im2col(
    x: np.ndarray, window: Pair, stride: Pair, padding: str, pad_value: float = 0.0
) -> tuple[np.ndarray, Pair]:
    """Every sliding window of ``x`` as a strided view.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C)
    window : (int, int)
        ``(H_f, W_f)``.
    stride : (int, int)
    padding : {"valid", "same"}
    pad_value : float
        Value outside the image (0 for convolution, -inf for max pooling).

    Returns
    -------
    windows : ndarray, shape (N, H_out, W_out, H_f, W_f, C)
        A read-only view (no copy) unless padding had to be added.
    out_hw : (int, int)
        ``(H_out, W_out)``.
    """
    check_nhwc(x)
    _, h, w, _ = x.shape
    out_hw = output_hw((h, w), window, stride, padding)
    if out_hw[0] <= 0 or out_hw[1] <= 0:
        raise ValueError(
            f"a {window[0]}x{window[1]} window does not fit in a {h}x{w} image with padding={padding!r}"
        )
    xp = np.ascontiguousarray(pad_nhwc(x, spatial_pads((h, w), window, stride, padding), pad_value))
    return window_view(xp, window, stride, out_hw), out_hw


def conv2d(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: int | tuple[int, int] = (1, 1),
    padding: str = "valid",
) -> np.ndarray:
    """2D convolution layer maths: slide every filter over the image, sum of products at each position.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C_in)
        A batch of images.
    w : ndarray, shape (H_f, W_f, C_in, C_out)
        ``C_out`` filters of ``H_f x W_f`` cells over ``C_in`` channels.
    b : ndarray, shape (C_out,), optional
        One bias per filter.
    stride : int or (int, int)
        Step of the window down the rows and along the columns.
    padding : {"valid", "same"}

    Returns
    -------
    ndarray, shape (N, H_out, W_out, C_out)
        ``out[n, i, j, k] = sum_{a, b, c} x_pad[n, i*s_h + a, j*s_w + b, c] * w[a, b, c, k] (+ b[k])``.
    """
    check_nhwc(x)
    if w.ndim != 4:
        raise ValueError(f"filters must be (H_f, W_f, C_in, C_out), got shape {w.shape}")
    if x.shape[3] != w.shape[2]:
        raise ValueError(
            f"channels do not match: image has C={x.shape[3]} but filters expect C_in={w.shape[2]}"
        )
    out, _ = conv2d_forward(x, w, b, as_pair(stride, "stride"), check_padding(padding))  # im2col @ filters, chunked
    return out


def conv2d_backward(
    x: np.ndarray,
    w: np.ndarray,
    grad_out: np.ndarray,
    stride: int | tuple[int, int] = (1, 1),
    padding: str = "valid",
    need_input_grad: bool = True,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients of :func:`conv2d` with respect to its input, filters and biases.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C_in)
    w : ndarray, shape (H_f, W_f, C_in, C_out)
    grad_out : ndarray, shape (N, H_out, W_out, C_out)
    stride, padding
        As in the forward call.
    need_input_grad : bool
        Skip the input gradient (first layer of a network).

    Returns
    -------
    dx : ndarray, shape (N, H, W, C_in), or None
    dw : ndarray, shape (H_f, W_f, C_in, C_out)
    db : ndarray, shape (C_out,)
    """
    stride_pair = as_pair(stride, "stride")
    h_f, w_f, c_in, c_out = w.shape
    windows, (h_out, w_out) = im2col(x, (h_f, w_f), stride_pair, padding)
    n = x.shape[0]
    rows = n * h_out * w_out
    g2 = grad_out.reshape(rows, c_out)
    cols = windows.reshape(rows, h_f * w_f * c_in)
    dw = (cols.T @ g2).reshape(w.shape)
    db = g2.sum(axis=0)
    dx = (  # a transposed convolution (see conv_kernels.conv2d_input_grad)
        conv2d_input_grad(grad_out, w, (x.shape[1], x.shape[2]), stride_pair, padding)
        if need_input_grad
        else None
    )
    return dx, dw, db


def _pool_views(x: np.ndarray, size: Pair, stride: Pair, padding: str) -> tuple[np.ndarray, Pair, Pads]:
    """``x`` padded with -inf (padding never wins a maximum), the output size and the pads."""
    check_nhwc(x)
    _, h, w, _ = x.shape
    out_hw = output_hw((h, w), size, stride, padding)
    if out_hw[0] <= 0 or out_hw[1] <= 0:
        raise ValueError(
            f"a {size[0]}x{size[1]} pool does not fit in a {h}x{w} image with padding={padding!r}"
        )
    pads = spatial_pads((h, w), size, stride, padding)
    return pad_nhwc(x, pads, -np.inf), out_hw, pads


def _offset_view(xp: np.ndarray, a: int, b: int, stride: Pair, out_hw: Pair) -> np.ndarray:
    """Cell ``(a, b)`` of every window: ``(N, H_out, W_out, C)``, a strided view of the padded ``xp``."""
    return xp[
        :,
        a : a + (out_hw[0] - 1) * stride[0] + 1 : stride[0],
        b : b + (out_hw[1] - 1) * stride[1] + 1 : stride[1],
    ]


def max_pool2d(
    x: np.ndarray,
    size: int | tuple[int, int] = (2, 2),
    stride: int | tuple[int, int] = (2, 2),
    padding: str = "valid",
) -> np.ndarray:
    """Max pooling: the largest value of each window, channel by channel (it works on H and W only).

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C)
    size : int or (int, int)
        Window ``(rows, columns)``.
    stride : int or (int, int)
    padding : {"valid", "same"}
        ``"same"`` pads (with -inf, so padding never wins) so that ``out = ceil(in / stride)``.

    Returns
    -------
    ndarray, shape (N, H_out, W_out, C)
    """
    size_pair, stride_pair = as_pair(size, "size"), as_pair(stride, "stride")
    padding = check_padding(padding)
    blocks = _pool_blocks(x, size_pair, stride_pair)
    if blocks is not None:  # non-overlapping windows that tile the image: max over block views
        kh, kw = size_pair
        out = np.array(blocks[:, :, 0, :, 0], copy=True)
        for a in range(kh):
            for b in range(kw):
                if a or b:
                    np.maximum(out, blocks[:, :, a, :, b], out=out)
        return out
    xp, out_hw, _ = _pool_views(x, size_pair, stride_pair, padding)
    result: np.ndarray | None = None
    for a in range(size_pair[0]):  # one pass per window cell, each over a strided view of all windows
        for b in range(size_pair[1]):
            view = _offset_view(xp, a, b, stride_pair, out_hw)
            if result is None:
                result = view.copy()
            else:
                np.maximum(result, view, out=result)
    assert result is not None
    return result


def _pool_blocks(x: np.ndarray, size: Pair, stride: Pair) -> np.ndarray | None:
    """``x`` viewed as ``(N, H_out, k_h, W_out, k_w, C)`` blocks when the windows tile it exactly, else None."""
    check_nhwc(x)
    n, h, w, c = x.shape
    kh, kw = size
    if not pool_windows_tile((h, w), size, stride):
        return None  # overlapping windows, or padding / leftover rows would be needed
    return x.reshape(n, h // kh, kh, w // kw, kw, c)


def max_pool2d_backward(
    x: np.ndarray,
    out: np.ndarray,
    grad_out: np.ndarray,
    size: int | tuple[int, int] = (2, 2),
    stride: int | tuple[int, int] = (2, 2),
    padding: str = "valid",
) -> np.ndarray:
    """Gradient of :func:`max_pool2d`: each window's gradient goes to its maximum.

    Ties (equal maxima in one window, e.g. all-zero windows after a ReLU) get a valid subgradient: shared
    equally on the fast path (non-overlapping windows that tile the image), to the first maximum otherwise.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C)
        The forward input.
    out : ndarray, shape (N, H_out, W_out, C)
        The forward output.
    grad_out : ndarray, shape (N, H_out, W_out, C)

    Returns
    -------
    ndarray, shape (N, H, W, C)
    """
    size_pair, stride_pair = as_pair(size, "size"), as_pair(stride, "stride")
    blocks = _pool_blocks(x, size_pair, stride_pair)
    if blocks is not None:
        # Every cell equal to its window's maximum gets the window's gradient, shared equally between ties
        # (a valid subgradient; ties are measure-zero for real-valued inputs).
        hit = blocks == out[:, :, None, :, None, :]
        hits = hit.view(np.uint8)
        counts: np.ndarray = np.array(
            hits[:, :, 0, :, 0], dtype=np.uint8 if size_pair[0] * size_pair[1] < 256 else np.int32
        )
        for a in range(size_pair[0]):
            for b in range(size_pair[1]):
                if a or b:
                    np.add(counts, hits[:, :, a, :, b], out=counts)
        share = grad_out / counts
        return np.multiply(hit, share[:, :, None, :, None, :]).reshape(x.shape)
    xp, out_hw, pads = _pool_views(x, size_pair, stride_pair, padding)
    dxp = np.zeros(xp.shape, dtype=grad_out.dtype)
    unclaimed = np.ones(out.shape, dtype=bool)
    for a in range(size_pair[0]):
        for b in range(size_pair[1]):
            hit = _offset_view(xp, a, b, stride_pair, out_hw) == out
            hit &= unclaimed
            unclaimed &= ~hit
            dview = _offset_view(dxp, a, b, stride_pair, out_hw)
            dview += np.where(hit, grad_out, 0)
    (pt, _), (pl, _) = pads
    return dxp[:, pt : pt + x.shape[1], pl : pl + x.shape[2], :]


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax.

    Parameters
    ----------
    logits : ndarray, shape (N, K)

    Returns
    -------
    ndarray, shape (N, K)
        Non-negative, each row sums to 1.
    """
    z = logits - logits.max(axis=axis, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=axis, keepdims=True)
    return z

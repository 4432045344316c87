"""The lecture's operations as pure NumPy functions: 1D/2D convolution, stride, padding, max pooling.

Conventions are the seed lecture's:

* images are order-4 tensors ``(N, H, W, C)`` (number of images, height, width, channels);
* filters are order-4 tensors ``(H_f, W_f, C_in, C_out)``;
* ``stride`` is a ``(row, column)`` pair;
* ``padding`` is ``"valid"`` (no padding, the window stays inside the image) or ``"same"`` (zeros around
  the image so that ``out = ceil(in / stride)``; with stride 1 the output has the input's size).

``conv2d`` is the sum of products of the window and the filter (a cross-correlation, as in the seed's
worked "X" example; the seed's tables additionally divide that sum by the 9 filter cells).

Everything here is vectorised: the sliding windows are strided *views* of the padded input (no copy),
multiplied with the filters by one matrix product. The gradient helpers used by the layers live here too,
so that the maths of each concept stays in one file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view
from numpy.typing import DTypeLike

from engine.workspace import Workspace

Padding = Literal["valid", "same"]
Pair = tuple[int, int]

__all__ = [
    "Im2col",
    "Padding",
    "column_sums",
    "conv1d",
    "conv2d",
    "conv2d_backward",
    "conv2d_forward",
    "conv2d_input_grad",
    "conv_output_length",
    "im2col",
    "max_pool2d",
    "matmul_long_inner",
    "matmul_tall",
    "max_pool2d_backward",
    "pad_amounts",
    "softmax",
]


def _pair(value: int | tuple[int, int] | list[int], what: str) -> Pair:
    """Return ``value`` as a ``(row, column)`` pair of positive ints."""
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


def _check_padding(padding: str) -> Padding:
    if padding not in ("valid", "same"):
        raise ValueError(f'padding must be "valid" or "same", got {padding!r}')
    return padding  # type: ignore[return-value]


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
    padding = _check_padding(padding)
    if padding == "same":
        return -(-length // stride)
    if length < window:
        return 0
    return (length - window) // stride + 1


def pad_amounts(length: int, window: int, stride: int, padding: str) -> tuple[int, int]:
    """Zeros added before and after one axis (``"same"`` puts the odd one at the end, as TF/ONNX do).

    Returns
    -------
    (int, int)
        ``(before, after)``; ``(0, 0)`` for ``"valid"``.
    """
    padding = _check_padding(padding)
    if padding == "valid":
        return 0, 0
    out = conv_output_length(length, window, stride, "same")
    total = max((out - 1) * stride + window - length, 0)
    return total // 2, total - total // 2


def _pad_nhwc(x: np.ndarray, pads: tuple[tuple[int, int], tuple[int, int]], value: float) -> np.ndarray:
    if pads == ((0, 0), (0, 0)):
        return x
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=value)


def _windows(xp: np.ndarray, window: Pair, stride: Pair, out_hw: Pair) -> np.ndarray:
    """Strided view ``(N, H_out, W_out, H_f, W_f, C)`` of every window of a padded NHWC tensor."""
    n, _, _, c = xp.shape
    s_n, s_h, s_w, s_c = xp.strides
    shape = (n, out_hw[0], out_hw[1], window[0], window[1], c)
    strides = (s_n, s_h * stride[0], s_w * stride[1], s_h, s_w, s_c)
    return as_strided(xp, shape=shape, strides=strides, writeable=False)


def _check_nhwc(x: np.ndarray, what: str = "x") -> None:
    if x.ndim != 4:
        raise ValueError(f"{what} must be an order-4 tensor (N, H, W, C), got shape {x.shape}")


def conv1d(f: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The seed's discrete convolution ``(f * g)[n] = sum_{m=-M..M} f[n - m] g[m]``.

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
    _check_nhwc(x)
    _, h, w, _ = x.shape
    out_hw = (
        conv_output_length(h, window[0], stride[0], padding),
        conv_output_length(w, window[1], stride[1], padding),
    )
    if out_hw[0] <= 0 or out_hw[1] <= 0:
        raise ValueError(
            f"a {window[0]}x{window[1]} window does not fit in a {h}x{w} image with padding={padding!r}"
        )
    pads = (pad_amounts(h, window[0], stride[0], padding), pad_amounts(w, window[1], stride[1], padding))
    xp = np.ascontiguousarray(_pad_nhwc(x, pads, pad_value))
    return _windows(xp, window, stride, out_hw), out_hw


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
    _check_nhwc(x)
    if w.ndim != 4:
        raise ValueError(f"filters must be (H_f, W_f, C_in, C_out), got shape {w.shape}")
    if x.shape[3] != w.shape[2]:
        raise ValueError(
            f"channels do not match: image has C={x.shape[3]} but filters expect C_in={w.shape[2]}"
        )
    out, _ = conv2d_forward(x, w, b, _pair(stride, "stride"), _check_padding(padding))
    return out


# Work on this many bytes of im2col rows at a time, so that each chunk is still in cache when the matrix
# product reads it (measured ~30% faster than one big im2col for MNIST-sized batches).
CHUNK_BYTES = 1 << 21


def _images_per_chunk(n: int, rows_per_image: int, row_bytes: int) -> int:
    return max(1, min(n, CHUNK_BYTES // max(rows_per_image * row_bytes, 1)))


def _buffer(
    workspace: Workspace | None, key: str, shape: tuple[int, ...], dtype: DTypeLike, fill: float | None = None
) -> np.ndarray:
    """A scratch array: reused from ``workspace`` when there is one (training), fresh otherwise.

    ``fill`` is written when the array is new (a reused one keeps what it held).
    """
    if workspace is not None:
        return workspace.get(key, shape, dtype, fill=fill)
    return np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)


def column_sums(m: np.ndarray, out: np.ndarray, workspace: Workspace | None = None) -> np.ndarray:
    """``m.sum(axis=0)`` for a tall matrix ``(R, C)`` as a matrix-vector product (20x faster for small C).

    Parameters
    ----------
    m : ndarray, shape (R, C)
    out : ndarray, shape (C,)
    workspace : Workspace, optional
        Keeps the vector of ones between calls.

    Returns
    -------
    ndarray, shape (C,)
        ``out``.
    """
    ones = _buffer(workspace, "ones", (m.shape[0],), m.dtype, fill=1.0)
    return np.matmul(ones, m, out=out)


def _zero_padded(
    x: np.ndarray, pads: tuple[tuple[int, int], tuple[int, int]], dtype: DTypeLike,
    workspace: Workspace | None, key: str,
) -> np.ndarray:
    """``x`` (N, H, W, C) with zero rows/columns around it, written into a (reusable) buffer."""
    if pads == ((0, 0), (0, 0)) and x.dtype == dtype:
        return x
    (pt, pb), (pl, pr) = pads
    n, h, w, c = x.shape
    # The border is zeroed when the buffer is allocated and never written afterwards.
    xp = _buffer(workspace, key, (n, h + pt + pb, w + pl + pr, c), dtype, fill=0.0)
    xp[:, pt : pt + h, pl : pl + w, :] = x
    return xp


def conv2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None,
    stride: Pair,
    padding: str,
    relu: bool = False,
    keep_cols: bool = False,
    workspace: Workspace | None = None,
    phases: Pair | None = None,
) -> tuple[np.ndarray, Im2col | None]:
    """The kernel behind :func:`conv2d`: im2col and matrix product, chunk by chunk, optional fused ReLU.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C_in)
    w : ndarray, shape (H_f, W_f, C_in, C_out)
    b : ndarray, shape (C_out,), or None
    stride : (int, int)
    padding : {"valid", "same"}
    relu : bool
        Apply ``max(0, .)`` to the output in the same pass.
    keep_cols : bool
        Also return the im2col rows (training needs them for the filter gradient).
    workspace : Workspace, optional
        Reuse its buffers for the padded input, the im2col matrix and the output (training); the results are
        then valid until the next call with the same workspace.
    phases : (int, int), optional
        Lay the output out *phase-major* for a following ``(k_h, k_w)`` max pooling whose windows tile it:
        shape ``(k_h, k_w, N, H_out / k_h, W_out / k_w, C_out)``, see :mod:`engine.pooling`. (The im2col rows
        are ordered the same way; only the order of the rows changes, not the arithmetic.)

    Returns
    -------
    out : ndarray, shape (N, H_out, W_out, C_out), or phase-major
    cols : Im2col or None
        The im2col matrix ``(N * H_out * W_out, H_f * W_f * C_in)``; row ``r`` holds the window of output
        position ``r`` (in the order of ``out``).
    """
    h_f, w_f, c_in, c_out = w.shape
    _check_nhwc(x)
    n, h, w_in, _ = x.shape
    h_out = conv_output_length(h, h_f, stride[0], padding)
    w_out = conv_output_length(w_in, w_f, stride[1], padding)
    if h_out <= 0 or w_out <= 0:
        raise ValueError(f"a {h_f}x{w_f} window does not fit in a {h}x{w_in} image with padding={padding!r}")
    dtype = np.result_type(x.dtype, np.float32)
    pads = (pad_amounts(h, h_f, stride[0], padding), pad_amounts(w_in, w_f, stride[1], padding))
    xp = _zero_padded(x, pads, dtype, workspace, "conv_input_padded")
    windows = _windows(xp, (h_f, w_f), stride, (h_out, w_out))
    out_shape: tuple[int, ...]
    if phases is None:
        blocks, out_shape = [windows], (n, h_out, w_out, c_out)
    else:
        kh, kw = phases
        if h_out % kh or w_out % kw:
            raise ValueError(f"phases {phases} do not tile a {h_out}x{w_out} output")
        by_phase = _phase_windows(windows, phases)
        blocks = [by_phase[p, q] for p in range(kh) for q in range(kw)]
        out_shape = (kh, kw, n, h_out // kh, w_out // kw, c_out)
    per_image = blocks[0].shape[1] * blocks[0].shape[2]  # output rows of one image in one block
    k = h_f * w_f * c_in
    rows_total = n * h_out * w_out
    w_mat = w.reshape(k, c_out).astype(dtype, copy=False)
    out = _buffer(workspace, "conv_output", (rows_total, c_out), dtype)
    if keep_cols and c_in == 1:
        # One input channel (the first layer): build the transposed matrix (K + 1, rows) from K shifted copies of
        # the image — long contiguous runs instead of K-float gathers — plus a row of ones, so that one matrix
        # product adds the bias (and, backward, one product gives the bias gradient with the filters').
        cols_t = _buffer(workspace, "conv_cols_t", (k + 1, rows_total), dtype, fill=1.0)
        cell_views = windows if phases is None else by_phase
        for a in range(h_f):
            for b_ in range(w_f):
                cell = cell_views[..., a, b_, 0]  # (N, H_out, W_out) or (k_h, k_w, N, H_o, W_o)
                cols_t[a * w_f + b_].reshape(cell.shape)[...] = cell
        w_bias = np.empty((k + 1, c_out), dtype)
        w_bias[:k] = w_mat
        w_bias[k] = 0 if b is None else b
        matmul_tall(cols_t.T, w_bias, out)
        _bias_relu(out, None, relu, per_image)
        return out.reshape(out_shape), Im2col(blocks, per_image, k, n, matrix=cols_t.T)
    im2col_rows = Im2col(blocks, per_image, k, _images_per_chunk(n, per_image, k * out.itemsize))
    for view, rows in im2col_rows.chunks():
        chunk = im2col_rows.gather(view, workspace)
        matmul_tall(chunk, w_mat, out[rows])
        _bias_relu(out[rows], b, relu, per_image)
    return out.reshape(out_shape), im2col_rows if keep_cols else None


class Im2col:
    """The im2col matrix of a forward pass, gathered chunk by chunk from the windows whenever it is needed.

    Rows are output positions (in the order of the forward output), columns the ``K = H_f * W_f * C_in``
    values of their windows. Never storing the whole matrix (it is ``H_f * W_f`` times the input) keeps each
    chunk in cache between its gathering and its matrix product, forward and backward.

    Parameters
    ----------
    blocks : list of ndarray, each shape (N, H_b, W_b, H_f, W_f, C_in)
        Window views; block ``i`` holds rows ``i * N * H_b * W_b`` onwards.
    per_image : int
        ``H_b * W_b``.
    k : int
    images_per_chunk : int
    matrix : ndarray, shape (rows, K + 1), optional
        The whole matrix, with a last column of ones, when it was built anyway (then used as is).
    """

    def __init__(
        self, blocks: list[np.ndarray], per_image: int, k: int, images_per_chunk: int,
        matrix: np.ndarray | None = None,
    ) -> None:
        self.blocks, self.per_image, self.k, self.step = blocks, per_image, k, images_per_chunk
        self.matrix = matrix

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.blocks) * self.blocks[0].shape[0] * self.per_image, self.k)

    def chunks(self) -> Iterator[tuple[np.ndarray, slice]]:
        """``(window view, row slice)`` for every chunk, in row order."""
        n = self.blocks[0].shape[0]
        for index, block in enumerate(self.blocks):
            first_row = index * n * self.per_image
            for i in range(0, n, self.step):
                stop = min(i + self.step, n)
                yield block[i:stop], slice(first_row + i * self.per_image, first_row + stop * self.per_image)

    def gather(self, view: np.ndarray, workspace: Workspace | None) -> np.ndarray:
        """The rows ``(m, K)`` of one chunk, copied into a reusable buffer."""
        rows = view.shape[0] * self.per_image
        buffer = _buffer(workspace, "conv_cols_chunk", (self.step * self.per_image, self.k), view.dtype)[:rows]
        np.copyto(buffer.reshape(view.shape), view)
        return buffer

    def filter_grad(
        self, grad_rows: np.ndarray, out: np.ndarray, bias_out: np.ndarray, workspace: Workspace | None = None
    ) -> None:
        """Filter and bias gradients from the output gradient.

        Parameters
        ----------
        grad_rows : ndarray, shape (rows, C_out)
            dL/d(output), rows in the order of the forward output.
        out : ndarray, shape (K, C_out)
            Receives ``cols.T @ grad_rows``.
        bias_out : ndarray, shape (C_out,)
            Receives the column sums of ``grad_rows``.
        workspace : Workspace, optional
        """
        if self.matrix is not None:
            both = _buffer(workspace, "conv_filter_bias_grad", (self.k + 1, out.shape[1]), out.dtype)
            matmul_long_inner(self.matrix.T, grad_rows, both, workspace)
            out[...] = both[: self.k]
            bias_out[...] = both[self.k]
            return
        column_sums(grad_rows, bias_out, workspace)
        part = _buffer(workspace, "conv_filter_grad_part", out.shape, out.dtype)
        for i, (view, rows) in enumerate(self.chunks()):
            chunk = self.gather(view, workspace)
            matmul_long_inner(chunk.T, grad_rows[rows], out if i == 0 else part, workspace)
            if i:
                out += part


def _phase_windows(windows: np.ndarray, phases: Pair) -> np.ndarray:
    """``(N, H_out, W_out, ...)`` windows viewed as ``(k_h, k_w, N, H_out / k_h, W_out / k_w, ...)``."""
    kh, kw = phases
    n, h_out, w_out = windows.shape[:3]
    s_n, s_h, s_w = windows.strides[:3]
    return as_strided(
        windows,
        shape=(kh, kw, n, h_out // kh, w_out // kw, *windows.shape[3:]),
        strides=(s_h, s_w, s_n, s_h * kh, s_w * kw, *windows.strides[3:]),
        writeable=False,
    )


#: Products of about this many multiply-adds (M * K * N) run fastest: OpenBLAS handles them without packing the
#: operands. The convolutions' tall, thin products are therefore cut into blocks of this size and run as one
#: batched ``matmul`` (measured 20-50% faster for every product of a training step of the default network).
SMALL_PRODUCT = 1 << 19


def _block_length(length: int, other: int) -> int:
    return max(32, min(length, SMALL_PRODUCT // max(other, 1)))


def matmul_tall(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = a @ b`` for a tall ``a`` (M, K) and a small ``b`` (K, N), computed in blocks of rows.

    ``out`` (M, N) must be C-contiguous.
    """
    m, k = a.shape
    n = b.shape[1]
    rows = _block_length(m, k * n)
    blocks = m // rows
    if blocks < 2:
        return np.matmul(a, b, out=out)
    head = blocks * rows
    np.matmul(a[:head].reshape(blocks, rows, k), b, out=out[:head].reshape(blocks, rows, n))
    if head < m:
        np.matmul(a[head:], b, out=out[head:])
    return out


def matmul_long_inner(a: np.ndarray, b: np.ndarray, out: np.ndarray, workspace: Workspace | None = None) -> None:
    """``out = a @ b`` for a small result over a long inner dimension: ``a`` (M, R), ``b`` (R, N).

    A batch of products over blocks of the inner dimension, then their sum (the first layer's filter gradient,
    (26 x 50176) @ (50176 x 16), ran twice as fast).
    """
    m, r = a.shape
    n = b.shape[1]
    length = _block_length(r, m * n)
    blocks = r // length
    if blocks < 2:
        np.matmul(a, b, out=out)
        return
    head = blocks * length
    parts = _buffer(workspace, "inner_product_parts", (blocks, m, n), out.dtype)
    np.matmul(a[:, :head].reshape(m, blocks, length).transpose(1, 0, 2), b[:head].reshape(blocks, length, n),
              out=parts)
    np.sum(parts, axis=0, out=out)
    if head < r:
        out += a[:, head:] @ b[head:]


def _bias_relu(out: np.ndarray, b: np.ndarray | None, relu: bool, per_image: int) -> None:
    """Add the bias and rectify, in place, on ``out`` (rows, C_out) made of whole images of ``per_image`` rows."""
    if b is not None:
        # One row per image, the bias repeated along it: long runs instead of C_out-wide broadcasts.
        images = out.reshape(-1, per_image * out.shape[1])
        images += np.tile(b.astype(out.dtype, copy=False), per_image)
    if relu:
        np.maximum(out, 0, out=out)


def col2im_add(
    dcols: np.ndarray, input_shape: tuple[int, int, int, int], window: Pair, stride: Pair, padding: str
) -> np.ndarray:
    """Scatter-add window gradients back onto the image (the adjoint of :func:`im2col`).

    Parameters
    ----------
    dcols : ndarray, shape (N, H_out, W_out, H_f, W_f, C)
    input_shape : (N, H, W, C)
    window, stride : (int, int)
    padding : {"valid", "same"}

    Returns
    -------
    ndarray, shape (N, H, W, C)
    """
    n, h, w, c = input_shape
    (pt, pb), (pl, pr) = (
        pad_amounts(h, window[0], stride[0], padding),
        pad_amounts(w, window[1], stride[1], padding),
    )
    _, h_out, w_out = dcols.shape[:3]
    dxp = np.zeros((n, h + pt + pb, w + pl + pr, c), dtype=dcols.dtype)
    sh, sw = stride
    for a in range(window[0]):  # loops over the filter's cells only, never over pixels or images
        rows = slice(a, a + (h_out - 1) * sh + 1, sh)
        for b_ in range(window[1]):
            dxp[:, rows, b_ : b_ + (w_out - 1) * sw + 1 : sw, :] += dcols[:, :, :, a, b_, :]
    return dxp[:, pt : pt + h, pl : pl + w, :]


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
    stride_pair = _pair(stride, "stride")
    h_f, w_f, c_in, c_out = w.shape
    windows, (h_out, w_out) = im2col(x, (h_f, w_f), stride_pair, padding)
    n = x.shape[0]
    rows = n * h_out * w_out
    g2 = grad_out.reshape(rows, c_out)
    cols = windows.reshape(rows, h_f * w_f * c_in)
    dw = (cols.T @ g2).reshape(w.shape)
    db = g2.sum(axis=0)
    dx = (
        conv2d_input_grad(grad_out, w, (x.shape[1], x.shape[2]), stride_pair, padding)
        if need_input_grad
        else None
    )
    return dx, dw, db


def conv2d_input_grad(
    grad_out: np.ndarray,
    w: np.ndarray,
    input_hw: Pair,
    stride: Pair,
    padding: str,
    workspace: Workspace | None = None,
    phases: Pair | None = None,
) -> np.ndarray:
    """dL/dx of :func:`conv2d` given dL/d(output).

    With stride 1 this is itself a convolution, of the zero-padded gradient with the flipped, transposed
    filters (a "transposed convolution"). It is computed on the flattened padded grid, where moving the window
    down ``a`` rows and right ``b`` columns is a shift of ``a * W_pad + b`` rows: one im2col over the ``W_f``
    column shifts (``W_f`` copies instead of ``H_f * W_f``), then ``H_f`` matrix products on row-shifted views of
    it, summed. The grid's extra border positions are computed and dropped. Other strides scatter the window
    gradients back with :func:`col2im_add`.

    Parameters
    ----------
    grad_out : ndarray, shape (N, H_out, W_out, C_out)
    w : ndarray, shape (H_f, W_f, C_in, C_out)
    input_hw : (int, int)
        ``(H, W)`` of the forward input.
    stride : (int, int)
    padding : {"valid", "same"}
    workspace : Workspace, optional
        Reuse its buffers (training); the result is then a view valid until the next call.
    phases : (int, int), optional
        ``grad_out`` is phase-major, ``(k_h, k_w, N, H_out / k_h, W_out / k_w, C_out)`` (as
        ``conv2d_forward(..., phases=...)`` laid out the output).

    Returns
    -------
    ndarray, shape (N, H, W, C_in)
    """
    h_f, w_f, c_in, c_out = w.shape
    if phases is not None:
        if stride != (1, 1):
            grad_out = _phase_major_to_nhwc(grad_out)
        else:
            kh, kw, n, ho, wo, _ = grad_out.shape
            return _input_grad_stride1(grad_out, w, input_hw, padding, workspace, (n, ho * kh, wo * kw), phases)
    n, h_out, w_out, _ = grad_out.shape
    h, w_in = input_hw
    dtype = grad_out.dtype
    if stride != (1, 1):
        dcols = (grad_out.reshape(-1, c_out) @ w.reshape(-1, c_out).T.astype(dtype, copy=False)).reshape(
            n, h_out, w_out, h_f, w_f, c_in
        )
        return col2im_add(dcols, (n, h, w_in, c_in), (h_f, w_f), stride, padding)
    return _input_grad_stride1(grad_out, w, input_hw, padding, workspace, (n, h_out, w_out), None)


def _phase_major_to_nhwc(a: np.ndarray) -> np.ndarray:
    """``(k_h, k_w, N, H_o, W_o, C)`` -> ``(N, H_o * k_h, W_o * k_w, C)`` (a copy)."""
    kh, kw, n, ho, wo, c = a.shape
    return np.ascontiguousarray(a.transpose(2, 3, 0, 4, 1, 5)).reshape(n, ho * kh, wo * kw, c)


def _input_grad_stride1(
    grad_out: np.ndarray,
    w: np.ndarray,
    input_hw: Pair,
    padding: str,
    workspace: Workspace | None,
    out_nhw: tuple[int, int, int],
    phases: Pair | None,
) -> np.ndarray:
    """:func:`conv2d_input_grad` for stride 1 (see there); ``grad_out`` NHWC or phase-major."""
    h_f, w_f, c_in, c_out = w.shape
    n, h_out, w_out = out_nhw
    h, w_in = input_hw
    dtype = grad_out.dtype
    (pt, _), (pl, _) = pad_amounts(h, h_f, 1, padding), pad_amounts(w_in, w_f, 1, padding)
    h_pad, w_pad = h + h_f - 1, w_in + w_f - 1  # the gradient padded by (H_f - 1 - pad) on each side
    rows = n * h_pad * w_pad
    shifted_rows = rows + (h_f - 1) * w_pad
    # Flattened padded gradient, with zero rows after the last image for the shifts of its last positions.
    grid = _buffer(workspace, "dx_grid_in", (shifted_rows + w_f - 1, c_out), dtype, fill=0.0)
    top, left = h_f - 1 - pt, w_f - 1 - pl
    interior = grid[:rows].reshape(n, h_pad, w_pad, c_out)[:, top : top + h_out, left : left + w_out]
    if phases is None:
        interior[...] = grad_out
    else:  # write the phase-major gradient through a (N, H_o, k_h, W_o, k_w, C) view of the interior
        kh, kw = phases
        s_n, s_h, s_w, s_c = interior.strides
        split = as_strided(
            interior, shape=(n, h_out // kh, kh, w_out // kw, kw, c_out),
            strides=(s_n, s_h * kh, s_h, s_w * kw, s_w, s_c),
        )
        split[...] = grad_out.transpose(2, 3, 0, 4, 1, 5)
    # flipped[a] pairs window cell (a, b) of the padded gradient with filter cell (H_f-1-a, W_f-1-b), (b, C_out)
    flipped = np.ascontiguousarray(w[::-1, ::-1].transpose(0, 1, 3, 2), dtype=dtype).reshape(h_f, -1, c_in)
    dx = _buffer(workspace, "dx_grid_out", (rows, c_in), dtype)
    # Output rows chunk by chunk, so that the chunk's column shifts are still in cache for the H_f products.
    width = w_f * c_out
    chunk = max(w_pad, min(rows, CHUNK_BYTES // (width * dtype.itemsize)))
    chunk = -(-rows // -(-rows // chunk))  # the same number of chunks, of (nearly) equal sizes
    halo = (h_f - 1) * w_pad
    wide = _buffer(workspace, "dx_column_shifts", (chunk + halo, width), dtype)
    term = _buffer(workspace, "dx_grid_term", (chunk, c_in), dtype)
    for start in range(0, rows, chunk):
        m = min(chunk, rows - start)
        # row r of `wide` is grid rows start+r .. start+r+W_f-1 side by side: every column shift of the window
        np.copyto(wide[: m + halo], as_strided(grid[start:], shape=(m + halo, width), strides=grid.strides))
        matmul_tall(wide[:m], flipped[0], dx[start : start + m])
        for a in range(1, h_f):
            matmul_tall(wide[a * w_pad : a * w_pad + m], flipped[a], term[:m])
            dx[start : start + m] += term[:m]
    valid = dx.reshape(n, h_pad, w_pad, c_in)[:, :h, :w_in]
    return valid if workspace is not None else np.ascontiguousarray(valid)


def _pool_views(
    x: np.ndarray, size: Pair, stride: Pair, padding: str
) -> tuple[np.ndarray, Pair, tuple[tuple[int, int], tuple[int, int]]]:
    _check_nhwc(x)
    _, h, w, _ = x.shape
    out_hw = (
        conv_output_length(h, size[0], stride[0], padding),
        conv_output_length(w, size[1], stride[1], padding),
    )
    if out_hw[0] <= 0 or out_hw[1] <= 0:
        raise ValueError(
            f"a {size[0]}x{size[1]} pool does not fit in a {h}x{w} image with padding={padding!r}"
        )
    pads = (pad_amounts(h, size[0], stride[0], padding), pad_amounts(w, size[1], stride[1], padding))
    return _pad_nhwc(x, pads, -np.inf), out_hw, pads


def _offset_view(xp: np.ndarray, a: int, b: int, stride: Pair, out_hw: Pair) -> np.ndarray:
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
    size_pair, stride_pair = _pair(size, "size"), _pair(stride, "stride")
    padding = _check_padding(padding)
    blocks = _pool_blocks(x, size_pair, stride_pair, padding)
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


def _pool_blocks(x: np.ndarray, size: Pair, stride: Pair, padding: str) -> np.ndarray | None:
    """``x`` viewed as ``(N, H_out, k_h, W_out, k_w, C)`` blocks when the windows tile it exactly, else None."""
    _check_nhwc(x)
    n, h, w, c = x.shape
    kh, kw = size
    if size != stride or h % kh or w % kw or h == 0 or w == 0:
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
    size_pair, stride_pair = _pair(size, "size"), _pair(stride, "stride")
    blocks = _pool_blocks(x, size_pair, stride_pair, padding)
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

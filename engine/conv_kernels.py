"""Convolution kernels for training and inference: im2col in cache-sized chunks, blocked matrix products, the
transposed convolution of the input gradient, and the phase-major output a following max-pool wants.

:mod:`convlens.engine.ops` states the lecture's operations (and calls these kernels); this module makes the
convolutions fast. Shapes, pads and window views come from :mod:`convlens.engine.geometry`. Functions take an
optional :class:`~convlens.engine.workspace.Workspace`: training passes the layer's, so that large intermediates
are allocated once and reused every step; inference passes none and gets fresh arrays.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import DTypeLike

from convlens.engine.block_sizes import block_sizes
from convlens.engine.geometry import Pads, Pair, check_nhwc, output_hw, pad_amounts, spatial_pads, window_view
from convlens.engine.workspace import Workspace, scratch

__all__ = [
    "CHUNK_BYTES",
    "SMALL_PRODUCT",
    "Im2col",
    "col2im_add",
    "column_sums",
    "conv2d_forward",
    "conv2d_input_grad",
    "matmul_long_inner",
    "matmul_tall",
]


#: Work on this many bytes of im2col rows at a time, so that each chunk is still in cache when the matrix
#: product reads it: 4 x the L2 the machine reports, clamped (2 MiB for a 512 KiB L2, or the variable
#: ``CONVLENS_CHUNK_BYTES``); see :mod:`convlens.engine.block_sizes` for the rule and its measurements.
CHUNK_BYTES = block_sizes().chunk_bytes


def _images_per_chunk(n: int, rows_per_image: int, row_bytes: int) -> int:
    return max(1, min(n, CHUNK_BYTES // max(rows_per_image * row_bytes, 1)))


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
    ones = scratch(workspace, "ones", (m.shape[0],), m.dtype, fill=1.0)
    return np.matmul(ones, m, out=out)


def _zero_padded(
    x: np.ndarray, pads: Pads, dtype: DTypeLike,
    workspace: Workspace | None, key: str,
) -> np.ndarray:
    """``x`` (N, H, W, C) with zero rows/columns around it, written into a (reusable) buffer."""
    if pads == ((0, 0), (0, 0)) and x.dtype == dtype:
        return x
    (pt, pb), (pl, pr) = pads
    n, h, w, c = x.shape
    # The border is zeroed when the buffer is allocated and never written afterwards.
    xp = scratch(workspace, key, (n, h + pt + pb, w + pl + pr, c), dtype, fill=0.0)
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
    """The kernel behind :func:`convlens.engine.ops.conv2d`: im2col and matrix product, chunk by chunk, with an
    optional fused ReLU.

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
        shape ``(k_h, k_w, N, H_out / k_h, W_out / k_w, C_out)``, see :mod:`convlens.engine.pooling`. (The im2col
        rows are ordered the same way; only the order of the rows changes, not the arithmetic.)

    Returns
    -------
    out : ndarray, shape (N, H_out, W_out, C_out), or phase-major
    cols : Im2col or None
        The im2col matrix ``(N * H_out * W_out, H_f * W_f * C_in)``; row ``r`` holds the window of output
        position ``r`` (in the order of ``out``).
    """
    h_f, w_f, c_in, c_out = w.shape
    check_nhwc(x)
    n, h, w_in, _ = x.shape
    h_out, w_out = output_hw((h, w_in), (h_f, w_f), stride, padding)
    if h_out <= 0 or w_out <= 0:
        raise ValueError(f"a {h_f}x{w_f} window does not fit in a {h}x{w_in} image with padding={padding!r}")
    dtype = np.result_type(x.dtype, np.float32)
    pads = spatial_pads((h, w_in), (h_f, w_f), stride, padding)
    xp = _zero_padded(x, pads, dtype, workspace, "conv_input_padded")
    windows = window_view(xp, (h_f, w_f), stride, (h_out, w_out))
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
    out = scratch(workspace, "conv_output", (rows_total, c_out), dtype)
    if keep_cols and c_in == 1:
        # One input channel (the first layer): build the transposed matrix (K + 1, rows) from K shifted copies of
        # the image — long contiguous runs instead of K-float gathers — plus a row of ones, so that one matrix
        # product adds the bias (and, backward, one product gives the bias gradient with the filters').
        cols_t = scratch(workspace, "conv_cols_t", (k + 1, rows_total), dtype, fill=1.0)
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
        buffer = scratch(workspace, "conv_cols_chunk", (self.step * self.per_image, self.k), view.dtype)[:rows]
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
            both = scratch(workspace, "conv_filter_bias_grad", (self.k + 1, out.shape[1]), out.dtype)
            matmul_long_inner(self.matrix.T, grad_rows, both, workspace)
            out[...] = both[: self.k]
            bias_out[...] = both[self.k]
            return
        column_sums(grad_rows, bias_out, workspace)
        part = scratch(workspace, "conv_filter_grad_part", out.shape, out.dtype)
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


#: The convolutions' tall, thin products are cut into blocks of about this many multiply-adds (M * K * N) and run
#: as one batched ``matmul``: 4 x :data:`CHUNK_BYTES` (8 Mi for a 512 KiB L2, or ``CONVLENS_SMALL_PRODUCT``), so
#: that a block of a product at least 16 columns wide is at most one chunk; see :mod:`convlens.engine.block_sizes`
#: for the rule and its measurements (smaller blocks, e.g. the ``1 << 19`` tuned before, were 1-7% slower here).
SMALL_PRODUCT = block_sizes().small_product


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
    parts = scratch(workspace, "inner_product_parts", (blocks, m, n), out.dtype)
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


def conv2d_input_grad(
    grad_out: np.ndarray,
    w: np.ndarray,
    input_hw: Pair,
    stride: Pair,
    padding: str,
    workspace: Workspace | None = None,
    phases: Pair | None = None,
) -> np.ndarray:
    """dL/dx of :func:`convlens.engine.ops.conv2d` given dL/d(output).

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


def col2im_add(
    dcols: np.ndarray, input_shape: tuple[int, int, int, int], window: Pair, stride: Pair, padding: str
) -> np.ndarray:
    """Scatter-add window gradients back onto the image (the adjoint of :func:`convlens.engine.ops.im2col`).

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
    (pt, pb), (pl, pr) = spatial_pads((h, w), window, stride, padding)
    _, h_out, w_out = dcols.shape[:3]
    dxp = np.zeros((n, h + pt + pb, w + pl + pr, c), dtype=dcols.dtype)
    sh, sw = stride
    for a in range(window[0]):  # loops over the filter's cells only, never over pixels or images
        rows = slice(a, a + (h_out - 1) * sh + 1, sh)
        for b_ in range(window[1]):
            dxp[:, rows, b_ : b_ + (w_out - 1) * sw + 1 : sw, :] += dcols[:, :, :, a, b_, :]
    return dxp[:, pt : pt + h, pl : pl + w, :]


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
    grid = scratch(workspace, "dx_grid_in", (shifted_rows + w_f - 1, c_out), dtype, fill=0.0)
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
    dx = scratch(workspace, "dx_grid_out", (rows, c_in), dtype)
    # Output rows chunk by chunk, so that the chunk's column shifts are still in cache for the H_f products.
    width = w_f * c_out
    chunk = max(w_pad, min(rows, CHUNK_BYTES // (width * dtype.itemsize)))
    chunk = -(-rows // -(-rows // chunk))  # the same number of chunks, of (nearly) equal sizes
    halo = (h_f - 1) * w_pad
    wide = scratch(workspace, "dx_column_shifts", (chunk + halo, width), dtype)
    term = scratch(workspace, "dx_grid_term", (chunk, c_in), dtype)
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

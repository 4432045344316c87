"""Naive reference implementations, written straight from the definitions with Python loops.

They share no code with ``engine`` (not even the padding arithmetic), so a test comparing the two checks
the vectorised kernels against an independent reading of the lecture. Slow on purpose: use small shapes.

Conventions (the lecture's): images ``(N, H, W, C)``, filters ``(H_f, W_f, C_in, C_out)``, strides
``(rows, columns)``, padding ``"valid"`` (no padding) or ``"same"`` (``out = ceil(in / stride)``, zeros added
with the odd one after, as TensorFlow/ONNX ``SAME_UPPER`` do).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def conv1d_definition(f: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The lecture's ``(f * g)[n] = sum_{m=-M..M} f[n - m] g[m]`` with ``f`` zero outside its samples.

    Parameters
    ----------
    f : ndarray, shape (L,)
    g : ndarray, shape (2M + 1,)
        ``g[m]`` of the formula is ``g[m + M]`` of the array.

    Returns
    -------
    ndarray, shape (L,), float64
    """
    big_m = (len(g) - 1) // 2
    out = np.zeros(len(f), dtype=np.float64)
    for n in range(len(f)):
        total = 0.0
        for m in range(-big_m, big_m + 1):
            if 0 <= n - m < len(f):
                total += float(f[n - m]) * float(g[m + big_m])
        out[n] = total
    return out


def same_padding(length: int, window: int, stride: int) -> tuple[int, int, int]:
    """``(out, before, after)`` for "same" padding: ``out = ceil(length / stride)``."""
    out = math.ceil(length / stride)
    total = max((out - 1) * stride + window - length, 0)
    return out, total // 2, total - total // 2


def valid_length(length: int, window: int, stride: int) -> int:
    """Number of window positions that fit inside ``length`` (0 if none)."""
    count = 0
    start = 0
    while start + window <= length:
        count += 1
        start += stride
    return count


def _geometry(h: int, w: int, kh: int, kw: int, stride: tuple[int, int], padding: str) -> tuple[int, ...]:
    if padding == "same":
        h_out, top, _ = same_padding(h, kh, stride[0])
        w_out, left, _ = same_padding(w, kw, stride[1])
    elif padding == "valid":
        h_out, top = valid_length(h, kh, stride[0]), 0
        w_out, left = valid_length(w, kw, stride[1]), 0
    else:
        raise ValueError(padding)
    return h_out, w_out, top, left


def conv2d_loops(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: tuple[int, int] = (1, 1),
    padding: str = "valid",
) -> np.ndarray:
    """``out[n, i, j, k] = sum_{a, c, d} x[n, i*s_h + a - top, j*s_w + c - left, d] * w[a, c, d, k] + b[k]``.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C_in)
    w : ndarray, shape (H_f, W_f, C_in, C_out)
    b : ndarray, shape (C_out,), optional

    Returns
    -------
    ndarray, shape (N, H_out, W_out, C_out), float64
        Pixels outside the image count as 0.
    """
    n_img, h, wid, c_in = x.shape
    kh, kw, _, c_out = w.shape
    h_out, w_out, top, left = _geometry(h, wid, kh, kw, stride, padding)
    out = np.zeros((n_img, h_out, w_out, c_out), dtype=np.float64)
    for n in range(n_img):
        for i in range(h_out):
            for j in range(w_out):
                for k in range(c_out):
                    total = 0.0 if b is None else float(b[k])
                    for a in range(kh):
                        for c in range(kw):
                            r, s = i * stride[0] + a - top, j * stride[1] + c - left
                            if 0 <= r < h and 0 <= s < wid:
                                for d in range(c_in):
                                    total += float(x[n, r, s, d]) * float(w[a, c, d, k])
                    out[n, i, j, k] = total
    return out


def max_pool2d_loops(
    x: np.ndarray, size: tuple[int, int] = (2, 2), stride: tuple[int, int] = (2, 2), padding: str = "valid"
) -> np.ndarray:
    """The maximum of each window, per channel; positions outside the image never win.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C)

    Returns
    -------
    ndarray, shape (N, H_out, W_out, C), float64
    """
    n_img, h, wid, ch = x.shape
    h_out, w_out, top, left = _geometry(h, wid, size[0], size[1], stride, padding)
    out = np.zeros((n_img, h_out, w_out, ch), dtype=np.float64)
    for n in range(n_img):
        for i in range(h_out):
            for j in range(w_out):
                for c in range(ch):
                    best = -math.inf
                    for a in range(size[0]):
                        for d in range(size[1]):
                            r, s = i * stride[0] + a - top, j * stride[1] + d - left
                            if 0 <= r < h and 0 <= s < wid:
                                best = max(best, float(x[n, r, s, c]))
                    out[n, i, j, c] = best
    return out


def cross_entropy_loops(logits: np.ndarray, labels: np.ndarray) -> float:
    """``mean_n(log(sum_k exp(z[n, k])) - z[n, label_n])``, one example at a time (log-sum-exp shifted)."""
    total = 0.0
    for row, label in zip(logits, labels, strict=True):
        top = max(float(v) for v in row)
        log_sum = top + math.log(sum(math.exp(float(v) - top) for v in row))
        total += log_sum - float(row[label])
    return total / len(labels)


def numerical_gradient(f: Callable[[], float], array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences ``(f(a + eps) - f(a - eps)) / (2 eps)`` for every element of ``array``.

    ``array`` is perturbed in place (and restored), so ``f`` must read it; use float64.
    """
    grad = np.zeros(array.shape, dtype=np.float64)
    flat = array.reshape(-1)
    assert np.shares_memory(flat, array), "array must be contiguous so that it can be perturbed in place"
    for index in range(flat.size):
        saved = flat[index]
        flat[index] = saved + eps
        plus = f()
        flat[index] = saved - eps
        minus = f()
        flat[index] = saved
        grad.reshape(-1)[index] = (plus - minus) / (2 * eps)
    return grad

"""Scratch arrays that a layer reuses from one training step to the next.

Every training step calls a layer with a batch of the same shape (only the last batch of an epoch may be
smaller), so its large intermediates (padded images, im2col matrices, feature maps, their gradients) can live
in buffers allocated once. A fresh multi-megabyte array costs a page fault for every 4 KiB the first time it is
written; reusing the buffers made a training step about 30% faster (``bench/bench_train.py``).

Arrays handed out by a workspace are valid until the same key is asked for again, i.e. until the next training
step of that layer. Inference (``training=False``) never uses a workspace, so its outputs are always fresh.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import DTypeLike


class Workspace:
    """Named, reusable ndarrays.

    Examples
    --------
    >>> ws = Workspace()
    >>> ws.get("cols", (4, 3)) is ws.get("cols", (4, 3))
    True
    """

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(
        self, key: str, shape: tuple[int, ...], dtype: DTypeLike = np.float32, fill: float | None = None
    ) -> np.ndarray:
        """A C-contiguous array of ``shape`` and ``dtype`` stored under ``key``.

        Parameters
        ----------
        key : str
        shape : tuple of int
        dtype : dtype
        fill : float, optional
            Value written into the array when it is (re)allocated. Callers that only ever write the interior of
            a zero-padded buffer rely on this: its border stays zero for as long as the shape does not change.

        Returns
        -------
        ndarray
            The same memory as the previous call with this key, shape and dtype (contents as they were left);
            new memory otherwise.
        """
        shape = tuple(int(d) for d in shape)
        dtype = np.dtype(dtype)
        array = self._arrays.get(key)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)
            self._arrays[key] = array
        return array

    def clear(self) -> None:
        """Drop every buffer (returns the memory once nothing else refers to it)."""
        self._arrays.clear()

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return sum(a.nbytes for a in self._arrays.values())


def scratch(
    workspace: Workspace | None, key: str, shape: tuple[int, ...], dtype: DTypeLike = np.float32,
    fill: float | None = None,
) -> np.ndarray:
    """A scratch array: ``workspace.get(...)`` in training, a fresh array when there is no workspace.

    ``fill`` is written when the array is new (a reused one keeps what it held).
    """
    if workspace is not None:
        return workspace.get(key, shape, dtype, fill=fill)
    return np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)

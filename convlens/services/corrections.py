"""The visitor's corrections: drawings with the digit they meant, kept (opt-in) for fine-tuning.

One ``.npz`` in the user data directory (``images`` (N, 28, 28) float32 in [0, 1], ``labels`` (N,) uint8),
replaced atomically on each append.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np

from convlens.engine.atomic import atomic_write_bytes
from convlens.services.model_store import user_data_dir

__all__ = ["MAX_CORRECTIONS", "CorrectionStore", "CorrectionStoreError", "oversample"]

FILE_NAME = "corrections.npz"
MAX_CORRECTIONS = 5000
"""The oldest corrections are dropped beyond this many."""


class CorrectionStoreError(RuntimeError):
    """The corrections file cannot be read or written; the message is meant for the visitor."""


class CorrectionStore:
    """Labelled 28x28 drawings in ``<user data dir>/corrections.npz``.

    Parameters
    ----------
    path : path, optional
        The ``.npz`` file (default ``user_data_dir()/corrections.npz``, resolved on every call so that a changed
        ``$CONVLENS_DATA_DIR`` is honoured).

    Notes
    -----
    The file holds ``images`` uint8 ``(N, 28, 28)`` (0..255, white on black, like MNIST) and ``labels`` uint8
    ``(N,)``. Each :meth:`add` rewrites it atomically, so a crash keeps the previous corrections.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self._path = Path(path) if path is not None else None

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else user_data_dir() / FILE_NAME

    def _read(self) -> tuple[np.ndarray, np.ndarray]:
        path = self.path
        if not path.is_file():
            return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8)
        try:
            with np.load(path, allow_pickle=False) as archive:
                images, labels = np.asarray(archive["images"]), np.asarray(archive["labels"])
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
            raise CorrectionStoreError(f"{path}: unreadable corrections file ({exc})") from None
        if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.shape != (images.shape[0],):
            raise CorrectionStoreError(f"{path}: corrections have the wrong shape {images.shape}/{labels.shape}")
        return images.astype(np.uint8, copy=False), labels.astype(np.uint8, copy=False)

    def count(self) -> int:
        """How many corrections are stored (0 if the file is missing or unreadable)."""
        try:
            return int(self._read()[1].shape[0])
        except CorrectionStoreError:
            return 0

    def add(self, image28: np.ndarray, label: int) -> int:
        """Append one drawing; return the new count.

        Parameters
        ----------
        image28 : ndarray, shape (28, 28)
            float in [0, 1], white digit on black (the network's input).
        label : int
            The digit the visitor meant, 0..9.

        Raises
        ------
        CorrectionStoreError
            The data directory cannot be written (or the label/image is invalid).
        """
        if not 0 <= int(label) <= 9:
            raise CorrectionStoreError(f"label must be a digit 0..9, got {label}")
        img = np.asarray(image28, dtype=np.float32).reshape(28, 28)
        try:
            images, labels = self._read()
        except CorrectionStoreError:  # a corrupt file is replaced rather than blocking new corrections
            images, labels = np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8)
        new = np.clip(np.rint(np.nan_to_num(img) * 255.0), 0, 255).astype(np.uint8)
        images = np.concatenate([images, new[None]])[-MAX_CORRECTIONS:]
        labels = np.concatenate([labels, np.array([label], np.uint8)])[-MAX_CORRECTIONS:]
        buffer = io.BytesIO()
        np.savez_compressed(buffer, images=images, labels=labels)
        try:
            atomic_write_bytes(self.path, buffer.getvalue())
        except OSError as exc:
            raise CorrectionStoreError(f"cannot save the correction into {self.path.parent}: "
                                       f"{exc.strerror or exc}") from None
        return int(labels.shape[0])

    def load(self) -> tuple[np.ndarray, np.ndarray]:
        """All corrections as training data.

        Returns
        -------
        x : ndarray, float32, shape (N, 28, 28, 1)
            In [0, 1].
        y : ndarray, int64, shape (N,)
        """
        images, labels = self._read()
        return (images.astype(np.float32) / np.float32(255.0))[..., None], labels.astype(np.int64)

    def clear(self) -> None:
        """Delete every stored correction."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise CorrectionStoreError(f"cannot delete {self.path}: {exc.strerror or exc}") from None


def oversample(
    x: np.ndarray, y: np.ndarray, x_extra: np.ndarray, y_extra: np.ndarray, share: float = 0.1, max_repeat: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """Mix ``x_extra`` into ``x``, repeated so that it makes up about ``share`` of the result.

    Parameters
    ----------
    x : ndarray, shape (N, 28, 28, 1)
    y : ndarray, shape (N,)
    x_extra : ndarray, shape (M, 28, 28, 1)
    y_extra : ndarray, shape (M,)
    share : float
        Target fraction of the result taken by the (repeated) extra examples.
    max_repeat : int
        Upper bound on the repetitions of each extra example.

    Returns
    -------
    x, y : the concatenation, ``(N + M*r, 28, 28, 1)`` and ``(N + M*r,)`` with ``r >= 1`` repetitions.
    """
    if len(x_extra) == 0:
        return x, y
    wanted = share * len(x) / max(1.0 - share, 1e-6)
    repeat = int(np.clip(round(wanted / len(x_extra)), 1, max_repeat))
    x_out = np.concatenate([x, np.repeat(x_extra.astype(x.dtype, copy=False), repeat, axis=0)])
    y_out = np.concatenate([y, np.repeat(y_extra.astype(y.dtype, copy=False), repeat)])
    return x_out, y_out

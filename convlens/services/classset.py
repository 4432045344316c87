"""A class's handwriting: labelled drawings of the pupils, kept on this machine as one ``.npz`` file.

File format (``np.load(..., allow_pickle=False)``; :func:`save_class_set` / :func:`load_class_set`)::

    images          (N, 28, 28) uint8   white digit on black, like MNIST (the network's input times 255)
    labels          (N,)        uint8   the digit asked for, 0..9
    pupil           (N,)        int32   anonymous pupil number, 0 = none given (optional; default all 0)
    stroke_points   (P, 2)      float32 every pen point (x, y) in 0..1, y down, drawing after drawing (optional)
    stroke_lengths  (S,)        int32   points of each stroke, in order (optional, with stroke_points)
    stroke_counts   (N,)        int32   strokes of each drawing, in order (optional, with stroke_points)

The strokes are flat arrays with lengths (no object arrays, no pickles). A file with strokes for none of its
drawings leaves the three keys out; a drawing without strokes has ``stroke_counts`` 0.

The held-out part (:func:`held_out_mask`) is fixed by the file: every fifth drawing of each pupil and digit, at a
phase that depends on the pupil and the digit (so a pupil who draws each digit once still gives some held-out
digits), whatever the order of the other pupils' drawings. :class:`ClassSetStore` keeps the set in
``<user data dir>/class_set.npz`` and rewrites it atomically on every change. No Qt here.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convlens.engine.atomic import atomic_write_bytes
from convlens.services.model_store import user_data_dir

__all__ = [
    "FILE_NAME",
    "HELD_OUT_EVERY",
    "MAX_DRAWINGS",
    "ClassSet",
    "ClassSetStore",
    "held_out_mask",
    "load_class_set",
    "save_class_set",
]

FILE_NAME = "class_set.npz"
MAX_DRAWINGS = 20000
"""Most drawings a class set may hold (a file with more is refused, an add beyond it too)."""
MAX_POINTS = 5_000_000
"""Most pen points a class set may hold."""
MAX_PUPIL = 9999
"""Pupil numbers are 0 (none) .. this."""
MAX_FILE_BYTES = 256 * 1024 * 1024
"""Largest uncompressed content of a class-set file that is read."""
HELD_OUT_EVERY = 5
"""One drawing in this many of each pupil and digit is held out for the before/after comparison."""

Stroke = Sequence[Sequence[float]]
_KEYS = {"images", "labels", "pupil", "stroke_points", "stroke_lengths", "stroke_counts"}
_STROKE_KEYS = ("stroke_points", "stroke_lengths", "stroke_counts")


@dataclass(frozen=True)
class ClassSet:
    """Labelled drawings of a class (validated: build it with :meth:`create` or :func:`load_class_set`).

    Attributes
    ----------
    images : ndarray, uint8, shape (N, 28, 28)
        White digit on black.
    labels : ndarray, uint8, shape (N,)
    pupil : ndarray, int32, shape (N,)
        0 = no pupil number.
    stroke_points : ndarray, float32, shape (P, 2)
    stroke_lengths : ndarray, int32, shape (S,)
    stroke_counts : ndarray, int32, shape (N,)
    """

    images: np.ndarray
    labels: np.ndarray
    pupil: np.ndarray
    stroke_points: np.ndarray
    stroke_lengths: np.ndarray
    stroke_counts: np.ndarray

    @classmethod
    def empty(cls) -> ClassSet:
        return cls(
            np.zeros((0, 28, 28), np.uint8),
            np.zeros(0, np.uint8),
            np.zeros(0, np.int32),
            np.zeros((0, 2), np.float32),
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
        )

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def has_strokes(self) -> bool:
        return bool(self.stroke_counts.size and self.stroke_counts.any())

    def counts(self) -> np.ndarray:
        """Drawings per digit, int64 ``(10,)``."""
        return np.bincount(self.labels.astype(np.int64), minlength=10)[:10]

    def strokes(self, index: int) -> list[np.ndarray]:
        """The strokes of drawing ``index``: a list of float32 ``(K, 2)`` point arrays (empty without strokes)."""
        first_stroke = int(self.stroke_counts[:index].sum())
        n = int(self.stroke_counts[index])
        starts = np.concatenate([[0], np.cumsum(self.stroke_lengths, dtype=np.int64)])
        return [self.stroke_points[starts[s] : starts[s + 1]].copy() for s in range(first_stroke, first_stroke + n)]

    def held_out(self) -> np.ndarray:
        """bool ``(N,)``: the held-out drawings (:func:`held_out_mask`)."""
        return held_out_mask(self.labels, self.pupil)

    def training_arrays(self, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The drawings (where ``mask``) as the network's input: x float32 ``(M, 28, 28, 1)`` in [0, 1], y int64."""
        images, labels = (self.images, self.labels) if mask is None else (self.images[mask], self.labels[mask])
        return (images.astype(np.float32) / np.float32(255.0))[..., None], labels.astype(np.int64)

    def appended(
        self, image28: np.ndarray, label: int, strokes: Sequence[Stroke] | None = None, pupil: int = 0
    ) -> ClassSet:
        """A copy with one more drawing.

        Parameters
        ----------
        image28 : ndarray, shape (28, 28)
            float in [0, 1] (white on black), or uint8 0..255.
        label : int
            0..9.
        strokes : sequence of (K, 2) point lists, optional
            The pen strokes (x, y in 0..1).
        pupil : int
            Anonymous pupil number, 0 (none) .. :data:`MAX_PUPIL`.

        Raises
        ------
        ValueError
            A bad image, label, pupil number or stroke, or the set is full.
        """
        image = np.asarray(image28)
        if image.shape != (28, 28):
            raise ValueError(f"a drawing must be a 28x28 image, got shape {image.shape}")
        if image.dtype != np.uint8:
            image = np.clip(np.rint(np.nan_to_num(image.astype(np.float32)) * 255.0), 0, 255).astype(np.uint8)
        parts = [np.asarray(s, dtype=np.float32).reshape(-1, 2) for s in (strokes or [])]
        parts = [p for p in parts if len(p)]
        points = np.concatenate([self.stroke_points, *parts]) if parts else self.stroke_points
        return ClassSet.create(
            images=np.concatenate([self.images, image[None]]),
            labels=np.concatenate([self.labels.astype(np.int64), np.array([int(label)], np.int64)]),
            pupil=np.concatenate([self.pupil.astype(np.int64), np.array([int(pupil)], np.int64)]),
            stroke_points=points,
            stroke_lengths=np.concatenate([self.stroke_lengths, np.array([len(p) for p in parts], np.int32)]),
            stroke_counts=np.concatenate([self.stroke_counts, np.array([len(parts)], np.int32)]),
        )

    def without_last(self) -> ClassSet:
        """A copy without the newest drawing (the same set when it is empty)."""
        if not len(self):
            return self
        n_strokes = int(self.stroke_counts[-1])
        keep_strokes = len(self.stroke_lengths) - n_strokes
        keep_points = int(self.stroke_lengths[:keep_strokes].sum())
        return ClassSet(
            self.images[:-1],
            self.labels[:-1],
            self.pupil[:-1],
            self.stroke_points[:keep_points],
            self.stroke_lengths[:keep_strokes],
            self.stroke_counts[:-1],
        )

    def merged(self, other: ClassSet) -> ClassSet:
        """This set followed by ``other``'s drawings (raises ValueError when the result is too large)."""
        return ClassSet.create(
            images=np.concatenate([self.images, other.images]),
            labels=np.concatenate([self.labels, other.labels]),
            pupil=np.concatenate([self.pupil, other.pupil]),
            stroke_points=np.concatenate([self.stroke_points, other.stroke_points]),
            stroke_lengths=np.concatenate([self.stroke_lengths, other.stroke_lengths]),
            stroke_counts=np.concatenate([self.stroke_counts, other.stroke_counts]),
        )

    def arrays(self) -> dict[str, np.ndarray]:
        """The file's arrays (the stroke keys only when some drawing has strokes)."""
        out = {"images": self.images, "labels": self.labels, "pupil": self.pupil}
        if self.has_strokes:
            out.update(
                stroke_points=self.stroke_points, stroke_lengths=self.stroke_lengths, stroke_counts=self.stroke_counts
            )
        return out

    @classmethod
    def create(
        cls,
        images: np.ndarray,
        labels: np.ndarray,
        pupil: np.ndarray | None = None,
        stroke_points: np.ndarray | None = None,
        stroke_lengths: np.ndarray | None = None,
        stroke_counts: np.ndarray | None = None,
    ) -> ClassSet:
        """A validated class set (see the module docstring for the arrays).

        Raises
        ------
        ValueError
            Wrong shapes or dtypes, labels outside 0..9, pupil numbers outside 0..MAX_PUPIL, too many drawings or
            points, strokes that do not add up, points outside 0..1 or not finite.
        """
        images = np.asarray(images)
        labels = np.asarray(labels)
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ValueError(f"images must have the shape (N, 28, 28), got {images.shape}")
        if images.dtype != np.uint8:
            raise ValueError(f"images must be uint8 (0..255, white on black), got {images.dtype}")
        n = images.shape[0]
        if n > MAX_DRAWINGS:
            raise ValueError(f"a class set holds at most {MAX_DRAWINGS} drawings, this one has {n}")
        labels = _integers(labels, "labels", (n,))
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            raise ValueError(f"labels must be digits 0..9, found {int(labels.min())}..{int(labels.max())}")
        pupils = np.zeros(n, np.int64) if pupil is None else _integers(np.asarray(pupil), "pupil", (n,))
        if pupils.size and (pupils.min() < 0 or pupils.max() > MAX_PUPIL):
            raise ValueError(f"pupil numbers must be 0..{MAX_PUPIL}, found {int(pupils.min())}..{int(pupils.max())}")
        given = [a is not None for a in (stroke_points, stroke_lengths, stroke_counts)]
        if any(given) and not all(given):
            raise ValueError("strokes need all three of stroke_points, stroke_lengths and stroke_counts")
        if all(given):
            points = np.asarray(stroke_points)
            if points.ndim != 2 or points.shape[1] != 2 or points.dtype.kind != "f":
                raise ValueError(f"stroke_points must be floats of shape (P, 2), got {points.dtype} {points.shape}")
            if len(points) > MAX_POINTS:
                raise ValueError(f"a class set holds at most {MAX_POINTS} pen points, this one has {len(points)}")
            points = points.astype(np.float32)
            if points.size and (not np.isfinite(points).all() or points.min() < -0.5 or points.max() > 1.5):
                raise ValueError("stroke_points must be finite canvas coordinates (about 0..1)")
            lengths = _integers(np.asarray(stroke_lengths), "stroke_lengths", None)
            counts = _integers(np.asarray(stroke_counts), "stroke_counts", (n,))
            if (lengths.size and lengths.min() < 1) or (counts.size and counts.min() < 0):
                raise ValueError("stroke_lengths must be >= 1 and stroke_counts >= 0")
            if int(counts.sum()) != len(lengths) or int(lengths.sum()) != len(points):
                raise ValueError(
                    f"the strokes do not add up: {int(counts.sum())} strokes counted for {len(lengths)} lengths, "
                    f"{int(lengths.sum())} points counted for {len(points)}"
                )
        else:
            points, lengths, counts = np.zeros((0, 2), np.float32), np.zeros(0, np.int64), np.zeros(n, np.int64)
        return cls(
            np.ascontiguousarray(images),
            labels.astype(np.uint8),
            pupils.astype(np.int32),
            np.ascontiguousarray(points, dtype=np.float32),
            lengths.astype(np.int32),
            counts.astype(np.int32),
        )


def _integers(values: np.ndarray, name: str, shape: tuple[int, ...] | None) -> np.ndarray:
    """``values`` as int64, checking the dtype (integers) and the shape (``None``: any 1-D)."""
    if values.dtype.kind not in "iu":
        raise ValueError(f"{name} must be integers, got {values.dtype}")
    if shape is None and values.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {values.shape}")
    if shape is not None and values.shape != shape:
        raise ValueError(f"{name} must have the shape {shape}, got {values.shape}")
    return values.astype(np.int64)


def held_out_mask(labels: np.ndarray, pupil: np.ndarray, every: int = HELD_OUT_EVERY) -> np.ndarray:
    """Which drawings are held out: every ``every``-th drawing of each (pupil, digit), at a fixed phase.

    Parameters
    ----------
    labels : ndarray of int, shape (N,)
    pupil : ndarray of int, shape (N,)
    every : int

    Returns
    -------
    ndarray of bool, shape (N,)
        Drawing ``i`` is held out when ``(rank + phase) % every == 0``, ``rank`` its position among the earlier
        drawings of the same pupil and digit, ``phase`` a CRC32 of the pupil and digit: deterministic, about one
        in ``every`` of each pupil's drawings, spread over the digits.
    """
    labels = np.asarray(labels, dtype=np.int64)
    pupil = np.asarray(pupil, dtype=np.int64)
    mask = np.zeros(labels.shape[0], dtype=bool)
    seen: dict[tuple[int, int], int] = {}
    for i, key in enumerate(zip(pupil.tolist(), labels.tolist(), strict=True)):
        rank = seen.get(key, 0)
        seen[key] = rank + 1
        phase = zlib.crc32(f"{key[0]}:{key[1]}".encode("ascii")) % every
        mask[i] = (rank + phase) % every == 0
    return mask


def load_class_set(path: str | os.PathLike[str]) -> ClassSet:
    """Read and validate a class-set ``.npz`` (never unpickles anything).

    Raises
    ------
    ValueError
        Not a readable ``.npz``, too large, missing ``images``/``labels``, or invalid content (the message says
        what is wrong).
    OSError
        The file cannot be opened.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
        if total > MAX_FILE_BYTES:
            raise ValueError(f"{path.name}: too large for a class set ({total / 1e6:.0f} MB unpacked)")
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            missing = {"images", "labels"} - names
            if missing:
                raise ValueError(f"{path.name}: not a class set, missing {', '.join(sorted(missing))}")
            arrays = {key: np.asarray(archive[key]) for key in names & _KEYS}
    except zipfile.BadZipFile:
        raise ValueError(f"{path.name}: not a class-set file (.npz)") from None
    except (EOFError, KeyError) as exc:
        raise ValueError(f"{path.name}: damaged class-set file ({exc})") from None
    except ValueError as exc:
        message = str(exc)
        if "pickle" in message.lower():
            message = "it holds Python objects (pickles), which are not read"
        raise ValueError(message if message.startswith(path.name) else f"{path.name}: {message}") from None
    try:
        return ClassSet.create(**arrays)
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from None


def class_set_bytes(class_set: ClassSet) -> bytes:
    """The ``.npz`` file content of ``class_set`` (compressed)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **class_set.arrays())  # type: ignore[arg-type]
    return buffer.getvalue()


def save_class_set(path: str | os.PathLike[str], class_set: ClassSet) -> None:
    """Write ``class_set`` to ``path`` atomically (the old file stays whole if this fails).

    Raises
    ------
    OSError
        The folder cannot be written.
    """
    atomic_write_bytes(path, class_set_bytes(class_set))


class ClassSetStore:
    """The class set being collected, ``<user data dir>/class_set.npz``, rewritten atomically on every change.

    Parameters
    ----------
    path : path, optional
        The file (default ``user_data_dir()/class_set.npz``, resolved on every call so that a changed
        ``$CONVLENS_DATA_DIR`` is honoured).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self._path = Path(path) if path is not None else None

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else user_data_dir() / FILE_NAME

    def load(self) -> ClassSet:
        """The stored set (empty when there is no file yet).

        Raises
        ------
        ValueError
            The stored file is damaged (it is left in place: export or wipe decides).
        """
        if not self.path.is_file():
            return ClassSet.empty()
        try:
            return load_class_set(self.path)
        except OSError as exc:
            raise ValueError(f"cannot read the class set {self.path}: {exc.strerror or exc}") from None

    def _write(self, class_set: ClassSet) -> ClassSet:
        save_class_set(self.path, class_set)
        return class_set

    def add(
        self, image28: np.ndarray, label: int, strokes: Sequence[Stroke] | None = None, pupil: int = 0
    ) -> ClassSet:
        """Append one drawing (see :meth:`ClassSet.appended`) and save; return the new set.

        Raises
        ------
        ValueError
            Invalid drawing, or a damaged stored file.
        OSError
            The file cannot be written (the stored set is unchanged).
        """
        return self._write(self.load().appended(image28, label, strokes, pupil))

    def undo_last(self) -> ClassSet:
        """Remove the newest drawing and save; return the new set."""
        current = self.load()
        return self._write(current.without_last()) if len(current) else current

    def import_file(self, path: str | os.PathLike[str]) -> tuple[ClassSet, int]:
        """Merge the drawings of the class-set file ``path`` into the store; return the new set and how many came.

        Raises
        ------
        ValueError
            ``path`` is not a valid class set (nothing is changed).
        OSError
        """
        incoming = load_class_set(path)
        return self._write(self.load().merged(incoming)), len(incoming)

    def export(self, path: str | os.PathLike[str]) -> int:
        """Write the stored set to ``path`` (atomically); return the number of drawings."""
        current = self.load()
        save_class_set(path, current)
        return len(current)

    def wipe(self) -> None:
        """Delete the stored set."""
        self.path.unlink(missing_ok=True)

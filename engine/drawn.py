"""Pen-drawn digits made from MNIST: the training mix-in and the drawn-digit benchmark, cached per data hash.

Re-drawing a digit (:mod:`convlens.engine.pen`: skeleton, polylines, a random pen, the app's rasteriser and
``mnist_style``) costs about a millisecond, too much for every batch, so the re-drawn images are made once and kept
in the user cache (``.../convlens/pen``, beside the MNIST folder), in chunks of :data:`CHUNK` digits:

* ``traced-<key>-<chunk>.npz``: the traced skeletons of a chunk (shared by every pen style and variant);
* ``pen-<key>-<chunk>.npy``: uint8 ``(CHUNK, 28, 28)`` re-drawn images of one (style, seed, variant).

A key hashes everything the pixels depend on (the source file's SHA-256, :data:`GENERATOR`, the pen style, the
seed, the variant), so a changed recipe never reads stale images and the same recipe always gets the same bits
(every chunk has its own random generator, so the result does not depend on which chunks were made first).

The benchmark (:func:`benchmark_set`) re-draws MNIST *test* digits with fixed pens (:data:`BENCH_WIDTHS` x
:data:`BENCH_SPACINGS`): training only ever re-draws training digits, so nothing of the test set leaks in.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from convlens.engine import data as mnist_data
from convlens.engine.atomic import atomic_write_bytes
from convlens.engine.pen import PenStyle, TracedDigits, redraw_digits, trace_digits
from convlens.engine.writing_styles import WritingStyles, add_style_strokes

__all__ = [
    "BENCH_JITTER",
    "BENCH_SPACINGS",
    "BENCH_WIDTHS",
    "CHUNK",
    "COARSE_CELLS",
    "GENERATOR",
    "benchmark_cells",
    "benchmark_set",
    "default_pen_cache_dir",
    "redrawn",
    "traced",
]

GENERATOR = "pen-1"
"""Version of the re-drawing code; part of every cache key (change it when pen.py draws differently)."""
CHUNK = 4096
"""Digits per cache file and per random generator."""
BENCH_WIDTHS: tuple[float, ...] = (1.5, 2.5, 4.0, 5.5)
"""Pen widths of the benchmark, px in the 20 px box: thin, MNIST-like, thick, very thick (a small digit drawn
with the app's pen)."""
BENCH_SPACINGS: tuple[float, ...] = (1.0, 3.0)
"""Pen sampling distances of the benchmark, px of the 28 px image: dense (smooth curves) and coarse (straight
segments)."""
COARSE_CELLS: tuple[tuple[float, float], ...] = ((2.5, 6.0), (4.0, 6.0))
"""``(width, spacing)`` of the *coarse* pens, reported apart from the benchmark's cells (and outside its "all pens"
figures): a pen position every 6 px of the 28 px image, i.e. a fast stroke on a slowly polled touch screen, which
turns a curve into a few long straight segments and can flatten a small loop."""
BENCH_JITTER = 0.15
"""Hand tremor of the benchmark's pens, px."""
BENCH_SEED = 15
"""Seed of the benchmark's jitter."""

Progress = Callable[[float], None]


def default_pen_cache_dir() -> Path:
    """Where re-drawn digits are cached: ``pen/`` beside the MNIST cache (``~/.cache/convlens/pen`` on Linux)."""
    return mnist_data.default_cache_dir().parent / "pen"


def _key(*parts: Any) -> str:
    blob = json.dumps([GENERATOR, *parts], sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:24]


def _chunks(n: int) -> list[tuple[int, int]]:
    return [(start, min(start + CHUNK, n)) for start in range(0, n, CHUNK)]


def _save(path: Path, writer: Callable[[Any], None]) -> None:
    """Write a cache file atomically; a cache that cannot be written is not an error (the data is returned)."""
    buffer = io.BytesIO()
    writer(buffer)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, buffer.getvalue())
    except OSError:
        pass


def _npz_writer(arrays: dict[str, np.ndarray]) -> Callable[[Any], None]:
    def write(f: Any) -> None:
        np.savez(f, **arrays)  # type: ignore[arg-type]

    return write


def _npy_writer(array: np.ndarray) -> Callable[[Any], None]:
    def write(f: Any) -> None:
        np.save(f, array)

    return write


def traced(images: np.ndarray, source_key: str, cache_dir: Path | None = None,
           progress: Progress | None = None) -> list[TracedDigits]:
    """The traced skeletons of ``images``, chunk by chunk (:data:`CHUNK` digits each), from the cache if there.

    Parameters
    ----------
    images : ndarray, shape (N, 28, 28, 1)
        float32 in [0, 1].
    source_key : str
        Identifies ``images`` (e.g. the SHA-256 of the IDX file they came from).
    cache_dir : Path, optional
        Default :func:`default_pen_cache_dir`.
    progress : callable, optional
        Called with the fraction done after every chunk.

    Returns
    -------
    list of TracedDigits
        One per chunk, in order.
    """
    directory = cache_dir or default_pen_cache_dir()
    key = _key("traced", source_key, len(images))
    out = []
    chunks = _chunks(len(images))
    for k, (start, stop) in enumerate(chunks):
        path = directory / f"traced-{key}-{k}.npz"
        t: TracedDigits | None = None
        if path.is_file():
            try:
                with np.load(path, allow_pickle=False) as archive:
                    t = TracedDigits.from_arrays(archive)
                if t.n != stop - start:
                    t = None
            except (OSError, ValueError, KeyError):
                t = None
        if t is None:
            t = trace_digits(images[start:stop])
            _save(path, _npz_writer(t.arrays()))
        out.append(t)
        if progress is not None:
            progress((k + 1) / len(chunks))
    return out


def redrawn(
    images: np.ndarray,
    source_key: str,
    style: PenStyle,
    seed: int,
    variant: int = 0,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    labels: np.ndarray | None = None,
    styles: WritingStyles | None = None,
) -> np.ndarray:
    """Every digit of ``images`` re-drawn once with a random pen of ``style``, from the cache if there.

    Parameters
    ----------
    images : ndarray, shape (N, 28, 28, 1)
        float32 in [0, 1].
    source_key : str
        Identifies ``images`` (the SHA-256 of their IDX file).
    style : PenStyle
    seed, variant : int
        Chunk ``k`` of variant ``v`` is drawn with ``default_rng([seed, v, k])``.
    cache_dir : Path, optional
    progress : callable, optional
    labels : ndarray, shape (N,), optional
        The digits' labels; needed by ``styles``.
    styles : WritingStyles, optional
        Strokes of other ways of writing, added to the traced 1s and 7s before the pen re-draws them
        (:func:`~convlens.engine.writing_styles.add_style_strokes`, from ``default_rng([seed, variant, k, 1])``).

    Returns
    -------
    ndarray, shape (N, 28, 28), uint8
        ``round(255 * image)``; a digit without a skeleton keeps its MNIST image.
    """
    directory = cache_dir or default_pen_cache_dir()
    parts: tuple[Any, ...] = ("pen", source_key, len(images), style.as_dict(), seed, variant)
    styled_labels: np.ndarray | None = None  # set when strokes are added
    if styles is not None and styles.active:
        if labels is None or np.shape(labels) != (len(images),):
            raise ValueError("writing styles need one label per image")
        styled_labels = np.ascontiguousarray(labels, dtype=np.int64)
        parts += (styles.as_dict(), hashlib.sha256(styled_labels.tobytes()).hexdigest())
    key = _key(*parts)  # without styles: the key (and the cache) from before they existed
    chunks = _chunks(len(images))
    out = np.empty((len(images), 28, 28), dtype=np.uint8)
    todo = []
    for k, (start, stop) in enumerate(chunks):
        path = directory / f"pen-{key}-{k}.npy"
        if path.is_file():
            try:
                part = np.load(path, allow_pickle=False)
                if part.shape == (stop - start, 28, 28) and part.dtype == np.uint8:
                    out[start:stop] = part
                    continue
            except (OSError, ValueError):
                pass
        todo.append(k)
    if todo:
        skeletons = traced(images, source_key, directory,
                           None if progress is None else (lambda f: progress(0.5 * f)))
        for done, k in enumerate(todo):
            start, stop = chunks[k]
            rng = np.random.default_rng([seed, variant, k])
            skeleton = skeletons[k]
            if styles is not None and styled_labels is not None:
                skeleton = add_style_strokes(skeleton, styled_labels[start:stop],
                                             np.random.default_rng([seed, variant, k, 1]), styles)
            drawn = redraw_digits(skeleton, rng, style, fallback=images[start:stop])
            part = np.rint(drawn * 255.0).astype(np.uint8)
            out[start:stop] = part
            _save(directory / f"pen-{key}-{k}.npy", _npy_writer(part))
            if progress is not None:
                progress(0.5 + 0.5 * (done + 1) / len(todo))
    return out


def benchmark_cells() -> list[tuple[float, float]]:
    """The benchmark's pens: every ``(width, spacing)`` of :data:`BENCH_WIDTHS` x :data:`BENCH_SPACINGS`."""
    return [(w, s) for w in BENCH_WIDTHS for s in BENCH_SPACINGS]


def benchmark_set(
    x_test: np.ndarray,
    source_key: str,
    limit: int | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    cells: list[tuple[float, float]] | tuple[tuple[float, float], ...] | None = None,
) -> dict[tuple[float, float], np.ndarray]:
    """The drawn-digit benchmark: MNIST test digits re-drawn with each fixed pen of :func:`benchmark_cells`.

    Parameters
    ----------
    x_test : ndarray, shape (N, 28, 28, 1)
        The MNIST *test* images (never used in training).
    source_key : str
        SHA-256 of the test-images file.
    limit : int, optional
        Only the first ``limit`` digits.
    cache_dir : Path, optional
    progress : callable, optional
    cells : sequence of (float, float), optional
        Other ``(width, spacing)`` pens (e.g. :data:`COARSE_CELLS`) instead of the benchmark's.

    Returns
    -------
    dict
        ``(width, spacing)`` -> float32 ``(n, 28, 28, 1)`` images; the labels are ``y_test[:n]``.
    """
    x = x_test if limit is None else x_test[:limit]
    cells = benchmark_cells() if cells is None else list(cells)
    out = {}
    for i, (width, spacing) in enumerate(cells):
        style = PenStyle.fixed(width, spacing, BENCH_JITTER)

        def step(f: float, i: int = i) -> None:
            if progress is not None:
                progress((i + f) / len(cells))

        images = redrawn(x, source_key, style, BENCH_SEED, 0, cache_dir, step)
        out[(width, spacing)] = (images.astype(np.float32) / np.float32(255.0))[..., None]
    return out


def cache_size_bytes(cache_dir: Path | None = None) -> int:
    """Total size of the cached files (for messages)."""
    directory = cache_dir or default_pen_cache_dir()
    if not directory.is_dir():
        return 0
    return sum(os.path.getsize(p) for p in directory.iterdir() if p.is_file())

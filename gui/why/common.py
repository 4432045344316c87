"""Small helpers of the "Why?" views: NumPy pictures as QImages, where the network input lies on the canvas, and
a runner that keeps at most one computation in flight (the newest request wins)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRectF, QTimer, Signal
from PySide6.QtGui import QImage

from convlens.engine import preprocess
from convlens.engine.preprocess import PreprocessSteps
from convlens.gui.workers import JobThread

__all__ = ["InputPlacement", "LatestOnlyRunner", "grey_image", "placement_of", "rgba_image"]


def rgba_image(rgba: np.ndarray) -> QImage:
    """An ``(H, W, 4)`` uint8 RGBA array as a QImage (a copy: the array may go)."""
    a = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w = int(a.shape[0]), int(a.shape[1])
    return QImage(a.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def grey_image(values: np.ndarray) -> QImage:
    """A picture with values in [0, 1] as white on black (like the network input)."""
    v = np.round(np.clip(np.nan_to_num(np.asarray(values, dtype=np.float32)), 0.0, 1.0) * 255.0).astype(np.uint8)
    rgba = np.empty((*v.shape, 4), np.uint8)
    rgba[..., :3] = v[..., None]
    rgba[..., 3] = 255
    return rgba_image(rgba)


@dataclass(frozen=True)
class InputPlacement:
    """Where the 28x28 network input lies on the canvas raster: pixel ``(r, c)`` of the input covers the raster
    square from ``(top + r * size / 28, left + c * size / 28)``, ``size / 28`` raster pixels wide.

    Attributes
    ----------
    top, left, size : float
        In raster pixels (the canvas image handed to the preprocessing).
    raster : int
        Side of that raster (``gui.canvas.RASTER_SIZE``).
    """

    top: float
    left: float
    size: float
    raster: int

    def widget_rect(self, drawing: QRectF) -> QRectF:
        """The input's square in widget coordinates, for a canvas whose drawing area is ``drawing``."""
        k = drawing.width() / float(self.raster)
        return QRectF(drawing.x() + self.left * k, drawing.y() + self.top * k, self.size * k, self.size * k)


def placement_of(steps: PreprocessSteps | None, raster: int) -> InputPlacement:
    """Invert the preprocessing's crop, scale and shift (``engine.preprocess.mnist_style_steps`` with its default
    threshold): the input square on the raster. Without steps (an image shown pixel for pixel) the input fills the
    raster."""
    if steps is None:
        return InputPlacement(0.0, 0.0, float(raster), raster)
    raw = steps.raw
    ink = raw > 0.05
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return InputPlacement(0.0, 0.0, float(raster), raster)
    cols = np.flatnonzero(ink[rows[0] : rows[-1] + 1].any(axis=0))
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    h, w = r1 - r0, c1 - c0
    out_h, out_w = (int(d) for d in steps.scaled.shape)
    # The crop's longer side became the 20 px box (exact), unless the drawing is a dot or tiny (then the preprocessing
    # enlarged it less; the scale is the one of the fitted crop's size, to a pixel).
    longest = max(out_h, out_w)
    scale = preprocess.BOX_SIZE / max(h, w) if longest == preprocess.BOX_SIZE else longest / max(h, w)
    frame = preprocess.FRAME_SIZE
    dy, dx = steps.shift
    off_r, off_c = (frame - out_h) // 2 + dy, (frame - out_w) // 2 + dx
    # input coordinate u = (raster coordinate - r0) * scale + off  =>  raster = r0 + (u - off) / scale
    return InputPlacement(r0 - off_r / scale, c0 - off_c / scale, frame / scale, int(raw.shape[0]))


class LatestOnlyRunner(QObject):
    """Run ``fn(request)`` in a worker thread: at most one at a time, at most one start per ``min_interval_ms``;
    a request made while one runs waits, and a newer one replaces it (the newest drawing wins).

    Signals
    -------
    done(object, object)
        ``(request, result)`` of a finished computation (in the GUI thread).
    failed(object, object)
        ``(request, exception)``.
    """

    done = Signal(object, object)
    failed = Signal(object, object)

    def __init__(self, fn: Callable[[Any], Any], min_interval_ms: int = 60, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._interval = max(0, int(min_interval_ms))
        self._pending: Any = None
        self._has_pending = False
        self._job: JobThread | None = None
        self._request: Any = None
        self._last_start = -1e9
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._kick)

    def submit(self, request: Any) -> None:
        """Compute ``request`` as soon as the worker is free (replacing any request still waiting)."""
        self._pending, self._has_pending = request, True
        self._kick()

    def drop_pending(self) -> None:
        """Forget the request still waiting (the one running finishes)."""
        self._pending, self._has_pending = None, False
        self._timer.stop()

    def busy(self) -> bool:
        """Whether a computation runs or waits."""
        return self._job is not None or self._has_pending

    def wait(self, ms: int = 5000) -> None:
        """Drop what waits and block until the running computation ends (closing the window)."""
        self.drop_pending()
        job = self._job
        if job is not None:
            job.wait(ms)

    def _kick(self) -> None:
        if self._job is not None or not self._has_pending:
            return
        since = (time.monotonic() - self._last_start) * 1000.0
        if since < self._interval:
            if not self._timer.isActive():
                self._timer.start(int(self._interval - since) + 1)
            return
        request, self._pending, self._has_pending = self._pending, None, False
        fn = self._fn
        job = JobThread(lambda emit, cancel: fn(request), generator=False, parent=self)
        # bound methods of this QObject (it lives in the GUI thread): the slots run there, queued
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)
        job.ended.connect(self._ended)
        self._job, self._request = job, request
        self._last_start = time.monotonic()
        job.start()

    def _succeeded(self, result: object) -> None:
        self.done.emit(self._request, result)

    def _failed(self, exc: object) -> None:
        self.failed.emit(self._request, exc)

    def _ended(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.wait()
            job.deleteLater()
        self._kick()

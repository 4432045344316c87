"""Small helpers of the "Why?" views: NumPy pictures as QImages, where the network input lies on the canvas, and
a runner that keeps at most one computation in flight (the newest request wins)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage

from convlens.engine import preprocess
from convlens.engine.preprocess import PreprocessSteps

__all__ = ["IDLE_EXIT_S", "InputPlacement", "LatestOnlyRunner", "grey_image", "placement_of", "rgba_image"]

log = logging.getLogger(__name__)

IDLE_EXIT_S = 5.0
"""A :class:`LatestOnlyRunner`'s worker thread ends after this many seconds without a request."""


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
    """Run ``fn(request)`` in a worker thread: at most one at a time, the newest request wins.

    A request made while one runs waits, and a newer one replaces it. Requests are started at most one every
    ``min_interval_ms`` (the pen is down: a few maps a second are enough), except urgent ones (the pen is up:
    the final drawing is computed at once), see :meth:`submit` and :meth:`flush`.

    The worker is one long-lived daemon thread, started on the first request and ending after
    :data:`IDLE_EXIT_S` without work (or at :meth:`wait`): handing it a request is a notify, not a thread start, so
    the GUI thread (the pen's) does next to nothing per request. The result comes back through a queued signal.

    Signals
    -------
    done(object, object)
        ``(request, result)`` of a finished computation (in the GUI thread).
    failed(object, object)
        ``(request, exception)``.
    """

    done = Signal(object, object)
    failed = Signal(object, object)
    _finished = Signal(object, object, bool)  # emitted by the worker thread, delivered queued

    def __init__(self, fn: Callable[[Any], Any], min_interval_ms: int = 120, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._interval = max(0, int(min_interval_ms))
        self._pending: Any = None
        self._has_pending = False
        self._urgent = False
        self._running = False
        self._last_start = -1e9
        self._cond = threading.Condition()
        self._handoff: tuple[Any] | None = None  # guarded by _cond
        self._thread: threading.Thread | None = None  # guarded by _cond
        self._thread_stop = threading.Event()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._kick)
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    # -- the GUI thread ---------------------------------------------------------------------------------------
    def submit(self, request: Any, urgent: bool = False) -> None:
        """Compute ``request`` as soon as the worker is free (replacing any request still waiting).

        Parameters
        ----------
        request : object
            Handed to ``fn`` in the worker thread.
        urgent : bool
            Start without waiting for ``min_interval_ms`` since the last start (the pen was lifted, a setting
            changed); otherwise the request waits for its turn.
        """
        self._pending, self._has_pending = request, True
        self._urgent = bool(urgent)
        self._kick()

    def flush(self) -> None:
        """Start the waiting request without waiting for its turn (the pen was lifted)."""
        if self._has_pending:
            self._urgent = True
            self._kick()

    def set_interval(self, min_interval_ms: int) -> None:
        """Start requests at most one every ``min_interval_ms`` from now on (urgent ones excepted)."""
        self._interval = max(0, int(min_interval_ms))

    def interval(self) -> int:
        """The least time between two starts of non-urgent requests, ms."""
        return self._interval

    def drop_pending(self) -> None:
        """Forget the request still waiting (the one running finishes)."""
        self._pending, self._has_pending, self._urgent = None, False, False
        self._timer.stop()

    def busy(self) -> bool:
        """Whether a computation runs or waits."""
        return self._running or self._has_pending

    def wait(self, ms: int = 5000) -> None:
        """Drop what waits, let the running computation end (up to ``ms``) and stop the worker (closing the
        window; a later request starts a new one)."""
        self.drop_pending()
        with self._cond:
            thread, self._thread = self._thread, None
            self._handoff = None
            self._thread_stop.set()
            self._cond.notify_all()
        if thread is not None:
            thread.join(ms / 1000.0)
            if not thread.is_alive():
                self._running = False

    def _kick(self) -> None:
        if self._running or not self._has_pending:
            return
        since = (time.monotonic() - self._last_start) * 1000.0
        if not self._urgent and since < self._interval:
            if not self._timer.isActive():
                self._timer.start(int(self._interval - since) + 1)
            return
        self._timer.stop()
        request, self._pending, self._has_pending, self._urgent = self._pending, None, False, False
        self._running = True
        self._last_start = time.monotonic()
        self._hand_over(request)

    def _hand_over(self, request: Any) -> None:
        with self._cond:
            self._handoff = (request,)
            if self._thread is None:
                self._thread_stop = threading.Event()
                self._thread = threading.Thread(
                    target=self._work, args=(self._thread_stop,), name="convlens-latest-only", daemon=True
                )
                self._thread.start()  # it takes the lock once this block ends
            else:
                self._cond.notify_all()

    def _on_finished(self, request: object, result: object, ok: bool) -> None:
        self._running = False
        if ok:
            self.done.emit(request, result)
        else:
            self.failed.emit(request, result)
        self._kick()

    # -- the worker thread ------------------------------------------------------------------------------------
    def _next(self, stop: threading.Event) -> tuple[Any] | None:
        """The next request (None: stop, or idle for :data:`IDLE_EXIT_S`; the thread then ends)."""
        with self._cond:
            if not self._cond.wait_for(lambda: stop.is_set() or self._handoff is not None, IDLE_EXIT_S):
                if self._thread is threading.current_thread():
                    self._thread = None  # idle: the next request starts a new worker
                return None
            if stop.is_set():
                return None
            box, self._handoff = self._handoff, None
            return box

    def _work(self, stop: threading.Event) -> None:
        while (box := self._next(stop)) is not None:
            request = box[0]
            try:
                result, ok = self._fn(request), True
            except Exception as exc:  # noqa: BLE001 - reported to the GUI, never lost
                log.warning("background computation failed", exc_info=True)
                result, ok = exc, False
            try:
                self._finished.emit(request, result, ok)
            except RuntimeError:  # the runner (and its window) is gone
                return

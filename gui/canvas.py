"""The drawing canvas: mouse, pen (tablet) and touch strokes in, a white-on-black image out.

Strokes are kept as point lists in *normalised* coordinates (x, y in 0..1 over the square drawing
area, y down), so they survive resizes and can be replayed (:meth:`DrawingCanvas.set_strokes`,
:meth:`DrawingCanvas.draw_strokes_programmatically`).  Two images are painted incrementally, segment
by segment, with anti-aliased round-capped lines:

* the *raster*, a fixed ``RASTER_SIZE`` square grayscale QImage the network input is made from
  (resolution independent, so the preprocessing cost does not grow with the window), and
* the *display* image at the widget's device-pixel size, so the ink stays crisp on high-DPI screens.

``imageChanged`` is coalesced: however many pen events arrive, it is emitted at most once per turn
of the event loop (a 0 ms single-shot timer that is started only if it is not already pending), and
it always carries the newest image, so a fast stroke never builds a backlog.

Two things keep a stroke true to the pen:

* A pen move repaints only the rectangle around its new segment. Whatever else changes on screen when a stroke
  starts (the "Draw a digit" hint goes, a shown image goes) is repainted in full at that moment, so no pixel of
  the hint stays behind the drawing.
* While the pen is down the canvas keeps its size (:meth:`DrawingCanvas.begin_stroke` fixes it, the end of the
  stroke releases it): a panel that grows when the first prediction appears cannot shrink the canvas under the
  pen, which would move the drawing area and bend the line.

:meth:`DrawingCanvas.show_image` shows a ready 28x28 image (a test digit from the training results) pixel for
pixel instead of a drawing; the next pen stroke starts a new drawing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

__all__ = ["RASTER_SIZE", "STROKE_WIDTH_FRACTION", "DrawingCanvas", "Stroke"]

Stroke = list[tuple[float, float]]

RASTER_SIZE = 280
"""Side of the image handed to the preprocessing, in pixels (10x the 28 px network input)."""
STROKE_WIDTH_FRACTION = 1.0 / 11.0
"""Pen width as a fraction of the canvas side: after the digit's bounding box is scaled to 20 px this
gives the 2-3 px strokes MNIST digits have."""


class DrawingCanvas(QWidget):
    """A square drawing area; see the module docstring.

    Signals
    -------
    imageChanged(np.ndarray)
        (RASTER_SIZE, RASTER_SIZE) float32 in [0, 1], white ink on black; coalesced.
    strokesChanged()
        A stroke was started, extended, undone or cleared (not coalesced).
    """

    imageChanged = Signal(object)
    strokesChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("canvas")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMinimumSize(200, 200)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setToolTip(self.tr("Draw a digit with the mouse, a pen or a finger"))
        self._strokes: list[Stroke] = []
        self._drawing = False
        self._image28: np.ndarray | None = None
        self._saved_size_limits: tuple[QSize, QSize] | None = None
        self._raster = QImage(RASTER_SIZE, RASTER_SIZE, QImage.Format.Format_Grayscale8)
        self._raster.fill(0)
        self._display = QImage()
        self._background = QColor("#1e2127")
        self._border = QColor("#4a505c")
        self._hint_colour = QColor("#9aa0aa")
        self._hint = "Draw a digit"
        self._emit_timer = QTimer(self)
        self._emit_timer.setObjectName("canvasEmitTimer")
        self._emit_timer.setSingleShot(True)
        self._emit_timer.setInterval(0)
        self._emit_timer.timeout.connect(self._emit_image)
        self._rebuild_display()

    # -- public API -----------------------------------------------------------------------------------------
    def strokes(self) -> list[Stroke]:
        """A copy of the strokes, each a list of ``(x, y)`` normalised points."""
        return [list(s) for s in self._strokes]

    def set_strokes(self, strokes: Iterable[Sequence[tuple[float, float]]]) -> None:
        """Replace the drawing with ``strokes`` (normalised points) and schedule ``imageChanged``."""
        self._strokes = [[(float(x), float(y)) for x, y in s] for s in strokes]
        self._strokes = [s for s in self._strokes if s]
        self._image28 = None
        self._stop_drawing()
        self._redraw_all()

    def show_image(self, image28: np.ndarray) -> None:
        """Show a 28x28 image (white on black, values in [0, 1]) pixel for pixel instead of a drawing.

        For a digit that is not drawn with the canvas pen (a test digit from the training results): the canvas
        shows exactly the pixels, and emits no ``imageChanged`` (its pen could not redraw them; whoever shows the
        image runs it through the network itself). ``image_array()`` is the image enlarged to the raster. The next
        pen stroke starts a new drawing; Undo and Clear remove the image.
        """
        img = np.clip(np.nan_to_num(np.asarray(image28, dtype=np.float32).reshape(28, 28)), 0.0, 1.0)
        self._emit_timer.stop()  # a pending canvas image must not replace the exact one
        self._stop_drawing()
        self._strokes = []
        self._image28 = img
        self._image28.flags.writeable = False
        pixels = np.ascontiguousarray(np.round(img * 255.0).astype(np.uint8))
        small = QImage(pixels.data, 28, 28, 28, QImage.Format.Format_Grayscale8)
        # Nearest neighbour: each image pixel becomes 10x10 raster pixels.
        self._raster = small.scaled(RASTER_SIZE, RASTER_SIZE).convertToFormat(QImage.Format.Format_Grayscale8)
        self._rebuild_display()
        self.update()
        self.strokesChanged.emit()

    def shown_image(self) -> np.ndarray | None:
        """The 28x28 image :meth:`show_image` put up (read-only), or None while the canvas shows a drawing."""
        return self._image28

    def draw_strokes_programmatically(self, strokes: Iterable[Sequence[tuple[float, float]]]) -> None:
        """Append strokes as if drawn, point by point (for tests and attract loops).

        Parameters
        ----------
        strokes : iterable of point lists
            Normalised ``(x, y)`` points; each list becomes one undoable stroke.
        """
        for stroke in strokes:
            points = list(stroke)
            if not points:
                continue
            self.begin_stroke(*points[0])
            for x, y in points[1:]:
                self.extend_stroke(x, y)
            self.end_stroke()

    def begin_stroke(self, x: float, y: float) -> None:
        """Start a stroke at normalised ``(x, y)`` (a dot until it is extended).

        The canvas keeps its size until the stroke ends. The first stroke on an empty canvas (or on a shown image,
        which it replaces) repaints the whole canvas: the hint or the image must go everywhere, not only where the
        pen is.
        """
        blank = not self._strokes or self._image28 is not None
        if self._image28 is not None:
            self._image28 = None
            self._raster.fill(0)
            self._display.fill(QColor(0, 0, 0))
        self._drawing = True
        self._freeze_size()
        self._strokes.append([(float(x), float(y))])
        self._paint_segment((x, y), (x, y))
        if blank:
            self.update()
        self.strokesChanged.emit()

    def extend_stroke(self, x: float, y: float) -> None:
        """Continue the current stroke to normalised ``(x, y)`` (starts one if none is open)."""
        if not self._drawing or not self._strokes:
            self.begin_stroke(x, y)
            return
        stroke = self._strokes[-1]
        last = stroke[-1]
        if (x - last[0]) ** 2 + (y - last[1]) ** 2 < 1e-8:
            return
        stroke.append((float(x), float(y)))
        self._paint_segment(last, (x, y))
        self.strokesChanged.emit()

    def end_stroke(self) -> None:
        """Finish the current stroke (the canvas may resize again)."""
        self._stop_drawing()

    def undo(self) -> None:
        """Remove the last stroke only (or a shown image)."""
        if self._image28 is not None:
            self.clear()
        elif self._strokes:
            self._strokes.pop()
            self._stop_drawing()
            self._redraw_all()

    def clear(self) -> None:
        """Remove every stroke (and a shown image)."""
        self._strokes = []
        self._image28 = None
        self._stop_drawing()
        self._redraw_all()

    def is_empty(self) -> bool:
        """True when nothing is drawn and no image is shown."""
        return not self._strokes and self._image28 is None

    def is_drawing(self) -> bool:
        """True while a stroke is in progress (the pen is down)."""
        return self._drawing

    def image_array(self) -> np.ndarray:
        """The drawing as the network's raw input.

        Returns
        -------
        np.ndarray
            float32, shape (RASTER_SIZE, RASTER_SIZE), values in [0, 1], white ink on black.
        """
        img = self._raster
        buf = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine())
        return buf[:, : img.width()].astype(np.float32) * np.float32(1.0 / 255.0)

    def stroke_width_px(self) -> float:
        """Pen width on the raster, in raster pixels."""
        return RASTER_SIZE * STROKE_WIDTH_FRACTION

    def set_colours(self, background: str, border: str, hint: str) -> None:
        """Theme colours around the drawing (the ink itself is always white on black)."""
        self._background, self._border, self._hint_colour = QColor(background), QColor(border), QColor(hint)
        self.update()

    def set_hint(self, text: str) -> None:
        """Text shown on the empty canvas."""
        self._hint = text
        self.update()

    def flush(self) -> None:
        """Emit a pending ``imageChanged`` now instead of at the next event-loop turn."""
        if self._emit_timer.isActive():
            self._emit_timer.stop()
            self._emit_image()

    def drawing_rect(self) -> QRectF:
        """The square drawing area in widget coordinates (centred in the widget)."""
        side = float(min(self.width(), self.height()))
        return QRectF((self.width() - side) / 2.0, (self.height() - side) / 2.0, side, side)

    def widget_to_normalised(self, pos: QPointF) -> tuple[float, float]:
        """Widget coordinates -> normalised drawing coordinates."""
        r = self.drawing_rect()
        return ((pos.x() - r.x()) / max(r.width(), 1.0), (pos.y() - r.y()) / max(r.height(), 1.0))

    def normalised_to_widget(self, x: float, y: float) -> QPointF:
        """Normalised drawing coordinates -> widget coordinates."""
        r = self.drawing_rect()
        return QPointF(r.x() + x * r.width(), r.y() + y * r.height())

    # -- the size while the pen is down ---------------------------------------------------------------------
    def _freeze_size(self) -> None:
        """Fix the widget at its current size until :meth:`_stop_drawing` (a layout cannot move the pen's canvas)."""
        if self._saved_size_limits is None and not self.isWindow():  # a top-level canvas has no layout to fear
            self._saved_size_limits = (self.minimumSize(), self.maximumSize())
            self.setFixedSize(self.size())

    def _stop_drawing(self) -> None:
        self._drawing = False
        if self._saved_size_limits is not None:
            minimum, maximum = self._saved_size_limits
            self._saved_size_limits = None
            self.setMinimumSize(minimum)
            self.setMaximumSize(maximum)

    # -- painting -------------------------------------------------------------------------------------------
    def _pen(self, side: float) -> QPen:
        pen = QPen(QColor(255, 255, 255))
        pen.setWidthF(side * STROKE_WIDTH_FRACTION)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        return pen

    def _draw_on(self, image: QImage, segments: Iterable[tuple[tuple[float, float], tuple[float, float]]]) -> None:
        if image.isNull():
            return
        side = float(image.width())
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(self._pen(side))
            for (x0, y0), (x1, y1) in segments:
                if x0 == x1 and y0 == y1:  # a tap: a round dot (a zero-length line draws nothing)
                    painter.drawPoint(QPointF(x0 * side, y0 * side))
                else:
                    painter.drawLine(QPointF(x0 * side, y0 * side), QPointF(x1 * side, y1 * side))
        finally:
            painter.end()

    def _paint_segment(self, a: tuple[float, float], b: tuple[float, float]) -> None:
        self._draw_on(self._raster, [(a, b)])
        self._draw_on(self._display, [(a, b)])
        # Repaint only around the new segment (a fast pen repaints a few dozen pixels, not the canvas).
        r = self.drawing_rect()
        margin = r.width() * STROKE_WIDTH_FRACTION / 2.0 + 2.0
        p, q = self.normalised_to_widget(*a), self.normalised_to_widget(*b)
        dirty = QRectF(p, q).normalized().adjusted(-margin, -margin, margin, margin)
        self.update(dirty.toAlignedRect())
        self._schedule_emit()

    def _segments(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        segs: list[tuple[tuple[float, float], tuple[float, float]]] = []
        for s in self._strokes:
            segs.append((s[0], s[0]))
            segs.extend(zip(s[:-1], s[1:], strict=True))
        return segs

    def _redraw_all(self) -> None:
        self._raster.fill(0)
        segs = self._segments()
        self._draw_on(self._raster, segs)
        self._rebuild_display(segs)
        self.update()
        self.strokesChanged.emit()
        self._schedule_emit()

    def _rebuild_display(self, segs: list[tuple[tuple[float, float], tuple[float, float]]] | None = None) -> None:
        dpr = self.devicePixelRatioF()
        side = max(1, int(round(self.drawing_rect().width() * dpr)))
        # Device pixels, no devicePixelRatio on the image: segments are drawn in image pixels and the
        # image is scaled into the logical drawing rect when painted (1:1 on any screen).
        # RGB32 like the window's backing store, so painting it is a plain copy (no format conversion).
        self._display = QImage(side, side, QImage.Format.Format_RGB32)
        self._display.fill(QColor(0, 0, 0))
        if self._image28 is not None:
            painter = QPainter(self._display)
            try:  # no smoothing: every one of the 28x28 pixels the network reads is a sharp square
                painter.drawImage(QRectF(0, 0, side, side), self._raster)
            finally:
                painter.end()
            return
        self._draw_on(self._display, self._segments() if segs is None else segs)

    def _schedule_emit(self) -> None:
        if not self._emit_timer.isActive():
            self._emit_timer.start()

    def _emit_image(self) -> None:
        self.imageChanged.emit(self.image_array())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), self._background)
            r = self.drawing_rect()
            if self._display.width() != max(1, int(round(r.width() * self.devicePixelRatioF()))):
                self._rebuild_display()  # moved to a screen with another scale factor
            painter.drawImage(r, self._display)
            painter.setPen(QPen(self._border, 1.0))
            painter.drawRect(r.adjusted(0.5, 0.5, -0.5, -0.5))
            if self.is_empty() and self._hint:
                font = QFont(self.font())
                font.setPointSizeF(max(12.0, r.height() / 18.0))
                painter.setFont(font)
                painter.setPen(self._hint_colour)
                painter.drawText(r, Qt.AlignmentFlag.AlignCenter, self._hint)
        finally:
            painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._rebuild_display()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        return width

    # -- input ----------------------------------------------------------------------------------------------
    def _press(self, pos: QPointF) -> None:
        self.begin_stroke(*self.widget_to_normalised(pos))

    def _move(self, pos: QPointF) -> None:
        if self._drawing:
            self.extend_stroke(*self.widget_to_normalised(pos))

    def _release(self, pos: QPointF) -> None:
        if self._drawing:
            self.extend_stroke(*self.widget_to_normalised(pos))
            self.end_stroke()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self._press(event.position())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._drawing:
            self._move(event.position())
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton and self._drawing:
            self._release(event.position())
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def tabletEvent(self, event: QTabletEvent) -> None:  # noqa: N802 - Qt override
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._press(event.position())
        elif kind == QEvent.Type.TabletMove:
            self._move(event.position())
        elif kind == QEvent.Type.TabletRelease:
            self._release(event.position())
        event.accept()

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
            assert isinstance(event, QTouchEvent)
            points = event.points()
            if points:
                pos = points[0].position()
                if kind == QEvent.Type.TouchBegin:
                    self._press(pos)
                elif kind == QEvent.Type.TouchUpdate:
                    self._move(pos)
                elif kind == QEvent.Type.TouchEnd:
                    self._release(pos)
            if kind == QEvent.Type.TouchCancel:
                self.end_stroke()
            event.accept()
            return True
        return super().event(event)

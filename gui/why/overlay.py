"""The saliency overlay: a transparent child widget over the drawing canvas that paints where the network looks.

It covers the canvas exactly (it follows its size), lets every mouse, pen and touch event through to the canvas and
paints, over the ink, the signed map of the current answer on a diverging scale (red: this ink pushes the network
towards its answer, blue: away from it; the stronger, the more opaque), placed where the network input lies on the
canvas (the inverse of the preprocessing's crop, scale and centring), with a legend in words.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from convlens.gui.canvas import DrawingCanvas
from convlens.gui.why.common import InputPlacement, rgba_image
from convlens.services.explain import NEGATIVE_RGB, POSITIVE_RGB, diverging_rgba

__all__ = ["OVERLAY_OPACITY", "SaliencyOverlay"]

OVERLAY_OPACITY = 0.8
"""The strongest pixel of the map is this opaque (the ink stays visible under it)."""


class SaliencyOverlay(QWidget):
    """A transparent widget over ``canvas`` showing a signed 28x28 map; objectName ``saliencyOverlay``."""

    def __init__(self, canvas: DrawingCanvas) -> None:
        super().__init__(canvas)
        self.setObjectName("saliencyOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._canvas = canvas
        self._image: QImage | None = None
        self._placement: InputPlacement | None = None
        self._digit = -1
        canvas.installEventFilter(self)
        self.setGeometry(canvas.rect())
        self.hide()

    # -- data -----------------------------------------------------------------------------------------------
    def set_map(self, scaled: np.ndarray, digit: int, placement: InputPlacement) -> None:
        """Show a map scaled to [-1, 1] (``explain.diverging_scale``) for the answer ``digit``."""
        rgba = diverging_rgba(np.asarray(scaled, dtype=np.float32).reshape(28, 28))
        rgba[..., 3] = np.round(rgba[..., 3].astype(np.float32) * OVERLAY_OPACITY).astype(np.uint8)
        self._image = rgba_image(rgba)
        self._placement = placement
        self._digit = int(digit)
        self.setGeometry(self._canvas.rect())
        self.show()
        self.raise_()
        self.update()

    def clear(self) -> None:
        """Show nothing (the canvas was cleared, or the overlay turned off)."""
        self._image = None
        self._placement = None
        self._digit = -1
        self.hide()

    def has_map(self) -> bool:
        """Whether a map is shown."""
        return self._image is not None and self.isVisible()

    def digit(self) -> int:
        """The answer the shown map explains (-1: none)."""
        return self._digit

    def legend_texts(self) -> tuple[str, str]:
        """The legend's two lines, e.g. ``("pushes towards 7", "pushes away from 7")``."""
        return (
            self.tr("pushes towards {0}").format(self._digit),
            self.tr("pushes away from {0}").format(self._digit),
        )

    # -- geometry and painting ------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self._canvas and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._canvas.rect())
        return False

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        image, placement = self._image, self._placement
        if image is None or placement is None:
            return
        drawing = self._canvas.drawing_rect()
        painter = QPainter(self)
        try:
            painter.setClipRect(drawing)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(placement.widget_rect(drawing), image)
            painter.setClipping(False)
            self._paint_legend(painter, drawing)
        finally:
            painter.end()

    def _paint_legend(self, painter: QPainter, drawing: QRectF) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, min(12.0, drawing.height() / 34.0)))
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        lines = self.legend_texts()
        swatch = metrics.height() * 0.8
        width = max(metrics.horizontalAdvance(t) for t in lines) + swatch + 14
        height = 2 * metrics.height() + 8
        box = QRectF(drawing.x() + 6, drawing.bottom() - height - 6, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawRoundedRect(box, 4, 4)
        for k, (text, rgb) in enumerate(zip(lines, (POSITIVE_RGB, NEGATIVE_RGB), strict=True)):
            y = box.y() + 4 + k * metrics.height()
            painter.setBrush(QColor(*rgb))
            painter.setPen(QColor(255, 255, 255, 200))
            painter.drawRect(QRectF(box.x() + 5, y + (metrics.height() - swatch) / 2, swatch, swatch))
            painter.setPen(QColor(240, 240, 240))
            painter.drawText(
                QRectF(box.x() + swatch + 10, y, width, metrics.height()),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                text,
            )

"""The saliency overlay: a transparent child widget over the drawing canvas that paints where the network looks.

It covers the canvas exactly (it follows its size), lets every mouse, pen and touch event through to the canvas and
paints, over the ink, the signed map of the current answer on a diverging scale (red: this ink pushes the network
towards its answer, blue: away from it; the stronger, the more opaque), placed where the network input lies on the
canvas (the inverse of the preprocessing's crop, scale and centring), with a legend in words.

Painting is a copy of ready pictures: :func:`overlay_picture` colours the 28x28 map and smooth-scales it to the
canvas's pixels once per map (it touches only QImages, so the "Why?" tab's worker thread calls it), and the legend
is drawn once per answer and size. A pen move that repaints the canvas repaints the overlay with two plain image
copies, no NumPy and no scaling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPoint, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from convlens.gui.canvas import DrawingCanvas
from convlens.gui.why.common import InputPlacement, rgba_image
from convlens.services.explain import NEGATIVE_RGB, POSITIVE_RGB, diverging_rgba

__all__ = ["OVERLAY_OPACITY", "OverlayPicture", "SaliencyOverlay", "map_image", "overlay_picture"]

OVERLAY_OPACITY = 0.8
"""The strongest pixel of the map is this opaque (the ink stays visible under it)."""


def map_image(scaled: np.ndarray) -> QImage:
    """A map scaled to [-1, 1] (``explain.diverging_scale``) as a 28x28 RGBA picture, at most
    :data:`OVERLAY_OPACITY` opaque."""
    rgba = diverging_rgba(np.asarray(scaled, dtype=np.float32).reshape(28, 28))
    rgba[..., 3] = np.round(rgba[..., 3].astype(np.float32) * OVERLAY_OPACITY).astype(np.uint8)
    return rgba_image(rgba)


@dataclass(frozen=True)
class OverlayPicture:
    """A map ready to paint on a canvas whose drawing area is ``side`` device pixels wide.

    Attributes
    ----------
    digit : int
        The answer the map explains.
    placement : InputPlacement
        Where the network input lies on the canvas raster.
    small : QImage
        The 28x28 coloured map (:func:`map_image`).
    side : int
        The drawing area's side in device pixels that ``image`` was made for.
    image : QImage
        ``small`` smooth-scaled onto the input's square and cut to the drawing area (null: nothing of it shows).
    origin : QPoint
        ``image``'s top left corner in device pixels from the drawing area's top left corner.
    """

    digit: int
    placement: InputPlacement
    small: QImage
    side: int
    image: QImage
    origin: QPoint

    def resized(self, side: int) -> OverlayPicture:
        """The same map for a drawing area ``side`` device pixels wide."""
        image, origin = _scaled_onto(self.small, self.placement, side)
        return OverlayPicture(self.digit, self.placement, self.small, side, image, origin)


def _scaled_onto(small: QImage, placement: InputPlacement, side: int) -> tuple[QImage, QPoint]:
    """``small`` smooth-scaled to the input's square on a drawing area of ``side`` device pixels, cut to it."""
    k = side / float(placement.raster)
    x, y, size = placement.left * k, placement.top * k, placement.size * k
    x0, y0 = max(0, math.floor(x)), max(0, math.floor(y))
    x1, y1 = min(side, math.ceil(x + size)), min(side, math.ceil(y + size))
    if x1 <= x0 or y1 <= y0:
        return QImage(), QPoint(0, 0)
    image = QImage(x1 - x0, y1 - y0, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(QRectF(x - x0, y - y0, size, size), small)
    finally:
        painter.end()
    return image, QPoint(x0, y0)


def overlay_picture(scaled: np.ndarray, digit: int, placement: InputPlacement, side: int) -> OverlayPicture:
    """Colour a map scaled to [-1, 1] and scale it for a drawing area ``side`` device pixels wide.

    Only QImage work: safe in a worker thread (the "Why?" tab makes the pictures there, off the pen's thread).
    """
    small = map_image(scaled)
    image, origin = _scaled_onto(small, placement, max(0, int(side)))
    return OverlayPicture(int(digit), placement, small, max(0, int(side)), image, origin)


def drawing_side(canvas: DrawingCanvas) -> int:
    """The canvas's drawing area side in device pixels (what :func:`overlay_picture` scales to)."""
    return max(1, int(round(canvas.drawing_rect().width() * canvas.devicePixelRatioF())))


class SaliencyOverlay(QWidget):
    """A transparent widget over ``canvas`` showing a signed 28x28 map; objectName ``saliencyOverlay``."""

    def __init__(self, canvas: DrawingCanvas) -> None:
        super().__init__(canvas)
        self.setObjectName("saliencyOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._canvas = canvas
        self._picture: OverlayPicture | None = None
        self._legend: QImage | None = None
        self._legend_key: tuple[object, ...] = ()
        canvas.installEventFilter(self)
        self.setGeometry(canvas.rect())
        self.hide()

    # -- data -----------------------------------------------------------------------------------------------
    def set_map(self, scaled: np.ndarray, digit: int, placement: InputPlacement) -> None:
        """Show a map scaled to [-1, 1] (``explain.diverging_scale``) for the answer ``digit``."""
        self.set_picture(overlay_picture(scaled, digit, placement, drawing_side(self._canvas)))

    def set_picture(self, picture: OverlayPicture) -> None:
        """Show a map made by :func:`overlay_picture` (in a worker thread); re-scaled here only if the canvas
        changed size meanwhile."""
        self._picture = picture
        self._fit()
        if self.geometry() != self._canvas.rect():
            self.setGeometry(self._canvas.rect())
        if not self.isVisible():
            self.show()
            self.raise_()
        self.update()

    def clear(self) -> None:
        """Show nothing (the canvas was cleared, or the overlay turned off)."""
        self._picture = None
        self.hide()

    def has_map(self) -> bool:
        """Whether a map is shown."""
        return self._picture is not None and self.isVisible()

    def digit(self) -> int:
        """The answer the shown map explains (-1: none)."""
        return self._picture.digit if self._picture is not None else -1

    def picture(self) -> OverlayPicture | None:
        """What is shown (None: nothing)."""
        return self._picture

    def legend_texts(self) -> tuple[str, str]:
        """The legend's two lines, e.g. ``("pushes towards 7", "pushes away from 7")``."""
        return (
            self.tr("pushes towards {0}").format(self.digit()),
            self.tr("pushes away from {0}").format(self.digit()),
        )

    # -- geometry and painting ------------------------------------------------------------------------------
    def _fit(self) -> None:
        """Re-scale the picture if the drawing area's size in device pixels is not the one it was made for."""
        picture = self._picture
        if picture is not None:
            side = drawing_side(self._canvas)
            if picture.side != side:
                self._picture = picture.resized(side)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self._canvas and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._canvas.rect())
            self._fit()
        return False

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        picture = self._picture
        if picture is None:
            return
        if picture.side != drawing_side(self._canvas):  # another screen's scale factor
            self._fit()
            picture = self._picture
            assert picture is not None
        drawing = self._canvas.drawing_rect()
        ratio = self.devicePixelRatioF()
        painter = QPainter(self)
        try:
            if not picture.image.isNull():
                image = picture.image
                painter.drawImage(
                    QRectF(drawing.x() + picture.origin.x() / ratio, drawing.y() + picture.origin.y() / ratio,
                           image.width() / ratio, image.height() / ratio),
                    image,
                )
            legend = self._legend_image(drawing, ratio)
            painter.drawImage(
                QRectF(drawing.x() + 6, drawing.bottom() - legend.height() / ratio - 6,
                       legend.width() / ratio, legend.height() / ratio),
                legend,
            )
        finally:
            painter.end()

    def _legend_font(self, drawing: QRectF) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, min(12.0, drawing.height() / 34.0)))
        return font

    def _legend_image(self, drawing: QRectF, ratio: float) -> QImage:
        """The legend as a picture, drawn again only when its texts, its size or the screen's scale change."""
        font = self._legend_font(drawing)
        lines = self.legend_texts()
        key = (lines, font.key(), ratio)
        if self._legend is None or key != self._legend_key:
            self._legend = self._draw_legend(font, lines, ratio)
            self._legend_key = key
        return self._legend

    def _draw_legend(self, font: QFont, lines: tuple[str, str], ratio: float) -> QImage:
        metrics = QFontMetricsF(font)
        swatch = metrics.height() * 0.8
        width = max(metrics.horizontalAdvance(t) for t in lines) + swatch + 14
        height = 2 * metrics.height() + 8
        image = QImage(math.ceil(width * ratio), math.ceil(height * ratio), QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            painter.setFont(font)
            box = QRectF(0, 0, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, 170))
            painter.drawRoundedRect(box, 4, 4)
            for k, (text, rgb) in enumerate(zip(lines, (POSITIVE_RGB, NEGATIVE_RGB), strict=True)):
                y = 4 + k * metrics.height()
                painter.setBrush(QColor(*rgb))
                painter.setPen(QColor(255, 255, 255, 200))
                painter.drawRect(QRectF(5, y + (metrics.height() - swatch) / 2, swatch, swatch))
                painter.setPen(QColor(240, 240, 240))
                painter.drawText(
                    QRectF(swatch + 10, y, width, metrics.height()),
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                    text,
                )
        finally:
            painter.end()
        return image

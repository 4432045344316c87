"""The painted views of the "Why?" tab: the feature-map ranking, the filters' pictures, the teaching gradient,
before/after bars and the adversarial nudge. Each is a plain QWidget that paints NumPy pictures with QPainter
(nothing is rebuilt per frame; a new result replaces the pictures and schedules one repaint)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from convlens.gui.render import SEQUENTIAL_LUT, apply_lut, diverging_rgba, symmetric_limit
from convlens.gui.why.common import grey_image, rgba_image
from convlens.services.explain import NEGATIVE_RGB, POSITIVE_RGB

__all__ = ["FilterPicturesView", "GradientView", "NudgeView", "ProbabilityPairs", "RankingView"]

_ALIGN_CENTRE = int(Qt.AlignmentFlag.AlignCenter)
_ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _small_font(widget: QWidget, factor: float = 0.9) -> QFont:
    font = QFont(widget.font())
    font.setPointSizeF(max(7.0, font.pointSizeF() * factor))
    return font


def _text_colour(widget: QWidget) -> QColor:
    return widget.palette().windowText().color()


class RankingView(QWidget):
    """The maps of one layer that contributed most to the answer, best first: the map, its number and a signed bar
    (red: pushed towards the answer, blue: away). objectName ``featureRankingView``."""

    SHOWN = 8

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("featureRankingView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMaximumWidth(560)
        self._rows: list[tuple[int, float, QImage]] = []
        self._limit = 1.0

    def set_ranking(
        self, order: np.ndarray, contributions: np.ndarray, maps: np.ndarray, levels: tuple[float, float]
    ) -> None:
        """Show the first :attr:`SHOWN` of ``order``; ``maps`` is the layer's ``(H, W, C)`` output."""
        rows = []
        for k in [int(i) for i in order[: self.SHOWN]]:
            rows.append((k, float(contributions[k]), rgba_image(apply_lut(maps[..., k], SEQUENTIAL_LUT, levels))))
        self._rows = rows
        self._limit = max(float(np.max(np.abs(contributions))) if contributions.size else 1.0, 1e-6)
        self.update()

    def clear(self) -> None:
        self._rows = []
        self.update()

    def ranked(self) -> list[tuple[int, float]]:
        """``[(map, contribution), ...]`` as shown, best first."""
        return [(k, c) for k, c, _ in self._rows]

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(360, self._row_height() * self.SHOWN + 4)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(220, self._row_height() * self.SHOWN + 4)

    def _row_height(self) -> int:
        return int(max(26.0, QFontMetricsF(_small_font(self)).height() + 8))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        try:
            font = _small_font(self)
            p.setFont(font)
            metrics = QFontMetricsF(font)
            row = self._row_height()
            label_w = metrics.horizontalAdvance("8.  " + self.tr("map {0}").format(888)) + 8
            for i, (k, value, image) in enumerate(self._rows):
                y = 2 + i * row
                p.setPen(_text_colour(self))
                p.drawText(QRectF(0, y, label_w, row), _ALIGN_LEFT, f"{i + 1}.  " + self.tr("map {0}").format(k))
                side = row - 4
                p.drawImage(QRectF(label_w, y + 2, side, side), image)
                x0 = label_w + side + 8
                room = max(10.0, self.width() - x0 - 4)
                middle = x0 + room / 2
                length = room / 2 * abs(value) / self._limit
                colour = QColor(*(POSITIVE_RGB if value >= 0 else NEGATIVE_RGB))
                bar = QRectF(middle, y + row * 0.3, length, row * 0.4)
                if value < 0:
                    bar.moveRight(middle)
                p.fillRect(bar, colour)
                p.setPen(QColor(128, 128, 128))
                p.drawLine(int(middle), y + 2, int(middle), y + row - 2)
        finally:
            p.end()


@dataclass
class _PictureLayer:
    name: str
    filters: list[QImage]
    pictures: list[QImage]


class FilterPicturesView(QWidget):
    """Per conv layer: each filter (its weights summed over the input channels, blue/red) beside the picture it
    responds to most (white on black, like the network input). objectName ``filterPicturesView``."""

    PICTURE = 56
    FILTER = 26

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterPicturesView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._layers: list[_PictureLayer] = []

    def set_pictures(self, layers: Sequence[tuple[str, np.ndarray, np.ndarray]]) -> None:
        """``[(layer, weights (H_f, W_f, C_in, C_out), pictures (C_out, 28, 28)), ...]``."""
        shown = []
        for name, weights, pictures in layers:
            summed = np.asarray(weights, dtype=np.float32).sum(axis=2)  # (H_f, W_f, C_out)
            limit = symmetric_limit(summed)
            filters = [rgba_image(diverging_rgba(summed[..., k], limit)) for k in range(summed.shape[-1])]
            shown.append(_PictureLayer(name, filters, [grey_image(p) for p in pictures]))
        self._layers = shown
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self._layers = []
        self.updateGeometry()
        self.update()

    def layers(self) -> list[str]:
        """The layers shown."""
        return [layer.name for layer in self._layers]

    def _cell(self) -> tuple[float, float]:
        line = QFontMetricsF(_small_font(self)).height()
        return self.PICTURE + self.FILTER + 12, self.PICTURE + line + 6

    def _columns(self, width: int) -> int:
        return max(1, int(width // self._cell()[0]))

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        cell_w, cell_h = self._cell()
        title = QFontMetricsF(self.font()).height() + 6
        cols = self._columns(width)
        return int(sum(title + -(-len(layer.pictures) // cols) * cell_h for layer in self._layers) + 4)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(600, max(60, self.heightForWidth(600)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(int(self._cell()[0]) * 2, self.heightForWidth(self.width() or 600))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        try:
            cell_w, cell_h = self._cell()
            cols = self._columns(self.width())
            title_h = QFontMetricsF(self.font()).height() + 6
            y = 0.0
            for layer in self._layers:
                p.setFont(self.font())
                p.setPen(_text_colour(self))
                p.drawText(QRectF(0, y, self.width(), title_h), _ALIGN_LEFT, layer.name)
                y += title_h
                p.setFont(_small_font(self))
                for k, (filt, picture) in enumerate(zip(layer.filters, layer.pictures, strict=True)):
                    x = (k % cols) * cell_w
                    top = y + (k // cols) * cell_h
                    p.drawImage(QRectF(x, top, self.FILTER, self.FILTER), filt)
                    p.drawImage(QRectF(x + self.FILTER + 4, top, self.PICTURE, self.PICTURE), picture)
                    p.setPen(QColor(128, 128, 128))
                    p.drawRect(QRectF(x + self.FILTER + 4, top, self.PICTURE, self.PICTURE))
                    p.setPen(_text_colour(self))
                    p.drawText(QRectF(x, top + self.PICTURE, self.FILTER + self.PICTURE + 4, cell_h - self.PICTURE),
                               _ALIGN_CENTRE, str(k))
                y += -(-len(layer.pictures) // cols) * cell_h
        finally:
            p.end()


class GradientView(QWidget):
    """Which weights a teaching step would change: per conv layer, each filter's change (minus its gradient,
    summed over the input channels; red: the weight grows, blue: it shrinks), each layer scaled to its own largest
    change. objectName ``teachGradientView``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teachGradientView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._layers: list[tuple[str, list[QImage]]] = []
        self._caption = ""

    def set_gradients(self, gradients: dict[str, np.ndarray]) -> None:
        """``"<layer>/w"`` -> gradient of conv weights ``(H_f, W_f, C_in, C_out)`` (other entries are skipped)."""
        layers = []
        for name, grad in gradients.items():
            layer, _, param = name.partition("/")
            if param != "w" or np.ndim(grad) != 4:
                continue
            change = -np.asarray(grad, dtype=np.float32).sum(axis=2)
            limit = symmetric_limit(change, 1e-12)
            layers.append((layer, [rgba_image(diverging_rgba(change[..., k], limit)) for k in range(change.shape[-1])]))
        self._layers = layers
        self.update()

    def clear(self) -> None:
        self._layers = []
        self.update()

    def layers(self) -> list[str]:
        return [name for name, _ in self._layers]

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(480, self._height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(240, self._height())

    def _height(self) -> int:
        line = QFontMetricsF(_small_font(self)).height()
        return int(2 * (line + 2 * 24 + 6) + 4)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        try:
            font = _small_font(self)
            p.setFont(font)
            line = QFontMetricsF(font).height()
            y = 0.0
            for name, tiles in self._layers[:2]:
                p.setPen(_text_colour(self))
                p.drawText(QRectF(0, y, self.width(), line), _ALIGN_LEFT, name)
                y += line
                per_row = max(1, -(-len(tiles) // 2))
                side = min(22.0, (self.width() - 2) / per_row - 2)
                for k, tile in enumerate(tiles):
                    x = (k % per_row) * (side + 2)
                    top = y + (k // per_row) * (side + 2)
                    p.drawImage(QRectF(x, top, side, side), tile)
                y += 2 * (side + 2) + 6
        finally:
            p.end()


class ProbabilityPairs(QWidget):
    """Ten digits, each with two bars: before (grey) and after (accent) a teaching step. objectName ``teachBars``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teachBars")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._before: list[float] = []
        self._after: list[float] = []
        self._digit = -1
        self._accent = QColor("#4cc2ff")

    def set_values(self, before: Sequence[float], after: Sequence[float], digit: int) -> None:
        self._before, self._after, self._digit = list(before), list(after), int(digit)
        self.update()

    def set_accent(self, colour: str) -> None:
        self._accent = QColor(colour)
        self.update()

    def clear(self) -> None:
        self._before, self._after, self._digit = [], [], -1
        self.update()

    def values(self) -> tuple[list[float], list[float]]:
        return list(self._before), list(self._after)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(360, 96)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(200, 96)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        try:
            font = _small_font(self)
            p.setFont(font)
            line = QFontMetricsF(font).height()
            plot_h = self.height() - line - 4
            slot = self.width() / 10.0
            bar_w = max(3.0, slot * 0.32)
            p.setPen(QColor(128, 128, 128))
            p.drawLine(0, int(plot_h), self.width(), int(plot_h))
            for d in range(10):
                x = d * slot + slot / 2
                pairs = ((self._before, QColor(150, 150, 150), -bar_w), (self._after, self._accent, 0.0))
                for values, colour, dx in pairs:
                    if d < len(values):
                        h = max(1.0, float(values[d]) * (plot_h - 2))
                        p.fillRect(QRectF(x + dx, plot_h - h, bar_w, h), colour)
                bold = QFont(font)
                bold.setBold(d == self._digit)
                p.setFont(bold)
                p.setPen(_text_colour(self))
                p.drawText(QRectF(d * slot, plot_h + 2, slot, line), _ALIGN_CENTRE, str(d))
                p.setFont(font)
        finally:
            p.end()


class NudgeView(QWidget):
    """The adversarial nudge: the original input, the change (blue/red) and the changed input, each with a caption.
    objectName ``nudgeView``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nudgeView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._images: list[QImage] = []
        self._captions: list[str] = []

    def set_nudge(self, original: np.ndarray, difference: np.ndarray, changed: np.ndarray,
                  captions: Sequence[str]) -> None:
        limit = symmetric_limit(difference, 1e-6)
        self._images = [grey_image(original), rgba_image(diverging_rgba(difference, limit)), grey_image(changed)]
        self._captions = list(captions)
        self.update()

    def clear(self) -> None:
        self._images, self._captions = [], []
        self.update()

    def captions(self) -> list[str]:
        return list(self._captions)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(420, 150)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(240, 130)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        try:
            font = _small_font(self)
            p.setFont(font)
            line = QFontMetricsF(font).height()
            slot = self.width() / 3.0
            side = max(20.0, min(slot - 12, self.height() - 2 * line - 8))
            for k, image in enumerate(self._images):
                x = k * slot + (slot - side) / 2
                p.drawImage(QRectF(x, 2, side, side), image)
                p.setPen(QColor(128, 128, 128))
                p.drawRect(QRectF(x, 2, side, side))
                if k < len(self._captions):
                    p.setPen(_text_colour(self))
                    flags = _ALIGN_CENTRE | int(Qt.TextFlag.TextWordWrap)
                    p.drawText(QRectF(k * slot, side + 4, slot, 2 * line), flags, self._captions[k])
        finally:
            p.end()

"""Pieces every lesson step uses: translation, colours, array -> pixmap, and the base class of a step page.

The numbers on the pages come from :mod:`engine.lesson_data` (which computes them with :mod:`engine.ops`);
the code here only lays them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QColor, QImage, QPixmap, QShowEvent
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

CONTEXT = "Lesson"

#: Layer descriptions the host window gives the stacking step: (name, type, output shape without batch).
LayerSpec = tuple[str, str, tuple[int, ...]]

WINDOW_COLOUR = QColor(0, 170, 80)  # the sliding window
CURRENT_COLOUR = QColor(0, 170, 80)  # the output cell being computed
MAX_COLOUR = QColor(255, 150, 0)  # the winner of a pooling window


def translate(text: str) -> str:
    """``QCoreApplication.translate("Lesson", text)``: every visitor-facing string of the lesson."""
    return QCoreApplication.translate(CONTEXT, text)


# ----------------------------------------------------------------------------------------- colours

_DIVERGING = np.array(  # RdBu-like: -1 blue, 0 near-white, +1 red
    [
        (33, 102, 172),
        (103, 169, 207),
        (247, 247, 247),
        (239, 138, 98),
        (178, 24, 43),
    ],
    dtype=np.float64,
)


def diverging_rgb(t: np.ndarray) -> np.ndarray:
    """Colours for values already scaled to ``[-1, 1]``; returns uint8 ``(..., 3)``."""
    t = np.clip(np.nan_to_num(np.asarray(t, dtype=np.float64)), -1.0, 1.0)
    pos = (t + 1.0) * 2.0  # 0 .. 4 over the 5 stops
    lo = np.clip(np.floor(pos).astype(int), 0, 3)
    frac = (pos - lo)[..., None]
    return np.round(_DIVERGING[lo] * (1 - frac) + _DIVERGING[lo + 1] * frac).astype(np.uint8)


def gray_rgb(t: np.ndarray) -> np.ndarray:
    """Gray levels for values scaled to ``[0, 1]`` (0 black, 1 white); returns uint8 ``(..., 3)``."""
    t = np.clip(np.nan_to_num(np.asarray(t, dtype=np.float64)), 0.0, 1.0)
    g = np.round(t * 255).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=-1)


def text_colour(rgb: Sequence[int]) -> QColor:
    """Black on light cells, white on dark ones."""
    r, g, b = (int(v) for v in rgb[:3])
    return QColor(Qt.GlobalColor.black) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else QColor(Qt.GlobalColor.white)


# ----------------------------------------------------------------------------------------- pixmaps


def rgb_to_pixmap(rgb: np.ndarray, scale: int = 4) -> QPixmap:
    """An ``(H, W, 3)`` uint8 array as a pixmap enlarged ``scale`` times with square pixels."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()  # copy: own the buffer
    return QPixmap.fromImage(image.scaled(w * scale, h * scale, Qt.AspectRatioMode.IgnoreAspectRatio,
                                          Qt.TransformationMode.FastTransformation))


def gray_to_pixmap(image: np.ndarray, scale: int = 4) -> QPixmap:
    """A ``(H, W)`` array in ``[0, 1]`` as a gray pixmap (white digit on black, as the network sees it)."""
    return rgb_to_pixmap(gray_rgb(image), scale)


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """An image as an ``(H, W, 3)`` uint8 array."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = image.height(), image.width(), image.bytesPerLine()
    buf = np.frombuffer(image.constBits(), dtype=np.uint8, count=h * bpl).reshape(h, bpl)
    return buf[:, : 3 * w].reshape(h, w, 3).copy()


def as_image28(image: np.ndarray | None) -> np.ndarray | None:
    """The host's image as a ``(28, 28)`` float64 array in ``[0, 1]`` (or None for an empty canvas)."""
    if image is None:
        return None
    a = np.asarray(image, dtype=np.float64)
    if a.size != 28 * 28:
        raise ValueError(f"the lesson expects a 28x28 image, got shape {a.shape}")
    return np.clip(a.reshape(28, 28), 0.0, 1.0)


# ----------------------------------------------------------------------------------------- labels


def heading(text: str) -> QLabel:
    """A bold caption; it wraps when its column is narrow (never cut)."""
    label = QLabel(text)
    label.setWordWrap(True)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    font.setBold(True)
    label.setFont(font)
    return label


def block(caption: QWidget, *widgets: QWidget) -> QWidget:
    """A caption over one or more widgets (a grid, an editor), top-aligned: one block of a ColumnsLayout."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    layout.addWidget(caption)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return box


def paragraph(text: str, object_name: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    if object_name:
        label.setObjectName(object_name)
    return label


def hint_label(text: str, object_name: str = "lessonEmptyHint") -> QLabel:
    """The "draw a digit first" message shown while the canvas is empty."""
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setFrameShape(QFrame.Shape.StyledPanel)
    label.setProperty(NOTICE_PROPERTY, True)
    style_notice(label)
    return label


NOTICE_PROPERTY = "lessonNotice"
"""Dynamic property of the lesson's notice labels (the "draw a digit first" hints), restyled with the palette."""
_NOTICE_STYLES = {
    False: "QLabel { background: #fff6d5; color: #5a4300; padding: 6px; border-radius: 4px; }",
    True: "QLabel { background: #3b3320; color: #ffd98a; padding: 6px; border-radius: 4px; }",
}


def is_dark(widget: QWidget) -> bool:
    """Whether the widget's palette is a dark one (dark window background)."""
    return widget.palette().window().color().lightness() < 128


def style_notice(label: QLabel) -> None:
    """Amber notice colours that suit the label's palette: dark text on pale amber, or pale text on dark amber."""
    label.setStyleSheet(_NOTICE_STYLES[is_dark(label)])


def signed_terms(values: Sequence[float], fmt: str = "{:g}") -> str:
    """``[1, -1, 0.5]`` -> ``"1 − 1 + 0.5"`` (the way the lecture writes its sums)."""
    parts: list[str] = []
    for i, v in enumerate(values):
        text = fmt.format(abs(v))
        if i == 0:
            parts.append(("−" if v < 0 else "") + text)
        else:
            parts.append(("− " if v < 0 else "+ ") + text)
    return " ".join(parts)


def number_text(v: float) -> str:
    """Integers without decimals (the lecture's 1 and -1), other numbers with two."""
    if not np.isfinite(v):
        return ""
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}"


# ----------------------------------------------------------------------------------------- step base class


class LessonStep(QWidget):
    """One page of the lesson: a title, an introduction, and a body that :meth:`refresh` fills.

    The host's data (image, filters, architecture) is stored when it arrives; the page recomputes only
    when it is visible (or when a test asks what it shows), so live drawing costs nothing on hidden pages.
    """

    def __init__(self, title: str, intro: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self._image: np.ndarray | None = None
        self._filters: dict[str, np.ndarray] = {}
        self._architecture: list[LayerSpec] = []
        self._dirty = True
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setObjectName("lessonScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        self.scroll_area = scroll
        """The page scrolls vertically only: every part wraps or shrinks to the width (no horizontal bar)."""
        content = QWidget()
        content.setObjectName("lessonContent")
        scroll.setWidget(content)
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(12, 8, 12, 8)
        self.body = QVBoxLayout()
        self.body.setSpacing(8)
        content_layout.addLayout(self.body)
        content_layout.addStretch(1)  # spare height goes below the page, not between its parts
        title_label = heading(title)
        font = title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        title_label.setFont(font)
        self.body.addWidget(title_label)
        self.intro = paragraph(intro)
        self.body.addWidget(self.intro)

    def title(self) -> str:
        return self._title

    # -- data from the host -------------------------------------------------------------------------------
    def set_image(self, image28: np.ndarray | None) -> None:
        self._image = as_image28(image28)
        self.invalidate()

    def set_filters(self, filters: Mapping[str, Any]) -> None:
        """Conv name -> weights (H_f, W_f, C_in, C_out), or -> (weights, bias) as ``ModelInfo.filters``."""
        self._filters = {name: np.asarray(w[0] if isinstance(w, tuple) else w) for name, w in filters.items()}
        self.invalidate()

    def set_architecture(self, architecture: list[LayerSpec]) -> None:
        self._architecture = list(architecture)
        self.invalidate()

    # -- refreshing -----------------------------------------------------------------------------------------
    def invalidate(self) -> None:
        """Recompute now if visible, else when next shown (or inspected)."""
        self._dirty = True
        if self.isVisible():
            self.ensure_fresh()

    def ensure_fresh(self) -> None:
        if self._dirty:
            self._dirty = False
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_fresh()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.apply_palette()

    def apply_palette(self) -> None:
        """Restyle what does not follow the palette by itself (notices; plots in subclasses) for the new theme."""
        for label in self.findChildren(QLabel):
            if label.property(NOTICE_PROPERTY):
                style_notice(label)

    def refresh(self) -> None:
        """Recompute and redraw everything the page shows."""
        raise NotImplementedError

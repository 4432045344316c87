"""The overlay's switch at the canvas (issue #16: "a toggle on the canvas overlays a saliency map of the current
answer while the pen moves").

:class:`CanvasSaliencyToggle` is a checkable button that stands in the row right under the drawing, next to Undo
and Clear, so it never covers ink or catches a stroke. It shows an eye (red and blue, the overlay's colours) and,
where the row has room, its label; in a narrow column (1024x700 in German presenter type) it keeps the eye only,
with the label as its tooltip and accessible name, instead of squeezing Undo and Clear. It is touch-sized through
the kiosk's touch style like every push button (:mod:`gui.kiosk.touch`). The "Why?" tab keeps it in step with its
own "Where it looks" check box (:class:`~gui.why.panel.WhyPanel`): one state, two switches.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPaintEvent, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import QPushButton, QSizePolicy, QStyle, QStyleOptionButton, QWidget

from convlens.gui.kiosk.i18n import SELF_TRANSLATING
from convlens.services.explain import NEGATIVE_RGB, POSITIVE_RGB

__all__ = ["BUTTON_HEIGHT", "CanvasSaliencyToggle", "eye_icon"]

BUTTON_HEIGHT = 38
"""As tall as Undo and Clear beside it (the kiosk's touch style makes all three 48 px)."""
_ICON_SPACING = 4
"""What ``QPushButton::sizeHint`` adds between an icon and the text."""


def eye_icon(side: int, outline: QColor, ratio: float = 2.0) -> QIcon:
    """An eye whose iris is half red, half blue (the overlay's colours), ``side`` pixels square.

    Parameters
    ----------
    side : int
        The icon's side in logical pixels.
    outline : QColor
        The colour of the eye's outline (the button's text colour).
    ratio : float
        Device pixels per logical pixel of the picture (sharp on high-DPI screens).
    """
    pixmap = QPixmap(round(side * ratio), round(side * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        s = float(side)
        eye = QPainterPath(QPointF(0.06 * s, 0.5 * s))
        eye.quadTo(QPointF(0.5 * s, 0.02 * s), QPointF(0.94 * s, 0.5 * s))
        eye.quadTo(QPointF(0.5 * s, 0.98 * s), QPointF(0.06 * s, 0.5 * s))
        iris = QRectF(0.31 * s, 0.31 * s, 0.38 * s, 0.38 * s)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(*POSITIVE_RGB))
        painter.drawPie(iris, 90 * 16, 180 * 16)
        painter.setBrush(QColor(*NEGATIVE_RGB))
        painter.drawPie(iris, 270 * 16, 180 * 16)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(outline, max(1.0, s / 14.0)))
        painter.drawPath(eye)
    finally:
        painter.end()
    return QIcon(pixmap)


class CanvasSaliencyToggle(QPushButton):
    """The overlay's on/off switch under the canvas; objectName ``canvasSaliencyToggle``. See the module docstring.

    :meth:`text` is the label when the button is wide enough to show it whole, else empty (the eye alone);
    :meth:`label` is the label in either case.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("canvasSaliencyToggle")
        self.setProperty(SELF_TRANSLATING, True)  # its texts are set here, also on a language switch
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # like Undo and Clear: the canvas keeps the keyboard
        self.setMinimumHeight(BUTTON_HEIGHT)
        # as wide as its label at most; narrower (down to the eye alone) when Undo and Clear need the room
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self._label = ""
        self._icon_key: tuple[int, int] | None = None
        self._refresh_icon()
        self.retranslate_ui()

    # -- texts ----------------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        """The label and the tooltip in the current language."""
        self._label = self.tr("Where it looks")
        self.setAccessibleName(self._label)
        self.setToolTip(
            self.tr("Where it looks: colour the drawing by how much each part pushes the answer (red: towards it, "
                    "blue: away from it)")
        )
        self.updateGeometry()
        self._fit_text()

    def label(self) -> str:
        """The button's label (shown when there is room for it)."""
        return self._label

    # -- size -----------------------------------------------------------------------------------------------
    def _size_for(self, text: str) -> QSize:
        """The button's size showing ``text`` beside the eye (``""``: the eye alone), as ``QPushButton`` and the
        style (the kiosk's touch style included) would make it."""
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = text
        icon = self.iconSize()
        width, height = icon.width(), icon.height()
        if text:
            width += _ICON_SPACING + self.fontMetrics().horizontalAdvance(text)
            height = max(height, self.fontMetrics().height())
        size = self.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, option, QSize(width, height), self)
        size = size.expandedTo(QSize(0, self.minimumHeight()))
        return size.expandedTo(QSize(size.height(), 0))  # the eye alone: a square button

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self._size_for(self._label)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self._size_for("")

    def _fit_text(self) -> None:
        """Show the label only when it fits whole (never a cut-off word)."""
        shown = self._label if self.width() >= self._size_for(self._label).width() else ""
        if self.text() != shown:
            self.setText(shown)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_text()

    # -- look -----------------------------------------------------------------------------------------------
    def _refresh_icon(self) -> None:
        """The eye at the height of the text, in the text's colour (again after a font, palette or style change)."""
        side = max(16, round(self.fontMetrics().height() * 1.15))
        colour = self.palette().buttonText().color()
        key = (side, colour.rgba())
        if key == self._icon_key:
            return
        self._icon_key = key
        self.setIconSize(QSize(side, side))
        self.setIcon(eye_icon(side, colour))
        self.updateGeometry()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self.isChecked():  # a sunken button alone hardly shows on the dark theme: an accent frame says "on"
            painter = QPainter(self)
            try:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                accent = self.palette().highlight().color()
                painter.setPen(QPen(accent, 2.0))
                tint = QColor(accent)
                tint.setAlpha(40)
                painter.setBrush(tint)
                painter.drawRoundedRect(QRectF(self.rect()).adjusted(2, 2, -2, -2), 3, 3)
            finally:
                painter.end()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        kind = event.type()
        if kind == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        elif kind in (QEvent.Type.FontChange, QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._refresh_icon()
            self._fit_text()
        super().changeEvent(event)

"""Network-input panel: the 28x28 image the network sees, and (on request) how it was made.

The steps come from :func:`engine.preprocess.mnist_style_steps` (via the controller's
``LiveResult.steps``): 1 the raw canvas, 2 the crop to the ink's bounding box, 3 the crop scaled
into the 20x20 box keeping its aspect ratio, 4 the 28x28 frame centred on the centre of mass
(marked with a cross while the steps are shown).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QCheckBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from convlens.gui.controller import LiveResult
from convlens.gui.panels import new_image_item, new_view
from convlens.gui.style import Theme, get_theme

__all__ = ["NetworkInputPanel", "pad_to_square"]

STEP_THUMB_PX = 44
"""Smallest side of a preprocessing step's thumbnail."""

_STEP_TITLES = (
    QT_TRANSLATE_NOOP("NetworkInputPanel", "1 raw canvas"),
    QT_TRANSLATE_NOOP("NetworkInputPanel", "2 cropped to the ink"),
    QT_TRANSLATE_NOOP("NetworkInputPanel", "3 scaled to 20×20"),
)


def pad_to_square(img: np.ndarray, side: int | None = None) -> np.ndarray:
    """Centre a 2-D image in a square of zeros (side ``max(h, w)`` unless given), float32."""
    h, w = img.shape
    s = max(h, w, side or 0)
    out = np.zeros((s, s), dtype=np.float32)
    top, left = (s - h) // 2, (s - w) // 2
    out[top : top + h, left : left + w] = img
    return out


class NetworkInputPanel(QWidget):
    """The 28x28 network input and the preprocessing steps; objectName ``networkInputPanel``."""

    def __init__(self, theme: Theme | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkInputPanel")
        self._theme = theme or get_theme("dark")
        self._image = np.zeros((28, 28), dtype=np.float32)
        self._steps_images: list[np.ndarray] = [np.zeros((1, 1), np.float32)] * 3

        self.title = QLabel(self.tr("<b>Network input</b>"))
        self.title.setObjectName("networkInputTitle")
        self.stepsCheck = QCheckBox(self.tr("Show the steps"))
        self.stepsCheck.setObjectName("showStepsCheck")
        self.stepsCheck.setToolTip(self.tr("How the drawing becomes the 28×28 image MNIST digits look like"))
        self.stepsCheck.toggled.connect(self.set_show_steps)

        self.stepsView = pg.GraphicsLayoutWidget()
        self.stepsView.setObjectName("preprocessStepsView")
        self.stepsView.ci.setContentsMargins(2, 2, 2, 2)
        self._step_items: list[pg.ImageItem] = []
        self._step_views: list[pg.ViewBox] = []
        self._step_labels: list[pg.LabelItem] = []
        # The three steps side by side, numbered; their names in a wrapping caption under them. (Stacked, they
        # shrank to dots in a short window: side by side each keeps a third of the column's width.)
        for i in range(len(_STEP_TITLES)):
            self._step_labels.append(self.stepsView.ci.addLabel(str(i + 1), row=0, col=i))
            vb = new_view()
            item = new_image_item()
            vb.addItem(item)
            self.stepsView.ci.addItem(vb, row=1, col=i)
            self._step_items.append(item)
            self._step_views.append(vb)
        self.stepsView.setVisible(False)
        self.stepsView.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.stepsView.setFixedHeight(STEP_THUMB_PX + 26)
        self.stepsCaption = QLabel()
        self.stepsCaption.setObjectName("preprocessStepsCaption")
        self.stepsCaption.setWordWrap(True)
        self.stepsCaption.setVisible(False)
        self._caption_steps()

        self.inputView = pg.GraphicsLayoutWidget()
        self.inputView.setObjectName("networkInputView")
        self.inputView.ci.setContentsMargins(2, 2, 2, 2)
        self._final_label = self.inputView.ci.addLabel(self.tr("28×28, white on black"), row=0, col=0)
        self._input_vb = new_view()
        self.inputItem = new_image_item()
        self._input_vb.addItem(self.inputItem)
        self.inputView.ci.addItem(self._input_vb, row=1, col=0)
        self._input_vb.setRange(xRange=(0, 28), yRange=(0, 28), padding=0.0, disableAutoRange=True)
        self._com = pg.ScatterPlotItem(size=14, symbol="+", pen=pg.mkPen("#ff5050", width=2), brush=None)
        self._input_vb.addItem(self._com, ignoreBounds=True)
        self._com.setVisible(False)
        self.inputView.setMinimumSize(100, 120)
        self.inputView.setMaximumHeight(210)
        self.inputView.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.stepsCheck)
        layout.addWidget(self.stepsView, 0)
        layout.addWidget(self.stepsCaption, 0)
        layout.addWidget(self.inputView, 0)
        layout.addStretch(1)
        self._fit_width()
        self.set_theme(self._theme)
        self._paint()

    def set_show_steps(self, show: bool) -> None:
        """Show or hide the preprocessing steps."""
        show = bool(show)
        if self.stepsCheck.isChecked() != show:
            self.stepsCheck.setChecked(show)
            return
        self.stepsView.setVisible(show)
        self.stepsCaption.setVisible(show)
        self._final_label.setText(self.tr("4 centred (28×28)") if show else self.tr("28×28, white on black"))
        self._com.setVisible(show)
        self._paint()

    def _caption_steps(self) -> None:
        self.stepsCaption.setText("  ·  ".join(self.tr(str(text)) for text in _STEP_TITLES))

    def _fit_width(self) -> None:
        """A fixed width that follows the font (presenter mode) and the longest of the title and the check box."""
        metrics = QFontMetrics(self.font())
        needed = max(self.title.sizeHint().width(), self.stepsCheck.sizeHint().width(), 24 * metrics.averageCharWidth())
        self.setFixedWidth(max(170, needed + 4))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self._caption_steps()
        if event.type() in (QEvent.Type.LanguageChange, QEvent.Type.FontChange):
            self._fit_width()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        # square thumbnails: a third of the width each (minus the gaps), never below STEP_THUMB_PX
        side = max(STEP_THUMB_PX, (self.width() - 16) // 3)
        self.stepsView.setFixedHeight(side + 26)
        self.stepsCaption.setMinimumHeight(self.stepsCaption.heightForWidth(self.width()))  # all its lines
        # the image's caption wraps in the column instead of being cut (presenter type, German)
        label = self._final_label
        label.item.setTextWidth(max(40, self.width() - 12))
        label.setMaximumHeight(100_000)
        label.updateMin()

    def show_steps(self) -> bool:
        """Whether the steps are shown."""
        return self.stepsView.isVisibleTo(self)

    def update_result(self, result: LiveResult) -> None:
        """Show the input (and steps) of a live update; an empty canvas shows black."""
        if result.image28 is None:
            self._image = np.zeros((28, 28), dtype=np.float32)
            self._steps_images = [np.zeros((1, 1), np.float32)] * 3
        else:
            self._image = np.asarray(result.image28, dtype=np.float32)
            if result.steps is not None:
                raw = result.steps.raw
                stride = max(1, max(raw.shape) // 140)
                self._steps_images = [
                    raw[::stride, ::stride],
                    pad_to_square(np.asarray(result.steps.cropped, dtype=np.float32)),
                    pad_to_square(np.asarray(result.steps.scaled, dtype=np.float32), 20),
                ]
        self._paint()

    def image(self) -> np.ndarray:
        """The 28x28 image shown, float32."""
        return self._image.copy()

    def step_images(self) -> list[np.ndarray]:
        """The raw / cropped / scaled images of the last update (display copies)."""
        return [a.copy() for a in self._steps_images]

    def _paint(self) -> None:
        self.inputItem.setImage(self._image, levels=(0.0, 1.0), autoLevels=False)
        if self._com.isVisible():
            mass = float(self._image.sum())
            if mass > 0:
                idx = np.arange(28, dtype=np.float32)
                r = float(self._image.sum(axis=1) @ idx) / mass
                c = float(self._image.sum(axis=0) @ idx) / mass
                self._com.setData([c + 0.5], [r + 0.5])
            else:
                self._com.setData([], [])
        if self.stepsView.isVisibleTo(self):
            for item, vb, img in zip(self._step_items, self._step_views, self._steps_images, strict=True):
                shape = item.image.shape if item.image is not None else None
                item.setImage(img, levels=(0.0, 1.0), autoLevels=False)
                if shape != img.shape:
                    vb.setRange(xRange=(0, img.shape[1]), yRange=(0, img.shape[0]), padding=0.0)

    def set_theme(self, theme: Theme) -> None:
        """Restyle for a theme."""
        self._theme = theme
        for view in (self.stepsView, self.inputView):
            view.setBackground(theme.base)
        for label in [*self._step_labels, self._final_label]:
            label.setAttr("color", theme.text)
            label.setText(label.text)

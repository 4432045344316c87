"""Step 1, "Pixels are numbers": the 28x28 image the network sees, as a grid of numbers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from convlens.engine.lesson_data import ExampleDigits, pixel_values
from convlens.gui.layouts import ColumnsLayout, FlowLayout, group
from convlens.gui.lesson.common import (
    WINDOW_COLOUR,
    LessonStep,
    gray_rgb,
    gray_to_pixmap,
    hint_label,
    paragraph,
    translate,
)
from convlens.gui.lesson.grid import ValueGrid

ExamplesLoader = Callable[[], ExampleDigits]


def _text_01(v: float) -> str:
    """Short text for values in [0, 1]: ``0``, ``1``, ``.47``."""
    if v == 0.0 or v == 1.0:
        return f"{v:.0f}"
    return f"{v:.2f}".lstrip("0")


ZOOMS = (1, 2, 3, 4)
"""Zoom factors of the pixel grid: 1 shows all 28 x 28 pixels, z shows ceil(28 / z) of them per side."""


def zoom_region(shape: tuple[int, int], zoom: int, centre: tuple[float, float]) -> tuple[int, int, int, int]:
    """``(top, left, rows, cols)`` of the part of an image shown at ``zoom``, centred near ``centre`` (row, col)
    and kept inside the image."""
    h, w = shape
    rows, cols = -(-h // zoom), -(-w // zoom)
    top = int(round(centre[0] - rows / 2))
    left = int(round(centre[1] - cols / 2))
    return (max(0, min(top, h - rows)), max(0, min(left, w - cols)), rows, cols)


class PixelOverview(QWidget):
    """The whole image, small, with the zoomed part outlined; click or drag on it to move the zoomed part.

    Signals
    -------
    centreRequested(float, float)
        The (row, col) of the image under the pointer.
    """

    centreRequested = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pixelsPicture")
        self._image = QImage()
        self._shape = (28, 28)
        self._region: tuple[int, int, int, int] | None = None
        self.setMinimumSize(28 * 4, 28 * 4)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setToolTip(translate("Click or drag here to choose the part shown zoomed in"))

    def sizeHint(self) -> QSize:
        return QSize(28 * 5, 28 * 5)

    def set_image(self, gray01: np.ndarray, region: tuple[int, int, int, int] | None) -> None:
        """The image (values in [0, 1]) and the zoomed region (None: no outline)."""
        rgb = np.ascontiguousarray(gray_rgb(gray01))
        h, w, _ = rgb.shape
        self._image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self._shape = (h, w)
        self._region = region
        self.update()

    def _scale(self) -> float:
        return min(self.width() / self._shape[1], self.height() / self._shape[0])

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        scale = self._scale()
        target = QRectF(0, 0, self._shape[1] * scale, self._shape[0] * scale)
        painter.drawImage(target, self._image)
        if self._region is not None:
            top, left, rows, cols = self._region
            pen = QPen(WINDOW_COLOUR, 2)
            painter.setPen(pen)
            painter.drawRect(QRectF(left * scale + 1, top * scale + 1, cols * scale - 2, rows * scale - 2))
        painter.setPen(QPen(QColor(128, 128, 128), 1))
        painter.drawRect(target.adjusted(0, 0, -1, -1))
        painter.end()

    def _request(self, pos: QPointF) -> None:
        scale = self._scale()
        if scale > 0:
            self.centreRequested.emit(pos.y() / scale, pos.x() / scale)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._request(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._request(event.position())


class PixelsStep(LessonStep):
    """The visitor's 28x28 image (or an MNIST example) as numbers: black/white or grayscale, 0..255 or 0..1.

    The grid's cells follow the page width; when they are too small for their numbers a note says so and the
    zoom control shows part of the image with larger cells (the overview picture next to it chooses which part).
    Example digits come from ``examples_loader`` (MNIST's first training digits 5 0 4 1 when cached, else
    drawn stand-ins), called once, the first time the page is shown.
    """

    def __init__(self, examples_loader: ExamplesLoader, parent: QWidget | None = None) -> None:
        super().__init__(
            translate("1. Pixels are numbers"),
            translate(
                "A picture is a grid of numbers. In black and white each pixel is 0 or 1; in grayscale it is a "
                "brightness from 0 (black) to 255 (white). MNIST digits are 28 × 28 = 784 such numbers, white "
                "on black, and that is all the network ever sees of your drawing."
            ),
            parent,
        )
        self._loader = examples_loader
        self._examples: ExampleDigits | None = None
        self._values = np.zeros((28, 28))
        self._centre: tuple[float, float] | None = None  # the zoomed part's centre; None: the ink's centre

        controls = FlowLayout()
        self.source_combo = QComboBox()
        self.source_combo.setObjectName("pixelsSourceCombo")
        self.source_combo.addItem(translate("Your drawing"))
        controls.addWidget(group(QLabel(translate("Image:")), self.source_combo))
        self.gray_radio = QRadioButton(translate("Grayscale"))
        self.gray_radio.setObjectName("pixelsGrayscale")
        self.bw_radio = QRadioButton(translate("Black and white"))
        self.bw_radio.setObjectName("pixelsBlackWhite")
        self.gray_radio.setChecked(True)
        self._mode_group = QButtonGroup(self)
        for radio in (self.gray_radio, self.bw_radio):
            self._mode_group.addButton(radio)
        controls.addWidget(group(self.gray_radio, self.bw_radio))
        self.range255_radio = QRadioButton(translate("0 .. 255"))
        self.range255_radio.setObjectName("pixelsRange255")
        self.range01_radio = QRadioButton(translate("0 .. 1"))
        self.range01_radio.setObjectName("pixelsRange01")
        self.range255_radio.setChecked(True)
        self._range_group = QButtonGroup(self)
        for radio in (self.range255_radio, self.range01_radio):
            self._range_group.addButton(radio)
        controls.addWidget(group(self.range255_radio, self.range01_radio))
        self.zoom_combo = QComboBox()
        self.zoom_combo.setObjectName("pixelsZoom")
        self.zoom_combo.setToolTip(translate("Larger cells, so that every pixel shows its number"))
        for z in ZOOMS:
            side = -(-28 // z)
            text = translate("{0}× (all {1} × {1})") if z == 1 else translate("{0}× ({1} × {1} pixels)")
            self.zoom_combo.addItem(text.format(z, side), z)
        controls.addWidget(group(QLabel(translate("Zoom:")), self.zoom_combo))
        self.body.addLayout(controls)

        self.hint = hint_label(translate("Draw a digit on the canvas: its 784 numbers appear here. "
                                         "(An empty canvas is all zeros.)"))
        self.body.addWidget(self.hint)

        examples = FlowLayout(h_spacing=6)
        self.examples_label = QLabel()
        self.examples_label.setWordWrap(True)
        examples.addWidget(self.examples_label)
        self.example_buttons: list[QToolButton] = []
        for i in range(4):
            button = QToolButton()
            button.setObjectName(f"pixelsExample{i}")
            button.setIconSize(QSize(56, 56))
            button.clicked.connect(lambda _=False, i=i: self.source_combo.setCurrentIndex(i + 1))
            examples.addWidget(button)
            self.example_buttons.append(button)
        self.body.addLayout(examples)

        self.grid = ValueGrid(cell=30, max_cell=44, max_extent=28 * 44, min_cell=8, object_name="pixelsGrid")
        self.grid.installEventFilter(self)
        grid_block = QWidget()
        grid_box = QVBoxLayout(grid_block)
        grid_box.setContentsMargins(0, 0, 0, 0)
        self.region_label = QLabel()
        self.region_label.setObjectName("pixelsRegionLabel")
        self.region_label.setWordWrap(True)
        grid_box.addWidget(self.region_label)
        grid_box.addWidget(self.grid)
        side_block = QWidget()
        side_box = QVBoxLayout(side_block)
        side_box.setContentsMargins(0, 0, 0, 0)
        self.picture = PixelOverview()
        side_box.addWidget(self.picture)
        look = QLabel(translate("What the numbers look like"))
        look.setWordWrap(True)
        side_box.addWidget(look)
        self.zoom_note = QLabel(translate("The cells are too small for their numbers: zoom in to read them."))
        self.zoom_note.setObjectName("pixelsZoomNote")
        self.zoom_note.setWordWrap(True)
        side_box.addWidget(self.zoom_note)
        side_box.addStretch(1)
        side_block.setMaximumWidth(220)
        row = ColumnsLayout()
        row.add(grid_block, 1.0, self.grid.max_useful_width)
        row.add(side_block, 0.0)
        self.body.addLayout(row)
        self.caption = paragraph("", "pixelsCaption")
        self.body.addWidget(self.caption)

        self.source_combo.currentIndexChanged.connect(lambda *_: self.invalidate())
        self._mode_group.buttonToggled.connect(lambda *_: self.invalidate())
        self._range_group.buttonToggled.connect(lambda *_: self.invalidate())
        self.zoom_combo.currentIndexChanged.connect(self._zoom_changed)
        self.picture.centreRequested.connect(self._move_region)

    # -- examples -------------------------------------------------------------------------------------------
    def _ensure_examples(self) -> None:
        if self._examples is not None:
            return
        self._examples = self._loader()
        ex = self._examples
        source = (translate("MNIST's first training digits:") if ex.source == "mnist"
                  else translate("Drawn stand-ins for MNIST's first digits (MNIST is not downloaded):"))
        self.examples_label.setText(source)
        self.source_combo.blockSignals(True)
        for i, label in enumerate(ex.labels):
            example = translate("Example {0}: an {1}") if int(label) == 8 else translate("Example {0}: a {1}")
            self.source_combo.addItem(example.format(i + 1, int(label)))
            self.example_buttons[i].setIcon(QIcon(gray_to_pixmap(ex.images[i], 2)))
            self.example_buttons[i].setToolTip(str(int(label)))
        for button in self.example_buttons[len(ex.labels):]:
            button.hide()
        self.source_combo.blockSignals(False)

    def examples(self) -> ExampleDigits | None:
        return self._examples

    # -- zoom -----------------------------------------------------------------------------------------------
    def zoom(self) -> int:
        """The zoom factor (1 shows the whole image)."""
        return int(self.zoom_combo.currentData())

    def set_zoom(self, zoom: int) -> None:
        """Show ``ceil(28 / zoom)`` pixels per side (centred on the ink), with cells ``zoom`` times larger."""
        self.zoom_combo.setCurrentIndex(ZOOMS.index(int(zoom)))

    def shown_region(self) -> tuple[int, int, int, int]:
        """``(top, left, rows, cols)`` of the pixels the grid shows."""
        self.ensure_fresh()
        return self._region()

    def _region(self) -> tuple[int, int, int, int]:
        centre = self._centre
        if centre is None:
            ink = self._values
            mass = float(ink.sum())
            if mass > 0:
                rows, cols = np.indices(ink.shape)
                centre = (float((rows * ink).sum() / mass) + 0.5, float((cols * ink).sum() / mass) + 0.5)
            else:
                centre = (ink.shape[0] / 2, ink.shape[1] / 2)
        h, w = self._values.shape
        return zoom_region((int(h), int(w)), self.zoom(), centre)

    def _zoom_changed(self, *_: object) -> None:
        self._centre = None  # a new zoom starts on the ink
        self.invalidate()

    def _move_region(self, row: float, col: float) -> None:
        if self.zoom() > 1:
            self._centre = (row, col)
            self.invalidate()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.grid and event.type() == QEvent.Type.Resize:
            self._update_zoom_note()
        return super().eventFilter(watched, event)

    def _update_zoom_note(self) -> None:
        self.zoom_note.setVisible(not self.grid.numbers_shown() and self.zoom() < ZOOMS[-1])

    # -- drawing --------------------------------------------------------------------------------------------
    def shown_image(self) -> np.ndarray:
        """The 28x28 image in [0, 1] the grid shows (zeros for an empty canvas)."""
        index = self.source_combo.currentIndex()
        if index > 0 and self._examples is not None:
            return np.asarray(self._examples.images[index - 1], dtype=np.float64)
        return np.zeros((28, 28)) if self._image is None else self._image

    def refresh(self) -> None:
        self._ensure_examples()
        drawing = self.source_combo.currentIndex() == 0
        self.hint.setVisible(drawing and self._image is None)
        scale255 = self.range255_radio.isChecked()
        binary = self.bw_radio.isChecked()
        values = pixel_values(self.shown_image(), binary=binary, scale255=scale255)
        self._values = values
        top = 255.0 if scale255 else 1.0
        fmt = (lambda v: f"{v:.0f}") if scale255 else _text_01
        r0, c0, rows, cols = self._region()
        self.grid.set_values(values[r0:r0 + rows, c0:c0 + cols], fmt=fmt, cmap="gray", vmin=0.0, vmax=top)
        zoomed = self.zoom() > 1
        self.picture.set_image(values / top, (r0, c0, rows, cols) if zoomed else None)
        self.region_label.setVisible(zoomed)
        self.region_label.setText(translate("Rows {0}–{1}, columns {2}–{3} (drag on the small picture to move)")
                                  .format(r0, r0 + rows - 1, c0, c0 + cols - 1))
        self._update_zoom_note()
        lit = int(np.count_nonzero(values))
        self.caption.setText(
            translate("28 × 28 image ⇒ 784 input numbers; {0} of them are not 0. "
                      "Flattened, they are the 784 inputs of a fully connected network.").format(lit)
        )

    def displayed_values(self) -> np.ndarray:
        """The numbers of the whole image, shape (28, 28) (the grid shows :meth:`shown_region` of them)."""
        self.ensure_fresh()
        return self._values.copy()

"""Step 1, "Pixels are numbers": the 28x28 image the network sees, as a grid of numbers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from convlens.engine.lesson_data import ExampleDigits, pixel_values
from convlens.gui.lesson.common import LessonStep, gray_to_pixmap, hint_label, paragraph, translate
from convlens.gui.lesson.grid import ValueGrid

ExamplesLoader = Callable[[], ExampleDigits]


def _text_01(v: float) -> str:
    """Short text for values in [0, 1]: ``0``, ``1``, ``.47``."""
    if v == 0.0 or v == 1.0:
        return f"{v:.0f}"
    return f"{v:.2f}".lstrip("0")


class PixelsStep(LessonStep):
    """The visitor's 28x28 image (or an MNIST example) as numbers: black/white or grayscale, 0..255 or 0..1.

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

        controls = QHBoxLayout()
        self.source_combo = QComboBox()
        self.source_combo.setObjectName("pixelsSourceCombo")
        self.source_combo.addItem(translate("Your drawing"))
        controls.addWidget(QLabel(translate("Image:")))
        controls.addWidget(self.source_combo)
        controls.addSpacing(16)
        self.gray_radio = QRadioButton(translate("Grayscale"))
        self.gray_radio.setObjectName("pixelsGrayscale")
        self.bw_radio = QRadioButton(translate("Black and white"))
        self.bw_radio.setObjectName("pixelsBlackWhite")
        self.gray_radio.setChecked(True)
        self._mode_group = QButtonGroup(self)
        for radio in (self.gray_radio, self.bw_radio):
            self._mode_group.addButton(radio)
            controls.addWidget(radio)
        controls.addSpacing(16)
        self.range255_radio = QRadioButton(translate("0 .. 255"))
        self.range255_radio.setObjectName("pixelsRange255")
        self.range01_radio = QRadioButton(translate("0 .. 1"))
        self.range01_radio.setObjectName("pixelsRange01")
        self.range255_radio.setChecked(True)
        self._range_group = QButtonGroup(self)
        for radio in (self.range255_radio, self.range01_radio):
            self._range_group.addButton(radio)
            controls.addWidget(radio)
        controls.addStretch(1)
        self.body.addLayout(controls)

        self.hint = hint_label(translate("Draw a digit on the canvas: its 784 numbers appear here. "
                                         "(An empty canvas is all zeros.)"))
        self.body.addWidget(self.hint)

        examples = QHBoxLayout()
        self.examples_label = QLabel()
        examples.addWidget(self.examples_label)
        self.example_buttons: list[QToolButton] = []
        for i in range(4):
            button = QToolButton()
            button.setObjectName(f"pixelsExample{i}")
            button.setIconSize(QSize(56, 56))
            button.clicked.connect(lambda _=False, i=i: self.source_combo.setCurrentIndex(i + 1))
            examples.addWidget(button)
            self.example_buttons.append(button)
        examples.addStretch(1)
        self.body.addLayout(examples)

        self.grid = ValueGrid(cell=26, max_cell=26, max_extent=28 * 26, object_name="pixelsGrid")
        self.grid.setMinimumWidth(28 * 14)
        row = QHBoxLayout()
        row.addWidget(self.grid, 3)
        side = QVBoxLayout()
        self.picture = QLabel()
        self.picture.setObjectName("pixelsPicture")
        side.addWidget(self.picture)
        side.addWidget(QLabel(translate("What the numbers look like")))
        side.addStretch(1)
        row.addLayout(side, 1)
        self.body.addLayout(row)
        self.caption = paragraph("", "pixelsCaption")
        self.body.addWidget(self.caption)

        self.source_combo.currentIndexChanged.connect(lambda *_: self.invalidate())
        self._mode_group.buttonToggled.connect(lambda *_: self.invalidate())
        self._range_group.buttonToggled.connect(lambda *_: self.invalidate())

    # -- examples -------------------------------------------------------------------------------------------
    def _ensure_examples(self) -> None:
        if self._examples is not None:
            return
        self._examples = self._loader()
        ex = self._examples
        source = (translate("MNIST's first training digits") if ex.source == "mnist"
                  else translate("Drawn stand-ins for MNIST's first digits (MNIST is not downloaded)"))
        self.examples_label.setText(source + ":")
        self.source_combo.blockSignals(True)
        for i, label in enumerate(ex.labels):
            self.source_combo.addItem(translate("Example {0}: a {1}").format(i + 1, int(label)))
            self.example_buttons[i].setIcon(QIcon(gray_to_pixmap(ex.images[i], 2)))
            self.example_buttons[i].setToolTip(str(int(label)))
        for button in self.example_buttons[len(ex.labels):]:
            button.hide()
        self.source_combo.blockSignals(False)

    def examples(self) -> ExampleDigits | None:
        return self._examples

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
        top = 255.0 if scale255 else 1.0
        fmt = (lambda v: f"{v:.0f}") if scale255 else _text_01
        self.grid.set_values(values, fmt=fmt, cmap="gray", vmin=0.0, vmax=top)
        self.picture.setPixmap(gray_to_pixmap(values / top, 6))
        lit = int(np.count_nonzero(values))
        self.caption.setText(
            translate("28 × 28 image ⇒ 784 input numbers; {0} of them are not 0. "
                      "Flattened, they are the 784 inputs of a fully connected network.").format(lit)
        )

    def displayed_values(self) -> np.ndarray:
        """The numbers in the grid, shape (28, 28)."""
        self.ensure_fresh()
        return self.grid.values()

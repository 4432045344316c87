"""Step 4, "2D convolution": the lecture's X and its diagonal filter, window by window; then the visitor's digit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from convlens.engine.lesson_data import (
    DIAGONAL_FILTER,
    KERNEL_PRESETS,
    LECTURE_TABLE_7X7,
    conv2d_map,
    conv2d_step,
    first_layer_filters,
    format2,
    lecture_table,
    lecture_x_image,
    truncate2,
)
from convlens.gui.layouts import ColumnsLayout, FlowLayout, group
from convlens.gui.lesson.common import (
    CURRENT_COLOUR,
    WINDOW_COLOUR,
    LessonStep,
    block,
    heading,
    hint_label,
    number_text,
    paragraph,
    signed_terms,
    translate,
)
from convlens.gui.lesson.controls import KernelEditor, StepControls
from convlens.gui.lesson.grid import Highlight, ValueGrid

PRESET_LABELS = {
    "diagonal": QT_TRANSLATE_NOOP("Lesson", "The lecture's diagonal filter"),
    "edges_horizontal": QT_TRANSLATE_NOOP("Lesson", "Edges: horizontal (Sobel)"),
    "edges_vertical": QT_TRANSLATE_NOOP("Lesson", "Edges: vertical (Sobel)"),
    "blur": QT_TRANSLATE_NOOP("Lesson", "Blur (average of 9)"),
    "sharpen": QT_TRANSLATE_NOOP("Lesson", "Sharpen"),
    "network": QT_TRANSLATE_NOOP("Lesson", "The network's own filter (first layer)"),
}


def kernel_preset_combo(object_name: str) -> QComboBox:
    """A combo box of the 3x3 kernel presets (item data: the preset key)."""
    combo = QComboBox()
    combo.setObjectName(object_name)
    for key in KERNEL_PRESETS:
        combo.addItem(translate(str(PRESET_LABELS[key])), key)
    return combo


class Conv2dStepPage(LessonStep):
    """The lecture's 2D convolution, one window at a time, building its 7x7 table; then any kernel on the digit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            translate("4. 2D convolution"),
            translate(
                "The filter slides over the image. At each position, multiply each image cell by the filter "
                "cell on top of it and add the 9 products; the lecture divides the sum by 9. Where the image "
                "matches the filter (the X's diagonal) every product is 1: 9 / 9 = 1.00. Off the diagonal a "
                "few products are −1: (1 + 1 − 1 + 1 + 1 + 1 − 1 + 1 + 1) / 9 = 0.55. Slide over every "
                "position and you get the 7 × 7 table: a map of where the filter's pattern is."
            ),
            parent,
        )
        self.operation = paragraph(translate(
            "<b>What this step computes:</b> the lecture's 2D “convolution” is a <i>cross-correlation</i>: "
            "the filter is laid on the image as it is, <i>not flipped</i> (step 3's 1D convolution flips its "
            "kernel). Conv layers compute exactly this; for a symmetric filter both give the same numbers."),
            "conv2dOperation")
        self.body.addWidget(self.operation)
        top = FlowLayout()
        self.lecture_radio = QRadioButton(translate("The lecture's X (9 × 9)"))
        self.lecture_radio.setObjectName("conv2dSourceLecture")
        self.digit_radio = QRadioButton(translate("Your digit (28 × 28)"))
        self.digit_radio.setObjectName("conv2dSourceDigit")
        self.lecture_radio.setChecked(True)
        self._source_group = QButtonGroup(self)
        self._source_group.addButton(self.lecture_radio)
        self._source_group.addButton(self.digit_radio)
        top.addWidget(group(self.lecture_radio, self.digit_radio))
        self.preset_combo = kernel_preset_combo("conv2dPresetCombo")
        self.preset_combo.addItem(translate(str(PRESET_LABELS["network"])), "network")
        top.addWidget(group(QLabel(translate("Filter:")), self.preset_combo))
        self.filter_index = QSpinBox()
        self.filter_index.setObjectName("conv2dFilterIndex")
        self.filter_index.setPrefix(translate("filter #"))
        self.reset_button = QPushButton(translate("Reset filter"))
        self.reset_button.setObjectName("conv2dResetKernel")
        top.addWidget(group(self.filter_index, self.reset_button))
        self.body.addLayout(top)

        self.hint = hint_label(translate("Draw a digit on the canvas to slide the filter over it "
                                         "(an empty canvas is all zeros)."))
        self.body.addWidget(self.hint)

        # the image, the filter, the products and the output side by side while they fit, else wrapped
        self.input_grid = ValueGrid(cell=34, max_cell=44, min_cell=18, min_extent=170, object_name="conv2dInputGrid")
        self.kernel_editor = KernelEditor("conv2d")
        self.products_grid = ValueGrid(cell=44, max_cell=48, min_cell=32, object_name="conv2dProductsGrid")
        self.output_grid = ValueGrid(cell=44, max_cell=54, min_cell=26, min_extent=190, object_name="conv2dOutputGrid")
        self._input_caption = heading("")
        self._output_caption = heading("")
        main = ColumnsLayout()
        # spare width by columns (9, 3, 7), so that the image's and the output's cells grow alike
        main.add(block(self._input_caption, self.input_grid), 9.0, self.input_grid.max_useful_width)
        main.add(block(heading(translate("Filter (edit me)")), self.kernel_editor), 0.0)
        main.add(block(heading(translate("Products")), self.products_grid), 2.0, self.products_grid.max_useful_width)
        main.add(block(self._output_caption, self.output_grid), 7.0, self.output_grid.max_useful_width)
        self.body.addLayout(main)

        self.equation = paragraph("", "conv2dEquation")
        font = self.equation.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.equation.setFont(font)
        self.body.addWidget(self.equation)
        self.controls = StepControls("conv2d")
        self.body.addWidget(self.controls)
        self.lecture_check = paragraph("", "conv2dLectureCheck")
        self.body.addWidget(self.lecture_check)

        self._image_shown = lecture_x_image()
        self._full = np.zeros((1, 1))
        self._divisor = 1.0
        self._apply_preset()
        self._source_group.buttonToggled.connect(self._source_toggled)
        self.preset_combo.currentIndexChanged.connect(lambda *_: self._apply_preset())
        self.filter_index.valueChanged.connect(lambda *_: self._apply_preset())
        self.reset_button.clicked.connect(self._apply_preset)
        self.kernel_editor.kernelChanged.connect(self.invalidate)
        self.controls.positionChanged.connect(lambda *_: self._show_position())
        self.output_grid.cellClicked.connect(lambda r, c: self.controls.set_position(r * self._full.shape[1] + c))
        self.input_grid.cellClicked.connect(self._input_clicked)

    # -- inputs ---------------------------------------------------------------------------------------------
    def set_filters(self, filters: Mapping[str, Any]) -> None:
        super().set_filters(filters)
        found = first_layer_filters(self._filters)
        count = 0 if found is None else found[1].shape[0]
        self.filter_index.setRange(0, max(count - 1, 0))
        index = self.preset_combo.findData("network")
        item = self.preset_combo.model().item(index)  # type: ignore[attr-defined]
        item.setEnabled(count > 0)
        if self.preset_combo.currentData() == "network":
            self._apply_preset()

    def _network_filters(self) -> tuple[str, np.ndarray] | None:
        return first_layer_filters(self._filters)

    def _apply_preset(self) -> None:
        key = self.preset_combo.currentData()
        found = self._network_filters()
        self.filter_index.setEnabled(key == "network" and found is not None)
        if key == "network":
            if found is None:
                return
            self.kernel_editor.set_kernel(found[1][self.filter_index.value()])
        else:
            self.kernel_editor.set_kernel(KERNEL_PRESETS[key])

    def select_preset(self, key: str) -> None:
        """Choose a kernel preset by key (``"diagonal"``, ``"blur"``, ..., ``"network"``)."""
        self.preset_combo.setCurrentIndex(self.preset_combo.findData(key))
        self._apply_preset()

    def use_digit(self, on: bool) -> None:
        """Slide over the visitor's digit (True) or the lecture's X (False)."""
        (self.digit_radio if on else self.lecture_radio).setChecked(True)

    def _source_toggled(self, *_: object) -> None:
        self.invalidate()

    def _input_clicked(self, r: int, c: int) -> None:
        h_out, w_out = self._full.shape
        self.controls.set_position(min(r, h_out - 1) * w_out + min(c, w_out - 1))

    # -- computing ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        lecture = self.lecture_radio.isChecked()
        kernel = self.kernel_editor.kernel()
        if lecture:
            self._image_shown = lecture_x_image()
            self._full = lecture_table(self._image_shown, kernel)  # ops.conv2d / number of cells
            self._divisor = float(kernel.size)
            self.input_grid.set_values(self._image_shown, fmt=number_text, vmin=-1, vmax=1)
        else:
            self._image_shown = np.zeros((28, 28)) if self._image is None else self._image
            self._full = conv2d_map(self._image_shown, kernel)  # ops.conv2d: sum of products
            self._divisor = 1.0
            self.input_grid.set_values(self._image_shown, cmap="gray", vmin=0, vmax=1,
                                       fmt=lambda v: f"{v:.1f}")
        self.hint.setVisible(not lecture and self._image is None)
        h, w = self._image_shown.shape
        kh, kw = kernel.shape
        self._input_caption.setText(translate("Image {0} × {1}").format(h, w))
        self._output_caption.setText(
            translate("Output {0} × {1}").format(*self._full.shape)
            + (translate("  (sum / {0})").format(kernel.size) if lecture else translate("  (sum of products)"))
        )
        self.controls.set_count(self._full.size)
        self._show_position()

    def _show_position(self) -> None:
        lecture = self.lecture_radio.isChecked()
        h_out, w_out = self._full.shape
        position = min(self.controls.position(), self._full.size - 1)
        r, c = divmod(position, w_out)
        kernel = self.kernel_editor.kernel()
        step = conv2d_step(self._image_shown, kernel, r, c, divisor=self._divisor)
        self.products_grid.set_values(step.products, fmt=number_text if lecture else lambda v: f"{v:.2f}")
        kh, kw = kernel.shape
        window = Highlight(step.top, step.left, kh, kw, WINDOW_COLOUR, 3.0)
        self.input_grid.set_highlights([window])
        self.products_grid.set_highlights([])
        shown = truncate2(self._full) if lecture else self._full
        filled = np.where(np.arange(self._full.size).reshape(self._full.shape) <= position, shown, np.nan)
        self.output_grid.set_values(filled, fmt=format2 if lecture else lambda v: f"{v:.2f}",
                                    vmin=-1 if lecture else None, vmax=1 if lecture else None)
        self.output_grid.set_highlights([Highlight(r, c, 1, 1, CURRENT_COLOUR, 3.0)])
        products = [float(v) for v in step.products.ravel()]
        if lecture:
            terms = signed_terms(products, "{:g}" if all(p.is_integer() for p in products) else "{:.2f}")
            self.equation.setText(
                translate("Window at row {0}, column {1}:").format(r, c)
                + f"  ({terms}) / {self._divisor:g} = <b>{format2(step.value)}</b>"
            )
        else:
            if len(products) <= 9:
                text = signed_terms([round(p, 2) for p in products], "{:.2f}")
            else:
                text = translate("the sum of the {0} products").format(len(products))
            self.equation.setText(
                translate("Window at row {0}, column {1}:").format(r, c) + f"  {text} = <b>{step.total:.2f}</b>"
            )
        self._update_lecture_check(lecture, kernel, position)

    def _update_lecture_check(self, lecture: bool, kernel: np.ndarray, position: int) -> None:
        if not lecture:
            self.lecture_check.setText(translate(
                "On your digit the output is what a conv layer computes before its bias and ReLU: "
                "large where the image looks like the filter."))
        elif kernel.shape != DIAGONAL_FILTER.shape or not np.array_equal(kernel, DIAGONAL_FILTER):
            self.lecture_check.setText(translate("The filter was changed: this is no longer the lecture's table."))
        elif position < self._full.size - 1:
            self.lecture_check.setText(translate("Keep going (or press “Show all”) to build the lecture's table."))
        elif np.array_equal(truncate2(self._full), LECTURE_TABLE_7X7):
            self.lecture_check.setText(translate("✓ This is exactly the lecture's 7 × 7 table."))
        else:  # cannot happen unless engine.ops breaks; say so rather than hide it
            self.lecture_check.setText(translate("✗ This differs from the lecture's table."))

    # -- for tests ------------------------------------------------------------------------------------------
    def displayed_table(self) -> np.ndarray:
        """The output table as shown (lecture's 2-decimal truncation on the X; NaN where not computed yet)."""
        self.ensure_fresh()
        return self.output_grid.values()

    def displayed_products(self) -> np.ndarray:
        self.ensure_fresh()
        return self.products_grid.values()

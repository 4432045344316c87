"""Step 6, "Max pooling": 2x2 windows, stride 2, keep the largest value; the lecture's 7x7 table becomes 4x4."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QButtonGroup, QLabel, QRadioButton, QWidget

from convlens.engine.lesson_data import (
    DIAGONAL_FILTER,
    LECTURE_POOLED_4X4,
    format2,
    lecture_table,
    pool_step,
    pool_table,
    truncate2,
)
from convlens.gui.layouts import ColumnsLayout, FlowLayout, group
from convlens.gui.lesson.common import (
    CURRENT_COLOUR,
    MAX_COLOUR,
    WINDOW_COLOUR,
    LessonStep,
    block,
    heading,
    hint_label,
    paragraph,
    translate,
)
from convlens.gui.lesson.controls import StepControls
from convlens.gui.lesson.grid import Highlight, ValueGrid

SIZE = (2, 2)
STRIDE = (2, 2)


class PoolingStep(LessonStep):
    """Max pooling window by window, on the lecture's 7x7 table or on the visitor's digit's feature map."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            translate("6. Max pooling"),
            translate(
                "Pooling shrinks a feature map: slide a 2 × 2 window with stride 2 and keep only the maximum. "
                "The strong matches survive, the map is 4 times smaller, and a small shift of the input "
                "barely changes it. It works on H and W only: (−, 7, 7, C) → (−, 4, 4, C), every channel "
                "on its own. With “same” padding the odd last row and column get a window too (the padding "
                "never wins)."
            ),
            parent,
        )
        controls = FlowLayout()
        self.lecture_radio = QRadioButton(translate("The lecture's 7 × 7 table"))
        self.lecture_radio.setObjectName("poolSourceLecture")
        self.digit_radio = QRadioButton(translate("Your digit after the diagonal filter (26 × 26)"))
        self.digit_radio.setObjectName("poolSourceDigit")
        self.lecture_radio.setChecked(True)
        self._source_group = QButtonGroup(self)
        self._source_group.addButton(self.lecture_radio)
        self._source_group.addButton(self.digit_radio)
        controls.addWidget(self.lecture_radio)
        controls.addWidget(self.digit_radio)
        self.valid_radio = QRadioButton(translate("valid"))
        self.valid_radio.setObjectName("poolPaddingValid")
        self.same_radio = QRadioButton(translate("same"))
        self.same_radio.setObjectName("poolPaddingSame")
        self.same_radio.setChecked(True)
        self._padding_group = QButtonGroup(self)
        self._padding_group.addButton(self.valid_radio)
        self._padding_group.addButton(self.same_radio)
        controls.addWidget(group(QLabel(translate("Padding:")), self.valid_radio, self.same_radio))
        self.body.addLayout(controls)
        self.hint = hint_label(translate("Draw a digit on the canvas to pool its feature map "
                                         "(an empty canvas gives a flat map)."))
        self.body.addWidget(self.hint)

        self.input_grid = ValueGrid(cell=44, max_cell=44, min_cell=26, min_extent=210, object_name="poolInputGrid")
        self.output_grid = ValueGrid(cell=44, max_cell=44, min_cell=26, min_extent=120, object_name="poolOutputGrid")
        self._input_caption = heading("")
        self._output_caption = heading("")
        grids = ColumnsLayout(spacing=32)
        grids.add(block(self._input_caption, self.input_grid), 2.0, self.input_grid.max_useful_width)
        grids.add(block(self._output_caption, self.output_grid), 1.0, self.output_grid.max_useful_width)
        self.body.addLayout(grids)
        self.equation = paragraph("", "poolEquation")
        font = self.equation.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.equation.setFont(font)
        self.body.addWidget(self.equation)
        self.body.addWidget(paragraph(translate(
            "<span style='color:#00aa50'>■</span> the 2 × 2 window   "
            "<span style='color:#ff9600'>■</span> its maximum, which goes to the pooled map")))
        self.controls = StepControls("pool")
        self.body.addWidget(self.controls)
        self.lecture_check = paragraph("", "poolLectureCheck")
        self.body.addWidget(self.lecture_check)

        self._table = np.zeros((1, 1))
        self._pooled = np.zeros((1, 1))
        self._source_group.buttonToggled.connect(lambda *_: self.invalidate())
        self._padding_group.buttonToggled.connect(lambda *_: self.invalidate())
        self.controls.positionChanged.connect(lambda *_: self._show_position())
        self.output_grid.cellClicked.connect(lambda r, c: self.controls.set_position(r * self._pooled.shape[1] + c))

    def padding(self) -> str:
        return "same" if self.same_radio.isChecked() else "valid"

    def set_padding(self, padding: str) -> None:
        (self.same_radio if padding == "same" else self.valid_radio).setChecked(True)

    def refresh(self) -> None:
        lecture = self.lecture_radio.isChecked()
        if lecture:
            self._table = lecture_table()  # ops.conv2d(X, diagonal) / 9
        else:
            digit = np.zeros((28, 28)) if self._image is None else self._image
            self._table = lecture_table(digit, DIAGONAL_FILTER)
        self.hint.setVisible(not lecture and self._image is None)
        padding = self.padding()
        self._pooled = pool_table(self._table, SIZE, STRIDE, padding)  # ops.max_pool2d
        self.controls.set_count(self._pooled.size)
        self._input_caption.setText(translate("Feature map {0} × {1}").format(*self._table.shape))
        self._output_caption.setText(translate("Max pooled {0} × {1}").format(*self._pooled.shape))
        self._show_position()

    def _show_position(self) -> None:
        padding = self.padding()
        position = min(self.controls.position(), self._pooled.size - 1)
        r, c = divmod(position, self._pooled.shape[1])
        step = pool_step(self._table, r, c, SIZE, STRIDE, padding)
        # the input grid shows the table in the padded frame: padding cells hatched (they hold -inf)
        h, w = self._table.shape
        frame_h = max(h, (self._pooled.shape[0] - 1) * STRIDE[0] + SIZE[0])
        frame_w = max(w, (self._pooled.shape[1] - 1) * STRIDE[1] + SIZE[1])
        values = np.full((frame_h, frame_w), np.nan)
        values[:h, :w] = truncate2(self._table)
        pad = np.ones((frame_h, frame_w), dtype=bool)
        pad[:h, :w] = False
        self.input_grid.set_values(values, fmt=format2, vmin=-1, vmax=1, pad_mask=pad, pad_text="pad")
        self.input_grid.set_highlights([
            Highlight(step.top, step.left, SIZE[0], SIZE[1], WINDOW_COLOUR, 4.0),
            Highlight(step.top + step.argmax[0], step.left + step.argmax[1], 1, 1, MAX_COLOUR, 3.0),
        ])
        shown = truncate2(self._pooled)
        filled = np.where(np.arange(self._pooled.size).reshape(self._pooled.shape) <= position, shown, np.nan)
        self.output_grid.set_values(filled, fmt=format2, vmin=-1, vmax=1)
        self.output_grid.set_highlights([Highlight(r, c, 1, 1, CURRENT_COLOUR, 3.0)])
        cells = ", ".join(translate("pad") if not np.isfinite(v) else format2(v) for v in step.window.ravel())
        self.equation.setText(
            translate("Window at row {0}, column {1}:").format(r, c)
            + f"  max({cells}) = <b>{format2(step.maximum)}</b>"
        )
        complete = position == self._pooled.size - 1
        if not self.lecture_radio.isChecked():
            self.lecture_check.setText("")
        elif padding == "valid":
            self.lecture_check.setText(translate("With “valid” padding the last row and column are dropped: 3 × 3. "
                                              "The lecture uses “same”: 4 × 4."))
        elif not complete:
            self.lecture_check.setText(translate("Keep going (or press “Show all”) to build the lecture's table."))
        elif np.array_equal(shown, LECTURE_POOLED_4X4):
            self.lecture_check.setText(translate("✓ This is exactly the lecture's pooled 4 × 4 table."))
        else:
            self.lecture_check.setText(translate("✗ This differs from the lecture's pooled table."))

    # -- for tests ------------------------------------------------------------------------------------------
    def displayed_pool_table(self) -> np.ndarray:
        """The pooled table as shown (truncated to 2 decimals; NaN where not computed yet)."""
        self.ensure_fresh()
        return self.output_grid.values()

    def displayed_window(self) -> np.ndarray:
        """The current window's cells (``-inf`` in the padding)."""
        self.ensure_fresh()
        position = min(self.controls.position(), self._pooled.size - 1)
        r, c = divmod(position, self._pooled.shape[1])
        return pool_step(self._table, r, c, SIZE, STRIDE, self.padding()).window

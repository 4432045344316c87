"""Step 5, "Stride and padding": how far the window jumps, what happens at the border, and the output shape."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QButtonGroup, QLabel, QRadioButton, QWidget

from convlens.engine.lesson_data import (
    KERNEL_PRESETS,
    LECTURE_STRIDES,
    PADDINGS,
    conv2d_map,
    format2,
    lecture_x_image,
    output_length_formula,
    padded,
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
    paragraph,
    translate,
)
from convlens.gui.lesson.controls import StepControls
from convlens.gui.lesson.grid import Highlight, ValueGrid
from convlens.gui.lesson.step_conv2d import kernel_preset_combo


class StrideStep(LessonStep):
    """Stride (1,1), (2,2), (3,3), (3,1) and padding valid / same on the X and on the visitor's digit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            translate("5. Stride and padding"),
            translate(
                "The <b>stride</b> is how many cells the window jumps: (2, 2) skips every other position and "
                "halves the output. <b>Padding</b> decides what happens at the border: “valid” keeps the "
                "window inside the image (the output shrinks), “same” adds zeros around it so that "
                "output = ceil(input / stride)."
            ),
            parent,
        )
        controls = FlowLayout()
        self._stride_group = QButtonGroup(self)
        self.stride_radios: dict[tuple[int, int], QRadioButton] = {}
        for stride in LECTURE_STRIDES:
            radio = QRadioButton(f"({stride[0]}, {stride[1]})")
            radio.setObjectName(f"stride_{stride[0]}_{stride[1]}")
            self._stride_group.addButton(radio)
            self.stride_radios[stride] = radio
        self.stride_radios[LECTURE_STRIDES[1]].setChecked(True)
        controls.addWidget(group(QLabel(translate("Stride:")), *self.stride_radios.values()))
        self._padding_group = QButtonGroup(self)
        self.padding_radios: dict[str, QRadioButton] = {}
        for padding in PADDINGS:
            radio = QRadioButton(translate("valid") if padding == "valid" else translate("same"))
            radio.setObjectName(f"padding{padding.capitalize()}")
            self._padding_group.addButton(radio)
            self.padding_radios[padding] = radio
        self.padding_radios["valid"].setChecked(True)
        controls.addWidget(group(QLabel(translate("Padding:")), *self.padding_radios.values()))
        self.kernel_combo = kernel_preset_combo("strideKernelCombo")
        controls.addWidget(group(QLabel(translate("Filter:")), self.kernel_combo))
        self.body.addLayout(controls)

        self.formula = paragraph("", "strideFormulaLabel")
        font = self.formula.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.formula.setFont(font)
        self.body.addWidget(self.formula)

        self.x_input = ValueGrid(cell=30, max_cell=40, min_cell=20, min_extent=200, object_name="strideXInputGrid")
        self.x_output = ValueGrid(cell=40, max_cell=54, min_cell=26, min_extent=200,
                                  object_name="strideXOutputGrid")
        self.digit_input = ValueGrid(cell=10, max_cell=14, min_cell=6, min_extent=160,
                                     object_name="strideDigitInputGrid")
        self.digit_output = ValueGrid(cell=16, max_cell=30, min_cell=12, min_extent=160,
                                      object_name="strideDigitOutputGrid")
        self._captions = [heading("") for _ in range(4)]
        grids = ColumnsLayout()
        for caption, grid, weight in zip(
                self._captions, (self.x_input, self.x_output, self.digit_input, self.digit_output), (2, 2, 1, 1),
                strict=True):
            grids.add(block(caption, grid), weight, grid.max_useful_width)
        self.body.addLayout(grids)
        self.hint = hint_label(translate("Draw a digit on the canvas to see its output too "
                                         "(an empty canvas gives all zeros)."))
        self.body.addWidget(self.hint)
        self.controls = StepControls("stride")
        self.body.addWidget(self.controls)

        self._x_out = np.zeros((1, 1))
        self._digit_out = np.zeros((1, 1))
        self._formula_shapes: dict[str, tuple[int, int]] = {}
        self._stride_group.buttonToggled.connect(lambda *_: self.invalidate())
        self._padding_group.buttonToggled.connect(lambda *_: self.invalidate())
        self.kernel_combo.currentIndexChanged.connect(lambda *_: self.invalidate())
        self.controls.positionChanged.connect(lambda *_: self._show_position())

    # -- settings -------------------------------------------------------------------------------------------
    def stride(self) -> tuple[int, int]:
        return next(s for s, radio in self.stride_radios.items() if radio.isChecked())

    def padding(self) -> str:
        return next(p for p, radio in self.padding_radios.items() if radio.isChecked())

    def set_settings(self, stride: tuple[int, int], padding: str) -> None:
        """Select a stride and a padding (as clicking their buttons does)."""
        self.stride_radios[tuple(stride)].setChecked(True)  # type: ignore[index]
        self.padding_radios[padding].setChecked(True)

    def kernel(self) -> np.ndarray:
        return np.asarray(KERNEL_PRESETS[self.kernel_combo.currentData()], dtype=np.float64)

    # -- computing ------------------------------------------------------------------------------------------
    def _formula_html(self, name: str, h: int, w: int, kernel: np.ndarray) -> str:
        stride, padding = self.stride(), self.padding()
        h_text, h_out = output_length_formula(h, kernel.shape[0], stride[0], padding)
        w_text, w_out = output_length_formula(w, kernel.shape[1], stride[1], padding)
        self._formula_shapes[name] = (h_out, w_out)
        return f"H_out = {h_text}, W_out = {w_text} ⇒ <b>{h_out} × {w_out}</b>"

    def _rule_html(self, kernel: np.ndarray) -> str:
        if self.padding() == "valid":
            rule = "H_out = floor((H − H_f) / s_h) + 1,  W_out = floor((W − W_f) / s_w) + 1"
        else:
            rule = "H_out = ceil(H / s_h),  W_out = ceil(W / s_w)"
        s_h, s_w = self.stride()
        return (translate("Filter {0} × {1}, stride ({2}, {3}), padding “{4}”:").format(
            kernel.shape[0], kernel.shape[1], s_h, s_w, translate(self.padding())) + f"  <b>{rule}</b>")

    def refresh(self) -> None:
        stride, padding, kernel = self.stride(), self.padding(), self.kernel()
        x = lecture_x_image()
        digit = np.zeros((28, 28)) if self._image is None else self._image
        self.hint.setVisible(self._image is None)
        self._x_out = conv2d_map(x, kernel, stride, padding) / kernel.size  # the lecture's "/ 9"
        self._digit_out = conv2d_map(digit, kernel, stride, padding)
        x_text = self._formula_html("x", x.shape[0], x.shape[1], kernel)
        d_text = self._formula_html("digit", digit.shape[0], digit.shape[1], kernel)
        self.formula.setText(
            self._rule_html(kernel) + "<br>" + translate("The lecture's X, 9 × 9:") + f" {x_text}<br>"
            + translate("Your digit, 28 × 28:") + f" {d_text}"
        )
        x_padded, x_pad = padded(x, kernel.shape, stride, padding)
        self.x_input.set_values(x_padded, fmt=lambda v: f"{v:.0f}", vmin=-1, vmax=1, pad_mask=x_pad, pad_text="0")
        d_padded, d_pad = padded(digit, kernel.shape, stride, padding)
        self.digit_input.set_values(d_padded, cmap="gray", vmin=0, vmax=1, pad_mask=d_pad)
        self.digit_output.set_values(self._digit_out, fmt=lambda v: f"{v:.1f}")
        if padding == "same":
            self._captions[0].setText(translate("The X with padding: {0} × {1}").format(*x_padded.shape))
            self._captions[2].setText(translate("Your digit with padding: {0} × {1}").format(*d_padded.shape))
        else:
            self._captions[0].setText(translate("The X, no padding: {0} × {1}").format(*x_padded.shape))
            self._captions[2].setText(translate("Your digit, no padding: {0} × {1}").format(*d_padded.shape))
        self._captions[1].setText(translate("X output: {0} × {1}").format(*self._x_out.shape))
        self._captions[3].setText(translate("Digit output, every position: {0} × {1}").format(*self._digit_out.shape))
        self.controls.set_count(self._x_out.size)
        self._show_position()

    def _show_position(self) -> None:
        """The X's output built up window by window (like step 4): cells after the current one are still empty."""
        stride, kernel = self.stride(), self.kernel()
        h_out, w_out = self._x_out.shape
        position = min(self.controls.position(), self._x_out.size - 1)
        r, c = divmod(position, w_out)
        filled = np.where(np.arange(self._x_out.size).reshape(self._x_out.shape) <= position,
                          truncate2(self._x_out), np.nan)
        self.x_output.set_values(filled, fmt=format2, vmin=-1, vmax=1)
        self.x_input.set_highlights(
            [Highlight(r * stride[0], c * stride[1], kernel.shape[0], kernel.shape[1], WINDOW_COLOUR, 3.0)]
        )
        self.x_output.set_highlights([Highlight(r, c, 1, 1, CURRENT_COLOUR, 3.0)])

    def displayed_x_output(self) -> np.ndarray:
        """The X's output as shown (truncated to 2 decimals; NaN where not computed yet)."""
        self.ensure_fresh()
        return self.x_output.values()

    # -- for tests ------------------------------------------------------------------------------------------
    def displayed_output_shape(self, which: str = "x") -> tuple[int, int]:
        """Shape of the output grid shown for ``"x"`` (the lecture's X) or ``"digit"``."""
        self.ensure_fresh()
        return (self.x_output if which == "x" else self.digit_output).shape()

    def displayed_formula_shape(self, which: str = "x") -> tuple[int, int]:
        """The (H_out, W_out) the formula text states for ``"x"`` or ``"digit"``."""
        self.ensure_fresh()
        return self._formula_shapes[which]

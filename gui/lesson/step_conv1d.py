"""Step 3, "1D convolution": (f * g)[n] = sum_m f[n - m] g[m], step by step on a row of the drawing."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from convlens.engine.lesson_data import KERNEL1D_PRESETS, SIGNAL_PRESETS, Conv1dStep, conv1d_trace
from convlens.gui.layouts import FlowLayout, group
from convlens.gui.lesson.common import (
    WINDOW_COLOUR,
    LessonStep,
    hint_label,
    number_text,
    paragraph,
    signed_terms,
    translate,
)
from convlens.gui.lesson.controls import KernelEditor, StepControls
from convlens.gui.lesson.grid import Highlight, ValueGrid

_SIGNAL_LABELS = {
    "impulse": QT_TRANSLATE_NOOP("Lesson", "An impulse"),
    "step": QT_TRANSLATE_NOOP("Lesson", "A step"),
    "box": QT_TRANSLATE_NOOP("Lesson", "A box"),
    "ramp": QT_TRANSLATE_NOOP("Lesson", "A ramp"),
}
_KERNEL_LABELS = {
    "average3": QT_TRANSLATE_NOOP("Lesson", "Average of 3"),
    "difference": QT_TRANSLATE_NOOP("Lesson", "Difference (1, 0, -1)"),
    "identity": QT_TRANSLATE_NOOP("Lesson", "Identity (0, 1, 0)"),
    "average5": QT_TRANSLATE_NOOP("Lesson", "Average of 5"),
    "smooth5": QT_TRANSLATE_NOOP("Lesson", "Smooth (1, 4, 6, 4, 1) / 16"),
}


def _fmt(v: float) -> str:
    return number_text(round(float(v), 2))


class Conv1dStepPage(LessonStep):
    """A signal ``f`` (a row of the drawing or a preset) convolved with an editable kernel ``g``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            translate("3. 1D convolution"),
            translate(
                "The convolution of f and g at position n is the sum, for m from −M to M, of f at n − m times "
                "g at m:  <b>(f ∗ g)[n] = Σ<sub>m=−M..M</sub> f[n − m] g[m]</b>. "
                "Slide n along the signal: the kernel, flipped, lines up under f; multiply the pairs, add them. "
                "Outside the signal f is 0."
            ),
            parent,
        )
        self.operation = paragraph(translate(
            "<b>What this step computes:</b> a true convolution — the kernel is <i>flipped</i> "
            "(g[m] multiplies f[n − m]), exactly as in the formula. (Step 4's 2D “convolution” does not flip.)"),
            "conv1dOperation")
        self.body.addWidget(self.operation)
        controls = FlowLayout()
        self.source_combo = QComboBox()
        self.source_combo.setObjectName("conv1dSourceCombo")
        self.source_combo.addItem(translate("A row of your drawing"), "row")
        for key, label in _SIGNAL_LABELS.items():
            self.source_combo.addItem(translate(str(label)), key)
        self.row_spin = QSpinBox()
        self.row_spin.setObjectName("conv1dRowSpin")
        self.row_spin.setRange(0, 27)
        self.row_spin.setValue(14)
        self.row_spin.setPrefix(translate("row "))
        controls.addWidget(group(QLabel(translate("Signal f:")), self.source_combo, self.row_spin))
        self.size_combo = QComboBox()
        self.size_combo.setObjectName("conv1dKernelSize")
        self.size_combo.addItem(translate("3 taps (M = 1)"), 3)
        self.size_combo.addItem(translate("5 taps (M = 2)"), 5)
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("conv1dKernelPreset")
        self.kernel_editor = KernelEditor("conv1d")
        controls.addWidget(group(QLabel(translate("Kernel g:")), self.size_combo, self.preset_combo))
        self.kernel_caption = QLabel()
        kernel_box = QWidget()
        kernel_layout = QVBoxLayout(kernel_box)
        kernel_layout.setContentsMargins(0, 0, 0, 0)
        kernel_layout.setSpacing(2)
        kernel_layout.addWidget(self.kernel_editor)
        kernel_layout.addWidget(self.kernel_caption)
        controls.addWidget(kernel_box)
        self.body.addLayout(controls)

        self.hint = hint_label(translate("Draw a digit on the canvas to convolve one of its rows "
                                         "(an empty canvas is a row of zeros)."))
        self.body.addWidget(self.hint)

        rows = QGridLayout()
        def row_grid(name: str) -> ValueGrid:
            return ValueGrid(cell=34, max_cell=40, max_extent=2000, min_cell=6, object_name=name)

        self.signal_grid = row_grid("conv1dSignalGrid")
        self.kernel_grid = row_grid("conv1dKernelGrid")
        self.products_grid = row_grid("conv1dProductsGrid")
        self.output_grid = row_grid("conv1dOutputGrid")
        captions = (translate("f"), translate("g flipped at n"), translate("products"), translate("f ∗ g"))
        for r, (caption, grid) in enumerate(zip(
                captions, (self.signal_grid, self.kernel_grid, self.products_grid, self.output_grid), strict=True)):
            label = QLabel(caption)
            label.setWordWrap(True)
            label.setMaximumWidth(120)
            rows.addWidget(label, r, 0)
            rows.addWidget(grid, r, 1)
        rows.setColumnStretch(1, 1)
        self.body.addLayout(rows)

        self.controls = StepControls("conv1d")
        self.body.addWidget(self.controls)
        self.formula = paragraph("", "conv1dFormula")
        self.body.addWidget(self.formula)

        self.plot = pg.PlotWidget()
        self.plot.setObjectName("conv1dPlot")
        self.plot.setBackground(None)  # follows the theme: apply_palette
        self.plot.setMinimumHeight(180)
        self.plot.setMaximumHeight(280)
        self.plot.addLegend(offset=(10, 5))
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self._f_curve = self.plot.plot(pen=pg.mkPen((120, 120, 120), width=2), stepMode="center",
                                       name=translate("f"))
        self._out_curve = self.plot.plot(pen=pg.mkPen((200, 40, 40), width=2), symbol="o", symbolSize=6,
                                         symbolBrush=(200, 40, 40), name=translate("f ∗ g"))
        self._n_line = pg.InfiniteLine(angle=90, pen=pg.mkPen((0, 170, 80), width=2))
        self.plot.addItem(self._n_line)
        self.body.addWidget(self.plot)

        self._output = np.zeros(1)
        self._steps: list[Conv1dStep] = []
        self._fill_presets()
        self.source_combo.currentIndexChanged.connect(lambda *_: self.invalidate())
        self.row_spin.valueChanged.connect(lambda *_: self.invalidate())
        self.size_combo.currentIndexChanged.connect(lambda *_: self._fill_presets())
        self.preset_combo.currentIndexChanged.connect(lambda *_: self._apply_preset())
        self.kernel_editor.kernelChanged.connect(self.invalidate)
        self.controls.positionChanged.connect(lambda *_: self._show_position())
        self.apply_palette()

    def apply_palette(self) -> None:
        super().apply_palette()
        palette = self.palette()
        self.plot.setBackground(palette.base().color())
        for axis in ("left", "bottom"):
            item = self.plot.getAxis(axis)
            item.setPen(palette.text().color())
            item.setTextPen(palette.text().color())
        self._f_curve.setPen(pg.mkPen(palette.placeholderText().color(), width=2))

    # -- kernel ---------------------------------------------------------------------------------------------
    def _fill_presets(self) -> None:
        size = int(self.size_combo.currentData())
        self.preset_combo.blockSignals(True)
        self.preset_combo.clear()
        for key, g in KERNEL1D_PRESETS.items():
            if g.size == size:
                self.preset_combo.addItem(translate(str(_KERNEL_LABELS[key])), key)
        self.preset_combo.blockSignals(False)
        self._apply_preset()

    def _apply_preset(self) -> None:
        key = self.preset_combo.currentData()
        if key is not None:
            self.kernel_editor.set_kernel(KERNEL1D_PRESETS[key])
        half = int(self.size_combo.currentData()) // 2
        self.kernel_caption.setText("   ".join(f"g[{m}]" for m in range(-half, half + 1)))

    def set_kernel(self, g: np.ndarray) -> None:
        """Put ``g`` (odd length 3 or 5) in the kernel editor."""
        g = np.asarray(g, dtype=np.float64)
        self.size_combo.setCurrentIndex(0 if g.size == 3 else 1)
        self.kernel_editor.set_kernel(g)

    def kernel(self) -> np.ndarray:
        return self.kernel_editor.kernel()[0]

    # -- signal ---------------------------------------------------------------------------------------------
    def signal(self) -> np.ndarray:
        """The signal f currently convolved."""
        key = self.source_combo.currentData()
        if key == "row":
            image = np.zeros((28, 28)) if self._image is None else self._image
            return np.round(image[self.row_spin.value()], 2)  # the values as the grid shows them
        return np.asarray(SIGNAL_PRESETS[key], dtype=np.float64)

    def refresh(self) -> None:
        from_row = self.source_combo.currentData() == "row"
        self.row_spin.setEnabled(from_row)
        self.hint.setVisible(from_row and self._image is None)
        f = self.signal()
        self._output, self._steps = conv1d_trace(f, self.kernel())
        self.controls.set_count(f.size)
        self.signal_grid.set_values(f[None, :], fmt=_fmt, vmin=-1, vmax=1)
        self._f_curve.setData(np.arange(f.size + 1) - 0.5, f)
        self._out_curve.setData(np.arange(f.size), self._output)
        self._show_position()

    def _show_position(self) -> None:
        if not self._steps:
            return
        n = min(self.controls.position(), len(self._steps) - 1)
        step = self._steps[n]
        length = self._output.size
        under = np.full(length, np.nan)
        prods = np.full(length, np.nan)
        for idx, g_m, p in zip(step.f_indices, step.g_values, step.products, strict=True):
            if 0 <= idx < length:
                under[idx] = g_m
                prods[idx] = p
        self.kernel_grid.set_values(under[None, :], fmt=_fmt)
        self.products_grid.set_values(prods[None, :], fmt=_fmt)
        filled = np.where(np.arange(length) <= n, self._output, np.nan)
        self.output_grid.set_values(filled[None, :], fmt=_fmt)
        lo, hi = max(int(step.f_indices.min()), 0), min(int(step.f_indices.max()), length - 1)
        window = [Highlight(0, lo, 1, hi - lo + 1, WINDOW_COLOUR)]
        self.signal_grid.set_highlights(window)
        self.kernel_grid.set_highlights(window)
        self.products_grid.set_highlights(window)
        self.output_grid.set_highlights([Highlight(0, n, 1, 1, WINDOW_COLOUR)])
        self._n_line.setPos(n)
        terms = []
        for m, idx in zip(step.ms, step.f_indices, strict=True):
            terms.append(f"f[{idx}]·g[{m}]")
        values = []
        for fv, gv, idx in zip(step.f_values, step.g_values, step.f_indices, strict=True):
            outside = "" if 0 <= idx < length else translate(" (outside: 0)")
            values.append(f"{_fmt(fv)}{outside} × {_fmt(gv)}")
        self.formula.setText(
            f"<b>(f ∗ g)[{n}]</b> = " + " + ".join(terms) + "<br>= " + " + ".join(values)
            + "<br>= " + signed_terms([round(float(p), 2) for p in step.products], "{:.2f}")
            + f" = <b>{step.total:.2f}</b>"
        )

    # -- for tests ------------------------------------------------------------------------------------------
    def displayed_output(self) -> np.ndarray:
        """The whole output f ∗ g as computed for the plot (shape (L,))."""
        self.ensure_fresh()
        return self._output.copy()

    def displayed_step(self) -> Conv1dStep:
        """The step shown at the current position."""
        self.ensure_fresh()
        return self._steps[min(self.controls.position(), len(self._steps) - 1)]


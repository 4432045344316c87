"""Reusable lesson controls: a step-by-step position control and an editable kernel."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QWidget,
)

from convlens.gui.layouts import FlowLayout, group
from convlens.gui.lesson.common import translate


class StepControls(QWidget):
    """Slider + previous / next / play / show-all buttons walking through ``count`` positions.

    Child objectNames are ``prefix`` + ``PositionSlider``, ``PrevPositionButton``, ``NextPositionButton``,
    ``PlayButton`` (checkable) and ``ShowAllButton``.

    Signals
    -------
    positionChanged(int)
    """

    positionChanged = Signal(int)

    def __init__(self, prefix: str, parent: QWidget | None = None, interval_ms: int = 450) -> None:
        super().__init__(parent)
        layout = FlowLayout(self, h_spacing=6)  # the buttons wrap onto a second line in a narrow page
        self.prev_button = QPushButton(translate("◀ Previous position"))
        self.prev_button.setObjectName(prefix + "PrevPositionButton")
        self.next_button = QPushButton(translate("Next position ▶"))
        self.next_button.setObjectName(prefix + "NextPositionButton")
        self.play_button = QPushButton(translate("Play"))
        self.play_button.setObjectName(prefix + "PlayButton")
        self.play_button.setCheckable(True)
        self.all_button = QPushButton(translate("Show all"))
        self.all_button.setObjectName(prefix + "ShowAllButton")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName(prefix + "PositionSlider")
        self.slider.setMinimumWidth(160)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.label = QLabel()
        self.label.setObjectName(prefix + "PositionLabel")
        for widget in (self.prev_button, self.next_button, self.play_button, self.all_button):
            layout.addWidget(widget)
        layout.addWidget(group(self.slider, self.label, expanding=True))
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self.prev_button.clicked.connect(lambda: self.set_position(self.position() - 1))
        self.next_button.clicked.connect(lambda: self.set_position(self.position() + 1))
        self.all_button.clicked.connect(lambda: self.set_position(self.slider.maximum()))
        self.play_button.toggled.connect(self._play)
        self.slider.valueChanged.connect(self._moved)
        self.set_count(1)

    def set_count(self, count: int) -> None:
        """Number of positions (the slider keeps its value when it still fits)."""
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(count - 1, 0))
        self.slider.blockSignals(False)
        self._update_label()

    def count(self) -> int:
        return self.slider.maximum() + 1

    def position(self) -> int:
        return self.slider.value()

    def set_position(self, position: int) -> None:
        self.slider.setValue(max(0, min(position, self.slider.maximum())))

    def stop(self) -> None:
        self.play_button.setChecked(False)

    def _moved(self, value: int) -> None:
        self._update_label()
        self.positionChanged.emit(value)

    def _update_label(self) -> None:
        self.label.setText(translate("step {0} of {1}").format(self.position() + 1, self.count()))

    def _play(self, on: bool) -> None:
        if on:
            if self.position() >= self.slider.maximum():
                self.set_position(0)
            self._timer.start()
            self.play_button.setText(translate("Pause"))
        else:
            self._timer.stop()
            self.play_button.setText(translate("Play"))

    def _tick(self) -> None:
        if self.position() >= self.slider.maximum() or not self.isVisible():
            self.stop()
            return
        self.set_position(self.position() + 1)


class KernelSpin(QDoubleSpinBox):
    """A spin box that writes whole numbers without decimals (the lecture's ``1`` and ``-1``)."""

    def textFromValue(self, value: float) -> str:
        return self.locale().toString(round(value, self.decimals()), "g", 6)


class KernelEditor(QWidget):
    """An editable ``rows x cols`` kernel: one spin box per cell, objectName ``prefix`` + ``Kernel_r_c``.

    Signals
    -------
    kernelChanged()
        After any cell changes (once per :meth:`set_kernel`).
    """

    kernelChanged = Signal()

    def __init__(self, prefix: str, parent: QWidget | None = None, decimals: int = 2) -> None:
        super().__init__(parent)
        self._prefix = prefix
        self._decimals = decimals
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        self._spins: list[list[KernelSpin]] = []
        self._muted = False
        self.set_kernel(np.zeros((3, 3)))

    def _rebuild(self, rows: int, cols: int) -> None:
        for row in self._spins:
            for spin in row:
                self._grid.removeWidget(spin)
                spin.deleteLater()
        self._spins = []
        for r in range(rows):
            row = []
            for c in range(cols):
                spin = KernelSpin()
                spin.setObjectName(f"{self._prefix}Kernel_{r}_{c}")
                spin.setRange(-99.0, 99.0)
                spin.setDecimals(self._decimals)
                spin.setSingleStep(0.1 if self._decimals else 1.0)
                spin.setAlignment(Qt.AlignmentFlag.AlignRight)
                spin.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
                spin.setMinimumWidth(48)
                spin.valueChanged.connect(self._edited)
                self._grid.addWidget(spin, r, c)
                row.append(spin)
            self._spins.append(row)

    def set_kernel(self, kernel: np.ndarray) -> None:
        k = np.asarray(kernel, dtype=np.float64)
        if k.ndim == 1:
            k = k[None, :]
        if not self._spins or k.shape != (len(self._spins), len(self._spins[0])):
            self._rebuild(*k.shape)
        self._muted = True
        for r, row in enumerate(self._spins):
            for c, spin in enumerate(row):
                spin.setValue(float(k[r, c]))
        self._muted = False
        self.kernelChanged.emit()

    def kernel(self) -> np.ndarray:
        """The kernel as shown (values rounded to the spin boxes' decimals), shape (rows, cols)."""
        return np.array([[spin.value() for spin in row] for row in self._spins], dtype=np.float64)

    def spin(self, row: int, col: int) -> QDoubleSpinBox:
        return self._spins[row][col]

    def _edited(self) -> None:
        if not self._muted:
            self.kernelChanged.emit()

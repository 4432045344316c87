"""Probabilities panel: the 10 output probabilities as bars, the winning digit large with its confidence.

When the network is unsure (top probability below :data:`LOW_CONFIDENCE`) a hint names the two
most likely digits.  An empty canvas shows a "Draw a digit" state instead of a prediction.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from convlens.gui.controller import LiveResult
from convlens.gui.style import Theme, get_theme

__all__ = ["LOW_CONFIDENCE", "ProbabilitiesPanel"]

LOW_CONFIDENCE = 0.6
"""Below this top probability the panel says the network is unsure."""
NUM_CLASSES = 10


class ProbabilitiesPanel(QWidget):
    """Bar chart of the class probabilities; objectName ``probabilitiesPanel``."""

    def __init__(self, theme: Theme | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("probabilitiesPanel")
        self._theme = theme or get_theme("dark")
        self._probs = np.zeros(NUM_CLASSES, dtype=np.float32)
        self._digit: int | None = None

        self.digitLabel = QLabel("–")
        self.digitLabel.setObjectName("predictedDigitLabel")
        self.digitLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont(self.font())
        font.setPixelSize(84)
        font.setBold(True)
        self.digitLabel.setFont(font)
        self.digitLabel.setMinimumWidth(110)
        self.confidenceLabel = QLabel("Draw a digit")
        self.confidenceLabel.setObjectName("confidenceLabel")
        self.confidenceLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hintLabel = QLabel("")
        self.hintLabel.setObjectName("lowConfidenceLabel")
        self.hintLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hintLabel.setWordWrap(True)
        left = QVBoxLayout()
        left.addStretch(1)
        left.addWidget(self.digitLabel)
        left.addWidget(self.confidenceLabel)
        left.addWidget(self.hintLabel)
        left.addStretch(1)

        self.plot = pg.PlotWidget()
        self.plot.setObjectName("probabilitiesPlot")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setXRange(-0.6, NUM_CLASSES - 0.4, padding=0)
        self.plot.setYRange(0, 1.08, padding=0)
        self.plot.getPlotItem().getViewBox().disableAutoRange()
        bottom = self.plot.getAxis("bottom")
        bottom.setTicks([[(i, str(i)) for i in range(NUM_CLASSES)], []])
        left_axis = self.plot.getAxis("left")
        left_axis.setTicks([[(0.0, "0"), (0.5, "50%"), (1.0, "100%")], []])
        left_axis.setWidth(46)
        self.bars = pg.BarGraphItem(x=np.arange(NUM_CLASSES), height=self._probs, width=0.75)
        self.plot.addItem(self.bars)
        self.plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 0)
        layout.addWidget(self.plot, 1)
        self.set_theme(self._theme)

    def update_result(self, result: LiveResult) -> None:
        """Show the probabilities of a live update (None probabilities -> the "Draw a digit" state)."""
        self.set_probabilities(result.probs)

    def set_probabilities(self, probs: np.ndarray | list[float] | None) -> None:
        """Show ``probs`` (10 floats summing to 1), or the empty state for None/empty."""
        if probs is None or len(probs) == 0:
            self._probs = np.zeros(NUM_CLASSES, dtype=np.float32)
            self._digit = None
            self.digitLabel.setText("–")
            self.confidenceLabel.setText("Draw a digit")
            self.hintLabel.setText("")
        else:
            p = np.asarray(probs, dtype=np.float32).reshape(NUM_CLASSES)
            self._probs = p.copy()
            order = np.argsort(p)[::-1]
            self._digit = int(order[0])
            top = float(p[order[0]])
            self.digitLabel.setText(str(self._digit))
            self.confidenceLabel.setText(self.tr("{0}% sure").format(round(100 * top)))
            if top < LOW_CONFIDENCE:
                self.hintLabel.setText(self.tr("Not sure: a {0} or a {1}?").format(order[0], order[1]))
            else:
                self.hintLabel.setText("")
        self._redraw_bars()

    def probabilities(self) -> np.ndarray:
        """The probabilities shown, float32 (10,) (zeros in the empty state)."""
        return self._probs.copy()

    def digit(self) -> int | None:
        """The digit shown large, or None in the empty state."""
        return self._digit

    def is_low_confidence(self) -> bool:
        """True when the low-confidence hint is shown."""
        return bool(self.hintLabel.text())

    def _redraw_bars(self) -> None:
        brushes = [pg.mkBrush(self._theme.bar)] * NUM_CLASSES
        if self._digit is not None:
            brushes = list(brushes)
            brushes[self._digit] = pg.mkBrush(self._theme.accent)
        self.bars.setOpts(height=self._probs, brushes=brushes, pen=pg.mkPen(None))

    def set_theme(self, theme: Theme) -> None:
        """Restyle for a theme."""
        self._theme = theme
        self.plot.setBackground(theme.base)
        for name in ("bottom", "left"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(theme.muted))
            axis.setTextPen(pg.mkPen(theme.text))
        self.digitLabel.setStyleSheet(f"color: {theme.accent};")
        self.confidenceLabel.setStyleSheet(f"color: {theme.text};")
        self.hintLabel.setStyleSheet(f"color: {theme.warning};")
        self._redraw_bars()

"""Probabilities panel: the 10 output probabilities as bars, the reading in words and the winning digit large.

What it says follows the reading state (:mod:`convlens.services.reading`, decided in the live pipeline):

* ``"empty"``: "–" and "Draw a digit";
* ``"digit"``: the digit large with its confidence ("7", "98% sure");
* ``"unsure"``: "?" and the two candidates ("3: 45% · 8: 39%", "Not sure: a 3 or an 8?");
* ``"not_a_digit"``: "?" and "That does not look like a digit" — never a confident digit, however sure the
  network is; the bars still show what the network computed, none highlighted.

The panel's size never depends on what it says: every text has a fixed number of lines (long text wraps or is
cut), so a prediction that appears mid-stroke cannot grow the panel and shrink the canvas under the pen.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from convlens.gui.controller import LiveResult
from convlens.gui.style import Theme, get_theme
from convlens.services.reading import LOW_CONFIDENCE, Reading

__all__ = ["LOW_CONFIDENCE", "ProbabilitiesPanel"]

NUM_CLASSES = 10
LEFT_AXIS_PX = 46
TEXT_COLUMN_CHARS = 17
"""Width of the text column, in average characters of its font."""


class _FixedLabel(QLabel):
    """A label whose size hints do not depend on its text: ``lines`` lines of its font, ``chars`` characters wide.

    Text that does not fit wraps (``lines > 1``) or is cut; the layout around it never moves.
    """

    def __init__(self, text: str = "", lines: int = 1, chars: int = TEXT_COLUMN_CHARS) -> None:
        super().__init__(text)
        self._lines, self._chars = lines, chars
        self.setWordWrap(lines > 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def _fixed(self) -> QSize:
        metrics = self.fontMetrics()
        margins = self.contentsMargins()
        return QSize(
            metrics.averageCharWidth() * self._chars + margins.left() + margins.right(),
            metrics.lineSpacing() * self._lines + margins.top() + margins.bottom() + 2,
        )

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self._fixed()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self._fixed()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return False


class ProbabilitiesPanel(QWidget):
    """Bar chart of the class probabilities and the reading in words; objectName ``probabilitiesPanel``."""

    def __init__(self, theme: Theme | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("probabilitiesPanel")
        self._theme = theme or get_theme("dark")
        self._probs = np.zeros(NUM_CLASSES, dtype=np.float32)
        self._digit: int | None = None
        self._state = "empty"
        self._candidates: tuple[int, ...] = ()
        self._digit_colour = ""

        self.digitLabel = _FixedLabel("–", chars=2)
        self.digitLabel.setObjectName("predictedDigitLabel")
        self.digitLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont(self.font())
        font.setPixelSize(84)
        font.setBold(True)
        self.digitLabel.setFont(font)
        self.digitLabel.setMinimumWidth(110)
        self.confidenceLabel = _FixedLabel(self.tr("Draw a digit"))
        self.confidenceLabel.setObjectName("confidenceLabel")
        self.confidenceLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hintLabel = _FixedLabel("", lines=3)
        self.hintLabel.setObjectName("lowConfidenceLabel")
        self.hintLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
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
        left_axis.setWidth(LEFT_AXIS_PX)
        self.bars = pg.BarGraphItem(x=np.arange(NUM_CLASSES), height=self._probs, width=0.75)
        self.plot.addItem(self.bars)
        self.plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 0)
        layout.addWidget(self.plot, 1)
        self.set_theme(self._theme)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return False  # the height is the layout's to give; the contents never ask for more

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.fit_axes()

    def fit_axes(self) -> None:
        """Give the ten digits under the bars room: in a narrow chart (presenter type at 1024x700) the
        "0 / 50% / 100%" scale on the left goes, so the digits never run into each other."""
        bottom, left = self.plot.getAxis("bottom"), self.plot.getAxis("left")
        font = bottom.style.get("tickFont") or self.plot.font()
        digit = QFontMetrics(font).horizontalAdvance("0")
        needed = LEFT_AXIS_PX + NUM_CLASSES * (digit + 6) + 8
        narrow = self.plot.width() < needed
        if narrow != (not left.style.get("showValues", True)):
            left.setStyle(showValues=not narrow)
            left.setWidth(8 if narrow else LEFT_AXIS_PX)

    def narrow_chart(self) -> bool:
        """Whether the chart dropped its left scale to make room for the digits."""
        return not self.plot.getAxis("left").style.get("showValues", True)

    def update_result(self, result: LiveResult) -> None:
        """Show a live update: its reading and probabilities (no probabilities -> the "Draw a digit" state)."""
        if result.probs is None:
            self.set_probabilities(None)
        else:
            self.show_reading(result.reading, result.probs)

    def set_probabilities(self, probs: np.ndarray | list[float] | None) -> None:
        """Show ``probs`` (10 floats summing to 1) read by confidence alone, or the empty state for None/empty."""
        if probs is None or len(probs) == 0:
            self.show_reading(Reading("empty", None, None, 0.0, "empty"), None)
            return
        p = np.asarray(probs, dtype=np.float32).reshape(NUM_CLASSES)
        first, second = (int(d) for d in np.argsort(p)[::-1][:2])
        top = float(p[first])
        state = "digit" if top >= LOW_CONFIDENCE else "unsure"
        self.show_reading(Reading(state, first, second, top, "confidence"), p)

    def show_reading(self, reading: Reading, probs: np.ndarray | list[float] | None) -> None:
        """Show a :class:`~convlens.services.reading.Reading` and the probabilities it was made from."""
        if reading.state == "empty" or probs is None or reading.digit is None:
            self._probs = np.zeros(NUM_CLASSES, dtype=np.float32)
            self._state, self._digit, self._candidates = "empty", None, ()
            self._set_texts("–", self.tr("Draw a digit"), "", self._theme.muted)
            self._redraw_bars()
            return
        p = np.asarray(probs, dtype=np.float32).reshape(NUM_CLASSES)
        self._probs = p.copy()
        first = reading.digit
        second = reading.runner_up if reading.runner_up is not None else int(np.argsort(p)[-2])
        self._state = reading.state
        if reading.state == "digit":
            self._digit, self._candidates = first, (first,)
            sure = self.tr("{0}% sure").format(round(100 * float(p[first])))
            self._set_texts(str(first), sure, "", self._theme.accent)
        elif reading.state == "unsure":
            self._digit, self._candidates = None, (first, second)
            odds = self.tr("{0}: {1}% · {2}: {3}%").format(
                first, round(100 * float(p[first])), second, round(100 * float(p[second]))
            )
            a, b = ((self.tr("an {0}") if d == 8 else self.tr("a {0}")).format(d) for d in (first, second))
            self._set_texts("?", odds, self.tr("Not sure: {0} or {1}?").format(a, b), self._theme.warning)
        else:  # not_a_digit
            self._digit, self._candidates = None, ()
            hint = self.tr("That does not look like a digit")
            self._set_texts("?", self.tr("Draw one digit, 0–9"), hint, self._theme.muted)
        self._redraw_bars()

    def _set_texts(self, digit: str, confidence: str, hint: str, digit_colour: str) -> None:
        self.digitLabel.setText(digit)
        self.confidenceLabel.setText(confidence)
        self.hintLabel.setText(hint)
        if digit_colour != self._digit_colour:  # restyle only on a change (a style sheet is slow on the pen path)
            self._digit_colour = digit_colour
            self.digitLabel.setStyleSheet(f"color: {digit_colour};")

    def probabilities(self) -> np.ndarray:
        """The probabilities shown, float32 (10,) (zeros in the empty state)."""
        return self._probs.copy()

    def digit(self) -> int | None:
        """The digit shown large, or None when none is (empty, unsure, not a digit)."""
        return self._digit

    def state(self) -> str:
        """The reading state shown: ``"empty"``, ``"digit"``, ``"unsure"`` or ``"not_a_digit"``."""
        return self._state

    def is_low_confidence(self) -> bool:
        """True when the panel names two candidates instead of a digit (the "unsure" state)."""
        return self._state == "unsure"

    def _redraw_bars(self) -> None:
        brushes = [pg.mkBrush(self._theme.bar)] * NUM_CLASSES
        if self._candidates:
            colour = self._theme.accent if self._state == "digit" else self._theme.warning
            brushes = list(brushes)
            for d in self._candidates:
                brushes[d] = pg.mkBrush(colour)
        self.bars.setOpts(height=self._probs, brushes=brushes, pen=pg.mkPen(None))

    def set_theme(self, theme: Theme) -> None:
        """Restyle for a theme."""
        self._theme = theme
        self.plot.setBackground(theme.base)
        for name in ("bottom", "left"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(theme.muted))
            axis.setTextPen(pg.mkPen(theme.text))
        self._digit_colour = ""
        self._set_texts(
            self.digitLabel.text(),
            self.confidenceLabel.text(),
            self.hintLabel.text(),
            theme.accent if self._state == "digit" else theme.warning if self._state == "unsure" else theme.muted,
        )
        self.confidenceLabel.setStyleSheet(f"color: {theme.text};")
        self.hintLabel.setStyleSheet(f"color: {theme.warning};")
        self._redraw_bars()

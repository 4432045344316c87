"""Live loss and accuracy curves of a run: training (smoothed, every progress event) and validation points.

New points are kept at once but drawn at most every :data:`REDRAW_MS` (and at once on :meth:`CurvesView.flush`),
one plot per event-loop turn: a plot's repaint (its axes and grid) cost the GUI thread ~30 ms while a run of tiny
batches trained, and ten repaints of both plots a second made the event loop up to a second late on a busy
2-core machine (tests/gui/test_training_hold.py measures it).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QHBoxLayout, QWidget

from convlens.services.training import Progress, Validation

__all__ = ["CurvesView"]

TRAIN_COLOUR = (76, 194, 255)
VAL_COLOUR = (255, 179, 71)
SMOOTHING = 0.7
"""Weight of the previous value in the training curves' moving average (batch losses are noisy)."""
REDRAW_MS = 500
"""Shortest time between two redraws of the curves while points arrive."""
GRID_ALPHA = 0.2
"""Opacity of the grid lines, shown when no run is going on. While a run trains the grid is off: its lines are
drawn by the axes across the whole plot, two thirds of a repaint (5.8 -> 1.9 ms per plot, measured offscreen), and
with the training thread competing for the GIL the repaints made the event loop's p99 lateness 72-90 ms with the
training tab in front; without the grid, 36 ms (``bench/bench_training_gui.py --tab training``)."""


def tr(text: str) -> str:
    return QCoreApplication.translate("Training", text)


def _plot(name: str, title: str, legend_offset: tuple[int, int]) -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setObjectName(name)
    plot.setTitle(title)
    plot.setMinimumHeight(170)
    plot.setMaximumHeight(240)
    plot.setLabel("bottom", tr("epoch"))
    plot.getAxis("bottom").enableAutoSIPrefix(False)
    plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
    plot.addLegend(offset=legend_offset)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    return plot


class CurvesView(QWidget):
    """Two plots, ``lossPlot`` and ``accuracyPlot``, over the position in epochs.

    Attributes
    ----------
    lines : dict[str, PlotDataItem]
        ``"train_loss"``, ``"train_acc"``, ``"val_loss"``, ``"val_acc"``.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.lossPlot = _plot("lossPlot", tr("Loss"), legend_offset=(-5, 5))  # top right: the loss falls
        self.accuracyPlot = _plot("accuracyPlot", tr("Accuracy"), legend_offset=(-5, -30))
        self.accuracyPlot.setYRange(0.0, 1.0, padding=0.02)
        train_pen = pg.mkPen(TRAIN_COLOUR, width=2)
        val_style = {"pen": pg.mkPen(VAL_COLOUR, width=2), "symbol": "o", "symbolSize": 5, "symbolBrush": VAL_COLOUR}
        self.lines = {
            "train_loss": self.lossPlot.plot(pen=train_pen, name=tr("training")),
            "val_loss": self.lossPlot.plot(name=tr("validation"), **val_style),
            "train_acc": self.accuracyPlot.plot(pen=train_pen, name=tr("training")),
            "val_acc": self.accuracyPlot.plot(name=tr("validation"), **val_style),
        }
        layout.addWidget(self.lossPlot)
        layout.addWidget(self.accuracyPlot)
        self._data: dict[str, list[float]] = {}
        self._ema: dict[str, float] = {}
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(REDRAW_MS)
        self._redraw.timeout.connect(self._draw_loss_then_accuracy)
        self._live = False
        self.clear()

    @property
    def train_points(self) -> int:
        """How many training points the curves show."""
        return len(self._data["x"])

    def set_live(self, live: bool) -> None:
        """A run is training (``True``: no grid, cheaper repaints) or not (the grid back, to read the values)."""
        self._live = live
        for plot in (self.lossPlot, self.accuracyPlot):
            plot.showGrid(x=not live, y=not live, alpha=GRID_ALPHA)

    @property
    def live(self) -> bool:
        """The curves are in their cheaper look for a run in progress (no grid)."""
        return self._live

    def clear(self) -> None:
        """Empty curves, for a new run."""
        self._data = {k: [] for k in ("x", "train_loss", "train_acc", "vx", "val_loss", "val_acc")}
        self._ema = {}
        self._redraw.stop()
        for line in self.lines.values():
            line.setData([], [])

    def flush(self) -> None:
        """Draw every point kept so far now (both plots), with the grid: the run is over."""
        self._redraw.stop()
        self.set_live(False)
        self._draw("loss")
        self._draw("acc")

    def _draw(self, which: str) -> None:
        d = self._data
        self.lines[f"train_{which}"].setData(d["x"], d[f"train_{which}"])
        self.lines[f"val_{which}"].setData(d["vx"], d[f"val_{which}"])

    def _draw_loss_then_accuracy(self) -> None:
        """The loss plot now, the accuracy plot in the next turn of the event loop (one repaint per turn)."""
        self._draw("loss")
        QTimer.singleShot(0, self, lambda: self._draw("acc"))

    def _schedule(self) -> None:
        if not self._redraw.isActive():
            self._redraw.start()

    def add_progress(self, item: Progress) -> None:
        """A training point (batch records only; the moving average smooths the batch-to-batch noise).

        The hold after one step adds that batch's point; a reset of the run empties the curves.
        """
        p = item.progress
        if p.kind == "reset":
            self.clear()
            return
        one_step = p.kind == "paused" and p.filter_change is not None
        if not (p.kind == "step" or one_step) or not math.isfinite(p.loss):
            return
        if self._data["x"] and item.epoch_pos <= self._data["x"][-1]:  # that batch is already shown
            return
        for key, value in (("train_loss", p.loss), ("train_acc", p.batch_accuracy)):
            prev = self._ema.get(key)
            self._ema[key] = value if prev is None else SMOOTHING * prev + (1 - SMOOTHING) * value
        d = self._data
        d["x"].append(item.epoch_pos)
        d["train_loss"].append(self._ema["train_loss"])
        d["train_acc"].append(self._ema["train_acc"])
        self._schedule()

    def add_validation(self, item: Validation) -> None:
        """A validation point."""
        d = self._data
        d["vx"].append(item.epoch_pos)
        d["val_loss"].append(item.loss)
        d["val_acc"].append(item.accuracy)
        self._schedule()

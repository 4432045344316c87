"""Live loss and accuracy curves of a run: training (smoothed, every progress event) and validation points."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHBoxLayout, QWidget

from convlens.services.training import Progress, Validation

__all__ = ["CurvesView"]

TRAIN_COLOUR = (76, 194, 255)
VAL_COLOUR = (255, 179, 71)
SMOOTHING = 0.7
"""Weight of the previous value in the training curves' moving average (batch losses are noisy)."""


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
    plot.showGrid(x=True, y=True, alpha=0.2)
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
        self.clear()

    @property
    def train_points(self) -> int:
        """How many training points the curves show."""
        return len(self._data["x"])

    def clear(self) -> None:
        """Empty curves, for a new run."""
        self._data = {k: [] for k in ("x", "train_loss", "train_acc", "vx", "val_loss", "val_acc")}
        self._ema = {}
        for line in self.lines.values():
            line.setData([], [])

    def add_progress(self, item: Progress) -> None:
        """A training point (batch records only; the moving average smooths the batch-to-batch noise)."""
        p = item.progress
        if p.kind != "step" or not math.isfinite(p.loss):
            return
        for key, value in (("train_loss", p.loss), ("train_acc", p.batch_accuracy)):
            prev = self._ema.get(key)
            self._ema[key] = value if prev is None else SMOOTHING * prev + (1 - SMOOTHING) * value
        d = self._data
        d["x"].append(item.epoch_pos)
        d["train_loss"].append(self._ema["train_loss"])
        d["train_acc"].append(self._ema["train_acc"])
        self.lines["train_loss"].setData(d["x"], d["train_loss"])
        self.lines["train_acc"].setData(d["x"], d["train_acc"])

    def add_validation(self, item: Validation) -> None:
        """A validation point."""
        d = self._data
        d["vx"].append(item.epoch_pos)
        d["val_loss"].append(item.loss)
        d["val_acc"].append(item.accuracy)
        self.lines["val_loss"].setData(d["vx"], d["val_loss"])
        self.lines["val_acc"].setData(d["vx"], d["val_acc"])

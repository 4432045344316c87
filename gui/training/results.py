"""After training: test accuracy, per-class accuracy, the confusion matrix and the misclassified digits.

:func:`convlens.services.evaluation.summarize` (pure NumPy, runs in the worker) makes the
:class:`~convlens.services.evaluation.ResultSummary` that :class:`ResultsView` shows.
Clicking a misclassified digit emits ``digitChosen(image28)`` so the window can put it on the canvas and show it
through the network.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from convlens.services.evaluation import ResultSummary

__all__ = ["ResultsView", "confusion_colour", "digit_pixmap"]


def tr(text: str) -> str:
    return QCoreApplication.translate("Training", text)


def confusion_colour(count: int, row_total: int, diagonal: bool) -> QColor:
    """Cell colour: green for correct answers, red for confusions, stronger for a larger share of the row."""
    share = count / row_total if row_total else 0.0
    if diagonal:
        return QColor(40, 160, 90, int(40 + 200 * share))
    if count == 0:
        return QColor(0, 0, 0, 0)
    return QColor(220, 60, 50, int(60 + 195 * min(1.0, share * 8)))


def digit_pixmap(image28: np.ndarray, size: int = 56) -> QPixmap:
    """A ``(28, 28)`` float image in [0, 1] as a grayscale pixmap ``size`` pixels wide (nearest-neighbour)."""
    data = np.ascontiguousarray(np.clip(np.asarray(image28).reshape(28, 28) * 255.0, 0, 255).astype(np.uint8))
    image = QImage(data.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(image).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )


class ResultsView(QWidget):
    """Test accuracy, per-class bars, colour-coded confusion matrix and a gallery of mistakes.

    Signals
    -------
    digitChosen(object)
        A misclassified test image, float32 ``(28, 28)`` in [0, 1], that the visitor clicked.
    """

    digitChosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingResults")
        self._summary: ResultSummary | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.accuracyLabel = QLabel()
        self.accuracyLabel.setObjectName("testAccuracy")
        self.accuracyLabel.setWordWrap(True)
        font = self.accuracyLabel.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.accuracyLabel.setFont(font)
        layout.addWidget(self.accuracyLabel)

        self.perClassPlot = pg.PlotWidget()
        self.perClassPlot.setObjectName("perClassPlot")
        self.perClassPlot.setFixedHeight(130)
        self.perClassPlot.setMouseEnabled(x=False, y=False)
        self.perClassPlot.hideButtons()
        self.perClassPlot.setTitle(tr("Accuracy per digit"))
        self.perClassPlot.getAxis("bottom").setTicks([[(k, str(k)) for k in range(10)]])
        self._bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, brush=(76, 194, 255))
        self.perClassPlot.addItem(self._bars)
        layout.addWidget(self.perClassPlot)

        layout.addWidget(QLabel(tr("Confusion matrix (rows: true digit, columns: the network's answer)")))
        self.confusionTable = QTableWidget(10, 10)
        self.confusionTable.setObjectName("confusionTable")
        self.confusionTable.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.confusionTable.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        labels = [str(k) for k in range(10)]
        self.confusionTable.setHorizontalHeaderLabels(labels)
        self.confusionTable.setVerticalHeaderLabels(labels)
        for header in (self.confusionTable.horizontalHeader(), self.confusionTable.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(18)
        self.confusionTable.setMinimumHeight(250)
        layout.addWidget(self.confusionTable)

        self.galleryLabel = QLabel(tr("Digits it got wrong (click one to see it through the network):"))
        self.galleryLabel.setWordWrap(True)
        layout.addWidget(self.galleryLabel)
        self.gallery = QListWidget()
        self.gallery.setObjectName("misclassifiedGallery")
        self.gallery.setViewMode(QListWidget.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(48, 48))
        self.gallery.setGridSize(QSize(64, 72))
        self.gallery.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.gallery.setMovement(QListWidget.Movement.Static)
        self.gallery.setMinimumHeight(160)
        self.gallery.itemClicked.connect(self._on_item)
        self.gallery.itemActivated.connect(self._on_item)
        layout.addWidget(self.gallery)

    def set_summary(self, summary: ResultSummary) -> None:
        """Show ``summary``."""
        self._summary = summary
        self.accuracyLabel.setText(
            tr("Test accuracy: {acc:.2%} ({wrong} of {n} digits it never saw were read wrong)").format(
                acc=summary.accuracy, wrong=summary.n_wrong, n=f"{summary.n_test:,}"
            )
        )
        heights = np.nan_to_num(np.asarray(summary.per_class_accuracy, dtype=float))
        self._bars.setOpts(height=heights)
        low = float(max(0.0, min(heights.min() - 0.05, 0.9))) if len(heights) else 0.0
        self.perClassPlot.setYRange(low, 1.0, padding=0)
        totals = summary.confusion.sum(axis=1)
        for t in range(10):
            for p in range(10):
                count = int(summary.confusion[t, p])
                item = QTableWidgetItem(str(count) if count else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setBackground(QBrush(confusion_colour(count, int(totals[t]), t == p)))
                item.setToolTip(tr("true {t}, read as {p}: {n}").format(t=t, p=p, n=count))
                self.confusionTable.setItem(t, p, item)
        self.gallery.clear()
        for i in range(len(summary.gallery_images)):
            t, p = int(summary.gallery_true[i]), int(summary.gallery_pred[i])
            entry = QListWidgetItem(QIcon(digit_pixmap(summary.gallery_images[i])), f"{t} → {p}")
            entry.setToolTip(
                tr("A {t} read as {p} ({conf:.0%} sure)").format(t=t, p=p, conf=summary.gallery_confidence[i])
            )
            entry.setData(Qt.ItemDataRole.UserRole, i)
            self.gallery.addItem(entry)
        self.galleryLabel.setVisible(len(summary.gallery_images) > 0)
        self.gallery.setVisible(len(summary.gallery_images) > 0)

    def choose(self, index: int) -> None:
        """Emit ``digitChosen`` with gallery image ``index``."""
        if self._summary is None or not 0 <= index < len(self._summary.gallery_images):
            return
        self.digitChosen.emit(self._summary.gallery_images[index].copy())

    def _on_item(self, item: QListWidgetItem) -> None:
        self.choose(int(item.data(Qt.ItemDataRole.UserRole)))

"""The class mode's result: accuracy on the class's held-out drawings before and after, side by side, with both
confusion matrices and the MNIST test accuracy before and after (:class:`ClassResultView`)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from convlens.gui.kiosk.i18n import SELF_TRANSLATING
from convlens.gui.training.results import confusion_colour
from convlens.services.finetune import FineTuneOutcome

__all__ = ["ClassResultView", "confusion_table"]


def tr(text: str) -> str:
    return QCoreApplication.translate("Classroom", text)


def confusion_table(name: str) -> QTableWidget:
    """An empty read-only 10x10 table (rows: true digit, columns: the network's answer) named ``name``."""
    table = QTableWidget(10, 10)
    table.setObjectName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    labels = [str(k) for k in range(10)]
    table.setHorizontalHeaderLabels(labels)
    table.setVerticalHeaderLabels(labels)
    for header in (table.horizontalHeader(), table.verticalHeader()):
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(16)
    table.setMinimumHeight(230)
    return table


def fill_confusion(table: QTableWidget, confusion: np.ndarray) -> None:
    """Show ``confusion`` ``(10, 10)`` ``[true, answer]`` counts, colour-coded like the training tab's matrix."""
    totals = confusion.sum(axis=1)
    for t in range(10):
        for p in range(10):
            count = int(confusion[t, p])
            item = QTableWidgetItem(str(count) if count else "")
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            item.setBackground(QBrush(confusion_colour(count, int(totals[t]), t == p)))
            item.setToolTip(tr("true {t}, read as {p}: {n}").format(t=t, p=p, n=count))
            table.setItem(t, p, item)


class ClassResultView(QWidget):
    """Before | after: the held-out accuracy in large type over each confusion matrix, MNIST below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classResults")
        self.setProperty(SELF_TRANSLATING, True)  # its texts are set here, also on a language switch
        self.outcome: FineTuneOutcome | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.headline = QLabel()
        self.headline.setObjectName("classResultHeadline")
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        grid = QGridLayout()
        self.beforeTitle, self.afterTitle = QLabel(), QLabel()
        self.beforeTitle.setObjectName("classBeforeTitle")
        self.afterTitle.setObjectName("classAfterTitle")
        self.beforeAccuracy, self.afterAccuracy = QLabel(), QLabel()
        self.beforeAccuracy.setObjectName("classBeforeAccuracy")
        self.afterAccuracy.setObjectName("classAfterAccuracy")
        for label in (self.beforeAccuracy, self.afterAccuracy):
            font = label.font()
            font.setPointSizeF(font.pointSizeF() * 2.4)
            font.setBold(True)
            label.setFont(font)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for label in (self.beforeTitle, self.afterTitle):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
        self.beforeConfusion = confusion_table("classBeforeConfusion")
        self.afterConfusion = confusion_table("classAfterConfusion")
        grid.addWidget(self.beforeTitle, 0, 0)
        grid.addWidget(self.afterTitle, 0, 1)
        grid.addWidget(self.beforeAccuracy, 1, 0)
        grid.addWidget(self.afterAccuracy, 1, 1)
        grid.addWidget(self.beforeConfusion, 2, 0)
        grid.addWidget(self.afterConfusion, 2, 1)
        layout.addLayout(grid)
        self.matrixNote = QLabel()
        self.matrixNote.setObjectName("classMatrixNote")
        self.matrixNote.setWordWrap(True)
        layout.addWidget(self.matrixNote)
        self.mnistLabel = QLabel()
        self.mnistLabel.setObjectName("classMnistAccuracy")
        self.mnistLabel.setWordWrap(True)
        layout.addWidget(self.mnistLabel)
        self.retranslate()

    def set_outcome(self, outcome: FineTuneOutcome) -> None:
        """Show a finished run."""
        self.outcome = outcome
        fill_confusion(self.beforeConfusion, outcome.confusion_before)
        fill_confusion(self.afterConfusion, outcome.confusion_after)
        self.retranslate()

    def retranslate(self) -> None:
        """(Re)set every text in the current language."""
        self.beforeTitle.setText(tr("Before: the network as it was"))
        self.afterTitle.setText(tr("After: taught our handwriting"))
        self.matrixNote.setText(tr("Rows: the digit drawn; columns: the network's answer. Green: read right."))
        outcome = self.outcome
        if outcome is None:
            self.headline.setText(tr("Teach the network to see how it reads the class's held-out drawings."))
            self.beforeAccuracy.setText("–")
            self.afterAccuracy.setText("–")
            self.mnistLabel.setText("")
            return
        self.headline.setText(
            tr("{n} drawings were kept aside (never taught) to check the network; {k} were taught.").format(
                n=outcome.held_out, k=outcome.class_train
            )
        )
        self.beforeAccuracy.setText(f"{outcome.before:.0%}")
        self.afterAccuracy.setText(f"{outcome.after:.0%}")
        self.mnistLabel.setText(
            tr("MNIST test digits: {before:.2%} before, {after:.2%} after ({n} digits); took {s:.0f} s.").format(
                before=outcome.mnist_before, after=outcome.mnist_after, n=f"{outcome.mnist_test:,}", s=outcome.seconds
            )
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

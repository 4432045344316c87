""""Correct me": the row of ten digit buttons the visitor taps after a prediction, and the training tab's box of it.

The drawings are stored by :class:`convlens.services.corrections.CorrectionStore`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from convlens.gui.controller import Controller
from convlens.gui.layouts import WrapCheckBox
from convlens.services.corrections import CorrectionStore, CorrectionStoreError
from convlens.services.live import LiveResult

__all__ = ["CorrectBox", "CorrectionBar"]


def tr(text: str) -> str:
    return QCoreApplication.translate("Training", text)


class CorrectionBar(QWidget):
    """"That was a ...": ten digit buttons ``correctDigit0``..``correctDigit9`` and a "Save my corrections" box.

    Parameters
    ----------
    store : CorrectionStore, optional
    parent : QWidget, optional

    Signals
    -------
    corrected(int, object)
        ``(digit, image28)`` after the visitor tapped a digit (whether or not it was saved).
    saved(int)
        The number of stored corrections after a successful save.

    Notes
    -----
    Feed it the network's current input with :meth:`set_image` (or connect a controller's
    ``activationsChanged`` to :meth:`on_result`); the buttons are disabled while there is no drawing.
    """

    corrected = Signal(int, object)
    saved = Signal(int)

    def __init__(self, store: CorrectionStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("correctionBar")
        self.store = store or CorrectionStore()
        self._image: np.ndarray | None = None
        self._predicted: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.prompt = QLabel(tr("Wrong? Tap the digit you meant:"))
        self.prompt.setWordWrap(True)
        layout.addWidget(self.prompt)
        row = QHBoxLayout()
        row.setSpacing(2)
        self.buttons: list[QPushButton] = []
        for digit in range(10):
            button = QPushButton(str(digit))
            button.setObjectName(f"correctDigit{digit}")
            button.setMinimumWidth(28)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setToolTip((tr("It was an {digit}") if digit == 8 else tr("It was a {digit}")).format(digit=digit))
            button.clicked.connect(lambda _=False, d=digit: self.correct(d))
            row.addWidget(button)
            self.buttons.append(button)
        layout.addLayout(row)
        self.save_box = WrapCheckBox(tr("Save my corrections (on this computer, to improve the network)"))  # wraps
        self.save_box.setObjectName("saveCorrections")
        self.save_box.setChecked(False)
        layout.addWidget(self.save_box)
        self.status = QLabel("")
        self.status.setObjectName("correctionStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self._update_enabled()

    def set_image(self, image28: np.ndarray | None, predicted: int | None = None) -> None:
        """The drawing as the network sees it, ``(28, 28)`` in [0, 1], or None for an empty canvas."""
        self._image = None if image28 is None else np.array(image28, dtype=np.float32).reshape(28, 28)
        self._predicted = predicted
        self._update_enabled()

    def on_result(self, result: LiveResult) -> None:
        """Slot for ``Controller.activationsChanged``."""
        self.set_image(result.image28, result.digit)

    def _update_enabled(self) -> None:
        for button in self.buttons:
            button.setEnabled(self._image is not None)

    def correct(self, digit: int) -> None:
        """The visitor says the drawing is ``digit``: save it if opted in, and emit ``corrected``."""
        if self._image is None:
            return
        image = self._image.copy()
        a_digit = (tr("an {0}") if digit == 8 else tr("a {0}")).format(digit)
        if self.save_box.isChecked():
            try:
                count = self.store.add(image, digit)
            except CorrectionStoreError as exc:
                self.status.setText(tr("Could not save the correction: {error}").format(error=exc))
            else:
                saved = (
                    tr("Thanks! Saved as {digit} (1 correction so far).")
                    if count == 1
                    else tr("Thanks! Saved as {digit} ({count} corrections so far).")
                )
                self.status.setText(saved.format(digit=a_digit, count=count))
                self.saved.emit(count)
        else:
            self.status.setText(
                tr("Thanks! It was {digit}. Tick “Save my corrections” to keep it for training.").format(
                    digit=a_digit
                )
            )
        self.corrected.emit(digit, image)


class CorrectBox(QGroupBox):
    """"Correct me" in the training tab: a :class:`CorrectionBar` fed by the controller and the count of saved
    corrections; :meth:`make_bar` makes more bars (e.g. under the probabilities) sharing the store and the opt-in.

    Signals
    -------
    countChanged(int)
        The number of stored corrections, after a save from any of the bars.
    """

    countChanged = Signal(int)

    def __init__(self, store: CorrectionStore, controller: Controller, parent: QWidget | None = None) -> None:
        super().__init__(tr("Correct me"), parent)
        self.setObjectName("correctBox")
        self.store = store
        self.controller = controller
        layout = QVBoxLayout(self)
        self.bar = self._connect(CorrectionBar(store))
        layout.addWidget(self.bar)
        self.countLabel = QLabel()
        self.countLabel.setObjectName("correctionsCount")
        self.countLabel.setWordWrap(True)
        layout.addWidget(self.countLabel)
        self.update_count()

    def _connect(self, bar: CorrectionBar) -> CorrectionBar:
        self.controller.activationsChanged.connect(bar.on_result)
        bar.on_result(self.controller.last_result())
        bar.saved.connect(self.update_count)
        return bar

    def make_bar(self, parent: QWidget | None = None) -> CorrectionBar:
        """Another bar (objectName ``correctionBar``): same store, and ticking "Save my corrections" in either
        bar ticks both."""
        bar = self._connect(CorrectionBar(self.store, parent))
        bar.save_box.setChecked(self.bar.save_box.isChecked())
        bar.save_box.toggled.connect(self.bar.save_box.setChecked)
        self.bar.save_box.toggled.connect(bar.save_box.setChecked)
        return bar

    def update_count(self, _count: int | None = None) -> None:
        count = self.store.count()
        if count == 1:
            text = tr(
                "1 saved correction. Tick “Fine-tune … on my corrections” in the advanced settings to train on it."
            )
        elif count:
            text = tr(
                "{n} saved corrections. Tick “Fine-tune … on my corrections” in the advanced settings to "
                "train on them."
            ).format(n=count)
        else:
            text = tr("No saved corrections yet.")
        self.countLabel.setText(text)
        self.countChanged.emit(count)

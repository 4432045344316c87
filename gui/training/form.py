"""What to train: the one-click quick button and the advanced settings, as a service ``TrainingRequest``.

Every run of the app is :data:`~convlens.services.recipes.QUICK` (possibly with the advanced form's overrides) on a
preset network, with the app's live-view settings (:func:`app_request`): validation points on 500 held-out images,
a weight snapshot for the preview at most every 2 s, a progress event after every batch (the worker thread
throttles them to about ten a second).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from convlens.engine.presets import PRESETS
from convlens.services.recipes import QUICK, Recipe
from convlens.services.training import TrainingRequest

__all__ = ["APP_SOURCE", "PRESET_LABELS", "SettingsForm", "app_request"]

PRESET_LABELS = {
    "default": QT_TRANSLATE_NOOP("Training", "default: 16 + 32 filters (the shipped network)"),
    "small": QT_TRANSLATE_NOOP("Training", "small: 8 + 16 filters (faster)"),
}
APP_SOURCE = "ConvLens app (Train button)"
ALL_IMAGES = 60000


def tr(text: str) -> str:
    return QCoreApplication.translate("Training", text)


TIMELAPSE_EVERY = 5
"""Batches between two time-lapse frames in the app (a long run is thinned to at most 120 frames)."""


def app_request(recipe: Recipe = QUICK, architecture: str = "default", **fields: Any) -> TrainingRequest:
    """A :class:`TrainingRequest` with the app's live-view settings; ``fields`` set any other request field.

    ``app_request()`` is the Quick train button: ``convlens train --quick`` on the default network.
    """
    settings: dict[str, Any] = {
        "validation_size": 500,
        "snapshot_seconds": 2.0,
        "report_every": 1,
        "timelapse_every": TIMELAPSE_EVERY,
        "source": APP_SOURCE,
    }
    return TrainingRequest(recipe=recipe, architecture=architecture, **{**settings, **fields})


class SettingsForm(QWidget):
    """The Quick train button, the reason training is unavailable, and the collapsible advanced form.

    Signals
    -------
    quickRequested()
        Quick train was clicked.
    advancedRequested()
        "Train with these settings" was clicked (read :meth:`request` and :attr:`fine_tune`).
    """

    quickRequested = Signal()
    advancedRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.quickTrainButton = QPushButton(tr("Quick train (about half a minute)"))
        self.quickTrainButton.setObjectName("quickTrainButton")
        self.quickTrainButton.setMinimumHeight(44)
        self._quick_tip = tr("Train the default network for {epochs} epochs on all of MNIST").format(
            epochs=QUICK.epochs
        )
        self.quickTrainButton.setToolTip(self._quick_tip)
        self.quickTrainButton.clicked.connect(self.quickRequested)
        layout.addWidget(self.quickTrainButton)
        self.unavailableLabel = QLabel()
        self.unavailableLabel.setObjectName("trainingUnavailable")
        self.unavailableLabel.setWordWrap(True)
        layout.addWidget(self.unavailableLabel)

        self.advancedToggle = QToolButton()
        self.advancedToggle.setObjectName("advancedToggle")
        self.advancedToggle.setText(tr("Advanced settings"))
        self.advancedToggle.setCheckable(True)
        self.advancedToggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advancedToggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advancedToggle.toggled.connect(self.set_advanced_visible)
        layout.addWidget(self.advancedToggle)
        self.advancedBox = QWidget()
        self.advancedBox.setObjectName("advancedBox")
        form = QFormLayout(self.advancedBox)
        self.presetCombo = QComboBox()
        self.presetCombo.setObjectName("presetCombo")
        for key in PRESETS:
            self.presetCombo.addItem(tr(str(PRESET_LABELS[key])) if key in PRESET_LABELS else key, key)
        self.presetCombo.setCurrentIndex(max(self.presetCombo.findData("default"), 0))
        form.addRow(tr("Network"), self.presetCombo)
        self.epochsSpin = self._spin("epochsSpin", 1, 50, QUICK.epochs)
        form.addRow(tr("Epochs"), self.epochsSpin)
        self.trainSizeSpin = self._spin("trainSizeSpin", 100, ALL_IMAGES, ALL_IMAGES, step=1000)
        self.trainSizeSpin.setGroupSeparatorShown(True)
        form.addRow(tr("Training images"), self.trainSizeSpin)
        self.lrSpin = QDoubleSpinBox()
        self.lrSpin.setObjectName("lrSpin")
        self.lrSpin.setDecimals(4)
        self.lrSpin.setRange(0.0001, 1.0)
        self.lrSpin.setSingleStep(0.0005)
        self.lrSpin.setValue(QUICK.lr)
        form.addRow(tr("Learning rate"), self.lrSpin)
        self.batchSizeSpin = self._spin("batchSizeSpin", 8, 1024, QUICK.batch_size)
        form.addRow(tr("Batch size"), self.batchSizeSpin)
        self.augmentCheck = QCheckBox(tr("Augment (small random shifts and rotations)"))
        self.augmentCheck.setObjectName("augmentCheck")
        self.augmentCheck.setChecked(QUICK.augment)
        form.addRow(self.augmentCheck)
        self.fineTuneCheck = QCheckBox(tr("Fine-tune the model in use on my corrections"))
        self.fineTuneCheck.setObjectName("fineTuneCheck")
        form.addRow(self.fineTuneCheck)
        self.startTrainingButton = QPushButton(tr("Train with these settings"))
        self.startTrainingButton.setObjectName("startTrainingButton")
        self.startTrainingButton.clicked.connect(self.advancedRequested)
        form.addRow(self.startTrainingButton)
        self.advancedBox.setVisible(False)
        layout.addWidget(self.advancedBox)

    @staticmethod
    def _spin(name: str, low: int, high: int, value: int, step: int = 1) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setValue(value)
        return spin

    def request(self) -> TrainingRequest:
        """The advanced form's request (without fine-tuning: the panel adds the start model and corrections)."""
        size = self.trainSizeSpin.value()
        recipe = QUICK.with_overrides(
            epochs=self.epochsSpin.value(),
            lr=float(self.lrSpin.value()),
            batch_size=self.batchSizeSpin.value(),
            augment=self.augmentCheck.isChecked(),
        )
        return app_request(
            recipe, str(self.presetCombo.currentData()), train_size=size if size < ALL_IMAGES else None
        )

    @property
    def fine_tune(self) -> bool:
        """"Fine-tune the model in use on my corrections" is ticked."""
        return self.fineTuneCheck.isChecked()

    def set_advanced_visible(self, visible: bool) -> None:
        """Show or hide the advanced settings."""
        self.advancedToggle.blockSignals(True)
        self.advancedToggle.setChecked(visible)
        self.advancedToggle.blockSignals(False)
        self.advancedToggle.setArrowType(Qt.ArrowType.DownArrow if visible else Qt.ArrowType.RightArrow)
        self.advancedBox.setVisible(visible)

    def set_state(self, reason: str | None, running: bool, allowed: bool) -> None:
        """Enable the start buttons when training can start: no ``reason`` against it and no run going on."""
        for button, tip in ((self.quickTrainButton, self._quick_tip), (self.startTrainingButton, "")):
            button.setEnabled(reason is None and not running)
            button.setToolTip(reason or tip)
        self.unavailableLabel.setText(reason or "")
        self.unavailableLabel.setVisible(bool(reason))
        self.advancedBox.setEnabled(not running)
        self.quickTrainButton.setVisible(allowed)
        self.advancedToggle.setVisible(allowed)
        if not allowed:
            self.advancedBox.setVisible(False)

    def set_corrections_count(self, count: int) -> None:
        self.fineTuneCheck.setText(tr("Fine-tune the model in use on my corrections ({n} saved)").format(n=count))

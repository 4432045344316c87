"""What to train: the one-click quick button and the advanced settings, as a service ``TrainingRequest``.

The advanced settings hold the :class:`~.architecture_editor.ArchitectureEditor`: choosing a preset in
``presetCombo`` loads it into the editor; editing the network switches the combo to "Custom…", and the run then
trains the edited layer list (``TrainingRequest.layers``). "Train with these settings" stays disabled while the
edited network is impossible.

Every run of the app is :data:`~convlens.services.recipes.QUICK` (possibly with the advanced form's overrides) on a
preset or edited network, with the app's live-view settings (:func:`app_request`): validation points on 500
held-out images, a weight snapshot for the preview at most every 2 s, a progress event after every batch (the
worker thread throttles them to about ten a second).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
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
from convlens.engine.train import default_workers
from convlens.gui.layouts import WrapCheckBox
from convlens.gui.training.architecture_editor import ArchitectureEditor, RunSize
from convlens.services.architecture import ArchitectureSpec
from convlens.services.recipes import QUICK, Recipe
from convlens.services.training import TrainingRequest

__all__ = ["APP_SOURCE", "CUSTOM", "PRESET_LABELS", "SettingsForm", "app_request"]

PRESET_LABELS = {
    "default": QT_TRANSLATE_NOOP("Training", "default: 16 + 32 filters (the shipped network)"),
    "small": QT_TRANSLATE_NOOP("Training", "small: 8 + 16 filters (faster)"),
}
APP_SOURCE = "ConvLens app (Train button)"
ALL_IMAGES = 60000
APP_VALIDATION = 500
"""Held-out images of the app's runs (``validation_size`` of :func:`app_request`)."""
CUSTOM = "custom"
"""``presetCombo``'s data for the edited network."""


def tr(text: str) -> str:
    return QCoreApplication.translate("Training", text)


TIMELAPSE_EVERY = 5
"""Batches between two time-lapse frames in the app (a long run is thinned to at most 120 frames)."""


def app_request(recipe: Recipe = QUICK, architecture: str = "default", **fields: Any) -> TrainingRequest:
    """A :class:`TrainingRequest` with the app's live-view settings; ``fields`` set any other request field.

    ``app_request()`` is the Quick train button: ``convlens train --quick`` on the default network.
    """
    settings: dict[str, Any] = {
        "validation_size": APP_VALIDATION,
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
        self.quickTrainButton = QPushButton(tr("Quick train (about a minute)"))
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
        self.advancedToggle.toggled.connect(self._on_toggled)
        layout.addWidget(self.advancedToggle)
        self.advancedBox = QWidget()
        self.advancedBox.setObjectName("advancedBox")
        form = QFormLayout(self.advancedBox)
        self.presetCombo = QComboBox()
        self.presetCombo.setObjectName("presetCombo")
        for key in PRESETS:
            self.presetCombo.addItem(tr(str(PRESET_LABELS[key])) if key in PRESET_LABELS else key, key)
        self.presetCombo.addItem(tr("Custom…"), CUSTOM)
        self.presetCombo.setCurrentIndex(max(self.presetCombo.findData("default"), 0))
        form.addRow(tr("Network"), self.presetCombo)
        self.architectureEditor = ArchitectureEditor(place_labels=False)
        form.addRow(self.architectureEditor)
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
        self.augmentCheck = WrapCheckBox(tr("Augment (small random shifts and rotations)"))  # wraps in large type
        self.augmentCheck.setObjectName("augmentCheck")
        self.augmentCheck.setChecked(QUICK.augment)
        form.addRow(self.augmentCheck)
        self.fineTuneCheck = WrapCheckBox(tr("Fine-tune the model in use on my corrections"))
        self.fineTuneCheck.setObjectName("fineTuneCheck")
        form.addRow(self.fineTuneCheck)
        self.startTrainingButton = QPushButton(tr("Train with these settings"))
        self.startTrainingButton.setObjectName("startTrainingButton")
        self.startTrainingButton.clicked.connect(self.advancedRequested)
        form.addRow(self.architectureEditor.summaryLabel)  # the run's size and time, or why it cannot start
        form.addRow(self.architectureEditor.errorLabel)
        form.addRow(self.startTrainingButton)
        self.advancedBox.setVisible(False)
        layout.addWidget(self.advancedBox)
        self._reason: str | None = None
        self._running = False
        self._load_preset()
        self.presetCombo.currentIndexChanged.connect(self._on_preset_chosen)
        self.architectureEditor.changed.connect(self._on_network_edited)
        self.architectureEditor.validityChanged.connect(self._update_start_button)
        self.fineTuneCheck.toggled.connect(self._update_start_button)
        for spin in (self.epochsSpin, self.trainSizeSpin, self.batchSizeSpin):
            spin.valueChanged.connect(self._update_run_size)
        self.augmentCheck.toggled.connect(self._update_run_size)
        self._update_run_size()

    @staticmethod
    def _spin(name: str, low: int, high: int, value: int, step: int = 1) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setValue(value)
        return spin

    # -- the network ------------------------------------------------------------------------------------------
    def _load_preset(self) -> None:
        key = str(self.presetCombo.currentData())
        spec = ArchitectureSpec.from_layers(PRESETS[key]) if key in PRESETS else None
        if spec is not None:
            self.architectureEditor.set_spec(spec)

    def _on_preset_chosen(self) -> None:
        self._load_preset()
        self.architectureEditor.request_measurement()

    def _on_network_edited(self) -> None:
        """The editor's network is a preset's (the combo shows it) or an edited one ("Custom…")."""
        self._update_start_button()  # its tooltip names the current problem
        layers = self.architectureEditor.layers()
        key = next((name for name, preset in PRESETS.items() if preset == layers), CUSTOM)
        if key != self.presetCombo.currentData():
            self.presetCombo.blockSignals(True)
            self.presetCombo.setCurrentIndex(max(self.presetCombo.findData(key), 0))
            self.presetCombo.blockSignals(False)

    def _update_run_size(self) -> None:
        size = self.trainSizeSpin.value()
        self.architectureEditor.set_run_size(
            RunSize(
                images=size if size < ALL_IMAGES else ALL_IMAGES - APP_VALIDATION,
                epochs=self.epochsSpin.value(),
                batch_size=self.batchSizeSpin.value(),
                augment=self.augmentCheck.isChecked(),
                workers=default_workers(),
                validation_images=APP_VALIDATION,
            )
        )

    def request(self) -> TrainingRequest:
        """The advanced form's request (without fine-tuning: the panel adds the start model and corrections).

        A preset is trained by its name; an edited network ("Custom…") as its layer list (``layers``).
        """
        size = self.trainSizeSpin.value()
        recipe = QUICK.with_overrides(
            epochs=self.epochsSpin.value(),
            lr=float(self.lrSpin.value()),
            batch_size=self.batchSizeSpin.value(),
            augment=self.augmentCheck.isChecked(),
        )
        key = str(self.presetCombo.currentData())
        train_size = size if size < ALL_IMAGES else None
        if key == CUSTOM:
            return app_request(recipe, CUSTOM, train_size=train_size, layers=tuple(self.architectureEditor.layers()))
        return app_request(recipe, key, train_size=train_size)

    @property
    def fine_tune(self) -> bool:
        """"Fine-tune the model in use on my corrections" is ticked."""
        return self.fineTuneCheck.isChecked()

    def _on_toggled(self, visible: bool) -> None:
        """The visitor opened or closed the advanced settings: opening them times the network shown."""
        self.set_advanced_visible(visible)
        if visible:
            self.architectureEditor.request_measurement()

    def set_advanced_visible(self, visible: bool) -> None:
        """Show or hide the advanced settings (without timing the network: see :meth:`_on_toggled`)."""
        self.advancedToggle.blockSignals(True)
        self.advancedToggle.setChecked(visible)
        self.advancedToggle.blockSignals(False)
        self.advancedToggle.setArrowType(Qt.ArrowType.DownArrow if visible else Qt.ArrowType.RightArrow)
        self.advancedBox.setVisible(visible)

    def set_state(self, reason: str | None, running: bool, allowed: bool) -> None:
        """Enable the start buttons when training can start: no ``reason`` against it and no run going on.

        "Train with these settings" also needs a network that can be trained (or fine-tuning, which keeps the
        network in use).
        """
        self._reason, self._running = reason, running
        self.quickTrainButton.setEnabled(reason is None and not running)
        self.quickTrainButton.setToolTip(reason or self._quick_tip)
        self._update_start_button()
        self.architectureEditor.set_measuring_allowed(not running)
        self.unavailableLabel.setText(reason or "")
        self.unavailableLabel.setVisible(bool(reason))
        self.advancedBox.setEnabled(not running)
        self.quickTrainButton.setVisible(allowed)
        self.advancedToggle.setVisible(allowed)
        if not allowed:
            self.advancedBox.setVisible(False)

    def _update_start_button(self) -> None:
        network_ok = self.architectureEditor.is_valid or self.fineTuneCheck.isChecked()
        self.startTrainingButton.setEnabled(self._reason is None and not self._running and network_ok)
        if self._reason is not None:
            self.startTrainingButton.setToolTip(self._reason)
        elif not network_ok:
            self.startTrainingButton.setToolTip(self.architectureEditor.errorLabel.text())
        else:
            self.startTrainingButton.setToolTip("")

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop the editor's timing run (before the form is destroyed)."""
        self.architectureEditor.shutdown(timeout_ms)

    def set_corrections_count(self, count: int) -> None:
        self.fineTuneCheck.setText(tr("Fine-tune the model in use on my corrections ({n} saved)").format(n=count))

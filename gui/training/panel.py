"""The training tab: one-click quick train, advanced settings, live curves, results, hot-swap, model files.

The panel drives :func:`gui.training.worker.training_job` in a :class:`gui.workers.JobThread`. It talks to the
window's controller only through a few duck-typed calls, so tests can hand it a small fake:

- ``controller.model`` and ``controller.current_model_info()`` (``.path``, ``.metadata``, ``.label``);
- ``controller.load_model(path)`` to hot-swap a saved model and ``controller.set_model(model, path=, metadata=)``
  for an in-memory one;
- the live "training preview" of the newest weights: ``controller.set_preview_model(model_or_None)`` if the
  controller has it, else ``set_model`` with the original model put back afterwards;
- the signals ``modelChanged`` and ``activationsChanged`` (optional).

Signals
-------
trainingStarted()
trainingFinished(str)
    Emitted last, with the outcome: ``"done"``, ``"cancelled"``, ``"diverged"`` or ``"failed"``.
modelSwapped(object)
    The path (or None for an in-memory model) of the model just put in use by training, open or reset.
digitChosen(object)
    A misclassified test digit ``(28, 28)`` the visitor clicked (also put on the canvas when one is given).
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from convlens.engine import data as engine_data
from convlens.engine.model import Sequential, load_npz_model
from convlens.engine.presets import PRESETS
from convlens.engine.train import TrainingDiverged
from convlens.gui.training.canvas_bridge import show_digit
from convlens.gui.training.corrections import CorrectionBar
from convlens.gui.training.results import ResultsView
from convlens.gui.training.worker import (
    Phase,
    Progress,
    Snapshot,
    TrainingResult,
    TrainSettings,
    Validation,
    is_urgent,
    training_job,
)
from convlens.gui.workers import Cancelled, JobThread
from convlens.services import model_store
from convlens.services.corrections import CorrectionStore, CorrectionStoreError

__all__ = ["PRESET_LABELS", "TrainingPanel", "format_eta"]

log = logging.getLogger(__name__)

PRESET_LABELS = {
    "default": "default: 16 + 32 filters (the shipped network)",
    "small": "small: 8 + 16 filters (faster)",
}
TRAIN_COLOUR = (76, 194, 255)
VAL_COLOUR = (255, 179, 71)


def tr(text: str) -> str:
    return QCoreApplication.translate("Training", text)


def format_eta(seconds: float) -> str:
    """``"1:05"`` for 65 s; ``"…"`` while unknown."""
    if not math.isfinite(seconds) or seconds < 0:
        return "…"
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _first_line(exc: BaseException | str) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


class TrainingPanel(QWidget):
    """Train the network with a button (see the module docstring).

    Parameters
    ----------
    controller : object, optional
        The window's controller (see the module docstring for what is used).
    canvas : object, optional
        The drawing canvas (``set_strokes``/``flush``, or ``set_image28``), for the misclassified digits.
    kiosk : bool
        Hide the model-file buttons (open / save as).
    allow_training : bool
        False: training is switched off (the reason is shown); model reset still works.
    corrections : CorrectionStore, optional
    data_base : path, optional
        User data directory for saved models (default :func:`model_store.user_data_dir`).
    parent : QWidget, optional
    """

    trainingStarted = Signal()
    trainingFinished = Signal(str)
    modelSwapped = Signal(object)
    digitChosen = Signal(object)

    def __init__(
        self,
        controller: Any = None,
        canvas: Any = None,
        *,
        kiosk: bool = False,
        allow_training: bool = True,
        corrections: CorrectionStore | None = None,
        data_base: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.controller = controller
        self.canvas = canvas
        self.kiosk = bool(kiosk)
        self.allow_training = bool(allow_training)
        self.data_base = data_base
        self.corrections = corrections or CorrectionStore()
        self.data_available = False
        self.outcome: str | None = None
        self.last_result: TrainingResult | None = None
        self.last_message: tuple[str, str] | None = None
        self._data: engine_data.MnistData | None = None
        self._job: JobThread | None = None
        self._download: JobThread | None = None
        self._settings: TrainSettings | None = None
        self._preview: Sequential | None = None
        self._preview_arch: list[dict[str, Any]] | None = None
        self._previewing = False
        self._saved_model: tuple[Any, Any, dict[str, Any]] | None = None
        self._curves: dict[str, list[float]] = {}
        self._ema: dict[str, float] = {}
        self._started = 0.0
        self._reset_after_run = False
        self._build()
        if controller is not None:
            changed = getattr(controller, "modelChanged", None)
            if changed is not None:
                changed.connect(self._on_model_changed)
            results = getattr(controller, "activationsChanged", None)
            if results is not None:
                results.connect(self.correctionBar.on_result)
            last = getattr(controller, "last_result", None)
            if callable(last):
                self.correctionBar.on_result(last())
        self._on_model_changed(None)
        self.refresh_data_state()

    # ------------------------------------------------------------------------------------------ building
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scrollArea = scroll = QScrollArea()
        scroll.setObjectName("trainingScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        content = QWidget()
        scroll.setWidget(content)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(10, 10, 10, 10)

        title = QLabel(tr("Train the network"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        intro = QLabel(
            tr(
                "The network learns from 60,000 handwritten digits (MNIST). Watch its filters form on the "
                "Network tab and its guess for your drawing improve while it trains."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        # -- data ------------------------------------------------------------------------------------------
        self.dataBox = QGroupBox(tr("Training data"))
        self.dataBox.setObjectName("dataBox")
        data_layout = QVBoxLayout(self.dataBox)
        self.dataStatus = QLabel()
        self.dataStatus.setObjectName("dataStatus")
        self.dataStatus.setWordWrap(True)
        data_layout.addWidget(self.dataStatus)
        row = QHBoxLayout()
        self.downloadButton = QPushButton(tr("Download MNIST (about 11 MB)"))
        self.downloadButton.setObjectName("downloadButton")
        self.downloadButton.clicked.connect(self.start_download)
        row.addWidget(self.downloadButton)
        self.downloadProgress = QProgressBar()
        self.downloadProgress.setObjectName("downloadProgress")
        self.downloadProgress.setVisible(False)
        row.addWidget(self.downloadProgress, 1)
        data_layout.addLayout(row)
        layout.addWidget(self.dataBox)

        # -- quick / advanced ------------------------------------------------------------------------------
        self.quickTrainButton = QPushButton(tr("Quick train (about a minute)"))
        self.quickTrainButton.setObjectName("quickTrainButton")
        self.quickTrainButton.setMinimumHeight(44)
        self.quickTrainButton.setToolTip(tr("Train the default network for {epochs} epochs on all of MNIST").format(
            epochs=TrainSettings.quick().epochs
        ))
        self.quickTrainButton.clicked.connect(self.start_quick)
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
        quick = TrainSettings.quick()
        self.presetCombo = QComboBox()
        self.presetCombo.setObjectName("presetCombo")
        for key in PRESETS:
            self.presetCombo.addItem(PRESET_LABELS.get(key, key), key)
        self.presetCombo.setCurrentIndex(max(self.presetCombo.findData(quick.preset), 0))
        form.addRow(tr("Network"), self.presetCombo)
        self.epochsSpin = QSpinBox()
        self.epochsSpin.setObjectName("epochsSpin")
        self.epochsSpin.setRange(1, 50)
        self.epochsSpin.setValue(quick.epochs)
        form.addRow(tr("Epochs"), self.epochsSpin)
        self.trainSizeSpin = QSpinBox()
        self.trainSizeSpin.setObjectName("trainSizeSpin")
        self.trainSizeSpin.setRange(100, 60000)
        self.trainSizeSpin.setSingleStep(1000)
        self.trainSizeSpin.setGroupSeparatorShown(True)
        self.trainSizeSpin.setValue(60000)
        form.addRow(tr("Training images"), self.trainSizeSpin)
        self.lrSpin = QDoubleSpinBox()
        self.lrSpin.setObjectName("lrSpin")
        self.lrSpin.setDecimals(4)
        self.lrSpin.setRange(0.0001, 1.0)
        self.lrSpin.setSingleStep(0.0005)
        self.lrSpin.setValue(quick.lr)
        form.addRow(tr("Learning rate"), self.lrSpin)
        self.batchSizeSpin = QSpinBox()
        self.batchSizeSpin.setObjectName("batchSizeSpin")
        self.batchSizeSpin.setRange(8, 1024)
        self.batchSizeSpin.setValue(quick.batch_size)
        form.addRow(tr("Batch size"), self.batchSizeSpin)
        self.augmentCheck = QCheckBox(tr("Augment (small random shifts and rotations)"))
        self.augmentCheck.setObjectName("augmentCheck")
        self.augmentCheck.setChecked(quick.augment)
        form.addRow(self.augmentCheck)
        self.fineTuneCheck = QCheckBox(tr("Fine-tune the model in use on my corrections"))
        self.fineTuneCheck.setObjectName("fineTuneCheck")
        form.addRow(self.fineTuneCheck)
        self.startTrainingButton = QPushButton(tr("Train with these settings"))
        self.startTrainingButton.setObjectName("startTrainingButton")
        self.startTrainingButton.clicked.connect(self.start_advanced)
        form.addRow(self.startTrainingButton)
        self.advancedBox.setVisible(False)
        layout.addWidget(self.advancedBox)

        # -- running -------------------------------------------------------------------------------------
        run_row = QHBoxLayout()
        self.trainingProgress = QProgressBar()
        self.trainingProgress.setObjectName("trainingProgress")
        self.trainingProgress.setRange(0, 1000)
        self.trainingProgress.setValue(0)
        self.trainingProgress.setFormat(tr("ready"))
        run_row.addWidget(self.trainingProgress, 1)
        self.cancelTrainingButton = QPushButton(tr("Cancel"))
        self.cancelTrainingButton.setObjectName("cancelTrainingButton")
        self.cancelTrainingButton.setEnabled(False)
        self.cancelTrainingButton.clicked.connect(self.cancel)
        run_row.addWidget(self.cancelTrainingButton)
        layout.addLayout(run_row)
        self.statusLabel = QLabel(tr("Press Quick train to start."))
        self.statusLabel.setObjectName("trainingStatus")
        self.statusLabel.setWordWrap(True)
        self.statusLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.statusLabel)

        plots = QHBoxLayout()
        self.lossPlot = self._make_plot("lossPlot", tr("Loss"), legend_offset=(-5, 5))  # top right: loss falls
        self.accuracyPlot = self._make_plot("accuracyPlot", tr("Accuracy"), legend_offset=(-5, -30))
        self.accuracyPlot.setYRange(0.0, 1.0, padding=0.02)
        self._lines = {
            "train_loss": self.lossPlot.plot(pen=pg.mkPen(TRAIN_COLOUR, width=2), name=tr("training")),
            "val_loss": self.lossPlot.plot(
                pen=pg.mkPen(VAL_COLOUR, width=2), symbol="o", symbolSize=5, symbolBrush=VAL_COLOUR,
                name=tr("validation"),
            ),
            "train_acc": self.accuracyPlot.plot(pen=pg.mkPen(TRAIN_COLOUR, width=2), name=tr("training")),
            "val_acc": self.accuracyPlot.plot(
                pen=pg.mkPen(VAL_COLOUR, width=2), symbol="o", symbolSize=5, symbolBrush=VAL_COLOUR,
                name=tr("validation"),
            ),
        }
        plots.addWidget(self.lossPlot)
        plots.addWidget(self.accuracyPlot)
        layout.addLayout(plots)

        self.results = ResultsView()
        self.results.setVisible(False)
        self.results.digitChosen.connect(self._on_digit_chosen)
        layout.addWidget(self.results)

        # -- correct me ----------------------------------------------------------------------------------
        self.correctBox = QGroupBox(tr("Correct me"))
        self.correctBox.setObjectName("correctBox")
        correct_layout = QVBoxLayout(self.correctBox)
        self.correctionBar = CorrectionBar(self.corrections)
        self.correctionBar.saved.connect(lambda _count: self._update_corrections_label())
        correct_layout.addWidget(self.correctionBar)
        self.correctionsLabel = QLabel()
        self.correctionsLabel.setObjectName("correctionsCount")
        self.correctionsLabel.setWordWrap(True)
        correct_layout.addWidget(self.correctionsLabel)
        layout.addWidget(self.correctBox)

        # -- model files ---------------------------------------------------------------------------------
        self.modelBox = QGroupBox(tr("Model"))
        self.modelBox.setObjectName("modelBox")
        model_layout = QVBoxLayout(self.modelBox)
        self.modelInUse = QLabel()
        self.modelInUse.setObjectName("modelInUse")
        self.modelInUse.setWordWrap(True)
        model_layout.addWidget(self.modelInUse)
        buttons = QHBoxLayout()
        self.openModelButton = QPushButton(tr("Open model…"))
        self.openModelButton.setObjectName("trainingOpenModelButton")
        self.openModelButton.clicked.connect(self.open_model_dialog)
        self.saveModelButton = QPushButton(tr("Save model as…"))
        self.saveModelButton.setObjectName("saveModelButton")
        self.saveModelButton.clicked.connect(self.save_model_dialog)
        self.factoryResetButton = QPushButton(tr("Reset to the factory model"))
        self.factoryResetButton.setObjectName("factoryResetButton")
        self.factoryResetButton.clicked.connect(self.reset_to_factory)
        for button in (self.openModelButton, self.saveModelButton, self.factoryResetButton):
            buttons.addWidget(button)
        self.openModelButton.setVisible(not self.kiosk)
        self.saveModelButton.setVisible(not self.kiosk)
        model_layout.addLayout(buttons)
        layout.addWidget(self.modelBox)
        layout.addStretch(1)
        self._update_corrections_label()

    def _make_plot(self, name: str, title: str, legend_offset: tuple[int, int]) -> pg.PlotWidget:
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

    def set_advanced_visible(self, visible: bool) -> None:
        """Show or hide the advanced settings."""
        self.advancedToggle.blockSignals(True)
        self.advancedToggle.setChecked(visible)
        self.advancedToggle.blockSignals(False)
        self.advancedToggle.setArrowType(Qt.ArrowType.DownArrow if visible else Qt.ArrowType.RightArrow)
        self.advancedBox.setVisible(visible)

    # ------------------------------------------------------------------------------------------ state
    @property
    def is_running(self) -> bool:
        return self._job is not None

    def refresh_data_state(self) -> None:
        """Check whether MNIST is available locally and enable/disable training with the reason shown."""
        try:
            self.data_available = self._data is not None or bool(engine_data.is_cached())
        except Exception as exc:  # noqa: BLE001 - an unreadable cache just means "not available"
            log.warning("cannot check the MNIST cache: %s", exc)
            self.data_available = False
        downloading = self._download is not None
        self.dataBox.setVisible(self.allow_training and (not self.data_available or downloading))
        if not self.data_available and not downloading and not self.dataStatus.property("failed"):
            self.dataStatus.setText(
                tr(
                    "MNIST (the 70,000 digits the network learns from) is not on this computer yet. "
                    "Download it to train; the shipped model keeps working without it."
                )
            )
        self._update_enabled()

    def training_blocked_reason(self) -> str | None:
        """Why training cannot start now (None when it can)."""
        if not self.allow_training:
            return tr("Training is switched off here. The shipped model keeps working.")
        if self._download is not None:
            return tr("Downloading MNIST…")
        if not self.data_available:
            if self.dataStatus.property("failed"):
                return tr("Training needs MNIST, and the download failed (no network?). "
                          "The shipped model keeps working.")
            return tr("Training needs MNIST: download it first (needs the internet).")
        return None

    def _update_enabled(self) -> None:
        running = self.is_running
        reason = self.training_blocked_reason()
        can_train = reason is None and not running
        for w in (self.quickTrainButton, self.startTrainingButton):
            w.setEnabled(can_train)
            w.setToolTip(reason or "")
        self.unavailableLabel.setText(reason or "")
        self.unavailableLabel.setVisible(bool(reason))
        self.advancedBox.setEnabled(not running)
        self.cancelTrainingButton.setEnabled(running)
        self.downloadButton.setEnabled(self._download is None and self.allow_training)
        for w in (self.openModelButton, self.saveModelButton):
            w.setEnabled(not running)
        self.quickTrainButton.setVisible(self.allow_training)
        self.advancedToggle.setVisible(self.allow_training)
        self.correctBox.setVisible(self.allow_training)
        if not self.allow_training:
            self.advancedBox.setVisible(False)

    def _update_corrections_label(self) -> None:
        count = self.corrections.count()
        self.correctionsLabel.setText(
            tr("{n} saved corrections. Tick “Fine-tune … on my corrections” in the advanced settings to "
               "train on them.").format(n=count)
            if count
            else tr("No saved corrections yet.")
        )
        self.fineTuneCheck.setText(tr("Fine-tune the model in use on my corrections ({n} saved)").format(n=count))

    def _on_model_changed(self, info: Any) -> None:
        if self._previewing:
            return
        info = info if info is not None else self._model_info()
        label = getattr(info, "label", None) or tr("no model")
        self.modelInUse.setText(tr("In use: {label}").format(label=label))

    def _model_info(self) -> Any:
        getter = getattr(self.controller, "current_model_info", None)
        return getter() if callable(getter) else None

    def _message(self, title: str, text: str, warning: bool = True) -> None:
        """Tell the visitor (status line + a non-blocking message box); never a traceback."""
        self.last_message = (title, text)
        self.statusLabel.setText(text)
        box = QMessageBox(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information, title, text,
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("trainingMessage")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()

    # ------------------------------------------------------------------------------------------ training
    def settings_from_widgets(self) -> TrainSettings:
        """The advanced view's settings."""
        return TrainSettings.quick(
            preset=str(self.presetCombo.currentData() or "default"),
            epochs=self.epochsSpin.value(),
            train_size=self.trainSizeSpin.value() if self.trainSizeSpin.value() < 60000 else None,
            lr=float(self.lrSpin.value()),
            batch_size=self.batchSizeSpin.value(),
            augment=self.augmentCheck.isChecked(),
            fine_tune=self.fineTuneCheck.isChecked(),
        )

    def start_quick(self) -> bool:
        """One click: the ``--quick`` budget on the default network."""
        return self.start(TrainSettings.quick())

    def start_advanced(self) -> bool:
        """Train with the advanced view's settings."""
        return self.start(self.settings_from_widgets())

    def _load_data(self) -> engine_data.MnistData:  # runs in the worker thread
        if self._data is None:
            self._data = engine_data.load_mnist(allow_download=False)
        return self._data

    def _fine_tune_start(self) -> Sequential | None:
        """A copy of the model in use as a NumPy network (its ``.npz`` twin for an ONNX file), or None."""
        model = getattr(self.controller, "model", None)
        if isinstance(model, Sequential):
            copy = Sequential.from_config(model.architecture(), input_shape=model.input_shape, seed=model.seed)
            copy.set_weights(model.get_weights())
            return copy
        path = getattr(self._model_info(), "path", None)
        if path is not None and Path(path).with_suffix(".npz").is_file():
            try:
                return load_npz_model(Path(path).with_suffix(".npz"))
            except ValueError as exc:
                log.warning("cannot fine-tune %s: %s", path, exc)
        return None

    def start(self, settings: TrainSettings) -> bool:
        """Start a run in the worker thread; False (with the reason shown) if it cannot start now."""
        if self.is_running:
            return False
        reason = self.training_blocked_reason()
        if reason is not None:
            self.statusLabel.setText(reason)
            return False
        start_model, corrections = None, None
        if settings.fine_tune:
            start_model = self._fine_tune_start()
            try:
                corrections = self.corrections.load()
            except CorrectionStoreError as exc:
                self._message(tr("Corrections"), str(exc))
                corrections = None
        job = training_job(settings, self._load_data, start_model, corrections, self.data_base)
        thread = JobThread(job, urgent=is_urgent, parent=self)
        thread.progress.connect(self._on_progress)
        thread.succeeded.connect(self._on_succeeded)
        thread.failed.connect(self._on_failed)
        thread.cancelled.connect(self._on_cancelled)
        thread.ended.connect(self._on_ended)
        self._job = thread
        self._settings = settings
        self.outcome = None
        self._saved_model = None
        self._preview, self._preview_arch = None, None
        self._reset_curves()
        self.results.setVisible(False)
        self.trainingProgress.setValue(0)
        self.trainingProgress.setFormat(tr("starting…"))
        what = tr("fine-tuning the model in use") if start_model is not None and settings.fine_tune else tr(
            "the {preset} network"
        ).format(preset=settings.preset)
        self.statusLabel.setText(
            tr("Training {what}: {epochs} epoch(s), batch {batch}, learning rate {lr:g}…").format(
                what=what, epochs=settings.epochs, batch=settings.batch_size, lr=settings.lr
            )
        )
        self._started = time.monotonic()
        self._update_enabled()
        self.trainingStarted.emit()
        thread.start()
        return True

    def cancel(self) -> None:
        """Stop the run (within a batch or two); the model in use stays."""
        if self._job is not None:
            self._job.cancel()
            self.cancelTrainingButton.setEnabled(False)
            self.statusLabel.setText(tr("Stopping…"))

    def _reset_curves(self) -> None:
        self._curves = {k: [] for k in ("x", "train_loss", "train_acc", "vx", "val_loss", "val_acc")}
        self._ema = {}
        for line in self._lines.values():
            line.setData([], [])

    def _on_progress(self, item: object) -> None:
        try:
            if isinstance(item, Progress):
                self._show_progress(item)
            elif isinstance(item, Validation):
                self._show_validation(item)
            elif isinstance(item, Snapshot):
                self._show_snapshot(item)
            elif isinstance(item, Phase):
                self._show_phase(item)
        except Exception:  # noqa: BLE001 - a display glitch must not kill the run
            log.exception("cannot show training progress")
        finally:
            if isinstance(item, Snapshot):
                item.shown.set()  # the worker may go on

    def _show_progress(self, item: Progress) -> None:
        p = item.progress
        self.trainingProgress.setValue(int(round(1000 * p.fraction)))
        self.trainingProgress.setFormat(
            tr("{pct}% · epoch {epoch}/{epochs} · {eta} left").format(
                pct=int(100 * p.fraction), epoch=p.epoch, epochs=p.epochs, eta=format_eta(p.eta_seconds)
            )
        )
        if p.kind != "step" or not math.isfinite(p.loss):
            return
        for key, value in (("train_loss", p.loss), ("train_acc", p.batch_accuracy)):
            prev = self._ema.get(key)
            self._ema[key] = value if prev is None else 0.7 * prev + 0.3 * value
        c = self._curves
        c["x"].append(item.epoch_pos)
        c["train_loss"].append(self._ema["train_loss"])
        c["train_acc"].append(self._ema["train_acc"])
        self._lines["train_loss"].setData(c["x"], c["train_loss"])
        self._lines["train_acc"].setData(c["x"], c["train_acc"])

    def _show_validation(self, item: Validation) -> None:
        c = self._curves
        c["vx"].append(item.epoch_pos)
        c["val_loss"].append(item.loss)
        c["val_acc"].append(item.accuracy)
        self._lines["val_loss"].setData(c["vx"], c["val_loss"])
        self._lines["val_acc"].setData(c["vx"], c["val_acc"])

    def _show_phase(self, item: Phase) -> None:
        texts = {
            "Loading MNIST": tr("Loading MNIST…"),
            "Training": tr("Training… watch the filters on the Network tab."),
            "Testing": tr("Testing on digits it has never seen…"),
            "Saving": tr("Saving the model…"),
        }
        if self._job is not None and not self._job.is_cancelled:
            self.statusLabel.setText(texts.get(item.text, item.text))
        if item.text in ("Testing", "Saving"):
            self.trainingProgress.setValue(1000)
            self.trainingProgress.setFormat(texts.get(item.text, item.text))

    # -- live preview of the newest weights ---------------------------------------------------------------
    def _show_snapshot(self, snap: Snapshot) -> None:
        if self.controller is None or self._job is None or self._job.is_cancelled:
            return
        if self._preview is None or self._preview_arch != snap.architecture:
            self._preview = Sequential.from_config(snap.architecture)
            self._preview_arch = snap.architecture
        self._preview.set_weights(snap.weights)
        self._set_preview(self._preview)

    def _set_preview(self, model: Sequential) -> None:
        c = self.controller
        setter = getattr(c, "set_preview_model", None)
        if callable(setter):
            setter(model)
            self._previewing = True
            return
        set_model = getattr(c, "set_model", None)
        if not callable(set_model):
            return
        if self._saved_model is None:
            info = self._model_info()
            self._saved_model = (
                getattr(c, "model", None), getattr(info, "path", None), dict(getattr(info, "metadata", {}) or {})
            )
        self._previewing = True
        set_model(model, path=None, metadata={"training_preview": True})

    def _end_preview(self, restore: bool) -> None:
        """Leave the preview; ``restore`` puts the model that was in use back (cancel, failure)."""
        if not self._previewing:
            return
        self._previewing = False
        c = self.controller
        try:
            setter = getattr(c, "set_preview_model", None)
            if callable(setter):
                setter(None)
            elif restore and self._saved_model is not None and self._saved_model[0] is not None:
                model, path, metadata = self._saved_model
                c.set_model(model, path=path, metadata=metadata)
        except Exception:  # noqa: BLE001
            log.exception("cannot leave the training preview")
        self._saved_model = None
        self._on_model_changed(None)

    # -- the end of a run ---------------------------------------------------------------------------------
    def _on_succeeded(self, result: object) -> None:
        if not isinstance(result, TrainingResult):
            self._on_failed(TypeError(f"unexpected training result {type(result).__name__}"))
            return
        if self._job is not None and self._job.is_cancelled:  # cancel clicked while it was saving
            self._on_cancelled()
            return
        self.last_result = result
        self.outcome = "done"
        saved = self._saved_model
        self._end_preview(restore=False)
        self.results.set_summary(result.summary)
        self.results.setVisible(True)
        QTimer.singleShot(0, self, self._scroll_to_results)
        swapped = self._install_result(result)
        if not swapped and saved is not None and saved[0] is not None:  # put back what the preview replaced
            try:
                self.controller.set_model(saved[0], path=saved[1], metadata=saved[2])
            except Exception:  # noqa: BLE001
                log.exception("cannot restore the model in use")
        acc = result.summary.accuracy
        self.trainingProgress.setValue(1000)
        self.trainingProgress.setFormat(tr("done · {acc:.1%} test accuracy").format(acc=acc))
        text = tr("Done in {secs:.0f} s: {acc:.2%} of the test digits read correctly.").format(
            secs=time.monotonic() - self._started, acc=acc
        )
        if result.save_error:
            self._message(
                tr("Model not saved"),
                text + " " + tr("The new model is in use but could not be saved: {error}").format(
                    error=result.save_error
                ),
            )
        elif swapped:
            self.statusLabel.setText(text + " " + tr("The new model is now in use."))

    def _scroll_to_results(self) -> None:
        self.scrollArea.ensureWidgetVisible(self.results.accuracyLabel, 0, 60)

    def _install_result(self, result: TrainingResult) -> bool:
        """Hot-swap the trained model: load the saved file, else use it from memory."""
        c = self.controller
        if c is None:
            return False
        if result.stored is not None:
            try:
                c.load_model(result.stored.path)
            except Exception as exc:  # noqa: BLE001 - reported, then fall back to the in-memory model
                log.warning("cannot load the saved model %s: %s", result.stored.path, exc)
            else:
                try:
                    model_store.set_current(result.stored.id, self.data_base)
                except OSError as exc:
                    log.warning("cannot mark %s as current: %s", result.stored.id, exc)
                self.modelSwapped.emit(result.stored.path)
                return True
        try:
            c.set_model(result.model, path=None, metadata={"model_card": result.card})
        except Exception as exc:  # noqa: BLE001
            self._message(tr("Cannot use the new model"), tr("The new model cannot be used: {e}").format(e=exc))
            return False
        self.modelSwapped.emit(None)
        return True

    def _on_failed(self, exc: object) -> None:
        self._end_preview(restore=True)
        self.trainingProgress.setFormat(tr("stopped"))
        if isinstance(exc, TrainingDiverged):
            self.outcome = "diverged"
            self._message(
                tr("Training stopped"),
                tr("Training stopped: the numbers blew up (the loss became NaN or infinite). The model that was "
                   "in use is kept. Try a smaller learning rate.")
                + "\n\n"
                + _first_line(exc),
            )
        elif isinstance(exc, engine_data.DataError):
            self.outcome = "failed"
            self._data = None
            self._message(tr("No training data"), tr("Cannot load MNIST: {e}").format(e=_first_line(exc)))
            self.refresh_data_state()
        else:
            self.outcome = "failed"
            self._message(
                tr("Training failed"),
                tr("Training failed: {e}. The model that was in use is kept.").format(
                    e=_first_line(exc) if isinstance(exc, BaseException) else exc
                ),
            )

    def _on_cancelled(self) -> None:
        if self.outcome == "cancelled":
            return
        self.outcome = "cancelled"
        self._end_preview(restore=True)
        self.trainingProgress.setFormat(tr("cancelled"))
        self.statusLabel.setText(tr("Training cancelled; the model that was in use is kept."))

    def _on_ended(self) -> None:
        thread, self._job = self._job, None
        if thread is not None:
            thread.wait(5000)
            thread.deleteLater()
        if self.outcome is None:
            self.outcome = "failed"
        self._end_preview(restore=True)
        self._update_enabled()
        self.trainingFinished.emit(self.outcome)
        if self._reset_after_run:
            self._reset_after_run = False
            self.reset_to_factory()

    # ------------------------------------------------------------------------------------------ data download
    def start_download(self) -> bool:
        """Download and verify MNIST in a worker, with progress."""
        if self._download is not None or not self.allow_training:
            return False

        def job(emit: Any, cancel: Any) -> Any:
            def progress(what: str, done: int, total: int | None) -> None:
                if cancel.is_set():
                    raise Cancelled
                emit((what, done, total))

            return engine_data.ensure_mnist(progress=progress)

        thread = JobThread(job, generator=False, parent=self)
        thread.progress.connect(self._on_download_progress)
        thread.succeeded.connect(self._on_download_done)
        thread.failed.connect(self._on_download_failed)
        thread.ended.connect(self._on_download_ended)
        self._download = thread
        self.dataStatus.setProperty("failed", False)
        self.dataStatus.setText(tr("Downloading MNIST and checking it…"))
        self.downloadProgress.setVisible(True)
        self.downloadProgress.setRange(0, 0)
        self.refresh_data_state()
        thread.start()
        return True

    def _on_download_progress(self, item: object) -> None:
        what, done, total = item if isinstance(item, tuple) else ("MNIST", 0, None)
        if total:
            self.downloadProgress.setRange(0, 1000)
            self.downloadProgress.setValue(int(1000 * done / total))
        else:
            self.downloadProgress.setRange(0, 0)
        self.downloadProgress.setFormat(f"{what}: {done / 1e6:.1f} MB")

    def _on_download_done(self, _path: object) -> None:
        self.dataStatus.setText(tr("MNIST downloaded and verified."))

    def _on_download_failed(self, exc: object) -> None:
        self.dataStatus.setProperty("failed", True)
        self.dataStatus.setText(
            tr("Could not download MNIST: {e}. Training needs it; the shipped model keeps working.").format(
                e=_first_line(exc) if isinstance(exc, BaseException) else exc
            )
        )
        self.dataStatus.setToolTip(str(exc))

    def _on_download_ended(self) -> None:
        thread, self._download = self._download, None
        if thread is not None:
            thread.wait(5000)
            thread.deleteLater()
        self.downloadProgress.setVisible(False)
        self.refresh_data_state()

    # ------------------------------------------------------------------------------------------ model files
    def _busy(self) -> bool:
        if self.is_running:
            self.statusLabel.setText(tr("Stop the training first."))
            return True
        return False

    def reset_to_factory(self) -> bool:
        """Put the shipped model (``models/default.onnx``) back in use; the saved models stay on disk.

        During a training run the run is cancelled first and the reset follows when it has stopped.
        """
        if self.is_running:
            self._reset_after_run = True
            self.cancel()
            return True
        try:
            path = model_store.factory_reset(self.data_base)
        except model_store.ModelStoreError as exc:
            log.warning("%s", exc)
            path = model_store.factory_model_path()
        return self.open_model(path, title=tr("Cannot reset the model"))

    def open_model(self, path: str | Path, title: str | None = None) -> bool:
        """Hot-swap ``path`` (.onnx or .npz); errors in a message, the old model stays."""
        if self._busy() or self.controller is None:
            return False
        try:
            self.controller.load_model(Path(path))
        except Exception as exc:  # noqa: BLE001 - any failure is reported, never a traceback
            self._message(title or tr("Cannot open model"),
                          tr("The model could not be opened: {e}").format(e=_first_line(exc)))
            return False
        self.statusLabel.setText(tr("Now using {name}.").format(name=Path(path).name))
        self.modelSwapped.emit(Path(path))
        return True

    def _ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, tr("Open model"), str(model_store.models_dir(self.data_base)),
                                              tr("Models (*.onnx *.npz);;All files (*)"))
        return path

    def _ask_save_path(self) -> str:
        path, chosen = QFileDialog.getSaveFileName(
            self, tr("Save model as"), str(Path.home() / "convlens-model.onnx"),
            tr("ONNX model (*.onnx);;NumPy model (*.npz)"),
        )
        if path and Path(path).suffix.lower() not in (".onnx", ".npz"):
            path += ".npz" if "npz" in (chosen or "") else ".onnx"
        return path

    def open_model_dialog(self) -> bool:
        """File > Open model…"""
        if self._busy():
            return False
        path = self._ask_open_path()
        return bool(path) and self.open_model(path)

    def save_model_dialog(self) -> bool:
        """File > Save model as… (.onnx or .npz)."""
        if self._busy():
            return False
        path = self._ask_save_path()
        return bool(path) and self.save_model_as(path)

    def save_model_as(self, path: str | Path) -> bool:
        """Write the model in use to ``path``; errors in a message."""
        if self._busy():
            return False
        model = getattr(self.controller, "model", None)
        if model is None:
            self._message(tr("Cannot save"), tr("There is no model to save."))
            return False
        info = self._model_info()
        metadata = dict(getattr(info, "metadata", {}) or {})
        card = metadata.get("model_card") if isinstance(metadata.get("model_card"), dict) else metadata
        try:
            model_store.export_model(model, getattr(info, "path", None), path, card=card)
        except model_store.ModelStoreError as exc:
            self._message(tr("Cannot save"), str(exc))
            return False
        self.statusLabel.setText(tr("Saved {name}.").format(name=Path(path).name))
        return True

    # ------------------------------------------------------------------------------------------ misc
    def make_correction_bar(self, parent: QWidget | None = None) -> CorrectionBar:
        """Another "Correct me" bar (e.g. for under the probabilities), fed by the controller, sharing the store.

        Returns
        -------
        CorrectionBar
            objectName ``correctionBar``; its saves update this panel's count of corrections.
        """
        bar = CorrectionBar(self.corrections, parent)
        results = getattr(self.controller, "activationsChanged", None)
        if results is not None:
            results.connect(bar.on_result)
        last = getattr(self.controller, "last_result", None)
        if callable(last):
            bar.on_result(last())
        bar.saved.connect(lambda _count: self._update_corrections_label())
        bar.save_box.setChecked(self.correctionBar.save_box.isChecked())
        bar.save_box.toggled.connect(self.correctionBar.save_box.setChecked)  # one opt-in, wherever ticked
        self.correctionBar.save_box.toggled.connect(bar.save_box.setChecked)
        return bar

    def _on_digit_chosen(self, image28: object) -> None:
        img = np.asarray(image28, dtype=np.float32).reshape(28, 28)
        try:
            show_digit(img, self.canvas, self.controller)
        except Exception:  # noqa: BLE001
            log.exception("cannot put the digit on the canvas")
        self.digitChosen.emit(img)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel any running job and wait for its thread (call before the panel is destroyed)."""
        for thread in (self._job, self._download):
            if thread is not None:
                thread.cancel()
                thread.wait(timeout_ms)
        QCoreApplication.processEvents()

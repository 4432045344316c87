""""Model": the model in use, "Save model as…" and "Reset to the factory model".

Opening a model file is the window's one flow (File > Open model…, ``ExplorerWindow.open_model``); this box only
saves the model in use and brings the shipped one back.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QFileDialog, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from convlens.gui.controller import Controller
from convlens.gui.training.run_status import first_line
from convlens.services import model_store
from convlens.services.live import ModelInfo

__all__ = ["ModelBox"]

log = logging.getLogger(__name__)


def tr(text: str) -> str:
    return QCoreApplication.translate("Training", text)


class ModelBox(QGroupBox):
    """``modelInUse``, ``saveModelButton`` (hidden in kiosk mode) and ``factoryResetButton``.

    The buttons only emit ``saveRequested``/``resetRequested``: the training panel decides (a run may be going
    on) and then calls :meth:`save_as` or :meth:`reset`.

    Signals
    -------
    saveRequested(), resetRequested()
    modelSwapped(object)
        The path of the model :meth:`reset` put in use.
    message(str, str)
        ``(title, text)`` of a failure to tell the visitor.
    status(str)
        A one-line report of what was done.
    """

    saveRequested = Signal()
    resetRequested = Signal()
    modelSwapped = Signal(object)
    message = Signal(str, str)
    status = Signal(str)

    def __init__(
        self,
        controller: Controller,
        data_base: str | os.PathLike[str] | None = None,
        kiosk: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(tr("Model"), parent)
        self.setObjectName("modelBox")
        self.controller = controller
        self.data_base = data_base
        layout = QVBoxLayout(self)
        self.modelInUse = QLabel()
        self.modelInUse.setObjectName("modelInUse")
        self.modelInUse.setWordWrap(True)
        layout.addWidget(self.modelInUse)
        buttons = QHBoxLayout()
        self.saveModelButton = QPushButton(tr("Save model as…"))
        self.saveModelButton.setObjectName("saveModelButton")
        self.saveModelButton.clicked.connect(self.saveRequested)
        self.saveModelButton.setVisible(not kiosk)
        self.factoryResetButton = QPushButton(tr("Reset to the factory model"))
        self.factoryResetButton.setObjectName("factoryResetButton")
        self.factoryResetButton.clicked.connect(self.resetRequested)
        buttons.addWidget(self.saveModelButton)
        buttons.addWidget(self.factoryResetButton)
        layout.addLayout(buttons)
        controller.modelChanged.connect(self.show_model)
        self.show_model(controller.current_model_info())

    def show_model(self, info: ModelInfo) -> None:
        """Slot for ``Controller.modelChanged``; the training preview's short-lived models are not shown."""
        if info.metadata.get("training_preview"):
            return
        self.modelInUse.setText(tr("In use: {label}").format(label=info.label or tr("no model")))

    def ask_save_path(self) -> str:
        """A file dialog for .onnx or .npz; "" when cancelled."""
        path, chosen = QFileDialog.getSaveFileName(
            self, tr("Save model as"), str(Path.home() / "convlens-model.onnx"),
            tr("ONNX model (*.onnx);;NumPy model (*.npz)"),
        )
        if path and Path(path).suffix.lower() not in (".onnx", ".npz"):
            path += ".npz" if "npz" in (chosen or "") else ".onnx"
        return path

    def save_as(self, path: str | Path) -> bool:
        """Write the model in use to ``path`` (.onnx or .npz); a failure becomes a ``message``."""
        model = self.controller.model
        if model is None:
            self.message.emit(tr("Cannot save"), tr("There is no model to save."))
            return False
        info = self.controller.current_model_info()
        metadata = dict(info.metadata)
        card = metadata["model_card"] if isinstance(metadata.get("model_card"), dict) else metadata
        try:
            model_store.export_model(model, info.path, path, card=card)
        except model_store.ModelStoreError as exc:
            self.message.emit(tr("Cannot save"), str(exc))
            return False
        self.status.emit(tr("Saved {name}.").format(name=Path(path).name))
        return True

    def reset(self) -> bool:
        """Put the shipped model (``models/default.onnx``) back in use; the saved models stay on disk."""
        try:
            path = model_store.factory_reset(self.data_base)
        except model_store.ModelStoreError as exc:  # no user store: nothing to forget
            log.warning("%s", exc)
            path = model_store.factory_model_path()
        try:
            self.controller.load_model(path)
        except Exception as exc:  # noqa: BLE001 - any failure is reported, never a traceback
            self.message.emit(
                tr("Cannot reset the model"), tr("The model could not be opened: {e}").format(e=first_line(exc))
            )
            return False
        self.status.emit(tr("Now using {name}.").format(name=Path(path).name))
        self.modelSwapped.emit(path)
        return True

"""The training tab: the views of a :class:`~convlens.gui.training.session.TrainingSession`, put together.

Parts, top to bottom: :class:`~.data_box.DataBox` (MNIST download), :class:`~.form.SettingsForm` (quick train and
the advanced settings), :class:`~.run_status.RunStatus` (progress, Cancel, Pause/Resume, One step, Reset and
the learning rate of a paused run, status line),
:class:`~.curves.CurvesView` (loss and accuracy), :class:`~.timelapse.TimelapseBox` (the filters forming, replayed
and exported), :class:`~.results.ResultsView` (test results),
:class:`~.corrections.CorrectBox` ("Correct me") and :class:`~.model_box.ModelBox` (save, factory reset).

Signals
-------
trainingStarted()
trainingFinished(str)
    Emitted last, with the outcome: ``"done"``, ``"cancelled"``, ``"diverged"`` or ``"failed"``.
modelSwapped(object)
    The path (None for an in-memory model) of the model just put in use by training or the factory reset.
digitChosen(object)
    A misclassified test digit ``(28, 28)`` the visitor clicked (also put on the canvas and through the network).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QLabel, QMessageBox, QScrollArea, QVBoxLayout, QWidget

from convlens.engine.data import DataError
from convlens.gui.canvas import DrawingCanvas
from convlens.gui.controller import Controller
from convlens.gui.training import session as session_module
from convlens.gui.training.canvas_bridge import show_digit
from convlens.gui.training.corrections import CorrectBox, CorrectionBar
from convlens.gui.training.curves import CurvesView
from convlens.gui.training.data_box import DataBox
from convlens.gui.training.form import SettingsForm, app_request
from convlens.gui.training.model_box import ModelBox
from convlens.gui.training.results import ResultsView
from convlens.gui.training.run_status import RunStatus, failure_message
from convlens.gui.training.session import TrainingSession
from convlens.gui.training.timelapse import TimelapseBox
from convlens.gui.training.worker import TrainingResult
from convlens.services.corrections import CorrectionStore, CorrectionStoreError
from convlens.services.training import Progress, TrainingRequest

__all__ = ["TrainingPanel"]

log = logging.getLogger(__name__)


def tr(text: str) -> str:
    return QCoreApplication.translate("Training", text)


class TrainingPanel(QWidget):
    """Train the network with a button (see the module docstring); objectName ``trainingPanel``.

    Parameters
    ----------
    controller : Controller
        The window's controller: the model in use, its live results, the preview and the hot-swap.
    canvas : DrawingCanvas, optional
        The drawing canvas, for the misclassified digits the visitor clicks.
    kiosk : bool
        Hide "Save model as…" (and the time-lapse exports unless ``allow_export``).
    allow_training : bool
        False: training is switched off (the reason is shown); the factory reset still works.
    allow_export : bool, optional
        Show the time-lapse's "Export GIF…"/"Export strip…" (default: outside a kiosk only; a kiosk passes its
        config's ``allow_export``).
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
        controller: Controller,
        canvas: DrawingCanvas | None = None,
        *,
        kiosk: bool = False,
        allow_training: bool = True,
        allow_export: bool | None = None,
        corrections: CorrectionStore | None = None,
        data_base: str | os.PathLike[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.controller = controller
        self.canvas = canvas
        self.kiosk = bool(kiosk)
        self.allow_training = bool(allow_training)
        self.allow_export = (not self.kiosk) if allow_export is None else bool(allow_export)
        self.corrections = corrections or CorrectionStore()
        self.last_message: tuple[str, str] | None = None
        self._reset_after_run = False
        self.session = TrainingSession(controller, data_base, parent=self)
        self._build(data_base)
        self._warmTimer = QTimer(self)  # starts the run's worker processes once the app has been idle a while
        self._warmTimer.setObjectName("trainingWarmTimer")
        self._warmTimer.setSingleShot(True)
        self._warmTimer.timeout.connect(self._warm_up)
        self._connect()
        self.refresh_data_state()
        self._arm_warm_up()

    def _build(self, data_base: str | os.PathLike[str] | None) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scrollArea = QScrollArea()
        self.scrollArea.setObjectName("trainingScroll")
        self.scrollArea.setWidgetResizable(True)
        self.scrollArea.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scrollArea)
        content = QWidget()
        self.scrollArea.setWidget(content)
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

        self.dataBox = DataBox()
        self.form = SettingsForm()
        self.runStatus = RunStatus()
        self.curves = CurvesView()
        self.timelapse = TimelapseBox(allow_export=self.allow_export)
        self.results = ResultsView()
        self.results.setVisible(False)
        self.correctBox = CorrectBox(self.corrections, self.controller)
        self.correctionBar = self.correctBox.bar
        self.form.set_corrections_count(self.corrections.count())
        self.modelBox = ModelBox(self.controller, data_base, kiosk=self.kiosk)
        for part in (self.dataBox, self.form, self.runStatus, self.curves, self.timelapse, self.results,
                     self.correctBox, self.modelBox):
            layout.addWidget(part)
        layout.addStretch(1)

    def _connect(self) -> None:
        session = self.session
        self.dataBox.changed.connect(self.refresh_data_state)
        self.form.quickRequested.connect(self.start_quick)
        self.form.advancedRequested.connect(self.start_advanced)
        if self.canvas is not None:  # the pen draws: the editor's timing run waits (it would take the pen's CPU)
            self.canvas.strokesChanged.connect(self.form.architectureEditor.pen_moved)
            self.canvas.strokesChanged.connect(self._pen_moved)  # and so does the warm-up of the worker processes
            self.form.architectureEditor.pen_is_down = self.canvas.is_drawing
        self.runStatus.cancelRequested.connect(self.cancel)
        self.runStatus.pauseRequested.connect(self.pause)
        self.runStatus.resumeRequested.connect(self.resume)
        self.runStatus.stepRequested.connect(self.step)
        self.runStatus.resetRequested.connect(self.reset_run)
        self.runStatus.learningRateChanged.connect(self.set_learning_rate)
        session.held.connect(self._on_held)
        session.phaseChanged.connect(lambda _phase: self._update_enabled())
        session.phaseChanged.connect(self.runStatus.show_phase)
        session.progressed.connect(self.runStatus.show_progress)
        session.progressed.connect(self.curves.add_progress)
        session.validated.connect(self.curves.add_validation)
        session.timelapseFrame.connect(self.timelapse.add_frame)
        self.timelapse.message.connect(self._message)
        session.succeeded.connect(self._on_succeeded)
        session.failed.connect(self._on_failed)
        session.cancelled.connect(self.runStatus.show_cancelled)
        session.finished.connect(self._on_finished)
        session.modelSwapped.connect(self.modelSwapped)
        session.message.connect(self._message)
        self.results.digitChosen.connect(self._on_digit_chosen)
        self.correctBox.countChanged.connect(self.form.set_corrections_count)
        self.modelBox.saveRequested.connect(self.save_model_dialog)
        self.modelBox.resetRequested.connect(self.reset_to_factory)
        self.modelBox.modelSwapped.connect(self.modelSwapped)
        self.modelBox.message.connect(self._message)
        self.modelBox.status.connect(self.runStatus.set_text)

    # -- state ------------------------------------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self.session.is_running

    @property
    def last_result(self) -> TrainingResult | None:
        """The last successful run's result."""
        return self.session.result

    @property
    def data_available(self) -> bool:
        """MNIST is loaded or in the local cache (as of the last :meth:`refresh_data_state`)."""
        return self.dataBox.available

    def set_advanced_visible(self, visible: bool) -> None:
        """Show or hide the advanced settings."""
        self.form.set_advanced_visible(visible)

    def refresh_data_state(self) -> None:
        """Check whether MNIST is available locally and enable/disable training with the reason shown."""
        self.dataBox.show_state(self.session.data_available(), self.allow_training)
        self._update_enabled()

    def training_blocked_reason(self) -> str | None:
        """Why training cannot start now (None when it can)."""
        return self.dataBox.blocked_reason()

    def _update_enabled(self) -> None:
        running = self.is_running
        self.form.set_state(self.training_blocked_reason(), running, self.allow_training)
        self.runStatus.cancelTrainingButton.setEnabled(running and not self.session.is_cancelled)
        self.runStatus.set_hold_state(self.session.can_hold, self.session.is_paused)
        self.modelBox.saveModelButton.setEnabled(not running)
        self.correctBox.setVisible(self.allow_training)

    def _message(self, title: str, text: str) -> None:
        """Tell the visitor (status line + a non-blocking message box); never a traceback."""
        self.last_message = (title, text)
        self.runStatus.set_text(text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("trainingMessage")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()

    # -- training ---------------------------------------------------------------------------------------------
    def start_quick(self) -> bool:
        """One click: ``convlens train --quick`` on the default network."""
        return self.start(app_request())

    def start_advanced(self) -> bool:
        """Train with the advanced form's settings (fine-tuning on the corrections when ticked)."""
        request = self.form.request()
        if self.form.fine_tune and not self.is_running and self.training_blocked_reason() is None:
            try:
                corrections = self.corrections.load()
            except CorrectionStoreError as exc:
                self._message(tr("Corrections"), str(exc))
                corrections = None
            request = self.session.fine_tune(request, corrections)
        return self.start(request)

    def start(self, request: TrainingRequest, *, save: bool = True) -> bool:
        """Start a run in the worker thread; False (with the reason shown) if it cannot start now."""
        if self.is_running:
            return False
        reason = self.training_blocked_reason()
        if reason is not None:
            self.runStatus.set_text(reason)
            return False
        self.curves.clear()
        self.curves.set_live(True)
        if request.timelapse_every is not None:
            self.timelapse.clear(request.timelapse_max)
            request = replace(request, timelapse_drawing=self._drawing())
        self.results.setVisible(False)
        if request.start_model is not None:
            what = tr("fine-tuning the model in use")
        elif request.layers is not None:
            what = tr("your own network")
        else:
            what = tr("the {preset} network").format(preset=request.architecture)
        self.runStatus.show_start(what, request.recipe.epochs, request.recipe.batch_size, request.recipe.lr)
        self.runStatus.set_learning_rate(request.recipe.lr)
        self.session.start(request, save=save)
        self._update_enabled()
        self.trainingStarted.emit()
        return True

    def _drawing(self) -> np.ndarray | None:
        """The visitor's current drawing ``(28, 28)`` (its pooled maps go into the time-lapse), or None."""
        try:
            image = getattr(self.controller.last_result(), "image28", None)
        except Exception:  # noqa: BLE001 - no drawing, no maps
            return None
        if image is None:
            return None
        picture = np.asarray(image, dtype=np.float32)
        return picture.reshape(28, 28).copy() if picture.size == 28 * 28 else None

    def cancel(self) -> None:
        """Stop the run (within a batch or two); the model in use stays."""
        if self.session.cancel():
            self._update_enabled()
            self.runStatus.set_text(tr("Stopping…"))

    # -- holding the run ------------------------------------------------------------------------------------
    def pause(self) -> bool:
        """Hold the run after the batch in progress."""
        ok = self.session.pause()
        if ok:
            self.runStatus.set_text(tr("Pausing after this batch…"))
        self._update_enabled()
        return ok

    def resume(self) -> bool:
        """Let a held run go on."""
        ok = self.session.resume()
        if ok:
            self.runStatus.show_phase("Training")
        self._update_enabled()
        return ok

    def step(self) -> bool:
        """One batch, then paused again (its loss and the changed filters are shown)."""
        ok = self.session.step()
        if ok:
            self.runStatus.set_text(tr("Training on one batch…"))
        self._update_enabled()
        return ok

    def reset_run(self) -> bool:
        """Back to the weights the run started from (only while paused)."""
        ok = self.session.reset()
        if not ok and self.is_running:
            self.runStatus.set_text(tr("Pause the training first."))
        self._update_enabled()
        return ok

    def set_learning_rate(self, lr: float) -> bool:
        """The learning rate for every later batch of the held run (it replaces the schedule)."""
        try:
            ok = self.session.set_learning_rate(lr)
        except ValueError as exc:
            self.runStatus.set_text(str(exc))
            return False
        if ok:
            self.runStatus.set_text(
                tr("Learning rate {lr:g} from the next batch on, for the rest of this run.").format(lr=lr)
            )
        return ok

    def _on_held(self, item: Progress) -> None:
        """The run holds (paused, or reset to its start): show the loss and make the hold row match."""
        self.runStatus.show_held(item)  # the curves draw the step's point with their next redraw
        request = self.session.request
        if item.progress.kind == "reset" and request is not None and request.timelapse_every is not None:
            self.timelapse.clear(request.timelapse_max)
        self._update_enabled()

    def _on_succeeded(self, result: TrainingResult, swapped: bool) -> None:
        summary = result.trained.summary
        self.results.set_summary(summary)
        self.results.setVisible(True)
        QTimer.singleShot(0, self, self._scroll_to_results)
        seconds = time.monotonic() - self.session.started_at
        text = self.runStatus.show_done(summary.accuracy, seconds, swapped and not result.save_error)
        if result.save_error:
            error = tr("The new model is in use but could not be saved: {error}").format(error=result.save_error)
            self._message(tr("Model not saved"), text + " " + error)

    def _scroll_to_results(self) -> None:
        self.scrollArea.ensureWidgetVisible(self.results.accuracyLabel, 0, 60)

    def _on_failed(self, exc: object) -> None:
        self.runStatus.set_bar_text(tr("stopped"))
        self._message(*failure_message(exc))
        if isinstance(exc, DataError):
            self.refresh_data_state()

    def _on_finished(self, outcome: str) -> None:
        self.curves.flush()
        self._update_enabled()
        self._arm_warm_up()  # replaces worker processes the run could not give back
        self.trainingFinished.emit(outcome)
        if self._reset_after_run:
            self._reset_after_run = False
            self.reset_to_factory()

    # -- worker processes ahead of time --------------------------------------------------------------------------
    def _arm_warm_up(self) -> None:
        """(Re)start the idle timer that warms the worker processes (when this panel may train at all)."""
        delay = session_module.WARM_POOL_DELAY_MS
        if delay is not None and self.allow_training and not self.session.is_running:
            self._warmTimer.start(delay)

    def _pen_moved(self) -> None:
        if self._warmTimer.isActive():  # idle means the pen has rested for the whole delay
            self._arm_warm_up()

    def _warm_up(self) -> None:
        if self.session.is_running:
            return
        if self.canvas is not None and self.canvas.is_drawing():
            self._arm_warm_up()
            return
        self.session.warm_up()

    # -- the model in use -------------------------------------------------------------------------------------
    def _busy(self) -> bool:
        if self.is_running:
            self.runStatus.set_text(tr("Stop the training first."))
            return True
        return False

    def reset_to_factory(self) -> bool:
        """Put the shipped model back in use; during a run the run is cancelled first and the reset follows."""
        if self.is_running:
            self._reset_after_run = True
            self.cancel()
            return True
        return self.modelBox.reset()

    def save_model_dialog(self) -> bool:
        """File > Save model as… (.onnx or .npz)."""
        if self._busy():
            return False
        path = self.modelBox.ask_save_path()
        return bool(path) and self.save_model_as(path)

    def save_model_as(self, path: str | Path) -> bool:
        """Write the model in use to ``path``; errors in a message."""
        return not self._busy() and self.modelBox.save_as(path)

    # -- misc -------------------------------------------------------------------------------------------------
    def make_correction_bar(self, parent: QWidget | None = None) -> CorrectionBar:
        """Another "Correct me" bar (e.g. for under the probabilities), fed by the controller, sharing the store.

        Returns
        -------
        CorrectionBar
            objectName ``correctionBar``; its saves update this panel's count of corrections, and its "Save my
            corrections" box is the same opt-in as this panel's.
        """
        return self.correctBox.make_bar(parent)

    def _on_digit_chosen(self, image28: np.ndarray) -> None:
        img = np.asarray(image28, dtype=np.float32).reshape(28, 28)
        try:
            show_digit(img, self.canvas, self.controller)
        except Exception:  # noqa: BLE001 - a digit that cannot be shown must not take the tab down
            log.exception("cannot put the digit on the canvas")
        self.digitChosen.emit(img)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel any running job, wait for its thread and end the worker processes (before the panel goes)."""
        self._warmTimer.stop()
        self.form.shutdown(timeout_ms)
        self.session.shutdown(timeout_ms)
        self.dataBox.shutdown(timeout_ms)
        QCoreApplication.processEvents()

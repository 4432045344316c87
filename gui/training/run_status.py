"""A run's progress bar (with ETA), its Cancel button, the buttons that hold it and the status line under them.

Holding a run (:mod:`convlens.engine.control`): Pause/Resume, One step (one batch, then paused again), Reset (back
to the weights the run started from; only while paused) and a learning-rate box that is enabled only while paused
(the rate typed there replaces the recipe's schedule for the rest of the run).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from convlens.engine.data import DataError
from convlens.engine.train import TrainingDiverged
from convlens.services.training import Progress

__all__ = ["RunStatus", "failure_message", "first_line", "format_eta", "held_text", "phase_text"]

STEPS = 1000
"""Resolution of the progress bar."""


def tr(text: str) -> str:
    return QCoreApplication.translate("Training", text)


def phase_text(phase: str) -> str:
    """A phase of the job (``services.training.Phase`` and the worker's "Saving") as the visitor reads it."""
    texts = {
        "Loading MNIST": tr("Loading MNIST…"),
        "Re-drawing MNIST digits as pen strokes (once; cached)": tr(
            "Re-drawing MNIST digits as pen strokes (only the first time)…"
        ),
        "Training": tr("Training… watch the filters on the Network tab."),
        "Testing": tr("Testing on digits it has never seen…"),
        "Saving": tr("Saving the model…"),
    }
    return texts.get(phase, phase)


def first_line(exc: object) -> str:
    """The first line of an error's message (its type name when it has none): no tracebacks for visitors."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def failure_message(exc: object) -> tuple[str, str]:
    """``(title, text)`` telling the visitor why a run stopped."""
    if isinstance(exc, TrainingDiverged):
        return tr("Training stopped"), (
            tr("Training stopped: the numbers blew up (the loss became NaN or infinite). The model that was "
               "in use is kept. Try a smaller learning rate.")
            + "\n\n"
            + first_line(exc)
        )
    if isinstance(exc, DataError):
        return tr("No training data"), tr("Cannot load MNIST: {e}").format(e=first_line(exc))
    return tr("Training failed"), tr("Training failed: {e}. The model that was in use is kept.").format(
        e=first_line(exc)
    )


def held_text(item: Progress) -> str:
    """What the visitor reads while the run holds (a ``"paused"`` or ``"reset"`` progress record)."""
    p = item.progress
    if p.kind == "reset":
        return tr("Back to the weights this run started from: step 0, the optimiser starts over. "
                  "Press Resume or One step.")
    if not math.isfinite(p.loss):
        return tr("Paused before the first batch. Press Resume or One step.")
    if p.filter_change is not None and len(p.filter_change):
        most = int(p.filter_change.argmax())
        return tr(
            "One step: batch {step} of {total}, loss {loss:.3f}. Filter {filter} changed most ({change:.2g}); "
            "the Network tab shows the new filters."
        ).format(step=p.step, total=p.total_steps, loss=p.loss, filter=most + 1, change=float(p.filter_change[most]))
    return tr("Paused at batch {step} of {total}; loss of the last batch {loss:.3f}.").format(
        step=p.step, total=p.total_steps, loss=p.loss
    )


def format_eta(seconds: float) -> str:
    """``"1:05"`` for 65 s; ``"…"`` while unknown."""
    if not math.isfinite(seconds) or seconds < 0:
        return "…"
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class RunStatus(QWidget):
    """``trainingProgress``, ``cancelTrainingButton``, the hold row and ``trainingStatus``.

    The hold row: ``pauseTrainingButton`` (Pause / Resume), ``stepTrainingButton``, ``resetTrainingButton`` and
    ``holdLrSpin`` (the learning rate; enabled only while paused).

    Signals
    -------
    cancelRequested()
        Cancel was clicked.
    pauseRequested(), resumeRequested(), stepRequested(), resetRequested()
        Pause/Resume, One step, Reset were clicked.
    learningRateChanged(float)
        The visitor changed the learning rate (only possible while paused).
    """

    cancelRequested = Signal()
    pauseRequested = Signal()
    resumeRequested = Signal()
    stepRequested = Signal()
    resetRequested = Signal()
    learningRateChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.trainingProgress = QProgressBar()
        self.trainingProgress.setObjectName("trainingProgress")
        self.trainingProgress.setRange(0, STEPS)
        self.trainingProgress.setValue(0)
        self.trainingProgress.setFormat(tr("ready"))
        row.addWidget(self.trainingProgress, 1)
        self.cancelTrainingButton = QPushButton(tr("Cancel"))
        self.cancelTrainingButton.setObjectName("cancelTrainingButton")
        self.cancelTrainingButton.setEnabled(False)
        self.cancelTrainingButton.clicked.connect(self.cancelRequested)
        row.addWidget(self.cancelTrainingButton)
        layout.addLayout(row)
        layout.addLayout(self._hold_row())
        self.statusLabel = QLabel(tr("Press Quick train to start."))
        self.statusLabel.setObjectName("trainingStatus")
        self.statusLabel.setWordWrap(True)
        self.statusLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.statusLabel)

    def _hold_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.pauseTrainingButton = QPushButton(tr("Pause"))
        self.pauseTrainingButton.setObjectName("pauseTrainingButton")
        self.pauseTrainingButton.setToolTip(tr("Hold the training after the current batch; press again to resume."))
        self.pauseTrainingButton.clicked.connect(self._on_pause_clicked)
        self.stepTrainingButton = QPushButton(tr("One step"))
        self.stepTrainingButton.setObjectName("stepTrainingButton")
        self.stepTrainingButton.setToolTip(
            tr("Train on exactly one batch, then pause: see its loss and the filters it changed.")
        )
        self.stepTrainingButton.clicked.connect(self.stepRequested)
        self.resetTrainingButton = QPushButton(tr("Reset"))
        self.resetTrainingButton.setObjectName("resetTrainingButton")
        self.resetTrainingButton.setToolTip(
            tr("Put back the weights this run started from (only while paused); the optimiser starts over.")
        )
        self.resetTrainingButton.clicked.connect(self.resetRequested)
        lr_label = QLabel(tr("Learning rate"))
        self.holdLrSpin = QDoubleSpinBox()
        self.holdLrSpin.setObjectName("holdLrSpin")
        self.holdLrSpin.setDecimals(4)
        self.holdLrSpin.setRange(0.0001, 1.0)
        self.holdLrSpin.setSingleStep(0.0005)
        self.holdLrSpin.setKeyboardTracking(False)  # a typed rate counts once it is complete (Enter, focus out)
        self.holdLrSpin.setToolTip(
            tr("Change the learning rate while paused; it then stays fixed for the rest of the run.")
        )
        self.holdLrSpin.valueChanged.connect(self._on_lr_changed)
        lr_label.setBuddy(self.holdLrSpin)
        for widget in (self.pauseTrainingButton, self.stepTrainingButton, self.resetTrainingButton):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(lr_label)
        row.addWidget(self.holdLrSpin)
        self._paused = False
        self.set_hold_state(False, False)
        return row

    def _on_pause_clicked(self) -> None:
        (self.resumeRequested if self._paused else self.pauseRequested).emit()

    def _on_lr_changed(self, value: float) -> None:
        if self.holdLrSpin.isEnabled():
            self.learningRateChanged.emit(float(value))

    def set_hold_state(self, can_hold: bool, paused: bool) -> None:
        """Enable the hold row: Pause/One step while a run can hold; Reset and the learning rate while paused."""
        self._paused = bool(can_hold and paused)
        self.pauseTrainingButton.setText(tr("Resume") if self._paused else tr("Pause"))
        self.pauseTrainingButton.setEnabled(can_hold)
        self.stepTrainingButton.setEnabled(can_hold)
        self.resetTrainingButton.setEnabled(self._paused)
        self.holdLrSpin.setEnabled(self._paused)

    def set_learning_rate(self, lr: float) -> None:
        """Show ``lr`` in the learning-rate box (no ``learningRateChanged``)."""
        self.holdLrSpin.blockSignals(True)
        self.holdLrSpin.setValue(lr)
        self.holdLrSpin.blockSignals(False)

    def show_held(self, item: Progress) -> None:
        """The run holds: the bar says "paused" with the step, the status line the last batch's loss."""
        p = item.progress
        self.set_bar(p.fraction, tr("Paused · step {step}/{total}").format(step=p.step, total=p.total_steps))
        self.statusLabel.setText(held_text(item))
        self.set_learning_rate(p.lr)

    def set_text(self, text: str) -> None:
        self.statusLabel.setText(text)

    def set_bar(self, fraction: float, text: str) -> None:
        """The progress bar at ``fraction`` (0..1) with ``text`` on it."""
        self.trainingProgress.setValue(int(round(STEPS * fraction)))
        self.trainingProgress.setFormat(text)

    def set_bar_text(self, text: str) -> None:
        self.trainingProgress.setFormat(text)

    def show_progress(self, item: Progress) -> None:
        p = item.progress
        self.set_bar(
            p.fraction,
            tr("{pct}% · epoch {epoch}/{epochs} · {eta} left").format(
                pct=int(100 * p.fraction), epoch=p.epoch, epochs=p.epochs, eta=format_eta(p.eta_seconds)
            ),
        )

    def show_start(self, what: str, epochs: int, batch_size: int, lr: float) -> None:
        self.set_bar(0.0, tr("starting…"))
        text = (
            tr("Training {what}: 1 epoch, batch {batch}, learning rate {lr:g}…")
            if epochs == 1
            else tr("Training {what}: {epochs} epochs, batch {batch}, learning rate {lr:g}…")
        )
        self.statusLabel.setText(text.format(what=what, epochs=epochs, batch=batch_size, lr=lr))

    def show_done(self, accuracy: float, seconds: float, swapped: bool) -> str:
        """The bar full with the test accuracy; returns the status text (shown now when the model is in use)."""
        self.set_bar(1.0, tr("done · {acc:.1%} test accuracy").format(acc=accuracy))
        text = tr("Done in {secs:.0f} s: {acc:.2%} of the test digits read correctly.").format(
            secs=seconds, acc=accuracy
        )
        if swapped:
            self.statusLabel.setText(text + " " + tr("The new model is now in use."))
        return text

    def show_cancelled(self) -> None:
        self.set_bar_text(tr("cancelled"))
        self.statusLabel.setText(tr("Training cancelled; the model that was in use is kept."))

    def show_phase(self, phase: str) -> None:
        text = phase_text(phase)
        self.statusLabel.setText(text)
        if phase in ("Testing", "Saving"):
            self.set_bar(1.0, text)

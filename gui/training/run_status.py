"""A run's progress bar (with ETA), its Cancel button and the status line under them."""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from convlens.engine.data import DataError
from convlens.engine.train import TrainingDiverged
from convlens.services.training import Progress

__all__ = ["RunStatus", "failure_message", "first_line", "format_eta", "phase_text"]

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


def format_eta(seconds: float) -> str:
    """``"1:05"`` for 65 s; ``"…"`` while unknown."""
    if not math.isfinite(seconds) or seconds < 0:
        return "…"
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class RunStatus(QWidget):
    """``trainingProgress``, ``cancelTrainingButton`` and ``trainingStatus``.

    Signals
    -------
    cancelRequested()
        Cancel was clicked.
    """

    cancelRequested = Signal()

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
        self.statusLabel = QLabel(tr("Press Quick train to start."))
        self.statusLabel.setObjectName("trainingStatus")
        self.statusLabel.setWordWrap(True)
        self.statusLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.statusLabel)

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

"""The class mode tab: pupils take turns drawing the digit asked for; then the network is taught their handwriting.

:class:`ClassroomPanel` asks for a digit ("Draw a 3": the digit with the fewest drawings so far, in turn), keeps
each saved drawing with its label and the optional anonymous pupil number in the class set
(:class:`convlens.services.classset.ClassSetStore`, on this machine only), shows the counts per digit, and runs
"Teach the network our handwriting" (:class:`~convlens.gui.classroom.teach.ClassTeachSession`) with a progress bar
and Cancel; the result (:class:`~convlens.gui.classroom.results.ClassResultView`) shows the accuracy on the
held-out drawings before and after side by side. Import, export and wipe work on the same store.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from convlens.engine import data as engine_data
from convlens.engine.preprocess import mnist_style
from convlens.gui.canvas import DrawingCanvas
from convlens.gui.classroom.results import ClassResultView
from convlens.gui.classroom.teach import ClassTeachSession
from convlens.gui.controller import Controller
from convlens.gui.kiosk.i18n import SELF_TRANSLATING
from convlens.services.classset import MAX_PUPIL, ClassSet, ClassSetStore
from convlens.services.finetune import MIN_DRAWINGS, FineTuneOutcome

__all__ = ["CANVAS_SIDE", "ClassroomPanel"]

CANVAS_SIDE = 300
"""Side of the tab's drawing canvas in pixels."""


def tr(text: str) -> str:
    return QCoreApplication.translate("Classroom", text)


class ClassroomPanel(QWidget):
    """The "Class" tab (objectName ``classroomPanel``).

    Parameters
    ----------
    controller : Controller
        Its network is the one taught; the taught one is put in use through it.
    store : ClassSetStore, optional
        Where the class set lives (default: ``<user data dir>/class_set.npz``).
    load_data : callable, optional
        MNIST for the teaching (default: the local cache).
    data_base : path, optional
        User data directory for the taught network.
    """

    def __init__(
        self,
        controller: Controller,
        store: ClassSetStore | None = None,
        load_data: Callable[[], engine_data.MnistData] | None = None,
        data_base: str | os.PathLike[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("classroomPanel")
        self.setProperty(SELF_TRANSLATING, True)  # its texts are set in retranslate(), also on a language switch
        self.store = store or ClassSetStore()
        self.session = ClassTeachSession(controller, load_data=load_data, data_base=data_base, parent=self)
        self.class_set = ClassSet.empty()
        self.current_digit = 0
        self.last_message: tuple[str, str] | None = None
        self._status = ""

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setObjectName("classroomScroll")
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        body.setObjectName("classroomBody")
        scroll.setWidget(body)
        layout = QVBoxLayout(body)

        self.promptLabel = QLabel()
        self.promptLabel.setObjectName("classPrompt")
        self.promptLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.promptLabel.font()
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        self.promptLabel.setFont(font)
        layout.addWidget(self.promptLabel)

        self.classCanvas = DrawingCanvas()
        self.classCanvas.setObjectName("classCanvas")
        self.classCanvas.setFixedSize(CANVAS_SIDE, CANVAS_SIDE)  # room for the buttons and counts beside it
        self.classCanvas.strokesChanged.connect(self._update_enabled)
        layout.addWidget(self.classCanvas, 0, Qt.AlignmentFlag.AlignHCenter)

        pupil_row = QHBoxLayout()
        self.pupilLabel = QLabel()
        self.pupilLabel.setObjectName("pupilLabel")
        self.pupilSpin = QSpinBox()
        self.pupilSpin.setObjectName("pupilNumber")
        self.pupilSpin.setRange(0, MAX_PUPIL)
        self.pupilLabel.setBuddy(self.pupilSpin)
        pupil_row.addWidget(self.pupilLabel)
        pupil_row.addWidget(self.pupilSpin)
        pupil_row.addStretch(1)
        layout.addLayout(pupil_row)

        buttons = QHBoxLayout()
        self.saveDrawingButton = QPushButton()
        self.saveDrawingButton.setObjectName("saveClassDrawing")
        self.saveDrawingButton.clicked.connect(self.save_drawing)
        self.skipButton = QPushButton()
        self.skipButton.setObjectName("skipClassDigit")
        self.skipButton.clicked.connect(self.skip)
        self.undoLastButton = QPushButton()
        self.undoLastButton.setObjectName("undoLastClassDrawing")
        self.undoLastButton.clicked.connect(self.undo_last)
        for button in (self.saveDrawingButton, self.skipButton, self.undoLastButton):
            buttons.addWidget(button)
        layout.addLayout(buttons)

        self.countsTitle = QLabel()
        self.countsTitle.setObjectName("classCountsTitle")
        layout.addWidget(self.countsTitle)
        counts = QGridLayout()
        self.countLabels: list[QLabel] = []
        for digit in range(10):
            label = QLabel()
            label.setObjectName(f"classCount{digit}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            counts.addWidget(label, 0, digit)
            self.countLabels.append(label)
        layout.addLayout(counts)
        self.totalLabel = QLabel()
        self.totalLabel.setObjectName("classTotal")
        self.totalLabel.setWordWrap(True)
        layout.addWidget(self.totalLabel)

        self.teachButton = QPushButton()
        self.teachButton.setObjectName("teachClassButton")
        self.teachButton.clicked.connect(self.teach)
        layout.addWidget(self.teachButton)
        run_row = QHBoxLayout()
        self.teachProgress = QProgressBar()
        self.teachProgress.setObjectName("teachClassProgress")
        self.teachProgress.setRange(0, 1000)
        self.teachProgress.setTextVisible(False)
        self.cancelTeachButton = QPushButton()
        self.cancelTeachButton.setObjectName("cancelTeachClass")
        self.cancelTeachButton.clicked.connect(self.session.cancel)
        run_row.addWidget(self.teachProgress, 1)
        run_row.addWidget(self.cancelTeachButton)
        layout.addLayout(run_row)
        self.statusLabel = QLabel()
        self.statusLabel.setObjectName("classStatus")
        self.statusLabel.setWordWrap(True)
        layout.addWidget(self.statusLabel)

        self.results = ClassResultView()
        layout.addWidget(self.results)
        self.useTaughtButton = QPushButton()
        self.useTaughtButton.setObjectName("useTaughtNetwork")
        self.useTaughtButton.clicked.connect(self.use_taught)
        layout.addWidget(self.useTaughtButton)

        self.wipeButton = QPushButton()
        self.wipeButton.setObjectName("wipeClassSet")
        self.wipeButton.clicked.connect(self.ask_wipe)
        layout.addWidget(self.wipeButton, 0, Qt.AlignmentFlag.AlignRight)

        self.session.progressed.connect(self._on_progress)
        self.session.succeeded.connect(self._on_succeeded)
        self.session.failed.connect(lambda text: self._message(tr("Teaching failed"), text))
        self.session.cancelled.connect(lambda: self._set_status(tr("Teaching cancelled; the network in use stays.")))
        self.session.ended.connect(self._update_enabled)
        self.reload()

    # -- the class set ---------------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the stored class set (a damaged file is reported and left alone) and show it."""
        try:
            self.class_set = self.store.load()
        except ValueError as exc:
            self.class_set = ClassSet.empty()
            self._message(tr("Class set"), tr("The stored class set cannot be read: {e}").format(e=exc))
        self.current_digit = self._next_digit(self.current_digit - 1)
        self.retranslate()

    def _next_digit(self, after: int) -> int:
        """The digit with the fewest drawings; among equals the first after ``after`` (in turn)."""
        counts = self.class_set.counts()
        order = [(after + 1 + k) % 10 for k in range(10)]
        return min(order, key=lambda d: int(counts[d]))

    def drawing(self) -> np.ndarray | None:
        """The canvas as the network's input, float32 ``(28, 28)`` in [0, 1] (None when empty)."""
        if self.classCanvas.is_empty():
            return None
        return mnist_style(self.classCanvas.image_array())

    def save_drawing(self) -> bool:
        """Keep the canvas as a drawing of :attr:`current_digit`, clear it and ask for the next digit."""
        image = self.drawing()
        if image is None:
            self._set_status(tr("Draw the digit first."))
            return False
        try:
            self.class_set = self.store.add(
                image, self.current_digit, self.classCanvas.strokes(), pupil=self.pupilSpin.value()
            )
        except (ValueError, OSError) as exc:
            self._message(tr("Cannot save the drawing"), str(exc))
            return False
        self._set_status(tr("Saved a {d}.").format(d=self.current_digit), refresh=False)
        self.classCanvas.clear()
        self.current_digit = self._next_digit(self.current_digit)
        self.retranslate()
        return True

    def skip(self) -> None:
        """Ask for another digit (the drawing is dropped)."""
        self.classCanvas.clear()
        counts = self.class_set.counts()
        others = [(self.current_digit + 1 + k) % 10 for k in range(9)]
        self.current_digit = min(others, key=lambda d: int(counts[d]))
        self.retranslate()

    def undo_last(self) -> bool:
        """Remove the newest saved drawing."""
        if not len(self.class_set):
            return False
        try:
            removed = int(self.class_set.labels[-1])
            self.class_set = self.store.undo_last()
        except (ValueError, OSError) as exc:
            self._message(tr("Cannot undo"), str(exc))
            return False
        self.current_digit = removed
        self._set_status(tr("Removed the last drawing (a {d}).").format(d=removed), refresh=False)
        self.retranslate()
        return True

    def import_file(self, path: str | Path) -> bool:
        """Add the drawings of a class-set file to the class set."""
        try:
            self.class_set, added = self.store.import_file(path)
        except (ValueError, OSError) as exc:
            self._message(tr("Cannot import the class set"), str(exc))
            return False
        self._set_status(tr("Imported {n} drawings from {name}.").format(n=added, name=Path(path).name), False)
        self.retranslate()
        return True

    def export_file(self, path: str | Path) -> bool:
        """Write the class set to ``path`` (``.npz``)."""
        try:
            n = self.store.export(path)
        except (ValueError, OSError) as exc:
            self._message(tr("Cannot export the class set"), str(exc))
            return False
        self._set_status(tr("Exported {n} drawings to {name}.").format(n=n, name=Path(path).name))
        return True

    def import_dialog(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self, tr("Import class set"), str(Path.home()), tr("Class set (*.npz)"))
        return self.import_file(path) if path else False

    def export_dialog(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Export class set"), str(Path.home() / "class-set.npz"), tr("Class set (*.npz)")
        )
        if not path:
            return False
        if Path(path).suffix.lower() != ".npz":
            path += ".npz"
        return self.export_file(path)

    def confirm_wipe(self) -> bool:
        """Ask before wiping (a modal question)."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            tr("Wipe class set"),
            tr("Delete all {n} drawings of the class set from this computer? This cannot be undone.").format(
                n=len(self.class_set)
            )
            if len(self.class_set) != 1
            else tr("Delete the one drawing of the class set from this computer? This cannot be undone."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("wipeClassSetQuestion")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def ask_wipe(self) -> bool:
        """Wipe the class set after :meth:`confirm_wipe`."""
        return self.confirm_wipe() and self.wipe()

    def wipe(self) -> bool:
        """Delete the class set (no question asked)."""
        try:
            self.store.wipe()
        except OSError as exc:
            self._message(tr("Cannot wipe the class set"), str(exc))
            return False
        self.class_set = ClassSet.empty()
        self.current_digit = 0
        self._set_status(tr("The class set was wiped."), refresh=False)
        self.retranslate()
        return True

    # -- teaching --------------------------------------------------------------------------------------------------
    def teach_blocked_reason(self) -> str | None:
        """Why the network cannot be taught now (None when it can)."""
        if self.session.is_running:
            return tr("The network is being taught.")
        if len(self.class_set) < MIN_DRAWINGS:
            return tr("Draw at least {n} digits first.").format(n=MIN_DRAWINGS)
        held = self.class_set.held_out()
        if not held.any() or held.all():
            return tr("Draw some more digits: some are kept aside to check the network.")
        return None

    def teach(self) -> bool:
        """Start "Teach the network our handwriting" in the worker thread."""
        reason = self.teach_blocked_reason()
        if reason is None:
            reason = self.session.start(self.class_set)
        if reason is not None:
            self._set_status(reason)
            return False
        self.teachProgress.setValue(0)
        self._set_status(tr("Teaching…"))
        return True

    def use_taught(self) -> bool:
        """Use the taught network in the explorer."""
        reason = self.session.use_taught()
        if reason is not None:
            self._message(tr("Cannot use the taught network"), reason)
            return False
        self._set_status(tr("The explorer now uses the network taught our handwriting."))
        return True

    def shutdown(self) -> None:
        self.session.shutdown()

    def _on_progress(self, share: float, text: str) -> None:
        self.teachProgress.setValue(int(round(1000 * min(max(share, 0.0), 1.0))))
        self._set_status(text)

    def _on_succeeded(self, outcome: FineTuneOutcome) -> None:
        self.show_outcome(outcome)

    def show_outcome(self, outcome: FineTuneOutcome) -> None:
        """Show a finished teaching's before/after view (the screenshot matrix shows a synthetic one)."""
        self.teachProgress.setValue(1000)
        self.results.set_outcome(outcome)
        self._set_status(
            tr("Done: {before:.0%} of the held-out drawings read right before, {after:.0%} after.").format(
                before=outcome.before, after=outcome.after
            )
        )

    # -- texts and state -------------------------------------------------------------------------------------------
    def _set_status(self, text: str, refresh: bool = True) -> None:
        self._status = text
        self.statusLabel.setText(text)
        if refresh:
            self._update_enabled()

    def _message(self, title: str, text: str) -> None:
        """Tell the teacher (status line + a non-blocking message box); never a traceback."""
        self.last_message = (title, text)
        self._set_status(text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("classroomMessage")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()

    def _update_enabled(self) -> None:
        running = self.session.is_running
        self.saveDrawingButton.setEnabled(not self.classCanvas.is_empty())
        self.undoLastButton.setEnabled(len(self.class_set) > 0)
        self.teachButton.setEnabled(not running)
        self.cancelTeachButton.setEnabled(running)
        self.useTaughtButton.setEnabled(self.session.outcome is not None and not running)
        self.wipeButton.setEnabled(len(self.class_set) > 0 and not running)
        reason = None if running else self.teach_blocked_reason()
        self.teachButton.setToolTip(reason or "")

    def retranslate(self) -> None:
        """(Re)set every text in the current language."""
        self.promptLabel.setText(tr("Please draw a {d}").format(d=self.current_digit))
        self.pupilLabel.setText(tr("Pupil number (optional):"))
        self.pupilSpin.setSpecialValueText(tr("none"))
        self.pupilSpin.setToolTip(tr("An anonymous number per pupil: some of each pupil's drawings are kept aside "
                                     "to check the network"))
        self.saveDrawingButton.setText(tr("Save"))
        self.skipButton.setText(tr("Skip"))
        self.undoLastButton.setText(tr("Undo last"))
        self.countsTitle.setText(tr("Drawings per digit:"))
        counts = self.class_set.counts()
        for digit, label in enumerate(self.countLabels):
            label.setText(f"{digit}\n{int(counts[digit])}")
        n = len(self.class_set)
        held = int(self.class_set.held_out().sum()) if n else 0
        if n == 1:
            self.totalLabel.setText(tr("1 drawing. Drawings stay on this computer."))
        else:
            self.totalLabel.setText(
                tr("{n} drawings, {k} of them kept aside to check the network. They stay on this computer.").format(
                    n=n, k=held
                )
            )
        self.teachButton.setText(tr("Teach the network our handwriting"))
        self.cancelTeachButton.setText(tr("Cancel"))
        self.useTaughtButton.setText(tr("Use the taught network in the explorer"))
        self.wipeButton.setText(tr("Wipe class set"))
        self.classCanvas.set_hint(tr("Please draw a {d}").format(d=self.current_digit))
        self.classCanvas.setToolTip(tr("Draw with the mouse, a pen or a finger, then press Save"))
        self._update_enabled()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

"""Open a model file off the GUI thread, within a time and memory budget, with a busy indicator.

A crafted file must never freeze or kill the app: :func:`open_model_file` first runs the model once in a child
process with a time and memory budget (:func:`convlens.services.model_check.probe_in_subprocess`), then opens and
checks it in a worker thread (:func:`convlens.services.model_check.open_checked_model`); meanwhile the event loop
keeps running (the window repaints) and a progress dialog ``openModelProgress`` offers Cancel. The caller gets
the opened model back on the GUI thread and swaps it in there.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

from convlens.engine.model import Predictor
from convlens.gui.workers import JobThread
from convlens.services.model_check import UnusableModelError, open_checked_model, probe_in_subprocess

__all__ = ["open_model_file"]

_running: set[JobThread] = set()
"""Jobs still running after their caller gave up (Cancel): kept alive until they end."""

SHOW_PROGRESS_AFTER_MS = 300
"""The busy dialog appears only if opening takes longer than this (the shipped model takes about a second)."""


def open_model_file(path: str | Path, parent: QWidget | None = None) -> Predictor:
    """Probe, open and check ``path`` off the GUI thread; returns the model (GUI thread).

    Raises
    ------
    UnusableModelError
        The file is unusable (one line naming it), or the user pressed Cancel.
    """
    path = Path(path)

    def job(cancel: threading.Event) -> Iterator[str]:
        yield "probe"
        probe_in_subprocess(path)
        yield "open"
        return open_checked_model(path)  # type: ignore[return-value]  # the generator's result

    outcome: dict[str, object] = {}
    thread = JobThread(job)
    loop = QEventLoop()
    thread.succeeded.connect(lambda model: outcome.setdefault("model", model))
    thread.failed.connect(lambda exc: outcome.setdefault("error", exc))
    thread.ended.connect(loop.quit)
    thread.ended.connect(lambda: _running.discard(thread))
    _running.add(thread)

    dialog = QProgressDialog(
        QCoreApplication.translate("ConvLens", "Opening {0}…").format(path.name),
        QCoreApplication.translate("ConvLens", "Cancel"),
        0,
        0,
        parent,
    )
    dialog.setObjectName("openModelProgress")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def on_cancel() -> None:
        outcome.setdefault("cancelled", True)
        loop.quit()

    dialog.canceled.connect(on_cancel)
    show_timer = QTimer()
    show_timer.setSingleShot(True)
    show_timer.timeout.connect(dialog.show)
    dialog.hide()
    thread.start()
    show_timer.start(SHOW_PROGRESS_AFTER_MS)
    if thread.isRunning() or not outcome:
        loop.exec()
    show_timer.stop()
    dialog.hide()
    dialog.deleteLater()
    if outcome.get("cancelled") and "model" not in outcome:
        thread.cancel()
        raise UnusableModelError(QCoreApplication.translate("ConvLens", "{0}: opening was cancelled").format(path.name))
    if "model" in outcome:
        model = outcome["model"]
        assert isinstance(model, Predictor)
        return model
    error = outcome.get("error")
    if isinstance(error, UnusableModelError):
        raise error
    raise UnusableModelError(f"{path.name}: {error}")

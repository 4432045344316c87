"""The class mode's "Teach the network our handwriting" run, without widgets.

:class:`ClassTeachSession` runs :func:`convlens.services.finetune.run_finetune` in a
:class:`convlens.gui.workers.JobThread` (the GUI thread only gets throttled progress events) and, when asked, puts the
taught network in use: saved into the user's model store and opened through the controller (like the training tab),
or from memory when it cannot be saved.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator

from PySide6.QtCore import QCoreApplication, QObject, Signal

from convlens.engine import data as engine_data
from convlens.gui.controller import Controller
from convlens.gui.training.session import numpy_model_copy
from convlens.gui.workers import JobThread
from convlens.services import model_store
from convlens.services.classset import ClassSet
from convlens.services.finetune import FineTuneOutcome, FineTuneRequest, run_finetune
from convlens.services.training import Phase, Progress, is_urgent

__all__ = ["ClassTeachSession"]

log = logging.getLogger(__name__)


def tr(text: str) -> str:
    return QCoreApplication.translate("Classroom", text)


def phase_text(phase: str) -> str:
    """The shown text of a job phase, in the current language."""
    texts = {
        "Loading MNIST": tr("Loading MNIST…"),
        "Reading the held-out drawings": tr("Reading the held-out drawings…"),
        "Teaching": tr("Teaching…"),
        "Testing": tr("Testing…"),
    }
    return texts.get(phase, phase)


class ClassTeachSession(QObject):
    """One fine-tuning run at a time on the network in use of ``controller``.

    Parameters
    ----------
    controller : Controller
    load_data : callable, optional
        Returns the MNIST arrays (runs in the worker; default: the local cache, never a download).
    data_base : path, optional
        User data directory for the saved network (default :func:`model_store.user_data_dir`).

    Signals
    -------
    progressed(float, str)
        Share of the run done (0..1) and what it is doing.
    succeeded(object)
        The :class:`~convlens.services.finetune.FineTuneOutcome`.
    failed(str)
        Why it failed (a message for the teacher).
    cancelled()
    ended()
        Always last.
    """

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    ended = Signal()

    def __init__(
        self,
        controller: Controller,
        load_data: Callable[[], engine_data.MnistData] | None = None,
        data_base: str | os.PathLike[str] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.data_base = data_base
        self.request = FineTuneRequest()
        self.outcome: FineTuneOutcome | None = None
        self._load_data = load_data
        self._data: engine_data.MnistData | None = None
        self._job: JobThread | None = None

    @property
    def is_running(self) -> bool:
        return self._job is not None

    def load_data(self) -> engine_data.MnistData:  # runs in the worker thread
        if self._data is None:
            self._data = self._load_data() if self._load_data is not None else engine_data.load_mnist(
                allow_download=False
            )
        return self._data

    def start(self, class_set: ClassSet) -> str | None:
        """Start teaching ``class_set``; return why it cannot start (None when it started)."""
        if self._job is not None:
            return tr("The network is being taught already.")
        model = numpy_model_copy(self.controller)
        if model is None:
            return tr("The network in use cannot be taught (it has no NumPy form: open a .npz model).")
        info = self.controller.current_model_info()
        metadata = dict(info.metadata)  # an ONNX file's metadata are its card's fields (like the model box's save)
        card = metadata["model_card"] if isinstance(metadata.get("model_card"), dict) else metadata
        request = self.request

        def job(cancel: threading.Event) -> Iterator[object]:
            return run_finetune(model, class_set, self.load_data, request, cancel, card=dict(card or {}))

        thread = JobThread(job, urgent=is_urgent)
        thread.progress.connect(self._on_item)
        thread.succeeded.connect(self._on_succeeded)
        thread.failed.connect(self._on_failed)
        thread.cancelled.connect(self.cancelled)
        thread.ended.connect(self._on_ended)
        self._job = thread
        self.outcome = None
        thread.start()
        return None

    def cancel(self) -> bool:
        """Stop the run within a batch; False when nothing runs."""
        if self._job is None:
            return False
        self._job.cancel()
        return True

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel a run and wait for its thread."""
        if self._job is not None:
            self._job.cancel()
            self._job.wait(timeout_ms)

    def use_taught(self) -> str | None:
        """Put the taught network in use in the explorer; return why not (None on success)."""
        outcome = self.outcome
        if outcome is None:
            return tr("Teach the network first.")
        try:
            stored = model_store.save_model(outcome.model, outcome.card, name="class", base=self.data_base)
            self.controller.load_model(stored.path)
        except Exception as exc:  # noqa: BLE001 - fall back to the network in memory
            log.warning("cannot save or open the taught network: %s", exc)
        else:
            return None
        try:
            self.controller.set_model(outcome.model, path=None, metadata={"model_card": outcome.card})
        except Exception as exc:  # noqa: BLE001 - reported, never a traceback
            return tr("The taught network cannot be used: {e}").format(e=exc)
        return None

    def _on_item(self, item: object) -> None:
        if isinstance(item, Phase):
            share = {"Loading MNIST": 0.0, "Reading the held-out drawings": 0.05, "Testing": 0.95}.get(item.text)
            self.progressed.emit(share if share is not None else 0.1, phase_text(item.text))
        elif isinstance(item, Progress):
            self.progressed.emit(0.1 + 0.85 * item.progress.fraction, phase_text("Teaching"))

    def _on_succeeded(self, result: object) -> None:
        if not isinstance(result, FineTuneOutcome):
            self.failed.emit(tr("Unexpected result of the teaching."))
            return
        self.outcome = result
        self.succeeded.emit(result)

    def _on_failed(self, exc: object) -> None:
        if isinstance(exc, engine_data.DataError):
            self._data = None
        self.failed.emit(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    def _on_ended(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.dispose()
        self.ended.emit()

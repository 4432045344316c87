"""The training tab's run, without widgets: the worker thread, the request, the live preview and the outcome.

:class:`TrainingSession` drives :func:`gui.training.worker.training_job` (the service's ``run_training`` plus a save
into the model store) in a :class:`gui.workers.JobThread`, so the GUI thread only handles throttled events (at most
about ten progress events a second; phases, validation points, epoch ends and snapshots always arrive). It shows
each weight snapshot through ``Controller.set_preview_model`` (the filters and the visitor's drawing are re-read
with the newest weights), ends the preview when the run ends, and on success puts the new model in use: the saved
file through ``Controller.load_model`` (then marked current in the model store), else the network from memory.
The views (:class:`~convlens.gui.training.panel.TrainingPanel` and its parts) only react to its signals.

A run can be held (:class:`~convlens.engine.control.TrainingControl`, one per run): :meth:`TrainingSession.pause`,
:meth:`~TrainingSession.resume`, :meth:`~TrainingSession.step` (one batch, then paused again),
:meth:`~TrainingSession.reset` (only while paused: the weights the run started from, the optimiser and the step
counter start over) and :meth:`~TrainingSession.set_learning_rate` (only while paused; it replaces the recipe's
schedule for the rest of the run). The worker answers a hold with a ``"paused"`` or ``"reset"`` progress record
(signal ``held``) and a snapshot, so the Network tab shows the filters as they are now.

The Train button answers at once: :meth:`TrainingSession.warm_up` (called by the panel once the app has been idle
for :data:`WARM_POOL_DELAY_MS`) starts the run's worker processes ahead of time in a
:class:`~convlens.engine.worker_pool.WarmPool`; every run takes them from there and gives them back, and
:meth:`~TrainingSession.shutdown` ends them.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Signal

from convlens.engine import data as engine_data
from convlens.engine.control import TrainingControl
from convlens.engine.model import Sequential, load_npz_model
from convlens.engine.train import TrainingDiverged, default_workers
from convlens.engine.worker_pool import WarmPool
from convlens.gui.controller import Controller
from convlens.gui.training.worker import TrainingResult, training_job
from convlens.gui.workers import JobThread
from convlens.services import model_store
from convlens.services.training import (
    Phase,
    Progress,
    Snapshot,
    TimelapseFrame,
    TrainingRequest,
    Validation,
    is_urgent,
)

__all__ = ["TrainingSession", "numpy_model_copy"]

log = logging.getLogger(__name__)


WARM_POOL_DELAY_MS: int | None = 3000
"""The panel warms the pool after the app has been idle (no run, the pen up) this long (None: never)."""

HELD_TOO_LATE = ("Testing", "Drawn-digit benchmark", "Saving")
"""Phases after the training: a pause, step or reset would no longer reach the batches."""


def tr(text: str) -> str:
    return QCoreApplication.translate("Training", text)


def numpy_model_copy(controller: Controller) -> Sequential | None:
    """A copy of ``controller``'s model in use as a NumPy network (its ``.npz`` twin for an ONNX file), or None."""
    model = controller.model
    if isinstance(model, Sequential):
        copy = Sequential.from_config(model.architecture(), input_shape=model.input_shape, seed=model.seed)
        copy.set_weights(model.get_weights())
        copy.temperature = model.temperature
        return copy
    path = controller.current_model_info().path
    if path is not None and path.with_suffix(".npz").is_file():
        try:
            return load_npz_model(path.with_suffix(".npz"))
        except ValueError as exc:
            log.warning("cannot fine-tune %s: %s", path, exc)
    return None


class TrainingSession(QObject):
    """One training run at a time for ``controller``.

    Parameters
    ----------
    controller : Controller
        Gets the preview (``set_preview_model``) and the trained model (``load_model`` / ``set_model``).
    data_base : path, optional
        User data directory for saved models (default :func:`model_store.user_data_dir`).
    parent : QObject, optional

    Attributes
    ----------
    data : MnistData or None
        MNIST, loaded (in the worker) by the first run and kept for the next ones.
    request : TrainingRequest or None
        The current or last run's request.
    outcome : str or None
        ``"done"``, ``"cancelled"``, ``"diverged"`` or ``"failed"`` once the run has ended (None before).
    result : TrainingResult or None
        The last successful run's result.
    started_at : float
        ``time.monotonic()`` when the run started.
    pool : WarmPool or None
        The worker processes started ahead of time (:meth:`warm_up`); None until then.

    Signals
    -------
    phaseChanged(str)
        ``"Loading MNIST"``, ``"Training"``, ``"Testing"``, ``"Saving"`` (not after a cancel).
    progressed(object), validated(object)
        A :class:`~convlens.services.training.Progress` / :class:`~convlens.services.training.Validation`.
    succeeded(object, bool)
        The :class:`TrainingResult` and whether the new model is now in use.
    failed(object)
        The exception that stopped the run (``outcome`` says "diverged" or "failed").
    cancelled()
    finished(str)
        Always last, with ``outcome``.
    timelapseFrame(object)
        A :class:`~convlens.services.timelapse.TimelapseFrame` of the filters (when the request asks for them).
    modelSwapped(object)
        The path of the trained model now in use (None: in use from memory, it could not be saved).
    held(object)
        The run holds: a :class:`~convlens.services.training.Progress` whose record's kind is ``"paused"`` (loss of
        the last batch; after one step also ``filter_change``) or ``"reset"`` (also sent through ``progressed``).
    message(str, str)
        ``(title, text)`` of a problem to tell the visitor.
    """

    phaseChanged = Signal(str)
    progressed = Signal(object)
    validated = Signal(object)
    timelapseFrame = Signal(object)
    succeeded = Signal(object, bool)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal(str)
    modelSwapped = Signal(object)
    message = Signal(str, str)
    held = Signal(object)

    def __init__(
        self,
        controller: Controller,
        data_base: str | os.PathLike[str] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.data_base = data_base
        self.data: engine_data.MnistData | None = None
        self.request: TrainingRequest | None = None
        self.outcome: str | None = None
        self.result: TrainingResult | None = None
        self.started_at = 0.0
        self._job: JobThread | None = None
        self.control: TrainingControl | None = None
        self.phase: str | None = None
        self._preview: Sequential | None = None
        self._preview_arch: list[dict[str, object]] | None = None
        self._previewing = False
        self.pool: WarmPool | None = None
        self._data_lock = threading.Lock()  # one decode of MNIST, whether the warm-up or a run asks first
        self._preload: JobThread | None = None

    @property
    def is_running(self) -> bool:
        return self._job is not None

    @property
    def is_cancelled(self) -> bool:
        """A run is going on and Cancel was asked for."""
        return self._job is not None and self._job.is_cancelled

    @property
    def can_hold(self) -> bool:
        """A run is going on, not cancelled, and has not yet left the training (testing, saving)."""
        return self.is_running and not self.is_cancelled and self.phase not in HELD_TOO_LATE

    @property
    def is_paused(self) -> bool:
        """Pause or one step was asked for (and resume was not) in a run that can still hold."""
        return self.can_hold and self.control is not None and self.control.is_paused

    def data_available(self) -> bool:
        """MNIST is loaded or in the local cache."""
        if self.data is not None:
            return True
        try:
            return bool(engine_data.is_cached())
        except Exception as exc:  # noqa: BLE001 - an unreadable cache just means "not available"
            log.warning("cannot check the MNIST cache: %s", exc)
            return False

    # -- starting and stopping ---------------------------------------------------------------------------------
    def fine_tune(
        self, request: TrainingRequest, corrections: tuple[np.ndarray, np.ndarray] | None
    ) -> TrainingRequest:
        """``request`` starting from a copy of the model in use, with the visitor's ``corrections`` mixed in.

        A model without a NumPy form (an ONNX file without its ``.npz`` twin) cannot be fine-tuned: the request
        then trains its preset network from scratch, still on the corrections.
        """
        return replace(request, start_model=self._model_copy(), corrections=corrections)

    def _model_copy(self) -> Sequential | None:
        """A copy of the model in use as a NumPy network (its ``.npz`` twin for an ONNX file), or None."""
        return numpy_model_copy(self.controller)

    def warm_up(self) -> int:
        """Start the worker processes a run will need, and decode MNIST (when cached), ahead of time.

        Not while a run goes on. Returns how many processes were started: 0 when they are running already, during
        a run, after :meth:`shutdown`, and on a machine that trains in one process
        (:func:`~convlens.engine.train.default_workers`). Returns at once; the processes import NumPy and the
        engine, and a thread decodes MNIST, in the background.
        """
        if self._job is not None or (self.pool is not None and self.pool.closed):
            return 0
        self._preload_data()
        if self.pool is None:
            workers = default_workers()
            if workers < 2:
                return 0
            self.pool = WarmPool(workers - 1)
        return self.pool.warm()

    def start(self, request: TrainingRequest, *, save: bool = True) -> bool:
        """Start a run in the worker thread (False while one is going on).

        The run takes its worker processes from the warm pool when there is one (:meth:`warm_up`).
        ``save=False`` keeps the trained model in memory only (soak tests).
        """
        if self._job is not None:
            return False
        if self.pool is not None and not self.pool.closed and request.pool is None:
            request = replace(request, pool=self.pool)
        control = TrainingControl()
        job = training_job(request, self._load_data, save=save, save_base=self.data_base, control=control)
        # No Qt parent: the thread is deleteLater()'d when it ends, and a parent deleted before that deferred
        # delete runs (a session dropped right after its run) made Qt 6.11 crash ("shared QObject was deleted
        # directly"). ``self._job`` keeps it alive meanwhile.
        thread = JobThread(job, urgent=is_urgent)
        thread.progress.connect(self._on_item)
        thread.succeeded.connect(self._on_succeeded)
        thread.failed.connect(self._on_failed)
        thread.cancelled.connect(self._on_cancelled)
        thread.ended.connect(self._on_ended)
        self._job = thread
        self.control = control
        self.phase = None
        self.request = request
        self.outcome = None
        self._preview, self._preview_arch = None, None
        self.started_at = time.monotonic()
        thread.start()
        return True

    def _load_data(self) -> engine_data.MnistData:  # runs in the worker thread (or the preload thread)
        with self._data_lock:
            if self.data is None:
                self.data = engine_data.load_mnist(allow_download=False)
            return self.data

    def _preload_data(self) -> None:
        """Decode MNIST in a thread when it is cached and not loaded yet (a run then starts on decoded data)."""
        if self.data is not None or self._preload is not None or not self.data_available():
            return

        def job(_emit: object, _cancel: threading.Event) -> None:
            self._load_data()

        thread = JobThread(job, generator=False)
        thread.failed.connect(lambda exc: log.info("MNIST not preloaded: %s", exc))  # the run reports it
        thread.ended.connect(self._on_preloaded)
        self._preload = thread
        thread.start()

    def _on_preloaded(self) -> None:
        thread, self._preload = self._preload, None
        if thread is not None:
            thread.dispose()

    def cancel(self) -> bool:
        """Stop the run within a batch or two; the model in use stays. False when nothing runs."""
        if self._job is None:
            return False
        self._job.cancel()
        return True

    # -- holding the run -------------------------------------------------------------------------------------
    def pause(self) -> bool:
        """Hold the run after the batch in progress (False when it cannot hold now)."""
        if not self.can_hold or self.control is None:
            return False
        self.control.pause()
        return True

    def resume(self) -> bool:
        """Let a held run go on (False when nothing can hold)."""
        if not self.can_hold or self.control is None:
            return False
        self.control.resume()
        return True

    def step(self) -> bool:
        """Exactly one more batch, then hold again (asked for while running: hold after the next batch)."""
        if not self.can_hold or self.control is None:
            return False
        self.control.step()
        return True

    def reset(self) -> bool:
        """Back to the weights the run started from; only while paused (False otherwise)."""
        return self.is_paused and self.control is not None and self.control.reset()

    def set_learning_rate(self, lr: float) -> bool:
        """Use ``lr`` for every later batch instead of the recipe's schedule; only while paused (False otherwise).

        Raises
        ------
        ValueError
            ``lr`` is not a positive number.
        """
        if not self.is_paused or self.control is None:
            return False
        self.control.set_learning_rate(lr)
        return True

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel a run, wait for its thread and end the warm pool's processes (before the session is destroyed)."""
        if self._job is not None:
            self._job.cancel()
            self._job.wait(timeout_ms)
        if self._preload is not None:
            self._preload.wait(timeout_ms)
        if self.pool is not None:
            self.pool.close()  # processes a run still holds end when it gives them back

    # -- events from the worker --------------------------------------------------------------------------------
    def _on_item(self, item: object) -> None:
        try:
            if isinstance(item, Snapshot):
                self._show_snapshot(item)
            elif isinstance(item, Progress):
                self.progressed.emit(item)
                if item.progress.kind in ("paused", "reset") and not self.is_cancelled:
                    self.held.emit(item)
            elif isinstance(item, Validation):
                self.validated.emit(item)
            elif isinstance(item, TimelapseFrame) and not self.is_cancelled:
                self.timelapseFrame.emit(item)
            elif isinstance(item, Phase) and not self.is_cancelled:
                self.phase = item.text
                self.phaseChanged.emit(item.text)
        except Exception:  # noqa: BLE001 - a display glitch must not kill the run
            log.exception("cannot show training progress")
        finally:
            if isinstance(item, Snapshot):
                item.shown.set()  # the worker may go on

    def _show_snapshot(self, snap: Snapshot) -> None:
        """The newest weights into the controller: filters and drawing are re-read with them."""
        if self.is_cancelled:
            return
        if self._preview is None or self._preview_arch != snap.architecture:
            self._preview = Sequential.from_config(snap.architecture)
            self._preview_arch = snap.architecture
        self._preview.set_weights(snap.weights)
        self._previewing = True
        self.controller.set_preview_model(self._preview)

    def _end_preview(self) -> None:
        """Put the model that was in use before the preview back."""
        if not self._previewing:
            return
        self._previewing = False
        try:
            self.controller.set_preview_model(None)
        except Exception:  # noqa: BLE001 - the run's outcome must still be reported
            log.exception("cannot leave the training preview")

    def _on_succeeded(self, result: object) -> None:
        if not isinstance(result, TrainingResult):
            self._on_failed(TypeError(f"unexpected training result {type(result).__name__}"))
            return
        if self.is_cancelled:  # Cancel clicked while it was saving
            self._on_cancelled()
            return
        self.result = result
        self.outcome = "done"
        self._end_preview()
        self.succeeded.emit(result, self._install(result))

    def _install(self, result: TrainingResult) -> bool:
        """Hot-swap the trained model: load the saved file, else use it from memory."""
        if result.stored is not None:
            try:
                self.controller.load_model(result.stored.path)
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
            self.controller.set_model(result.trained.model, path=None, metadata={"model_card": result.trained.card})
        except Exception as exc:  # noqa: BLE001
            self.message.emit(tr("Cannot use the new model"), tr("The new model cannot be used: {e}").format(e=exc))
            return False
        self.modelSwapped.emit(None)
        return True

    def _on_failed(self, exc: object) -> None:
        self._end_preview()
        self.outcome = "diverged" if isinstance(exc, TrainingDiverged) else "failed"
        if isinstance(exc, engine_data.DataError):
            self.data = None
        self.failed.emit(exc)

    def _on_cancelled(self) -> None:
        if self.outcome == "cancelled":
            return
        self.outcome = "cancelled"
        self._end_preview()
        self.cancelled.emit()

    def _on_ended(self) -> None:
        thread, self._job = self._job, None
        self.control = None
        if thread is not None:
            thread.dispose()
        if self.outcome is None:
            self.outcome = "failed"
        self._end_preview()
        self.finished.emit(self.outcome)

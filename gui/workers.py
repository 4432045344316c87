"""Long jobs off the GUI thread: a plain function or generator runs in a ``QThread``; the GUI gets signals.

The pattern (after Orange3's ``concurrent.py`` and superqt's ``thread_worker``): the job knows nothing of Qt.
It is either

- a **generator** ``job(cancel) -> Iterator[item]`` whose yielded items are progress reports and whose
  ``return`` value is the result, or
- a **function** ``job(emit, cancel) -> result`` that calls ``emit(item)`` to report progress
  (for engine calls that take a callback, such as ``engine.data.ensure_mnist``).

``cancel`` is a :class:`threading.Event` the job checks; :meth:`JobThread.cancel` sets it. Items are throttled
(at most one every ``min_interval`` seconds) except those for which ``urgent(item)`` is true, and the newest
throttled item is always delivered before the job's end, so a progress bar never stalls short of its last value.
The job must hand over copies of anything it keeps mutating: items cross threads by reference.

Signals of :class:`JobThread` (queued into the GUI thread)
----------------------------------------------------------
progress(object)
    A (throttled) item from the job.
succeeded(object)
    The job's result.
failed(object)
    The exception that ended the job (never re-raised: the GUI shows a message).
cancelled()
    The job stopped because :meth:`JobThread.cancel` was called (it raised :class:`Cancelled` or returned
    after the flag was set).
ended()
    Always last, after exactly one of ``succeeded``/``failed``/``cancelled``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from convlens.services.jobs import Cancelled

__all__ = ["Cancelled", "EmitFn", "JobThread", "run_generator"]

log = logging.getLogger(__name__)

EmitFn = Callable[[Any], None]
GeneratorJob = Callable[[threading.Event], Iterator[Any]]
FunctionJob = Callable[[EmitFn, threading.Event], Any]


def run_generator(gen: Iterator[Any], emit: EmitFn) -> Any:
    """Drain ``gen``, passing each item to ``emit``; return the generator's ``return`` value."""
    while True:
        try:
            item = next(gen)
        except StopIteration as stop:
            return stop.value
        emit(item)


class _Throttle:
    """Pass items to ``sink`` at most every ``min_interval`` s, urgent ones always; :meth:`flush` the last one."""

    def __init__(self, sink: EmitFn, min_interval: float, urgent: Callable[[Any], bool]) -> None:
        self._sink = sink
        self._min_interval = min_interval
        self._urgent = urgent
        self._last = -float("inf")
        self._pending: list[Any] = []

    def __call__(self, item: Any) -> None:
        now = time.monotonic()
        if self._urgent(item):
            self.flush()  # the newest held-back item first: order is kept and no stretch of a run goes unshown
            self._last = now
            self._sink(item)
        elif now - self._last >= self._min_interval:
            self._pending.clear()
            self._last = now
            self._sink(item)
        else:
            self._pending[:] = [item]

    def flush(self) -> None:
        if self._pending:
            item = self._pending.pop()
            self._sink(item)


class JobThread(QThread):
    """Run one job in its own thread (see the module docstring for the signals).

    Parameters
    ----------
    job : callable
        ``job(cancel) -> generator`` when ``generator=True`` (the default), else ``job(emit, cancel) -> result``.
    generator : bool
        Which of the two job shapes ``job`` has.
    min_interval : float
        Minimum seconds between two non-urgent ``progress`` signals (0.1 s: at most ~10 GUI updates a second).
    urgent : callable, optional
        ``urgent(item) -> bool``: items always delivered (e.g. end-of-epoch records, weight snapshots).
    parent : QObject, optional
    """

    progress = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    ended = Signal()

    def __init__(
        self,
        job: GeneratorJob | FunctionJob,
        *,
        generator: bool = True,
        min_interval: float = 0.1,
        urgent: Callable[[Any], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._job = job
        self._generator = generator
        self._min_interval = float(min_interval)
        self._urgent = urgent or (lambda item: False)
        self.cancel_event = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop (it checks the flag between steps)."""
        self.cancel_event.set()

    @property
    def is_cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def dispose(self, timeout_ms: int | None = 5000) -> None:
        """Delete this thread once ``run`` has returned (waiting up to ``timeout_ms``; None: as long as it takes).

        ``ended`` is emitted from inside ``run``, so a handler of it that deleted the thread at once could destroy
        it while it still runs, and Qt aborts the process.
        """
        if timeout_ms is None:
            self.wait()
        else:
            self.wait(timeout_ms)
        self.deleteLater()

    def run(self) -> None:  # runs in the worker thread
        throttle = _Throttle(self.progress.emit, self._min_interval, self._urgent)
        try:
            if self._generator:
                gen = self._job(self.cancel_event)  # type: ignore[call-arg, arg-type]
                result = run_generator(gen, throttle)
                if isinstance(gen, Generator):
                    gen.close()
            else:
                result = self._job(throttle, self.cancel_event)  # type: ignore[call-arg, arg-type]
            throttle.flush()
        except Cancelled:
            self.cancelled.emit()
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI, never lost
            log.warning("background job failed", exc_info=True)
            throttle.flush()
            if self.cancel_event.is_set():
                self.cancelled.emit()
            else:
                self.failed.emit(exc)
        else:
            if self.cancel_event.is_set() and result is None:
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)
        self.ended.emit()

"""A warm pool of training worker processes, started before a run needs them.

Starting a worker process (``spawn``: a fresh interpreter importing NumPy and the engine) takes half a second or
more; a pool does it ahead of time, e.g. while the app is idle, so that a run's :class:`DataParallel
<convlens.engine.parallel.DataParallel>` finds its worker processes waiting for a job and the first batch starts
at once. The run gives them back when it ends (a process that failed or died is ended instead and
:meth:`WarmPool.warm` starts a replacement). The processes are daemons: they also end with the process that
started them. Thread-safe: the app warms and closes the pool in its GUI thread, runs take from it in theirs.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Iterable

from convlens.engine.parallel import WorkerProcess

log = logging.getLogger(__name__)


class WarmPool:
    """Up to ``size`` worker processes, idle until a run takes them.

    Parameters
    ----------
    size : int
        Processes to keep (idle or lent to a run): a run with ``workers`` processes needs ``workers - 1``.
    """

    def __init__(self, size: int) -> None:
        self.size = max(0, int(size))
        self._idle: list[WorkerProcess] = []
        self._lent = 0
        self._closed = False
        self._lock = threading.Lock()
        self._started = 0

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def idle_pids(self) -> list[int]:
        """Process ids of the idle processes (started, maybe still importing)."""
        with self._lock:
            return [handle.pid for handle in self._idle if handle.pid is not None]

    @property
    def started(self) -> int:
        """How many processes this pool has started so far."""
        return self._started

    def warm(self) -> int:
        """Start processes until ``size`` are idle or lent; returns how many were started (0: already full).

        Does not wait for them to finish importing. A machine where processes cannot start leaves the pool
        empty (runs then start or skip their workers themselves).
        """
        with self._lock:
            if self._closed:
                return 0
            self._drop_dead()
            missing = self.size - len(self._idle) - self._lent
            started = 0
            try:
                ctx = multiprocessing.get_context("spawn")
                for _ in range(missing):
                    self._idle.append(WorkerProcess(ctx, f"convlens-pool-{self._started + 1}"))
                    self._started += 1
                    started += 1
            except OSError as exc:
                log.warning("cannot start warm training workers: %s", exc)
            return started

    def take(self, count: int) -> list[WorkerProcess]:
        """Up to ``count`` live idle processes for a run (fewer, or none, when the pool has fewer)."""
        with self._lock:
            if self._closed:
                return []
            self._drop_dead()
            taken, self._idle = self._idle[:count], self._idle[count:]
            self._lent += len(taken)
            return taken

    def give_back(self, handles: Iterable[WorkerProcess], taken: int) -> None:
        """A run that took ``taken`` processes ended: ``handles`` (released) are idle again.

        Processes beyond ``size``, dead ones, and every one after :meth:`close` are ended instead.
        """
        extra = []
        with self._lock:
            self._lent = max(0, self._lent - taken)
            for handle in handles:
                if self._closed or not handle.is_alive() or len(self._idle) + self._lent >= self.size:
                    extra.append(handle)
                else:
                    self._idle.append(handle)
        for handle in extra:
            handle.stop()

    def close(self) -> None:
        """End the idle processes and every lent one when its run gives it back; the pool stays empty."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for handle in idle:
            handle.stop()

    def _drop_dead(self) -> None:
        """Forget idle processes that died (killed by the OS, say); the caller holds the lock."""
        alive = []
        for handle in self._idle:
            if handle.is_alive():
                alive.append(handle)
            else:
                log.info("a warm training worker (pid %s) died; it will be replaced", handle.pid)
                handle.stop()
        self._idle = alive

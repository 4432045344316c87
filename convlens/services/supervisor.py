"""Keep the kiosk running: a small parent process restarts the kiosk window whenever it ends, except by the admin
exit.

Some ends cannot be caught inside the window's process: ``SystemExit`` raised in a Qt slot makes Python exit the
process on the spot (``PyErr_Print`` exits on ``SystemExit``), and a segmentation fault, an out-of-memory kill or
Qt aborting end it too. So ``convlens kiosk`` runs the window in a child process and :func:`supervise` starts it
again, at once the first times and with a growing pause when it keeps ending (never giving up: an exhibit must
come back). Only the admin exit ends the supervisor: the child writes its PID into the admin-exit marker file just
before it exits, and the supervisor checks that marker against the PID of the child that ended. ``SIGTERM`` or
``SIGINT`` to the supervisor (``systemctl stop``, Ctrl+C) is passed to the child and ends both.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from convlens.engine.atomic import atomic_write_bytes

__all__ = ["QUICK_RESTARTS", "admin_exit_marker", "mark_admin_exit", "supervise"]

log = logging.getLogger(__name__)

QUICK_RESTARTS = 5
"""Restarts within :data:`QUICK_WINDOW_S` that happen at once; beyond that the pause doubles up to
:data:`MAX_PAUSE_S`."""
QUICK_WINDOW_S = 60.0
MAX_PAUSE_S = 60.0
CANNOT_START = frozenset({2, 3})
"""Exit statuses that restarting cannot fix: 2, a usage error or an unusable model named on the command line;
3, a missing system library. The supervisor stops with that status (the child already said why)."""


def admin_exit_marker() -> Path:
    """``<user data dir>/kiosk-admin-exit`` (follows ``CONVLENS_DATA_DIR``)."""
    from convlens.services.model_store import user_data_dir

    return user_data_dir() / "kiosk-admin-exit"


def mark_admin_exit(marker: Path | None = None) -> None:
    """Called by the kiosk window's process when the admin exit was used: the supervisor then stops."""
    with contextlib.suppress(OSError):
        atomic_write_bytes(marker or admin_exit_marker(), str(os.getpid()).encode("ascii"))


def _was_admin_exit(marker: Path, pid: int) -> bool:
    try:
        return marker.read_text(encoding="ascii").strip() == str(pid)
    except (OSError, UnicodeDecodeError):
        return False


def supervise(
    command: Sequence[str],
    marker: Path | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    max_runs: int | None = None,
) -> int:
    """Run ``command`` again and again until it ends by the admin exit; return 0 then.

    Parameters
    ----------
    command : sequence of str
        The kiosk window's command line (``python -m convlens kiosk --no-supervisor ...``).
    marker : Path, optional
        The admin-exit marker (default :func:`admin_exit_marker`).
    sleep, clock : callable
        Time functions (tests pass fakes).
    max_runs : int, optional
        Stop after this many runs (tests); returns the last exit status then.

    Returns
    -------
    int
        0 after the admin exit; the child's status when stopped by a signal or ``max_runs``.
    """
    marker = marker or admin_exit_marker()
    child: subprocess.Popen[bytes] | None = None
    stopping: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    recent: list[float] = []
    runs, status, pause = 0, 0, 1.0
    try:
        while True:
            with contextlib.suppress(OSError):
                marker.unlink()
            child = subprocess.Popen(list(command))
            status = child.wait()
            runs += 1
            if _was_admin_exit(marker, child.pid):
                log.warning("kiosk: admin exit; the supervisor stops")
                with contextlib.suppress(OSError):
                    marker.unlink()
                return 0
            if stopping:
                return status
            if status in CANNOT_START:
                log.error("kiosk window cannot start (status %s); not restarting", status)
                return status
            if max_runs is not None and runs >= max_runs:
                return status
            now = clock()
            recent = [t for t in recent if now - t < QUICK_WINDOW_S] + [now]
            log.error("kiosk window ended with status %s (not by the admin exit); restarting", status)
            if len(recent) > QUICK_RESTARTS:
                sleep(pause)
                pause = min(MAX_PAUSE_S, pause * 2)
            else:
                pause = 1.0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

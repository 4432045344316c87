"""Unattended operation: log every failure to a rotating file and reset the window instead of dying.

:class:`CrashGuard` installs

* ``sys.excepthook`` (PySide6 routes exceptions raised in slots and Qt overrides there too) and
  ``threading.excepthook`` (worker threads): the traceback is logged and a *reset* is scheduled on the
  GUI thread (a queued signal, so it also works from a worker thread); no dialog ever opens;
* Qt's message handler: ``qWarning``/``qCritical`` output goes to the same log;
* a :class:`logging.handlers.RotatingFileHandler` on the root logger (default
  ``platformdirs.user_data_dir("convlens")/logs/kiosk.log``, or ``$CONVLENS_DATA_DIR/logs``, 1 MB x 5
  files), so every module's log records end up in the file too.

Resets are throttled (at most one per ``min_reset_interval_s``) and a failing reset is only logged, so
an exception raised by the reset itself cannot loop.  :meth:`CrashGuard.uninstall` restores all hooks.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QMessageLogContext, QObject, Qt, QTimer, QtMsgType, Signal, qInstallMessageHandler

__all__ = ["LOG_FILE_NAME", "CrashGuard", "default_log_dir"]

log = logging.getLogger(__name__)
qt_log = logging.getLogger("qt")

LOG_FILE_NAME = "kiosk.log"
_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


DATA_DIR_ENV = "CONVLENS_DATA_DIR"
"""Overrides the user data directory (the same variable as ``convlens.services.model_store``)."""


def default_log_dir() -> Path:
    """``$CONVLENS_DATA_DIR/logs`` if set, else ``platformdirs.user_data_dir("convlens")/logs``."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override) / "logs"
    from platformdirs import user_data_dir

    return Path(user_data_dir("convlens")) / "logs"


class CrashGuard(QObject):
    """Catch, log and recover; see the module docstring.

    Parameters
    ----------
    reset : callable
        Brings the window back to a clean state; called on the GUI thread after a failure.
    log_dir : Path, optional
        Directory of the rotating log; default :func:`default_log_dir`.
    max_bytes, backup_count : int
        Rotation: the log is cut at ``max_bytes`` and ``backup_count`` old files are kept.
    min_reset_interval_s : float
        At most one reset per this many seconds (a burst of errors gives one reset).
    parent : QObject, optional

    Signals
    -------
    crashed(str)
        After an unhandled exception was logged: ``"ExcType: message"``.
    resetDone()
        After a reset ran.
    """

    crashed = Signal(str)
    resetDone = Signal()
    _resetRequested = Signal()

    def __init__(
        self,
        reset: Callable[[], None],
        log_dir: str | Path | None = None,
        max_bytes: int = 1_000_000,
        backup_count: int = 5,
        min_reset_interval_s: float = 1.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("kioskCrashGuard")
        self._reset = reset
        self.log_dir = Path(log_dir) if log_dir is not None else default_log_dir()
        self._max_bytes = int(max_bytes)
        self._backup_count = int(backup_count)
        self._min_interval = float(min_reset_interval_s)
        self.exception_count = 0
        self.reset_count = 0
        self._handler: logging.Handler | None = None
        self._root_level: int | None = None
        self._prev_excepthook: Any = None
        self._prev_thread_hook: Any = None
        self._prev_qt_handler: Any = None
        self._installed = False
        self._resetting = False
        self._last_reset = -1e9
        self._timer = QTimer(self)
        self._timer.setObjectName("kioskResetTimer")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run_reset)
        self._resetRequested.connect(self._schedule_reset, Qt.ConnectionType.QueuedConnection)

    @property
    def log_path(self) -> Path:
        """The current log file."""
        return self.log_dir / LOG_FILE_NAME

    @property
    def installed(self) -> bool:
        """Whether the hooks are in place."""
        return self._installed

    def install(self) -> None:
        """Open the rotating log and install the exception hooks and Qt message handler."""
        if self._installed:
            return
        root = logging.getLogger()
        try:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            handler: logging.Handler | None = logging.handlers.RotatingFileHandler(
                self.log_path, maxBytes=self._max_bytes, backupCount=self._backup_count, encoding="utf-8"
            )
        except OSError as exc:  # a read-only or full disk must not stop the kiosk: it logs to stderr only then
            handler = None
            log.error("kiosk log folder %s is not writable (%s); logging to stderr only", self.log_dir, exc)
        if handler is not None:
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            handler.setLevel(logging.INFO)
            root.addHandler(handler)
        if root.level > logging.INFO or root.level == logging.NOTSET:
            self._root_level = root.level
            root.setLevel(logging.INFO)
        self._handler = handler
        self._prev_excepthook = sys.excepthook
        sys.excepthook = self._excepthook
        self._prev_thread_hook = threading.excepthook
        threading.excepthook = self._thread_excepthook
        self._prev_qt_handler = qInstallMessageHandler(self._qt_message)
        self._installed = True
        log.info("kiosk crash guard active; log file %s", self.log_path)

    def uninstall(self) -> None:
        """Restore the previous hooks and close the log file.

        Safe to call after the Qt side of this object was deleted (e.g. from the window's ``destroyed``
        signal): only Python state and Qt's global message handler are touched then.
        """
        if not self._installed:
            return
        try:
            self._timer.stop()
        except RuntimeError:  # the C++ object is gone with its window
            pass
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._prev_excepthook
        if threading.excepthook == self._thread_excepthook:
            threading.excepthook = self._prev_thread_hook
        qInstallMessageHandler(self._prev_qt_handler)
        root = logging.getLogger()
        if self._handler is not None:
            root.removeHandler(self._handler)
            self._handler.close()
            self._handler = None
        if self._root_level is not None:
            root.setLevel(self._root_level)
            self._root_level = None
        self._installed = False

    # -- hooks ----------------------------------------------------------------------------------------------
    def _excepthook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            (self._prev_excepthook or sys.__excepthook__)(exc_type, exc, tb)
            return
        self.exception_count += 1
        where = " during the reset" if self._resetting else ""
        log.error("unhandled exception%s (#%d)", where, self.exception_count, exc_info=(exc_type, exc, tb))
        print(f"convlens kiosk: {exc_type.__name__}: {exc} (details in {self.log_path})", file=sys.stderr)
        self.crashed.emit(f"{exc_type.__name__}: {exc}")
        if not self._resetting:
            self._resetRequested.emit()

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        self.exception_count += 1
        name = args.thread.name if args.thread is not None else "?"
        log.error(
            "unhandled exception in thread %s (#%d)",
            name,
            self.exception_count,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
        )
        self._resetRequested.emit()

    def _qt_message(self, mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        where = f" ({context.file}:{context.line})" if context.file else ""
        qt_log.log(_QT_LEVELS.get(mode, logging.WARNING), "%s%s", message, where)

    # -- reset ----------------------------------------------------------------------------------------------
    def _schedule_reset(self) -> None:
        if self._timer.isActive():
            return
        wait = max(0.0, self._min_interval - (time.monotonic() - self._last_reset))
        self._timer.start(int(wait * 1000))

    def request_reset(self) -> None:
        """Schedule a reset as if something had failed (thread-safe)."""
        self._resetRequested.emit()

    def _run_reset(self) -> None:
        self._resetting = True
        self._last_reset = time.monotonic()
        try:
            self._reset()
        except Exception:  # noqa: BLE001 - a broken reset must not take the kiosk down
            self.exception_count += 1
            log.exception("the kiosk reset itself failed")
        else:
            self.reset_count += 1
            log.warning("window reset to a clean state after an error (reset #%d)", self.reset_count)
        finally:
            self._resetting = False
        self.resetDone.emit()

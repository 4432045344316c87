"""Training data: whether MNIST is on this computer, and its download (progress, SHA-256 check) in a worker."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from convlens.engine import data as engine_data
from convlens.gui.training.run_status import first_line
from convlens.gui.workers import Cancelled, EmitFn, JobThread

__all__ = ["DataBox"]


def tr(text: str) -> str:
    return QCoreApplication.translate("Training", text)


def _download_job(emit: EmitFn, cancel: threading.Event) -> Path:  # runs in the worker thread
    def progress(what: str, done: int, total: int | None) -> None:
        if cancel.is_set():
            raise Cancelled
        emit((what, done, total))

    return engine_data.ensure_mnist(progress=progress)


class DataBox(QGroupBox):
    """"Training data": a status line, "Download MNIST" and the download's progress bar.

    Attributes
    ----------
    available : bool
        MNIST is loaded or cached (as last told to :meth:`show_state`).
    allowed : bool
        Training is allowed here.
    failed : bool
        The last download failed (no network?).

    Signals
    -------
    changed()
        A download started, or finished, failed or was cancelled: time to check the data again.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Training data"), parent)
        self.setObjectName("dataBox")
        self.available = False
        self.allowed = True
        self.failed = False
        self._download: JobThread | None = None
        layout = QVBoxLayout(self)
        self.dataStatus = QLabel()
        self.dataStatus.setObjectName("dataStatus")
        self.dataStatus.setWordWrap(True)
        layout.addWidget(self.dataStatus)
        row = QHBoxLayout()
        self.downloadButton = QPushButton(tr("Download MNIST (about 11 MB)"))
        self.downloadButton.setObjectName("downloadButton")
        self.downloadButton.clicked.connect(self.start_download)
        row.addWidget(self.downloadButton)
        self.downloadProgress = QProgressBar()
        self.downloadProgress.setObjectName("downloadProgress")
        self.downloadProgress.setVisible(False)
        row.addWidget(self.downloadProgress, 1)
        layout.addLayout(row)

    @property
    def is_downloading(self) -> bool:
        return self._download is not None

    def show_state(self, available: bool, allowed: bool) -> None:
        """Shown only while training is allowed and MNIST is missing (or downloading)."""
        self.available, self.allowed = available, allowed
        self.setVisible(allowed and (not available or self.is_downloading))
        self.downloadButton.setEnabled(allowed and not self.is_downloading)
        if not available and not self.is_downloading and not self.failed:
            self.dataStatus.setText(
                tr(
                    "MNIST (the 70,000 digits the network learns from) is not on this computer yet. "
                    "Download it to train; the shipped model keeps working without it."
                )
            )

    def blocked_reason(self) -> str | None:
        """Why training cannot start for want of data or permission (None when it can)."""
        if not self.allowed:
            return tr("Training is switched off here. The shipped model keeps working.")
        if self.is_downloading:
            return tr("Downloading MNIST…")
        if not self.available:
            if self.failed:
                return tr("Training needs MNIST, and the download failed (no network?). "
                          "The shipped model keeps working.")
            return tr("Training needs MNIST: download it first (needs the internet).")
        return None

    def start_download(self) -> bool:
        """Download and verify MNIST in a worker thread; False if a download is already running."""
        if self._download is not None:
            return False
        thread = JobThread(_download_job, generator=False)  # no Qt parent: see TrainingSession.start
        thread.progress.connect(self._on_progress)
        thread.succeeded.connect(self._on_done)
        thread.failed.connect(self._on_failed)
        thread.ended.connect(self._on_ended)
        self._download = thread
        self.failed = False
        self.dataStatus.setText(tr("Downloading MNIST and checking it…"))
        self.downloadProgress.setVisible(True)
        self.downloadProgress.setRange(0, 0)
        thread.start()
        self.changed.emit()
        return True

    def _on_progress(self, item: tuple[str, int, int | None]) -> None:
        what, done, total = item
        if total:
            self.downloadProgress.setRange(0, 1000)
            self.downloadProgress.setValue(int(1000 * done / total))
        else:
            self.downloadProgress.setRange(0, 0)
        self.downloadProgress.setFormat(f"{what}: {done / 1e6:.1f} MB")

    def _on_done(self, _path: object) -> None:
        self.dataStatus.setText(tr("MNIST downloaded and verified."))

    def _on_failed(self, exc: object) -> None:
        self.failed = True
        self.dataStatus.setText(
            tr("Could not download MNIST: {e}. Training needs it; the shipped model keeps working.").format(
                e=first_line(exc)
            )
        )
        self.dataStatus.setToolTip(str(exc))

    def _on_ended(self) -> None:
        thread, self._download = self._download, None
        if thread is not None:
            thread.dispose()
        self.downloadProgress.setVisible(False)
        self.changed.emit()

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel a running download and wait for its thread."""
        if self._download is not None:
            self._download.cancel()
            self._download.wait(timeout_ms)

"""The training tab's time-lapse: replay how the filters formed, and export it as a GIF or a strip.

:class:`TimelapseBox` (objectName ``timelapseBox``) receives the run's
:class:`~convlens.services.timelapse.TimelapseFrame` events from the session (through the worker's progress signal,
never by polling the training) and keeps them in a :class:`~convlens.services.timelapse.TimelapseRecorder`, thinned
like the run's own. The slider (``timelapseSlider``) picks a frame, the play button (``timelapsePlay``) replays
them, the view (``timelapseView``) shows the frame drawn by :func:`~convlens.services.timelapse.render_frame`.
While a run goes on and the slider is at the newest frame, it follows the new frames. "Export GIF…"
(``timelapseExportGif``) and "Export strip…" (``timelapseExportStrip``) write the files through the exports' save
dialog; they are hidden in a kiosk unless its config allows exports.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from convlens.gui.export.menus import ask_save_path
from convlens.services.timelapse import (
    DEFAULT_MAX_FRAMES,
    TimelapseFrame,
    TimelapseRecorder,
    render_frame,
    write_gif,
    write_strip,
)

__all__ = ["PLAY_INTERVAL_MS", "TimelapseBox"]

log = logging.getLogger(__name__)

PLAY_INTERVAL_MS = 120
"""Time between two frames while playing."""
SCALE = 2
"""The rendered frame is shown this many times enlarged (nearest neighbour: crisp weights)."""


def tr(text: str) -> str:
    return QCoreApplication.translate("Timelapse", text)


class TimelapseBox(QGroupBox):
    """Slider, play button, view and exports of the time-lapse (see the module docstring).

    Parameters
    ----------
    allow_export : bool
        Show the export buttons.
    parent : QWidget, optional

    Signals
    -------
    message(str, str)
        ``(title, text)`` of a failed export.
    exported(object)
        The path just written.
    """

    message = Signal(str, str)
    exported = Signal(object)

    def __init__(self, allow_export: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(tr("Time-lapse: the filters forming"), parent)
        self.setObjectName("timelapseBox")
        self.recorder = TimelapseRecorder(1, DEFAULT_MAX_FRAMES)
        self.allow_export = bool(allow_export)
        self.view = QLabel(tr("Train the network to watch its filters form, frame by frame."))
        self.view.setObjectName("timelapseView")
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view.setWordWrap(True)
        self.view.setMinimumHeight(80)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timelapseSlider")
        self.slider.setRange(0, 0)
        self.slider.setToolTip(tr("Drag to see the filters at any moment of the training"))
        self.playButton = QPushButton(tr("Play"))
        self.playButton.setObjectName("timelapsePlay")
        self.playButton.setCheckable(True)
        self.caption = QLabel()
        self.caption.setObjectName("timelapseCaption")
        self.exportGifButton = QPushButton(tr("Export GIF…"))
        self.exportGifButton.setObjectName("timelapseExportGif")
        self.exportStripButton = QPushButton(tr("Export strip…"))
        self.exportStripButton.setObjectName("timelapseExportStrip")
        for button in (self.exportGifButton, self.exportStripButton):
            button.setVisible(self.allow_export)
        self.timer = QTimer(self)
        self.timer.setObjectName("timelapseTimer")
        self.timer.setInterval(PLAY_INTERVAL_MS)

        controls = QHBoxLayout()
        controls.addWidget(self.playButton)
        controls.addWidget(self.slider, 1)
        exports = QHBoxLayout()
        exports.addWidget(self.caption, 1)
        exports.addWidget(self.exportGifButton)
        exports.addWidget(self.exportStripButton)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addLayout(controls)
        layout.addLayout(exports)

        self.slider.valueChanged.connect(self._show)
        self.playButton.toggled.connect(self._on_play_toggled)
        self.timer.timeout.connect(self._advance)
        self.exportGifButton.clicked.connect(self.export_gif_dialog)
        self.exportStripButton.clicked.connect(self.export_strip_dialog)
        self._update_enabled()

    # -- frames ---------------------------------------------------------------------------------------------------
    @property
    def frames(self) -> list[TimelapseFrame]:
        return self.recorder.frames

    def clear(self, max_frames: int = DEFAULT_MAX_FRAMES) -> None:
        """Forget the frames (a new run starts); keep at most ``max_frames`` of the next run's."""
        self.playButton.setChecked(False)
        self.recorder = TimelapseRecorder(1, max(int(max_frames), 2))
        self.slider.blockSignals(True)
        self.slider.setRange(0, 0)
        self.slider.blockSignals(False)
        self.caption.clear()
        self._update_enabled()

    def add_frame(self, frame: object) -> None:
        """A new frame from the run; the view follows it when the slider was at the newest frame."""
        if not isinstance(frame, TimelapseFrame):
            return
        following = not self.frames or self.slider.value() >= len(self.frames) - 1
        old_step = self.frames[self.slider.value()].step if self.frames else None
        self.recorder.add(frame)
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(self.frames) - 1)
        if following:
            self.slider.setValue(len(self.frames) - 1)
        elif old_step is not None:  # thinning moved the frame being looked at: stay at (about) the same step
            nearest = min(range(len(self.frames)), key=lambda i: abs(self.frames[i].step - old_step))
            self.slider.setValue(nearest)
        self.slider.blockSignals(False)
        self._update_enabled()
        if following or self.view.pixmap().isNull():
            self._show(self.slider.value())

    def _show(self, index: int) -> None:
        if not 0 <= index < len(self.frames):
            return
        frame = self.frames[index]
        try:
            picture = render_frame(frame)
        except Exception:  # noqa: BLE001 - a frame that cannot be drawn must not take the tab down
            log.exception("cannot draw time-lapse frame %d", index)
            return
        h, w = picture.shape[:2]
        image = QImage(picture.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        pixmap = QPixmap.fromImage(image).scaled(
            w * SCALE, h * SCALE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
        )
        self.view.setPixmap(pixmap)
        self.caption.setText(
            tr("Frame {n} of {count}: step {step} of {total} (epoch {epoch})").format(
                n=index + 1, count=len(self.frames), step=frame.step, total=frame.total_steps,
                epoch=f"{frame.epoch:.2f}",
            )
        )

    def _update_enabled(self) -> None:
        has = bool(self.frames)
        self.slider.setEnabled(len(self.frames) > 1)
        self.playButton.setEnabled(len(self.frames) > 1)
        self.exportGifButton.setEnabled(has)
        self.exportStripButton.setEnabled(has)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        """A language switch: the computed caption and the play button's state text in the new language."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.playButton.setText(tr("Pause") if self.playButton.isChecked() else tr("Play"))
            if self.frames:
                self._show(self.slider.value())

    # -- playing --------------------------------------------------------------------------------------------------
    def _on_play_toggled(self, playing: bool) -> None:
        self.playButton.setText(tr("Pause") if playing else tr("Play"))
        if playing:
            if self.slider.value() >= len(self.frames) - 1:
                self.slider.setValue(0)
            self.timer.start()
        else:
            self.timer.stop()

    def _advance(self) -> None:
        if self.slider.value() >= len(self.frames) - 1:
            self.playButton.setChecked(False)
            return
        self.slider.setValue(self.slider.value() + 1)

    # -- exports --------------------------------------------------------------------------------------------------
    def export_gif_dialog(self) -> bool:
        path = ask_save_path(self, tr("Export time-lapse GIF"), "timelapse.gif", tr("GIF animation (*.gif)"))
        return path is not None and self.export_gif(path)

    def export_strip_dialog(self) -> bool:
        path = ask_save_path(self, tr("Export time-lapse strip"), "timelapse_strip.png", tr("PNG picture (*.png)"))
        return path is not None and self.export_strip(path)

    def export_gif(self, path: str | Path) -> bool:
        """Write the animated GIF (one frame per snapshot) to ``path``; a failure becomes a message."""
        return self._export(path, write_gif)

    def export_strip(self, path: str | Path) -> bool:
        """Write every frame side by side (rows of ten) as a PNG to ``path``; a failure becomes a message."""
        return self._export(path, write_strip)

    def _export(self, path: str | Path, write: Callable[[Sequence[TimelapseFrame], Path], Path]) -> bool:
        if not self.frames:
            return False
        try:
            write(list(self.frames), Path(path))
        except (OSError, ValueError) as exc:
            self.message.emit(tr("Export failed"), tr("Cannot write {path}: {error}").format(path=path, error=exc))
            return False
        self.exported.emit(Path(path))
        return True

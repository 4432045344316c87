"""gui.app: the event-loop entry point, the crash handler and the screenshot helper."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

import convlens.gui.app
import convlens.gui.controller
from convlens.gui.window import ExplorerWindow


def _close_explorers() -> list[ExplorerWindow]:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, ExplorerWindow) and w.isVisible()]
    for w in found:
        w.close()
        w.deleteLater()
    return found


_RUN_CHILD = """
import sys
import convlens.gui.app
make = convlens.gui.app._make_application

def make_and_schedule_exit():
    app = make()
    from PySide6.QtCore import QTimer

    def stop():
        shown = [w for w in app.topLevelWidgets() if w.objectName() == "mainWindow" and w.isVisible()]
        w = shown[0]
        print("WINDOWS", len(shown), w.kiosk, w.config_path.name, sys.excepthook is not sys.__excepthook__,
              w.kioskController is not None, flush=True)
        app.exit(3)

    QTimer.singleShot(300, stop)
    return app

convlens.gui.app._make_application = make_and_schedule_exit
sys.exit(convlens.gui.app.run(kiosk=True, config_path="kiosk.toml"))
"""


def test_run_shows_the_window_and_returns_the_exit_code(tmp_path: Path) -> None:
    # In a fresh process: exec() and exit() of the shared test QApplication would disturb later tests.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", _RUN_CHILD], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "WINDOWS 1 True kiosk.toml True True" in proc.stdout


def test_run_reports_an_unusable_model_instead_of_a_traceback(qtbot: QtBot, monkeypatch, tmp_path) -> None:
    shown: list[str] = []
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args[2]))
    assert convlens.gui.app.run(model_path=tmp_path / "missing.onnx") == 2
    assert len(shown) == 1 and "missing.onnx" in shown[0]


def test_crash_handler_logs_and_shows_a_message(qtbot: QtBot, monkeypatch, caplog) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args[2]))
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        convlens.gui.app._excepthook(type(exc), exc, exc.__traceback__)
    assert len(shown) == 1 and "RuntimeError: boom" in shown[0]
    assert "uncaught exception" in caplog.text


def test_a_broken_shipped_model_falls_back_instead_of_refusing_to_start(qtbot: QtBot, monkeypatch, tmp_path) -> None:
    from convlens.engine.model import Sequential
    from convlens.engine.presets import PRESETS

    (tmp_path / "default.onnx").write_bytes(b"garbage")
    Sequential.from_config(PRESETS["small"]).save(tmp_path / "default.npz")
    monkeypatch.setattr(convlens.gui.controller, "MODELS_DIR", tmp_path)
    window = convlens.gui.app.create_window()
    qtbot.addWidget(window)
    info = window.controller.current_model_info()
    assert info.path == tmp_path / "default.npz" and info.backend == "numpy"
    assert "default.onnx" in window.statusBar().currentMessage()


def test_save_screenshot_writes_the_window_with_a_digit(qtbot: QtBot, tmp_path) -> None:
    out = convlens.gui.app.save_screenshot(tmp_path / "shot.png", digit=1, size=(1100, 720))
    image = np.asarray(Image.open(out).convert("RGB"))
    assert image.shape[:2] == (720, 1100)
    assert (image.min(axis=2) > 240).sum() > 2000  # the white ink of the drawn 1 (plus a little text)
    _close_explorers()


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_screenshot_background_follows_the_theme(qtbot: QtBot, tmp_path, theme: str) -> None:
    out = convlens.gui.app.save_screenshot(
        tmp_path / f"{theme}.png", digit=0, size=(1000, 700), theme=theme, select=None
    )
    corner = np.asarray(Image.open(out).convert("L"))[-5:, :5].mean()  # status bar corner
    assert (corner < 80) if theme == "dark" else (corner > 180)

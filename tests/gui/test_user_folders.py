"""Tests never touch the real user's folders: the window and File > Open write into the session's private home.

``tests/conftest.py`` moves ``HOME``, the XDG folders, ``CONVLENS_DATA_DIR`` and QSettings into a temporary folder
for the whole session and keeps the real locations (``real_user_paths``) it captured before. This test creates the
explorer, opens the real File > Open dialog (Qt's own widget dialog writes ``QtProject.conf``) and opens a model
through it (``lastModelDir`` is saved), then checks that every real ConvLens folder is exactly as before.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from convlens.gui.app import create_window
from convlens.resources import default_model_path

Listing = dict[str, object]


def _listing(paths: tuple[Path, ...]) -> Listing:
    """Every file and folder under ``paths`` with its size and mtime (``None`` for a path that does not exist)."""
    out: Listing = {}
    for root in paths:
        if not root.exists():
            out[str(root)] = None
            continue
        entries = [root, *sorted(root.rglob("*"))] if root.is_dir() else [root]
        for entry in entries:
            st = entry.lstat()
            out[str(entry)] = (entry.is_dir(), st.st_size, st.st_mtime_ns)
    return out


def test_window_and_open_dialog_leave_the_real_user_folders_alone(
    qtbot: QtBot,
    tmp_path: Path,
    private_home: Path,
    real_user_paths: tuple[Path, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = _listing(real_user_paths)

    window = create_window()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    # The real dialog, closed by a timer: Qt's widget-based file dialog saves its history in QtProject.conf.
    def close_dialogs() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QFileDialog) and widget.isVisible():
                widget.reject()

    timer = QTimer()
    timer.timeout.connect(close_dialogs)
    timer.start(50)
    window.open_model_dialog()  # offscreen there is no native dialog: this is a QFileDialog
    timer.stop()

    # Now pick a model through the dialog: the window remembers its folder in QSettings (lastModelDir).
    model = tmp_path / "picked" / default_model_path().name
    model.parent.mkdir()
    shutil.copyfile(default_model_path(), model)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(model), ""))
    window.open_model_dialog()
    window.close()

    settings = QSettings("ConvLens", "ConvLens")
    settings.sync()
    assert settings.value("lastModelDir") == str(model.parent)
    assert Path(settings.fileName()).is_relative_to(private_home), settings.fileName()
    assert Path(settings.fileName()).is_file()
    assert (private_home / ".config" / "QtProject.conf").is_file()
    assert _listing(real_user_paths) == before


"""Exports in kiosk mode: out of reach by default (menus, right-click, save dialogs); with ``allow_export = true``
an "Export…" button on the toolbar and only the exports' save dialogs stay open."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QToolButton
from pytestqt.qtbot import QtBot

from convlens.gui import app as app_module
from convlens.gui.export import menus
from convlens.gui.kiosk import KioskConfig, hash_pin, load_config, setup_kiosk
from convlens.gui.kiosk.controller import EXPORT_ACTIONS, EXPORT_DIALOG, KioskController
from convlens.gui.render import SAMPLE_STROKES

PIN_HASH = hash_pin("2468", iterations=1000)
Factory = Callable[..., tuple[Any, KioskController]]


@pytest.fixture
def make_kiosk(qtbot: QtBot, tmp_path: Path) -> Iterator[Factory]:
    made: list[KioskController] = []

    def make(**overrides: Any) -> tuple[Any, KioskController]:
        settings = {"idle_timeout_s": 60.0, "hide_cursor": "never", "pin_hash": PIN_HASH, "attract_loop": False,
                    **overrides}
        window = app_module.create_window(kiosk=True, install_extras=False)
        controller = setup_kiosk(window, config=KioskConfig(**settings), log_dir=tmp_path / "logs")
        made.append(controller)
        qtbot.addWidget(window, before_close_func=lambda w: controller.shutdown())
        window.show()
        qtbot.waitExposed(window)
        return window, controller

    yield make
    for controller in made:
        controller.shutdown()


def export_actions(window: Any) -> list[QAction]:
    return sorted((a for a in window.findChildren(QAction) if a.objectName() in EXPORT_ACTIONS),
                  key=lambda a: a.objectName())


def right_click_opens_a_menu(window: Any, monkeypatch: pytest.MonkeyPatch) -> bool:
    opened: list[str] = []
    original = window.exports.context_menu

    def spy(key: str) -> Any:
        opened.append(key)
        menu = original(key)
        QTimer.singleShot(0, menu.close)
        return menu

    monkeypatch.setattr(window.exports, "context_menu", spy)
    target = window.probabilitiesPanel
    QApplication.sendEvent(target, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5),
                                                     target.mapToGlobal(QPoint(5, 5))))
    QApplication.processEvents()
    return bool(opened)


def open_dialog(window: Any, name: str, qtbot: QtBot) -> bool:
    """Whether a file dialog named ``name`` is still open a moment after it appeared."""
    dialog = QFileDialog(window, "Save")
    dialog.setObjectName(name)
    dialog.show()
    qtbot.wait(50)
    still_open = dialog.isVisible()
    dialog.reject()
    dialog.deleteLater()
    return still_open


def test_by_default_exports_are_out_of_reach(make_kiosk: Factory, qtbot: QtBot,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    window, controller = make_kiosk()
    assert controller.config.allow_export is False
    assert [a.objectName() for a in export_actions(window)] == sorted(EXPORT_ACTIONS)
    assert not any(a.isEnabled() for a in export_actions(window))
    assert not window.menuBar().isVisible()
    assert window.findChild(QToolButton, "kioskExportButton") is None
    assert not right_click_opens_a_menu(window, monkeypatch)
    assert not open_dialog(window, EXPORT_DIALOG, qtbot)


def test_allowed_exports_get_a_button_and_their_save_dialogs(make_kiosk: Factory, qtbot: QtBot, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    window, _ = make_kiosk(allow_export=True)
    button = window.findChild(QToolButton, "kioskExportButton")
    assert button is not None and button.isVisible() and window.toolBar.isVisible()
    assert button.text() == "Export…" and button.height() >= 48
    assert [a.objectName() for a in button.menu().actions()] == ["exportFigureAction", "exportLessonAction"]
    assert all(a.isEnabled() for a in export_actions(window))
    assert EXPORT_DIALOG == menus.EXPORT_DIALOG_NAME
    assert open_dialog(window, EXPORT_DIALOG, qtbot)  # the exports' save dialog stays open
    assert not open_dialog(window, "someOtherDialog", qtbot)  # any other file dialog is still closed at once
    window.canvas.draw_strokes_programmatically(SAMPLE_STROKES[2])
    window.canvas.flush()
    QApplication.processEvents()
    monkeypatch.setattr(menus, "ask_save_path", lambda *args: tmp_path / "visitor.pdf")
    button.menu().actions()[1].trigger()
    assert (tmp_path / "visitor.pdf").read_bytes().startswith(b"%PDF-")


def test_the_export_button_speaks_the_kiosk_s_language(make_kiosk: Factory) -> None:
    window, _ = make_kiosk(allow_export=True, language="de")
    button = window.findChild(QToolButton, "kioskExportButton")
    assert button.text() == "Exportieren…"
    assert [a.text() for a in button.menu().actions()] == ["&Abbildung exportieren…", "&Lektion exportieren…"]


def test_the_config_key(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("allow_export = true\n")
    loaded = load_config(path)
    assert loaded.errors == () and loaded.config.allow_export is True
    path.write_text('allow_export = "yes please"\n')
    loaded = load_config(path)
    assert loaded.config.allow_export is False and "allow_export" in loaded.errors[0]
    assert KioskConfig().allow_export is False

"""The kiosk never vanishes: hidden, minimised or covered, it is back on screen, full-screen and active by itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from convlens.gui import app as app_module
from convlens.gui.kiosk import KioskConfig, hash_pin, setup_kiosk
from convlens.gui.kiosk.controller import KioskController

Kiosk = tuple[Any, KioskController]


@pytest.fixture
def kiosk(qtbot: QtBot, tmp_path: Path) -> Iterator[Callable[..., Kiosk]]:
    """``kiosk(**config) -> (window, controller)``: a shown, active kiosk window; shut down after the test."""
    made: list[KioskController] = []

    def make(**overrides: Any) -> Kiosk:
        settings = {"idle_timeout_s": 60.0, "hide_cursor": "never", "pin_hash": hash_pin("1357", iterations=1000)}
        window = app_module.create_window(kiosk=True, install_extras=False)
        controller = setup_kiosk(
            window,
            config=KioskConfig(**{**settings, **overrides}),
            log_dir=tmp_path / "logs",
            attract_options={"tick_ms": 1, "points_per_tick": 25, "hold_ms": 30, "seed": 1},
        )
        made.append(controller)
        qtbot.addWidget(window, before_close_func=lambda w: controller.shutdown())
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        return window, controller

    yield make
    for controller in made:
        controller.shutdown()


def back_on_screen(window: Any) -> bool:
    """Visible, not minimised, full-screen and active (or, after a hide, holding the platform's focus: the offscreen
    platform does not announce the activation of a window that had the focus before it was hidden)."""
    state = window.windowState()
    return (
        window.isVisible()
        and not state & Qt.WindowState.WindowMinimized
        and bool(state & Qt.WindowState.WindowFullScreen)
        and (window.isActiveWindow() or QGuiApplication.focusWindow() is window.windowHandle())
    )


class StateLog(QObject):
    """Records every window state the window went through (the platform delivers them asynchronously)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__()
        self.states: list[Qt.WindowState] = []
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self._window and event.type() == QEvent.Type.WindowStateChange:
            self.states.append(self._window.windowState())
        return False

    def was_minimised(self) -> bool:
        return any(state & Qt.WindowState.WindowMinimized for state in self.states)


def test_minimised_by_the_window_manager_it_comes_back(kiosk: Callable[..., Kiosk], qtbot: QtBot) -> None:
    window, _ = kiosk()
    log = StateLog(window)
    # "show desktop" (Super+D): the window manager minimises the platform window (a spontaneous state change)
    window.windowHandle().setWindowState(Qt.WindowState.WindowMinimized)
    qtbot.waitUntil(lambda: log.was_minimised() and back_on_screen(window), timeout=2000)


def test_minimised_or_hidden_by_the_program_it_comes_back(kiosk: Callable[..., Kiosk], qtbot: QtBot) -> None:
    window, _ = kiosk()
    window.showMinimized()
    qtbot.waitUntil(lambda: back_on_screen(window), timeout=2000)
    window.hide()
    qtbot.waitUntil(lambda: back_on_screen(window), timeout=2000)
    window.windowHandle().hide()  # the platform window unmapped under the widget
    qtbot.waitUntil(lambda: back_on_screen(window), timeout=2000)


def test_covered_by_another_program_it_takes_the_screen_back(kiosk: Callable[..., Kiosk], qtbot: QtBot) -> None:
    window, _ = kiosk()
    other = QWidget()  # stands in for another program's window
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow(), timeout=2000)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationInactive)  # what Qt says when it loses the focus
    qtbot.waitUntil(lambda: back_on_screen(window), timeout=2000)


def test_still_hidden_at_the_idle_timeout_it_is_restored_then(kiosk: Callable[..., Kiosk], qtbot: QtBot) -> None:
    window, controller = kiosk(idle_timeout_s=1.0)
    app = QApplication.instance()
    assert app is not None
    # a minimise Qt never reported to the kiosk (its event filter is away): only the idle reset can notice
    app.removeEventFilter(controller)
    controller.idle.restart()
    with qtbot.waitSignal(controller.idle.idle, timeout=3000):
        window.showMinimized()
        qtbot.wait(50)
        assert not back_on_screen(window)
        app.installEventFilter(controller)
    qtbot.waitUntil(lambda: back_on_screen(window), timeout=2000)
    assert controller.attract.is_running()


def test_the_pin_pad_is_not_fought_and_the_admin_exit_is_final(kiosk: Callable[..., Kiosk], qtbot: QtBot) -> None:
    window, controller = kiosk()
    dialog = controller.open_pin_dialog()
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    qtbot.wait(50)
    assert dialog.isVisible() and QApplication.activeModalWidget() is dialog  # the kiosk does not take the focus
    dialog.reject()
    controller.shutdown()  # after the admin exit nothing brings the window back
    window.showMinimized()
    qtbot.wait(50)
    assert window.windowState() & Qt.WindowState.WindowMinimized



class ShowCounter(QObject):
    """Counts the Show events of a window."""

    def __init__(self, window: QWidget) -> None:
        super().__init__()
        self.shows = 0
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self._window and event.type() == QEvent.Type.Show:
            self.shows += 1
        return False


def test_a_window_the_window_manager_unmapped_is_mapped_again_by_the_watchdog(
    kiosk: Callable[..., Kiosk], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openbox's "show desktop" (Super+D) unmaps the kiosk and tells Qt only "not exposed": Qt still calls it
    visible and full-screen, no state change arrives, and the screen stayed black. Seen on Xvfb + openbox
    (bench/real_display.py); here the window system's answer is replaced by a stand-in."""
    from convlens.gui.kiosk.controller import WATCHDOG_MS

    window, controller = kiosk()
    counter = ShowCounter(window)
    exposed = [True]
    monkeypatch.setattr(controller, "exposed", lambda: exposed[0])
    qtbot.wait(2 * WATCHDOG_MS)
    assert counter.shows == 0  # exposed: the watchdog leaves the window alone
    exposed[0] = False
    qtbot.waitUntil(lambda: counter.shows > 0, timeout=5 * WATCHDOG_MS)  # mapped again
    exposed[0] = True
    qtbot.waitUntil(lambda: back_on_screen(window), timeout=2000)
    shows = counter.shows
    qtbot.wait(2 * WATCHDOG_MS)
    assert counter.shows == shows  # once back, it stays put

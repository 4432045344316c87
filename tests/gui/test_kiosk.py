"""Kiosk mode on the real explorer window: locked down full-screen, admin exit by PIN, idle attract loop,
touch targets, training rules, translations and crash recovery."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QCursor, QDesktopServices, QPointingDevice
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QFileDialog, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from convlens.gui import app as app_module
from convlens.gui.kiosk import KioskConfig, hash_pin, setup_kiosk
from convlens.gui.kiosk import controller as kiosk_controller
from convlens.gui.kiosk.controller import MIN_TOUCH_PX, KioskController
from convlens.gui.kiosk.idle import load_sample_strokes

PIN = "2468"
PIN_HASH = hash_pin(PIN, iterations=1000)
FAST_ATTRACT = {"tick_ms": 1, "points_per_tick": 25, "hold_ms": 30, "seed": 1}
Factory = Callable[..., tuple[Any, KioskController]]


@pytest.fixture
def make_kiosk(qtbot: QtBot, tmp_path: Path) -> Iterator[Factory]:
    """``make_kiosk(**config) -> (window, controller)``: a shown kiosk window; shut down after the test."""
    made: list[KioskController] = []

    def make(show: bool = True, training: bool = False, **overrides: Any) -> tuple[Any, KioskController]:
        settings = {"idle_timeout_s": 60.0, "hide_cursor": "never", "pin_hash": PIN_HASH, **overrides}
        window = app_module.create_window(kiosk=True, install_extras=False)
        if training:
            from convlens.gui.training import install_training

            install_training(window, allow_training=True, data_base=tmp_path / "userdata")
        controller = setup_kiosk(
            window, config=KioskConfig(**settings), log_dir=tmp_path / "logs", attract_options=FAST_ATTRACT
        )
        made.append(controller)
        qtbot.addWidget(window, before_close_func=lambda w: release(controller))
        if show:
            window.show()
            qtbot.waitExposed(window)
            qtbot.waitUntil(window.isActiveWindow, timeout=2000)  # the kiosk takes the focus itself
        return window, controller

    def release(controller: KioskController) -> None:
        controller.shutdown()
        for panel in controller.window.findChildren(QWidget, "trainingPanel"):
            if hasattr(panel, "shutdown"):
                panel.shutdown()

    yield make
    for controller in made:
        release(controller)


def is_full_screen(window: Any) -> bool:
    return bool(window.windowState() & Qt.WindowState.WindowFullScreen)


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_pin(dialog: Any, pin: str) -> None:
    """Press the on-screen keys like a finger would."""
    for digit in pin:
        click(dialog.findChild(QAbstractButton, f"pinKey{digit}"))
    click(dialog.findChild(QAbstractButton, "pinOk"))


# -- locked down ---------------------------------------------------------------------------------------------
def test_kiosk_window_is_full_screen_frameless_and_on_top_after_show(
    make_kiosk: Factory, qtbot: QtBot
) -> None:
    window, _ = make_kiosk()
    assert window.isVisible()
    assert is_full_screen(window)
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert window.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    qtbot.waitUntil(lambda: window.geometry() == window.screen().geometry(), timeout=2000)
    assert window.kiosk is True


def test_menus_file_actions_and_open_button_are_gone(make_kiosk: Factory) -> None:
    window, _ = make_kiosk()
    assert not window.menuBar().isVisible()
    assert not window.openButton.isVisible()
    for name in ("openModelAction", "saveModelAction", "quitAction", "fullScreenAction", "aboutAction"):
        action = window.findChild(QAction, name)
        assert action is not None and not action.isEnabled(), name
    assert window.findChild(QAction, "undoAction").isEnabled()
    assert window.findChild(QAction, "clearAction").isEnabled()


def test_close_without_the_pin_is_refused(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, controller = make_kiosk()
    assert window.close() is False
    QApplication.closeAllWindows()
    QTest.keyClick(window, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(window, Qt.Key.Key_Escape)
    qtbot.wait(20)
    assert window.isVisible() and is_full_screen(window)
    assert not controller.unlocked


def test_leaving_full_screen_is_undone(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, _ = make_kiosk()
    window.showNormal()
    qtbot.waitUntil(lambda: is_full_screen(window), timeout=2000)
    window.fullScreenAction.trigger()  # disabled: nothing happens
    QTest.keyClick(window, Qt.Key.Key_F11)
    qtbot.wait(20)
    assert is_full_screen(window)


def test_showing_more_panels_keeps_the_window_full_screen(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, _ = make_kiosk()
    screen = window.screen().geometry()
    qtbot.waitUntil(lambda: window.geometry() == screen, timeout=2000)
    window.networkInputPanel.stepsCheck.setChecked(True)  # a taller panel must not grow the window
    window.featureMapsPanel.convCheck.setChecked(True)
    qtbot.wait(50)
    assert is_full_screen(window) and window.geometry() == screen


def test_escape_still_clears_the_canvas(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, _ = make_kiosk()
    window.canvas.draw_strokes_programmatically([[(0.5, 0.2), (0.5, 0.8)]])
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert window.canvas.is_empty()
    assert window.isVisible()


def test_file_dialogs_close_the_moment_they_open(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, _ = make_kiosk()
    # Safety net: if the dialog were not closed, exec() would block the test forever.
    QTimer.singleShot(
        3000, lambda: [d.reject() for d in QApplication.topLevelWidgets() if isinstance(d, QFileDialog)]
    )
    path, _ = QFileDialog.getOpenFileName(window, "Open model")
    assert path == ""
    assert QApplication.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)


def test_links_do_not_open_a_browser(make_kiosk: Factory, caplog: pytest.LogCaptureFixture) -> None:
    make_kiosk()
    from PySide6.QtCore import QUrl

    with caplog.at_level(logging.WARNING):
        QDesktopServices.openUrl(QUrl("https://example.com/escape"))
    assert "refused to open https://example.com/escape" in caplog.text


def test_right_clicks_and_context_menus_are_swallowed(make_kiosk: Factory) -> None:
    window, _ = make_kiosk()
    seen: list[QEvent.Type] = []

    class Spy(QWidget):
        def contextMenuEvent(self, event: Any) -> None:  # noqa: N802
            seen.append(event.type())

        def mousePressEvent(self, event: Any) -> None:  # noqa: N802
            seen.append(event.type())

    spy = Spy(window.centralWidget())
    spy.setGeometry(300, 300, 50, 50)
    spy.show()
    QTest.mouseClick(spy, Qt.MouseButton.RightButton)
    QTest.mouseClick(spy, Qt.MouseButton.MiddleButton)
    QApplication.sendEvent(spy, _context_menu_event())
    assert seen == []
    QTest.mouseClick(spy, Qt.MouseButton.LeftButton)
    assert seen == [QEvent.Type.MouseButtonPress]


def _context_menu_event() -> Any:
    from PySide6.QtGui import QContextMenuEvent

    return QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5), QPoint(5, 5))


def test_plots_have_no_menus_and_do_not_pan(make_kiosk: Factory) -> None:
    import pyqtgraph as pg

    window, _ = make_kiosk()
    boxes = [
        item
        for view in window.findChildren(pg.GraphicsView)
        if view.scene() is not None
        for item in view.scene().items()
        if isinstance(item, pg.ViewBox)
    ]
    assert boxes
    for box in boxes:
        assert not box.menuEnabled()
        assert box.state["mouseEnabled"] == [False, False]


# -- admin exit ----------------------------------------------------------------------------------------------
def test_key_chord_opens_the_pin_pad_and_a_wrong_pin_is_refused(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, controller = make_kiosk()
    mods = (
        Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.AltModifier
        | Qt.KeyboardModifier.ShiftModifier
    )
    QTest.keyClick(window, Qt.Key.Key_A, mods)
    dialog = controller.pin_dialog
    assert dialog is not None and dialog.isVisible()
    type_pin(dialog, "1357")
    assert dialog.isVisible()
    assert dialog.message.text() == "Wrong PIN. Try again."
    assert dialog.entered_length() == 0
    assert not controller.unlocked
    assert window.close() is False
    assert window.isVisible()


def test_pin_pad_keys_are_big_enough_for_a_finger(make_kiosk: Factory) -> None:
    _, controller = make_kiosk()
    dialog = controller.open_pin_dialog()
    keys = [dialog.findChild(QAbstractButton, f"pinKey{d}") for d in range(10)]
    keys += [dialog.findChild(QAbstractButton, n) for n in ("pinOk", "pinCancel", "pinBackspace")]
    for key in keys:
        assert key.isVisible() and key.width() >= 80 and key.height() >= 80, key.objectName()


def test_the_right_pin_closes_the_window(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, controller = make_kiosk()
    exits: list[bool] = []
    controller.adminExit.connect(lambda: exits.append(True))
    dialog = controller.open_pin_dialog()
    type_pin(dialog, PIN)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)
    assert exits == [True]
    assert controller.unlocked and not controller.active
    assert not dialog.isVisible()


def test_backspace_and_keyboard_digits_on_the_pin_pad(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, controller = make_kiosk()
    dialog = controller.open_pin_dialog()
    QTest.keyClicks(dialog, PIN + "9")
    click(dialog.findChild(QAbstractButton, "pinBackspace"))
    assert dialog.entered_length() == len(PIN)
    assert "2468" not in dialog.display.text()  # masked
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)


def test_too_many_wrong_pins_lock_the_pad(make_kiosk: Factory) -> None:
    window, controller = make_kiosk()
    dialog = controller.open_pin_dialog()
    for _ in range(5):
        assert dialog.enter("0000") is False
    assert "Too many wrong PINs" in dialog.message.text()
    assert dialog.enter(PIN) is False  # even the right PIN waits for the lockout
    assert window.isVisible() and not controller.unlocked


def test_long_press_in_the_top_left_corner_opens_the_pin_pad(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, controller = make_kiosk(admin_hold_s=0.3)
    corner = QPoint(10, 10)
    QTest.mousePress(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, corner)
    qtbot.wait(100)
    QTest.mouseRelease(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, corner)
    qtbot.wait(400)
    assert controller.pin_dialog is None  # a short tap does nothing

    middle = QPoint(window.width() // 2, window.height() // 2)
    QTest.mousePress(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, middle)
    qtbot.wait(400)
    QTest.mouseRelease(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, middle)
    assert controller.pin_dialog is None  # a long press elsewhere does nothing

    QTest.mousePress(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, corner)
    qtbot.waitUntil(
        lambda: controller.pin_dialog is not None and controller.pin_dialog.isVisible(), timeout=2000
    )
    QTest.mouseRelease(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, corner)


def test_long_touch_in_the_corner_opens_the_pin_pad(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, controller = make_kiosk(admin_hold_s=0.3)
    device = QTest.createTouchDevice(QPointingDevice.DeviceType.TouchScreen)
    QTest.touchEvent(window, device).press(0, QPoint(8, 8), window).commit()
    qtbot.waitUntil(
        lambda: controller.pin_dialog is not None and controller.pin_dialog.isVisible(), timeout=2000
    )
    QTest.touchEvent(window, device).release(0, QPoint(8, 8), window).commit()


# -- touch ---------------------------------------------------------------------------------------------------
def test_touch_targets_are_at_least_48_px(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, _ = make_kiosk(training=True, allow_training=True)
    qtbot.wait(20)
    buttons = [b for b in window.findChildren(QAbstractButton) if b.isVisible()]
    assert {"clearButton", "undoButton", "trainButton"} <= {b.objectName() for b in buttons}
    for button in buttons:
        assert button.height() >= MIN_TOUCH_PX and button.width() >= MIN_TOUCH_PX, button.objectName()
    tabs = window.findChild(QTabWidget, "sideTabs").tabBar()
    assert all(tabs.tabRect(i).height() >= MIN_TOUCH_PX for i in range(tabs.count()))


def test_dark_theme_survives_the_touch_style(make_kiosk: Factory) -> None:
    window, _ = make_kiosk()
    button = window.clearButton
    assert button.palette().color(button.backgroundRole()).lightness() < 128


def test_cursor_hidden_on_a_touch_screen_and_restored_after(make_kiosk: Factory, monkeypatch) -> None:
    monkeypatch.setattr(kiosk_controller, "touch_screen_present", lambda: True)
    before = cursor_shape()
    _, controller = make_kiosk(hide_cursor="auto")
    assert controller.cursor_hidden and cursor_shape() == Qt.CursorShape.BlankCursor
    controller.shutdown()
    assert cursor_shape() == before


def cursor_shape() -> Qt.CursorShape | None:
    """The application's override cursor (None if there is none; another test may have left one)."""
    cursor = QApplication.overrideCursor()
    return None if cursor is None else cursor.shape()


def test_a_dropped_kiosk_window_gives_back_the_cursor_style_and_hooks(qtbot: QtBot, tmp_path: Path) -> None:
    import sys

    hook, style = sys.excepthook, QApplication.style().name()
    QApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))  # a known cursor underneath
    try:
        window = app_module.create_window(kiosk=True, install_extras=False)
        controller = setup_kiosk(window, config=KioskConfig(hide_cursor="always"), log_dir=tmp_path)
        controller.crash_guard.uninstall()
        controller.crash_guard.install()  # (pytest-qt swaps sys.excepthook per test phase)
        assert cursor_shape() == Qt.CursorShape.BlankCursor and sys.excepthook != hook
        window.deleteLater()  # nobody called shutdown()
        del window, controller
        qtbot.waitUntil(lambda: cursor_shape() == Qt.CursorShape.WaitCursor, timeout=2000)
    finally:
        QApplication.restoreOverrideCursor()
    assert sys.excepthook == hook
    assert QApplication.style().name() == style


def test_cursor_kept_without_a_touch_screen(make_kiosk: Factory, monkeypatch) -> None:
    monkeypatch.setattr(kiosk_controller, "touch_screen_present", lambda: False)
    before = cursor_shape()
    _, controller = make_kiosk(hide_cursor="auto")
    assert not controller.cursor_hidden and cursor_shape() == before
    _, always = make_kiosk(hide_cursor="always")
    assert always.cursor_hidden and cursor_shape() == Qt.CursorShape.BlankCursor


def test_a_finger_draws_on_the_canvas(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, _ = make_kiosk()
    canvas = window.canvas
    device = QTest.createTouchDevice(QPointingDevice.DeviceType.TouchScreen)
    points = [canvas.normalised_to_widget(0.5, y).toPoint() for y in (0.2, 0.4, 0.6, 0.8)]
    QTest.touchEvent(canvas, device).press(0, points[0], canvas).commit()
    for p in points[1:]:
        QTest.touchEvent(canvas, device).move(0, p, canvas).commit()
    QTest.touchEvent(canvas, device).release(0, points[-1], canvas).commit()
    canvas.flush()
    assert len(canvas.strokes()) == 1 and len(canvas.strokes()[0]) >= 4
    qtbot.waitUntil(lambda: window.last_prediction()[0] >= 0, timeout=2000)


def test_presenter_mode_enlarges_text(make_kiosk: Factory) -> None:
    plain, _ = make_kiosk()
    big, _ = make_kiosk(presenter_mode=True)
    assert big.clearButton.font().pointSizeF() >= 1.3 * plain.clearButton.font().pointSizeF()


# -- training rules ------------------------------------------------------------------------------------------
def test_training_forbidden_hides_the_button_and_the_tab(make_kiosk: Factory) -> None:
    window, _ = make_kiosk(training=True, allow_training=False)
    assert not window.trainButton.isVisible()
    tabs = window.findChild(QTabWidget, "sideTabs")
    index = tabs.indexOf(window.findChild(QWidget, "trainingPanel"))
    assert index >= 0 and not tabs.isTabVisible(index)


def test_training_allowed_keeps_the_button_and_the_tab(make_kiosk: Factory) -> None:
    window, _ = make_kiosk(training=True, allow_training=True)
    assert window.trainButton.isVisible()
    tabs = window.findChild(QTabWidget, "sideTabs")
    assert tabs.isTabVisible(tabs.indexOf(window.findChild(QWidget, "trainingPanel")))


# -- idle and attract loop -----------------------------------------------------------------------------------
def test_idle_timeout_starts_the_attract_loop_and_a_press_stops_it(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, controller = make_kiosk(idle_timeout_s=0.2)
    overlay = window.findChild(QWidget, "attractOverlay")
    assert overlay is not None
    centre = window.canvas.normalised_to_widget(0.5, 0.5).toPoint()
    for _ in range(2):  # once from the start (set-up may take longer than 0.2 s), once after a visitor
        qtbot.waitUntil(controller.attract.is_running, timeout=3000)
        assert overlay.isVisible()
        qtbot.waitUntil(lambda: len(window.canvas.strokes()) > 0, timeout=2000)
        QTest.mousePress(window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
        assert not controller.attract.is_running()  # at once, before any event-loop turn
        assert not overlay.isVisible()
        assert window.canvas.strokes() == [[window.canvas.widget_to_normalised(centre)]]  # only the visitor's dot
        QTest.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
        window.canvas.draw_strokes_programmatically([[(0.1, 0.1), (0.2, 0.2)]])  # a visitor's leftover
    qtbot.waitUntil(controller.attract.is_running, timeout=3000)
    assert [(0.1, 0.1), (0.2, 0.2)] not in window.canvas.strokes()  # cleared for the loop


def test_a_touch_stops_the_attract_loop(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, controller = make_kiosk(idle_timeout_s=0.1)
    qtbot.waitUntil(controller.attract.is_running, timeout=3000)
    device = QTest.createTouchDevice(QPointingDevice.DeviceType.TouchScreen)
    point = window.canvas.normalised_to_widget(0.3, 0.3).toPoint()
    QTest.touchEvent(window.canvas, device).press(0, point, window.canvas).commit()
    assert not controller.attract.is_running()
    assert len(window.canvas.strokes()) == 1
    QTest.touchEvent(window.canvas, device).release(0, point, window.canvas).commit()


def test_the_attract_loop_draws_sample_digits_the_network_reads(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, controller = make_kiosk(idle_timeout_s=0.05)
    drawn: list[tuple[int, int]] = []

    def on_digit(digit: int) -> None:
        window.canvas.flush()  # the canvas coalesces its image to the next event-loop turn
        drawn.append((digit, window.last_prediction()[0]))

    controller.attract.digitDrawn.connect(on_digit)
    qtbot.waitUntil(lambda: len(drawn) >= 3, timeout=5000)
    for digit, predicted in drawn:
        assert predicted == digit  # the panels animate: the pipeline ran on the sample strokes
    digits = [d for d, _ in drawn]
    assert all(
        a != b for a, b in zip(digits, digits[1:], strict=False)
    )  # never the same digit twice in a row


def test_no_attract_loop_when_switched_off(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, controller = make_kiosk(idle_timeout_s=0.2, attract_loop=False)
    a, b = (window.canvas.normalised_to_widget(x, x).toPoint() for x in (0.3, 0.6))
    QTest.mousePress(window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(window.canvas, b)
    QTest.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    assert not window.canvas.is_empty()
    qtbot.waitUntil(window.canvas.is_empty, timeout=2000)  # still cleared when idle
    qtbot.wait(100)
    assert not controller.attract.is_running()


def test_input_postpones_the_idle_timeout(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, controller = make_kiosk(idle_timeout_s=1.2)
    for i in range(12):  # 1.8 s of input in all, never 1.2 s without (margin for a loaded machine)
        QTest.mouseMove(window.canvas, QPoint(50, 50 + i))
        qtbot.wait(150)
        assert not controller.attract.is_running()
    qtbot.waitUntil(controller.attract.is_running, timeout=2000)


def test_a_running_training_is_not_interrupted_by_the_attract_loop(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, controller = make_kiosk(idle_timeout_s=0.1)

    class FakeTrainingPanel(QWidget):
        is_running = True

    panel = FakeTrainingPanel(window)
    panel.setObjectName("trainingPanel")
    # On a loaded machine the 0.1 s timeout can fire before the panel exists: start from a visitor's touch.
    controller.attract.stop()
    controller.idle.restart()
    qtbot.wait(400)
    assert controller.training_running() and not controller.attract.is_running()
    panel.is_running = False
    qtbot.waitUntil(controller.attract.is_running, timeout=2000)


def test_sample_strokes_are_ten_digits_in_the_unit_square() -> None:
    samples = load_sample_strokes()
    assert {d for d, _ in samples} == set(range(10))
    assert len(samples) >= 20
    for _, strokes in samples:
        for stroke in strokes:
            assert len(stroke) >= 2
            assert all(0.0 <= x <= 1.0 and 0.0 <= y <= 1.0 for x, y in stroke)


# -- translations --------------------------------------------------------------------------------------------
def test_switching_language_changes_the_visible_texts(make_kiosk: Factory) -> None:
    window, controller = make_kiosk()
    overlay = window.findChild(QWidget, "attractOverlay")
    assert window.clearButton.text() == "Clear"
    assert controller.set_language("de")
    assert window.clearButton.text() == "Löschen"
    assert window.undoButton.text() == "Rückgängig"
    assert overlay.title() == "Zeichne eine Ziffer!" and "Zeichne eine Ziffer!" in overlay.text()
    tabs = window.findChild(QTabWidget, "sideTabs")
    assert tabs.tabText(0) == "Netz"
    assert controller.set_language("en")
    assert window.clearButton.text() == "Clear"
    assert tabs.tabText(0) == "Network"


def test_language_from_the_config(make_kiosk: Factory) -> None:
    window, controller = make_kiosk(language="de")
    assert window.clearButton.text() == "Löschen"
    dialog = controller.open_pin_dialog()
    assert dialog.title.text() == "Admin-PIN eingeben"
    type_pin(dialog, "0000")
    assert dialog.message.text() == "Falsche PIN. Bitte noch einmal."


def test_texts_the_window_resets_in_english_are_translated_again(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, _ = make_kiosk(language="de")
    label = window.probabilitiesPanel.confidenceLabel
    assert label.text() == "Zeichne eine Ziffer"
    window.canvas.draw_strokes_programmatically([[(0.5, 0.2), (0.5, 0.8)]])
    window.canvas.flush()
    assert label.text() != "Zeichne eine Ziffer"
    window.canvas.clear()
    window.canvas.flush()
    assert label.text() == "Zeichne eine Ziffer"


def test_an_unknown_language_falls_back_to_english(make_kiosk: Factory, caplog) -> None:
    with caplog.at_level(logging.ERROR):
        window, controller = make_kiosk(language="xx")
    assert window.clearButton.text() == "Clear"
    assert controller.languages.language == "en"
    assert "no usable translation for 'xx'" in caplog.text


# -- recovery ------------------------------------------------------------------------------------------------
@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_logged_and_the_window_resets(make_kiosk: Factory, qtbot: QtBot) -> None:
    window, controller = make_kiosk()
    guard = controller.crash_guard
    assert guard.installed

    def broken() -> None:
        raise RuntimeError("boom in a slot")

    window.canvas.draw_strokes_programmatically([[(0.5, 0.2), (0.5, 0.8)]])
    window.sideTabs.setCurrentIndex(window.sideTabs.count() - 1)
    window.undoButton.clicked.connect(broken)
    click(window.undoButton)  # undo runs, then the broken slot raises
    qtbot.waitUntil(lambda: guard.reset_count == 1, timeout=3000)
    assert guard.exception_count == 1
    log_text = guard.log_path.read_text(encoding="utf-8")
    assert "RuntimeError: boom in a slot" in log_text and "Traceback" in log_text
    assert window.isVisible() and is_full_screen(window)
    assert controller.attract.is_running()  # back to the attract loop
    assert window.sideTabs.currentIndex() == 0
    controller.attract.stop()
    assert window.canvas.is_empty()


@pytest.mark.qt_no_exception_capture
def test_a_burst_of_errors_gives_one_reset_and_the_kiosk_keeps_working(
    make_kiosk: Factory, qtbot: QtBot
) -> None:
    window, controller = make_kiosk()
    guard = controller.crash_guard

    def broken() -> None:
        raise ValueError("again")

    window.clearButton.clicked.connect(broken)
    for _ in range(5):
        click(window.clearButton)
    qtbot.waitUntil(lambda: guard.reset_count >= 1, timeout=3000)
    qtbot.wait(50)
    assert guard.exception_count == 5 and guard.reset_count == 1
    controller.attract.stop()
    window.canvas.draw_strokes_programmatically([[(0.5, 0.2), (0.5, 0.8)]])
    window.canvas.flush()
    assert window.last_prediction()[0] >= 0


def test_qt_warnings_go_to_the_log(make_kiosk: Factory) -> None:
    from PySide6.QtCore import qWarning

    _, controller = make_kiosk()
    controller.crash_guard.uninstall()
    controller.crash_guard.install()  # pytest-qt swaps the message handler per test phase
    qWarning("kiosk test warning 7391")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "kiosk test warning 7391" in controller.crash_guard.log_path.read_text(encoding="utf-8")


def test_log_file_rotates(tmp_path: Path) -> None:
    from convlens.gui.kiosk.recovery import CrashGuard

    guard = CrashGuard(lambda: None, log_dir=tmp_path, max_bytes=2000, backup_count=2)
    guard.install()
    try:
        for i in range(200):
            logging.getLogger("convlens.gui.kiosk.test").warning("line %d %s", i, "x" * 40)
    finally:
        guard.uninstall()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["kiosk.log", "kiosk.log.1", "kiosk.log.2"]
    assert all((tmp_path / f).stat().st_size <= 2100 for f in files)


def test_shutdown_restores_hooks(make_kiosk: Factory) -> None:
    import sys

    before = sys.excepthook
    _, controller = make_kiosk()
    controller.crash_guard.uninstall()
    controller.crash_guard.install()
    assert sys.excepthook != before
    controller.shutdown()
    assert sys.excepthook == before
    assert not controller.crash_guard.installed


def test_setup_kiosk_reads_the_config_file(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'language = "de"\nidle_timeout_s = 42\nhide_cursor = "never"\npin_hash = "{PIN_HASH}"\n')
    window = app_module.create_window(kiosk=True, install_extras=False)
    controller = setup_kiosk(window, path, log_dir=tmp_path / "logs")
    qtbot.addWidget(window, before_close_func=lambda w: controller.shutdown())
    try:
        assert controller.config.idle_timeout_s == 42.0
        assert controller.idle.timeout_ms() == 42_000
        assert window.clearButton.text() == "Löschen"
        assert controller.config_errors == ()
    finally:
        controller.shutdown()


def test_a_broken_config_file_still_gives_a_kiosk(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("this is = = not toml\n")
    window = app_module.create_window(kiosk=True, install_extras=False)
    controller = setup_kiosk(window, path, log_dir=tmp_path / "logs")
    qtbot.addWidget(window, before_close_func=lambda w: controller.shutdown())
    try:
        assert controller.active and controller.config == KioskConfig()
        assert controller.config_errors and "not valid TOML" in controller.config_errors[0]
    finally:
        controller.shutdown()


def test_setup_kiosk_takes_a_loaded_config_and_keeps_its_errors(qtbot: QtBot, tmp_path: Path) -> None:
    from convlens.gui.kiosk import load_config

    path = tmp_path / "kiosk.toml"
    path.write_text('allow_training = "no"\nhide_cursor = "never"\n')
    loaded = load_config(path)
    window = app_module.create_window(kiosk=True, install_extras=False)
    controller = setup_kiosk(window, config=loaded, log_dir=tmp_path / "logs")
    qtbot.addWidget(window, before_close_func=lambda w: controller.shutdown())
    assert controller.config is loaded.config
    assert controller.config_errors == loaded.errors and "allow_training" in controller.config_errors[0]


def test_create_window_in_kiosk_mode_sets_everything_up(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVLENS_DATA_DIR", str(tmp_path / "userdata"))
    path = tmp_path / "kiosk.toml"
    path.write_text(f'language = "de"\nhide_cursor = "never"\npin_hash = "{PIN_HASH}"\n')
    window = app_module.create_window(kiosk=True, config_path=path)
    controller = window.findChild(KioskController, "kioskController")
    assert controller is not None and controller.active
    qtbot.addWidget(window, before_close_func=lambda w: controller.shutdown())
    window.show()
    qtbot.waitUntil(lambda: is_full_screen(window), timeout=2000)
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert window.findChild(QWidget, "trainingPanel") is None or not window.trainButton.isVisible()
    assert window.clearButton.text() == "Löschen"
    assert (tmp_path / "userdata" / "logs" / "kiosk.log").is_file()
    assert window.close() is False


def test_setting_up_a_kiosk_twice_replaces_the_first(
    make_kiosk: Factory, qtbot: QtBot, tmp_path: Path
) -> None:
    window, first = make_kiosk()
    second = setup_kiosk(
        window, config=KioskConfig(hide_cursor="never", idle_timeout_s=0.1), log_dir=tmp_path
    )
    qtbot.addWidget(window, before_close_func=lambda w: second.shutdown())
    assert not first.active and second.active
    assert window.findChildren(KioskController, "kioskController") == [second]
    qtbot.waitUntil(second.attract.is_running, timeout=2000)
    assert window.close() is False
    qtbot.wait(10)
    assert len([w for w in window.findChildren(QWidget, "attractOverlay") if w.isVisible()]) == 1


def test_shutting_the_kiosk_down_gives_the_next_window_the_app_style_back(qtbot: QtBot, tmp_path: Path) -> None:
    """The touch style (28 px scroll bars and indicators, 48 px targets) must not outlive the kiosk: the theme's
    style sheet hides the style's name from ``app.style().name()``, and restoring that empty name once left the
    touch style on for every later window (a German presenter check box cut at 1024x700 in the next test)."""
    from PySide6.QtWidgets import QStyle, QStyleFactory

    extent = QStyle.PixelMetric.PM_ScrollBarExtent
    fusion = QStyleFactory.create("Fusion").pixelMetric(extent)
    config = tmp_path / "kiosk.toml"
    config.write_text('hide_cursor = "never"\n')
    window = app_module.create_window(kiosk=True, config_path=config)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert QApplication.style().pixelMetric(extent) > fusion
    window.kioskController.shutdown()
    assert QApplication.style().pixelMetric(extent) == fusion

"""Turn the explorer window into a kiosk: :func:`apply_kiosk` returns the :class:`KioskController`.

What the controller does to the window (and undoes in :meth:`KioskController.shutdown`):

* full-screen, frameless, stays on top; leaving full-screen is undone at once; the menu bar is hidden;
  every action except Undo and Clear is disabled and its shortcut swallowed (Ctrl+Q, Ctrl+O, F11, ...);
  the "Open model" button is hidden; file dialogs are closed the moment they appear (native dialogs
  are switched off so every dialog is a QFileDialog the filter can see); links never open a browser;
  right clicks and context menus are swallowed (pyqtgraph's "Export..." menu writes files); plots do not
  pan or zoom;
* closing the window is refused (Alt+F4, the window manager, ``window.close()``) until the admin exit:
  a long-press (``admin_hold_s``, default 3 s) in the top-left corner, or Ctrl+Alt+Shift+A, opens the
  PIN pad (:class:`gui.kiosk.pin.PinDialog`); the right PIN closes the window (and so quits the app);
* touch: buttons, tabs and boxes at least 48 px (:mod:`gui.kiosk.touch`), the cursor hidden when a touch
  screen is present (or always/never, per config); presenter mode is the desktop's
  (:func:`gui.style.set_presenter_mode`: type :data:`PRESENTER_SCALE` larger, thicker plot lines);
* training hidden when the config forbids it (Train button, training tab);
* exports (File > Export figure… / Export lesson…, the panels' right-click entry) out of reach unless the config
  allows them (``allow_export``): then an "Export…" button on the toolbar offers both, and their save dialogs
  (named :data:`EXPORT_DIALOG`) are the only file dialogs left open;
* the idle timer, attract loop, translations and crash recovery (:mod:`gui.kiosk.idle`,
  :mod:`gui.kiosk.i18n`, :mod:`gui.kiosk.recovery`).

The window is used as a ``QMainWindow`` plus the members of :class:`gui.kiosk.host.KioskHost`, nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QPointF,
    QRect,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
    SignalInstance,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QCursor,
    QDesktopServices,
    QKeyEvent,
    QMouseEvent,
    QShortcutEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QFileDialog,
    QLayout,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QTabWidget,
    QWidget,
)

from convlens.gui.kiosk.config import KioskConfig
from convlens.gui.kiosk.host import KioskHost
from convlens.gui.kiosk.i18n import LanguageSwitcher, Retranslator
from convlens.gui.kiosk.idle import AttractLoop, AttractOverlay, IdleWatcher
from convlens.gui.kiosk.pin import PinDialog
from convlens.gui.kiosk.recovery import CrashGuard
from convlens.gui.kiosk.touch import MIN_TOUCH_PX, TouchStyle, touch_screen_present
from convlens.gui.style import PRESENTER_SCALE, set_presenter_mode, widget_style_name

__all__ = [
    "ALLOWED_ACTIONS",
    "EXPORT_ACTIONS",
    "EXPORT_DIALOG",
    "CORNER_PX",
    "MIN_TOUCH_PX",
    "PRESENTER_SCALE",
    "TouchStyle",
    "KioskController",
    "KioskHost",
    "apply_kiosk",
    "retire_kiosk_controllers",
    "touch_screen_present",
]

log = logging.getLogger(__name__)

CORNER_PX = 72
WATCHDOG_MS = 750
"""How often the kiosk checks that it is really on the screen. A window manager's "show desktop" can unmap the
window without telling Qt anything but "not exposed" (openbox: Super+D); Qt still reports it visible and
full-screen, and the screen would stay black."""
"""Side of the top-left square where the admin long-press counts."""
ALLOWED_ACTIONS = frozenset({"undoAction", "clearAction"})
"""Actions (by objectName) whose shortcuts keep working in the kiosk (Ctrl+Z, Esc/Delete)."""
EXPORT_ACTIONS = frozenset({"exportFigureAction", "exportLessonAction"})
"""The export actions (``gui.export.menus``): disabled like every other action unless ``allow_export``."""
EXPORT_DIALOG = "exportFileDialog"
"""objectName of the exports' save dialogs (``gui.export.menus.EXPORT_DIALOG_NAME``): with ``allow_export`` the
kiosk lets them open; every other file dialog is closed at once."""
_URL_SCHEMES = ("http", "https", "file", "mailto", "ftp")
_MOD = Qt.KeyboardModifier
_ADMIN_CHORD = _MOD.ControlModifier | _MOD.AltModifier | _MOD.ShiftModifier


def _event_global_pos(event: QEvent) -> QPointF | None:
    if isinstance(event, QMouseEvent):
        return event.globalPosition()
    if isinstance(event, QTouchEvent):
        points = event.points()
        return points[0].globalPosition() if points else None
    return None


class _AppState:
    """What a kiosk changed in the whole application, and how to undo it.

    A plain Python object, so the window's ``destroyed`` signal can undo everything even when nobody
    called :meth:`KioskController.shutdown` (a kiosk window dropped by a script or a test): the cursor,
    the style, the URL handlers and the crash guard's hooks must not outlive the window.
    """

    def __init__(self, guard: CrashGuard) -> None:
        self.guard = guard
        self.cursor_hidden = False
        self.saved_style: str | None = None
        self.url_handlers = False

    def release_after_destroy(self) -> None:
        """:meth:`release` for the window's destroyed signal."""
        self.release(dying=True)

    def release(self, dying: bool = False) -> None:
        """Give back what the kiosk took from the application; ``dying``: the window is being destroyed."""
        app = QApplication.instance()
        if self.url_handlers:
            for scheme in _URL_SCHEMES:
                QDesktopServices.unsetUrlHandler(scheme)
            self.url_handlers = False
        if self.cursor_hidden and app is not None:
            QApplication.restoreOverrideCursor()
            self.cursor_hidden = False
        if self.saved_style is not None and isinstance(app, QApplication):
            style = self.saved_style
            if dying:
                # Called by the window's destroyed signal: a new style now would repolish the half-destroyed
                # window's widgets (a crash); the next turn of the event loop restores it (at exit: never).
                QTimer.singleShot(0, app, lambda: app.setStyle(style))
            else:
                app.setStyle(style)
            self.saved_style = None
        self.guard.uninstall()


class _UrlSink(QObject):
    """Receives every URL the app tries to open in kiosk mode (and opens nothing)."""

    @Slot(QUrl)
    def swallow(self, url: QUrl) -> None:
        log.warning("kiosk: refused to open %s", url.toString())


class KioskController(QObject):
    """Kiosk behaviour for one window; see the module docstring.

    Parameters
    ----------
    window : KioskHost
        The explorer window: a ``QMainWindow`` with the :class:`~gui.kiosk.host.KioskHost` members.
    config : KioskConfig
    config_errors : sequence of str
        Problems found while loading the config (kept for the admin, already logged).
    log_dir : Path, optional
        Rotating log directory; default ``user_data_dir("convlens")/logs``.
    attract_options : dict, optional
        Extra keyword arguments for :class:`AttractLoop` (speed, seed; tests use it).

    Signals
    -------
    adminExit()
        The right PIN was entered; the window closes right after.
    attractStarted(), attractStopped()

    Attributes
    ----------
    window : QMainWindow
        The window, for everything Qt does with a main window.
    host : KioskHost
        The same window, for the explorer members the kiosk uses.
    """

    adminExit = Signal()
    attractStarted = Signal()
    attractStopped = Signal()

    def __init__(
        self,
        window: KioskHost,
        config: KioskConfig,
        config_errors: tuple[str, ...] | list[str] = (),
        log_dir: str | Path | None = None,
        attract_options: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(window, QMainWindow):
            raise TypeError(f"the kiosk needs a QMainWindow, got {type(window).__name__}")
        super().__init__(window)
        self.setObjectName("kioskController")
        self.window: QMainWindow = window
        self.host: KioskHost = window
        self.config = config
        self.config_errors = tuple(config_errors)
        self._unlocked = False
        self._active = False
        self._saved_minimum = QSize()
        self._saved_constraint: QLayout.SizeConstraint | None = None
        self._disabled_actions: list[QAction] = []
        self._attached_actions: list[QAction] = []
        self._hidden_widgets: list[QWidget] = []
        self._corner_spacer: QWidget | None = None
        self._pin_dialog: PinDialog | None = None
        self._url_sink = _UrlSink(self)
        self._connections: list[tuple[SignalInstance, Callable[..., None]]] = []

        self.languages = LanguageSwitcher(parent=self)
        self.retranslator = Retranslator(window, self.languages.contexts)
        self.idle = IdleWatcher(config.idle_timeout_s, self)
        self.overlay = AttractOverlay(window, window.canvas)
        self.attract = AttractLoop(window.canvas, self.overlay, parent=self, **(attract_options or {}))
        self.crash_guard = CrashGuard(self.reset, log_dir=log_dir, parent=self)
        self._app_state = _AppState(self.crash_guard)

        self._hold = QTimer(self)
        self._hold.setObjectName("kioskAdminHold")
        self._hold.setSingleShot(True)
        self._hold.setInterval(int(config.admin_hold_s * 1000))
        self._hold.timeout.connect(self.open_pin_dialog)
        self._fullscreen_timer = QTimer(self)
        self._fullscreen_timer.setSingleShot(True)
        self._fullscreen_timer.setInterval(0)
        self._fullscreen_timer.timeout.connect(self.restore_window)
        self._watchdog = QTimer(self)
        self._watchdog.setObjectName("kioskWatchdog")
        self._watchdog.setInterval(WATCHDOG_MS)
        self._watchdog.timeout.connect(self._watch)
        self._unexposed_ticks = 0
        self._shown_once = False

        self.idle.idle.connect(self._on_idle)
        self.idle.pressed.connect(self._on_press)
        self.attract.started.connect(self.attractStarted)
        self.attract.stopped.connect(self.attractStopped)

    # -- set-up and tear-down -------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """Whether the kiosk behaviour is applied."""
        return self._active

    @property
    def unlocked(self) -> bool:
        """Whether the admin PIN was entered (the window may close)."""
        return self._unlocked

    def apply(self) -> KioskController:
        """Apply everything listed in the module docstring (idempotent); returns self."""
        if self._active:
            return self
        if QApplication.instance() is None:
            raise RuntimeError("a QApplication must exist")
        try:
            self._apply()
        except BaseException:
            self._active = True  # let shutdown() undo whatever was done
            self.shutdown()
            raise
        return self

    def _apply(self) -> None:
        w = self.window
        app = QApplication.instance()
        assert app is not None
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)
        w.destroyed.connect(self._app_state.release_after_destroy)
        for scheme in _URL_SCHEMES:
            QDesktopServices.setUrlHandler(scheme, self._url_sink, "swallow")  # type: ignore[arg-type]  # the stub says bytes; PySide6 wants str
        self._app_state.url_handlers = True

        was_visible = w.isVisible()
        w.setWindowFlags(
            w.windowFlags() | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        )
        w.setWindowState(w.windowState() | Qt.WindowState.WindowFullScreen)
        # The desktop window asks for at least 960x640 and its layout for whatever its panels need; a kiosk
        # fills exactly the screen it is given (a window growing past the screen would drop full-screen).
        self._saved_minimum = w.minimumSize()
        w.setMinimumSize(0, 0)
        layout = w.layout()
        if layout is not None:
            self._saved_constraint = layout.sizeConstraint()
            layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        menubar = w.menuBar()
        menubar.setVisible(False)
        menubar.setNativeMenuBar(False)
        self._lock_actions()
        self._hide_widget(self.host.openButton)
        if not self.config.allow_training:
            self._forbid_training()
        if self.config.allow_export:
            self._offer_exports()
        bar = self.host.toolBar
        if not self.config.allow_training and not self.config.allow_export:
            # Without Open, Train and Export only the theme switch would be left: give the space to the content.
            bar.setVisible(False)
            self._hidden_widgets.append(bar)
        else:
            self._add_corner_spacer()
        self._disable_plot_menus()
        assert isinstance(app, QApplication)
        # By name: app.style() is Qt's style-sheet wrapper while the theme's sheet is set (its name is empty, and
        # restoring "" would leave the touch style in place for the windows that come after).
        style_name = widget_style_name()
        self._app_state.saved_style = style_name
        app.setStyle(TouchStyle(style_name))
        for button in w.findChildren(QAbstractButton):
            if button.minimumHeight() < MIN_TOUCH_PX:
                button.setMinimumHeight(MIN_TOUCH_PX)
        if self.config.presenter_mode:
            set_presenter_mode(w, True)
        self._update_cursor()

        if self.config.language != "en":
            self.set_language(self.config.language)
        controller = self.host.controller
        controller.predictionChanged.connect(self._after_prediction)
        self._connections.append((controller.predictionChanged, self._after_prediction))
        controller.modelChanged.connect(self._sweep_texts)
        self._connections.append((controller.modelChanged, self._sweep_texts))
        app.applicationStateChanged.connect(self._on_application_state)
        self._connections.append((app.applicationStateChanged, self._on_application_state))
        self.attract.digitDrawn.connect(self._schedule_restore)
        self._connections.append((self.attract.digitDrawn, self._schedule_restore))

        app.installEventFilter(self)
        self.idle.install()
        self.crash_guard.install()
        self._active = True
        self._watchdog.start()
        if was_visible:
            w.showFullScreen()
        if self.config_errors:
            log.error("kiosk started with config problems: %s", "; ".join(self.config_errors))
        log.info("kiosk mode on: %s", self.config)

    def shutdown(self) -> None:
        """Stop the kiosk behaviour (the admin exit calls it; so do tests).

        Event filters, timers, exception hooks, the log file, the cursor, the style, the translator and the
        disabled actions are restored; the window keeps its kiosk look (flags, hidden menu and buttons,
        fonts), since it is about to close.
        """
        if not self._active:
            return
        self._active = False
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.idle.uninstall()
        self.attract.stop(clear=False)
        self._hold.stop()
        self._fullscreen_timer.stop()
        self._watchdog.stop()
        if self._pin_dialog is not None:
            self._pin_dialog.reject()
        for action in self._disabled_actions:
            action.setEnabled(True)
        self._disabled_actions.clear()
        for action in self._attached_actions:
            self.window.removeAction(action)
        self._attached_actions.clear()
        layout = self.window.layout()
        if layout is not None and self._saved_constraint is not None:
            layout.setSizeConstraint(self._saved_constraint)
            self._saved_constraint = None
        if not self._saved_minimum.isEmpty():
            self.window.setMinimumSize(self._saved_minimum)
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections.clear()
        self.languages.uninstall()
        self._app_state.release()

    def retire(self) -> None:
        """Shut down and delete this controller and its widgets (another one takes over the window)."""
        self.shutdown()
        self.setObjectName("kioskControllerRetired")
        self.overlay.deleteLater()
        if self._pin_dialog is not None:
            self._pin_dialog.deleteLater()
            self._pin_dialog = None
        self.deleteLater()

    # -- pieces of apply() ----------------------------------------------------------------------------------
    def _lock_actions(self) -> None:
        w = self.window
        actions = set(w.findChildren(QAction))
        for menu in w.findChildren(QMenu):
            actions.update(menu.actions())
        for action in actions:
            if self.config.allow_export and action.objectName() in EXPORT_ACTIONS:
                continue  # offered by the toolbar's "Export…" button (_offer_exports)
            if action.objectName() in ALLOWED_ACTIONS:
                # Shortcuts of actions that only live in a hidden menu bar stop working: attach them to the
                # window itself so Ctrl+Z and Esc/Delete keep undoing and clearing.
                if action not in w.actions():
                    w.addAction(action)
                    self._attached_actions.append(action)
                continue
            if action.menu() is not None or action.isSeparator():
                continue
            if action.isEnabled():
                action.setEnabled(False)
                self._disabled_actions.append(action)

    def _hide_widget(self, widget: QWidget | None) -> None:
        if widget is None:
            return
        widget.setVisible(False)
        widget.setEnabled(False)
        self._hidden_widgets.append(widget)
        # A widget inside a toolbar is shown through its QWidgetAction: hide that too.
        for action in widget.actions():
            action.setVisible(False)
        bar = self.host.toolBar
        for action in bar.actions():
            if bar.widgetForAction(action) is widget:
                action.setVisible(False)

    def _forbid_training(self) -> None:
        w = self.window
        self._hide_widget(self.host.trainButton)
        for tabs in w.findChildren(QTabWidget):
            for i in reversed(range(tabs.count())):
                page = tabs.widget(i)
                name = page.objectName().lower() if page is not None else ""
                if "train" in name:
                    tabs.setTabVisible(i, False)
                    tabs.setTabEnabled(i, False)
        log.info("kiosk: training is not allowed (allow_training = false)")

    def _offer_exports(self) -> None:
        """``allow_export``: an "Export…" button (``kioskExportButton``) on the toolbar with the window's export
        actions (the menu bar is hidden, and right-click menus stay swallowed on a touch screen)."""
        from PySide6.QtWidgets import QToolButton

        w = self.window
        actions = [a for a in w.findChildren(QAction) if a.objectName() in EXPORT_ACTIONS]
        if not actions:
            return
        bar = self.host.toolBar
        button = bar.findChild(QToolButton, "kioskExportButton")
        if button is None:  # not set up before on this window
            button = QToolButton()
            button.setObjectName("kioskExportButton")
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            button.setText(self.tr("Export…"))
            menu = QMenu(button)
            menu.setObjectName("kioskExportMenu")
            menu.addActions(sorted(actions, key=lambda a: a.objectName()))
            button.setMenu(menu)
            bar.addWidget(button)
        log.info("kiosk: exports are allowed (allow_export = true)")

    def _add_corner_spacer(self) -> None:
        """Keep the admin corner free of buttons: a blank square at the start of the toolbar."""
        bar = self.host.toolBar
        existing = bar.findChild(QWidget, "kioskCornerSpacer")
        if existing is not None:  # a kiosk set up before on this window
            self._corner_spacer = existing
            return
        spacer = QWidget()
        spacer.setObjectName("kioskCornerSpacer")
        spacer.setFixedWidth(CORNER_PX)
        spacer.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        actions = bar.actions()
        if actions:
            bar.insertWidget(actions[0], spacer)
        else:
            bar.addWidget(spacer)
        self._corner_spacer = spacer

    def _disable_plot_menus(self) -> None:
        """No pyqtgraph context menus ("Export..." writes files) and no pan/zoom in the plots."""
        try:
            import pyqtgraph as pg
        except ImportError:  # pragma: no cover - pyqtgraph is a dependency
            return
        for view in self.window.findChildren(pg.GraphicsView):
            scene = view.scene()
            if scene is None:
                continue
            for item in scene.items():
                if isinstance(item, pg.ViewBox):
                    item.setMenuEnabled(False)
                    item.setMouseEnabled(x=False, y=False)
                elif isinstance(item, pg.PlotItem):
                    item.setMenuEnabled(False)

    def _update_cursor(self) -> None:
        mode = self.config.hide_cursor
        hide = mode == "always" or (mode == "auto" and touch_screen_present())
        state = self._app_state
        if hide and not state.cursor_hidden:
            QApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
            state.cursor_hidden = True
        elif not hide and state.cursor_hidden:
            QApplication.restoreOverrideCursor()
            state.cursor_hidden = False

    @property
    def cursor_hidden(self) -> bool:
        """Whether the kiosk hid the mouse cursor."""
        return self._app_state.cursor_hidden

    # -- language -------------------------------------------------------------------------------------------
    def set_language(self, language: str) -> bool:
        """Switch the UI language now (installs the translator, re-translates static texts).

        Returns
        -------
        bool
            False if there is no catalogue for ``language`` (English is shown).
        """
        ok = self.languages.set_language(language)
        self.retranslator.retranslate()
        self._set_canvas_hint()
        return ok

    def _set_canvas_hint(self) -> None:
        if self.host.controller.has_model():  # without a model the window's "No model yet" hint stays
            self.host.canvas.set_hint(QCoreApplication.translate("ExplorerWindow", "Draw a digit"))

    def _sweep_texts(self, *_: object) -> None:
        if self.languages.language != "en":
            self.retranslator.sweep()
            self._set_canvas_hint()

    def _after_prediction(self, digit: int, _probs: list[float]) -> None:
        if digit < 0:
            self._sweep_texts()

    # -- idle and attract -----------------------------------------------------------------------------------
    def training_running(self) -> bool:
        """Whether a training run is in progress in the window's training tab."""
        return self.host.training_running()

    def _on_idle(self) -> None:
        if (self._pin_dialog is not None and self._pin_dialog.isVisible()) or self.training_running():
            self.idle.restart()  # an admin at the pad, or visitors watching a training: not idle
            return
        log.info("kiosk idle for %.1f s", self.idle.timeout_ms() / 1000)
        self.start_idle_state()

    def start_idle_state(self) -> None:
        """What happens after the idle timeout: back on screen (:meth:`restore_window`), clear the canvas, start the
        attract loop (if configured)."""
        self.restore_window()
        self.host.clear_drawing()
        if self.config.attract_loop:
            self.attract.start()

    def _on_press(self) -> None:
        if self.attract.is_running():
            self.attract.stop(clear=True)

    # -- admin exit -----------------------------------------------------------------------------------------
    def open_pin_dialog(self) -> PinDialog:
        """Show the PIN pad (non-blocking) and return it."""
        self._hold.stop()
        if self._pin_dialog is None:
            dialog = PinDialog(self.config.pin_hash, parent=self.window)
            dialog.unlocked.connect(self._admin_unlock)
            self._pin_dialog = dialog
        if not self._pin_dialog.isVisible():
            log.info("kiosk admin PIN pad opened")
            self._pin_dialog.open()
        return self._pin_dialog

    @property
    def pin_dialog(self) -> PinDialog | None:
        """The PIN pad if it was ever opened."""
        return self._pin_dialog

    def _admin_unlock(self) -> None:
        log.warning("kiosk admin exit")
        self._unlocked = True
        self.adminExit.emit()
        self.shutdown()
        QTimer.singleShot(0, self.window, self.window.close)

    # -- recovery -------------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to a clean state after an error: dialogs closed, canvas cleared, attract loop restarted."""
        w = self.window
        for getter in (QApplication.activePopupWidget, QApplication.activeModalWidget):
            widget = getter()
            if widget is not None and widget is not w:
                widget.close()
        if self._pin_dialog is not None and self._pin_dialog.isVisible():
            self._pin_dialog.reject()
        self.attract.stop(clear=False)
        self.host.clear_drawing()
        if self.host.sideTabs.count():
            self.host.sideTabs.setCurrentIndex(0)
        if self._active:
            self.restore_window()
            if self.config.attract_loop:
                self.attract.start()
            self.idle.restart()

    def _take_focus(self) -> None:
        """The kiosk is the only thing on screen: raise it and give it the keyboard."""
        if self._active and self.window.isVisible() and QApplication.activeModalWidget() is None:
            self.window.raise_()
            self.window.activateWindow()

    def _off_screen(self) -> str | None:
        """Why the window is off the screen (``"hidden"``, ``"minimised"``, ``"not full-screen"``), or None."""
        w = self.window
        state = w.windowState()
        if not w.isVisible():
            return "hidden"
        if state & Qt.WindowState.WindowMinimized:
            return "minimised"
        return None if state & Qt.WindowState.WindowFullScreen else "not full-screen"

    @staticmethod
    def _dialog_up() -> bool:
        return QApplication.activeModalWidget() is not None or QApplication.activePopupWidget() is not None

    def needs_restoring(self) -> bool:
        """Whether the kiosk window is off the screen: hidden, minimised, not full-screen, or (while no dialog of the
        app is up) not the active window."""
        return self._off_screen() is not None or (not self.window.isActiveWindow() and not self._dialog_up())

    def restore_window(self) -> None:
        """Put the kiosk back: visible, full-screen, on top and active.

        A window manager can hide or minimise it ("show desktop", Super+D) or another program can cover it; the screen
        would stay black for good. Called at once when Qt reports it (window state change, hide, the application no
        longer active; through a 0 ms timer) and, at the latest, at every idle reset and after each attract digit.
        """
        w = self.window
        if not self._active or self._unlocked or not self.needs_restoring():
            return
        why = self._off_screen()
        if why is not None:
            log.warning("kiosk: the window was %s; restoring it", why)
            w.setWindowState((w.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowFullScreen)
            w.showFullScreen()
        if not self._dialog_up():
            w.raise_()
            w.activateWindow()

    def exposed(self) -> bool:
        """Whether the window system shows the window (False while a window manager has it unmapped)."""
        handle = self.window.windowHandle()
        return handle is None or handle.isExposed()

    def _watch(self) -> None:
        """The watchdog (every :data:`WATCHDOG_MS`): a shown kiosk that is off the screen is put back.

        "Not exposed" must last two ticks (a full-screen switch is briefly unexposed too); then the window is
        mapped again (hide + show full screen: the window manager leaves its "show desktop" mode for it).
        """
        if not self._active or self._unlocked or not self._shown_once:
            return
        if self.window.isVisible() and not self.exposed():
            self._unexposed_ticks += 1
            if self._unexposed_ticks >= 2:
                self._unexposed_ticks = 0
                log.warning("kiosk: the window is visible but not on the screen (unmapped by the window manager); "
                            "showing it again")
                self.window.hide()
                self.window.showFullScreen()
                self._take_focus()
            return
        self._unexposed_ticks = 0
        if self._off_screen() is not None:
            self.restore_window()

    def _schedule_restore(self, *_: object) -> None:
        if self._active and not self._unlocked and not self._fullscreen_timer.isActive():
            self._fullscreen_timer.start()

    def _on_application_state(self, state: Qt.ApplicationState) -> None:
        if state != Qt.ApplicationState.ApplicationActive:  # another program came to the front
            self._schedule_restore()

    # -- the event filter -----------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        handler = self._HANDLERS.get(kind)
        if handler is None:
            return False
        return bool(handler(self, watched, event))

    def _on_close(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and not self._unlocked:
            event.ignore()
            log.info("kiosk: window close refused (admin exit needed)")
            return True
        return False

    def _on_window_state(self, watched: QObject, event: QEvent) -> bool:
        """WindowStateChange and Resize: anything that minimises it or takes it out of full-screen is undone."""
        if watched is self.window:
            state = self.window.windowState()
            if state & Qt.WindowState.WindowMinimized or not state & Qt.WindowState.WindowFullScreen:
                self._schedule_restore()
        return False

    def _on_hide(self, watched: QObject, event: QEvent) -> bool:
        """Hidden by the program or by the window manager (a spontaneous hide): shown again."""
        if watched is self.window:
            self._schedule_restore()
        return False

    def _on_deactivate(self, watched: QObject, event: QEvent) -> bool:
        """Another program's window took the focus (no window of this app is active): the kiosk takes it back."""
        if watched is self.window and QApplication.activeWindow() is None:
            self._schedule_restore()
        return False

    def _on_show(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window:
            self._shown_once = True
            QTimer.singleShot(0, self, self._take_focus)  # not after the controller is gone
        elif isinstance(watched, QFileDialog):
            if self.config.allow_export and watched.objectName() == EXPORT_DIALOG:
                return False  # an export's save dialog, allowed by the config
            log.warning("kiosk: file dialog %r closed (no file access in kiosk mode)", watched.windowTitle())
            QTimer.singleShot(0, watched, watched.reject)
        return False

    def _on_key(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent):  # KeyPress, KeyRelease and ShortcutOverride are key events
            return False
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key == Qt.Key.Key_A and mods == _ADMIN_CHORD:
            if event.type() == QEvent.Type.KeyPress:
                self.open_pin_dialog()
            return True
        if key == Qt.Key.Key_F4 and mods & Qt.KeyboardModifier.AltModifier:
            return True
        if key == Qt.Key.Key_Q and mods & Qt.KeyboardModifier.ControlModifier:
            return True
        return False

    def _on_shortcut(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(watched, QAction) and watched.objectName() in ALLOWED_ACTIONS:
            return False
        if isinstance(event, QShortcutEvent):
            log.debug("kiosk: shortcut %s swallowed", event.key().toString())
        return True

    def _on_context_menu(self, watched: QObject, event: QEvent) -> bool:
        return True

    def _on_mouse(self, watched: QObject, event: QEvent) -> bool:
        assert isinstance(event, QMouseEvent)
        button = event.button()
        kind = event.type()
        if button not in (Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton):
            return True  # right/middle clicks open menus: swallowed
        if kind == QEvent.Type.MouseButtonPress:
            self._maybe_start_hold(event)
        elif kind == QEvent.Type.MouseButtonRelease:
            self._hold.stop()
        elif kind == QEvent.Type.MouseMove and self._hold.isActive():
            pos = _event_global_pos(event)
            if pos is not None and not self._corner().contains(pos.toPoint()):
                self._hold.stop()
        return False

    def _on_touch(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.TouchBegin:
            self._maybe_start_hold(event)
        elif kind in (QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
            self._hold.stop()
        elif self._hold.isActive():
            pos = _event_global_pos(event)
            if pos is not None and not self._corner().contains(pos.toPoint()):
                self._hold.stop()
        return False

    def _corner(self) -> QRect:
        top_left = self.window.mapToGlobal(self.window.rect().topLeft())
        return QRect(top_left.x(), top_left.y(), CORNER_PX, CORNER_PX)

    def _maybe_start_hold(self, event: QEvent) -> None:
        pos = _event_global_pos(event)
        if pos is not None and self._corner().contains(pos.toPoint()):
            if not self._hold.isActive():
                self._hold.start()
        else:
            self._hold.stop()

    _HANDLERS: dict[QEvent.Type, Callable[[KioskController, QObject, QEvent], bool]] = {
        QEvent.Type.Close: _on_close,
        QEvent.Type.WindowStateChange: _on_window_state,
        QEvent.Type.Resize: _on_window_state,
        QEvent.Type.Hide: _on_hide,
        QEvent.Type.WindowDeactivate: _on_deactivate,
        QEvent.Type.Show: _on_show,
        QEvent.Type.KeyPress: _on_key,
        QEvent.Type.KeyRelease: _on_key,
        QEvent.Type.ShortcutOverride: _on_key,
        QEvent.Type.Shortcut: _on_shortcut,
        QEvent.Type.ContextMenu: _on_context_menu,
        QEvent.Type.MouseButtonPress: _on_mouse,
        QEvent.Type.MouseButtonRelease: _on_mouse,
        QEvent.Type.MouseButtonDblClick: _on_mouse,
        QEvent.Type.MouseMove: _on_mouse,
        QEvent.Type.TouchBegin: _on_touch,
        QEvent.Type.TouchUpdate: _on_touch,
        QEvent.Type.TouchEnd: _on_touch,
        QEvent.Type.TouchCancel: _on_touch,
    }


def retire_kiosk_controllers(window: KioskHost) -> None:
    """Shut down and delete every kiosk controller set up on ``window`` before (another one takes over)."""
    if isinstance(window, QObject):
        for old in window.findChildren(KioskController, "kioskController"):
            old.retire()


def apply_kiosk(
    window: KioskHost,
    config: KioskConfig,
    config_errors: tuple[str, ...] | list[str] = (),
    log_dir: str | Path | None = None,
    attract_options: dict[str, Any] | None = None,
) -> KioskController:
    """Make ``window`` a kiosk (see the module docstring); returns the applied :class:`KioskController`.

    The controller is a child of the window, so it lives exactly as long as the window.
    """
    return KioskController(window, config, config_errors, log_dir, attract_options).apply()

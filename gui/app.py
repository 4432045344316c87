"""Application entry points: :func:`create_window` (for tests and scripts) and :func:`run` (the GUI).

``convlens`` with no arguments calls :func:`run`, which opens the explorer on the shipped model
(``models/default.onnx`` if present, else ``models/default.npz``), offline, in the system's language
(``--lang`` chooses another), optionally in presenter mode (``--presenter``) and in a teacher profile
(``--profile simple``; :mod:`gui.profiles`).
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from convlens.gui.controller import Controller
from convlens.gui.kiosk.i18n import LanguageSwitcher, system_language
from convlens.gui.panels import configure_pyqtgraph
from convlens.gui.profiles import Profile
from convlens.gui.style import APP_STYLE
from convlens.gui.window import ExplorerWindow, show_message

__all__ = ["APP_NAME", "create_window", "install_excepthook", "run", "save_screenshot"]

APP_NAME = "ConvLens"
log = logging.getLogger(__name__)


def create_window(
    model_path: str | Path | None = None,
    kiosk: bool = False,
    config_path: str | Path | None = None,
    *,
    install_extras: bool = True,
    language: str | None = None,
    presenter: bool = False,
    profile: str | None = None,
) -> ExplorerWindow:
    """Build the whole application window without showing it (a QApplication must exist).

    Parameters
    ----------
    model_path : str or Path, optional
        Model to open (.onnx or .npz). Default: the last model trained in the app (user data folder), else the
        shipped ``models/default.onnx`` (or ``.npz``).
    kiosk : bool
        Kiosk mode: full-screen, frameless, locked down (``gui.kiosk``), configured by ``config_path``.
    config_path : str or Path, optional
        Kiosk TOML file (default: the user config folder).
    install_extras : bool
        Add the training tab (``gui.training``) and, with ``kiosk``, the kiosk controller. Tests that install
        them with their own settings pass False.
    language : str, optional
        ``"en"``, ``"de"``, ...: the window's language (View > Language switches it later). Default: the
        system's language (:func:`gui.kiosk.i18n.system_language`) for the explorer; for a kiosk the config's
        ``language`` key, which ``language`` overrides.
    presenter : bool
        Presenter mode (larger type, thicker lines; View > Presenter mode). A kiosk also turns it on with
        ``presenter_mode = true`` in its config.
    profile : str, optional
        ``"simple"`` or ``"full"`` (:mod:`gui.profiles`), not saved. Default: the profile saved by the last window
        (View > Profile); for a kiosk the config's ``profile`` / ``panels`` / ``controls`` keys, which ``profile``
        overrides.

    Returns
    -------
    ExplorerWindow
        With ``controller``, ``canvas``, ``last_prediction()``, ``predictionChanged``, ``add_tab``, the Learn tab
        (``lessonPanel``) and, with extras, ``trainingPanel`` (None when a kiosk forbids training) and
        ``kioskController``.
    """
    configure_pyqtgraph()
    controller, fallback_note = _open_controller(model_path)
    kiosk_config = None
    if kiosk and install_extras:
        from convlens.gui.kiosk import load_config

        kiosk_config = load_config(config_path)  # errors are shown once, by the kiosk controller
        overrides: dict[str, Any] = {}
        if language is not None:
            overrides["language"] = language  # `convlens kiosk --lang de` wins over the config's key
        if presenter:
            overrides["presenter_mode"] = True
        if profile is not None:
            overrides.update(profile=profile, panels=None, controls=None)  # `convlens kiosk --profile` wins
        if overrides:
            settings = dataclasses.replace(kiosk_config.config, **overrides)
            kiosk_config = dataclasses.replace(kiosk_config, config=settings)
    if kiosk:
        # The kiosk controller owns the language (its config's key); until it is set up, a temporary catalogue
        # makes every widget in that language from the start.
        building = LanguageSwitcher()
        building.set_language(kiosk_config.config.language if kiosk_config is not None else (language or "en"))
        if kiosk_config is not None:
            shown: Profile | str = kiosk_config.config.display_profile()
        else:
            shown = profile or "full"
        window = ExplorerWindow(controller, kiosk=True, profile=shown)
    else:
        building = None
        window = ExplorerWindow(
            controller, language=language if language is not None else system_language(), profile=profile
        )
    try:
        window.config_path = None if config_path is None else Path(config_path)
        if install_extras:
            from convlens.gui.training import install_training

            allow_training = kiosk_config.config.allow_training if kiosk_config is not None else True
            allow_export = kiosk_config.config.allow_export if kiosk_config is not None else None
            panel = install_training(window, allow_training=allow_training, allow_export=allow_export)
            window.trainingPanel = panel
            if panel is not None:
                window.add_to_draw_column(panel.make_correction_bar())
            if not kiosk:
                from convlens.gui.classroom import install_classroom

                window.classroomPanel = install_classroom(window)
            if kiosk:
                from convlens.gui.kiosk import setup_kiosk

                window.kioskController = setup_kiosk(window, config_path, config=kiosk_config)
                window.why.attach_kiosk(window.kioskController)  # the visitor's traces go at the idle reset
    finally:
        if building is not None:
            building.uninstall()
            building.deleteLater()
    if not (kiosk and install_extras):  # a kiosk's controller applies its config's presenter mode
        # off too: the window's type is then its own, which another window's presenter mode (it scales the
        # application font) leaves alone
        window.set_presenter(presenter)
    if fallback_note:
        window.statusBar().showMessage(fallback_note, 20000)
    return window


def _tr(text: str) -> str:
    """``QCoreApplication.translate("ConvLens", text)``: texts of the application itself (message boxes)."""
    return QCoreApplication.translate("ConvLens", text)


def _open_controller(model_path: str | Path | None) -> tuple[Controller, str | None]:
    """The controller on the model asked for; else on the model trained in the app last time; else on the shipped
    model. A last trained model that no longer opens (truncated, damaged) is set aside once: the app says so
    (the returned note), keeps its files in the store's ``damaged/`` folder and starts on the shipped model.
    An explicitly asked-for model that does not open still raises (``convlens --model F`` must not silently
    show another model)."""
    if model_path is not None:
        return Controller(model_path), None
    from convlens.services import model_store

    try:
        stored = model_store.current_model()
    except Exception:  # noqa: BLE001 - an unreadable user folder must not stop the app from starting
        log.exception("cannot read the user model store")
        stored = None
    if stored is not None and stored.path.is_file():
        try:
            return Controller(stored.path), None
        except (OSError, ValueError) as exc:
            kept = model_store.set_aside_damaged(stored, str(exc))
            log.error(
                "Your last trained model could not be opened (%s); using the shipped model. "
                "The damaged files are kept in %s.",
                exc,
                kept,
            )
            note = _tr(
                "Your last trained model could not be opened ({0}); using the shipped model. "
                "The damaged files are kept in {1}."
            ).format(exc, kept)
            return Controller(None), note
    return Controller(None), None


def save_screenshot(
    path: str | Path,
    digit: int = 7,
    size: tuple[int, int] = (1600, 1000),
    theme: str = "dark",
    model_path: str | Path | None = None,
    select: tuple[str, int] | None = ("pool1", 3),
) -> Path:
    """Draw a sample digit with real mouse events in a fresh window and save the window as a PNG.

    Used for the README screenshot (``docs/screenshots/explorer.png``); works offscreen
    (``QT_QPA_PLATFORM=offscreen``).  A QApplication must exist.

    Parameters
    ----------
    path : str or Path
        Where to write the PNG.
    digit : int
        Which of :data:`gui.render.SAMPLE_STROKES` to draw.
    size : tuple of int
        Window size (width, height) in logical pixels.
    theme : str
        ``"dark"`` or ``"light"``.
    model_path : str or Path, optional
        Model to open (default model otherwise).
    select : tuple of (str, int), optional
        A feature map to click, ``(layer, index)``, so the shot shows a highlighted filter.
    """
    from PySide6.QtCore import QPointF
    from PySide6.QtTest import QTest

    from convlens.gui.render import SAMPLE_STROKES

    app = QApplication.instance()
    assert app is not None, "create a QApplication first"
    window = create_window(model_path)
    window.set_theme(theme)
    window.resize(*size)
    window.show()
    app.processEvents()
    canvas = window.canvas
    for stroke in SAMPLE_STROKES[digit]:
        points = [canvas.normalised_to_widget(x, y).toPoint() for x, y in stroke]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
        for p in points[1:]:
            QTest.mouseMove(canvas, p)
            app.processEvents()
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])
    canvas.flush()
    app.processEvents()
    if select is not None:
        panel = window.featureMapsPanel
        grid = panel.grid(select[0])
        y, x = grid.mosaic_centre(select[1])
        pos = panel.view.mapFromScene(grid.view.mapViewToScene(QPointF(x, y)))
        QTest.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
        QTest.mouseMove(panel.view.viewport(), pos)
    app.processEvents()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out)):
        raise OSError(f"cannot write {out}")
    window.close()
    return out


_in_handler = False


def _excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Log an uncaught exception and tell the user, instead of aborting the app."""
    global _in_handler
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    log.error("uncaught exception", exc_info=(exc_type, exc, tb))
    if _in_handler or QApplication.instance() is None:
        traceback.print_exception(exc_type, exc, tb)
        return
    _in_handler = True
    try:
        show_message(
            _main_window(),
            QMessageBox.Icon.Critical,
            _tr("ConvLens: something went wrong"),
            _tr("An unexpected error happened; the app keeps running.\n\n{0}").format(f"{exc_type.__name__}: {exc}"),
        )
    finally:
        _in_handler = False


def _main_window() -> ExplorerWindow | None:
    """The explorer window on screen (message boxes take its look), if any."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return None
    shown = [w for w in app.topLevelWidgets() if isinstance(w, ExplorerWindow) and w.isVisible()]
    return shown[0] if shown else None


def install_excepthook() -> None:
    """Route uncaught exceptions (including those raised in Qt slots) to a log entry and a message box."""
    sys.excepthook = _excepthook


def make_application() -> QApplication:
    """The QApplication ConvLens runs in (created with the app's name and style if there is none yet)."""
    return _make_application()


def _make_application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    # No application display name: Qt would append " — ConvLens" to every title, which already names the app.
    app.setOrganizationName(APP_NAME)
    app.setStyle(APP_STYLE)
    return app


def run(
    model_path: str | Path | None = None,
    kiosk: bool = False,
    config_path: str | Path | None = None,
    language: str | None = None,
    presenter: bool = False,
    profile: str | None = None,
) -> int:
    """Create the QApplication, show the explorer and run the event loop.

    Parameters
    ----------
    model_path : str or Path, optional
        Model to open; see :func:`create_window`.
    kiosk : bool
        Kiosk mode flag (passed to the window as ``window.kiosk``).
    config_path : str or Path, optional
        Kiosk/config file; stored as ``window.config_path`` for the kiosk mode.
    language : str, optional
        ``"en"``, ``"de"``: see :func:`create_window` (default: the system's language; a kiosk's config).
    presenter : bool
        Presenter mode (larger type and lines for a projector).
    profile : str, optional
        ``"simple"`` or ``"full"``: see :func:`create_window`.

    Returns
    -------
    int
        The event loop's exit code.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = _make_application()
    configure_pyqtgraph()
    install_excepthook()
    try:
        window = create_window(
            model_path, kiosk=kiosk, config_path=config_path, language=language, presenter=presenter, profile=profile
        )
    except (OSError, ValueError) as exc:
        switcher = LanguageSwitcher()  # the message in the language the window would have had
        switcher.set_language(language if language is not None else system_language())
        show_message(
            None,
            QMessageBox.Icon.Critical,
            _tr("Cannot open the model"),
            _tr("The model could not be opened:\n\n{0}").format(exc),
        )
        switcher.uninstall()
        return 2  # like a usage error: restarting (the kiosk supervisor) cannot fix the file named
    window.show()
    status = int(app.exec())
    if window.kioskController is not None and window.kioskController.unlocked:
        from convlens.services.supervisor import mark_admin_exit

        mark_admin_exit()  # tells `convlens kiosk`'s supervisor not to start the window again
    return status

"""Train with a button: the training tab, its worker, results, "Correct me" and the user's model store.

:func:`install_training` wires everything into the explorer window. Imports are lazy so that
:mod:`convlens.services.model_store` (no Qt) can be used from a plain subprocess.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from convlens.gui.training.panel import TrainingPanel

__all__ = ["install_training"]

TAB_TITLE = "Training"


def install_training(window: Any, allow_training: bool = True, data_base: Any = None) -> TrainingPanel | None:
    """Add the training tab to ``window`` and connect its Train button and File menu.

    Parameters
    ----------
    window : ExplorerWindow
        Uses ``window.controller``, ``window.canvas``, ``window.kiosk``, ``window.add_tab``, the ``trainButton``
        and (outside kiosk mode) the File menu.
    allow_training : bool
        In kiosk mode with ``allow_training=False`` nothing is added and the Train button is hidden.
    data_base : path, optional
        User data directory (default: ``$CONVLENS_DATA_DIR`` or platformdirs' user data dir).

    Returns
    -------
    TrainingPanel or None
        The panel (objectName ``trainingPanel``), or None when training is forbidden in kiosk mode.

    Notes
    -----
    The Train button opens (or raises) the tab. File menu, outside kiosk mode: "Save model as…" (the window's
    own action is enabled and connected, or one is added), "Open model…" (only if the window has none) and
    "Reset to the factory model". The panel's jobs are cancelled when the application quits.
    """
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QApplication, QMenu, QPushButton, QTabWidget

    from convlens.gui.training.panel import TrainingPanel, tr

    kiosk = bool(getattr(window, "kiosk", False))
    train_button = getattr(window, "trainButton", None) or getattr(window, "train_button", None)
    if train_button is None:
        train_button = window.findChild(QPushButton, "trainButton")
    if kiosk and not allow_training:
        if train_button is not None:
            train_button.setVisible(False)
            train_button.setEnabled(False)
        return None

    panel = TrainingPanel(
        getattr(window, "controller", None),
        getattr(window, "canvas", None),
        kiosk=kiosk,
        allow_training=allow_training,
        data_base=data_base,
    )
    add_tab = getattr(window, "add_tab", None)
    tabs = window.findChild(QTabWidget, "sideTabs")
    if callable(add_tab):
        add_tab(panel, tr(TAB_TITLE))
    elif tabs is not None:
        tabs.addTab(panel, tr(TAB_TITLE))

    def show_panel() -> None:
        show_tab = getattr(window, "show_tab", None)
        if callable(show_tab):
            show_tab(panel)
        elif tabs is not None and tabs.indexOf(panel) >= 0:
            tabs.setCurrentWidget(panel)
        panel.setFocus()

    if train_button is not None:
        train_button.clicked.connect(show_panel)
    panel.show_panel = show_panel  # type: ignore[attr-defined]

    if not kiosk:
        menu = _file_menu(window, QMenu)
        if menu is not None:
            save = window.findChild(QAction, "saveModelAction")
            if save is None:
                save = QAction(tr("&Save model as…"), window)
                save.setObjectName("saveModelAction")
                menu.addAction(save)
            save.setEnabled(True)
            save.setToolTip(tr("Save the model in use as .onnx or .npz"))
            save.triggered.connect(panel.save_model_dialog)
            if window.findChild(QAction, "openModelAction") is None:
                open_action = QAction(tr("&Open model…"), window)
                open_action.setObjectName("openModelAction")
                open_action.triggered.connect(panel.open_model_dialog)
                menu.insertAction(save, open_action)
            reset = QAction(tr("&Reset to the factory model"), window)
            reset.setObjectName("factoryResetAction")
            reset.triggered.connect(panel.reset_to_factory)
            actions = menu.actions()
            after = actions.index(save) + 1 if save in actions else len(actions)
            if after < len(actions):
                menu.insertAction(actions[after], reset)
            else:
                menu.addAction(reset)
            panel.factory_reset_action = reset  # type: ignore[attr-defined]

    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(panel.shutdown)
    return panel


def _file_menu(window: Any, menu_type: Any) -> Any:
    """The window's File menu: ``window.menu("file")``, a QMenu named ``fileMenu``, or the first menu."""
    getter = getattr(window, "menu", None)
    if callable(getter):
        try:
            return getter("file")
        except (KeyError, TypeError):
            pass
    menu = window.findChild(menu_type, "fileMenu")
    if menu is not None:
        return menu
    bar = window.menuBar() if callable(getattr(window, "menuBar", None)) else None
    if bar is None:
        return None
    for action in bar.actions():
        if action.menu() is not None and action.text().replace("&", "").lower().startswith("file"):
            return action.menu()
    return bar.addMenu("&File")

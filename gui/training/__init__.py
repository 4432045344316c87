"""Train with a button: the training tab, its session and views, "Correct me" and the model files.

Modules: :mod:`~.session` (the run: worker thread, preview, outcome; no widgets), :mod:`~.worker` (the job the
thread runs: ``services.training.run_training`` plus the save), the views :mod:`~.panel` (the tab),
:mod:`~.form`, :mod:`~.data_box`, :mod:`~.run_status`, :mod:`~.curves`, :mod:`~.results`, :mod:`~.corrections`,
:mod:`~.model_box`, :mod:`~.timelapse`, and :mod:`~.canvas_bridge` (a test digit onto the canvas).
:func:`install_training` wires the tab into the explorer window.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from convlens.gui.training.panel import TrainingPanel, tr

if TYPE_CHECKING:
    from convlens.gui.window import ExplorerWindow

__all__ = ["TrainingPanel", "install_training"]

TAB_TITLE = "Training"


def install_training(
    window: ExplorerWindow,
    allow_training: bool = True,
    data_base: str | os.PathLike[str] | None = None,
    allow_export: bool | None = None,
) -> TrainingPanel | None:
    """Add the training tab to ``window`` and connect its Train button and File menu.

    Parameters
    ----------
    window : ExplorerWindow
        Uses ``controller``, ``canvas``, ``kiosk``, ``add_tab``/``show_tab``, ``trainRequested`` (the Train
        button), ``trainButton`` and, outside kiosk mode, ``menu("file")`` and ``saveModelAction``.
    allow_training : bool
        In kiosk mode with ``allow_training=False`` nothing is added and the Train button is hidden.
    data_base : path, optional
        User data directory (default: ``$CONVLENS_DATA_DIR`` or platformdirs' user data dir).
    allow_export : bool, optional
        Offer the time-lapse exports (default: outside kiosk mode only; a kiosk passes its config's
        ``allow_export``).

    Returns
    -------
    TrainingPanel or None
        The panel (objectName ``trainingPanel``), or None when training is forbidden in kiosk mode.

    Notes
    -----
    The Train button opens (or raises) the tab. Outside kiosk mode the window's File > "Save model as…" is
    enabled and saves the model in use, and "Reset to the factory model" is added after it (opening a model is
    the window's own File > "Open model…"). The panel's jobs are cancelled when the application quits.
    """
    if window.kiosk and not allow_training:
        window.trainButton.setVisible(False)
        window.trainButton.setEnabled(False)
        return None

    panel = TrainingPanel(
        window.controller,
        window.canvas,
        kiosk=window.kiosk,
        allow_training=allow_training,
        allow_export=allow_export,
        data_base=data_base,
    )
    window.add_tab(panel, tr(TAB_TITLE))

    def show_panel() -> None:
        window.show_tab(panel)
        panel.setFocus()

    window.trainRequested.connect(show_panel)

    if not window.kiosk:
        save = window.saveModelAction
        save.setEnabled(True)
        save.setToolTip(tr("Save the model in use as .onnx or .npz"))
        save.triggered.connect(panel.save_model_dialog)
        reset = QAction(tr("&Reset to the factory model"), window)
        reset.setObjectName("factoryResetAction")
        reset.triggered.connect(panel.reset_to_factory)
        menu = window.menu("file")
        actions = menu.actions()
        after = actions.index(save) + 1 if save in actions else len(actions)
        if after < len(actions):
            menu.insertAction(actions[after], reset)
        else:
            menu.addAction(reset)

    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(panel.shutdown)
    return panel

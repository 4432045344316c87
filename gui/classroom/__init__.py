"""Class mode: "our class's handwriting" (issue #17).

Pupils take turns drawing the digit the tab asks for; the drawings stay on this machine as a class set
(:mod:`convlens.services.classset`); "Teach the network our handwriting" fine-tunes the network in use on them
(:mod:`convlens.services.finetune`) and shows the held-out accuracy before and after. Modules: :mod:`~.panel`
(the tab), :mod:`~.teach` (the run, no widgets), :mod:`~.results` (before/after view).
:func:`install_classroom` adds the tab and the File menu's Import/Export class set entries to the explorer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from convlens.gui.classroom.panel import ClassroomPanel, tr

if TYPE_CHECKING:
    from convlens.gui.window import ExplorerWindow

__all__ = ["ClassroomPanel", "install_classroom"]


def install_classroom(window: ExplorerWindow) -> ClassroomPanel | None:
    """Add the "Class" tab and File > Import class set… / Export class set… to ``window`` (not in a kiosk).

    Returns
    -------
    ClassroomPanel or None
        The panel (objectName ``classroomPanel``); None in kiosk mode.
    """
    if window.kiosk:
        return None
    panel = ClassroomPanel(window.controller)
    menu = window.menu("file")
    import_action = QAction(tr("Import class set…"), window)
    import_action.setObjectName("importClassSetAction")

    def import_class_set() -> None:
        window.show_tab(panel)
        panel.import_dialog()

    import_action.triggered.connect(import_class_set)
    export_action = QAction(tr("Export class set…"), window)
    export_action.setObjectName("exportClassSetAction")
    export_action.triggered.connect(panel.export_dialog)
    actions = menu.actions()
    quit_action = actions[-1] if actions else None  # before the separator and Quit
    before = actions[-2] if len(actions) >= 2 and actions[-2].isSeparator() else quit_action
    if before is not None:
        menu.insertActions(before, [import_action, export_action])
    else:
        menu.addActions([import_action, export_action])
    window.add_tab(panel, tr("Class"))  # after the menu entries: the teacher profile shows or disables all three
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(panel.shutdown)
    return panel

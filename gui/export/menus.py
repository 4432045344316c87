"""The window's export entries: File > Export figure…, File > Export lesson…, and "Export figure…" on each panel.

:func:`install_exports` gives an :class:`~gui.window.ExplorerWindow` an :class:`ExportController` (objectName
``exportController``) with two actions in the File menu (``exportFigureAction``, ``exportLessonAction``) and a
right-click menu on every panel (:func:`gui.export.figures.window_figures`) holding one entry, "Export figure…"
(``exportFigureContextAction``). File > Export figure… opens :class:`FigureExportDialog` (choose the panel and the
format), then a save dialog; Export lesson… writes the handout of the current drawing
(:mod:`gui.export.handout`).

Every save dialog is a ``QFileDialog`` named :data:`EXPORT_DIALOG_NAME`: the kiosk closes any file dialog the moment
it appears, except these when its config allows exports (``allow_export = true``); by default the kiosk keeps them,
and the menu bar and right-click menus, out of reach (:mod:`gui.kiosk.controller`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol, cast

from PySide6.QtCore import QObject, QPoint, QSettings, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from convlens.gui.export.figures import FIGURE_FORMATS, Figure, FigureHost, export_figure, window_figures
from convlens.gui.export.handout import write_handout_pdf
from convlens.services.handout import Handout, build_handout

__all__ = [
    "EXPORT_DIALOG_NAME",
    "ExportController",
    "ExportHost",
    "FigureExportDialog",
    "ask_save_path",
    "install_exports",
]

log = logging.getLogger(__name__)

EXPORT_DIALOG_NAME = "exportFileDialog"
"""objectName of the exports' save dialogs (the only file dialogs a kiosk with ``allow_export`` lets through)."""
_LAST_DIR_KEY = "lastExportDir"


def figure_panel(key: str) -> str | None:
    """The teacher profile's panel (:data:`gui.profiles.PANELS`) a figure belongs to; None: always shown (canvas)."""
    if key.startswith("lesson"):
        return "learn"
    return {"input": "network_input", "maps": "feature_maps", "filters": "filters", "probabilities": "probabilities",
            "curves": "training", "confusion": "training", "class": "class"}.get(key)


class ExportHost(FigureHost, Protocol):
    """What the export actions use of the explorer window (``gui.window.ExplorerWindow``), besides it being a
    ``QMainWindow``: its panels (:class:`~gui.export.figures.FigureHost`), the controller, the File menu and the
    language."""

    controller: Any

    def menu(self, name: str) -> QMenu: ...

    def statusBar(self) -> Any: ...  # noqa: N802 - QMainWindow.statusBar

    def language(self) -> str: ...


def ask_save_path(parent: QWidget, caption: str, suggested: str, filters: str) -> Path | None:
    """A save dialog (objectName :data:`EXPORT_DIALOG_NAME`) starting in the last export folder; None if cancelled."""
    settings = QSettings("ConvLens", "ConvLens")
    folder = Path(str(settings.value(_LAST_DIR_KEY, "") or Path.home()))
    dialog = QFileDialog(parent, caption, str(folder / suggested), filters)
    dialog.setObjectName(EXPORT_DIALOG_NAME)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    suffix = Path(suggested).suffix.lstrip(".")
    if suffix:
        dialog.setDefaultSuffix(suffix)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return None
        path = Path(dialog.selectedFiles()[0])
    finally:
        dialog.deleteLater()
    settings.setValue(_LAST_DIR_KEY, str(path.parent))
    return path


class FigureExportDialog(QDialog):
    """Choose a panel (``figurePanelCombo``) and a format (``figureFormatCombo``: PNG or SVG); objectName
    ``figureExportDialog``."""

    def __init__(self, figures: list[Figure], parent: QWidget | None = None, current: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("figureExportDialog")
        self.setWindowTitle(self.tr("Export figure"))
        self.panelCombo = QComboBox()
        self.panelCombo.setObjectName("figurePanelCombo")
        for figure in figures:
            self.panelCombo.addItem(figure.title, figure.key)
        if current is not None and self.panelCombo.findData(current) >= 0:
            self.panelCombo.setCurrentIndex(self.panelCombo.findData(current))
        self.formatCombo = QComboBox()
        self.formatCombo.setObjectName("figureFormatCombo")
        self.formatCombo.addItem(self.tr("PNG picture"), "png")
        self.formatCombo.addItem(self.tr("SVG drawing (scales without blur)"), "svg")
        intro = QLabel(self.tr("Save one panel of the window as a picture, for slides or worksheets."))
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Panel:"), self.panelCombo)
        form.addRow(self.tr("Format:"), self.formatCombo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.setObjectName("figureExportButtons")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def choice(self) -> tuple[str, str]:
        """``(panel key, format)`` chosen."""
        return str(self.panelCombo.currentData()), str(self.formatCombo.currentData())


class ExportController(QObject):
    """The export actions of one explorer window (see the module docstring).

    Attributes
    ----------
    figureAction, lessonAction : QAction
        File > Export figure… (``exportFigureAction``) and File > Export lesson… (``exportLessonAction``).
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("exportController")
        self.main = window
        self.host = cast(ExportHost, window)
        self._menus_on: set[int] = set()
        self.figureAction = QAction(self.main)
        self.figureAction.setObjectName("exportFigureAction")
        self.figureAction.triggered.connect(lambda: self.export_figure_dialog())
        self.lessonAction = QAction(self.main)
        self.lessonAction.setObjectName("exportLessonAction")
        self.lessonAction.triggered.connect(lambda: self.export_lesson_dialog())
        file_menu = self.host.menu("file")
        anchor = next((a for a in file_menu.actions() if a.isSeparator()), None)  # before Quit
        if anchor is None:
            file_menu.addSeparator()
            file_menu.addActions([self.figureAction, self.lessonAction])
        else:
            file_menu.insertSeparator(anchor)
            file_menu.insertActions(anchor, [self.figureAction, self.lessonAction])
        self.attach_context_menus()
        self.retranslate_ui()

    # -- texts ----------------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        """The actions' texts in the current language (the window calls it on every language change)."""
        self.figureAction.setText(self.tr("Export &figure…"))
        self.figureAction.setToolTip(self.tr("Save a panel as a PNG picture or an SVG drawing"))
        self.lessonAction.setText(self.tr("Export &lesson…"))
        self.lessonAction.setToolTip(self.tr("Save the Learn steps on your drawing as a PDF handout to print"))

    # -- right-click menus ----------------------------------------------------------------------------------
    def figures(self) -> list[Figure]:
        """Every exportable panel of the window that its teacher profile shows (:mod:`gui.profiles`)."""
        switcher = getattr(self.main, "profiles", None)  # none yet while the window is being built
        shown = switcher.profile().panels if switcher is not None else None
        return [f for f in window_figures(self.main)
                if shown is None or figure_panel(f.key) is None or figure_panel(f.key) in shown]

    def attach_context_menus(self) -> None:
        """Give every panel its right-click "Export figure…" (panels added later, e.g. training, at the next call)."""
        for figure in self.figures():
            widget = figure.context_widget
            if id(widget) in self._menus_on:
                continue
            self._menus_on.add(id(widget))
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(
                lambda pos, w=widget, key=figure.key: self._context_menu(w, key, pos)
            )

    def context_menu(self, key: str) -> QMenu:
        """The right-click menu of panel ``key`` (objectName ``figureContextMenu``), not yet shown."""
        menu = QMenu(self.main)
        menu.setObjectName("figureContextMenu")
        action = menu.addAction(self.tr("Export figure…"))
        action.setObjectName("exportFigureContextAction")
        action.triggered.connect(lambda: self.export_figure_dialog(key))
        menu.aboutToHide.connect(menu.deleteLater)
        return menu

    def _context_menu(self, widget: QWidget, key: str, pos: QPoint) -> None:
        if not self.figureAction.isEnabled():  # the kiosk disabled exporting
            return
        self.context_menu(key).popup(widget.mapToGlobal(pos))

    # -- figures --------------------------------------------------------------------------------------------
    def export_figure_dialog(self, key: str | None = None) -> Path | None:
        """File > Export figure… (or a panel's right-click entry, ``key`` chosen): the panel and the format, then
        where to save; returns the file written (None if cancelled or failed; a failure is shown in a box)."""
        figures = self.figures()
        dialog = FigureExportDialog(figures, self.main, current=key)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            chosen, fmt = dialog.choice()
        finally:
            dialog.deleteLater()
        filters = self.tr("PNG pictures (*.png)") if fmt == "png" else self.tr("SVG drawings (*.svg)")
        path = ask_save_path(self.main, self.tr("Export figure"), f"convlens-{chosen}.{fmt}", filters)
        if path is None:
            return None
        if path.suffix.lower().lstrip(".") not in FIGURE_FORMATS:
            path = path.with_name(path.name + f".{fmt}")
        return self.export_figure_to(chosen, path)

    def export_figure_to(self, key: str, path: str | Path) -> Path | None:
        """Write panel ``key`` to ``path`` (.png or .svg), bringing it on screen first; errors go to a message box."""
        figure = next((f for f in self.figures() if f.key == key), None)
        if figure is None:
            raise KeyError(f"no panel {key!r}")
        tabs = self.host.sideTabs
        before = tabs.currentIndex()
        lesson_step = self.host.lessonPanel.current_step()
        try:
            if figure.reveal is not None:
                figure.reveal()
            ensure = getattr(figure.widget, "ensure_fresh", None)
            if callable(ensure):
                ensure()
            QApplication.processEvents()
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                written = export_figure(figure.widget, path, title=figure.title)
            finally:
                QGuiApplication.restoreOverrideCursor()
        except (OSError, ValueError) as exc:
            log.warning("cannot export %s to %s: %s", key, path, exc)
            self._error(self.tr("Cannot save the figure"),
                        self.tr("The figure could not be saved:\n\n{0}").format(exc))
            return None
        finally:
            if figure.reveal is not None:
                tabs.setCurrentIndex(before)
                self.host.lessonPanel.goto_step(lesson_step)
        self.host.statusBar().showMessage(self.tr("Saved {0}").format(Path(written).name), 6000)
        return written

    # -- the lesson handout ---------------------------------------------------------------------------------
    def current_handout(self) -> Handout | None:
        """The handout of the drawing on the canvas now (None when the canvas is empty)."""
        result = self.host.controller.last_result()
        if result.image28 is None:
            return None
        info = self.host.controller.current_model_info()
        model = self.host.controller.model
        kinds = {layer.name: layer.kind for layer in model.layer_infos()} if model is not None else {}
        return build_handout(
            result.image28,
            result.probs,
            filters=info.filters,
            metadata=info.metadata,
            shapes=info.shapes,
            kinds=kinds,
            model_name=info.path.name if info.path is not None else (self.tr("none") if not info.has_model
                                                                     else self.tr("changed in this session")),
        )

    def export_lesson_dialog(self) -> Path | None:
        """File > Export lesson…: where to save, then the handout of the current drawing as a PDF."""
        if self.current_handout() is None:
            self._error(self.tr("Draw a digit first"),
                        self.tr("The handout shows every Learn step on your own digit: draw one on the canvas first."),
                        QMessageBox.Icon.Information)
            return None
        path = ask_save_path(self.main, self.tr("Export lesson"), "convlens-lesson.pdf",
                             self.tr("PDF documents (*.pdf)"))
        if path is None:
            return None
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        return self.export_lesson_to(path)

    def export_lesson_to(self, path: str | Path) -> Path | None:
        """Write the handout of the current drawing to ``path``; errors go to a message box."""
        handout = self.current_handout()
        if handout is None:
            return None
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            pages = write_handout_pdf(handout, path, language=self.host.language())
        except OSError as exc:
            log.warning("cannot write the handout %s: %s", path, exc)
            self._error(self.tr("Cannot save the handout"),
                        self.tr("The handout could not be saved:\n\n{0}").format(exc))
            return None
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.host.statusBar().showMessage(
            self.tr("Saved the lesson handout ({0} pages) as {1}").format(pages, Path(path).name), 8000)
        return Path(path)

    def _error(self, title: str, text: str, icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> None:
        if icon == QMessageBox.Icon.Information:
            QMessageBox.information(self.main, title, text)
        else:
            QMessageBox.warning(self.main, title, text)


def install_exports(window: QMainWindow) -> ExportController:
    """Add the export actions and the panels' right-click menus to ``window``."""
    return ExportController(window)

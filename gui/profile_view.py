"""Teacher profiles on the window: View > Profile (Simple / Full / Choose panels…), applied live and remembered.

:class:`ProfileSwitcher` applies a :class:`~gui.profiles.Profile` (plain data, :mod:`gui.profiles`) to the explorer
window's widgets:

* a hidden panel's widget is hidden; a side tab whose panel is hidden is taken off the tab bar
  (``QTabWidget.setTabVisible``, as the kiosk hides the training tab); the Network tab goes when none of its four
  panels is left, the tab bar when one tab is left, the whole right side when none is;
* a hidden control's widget is hidden and its menu entry disabled (a hidden switch is also switched off: the
  pooled maps alone, no preprocessing steps, no canvas overlay); a toolbar left empty is hidden;
* the type scale goes through presenter mode's scaling (:meth:`ExplorerWindow.set_type_scale`,
  :func:`gui.style.set_presenter_mode`), so the simple profile's type is presenter mode's.

The choice is saved in ``QSettings`` (``profile/name``, ``profile/panels``, ``profile/controls``) and restored by the
next window; ``convlens --profile simple`` and the kiosk config's ``profile`` key choose one at start without saving
it.
"""

from __future__ import annotations

from typing import Any, cast

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, QSettings, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QMainWindow,
    QMenu,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from convlens.gui.profiles import BUILT_IN, CONTROLS, CUSTOM, FULL, PANELS, Profile, builtin_profile, parse_names

__all__ = ["PANEL_LABELS", "CONTROL_LABELS", "ChoosePanelsDialog", "ProfileSwitcher", "load_saved_profile"]

_CONTEXT = "ProfileSwitcher"


def tr(text: str) -> str:
    """``QCoreApplication.translate("ProfileSwitcher", text)``."""
    return QCoreApplication.translate(_CONTEXT, text)


PANEL_LABELS = {
    "probabilities": QT_TRANSLATE_NOOP("ProfileSwitcher", "Probabilities"),
    "feature_maps": QT_TRANSLATE_NOOP("ProfileSwitcher", "Feature maps (pooled)"),
    "network_input": QT_TRANSLATE_NOOP("ProfileSwitcher", "Network input (28×28)"),
    "layers": QT_TRANSLATE_NOOP("ProfileSwitcher", "Layer table"),
    "filters": QT_TRANSLATE_NOOP("ProfileSwitcher", "Filters"),
    "learn": QT_TRANSLATE_NOOP("ProfileSwitcher", "Learn tab"),
    "why": QT_TRANSLATE_NOOP("ProfileSwitcher", "Why? tab"),
    "training": QT_TRANSLATE_NOOP("ProfileSwitcher", "Training tab"),
    "class": QT_TRANSLATE_NOOP("ProfileSwitcher", "Class tab"),
}
"""Each panel's name in the "Choose panels…" dialog (English; shown through :func:`tr`)."""
CONTROL_LABELS = {
    "undo_clear": QT_TRANSLATE_NOOP("ProfileSwitcher", "Undo and Clear"),
    "conv_maps": QT_TRANSLATE_NOOP("ProfileSwitcher", "Maps after each conv"),
    "preprocessing_steps": QT_TRANSLATE_NOOP("ProfileSwitcher", "Preprocessing steps"),
    "open_model": QT_TRANSLATE_NOOP("ProfileSwitcher", "Open model"),
    "train": QT_TRANSLATE_NOOP("ProfileSwitcher", "Train button"),
    "theme": QT_TRANSLATE_NOOP("ProfileSwitcher", "Theme switch"),
    "correct_me": QT_TRANSLATE_NOOP("ProfileSwitcher", "“Correct me” bar"),
    "saliency_overlay": QT_TRANSLATE_NOOP("ProfileSwitcher", "“Where it looks” switch"),
    "export": QT_TRANSLATE_NOOP("ProfileSwitcher", "Export figures and lesson"),
}
"""Each control's name in the "Choose panels…" dialog (English; shown through :func:`tr`)."""
_KEY_NAME, _KEY_PANELS, _KEY_CONTROLS = "profile/name", "profile/panels", "profile/controls"
_NETWORK_PANELS = ("feature_maps", "network_input", "layers", "filters")


def _settings() -> QSettings:
    return QSettings("ConvLens", "ConvLens")


def _as_list(value: Any) -> list[str]:
    """A QSettings list as Python strings (an empty list comes back as None or "", one item as a string)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def load_saved_profile() -> Profile:
    """The profile saved by the last window (:data:`gui.profiles.FULL` when none was, or it cannot be read)."""
    settings = _settings()
    name = settings.value(_KEY_NAME, "")
    if name in BUILT_IN:
        return BUILT_IN[str(name)]
    if name == CUSTOM:
        try:
            panels = parse_names(_as_list(settings.value(_KEY_PANELS)), PANELS, "panel")
            controls = parse_names(_as_list(settings.value(_KEY_CONTROLS)), CONTROLS, "control")
            scale = float(str(settings.value("profile/type_scale", 1.0)))
            return FULL.with_choice(panels, controls) if scale == 1.0 else Profile(CUSTOM, panels, controls, scale)
        except ValueError:
            return FULL  # a damaged entry (an older version's names): everything, rather than nothing
    return FULL


def save_profile(profile: Profile) -> None:
    """Remember ``profile`` for the next window."""
    settings = _settings()
    settings.setValue(_KEY_NAME, profile.name)
    settings.setValue(_KEY_PANELS, sorted(profile.panels))
    settings.setValue(_KEY_CONTROLS, sorted(profile.controls))
    settings.setValue("profile/type_scale", float(profile.type_scale))


class ChoosePanelsDialog(QDialog):
    """View > Profile > Choose panels…: a check box per panel (``panelCheck_<name>``) and control
    (``controlCheck_<name>``); objectName ``choosePanelsDialog``."""

    def __init__(self, profile: Profile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("choosePanelsDialog")
        self.setWindowTitle(tr("Choose panels"))
        self.panelChecks: dict[str, QCheckBox] = {}
        self.controlChecks: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        for title, names, labels, checks, prefix, shown in (
            (tr("Panels"), PANELS, PANEL_LABELS, self.panelChecks, "panelCheck_", profile.panels),
            (tr("Controls"), CONTROLS, CONTROL_LABELS, self.controlChecks, "controlCheck_", profile.controls),
        ):
            box = QGroupBox(title)
            box.setObjectName(prefix.removesuffix("_") + "Group")
            grid = QGridLayout(box)
            for i, name in enumerate(names):
                check = QCheckBox(tr(str(labels[name])))
                check.setObjectName(prefix + name)
                check.setChecked(name in shown)
                grid.addWidget(check, i // 2, i % 2)
                checks[name] = check
            layout.addWidget(box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.setObjectName("choosePanelsButtons")
        for which, name in ((QDialogButtonBox.StandardButton.Ok, "choosePanelsOk"),
                            (QDialogButtonBox.StandardButton.Cancel, "choosePanelsCancel")):
            button = buttons.button(which)
            if button is not None:
                button.setObjectName(name)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen_panels(self) -> frozenset[str]:
        """The ticked panels."""
        return frozenset(name for name, check in self.panelChecks.items() if check.isChecked())

    def chosen_controls(self) -> frozenset[str]:
        """The ticked controls."""
        return frozenset(name for name, check in self.controlChecks.items() if check.isChecked())


class ProfileSwitcher(QObject):
    """Applies profiles to an explorer window and owns View > Profile; objectName ``profileSwitcher``.

    Parameters
    ----------
    window : QMainWindow
        The explorer window (``gui.window.ExplorerWindow``, not imported here: it imports this module). Used: its
        panels (``probabilitiesPanel``, ``featureMapsPanel``, ``filtersPanel``, ``networkInputPanel``,
        ``architectureScroll``, ``mapsFiltersSplitter``), ``sideTabs`` and its pages (``networkTab``,
        ``lessonPanel``, ``why``, the ``trainingPanel``), ``drawColumn``, the buttons (``undoButton``,
        ``clearButton``, ``openButton``, ``trainButton``, ``themeButton``) on ``toolBar``, the actions
        (``undoAction``, ``clearAction``, ``convMapsAction``, ``stepsAction``, ``openModelAction``,
        ``darkThemeAction``), ``kiosk`` /
        ``kioskController``, ``set_type_scale`` and ``profile_applied``.

    Signals
    -------
    profileChanged(str)
        The profile's name after :meth:`apply`.
    """

    profileChanged = Signal(str)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("profileSwitcher")
        self._window: Any = cast(Any, window)  # its members are listed above
        self._profile = FULL
        self.dialog: ChoosePanelsDialog | None = None
        self._policies: dict[int, QSizePolicy] = {}
        self.menu = QMenu(window)
        self.menu.setObjectName("profileMenu")
        self._group = QActionGroup(self)
        self._group.setExclusive(True)
        self.actions: dict[str, QAction] = {}
        for name in BUILT_IN:
            action = QAction(self._group)
            action.setObjectName(f"profile_{name}Action")
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, name=name: self.apply(BUILT_IN[name]))
            self.menu.addAction(action)
            self.actions[name] = action
        self.menu.addSeparator()
        self.chooseAction = QAction(self)
        self.chooseAction.setObjectName("choosePanelsAction")
        self.chooseAction.triggered.connect(self.choose_panels)
        self.menu.addAction(self.chooseAction)
        # a hidden tab is never the one shown (the kiosk's reset and the lesson's "show the layer" pick tab 0)
        self._window.sideTabs.currentChanged.connect(self._keep_a_shown_tab)
        self.retranslate_ui()

    # -- texts ----------------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        """The menu's texts in the current language."""
        self.menu.setTitle(tr("P&rofile"))
        self.actions["simple"].setText(tr("&Simple (younger pupils)"))
        self.actions["full"].setText(tr("&Full"))
        self.chooseAction.setText(tr("&Choose panels…"))

    # -- state ----------------------------------------------------------------------------------------------
    def profile(self) -> Profile:
        """The profile shown now."""
        return self._profile

    def apply(self, profile: Profile | str, save: bool = True) -> Profile:
        """Show ``profile`` (or the built-in one of that name) on the window, live.

        Parameters
        ----------
        profile : Profile or str
            ``"simple"``, ``"full"`` or a :class:`Profile`.
        save : bool
            Remember it for the next window (``--profile`` and the kiosk config pass False).

        Raises
        ------
        ValueError
            An unknown profile name.
        """
        chosen = builtin_profile(profile) if isinstance(profile, str) else profile
        self._profile = chosen
        self._apply_panels(chosen)
        self._apply_controls(chosen)
        self._window.set_type_scale(chosen.type_scale)
        for name, action in self.actions.items():
            action.setChecked(name == chosen.name)
        if save:
            save_profile(chosen)
        self._window.profile_applied()
        self.profileChanged.emit(chosen.name)
        return chosen

    def choose_panels(self) -> None:
        """View > Profile > Choose panels…: tick panels and controls; OK applies them (a ``"custom"`` profile unless
        the ticks are exactly a built-in one's)."""
        dialog = ChoosePanelsDialog(self._profile, self._window)
        self.dialog = dialog
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self.apply(self._profile.with_choice(dialog.chosen_panels(), dialog.chosen_controls()))
        finally:
            self.dialog = None
            dialog.deleteLater()

    def _keep_a_shown_tab(self, index: int) -> None:
        tabs = self._window.sideTabs
        if index < 0 or tabs.isTabVisible(index):
            return
        shown = [i for i in range(tabs.count()) if tabs.isTabVisible(i)]
        if shown:
            tabs.setCurrentIndex(shown[0])

    # -- applying -------------------------------------------------------------------------------------------
    def _apply_panels(self, profile: Profile) -> None:
        w = self._window
        shows = profile.panels.__contains__
        w.probabilitiesPanel.setVisible(shows("probabilities"))
        w.featureMapsPanel.setVisible(shows("feature_maps"))
        w.filtersPanel.setVisible(shows("filters"))
        w.mapsFiltersSplitter.setVisible(shows("feature_maps") or shows("filters"))
        w.networkInputPanel.setVisible(shows("network_input"))
        w.architectureScroll.setVisible(shows("layers"))
        tabs = w.sideTabs
        pages: list[tuple[Any, bool]] = [
            (w.networkTab, any(shows(p) for p in _NETWORK_PANELS)),
            (w.lessonPanel, shows("learn")),
            (getattr(w, "why", None), shows("why")),
        ]
        training = w.findChildren(QWidget, "trainingPanel")
        pages += [(page, shows("training")) for page in training]
        pages += [(page, shows("class")) for page in w.findChildren(QWidget, "classroomPanel")]
        for page, shown in pages:
            index = tabs.indexOf(page) if page is not None else -1
            if index < 0:
                continue
            if w.kiosk and not tabs.isTabEnabled(index) and not tabs.isTabVisible(index):
                continue  # the kiosk took it away (training not allowed): not the profile's to give back
            tabs.setTabVisible(index, shown)
            self._set_page_room(page, shown)
        visible = [i for i in range(tabs.count()) if tabs.isTabVisible(i)]
        tabs.tabBar().setVisible(len(visible) > 1)
        tabs.setVisible(bool(visible))
        if visible and not tabs.isTabVisible(tabs.currentIndex()):
            tabs.setCurrentIndex(visible[0])

    def _set_page_room(self, page: QWidget, shown: bool) -> None:
        """A hidden tab's page stays in the tab widget's stack, whose minimum size is that of its largest page: an
        ignored size policy takes its minimum out of the sum (the Learn tab in large type would otherwise keep the
        right side wide and the canvas small)."""
        key = id(page)
        if not shown:
            if key not in self._policies:
                self._policies[key] = page.sizePolicy()
            page.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        elif key in self._policies:
            page.setSizePolicy(self._policies.pop(key))

    def _apply_controls(self, profile: Profile) -> None:
        w = self._window
        shows = profile.controls.__contains__
        panels = profile.panels
        widgets: dict[str, list[Any]] = {
            "undo_clear": [w.undoButton, w.clearButton],
            "conv_maps": [w.featureMapsPanel.convCheck],
            "preprocessing_steps": [w.networkInputPanel.stepsCheck],
            "correct_me": list(w.drawColumn.findChildren(QWidget, "correctionBar")),
            "saliency_overlay": list(w.drawColumn.findChildren(QPushButton, "canvasSaliencyToggle")),
        }
        for name, items in widgets.items():
            for widget in items:
                widget.setVisible(shows(name))
        if not shows("conv_maps"):
            w.featureMapsPanel.convCheck.setChecked(False)  # the pooled maps alone
        if not (shows("preprocessing_steps") and "network_input" in panels):
            w.networkInputPanel.stepsCheck.setChecked(False)
        if not shows("saliency_overlay"):
            for toggle in widgets["saliency_overlay"]:
                toggle.setChecked(False)  # no overlay (and no saliency jobs) nobody can switch off
        actions: dict[str, tuple[bool, list[QAction]]] = {
            "undo_clear": (shows("undo_clear"), [w.undoAction, w.clearAction]),
            "conv_maps": (shows("conv_maps") and "feature_maps" in panels, [w.convMapsAction]),
            "preprocessing_steps": (shows("preprocessing_steps") and "network_input" in panels, [w.stepsAction]),
            "open_model": (shows("open_model"), [w.openModelAction]),
            "theme": (shows("theme"), [w.darkThemeAction]),
            "export": (shows("export"), self._export_actions()),
            "class": ("class" in panels, self._named_actions({"importClassSetAction", "exportClassSetAction"})),
        }
        for enabled, items_ in actions.values():
            for action in items_:
                if not (w.kiosk and w.kioskController is not None):  # the kiosk owns its actions' state
                    action.setEnabled(enabled)
        train_shown = shows("train") and "training" in panels
        self._show_on_toolbar(w.openButton, shows("open_model") and not w.kiosk)
        training = bool(w.sideTabs.findChildren(QWidget, "trainingPanel"))  # none: training not allowed
        self._show_on_toolbar(w.trainButton, train_shown and training)
        self._show_on_toolbar(w.themeButton, shows("theme"))
        bar = w.toolBar
        if not (w.kiosk and w.kioskController is not None):  # the kiosk decides about its own toolbar
            buttons = (w.openButton, w.trainButton, w.themeButton)
            bar.setVisible(any(a.isVisible() for a in bar.actions() if bar.widgetForAction(a) in buttons))

    def _show_on_toolbar(self, widget: QWidget, shown: bool) -> None:
        """A toolbar widget is shown through its QWidgetAction."""
        bar = self._window.toolBar
        for action in bar.actions():
            if bar.widgetForAction(action) is widget:
                action.setVisible(shown)
        widget.setVisible(shown)

    def _export_actions(self) -> list[QAction]:
        return self._named_actions({"exportFigureAction", "exportLessonAction"})

    def _named_actions(self, names: set[str]) -> list[QAction]:
        """The window's actions with these objectNames (added by extras such as the training or class tab)."""
        return [a for a in self._window.findChildren(QAction) if a.objectName() in names]

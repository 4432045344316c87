"""The explorer's main window: the canvas on the left, the network's view in tabs on the right.

::

    +-- menu: File / Edit / View (theme, language, presenter mode, full screen) / Help -+
    | toolbar: Open model | Train | ................................ model | theme    |
    +--------------------------+-------------------------------------------------------+
    | canvas (square)          | sideTabs: [Network] [Lesson] [Training] ...            |
    |                          |  network input | feature maps (pool1, pool2, ...)      |
    | [Undo] [Clear]           |  (28x28 +      |-------------------------------------- |
    | probabilities  7  98%    |   steps)       | filters (conv1, conv2) | numbers      |
    +--------------------------+-------------------------------------------------------+

Other engineers add their views with :meth:`ExplorerWindow.add_tab` (the lesson explorer and the
training panel go next to the "Network" tab) and their menu entries through ``menuBar()`` /
:meth:`ExplorerWindow.menu`. The kiosk uses the window through :class:`gui.kiosk.host.KioskHost` only.
File > Export figure… / Export lesson… and every panel's right-click "Export figure…" are ``window.exports``
(:mod:`gui.export.menus`).

Language: :meth:`ExplorerWindow.set_language` installs a Qt catalogue (``gui.kiosk.i18n``); every widget then
gets ``LanguageChange`` and the window re-sets its own texts (:meth:`ExplorerWindow.retranslate_ui`),
re-translates the texts other parts set once (:class:`~gui.kiosk.i18n.Retranslator`) and redraws the panels
whose captions are computed, so a switch is live (View > Language). Presenter mode (View > Presenter mode):
:func:`gui.style.set_presenter_mode`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from convlens.engine import __version__
from convlens.gui.canvas import DrawingCanvas
from convlens.gui.controller import Controller, LiveResult, ModelInfo
from convlens.gui.kiosk.i18n import (
    SOURCE_LANGUAGE,
    LanguageSwitcher,
    Retranslator,
    available_languages,
    language_name,
)
from convlens.gui.kiosk.touch import touch_screen_present
from convlens.gui.layouts import RatioSplitter, VerticalScrollArea
from convlens.gui.model_opener import open_model_file
from convlens.gui.panels import configure_pyqtgraph, release_plot_menus
from convlens.gui.panels.feature_maps import FeatureMapsPanel
from convlens.gui.panels.filters import FiltersPanel
from convlens.gui.panels.network_input import NetworkInputPanel
from convlens.gui.panels.probabilities import ProbabilitiesPanel
from convlens.gui.style import (
    DEFAULT_THEME,
    PRESENTER_SCALE,
    Theme,
    apply_application_theme,
    build_palette,
    get_theme,
    presenter_scale,
    refresh_presenter,
    release_presenter,
    set_presenter_mode,
)

if TYPE_CHECKING:
    import numpy as np

    from convlens.gui.kiosk.controller import KioskController
    from convlens.gui.profiles import Profile

__all__ = ["ExplorerWindow", "TrainingTab", "format_shape", "show_message"]

log = logging.getLogger(__name__)


def format_shape(shape: tuple[int | str, ...] | list[int | str]) -> str:
    """``("N", 28, 28, 16)`` -> ``"N × 28 × 28 × 16"`` (how the window writes tensor shapes)."""
    return " × ".join(str(d) for d in shape)


def show_message(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str) -> None:
    """A modal message box (texts already translated) through Qt's static functions.

    It takes the window's look without more: :meth:`ExplorerWindow.set_theme` makes the theme's palette the
    application's (a message box is a window of its own and does not inherit the explorer's palette), and presenter
    mode scales the application font (:func:`gui.style.set_presenter_mode`).
    """
    if icon == QMessageBox.Icon.Critical:
        QMessageBox.critical(parent, title, text)
    elif icon == QMessageBox.Icon.Warning:
        QMessageBox.warning(parent, title, text)
    elif icon == QMessageBox.Icon.Information and "<" in text:
        QMessageBox.about(parent, title, text)  # rich text, the application's icon
    else:
        QMessageBox.information(parent, title, text)


_HOVER_HINT = "Hover a map for its values; click one for its filter"
_TAP_HINT = "Tap a map for its values and its filter"


@runtime_checkable
class TrainingTab(Protocol):
    """What the window (and through it the kiosk) uses of a training tab (``gui.training.TrainingPanel``)."""

    @property
    def is_running(self) -> bool:
        """Whether a training run is in progress."""
        ...


class ExplorerWindow(QMainWindow):
    """Draw a digit and watch every filter, feature map and probability move.

    Parameters
    ----------
    controller : Controller
        Owns the model and runs the live pipeline.
    kiosk : bool
        Stored as ``window.kiosk`` (kiosk behaviour lives in ``gui.kiosk``).
    theme : str
        ``"dark"`` (default) or ``"light"``.
    language : str, optional
        ``"en"``, ``"de"``: installed before the widgets are made (default: whatever is installed, English when
        nothing is); :meth:`set_language` switches later.
    profile : str or Profile, optional
        The teacher profile to start with (``"simple"``, ``"full"``; :mod:`gui.profiles`), not saved; default: the
        one saved by the last window (View > Profile).

    Signals
    -------
    predictionChanged(int, list)
        Re-emitted from the controller after each live update, once every panel shows it;
        ``(-1, [])`` for an empty canvas.
    trainRequested()
        The Train button was clicked (connected by the training panel).
    """

    predictionChanged = Signal(int, list)
    trainRequested = Signal()

    def __init__(
        self,
        controller: Controller,
        kiosk: bool = False,
        theme: str = DEFAULT_THEME,
        language: str | None = None,
        profile: str | Profile | None = None,
    ) -> None:
        super().__init__()
        configure_pyqtgraph()
        self.setObjectName("mainWindow")
        # No layout animations: a language switch or presenter mode resizes the toolbar, and an animated central
        # widget would trail behind (and leave animation objects behind it for a moment).
        self.setAnimated(False)
        self._ready = False
        self.languages = LanguageSwitcher(parent=self)
        self.languages.setObjectName("languageSwitcher")
        if language is not None:  # before any widget exists, so every text is made in that language
            self.languages.set_language(language)
        self._map_hints = {_HOVER_HINT, _TAP_HINT}  # the feature maps' first hint, in any language
        self.kiosk = bool(kiosk)
        self.config_path: Path | None = None
        self.controller = controller
        controller.setParent(self)
        self._theme = get_theme(theme)
        self._last_prediction: tuple[int, list[float]] = (-1, [])
        self._presenter_on = False
        self._type_scale = 1.0

        # -- left column: canvas, buttons, probabilities --------------------------------------------------
        self.canvas = DrawingCanvas()
        self.undoButton = QPushButton()
        self.undoButton.setObjectName("undoButton")
        self.clearButton = QPushButton()
        self.clearButton.setObjectName("clearButton")
        for button in (self.undoButton, self.clearButton):
            button.setMinimumHeight(38)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.undoButton.clicked.connect(self.canvas.undo)
        self.clearButton.clicked.connect(self.canvas.clear)
        buttons = QHBoxLayout()
        buttons.setObjectName("canvasButtons")
        buttons.addWidget(self.undoButton)
        buttons.addWidget(self.clearButton)
        self._canvas_buttons = buttons
        self.probabilitiesPanel = ProbabilitiesPanel(self._theme)
        self.probabilitiesPanel.setMinimumHeight(170)
        self.probabilitiesPanel.setMaximumHeight(240)

        left = QWidget()
        left.setObjectName("drawColumn")
        self.drawColumn = left
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 4, 8)
        left_layout.addWidget(self.canvas, 1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.probabilitiesPanel)
        # no fixed minimum width: the splitter keeps the column at its parts' minimum size hint (the ten "Correct me"
        # buttons, the probabilities in presenter type), which follows the font
        self._draw_column = left_layout
        self.trainingPanel: TrainingTab | None = None
        """The training tab (``gui.app.create_window`` installs it; None without one)."""
        self.classroomPanel: QWidget | None = None
        """The class mode tab (``gui.classroom``; None in a kiosk or without extras)."""
        self.kioskController: KioskController | None = None
        """The kiosk behaviour (``gui.app.create_window(kiosk=True)`` applies it)."""

        # -- right: the network's view (first tab) and room for other tabs ------------------------------
        self.networkInputPanel = NetworkInputPanel(self._theme)  # sets its own width (by its font)
        self.featureMapsPanel = FeatureMapsPanel(self._theme)
        self.filtersPanel = FiltersPanel(self._theme)
        # maps and filters share the height 55:45 whatever the window's first size (until the user drags it)
        maps_and_filters = RatioSplitter(Qt.Orientation.Vertical, [0.55, 0.45])
        maps_and_filters.setObjectName("mapsFiltersSplitter")
        maps_and_filters.addWidget(self.featureMapsPanel)
        maps_and_filters.addWidget(self.filtersPanel)
        maps_and_filters.setChildrenCollapsible(False)
        self.mapsFiltersSplitter = maps_and_filters
        network = QWidget()
        network.setObjectName("networkTab")
        network_layout = QHBoxLayout(network)
        network_layout.setContentsMargins(6, 6, 6, 6)
        self.architectureLabel = QLabel()
        self.architectureLabel.setObjectName("architectureLabel")
        self.architectureLabel.setTextFormat(Qt.TextFormat.RichText)
        self.architectureLabel.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        input_column = QVBoxLayout()
        input_column.setContentsMargins(0, 0, 0, 0)
        input_column.addWidget(self.networkInputPanel, 0)
        input_column.addSpacing(12)
        # the layers' table scrolls when the column is short (presenter type, the preprocessing steps shown)
        architecture = VerticalScrollArea(self.architectureLabel)
        architecture.setObjectName("architectureScroll")
        self.architectureScroll = architecture
        input_column.addWidget(architecture, 1)
        network_layout.addLayout(input_column, 0)
        network_layout.addWidget(maps_and_filters, 1)
        self.sideTabs = QTabWidget()
        self.sideTabs.setObjectName("sideTabs")
        self.sideTabs.setDocumentMode(True)
        self.sideTabs.addTab(network, "")
        self.networkTab = network

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("mainSplitter")
        splitter.addWidget(left)
        splitter.addWidget(self.sideTabs)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([420, 1180])
        splitter.splitterMoved.connect(self._on_splitter_moved)
        self._user_split = False
        self.mainSplitter = splitter
        self.setCentralWidget(splitter)

        self._build_toolbar()
        self._build_menus()
        self.modelLabel = QLabel()
        self.modelLabel.setObjectName("modelLabel")
        self.statusBar().setObjectName("statusBar")
        self.statusBar().addPermanentWidget(self.modelLabel)

        # -- wiring -----------------------------------------------------------------------------------------
        self.canvas.imageChanged.connect(controller.set_canvas_image)
        controller.activationsChanged.connect(self._on_result)
        controller.predictionChanged.connect(self._on_prediction)
        controller.modelChanged.connect(self._on_model)
        controller.errorOccurred.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.featureMapsPanel.mapClicked.connect(self._on_map_clicked)
        self.filtersPanel.filterSelected.connect(self.featureMapsPanel.select)

        self.retranslator = Retranslator(self, self.languages.contexts)
        self.retranslator.setObjectName("windowRetranslator")
        self._install_lesson()
        from convlens.gui.why import install_why  # the "Why?" tab (issue #16)

        self.why = install_why(self)
        from convlens.gui.export.menus import install_exports  # File > Export figure… / lesson… (issue #17)

        self.exports = install_exports(self)
        from convlens.gui.profile_view import ProfileSwitcher, load_saved_profile  # View > Profile (issue #17)

        self.profiles = ProfileSwitcher(self)
        self._menus["view"].insertMenu(self.presenterAction, self.profiles.menu)
        self.set_theme(self._theme.name)
        self._on_model(controller.current_model_info())
        self._ready = True
        self.retranslate_ui()
        if controller.load_error:
            message = self.tr("The shipped model could not be opened: {0}").format(controller.load_error)
            self.statusBar().showMessage(message)
        self.profiles.apply(load_saved_profile() if profile is None else profile, save=False)
        self.resize(1400, 860)
        self.setMinimumSize(960, 640)

    # -- construction ---------------------------------------------------------------------------------------
    def _install_lesson(self) -> None:
        """The Learn tab: the seed lecture step by step on the visitor's own digit (gui.lesson)."""
        from convlens.gui.lesson import LessonPanel

        self.lessonPanel = LessonPanel()
        self.add_tab(self.lessonPanel, "")
        self.controller.modelChanged.connect(self.lessonPanel.set_model_info)
        self.controller.activationsChanged.connect(self.lessonPanel.set_result)
        self.lessonPanel.set_model_info(self.controller.current_model_info())
        self.lessonPanel.set_result(self.controller.last_result())
        self.lessonPanel.layerActivated.connect(self.show_layer)

    def show_layer(self, name: str) -> None:
        """Jump to a layer's panels (from the lesson's "stacking" step): the Network tab, that layer selected."""
        self.sideTabs.setCurrentIndex(0)
        info = self.controller.current_model_info()
        convs = [m.source_conv for m in info.map_layers if m.name == name or m.source_conv == name]
        if convs and convs[0] is not None:
            self.filtersPanel.select_filter(convs[0], 0)
            self.featureMapsPanel.select(convs[0], 0)
        self.statusBar().showMessage(self.tr("Showing layer {0}").format(name), 4000)

    def _build_toolbar(self) -> None:
        bar = QToolBar()
        bar.setObjectName("mainToolBar")
        bar.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.openButton = QPushButton()
        self.openButton.setObjectName("openModelButton")
        self.openButton.clicked.connect(self.open_model_dialog)
        self.trainButton = QPushButton()
        self.trainButton.setObjectName("trainButton")
        self.trainButton.clicked.connect(self.trainRequested)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.themeButton = QPushButton()
        self.themeButton.setObjectName("themeButton")
        self.themeButton.clicked.connect(self.toggle_theme)
        for w in (self.openButton, self.trainButton, spacer, self.themeButton):
            bar.addWidget(w)
        self.toolBar = bar

    def _build_menus(self) -> None:
        """Menus and actions; their texts are set by :meth:`retranslate_ui`."""
        menubar = self.menuBar()
        menubar.setObjectName("menuBar")
        self._menus: dict[str, QMenu] = {}
        file_menu = menubar.addMenu("")
        file_menu.setObjectName("fileMenu")
        self.openModelAction = QAction(self)
        self.openModelAction.setObjectName("openModelAction")
        self.openModelAction.setShortcut(QKeySequence.StandardKey.Open)
        self.openModelAction.triggered.connect(self.open_model_dialog)
        self.saveModelAction = QAction(self)
        self.saveModelAction.setObjectName("saveModelAction")
        self.saveModelAction.setShortcut(QKeySequence.StandardKey.SaveAs)
        self.saveModelAction.setEnabled(False)
        self.quitAction = QAction(self)
        self.quitAction.setObjectName("quitAction")
        self.quitAction.setShortcut(QKeySequence.StandardKey.Quit)
        self.quitAction.triggered.connect(self.close)
        file_menu.addActions([self.openModelAction, self.saveModelAction])
        file_menu.addSeparator()
        file_menu.addAction(self.quitAction)

        edit_menu = menubar.addMenu("")
        edit_menu.setObjectName("editMenu")
        self.undoAction = QAction(self)
        self.undoAction.setObjectName("undoAction")
        self.undoAction.setShortcut(QKeySequence.StandardKey.Undo)
        self.undoAction.triggered.connect(self.canvas.undo)
        self.clearAction = QAction(self)
        self.clearAction.setObjectName("clearAction")
        self.clearAction.setShortcuts([QKeySequence(Qt.Key.Key_Escape), QKeySequence(Qt.Key.Key_Delete)])
        self.clearAction.triggered.connect(self.canvas.clear)
        for action in (self.undoAction, self.clearAction):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        edit_menu.addActions([self.undoAction, self.clearAction])

        view_menu = menubar.addMenu("")
        view_menu.setObjectName("viewMenu")
        self.darkThemeAction = QAction(self)
        self.darkThemeAction.setObjectName("darkThemeAction")
        self.darkThemeAction.setCheckable(True)
        self.darkThemeAction.toggled.connect(lambda on: self.set_theme("dark" if on else "light"))
        self.convMapsAction = QAction(self)
        self.convMapsAction.setObjectName("convMapsAction")
        self.convMapsAction.setCheckable(True)
        self.convMapsAction.toggled.connect(self.featureMapsPanel.set_show_conv)
        self.featureMapsPanel.convCheck.toggled.connect(self.convMapsAction.setChecked)
        self.stepsAction = QAction(self)
        self.stepsAction.setObjectName("stepsAction")
        self.stepsAction.setCheckable(True)
        self.stepsAction.toggled.connect(self.networkInputPanel.set_show_steps)
        self.networkInputPanel.stepsCheck.toggled.connect(self.stepsAction.setChecked)
        self.languageMenu = QMenu(self)
        self.languageMenu.setObjectName("languageMenu")
        self.languageGroup = QActionGroup(self)
        self.languageGroup.setExclusive(True)
        self.languageActions: dict[str, QAction] = {}
        for code in available_languages():
            # Each language under its own name ("English", "Deutsch"), in every language.
            action = QAction(language_name(code), self.languageGroup)
            action.setObjectName(f"language_{code}Action")
            action.setCheckable(True)
            action.setData(code)
            action.triggered.connect(lambda _=False, code=code: self.set_language(code))
            self.languageMenu.addAction(action)
            self.languageActions[code] = action
        self.languageActions[SOURCE_LANGUAGE].setChecked(True)
        self.presenterAction = QAction(self)
        self.presenterAction.setObjectName("presenterAction")
        self.presenterAction.setCheckable(True)
        self.presenterAction.toggled.connect(self.set_presenter)
        self.fullScreenAction = QAction(self)
        self.fullScreenAction.setObjectName("fullScreenAction")
        self.fullScreenAction.setCheckable(True)
        # F11 everywhere (Qt's standard full-screen key is Ctrl+Meta+F on some desktops, nothing on others).
        keys = [QKeySequence(Qt.Key.Key_F11)]
        keys += [k for k in QKeySequence.keyBindings(QKeySequence.StandardKey.FullScreen) if k not in keys]
        self.fullScreenAction.setShortcuts(keys)
        self.fullScreenAction.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.fullScreenAction.toggled.connect(self._set_full_screen)
        view_menu.addActions([self.darkThemeAction, self.convMapsAction, self.stepsAction])
        view_menu.addSeparator()
        view_menu.addMenu(self.languageMenu)
        view_menu.addAction(self.presenterAction)
        view_menu.addAction(self.fullScreenAction)
        self.addAction(self.fullScreenAction)  # F11 works with the menu bar hidden too (not in the kiosk)

        help_menu = menubar.addMenu("")
        help_menu.setObjectName("helpMenu")
        self.aboutAction = QAction(self)
        self.aboutAction.setObjectName("aboutAction")
        self.aboutAction.triggered.connect(self.show_about)
        help_menu.addAction(self.aboutAction)
        self._menus = {"file": file_menu, "edit": edit_menu, "view": view_menu, "help": help_menu}

    def retranslate_ui(self) -> None:
        """Set every text the window owns in the current language (also on every ``LanguageChange``), then
        re-translate what others set once and redraw the panels whose captions are computed."""
        if not self._ready:
            return
        self.setWindowTitle(self.tr("ConvLens – watch a CNN read your digit"))
        self.undoButton.setText(self.tr("Undo"))
        self.undoButton.setToolTip(self.tr("Remove the last stroke (Ctrl+Z)"))
        self.clearButton.setText(self.tr("Clear"))
        self.clearButton.setToolTip(self.tr("Start again (Esc / Delete)"))
        self.architectureLabel.setToolTip(
            self.tr("Every layer's output shape for one image (height × width × channels)")
        )
        self.sideTabs.setTabText(self.sideTabs.indexOf(self.networkTab), self.tr("Network"))
        self.sideTabs.setTabText(self.sideTabs.indexOf(self.lessonPanel), self.tr("Learn"))
        self.toolBar.setWindowTitle(self.tr("Main toolbar"))
        self.openButton.setText(self.tr("Open model…"))
        self.trainButton.setText(self.tr("Train…"))
        self.trainButton.setToolTip(self.tr("Train the network on MNIST and watch the filters evolve"))
        self._menus["file"].setTitle(self.tr("&File"))
        self.openModelAction.setText(self.tr("&Open model…"))
        self.saveModelAction.setText(self.tr("&Save model as…"))
        if not self.saveModelAction.isEnabled():
            self.saveModelAction.setToolTip(self.tr("Available after training a model"))
        self.quitAction.setText(self.tr("&Quit"))
        self._menus["edit"].setTitle(self.tr("&Edit"))
        self.undoAction.setText(self.tr("&Undo stroke"))
        self.clearAction.setText(self.tr("&Clear"))
        self._menus["view"].setTitle(self.tr("&View"))
        self.darkThemeAction.setText(self.tr("&Dark theme"))
        self.convMapsAction.setText(self.tr("Show maps after each &conv"))
        self.stepsAction.setText(self.tr("Show &preprocessing steps"))
        self.languageMenu.setTitle(self.tr("&Language"))
        self.presenterAction.setText(self.tr("&Presenter mode (large text)"))
        self.profiles.retranslate_ui()
        self.fullScreenAction.setText(self.tr("&Full screen"))
        self._menus["help"].setTitle(self.tr("&Help"))
        self.aboutAction.setText(self.tr("&About ConvLens"))
        self.themeButton.setText(self.tr("Light theme") if self._theme.name == "dark" else self.tr("Dark theme"))
        info = self.controller.current_model_info()
        self.modelLabel.setText(self.tr("Model: {0}").format(self.model_text(info)))
        self.architectureLabel.setText(self._architecture_html(info))
        self._set_canvas_hint(info)
        self._set_map_hint()
        language = self.language()
        for code, action in self.languageActions.items():
            action.setChecked(code == language)
        exports = getattr(self, "exports", None)
        if exports is not None:
            exports.retranslate_ui()
        self.retranslator.retranslate()
        # Texts computed by the panels (captions, the shown reading) are redrawn in the new language.
        for panel in (self.featureMapsPanel, self.filtersPanel):
            panel.set_theme(self._theme)
        selected = self.filtersPanel.selected()
        if selected is not None:
            self.filtersPanel.select_filter(*selected)  # its numbers, captioned in the new language
        self.networkInputPanel.set_show_steps(self.networkInputPanel.show_steps())
        result = self.controller.last_result()
        self._on_result(result)  # the reading (digit, confidence, hint) in the new language
        self.lessonPanel.set_model_info(info)
        self.lessonPanel.set_result(result)
        refresh_presenter(self)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        elif event.type() == QEvent.Type.WindowStateChange:
            full = bool(self.windowState() & Qt.WindowState.WindowFullScreen)
            if self.fullScreenAction.isChecked() != full:
                self.fullScreenAction.blockSignals(True)
                self.fullScreenAction.setChecked(full)
                self.fullScreenAction.blockSignals(False)
        super().changeEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.DeferredDelete:
            # deleteLater() (also WA_DeleteOnClose): the plots' parentless menus go now, with the window, not when
            # the garbage collector happens to free the panels' Python objects (possibly in the middle of Qt code)
            release_plot_menus(self)
        return super().event(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        super().closeEvent(event)
        if event.isAccepted():
            # The application font and the installed catalogue go back to normal with the window.
            release_presenter(self)
            self.languages.uninstall()

    # -- public API -----------------------------------------------------------------------------------------
    def last_prediction(self) -> tuple[int, list[float]]:
        """``(digit, probabilities)`` of the last live update; ``(-1, [])`` for an empty canvas."""
        return (self._last_prediction[0], list(self._last_prediction[1]))

    def teach(self, digit: int) -> dict[str, list[float]]:
        """One teaching step on the drawing (the "Why?" tab, ``gui.why``): ``{"before": [10], "after": [10]}``."""
        return self.why.teach(digit)

    def undo_teach(self) -> bool:
        """Undo the last teaching step: the exact previous weights (False if there was none)."""
        return self.why.undo_teach()

    def saliency_map(self) -> np.ndarray | None:
        """The signed 28x28 map the canvas overlay shows ("Where it looks"), or None."""
        return self.why.saliency_map()

    def reading_state(self) -> str:
        """Is the drawing a digit: ``"empty"``, ``"digit"``, ``"unsure"`` or ``"not_a_digit"`` (the last live update,
        decided by :mod:`convlens.services.reading`; the probabilities panel says it in words)."""
        return self.controller.last_result().reading.state

    def clear_drawing(self) -> None:
        """End any stroke in progress and clear the canvas (the kiosk's idle state and reset)."""
        self.canvas.end_stroke()
        self.canvas.clear()

    def training_running(self) -> bool:
        """Whether a training run is in progress in a training tab of this window (objectName ``trainingPanel``)."""
        return any(
            isinstance(panel, TrainingTab) and panel.is_running is True
            for panel in self.findChildren(QWidget, "trainingPanel")
        )

    def add_to_draw_column(self, widget: QWidget | None) -> None:
        """Put a small widget under the probabilities (e.g. the training panel's "Correct me" bar)."""
        if widget is not None:
            self._draw_column.addWidget(widget)
            self._reapply_profile()

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a view next to the "Network" tab (lesson explorer, training panel, ...); returns its index."""
        index = self.sideTabs.addTab(widget, title)
        exports = getattr(self, "exports", None)
        if exports is not None:
            exports.attach_context_menus()  # "Export figure…" on the new tab's panels (training curves ...)
        self._reapply_profile()
        return index

    def add_canvas_control(self, widget: QWidget) -> None:
        """Put a control in the row right under the canvas, after Undo and Clear (the "Why?" tab's overlay switch):
        next to the drawing without covering it."""
        self._canvas_buttons.addWidget(widget)
        self._reapply_profile()

    def show_tab(self, widget: QWidget) -> None:
        """Bring a tab added with :meth:`add_tab` to the front."""
        index = self.sideTabs.indexOf(widget)
        if index >= 0:
            self.sideTabs.setCurrentIndex(index)

    def menu(self, name: str) -> QMenu:
        """The ``"file"``, ``"edit"``, ``"view"`` or ``"help"`` menu, for others to add actions to."""
        return self._menus[name]

    def theme(self) -> Theme:
        """The current theme."""
        return self._theme

    def set_theme(self, name: str) -> None:
        """Switch between ``"dark"`` and ``"light"``.

        The application palette follows too, so message boxes, file and progress dialogs, menus and tooltips
        (top-level windows, which do not inherit the window's palette) are dark with a dark window.
        """
        theme = get_theme(name)
        self._theme = theme
        palette = build_palette(theme)
        self.setPalette(palette)
        apply_application_theme(theme, self)  # palettes and indicator style sheet of every window and dialog
        # Changing the application's style sheet lets Qt's style-sheet style put back the palette the window had
        # when it was polished (before or after it was first shown): the window's palette is set once more.
        self.setPalette(palette)
        self.canvas.set_colours(theme.window, theme.canvas_border, theme.muted)
        for panel in (self.probabilitiesPanel, self.networkInputPanel, self.featureMapsPanel, self.filtersPanel):
            panel.set_theme(theme)
        self.darkThemeAction.blockSignals(True)
        self.darkThemeAction.setChecked(theme.name == "dark")
        self.darkThemeAction.blockSignals(False)
        self.themeButton.setText(self.tr("Light theme") if theme.name == "dark" else self.tr("Dark theme"))
        refresh_presenter(self)

    def language(self) -> str:
        """The language the window is shown in (``"en"``, ``"de"``); a kiosk's own language setting counts."""
        if self.languages.language != SOURCE_LANGUAGE:
            return self.languages.language
        kiosk = self.kioskController
        if kiosk is not None and kiosk.active:
            return kiosk.languages.language
        return SOURCE_LANGUAGE

    def set_language(self, language: str) -> bool:
        """Show the whole window in ``language`` (``"en"``, ``"de"``), live (View > Language).

        Returns
        -------
        bool
            False when there is no catalogue for ``language``: the window then shows English.
        """
        ok = self.languages.set_language(language)
        self.retranslate_ui()  # also when nothing was installed or removed (no LanguageChange then)
        return ok

    def presenter(self) -> bool:
        """Whether presenter mode (larger type, thicker lines) is on (View > Presenter mode, or the kiosk's
        ``presenter_mode``; a profile's large type alone does not count)."""
        return self._presenter_on or presenter_scale(self) > max(1.0, self._type_scale)

    def set_presenter(self, on: bool) -> None:
        """Presenter mode on or off (View > Presenter mode, ``convlens --presenter``): larger type everywhere and
        thicker plot lines, for a projector; see :func:`gui.style.set_presenter_mode`."""
        on = bool(on)
        self._presenter_on = on
        if self.presenterAction.isChecked() != on:
            self.presenterAction.blockSignals(True)
            self.presenterAction.setChecked(on)
            self.presenterAction.blockSignals(False)
        self._apply_type()

    def set_type_scale(self, scale: float) -> None:
        """The type size a profile asks for (1 = normal; :data:`gui.profiles.SIMPLE_TYPE_SCALE`): presenter mode's
        scaling, the larger of the two when presenter mode is on as well."""
        self._type_scale = max(1.0, float(scale))
        self._apply_type()

    def _apply_type(self) -> None:
        scale = max(PRESENTER_SCALE if self._presenter_on else 1.0, self._type_scale)
        if abs(scale - presenter_scale(self)) > 1e-9 or scale == 1.0:
            set_presenter_mode(self, scale > 1.0, scale)
        for panel in (self.featureMapsPanel, self.filtersPanel):  # captions grew: fit the grids again
            QApplication.sendEvent(panel.view, QResizeEvent(panel.view.size(), panel.view.size()))
        refresh_presenter(self)

    def profile(self) -> Profile:
        """The teacher profile shown now (:mod:`gui.profiles`)."""
        return self.profiles.profile()

    def set_profile(self, profile: str | Profile, save: bool = True) -> Profile:
        """Show a teacher profile live (View > Profile): ``"simple"``, ``"full"`` or a :class:`~gui.profiles.Profile`;
        ``save`` remembers it for the next window. See :class:`gui.profile_view.ProfileSwitcher`."""
        return self.profiles.apply(profile, save=save)

    def profile_applied(self) -> None:
        """A profile was applied (:class:`~gui.profile_view.ProfileSwitcher`): size the columns for it again."""
        scale = self._type_scale
        self.probabilitiesPanel.setMinimumHeight(int(round(170 * scale)))
        self.probabilitiesPanel.setMaximumHeight(int(round(240 * scale)))
        self._user_split = False
        self._fit_columns()

    def _reapply_profile(self) -> None:
        """A panel or control arrived after the window was built: show or hide it as the profile says."""
        profiles = getattr(self, "profiles", None)
        if self._ready and profiles is not None:
            profiles.apply(profiles.profile(), save=False)

    def _set_full_screen(self, on: bool) -> None:
        if on:
            self.showFullScreen()
        elif self.windowState() & Qt.WindowState.WindowFullScreen:
            self.showNormal()

    def toggle_theme(self) -> None:
        """Dark <-> light."""
        self.set_theme("light" if self._theme.name == "dark" else "dark")

    def open_model_dialog(self) -> None:
        """File > Open model...: pick a .onnx/.npz file and hot-swap it in; errors go to a message box."""
        start = str(Path(str(QSettings("ConvLens", "ConvLens").value("lastModelDir", "") or Path.cwd())))
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open model"), start, self.tr("Models (*.onnx *.npz);;All files (*)")
        )
        if path:
            self.open_model(path)

    def open_model(self, path: str | Path) -> bool:
        """Load ``path`` through the controller; on failure show why in a message box and keep the old model."""
        try:
            model = open_model_file(path, self)  # off the GUI thread, within a time and memory budget
            self.controller.set_model(model, path=path, metadata=model.metadata)
        except Exception as exc:  # noqa: BLE001 - any failure is reported to the user, never a traceback
            log.warning("cannot open model %s: %s", path, exc)
            show_message(
                self,
                QMessageBox.Icon.Warning,
                self.tr("Cannot open the model"),
                self.tr("The model could not be opened:\n\n{0}").format(exc),
            )
            return False
        QSettings("ConvLens", "ConvLens").setValue("lastModelDir", str(Path(path).parent))
        self.statusBar().showMessage(self.tr("Loaded {0}").format(Path(path).name), 5000)
        return True

    def show_about(self) -> None:
        """Help > About: what this is, the ConvLens version and which model runs (its layers and shapes)."""
        show_message(self, QMessageBox.Icon.Information, self.tr("About ConvLens"), self.about_html())

    def about_html(self) -> str:
        """The About box's text: version, what the app does, the model's layers with shapes and parameters."""
        info = self.controller.current_model_info()
        model = self.controller.model
        rows = ""
        if model is not None:
            layers = model.layer_infos()
            rows = "".join(
                f"<tr><td>{layer.name}</td><td>{layer.kind}</td>"
                f"<td align='right'>&nbsp;{format_shape(('N', *layer.shape))}</td>"
                f"<td align='right'>&nbsp;{layer.params:,}</td></tr>"
                for layer in layers
            )
            total = sum(layer.params for layer in layers)
            header = (
                f"<tr><th align='left'>{self.tr('layer')}</th><th align='left'>{self.tr('kind')}</th>"
                f"<th align='right'>{self.tr('output shape')}</th><th align='right'>{self.tr('parameters')}</th></tr>"
            )
            rows = (
                f"<table cellspacing='2'>{header}{rows}<tr><td colspan='3'>{self.tr('total')}</td>"
                f"<td align='right'>&nbsp;{total:,}</td></tr></table>"
            )
        return (
            self.tr("<b>ConvLens</b> {version}").format(version=__version__)
            + "<br>"
            + self.tr(
                "Draw a digit and watch a convolutional network read it: every filter, every feature map and the "
                "output probabilities, live."
            )
            + "<br><br>"
            + self.tr("Model: {0}").format(self.model_text(info))
            + rows
        )

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        if not self._user_split:
            # Give the drawing column about the width its square canvas can use at this height (under the canvas:
            # the buttons, the probabilities and the "Correct me" bar, about 430 px with the menus and bars).
            total = self.width()
            # ... but never narrower than what the column's own parts need (presenter type widens the probabilities)
            column = self._draw_column.parentWidget()
            least = max(312, column.minimumSizeHint().width() if column is not None else 0)
            under = 420 + self.probabilitiesPanel.minimumHeight() - 170  # the probabilities grow with large type
            room = self.height() - under
            if not (self.filtersPanel.isVisibleTo(self) or self.networkInputPanel.isVisibleTo(self)):
                # only the maps on the right (the simple profile): a wider column, for the probabilities in large
                # type beside their big digit; the canvas stays square in it
                left = int(max(least, min(0.42 * total, room + 150, 900)))
            else:
                left = int(max(least, min(0.33 * total, room, 620)))
            self.mainSplitter.setSizes([left, max(1, total - left)])

    def _on_splitter_moved(self, pos: int, index: int) -> None:
        self._user_split = True

    # -- slots ----------------------------------------------------------------------------------------------
    def _on_result(self, result: LiveResult) -> None:
        self.networkInputPanel.update_result(result)
        self.featureMapsPanel.update_result(result)
        self.probabilitiesPanel.update_result(result)

    def _on_prediction(self, digit: int, probs: list[float]) -> None:
        self._last_prediction = (int(digit), [float(p) for p in probs])
        self.predictionChanged.emit(int(digit), list(probs))

    def model_text(self, info: ModelInfo) -> str:
        """The model in words for the status bar and About, e.g. "default.onnx (onnxruntime)", translated."""
        if not info.has_model:
            return self.tr("no model")
        name = info.path.name if info.path is not None else self.tr("network changed in this session")
        return f"{name} ({info.backend})"

    def _on_model(self, info: ModelInfo) -> None:
        self.filtersPanel.set_model(info)
        self.featureMapsPanel.set_model(info)
        self.modelLabel.setText(self.tr("Model: {0}").format(self.model_text(info)))
        self.architectureLabel.setText(self._architecture_html(info))
        self._set_canvas_hint(info)
        refresh_presenter(self)

    def _set_canvas_hint(self, info: ModelInfo) -> None:
        if not info.has_model:
            self.canvas.set_hint(self.tr("No model yet:\nFile > Open model or Train"))
        else:
            self.canvas.set_hint(self.tr("Draw a digit"))

    def _set_map_hint(self) -> None:
        """The feature maps' first hint: "Tap a map…" when a touch screen is present, else "Hover a map…"."""
        tap = QCoreApplication.translate("FeatureMapsPanel", "Tap a map for its values and its filter")
        hover = QCoreApplication.translate("FeatureMapsPanel", "Hover a map for its values; click one for its filter")
        self._map_hints |= {tap, hover}
        label = self.featureMapsPanel.valueLabel
        if not label.text() or label.text() in self._map_hints:  # not once it shows a value
            label.setText(tap if touch_screen_present() else hover)

    def _architecture_html(self, info: ModelInfo) -> str:
        """The layers and their output shapes as a compact column (shown under the network input)."""
        if not info.shapes:
            return ""
        rows = "".join(
            f"<tr><td>{name}</td><td align='right'>&nbsp;{'×'.join(str(d) for d in shape)}</td></tr>"
            for name, shape in info.shapes
        )
        title = self.tr("<b>Layers</b> <small>(output shape)</small>")
        return f"{title}<table cellspacing='1'>{rows}</table>"

    def _on_map_clicked(self, layer: str, index: int) -> None:
        info = self.controller.current_model_info()
        source = next((m.source_conv for m in info.map_layers if m.name == layer), None)
        if source is None:
            return
        self.filtersPanel.select_filter(source, index)
        self.featureMapsPanel.select(source, index)


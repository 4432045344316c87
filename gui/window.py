"""The explorer's main window: the canvas on the left, the network's view in tabs on the right.

::

    +-- menu: File / Edit / View / Help ----------------------------------------------+
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
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
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

from convlens.gui.canvas import DrawingCanvas
from convlens.gui.controller import Controller, LiveResult, ModelInfo
from convlens.gui.model_opener import open_model_file
from convlens.gui.panels import configure_pyqtgraph
from convlens.gui.panels.feature_maps import FeatureMapsPanel
from convlens.gui.panels.filters import FiltersPanel
from convlens.gui.panels.network_input import NetworkInputPanel
from convlens.gui.panels.probabilities import ProbabilitiesPanel
from convlens.gui.style import DEFAULT_THEME, Theme, build_palette, get_theme

if TYPE_CHECKING:
    from convlens.gui.kiosk.controller import KioskController

__all__ = ["ExplorerWindow", "TrainingTab"]

log = logging.getLogger(__name__)


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

    def __init__(self, controller: Controller, kiosk: bool = False, theme: str = DEFAULT_THEME) -> None:
        super().__init__()
        configure_pyqtgraph()
        self.setObjectName("mainWindow")
        self.setWindowTitle("ConvLens - watch a CNN read your digit")
        self.kiosk = bool(kiosk)
        self.config_path: Path | None = None
        self.controller = controller
        controller.setParent(self)
        self._theme = get_theme(theme)
        self._last_prediction: tuple[int, list[float]] = (-1, [])

        # -- left column: canvas, buttons, probabilities --------------------------------------------------
        self.canvas = DrawingCanvas()
        self.undoButton = QPushButton("Undo")
        self.undoButton.setObjectName("undoButton")
        self.undoButton.setToolTip("Remove the last stroke (Ctrl+Z)")
        self.clearButton = QPushButton("Clear")
        self.clearButton.setObjectName("clearButton")
        self.clearButton.setToolTip("Start again (Esc / Delete)")
        for button in (self.undoButton, self.clearButton):
            button.setMinimumHeight(38)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.undoButton.clicked.connect(self.canvas.undo)
        self.clearButton.clicked.connect(self.canvas.clear)
        buttons = QHBoxLayout()
        buttons.addWidget(self.undoButton)
        buttons.addWidget(self.clearButton)
        self.probabilitiesPanel = ProbabilitiesPanel(self._theme)
        self.probabilitiesPanel.setMinimumHeight(170)
        self.probabilitiesPanel.setMaximumHeight(240)

        left = QWidget()
        left.setObjectName("drawColumn")
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 4, 8)
        left_layout.addWidget(self.canvas, 1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.probabilitiesPanel)
        left.setMinimumWidth(300)
        self._draw_column = left_layout
        self.trainingPanel: TrainingTab | None = None
        """The training tab (``gui.app.create_window`` installs it; None without one)."""
        self.kioskController: KioskController | None = None
        """The kiosk behaviour (``gui.app.create_window(kiosk=True)`` applies it)."""

        # -- right: the network's view (first tab) and room for other tabs ------------------------------
        self.networkInputPanel = NetworkInputPanel(self._theme)
        self.networkInputPanel.setFixedWidth(170)
        self.featureMapsPanel = FeatureMapsPanel(self._theme)
        self.filtersPanel = FiltersPanel(self._theme)
        maps_and_filters = QSplitter(Qt.Orientation.Vertical)
        maps_and_filters.setObjectName("mapsFiltersSplitter")
        maps_and_filters.addWidget(self.featureMapsPanel)
        maps_and_filters.addWidget(self.filtersPanel)
        maps_and_filters.setStretchFactor(0, 2)
        maps_and_filters.setStretchFactor(1, 1)
        maps_and_filters.setChildrenCollapsible(False)
        network = QWidget()
        network.setObjectName("networkTab")
        network_layout = QHBoxLayout(network)
        network_layout.setContentsMargins(6, 6, 6, 6)
        self.architectureLabel = QLabel()
        self.architectureLabel.setObjectName("architectureLabel")
        self.architectureLabel.setTextFormat(Qt.TextFormat.RichText)
        self.architectureLabel.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.architectureLabel.setToolTip("Every layer's output shape for one image (height × width × channels)")
        input_column = QVBoxLayout()
        input_column.setContentsMargins(0, 0, 0, 0)
        input_column.addWidget(self.networkInputPanel, 0)
        input_column.addSpacing(12)
        input_column.addWidget(self.architectureLabel, 1)
        network_layout.addLayout(input_column, 0)
        network_layout.addWidget(maps_and_filters, 1)
        self.sideTabs = QTabWidget()
        self.sideTabs.setObjectName("sideTabs")
        self.sideTabs.setDocumentMode(True)
        self.sideTabs.addTab(network, "Network")

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

        self._install_lesson()
        self.set_theme(self._theme.name)
        self._on_model(controller.current_model_info())
        if controller.load_error:
            message = self.tr("The shipped model could not be opened: {0}").format(controller.load_error)
            self.statusBar().showMessage(message)
        self.resize(1400, 860)
        self.setMinimumSize(960, 640)

    # -- construction ---------------------------------------------------------------------------------------
    def _install_lesson(self) -> None:
        """The Learn tab: the seed lecture step by step on the visitor's own digit (gui.lesson)."""
        from convlens.gui.lesson import LessonPanel

        self.lessonPanel = LessonPanel()
        self.add_tab(self.lessonPanel, self.tr("Learn"))
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
        bar = QToolBar("Main")
        bar.setObjectName("mainToolBar")
        bar.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.openButton = QPushButton("Open model…")
        self.openButton.setObjectName("openModelButton")
        self.openButton.clicked.connect(self.open_model_dialog)
        self.trainButton = QPushButton("Train…")
        self.trainButton.setObjectName("trainButton")
        self.trainButton.setToolTip("Train the network on MNIST and watch the filters evolve")
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
        menubar = self.menuBar()
        menubar.setObjectName("menuBar")
        self._menus: dict[str, QMenu] = {}
        file_menu = menubar.addMenu("&File")
        file_menu.setObjectName("fileMenu")
        self.openModelAction = QAction("&Open model…", self)
        self.openModelAction.setObjectName("openModelAction")
        self.openModelAction.setShortcut(QKeySequence.StandardKey.Open)
        self.openModelAction.triggered.connect(self.open_model_dialog)
        self.saveModelAction = QAction("&Save model as…", self)
        self.saveModelAction.setObjectName("saveModelAction")
        self.saveModelAction.setShortcut(QKeySequence.StandardKey.SaveAs)
        self.saveModelAction.setEnabled(False)
        self.saveModelAction.setToolTip("Available after training a model")
        quit_action = QAction("&Quit", self)
        quit_action.setObjectName("quitAction")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addActions([self.openModelAction, self.saveModelAction])
        file_menu.addSeparator()
        file_menu.addAction(quit_action)

        edit_menu = menubar.addMenu("&Edit")
        edit_menu.setObjectName("editMenu")
        self.undoAction = QAction("&Undo stroke", self)
        self.undoAction.setObjectName("undoAction")
        self.undoAction.setShortcut(QKeySequence.StandardKey.Undo)
        self.undoAction.triggered.connect(self.canvas.undo)
        self.clearAction = QAction("&Clear", self)
        self.clearAction.setObjectName("clearAction")
        self.clearAction.setShortcuts([QKeySequence(Qt.Key.Key_Escape), QKeySequence(Qt.Key.Key_Delete)])
        self.clearAction.triggered.connect(self.canvas.clear)
        for action in (self.undoAction, self.clearAction):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        edit_menu.addActions([self.undoAction, self.clearAction])

        view_menu = menubar.addMenu("&View")
        view_menu.setObjectName("viewMenu")
        self.darkThemeAction = QAction("&Dark theme", self)
        self.darkThemeAction.setObjectName("darkThemeAction")
        self.darkThemeAction.setCheckable(True)
        self.darkThemeAction.toggled.connect(lambda on: self.set_theme("dark" if on else "light"))
        self.convMapsAction = QAction("Show maps after each &conv", self)
        self.convMapsAction.setObjectName("convMapsAction")
        self.convMapsAction.setCheckable(True)
        self.convMapsAction.toggled.connect(self.featureMapsPanel.set_show_conv)
        self.featureMapsPanel.convCheck.toggled.connect(self.convMapsAction.setChecked)
        self.stepsAction = QAction("Show &preprocessing steps", self)
        self.stepsAction.setObjectName("stepsAction")
        self.stepsAction.setCheckable(True)
        self.stepsAction.toggled.connect(self.networkInputPanel.set_show_steps)
        self.networkInputPanel.stepsCheck.toggled.connect(self.stepsAction.setChecked)
        self.fullScreenAction = QAction("&Full screen", self)
        self.fullScreenAction.setObjectName("fullScreenAction")
        self.fullScreenAction.setCheckable(True)
        self.fullScreenAction.setShortcut(QKeySequence.StandardKey.FullScreen)
        self.fullScreenAction.toggled.connect(lambda on: self.showFullScreen() if on else self.showNormal())
        view_menu.addActions([self.darkThemeAction, self.convMapsAction, self.stepsAction])
        view_menu.addSeparator()
        view_menu.addAction(self.fullScreenAction)

        help_menu = menubar.addMenu("&Help")
        help_menu.setObjectName("helpMenu")
        self.aboutAction = QAction("&About ConvLens", self)
        self.aboutAction.setObjectName("aboutAction")
        self.aboutAction.triggered.connect(self.show_about)
        help_menu.addAction(self.aboutAction)
        self._menus = {"file": file_menu, "edit": edit_menu, "view": view_menu, "help": help_menu}

    # -- public API -----------------------------------------------------------------------------------------
    def last_prediction(self) -> tuple[int, list[float]]:
        """``(digit, probabilities)`` of the last live update; ``(-1, [])`` for an empty canvas."""
        return (self._last_prediction[0], list(self._last_prediction[1]))

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

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a view next to the "Network" tab (lesson explorer, training panel, ...); returns its index."""
        return self.sideTabs.addTab(widget, title)

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
        """Switch between ``"dark"`` and ``"light"``."""
        theme = get_theme(name)
        self._theme = theme
        self.setPalette(build_palette(theme))
        self.canvas.set_colours(theme.window, theme.canvas_border, theme.muted)
        for panel in (self.probabilitiesPanel, self.networkInputPanel, self.featureMapsPanel, self.filtersPanel):
            panel.set_theme(theme)
        self.darkThemeAction.blockSignals(True)
        self.darkThemeAction.setChecked(theme.name == "dark")
        self.darkThemeAction.blockSignals(False)
        self.themeButton.setText("Light theme" if theme.name == "dark" else "Dark theme")

    def toggle_theme(self) -> None:
        """Dark <-> light."""
        self.set_theme("light" if self._theme.name == "dark" else "dark")

    def open_model_dialog(self) -> None:
        """File > Open model...: pick a .onnx/.npz file and hot-swap it in; errors go to a message box."""
        start = str(Path(str(QSettings("ConvLens", "ConvLens").value("lastModelDir", "") or Path.cwd())))
        path, _ = QFileDialog.getOpenFileName(self, "Open model", start, "Models (*.onnx *.npz);;All files (*)")
        if path:
            self.open_model(path)

    def open_model(self, path: str | Path) -> bool:
        """Load ``path`` through the controller; on failure show why in a message box and keep the old model."""
        try:
            model = open_model_file(path, self)  # off the GUI thread, within a time and memory budget
            self.controller.set_model(model, path=path, metadata=model.metadata)
        except Exception as exc:  # noqa: BLE001 - any failure is reported to the user, never a traceback
            log.warning("cannot open model %s: %s", path, exc)
            QMessageBox.warning(self, "Cannot open model", f"The model could not be opened:\n\n{exc}")
            return False
        QSettings("ConvLens", "ConvLens").setValue("lastModelDir", str(Path(path).parent))
        self.statusBar().showMessage(self.tr("Loaded {0}").format(Path(path).name), 5000)
        return True

    def show_about(self) -> None:
        """Help > About: what this is and which model runs."""
        info = self.controller.current_model_info()
        QMessageBox.about(
            self,
            "About ConvLens",
            "<b>ConvLens</b><br>Draw a digit and watch a convolutional network read it: every filter, "
            f"every feature map and the output probabilities, live.<br><br>Model: {info.label}"
            f"<pre>{info.summary}</pre>",
        )

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if not self._user_split:
            # Give the drawing column about the width its square canvas can use at this height.
            total = self.width()
            left = int(max(320, min(0.33 * total, self.height() - 300, 620)))
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

    def _on_model(self, info: ModelInfo) -> None:
        self.filtersPanel.set_model(info)
        self.featureMapsPanel.set_model(info)
        self.modelLabel.setText(self.tr("Model: {0}").format(info.label))
        self.architectureLabel.setText(_architecture_html(info))
        if not info.has_model:
            self.canvas.set_hint("No model yet:\nFile > Open model or Train")
        else:
            self.canvas.set_hint("Draw a digit")

    def _on_map_clicked(self, layer: str, index: int) -> None:
        info = self.controller.current_model_info()
        source = next((m.source_conv for m in info.map_layers if m.name == layer), None)
        if source is None:
            return
        self.filtersPanel.select_filter(source, index)
        self.featureMapsPanel.select(source, index)


def _architecture_html(info: ModelInfo) -> str:
    """The layers and their output shapes as a compact column (shown under the network input)."""
    if not info.shapes:
        return ""
    rows = "".join(
        f"<tr><td>{name}</td><td align='right'>&nbsp;{'&times;'.join(str(d) for d in shape)}</td></tr>"
        for name, shape in info.shapes
    )
    return f"<b>Layers</b> <small>(output shape)</small><table cellspacing='1'>{rows}</table>"

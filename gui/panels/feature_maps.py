"""Feature-maps panel: every map after each pooling layer (and, on request, after each conv), live.

Each layer is one :class:`~gui.panels.TileGrid` (16 maps per row) coloured with the sequential map
at the layer's *fixed* levels (from the controller's calibration pass), so maps do not flicker as
the drawing changes.  Hovering shows the value under the cursor; clicking a map emits
``mapClicked(layer, index)`` (the window highlights the filter that made it).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QPointF, Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from convlens.gui.controller import LiveResult, MapLayer, ModelInfo
from convlens.gui.layouts import FlowLayout, WrapCheckBox
from convlens.gui.panels import TITLE_HEIGHT, FittedGridsMixin, TileGrid, choose_columns, new_view
from convlens.gui.render import SEQUENTIAL_LUT, apply_lut, maps_to_stack
from convlens.gui.style import Theme, get_theme, rgba

__all__ = ["FeatureMapsPanel"]

_KIND_TEXT = {
    "conv": QT_TRANSLATE_NOOP("FeatureMapsPanel", "after {name} (conv + ReLU)"),
    "pool": QT_TRANSLATE_NOOP("FeatureMapsPanel", "after {name} (max-pool)"),
    "other": QT_TRANSLATE_NOOP("FeatureMapsPanel", "after {name}"),
}


class FeatureMapsPanel(FittedGridsMixin, QWidget):
    """Live feature maps; objectName ``featureMapsPanel``.

    Signals
    -------
    mapClicked(str, int)
        Layer name and map index of a clicked map.
    """

    mapClicked = Signal(str, int)

    def __init__(self, theme: Theme | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("featureMapsPanel")
        self._theme = theme or get_theme("dark")
        self._info: ModelInfo | None = None
        self._show_conv = False
        self._grids: OrderedDict[str, TileGrid] = OrderedDict()
        self._titles: dict[str, pg.LabelItem] = {}
        self._stacks: OrderedDict[str, np.ndarray] = OrderedDict()
        self._last_result: LiveResult | None = None
        self._selection: tuple[str, int] | None = None
        self._cols = 16

        title = QLabel(self.tr("<b>Feature maps</b>"))
        title.setObjectName("featureMapsTitle")
        self.convCheck = WrapCheckBox(self.tr("Also show maps after each conv"))
        self.convCheck.setObjectName("showConvMapsCheck")
        self.convCheck.setToolTip(self.tr("Show the rectified conv outputs (before pooling) too"))
        self.convCheck.toggled.connect(self.set_show_conv)
        self.valueLabel = QLabel(self.tr("Hover a map for its values; click one for its filter"))
        self.valueLabel.setObjectName("featureValueLabel")
        self.valueLabel.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # The read-out takes the rest of the header's line (at least 24 characters, else a line of its own) and
        # wraps there: never cut, and its changing text never moves the other controls.
        self.valueLabel.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.valueLabel.setWordWrap(True)
        self.valueLabel.setMinimumWidth(24 * self.valueLabel.fontMetrics().averageCharWidth())
        header = FlowLayout(h_spacing=8)
        header.addWidget(title)
        header.addWidget(self.convCheck)
        header.addWidget(self.valueLabel)

        self.view = pg.GraphicsLayoutWidget()
        self.view.setObjectName("featureMapsView")
        self.view.ci.setContentsMargins(2, 2, 2, 2)
        self.view.ci.setSpacing(2)
        self.view.scene().sigMouseMoved.connect(self._on_hover)
        self.view.scene().sigMouseClicked.connect(self._on_click)
        self.view.installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)
        self.set_theme(self._theme)

    # -- model and data -------------------------------------------------------------------------------------
    def set_model(self, info: ModelInfo) -> None:
        """Lay the panel out for a model (called on ``modelChanged``)."""
        self._info = info
        self._selection = None
        self._rebuild()

    def visible_layers(self) -> list[MapLayer]:
        """The map layers currently shown (pooling layers, plus conv/other layers when toggled on)."""
        if self._info is None:
            return []
        layers = list(self._info.map_layers)
        pools = [m for m in layers if m.kind == "pool"]
        if self._show_conv or not pools:
            return layers
        return pools

    def set_show_conv(self, show: bool) -> None:
        """Show or hide the maps after each conv (before pooling)."""
        show = bool(show)
        if show != self._show_conv:
            self._show_conv = show
            if self.convCheck.isChecked() != show:
                self.convCheck.setChecked(show)
            self._rebuild()

    def show_conv(self) -> bool:
        """Whether the conv maps are shown."""
        return self._show_conv

    def _rebuild(self) -> None:
        self.view.ci.clear()
        self._grids.clear()
        self._titles.clear()
        stacks: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cols = self._best_columns()
        target = max((m.shape[0] for m in self.visible_layers()), default=1)
        pad = max(1, round(target / 14))
        row = 0
        for layer in self.visible_layers():
            h, w, c = layer.shape
            label = self.view.ci.addLabel(self._title_text(layer), row=row, col=0, justify="left")
            label.setMaximumHeight(TITLE_HEIGHT)
            vb = new_view()
            self.view.ci.addItem(vb, row=row + 1, col=0)
            grid = TileGrid(vb, c, (h, w), self._cols, pad=pad, scale=max(1, round(target / h)))
            grid.set_fill(rgba(self._theme.tile_gap))
            grid.set_highlight_colour(self._theme.accent)
            self._grids[layer.name] = grid
            self._titles[layer.name] = label
            stacks[layer.name] = self._stack_for(layer)
            self._paint(layer, stacks[layer.name])
            row += 2
        self._stacks = stacks
        self._apply_sizes()
        self._apply_selection()

    def _best_columns(self) -> int:
        layers = self.visible_layers()
        if not layers:
            return 16
        height = self.view.height() - len(layers) * (TITLE_HEIGHT + 4) - 8
        return choose_columns([m.shape[2] for m in layers], self.view.width() - 8, height)

    def _title_text(self, layer: MapLayer) -> str:
        h, w, c = layer.shape
        what = self.tr(str(_KIND_TEXT.get(layer.kind, _KIND_TEXT["other"]))).format(name=layer.name)
        maps = (self.tr("{count} map of {h}&times;{w}") if c == 1 else self.tr("{count} maps of {h}&times;{w}")).format(
            count=c, h=h, w=w
        )
        levels = self.tr("colour 0&ndash;{top}").format(top=f"{layer.levels[1]:.2f}")
        colour = self._theme.muted
        return (
            f"<span style='color:{self._theme.text}'><b>{layer.name}</b></span>"
            f"<span style='color:{colour}'> &nbsp;{what} &middot; {maps} &middot; {levels}</span>"
        )

    def _paint(self, layer: MapLayer, stack: np.ndarray) -> None:
        grid = self._grids.get(layer.name)
        if grid is not None:
            grid.set_rgba(apply_lut(stack, SEQUENTIAL_LUT, layer.levels))

    def _stack_for(self, layer: MapLayer) -> np.ndarray:
        """A newly shown layer's maps: from the last live update (a layer shown later, e.g. the conv maps ticked on,
        is filled at once, not left black until the drawing changes); zeros when it has none (an empty canvas)."""
        h, w, c = layer.shape
        if self._last_result is None:
            previous = self._stacks.get(layer.name)
            return previous if previous is not None else np.zeros((c, h, w), np.float32)
        act = self._last_result.activations.get(layer.name)
        if act is not None and np.shape(act)[1:] == (h, w, c):
            return maps_to_stack(act)
        return np.zeros((c, h, w), np.float32)

    def update_result(self, result: LiveResult) -> None:
        """Show the maps of one live update (an empty result blanks every map)."""
        self._last_result = result
        for layer in self.visible_layers():
            act = result.activations.get(layer.name)
            if act is None:
                h, w, c = layer.shape
                stack = np.zeros((c, h, w), np.float32)
            else:
                stack = maps_to_stack(act)
            self._stacks[layer.name] = stack
            self._paint(layer, stack)

    def images(self) -> OrderedDict[str, list[np.ndarray]]:
        """The maps currently shown: layer name -> list of (H, W) arrays, one per map."""
        return OrderedDict((name, list(stack)) for name, stack in self._stacks.items())

    def grid(self, layer: str) -> TileGrid:
        """The :class:`TileGrid` of a shown layer (KeyError if it is not shown)."""
        return self._grids[layer]

    # -- selection and hover --------------------------------------------------------------------------------
    def select(self, conv_name: str | None, index: int | None) -> None:
        """Outline map ``index`` in every shown layer made by filter ``index`` of ``conv_name``."""
        self._selection = None if conv_name is None or index is None else (conv_name, int(index))
        self._apply_selection()

    def _apply_selection(self) -> None:
        for layer in self.visible_layers():
            grid = self._grids.get(layer.name)
            if grid is None:
                continue
            if self._selection is not None and layer.source_conv == self._selection[0]:
                grid.highlight([self._selection[1]])
            else:
                grid.highlight(None)

    def _locate(self, scene_pos: QPointF) -> tuple[str, int, int, int] | None:
        for name, grid in self._grids.items():
            hit = grid.hit(scene_pos)
            if hit is not None:
                return (name, *hit)
        return None

    def value_at(self, layer: str, index: int, row: int, col: int) -> float:
        """The value shown at pixel (row, col) of map ``index`` of ``layer``."""
        return float(self._stacks[layer][index, row, col])

    def _on_hover(self, scene_pos: QPointF) -> None:
        hit = self._locate(scene_pos)
        if hit is None:
            return
        name, index, r, c = hit
        value = self.value_at(name, index, r, c)
        self.valueLabel.setText(
            self.tr("{0} map {1}, pixel (row {2}, col {3}): <b>{4}</b>").format(name, index, r, c, f"{value:.3f}")
        )

    def _on_click(self, event: object) -> None:
        scene_pos = event.scenePos()  # type: ignore[attr-defined]
        hit = self._locate(scene_pos)
        if hit is not None:
            self.mapClicked.emit(hit[0], hit[1])

    # -- theme ----------------------------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Restyle for a theme (background, gap and outline colours, titles)."""
        self._theme = theme
        self.view.setBackground(theme.base)
        for grid in self._grids.values():
            grid.set_fill(rgba(theme.tile_gap))
            grid.set_highlight_colour(theme.accent)
        if self._info is not None:
            for layer in self.visible_layers():
                if layer.name in self._titles:
                    self._titles[layer.name].setText(self._title_text(layer))
                if layer.name in self._stacks:
                    self._paint(layer, self._stacks[layer.name])

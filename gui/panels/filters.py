"""Filters panel: every filter of every conv layer, in a diverging colour map centred on 0.

The first layer's filters (one input channel) are shown as they are.  Deeper filters have one
``H_f x W_f`` slice per input channel; the view selector shows a per-filter summary (mean ``|w|`` over
the input channels), the slices for one input channel, or every slice (one column per filter, one
row per input channel).  Clicking a filter (or calling :meth:`FiltersPanel.select_filter`)
outlines it and prints its numbers.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from convlens.gui.controller import ModelInfo
from convlens.gui.panels import TITLE_HEIGHT, FittedGridsMixin, TileGrid, choose_columns, new_view
from convlens.gui.render import (
    DIVERGING_LUT,
    diverging_rgba,
    filter_views,
    legend_rgba,
    strongest_channels,
    symmetric_limit,
)
from convlens.gui.style import Theme, get_theme, rgba

__all__ = ["VIEW_MODES", "FiltersPanel"]

MAX_COLS = 16
VIEW_MODES = ("strongest", "mean_abs", "channel", "all")
_MODE_TEXT = (
    "strongest input channel",
    "mean |w| over inputs",
    "one input channel",
    "every input channel",
)
FILTER_PIXELS = 10
"""Filters are enlarged to about this many mosaic pixels per side, so the 1 px gaps stay thin."""


class _Legend(QWidget):
    """A small colour bar: "negative - 0 - positive" under the diverging map."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterLegend")
        self.setFixedSize(230, 34)
        bar = legend_rgba(DIVERGING_LUT, 160, 1)
        self._bar = QImage(bar.tobytes(), bar.shape[1], 1, bar.shape[1] * 4, QImage.Format.Format_RGBA8888).copy()
        self._text = QColor("#e6e6e6")
        self.setToolTip("Filter weights: blue negative, white zero, red positive (each layer scaled to its ±max)")

    def set_text_colour(self, colour: str) -> None:
        self._text = QColor(colour)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        try:
            bar = QRectF(35, 2, 160, 12)
            p.drawImage(bar, self._bar)
            p.setPen(self._text)
            font = QFont(self.font())
            font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
            p.setFont(font)
            p.drawText(QRectF(0, 0, 33, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "−max")
            p.drawText(QRectF(197, 0, 33, 16), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "+max")
            p.drawText(QRectF(35, 16, 160, 16), Qt.AlignmentFlag.AlignCenter, "0")
            p.drawText(QRectF(35, 16, 160, 16), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "neg")
            p.drawText(QRectF(35, 16, 160, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "pos")
        finally:
            p.end()


class FiltersPanel(FittedGridsMixin, QWidget):
    """Every conv filter; objectName ``filtersPanel``.

    Signals
    -------
    filterSelected(str, int)
        Conv layer name and output-filter index clicked in the panel.
    """

    filterSelected = Signal(str, int)

    def __init__(self, theme: Theme | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filtersPanel")
        self._theme = theme or get_theme("dark")
        self._info: ModelInfo | None = None
        self._mode = "strongest"
        self._channel = 0
        self._cols = 16
        self._grids: OrderedDict[str, TileGrid] = OrderedDict()
        self._titles: dict[str, pg.LabelItem] = {}
        self._views: OrderedDict[str, np.ndarray] = OrderedDict()
        self._selection: tuple[str, int] | None = None

        title = QLabel("<b>Filters</b>")
        title.setObjectName("filtersTitle")
        self.modeCombo = QComboBox()
        self.modeCombo.setObjectName("filterViewCombo")
        self.modeCombo.addItems(list(_MODE_TEXT))
        self.modeCombo.currentIndexChanged.connect(self._on_mode)
        self.modeCombo.setToolTip(
            "How to show filters that look at several input channels (conv2 and deeper):\n"
            "each filter on its strongest input channel, the mean |w| over all inputs,\n"
            "the weights on one input channel, or every input channel (one row each)"
        )
        self.modeCombo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.modeCombo.setMinimumContentsLength(23)
        self.channelSpin = QSpinBox()
        self.channelSpin.setObjectName("filterChannelSpin")
        self.channelSpin.setPrefix("input channel ")
        self.channelSpin.setEnabled(False)
        self.channelSpin.valueChanged.connect(self._on_channel)
        self.legend = _Legend()
        header = QHBoxLayout()
        header.addWidget(title)
        header.addWidget(self.modeCombo)
        header.addWidget(self.channelSpin)
        header.addStretch(1)
        header.addWidget(self.legend)

        self.view = pg.GraphicsLayoutWidget()
        self.view.setObjectName("filtersView")
        self.view.ci.setContentsMargins(2, 2, 2, 2)
        self.view.ci.setSpacing(2)
        self.view.scene().sigMouseClicked.connect(self._on_click)
        self.view.installEventFilter(self)

        self.details = QLabel("Click a filter or a feature map to see its numbers")
        self.details.setObjectName("filterDetailsLabel")
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setMinimumWidth(190)
        self.details.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.details.setWordWrap(False)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.view, 1)
        body.addWidget(self.details, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addLayout(body, 1)
        self.set_theme(self._theme)

    # -- model ----------------------------------------------------------------------------------------------
    def set_model(self, info: ModelInfo) -> None:
        """Show the filters of a model (called on ``modelChanged``; also after training swaps one in)."""
        self._info = info
        max_cin = max((w.shape[2] for w, _ in info.filters.values()), default=1)
        self.channelSpin.blockSignals(True)
        self.channelSpin.setRange(0, max(0, max_cin - 1))
        self.channelSpin.blockSignals(False)
        self._channel = min(self._channel, max(0, max_cin - 1))
        keep = self._selection
        self._selection = None
        self._rebuild()
        if keep is not None and keep[0] in info.filters and keep[1] < info.filters[keep[0]][0].shape[3]:
            self.select_filter(*keep)
        else:
            self.details.setText("Click a filter or a feature map to see its numbers")

    def set_view_mode(self, mode: str, channel: int | None = None) -> None:
        """How deeper layers are shown: ``"mean_abs"``, ``"channel"`` (with ``channel``) or ``"all"``."""
        if mode not in VIEW_MODES:
            raise ValueError(f"mode must be one of {VIEW_MODES}, got {mode!r}")
        if channel is not None:
            self._channel = int(channel)
            self.channelSpin.blockSignals(True)
            self.channelSpin.setValue(self._channel)
            self.channelSpin.blockSignals(False)
        self._mode = mode
        self.modeCombo.blockSignals(True)
        self.modeCombo.setCurrentIndex(VIEW_MODES.index(mode))
        self.modeCombo.blockSignals(False)
        self.channelSpin.setEnabled(mode == "channel")
        self._rebuild()

    def view_mode(self) -> tuple[str, int]:
        """``(mode, channel)``."""
        return (self._mode, self._channel)

    def _on_mode(self, index: int) -> None:
        self.set_view_mode(VIEW_MODES[index])

    def _on_channel(self, value: int) -> None:
        self._channel = int(value)
        if self._mode == "channel":
            self._rebuild()
        if self._selection is not None:
            self._show_numbers(*self._selection)

    def _layer_mode(self, w: np.ndarray) -> str:
        return "channel" if w.shape[2] == 1 else self._mode

    def _stack(self, w: np.ndarray) -> np.ndarray:
        mode = self._layer_mode(w)
        if mode == "strongest":
            return filter_views(w, "channel_per_filter", channels=strongest_channels(w))
        return filter_views(w, mode, min(self._channel, w.shape[2] - 1))

    def _best_columns(self) -> int:
        if self._info is None or not self._info.filters:
            return 16
        counts = [w.shape[3] for w, _ in self._info.filters.values() if self._layer_mode(w) != "all"]
        if not counts:
            return 16
        height = self.view.height() - len(self._info.filters) * (TITLE_HEIGHT + 4) - 8
        for w, _ in self._info.filters.values():
            if self._layer_mode(w) == "all":  # a fixed grid of C_in rows x C_out columns
                height -= self.view.width() * (w.shape[2] * (w.shape[0] + 1)) / (w.shape[3] * (w.shape[1] + 1))
        return choose_columns(counts, self.view.width() - 8, height)

    def _rebuild(self) -> None:
        self.view.ci.clear()
        self._grids.clear()
        self._titles.clear()
        self._views.clear()
        if self._info is None:
            return
        self._cols = self._best_columns()
        row = 0
        for name, (w, _b) in self._info.filters.items():
            hf, wf, cin, cout = w.shape
            mode = self._layer_mode(w)
            channel = min(self._channel, cin - 1)
            stack = self._stack(w)
            limit = symmetric_limit(stack)
            cols = cout if mode == "all" else self._cols
            label = self.view.ci.addLabel(self._title_text(name, w, mode, channel, limit), row=row, col=0,
                                          justify="left")
            label.setMaximumHeight(TITLE_HEIGHT)
            vb = new_view()
            self.view.ci.addItem(vb, row=row + 1, col=0)
            grid = TileGrid(vb, stack.shape[0], (hf, wf), cols, pad=1, scale=max(1, round(FILTER_PIXELS / hf)))
            grid.set_fill(rgba(self._theme.filter_gap))
            grid.set_highlight_colour(self._theme.accent)
            grid.set_rgba(diverging_rgba(stack, limit))
            self._grids[name] = grid
            self._titles[name] = label
            self._views[name] = stack
            row += 2
        self._apply_sizes()
        self._apply_selection()

    def _title_text(self, name: str, w: np.ndarray, mode: str, channel: int, limit: float) -> str:
        hf, wf, cin, cout = w.shape
        if cin == 1:
            what = f"{cout} filters of {hf}&times;{wf}"
        elif mode == "strongest":
            what = f"{cout} filters of {hf}&times;{wf}&times;{cin}, each on its strongest input channel"
        elif mode == "mean_abs":
            what = f"{cout} filters of {hf}&times;{wf}&times;{cin}, mean |w| over the {cin} input channels"
        elif mode == "channel":
            what = f"{cout} filters of {hf}&times;{wf}&times;{cin}, input channel {channel}"
        else:
            what = f"{cout} filters (columns) &times; {cin} input channels (rows), {hf}&times;{wf} each"
        return (
            f"<span style='color:{self._theme.text}'><b>{name}</b></span>"
            f"<span style='color:{self._theme.muted}'> &nbsp;{what} &middot; colour &plusmn;{limit:.2f}</span>"
        )

    def filter_images(self) -> OrderedDict[str, list[np.ndarray]]:
        """The filter images currently shown: conv name -> list of (H_f, W_f) arrays.

        One per output filter, except in the "all" mode for deeper layers (one per filter and input
        channel, input-channel-major).
        """
        return OrderedDict((name, list(stack)) for name, stack in self._views.items())

    def grid(self, name: str) -> TileGrid:
        """The :class:`TileGrid` of conv layer ``name``."""
        return self._grids[name]

    # -- selection ------------------------------------------------------------------------------------------
    def select_filter(self, conv_name: str, index: int) -> None:
        """Outline filter ``index`` of ``conv_name`` and print its weights and bias."""
        if self._info is None or conv_name not in self._info.filters:
            return
        cout = self._info.filters[conv_name][0].shape[3]
        if not 0 <= index < cout:
            raise IndexError(f"{conv_name} has {cout} filters, got index {index}")
        self._selection = (conv_name, int(index))
        self._apply_selection()
        self._show_numbers(conv_name, int(index))

    def selected(self) -> tuple[str, int] | None:
        """The selected ``(conv name, filter index)``, or None."""
        return self._selection

    def _apply_selection(self) -> None:
        if self._info is None:
            return
        for name, grid in self._grids.items():
            if self._selection is None or self._selection[0] != name:
                grid.highlight(None)
                continue
            w = self._info.filters[name][0]
            grid.highlight([self._selection[1]], whole_column=self._layer_mode(w) == "all")

    def _show_numbers(self, conv_name: str, index: int) -> None:
        assert self._info is not None
        w, b = self._info.filters[conv_name]
        hf, wf, cin, cout = w.shape
        bias = "" if b is None else f"   bias {float(b[index]):+.3f}"
        lines = [f"{conv_name} filter {index} ({hf}x{wf}x{cin})"]
        if bias:
            lines.append(bias.strip())
        if cin == 1:
            block, caption = w[:, :, 0, index], "weights"
        else:
            if self._mode == "strongest":
                channel = int(strongest_channels(w)[index])
            else:
                channel = min(self._channel, cin - 1)
            block, caption = w[:, :, channel, index], f"weights on input channel {channel}"
            strength = np.abs(w[:, :, :, index]).mean(axis=(0, 1))
            top = np.argsort(strength)[::-1][:3]
            lines.append("strongest inputs: " + ", ".join(f"ch {int(c)}" for c in top))
        lines.append(caption + ":")
        lines += [" ".join(f"{float(v):+.2f}" for v in row) for row in block]
        self.details.setText("\n".join(lines))

    def _on_click(self, event: object) -> None:
        scene_pos: QPointF = event.scenePos()  # type: ignore[attr-defined]
        if self._info is None:
            return
        for name, grid in self._grids.items():
            hit = grid.hit(scene_pos)
            if hit is None:
                continue
            w = self._info.filters[name][0]
            index = hit[0] % w.shape[3] if self._layer_mode(w) == "all" else hit[0]
            self.select_filter(name, index)
            self.filterSelected.emit(name, index)
            return

    # -- theme ----------------------------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Restyle for a theme."""
        self._theme = theme
        self.view.setBackground(theme.base)
        self.legend.set_text_colour(theme.text)
        self._rebuild()

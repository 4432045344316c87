"""Filters panel: every filter of every conv layer, in a diverging colour map centred on 0.

The first layer's filters (one input channel) are shown as they are.  Deeper filters have one
``H_f x W_f`` slice per input channel; the view selector shows a per-filter summary (mean ``|w|`` over
the input channels), the slices for one input channel, or every slice (one row per filter, its input
channels side by side). The grids fit the room they have down to a readable tile size, below which the
view scrolls vertically; the first layer comes first, so its filters are always in view.  Clicking a filter
(or calling :meth:`FiltersPanel.select_filter`) outlines it and prints its numbers.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetricsF, QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFrame,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from convlens.gui.controller import ModelInfo
from convlens.gui.layouts import FlowLayout
from convlens.gui.panels import TITLE_HEIGHT, FittedGridsMixin, TileGrid, choose_columns, fit_heights, new_view
from convlens.gui.render import (
    DIVERGING_LUT,
    diverging_rgba,
    filter_views,
    legend_rgba,
    strongest_channels,
    symmetric_limit,
)
from convlens.gui.style import Theme, get_theme, presenter_scale, rgba

__all__ = ["VIEW_MODES", "FiltersPanel"]

MAX_COLS = 16
VIEW_MODES = ("strongest", "mean_abs", "channel", "all")
_MODE_TEXT = (
    QT_TRANSLATE_NOOP("FiltersPanel", "strongest input channel"),
    QT_TRANSLATE_NOOP("FiltersPanel", "mean |w| over inputs"),
    QT_TRANSLATE_NOOP("FiltersPanel", "one input channel"),
    QT_TRANSLATE_NOOP("FiltersPanel", "every input channel"),
)
FILTER_PIXELS = 10
"""Filters are enlarged to about this many mosaic pixels per side, so the 1 px gaps stay thin."""
MIN_TILE_PX = 18
"""Smallest on-screen side of a filter tile; below it the filters scroll instead of shrinking further."""
MIN_ALL_TILE_PX = 22
"""Smallest side of a tile in the "every input channel" view (a 3x3 filter then has 7 px per weight)."""
MIN_VIEW_WIDTH = 8 * MIN_TILE_PX + 16
"""The filter view is never narrower than 8 tiles: conv1's 16 filters fit in two rows of readable tiles."""
DETAILS_CHARS = 36
"""Width of the numbers read-out beside the filters, in characters of its fixed-width font."""


class _Legend(QWidget):
    """A small colour bar: "negative - 0 - positive" under the diverging map; sized by its font."""

    BAR = 160

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterLegend")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        bar = legend_rgba(DIVERGING_LUT, self.BAR, 1)
        self._bar = QImage(bar.tobytes(), bar.shape[1], 1, bar.shape[1] * 4, QImage.Format.Format_RGBA8888).copy()
        self._text = QColor("#e6e6e6")
        self.setToolTip(
            self.tr("Filter weights: blue negative, white zero, red positive (each layer scaled to its ±max)")
        )

    def _font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        return font

    def _geometry(self) -> tuple[float, float, float]:
        """Width of the ±max captions, height of a text line, bar height."""
        metrics = QFontMetricsF(self._font())
        side = max(metrics.horizontalAdvance("−max"), metrics.horizontalAdvance("+max")) + 4
        return side, metrics.height(), max(10.0, metrics.height() * 0.8)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        side, line, bar = self._geometry()
        words = QFontMetricsF(self._font())
        inner = max(float(self.BAR), words.horizontalAdvance(self.tr("neg") + " 0 " + self.tr("pos")) + 16)
        return QSize(int(2 * side + inner + 4), int(bar + line + 6))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.sizeHint()

    def set_text_colour(self, colour: str) -> None:
        self._text = QColor(colour)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        side, line, bar_h = self._geometry()
        inner = self.width() - 2 * side - 4
        p = QPainter(self)
        try:
            p.drawImage(QRectF(side + 2, 2, inner, bar_h), self._bar)
            p.setPen(self._text)
            p.setFont(self._font())
            middle = Qt.AlignmentFlag.AlignVCenter
            p.drawText(QRectF(0, 0, side, bar_h + 4), Qt.AlignmentFlag.AlignRight | middle, "−max")
            p.drawText(QRectF(self.width() - side, 0, side, bar_h + 4), Qt.AlignmentFlag.AlignLeft | middle, "+max")
            below = QRectF(side + 2, bar_h + 3, inner, line)
            p.drawText(below, Qt.AlignmentFlag.AlignCenter, "0")
            left, right = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
            p.drawText(below, left | middle, self.tr("neg"))
            p.drawText(below, right | middle, self.tr("pos"))
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

        title = QLabel(self.tr("<b>Filters</b>"))
        title.setObjectName("filtersTitle")
        self.modeCombo = QComboBox()
        self.modeCombo.setObjectName("filterViewCombo")
        self.modeCombo.addItems([self.tr(str(text)) for text in _MODE_TEXT])
        self.modeCombo.currentIndexChanged.connect(self._on_mode)
        self.modeCombo.setToolTip(
            self.tr(
                "How to show filters that look at several input channels (conv2 and deeper):\n"
                "each filter on its strongest input channel, the mean |w| over all inputs,\n"
                "the weights on one input channel, or every input channel (one row each)"
            )
        )
        self.modeCombo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.modeCombo.setMinimumContentsLength(23)
        self.channelSpin = QSpinBox()
        self.channelSpin.setObjectName("filterChannelSpin")
        self.channelSpin.setPrefix(self.tr("input channel "))
        self.channelSpin.setEnabled(False)
        self.channelSpin.valueChanged.connect(self._on_channel)
        self.legend = _Legend()
        header = FlowLayout(h_spacing=8)  # wraps (the legend goes to a second line) in a narrow panel
        header.addWidget(title)
        header.addWidget(self.modeCombo)
        header.addWidget(self.channelSpin)
        header.addWidget(self.legend)

        self.view = pg.GraphicsLayoutWidget()
        self.view.setObjectName("filtersView")
        self.view.ci.setContentsMargins(2, 2, 2, 2)
        self.view.ci.setSpacing(2)
        self.view.scene().sigMouseClicked.connect(self._on_click)
        self.view.installEventFilter(self)
        # The grids fit the visible room; when that would make the tiles smaller than MIN_TILE_PX (or the
        # "every input channel" tiles smaller than MIN_ALL_TILE_PX) they keep that size and the view scrolls
        # vertically instead. conv1 comes first, so its filters are always in view.
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("filtersScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.view)
        self.scroll_area.setMinimumWidth(MIN_VIEW_WIDTH)
        self.scroll_area.viewport().installEventFilter(self)

        self.details = QLabel(self.tr("Click a filter or a feature map to see its numbers"))
        self.details.setObjectName("filterDetailsLabel")
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.details.setWordWrap(True)  # the hint wraps; the numbers' lines are short enough not to
        self.detailsScroll = QScrollArea()  # a long read-out scrolls (under the filters its height is limited)
        self.detailsScroll.setObjectName("filterDetailsScroll")
        self.detailsScroll.setWidgetResizable(True)
        self.detailsScroll.setFrameShape(QFrame.Shape.NoFrame)
        self.detailsScroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.detailsScroll.setWidget(self.details)

        # the numbers beside the filters while there is room for both, else under them
        self._body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._body.setContentsMargins(0, 0, 0, 0)
        self._body.addWidget(self.scroll_area, 1)
        self._body.addWidget(self.detailsScroll, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addLayout(self._body, 1)
        self._fit_details()
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
            self.details.setText(self.tr("Click a filter or a feature map to see its numbers"))

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

    # -- layout ---------------------------------------------------------------------------------------------
    def _room(self) -> tuple[float, float]:
        """Width and height the grids have in view (the scroll area's viewport, minus the view's margins)."""
        viewport = self.scroll_area.viewport()
        return float(viewport.width() - 8), float(viewport.height() - 8)

    def _titles_height(self) -> float:
        return sum(label.minimumHeight() + 4 for label in self._titles.values())

    def _all_grid_aspect(self, w: np.ndarray) -> float:
        """Height over width of the "every input channel" grid of ``w`` (C_out rows x C_in columns)."""
        hf, wf, cin, cout = w.shape
        return (cout * (hf + 1)) / (cin * (wf + 1))

    def _best_columns(self) -> int:
        if self._info is None or not self._info.filters:
            return 16
        counts = [w.shape[3] for w, _ in self._info.filters.values() if self._layer_mode(w) != "all"]
        if not counts:
            return 16
        width, height = self._room()
        height -= len(self._info.filters) * (TITLE_HEIGHT * presenter_scale(self) + 4)
        for w, _ in self._info.filters.values():
            if self._layer_mode(w) == "all":  # a fixed grid of C_out rows x C_in columns
                height -= max(width, MIN_ALL_TILE_PX * w.shape[2]) * self._all_grid_aspect(w)
        cols = choose_columns(counts, width, height)
        if width / cols < MIN_TILE_PX:  # fewer, larger tiles per row (the panel scrolls if they do not fit)
            cols = max((c for c in range(1, cols + 1) if all(n % c == 0 or n <= c for n in counts)
                        and width / c >= MIN_TILE_PX), default=1)
        return cols

    def _fit_titles(self, width: float) -> None:
        """Titles wrap to the view's width instead of being cut."""
        for label in self._titles.values():
            item = label.item
            item.setTextWidth(-1)
            if item.boundingRect().width() > width:
                item.setTextWidth(max(width, 40.0))
            label.setMaximumHeight(100_000)  # else the new minimum is clipped to the old maximum
            label.updateMin()
            label.setMaximumHeight(label.minimumHeight())

    def _apply_sizes(self) -> None:
        grids = list(self._grids.values())
        if not grids or self._info is None:
            return
        width, height = self._room()
        self._fit_titles(width)
        height -= self._titles_height()
        aspects = [g.aspect for g in grids]
        fit = fit_heights(aspects, width, height)
        common = fit[0] / aspects[0] if aspects[0] > 0 else width  # the grids' common on-screen width
        smallest = MIN_TILE_PX
        for (w, _), grid in zip(self._info.filters.values(), grids, strict=True):
            tile = MIN_ALL_TILE_PX if self._layer_mode(w) == "all" else MIN_TILE_PX
            # the width at which this grid's tiles reach their smallest readable size
            smallest = max(smallest, tile * grid.tile_cols if grid.tile_cols == grid.cols else tile * grid.cols)
        every = any(self._layer_mode(w) == "all" for w, _ in self._info.filters.values())
        if common < min(width, smallest):
            # readable tiles; the view grows and scrolls vertically (as wide as it is, when it scrolls anyway
            # for the every-input-channel grid: larger tiles cost no more scrolling than they are worth)
            common = width if every else min(width, smallest)
            heights = [a * common for a in aspects]
            self.view.setMinimumHeight(int(sum(heights) + self._titles_height() + 12))
        else:
            heights = fit
            self.view.setMinimumHeight(0)
        for grid, h in zip(grids, heights, strict=True):
            grid.set_display_height(h)
        # Lay the grids out now, in the view's own width: a title that was briefly wider (before it wrapped) made
        # the layout grow its widget, which pyqtgraph only shrinks back on the next resize of the view.
        self.view.ci.layout.activate()
        self.view.ci.setGeometry(QRectF(0, 0, self.view.width(), self.view.height()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize and watched is self.scroll_area.viewport():
            if self._info is not None and self._best_columns() != self._cols:
                self._rebuild()
            else:
                self._apply_sizes()
            return False
        return super().eventFilter(watched, event)

    def _fit_details(self) -> None:
        """The numbers beside the filters when both fit, else under them; the hint text wraps."""
        metrics = QFontMetricsF(self.details.font())
        chars = int(metrics.horizontalAdvance("0" * DETAILS_CHARS))
        beside = self.width() >= chars + 16 * MIN_TILE_PX + 40  # conv1's 16 filters in one row beside the numbers
        direction = QBoxLayout.Direction.LeftToRight if beside else QBoxLayout.Direction.TopToBottom
        if self._body.direction() != direction:
            self._body.setDirection(direction)
        bar = self.detailsScroll.verticalScrollBar().sizeHint().width()
        if beside:
            self.detailsScroll.setFixedWidth(chars + bar)
            self.detailsScroll.setMaximumHeight(16777215)
        else:
            self.detailsScroll.setMinimumWidth(0)
            self.detailsScroll.setMaximumWidth(16777215)
            self.detailsScroll.setMaximumHeight(int(metrics.height() * 6))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_details()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_details()
            self.legend.updateGeometry()

    def _display_stack(self, stack: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, int]:
        """The tiles in display order and their columns: the "every input channel" view shows one filter per row
        (its C_in slices side by side), so its tiles are C_out / C_in times larger than one column per filter."""
        if self._layer_mode(w) != "all":
            return stack, self._cols
        hf, wf, cin, cout = w.shape
        return stack.reshape(cin, cout, hf, wf).transpose(1, 0, 2, 3).reshape(cout * cin, hf, wf), cin

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
            shown, cols = self._display_stack(stack, w)
            label = self.view.ci.addLabel(self._title_text(name, w, mode, channel, limit), row=row, col=0,
                                          justify="left")
            label.setMaximumHeight(TITLE_HEIGHT)
            vb = new_view()
            self.view.ci.addItem(vb, row=row + 1, col=0)
            grid = TileGrid(vb, shown.shape[0], (hf, wf), cols, pad=1, scale=max(1, round(FILTER_PIXELS / hf)))
            grid.set_fill(rgba(self._theme.filter_gap))
            grid.set_highlight_colour(self._theme.accent)
            grid.set_rgba(diverging_rgba(shown, limit))
            self._grids[name] = grid
            self._titles[name] = label
            self._views[name] = stack
            row += 2
        self._apply_sizes()
        self._apply_selection()

    def _title_text(self, name: str, w: np.ndarray, mode: str, channel: int, limit: float) -> str:
        hf, wf, cin, cout = w.shape
        if cin == 1:
            what = self.tr("{n} filters of {h}&times;{w}")
        elif mode == "strongest":
            what = self.tr("{n} filters of {h}&times;{w}&times;{c}, each on its strongest input channel")
        elif mode == "mean_abs":
            what = self.tr("{n} filters of {h}&times;{w}&times;{c}, mean |w| over the {c} input channels")
        elif mode == "channel":
            what = self.tr("{n} filters of {h}&times;{w}&times;{c}, input channel {channel}")
        else:
            what = self.tr("{n} filters (rows) &times; {c} input channels (columns), {h}&times;{w} each")
        what = what.format(n=cout, h=hf, w=wf, c=cin, channel=channel)
        levels = self.tr("colour &plusmn;{limit}").format(limit=f"{limit:.2f}")
        return (
            f"<span style='color:{self._theme.text}'><b>{name}</b></span>"
            f"<span style='color:{self._theme.muted}'> &nbsp;{what} &middot; {levels}</span>"
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
            if self._layer_mode(w) == "all":  # the filter's row of C_in slices
                grid.highlight([self._selection[1] * w.shape[2]], whole_row=True)
            else:
                grid.highlight([self._selection[1]])

    def _show_numbers(self, conv_name: str, index: int) -> None:
        assert self._info is not None
        w, b = self._info.filters[conv_name]
        hf, wf, cin, cout = w.shape
        heading = self.tr("{layer} filter {index} ({h}x{w}x{c})")
        lines = [heading.format(layer=conv_name, index=index, h=hf, w=wf, c=cin)]
        if b is not None:
            lines.append(self.tr("bias {value}").format(value=f"{float(b[index]):+.3f}"))
        if cin == 1:
            block, caption = w[:, :, 0, index], self.tr("weights")
        else:
            if self._mode == "strongest":
                channel = int(strongest_channels(w)[index])
            else:
                channel = min(self._channel, cin - 1)
            block, caption = w[:, :, channel, index], self.tr("weights on input channel {0}").format(channel)
            strength = np.abs(w[:, :, :, index]).mean(axis=(0, 1))
            top = np.argsort(strength)[::-1][:3]
            lines.append(self.tr("strongest inputs: {0}").format(", ".join(f"ch {int(c)}" for c in top)))
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
            index = hit[0] // w.shape[2] if self._layer_mode(w) == "all" else hit[0]
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

"""ValueGrid: a table of numbers drawn as coloured cells, the lesson's way of showing images and tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from convlens.gui.lesson.common import diverging_rgb, gray_rgb, text_colour


@dataclass(frozen=True)
class Highlight:
    """A rectangle of cells outlined on a grid: ``rows x cols`` cells from ``(row, col)``."""

    row: int
    col: int
    rows: int
    cols: int
    colour: QColor
    width: float = 3.0


MIN_TEXT_PX = 9  # below this the numbers are hidden: colour only


class ValueGrid(QWidget):
    """A 2-D array as a grid of cells coloured by value, each with its number when there is room.

    Cells holding NaN are "not computed yet": white, no text. Cells in ``pad_mask`` are padding: hatched.
    The cell size follows the widget size (square cells, centred); numbers are hidden when cells get too
    small to read.

    Signals
    -------
    cellClicked(int, int)
        Row and column of a clicked cell.
    """

    cellClicked = Signal(int, int)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        cell: int = 40,
        max_cell: int = 60,
        max_extent: int = 480,
        min_cell: int = 4,
        min_extent: int = 100_000,
        object_name: str | None = None,
    ) -> None:
        super().__init__(parent)
        if object_name:
            self.setObjectName(object_name)
        self._cell = cell
        self._max_cell = max(cell, max_cell)
        self._max_extent = max_extent  # the whole grid's longest side never exceeds this many pixels
        self._min_cell = max(1, min(min_cell, cell))  # the layout never squeezes a cell below this ...
        self._min_extent = min_extent  # ... unless the grid's longest side would then exceed this many pixels
        self._text_width = 0.0  # the widest cell text at a 100 px font (see _text_px)
        self._values = np.full((1, 1), np.nan)
        self._texts: list[list[str]] = [[""]]
        self._colours = np.full((1, 1, 3), 255, dtype=np.uint8)
        self._pad = np.zeros((1, 1), dtype=bool)
        self._highlights: list[Highlight] = []
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # square cells: the height follows the width
        self.setSizePolicy(policy)

    # -- data -----------------------------------------------------------------------------------------------
    def set_values(
        self,
        values: np.ndarray,
        *,
        texts: Sequence[Sequence[str]] | None = None,
        fmt: Callable[[float], str] | None = None,
        cmap: str = "diverging",
        vmin: float | None = None,
        vmax: float | None = None,
        pad_mask: np.ndarray | None = None,
        pad_text: str = "",
    ) -> None:
        """Show ``values`` (H, W).

        Parameters
        ----------
        texts : H x W strings, optional
            The text of each cell; by default ``fmt(value)`` (``""`` for NaN).
        cmap : {"diverging", "gray"}
            ``"diverging"``: blue < 0 < red, symmetric around 0 (scale ``max(|vmin|, |vmax|)``);
            ``"gray"``: ``vmin`` black .. ``vmax`` white.
        pad_mask : bool array (H, W), optional
            Padding cells, drawn hatched with ``pad_text``.
        """
        values = np.array(values, dtype=np.float64, ndmin=2)
        h, w = values.shape
        finite = values[np.isfinite(values)]
        if cmap == "gray":
            lo = 0.0 if vmin is None else vmin
            hi = (float(finite.max()) if finite.size else 1.0) if vmax is None else vmax
            colours = gray_rgb((values - lo) / max(hi - lo, 1e-12))
        else:
            scale = max(abs(vmin or 0.0), abs(vmax or 0.0))
            if scale == 0.0:
                scale = float(np.abs(finite).max()) if finite.size else 1.0
            colours = diverging_rgb(values / max(scale, 1e-12))
        colours[~np.isfinite(values)] = 255
        fmt = fmt or (lambda v: "" if not np.isfinite(v) else f"{v:.2f}")
        if texts is None:
            texts = [[fmt(float(values[r, c])) for c in range(w)] for r in range(h)]
        pad = np.zeros((h, w), dtype=bool) if pad_mask is None else np.asarray(pad_mask, dtype=bool)
        text_rows = [list(row) for row in texts]
        for r, c in zip(*np.nonzero(pad), strict=True):
            text_rows[r][c] = pad_text
        resized = values.shape != self._values.shape
        if text_rows != self._texts:
            metrics = QFontMetricsF(self._reference_font())
            unique = {t for row in text_rows for t in row if t}
            self._text_width = max((metrics.horizontalAdvance(t) for t in unique), default=0.0)
        self._values, self._texts, self._colours, self._pad = values, text_rows, colours, pad
        if resized:
            self.updateGeometry()
        self.update()

    def set_highlights(self, highlights: Sequence[Highlight]) -> None:
        self._highlights = list(highlights)
        self.update()

    def values(self) -> np.ndarray:
        """The numbers shown (NaN where a cell is empty), shape (H, W)."""
        return self._values.copy()

    def texts(self) -> list[list[str]]:
        """The text of every cell, row by row."""
        return [list(row) for row in self._texts]

    def highlights(self) -> list[Highlight]:
        return list(self._highlights)

    def shape(self) -> tuple[int, int]:
        h, w = self._values.shape
        return int(h), int(w)

    # -- geometry -------------------------------------------------------------------------------------------
    def set_cell_size(self, cell: int) -> None:
        self._cell = cell
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        h, w = self._values.shape
        cell = min(float(self._cell), self._cell_cap())
        return QSize(int(w * cell) + 2, int(h * cell) + 2)

    def minimumSizeHint(self) -> QSize:
        h, w = self._values.shape
        side = max(1.0, min(float(self._min_cell), self._cell_cap(), self._min_extent / max(h, w)))
        return QSize(int(w * side) + 2, int(h * side) + 2)

    def max_useful_width(self) -> int:
        """The widest the grid is worth making: every cell at its largest size."""
        return int(self._values.shape[1] * self._cell_cap()) + 2

    def _cell_cap(self) -> float:
        h, w = self._values.shape
        return min(float(self._max_cell), self._max_extent / max(h, w))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        h, w = self._values.shape
        return int(h * min((width - 2) / w, self._cell_cap())) + 2

    def _geometry(self) -> tuple[float, float, float]:
        """Cell size and top-left corner: square cells, as large as fit (up to ``max_cell``), top-left aligned."""
        h, w = self._values.shape
        cell = max(1.0, min((self.width() - 2) / w, (self.height() - 2) / h, self._cell_cap()))
        return cell, 1.0, 1.0

    def cell_size(self) -> float:
        """The side of one cell on screen, in pixels."""
        return self._geometry()[0]

    # -- numbers --------------------------------------------------------------------------------------------
    def _reference_font(self) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(100)
        return font

    def _text_px(self, cell: float) -> int:
        """The font size (pixels) of the cell texts: as large as fits the widest text into a cell, at most
        45 % of the cell; 0 when even :data:`MIN_TEXT_PX` does not fit (the numbers are hidden then)."""
        if self._text_width <= 0:
            return 0
        fits = (cell - 3.0) * 100.0 / self._text_width  # the widest text fills the cell minus a margin
        px = int(min(cell * 0.45, fits))
        return px if px >= MIN_TEXT_PX else 0

    def numbers_shown(self) -> bool:
        """Whether the cells are large enough to show their numbers (at the current size)."""
        return self._text_px(self.cell_size()) > 0

    def min_cell_for_numbers(self) -> float:
        """The smallest cell side (pixels) at which the numbers are shown."""
        if self._text_width <= 0:
            return float("inf")
        return max(MIN_TEXT_PX / 0.45, MIN_TEXT_PX * self._text_width / 100.0 + 3.0)

    # -- painting -------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        h, w = self._values.shape
        cell, x0, y0 = self._geometry()
        font = QFont(self.font())
        px = self._text_px(cell)
        show_text = px > 0
        if show_text:
            font.setPixelSize(px)
            painter.setFont(font)
        grid_pen = QPen(QColor(160, 160, 160), 1)
        hatch = QBrush(QColor(150, 150, 150), Qt.BrushStyle.BDiagPattern)
        for r in range(h):
            for c in range(w):
                rect = QRectF(x0 + c * cell, y0 + r * cell, cell, cell)
                rgb = self._colours[r, c]
                if self._pad[r, c]:
                    painter.fillRect(rect, QColor(236, 236, 236))
                    painter.fillRect(rect, hatch)
                else:
                    painter.fillRect(rect, QColor(int(rgb[0]), int(rgb[1]), int(rgb[2])))
                if cell >= 6:
                    painter.setPen(grid_pen)
                    painter.drawRect(rect)
                text = self._texts[r][c]
                if show_text and text:
                    colour = QColor(60, 60, 60) if self._pad[r, c] else text_colour(rgb)
                    painter.setPen(colour)
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        if cell < 6:
            painter.setPen(grid_pen)
            painter.drawRect(QRectF(x0, y0, cell * w, cell * h))
        for hl in self._highlights:
            pen = QPen(hl.colour, hl.width)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            inset = hl.width / 2
            painter.drawRect(
                QRectF(x0 + hl.col * cell + inset, y0 + hl.row * cell + inset,
                       hl.cols * cell - 2 * inset, hl.rows * cell - 2 * inset)
            )
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell, x0, y0 = self._geometry()
        c = int((event.position().x() - x0) // cell)
        r = int((event.position().y() - y0) // cell)
        h, w = self._values.shape
        if 0 <= r < h and 0 <= c < w:
            self.cellClicked.emit(r, c)
        super().mousePressEvent(event)

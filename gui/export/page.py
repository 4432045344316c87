"""Printed pages, drawn with a QPainter: text, grids of numbers, pixel pictures, tables, simple plots.

Everything is measured in millimetres on an A4 page and drawn in the device's pixels (a ``QPdfWriter`` at
:data:`PRINT_DPI`, or a ``QImage`` for a preview), dark on white, so a page reads the same printed in black and
white: values are numbers in their cells, shades of gray back them up, negative values are hatched, outlines are
black and differ by their thickness and dash, never by colour. No widget is involved; the same page draws onto any
paint device. The words are the caller's (already translated).

:class:`Page` keeps a cursor that moves down as blocks are placed (:meth:`Page.place`, :meth:`Page.place_row`);
the ``*_block`` functions make :class:`Block` s of a measured size that draw themselves at a given position.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QTextDocument,
    QTextOption,
)

__all__ = [
    "A4_MM",
    "INK",
    "PRINT_DPI",
    "Block",
    "Outline",
    "Page",
    "bars_block",
    "column_block",
    "fit_pt",
    "grid_block",
    "picture_block",
    "plot_block",
    "row_block",
    "scale_block",
    "table_block",
    "text_block",
]

A4_MM = (210.0, 297.0)
"""Width and height of the page in millimetres."""
PRINT_DPI = 300
"""Resolution of the PDF pages (device pixels per inch)."""
MARGIN_MM = 15.0
HEADER_MM = 8.0
FOOTER_MM = 8.0
INK = QColor(0, 0, 0)
PAPER = QColor(255, 255, 255)
RULE = QColor(110, 110, 110)
HEADER_FILL = QColor(230, 230, 230)


@dataclass
class Block:
    """Something of a measured size (device pixels) that draws itself with its top-left corner at ``(x, y)``."""

    width: float
    height: float
    draw: Callable[[QPainter, float, float], None]


@dataclass(frozen=True)
class Outline:
    """A rectangle of cells outlined on a grid: ``rows x cols`` cells from ``(row, col)``.

    ``width_mm`` is the line's thickness; ``dashed`` draws it dashed (a second kind of outline, told apart
    without colour).
    """

    row: int
    col: int
    rows: int = 1
    cols: int = 1
    width_mm: float = 0.7
    dashed: bool = False


@dataclass
class Page:
    """One A4 page on ``painter``'s device, with a cursor ``y`` (device pixels) below the header.

    Parameters
    ----------
    painter : QPainter
        Active on the page's device (a ``QPdfWriter`` page or a ``QImage``).
    dpi : float
        Device pixels per inch of that device.
    """

    painter: QPainter
    dpi: float
    y: float = field(init=False)

    def __post_init__(self) -> None:
        self.y = self.top

    # -- geometry -------------------------------------------------------------------------------------------
    def mm(self, value: float) -> float:
        """Millimetres in device pixels."""
        return value * self.dpi / 25.4

    @property
    def left(self) -> float:
        return self.mm(MARGIN_MM)

    @property
    def top(self) -> float:
        return self.mm(MARGIN_MM + HEADER_MM)

    @property
    def width(self) -> float:
        """Width of the text column (between the margins)."""
        return self.mm(A4_MM[0] - 2 * MARGIN_MM)

    @property
    def bottom(self) -> float:
        """Lowest y the content may reach (above the footer)."""
        return self.mm(A4_MM[1] - MARGIN_MM - FOOTER_MM)

    def room(self) -> float:
        """Height left between the cursor and the footer, in device pixels."""
        return self.bottom - self.y

    # -- fonts and text -------------------------------------------------------------------------------------
    def font(self, pt: float, bold: bool = False, italic: bool = False) -> QFont:
        """The page's font at ``pt`` points (set in device pixels, so it is the same size on every device)."""
        font = QFont()
        font.setPixelSize(max(1, int(round(pt * self.dpi / 72.0))))
        font.setBold(bold)
        font.setItalic(italic)
        font.setKerning(True)
        return font

    def document(self, html: str, width: float, pt: float = 10.0, bold: bool = False,
                 align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> QTextDocument:
        """A rich-text document wrapped to ``width`` device pixels, black on white."""
        doc = QTextDocument()
        doc.documentLayout().setPaintDevice(self.painter.device())
        doc.setDefaultFont(self.font(pt, bold))
        doc.setDocumentMargin(0)
        doc.setDefaultStyleSheet("body, p, span, b, i, tt, sub, sup { color: #000000; }")
        option = QTextOption()
        option.setAlignment(align)
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        doc.setDefaultTextOption(option)
        doc.setHtml(f"<body>{html}</body>")
        doc.setTextWidth(max(1.0, width))
        return doc

    def text_width(self, text: str, pt: float, bold: bool = False) -> float:
        """Width of one line of plain ``text`` in device pixels."""
        return QFontMetricsF(self.font(pt, bold), self.painter.device()).horizontalAdvance(text)

    # -- placing blocks -------------------------------------------------------------------------------------
    def space(self, mm: float) -> None:
        """Move the cursor down ``mm`` millimetres."""
        self.y += self.mm(mm)

    def place(self, block: Block, x: float | None = None, gap_mm: float = 2.5) -> None:
        """Draw ``block`` at the cursor (at the left margin unless ``x`` is given) and move below it."""
        block.draw(self.painter, self.left if x is None else x, self.y)
        self.y += block.height + self.mm(gap_mm)

    def place_row(self, blocks: Sequence[Block], gap_mm: float = 8.0, below_mm: float = 3.0,
                  centre: bool = False) -> None:
        """Draw ``blocks`` side by side, tops aligned, and move below the tallest; ``centre`` centres the row."""
        gap = self.mm(gap_mm)
        total = sum(b.width for b in blocks) + gap * max(0, len(blocks) - 1)
        x = self.left + (max(0.0, self.width - total) / 2 if centre else 0.0)
        for block in blocks:
            block.draw(self.painter, x, self.y)
            x += block.width + gap
        self.y += max((b.height for b in blocks), default=0.0) + self.mm(below_mm)

    def text(self, html: str, pt: float = 10.0, bold: bool = False, gap_mm: float = 2.5,
             width: float | None = None) -> None:
        """A paragraph of rich text across the column, at the cursor."""
        self.place(text_block(self, html, self.width if width is None else width, pt, bold), gap_mm=gap_mm)

    def heading(self, text: str, pt: float = 12.0, gap_mm: float = 2.0) -> None:
        """A bold heading (plain text, escaped)."""
        from html import escape

        self.text(escape(text), pt=pt, bold=True, gap_mm=gap_mm)

    def frame(self, title_left: str, title_right: str, footer: str) -> None:
        """The running header (two texts and a rule) and the centred footer (the page number)."""
        p = self.painter
        p.save()
        p.setPen(QPen(INK))
        p.setFont(self.font(8))
        base = self.mm(MARGIN_MM + 4)
        p.drawText(QPointF(self.left, base), title_left)
        right = self.text_width(title_right, 8)
        p.drawText(QPointF(self.left + self.width - right, base), title_right)
        pen = QPen(RULE)
        pen.setWidthF(self.mm(0.2))
        p.setPen(pen)
        p.drawLine(QPointF(self.left, base + self.mm(1.5)), QPointF(self.left + self.width, base + self.mm(1.5)))
        p.setPen(QPen(INK))
        p.setFont(self.font(9))
        w = self.text_width(footer, 9)
        p.drawText(QPointF(self.left + (self.width - w) / 2, self.mm(A4_MM[1] - MARGIN_MM)), footer)
        p.restore()


def _draw_doc(doc: QTextDocument, painter: QPainter, x: float, y: float) -> None:
    painter.save()
    painter.translate(x, y)
    doc.drawContents(painter)
    painter.restore()


def text_block(page: Page, html: str, width: float, pt: float = 10.0, bold: bool = False,
               align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> Block:
    """A paragraph of rich text wrapped to ``width`` device pixels."""
    doc = page.document(html, width, pt, bold, align)
    size: QSizeF = doc.size()
    return Block(width, size.height(), lambda painter, x, y: _draw_doc(doc, painter, x, y))


def row_block(page: Page, blocks: Sequence[Block], gap_mm: float = 6.0) -> Block:
    """Blocks side by side (tops aligned) as one block."""
    gap = page.mm(gap_mm)
    width = sum(b.width for b in blocks) + gap * max(0, len(blocks) - 1)

    def draw(painter: QPainter, x: float, y: float) -> None:
        for block in blocks:
            block.draw(painter, x, y)
            x += block.width + gap

    return Block(width, max((b.height for b in blocks), default=0.0), draw)


def column_block(page: Page, blocks: Sequence[Block], gap_mm: float = 1.5) -> Block:
    """Blocks one under the other (left-aligned) as one block."""
    gap = page.mm(gap_mm)
    height = sum(b.height for b in blocks) + gap * max(0, len(blocks) - 1)

    def draw(painter: QPainter, x: float, y: float) -> None:
        for block in blocks:
            block.draw(painter, x, y)
            y += block.height + gap

    return Block(max((b.width for b in blocks), default=0.0), height, draw)


def _stack(page: Page, caption: str | None, body: Block, caption_pt: float = 9.0, width: float | None = None,
           below: Block | None = None) -> Block:
    """``body`` with a bold caption above it (wrapped to the block's width) and an optional block below."""
    width = max(body.width, below.width if below is not None else 0.0, width or 0.0)
    cap = text_block(page, caption, width, caption_pt, bold=True) if caption else None
    gap = page.mm(1.5)
    height = body.height + (cap.height + gap if cap else 0.0) + (below.height + gap if below else 0.0)

    def draw(painter: QPainter, x: float, y: float) -> None:
        if cap is not None:
            cap.draw(painter, x, y)
            y += cap.height + gap
        body.draw(painter, x, y)
        if below is not None:
            below.draw(painter, x, y + body.height + gap)

    return Block(width, height, draw)


# -- grids of numbers -------------------------------------------------------------------------------------------


def _cell_brush(value: float, shade: str, scale: float) -> QBrush:
    """Fill of one cell: gray by value, hatched when negative (``"signed"``); darker = more ink (``"ink"``)."""
    if not np.isfinite(value):
        return QBrush(PAPER)
    if shade == "ink":
        t = float(np.clip(value / scale, 0.0, 1.0)) if scale > 0 else 0.0
        g = int(round(255 - 215 * t))
        return QBrush(QColor(g, g, g))
    if shade == "signed":
        if value <= 0:
            return QBrush(PAPER)  # negative cells: white, hatched by the grid
        t = float(np.clip(value / scale, 0.0, 1.0)) if scale > 0 else 0.0
        g = int(round(255 - 115 * t))  # light enough for black numbers
        return QBrush(QColor(g, g, g))
    return QBrush(PAPER)


def _text_pen(brush: QBrush) -> QColor:
    colour = brush.color()
    return INK if colour.lightness() > 120 else PAPER


def fit_pt(page: Page, texts: Sequence[str], cell: float, most: float = 9.0) -> float:
    """The largest point size (at most ``most``) at which every text fits in a cell of ``cell`` pixels."""
    widest = max((t for t in texts if t), key=len, default="")
    pt = min(most, cell / page.dpi * 72.0 * 0.55)
    if widest:
        while pt > 3.0 and page.text_width(widest, pt, bold=True) > 0.9 * cell:
            pt -= 0.25
    return max(pt, 3.0)


def grid_block(
    page: Page,
    values: np.ndarray,
    *,
    cell_mm: float,
    fmt: Callable[[float], str] | None = None,
    shade: str = "signed",
    scale: float | None = None,
    pad_mask: np.ndarray | None = None,
    pad_text: str = "",
    outlines: Sequence[Outline] = (),
    bold: np.ndarray | None = None,
    rule_every: int = 0,
    caption: str | None = None,
    row_labels: Sequence[str] | None = None,
    label_width: float | None = None,
    pt: float | None = None,
) -> Block:
    """A table of numbers as a grid of square cells, each with its number.

    Parameters
    ----------
    values : ndarray, 2-D
        NaN cells stay empty.
    cell_mm : float
        Side of a cell.
    fmt : callable, optional
        Number -> text (default ``"{:g}"``); ``None`` texts nothing when it returns "".
    shade : str
        ``"signed"``: gray by the size of the value, negative cells hatched; ``"ink"``: darker for larger values
        (0 white); ``"none"``: white cells.
    scale : float, optional
        The value of the darkest shade (default: the largest absolute value).
    pad_mask : ndarray of bool, optional
        Padding cells: cross-hatched, with ``pad_text``.
    outlines : sequence of Outline
        Thick outlines drawn over the grid.
    bold : ndarray of bool, optional
        Cells whose number is bold and framed (the winners of a pooling window).
    rule_every : int
        A thicker line every ``rule_every`` rows and columns (the pooling windows).
    caption : str, optional
        Rich text above the grid (bold).
    row_labels : sequence of str, optional
        A label left of each row (the grid moves right to make room).
    label_width : float, optional
        Room for the row labels in device pixels (default: the widest label's), so stacked grids line up.
    pt : float, optional
        Size of the numbers (default: the largest at which every number fits its cell).
    """
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    rows, cols = values.shape
    cell = page.mm(cell_mm)
    fmt = fmt or (lambda v: f"{v:g}")
    texts = [["" if not np.isfinite(v) else fmt(float(v)) for v in row] for row in values]
    if pad_mask is not None:
        for r, c in zip(*np.nonzero(pad_mask), strict=True):
            texts[r][c] = pad_text
    finite = values[np.isfinite(values)]
    top = float(scale) if scale is not None else (float(np.abs(finite).max()) if finite.size else 1.0)
    if pt is None:
        pt = fit_pt(page, [t for row in texts for t in row], cell)
    label_pt = 8.0
    label_w = 0.0
    if row_labels:
        label_w = label_width if label_width is not None else max(page.text_width(t, label_pt) for t in row_labels)
        label_w += page.mm(2)

    def draw(painter: QPainter, x0: float, y0: float) -> None:
        painter.save()
        x = x0 + label_w
        thin = QPen(RULE)
        thin.setWidthF(page.mm(0.15))
        font = page.font(pt)
        bold_font = page.font(pt, bold=True)
        for r in range(rows):
            if row_labels:
                painter.setPen(QPen(INK))
                painter.setFont(page.font(label_pt))
                painter.drawText(QRectF(x0, y0 + r * cell, label_w - page.mm(1.5), cell),
                                 int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight), row_labels[r])
            for c in range(cols):
                rect = QRectF(x + c * cell, y0 + r * cell, cell, cell)
                v = float(values[r, c])
                is_pad = pad_mask is not None and bool(pad_mask[r, c])
                brush = QBrush(PAPER) if is_pad else _cell_brush(v, shade, top)
                painter.fillRect(rect, brush)
                if is_pad:
                    painter.fillRect(rect, QBrush(QColor(150, 150, 150), Qt.BrushStyle.DiagCrossPattern))
                elif shade == "signed" and np.isfinite(v) and v < 0:
                    painter.fillRect(rect, QBrush(QColor(150, 150, 150), Qt.BrushStyle.BDiagPattern))
                painter.setPen(thin)
                painter.drawRect(rect)
                text = texts[r][c]
                if text:
                    winner = bold is not None and bool(bold[r, c])
                    painter.setFont(bold_font if winner else font)
                    colour = _text_pen(brush)
                    if shade == "signed" and np.isfinite(v) and v < 0 or is_pad:
                        colour = INK  # dark text on the hatch, with a white box behind it
                        box = QFontMetricsF(bold_font if winner else font, painter.device()).boundingRect(text)
                        back = QRectF(0, 0, box.width() + page.mm(0.6), box.height() * 0.8)
                        back.moveCenter(rect.center())
                        painter.fillRect(back, QBrush(PAPER))
                    painter.setPen(QPen(colour))
                    painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)
        if rule_every > 1:
            thick = QPen(INK)
            thick.setWidthF(page.mm(0.45))
            painter.setPen(thick)
            for r in range(0, rows + 1, rule_every):
                painter.drawLine(QPointF(x, y0 + r * cell), QPointF(x + cols * cell, y0 + r * cell))
            for c in range(0, cols + 1, rule_every):
                painter.drawLine(QPointF(x + c * cell, y0), QPointF(x + c * cell, y0 + rows * cell))
        if bold is not None:
            frame = QPen(INK)
            frame.setWidthF(page.mm(0.5))
            painter.setPen(frame)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            inset = page.mm(0.6)
            for r, c in zip(*np.nonzero(bold), strict=True):
                painter.drawRect(QRectF(x + c * cell + inset, y0 + r * cell + inset, cell - 2 * inset,
                                        cell - 2 * inset))
        edge = QPen(INK)
        edge.setWidthF(page.mm(0.3))
        painter.setPen(edge)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(x, y0, cols * cell, rows * cell))
        for outline in outlines:
            pen = QPen(INK)
            pen.setWidthF(page.mm(outline.width_mm))
            if outline.dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRect(QRectF(x + outline.col * cell, y0 + outline.row * cell, outline.cols * cell,
                                    outline.rows * cell))
        painter.restore()

    body = Block(label_w + cols * cell, rows * cell, draw)
    return _stack(page, caption, body) if caption else body


# -- pixel pictures ---------------------------------------------------------------------------------------------


SIGNED_ZERO_GRAY = 175
"""Gray of 0 in a signed picture: positive values darken to black, negative ones lighten to white."""


def _gray_levels(image: np.ndarray, signed: bool) -> np.ndarray:
    """Gray levels 0..255 for printing: ink dark on white, or signed values around a light gray (0)."""
    a = np.nan_to_num(np.asarray(image, dtype=np.float64))
    if signed:
        top = float(np.abs(a).max()) or 1.0
        t = np.clip(a / top, -1.0, 1.0)
        levels = np.where(t >= 0, SIGNED_ZERO_GRAY * (1.0 - t), SIGNED_ZERO_GRAY - (255 - SIGNED_ZERO_GRAY) * t)
        return np.round(levels).astype(int)
    top = max(1.0, float(a.max())) if a.size else 1.0
    return np.round(255.0 * (1.0 - np.clip(a / top, 0.0, 1.0))).astype(int)


def picture_block(page: Page, image: np.ndarray, side_mm: float, *, signed: bool = False,
                  caption: str | None = None, below: str | None = None, negative: bool = False) -> Block:
    """A small image drawn pixel by pixel as squares (crisp at any zoom and in print).

    ``signed`` draws positive values dark and negative values light around a middle gray (0); otherwise larger
    values are darker (ink on paper). ``negative`` prints the image as the screen shows it (light on dark).
    The longer side is ``side_mm`` long.
    """
    levels = _gray_levels(image, signed)
    if negative and not signed:
        levels = 255 - levels
    rows, cols = levels.shape
    px = page.mm(side_mm) / max(rows, cols)

    def draw(painter: QPainter, x0: float, y0: float) -> None:
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setClipRect(QRectF(x0, y0, cols * px, rows * px))
        overlap = 0.35 * px  # each square reaches under its right and lower neighbours: no hairline seams when a
        for r in range(rows):  # viewer smooths the edges (the neighbours, drawn later, cover the overlap)
            c = 0
            while c < cols:  # one rectangle per run of equal pixels
                end = c + 1
                while end < cols and levels[r, end] == levels[r, c]:
                    end += 1
                g = int(levels[r, c])
                painter.fillRect(QRectF(x0 + c * px, y0 + r * px, (end - c) * px + overlap, px + overlap),
                                 QColor(g, g, g))
                c = end
        pen = QPen(INK)
        pen.setWidthF(page.mm(0.25))
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(x0, y0, cols * px, rows * px))
        painter.restore()

    body = Block(cols * px, rows * px, draw)
    extra = text_block(page, below, max(body.width, page.mm(40)), 8) if below else None
    return _stack(page, caption, body, below=extra) if (caption or extra) else body


def scale_block(page: Page, width_mm: float, left: str, middle: str, right: str) -> Block:
    """The grays of a signed :func:`picture_block` from its most negative (white) to its most positive value
    (black), with words under the ends and the middle (0)."""
    pt = 7.5
    needed = sum(page.text_width(t, pt) for t in (left, middle, right)) + page.mm(8)
    width = max(page.mm(width_mm), needed)  # the words never run into each other
    bar = page.mm(3)
    label_h = QFontMetricsF(page.font(pt), page.painter.device()).height()

    def draw(painter: QPainter, x0: float, y0: float) -> None:
        painter.save()
        steps = 64
        levels = _gray_levels(np.linspace(-1.0, 1.0, steps)[None, :], signed=True)[0]
        for i in range(steps):
            g = int(levels[i])
            painter.fillRect(QRectF(x0 + i * width / steps, y0, width / steps + 0.5, bar), QColor(g, g, g))
        pen = QPen(INK)
        pen.setWidthF(page.mm(0.2))
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(x0, y0, width, bar))
        painter.setFont(page.font(pt))
        painter.setPen(QPen(INK))
        y = y0 + bar + page.mm(0.5)
        painter.drawText(QRectF(x0, y, width, label_h), int(Qt.AlignmentFlag.AlignLeft), left)
        painter.drawText(QRectF(x0, y, width, label_h), int(Qt.AlignmentFlag.AlignHCenter), middle)
        painter.drawText(QRectF(x0, y, width, label_h), int(Qt.AlignmentFlag.AlignRight), right)
        painter.restore()

    return Block(width, bar + page.mm(0.5) + label_h, draw)


# -- tables -----------------------------------------------------------------------------------------------------


def table_block(page: Page, headers: Sequence[str], rows: Sequence[Sequence[str]], fractions: Sequence[float],
                width: float | None = None, pt: float = 8.5) -> Block:
    """A ruled table; cells are rich text that wraps in its column; the header row is bold on light gray."""
    width = page.width if width is None else width
    total = float(sum(fractions))
    widths = [width * f / total for f in fractions]
    pad = page.mm(1.2)
    grid: list[list[QTextDocument]] = []
    heights: list[float] = []
    for i, row in enumerate([list(headers), *[list(r) for r in rows]]):
        docs = [page.document(text, w - 2 * pad, pt, bold=(i == 0)) for text, w in zip(row, widths, strict=True)]
        grid.append(docs)
        heights.append(max(d.size().height() for d in docs) + 2 * pad)

    def draw(painter: QPainter, x0: float, y0: float) -> None:
        painter.save()
        pen = QPen(RULE)
        pen.setWidthF(page.mm(0.2))
        y = y0
        for i, (docs, h) in enumerate(zip(grid, heights, strict=True)):
            x = x0
            for doc, w in zip(docs, widths, strict=True):
                rect = QRectF(x, y, w, h)
                if i == 0:
                    painter.fillRect(rect, HEADER_FILL)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(rect)
                _draw_doc(doc, painter, x + pad, y + pad)
                x += w
            y += h
        painter.restore()

    return Block(width, sum(heights), draw)


# -- charts -----------------------------------------------------------------------------------------------------


def bars_block(page: Page, values: Sequence[float], labels: Sequence[str], width_mm: float, height_mm: float,
               highlight: int | None = None, value_text: Callable[[float], str] | None = None) -> Block:
    """A bar chart of values in [0, 1], each bar's value printed above it; ``highlight`` black and bold."""
    width, height = page.mm(width_mm), page.mm(height_mm)
    n = len(values)
    pt = 9.0
    line = QFontMetricsF(page.font(pt), page.painter.device()).height()
    chart_h = height - 2 * line
    value_text = value_text or (lambda v: f"{round(100 * v)}%")

    def draw(painter: QPainter, x0: float, y0: float) -> None:
        painter.save()
        slot = width / n
        base = y0 + line + chart_h
        for i, v in enumerate(values):
            h = chart_h * float(np.clip(v, 0.0, 1.0))
            rect = QRectF(x0 + i * slot + slot * 0.18, base - h, slot * 0.64, h)
            winner = i == highlight
            painter.fillRect(rect, INK if winner else QColor(165, 165, 165))
            pen = QPen(INK)
            pen.setWidthF(page.mm(0.2))
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
            painter.setFont(page.font(pt, bold=winner))
            painter.drawText(QRectF(x0 + i * slot, base - h - line, slot, line),
                             int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom), value_text(v))
            painter.setFont(page.font(pt + 2, bold=winner))
            painter.drawText(QRectF(x0 + i * slot, base, slot, line * 1.2), int(Qt.AlignmentFlag.AlignCenter),
                             labels[i])
        axis = QPen(INK)
        axis.setWidthF(page.mm(0.3))
        painter.setPen(axis)
        painter.drawLine(QPointF(x0, base), QPointF(x0 + width, base))
        painter.restore()

    return Block(width, height + line * 0.3, draw)


def plot_block(page: Page, series: Sequence[tuple[np.ndarray, str, bool]], width_mm: float, height_mm: float,
               x_label: str = "") -> Block:
    """Lines over positions 0..n-1, told apart by their style: ``(values, key text, dashed)`` per line.

    The first line is drawn as steps (a signal's cells), the others as dashed lines with dots. A key under the
    plot names each line with a sample of its style.
    """
    width, height = page.mm(width_mm), page.mm(height_mm)
    pt = 7.5
    metrics = QFontMetricsF(page.font(pt), page.painter.device())
    line_h = metrics.height()
    all_values = np.concatenate([np.asarray(v, dtype=np.float64) for v, _, _ in series]) if series else np.zeros(1)
    lo, hi = min(0.0, float(all_values.min())), max(1e-9, float(all_values.max()))
    span = hi - lo or 1.0
    lo, hi = lo - 0.08 * span, hi + 0.08 * span
    axis_w = metrics.horizontalAdvance("−0.00") + page.mm(1.5)
    plot_h = height - 2.2 * line_h
    n = max(len(v) for v, _, _ in series) if series else 1

    def to_xy(i: float, v: float, x0: float, y0: float) -> QPointF:
        x = x0 + axis_w + (i + 0.5) * (width - axis_w) / n
        y = y0 + plot_h * (hi - v) / (hi - lo)
        return QPointF(x, y)

    def pen_for(dashed: bool) -> QPen:
        pen = QPen(INK)
        pen.setWidthF(page.mm(0.45 if not dashed else 0.35))
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        return pen

    def draw(painter: QPainter, x0: float, y0: float) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        frame = QPen(RULE)
        frame.setWidthF(page.mm(0.2))
        painter.setPen(frame)
        painter.drawRect(QRectF(x0 + axis_w, y0, width - axis_w, plot_h))
        painter.setFont(page.font(pt))
        for v in sorted({0.0, round(hi - 0.08 * span, 2), round(lo + 0.08 * span, 2)}):
            p = to_xy(0, v, x0, y0)
            painter.setPen(frame)
            painter.drawLine(QPointF(x0 + axis_w, p.y()), QPointF(x0 + width, p.y()))
            painter.setPen(QPen(INK))
            painter.drawText(QRectF(x0, p.y() - line_h / 2, axis_w - page.mm(1), line_h),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             f"{v:.2f}".replace("-", "−"))
        for i in range(0, n, max(1, n // 14)):
            p = to_xy(i, lo, x0, y0)
            painter.drawText(QRectF(p.x() - page.mm(4), y0 + plot_h, page.mm(8), line_h),
                             int(Qt.AlignmentFlag.AlignCenter), str(i))
        for k, (values, _, dashed) in enumerate(series):
            line = np.asarray(values, dtype=np.float64)
            path = QPainterPath()
            if k == 0:  # steps
                half = 0.5
                path.moveTo(to_xy(-half, float(line[0]), x0, y0))
                for i, value in enumerate(line):
                    path.lineTo(to_xy(i - half, float(value), x0, y0))
                    path.lineTo(to_xy(i + half, float(value), x0, y0))
            else:
                path.moveTo(to_xy(0, float(line[0]), x0, y0))
                for i, value in enumerate(line[1:], start=1):
                    path.lineTo(to_xy(i, float(value), x0, y0))
            painter.setPen(pen_for(dashed))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            if k > 0:
                painter.setBrush(QBrush(INK))
                painter.setPen(Qt.PenStyle.NoPen)
                r = page.mm(0.6)
                for i, value in enumerate(line):
                    painter.drawEllipse(to_xy(i, float(value), x0, y0), r, r)
        # the key
        y = y0 + plot_h + line_h * 1.15
        x = x0 + axis_w
        painter.setFont(page.font(pt))
        for k, (_, key, dashed) in enumerate(series):
            painter.setPen(pen_for(dashed))
            painter.drawLine(QPointF(x, y + line_h / 2), QPointF(x + page.mm(8), y + line_h / 2))
            if k > 0:
                painter.setBrush(QBrush(INK))
                painter.drawEllipse(QPointF(x + page.mm(4), y + line_h / 2), page.mm(0.6), page.mm(0.6))
            painter.setPen(QPen(INK))
            painter.drawText(QPointF(x + page.mm(10), y + metrics.ascent()), key)
            x += page.mm(14) + metrics.horizontalAdvance(key)
        if x_label:
            painter.drawText(QRectF(x0 + axis_w, y, width - axis_w, line_h), int(Qt.AlignmentFlag.AlignRight),
                             x_label)
        painter.restore()

    return Block(width, height, draw)

"""Layouts that wrap instead of overflowing (the lesson pages never need horizontal scrolling; panel headers wrap).

* :class:`FlowLayout` -- a row of controls that wraps onto the next line when it runs out of width (Qt's
  "flow layout" example), with horizontally expanding items (a slider) sharing the rest of their line.
* :class:`ColumnsLayout` -- a row of blocks (a caption and a grid, a picture ...) side by side while they fit
  at their minimum widths, wrapped below each other when they do not; spare width goes to the blocks by weight,
  up to the width each can use (a grid stops growing at its largest cell size).
* :func:`group` -- widgets kept together on one line of a flow ("Stride:" and its four buttons).
* :class:`RatioSplitter` -- a splitter that keeps fixed proportions until the user drags it.
* :class:`WrapCheckBox` -- a check box whose text wraps in a narrow column.
* :class:`VerticalScrollArea` -- scrolls vertically only and is as wide as its widget needs.
* :func:`settle` -- runs the posted layout and resize events until a window's geometry stops changing (a
  height-for-width chain takes several rounds; screenshots and layout checks must not catch it half-way).

Both report ``heightForWidth``, so a page in a vertical scroll area gets exactly the height it needs at the
width it has. Their minimum width is their widest item's, which is what lets a page shrink to a narrow window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QMargins, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLayout,
    QLayoutItem,
    QScrollArea,
    QSizePolicy,
    QSpacerItem,
    QSplitter,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QWidget,
    QWidgetItem,
)

__all__ = [
    "ColumnsLayout",
    "FlowLayout",
    "RatioSplitter",
    "VerticalScrollArea",
    "WrapCheckBox",
    "group",
    "settle",
]


def _geometry_signature(root: QWidget) -> tuple[tuple[int, int, int, int, bool], ...]:
    widgets = [root, *root.findChildren(QWidget)]
    signature = []
    for w in widgets:
        g = w.geometry()
        signature.append((g.x(), g.y(), g.width(), g.height(), w.isVisible()))
    return tuple(signature)


def settle(root: QWidget, max_rounds: int = 40) -> int:
    """Process posted events until ``root``'s whole widget tree keeps its geometry for one round.

    Parameters
    ----------
    root : QWidget
        The window (or any widget) whose layout must be final.
    max_rounds : int
        Give up after this many rounds (a layout that never settles is a bug the caller's checks will show).

    Returns
    -------
    int
        The rounds it took.
    """
    before = _geometry_signature(root)
    for rounds in range(1, max_rounds + 1):
        QApplication.sendPostedEvents()
        QApplication.processEvents()
        after = _geometry_signature(root)
        if after == before:
            return rounds
        before = after
    return max_rounds


def _expands_horizontally(item: QLayoutItem) -> bool:
    """Expanding items, and widgets whose width policy is Ignored (they take whatever their line has left)."""
    widget = item.widget()
    if widget is not None and widget.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Ignored:
        return True
    return bool(item.expandingDirections() & Qt.Orientation.Horizontal)


def _visible(item: QLayoutItem) -> bool:
    widget = item.widget()
    return widget is None or not widget.isHidden()


def _height_at(item: QLayoutItem, width: int) -> int:
    """The item's height at ``width``: its heightForWidth when it has one, else its size hint's height."""
    if item.hasHeightForWidth():
        return max(item.heightForWidth(width), item.minimumSize().height())
    return item.sizeHint().height()


class FlowLayout(QLayout):
    """Items left to right, wrapping onto new lines; each line's expanding items share its spare width.

    Items are vertically centred on their line. An item that is wider than the whole layout gets the layout's
    width (its minimum width is the floor the layout reports as its own minimum).
    """

    def __init__(self, parent: QWidget | None = None, h_spacing: int = 10, v_spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._h_spacing = h_spacing
        self._v_spacing = v_spacing
        self.setContentsMargins(0, 0, 0, 0)

    # -- QLayout item management ------------------------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt override
        self._items.append(item)
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt override
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt override
        if 0 <= index < len(self._items):
            item = self._items.pop(index)
            self.invalidate()
            return item
        return None

    def addSpacing(self, width: int) -> None:  # noqa: N802 - mirrors QBoxLayout
        """A fixed gap (kept only while it is not at the start of a line)."""
        self.addItem(QSpacerItem(width, 0, QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum))

    # -- geometry -------------------------------------------------------------------------------------------
    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 - Qt override
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt override
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        items = [i for i in self._items if _visible(i)]
        width = sum(i.sizeHint().width() for i in items) + self._h_spacing * max(len(items) - 1, 0)
        height = max((i.sizeHint().height() for i in items), default=0)
        m = self.contentsMargins()
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt override
        size = QSize()
        for item in self._items:
            if _visible(item):
                size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _lines(self, width: int) -> list[list[tuple[QLayoutItem, int]]]:
        """The visible items split into lines, each item with its width on the line."""
        lines: list[list[tuple[QLayoutItem, int]]] = []
        line: list[tuple[QLayoutItem, int]] = []
        used = 0
        for item in self._items:
            if not _visible(item):
                continue
            w = min(max(item.sizeHint().width(), item.minimumSize().width()), width)
            if line and used + self._h_spacing + w > width:
                lines.append(line)
                line, used = [], 0
            if not line and item.spacerItem() is not None:
                continue  # a spacing at the start of a line
            used += (self._h_spacing if line else 0) + w
            line.append((item, w))
        if line:
            lines.append(line)
        # expanding items share what is left of their line (up to their maximum width)
        for line in lines:
            spare = width - sum(w for _, w in line) - self._h_spacing * (len(line) - 1)
            growers = [k for k, (item, _) in enumerate(line) if _expands_horizontally(item)]
            if spare > 0 and growers:
                share = spare // len(growers)
                for k in growers:
                    item, w = line[k]
                    line[k] = (item, min(w + share, item.maximumSize().width()))
        return lines

    def _arrange(self, rect: QRect, apply: bool) -> int:
        m: QMargins = self.contentsMargins()
        inner = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        y = inner.y()
        lines = self._lines(max(inner.width(), 1))
        for n, line in enumerate(lines):
            heights = [_height_at(item, w) for item, w in line]
            line_height = max(heights, default=0)
            x = inner.x()
            for (item, w), h in zip(line, heights, strict=True):
                if apply:
                    item.setGeometry(QRect(QPoint(x, y + (line_height - h) // 2), QSize(w, h)))
                x += w + self._h_spacing
            y += line_height + (self._v_spacing if n < len(lines) - 1 else 0)
        return y - inner.y() + m.top() + m.bottom()


class ColumnsLayout(QLayout):
    """Blocks side by side while their minimum widths fit, else wrapped onto further rows; top-aligned.

    Parameters
    ----------
    spacing : int
        Gap between blocks, horizontally and vertically.

    Add blocks with :meth:`add` (a weight for the spare width and, optionally, a function giving the widest the
    block can usefully be, e.g. a grid at its largest cell size).
    """

    def __init__(self, parent: QWidget | None = None, spacing: int = 16) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._weights: list[float] = []
        self._max_width: list[Callable[[], int] | None] = []
        self._gap = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def add(self, widget: QWidget, weight: float = 1.0, max_width: Callable[[], int] | None = None) -> None:
        """Add a block; ``max_width()`` (called at every layout) caps the width it is given."""
        self.addChildWidget(widget)
        self._items.append(QWidgetItem(widget))
        self._weights.append(float(weight))
        self._max_width.append(max_width)
        self.invalidate()

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt override
        self._items.append(item)
        self._weights.append(1.0)
        self._max_width.append(None)
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt override
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt override
        if 0 <= index < len(self._items):
            self._weights.pop(index)
            self._max_width.pop(index)
            item = self._items.pop(index)
            self.invalidate()
            return item
        return None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 - Qt override
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt override
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        entries = self._entries()
        width = sum(item.sizeHint().width() for item, _, _ in entries) + self._gap * max(len(entries) - 1, 0)
        height = max((item.sizeHint().height() for item, _, _ in entries), default=0)
        m = self.contentsMargins()
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt override
        size = QSize()
        for item, _, _ in self._entries():
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _entries(self) -> list[tuple[QLayoutItem, float, int]]:
        out = []
        for item, weight, cap in zip(self._items, self._weights, self._max_width, strict=True):
            if _visible(item):
                limit = item.maximumSize().width()
                if cap is not None:
                    limit = min(limit, max(cap(), item.minimumSize().width()))
                out.append((item, weight, limit))
        return out

    def rows(self, width: int) -> list[list[tuple[QLayoutItem, int]]]:
        """The blocks split into rows at ``width``, each with the width it gets."""
        rows: list[list[tuple[QLayoutItem, float, int]]] = []
        row: list[tuple[QLayoutItem, float, int]] = []
        used = 0
        for entry in self._entries():
            w = entry[0].minimumSize().width()
            if row and used + self._gap + w > width:
                rows.append(row)
                row, used = [], 0
            used += (self._gap if row else 0) + w
            row.append(entry)
        if row:
            rows.append(row)
        return [self._share(r, width) for r in rows]

    def _share(self, row: list[tuple[QLayoutItem, float, int]], width: int) -> list[tuple[QLayoutItem, int]]:
        widths = [min(item.minimumSize().width(), width) for item, _, _ in row]
        spare = width - sum(widths) - self._gap * (len(row) - 1)
        open_ = [k for k, (_, weight, limit) in enumerate(row) if weight > 0 and widths[k] < limit]
        while spare > 0 and open_:
            total = sum(row[k][1] for k in open_)
            given = 0
            for k in open_:
                extra = int(spare * row[k][1] / total)
                extra = min(extra, row[k][2] - widths[k])
                widths[k] += extra
                given += extra
            open_ = [k for k in open_ if widths[k] < row[k][2]]
            if given == 0:
                break
            spare -= given
        return [(item, w) for (item, _, _), w in zip(row, widths, strict=True)]

    def _arrange(self, rect: QRect, apply: bool) -> int:
        m: QMargins = self.contentsMargins()
        inner = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        y = inner.y()
        rows = self.rows(max(inner.width(), 1))
        for n, row in enumerate(rows):
            heights = [_height_at(item, w) for item, w in row]
            x = inner.x()
            for (item, w), h in zip(row, heights, strict=True):
                if apply:
                    item.setGeometry(QRect(x, y, w, h))
                x += w + self._gap
            y += max(heights, default=0) + (self._gap if n < len(rows) - 1 else 0)
        return y - inner.y() + m.top() + m.bottom()


def group(*widgets: QWidget, spacing: int = 6, expanding: bool = False) -> QWidget:
    """The widgets on one line that a :class:`FlowLayout` moves as a whole (a label and its buttons).

    With ``expanding`` the group takes the rest of its line (its expanding widgets, e.g. a slider, grow).
    """
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(spacing)
    for widget in widgets:
        layout.addWidget(widget)
    horizontal = QSizePolicy.Policy.Expanding if expanding else QSizePolicy.Policy.Maximum
    box.setSizePolicy(horizontal, QSizePolicy.Policy.Fixed)
    return box


class RatioSplitter(QSplitter):
    """A splitter that shares its length between its widgets in fixed proportions until the user drags a handle.

    (QSplitter's stretch factors only share the space gained or lost on a resize, so the first layout decides the
    proportions, and a small first layout squeezes the second widget for good.)
    """

    def __init__(self, orientation: Qt.Orientation, ratios: list[float], parent: QWidget | None = None) -> None:
        super().__init__(orientation, parent)
        self._ratios = [float(r) for r in ratios]
        self._user_moved = False
        self.splitterMoved.connect(self._moved)

    def _moved(self, *_: object) -> None:
        self._user_moved = True

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if not self._user_moved and self.count() == len(self._ratios):
            horizontal = self.orientation() == Qt.Orientation.Horizontal
            total = (self.width() if horizontal else self.height()) - self.handleWidth() * (self.count() - 1)
            weight = sum(self._ratios)
            self.setSizes([max(1, int(total * r / weight)) for r in self._ratios])


class WrapCheckBox(QCheckBox):
    """A check box whose text wraps onto more lines in a narrow column instead of being cut off.

    A drop-in QCheckBox (``text()``, ``setChecked``, translations all unchanged); a click anywhere on the text
    toggles it, as on a normal check box.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum, QSizePolicy.ControlType.CheckBox)
        policy.setHeightForWidth(True)  # as tall as its wrapped lines at the width it gets
        self.setSizePolicy(policy)

    def _option(self) -> QStyleOptionButton:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        return option

    def _text_left(self) -> int:
        option = self._option()
        indicator = self.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, self)
        spacing = self.style().pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing, option, self)
        return indicator.right() + 1 + spacing

    def _indicator_height(self) -> int:
        option = self._option()
        return self.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, self).height()

    def _text_height(self, width: int) -> int:
        bounds = self.fontMetrics().boundingRect(
            QRect(0, 0, max(1, width - self._text_left()), 100_000),
            int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap), self.text(),
        )
        return bounds.height()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        natural = super().sizeHint().height()
        return max(natural, self._indicator_height(), self._text_height(width) + 4)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        width = self._text_left() + self.fontMetrics().horizontalAdvance(self.text()) + 4
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        words = self.text().split() or [""]
        longest = max(self.fontMetrics().horizontalAdvance(word) for word in words)
        width = self._text_left() + max(longest, 8 * self.fontMetrics().averageCharWidth()) + 4
        # at least the lines the text takes at the current width, so a crowded column squeezes others instead
        return QSize(width, self.heightForWidth(max(self.width(), width)))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self.heightForWidth(event.size().width()) != self.heightForWidth(event.oldSize().width()):
            self.updateGeometry()

    def hitButton(self, pos: QPoint) -> bool:  # noqa: N802 - Qt override
        return self.rect().contains(pos)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QStylePainter(self)
        option = self._option()
        option.text = ""
        painter.drawControl(QStyle.ControlElement.CE_CheckBox, option)
        left = self._text_left()
        rect = QRect(left, 0, self.width() - left, self.height())
        painter.setPen(self.palette().color(self.foregroundRole()))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(rect, int(flags), self.text())


class VerticalScrollArea(QScrollArea):
    """A scroll area that scrolls only vertically and asks for the width its widget needs (plus the scroll bar),
    so the widget is never cut at the side; it follows the widget when the widget's size hint changes."""

    def __init__(self, widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(widget)
        self.viewport().installEventFilter(self)

    def _width(self) -> int:
        inner = self.widget()
        need = inner.sizeHint().width() if inner is not None else 0
        return need + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self._width(), super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        inner = self.widget()
        height = inner.sizeHint().height() if inner is not None else 0
        return QSize(self._width(), height + 2 * self.frameWidth())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.viewport() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

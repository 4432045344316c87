"""Step 2, "Tensors": orders 0 to 4 on the visitor's image, the batch, the filters, colour images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from convlens.engine.lesson_data import DIAGONAL_FILTER, SECOND_FILTER, colour_example, tensor_examples
from convlens.gui import ASSETS_DIR
from convlens.gui.layouts import ColumnsLayout
from convlens.gui.lesson.common import LessonStep, heading, paragraph, qimage_to_rgb, rgb_to_pixmap, translate
from convlens.gui.lesson.grid import ValueGrid

#: The colour example shipped in assets/ (regenerated from engine.lesson_data.colour_example if missing).
COLOUR_EXAMPLE_PATH = ASSETS_DIR / "lesson" / "colour_example.png"


def load_colour_example(path: Path = COLOUR_EXAMPLE_PATH) -> np.ndarray:
    """The colour example as ``(H, W, 3)`` uint8."""
    image = QImage(str(path))
    if image.isNull():
        return colour_example()
    return qimage_to_rgb(image)


class FittedTable(QTableWidget):
    """A read-only table as wide as its page: one column (``wrap_column``) takes the rest of the width and wraps
    its text; the height always fits every row (no scroll bars of its own)."""

    def __init__(self, headers: list[str], wrap_column: int) -> None:
        super().__init__(0, len(headers))
        self.setHorizontalHeaderLabels(headers)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(wrap_column, QHeaderView.ResizeMode.Stretch)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(200, super().minimumSizeHint().height())

    def fit_height(self) -> None:
        """Re-wrap the rows at the current column widths and fit the height to them."""
        self.resizeRowsToContents()
        height = self.horizontalHeader().height() + sum(self.rowHeight(r) for r in range(self.rowCount()))
        self.setFixedHeight(height + 2 * self.frameWidth())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit_height()


def _table(object_name: str, headers: list[str], wrap_column: int) -> FittedTable:
    table = FittedTable(headers, wrap_column)
    table.setObjectName(object_name)
    return table


def _fill(table: FittedTable, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
            table.setItem(r, c, item)
    table.fit_height()


def _preview(arr: np.ndarray) -> str:
    if arr.ndim == 0:
        return f"{float(arr):.2f}"
    if arr.ndim == 1:
        inner = ", ".join(f"{v:.1f}" for v in arr[10:16])
        return f"[…, {inner}, …]"
    return "…"


class TensorsStep(LessonStep):
    """Tensor orders with the live shapes of the visitor's image, the network's filter tensors, (C,H,W) vs (H,W,C)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            translate("2. Tensors"),
            translate(
                "A tensor is an array with any number of axes; its order is how many. A pixel is a scalar "
                "(order 0), a row a vector (1), the image a matrix (2). A convolutional network adds a channel "
                "axis and a batch axis: its input is an order-4 tensor (N, H, W, C)."
            ),
            parent,
        )
        self.body.addWidget(heading(translate("Your image as tensors")))
        self.orders_table = _table(
            "tensorsOrdersTable",
            [translate("Order"), translate("Name"), translate("Example from your image"), translate("Shape")],
            wrap_column=2,
        )
        self.body.addWidget(self.orders_table)

        self.body.addWidget(heading(translate("The batch and the filters")))
        self.batch_label = paragraph("", "tensorsBatchLabel")
        self.body.addWidget(self.batch_label)
        self.filters_table = _table(
            "tensorsFiltersTable",
            [translate("Layer"), translate("Filters (H_f, W_f, C_in, C_out)"), translate("Meaning")],
            wrap_column=2,
        )
        self.body.addWidget(self.filters_table)
        lecture_row = ColumnsLayout()
        self._lecture_stack = np.stack([DIAGONAL_FILTER, SECOND_FILTER], axis=-1)[:, :, None, :]
        for k in range(2):
            grid = ValueGrid(cell=26, object_name=f"tensorsLectureFilter{k}")
            grid.set_values(self._lecture_stack[:, :, 0, k], fmt=lambda v: f"{v:.0f}")
            grid.setFixedSize(grid.sizeHint())
            lecture_row.add(grid, 0.0)
        lecture_row.add(
            paragraph(translate("The lecture's two 3 × 3 filters stacked: one conv tensor of shape {0}.").format(
                tuple(self._lecture_stack.shape))), 1.0
        )
        self.body.addLayout(lecture_row)

        self.body.addWidget(heading(translate("Colour images")))
        self._colour = load_colour_example()
        colour_row = ColumnsLayout()
        picture = QLabel()
        picture.setObjectName("tensorsColourImage")
        picture.setPixmap(rgb_to_pixmap(self._colour, 4))
        colour_row.add(picture, 0.0)
        names = (translate("Red channel"), translate("Green channel"), translate("Blue channel"))
        self.channel_labels: list[QLabel] = []
        channels = QWidget()
        channels_row = QHBoxLayout(channels)
        channels_row.setContentsMargins(0, 0, 0, 0)
        for c, name in enumerate(names):
            box = QVBoxLayout()
            channel = QLabel()
            channel.setObjectName(f"tensorsChannel{'RGB'[c]}")
            tinted = np.zeros_like(self._colour)
            tinted[:, :, c] = self._colour[:, :, c]
            channel.setPixmap(rgb_to_pixmap(tinted, 3))
            caption = QLabel(name)
            caption.setWordWrap(True)
            caption.setMaximumWidth(channel.pixmap().width())
            self.channel_labels.append(caption)
            box.addWidget(channel)
            box.addWidget(caption)
            box.addStretch(1)
            channels_row.addLayout(box)
        colour_row.add(channels, 0.0)
        layout_widget = QWidget()
        layout_box = QVBoxLayout(layout_widget)
        layout_box.setContentsMargins(0, 0, 0, 0)
        self.hwc_radio = QRadioButton(translate("(H, W, C): channels last"))
        self.hwc_radio.setObjectName("tensorsLayoutHWC")
        self.chw_radio = QRadioButton(translate("(C, H, W): channels first"))
        self.chw_radio.setObjectName("tensorsLayoutCHW")
        self.hwc_radio.setChecked(True)
        self._layout_group = QButtonGroup(self)
        self._layout_group.addButton(self.hwc_radio)
        self._layout_group.addButton(self.chw_radio)
        layout_box.addWidget(self.hwc_radio)
        layout_box.addWidget(self.chw_radio)
        self.layout_label = paragraph("", "tensorsLayoutLabel")
        layout_box.addWidget(self.layout_label)
        layout_box.addStretch(1)
        colour_row.add(layout_widget, 1.0)
        self.body.addLayout(colour_row)
        self.body.addStretch(1)
        self._layout_group.buttonToggled.connect(lambda *_: self.invalidate())

    def refresh(self) -> None:
        image = np.zeros((28, 28)) if self._image is None else self._image
        names = [translate("Scalar"), translate("Vector"), translate("Matrix"), translate("Tensor"),
                 translate("Tensor (a batch)")]
        what = [
            translate("pixel [14, 14] = {0}"),
            translate("row 14 = {0}"),
            translate("the whole image"),
            translate("the image with its channel axis (1 channel: gray)"),
            translate("a batch of 1 image: what the network reads"),
        ]
        rows = []
        for order, arr in tensor_examples(image):
            example = what[order].format(_preview(arr)) if order < 2 else what[order]
            shape = str(tuple(arr.shape)) if arr.ndim else translate("no shape ()")
            rows.append([str(order), names[order], example, shape])
        self._orders_rows = rows
        _fill(self.orders_table, rows)

        batch_shape = tuple(tensor_examples(image)[4][1].shape)
        self.batch_label.setText(
            translate("Input: (N, H, W, C) = {0}: N images, H rows, W columns, C channels. "
                      "The MNIST training set is one tensor of shape (60000, 28, 28, 1). "
                      "A conv layer's filters are an order-4 tensor (H_f, W_f, C_in, C_out).").format(batch_shape)
        )
        filter_rows = []
        for name, w in self._filters.items():
            if w.ndim != 4:
                continue
            h_f, w_f, c_in, c_out = (int(d) for d in w.shape)
            filter_rows.append([
                name, str((h_f, w_f, c_in, c_out)),
                (
                    translate("{0} filters of {1} × {2} cells, each reading 1 channel: {0} output channels")
                    if c_in == 1
                    else translate("{0} filters of {1} × {2} cells, each reading {3} channels: {0} output channels")
                ).format(c_out, h_f, w_f, c_in),
            ])
        if not filter_rows:
            filter_rows = [["—", "—", translate("No model loaded yet")]]
        self._filter_rows = filter_rows
        _fill(self.filters_table, filter_rows)

        hwc = self._colour
        if self.hwc_radio.isChecked():
            layout_shape, red = tuple(hwc.shape), "image[:, :, 0]"
        else:
            layout_shape, red = tuple(np.transpose(hwc, (2, 0, 1)).shape), "image[0]"
        self.layout_label.setText(
            translate("This picture is an array of shape <b>{0}</b>; its red channel is <tt>{1}</tt>. "
                      "Same numbers, different order of the axes.").format(layout_shape, red)
        )

    def displayed_orders(self) -> list[list[str]]:
        """Rows of the orders table: order, name, example, shape."""
        self.ensure_fresh()
        return [list(r) for r in self._orders_rows]

    def displayed_filters(self) -> list[list[str]]:
        """Rows of the filters table: layer, shape, meaning."""
        self.ensure_fresh()
        return [list(r) for r in self._filter_rows]

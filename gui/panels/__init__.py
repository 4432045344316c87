"""Explorer panels (one file each) and the small pyqtgraph helpers they share.

* :mod:`gui.panels.filters` -- every conv filter (``filtersPanel``)
* :mod:`gui.panels.feature_maps` -- every feature map, live (``featureMapsPanel``)
* :mod:`gui.panels.probabilities` -- the 10 output probabilities (``probabilitiesPanel``)
* :mod:`gui.panels.network_input` -- the 28x28 image the network sees and the preprocessing steps

:class:`TileGrid` shows a stack of small images as one mosaic in a pyqtgraph ViewBox (one
ImageItem, updated in place with ``setImage(..., autoLevels=False)``; nothing is rebuilt per frame)
and maps scene positions back to (tile, row, col).

:func:`release_plot_menus` deletes the pop-up menus pyqtgraph makes without a parent, when a window goes away.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QWidget

from convlens.gui.render import tile_at, tile_grid, tile_rect

__all__ = [
    "TileGrid",
    "choose_columns",
    "fit_heights",
    "configure_pyqtgraph",
    "new_image_item",
    "new_view",
    "plot_menus",
    "release_plot_menus",
    "title_height",
]

_MENU_ATTRIBUTES = ("ctrlMenu", "menu")
"""Where pyqtgraph keeps the menus it makes without a parent: ``PlotItem.ctrlMenu`` ("Plot Options"),
``ViewBox.menu`` (the ViewBoxMenu)."""


def configure_pyqtgraph() -> None:
    """Global pyqtgraph options the panels rely on (row-major images, anti-aliased lines)."""
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)


def _menu_slots(root: QWidget) -> list[tuple[dict[str, Any], str, QWidget]]:
    """``(item.__dict__, attribute, menu)`` for each menu of :func:`plot_menus`."""
    slots: list[tuple[dict[str, Any], str, QWidget]] = []
    for view in root.findChildren(pg.GraphicsView):
        scene = view.scene()
        if scene is None:
            continue
        for item in scene.items():
            state = getattr(item, "__dict__", {})  # pyqtgraph items forward unknown attributes (PlotItem -> ViewBox)
            for name in _MENU_ATTRIBUTES:
                menu = state.get(name)
                if (isinstance(menu, QWidget) and shiboken6.isValid(menu) and menu.parent() is None
                        and shiboken6.ownedByPython(menu) and all(menu is not m for _, _, m in slots)):
                    slots.append((state, name, menu))
    return slots


def plot_menus(root: QWidget) -> list[QWidget]:
    """The pop-up menus pyqtgraph made, without a parent, for the plots under ``root``.

    They are top-level widgets owned by Python alone, so Qt does not delete them with ``root``; they live as long as
    their plot item's Python object, which a window's panels keep in reference cycles.
    """
    return [menu for _, _, menu in _menu_slots(root)]


def release_plot_menus(root: QWidget) -> int:
    """Delete the menus of :func:`plot_menus` now (``root`` is about to be deleted); returns how many.

    Left alone, they would be deleted whenever Python's cyclic garbage collector frees the dead window's plot items,
    and that can happen inside Qt: a collection triggered while Qt disconnects a signal with its connection lock
    held deadlocks (seen after kiosk windows, whose controller keeps the window's Python objects in cycles), one
    triggered while a theme change repolishes every widget it listed crashes. The plot items get ``None`` instead,
    as after pyqtgraph's own ``PlotItem.close()``.
    """
    slots = _menu_slots(root)
    for state, name, menu in slots:
        state[name] = None
        shiboken6.delete(menu)
    return len(slots)


def new_image_item() -> pg.ImageItem:
    """An ImageItem with row-major axis order whatever the global option says."""
    return pg.ImageItem(axisOrder="row-major")


def new_view() -> pg.ViewBox:
    """A ViewBox for images: y down, square pixels, no mouse panning/zooming, no context menu."""
    vb = pg.ViewBox(lockAspect=True, invertY=True, enableMouse=False, enableMenu=False, defaultPadding=0.0)
    vb.setMouseEnabled(False, False)
    return vb


class TileGrid:
    """A stack of equally sized tiles drawn as one mosaic image in a ViewBox.

    Parameters
    ----------
    view : pg.ViewBox
        Where the mosaic is drawn (created with :func:`new_view`).
    n : int
        Number of tiles.
    tile_shape : tuple of int
        ``(h, w)`` of one tile.
    cols : int
        Tiles per row.
    pad : int
        Gap between tiles, in pixels of the mosaic (after ``scale``).
    scale : int
        Each tile pixel becomes ``scale x scale`` mosaic pixels (so small maps get thin gaps).
    """

    def __init__(
        self, view: pg.ViewBox, n: int, tile_shape: tuple[int, int], cols: int, pad: int = 1, scale: int = 1
    ) -> None:
        self.view = view
        self.scale = max(1, int(scale))
        self.data_shape = (int(tile_shape[0]), int(tile_shape[1]))
        self.n, self.pad = int(n), int(pad)
        self.tile_shape = (self.data_shape[0] * self.scale, self.data_shape[1] * self.scale)
        self.cols = max(1, int(cols))
        # Fewer tiles than columns: one short row, left-aligned in a view as wide as `cols` tiles, so a
        # tile has the same on-screen size as in the grids above and below it.
        self.tile_cols = min(self.cols, self.n)
        self.rows = -(-self.n // self.tile_cols)
        h, w = self.tile_shape
        self.mosaic_shape = (self.rows * (h + pad) - pad, self.tile_cols * (w + pad) - pad)
        self.item = new_image_item()
        view.addItem(self.item)
        self._fill = np.array([0, 0, 0, 255], dtype=np.uint8)
        self._highlights: list[QGraphicsRectItem] = []
        self._highlight_colour = QColor("#4cc2ff")
        self.set_rgba(np.zeros((self.n, *self.data_shape, 4), dtype=np.uint8))
        m = max(1.0, pad)  # room for the highlight outline around edge tiles
        view.setRange(
            xRange=(-m, self.cols * (w + pad) - pad + m), yRange=(-m, self.mosaic_shape[0] + m), padding=0.0,
            disableAutoRange=True,
        )

    @property
    def aspect(self) -> float:
        """Height over width of the view (``cols`` tiles wide)."""
        h, w = self.tile_shape
        m = 2 * max(1.0, self.pad)
        return (self.mosaic_shape[0] + m) / (self.cols * (w + self.pad) - self.pad + m)

    def set_fill(self, rgba: tuple[int, int, int, int]) -> None:
        """Colour of the gaps between tiles (applied at the next :meth:`set_rgba`)."""
        self._fill = np.asarray(rgba, dtype=np.uint8)

    def set_rgba(self, tiles: np.ndarray) -> None:
        """Show new tiles.

        Parameters
        ----------
        tiles : np.ndarray
            uint8, shape (n, h, w, 4) at the tiles' own resolution (``tile_shape`` given at creation).
        """
        if self.scale > 1:
            tiles = np.repeat(np.repeat(tiles, self.scale, axis=1), self.scale, axis=2)
        mosaic = tile_grid(tiles, self.tile_cols, self.pad, fill=self._fill)
        self.item.setImage(mosaic, autoLevels=False)

    def mosaic_image(self) -> np.ndarray:
        """The RGBA mosaic currently shown, uint8 (H, W, 4)."""
        image = self.item.image
        return np.asarray(image) if image is not None else np.zeros((*self.mosaic_shape, 4), np.uint8)

    def hit(self, scene_pos: QPointF) -> tuple[int, int, int] | None:
        """``(tile, row, col)`` under a scene position, or None (gap, outside, or not this grid).

        ``row``/``col`` are in the tile's own pixels (before ``scale``).
        """
        if not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.view.mapSceneToView(scene_pos)
        return self.hit_mosaic(p.y(), p.x())

    def hit_mosaic(self, y: float, x: float) -> tuple[int, int, int] | None:
        """Like :meth:`hit` for a position in mosaic pixel coordinates."""
        found = tile_at(y, x, self.n, self.tile_shape, self.tile_cols, self.pad)
        if found is None:
            return None
        index, r, c = found
        return (index, r // self.scale, c // self.scale)

    def mosaic_centre(self, index: int) -> tuple[float, float]:
        """``(y, x)`` of the centre of tile ``index`` in mosaic pixel coordinates."""
        top, left, h, w = tile_rect(index, self.tile_shape, self.tile_cols, self.pad)
        return (top + h / 2.0, left + w / 2.0)

    def set_display_height(self, height: float) -> None:
        """Fix the view's height in pixels (the width follows from the locked aspect ratio)."""
        height = max(8.0, float(height))
        self.view.setMinimumHeight(height)
        self.view.setMaximumHeight(height)

    def set_highlight_colour(self, colour: str) -> None:
        """Outline colour of highlighted tiles."""
        self._highlight_colour = QColor(colour)
        for item in self._highlights:
            item.setPen(self._pen())

    def _pen(self) -> QPen:
        pen = QPen(self._highlight_colour)
        pen.setCosmetic(True)
        pen.setWidthF(3.0)
        return pen

    def highlight(self, indices: list[int] | None, whole_column: bool = False, whole_row: bool = False) -> None:
        """Outline the given tiles (None or [] removes the outlines).

        Parameters
        ----------
        indices : list of int or None
            Tiles to outline.
        whole_column : bool
            Outline the whole column of each tile instead (used when a column is one filter).
        whole_row : bool
            Outline the whole row of each tile instead (used when a row is one filter).
        """
        for item in self._highlights:
            self.view.removeItem(item)
        self._highlights = []
        for index in indices or []:
            if not 0 <= index < self.n:
                continue
            top, left, h, w = tile_rect(index, self.tile_shape, self.tile_cols, self.pad)
            if whole_column:
                top, h = 0, self.mosaic_shape[0]
            if whole_row:
                left, w = 0, self.mosaic_shape[1]
            m = self.pad / 2.0
            rect = QGraphicsRectItem(QRectF(left - m, top - m, w + 2 * m, h + 2 * m))
            rect.setPen(self._pen())
            rect.setBrush(Qt.BrushStyle.NoBrush)
            rect.setZValue(10)
            self.view.addItem(rect, ignoreBounds=True)
            self._highlights.append(rect)

    def highlighted(self) -> int:
        """Number of outlines shown."""
        return len(self._highlights)


def fit_heights(aspects: list[float], width: float, height: float) -> list[float]:
    """Heights of stacked views of the given aspect ratios (height / width), all equally wide.

    They are as wide as ``width`` unless their total height would exceed ``height``, in which case
    they all shrink by the same factor.
    """
    total = sum(aspects)
    if total <= 0:
        return [0.0 for _ in aspects]
    w = max(1.0, min(float(width), float(height) / total))
    return [a * w for a in aspects]


def choose_columns(counts: list[int], width: float, height: float) -> int:
    """One column count for several stacked tile grids that makes the tiles as large as possible.

    Every grid uses the same number of columns (so a map or filter has the same on-screen size in
    every layer); candidates are the column counts that divide every grid's tile count (or exceed
    it), so rows are not ragged.

    Parameters
    ----------
    counts : list of int
        Number of tiles of each grid (>= 1 each).
    width, height : float
        Space for the grids, in pixels (titles already taken off ``height``).

    Returns
    -------
    int
        The column count.
    """
    if not counts:
        return 1
    top = max(counts)
    candidates = [c for c in range(1, top + 1) if all(n % c == 0 or n <= c for n in counts)]
    best, best_size = top, -1.0
    for c in candidates:
        rows = sum(-(-n // c) for n in counts)
        size = min(width / c, max(height, 1.0) / rows)
        if size > best_size + 1e-9 or (abs(size - best_size) <= 1e-9 and c > best):
            best, best_size = c, size
    return best


TITLE_HEIGHT = 22
"""Height of a grid's caption (a pyqtgraph label) at the normal type size."""


def title_height(widget: Any) -> int:
    """:data:`TITLE_HEIGHT` for ``widget``'s window: larger in presenter mode (:func:`gui.style.presenter_scale`)."""
    from convlens.gui.style import presenter_scale

    return int(round(TITLE_HEIGHT * presenter_scale(widget)))


class FittedGridsMixin:
    """For panels that stack :class:`TileGrid` s in ``self.view``: refit them whenever the view is resized.

    The panel provides ``view``, ``_grids`` (name -> TileGrid), ``_cols``, ``_info``, ``_best_columns()`` and
    ``_rebuild()``; it must list this mixin before ``QWidget`` and install itself as the view's event filter.
    """

    view: Any
    _grids: Any
    _cols: int
    _info: Any

    def columns(self) -> int:
        """Tiles per row in the grids (chosen to make the tiles as large as the panel allows)."""
        return self._cols

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 - Qt override
        from PySide6.QtCore import QEvent

        if watched is self.view and event.type() == QEvent.Type.Resize:
            if self._info is not None and self._best_columns() != self._cols:  # type: ignore[attr-defined]
                self._rebuild()  # type: ignore[attr-defined]
            else:
                self._apply_sizes()
        return bool(super().eventFilter(watched, event))  # type: ignore[misc]

    def _apply_sizes(self) -> None:
        grids = list(self._grids.values())
        if not grids:
            return
        title = title_height(self.view)  # captions grow with presenter mode
        for label in getattr(self, "_titles", {}).values():
            label.setMaximumHeight(title)
        height = self.view.height() - len(grids) * (title + 4) - 8
        for grid, h in zip(grids, fit_heights([g.aspect for g in grids], self.view.width() - 8, height), strict=True):
            grid.set_display_height(h)

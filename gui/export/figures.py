"""Figures: any panel of the window as a PNG or SVG file.

A panel that is one pyqtgraph scene (the feature maps, the filters) goes through pyqtgraph's own exporters
(``ImageExporter`` at twice the panel's size, ``SVGExporter``); any other panel (the canvas with its overlay, the
network input, the probabilities, the training curves, the confusion matrix, each Learn step) is painted with
``QWidget.render``: onto a ``QImage`` at twice its size for PNG, onto a ``QSvgGenerator`` for SVG. Files are written
atomically (:func:`convlens.engine.atomic.atomic_path`): a failed export leaves no partial file.

:func:`window_figures` lists the panels of an explorer window as :class:`Figure` records (key, title, the widget
to export, how to bring it on screen); :func:`export_figure` writes one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import pyqtgraph as pg
import pyqtgraph.exporters as pg_exporters
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QPoint,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QImage, QImageWriter, QPainter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from convlens.engine.atomic import atomic_path, atomic_write_bytes

__all__ = [
    "CLI_PANELS",
    "FIGURE_FORMATS",
    "FIGURE_TITLES",
    "Figure",
    "FigureHost",
    "export_figure",
    "figure_format",
    "translate_title",
    "window_figures",
]

log = logging.getLogger(__name__)

FIGURE_FORMATS = ("png", "svg")
"""The file formats a figure can be written in (the file's suffix chooses)."""
PNG_SCALE = 2
"""PNG figures are drawn at this many pixels per screen pixel (crisp on paper and on high-resolution screens)."""
CONTEXT = "Figures"

FIGURE_TITLES: dict[str, str] = {
    "canvas": str(QT_TRANSLATE_NOOP("Figures", "Canvas (with the overlay)")),
    "input": str(QT_TRANSLATE_NOOP("Figures", "Network input")),
    "maps": str(QT_TRANSLATE_NOOP("Figures", "Feature maps")),
    "filters": str(QT_TRANSLATE_NOOP("Figures", "Filters")),
    "probabilities": str(QT_TRANSLATE_NOOP("Figures", "Probabilities")),
    "curves": str(QT_TRANSLATE_NOOP("Figures", "Training curves")),
    "confusion": str(QT_TRANSLATE_NOOP("Figures", "Confusion matrix")),
    "class": str(QT_TRANSLATE_NOOP("Figures", "Our class's handwriting: before and after")),
}
"""Source titles of the window's panels by key (the Learn steps are titled by their own step titles)."""
CLI_PANELS = ("filters", "maps", "probabilities", "input")
"""The panels ``convlens figure --panel`` draws (the ones that need only a model and an image)."""


class FigureHost(Protocol):
    """The members of the explorer window (``gui.window.ExplorerWindow``) :func:`window_figures` reads."""

    sideTabs: Any
    networkTab: QWidget
    canvas: QWidget
    networkInputPanel: QWidget
    featureMapsPanel: Any
    filtersPanel: Any
    probabilitiesPanel: QWidget
    lessonPanel: Any


def translate_title(title: str) -> str:
    """A figure title in the current language."""
    return QCoreApplication.translate(CONTEXT, title)


@dataclass(frozen=True)
class Figure:
    """One exportable panel.

    Attributes
    ----------
    key : str
        ``"canvas"``, ``"input"``, ``"maps"``, ``"filters"``, ``"probabilities"``, ``"curves"``, ``"confusion"``,
        ``"lesson1"`` ... ``"lesson7"``.
    title : str
        Shown in the export dialog (translated).
    widget : QWidget
        What is exported (a pyqtgraph view for the feature maps and the filters).
    context_widget : QWidget
        The panel whose right-click menu offers "Export figure…".
    reveal : callable, optional
        Brings the panel on screen (its tab, its Learn step) before it is exported.
    """

    key: str
    title: str
    widget: QWidget
    context_widget: QWidget
    reveal: Callable[[], None] | None = None


def figure_format(path: str | Path, fmt: str | None = None) -> str:
    """``"png"`` or ``"svg"``: ``fmt`` if given, else the file's suffix.

    Raises
    ------
    ValueError
        Neither names one of :data:`FIGURE_FORMATS`.
    """
    chosen = (fmt or Path(path).suffix.lstrip(".")).lower()
    if chosen not in FIGURE_FORMATS:
        raise ValueError(f"{Path(path).name}: a figure is written as .png or .svg, not {chosen or 'no suffix'!r}")
    return chosen


def _pyqtgraph_scene(widget: QWidget) -> pg.GraphicsScene | None:
    """The pyqtgraph scene a widget is (a ``GraphicsView``), else None."""
    if isinstance(widget, pg.GraphicsView):
        scene = widget.scene()
        if isinstance(scene, pg.GraphicsScene):
            return scene
    return None


def _render_source(widget: QWidget) -> QWidget:
    """What to paint of ``widget``: the whole content of its own scroll area (a Learn step), not just what shows."""
    area = widget.findChild(QScrollArea, "", Qt.FindChildOption.FindDirectChildrenOnly)
    inner = area.widget() if isinstance(area, QScrollArea) else None
    return inner if isinstance(inner, QWidget) else widget


def _prepare(widget: QWidget) -> QSize:
    """Lay out a widget that has not been shown yet, so it renders at a sensible size; returns the size to draw."""
    widget.ensurePolished()
    size = widget.size()
    if not widget.isVisible() or size.width() < 16 or size.height() < 16:
        size = size.expandedTo(widget.sizeHint()).expandedTo(QSize(320, 240))
        widget.resize(size)
        layout = widget.layout()
        if layout is not None:
            layout.activate()
    return widget.size()


def _widget_png(widget: QWidget) -> QImage:
    size = _prepare(widget)
    image = QImage(size * PNG_SCALE, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(PNG_SCALE)
    image.fill(widget.palette().window().color())
    painter = QPainter(image)
    try:
        QWidget.render(widget, painter, QPoint(0, 0), QRegion(QRect(QPoint(0, 0), size)))  # not a view's render()
    finally:
        painter.end()
    return image


def _widget_svg(widget: QWidget, title: str) -> bytes:
    size = _prepare(widget)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRect(QPoint(0, 0), size))
    generator.setTitle(title)
    generator.setDescription("ConvLens")
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError("cannot start the SVG painter")
    try:
        painter.fillRect(QRect(QPoint(0, 0), size), widget.palette().window())
        QWidget.render(widget, painter, QPoint(0, 0), QRegion(QRect(QPoint(0, 0), size)))  # not a view's render()
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def _scene_png(scene: pg.GraphicsScene, widget: QWidget) -> QImage:
    _prepare(widget)
    exporter = pg_exporters.ImageExporter(scene)
    params = exporter.parameters()
    width = max(1, widget.width()) * PNG_SCALE
    params["width"] = width  # the height follows the scene's aspect ratio
    params["antialias"] = True
    image = exporter.export(toBytes=True)
    if not isinstance(image, QImage) or image.isNull():
        raise OSError("pyqtgraph could not draw the figure")
    return image


def _scene_svg(scene: pg.GraphicsScene, widget: QWidget, title: str) -> bytes:
    """pyqtgraph's SVG of the scene; where pyqtgraph cannot parse the paths this Qt writes (pyqtgraph 0.14 with
    Qt 6.11: ``correctCoordinates`` expects "x,y" pairs, pyqtgraph issue #3485) the view drawn by QSvgGenerator."""
    _prepare(widget)
    try:
        data = pg_exporters.SVGExporter(scene).export(toBytes=True)
    except (ValueError, IndexError) as exc:
        log.info("pyqtgraph's SVG exporter failed (%s); drawing the view with QSvgGenerator", exc)
        return _widget_svg(widget, title)
    if isinstance(data, str):
        return data.encode("utf-8")
    return bytes(data)


def export_figure(widget: QWidget, path: str | Path, fmt: str | None = None, title: str = "") -> Path:
    """Write ``widget`` as a PNG or SVG figure at ``path`` (atomically); returns the path written.

    Parameters
    ----------
    widget : QWidget
        A panel, or a pyqtgraph view (exported with pyqtgraph's exporters).
    path : str or Path
        The file; its suffix chooses the format unless ``fmt`` is given.
    fmt : str, optional
        ``"png"`` or ``"svg"``.
    title : str
        The SVG's title.

    Raises
    ------
    ValueError
        The format is neither PNG nor SVG.
    OSError
        The file cannot be written.
    """
    path = Path(path)
    chosen = figure_format(path, fmt)
    QApplication.processEvents()  # pending repaints and layouts first
    scene = _pyqtgraph_scene(widget)
    if chosen == "png":
        image = _scene_png(scene, widget) if scene is not None else _widget_png(_render_source(widget))
        with atomic_path(path) as tmp:
            writer = QImageWriter(str(tmp), QByteArray(b"png"))  # the temp file's suffix is not .png
            if not writer.write(image):
                raise OSError(f"cannot write the image {path}: {writer.errorString()}")
    else:
        data = _scene_svg(scene, widget, title) if scene is not None else _widget_svg(_render_source(widget), title)
        atomic_write_bytes(path, data)
    return path


def window_figures(main: QWidget) -> list[Figure]:
    """Every exportable panel of an explorer window (a :class:`FigureHost`), in the order the export dialog lists
    them."""
    window = cast(FigureHost, main)
    tabs = window.sideTabs

    def show_tab(page: QWidget) -> Callable[[], None]:
        return lambda: tabs.setCurrentWidget(page)

    network = show_tab(window.networkTab)
    figures = [
        Figure("canvas", translate_title(FIGURE_TITLES["canvas"]), window.canvas, window.canvas),
        Figure("input", translate_title(FIGURE_TITLES["input"]), window.networkInputPanel, window.networkInputPanel,
               network),
        Figure("maps", translate_title(FIGURE_TITLES["maps"]), window.featureMapsPanel.view, window.featureMapsPanel,
               network),
        Figure("filters", translate_title(FIGURE_TITLES["filters"]), window.filtersPanel.view, window.filtersPanel,
               network),
        Figure("probabilities", translate_title(FIGURE_TITLES["probabilities"]), window.probabilitiesPanel,
               window.probabilitiesPanel),
    ]
    training = main.findChild(QWidget, "trainingPanel")  # installed after the window (gui.training)
    curves = getattr(training, "curves", None)
    results = getattr(training, "results", None)
    if isinstance(training, QWidget) and isinstance(curves, QWidget):
        figures.append(Figure("curves", translate_title(FIGURE_TITLES["curves"]), curves, curves,
                              show_tab(training)))
    table = getattr(results, "confusionTable", None)
    if isinstance(training, QWidget) and isinstance(table, QWidget):
        figures.append(Figure("confusion", translate_title(FIGURE_TITLES["confusion"]), table, table,
                              show_tab(training)))
    classroom = main.findChild(QWidget, "classroomPanel")  # the Class tab (gui.classroom), not in a kiosk
    class_results = getattr(classroom, "results", None)
    if isinstance(classroom, QWidget) and isinstance(class_results, QWidget):
        figures.append(Figure("class", translate_title(FIGURE_TITLES["class"]), class_results, class_results,
                              show_tab(classroom)))
    lesson = window.lessonPanel
    for index, (step, title) in enumerate(zip(lesson.steps(), lesson.step_titles(), strict=True)):

        def reveal(index: int = index) -> None:
            tabs.setCurrentWidget(lesson)
            lesson.goto_step(index)

        figures.append(Figure(f"lesson{index + 1}", title, step, step, reveal))
    return figures

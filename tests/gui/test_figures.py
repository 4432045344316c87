"""Figures (``gui.export.figures`` and ``gui.export.menus``): every panel of the window as a PNG and an SVG, from
File > Export figure… and from each panel's right-click menu."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from convlens.gui.export import menus
from convlens.gui.export.figures import FIGURE_FORMATS, export_figure, figure_format, window_figures
from convlens.gui.export.menus import FigureExportDialog
from convlens.gui.render import SAMPLE_STROKES

PANELS = ["canvas", "input", "maps", "filters", "probabilities", "curves", "confusion", "class",
          *(f"lesson{k}" for k in range(1, 8))]
DRAWING = {"path", "rect", "polyline", "polygon", "line", "circle", "ellipse", "image", "text"}


@pytest.fixture(scope="module")
def window(qapp: QApplication, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The explorer with its training tab, a 3 drawn, shown offscreen (one window for the module: it is slow)."""
    import os

    from convlens.gui.app import create_window

    old = os.environ.get("CONVLENS_MNIST_DIR")
    os.environ["CONVLENS_MNIST_DIR"] = str(tmp_path_factory.mktemp("no-mnist"))
    window = create_window(language="en")
    window.resize(1280, 800)
    window.show()
    QApplication.processEvents()
    window.canvas.draw_strokes_programmatically(SAMPLE_STROKES[3])
    window.canvas.flush()
    from convlens.gui.screenshot_matrix import synthetic_class_outcome

    window.classroomPanel.show_outcome(synthetic_class_outcome())  # the Class tab's before/after view
    QApplication.processEvents()
    yield window
    window.close()
    window.deleteLater()
    QApplication.processEvents()
    if old is None:
        os.environ.pop("CONVLENS_MNIST_DIR", None)
    else:
        os.environ["CONVLENS_MNIST_DIR"] = old


def svg_drawing_elements(path: Path) -> set[str]:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    return {element.tag.rsplit("}", 1)[-1] for element in root.iter()} & DRAWING


def test_every_panel_is_listed(window) -> None:
    figures = window_figures(window)
    assert [f.key for f in figures] == PANELS
    assert [f.title for f in figures][-7:] == window.lessonPanel.step_titles()
    assert len({f.title for f in figures}) == len(figures)


@pytest.mark.parametrize("key", PANELS)
def test_every_panel_exports_to_png_and_svg(window, tmp_path: Path, key: str) -> None:
    before = window.sideTabs.currentIndex()
    png = window.exports.export_figure_to(key, tmp_path / f"{key}.png")
    svg = window.exports.export_figure_to(key, tmp_path / f"{key}.svg")
    assert window.sideTabs.currentIndex() == before  # the tab it was shown on is left again
    with Image.open(png) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert 120 <= width <= 6000 and 80 <= height <= 8000, image.size
        pixels = np.asarray(image.convert("L"), dtype=np.float64)
    assert pixels.std() > 5.0, f"{key}: a blank picture"
    assert len(np.unique(pixels)) > 8
    elements = svg_drawing_elements(svg)
    assert elements, f"{key}: the SVG draws nothing"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{key}.png", f"{key}.svg"])


def test_pyqtgraph_scenes_go_through_pyqtgraph_s_exporter(window, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import pyqtgraph.exporters as exporters

    used: list[str] = []
    original = exporters.ImageExporter.export

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        used.append(type(self).__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(exporters.ImageExporter, "export", spy)
    window.exports.export_figure_to("maps", tmp_path / "maps.png")
    window.exports.export_figure_to("probabilities", tmp_path / "p.png")  # labels and a plot: QWidget.render
    assert used == ["ImageExporter"]


def test_a_png_is_twice_the_panel_s_size(window, tmp_path: Path) -> None:
    export_figure(window.probabilitiesPanel, tmp_path / "p.png")
    with Image.open(tmp_path / "p.png") as image:
        assert image.size == (2 * window.probabilitiesPanel.width(), 2 * window.probabilitiesPanel.height())


def test_the_suffix_chooses_the_format(tmp_path: Path) -> None:
    assert FIGURE_FORMATS == ("png", "svg")
    assert figure_format(tmp_path / "a.PNG") == "png" and figure_format("b.svg") == "svg"
    assert figure_format("noext", "svg") == "svg"
    with pytest.raises(ValueError, match="png or .svg"):
        figure_format(tmp_path / "a.jpg")


def test_an_unwritable_place_shows_why_and_leaves_nothing(window, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert window.exports.export_figure_to("filters", blocker / "f.png") is None
    assert len(warnings) == 1 and "could not be saved" in warnings[0]
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_file_export_figure_asks_for_the_panel_the_format_and_the_place(
    window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}

    def fake_exec(dialog: FigureExportDialog) -> int:
        seen["panels"] = [dialog.panelCombo.itemData(i) for i in range(dialog.panelCombo.count())]
        dialog.panelCombo.setCurrentIndex(dialog.panelCombo.findData("lesson4"))
        dialog.formatCombo.setCurrentIndex(dialog.formatCombo.findData("svg"))
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(FigureExportDialog, "exec", fake_exec)
    monkeypatch.setattr(menus, "ask_save_path",
                        lambda parent, caption, suggested, filters: seen.update(suggested=suggested, filters=filters)
                        or tmp_path / "step4")
    window.findChild(menus.QAction, "exportFigureAction").trigger()
    assert seen["panels"] == PANELS
    assert seen["suggested"] == "convlens-lesson4.svg" and "*.svg" in str(seen["filters"])
    assert svg_drawing_elements(tmp_path / "step4.svg")


def test_a_right_click_on_each_panel_offers_export_figure(window, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    exported: list[str | None] = []
    monkeypatch.setattr(window.exports, "export_figure_dialog", lambda key=None: exported.append(key))
    original = window.exports.context_menu

    def menu_for(key: str):  # type: ignore[no-untyped-def]
        menu = original(key)
        opened.append(key)
        action = menu.findChild(menus.QAction, "exportFigureContextAction")
        assert action is not None and action.text() == "Export figure…"
        QTimer.singleShot(0, action.trigger)
        QTimer.singleShot(0, menu.close)
        return menu

    monkeypatch.setattr(window.exports, "context_menu", menu_for)
    for figure in window_figures(window):
        if figure.reveal is not None:
            figure.reveal()
        QApplication.processEvents()
        target = figure.context_widget
        inner = getattr(target, "viewport", None)  # a click lands on a view's viewport, then bubbles up
        receiver = inner() if callable(inner) else target
        if figure.key in ("maps", "filters"):
            receiver = figure.widget.viewport()  # the pyqtgraph view inside the panel
        event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5), receiver.mapToGlobal(QPoint(5, 5)))
        QApplication.sendEvent(receiver, event)
        QApplication.processEvents()
    window.sideTabs.setCurrentIndex(0)
    assert opened == PANELS
    assert exported == PANELS


def test_the_dialog_and_the_menus_are_translated(window) -> None:
    window.set_language("de")
    try:
        dialog = FigureExportDialog(window_figures(window), window)
        titles = [dialog.panelCombo.itemText(i) for i in range(dialog.panelCombo.count())]
        assert titles[:5] == ["Zeichenfläche (mit Überlagerung)", "Eingabe des Netzes", "Merkmalskarten", "Filter",
                              "Wahrscheinlichkeiten"]
        assert titles[7] == "Die Handschrift unserer Klasse: vorher und nachher"
        assert titles[8] == "1. Pixel sind Zahlen"
        assert dialog.windowTitle() == "Abbildung exportieren"
        assert window.exports.context_menu("maps").actions()[0].text() == "Abbildung exportieren…"
        dialog.deleteLater()
    finally:
        window.set_language("en")


def test_the_canvas_figure_shows_the_overlay_when_it_is_on(window, tmp_path: Path, qtbot: QtBot) -> None:
    """The saliency overlay is part of the canvas figure (a child widget rendered with it): coloured ink."""

    def colourfulness(path: Path) -> float:
        with Image.open(path) as image:
            rgb = np.asarray(image.convert("RGB"), dtype=np.int64)
        return float((rgb.max(axis=2) - rgb.min(axis=2) > 60).mean())

    window.exports.export_figure_to("canvas", tmp_path / "plain.png")
    window.why.saliencyToggle.setChecked(True)
    try:
        qtbot.waitUntil(lambda: window.saliency_map() is not None and window.why.overlay.isVisible(), timeout=20000)
        window.exports.export_figure_to("canvas", tmp_path / "overlay.png")
        window.exports.export_figure_to("canvas", tmp_path / "overlay.svg")
    finally:
        window.why.saliencyToggle.setChecked(False)
    assert colourfulness(tmp_path / "plain.png") < 0.001
    assert colourfulness(tmp_path / "overlay.png") > 0.005
    assert "image" in svg_drawing_elements(tmp_path / "overlay.svg")

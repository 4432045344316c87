"""Visitor-proof layouts: nothing is cut off or needs sideways scrolling, from 1024x700 to 3840x2160, in English
and German, with and without presenter mode, on the dark and the light theme.

The checks are the screenshot matrix's (:mod:`convlens.gui.screenshot_matrix`); ``test_screenshot_matrix.py`` runs
them on its pictures, here they run on single windows to pin down each defect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QStyle, QStyleOptionButton, QWidget
from pytestqt.qtbot import QtBot

from convlens.gui.layouts import settle
from convlens.gui.render import SAMPLE_STROKES
from convlens.gui.screenshot_matrix import check_window, clipped_texts, filter_faults, learn_scroll_faults
from convlens.services.samples import drawn_sample_digits

WindowFactory = Callable[..., Any]


@pytest.fixture
def make_window(qtbot: QtBot) -> Iterator[WindowFactory]:
    """``make_window(width, height, language="en", presenter=False, theme="dark", profile=None)``: a shown explorer
    window (``profile``: the teacher profile it starts with, not saved)."""
    from convlens.gui.app import create_window

    made: list[Any] = []

    def make(
        width: int, height: int, language: str = "en", presenter: bool = False, theme: str = "dark",
        profile: str | None = None,
    ) -> Any:
        window = create_window(language=language, presenter=presenter, profile=profile)
        qtbot.addWidget(window)
        window.set_theme(theme)
        window.resize(width, height)
        window.show()
        qtbot.waitExposed(window)
        settle(window)
        window.lessonPanel.set_image(drawn_sample_digits()[0][2])  # a drawn "4" as the visitor's digit
        settle(window)
        made.append(window)
        return window

    yield make
    for window in made:
        if window.trainingPanel is not None:
            window.trainingPanel.shutdown()
        window.set_theme("dark")
        window.close()
        window.deleteLater()  # a closed window left alive is repolished by every later theme switch
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def show_step(window: Any, qtbot: QtBot, step: int) -> Any:
    window.show_tab(window.lessonPanel)
    window.lessonPanel.goto_step(step)
    settle(window)
    return window.lessonPanel.steps()[step]


def right_edge_in(widget: QWidget, container: QWidget) -> int:
    return widget.mapTo(container, QPoint(widget.width(), 0)).x()


# ------------------------------------------------------------------------------------------------- 1. Learn


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1400, 860), (1600, 1000), (1024, 700)])
def test_no_learn_step_needs_horizontal_scrolling(make_window: WindowFactory, qtbot: QtBot, width, height) -> None:
    window = make_window(width, height)
    for step in range(7):
        show_step(window, qtbot, step)
        assert learn_scroll_faults(window) == [], (width, height, step)


def test_2d_convolution_step_shows_its_reset_button_output_grid_and_counter_at_1400x860(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    window = make_window(1400, 860)
    page = show_step(window, qtbot, 3)
    viewport = page.scroll_area.viewport()
    for widget in (page.reset_button, page.output_grid, page.controls.label, page.intro):
        assert widget.isVisible()
        assert right_edge_in(widget, viewport) <= viewport.width(), widget.objectName()
    assert page.output_grid.numbers_shown()


@pytest.mark.parametrize(("language", "presenter"), [("en", False), ("de", True)])
def test_learn_texts_wrap_instead_of_being_cut(make_window: WindowFactory, qtbot: QtBot, language, presenter) -> None:
    window = make_window(1366, 768, language=language, presenter=presenter)
    for step in range(7):
        page = show_step(window, qtbot, step)
        assert clipped_texts(page) == [], step


def test_pixel_numbers_show_when_cells_are_large_enough_and_zoom_makes_them_large_enough(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    window = make_window(1920, 1080)
    page = show_step(window, qtbot, 0)
    assert page.grid.numbers_shown(), page.grid.cell_size()  # full screen: every pixel with its number
    assert page.grid.shape() == (28, 28) and not page.zoom_note.isVisible()
    window.resize(1024, 700)
    settle(window)
    page.set_zoom(2)
    settle(window)
    assert page.grid.numbers_shown(), page.grid.cell_size()
    top, left, rows, cols = page.shown_region()
    assert (rows, cols) == (14, 14) and page.grid.shape() == (14, 14)
    values = page.displayed_values()
    np.testing.assert_array_equal(page.grid.values(), values[top:top + rows, left:left + cols])
    assert values[top:top + rows, left:left + cols].any()  # centred on the ink


def test_zoomed_part_follows_a_click_on_the_small_picture(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window(1366, 768)
    page = show_step(window, qtbot, 0)
    page.set_zoom(4)
    qtbot.mouseClick(page.picture, Qt.MouseButton.LeftButton, pos=QPoint(2, 2))
    assert page.shown_region() == (0, 0, 7, 7)
    qtbot.mouseClick(page.picture, Qt.MouseButton.LeftButton, pos=QPoint(page.picture.width() - 2,
                                                                          page.picture.height() - 2))
    assert page.shown_region() == (21, 21, 7, 7)


def test_grid_cells_follow_the_room_they_have(make_window: WindowFactory, qtbot: QtBot) -> None:
    small = show_step(make_window(1024, 700), qtbot, 3)
    large = show_step(make_window(1920, 1080), qtbot, 3)
    for name in ("input_grid", "output_grid"):
        assert getattr(large, name).cell_size() > getattr(small, name).cell_size() + 3, name
    for page in (small, large):
        viewport = page.scroll_area.viewport()
        for grid in (page.input_grid, page.products_grid, page.output_grid):
            assert right_edge_in(grid, viewport) <= viewport.width()


# ------------------------------------------------------------------------------------------------- 5. Learn polish


def test_stride_step_builds_its_output_window_by_window(make_window: WindowFactory, qtbot: QtBot) -> None:
    page = show_step(make_window(1366, 768), qtbot, 4)
    page.set_settings((2, 2), "valid")
    page.controls.set_position(0)
    assert page.controls.label.text() == "step 1 of 16"
    assert np.isfinite(page.displayed_x_output()).sum() == 1
    page.controls.set_position(5)
    assert np.isfinite(page.displayed_x_output()).sum() == 6
    page.controls.set_position(15)
    assert np.isfinite(page.displayed_x_output()).all()


def test_stride_step_says_no_padding_for_valid_and_with_padding_for_same(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    page = show_step(make_window(1366, 768), qtbot, 4)
    page.set_settings((1, 1), "valid")
    captions = [c.text() for c in page._captions]
    assert "with padding" not in captions[0] and "no padding" in captions[0] and "9 × 9" in captions[0]
    page.set_settings((1, 1), "same")
    captions = [c.text() for c in page._captions]
    assert "with padding: 11 × 11" in captions[0] and "with padding: 30 × 30" in captions[2]


def test_convolution_steps_say_which_operation_they_compute(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window(1366, 768)
    conv1d = show_step(window, qtbot, 2)
    assert conv1d.operation.isVisible() and "flipped" in conv1d.operation.text()
    conv2d = show_step(window, qtbot, 3)
    text = conv2d.operation.text()
    assert conv2d.operation.isVisible() and "cross-correlation" in text and "not flipped" in text


# ------------------------------------------------------------------------------------------------- 2. filters


@pytest.mark.parametrize(
    ("width", "height", "language", "presenter"),
    [(1600, 1000, "de", True), (1600, 1000, "de", False), (1600, 1000, "en", True), (1024, 700, "en", False),
     (1024, 700, "de", True)],
)
def test_the_16_conv1_filters_are_always_in_view(
    make_window: WindowFactory, width, height, language, presenter
) -> None:
    window = make_window(width, height, language=language, presenter=presenter)
    assert filter_faults(window) == []
    assert window.filtersPanel.scroll_area.width() >= 8 * 18  # two rows of readable tiles at least


@pytest.mark.parametrize(("width", "height"), [(1024, 700), (1366, 768), (1920, 1080)])
def test_every_input_channel_tiles_are_readable(make_window: WindowFactory, qtbot: QtBot, width, height) -> None:
    from convlens.gui.panels.filters import MIN_ALL_TILE_PX

    window = make_window(width, height)
    panel = window.filtersPanel
    panel.set_view_mode("all")
    settle(window)
    grid = panel.grid("conv2")
    tile = grid.view.sceneBoundingRect().width() / grid.cols
    assert tile >= MIN_ALL_TILE_PX, tile  # was about 13 px
    assert len(panel.filter_images()["conv2"]) == 16 * 32
    assert filter_faults(window) == []


def test_every_input_channel_view_shows_one_filter_per_row(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window(1366, 768)
    panel = window.filtersPanel
    panel.set_view_mode("all")
    settle(window)
    grid = panel.grid("conv2")
    assert grid.cols == 16  # the 16 input channels of a filter side by side

    class Click:
        def __init__(self, pos: QPointF) -> None:
            self._pos = pos

        def scenePos(self) -> QPointF:  # noqa: N802 - pyqtgraph's mouse event
            return self._pos

    chosen: list[tuple[str, int]] = []
    panel.filterSelected.connect(lambda name, index: chosen.append((name, index)))
    for channel in (0, 5, 15):
        y, x = grid.mosaic_centre(7 * 16 + channel)  # row 7
        panel._on_click(Click(grid.view.mapViewToScene(QPointF(x, y))))
    assert chosen == [("conv2", 7)] * 3
    assert panel.selected() == ("conv2", 7) and grid.highlighted() == 1


# ------------------------------------------------------------------------------------------------- 3. small windows


def test_small_window_keeps_thumbnails_filters_legend_readout_and_corrections_readable(
    make_window: WindowFactory, qtbot: QtBot, draw
) -> None:
    window = make_window(1024, 700)
    draw(window.canvas, SAMPLE_STROKES[4])
    window.networkInputPanel.set_show_steps(True)
    settle(window)
    for view in window.networkInputPanel._step_views:
        assert view.sceneBoundingRect().width() >= 40 and view.sceneBoundingRect().height() >= 40
    assert check_window(window, "network") == []
    legend = window.filtersPanel.legend
    assert legend.isVisible() and legend.width() >= legend.sizeHint().width()
    assert right_edge_in(legend, window.filtersPanel) <= window.filtersPanel.width()
    box = window.findChild(QWidget, "drawColumn").findChild(QWidget, "saveCorrections")
    assert box.isVisible() and box.height() >= box.heightForWidth(box.width())


@pytest.mark.parametrize(("width", "height"), [(1024, 700), (1366, 768), (1920, 1080), (3840, 2160)])
def test_every_tab_fits_from_1024x700_to_3840x2160(make_window: WindowFactory, qtbot: QtBot, width, height) -> None:
    window = make_window(width, height, language="de")
    window.sideTabs.setCurrentIndex(0)
    settle(window)
    assert check_window(window, "network") == []
    for step in (0, 3, 4):
        show_step(window, qtbot, step)
        assert check_window(window, f"learn{step + 1}") == [], step


# ------------------------------------------------------------------------------------------------- 4. dark theme


def _lightness(widget: QWidget, x: int, y: int) -> int:
    return QColor(widget.grab().toImage().pixel(x, y)).lightness()


def test_dark_theme_step_list_stages_and_message_boxes_are_dark(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window(1366, 768)
    show_step(window, qtbot, 6)
    steps = window.lessonPanel.step_list
    last = steps.visualItemRect(steps.item(steps.count() - 1))
    assert _lightness(steps.viewport(), 10, last.bottom() + 20) < 80  # was white
    for button in window.lessonPanel.stacking.buttons.values():
        assert _lightness(button, button.width() - 6, button.height() // 2) < 100, button.objectName()
    box = QMessageBox(QMessageBox.Icon.Warning, "t", "text")  # no parent: a top-level window of its own
    assert box.palette().window().color().lightness() < 80
    box.deleteLater()


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_radio_buttons_and_check_boxes_are_visible(make_window: WindowFactory, qtbot: QtBot, theme: str) -> None:
    window = make_window(1366, 768, theme=theme)
    page = show_step(window, qtbot, 0)
    background = QColor(page.palette().window().color()).lightness()
    for button, element in ((page.bw_radio, QStyle.SubElement.SE_RadioButtonIndicator),
                            (window.networkInputPanel.stepsCheck, QStyle.SubElement.SE_CheckBoxIndicator)):
        assert not button.isChecked()
        option = QStyleOptionButton()
        option.initFrom(button)
        indicator = button.style().subElementRect(element, option, button)
        image = button.grab().toImage()
        ratio = image.devicePixelRatio()
        pixels = [QColor(image.pixel(int(x * ratio), int(y * ratio))).lightness()
                  for x in range(indicator.left(), indicator.right() + 1)
                  for y in range(indicator.top(), indicator.bottom() + 1)]
        assert max(abs(p - background) for p in pixels) >= 80, button.objectName()  # was about 10 on dark


def test_a_theme_switch_reaches_every_widget(make_window: WindowFactory, qtbot: QtBot) -> None:
    """The application style sheet (the indicators) must not pin widgets to the palette they were first shown with."""
    window = make_window(1366, 768)
    window.set_theme("light")
    settle(window)
    for name in ("networkInputTitle", "filtersTitle", "architectureLabel", "featureValueLabel"):
        label = window.findChild(QWidget, name)
        assert label.palette().windowText().color().lightness() < 100, name  # dark text on the light theme
    image = window.grab().toImage()
    assert QColor(image.pixel(window.width() // 2, window.height() - 3)).lightness() > 200
    window.set_theme("dark")
    settle(window)
    assert window.findChild(QWidget, "filtersTitle").palette().windowText().color().lightness() > 150


def test_lesson_notices_and_plot_follow_the_theme(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window(1366, 768)
    page = show_step(window, qtbot, 2)
    dark_plot = page.plot.backgroundBrush().color().lightness()
    window.set_theme("light")
    settle(window)
    assert page.plot.backgroundBrush().color().lightness() > dark_plot + 100
    window.lessonPanel.set_image(None)
    hint = page.hint
    assert hint.isVisible()
    window.set_theme("dark")
    settle(window)
    assert _lightness(hint, 3, hint.height() // 2) < 100  # a dark notice on the dark theme


def test_buttons_keep_their_text_in_german_presenter_mode_at_1024x700(make_window: WindowFactory) -> None:
    window = make_window(1024, 700, language="de", presenter=True)
    assert [f for f in clipped_texts(window) if not f.startswith(("label", "wrapped"))] == []


@pytest.mark.parametrize(
    ("width", "height", "language", "presenter"), [(1024, 700, "de", True), (1366, 768, "en", False)]
)
def test_the_ten_digits_under_the_probability_bars_never_run_into_each_other(
    make_window: WindowFactory, width: int, height: int, language: str, presenter: bool
) -> None:
    from PySide6.QtGui import QFontMetrics

    window = make_window(width, height, language=language, presenter=presenter)
    panel = window.probabilitiesPanel
    bottom = panel.plot.getAxis("bottom")
    font = bottom.style.get("tickFont") or panel.plot.font()
    per_digit = bottom.geometry().width() / 10
    assert per_digit >= QFontMetrics(font).horizontalAdvance("0") + 1, (per_digit, panel.narrow_chart())
    assert panel.narrow_chart() == presenter  # the 0/50%/100% scale stays wherever there is room for it


@pytest.mark.parametrize(
    ("width", "height", "language", "presenter"),
    [(1024, 700, "de", True), (1024, 700, "en", False), (1366, 768, "de", False), (1920, 1080, "en", True)],
)
def test_the_overlay_switch_sits_under_the_canvas_and_fits(
    make_window: WindowFactory, width: int, height: int, language: str, presenter: bool
) -> None:
    window = make_window(width, height, language=language, presenter=presenter)
    toggle = window.findChild(QPushButton, "canvasSaliencyToggle")
    column = window.findChild(QWidget, "drawColumn")
    assert toggle is not None and toggle.isVisible() and column.isAncestorOf(toggle)

    def rect(widget: QWidget) -> QRect:
        return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())

    canvas, button, undo = rect(window.canvas), rect(toggle), rect(window.undoButton)
    # the row under the drawing, with Undo and Clear (at 1024x700 in German presenter type the column is 8 px too
    # short for all it holds and Qt's layout squeezes the row 2 px into the canvas's bottom edge, Undo's as well)
    assert button.top() == undo.top() and button.top() >= canvas.bottom() - 2
    assert button.left() >= canvas.left() and button.right() <= canvas.right()
    assert rect(column).contains(button)
    assert button.width() >= button.height() >= window.undoButton.height()  # a finger-sized square at least
    label = "Wohin es schaut" if language == "de" else "Where it looks"
    assert toggle.label() == label and toggle.text() in ("", label)  # the whole label or the eye alone
    if (width, language, presenter) != (1024, "de", True):
        assert toggle.text() == label  # room for it
    assert clipped_texts(column) == []
    assert check_window(window, "network") == []


# ------------------------------------------------------------------------------------------------- 6. simple profile


@pytest.mark.parametrize(("width", "height"), [(1024, 700), (1366, 768), (1920, 1080)])
@pytest.mark.parametrize("language", ["en", "de"])
def test_simple_profile_fits_with_a_big_canvas_and_readable_probabilities(
    make_window: WindowFactory, draw, width: int, height: int, language: str
) -> None:
    from PySide6.QtGui import QFontMetrics

    window = make_window(width, height, language=language, profile="simple")
    draw(window.canvas, SAMPLE_STROKES[4])
    settle(window)
    assert check_window(window, "network") == []
    side = min(window.canvas.width(), window.canvas.height())
    assert side >= 0.45 * height and abs(window.canvas.width() - window.canvas.height()) <= 0.1 * side  # big, square
    panel = window.probabilitiesPanel
    bottom = panel.plot.getAxis("bottom")
    font = bottom.style.get("tickFont") or panel.plot.font()
    assert bottom.geometry().width() / 10 >= QFontMetrics(font).horizontalAdvance("0") + 1  # digits apart
    assert panel.digitLabel.font().pixelSize() >= 120  # the answer in large type
    maps = window.featureMapsPanel
    for layer in ("pool1", "pool2"):  # the pooled maps readable: tiles of at least 48 px
        grid = maps.grid(layer)
        assert grid.view.sceneBoundingRect().width() / grid.cols >= 48, (layer, grid.cols)

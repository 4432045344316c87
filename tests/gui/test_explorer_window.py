"""The explorer window end to end: real mouse strokes on the canvas, read by the shipped model."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenuBar, QMessageBox, QPushButton, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from convlens.gui.app import create_window
from convlens.gui.layouts import settle
from convlens.gui.render import SAMPLE_STROKES
from convlens.gui.style import get_theme


def test_create_window_builds_the_named_widgets_without_showing(qtbot: QtBot) -> None:
    window = create_window()
    qtbot.addWidget(window)
    assert not window.isVisible()
    for name in ("canvas", "clearButton", "undoButton", "trainButton", "filtersPanel", "featureMapsPanel",
                 "probabilitiesPanel", "networkInputPanel", "sideTabs"):
        assert window.findChild(QWidget, name) is not None, name
    assert window.findChild(QWidget, "canvas") is window.canvas
    assert isinstance(window.findChild(QTabWidget, "sideTabs"), QTabWidget)
    assert window.controller.current_model_info().backend in ("numpy", "onnxruntime")
    assert window.last_prediction() == (-1, [])
    assert window.kiosk is False
    assert create_window(kiosk=True, install_extras=False).kiosk is True


@pytest.mark.parametrize("digit", [1, 0, 7])
def test_drawing_a_digit_with_the_mouse_is_read_right(explorer, draw, digit: int) -> None:
    draw(explorer.canvas, SAMPLE_STROKES[digit])
    predicted, probs = explorer.last_prediction()
    assert predicted == digit, f"drew a {digit}, the model read {predicted} ({np.round(probs, 2)})"
    assert len(probs) == 10 and abs(sum(probs) - 1.0) < 1e-4
    assert explorer.probabilitiesPanel.digit() == digit


def test_prediction_changes_while_the_pen_moves_not_only_on_release(explorer, draw, qtbot: QtBot) -> None:
    seen: list[int] = []
    explorer.predictionChanged.connect(lambda d, p: seen.append(d))
    pressed_counts: list[int] = []
    stroke = SAMPLE_STROKES[0][0]
    draw(explorer.canvas, [stroke], step_px=8.0, on_move=lambda: pressed_counts.append(len(seen)))
    # predictions were emitted during the stroke, before the button was released
    assert pressed_counts[len(pressed_counts) // 2] >= 3
    assert len(seen) >= 10


def test_pen_events_are_coalesced_newest_image_wins(explorer, qtbot: QtBot) -> None:
    images: list[np.ndarray] = []
    explorer.canvas.imageChanged.connect(images.append)
    canvas = explorer.canvas
    start = canvas.normalised_to_widget(0.2, 0.5).toPoint()
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(300):  # a fast stroke: 300 moves arrive before the event loop runs again
        QTest.mouseMove(canvas, canvas.normalised_to_widget(0.2 + 0.6 * i / 299, 0.5).toPoint())
    assert images == []  # nothing computed yet: no backlog of 300 updates
    qtbot.wait(5)
    assert len(images) == 1
    np.testing.assert_array_equal(images[0], canvas.image_array())  # the newest image
    assert images[0][140, int(0.8 * 280) - 3] > 0.9
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)


def test_clear_returns_to_the_draw_a_digit_state(explorer, draw, qtbot: QtBot) -> None:
    draw(explorer.canvas, SAMPLE_STROKES[7])
    assert explorer.last_prediction()[0] == 7
    with qtbot.waitSignal(explorer.predictionChanged, timeout=1000) as blocker:
        qtbot.mouseClick(explorer.clearButton, Qt.MouseButton.LeftButton)
    assert blocker.args == [-1, []]
    assert explorer.last_prediction() == (-1, [])
    assert explorer.canvas.is_empty() and explorer.canvas.image_array().max() == 0.0
    assert explorer.probabilitiesPanel.digit() is None
    assert explorer.probabilitiesPanel.confidenceLabel.text() == "Draw a digit"
    assert not explorer.probabilitiesPanel.probabilities().any()
    assert all(not m.any() for maps in explorer.featureMapsPanel.images().values() for m in maps)


def test_escape_and_delete_clear_and_ctrl_z_undoes(explorer, draw, qtbot: QtBot) -> None:
    canvas = explorer.canvas
    draw(canvas, SAMPLE_STROKES[4])
    assert len(canvas.strokes()) == 2
    QTest.keyClick(explorer, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes()) == 1
    QTest.keyClick(explorer, Qt.Key.Key_Escape)
    assert canvas.is_empty()
    draw(canvas, SAMPLE_STROKES[1])
    QTest.keyClick(explorer, Qt.Key.Key_Delete)
    assert canvas.is_empty()


def test_undo_removes_only_the_last_stroke(explorer, draw, qtbot: QtBot) -> None:
    canvas = explorer.canvas
    first, second = SAMPLE_STROKES[4]
    draw(canvas, [first])
    only_first = canvas.image_array()
    draw(canvas, [second])
    assert not np.array_equal(canvas.image_array(), only_first)
    qtbot.mouseClick(explorer.undoButton, Qt.MouseButton.LeftButton)
    qtbot.wait(1)
    assert len(canvas.strokes()) == 1
    np.testing.assert_allclose(canvas.image_array(), only_first, atol=2 / 255)
    qtbot.mouseClick(explorer.undoButton, Qt.MouseButton.LeftButton)
    qtbot.wait(1)
    assert canvas.is_empty()
    assert explorer.last_prediction() == (-1, [])


def test_panels_hold_every_filter_and_map_with_the_right_shapes(explorer, draw) -> None:
    filters = explorer.filtersPanel.filter_images()
    assert list(filters) == ["conv1", "conv2"]
    assert len(filters["conv1"]) == 16 and all(f.shape == (5, 5) for f in filters["conv1"])
    assert len(filters["conv2"]) == 32 and all(f.shape == (3, 3) for f in filters["conv2"])
    draw(explorer.canvas, SAMPLE_STROKES[3])
    maps = explorer.featureMapsPanel.images()
    assert list(maps) == ["pool1", "pool2"]
    assert len(maps["pool1"]) == 16 and all(m.shape == (14, 14) for m in maps["pool1"])
    assert len(maps["pool2"]) == 32 and all(m.shape == (7, 7) for m in maps["pool2"])
    assert all(m.any() for m in maps["pool1"][:4])  # live values, not placeholders
    explorer.featureMapsPanel.set_show_conv(True)
    draw(explorer.canvas, [[(0.3, 0.3), (0.6, 0.6)]])
    maps = explorer.featureMapsPanel.images()
    assert list(maps) == ["conv1", "pool1", "conv2", "pool2"]
    assert len(maps["conv1"]) == 16 and maps["conv1"][0].shape == (28, 28)
    assert len(maps["conv2"]) == 32 and maps["conv2"][0].shape == (14, 14)
    # the mosaic on screen holds them all: 16 columns x 2 rows of 7x7 maps (+ gaps) for pool2 at most
    grid = explorer.featureMapsPanel.grid("pool2")
    assert grid.n == 32 and grid.rows * grid.tile_cols >= 32


def test_every_input_channel_view_shows_all_512_conv2_slices(explorer) -> None:
    panel = explorer.filtersPanel
    panel.set_view_mode("all")
    shown = panel.filter_images()
    assert len(shown["conv1"]) == 16 and len(shown["conv2"]) == 16 * 32
    panel.set_view_mode("channel", 5)
    w = explorer.controller.current_model_info().filters["conv2"][0]
    np.testing.assert_array_equal(panel.filter_images()["conv2"][7], w[:, :, 5, 7])


def test_feature_map_colours_use_fixed_levels_not_per_frame_autoscale(explorer, draw) -> None:
    panel = explorer.featureMapsPanel
    draw(explorer.canvas, SAMPLE_STROKES[0])
    canvas_image = explorer.canvas.image_array()
    bright = panel.grid("pool1").mosaic_image()[..., :3].astype(int).sum()
    explorer.controller.set_canvas_image(canvas_image * 0.3)  # same drawing, fainter ink
    faint = panel.grid("pool1").mosaic_image()[..., :3].astype(int).sum()
    # the preprocessing renormalises the ink, so the input and the maps are the same: colours must match
    np.testing.assert_allclose(faint, bright, rtol=0.02)
    levels = {m.name: m.levels for m in explorer.controller.current_model_info().map_layers}
    one_stroke = [[(0.5, 0.45), (0.52, 0.5)]]
    draw(explorer.canvas, one_stroke)
    after = {m.name: m.levels for m in explorer.controller.current_model_info().map_layers}
    assert after == levels


def test_clicking_a_map_highlights_the_filter_that_made_it(explorer, draw, qtbot: QtBot) -> None:
    draw(explorer.canvas, SAMPLE_STROKES[2])
    panel = explorer.featureMapsPanel
    grid = panel.grid("pool1")
    y, x = grid.mosaic_centre(5)
    scene = grid.view.mapViewToScene(QPointF(x, y))
    pos = panel.view.mapFromScene(scene)
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert explorer.filtersPanel.selected() == ("conv1", 5)
    assert explorer.filtersPanel.grid("conv1").highlighted() == 1
    assert grid.highlighted() == 1
    text = explorer.filtersPanel.details.text()
    assert "conv1 filter 5" in text
    w = explorer.controller.current_model_info().filters["conv1"][0]
    assert f"{w[0, 0, 0, 5]:+.2f}" in text  # its numbers are shown


def test_hovering_a_map_shows_the_value_under_the_cursor(explorer, draw, qtbot: QtBot) -> None:
    draw(explorer.canvas, SAMPLE_STROKES[8])
    panel = explorer.featureMapsPanel
    grid = panel.grid("pool2")
    y, x = grid.mosaic_centre(3)
    pos = panel.view.mapFromScene(grid.view.mapViewToScene(QPointF(x, y)))
    QTest.mouseMove(panel.view.viewport(), pos)
    qtbot.wait(5)
    hit = grid.hit(grid.view.mapViewToScene(QPointF(x, y)))
    assert hit is not None and hit[0] == 3
    expected = panel.images()["pool2"][3][hit[1], hit[2]]
    assert "pool2 map 3" in panel.valueLabel.text()
    assert f"{expected:.3f}" in panel.valueLabel.text()


def test_rendered_pixels_change_where_the_digit_is_drawn(explorer, draw, qtbot: QtBot) -> None:
    canvas, probs = explorer.canvas, explorer.probabilitiesPanel
    before_canvas = canvas.grab().toImage()
    before_probs = probs.plot.grab().toImage()
    draw(canvas, SAMPLE_STROKES[1])
    QApplication.processEvents()
    after_canvas = canvas.grab().toImage()
    on_stroke = canvas.normalised_to_widget(0.5, 0.6).toPoint()
    off_stroke = canvas.normalised_to_widget(0.15, 0.5).toPoint()
    assert QColor(before_canvas.pixel(on_stroke)).lightness() < 40
    assert QColor(after_canvas.pixel(on_stroke)).lightness() > 220
    assert after_canvas.pixel(off_stroke) == before_canvas.pixel(off_stroke)
    # the winning bar (1) is now drawn in the accent colour in the probabilities plot
    after_probs = probs.plot.grab().toImage()
    accent = QColor(explorer.theme().accent)
    assert _count_colour(after_probs, accent) > 200
    assert _count_colour(before_probs, accent) == 0


def _count_colour(image: QImage, colour: QColor, tol: int = 12) -> int:
    img = image.convertToFormat(QImage.Format.Format_RGBA8888)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    diff = np.abs(arr[..., :3].astype(int) - [colour.red(), colour.green(), colour.blue()]).max(axis=2)
    return int((diff <= tol).sum())


def test_low_confidence_hint_names_the_two_candidates(explorer) -> None:
    panel = explorer.probabilitiesPanel
    probs = np.full(10, 0.02, np.float32)
    probs[4], probs[9] = 0.45, 0.39
    panel.set_probabilities(probs / probs.sum())
    assert panel.is_low_confidence() and "4" in panel.hintLabel.text() and "9" in panel.hintLabel.text()
    probs = np.full(10, 0.01, np.float32)
    probs[3] = 0.91
    panel.set_probabilities(probs)
    assert not panel.is_low_confidence()
    assert panel.digitLabel.text() == "3" and panel.confidenceLabel.text() == "91% sure"


def test_steps_toggle_shows_the_preprocessing_steps(explorer, draw) -> None:
    panel = explorer.networkInputPanel
    assert not panel.show_steps()
    draw(explorer.canvas, SAMPLE_STROKES[7])
    panel.stepsCheck.setChecked(True)
    assert panel.show_steps() and explorer.stepsAction.isChecked()
    raw, cropped, scaled = panel.step_images()
    steps = explorer.controller.last_result().steps
    assert steps is not None
    assert raw.shape == (140, 140) and max(scaled.shape) == 20
    assert cropped.shape[0] == max(steps.cropped.shape)
    np.testing.assert_array_equal(panel.image(), steps.centred)


def test_open_model_errors_go_to_a_message_box_and_keep_the_model(explorer, tmp_path, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"not a zip file")
    before = explorer.controller.current_model_info()
    assert explorer.open_model(bad) is False
    assert len(shown) == 1 and "broken.npz" in shown[0]
    assert explorer.controller.current_model_info() is before


def test_open_model_hot_swaps_and_the_panels_follow(explorer, draw, tmp_path, qtbot: QtBot) -> None:
    from convlens.engine.model import Sequential
    from convlens.engine.presets import PRESETS

    path = Sequential.from_config(PRESETS["small"], seed=3).save(tmp_path / "small.npz")
    draw(explorer.canvas, SAMPLE_STROKES[5])
    with qtbot.waitSignals([explorer.controller.modelChanged, explorer.predictionChanged], timeout=2000):
        assert explorer.open_model(path)
    assert len(explorer.filtersPanel.filter_images()["conv1"]) == 8
    assert len(explorer.featureMapsPanel.images()["pool2"]) == 16
    assert "small.npz" in explorer.modelLabel.text()


def test_menus_tabs_and_train_button_are_there_for_other_panels(explorer, qtbot: QtBot) -> None:
    titles = [a.text().replace("&", "") for a in explorer.menuBar().actions()]
    assert {"File", "View", "Help"} <= set(titles)
    assert isinstance(explorer.menuBar(), QMenuBar)
    extra = QWidget()
    index = explorer.add_tab(extra, "Lesson")
    assert explorer.sideTabs.widget(index) is extra and explorer.sideTabs.tabText(index) == "Lesson"
    explorer.show_tab(extra)
    assert explorer.sideTabs.currentWidget() is extra
    button = explorer.findChild(QPushButton, "trainButton")
    assert button is not None and button.isEnabled()
    with qtbot.waitSignal(explorer.trainRequested, timeout=500):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_dark_and_light_themes(explorer) -> None:
    assert explorer.theme().name == "dark"
    dark_bg = explorer.palette().window().color().name()
    explorer.darkThemeAction.setChecked(False)
    assert explorer.theme().name == "light"
    assert explorer.palette().window().color().name() == get_theme("light").window
    assert dark_bg == get_theme("dark").window
    light_grab = explorer.featureMapsPanel.view.grab().toImage()
    assert QColor(light_grab.pixel(3, 3)).lightness() > 200
    explorer.toggle_theme()
    assert explorer.theme().name == "dark"


def test_layout_holds_at_1280x800_and_1920x1080(explorer, qtbot: QtBot) -> None:
    for w, h in ((1280, 800), (1920, 1080), (1024, 700)):
        explorer.resize(w, h)
        settle(explorer)
        canvas = explorer.canvas.drawing_rect()
        # room under the probabilities is shared with the "Correct me" bar; the smallest size keeps a usable canvas
        assert canvas.width() >= (280 if w >= 1280 else 200), (w, h, canvas)
        maps = explorer.featureMapsPanel
        assert maps.view.width() >= 400 and maps.view.height() >= 150, (w, h)
        for name in ("pool1", "pool2"):
            vb = maps.grid(name).view
            assert vb.height() >= 40, (w, h, name)
            assert vb.sceneBoundingRect().bottom() <= maps.view.height() + 1


def test_no_model_shows_a_hint_and_predicts_nothing(qtbot: QtBot, tmp_path, monkeypatch, draw) -> None:
    import convlens.gui.controller

    monkeypatch.setattr(convlens.gui.controller, "MODELS_DIR", tmp_path)
    window = create_window()
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    assert window.controller.current_model_info().backend == "none"
    draw(window.canvas, SAMPLE_STROKES[1])
    assert window.last_prediction() == (-1, [])
    assert window.networkInputPanel.image().max() > 0.5  # the preprocessing still shows what was drawn


def test_thousands_of_void_qt_calls_survive(qtbot: QtBot) -> None:
    """Guards the PySide6 6.12-on-Python-3.11 ``none_dealloc`` crash (each void call dropped a None ref)."""
    widget = QWidget()
    qtbot.addWidget(widget)
    image = QImage(64, 64, QImage.Format.Format_Grayscale8)
    painter = QPainter(image)
    try:
        for i in range(20000):
            widget.update()
            painter.drawLine(0, i % 64, 63, (i * 7) % 64)
            widget.setToolTip("x" if i % 2 else "y")
    finally:
        painter.end()
    assert widget.toolTip() == "x"

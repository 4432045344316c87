"""The explorer in front of visitors: what is really on screen after partial repaints, a canvas that keeps its size
under the pen, conv maps filled at once, "is this a digit?" in words, and test digits shown exactly as they are.

What is on screen is read from the window's backing store (``QScreen.grabWindow`` under the offscreen platform
returns it as Qt last flushed it, partial repaints included). ``QWidget.grab()`` would repaint the whole widget first
and hide a stale pixel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from convlens.engine.preprocess import mnist_style
from convlens.engine.train import evaluate
from convlens.gui.canvas import STROKE_WIDTH_FRACTION, DrawingCanvas
from convlens.gui.render import SAMPLE_STROKES, maps_to_stack
from convlens.services.evaluation import summarize
from convlens.services.reading import Reading

ONE = [[(0.5, 0.2), (0.5, 0.8)]]


def on_screen(widget: QWidget) -> np.ndarray:
    """The widget's pixels as its window's backing store holds them: uint8 (H, W, 3), no repaint."""
    window = widget.window()
    shot = window.screen().grabWindow(window.winId()).toImage().convertToFormat(QImage.Format.Format_RGB32)
    rgb = np.frombuffer(shot.constBits(), np.uint8).reshape(shot.height(), shot.bytesPerLine() // 4, 4)[..., 2::-1]
    top_left = widget.mapTo(window, QPoint(0, 0))
    return rgb[top_left.y() : top_left.y() + widget.height(), top_left.x() : top_left.x() + widget.width()].copy()


def ink_outside_the_stroke(
    canvas: DrawingCanvas, shot: np.ndarray, a: tuple[float, float], b: tuple[float, float]
) -> int:
    """Non-black pixels of the drawing area farther than half a pen width (+3 px) from the segment a-b."""
    r = canvas.drawing_rect()
    x0, y0 = int(r.x()) + 2, int(r.y()) + 2
    area = shot[y0 : int(r.bottom()) - 2, x0 : int(r.right()) - 2].max(axis=2)
    yy, xx = np.mgrid[0 : area.shape[0], 0 : area.shape[1]].astype(float)
    p = canvas.normalised_to_widget(*a)
    q = canvas.normalised_to_widget(*b)
    px, py, qx, qy = p.x() - x0, p.y() - y0, q.x() - x0, q.y() - y0
    t = np.clip(((xx - px) * (qx - px) + (yy - py) * (qy - py)) / ((qx - px) ** 2 + (qy - py) ** 2), 0.0, 1.0)
    dist = np.hypot(xx - (px + t * (qx - px)), yy - (py + t * (qy - py)))
    far = dist > r.width() * STROKE_WIDTH_FRACTION / 2.0 + 3.0
    return int(np.count_nonzero(area[far] > 0))


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


# -- 1. the hint never stays behind the drawing -------------------------------------------------------------------
def test_no_hint_pixel_stays_on_screen_after_the_first_stroke(qtbot: QtBot, draw: Any) -> None:
    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 400)
    canvas.show()
    qtbot.waitExposed(canvas)
    qtbot.wait(10)
    assert ink_outside_the_stroke(canvas, on_screen(canvas), *ONE[0]) > 100  # "Draw a digit" is on screen
    draw(canvas, ONE)  # real mouse events: every move repaints only the segment's rectangle
    qtbot.wait(10)
    assert ink_outside_the_stroke(canvas, on_screen(canvas), *ONE[0]) == 0


def test_no_hint_pixel_stays_after_draw_clear_draw_in_the_explorer(explorer: Any, draw: Any, qtbot: QtBot) -> None:
    canvas = explorer.canvas
    draw(canvas, SAMPLE_STROKES[7])
    click(explorer.clearButton)
    qtbot.wait(20)
    assert ink_outside_the_stroke(canvas, on_screen(canvas), *ONE[0]) > 100  # the hint is back
    draw(canvas, ONE)
    qtbot.wait(20)
    assert ink_outside_the_stroke(canvas, on_screen(canvas), *ONE[0]) == 0


def test_showing_an_image_and_drawing_over_it_leaves_no_stale_pixel(qtbot: QtBot, draw: Any) -> None:
    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(300, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    image = np.zeros((28, 28), np.float32)
    image[3:8, 3:25] = 1.0  # a bar far from the stroke below
    canvas.show_image(image)
    qtbot.wait(10)
    assert ink_outside_the_stroke(canvas, on_screen(canvas), *ONE[0]) > 100
    draw(canvas, ONE)
    qtbot.wait(10)
    assert canvas.shown_image() is None and len(canvas.strokes()) == 1
    assert ink_outside_the_stroke(canvas, on_screen(canvas), *ONE[0]) == 0


def test_no_attract_loop_frame_shows_the_hint_behind_the_drawing(qtbot: QtBot, tmp_path: Path) -> None:
    from convlens.gui import app as app_module
    from convlens.gui.kiosk import KioskConfig, hash_pin, setup_kiosk

    window = app_module.create_window(kiosk=True, install_extras=False)
    config = KioskConfig(idle_timeout_s=60.0, hide_cursor="never", pin_hash=hash_pin("1357", iterations=1000))
    kiosk = setup_kiosk(window, config=config, log_dir=tmp_path / "logs",
                        attract_options={"tick_ms": 15, "points_per_tick": 3, "hold_ms": 5000, "seed": 1})  # fmt: skip
    qtbot.addWidget(window, before_close_func=lambda w: kiosk.shutdown())
    window.show()
    qtbot.waitExposed(window)
    canvas = window.canvas
    frames: list[int] = []

    def hint_pixels() -> int:
        """Pixels of the drawing area in the hint's bluish grey (the ink is neutral white and grey, the rest black)."""
        shot = on_screen(canvas).astype(int)
        r = canvas.drawing_rect().toAlignedRect().adjusted(2, 2, -2, -2)
        origin = canvas.mapTo(window, QPoint(0, 0)).y()
        label = kiosk.overlay.mapTo(window, QPoint(0, 0)).y() - origin if kiosk.overlay.isVisible() else r.bottom()
        area = shot[r.top() : min(r.bottom(), label - 1), r.left() : r.right()]  # above the call-to-action label
        return int(np.count_nonzero(area[..., 2] - area[..., 0] >= 4))

    qtbot.wait(20)
    assert hint_pixels() > 50  # the empty canvas shows "Draw a digit"
    kiosk.start_idle_state()
    for _ in range(40):
        drawn = not canvas.is_empty()  # (between two digits the empty canvas shows the hint, rightly)
        qtbot.wait(10)  # the repaint of what was drawn so far
        if drawn:
            frames.append(hint_pixels())
    kiosk.shutdown()
    assert len(frames) > 20 and max(frames) == 0, frames


# -- 2. the canvas keeps its size while the pen is down -------------------------------------------------------------
@pytest.mark.parametrize("size", [(1400, 860), (1280, 800)])
def test_the_canvas_keeps_its_size_and_the_line_its_shape_while_predictions_appear(
    qtbot: QtBot, draw: Any, size: tuple[int, int]
) -> None:
    from convlens.gui.app import create_window

    window = create_window()
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    canvas = window.canvas
    for digit in (2, 3, 5, 8, 4):
        click(window.clearButton)
        qtbot.wait(5)
        before = canvas.size()
        seen: set[tuple[int, int]] = set()
        draw(canvas, SAMPLE_STROKES[digit], on_move=lambda seen=seen: seen.add((canvas.width(), canvas.height())))
        assert seen == {(before.width(), before.height())}, f"the canvas changed size while drawing a {digit}"
        side = canvas.drawing_rect().width()
        for drawn, meant in zip(canvas.strokes(), SAMPLE_STROKES[digit], strict=True):
            # every recorded point lies on the line the pen followed (within a pixel and a half)
            pts = np.asarray(meant)
            seg_a, seg_b = pts[:-1], pts[1:]
            for x, y in drawn:
                d = seg_b - seg_a
                along = (x - seg_a[:, 0]) * d[:, 0] + (y - seg_a[:, 1]) * d[:, 1]
                t = np.clip(along / np.maximum((d**2).sum(1), 1e-12), 0, 1)
                gap = np.hypot(x - (seg_a[:, 0] + t * d[:, 0]), y - (seg_a[:, 1] + t * d[:, 1])).min() * side
                assert gap < 1.5, f"a point of the {digit} is {gap:.1f} px off the pen's path"
    window.close()


def test_the_probabilities_panel_is_as_tall_whatever_it_says(explorer: Any, qtbot: QtBot) -> None:
    panel = explorer.probabilitiesPanel
    canvas_size, panel_size = explorer.canvas.size(), panel.size()
    probs = np.full(10, 0.01, np.float32)
    probs[3], probs[8] = 0.5, 0.42
    for reading in (
        Reading("unsure", 3, 8, 0.5, "confidence"),
        Reading("not_a_digit", 0, 6, 0.99, "shape"),
        Reading("digit", 3, 8, 0.95, "confident"),
        Reading("empty", None, None, 0.0, "empty"),
    ):
        panel.show_reading(reading, probs)
        qtbot.wait(20)
        assert (explorer.canvas.size(), panel.size()) == (canvas_size, panel_size), reading.state


# -- 3. conv maps at once -------------------------------------------------------------------------------------------
def test_conv_maps_are_filled_from_the_last_result_the_moment_they_are_shown(explorer: Any, draw: Any) -> None:
    draw(explorer.canvas, SAMPLE_STROKES[7])
    result = explorer.controller.last_result()
    panel = explorer.featureMapsPanel
    panel.convCheck.setChecked(True)
    convs = [m.name for m in panel.visible_layers() if m.kind == "conv"]
    assert convs
    shown = panel.images()
    for name in convs:
        expected = maps_to_stack(result.activations[name])
        assert np.any(expected)
        np.testing.assert_array_equal(np.stack(shown[name]), expected)
    panel.convCheck.setChecked(False)
    panel.convCheck.setChecked(True)  # and again after hiding them
    np.testing.assert_array_equal(np.stack(panel.images()[convs[0]]), maps_to_stack(result.activations[convs[0]]))


# -- 4. "is this a digit?" in words ----------------------------------------------------------------------------------
def test_reading_state_and_words_for_taps_scribbles_letters_and_digits(explorer: Any, draw: Any, qtbot: QtBot) -> None:
    canvas, panel = explorer.canvas, explorer.probabilitiesPanel
    assert explorer.reading_state() == "empty"
    not_digits = {
        "a tap": [[(0.5, 0.5)]],
        "a scribble": [[(0.3, 0.3), (0.7, 0.35), (0.3, 0.42), (0.7, 0.5), (0.3, 0.58), (0.7, 0.65), (0.3, 0.72)]],
        "an L": [[(0.35, 0.2), (0.35, 0.8), (0.7, 0.8)]],
        "an X": [[(0.3, 0.25), (0.7, 0.75)], [(0.7, 0.25), (0.3, 0.75)]],
    }
    for what, strokes in not_digits.items():
        click(explorer.clearButton)
        if what == "a tap":
            QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.normalised_to_widget(0.5, 0.5).toPoint())
            qtbot.wait(5)
            canvas.flush()
        else:
            draw(canvas, strokes)
        if what == "a scribble" and explorer.reading_state() == "unsure":
            # a zigzag is a 3 to some eyes: naming two candidates is an honest answer too, a confident digit is not
            assert panel.state() == "unsure" and panel.digit() is None and panel.digitLabel.text() == "?", what
            assert panel.hintLabel.text().startswith("Not sure"), panel.hintLabel.text()
            continue
        assert explorer.reading_state() == "not_a_digit", what
        assert panel.state() == "not_a_digit" and panel.digit() is None, what
        assert panel.digitLabel.text() == "?" and panel.hintLabel.text() == "That does not look like a digit"
        assert "%" not in panel.confidenceLabel.text()  # no confident digit, in any words
    for digit in (0, 1, 3, 7):
        click(explorer.clearButton)
        draw(canvas, SAMPLE_STROKES[digit])
        assert explorer.reading_state() == "digit", digit
        assert panel.digit() == digit and panel.digitLabel.text() == str(digit)
    click(explorer.clearButton)
    canvas.flush()
    assert explorer.reading_state() == "empty" and panel.state() == "empty"


def test_unsure_names_both_candidates_with_the_right_article(explorer: Any) -> None:
    panel = explorer.probabilitiesPanel
    probs = np.full(10, 0.02, np.float32)
    probs[3], probs[8] = 0.45, 0.39
    panel.show_reading(Reading("unsure", 3, 8, 0.45, "confidence"), probs)
    assert panel.hintLabel.text() == "Not sure: a 3 or an 8?"
    assert panel.digitLabel.text() == "?" and panel.digit() is None and panel.is_low_confidence()
    panel.show_reading(Reading("unsure", 8, 1, 0.45, "shape"), probs)
    assert panel.hintLabel.text() == "Not sure: an 8 or a 1?"


# -- 5. a misread test digit is shown and run exactly -----------------------------------------------------------------
def test_a_gallery_digit_is_shown_and_run_exactly_and_the_next_stroke_starts_anew(
    explorer: Any, draw: Any, qtbot: QtBot
) -> None:
    thin_one = np.zeros((28, 28), np.float32)
    thin_one[4:24, 14] = 1.0  # one pixel wide, grey edges: no canvas pen could redraw it
    thin_one[4:24, 13] = 0.3
    x = np.stack([thin_one, np.zeros_like(thin_one)])[..., None]
    y = np.array([1, 0])
    probs = np.zeros((2, 10), np.float32)
    probs[0, 7] = probs[1, 0] = 1.0
    panel = explorer.trainingPanel
    explorer.show_tab(panel)
    panel.results.set_summary(summarize(evaluate(lambda b: probs, x, y), probs, x, y))
    panel.results.setVisible(True)
    gallery = panel.results.gallery
    gallery.scrollToItem(gallery.item(0))
    qtbot.wait(10)
    item_centre = gallery.visualItemRect(gallery.item(0)).center()
    QTest.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton, pos=item_centre)
    qtbot.wait(20)
    controller, canvas = explorer.controller, explorer.canvas
    np.testing.assert_array_equal(controller.last_result().image28, thin_one)  # the network ran exactly it
    np.testing.assert_array_equal(explorer.networkInputPanel.image(), thin_one)
    np.testing.assert_array_equal(canvas.shown_image(), thin_one)
    # the canvas shows those 28x28 pixels, not a pen's redrawing of them
    shot = on_screen(canvas)[..., 0].astype(float)
    r = canvas.drawing_rect()
    cell = r.width() / 28.0
    centres = (np.arange(28) + 0.5) * cell
    seen = shot[np.ix_((r.y() + centres).astype(int), (r.x() + centres).astype(int))]
    np.testing.assert_allclose(seen / 255.0, thin_one, atol=2 / 255)
    # a model swap re-runs the image, not an earlier drawing
    controller.set_model(controller.model)
    np.testing.assert_array_equal(controller.last_result().image28, thin_one)
    # the next pen stroke starts a new drawing
    draw(canvas, SAMPLE_STROKES[7])
    assert canvas.shown_image() is None and len(canvas.strokes()) == len(SAMPLE_STROKES[7])
    expected = mnist_style(canvas.image_array())
    assert expected is not None
    np.testing.assert_allclose(controller.last_result().image28, expected, atol=1e-6)
    assert controller.last_result().digit == 7

"""The drawing canvas: strokes, undo/clear, the raster it hands on, mouse/touch/tablet input, coalescing."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from convlens.engine.preprocess import mnist_style
from convlens.gui.canvas import RASTER_SIZE, STROKE_WIDTH_FRACTION, DrawingCanvas
from convlens.gui.render import SAMPLE_STROKES


def make_canvas(qtbot: QtBot, side: int = 300) -> DrawingCanvas:
    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(side, side)
    canvas.show()
    qtbot.waitExposed(canvas)
    return canvas


def test_empty_canvas_is_black_and_draws_nothing(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot)
    img = canvas.image_array()
    assert img.shape == (RASTER_SIZE, RASTER_SIZE) and img.dtype == np.float32
    assert img.max() == 0.0 and canvas.is_empty()
    assert mnist_style(img) is None


def test_strokes_are_white_antialiased_round_capped_and_mnist_thick(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot)
    canvas.draw_strokes_programmatically([[(0.2, 0.5), (0.8, 0.5)]])
    img = canvas.image_array()
    assert 0.0 <= img.min() and img.max() == 1.0
    column = img[:, RASTER_SIZE // 2]
    width = np.count_nonzero(column > 0.5)
    assert abs(width - RASTER_SIZE * STROKE_WIDTH_FRACTION) <= 2
    assert np.count_nonzero((column > 0.02) & (column < 0.98)) >= 2  # anti-aliased edges
    # round caps: the ink reaches half a pen width beyond the end point, not further
    end = int(0.8 * RASTER_SIZE)
    half = RASTER_SIZE * STROKE_WIDTH_FRACTION / 2
    assert img[RASTER_SIZE // 2, int(end + half - 2)] > 0.5 and img[RASTER_SIZE // 2, int(end + half + 2)] == 0.0
    assert img[RASTER_SIZE // 2 - int(half) + 2, int(end + half - 3)] == 0.0  # a corner a square cap would fill
    # after MNIST preprocessing the stroke is 2-4 px thick, like MNIST digits
    canvas.clear()
    canvas.draw_strokes_programmatically(SAMPLE_STROKES[1])
    img28 = mnist_style(canvas.image_array())
    assert img28 is not None
    assert 2 <= np.count_nonzero(img28[14] > 0.5) <= 4


def test_a_tap_leaves_a_dot(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot)
    pos = canvas.normalised_to_widget(0.5, 0.5).toPoint()
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    (stroke,) = canvas.strokes()
    np.testing.assert_allclose(stroke, [(0.5, 0.5)], atol=0.005)
    img = canvas.image_array()
    assert img[RASTER_SIZE // 2, RASTER_SIZE // 2] > 0.9
    radius = RASTER_SIZE * STROKE_WIDTH_FRACTION / 2
    assert abs(np.count_nonzero(img > 0.5) - np.pi * radius**2) < 0.15 * np.pi * radius**2  # a round dot


def test_strokes_round_trip_and_survive_a_resize(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot, 300)
    canvas.set_strokes(SAMPLE_STROKES[8])
    assert canvas.strokes() == [[(float(x), float(y)) for x, y in s] for s in SAMPLE_STROKES[8]]
    before = canvas.image_array()
    canvas.resize(520, 420)
    qtbot.wait(1)
    np.testing.assert_array_equal(canvas.image_array(), before)  # the raster does not depend on the widget size
    assert canvas.drawing_rect().width() == 420


def test_mouse_coordinates_map_to_the_square_drawing_area(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot, 300)
    canvas.resize(400, 300)
    qtbot.wait(1)
    rect = canvas.drawing_rect()
    assert (rect.x(), rect.width()) == (50.0, 300.0)
    start, end = canvas.normalised_to_widget(0.1, 0.1).toPoint(), canvas.normalised_to_widget(0.9, 0.9).toPoint()
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(canvas, end)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    (stroke,) = canvas.strokes()
    np.testing.assert_allclose(stroke[0], (0.1, 0.1), atol=0.01)
    np.testing.assert_allclose(stroke[-1], (0.9, 0.9), atol=0.01)


def test_right_button_and_hover_do_not_draw(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot)
    pos = canvas.normalised_to_widget(0.5, 0.5).toPoint()
    QTest.mouseMove(canvas, pos)
    QTest.mouseClick(canvas, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, pos)
    assert canvas.is_empty()


def test_touch_draws_a_stroke(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot)
    device = QTest.createTouchDevice(QInputDevice.DeviceType.TouchScreen)
    window = canvas.windowHandle()
    a = canvas.mapTo(canvas.window(), canvas.normalised_to_widget(0.3, 0.3).toPoint())
    b = canvas.mapTo(canvas.window(), canvas.normalised_to_widget(0.7, 0.7).toPoint())
    QTest.touchEvent(window, device).press(0, a, window).commit()
    QTest.touchEvent(window, device).move(0, b, window).commit()
    QTest.touchEvent(window, device).release(0, b, window).commit()
    QApplication.processEvents()
    assert len(canvas.strokes()) == 1
    img = canvas.image_array()
    assert img[RASTER_SIZE // 2, RASTER_SIZE // 2] > 0.9


def test_tablet_pen_draws_a_stroke(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot)
    pen = QPointingDevice(
        "test pen", 1, QInputDevice.DeviceType.Stylus, QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure, 1, 3,
    )

    def send(kind: QTabletEvent.Type, x: float, y: float, buttons: Qt.MouseButton) -> None:
        local = canvas.normalised_to_widget(x, y)
        global_pos = QPointF(canvas.mapToGlobal(local.toPoint()))
        event = QTabletEvent(kind, pen, local, global_pos, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0,
                             Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, buttons)
        QApplication.sendEvent(canvas, event)

    send(QTabletEvent.Type.TabletPress, 0.2, 0.8, Qt.MouseButton.LeftButton)
    send(QTabletEvent.Type.TabletMove, 0.5, 0.5, Qt.MouseButton.LeftButton)
    send(QTabletEvent.Type.TabletRelease, 0.8, 0.2, Qt.MouseButton.NoButton)
    assert len(canvas.strokes()) == 1 and len(canvas.strokes()[0]) == 3
    assert canvas.image_array()[RASTER_SIZE // 2, RASTER_SIZE // 2] > 0.9


def test_undo_and_clear(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot)
    canvas.draw_strokes_programmatically(SAMPLE_STROKES[5])
    assert len(canvas.strokes()) == 2
    canvas.undo()
    assert canvas.strokes() == [[(float(x), float(y)) for x, y in SAMPLE_STROKES[5][0]]]
    canvas.clear()
    assert canvas.is_empty() and canvas.image_array().max() == 0.0
    canvas.undo()  # undo on an empty canvas is harmless
    assert canvas.is_empty()


def test_image_changed_is_coalesced_to_one_emission_per_event_loop_turn(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot)
    images: list[np.ndarray] = []
    canvas.imageChanged.connect(images.append)
    canvas.draw_strokes_programmatically(SAMPLE_STROKES[6] * 20)
    assert images == []
    qtbot.wait(5)
    assert len(images) == 1
    np.testing.assert_array_equal(images[0], canvas.image_array())
    canvas.flush()  # nothing pending: no second emission
    assert len(images) == 1


def test_stroke_ended_is_emitted_once_when_the_pen_is_lifted(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot)
    ended: list[bool] = []
    canvas.strokeEnded.connect(lambda: ended.append(canvas.is_drawing()))
    a, b = (canvas.normalised_to_widget(x, 0.5).toPoint() for x in (0.3, 0.7))
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(canvas, b)
    assert ended == []  # the pen is still down
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    assert ended == [False]  # once, with the stroke already finished
    canvas.undo()
    canvas.clear()
    canvas.end_stroke()  # no stroke open: nothing to announce
    assert ended == [False]

"""Explorer fixtures: a shown main window on the shipped model, and drawing with real mouse events.

Autouse: a private user data folder per test.  ``explorer`` is the window from ``create_window()`` shown offscreen at
1280x800; ``draw`` replays strokes (normalised canvas points) on a canvas as QTest mouse
press / move / release events, interpolating every few pixels like a real pointer. For the training tests:
``user_dir`` (the model store's data folder in ``tmp_path``) and ``controller`` (the real controller on the shipped
model with a drawn 3; a test module may define its own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from convlens.engine.pen import rasterize_strokes
from convlens.gui.canvas import DrawingCanvas
from convlens.gui.controller import Controller, default_model_path
from convlens.gui.render import SAMPLE_STROKES
from convlens.services import model_store

StrokeList = Sequence[Sequence[tuple[float, float]]]
DrawFn = Callable[..., int]


def resample(stroke: Sequence[tuple[float, float]], side: float, step_px: float) -> list[tuple[float, float]]:
    """Points along a polyline every ``step_px`` pixels of a canvas of side ``side``."""
    pts = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
    if len(pts) == 1:
        return [tuple(pts[0])]
    seg = np.hypot(*np.diff(pts, axis=0).T) * side
    dist = np.concatenate([[0.0], np.cumsum(seg)])
    t = np.append(np.arange(0.0, dist[-1], step_px), dist[-1])
    return list(zip(np.interp(t, dist, pts[:, 0]), np.interp(t, dist, pts[:, 1]), strict=True))


def _draw(
    qtbot: QtBot,
    canvas: DrawingCanvas,
    strokes: StrokeList,
    step_px: float = 5.0,
    on_move: Callable[[], None] | None = None,
    process_each: bool = True,
) -> int:
    """Draw ``strokes`` with the mouse; returns the number of move events sent."""
    side = canvas.drawing_rect().width()
    moves = 0

    def at(x: float, y: float) -> QPoint:
        return canvas.normalised_to_widget(x, y).toPoint()

    for stroke in strokes:
        pts = resample(stroke, side, step_px)
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*pts[0]))
        for x, y in pts[1:]:
            QTest.mouseMove(canvas, at(x, y))
            moves += 1
            if process_each:
                qtbot.wait(1)
            if on_move is not None:
                on_move()
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*pts[-1]))
    qtbot.wait(1)
    canvas.flush()
    return moves


@pytest.fixture
def draw(qtbot: QtBot) -> DrawFn:
    """``draw(canvas, strokes, step_px=5, on_move=None, process_each=True) -> moves`` with real mouse events."""

    def run(canvas: DrawingCanvas, strokes: StrokeList, **kwargs: object) -> int:
        return _draw(qtbot, canvas, strokes, **kwargs)  # type: ignore[arg-type]

    return run


@pytest.fixture
def explorer(qtbot: QtBot) -> Iterator[object]:
    """The explorer window on the shipped model, shown offscreen at 1280x800."""
    from convlens.gui.app import create_window

    window = create_window()
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    yield window
    delete_window(window)


def delete_window(window: QWidget) -> None:
    """Close ``window`` and delete it now: a closed window that lives on still costs every later
    application-wide style-sheet change (a theme switch repolishes every widget alive) and slows later tests."""
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


@pytest.fixture(autouse=True)
def _private_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh user data folder (models, corrections, logs) for every GUI test.

    The whole session already runs with a private HOME (``tests/conftest.py``); this keeps GUI tests from seeing
    each other's saved models.
    """
    monkeypatch.setenv("CONVLENS_DATA_DIR", str(tmp_path_factory.mktemp("userdata")))



@pytest.fixture
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The model store's data folder, in ``tmp_path``."""
    directory = tmp_path / "userdata"
    monkeypatch.setenv(model_store.DATA_DIR_ENV, str(directory))
    return directory


@pytest.fixture
def controller(qtbot: QtBot) -> Controller:
    """The real controller on the shipped model, with a drawn 3 on its canvas."""
    path = default_model_path()
    assert path is not None
    c = Controller(path)
    c.set_canvas_image(rasterize_strokes(SAMPLE_STROKES[3], 280, 280 / 11))
    return c

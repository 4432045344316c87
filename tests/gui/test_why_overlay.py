"""The machinery behind the "Where it looks" overlay (issue #16's budget): the latest-only runner that computes the
maps on one long-lived worker thread at a limited rate, and the overlay's pictures, coloured and scaled off the
GUI thread so that a pen move only copies them."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from convlens.gui.canvas import DrawingCanvas
from convlens.gui.why import common
from convlens.gui.why.common import InputPlacement, LatestOnlyRunner
from convlens.gui.why.overlay import OVERLAY_OPACITY, SaliencyOverlay, drawing_side, overlay_picture

WAIT_MS = 5000


class Recorder:
    """A job for the runner that notes what it computed, when and on which thread; ``gate`` holds it back."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, float, int]] = []
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, request: Any) -> Any:
        self.calls.append((request, time.monotonic(), threading.get_ident()))
        assert self.gate.wait(5), "the test never opened the gate"
        if request == "boom":
            raise ValueError("boom")
        return request * 10

    def requests(self) -> list[Any]:
        return [r for r, _, _ in self.calls]


@pytest.fixture
def make_runner(qtbot: QtBot):  # noqa: ANN201 - a factory
    made: list[LatestOnlyRunner] = []

    def make(interval_ms: int) -> tuple[LatestOnlyRunner, Recorder, list[tuple[Any, Any]]]:
        job = Recorder()
        runner = LatestOnlyRunner(job, interval_ms)
        done: list[tuple[Any, Any]] = []
        runner.done.connect(lambda request, result: done.append((request, result)))
        made.append(runner)
        return runner, job, done

    yield make
    for runner in made:
        runner.wait()


def test_the_newest_request_replaces_the_waiting_one(make_runner, qtbot: QtBot) -> None:
    runner, job, done = make_runner(0)
    job.gate.clear()
    runner.submit(1, urgent=True)
    qtbot.waitUntil(lambda: job.requests() == [1], timeout=WAIT_MS)
    runner.submit(2)  # waits: the worker is busy ...
    runner.submit(3)  # ... and the newer drawing replaces it
    assert runner.busy()
    job.gate.set()
    qtbot.waitUntil(lambda: len(done) == 2, timeout=WAIT_MS)
    assert done == [(1, 10), (3, 30)] and job.requests() == [1, 3]
    qtbot.waitUntil(lambda: not runner.busy(), timeout=WAIT_MS)


def test_requests_wait_for_their_turn_unless_urgent_and_flush_starts_one_at_once(make_runner, qtbot: QtBot) -> None:
    runner, job, done = make_runner(300)
    runner.submit(1, urgent=True)
    qtbot.waitUntil(lambda: len(done) == 1, timeout=WAIT_MS)
    runner.submit(2)  # the pen is down: not before 300 ms after the last start
    qtbot.waitUntil(lambda: len(done) == 2, timeout=WAIT_MS)
    (_, first, _), (_, second, _) = job.calls
    assert second - first >= 0.29


    slow = LatestOnlyRunner(job, 60_000)  # a turn that never comes within the test ...
    try:
        with qtbot.waitSignal(slow.done, timeout=WAIT_MS):
            slow.submit(4, urgent=True)
        slow.submit(5)
        qtbot.wait(50)
        assert job.requests()[-1] == 4 and slow.busy()
        with qtbot.waitSignal(slow.done, timeout=WAIT_MS) as blocker:
            slow.flush()  # ... unless the pen is lifted
        assert blocker.args == [5, 50]
        with qtbot.waitSignal(slow.done, timeout=WAIT_MS) as blocker:
            slow.submit(6, urgent=True)  # the pen was lifted (or a setting changed): at once, too
        assert blocker.args == [6, 60]
    finally:
        slow.wait()


def test_one_worker_thread_serves_every_request_and_ends_when_idle_or_stopped(
    make_runner, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner, job, done = make_runner(0)
    for k in range(5):
        runner.submit(k, urgent=True)
        qtbot.waitUntil(lambda k=k: len(done) == k + 1, timeout=WAIT_MS)
    threads = {ident for _, _, ident in job.calls}
    assert len(threads) == 1 and threading.get_ident() not in threads  # one thread, not the GUI's
    worker = runner._thread
    assert worker is not None and worker.is_alive() and worker.daemon
    runner.wait()
    assert not worker.is_alive() and not runner.busy()

    monkeypatch.setattr(common, "IDLE_EXIT_S", 0.1)
    runner.submit(7, urgent=True)  # a new worker after wait()
    qtbot.waitUntil(lambda: done[-1] == (7, 70), timeout=WAIT_MS)
    idle = runner._thread
    assert idle is not None
    qtbot.waitUntil(lambda: not idle.is_alive(), timeout=WAIT_MS)  # no request for a while: it ends by itself
    assert runner._thread is None
    runner.submit(8, urgent=True)
    qtbot.waitUntil(lambda: done[-1] == (8, 80), timeout=WAIT_MS)


def test_a_failing_computation_is_reported_and_the_runner_goes_on(make_runner, qtbot: QtBot) -> None:
    runner, job, done = make_runner(0)
    with qtbot.waitSignal(runner.failed, timeout=WAIT_MS) as blocker:
        runner.submit("boom", urgent=True)
    assert blocker.args[0] == "boom" and isinstance(blocker.args[1], ValueError)
    runner.submit(2, urgent=True)
    qtbot.waitUntil(lambda: done == [(2, 20)], timeout=WAIT_MS)


# -- the pictures -----------------------------------------------------------------------------------------------
def _signed_map() -> np.ndarray:
    values = np.zeros((28, 28), np.float32)
    values[:, :14] = 1.0  # left half: towards the answer (red)
    values[:, 14:] = -1.0  # right half: away from it (blue)
    return values


def test_the_picture_is_the_map_scaled_onto_the_input_square_and_cut_to_the_drawing() -> None:
    inside = InputPlacement(top=40.0, left=60.0, size=140.0, raster=280)
    picture = overlay_picture(_signed_map(), 7, inside, side=560)  # 2 device pixels per raster pixel
    assert picture.digit == 7 and picture.side == 560
    assert (picture.origin.x(), picture.origin.y()) == (120, 80)
    assert (picture.image.width(), picture.image.height()) == (280, 280)
    left = QColor(picture.image.pixelColor(40, 140))
    right = QColor(picture.image.pixelColor(240, 140))
    assert left.red() > left.blue() + 100 and right.blue() > right.red() + 100
    assert left.alpha() == pytest.approx(255 * OVERLAY_OPACITY, abs=2)

    beyond = InputPlacement(top=-50.0, left=200.0, size=200.0, raster=280)  # a digit drawn at the edge
    cut = overlay_picture(_signed_map(), 7, beyond, side=280)
    assert (cut.origin.x(), cut.origin.y()) == (200, 0)
    assert (cut.image.width(), cut.image.height()) == (80, 150)

    again = picture.resized(280)
    assert again.side == 280 and (again.image.width(), again.image.height()) == (140, 140)


def test_pictures_made_in_a_worker_thread_equal_the_ones_made_here() -> None:
    placement = InputPlacement(top=30.5, left=44.25, size=180.0, raster=280)
    made: list[Any] = []
    worker = threading.Thread(target=lambda: made.append(overlay_picture(_signed_map(), 3, placement, 433)))
    worker.start()
    worker.join(10)
    here = overlay_picture(_signed_map(), 3, placement, 433)
    assert made and made[0].origin == here.origin and made[0].image == here.image


def test_the_overlay_keeps_its_picture_at_the_canvas_size(qtbot: QtBot) -> None:
    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(300, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    overlay = SaliencyOverlay(canvas)
    placement = InputPlacement(0.0, 0.0, 280.0, 280)
    overlay.set_picture(overlay_picture(_signed_map(), 4, placement, side=50))  # made for another size
    picture = overlay.picture()
    assert picture is not None and picture.side == drawing_side(canvas)  # re-scaled once, not at every paint
    assert overlay.has_map() and overlay.digit() == 4
    canvas.resize(400, 400)
    qtbot.waitUntil(lambda: overlay.geometry() == canvas.rect(), timeout=WAIT_MS)
    picture = overlay.picture()
    assert picture is not None and picture.side == drawing_side(canvas)
    image = canvas.grab().toImage()
    ratio = image.devicePixelRatio()
    middle_left = QColor(image.pixelColor(int(100 * ratio), int(200 * ratio)))
    middle_right = QColor(image.pixelColor(int(300 * ratio), int(200 * ratio)))
    assert middle_left.red() > middle_left.blue() + 60 and middle_right.blue() > middle_right.red() + 60
    overlay.clear()
    assert not overlay.has_map() and overlay.digit() == -1

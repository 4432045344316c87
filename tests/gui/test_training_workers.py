"""gui.workers.JobThread: results, failures, cancel, throttling; and the pure helpers of the training package."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from convlens.engine.train import evaluate
from convlens.gui.training.canvas_bridge import show_digit
from convlens.gui.training.form import APP_SOURCE, app_request
from convlens.gui.training.run_status import format_eta
from convlens.gui.workers import Cancelled, JobThread
from convlens.services.corrections import oversample
from convlens.services.evaluation import summarize


def run(qtbot: QtBot, thread: JobThread) -> dict[str, list[object]]:
    seen: dict[str, list[object]] = {"progress": [], "succeeded": [], "failed": [], "cancelled": [], "order": []}
    thread.progress.connect(seen["progress"].append)
    thread.succeeded.connect(lambda r: (seen["succeeded"].append(r), seen["order"].append("succeeded")))
    thread.failed.connect(lambda e: (seen["failed"].append(e), seen["order"].append("failed")))
    thread.cancelled.connect(lambda: (seen["cancelled"].append(True), seen["order"].append("cancelled")))
    thread.ended.connect(lambda: seen["order"].append("ended"))
    with qtbot.waitSignal(thread.ended, timeout=10000):
        thread.start()
    thread.wait(2000)
    return seen


def test_generator_job_reports_every_item_and_its_return_value(qtbot: QtBot) -> None:
    def job(cancel: threading.Event) -> Iterator[int]:
        yield 1
        yield 2
        return "result"

    seen = run(qtbot, JobThread(job, min_interval=0.0))
    assert seen["progress"] == [1, 2]
    assert seen["succeeded"] == ["result"]
    assert seen["order"] == ["succeeded", "ended"]


def test_progress_is_throttled_but_urgent_and_last_items_arrive(qtbot: QtBot) -> None:
    def job(cancel: threading.Event) -> Iterator[object]:
        for i in range(200):
            yield i
        yield "urgent"
        for i in range(200, 300):
            yield i

    seen = run(qtbot, JobThread(job, min_interval=10.0, urgent=lambda item: item == "urgent"))
    # the newest held-back item goes out just before an urgent one, so no stretch of a run goes unshown
    assert seen["progress"] == [0, 199, "urgent", 299]


def test_failure_is_reported_not_raised(qtbot: QtBot) -> None:
    def job(cancel: threading.Event) -> Iterator[int]:
        yield 1
        raise ValueError("boom")

    seen = run(qtbot, JobThread(job))
    assert [str(e) for e in seen["failed"]] == ["boom"]
    assert seen["order"] == ["failed", "ended"]


def test_cancel_stops_a_function_job(qtbot: QtBot) -> None:
    started = threading.Event()

    def job(emit: object, cancel: threading.Event) -> None:
        started.set()
        while not cancel.wait(0.01):
            pass
        raise Cancelled

    thread = JobThread(job, generator=False)
    order: list[str] = []
    thread.succeeded.connect(lambda _r: order.append("succeeded"))
    thread.cancelled.connect(lambda: order.append("cancelled"))
    thread.start()
    assert started.wait(5)
    with qtbot.waitSignal(thread.ended, timeout=5000):
        thread.cancel()
    thread.wait(2000)
    assert order == ["cancelled"]


def test_the_quick_request_is_the_cli_quick_budget_with_the_app_live_view() -> None:
    from convlens.services.recipes import QUICK

    quick = app_request()
    assert quick.recipe == QUICK and quick.architecture == "default" and quick.train_size is None
    assert (quick.validation_size, quick.snapshot_seconds, quick.report_every) == (500, 2.0, 1)
    assert quick.source == APP_SOURCE and quick.start_model is None and quick.corrections is None
    smaller = app_request(QUICK.with_overrides(epochs=1), "small", train_size=300, validation_size=50)
    assert (smaller.recipe.epochs, smaller.recipe.lr, smaller.architecture) == (1, QUICK.lr, "small")
    assert (smaller.train_size, smaller.validation_size, smaller.snapshot_seconds) == (300, 50, 2.0)


def test_format_eta() -> None:
    assert format_eta(65.2) == "1:05"
    assert format_eta(float("nan")) == "…"


def test_oversample_makes_corrections_about_the_requested_share() -> None:
    x = np.zeros((900, 28, 28, 1), np.float32)
    y = np.zeros(900, np.int64)
    xc = np.ones((5, 28, 28, 1), np.float32)
    yc = np.full(5, 7)
    x2, y2 = oversample(x, y, xc, yc, share=0.1)
    assert len(x2) == 900 + 5 * 20 and np.mean(y2 == 7) == pytest.approx(0.1)
    assert np.all(x2[900:] == 1.0)
    x3, y3 = oversample(x, y, xc[:0], yc[:0])
    assert x3 is x and y3 is y


def test_summarize_sorts_the_gallery_by_confidence_of_the_mistake() -> None:
    y = np.array([0, 1, 2, 3])
    probs = np.array(
        [[0.9, 0.1, 0, 0], [0.6, 0.4, 0, 0], [0, 0.95, 0.05, 0], [0, 0, 0, 1.0]], dtype=np.float32
    )
    probs = np.pad(probs, ((0, 0), (0, 6)))
    x = np.arange(4, dtype=np.float32)[:, None, None, None] * np.ones((4, 28, 28, 1), np.float32)
    summary = summarize(evaluate(lambda b: probs[: len(b)], x, y), probs, x, y)
    assert summary.n_wrong == 2 and summary.accuracy == 0.5
    assert list(summary.gallery_true) == [2, 1] and list(summary.gallery_pred) == [1, 0]
    assert summary.gallery_images.shape == (2, 28, 28) and summary.gallery_images[0, 0, 0] == 2.0


def test_show_digit_shows_the_exact_image_on_the_canvas_and_runs_exactly_it() -> None:
    calls: list[tuple[str, np.ndarray]] = []

    class Canvas:
        def show_image(self, image28: np.ndarray) -> None:
            calls.append(("canvas", image28))

    class Controller:
        def show_image28(self, img: np.ndarray) -> None:
            calls.append(("network", img))

    img = np.zeros((28, 28), np.float32)
    img[5:20, 13] = 0.7  # a one-pixel-thin 1: no pen could redraw it
    show_digit(img, Canvas(), Controller())
    assert [name for name, _ in calls] == ["canvas", "network"]
    for _, shown in calls:
        np.testing.assert_array_equal(shown, img)
    show_digit(img, None, Controller())
    assert [name for name, _ in calls[2:]] == ["network"]


def test_cancel_latency_of_a_generator_job(qtbot: QtBot) -> None:
    def job(cancel: threading.Event) -> Iterator[int]:
        i = 0
        while True:
            if cancel.is_set():
                raise Cancelled
            time.sleep(0.01)
            i += 1
            yield i

    thread = JobThread(job)
    with qtbot.waitSignal(thread.progress, timeout=5000):
        thread.start()
    t0 = time.perf_counter()
    with qtbot.waitSignal(thread.ended, timeout=5000):
        thread.cancel()
    assert time.perf_counter() - t0 < 1.0
    thread.wait(2000)

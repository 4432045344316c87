"""The training tab starts the run's worker processes ahead of time (a warm pool) while the app is idle: never while
the pen is down; a run (the quick train request on the 300-image fake MNIST) takes them and gives them back, and
closing the tab ends them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from convlens.gui.canvas import DrawingCanvas
from convlens.gui.controller import Controller, default_model_path
from convlens.gui.training import session as session_module
from convlens.gui.training.form import app_request
from convlens.gui.training.panel import TrainingPanel
from convlens.services import model_store
from convlens.services.recipes import QUICK

DELAY_MS = 200


def _gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


@pytest.fixture
def panel(
    qtbot: QtBot, fake_mnist: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TrainingPanel]:
    """The training tab with a canvas, on a 2-core machine that trains with two processes, idle delay 200 ms."""
    monkeypatch.setenv(model_store.DATA_DIR_ENV, str(tmp_path / "userdata"))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # what `convlens` sets: default_workers() is then 2
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr(session_module, "WARM_POOL_DELAY_MS", DELAY_MS)
    path = default_model_path()
    assert path is not None
    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    p = TrainingPanel(Controller(path), canvas)
    qtbot.addWidget(p, before_close_func=lambda w: w.shutdown())
    yield p


def test_the_pool_warms_once_the_pen_has_rested_and_ends_with_the_tab(qtbot: QtBot, panel: TrainingPanel) -> None:
    canvas = panel.canvas
    assert canvas is not None
    assert panel.session.pool is None and panel.session.data is None
    canvas.begin_stroke(0.3, 0.3)
    for i in range(6):  # the pen keeps drawing for longer than the delay
        qtbot.wait(DELAY_MS // 2)
        canvas.extend_stroke(0.3 + 0.05 * i, 0.4)
    qtbot.wait(DELAY_MS * 2)  # the pen is still down
    assert panel.session.pool is None and panel.session.data is None, "nothing starts while the pen draws"
    canvas.end_stroke()
    qtbot.waitUntil(lambda: panel.session.pool is not None and len(panel.session.pool.idle_pids) == 1, timeout=5000)
    pids = panel.session.pool.idle_pids
    qtbot.waitUntil(lambda: panel.session.data is not None, timeout=10_000)  # MNIST decoded meanwhile too
    panel.shutdown()
    assert panel.session.pool.closed
    qtbot.waitUntil(lambda: all(_gone(pid) for pid in pids), timeout=10_000)
    assert panel.session.warm_up() == 0, "a shut-down session starts nothing"


def test_a_quick_run_takes_the_warm_processes_and_gives_them_back(
    qtbot: QtBot, panel: TrainingPanel, data_parallel_runs: list[Any]
) -> None:
    qtbot.waitUntil(lambda: panel.session.pool is not None and len(panel.session.pool.idle_pids) == 1, timeout=5000)
    pool = panel.session.pool
    assert pool is not None
    pids = pool.idle_pids
    request = app_request(QUICK.with_overrides(epochs=1, batch_size=16), architecture="small", train_size=200,
                          validation_size=50, test_limit=50, timelapse_every=None, snapshot_seconds=None)
    outcome: list[str] = []
    panel.trainingFinished.connect(outcome.append)
    assert panel.start(request, save=False)
    qtbot.waitUntil(lambda: bool(outcome), timeout=120_000)
    assert outcome == ["done"]
    (run,) = data_parallel_runs
    assert run.fallback_reason is None and run.worker_slices > 0
    assert run.started_pids == pids, "the run used the warm process instead of starting one"
    assert pool.idle_pids == pids, "and gave it back for the next run"
    assert pool.started == 1

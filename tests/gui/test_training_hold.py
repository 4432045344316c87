"""Holding a run in the training tab: Pause, One step, the learning rate, Reset, Resume and Cancel through the real
buttons of the real TrainingSession on the 300-image fake MNIST (tests/conftest.py), with the real controller (so
the Network tab's preview gets the held weights), and the event loop's lateness while a run is driven that way."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from convlens.engine.control import filter_change
from convlens.gui.controller import Controller
from convlens.gui.training.panel import TrainingPanel

TIMEOUT_MS = 60_000
HOLD_MS = 5_000
P99_GOAL_MS = 50.0
TICK_MS = 10


@pytest.fixture
def previews(controller: Controller, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, np.ndarray]]:
    """Copies of the weights of every training preview the controller is given, in order."""
    shown: list[dict[str, np.ndarray]] = []
    original = controller.set_preview_model

    def spy(model: Any) -> None:
        if model is not None:
            shown.append(model.get_weights())
        original(model)

    monkeypatch.setattr(controller, "set_preview_model", spy)
    return shown


@pytest.fixture
def panel(qtbot: QtBot, controller: Controller, fake_mnist: Any, user_dir: Path) -> Iterator[TrainingPanel]:
    """The training tab with settings for a long run of tiny batches on the fake MNIST (started by the test)."""
    p = TrainingPanel(controller)
    qtbot.addWidget(p, before_close_func=lambda w: w.shutdown())
    p.resize(700, 900)
    p.show()
    p.set_advanced_visible(True)
    form = p.form
    form.presetCombo.setCurrentIndex(form.presetCombo.findData("small"))
    form.epochsSpin.setValue(50)
    form.trainSizeSpin.setValue(300)
    form.batchSizeSpin.setValue(8)
    form.augmentCheck.setChecked(False)
    yield p


def click(qtbot: QtBot, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def conv_key(weights: dict[str, np.ndarray]) -> str:
    return next(k for k, v in weights.items() if v.ndim == 4)


def start_and_run(qtbot: QtBot, panel: TrainingPanel, steps: list[int]) -> None:
    panel.session.progressed.connect(lambda item: steps.append(item.progress.step))
    click(qtbot, panel.form.startTrainingButton)
    qtbot.waitUntil(lambda: panel.curves.train_points > 2, timeout=TIMEOUT_MS)


def test_pause_step_learning_rate_reset_and_resume_through_the_buttons(
    qtbot: QtBot, panel: TrainingPanel, controller: Controller, previews: list[dict[str, np.ndarray]]
) -> None:
    rs, session = panel.runStatus, panel.session
    hold_row = (rs.pauseTrainingButton, rs.stepTrainingButton, rs.resetTrainingButton, rs.holdLrSpin)
    assert all(w.objectName() and w.toolTip() for w in hold_row)
    assert not any(w.isEnabled() for w in hold_row)
    steps: list[int] = []
    start_and_run(qtbot, panel, steps)
    assert rs.pauseTrainingButton.isEnabled() and rs.stepTrainingButton.isEnabled()
    assert not rs.resetTrainingButton.isEnabled() and not rs.holdLrSpin.isEnabled(), "only while paused"

    # Pause: the run holds after its batch and says so, with the last batch's loss
    with qtbot.waitSignal(session.held, timeout=HOLD_MS) as held:
        click(qtbot, rs.pauseTrainingButton)
    paused = held.args[0].progress
    assert paused.kind == "paused" and paused.step > 0
    assert rs.pauseTrainingButton.text() == "Resume" and rs.resetTrainingButton.isEnabled()
    assert rs.holdLrSpin.isEnabled() and rs.holdLrSpin.value() == pytest.approx(paused.lr, abs=1e-4)
    assert rs.trainingProgress.format() == f"Paused · step {paused.step}/{paused.total_steps}"
    assert "Paused" in rs.statusLabel.text() and f"{paused.loss:.3f}" in rs.statusLabel.text()
    qtbot.waitUntil(lambda: len(previews) > 1, timeout=HOLD_MS)  # the held weights go to the Network tab
    qtbot.wait(400)
    assert max(steps) == paused.step, "a paused run went on training"
    points = panel.curves.train_points

    # The learning rate (only now enabled) and One step: exactly one batch, its loss and the changed filters
    rs.holdLrSpin.setValue(0.02)
    assert session.control is not None and session.control.learning_rate == pytest.approx(0.02)
    shown = len(previews)
    with qtbot.waitSignal(session.held, timeout=HOLD_MS) as held:
        click(qtbot, rs.stepTrainingButton)
    one = held.args[0].progress
    assert one.kind == "paused" and one.step == paused.step + 1 and one.lr == pytest.approx(0.02)
    assert one.filter_change is not None and np.all(one.filter_change >= 0) and one.filter_change.max() > 0
    text = rs.statusLabel.text()
    assert "One step" in text and f"{one.loss:.3f}" in text and f"Filter {int(one.filter_change.argmax()) + 1}" in text
    assert panel.curves.train_points == points + 1
    qtbot.waitUntil(lambda: len(previews) > shown, timeout=HOLD_MS)
    key = conv_key(previews[-1])
    np.testing.assert_allclose(one.filter_change, filter_change(previews[shown - 1][key], previews[-1][key]),
                               rtol=1e-5)
    assert np.array_equal(controller.model.get_weights()[key], previews[-1][key]), "the explorer shows them"
    qtbot.wait(300)
    assert max(steps) == one.step, "more than one batch ran"

    # Reset: the weights the run started from, bit for bit; step 0; the curves start again
    shown = len(previews)
    with qtbot.waitSignal(session.held, timeout=HOLD_MS) as held:
        click(qtbot, rs.resetTrainingButton)
    assert held.args[0].progress.kind == "reset" and held.args[0].progress.step == 0
    assert rs.trainingProgress.format().startswith("Paused · step 0/") and panel.curves.train_points == 0
    qtbot.waitUntil(lambda: len(previews) > shown, timeout=HOLD_MS)
    assert all(np.array_equal(previews[-1][k], previews[0][k]) for k in previews[0])
    assert [f.step for f in panel.timelapse.frames] == [0], "the time-lapse starts again too"
    assert session.is_paused and rs.pauseTrainingButton.text() == "Resume"

    # Resume: it trains on, from step 0, with the learning rate set while paused
    steps.clear()
    click(qtbot, rs.pauseTrainingButton)
    assert rs.pauseTrainingButton.text() == "Pause" and not rs.resetTrainingButton.isEnabled()
    assert not rs.holdLrSpin.isEnabled()
    qtbot.waitUntil(lambda: len(steps) > 3, timeout=TIMEOUT_MS)
    assert steps[0] >= 1 and steps == sorted(steps)
    with qtbot.waitSignal(panel.trainingFinished, timeout=HOLD_MS) as finished:
        click(qtbot, rs.cancelTrainingButton)
    assert finished.args == ["cancelled"] and not any(w.isEnabled() for w in hold_row)


def test_reset_is_refused_while_running_and_cancel_ends_a_paused_run(
    qtbot: QtBot, panel: TrainingPanel, controller: Controller
) -> None:
    old_model = controller.model
    start_and_run(qtbot, panel, [])
    assert not panel.reset_run() and "Pause the training first" in panel.runStatus.statusLabel.text()
    assert not panel.set_learning_rate(0.5)
    with qtbot.waitSignal(panel.session.held, timeout=HOLD_MS):
        click(qtbot, panel.runStatus.pauseTrainingButton)
    t0 = time.perf_counter()
    with qtbot.waitSignal(panel.trainingFinished, timeout=HOLD_MS) as finished:
        click(qtbot, panel.runStatus.cancelTrainingButton)
    assert time.perf_counter() - t0 < 1.0
    assert finished.args == ["cancelled"] and controller.model is old_model


class LatenessProbe:
    """A precise ``TICK_MS`` timer recording, per tick, how late it fired (wall clock, ms) and how much CPU time the
    GUI thread spent since the tick before (ms): work the event loop itself did, without the waits for a core on a
    machine shared with other jobs (bench/bench_live.py measures the GUI thread's CPU time for the same reason)."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self.busy: list[float] = []
        self._expected = self._cpu = 0.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._expected = time.perf_counter() + TICK_MS / 1000
        self._cpu = time.thread_time()
        self.timer.start()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.late.append(max(0.0, now - self._expected) * 1000)
        self.busy.append((cpu - self._cpu) * 1000)
        self._expected, self._cpu = now + TICK_MS / 1000, cpu


def test_the_event_loop_stays_responsive_while_a_run_is_paused_stepped_reset_and_resumed(
    qtbot: QtBot, panel: TrainingPanel, previews: list[dict[str, np.ndarray]]
) -> None:
    rs, session = panel.runStatus, panel.session
    start_and_run(qtbot, panel, [])
    probe = LatenessProbe()
    probe.start()
    qtbot.wait(1500)  # training: progress, curves, time-lapse frames, a preview every 2 s
    actions: list[Callable[[], None]] = [
        lambda: click(qtbot, rs.pauseTrainingButton),
        lambda: click(qtbot, rs.stepTrainingButton),
        lambda: click(qtbot, rs.stepTrainingButton),
        lambda: click(qtbot, rs.resetTrainingButton),
    ]
    for action in actions:
        with qtbot.waitSignal(session.held, timeout=HOLD_MS):
            action()
        qtbot.wait(200)
    click(qtbot, rs.pauseTrainingButton)  # resume
    qtbot.wait(1500)
    probe.timer.stop()
    assert len(probe.busy) > 50 and len(previews) >= 5  # the holds' previews were shown meanwhile
    busy, late = np.percentile(probe.busy, 99), np.percentile(probe.late, 99)
    summary = f"GUI thread busy between ticks p99 {busy:.1f} ms; lateness p99 {late:.1f} ms, load {os.getloadavg()}"
    assert busy <= P99_GOAL_MS, summary
    if os.getloadavg()[0] < 1.0:  # a quiet machine: the wall clock too (a busy one adds its waits for a core)
        assert late <= P99_GOAL_MS, summary
    panel.cancel()
    qtbot.waitUntil(lambda: not panel.is_running, timeout=HOLD_MS)

"""run_training with a TrainingControl: holds show up as "paused" progress plus a snapshot of the weights as they
are, one step's snapshot carries the changed filters, a reset brings back the starting weights (snapshot, first
validation point) and a run reset and resumed ends with the model of a run never held (fake MNIST)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convlens.engine.control import TrainingControl, filter_change
from convlens.engine.data import load_mnist
from convlens.services.recipes import QUICK
from convlens.services.training import (
    Progress,
    Snapshot,
    TrainingOutcome,
    TrainingRequest,
    Validation,
    run_training,
)


def request(tmp_path: Path) -> TrainingRequest:
    recipe = QUICK.with_overrides(epochs=1, batch_size=20, augment=False, pen_fraction=0.0)
    return TrainingRequest(recipe=recipe, architecture="small", workers=1, validation_size=40, train_size=100,
                           test_limit=10, snapshot_seconds=1000.0, pen_cache_dir=tmp_path / "pen")


def drive(req: TrainingRequest, control: TrainingControl | None,
          plan: list[Callable[[], object]]) -> tuple[TrainingOutcome, list[Any]]:
    """Run the job in this thread; after each hold's snapshot do the next action of ``plan``."""
    events: list[Any] = []
    job = run_training(req, lambda: load_mnist(allow_download=False), control=control)
    holding = False
    while True:
        try:
            event = next(job)
        except StopIteration as stop:
            return stop.value, events
        events.append(event)
        if isinstance(event, Progress) and event.progress.kind in ("paused", "reset"):
            holding = True
        if isinstance(event, Snapshot):
            event.shown.set()
            if holding:
                holding = False
                plan.pop(0)()


def test_a_held_run_shows_each_step_and_the_reset_then_ends_like_a_run_never_held(
    fake_mnist: Any, tmp_path: Path
) -> None:
    control = TrainingControl()
    control.pause()
    plan: list[Callable[[], object]] = [control.step, control.step, control.reset, control.resume]
    outcome, events = drive(request(tmp_path), control, plan)
    assert plan == []
    held = [e.progress for e in events if isinstance(e, Progress) and e.progress.kind in ("paused", "reset")]
    assert [(p.kind, p.step) for p in held] == [("paused", 0), ("paused", 1), ("paused", 2), ("reset", 0)]
    snaps = [e for e in events if isinstance(e, Snapshot)]
    start = snaps[0].weights
    assert [s.step for s in snaps[:5]] == [0, 0, 1, 2, 0]
    one, two = snaps[2].weights, snaps[3].weights
    conv = next(k for k in start if k.endswith("/w") and start[k].ndim == 4)
    np.testing.assert_allclose(held[1].filter_change, filter_change(start[conv], one[conv]))
    np.testing.assert_allclose(held[2].filter_change, filter_change(one[conv], two[conv]))
    assert all(np.array_equal(snaps[4].weights[k], start[k]) for k in start), "reset: the starting weights"
    assert [v.epoch_pos for v in events if isinstance(v, Validation)].count(0.0) == 2
    progress = [e.progress for e in events if isinstance(e, Progress)]
    assert progress[-1].kind == "done" and progress[-1].step == 5

    never_held, _ = drive(request(tmp_path), None, [])
    for name, value in never_held.model.get_weights().items():
        np.testing.assert_array_equal(outcome.model.get_weights()[name], value)


def test_curve_points_between_epoch_ends_use_the_preview_and_epoch_ends_every_held_out_digit(
    fake_mnist: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import convlens.services.training as training

    sizes: list[int] = []
    real = training.evaluate_loss

    def spy(model: Any, images: np.ndarray, labels: np.ndarray, **kwargs: Any) -> tuple[float, float]:
        sizes.append(len(images))
        return real(model, images, labels, **kwargs)

    monkeypatch.setattr(training, "PREVIEW_IMAGES", 15)
    monkeypatch.setattr(training, "evaluate_loss", spy)
    recipe = QUICK.with_overrides(epochs=2, batch_size=20, augment=False, pen_fraction=0.0)
    req = TrainingRequest(recipe=recipe, architecture="small", workers=1, validation_size=40, train_size=100,
                          test_limit=10, validation_seconds=0.0, report_every=1, pen_cache_dir=tmp_path / "pen")
    outcome, events = drive(req, None, [])
    points = [e for e in events if isinstance(e, Validation)]
    # the start; each epoch: its 5 steps on the preview, then its end on every held-out digit
    assert sizes == [15] + ([15] * 5 + [40]) * 2
    assert [p.epoch_pos for p in points][-1] == 2.0
    assert len(outcome.history) == 2 and all(h["val_accuracy"] is not None for h in outcome.history)

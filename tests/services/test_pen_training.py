"""services.training with the pen-drawn mix-in, the calibration and the drawn-digit benchmark, on a fake MNIST."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convlens.engine import drawn
from convlens.engine.data import load_mnist
from convlens.engine.pen import PenStyle
from convlens.services.recipes import FULL, QUICK
from convlens.services.training import ECE_CAP, Phase, TrainingOutcome, TrainingRequest, run_training


def run(request: TrainingRequest) -> tuple[TrainingOutcome, list[Any]]:
    events: list[Any] = []
    job = run_training(request, lambda: load_mnist(allow_download=False))
    while True:
        try:
            events.append(next(job))
        except StopIteration as stop:
            return stop.value, events


@pytest.mark.slow
def test_full_recipe_mixes_pen_digits_calibrates_and_benchmarks(fake_mnist: Any, tmp_path: Path) -> None:
    recipe = FULL.with_overrides(epochs=1, batch_size=32, pen_variants=2)
    cache = tmp_path / "pen"
    outcome, events = run(TrainingRequest(recipe=recipe, workers=1, validation_size=None, pen_cache_dir=cache,
                                          benchmark_limit=20))
    phases = [e.text for e in events if isinstance(e, Phase)]
    assert any("pen" in text for text in phases) and "Drawn-digit benchmark" in phases
    card = outcome.card
    assert card["training"]["pen"]["fraction"] == recipe.pen_fraction > 0
    assert card["training"]["pen"]["variants"] == 2
    assert card["training"]["validation_images"] == 60  # 5,000 wanted, at most a fifth of the 300 fake images
    cal = card["calibration"]
    # both pen variants of the 60 held-out digits calibrate
    assert cal["fitted"] and cal["fitted_on"] == {"mnist_validation": 60, "pen_drawn_validation": 120}
    assert cal["temperature"] == outcome.model.temperature
    # T starts at the NLL optimum and rises towards the sure-answer temperature, capped by the MNIST ECE
    assert cal["nll_temperature"] <= cal["temperature"] <= cal["sure_temperature"]
    if cal["temperature"] < cal["sure_temperature"]:
        assert cal["validation_mnist_ece"] <= ECE_CAP
    pen = cal["validation_pen"]
    assert pen["wrong"] >= pen["confident_wrong"] >= 0
    assert 0.0 <= cal["mnist_test"]["ece"] <= 1.0
    bench = card["benchmarks"]
    assert len(bench["drawn_digits"]["cells"]) == len(drawn.benchmark_cells())
    assert bench["drawn_digits"]["digits"] == 20
    assert bench["sample_strokes"]["n"] == 20
    # other writers' digits: read from the user cache only (a training run never downloads), here not cached
    assert bench["other_writers"]["available"] is False and "not cached" in bench["other_writers"]["reason"]
    assert any(cache.glob("pen-*.npy"))  # the pen cache went where it was told


def test_quick_recipe_without_validation_is_not_calibrated(fake_mnist: Any, tmp_path: Path) -> None:
    recipe = QUICK.with_overrides(epochs=1, batch_size=50, pen_style=PenStyle.fixed(2.5, 2.0))
    outcome, _ = run(TrainingRequest(recipe=recipe, workers=1, validation_size=0, train_size=100,
                                     pen_cache_dir=tmp_path / "pen", test_limit=20))
    assert outcome.card["calibration"]["fitted"] is False
    assert outcome.model.temperature == 1.0
    assert "benchmarks" not in outcome.card


def test_pen_fraction_changes_the_training_batches(fake_mnist: Any, tmp_path: Path) -> None:
    base = QUICK.with_overrides(epochs=1, batch_size=50, augment=False)
    kwargs: dict[str, Any] = {"workers": 1, "validation_size": 0, "train_size": 100, "test_limit": 10,
                              "pen_cache_dir": tmp_path / "pen"}
    plain, _ = run(TrainingRequest(recipe=base.with_overrides(pen_fraction=0.0), **kwargs))
    mixed, _ = run(TrainingRequest(recipe=base.with_overrides(pen_fraction=1.0), **kwargs))
    again, _ = run(TrainingRequest(recipe=base.with_overrides(pen_fraction=1.0), **kwargs))
    w_plain, w_mixed, w_again = (m.model.get_weights()["conv1/w"] for m in (plain, mixed, again))
    assert not np.array_equal(w_plain, w_mixed)
    np.testing.assert_array_equal(w_mixed, w_again)  # reproducible, cache or not

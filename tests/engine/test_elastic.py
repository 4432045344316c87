"""Elastic distortion (``AugmentConfig.elastic``): smooth random bends, opt-in, split across processes bit for bit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from convlens.engine.augment import (
    ELASTIC_GRID,
    MAX_ELASTIC,
    AugmentConfig,
    AugmentParams,
    apply_augmentation,
    augment_batch,
    elastic_displacement,
    sample_augmentation,
)
from tests.engine.test_augment import OFF, digits

BENT = AugmentConfig(elastic=1.0)
ONLY_BENT = AugmentConfig(
    max_shift=0.0, max_rotation=0.0, scale_range=(1.0, 1.0), max_shear=0.0, thicken_prob=0.0, thin_prob=0.0,
    elastic=1.5,
)


def test_off_by_default_and_then_the_generator_draws_no_bend() -> None:
    assert AugmentConfig().elastic == 0.0
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    params = sample_augmentation(10, rng_a)
    assert params.bend is None
    sample_augmentation(10, rng_b, BENT)
    assert rng_a.random() != rng_b.random(), "the bend is drawn only when it is on"


def test_the_bend_is_drawn_after_the_affine_draws_which_stay_the_same() -> None:
    plain = sample_augmentation(12, np.random.default_rng(9))
    bent = sample_augmentation(12, np.random.default_rng(9), BENT)
    for name in ("angle", "scale", "shear", "shift", "stroke"):
        np.testing.assert_array_equal(getattr(plain, name), getattr(bent, name))
    assert bent.bend is not None and bent.bend.shape == (12, 2, ELASTIC_GRID, ELASTIC_GRID)


def test_displacement_has_the_asked_rms_and_is_smooth() -> None:
    bend = np.random.default_rng(0).standard_normal((4000, 2, ELASTIC_GRID, ELASTIC_GRID))
    field = elastic_displacement(bend, 1.5, (28, 28))
    assert field.shape == (4000, 2, 28 * 28)
    rms = np.sqrt(np.mean(field**2))
    assert rms == pytest.approx(1.5, rel=0.03)
    grid = field.reshape(4000, 2, 28, 28)
    step = np.sqrt(np.mean(np.diff(grid, axis=3) ** 2))  # change between neighbouring pixels
    assert step < 0.25 * rms, "a smooth field: neighbours move almost alike"
    far = np.sqrt(np.mean((grid[..., 0] - grid[..., 27]) ** 2))
    assert far > 1.0 * rms, "opposite sides of the image move independently"
    np.testing.assert_array_equal(elastic_displacement(np.zeros_like(bend[:3]), 2.0, (28, 28)), 0.0)


def test_strength_scales_the_field_linearly() -> None:
    bend = np.random.default_rng(1).standard_normal((3, 2, ELASTIC_GRID, ELASTIC_GRID))
    np.testing.assert_allclose(
        elastic_displacement(bend, 2.0, (28, 28)), 2.0 * elastic_displacement(bend, 1.0, (28, 28)), rtol=1e-12
    )


def test_bending_changes_the_strokes_but_keeps_range_ink_and_place() -> None:
    x = digits(40, 2)
    out = augment_batch(x, np.random.default_rng(4), ONLY_BENT)
    assert out.shape == x.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    changed = np.abs(out - x).reshape(40, -1).max(axis=1)
    assert (changed > 0.3).all(), "every image is bent"
    ink_ratio = out.sum(axis=(1, 2, 3)) / x.sum(axis=(1, 2, 3))
    # Stretching and squeezing change a stroke's area locally, but on average ink is neither made nor lost.
    assert np.all((ink_ratio > 0.5) & (ink_ratio < 1.6)), ink_ratio
    assert ink_ratio.mean() == pytest.approx(1.0, abs=0.1)
    rows = np.arange(28)[None, :, None, None]
    shift = (out * rows).sum(axis=(1, 2, 3)) / out.sum(axis=(1, 2, 3)) - (x * rows).sum(axis=(1, 2, 3)) / x.sum(
        axis=(1, 2, 3)
    )
    assert np.abs(shift).max() < 3.0, "a bend, not a move across the frame"


def test_zero_bend_changes_nothing_and_off_ignores_a_bend() -> None:
    x = digits(6, 3)
    params = sample_augmentation(6, np.random.default_rng(0), ONLY_BENT)
    flat = AugmentParams(params.angle, params.scale, params.shear, params.shift, params.stroke,
                         np.zeros_like(params.bend))
    np.testing.assert_allclose(apply_augmentation(x, flat, ONLY_BENT), x, atol=1e-6)
    plain = apply_augmentation(x, params, OFF)  # a bend in the draws is not applied when the config is off
    np.testing.assert_allclose(plain, x, atol=1e-6)


def test_draws_travel_as_one_array_with_the_bend() -> None:
    params = sample_augmentation(7, np.random.default_rng(2), BENT)
    array = params.to_array()
    assert array.shape == (7, AugmentParams.FIELDS)
    back = AugmentParams.from_array(array, elastic=True)
    assert back.bend is not None
    np.testing.assert_array_equal(back.bend, params.bend)
    assert AugmentParams.from_array(array).bend is None
    plain = sample_augmentation(7, np.random.default_rng(2)).to_array()
    np.testing.assert_array_equal(plain[:, 6:], 0.0)
    x = digits(7, 1)
    assert apply_augmentation(x, back, BENT).tobytes() == apply_augmentation(x, params, BENT).tobytes()


def test_a_bending_config_refuses_draws_without_a_bend() -> None:
    params = sample_augmentation(3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="bend"):
        apply_augmentation(digits(3), params, BENT)


@pytest.mark.parametrize("value", [-0.1, float("nan"), float("inf"), MAX_ELASTIC + 0.5])
def test_bad_strength_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match="elastic"):
        AugmentConfig(elastic=value)


def test_training_bends_each_slice_in_its_own_process_with_the_bits_of_one(
    data_parallel_runs: list[Any], worker_processes_ran: Callable[..., None]
) -> None:
    """``fit`` with the elastic distortion: the worker process bends its slice from the draws it is sent."""
    from convlens.engine.model import Sequential
    from convlens.engine.train import TrainConfig, fit
    from tests.engine.test_train import TINY_NET

    rng = np.random.default_rng(0)
    x = rng.random((120, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 120)

    def train(workers: int, elastic: float) -> dict[str, np.ndarray]:
        model = Sequential.from_config(TINY_NET, seed=1)
        config = TrainConfig(epochs=1, batch_size=40, workers=workers, lr=1e-3, augment=True, seed=3,
                             augment_config=AugmentConfig(elastic=elastic))
        assert list(fit(model, x, y, config))[-1].kind == "done"
        return model.get_weights()

    one, two, plain = train(1, 1.0), train(2, 1.0), train(1, 0.0)
    worker_processes_ran(data_parallel_runs[1])
    for name, value in one.items():
        np.testing.assert_allclose(value, two[name], rtol=1e-4, atol=1e-6, err_msg=name)
    assert any(not np.allclose(value, plain[name]) for name, value in one.items()), "the bend reached training"

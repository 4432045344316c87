"""engine.augment: random shifts/rotations/scales/shear and stroke thickness for hand-drawn-looking digits."""

from __future__ import annotations

import numpy as np
import pytest

from convlens.engine.augment import (
    AugmentConfig,
    AugmentParams,
    apply_augmentation,
    augment_batch,
    random_affine,
    sample_augmentation,
    stroke_thickness,
)

OFF = AugmentConfig(
    max_shift=0.0, max_rotation=0.0, scale_range=(1.0, 1.0), max_shear=0.0, thicken_prob=0.0, thin_prob=0.0
)


def digits(n: int = 16, seed: int = 0) -> np.ndarray:
    """Digit-like images ``(n, 28, 28, 1)`` float32 in [0, 1]: a soft ring or bar well inside the frame."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:28, 0:28].astype(np.float32)
    out = np.zeros((n, 28, 28, 1), np.float32)
    for i in range(n):
        cy, cx = rng.uniform(11, 17, 2)
        if i % 2:
            radius = np.hypot(rows - cy, cols - cx)
            out[i, ..., 0] = np.clip(2.0 - np.abs(radius - 5.0), 0, 1)
        else:
            out[i, 6:22, int(cx) - 1 : int(cx) + 2, 0] = 1.0
    return out


def centre_of_mass(images: np.ndarray) -> np.ndarray:
    """``(N, 2)`` (row, column) centres of mass of ``(N, H, W, 1)`` images."""
    rows, cols = np.mgrid[0 : images.shape[1], 0 : images.shape[2]]
    mass = images[..., 0].sum(axis=(1, 2))
    return np.stack(
        [(images[..., 0] * rows).sum(axis=(1, 2)) / mass, (images[..., 0] * cols).sum(axis=(1, 2)) / mass], axis=1
    )


def test_augment_preserves_shape_dtype_and_range() -> None:
    x = digits()
    out = augment_batch(x, np.random.default_rng(0))
    assert out.shape == x.shape
    assert out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert np.all(np.isfinite(out))
    assert not np.shares_memory(out, x)


def test_augment_does_not_modify_its_input() -> None:
    x = digits()
    before = x.copy()
    augment_batch(x, np.random.default_rng(0), AugmentConfig(thicken_prob=0.5, thin_prob=0.5))
    np.testing.assert_array_equal(x, before)


def test_augment_is_deterministic_for_a_seed_and_varies_with_it() -> None:
    x = digits()
    a = augment_batch(x, np.random.default_rng(5))
    b = augment_batch(x, np.random.default_rng(5))
    c = augment_batch(x, np.random.default_rng(6))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_each_image_gets_its_own_transformation() -> None:
    x = np.repeat(digits(1), 8, axis=0)
    out = augment_batch(x, np.random.default_rng(0))
    assert len({out[i].tobytes() for i in range(8)}) > 1


def test_zero_range_config_is_the_identity() -> None:
    x = digits()
    np.testing.assert_allclose(augment_batch(x, np.random.default_rng(0), OFF), x, atol=1e-5)
    np.testing.assert_allclose(random_affine(x, np.random.default_rng(0), OFF), x, atol=1e-5)


def test_default_augmentation_is_a_mild_change() -> None:
    x = digits(32)
    out = augment_batch(x, np.random.default_rng(1))
    moved = np.abs(out - x).sum(axis=(1, 2, 3)) / x.sum(axis=(1, 2, 3))
    assert np.median(moved) > 0.05, "it does something"
    mass_ratio = out.sum(axis=(1, 2, 3)) / x.sum(axis=(1, 2, 3))
    assert np.all((mass_ratio > 0.3) & (mass_ratio < 3.0)), "the digit stays a digit"


def test_shifts_move_the_centre_of_mass_by_at_most_max_shift_in_both_directions() -> None:
    x = digits(64)
    config = AugmentConfig(
        max_shift=3.0, max_rotation=0.0, scale_range=(1.0, 1.0), max_shear=0.0, thicken_prob=0.0, thin_prob=0.0
    )
    out = random_affine(x, np.random.default_rng(2), config)
    delta = centre_of_mass(out) - centre_of_mass(x)
    assert np.abs(delta).max() <= 3.0 + 0.05
    assert np.abs(delta).max() > 1.5
    for axis in (0, 1):
        assert (delta[:, axis] > 0.5).any() and (delta[:, axis] < -0.5).any(), "shifts go both ways on each axis"
    # A pure shift keeps the ink (the digits stay inside the frame).
    np.testing.assert_allclose(out.sum(axis=(1, 2, 3)), x.sum(axis=(1, 2, 3)), rtol=0.02)


def test_rotation_about_the_centre_keeps_a_centred_ring_in_place() -> None:
    rows, cols = np.mgrid[0:28, 0:28].astype(np.float32)
    ring = np.clip(2.0 - np.abs(np.hypot(rows - 13.5, cols - 13.5) - 6.0), 0, 1)[None, :, :, None]
    x = np.repeat(ring, 8, axis=0)
    config = AugmentConfig(
        max_shift=0.0, max_rotation=15.0, scale_range=(1.0, 1.0), max_shear=0.0, thicken_prob=0.0, thin_prob=0.0
    )
    out = random_affine(x, np.random.default_rng(3), config)
    np.testing.assert_allclose(centre_of_mass(out), 13.5, atol=0.1)
    np.testing.assert_allclose(out.sum(axis=(1, 2, 3)), x.sum(axis=(1, 2, 3)), rtol=0.03)


def test_zooming_in_spreads_the_ink_and_zooming_out_gathers_it() -> None:
    x = digits(8)

    def spread(images: np.ndarray) -> np.ndarray:
        com = centre_of_mass(images)
        rows, cols = np.mgrid[0:28, 0:28]
        d2 = (rows[None] - com[:, :1, None]) ** 2 + (cols[None] - com[:, 1:, None]) ** 2
        return (images[..., 0] * d2).sum(axis=(1, 2)) / images[..., 0].sum(axis=(1, 2))

    def zoom(factor: float) -> np.ndarray:
        config = AugmentConfig(
            max_shift=0.0, max_rotation=0.0, scale_range=(factor, factor), max_shear=0.0, thicken_prob=0.0,
            thin_prob=0.0,
        )
        return random_affine(x, np.random.default_rng(0), config)

    assert np.all(spread(zoom(1.15)) > spread(x))
    assert np.all(spread(zoom(0.85)) < spread(x))


@pytest.mark.parametrize(("thicken", "thin", "direction"), [(1.0, 0.0, +1), (0.0, 1.0, -1)])
def test_thickness_changes_ink_mass_in_the_right_direction(thicken: float, thin: float, direction: int) -> None:
    x = digits(12)
    config = AugmentConfig(
        max_shift=0.0, max_rotation=0.0, scale_range=(1.0, 1.0), max_shear=0.0, thicken_prob=thicken, thin_prob=thin
    )
    out = augment_batch(x, np.random.default_rng(0), config)
    change = out.sum(axis=(1, 2, 3)) - x.sum(axis=(1, 2, 3))
    assert np.all(direction * change > 0.05 * x.sum(axis=(1, 2, 3)))
    assert out.min() >= 0.0 and out.max() <= 1.0
    # Thickening only adds ink, thinning only removes it.
    assert np.all(direction * (out - x) >= -1e-6)


def test_stroke_thickness_with_zero_probabilities_returns_the_images_unchanged() -> None:
    x = digits(4)
    np.testing.assert_array_equal(stroke_thickness(x, np.random.default_rng(0), OFF), x)


def _neighbours(x: np.ndarray, op: np.ufunc) -> np.ndarray:
    p = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    return np.asarray(op.reduce([p[:, 1:-1, 1:-1], p[:, :-2, 1:-1], p[:, 2:, 1:-1], p[:, 1:-1, :-2], p[:, 1:-1, 2:]]))


def _augment_before_the_split(images: np.ndarray, rng: np.random.Generator, config: AugmentConfig) -> np.ndarray:
    """Frozen copy of ``augment_batch`` as it was before sampling and applying were split and made faster."""
    n, h, w, _ = images.shape
    angle = np.deg2rad(rng.uniform(-config.max_rotation, config.max_rotation, n))
    scale = rng.uniform(config.scale_range[0], config.scale_range[1], n)
    shear = rng.uniform(-config.max_shear, config.max_shear, n)
    shift = rng.uniform(-config.max_shift, config.max_shift, (n, 2))
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    a00, a01 = cos, -sin + shear * cos
    a10, a11 = sin, cos + shear * sin
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    dy = (rows - cy).reshape(1, -1) - shift[:, :1]
    dx = (cols - cx).reshape(1, -1) - shift[:, 1:]
    src_r = a00[:, None] * dy + a01[:, None] * dx + cy
    src_c = a10[:, None] * dy + a11[:, None] * dx + cx
    padded = np.zeros((n, h + 2, w + 2), dtype=np.float32)
    padded[:, 1:-1, 1:-1] = images[..., 0]
    flat = padded.reshape(n, -1)
    src_r = np.clip(src_r, -1.0, h) + 1.0
    src_c = np.clip(src_c, -1.0, w) + 1.0
    r0 = np.minimum(np.floor(src_r).astype(np.int32), h)
    c0 = np.minimum(np.floor(src_c).astype(np.int32), w)
    fr = (src_r - r0).astype(np.float32)
    fc = (src_c - c0).astype(np.float32)
    stride = w + 2
    base = r0 * stride + c0
    top = np.take_along_axis(flat, base, 1) * (1 - fc) + np.take_along_axis(flat, base + 1, 1) * fc
    bottom = (
        np.take_along_axis(flat, base + stride, 1) * (1 - fc)
        + np.take_along_axis(flat, base + stride + 1, 1) * fc
    )
    warped = np.asarray(top * (1 - fr) + bottom * fr, dtype=np.float32).reshape(n, h, w, 1)
    u = rng.random(n)
    thick = np.asarray(u < config.thicken_prob)
    thin = np.asarray((u >= config.thicken_prob) & (u < config.thicken_prob + config.thin_prob))
    out = warped
    if thick.any():
        out = out.copy()
        out[thick] = np.maximum(warped[thick], 0.85 * _neighbours(warped[thick], np.maximum))
    if thin.any():
        out = out.copy() if out is warped else out
        out[thin] = 0.5 * warped[thin] + 0.5 * _neighbours(warped[thin], np.minimum)
    return np.clip(out, 0.0, 1.0, out=out)


BOTH_STROKES = AugmentConfig(thicken_prob=0.35, thin_prob=0.35)


@pytest.mark.parametrize("config", [AugmentConfig(), BOTH_STROKES], ids=["default", "strokes"])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_augment_batch_gives_the_same_bits_and_draws_as_before_the_split(config: AugmentConfig, seed: int) -> None:
    x = digits(37, seed)
    before_rng, rng = np.random.default_rng(seed), np.random.default_rng(seed)
    expected = _augment_before_the_split(x, before_rng, config)
    out = augment_batch(x, rng, config)
    assert out.dtype == expected.dtype and out.tobytes() == expected.tobytes()
    assert rng.random() == before_rng.random(), "the generator advanced by exactly as many draws as before"


def test_sample_then_apply_is_augment_batch_and_draws_what_it_draws() -> None:
    x = digits(20)
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    params = sample_augmentation(len(x), rng_a, BOTH_STROKES)
    assert len(params) == 20 and params.shift.shape == (20, 2)
    out = apply_augmentation(x, params, BOTH_STROKES)
    assert out.tobytes() == augment_batch(x, rng_b, BOTH_STROKES).tobytes()
    assert rng_a.random() == rng_b.random()


@pytest.mark.parametrize("config", [BOTH_STROKES, AugmentConfig(elastic=1.0)], ids=["strokes", "elastic"])
@pytest.mark.parametrize("cuts", [[0, 13, 26, 40], [0, 1, 40], [0, 20, 21, 39, 40]])
def test_augmenting_slices_with_their_params_gives_the_whole_batch_bits(
    cuts: list[int], config: AugmentConfig
) -> None:
    """What lets worker processes each augment their slice of a batch: slice by slice == whole, bit for bit."""
    x = digits(40, 4)
    params = sample_augmentation(len(x), np.random.default_rng(11), config)
    whole = apply_augmentation(x, params, config)
    bounds = zip(cuts[:-1], cuts[1:], strict=True)
    parts = [apply_augmentation(x[a:b], params.subset(slice(a, b)), config) for a, b in bounds]
    assert np.concatenate(parts).tobytes() == whole.tobytes()
    assert not np.array_equal(whole, x)


def test_params_travel_as_one_float64_array_without_losing_a_bit() -> None:
    params = sample_augmentation(9, np.random.default_rng(2))
    array = params.to_array()
    assert array.shape == (9, AugmentParams.FIELDS) and array.dtype == np.float64
    back = AugmentParams.from_array(array)
    for name in ("angle", "scale", "shear", "shift", "stroke"):
        np.testing.assert_array_equal(getattr(back, name), getattr(params, name))
    out = np.zeros((12, AugmentParams.FIELDS))
    params.to_array(out[:9])
    np.testing.assert_array_equal(out[:9], array)


def test_apply_refuses_params_of_another_batch_size() -> None:
    params = sample_augmentation(3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="3 augmentation draws for 4 images"):
        apply_augmentation(digits(4), params)

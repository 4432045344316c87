"""convlens.gui.render: colour maps with fixed levels, the diverging filter map, tiling, and golden images.

The golden PNGs live in tests/gui/golden/.  To regenerate them after an intended change, run
``CONVLENS_UPDATE_GOLDEN=1 pytest tests/gui/test_render.py`` and look at the new files.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convlens.gui import render as R
from convlens.gui.panels import choose_columns, fit_heights
from convlens.services import samples

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CONVLENS_UPDATE_GOLDEN") == "1"
TOLERANCE = 2
"""Largest per-channel difference allowed between a rendering and its golden image."""


def _check_golden(name: str, rgba: np.ndarray) -> None:
    assert rgba.dtype == np.uint8 and rgba.ndim == 3 and rgba.shape[2] == 4
    path = GOLDEN / f"{name}.png"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rgba, "RGBA").save(path)
        pytest.skip(f"regenerated {path.name}")
    assert path.is_file(), f"missing golden image {path}; run with CONVLENS_UPDATE_GOLDEN=1"
    expected = np.asarray(Image.open(path).convert("RGBA"))
    assert expected.shape == rgba.shape
    diff = np.abs(expected.astype(int) - rgba.astype(int))
    assert diff.max() <= TOLERANCE, f"{name}: {np.count_nonzero(diff.max(axis=2) > TOLERANCE)} pixels differ"


def _smooth_maps(n: int, size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1)
    maps = []
    for _ in range(n):
        cy, cx, s = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.1, 0.4)
        maps.append(2.5 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s)))
    return np.asarray(maps, dtype=np.float32)


def test_golden_sequential_ramp() -> None:
    ramp = np.tile(np.linspace(-0.5, 1.5, 64, dtype=np.float32), (8, 1))
    _check_golden("sequential_ramp", R.apply_lut(ramp, R.SEQUENTIAL_LUT, (0.0, 1.0)))


def test_golden_feature_map_grid() -> None:
    maps = _smooth_maps(16, 14, seed=1)
    rgba = R.apply_lut(maps, R.SEQUENTIAL_LUT, (0.0, 2.0))
    mosaic = R.tile_grid(rgba, cols=8, pad=1, fill=(43, 47, 55, 255))
    assert mosaic.shape == (2 * 15 - 1, 8 * 15 - 1, 4)
    _check_golden("feature_map_grid", R.upscale_nearest(mosaic, 2))


def test_golden_diverging_filters() -> None:
    rng = np.random.default_rng(7)
    w = rng.normal(0.0, 0.3, size=(5, 5, 1, 16)).astype(np.float32)
    stack = R.filter_views(w, "channel", 0)
    mosaic = R.tile_grid(R.diverging_rgba(stack, R.symmetric_limit(stack)), cols=8, pad=1, fill=(43, 47, 55, 255))
    _check_golden("diverging_filters", R.upscale_nearest(mosaic, 3))


def test_golden_legend() -> None:
    _check_golden("diverging_legend", R.legend_rgba(R.DIVERGING_LUT, 96, 6))


def test_apply_lut_uses_the_given_levels_and_saturates() -> None:
    lut = R.make_lut([(0, 0, 0), (255, 255, 255)], 256)
    out = R.apply_lut(np.array([-1.0, 0.0, 0.5, 1.0, 3.0, np.nan]), lut, (0.0, 1.0))
    assert out.shape == (6, 4)
    np.testing.assert_array_equal(out[:, 0], [0, 0, 128, 255, 255, 0])
    # fixed levels: half the values give half the brightness (no per-image autoscale)
    assert R.apply_lut(np.array([0.25]), lut, (0.0, 1.0))[0, 0] == 64
    with pytest.raises(ValueError):
        R.apply_lut(np.zeros(3), lut, (1.0, 1.0))


def test_diverging_map_is_white_at_zero_blue_below_red_above() -> None:
    out = R.diverging_rgba(np.array([-2.0, 0.0, 2.0]), 2.0)
    neg, zero, pos = out[:, :3].astype(int)
    assert (zero == [247, 247, 247]).all()
    assert neg[2] > neg[0] and pos[0] > pos[2]
    assert R.DIVERGING_LUT.shape == (257, 4)


def test_tile_at_inverts_tile_grid() -> None:
    tiles = np.arange(7 * 3 * 4, dtype=np.float32).reshape(7, 3, 4) + 1
    mosaic = R.tile_grid(tiles, cols=3, pad=2, fill=-1)
    assert mosaic.shape == (3 * 5 - 2, 3 * 6 - 2)
    for y in range(mosaic.shape[0]):
        for x in range(mosaic.shape[1]):
            hit = R.tile_at(y + 0.5, x + 0.5, 7, (3, 4), 3, 2)
            if hit is None:
                assert mosaic[y, x] == -1
            else:
                index, r, c = hit
                assert mosaic[y, x] == tiles[index, r, c]
                assert R.tile_rect(index, (3, 4), 3, 2)[:2] == (y - r, x - c)
    assert R.tile_at(-0.1, 2, 7, (3, 4), 3, 2) is None


def test_filter_views_shapes_and_values() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 3, 16, 32)).astype(np.float32)
    assert R.filter_views(w, "mean_abs").shape == (32, 3, 3)
    np.testing.assert_allclose(R.filter_views(w, "mean_abs")[4], np.abs(w[:, :, :, 4]).mean(axis=2), rtol=1e-6)
    np.testing.assert_array_equal(R.filter_views(w, "channel", 9)[4], w[:, :, 9, 4])
    every = R.filter_views(w, "all")
    assert every.shape == (16 * 32, 3, 3)
    np.testing.assert_array_equal(every[9 * 32 + 4], w[:, :, 9, 4])  # input-channel-major
    strongest = R.strongest_channels(w)
    picked = R.filter_views(w, "channel_per_filter", channels=strongest)
    k = 11
    np.testing.assert_array_equal(picked[k], w[:, :, strongest[k], k])
    assert np.abs(w[:, :, strongest[k], k]).sum() == pytest.approx(np.abs(w[:, :, :, k]).sum(axis=(0, 1)).max())
    with pytest.raises(ValueError):
        R.filter_views(w, "channel", 16)


def test_maps_to_stack_is_channel_first() -> None:
    act = np.arange(2 * 3 * 4, dtype=np.float32).reshape(1, 2, 3, 4)
    stack = R.maps_to_stack(act)
    assert stack.shape == (4, 2, 3)
    np.testing.assert_array_equal(stack[2], act[0, :, :, 2])


def test_the_sample_strokes_and_the_rasterizer_are_the_services_ones() -> None:
    # One stroke set and one rasterizer (tested in tests/services/test_samples.py); render re-exports them.
    assert R.SAMPLE_STROKES is samples.SAMPLE_STROKES
    assert R.rasterize_strokes is samples.rasterize_strokes


def test_choose_columns_makes_tiles_as_large_as_the_space_allows() -> None:
    assert choose_columns([16, 32], width=800, height=130) == 16  # wide and short: long rows
    assert choose_columns([16, 32], width=500, height=400) == 8  # squarer space: more rows
    assert choose_columns([16, 16, 32, 32], width=800, height=330) == 16
    assert choose_columns([10], width=100, height=1000) == 1


def test_fit_heights_keeps_aspect_and_fits() -> None:
    assert fit_heights([0.25, 0.5], width=400, height=1000) == [100.0, 200.0]
    hs = fit_heights([0.25, 0.5], width=400, height=150)
    assert sum(hs) == pytest.approx(150) and hs[1] == pytest.approx(2 * hs[0])

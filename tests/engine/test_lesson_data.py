"""convlens.engine.lesson_data: the lecture's numbers, reproduced through convlens.engine.ops."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convlens.engine import lesson_data as L
from convlens.engine import ops
from convlens.resources import assets_dir

# The 9x9 X exactly as the lecture prints it (independent of lecture_x_image's loop).
LECTURE_X_ROWS = [
    "-1 -1 -1 -1 -1 -1 -1 -1 -1",
    "-1  1 -1 -1 -1 -1 -1  1 -1",
    "-1 -1  1 -1 -1 -1  1 -1 -1",
    "-1 -1 -1  1 -1  1 -1 -1 -1",
    "-1 -1 -1 -1  1 -1 -1 -1 -1",
    "-1 -1 -1  1 -1  1 -1 -1 -1",
    "-1 -1  1 -1 -1 -1  1 -1 -1",
    "-1  1 -1 -1 -1 -1 -1  1 -1",
    "-1 -1 -1 -1 -1 -1 -1 -1 -1",
]


def test_lecture_x_image_is_the_printed_x() -> None:
    expected = np.array([[int(v) for v in row.split()] for row in LECTURE_X_ROWS], dtype=float)
    assert np.array_equal(L.lecture_x_image(), expected)


@pytest.mark.parametrize(
    ("value", "printed"),
    [(7 / 9, "0.77"), (-1 / 9, "-0.11"), (5 / 9, "0.55"), (1.0, "1.00"), (-3 / 9, "-0.33"), (0.29, "0.29"),
     (-0.001, "0.00"), (float("nan"), "")],
)
def test_format2_truncates_like_the_lecture(value: float, printed: str) -> None:
    assert L.format2(value) == printed


def test_truncate2_truncates_towards_zero_and_keeps_shape() -> None:
    out = L.truncate2(np.array([[0.779, -0.779], [0.2, -0.0001]]))
    assert out.shape == (2, 2)
    assert np.array_equal(out, [[0.77, -0.77], [0.2, 0.0]])
    assert not np.signbit(out[1, 1])


def test_lecture_table_is_the_printed_7x7_and_comes_from_ops_conv2d(
    count_ops_calls: Callable[[str], list[int]],
) -> None:
    calls = count_ops_calls("conv2d")
    table = L.lecture_table()
    assert calls[0] >= 1
    assert table.shape == (7, 7)
    assert np.array_equal(L.truncate2(table), L.LECTURE_TABLE_7X7)
    assert np.allclose(np.diag(table)[[1, 2, 4, 5]], 1.0)  # along the X's stroke the filter matches exactly
    assert table[3, 3] == pytest.approx(5 / 9)  # where the strokes cross it does not


def test_second_filter_makes_the_lectures_3_3_1_2_tensor() -> None:
    stacked = np.stack([L.DIAGONAL_FILTER, L.SECOND_FILTER], axis=-1)[:, :, None, :]
    assert stacked.shape == (3, 3, 1, 2)
    out = ops.conv2d(L.lecture_x_image()[None, :, :, None], stacked)
    assert out.shape == (1, 7, 7, 2)  # the lecture's (-, 9, 9, 1) * (3, 3, 1, 2) -> (-, 7, 7, 2)


def test_window_on_the_diagonal_sums_to_nine_ninths() -> None:
    step = L.conv2d_step(L.lecture_x_image(), L.DIAGONAL_FILTER, 1, 1, divisor=9)
    assert np.array_equal(step.products, np.ones((3, 3)))
    assert step.total == 9.0
    assert L.format2(step.value) == "1.00"


def test_window_off_the_diagonal_is_the_lectures_0_55_example() -> None:
    step = L.conv2d_step(L.lecture_x_image(), L.DIAGONAL_FILTER, 3, 3, divisor=9)
    assert np.array_equal(step.products, [[1, 1, -1], [1, 1, 1], [-1, 1, 1]])  # as the lecture prints them
    assert L.format2(step.value) == "0.55"


def test_window_products_are_elementwise_and_come_from_ops(count_ops_calls: Callable[[str], list[int]]) -> None:
    rng = np.random.default_rng(0)
    window, kernel = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    calls = count_ops_calls("conv2d")
    products = L.window_products(window, kernel)
    assert calls[0] == 1
    np.testing.assert_allclose(products, window * kernel, rtol=1e-12)


def test_conv2d_trace_builds_the_whole_table_in_row_order() -> None:
    x, k = L.lecture_x_image(), L.DIAGONAL_FILTER
    steps = L.conv2d_trace(x, k, divisor=9)
    assert [(s.row, s.col) for s in steps[:8]] == [(0, c) for c in range(7)] + [(1, 0)]
    table = np.array([s.value for s in steps]).reshape(7, 7)
    np.testing.assert_allclose(table, L.lecture_table())
    for s in steps:
        assert s.products.sum() == pytest.approx(s.total)


@pytest.mark.parametrize("stride", L.LECTURE_STRIDES)
@pytest.mark.parametrize("padding", L.PADDINGS)
def test_conv2d_steps_match_ops_for_every_stride_and_padding(stride: tuple[int, int], padding: str) -> None:
    rng = np.random.default_rng(1)
    image, kernel = rng.normal(size=(9, 9)), rng.normal(size=(3, 3))
    full = L.conv2d_map(image, kernel, stride, padding)
    steps = L.conv2d_trace(image, kernel, stride, padding)
    np.testing.assert_allclose(np.array([s.total for s in steps]).reshape(full.shape), full, atol=1e-12)
    (text_h, h_out), (_, w_out) = (L.output_length_formula(9, 3, s, padding) for s in stride)
    assert (h_out, w_out) == full.shape
    assert text_h.endswith(f"= {h_out}")


def test_output_length_formula_text() -> None:
    assert L.output_length_formula(9, 3, 2, "valid") == ("floor((9 - 3) / 2) + 1 = 4", 4)
    assert L.output_length_formula(9, 3, 3, "same") == ("ceil(9 / 3) = 3", 3)
    assert L.output_length_formula(28, 5, 1, "same") == ("ceil(28 / 1) = 28", 28)


def test_padded_marks_the_zeros_ops_adds() -> None:
    values, mask = L.padded(np.ones((9, 9)), (3, 3), (1, 1), "same")
    assert values.shape == (11, 11)
    assert mask.sum() == 11 * 11 - 81
    assert np.all(values[mask] == 0) and np.all(values[~mask] == 1)
    values, mask = L.padded(np.ones((9, 9)), (3, 3), (2, 2), "valid")
    assert values.shape == (9, 9) and not mask.any()


def test_pooled_table_is_the_lectures_4x4(count_ops_calls: Callable[[str], list[int]]) -> None:
    calls = count_ops_calls("max_pool2d")
    pooled = L.pool_table(L.lecture_table(), (2, 2), (2, 2), "same")
    assert calls[0] == 1
    assert np.array_equal(L.truncate2(pooled), L.LECTURE_POOLED_4X4)
    valid = L.pool_table(L.lecture_table(), (2, 2), (2, 2), "valid")
    assert np.array_equal(L.truncate2(valid), L.LECTURE_POOLED_4X4[:3, :3])


def test_pool_step_picks_the_maximum_and_padding_never_wins() -> None:
    table = L.lecture_table()
    first = L.pool_step(table, 0, 0)
    assert first.maximum == pytest.approx(1.0) and first.argmax == (1, 1)
    corner = L.pool_step(table, 3, 3, padding="same")
    assert corner.window.shape == (2, 2)
    assert np.isneginf(corner.window).sum() == 3
    assert L.format2(corner.maximum) == "0.77" and corner.argmax == (0, 0)
    with pytest.raises(ValueError):
        L.pool_step(table, 3, 3, padding="valid")


def test_conv1d_trace_equals_numpy_convolve_and_comes_from_ops(count_ops_calls: Callable[[str], list[int]]) -> None:
    rng = np.random.default_rng(2)
    f, g = rng.normal(size=12), rng.normal(size=5)
    calls = count_ops_calls("conv1d")
    output, steps = L.conv1d_trace(f, g)
    assert calls[0] == 1 + g.size  # the whole output, then one product row per kernel tap
    np.testing.assert_allclose(output, np.convolve(f, g, mode="same"), atol=1e-12)
    assert [s.n for s in steps] == list(range(12))
    for s in steps:
        assert s.products.sum() == pytest.approx(s.total)
        for m, idx, fv, gv, p in zip(s.ms, s.f_indices, s.f_values, s.g_values, s.products, strict=True):
            assert idx == s.n - m
            expected_f = f[idx] if 0 <= idx < f.size else 0.0
            assert fv == expected_f and gv == g[m + 2]
            assert p == pytest.approx(expected_f * gv)


def test_kernel_and_signal_presets_are_well_formed() -> None:
    for g in L.KERNEL1D_PRESETS.values():
        assert g.ndim == 1 and g.size % 2 == 1
    for f in L.SIGNAL_PRESETS.values():
        assert f.shape == (16,)
    for k in L.KERNEL_PRESETS.values():
        assert k.shape == (3, 3)
    assert L.KERNEL_PRESETS["blur"].sum() == pytest.approx(1.0)
    assert L.KERNEL_PRESETS["edges_vertical"].sum() == 0 and L.KERNEL_PRESETS["edges_horizontal"].sum() == 0


def test_pixel_values_black_and_white_and_0_255() -> None:
    image = np.array([[0.0, 0.2, 0.5, 1.0]])
    assert np.array_equal(L.pixel_values(image, binary=False, scale255=True), [[0, 51, 128, 255]])
    assert np.array_equal(L.pixel_values(image, binary=True, scale255=False), [[0, 0, 1, 1]])
    assert np.array_equal(L.pixel_values(image, binary=True, scale255=True), [[0, 0, 255, 255]])
    assert np.array_equal(L.pixel_values(image, binary=False, scale255=False), image)


def test_tensor_examples_have_orders_0_to_4() -> None:
    examples = L.tensor_examples(np.zeros((28, 28)))
    assert [(order, arr.ndim) for order, arr in examples] == [(i, i) for i in range(5)]
    assert [arr.shape for _, arr in examples] == [(), (28,), (28, 28), (28, 28, 1), (1, 28, 28, 1)]


def test_first_layer_filters_picks_the_one_channel_conv() -> None:
    rng = np.random.default_rng(3)
    w1, w2 = rng.normal(size=(5, 5, 1, 4)), rng.normal(size=(3, 3, 4, 8))
    name, filters = L.first_layer_filters({"conv2": w2, "conv1": w1}) or ("", np.zeros(0))
    assert name == "conv1" and filters.shape == (4, 5, 5)
    np.testing.assert_array_equal(filters[2], w1[:, :, 0, 2])
    assert L.first_layer_filters({"conv2": w2}) is None


def test_colour_example_has_one_disc_per_channel_and_matches_the_asset() -> None:
    img = L.colour_example(32)
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8
    centres = {0: (12, 11), 1: (12, 21), 2: (21, 16)}  # red, green, blue (row, column)
    for channel, (r, c) in centres.items():
        assert img[r, c, channel] == 255
    assert img[0, 0].tolist() == [0, 0, 0]
    with Image.open(assets_dir() / "lesson" / "colour_example.png") as asset:
        assert np.array_equal(np.asarray(asset.convert("RGB")), img)


def test_lesson_data_does_not_import_qt(tmp_path: Path) -> None:
    code = (
        "import sys, convlens.engine.lesson_data; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6', 'gui', 'engine')"
        " or m.startswith('convlens.gui')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr

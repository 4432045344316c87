"""convlens.engine.ops pinned to the lecture's worked examples and to naive loop references (tests/engine/naive.py)."""

from __future__ import annotations

import naive
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convlens.engine import ops

# ------------------------------------------------------------------------------------------- lecture data

# The lecture's 9x9 "X": background -1, strokes +1 (rows copied from the lecture's table).
LECTURE_X = np.array(
    [
        [-1, -1, -1, -1, -1, -1, -1, -1, -1],
        [-1, 1, -1, -1, -1, -1, -1, 1, -1],
        [-1, -1, 1, -1, -1, -1, 1, -1, -1],
        [-1, -1, -1, 1, -1, 1, -1, -1, -1],
        [-1, -1, -1, -1, 1, -1, -1, -1, -1],
        [-1, -1, -1, 1, -1, 1, -1, -1, -1],
        [-1, -1, 1, -1, -1, -1, 1, -1, -1],
        [-1, 1, -1, -1, -1, -1, -1, 1, -1],
        [-1, -1, -1, -1, -1, -1, -1, -1, -1],
    ],
    dtype=np.float64,
)

# The lecture's diagonal filter.
LECTURE_DIAGONAL = np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=np.float64)
# The second filter of the lecture's (3, 3, 1, 2) conv layer.
LECTURE_SECOND_FILTER = np.array([[-1, 1, -1], [1, -1, 1], [1, -1, 1]], dtype=np.float64)

# The lecture's 7x7 result of the diagonal filter on the X (sum of products / 9, printed truncated to 2 decimals).
LECTURE_7X7 = np.array(
    [
        [0.77, -0.11, 0.11, 0.33, 0.55, -0.11, 0.33],
        [-0.11, 1.00, -0.11, 0.33, -0.11, 0.11, -0.11],
        [0.11, -0.11, 1.00, -0.33, 0.11, -0.11, 0.55],
        [0.33, 0.33, -0.33, 0.55, -0.33, 0.33, 0.33],
        [0.55, -0.11, 0.11, -0.33, 1.00, -0.11, 0.11],
        [-0.11, 0.11, -0.11, 0.33, -0.11, 1.00, -0.11],
        [0.33, -0.11, 0.55, 0.33, 0.11, -0.11, 0.77],
    ]
)

# The lecture's "MAX POOLING" result: 2x2 windows, stride 2, padded so that the 7x7 gives 4x4.
LECTURE_4X4 = np.array(
    [
        [1.00, 0.33, 0.55, 0.33],
        [0.33, 1.00, 0.33, 0.55],
        [0.55, 0.33, 1.00, 0.11],
        [0.33, 0.55, 0.11, 0.77],
    ]
)


def lecture_image() -> np.ndarray:
    """The X as an order-4 tensor ``(1, 9, 9, 1)``."""
    return LECTURE_X[None, :, :, None].copy()


def truncate2(values: np.ndarray) -> np.ndarray:
    """Truncate toward zero to two decimals, as the lecture prints 7/9 as 0.77 (small epsilon for float noise)."""
    return np.trunc(values * 100 + np.sign(values) * 1e-9) / 100


# ------------------------------------------------------------------------------------------- lecture tables


def test_lecture_x_with_diagonal_filter_gives_the_lecture_7x7_table() -> None:
    out = ops.conv2d(lecture_image(), LECTURE_DIAGONAL[:, :, None, None])
    assert out.shape == (1, 7, 7, 1)
    np.testing.assert_array_equal(truncate2(out[0, :, :, 0] / 9), LECTURE_7X7)


def test_lecture_centre_window_of_the_x_matches_the_filter_exactly() -> None:
    # The lecture's first worked step: the filter on the window it matches gives (1+...+1)/9 = 1.
    out = ops.conv2d(lecture_image(), LECTURE_DIAGONAL[:, :, None, None])[0, :, :, 0] / 9
    assert out[1, 1] == pytest.approx(1.0)
    assert out[0, 0] == pytest.approx(7 / 9)


def test_lecture_max_pooling_2x2_stride2_same_turns_7x7_into_the_lecture_4x4_table() -> None:
    pooled = ops.max_pool2d(LECTURE_7X7[None, :, :, None], size=(2, 2), stride=(2, 2), padding="same")
    assert pooled.shape == (1, 4, 4, 1)
    np.testing.assert_array_equal(pooled[0, :, :, 0], LECTURE_4X4)


def test_max_pooling_valid_drops_the_last_row_and_column_of_the_7x7() -> None:
    pooled = ops.max_pool2d(LECTURE_7X7[None, :, :, None], size=(2, 2), stride=(2, 2), padding="valid")
    np.testing.assert_array_equal(pooled[0, :, :, 0], LECTURE_4X4[:3, :3])


@pytest.mark.parametrize(
    ("stride", "padding", "expected_hw"),
    [
        ((1, 1), "valid", (7, 7)),
        ((1, 1), "same", (9, 9)),
        ((2, 2), "valid", (4, 4)),
        ((2, 2), "same", (5, 5)),
        ((3, 3), "valid", (3, 3)),
        ((3, 3), "same", (3, 3)),
        ((3, 1), "valid", (3, 7)),
        ((3, 1), "same", (3, 9)),
    ],
)
def test_lecture_strides_and_padding_give_the_expected_output_shape_on_the_9x9(
    stride: tuple[int, int], padding: str, expected_hw: tuple[int, int]
) -> None:
    out = ops.conv2d(lecture_image(), LECTURE_DIAGONAL[:, :, None, None], stride=stride, padding=padding)
    assert out.shape == (1, *expected_hw, 1)
    for axis, (length, s) in enumerate(zip((9, 9), stride, strict=True)):
        assert ops.conv_output_length(length, 3, s, padding) == expected_hw[axis]
    np.testing.assert_allclose(
        out, naive.conv2d_loops(lecture_image(), LECTURE_DIAGONAL[:, :, None, None], stride=stride, padding=padding)
    )


def test_lecture_stride_2_valid_samples_every_other_position_of_the_stride_1_map() -> None:
    full = ops.conv2d(lecture_image(), LECTURE_DIAGONAL[:, :, None, None])
    strided = ops.conv2d(lecture_image(), LECTURE_DIAGONAL[:, :, None, None], stride=(2, 2))
    np.testing.assert_allclose(strided, full[:, ::2, ::2, :])


def test_lecture_same_padding_keeps_9x9_and_its_interior_is_the_valid_map() -> None:
    same = ops.conv2d(lecture_image(), LECTURE_DIAGONAL[:, :, None, None], padding="same")
    valid = ops.conv2d(lecture_image(), LECTURE_DIAGONAL[:, :, None, None], padding="valid")
    assert same.shape == (1, 9, 9, 1)
    np.testing.assert_allclose(same[:, 1:-1, 1:-1, :], valid)


def test_lecture_two_filter_conv_layer_gives_7x7x2_and_stacking_a_3x3x2x2_conv_gives_5x5x2() -> None:
    filters = np.stack([LECTURE_DIAGONAL, LECTURE_SECOND_FILTER], axis=-1)[:, :, None, :]  # (3, 3, 1, 2)
    assert filters.shape == (3, 3, 1, 2)
    first = ops.conv2d(lecture_image(), filters)
    assert first.shape == (1, 7, 7, 2)
    np.testing.assert_array_equal(truncate2(first[0, :, :, 0] / 9), LECTURE_7X7)
    np.testing.assert_allclose(first, naive.conv2d_loops(lecture_image(), filters))
    second_filters = np.random.default_rng(0).standard_normal((3, 3, 2, 2))  # channels must match: 2 in
    second = ops.conv2d(first, second_filters)
    assert second.shape == (1, 5, 5, 2)
    np.testing.assert_allclose(second, naive.conv2d_loops(first, second_filters), rtol=1e-12)


def test_conv2d_adds_one_bias_per_filter() -> None:
    filters = np.stack([LECTURE_DIAGONAL, LECTURE_SECOND_FILTER], axis=-1)[:, :, None, :]
    bias = np.array([0.5, -2.0])
    np.testing.assert_allclose(ops.conv2d(lecture_image(), filters, bias), ops.conv2d(lecture_image(), filters) + bias)


# ------------------------------------------------------------------------------------------------ conv1d


def test_conv1d_small_worked_example() -> None:
    # f = [1, 2, 3], g = [g(-1), g(0), g(1)] = [0, 1, 0.5]: (f*g)[n] = f[n+1] g(-1) + f[n] g(0) + f[n-1] g(1).
    out = ops.conv1d(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    np.testing.assert_allclose(out, [1.0, 2.5, 4.0])


@settings(max_examples=40, deadline=None)
@given(
    f=st.lists(st.floats(-10, 10, allow_nan=False, width=32), min_size=1, max_size=12),
    g=st.lists(st.floats(-10, 10, allow_nan=False, width=32), min_size=1, max_size=7).filter(lambda v: len(v) % 2),
)
def test_conv1d_equals_the_lecture_definition_and_numpy_convolve_same(f: list[float], g: list[float]) -> None:
    fa, ga = np.array(f, dtype=np.float64), np.array(g, dtype=np.float64)
    out = ops.conv1d(fa, ga)
    assert out.shape == fa.shape
    np.testing.assert_allclose(out, naive.conv1d_definition(fa, ga), rtol=1e-9, atol=1e-9)
    if len(ga) <= len(fa):  # numpy returns max(len(f), len(g)) samples otherwise
        np.testing.assert_allclose(out, np.convolve(fa, ga, mode="same"), rtol=1e-9, atol=1e-9)


def test_conv1d_is_a_convolution_not_a_correlation() -> None:
    # An asymmetric kernel tells the two apart: a unit impulse comes out as the kernel itself (not mirrored).
    impulse = np.array([0.0, 0.0, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(ops.conv1d(impulse, np.array([1.0, 2.0, 3.0])), [0.0, 1.0, 2.0, 3.0, 0.0])


@pytest.mark.parametrize("length", [2, 4])
def test_conv1d_rejects_even_kernels(length: int) -> None:
    with pytest.raises(ValueError, match="odd"):
        ops.conv1d(np.arange(6.0), np.ones(length))


# ------------------------------------------------------------------------------- conv2d / max_pool2d vs loops

shape_params = st.fixed_dictionaries(
    {
        "n": st.integers(1, 2),
        "h": st.integers(1, 7),
        "w": st.integers(1, 7),
        "c_in": st.integers(1, 3),
        "c_out": st.integers(1, 3),
        "kh": st.integers(1, 4),
        "kw": st.integers(1, 4),
        "sh": st.integers(1, 3),
        "sw": st.integers(1, 3),
        "padding": st.sampled_from(["valid", "same"]),
        "seed": st.integers(0, 2**16),
    }
)


def _fits(p: dict[str, int | str]) -> bool:
    return p["padding"] == "same" or (p["kh"] <= p["h"] and p["kw"] <= p["w"])  # type: ignore[operator]


@settings(max_examples=40, deadline=None)
@given(p=shape_params)
def test_conv2d_matches_naive_loops_over_shapes_strides_and_paddings(p: dict) -> None:
    rng = np.random.default_rng(p["seed"])
    x = rng.standard_normal((p["n"], p["h"], p["w"], p["c_in"]))
    w = rng.standard_normal((p["kh"], p["kw"], p["c_in"], p["c_out"]))
    b = rng.standard_normal(p["c_out"])
    stride = (p["sh"], p["sw"])
    if not _fits(p):
        with pytest.raises(ValueError):
            ops.conv2d(x, w, b, stride=stride, padding=p["padding"])
        return
    out = ops.conv2d(x, w, b, stride=stride, padding=p["padding"])
    expected = naive.conv2d_loops(x, w, b, stride=stride, padding=p["padding"])
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(p=shape_params)
def test_max_pool2d_matches_naive_loops_over_shapes_strides_and_paddings(p: dict) -> None:
    rng = np.random.default_rng(p["seed"])
    x = rng.standard_normal((p["n"], p["h"], p["w"], p["c_in"]))
    size, stride = (p["kh"], p["kw"]), (p["sh"], p["sw"])
    if not _fits(p):
        with pytest.raises(ValueError):
            ops.max_pool2d(x, size=size, stride=stride, padding=p["padding"])
        return
    out = ops.max_pool2d(x, size=size, stride=stride, padding=p["padding"])
    expected = naive.max_pool2d_loops(x, size=size, stride=stride, padding=p["padding"])
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out, expected)
    assert np.all(np.isfinite(out)), "padding must never win the max"


def test_max_pool_same_padding_never_wins_even_on_all_negative_maps() -> None:
    x = -5.0 - np.arange(49, dtype=np.float64).reshape(1, 7, 7, 1)
    out = ops.max_pool2d(x, size=(2, 2), stride=(2, 2), padding="same")
    np.testing.assert_array_equal(out, naive.max_pool2d_loops(x, (2, 2), (2, 2), "same"))
    assert out.max() < 0


def test_conv2d_float32_matches_loops_within_float32_precision() -> None:
    rng = np.random.default_rng(3)
    x = rng.random((2, 8, 8, 3), dtype=np.float32)
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    out = ops.conv2d(x, w, stride=(2, 1), padding="same")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, naive.conv2d_loops(x, w, stride=(2, 1), padding="same"), rtol=1e-5, atol=1e-5)


def test_conv2d_accepts_int_stride_as_a_pair() -> None:
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((1, 9, 9, 1)), rng.standard_normal((3, 3, 1, 1))
    np.testing.assert_array_equal(ops.conv2d(x, w, stride=2), ops.conv2d(x, w, stride=(2, 2)))


def test_float64_in_gives_float64_out() -> None:
    x = lecture_image()
    assert ops.conv2d(x, LECTURE_DIAGONAL[:, :, None, None]).dtype == np.float64
    assert ops.max_pool2d(x).dtype == np.float64
    assert ops.conv1d(LECTURE_X[0], np.ones(3)).dtype == np.float64
    assert ops.softmax(np.zeros((2, 10))).dtype == np.float64


def test_float32_in_gives_float32_out() -> None:
    x = lecture_image().astype(np.float32)
    w = LECTURE_DIAGONAL[:, :, None, None].astype(np.float32)
    assert ops.conv2d(x, w, np.zeros(1, np.float32)).dtype == np.float32
    assert ops.max_pool2d(x, padding="same").dtype == np.float32


# ------------------------------------------------------------------------------------------------ errors


def test_conv2d_wrong_channel_count_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match="channel"):
        ops.conv2d(np.zeros((1, 9, 9, 3)), np.zeros((3, 3, 1, 2)))


@pytest.mark.parametrize("padding", ["SAME", "full", "", "causal"])
def test_bad_padding_string_is_a_clear_value_error(padding: str) -> None:
    with pytest.raises(ValueError, match="padding"):
        ops.conv2d(lecture_image(), np.zeros((3, 3, 1, 1)), padding=padding)
    with pytest.raises(ValueError, match="padding"):
        ops.max_pool2d(lecture_image(), padding=padding)


def test_kernel_larger_than_image_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        ops.conv2d(np.zeros((1, 4, 4, 1)), np.zeros((5, 5, 1, 1)))
    with pytest.raises(ValueError, match="does not fit"):
        ops.max_pool2d(np.zeros((1, 2, 2, 1)), size=(3, 3), stride=(1, 1))


@pytest.mark.parametrize("bad", [(0, 1), (1, -2), (1, 2, 3)])
def test_nonpositive_or_malformed_strides_are_value_errors(bad: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="stride"):
        ops.conv2d(lecture_image(), np.zeros((3, 3, 1, 1)), stride=bad)  # type: ignore[arg-type]


def test_non_nhwc_input_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match="N, H, W, C"):
        ops.conv2d(LECTURE_X, LECTURE_DIAGONAL[:, :, None, None])
    with pytest.raises(ValueError, match="N, H, W, C"):
        ops.max_pool2d(LECTURE_X)


# ---------------------------------------------------------------------------------------------- softmax


def test_softmax_rows_sum_to_one_and_survive_huge_logits() -> None:
    logits = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    p = ops.softmax(logits)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(p[1], e / e.sum())

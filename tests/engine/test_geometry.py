"""convlens.engine.geometry: output sizes, padding amounts and window views, against loops (tests/engine/naive.py)."""

from __future__ import annotations

import naive
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convlens.engine import geometry as G


@given(length=st.integers(0, 40), window=st.integers(1, 7), stride=st.integers(1, 5))
def test_output_length_and_pads_match_the_counted_windows(length: int, window: int, stride: int) -> None:
    assert G.conv_output_length(length, window, stride, "valid") == naive.valid_length(length, window, stride)
    assert G.pad_amounts(length, window, stride, "valid") == (0, 0)
    out, before, after = naive.same_padding(length, window, stride)
    assert G.conv_output_length(length, window, stride, "same") == out
    assert G.pad_amounts(length, window, stride, "same") == (before, after)


def test_same_padding_puts_the_odd_zero_at_the_end() -> None:
    assert G.pad_amounts(28, 2, 2, "same") == (0, 0)
    assert G.pad_amounts(7, 2, 2, "same") == (0, 1)  # the lecture's 7x7 table pooled to 4x4
    assert G.pad_amounts(9, 4, 1, "same") == (1, 2)
    assert G.spatial_pads((7, 9), (2, 4), (2, 1), "same") == ((0, 1), (1, 2))
    assert G.output_hw((7, 9), (2, 4), (2, 1), "same") == (4, 9)


def test_window_view_is_every_window_without_a_copy() -> None:
    x = np.arange(2 * 6 * 7 * 3, dtype=np.float64).reshape(2, 6, 7, 3)
    out_hw = G.output_hw((6, 7), (3, 2), (2, 3), "valid")
    view = G.window_view(x, (3, 2), (2, 3), out_hw)
    assert view.shape == (2, *out_hw, 3, 2, 3) and np.shares_memory(view, x) and not view.flags.writeable
    for i in range(out_hw[0]):
        for j in range(out_hw[1]):
            np.testing.assert_array_equal(view[:, i, j], x[:, 2 * i : 2 * i + 3, 3 * j : 3 * j + 2])


def test_pad_nhwc_pads_only_rows_and_columns() -> None:
    x = np.ones((2, 3, 4, 5))
    assert G.pad_nhwc(x, ((0, 0), (0, 0))) is x
    padded = G.pad_nhwc(x, ((1, 2), (0, 1)), -np.inf)
    assert padded.shape == (2, 6, 5, 5)
    assert np.isneginf(padded[:, 0]).all() and np.isneginf(padded[:, :, -1]).all()
    np.testing.assert_array_equal(padded[:, 1:4, :4], x)


@pytest.mark.parametrize(
    "hw,size,stride,tiles",
    [((28, 28), (2, 2), (2, 2), True), ((7, 7), (2, 2), (2, 2), False), ((6, 6), (3, 3), (2, 2), False),
     ((0, 4), (2, 2), (2, 2), False), ((6, 4), (3, 2), (3, 2), True)],
)
def test_pool_windows_tile(hw: tuple[int, int], size: tuple[int, int], stride: tuple[int, int], tiles: bool) -> None:
    assert G.pool_windows_tile(hw, size, stride) is tiles


def test_arguments_are_checked_with_messages_naming_them() -> None:
    assert G.as_pair(3, "stride") == (3, 3) and G.as_pair([2, 1], "kernel") == (2, 1)
    assert G.as_pair(np.int64(2), "size") == (2, 2)
    with pytest.raises(ValueError, match="stride must be positive"):
        G.as_pair((1, 0), "stride")
    with pytest.raises(ValueError, match="kernel must be an int or a pair"):
        G.as_pair((1, 2, 3), "kernel")
    with pytest.raises(ValueError, match='padding must be "valid" or "same"'):
        G.check_padding("full")
    with pytest.raises(ValueError, match=r"order-4 tensor \(N, H, W, C\)"):
        G.check_nhwc(np.zeros((3, 3)))

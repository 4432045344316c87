"""Other ways of writing (``engine.writing_styles``): the flag and foot of a 1, the bar of a 7, where they belong."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from convlens.engine import drawn
from convlens.engine.pen import PenStyle, TracedDigits
from convlens.engine.writing_styles import MIN_HEIGHT, WritingStyles, add_style_strokes

ALL = WritingStyles(one_flag=1.0, one_foot=1.0, seven_bar=1.0)


def traced_of(lines_per_digit: list[list[list[tuple[float, float]]]]) -> TracedDigits:
    """TracedDigits from polylines per digit (no extensions: each line's arc is its whole length)."""
    points, starts, digit, arcs = [], [0], [], []
    for i, lines in enumerate(lines_per_digit):
        for line in lines:
            pts = np.asarray(line, np.float32)
            points.append(pts)
            starts.append(starts[-1] + len(pts))
            digit.append(i)
            arcs.append((0.0, float(np.sum(np.hypot(*np.diff(pts, axis=0).T)))))
    return TracedDigits(
        points=np.concatenate(points) if points else np.zeros((0, 2), np.float32),
        line_start=np.asarray(starts, np.int64),
        line_digit=np.asarray(digit, np.int64),
        line_arc=np.asarray(arcs, np.float32).reshape(-1, 2),
        line_moves=np.ones((len(digit), 2), bool),
        n=len(lines_per_digit),
    )


ONE = [[(14.0, 4.0), (14.0, 14.0), (14.0, 24.0)]]
SEVEN = [[(8.0, 4.0), (20.0, 4.0)], [(20.0, 4.0), (14.0, 14.0), (10.0, 24.0)]]
THREE = [[(8.0, 4.0), (20.0, 8.0), (12.0, 14.0), (20.0, 20.0), (8.0, 24.0)]]


def added_lines(before: TracedDigits, after: TracedDigits, digit: int) -> list[np.ndarray]:
    return after.polylines(digit)[len(before.polylines(digit)) :]


def test_a_one_gets_a_flag_from_its_top_and_a_foot_through_its_bottom() -> None:
    traced = traced_of([THREE, ONE, SEVEN])
    styled = add_style_strokes(traced, np.array([3, 1, 7]), np.random.default_rng(0), ALL)
    flag, foot = added_lines(traced, styled, 1)
    np.testing.assert_allclose(flag[0], (14.0, 4.0))  # starts at the top of the stroke
    dx, dy = flag[1] - flag[0]
    assert dx < 0 < dy  # down and to the left
    assert 25.0 <= np.degrees(np.arctan2(dy, -dx)) <= 60.0 and 0.3 * 20 <= np.hypot(dx, dy) <= 0.5 * 20 + 1e-4
    assert foot[0][1] == foot[1][1] == 24.0 and foot[0][0] < 14.0 < foot[1][0]  # level, through the lowest point
    # nothing added to the 3; the digits' own lines are untouched and come first; added ends never move
    assert len(styled.polylines(0)) == len(traced.polylines(0))
    for d in range(3):
        for a, b in zip(traced.polylines(d), styled.polylines(d), strict=False):
            np.testing.assert_array_equal(a, b)
    assert np.all(np.diff(styled.line_digit) >= 0) and styled.n == traced.n
    assert styled.line_moves.sum() == traced.line_moves.sum()  # the added lines' ends never move


def test_a_seven_gets_a_bar_across_its_stem() -> None:
    traced = traced_of([SEVEN])
    styled = add_style_strokes(traced, np.array([7]), np.random.default_rng(3), ALL)
    (bar,) = added_lines(traced, styled, 0)
    mid = bar.mean(axis=0)
    assert 4.0 + 0.45 * 20 - 1e-4 <= mid[1] <= 4.0 + 0.62 * 20 + 1e-4  # below the top, around the middle
    stem_x = np.interp(mid[1], [4.0, 14.0, 24.0], [20.0, 14.0, 10.0])
    assert abs(mid[0] - stem_x) < 1.5  # centred on the stem
    half = np.hypot(*(bar[1] - bar[0])) / 2
    assert 0.12 * 20 - 1e-4 <= half <= 0.28 * 20 + 1e-4
    assert abs(np.degrees(np.arctan2(bar[1][1] - bar[0][1], bar[1][0] - bar[0][0]))) <= 6.0 + 1e-4


def test_probabilities_decide_and_zero_adds_nothing() -> None:
    traced = traced_of([ONE] * 200 + [SEVEN] * 200)
    labels = np.array([1] * 200 + [7] * 200)
    assert add_style_strokes(traced, labels, np.random.default_rng(0), WritingStyles()) is traced
    styled = add_style_strokes(traced, labels, np.random.default_rng(0), WritingStyles(one_flag=0.5))
    flagged = sum(len(styled.polylines(i)) - 1 for i in range(200))
    assert 70 <= flagged <= 130  # about half the 1s, and never a 7
    assert all(len(styled.polylines(i)) == 2 for i in range(200, 400))
    again = add_style_strokes(traced, labels, np.random.default_rng(0), WritingStyles(one_flag=0.5))
    np.testing.assert_array_equal(styled.points, again.points)  # the same generator state, the same strokes


def test_tiny_digits_and_empty_ones_get_nothing() -> None:
    small = [[(14.0, 10.0), (14.0, 10.0 + MIN_HEIGHT - 1)]]
    traced = traced_of([small, [], ONE])
    styled = add_style_strokes(traced, np.array([1, 1, 3]), np.random.default_rng(0), ALL)
    assert styled is traced


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="one_flag"):
        WritingStyles(one_flag=1.5)
    with pytest.raises(ValueError, match="expected 1 labels"):
        add_style_strokes(traced_of([ONE]), np.array([1, 7]), np.random.default_rng(0), ALL)


def test_redrawn_keeps_its_cache_without_styles_and_draws_the_strokes_with_them(tmp_path: Path) -> None:
    images = np.zeros((6, 28, 28, 1), np.float32)
    images[:, 5:23, 13:16, 0] = 1.0  # six upright bars: 1s
    labels = np.ones(6, np.int64)
    style = PenStyle.fixed(2.5, 1.0)
    plain = drawn.redrawn(images, "bars", style, 0, 0, tmp_path)
    files = set(tmp_path.glob("pen-*.npy"))
    same = drawn.redrawn(images, "bars", style, 0, 0, tmp_path, labels=labels, styles=WritingStyles())
    assert set(tmp_path.glob("pen-*.npy")) == files  # inactive styles: the same key, read from the cache
    np.testing.assert_array_equal(plain, same)
    styled = drawn.redrawn(images, "bars", style, 0, 0, tmp_path, labels=labels,
                           styles=WritingStyles(one_flag=1.0, one_foot=1.0))
    assert len(set(tmp_path.glob("pen-*.npy")) - files) == 1  # a cache of its own
    wide = (styled > 64).any(axis=1).sum(axis=1)  # columns with ink: the foot and the flag widen the 1
    narrow = (plain > 64).any(axis=1).sum(axis=1)
    assert np.all(wide > narrow + 3)
    with pytest.raises(ValueError, match="one label per image"):
        drawn.redrawn(images, "bars", style, 0, 0, tmp_path, styles=WritingStyles(seven_bar=1.0))

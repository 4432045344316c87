"""engine.pen: skeletons, polylines, the pen re-drawing and the rasterisers (vectorised against naive loops)."""

from __future__ import annotations

import numpy as np
import pytest

from convlens.engine import pen
from convlens.engine.preprocess import mnist_style


def ring_and_bar(n: int = 6) -> np.ndarray:
    """Digit-like images ``(n, 28, 28, 1)``: even ones a soft ring (a '0'), odd ones a thick bar (a '1')."""
    rows, cols = np.mgrid[0:28, 0:28].astype(np.float32)
    out = np.zeros((n, 28, 28, 1), np.float32)
    for i in range(n):
        if i % 2 == 0:
            r = np.hypot(rows - 14, cols - 14 + 0.3 * i)
            out[i, ..., 0] = np.clip(2.0 - np.abs(r - 7.0), 0, 1)
        else:
            out[i, 4:24, 12 + i // 2 : 15 + i // 2, 0] = 1.0
    return out


def naive_zhang_suen(image: np.ndarray) -> np.ndarray:
    """Textbook Zhang-Suen thinning of one bool image, pixel by pixel."""
    img = np.pad(image.astype(np.uint8), 1)
    changed = True
    while changed:
        changed = False
        for step in (0, 1):
            delete = []
            for r in range(1, img.shape[0] - 1):
                for c in range(1, img.shape[1] - 1):
                    if not img[r, c]:
                        continue
                    p = [img[r - 1, c], img[r - 1, c + 1], img[r, c + 1], img[r + 1, c + 1],
                         img[r + 1, c], img[r + 1, c - 1], img[r, c - 1], img[r - 1, c - 1]]
                    b = sum(p)
                    a = sum(p[k] == 0 and p[(k + 1) % 8] == 1 for k in range(8))
                    n, e, s, w = p[0], p[2], p[4], p[6]
                    if step == 0:
                        ok = n * e * s == 0 and e * s * w == 0
                    else:
                        ok = n * e * w == 0 and n * s * w == 0
                    if 2 <= b <= 6 and a == 1 and ok:
                        delete.append((r, c))
            for r, c in delete:
                img[r, c] = 0
            changed = changed or bool(delete)
    return img[1:-1, 1:-1].astype(bool)


def naive_rasterize(segments: np.ndarray, size: int, width: float) -> np.ndarray:
    """Pixel by pixel: ink = clip(width/2 + 0.5 - distance to the nearest segment, 0, 1); segments in pixels."""
    out = np.zeros((size, size), np.float32)
    for r in range(size):
        for c in range(size):
            p = np.array([c + 0.5, r + 0.5])
            best = np.inf
            for x0, y0, x1, y1 in segments:
                a, b = np.array([x0, y0]), np.array([x1, y1])
                d = b - a
                t = 0.0 if d @ d == 0 else float(np.clip((p - a) @ d / (d @ d), 0, 1))
                best = min(best, float(np.hypot(*(p - a - t * d))))
            out[r, c] = np.clip(width / 2 + 0.5 - best, 0, 1)
    return out


def test_skeletonize_matches_a_pixel_by_pixel_zhang_suen() -> None:
    x = ring_and_bar(6)
    fast = pen.skeletonize(x)
    for i in range(len(x)):
        np.testing.assert_array_equal(fast[i], naive_zhang_suen(x[i, ..., 0] > 0.5))


def test_skeleton_is_thin_and_inside_the_ink() -> None:
    x = ring_and_bar(4)
    sk = pen.skeletonize(x)
    assert np.all(sk <= (x[..., 0] > 0.5))
    assert np.all(sk.sum(axis=(1, 2)) > 10)
    # no 2x2 block of skeleton pixels
    blocks = sk[:, :-1, :-1] & sk[:, 1:, :-1] & sk[:, :-1, 1:] & sk[:, 1:, 1:]
    assert not blocks.any()


def test_trace_a_ring_gives_one_closed_loop_and_a_bar_one_open_line() -> None:
    x = ring_and_bar(2)
    sk = pen.skeletonize(x)
    ring = pen.trace_polylines(sk[0])
    bar = pen.trace_polylines(sk[1])
    assert len(ring) == 1 and np.all(ring[0][0] == ring[0][-1])
    assert len(bar) == 1 and not np.all(bar[0][0] == bar[0][-1])
    # every skeleton pixel is on a polyline
    for lines, s in ((ring, sk[0]), (bar, sk[1])):
        pts = {(int(x), int(y)) for line in lines for x, y in line - 0.5}
        assert pts == {(int(c), int(r)) for r, c in zip(*np.nonzero(s), strict=True)}
    # the bar runs from near the top to near the bottom
    ys = bar[0][:, 1]
    assert ys.min() < 8 and ys.max() > 20


def test_trace_splits_at_junctions_and_drops_short_spurs() -> None:
    sk = np.zeros((20, 20), bool)
    sk[10, 2:18] = True  # horizontal line
    sk[2:10, 9] = True  # a long branch up from (10, 9)
    sk[11, 14] = True  # a one-pixel spur down from (10, 14)
    lines = pen.trace_polylines(sk, min_spur=2.0)
    lengths = sorted(len(line) for line in lines)
    # the line is cut at both junctions (three pieces), plus the branch; the spur is gone
    assert len(lines) == 4
    assert lengths[-1] >= 8
    assert all(not np.any((line == [14.5, 11.5]).all(axis=1)) for line in lines)


def test_resample_keeps_the_ends_and_spaces_points_evenly() -> None:
    line = np.array([[0, 0], [10, 0], [10, 10]], np.float32)
    out = pen.resample_polyline(line, 4.0)
    np.testing.assert_allclose(out[0], [0, 0])
    np.testing.assert_allclose(out[-1], [10, 10], atol=1e-5)
    assert len(out) == 6  # 20 px in 5 pieces of 4 px
    steps = np.hypot(*np.diff(out, axis=0).T)
    # the corner is cut: pieces along the path are 4 px, the chord over the corner is shorter
    assert np.all(steps <= 4.0 + 1e-5)


def test_smooth_keeps_ends_and_closed_loops_closed() -> None:
    zigzag = np.array([[0, 0], [1, 1], [2, 0], [3, 1], [4, 0]], np.float32)
    out = pen.smooth_polyline(zigzag)
    np.testing.assert_array_equal(out[[0, -1]], zigzag[[0, -1]])
    assert np.ptp(out[1:-1, 1]) < np.ptp(zigzag[1:-1, 1])
    loop = np.array([[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], np.float32)
    out = pen.smooth_polyline(loop)
    np.testing.assert_array_equal(out[0], out[-1])


@pytest.mark.parametrize("width", [1.0, 3.5, 8.0])
def test_rasterize_segments_matches_a_pixel_by_pixel_loop(width: float) -> None:
    rng = np.random.default_rng(int(width * 10))
    segs = rng.uniform(2, 22, (3, 4)).astype(np.float32)
    segs[2, 2:] = segs[2, :2]  # a dot
    fast = pen.rasterize_segments(segs[None], 24, np.array([width]))[0]
    np.testing.assert_allclose(fast, naive_rasterize(segs, 24, width), atol=1e-5)


def test_rasterize_batch_equals_rasterize_strokes_one_by_one() -> None:
    rng = np.random.default_rng(1)
    drawings = [[rng.uniform(0.1, 0.9, (rng.integers(1, 6), 2)).astype(np.float32) for _ in range(k)]
                for k in (1, 2, 3)]
    drawings.append([])  # an empty drawing stays black
    widths = np.array([2.0, 4.5, 7.0, 3.0], np.float32)
    batch = pen.rasterize_batch(drawings, 40, widths)
    for drawing, w, img in zip(drawings, widths, batch, strict=True):
        np.testing.assert_allclose(img, pen.rasterize_strokes(drawing, 40, float(w)), atol=1e-5)
    assert batch[-1].max() == 0.0


def test_rasterize_strokes_is_the_gui_rasterizer() -> None:
    """One rasteriser: engine.pen draws exactly what the GUI's sample strokes were drawn with."""
    try:
        from convlens.gui.render import SAMPLE_STROKES, rasterize_strokes
    except ImportError:  # the GUI copy moved (services.samples) or was switched over to engine.pen
        pytest.skip("gui.render.rasterize_strokes is gone")
    for strokes in SAMPLE_STROKES.values():
        np.testing.assert_allclose(pen.rasterize_strokes(strokes, 112, 112 / 11),
                                   rasterize_strokes(strokes, 112, 112 / 11), atol=1e-6)


def test_traced_digits_subset_and_round_trip() -> None:
    traced = pen.trace_digits(ring_and_bar(6))
    assert traced.n == 6
    again = pen.TracedDigits.from_arrays(traced.arrays())
    for field in ("points", "line_start", "line_digit", "line_arc", "line_moves"):
        np.testing.assert_array_equal(getattr(again, field), getattr(traced, field))
    sub = traced.subset(np.array([4, 1]))
    assert sub.n == 2
    for new, old in ((0, 4), (1, 1)):
        for a, b in zip(sub.polylines(new), traced.polylines(old), strict=True):
            np.testing.assert_array_equal(a, b)


def test_free_ends_are_extended_and_movable_loops_wrap_around() -> None:
    traced = pen.trace_digits(ring_and_bar(2))
    ring = np.flatnonzero(traced.line_digit == 0)
    bar = np.flatnonzero(traced.line_digit == 1)
    assert traced.line_moves[ring].tolist() == [[False, True]]
    assert traced.line_moves[bar].tolist() == [[True, True]]
    lo, hi = traced.line_arc[bar[0]]
    assert lo == pytest.approx(pen.EXTENSION)
    stored = traced.polylines(1)[0]
    assert np.hypot(*np.diff(stored, axis=0).T).sum() == pytest.approx(hi + pen.EXTENSION, rel=1e-5)


def test_pen_segments_match_a_digit_by_digit_canvas() -> None:
    """The vectorised pipeline draws each digit as rasterize_strokes + mnist_style would, one at a time."""
    traced = pen.trace_digits(ring_and_bar(6))
    style = pen.PenStyle(slant=0.3, rotation=10.0, aspect=(0.8, 1.2))  # every change on
    drawing = pen.pen_segments(traced, np.random.default_rng(3), style)
    canvases = pen.rasterize_drawing(drawing)
    images = pen.redraw_digits(traced, np.random.default_rng(3), style)
    for i in range(traced.n):
        canvas = pen.rasterize_strokes(drawing.strokes(i), drawing.size, float(drawing.pen[i]))
        np.testing.assert_allclose(canvases[i], canvas, atol=1e-5)
        expected = mnist_style(canvas)
        assert expected is not None
        np.testing.assert_allclose(images[i], expected, atol=1e-4)


def test_fixed_pen_gives_the_asked_stroke_width() -> None:
    traced = pen.trace_digits(ring_and_bar(2))
    thin = pen.redraw_digits(traced, np.random.default_rng(0), pen.PenStyle.fixed(1.5, 1.0))
    thick = pen.redraw_digits(traced, np.random.default_rng(0), pen.PenStyle.fixed(5.0, 1.0))
    bar_thin = (thin[1] > 0.5).sum(axis=1).max()
    bar_thick = (thick[1] > 0.5).sum(axis=1).max()
    assert 1 <= bar_thin <= 3
    assert bar_thick >= 4
    assert np.all((thin >= 0) & (thin <= 1))


def test_slant_shears_a_vertical_bar() -> None:
    traced = pen.trace_digits(ring_and_bar(2)).subset(np.array([1]))
    upright = pen.pen_segments(traced, np.random.default_rng(0), pen.PenStyle.fixed(2.5, 1.0))
    slanted_style = pen.PenStyle(**{**pen.PenStyle.fixed(2.5, 1.0).as_dict(), "slant": 0.5})
    rng = np.random.default_rng(0)
    slanted = pen.pen_segments(traced, rng, slanted_style)

    def lean(d: pen.PenDrawing) -> float:  # |dx / dy| from the first to the last sample
        first, last = d.segments[0, :2], d.segments[-1, 2:]
        return abs(float((last[0] - first[0]) / (last[1] - first[1])))

    assert lean(upright) < 0.1
    assert lean(slanted) > 0.05  # the drawn shear (uniform in [-0.5, 0.5]) is not tiny for this seed
    assert lean(slanted) != pytest.approx(lean(upright))


def test_coarse_sampling_draws_fewer_longer_segments() -> None:
    traced = pen.trace_digits(ring_and_bar(2))
    dense = pen.pen_segments(traced, np.random.default_rng(0), pen.PenStyle.fixed(2.5, 1.0))
    coarse = pen.pen_segments(traced, np.random.default_rng(0), pen.PenStyle.fixed(2.5, 4.0))
    assert len(coarse.segments) * 2.5 < len(dense.segments)


def test_redraw_is_deterministic_and_falls_back_for_empty_digits() -> None:
    x = ring_and_bar(3)
    x[2] = 0.0
    traced = pen.trace_digits(x)
    a = pen.redraw_digits(traced, np.random.default_rng(9), pen.PenStyle(), fallback=x + 0.25)
    b = pen.redraw_digits(traced, np.random.default_rng(9), pen.PenStyle(), fallback=x + 0.25)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a[2], 0.25)  # no skeleton: the fallback image
    c = pen.redraw_digits(traced, np.random.default_rng(10), pen.PenStyle())
    assert not np.array_equal(a[:2], c[:2])


def test_gaps_and_overshoots_change_the_stroke_length() -> None:
    traced = pen.trace_digits(ring_and_bar(2)).subset(np.array([1]))
    base = pen.PenStyle.fixed(2.5, 1.0)
    longer = pen.PenStyle(**{**base.as_dict(), "end_change": (2.0, 2.0), "end_prob": 1.0})
    shorter = pen.PenStyle(**{**base.as_dict(), "end_change": (-2.0, -2.0), "end_prob": 1.0})

    def length(style: pen.PenStyle) -> float:
        seg = pen.pen_segments(traced, np.random.default_rng(0), style)
        return float(np.hypot(seg.segments[:, 2] - seg.segments[:, 0], seg.segments[:, 3] - seg.segments[:, 1]).sum()
                     / (seg.size - 2 * pen.CANVAS_MARGIN))  # canvas-relative: the drawing is rescaled

    # rescaling to the canvas hides length changes of a straight bar, so compare the segment sums before scaling
    s0 = pen.pen_segments(traced, np.random.default_rng(0), base)
    s1 = pen.pen_segments(traced, np.random.default_rng(0), longer)
    s2 = pen.pen_segments(traced, np.random.default_rng(0), shorter)
    assert len(s1.segments) > len(s0.segments) > len(s2.segments)
    assert length(base) > 0


def test_vectorised_resampling_matches_resample_polyline_line_by_line() -> None:
    """pen_segments samples every stroke at once; resample_polyline does one stroke at a time."""
    traced = pen.trace_digits(ring_and_bar(6))
    spacing = 2.5
    drawing = pen.pen_segments(traced, np.random.default_rng(0), pen.PenStyle.fixed(3.0, spacing))
    for digit in range(traced.n):
        expected = []
        for k in np.flatnonzero(traced.line_digit == digit):
            stored = traced.points[traced.line_start[k] : traced.line_start[k + 1]]
            lo, hi = traced.line_arc[k]
            arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(stored, axis=0).T))])
            inside = (arc > lo + 1e-6) & (arc < hi - 1e-6)
            ends = [np.array([np.interp(a, arc, stored[:, 0]), np.interp(a, arc, stored[:, 1])]) for a in (lo, hi)]
            line = np.concatenate([ends[0][None], stored[inside], ends[1][None]])
            expected.append(pen.resample_polyline(line, spacing))
        want = np.concatenate([np.concatenate([p[:-1], p[1:]], axis=1) for p in expected])
        got = drawing.segments[drawing.seg_start[digit] : drawing.seg_start[digit + 1]]
        assert got.shape == want.shape
        # the canvas maps the digit by one scale and offset: compare after normalising both
        def norm(segs: np.ndarray) -> np.ndarray:
            pts = segs.reshape(-1, 2)
            lo_, hi_ = pts.min(axis=0), pts.max(axis=0)
            return (pts - lo_) / (hi_ - lo_).max()

        np.testing.assert_allclose(norm(got), norm(want.astype(np.float32)), atol=1e-4)

"""Tests for engine.preprocess: MNIST-style cropping, scaling and centring, and image loading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convlens.engine.preprocess import (
    PreprocessSteps,
    image_to_canvas,
    load_image_file,
    mnist_style,
    mnist_style_steps,
    to_batch,
)

# Digit shapes as polylines in a unit box, (row, col) with 0 at the top-left.
FOUR = [[(0.0, 0.6), (0.65, 0.0), (0.65, 0.85)], [(0.0, 0.6), (1.0, 0.6)]]
SEVEN = [[(0.0, 0.0), (0.0, 0.8), (1.0, 0.25)]]
TWO = [[(0.2, 0.0), (0.0, 0.4), (0.2, 0.8), (0.45, 0.7), (1.0, 0.0), (1.0, 0.9)]]


def draw(
    strokes: list[list[tuple[float, float]]],
    *,
    size: float,
    top: float,
    left: float,
    width: float,
    canvas: int = 400,
) -> np.ndarray:
    """Draw anti-aliased round-capped strokes like a GUI brush.

    Parameters
    ----------
    strokes : list of list of (row, col)
        Polylines in a unit box, scaled by ``size`` and offset by (``top``, ``left``).
    size, top, left, width : float
        Box size, position and brush width in canvas pixels.
    canvas : int
        Side of the square canvas.

    Returns
    -------
    np.ndarray
        float32, shape (canvas, canvas), white ink on black.
    """
    yy, xx = np.mgrid[0:canvas, 0:canvas].astype(np.float64) + 0.5
    dist = np.full((canvas, canvas), np.inf)
    for stroke in strokes:
        pts = [(top + r * size, left + c * size) for r, c in stroke]
        for (ay, ax), (by, bx) in zip(pts[:-1], pts[1:], strict=True):
            dy, dx = by - ay, bx - ax
            t = np.clip(((yy - ay) * dy + (xx - ax) * dx) / max(dy * dy + dx * dx, 1e-12), 0.0, 1.0)
            dist = np.minimum(dist, np.hypot(yy - (ay + t * dy), xx - (ax + t * dx)))
    return np.clip(width / 2.0 + 0.5 - dist, 0.0, 1.0).astype(np.float32)


def centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    """(row, col) intensity-weighted mean position of a 2-D image."""
    rows, cols = np.indices(img.shape)
    return float(np.average(rows, weights=img)), float(np.average(cols, weights=img))


def bbox_size(img: np.ndarray, level: float = 0.05) -> tuple[int, int]:
    """(height, width) of the bounding box of pixels above ``level``."""
    r = np.flatnonzero((img > level).any(axis=1))
    c = np.flatnonzero((img > level).any(axis=0))
    return int(r[-1] - r[0] + 1), int(c[-1] - c[0] + 1)


def corr(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two images."""
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def run(canvas: np.ndarray) -> np.ndarray:
    """mnist_style that must find a digit."""
    out = mnist_style(canvas)
    assert out is not None
    return out


# --- mnist_style ------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(400, 400), (28, 28), (1, 1), (300, 500)])
def test_empty_canvas_gives_none(shape: tuple[int, int]) -> None:
    assert mnist_style(np.zeros(shape, dtype=np.float32)) is None
    assert mnist_style_steps(np.full(shape, 0.04, dtype=np.float32)) is None


def test_output_shape_dtype_range() -> None:
    out = run(draw(TWO, size=200, top=100, left=100, width=20))
    assert out.shape == (28, 28)
    assert out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert out.max() == pytest.approx(1.0)
    # The border of the 28x28 frame stays black, as in MNIST.
    assert not out[:3].any() and not out[-3:].any() and not out[:, :3].any() and not out[:, -3:].any()


def test_accepts_other_dtypes_and_does_not_alias_input() -> None:
    canvas = draw(SEVEN, size=150, top=50, left=50, width=15)
    steps = mnist_style_steps(canvas.astype(np.float64))
    assert steps is not None
    assert steps.raw.dtype == np.float32
    before = steps.centred.copy()
    same = mnist_style_steps(canvas)
    assert same is not None
    canvas[:] = 0.0  # the GUI keeps drawing on its canvas; the steps must not change
    assert same.raw.any()
    np.testing.assert_allclose(same.centred, before, atol=1e-6)


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 3)), np.zeros(10)])
def test_rejects_non_2d(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="2-D"):
        mnist_style(bad)


@pytest.mark.parametrize("corner", [(10, 10), (10, 290), (290, 10), (290, 290)])
@pytest.mark.parametrize("digit", [FOUR, SEVEN, TWO])
def test_centre_of_mass_is_centred_from_every_corner(
    corner: tuple[int, int], digit: list[list[tuple[float, float]]]
) -> None:
    out = run(draw(digit, size=100, top=corner[0], left=corner[1], width=10))
    r, c = centre_of_mass(out)
    assert abs(r - 14.0) <= 1.0 and abs(c - 14.0) <= 1.0


@pytest.mark.parametrize(
    ("size", "width"),
    [(30, 3), (30, 5), (120, 12), (250, 25), (380, 30), (380, 60)],
)
def test_longer_side_is_fitted_to_20px(size: float, width: float) -> None:
    # Position so the drawing (size plus brush radius) stays inside the 400x400 canvas.
    start = (400 - size) / 2
    out = run(draw(TWO, size=size - width, top=start + width / 2, left=start + width / 2, width=width))
    assert 19 <= max(bbox_size(out)) <= 21


def test_small_digit_is_enlarged_to_20px() -> None:
    # A 10 px digit with a 1 px pen (e.g. a small scan) is enlarged like MNIST does.
    canvas = draw(FOUR, size=9, top=20, left=20, width=1.2, canvas=64)
    out = run(canvas)
    assert 19 <= max(bbox_size(out)) <= 21


def test_thin_vertical_bar_keeps_its_aspect_ratio() -> None:
    canvas = np.zeros((400, 400), dtype=np.float32)
    canvas[60:340, 190:204] = 1.0
    steps = mnist_style_steps(canvas)
    assert steps is not None
    h, w = bbox_size(steps.centred)
    assert 19 <= h <= 21
    assert w < 8
    assert steps.scaled.shape[0] == 20 and steps.scaled.shape[1] <= 2


def test_slanted_one_stays_narrow() -> None:
    out = run(draw([[(0.0, 0.35), (1.0, 0.15)]], size=300, top=50, left=50, width=18))
    h, w = bbox_size(out)
    assert 19 <= h <= 21
    assert w < 10


def test_wide_shape_is_fitted_by_its_width() -> None:
    out = run(draw([[(0.5, 0.0), (0.5, 1.0)]], size=300, top=50, left=50, width=20))
    h, w = bbox_size(out)
    assert 19 <= w <= 21
    assert h <= 3


def test_thick_drawing_is_fine() -> None:
    canvas = draw(TWO, size=220, top=90, left=90, width=70)
    out = run(canvas)
    assert 19 <= max(bbox_size(out)) <= 21
    r, c = centre_of_mass(out)
    assert abs(r - 14.0) <= 1.0 and abs(c - 14.0) <= 1.0
    assert out.max() == pytest.approx(1.0)


def test_dot_and_tiny_line_do_not_explode_into_a_blob() -> None:
    dot = run(draw([[(0.0, 0.0), (0.0, 0.0)]], size=1, top=200, left=200, width=24))
    assert max(bbox_size(dot)) <= 12
    assert 0 < np.count_nonzero(dot > 0.5) <= 100
    pixel = np.zeros((400, 400), dtype=np.float32)
    pixel[123, 321] = 1.0
    assert max(bbox_size(run(pixel))) <= 5
    dash = run(draw([[(0.0, 0.0), (0.0, 1.0)]], size=12, top=200, left=200, width=24))
    h, w = bbox_size(dash)
    assert w <= 16 and h < w
    # ... while the same brush drawing a real digit fills the 20 px box.
    assert 19 <= max(bbox_size(run(draw(SEVEN, size=200, top=100, left=100, width=24)))) <= 21


def test_steps_are_consistent() -> None:
    canvas = draw(FOUR, size=150, top=30, left=200, width=14)
    steps = mnist_style_steps(canvas)
    assert isinstance(steps, PreprocessSteps)
    assert steps.raw.shape == (400, 400) and steps.raw.dtype == np.float32
    np.testing.assert_array_equal(steps.raw, canvas)
    assert steps.cropped.shape == bbox_size(canvas)
    assert max(steps.scaled.shape) == 20 and min(steps.scaled.shape) <= 20
    assert steps.scaled.dtype == np.float32 and steps.centred.dtype == np.float32
    np.testing.assert_array_equal(steps.centred, mnist_style(canvas))
    (r, c), (dy, dx) = steps.centre_of_mass, steps.shift
    assert r + dy == pytest.approx(14.0) and c + dx == pytest.approx(14.0)
    # The final image's centre of mass is where the shift put it.
    out_r, out_c = centre_of_mass(steps.centred)
    assert abs(out_r - 14.0) <= 0.25 and abs(out_c - 14.0) <= 0.25
    # The scaled image appears (just moved by a fraction of a pixel) in the final frame.
    assert steps.centred.sum() == pytest.approx(steps.scaled.sum(), rel=0.1)
    h, w = steps.scaled.shape
    y0, x0 = (28 - h) // 2 + round(dy), (28 - w) // 2 + round(dx)
    pasted = np.zeros((28, 28), dtype=np.float32)
    pasted[y0 : y0 + h, x0 : x0 + w] = steps.scaled
    assert corr(pasted, steps.centred) > 0.8
    with pytest.raises(AttributeError):
        steps.shift = (0, 0)  # type: ignore[misc]


def test_already_mnist_style_image_is_a_fixed_point() -> None:
    out = run(draw(SEVEN, size=200, top=100, left=60, width=22))
    again = run(out)
    assert corr(out, again) > 0.98


@settings(max_examples=30, deadline=None)
@given(
    top=st.floats(min_value=0.0, max_value=240.0),
    left=st.floats(min_value=0.0, max_value=240.0),
    digit=st.sampled_from([FOUR, SEVEN, TWO]),
)
def test_translation_invariance(top: float, left: float, digit: list[list[tuple[float, float]]]) -> None:
    reference = run(draw(digit, size=140, top=120, left=120, width=14))
    moved = run(draw(digit, size=140, top=top + 10, left=left + 10, width=14))
    assert corr(reference, moved) > 0.95


@pytest.mark.parametrize("digit", [FOUR, SEVEN, TWO])
def test_scale_invariance(digit: list[list[tuple[float, float]]]) -> None:
    small = run(draw(digit, size=90, top=40, left=250, width=10))
    big = run(draw(digit, size=180, top=150, left=80, width=20))
    assert corr(small, big) > 0.95


def test_canvas_size_does_not_matter() -> None:
    a = run(draw(TWO, size=200, top=40, left=40, width=20, canvas=280))
    b = run(draw(TWO, size=400, top=80, left=80, width=40, canvas=560))
    assert corr(a, b) > 0.95


def test_threshold_is_validated() -> None:
    with pytest.raises(ValueError, match="threshold"):
        mnist_style(np.ones((5, 5)), threshold=1.0)


# --- to_batch --------------------------------------------------------------------------------------


def test_to_batch() -> None:
    img = run(draw(FOUR, size=100, top=100, left=100, width=10))
    batch = to_batch(img)
    assert batch.shape == (1, 28, 28, 1)
    assert batch.dtype == np.float32
    assert batch.flags.c_contiguous
    np.testing.assert_array_equal(batch[0, :, :, 0], img)
    with pytest.raises(ValueError, match="28"):
        to_batch(np.zeros((20, 20)))


# --- image_to_canvas -------------------------------------------------------------------------------


@pytest.fixture
def digit_canvas() -> np.ndarray:
    """A white-on-black "4" on a 200x160 canvas."""
    return draw(FOUR, size=120, top=40, left=20, width=12, canvas=200)[:, :160]


def test_polarity_is_detected(digit_canvas: np.ndarray) -> None:
    white_on_black = (digit_canvas * 255).astype(np.uint8)
    black_on_white = 255 - white_on_black
    a = image_to_canvas(white_on_black)
    b = image_to_canvas(black_on_white)
    assert a.shape == b.shape == digit_canvas.shape
    assert a.dtype == b.dtype == np.float32
    assert np.median(a) == 0.0 and np.median(b) == 0.0
    assert corr(a, digit_canvas) > 0.99 and corr(b, digit_canvas) > 0.99
    assert corr(run(a), run(b)) > 0.95


def test_ink_on_grey_noisy_paper(digit_canvas: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    paper = 0.8 - 0.55 * digit_canvas + rng.normal(0.0, 0.02, digit_canvas.shape)
    canvas = image_to_canvas(np.clip(paper, 0.0, 1.0))
    assert canvas.min() >= 0.0 and canvas.max() <= 1.0
    assert np.percentile(canvas, 99.5) > 0.9  # contrast stretched to full range
    assert corr(run(canvas), run(digit_canvas)) > 0.95


def test_colour_and_rgba_inputs(digit_canvas: np.ndarray) -> None:
    reference = run(digit_canvas)
    ink = digit_canvas[..., None]
    paper, pen = np.array([250, 245, 235]), np.array([20, 30, 160])
    blue_pen_on_paper = ((1.0 - ink) * paper + ink * pen).astype(np.uint8)
    out = run(image_to_canvas(blue_pen_on_paper))
    assert corr(out, reference) > 0.95
    # Black strokes on a transparent background: composited on white, then inverted.
    rgba = np.zeros(digit_canvas.shape + (4,), dtype=np.uint8)
    rgba[..., 3] = (digit_canvas * 255).astype(np.uint8)
    assert corr(run(image_to_canvas(rgba)), reference) > 0.95
    # Float RGB, grey + alpha, and a single-channel 3-D array.
    rgb_float = np.repeat(digit_canvas[..., None], 3, axis=2)
    assert corr(run(image_to_canvas(rgb_float)), reference) > 0.99
    la = np.stack([np.zeros_like(digit_canvas), digit_canvas], axis=2)
    assert corr(run(image_to_canvas(la)), reference) > 0.95
    assert corr(run(image_to_canvas(digit_canvas[..., None])), reference) > 0.99
    # uint16 scans.
    assert corr(run(image_to_canvas((digit_canvas * 65535).astype(np.uint16))), reference) > 0.99


def test_blank_images_give_empty_canvases() -> None:
    rng = np.random.default_rng(1)
    for img in (
        np.full((50, 60), 255, dtype=np.uint8),
        np.zeros((50, 60, 3), dtype=np.uint8),
        np.clip(0.7 + rng.normal(0.0, 0.01, (80, 80)), 0.0, 1.0),
    ):
        canvas = image_to_canvas(img)
        assert canvas.shape == img.shape[:2]
        assert mnist_style(canvas) is None


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 5)), np.zeros((2, 3, 4, 3)), np.zeros(7), np.zeros((0, 5))])
def test_image_to_canvas_rejects_bad_shapes(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        image_to_canvas(bad)


# --- load_image_file -------------------------------------------------------------------------------


def test_load_png_and_jpeg(tmp_path: Path, digit_canvas: np.ndarray) -> None:
    from PIL import Image

    reference = run(digit_canvas)
    ink_on_paper = (255 - digit_canvas * 255).astype(np.uint8)
    png = tmp_path / "four.png"
    Image.fromarray(ink_on_paper, mode="L").save(png)
    out = load_image_file(png)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert corr(out, reference) > 0.98

    jpeg = tmp_path / "four.jpg"
    Image.fromarray(np.repeat(ink_on_paper[..., None], 3, axis=2), mode="RGB").save(jpeg, quality=85)
    assert corr(load_image_file(str(jpeg)), reference) > 0.95

    rgba = np.zeros(digit_canvas.shape + (4,), dtype=np.uint8)
    rgba[..., 3] = (digit_canvas * 255).astype(np.uint8)
    transparent = tmp_path / "four_rgba.png"
    Image.fromarray(rgba, mode="RGBA").save(transparent)
    assert corr(load_image_file(transparent), reference) > 0.95


def test_load_rejects_non_images_and_blank_images(tmp_path: Path) -> None:
    from PIL import Image

    text = tmp_path / "notes.png"
    text.write_text("this is not an image\n")
    with pytest.raises(ValueError, match="cannot read"):
        load_image_file(text)
    with pytest.raises(ValueError, match="cannot read"):
        load_image_file(tmp_path / "missing.png")

    blank = tmp_path / "blank.png"
    Image.new("L", (64, 48), color=255).save(blank)
    with pytest.raises(ValueError, match="no digit"):
        load_image_file(blank)
    blank_jpeg = tmp_path / "blank.jpg"
    Image.new("RGB", (64, 48), color=(240, 240, 230)).save(blank_jpeg)
    with pytest.raises(ValueError, match="no digit"):
        load_image_file(blank_jpeg)

"""convlens.services.samples: the one stroke set (assets/strokes), the one rasterizer, the lesson's example digits."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convlens.engine import load_model
from convlens.engine.preprocess import mnist_style
from convlens.resources import assets_dir, models_dir
from convlens.services import samples


def test_the_strokes_are_the_shipped_json_files_one_drawing_per_digit() -> None:
    assert samples.STROKES_DIR == assets_dir() / "strokes"
    assert sorted(samples.SAMPLE_STROKES) == list(range(10))
    every = samples.load_sample_strokes()
    assert sorted({digit for digit, _ in every}) == list(range(10))
    for digit, strokes in samples.SAMPLE_STROKES.items():
        assert strokes == next(s for d, s in every if d == digit)  # the first variant of the file
        for stroke in strokes:
            pts = np.asarray(stroke)
            assert pts.shape[1] == 2 and pts.min() > 0.05 and pts.max() < 0.95


def test_a_broken_stroke_file_is_skipped_with_a_log_entry(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "digit_1.json").write_text(json.dumps({"digit": 1, "variants": [[[[0.5, 0.2], [0.5, 0.8]]]]}))
    (tmp_path / "digit_2.json").write_text("{not json")
    with caplog.at_level(logging.ERROR):
        loaded = samples.load_sample_strokes(tmp_path)
    assert loaded == [(1, [[(0.5, 0.2), (0.5, 0.8)]])]
    assert "digit_2.json" in caplog.text
    assert samples.sample_strokes(tmp_path) == {1: [[(0.5, 0.2), (0.5, 0.8)]]}


def test_rasterize_strokes_draws_round_capped_lines_of_the_given_width() -> None:
    img = samples.rasterize_strokes([[(0.25, 0.5), (0.75, 0.5)]], 100, 10.0)
    assert img.dtype == np.float32 and img.shape == (100, 100)
    column = img[:, 50]
    assert column.max() == 1.0 and 9 <= np.count_nonzero(column > 0.5) <= 11
    assert img[50, 22] > 0.5 and img[50, 18] == 0.0  # round cap reaches 5 px past the end
    assert samples.rasterize_strokes([[(0.5, 0.5)]], 50, 8.0).sum() > 30  # a dot
    assert not samples.rasterize_strokes([[(-1.0, -1.0), (-0.5, -1.0)]], 20, 3.0).any()  # off the canvas


def _distance_field_reference(strokes: list[list[tuple[float, float]]], size: int, width: float) -> np.ndarray:
    """The rasterizer's definition, computed over the whole canvas for every segment (no bounding boxes)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + np.float32(0.5)
    dist = np.full((size, size), np.inf, dtype=np.float32)
    for stroke in strokes:
        pts = np.asarray(stroke, dtype=np.float32).reshape(-1, 2) * np.float32(size)
        if pts.shape[0] == 1:
            pts = np.concatenate([pts, pts])
        for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:], strict=True):
            dx, dy = x1 - x0, y1 - y0
            length2 = dx * dx + dy * dy
            t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / length2, 0.0, 1.0) if length2 > 0 else np.zeros_like(xx)
            np.minimum(dist, np.hypot(xx - (x0 + t * dx), yy - (y0 + t * dy)), out=dist)
    return np.clip(np.float32(width / 2.0 + 0.5) - dist, 0.0, 1.0).astype(np.float32)


@pytest.mark.parametrize("size,width", [(280, 280 / 11), (112, 112 / 11), (28, 2.4), (13, 7.0)])
def test_only_computing_near_each_segment_changes_no_pixel(size: int, width: float) -> None:
    rng = np.random.default_rng(size)
    cases = [samples.SAMPLE_STROKES[d] for d in (0, 4, 8)]
    cases += [[[(float(x), float(y)) for x, y in rng.uniform(-0.3, 1.3, (int(rng.integers(1, 6)), 2))]]
              for _ in range(20)]
    for strokes in cases:
        np.testing.assert_array_equal(samples.rasterize_strokes(strokes, size, width),
                                      _distance_field_reference(strokes, size, width))


def test_sample_image_is_the_canvas_pipeline_and_the_shipped_model_reads_every_digit() -> None:
    model = load_model(models_dir() / "default.npz")
    for digit, strokes in samples.SAMPLE_STROKES.items():
        image = samples.sample_image(strokes)
        canvas = samples.rasterize_strokes(strokes, samples.CANVAS_SIZE, samples.CANVAS_SIZE / 11)
        np.testing.assert_array_equal(image, mnist_style(canvas))
        assert int(model.predict_proba(image[None, :, :, None]).argmax()) == digit
    with pytest.raises(ValueError, match="nothing"):
        samples.sample_image([[(-2.0, -2.0)]])


def test_drawn_sample_digits_are_5_0_4_1() -> None:
    images, labels = samples.drawn_sample_digits()
    assert labels.tolist() == [5, 0, 4, 1]
    assert images.shape == (4, 28, 28) and images.dtype == np.float32
    assert images.min() == 0.0 and images.max() == 1.0
    assert len({im.tobytes() for im in images}) == 4
    np.testing.assert_array_equal(images[2], samples.sample_image(samples.SAMPLE_STROKES[4]))
    images[0] = 0  # the caller's copy: the next call is unchanged
    assert samples.drawn_sample_digits()[0][0].max() == 1.0


def test_first_training_digits_reads_mnist_when_cached(fake_mnist: Any) -> None:
    from convlens.engine import data

    digits = samples.first_training_digits(4)
    assert digits.source == "mnist"
    assert digits.labels.tolist() == fake_mnist.arrays[data.TRAIN_LABELS][:4].tolist()
    np.testing.assert_allclose(digits.images, fake_mnist.arrays[data.TRAIN_IMAGES][:4] / 255.0, atol=1e-6)


def test_first_training_digits_falls_back_to_drawn_digits_without_mnist(offline_data: Path) -> None:
    digits = samples.first_training_digits(4)
    assert digits.source == "drawn"
    assert digits.labels.tolist() == [5, 0, 4, 1]


def test_first_training_digits_falls_back_when_the_loader_fails() -> None:
    def broken() -> object:
        raise OSError("disk on fire")

    assert samples.first_training_digits(4, loader=broken).source == "drawn"


def test_crafted_stroke_files_are_skipped_and_never_stop_the_loader(tmp_path: Path) -> None:
    import json

    from convlens.services.samples import MAX_STROKES_FILE_BYTES, load_sample_strokes

    good = {"digit": 1, "variants": [[[[0.5, 0.1], [0.5, 0.9]]]]}
    (tmp_path / "digit_1.json").write_text(json.dumps(good))
    (tmp_path / "digit_2.json").write_text("[" * 200_000 + "]" * 200_000)  # RecursionError in json
    (tmp_path / "digit_3.json").write_text(json.dumps({"digit": 3, "variants": [[[[1e308, 0.5], [0.5, 0.5]]]]}))
    (tmp_path / "digit_4.json").write_text(" " * (MAX_STROKES_FILE_BYTES + 1))
    (tmp_path / "digit_5.json").write_text(json.dumps({"digit": 55, "variants": [[[[0.5, 0.5]]]]}))
    (tmp_path / "digit_6.json").write_bytes(b"\xff\xfe not utf-8")
    samples = load_sample_strokes(tmp_path)
    assert samples == [(1, [[(0.5, 0.1), (0.5, 0.9)]])]

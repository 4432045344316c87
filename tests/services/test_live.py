"""services.live: canvas -> MNIST-style 28x28 -> one Predictor.run -> LiveResult, without Qt."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

from convlens.engine.loading import load_model
from convlens.engine.model import Predictor, RunResult, Sequential
from convlens.engine.preprocess import mnist_style, to_batch
from convlens.engine.presets import PRESETS
from convlens.resources import models_dir
from convlens.services.live import (
    EMPTY_RESULT,
    NO_MODEL,
    LivePipeline,
    LiveResult,
    describe_model,
    model_filters,
)

NPZ = models_dir() / "default.npz"
ONNX = models_dir() / "default.onnx"


def one(size: int = 280) -> np.ndarray:
    """A hand-drawn-looking "1": a thick, slightly slanted bar, white on black."""
    canvas = np.zeros((size, size), np.float32)
    k = size / 280
    for row in range(int(40 * k), int(240 * k)):
        col = int(150 * k - (row - 40 * k) / 12)
        canvas[row, col - int(12 * k) : col + int(12 * k)] = 1.0
    return canvas


def zero(size: int = 280) -> np.ndarray:
    """A "0": an upright elliptical ring."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    k = size / 280
    r = np.hypot((xx - size / 2) / (70 * k), (yy - size / 2) / (105 * k))
    return ((r > 0.78) & (r < 1.0)).astype(np.float32)


def calibration() -> np.ndarray:
    images = [mnist_style(c) for c in (one(), zero(), one(200), zero(360))]
    return np.stack([i for i in images if i is not None])[..., None].astype(np.float32)


@pytest.fixture(scope="module")
def shipped() -> Predictor:
    return load_model(ONNX if ONNX.is_file() else NPZ)


@pytest.fixture
def pipeline() -> LivePipeline:
    p = LivePipeline(calibration)
    p.load(ONNX if ONNX.is_file() else NPZ)
    return p


def test_without_a_model_the_image_is_still_preprocessed() -> None:
    p = LivePipeline(calibration)
    assert p.model is None and p.info is NO_MODEL and not p.info.has_model and p.info.label == "no model"
    result = p.run_canvas(one())
    assert result.image28 is not None and result.image28.shape == (28, 28) and result.steps is not None
    assert result.probs is None and result.digit is None and not result.activations and result.error is None
    assert p.rerun() is not None


def test_an_empty_canvas_gives_the_empty_result(pipeline: LivePipeline) -> None:
    canvas = np.zeros((280, 280), np.float32)
    assert pipeline.run_canvas(canvas) is EMPTY_RESULT
    assert pipeline.last_canvas is canvas
    assert EMPTY_RESULT.confidence == 0.0 and EMPTY_RESULT.network_input is None


@pytest.mark.parametrize(("draw", "digit"), [(one, 1), (zero, 0)])
def test_a_drawing_is_read_with_every_intermediate(pipeline: LivePipeline, shipped: Predictor, draw, digit) -> None:
    canvas = draw()
    result = pipeline.run_canvas(canvas)
    assert isinstance(result, LiveResult) and result.error is None
    assert result.digit == digit and result.confidence > 0.5
    assert result.probs is not None and result.probs.shape == (10,) and result.probs.dtype == np.float32
    assert result.probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert list(result.activations) == ["conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "dropout1",
                                        "dense2"]
    assert result.activations["conv1"].shape == (1, 28, 28, 16)  # NHWC, batch axis kept
    assert result.activations["pool2"].shape == (1, 7, 7, 32)
    # The 28x28 input is the engine's MNIST-style preprocessing, and the answer is one Predictor.run on it.
    expected_image = mnist_style(canvas)
    assert expected_image is not None
    np.testing.assert_array_equal(result.image28, expected_image)
    assert result.network_input is not None and result.network_input.shape == (1, 28, 28, 1)
    probs, acts = shipped.run(to_batch(expected_image))
    np.testing.assert_allclose(result.probs, probs[0], atol=1e-6)
    np.testing.assert_allclose(result.activations["pool1"], acts["pool1"], atol=1e-6)
    for array in (result.image28, result.probs, *result.activations.values()):
        assert not array.flags.writeable


def test_run_image28_has_no_steps(pipeline: LivePipeline) -> None:
    image = mnist_style(one())
    assert image is not None
    result = pipeline.run_image28(image)
    assert result.steps is None and result.digit == 1
    assert pipeline.last_canvas is None  # only canvases are remembered


def test_both_backends_give_the_same_result() -> None:
    if not (NPZ.is_file() and ONNX.is_file()):
        pytest.skip("the shipped model is missing")
    a, b = LivePipeline(calibration), LivePipeline(calibration)
    info_a, info_b = a.load(NPZ), b.load(ONNX)
    assert (info_a.backend, info_b.backend) == ("numpy", "onnxruntime")
    assert info_a.shapes == info_b.shapes
    assert [(m.name, m.kind, m.shape, m.source_conv) for m in info_a.map_layers] == [
        (m.name, m.kind, m.shape, m.source_conv) for m in info_b.map_layers
    ]
    for (wa, ba), (wb, bb) in zip(info_a.filters.values(), info_b.filters.values(), strict=True):
        np.testing.assert_array_equal(wa, wb)
        assert ba is not None and bb is not None
        np.testing.assert_array_equal(ba, bb)
    for draw in (one, zero):
        ra, rb = a.run_canvas(draw()), b.run_canvas(draw())
        assert ra.probs is not None and rb.probs is not None
        np.testing.assert_allclose(ra.probs, rb.probs, atol=1e-5)
        for name in ra.activations:
            np.testing.assert_allclose(ra.activations[name], rb.activations[name], atol=1e-4, err_msg=name)


def test_the_model_description(pipeline: LivePipeline) -> None:
    info = pipeline.info
    assert info.has_model and info.path is not None and info.path.parent == models_dir()
    assert list(info.filters) == ["conv1", "conv2"]
    w, b = info.filters["conv1"]
    assert w.shape == (5, 5, 1, 16) and b is not None and b.shape == (16,)
    with pytest.raises(ValueError):
        w[0, 0, 0, 0] = 1.0  # read-only copies
    assert [(m.name, m.kind, m.source_conv) for m in info.map_layers] == [
        ("conv1", "conv", "conv1"), ("pool1", "pool", "conv1"), ("conv2", "conv", "conv2"), ("pool2", "pool", "conv2"),
    ]
    for m in info.map_layers:
        assert m.levels[0] == 0.0 and m.levels[1] > 0.1  # ReLU maps, levels fixed by the calibration pass
    assert info.shapes[0] == ("image", (28, 28, 1)) and info.shapes[-1] == ("probs", (10,))
    assert ("pool1", (14, 14, 16)) in info.shapes
    assert "106,122" in info.summary
    assert info.metadata  # the model card stored in the file


def test_a_failing_model_gives_an_error_result_not_an_exception(pipeline: LivePipeline,
                                                                shipped: Predictor) -> None:
    class Broken(Sequential):
        fail = False

        def run(self, x: np.ndarray) -> RunResult:
            if self.fail:
                raise RuntimeError("boom")
            return super().run(x)

    broken = Broken.from_config(PRESETS["small"], seed=2)
    pipeline.set_model(broken)
    broken.fail = True
    result = pipeline.run_canvas(one())
    assert result.error == "boom" and result.probs is None and result.image28 is not None
    with pytest.raises(RuntimeError):
        pipeline.run_image28(np.zeros((28, 28), np.float32))


def test_a_bad_file_or_a_non_predictor_changes_nothing(pipeline: LivePipeline, tmp_path: Path) -> None:
    before_model, before_info = pipeline.model, pipeline.info
    bad = tmp_path / "bad.npz"
    bad.write_text("nope")
    with pytest.raises(ValueError):
        pipeline.load(bad)
    with pytest.raises(TypeError, match="Predictor"):
        pipeline.set_model(object())  # type: ignore[arg-type]
    assert pipeline.model is before_model and pipeline.info is before_info


def test_the_training_preview_keeps_the_levels_and_ends_with_the_real_model(pipeline: LivePipeline) -> None:
    real_model, real_info = pipeline.model, pipeline.info
    assert pipeline.set_preview(None) is None  # nothing to end
    preview = Sequential.from_config(PRESETS["default"], seed=5)  # the same layers, other weights
    info = pipeline.set_preview(preview)
    assert info is not None and pipeline.previewing and pipeline.model is preview
    assert info.metadata == {"training_preview": True} and info.backend == "numpy" and info.path is None
    assert [m.levels for m in info.map_layers] == [m.levels for m in real_info.map_layers]  # no flicker
    np.testing.assert_array_equal(info.filters["conv1"][0], preview.layers[0].params["w"])
    other = Sequential.from_config(PRESETS["small"], seed=5)  # other layers: calibrated afresh
    info = pipeline.set_preview(other)
    assert info is not None and info.filters["conv1"][0].shape == (5, 5, 1, 8) and pipeline.previewing
    assert pipeline.set_preview(None) is real_info
    assert pipeline.model is real_model and not pipeline.previewing


def test_describe_model_refuses_a_model_without_ten_classes() -> None:
    class ThreeClasses(Sequential):
        def run(self, x: np.ndarray) -> RunResult:
            probs, acts = super().run(x)
            return RunResult(probs[:, :3], acts)

    model = ThreeClasses.from_config(PRESETS["small"])
    with pytest.raises(ValueError, match="10 probabilities"):
        describe_model(model, calibration())
    filters = model_filters(model)
    assert isinstance(filters, OrderedDict) and list(filters) == ["conv1", "conv2"]

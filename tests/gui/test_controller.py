"""gui.controller: one pipeline whatever the backend (NumPy Sequential or onnxruntime)."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from convlens.engine.loading import load_model
from convlens.engine.model import LayerInfo, RunResult, Sequential
from convlens.engine.preprocess import mnist_style
from convlens.engine.presets import PRESETS
from convlens.gui.controller import Controller, LiveResult, calibration_images, default_model_path
from convlens.gui.render import SAMPLE_STROKES, rasterize_strokes


def canvas_of(digit: int, size: int = 280) -> np.ndarray:
    return rasterize_strokes(SAMPLE_STROKES[digit], size, size / 11)


@pytest.fixture
def controller(qtbot: QtBot) -> Controller:
    return Controller()


def test_default_model_is_found_and_described(controller: Controller) -> None:
    path = default_model_path()
    assert path is not None and path.name in ("default.onnx", "default.npz")
    info = controller.current_model_info()
    assert info.path == path
    assert list(info.filters) == ["conv1", "conv2"]
    assert info.filters["conv1"][0].shape == (5, 5, 1, 16)
    assert info.filters["conv2"][0].shape == (3, 3, 16, 32)
    assert [(m.name, m.kind, m.shape, m.source_conv) for m in info.map_layers] == [
        ("conv1", "conv", (28, 28, 16), "conv1"),
        ("pool1", "pool", (14, 14, 16), "conv1"),
        ("conv2", "conv", (14, 14, 32), "conv2"),
        ("pool2", "pool", (7, 7, 32), "conv2"),
    ]
    for m in info.map_layers:
        lo, hi = m.levels
        assert lo == 0.0 and hi > 0.1  # ReLU maps: black at 0, fixed top level from the calibration pass
    with pytest.raises(ValueError):
        info.filters["conv1"][0][0, 0, 0, 0] = 1.0  # read-only copies


def test_empty_canvas_emits_minus_one_and_an_empty_list(controller: Controller, qtbot: QtBot) -> None:
    results: list[LiveResult] = []
    controller.activationsChanged.connect(results.append)
    with qtbot.waitSignal(controller.predictionChanged, timeout=500) as blocker:
        controller.set_canvas_image(np.zeros((280, 280), np.float32))
    assert blocker.args == [-1, []]
    (result,) = results
    assert result.digit is None and result.probs is None and result.image28 is None and not result.activations


@pytest.mark.parametrize("digit", [0, 1, 7])
def test_a_drawn_digit_is_read_and_every_map_is_emitted(controller: Controller, qtbot: QtBot, digit: int) -> None:
    order: list[str] = []
    controller.activationsChanged.connect(lambda r: order.append("activations"))
    controller.predictionChanged.connect(lambda d, p: order.append("prediction"))
    result = controller.set_canvas_image(canvas_of(digit))
    assert order == ["activations", "prediction"]  # panels are updated before the prediction is announced
    assert result.digit == digit
    assert result.probs is not None and result.probs.shape == (10,)
    assert result.image28 is not None and result.image28.shape == (28, 28)
    assert result.steps is not None
    assert result.activations["pool1"].shape == (1, 14, 14, 16)
    assert result.activations["pool2"].shape == (1, 7, 7, 32)
    with pytest.raises(ValueError):
        result.probs[0] = 1.0  # the result is immutable


def test_predict_image28_does_not_emit(controller: Controller, qtbot: QtBot) -> None:
    emitted: list[int] = []
    controller.predictionChanged.connect(lambda d, p: emitted.append(d))
    img = mnist_style(canvas_of(7))
    result = controller.predict_image28(img)
    assert result.digit == 7 and result.steps is None
    assert emitted == []


def test_the_onnx_backend_gives_the_same_answers(controller: Controller, tmp_path, qtbot: QtBot) -> None:
    from convlens.engine import onnx_export
    source = controller.current_model_info().path
    assert source is not None
    model = load_model(source) if source.suffix == ".npz" else load_model(source.with_suffix(".npz"))
    path = onnx_export.export_onnx(model, tmp_path / "m.onnx")
    onnx = Controller(path)
    info = onnx.current_model_info()
    assert info.backend == "onnxruntime"
    assert [m.name for m in info.map_layers] == ["conv1", "pool1", "conv2", "pool2"]
    np.testing.assert_allclose(info.filters["conv1"][0], model.layers[0].params["w"], rtol=1e-6)
    numpy_ctrl = Controller()
    numpy_ctrl.set_model(model)
    for digit in (2, 3):
        a = onnx.set_canvas_image(canvas_of(digit))
        b = numpy_ctrl.set_canvas_image(canvas_of(digit))
        assert a.probs is not None and b.probs is not None
        np.testing.assert_allclose(a.probs, b.probs, atol=1e-5)
        np.testing.assert_allclose(a.activations["pool2"], b.activations["pool2"], atol=1e-4)


class FakeRuntime:
    """Another backend implementing engine.model.Predictor (like engine.runtime.OnnxPredictor), driven the same way."""

    backend = "onnxruntime"
    is_trainable = False
    source_path: Path | None = None

    def __init__(self) -> None:
        self.model = Sequential.from_config(PRESETS["small"], seed=1)
        self.metadata: dict[str, Any] = {"name": "fake"}
        self.calls = 0

    def run(self, x: np.ndarray) -> RunResult:
        self.calls += 1
        return self.model.run(x)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(x)

    def activations(self, x: np.ndarray) -> OrderedDict[str, np.ndarray]:
        return self.model.activations(x)

    def conv_filters(self) -> OrderedDict[str, np.ndarray]:
        return self.model.conv_filters()

    def conv_biases(self) -> OrderedDict[str, np.ndarray]:
        return self.model.conv_biases()

    def layer_infos(self) -> list[LayerInfo]:
        return self.model.layer_infos()

    def summary(self) -> str:
        return "fake"

    def numpy_model(self) -> Sequential | None:
        return None


def test_a_runtime_like_model_is_hot_swapped_in(controller: Controller, qtbot: QtBot) -> None:
    controller.set_canvas_image(canvas_of(4))
    fake = FakeRuntime()
    with qtbot.waitSignals([controller.modelChanged, controller.predictionChanged], timeout=500):
        info = controller.set_model(fake)
    assert info.backend == "onnxruntime" and info.path is None
    assert info.filters["conv1"][0].shape == (5, 5, 1, 8) and info.filters["conv1"][1] is not None
    assert [m.shape for m in info.map_layers] == [(28, 28, 8), (14, 14, 8), (14, 14, 16), (7, 7, 16)]
    assert fake.calls == 2  # one calibration pass, one re-run of the last canvas
    assert controller.model is fake and info.summary == "fake"


def test_an_object_that_is_not_a_predictor_is_refused(controller: Controller) -> None:
    before = controller.current_model_info()
    with pytest.raises(TypeError, match="Predictor"):
        controller.set_model(object())  # type: ignore[arg-type]
    assert controller.current_model_info() is before


def test_a_bad_model_file_raises_and_keeps_the_current_model(controller: Controller, tmp_path) -> None:
    before = controller.current_model_info()
    bad = tmp_path / "bad.npz"
    bad.write_text("nope")
    with pytest.raises(ValueError):
        controller.load_model(bad)
    with pytest.raises((ValueError, OSError)):
        controller.load_model(tmp_path / "missing.onnx")
    assert controller.current_model_info() is before


def test_calibration_images_look_like_mnist_digits() -> None:
    images = calibration_images()
    assert images.shape == (10, 28, 28, 1) and images.dtype == np.float32
    assert images.max() == pytest.approx(1.0) and images.min() == 0.0
    com = [np.argwhere(img[..., 0] > 0.3).mean(axis=0) for img in images]
    assert np.allclose(com, 13.5, atol=2.5)

"""OnnxPredictor on ConvLens exports: one run gives probs and every map, in the engine's NHWC convention."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from convlens.engine.loading import load_model
from convlens.engine.model import ModelFileError, Sequential
from convlens.engine.onnx_export import export_onnx
from convlens.engine.presets import PRESETS
from convlens.engine.runtime import LayerInfo, OnnxPredictor

ATOL = 1e-5


@pytest.fixture(scope="module")
def model() -> Sequential:
    m = Sequential.from_config(PRESETS["default"], seed=7)
    rng = np.random.default_rng(7)
    m.set_weights({k: (rng.normal(0, 0.2, v.shape).astype(np.float32) if k.endswith("/b") else v)
                   for k, v in m.get_weights().items()})
    return m


@pytest.fixture(scope="module")
def onnx_path(model: Sequential, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_onnx(model, tmp_path_factory.mktemp("rt") / "model.onnx", model_card={"name": "rt", "n": 3})


@pytest.fixture(scope="module")
def predictor(onnx_path: Path) -> OnnxPredictor:
    return OnnxPredictor.open(onnx_path)


def images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 28, 28, 1), dtype=np.float32)


@pytest.mark.parametrize("n", [1, 3])
def test_run_matches_engine_on_every_output(predictor: OnnxPredictor, model: Sequential, n: int) -> None:
    x = images(n, seed=n)
    probs, acts = predictor.run(x)
    expected = model.activations(x)
    assert list(acts) == [layer.name for layer in model.layers]
    np.testing.assert_allclose(probs, expected["probs"], atol=ATOL)
    assert probs.dtype == np.float32 and probs.shape == (n, 10)
    for name, value in acts.items():
        assert value.shape == expected[name].shape, name
        assert value.dtype == np.float32, name
        np.testing.assert_allclose(value, expected[name], atol=ATOL, rtol=1e-5, err_msg=name)


def test_activations_have_the_same_keys_as_sequential(predictor: OnnxPredictor, model: Sequential) -> None:
    x = images(2)
    acts = predictor.activations(x)
    assert list(acts) == list(model.activations(x))
    assert list(acts)[-1] == "probs"
    np.testing.assert_allclose(acts["probs"].sum(axis=1), 1.0, atol=1e-6)


def test_predict_proba_matches_engine_and_accepts_one_image(predictor: OnnxPredictor, model: Sequential) -> None:
    x = images(7, seed=5)
    np.testing.assert_allclose(predictor.predict_proba(x, batch_size=3), model.predict_proba(x), atol=ATOL)
    np.testing.assert_allclose(predictor.predict_proba(x[0]), model.predict_proba(x[:1]), atol=ATOL)
    assert predictor.predict_proba(x[:0]).shape == (0, 10)
    np.testing.assert_array_equal(predictor.predict(x), model.predict(x))


def test_float64_and_non_contiguous_inputs_are_accepted(predictor: OnnxPredictor, model: Sequential) -> None:
    x = images(2, seed=9)
    np.testing.assert_allclose(predictor.run(x.astype(np.float64)[:1])[0], model.predict_proba(x[:1]), atol=ATOL)
    strided = np.asfortranarray(x[1:2])
    np.testing.assert_allclose(predictor.run(strided)[0], model.predict_proba(x[1:2]), atol=ATOL)


def test_batch_one_results_are_not_overwritten_by_the_next_call(predictor: OnnxPredictor) -> None:
    a, b = images(1, seed=1), images(1, seed=2)
    probs_a, acts_a = predictor.run(a)
    kept = {k: v.copy() for k, v in acts_a.items()}
    predictor.run(b)
    for name, value in acts_a.items():
        np.testing.assert_array_equal(value, kept[name])
    np.testing.assert_allclose(probs_a, predictor.run(a)[0])


def test_wrong_image_shape_is_a_value_error(predictor: OnnxPredictor) -> None:
    with pytest.raises(ValueError, match=r"\(N, 28, 28, 1\)"):
        predictor.run(np.zeros((1, 28, 28, 3), np.float32))


def test_layers_describe_every_output_with_nhwc_shapes(predictor: OnnxPredictor, model: Sequential) -> None:
    expected = [LayerInfo(layer.name, kind, tuple(layer.output_shape)) for layer, kind in zip(
        model.layers, ["conv", "pool", "conv", "pool", "flatten", "dense", "dropout", "dense"], strict=True)]
    assert predictor.layers == [*expected, LayerInfo("probs", "probs", (10,))]
    assert predictor.layer_names == [layer.name for layer in model.layers]
    assert predictor.is_convlens_model


def test_conv_filters_are_the_engine_weights(predictor: OnnxPredictor, model: Sequential) -> None:
    filters = predictor.conv_filters()
    assert list(filters) == ["conv1", "conv2"]
    np.testing.assert_array_equal(filters["conv1"], model.layers[0].params["w"])
    np.testing.assert_array_equal(filters["conv2"], model.layers[2].params["w"])
    filters["conv1"][...] = 0  # a copy: the predictor's own stays intact
    assert np.any(predictor.conv_filters()["conv1"] != 0)


def test_metadata_and_path(predictor: OnnxPredictor, onnx_path: Path) -> None:
    assert predictor.metadata == {"name": "rt", "n": 3}
    assert predictor.path == onnx_path
    assert "conv1" in repr(predictor)


def test_load_model_dispatches_onnx_files(onnx_path: Path) -> None:
    assert isinstance(load_model(onnx_path), OnnxPredictor)
    assert isinstance(load_model(str(onnx_path)), OnnxPredictor)


def test_missing_file_is_a_model_file_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="no such model file"):
        OnnxPredictor.open(tmp_path / "nope.onnx")


def test_concurrent_batch_one_runs_give_each_caller_its_own_answer(predictor: OnnxPredictor,
                                                                  model: Sequential) -> None:
    xs = [images(1, seed=s) for s in range(4)]
    want = [model.predict_proba(x) for x in xs]
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for _ in range(30):
                np.testing.assert_allclose(predictor.run(xs[k])[0], want[k], atol=ATOL)
        except BaseException as exc:  # noqa: BLE001 - reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors

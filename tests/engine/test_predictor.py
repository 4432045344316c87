"""engine.model.Predictor: the NumPy Sequential and the onnxruntime OnnxPredictor are one interface.

The shipped model exists twice (``models/default.npz`` for the engine, ``models/default.onnx`` for onnxruntime);
both must satisfy the protocol and give the same answers, so nothing above the engine cares which one runs.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

from convlens.engine.loading import load_model
from convlens.engine.model import LayerInfo, Predictor, RunResult, Sequential, load_npz_model
from convlens.engine.presets import PRESETS
from convlens.engine.runtime import OnnxPredictor
from convlens.resources import models_dir

ATOL = 1e-5
NPZ = models_dir() / "default.npz"
ONNX = models_dir() / "default.onnx"

pytestmark = pytest.mark.skipif(not (NPZ.is_file() and ONNX.is_file()), reason="the shipped model is missing")


@pytest.fixture(scope="module")
def numpy_model() -> Predictor:
    return load_model(NPZ)


@pytest.fixture(scope="module")
def onnx_model() -> Predictor:
    return load_model(ONNX)


def images(n: int, seed: int = 0) -> np.ndarray:
    """Random images plus a drawn-looking stroke, float32 (n, 28, 28, 1) in [0, 1]."""
    x = np.random.default_rng(seed).random((n, 28, 28, 1), dtype=np.float32) * 0.3
    x[:, 6:22, 12:16, 0] = 1.0
    return x


def test_both_backends_satisfy_the_protocol(numpy_model: Predictor, onnx_model: Predictor) -> None:
    assert isinstance(numpy_model, Sequential) and isinstance(onnx_model, OnnxPredictor)
    for model in (numpy_model, onnx_model, Sequential.from_config(PRESETS["small"])):
        assert isinstance(model, Predictor)
    assert not isinstance(object(), Predictor)
    assert (numpy_model.backend, onnx_model.backend) == ("numpy", "onnxruntime")
    assert numpy_model.is_trainable and not onnx_model.is_trainable
    assert numpy_model.source_path == NPZ and onnx_model.source_path == ONNX


@pytest.mark.parametrize("n", [1, 3])
def test_run_gives_every_intermediate_and_the_same_answers(
    numpy_model: Predictor, onnx_model: Predictor, n: int
) -> None:
    x = images(n, seed=n)
    a, b = numpy_model.run(x), onnx_model.run(x)
    assert isinstance(a, RunResult) and isinstance(b, RunResult)
    probs, acts = b  # a named tuple: unpacks as (probs, activations)
    assert probs is b.probs and acts is b.activations
    assert list(a.activations) == list(b.activations) == ["conv1", "pool1", "conv2", "pool2", "flatten", "dense1",
                                                          "dropout1", "dense2"]
    assert "probs" not in a.activations
    assert a.probs.shape == b.probs.shape == (n, 10) and a.probs.dtype == b.probs.dtype == np.float32
    np.testing.assert_allclose(a.probs, b.probs, atol=ATOL)
    np.testing.assert_allclose(a.probs.sum(axis=1), 1.0, atol=1e-5)
    assert a.activations["pool1"].shape == (n, 14, 14, 16)  # NHWC
    for name in a.activations:
        assert a.activations[name].shape == b.activations[name].shape, name
        np.testing.assert_allclose(a.activations[name], b.activations[name], atol=ATOL, rtol=1e-5, err_msg=name)


def test_predict_proba_and_activations_agree_with_run(numpy_model: Predictor, onnx_model: Predictor) -> None:
    x = images(4, seed=9)
    pa, pb = numpy_model.predict_proba(x), onnx_model.predict_proba(x)
    assert pa.shape == pb.shape == (4, 10)
    np.testing.assert_allclose(pa, pb, atol=ATOL)
    for model in (numpy_model, onnx_model):
        acts = model.activations(x)
        assert isinstance(acts, OrderedDict) and list(acts)[-1] == "probs"
        run = model.run(x)
        assert list(acts) == list(run.outputs())
        np.testing.assert_allclose(acts["probs"], model.predict_proba(x), atol=1e-6)
        np.testing.assert_allclose(acts["pool2"], run.activations["pool2"], atol=1e-6)
    one = x[0]  # one image (28, 28, 1) is a batch of one
    np.testing.assert_allclose(numpy_model.predict_proba(one), onnx_model.predict_proba(one), atol=ATOL)


def test_filters_biases_and_layers_agree(numpy_model: Predictor, onnx_model: Predictor) -> None:
    fa, fb = numpy_model.conv_filters(), onnx_model.conv_filters()
    assert list(fa) == list(fb) == ["conv1", "conv2"]
    assert fa["conv1"].shape == (5, 5, 1, 16) and fa["conv2"].shape == (3, 3, 16, 32)  # (H_f, W_f, C_in, C_out)
    for name in fa:
        assert fa[name].dtype == fb[name].dtype == np.float32
        np.testing.assert_array_equal(fa[name], fb[name])
    ba, bb = numpy_model.conv_biases(), onnx_model.conv_biases()
    assert list(ba) == list(bb) == ["conv1", "conv2"]
    for name in ba:
        assert ba[name].shape == (fa[name].shape[3],)
        np.testing.assert_array_equal(ba[name], bb[name])
    fa["conv1"][...] = 0  # copies: the models keep their weights
    ba["conv1"][...] = 0
    assert np.any(numpy_model.conv_filters()["conv1"] != 0) and np.any(numpy_model.conv_biases()["conv1"] != 0)

    la, lb = numpy_model.layer_infos(), onnx_model.layer_infos()
    assert [(i.name, i.kind, i.shape, i.params) for i in la] == [(i.name, i.kind, i.shape, i.params) for i in lb]
    assert la[0] == LayerInfo("conv1", "conv", (28, 28, 16), 416)
    assert la[0].output_shape(5) == (5, 28, 28, 16)
    assert la[-1] == LayerInfo("probs", "probs", (10,), 0)
    assert sum(i.params for i in la) == 106_122
    assert [i.name for i in la] == list(numpy_model.activations(images(1)))


def test_summary_and_metadata(numpy_model: Predictor, onnx_model: Predictor) -> None:
    for model in (numpy_model, onnx_model):
        text = model.summary()
        assert "conv1" in text and "pool2" in text and "106,122" in text
        assert isinstance(model.metadata, dict) and model.metadata
    card = numpy_model.metadata["model_card"]
    assert card["architecture"] == onnx_model.metadata["architecture"]


def test_numpy_model_is_the_trainable_network(numpy_model: Predictor, onnx_model: Predictor,
                                              tmp_path: Path) -> None:
    assert numpy_model.numpy_model() is numpy_model
    twin = onnx_model.numpy_model()  # the .npz next to the .onnx
    assert isinstance(twin, Sequential) and twin.source_path == NPZ
    x = images(2, seed=4)
    np.testing.assert_allclose(twin.predict_proba(x), onnx_model.predict_proba(x), atol=ATOL)
    lonely = tmp_path / "lonely.onnx"
    lonely.write_bytes(ONNX.read_bytes())
    assert OnnxPredictor.open(lonely).numpy_model() is None


def test_an_in_memory_model_has_no_file_and_no_metadata(tmp_path: Path) -> None:
    model = Sequential.from_config(PRESETS["small"], seed=3)
    assert model.source_path is None and model.metadata == {}
    assert model.numpy_model() is model
    path = model.save(tmp_path / "m.npz", metadata={"model_card": {"name": "t"}})
    loaded = load_npz_model(path)
    assert loaded.source_path == path and loaded.metadata["model_card"] == {"name": "t"}
    assert "engine_version" in loaded.metadata

"""Sequential -> ONNX: every exposed output of the exported graph equals the engine's, for every layer type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from convlens.cli import main as cli_main
from convlens.engine.layers import REGISTRY
from convlens.engine.loading import load_model
from convlens.engine.model import Sequential
from convlens.engine.onnx_export import IR_VERSION, OPSET, export_onnx, to_onnx_model
from convlens.engine.presets import PRESETS

ATOL = 1e-5

# Small models around each registered layer type: (input_shape, layers). Odd sizes, strides (2,2) and (3,1),
# even kernels (asymmetric "same" padding), "same" and "valid". A new layer type must get an entry here.
HEAD = [{"type": "Flatten"}, {"type": "Dense", "units": 10}]
VARIANTS: dict[str, list[tuple[tuple[int, ...], list[dict[str, Any]]]]] = {
    "Conv2D": [
        ((9, 7, 3), [{"type": "Conv2D", "filters": 4, "kernel": 3, "padding": "valid"}, *HEAD]),
        ((9, 7, 2), [{"type": "Conv2D", "filters": 5, "kernel": [3, 2], "stride": [2, 2], "padding": "same",
                      "activation": "relu"}, *HEAD]),
        ((11, 8, 1), [{"type": "Conv2D", "filters": 3, "kernel": [4, 4], "stride": [3, 1], "padding": "same"},
                      *HEAD]),
        ((10, 9, 2), [{"type": "Conv2D", "filters": 2, "kernel": [5, 3], "stride": [3, 1], "padding": "valid",
                       "activation": "relu"}, *HEAD]),
        ((6, 6, 1), [{"type": "Conv2D", "filters": 2, "kernel": 2, "stride": 2, "padding": "same"}, *HEAD]),
    ],
    "MaxPool2D": [
        ((8, 8, 2), [{"type": "MaxPool2D", "size": 2}, *HEAD]),
        ((9, 7, 3), [{"type": "MaxPool2D", "size": 2, "padding": "same"}, *HEAD]),
        ((9, 7, 2), [{"type": "MaxPool2D", "size": [3, 2], "stride": [3, 1], "padding": "same"}, *HEAD]),
        ((11, 10, 1), [{"type": "MaxPool2D", "size": 3, "stride": 2, "padding": "valid"}, *HEAD]),
        ((7, 5, 2), [{"type": "MaxPool2D", "size": 3, "stride": 1, "padding": "same"}, *HEAD]),
    ],
    "ReLU": [
        ((5, 6, 3), [{"type": "ReLU"}, *HEAD]),
        ((12,), [{"type": "ReLU"}, {"type": "Dense", "units": 10}]),
        ((7,), [{"type": "Dense", "units": 6}, {"type": "ReLU"}, {"type": "Dense", "units": 10}]),
    ],
    "Flatten": [
        ((5, 3, 4), HEAD),
        ((13,), HEAD),
        ((4, 6, 2), [{"type": "Flatten"}, {"type": "Flatten"}, {"type": "Dense", "units": 10}]),
    ],
    "Dense": [
        ((17,), [{"type": "Dense", "units": 10}]),
        ((9,), [{"type": "Dense", "units": 7, "activation": "relu"}, {"type": "Dense", "units": 10}]),
        ((3, 3, 2), [{"type": "Flatten"}, {"type": "Dense", "units": 5, "activation": "relu"},
                     {"type": "Dense", "units": 10}]),
    ],
    "Dropout": [
        ((6,), [{"type": "Dropout", "rate": 0.5}, {"type": "Dense", "units": 10}]),
        ((4, 5, 2), [{"type": "Dropout", "rate": 0.3}, *HEAD]),
        ((8,), [{"type": "Dense", "units": 10}, {"type": "Dropout", "rate": 0.1}]),
    ],
}


def randomise(model: Sequential, seed: int) -> Sequential:
    """Random biases (they start at zero) on top of the random He/Glorot weights, keeping values O(1)."""
    rng = np.random.default_rng(seed)
    weights = model.get_weights()
    for name, value in weights.items():
        if name.endswith("/b"):
            weights[name] = rng.normal(0.0, 0.3, value.shape).astype(np.float32)
    model.set_weights(weights)
    return model


def ort_outputs(proto: onnx.ModelProto, x: np.ndarray) -> dict[str, np.ndarray]:
    """Run the exported graph on NHWC images; return every output, 4-D ones converted back to NHWC."""
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    feed = x.transpose(0, 3, 1, 2) if x.ndim == 4 else x
    names = [o.name for o in session.get_outputs()]
    values = session.run(names, {"image": np.ascontiguousarray(feed)})
    return {n: (v.transpose(0, 2, 3, 1) if v.ndim == 4 else v) for n, v in zip(names, values, strict=True)}


def assert_parity(model: Sequential, x: np.ndarray) -> None:
    expected = model.activations(x)
    got = ort_outputs(to_onnx_model(model), x)
    assert list(got) == ["probs", *(layer.name for layer in model.layers)]
    assert set(got) == set(expected)
    for name, want in expected.items():
        value = got[name]
        assert value.dtype == np.float32, name
        assert value.shape == want.shape, name
        np.testing.assert_allclose(value, want, atol=ATOL, rtol=1e-5, err_msg=name)


def variant_ids() -> list[tuple[str, int]]:
    return [(kind, i) for kind in sorted(REGISTRY) for i in range(len(VARIANTS.get(kind, [None])))]


def test_every_registered_layer_type_has_parity_variants() -> None:
    missing = sorted(set(REGISTRY) - set(VARIANTS))
    assert not missing, f"add ONNX parity variants (and a converter) for the new layer types {missing}"


@pytest.mark.parametrize(("kind", "index"), variant_ids(), ids=[f"{k}-{i}" for k, i in variant_ids()])
def test_layer_parity_with_onnxruntime(kind: str, index: int) -> None:
    assert kind in VARIANTS, f"no ONNX parity variants for {kind}"
    input_shape, layers = VARIANTS[kind][index]
    assert any(layer["type"] == kind for layer in layers)
    model = randomise(Sequential.from_config(layers, input_shape=input_shape, seed=index), seed=100 + index)
    x = np.random.default_rng(index).normal(0.0, 1.0, (3, *input_shape)).astype(np.float32)
    assert_parity(model, x)


def random_architecture(rng: np.random.Generator) -> tuple[tuple[int, int, int], list[dict[str, Any]]]:
    """A small random CNN: 1-3 conv/pool/relu layers, flatten, optional hidden dense + dropout, 10 logits."""
    shape = (int(rng.integers(6, 16)), int(rng.integers(6, 16)), int(rng.integers(1, 4)))
    layers: list[dict[str, Any]] = []
    for _ in range(int(rng.integers(1, 4))):
        kind = rng.choice(["Conv2D", "Conv2D", "MaxPool2D", "ReLU"])
        padding = str(rng.choice(["valid", "same"]))
        stride = [int(rng.integers(1, 3)), int(rng.integers(1, 4))]
        if kind == "Conv2D":
            layers.append({"type": "Conv2D", "filters": int(rng.integers(1, 5)), "padding": padding,
                           "kernel": [int(rng.integers(1, 4)), int(rng.integers(1, 4))], "stride": stride,
                           "activation": "relu" if rng.random() < 0.5 else None})
        elif kind == "MaxPool2D":
            layers.append({"type": "MaxPool2D", "size": [int(rng.integers(1, 4)), 2], "stride": stride,
                           "padding": padding})
        else:
            layers.append({"type": "ReLU"})
    layers.append({"type": "Flatten"})
    if rng.random() < 0.5:
        layers += [{"type": "Dense", "units": int(rng.integers(3, 12)), "activation": "relu"},
                   {"type": "Dropout", "rate": 0.25}]
    layers.append({"type": "Dense", "units": 10})
    return shape, layers


@pytest.mark.parametrize("seed", range(16))
def test_random_architecture_parity(seed: int) -> None:
    rng = np.random.default_rng(seed)
    while True:
        shape, layers = random_architecture(rng)
        try:
            model = Sequential.from_config(layers, input_shape=shape, seed=seed)
            break
        except ValueError:  # a window that does not fit: draw again
            continue
    randomise(model, seed)
    x = rng.random((2, *shape), dtype=np.float32)
    assert_parity(model, x)


@pytest.fixture(scope="module")
def default_model() -> Sequential:
    return randomise(Sequential.from_config(PRESETS["default"], seed=3), seed=3)


def test_default_preset_parity_including_odd_batches(default_model: Sequential) -> None:
    rng = np.random.default_rng(0)
    for n in (1, 5):
        assert_parity(default_model, rng.random((n, 28, 28, 1), dtype=np.float32))


def test_graph_is_idiomatic_nchw_with_pinned_versions(default_model: Sequential) -> None:
    proto = to_onnx_model(default_model)
    onnx.checker.check_model(proto, full_check=True)
    assert proto.ir_version == IR_VERSION == 8
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", OPSET)]
    assert proto.producer_name == "convlens" and proto.doc_string
    (image,) = proto.graph.input
    dims = [d.dim_param or d.dim_value for d in image.type.tensor_type.shape.dim]
    assert (image.name, dims) == ("image", ["N", 1, 28, 28])
    assert [o.name for o in proto.graph.output] == [
        "probs", "conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "dropout1", "dense2"]
    conv1 = next(o for o in proto.graph.output if o.name == "conv1")
    assert [d.dim_param or d.dim_value for d in conv1.type.tensor_type.shape.dim] == ["N", 16, 28, 28]
    assert [n.op_type for n in proto.graph.node] == [
        "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Transpose", "Flatten", "Gemm", "Relu", "Identity",
        "Gemm", "Softmax"]
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in proto.graph.initializer}
    np.testing.assert_array_equal(weights["conv1.weight"], default_model.layers[0].params["w"].transpose(3, 2, 0, 1))
    conv = proto.graph.node[0]
    assert {a.name: list(a.ints) for a in conv.attribute}["pads"] == [2, 2, 2, 2]


def test_flatten_output_is_in_engine_nhwc_order(default_model: Sequential) -> None:
    x = np.random.default_rng(1).random((1, 28, 28, 1), dtype=np.float32)
    got = ort_outputs(to_onnx_model(default_model), x)
    np.testing.assert_array_equal(got["flatten"], got["pool2"].reshape(1, -1))


def test_export_writes_file_with_model_card_and_layer_list(tmp_path: Path, default_model: Sequential) -> None:
    card = {"name": "test card", "test_accuracy": np.float64(0.5), "confusion": np.eye(2, dtype=np.int64),
            "nested": {"a": [1, 2]}}
    path = export_onnx(default_model, tmp_path / "sub" / "m.onnx", model_card=card)
    assert path == tmp_path / "sub" / "m.onnx"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["m.onnx"]  # no temp file left behind
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    props = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(props["model_card"]) == {"name": "test card", "test_accuracy": 0.5,
                                               "confusion": [[1, 0], [0, 1]], "nested": {"a": [1, 2]}}
    layers = json.loads(props["convlens_layers"])
    assert [(x["name"], x["type"]) for x in layers] == [(layer.name, layer.type_name) for layer in default_model.layers]
    assert layers[0]["output_shape"] == [28, 28, 16]
    predictor = load_model(path)
    assert predictor.metadata["name"] == "test card"


def test_export_without_card_has_no_model_card_key(default_model: Sequential) -> None:
    props = {p.key for p in to_onnx_model(default_model).metadata_props}
    assert "model_card" not in props and "convlens_layers" in props


def test_layer_without_converter_is_refused_and_writes_nothing(tmp_path: Path, default_model: Sequential,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from convlens.engine import onnx_export

    monkeypatch.delitem(onnx_export.CONVERTERS, "MaxPool2D")
    target = tmp_path / "m.onnx"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="MaxPool2D"):
        export_onnx(default_model, target)
    assert target.read_bytes() == b"old"


def test_cli_export_then_predict_through_onnxruntime(tmp_path: Path, default_model: Sequential,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    npz = default_model.save(tmp_path / "m.npz", metadata={"model_card": {"name": "cli"}})
    out = tmp_path / "m.onnx"
    assert cli_main(["export", "--model", str(npz), "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"onnx": str(out)}
    predictor = load_model(out)
    assert predictor.metadata == {"name": "cli"}
    x = np.random.default_rng(2).random((4, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(predictor.predict_proba(x), default_model.predict_proba(x), atol=ATOL)

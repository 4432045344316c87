"""'Open your own model': foreign ONNX classifiers built here with onnx.helper, and files that must be refused.

The graphs deliberately differ from ConvLens exports: other tensor names, other layer order, Gemm vs MatMul+Add,
an NHWC input with a Transpose, a dense-only (N,784) model, logits vs probabilities, a fixed batch size. The
expected values are computed here with NumPy (convlens.engine.ops on NHWC arrays).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convlens.cli import main as cli_main
from convlens.engine import ops
from convlens.engine import runtime as runtime_module
from convlens.engine.loading import load_model
from convlens.engine.model import ModelFileError
from convlens.engine.onnx_reader import UnsupportedModelError, graph_details, prepare_classifier
from convlens.engine.runtime import OnnxPredictor

ATOL = 1e-5
RNG = np.random.default_rng(42)
W1 = (RNG.normal(0, 0.3, (6, 1, 3, 3))).astype(np.float32)  # ONNX layout (C_out, C_in, kH, kW)
B1 = RNG.normal(0, 0.1, 6).astype(np.float32)
W2 = (RNG.normal(0, 0.2, (4, 6, 3, 3))).astype(np.float32)
FC = (RNG.normal(0, 0.1, (4 * 6 * 6, 10))).astype(np.float32)  # CHW-ordered rows, as torch flattens
FC_B = RNG.normal(0, 0.1, 10).astype(np.float32)


def save(tmp_path: Path, graph: onnx.GraphProto, name: str = "model.onnx", opset: int = 13,
         ir_version: int = 7, check: bool = True) -> Path:
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="pytest")
    proto.ir_version = ir_version
    if check:
        onnx.checker.check_model(proto)
    path = tmp_path / name
    path.write_bytes(proto.SerializeToString())
    return path


def value(name: str, dims: list[int | str | None] | None) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def init(name: str, array: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(array), name)


def torch_style_graph(softmax: bool = False, batch: int | str = "batch_size") -> onnx.GraphProto:
    """NCHW CNN as PyTorch exports it: conv -> relu -> pool -> conv -> pool -> relu (pool before relu),
    Flatten, MatMul + Add; numeric tensor names."""
    nodes = [
        helper.make_node("Conv", ["input.1", "features.0.weight", "features.0.bias"], ["/features/0/Conv_output_0"],
                         pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["/features/0/Conv_output_0"], ["/features/1/Relu_output_0"]),
        helper.make_node("MaxPool", ["/features/1/Relu_output_0"], ["/features/2/MaxPool_output_0"],
                         kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["/features/2/MaxPool_output_0", "features.3.weight"], ["13"]),
        helper.make_node("MaxPool", ["13"], ["14"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Relu", ["14"], ["15"]),
        helper.make_node("Flatten", ["15"], ["16"], axis=1),
        helper.make_node("MatMul", ["16", "fc.weight"], ["17"]),
        helper.make_node("Add", ["17", "fc.bias"], ["logits" if not softmax else "18"]),
    ]
    out = "logits"
    if softmax:
        nodes.append(helper.make_node("Softmax", ["18"], ["output"], axis=1))
        out = "output"
    return helper.make_graph(
        nodes, "torchish", [value("input.1", [batch, 1, 28, 28])], [value(out, [batch, 10])],
        [init("features.0.weight", W1), init("features.0.bias", B1), init("features.3.weight", W2),
         init("fc.weight", FC), init("fc.bias", FC_B)],
    )


def reference_torch_style(x: np.ndarray) -> dict[str, np.ndarray]:
    """NHWC reference of torch_style_graph with the engine's NumPy ops."""
    out: dict[str, np.ndarray] = {}
    c1 = ops.conv2d(x, W1.transpose(2, 3, 1, 0), B1, padding="same")
    out["/features/0/Conv_output_0"] = c1
    out["/features/1/Relu_output_0"] = r1 = np.maximum(c1, 0)
    out["/features/2/MaxPool_output_0"] = p1 = ops.max_pool2d(r1)
    out["13"] = c2 = ops.conv2d(p1, W2.transpose(2, 3, 1, 0))  # (N, 12, 12, 4)
    out["14"] = p2 = ops.max_pool2d(c2)  # (N, 6, 6, 4)
    out["15"] = r2 = np.maximum(p2, 0)
    flat = r2.transpose(0, 3, 1, 2).reshape(len(x), -1)  # torch flattens CHW
    out["logits"] = flat @ FC + FC_B
    return out


def images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 28, 28, 1), dtype=np.float32)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# -- accepted models ------------------------------------------------------------------------------------------------
def test_torch_style_logits_model_exposes_convs_relus_and_pools(tmp_path: Path) -> None:
    predictor = OnnxPredictor.open(save(tmp_path, torch_style_graph()))
    x = images(3)
    ref = reference_torch_style(x)
    probs, acts = predictor.run(x)
    assert list(acts) == list(ref)  # graph order; the logits come last, under their own name
    for name, want in ref.items():
        assert acts[name].shape == want.shape, name
        np.testing.assert_allclose(acts[name], want, atol=ATOL, rtol=1e-5, err_msg=name)
    np.testing.assert_allclose(probs, softmax(ref["logits"]), atol=ATOL)  # logits -> softmax applied
    assert [(i.name, i.kind, i.shape) for i in predictor.layers][:3] == [
        ("/features/0/Conv_output_0", "conv", (28, 28, 6)), ("/features/1/Relu_output_0", "relu", (28, 28, 6)),
        ("/features/2/MaxPool_output_0", "pool", (14, 14, 6))]
    assert predictor.layers[-2:] == [runtime_module.LayerInfo("logits", "logits", (10,)),
                                     runtime_module.LayerInfo("probs", "probs", (10,))]
    assert not predictor.is_convlens_model
    assert list(predictor.activations(x)) == [*ref, "probs"]


def test_conv_filters_of_a_foreign_model_use_the_engine_layout(tmp_path: Path) -> None:
    filters = OnnxPredictor.open(save(tmp_path, torch_style_graph())).conv_filters()
    assert list(filters) == ["/features/0/Conv_output_0", "13"]
    np.testing.assert_array_equal(filters["/features/0/Conv_output_0"], W1.transpose(2, 3, 1, 0))
    assert filters["13"].shape == (3, 3, 6, 4)


def test_graph_details_count_each_outputs_parameters_and_read_the_conv_biases(tmp_path: Path) -> None:
    spec = prepare_classifier(save(tmp_path, torch_style_graph()).read_bytes(), "torchish")
    params, biases = graph_details(spec)
    assert params["/features/0/Conv_output_0"] == W1.size + B1.size
    assert params["13"] == W2.size  # the second conv has no bias
    assert params["logits"] == FC.size + FC_B.size
    assert params["/features/1/Relu_output_0"] == params["14"] == params["probs"] == 0
    assert list(biases) == ["/features/0/Conv_output_0"]
    np.testing.assert_array_equal(biases["/features/0/Conv_output_0"], B1)


def test_softmax_output_is_not_softmaxed_twice(tmp_path: Path) -> None:
    predictor = OnnxPredictor.open(save(tmp_path, torch_style_graph(softmax=True)))
    x = images(2, seed=1)
    probs, acts = predictor.run(x)
    np.testing.assert_allclose(probs, softmax(reference_torch_style(x)["logits"]), atol=ATOL)
    assert "output" not in acts and "logits" not in acts


def test_nodes_listed_out_of_order_still_open(tmp_path: Path) -> None:
    graph = torch_style_graph()
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes[::-1])
    predictor = OnnxPredictor.open(save(tmp_path, graph, check=False))
    x = images(1, seed=3)
    assert list(predictor.run(x)[1]) == list(reference_torch_style(x))  # dependency order, not file order


def dense_only_graph(softmax_name: str | None = "probabilities") -> tuple[onnx.GraphProto, np.ndarray, np.ndarray]:
    w1 = RNG.normal(0, 0.05, (32, 784)).astype(np.float32)  # Gemm transB=1, as Keras/torch write it
    w2 = RNG.normal(0, 0.2, (32, 10)).astype(np.float32)
    nodes = [
        helper.make_node("Gemm", ["pixels", "W1", "b1"], ["h"], transB=1),
        helper.make_node("Relu", ["h"], ["hidden"]),
        helper.make_node("Gemm", ["hidden", "W2", "b2"], ["scores" if softmax_name else "out"]),
    ]
    if softmax_name:
        nodes.append(helper.make_node("Softmax", ["scores"], [softmax_name]))
    graph = helper.make_graph(nodes, "mlp", [value("pixels", ["N", 784])], [value(softmax_name or "out", ["N", 10])],
                              [init("W1", w1), init("b1", np.zeros(32, np.float32)), init("W2", w2),
                               init("b2", np.full(10, 0.1, np.float32))])
    return graph, w1, w2


def test_dense_only_784_model_with_softmax(tmp_path: Path) -> None:
    graph, w1, w2 = dense_only_graph()
    predictor = OnnxPredictor.open(save(tmp_path, graph))
    x = images(4, seed=4)
    probs, acts = predictor.run(x)
    hidden = np.maximum(x.reshape(4, 784) @ w1.T, 0)
    np.testing.assert_allclose(acts["hidden"], hidden, atol=ATOL)
    np.testing.assert_allclose(probs, softmax(hidden @ w2 + 0.1), atol=ATOL)
    assert list(acts) == ["hidden"]
    assert predictor.conv_filters() == {}


def test_log_softmax_output_becomes_probabilities(tmp_path: Path) -> None:
    graph, w1, w2 = dense_only_graph(softmax_name=None)
    graph.node.append(helper.make_node("LogSoftmax", ["out"], ["logp"], axis=1))
    del graph.output[:]
    graph.output.append(value("logp", ["N", 10]))
    predictor = OnnxPredictor.open(save(tmp_path, graph))
    x = images(2, seed=6)
    want = softmax(np.maximum(x.reshape(2, 784) @ w1.T, 0) @ w2 + 0.1)
    np.testing.assert_allclose(predictor.predict_proba(x), want, atol=ATOL)


def test_nhwc_input_with_transpose_keeps_maps_nhwc(tmp_path: Path) -> None:
    """tf2onnx style: NHWC input, Transpose to NCHW for the Conv, back to NHWC for the ReLU."""
    nodes = [
        helper.make_node("Transpose", ["x:0"], ["x_nchw"], perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["x_nchw", "k", "kb"], ["conv_nchw"], strides=[2, 2]),
        helper.make_node("Transpose", ["conv_nchw"], ["conv_nhwc"], perm=[0, 2, 3, 1]),
        helper.make_node("Relu", ["conv_nhwc"], ["activation/Relu:0"]),
        helper.make_node("Reshape", ["activation/Relu:0", "shape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "dense/kernel"], ["mm"]),
        helper.make_node("Add", ["mm", "dense/bias"], ["Identity:0"]),
    ]
    k = RNG.normal(0, 0.3, (5, 1, 4, 4)).astype(np.float32)
    kb = RNG.normal(0, 0.1, 5).astype(np.float32)
    dense = RNG.normal(0, 0.1, (13 * 13 * 5, 10)).astype(np.float32)
    graph = helper.make_graph(
        nodes, "tf", [value("x:0", ["unk__0", 28, 28, 1])], [value("Identity:0", ["unk__0", 10])],
        [init("k", k), init("kb", kb), init("shape", np.array([-1, 13 * 13 * 5], np.int64)),
         init("dense/kernel", dense), init("dense/bias", np.zeros(10, np.float32))])
    predictor = OnnxPredictor.open(save(tmp_path, graph))
    x = images(2, seed=7)
    conv = ops.conv2d(x, k.transpose(2, 3, 1, 0), kb, stride=2)  # (2, 13, 13, 5)
    probs, acts = predictor.run(x)
    np.testing.assert_allclose(acts["conv_nchw"], conv, atol=ATOL)
    np.testing.assert_allclose(acts["activation/Relu:0"], np.maximum(conv, 0), atol=ATOL)
    np.testing.assert_allclose(probs, softmax(np.maximum(conv, 0).reshape(2, -1) @ dense), atol=ATOL)
    assert predictor.layers[1].shape == (13, 13, 5)


def test_fixed_batch_of_one_and_initializers_listed_as_inputs(tmp_path: Path) -> None:
    """Old exporters (IR 3) list weights among the inputs and often fix the batch size to 1."""
    graph = torch_style_graph(batch=1)
    graph.input.extend([value(t.name, list(t.dims)) for t in graph.initializer])
    predictor = OnnxPredictor.open(save(tmp_path, graph, ir_version=3, opset=9))
    x = images(3, seed=8)
    want = softmax(reference_torch_style(x)["logits"])
    np.testing.assert_allclose(predictor.predict_proba(x, batch_size=2), want, atol=ATOL)
    probs, acts = predictor.run(x)
    np.testing.assert_allclose(probs, want, atol=ATOL)
    assert acts["13"].shape == (3, 12, 12, 4)


def test_average_pool_and_avgpool_kind(tmp_path: Path) -> None:
    graph = torch_style_graph()
    graph.node[4].op_type = "AveragePool"
    predictor = OnnxPredictor.open(save(tmp_path, graph))
    assert [i.kind for i in predictor.layers if i.name == "14"] == ["pool"]


def test_cli_predict_and_evaluate_work_on_a_foreign_model(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    from convlens.engine import data as data_module

    path = save(tmp_path, torch_style_graph())
    canvas = np.zeros((64, 64), np.uint8)
    canvas[12:52, 28:36] = 255  # a "1"
    Image.fromarray(canvas).save(tmp_path / "one.png")
    assert cli_main(["predict", str(tmp_path / "one.png"), "--model", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert len(result["probabilities"]) == 10 and abs(sum(result["probabilities"]) - 1) < 1e-5

    x = images(20, seed=11)
    labels = np.argmax(reference_torch_style(x)["logits"], axis=1).astype(np.uint8)
    fake = data_module.MnistData(x_train=x, y_train=labels, x_test=x, y_test=labels, sha256={})
    monkeypatch.setattr(data_module, "load_mnist", lambda *a, **k: fake)
    assert cli_main(["evaluate", "--model", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["test_accuracy"] == pytest.approx(1.0)


# -- refused files --------------------------------------------------------------------------------------------------
def refused(path: Path, match: str, error: type[Exception] = ModelFileError) -> ModelFileError:
    with pytest.raises(error, match=match) as info:
        load_model(path)
    assert str(path) in str(info.value)
    return info.value  # type: ignore[return-value]


def test_text_file_is_not_onnx(tmp_path: Path) -> None:
    path = tmp_path / "notes.onnx"
    path.write_text("this is not a model\n" * 20)
    refused(path, "not an ONNX model")


def test_empty_and_truncated_files(tmp_path: Path) -> None:
    (tmp_path / "empty.onnx").write_bytes(b"")
    refused(tmp_path / "empty.onnx", "not an ONNX model")
    data = save(tmp_path, torch_style_graph()).read_bytes()
    for cut in (len(data) // 2, 9, len(data) - 7):
        (tmp_path / "cut.onnx").write_bytes(data[:cut])
        refused(tmp_path / "cut.onnx", "ONNX|onnxruntime")


def test_directory_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "dir.onnx").mkdir()
    refused(tmp_path / "dir.onnx", "no such model file")
    refused(tmp_path / "missing.onnx", "no such model file")


def test_five_way_output_is_refused(tmp_path: Path) -> None:
    graph, _, _ = dense_only_graph(softmax_name=None)
    graph.initializer[2].CopyFrom(init("W2", np.zeros((32, 5), np.float32)))
    graph.initializer[3].CopyFrom(init("b2", np.zeros(5, np.float32)))
    del graph.output[:]
    graph.output.append(value("out", ["N", 5]))
    refused(save(tmp_path, graph), "10 class scores", UnsupportedModelError)


def test_undeclared_wrong_output_size_is_caught_by_the_dry_run(tmp_path: Path) -> None:
    graph, _, _ = dense_only_graph(softmax_name=None)
    graph.initializer[2].CopyFrom(init("W2", np.zeros((32, 7), np.float32)))
    graph.initializer[3].CopyFrom(init("b2", np.zeros(7, np.float32)))
    # Reshape to a shape computed at run time: static shape inference cannot tell the output size.
    graph.node.append(helper.make_node("Shape", ["out"], ["s"]))
    graph.node.append(helper.make_node("Reshape", ["out", "s"], ["reshaped"]))
    graph.node.append(helper.make_node("Identity", ["reshaped"], ["final"]))
    del graph.output[:]
    graph.output.append(helper.make_empty_tensor_value_info("final"))
    refused(save(tmp_path, graph, check=False), "10 class scores", UnsupportedModelError)


def test_colour_32x32_input_is_refused(tmp_path: Path) -> None:
    graph = torch_style_graph()
    graph.input[0].CopyFrom(value("input.1", ["N", 3, 32, 32]))
    error = refused(save(tmp_path, graph, check=False), r"\(N, 3, 32, 32\)", UnsupportedModelError)
    assert "(N, 1, 28, 28)" in str(error)


def test_two_inputs_and_integer_input_are_refused(tmp_path: Path) -> None:
    graph, _, _ = dense_only_graph()
    graph.input.append(value("mask", ["N", 784]))
    refused(save(tmp_path, graph, name="two.onnx"), "exactly one input", UnsupportedModelError)
    graph, _, _ = dense_only_graph()
    graph.input[0].CopyFrom(helper.make_tensor_value_info("pixels", TensorProto.INT64, ["N", 784]))
    refused(save(tmp_path, graph, name="int.onnx", check=False), "INT64", UnsupportedModelError)


def test_custom_domain_operator_is_refused(tmp_path: Path) -> None:
    graph, _, _ = dense_only_graph()
    graph.node[1].CopyFrom(helper.make_node("FancyRelu", ["h"], ["hidden"], domain="com.example"))
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid("com.example", 1)])
    path = tmp_path / "custom.onnx"
    path.write_bytes(proto.SerializeToString())
    refused(path, "com.example::FancyRelu", UnsupportedModelError)


def test_operator_onnxruntime_cannot_load_is_refused(tmp_path: Path) -> None:
    graph, _, _ = dense_only_graph()
    graph.node[1].op_type = "NoSuchOperator"
    refused(save(tmp_path, graph, check=False), "onnxruntime cannot load", UnsupportedModelError)


def test_oversize_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save(tmp_path, torch_style_graph())
    monkeypatch.setattr(runtime_module, "MAX_MODEL_BYTES", path.stat().st_size - 1)

    def no_read(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_read)
    refused(path, "too large")

"""Crafted ONNX files (built here with onnx.helper, never committed) that must be refused before onnxruntime runs them.

Two classes of attack, each fixed in :mod:`convlens.engine.onnx_reader` by inspecting the file first:

1. **External data**: a tensor whose bytes live in another file. onnxruntime, given the model as bytes, resolves a
   relative location against the *working directory*, so a Constant pointing at ``secret.bin`` leaked that file's
   bytes into the probabilities. Every place a tensor can hide is tried (initializer, Constant value, another node's
   tensor attribute, ``attr.tensors``, sparse initializer, sparse Constant, If and Loop sub-graphs, nested ones),
   with a ``secret.bin`` of known bytes in a temporary working directory.
2. **Small files that hang or fill the memory**: a Loop of 10^12 iterations, a ConstantOfShape of 2e9 floats,
   a fixed batch of 200,000 or 10^9 images, 2000 layers, oversized declared tensors, huge paddings, and values that
   explode through broadcasting.

Each test fails without the check it covers; legitimate models (the shipped one, a fixed batch of 64, external
data next to the model) still open.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convlens.engine import onnx_reader
from convlens.engine.model import ModelFileError
from convlens.engine.onnx_reader import UnsupportedModelError, prepare_classifier
from convlens.engine.runtime import OnnxPredictor

RNG = np.random.default_rng(3)
W = RNG.normal(0, 0.05, (784, 10)).astype(np.float32)
SECRET = (np.arange(10, dtype=np.float32) * 7.0 + 1.0).astype(np.float32)
"""What ``secret.bin`` in the working directory holds: if it reached the model, the scores would shift by it."""


# -- building crafted models ----------------------------------------------------------------------------------------
def value(name: str, dims: list[int | str] | None, elem: int = TensorProto.FLOAT) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, dims)


def external(name: str, location: str = "secret.bin", dims: tuple[int, ...] = (10,), **entries: int) -> TensorProto:
    """A float tensor whose data lives in ``location`` (relative paths are what onnxruntime resolves)."""
    t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=list(dims))
    t.data_location = TensorProto.EXTERNAL
    for key, val in {"location": location, **{k: str(v) for k, v in entries.items()}}.items():
        entry = t.external_data.add()
        entry.key, entry.value = key, str(val)
    return t


def classifier(nodes: list[onnx.NodeProto] | None = None, inits: list[TensorProto] | None = None,
               batch: int | str = "N", added: str | None = None) -> onnx.GraphProto:
    """image -> Flatten -> MatMul W -> (+ ``added``) -> Softmax; ``nodes`` produce ``added``."""
    body = [helper.make_node("Flatten", ["image"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "w"], ["logits"])]
    scores = "logits"
    if added is not None:
        body.append(helper.make_node("Add", ["logits", added], ["shifted"]))
        scores = "shifted"
    body.append(helper.make_node("Softmax", [scores], ["probs"], axis=1))
    return helper.make_graph([*(nodes or []), *body], "crafted", [value("image", [batch, 1, 28, 28])],
                             [value("probs", [batch, 10])], [numpy_helper.from_array(W, "w"), *(inits or [])])


def save(folder: Path, graph: onnx.GraphProto, name: str = "model.onnx", opset: int = 17,
         **model_fields: object) -> Path:
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="pytest",
                              **model_fields)
    proto.ir_version = 8
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(proto.SerializeToString())
    return path


def refused(path: Path, match: str, seconds: float = 5.0) -> str:
    """Opening ``path`` raises UnsupportedModelError matching ``match``: one line naming the file, quickly."""
    started = time.perf_counter()
    with pytest.raises(UnsupportedModelError, match=match) as info:
        OnnxPredictor.open(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message, message
    assert time.perf_counter() - started < seconds
    return message


def images(n: int) -> np.ndarray:
    return np.random.default_rng(n).random((n, 28, 28, 1), dtype=np.float32)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def expected(x: np.ndarray, shift: np.ndarray | float = 0.0) -> np.ndarray:
    return softmax(x.reshape(len(x), 784) @ W + shift)


# -- 1. external data -----------------------------------------------------------------------------------------------
def _loop_adding(tensor: TensorProto) -> tuple[list[onnx.NodeProto], list[TensorProto]]:
    """A Loop of one iteration whose body adds a Constant holding ``tensor`` to a carried zero vector."""
    body = helper.make_graph(
        [helper.make_node("Constant", [], ["k"], value=tensor),
         helper.make_node("Add", ["v_in", "k"], ["v_out"]),
         helper.make_node("Identity", ["cond_in"], ["cond_out"])],
        "body", [value("iter", [], TensorProto.INT64), value("cond_in", [], TensorProto.BOOL), value("v_in", [10])],
        [value("cond_out", [], TensorProto.BOOL), value("v_out", [10])])
    inits = [numpy_helper.from_array(np.array(1, np.int64), "one"), numpy_helper.from_array(np.array(True), "yes"),
             numpy_helper.from_array(np.zeros(10, np.float32), "zeros")]
    return [helper.make_node("Loop", ["one", "yes", "zeros"], ["c"], body=body)], inits


def _if_giving(tensor: TensorProto, depth: int = 1) -> tuple[list[onnx.NodeProto], list[TensorProto]]:
    """An If (nested ``depth`` deep) whose then-branch is a Constant holding ``tensor``."""
    def branch(inner: list[onnx.NodeProto], name: str) -> onnx.GraphProto:
        return helper.make_graph(inner, name, [], [value(f"{name}_out", [10])])

    then = [helper.make_node("Constant", [], ["then_out"], value=tensor)]
    for level in range(depth - 1):
        inner_else = [helper.make_node("Constant", [], [f"else{level}_out"],
                                       value=numpy_helper.from_array(np.zeros(10, np.float32)))]
        then = [helper.make_node("If", ["yes"], ["then_out"], then_branch=branch(then, "then"),
                                 else_branch=branch(inner_else, f"else{level}"))]
    orelse = [helper.make_node("Constant", [], ["else_out"], value=numpy_helper.from_array(np.zeros(10, np.float32)))]
    node = helper.make_node("If", ["yes"], ["c"], then_branch=branch(then, "then"), else_branch=branch(orelse, "else"))
    return [node], [numpy_helper.from_array(np.array(True), "yes")]


def _sparse(values: TensorProto) -> onnx.SparseTensorProto:
    return helper.make_sparse_tensor(values, numpy_helper.from_array(np.arange(10, dtype=np.int64), "idx"), [10])


def _hiding_place(place: str) -> tuple[list[onnx.NodeProto], list[TensorProto], list[onnx.SparseTensorProto]]:
    """Nodes, initializers and sparse initializers that put an external ``secret.bin`` tensor behind ``c``."""
    if place == "initializer":
        return [], [external("c")], []
    if place == "Constant value":
        return [helper.make_node("Constant", [], ["c"], value=external("c_value"))], [], []
    if place == "tensor attribute of another node":
        shape = numpy_helper.from_array(np.array([10], np.int64), "ten")
        return [helper.make_node("ConstantOfShape", ["ten"], ["c"], value=external("fill", dims=(1,), length=4))], \
            [shape], []
    if place == "attr.tensors":
        node = helper.make_node("Identity", ["bias"], ["c"])
        node.attribute.append(helper.make_attribute("extra", [external("hidden")]))
        return [node], [numpy_helper.from_array(np.zeros(10, np.float32), "bias")], []
    if place == "sparse initializer":
        return [], [], [_sparse(external("c"))]
    if place == "sparse Constant":
        return [helper.make_node("Constant", [], ["c"], sparse_value=_sparse(external("sparse_values")))], [], []
    if place == "If sub-graph":
        nodes, inits = _if_giving(external("branch_value"))
        return nodes, inits, []
    if place == "nested If sub-graph":
        nodes, inits = _if_giving(external("deep_value"), depth=3)
        return nodes, inits, []
    if place == "Loop body":
        nodes, inits = _loop_adding(external("loop_value"))
        return nodes, inits, []
    raise AssertionError(place)


PLACES = ["initializer", "Constant value", "tensor attribute of another node", "attr.tensors", "sparse initializer",
          "sparse Constant", "If sub-graph", "nested If sub-graph", "Loop body"]


@pytest.fixture
def secret_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding ``secret.bin`` (known bytes) and nothing else; the models live elsewhere."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    SECRET.tofile(cwd / "secret.bin")
    monkeypatch.chdir(cwd)
    return cwd


@pytest.mark.parametrize("place", PLACES)
def test_external_data_in_the_working_directory_is_never_read(place: str, tmp_path: Path, secret_cwd: Path) -> None:
    nodes, inits, sparse = _hiding_place(place)
    graph = classifier(nodes, inits, added="c")
    graph.sparse_initializer.extend(sparse)
    path = save(tmp_path / "models", graph)
    message = refused(path, "external data")
    assert "secret.bin" in message
    # The same bytes without a file to be next to (as prepare_classifier's callers may pass them) are refused too.
    with pytest.raises(UnsupportedModelError, match="external data"):
        prepare_classifier(path.read_bytes(), "upload")


@pytest.mark.parametrize("location", ["../secret.bin", "sub/../../secret.bin", "ABSOLUTE", "link.bin",
                                      "sublink/secret.bin", "..\\secret.bin"])
def test_external_data_outside_the_models_folder_is_refused(location: str, tmp_path: Path) -> None:
    SECRET.tofile(tmp_path / "secret.bin")
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "sub").mkdir()
    os.symlink(tmp_path / "secret.bin", folder / "link.bin")  # symlinks that escape the folder
    os.symlink(tmp_path, folder / "sublink")
    if location == "ABSOLUTE":
        location = str(tmp_path / "secret.bin")
    path = save(folder, classifier(inits=[external("c", location)], added="c"))
    refused(path, "outside the model's folder|absolute path|cannot read the external data")


def test_external_data_next_to_the_model_is_inlined_and_independent_of_the_working_directory(
        tmp_path: Path, secret_cwd: Path) -> None:
    """A model saved with its weights in a side file (as onnx.save_model(..., save_as_external_data=True) writes)
    opens from any working directory: the data is read from the model's folder and inlined before onnxruntime sees
    the bytes. The working directory holds a decoy of the same name."""
    folder = tmp_path / "models"
    folder.mkdir()
    bias = np.linspace(-1, 1, 10, dtype=np.float32)
    (folder / "weights.bin").write_bytes(b"\0" * 16 + W.tobytes() + bias.tobytes())
    (secret_cwd / "weights.bin").write_bytes(np.ones(W.size + 10 + 4, np.float32).tobytes())  # the decoy
    graph = classifier(
        [helper.make_node("Constant", [], ["c"],
                          value=external("b", "weights.bin", offset=16 + W.nbytes, length=bias.nbytes))],
        added="c")
    graph.initializer[0].CopyFrom(external("w", "weights.bin", dims=W.shape, offset=16))
    path = save(folder, graph)
    predictor = OnnxPredictor.open(path)
    x = images(3)
    np.testing.assert_allclose(predictor.predict_proba(x), expected(x, bias), atol=1e-5)
    proto = onnx.ModelProto()
    proto.ParseFromString(predictor.spec.model_bytes)
    tensors = [*proto.graph.initializer, *(a.t for n in proto.graph.node for a in n.attribute if a.HasField("t"))]
    assert tensors and all(t.data_location == TensorProto.DEFAULT and not t.external_data for t in tensors)
    # Given the folder explicitly, bytes from anywhere work the same.
    spec = prepare_classifier(path.read_bytes(), "upload", folder=folder)
    assert b"weights.bin" not in spec.model_bytes


def test_external_data_of_the_wrong_length_or_past_the_end_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    SECRET.tofile(folder / "near.bin")
    refused(save(folder, classifier(inits=[external("c", "near.bin", length=8)], added="c"), "a.onnx"),
            "bytes of external data")
    refused(save(folder, classifier(inits=[external("c", "near.bin", offset=8)], added="c"), "b.onnx"),
            "too short")
    os.mkfifo(folder / "pipe.bin")  # a FIFO would block a reader for ever
    refused(save(folder, classifier(inits=[external("c", "pipe.bin")], added="c"), "c.onnx"), "not a regular file")


# -- 2. hangs and memory --------------------------------------------------------------------------------------------
def test_a_loop_of_a_trillion_iterations_is_refused_before_running(tmp_path: Path) -> None:
    body = helper.make_graph(
        [helper.make_node("Identity", ["v_in"], ["v_out"]), helper.make_node("Identity", ["cond_in"], ["cond_out"])],
        "body",
        [value("iter", [], TensorProto.INT64), value("cond_in", [], TensorProto.BOOL), value("v_in", ["N", 10])],
        [value("cond_out", [], TensorProto.BOOL), value("v_out", ["N", 10])])
    graph = classifier([], [numpy_helper.from_array(np.array(10**12, np.int64), "trips"),
                            numpy_helper.from_array(np.array(True), "yes")])
    graph.node.insert(2, helper.make_node("Loop", ["trips", "yes", "logits"], ["looped"], body=body))
    graph.node[3].input[0] = "looped"
    refused(save(tmp_path, graph), "Loop", seconds=2.0)


def test_constant_of_shape_of_two_billion_floats_is_refused(tmp_path: Path) -> None:
    graph = classifier([
        helper.make_node("ConstantOfShape", ["huge"], ["filled"],
                         value=numpy_helper.from_array(np.ones(1, np.float32))),
        helper.make_node("ReduceSum", ["filled"], ["c"], keepdims=0),
    ], [numpy_helper.from_array(np.array([2 * 10**9], np.int64), "huge")], added="c")
    refused(save(tmp_path, graph), "ConstantOfShape", seconds=2.0)


@pytest.mark.parametrize("op, inputs, attrs", [
    ("Scan", ["logits"], {"num_scan_inputs": 1}),
    ("If", ["yes"], {}),
    ("Expand", ["logits", "shape"], {}),
    ("Tile", ["logits", "shape"], {}),
    ("Range", ["zero", "big", "one"], {}),
    ("Resize", ["logits", "", "scales"], {}),
    ("Upsample", ["logits", "scales"], {}),
    ("NonZero", ["logits"], {}),
    ("ConvTranspose", ["logits", "w"], {}),
    ("OneHot", ["zero", "big", "one"], {}),
])
def test_operators_a_digit_classifier_does_not_need_are_refused(op: str, inputs: list[str], attrs: dict[str, Any],
                                                                 tmp_path: Path) -> None:
    node = helper.make_node(op, inputs, ["extra"], **attrs)
    if op in ("Scan", "If"):
        sub = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "sub", [value("x", [10])],
                                [value("y", [10])])
        node.attribute.extend([helper.make_attribute("body", sub)] if op == "Scan" else
                              [helper.make_attribute("then_branch", sub), helper.make_attribute("else_branch", sub)])
    graph = classifier([], [numpy_helper.from_array(np.array([10**6, 10**6], np.int64), "shape"),
                            numpy_helper.from_array(np.array(0, np.int64), "zero"),
                            numpy_helper.from_array(np.array(10**12, np.int64), "big"),
                            numpy_helper.from_array(np.array(1, np.int64), "one"),
                            numpy_helper.from_array(np.full(2, 1000.0, np.float32), "scales"),
                            numpy_helper.from_array(np.array(True), "yes")])
    graph.node.insert(2, node)
    refused(save(tmp_path, graph, opset=17 if op != "Upsample" else 9), op)


def test_a_file_claiming_to_be_a_convlens_export_gets_no_exemption(tmp_path: Path) -> None:
    graph = classifier([], [numpy_helper.from_array(np.array([2 * 10**9], np.int64), "huge")])
    graph.node.insert(0, helper.make_node("ConstantOfShape", ["huge"], ["filled"]))
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="convlens")
    helper.set_model_props(proto, {"convlens_layers": "[]", "convlens_format": "1"})
    path = tmp_path / "claims.onnx"
    path.write_bytes(proto.SerializeToString())
    refused(path, "ConstantOfShape")


@pytest.mark.parametrize("batch", [200_000, 10**9])
def test_a_huge_fixed_batch_is_refused_before_anything_is_allocated(batch: int, tmp_path: Path) -> None:
    refused(save(tmp_path, classifier(batch=batch)), f"fixed batch of {batch:,}", seconds=2.0)


def test_a_fixed_batch_up_to_the_limit_still_works(tmp_path: Path) -> None:
    predictor = OnnxPredictor.open(save(tmp_path, classifier(batch=onnx_reader.MAX_BATCH)))
    x = images(3)
    np.testing.assert_allclose(predictor.predict_proba(x), expected(x), atol=1e-5)
    refused(save(tmp_path, classifier(batch=onnx_reader.MAX_BATCH + 1), "65.onnx"), "fixed batch")


def test_huge_declared_output_and_value_info_dims_are_refused(tmp_path: Path) -> None:
    graph = classifier()
    graph.output[0].CopyFrom(value("probs", [200_000, 10]))
    refused(save(tmp_path, graph, "out.onnx"), "fixed batch of 200,000")
    graph = classifier()
    graph.value_info.append(value("flat", ["N", 10**9]))
    refused(save(tmp_path, graph, "info.onnx"), "declared")


def test_two_thousand_layers_are_refused_at_once(tmp_path: Path) -> None:
    graph = classifier([helper.make_node("Relu", [f"r{i}" if i else "logits"], [f"r{i + 1}"]) for i in range(2000)])
    graph.node[-1].input[0] = "r2000"  # the Softmax reads the last Relu
    refused(save(tmp_path, graph), "more than 500 nodes", seconds=1.0)


def test_a_chain_deeper_than_the_limit_is_refused(tmp_path: Path) -> None:
    n = onnx_reader.MAX_DEPTH + 10
    graph = classifier([helper.make_node("Relu", [f"r{i}" if i else "logits"], [f"r{i + 1}"]) for i in range(n)])
    graph.node[-1].input[0] = f"r{n}"
    refused(save(tmp_path, graph), "chains more than")


def test_tensors_declaring_more_values_than_their_data_are_refused(tmp_path: Path) -> None:
    huge = TensorProto(name="c", data_type=TensorProto.FLOAT, dims=[2 * 10**9], raw_data=b"\0" * 4)
    refused(save(tmp_path, classifier(inits=[huge], added="c"), "huge.onnx"), "declares 2,000,000,000 values")
    short = TensorProto(name="c", data_type=TensorProto.FLOAT, dims=[10], raw_data=b"\0" * 8)
    refused(save(tmp_path, classifier(inits=[short], added="c"), "short.onnx"), "8 bytes of data")
    typed = TensorProto(name="c", data_type=TensorProto.FLOAT, dims=[10], float_data=[1.0, 2.0])
    refused(save(tmp_path, classifier(inits=[typed], added="c"), "typed.onnx"), "holds 2 values")
    constant = helper.make_node("Constant", [], ["c"], value=TensorProto(
        name="v", data_type=TensorProto.FLOAT, dims=[10, 10**8], raw_data=b"\0" * 40))
    refused(save(tmp_path, classifier([constant], added="c"), "constant.onnx"), "declares 1,000,000,000 values")


def test_sparse_tensors_are_counted_dense(tmp_path: Path) -> None:
    """onnxruntime makes sparse initializers dense: a few bytes in the file, gigabytes in memory."""
    def sparse(name: str, size: int) -> onnx.SparseTensorProto:
        return helper.make_sparse_tensor(numpy_helper.from_array(np.ones(1, np.float32), name),
                                         numpy_helper.from_array(np.zeros(1, np.int64), f"{name}_i"), [size])

    graph = classifier()
    graph.sparse_initializer.append(sparse("big", 4 * 10**8))  # 1.6 GB dense: under onnxruntime's own 2 GB limit
    refused(save(tmp_path, graph, "one.onnx"), "declares 400,000,000 values")
    graph = classifier()
    graph.sparse_initializer.extend([sparse(f"s{i}", 10**7) for i in range(2)])  # 2 x 40 MB dense
    refused(save(tmp_path, graph, "two.onnx"), "more than 50 MB")


def test_huge_paddings_are_refused(tmp_path: Path) -> None:
    kernel = numpy_helper.from_array(np.ones((1, 1, 3, 3), np.float32), "k")
    conv = helper.make_node("Conv", ["image", "k"], ["conv"], pads=[10**5] * 4)
    graph = classifier([conv], [kernel])
    refused(save(tmp_path, graph, "conv.onnx"), "pads")
    pads = numpy_helper.from_array(np.array([0, 0, 10**5, 10**5, 0, 0, 10**5, 10**5], np.int64), "amounts")
    graph = classifier([helper.make_node("Pad", ["image", "amounts"], ["padded"])], [pads])
    refused(save(tmp_path, graph, "pad.onnx"), "pads by")
    computed = [helper.make_node("Shape", ["image"], ["s"]),
                helper.make_node("Concat", ["s", "s"], ["amounts"], axis=0),
                helper.make_node("Pad", ["image", "amounts"], ["padded"])]
    refused(save(tmp_path, classifier(computed), "computed.onnx"), "computed tensor")


def test_values_that_explode_through_broadcasting_are_refused(tmp_path: Path) -> None:
    """Allowed operators only, but the outer product of two vectors: 8192 x 8192 values from weights, and
    (784 N)^2 from the image, which grows with the square of the batch."""
    column = numpy_helper.from_array(np.ones((8192, 1), np.float32), "column")
    row = numpy_helper.from_array(np.ones((1, 8192), np.float32), "row")
    graph = classifier([helper.make_node("Add", ["column", "row"], ["outer"]),
                        helper.make_node("ReduceSum", ["outer"], ["c"], keepdims=0)], [column, row], added="c")
    refused(save(tmp_path, graph, "weights.onnx"), "would hold 67,108,864 values")

    shapes = [numpy_helper.from_array(np.array([-1, 1], np.int64), "as_column"),
              numpy_helper.from_array(np.array([1, -1], np.int64), "as_row")]
    graph = classifier([helper.make_node("Flatten", ["image"], ["pixels"], axis=0),
                        helper.make_node("Reshape", ["pixels", "as_column"], ["col"]),
                        helper.make_node("Reshape", ["pixels", "as_row"], ["rw"]),
                        helper.make_node("Mul", ["col", "rw"], ["outer"]),
                        helper.make_node("ReduceSum", ["outer"], ["c"], keepdims=0)], shapes, added="c")
    refused(save(tmp_path, graph, "batch.onnx"), "grows faster than the batch")


def test_a_convolution_of_a_hundred_billion_multiply_adds_is_refused(tmp_path: Path) -> None:
    """A 64 KB file: 4096 channels by broadcasting, 64x64x4096 weights from an outer product, pads of 64: every
    size within the limits, but 1.45e11 multiply-adds per image (minutes of one core for each pen stroke)."""
    inits = [numpy_helper.from_array(np.zeros((1, 4096, 1, 1), np.float32), "channels"),
             numpy_helper.from_array(np.ones((4096, 1), np.float32), "column"),
             numpy_helper.from_array(np.ones((1, 4096), np.float32), "row"),
             numpy_helper.from_array(np.array([1, 4096, 64, 64], np.int64), "kernel_shape")]
    graph = classifier([helper.make_node("Add", ["image", "channels"], ["wide"]),
                        helper.make_node("Add", ["column", "row"], ["outer"]),
                        helper.make_node("Reshape", ["outer", "kernel_shape"], ["kernel"]),
                        helper.make_node("Conv", ["wide", "kernel"], ["slow"], pads=[64] * 4),
                        helper.make_node("ReduceSum", ["slow"], ["c"], keepdims=0)], inits, added="c")
    refused(save(tmp_path, graph), "multiply-adds per image")


def test_local_functions_and_other_domains_are_refused(tmp_path: Path) -> None:
    function = helper.make_function("", "Relu", ["x"], ["y"], [helper.make_node("Identity", ["x"], ["y"])],
                                    [helper.make_opsetid("", 17)])
    refused(save(tmp_path, classifier(), "function.onnx", functions=[function]), "defines its own functions")
    graph = classifier()
    graph.node.insert(2, helper.make_node("TreeEnsembleClassifier", ["logits"], ["t"], domain="ai.onnx.ml"))
    refused(save(tmp_path, graph, "ml.onnx"), "ai.onnx.ml::TreeEnsembleClassifier")


def test_a_name_with_line_breaks_still_gives_one_line(tmp_path: Path) -> None:
    graph = classifier()
    graph.node.insert(2, helper.make_node("No\nSuch\nOp", ["logits"], ["t"]))
    refused(save(tmp_path, graph), "onnxruntime cannot load")


# -- legitimate models are unaffected ---------------------------------------------------------------------------------
def test_the_shipped_model_opens_and_the_inspection_is_quick() -> None:
    from convlens.resources import default_model_path

    path = default_model_path()
    data = path.read_bytes()
    prepare_classifier(data, str(path))
    started = time.perf_counter()
    for _ in range(5):
        spec = prepare_classifier(data, str(path))
    assert (time.perf_counter() - started) / 5 < 0.25  # a few ms in practice; generous for loaded CI machines
    assert spec.model_bytes == data  # nothing to inline: the file's own bytes go to onnxruntime
    predictor = OnnxPredictor.open(path)
    assert predictor.predict(images(2)).shape == (2,)


def test_a_symbolic_batch_classifier_with_shape_arithmetic_still_opens(tmp_path: Path) -> None:
    """torch's dynamic flatten (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) and a Pad with constant amounts."""
    inits = [numpy_helper.from_array(np.array(0, np.int64), "zero"),
             numpy_helper.from_array(np.array([0], np.int64), "ax"),
             numpy_helper.from_array(np.array([-1], np.int64), "minus_one"),
             numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "amounts"),
             numpy_helper.from_array(np.ones((1, 1, 3, 3), np.float32) / 9, "k")]
    nodes = [helper.make_node("Pad", ["image", "amounts"], ["padded"]),
             helper.make_node("Conv", ["padded", "k"], ["smooth"]),
             helper.make_node("Shape", ["smooth"], ["s"]), helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "ax"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus_one"], ["flat_shape"], axis=0),
             helper.make_node("Reshape", ["smooth", "flat_shape"], ["flat"]),
             helper.make_node("MatMul", ["flat", "w"], ["logits"]), helper.make_node("Softmax", ["logits"], ["probs"])]
    graph = helper.make_graph(nodes, "dynamic", [value("image", ["N", 1, 28, 28])], [value("probs", ["N", 10])],
                              [numpy_helper.from_array(W, "w"), *inits])
    for opset in (13, 17):
        predictor = OnnxPredictor.open(save(tmp_path, graph, f"dynamic{opset}.onnx", opset=opset))
        assert predictor.predict_proba(images(4)).shape == (4, 10)


def test_model_file_error_is_still_the_base_class(tmp_path: Path) -> None:
    path = save(tmp_path, classifier(batch=10**9))
    with pytest.raises(ModelFileError):
        OnnxPredictor.open(path)

"""Reading any ONNX digit classifier: check it, find its intermediate maps, describe how to run it.

:func:`prepare_classifier` checks that a file is a 10-way digit classifier with one float input shaped
``(N,1,28,28)``, ``(N,28,28,1)`` or ``(N,784)``, finds its Conv / Relu / MaxPool / AveragePool outputs and
returns a copy of the model with those tensors added as graph outputs, plus a :class:`ClassifierSpec`
describing how to feed and read it. Files written by :func:`convlens.engine.onnx_export.export_onnx` are
recognised by their metadata and used as they are, once they pass the same inspection. :func:`graph_details`
reads the parameter counts and conv biases of the outputs from the graph.

Only this module and :mod:`convlens.engine.onnx_export` import ``onnx``; :mod:`convlens.engine.runtime` (the only
module importing onnxruntime) runs what this module prepared.

Inspection before anything runs
-------------------------------
A crafted file must not make onnxruntime read other files or run for ever or allocate gigabytes, so
:func:`prepare_classifier` inspects the graph before handing it over, with ONNX files written by ConvLens getting no
exemption:

* **External data** (a tensor whose bytes live in another file) is looked for in every tensor the file holds:
  initializers, sparse initializers, tensor attributes (``Constant`` values, ``attr.t`` / ``attr.tensors`` /
  sparse ones) of every node of every sub-graph and local function. A location that is absolute, contains ``..``
  or resolves (symlinks followed) outside the model's own folder is refused; an allowed one is read here (bounded
  by the size limits) and inlined, so the bytes given to onnxruntime never name a file and loading does not depend
  on the working directory. Bytes without a folder (``folder=None`` and a ``source`` that is not a file) may not
  use external data at all.
* **Size**: at most :data:`MAX_NODES` nodes, :data:`MAX_DEPTH` nodes in the longest chain, no sub-graphs; every
  tensor declares at most :data:`MAX_TENSOR_ELEMENTS` values (from its dims, and its data must agree with them),
  all of them together at most :data:`MAX_DATA_BYTES`; a fixed batch of at most :data:`MAX_BATCH` images; declared
  dims of inputs, outputs and ``value_info`` at most :data:`MAX_DIM`; ``pads`` / ``kernel_shape`` / ``strides``
  / ``dilations`` and ``Pad`` amounts at most :data:`MAX_WINDOW`; and every intermediate whose shape ONNX shape
  inference can work out holds at most :data:`MAX_IMAGE_ELEMENTS` values per image and grows linearly with the
  batch; convolutions and matrix products need at most :data:`MAX_MACS` multiply-adds per image.
* **Operators**: only the default ONNX domain and :data:`ALLOWED_OPS`, what a digit classifier is made of. Loops,
  conditionals, and operators whose output size comes from a tensor's *values* (``ConstantOfShape``, ``Expand``,
  ``Tile``, ``Range``, ``Resize``, ``NonZero``, ...) are refused.

Every refusal is an :class:`UnsupportedModelError` whose message is one line: the file, then the reason.
"""

from __future__ import annotations

import json
import os
import stat
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Literal

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import TensorProto, helper, numpy_helper

from convlens.engine.model import ModelFileError
from convlens.engine.onnx_export import NUM_CLASSES, PROBS_NAME, PRODUCER

__all__ = [
    "ALLOWED_OPS",
    "EXPOSED_OPS",
    "INPUT_LAYOUTS",
    "MAX_BATCH",
    "MAX_DATA_BYTES",
    "MAX_DEPTH",
    "MAX_DIM",
    "MAX_IMAGE_ELEMENTS",
    "MAX_MACS",
    "MAX_NODES",
    "MAX_TENSOR_ELEMENTS",
    "MAX_WINDOW",
    "ClassifierSpec",
    "Layout",
    "OutputSpec",
    "UnsupportedModelError",
    "graph_details",
    "prepare_classifier",
]


class UnsupportedModelError(ModelFileError):
    """An ONNX file that is valid but is not a model ConvLens can run (wrong shapes, custom ops, ...)."""


Layout = Literal["nchw", "nhwc", "flat"]
INPUT_LAYOUTS: dict[Layout, tuple[int, ...]] = {"nchw": (1, 28, 28), "nhwc": (28, 28, 1), "flat": (784,)}
EXPOSED_OPS = {"Conv": "conv", "Relu": "relu", "MaxPool": "pool", "AveragePool": "pool"}
"""Node types whose outputs a foreign model exposes, with the kind reported for them."""
KINDS = {"Conv2D": "conv", "MaxPool2D": "pool", "ReLU": "relu", "Dense": "dense", "Flatten": "flatten",
         "Dropout": "dropout"}
STANDARD_DOMAINS = ("", "ai.onnx")
_PASS_THROUGH = {"Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze"}
_LAYOUT_KEEPING = {"Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "Add", "Sub", "Mul", "Div", "Identity",
                   "Dropout", "BatchNormalization", "Elu", "Selu", "HardSigmoid", "PRelu"}

# -- limits of the inspection (see the module docstring) ----------------------------------------------------------
MAX_NODES = 500
"""Nodes in the whole file: a digit classifier has tens (the shipped one 13, a ResNet-18 style one about 70)."""
MAX_DEPTH = 200
"""Nodes in the longest dependency chain of the graph."""
MAX_BATCH = 64
"""Largest fixed batch size (a symbolic batch is always fine): the runtime feeds and chunks by a fixed batch."""
MAX_DIM = 1 << 20
"""Largest fixed dimension declared for an input, an output or a ``value_info`` (a flattened 512x28x28 map is
401,408)."""
MAX_TENSOR_ELEMENTS = 1 << 24
"""Values one initializer or constant may declare (16.7 M; the shipped model's largest weight has 100,352)."""
MAX_DATA_BYTES = 50 * 2**20
"""All initializers and constants together, uncompressed (sparse tensors counted dense), like the 50 MB file
limit; also what external data may add."""
MAX_IMAGE_ELEMENTS = 1 << 20
"""Values per image of any intermediate whose shape shape inference knows (a 512-channel 28x28 map has 401,408)."""
MAX_MACS = 1 << 30
"""Multiply-adds per image of the Conv / MatMul / Gemm nodes whose shapes inference knows (the shipped model needs
about 1.1 M, a large 28x28 VGG-style network a few hundred M): about 0.1 s of one core."""
MAX_WINDOW = 64
"""Largest ``pads``, ``kernel_shape``, ``strides``, ``dilations`` entry and ``Pad`` amount (the image is 28x28)."""
SUBGRAPH_SCAN_DEPTH = 8
"""Sub-graphs are refused, but nested ones are still scanned (for external data) this deep."""

ALLOWED_OPS = frozenset({
    # convolution, dense
    "Conv", "Gemm", "MatMul",
    # activations
    "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "ThresholdedRelu", "Sigmoid", "HardSigmoid", "HardSwish",
    "Tanh", "Softplus", "Softsign", "Erf", "Gelu", "Mish", "Clip",
    # pooling
    "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
    # normalisation, dropout
    "BatchNormalization", "InstanceNormalization", "LayerNormalization", "LRN", "Dropout",
    # reshaping (none of them can make more values than they are given, except Pad, whose amounts are bounded)
    "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Concat", "Split", "Slice", "Gather", "Pad",
    "Shape", "Size", "Cast", "CastLike", "Identity", "Constant",
    # element-wise arithmetic (broadcasting outputs are bounded by the shape checks)
    "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Floor", "Ceil", "Round",
    "Sign", "Max", "Min", "Sum", "Mean",
    # reductions and the classifier's head
    "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare",
    "ReduceLogSumExp", "Softmax", "LogSoftmax", "ArgMax", "ArgMin",
    # quantized models (QDQ and QOperator formats of the default domain)
    "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul", "ConvInteger",
    "MatMulInteger",
})
"""Default-domain operators a digit classifier may use. Not allowed, among others: ``Loop``, ``Scan``, ``If``
(control flow: unbounded work), ``ConstantOfShape``, ``Expand``, ``Tile``, ``Range``, ``Resize`` / ``Upsample``,
``NonZero``, ``OneHot``, ``TopK`` (output sizes read from tensor values), ``ConvTranspose`` (up-sampling by
attributes), ``Einsum``, random, sequence, string and training operators."""
_WINDOW_ATTRS = ("pads", "kernel_shape", "strides", "dilations")
_SMALL_INT_INITIALIZER = 64
"""Integer initializers up to this size keep their values for shape inference (shapes, axes, pads)."""
_BITS: dict[int, int] = {TensorProto.UINT4: 4, TensorProto.INT4: 4, TensorProto.FLOAT4E2M1: 4}
for _name in ("UINT2", "INT2"):
    if hasattr(TensorProto, _name):
        _BITS[getattr(TensorProto, _name)] = 2
for _name in ("FLOAT6E2M3", "FLOAT6E3M2"):
    if hasattr(TensorProto, _name):
        _BITS[getattr(TensorProto, _name)] = 6


@dataclass(frozen=True)
class OutputSpec:
    """One intermediate tensor the runtime fetches.

    Attributes
    ----------
    key : str
        Name in the activations dict (a convlens layer name, or the tensor name in a foreign model).
    tensor : str
        Graph output name.
    kind : str
        ``"conv"``, ``"relu"``, ``"pool"``, ``"dense"``, ``"flatten"``, ``"dropout"`` or ``"logits"``.
    layout : {"nchw", "nhwc"}
        How a 4-D value is laid out in the graph (the runtime converts NCHW to NHWC).
    """

    key: str
    tensor: str
    kind: str
    layout: str = "nchw"


@dataclass
class ClassifierSpec:
    """How to run a checked classifier (returned by :func:`prepare_classifier`).

    Attributes
    ----------
    model_bytes : bytes
        The serialized model to give onnxruntime (a foreign model with the extra outputs added).
    input_name : str
    input_layout : {"nchw", "nhwc", "flat"}
        ``(N,1,28,28)``, ``(N,28,28,1)`` or ``(N,784)``.
    batch_size : int or None
        A fixed batch dimension, or None when it is symbolic.
    output_name : str
        The 10-way output.
    apply_softmax : bool
        True when that output holds logits (its producer is not a Softmax).
    outputs : list of OutputSpec
        The intermediates, in graph order.
    filters : OrderedDict[str, ndarray]
        Conv weights ``(H_f, W_f, C_in, C_out)`` keyed like ``outputs``.
    metadata : dict
        The model card if the file holds one, else the file's metadata properties.
    convlens : bool
        True for files written by :func:`~convlens.engine.onnx_export.export_onnx`.
    """

    model_bytes: bytes
    input_name: str
    input_layout: Layout
    batch_size: int | None
    output_name: str
    apply_softmax: bool
    outputs: list[OutputSpec]
    filters: OrderedDict[str, np.ndarray]
    metadata: dict[str, Any]
    convlens: bool


def _parse(data: bytes, source: str) -> onnx.ModelProto:
    proto = onnx.ModelProto()
    try:
        proto.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError):
        raise ModelFileError(f"{source}: not an ONNX model file (corrupt or truncated data)") from None
    if not proto.HasField("graph") or not proto.graph.node or proto.ir_version <= 0:
        raise ModelFileError(f"{source}: not an ONNX model file (no graph)")
    return proto


# -- inspection: every tensor, every node, before onnxruntime sees the file ------------------------------------------
_Container = onnx.GraphProto | onnx.FunctionProto


def _refuse(source: str, reason: str) -> UnsupportedModelError:
    return UnsupportedModelError(f"{source}: {reason}")


def _containers(proto: onnx.ModelProto, source: str) -> list[tuple[_Container, int]]:
    """The main graph, every sub-graph (``attr.g`` / ``attr.graphs`` at any depth) and every local function, with
    their nesting depth; refuses more than :data:`MAX_NODES` nodes in all of them before walking further."""
    found: list[tuple[_Container, int]] = []
    stack: list[tuple[_Container, int]] = [(proto.graph, 0), *((f, 1) for f in proto.functions)]
    total = 0
    while stack:
        container, depth = stack.pop()
        total += len(container.node)
        if total > MAX_NODES:
            raise _refuse(source, f"has more than {MAX_NODES} nodes; a digit classifier has tens")
        if depth > SUBGRAPH_SCAN_DEPTH:
            raise _refuse(source, f"nests sub-graphs more than {SUBGRAPH_SCAN_DEPTH} deep")
        found.append((container, depth))
        attrs: list[onnx.AttributeProto] = [a for node in container.node for a in node.attribute]
        if isinstance(container, onnx.FunctionProto):
            attrs.extend(container.attribute_proto)
        for attr in attrs:
            if attr.HasField("g"):
                stack.append((attr.g, depth + 1))
            stack.extend((g, depth + 1) for g in attr.graphs)
    return found


def _node_label(node: onnx.NodeProto) -> str:
    name = node.name or (node.output[0] if node.output else "")
    return f"the {node.op_type} node {name!r}" if name else f"a {node.op_type} node"


def _attr_tensors(attr: onnx.AttributeProto) -> Iterator[onnx.TensorProto | onnx.SparseTensorProto]:
    """Every tensor an attribute holds, whatever its declared type says."""
    if attr.HasField("t"):
        yield attr.t
    yield from attr.tensors
    if attr.HasField("sparse_tensor"):
        yield attr.sparse_tensor
    yield from attr.sparse_tensors


def _container_tensors(container: _Container,
                       depth: int) -> Iterator[tuple[onnx.TensorProto | onnx.SparseTensorProto, str]]:
    """Every tensor of one graph or function with a description of where it sits."""
    inside = " in a sub-graph" if depth and isinstance(container, onnx.GraphProto) else (
        f" in the function {container.name!r}" if isinstance(container, onnx.FunctionProto) else "")
    if isinstance(container, onnx.GraphProto):
        for t in container.initializer:
            yield t, f"initializer {t.name!r}{inside}"
        for sparse in container.sparse_initializer:
            yield sparse, f"sparse initializer {sparse.values.name!r}{inside}"
    for node in container.node:
        for attr in node.attribute:
            for t in _attr_tensors(attr):
                yield t, f"tensor attribute {attr.name!r} of {_node_label(node)}{inside}"
    if isinstance(container, onnx.FunctionProto):
        for attr in container.attribute_proto:
            for t in _attr_tensors(attr):
                yield t, f"default attribute {attr.name!r}{inside}"


def _elements(dims: Iterable[int]) -> int:
    n = 1
    for d in dims:
        if d < 0:
            return -1
        n *= d
    return n


def _nbytes(data_type: int, n: int) -> int | None:
    """Bytes of ``n`` packed values of ``data_type`` (None for an unknown type or strings)."""
    if data_type == TensorProto.STRING:
        return None
    bits = _BITS.get(data_type)
    if bits is None:
        try:
            bits = 8 * helper.tensor_dtype_to_np_dtype(data_type).itemsize
        except (KeyError, TypeError, ValueError):
            return None
    return (n * bits + 7) // 8


def _typed_count(data_type: int, n: int) -> int:
    """How many entries of the typed field (``float_data``, ``int32_data``, ...) hold ``n`` values."""
    if data_type in (TensorProto.COMPLEX64, TensorProto.COMPLEX128):
        return 2 * n
    bits = _BITS.get(data_type)
    if bits in (2, 4):
        per = 2 if bits == 4 else 4
        return -(-n // per)
    return n


class _DataCheck:
    """Checks every tensor's declared size and data, and inlines allowed external data (see the module docstring).

    ``folder`` is the model's own folder (resolved), or None when external data is not allowed at all.
    """

    def __init__(self, source: str, folder: Path | None) -> None:
        self.source = source
        self.folder = folder
        self.total = 0
        self.inlined = 0

    def refuse(self, reason: str) -> UnsupportedModelError:
        return _refuse(self.source, reason)

    def _count(self, nbytes: int, what: str) -> None:
        self.total += nbytes
        if self.total > MAX_DATA_BYTES:
            raise self.refuse(f"its weights and constants (with the {what}) take more than "
                              f"{MAX_DATA_BYTES / 2**20:.0f} MB uncompressed; a digit classifier needs a few MB")

    def _declared(self, dims: Iterable[int], what: str) -> int:
        dims = list(dims)
        n = _elements(dims)
        if n < 0:
            raise self.refuse(f"the {what} declares a negative dimension {dims}")
        if n > MAX_TENSOR_ELEMENTS:
            raise self.refuse(f"the {what} declares {n:,} values (dims {dims}); a weight or constant of a digit "
                              f"classifier holds at most {MAX_TENSOR_ELEMENTS:,}")
        return n

    def tensor(self, t: onnx.TensorProto | onnx.SparseTensorProto, what: str) -> None:
        if isinstance(t, onnx.SparseTensorProto):
            n = self._declared(t.dims, what)  # onnxruntime makes sparse tensors dense
            self._count(_nbytes(t.values.data_type, n) or 8 * n, what)
            self.dense(t.values, f"values of the {what}", count=False)
            self.dense(t.indices, f"indices of the {what}", count=False)
        else:
            self.dense(t, what)

    def dense(self, t: onnx.TensorProto, what: str, count: bool = True) -> None:
        n = self._declared(t.dims, what)
        nbytes = _nbytes(t.data_type, n)
        external = t.data_location == TensorProto.EXTERNAL or len(t.external_data) > 0
        if t.data_type == TensorProto.STRING:
            if external or t.HasField("raw_data"):
                raise self.refuse(f"the {what} is a string tensor stored as raw or external bytes")
            nbytes = sum(len(s) for s in t.string_data) + 8 * n
        elif nbytes is None:
            raise self.refuse(f"the {what} has an unknown data type ({t.data_type})")
        if count:
            self._count(nbytes, what)
        if external:
            self._inline(t, nbytes, what)
            return
        if t.HasField("raw_data"):
            if len(t.raw_data) != nbytes:
                raise self.refuse(f"the {what} holds {len(t.raw_data):,} bytes of data where its dims "
                                  f"{list(t.dims)} need {nbytes:,}")
            return
        if t.data_type == TensorProto.STRING:
            have, want = len(t.string_data), n
        else:
            have, want = len(getattr(t, helper.tensor_dtype_to_field(t.data_type))), _typed_count(t.data_type, n)
        if have != want:
            raise self.refuse(f"the {what} holds {have:,} values where its dims {list(t.dims)} need {want:,}")

    def _inline(self, t: onnx.TensorProto, nbytes: int, what: str) -> None:
        """Read the external data of ``t`` (inside the model's folder only) into ``t.raw_data``."""
        entries = {e.key: e.value for e in t.external_data}
        location = entries.get("location", "")
        if self.folder is None:
            raise self.refuse(f"the {what} keeps its data in an external data file ({location!r}); open the model "
                              "from its file, with the data in the model's folder, or save it as one file")
        if not location or "\x00" in location:
            raise self.refuse(f"the {what} is marked as external data without a file name")
        posix, windows = PurePosixPath(location), PureWindowsPath(location)
        if posix.is_absolute() or windows.is_absolute() or windows.drive or windows.root:
            raise self.refuse(f"the {what} reads its external data from the absolute path {location!r}; "
                              "external data must sit in the model's folder")
        if ".." in posix.parts or ".." in windows.parts:
            raise self.refuse(f"the {what} reads its external data from {location!r}, outside the model's folder")
        try:
            target = (self.folder / location).resolve()
        except (OSError, RuntimeError, ValueError):  # a symlink loop, an invalid name
            raise self.refuse(f"the {what} reads its external data from {location!r}, which cannot be resolved") \
                from None
        if not target.is_relative_to(self.folder):
            raise self.refuse(f"the {what} reads its external data from {location!r}, which leads outside the "
                              "model's folder")
        try:
            offset = int(entries.get("offset", "0"))
            length = int(entries["length"]) if "length" in entries else None
        except ValueError:
            raise self.refuse(f"the {what} has an unreadable external data offset or length") from None
        if offset < 0 or (length is not None and length != nbytes):
            raise self.refuse(f"the {what} declares {length} bytes of external data at offset {offset}; its dims "
                              f"{list(t.dims)} need {nbytes:,}")
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(target, flags)
        except OSError as exc:
            raise self.refuse(f"cannot read the external data file {location!r} of the {what} "
                              f"({exc.strerror or exc})") from None
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise self.refuse(f"the external data {location!r} of the {what} is not a regular file")
            if offset + nbytes > info.st_size:
                raise self.refuse(f"the external data file {location!r} is too short for the {what}")
            f.seek(offset)
            data = f.read(nbytes)
        if len(data) != nbytes:
            raise self.refuse(f"the external data file {location!r} is too short for the {what}")
        for field in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
            t.ClearField(field)
        del t.external_data[:]
        t.data_location = TensorProto.DEFAULT
        t.raw_data = data
        self.inlined += 1

    def constant_lists(self, container: _Container) -> None:
        """``value_floats`` / ``value_ints`` / ``value_strings`` of Constant nodes count towards the total."""
        for node in container.node:
            if node.op_type != "Constant":
                continue
            for attr in node.attribute:
                size = 4 * len(attr.floats) + 8 * len(attr.ints) + sum(len(s) + 8 for s in attr.strings)
                if size:
                    self._count(size, f"attribute {attr.name!r} of {_node_label(node)}")


def _model_folder(source: str, folder: str | Path | None) -> Path | None:
    if folder is not None:
        return Path(folder).resolve()
    try:
        path = Path(source)
        return path.parent.resolve() if path.is_file() else None
    except (OSError, ValueError):
        return None


def _check_data(proto: onnx.ModelProto, containers: list[tuple[_Container, int]], source: str,
                folder: Path | None) -> bool:
    """Sizes and data of every tensor; external data is refused or inlined. True when ``proto`` changed."""
    check = _DataCheck(source, folder)
    for container, depth in containers:
        for t, what in _container_tensors(container, depth):
            check.tensor(t, what)
        check.constant_lists(container)
    changed = check.inlined > 0 or len(proto.training_info) > 0
    proto.ClearField("training_info")  # never run by onnxruntime; dropped rather than checked
    return changed


def _check_nodes(proto: onnx.ModelProto, containers: list[tuple[_Container, int]], source: str) -> None:
    """Domains, the operator allow-list, no sub-graphs, bounded windows."""
    nodes = [n for container, _ in containers for n in container.node]
    custom = sorted({f"{n.domain}::{n.op_type}" for n in nodes if n.domain not in STANDARD_DOMAINS})
    if custom:
        raise UnsupportedModelError(f"{source}: uses custom or non-standard operators ({', '.join(custom)}); "
                                    "only standard ONNX operators are supported")
    if proto.functions:
        names = ", ".join(sorted({f"{f.domain}::{f.name}" for f in proto.functions}))
        raise _refuse(source, f"defines its own functions ({names}); only standard ONNX operators are supported")
    others = {n.op_type for n in nodes if n.op_type not in ALLOWED_OPS}
    known = sorted(op for op in others if onnx.defs.has(op))
    if known:
        raise _refuse(source, f"uses operators ConvLens does not run ({', '.join(known)}): a digit classifier needs "
                              "no loops, conditionals or operators that size their output from tensor values")
    if others:
        raise _refuse(source, f"onnxruntime cannot load this model: {', '.join(sorted(others))} is not an ONNX "
                              "operator")
    if len(containers) > 1:
        node = next(n for n in nodes if any(a.HasField("g") or a.graphs for a in n.attribute))
        raise _refuse(source, f"{_node_label(node)} carries a sub-graph; a digit classifier has none")
    for node in nodes:
        for attr in node.attribute:
            if attr.name in _WINDOW_ATTRS and any(abs(v) > MAX_WINDOW for v in attr.ints):
                raise _refuse(source, f"{_node_label(node)} has {attr.name} {list(attr.ints)[:8]}; ConvLens "
                                      f"accepts at most {MAX_WINDOW} on a 28x28 image")
    constants: dict[str, onnx.TensorProto | list[int]] = dict(_constant_arrays(proto))
    for node in proto.graph.node:
        if node.op_type == "Constant" and node.output:
            for attr in node.attribute:
                if attr.name == "value_ints":
                    constants[node.output[0]] = list(attr.ints)
    for node in nodes:
        if node.op_type != "Pad" or len(node.input) < 2 or not node.input[1]:
            continue
        amounts = _small_constant(constants.get(node.input[1]))
        if amounts is None:
            raise _refuse(source, f"{_node_label(node)} takes its amounts from a computed tensor; ConvLens needs "
                                  "constant padding")
        if any(abs(int(v)) > MAX_WINDOW for v in amounts):
            raise _refuse(source, f"{_node_label(node)} pads by {[int(v) for v in amounts][:8]}; ConvLens accepts "
                                  f"at most {MAX_WINDOW} on a 28x28 image")


def _small_constant(value: onnx.TensorProto | list[int] | None) -> list[int] | None:
    if isinstance(value, list) or value is None:
        return value
    if _elements(value.dims) > 64:
        return None
    try:
        return [int(v) for v in numpy_helper.to_array(value).reshape(-1)]
    except Exception:  # noqa: BLE001 - unreadable means not a usable constant
        return None


def _check_declared(graph: onnx.GraphProto, source: str) -> None:
    """Fixed dims declared for the inputs, outputs and value_info: none over :data:`MAX_DIM`, no fixed batch of
    an output over :data:`MAX_BATCH`."""
    outputs = {v.name for v in graph.output}
    for value in (*graph.input, *graph.output, *graph.value_info):
        dims = _dims(value) or []
        fixed = [d for d in dims if isinstance(d, int)]
        if any(d < 0 for d in fixed):
            raise _refuse(source, f"the value {value.name!r} declares a negative dimension {_show(dims)}")
        if any(d > MAX_DIM for d in fixed) or _elements(fixed) > MAX_BATCH * MAX_IMAGE_ELEMENTS:
            raise _refuse(source, f"the value {value.name!r} is declared {_show(dims)}; ConvLens accepts dimensions "
                                  f"up to {MAX_DIM:,}")
        if value.name in outputs and dims and isinstance(dims[0], int) and dims[0] > MAX_BATCH:
            raise _refuse(source, f"the output {value.name!r} is declared {_show(dims)}, a fixed batch of "
                                  f"{dims[0]:,} images; ConvLens accepts a symbolic batch or at most {MAX_BATCH}")


def _check_depth(nodes: list[onnx.NodeProto], source: str) -> None:
    level: dict[str, int] = {}
    for node in nodes:
        d = 1 + max((level.get(x, 0) for x in node.input), default=0)
        if d > MAX_DEPTH:
            raise _refuse(source, f"chains more than {MAX_DEPTH} operations one after another; a digit classifier "
                                  "has tens")
        for out in node.output:
            level[out] = d


def _declare(value: onnx.ValueInfoProto, name: str, data_type: int, dims: Iterable[int]) -> None:
    value.name = name
    tensor = value.type.tensor_type
    tensor.elem_type = data_type
    shape = tensor.shape
    for d in dims:
        shape.dim.add().dim_value = d


def _inference_model(proto: onnx.ModelProto, nodes: list[onnx.NodeProto], input_name: str, batch: int | None,
                     declared: bool) -> onnx.ModelProto:
    """A light copy of the graph for shape inference: nodes in dependency order, large or float initializers turned
    into declared inputs (only small integer ones, shapes and axes, keep their values), the image batch set to
    ``batch`` (kept as it is for None), and the file's own value_info and output shapes only when ``declared``."""
    graph = proto.graph
    model = onnx.ModelProto(ir_version=proto.ir_version)
    model.opset_import.extend(proto.opset_import)
    g = model.graph
    g.node.extend(nodes)
    g.input.extend(graph.input)
    names = {v.name for v in graph.input}
    for t in graph.initializer:
        if t.data_type in (TensorProto.INT64, TensorProto.INT32) and _elements(t.dims) <= _SMALL_INT_INITIALIZER:
            g.initializer.append(t)
        elif t.name not in names:
            _declare(g.input.add(), t.name, t.data_type, t.dims)
            names.add(t.name)
    for sparse in graph.sparse_initializer:
        if sparse.values.name not in names:
            _declare(g.input.add(), sparse.values.name, sparse.values.data_type, sparse.dims)
            names.add(sparse.values.name)
    if batch is not None:
        for v in g.input:
            if v.name == input_name and v.type.tensor_type.shape.dim:
                v.type.tensor_type.shape.dim[0].Clear()
                v.type.tensor_type.shape.dim[0].dim_value = batch
    if declared:
        g.output.extend(graph.output)
        g.value_info.extend(graph.value_info)
    else:
        for v in graph.output:
            out = g.output.add()
            out.name = v.name
            if v.type.HasField("tensor_type"):
                out.type.tensor_type.elem_type = v.type.tensor_type.elem_type
    return model


def _infer(model: onnx.ModelProto, source: str) -> dict[str, onnx.ValueInfoProto]:
    """Every value's inferred type; refuses a graph ONNX shape inference rejects (onnxruntime runs the same
    inference when it loads a graph)."""
    try:
        inferred = onnx.shape_inference.infer_shapes(model, check_type=False, strict_mode=False, data_prop=True)
    except Exception:  # noqa: BLE001 - retried without data propagation, which fails on fewer graphs
        try:
            inferred = onnx.shape_inference.infer_shapes(model, check_type=False, strict_mode=False)
        except Exception as exc:  # noqa: BLE001 - onnx raises several types
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise _refuse(source, f"the graph is inconsistent (ONNX shape inference: {first[:200]})") from None
    return {v.name: v for v in (*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output)}


def _value_limit(batch: int) -> int:
    """Largest intermediate at ``batch`` images: as large as a constant, plus :data:`MAX_IMAGE_ELEMENTS` per image."""
    return MAX_TENSOR_ELEMENTS + batch * MAX_IMAGE_ELEMENTS


def _concrete(infos: dict[str, onnx.ValueInfoProto], name: str) -> list[int] | None:
    """The inferred shape of ``name`` when every dim is known."""
    dims = _dims(infos[name]) if name in infos else None
    if dims is None or not all(isinstance(d, int) for d in dims):
        return None
    return [int(d) for d in dims if d is not None]


def _macs(node: onnx.NodeProto, infos: dict[str, onnx.ValueInfoProto]) -> int:
    """Multiply-adds of a Conv / MatMul / Gemm node (0 for other nodes or unknown shapes)."""
    def shape_of(name: str) -> list[int] | None:
        return _concrete(infos, name)

    out = shape_of(node.output[0]) if node.output else None
    if out is None:
        return 0
    if node.op_type in ("Conv", "ConvInteger", "QLinearConv"):
        index = 3 if node.op_type == "QLinearConv" else 1
        w = shape_of(node.input[index]) if len(node.input) > index else None
        return _elements(out) * _elements(w[1:]) if w is not None and len(w) >= 3 else 0
    if node.op_type in ("MatMul", "MatMulInteger", "QLinearMatMul", "Gemm"):
        a = shape_of(node.input[0]) if node.input else None
        if not a:
            return 0
        trans_a = node.op_type == "Gemm" and any(x.name == "transA" and x.i for x in node.attribute)
        return _elements(out) * (a[0] if trans_a else a[-1])
    return 0


def _check_growth(proto: onnx.ModelProto, nodes: list[onnx.NodeProto], input_name: str, batch: int | None,
                  source: str) -> None:
    """Every node output whose shape inference knows at concrete batch sizes stays within :func:`_value_limit`,
    (symbolic batch) grows linearly with the batch, and the convolutions and products need at most
    :data:`MAX_MACS` multiply-adds per image: shapes are inferred at 1, 2 and 3 images (or the fixed batch)."""
    batches = [batch] if batch is not None else [1, 2, 3]
    produced = [out for node in nodes if node.op_type != "Constant" for out in node.output if out]
    model = _inference_model(proto, nodes, input_name, None, declared=False)
    image = next(v for v in model.graph.input if v.name == input_name).type.tensor_type.shape.dim[0]
    sizes: list[dict[str, int]] = []
    for b in batches:
        image.Clear()
        image.dim_value = b
        infos = _infer(model, source)
        known: dict[str, int] = {}
        for name in produced:
            dims = _concrete(infos, name)
            if dims is None:
                continue
            n = _elements(dims)
            if n > _value_limit(b):
                raise _refuse(source, f"the tensor {name!r} would hold {n:,} values {tuple(dims[:8])} for {b} "
                                      f"image(s); ConvLens allows {_value_limit(b):,}")
            known[name] = n
        if not sizes:
            macs = sum(_macs(node, infos) for node in nodes)
            if macs > b * MAX_MACS:
                raise _refuse(source, f"needs about {macs / b:,.0f} multiply-adds per image; ConvLens allows "
                                      f"{MAX_MACS:,} (a digit classifier needs a few million)")
        sizes.append(known)
    if len(sizes) == 3:
        for name, e1 in sizes[0].items():
            e2, e3 = sizes[1].get(name), sizes[2].get(name)
            if e2 is not None and e3 is not None and e3 - e2 != e2 - e1:
                raise _refuse(source, f"the tensor {name!r} grows faster than the batch ({e1:,}, {e2:,}, {e3:,} "
                                      "values for 1, 2, 3 images); a classifier's maps grow in proportion to it")


def _dims(value: onnx.ValueInfoProto) -> list[int | str | None] | None:
    """Dims of a tensor value (int, symbolic name or None for unknown); None when the rank is unknown."""
    t = value.type.tensor_type
    if not value.type.HasField("tensor_type") or not t.HasField("shape"):
        return None
    out: list[int | str | None] = []
    for d in t.shape.dim:
        out.append(d.dim_value if d.HasField("dim_value") else (d.dim_param or None))
    return out


def _show(dims: list[int | str | None] | None) -> str:
    if dims is None:
        return "unknown"
    return "(" + ", ".join("?" if d is None else str(d) for d in dims) + ")"


def _find_input(proto: onnx.ModelProto, source: str) -> tuple[str, Layout, int | None]:
    weights = {t.name for t in proto.graph.initializer}
    inputs = [v for v in proto.graph.input if v.name not in weights]
    if len(inputs) != 1:
        names = ", ".join(v.name for v in inputs) or "none"
        raise UnsupportedModelError(f"{source}: a digit classifier has exactly one input image, this model has "
                                    f"{len(inputs)} ({names})")
    value = inputs[0]
    if value.type.tensor_type.elem_type != TensorProto.FLOAT:
        kind = TensorProto.DataType.Name(value.type.tensor_type.elem_type) if value.type.HasField("tensor_type") \
            else "a non-tensor"
        raise UnsupportedModelError(f"{source}: the input {value.name!r} is {kind}, float32 is needed")
    dims = _dims(value)
    wanted = "(N, 1, 28, 28), (N, 28, 28, 1) or (N, 784)"
    for layout, tail in INPUT_LAYOUTS.items():
        if dims is not None and len(dims) == len(tail) + 1 and tuple(dims[1:]) == tail:
            batch = dims[0]
            if isinstance(batch, int) and batch > MAX_BATCH:
                raise UnsupportedModelError(f"{source}: the input {value.name!r} has a fixed batch of {batch:,} "
                                            f"images; ConvLens accepts a symbolic batch or one of at most {MAX_BATCH}")
            return value.name, layout, batch if isinstance(batch, int) and batch > 0 else None
    raise UnsupportedModelError(f"{source}: the input {value.name!r} has shape {_show(dims)}; "
                                f"ConvLens feeds 28x28 grey images shaped {wanted}")


def _topological(graph: onnx.GraphProto) -> list[onnx.NodeProto]:
    """The top-level nodes in a dependency order (files are not always sorted)."""
    producer = {out: i for i, node in enumerate(graph.node) for out in node.output if out}
    deps = [{producer[x] for x in node.input if x in producer and producer[x] != i}
            for i, node in enumerate(graph.node)]
    users: list[list[int]] = [[] for _ in graph.node]
    for i, ds in enumerate(deps):
        for d in ds:
            users[d].append(i)
    pending = [len(ds) for ds in deps]
    ready = deque(i for i, p in enumerate(pending) if p == 0)
    order: list[int] = []
    while ready:
        i = ready.popleft()
        order.append(i)
        for u in users[i]:
            pending[u] -= 1
            if pending[u] == 0:
                ready.append(u)
    if len(order) != len(graph.node):
        raise UnsupportedModelError("the graph has a cycle")
    return [graph.node[i] for i in order]


def _is_probability(output: str, nodes: list[onnx.NodeProto]) -> bool:
    """True when ``output`` comes from a Softmax (possibly through reshaping or identity nodes)."""
    producer = {out: node for node in nodes for out in node.output}
    name = output
    for _ in range(len(nodes) + 1):
        node = producer.get(name)
        if node is None:
            return False
        if node.op_type == "Softmax":
            return True
        if node.op_type not in _PASS_THROUGH or not node.input:
            return False
        name = node.input[0]
    return False


def _layouts(nodes: list[onnx.NodeProto], input_name: str, input_layout: Layout) -> dict[str, str]:
    """Best-effort layout of every 4-D tensor: Conv/pool outputs are NCHW; transposes and element-wise ops
    carry layouts along."""
    tags: dict[str, str] = {input_name: input_layout} if input_layout != "flat" else {}
    for node in nodes:
        if not node.output:
            continue
        if node.op_type in ("Conv", "MaxPool", "AveragePool", "BatchNormalization"):
            tags[node.output[0]] = "nchw"
        elif node.op_type == "Transpose" and node.input:
            perm = next((list(a.ints) for a in node.attribute if a.name == "perm"), None)
            source = tags.get(node.input[0])
            if source == "nchw" and perm == [0, 2, 3, 1]:
                tags[node.output[0]] = "nhwc"
            elif source == "nhwc" and perm == [0, 3, 1, 2]:
                tags[node.output[0]] = "nchw"
        elif node.op_type in _LAYOUT_KEEPING and node.input and node.input[0] in tags:
            tags[node.output[0]] = tags[node.input[0]]
    return tags


def _classifier_output(proto: onnx.ModelProto, shapes: dict[str, list[int | str | None] | None],
                       source: str) -> str:
    outputs = [v.name for v in proto.graph.output]
    if not outputs:
        raise UnsupportedModelError(f"{source}: the model has no output")

    def classes(name: str) -> int | None:
        dims = shapes.get(name)
        if dims is None or len(dims) < 2 or any(not isinstance(d, int) for d in dims[1:]):
            return None
        return int(np.prod([int(d) for d in dims[1:] if d is not None]))

    chosen = next((name for name in outputs if classes(name) == NUM_CLASSES), outputs[0])
    size = classes(chosen)
    if size is not None and size != NUM_CLASSES:
        raise UnsupportedModelError(f"{source}: the output {chosen!r} has shape {_show(shapes.get(chosen))}, "
                                    f"a digit classifier needs {NUM_CLASSES} class scores per image")
    return chosen


def _value_shapes(proto: onnx.ModelProto, nodes: list[onnx.NodeProto], input_name: str,
                  source: str) -> tuple[dict[str, list[int | str | None] | None], dict[str, onnx.ValueInfoProto]]:
    """Shapes of the graph's values (symbolic batch), with ONNX shape inference filling in what the file leaves
    out."""
    infos = _infer(_inference_model(proto, nodes, input_name, None, declared=True), source)
    return {name: _dims(v) for name, v in infos.items()}, infos


def _constant_arrays(proto: onnx.ModelProto) -> dict[str, onnx.TensorProto]:
    arrays = {t.name: t for t in proto.graph.initializer}
    for node in proto.graph.node:
        if node.op_type == "Constant" and node.output:
            for attr in node.attribute:
                if attr.name == "value" and attr.type == onnx.AttributeProto.TENSOR:
                    arrays[node.output[0]] = attr.t
    return arrays


def _filters(nodes: list[onnx.NodeProto], arrays: dict[str, onnx.TensorProto],
             key_of: Callable[[onnx.NodeProto], str | None]) -> OrderedDict[str, np.ndarray]:
    """2-D conv weights in the engine's ``(H_f, W_f, C_in, C_out)`` layout, keyed by ``key_of(node)``."""
    out: OrderedDict[str, np.ndarray] = OrderedDict()
    for node in nodes:
        key = key_of(node) if node.op_type == "Conv" and len(node.input) > 1 else None
        if key is None or node.input[1] not in arrays:
            continue
        try:
            w = numpy_helper.to_array(arrays[node.input[1]])
        except Exception:  # noqa: BLE001 - an unreadable weight only means no filter picture
            continue
        if w.ndim == 4:
            out[key] = np.ascontiguousarray(w.transpose(2, 3, 1, 0), dtype=np.float32)
    return out


def _metadata(proto: onnx.ModelProto) -> dict[str, Any]:
    props = {p.key: p.value for p in proto.metadata_props}
    card = props.get("model_card")
    if card is not None:
        try:
            parsed = json.loads(card)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    return {"producer_name": proto.producer_name, "producer_version": proto.producer_version, **props}


def _convlens_layers(proto: onnx.ModelProto) -> list[dict[str, Any]] | None:
    """The layer list of a file written by ``onnx_export.export_onnx`` (None for other files)."""
    props = {p.key: p.value for p in proto.metadata_props}
    if proto.producer_name != PRODUCER or "convlens_layers" not in props:
        return None
    try:
        layers = json.loads(props["convlens_layers"])
    except json.JSONDecodeError:
        return None
    outputs = {v.name for v in proto.graph.output}
    if not isinstance(layers, list) or not all(isinstance(x, dict) and x.get("name") in outputs for x in layers):
        return None
    return layers


def prepare_classifier(data: bytes, source: str = "model", folder: str | Path | None = None) -> ClassifierSpec:
    """Check that ``data`` is an ONNX digit classifier and describe how to run it with every intermediate.

    Parameters
    ----------
    data : bytes
        The file's content.
    source : str
        Shown in error messages (usually the path).
    folder : str or Path, optional
        The model's own folder, the only place external data may come from. By default the folder of ``source``
        when ``source`` names an existing file; otherwise (bytes from elsewhere) external data is refused.

    Returns
    -------
    ClassifierSpec
        ``model_bytes`` is the checked model with any external data inlined (onnxruntime never resolves a path);
        for a foreign model, also with the outputs of its Conv, Relu, MaxPool and AveragePool nodes added as graph
        outputs (named by their tensor names).

    Raises
    ------
    ModelFileError
        Not an ONNX file (or a corrupt one).
    UnsupportedModelError
        Whatever the inspection refuses (module docstring: external data outside the model's folder, operators
        outside :data:`ALLOWED_OPS` or the default domain, too many nodes, oversized tensors, dims or batch), not
        exactly one float input shaped ``(N,1,28,28)``, ``(N,28,28,1)`` or ``(N,784)``, or an output that is not
        10 class scores.
    """
    try:
        return _prepare(data, source, folder)
    except ModelFileError as exc:
        lines = str(exc).splitlines()
        if len(lines) <= 1:
            raise
        raise type(exc)(" ".join(line.strip() for line in lines)) from None  # names in the file may hold line breaks


def _prepare(data: bytes, source: str, folder: str | Path | None) -> ClassifierSpec:
    proto = _parse(data, source)
    containers = _containers(proto, source)
    changed = _check_data(proto, containers, source, _model_folder(source, folder))
    _check_nodes(proto, containers, source)
    input_name, layout, batch = _find_input(proto, source)
    _check_declared(proto.graph, source)
    try:
        nodes = _topological(proto.graph)
    except UnsupportedModelError as exc:
        raise UnsupportedModelError(f"{source}: {exc}") from None
    _check_depth(nodes, source)
    _check_growth(proto, nodes, input_name, batch, source)
    arrays = _constant_arrays(proto)
    layers = _convlens_layers(proto)
    if layers is not None:
        outputs = [OutputSpec(str(x["name"]), str(x["name"]), KINDS.get(str(x.get("type")), "layer"))
                   for x in layers]
        names = {x.key for x in outputs}
        return ClassifierSpec(
            model_bytes=proto.SerializeToString() if changed else data, input_name=input_name,
            input_layout=layout, batch_size=batch, output_name=PROBS_NAME,
            apply_softmax=not _is_probability(PROBS_NAME, nodes), outputs=outputs,
            filters=_filters(nodes, arrays, lambda n: n.name if n.name in names else None),
            metadata=_metadata(proto), convlens=True,
        )

    shapes, infos = _value_shapes(proto, nodes, input_name, source)
    output_name = _classifier_output(proto, shapes, source)
    apply_softmax = not _is_probability(output_name, nodes)
    tags = _layouts(nodes, input_name, layout)
    graph_outputs = {v.name for v in proto.graph.output}
    specs: list[OutputSpec] = []
    taken = {PROBS_NAME}
    for node in nodes:
        kind = EXPOSED_OPS.get(node.op_type)
        if kind is None or not node.output or node.output[0] == output_name:
            continue
        tensor = node.output[0]
        key = tensor
        while key in taken:
            key += "'"
        taken.add(key)
        specs.append(OutputSpec(key, tensor, kind, tags.get(tensor, "nchw")))
        if tensor not in graph_outputs:
            info = infos.get(tensor)
            proto.graph.output.append(info if info is not None else helper.make_empty_tensor_value_info(tensor))
            graph_outputs.add(tensor)
    if apply_softmax and output_name not in taken:
        specs.append(OutputSpec(output_name, output_name, "logits", "nchw"))
    keys = {s.tensor: s.key for s in specs}
    return ClassifierSpec(
        model_bytes=proto.SerializeToString(), input_name=input_name, input_layout=layout, batch_size=batch,
        output_name=output_name, apply_softmax=apply_softmax, outputs=specs,
        filters=_filters(nodes, arrays, lambda n: keys.get(n.output[0]) if n.output else None),
        metadata=_metadata(proto), convlens=False,
    )

PARAMETER_TYPES = frozenset({TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16, TensorProto.BFLOAT16})
"""Initializer types counted as parameters (integer initializers are shapes, axes, indices)."""


def graph_details(
    spec: ClassifierSpec, probs_key: str = PROBS_NAME
) -> tuple[dict[str, int], OrderedDict[str, np.ndarray]]:
    """Parameter counts of the outputs of a prepared classifier, and the biases of its conv layers.

    Walking the graph in file order, the float initializers read since the previous exposed output are counted
    for the next one (the weights and biases of a Conv or Gemm go to its output, or to the Relu after it).

    Parameters
    ----------
    spec : ClassifierSpec
        From :func:`prepare_classifier`.
    probs_key : str
        The key under which the classifier output's parameters are counted.

    Returns
    -------
    params : dict[str, int]
        Output key (as in ``spec.outputs``, and ``probs_key``) -> trainable scalars.
    biases : OrderedDict[str, ndarray]
        Conv output key -> bias ``(C_out,)`` float32, for the keys of ``spec.filters`` whose bias is known.

    Raises
    ------
    Exception
        Whatever parsing the bytes raises; callers that only display the details catch it.
    """
    params: dict[str, int] = {}
    biases: OrderedDict[str, np.ndarray] = OrderedDict()
    proto = onnx.ModelProto()
    proto.ParseFromString(spec.model_bytes)
    # single numbers are constants (e.g. the calibration temperature before the Softmax), not trainable weights
    floats = {
        t.name: t
        for t in proto.graph.initializer
        if t.data_type in PARAMETER_TYPES and int(np.prod(t.dims, dtype=np.int64)) > 1
    }
    key_of = {o.tensor: o.key for o in spec.outputs}
    key_of.setdefault(spec.output_name, probs_key)
    seen: set[str] = set()
    pending = 0
    bias: str | None = None
    for node in proto.graph.node:
        for name in node.input:
            if name in floats and name not in seen:
                seen.add(name)
                pending += int(np.prod(floats[name].dims, dtype=np.int64))
        if node.op_type == "Conv" and len(node.input) > 2 and node.input[2] in floats:
            bias = node.input[2]
        for out in node.output:
            key = key_of.get(out)
            if key is None:
                continue
            params[key] = params.get(key, 0) + pending
            pending = 0
            w = spec.filters.get(key)
            if bias is not None and w is not None:
                b = numpy_helper.to_array(floats[bias]).astype(np.float32).reshape(-1)
                if b.shape == (w.shape[3],):
                    biases[key] = b
            bias = None
    params[probs_key] = params.get(probs_key, 0) + pending
    return params, biases

"""Everything that touches the ``onnx`` package: Sequential -> ONNX export, and reading any ONNX classifier.

Export
------
:func:`to_onnx_model` turns a :class:`~engine.model.Sequential` into an idiomatic NCHW graph (opset
:data:`OPSET`, IR version :data:`IR_VERSION`, so any onnxruntime >= 1.18 loads it)::

    image (N,1,28,28) -> Conv -> Relu -> MaxPool -> ... -> Transpose(0,2,3,1) -> Flatten -> Gemm ... -> Softmax

* the input is ``image``, float32 ``(N, C, H, W)`` with a symbolic batch dimension ``"N"``;
* the graph outputs are ``probs`` ``(N, K)`` first, then every layer's output under the layer's name, feature
  maps in NCHW (``conv1`` is the map *after* the fused ReLU, as in the engine);
* conv filters are stored ``(C_out, C_in, H_f, W_f)`` (the engine keeps ``(H_f, W_f, C_in, C_out)``), and
  ``"same"`` padding is written as explicit ``pads`` computed by :func:`engine.ops.pad_amounts`, so the odd
  pixel goes where the engine puts it;
* a ``Flatten`` layer is exported as ``Transpose(0,2,3,1)`` + ``Flatten``: its exposed output is then the same
  NHWC-ordered vector the engine computes, and the following ``Gemm`` uses the engine's weights unchanged;
* ``Dropout`` (the identity at inference time) becomes an ``Identity`` node so its name is still an output;
* a calibrated model (``Sequential.temperature`` ``T != 1``) divides the logits by the float32 ``T`` (a ``Div``
  node, initializer ``temperature``) before the ``Softmax``, as ``Sequential.predict_proba`` does;
* ``metadata_props`` hold the model card (``"model_card"``, JSON) and the layer list (``"convlens_layers"``).

Reading a foreign model
-----------------------
:func:`prepare_classifier` checks that a file is a 10-way digit classifier with one float input shaped
``(N,1,28,28)``, ``(N,28,28,1)`` or ``(N,784)``, finds its Conv / Relu / MaxPool / AveragePool outputs and
returns a copy of the model with those tensors added as graph outputs, plus a :class:`ClassifierSpec`
describing how to feed and read it. :mod:`engine.runtime` (the only module importing onnxruntime) uses it.
"""

from __future__ import annotations

import json
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import TensorProto, helper, numpy_helper

from convlens.engine import __version__
from convlens.engine.atomic import atomic_write_bytes
from convlens.engine.layers import Layer
from convlens.engine.model import ModelFileError, Sequential
from convlens.engine.ops import pad_amounts

OPSET = 17
"""Default-domain opset of exported files (onnxruntime >= 1.18 supports up to 20/21)."""
IR_VERSION = 8
"""ONNX IR version of exported files (onnxruntime >= 1.18 reads up to 9/10)."""
PRODUCER = "convlens"
FORMAT = "convlens-onnx-1"
INPUT_NAME = "image"
PROBS_NAME = "probs"
NUM_CLASSES = 10

__all__ = [
    "FORMAT",
    "IR_VERSION",
    "NUM_CLASSES",
    "OPSET",
    "ClassifierSpec",
    "OutputSpec",
    "UnsupportedModelError",
    "export_onnx",
    "prepare_classifier",
    "to_onnx_model",
]


class UnsupportedModelError(ModelFileError):
    """An ONNX file that is valid but is not a model ConvLens can run (wrong shapes, custom ops, ...)."""


# ================================================================================================================
# Export
# ================================================================================================================
@dataclass
class _Graph:
    """The graph being built: nodes, initializers and the current tensor with its engine shape."""

    nodes: list[onnx.NodeProto] = field(default_factory=list)
    initializers: list[onnx.TensorProto] = field(default_factory=list)
    tensor: str = INPUT_NAME
    shape: tuple[int, ...] = ()  # engine shape (no batch axis) of ``tensor``

    def node(self, op: str, inputs: list[str], output: str, name: str, **attrs: Any) -> str:
        self.nodes.append(helper.make_node(op, inputs, [output], name=name, **attrs))
        return output

    def const(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value, dtype=np.float32), name))
        return name


def _onnx_dims(shape: tuple[int, ...]) -> list[int | str]:
    """ONNX dims (with the batch axis ``"N"``) of an engine shape: ``(H, W, C)`` becomes ``(N, C, H, W)``."""
    if len(shape) == 3:
        h, w, c = shape
        return ["N", c, h, w]
    return ["N", *shape]


def _activation(g: _Graph, layer: Layer, op: str, inputs: list[str], **attrs: Any) -> str:
    """``op`` then, for ``activation="relu"``, a Relu whose output carries the layer's name."""
    if getattr(layer, "activation", None) == "relu":
        pre = g.node(op, inputs, f"{layer.name}/preact", layer.name, **attrs)
        return g.node("Relu", [pre], layer.name, f"{layer.name}/relu")
    return g.node(op, inputs, layer.name, layer.name, **attrs)


def _spatial_pads(layer: Layer, window: tuple[int, int], stride: tuple[int, int], padding: str) -> list[int]:
    """ONNX ``pads`` ``[top, left, bottom, right]`` reproducing the engine's padding exactly."""
    h, w = layer.input_shape[0], layer.input_shape[1]
    top, bottom = pad_amounts(h, window[0], stride[0], padding)
    left, right = pad_amounts(w, window[1], stride[1], padding)
    return [top, left, bottom, right]


def _conv2d(g: _Graph, layer: Layer) -> str:
    w = layer.params["w"].transpose(3, 2, 0, 1)  # (H_f, W_f, C_in, C_out) -> (C_out, C_in, H_f, W_f)
    inputs = [g.tensor, g.const(f"{layer.name}.weight", w), g.const(f"{layer.name}.bias", layer.params["b"])]
    attrs = {
        "kernel_shape": list(layer.kernel),  # type: ignore[attr-defined]
        "strides": list(layer.stride),  # type: ignore[attr-defined]
        "pads": _spatial_pads(layer, layer.kernel, layer.stride, layer.padding),  # type: ignore[attr-defined]
    }
    return _activation(g, layer, "Conv", inputs, **attrs)


def _maxpool2d(g: _Graph, layer: Layer) -> str:
    size, stride = layer.size, layer.stride  # type: ignore[attr-defined]
    pads = _spatial_pads(layer, size, stride, layer.padding)  # type: ignore[attr-defined]
    # ONNX MaxPool ignores padded cells (as the engine's -inf padding does).
    return g.node("MaxPool", [g.tensor], layer.name, layer.name, kernel_shape=list(size), strides=list(stride),
                  pads=pads)


def _relu(g: _Graph, layer: Layer) -> str:
    return g.node("Relu", [g.tensor], layer.name, layer.name)


def _flatten(g: _Graph, layer: Layer) -> str:
    x = g.tensor
    if len(g.shape) == 3:  # NCHW in the graph; the engine flattens NHWC
        x = g.node("Transpose", [x], f"{layer.name}/nhwc", f"{layer.name}/to_nhwc", perm=[0, 2, 3, 1])
    return g.node("Flatten", [x], layer.name, layer.name, axis=1)


def _dense(g: _Graph, layer: Layer) -> str:
    if len(g.shape) != 1:
        raise ValueError(f"Dense layer {layer.name!r} needs a flat input, got {g.shape}")
    inputs = [g.tensor, g.const(f"{layer.name}.weight", layer.params["w"]),
              g.const(f"{layer.name}.bias", layer.params["b"])]
    return _activation(g, layer, "Gemm", inputs)  # w (D_in, units): y = x @ w + b, no transpose


def _identity(g: _Graph, layer: Layer) -> str:
    return g.node("Identity", [g.tensor], layer.name, layer.name)


CONVERTERS: dict[str, Callable[[_Graph, Layer], str]] = {
    "Conv2D": _conv2d,
    "MaxPool2D": _maxpool2d,
    "ReLU": _relu,
    "Flatten": _flatten,
    "Dense": _dense,
    "Dropout": _identity,
}
"""Layer ``type_name`` -> function adding its nodes; a new layer type needs an entry here."""


def _float_output(name: str, shape: tuple[int, ...]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, _onnx_dims(shape))


def to_onnx_model(model: Sequential, model_card: dict[str, Any] | None = None) -> onnx.ModelProto:
    """Build the ONNX model of ``model`` (see the module docstring for the graph's conventions).

    Parameters
    ----------
    model : Sequential
        A built model; its input ``(H, W, C)`` becomes the graph input ``image`` ``(N, C, H, W)``.
    model_card : dict, optional
        Stored as JSON in ``metadata_props["model_card"]``.

    Returns
    -------
    onnx.ModelProto
        Passes ``onnx.checker.check_model(..., full_check=True)``.

    Raises
    ------
    ValueError
        A layer type without a converter in :data:`CONVERTERS`.
    """
    g = _Graph(shape=tuple(model.input_shape))
    outputs = []
    for layer in model.layers:
        convert = CONVERTERS.get(layer.type_name)
        if convert is None:
            raise ValueError(f"no ONNX converter for layer type {layer.type_name!r} ({layer.name})")
        g.tensor = convert(g, layer)
        g.shape = tuple(layer.output_shape)
        outputs.append(_float_output(layer.name, g.shape))
    logits = g.tensor
    if model.temperature != 1.0:  # calibration: softmax(logits / T), T as the same float32 the engine divides by
        temperature = g.const("temperature", np.asarray(model.temperature, dtype=np.float32))
        logits = g.node("Div", [logits, temperature], "logits_over_t", "temperature_scaling")
    g.node("Softmax", [logits], PROBS_NAME, "softmax", axis=1)
    outputs.insert(0, _float_output(PROBS_NAME, g.shape))

    doc = (
        "ConvLens CNN. Input 'image' float32 (N, C, H, W): white digit on black in [0, 1]. Outputs 'probs' "
        "(N, classes) and every layer's output under its layer name (feature maps NCHW; 'flatten' is in the "
        "engine's NHWC order, hence the Transpose before Flatten)."
    )
    graph = helper.make_graph(
        g.nodes, "convlens", [_float_output(INPUT_NAME, tuple(model.input_shape))], outputs, g.initializers,
        doc_string=doc,
    )
    proto = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name=PRODUCER,
        producer_version=__version__, doc_string=doc,
    )
    proto.ir_version = IR_VERSION
    layers = [{"name": layer.name, "type": layer.type_name, "output_shape": list(layer.output_shape)}
              for layer in model.layers]
    props = {"convlens_format": FORMAT, "convlens_layers": json.dumps(layers)}
    if model_card is not None:
        props["model_card"] = json.dumps(model_card, default=_json_default)
    helper.set_model_props(proto, props)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in the model card")


def export_onnx(model: Sequential, path: str | Path, model_card: dict[str, Any] | None = None) -> Path:
    """Write ``model`` as an ONNX file, atomically (a crash leaves any previous file intact).

    Parameters
    ----------
    model : Sequential
    path : str or Path
        Destination ``.onnx`` file; parent directories are created.
    model_card : dict, optional
        JSON-ready dict stored in the file's metadata.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    atomic_write_bytes(path, to_onnx_model(model, model_card).SerializeToString())
    return path


# ================================================================================================================
# Reading any ONNX classifier
# ================================================================================================================
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
        True for files written by :func:`export_onnx`.
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


def _all_nodes(graph: onnx.GraphProto) -> Iterator[onnx.NodeProto]:
    """Every node, including those of sub-graphs (If / Loop / Scan bodies)."""
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from _all_nodes(attr.g)
            elif attr.type == onnx.AttributeProto.GRAPHS:
                for sub in attr.graphs:
                    yield from _all_nodes(sub)


def _check_ops(proto: onnx.ModelProto, source: str) -> None:
    custom = sorted({f"{n.domain}::{n.op_type}" for n in _all_nodes(proto.graph) if n.domain not in STANDARD_DOMAINS})
    if custom:
        raise UnsupportedModelError(f"{source}: uses custom or non-standard operators ({', '.join(custom)}); "
                                    "only standard ONNX operators are supported")
    if any(t.data_location == TensorProto.EXTERNAL for t in proto.graph.initializer):
        raise UnsupportedModelError(f"{source}: keeps its weights in external data files; save it as one file")


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


def _value_shapes(proto: onnx.ModelProto) -> tuple[dict[str, list[int | str | None] | None],
                                                   dict[str, onnx.ValueInfoProto]]:
    """Shapes of the graph's values, with ONNX shape inference filling in what the file leaves out."""
    try:
        inferred = onnx.shape_inference.infer_shapes(proto)
    except Exception:  # noqa: BLE001 - inference is a bonus; onnxruntime validates the graph later
        inferred = proto
    infos = {v.name: v for v in (*inferred.graph.value_info, *inferred.graph.output, *inferred.graph.input)}
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
    """The layer list of a file written by :func:`export_onnx` (None for other files)."""
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


def prepare_classifier(data: bytes, source: str = "model") -> ClassifierSpec:
    """Check that ``data`` is an ONNX digit classifier and describe how to run it with every intermediate.

    Parameters
    ----------
    data : bytes
        The file's content.
    source : str
        Shown in error messages (usually the path).

    Returns
    -------
    ClassifierSpec
        For a foreign model, ``model_bytes`` is a copy with the outputs of its Conv, Relu, MaxPool and
        AveragePool nodes added as graph outputs (named by their tensor names).

    Raises
    ------
    ModelFileError
        Not an ONNX file (or a corrupt one).
    UnsupportedModelError
        Custom-domain operators, external weights, not exactly one float input shaped ``(N,1,28,28)``,
        ``(N,28,28,1)`` or ``(N,784)``, or an output that is not 10 class scores.
    """
    proto = _parse(data, source)
    _check_ops(proto, source)
    input_name, layout, batch = _find_input(proto, source)
    try:
        nodes = _topological(proto.graph)
    except UnsupportedModelError as exc:
        raise UnsupportedModelError(f"{source}: {exc}") from None
    arrays = _constant_arrays(proto)
    layers = _convlens_layers(proto)
    if layers is not None:
        outputs = [OutputSpec(str(x["name"]), str(x["name"]), KINDS.get(str(x.get("type")), "layer"))
                   for x in layers]
        names = {x.key for x in outputs}
        return ClassifierSpec(
            model_bytes=data, input_name=input_name, input_layout=layout, batch_size=batch, output_name=PROBS_NAME,
            apply_softmax=not _is_probability(PROBS_NAME, nodes), outputs=outputs,
            filters=_filters(nodes, arrays, lambda n: n.name if n.name in names else None),
            metadata=_metadata(proto), convlens=True,
        )

    shapes, infos = _value_shapes(proto)
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

"""Sequential -> ONNX: the file ConvLens writes (the only writer of ONNX; reading is :mod:`.onnx_reader`).

:func:`to_onnx_model` turns a :class:`~convlens.engine.model.Sequential` into an idiomatic NCHW graph (opset
:data:`OPSET`, IR version :data:`IR_VERSION`, so any onnxruntime >= 1.18 loads it)::

    image (N,1,28,28) -> Conv -> Relu -> MaxPool -> ... -> Transpose(0,2,3,1) -> Flatten -> Gemm ... -> Softmax

* the input is ``image``, float32 ``(N, C, H, W)`` with a symbolic batch dimension ``"N"``;
* the graph outputs are ``probs`` ``(N, K)`` first, then every layer's output under the layer's name, feature
  maps in NCHW (``conv1`` is the map *after* the fused ReLU, as in the engine);
* conv filters are stored ``(C_out, C_in, H_f, W_f)`` (the engine keeps ``(H_f, W_f, C_in, C_out)``), and
  ``"same"`` padding is written as explicit ``pads`` computed by :func:`convlens.engine.geometry.pad_amounts`, so
  the odd pixel goes where the engine puts it;
* a ``Flatten`` layer is exported as ``Transpose(0,2,3,1)`` + ``Flatten``: its exposed output is then the same
  NHWC-ordered vector the engine computes, and the following ``Gemm`` uses the engine's weights unchanged;
* ``Dropout`` (the identity at inference time) becomes an ``Identity`` node so its name is still an output;
* a calibrated model (``Sequential.temperature`` ``T != 1``) divides the logits by the float32 ``T`` (a ``Div``
  node, initializer ``temperature``) before the ``Softmax``, as ``Sequential.predict_proba`` does;
* ``metadata_props`` hold the model card (``"model_card"``, JSON) and the layer list (``"convlens_layers"``).

:mod:`convlens.engine.onnx_reader` recognises these files by :data:`PRODUCER` and the ``"convlens_layers"``
property; :mod:`convlens.engine.runtime` runs them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from convlens.engine.atomic import atomic_write_bytes
from convlens.engine.geometry import Pair, spatial_pads
from convlens.engine.layers import Layer
from convlens.engine.model import Sequential
from convlens.engine.version import __version__

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
    "CONVERTERS",
    "FORMAT",
    "INPUT_NAME",
    "IR_VERSION",
    "NUM_CLASSES",
    "OPSET",
    "PROBS_NAME",
    "PRODUCER",
    "export_onnx",
    "to_onnx_model",
]


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


def _spatial_pads(layer: Layer, window: Pair, stride: Pair, padding: str) -> list[int]:
    """ONNX ``pads`` ``[top, left, bottom, right]`` reproducing the engine's padding exactly."""
    (top, bottom), (left, right) = spatial_pads((layer.input_shape[0], layer.input_shape[1]), window, stride, padding)
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

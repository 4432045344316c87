"""Sequential model: a stack of layers that infers every shape when built; save/load as one .npz file.

The .npz file holds each parameter under ``"<layer name>/<param>"`` and the architecture (and optional
metadata such as the model card) as UTF-8 JSON stored in uint8 arrays, so it loads with
``allow_pickle=False``.
"""

from __future__ import annotations

import io
import itertools
import json
import math
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from convlens.engine import __version__
from convlens.engine.atomic import atomic_write_bytes
from convlens.engine.layers import Layer, layer_from_config
from convlens.engine.ops import softmax

INPUT_SHAPE = (28, 28, 1)
FORMAT = "convlens-npz-1"


class ModelFileError(ValueError):
    """A model file that cannot be used; the message names the file and the problem."""


class Predictor(Protocol):
    """What the app needs from any model, NumPy or ONNX."""

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...

    def activations(self, x: np.ndarray) -> OrderedDict[str, np.ndarray]: ...


class Sequential:
    """Layers applied one after the other.

    Parameters
    ----------
    layers : sequence of Layer
        Unbuilt layers; unnamed ones get ``<prefix><k>`` names (``conv1``, ``pool1``, ``dense2`` ...).
    input_shape : tuple of int
        One example's shape, default ``(28, 28, 1)``.
    seed : int
        Seed of the weight initialisation.
    temperature : float
        Calibration temperature ``T > 0``: probabilities are ``softmax(logits / T)`` (1: plain softmax).

    Notes
    -----
    The last layer's output are the logits ``(N, K)``; :meth:`predict_proba` applies the softmax after dividing
    them by :attr:`temperature` (fitted on held-out data by ``engine.calibration.fit_temperature``; the
    exported ONNX graph divides by the same float32 value before its Softmax).
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        input_shape: tuple[int, ...] = INPUT_SHAPE,
        seed: int = 0,
        temperature: float = 1.0,
    ) -> None:
        if not layers:
            raise ValueError("a model needs at least one layer")
        self.layers: list[Layer] = list(layers)
        self.input_shape = tuple(int(d) for d in input_shape)
        self.seed = int(seed)
        self.temperature = float(temperature)
        self._build()

    @property
    def temperature(self) -> float:
        """Calibration temperature ``T``: ``predict_proba = softmax(logits / T)``."""
        return self._temperature

    @temperature.setter
    def temperature(self, value: float) -> None:
        value = float(value)
        if not (math.isfinite(value) and value > 0.0):
            raise ValueError(f"temperature must be a finite number > 0, got {value}")
        self._temperature = value

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """``softmax(logits / T)`` ``(N, K)`` for logits ``(N, K)`` (float32 in, as the ONNX graph computes)."""
        if self._temperature == 1.0:
            return softmax(logits.copy())
        return softmax(logits / np.asarray(self._temperature, dtype=logits.dtype))

    def _build(self) -> None:
        rng = np.random.default_rng(self.seed)
        counters: dict[str, int] = {}
        used = {layer.name for layer in self.layers if layer.name}
        shape = self.input_shape
        for index, layer in enumerate(self.layers):
            if not layer.name:
                prefix = layer.name_prefix
                while True:
                    counters[prefix] = counters.get(prefix, 0) + 1
                    candidate = f"{prefix}{counters[prefix]}" if prefix != "flatten" else "flatten"
                    if candidate not in used:
                        break
                    if prefix == "flatten":
                        prefix = "flatten_"
                layer.name = candidate
                used.add(candidate)
            try:
                shape = layer.build(shape, rng)
            except ValueError as exc:
                raise ValueError(f"layer {index} ({layer.type_name} {layer.name!r}): {exc}") from None
            layer.need_input_grad = index > 0
        # Training-time fusion: a layer's ReLU is applied by the next layer when that is exact and cheaper
        # (a conv's ReLU on the 4x smaller pooled map). Inference and the exported graph are unaffected.
        # The pair also shares a phase-major layout of the map between them, so that pooling runs over long
        # contiguous arrays (see engine.pooling).
        for layer in self.layers:
            layer.defer_relu = layer.applies_relu = False
            layer.phases = None
        for layer, following in itertools.pairwise(self.layers):
            phases = following.fusion_phases()
            if layer.can_defer_relu() and phases is not None:
                layer.defer_relu = following.applies_relu = True
                layer.phases = following.phases = phases
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names) or "probs" in names or "image" in names:
            raise ValueError(f"layer names must be unique and not 'image'/'probs': {names}")
        if len(shape) != 1:
            last = self.layers[-1]
            raise ValueError(
                f"the last layer ({last.type_name} {last.name!r}) must output a vector of class scores, "
                f"got shape {shape}"
            )
        self.output_shape = shape

    # -- construction helpers -------------------------------------------------------------------------------
    @classmethod
    def from_config(
        cls,
        architecture: Sequence[dict[str, Any]],
        input_shape: tuple[int, ...] = INPUT_SHAPE,
        seed: int = 0,
        temperature: float = 1.0,
    ) -> Sequential:
        """Build from a list of layer descriptions as the model card lists them."""
        return cls(
            [layer_from_config(dict(cfg)) for cfg in architecture],
            input_shape=input_shape,
            seed=seed,
            temperature=temperature,
        )

    def architecture(self) -> list[dict[str, Any]]:
        """The layers with their hyper-parameters and shapes (the model card's ``architecture``)."""
        return [layer.describe() for layer in self.layers]

    @property
    def num_classes(self) -> int:
        return int(self.output_shape[0])

    def param_count(self) -> int:
        """Total number of trainable scalars."""
        return sum(layer.param_count() for layer in self.layers)

    def summary(self) -> str:
        """A table of layers with their output shapes and parameter counts."""
        lines = [f"{'layer':<12}{'type':<11}{'output shape':<22}{'params':>9}", "-" * 54]
        lines.append(f"{'image':<12}{'Input':<11}{str(('N', *self.input_shape)):<22}{0:>9}")
        for layer in self.layers:
            shape = str(("N", *layer.output_shape))
            lines.append(f"{layer.name:<12}{layer.type_name:<11}{shape:<22}{layer.param_count():>9,}")
        lines.append("-" * 54)
        lines.append(f"{'total':<45}{self.param_count():>9,}")
        return "\n".join(lines)

    # -- parameters -----------------------------------------------------------------------------------------
    def named_params(self) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        """``(layer/param, value, gradient)`` for every trainable array, in a fixed order."""
        for layer in self.layers:
            for key, value in layer.params.items():
                yield f"{layer.name}/{key}", value, layer.grads[key]

    def get_weights(self) -> dict[str, np.ndarray]:
        """Copies of every parameter, keyed ``"<layer>/<param>"``."""
        return {name: value.copy() for name, value, _ in self.named_params()}

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Copy ``weights`` (as returned by :meth:`get_weights`) into the model, checking names and shapes."""
        expected = {name: value for name, value, _ in self.named_params()}
        missing = sorted(set(expected) - set(weights))
        extra = sorted(set(weights) - set(expected))
        if missing or extra:
            raise ValueError(f"weights do not match the architecture: missing {missing}, unexpected {extra}")
        for name, target in expected.items():
            source = np.asarray(weights[name])
            if source.shape != target.shape:
                raise ValueError(
                    f"weight {name!r} has shape {source.shape}, the architecture needs {target.shape}"
                )
            if not np.issubdtype(source.dtype, np.number):
                raise ValueError(f"weight {name!r} is not numeric ({source.dtype})")
            target[...] = source

    # -- computing ------------------------------------------------------------------------------------------
    def _check_input(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim == len(self.input_shape):
            x = x[None]
        if tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(
                f"expected images of shape (N, {', '.join(map(str, self.input_shape))}), got {x.shape}"
            )
        if x.dtype != np.float64:
            x = x.astype(np.float32, copy=False)
        return x

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Logits ``(N, K)`` for images ``(N, H, W, C)``; ``training=True`` caches for :meth:`backward`."""
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def release_buffers(self) -> None:
        """Free every layer's training scratch memory (training calls this when it ends)."""
        for layer in self.layers:
            layer.release_buffers()

    def backward(self, grad_logits: np.ndarray) -> None:
        """Back-propagate ``dL/dlogits`` ``(N, K)``, filling every layer's ``grads``."""
        grad: np.ndarray | None = grad_logits
        for layer in reversed(self.layers):
            assert grad is not None
            grad = layer.backward(grad)

    def predict_logits(self, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Logits ``(N, K)``, computed in batches to bound memory."""
        x = self._check_input(x)
        parts = [self.forward(x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0, self.num_classes), np.float32)

    def predict_proba(self, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        x : ndarray, shape (N, 28, 28, 1)
            float32 in [0, 1], white digit on black.

        Returns
        -------
        ndarray, shape (N, 10)
        """
        return self.probabilities(self.predict_logits(x, batch_size))

    def predict(self, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Most likely class ``(N,)``."""
        return np.asarray(self.predict_logits(x, batch_size).argmax(axis=1))

    def activations(self, x: np.ndarray) -> OrderedDict[str, np.ndarray]:
        """Every layer's output, in order, keyed by layer name (NHWC for maps), then ``"probs"``.

        Parameters
        ----------
        x : ndarray, shape (N, 28, 28, 1)

        Returns
        -------
        OrderedDict[str, ndarray]
            The same names (and values) as the exported ONNX file's outputs.
        """
        out: OrderedDict[str, np.ndarray] = OrderedDict()
        h = self._check_input(x)
        for layer in self.layers:
            h = layer.forward(h)
            out[layer.name] = h
        out["probs"] = self.probabilities(h)
        return out

    # -- files ----------------------------------------------------------------------------------------------
    def save(self, path: str | Path, metadata: dict[str, Any] | None = None) -> Path:
        """Write the model atomically to ``path`` (.npz): a crash mid-save leaves any old file intact."""
        path = Path(path)
        arrays: dict[str, np.ndarray] = {
            "__format__": _json_bytes(FORMAT),
            "__architecture__": _json_bytes(
                {"input_shape": list(self.input_shape), "seed": self.seed, "temperature": self.temperature,
                 "layers": self.architecture()}
            ),
            "__metadata__": _json_bytes({"engine_version": __version__, **(metadata or {})}),
        }
        for name, value, _ in self.named_params():
            arrays[name] = value
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)  # type: ignore[arg-type]
        atomic_write_bytes(path, buffer.getvalue())
        return path


def _json_bytes(value: Any) -> np.ndarray:
    return np.frombuffer(json.dumps(value).encode("utf-8"), dtype=np.uint8)


def _json_from(archive: Any, key: str, path: Path) -> Any:
    if key not in archive.files:
        raise ModelFileError(f"{path}: not a ConvLens model (no {key} entry)")
    try:
        return json.loads(np.asarray(archive[key]).tobytes().decode("utf-8"))
    except Exception as exc:  # untrusted bytes: zipfile/NumPy raise many types (BadZipFile, TokenError, ...)
        raise ModelFileError(f"{path}: the {key} entry is corrupt ({exc})") from None


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata stored with a saved model (model card fields, engine version)."""
    path = Path(path)
    with _open_npz(path) as archive:
        meta = _json_from(archive, "__metadata__", path) if "__metadata__" in archive.files else {}
    return dict(meta) if isinstance(meta, dict) else {}


def _open_npz(path: Path) -> Any:
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        # From memory: np.load leaks its file handle when the zip is unreadable (ResourceWarning).
        return np.load(io.BytesIO(path.read_bytes()), allow_pickle=False)
    except Exception as exc:  # untrusted bytes: zipfile/NumPy raise many types (NotImplementedError, ...)
        raise ModelFileError(f"{path}: not a readable .npz model file ({exc})") from None


def load_npz_model(path: str | Path) -> Sequential:
    """Load a model saved by :meth:`Sequential.save`.

    Raises
    ------
    ModelFileError
        Missing, truncated or corrupt file, unknown layer type, missing weights, wrong shapes, non-finite values.
    """
    path = Path(path)
    with _open_npz(path) as archive:
        try:
            fmt = _json_from(archive, "__format__", path)
            if fmt != FORMAT:
                raise ModelFileError(f"{path}: unsupported model format {fmt!r} (expected {FORMAT!r})")
            arch = _json_from(archive, "__architecture__", path)
            if not isinstance(arch, dict) or not isinstance(arch.get("layers"), list):
                raise ModelFileError(f"{path}: the architecture entry has no layer list")
            try:
                model = Sequential.from_config(
                    arch["layers"],
                    input_shape=tuple(arch.get("input_shape", INPUT_SHAPE)),
                    seed=arch.get("seed", 0),
                    temperature=arch.get("temperature", 1.0),
                )
            except ValueError as exc:
                raise ModelFileError(f"{path}: bad architecture: {exc}") from None
            weights: dict[str, np.ndarray] = {}
            for name in archive.files:
                if name.startswith("__"):
                    continue
                weights[name] = archive[name]
        except Exception as exc:  # untrusted bytes: NotImplementedError, TokenError, TypeError, ...
            if isinstance(exc, ModelFileError):
                raise
            raise ModelFileError(f"{path}: corrupt model file ({exc})") from None
    try:
        model.set_weights(weights)
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    for name, value, _ in model.named_params():
        if not np.all(np.isfinite(value)):
            raise ModelFileError(f"{path}: weight {name!r} contains NaN or infinite values")
    return model


def load_model(path: str | Path) -> Predictor:
    """Open a model for prediction: ``.npz`` (this engine) or ``.onnx`` (through onnxruntime).

    Returns
    -------
    object
        Has ``predict_proba(x)`` (x ``(N, 28, 28, 1)`` float32 in [0, 1] -> ``(N, 10)``) and ``activations(x)``
        (ordered dict layer name -> NHWC array).
    """
    path = Path(path)
    if path.suffix.lower() == ".onnx":
        from convlens.engine.runtime import OnnxPredictor

        return OnnxPredictor.open(path)
    return load_npz_model(path)


__all__ = [
    "INPUT_SHAPE",
    "ModelFileError",
    "Predictor",
    "Sequential",
    "load_model",
    "load_npz_model",
    "read_metadata",
]

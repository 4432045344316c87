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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol, runtime_checkable

import numpy as np

from convlens.engine.atomic import atomic_write_bytes
from convlens.engine.layers import Layer, layer_from_config
from convlens.engine.ops import softmax
from convlens.engine.version import __version__

INPUT_SHAPE = (28, 28, 1)
FORMAT = "convlens-npz-1"


class ModelFileError(ValueError):
    """A model file that cannot be used; the message names the file and the problem."""


LAYER_KINDS = {"Conv2D": "conv", "MaxPool2D": "pool", "ReLU": "relu", "Dense": "dense", "Flatten": "flatten",
               "Dropout": "dropout"}
"""Engine layer type -> the backend-neutral kind of :class:`LayerInfo` (the ONNX reader reports the same kinds)."""


@dataclass(frozen=True)
class LayerInfo:
    """One output a :class:`Predictor` computes (an entry of :meth:`Predictor.activations`).

    Attributes
    ----------
    name : str
        Key in the activations dict (``"conv1"``, ``"pool1"``, ..., ``"probs"``).
    kind : str
        ``"conv"``, ``"relu"``, ``"pool"``, ``"dense"``, ``"flatten"``, ``"dropout"``, ``"logits"`` or ``"probs"``
        (an unknown engine layer type is reported lower-cased).
    shape : tuple of int
        Output shape of ONE image, NHWC for maps, e.g. ``(28, 28, 16)``; the batch output is
        ``(N, *shape)`` (see :meth:`output_shape`).
    params : int
        Trainable scalars of the layer (weights and biases); 0 for pooling, flatten, ``probs``. Not part of
        equality: two descriptions of the same output compare equal whether or not the count was known.
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    params: int = field(default=0, compare=False)

    def output_shape(self, n: int = 1) -> tuple[int, ...]:
        """The output shape for a batch of ``n`` images, ``(n, H, W, C)`` for maps, ``(n, D)`` for vectors."""
        return (int(n), *self.shape)


class RunResult(NamedTuple):
    """What :meth:`Predictor.run` returns: everything one forward pass computed.

    A named tuple, so ``probs, acts = predictor.run(x)`` works.

    Attributes
    ----------
    probs : ndarray, shape (N, 10)
        Class probabilities (softmax applied), float32.
    activations : OrderedDict[str, ndarray]
        Every intermediate output in layer order, WITHOUT ``"probs"``: maps NHWC ``(N, H, W, C)``, vectors
        ``(N, D)``.
    """

    probs: np.ndarray
    activations: OrderedDict[str, np.ndarray]

    def outputs(self) -> OrderedDict[str, np.ndarray]:
        """The intermediates followed by ``"probs"``: what :meth:`Predictor.activations` returns."""
        out = OrderedDict(self.activations)
        out["probs"] = self.probs
        return out


@runtime_checkable
class Predictor(Protocol):
    """The one model interface of the app: the NumPy :class:`Sequential` and ``runtime.OnnxPredictor``.

    Images are ``(N, 28, 28, 1)`` float32 in [0, 1], white digit on black (one image ``(28, 28, 1)`` is
    accepted as a batch of one). Nothing in the app needs to know which backend it holds.

    Attributes
    ----------
    backend : str
        ``"numpy"`` or ``"onnxruntime"``.
    metadata : dict
        The model card / metadata stored with the model file (may be empty; ``{}`` for an in-memory model).
    source_path : Path or None
        The file the model was opened from; None for an in-memory model.
    is_trainable : bool
        True when this object itself can be trained (a NumPy ``Sequential``); see :meth:`numpy_model`.
    """

    @property
    def backend(self) -> str: ...

    @property
    def metadata(self) -> dict[str, Any]: ...

    @property
    def source_path(self) -> Path | None: ...

    @property
    def is_trainable(self) -> bool: ...

    def run(self, x: np.ndarray) -> RunResult:
        """Probabilities ``(N, 10)`` and every intermediate (NHWC maps) in ONE forward pass.

        The live path calls this once per pen move; the activations do not contain ``"probs"``.
        """
        ...

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities ``(N, 10)`` for ``x`` ``(N, 28, 28, 1)`` float32 in [0, 1]."""
        ...

    def activations(self, x: np.ndarray) -> OrderedDict[str, np.ndarray]:
        """Every layer's output keyed by layer name (NHWC maps ``(N, H, W, C)``), then ``"probs"`` ``(N, 10)``."""
        ...

    def conv_filters(self) -> OrderedDict[str, np.ndarray]:
        """Conv layer name -> weights ``(H_f, W_f, C_in, C_out)`` float32 (copies), in layer order."""
        ...

    def conv_biases(self) -> OrderedDict[str, np.ndarray]:
        """Conv layer name -> bias ``(C_out,)`` float32 (copies); a conv whose bias is unknown is left out."""
        ...

    def layer_infos(self) -> list[LayerInfo]:
        """Every entry of :meth:`activations` (the last is ``"probs"``): name, kind, NHWC shape, parameters."""
        ...

    def summary(self) -> str:
        """A human-readable table of the layers, their output shapes and parameter counts."""
        ...

    def numpy_model(self) -> Sequential | None:
        """The NumPy network to fine-tune from: the model itself when :attr:`is_trainable`, else its ``.npz``
        twin next to :attr:`source_path` if there is one, else None. Copy it before changing its weights."""
        ...


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

    Attributes
    ----------
    metadata : dict
        What was stored with the model (:func:`load_npz_model` fills it; ``{}`` for a new model).
    source_path : Path or None
        The ``.npz`` file it was loaded from, None for a model built in memory.

    Notes
    -----
    The last layer's output are the logits ``(N, K)``; :meth:`predict_proba` applies the softmax after dividing
    them by :attr:`temperature` (fitted on held-out data by ``engine.calibration.fit_temperature``; the
    exported ONNX graph divides by the same float32 value before its Softmax). Implements :class:`Predictor`.
    """

    backend = "numpy"
    is_trainable = True

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
        self.metadata: dict[str, Any] = {}
        self.source_path: Path | None = None
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

    def layer_infos(self) -> list[LayerInfo]:
        """Every layer's output (name, kind, one image's NHWC shape, parameters), then ``"probs"``.

        Returns
        -------
        list of LayerInfo
            In the order (and with the names) of :meth:`activations`.
        """
        infos = [
            LayerInfo(layer.name, LAYER_KINDS.get(layer.type_name, layer.type_name.lower()),
                      tuple(int(d) for d in layer.output_shape), layer.param_count())
            for layer in self.layers
        ]
        infos.append(LayerInfo("probs", "probs", (self.num_classes,), 0))
        return infos

    def _conv_layers(self) -> Iterator[Layer]:
        return (layer for layer in self.layers if layer.type_name == "Conv2D" and "w" in layer.params)

    def conv_filters(self) -> OrderedDict[str, np.ndarray]:
        """Conv layer name -> a float32 copy of its weights ``(H_f, W_f, C_in, C_out)``, in layer order."""
        return OrderedDict(
            (layer.name, np.array(layer.params["w"], dtype=np.float32)) for layer in self._conv_layers()
        )

    def conv_biases(self) -> OrderedDict[str, np.ndarray]:
        """Conv layer name -> a float32 copy of its bias ``(C_out,)``, for the convs that have one."""
        return OrderedDict(
            (layer.name, np.array(layer.params["b"], dtype=np.float32))
            for layer in self._conv_layers()
            if "b" in layer.params
        )

    def numpy_model(self) -> Sequential:
        """This model (it is the trainable NumPy network); copy it before changing its weights."""
        return self

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

    def forward_batches(self, x: np.ndarray, batch_size: int = 1000, threads: int = 1) -> list[np.ndarray]:
        """Inference logits of ``x`` ``(N, H, W, C)`` batch by batch: one ``(<= batch_size, K)`` array per batch.

        ``threads > 1`` spreads the batches over that many threads: an inference pass keeps no state in the
        layers and NumPy's kernels release the GIL, so two threads use two cores (an evaluation between training
        steps, when the worker processes wait). Each batch is computed exactly as in one thread: the same bits.
        """
        size = max(int(batch_size), 1)
        starts = range(0, x.shape[0], size)

        def run(start: int) -> np.ndarray:
            return self.forward(x[start : start + size])

        if threads <= 1 or len(starts) < 2:
            return [run(start) for start in starts]
        with ThreadPoolExecutor(min(int(threads), len(starts)), thread_name_prefix="convlens-eval") as pool:
            return list(pool.map(run, starts))

    def predict_logits(self, x: np.ndarray, batch_size: int = 1000, threads: int = 1) -> np.ndarray:
        """Logits ``(N, K)``, computed in batches to bound memory (on ``threads`` threads: :meth:`forward_batches`)."""
        x = self._check_input(x)
        parts = self.forward_batches(x, batch_size, threads)
        return np.concatenate(parts) if parts else np.zeros((0, self.num_classes), np.float32)

    def predict_proba(self, x: np.ndarray, batch_size: int = 1000, threads: int = 1) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        x : ndarray, shape (N, 28, 28, 1)
            float32 in [0, 1], white digit on black.
        batch_size : int
            Images per forward pass.
        threads : int
            Threads of the forward passes (:meth:`forward_batches`); the same probabilities with any number.

        Returns
        -------
        ndarray, shape (N, 10)
        """
        return self.probabilities(self.predict_logits(x, batch_size, threads))

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
        return self.run(x).outputs()

    def run(self, x: np.ndarray) -> RunResult:
        """Probabilities and every layer's output in one forward pass.

        Parameters
        ----------
        x : ndarray, shape (N, 28, 28, 1) or (28, 28, 1)
            float32 in [0, 1], white digit on black.

        Returns
        -------
        RunResult
            ``probs`` ``(N, 10)`` and ``activations`` (layer name -> output, NHWC ``(N, H, W, C)`` for maps,
            ``(N, D)`` for vectors; no ``"probs"`` entry).
        """
        acts: OrderedDict[str, np.ndarray] = OrderedDict()
        h = self._check_input(x)
        for layer in self.layers:
            h = layer.forward(h)
            acts[layer.name] = h
        return RunResult(self.probabilities(h), acts)

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


MAX_MODEL_FILE_BYTES = 50 * 1024 * 1024
"""Largest ``.npz`` model file opened (the shipped one is about 0.4 MB)."""
MAX_NPZ_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
"""Largest total the arrays of a ``.npz`` may unpack to, read from the zip directory before anything is unpacked
(a 4.5 MB zip bomb would otherwise unpack to 4 GB)."""
MAX_NPZ_MEMBERS = 512
MAX_PARAMS = 20_000_000
"""Most trainable scalars a model may declare (80 MB of float32; the shipped network has about 0.1 million),
checked from the architecture before any weight is allocated."""
MAX_ACTIVATION_ELEMENTS = 4_000_000
"""Most values one layer may output per image (the shipped network's largest map has 12,544)."""


def _open_npz(path: Path) -> Any:
    import stat
    import zipfile

    try:
        info = path.stat()
    except OSError:
        raise ModelFileError(f"{path}: no such model file") from None
    if not stat.S_ISREG(info.st_mode):
        raise ModelFileError(f"{path}: not a regular file")
    if info.st_size > MAX_MODEL_FILE_BYTES:
        raise ModelFileError(f"{path}: {info.st_size / 1e6:.0f} MB is larger than a digit classifier may be")
    data = path.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ModelFileError(f"{path}: not a .npz model file (it is not a zip archive of arrays)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception as exc:  # untrusted bytes: BadZipFile, NotImplementedError ("zip file version"), ...
        raise ModelFileError(f"{path}: not a readable .npz model file ({str(exc).splitlines()[0]})") from None
    unpacked = sum(member.file_size for member in members)
    if len(members) > MAX_NPZ_MEMBERS or unpacked > MAX_NPZ_UNCOMPRESSED_BYTES:
        raise ModelFileError(
            f"{path}: its {len(members)} arrays would unpack to {unpacked / 1e6:,.0f} MB, more than a digit "
            f"classifier's {MAX_NPZ_UNCOMPRESSED_BYTES / 1e6:.0f} MB"
        )
    try:
        # From memory: np.load leaks its file handle when the zip is unreadable (ResourceWarning).
        return np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as exc:  # untrusted bytes: zipfile/NumPy raise many types (NotImplementedError, ...)
        raise ModelFileError(f"{path}: not a readable .npz model file ({str(exc).splitlines()[0]})") from None


def _check_declared_size(layers: Sequence[dict[str, Any]], input_shape: tuple[int, ...], path: Path) -> None:
    """Refuse an architecture whose parameters or maps would be huge, before anything is allocated."""
    shape = tuple(int(d) for d in input_shape)
    if not shape or any(d <= 0 for d in shape) or int(np.prod(shape, dtype=np.int64)) > MAX_ACTIVATION_ELEMENTS:
        raise ModelFileError(f"{path}: bad input shape {shape}")
    total = 0
    for config in layers:
        try:
            layer = layer_from_config(dict(config))
            out = tuple(int(d) for d in layer.compute_output_shape(shape))
        except (ValueError, TypeError, KeyError) as exc:
            raise ModelFileError(f"{path}: bad architecture: {exc}") from None
        total += sum(int(np.prod(s, dtype=np.int64)) for s in layer.param_shapes(shape).values())
        if int(np.prod(out, dtype=np.int64)) > MAX_ACTIVATION_ELEMENTS or total > MAX_PARAMS:
            raise ModelFileError(
                f"{path}: layer {config.get('type', '?')} makes the network too large for a digit classifier "
                f"(at most {MAX_PARAMS:,} parameters and {MAX_ACTIVATION_ELEMENTS:,} values per map)"
            )
        shape = out


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
            _check_declared_size(arch["layers"], tuple(arch.get("input_shape", INPUT_SHAPE)), path)
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
                try:
                    value = archive[name]
                except ValueError:  # NumPy's message suggests allow_pickle=True, which would run the file's code
                    raise ModelFileError(f"{path}: weight {name!r} holds Python objects, not numbers") from None
                if value.dtype.kind not in "fiu":  # complex, object, strings... are not weights
                    raise ModelFileError(f"{path}: weight {name!r} has type {value.dtype}, not real numbers")
                weights[name] = value
            metadata: dict[str, Any] = {}
            if "__metadata__" in archive.files:
                try:
                    meta = _json_from(archive, "__metadata__", path)
                except ModelFileError:  # the weights are fine: a broken card only loses the card
                    meta = {}
                metadata = dict(meta) if isinstance(meta, dict) else {}
        except Exception as exc:  # untrusted bytes: NotImplementedError, TokenError, TypeError, ...
            if isinstance(exc, ModelFileError):
                raise
            reason = "it holds Python objects, not numbers" if "pickle" in str(exc) else str(exc).splitlines()[0]
            raise ModelFileError(f"{path}: corrupt model file ({reason})") from None
    try:
        model.set_weights(weights)
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    for name, value, _ in model.named_params():
        if not np.all(np.isfinite(value)):
            raise ModelFileError(f"{path}: weight {name!r} contains NaN or infinite values")
    model.metadata = metadata
    model.source_path = path
    return model


__all__ = [
    "INPUT_SHAPE",
    "LAYER_KINDS",
    "LayerInfo",
    "ModelFileError",
    "Predictor",
    "RunResult",
    "Sequential",
    "load_npz_model",
    "read_metadata",
]

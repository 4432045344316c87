"""The explorer's controller: the only gui module that talks to the engine.

It owns the current model (a NumPy ``Sequential`` or an ONNX ``OnnxPredictor``; which one runs is
hidden from the panels), turns canvas images into MNIST-style 28x28 inputs, runs one inference that
returns every intermediate map, and announces the results with Qt signals.

Signals
-------
activationsChanged(LiveResult)
    After every live update, before ``predictionChanged``.
predictionChanged(int, list)
    ``(digit, probabilities)``; for an empty canvas (or no model) ``(-1, [])``.
modelChanged(ModelInfo)
    After a model was loaded or swapped in.
errorOccurred(str)
    Inference failed on a drawing (the update is then emitted without a prediction).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from convlens.engine.model import load_model as engine_load_model
from convlens.engine.model import read_metadata
from convlens.engine.preprocess import PreprocessSteps, mnist_style, mnist_style_steps, to_batch
from convlens.gui.render import SAMPLE_STROKES, rasterize_strokes
from convlens.resources import default_model_path as shipped_model_path
from convlens.resources import models_dir

__all__ = [
    "Controller",
    "LiveResult",
    "MapLayer",
    "ModelInfo",
    "default_model_path",
]

log = logging.getLogger(__name__)

MODELS_DIR = models_dir()


def default_model_path() -> Path | None:
    """The shipped ``default.onnx`` if it exists, else ``default.npz``, else None."""
    candidate = shipped_model_path()
    return candidate if candidate.is_file() else None


@dataclass(frozen=True)
class MapLayer:
    """A layer whose output is a stack of 2-D feature maps.

    Attributes
    ----------
    name : str
        Layer name (also the key in ``LiveResult.activations``).
    kind : str
        ``"conv"`` (a convolution's output, after its fused ReLU), ``"pool"`` or ``"other"`` (e.g. a
        separate ReLU).
    shape : tuple of int
        ``(H, W, C)`` of one example.
    source_conv : str or None
        The convolution whose filter ``k`` made map ``k`` (pooling and ReLU keep channels).
    levels : tuple of float
        Fixed ``(low, high)`` colour levels from the calibration pass at model load.
    """

    name: str
    kind: str
    shape: tuple[int, int, int]
    source_conv: str | None
    levels: tuple[float, float]


@dataclass(frozen=True)
class ModelInfo:
    """What the panels need to know about the current model.

    Attributes
    ----------
    path : Path or None
        Where it was loaded from (None for an in-memory model or no model).
    backend : str
        ``"numpy"``, ``"onnxruntime"`` or ``"none"``.
    filters : OrderedDict[str, tuple[np.ndarray, np.ndarray | None]]
        Conv layer name -> (weights (H_f, W_f, C_in, C_out), bias (C_out,) or None); read-only copies.
    map_layers : tuple of MapLayer
        Every layer with a 4-D output, in order.
    summary : str
        A human-readable table of the layers.
    metadata : dict
        The model card fields stored with the model (may be empty).
    shapes : tuple of (str, tuple of int)
        Every output the model computes, in order, with the shape of one example (no batch axis),
        starting with ``("image", (28, 28, 1))``.
    """

    path: Path | None
    backend: str
    filters: OrderedDict[str, tuple[np.ndarray, np.ndarray | None]]
    map_layers: tuple[MapLayer, ...]
    summary: str
    metadata: dict[str, Any] = field(default_factory=dict)
    shapes: tuple[tuple[str, tuple[int, ...]], ...] = ()

    @property
    def label(self) -> str:
        """Short description for a status bar, e.g. ``"default.onnx (onnxruntime)"``."""
        if self.backend == "none":
            return "no model"
        name = self.path.name if self.path is not None else "in-memory model"
        return f"{name} ({self.backend})"


@dataclass(frozen=True)
class LiveResult:
    """One live update: what the network saw and what it computed.  Arrays are read-only.

    Attributes
    ----------
    image28 : np.ndarray or None
        float32 (28, 28) network input, or None for an empty canvas.
    steps : PreprocessSteps or None
        The preprocessing steps (raw, cropped, scaled, centred), or None for an empty canvas.
    probs : np.ndarray or None
        float32 (10,) class probabilities, or None (empty canvas or no model).
    activations : OrderedDict[str, np.ndarray]
        Layer name -> output for this one example, batch axis kept (NHWC maps ``(1, H, W, C)``);
        empty when ``probs`` is None.
    digit : int or None
        The winning class, or None when ``probs`` is None.
    """

    image28: np.ndarray | None
    steps: PreprocessSteps | None
    probs: np.ndarray | None
    activations: OrderedDict[str, np.ndarray]
    digit: int | None

    @property
    def confidence(self) -> float:
        """Probability of the winning class (0 when there is none)."""
        return 0.0 if self.probs is None else float(self.probs.max())


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    a.flags.writeable = False
    return a


def _run_backend(model: Any, batch: np.ndarray) -> tuple[np.ndarray, OrderedDict[str, np.ndarray]]:
    """One inference returning ``(probs (N, 10), activations)`` whichever backend ``model`` is."""
    run = getattr(model, "run", None)
    if callable(run):
        probs, acts = run(batch)
        return np.asarray(probs, dtype=np.float32), OrderedDict(acts)
    acts = OrderedDict(model.activations(batch))
    probs = acts.get("probs")
    if probs is None:
        probs = model.predict_proba(batch)
    return np.asarray(probs, dtype=np.float32), acts


def _conv_filters(model: Any) -> OrderedDict[str, tuple[np.ndarray, np.ndarray | None]]:
    """Conv layer name -> (weights (H_f, W_f, C_in, C_out), bias or None), copied and read-only."""
    out: OrderedDict[str, tuple[np.ndarray, np.ndarray | None]] = OrderedDict()
    getter = getattr(model, "conv_filters", None)
    if callable(getter):
        for name, value in getter().items():
            if isinstance(value, tuple | list):
                w, b = value[0], (value[1] if len(value) > 1 else None)
            else:
                w, b = value, None
            out[str(name)] = (
                _readonly(np.array(w, dtype=np.float32)),
                None if b is None else _readonly(np.array(b, dtype=np.float32)),
            )
        return out
    for layer in getattr(model, "layers", []):
        if getattr(layer, "type_name", "") == "Conv2D" and "w" in layer.params:
            b = layer.params.get("b")
            out[layer.name] = (
                _readonly(np.array(layer.params["w"], dtype=np.float32)),
                None if b is None else _readonly(np.array(b, dtype=np.float32)),
            )
    return out


@functools.lru_cache(maxsize=1)
def calibration_images() -> np.ndarray:
    """The ten sample digits rasterised and preprocessed: float32 (10, 28, 28, 1), computed once (read-only)."""
    images = []
    for strokes in SAMPLE_STROKES.values():
        img = mnist_style(rasterize_strokes(strokes, 112, 112 / 11))
        assert img is not None
        images.append(img)
    return _readonly(np.stack(images)[..., None].astype(np.float32))


def _layer_kinds(model: Any) -> dict[str, str]:
    """Layer name -> "conv" / "pool" / "other", from ``Sequential.layers`` (``type_name``) or
    ``OnnxPredictor.layers`` (``kind``); empty when the model does not describe its layers."""
    kinds: dict[str, str] = {}
    for layer in getattr(model, "layers", None) or []:
        name = getattr(layer, "name", None)
        if not name:
            continue
        label = str(getattr(layer, "type_name", "") or getattr(layer, "kind", "")).lower()
        kinds[str(name)] = "conv" if label.startswith("conv") else "pool" if "pool" in label else "other"
    return kinds


def _map_layers(
    model: Any, filters: OrderedDict[str, Any], acts: OrderedDict[str, np.ndarray]
) -> tuple[MapLayer, ...]:
    """Describe every 4-D output with fixed colour levels from the calibration activations."""
    kinds = _layer_kinds(model)
    layers: list[MapLayer] = []
    last_conv: str | None = None
    last_hw: tuple[int, int] | None = None
    for name, value in acts.items():
        a = np.asarray(value)
        if a.ndim != 4 or name == "image":
            continue
        h, w, c = (int(d) for d in a.shape[1:])
        if name in filters:
            kind, last_conv = "conv", name
        elif kinds.get(name) == "pool" or (
            name not in kinds and ("pool" in name.lower() or (last_hw is not None and (h, w) < last_hw))
        ):
            kind = "pool"
        else:
            kind = "other"
        source = last_conv
        if source is not None and filters[source][0].shape[3] != c:
            source = None
        finite = a[np.isfinite(a)]
        lo = min(0.0, float(np.percentile(finite, 0.3))) if finite.size else 0.0
        hi = float(np.percentile(finite, 99.7)) if finite.size else 1.0
        hi = max(hi, 0.25 * float(finite.max()) if finite.size else 0.0, lo + 1e-6)
        layers.append(MapLayer(name, kind, (h, w, c), source, (lo, hi)))
        last_hw = (h, w)
    return tuple(layers)


def _summary(model: Any, acts: OrderedDict[str, np.ndarray]) -> str:
    summary = getattr(model, "summary", None)
    if callable(summary):
        try:
            return str(summary())
        except Exception:  # noqa: BLE001 - a summary is a nicety
            log.debug("model.summary() failed", exc_info=True)
    lines = [f"{'layer':<12}output shape"]
    lines += [f"{name:<12}{('N', *np.shape(v)[1:])}" for name, v in acts.items()]
    return "\n".join(lines)


class Controller(QObject):
    """Model owner and live-inference pipeline (see the module docstring for the signals).

    Parameters
    ----------
    model_path : str or Path, optional
        Model to open (errors propagate).  Default: ``models/default.onnx``, else
        ``models/default.npz``; if neither can be opened the controller still works without a model
        (every prediction is ``(-1, [])``) and ``load_error`` says why.
    parent : QObject, optional
    """

    predictionChanged = Signal(int, list)
    activationsChanged = Signal(object)
    modelChanged = Signal(object)
    errorOccurred = Signal(str)

    def __init__(self, model_path: str | Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("controller")
        self._model: Any = None
        self._info = ModelInfo(None, "none", OrderedDict(), (), "no model loaded")
        self._last_canvas: np.ndarray | None = None
        self._last_result = LiveResult(None, None, None, OrderedDict(), None)
        self.load_error: str | None = None
        self._before_preview: tuple[Any, ModelInfo] | None = None
        if model_path is not None:
            self.load_model(model_path)
            return
        # The shipped model: default.onnx, else default.npz; a broken file falls back to the next one and
        # finally to no model (the window then says so) instead of refusing to start.
        for candidate in (MODELS_DIR / "default.onnx", MODELS_DIR / "default.npz"):
            if not candidate.is_file():
                continue
            try:
                self.load_model(candidate)
                return
            except (OSError, ValueError) as exc:
                log.warning("cannot open the default model %s: %s", candidate, exc)
                self.load_error = str(exc)

    # -- models ---------------------------------------------------------------------------------------------
    def load_model(self, path: str | Path) -> ModelInfo:
        """Open ``path`` (.onnx or .npz) and swap it in; the canvas is re-read with the new model.

        Raises
        ------
        ValueError, OSError
            The file cannot be used (``engine.model.ModelFileError`` is a ValueError); the current
            model stays in place.
        """
        path = Path(path)
        model = engine_load_model(path)
        metadata: dict[str, Any] = {}
        if path.suffix.lower() == ".npz":
            try:
                metadata = read_metadata(path)
            except ValueError:
                metadata = {}
        else:
            metadata = dict(getattr(model, "metadata", None) or {})
        return self.set_model(model, path=path, metadata=metadata)

    def set_model(
        self, model: Any, path: str | Path | None = None, metadata: dict[str, Any] | None = None
    ) -> ModelInfo:
        """Swap in an already opened model (anything with ``activations``/``predict_proba``, or ``run``).

        Runs a calibration pass (ten sample digits) to fix every feature-map layer's colour levels,
        emits ``modelChanged`` and re-runs the last canvas image.
        """
        self._before_preview = None  # a real model replaces any training preview
        calib = calibration_images()
        probs, acts = _run_backend(model, calib)
        if probs.shape != (calib.shape[0], 10):
            raise ValueError(f"the model must output 10 probabilities per image, got shape {probs.shape}")
        filters = _conv_filters(model)
        backend = "onnxruntime" if callable(getattr(model, "run", None)) else "numpy"
        self._model = model
        self._info = ModelInfo(
            path=None if path is None else Path(path),
            backend=backend,
            filters=filters,
            map_layers=_map_layers(model, filters, acts),
            summary=_summary(model, acts),
            metadata=dict(metadata or {}),
            shapes=(("image", (28, 28, 1)),)
            + tuple((str(k), tuple(int(d) for d in np.shape(v)[1:])) for k, v in acts.items() if k != "probs")
            + (("probs", (int(probs.shape[1]),)),),
        )
        log.info("model loaded: %s", self._info.label)
        self.modelChanged.emit(self._info)
        if self._last_canvas is not None:
            self.set_canvas_image(self._last_canvas)
        return self._info

    def set_preview_model(self, model: Any | None) -> None:
        """Show a model temporarily (the training preview) without recalibrating, or end the preview.

        Parameters
        ----------
        model : object or None
            A model with the same layers as the current one (its filters and the drawing are re-read with it,
            the colour levels stay fixed so the maps do not jump); a model with other layers is calibrated like
            :meth:`set_model`. ``None`` puts back the model that was in use before the preview.
        """
        if model is None:
            if self._before_preview is not None:
                self._model, self._info = self._before_preview
                self._before_preview = None
                self.modelChanged.emit(self._info)
                if self._last_canvas is not None:
                    self.set_canvas_image(self._last_canvas)
            return
        if self._before_preview is None:
            self._before_preview = (self._model, self._info)
        base = self._before_preview[1]
        filters = _conv_filters(model)
        same_layers = [(k, np.shape(v[0])) for k, v in filters.items()] == [
            (k, np.shape(v[0])) for k, v in base.filters.items()
        ]
        if not same_layers:
            saved = self._before_preview
            self.set_model(model, path=None, metadata={"training_preview": True})
            self._before_preview = saved
            return
        self._model = model
        self._info = dataclasses.replace(
            base, path=None, backend="numpy", filters=filters, metadata={"training_preview": True}
        )
        self.modelChanged.emit(self._info)
        if self._last_canvas is not None:
            self.set_canvas_image(self._last_canvas)

    def show_image28(self, img: np.ndarray) -> LiveResult:
        """Run an already MNIST-style 28x28 image through the network and emit it like a canvas update."""
        return self._publish(self.predict_image28(img))

    @property
    def model(self) -> Any:
        """The model object currently in use (None if there is none)."""
        return self._model

    def current_model_info(self) -> ModelInfo:
        """The :class:`ModelInfo` of the current model."""
        return self._info

    # -- live pipeline --------------------------------------------------------------------------------------
    def predict_image28(self, img: np.ndarray) -> LiveResult:
        """Run the current model on one 28x28 image without emitting anything.

        Parameters
        ----------
        img : np.ndarray
            (28, 28) float in [0, 1], white digit on black (already MNIST-style).

        Returns
        -------
        LiveResult
            ``steps`` is None; ``probs``/``digit`` are None if there is no model.
        """
        image28 = _readonly(np.array(img, dtype=np.float32).reshape(28, 28))
        return self._infer(image28, None)

    def _infer(self, image28: np.ndarray, steps: PreprocessSteps | None) -> LiveResult:
        if self._model is None:
            return LiveResult(image28, steps, None, OrderedDict(), None)
        probs, acts = _run_backend(self._model, to_batch(image28))
        p = _readonly(probs[0].astype(np.float32, copy=False))
        frozen: OrderedDict[str, np.ndarray] = OrderedDict((k, _readonly(v)) for k, v in acts.items())
        return LiveResult(image28, steps, p, frozen, int(np.argmax(p)))

    def set_canvas_image(self, canvas: np.ndarray) -> LiveResult:
        """Preprocess a canvas, run the model, emit ``activationsChanged`` then ``predictionChanged``.

        Parameters
        ----------
        canvas : np.ndarray
            (H, W) float32 in [0, 1], white ink on black.  An empty canvas gives a result with
            ``digit`` None and emits ``predictionChanged(-1, [])``.

        Returns
        -------
        LiveResult
            The result just emitted.
        """
        self._last_canvas = canvas
        steps = mnist_style_steps(canvas)
        if steps is None:
            result = LiveResult(None, None, None, OrderedDict(), None)
        else:
            image28 = _readonly(steps.centred)
            try:
                result = self._infer(image28, steps)
            except Exception as exc:  # noqa: BLE001 - a failing model must not take the app down mid-stroke
                log.exception("inference failed")
                self.errorOccurred.emit(f"The model failed on this drawing: {exc}")
                result = LiveResult(image28, steps, None, OrderedDict(), None)
        return self._publish(result)

    def _publish(self, result: LiveResult) -> LiveResult:
        """Remember ``result`` and emit ``activationsChanged`` then ``predictionChanged`` (-1, [] when empty)."""
        self._last_result = result
        self.activationsChanged.emit(result)
        if result.probs is None:
            self.predictionChanged.emit(-1, [])
        else:
            self.predictionChanged.emit(int(result.digit or 0), [float(v) for v in result.probs])
        return result

    def last_result(self) -> LiveResult:
        """The most recent :class:`LiveResult` emitted."""
        return self._last_result

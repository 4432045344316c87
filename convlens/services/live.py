"""The live pipeline, without Qt: a drawing in, everything the network computed out.

::

    canvas (H, W) float32, white ink on black
      --preprocess (engine.preprocess.mnist_style_steps)--> image28 (28, 28) float32 in [0, 1]
      --to_batch--> (1, 28, 28, 1) float32
      --Predictor.run (ONE call)--> probabilities (10,) and every intermediate, NHWC (1, H, W, C)
      --> LiveResult (read-only arrays)

:class:`LivePipeline` owns the model in use (any :class:`~convlens.engine.model.Predictor`: the NumPy
``Sequential`` or an ONNX ``OnnxPredictor``), describes it once when it is swapped in (:class:`ModelInfo`:
filters, feature-map layers with fixed colour levels from a calibration pass, summary, shapes) and runs the
live path. ``gui.controller.Controller`` is the Qt adapter over it (signals; the canvas throttles the pen).

The live path (:meth:`LivePipeline.run_canvas`) does exactly: preprocessing, one ``run``, marking the arrays
read-only and the reading state (:mod:`convlens.services.reading`: is it a digit at all? a few microseconds);
everything else happens when a model is swapped in.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from convlens.engine.model import Predictor
from convlens.engine.preprocess import PreprocessSteps, mnist_style_steps, to_batch
from convlens.services.model_check import check_probabilities, open_checked_model
from convlens.services.reading import EMPTY_READING, Reader, Reading

__all__ = [
    "EMPTY_RESULT",
    "NO_MODEL",
    "UNREAD",
    "LivePipeline",
    "LiveResult",
    "MapLayer",
    "ModelInfo",
    "describe_model",
    "model_filters",
    "readonly",
]

log = logging.getLogger(__name__)

Filters = OrderedDict[str, tuple[np.ndarray, np.ndarray | None]]
"""Conv layer name -> (weights (H_f, W_f, C_in, C_out), bias (C_out,) or None)."""


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
    filters: Filters
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

    @property
    def has_model(self) -> bool:
        """False for :data:`NO_MODEL` (nothing could be opened)."""
        return self.backend != "none"


NO_MODEL = ModelInfo(None, "none", OrderedDict(), (), "no model loaded")
"""The description used while there is no model."""


@dataclass(frozen=True)
class LiveResult:
    """One live update: what the network saw and what it computed.  Arrays are read-only.

    Attributes
    ----------
    image28 : np.ndarray or None
        float32 (28, 28) network input in [0, 1], white digit on black, or None for an empty canvas.
    steps : PreprocessSteps or None
        The preprocessing steps (raw, cropped, scaled, centred), or None for an empty canvas (or an image
        that was already 28x28).
    probs : np.ndarray or None
        float32 (10,) class probabilities, or None (empty canvas, no model, or the model failed).
    activations : OrderedDict[str, np.ndarray]
        Layer name -> output for this one example, batch axis kept (NHWC maps ``(1, H, W, C)``, vectors
        ``(1, D)``); no ``"probs"`` entry; empty when ``probs`` is None.
    digit : int or None
        The winning class, or None when ``probs`` is None.
    error : str or None
        Why the model failed on this input (``probs`` is then None), else None.
    reading : Reading
        Is it a digit: ``reading.state`` is ``"empty"``, ``"digit"``, ``"unsure"`` or ``"not_a_digit"``
        (:mod:`convlens.services.reading`); ``"unsure"`` without probabilities.
    """

    image28: np.ndarray | None
    steps: PreprocessSteps | None
    probs: np.ndarray | None
    activations: OrderedDict[str, np.ndarray]
    digit: int | None
    error: str | None = None
    reading: Reading = EMPTY_READING

    @property
    def confidence(self) -> float:
        """Probability of the winning class (0 when there is none)."""
        return 0.0 if self.probs is None else float(self.probs.max())

    @property
    def network_input(self) -> np.ndarray | None:
        """The batch the network ran on: float32 ``(1, 28, 28, 1)`` (a view of :attr:`image28`), or None."""
        return None if self.image28 is None else self.image28.reshape(1, 28, 28, 1)


EMPTY_RESULT = LiveResult(None, None, None, OrderedDict(), None)
"""The result for an empty canvas."""
UNREAD = Reading("unsure", None, None, 0.0, "no probabilities")
"""The reading of a drawing without probabilities (no model, or the model failed on it)."""


def readonly(a: np.ndarray) -> np.ndarray:
    """``a`` as an ndarray marked read-only (no copy when it already is one)."""
    a = np.asarray(a)
    a.flags.writeable = False
    return a


def model_filters(model: Predictor) -> Filters:
    """Conv layer name -> (weights (H_f, W_f, C_in, C_out), bias (C_out,) or None): read-only float32 copies."""
    biases = model.conv_biases()
    out: Filters = OrderedDict()
    for name, w in model.conv_filters().items():
        b = biases.get(name)
        out[str(name)] = (
            readonly(np.array(w, dtype=np.float32)),
            None if b is None else readonly(np.array(b, dtype=np.float32)),
        )
    return out


def _map_layers(
    kinds: Mapping[str, str], filters: Filters, acts: Mapping[str, np.ndarray]
) -> tuple[MapLayer, ...]:
    """Describe every 4-D output with fixed colour levels from the calibration activations."""
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


def _summary(model: Predictor, acts: Mapping[str, np.ndarray]) -> str:
    try:
        return str(model.summary())
    except Exception:  # noqa: BLE001 - a summary is a nicety; a foreign model must still open
        log.debug("model.summary() failed", exc_info=True)
    lines = [f"{'layer':<12}output shape"]
    lines += [f"{name:<12}{('N', *np.shape(v)[1:])}" for name, v in acts.items()]
    return "\n".join(lines)


def describe_model(
    model: Predictor,
    calibration: np.ndarray,
    path: str | Path | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> ModelInfo:
    """Run a calibration pass and describe ``model`` for the panels.

    Parameters
    ----------
    model : Predictor
    calibration : ndarray, shape (N, 28, 28, 1)
        float32 digits in [0, 1]; their activations fix every feature-map layer's colour levels.
    path : str or Path, optional
        Where the model came from (None: in memory).
    metadata : mapping, optional
        The model card fields to show (default: none).

    Returns
    -------
    ModelInfo

    Raises
    ------
    ValueError
        The model does not output 10 probabilities per image.
    """
    with np.errstate(all="ignore"):
        probs, acts = model.run(calibration)
    check_probabilities(probs, calibration.shape[0])  # the CLI's rule: 10 finite probabilities summing to 1
    filters = model_filters(model)
    kinds = {info.name: info.kind for info in model.layer_infos()}
    return ModelInfo(
        path=None if path is None else Path(path),
        backend=model.backend,
        filters=filters,
        map_layers=_map_layers(kinds, filters, acts),
        summary=_summary(model, acts),
        metadata=dict(metadata or {}),
        shapes=(("image", (28, 28, 1)),)
        + tuple((str(k), tuple(int(d) for d in np.shape(v)[1:])) for k, v in acts.items() if k != "probs")
        + (("probs", (int(probs.shape[1]),)),),
    )


class LivePipeline:
    """The model in use and the live path ``canvas -> 28x28 -> Predictor.run -> LiveResult`` (no Qt).

    Parameters
    ----------
    calibration : callable
        Returns the calibration digits, float32 ``(N, 28, 28, 1)`` in [0, 1] (called at each model swap; cache
        it). Their activations fix every feature-map layer's colour levels, so the maps do not flicker.

    Notes
    -----
    Not thread-safe: call it from one thread (the GUI thread).
    """

    def __init__(self, calibration: Callable[[], np.ndarray]) -> None:
        self._calibration = calibration
        self._model: Predictor | None = None
        self._info = NO_MODEL
        self._before_preview: tuple[Predictor | None, ModelInfo, Reader] | None = None
        self._reader = Reader()
        self.last_canvas: np.ndarray | None = None
        """The last canvas given to :meth:`run_canvas` (re-run after a model swap)."""
        self.last_image28: np.ndarray | None = None
        """The last image shown with ``run_image28(..., remember=True)`` (re-run after a model swap instead of
        :attr:`last_canvas`, which is then None)."""

    # -- the model --------------------------------------------------------------------------------------------
    @property
    def model(self) -> Predictor | None:
        """The model in use (None if there is none)."""
        return self._model

    @property
    def info(self) -> ModelInfo:
        """The :class:`ModelInfo` of the model in use (:data:`NO_MODEL` if there is none)."""
        return self._info

    @property
    def reader(self) -> Reader:
        """What decides the reading state for the model in use (with its non-digit detector, if one fits it)."""
        return self._reader

    @property
    def previewing(self) -> bool:
        """Whether a training preview (:meth:`set_preview`) is shown instead of the real model."""
        return self._before_preview is not None

    def load(self, path: str | Path) -> ModelInfo:
        """Open ``path`` (.onnx or .npz) and swap it in, with the metadata stored in the file.

        Raises
        ------
        ValueError, OSError
            The file cannot be used (``engine.model.ModelFileError`` is a ValueError); nothing changes.
        """
        path = Path(path)
        model = open_checked_model(path)
        return self.set_model(model, path=path, metadata=model.metadata)

    def set_model(
        self, model: Predictor, path: str | Path | None = None, metadata: Mapping[str, Any] | None = None
    ) -> ModelInfo:
        """Swap in an opened model (calibrated with :func:`describe_model`); any training preview ends.

        Raises
        ------
        TypeError
            ``model`` does not implement :class:`~convlens.engine.model.Predictor`.
        ValueError
            The model does not output 10 probabilities; nothing changes.
        """
        if not isinstance(model, Predictor):
            raise TypeError(f"{type(model).__name__} does not implement engine.model.Predictor")
        info = describe_model(model, self._calibration(), path=path, metadata=metadata)
        self._model, self._info = model, info
        self._reader = Reader.for_model(model, info.filters)
        self._before_preview = None  # a real model replaces any training preview
        log.info("model loaded: %s", info.label)
        return info

    def set_preview(self, model: Predictor | None) -> ModelInfo | None:
        """Show a model temporarily (the training preview) or end the preview.

        Parameters
        ----------
        model : Predictor or None
            A model with the same conv layers as the real one keeps the real one's colour levels (only the
            filters change, so the maps do not jump); other layers are calibrated like :meth:`set_model`.
            ``None`` puts back the model that was in use before the preview.

        Returns
        -------
        ModelInfo or None
            The description now in use, or None when nothing changed (``None`` and no preview running).
        """
        if model is None:
            if self._before_preview is None:
                return None
            self._model, self._info, self._reader = self._before_preview
            self._before_preview = None
            return self._info
        saved = (
            self._before_preview if self._before_preview is not None else (self._model, self._info, self._reader)
        )
        base = saved[1]
        filters = model_filters(model)
        same_layers = [(k, v[0].shape) for k, v in filters.items()] == [
            (k, v[0].shape) for k, v in base.filters.items()
        ]
        if same_layers:
            info = dataclasses.replace(
                base, path=None, backend=model.backend, filters=filters, metadata={"training_preview": True}
            )
            self._model, self._info = model, info
            self._reader = Reader.for_model(model, filters)
        else:
            info = self.set_model(model, path=None, metadata={"training_preview": True})
        self._before_preview = saved
        return info

    # -- the live path ----------------------------------------------------------------------------------------
    def run_canvas(self, canvas: np.ndarray) -> LiveResult:
        """Preprocess a canvas and run the model on it (the pen-move path).

        Parameters
        ----------
        canvas : np.ndarray
            (H, W) float32 in [0, 1], white ink on black; remembered as :attr:`last_canvas`.

        Returns
        -------
        LiveResult
            :data:`EMPTY_RESULT` for an empty canvas; without ``probs`` when there is no model; with
            ``error`` set (and no ``probs``) when the model raised, which is logged, never propagated.
        """
        self.last_canvas = canvas
        self.last_image28 = None
        steps = mnist_style_steps(canvas)
        if steps is None:
            return EMPTY_RESULT
        image28 = readonly(steps.centred)
        try:
            return self._infer(image28, steps)
        except Exception as exc:  # noqa: BLE001 - a failing model must not take the app down mid-stroke
            log.exception("inference failed")
            return LiveResult(image28, steps, None, OrderedDict(), None, error=str(exc), reading=UNREAD)

    def rerun(self) -> LiveResult | None:
        """The last input again (after a model swap): :attr:`last_image28` if one is shown, else :meth:`run_canvas`
        on :attr:`last_canvas`; None if there was none."""
        if self.last_image28 is not None:
            return self.run_image28(self.last_image28, remember=True)
        return None if self.last_canvas is None else self.run_canvas(self.last_canvas)

    def run_image28(self, img: np.ndarray, remember: bool = False) -> LiveResult:
        """Run the model on an image that is already MNIST-style.

        Parameters
        ----------
        img : np.ndarray
            28 * 28 values in [0, 1], white digit on black (any shape with 784 elements).
        remember : bool
            Make it the current input (the canvas shows it): :meth:`rerun` then runs this image, not the last
            canvas. By default a one-off prediction that changes nothing.

        Returns
        -------
        LiveResult
            ``steps`` is None; ``probs``/``digit`` are None if there is no model. Model errors propagate.
        """
        image28 = readonly(np.array(img, dtype=np.float32).reshape(28, 28))
        if remember:
            self.last_image28, self.last_canvas = image28, None
        return self._infer(image28, None)

    def _infer(self, image28: np.ndarray, steps: PreprocessSteps | None) -> LiveResult:
        model = self._model
        if model is None:
            return LiveResult(image28, steps, None, OrderedDict(), None, reading=UNREAD)
        with np.errstate(all="ignore"):
            probs, acts = model.run(to_batch(image28))
        check_probabilities(probs, 1)  # NaN or overflow on this drawing: an error result, never NaN bars
        p = readonly(np.asarray(probs[0], dtype=np.float32))
        frozen: OrderedDict[str, np.ndarray] = OrderedDict((k, readonly(v)) for k, v in acts.items())
        extent = None if steps is None else max(steps.cropped.shape) / float(max(steps.raw.shape))
        reading = self._reader.read(image28, p, frozen, extent)
        return LiveResult(image28, steps, p, frozen, int(np.argmax(p)), reading=reading)

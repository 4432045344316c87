"""The explorer's controller: the Qt adapter over the live pipeline (:mod:`convlens.services.live`).

The model, its description and the live path (canvas -> MNIST-style 28x28 -> one ``Predictor.run`` returning
every intermediate -> :class:`LiveResult`) live in :class:`~convlens.services.live.LivePipeline`, which has no
Qt. This class adds what is Qt: the signals below, the default-model fallback at start-up and the calibration
digits (rasterised sample strokes). The canvas throttles the pen (one image per event-loop turn).

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

import functools
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from convlens.engine.model import Predictor
from convlens.engine.preprocess import mnist_style
from convlens.gui.render import SAMPLE_STROKES, rasterize_strokes
from convlens.resources import default_model_path as shipped_model_path
from convlens.resources import models_dir
from convlens.services.live import EMPTY_RESULT, LivePipeline, LiveResult, MapLayer, ModelInfo, readonly

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


@functools.lru_cache(maxsize=1)
def calibration_images() -> np.ndarray:
    """The ten sample digits rasterised and preprocessed: float32 (10, 28, 28, 1), computed once (read-only)."""
    images = []
    for strokes in SAMPLE_STROKES.values():
        img = mnist_style(rasterize_strokes(strokes, 112, 112 / 11))
        assert img is not None
        images.append(img)
    return readonly(np.stack(images)[..., None].astype(np.float32))


class Controller(QObject):
    """Model owner and live-inference pipeline (see the module docstring for the signals).

    Parameters
    ----------
    model_path : str or Path, optional
        Model to open (errors propagate).  Default: ``models/default.onnx``, else
        ``models/default.npz``; if neither can be opened the controller still works without a model
        (every prediction is ``(-1, [])``) and ``load_error`` says why.
    parent : QObject, optional

    Attributes
    ----------
    pipeline : LivePipeline
        The Qt-free model owner and live path this adapter drives.
    load_error : str or None
        Why the default model could not be opened (None when it was, or when ``model_path`` was given).
    """

    predictionChanged = Signal(int, list)
    activationsChanged = Signal(object)
    modelChanged = Signal(object)
    errorOccurred = Signal(str)

    def __init__(self, model_path: str | Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("controller")
        self.pipeline = LivePipeline(calibration_images)
        self._last_result: LiveResult = EMPTY_RESULT
        self.load_error: str | None = None
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
        return self._announce(self.pipeline.load(path))

    def set_model(
        self, model: Predictor, path: str | Path | None = None, metadata: Mapping[str, Any] | None = None
    ) -> ModelInfo:
        """Swap in an already opened model (any :class:`~convlens.engine.model.Predictor`).

        Runs a calibration pass (ten sample digits) to fix every feature-map layer's colour levels,
        emits ``modelChanged`` and re-runs the last canvas image. ``path``/``metadata`` describe it
        (default: an in-memory model without a card).

        Raises
        ------
        TypeError
            ``model`` is not a Predictor.
        ValueError
            It does not output 10 probabilities; the current model stays in place.
        """
        return self._announce(self.pipeline.set_model(model, path=path, metadata=metadata))

    def set_preview_model(self, model: Predictor | None) -> None:
        """Show a model temporarily (the training preview) without recalibrating, or end the preview.

        Parameters
        ----------
        model : Predictor or None
            A model with the same layers as the current one (its filters and the drawing are re-read with it,
            the colour levels stay fixed so the maps do not jump); a model with other layers is calibrated like
            :meth:`set_model`. ``None`` puts back the model that was in use before the preview.
        """
        info = self.pipeline.set_preview(model)
        if info is not None:
            self._announce(info)

    def _announce(self, info: ModelInfo) -> ModelInfo:
        self.modelChanged.emit(info)
        result = self.pipeline.rerun()
        if result is not None:
            self._publish_canvas(result)
        return info

    def show_image28(self, img: np.ndarray) -> LiveResult:
        """Run an already MNIST-style 28x28 image through the network and emit it like a canvas update.

        It becomes the current input: a model swap re-runs this image, not the last canvas.
        """
        return self._publish(self.pipeline.run_image28(img, remember=True))

    @property
    def model(self) -> Predictor | None:
        """The model object currently in use (None if there is none)."""
        return self.pipeline.model

    def current_model_info(self) -> ModelInfo:
        """The :class:`ModelInfo` of the current model."""
        return self.pipeline.info

    def has_model(self) -> bool:
        """Whether a model is in use (False when nothing could be opened)."""
        return self.pipeline.model is not None

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
        return self.pipeline.run_image28(img)

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
        return self._publish_canvas(self.pipeline.run_canvas(canvas))

    def _publish_canvas(self, result: LiveResult) -> LiveResult:
        if result.error is not None:
            self.errorOccurred.emit(self.tr("The model failed on this drawing: {0}").format(result.error))
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

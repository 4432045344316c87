"""Open a saved model, whatever its format: the one entry point above the NumPy model and the ONNX runtime."""

from __future__ import annotations

from pathlib import Path

from convlens.engine.model import Predictor, load_npz_model
from convlens.engine.runtime import OnnxPredictor

__all__ = ["load_model"]


def load_model(path: str | Path) -> Predictor:
    """Open a model for prediction: ``.npz`` (this engine) or ``.onnx`` (through onnxruntime).

    Returns
    -------
    Predictor
        A :class:`~convlens.engine.model.Sequential` or an :class:`~convlens.engine.runtime.OnnxPredictor`:
        ``predict_proba(x)`` (x ``(N, 28, 28, 1)`` float32 in [0, 1] -> ``(N, 10)``), ``activations(x)`` (ordered
        dict layer name -> NHWC array, then ``"probs"``), ``run(x)``, ``conv_filters()``, ``layer_infos()``,
        ``metadata``, ``summary()``.

    Raises
    ------
    convlens.engine.model.ModelFileError
        The file is missing or cannot be used.
    """
    path = Path(path)
    if path.suffix.lower() == ".onnx":
        return OnnxPredictor.open(path)
    return load_npz_model(path)

"""A trained model written as a set of files: ``DIR/NAME.npz`` (NumPy), ``.onnx`` (onnxruntime), ``.json`` (card)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from convlens.engine.atomic import atomic_write_bytes
from convlens.engine.model import Sequential, load_model
from convlens.engine.onnx_export import export_onnx

__all__ = ["ModelSet", "onnx_accuracy", "save_model_set", "write_json"]


@dataclass(frozen=True)
class ModelSet:
    """The files of one saved model."""

    npz: Path
    onnx: Path
    card: Path


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as indented JSON, atomically."""
    atomic_write_bytes(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))


def onnx_accuracy(path: Path, x: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of the ONNX file at ``path`` on ``x`` ``(N, 28, 28, 1)``, ``y`` ``(N,)`` through onnxruntime."""
    predictor = load_model(path)
    return float(np.mean(np.argmax(predictor.predict_proba(x), axis=1) == y))


def save_model_set(
    model: Sequential,
    card: dict[str, Any],
    out_dir: Path,
    name: str,
    test_data: tuple[np.ndarray, np.ndarray] | None = None,
) -> ModelSet:
    """Save ``model`` as ``out_dir/name.{npz,onnx,json}``.

    Parameters
    ----------
    model : Sequential
    card : dict
        The model card; stored in all three files. With ``test_data`` it gains ``onnx_test_accuracy``, measured
        through onnxruntime on the exported file.
    out_dir : Path
        Created when missing.
    name : str
        File stem.
    test_data : (x (N, 28, 28, 1), y (N,)), optional

    Raises
    ------
    OSError
        The directory cannot be created or written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    npz_path = model.save(out_dir / f"{name}.npz", metadata={"model_card": card})
    onnx_path = out_dir / f"{name}.onnx"
    export_onnx(model, onnx_path, model_card=card)
    if test_data is not None:
        card["onnx_test_accuracy"] = onnx_accuracy(onnx_path, *test_data)
    card_path = out_dir / f"{name}.json"
    write_json(card_path, card)
    return ModelSet(Path(npz_path), onnx_path, card_path)

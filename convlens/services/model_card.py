"""The model card: what a trained model is, how it was trained, on which data, and how well it does."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from typing import Any

import numpy as np

from convlens.engine import __version__

__all__ = ["build_model_card"]


def build_model_card(
    model: Any,
    config: Any,
    data_sha256: dict[str, str],
    evaluation: dict[str, Any],
    train_seconds: float,
    train_images: int,
    history: list[dict[str, Any]],
    arch: str,
) -> dict[str, Any]:
    """The model card: architecture with shapes, parameter count, training config, data hashes, results."""
    return {
        "name": "ConvLens CNN",
        "engine_version": __version__,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "architecture_preset": arch,
        "input": {
            "name": "image",
            "shape_nhwc": [None, *model.input_shape],
            "range": [0.0, 1.0],
            "polarity": "white digit on black",
        },
        "architecture": model.architecture(),
        "parameters": model.param_count(),
        "training": {
            **config.as_dict(),
            "train_images": train_images,
            "seconds": round(train_seconds, 2),
            "history": history,
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "numpy": np.__version__,
                "platform": platform.platform(),
            },
        },
        "data": {"dataset": "MNIST", "sha256": data_sha256},
        **evaluation,
    }

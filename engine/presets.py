"""Named architectures (``--arch PRESET``) and reading an architecture from a JSON file (``--arch FILE``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PRESETS: dict[str, list[dict[str, Any]]] = {
    # The shipped explorer network: 16 readable 5x5 first-layer filters, a pooled map after every conv block.
    "default": [
        {
            "type": "Conv2D",
            "filters": 16,
            "kernel": [5, 5],
            "stride": [1, 1],
            "padding": "same",
            "activation": "relu",
        },  # (N,28,28,1)  -> (N,28,28,16)
        {"type": "MaxPool2D", "size": [2, 2], "stride": [2, 2], "padding": "valid"},  # -> (N,14,14,16)
        {
            "type": "Conv2D",
            "filters": 32,
            "kernel": [3, 3],
            "stride": [1, 1],
            "padding": "same",
            "activation": "relu",
        },  # -> (N,14,14,32)
        {"type": "MaxPool2D", "size": [2, 2], "stride": [2, 2], "padding": "valid"},  # -> (N,7,7,32)
        {"type": "Flatten"},  # -> (N,1568)
        {"type": "Dense", "units": 64, "activation": "relu"},  # -> (N,64)
        {"type": "Dropout", "rate": 0.2, "seed": 0},
        {"type": "Dense", "units": 10},  # -> (N,10) logits
    ],
    # A smaller, faster network for slow machines and demos of training from scratch.
    "small": [
        {
            "type": "Conv2D",
            "filters": 8,
            "kernel": [5, 5],
            "stride": [1, 1],
            "padding": "same",
            "activation": "relu",
        },  # (N,28,28,1) -> (N,28,28,8)
        {"type": "MaxPool2D", "size": [2, 2], "stride": [2, 2], "padding": "valid"},  # -> (N,14,14,8)
        {
            "type": "Conv2D",
            "filters": 16,
            "kernel": [3, 3],
            "stride": [1, 1],
            "padding": "same",
            "activation": "relu",
        },  # -> (N,14,14,16)
        {"type": "MaxPool2D", "size": [2, 2], "stride": [2, 2], "padding": "valid"},  # -> (N,7,7,16)
        {"type": "Flatten"},  # -> (N,784)
        {"type": "Dense", "units": 10},  # -> (N,10)
    ],
}


def resolve_architecture(spec: str) -> list[dict[str, Any]]:
    """A preset name or the path of a JSON file holding a list of layers (or ``{"layers": [...]}``).

    Raises
    ------
    ValueError
        Unknown preset, unreadable file or a file that is not a layer list.
    """
    if spec in PRESETS:
        return [dict(layer) for layer in PRESETS[spec]]
    path = Path(spec)
    if not path.is_file():
        raise ValueError(f"--arch {spec!r} is neither a preset ({', '.join(PRESETS)}) nor a JSON file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the architecture ({exc})") from None
    layers = data.get("layers", data.get("architecture")) if isinstance(data, dict) else data
    if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
        raise ValueError(f"{path}: expected a JSON list of layer objects")
    return layers

"""Layers, one file each, enrolled in :data:`REGISTRY` by the :func:`register` decorator (see ``registry.py``).

Tests iterate over ``REGISTRY`` so a new layer gets its gradient check and ONNX parity test automatically.
"""

from __future__ import annotations

from convlens.engine.layers.base import Layer, Shape

# The layer modules register themselves when imported (order is irrelevant).
from convlens.engine.layers.conv2d import Conv2D
from convlens.engine.layers.dense import Dense
from convlens.engine.layers.dropout import Dropout
from convlens.engine.layers.flatten import Flatten
from convlens.engine.layers.maxpool2d import MaxPool2D
from convlens.engine.layers.registry import REGISTRY, layer_from_config, register
from convlens.engine.layers.relu import ReLU

__all__ = [
    "REGISTRY",
    "Conv2D",
    "Dense",
    "Dropout",
    "Flatten",
    "Layer",
    "MaxPool2D",
    "ReLU",
    "Shape",
    "layer_from_config",
    "register",
]

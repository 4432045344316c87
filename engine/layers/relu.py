"""ReLU: max(0, x), element by element."""

from __future__ import annotations

import numpy as np

from convlens.engine.layers.base import Layer
from convlens.engine.layers.registry import register


@register
class ReLU(Layer):
    """Rectified linear unit; any input shape, output has the same shape, no parameters."""

    type_name = "ReLU"
    name_prefix = "relu"

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name)
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        out = np.maximum(x, 0)
        if training:
            self._mask = out > 0
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        if self._mask is None:
            raise RuntimeError("ReLU.backward called before a training forward pass")
        dx = grad_out * self._mask
        self._mask = None
        return dx

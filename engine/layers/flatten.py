"""Flatten: ``(N, H, W, C)`` -> ``(N, H*W*C)`` in NHWC (row-major) order."""

from __future__ import annotations

import math

import numpy as np

from convlens.engine.layers.base import Layer, Shape
from convlens.engine.layers.registry import register


@register
class Flatten(Layer):
    """Reshape each example to a vector (channels vary fastest, as NumPy's C order does for NHWC)."""

    type_name = "Flatten"
    name_prefix = "flatten"

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (math.prod(input_shape),)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        return grad_out.reshape((grad_out.shape[0], *self.input_shape))

"""Dense (fully connected): every output is a weighted sum of every input."""

from __future__ import annotations

from typing import Any

import numpy as np

from convlens.engine.init import glorot_uniform, he_normal
from convlens.engine.layers.base import Layer, Shape
from convlens.engine.layers.registry import register


@register
class Dense(Layer):
    """Fully connected layer ``y = x @ w + b``, optionally followed by a fused ReLU.

    Parameters
    ----------
    units : int
        Number of outputs.
    activation : {None, "relu"}

    Notes
    -----
    ``(N, D_in)`` -> ``(N, units)``; params ``w (D_in, units)``, ``b (units,)``.
    """

    type_name = "Dense"
    name_prefix = "dense"

    def __init__(self, units: int, activation: str | None = None, name: str | None = None) -> None:
        super().__init__(name)
        if int(units) < 1:
            raise ValueError(f"units must be >= 1, got {units}")
        if activation not in (None, "relu"):
            raise ValueError(f"activation must be None or 'relu', got {activation!r}")
        self.units = int(units)
        self.activation = activation
        self._x: np.ndarray | None = None
        self._out: np.ndarray | None = None

    def get_config(self) -> dict[str, Any]:
        return {"units": self.units, "activation": self.activation}

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 1:
            raise ValueError(f"Dense needs flat (D,) inputs, got {input_shape}; put a Flatten before it")
        return (self.units,)

    def param_shapes(self, input_shape: Shape) -> dict[str, Shape]:
        return {"w": (int(input_shape[0]), self.units), "b": (self.units,)}

    def init_params(self, rng: np.random.Generator) -> None:
        d_in = self.input_shape[0]
        if self.activation == "relu":
            w = he_normal((d_in, self.units), d_in, rng)
        else:
            w = glorot_uniform((d_in, self.units), d_in, self.units, rng)
        self.params = {"w": w, "b": np.zeros(self.units, dtype=np.float32)}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        out = x @ self.params["w"].astype(x.dtype, copy=False)
        out += self.params["b"]
        if self.activation == "relu":
            np.maximum(out, 0, out=out)
        if training:
            self._x, self._out = x, out
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        if self._x is None or self._out is None:
            raise RuntimeError("Dense.backward called before a training forward pass")
        if self.activation == "relu":
            grad_out = grad_out * (self._out > 0)
        np.matmul(self._x.T, grad_out, out=self.grads["w"])
        np.sum(grad_out, axis=0, out=self.grads["b"])
        dx = grad_out @ self.params["w"].T if self.need_input_grad else None
        self._x = self._out = None
        return dx

"""MaxPool2D: keep the largest value of each window; works on H and W, channel by channel."""

from __future__ import annotations

from typing import Any

import numpy as np

from convlens.engine import ops, pooling
from convlens.engine.geometry import as_pair, check_padding, output_hw, pool_windows_tile
from convlens.engine.layers.base import Layer, Shape
from convlens.engine.layers.registry import register


@register
class MaxPool2D(Layer):
    """Max pooling layer.

    Parameters
    ----------
    size : int or (int, int)
        Window ``(rows, columns)``, default 2x2.
    stride : int or (int, int), optional
        Defaults to ``size`` (non-overlapping windows).
    padding : {"valid", "same"}

    Notes
    -----
    ``(N, H, W, C)`` -> ``(N, H_out, W_out, C)``; no parameters.
    """

    type_name = "MaxPool2D"
    name_prefix = "pool"

    def __init__(
        self,
        size: int | tuple[int, int] | list[int] = 2,
        stride: int | tuple[int, int] | list[int] | None = None,
        padding: str = "valid",
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.size = as_pair(size, "size")
        self.stride = as_pair(stride if stride is not None else self.size, "stride")
        self.padding = check_padding(padding)
        self._x: np.ndarray | None = None
        self._out: np.ndarray | None = None
        self._record: pooling.Tournament | None = None

    def get_config(self) -> dict[str, Any]:
        return {"size": list(self.size), "stride": list(self.stride), "padding": self.padding}

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 3:
            raise ValueError(f"MaxPool2D needs (H, W, C) inputs, got {input_shape}")
        h, w, c = input_shape
        h_out, w_out = output_hw((h, w), self.size, self.stride, self.padding)
        if h_out <= 0 or w_out <= 0:
            raise ValueError(f"a {self.size} pool does not fit a {h}x{w} input with padding={self.padding!r}")
        return (h_out, w_out, c)

    def _tiles(self) -> bool:
        return pool_windows_tile((self.input_shape[0], self.input_shape[1]), self.size, self.stride)

    def fusion_phases(self) -> tuple[int, int] | None:
        # max(relu(x)) == relu(max(x)), and a window's gradient reaches its maximal cell, which had a positive
        # input exactly when the pooled output is positive: masking grad_out by (out > 0) is the ReLU's backward.
        return self.size if self._tiles() else None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """``(N, H, W, C)`` -> ``(N, H_out, W_out, C)``.

        In training, windows that tile the map take the tournament path of :mod:`convlens.engine.pooling`, which
        remembers where the maxima were (the output lives in the layer's workspace until the next training step);
        when fused with the previous layer the input is phase-major and this layer applies its ReLU
        (``applies_relu``).
        """
        if not training:
            return ops.max_pool2d(x, self.size, self.stride, self.padding)
        if self._tiles():
            out, self._record = pooling.max_pool2d_tournament(
                x, self.size, phase_major=self.phases is not None, workspace=self.workspace
            )
        else:
            out, self._record = ops.max_pool2d(x, self.size, self.stride, self.padding), None
        if self.applies_relu:
            np.maximum(out, 0, out=out)
        self._x, self._out = x, out
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        if self._x is None or self._out is None:
            raise RuntimeError("MaxPool2D.backward called before a training forward pass")
        if self.applies_relu:
            masked = self.workspace.get("grad_relu_masked", grad_out.shape, grad_out.dtype)
            grad_out = np.multiply(grad_out, self._out > 0, out=masked)
        if self._record is not None:
            dx = pooling.max_pool2d_tournament_backward(
                grad_out, self._record, self.size, phase_major=self.phases is not None, workspace=self.workspace
            )
        else:
            dx = ops.max_pool2d_backward(self._x, self._out, grad_out, self.size, self.stride, self.padding)
        self._x = self._out = self._record = None
        return dx

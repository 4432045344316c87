"""Conv2D: a bank of ``C_out`` filters ``(H_f, W_f, C_in, C_out)`` slid over the image (see ``ops.conv2d``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from convlens.engine import conv_kernels
from convlens.engine.geometry import as_pair, check_padding, output_hw
from convlens.engine.init import glorot_uniform, he_normal
from convlens.engine.layers.base import Layer, Shape
from convlens.engine.layers.registry import register

ACTIVATIONS = (None, "relu")


@register
class Conv2D(Layer):
    """Convolution layer, optionally followed by a fused ReLU.

    Parameters
    ----------
    filters : int
        Number of filters ``C_out`` (= output channels).
    kernel : int or (int, int)
        ``(H_f, W_f)``.
    stride : int or (int, int)
    padding : {"valid", "same"}
    activation : {None, "relu"}
        ``"relu"`` applies max(0, .) in the same pass (saves a memory pass; the layer's output is the
        rectified map).
    name : str, optional

    Notes
    -----
    Input ``(N, H, W, C_in)`` -> output ``(N, H_out, W_out, filters)``; params ``w (H_f, W_f, C_in, C_out)``
    and ``b (C_out,)``.
    """

    type_name = "Conv2D"
    name_prefix = "conv"

    def __init__(
        self,
        filters: int,
        kernel: int | tuple[int, int] | list[int] = 3,
        stride: int | tuple[int, int] | list[int] = 1,
        padding: str = "valid",
        activation: str | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        if int(filters) < 1:
            raise ValueError(f"filters must be >= 1, got {filters}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        self.filters = int(filters)
        self.kernel = as_pair(kernel, "kernel")
        self.stride = as_pair(stride, "stride")
        self.padding = check_padding(padding)
        self.activation = activation
        self._cols: conv_kernels.Im2col | None = None
        self._out: np.ndarray | None = None
        self._x_shape: tuple[int, ...] | None = None

    def get_config(self) -> dict[str, Any]:
        return {
            "filters": self.filters,
            "kernel": list(self.kernel),
            "stride": list(self.stride),
            "padding": self.padding,
            "activation": self.activation,
        }

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 3:
            raise ValueError(f"Conv2D needs (H, W, C) inputs, got {input_shape}")
        h, w, _ = input_shape
        h_out, w_out = output_hw((h, w), self.kernel, self.stride, self.padding)
        if h_out <= 0 or w_out <= 0:
            raise ValueError(
                f"a {self.kernel} kernel does not fit a {h}x{w} input with padding={self.padding!r}"
            )
        return (h_out, w_out, self.filters)

    def param_shapes(self, input_shape: Shape) -> dict[str, Shape]:
        return {"w": (self.kernel[0], self.kernel[1], int(input_shape[2]), self.filters), "b": (self.filters,)}

    def init_params(self, rng: np.random.Generator) -> None:
        c_in = self.input_shape[2]
        shape = (self.kernel[0], self.kernel[1], c_in, self.filters)
        fan_in = self.kernel[0] * self.kernel[1] * c_in
        if self.activation == "relu":
            w = he_normal(shape, fan_in, rng)
        else:
            w = glorot_uniform(shape, fan_in, self.kernel[0] * self.kernel[1] * self.filters, rng)
        self.params = {"w": w, "b": np.zeros(self.filters, dtype=np.float32)}

    def can_defer_relu(self) -> bool:
        return self.activation == "relu"

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """``(N, H, W, C_in)`` -> ``(N, H_out, W_out, filters)``.

        In training the output lives in the layer's workspace until the next training step; when the next
        layer applies the ReLU (``defer_relu``) it is the map before the ReLU, laid out phase-major for it
        (``(k_h, k_w, N, H_out / k_h, W_out / k_w, filters)``, see ``convlens.engine.pooling``).
        """
        fused = training and self.defer_relu
        out, cols = conv_kernels.conv2d_forward(
            x, self.params["w"], self.params["b"], self.stride, self.padding,
            relu=self.activation == "relu" and not fused, keep_cols=training,
            workspace=self.workspace if training else None, phases=self.phases if fused else None,
        )
        if training:
            self._cols, self._out, self._x_shape = cols, out, x.shape
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        if self._cols is None or self._out is None or self._x_shape is None:
            raise RuntimeError("Conv2D.backward called before a training forward pass")
        if self.activation == "relu" and not self.defer_relu:  # deferred: the next layer masked grad_out
            if grad_out.flags.writeable:
                np.multiply(grad_out, self._out > 0, out=grad_out)
            else:
                grad_out = grad_out * (self._out > 0)
        cols, w = self._cols, self.params["w"]
        g2 = grad_out.reshape(cols.shape[0], self.filters)
        cols.filter_grad(g2, self.grads["w"].reshape(-1, self.filters), self.grads["b"], self.workspace)
        dx = None
        if self.need_input_grad:
            hw = (self._x_shape[1], self._x_shape[2])
            dx = conv_kernels.conv2d_input_grad(
                grad_out, w, hw, self.stride, self.padding, workspace=self.workspace,
                phases=self.phases if self.defer_relu else None,
            )
        self._cols = self._out = None
        return dx

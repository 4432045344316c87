"""Dropout: during training zero a random fraction of activations (scaled so the mean is kept)."""

from __future__ import annotations

from typing import Any

import numpy as np

from convlens.engine.layers.base import Layer
from convlens.engine.layers.registry import register


@register
class Dropout(Layer):
    """Inverted dropout; the identity at inference time.

    Parameters
    ----------
    rate : float
        Fraction of activations dropped while training, in [0, 1).
    seed : int
        Seed of the layer's own generator (training stays reproducible).
    """

    type_name = "Dropout"
    name_prefix = "dropout"

    def __init__(self, rate: float = 0.5, seed: int = 0, name: str | None = None) -> None:
        super().__init__(name)
        if not 0.0 <= float(rate) < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {rate}")
        self.rate = float(rate)
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self._mask: np.ndarray | None = None

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate, "seed": self.seed}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training or self.rate == 0.0:
            self._mask = None
            return x
        keep = 1.0 - self.rate
        self._mask = (self.rng.random(x.shape, dtype=np.float32) < keep).astype(x.dtype) / x.dtype.type(keep)
        return x * self._mask

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        return grad_out if self._mask is None else grad_out * self._mask

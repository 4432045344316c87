"""The contract every layer keeps (one file per layer type lives beside this one).

A layer is built once for an input shape (without the batch axis) and from then on knows its output shape,
as in convnetjs. ``forward`` caches what ``backward`` needs; ``backward`` fills ``grads`` (same keys and shapes
as ``params``) and returns the gradient with respect to the layer's input. The optimiser sees only
``params`` and ``grads``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from convlens.engine.workspace import Workspace

Shape = tuple[int, ...]


class Layer:
    """Base class.

    Attributes
    ----------
    type_name : str
        The name used in architecture JSON, model cards and the registry (e.g. ``"Conv2D"``).
    name : str
        The layer's unique name in its model (e.g. ``"conv1"``); also its ONNX output name.
    params, grads : dict[str, ndarray]
        Trainable arrays and their gradients (float32).
    input_shape, output_shape : tuple of int
        Shapes without the batch axis, e.g. ``(28, 28, 1)`` -> ``(28, 28, 16)``.
    """

    type_name: ClassVar[str] = "Layer"
    name_prefix: ClassVar[str] = "layer"

    def __init__(self, name: str | None = None) -> None:
        self.name: str = name or ""
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.input_shape: Shape = ()
        self.output_shape: Shape = ()
        self.need_input_grad = True
        self.built = False
        #: Training-time fusion of two layers (set by the model, see ``Sequential``): this layer leaves its ReLU
        #: to the next layer and hands it its output phase-major (``phases``, see ``convlens.engine.pooling``), or takes
        #: such an input and applies the previous layer's ReLU to its own output.
        self.defer_relu = False
        self.applies_relu = False
        self.phases: tuple[int, int] | None = None
        #: Reusable scratch arrays of the training passes.
        self.workspace = Workspace()

    # -- building -------------------------------------------------------------------------------------------
    def build(self, input_shape: Shape, rng: np.random.Generator) -> Shape:
        """Create parameters for ``input_shape`` (no batch axis) and return the output shape."""
        self.input_shape = tuple(int(d) for d in input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.init_params(rng)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.built = True
        return self.output_shape

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """Output shape (no batch axis) for ``input_shape``; raise ValueError when it cannot apply."""
        return input_shape

    def param_shapes(self, input_shape: Shape) -> dict[str, Shape]:
        """The shapes of the parameters this layer would create for ``input_shape`` (nothing is allocated)."""
        return {}

    def init_params(self, rng: np.random.Generator) -> None:
        """Create ``self.params`` (layers without parameters keep it empty)."""

    # -- computing ------------------------------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Output for a batch ``x`` of shape ``(N, *input_shape)``; caches what backward needs if training."""
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """Given dL/d(output) ``(N, *output_shape)``, fill ``grads`` and return dL/d(input) (or None)."""
        raise NotImplementedError

    def can_defer_relu(self) -> bool:
        """Whether this layer ends with a ReLU that the next layer may apply instead (training only)."""
        return False

    def fusion_phases(self) -> tuple[int, int] | None:
        """The phase-major input layout under which this layer can also apply the previous layer's ReLU.

        Not None only where ``relu(layer(x)) == layer(relu(x))`` and the backward pass can mask its own input
        gradient exactly, e.g. max pooling over windows that tile the map (ReLU is monotone). Training only.
        """
        return None

    def release_buffers(self) -> None:
        """Free the training scratch memory (it comes back on the next training step)."""
        self.workspace.clear()

    # -- describing -----------------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Hyper-parameters as JSON-ready values (no ``type``/``name``; those are added by the model)."""
        return {}

    def param_count(self) -> int:
        """Number of trainable scalars."""
        return int(sum(p.size for p in self.params.values()))

    def describe(self) -> dict[str, Any]:
        """The layer as the model card lists it: type, name, hyper-parameters, shapes, parameter count."""
        return {
            "type": self.type_name,
            "name": self.name,
            **self.get_config(),
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "params": self.param_count(),
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{self.type_name}({args})"

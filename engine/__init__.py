"""ConvLens engine: a small convolutional-network library in pure NumPy (no Qt, no torch).

Public surface (see DESIGN.md §3): ``engine.ops`` (conv1d, conv2d, max_pool2d), ``engine.layers``,
``engine.model`` (Sequential, load_model), ``engine.train`` (fit), ``engine.data`` (MNIST),
``engine.preprocess``, ``engine.onnx_export`` and ``engine.runtime``.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0"


def load_model(path: Any) -> Any:
    """Open a ``.npz`` or ``.onnx`` model; see :func:`engine.model.load_model`."""
    from convlens.engine.model import load_model as _load_model

    return _load_model(path)


__all__ = ["__version__", "load_model"]

"""ConvLens engine, ``convlens.engine``: a small convolutional-network library in pure NumPy (no Qt, no torch).

Public surface (kept stable; README "For developers"): :mod:`convlens.engine.ops` (conv1d, conv2d, max_pool2d:
the lecture's operations), :mod:`convlens.engine.layers`, :mod:`convlens.engine.model` (Sequential, Predictor),
:mod:`convlens.engine.loading` (load_model), :mod:`convlens.engine.train` (fit), :mod:`convlens.engine.data`
(MNIST), :mod:`convlens.engine.preprocess`, :mod:`convlens.engine.onnx_export` (writing ONNX),
:mod:`convlens.engine.onnx_reader` (checking any ONNX classifier) and :mod:`convlens.engine.runtime` (running ONNX
files on onnxruntime). Window geometry (output sizes, padding) is :mod:`convlens.engine.geometry`; the fast kernels
are :mod:`convlens.engine.conv_kernels` and :mod:`convlens.engine.pooling`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from convlens.engine.version import __version__

if TYPE_CHECKING:
    from convlens.engine.model import Predictor


def load_model(path: str | Path) -> Predictor:
    """Open a ``.npz`` or ``.onnx`` model as a :class:`~convlens.engine.model.Predictor`; see
    :func:`convlens.engine.loading.load_model`."""
    from convlens.engine.loading import load_model as _load_model

    return _load_model(path)


__all__ = ["__version__", "load_model"]

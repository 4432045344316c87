"""Where the shipped model and the assets are, wherever ConvLens is installed (wheel, pipx, editable checkout).

They are package data of :mod:`convlens` (``convlens/models`` and ``convlens/assets``), found with
:mod:`importlib.resources`, never relative to the source tree.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _package_dir(name: str) -> Path:
    # Installed packages are plain folders (wheel, pipx, editable): a real file-system path, which Qt and
    # onnxruntime need. A zipped install is not supported.
    return Path(str(files("convlens").joinpath(name)))


def models_dir() -> Path:
    """The folder of the shipped models (``default.onnx``, ``default.npz``, ``default.json``)."""
    return _package_dir("models")


def assets_dir() -> Path:
    """The folder of the assets: ``strokes/``, ``lesson/``, ``translations/``, ``kiosk/``."""
    return _package_dir("assets")


def default_model_path() -> Path:
    """The shipped model: ``default.onnx`` (or ``default.npz`` when the ONNX file is missing)."""
    onnx_path = models_dir() / "default.onnx"
    return onnx_path if onnx_path.is_file() else models_dir() / "default.npz"

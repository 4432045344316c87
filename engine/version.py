"""The engine's version, in its own module so that any engine module can read it without importing the package."""

from __future__ import annotations

__version__ = "0.2.0"
"""Written into model cards, ``.npz`` metadata and the ONNX ``producer_version``."""

__all__ = ["__version__"]

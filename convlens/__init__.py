"""ConvLens: draw a digit and watch a NumPy-trained CNN read it.

One import package: :mod:`convlens.engine` (NumPy engine), :mod:`convlens.services` (Qt-free use cases shared by the
command line and the window), :mod:`convlens.gui` (PySide6 front end) and :mod:`convlens.cli` (the ``convlens``
command). The shipped model and the assets are package data (:mod:`convlens.resources`).
"""

from __future__ import annotations

from convlens.engine import __version__

__all__ = ["__version__"]

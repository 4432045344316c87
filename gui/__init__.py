"""The PySide6 + pyqtgraph front end of ConvLens (window, canvas, panels, lesson, training, kiosk)."""

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
"""Sample strokes, lesson images and translations (the repository's ``assets/``)."""

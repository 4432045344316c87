"""The PySide6 + pyqtgraph front end of ConvLens (window, canvas, panels, lesson, training, kiosk)."""

from convlens.resources import assets_dir

ASSETS_DIR = assets_dir()
"""Sample strokes, lesson images and translations (package data ``convlens/assets``)."""

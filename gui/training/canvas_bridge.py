"""Put a 28x28 test digit onto the drawing canvas, so the visitor sees it through the network.

The digit is shown as it is: the canvas shows its 28x28 pixels (:meth:`gui.canvas.DrawingCanvas.show_image`) and the
controller runs exactly that image (``show_image28``). It is never redrawn with the canvas pen: the pen is about
2.5 of the 28 pixels wide, so a thin MNIST 1 would come back as a row of blobs and the network would read a
different image from the one it got wrong. The next pen stroke starts a new drawing.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

__all__ = ["ImageCanvas", "ImageViewer", "show_digit"]


class ImageCanvas(Protocol):
    """What :func:`show_digit` needs of the canvas (``gui.canvas.DrawingCanvas``)."""

    def show_image(self, image28: np.ndarray) -> None: ...


class ImageViewer(Protocol):
    """What :func:`show_digit` needs of the controller (``gui.controller.Controller``)."""

    def show_image28(self, img: np.ndarray) -> object: ...


def show_digit(image28: np.ndarray, canvas: ImageCanvas | None, controller: ImageViewer) -> None:
    """Show a 28x28 digit on the canvas pixel for pixel and run exactly that image through the network.

    Parameters
    ----------
    image28 : ndarray
        28 * 28 values in [0, 1], white digit on black (clipped to that range).
    canvas : ImageCanvas or None
        Without a canvas only the network runs it.
    controller : ImageViewer
    """
    img = np.clip(np.asarray(image28, dtype=np.float32).reshape(28, 28), 0.0, 1.0)
    if canvas is not None:
        canvas.show_image(img)
    controller.show_image28(img)

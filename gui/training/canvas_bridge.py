"""Put a 28x28 test digit onto the drawing canvas, so the visitor sees it through the network.

The canvas only knows strokes of one fixed pen width (``gui.canvas.STROKE_WIDTH_FRACTION`` of its side), so
:func:`image_to_strokes` redraws the image as short horizontal strokes: one per run of ink pixels in each row,
shortened by one pixel at each end to make up for the round pen's width. Scaled like MNIST (the digit's box to
20 of 28 pixels) that pen is about 2.5 pixels wide, so the redrawn digit comes out of the preprocessing close to
the original; :func:`show_digit` then shows the exact image through the network.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

__all__ = ["ImageViewer", "StrokeCanvas", "image_to_strokes", "show_digit"]

Stroke = list[tuple[float, float]]


def image_to_strokes(image28: np.ndarray, threshold: float = 0.5) -> list[Stroke]:
    """Horizontal strokes, in normalised canvas coordinates, that redraw a 28x28 digit.

    Parameters
    ----------
    image28 : ndarray, shape (28, 28)
        float in [0, 1], white digit on black.
    threshold : float
        Pixels at or above it count as ink.

    Returns
    -------
    list of strokes
        Each a list of one or two ``(x, y)`` points in 0..1 (pixel centres of the 28x28 grid); empty for an
        empty image.
    """
    img = np.asarray(image28, dtype=np.float32).reshape(28, 28)
    ink = img >= threshold
    strokes: list[Stroke] = []
    for row in range(28):
        cols = np.flatnonzero(ink[row])
        if not len(cols):
            continue
        breaks = np.flatnonzero(np.diff(cols) > 1)
        starts = np.concatenate([[cols[0]], cols[breaks + 1]])
        ends = np.concatenate([cols[breaks], [cols[-1]]])
        y = (row + 0.5) / 28.0
        for a, b in zip(starts, ends, strict=True):
            if b - a >= 2:
                a, b = a + 1, b - 1
            x0, x1 = (a + 0.5) / 28.0, (b + 0.5) / 28.0
            strokes.append([(x0, y)] if a == b else [(x0, y), (x1, y)])
    return strokes


class StrokeCanvas(Protocol):
    """What :func:`show_digit` needs of the canvas (``gui.canvas.DrawingCanvas``)."""

    def set_strokes(self, strokes: list[Stroke]) -> None: ...

    def flush(self) -> None: ...


class ImageViewer(Protocol):
    """What :func:`show_digit` needs of the controller (``gui.controller.Controller``)."""

    def show_image28(self, img: np.ndarray) -> object: ...


def show_digit(image28: np.ndarray, canvas: StrokeCanvas | None, controller: ImageViewer) -> None:
    """Draw a 28x28 digit on the canvas (as :func:`image_to_strokes`) and show the exact image through the network.

    The strokes are only a picture of the digit: the controller then gets the image itself
    (``show_image28``), so the panels show what the network really saw. Without a canvas only that is done.
    """
    img = np.clip(np.asarray(image28, dtype=np.float32).reshape(28, 28), 0.0, 1.0)
    if canvas is not None:
        canvas.set_strokes(image_to_strokes(img))
        canvas.flush()  # the canvas's own (approximate) reading first, then the exact image wins
    controller.show_image28(img)

"""Put a 28x28 test digit onto the drawing canvas, so the visitor sees it through the network.

The canvas only knows strokes of one fixed pen width (``gui.canvas.STROKE_WIDTH_FRACTION`` of its side), so
:func:`image_to_strokes` redraws the image as short horizontal strokes: one per run of ink pixels in each row,
shortened by one pixel at each end to make up for the round pen's width. Scaled like MNIST (the digit's box to
20 of 28 pixels) that pen is about 2.5 pixels wide, so the redrawn digit comes out of the preprocessing close to
the original. :func:`show_digit` prefers an exact route when the window offers one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["image_to_strokes", "show_digit"]

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


def show_digit(image28: np.ndarray, canvas: Any = None, controller: Any = None) -> str:
    """Load a 28x28 digit onto the canvas and run it through the network; return which route was used.

    Tries, in order: ``canvas.set_image28(img)``; else draws :func:`image_to_strokes` with
    ``canvas.set_strokes`` (flushing the canvas so the controller reads it at once). Then, if the controller
    has ``show_image28(img)``, the exact image is shown through the network (the strokes are only a picture of
    it); otherwise, with no canvas, ``controller.set_canvas_image`` gets the image scaled up 10x.

    Returns
    -------
    str
        ``"set_image28"``, ``"strokes+show_image28"``, ``"strokes"``, ``"show_image28"``, ``"set_canvas_image"``
        or ``"none"``.
    """
    img = np.clip(np.asarray(image28, dtype=np.float32).reshape(28, 28), 0.0, 1.0)
    set_image28 = getattr(canvas, "set_image28", None)
    if callable(set_image28):
        set_image28(img)
        return "set_image28"
    route = []
    set_strokes = getattr(canvas, "set_strokes", None)
    if callable(set_strokes):
        set_strokes(image_to_strokes(img))
        flush = getattr(canvas, "flush", None)
        if callable(flush):
            flush()
        route.append("strokes")
    show = getattr(controller, "show_image28", None)
    if callable(show):
        show(img)
        route.append("show_image28")
    elif not route:
        set_canvas_image = getattr(controller, "set_canvas_image", None)
        if callable(set_canvas_image):
            set_canvas_image(np.kron(img, np.ones((10, 10), np.float32)))
            route.append("set_canvas_image")
    return "+".join(route) or "none"

"""The numbers of the lesson handout, computed on one pupil's digit, without Qt.

``convlens handout IMAGE`` and File > Export lesson… print the Learn tab's seven steps on paper. This module decides
what each page shows and computes every number on it (with :mod:`convlens.engine.lesson_data`, so the pages show
exactly what the Learn tab computes); :mod:`convlens.gui.export.handout` lays the pages out and words them in the
app's language. One :class:`Handout` holds the cover and one record per Learn step, in the lecture's order:

1. :class:`PixelsPage` -- the 28x28 image as 0..255 numbers;
2. :class:`TensorsPage` -- the image as tensors of order 0 to 4, the network's filter tensors;
3. :class:`Conv1dPage` -- a row of the digit convolved with the (1, 0, -1) difference kernel, one position worked;
4. :class:`Conv2dPage` -- the lecture's 9x9 X, its diagonal filter and the 7x7 table; an edge filter on the digit;
5. :class:`StridePage` -- output shapes for the lecture's strides and both paddings; two worked examples on the X;
6. :class:`PoolingPage` -- the lecture's 7x7 table max-pooled to 4x4; the digit's map pooled;
7. :class:`StackingPage` -- the real network's stages with their output shapes.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from convlens.engine.lesson_data import (
    DIAGONAL_FILTER,
    KERNEL1D_PRESETS,
    KERNEL_PRESETS,
    LECTURE_POOLED_4X4,
    LECTURE_STRIDES,
    LECTURE_TABLE_7X7,
    PADDINGS,
    SECOND_FILTER,
    Conv1dStep,
    Conv2dStep,
    conv1d_trace,
    conv2d_map,
    conv2d_step,
    lecture_table,
    lecture_x_image,
    output_length_formula,
    padded,
    pixel_values,
    pool_step,
    pool_table,
    tensor_examples,
    truncate2,
)

__all__ = [
    "FEATURE_TYPES",
    "STEP_COUNT",
    "Conv1dPage",
    "Conv2dPage",
    "Cover",
    "Handout",
    "PixelsPage",
    "PoolingPage",
    "ShapeRow",
    "Stage",
    "StackingPage",
    "StridePage",
    "StrideExample",
    "TensorsPage",
    "build_handout",
    "stages_from_architecture",
]

STEP_COUNT = 7
"""Learn steps the handout has a page for (the Learn tab's seven steps; a test keeps them equal)."""

CONV1D_KERNEL = "difference"
"""The 1D kernel of page 3: (1, 0, -1) shows where a row of the digit starts and ends (signed numbers)."""
DIGIT_KERNEL = "edges_vertical"
"""The 3x3 kernel of page 4's digit part: vertical edges (Sobel), large where ink starts left to right."""
STRIDE_EXAMPLES: tuple[tuple[tuple[int, int], str], ...] = (((2, 2), "valid"), ((2, 2), "same"))
"""The two worked stride examples on the X (page 5)."""
POOL_SIZE = (2, 2)
POOL_STRIDE = (2, 2)
FEATURE_TYPES = frozenset({"Conv2D", "MaxPool2D", "ReLU", "conv", "pool", "Conv", "MaxPool", "AveragePool", "Relu"})
"""Layer types that extract features (the others classify), as the Learn tab's stacking step groups them."""


@dataclass(frozen=True)
class Cover:
    """What the cover shows.

    Attributes
    ----------
    image28 : ndarray, shape (28, 28), float64 in [0, 1]
        The digit as the network saw it (white on black).
    probabilities : ndarray of shape (10,), or None
        The model's answer (None without a model).
    digit : int or None
        The most probable digit.
    model_name : str
        The model file's name (or a description).
    date : datetime.date
        When the handout was made.
    """

    image28: np.ndarray
    probabilities: np.ndarray | None
    digit: int | None
    model_name: str
    date: _dt.date


@dataclass(frozen=True)
class PixelsPage:
    """Step 1: the image as numbers ``values`` (0..255 integers, shape (28, 28)); ``nonzero`` of them are not 0."""

    values: np.ndarray
    nonzero: int


@dataclass(frozen=True)
class TensorsPage:
    """Step 2: the image as tensors and the network's filter tensors.

    Attributes
    ----------
    orders : list of (int, tuple of int, str)
        Order, shape and a short preview of the tensor of that order cut from the image (``tensor_examples``).
    batch_shape : tuple of int
        The shape the network reads, ``(1, 28, 28, 1)``.
    filters : list of (str, tuple of int)
        Conv layer name and its filter tensor's shape ``(H_f, W_f, C_in, C_out)``.
    lecture_filters : ndarray, shape (2, 3, 3)
        The lecture's two 3x3 filters (stacked, they make one (3, 3, 1, 2) tensor).
    """

    orders: list[tuple[int, tuple[int, ...], str]]
    batch_shape: tuple[int, ...]
    filters: list[tuple[str, tuple[int, ...]]]
    lecture_filters: np.ndarray


@dataclass(frozen=True)
class Conv1dPage:
    """Step 3: ``f`` (row ``row`` of the digit, rounded to 2 decimals) convolved with ``kernel``.

    ``output`` is the whole of f ∗ g; ``step`` the position worked out in full (the largest output).
    """

    row: int
    signal: np.ndarray
    kernel_key: str
    kernel: np.ndarray
    output: np.ndarray
    step: Conv1dStep


@dataclass(frozen=True)
class Conv2dPage:
    """Step 4: the lecture's X with the diagonal filter, and an edge filter on the digit.

    Attributes
    ----------
    x_image : ndarray (9, 9)
    x_kernel : ndarray (3, 3)
        The lecture's diagonal filter.
    x_table : ndarray (7, 7)
        Sum of products / 9, truncated to two decimals as the lecture prints it.
    x_step : Conv2dStep
        The first window (row 0, column 0), worked out.
    matches_lecture : bool
        Whether ``x_table`` equals the lecture's printed table.
    digit : ndarray (28, 28)
    digit_kernel_key : str
    digit_kernel : ndarray (3, 3)
    digit_map : ndarray (26, 26)
        The digit convolved with ``digit_kernel`` (sum of products, "valid").
    """

    x_image: np.ndarray
    x_kernel: np.ndarray
    x_table: np.ndarray
    x_step: Conv2dStep
    matches_lecture: bool
    digit: np.ndarray
    digit_kernel_key: str
    digit_kernel: np.ndarray
    digit_map: np.ndarray


@dataclass(frozen=True)
class ShapeRow:
    """One stride and padding with the output-shape formula worked for the X (9x9) and the digit (28x28)."""

    stride: tuple[int, int]
    padding: str
    x_formula: tuple[str, str]
    x_shape: tuple[int, int]
    digit_formula: tuple[str, str]
    digit_shape: tuple[int, int]


@dataclass(frozen=True)
class StrideExample:
    """The X (with its padding cells, ``pad_mask``) and the filter's output at one stride and padding (/ 9)."""

    stride: tuple[int, int]
    padding: str
    x_padded: np.ndarray
    pad_mask: np.ndarray
    output: np.ndarray


@dataclass(frozen=True)
class StridePage:
    """Step 5: a 3x3 filter at the lecture's strides and both paddings (``rows``), two examples worked on the X."""

    rows: list[ShapeRow]
    examples: list[StrideExample]


@dataclass(frozen=True)
class PoolingPage:
    """Step 6: max pooling, 2x2 windows, stride 2, "same" padding.

    Attributes
    ----------
    table : ndarray (7, 7)
        The lecture's table (truncated to 2 decimals).
    pooled : ndarray (4, 4)
        Its max-pooled table (truncated).
    winners : ndarray of bool, shape (7, 7)
        The cell that won each window.
    matches_lecture : bool
        Whether ``pooled`` equals the lecture's printed 4x4 table.
    digit_map : ndarray (26, 26)
        The digit after the diagonal filter (/ 9).
    digit_pooled : ndarray (13, 13)
    """

    table: np.ndarray
    pooled: np.ndarray
    winners: np.ndarray
    matches_lecture: bool
    digit_map: np.ndarray
    digit_pooled: np.ndarray


@dataclass(frozen=True)
class Stage:
    """A stage of the network: layer ``name``, its ``kind`` and its output ``shape`` with the batch axis."""

    name: str
    kind: str
    shape: tuple[int, ...]
    feature: bool


@dataclass(frozen=True)
class StackingPage:
    """Step 7: the network's stages, input first, probabilities last (empty without a model)."""

    stages: list[Stage]


@dataclass(frozen=True)
class Handout:
    """Everything the handout prints: the cover and one page per Learn step (:data:`STEP_COUNT`)."""

    cover: Cover
    pixels: PixelsPage
    tensors: TensorsPage
    conv1d: Conv1dPage
    conv2d: Conv2dPage
    stride: StridePage
    pooling: PoolingPage
    stacking: StackingPage

    def steps(self) -> list[Any]:
        """The seven step records in the lecture's order."""
        return [self.pixels, self.tensors, self.conv1d, self.conv2d, self.stride, self.pooling, self.stacking]


# ----------------------------------------------------------------------------------------------- the pages


def _preview(arr: np.ndarray) -> str:
    """The Learn tab's short preview: a scalar with two decimals, a row's middle values, "…" for larger tensors."""
    if arr.ndim == 0:
        return f"{float(arr):.2f}"
    if arr.ndim == 1:
        inner = ", ".join(f"{v:.1f}" for v in arr[10:16])
        return f"[…, {inner}, …]"
    return "…"


def _pixels(image: np.ndarray) -> PixelsPage:
    values = pixel_values(image, binary=False, scale255=True)
    return PixelsPage(values=values, nonzero=int(np.count_nonzero(values)))


def _tensors(image: np.ndarray, filters: Mapping[str, np.ndarray]) -> TensorsPage:
    examples = tensor_examples(image)
    orders = [(order, tuple(int(d) for d in arr.shape), _preview(arr)) for order, arr in examples]
    shapes = [(name, tuple(int(d) for d in w.shape)) for name, w in filters.items() if np.ndim(w) == 4]
    return TensorsPage(
        orders=orders,
        batch_shape=tuple(int(d) for d in examples[4][1].shape),
        filters=shapes,
        lecture_filters=np.stack([DIAGONAL_FILTER, SECOND_FILTER]),
    )


def _conv1d(image: np.ndarray) -> Conv1dPage:
    ink = image.sum(axis=1)
    rows = np.flatnonzero(ink >= ink.max() - 1e-9)  # the rows with the most ink; of those the one nearest the
    row = int(rows[np.argmin(np.abs(rows - 14))])  # middle (the Learn tab starts at row 14, an empty image there)
    signal = np.round(image[row], 2)
    kernel = np.asarray(KERNEL1D_PRESETS[CONV1D_KERNEL], dtype=np.float64)
    output, steps = conv1d_trace(signal, kernel)
    n = int(np.argmax(np.abs(output))) if np.any(output) else len(output) // 2
    return Conv1dPage(row=row, signal=signal, kernel_key=CONV1D_KERNEL, kernel=kernel, output=output, step=steps[n])


def _conv2d(image: np.ndarray) -> Conv2dPage:
    x = lecture_x_image()
    table = truncate2(lecture_table(x, DIAGONAL_FILTER))
    kernel = np.asarray(KERNEL_PRESETS[DIGIT_KERNEL], dtype=np.float64)
    return Conv2dPage(
        x_image=x,
        x_kernel=np.asarray(DIAGONAL_FILTER),
        x_table=table,
        x_step=conv2d_step(x, DIAGONAL_FILTER, 0, 0, divisor=float(DIAGONAL_FILTER.size)),
        matches_lecture=bool(np.array_equal(table, LECTURE_TABLE_7X7)),
        digit=image,
        digit_kernel_key=DIGIT_KERNEL,
        digit_kernel=kernel,
        digit_map=conv2d_map(image, kernel),
    )


def _stride() -> StridePage:
    kernel = np.asarray(DIAGONAL_FILTER)
    rows = []
    for stride in LECTURE_STRIDES:
        for padding in PADDINGS:
            xh, xh_out = output_length_formula(9, 3, stride[0], padding)
            xw, xw_out = output_length_formula(9, 3, stride[1], padding)
            dh, dh_out = output_length_formula(28, 3, stride[0], padding)
            dw, dw_out = output_length_formula(28, 3, stride[1], padding)
            rows.append(ShapeRow(stride, padding, (xh, xw), (xh_out, xw_out), (dh, dw), (dh_out, dw_out)))
    x = lecture_x_image()
    examples = []
    for stride, padding in STRIDE_EXAMPLES:
        values, mask = padded(x, kernel.shape, stride, padding)
        output = truncate2(conv2d_map(x, kernel, stride, padding) / kernel.size)
        examples.append(StrideExample(stride, padding, values, mask, output))
    return StridePage(rows=rows, examples=examples)


def _pooling(image: np.ndarray) -> PoolingPage:
    table = lecture_table()
    pooled = pool_table(table, POOL_SIZE, POOL_STRIDE, "same")
    winners = np.zeros(table.shape, dtype=bool)
    for r in range(pooled.shape[0]):
        for c in range(pooled.shape[1]):
            step = pool_step(table, r, c, POOL_SIZE, POOL_STRIDE, "same")
            winners[step.top + step.argmax[0], step.left + step.argmax[1]] = True
    digit_map = lecture_table(image, DIAGONAL_FILTER)
    return PoolingPage(
        table=truncate2(table),
        pooled=truncate2(pooled),
        winners=winners,
        matches_lecture=bool(np.array_equal(truncate2(pooled), LECTURE_POOLED_4X4)),
        digit_map=digit_map,
        digit_pooled=pool_table(digit_map, POOL_SIZE, POOL_STRIDE, "same"),
    )


def stages_from_architecture(architecture: Sequence[Any]) -> list[Stage]:
    """The network's stages from ``(name, type, output_shape)`` tuples or model-card dicts.

    The input ``image`` comes first and, when the layers do not end in one, a softmax stage ``probs``: what the
    Learn tab's stacking step shows.
    """
    layers: list[tuple[str, str, tuple[int, ...]]] = []
    for layer in architecture:
        if isinstance(layer, Mapping):
            name, kind, shape = layer["name"], layer["type"], layer["output_shape"]
        else:
            name, kind, shape = layer
        layers.append((str(name), str(kind), tuple(int(d) for d in shape)))
    if not layers:
        return []
    stages = [Stage("image", "input", (1, 28, 28, 1), True)]
    for name, kind, shape in layers:
        stages.append(Stage(name, kind, (1, *shape), kind in FEATURE_TYPES))
    if all(name != "probs" for name, _, _ in layers):
        stages.append(Stage("probs", "softmax", (1, *layers[-1][2]), False))
    return stages


def _architecture(metadata: Mapping[str, Any], shapes: Sequence[tuple[str, tuple[int, ...]]],
                  kinds: Mapping[str, str]) -> list[Any]:
    """The model card's layers, else the computed outputs' shapes with the kinds known (as the Learn tab does)."""
    card = metadata.get("model_card")
    if not isinstance(card, Mapping):
        card = metadata  # a ConvLens ONNX file stores the card's fields as its metadata
    layers = card.get("architecture")
    if isinstance(layers, list) and layers and all(
        isinstance(layer, Mapping) and {"name", "type", "output_shape"} <= set(layer) for layer in layers
    ):
        return list(layers)
    return [(name, kinds.get(name, ""), shape) for name, shape in shapes if name not in ("image", "probs")]


def build_handout(
    image28: np.ndarray,
    probabilities: Sequence[float] | np.ndarray | None,
    *,
    filters: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    shapes: Sequence[tuple[str, tuple[int, ...]]] = (),
    kinds: Mapping[str, str] | None = None,
    model_name: str = "",
    date: _dt.date | None = None,
) -> Handout:
    """Compute every page of the handout for one digit.

    Parameters
    ----------
    image28 : ndarray
        28 * 28 values in [0, 1], white digit on black: the network input (``LiveResult.image28``).
    probabilities : sequence of 10 floats, or None
        The model's answer on it (None: no model).
    filters : mapping, optional
        Conv layer name -> weights ``(H_f, W_f, C_in, C_out)`` or ``(weights, bias)`` (``ModelInfo.filters``).
    metadata : mapping, optional
        The model's metadata (``ModelInfo.metadata``); its ``model_card["architecture"]`` names the layers.
    shapes : sequence of (str, tuple of int), optional
        Every output's shape without the batch axis (``ModelInfo.shapes``), used when there is no model card.
    kinds : mapping, optional
        Layer name -> kind (``"conv"``, ``"pool"``, ...) for those layers.
    model_name : str
        Printed on the cover.
    date : datetime.date, optional
        Printed on the cover (default: today).

    Returns
    -------
    Handout

    Raises
    ------
    ValueError
        ``image28`` does not hold 28 * 28 values, or ``probabilities`` not 10.
    """
    image = np.asarray(image28, dtype=np.float64)
    if image.size != 28 * 28:
        raise ValueError(f"the handout needs a 28x28 image, got shape {image.shape}")
    image = np.clip(np.nan_to_num(image.reshape(28, 28)), 0.0, 1.0)
    probs = None
    if probabilities is not None and len(probabilities) > 0:
        probs = np.asarray(probabilities, dtype=np.float64).reshape(-1)
        if probs.size != 10:
            raise ValueError(f"the handout needs 10 probabilities, got {probs.size}")
    weights = {name: np.asarray(w[0] if isinstance(w, tuple) else w) for name, w in (filters or {}).items()}
    cover = Cover(
        image28=image,
        probabilities=probs,
        digit=None if probs is None else int(np.argmax(probs)),
        model_name=model_name,
        date=date or _dt.date.today(),
    )
    architecture = _architecture(metadata or {}, shapes, kinds or {})
    return Handout(
        cover=cover,
        pixels=_pixels(image),
        tensors=_tensors(image, weights),
        conv1d=_conv1d(image),
        conv2d=_conv2d(image),
        stride=_stride(),
        pooling=_pooling(image),
        stacking=StackingPage(stages=stages_from_architecture(architecture)),
    )

"""The architecture editor's model: conv blocks + dense layer -> a layer list, its checks, size, cost and time.

A visitor builds a network from 1-3 **conv blocks** (a ``Conv2D`` with ReLU, stride 1, ``"same"`` or ``"valid"``
padding, optionally followed by a 2x2 ``MaxPool2D``), an optional hidden ``Dense`` layer with dropout, and the
10-way output layer. :class:`ArchitectureSpec` turns that into the engine's layer list (the format of
``convlens.engine.presets.PRESETS``); :func:`check` traces the shapes layer by layer with the engine layers' own
``compute_output_shape`` and returns one English sentence per problem; :func:`forward_flops` and
:func:`parameter_count` size the network; :func:`measure_rate` times a few training steps of the actual network
on random data and :func:`estimate_seconds` turns that into the time a run will take on this machine.

FLOP convention
---------------
One multiply-add counts as **2 FLOPs**. A conv layer costs ``2 * H_out * W_out * C_out * (k_h * k_w * C_in)``
per image (the taps over "same" padding's zeros included, as the im2col kernels compute them), a dense layer
``2 * D_in * D_out``. Biases, ReLU, pooling, dropout and the softmax are not counted (they are a few percent).
A training step (forward, backward to the weights and to the inputs) costs about **3x** the forward pass.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convlens.engine.augment import AugmentConfig, augment_batch
from convlens.engine.layers import Layer, layer_from_config
from convlens.engine.model import INPUT_SHAPE, Sequential
from convlens.engine.optim import make_optimizer
from convlens.engine.parallel import compute_gradients
from convlens.services.jobs import check_cancel

__all__ = [
    "BLOCKS_RANGE",
    "DENSE_RANGE",
    "DROPOUT_RANGE",
    "FILTERS_RANGE",
    "KERNEL_RANGE",
    "MAX_FORWARD_FLOPS",
    "MAX_PARAMS",
    "MAX_TRAINING_BYTES_PER_IMAGE",
    "PARALLEL_SPEEDUP",
    "TEMPLATES",
    "TRAINING_FLOPS_FACTOR",
    "ArchitectureSpec",
    "ConvBlock",
    "Problem",
    "Rate",
    "build_custom",
    "trace",
    "check",
    "check_layers",
    "estimate_seconds",
    "forward_flops",
    "layer_key",
    "measure_rate",
    "parameter_count",
    "round_seconds",
    "training_bytes_per_image",
    "training_flops",
    "validate",
]

BLOCKS_RANGE = (1, 3)
FILTERS_RANGE = (1, 64)
KERNEL_RANGE = (1, 7)
DENSE_RANGE = (0, 512)
"""Hidden dense units; 0: no hidden layer (the flattened maps go straight to the 10 outputs)."""
DROPOUT_RANGE = (0.0, 0.8)
POOL = 2
"""The blocks' pooling window and stride (2x2, "valid": halves the map, dropping an odd last row/column)."""
CLASSES = 10

MAX_PARAMS = 1_000_000
"""Most trainable scalars of an edited network (the default network has 106,122)."""
MAX_FORWARD_FLOPS = 50_000_000
"""Most forward FLOPs per image (the default network needs 2.6 million; 50 million train ~20x slower)."""
MAX_TRAINING_BYTES_PER_IMAGE = 2_000_000
"""Most bytes of training scratch memory per image (x128 images a batch: 256 MB; the default needs ~0.4 MB)."""
TRAINING_FLOPS_FACTOR = 3
"""A training step costs about this many forward passes (forward, gradient of the weights, of the inputs)."""
PARALLEL_SPEEDUP = {1: 1.0, 2: 1.0}
"""Speed of ``workers`` data-parallel training processes over one process. Measured with ``engine.train.fit`` on
15,000 and 10,000 images: 1.0x and 0.85x for the default network on a 2-core machine busy with other work (the
worker process only helps when the second core is free; ``default_workers`` measured it faster on an idle one).
No speed-up is assumed: on an idle machine the estimate errs on the long side."""

# The sentences of :class:`Problem` (English; the GUI translates the same texts, see
# ``convlens.gui.training.architecture_editor``). Keys are the problem kinds.
TEMPLATES: dict[str, str] = {
    "blocks": "The network needs between {low} and {high} conv blocks, not {value}.",
    "filters": "Block {block} needs between {low} and {high} filters, not {value}.",
    "kernel": "Block {block}'s filter size must be between {low} and {high}, not {value}.",
    "padding": "Block {block}'s padding must be \"same\" or \"valid\", not {value}.",
    "dense": "The dense layer needs between {low} and {high} units, not {value}.",
    "dropout": "The dropout rate must be between {low} and {high}, not {value}.",
    "conv_fit_0": "Block {block}'s {kernel} filter does not fit the {size} map it gets: use a smaller filter or "
    "\"same\" padding.",
    "conv_fit_1": "Block {block}'s {kernel} filter does not fit the {size} map left after one pooling: use a "
    "smaller filter, \"same\" padding or less pooling.",
    "conv_fit_n": "Block {block}'s {kernel} filter does not fit the {size} map left after {pools} poolings: use a "
    "smaller filter, \"same\" padding or less pooling.",
    "pool_fit": "Block {block}'s 2x2 pooling does not fit the {size} map its filter leaves: switch that pooling "
    "off, or use \"same\" padding or a smaller filter.",
    "params": "The network would have {params} parameters, more than the {limit} allowed here: switch pooling on "
    "or use fewer filters or dense units.",
    "flops": "One image would cost {mflop} MFLOP, more than the {limit} MFLOP allowed here: use fewer or smaller "
    "filters, or pool earlier.",
    "memory": "Training would need {mb} MB of memory per image, more than the {limit} MB allowed here: use fewer "
    "or smaller filters, or pool earlier.",
}


@dataclass(frozen=True)
class Problem:
    """Why a network cannot be trained: a :data:`TEMPLATES` kind and the values its sentence names.

    ``str(problem)`` is the English sentence; a GUI translates ``TEMPLATES[kind]`` and formats it with ``values``.
    """

    kind: str
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return TEMPLATES[self.kind]

    def __str__(self) -> str:
        return self.template.format(**self.values)


@dataclass(frozen=True)
class ConvBlock:
    """One conv block: ``filters`` square ``kernel x kernel`` filters (ReLU, stride 1), then a 2x2 pool if ``pool``."""

    filters: int = 16
    kernel: int = 5
    padding: str = "same"
    pool: bool = True


@dataclass(frozen=True)
class ArchitectureSpec:
    """What the editor edits.

    Attributes
    ----------
    blocks : tuple of ConvBlock
        1-3 conv blocks, applied to the ``(28, 28, 1)`` image in order.
    dense_units : int
        Units of the hidden ``Dense`` layer (ReLU) after the flattened maps; 0: none.
    dropout : float
        Dropout rate after the hidden dense layer (0: no dropout layer; ignored without a hidden layer).
    """

    blocks: tuple[ConvBlock, ...] = (ConvBlock(16, 5), ConvBlock(32, 3))
    dense_units: int = 64
    dropout: float = 0.2

    def layers(self) -> list[dict[str, Any]]:
        """The engine layer list (``PRESETS`` format): conv/pool blocks, Flatten, [Dense, [Dropout]], Dense(10)."""
        layers: list[dict[str, Any]] = []
        for block in self.blocks:
            layers.append({"type": "Conv2D", "filters": int(block.filters), "kernel": [block.kernel, block.kernel],
                           "stride": [1, 1], "padding": block.padding, "activation": "relu"})
            if block.pool:
                layers.append({"type": "MaxPool2D", "size": [POOL, POOL], "stride": [POOL, POOL],
                               "padding": "valid"})
        layers.append({"type": "Flatten"})
        if self.dense_units > 0:
            layers.append({"type": "Dense", "units": int(self.dense_units), "activation": "relu"})
            if self.dropout > 0:
                layers.append({"type": "Dropout", "rate": float(self.dropout), "seed": 0})
        layers.append({"type": "Dense", "units": CLASSES})
        return layers

    @classmethod
    def from_layers(cls, layers: Sequence[dict[str, Any]]) -> ArchitectureSpec | None:
        """The spec that builds ``layers`` (e.g. a preset), or None when the list is not of this form."""
        try:
            return cls._parse(layers)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    @classmethod
    def _parse(cls, layers: Sequence[dict[str, Any]]) -> ArchitectureSpec | None:
        blocks: list[ConvBlock] = []
        items = list(layers)
        i = 0
        while i < len(items) and items[i].get("type") == "Conv2D":
            conv = items[i]
            kernel = _pair(conv.get("kernel", 3))
            if (kernel[0] != kernel[1] or _pair(conv.get("stride", 1)) != (1, 1) or conv.get("activation") != "relu"
                    or conv.get("padding", "valid") not in ("same", "valid")):
                return None
            pool = i + 1 < len(items) and items[i + 1].get("type") == "MaxPool2D"
            if pool:
                cfg = items[i + 1]
                if (_pair(cfg.get("size", 2)) != (POOL, POOL) or _pair(cfg.get("stride", cfg.get("size", 2)))
                        != (POOL, POOL) or cfg.get("padding", "valid") != "valid"):
                    return None
            blocks.append(ConvBlock(int(conv["filters"]), kernel[0], str(conv.get("padding", "valid")), pool))
            i += 2 if pool else 1
        rest = [dict(item) for item in items[i:]]
        if not blocks or not rest or rest[0].get("type") != "Flatten":
            return None
        rest = rest[1:]
        dense_units, dropout = 0, 0.0
        if len(rest) >= 2 and rest[0].get("type") == "Dense" and rest[0].get("activation") == "relu":
            dense_units = int(rest[0]["units"])
            rest = rest[1:]
            if rest and rest[0].get("type") == "Dropout":
                dropout = float(rest[0].get("rate", 0.5))
                rest = rest[1:]
        if len(rest) != 1 or rest[0].get("type") != "Dense" or int(rest[0].get("units", 0)) != CLASSES or \
                rest[0].get("activation") is not None:
            return None
        return cls(tuple(blocks), dense_units, dropout)


def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    items = [int(v) for v in value]
    return (items[0], items[1]) if len(items) == 2 else (0, 0)


def _ranges(spec: ArchitectureSpec) -> list[Problem]:
    """Values outside the editor's ranges (the spin boxes keep to them; a spec built in code may not)."""
    problems: list[Problem] = []

    def outside(kind: str, value: float, bounds: tuple[float, float], **where: Any) -> None:
        if not bounds[0] <= value <= bounds[1]:
            problems.append(Problem(kind, {"low": bounds[0], "high": bounds[1], "value": value, **where}))

    outside("blocks", len(spec.blocks), BLOCKS_RANGE)
    for number, block in enumerate(spec.blocks, start=1):
        outside("filters", block.filters, FILTERS_RANGE, block=number)
        outside("kernel", block.kernel, KERNEL_RANGE, block=number)
        if block.padding not in ("same", "valid"):
            problems.append(Problem("padding", {"block": number, "value": repr(block.padding)}))
    outside("dense", spec.dense_units, DENSE_RANGE)
    outside("dropout", spec.dropout, DROPOUT_RANGE)
    return problems


def _size(shape: Sequence[int]) -> str:
    return f"{shape[0]}x{shape[1]}"


def trace(spec: ArchitectureSpec) -> tuple[list[tuple[Layer, tuple[int, ...]]], Problem | None]:
    """Follow the image through the layers with the engine's shape rules (nothing is allocated).

    Returns
    -------
    layers : list of (Layer, input shape)
        The unbuilt engine layers up to the first one that does not fit, each with its input shape (no batch axis).
    problem : Problem or None
        Why the next layer does not fit (its block, filter or pool, the map it gets, the poolings before it).
    """
    shape: tuple[int, ...] = INPUT_SHAPE
    traced: list[tuple[Layer, tuple[int, ...]]] = []
    block, pools = 0, 0
    for config in spec.layers():
        layer = layer_from_config(dict(config))
        if config["type"] == "Conv2D":
            block += 1
        try:
            out = tuple(int(d) for d in layer.compute_output_shape(shape))
        except ValueError:
            if config["type"] == "MaxPool2D":
                return traced, Problem("pool_fit", {"block": block, "size": _size(shape)})
            kind = "conv_fit_0" if pools == 0 else "conv_fit_1" if pools == 1 else "conv_fit_n"
            kernel = f"{config['kernel'][0]}x{config['kernel'][1]}"
            return traced, Problem(kind, {"block": block, "kernel": kernel, "size": _size(shape), "pools": pools})
        if config["type"] == "MaxPool2D":
            pools += 1
        traced.append((layer, shape))
        shape = out
    return traced, None


def _layer_flops(layer: Layer, shape: tuple[int, ...]) -> int:
    """Forward FLOPs of one layer for one image of ``shape`` (module docstring's convention)."""
    weights = layer.param_shapes(shape).get("w")
    if weights is None:
        return 0
    if layer.type_name == "Conv2D":
        out = layer.compute_output_shape(shape)
        return 2 * out[0] * out[1] * int(np.prod(weights, dtype=np.int64))
    return 2 * int(np.prod(weights, dtype=np.int64))  # Dense: one multiply-add per weight


def _traced(layers: Sequence[dict[str, Any]]) -> list[tuple[Layer, tuple[int, ...]]]:
    shape: tuple[int, ...] = INPUT_SHAPE
    out = []
    for config in layers:
        layer = layer_from_config(dict(config))
        out.append((layer, shape))
        shape = tuple(int(d) for d in layer.compute_output_shape(shape))
    return out


def forward_flops(layers: Sequence[dict[str, Any]]) -> int:
    """Forward FLOPs of one ``(28, 28, 1)`` image through ``layers`` (2 per multiply-add, see module docstring).

    Raises
    ------
    ValueError
        A layer does not fit its input (call :func:`check` first).
    """
    return sum(_layer_flops(layer, shape) for layer, shape in _traced(layers))


def training_flops(layers: Sequence[dict[str, Any]]) -> int:
    """FLOPs of one image's training step: :data:`TRAINING_FLOPS_FACTOR` x :func:`forward_flops`."""
    return TRAINING_FLOPS_FACTOR * forward_flops(layers)


def parameter_count(layers: Sequence[dict[str, Any]]) -> int:
    """Trainable scalars of ``layers`` from the layers' ``param_shapes`` (no weight is allocated)."""
    return sum(
        int(np.prod(s, dtype=np.int64)) for layer, shape in _traced(layers) for s in layer.param_shapes(shape).values()
    )


def training_bytes_per_image(layers: Sequence[dict[str, Any]]) -> int:
    """Rough float32 scratch memory of training per image: every output twice (value and gradient) plus each
    conv's im2col columns ``(H_out * W_out, k_h * k_w * C_in)``."""
    total = 0
    for layer, shape in _traced(layers):
        out = layer.compute_output_shape(shape)
        total += 2 * int(np.prod(out, dtype=np.int64))
        weights = layer.param_shapes(shape).get("w")
        if layer.type_name == "Conv2D" and weights is not None:
            total += out[0] * out[1] * weights[0] * weights[1] * weights[2]
    return 4 * total


def check(spec: ArchitectureSpec) -> list[Problem]:
    """Everything that stops ``spec`` from training here, as :class:`Problem` sentences (empty: it trains).

    The shapes are traced with the engine layers' own rules (:func:`trace`); a network that fits is then held to
    :data:`MAX_PARAMS`, :data:`MAX_FORWARD_FLOPS` and :data:`MAX_TRAINING_BYTES_PER_IMAGE`, so that a visitor
    cannot build one that exhausts the memory or trains for hours.
    """
    problems = _ranges(spec)
    if problems:
        return problems
    _, problem = trace(spec)
    if problem is not None:
        return [problem]
    return _limits(spec.layers())


def validate(spec: ArchitectureSpec) -> list[str]:
    """:func:`check` as English sentences, one per problem (empty: the network can be trained here)."""
    return [str(problem) for problem in check(spec)]


def _limits(layers: Sequence[dict[str, Any]]) -> list[Problem]:
    """The size limits of :func:`check` for layers that fit their inputs."""
    problems: list[Problem] = []
    params = parameter_count(layers)
    if params > MAX_PARAMS:
        problems.append(Problem("params", {"params": f"{params:,}", "limit": f"{MAX_PARAMS:,}"}))
    flops = forward_flops(layers)
    if flops > MAX_FORWARD_FLOPS:
        problems.append(Problem("flops", {"mflop": f"{flops / 1e6:.1f}", "limit": f"{MAX_FORWARD_FLOPS / 1e6:.0f}"}))
    memory = training_bytes_per_image(layers)
    if memory > MAX_TRAINING_BYTES_PER_IMAGE:
        problems.append(Problem("memory", {"mb": f"{memory / 1e6:.1f}",
                                           "limit": f"{MAX_TRAINING_BYTES_PER_IMAGE / 1e6:.0f}"}))
    return problems


def check_layers(layers: Sequence[dict[str, Any]]) -> list[Problem]:
    """:func:`check` for any engine layer list: the editor's sentences when ``layers`` has the editor's form,
    else the size limits of :func:`check` after the engine's own shape check.

    Raises
    ------
    ValueError
        A list not of the editor's form whose layers do not fit their inputs (the engine's message).
    """
    spec = ArchitectureSpec.from_layers(layers)
    if spec is not None:
        return check(spec)
    _traced(layers)  # the engine's ValueError names the layer that does not fit
    return _limits(layers)


def build_custom(layers: Sequence[dict[str, Any]], seed: int = 0) -> Sequential:
    """The network of an edited layer list, after :func:`check_layers`.

    Raises
    ------
    ValueError
        The network cannot be trained here: the message is the first :class:`Problem`'s sentence.
    """
    problems = check_layers(layers)
    if problems:
        raise ValueError(str(problems[0]))
    return Sequential.from_config([dict(layer) for layer in layers], seed=seed)


def layer_key(layers: Sequence[dict[str, Any]]) -> str:
    """A stable text key of a layer list (for caching a measured :class:`Rate` per architecture)."""
    return json.dumps(list(layers), sort_keys=True)


@dataclass(frozen=True)
class Rate:
    """Throughput measured on this machine.

    Attributes
    ----------
    flops_per_second : float
        Training FLOPs (:func:`training_flops`) per second of one process.
    key : str
        :func:`layer_key` of the network it was measured on.
    batch_size : int
    seconds : float
        Duration of the timed training steps.
    forward_flops_per_second : float
        Forward FLOPs (:func:`forward_flops`) per second of inference (validation and testing); 0: not measured,
        :attr:`flops_per_second` stands in.
    """

    flops_per_second: float
    key: str
    batch_size: int
    seconds: float
    forward_flops_per_second: float = 0.0


def measure_rate(
    layers: Sequence[dict[str, Any]],
    batch_size: int = 128,
    steps: int = 3,
    augment: bool = False,
    cancel: threading.Event | None = None,
    seed: int = 0,
) -> Rate:
    """Time ``steps`` training steps (forward, backward, Adam) of ``layers`` on random images in this thread,
    then one inference pass over the same images.

    One untimed step first allocates the layers' workspaces. ``batch_size`` is capped at 128 (the scratch memory
    stays bounded; per image a step costs about the same from 64 images up). The caller checks the network first
    (:func:`check`).

    Raises
    ------
    convlens.services.jobs.Cancelled
        ``cancel`` was set (checked between steps).
    """
    batch = int(min(max(batch_size, 1), 128))
    steps = max(int(steps), 1)
    rng = np.random.default_rng(seed)
    model = Sequential.from_config(layers, seed=seed)
    x = rng.random((batch, *INPUT_SHAPE), dtype=np.float32)
    y = rng.integers(0, CLASSES, batch)
    optimizer = make_optimizer("adam", 1e-3)
    params = [p for layer in model.layers for p in layer.params.values()]
    grads = [g for layer in model.layers for g in layer.grads.values()]
    config = AugmentConfig()

    def step() -> None:
        xb = augment_batch(x, rng, config) if augment else x
        compute_gradients(model, xb, y)
        optimizer.step(params, grads)

    try:
        step()
        check_cancel(cancel)
        started = time.perf_counter()
        for _ in range(steps):
            step()
            check_cancel(cancel)
            time.sleep(0)  # let the GUI thread take the GIL between steps
        seconds = time.perf_counter() - started
    finally:
        model.release_buffers()
    started = time.perf_counter()
    model.predict_logits(x)
    inference = time.perf_counter() - started
    flops = forward_flops(layers)
    return Rate(
        TRAINING_FLOPS_FACTOR * flops * batch * steps / max(seconds, 1e-9),
        layer_key(layers),
        batch,
        seconds,
        flops * batch / max(inference, 1e-9),
    )


def estimate_seconds(
    layers: Sequence[dict[str, Any]],
    images: int,
    epochs: int,
    rate: Rate,
    workers: int = 1,
    test_images: int = 0,
    validation_images: int = 0,
    validation_seconds: float = 5.0,
) -> float:
    """Seconds a run of ``layers`` will take: training FLOPs x images x epochs / measured rate, plus inference.

    Parameters
    ----------
    layers : list of dict
    images, epochs : int
        Training images per epoch and epochs.
    rate : Rate
        From :func:`measure_rate` (ideally of ``layers`` themselves; another network's rate gives a rougher figure).
    workers : int
        Data-parallel training processes (:data:`PARALLEL_SPEEDUP`).
    test_images : int
        Images classified after training (forward passes at the measured inference rate).
    validation_images, validation_seconds : int, float
        Held-out images classified at the start, at the end of every epoch and every ``validation_seconds`` of
        training (``services.training``'s validation points).

    Notes
    -----
    Not included: loading MNIST, re-drawing it as pen strokes the first time, the calibration and the summaries
    after the test (together a few seconds).
    """
    speedup = PARALLEL_SPEEDUP.get(int(workers), 1.0)
    train = training_flops(layers) * max(int(images), 0) * max(int(epochs), 0) / speedup
    train_seconds = train / max(rate.flops_per_second, 1e-9)
    points = (1 + max(int(epochs), 0) + train_seconds / max(validation_seconds, 1e-9)) if validation_images else 0
    inference_images = max(int(test_images), 0) + points * max(int(validation_images), 0)
    inference_rate = rate.forward_flops_per_second or rate.flops_per_second / TRAINING_FLOPS_FACTOR
    return float(train_seconds + forward_flops(layers) * inference_images / max(inference_rate, 1e-9))


def round_seconds(seconds: float) -> int:
    """``seconds`` rounded to a figure worth showing: whole seconds below a minute, then 10 s, then minutes."""
    if not math.isfinite(seconds) or seconds < 1:
        return 1
    if seconds < 60:
        return int(round(seconds))
    if seconds < 600:
        return int(round(seconds / 10) * 10)
    return int(round(seconds / 60) * 60)

"""The machine's GEMM bound for one training step: the matrix products the engine runs, timed alone.

:func:`record_products` runs one real training step (forward, loss, backward) of a network and records every
matrix product it makes, with its operands' shapes and memory layouts: ``np.matmul`` in the im2col conv kernels
and the dense layer (batched block products included) and the dense layer's ``@`` products. :func:`sgemm_rate`
replays exactly those products on fresh random float32 operands of the same shapes and strides and returns the
multiply-add rate (2 FLOPs each) that NumPy's BLAS reaches on them: the rate the engine's own products could run
at with no other work in the step. Run it with ``OPENBLAS_NUM_THREADS=1`` for the single-threaded rate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.array_utils import byte_bounds
from numpy.lib.stride_tricks import as_strided

import convlens.engine.conv_kernels as conv_kernels
import convlens.engine.layers.dense as dense_module
from convlens.engine.layers.dense import Dense
from convlens.engine.model import Sequential
from convlens.engine.parallel import compute_gradients


@dataclass(frozen=True)
class Operand:
    """Shape, byte strides and the memory (byte addresses ``[low, high)``) of one float32 operand."""

    shape: tuple[int, ...]
    strides: tuple[int, ...]
    low: int
    high: int

    @classmethod
    def of(cls, a: np.ndarray) -> Operand:
        low, high = byte_bounds(a)
        return cls(tuple(a.shape), tuple(a.strides), low, high)

    def view(self, arena: np.ndarray, arena_low: int) -> np.ndarray:
        """This operand inside ``arena``, a float32 buffer standing for the memory from ``arena_low``."""
        start = (self.low - arena_low) // 4
        return as_strided(arena[start:], shape=self.shape, strides=self.strides)


@dataclass(frozen=True)
class Product:
    """One recorded matrix product ``a @ b`` (possibly batched), with its output when one was given."""

    a: Operand
    b: Operand
    out: Operand | None

    @property
    def flops(self) -> int:
        """2 per multiply-add."""
        shape = np.broadcast_shapes(self.a.shape[:-2], self.b.shape[:-2]) if len(self.a.shape) > 2 else ()
        m, k = self.a.shape[-2:]
        n = self.b.shape[-1]
        return 2 * int(np.prod(shape, dtype=np.int64)) * m * k * n


def record_products(model: Sequential, x: np.ndarray, y: np.ndarray) -> list[Product]:
    """The matrix products of one training step of ``model`` on batch ``(x, y)``, in the order they run."""
    products: list[Product] = []

    def matmul(a: Any, b: Any, *args: Any, **kwargs: Any) -> Any:
        out = kwargs.get("out", args[0] if args else None)
        if a.ndim >= 2 and b.ndim >= 2 and a.dtype == np.float32:
            products.append(Product(Operand.of(a), Operand.of(b), None if out is None else Operand.of(out)))
        return np.matmul(a, b, *args, **kwargs)

    class _NumPy:  # numpy itself, except for matmul
        def __getattr__(self, name: str) -> Any:
            return matmul if name == "matmul" else getattr(np, name)

    proxy = _NumPy()
    originals: dict[Dense, tuple[Callable[..., Any], Callable[..., Any]]] = {}

    def wrap(layer: Dense) -> None:
        forward, backward = layer.forward, layer.backward

        def recording_forward(x_: np.ndarray, training: bool = False) -> np.ndarray:
            products.append(Product(Operand.of(x_), Operand.of(layer.params["w"]), None))  # x @ w
            return forward(x_, training)

        def recording_backward(grad_out: np.ndarray) -> np.ndarray | None:
            if layer.need_input_grad:  # grad @ w.T (the filter gradient's matmul is recorded by the proxy)
                products.append(Product(Operand.of(grad_out), Operand.of(layer.params["w"].T), None))
            return backward(grad_out)

        originals[layer] = (forward, backward)
        layer.forward = recording_forward  # type: ignore[method-assign]
        layer.backward = recording_backward  # type: ignore[method-assign]

    saved = conv_kernels.np, dense_module.np
    conv_kernels.np = dense_module.np = proxy  # type: ignore[assignment]
    try:
        for layer in model.layers:
            if isinstance(layer, Dense):
                wrap(layer)
        compute_gradients(model, x, y)
    finally:
        conv_kernels.np, dense_module.np = saved
        for layer, (forward, backward) in originals.items():
            layer.forward, layer.backward = forward, backward  # type: ignore[method-assign]
    return products


def _arenas(operands: list[Operand], rng: np.random.Generator) -> list[tuple[int, int, np.ndarray]]:
    """One random float32 buffer per run of overlapping operand memory: ``(low, high, buffer)``.

    Operands that shared memory in the engine (a reused scratch buffer, slices of one output) share it in the
    replay too, so that the replay sees the engine's cache reuse.
    """
    arenas: list[list[int]] = []
    for low, high in sorted((o.low, o.high) for o in operands):
        if arenas and low < arenas[-1][1]:
            arenas[-1][1] = max(arenas[-1][1], high)
        else:
            arenas.append([low, high])
    return [(low, high, rng.random((high - low) // 4 + 1, dtype=np.float32)) for low, high in arenas]


def sgemm_rate(products: list[Product], repeats: int = 30, seed: int = 0) -> float:
    """FLOPs per second of running ``products`` one after the other (median over ``repeats`` passes).

    The operands are fresh random arrays with the recorded shapes, strides and memory sharing.
    """
    rng = np.random.default_rng(seed)
    every = [o for p in products for o in (p.a, p.b, p.out) if o is not None]
    arenas = _arenas(every, rng)

    def place(o: Operand) -> np.ndarray:
        for low, high, buffer in arenas:
            if low <= o.low < high:
                return o.view(buffer, low)
        raise AssertionError("operand outside every arena")

    operands = []
    for p in products:
        a, b = place(p.a), place(p.b)
        out = None if p.out is None else place(p.out)
        if out is not None and (np.shares_memory(out, a) or np.shares_memory(out, b)):
            out = np.empty_like(out)
        operands.append((a, b, out))
    flops = sum(p.flops for p in products)
    times = []
    for i in range(repeats + 3):
        t0 = time.perf_counter()
        for a, b, out in operands:
            if out is None:
                np.matmul(a, b)
            else:
                np.matmul(a, b, out=out)
        if i >= 3:
            times.append(time.perf_counter() - t0)
    return flops / float(np.median(times))

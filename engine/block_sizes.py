"""Block sizes of the convolution kernels (:mod:`convlens.engine.conv_kernels`), from the machine's caches.

Two sizes, both derived from one core's L2 as the system reports it (:mod:`convlens.engine.cpu_caches`):

* ``chunk_bytes`` — im2col rows are gathered and multiplied this many bytes at a time (and the stride-1 input
  gradient's column shifts likewise). A chunk is written by the gather and read by the matrix product right
  after: it must still be in the cache then, while each chunk costs a few Python-level calls, so small chunks
  lose to overhead. Rule: **4 x L2**, clamped to 1-8 MiB (and to an eighth of the L3 when one is reported,
  since the L3 is shared by the cores and the other training process).
* ``small_product`` — the multiply-adds (M x K x N) of one block of the tall, thin matrix products, which run as
  one batched ``matmul`` over blocks. A block's operands must fit in the L2 next to each other: its tall operand
  is ``4 x small_product / N`` bytes, at most ``small_product / 4`` for the narrowest product of a network
  (N = 16 filters). Rule: **2 x L2** multiply-adds, clamped to 256 Ki-4 Mi; its tall block is then at most half
  the L2.

Measured (``bench/sweep_blocks.py``, default network, forward + backward of a training step, one process,
1-thread BLAS, 150 rounds in random order, the machine shared with two trainings) on an AMD EPYC with 2 cores,
L1d 32 KiB, L2 512 KiB per core, L3 32 MiB: time relative to the chosen 2 MiB chunk, at batch 64 / 128 ::

    chunk    256 KiB  512 KiB  1 MiB  2 MiB  4 MiB  8 MiB
    b64       1.137    1.077   1.017  1.000  1.005  1.040
    b128      1.129    1.049   1.014  1.000  1.025  1.036

(20.5-24.4 ms per step at batch 64, 42.1-49.7 ms at batch 128), and for ``small_product`` (2 MiB chunks)
64 Ki 1.12 / 1.10, 128 Ki 1.08 / 1.08, 256 Ki 1.04 / 1.02, 512 Ki 1.00 / 1.00, 1 Mi 0.98 / 0.97,
2 Mi 0.99 / 0.98. Both rules reproduce the best measured values here: 2 MiB chunks, 1 Mi multiply-adds.

A machine that reports no L2 gets the sizes of this one's (512 KiB). The environment variables
``CONVLENS_CHUNK_BYTES`` and ``CONVLENS_SMALL_PRODUCT`` (a number of bytes or multiply-adds, ``K``/``M``
suffixes allowed, e.g. ``CONVLENS_CHUNK_BYTES=4M``) override the rules for experiments; an unreadable value is
ignored. The sizes only change speed: results agree to float rounding for any chunk or block size.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass

from convlens.engine.cpu_caches import CpuCaches, cpu_caches, format_bytes, parse_size

__all__ = [
    "CHUNK_ENV",
    "DEFAULT_L2",
    "SMALL_PRODUCT_ENV",
    "BlockSizes",
    "block_sizes",
    "choose_block_sizes",
]

CHUNK_ENV = "CONVLENS_CHUNK_BYTES"
SMALL_PRODUCT_ENV = "CONVLENS_SMALL_PRODUCT"

#: The L2 assumed when the system reports none (the measured machine's: AMD EPYC / Zen).
DEFAULT_L2 = 512 * 1024

_MIB = 1024 * 1024
CHUNK_PER_L2 = 4
CHUNK_RANGE = (1 * _MIB, 8 * _MIB)
CHUNK_L3_SHARE = 8
SMALL_PRODUCT_PER_L2 = 2
SMALL_PRODUCT_RANGE = (256 * 1024, 4 * _MIB)


@dataclass(frozen=True)
class BlockSizes:
    """The chosen sizes and where they came from.

    Attributes
    ----------
    chunk_bytes : int
        Bytes of im2col rows per chunk.
    small_product : int
        Multiply-adds per block of a blocked matrix product.
    caches : CpuCaches
        The caches the sizes were derived from.
    overridden : tuple of str
        The environment variables that replaced a rule's value.
    """

    chunk_bytes: int
    small_product: int
    caches: CpuCaches
    overridden: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for a benchmark, e.g. ``im2col chunks 2 MiB, matmul blocks 1048576 multiply-adds (from L2
        512 KiB; caches: L1d 32 KiB, L2 512 KiB, L3 32 MiB, from sysfs)``."""
        l2 = (f"L2 {format_bytes(self.caches.l2)}" if self.caches.l2
              else f"no L2 reported, assumed {format_bytes(DEFAULT_L2)}")
        text = (f"im2col chunks {format_bytes(self.chunk_bytes)}, matmul blocks {self.small_product:,} multiply-adds "
                f"(from {l2}; caches: {self.caches.describe()}, from {self.caches.source})")
        if self.overridden:
            text += f"; overridden by {', '.join(self.overridden)}"
        return text


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], value))


def choose_block_sizes(caches: CpuCaches, environ: Mapping[str, str] | None = None) -> BlockSizes:
    """The block sizes for ``caches`` by the rules above, unless ``environ`` overrides them.

    Parameters
    ----------
    caches : CpuCaches
    environ : mapping, optional
        Defaults to ``os.environ``.

    Returns
    -------
    BlockSizes
    """
    environ = os.environ if environ is None else environ
    l2 = caches.l2 or DEFAULT_L2
    chunk = _clamp(CHUNK_PER_L2 * l2, CHUNK_RANGE)
    if caches.l3:
        chunk = max(CHUNK_RANGE[0], min(chunk, caches.l3 // CHUNK_L3_SHARE))
    small = _clamp(SMALL_PRODUCT_PER_L2 * l2, SMALL_PRODUCT_RANGE)
    overridden = []
    for name in (CHUNK_ENV, SMALL_PRODUCT_ENV):
        value = parse_size(environ.get(name, ""))
        if value is not None:
            overridden.append(name)
            if name == CHUNK_ENV:
                chunk = value
            else:
                small = value
    return BlockSizes(chunk, small, caches, tuple(overridden))


@functools.cache
def block_sizes() -> BlockSizes:
    """This machine's block sizes (chosen once per process)."""
    return choose_block_sizes(cpu_caches())

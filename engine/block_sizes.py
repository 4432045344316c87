"""Block sizes of the convolution kernels (:mod:`convlens.engine.conv_kernels`), from the machine's caches.

Two sizes, both derived from one core's L2 as the system reports it (:mod:`convlens.engine.cpu_caches`):

* ``chunk_bytes`` — im2col rows are gathered and multiplied this many bytes at a time (and the stride-1 input
  gradient's column shifts likewise). A chunk is written by the gather and read by the matrix product right
  after, so it must still be in the cache then; but each chunk costs a few Python-level calls and a product of
  its own, so small chunks lose to overhead. Rule: **4 x L2**, clamped to 1-8 MiB and to an eighth of the L3
  when one is reported (the L3 is shared by the cores, and training runs two processes).
* ``small_product`` — the multiply-adds (M x K x N) of one block of the tall, thin matrix products, which run as
  one batched ``matmul`` over blocks. A block's tall operand is ``4 x small_product / N`` bytes. Rule:
  **4 x chunk_bytes** multiply-adds (16 x L2), so that for every product at least 16 columns wide (N >= 16
  filters) a block is at most one chunk: the products of a chunk run whole, and only the products no chunk
  bounds (the first conv layer's, over the whole batch) are cut, into chunk-sized blocks. OpenBLAS blocks for
  the L1 and L2 inside every call itself; smaller outer blocks only add calls (measured below).

Measured with ``bench/sweep_blocks.py`` (default network, forward + backward of a training step, one process,
1-thread BLAS, every variant in every round in a random order, the machine shared with two trainings at load
1.4-4.5; the ratio is the median over rounds of the time / the reference's time in the same round) on an AMD
EPYC with 2 cores, L1d 32 KiB, L2 512 KiB per core, L3 32 MiB, OpenBLAS 0.3.31 ::

    chunk_bytes (150 rounds; small_product 8 Mi), ms per step and ratio to 2 MiB
                 256 KiB       512 KiB       1 MiB         2 MiB         4 MiB         8 MiB
    batch 64     21.75 1.117   19.85 1.050   18.79 1.000   19.03 1.000   18.98 1.010   19.36 1.040
    batch 128    41.55 1.102   39.09 1.029   37.78 1.004   37.46 1.000   38.41 1.014   39.94 1.055

    small_product (200 rounds; 2 MiB chunks, ref. 1 Mi)
                 512 Ki   1 Mi   2 Mi   4 Mi   8 Mi   unblocked
    batch 64      1.016   1.000  1.002  1.000  0.986  0.967      (18.3-19.7 ms per step)
    batch 128     1.003   1.000  0.991  0.976  0.960  0.968      (36.2-37.9 ms per step)

An earlier chunk sweep with 512 Ki blocks had the same shape (256 KiB 1.14 / 1.13, 8 MiB 1.04 / 1.04); blocks
below 512 Ki were slower still (64 Ki: 1.12 / 1.10 against 512 Ki). A 3 x 5 grid (chunks 1-4 MiB, blocks
512 Ki-8 Mi, load 4.5) agreed: 2 MiB chunks with 8 Mi blocks took 0.960 / 0.933 of the constants tuned before
(``1 << 21`` bytes, ``1 << 19`` multiply-adds). Both rules reproduce the best values measured here: 2 MiB chunks
(1 MiB is as fast), 8 Mi multiply-adds (no outer blocking at all was within 2% of it).

A machine that reports no L2 gets the sizes of this one (512 KiB). The environment variables
``CONVLENS_CHUNK_BYTES`` and ``CONVLENS_SMALL_PRODUCT`` (a number of bytes or multiply-adds, ``K``/``M``
suffixes allowed, e.g. ``CONVLENS_CHUNK_BYTES=4M``) override the rules for experiments, each its own size; an
unreadable value is ignored. The sizes only change speed: results agree to float rounding for any chunk or
block size.
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
SMALL_PRODUCT_PER_CHUNK_BYTE = 4


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
    small = SMALL_PRODUCT_PER_CHUNK_BYTE * chunk
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

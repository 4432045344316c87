"""Sweep the convolution kernels' block sizes (``CHUNK_BYTES``, ``SMALL_PRODUCT``) on this machine.

One process, 1-thread BLAS; every variant has its own model (so its own workspaces). A round times one training
step's forward and backward pass (the layers of ``bench_train.per_layer``, the loss; not the optimizer, which no
block size touches) of every variant, in a new random order each round, so that all variants see the same machine
load; medians over the rounds, and the median over rounds of each variant's time / the engine's own choice's
time in the same round (ratios survive a shared machine far better than milliseconds).

    python bench/sweep_blocks.py [--rounds 150] [--batch-sizes 64 128]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import time  # noqa: E402

from convlens.engine import conv_kernels  # noqa: E402
from convlens.engine.losses import softmax_cross_entropy  # noqa: E402
from convlens.engine.model import Sequential  # noqa: E402
from convlens.engine.presets import PRESETS  # noqa: E402

KIB = 1024


def step_seconds(model: Sequential, x: np.ndarray, y: np.ndarray) -> float:
    """Seconds of one training step's forward and backward pass through ``model``."""
    t0 = time.perf_counter()
    h = x
    for layer in model.layers:
        h = layer.forward(h, training=True)
    _, g = softmax_cross_entropy(h, y)
    for layer in reversed(model.layers):
        g = layer.backward(g)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--rounds", type=int, default=150)
    parser.add_argument("--chunks-kib", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096, 8192])
    parser.add_argument("--small-products", type=int, nargs="+", default=[1 << 16, 1 << 17, 1 << 18, 1 << 19,
                                                                          1 << 20, 1 << 21])
    parser.add_argument("--grid", action="store_true", help="every pair of the two lists (default: one at a time)")
    parser.add_argument("--preset", default="default")
    args = parser.parse_args()
    chosen = (conv_kernels.CHUNK_BYTES, conv_kernels.SMALL_PRODUCT)
    if args.grid:
        variants = [(c * KIB, s) for c in args.chunks_kib for s in args.small_products]
    else:
        variants = [(c * KIB, chosen[1]) for c in args.chunks_kib]
        variants += [(chosen[0], s) for s in args.small_products if (chosen[0], s) not in variants]
    if chosen not in variants:
        variants.append(chosen)
    models = {(v, b): Sequential.from_config(PRESETS[args.preset], seed=0) for v in variants for b in args.batch_sizes}
    times: dict[tuple[tuple[int, int], int], list[float]] = {key: [] for key in models}
    rng = np.random.default_rng(0)
    data = {b: (rng.random((b, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, b)) for b in args.batch_sizes}
    for r in range(-3, args.rounds):  # three warm-up rounds
        for batch in args.batch_sizes:
            for i in rng.permutation(len(variants)):
                v = variants[i]
                conv_kernels.CHUNK_BYTES, conv_kernels.SMALL_PRODUCT = v
                seconds = step_seconds(models[v, batch], *data[batch])
                if r >= 0:
                    times[v, batch].append(seconds)
        if r >= 0 and r % 25 == 24:
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    conv_kernels.CHUNK_BYTES, conv_kernels.SMALL_PRODUCT = chosen
    print(f"chosen: CHUNK_BYTES {chosen[0] // KIB} KiB, SMALL_PRODUCT {chosen[1]}; median of {args.rounds} rounds")
    header = "".join(f"{'ms b' + str(b):>10}{'ratio':>8}" for b in args.batch_sizes)
    print(f"{'CHUNK_BYTES':>12}{'SMALL_PRODUCT':>15}{header}")
    rows = []
    for v in variants:
        cells = ""
        row: dict[str, float] = {"chunk_bytes": v[0], "small_product": v[1]}
        for b in args.batch_sizes:
            ms = float(np.median(times[v, b])) * 1e3
            # ratio per round (same load), then the median
            ratio = float(np.median(np.array(times[v, b]) / np.array(times[chosen, b])))
            cells += f"{ms:>10.2f}{ratio:>8.3f}"
            row[f"ms_{b}"], row[f"ratio_{b}"] = ms, ratio
        print(f"{v[0] // KIB:>9} KiB{v[1]:>15}{cells}")
        rows.append(row)
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

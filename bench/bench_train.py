"""Training throughput of the default architecture: the engine's real training step vs PyTorch CPU and the machine.

For batch 64 and 128 (``--batch-sizes``), prints images/s and seconds per epoch (60,000 images) of
``engine.train.fit``'s training step with 1 and 2 data-parallel processes (augmentation off, BLAS single-threaded
as ``convlens`` runs it), and compares them with

* **the GEMM bound**: the network's training FLOPs per image (``services.architecture.training_flops``) x images /
  (single-threaded sgemm rate x processes). The sgemm rate is measured in the same run by replaying the matrix
  products one step of the engine actually makes (the im2col conv and dense GEMMs, forward and backward, with
  their shapes, strides and buffer reuse; ``bench/gemm_bound.py``) at the batch one process computes. The bar
  of issue #18 is <= 3x.
* **PyTorch CPU** (same net, same batch, its default threads, i.e. both cores), when ``torch`` is importable by
  this interpreter or by the one named with ``--torch-python`` (or ``CONVLENS_TORCH_PYTHON``): torch is never a
  dependency of the project, so it can live in a venv of its own (``python -m venv /tmp/torch && /tmp/torch/bin/pip
  install torch numpy``); that interpreter runs only the PyTorch child, with this checkout on its ``PYTHONPATH``.

Every figure comes from its own child process, the variants alternating round by round so that they see the same
machine load; medians over the rounds. Random data of MNIST's shape (throughput does not depend on the pixel
values). Starts with the machine (CPU model, cores, cache sizes) and the convolution kernels' block sizes chosen
from its caches (``engine/block_sizes.py``); ends with a per-layer breakdown and one JSON line.

    python bench/bench_train.py [--batch-sizes 64 128] [--steps 30] [--rounds 5] [--preset default]
                                [--torch-python /path/to/venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gemm_bound import record_products, sgemm_rate  # noqa: E402
from machine import describe, describe_blocks, machine_info  # noqa: E402

from convlens.engine.losses import softmax_cross_entropy  # noqa: E402
from convlens.engine.model import Sequential  # noqa: E402
from convlens.engine.presets import PRESETS  # noqa: E402
from convlens.engine.train import TrainConfig, fit  # noqa: E402
from convlens.services.architecture import training_flops  # noqa: E402

EPOCH_IMAGES = 60_000
WARMUP_STEPS = 5


def numpy_step_time(model: Sequential, batch_size: int, steps: int, workers: int = 1) -> float:
    """Median seconds per training step of ``engine.train.fit`` itself (batch gather, forward, loss, backward,
    the NaN rollback copy, Adam, bookkeeping), augmentation off, after :data:`WARMUP_STEPS` steps.

    The worker processes are started before the first step and not counted (as in a long run).
    """
    rng = np.random.default_rng(0)
    count = batch_size * (steps + WARMUP_STEPS + 1)
    x = rng.random((count, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, count)
    config = TrainConfig(epochs=1, batch_size=batch_size, augment=False, workers=workers, report_every=1)
    stamps = [time.perf_counter() for record in fit(model, x, y, config) if record.kind == "step"]
    return float(np.median(np.diff(stamps[WARMUP_STEPS:])))


def gemm_figures(model: Sequential, batch_size: int) -> dict[str, float]:
    """Single-threaded sgemm rate (FLOP/s) on the products of one process's step at ``batch_size``, and their
    FLOPs per image."""
    rng = np.random.default_rng(0)
    x = rng.random((batch_size, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, batch_size)
    products = record_products(model, x, y)
    model.release_buffers()
    return {"rate": sgemm_rate(products), "flops_per_image": sum(p.flops for p in products) / batch_size}


def per_layer(model: Sequential, x: np.ndarray, y: np.ndarray, steps: int) -> list[tuple[str, float, float]]:
    """Median forward and backward seconds of every layer over ``steps`` training steps (after 5 warm-up)."""
    fwd: dict[str, list[float]] = {layer.name: [] for layer in model.layers}
    bwd: dict[str, list[float]] = {layer.name: [] for layer in model.layers}
    for _ in range(steps + 5):
        h = x
        for layer in model.layers:
            t0 = time.perf_counter()
            h = layer.forward(h, training=True)
            fwd[layer.name].append(time.perf_counter() - t0)
        _, g = softmax_cross_entropy(h, y)
        for layer in reversed(model.layers):
            t0 = time.perf_counter()
            g = layer.backward(g)
            bwd[layer.name].append(time.perf_counter() - t0)
    return [(name, float(np.median(fwd[name][5:])), float(np.median(bwd[name][5:]))) for name in fwd]


def torch_step_time(architecture: list[dict], x: np.ndarray, y: np.ndarray, steps: int) -> float | None:
    try:
        import torch
        from torch import nn
    except ImportError:
        return None
    layers: list[nn.Module] = []
    channels, features = 1, None
    for cfg in architecture:
        kind = cfg["type"]
        if kind == "Conv2D":
            k = cfg["kernel"]
            layers.append(nn.Conv2d(channels, cfg["filters"], tuple(k), stride=tuple(cfg["stride"]),
                                    padding="same" if cfg["padding"] == "same" else 0))
            channels = cfg["filters"]
            if cfg.get("activation") == "relu":
                layers.append(nn.ReLU())
        elif kind == "MaxPool2D":
            layers.append(nn.MaxPool2d(tuple(cfg["size"]), tuple(cfg["stride"])))
        elif kind == "Flatten":
            layers.append(nn.Flatten())
        elif kind == "Dense":
            layers.append(nn.LazyLinear(cfg["units"]))
            if cfg.get("activation") == "relu":
                layers.append(nn.ReLU())
        elif kind == "Dropout":
            layers.append(nn.Dropout(cfg["rate"]))
        elif kind == "ReLU":
            layers.append(nn.ReLU())
    del features
    net = nn.Sequential(*layers)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y)
    net(xt)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for i in range(steps + 5):
        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(net(xt), yt)
        loss.backward()
        optimizer.step()
        if i >= 5:
            times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _child(kind: str, args: argparse.Namespace, batch_size: int, workers: int = 1,
           blas_threads: int | None = 1) -> dict[str, Any]:
    """Run ``--child kind`` in a fresh process (thread pools of the two libraries never meet); its JSON answer.

    The PyTorch child runs in ``args.torch_python`` when given (a venv with torch), with this checkout importable.
    """
    env = dict(os.environ)
    if blas_threads is not None:
        env["OPENBLAS_NUM_THREADS"] = str(blas_threads)
    else:
        env.pop("OPENBLAS_NUM_THREADS", None)
    python = sys.executable
    if kind == "torch" and args.torch_python:
        python = args.torch_python
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    cmd = [python, __file__, "--child", kind, "--batch-sizes", str(batch_size), "--steps", str(args.steps),
           "--preset", args.preset, "--workers", str(workers)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    answer: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return answer


def _run_child(args: argparse.Namespace) -> int:
    batch_size = args.batch_sizes[0]
    model = Sequential.from_config(PRESETS[args.preset], seed=0)
    if args.child == "numpy":
        answer: dict[str, Any] = {"seconds_per_step": numpy_step_time(model, batch_size, args.steps, args.workers)}
    elif args.child == "gemm":
        answer = gemm_figures(model, batch_size)
    elif args.child == "layers":
        rng = np.random.default_rng(0)
        x = rng.random((batch_size, 28, 28, 1), dtype=np.float32)
        answer = {"layers": per_layer(model, x, rng.integers(0, 10, batch_size), 30)}
    else:
        rng = np.random.default_rng(0)
        x = rng.random((batch_size, 28, 28, 1), dtype=np.float32)
        answer = {"seconds_per_step": torch_step_time(PRESETS[args.preset], x, rng.integers(0, 10, batch_size),
                                                      args.steps)}
    print(json.dumps(answer))
    return 0


#: The engine variants: label -> worker processes (all with single-threaded BLAS, as ``convlens train`` runs).
VARIANTS = {"engine, 1 process": 1, "engine, 2 processes": 2}


def measure_batch(args: argparse.Namespace, batch_size: int, with_torch: bool) -> dict[str, Any]:
    """Alternating rounds of every variant at ``batch_size``: medians and the derived figures."""
    steps: dict[str, list[float]] = {name: [] for name in [*VARIANTS, "pytorch"]}
    rates: dict[int, list[float]] = {p: [] for p in VARIANTS.values()}
    gemm_per_image: dict[int, float] = {}
    for _ in range(args.rounds):
        for name, workers in VARIANTS.items():
            steps[name].append(_child("numpy", args, batch_size, workers)["seconds_per_step"])
            gemm = _child("gemm", args, max(1, batch_size // workers))
            rates[workers].append(gemm["rate"])
            gemm_per_image[workers] = gemm["flops_per_image"]
        if with_torch:
            value = _child("torch", args, batch_size, blas_threads=None)["seconds_per_step"]
            if value is None:
                with_torch = False
            else:
                steps["pytorch"].append(value)
    flops = training_flops(PRESETS[args.preset])
    torch_step = float(np.median(steps["pytorch"])) if steps["pytorch"] else None
    rows: dict[str, dict[str, float | None]] = {}
    for name, values in steps.items():
        if not values:
            continue
        step = float(np.median(values))
        epoch = step * EPOCH_IMAGES / batch_size
        row: dict[str, float | None] = {
            "ms_per_step": step * 1e3, "images_per_second": batch_size / step, "seconds_per_epoch": epoch,
            "vs_pytorch": step / torch_step if torch_step else None,
            "gemm_bound_seconds_per_epoch": None, "vs_gemm_bound": None,
        }
        if name in VARIANTS:
            processes = VARIANTS[name]
            bound = flops * EPOCH_IMAGES / (float(np.median(rates[processes])) * processes)
            row["gemm_bound_seconds_per_epoch"] = bound
            row["vs_gemm_bound"] = epoch / bound
        rows[name] = row
    return {
        "sgemm_gflops_1_thread": {str(batch_size // p): float(np.median(r)) / 1e9 for p, r in rates.items()},
        "engine_gemm_mflop_per_image": {str(batch_size // p): f / 1e6 for p, f in gemm_per_image.items()},
        "variants": rows,
    }


def _print_batch(batch_size: int, figures: dict[str, Any]) -> None:
    rates = ", ".join(f"{g:.1f} GFLOP/s at batch {b}" for b, g in figures["sgemm_gflops_1_thread"].items())
    print(f"\nbatch {batch_size}: single-threaded sgemm rate on the engine's products: {rates}")
    print(f"{'':<22}{'ms/step':>9}{'images/s':>10}{'s/epoch':>9}{'vs pytorch':>12}{'GEMM bound s/ep':>17}"
          f"{'vs bound':>10}")
    for name, row in figures["variants"].items():
        torch_ratio = "-" if row["vs_pytorch"] is None else f"{row['vs_pytorch']:.2f}x"
        bound = "-" if row["gemm_bound_seconds_per_epoch"] is None else f"{row['gemm_bound_seconds_per_epoch']:.1f}"
        ratio = "-" if row["vs_gemm_bound"] is None else f"{row['vs_gemm_bound']:.2f}x"
        print(f"{name:<22}{row['ms_per_step']:>9.2f}{row['images_per_second']:>10,.0f}{row['seconds_per_epoch']:>9.1f}"
              f"{torch_ratio:>12}{bound:>17}{ratio:>10}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--steps", type=int, default=30, help="timed steps per measurement")
    parser.add_argument("--preset", default="default")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of every variant")
    parser.add_argument("--no-layers", action="store_true", help="skip the per-layer breakdown")
    parser.add_argument("--torch-python", default=os.environ.get("CONVLENS_TORCH_PYTHON"),
                        help="a Python interpreter that can import torch (default: $CONVLENS_TORCH_PYTHON, else "
                             "this one)")
    parser.add_argument("--child", choices=["numpy", "torch", "gemm", "layers"], help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _run_child(args)
    info = machine_info()
    model = Sequential.from_config(PRESETS[args.preset], seed=0)
    flops = training_flops(PRESETS[args.preset])
    print(f"machine: {describe(info)}")
    if args.torch_python:
        print(f"pytorch child: {args.torch_python}")
    print(f"engine blocks: {describe_blocks()}")
    print(f"{args.preset} architecture, {model.param_count():,} params, training {flops / 1e6:.2f} MFLOP per image "
          f"(3x forward); median of {args.rounds} alternating rounds of {args.steps} steps, each in its own process; "
          f"engine: engine.train.fit, augmentation off, 1-thread BLAS per process; epoch = {EPOCH_IMAGES:,} images")
    result: dict[str, Any] = {"machine": info, "preset": args.preset, "training_mflop_per_image": flops / 1e6,
                              "batches": {}}
    with_torch = True
    for batch_size in args.batch_sizes:
        figures = measure_batch(args, batch_size, with_torch)
        with_torch = with_torch and "pytorch" in figures["variants"]
        result["batches"][str(batch_size)] = figures
        _print_batch(batch_size, figures)
    if not with_torch:
        print("\npytorch is not installed here: no side-by-side ratio (pip install torch, or --torch-python "
              "/venv/bin/python, to measure it; issue #18's bar: <= 0.6x its seconds per epoch)")
    else:
        print("vs pytorch = the engine's seconds per epoch / PyTorch's (same net and batch, paired rounds); "
              "issue #18's bar: <= 0.6x")
    print("GEMM bound = training FLOPs per image x images / (sgemm rate x processes); issue #18's bar: <= 3x")
    if not args.no_layers:
        for batch_size in args.batch_sizes:
            layers = _child("layers", args, batch_size)["layers"]
            print(f"\nper-layer median ms of one training step (engine, batch {batch_size}, one process, "
                  "1-thread BLAS; in training a conv's ReLU is applied by the pool after it)")
            for name, f, b in layers:
                print(f"  {name:<10} forward {f * 1e3:7.2f}  backward {b * 1e3:7.2f}")
            print(f"  {'total':<10} forward {sum(r[1] for r in layers) * 1e3:7.2f}  "
                  f"backward {sum(r[2] for r in layers) * 1e3:7.2f}")
            result["batches"][str(batch_size)]["layers_ms"] = {
                name: {"forward": f * 1e3, "backward": b * 1e3} for name, f, b in layers
            }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

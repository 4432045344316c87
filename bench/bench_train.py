"""Training throughput of the default architecture: this NumPy engine vs PyTorch CPU (when installed), same run.

Prints images/s for both, the seconds-per-epoch ratio (NumPy / PyTorch; the bar is <= 1.0), and a per-layer
forward/backward breakdown of the NumPy engine. Uses random data of MNIST's shape (throughput does not depend
on the pixel values) so it runs without the dataset.

    python bench/bench_train.py [--batch-size 128] [--steps 40] [--rounds 5] [--preset default]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

from convlens.engine.losses import softmax_cross_entropy
from convlens.engine.model import Sequential
from convlens.engine.optim import Adam
from convlens.engine.parallel import DataParallel
from convlens.engine.presets import PRESETS


def numpy_step_time(model: Sequential, x: np.ndarray, y: np.ndarray, steps: int, workers: int = 1) -> float:
    """Median seconds per training step (forward, loss, backward, Adam), as engine.train.fit runs it."""
    optimizer = Adam(lr=1e-3)
    batch = DataParallel(model, workers, batch_size=len(x))
    params, grads = batch.optimizer_arrays()
    last_good = [p.copy() for p in params]
    times = []
    for i in range(steps + 5):
        t0 = time.perf_counter()
        batch.forward_backward(x, y)
        for p, good in zip(params, last_good, strict=True):  # fit keeps the last good weights (NaN rollback)
            np.copyto(good, p)
        optimizer.step(params, grads)
        if i >= 5:
            times.append(time.perf_counter() - t0)
    batch.close()
    return float(np.median(times))


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


def _measure_in_child(engine: str, args: argparse.Namespace, blas_threads: int | None,
                      workers: int = 1) -> float | None:
    """Seconds per step measured in a fresh process (thread pools of the two libraries never meet)."""
    env = dict(os.environ)
    if blas_threads is not None:
        env["OPENBLAS_NUM_THREADS"] = str(blas_threads)
    cmd = [sys.executable, __file__, "--child", engine, "--batch-size", str(args.batch_size),
           "--steps", str(args.steps), "--preset", args.preset, "--workers", str(workers)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    value = json.loads(proc.stdout.strip().splitlines()[-1])["seconds_per_step"]
    return None if value is None else float(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--preset", default="default")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of both engines")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["numpy", "torch", "layers"], help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((args.batch_size, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, args.batch_size)
    if args.child == "numpy":
        model = Sequential.from_config(PRESETS[args.preset], seed=0)
        print(json.dumps({"seconds_per_step": numpy_step_time(model, x, y, args.steps, args.workers)}))
        return 0
    if args.child == "layers":
        model = Sequential.from_config(PRESETS[args.preset], seed=0)
        print(json.dumps({"layers": per_layer(model, x, y, 30)}))
        return 0
    if args.child == "torch":
        print(json.dumps({"seconds_per_step": torch_step_time(PRESETS[args.preset], x, y, args.steps)}))
        return 0
    # Alternate separate processes so that both engines see the same machine load, each with its own threads.
    variants = {
        "numpy, 1 process, BLAS default": ("numpy", None, 1),
        "numpy, 2 processes, 1-thr BLAS": ("numpy", 1, 2),  # what `convlens train` and the Train button use
        "pytorch": ("torch", None, 1),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, (engine, threads, workers) in variants.items():
            t = _measure_in_child(engine, args, threads, workers)
            if t is not None:
                times[name].append(t)
    model = Sequential.from_config(PRESETS[args.preset], seed=0)
    print(f"{args.preset} architecture, batch {args.batch_size}, {model.param_count():,} params, "
          f"median of {args.rounds} alternating runs of {args.steps} steps, each in its own process")
    print(f"{'engine':<30}{'ms/step':>10}{'images/s':>12}{'s/epoch':>10}{'vs pytorch':>12}")
    torch_step = float(np.median(times["pytorch"])) if times["pytorch"] else None
    result: dict[str, float] = {}
    for name, values in times.items():
        if not values:
            continue
        step = float(np.median(values))
        ratio = f"{step / torch_step:.2f}x" if torch_step else "-"
        print(f"{name:<30}{step * 1e3:>10.2f}{args.batch_size / step:>12,.0f}{step * 60000 / args.batch_size:>10.1f}"
              f"{ratio:>12}")
        result[name] = args.batch_size / step
    if torch_step is None:
        print("pytorch not installed: no side-by-side ratio (pip install torch to measure it)")
    else:
        best = min(float(np.median(v)) for k, v in times.items() if k.startswith("numpy") and v)
        print(f"ratio numpy/pytorch seconds per epoch (best numpy setting): {best / torch_step:.2f}x (bar: <= 1.00x)")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    cmd = [sys.executable, __file__, "--child", "layers", "--batch-size", str(args.batch_size), "--preset", args.preset]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    layers = json.loads(proc.stdout.strip().splitlines()[-1])["layers"]
    print(f"\nper-layer median ms of one training step (numpy engine, batch {args.batch_size}, one process, "
          "1-thread BLAS; in training a conv's ReLU is applied by the pool after it)")
    for name, f, b in layers:
        print(f"  {name:<10} forward {f * 1e3:7.2f}  backward {b * 1e3:7.2f}")
    print(f"  {'total':<10} forward {sum(r[1] for r in layers) * 1e3:7.2f}  "
          f"backward {sum(r[2] for r in layers) * 1e3:7.2f}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

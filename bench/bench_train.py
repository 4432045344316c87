"""Training throughput of the default architecture: this NumPy engine vs PyTorch CPU (when installed), same run.

Prints images/s for both, the seconds-per-epoch ratio (NumPy / PyTorch; the bar is <= 1.0), and a per-layer
forward/backward breakdown of the NumPy engine. Uses random data of MNIST's shape (throughput does not depend
on the pixel values) so it runs without the dataset.

    python bench/bench_train.py [--batch-size 128] [--steps 60] [--preset default]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.losses import softmax_cross_entropy  # noqa: E402
from engine.model import Sequential  # noqa: E402
from engine.optim import Adam  # noqa: E402
from engine.presets import PRESETS  # noqa: E402


def numpy_step_time(model: Sequential, x: np.ndarray, y: np.ndarray, steps: int) -> float:
    """Median seconds per training step (forward, loss, backward, Adam)."""
    optimizer = Adam(lr=1e-3)
    params = [p for _, p, _ in model.named_params()]
    grads = [g for _, _, g in model.named_params()]
    times = []
    for i in range(steps + 5):
        t0 = time.perf_counter()
        logits = model.forward(x, training=True)
        _, dlogits = softmax_cross_entropy(logits, y)
        model.backward(dlogits)
        optimizer.step(params, grads)
        if i >= 5:
            times.append(time.perf_counter() - t0)
    return float(np.median(times))


def per_layer(model: Sequential, x: np.ndarray, y: np.ndarray, steps: int) -> list[tuple[str, float, float]]:
    fwd = {layer.name: [] for layer in model.layers}
    bwd = {layer.name: [] for layer in model.layers}
    for _ in range(steps):
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
    return [(name, float(np.median(fwd[name])), float(np.median(bwd[name]))) for name in fwd]


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--preset", default="default")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((args.batch_size, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, args.batch_size)
    model = Sequential.from_config(PRESETS[args.preset], seed=0)
    # Interleave the two engines so that both see the same machine load.
    np_times, torch_times = [], []
    for _ in range(3):
        np_times.append(numpy_step_time(model, x, y, args.steps // 3))
        t = torch_step_time(PRESETS[args.preset], x, y, args.steps // 3)
        if t is not None:
            torch_times.append(t)
    np_step = float(np.median(np_times))
    torch_step = float(np.median(torch_times)) if torch_times else None
    per_epoch_np = np_step * 60000 / args.batch_size
    print(f"default architecture, batch {args.batch_size}, {len(model.layers)} layers, {model.param_count():,} params")
    print(f"{'engine':<12}{'ms/step':>10}{'images/s':>12}{'s/epoch':>10}")
    print(f"{'numpy':<12}{np_step * 1e3:>10.2f}{args.batch_size / np_step:>12,.0f}{per_epoch_np:>10.1f}")
    result = {"numpy_images_per_second": args.batch_size / np_step, "numpy_seconds_per_epoch": per_epoch_np}
    if torch_step is not None:
        per_epoch_t = torch_step * 60000 / args.batch_size
        print(f"{'pytorch':<12}{torch_step * 1e3:>10.2f}{args.batch_size / torch_step:>12,.0f}{per_epoch_t:>10.1f}")
        print(f"ratio numpy/pytorch seconds per epoch: {np_step / torch_step:.2f}x (bar: <= 1.00x)")
        result.update(torch_images_per_second=args.batch_size / torch_step, ratio=np_step / torch_step)
    else:
        print("pytorch not installed: no side-by-side ratio (pip install torch to measure it)")
    print("\nper-layer median ms (numpy engine)")
    for name, f, b in per_layer(model, x, y, 20):
        print(f"  {name:<10} forward {f * 1e3:7.2f}  backward {b * 1e3:7.2f}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

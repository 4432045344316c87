"""The architecture editor's time estimate against real runs: estimated / real seconds for a few networks.

For each network: :func:`convlens.services.architecture.measure_rate` (the editor's timing run: 3 training steps on
random images), then a real ``services.training.run_training`` on the first ``--images`` MNIST training images for
one epoch with the app's settings (500 validation images, the whole test set, ``default_workers()`` processes, no
pen-drawn mix-in), timed from the "Training" phase to the end. Prints one JSON line per network; the bar is a
ratio between 0.5 and 2. Needs the MNIST cache (``convlens data fetch``); skips without it.

    OPENBLAS_NUM_THREADS=1 python bench/bench_arch_estimate.py [--images 10000]
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    args = parser.parse_args(argv)
    from convlens.engine.data import is_cached, load_mnist
    from convlens.engine.presets import PRESETS
    from convlens.engine.train import default_workers
    from convlens.services.architecture import ArchitectureSpec, ConvBlock, estimate_seconds, measure_rate
    from convlens.services.recipes import QUICK
    from convlens.services.training import Phase, TrainingOutcome, TrainingRequest, run_training

    if not is_cached():
        print("MNIST is not cached: run `convlens data fetch` first; skipping")
        return 0
    data = load_mnist(allow_download=False)
    workers = default_workers()
    networks: dict[str, list[dict[str, Any]]] = {
        "small": PRESETS["small"],
        "default": PRESETS["default"],
        "3 blocks": ArchitectureSpec((ConvBlock(24, 3, "valid"), ConvBlock(32, 3), ConvBlock(48, 3)), 96).layers(),
    }
    for name, layers in networks.items():
        rate = measure_rate(layers, QUICK.batch_size)
        estimate = estimate_seconds(layers, args.images, 1, rate, workers, len(data.y_test), 500)
        request = TrainingRequest(recipe=QUICK.with_overrides(epochs=1, pen_fraction=0.0), layers=tuple(layers),
                                  workers=workers, train_size=args.images, validation_size=500)
        job = run_training(request, lambda: data)
        started = time.perf_counter()
        while True:
            try:
                event = next(job)
            except StopIteration as stop:
                outcome: TrainingOutcome = stop.value
                break
            if isinstance(event, Phase) and event.text == "Training":
                started = time.perf_counter()
        real = time.perf_counter() - started
        print(json.dumps({"network": name, "workers": workers, "estimate_s": round(estimate, 2),
                          "real_s": round(real, 2), "fit_s": round(outcome.train_seconds, 2),
                          "ratio": round(estimate / real, 2), "timing_run_s": round(rate.seconds, 3)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

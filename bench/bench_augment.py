"""What the augmentation costs a training step, now that the worker processes do its pixel work (issue #18).

For batch 64 and 128 (``--batch-sizes``) with 2 data-parallel processes (``--workers``) and BLAS single-threaded
(as ``convlens`` trains), ``engine.train.fit``'s real step with the default network, three variants:

* ``off``: augmentation off (the reference);
* ``workers``: augmentation on as ``fit`` does it now: this process draws it (``sample_augmentation``), each
  process augments its own slice before its forward/backward;
* ``main``: augmentation on as before: the whole batch augmented in this process before it is split (forced by
  wrapping ``DataParallel.forward_backward``; the same bits, only the place of the work differs).

Printed per variant: ms per step and the ratio to ``off``, and what this process spends on the augmentation
before a step can be split (sampling; for ``main`` also the pixel work), in ms and as a share of the step -- the
part on the critical path (issue #18: <= 5%) -- and this process's CPU time per step (less sensitive than the
wall clock to other jobs sharing the cores: the work taken off this process shows there even when both cores
are busy anyway). Every figure comes from its own child process, the variants alternating round by round so
that they see the same machine load; medians over the rounds. Random images of MNIST's shape (the augmentation's
cost does not depend on the pixels).

Measured 2026-11-30 on the shared 2-core AMD EPYC, 2 processes, 5 rounds of 20 steps (ms per step, ratio to
``off``, augmentation before the split as % of the step; both variants with the faster sampler, same bits):

    batch, load      off        workers (now)             main (before)
    64, ~1.5         12.9 ms    17.9 ms  1.39x  0.44%     21.2 ms  1.65x  28.8%
    128, ~1.5        23.3 ms    30.4 ms  1.31x  0.24%     36.2 ms  1.56x  34.2%
    64, ~4           18.9 ms    24.7 ms  1.31x  0.24%     23.6 ms  1.25x  18.3%
    128, ~4          35.0 ms    47.3 ms  1.35x  0.13%     43.5 ms  1.24x  20.1%

At load ~4 both cores are busy with other jobs anyway, so moving work between the processes does not shorten the
wall clock (the main process's CPU per step still drops, 14.4 -> 13.0 ms at batch 64).

    python bench/bench_augment.py [--batch-sizes 64 128] [--steps 20] [--rounds 3] [--workers 2]
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

from machine import describe, machine_info  # noqa: E402

from convlens.engine import parallel, train  # noqa: E402
from convlens.engine.model import Sequential  # noqa: E402
from convlens.engine.presets import PRESETS  # noqa: E402

WARMUP_STEPS = 5
VARIANTS = ("off", "workers", "main")


def step_figures(variant: str, batch_size: int, steps: int, workers: int) -> dict[str, float]:
    """Median wall-clock seconds per step of ``fit``, CPU seconds of this process per step, and seconds per step
    this process spends augmenting before the split, for one ``variant`` (see the module docstring); the first
    :data:`WARMUP_STEPS` steps are not counted."""
    rng = np.random.default_rng(0)
    count = batch_size * (steps + WARMUP_STEPS + 1)
    x = rng.random((count, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, count)
    spent: list[float] = []  # seconds of augmentation work before the split, per step
    sample = train.sample_augmentation

    def timed_sample(*args: Any) -> Any:
        t0 = time.perf_counter()
        draws = sample(*args)
        spent.append(time.perf_counter() - t0)
        return draws

    train.sample_augmentation = timed_sample  # type: ignore[assignment]
    if variant == "main":
        step = parallel.DataParallel.forward_backward

        def augment_here(self: Any, xb: np.ndarray, yb: np.ndarray, augment: Any = None) -> tuple[float, int]:
            if augment is not None:
                t0 = time.perf_counter()
                xb = parallel.apply_augmentation(xb, augment, self.augment_config)
                spent[-1] += time.perf_counter() - t0
            return step(self, xb, yb)

        parallel.DataParallel.forward_backward = augment_here  # type: ignore[method-assign]
    model = Sequential.from_config(PRESETS["default"], seed=0)
    config = train.TrainConfig(epochs=1, batch_size=batch_size, augment=variant != "off", workers=workers,
                               report_every=1)
    stamps = [(time.perf_counter(), time.process_time()) for record in train.fit(model, x, y, config)
              if record.kind == "step"]
    wall, cpu = np.diff(np.array(stamps[WARMUP_STEPS:]), axis=0).T
    return {
        "seconds_per_step": float(np.median(wall)),
        "main_cpu_seconds_per_step": float(np.median(cpu)),
        "augment_seconds_before_split": float(np.median(spent[WARMUP_STEPS:])) if spent else 0.0,
    }


def _child(variant: str, batch_size: int, args: argparse.Namespace) -> dict[str, float]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    cmd = [sys.executable, __file__, "--child", variant, "--batch-sizes", str(batch_size), "--steps", str(args.steps),
           "--workers", str(args.workers)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    answer: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return answer


def measure_batch(args: argparse.Namespace, batch_size: int) -> dict[str, dict[str, float]]:
    """Alternating rounds of the variants at ``batch_size``: medians, ratios to ``off`` and shares of the step."""
    runs: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
    for _ in range(args.rounds):
        for variant in VARIANTS:
            runs[variant].append(_child(variant, batch_size, args))
    rows: dict[str, dict[str, float]] = {}
    for variant, values in runs.items():
        step = float(np.median([v["seconds_per_step"] for v in values]))
        before = float(np.median([v["augment_seconds_before_split"] for v in values]))
        cpu = float(np.median([v["main_cpu_seconds_per_step"] for v in values]))
        rows[variant] = {"ms_per_step": step * 1e3, "augment_ms_before_split": before * 1e3,
                         "augment_share_of_step": before / step, "main_cpu_ms_per_step": cpu * 1e3}
    for row in rows.values():
        row["vs_off"] = row["ms_per_step"] / rows["off"]["ms_per_step"]
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the variants")
    parser.add_argument("--workers", type=int, default=2, help="data-parallel processes")
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(step_figures(args.child, args.batch_sizes[0], args.steps, args.workers)))
        return 0
    info = machine_info()
    print(f"machine: {describe(info)}")
    print(f"default architecture, engine.train.fit, {args.workers} processes, 1-thread BLAS; median of {args.rounds} "
          f"alternating rounds of {args.steps} steps, each in its own process")
    result: dict[str, Any] = {"machine": info, "workers": args.workers, "batches": {}}
    labels = {"off": "augmentation off", "workers": "on, in the workers", "main": "on, main process (before)"}
    for batch_size in args.batch_sizes:
        rows = measure_batch(args, batch_size)
        result["batches"][str(batch_size)] = rows
        print(f"\nbatch {batch_size}:")
        print(f"{'':<28}{'ms/step':>9}{'vs off':>8}{'augment ms before the split':>29}{'% of step':>11}"
              f"{'main CPU ms/step':>18}")
        for variant, row in rows.items():
            print(f"{labels[variant]:<28}{row['ms_per_step']:>9.2f}{row['vs_off']:>7.2f}x"
                  f"{row['augment_ms_before_split']:>29.3f}{100 * row['augment_share_of_step']:>10.2f}%"
                  f"{row['main_cpu_ms_per_step']:>18.2f}")
    print("issue #18: the augmentation's share of a step on the critical path <= 5%")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The Train button's budget: `convlens train --quick` with and without the pen-drawn mix-in, side by side.

Bar: >= 99.0% MNIST test accuracy within 60 s on 2 cores, data (and the pen-drawn digits, made once per data hash)
already cached. The reference measured in the same run is the same recipe without the pen-drawn digits
(``--pen-fraction 0``): the drawn-digit benchmark (``bench_drawn.py``'s, on its cached set) shows what they buy.

Usage: ``python bench/bench_quick_train.py [--limit N]`` (N: drawn-benchmark test digits, default all 10,000)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def quick_train(extra: list[str], out: str) -> tuple[float, dict[str, Any]] | None:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "convlens", "train", "--quick", "--json", "--out", out, *extra],
        cwd=out if Path(out).is_dir() else None, capture_output=True, text=True,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        print(proc.stderr[-2000:])
        return None
    return wall, json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="drawn-benchmark test digits (default: all)")
    args = parser.parse_args(argv)
    from convlens.engine.data import TEST_IMAGES, is_cached, load_mnist
    from convlens.engine.loading import load_model
    from convlens.services.benchmark import drawn_figures

    if not is_cached():
        print("MNIST is not cached: run `convlens data fetch` first; skipping")
        return 0
    data = load_mnist(allow_download=False)
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        # A first run makes the pen-drawn digits if they are not cached yet; the timed runs find them.
        warm = quick_train(["--epochs", "1", "--limit", "1000"], str(Path(tmp) / "warm"))
        if warm is None:
            return 1
        for name, extra in (("quick (pen-drawn mix-in)", []), ("quick without pen digits", ["--pen-fraction", "0"])):
            out = str(Path(tmp) / name.split()[0] / str(len(rows)))
            result = quick_train(extra, out)
            if result is None:
                return 1
            wall, summary = result
            model = load_model(summary["onnx"])
            drawn = drawn_figures(model.predict_proba, data.x_test, data.y_test, data.sha256[TEST_IMAGES], args.limit)
            rows[name] = (wall, summary, drawn)
    print(f"{'run':<28}{'wall s':>8}{'train s':>9}{'MNIST %':>9}{'drawn %':>9}{'thick pen %':>13}"
          f"{'ECE %':>7}{'T':>7}")
    for name, (wall, summary, drawn) in rows.items():
        thick = [c["accuracy"] for c in drawn["cells"] if c["width"] == max(x["width"] for x in drawn["cells"])]
        print(f"{name:<28}{wall:>8.1f}{summary['train_seconds']:>9.1f}{100 * summary['test_accuracy']:>9.2f}"
              f"{100 * drawn['all']['accuracy']:>9.2f}{100 * sum(thick) / len(thick):>13.2f}"
              f"{100 * summary['mnist_test_ece']:>7.2f}{summary['temperature']:>7.3f}")
    wall, summary, drawn = rows["quick (pen-drawn mix-in)"]
    _, _, plain = rows["quick without pen digits"]
    met = summary["test_accuracy"] >= 0.99 and wall <= 60
    print(f"budget: {wall / 60:.2f}x of 60 s; accuracy bar 0.9900 -> {'met' if met else 'NOT met'}; drawn digits "
          f"{100 * (drawn['all']['accuracy'] - plain['all']['accuracy']):+.2f} points with the pen-drawn mix-in")
    return 0


if __name__ == "__main__":
    sys.exit(main())

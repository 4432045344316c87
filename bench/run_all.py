"""`make bench`: run every benchmark in this folder, one after the other, each in its own process.

Each benchmark prints its own table with figures as ratios against a reference measured in the same run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["bench_train.py", "bench_augment.py", "bench_inference.py", "bench_live.py", "bench_training_gui.py",
         "bench_class_gui.py", "bench_train_button.py", "bench_quick_train.py", "bench_arch_estimate.py",
         "bench_drawn.py", "bench_explain.py"]


def main() -> int:
    failures = 0
    scripts = [HERE / name for name in ORDER if (HERE / name).is_file()]
    for script in scripts:
        print(f"\n=== {script.name} " + "=" * (60 - len(script.name)), flush=True)
        started = time.perf_counter()
        env = dict(os.environ)
        if script.name in ("bench_training_gui.py", "bench_class_gui.py", "bench_arch_estimate.py"):
            env.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `convlens` runs the app (convlens/__main__.py)
        code = subprocess.call([sys.executable, str(script)], env=env)
        print(f"--- {script.name}: exit {code}, {time.perf_counter() - started:.1f} s", flush=True)
        failures += code != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

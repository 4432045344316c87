"""How fast the Train button answers: seconds from pressing Quick train to the first progress update.

Builds the real training tab (``TrainingPanel`` with its ``TrainingSession``, offscreen) and presses Quick train
(``panel.start_quick()``: the app's quick request, default network) several times, each time until the first
``Progress`` event reaches the GUI thread, then cancels the run. Alternates two ways the press can find the app:

* **no pool**: the run starts its worker processes itself (as every run did before the warm pool);
* **warm pool**: the app has been idle, so ``TrainingSession.warm_up`` started them ahead of time.

The first press (reported with ``--cold``) follows the app's start and idle warm-up: without the warm-up it
decodes MNIST, which the app keeps for the next runs. Issue #18's bar: the first progress update within 1 s of
the press. Also prints when the "Training" phase began (data ready), to show where the rest of the time goes.

Needs the MNIST cache (``convlens data fetch``); the trained models and the pen-drawn digits' cache go to a
temporary folder (``--pen-cache DIR`` keeps the latter between runs: re-drawing 60,000 digits takes a while).

    QT_QPA_PLATFORM=offscreen python bench/bench_train_button.py [--rounds 3] [--pen-cache DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `convlens` runs the app (convlens/__main__.py)

GOAL_SECONDS = 1.0
IDLE_SECONDS = 3.0  # the app's idle delay before it warms the pool (gui.training.session.WARM_POOL_DELAY_MS)


def _wait(app: Any, seconds: float, until: Any = None) -> bool:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        if until is not None and until():
            return True
        time.sleep(0.002)
    return until is None


def press(app: Any, panel: Any) -> dict[str, float]:
    """Press Quick train; seconds to the "Training" phase and to the first progress event; cancel the run."""
    session = panel.session
    marks: dict[str, float] = {}
    progressed = [False]
    finished: list[str] = []

    def on_phase(phase: str) -> None:
        marks.setdefault(phase, time.perf_counter())

    def on_progress(_item: object) -> None:
        if not progressed[0]:
            progressed[0] = True
            marks["progress"] = time.perf_counter()

    session.phaseChanged.connect(on_phase)
    session.progressed.connect(on_progress)
    session.finished.connect(finished.append)
    t0 = time.perf_counter()
    if not panel.start_quick():
        raise RuntimeError(f"cannot start training: {panel.training_blocked_reason()}")
    if not _wait(app, 600.0, until=lambda: progressed[0] or bool(finished)):
        raise RuntimeError("no progress within 600 s")
    panel.cancel()
    _wait(app, 60.0, until=lambda: bool(finished))
    for signal, slot in ((session.phaseChanged, on_phase), (session.progressed, on_progress),
                         (session.finished, finished.append)):
        signal.disconnect(slot)
    if "progress" not in marks:
        raise RuntimeError(f"the run ended before its first progress update: {finished}")
    return {"training_phase": marks.get("Training", float("nan")) - t0, "first_progress": marks["progress"] - t0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pen-cache", type=Path, help="keep the pen-drawn digits' cache here (default: temporary)")
    parser.add_argument("--cold", action="store_true", help="also report the first press (decodes MNIST)")
    args = parser.parse_args(argv)

    from convlens.engine import data as engine_data

    if not engine_data.is_cached():
        print("MNIST is not in the cache (convlens data fetch): nothing to measure", file=sys.stderr)
        return 0
    mnist_dir = Path(os.environ.get(engine_data.CACHE_ENV) or engine_data.default_cache_dir())
    scratch = Path(tempfile.mkdtemp(prefix="convlens-bench-button-"))
    os.environ["CONVLENS_DATA_DIR"] = str(scratch / "data")  # trained models (none is saved: cancelled)
    links = scratch / "mnist"  # read MNIST where it is (links: the loader's marker file is written here) ...
    links.mkdir()
    for path in mnist_dir.iterdir():
        if "idx" in path.name:
            (links / path.name).symlink_to(path)
    os.environ[engine_data.CACHE_ENV] = str(links)
    cache_home = args.pen_cache or scratch / "cache"
    os.environ["XDG_CACHE_HOME"] = str(cache_home)  # ... but write the pen-drawn digits elsewhere

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from convlens.gui.controller import Controller, default_model_path
    from convlens.gui.training import session as session_module
    from convlens.gui.training.panel import TrainingPanel

    if hasattr(session_module, "WARM_POOL_DELAY_MS"):
        session_module.WARM_POOL_DELAY_MS = None  # this bench decides when the pool warms
    model_path = default_model_path()
    assert model_path is not None
    panel = TrainingPanel(Controller(model_path))
    has_pool = hasattr(panel.session, "warm_up")
    results: dict[str, list[dict[str, float]]] = {"no pool": [], "warm pool": []} if has_pool else {"no pool": []}
    try:
        if has_pool:
            panel.session.warm_up()  # the app's idle warm-up: worker processes, MNIST decoded in a thread
        _wait(app, IDLE_SECONDS)
        # MNIST decoded now unless the warm-up did it (the pen digits are re-drawn when their cache is empty)
        first = press(app, panel)
        cold = {**first}
        for _ in range(args.rounds):
            for mode in results:
                if mode == "warm pool":
                    panel.session.warm_up()
                elif has_pool and panel.session.pool is not None:
                    panel.session.pool.close()  # the run starts its processes itself
                    panel.session.pool = None
                _wait(app, IDLE_SECONDS)  # the app idles a while before the press
                results[mode].append(press(app, panel))
    finally:
        panel.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)

    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    summary = {
        mode: {key: median([r[key] for r in runs]) for key in ("training_phase", "first_progress")}
        for mode, runs in results.items()
    }
    print(f"Quick train pressed -> first progress update, median of {args.rounds} presses (MNIST decoded, "
          f"{os.cpu_count()} cores); goal <= {GOAL_SECONDS:.1f} s")
    print(f"{'':12}{'Training phase s':>18}{'first progress s':>18}")
    if args.cold:
        print(f"{'first press':12}{cold['training_phase']:>18.2f}{cold['first_progress']:>18.2f}")
    for mode, figures in summary.items():
        print(f"{mode:12}{figures['training_phase']:>18.2f}{figures['first_progress']:>18.2f}")
    if not has_pool:
        print("(this version has no warm pool)")
    print(json.dumps({"benchmark": "train_button", "summary": summary, "presses": results, "first_press": cold,
                      "goal_seconds": GOAL_SECONDS}))
    best = summary.get("warm pool", summary["no pool"])["first_progress"]
    return 0 if best <= GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())

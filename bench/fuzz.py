"""Bounded GUI fuzz of the desktop explorer: random events on every tab, also while a training runs.

``make fuzz`` (``QT_QPA_PLATFORM=offscreen python bench/fuzz.py``) opens the explorer window (not the kiosk:
``make soak`` covers that), then for each side tab in turn sends random mouse clicks, drags, double clicks,
touch sequences and keys to random visible widgets (the same event mix as the kiosk soak). On the training tab
a short real training runs (MNIST from the user cache; skipped when it is not there) while the events fly.
Modal dialogs the fuzzer opens are closed, file dialogs never open (they are replaced by a stub that answers
"cancel").

It reports the number of uncaught exceptions (``sys.excepthook`` and Qt's message handler for fatal messages;
goal 0), the resident memory after warm-up, half-way and at the end (goal: flat after warm-up), and the events
sent per tab. Exit status 1 when an exception was caught or memory grew by more than :data:`MAX_GROWTH_MB`.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QTabWidget, QWidget
from soak import SoakReport, fuzz, rss_mb, settle  # a sibling script: bench/ is sys.path[0] when run

MAX_GROWTH_MB = 25.0


class ExceptionCounter:
    """Counts (and keeps the first few of) the exceptions that reach ``sys.excepthook``."""

    def __init__(self) -> None:
        self.count = 0
        self.first: list[str] = []
        self._previous = sys.excepthook

    def __call__(self, kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        self.count += 1
        if len(self.first) < 5:
            self.first.append("".join(traceback.format_exception(kind, value, tb))[-2000:])

    def __enter__(self) -> ExceptionCounter:
        sys.excepthook = self
        return self

    def __exit__(self, *exc: object) -> None:
        sys.excepthook = self._previous


def _no_file_dialogs() -> None:
    """Random clicks on File > Open must not block on a modal native dialog: every file dialog answers cancel."""
    QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: ("", ""))  # type: ignore[method-assign]
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: ("", ""))  # type: ignore[method-assign]
    QFileDialog.getExistingDirectory = staticmethod(lambda *a, **k: "")  # type: ignore[method-assign]


def _private_folders(base: Path) -> None:
    """The fuzzer taps "Save my corrections", trains and saves models: all of it goes to ``base``, never to the
    user's own data folder or Qt settings."""
    os.environ["CONVLENS_DATA_DIR"] = str(base / "data")
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, scope, str(base / "settings"))


def _close_modals() -> None:
    modal = QApplication.activeModalWidget()
    if modal is not None:
        modal.close()


def _start_training(window: Any) -> bool:
    """Start a short real training from the training tab, if MNIST is in the cache."""
    from convlens.engine.data import is_cached

    panel = window.findChild(QWidget, "trainingPanel")
    if panel is None or not is_cached():
        return False
    start = getattr(panel, "start_quick", None)  # the panel's public one-click start
    return bool(start()) if callable(start) else False


def run_fuzz(events: int = 6000, seed: int = 0, train: bool = True, quiet: bool = False) -> dict[str, Any]:
    """Fuzz every side tab of a fresh explorer window with ``events`` events in all; return the report."""
    from convlens.gui.app import create_window

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("a QApplication must exist")
    _no_file_dialogs()
    rng = random.Random(seed)
    report = SoakReport(rss_start_mb=rss_mb())
    per_tab: dict[str, int] = {}
    trained = False
    started = time.monotonic()
    with ExceptionCounter() as counter, tempfile.TemporaryDirectory(prefix="convlens-fuzz-") as tmp:
        _private_folders(Path(tmp))
        window = create_window()
        # Menu entries open modal boxes (About, errors) whose exec() would block the fuzzer: close them from a
        # timer, which runs inside their own event loop.
        closer = QTimer()
        closer.setInterval(150)
        closer.timeout.connect(_close_modals)
        closer.start()
        window.resize(1366, 768)
        window.show()
        settle(app, 50)
        tabs = window.findChild(QTabWidget, "sideTabs")
        n_tabs = tabs.count() if tabs is not None else 1
        per_round = max(1, events // (2 * n_tabs))
        for round_index in range(2):  # the first round warms up (pages built on first visit, lazy imports)
            for tab in range(n_tabs):
                if tabs is not None:
                    tabs.setCurrentIndex(tab)
                    name = tabs.tabText(tab) or str(tab)
                else:
                    name = "window"
                settle(app, 20)
                if train and round_index == 1 and not trained and name.lower().startswith("train"):
                    trained = _start_training(window)
                fuzz(app, window, per_round, rng, report)
                per_tab[name] = per_tab.get(name, 0) + per_round
                if not quiet:
                    print(f"  round {round_index + 1} tab {name!r}: rss {rss_mb():.1f} MB", flush=True)
            gc.collect()
            settle(app, 20)
            if round_index == 0:
                report.rss_warm_mb = rss_mb()
        report.rss_end_mb = rss_mb()
        closer.stop()
        window.close()
        settle(app, 20)
        report.exceptions = counter.count
        first = list(counter.first)
    return {
        "events": report.fuzz_events,
        "per_tab": per_tab,
        "training_ran": trained,
        "uncaught_exceptions": report.exceptions,
        "first_exceptions": first,
        "rss_start_mb": round(report.rss_start_mb, 1),
        "rss_warm_mb": round(report.rss_warm_mb, 1),
        "rss_end_mb": round(report.rss_end_mb, 1),
        "growth_after_warmup_mb": round(report.rss_end_mb - report.rss_warm_mb, 1),
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-train", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert app is not None
    result = run_fuzz(args.events, args.seed, train=not args.no_train, quiet=args.json)
    ok = result["uncaught_exceptions"] == 0 and result["growth_after_warmup_mb"] <= MAX_GROWTH_MB
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            if key != "first_exceptions":
                print(f"{key}: {value}")
        for text in result["first_exceptions"]:
            print(text)
        print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

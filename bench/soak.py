"""Kiosk soak and fuzz: an accelerated day of visitors, then random input, on one kiosk window.

``make soak`` (``QT_QPA_PLATFORM=offscreen python bench/soak.py``) runs the long version: thousands of
strokes drawn with real mouse events, undos and clears, idle timeouts with the attract loop playing,
optional trainings, then 10,000 random mouse, touch and key events on the kiosk window.  It reports the
resident memory growth (goal < 20 MB after warm-up), the number of unhandled exceptions (goal 0), the
QObjects alive in the window before and after (a leak shows as a growing count), and checks that the
window is still full-screen, frameless and responsive.  ``tests/gui/test_kiosk_soak.py`` runs the same
functions with short settings.

Time is accelerated: the idle timeout is a few tens of milliseconds and the attract loop draws a whole
digit in a few event-loop turns, so one idle/attract cycle costs milliseconds instead of minutes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QPointingDevice
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

__all__ = [
    "FUZZ_KEYS",
    "NOT_FUZZED",
    "SoakReport",
    "fuzz",
    "open_kiosk",
    "qobject_count",
    "rss_mb",
    "run_soak",
    "trainer",
    "visitors",
    "window_ok",
]

MAX_GROWTH_MB = 20.0


def rss_mb() -> float:
    """Resident memory of this process in MB (``/proc/self/statm``; peak RSS where that is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quiet_rss_mb(app: QApplication, window: Any, timeout_s: float = 60.0) -> float:
    """:func:`rss_mb` once the window's background work is over (a filter-picture or nudge job, a saliency map):
    memory a job in flight holds for a moment is not growth."""
    deadline = time.monotonic() + timeout_s
    why = getattr(window, "why", None)
    while why is not None and why.working() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()
    gc.collect()
    return rss_mb()


def qobject_count(window: QObject) -> int:
    """QObjects in the window's tree (a number that keeps growing means objects are leaked).

    Objects already handed to ``deleteLater`` are deleted first: they are not leaks, and whether one is still
    waiting depends on timing (a relayout of the main window leaves a finished zero-length geometry animation
    behind until the next event loop runs; ``processEvents`` alone never deletes it).
    """
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return len(window.findChildren(QObject))


def settle(app: QApplication, ms: float) -> None:
    """Run the event loop for ``ms`` milliseconds."""
    end = time.monotonic() + ms / 1000.0
    while time.monotonic() < end:
        app.processEvents()
    app.processEvents()


@dataclass
class SoakReport:
    """What a soak run did and found (all counts are totals)."""

    visitors: int = 0
    strokes: int = 0
    clears: int = 0
    undos: int = 0
    attract_cycles: int = 0
    attract_digits: int = 0
    trainings: int = 0
    fuzz_events: int = 0
    exceptions: int = 0
    rss_start_mb: float = 0.0
    rss_warm_mb: float = 0.0
    rss_mid_mb: float = 0.0
    rss_end_mb: float = 0.0
    qobjects_warm: int = 0
    qobjects_end: int = 0
    seconds: float = 0.0
    window_ok: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def growth_mb(self) -> float:
        """Resident memory growth after warm-up."""
        return self.rss_end_mb - self.rss_warm_mb

    @property
    def late_growth_mb(self) -> float:
        """Growth over the second half (half the day and the fuzz): a leak keeps growing, a cache does not."""
        return self.rss_end_mb - self.rss_mid_mb

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["growth_mb"] = round(self.growth_mb, 2)
        out["late_growth_mb"] = round(self.late_growth_mb, 2)
        return out


def open_kiosk(
    app: QApplication,
    log_dir: Path,
    allow_training: bool = False,
    idle_timeout_s: float = 0.03,
    data_base: Path | None = None,
) -> tuple[Any, Any]:
    """The real kiosk window (``create_window(kiosk=True, config_path=...)``: training tab, correction
    bar, kiosk controller), re-set-up with accelerated idle and attract settings and an unguessable PIN,
    and shown.

    The user data directory (trained models, the default log) is whatever ``$CONVLENS_DATA_DIR`` says;
    :func:`run_soak` points it at a temporary directory.

    Returns
    -------
    (window, KioskController)
    """
    from convlens.gui.app import create_window
    from convlens.gui.kiosk import KioskConfig, hash_pin, setup_kiosk

    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    # An unguessable 12-digit PIN: random digits followed by Enter must never open the exit.
    pin_hash = hash_pin("".join(random.Random(7).choice("0123456789") for _ in range(12)), iterations=1000)
    config_file = log_dir / "kiosk.toml"
    config_file.write_text(
        f'allow_training = {str(allow_training).lower()}\nhide_cursor = "never"\nadmin_hold_s = 60\n'
        f'pin_hash = "{pin_hash}"\n',
        encoding="utf-8",
    )
    window = create_window(kiosk=True, config_path=config_file)
    if allow_training and window.findChild(QWidget, "trainingPanel") is None:
        from convlens.gui.training import install_training

        install_training(window, allow_training=True, data_base=data_base)
    config = KioskConfig(
        idle_timeout_s=idle_timeout_s,
        allow_training=allow_training,
        hide_cursor="never",
        admin_hold_s=60.0,  # random presses must not open the PIN pad through the corner
        pin_hash=pin_hash,
    )
    controller = setup_kiosk(
        window,
        config=config,
        log_dir=log_dir,
        attract_options={"tick_ms": 0, "points_per_tick": 40, "hold_ms": 1},
    )
    window.show()
    settle(app, 50)
    return window, controller


def close_kiosk(window: Any, controller: Any) -> None:
    """Stop any training, give back what the kiosk took (cursor, style, hooks) and close the window."""
    for panel in window.findChildren(QWidget, "trainingPanel"):
        panel.shutdown()
    controller.shutdown()
    window.close()
    window.deleteLater()


def window_ok(app: QApplication, window: Any, controller: Any) -> list[str]:
    """Problems with the kiosk window: not visible, not full-screen, framed, or not responding."""
    problems: list[str] = []
    settle(app, 20)
    if not window.isVisible():
        problems.append("window not visible")
    if not window.windowState() & Qt.WindowState.WindowFullScreen:
        problems.append("window not full-screen")
    screen = window.screen()
    if screen is not None and window.geometry() != screen.geometry():
        problems.append(f"window {window.geometry()} does not cover the screen {screen.geometry()}")
    if not window.windowFlags() & Qt.WindowType.FramelessWindowHint:
        problems.append("window has a frame")
    if not controller.active:
        problems.append("kiosk controller no longer active")
    ticked: list[bool] = []
    QTimer.singleShot(0, lambda: ticked.append(True))
    settle(app, 20)
    if not ticked:
        problems.append("event loop not responding")
    dialog = controller.pin_dialog
    if dialog is not None and dialog.isVisible():
        dialog.reject()
    controller.attract.stop()
    window.canvas.clear()
    window.canvas.draw_strokes_programmatically([[(0.5, 0.2), (0.5, 0.5), (0.5, 0.8)]])
    window.canvas.flush()
    settle(app, 10)
    if window.last_prediction()[0] < 0 and window.controller.model is not None:
        problems.append("the live pipeline did not answer a drawn stroke")
    window.canvas.clear()
    return problems


def _draw_stroke(canvas: Any, points: list[tuple[float, float]]) -> None:
    def at(x: float, y: float) -> QPoint:
        return canvas.normalised_to_widget(x, y).toPoint()

    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*points[0]))
    for x, y in points[1:]:
        QTest.mouseMove(canvas, at(x, y))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*points[-1]))


def visitors(
    app: QApplication,
    window: Any,
    controller: Any,
    n: int,
    rng: random.Random,
    report: SoakReport,
    trainings: int = 0,
    train: Callable[[], bool] | None = None,
) -> None:
    """``n`` visitors: each draws 1-4 strokes (sample digits, jittered) with real mouse events, sometimes
    undoes or clears, and sometimes walks away so the idle timeout fires and the attract loop plays."""
    from convlens.gui.kiosk.idle import load_sample_strokes

    samples = load_sample_strokes()
    train_at = set(rng.sample(range(n), min(trainings, n))) if train is not None else set()
    for visitor in range(n):
        report.visitors += 1
        digit, strokes = samples[rng.randrange(len(samples))]
        dx, dy = rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05)
        for stroke in strokes[: rng.randint(1, 4)]:
            step = rng.randint(3, 8)
            pts = [(min(0.98, max(0.02, x + dx)), min(0.98, max(0.02, y + dy))) for x, y in stroke[::step]]
            _draw_stroke(window.canvas, pts or stroke[:1])
            report.strokes += 1
            app.processEvents()
        roll = rng.random()
        if roll < 0.25:
            QTest.mouseClick(window.undoButton, Qt.MouseButton.LeftButton)
            report.undos += 1
        elif roll < 0.7:
            QTest.mouseClick(window.clearButton, Qt.MouseButton.LeftButton)
            report.clears += 1
        if visitor in train_at and train is not None:
            if train():
                report.trainings += 1
        if rng.random() < 0.3:  # the visitor leaves: idle timeout, attract loop
            before = controller.attract.digits_drawn
            deadline = time.monotonic() + 2.0
            while controller.attract.digits_drawn < before + 2 and time.monotonic() < deadline:
                app.processEvents()
            if controller.attract.digits_drawn > before:
                report.attract_cycles += 1
            report.attract_digits += controller.attract.digits_drawn - before
        app.processEvents()


FUZZ_KEYS: list[tuple[int, Any]] = [
    (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
    (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
    (Qt.Key.Key_F11, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier),
    (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Backspace, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Alt, Qt.KeyboardModifier.AltModifier),
    (Qt.Key.Key_Menu, Qt.KeyboardModifier.NoModifier),
    (
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.AltModifier
        | Qt.KeyboardModifier.ShiftModifier,
    ),
    *[(Qt.Key.Key_0 + d, Qt.KeyboardModifier.NoModifier) for d in range(10)],
    *[(Qt.Key.Key_A + d, Qt.KeyboardModifier.NoModifier) for d in range(26)],
]
"""Keys the fuzzer presses: every exit and file shortcut, the admin chord, digits and letters."""


NOT_FUZZED = frozenset({"quickTrainButton", "startTrainingButton", "downloadButton"})
"""Buttons the fuzzer leaves alone: a full MNIST training (trainings of the day go through :func:`trainer`,
so memory is compared like for like) and the MNIST download (no network in a soak)."""


def _target(window: Any, rng: random.Random) -> tuple[QWidget, QPoint]:
    """A random visible widget of the window (or the PIN pad when it is open) and a point inside it."""
    top = QApplication.activeModalWidget() or window
    widgets = [
        w
        for w in top.findChildren(QWidget)
        if w.isVisible() and w.width() > 0 and w.height() > 0 and w.objectName() not in NOT_FUZZED
    ]
    buttons = [w for w in widgets if isinstance(w, QAbstractButton)]
    pool = buttons if buttons and rng.random() < 0.35 else widgets or [top]
    widget = pool[rng.randrange(len(pool))]
    return widget, QPoint(rng.randrange(max(1, widget.width())), rng.randrange(max(1, widget.height())))


def fuzz(app: QApplication, window: Any, n: int, rng: random.Random, report: SoakReport) -> None:
    """``n`` random mouse (clicks, drags, right/middle clicks, double clicks), touch and key events on
    random widgets of the kiosk window (except :data:`NOT_FUZZED`).  Should a training start anyway
    (Enter or Space on a focused Train button), it is cancelled at once."""
    device = QTest.createTouchDevice(QPointingDevice.DeviceType.TouchScreen)
    panel = window.findChild(QWidget, "trainingPanel")
    buttons = [Qt.MouseButton.LeftButton] * 6 + [Qt.MouseButton.RightButton, Qt.MouseButton.MiddleButton]
    for i in range(n):
        kind = rng.random()
        widget, pos = _target(window, rng)
        if kind < 0.3:
            QTest.mouseClick(widget, rng.choice(buttons), Qt.KeyboardModifier.NoModifier, pos)
        elif kind < 0.45:
            button = rng.choice(buttons)
            QTest.mousePress(widget, button, Qt.KeyboardModifier.NoModifier, pos)
            for _ in range(rng.randint(1, 6)):
                pos = QPoint(rng.randrange(max(1, widget.width())), rng.randrange(max(1, widget.height())))
                QTest.mouseMove(widget, pos)
            QTest.mouseRelease(widget, button, Qt.KeyboardModifier.NoModifier, pos)
        elif kind < 0.5:
            QTest.mouseDClick(widget, rng.choice(buttons), Qt.KeyboardModifier.NoModifier, pos)
        elif kind < 0.7:
            target = widget.window()
            global_pos = widget.mapTo(target, pos)
            seq = QTest.touchEvent(target, device)
            seq.press(0, global_pos, target).commit()
            for _ in range(rng.randint(0, 5)):
                global_pos = QPoint(
                    rng.randrange(max(1, target.width())), rng.randrange(max(1, target.height()))
                )
                QTest.touchEvent(target, device).move(0, global_pos, target).commit()
            QTest.touchEvent(target, device).release(0, global_pos, target).commit()
        else:
            key, mods = FUZZ_KEYS[rng.randrange(len(FUZZ_KEYS))]
            target = QApplication.focusWidget() or QApplication.activeModalWidget() or window
            QTest.keyClick(target, Qt.Key(key), mods)
        report.fuzz_events += 1
        if panel is not None and getattr(panel, "is_running", False):
            panel.cancel()  # a random tap on Train: exercise start and cancel, not a minute-long run
        if i % 20 == 0:
            app.processEvents()
            # Close anything modal the fuzzer opened that is not the PIN pad (e.g. a message box).
            modal = QApplication.activeModalWidget()
            if modal is not None and modal is not controller_pin(window):
                modal.close()
    app.processEvents()


def controller_pin(window: Any) -> QWidget | None:
    """The kiosk's PIN pad, if it was created."""
    return window.findChild(QWidget, "pinDialog")


def run_soak(
    visitors_n: int = 3000,
    fuzz_n: int = 10_000,
    trainings: int = 0,
    seed: int = 0,
    log_dir: Path | None = None,
    warmup: int = 50,
    quiet: bool = False,
) -> SoakReport:
    """The whole soak on a fresh kiosk window (a QApplication must exist).

    Parameters
    ----------
    visitors_n : int
        Simulated visitors (each 1-4 strokes).
    fuzz_n : int
        Random input events afterwards.
    trainings : int
        Short trainings spread over the day (needs MNIST in the cache; skipped otherwise).
    seed : int
    log_dir : Path, optional
        Kiosk log directory (default: a temporary directory).
    warmup : int
        Visitors before the memory baseline is taken (caches, lazy imports, first allocations).
    quiet : bool
        No progress lines.
    """
    import tempfile

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("a QApplication must exist")
    rng = random.Random(seed)
    report = SoakReport(rss_start_mb=rss_mb())
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="convlens-soak-") as tmp:
        base = Path(tmp)
        saved_env = os.environ.get("CONVLENS_DATA_DIR")
        os.environ["CONVLENS_DATA_DIR"] = str(base / "data")
        window, controller = open_kiosk(
            app, log_dir or base / "logs", allow_training=trainings > 0, data_base=base / "data"
        )
        try:
            train = trainer(window, app) if trainings > 0 else None
            # Warm-up: the first visitors, the first training (MNIST is loaded once and kept) and a short
            # fuzz (pages built on first visit, the PIN pad); memory is measured from here on.
            first = min(warmup, visitors_n)
            visitors(app, window, controller, first, rng, report, int(train is not None), train)
            warm_fuzz = min(fuzz_n, max(100, fuzz_n // 20))
            fuzz(app, window, warm_fuzz, rng, report)
            gc.collect()
            settle(app, 20)
            report.rss_warm_mb = quiet_rss_mb(app, window)
            report.qobjects_warm = qobject_count(window)
            done = report.visitors
            chunks = 10
            later = max(0, trainings - 1) if report.trainings else 0
            train_chunks = {int((i + 1) * chunks / (later + 1)) for i in range(later)}
            size = max(1, -(-(visitors_n - done) // chunks))
            for index in range(chunks):
                step = min(size, visitors_n - done)
                if step <= 0:
                    break
                n_train = int(index in train_chunks)
                visitors(app, window, controller, step, rng, report, n_train, train if n_train else None)
                done += step
                if index == chunks // 2 - 1:
                    gc.collect()
                    report.rss_mid_mb = quiet_rss_mb(app, window)
                if not quiet:
                    print(
                        f"  visitors {done}/{visitors_n}  strokes {report.strokes}  rss {rss_mb():.1f} MB",
                        flush=True,
                    )
            fuzz(app, window, fuzz_n - warm_fuzz, rng, report)
            _wait_for_training(app, window)
            report.problems = window_ok(app, window, controller)
            report.window_ok = not report.problems
            gc.collect()
            settle(app, 20)
            report.rss_end_mb = quiet_rss_mb(app, window)
            report.qobjects_end = qobject_count(window)
            report.exceptions = controller.crash_guard.exception_count
        finally:
            close_kiosk(window, controller)
            settle(app, 10)
            if saved_env is None:
                os.environ.pop("CONVLENS_DATA_DIR", None)
            else:
                os.environ["CONVLENS_DATA_DIR"] = saved_env
    report.seconds = time.monotonic() - t0
    return report


def _wait_for_training(app: QApplication, window: Any, timeout_s: float = 60.0) -> None:
    """Let a cancelled training run wind down."""
    panel = window.findChild(QWidget, "trainingPanel")
    deadline = time.monotonic() + timeout_s
    while panel is not None and getattr(panel, "is_running", False) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)


def trainer(window: Any, app: QApplication, request: Any = None) -> Callable[[], bool]:
    """A function that runs one short training in the window's training tab to the end, without saving.

    ``request`` is a ``convlens.services.training.TrainingRequest`` (default: the app's quick request cut to one
    epoch on 2,000 images); the function returns False if training cannot start here (no tab, no MNIST).
    """
    from convlens.gui.training.form import app_request
    from convlens.services.recipes import QUICK

    panel = window.findChild(QWidget, "trainingPanel")
    if request is None:
        request = app_request(
            QUICK.with_overrides(epochs=1), train_size=2000, validation_size=200, test_limit=500
        )

    def train() -> bool:
        if panel is None or panel.training_blocked_reason() is not None:
            return False
        if not panel.start(request, save=False):
            return False
        deadline = time.monotonic() + 300
        while panel.is_running and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.005)
        return not panel.is_running

    return train


def main(argv: list[str] | None = None) -> int:
    """``python bench/soak.py [--visitors N] [--events N] [--trainings N] [--json]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=3000, help="simulated visitors (1-4 strokes each)")
    parser.add_argument("--events", type=int, default=10_000, help="random input events after the visitors")
    parser.add_argument("--trainings", type=int, default=1, help="short trainings (need MNIST in the cache)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    trainings = args.trainings
    if trainings:
        from convlens.engine import data

        if not data.is_cached():
            print("MNIST is not in the cache: trainings skipped (run `make data`)", file=sys.stderr)
            trainings = 0
    report = run_soak(args.visitors, args.events, trainings, args.seed, quiet=args.json)
    ok = report.window_ok and report.exceptions == 0 and report.growth_mb < MAX_GROWTH_MB
    if args.json:
        print(json.dumps({**report.as_dict(), "ok": ok}, indent=2))
    else:
        r = report
        print(
            f"{r.visitors} visitors, {r.strokes} strokes, {r.clears} clears, {r.undos} undos, "
            f"{r.attract_cycles} idle/attract cycles ({r.attract_digits} sample digits), "
            f"{r.trainings} trainings, {r.fuzz_events} random events in {r.seconds:.0f} s"
        )
        print(
            f"resident memory {r.rss_start_mb:.1f} MB at start, {r.rss_warm_mb:.1f} MB after warm-up, "
            f"{r.rss_end_mb:.1f} MB at the end: growth {r.growth_mb:+.1f} MB (goal < {MAX_GROWTH_MB:g}), "
            f"{r.late_growth_mb:+.1f} MB in the second half"
        )
        print(f"QObjects in the window: {r.qobjects_warm} after warm-up, {r.qobjects_end} at the end")
        print(f"unhandled exceptions: {r.exceptions}; window: {'ok' if r.window_ok else r.problems}")
        print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Live-explorer latency: pen move -> preprocessing -> inference -> every panel repainted, offscreen.

Replays a long sequence of real mouse moves (the sample digits, stroke after stroke) on the explorer
window's canvas.  One timed step is: a ``QTest.mouseMove`` on the canvas, the event loop turn that
delivers the coalesced image to the controller (preprocessing + one inference returning every
intermediate map) and updates the panels, then a synchronous ``repaint()`` of every live widget
(canvas, network input, feature maps, probabilities).  Reports p50/p99 wall-clock and thread-CPU
time (CPU time excludes time lost to other processes on a shared machine) for the default view and
for the busiest one (conv maps and preprocessing steps shown), in presenter mode (larger type, thicker lines),
with the "Where it looks" saliency overlay on (occlusion through onnxruntime, and the gradient method through
the NumPy engine; computed on a worker thread at a lower rate, so the pen's thread only paints the last map;
the row also counts the maps that arrived), and the cold start to a drawable
window measured in a fresh process.  Goal: p99 <= 16 ms (one 60 Hz frame); cold start <= 1.5 s.

Usage: ``QT_QPA_PLATFORM=offscreen python bench/bench_live.py [--moves 1500] [--model PATH]``
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

P99_GOAL_MS = 16.0
COLD_START_GOAL_S = 1.5

_COLD_START_CHILD = """
import sys, time
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from convlens.gui.app import create_window
w = create_window(None if len(sys.argv) < 2 else sys.argv[1])
w.show()
app.processEvents()
print("READY", flush=True)
"""


def stroke_points(step_px: float, side: float) -> list[list[tuple[float, float]]]:
    """The sample digits' strokes resampled every ``step_px`` canvas pixels (normalised points)."""
    from convlens.gui.render import SAMPLE_STROKES

    strokes = []
    for digit_strokes in SAMPLE_STROKES.values():
        for stroke in digit_strokes:
            pts = np.asarray(stroke, dtype=np.float64)
            seg = np.hypot(*np.diff(pts, axis=0).T) * side
            dist = np.concatenate([[0.0], np.cumsum(seg)])
            t = np.arange(0.0, dist[-1] + 1e-9, step_px)
            strokes.append(list(zip(np.interp(t, dist, pts[:, 0]), np.interp(t, dist, pts[:, 1]), strict=True)))
        strokes.append([])  # marks "clear the canvas" between digits
    return strokes


def replay(window, moves: int) -> tuple[np.ndarray, np.ndarray, int]:  # noqa: ANN001 - Qt objects
    """Time ``moves`` pen moves; returns (wall ms, CPU ms, number of predictions emitted)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    canvas = window.canvas
    live = [
        canvas,
        window.why.overlay,
        window.networkInputPanel,
        window.featureMapsPanel,
        window.probabilitiesPanel,
    ]
    predictions = [0]
    window.predictionChanged.connect(lambda d, p: predictions.__setitem__(0, predictions[0] + 1))
    strokes = stroke_points(3.0, canvas.drawing_rect().width())
    wall = np.empty(moves)
    cpu = np.empty(moves)
    done = 0
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    gc.collect()
    while done < moves:
        for stroke in strokes:
            if not stroke:
                canvas.clear()
                app.processEvents()
                continue
            first = canvas.normalised_to_widget(*stroke[0]).toPoint()
            QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, first)
            app.processEvents()
            for x, y in stroke[1:]:
                if done >= moves:
                    break
                p = canvas.normalised_to_widget(x, y).toPoint()
                c0, t0 = cpu_clock(), clock()
                QTest.mouseMove(canvas, p)
                app.processEvents()
                canvas.flush()  # in case the 0 ms timer had not fired within this loop turn
                for widget in live:
                    widget.repaint()
                t1, c1 = clock(), cpu_clock()
                wall[done], cpu[done] = (t1 - t0) / 1e6, (c1 - c0) / 1e6
                done += 1
            QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, first)
            app.processEvents()
            if done >= moves:
                break
    return wall, cpu, predictions[0]


def cold_start(model: str | None, runs: int = 3) -> list[float]:
    """Seconds from process start to a shown, drawable window, in fresh processes."""
    times = []
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = [sys.executable, "-c", _COLD_START_CHILD] + ([model] if model else [])
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - t0
        proc.wait(timeout=30)
        if line.strip() != "READY":
            raise RuntimeError("the cold-start child did not open a window")
        times.append(elapsed)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=1500, help="timed pen moves per configuration")
    parser.add_argument("--model", default=None, help="model file (default: models/default.onnx or .npz)")
    parser.add_argument("--size", default="1600x1000", help="window size WxH")
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    from convlens.gui.app import create_window

    width, height = (int(v) for v in args.size.split("x"))
    window = create_window(args.model)
    window.resize(width, height)
    window.show()
    app.processEvents()
    info = window.controller.current_model_info()

    why = window.why
    maps = [0]
    why.saliencyReady.connect(lambda *_: maps.__setitem__(0, maps[0] + 1))
    configurations = (
        # label, conv maps, preprocessing steps, presenter mode, overlay method (None: off)
        ("default view", False, False, False, None),
        ("conv maps + steps", True, True, False, None),
        ("presenter mode", False, False, True, None),
        ("overlay occlusion", False, False, False, "occlusion"),
        ("overlay gradient", False, False, False, "gradient"),
        ("presenter+overlay", False, False, True, "occlusion"),
    )
    rows = []
    for label, conv, steps, presenter, method in configurations:
        window.featureMapsPanel.set_show_conv(conv)
        window.networkInputPanel.set_show_steps(steps)
        window.set_presenter(presenter)
        if method is not None:
            why.saliencyMethod.setCurrentIndex(why.saliencyMethod.findData(method))
        why.saliencyToggle.setChecked(method is not None)
        app.processEvents()
        replay(window, 100)  # warm-up
        maps[0] = 0
        wall, cpu, emitted = replay(window, args.moves)
        rows.append((label, wall, cpu, emitted, maps[0] if method else None))
    why.saliencyToggle.setChecked(False)
    window.close()

    cold = cold_start(args.model)

    print(f"live explorer, {width}x{height} offscreen, model {info.label}, {args.moves} pen moves per row")
    print(f"{'configuration':<20}{'wall p50':>10}{'wall p99':>10}{'cpu p50':>10}{'cpu p99':>10}{'updates':>9}"
          f"{'maps':>7}")
    ok = True
    for label, wall, cpu, emitted, overlays in rows:
        p50, p99 = np.percentile(wall, [50, 99])
        c50, c99 = np.percentile(cpu, [50, 99])
        shown = "-" if overlays is None else str(overlays)
        print(f"{label:<20}{p50:>8.2f}ms{p99:>8.2f}ms{c50:>8.2f}ms{c99:>8.2f}ms{emitted:>9}{shown:>7}")
        ok &= bool(c99 <= P99_GOAL_MS)
    print(f"goal: p99 <= {P99_GOAL_MS:.0f} ms per pen move (CPU time; wall time also counts other processes)")
    best = min(cold)
    print(f"cold start to a drawable window: best {best:.2f} s, runs " + ", ".join(f"{t:.2f}" for t in cold)
          + f" (goal <= {COLD_START_GOAL_S} s)")
    ok &= best <= COLD_START_GOAL_S
    print("PASS" if ok else "MISSED A GOAL")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The app on a real X display, driven as a person would: Xvfb + a window manager, strokes with xdotool.

``widget.grab()`` repaints the whole widget, so it hides what only the screen shows (a hint left behind the
drawing, a canvas that changes size under the pen). This script looks at the X server's own framebuffer
(``import -window root``) instead:

* explorer and kiosk, 1024x700, 1366x768 and 1920x1080, English and German: the window is shown under openbox,
  xdotool draws a digit (press, moves every few pixels, release), Clear, draws a 1;
* **canvas on screen = canvas as painted**: the canvas's area of the root screenshot is compared with a fresh
  ``grab()`` of the canvas; any pixel that differs by more than a little (a stale hint, a stroke drawn at the
  old size) is a fault;
* **the canvas keeps its size while the pen is down** (sampled every 5 ms during the first stroke);
* **the Class tab** (explorer): the pupil draws the digit asked for on the tab's own canvas with xdotool and
  presses Save with a click; the drawing must be stored (one drawing, with the asked-for label), the canvas
  on screen must match its fresh paint, and the tab and the training tab's advanced view (the architecture
  editor) are photographed;
* **kiosk self-healing**: Super+D (openbox's "show desktop") hides every window; the kiosk must be back, full
  screen and on top, within two seconds.

Writes the screenshots to ``out/real_display/`` (look at them) and prints one line per run; exit status 1 on any
fault. Needs ``Xvfb``, ``openbox``, ``xdotool`` and ImageMagick's ``import``.

Usage: ``python bench/real_display.py [--out DIR] [--only explorer|kiosk] [--sizes 1024x700,...] [--lang en,de]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

TOOLS = ("Xvfb", "openbox", "xdotool", "import")
STROKES_4 = [[(0.55, 0.15), (0.25, 0.6), (0.75, 0.6)], [(0.6, 0.35), (0.58, 0.9)]]
STROKE_1 = [[(0.5, 0.15), (0.5, 0.88)]]
TOLERANCE = 48  # per channel: antialiasing and the text cursor differ a little, a stale hint or stroke a lot
MAX_DIFFERENT_PIXELS = 40


def _free_display(start: int) -> int:
    """The first X display number from ``start`` on that no server holds (its lock file is absent)."""
    number = start
    while Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
        number += 1
    return number


def _start_display(width: int, height: int, number: int) -> tuple[list[subprocess.Popen[bytes]], str]:
    display = f":{number}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DISPLAY=display)
    for _ in range(100):
        if subprocess.run(["xdotool", "getdisplaygeometry"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.05)
    if xvfb.poll() is not None:
        raise RuntimeError(f"Xvfb {display} did not start")
    wm = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return [wm, xvfb], display


def _xdo(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True)


def _root_screenshot(path: Path) -> np.ndarray:
    subprocess.run(["import", "-window", "root", str(path)], check=True)
    from PySide6.QtGui import QImage

    from convlens.gui.lesson.common import qimage_to_rgb

    return qimage_to_rgb(QImage(str(path)))


def child(mode: str, size: str, language: str, out: Path) -> int:
    """One run on the display in ``$DISPLAY`` (started by :func:`main`); prints one line; 1 on a fault."""
    from PySide6.QtCore import QPoint, QTimer

    from convlens.gui.app import create_window, make_application

    app = make_application()
    faults: list[str] = []
    config = None
    if mode == "kiosk":
        config = Path(tempfile.mkdtemp()) / "kiosk.toml"
        config.write_text(f'language = "{language}"\nhide_cursor = "never"\nidle_timeout_s = 600\n')
    window = create_window(kiosk=mode == "kiosk", config_path=config, language=language)
    width, height = (int(v) for v in size.split("x"))
    if mode == "explorer":
        window.resize(width, height - 40)
        window.move(0, 0)
    window.show()
    canvas = window.canvas
    sizes: list[tuple[int, int]] = []
    state = {"pen_down": False}

    def sample() -> None:
        if state["pen_down"]:
            sizes.append((canvas.width(), canvas.height()))

    sampler = QTimer()
    sampler.timeout.connect(sample)
    sampler.start(5)

    def global_point(x: float, y: float) -> QPoint:
        return canvas.mapToGlobal(canvas.normalised_to_widget(x, y).toPoint())

    points: dict[str, list[list[tuple[int, int]]]] = {}

    def plan() -> None:  # widget -> screen coordinates, on the GUI thread
        for name, strokes in (("four", STROKES_4), ("one", STROKE_1)):
            runs = []
            for stroke in strokes:
                pts = np.asarray(stroke)
                dense = [pts[i] + (pts[i + 1] - pts[i]) * t for i in range(len(pts) - 1)
                         for t in np.linspace(0, 1, 25, endpoint=False)] + [pts[-1]]
                runs.append([(global_point(*p).x(), global_point(*p).y()) for p in dense])
            points[name] = runs
        clear = window.clearButton
        centre = clear.mapToGlobal(clear.rect().center())
        points["clear"] = [[(centre.x(), centre.y())]]

    def draw(name: str) -> None:
        for stroke in points[name]:
            _xdo("mousemove", str(stroke[0][0]), str(stroke[0][1]))
            state["pen_down"] = True
            _xdo("mousedown", "1")
            for x, y in stroke[1:]:
                _xdo("mousemove", str(x), str(y))
                time.sleep(0.008)
            _xdo("mouseup", "1")
            state["pen_down"] = False
            time.sleep(0.1)

    shots: dict[str, Path] = {}

    def script() -> None:
        shots["start"] = out / f"{mode}-{size}-{language}-start.png"
        subprocess.run(["import", "-window", "root", str(shots["start"])], check=True)
        draw("four")
        time.sleep(0.5)
        shots["four"] = out / f"{mode}-{size}-{language}-four.png"
        subprocess.run(["import", "-window", "root", str(shots["four"])], check=True)
        cx, cy = points["clear"][0][0]
        _xdo("mousemove", str(cx), str(cy))
        _xdo("click", "1")
        time.sleep(0.4)
        draw("one")
        time.sleep(0.6)
        shots["one"] = out / f"{mode}-{size}-{language}-one.png"
        subprocess.run(["import", "-window", "root", str(shots["one"])], check=True)
        if mode == "kiosk":
            _xdo("key", "super+d")
            time.sleep(2.0)
            shots["after-show-desktop"] = out / f"{mode}-{size}-{language}-after-show-desktop.png"
            subprocess.run(["import", "-window", "root", str(shots["after-show-desktop"])], check=True)
        state["done"] = True

    settle_until = time.monotonic() + 1.5  # the window manager maps and places the window
    while time.monotonic() < settle_until:
        app.processEvents()
        time.sleep(0.005)
    plan()
    thread = threading.Thread(target=script, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not state.get("done") and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.002)
    for _ in range(20):
        app.processEvents()
    if not state.get("done"):
        faults.append("the xdotool script did not finish")
    if len(set(sizes)) > 1:
        faults.append(f"the canvas changed size while the pen was down: {sorted(set(sizes))}")
    if "one" in shots:
        faults += _compare_canvas(canvas, _root_screenshot(shots["one"]))
    if mode == "kiosk" and "after-show-desktop" in shots:
        if not (window.isVisible() and window.isFullScreen() and not window.isMinimized()):
            faults.append("the kiosk did not come back after Super+D (show desktop)")
        else:
            faults += [f"after Super+D: {f}" for f in _compare_canvas(canvas, _root_screenshot(
                shots["after-show-desktop"]))]
    reading = window.probabilitiesPanel.digitLabel.text()
    if mode == "explorer" and state.get("done"):
        faults += _class_tab(app, window, f"{mode}-{size}-{language}", out)
    print(f"{mode:<8} {size:<9} {language}: read the 1 as {reading!r}; "
          + ("OK" if not faults else "FAULTS: " + "; ".join(faults)), flush=True)
    if window.kioskController is not None:
        window.kioskController.shutdown()
    window.close()
    return 1 if faults else 0


def _run_script(app, script) -> bool:  # noqa: ANN001 - a QApplication and a callable
    """Run ``script`` (xdotool calls) in a thread while the event loop turns; True when it finished in time."""
    done = threading.Event()

    def body() -> None:
        script()
        done.set()

    threading.Thread(target=body, daemon=True).start()
    deadline = time.monotonic() + 60
    while not done.is_set() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.002)
    for _ in range(20):
        app.processEvents()
    return done.is_set()


def _class_tab(app, window, name: str, out: Path) -> list[str]:  # noqa: ANN001 - Qt objects
    """The Class tab as a pupil uses it: draw the digit asked for, press Save; the training tab's editor."""
    panel = window.classroomPanel
    if panel is None:
        return ["no Class tab in the explorer"]
    window.show_tab(panel)
    for _ in range(50):
        app.processEvents()
        time.sleep(0.01)
    canvas, save = panel.classCanvas, panel.saveDrawingButton
    asked = panel.current_digit
    strokes = STROKE_1 if asked == 1 else [[(0.3, 0.2), (0.7, 0.2), (0.4, 0.85)]]  # a 1 or a 7-like stroke
    runs = []
    for stroke in strokes:
        pts = np.asarray(stroke)
        dense = [pts[i] + (pts[i + 1] - pts[i]) * t for i in range(len(pts) - 1)
                 for t in np.linspace(0, 1, 25, endpoint=False)] + [pts[-1]]
        runs.append([canvas.mapToGlobal(canvas.normalised_to_widget(*p).toPoint()) for p in dense])
    button = save.mapToGlobal(save.rect().center())
    shots = {"drawn": out / f"{name}-class-drawn.png", "saved": out / f"{name}-class-saved.png"}

    def script() -> None:
        for run in runs:
            _xdo("mousemove", str(run[0].x()), str(run[0].y()))
            _xdo("mousedown", "1")
            for point in run[1:]:
                _xdo("mousemove", str(point.x()), str(point.y()))
                time.sleep(0.008)
            _xdo("mouseup", "1")
            time.sleep(0.1)
        time.sleep(0.4)
        subprocess.run(["import", "-window", "root", str(shots["drawn"])], check=True)
        _xdo("mousemove", str(button.x()), str(button.y()))
        _xdo("click", "1")
        time.sleep(0.5)
        subprocess.run(["import", "-window", "root", str(shots["saved"])], check=True)

    faults: list[str] = []
    if not _run_script(app, script):
        return ["the Class tab's xdotool script did not finish"]
    faults += [f"class canvas: {f}" for f in _compare_canvas(canvas, _root_screenshot(shots["saved"]))]
    labels = panel.class_set.labels.tolist()
    if labels != [asked]:
        faults.append(f"the Class tab stored {labels} after one drawing of a {asked} and Save")
    training = window.trainingPanel
    if training is not None:
        window.show_tab(training)
        training.set_advanced_visible(True)
        for _ in range(50):
            app.processEvents()
            time.sleep(0.01)
        training.scrollArea.ensureWidgetVisible(training.form.architectureEditor, 0, 20)
        for _ in range(20):
            app.processEvents()
            time.sleep(0.01)
        subprocess.run(["import", "-window", "root", str(out / f"{name}-training-editor.png")], check=True)
    return faults


def _compare_canvas(canvas, screen: np.ndarray) -> list[str]:  # noqa: ANN001 - a Qt widget
    """Faults where the canvas's area on the real screen differs from the canvas painted afresh."""
    from convlens.gui.lesson.common import qimage_to_rgb

    painted = qimage_to_rgb(canvas.grab().toImage()).astype(np.int32)
    top_left = canvas.mapToGlobal(canvas.rect().topLeft())
    x, y = top_left.x(), top_left.y()
    h, w = painted.shape[:2]
    shown = screen[y:y + h, x:x + w].astype(np.int32)
    if shown.shape != painted.shape:
        return [f"the canvas is not fully on screen ({shown.shape} vs {painted.shape})"]
    different = np.abs(shown - painted).max(axis=-1) > TOLERANCE
    count = int(np.count_nonzero(different))
    if count > MAX_DIFFERENT_PIXELS:
        return [f"{count} canvas pixels on screen differ from the canvas as painted (a stale hint or stroke)"]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/real_display", help="folder for the screenshots")
    parser.add_argument("--only", choices=("explorer", "kiosk"), help="one mode only")
    parser.add_argument("--sizes", default="1024x700,1366x768,1920x1080", help="screen sizes")
    parser.add_argument("--lang", default="en,de", help="languages")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "SIZE", "LANG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.child:
        return child(*args.child, out)
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        print("missing tools: " + ", ".join(missing))
        return 2
    failed = 0
    number = 90
    for mode in ("explorer", "kiosk") if args.only is None else (args.only,):
        for size in args.sizes.split(","):
            for language in args.lang.split(","):
                width, height = (int(v) for v in size.split("x"))
                number = _free_display(number)
                procs, display = _start_display(width, height, number)
                number += 1
                try:
                    # The kiosk's log and PIN lockout go to a scratch folder, never the real user's data folder.
                    scratch = tempfile.mkdtemp(prefix="convlens-real-display-")
                    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", CONVLENS_DATA_DIR=scratch,
                               XDG_CONFIG_HOME=scratch)
                    failed |= subprocess.run([sys.executable, __file__, "--out", str(out), "--child", mode, size,
                                              language], env=env, timeout=120).returncode
                finally:
                    for proc in procs:
                        proc.terminate()
                        proc.wait(timeout=10)
    print(f"screenshots in {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

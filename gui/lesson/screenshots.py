"""Render lesson steps offscreen to PNG files (the README's screenshots).

Usage: ``QT_QPA_PLATFORM=offscreen python -m gui.lesson.screenshots [OUT_DIR] [--all]``
(default ``docs/screenshots``). The panel is hosted in a plain QMainWindow at 1400x860, fed a drawn "4"
as the visitor's digit and the filters/architecture of ``models/default.npz`` when present.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMainWindow

from convlens.engine.lesson_data import ExampleDigits
from convlens.gui.lesson.panel import LessonPanel
from convlens.resources import models_dir
from convlens.services.samples import drawn_sample_digits

REPO = Path(__file__).resolve().parents[2]


def render(out_dir: Path, everything: bool = False) -> list[Path]:
    """Save ``lesson_conv2d.png``, ``lesson_stride_padding.png``, ``lesson_pooling.png`` (and the other
    steps with ``everything``) into ``out_dir``; returns the paths written."""
    app = QApplication.instance() or QApplication(sys.argv)
    images, labels = drawn_sample_digits()
    panel = LessonPanel(examples_loader=lambda: ExampleDigits(images, labels, "drawn"))
    window = QMainWindow()
    window.setCentralWidget(panel)
    window.resize(1400, 860)
    model_path = models_dir() / "default.npz"
    if model_path.is_file():
        from convlens.engine.model import load_npz_model

        model = load_npz_model(model_path)
        panel.set_filters(OrderedDict((layer.name, layer.params["w"]) for layer in model.layers
                                      if layer.type_name == "Conv2D"))
        panel.set_architecture(model.architecture())
    panel.set_image(images[2])  # a drawn "4" stands in for the visitor's digit
    window.show()
    app.processEvents()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def grab(step: int, name: str, setup: Callable[[], None] | None = None) -> None:
        panel.goto_step(step)
        if setup is not None:
            setup()
        for _ in range(3):
            app.processEvents()
        path = out_dir / name
        window.grab().save(str(path))
        written.append(path)

    grab(3, "lesson_conv2d.png", lambda: panel.conv2d.controls.set_position(3 * 7 + 3))  # the lecture's 0.55
    def stride_2_same() -> None:
        panel.stride.set_settings((2, 2), "same")
        panel.stride.controls.set_position(6)

    grab(4, "lesson_stride_padding.png", stride_2_same)
    grab(5, "lesson_pooling.png", lambda: panel.pooling.controls.set_position(9))
    if everything:
        grab(0, "lesson_pixels.png")
        grab(1, "lesson_tensors.png")
        grab(2, "lesson_conv1d.png", lambda: panel.conv1d.controls.set_position(12))
        grab(6, "lesson_stacking.png")
    window.close()
    return written


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    for written_path in render(Path(args[0]) if args else REPO / "docs" / "screenshots", "--all" in sys.argv):
        print(written_path)

"""The screenshot matrix: every look of the app in one command, each picture checked for layout faults.

Usage (``make screenshots`` runs the first line)::

    QT_QPA_PLATFORM=offscreen python -m convlens.gui.screenshot_matrix [OUT_DIR] [--quick] [--docs DIR]
        [--only TEXT] [--jobs N] [--no-sheets]

The matrix: explorer and kiosk; 1024x700, 1366x768 and 1920x1080; English and German; dark and light; presenter
mode off and on; and, at scale factors 1.5 and 2.0 (``QT_SCALE_FACTOR``), the explorer on 1920x1080 and 3840x2160
screens; the simple teacher profile (:mod:`gui.profiles`) in both modes, sizes and languages (its one view: the
canvas, the probabilities and the pooled maps). Each of these *settings* is shown with every *view*: the Network
tab (plain, and with the preprocessing steps and the "every input channel" filters), each Learn step (step 1 also
zoomed in), the Why? tab (the saliency overlay with the feature-map ranking, one Teach step, the Fool-it
challenge), the training results (a synthetic :class:`~convlens.services.evaluation.ResultSummary`), the training
tab's advanced settings with the architecture editor, and the Class tab with a before/after result (a synthetic
:class:`~convlens.services.finetune.FineTuneOutcome`); the kiosk has neither the training nor the Class tab.

Every picture is checked (:func:`check_window`); a fault is reported with the picture's name:

* a clipped text: a QLabel narrower than its one-line text, a wrapping QLabel shorter than its lines, a button
  narrower than its text, or any of them cut off at the side by a parent;
* a horizontal scroll bar anywhere in the Learn tab (a page wider than the tab);
* a filters panel that does not show all of conv1's filters (in view, each at least ``MIN_TILE_PX`` wide);
* a pixel of the canvas's "Draw a digit" hint left on the canvas after a stroke.

Each screen size (and scale factor) runs in a child process of its own, on an offscreen screen of exactly that
size (``QT_QPA_PLATFORM=offscreen:configfile=...``), so the kiosk fills it as it would a real one. Output:
``OUT_DIR/<mode>-<W>x<H>[@<scale>]-<lang>-<theme>-<normal|presenter>[-simple]-<view>.png``, a contact sheet per
setting in ``OUT_DIR/sheets/``, and ``OUT_DIR/report.json`` (every picture, every fault, the time taken). ``--docs DIR``
copies the few telling pictures (:data:`DOCS_PICTURES`) into DIR (the README's ``docs/screenshots``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

__all__ = [
    "DOCS_PICTURES",
    "VIEWS",
    "MatrixReport",
    "Setting",
    "check_window",
    "full_matrix",
    "main",
    "quick_matrix",
    "run_matrix",
]

VIEWS = (
    "network",
    "network-detail",
    "learn1",
    "learn1-zoom",
    "learn2",
    "learn3",
    "learn4",
    "learn5",
    "learn6",
    "learn7",
    "why-look",
    "why-teach",
    "why-fool",
    "training",
    "training-editor",
    "class",
)
"""What each setting is shown with (the kiosk has no training tab, so no "training" view)."""

SIZES = ((1024, 700), (1366, 768), (1920, 1080))
DPI_SETTINGS = ((1280, 720, 1.5), (1920, 1080, 2.0))
"""(logical width, logical height, scale): a 1920x1080 screen at 150 % and a 3840x2160 screen at 200 %."""

DOCS_PICTURES = {
    "kiosk-1366x768-de-dark-normal-network.png": "kiosk_german.png",
    "explorer-1366x768-en-dark-presenter-network.png": "explorer_presenter.png",
    "explorer-1366x768-en-dark-normal-learn1-zoom.png": "lesson_pixels_numbers.png",
    "explorer-1366x768-en-dark-normal-learn4.png": "lesson_conv2d.png",
    "explorer-1366x768-en-light-normal-learn5.png": "lesson_stride_padding.png",
    "explorer-1366x768-en-dark-normal-learn6.png": "lesson_pooling.png",
    "explorer-1366x768-en-dark-normal-simple-network.png": "profile_simple.png",
}
"""Matrix picture -> name in the docs folder (``--docs``): the pictures the README shows."""

CHUNK = 6
"""Settings per child process (each child opens one offscreen screen and renders its settings one by one)."""
TOLERANCE_PX = 2
"""A text may be this many pixels narrower than it asks for (rounding) before it counts as clipped."""


@dataclass(frozen=True)
class Setting:
    """One look of the app: window mode, screen size (logical pixels) and scale, language, theme, presenter, teacher
    profile."""

    mode: str = "explorer"
    width: int = 1366
    height: int = 768
    language: str = "en"
    theme: str = "dark"
    presenter: bool = False
    scale: float = 1.0
    views: tuple[str, ...] = VIEWS
    profile: str = "full"

    @property
    def name(self) -> str:
        scale = "" if self.scale == 1.0 else f"@{self.scale:g}"
        look = "presenter" if self.presenter else "normal"
        profile = "" if self.profile == "full" else f"-{self.profile}"
        return f"{self.mode}-{self.width}x{self.height}{scale}-{self.language}-{self.theme}-{look}{profile}"

    @property
    def screen(self) -> tuple[int, int, float]:
        return (self.width, self.height, self.scale)

    def shown_views(self) -> tuple[str, ...]:
        if self.profile == "simple":  # no tabs but the Network tab, and no detail switches in it
            return tuple(v for v in self.views if v == "network")
        return tuple(v for v in self.views if not (self.mode == "kiosk" and v.startswith(("training", "class"))))


@dataclass
class MatrixReport:
    """What a run produced: every picture written and every fault found (picture name -> faults)."""

    pictures: list[str] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def merge(self, other: MatrixReport) -> None:
        self.pictures += other.pictures
        self.faults.update(other.faults)
        self.errors += other.errors

    def fault_lines(self) -> list[str]:
        return [f"{picture}: {fault}" for picture, faults in sorted(self.faults.items()) for fault in faults]


def full_matrix() -> list[Setting]:
    """Every setting: 2 modes x 3 sizes x 2 languages x 2 themes x 2 presenter, the explorer scaled, and the simple
    profile in 2 modes x 3 sizes x 2 languages."""
    settings = [
        Setting(mode, w, h, language, theme, presenter)
        for mode, (w, h), language, theme, presenter in product(
            ("explorer", "kiosk"), SIZES, ("en", "de"), ("dark", "light"), (False, True)
        )
    ]
    settings += [
        Setting("explorer", w, h, language, "dark", presenter, scale)
        for (w, h, scale), language, presenter in product(DPI_SETTINGS, ("en", "de"), (False, True))
    ]
    settings += [
        Setting(mode, w, h, language, "dark", profile="simple")
        for mode, (w, h), language in product(("explorer", "kiosk"), SIZES, ("en", "de"))
    ]
    return settings


def quick_matrix() -> list[Setting]:
    """A representative subset for ``make test`` (about a minute on two cores): the smallest and the usual
    sizes, both modes, both languages and themes, presenter on and off, a scaled screen, every Learn step."""
    return [
        Setting("explorer", 1024, 700, "en", "dark", False),
        Setting("explorer", 1366, 768, "de", "light", True),
        Setting("kiosk", 1366, 768, "de", "dark", True, views=("network", "learn1", "learn4", "learn5", "why-look",
                                                              "why-teach")),
        Setting("kiosk", 1920, 1080, "en", "light", False, views=("network", "learn4")),
        Setting("explorer", 1920, 1080, "de", "dark", True, views=("network-detail", "learn1", "learn4")),
        Setting("explorer", 1280, 720, "en", "dark", False, 1.5, views=("network", "learn4", "training")),
        Setting("explorer", 1024, 700, "de", "dark", False, profile="simple"),
        Setting("kiosk", 1920, 1080, "de", "dark", False, profile="simple"),
    ]


# ------------------------------------------------------------------------------------------------- checks


def _horizontal_room(widget: Any) -> tuple[int, int]:
    """The x range (in the window's coordinates) in which ``widget`` is not cut off by a parent."""
    top = widget.window()
    left = widget.mapTo(top, widget.rect().topLeft()).x()
    lo, hi = left, left + widget.width()
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        x = parent.mapTo(top, parent.rect().topLeft()).x()
        lo, hi = max(lo, x), min(hi, x + parent.width())
        parent = parent.parentWidget()
    return lo, max(lo, hi)


def clipped_texts(root: Any) -> list[str]:
    """Visible labels and buttons in ``root`` (a window or any part of one) whose text does not fit (see the
    module docstring)."""
    from PySide6.QtWidgets import QAbstractButton, QCheckBox, QLabel, QRadioButton

    from convlens.gui.layouts import WrapCheckBox

    faults: list[str] = []
    for widget in root.findChildren(QLabel):
        if not widget.isVisible() or not widget.text().strip():
            continue
        pixmap = widget.pixmap()
        if pixmap is not None and not pixmap.isNull():
            continue
        name = widget.objectName() or type(widget.parentWidget()).__name__
        text = " ".join(widget.text().split())[:50]
        if widget.wordWrap():
            needed = widget.heightForWidth(widget.width())
            if needed > widget.height() + TOLERANCE_PX:
                faults.append(f"wrapped label {name} {text!r} cut at the bottom ({widget.height()} < {needed} px)")
            wanted = min(widget.width(), widget.minimumSizeHint().width())
        else:
            wanted = widget.sizeHint().width()
            if widget.width() + TOLERANCE_PX < wanted:
                faults.append(f"label {name} {text!r} clipped ({widget.width()} < {wanted} px)")
                continue
            wanted = min(wanted, widget.width())
        lo, hi = _horizontal_room(widget)
        if hi - lo + TOLERANCE_PX < wanted:
            faults.append(f"label {name} {text!r} cut off by a parent ({hi - lo} of {wanted} px shown)")
    for button in root.findChildren(QAbstractButton):
        if not button.isVisible() or not button.text().strip():
            continue
        name = button.objectName() or type(button).__name__
        text = " ".join(button.text().replace("&", "").split())[:50]
        if isinstance(button, WrapCheckBox):
            needed = button.heightForWidth(button.width())
            if needed > button.height() + TOLERANCE_PX:
                faults.append(f"check box {name} {text!r} cut at the bottom ({button.height()} < {needed} px)")
            continue
        if isinstance(button, QCheckBox | QRadioButton):
            wanted = button.sizeHint().width()
        else:  # push and tool buttons: the text and a little frame (their minimum width is a style's choice)
            wanted = button.fontMetrics().horizontalAdvance(button.text().replace("&", "")) + 4
            if button.icon().isNull() is False:
                wanted += button.iconSize().width()
        if button.width() + TOLERANCE_PX < wanted:
            faults.append(f"button {name} {text!r} clipped ({button.width()} < {wanted} px)")
            continue
        lo, hi = _horizontal_room(button)
        if hi - lo + TOLERANCE_PX < min(wanted, button.width()):
            faults.append(f"button {name} {text!r} cut off by a parent ({hi - lo} of {button.width()} px shown)")
    return faults


def learn_scroll_faults(window: Any) -> list[str]:
    """A horizontal scroll bar shown anywhere in the Learn tab, or a page wider than its view."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QScrollArea, QScrollBar

    panel = window.lessonPanel
    if not panel.isVisible():
        return []
    faults = [
        f"horizontal scroll bar in Learn ({bar.parentWidget().objectName() or 'scroll area'})"
        for bar in panel.findChildren(QScrollBar)
        if bar.orientation() == Qt.Orientation.Horizontal and bar.isVisible()
    ]
    step = panel.steps()[panel.current_step()]
    area = step.findChild(QScrollArea)
    content, viewport = area.widget(), area.viewport()
    if content.minimumSizeHint().width() > viewport.width() + TOLERANCE_PX:
        faults.append(f"Learn page {step.title()!r} needs {content.minimumSizeHint().width()} px, "
                      f"has {viewport.width()}")
    return faults


def filter_faults(window: Any) -> list[str]:
    """The filters panel must show every conv1 filter, in view, at a readable size."""
    from PySide6.QtWidgets import QScrollArea

    panel = window.filtersPanel
    min_tile = 18  # convlens.gui.panels.filters.MIN_TILE_PX
    if not panel.isVisible():
        return []
    grids = list(panel._grids.items())
    if not grids:
        return ["filters panel shows no filters"]
    name, grid = grids[0]
    view = panel.view
    rect = grid.view.sceneBoundingRect()
    top_left = view.mapFromScene(rect.topLeft())
    bottom_right = view.mapFromScene(rect.bottomRight())
    area = panel.findChild(QScrollArea, "filtersScroll")
    viewport = area.viewport() if area is not None else view  # (a panel without a scroll area: the view)
    a, b = view.mapTo(viewport, top_left), view.mapTo(viewport, bottom_right)
    faults = []
    if a.x() < -1 or a.y() < -1 or b.x() > viewport.width() + 1 or b.y() > viewport.height() + 1:
        faults.append(f"{name} filters not all in view ({a.x()},{a.y()})-({b.x()},{b.y()}) in "
                      f"{viewport.width()}x{viewport.height()}")
    tile = (b.x() - a.x()) / max(grid.cols, 1)
    if tile < min_tile - 1:
        faults.append(f"{name} filter tiles {tile:.1f} px wide (< {min_tile}): panel {viewport.width()} px")
    if grid.n < 16 or grid.rows * grid.tile_cols < grid.n:
        faults.append(f"{name} shows {grid.n} filters")
    return faults


def hint_pixels(window: Any) -> int:
    """Pixels of the canvas's hint colour inside the drawing area (0 once something is drawn)."""
    import numpy as np
    from PySide6.QtGui import QColor

    from convlens.gui.lesson.common import qimage_to_rgb

    canvas = window.canvas
    image = canvas.grab().toImage()
    ratio = image.devicePixelRatio()
    rgb = qimage_to_rgb(image).astype(np.int32)
    area = canvas.drawing_rect()
    y0, y1 = int(area.top() * ratio) + 2, int(area.bottom() * ratio) - 2
    x0, x1 = int(area.left() * ratio) + 2, int(area.right() * ratio) - 2
    rgb = rgb[y0:y1, x0:x1]
    hint = QColor(window.theme().muted)
    target = np.array([hint.red(), hint.green(), hint.blue()])
    close = np.abs(rgb - target).max(axis=-1) <= 24
    tinted = (rgb[..., 2] - rgb[..., 0]) >= 6  # the hint is a bluish grey; the ink is neutral grey
    return int(np.count_nonzero(close & tinted))


def check_window(window: Any, view: str) -> list[str]:
    """Every layout fault of what ``window`` shows now (``view`` says which checks apply)."""
    faults = clipped_texts(window)
    if view.startswith("learn"):
        faults += learn_scroll_faults(window)
    if view.startswith("network"):
        faults += filter_faults(window)
    return faults


# ------------------------------------------------------------------------------------------------- rendering


def synthetic_summary() -> Any:
    """A plausible :class:`ResultSummary` (99.1 %, a few confusions, drawn digits as the mistakes)."""
    import numpy as np

    from convlens.services.evaluation import ResultSummary
    from convlens.services.samples import drawn_sample_digits

    rng = np.random.default_rng(0)
    confusion = np.diag(rng.integers(950, 1130, size=10))
    for true, pred, count in ((4, 9, 7), (7, 2, 6), (9, 4, 5), (5, 3, 4), (8, 3, 3), (2, 7, 3), (6, 0, 2)):
        confusion[true, pred] = count
    totals = confusion.sum(axis=1)
    images, labels = drawn_sample_digits()
    k = len(images)
    return ResultSummary(
        accuracy=float(np.trace(confusion) / confusion.sum()),
        per_class_accuracy=[float(confusion[i, i] / totals[i]) for i in range(10)],
        confusion=confusion,
        n_test=int(confusion.sum()),
        n_wrong=int(confusion.sum() - np.trace(confusion)),
        gallery_images=np.asarray(images, dtype=np.float32),
        gallery_true=np.asarray(labels, dtype=np.int64),
        gallery_pred=(np.asarray(labels, dtype=np.int64) + 3) % 10,
        gallery_confidence=np.linspace(0.97, 0.55, k),
    )


def synthetic_class_outcome() -> Any:
    """A class's before/after result (no training: the screenshots show its layout, not a model's figures)."""
    import numpy as np

    from convlens.services.finetune import FineTuneOutcome

    rng = np.random.default_rng(7)
    before = np.diag(rng.integers(2, 8, 10)) + rng.integers(0, 3, (10, 10)) * (rng.random((10, 10)) < 0.2)
    after = np.diag(np.diag(before) + before.sum(axis=1) - np.diag(before))
    held_out = int(before.sum())
    return FineTuneOutcome(
        model=None,  # type: ignore[arg-type]
        before=float(np.trace(before) / held_out), after=1.0, confusion_before=before, confusion_after=after,
        held_out=held_out, class_train=233, train_images=10_233, mnist_before=0.994, mnist_after=0.9921,
        mnist_test=10_000, seconds=13.0, train_seconds=9.0,
    )


def _settle(app: Any, rounds: int = 4) -> None:
    import shiboken6

    from convlens.gui.layouts import settle

    for _ in range(rounds):
        app.processEvents()
    for window in app.topLevelWidgets():
        # settling one window runs posted events, which may destroy another window of the list
        if shiboken6.isValid(window) and window.isVisible():
            settle(window)


def _draw_digit(window: Any, app: Any, strokes: Sequence[Sequence[tuple[float, float]]]) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    canvas = window.canvas
    for stroke in strokes:
        points = [canvas.normalised_to_widget(x, y).toPoint() for x, y in stroke]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
        for p in points[1:]:
            QTest.mouseMove(canvas, p)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])
        _settle(app, 2)
    canvas.flush()
    _settle(app)


def _kiosk_config(folder: Path, setting: Setting) -> Path:
    path = folder / f"kiosk-{setting.language}-{int(setting.presenter)}-{setting.profile}.toml"
    path.write_text(
        f'language = "{setting.language}"\npresenter_mode = {"true" if setting.presenter else "false"}\n'
        f'profile = "{setting.profile}"\n'
        'hide_cursor = "never"\nattract_loop = false\nidle_timeout_s = 3600\n',
        encoding="utf-8",
    )
    return path


def _show_view(window: Any, view: str, app: Any) -> None:
    panel = window.lessonPanel
    filters, steps_panel = window.filtersPanel, window.networkInputPanel
    detail = view == "network-detail"
    filters.set_view_mode("all" if detail else "strongest")
    steps_panel.set_show_steps(detail)
    if view.startswith("network"):
        window.sideTabs.setCurrentIndex(0)
        if detail:
            filters.select_filter("conv2", 5)
    elif view.startswith("learn"):
        window.show_tab(panel)
        index = int(view[5]) - 1
        panel.goto_step(index)
        panel.pixels.set_zoom(2 if view == "learn1-zoom" else 1)
        positions = {2: (panel.conv1d.controls, 12), 3: (panel.conv2d.controls, 3 * 7 + 3),
                     4: (panel.stride.controls, 6), 5: (panel.pooling.controls, 9)}
        if index in positions:
            controls, position = positions[index]
            controls.set_position(position)
        if index == 4:
            panel.stride.set_settings((2, 2), "same")
    elif view.startswith("why-"):
        _show_why(window, view.removeprefix("why-"), app)
    elif view == "training":
        training = window.trainingPanel
        training.results.set_summary(synthetic_summary())
        training.results.setVisible(True)
        window.show_tab(training)
        _settle(app)
        training.scrollArea.ensureWidgetVisible(training.results.accuracyLabel, 0, 60)
    elif view == "training-editor":
        training = window.trainingPanel
        window.show_tab(training)
        training.set_advanced_visible(True)
        _settle(app)
        training.scrollArea.ensureWidgetVisible(training.form.architectureEditor, 0, 20)
    elif view == "class":
        classroom = window.classroomPanel
        window.show_tab(classroom)
        classroom.show_outcome(synthetic_class_outcome())
        _settle(app)
        from PySide6.QtWidgets import QScrollArea

        classroom.findChild(QScrollArea, "classroomScroll").ensureWidgetVisible(classroom.results, 0, 20)
    _settle(app, 6)


def _show_why(window: Any, page: str, app: Any) -> None:
    """The Why? tab's page ``page`` ("look", "teach", "fool") with its results in view."""
    import time

    why = window.why
    window.show_tab(why)
    why.show_page(page)
    if page == "look":
        why.saliencyToggle.setChecked(True)
        why.featureRankingToggle.setChecked(True)
        deadline = time.monotonic() + 5.0
        while (why.saliency() is None or why.rankings() is None) and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
    elif page == "teach" and why.teachButton.isEnabled():
        window.teach(int(why.teachDigit.currentData()))
    _settle(app)


def render_setting(setting: Setting, out_dir: Path, scratch: Path) -> MatrixReport:
    """Show one setting's views in a fresh window (a QApplication on a screen of the setting's size must exist),
    save each as a PNG and check it."""
    from PySide6.QtWidgets import QApplication

    from convlens.gui.app import create_window
    from convlens.gui.render import SAMPLE_STROKES
    from convlens.resources import models_dir

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    report = MatrixReport()
    model = models_dir() / "default.onnx"
    kiosk = setting.mode == "kiosk"
    config = _kiosk_config(scratch, setting) if kiosk else None
    window = create_window(model if model.is_file() else None, kiosk=kiosk, config_path=config,
                           language=setting.language, presenter=setting.presenter,
                           profile=None if kiosk else setting.profile)  # a kiosk's comes from its config
    try:
        window.set_theme(setting.theme)
        if kiosk:
            window.show()  # full screen on the screen of the setting's size
        else:
            window.resize(setting.width, setting.height)
            window.show()
        _settle(app, 8)
        strokes = SAMPLE_STROKES[4]
        _draw_digit(window, app, strokes[:1])
        left = hint_pixels(window)
        if left:
            report.faults.setdefault(f"{setting.name}-canvas", []).append(
                f"{left} pixels of the hint left on the canvas after a stroke")
        _draw_digit(window, app, strokes[1:])
        for view in setting.shown_views():
            _show_view(window, view, app)
            name = f"{setting.name}-{view}.png"
            if not window.grab().save(str(out_dir / name)):
                report.errors.append(f"cannot write {out_dir / name}")
                continue
            report.pictures.append(name)
            faults = check_window(window, view)
            if faults:
                report.faults[name] = faults
    finally:
        controller = window.kioskController
        if controller is not None:
            controller.shutdown()
        training = window.trainingPanel
        if training is not None:
            training.shutdown()  # type: ignore[attr-defined]
        window.close()
        window.deleteLater()
        _settle(app)
    return report


def contact_sheet(pictures: Sequence[Path], out: Path, columns: int = 4, width: int = 480) -> None:
    """The pictures side by side, ``width`` pixels wide each, with their names (a quick look at a setting)."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QImage, QPainter

    images = [QImage(str(p)) for p in pictures]
    images = [i for i in images if not i.isNull()]
    if not images:
        return
    cell_h = max(int(i.height() * width / i.width()) for i in images) + 18
    rows = -(-len(images) // columns)
    sheet = QImage(columns * (width + 6), rows * cell_h, QImage.Format.Format_RGB32)
    sheet.fill(QColor(40, 40, 40))
    painter = QPainter(sheet)
    painter.setPen(QColor(230, 230, 230))
    for k, (image, path) in enumerate(zip(images, pictures, strict=False)):
        x, y = (k % columns) * (width + 6), (k // columns) * cell_h
        scaled = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        painter.drawImage(x, y + 16, scaled)
        painter.drawText(QRect(x, y, width, 16), int(Qt.AlignmentFlag.AlignLeft), path.stem)
    painter.end()
    sheet.save(str(out))


# ------------------------------------------------------------------------------------------------- processes


def _child(job_file: Path) -> int:
    """Render every setting of a job (one screen size) in this process; write the report next to the job."""
    from PySide6.QtWidgets import QApplication

    from convlens.gui.app import make_application

    job = json.loads(job_file.read_text(encoding="utf-8"))
    out_dir = Path(job["out_dir"])
    app = make_application()
    assert isinstance(app, QApplication)
    report = MatrixReport()
    with tempfile.TemporaryDirectory(prefix="convlens-matrix-") as scratch:
        for raw in job["settings"]:
            setting = Setting(**{**raw, "views": tuple(raw["views"])})
            try:
                report.merge(render_setting(setting, out_dir, Path(scratch)))
            except Exception as exc:  # noqa: BLE001 - one broken setting must not hide the others' pictures
                report.errors.append(f"{setting.name}: {type(exc).__name__}: {exc}")
            if job.get("sheets", True):
                names = [out_dir / f"{setting.name}-{v}.png" for v in setting.shown_views()]
                (out_dir / "sheets").mkdir(exist_ok=True)
                contact_sheet([p for p in names if p.is_file()], out_dir / "sheets" / f"{setting.name}.png")
    Path(job["result"]).write_text(json.dumps(asdict(report)), encoding="utf-8")
    return 0


def _screens_file(folder: Path, width: int, height: int, scale: float) -> Path:
    """An offscreen-platform screen of ``width`` x ``height`` logical pixels at ``scale``."""
    path = folder / f"screen-{width}x{height}@{scale:g}.json"
    screen = {"name": "matrix", "x": 0, "y": 0, "width": round(width * scale), "height": round(height * scale),
              "logicalDpi": 96, "logicalDpiX": 96, "logicalDpiY": 96, "dpr": 1}
    path.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    return path


def run_matrix(
    settings: Iterable[Setting], out_dir: Path, *, jobs: int = 1, sheets: bool = True, timeout_s: float = 1800
) -> MatrixReport:
    """Render and check ``settings``: one child process per screen size and scale (``jobs`` at a time)."""
    started = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    by_screen: dict[tuple[int, int, float], list[Setting]] = {}
    for setting in settings:
        by_screen.setdefault(setting.screen, []).append(setting)
    # at most CHUNK settings per child, so that `jobs` children share the work evenly
    groups = [(screen, group[k:k + CHUNK]) for screen, group in by_screen.items() for k in range(0, len(group), CHUNK)]
    report = MatrixReport()
    with tempfile.TemporaryDirectory(prefix="convlens-matrix-jobs-") as tmp:
        folder = Path(tmp)
        running: list[tuple[subprocess.Popen[bytes], Path, str]] = []
        pending = list(groups)

        def finish(proc: subprocess.Popen[bytes], result: Path, label: str) -> None:
            try:
                _, err = proc.communicate(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
                report.errors.append(f"{label}: timed out")
            if result.is_file():
                part = json.loads(result.read_text(encoding="utf-8"))
                report.merge(MatrixReport(part["pictures"], part["faults"], 0.0, part["errors"]))
            else:
                tail = err.decode(errors="replace").strip().splitlines()[-5:]
                report.errors.append(f"{label}: the child process failed (exit {proc.returncode}): " + " | ".join(tail))

        while pending or running:
            while pending and len(running) < max(1, jobs):
                (width, height, scale), group = pending.pop(0)
                label = f"{width}x{height}@{scale:g}-{len(pending)}"
                job, result = folder / f"job-{label}.json", folder / f"result-{label}.json"
                job.write_text(json.dumps({
                    "out_dir": str(out_dir), "result": str(result), "sheets": sheets,
                    "settings": [asdict(s) for s in group],
                }), encoding="utf-8")
                env = dict(os.environ)
                env["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screens_file(folder, width, height, scale)}"
                env["QT_SCALE_FACTOR"] = f"{scale:g}"
                env.setdefault("CONVLENS_DATA_DIR", str(folder / "userdata"))  # no model or log of the user's
                env.setdefault("OPENBLAS_NUM_THREADS", "1")
                command = [sys.executable, "-m", "convlens.gui.screenshot_matrix", "--child", str(job)]
                proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                running.append((proc, result, label))
            proc, result, label = running.pop(0)
            finish(proc, result, label)
    report.seconds = time.monotonic() - started
    (out_dir / "report.json").write_text(json.dumps(asdict(report), indent=1), encoding="utf-8")
    return report


def copy_docs(out_dir: Path, docs_dir: Path) -> list[Path]:
    """Copy :data:`DOCS_PICTURES` from a matrix folder into ``docs_dir``; returns the files written."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source, target in DOCS_PICTURES.items():
        if (out_dir / source).is_file():
            shutil.copyfile(out_dir / source, docs_dir / target)
            written.append(docs_dir / target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m convlens.gui.screenshot_matrix", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("out_dir", nargs="?", default="out/screenshots/matrix", help="where the pictures go")
    parser.add_argument("--quick", action="store_true", help="the subset `make test` checks")
    parser.add_argument("--only", default="", help="only settings whose name contains this text")
    parser.add_argument("--jobs", type=int, default=1, help="child processes at a time (one per screen size)")
    parser.add_argument("--docs", default="", help="copy the README's pictures into this folder")
    parser.add_argument("--no-sheets", action="store_true", help="no contact sheets")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(Path(args.child))
    settings = [s for s in (quick_matrix() if args.quick else full_matrix()) if args.only in s.name]
    out_dir = Path(args.out_dir)
    report = run_matrix(settings, out_dir, jobs=args.jobs, sheets=not args.no_sheets)
    print(f"{len(report.pictures)} pictures of {len(settings)} settings in {out_dir} ({report.seconds:.0f} s)")
    for line in report.fault_lines():
        print("FAULT", line)
    for line in report.errors:
        print("ERROR", line)
    if args.docs:
        for path in copy_docs(out_dir, Path(args.docs)):
            print("docs:", path)
    return 1 if report.faults or report.errors else 0


if __name__ == "__main__":
    sys.exit(main())

"""The training tab's time-lapse: frames arrive from a tiny real run through the Train button, the slider and the
play button move through them and the view's pixels change, the exports write the files, and a kiosk hides the
export buttons unless its config allows exports. MNIST is the 300/100-image fixture of tests/conftest.py."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from convlens.engine.loading import load_model
from convlens.gui.render import SAMPLE_STROKES, rasterize_strokes
from convlens.gui.training import timelapse as timelapse_view
from convlens.gui.training.panel import TrainingPanel
from convlens.services import model_store
from convlens.services.timelapse import TimelapseFrame

TIMEOUT_MS = 60_000


class FakeController(QObject):
    """The controller API the panel uses, with a drawn 3 as the last result."""

    modelChanged = Signal(object)
    activationsChanged = Signal(object)
    predictionChanged = Signal(int, list)

    def __init__(self) -> None:
        super().__init__()
        self.model: Any = object()
        self.info = SimpleNamespace(path=Path("factory.onnx"), label="factory.onnx", metadata={})
        drawing = rasterize_strokes(SAMPLE_STROKES[3], 280, 280 / 11)
        small = np.asarray(Image.fromarray((drawing * 255).astype(np.uint8)).resize((28, 28)), np.float32) / 255
        self.image28 = small

    def current_model_info(self) -> Any:
        return self.info

    def load_model(self, path: Path) -> Any:
        self.model = load_model(path)
        self.info = SimpleNamespace(path=Path(path), label=Path(path).name, metadata={})
        return self.info

    def set_model(self, model: Any, path: Any = None, metadata: Any = None) -> Any:
        self.model = model
        return self.info

    def set_preview_model(self, model: Any) -> None:
        pass

    def last_result(self) -> Any:
        return SimpleNamespace(image28=self.image28, digit=None)


@pytest.fixture
def make_panel(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., TrainingPanel]:
    monkeypatch.setenv(model_store.DATA_DIR_ENV, str(tmp_path / "userdata"))

    def make(controller: Any = None, **kwargs: Any) -> TrainingPanel:
        panel = TrainingPanel(controller or FakeController(), **kwargs)
        qtbot.addWidget(panel, before_close_func=lambda w: w.shutdown())
        panel.resize(700, 900)
        panel.show()
        panel.set_advanced_visible(True)
        return panel

    return make


def view_pixels(panel: TrainingPanel) -> np.ndarray:
    image = panel.timelapse.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    ptr = image.constBits()
    rows = np.frombuffer(ptr, np.uint8, image.sizeInBytes()).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 3].copy()


def fake_frames(n: int) -> list[TimelapseFrame]:
    rng = np.random.default_rng(5)
    return [TimelapseFrame(i * 3, i / n, 3 * n, OrderedDict(conv1=rng.normal(size=(5, 5, 1, 8)).astype(np.float32)))
            for i in range(n)]


def test_frames_from_a_tiny_run_replay_through_the_slider_and_play(
    qtbot: QtBot, fake_mnist: Any, make_panel: Callable[..., TrainingPanel]
) -> None:
    panel = make_panel()
    form = panel.form
    form.presetCombo.setCurrentIndex(form.presetCombo.findData("small"))
    form.epochsSpin.setValue(1)
    form.trainSizeSpin.setValue(300)
    form.batchSizeSpin.setValue(10)
    form.augmentCheck.setChecked(False)
    arrived: list[object] = []
    panel.session.timelapseFrame.connect(arrived.append)
    with qtbot.waitSignal(panel.trainingFinished, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(form.startTrainingButton, Qt.MouseButton.LeftButton)
    assert blocker.args == ["done"], panel.last_message
    box = panel.timelapse
    frames = box.frames
    run_frames = panel.last_result.trained.timelapse if panel.last_result else []
    assert len(arrived) >= len(frames) >= 3
    assert [f.step for f in frames] == [f.step for f in run_frames]  # the GUI kept the run's frames, thinned alike
    assert frames[0].maps, "the drawing's pooled maps are in the frames"
    slider = box.slider
    assert slider.objectName() == "timelapseSlider" and slider.maximum() == len(frames) - 1
    assert slider.value() == slider.maximum()  # it followed the run
    last = view_pixels(panel)
    slider.setValue(0)
    first = view_pixels(panel)
    assert first.shape == last.shape and not np.array_equal(first, last)
    assert "step 0" in box.caption.text()
    seen = {slider.value()}
    slider.valueChanged.connect(seen.add)
    qtbot.mouseClick(box.playButton, Qt.MouseButton.LeftButton)
    assert box.playButton.isChecked()
    qtbot.waitUntil(lambda: not box.playButton.isChecked(), timeout=10_000)
    assert slider.value() == slider.maximum() and seen == set(range(len(frames)))
    assert np.array_equal(view_pixels(panel), last)


def test_slider_changes_the_view_and_exports_write_gif_and_strip(
    qtbot: QtBot, make_panel: Callable[..., TrainingPanel], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = make_panel()
    box = panel.timelapse
    assert not box.exportGifButton.isEnabled()  # nothing to export yet
    for frame in fake_frames(5):
        box.add_frame(frame)
    pictures = []
    for i in range(5):
        box.slider.setValue(i)
        pictures.append(view_pixels(panel))
    assert all(not np.array_equal(pictures[i], pictures[i + 1]) for i in range(4))
    gif, strip = tmp_path / "out" / "t.gif", tmp_path / "out" / "s.png"
    answers = iter([gif, strip])
    monkeypatch.setattr(timelapse_view, "ask_save_path", lambda *a: next(answers))
    assert box.exportGifButton.isVisible() and box.exportGifButton.isEnabled()
    qtbot.mouseClick(box.exportGifButton, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(box.exportStripButton, Qt.MouseButton.LeftButton)
    with Image.open(gif) as animation:
        assert animation.n_frames == 5
    with Image.open(strip) as sheet:
        assert sheet.width > 4 * box.view.pixmap().width() // timelapse_view.SCALE
    blocker = tmp_path / "file"
    blocker.write_text("x")
    messages: list[tuple[str, str]] = []
    box.message.connect(lambda title, text: messages.append((title, text)))
    assert not box.export_gif(blocker / "t.gif")
    assert messages and "Cannot write" in messages[0][1]


def test_a_new_frame_does_not_move_a_visitor_looking_back(
    qtbot: QtBot, make_panel: Callable[..., TrainingPanel]
) -> None:
    panel = make_panel()
    box = panel.timelapse
    frames = fake_frames(4)
    for frame in frames[:3]:
        box.add_frame(frame)
    box.slider.setValue(1)
    box.add_frame(frames[3])
    assert box.slider.maximum() == 3 and box.slider.value() == 1


def test_export_buttons_hidden_in_a_kiosk_unless_allowed(
    qtbot: QtBot, make_panel: Callable[..., TrainingPanel]
) -> None:
    kiosk = make_panel(kiosk=True)
    assert kiosk.timelapse.exportGifButton.isHidden() and kiosk.timelapse.exportStripButton.isHidden()
    assert kiosk.timelapse.slider.isVisible() and kiosk.timelapse.playButton.isVisible()
    allowed = make_panel(kiosk=True, allow_export=True)
    assert not allowed.timelapse.exportGifButton.isHidden() and not allowed.timelapse.exportStripButton.isHidden()
    desktop = make_panel()
    assert desktop.timelapse.exportGifButton.isVisible()


def test_app_kiosk_passes_the_configs_allow_export(monkeypatch: pytest.MonkeyPatch) -> None:
    from convlens.gui import app as app_module

    seen: dict[str, Any] = {}

    def fake_install(window: Any, allow_training: bool = True, data_base: Any = None,
                     allow_export: bool | None = None) -> None:
        seen["allow_export"] = allow_export
        raise RuntimeError("stop here")

    import convlens.gui.training as training_package

    monkeypatch.setattr(training_package, "install_training", fake_install)
    with pytest.raises(RuntimeError):
        app_module.create_window(kiosk=True, install_extras=True)
    assert seen["allow_export"] is False  # the default kiosk config


def test_the_box_speaks_german_after_a_language_switch(
    qtbot: QtBot, make_panel: Callable[..., TrainingPanel]
) -> None:
    from convlens.gui.kiosk.i18n import LanguageSwitcher

    switcher = LanguageSwitcher()
    try:
        assert switcher.set_language("de")
        panel = make_panel()
        box = panel.timelapse
        assert box.title() == "Zeitraffer: So entstehen die Filter"
        assert box.playButton.text() == "Abspielen" and box.exportGifButton.text() == "GIF exportieren…"
        for frame in fake_frames(2):
            box.add_frame(frame)
        assert box.caption.text().startswith("Bild 2 von 2")
    finally:
        switcher.uninstall()

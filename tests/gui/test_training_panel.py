"""The training tab: a tiny training through the real button, cancel, hot-swap, divergence, unwritable data
directory, MNIST download, "Correct me", model files; and the session alone, without widgets. MNIST is the
300/100-image fixture from tests/conftest.py (real IDX files, no network), so every run takes a few seconds."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

import convlens.engine.train
import convlens.services.training
from convlens.engine import data as engine_data
from convlens.engine.loading import load_model
from convlens.engine.model import Sequential
from convlens.engine.presets import PRESETS
from convlens.engine.train import evaluate
from convlens.gui.controller import Controller, default_model_path
from convlens.gui.render import SAMPLE_STROKES, rasterize_strokes
from convlens.gui.training.corrections import CorrectionBar
from convlens.gui.training.form import app_request
from convlens.gui.training.panel import TrainingPanel
from convlens.gui.training.session import TrainingSession
from convlens.gui.training.worker import TrainingResult
from convlens.services import model_store
from convlens.services.corrections import CorrectionStore
from convlens.services.evaluation import summarize
from convlens.services.recipes import QUICK

TIMEOUT_MS = 60_000


class FakeController(QObject):
    """The controller API the panel uses, recording every call."""

    modelChanged = Signal(object)
    activationsChanged = Signal(object)
    predictionChanged = Signal(int, list)

    def __init__(self) -> None:
        super().__init__()
        self.model: Any = object()
        self.info = SimpleNamespace(path=Path("factory.onnx"), label="factory.onnx", metadata={})
        self.calls: list[tuple[str, Any]] = []

    def current_model_info(self) -> Any:
        return self.info

    def load_model(self, path: Path) -> Any:
        self.calls.append(("load_model", Path(path)))
        self.model = load_model(path)
        self.info = SimpleNamespace(path=Path(path), label=Path(path).name, metadata={})
        self.modelChanged.emit(self.info)
        return self.info

    def set_model(self, model: Any, path: Any = None, metadata: Any = None) -> Any:
        self.calls.append(("set_model", model))
        self.model = model
        self.info = SimpleNamespace(path=path, label="in-memory", metadata=metadata or {})
        return self.info

    def set_preview_model(self, model: Any) -> None:
        self.calls.append(("preview", model))

    def last_result(self) -> Any:
        return SimpleNamespace(image28=None, digit=None)


@pytest.fixture
def make_panel(qtbot: QtBot) -> Callable[..., TrainingPanel]:
    def make(controller: Any = None, **kwargs: Any) -> TrainingPanel:
        panel = TrainingPanel(controller, **kwargs)
        qtbot.addWidget(panel, before_close_func=lambda w: w.shutdown())
        panel.resize(700, 900)
        panel.show()
        panel.set_advanced_visible(True)
        return panel

    return make


def tiny(panel: TrainingPanel, epochs: int = 1, batch: int = 32, preset: str = "small") -> None:
    """Advanced settings for a run of a few batches on the 300-image fixture."""
    form = panel.form
    form.presetCombo.setCurrentIndex(form.presetCombo.findData(preset))
    form.epochsSpin.setValue(epochs)
    form.trainSizeSpin.setValue(300)
    form.batchSizeSpin.setValue(batch)
    form.augmentCheck.setChecked(False)


def train(qtbot: QtBot, panel: TrainingPanel) -> str:
    """Click the real start button and wait for the run to end; return the outcome."""
    with qtbot.waitSignal(panel.trainingFinished, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.form.startTrainingButton, Qt.MouseButton.LeftButton)
    return str(blocker.args[0])


def test_tiny_training_through_the_button_previews_saves_and_swaps(
    qtbot: QtBot, fake_mnist: Any, user_dir: Path, make_panel: Callable[..., TrainingPanel]
) -> None:
    fake = FakeController()
    panel = make_panel(fake)
    assert panel.form.startTrainingButton.isEnabled() and panel.form.quickTrainButton.isEnabled()
    tiny(panel)
    with qtbot.waitSignal(panel.trainingStarted, timeout=1000):
        outcome = train(qtbot, panel)
    assert outcome == "done", panel.last_message
    result = panel.last_result
    assert isinstance(result, TrainingResult) and result.stored is not None and result.save_error is None
    # the live preview got copies of the weights as a NumPy network, and was switched off at the end
    previews = [m for name, m in fake.calls if name == "preview"]
    assert len(previews) >= 2 and isinstance(previews[0], Sequential) and previews[-1] is None
    # saved into the user data directory, hot-swapped through load_model, committed as current
    assert result.stored.path.parent == user_dir / "models"
    assert ("load_model", result.stored.path) in fake.calls
    current = model_store.current_model()
    assert current is not None and current.id == result.stored.id
    assert current.card["architecture_preset"] == "small" and current.card["training"]["epochs"] == 1
    assert current.card["test_accuracy"] == pytest.approx(result.trained.summary.accuracy)
    # results and curves are on screen
    assert panel.results.isVisible() and "Test accuracy" in panel.results.accuracyLabel.text()
    table = panel.results.confusionTable
    total = sum(int(table.item(r, c).text() or 0) for r in range(10) for c in range(10))
    assert total == fake_mnist.n_test
    assert len(panel.curves.lines["train_loss"].getData()[0]) >= 1
    assert len(panel.curves.lines["val_acc"].getData()[0]) >= 1
    assert not panel.curves.live
    assert panel.runStatus.trainingProgress.value() == 1000
    assert panel.form.quickTrainButton.isEnabled() and not panel.runStatus.cancelTrainingButton.isEnabled()


def test_quick_train_button_uses_the_quick_budget(
    qtbot: QtBot, fake_mnist: Any, user_dir: Path, make_panel: Callable[..., TrainingPanel]
) -> None:
    panel = make_panel(FakeController())
    with qtbot.waitSignal(panel.trainingFinished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.form.quickTrainButton, Qt.MouseButton.LeftButton)
        request = panel.session.request
        assert request is not None and request == app_request()
        assert request.recipe == QUICK and request.architecture == "default" and request.train_size is None
        assert request.start_model is None and request.source == "ConvLens app (Train button)"
        qtbot.mouseClick(panel.runStatus.cancelTrainingButton, Qt.MouseButton.LeftButton)


def test_hot_swap_changes_the_prediction_source(
    qtbot: QtBot, fake_mnist: Any, user_dir: Path, controller: Controller, make_panel: Callable[..., TrainingPanel]
) -> None:
    old_model, old_path = controller.model, controller.current_model_info().path
    panel = make_panel(controller)
    tiny(panel)
    sources: list[Any] = []
    controller.predictionChanged.connect(lambda d, p: sources.append(controller.model))
    swapped: list[Any] = []
    panel.modelSwapped.connect(swapped.append)
    assert train(qtbot, panel) == "done", panel.last_message
    stored = panel.last_result.stored if panel.last_result else None
    assert stored is not None
    info = controller.current_model_info()
    assert info.path == stored.path != old_path and controller.model is not old_model
    assert swapped == [stored.path]
    assert sources and sources[-1] is controller.model  # the drawing was re-read by the new model
    digit, probs = controller.last_result().digit, controller.last_result().probs
    assert digit is not None and probs is not None and len(probs) == 10


def test_cancel_stops_within_a_second_and_keeps_the_model(
    qtbot: QtBot, fake_mnist: Any, user_dir: Path, controller: Controller, make_panel: Callable[..., TrainingPanel]
) -> None:
    old_model, old_info = controller.model, controller.current_model_info()
    panel = make_panel(controller)
    tiny(panel, epochs=50, batch=8)
    qtbot.mouseClick(panel.form.startTrainingButton, Qt.MouseButton.LeftButton)
    # the preview of the newest weights is the model in use for a while
    qtbot.waitUntil(lambda: controller.model is not old_model and panel.curves.train_points > 2, timeout=TIMEOUT_MS)
    assert panel.is_running and not panel.form.quickTrainButton.isEnabled()
    assert panel.curves.live  # no grid while training: the cheaper repaint keeps the event loop on time
    t0 = time.perf_counter()
    with qtbot.waitSignal(panel.trainingFinished, timeout=5000) as blocker:
        qtbot.mouseClick(panel.runStatus.cancelTrainingButton, Qt.MouseButton.LeftButton)
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, f"cancel took {elapsed:.2f} s"
    assert blocker.args == ["cancelled"]
    assert controller.model is old_model and controller.current_model_info().path == old_info.path
    assert model_store.current_model() is None and model_store.list_models() == []
    assert "cancelled" in panel.runStatus.statusLabel.text()
    assert not panel.curves.live  # the grid is back to read the values


def test_divergence_stops_with_a_message_and_keeps_the_model(
    qtbot: QtBot,
    fake_mnist: Any,
    user_dir: Path,
    controller: Controller,
    make_panel: Callable[..., TrainingPanel],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_fit = convlens.engine.train.fit

    def fit_with_a_huge_learning_rate(model: Any, x: Any, y: Any, config: Any, **kw: Any) -> Iterator[Any]:
        return real_fit(model, x, y, replace(config, lr=1e30, schedule="constant"), **kw)

    monkeypatch.setattr(convlens.services.training, "fit", fit_with_a_huge_learning_rate)
    old_model = controller.model
    panel = make_panel(controller)
    tiny(panel, epochs=3)
    assert train(qtbot, panel) == "diverged"
    assert panel.last_message is not None and "NaN" in panel.last_message[1]
    assert "Traceback" not in panel.last_message[1]
    assert controller.model is old_model
    assert model_store.list_models() == []


def test_unwritable_data_directory_gives_a_message_not_a_traceback(
    qtbot: QtBot,
    tmp_path: Path,
    fake_mnist: Any,
    controller: Controller,
    make_panel: Callable[..., TrainingPanel],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")  # mkdir under a regular file fails, even as root
    monkeypatch.setenv(model_store.DATA_DIR_ENV, str(blocker / "userdata"))
    panel = make_panel(controller)
    tiny(panel)
    assert train(qtbot, panel) == "done"
    assert panel.last_message is not None
    title, text = panel.last_message
    assert title == "Model not saved" and "cannot create the model folder" in text and "Traceback" not in text
    # the trained network is still put in use, from memory
    assert controller.current_model_info().path is None
    assert panel.last_result is not None and controller.model is panel.last_result.trained.model
    # corrections into the same directory: a message too
    bar = panel.correctionBar
    bar.set_image(np.ones((28, 28), np.float32))
    bar.save_box.setChecked(True)
    qtbot.mouseClick(bar.findChild(QPushButton, "correctDigit4"), Qt.MouseButton.LeftButton)
    assert "Could not save the correction" in bar.status.text()


def test_fine_tune_starts_from_the_model_in_use_and_mixes_in_corrections(
    qtbot: QtBot, fake_mnist: Any, user_dir: Path, controller: Controller, make_panel: Callable[..., TrainingPanel]
) -> None:
    store = CorrectionStore()
    for digit in (1, 4, 7):
        store.add(np.full((28, 28), 0.5, np.float32), digit)
    panel = make_panel(controller)
    assert "3 saved" in panel.form.fineTuneCheck.text()
    tiny(panel, preset="small")
    panel.form.fineTuneCheck.setChecked(True)
    assert train(qtbot, panel) == "done", panel.last_message
    assert panel.session.request is not None and panel.session.request.start_model is not None
    assert panel.last_result is not None
    card = panel.last_result.trained.card
    assert card["architecture_preset"] == "fine-tuned"
    assert card["training"]["corrections"] == 3
    assert card["training"]["train_images"] > 240  # the corrections were oversampled into the 240 images
    shipped = load_model(default_model_path().with_suffix(".npz"))  # type: ignore[union-attr]
    assert card["parameters"] == shipped.param_count() != Sequential.from_config(PRESETS["small"]).param_count()


def test_without_data_and_network_training_is_disabled_with_the_reason(
    qtbot: QtBot, offline_data: Path, user_dir: Path, controller: Controller, make_panel: Callable[..., TrainingPanel]
) -> None:
    panel = make_panel(controller)
    assert not panel.data_available
    form, box = panel.form, panel.dataBox
    assert not form.quickTrainButton.isEnabled() and not form.startTrainingButton.isEnabled()
    assert form.unavailableLabel.isVisible() and "MNIST" in form.unavailableLabel.text()
    assert box.isVisible() and box.downloadButton.isEnabled()
    assert not panel.start_quick()
    model_before = controller.model
    qtbot.mouseClick(box.downloadButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.is_downloading, timeout=TIMEOUT_MS)
    assert "Could not download MNIST" in box.dataStatus.text()
    assert "download failed" in form.unavailableLabel.text()
    assert not form.quickTrainButton.isEnabled()
    assert controller.model is model_before  # the shipped model keeps working
    controller.set_canvas_image(rasterize_strokes(SAMPLE_STROKES[7], 280, 280 / 11))
    assert controller.last_result().digit == 7


def test_download_shows_progress_then_enables_training(
    qtbot: QtBot,
    offline_data: Path,
    user_dir: Path,
    make_panel: Callable[..., TrainingPanel],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    have = [False]

    def fake_ensure(progress: Any = None, **kw: Any) -> Path:
        for done in (0, 50, 100):
            progress("train-images-idx3-ubyte.gz", done, 100)
            time.sleep(0.02)
        have[0] = True
        return offline_data

    monkeypatch.setattr(engine_data, "ensure_mnist", fake_ensure)
    monkeypatch.setattr(engine_data, "is_cached", lambda *a, **k: have[0])
    panel = make_panel(FakeController())
    box = panel.dataBox
    assert not panel.form.quickTrainButton.isEnabled()
    qtbot.mouseClick(box.downloadButton, Qt.MouseButton.LeftButton)
    assert box.downloadProgress.isVisible() and not box.downloadButton.isEnabled()
    assert "Downloading" in panel.form.unavailableLabel.text()
    qtbot.waitUntil(lambda: not box.is_downloading, timeout=TIMEOUT_MS)
    assert box.downloadProgress.value() == 1000
    assert panel.form.quickTrainButton.isEnabled() and not box.isVisible()


def test_corrections_are_saved_only_when_opted_in(qtbot: QtBot, tmp_path: Path) -> None:
    store = CorrectionStore(tmp_path / "corrections.npz")
    bar = CorrectionBar(store)
    qtbot.addWidget(bar)
    buttons = [bar.findChild(type(bar.buttons[0]), f"correctDigit{d}") for d in range(10)]
    assert all(b is not None and not b.isEnabled() for b in buttons)  # nothing drawn yet
    image = np.zeros((28, 28), np.float32)
    image[4:24, 13:16] = 1.0
    bar.on_result(SimpleNamespace(image28=image, digit=7))
    assert not bar.save_box.isChecked()  # opt-in: off by default
    with qtbot.waitSignal(bar.corrected) as blocker:
        qtbot.mouseClick(buttons[1], Qt.MouseButton.LeftButton)
    assert blocker.args[0] == 1
    assert store.count() == 0 and not store.path.exists()
    bar.save_box.setChecked(True)
    qtbot.mouseClick(buttons[1], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(buttons[9], Qt.MouseButton.LeftButton)
    x, y = store.load()
    assert list(y) == [1, 9] and x.shape == (2, 28, 28, 1)
    np.testing.assert_allclose(x[0, ..., 0], image, atol=1 / 255)
    store.clear()
    assert store.count() == 0


def test_misclassified_digit_goes_onto_the_canvas_and_through_the_network(
    qtbot: QtBot, user_dir: Path, controller: Controller, make_panel: Callable[..., TrainingPanel]
) -> None:
    from convlens.gui.canvas import DrawingCanvas

    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    canvas.imageChanged.connect(controller.set_canvas_image)
    panel = make_panel(controller, canvas=canvas)
    seven = rasterize_strokes(SAMPLE_STROKES[7], 280, 280 / 11)
    from convlens.engine.preprocess import mnist_style

    img = mnist_style(seven)
    assert img is not None
    x = np.stack([img, np.zeros_like(img)])[..., None]
    y = np.array([1, 0])
    probs = np.zeros((2, 10), np.float32)
    probs[0, 7] = probs[1, 0] = 1.0
    panel.results.set_summary(summarize(evaluate(lambda b: probs, x, y), probs, x, y))
    panel.results.setVisible(True)
    gallery = panel.results.gallery
    assert gallery.count() == 1 and gallery.item(0).text() == "1 → 7"
    gallery.scrollToItem(gallery.item(0))
    with qtbot.waitSignal(panel.digitChosen) as chosen:
        qtbot.mouseClick(
            gallery.viewport(), Qt.MouseButton.LeftButton, pos=gallery.visualItemRect(gallery.item(0)).center()
        )
    np.testing.assert_array_equal(chosen.args[0], img)
    assert not canvas.is_empty()
    assert controller.last_result().digit == 7


def test_factory_reset_and_save_report_errors_in_messages(
    qtbot: QtBot, tmp_path: Path, user_dir: Path, controller: Controller, make_panel: Callable[..., TrainingPanel]
) -> None:
    factory = controller.current_model_info().path
    stored = model_store.save_model(Sequential.from_config(PRESETS["small"]))
    controller.load_model(stored.path)
    panel = make_panel(controller)
    # save the model in use as .npz (an ONNX session: copied from its .npz twin) and as .onnx
    assert panel.save_model_as(tmp_path / "mine.onnx") and (tmp_path / "mine.onnx").read_bytes() == (
        stored.onnx.read_bytes()  # type: ignore[union-attr]
    )
    assert panel.save_model_as(tmp_path / "mine.npz")
    assert not panel.save_model_as(tmp_path / "mine.txt")
    assert panel.last_message is not None and ".onnx or .npz" in panel.last_message[1]
    assert panel.findChild(QPushButton, "trainingOpenModelButton") is None  # opening is the window's File menu
    # reset: the shipped model comes back and the pointer is gone
    with qtbot.waitSignal(panel.modelSwapped):
        qtbot.mouseClick(panel.modelBox.factoryResetButton, Qt.MouseButton.LeftButton)
    assert controller.current_model_info().path == factory
    assert "default" in panel.modelBox.modelInUse.text()
    assert model_store.current_model() is None


def test_training_can_be_switched_off(
    qtbot: QtBot, fake_mnist: Any, user_dir: Path, make_panel: Callable[..., TrainingPanel]
) -> None:
    panel = make_panel(FakeController(), allow_training=False, kiosk=True)
    assert not panel.start_quick()
    assert not panel.form.quickTrainButton.isVisible() and "switched off" in panel.form.unavailableLabel.text()
    assert panel.modelBox.factoryResetButton.isVisible() and not panel.modelBox.saveModelButton.isVisible()


def test_a_second_correction_bar_shares_the_store_and_the_opt_in(
    qtbot: QtBot, user_dir: Path, controller: Controller, make_panel: Callable[..., TrainingPanel]
) -> None:
    panel = make_panel(controller)
    bar = panel.make_correction_bar()
    qtbot.addWidget(bar)
    assert bar.objectName() == "correctionBar" and bar.buttons[3].isEnabled()  # the drawn 3 is on the canvas
    bar.save_box.setChecked(True)
    assert panel.correctionBar.save_box.isChecked()
    qtbot.mouseClick(bar.buttons[8], Qt.MouseButton.LeftButton)
    x, y = panel.corrections.load()
    assert list(y) == [8]
    np.testing.assert_allclose(x[0, ..., 0], controller.last_result().image28, atol=1 / 255)
    assert "1 saved" in panel.form.fineTuneCheck.text()
    panel.correctionBar.save_box.setChecked(False)
    assert not bar.save_box.isChecked()


def test_factory_reset_during_training_cancels_then_resets(
    qtbot: QtBot, fake_mnist: Any, user_dir: Path, controller: Controller, make_panel: Callable[..., TrainingPanel]
) -> None:
    factory = controller.current_model_info().path
    stored = model_store.save_model(Sequential.from_config(PRESETS["small"]))
    controller.load_model(stored.path)
    panel = make_panel(controller)
    tiny(panel, epochs=50, batch=8)
    qtbot.mouseClick(panel.form.startTrainingButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.curves.train_points > 0, timeout=TIMEOUT_MS)
    assert panel.modelBox.factoryResetButton.isEnabled()
    with qtbot.waitSignal(panel.modelSwapped, timeout=5000) as swapped:
        with qtbot.waitSignal(panel.trainingFinished, timeout=5000) as finished:
            qtbot.mouseClick(panel.modelBox.factoryResetButton, Qt.MouseButton.LeftButton)
    assert finished.args == ["cancelled"] and swapped.args == [factory]
    assert controller.current_model_info().path == factory and model_store.current_model() is None


def test_the_session_runs_without_widgets(qtbot: QtBot, fake_mnist: Any, user_dir: Path) -> None:
    """The Qt session alone: phases in order, the preview switched on and off, the saved model hot-swapped."""
    fake = FakeController()
    session = TrainingSession(fake)
    phases: list[str] = []
    session.phaseChanged.connect(phases.append)
    progress: list[Any] = []
    session.progressed.connect(progress.append)
    swapped: list[Any] = []
    session.modelSwapped.connect(swapped.append)
    request = app_request(
        QUICK.with_overrides(epochs=1, batch_size=32), "small", train_size=200, validation_size=50, test_limit=50
    )
    with qtbot.waitSignal(session.finished, timeout=TIMEOUT_MS) as finished:
        assert session.start(request)
        assert session.is_running and not session.start(request)  # one run at a time
    assert finished.args == ["done"] and session.outcome == "done" and not session.is_running
    assert phases[0] == "Loading MNIST" and phases[-3:] == ["Training", "Testing", "Saving"]
    assert progress and progress[-1].epoch_pos == pytest.approx(1.0)
    result = session.result
    assert result is not None and result.stored is not None and swapped == [result.stored.path]
    assert result.trained.card["training"]["source"] == "ConvLens app (Train button)"
    previews = [m for name, m in fake.calls if name == "preview"]
    assert isinstance(previews[0], Sequential) and previews[-1] is None
    assert fake.calls[-1] == ("load_model", result.stored.path)

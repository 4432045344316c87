"""The architecture editor in the training tab's advanced settings: summary, refused shapes, presets, the timed
estimate in a worker thread (never while the pen draws or a run goes on) and a custom network trained through the
real button on the 300-image MNIST fixture of tests/conftest.py."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from pytestqt.qtbot import QtBot

from convlens.engine.model import Sequential
from convlens.engine.presets import PRESETS
from convlens.gui.training import architecture_editor
from convlens.gui.training.architecture_editor import ArchitectureEditor, RunSize
from convlens.gui.training.form import CUSTOM, SettingsForm
from convlens.gui.training.panel import TrainingPanel
from convlens.services import model_store
from convlens.services.architecture import ArchitectureSpec, ConvBlock, forward_flops, parameter_count

TIMEOUT_MS = 60_000


@pytest.fixture(autouse=True)
def fresh_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts with no measured rate (the cache is per process)."""
    monkeypatch.setattr(architecture_editor, "_RATES", {})
    monkeypatch.setattr(architecture_editor, "MEASURE_DELAY_MS", 50)


@pytest.fixture
def editor(qtbot: QtBot) -> ArchitectureEditor:
    widget = ArchitectureEditor()
    qtbot.addWidget(widget, before_close_func=lambda w: w.shutdown())
    widget._timer.setInterval(50)
    widget.show()
    return widget


@pytest.fixture
def form(qtbot: QtBot) -> SettingsForm:
    widget = SettingsForm()
    qtbot.addWidget(widget, before_close_func=lambda w: w.shutdown())
    widget.architectureEditor._timer.setInterval(50)
    widget.show()
    widget.set_state(None, False, True)
    widget.set_advanced_visible(True)
    return widget


def test_summary_follows_the_spin_boxes(qtbot: QtBot, editor: ArchitectureEditor) -> None:
    assert editor.layers() == PRESETS["default"]
    assert "106,122 parameters" in editor.summaryLabel.text() and "2.6 MFLOP per image" in editor.summaryLabel.text()
    assert editor.is_valid and not editor.errorLabel.isVisible()
    with qtbot.waitSignal(editor.changed, timeout=1000):
        editor.filtersSpins[0].setValue(8)
    qtbot.keyClick(editor.denseSpin, Qt.Key.Key_Up)  # 64 -> 65 units
    layers = editor.layers()
    assert layers[0]["filters"] == 8 and layers[-3]["units"] == 65
    params = Sequential.from_config(layers).param_count()
    assert params == parameter_count(layers)
    assert f"{params:,} parameters" in editor.summaryLabel.text()
    assert f"{forward_flops(layers) / 1e6:.1f} MFLOP per image" in editor.summaryLabel.text()
    editor.blocksSpin.setValue(3)
    assert editor.filtersSpins[2].isVisible() and len([layer for layer in editor.layers()
                                                       if layer["type"] == "Conv2D"]) == 3
    editor.blocksSpin.setValue(1)
    assert not editor.filtersSpins[1].isVisible() and not editor.poolChecks[2].isVisible()
    editor.denseSpin.setValue(0)
    assert editor.denseSpin.text() == "none" and not editor.dropoutSpin.isEnabled()
    assert [layer["type"] for layer in editor.layers()] == ["Conv2D", "MaxPool2D", "Flatten", "Dense"]


def test_impossible_shape_shows_why_and_disables_start(qtbot: QtBot, form: SettingsForm) -> None:
    editor = form.architectureEditor
    assert form.startTrainingButton.isEnabled()
    with qtbot.waitSignal(editor.validityChanged, timeout=1000) as blocker:
        editor.set_spec(ArchitectureSpec((ConvBlock(8, 5, "valid"), ConvBlock(8, 5, "valid"), ConvBlock(8, 3,
                                                                                                           "valid"))))
        editor.kernelSpins[2].setValue(5)  # 28 -> 24 -> 12 -> 8 -> 4: a 5x5 filter does not fit
    assert blocker.args == [False]
    sentence = ("Block 3's 5x5 filter does not fit the 4x4 map left after 2 poolings: use a smaller filter, "
                "\"same\" padding or less pooling.")
    assert editor.errorLabel.isVisible() and editor.errorLabel.text() == sentence
    assert not form.startTrainingButton.isEnabled() and form.startTrainingButton.toolTip() == sentence
    assert form.presetCombo.currentData() == CUSTOM
    # "same" padding for block 3 fixes it
    editor.paddingCombos[2].setCurrentIndex(editor.paddingCombos[2].findData("same"))
    assert editor.is_valid and not editor.errorLabel.isVisible() and form.startTrainingButton.isEnabled()
    # too big to train here: refused with the reason, too
    editor.set_spec(ArchitectureSpec((ConvBlock(64, 7, "same", False),) * 2, dense_units=512))
    assert not form.startTrainingButton.isEnabled()
    assert "parameters, more than the 1,000,000" in editor.errorLabel.text()
    # fine-tuning keeps the network in use: the edited one does not stop it
    form.fineTuneCheck.setChecked(True)
    assert form.startTrainingButton.isEnabled()


def test_presets_load_into_the_editor_and_edits_become_custom(form: SettingsForm) -> None:
    editor = form.architectureEditor
    form.presetCombo.setCurrentIndex(form.presetCombo.findData("small"))
    assert editor.layers() == PRESETS["small"] and editor.denseSpin.text() == "none"
    assert form.request().architecture == "small" and form.request().layers is None
    editor.filtersSpins[1].setValue(12)
    assert form.presetCombo.currentData() == CUSTOM
    request = form.request()
    assert request.layers is not None and list(request.layers) == editor.layers()
    assert request.layers[2]["filters"] == 12
    editor.filtersSpins[1].setValue(16)  # back to the preset's network: the combo follows
    assert form.presetCombo.currentData() == "small"
    form.presetCombo.setCurrentIndex(form.presetCombo.findData("default"))
    assert editor.layers() == PRESETS["default"]


def test_estimate_is_measured_in_a_worker_thread_after_an_edit(qtbot: QtBot, form: SettingsForm) -> None:
    editor = form.architectureEditor
    form.set_advanced_visible(True)  # opened by the program: no timing run
    qtbot.wait(150)
    assert not editor.is_measuring and editor.measurements == 0
    assert "measured when you change the network" in editor.summaryLabel.text()
    qtbot.mouseClick(form.advancedToggle, Qt.MouseButton.LeftButton)  # the visitor closes and opens them
    qtbot.mouseClick(form.advancedToggle, Qt.MouseButton.LeftButton)
    assert form.advancedBox.isVisible() and editor._timer.isActive() and not editor.is_measuring
    qtbot.waitUntil(lambda: editor.is_measuring, timeout=2000)  # the GUI thread is free while it runs
    qtbot.waitUntil(lambda: editor.measurements == 1 and not editor.is_measuring, timeout=TIMEOUT_MS)
    text = editor.summaryLabel.text()
    seconds = editor.estimated_seconds()
    assert seconds is not None and seconds > 0
    assert "to train and test on this machine" in text and ("s to train" in text or "min to train" in text)
    # more epochs: the estimate scales, without a new measurement
    form.epochsSpin.setValue(form.epochsSpin.value() * 2)
    doubled = editor.estimated_seconds()
    assert doubled == pytest.approx(2 * seconds, rel=0.2) and editor.measurements == 1
    # another network: a rough figure from the rate measured so far until its own rate is known
    editor.filtersSpins[0].setValue(6)
    assert "roughly" in editor.summaryLabel.text()
    qtbot.waitUntil(lambda: editor.measurements == 2 and not editor.is_measuring, timeout=TIMEOUT_MS)
    assert "roughly" not in editor.summaryLabel.text()


def test_pen_and_training_hold_the_timing_run_back(qtbot: QtBot, form: SettingsForm) -> None:
    editor = form.architectureEditor
    editor.set_spec(ArchitectureSpec((ConvBlock(32, 5, "same", False), ConvBlock(32, 3)), dense_units=64))
    assert editor.is_valid
    editor.request_measurement()
    qtbot.waitUntil(lambda: editor.is_measuring, timeout=2000)
    editor.pen_moved()  # the visitor draws: the run is cancelled and waits for the pen to rest
    qtbot.waitUntil(lambda: not editor.is_measuring, timeout=TIMEOUT_MS)
    assert editor.measurements == 0
    for _ in range(5):  # the pen keeps moving: nothing starts
        editor.pen_moved()
        qtbot.wait(20)
        assert not editor.is_measuring
    form.set_state(None, True, True)  # a training run starts: no timing run until it ends
    qtbot.wait(200)
    assert not editor.is_measuring and not editor._timer.isActive()
    form.set_state(None, False, True)
    editor.set_spec(ArchitectureSpec((ConvBlock(4, 3),), dense_units=0))
    editor.request_measurement()
    qtbot.waitUntil(lambda: editor.measurements == 1 and not editor.is_measuring, timeout=TIMEOUT_MS)


class FakeController(QObject):
    """The controller API the panel uses."""

    modelChanged = Signal(object)
    activationsChanged = Signal(object)
    predictionChanged = Signal(int, list)

    def __init__(self) -> None:
        super().__init__()
        self.model: Any = object()
        self.info = SimpleNamespace(path=Path("factory.onnx"), label="factory.onnx", metadata={})

    def current_model_info(self) -> Any:
        return self.info

    def load_model(self, path: Path) -> Any:
        from convlens.engine.loading import load_model

        self.model = load_model(path)
        return self.info

    def set_preview_model(self, model: Any) -> None:
        pass

    def last_result(self) -> Any:
        return SimpleNamespace(image28=None, digit=None)


def test_a_custom_network_trains_end_to_end(
    qtbot: QtBot, fake_mnist: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(model_store.DATA_DIR_ENV, str(tmp_path / "userdata"))
    panel = TrainingPanel(FakeController())
    qtbot.addWidget(panel, before_close_func=lambda w: w.shutdown())
    panel.resize(700, 900)
    panel.show()
    panel.set_advanced_visible(True)
    form = panel.form
    form.architectureEditor.set_spec(ArchitectureSpec((ConvBlock(4, 3, "valid"), ConvBlock(6, 3, "same", False)),
                                                      dense_units=12, dropout=0.1))
    assert form.presetCombo.currentData() == CUSTOM
    form.epochsSpin.setValue(1)
    form.trainSizeSpin.setValue(300)
    form.batchSizeSpin.setValue(32)
    form.augmentCheck.setChecked(False)
    layers = form.architectureEditor.layers()
    with qtbot.waitSignal(panel.trainingFinished, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(form.startTrainingButton, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == "done", panel.last_message
    result = panel.last_result
    assert result is not None
    card = result.trained.card
    assert card["architecture_preset"] == "custom" and card["custom_architecture"]["layers"] == layers
    assert result.trained.model.param_count() == parameter_count(layers)
    current = model_store.current_model()
    assert current is not None and current.card["architecture_preset"] == "custom"


def test_run_size_from_the_form(form: SettingsForm) -> None:
    form.trainSizeSpin.setValue(2000)
    form.epochsSpin.setValue(3)
    form.batchSizeSpin.setValue(64)
    run = form.architectureEditor._run
    assert isinstance(run, RunSize) and (run.images, run.epochs, run.batch_size) == (2000, 3, 64)


def test_every_problem_sentence_is_offered_for_translation() -> None:
    from convlens.services.architecture import TEMPLATES

    assert architecture_editor.PROBLEM_TEXTS == TEMPLATES


def test_the_reason_and_summary_in_german(qtbot: QtBot) -> None:
    from PySide6.QtCore import QCoreApplication, QTranslator

    from convlens.gui.kiosk.i18n import qm_path

    translator = QTranslator()
    assert translator.load(str(qm_path("de")))
    QCoreApplication.installTranslator(translator)
    try:
        widget = ArchitectureEditor()
        qtbot.addWidget(widget, before_close_func=lambda w: w.shutdown())
        assert widget.summaryLabel.text().startswith("106,122 Parameter · 2.6 MFLOP pro Bild")
        widget.set_spec(ArchitectureSpec((ConvBlock(8, 5, "valid"),) * 3))
        assert widget.errorLabel.text() == (
            "Der 5x5-Filter von Block 3 passt nicht auf die 4x4-Karte, die nach 2 Poolings übrig ist: Nimm einen "
            "kleineren Filter, Rand „same“ oder weniger Pooling."
        )
    finally:
        QCoreApplication.removeTranslator(translator)


def test_the_real_pen_holds_the_timing_run_back(qtbot: QtBot) -> None:
    from convlens.gui.canvas import DrawingCanvas

    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    panel = TrainingPanel(FakeController(), canvas)
    qtbot.addWidget(panel, before_close_func=lambda w: w.shutdown())
    editor = panel.form.architectureEditor
    editor.set_spec(ArchitectureSpec((ConvBlock(32, 5, "same", False), ConvBlock(32, 3)), dense_units=64))
    editor.request_measurement()
    qtbot.waitUntil(lambda: editor.is_measuring, timeout=2000)
    canvas.begin_stroke(0.3, 0.3)  # the pen goes down and moves: the timing run stops
    canvas.extend_stroke(0.5, 0.6)
    qtbot.waitUntil(lambda: not editor.is_measuring, timeout=TIMEOUT_MS)
    qtbot.wait(300)  # the pen rests but is still down: nothing starts
    assert not editor.is_measuring and editor.measurements == 0
    canvas.end_stroke()
    qtbot.waitUntil(lambda: editor.measurements == 1 and not editor.is_measuring, timeout=TIMEOUT_MS)

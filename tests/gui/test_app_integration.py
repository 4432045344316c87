"""The assembled application: create_window() brings the explorer, the Learn tab and the training tab together."""

from __future__ import annotations

import numpy as np
from pytestqt.qtbot import QtBot

from convlens.gui.app import create_window


def test_create_window_has_learn_and_training_tabs_and_the_correction_bar(qtbot: QtBot) -> None:
    window = create_window()
    qtbot.addWidget(window)
    titles = [window.sideTabs.tabText(i) for i in range(window.sideTabs.count())]
    assert titles[0] == "Network"
    assert "Learn" in titles
    assert window.trainingPanel is not None
    assert window.sideTabs.indexOf(window.trainingPanel) >= 0
    assert window.findChild(type(window.lessonPanel), "lessonPanel") is window.lessonPanel
    assert window.findChild(object, "correctionBar") is not None


def test_the_lesson_follows_the_drawing(qtbot: QtBot) -> None:
    window = create_window()
    qtbot.addWidget(window)
    canvas = np.zeros((280, 280), np.float32)
    canvas[40:240, 130:150] = 1.0  # a "1"
    window.controller.set_canvas_image(canvas)
    shown = window.lessonPanel.displayed_output_shape("digit")
    assert shown is not None


def test_stacking_click_jumps_to_the_network_tab(qtbot: QtBot) -> None:
    window = create_window()
    qtbot.addWidget(window)
    window.sideTabs.setCurrentWidget(window.lessonPanel)
    window.lessonPanel.layerActivated.emit("pool1")
    assert window.sideTabs.currentIndex() == 0


def test_preview_model_keeps_levels_and_restores_the_real_model(qtbot: QtBot) -> None:
    from convlens.engine.model import load_npz_model
    from convlens.resources import models_dir

    window = create_window()
    qtbot.addWidget(window)
    controller = window.controller
    real_model, real_info = controller.model, controller.current_model_info()
    preview = load_npz_model(models_dir() / "default.npz")
    for _, value, _ in preview.named_params():
        value *= 0.5
    with qtbot.waitSignal(controller.modelChanged):
        controller.set_preview_model(preview)
    assert controller.model is preview
    assert controller.current_model_info().map_layers == real_info.map_layers  # colour levels kept
    first = next(iter(controller.current_model_info().filters))
    assert not np.allclose(controller.current_model_info().filters[first][0], real_info.filters[first][0])
    controller.set_preview_model(None)
    assert controller.model is real_model


def test_show_image28_runs_an_mnist_style_image_through_the_network(qtbot: QtBot) -> None:
    window = create_window()
    qtbot.addWidget(window)
    image = np.zeros((28, 28), np.float32)
    image[4:24, 13:15] = 1.0
    with qtbot.waitSignal(window.predictionChanged) as blocker:
        window.controller.show_image28(image)
    assert blocker.args[0] == 1

"""install_training on the real explorer window: the Train button opens the tab, File menu entries, kiosk rules,
and one tiny training whose new model the window then uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton, QTabWidget
from pytestqt.qtbot import QtBot

from convlens.gui import app as app_module
from convlens.gui.render import SAMPLE_STROKES
from convlens.gui.training import install_training
from convlens.gui.training.panel import TrainingPanel
from convlens.services import model_store


def make_window(qtbot: QtBot, kiosk: bool = False) -> Any:
    window = app_module.create_window(kiosk=kiosk, install_extras=False)
    qtbot.addWidget(window, before_close_func=lambda w: [p.shutdown() for p in w.findChildren(TrainingPanel)])
    return window


def test_train_button_opens_the_training_tab_and_file_menu_has_the_model_actions(
    qtbot: QtBot, user_dir: Path
) -> None:
    window = make_window(qtbot)
    panel = install_training(window)
    assert panel is not None and panel.objectName() == "trainingPanel"
    tabs = window.findChild(QTabWidget, "sideTabs")
    assert tabs.indexOf(panel) >= 0 and tabs.currentWidget() is not panel
    window.show()
    qtbot.mouseClick(window.findChild(QPushButton, "trainButton"), Qt.MouseButton.LeftButton)
    assert tabs.currentWidget() is panel
    save = window.findChild(QAction, "saveModelAction")
    reset = window.findChild(QAction, "factoryResetAction")
    assert save is not None and save.isEnabled() and reset is not None
    file_actions = window.menu("file").actions()
    assert reset in file_actions and file_actions.index(reset) == file_actions.index(save) + 1
    assert len([a for a in window.findChildren(QAction) if a.objectName() == "openModelAction"]) == 1
    assert panel.findChild(QPushButton, "trainingOpenModelButton") is None  # one "Open model" flow: the window's


def test_kiosk_without_training_hides_the_button(qtbot: QtBot, user_dir: Path) -> None:
    window = make_window(qtbot, kiosk=True)
    assert install_training(window, allow_training=False) is None
    assert window.findChild(QPushButton, "trainButton").isHidden()
    assert window.findChild(TrainingPanel) is None


def test_kiosk_with_training_has_no_file_actions(qtbot: QtBot, user_dir: Path) -> None:
    window = make_window(qtbot, kiosk=True)
    panel = install_training(window)
    assert panel is not None and panel.kiosk
    assert window.findChild(QAction, "factoryResetAction") is None
    assert panel.modelBox.saveModelButton.isHidden() and not panel.modelBox.factoryResetButton.isHidden()


def test_tiny_training_in_the_window_swaps_the_model_the_window_uses(
    qtbot: QtBot, fake_mnist: Any, user_dir: Path
) -> None:
    window = make_window(qtbot)
    panel = install_training(window)
    assert panel is not None
    window.show()
    window.canvas.set_strokes(SAMPLE_STROKES[2])
    window.canvas.flush()
    assert window.last_prediction()[0] >= 0
    qtbot.mouseClick(window.findChild(QPushButton, "trainButton"), Qt.MouseButton.LeftButton)
    assert window.sideTabs.currentWidget() is panel
    form = panel.form
    form.set_advanced_visible(True)
    form.presetCombo.setCurrentIndex(form.presetCombo.findData("small"))
    form.epochsSpin.setValue(1)
    form.trainSizeSpin.setValue(300)
    form.batchSizeSpin.setValue(32)
    with qtbot.waitSignal(window.predictionChanged, timeout=60_000):  # the preview re-reads the drawing
        with qtbot.waitSignal(panel.trainingFinished, timeout=60_000) as finished:
            qtbot.mouseClick(form.startTrainingButton, Qt.MouseButton.LeftButton)
    assert finished.args == ["done"]
    stored = model_store.current_model()
    assert stored is not None and window.controller.current_model_info().path == stored.path
    assert stored.path.name in window.findChild(type(window.modelLabel), "modelLabel").text()

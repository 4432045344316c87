"""The class mode tab: a class set drawn with real mouse events on its canvas, taught, before < after on held-out.

The drawings are a synthetic class's hand (:mod:`convlens.services.class_style`: the sample strokes strongly
slanted, which the shipped network reads about half right), drawn through the tab's ``DrawingCanvas`` with QTest
mouse events like a pupil. The teaching uses a small real MNIST subset so that it takes a few seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from convlens.engine.data import MnistData, is_cached, load_mnist
from convlens.gui.classroom import ClassroomPanel
from convlens.gui.controller import Controller
from convlens.resources import models_dir
from convlens.services.class_style import class_strokes, synthetic_class_set
from convlens.services.classset import ClassSetStore, load_class_set, save_class_set
from convlens.services.finetune import FineTuneRequest
from convlens.services.model_store import current_model


@pytest.fixture
def panel(qtbot: QtBot, tmp_path: Path) -> ClassroomPanel:
    controller = Controller(models_dir() / "default.npz")
    widget = ClassroomPanel(controller, store=ClassSetStore(tmp_path / "class.npz"), data_base=tmp_path / "data")
    widget.controller = controller  # type: ignore[attr-defined]  # keeps it alive with the panel
    qtbot.addWidget(widget)
    widget.resize(620, 1100)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def draw_class(qtbot: QtBot, draw: Any, panel: ClassroomPanel, n: int, pupils: int, seed: int = 0) -> list[int]:
    """``n`` drawings of the digit the tab asks for, pupils taking turns every 10 drawings; returns the digits."""
    rng = np.random.default_rng(seed)
    asked = []
    for i in range(n):
        panel.pupilSpin.setValue(1 + (i // 10) % pupils)
        digit = panel.current_digit
        assert panel.promptLabel.text() == f"Please draw a {digit}"
        draw(panel.classCanvas, class_strokes(digit, rng), step_px=8.0)
        qtbot.mouseClick(panel.saveDrawingButton, Qt.MouseButton.LeftButton)
        asked.append(digit)
    return asked


@pytest.mark.mnist
def test_a_class_drawn_on_the_canvas_is_taught_and_read_better(qtbot: QtBot, draw: Any, panel: ClassroomPanel,
                                                               tmp_path: Path) -> None:
    if not is_cached():
        pytest.skip("real MNIST not in the user cache (run `convlens data fetch`)")
    asked = draw_class(qtbot, draw, panel, 60, pupils=6)
    assert sorted(asked) == sorted(list(range(10)) * 6)  # the tab asks for every digit in turn
    stored = load_class_set(panel.store.path)
    assert len(stored) == 60 and stored.labels.tolist() == asked
    assert stored.pupil.tolist() == [1 + i // 10 for i in range(60)]
    assert stored.has_strokes and len(stored.strokes(0)) >= 1
    assert [label.text() for label in panel.countLabels] == [f"{d}\n6" for d in range(10)]
    assert "60 drawings" in panel.totalLabel.text()

    full = load_mnist(allow_download=False)
    small = MnistData(full.x_train[:3000], full.y_train[:3000], full.x_test[:500], full.y_test[:500], full.sha256)
    panel.session._load_data = lambda: small
    panel.session.request = FineTuneRequest(mnist_size=1500, test_limit=500, workers=1)
    before_model = panel.session.controller.model
    assert panel.teachButton.isEnabled()
    with qtbot.waitSignal(panel.session.ended, timeout=240_000):
        qtbot.mouseClick(panel.teachButton, Qt.MouseButton.LeftButton)
        assert panel.cancelTeachButton.isEnabled() and not panel.teachButton.isEnabled()
    outcome = panel.session.outcome
    assert outcome is not None, panel.statusLabel.text()
    assert outcome.held_out == int(stored.held_out().sum()) > 0
    assert outcome.before < outcome.after, outcome.summary()
    assert panel.results.beforeAccuracy.text() == f"{outcome.before:.0%}"
    assert panel.results.afterAccuracy.text() == f"{outcome.after:.0%}"
    assert panel.results.beforeConfusion.item(0, 0) is not None
    diagonal = sum(int(panel.results.afterConfusion.item(d, d).text() or 0) for d in range(10))
    assert diagonal == round(outcome.after * outcome.held_out)
    assert f"{outcome.mnist_after:.2%}" in panel.results.mnistLabel.text()
    assert panel.teachProgress.value() == 1000 and "Done" in panel.statusLabel.text()

    assert panel.useTaughtButton.isEnabled()
    qtbot.mouseClick(panel.useTaughtButton, Qt.MouseButton.LeftButton)
    info = panel.session.controller.current_model_info()
    assert panel.session.controller.model is not before_model
    assert info.path is not None and info.path.parent == tmp_path / "data" / "models"
    assert info.path.name.startswith("class-")
    assert current_model(tmp_path / "data") is not None and current_model(tmp_path / "data").path == info.path
    x_held, _ = stored.training_arrays(stored.held_out())
    np.testing.assert_allclose(panel.session.controller.model.predict_proba(x_held),
                               outcome.model.predict_proba(x_held), atol=1e-4)


def test_save_skip_undo_export_wipe_import(qtbot: QtBot, draw: Any, panel: ClassroomPanel, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert panel.promptLabel.text() == "Please draw a 0" and not panel.saveDrawingButton.isEnabled()
    assert panel.teach_blocked_reason() is not None and panel.teachButton.toolTip() == panel.teach_blocked_reason()
    assert not panel.teach() and "at least 10" in panel.statusLabel.text()
    qtbot.mouseClick(panel.skipButton, Qt.MouseButton.LeftButton)
    assert panel.promptLabel.text() == "Please draw a 1"
    draw_class(qtbot, draw, panel, 3, pupils=1)
    assert load_class_set(panel.store.path).labels.tolist() == [1, 2, 3]
    qtbot.mouseClick(panel.undoLastButton, Qt.MouseButton.LeftButton)
    assert load_class_set(panel.store.path).labels.tolist() == [1, 2]
    assert panel.promptLabel.text() == "Please draw a 3" and panel.countLabels[3].text() == "3\n0"

    exported = tmp_path / "ours.npz"
    assert panel.export_file(exported) and len(load_class_set(exported)) == 2
    monkeypatch.setattr(panel, "confirm_wipe", lambda: False)
    qtbot.mouseClick(panel.wipeButton, Qt.MouseButton.LeftButton)
    assert len(panel.store.load()) == 2  # not confirmed: nothing is lost
    monkeypatch.setattr(panel, "confirm_wipe", lambda: True)
    qtbot.mouseClick(panel.wipeButton, Qt.MouseButton.LeftButton)
    assert not panel.store.path.exists() and panel.countLabels[1].text() == "1\n0"
    assert panel.import_file(exported) and panel.store.load().labels.tolist() == [1, 2]
    assert panel.import_file(exported) and panel.store.load().labels.tolist() == [1, 2, 1, 2]

    bad = tmp_path / "bad.npz"
    np.savez(bad, images=np.zeros((2, 28, 28), np.float64), labels=np.array([1, 2]))
    assert not panel.import_file(bad)
    assert panel.last_message is not None and "uint8" in panel.last_message[1]
    assert panel.store.load().labels.tolist() == [1, 2, 1, 2]
    for box in panel.findChildren(QMessageBox, "classroomMessage"):
        box.close()


def test_the_wipe_question_defaults_to_no(qtbot: QtBot, panel: ClassroomPanel, monkeypatch: pytest.MonkeyPatch) -> None:
    panel.store.add(np.zeros((28, 28), np.float32), 4)
    panel.reload()
    seen: list[QMessageBox] = []

    def answer(box: QMessageBox) -> int:
        seen.append(box)
        return int(QMessageBox.StandardButton.No.value)

    monkeypatch.setattr(QMessageBox, "exec", answer)
    assert not panel.ask_wipe()
    assert seen[0].objectName() == "wipeClassSetQuestion" and "the one drawing" in seen[0].text()
    assert seen[0].defaultButton() is seen[0].button(QMessageBox.StandardButton.No)
    assert len(panel.store.load()) == 1


def test_the_explorer_has_the_class_tab_and_file_menu_entries(explorer: Any) -> None:
    panel = explorer.classroomPanel
    assert isinstance(panel, ClassroomPanel)
    assert explorer.sideTabs.tabText(explorer.sideTabs.indexOf(panel)) == "Class"
    names = [action.objectName() for action in explorer.menu("file").actions()]
    assert names.index("importClassSetAction") < names.index("exportClassSetAction") < names.index(
        explorer.quitAction.objectName()
    )


def test_the_class_tab_speaks_german(explorer: Any) -> None:
    panel = explorer.classroomPanel
    try:
        assert explorer.set_language("de")
        assert panel.promptLabel.text() == "Bitte zeichne eine 0"
        assert panel.teachButton.text() == "Dem Netz unsere Handschrift beibringen"
        assert panel.wipeButton.text() == "Klassensatz löschen"
        assert explorer.sideTabs.tabText(explorer.sideTabs.indexOf(panel)) == "Klasse"
        texts = {action.objectName(): action.text() for action in explorer.menu("file").actions()}
        assert texts["importClassSetAction"] == "Klassensatz importieren…"
        assert panel.results.beforeTitle.text() == "Vorher: das Netz, wie es war"
    finally:
        explorer.set_language("en")
    assert panel.promptLabel.text() == "Please draw a 0"


def test_cancel_keeps_the_network_in_use(qtbot: QtBot, panel: ClassroomPanel, fake_mnist: Any) -> None:
    save_class_set(panel.store.path, synthetic_class_set(40, seed=2, pupils=2))
    panel.reload()
    assert "40 drawings" in panel.totalLabel.text() and panel.teachButton.isEnabled()
    panel.session._load_data = load_mnist
    panel.session.request = FineTuneRequest(epochs=200, mnist_size=300, workers=1, report_every=1)
    in_use = panel.session.controller.model
    with qtbot.waitSignal(panel.session.ended, timeout=60_000):
        qtbot.mouseClick(panel.teachButton, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.teachProgress.value() > 100, timeout=30_000)
        assert panel.statusLabel.text() == "Teaching…"
        qtbot.mouseClick(panel.cancelTeachButton, Qt.MouseButton.LeftButton)
    assert panel.session.outcome is None and "cancelled" in panel.statusLabel.text()
    assert panel.session.controller.model is in_use
    assert not panel.useTaughtButton.isEnabled() and panel.teachButton.isEnabled()
    assert panel.results.beforeAccuracy.text() == "–"

"""The explorer for every visitor: its language (system locale, --lang, View > Language, live), presenter mode
(larger type and thicker lines everywhere, also in the kiosk), message boxes in the window's theme and language,
and the small things a visitor reads (grammar, plurals, the title, the About box, F11, touch hints)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QGraphicsTextItem, QMessageBox, QPushButton, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

import convlens.gui.window as window_module
from convlens.engine import __version__
from convlens.gui.app import create_window
from convlens.gui.kiosk import hash_pin
from convlens.gui.kiosk.i18n import available_languages, language_name, system_language
from convlens.gui.render import SAMPLE_STROKES
from convlens.gui.style import PRESENTER_LINE_SCALE, PRESENTER_SCALE, get_theme


@pytest.fixture
def make(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``make(**create_window arguments)``: a shown explorer (closed after the test, English restored)."""
    monkeypatch.setenv("CONVLENS_MNIST_DIR", str(tmp_path / "no-mnist"))
    made: list[Any] = []

    def build(**kwargs: Any) -> Any:
        window = create_window(**kwargs)
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield build
    for window in made:
        window.set_language("en")


def capture_message_boxes(monkeypatch: pytest.MonkeyPatch) -> list[QMessageBox]:
    """Make Qt's static message-box functions build their box without showing it, and collect the boxes."""
    boxes: list[QMessageBox] = []

    def fake(icon: QMessageBox.Icon) -> Any:
        def show(parent: QWidget | None, title: str, text: str, *args: Any) -> QMessageBox.StandardButton:
            boxes.append(QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent))
            return QMessageBox.StandardButton.Ok

        return show

    for name, icon in (
        ("critical", QMessageBox.Icon.Critical),
        ("warning", QMessageBox.Icon.Warning),
        ("information", QMessageBox.Icon.Information),
        ("about", QMessageBox.Icon.Information),
    ):
        monkeypatch.setattr(QMessageBox, name, fake(icon))
    return boxes


def _font_size(font: QFont) -> float:
    return font.pointSizeF() if font.pointSizeF() > 0 else font.pixelSize() * 0.75


def _normal_size() -> float:
    """The application's type size without presenter mode."""
    from convlens.gui import style

    return _font_size(style._application_base_font())


def _caption_sizes(window: Any) -> list[float]:
    """Point sizes of the captions of the feature maps and filters (pyqtgraph labels)."""
    sizes = []
    for view in (window.featureMapsPanel.view, window.filtersPanel.view):
        for item in view.scene().items():
            if isinstance(item, pg.LabelItem):
                sizes.append(_font_size(item.item.font()))
    assert sizes
    return sizes


def _sizes(window: Any) -> dict[str, float]:
    axis = window.probabilitiesPanel.plot.getAxis("left")
    return {
        "caption": min(_caption_sizes(window)),
        "clear button": _font_size(window.clearButton.font()),
        "tab title": _font_size(window.sideTabs.tabBar().font()),
        "menu": _font_size(window.menu("view").font()),
        "big digit": _font_size(window.probabilitiesPanel.digitLabel.font()),
        "axis ticks": _font_size(axis.style["tickFont"] or window.probabilitiesPanel.plot.font()),
        "axis pen": max(axis.pen().widthF(), 1.0),
    }


# -- presenter mode ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "de"])
def test_presenter_mode_makes_type_and_lines_larger_everywhere(make, language: str) -> None:
    plain = make(language=language)
    normal = _sizes(plain)
    plain.close()
    presenter = make(language=language, presenter=True)
    large = _sizes(presenter)
    assert presenter.presenter() and presenter.presenterAction.isChecked()
    for what in normal:
        wanted = PRESENTER_LINE_SCALE if what == "axis pen" else PRESENTER_SCALE
        assert large[what] >= 0.97 * wanted * normal[what], (what, normal[what], large[what])
    # captions are at least as large as the widgets' text (the kiosk's old presenter mode made them smaller)
    assert large["caption"] >= 0.95 * large["clear button"]


def test_presenter_mode_switches_live_from_the_view_menu_and_back(make, qtbot: QtBot) -> None:
    window = make(language="en")
    window.canvas.draw_strokes_programmatically(SAMPLE_STROKES[7])  # gives the stacking page its layers
    window.canvas.flush()
    before = _sizes(window)
    normal_app_font = _font_size(QApplication.font())
    window.presenterAction.trigger()
    assert window.presenter()
    on = _sizes(window)
    assert on["clear button"] >= 1.4 * before["clear button"] and on["caption"] >= 1.4 * before["caption"]
    window.sideTabs.setCurrentWidget(window.lessonPanel)
    window.lessonPanel.goto_step(6)  # the stacking page makes its buttons now, while presenter mode is on
    qtbot.wait(20)
    stage = window.lessonPanel.steps()[6].findChild(QPushButton, "stage_conv1")
    assert _font_size(stage.font()) >= 1.4 * before["clear button"]
    window.presenterAction.trigger()
    assert not window.presenter()
    assert _sizes(window) == pytest.approx(before, rel=0.02)
    assert _font_size(stage.font()) == pytest.approx(before["clear button"], rel=0.02)
    assert _font_size(QApplication.font()) == pytest.approx(normal_app_font, rel=0.02)


def test_presenter_mode_survives_a_theme_switch(make) -> None:
    window = make(language="en", presenter=True)
    large = _sizes(window)
    window.set_theme("light")
    assert _sizes(window) == pytest.approx(large, rel=0.02)
    assert window.clearButton.palette().window().color().name() == get_theme("light").window


def test_presenter_mode_keeps_the_canvas_pen_the_network_was_trained_for(make) -> None:
    images = []
    for presenter in (False, True):
        window = make(language="en", presenter=presenter)
        window.canvas.draw_strokes_programmatically(SAMPLE_STROKES[7])
        window.canvas.flush()
        images.append(np.asarray(window.controller.last_result().image28))
        window.close()
    np.testing.assert_array_equal(images[0], images[1])


def test_the_kiosk_presenter_mode_is_the_same_mechanism(qtbot: QtBot, tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'presenter_mode = true\nhide_cursor = "never"\npin_hash = "{hash_pin("4711")}"\n')
    window = create_window(kiosk=True, config_path=config)
    controller = window.kioskController
    qtbot.addWidget(window, before_close_func=lambda w: controller.shutdown())
    window.show()
    qtbot.waitExposed(window)
    assert window.presenter()
    assert min(_caption_sizes(window)) >= 0.95 * _font_size(window.clearButton.font())
    assert _font_size(window.clearButton.font()) >= 0.97 * PRESENTER_SCALE * _normal_size()


def test_text_items_are_scaled_in_presenter_mode(make) -> None:
    window = make(language="en", presenter=True)
    items = [i for i in window.featureMapsPanel.view.scene().items() if isinstance(i, QGraphicsTextItem)]
    assert items and all(_font_size(i.font()) >= 0.97 * PRESENTER_SCALE * _normal_size() for i in items)


# -- language -----------------------------------------------------------------------------------------------
def test_the_start_language_follows_the_system_locale() -> None:
    assert system_language(locale=QLocale(QLocale.Language.German, QLocale.Country.Germany)) == "de"
    assert system_language(locale=QLocale(QLocale.Language.German, QLocale.Country.Switzerland)) == "de"
    assert system_language(locale=QLocale(QLocale.Language.French, QLocale.Country.France)) == "en"
    assert system_language(locale=QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)) == "en"


@pytest.mark.parametrize(("locale", "expected"), [("de_DE.UTF-8", "Löschen"), ("fr_FR.UTF-8", "Clear")])
def test_the_explorer_follows_the_locale_of_the_environment(tmp_path: Path, locale: str, expected: str) -> None:
    # Qt reads the system locale once, from LC_ALL / LC_MESSAGES / LANG: a fresh process for each.
    import os
    import subprocess
    import sys

    env = {**os.environ, "LC_ALL": locale, "LANG": locale, "LANGUAGE": "", "QT_QPA_PLATFORM": "offscreen"}
    code = (
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from convlens.gui.app import create_window\n"
        "print(create_window(install_extras=False).clearButton.text())\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines()[-1] == expected


def test_a_window_without_a_language_starts_in_the_system_language(make, monkeypatch: pytest.MonkeyPatch) -> None:
    import convlens.gui.app as app_module

    monkeypatch.setattr(app_module, "system_language", lambda: "de")
    window = make()
    assert window.language() == "de" and window.clearButton.text() == "Löschen"
    assert window.languageActions["de"].isChecked()


def test_the_view_menu_lists_each_language_under_its_own_name(make) -> None:
    window = make(language="de")
    names = [action.text() for action in window.languageMenu.actions()]
    assert names == [language_name(code) for code in available_languages()] == ["English", "Deutsch"]
    assert window.languageMenu.title() == "&Sprache"
    assert window.languageMenu.menuAction() in window.menu("view").actions()


def test_an_unknown_language_shows_english(make) -> None:
    window = make(language="xx")
    assert window.language() == "en" and window.clearButton.text() == "Clear"


# -- message boxes and dialogs --------------------------------------------------------------------------------
def test_message_boxes_take_the_window_theme_and_presenter_type(
    make, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    boxes = capture_message_boxes(monkeypatch)
    window = make(language="en")
    for theme in ("dark", "light"):
        window.set_theme(theme)
        window.show_about()
        window.open_model(tmp_path / "missing.onnx")
        assert [box.windowTitle() for box in boxes] == ["About ConvLens", "Cannot open the model"]
        for box in boxes:
            assert box.palette().window().color().name() == get_theme(theme).window, (theme, box.windowTitle())
            assert box.palette().text().color().name() == get_theme(theme).text
        boxes.clear()
    window.set_presenter(True)
    window.show_about()
    assert _font_size(boxes[0].font()) >= 0.97 * PRESENTER_SCALE * _normal_size()


def test_the_about_box_shows_the_version_and_shapes_without_python_tuples(make) -> None:
    window = make(language="en")
    text = window.about_html()
    assert __version__ in text
    assert "('N'" not in text and "N × 28 × 28 × 16" in text and "106,122" in text


# -- the small things ---------------------------------------------------------------------------------------
def test_the_title_names_convlens_once(make) -> None:
    window = make(language="en")
    assert window.windowTitle().count("ConvLens") == 1


def test_the_application_sets_no_display_name_that_qt_would_append() -> None:
    # Qt appends an explicitly set display name to every window title ("ConvLens – ... — ConvLens").
    import inspect

    import convlens.gui.app as app_module

    assert "setApplicationDisplayName" not in inspect.getsource(app_module._make_application)


def test_f11_toggles_full_screen_in_the_explorer(make, qtbot: QtBot) -> None:
    window = make(language="en")
    action = window.fullScreenAction
    assert QKeySequence(Qt.Key.Key_F11) in action.shortcuts()
    assert action in window.actions()  # F11 also works when the menu bar is hidden
    action.trigger()  # what F11 does
    qtbot.waitUntil(window.isFullScreen, timeout=2000)
    assert action.isChecked()
    action.trigger()
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=2000)
    assert not action.isChecked()


def test_f11_does_not_leave_the_kiosk(qtbot: QtBot, tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'hide_cursor = "never"\npin_hash = "{hash_pin("4711")}"\n')
    window = create_window(kiosk=True, config_path=config)
    controller = window.kioskController
    qtbot.addWidget(window, before_close_func=lambda w: controller.shutdown())
    window.show()
    qtbot.waitUntil(window.isFullScreen, timeout=2000)
    assert not window.fullScreenAction.isEnabled()
    window.fullScreenAction.trigger()
    QTest.keyClick(window, Qt.Key.Key_F11)
    qtbot.wait(100)
    assert window.isFullScreen()


@pytest.mark.parametrize("touch", [False, True])
def test_the_map_hint_says_tap_on_a_touch_screen(make, monkeypatch: pytest.MonkeyPatch, touch: bool) -> None:
    monkeypatch.setattr(window_module, "touch_screen_present", lambda: touch)
    for language, tap, hover in (("en", "Tap a map", "Hover a map"), ("de", "Tippe auf eine Karte", "Zeige auf")):
        window = make(language=language)
        assert window.featureMapsPanel.valueLabel.text().startswith(tap if touch else hover)
        window.close()


def test_an_8_takes_an(qtbot: QtBot) -> None:
    from convlens.gui.panels.probabilities import ProbabilitiesPanel

    panel = ProbabilitiesPanel()
    qtbot.addWidget(panel)
    probs = np.zeros(10, np.float32)
    probs[3], probs[8] = 0.5, 0.4
    panel.set_probabilities(probs)
    assert panel.hintLabel.text() == "Not sure: a 3 or an 8?"
    probs[3], probs[8] = 0.4, 0.5
    panel.set_probabilities(probs)
    assert panel.hintLabel.text() == "Not sure: an 8 or a 3?"


def test_correction_counts_are_singular_and_plural(qtbot: QtBot, tmp_path: Path) -> None:
    from convlens.gui.training.corrections import CorrectionBar
    from convlens.services.corrections import CorrectionStore

    bar = CorrectionBar(CorrectionStore(tmp_path / "corrections.npz"))
    qtbot.addWidget(bar)
    image = np.zeros((28, 28), np.float32)
    image[4:24, 13:16] = 1.0
    bar.on_result(SimpleNamespace(image28=image, digit=7))
    bar.save_box.setChecked(True)
    bar.correct(8)
    assert bar.status.text() == "Thanks! Saved as an 8 (1 correction so far)."
    bar.correct(1)
    assert bar.status.text() == "Thanks! Saved as a 1 (2 corrections so far)."
    assert bar.buttons[8].toolTip() == "It was an 8"


def test_one_input_channel_is_singular_in_the_tensors_step(qtbot: QtBot) -> None:
    from convlens.gui.lesson.step_tensors import TensorsStep

    step = TensorsStep()
    qtbot.addWidget(step)
    step.set_filters({"conv1": np.zeros((5, 5, 1, 16)), "conv2": np.zeros((3, 3, 16, 32))})
    step.ensure_fresh()
    cells = [
        table.item(r, c).text()
        for table in step.findChildren(QTableWidget)
        for r in range(table.rowCount())
        for c in range(table.columnCount())
        if table.item(r, c) is not None
    ]
    shown = " | ".join(cells)
    assert "channel(s)" not in shown
    assert "each reading 1 channel:" in shown and "each reading 16 channels:" in shown


def test_the_quick_train_button_readme_and_cli_give_the_same_time(qtbot: QtBot) -> None:
    import re

    from convlens.cli import build_parser
    from convlens.gui.training.form import SettingsForm

    form = SettingsForm()
    qtbot.addWidget(form)
    when = re.search(r"\((about [^)]+)\)", form.quickTrainButton.text())
    assert when is not None, form.quickTrainButton.text()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    training = readme.split("## Training in the app", 1)[1].split("\n## ", 1)[0]
    assert f"in {when.group(1)} on 2 cores" in " ".join(training.split())
    train = next(a for a in build_parser()._subparsers._group_actions[0].choices["train"]._actions  # type: ignore[union-attr]
                 if a.dest == "quick")
    assert when.group(1) in (train.help or "")


def test_presenter_mode_off_again_gives_every_own_font_its_normal_size(qtbot: QtBot) -> None:
    """A widget with a font of its own at the window's size (the filters' fixed-width numbers) grows with presenter
    mode and comes back to its size, not 2/3 of it."""
    window = create_window(language="en")
    qtbot.addWidget(window)
    try:
        details = window.filtersPanel.details
        normal = details.font().pointSizeF()
        window.set_presenter(True)
        assert details.font().pointSizeF() == pytest.approx(normal * PRESENTER_SCALE)
        window.set_presenter(False)
        assert details.font().pointSizeF() == pytest.approx(normal)  # was 6 pt for 9 pt
    finally:
        if window.trainingPanel is not None:
            window.trainingPanel.shutdown()


def test_numbers_in_spin_boxes_follow_the_language(make, qtbot: QtBot) -> None:
    window = make(language="de")
    form = window.trainingPanel.form
    assert form.trainSizeSpin.text() == "60.000" and form.lrSpin.text() == "0,0040"
    form.lrSpin.clear()
    QTest.keyClicks(form.lrSpin, "0,002")  # a German teacher types a decimal comma
    form.lrSpin.interpretText()
    assert form.lrSpin.value() == pytest.approx(0.002)
    window.set_language("en")
    assert form.trainSizeSpin.text() == "60,000" and form.lrSpin.text() == "0.0020"

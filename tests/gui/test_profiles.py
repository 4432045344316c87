"""Teacher profiles (issue #17): the plain data, the kiosk config keys, ``--profile``, View > Profile on the real
window (what is really hidden, live switching, the saved choice, the "Choose panels…" dialog), German and the fit at
1024x700."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from convlens.cli import main as cli_main
from convlens.gui.kiosk.config import KioskConfig, load_config, parse_config
from convlens.gui.layouts import settle
from convlens.gui.profiles import CONTROLS, FULL, PANELS, SIMPLE, Profile, builtin_profile
from convlens.gui.render import SAMPLE_STROKES
from convlens.gui.screenshot_matrix import check_window, clipped_texts

# what the simple profile must hide: panels (by objectName) and controls
HIDDEN_IN_SIMPLE = ("filtersPanel", "networkInputPanel", "architectureScroll", "showConvMapsCheck",
                    "canvasSaliencyToggle", "correctionBar", "openModelButton", "trainButton", "themeButton",
                    "mainToolBar")
SHOWN_IN_SIMPLE = ("canvas", "probabilitiesPanel", "featureMapsPanel", "undoButton", "clearButton")
DISABLED_IN_SIMPLE = ("convMapsAction", "stepsAction", "openModelAction", "darkThemeAction", "exportFigureAction",
                      "exportLessonAction", "importClassSetAction", "exportClassSetAction")


@pytest.fixture(autouse=True)
def _no_saved_profile() -> Iterator[None]:
    """Every test starts without a saved profile and leaves none for the tests after it."""
    QSettings("ConvLens", "ConvLens").remove("profile")
    yield
    QSettings("ConvLens", "ConvLens").remove("profile")


@pytest.fixture
def make_window(qtbot: QtBot) -> Iterator[Any]:
    """``make_window(width=1024, height=700, **create_window_options)``: a shown explorer window."""
    from convlens.gui.app import create_window

    made: list[Any] = []

    def make(width: int = 1024, height: int = 700, **options: Any) -> Any:
        window = create_window(**options)  # closed by shut_down (not qtbot: a test may close one early)
        window.resize(width, height)
        window.show()
        qtbot.waitExposed(window)
        settle(window)
        made.append(window)
        return window

    yield make
    for window in made:
        shut_down(window)


def release(window: Any) -> None:
    """Stop the kiosk behaviour and the training jobs (before the window closes)."""
    if window.kioskController is not None:
        window.kioskController.shutdown()
    if window.trainingPanel is not None:
        window.trainingPanel.shutdown()


def shut_down(window: Any) -> None:
    if not shiboken6.isValid(window):
        return  # closed and deleted by the test already
    release(window)
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def widget(window: Any, name: str) -> QWidget:
    # the "Correct me" bar under the canvas (the training tab has one of its own)
    root = window.drawColumn if name == "correctionBar" else window
    found = root.findChild(QWidget, name)
    assert found is not None, name
    return found


def action(window: Any, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def tab_shown(window: Any, page: QWidget) -> bool:
    index = window.sideTabs.indexOf(page)
    assert index >= 0
    return window.sideTabs.isTabVisible(index)


def assert_simple(window: Any) -> None:
    for name in SHOWN_IN_SIMPLE:
        assert widget(window, name).isVisible(), name
    for name in HIDDEN_IN_SIMPLE:
        assert not widget(window, name).isVisible(), name
    for name in DISABLED_IN_SIMPLE:
        assert not action(window, name).isEnabled(), name
    for page in (window.lessonPanel, window.why, window.trainingPanel, window.classroomPanel):
        assert not tab_shown(window, page)
    assert tab_shown(window, window.networkTab) and not window.sideTabs.tabBar().isVisible()
    assert not window.featureMapsPanel.convCheck.isChecked()  # the pooled maps alone
    assert window.profile() == SIMPLE


def assert_full(window: Any) -> None:
    for name in SHOWN_IN_SIMPLE + HIDDEN_IN_SIMPLE:
        assert widget(window, name).isVisible(), name
    for name in DISABLED_IN_SIMPLE:
        assert action(window, name).isEnabled(), name
    for page in (window.networkTab, window.lessonPanel, window.why, window.trainingPanel, window.classroomPanel):
        assert tab_shown(window, page)
    assert window.sideTabs.tabBar().isVisible()
    assert window.profile() == FULL


# ------------------------------------------------------------------------------------------------- plain data


def test_built_in_profiles_and_their_validation() -> None:
    assert SIMPLE.panels == {"probabilities", "feature_maps"} and SIMPLE.type_scale > 1.0
    assert FULL.panels == set(PANELS) and FULL.controls == set(CONTROLS) and FULL.type_scale == 1.0
    assert builtin_profile("simple") is SIMPLE
    with pytest.raises(ValueError, match="'simple', 'full'"):
        builtin_profile("tiny")
    with pytest.raises(ValueError, match="unknown panel 'maps'.*feature_maps"):
        Profile("custom", frozenset({"maps"}), frozenset())
    with pytest.raises(ValueError, match="unknown control"):
        Profile("custom", frozenset(), frozenset({"probabilities"}))
    with pytest.raises(ValueError, match="type_scale"):
        Profile("custom", frozenset(), frozenset(), 0.5)
    assert SIMPLE.with_choice(["feature_maps", "probabilities"], ["undo_clear"]) is SIMPLE
    custom = SIMPLE.with_choice(["probabilities", "filters"], [])
    assert custom.name == "custom" and custom.type_scale == SIMPLE.type_scale and custom.shows("filters")


# ------------------------------------------------------------------------------------------------- kiosk config


def test_kiosk_config_reads_a_profile_and_a_panel_choice(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('profile = "simple"\npanels = ["probabilities", "filters"]\n', encoding="utf-8")
    loaded = load_config(path)
    assert loaded.errors == ()
    assert loaded.config.profile == "simple" and loaded.config.panels == ("probabilities", "filters")
    shown = loaded.config.display_profile()
    assert shown.panels == {"probabilities", "filters"} and shown.controls == SIMPLE.controls
    assert shown.type_scale == SIMPLE.type_scale
    assert KioskConfig().display_profile() == FULL
    assert KioskConfig(profile="simple").display_profile() == SIMPLE


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"profile": "tiny"}, "profile expected one of 'simple', 'full', got 'tiny'; using the default"),
        ({"profile": 1}, "profile expected one of"),
        ({"panels": ["probabilities", "bogus"]}, "panels unknown panel 'bogus' (known: probabilities, feature_maps"),
        ({"panels": "filters"}, "panels expected a list"),
        ({"panels": [3]}, "panels expected a list of panel names"),
        ({"controls": ["train", "fly"]}, "controls unknown control 'fly'"),
    ],
)
def test_kiosk_config_refuses_broken_profile_values_clearly(data: dict[str, Any], message: str) -> None:
    config, errors = parse_config(data, "k.toml")
    assert len(errors) == 1 and errors[0].startswith("k.toml: ") and message in errors[0], errors
    assert config.display_profile() == FULL  # the wrong value alone falls back to its default


def test_kiosk_window_shows_the_configs_profile_and_a_broken_one_shows_everything(
    make_window: Any, tmp_path: Path
) -> None:
    """Two kiosk windows one after the other in one test (``tests/gui/test_kiosk_teardown.py``: that used to crash a
    later test)."""
    good = tmp_path / "good.toml"
    good.write_text('profile = "simple"\nhide_cursor = "never"\nattract_loop = false\n', encoding="utf-8")
    window = make_window(kiosk=True, config_path=good)
    assert window.profile() == SIMPLE
    for name in ("filtersPanel", "networkInputPanel", "showConvMapsCheck"):
        assert not widget(window, name).isVisible(), name
    assert widget(window, "featureMapsPanel").isVisible() and widget(window, "probabilitiesPanel").isVisible()
    assert window.kioskController.config_errors == ()
    shut_down(window)

    broken = tmp_path / "broken.toml"
    broken.write_text('profile = "kids"\nhide_cursor = "never"\nattract_loop = false\n', encoding="utf-8")
    window = make_window(kiosk=True, config_path=broken)
    assert window.profile() == FULL and widget(window, "filtersPanel").isVisible()
    assert any("profile expected one of" in e for e in window.kioskController.config_errors)


# ------------------------------------------------------------------------------------------------- command line


@pytest.mark.parametrize(
    ("argv", "kiosk"), [(["--profile", "simple"], False), (["gui", "--profile", "full"], False),
                        (["kiosk", "--no-supervisor", "--profile", "simple"], True)]
)
def test_profile_option_reaches_the_window(argv: list[str], kiosk: bool) -> None:
    calls: list[dict[str, Any]] = []

    def run(**kwargs: Any) -> int:
        calls.append(kwargs)
        return 0

    assert cli_main(argv, run_gui=run) == 0
    assert calls[0]["profile"] == argv[-1] and calls[0]["kiosk"] is kiosk


def test_an_unknown_profile_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["--profile", "kids"], run_gui=lambda **kwargs: 0)
    assert exit_info.value.code == 2
    assert "invalid choice: 'kids'" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------- the window


def test_profile_simple_shows_only_canvas_probabilities_and_pooled_maps_and_fits_at_1024x700(
    make_window: Any, draw: Any
) -> None:
    full = make_window()
    full_font = full.font().pointSizeF()
    window = make_window(profile="simple")
    assert_simple(window)
    draw(window.canvas, SAMPLE_STROKES[4])
    settle(window)
    assert window.last_prediction()[0] == 4
    assert [m.name for m in window.featureMapsPanel.visible_layers()] == ["pool1", "pool2"]
    # large type, presenter mode's, without presenter mode
    assert window.font().pointSizeF() == pytest.approx(full_font * SIMPLE.type_scale)
    assert not window.presenter() and not window.presenterAction.isChecked()
    # a big canvas: at least the full profile's, and a wider drawing column
    assert window.canvas.width() >= full.canvas.width() and window.drawColumn.width() > full.drawColumn.width()
    assert check_window(window, "network") == []
    assert clipped_texts(window) == []


def test_switching_profiles_live_from_the_view_menu(make_window: Any, qtbot: QtBot) -> None:
    window = make_window()
    assert_full(window)
    normal = window.font().pointSizeF()
    numbers = window.filtersPanel.details.font().pointSizeF()  # a fixed-width font of its own
    window.featureMapsPanel.convCheck.setChecked(True)
    window.show_tab(window.lessonPanel)
    action(window, "profile_simpleAction").trigger()
    settle(window)
    assert_simple(window)
    assert window.sideTabs.currentWidget() is window.networkTab  # not a hidden tab
    action(window, "profile_fullAction").trigger()
    settle(window)
    assert_full(window)
    assert window.font().pointSizeF() == pytest.approx(normal)
    assert window.filtersPanel.details.font().pointSizeF() == pytest.approx(numbers)  # was 2/3 of it
    assert check_window(window, "network") == []  # everything back in place at 1024x700
    assert action(window, "profile_fullAction").isChecked() and not action(window, "profile_simpleAction").isChecked()
    # presenter mode still works on top of a profile, and the profile's large type stays when it goes off
    window.set_profile("simple")
    window.set_presenter(True)
    assert window.presenter()
    window.set_presenter(False)
    assert not window.presenter() and window.profile() == SIMPLE
    assert window.font().pointSizeF() == pytest.approx(normal * SIMPLE.type_scale)


def test_the_chosen_profile_is_restored_by_the_next_window_and_profile_option_is_not_saved(
    make_window: Any,
) -> None:
    first = make_window()
    action(first, "profile_simpleAction").trigger()
    shut_down(first)
    second = make_window()
    assert_simple(second)
    shut_down(second)
    third = make_window(profile="full")  # `--profile full`: this start only
    assert_full(third)
    shut_down(third)
    assert make_window().profile() == SIMPLE


def test_choose_panels_dialog_makes_a_custom_profile_that_is_saved(make_window: Any, qtbot: QtBot) -> None:
    window = make_window(profile="simple")
    seen: list[str] = []

    def tick() -> None:
        dialog = window.findChild(QDialog, "choosePanelsDialog")
        assert dialog is not None and dialog.isVisible()
        seen.extend(name for name, check in dialog.panelChecks.items() if check.isChecked())
        dialog.panelChecks["filters"].setChecked(True)
        dialog.panelChecks["feature_maps"].setChecked(False)
        dialog.controlChecks["undo_clear"].setChecked(False)
        dialog.controlChecks["theme"].setChecked(True)
        qtbot.mouseClick(dialog.findChild(QPushButton, "choosePanelsOk"), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, tick)
    action(window, "choosePanelsAction").trigger()
    settle(window)
    assert sorted(seen) == ["feature_maps", "probabilities"]
    profile = window.profile()
    assert profile.name == "custom" and profile.panels == {"probabilities", "filters"}
    assert profile.controls == {"theme"}
    assert widget(window, "filtersPanel").isVisible() and not widget(window, "featureMapsPanel").isVisible()
    assert not window.undoButton.isVisible() and window.themeButton.isVisible() and window.toolBar.isVisible()
    assert action(window, "darkThemeAction").isEnabled() and not action(window, "openModelAction").isEnabled()
    assert not action(window, "undoAction").isEnabled() and not action(window, "clearAction").isEnabled()
    assert not any(a.isChecked() for a in window.profiles.actions.values())  # neither Simple nor Full
    shut_down(window)
    again = make_window()
    assert again.profile() == profile and widget(again, "filtersPanel").isVisible()


def test_cancelling_the_dialog_changes_nothing(make_window: Any, qtbot: QtBot) -> None:
    window = make_window()

    def cancel() -> None:
        dialog = window.findChild(QDialog, "choosePanelsDialog")
        assert dialog is not None
        for check in dialog.panelChecks.values():
            check.setChecked(False)
        dialog.reject()

    QTimer.singleShot(0, cancel)
    action(window, "choosePanelsAction").trigger()
    assert_full(window)
    assert QSettings("ConvLens", "ConvLens").value("profile/name") is None


def test_a_hidden_tab_is_never_brought_to_the_front(make_window: Any) -> None:
    window = make_window()
    window.set_profile(FULL.with_choice(["probabilities", "learn"], ["undo_clear"]))
    settle(window)
    assert window.sideTabs.currentWidget() is window.lessonPanel and not tab_shown(window, window.networkTab)
    window.sideTabs.setCurrentIndex(0)  # the kiosk's reset; the lesson's "show this layer"
    window.show_layer("conv1")
    settle(window)
    assert window.sideTabs.currentWidget() is window.lessonPanel and window.lessonPanel.isVisible()
    assert not window.networkTab.isVisible()


def test_hiding_every_tab_gives_the_drawing_the_whole_window(make_window: Any) -> None:
    window = make_window()
    window.set_profile(FULL.with_choice(["probabilities"], ["undo_clear"]))
    settle(window)
    assert not window.sideTabs.isVisible()
    assert window.drawColumn.width() > 0.9 * window.centralWidget().width()
    assert clipped_texts(window) == []


def test_german_profile_menu_dialog_and_simple_window(make_window: Any, qtbot: QtBot) -> None:
    window = make_window(language="de", profile="simple")
    assert window.profiles.menu.title() == "P&rofil"
    assert action(window, "profile_simpleAction").text() == "&Einfach (jüngere Schüler)"
    assert action(window, "profile_fullAction").text() == "&Vollständig"
    assert action(window, "choosePanelsAction").text() == "&Ansichten wählen…"
    texts: list[str] = []

    def read() -> None:
        dialog = window.findChild(QDialog, "choosePanelsDialog")
        assert dialog is not None
        texts.append(dialog.windowTitle())
        texts.extend(check.text() for check in [*dialog.panelChecks.values(), *dialog.controlChecks.values()])
        dialog.reject()

    QTimer.singleShot(0, read)
    action(window, "choosePanelsAction").trigger()
    assert texts[0] == "Ansichten wählen" and "Wahrscheinlichkeiten" in texts and "Filter" in texts
    english = {"Probabilities", "Feature maps (pooled)", "Layer table", "Learn tab", "Undo and Clear", "Train button"}
    assert not english & set(texts)
    assert check_window(window, "network") == []
    window.set_language("en")  # live: the menu follows
    assert window.profiles.menu.title() == "P&rofile"


@pytest.mark.parametrize(("width", "height", "language"), [(1366, 768, "de"), (1920, 1080, "en")])
def test_simple_profile_fits_at_other_sizes(make_window: Any, width: int, height: int, language: str) -> None:
    window = make_window(width, height, language=language, profile="simple")
    assert check_window(window, "network") == []
    assert window.canvas.height() >= 0.45 * height  # a big canvas


def test_export_figure_lists_only_the_panels_the_profile_shows(make_window: Any) -> None:
    window = make_window()
    everything = [f.key for f in window.exports.figures()]
    assert "filters" in everything and "lesson1" in everything and "class" in everything
    custom = Profile("custom", frozenset({"probabilities", "feature_maps"}), frozenset({"export", "undo_clear"}), 1.0)
    window.set_profile(custom, save=False)
    assert [f.key for f in window.exports.figures()] == ["canvas", "maps", "probabilities"]
    assert action(window, "exportFigureAction").isEnabled()
    window.set_profile("full", save=False)
    assert [f.key for f in window.exports.figures()] == everything

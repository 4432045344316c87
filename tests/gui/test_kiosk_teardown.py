"""Kiosk windows made one after another in one process: nothing of a deleted window is left for Python's garbage
collector to delete later.

pyqtgraph makes its plots' pop-up menus (``PlotItem.ctrlMenu``, ``ViewBox.menu``) without a parent: top-level
widgets that only their plot item's Python object keeps. A window's panels (and a kiosk controller) hold the
window's Python objects in reference cycles, so those menus used to be deleted whenever the cyclic collector ran,
possibly inside Qt: pytest hung in ``QObject::disconnect`` (the collector, triggered while Qt held the connection
lock, deleted a menu that took the same lock) and crashed in a later test that re-applied the theme (a menu
deleted while a style-sheet change repolished every widget it had listed).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from convlens.gui.layouts import settle
from convlens.gui.panels import plot_menus

KIOSK_TOML = 'hide_cursor = "never"\nattract_loop = false\n'


def python_owned_top_levels() -> set[int]:
    """Addresses of the top-level widgets that only Python keeps (Qt deletes them with nothing)."""
    return {
        shiboken6.getCppPointer(w)[0]
        for w in QApplication.topLevelWidgets()
        if w.parent() is None and shiboken6.ownedByPython(w)
    }


@pytest.fixture
def no_collector() -> Iterator[None]:
    """The cyclic garbage collector off: what a deleted window leaves behind stays visible."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def make(qtbot: QtBot, **options: Any) -> Any:
    from convlens.gui.app import create_window

    window = create_window(**options)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    settle(window)
    return window


def shut_down(window: Any) -> None:
    """As the tests tear a window down: kiosk and training stopped, closed, deleted now."""
    if window.kioskController is not None:
        window.kioskController.shutdown()
    if window.trainingPanel is not None:
        window.trainingPanel.shutdown()
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert not shiboken6.isValid(window)


class _CollectingWidget(QWidget):
    """Runs the garbage collector from inside Qt's repolish of every widget (where it used to crash)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("collectingProbe")
        self.collections = 0

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.StyleChange:
            self.collections += 1
            gc.collect()
        return super().event(event)


def test_two_kiosk_windows_then_a_theme_switch_leave_nothing_to_the_collector(
    qtbot: QtBot, tmp_path: Path, no_collector: None
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(KIOSK_TOML, encoding="utf-8")
    before = python_owned_top_levels()

    for profile in ("simple", "full"):
        window = make(qtbot, kiosk=True, config_path=config, profile=profile)
        assert window.kioskController.active
        mine = plot_menus(window)
        assert mine, "no parentless pyqtgraph menus found: plot_menus() no longer sees them"
        addresses = {shiboken6.getCppPointer(m)[0] for m in mine}
        assert addresses <= python_owned_top_levels()
        shut_down(window)
        del window
        assert all(not shiboken6.isValid(m) for m in mine)
        assert python_owned_top_levels() <= before  # earlier tests may leave some; none is added

    # the later test: an explorer window switches theme and presenter mode, the collector running inside Qt
    explorer = make(qtbot)
    probe = _CollectingWidget()
    probe.show()
    try:
        for theme, presenter in (("light", True), ("dark", False), ("light", False), ("dark", True)):
            explorer.set_theme(theme)
            explorer.set_presenter(presenter)
        assert probe.collections > 0
        assert explorer.theme().name == "dark" and explorer.presenter()
    finally:
        probe.close()
        probe.deleteLater()
        shut_down(explorer)
    assert python_owned_top_levels() <= before  # earlier tests may leave some; none is added


def test_a_window_deleted_without_closing_takes_its_plot_menus(qtbot: QtBot, no_collector: None) -> None:
    before = python_owned_top_levels()
    window = make(qtbot)
    mine = plot_menus(window)
    assert mine
    window.hide()
    window.deleteLater()  # no close(): e.g. a window dropped by a script
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert all(not shiboken6.isValid(m) for m in mine)
    assert python_owned_top_levels() <= before  # earlier tests may leave some; none is added

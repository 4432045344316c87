"""The translation extractor sees strings wrapped by helpers imported from other modules under their
``convlens.gui.*`` import names (a lesson step's ``translate(...)`` from ``convlens.gui.lesson.common``)."""

from __future__ import annotations

from convlens.gui.kiosk.strings import extract


def test_strings_behind_imported_helpers_are_extracted() -> None:
    sources = {message.source for message in extract()}
    assert "1. Pixels are numbers" in sources  # gui/lesson: translate() imported from convlens.gui.lesson.common
    assert "The admin exit is disabled" in sources  # gui/kiosk/pin.py: its own tr()
    assert len(sources) > 250

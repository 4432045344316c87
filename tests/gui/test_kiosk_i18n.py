"""Translations: every visitor-facing string has a German translation, the compiled catalogue matches its
source, placeholders survive, and the run-time re-translation of texts set before the switch."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from convlens.gui.kiosk import strings
from convlens.gui.kiosk.i18n import (
    TRANSLATIONS_DIR,
    LanguageSwitcher,
    Retranslator,
    available_languages,
    qm_path,
    ts_path,
)

PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\d")


def test_german_is_available() -> None:
    assert available_languages()[0] == "en"
    assert "de" in available_languages()
    assert qm_path("de").is_file() and ts_path("de").is_file()


def test_every_visitor_facing_string_has_a_german_translation() -> None:
    missing = strings.missing_translations("de")
    assert not missing, (
        f"{len(missing)} string(s) without a German translation; "
        "run `python -m gui.kiosk.strings --update de`, translate the entries marked unfinished in "
        "assets/translations/convlens_de.ts and run it again:\n"
        + "\n".join(f"  {m.location}: [{m.context}] {m.source!r}" for m in missing[:30])
    )


def test_the_extractor_finds_tr_translate_helpers_and_plain_qt_texts(tmp_path: Path) -> None:
    pkg = tmp_path / "gui"
    pkg.mkdir()
    (pkg / "helpers.py").write_text(
        'from PySide6.QtCore import QCoreApplication\nCTX = "Lesson"\n'
        "def translate(text):\n    return QCoreApplication.translate(CTX, text)\n"
    )
    (pkg / "view.py").write_text(
        "from gui.helpers import translate as t\n"
        "class Panel:\n"
        "    def build(self, n):\n"
        '        self.a = QPushButton(self.tr("Wrapped"))\n'
        '        self.b = QLabel("Plain")\n'
        '        self.c = QLabel(t("Helper text"))\n'
        '        self.d = QCoreApplication.translate("Other", "Explicit")\n'
        '        self.e = QLabel(f"Computed {n}")\n'
        '        self.tabs.addTab(page, "Tab title")\n'
        '        self.f = QLabel("12")\n'
        '        self.g.setText("On" if n else "Off")\n'
        "        self.combo.addItems(list(MODES))\n"
    )
    (pkg / "view.py").write_text('MODES = ("Fast", "Slow")\n' + (pkg / "view.py").read_text())
    found = {(m.context, m.source, m.wrapped) for m in strings.extract(pkg)}
    assert found == {
        ("Panel", "Wrapped", True),
        ("Panel", "Plain", False),
        ("Lesson", "Helper text", True),
        ("Other", "Explicit", True),
        ("Panel", "Tab title", False),
        ("Panel", "On", False),
        ("Panel", "Off", False),
        ("Panel", "Fast", False),
        ("Panel", "Slow", False),
    }
    assert any("Computed" in line for line in strings.untranslatable(pkg))


def test_translations_keep_every_placeholder() -> None:
    done = strings.read_ts(ts_path("de"))
    assert len(done) > 50
    for (context, source), text in done.items():
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(text)), (context, source)
        assert text.count("\n") == source.count("\n"), (context, source)


def test_merge_keeps_translations_and_marks_new_and_vanished(tmp_path: Path) -> None:
    ts = tmp_path / "convlens_xx.ts"
    first = [strings.Message("Ctx", "Old"), strings.Message("Ctx", "Kept")]
    assert strings.merge_ts(ts, "xx", first) == (2, 0)
    ts.write_text(
        ts.read_text().replace('<translation type="unfinished" />', "<translation>Behalten</translation>", 1)
    )
    added, vanished = strings.merge_ts(
        ts, "xx", [strings.Message("Ctx", "Kept"), strings.Message("Ctx", "New")]
    )
    assert (added, vanished) == (1, 1)
    done = strings.read_ts(ts)
    assert done == {("Ctx", "Kept"): "Behalten"} or done == {("Ctx", "Old"): "Behalten"}
    text = ts.read_text()
    assert 'type="vanished"' in text and text.count('type="unfinished"') >= 1


@pytest.mark.skipif(strings.lrelease_command() is None, reason="pyside6-lrelease not available")
def test_the_shipped_catalogue_is_compiled_from_the_current_source(tmp_path: Path) -> None:
    fresh = strings.compile_ts(ts_path("de"), tmp_path / "fresh.qm")
    assert fresh.read_bytes() == qm_path("de").read_bytes(), (
        "assets/translations/convlens_de.qm is stale: run `python -m gui.kiosk.strings --update de`"
    )


def test_switcher_and_retranslator_on_a_small_window(qtbot: QtBot) -> None:
    class ExplorerWindow(QWidget):  # the context the window's strings live in
        pass

    window = ExplorerWindow()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    button = QPushButton("Clear")
    label = QLabel("Draw a digit")
    dynamic = QLabel("Draw a digit")
    tabs = QTabWidget()
    tabs.addTab(QWidget(), "Network")
    for w in (button, label, dynamic, tabs):
        layout.addWidget(w)
    switcher = LanguageSwitcher(parent=window)
    retranslator = Retranslator(window, switcher.contexts)
    retranslator.retranslate()  # remember the English texts
    try:
        assert switcher.set_language("de")
        assert retranslator.retranslate() >= 3
        assert (button.text(), label.text(), tabs.tabText(0)) == ("Löschen", "Zeichne eine Ziffer", "Netz")
        dynamic.setText("7")  # the app changed it: left alone
        retranslator.retranslate()
        assert dynamic.text() == "7"
        dynamic.setText("Draw a digit")  # set back in English by code without tr(): the sweep fixes it
        assert retranslator.sweep() == 1 and dynamic.text() == "Zeichne eine Ziffer"
        assert switcher.set_language("en")
        retranslator.retranslate()
        assert (button.text(), label.text(), tabs.tabText(0)) == ("Clear", "Draw a digit", "Network")
        assert not switcher.set_language("xx")
        assert switcher.language == "en"
    finally:
        switcher.uninstall()


def test_the_tool_command_lists_missing_strings(tmp_path: Path, monkeypatch, capsys) -> None:
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS_DIR, copy)
    monkeypatch.setattr(strings, "TRANSLATIONS_DIR", copy)
    monkeypatch.setattr(
        strings, "extract", lambda root=strings.GUI_DIR: [strings.Message("Kiosk", "Draw a digit!")]
    )
    assert strings.main(["--missing", "de"]) == 0
    assert "0 untranslated" in capsys.readouterr().out
    monkeypatch.setattr(
        strings, "extract", lambda root=strings.GUI_DIR: [strings.Message("Kiosk", "Brand new")]
    )
    assert strings.main(["--missing", "de"]) == 1
    assert "Brand new" in capsys.readouterr().out

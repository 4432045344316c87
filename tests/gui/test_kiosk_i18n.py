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
    monkeypatch.setattr(strings, "unwrapped", lambda root=strings.GUI_DIR: [])
    monkeypatch.setattr(strings, "untranslatable", lambda root=strings.GUI_DIR: [])
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
    monkeypatch.setattr(
        strings, "extract", lambda root=strings.GUI_DIR: [strings.Message("Kiosk", "Draw a digit!")]
    )
    monkeypatch.setattr(
        strings, "unwrapped", lambda root=strings.GUI_DIR: [strings.Message("Panel", "Plain", "gui/x.py:3", False)]
    )
    assert strings.main(["--missing", "de"]) == 1  # a text handed to Qt without tr() counts as missing
    assert "gui/x.py:3: [Panel] 'Plain' is handed to Qt without tr()" in capsys.readouterr().out


# -- the whole GUI, not only the kiosk -------------------------------------------------------------------------
def test_every_visitor_facing_text_is_wrapped_in_tr() -> None:
    plain = strings.unwrapped()
    assert not plain, (
        f"{len(plain)} text(s) handed to Qt without tr()/translate(): they stay English after a language "
        "switch:\n" + "\n".join(f"  {m.location}: [{m.context}] {m.source!r}" for m in plain[:30])
    )


def test_no_visitor_facing_text_is_computed_where_it_cannot_be_translated() -> None:
    computed = strings.untranslatable()
    assert not computed, "rewrite as tr('... {0} ...').format(...):\n" + "\n".join(computed[:30])


def test_the_extractor_sees_message_boxes_dialogs_captions_and_noop_marks(tmp_path: Path) -> None:
    pkg = tmp_path / "gui"
    pkg.mkdir()
    (pkg / "boxes.py").write_text(
        "from PySide6.QtCore import QT_TRANSLATE_NOOP\n"
        'TITLES = (QT_TRANSLATE_NOOP("Panel", "Marked"),)\n'
        "class Panel:\n"
        "    def build(self, exc):\n"
        '        QMessageBox.warning(self, "Box title", "Box text")\n'
        '        QMessageBox.about(self, self.tr("About"), f"Version {exc}")\n'
        '        QFileDialog.getOpenFileName(self, "Open it", "", "Models (*.onnx)")\n'
        '        self.view.ci.addLabel("Caption")\n'
        '        self.plot.plot(pen=None, name="Legend entry")\n'
        '        log.warning("not for visitors %s", exc)\n'
        '        self.label.setText(f"{exc}, {exc}")\n'
    )
    found = {(m.context, m.source, m.wrapped) for m in strings.extract(pkg)}
    assert found == {
        ("Panel", "Marked", True),
        ("Panel", "Box title", False),
        ("Panel", "Box text", False),
        ("Panel", "About", True),
        ("Panel", "Open it", False),
        ("Panel", "Models (*.onnx)", False),
        ("Panel", "Caption", False),
        ("Panel", "Legend entry", False),
    }
    assert [line.split(": ", 1)[1] for line in strings.untranslatable(pkg)] == ["f'Version {exc}'"]
    assert {m.source for m in strings.unwrapped(pkg)} == {
        "Box title", "Box text", "Open it", "Models (*.onnx)", "Caption", "Legend entry"
    }


def _plain(text: str) -> str:
    """Visible text of a label, button or caption: rich text without tags, no mnemonic '&', one space."""
    from PySide6.QtGui import QTextDocumentFragment

    if "<" in text or "&" in text:
        text = QTextDocumentFragment.fromHtml(text.replace("\n", "<br>")).toPlainText()
    return " ".join(text.replace("&", "").split())


def shown_texts(root: QWidget) -> dict[str, str]:
    """Every text ``root`` shows or can show (labels, buttons, tabs, menus, actions, tooltips, boxes, tables,
    progress bars, pyqtgraph captions, axis labels and legends) -> where it was found."""
    import pyqtgraph as pg
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractSpinBox,
        QComboBox,
        QGraphicsTextItem,
        QGroupBox,
        QLineEdit,
        QMenu,
        QProgressBar,
        QSpinBox,
        QTableWidget,
    )

    found: dict[str, str] = {}

    def add(text: str | None, where: object) -> None:
        if text:
            found.setdefault(_plain(text), f"{type(where).__name__} {getattr(where, 'objectName', lambda: '')()}")

    for w in [root, *root.findChildren(QWidget)]:
        if w.isWindow():
            add(w.windowTitle(), w)
        add(w.toolTip(), w)
        if isinstance(w, QLabel | QAbstractButton):
            add(w.text(), w)
        if isinstance(w, QGroupBox):
            add(w.title(), w)
        if isinstance(w, QMenu):
            add(w.title(), w)
        if isinstance(w, QTabWidget):
            for i in range(w.count()):
                add(w.tabText(i), w)
        if isinstance(w, QComboBox):
            for i in range(w.count()):
                add(w.itemText(i), w)
        if isinstance(w, QSpinBox):
            add(w.prefix(), w)
            add(w.suffix(), w)
        if isinstance(w, QAbstractSpinBox):
            add(w.specialValueText(), w)
        if isinstance(w, QLineEdit):
            add(w.placeholderText(), w)
        if isinstance(w, QProgressBar):
            add(w.format(), w)
        if isinstance(w, QTableWidget):
            for i in range(w.columnCount()):
                item = w.horizontalHeaderItem(i)
                add(item.text() if item else "", w)
        if isinstance(w, pg.GraphicsView) and w.scene() is not None:
            for item in w.scene().items():
                if isinstance(item, QGraphicsTextItem):
                    add(item.toPlainText(), w)
    for action in root.findChildren(QAction):
        add(action.text(), action)
    return found


def _word_bounded(text: str) -> str:
    """``text`` as a regex that does not match inside a longer word ("all" is not in "alle")."""
    pattern = re.escape(text)
    if text[:1].isalpha():
        pattern = r"(?<![^\W\d_])" + pattern
    if text[-1:].isalpha():
        pattern += r"(?![^\W\d_])"
    return pattern


def english_leftovers(texts: dict[str, str], language: str = "de", reverse: bool = False) -> list[str]:
    """Texts that are (or contain) an English source whose translation differs: shown untranslated. With
    ``reverse``: texts that are (or contain) a translation, shown in an English window."""
    from convlens.gui.kiosk.i18n import read_catalogue

    patterns: list[tuple[str, re.Pattern[str]]] = []
    for (_context, source), text in read_catalogue(ts_path(language)).items():
        if _plain(text) == _plain(source):
            continue
        if reverse:
            source = text
        parts = [_word_bounded(_plain(p)) for p in re.split(r"\{[^{}]*\}|%\d", source)]
        literal = " ".join(_plain(p) for p in re.split(r"\{[^{}]*\}|%\d", source))
        words = re.findall(r"[A-Za-z]{2,}", literal)
        if not words:
            continue
        if len(words) == 1:  # "Clear", "Undo": only a whole text counts (a German word may contain it)
            patterns.append((source, re.compile("^" + ".+?".join(parts) + "$")))
        else:
            patterns.append((source, re.compile(r".+?".join(p for p in parts if p.strip()))))
    leftovers = []
    for shown, where in texts.items():
        for source, pattern in patterns:
            if pattern.search(shown):
                leftovers.append(f"{where}: {shown!r} (English {source!r})")
                break
    return leftovers


@pytest.fixture
def german_window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The explorer in German with its training tab, a digit drawn, every panel and lesson step shown."""
    from convlens.gui.app import create_window
    from convlens.gui.render import SAMPLE_STROKES

    monkeypatch.setenv("CONVLENS_MNIST_DIR", str(tmp_path / "no-mnist"))
    window = create_window(language="de")
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.canvas.draw_strokes_programmatically(SAMPLE_STROKES[3])
    window.canvas.flush()
    window.networkInputPanel.set_show_steps(True)
    window.featureMapsPanel.set_show_conv(True)
    window.filtersPanel.select_filter("conv2", 1)
    lesson = window.lessonPanel
    for tab in range(window.sideTabs.count()):
        window.sideTabs.setCurrentIndex(tab)
        qtbot.wait(10)
    window.sideTabs.setCurrentWidget(lesson)
    for step in range(len(lesson.steps())):
        lesson.goto_step(step)
        lesson.steps()[step].ensure_fresh()
        qtbot.wait(10)
    yield window
    window.set_language("en")


def test_the_german_explorer_shows_no_english(german_window) -> None:
    leftovers = english_leftovers(shown_texts(german_window))
    assert not leftovers, f"{len(leftovers)} English text(s) in the German window:\n" + "\n".join(leftovers[:40])


def test_german_message_boxes_and_dialogs(german_window, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    import convlens.gui.app as app_module

    boxes: list[tuple[str, str]] = []  # (title, text) of each message box, none shown

    def fake(parent: QWidget | None, title: str, text: str, *args: object) -> int:
        boxes.append((title, text))
        return 0

    for name in ("critical", "warning", "information", "about"):
        monkeypatch.setattr(QMessageBox, name, fake)
    asked: list[tuple[str, str]] = []

    def fake_open(parent, caption, start, filters):  # noqa: ANN001 - Qt's signature
        asked.append((caption, filters))
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", fake_open)
    german_window.show_about()
    german_window.open_model(tmp_path / "missing.onnx")
    german_window.open_model_dialog()
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        app_module._excepthook(type(exc), exc, exc.__traceback__)
    assert [title for title, _ in boxes] == [
        "Über ConvLens",
        "Das Modell kann nicht geöffnet werden",
        "ConvLens: Etwas ist schiefgegangen",
    ]
    assert "Zeichne eine Ziffer" in boxes[0][1] and "Das Modell konnte nicht geöffnet werden" in boxes[1][1]
    assert asked == [("Modell öffnen", "Modelle (*.onnx *.npz);;Alle Dateien (*)")]
    shown = {_plain(text): "QMessageBox" for pair in boxes for text in pair}
    assert not english_leftovers(shown)


def _walk(window, qtbot: QtBot) -> None:
    """Draw a digit and show every panel option, tab and lesson step (pages are built when first shown)."""
    from convlens.gui.render import SAMPLE_STROKES

    window.canvas.draw_strokes_programmatically(SAMPLE_STROKES[3])
    window.canvas.flush()
    window.networkInputPanel.set_show_steps(True)
    window.featureMapsPanel.set_show_conv(True)
    window.filtersPanel.select_filter("conv2", 1)
    for tab in range(window.sideTabs.count()):
        window.sideTabs.setCurrentIndex(tab)
        qtbot.wait(10)
    lesson = window.lessonPanel
    window.sideTabs.setCurrentWidget(lesson)
    for step in range(len(lesson.steps())):
        lesson.goto_step(step)
        lesson.steps()[step].ensure_fresh()
        qtbot.wait(10)


def test_switching_the_explorer_to_german_and_back_is_complete_and_live(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from convlens.gui.app import create_window

    monkeypatch.setenv("CONVLENS_MNIST_DIR", str(tmp_path / "no-mnist"))
    window = create_window(language="en")
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    _walk(window, qtbot)  # every page exists, made in English
    assert window.language() == "en" and window.languageActions["en"].isChecked()
    try:
        window.languageActions["de"].trigger()  # View > Language > Deutsch
        assert window.language() == "de" and window.languageActions["de"].isChecked()
        assert (window.clearButton.text(), window.menu("file").title()) == ("Löschen", "&Datei")  # at once
        _walk(window, qtbot)  # a lesson page is redrawn when it is shown next
        leftovers = english_leftovers(shown_texts(window))
        assert not leftovers, f"{len(leftovers)} English text(s) after switching:\n" + "\n".join(leftovers[:40])
        window.languageActions["en"].trigger()
        assert window.language() == "en"
        _walk(window, qtbot)
        leftovers = english_leftovers(shown_texts(window), reverse=True)
        assert not leftovers, f"{len(leftovers)} German text(s) after switching back:\n" + "\n".join(leftovers[:40])
    finally:
        window.set_language("en")


def test_the_german_kiosk_and_its_pin_pad_show_no_english(qtbot: QtBot, tmp_path: Path) -> None:
    from convlens.gui.app import create_window
    from convlens.gui.kiosk import hash_pin

    config = tmp_path / "kiosk.toml"
    config.write_text(f'hide_cursor = "never"\npin_hash = "{hash_pin("4711")}"\n')
    window = create_window(kiosk=True, config_path=config, language="de")  # --lang wins over the config ("en")
    controller = window.kioskController
    qtbot.addWidget(window, before_close_func=lambda w: controller.shutdown())
    window.show()
    qtbot.waitExposed(window)
    assert window.language() == "de" and controller.languages.language == "de"
    controller.open_pin_dialog()
    controller.start_idle_state()
    texts = shown_texts(window)
    assert "Löschen" in texts and "Admin-PIN eingeben" in texts
    leftovers = english_leftovers(texts)
    assert not leftovers, "\n".join(leftovers[:40])


def test_no_visitor_facing_string_fudges_a_plural() -> None:
    """"1 epoch(s)" reads badly: a count takes the singular or the plural form, chosen by the code."""
    fudged = [m for m in strings.extract() if re.search(r"\w\((s|es|n|en)\)", m.source)]
    assert not fudged, "\n".join(f"{m.location}: {m.source!r}" for m in fudged)

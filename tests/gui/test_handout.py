"""The lesson handout (``gui.export.handout``): one PDF page per Learn step after a cover, text on every page, in
English and German, printable in black and white, written atomically; and File > Export lesson… in the window."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QDate, QLocale
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from convlens.engine.preprocess import mnist_style
from convlens.gui.controller import Controller
from convlens.gui.export.handout import handout_page_count, page_texts, render_handout_page, write_handout_pdf
from convlens.gui.kiosk.i18n import LanguageSwitcher
from convlens.gui.lesson import LessonPanel
from convlens.gui.lesson.common import qimage_to_rgb
from convlens.gui.render import SAMPLE_STROKES, rasterize_strokes
from convlens.services.handout import Handout, build_handout

PdfPages = Callable[[Path], list[bytes]]


@pytest.fixture(scope="module")
def handout(qapp: QApplication) -> Handout:
    """The handout of a drawn 3 read by the shipped model."""
    controller = Controller()
    image = mnist_style(rasterize_strokes(SAMPLE_STROKES[3], 112, 112 / 11))
    assert image is not None
    result = controller.predict_image28(image)
    info = controller.current_model_info()
    model = controller.model
    assert model is not None
    return build_handout(result.image28, result.probs, filters=info.filters, metadata=info.metadata,
                         shapes=info.shapes, kinds={layer.name: layer.kind for layer in model.layer_infos()},
                         model_name="default.onnx")


@pytest.fixture
def german() -> Iterator[None]:
    switcher = LanguageSwitcher()
    assert switcher.set_language("de")
    yield
    switcher.uninstall()


def test_one_page_per_learn_step_after_the_cover(qtbot: QtBot, handout: Handout) -> None:
    lesson = LessonPanel()
    qtbot.addWidget(lesson)
    assert handout_page_count(handout) == len(lesson.steps()) + 1 == 8


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_pdf_has_the_cover_and_a_page_per_step_each_with_text(
    request: pytest.FixtureRequest, tmp_path: Path, handout: Handout, pdf_pages: PdfPages,
    pdf_draws_text: Callable[[bytes], bool], language: str,
) -> None:
    if language == "de":
        request.getfixturevalue("german")
    out = tmp_path / f"handout_{language}.pdf"
    assert write_handout_pdf(handout, out, language=language) == 8
    pages = pdf_pages(out)
    assert len(pages) == len(LessonPanel().steps()) + 1
    assert all(pdf_draws_text(page) for page in pages), [pdf_draws_text(p) for p in pages]
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temp file left beside it


def test_every_page_is_worded_in_the_language_installed(handout: Handout, german: None) -> None:
    texts = page_texts(handout, "de")
    assert len(texts) == 8
    for number, words in enumerate(texts, start=1):
        joined = "\n".join(words)
        assert f"Seite {number} von 8" in joined
        assert "Page" not in joined and "handout" not in joined
    assert "Wie ein neuronales Netz deine Ziffer liest" in texts[0]
    assert "1. Pixel sind Zahlen" in texts[1] and "7. Schichten stapeln" in texts[7]
    day = handout.cover.date
    date = QLocale("de").toString(QDate(day.year, day.month, day.day), QLocale.FormatType.LongFormat)
    assert any(date in text for text in texts[0])  # the date as German writes it


def test_the_english_pages(handout: Handout) -> None:
    english = page_texts(handout, "en")
    assert "How a neural network reads your digit" in english[0] and "Page 3 of 8" in "\n".join(english[2])


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript (gs) is not installed")
def test_the_printed_words_can_be_read_back_from_the_pdf(tmp_path: Path, handout: Handout, german: None) -> None:
    out = tmp_path / "de.pdf"
    write_handout_pdf(handout, out, language="de")
    text = subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=txtwrite", "-sOutputFile=-", str(out)],
                          capture_output=True, text=True, timeout=120, check=True).stdout
    words = " ".join(text.split())
    for expected in ("Seite 1 von 8", "Seite 8 von 8", "Pixel sind Zahlen", "2D-Faltung", "Max-Pooling"):
        assert expected in words, expected


def test_the_pages_are_grey_only_and_mostly_white(handout: Handout) -> None:
    """Readable from a black-and-white printer: no colour anywhere, dark marks on white paper."""
    for index in range(handout_page_count(handout)):
        rgb = qimage_to_rgb(render_handout_page(handout, index, dpi=60)).astype(int)
        assert rgb.shape[:2] == (round(297 / 25.4 * 60), round(210 / 25.4 * 60))
        spread = rgb.max(axis=2) - rgb.min(axis=2)
        assert spread.max() <= 2, f"page {index + 1} has coloured pixels"
        grey = rgb.mean(axis=2)
        assert (grey > 245).mean() > 0.5, f"page {index + 1} is not mostly white paper"
        assert (grey < 100).mean() > 0.002, f"page {index + 1} has hardly any dark marks"


def test_the_lecture_s_tables_are_printed(handout: Handout) -> None:
    texts = page_texts(handout, "en")
    conv2d = "\n".join(texts[4])
    assert "✓ This is exactly the lecture's 7 × 7 table." in conv2d
    assert "The lecture's X (9 × 9)" in conv2d
    assert "✓ This is exactly the lecture's pooled 4 × 4 table." in "\n".join(texts[6])


def test_an_unwritable_place_raises_and_leaves_nothing(tmp_path: Path, handout: Handout) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError):
        write_handout_pdf(handout, blocker / "handout.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_failure_while_drawing_keeps_the_old_file_and_leaves_no_temp(
    tmp_path: Path, handout: Handout, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "handout.pdf"
    out.write_bytes(b"old")
    from convlens.gui.export import handout as module

    def broken(self: object, page: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(module._HandoutPages, "_pooling", broken)
    with pytest.raises(OSError, match="disk full"):
        write_handout_pdf(handout, out)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["handout.pdf"]


# -- File > Export lesson… ---------------------------------------------------------------------------------------
@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    from convlens.gui.app import create_window

    monkeypatch.setenv("CONVLENS_MNIST_DIR", str(tmp_path / "no-mnist"))
    window = create_window(language="en")
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.set_language("en")


def test_export_lesson_writes_the_handout_of_the_drawing(
    window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pdf_pages: PdfPages
) -> None:
    from convlens.gui.export import menus

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: shown.append(title))
    asked: list[str] = []
    monkeypatch.setattr(menus, "ask_save_path", lambda *args: asked.append(args[1]) or tmp_path / "lesson")
    assert window.exports.export_lesson_dialog() is None  # an empty canvas: nothing to hand out yet
    assert shown == ["Draw a digit first"] and asked == []
    window.canvas.draw_strokes_programmatically(SAMPLE_STROKES[7])
    window.canvas.flush()
    QApplication.processEvents()
    written = window.exports.export_lesson_dialog()
    assert asked == ["Export lesson"]
    assert written == tmp_path / "lesson.pdf"  # the suffix is added
    assert len(pdf_pages(written)) == 8
    assert "lesson.pdf" in window.statusBar().currentMessage()


def test_the_export_actions_are_in_the_file_menu_in_the_window_s_language(window) -> None:
    file_actions = [a.objectName() for a in window.menu("file").actions()]
    assert file_actions.index("exportFigureAction") < file_actions.index("exportLessonAction")
    assert file_actions.index("exportLessonAction") < file_actions.index("quitAction")
    window.set_language("de")
    assert window.exports.lessonAction.text() == "&Lektion exportieren…"
    assert window.exports.figureAction.text() == "&Abbildung exportieren…"
    window.set_language("en")
    assert window.exports.lessonAction.text() == "Export &lesson…"


def test_the_handout_of_an_image_shown_on_the_canvas(window, tmp_path: Path, pdf_pages: PdfPages) -> None:
    """A digit put on the canvas pixel for pixel (the training results' gallery) is handed out as it is."""
    from convlens.gui.training.canvas_bridge import show_digit

    image = np.zeros((28, 28), dtype=np.float32)
    image[4:24, 13:16] = 1.0
    show_digit(image, window.canvas, window.controller)
    handout = window.exports.current_handout()
    assert handout is not None and np.allclose(handout.cover.image28, image)
    assert window.exports.export_lesson_to(tmp_path / "one.pdf") == tmp_path / "one.pdf"
    assert len(pdf_pages(tmp_path / "one.pdf")) == 8

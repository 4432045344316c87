"""``convlens handout`` and ``convlens figure``: the files, the JSON line, clear errors that leave nothing behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from convlens.cli import FIGURE_PANELS, main


def last_json_line(out: str) -> dict[str, Any]:
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines, "nothing on stdout"
    result = json.loads(lines[-1])
    assert isinstance(result, dict)
    return result


@pytest.fixture
def seven(tmp_path: Path) -> Path:
    """A 7, dark on light, as a photographed worksheet would be."""
    image = Image.new("L", (200, 220), 255)
    ImageDraw.Draw(image).line([(50, 40), (150, 40), (90, 180)], fill=0, width=14)
    path = tmp_path / "seven.png"
    image.save(path)
    return path


def assert_clean_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    assert err.strip().startswith("convlens: error:"), err
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle.lower() in err.lower(), err


def outputs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- handout ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "de"])
def test_handout_writes_the_pdf_and_prints_one_json_line(
    seven: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], language: str,
    pdf_pages: Callable[[Path], list[bytes]], pdf_draws_text: Callable[[bytes], bool],
) -> None:
    out = tmp_path / "out" / f"lesson_{language}.pdf"
    assert main(["handout", str(seven), "--out", str(out), "--lang", language, "--json"]) == 0
    result = last_json_line(capsys.readouterr().out)
    assert result["file"] == str(out) and result["pages"] == 8 and result["language"] == language
    assert result["digit"] == 7
    pages = pdf_pages(out)
    assert len(pages) == 8 and all(pdf_draws_text(page) for page in pages)
    assert outputs(out.parent) == [out.name]


def test_handout_without_json_says_what_it_wrote(seven: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "h.pdf"
    assert main(["handout", str(seven), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out} (8 pages)"


def test_a_bad_image_is_a_clear_error_and_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    out = tmp_path / "out.pdf"
    assert_clean_error(main(["handout", str(bad), "--out", str(out)]), capsys.readouterr().err, "notes.png")
    missing = tmp_path / "missing.png"
    assert_clean_error(main(["handout", str(missing), "--out", str(out)]), capsys.readouterr().err, "missing.png")
    blank = tmp_path / "blank.png"
    Image.new("L", (50, 50), 255).save(blank)
    assert_clean_error(main(["handout", str(blank), "--out", str(out)]), capsys.readouterr().err, "blank.png")
    assert outputs(tmp_path) == ["blank.png", "notes.png"]


def test_an_unwritable_out_is_a_clear_error_and_no_file(seven: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    cases = [
        (blocker / "lesson.pdf", "not a folder"),
        (folder, "is a folder"),
        (tmp_path / "lesson.txt", ".pdf"),
    ]
    for out, needle in cases:
        assert_clean_error(main(["handout", str(seven), "--out", str(out)]), capsys.readouterr().err, needle)
    assert outputs(tmp_path) == ["a-file", "folder.pdf", "seven.png"]
    assert outputs(folder) == []


def test_a_write_failure_leaves_no_partial_file(seven: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from convlens.gui.export import handout as module

    def broken(self: object, page: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(module._HandoutPages, "_stacking", broken)
    out = tmp_path / "lesson.pdf"
    assert_clean_error(main(["handout", str(seven), "--out", str(out)]), capsys.readouterr().err, "no space left")
    assert outputs(tmp_path) == ["seven.png"]


def test_an_unknown_language_or_a_bad_model_is_a_clear_error(seven: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lesson.pdf"
    assert_clean_error(main(["handout", str(seven), "--out", str(out), "--lang", "xx"]), capsys.readouterr().err,
                       "--lang xx")
    model = tmp_path / "model.npz"
    model.write_bytes(b"not a model")
    assert_clean_error(main(["handout", str(seven), "--out", str(out), "--model", str(model)]),
                       capsys.readouterr().err, "model.npz")
    assert outputs(tmp_path) == ["model.npz", "seven.png"]


# -- figure -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("panel", FIGURE_PANELS)
def test_figure_writes_png_and_svg_and_prints_one_json_line(
    seven: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], panel: str
) -> None:
    for suffix in ("png", "svg"):
        out = tmp_path / f"{panel}.{suffix}"
        assert main(["figure", str(seven), "--panel", panel, "--out", str(out), "--json"]) == 0
        result = last_json_line(capsys.readouterr().out)
        assert result == {"file": str(out), "panel": panel, "format": suffix, "digit": 7}
    with Image.open(tmp_path / f"{panel}.png") as image:
        assert image.format == "PNG" and image.width >= 200 and image.height >= 150
        assert len(set(image.convert("L").getextrema())) == 2  # not one flat colour
    root = ET.parse(tmp_path / f"{panel}.svg").getroot()
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert tags & {"path", "rect", "image", "polyline", "text"}
    assert outputs(tmp_path) == sorted([f"{panel}.png", f"{panel}.svg", "seven.png"])


def test_figure_errors_are_clear(seven: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["figure", str(seven), "--panel", "weights", "--out", str(tmp_path / "w.png")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'weights'" in err and "filters" in err
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert_clean_error(main(["figure", str(seven), "--panel", "maps", "--out", str(blocker / "m.png")]),
                       capsys.readouterr().err, "not a folder")
    assert_clean_error(main(["figure", str(seven), "--panel", "maps", "--out", str(tmp_path / "m.jpg")]),
                       capsys.readouterr().err, ".png or .svg")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG broken")
    assert_clean_error(main(["figure", str(bad), "--panel", "maps", "--out", str(tmp_path / "m.png")]),
                       capsys.readouterr().err, "bad.png")
    assert outputs(tmp_path) == ["a-file", "bad.png", "seven.png"]


def test_figure_runs_offscreen_in_a_fresh_process(seven: Path, tmp_path: Path) -> None:
    """No display needed: the command picks Qt's offscreen platform itself."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    out = tmp_path / "probabilities.svg"
    proc = subprocess.run(
        [sys.executable, "-m", "convlens", "figure", str(seven), "--panel", "probabilities", "--out", str(out),
         "--json"],
        capture_output=True, text=True, timeout=180, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert last_json_line(proc.stdout)["file"] == str(out)
    assert proc.stderr.strip() == "", proc.stderr  # no platform warnings
    ET.parse(out)

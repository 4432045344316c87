"""``convlens explain`` and ``convlens visualize``, run in-process (no MNIST needed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from convlens.cli import main
from convlens.engine.loading import load_model
from convlens.engine.preprocess import load_image_file
from convlens.resources import default_model_path, models_dir
from convlens.services.explain import Explainer, sample_digit_images


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def digit_files(tmp_path: Path) -> list[Path]:
    """Three sample drawings (0, 3, 7) saved as white-on-black PNGs."""
    images = sample_digit_images(variants=False)[0]
    paths = []
    for digit in (0, 3, 7):
        path = tmp_path / f"digit_{digit}.png"
        Image.fromarray(np.round(images[digit] * 255).astype(np.uint8)).save(path)
        paths.append(path)
    return paths


@pytest.fixture
def lonely_onnx(tmp_path: Path) -> Path:
    """The shipped ONNX file without its .npz twin."""
    path = tmp_path / "lonely" / "model.onnx"
    path.parent.mkdir()
    shutil.copyfile(default_model_path(), path)
    return path


@pytest.mark.parametrize("command", [["explain"], ["visualize"]])
def test_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    assert "usage: convlens" in capsys.readouterr().out


@pytest.mark.parametrize("method", ["occlusion", "gradient"])
def test_explain_prints_one_json_line_per_image(method: str, digit_files: list[Path],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["explain", *map(str, digit_files), "--method", method, "--json"])
    assert code == 0
    lines = json_lines(capsys.readouterr().out)
    assert len(lines) == 3
    explainer = Explainer(load_model(default_model_path()))
    for line, path, digit in zip(lines, digit_files, (0, 3, 7), strict=True):
        assert line["file"] == str(path) and line["digit"] == digit
        probs = np.array(line["probabilities"])
        assert probs.shape == (10,) and int(np.argmax(probs)) == digit
        image = np.array(line["input"])
        saliency = np.array(line["saliency"])
        assert image.shape == saliency.shape == (28, 28)
        assert image.min() >= 0.0 and image.max() <= 1.0
        np.testing.assert_allclose(image, load_image_file(path), atol=1e-7)
        expected = explainer.explain(load_image_file(path), method, digit=digit).values
        np.testing.assert_allclose(saliency, expected, rtol=1e-5, atol=1e-7)
        ink = image >= 0.5
        assert saliency[ink].mean() > 0, "larger = more evidence for the answer, on the ink"


def test_explain_without_json_draws_the_map_as_text(digit_files: list[Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(digit_files[1])]) == 0
    out = capsys.readouterr().out
    assert "digit 3" in out and "#" in out


def test_explain_reports_a_bad_file_and_still_explains_the_others(digit_files: list[Path], tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    code = main(["explain", str(broken), str(digit_files[0]), "--json"])
    captured = capsys.readouterr()
    assert code == 2
    assert "broken.png" in captured.err and "Traceback" not in captured.err
    assert [line["digit"] for line in json_lines(captured.out)] == [0]


def test_gradient_methods_refuse_an_onnx_file_without_its_twin(lonely_onnx: Path, digit_files: list[Path],
                                                               tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["explain", str(digit_files[0]), "--model", str(lonely_onnx), "--method", "gradient", "--json"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "model.onnx" in captured.err and "model.npz" in captured.err and "Traceback" not in captured.err
    code = main(["visualize", "--layer", "conv1", "--out", str(tmp_path / "v"), "--model", str(lonely_onnx)])
    captured = capsys.readouterr()
    assert code == 2 and "model.npz" in captured.err and "Traceback" not in captured.err
    assert not (tmp_path / "v").exists()
    assert main(["explain", str(digit_files[0]), "--model", str(lonely_onnx), "--json"]) == 0, "occlusion works"
    assert json_lines(capsys.readouterr().out)[0]["digit"] == 0


def test_visualize_writes_a_picture_per_filter_and_one_json_object(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "pictures"
    code = main(["visualize", "--layer", "conv1", "--out", str(out_dir), "--steps", "20", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert result["layer"] == "conv1"
    filters = result["filters"]
    assert [f["filter"] for f in filters] == list(range(16))
    for entry in filters:
        path = Path(entry["file"])
        assert path == out_dir / f"conv1_{entry['filter']}.png"
        with Image.open(path) as png:
            assert png.size == (28, 28) and png.mode == "L"
        assert entry["activation"] > 0
    assert 0.0 <= result["own_picture_wins"] <= 1.0


def test_visualize_accepts_the_npz_and_refuses_unknown_layers(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["visualize", "--layer", "pool1", "--out", str(tmp_path), "--model", str(models_dir() / "default.npz")])
    err = capsys.readouterr().err
    assert code == 2 and "conv1, conv2, dense1" in err and "Traceback" not in err

"""The ``convlens`` command line, run in-process on the tiny fake MNIST of tests/conftest.py (no network)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from convlens.cli import main
from convlens.engine.layers import Dense, Flatten
from convlens.engine.model import Sequential, load_npz_model, read_metadata
from convlens.engine.presets import PRESETS
from convlens.resources import models_dir

SHIPPED_NPZ = models_dir() / "default.npz"


def last_json_line(out: str) -> dict[str, Any]:
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines, "nothing on stdout"
    result = json.loads(lines[-1])
    assert isinstance(result, dict)
    return result


def draw_one(path: Path, *, dark_on_light: bool = True, size: tuple[int, int] = (120, 160), mode: str = "L") -> Path:
    """A thick vertical bar, the simplest "1"."""
    ink, paper = (0, 255) if dark_on_light else (255, 0)
    if mode == "RGB":
        image = Image.new("RGB", size, (paper,) * 3)
        fill: Any = (ink,) * 3
    else:
        image = Image.new("L", size, paper)
        fill = ink
    w, h = size
    ImageDraw.Draw(image).rectangle([w // 2 - w // 14, h // 8, w // 2 + w // 14, h - h // 8], fill=fill)
    image.save(path)
    return path


def assert_clean_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    assert err.strip(), "an error message on stderr"
    for needle in needles:
        assert needle.lower() in err.lower(), err


@pytest.fixture
def tiny_npz(tmp_path: Path) -> Path:
    """An untrained (fast) model file."""
    model = Sequential([Flatten(), Dense(10)], seed=0)
    return model.save(tmp_path / "tiny.npz")


# ---------------------------------------------------------------------------------------------------- help


@pytest.mark.parametrize(
    "command", [[], ["train"], ["evaluate"], ["predict"], ["export"], ["data"], ["data", "fetch"], ["kiosk"], ["gui"]]
)
def test_help_exits_zero_for_every_command(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    assert "usage: convlens" in capsys.readouterr().out


def test_train_help_documents_the_issue_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    for option in ("--epochs", "--batch-size", "--lr", "--seed", "--limit", "--arch", "--quick", "--out", "--json"):
        assert option in out


def test_main_help_lists_the_sub_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("train", "finetune", "evaluate", "predict", "export", "data", "kiosk"):
        assert command in out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_python_dash_m_convlens_help_works(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "convlens", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "usage: convlens" in proc.stdout


def test_installed_console_script_help_works() -> None:
    script = Path(sys.executable).with_name("convlens")
    assert script.is_file(), "installing convlens installs the convlens console script"
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "usage: convlens" in proc.stdout


# ------------------------------------------------------------------------------------------ train/evaluate


@pytest.fixture
def trained(fake_mnist: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """``convlens train --limit 200 --epochs 1 --json --out DIR`` on the fake MNIST."""
    out_dir = tmp_path / "out"
    code = main(["train", "--limit", "200", "--epochs", "1", "--json", "--out", str(out_dir), "--seed", "3"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return {"dir": out_dir, "summary": last_json_line(captured.out), "stderr": captured.err}


@pytest.mark.slow
def test_train_writes_model_npz_and_model_card_json(trained: dict[str, Any], fake_mnist: Any) -> None:
    out_dir = trained["dir"]
    npz, card_path = out_dir / "model.npz", out_dir / "model.json"
    assert npz.is_file() and card_path.is_file()
    model = load_npz_model(npz)
    assert [layer.type_name for layer in model.layers] == [cfg["type"] for cfg in PRESETS["default"]]
    card = json.loads(card_path.read_text())
    assert [layer["type"] for layer in card["architecture"]] == [cfg["type"] for cfg in PRESETS["default"]]
    conv1 = card["architecture"][0]
    assert conv1["filters"] == 16 and list(conv1["kernel"]) == [5, 5] and conv1["padding"] == "same"
    assert conv1["activation"] == "relu" and list(conv1["stride"]) == [1, 1]
    assert card["training"]["epochs"] == 1
    assert card["training"]["seed"] == 3
    assert card["training"]["train_images"] == 200
    assert "batch_size" in card["training"] and "lr" in card["training"]
    assert card["data"]["sha256"] == fake_mnist.sha256
    assert 0.0 <= card["test_accuracy"] <= 1.0
    assert card["test_accuracy"] == pytest.approx(trained["summary"]["test_accuracy"])
    assert read_metadata(npz)["model_card"]["data"]["sha256"] == fake_mnist.sha256


@pytest.mark.slow
def test_train_json_last_line_has_seconds_throughput_and_test_accuracy(trained: dict[str, Any]) -> None:
    summary = trained["summary"]
    assert summary["seconds"] > 0
    assert summary["examples_per_second"] > 0
    assert 0.0 <= summary["test_accuracy"] <= 1.0
    assert summary["train_images"] == 200
    if summary.get("onnx"):
        assert Path(summary["onnx"]).is_file()


@pytest.mark.slow
def test_evaluate_json_reports_accuracy_per_class_and_confusion(
    trained: dict[str, Any], fake_mnist: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["evaluate", "--model", str(trained["dir"] / "model.npz"), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = last_json_line(captured.out)
    assert report["test_accuracy"] == pytest.approx(trained["summary"]["test_accuracy"])
    assert len(report["per_class_accuracy"]) == 10
    confusion = np.array(report["confusion_matrix"])
    assert confusion.shape == (10, 10)
    assert confusion.sum() == fake_mnist.n_test
    assert np.trace(confusion) / fake_mnist.n_test == pytest.approx(report["test_accuracy"])


def test_evaluate_text_output_and_explicit_data_dir(
    tiny_npz: Path, fake_mnist: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CONVLENS_MNIST_DIR")
    code = main(["evaluate", "--model", str(tiny_npz), "--data-dir", str(fake_mnist.directory)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "accuracy" in captured.out.lower()
    assert "confusion" in captured.out.lower()


def test_train_small_preset_learns_the_fake_digits(
    fake_mnist: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The fake digits are bars at label-dependent columns: easy, so a few epochs beat chance (10%) clearly.
    code = main([
        "train", "--arch", "small", "--epochs", "4", "--batch-size", "32", "--lr", "0.01", "--schedule", "constant",
        "--no-augment", "--json", "--out", str(tmp_path / "small"),
    ])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert last_json_line(captured.out)["test_accuracy"] > 0.5


# ------------------------------------------------------------------------------------------------- predict


@pytest.mark.parametrize(
    ("dark_on_light", "mode", "suffix"), [(True, "L", ".png"), (False, "RGB", ".png"), (True, "RGB", ".jpg")]
)
def test_predict_json_gives_a_digit_and_ten_probabilities(
    tiny_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], dark_on_light: bool, mode: str, suffix: str
) -> None:
    image = draw_one(tmp_path / f"one{suffix}", dark_on_light=dark_on_light, mode=mode)
    code = main(["predict", str(image), "--model", str(tiny_npz), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = last_json_line(captured.out)
    assert set(result) >= {"digit", "probabilities"}
    assert isinstance(result["digit"], int) and 0 <= result["digit"] <= 9
    probs = result["probabilities"]
    assert len(probs) == 10 and all(isinstance(p, float) for p in probs)
    assert sum(probs) == pytest.approx(1.0, abs=1e-5)
    assert result["digit"] == int(np.argmax(probs))


def test_shipped_model_reads_a_thick_vertical_bar_as_a_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image = draw_one(tmp_path / "one.png", size=(300, 400))
    assert main(["predict", str(image), "--model", str(SHIPPED_NPZ), "--json"]) == 0
    assert last_json_line(capsys.readouterr().out)["digit"] == 1


def test_predict_without_model_uses_the_shipped_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from convlens.resources import default_model_path

    assert default_model_path().name == "default.onnx" and default_model_path().is_file()
    assert main(["predict", str(draw_one(tmp_path / "one.png")), "--json"]) == 0
    assert len(last_json_line(capsys.readouterr().out)["probabilities"]) == 10


# -------------------------------------------------------------------------------------------------- export


def test_export_writes_an_onnx_file(tiny_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tiny.onnx"
    code = main(["export", "--model", str(tiny_npz), "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert out.is_file() and out.stat().st_size > 0
    assert Path(last_json_line(captured.out)["onnx"]) == out


def test_export_of_a_missing_model_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["export", "--model", str(tmp_path / "nope.npz"), "--out", str(tmp_path / "x.onnx")])
    assert_clean_error(code, capsys.readouterr().err, "nope.npz")


# -------------------------------------------------------------------------------------------------- errors


def test_evaluate_missing_model_file_exits_2_with_a_message(
    fake_mnist: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["evaluate", "--model", str(tmp_path / "missing.npz"), "--json"])
    captured = capsys.readouterr()
    assert_clean_error(code, captured.err, "missing.npz")
    assert captured.out == ""


def test_evaluate_corrupt_model_exits_2_with_a_message(
    fake_mnist: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "corrupt.npz"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes())
    assert_clean_error(main(["evaluate", "--model", str(bad)]), capsys.readouterr().err, "corrupt.npz")


def test_predict_with_corrupt_model_exits_2(tiny_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "trunc.npz"
    bad.write_bytes(tiny_npz.read_bytes()[:500])
    code = main(["predict", str(draw_one(tmp_path / "one.png")), "--model", str(bad), "--json"])
    assert_clean_error(code, capsys.readouterr().err, "trunc.npz")


@pytest.mark.parametrize("problem", ["missing", "not an image", "blank"])
def test_predict_bad_image_exits_2_with_a_message(
    problem: str, tiny_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "img.png"
    if problem == "not an image":
        image.write_text("hello")
    elif problem == "blank":
        Image.new("L", (50, 50), 255).save(image)
    code = main(["predict", str(image), "--model", str(tiny_npz), "--json"])
    assert_clean_error(code, capsys.readouterr().err, "img.png")


def test_train_without_data_and_without_network_exits_2(
    offline_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code = main(["train", "--limit", "50", "--epochs", "1", "--data-dir", str(empty), "--out", str(tmp_path / "o")])
    assert_clean_error(code, capsys.readouterr().err, "MNIST")
    assert not (tmp_path / "o" / "model.npz").exists()


def test_evaluate_without_data_and_without_network_exits_2(
    offline_data: Path, tiny_npz: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_clean_error(main(["evaluate", "--model", str(tiny_npz)]), capsys.readouterr().err, "MNIST")


def test_train_with_an_unknown_architecture_exits_2(
    fake_mnist: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["train", "--arch", "no-such-preset", "--out", str(tmp_path / "o")])
    assert_clean_error(code, capsys.readouterr().err, "no-such-preset")


def test_train_with_a_broken_architecture_file_exits_2(
    fake_mnist: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arch = tmp_path / "arch.json"
    arch.write_text(json.dumps([{"type": "Conv2D", "filters": 4, "kernel": 3}, {"type": "Dense", "units": 10}]))
    code = main(["train", "--arch", str(arch), "--limit", "20", "--epochs", "1", "--out", str(tmp_path / "o")])
    assert_clean_error(code, capsys.readouterr().err, "Dense")

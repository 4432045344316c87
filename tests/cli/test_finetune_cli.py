"""``convlens finetune``: a class set in, a model set and one JSON line out; bad input refused before any work.

Runs on the 300/100-image fake MNIST (tests/conftest.py) with the shipped network and a synthetic class hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import convlens.services.finetune as finetune
from convlens.cli import main
from convlens.engine.model import load_npz_model, read_metadata
from convlens.resources import models_dir
from convlens.services.class_style import synthetic_class_set
from convlens.services.classset import save_class_set


@pytest.fixture(scope="module")
def class_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("class") / "ours.npz"
    save_class_set(path, synthetic_class_set(60, seed=5, pupils=3))
    return path


def test_finetune_writes_the_model_set_and_prints_the_json(
    fake_mnist: Any, tmp_path: Path, class_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "taught"
    code = main(["finetune", "--model", str(models_dir() / "default.onnx"), "--data", str(class_file),
                 "--out", str(out), "--epochs", "1", "--seed", "2", "--workers", "1", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert {"before", "after", "held_out", "mnist_test", "seconds"} <= set(summary)
    assert 0.0 <= summary["before"] <= 1.0 and 0.0 <= summary["after"] <= 1.0
    assert summary["held_out"] > 0 and summary["seconds"] > 0
    assert 0.0 <= summary["mnist_test"] <= 1.0
    assert sorted(p.name for p in out.iterdir()) == ["model.json", "model.npz", "model.onnx"]
    card = json.loads((out / "model.json").read_text())
    assert card["class_finetune"]["held_out"] == summary["held_out"]
    assert card["class_finetune"]["held_out_after"] == summary["after"]
    assert card["class_finetune"]["mnist_test_after"] == summary["mnist_test"] == card["test_accuracy"]
    assert card["training"]["source"] == "convlens finetune"
    assert read_metadata(out / "model.npz")["model_card"]["model_set"] == card["model_set"]
    taught, shipped = load_npz_model(out / "model.npz"), load_npz_model(models_dir() / "default.npz")
    assert any(not np.array_equal(a, shipped.get_weights()[k]) for k, a in taught.get_weights().items())


def test_finetune_human_output(fake_mnist: Any, tmp_path: Path, class_file: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["finetune", "--data", str(class_file), "--out", str(tmp_path / "o"), "--epochs", "1",
                 "--workers", "1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "held-out class drawings:" in captured.out and "Teaching..." in captured.err


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("labels", "0..9"),
        ("text", "not a class-set file"),
        ("missing", "No such file"),
        ("onnx-alone", "without its .npz twin"),
        ("epochs", "--epochs must be >= 1"),
    ],
)
def test_finetune_refuses_bad_input_before_any_work(
    tmp_path: Path, class_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    setup: str, message: str,
) -> None:
    started: list[Any] = []
    monkeypatch.setattr(finetune, "fit", lambda *a, **k: started.append(a) or iter(()))
    data, model, epochs = class_file, models_dir() / "default.npz", "1"
    if setup == "labels":
        data = tmp_path / "bad.npz"
        np.savez(data, images=np.zeros((20, 28, 28), np.uint8), labels=np.full(20, 10))
    elif setup == "text":
        data = tmp_path / "notes.npz"
        data.write_text("not a zip")
    elif setup == "missing":
        data = tmp_path / "nowhere.npz"
    elif setup == "onnx-alone":
        model = tmp_path / "alone.onnx"
        model.write_bytes((models_dir() / "default.onnx").read_bytes())
    else:
        epochs = "0"
    code = main(["finetune", "--model", str(model), "--data", str(data), "--out", str(tmp_path / "out"),
                 "--epochs", epochs, "--json"])
    captured = capsys.readouterr()
    assert code == 2 and message in captured.err and "Traceback" not in captured.err
    assert not started and not (tmp_path / "out" / "model.npz").exists() and captured.out == ""

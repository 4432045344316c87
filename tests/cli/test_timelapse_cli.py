"""``convlens train --timelapse DIR``: frames, GIF and strip written, named in the JSON line; an unwritable DIR is
refused before training starts. Runs on the 300/100-image fake MNIST (tests/conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import convlens.services.training as training
from convlens.cli import main


def last_json_line(out: str) -> dict[str, Any]:
    lines = [line for line in out.splitlines() if line.strip()]
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def test_train_timelapse_writes_frames_gif_strip_and_names_them_in_the_json(
    fake_mnist: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "lapse" / "run1"  # created on demand
    code = main(["train", "--limit", "200", "--epochs", "1", "--batch-size", "20", "--arch", "small",
                 "--no-augment", "--workers", "1", "--json", "--out", str(tmp_path / "out"),
                 "--timelapse", str(folder), "--timelapse-every", "2"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = last_json_line(captured.out)
    lapse = summary["timelapse"]
    frames = sorted(folder.glob("frame_*.png"))
    assert lapse["frames"] == len(frames) == 6  # steps 0, 2, 4, 6, 8, 10 (200 images / 20 per batch)
    assert frames[0].name == "frame_0000.png"
    assert Path(lapse["gif"]) == folder / "timelapse.gif"
    assert Path(lapse["strip"]) == folder / "timelapse_strip.png"
    with Image.open(folder / "timelapse.gif") as gif:
        assert gif.n_frames == 6
    with Image.open(frames[0]) as first, Image.open(folder / "timelapse_strip.png") as strip:
        assert strip.width > 5 * first.width and strip.height == first.height


def test_train_timelapse_into_an_unwritable_dir_fails_before_training(
    fake_mnist: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Any] = []
    monkeypatch.setattr(training, "fit", lambda *a, **k: started.append(a) or iter(()))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code = main(["train", "--limit", "100", "--epochs", "1", "--json", "--out", str(tmp_path / "out"),
                 "--timelapse", str(blocker / "lapse")])
    captured = capsys.readouterr()
    assert code == 2
    assert "cannot write the time-lapse into" in captured.err and "Traceback" not in captured.err
    assert not started and not (tmp_path / "out" / "model.npz").exists()


def test_train_help_mentions_timelapse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert "--timelapse" in out and "--timelapse-every" in out

"""``convlens train --elastic PX`` on the fake MNIST, offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from convlens.cli import main


def test_train_with_elastic_records_it_in_the_card(
    fake_mnist: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bent"
    code = main(["train", "--quick", "--augment", "--elastic", "0.75", "--limit", "120", "--epochs", "1", "--json",
                 "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    training = json.loads((out / "model.json").read_text())["training"]
    assert training["augment"] is True and training["augment_config"]["elastic"] == 0.75


@pytest.mark.parametrize("value", ["-1", "7", "nan"])
def test_bad_elastic_is_refused_before_training(
    value: str, fake_mnist: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["train", "--augment", "--elastic", value, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "--elastic" in err and "Traceback" not in err
    assert not (tmp_path / "o" / "model.npz").exists()


def test_elastic_without_the_augmentation_is_refused(
    fake_mnist: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["train", "--quick", "--elastic", "1", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "--augment" in err
    assert not (tmp_path / "o" / "model.npz").exists()

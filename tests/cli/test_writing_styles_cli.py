"""``convlens train --writing-styles`` and ``convlens data fetch --other-writers`` on the fake MNIST, offline."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from convlens.cli import main
from convlens.engine import optdigits
from convlens.engine.data import DataError


def test_train_with_writing_styles_records_them_in_the_card(
    fake_mnist: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "styled"
    code = main(["train", "--quick", "--limit", "120", "--epochs", "1", "--writing-styles", "1,0.5,1", "--json",
                 "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    pen = json.loads((out / "model.json").read_text())["training"]["pen"]
    assert pen["writing_styles"] == {"one_flag": 1.0, "one_foot": 0.5, "seven_bar": 1.0}
    assert pen["fraction"] > 0


@pytest.mark.parametrize("value", ["2,0,0", "0.5,0.5", "a,b,c"])
def test_bad_writing_styles_are_a_usage_error(value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["train", "--writing-styles", value, "--out", str(tmp_path / "o")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "FLAG,FOOT,BAR" in err and "Traceback" not in err


def test_writing_styles_without_pen_digits_is_refused_before_training(
    fake_mnist: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["train", "--no-augment", "--writing-styles", "1,0,0", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "--pen-fraction" in err
    assert not (tmp_path / "o" / "model.npz").exists()


def test_data_fetch_other_writers_caches_the_verified_set(
    fake_mnist: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    optdigits_table: Callable[..., bytes],
) -> None:
    table = optdigits_table()
    monkeypatch.setattr(optdigits, "CSV_SHA256", hashlib.sha256(table).hexdigest())
    monkeypatch.setattr(optdigits, "_download", lambda: table)
    assert not optdigits.is_cached()
    assert main(["data", "fetch", "--other-writers"]) == 0
    assert "other writers" in capsys.readouterr().out
    assert optdigits.is_cached()  # in the (private) user cache


def test_data_fetch_other_writers_failing_is_a_clean_error(
    fake_mnist: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def offline() -> bytes:
        raise DataError("could not get the optdigits set: network disabled in tests")

    monkeypatch.setattr(optdigits, "_download", offline)
    code = main(["data", "fetch", "--other-writers"])
    err = capsys.readouterr().err
    assert code == 2 and "optdigits" in err and "Traceback" not in err

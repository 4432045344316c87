"""The other writers' figures (``services.benchmark.other_writers_figures``): measured when cached, else why not."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from convlens.engine import optdigits
from convlens.services.benchmark import other_writers_figures


def test_figures_of_the_cached_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, optdigits_table: Callable[..., bytes]
) -> None:
    table = optdigits_table()
    monkeypatch.setattr(optdigits, "CSV_SHA256", hashlib.sha256(table).hexdigest())
    (tmp_path / "digits.csv.gz").write_bytes(table)
    seen: list[np.ndarray] = []

    def says_one(x: np.ndarray) -> np.ndarray:  # the fixture's digits are vertical bars, labelled 0..9 in turn
        seen.append(x)
        probs = np.full((len(x), 10), 0.01, np.float32)
        probs[:, 1] = 0.91
        return probs

    figures = other_writers_figures(says_one, cache_dir=tmp_path)
    assert figures["available"] is True and "13 writers" in figures["set"]
    assert seen[0].shape == (20, 28, 28, 1)
    assert figures["n"] == 20 and figures["accuracy"] == pytest.approx(2 / 20)  # rows 1 and 11 are 1s
    assert figures["wrong"] == 18 and figures["confident_wrong"] == 0


def test_missing_set_is_reported_not_fetched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def no_download() -> bytes:
        raise AssertionError("a figure without allow_download must not download")

    monkeypatch.setattr(optdigits, "_download", no_download)
    figures = other_writers_figures(lambda x: np.zeros((len(x), 10)), cache_dir=tmp_path)
    assert figures == {"available": False, "reason": figures["reason"]} and "not cached" in figures["reason"]

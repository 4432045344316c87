"""A damaged model in the user data folder never stops the app or the kiosk: the shipped model opens instead,
the app says so once, and the damaged files are kept for inspection."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from convlens.engine.model import Sequential
from convlens.engine.presets import PRESETS
from convlens.gui.app import create_window
from convlens.resources import models_dir
from convlens.services import model_store


@pytest.mark.parametrize("damage", ["truncate-onnx", "truncate-npz-without-onnx", "garbage-onnx"])
def test_a_damaged_current_model_falls_back_to_the_shipped_one(qtbot: QtBot, damage: str) -> None:
    stored = model_store.save_model(Sequential.from_config(PRESETS["small"], seed=1), {"name": "mine"})
    if damage == "truncate-npz-without-onnx":
        assert stored.onnx is not None
        stored.onnx.unlink()
        model_store.set_current(stored.id)  # a record whose ONNX is gone is not complete...
        stored = model_store.StoredModel(stored.id, stored.npz, None, stored.record, stored.card, stored.created)
        record = stored.record.read_text().replace(f'"{stored.id}.onnx"', "null")
        stored.record.write_text(record)
    victim = stored.path
    data = victim.read_bytes()
    victim.write_bytes(b"\x00garbage" if damage == "garbage-onnx" else data[: len(data) // 3])
    assert model_store.current_model() is not None

    window = create_window(install_extras=False)
    qtbot.addWidget(window)
    info = window.controller.current_model_info()
    assert info.path is not None and info.path.parent == models_dir()  # the shipped model
    assert "could not be opened" in window.statusBar().currentMessage()
    damaged = model_store.models_dir() / model_store.DAMAGED
    assert (damaged / victim.name).is_file() and (damaged / f"{stored.id}.reason.txt").is_file()
    assert model_store.current_model() is None  # said once: the next start is quiet

    again = create_window(install_extras=False)
    qtbot.addWidget(again)
    assert "could not be opened" not in again.statusBar().currentMessage()


def test_the_kiosk_starts_on_the_shipped_model_too(qtbot: QtBot, tmp_path: Path) -> None:
    stored = model_store.save_model(Sequential.from_config(PRESETS["small"], seed=2), {})
    stored.path.write_bytes(stored.path.read_bytes()[:100])
    window = create_window(kiosk=True)
    qtbot.addWidget(window, before_close_func=lambda w: w.kioskController and w.kioskController.shutdown())
    assert window.controller.current_model_info().path.parent == models_dir()


def test_an_explicit_model_that_does_not_open_still_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"nope")
    with pytest.raises((ValueError, OSError)):
        create_window(model_path=bad, install_extras=False)

"""The user's model store: atomic saves, the current-model pointer, pruning, export, and a kill during saving."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from convlens.engine.loading import load_model
from convlens.engine.model import Sequential, load_npz_model
from convlens.engine.presets import PRESETS
from convlens.services import model_store as store


def small_model(seed: int = 0) -> Sequential:
    return Sequential.from_config(PRESETS["small"], seed=seed)


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user data directory, moved into tmp_path through $CONVLENS_DATA_DIR."""
    directory = tmp_path / "userdata"
    monkeypatch.setenv(store.DATA_DIR_ENV, str(directory))
    return directory


def test_user_data_dir_follows_the_environment_override(base: Path) -> None:
    assert store.user_data_dir() == base
    assert store.models_dir() == base / "models"


def test_save_writes_npz_onnx_and_record_that_load_to_the_same_network(base: Path) -> None:
    model = small_model(1)
    stored = store.save_model(model, {"test_accuracy": 0.5}, make_current=False)
    assert stored.npz.parent == base / "models" and stored.onnx is not None
    assert stored.path == stored.onnx
    x = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(load_npz_model(stored.npz).predict_proba(x), model.predict_proba(x), atol=1e-6)
    np.testing.assert_allclose(load_model(stored.onnx).predict_proba(x), model.predict_proba(x), atol=1e-5)
    record = json.loads(stored.record.read_text())
    assert record["model_card"]["test_accuracy"] == 0.5
    assert store.list_models() == [stored]
    assert store.current_model() is None  # not committed as current


def test_current_pointer_and_factory_reset(base: Path) -> None:
    first = store.save_model(small_model(1))
    assert store.current_model() == first
    second = store.save_model(small_model(2))
    assert store.current_model() == second
    path = store.factory_reset()
    assert path == store.factory_model_path() and path.name.startswith("default.")
    assert store.current_model() is None
    assert {m.id for m in store.list_models()} == {first.id, second.id}  # files stay


def test_prune_keeps_the_newest_and_the_current_and_removes_stale_leftovers(base: Path) -> None:
    saved = [store.save_model(small_model(i), make_current=False, keep=100) for i in range(4)]
    store.set_current(saved[0].id)
    leftover = base / "models" / "trained-old.npz"
    leftover.write_bytes(b"half a model")
    temp = base / "models" / ".x.npz.abc.tmp"
    temp.write_bytes(b"")
    fresh_temp = base / "models" / ".y.npz.abc.tmp"
    fresh_temp.write_bytes(b"")
    old = time.time() - 2 * store.STALE_SECONDS
    os.utime(leftover, (old, old))
    os.utime(temp, (old, old))
    store.prune(keep=2)
    remaining = {m.id for m in store.list_models()}
    newest = max(saved[1:], key=lambda m: (m.created, m.id))
    assert saved[0].id in remaining and newest.id in remaining and len(remaining) == 2
    assert not leftover.exists() and not temp.exists()
    assert fresh_temp.exists()  # may belong to a save in progress


def test_a_model_without_its_record_is_not_listed(base: Path) -> None:
    stored = store.save_model(small_model())
    stored.record.unlink()
    assert store.list_models() == []
    assert store.current_model() is None


def unwritable(tmp_path: Path) -> Path:
    """A directory that cannot be created even as root: its parent is a regular file."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file in the way")
    return blocker / "userdata"


def test_unwritable_data_directory_raises_a_readable_error(tmp_path: Path) -> None:
    with pytest.raises(store.ModelStoreError, match="cannot create the model folder"):
        store.save_model(small_model(), base=unwritable(tmp_path))
    assert store.list_models(unwritable(tmp_path)) == []
    assert store.current_model(unwritable(tmp_path)) is None
    store.factory_reset(unwritable(tmp_path))  # nothing to reset: no error


def test_export_numpy_model_to_npz_and_onnx(tmp_path: Path) -> None:
    model = small_model(3)
    x = np.random.default_rng(1).random((2, 28, 28, 1), dtype=np.float32)
    npz = store.export_model(model, None, tmp_path / "mine.npz", card={"note": "hi"})
    onnx_path = store.export_model(model, None, tmp_path / "mine.onnx")
    np.testing.assert_allclose(load_model(npz).predict_proba(x), model.predict_proba(x), atol=1e-6)
    np.testing.assert_allclose(load_model(onnx_path).predict_proba(x), model.predict_proba(x), atol=1e-5)


def test_export_onnx_session_copies_its_file_and_refuses_other_formats(tmp_path: Path) -> None:
    model = small_model(4)
    source = store.export_model(model, None, tmp_path / "src.onnx")
    session = load_model(source)
    copy = store.export_model(session, source, tmp_path / "copy.onnx")
    assert copy.read_bytes() == source.read_bytes()
    with pytest.raises(store.ModelStoreError, match="cannot be saved as .npz"):
        store.export_model(session, source, tmp_path / "copy.npz")
    with pytest.raises(store.ModelStoreError, match=".onnx or .npz"):
        store.export_model(model, None, tmp_path / "model.txt")
    with pytest.raises(store.ModelStoreError, match="cannot write"):
        store.export_model(model, None, unwritable(tmp_path) / "model.npz")


def test_export_onnx_session_as_npz_uses_its_npz_twin(tmp_path: Path) -> None:
    model = small_model(5)
    source = store.export_model(model, None, tmp_path / "twin.onnx")
    model.save(tmp_path / "twin.npz")
    out = store.export_model(load_model(source), source, tmp_path / "out.npz")
    assert out.read_bytes() == (tmp_path / "twin.npz").read_bytes()


SAVER = textwrap.dedent(
    """
    import numpy as np
    from convlens.engine.model import Sequential
    from convlens.engine.presets import PRESETS
    from convlens.services import model_store

    model = Sequential.from_config(PRESETS["small"], seed=0)
    i = 0
    while True:
        i += 1
        weights = model.get_weights()
        for name in weights:  # every parameter carries the save number
            weights[name] = np.full_like(weights[name], i * 1e-3)
        model.set_weights(weights)
        model_store.save_model(model, {"save_number": i}, keep=3)
        if i == 2:
            print("saving", flush=True)
    """
)


def check_store_is_consistent(base: Path) -> int:
    """The current model loads from both files, which agree with each other and with its record."""
    current = store.current_model(base)
    assert current is not None
    number = current.card["save_number"]
    npz_model = load_npz_model(current.npz)
    for name, value, _ in npz_model.named_params():
        np.testing.assert_array_equal(value, np.float32(number * 1e-3), err_msg=name)
    assert current.onnx is not None
    x = np.random.default_rng(0).random((2, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(load_model(current.onnx).predict_proba(x), npz_model.predict_proba(x), atol=1e-5)
    return int(number)


@pytest.mark.slow
def test_killing_the_process_mid_save_leaves_a_loadable_model(tmp_path: Path) -> None:
    """SIGKILL a process that saves over and over, at random moments: the stored model always loads."""
    base = tmp_path / "userdata"
    env = {**os.environ, store.DATA_DIR_ENV: str(base)}
    rng = np.random.default_rng(0)
    numbers = []
    for _ in range(3):
        with subprocess.Popen(
            [sys.executable, "-c", SAVER], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
        ) as proc:
            try:
                assert proc.stdout is not None
                assert proc.stdout.readline().strip() == "saving"
                time.sleep(float(rng.uniform(0.05, 0.6)))
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        numbers.append(check_store_is_consistent(base))
        assert len(store.list_models(base)) >= 1
    assert all(n >= 1 for n in numbers)

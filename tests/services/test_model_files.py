"""``convlens train``'s model set: one complete set visible at any instant, one writer at a time, nothing left
behind by a killed writer."""

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
from convlens.engine.model import Sequential, read_metadata
from convlens.engine.presets import PRESETS
from convlens.services import model_files
from convlens.services.model_files import (
    ModelSetBusyError,
    check_writable,
    matching_twin,
    model_set_id,
    recover_model_set,
    save_model_set,
)


def small_model(seed: int = 0) -> Sequential:
    return Sequential.from_config(PRESETS["small"], seed=seed)


def set_ids(out: Path, name: str = "model") -> set[str | None]:
    return {model_set_id(out / f"{name}{suffix}") for suffix in (".npz", ".onnx", ".json")}


def test_the_three_files_share_one_set_id_and_the_card(tmp_path: Path) -> None:
    files = save_model_set(small_model(), {"name": "t"}, tmp_path, "model")
    assert set_ids(tmp_path) == {files.set_id}
    assert json.loads(files.card.read_text())["model_set"] == {"id": files.set_id, "name": "model"}
    assert read_metadata(files.npz)["model_card"]["model_set"]["id"] == files.set_id
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.npz", "model.onnx"]


def test_a_second_save_replaces_the_whole_set(tmp_path: Path) -> None:
    first = save_model_set(small_model(1), {}, tmp_path, "model")
    second = save_model_set(small_model(2), {}, tmp_path, "model")
    assert first.set_id != second.set_id and set_ids(tmp_path) == {second.set_id}
    assert matching_twin(tmp_path / "model.onnx", ".npz") == tmp_path / "model.npz"


def test_a_failure_before_the_commit_keeps_the_old_set_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = save_model_set(small_model(1), {}, tmp_path, "model")

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(model_files, "export_onnx", full_disk)
    with pytest.raises(OSError, match="No space"):
        save_model_set(small_model(2), {}, tmp_path, "model")
    assert set_ids(tmp_path) == {old.set_id}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.npz", "model.onnx"]


def test_a_crash_between_the_moves_is_rolled_forward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_model_set(small_model(1), {}, tmp_path, "model")
    real_replace = os.replace
    moved: list[str] = []

    def dies_after_one_move(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).parent == tmp_path and moved:
            raise KeyboardInterrupt  # the process dies here
        real_replace(src, dst)
        if Path(dst).parent == tmp_path:
            moved.append(Path(dst).name)

    monkeypatch.setattr(model_files.os, "replace", dies_after_one_move)
    with pytest.raises(KeyboardInterrupt):
        save_model_set(small_model(2), {}, tmp_path, "model")
    monkeypatch.setattr(model_files.os, "replace", real_replace)
    assert len(set_ids(tmp_path)) == 2  # mixed on disk for now...
    assert matching_twin(tmp_path / "model.onnx", ".npz") is None  # ...and a pairing reader notices
    actions = recover_model_set(tmp_path, "model")
    assert any("finished publishing" in a for a in actions)
    assert len(set_ids(tmp_path)) == 1 and None not in set_ids(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.npz", "model.onnx"]


def test_a_second_concurrent_writer_is_refused(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / ".model.lock").write_text(str(holder.pid))
        with pytest.raises(ModelSetBusyError, match=str(holder.pid)):
            check_writable(tmp_path, "model")
        with pytest.raises(ModelSetBusyError):
            save_model_set(small_model(), {}, tmp_path, "model")
    finally:
        holder.kill()
        holder.wait()
    save_model_set(small_model(), {}, tmp_path, "model")  # a dead holder's lock is taken over
    assert not (tmp_path / ".model.lock").exists()


def test_check_writable_refuses_a_read_only_folder(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = tmp_path / "file-in-the-way"
        target.write_text("x")
        with pytest.raises(OSError):
            check_writable(target / "sub", "model")
        return
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(OSError):
            check_writable(tmp_path, "model")
    finally:
        tmp_path.chmod(0o700)


def test_check_writable_refuses_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files.shutil, "disk_usage", lambda _: _Usage(1000))
    with pytest.raises(OSError, match="MB free"):
        check_writable(tmp_path, "model")


class _Usage:
    def __init__(self, free: int) -> None:
        self.free = free


_SAVER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from convlens.engine.model import Sequential
    from convlens.engine.presets import PRESETS
    from convlens.services.model_files import save_model_set
    out = Path(sys.argv[1])
    seed = 0
    print("ready", flush=True)
    while True:
        seed += 1
        save_model_set(Sequential.from_config(PRESETS["small"], seed=seed), {}, out, "model")
    """
)


@pytest.mark.slow
def test_kill_9_at_random_instants_never_leaves_a_mixed_set_after_recovery(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    save_model_set(small_model(), {}, tmp_path, "model")
    for _ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", _SAVER, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(float(rng.uniform(0.05, 0.6)))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        recover_model_set(tmp_path, "model")  # the dead writer's lock is stale: recovery runs
        ids = set_ids(tmp_path)
        assert len(ids) == 1 and None not in ids, ids
        assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.npz", "model.onnx"]
        for suffix in (".npz", ".onnx"):
            load_model(tmp_path / f"model{suffix}")

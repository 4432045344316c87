"""A trained model written as a set of files: ``DIR/NAME.npz`` (NumPy), ``.onnx`` (onnxruntime), ``.json`` (card).

The three files are published as one set, so that a crash, a full disk or a second writer never leaves
``NAME.npz`` from one run beside ``NAME.onnx``/``NAME.json`` from another:

1. a writer lock ``DIR/.NAME.lock`` (created exclusively, holding the writer's PID) refuses a second concurrent
   writer; a lock whose process is gone is taken over;
2. all three files are written into a staging folder ``DIR/.NAME.staging-<id>/`` (each atomically, fsynced),
   every one carrying the same ``model_set.id`` in its model card;
3. an empty ``COMMITTED`` file in the staging folder marks the set complete: from then on the set *will* be
   published, even if the process dies now;
4. the three files are moved into ``DIR`` (``os.replace``), then the staging folder is removed.

:func:`recover_model_set` (run by every writer before it starts, and by :func:`open_model_set`) finishes a
committed staging folder that a killed writer left (roll forward) and deletes uncommitted ones and stale temp files
(roll back). :func:`model_set_id` and :func:`matching_twin` let a reader that pairs files (an ``.onnx`` with its
``.npz`` twin, a model with its card) check that they belong to the same set.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from convlens.engine.atomic import atomic_write_bytes
from convlens.engine.loading import load_model
from convlens.engine.model import Sequential, read_metadata
from convlens.engine.onnx_export import export_onnx
from convlens.engine.runtime import OnnxPredictor

__all__ = [
    "ModelSet",
    "ModelSetBusyError",
    "check_writable",
    "matching_twin",
    "model_set_id",
    "onnx_accuracy",
    "recover_model_set",
    "save_model_set",
    "write_json",
]

SUFFIXES = (".npz", ".onnx", ".json")
COMMITTED = "COMMITTED"
MIN_FREE_BYTES = 16 * 1024 * 1024
"""Room a model set needs, with a margin (the default network's three files take about 1.5 MB)."""
STALE_TEMP_SECONDS = 3600.0
"""Leftover ``.NAME.*.tmp`` files older than this are removed by :func:`recover_model_set`."""


class ModelSetBusyError(RuntimeError):
    """Another live process is writing the same model set."""


@dataclass(frozen=True)
class ModelSet:
    """The files of one saved model and the id they share."""

    npz: Path
    onnx: Path
    card: Path
    set_id: str


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as indented JSON, atomically."""
    atomic_write_bytes(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))


def onnx_accuracy(path: Path, x: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of the ONNX file at ``path`` on ``x`` ``(N, 28, 28, 1)``, ``y`` ``(N,)`` through onnxruntime
    (on every core: the check runs once, after training, when nothing else needs them)."""
    predictor = OnnxPredictor.open(path, threads=os.cpu_count() or 1)
    return float(np.mean(np.argmax(predictor.predict_proba(x), axis=1) == y))


def check_writable(out_dir: Path, name: str) -> None:
    """Fail early (before a long training run) if ``out_dir`` cannot take a model set.

    Raises
    ------
    OSError
        The folder cannot be created or written, or has less than :data:`MIN_FREE_BYTES` free.
    ModelSetBusyError
        Another process is writing ``out_dir/name.*`` right now.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    probe = out_dir / f".{name}.probe-{secrets.token_hex(4)}.tmp"
    try:
        probe.write_bytes(b"x")
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    free = shutil.disk_usage(out_dir).free
    if free < MIN_FREE_BYTES:
        raise OSError(f"only {free / 1e6:.1f} MB free in {out_dir}; a model needs {MIN_FREE_BYTES / 1e6:.0f} MB")
    holder = _lock_holder(out_dir / f".{name}.lock")
    if holder is not None:
        raise ModelSetBusyError(f"process {holder} is writing {out_dir / name}.* right now")


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _lock_holder(lock: Path) -> int | None:
    """PID of the live process holding ``lock``, or None (no lock, or its process is gone)."""
    try:
        text = lock.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    try:
        pid = int(text)
    except ValueError:
        return None
    return pid if _pid_alive(pid) else None


@contextlib.contextmanager
def _writer_lock(out_dir: Path, name: str) -> Iterator[None]:
    lock = out_dir / f".{name}.lock"
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            holder = _lock_holder(lock)
            if holder is not None:
                raise ModelSetBusyError(f"process {holder} is writing {out_dir / name}.* right now") from None
            with contextlib.suppress(OSError):  # the writer died: take its lock over
                lock.unlink()
            continue
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(str(os.getpid()))
        break
    else:
        raise ModelSetBusyError(f"cannot take the writer lock {lock}")
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()


def _publish(staging: Path, out_dir: Path, name: str) -> None:
    """Move the staged files into ``out_dir`` (idempotent: a file already moved is skipped), then drop staging."""
    for suffix in SUFFIXES:
        staged = staging / f"{name}{suffix}"
        if staged.exists():
            os.replace(staged, out_dir / f"{name}{suffix}")
    shutil.rmtree(staging, ignore_errors=True)


def recover_model_set(out_dir: Path, name: str, *, holding_lock: bool = False) -> list[str]:
    """Finish or undo what a killed writer of ``out_dir/name.*`` left; return what was done (for the log).

    Committed staging folders are published (roll forward, oldest first), uncommitted ones deleted, and temp
    files of interrupted atomic writes removed (without the lock: only those older than
    :data:`STALE_TEMP_SECONDS`). Without ``holding_lock`` it does nothing while a live writer holds the lock.
    """
    actions: list[str] = []
    lock = out_dir / f".{name}.lock"
    if not out_dir.is_dir() or (not holding_lock and _lock_holder(lock) is not None):
        return actions
    if not holding_lock and lock.exists():
        with contextlib.suppress(OSError):
            lock.unlink()
            actions.append("removed the lock of a writer that is gone")
    for staging in sorted(out_dir.glob(f".{name}.staging-*")):  # ids start with a timestamp: oldest first
        if (staging / COMMITTED).is_file():
            _publish(staging, out_dir, name)
            actions.append(f"finished publishing {staging.name}")
        else:
            shutil.rmtree(staging, ignore_errors=True)
            actions.append(f"removed the incomplete {staging.name}")
    now = time.time()
    for temp in out_dir.glob(f".{name}.*.tmp"):
        with contextlib.suppress(OSError):
            if holding_lock or now - temp.stat().st_mtime > STALE_TEMP_SECONDS:
                temp.unlink()
                actions.append(f"removed the stale temp file {temp.name}")
    return actions


def save_model_set(
    model: Sequential,
    card: dict[str, Any],
    out_dir: Path,
    name: str,
    test_data: tuple[np.ndarray, np.ndarray] | None = None,
) -> ModelSet:
    """Save ``model`` as ``out_dir/name.{npz,onnx,json}``, published as one set (see the module docstring).

    Parameters
    ----------
    model : Sequential
    card : dict
        The model card; stored in all three files with ``model_set`` = ``{"id": ..., "name": name}``. With
        ``test_data`` it gains ``onnx_test_accuracy``, measured through onnxruntime on the exported file.
    out_dir : Path
        Created when missing.
    name : str
        File stem.
    test_data : (x (N, 28, 28, 1), y (N,)), optional

    Raises
    ------
    OSError
        The folder cannot be created or written (nothing of the new set is published; the old set is intact).
    ModelSetBusyError
        Another live process is writing the same set.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with _writer_lock(out_dir, name):
        recover_model_set(out_dir, name, holding_lock=True)
        set_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}"
        card["model_set"] = {"id": set_id, "name": name}
        staging = out_dir / f".{name}.staging-{set_id}"
        staging.mkdir()
        try:
            model.save(staging / f"{name}.npz", metadata={"model_card": card})
            export_onnx(model, staging / f"{name}.onnx", model_card=card)
            if test_data is not None:
                card["onnx_test_accuracy"] = onnx_accuracy(staging / f"{name}.onnx", *test_data)
            write_json(staging / f"{name}.json", card)
            atomic_write_bytes(staging / COMMITTED, set_id.encode("ascii"))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _publish(staging, out_dir, name)
    return ModelSet(out_dir / f"{name}.npz", out_dir / f"{name}.onnx", out_dir / f"{name}.json", set_id)


def model_set_id(path: Path) -> str | None:
    """The ``model_set.id`` in the model card of a ``.npz``, ``.onnx`` or ``.json`` file (None if absent)."""
    try:
        if path.suffix == ".json":
            card = json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".npz":
            card = read_metadata(path).get("model_card") or {}
        else:
            metadata = dict(getattr(load_model(path), "metadata", {}) or {})  # ONNX: the card's fields
            card = metadata.get("model_card", metadata)
    except (OSError, ValueError, UnicodeDecodeError, AttributeError):
        return None
    model_set = card.get("model_set") if isinstance(card, dict) else None
    return str(model_set["id"]) if isinstance(model_set, dict) and "id" in model_set else None


def matching_twin(path: Path, suffix: str) -> Path | None:
    """``path`` with ``suffix`` if that file exists and belongs to the same model set (or neither has a set id,
    as with models written before sets existed); otherwise None."""
    twin = path.with_suffix(suffix)
    if not twin.is_file():
        return None
    return twin if model_set_id(twin) == model_set_id(path) else None

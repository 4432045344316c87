"""Models the visitor trained, kept in the user data directory; saved so that a crash never loses the old one.

No Qt here (so a plain subprocess can drive it in the kill-during-save test).

Layout of ``<user data dir>/models/``::

    trained-20250101-120000-1a2b.npz    the NumPy model (engine.model format, model card in its metadata)
    trained-20250101-120000-1a2b.onnx   the same network for onnxruntime
    trained-20250101-120000-1a2b.json   store record + model card; written LAST: it commits the set
    current.json                        {"id": ...}: the model the app opens; replaced atomically

Every file is written with :mod:`engine.atomic` (temp file, fsync, ``os.replace``), a save never overwrites
an earlier save's files (each gets a fresh id), and ``current.json`` only moves after all three files of the new
model are complete. So killing the process at any instant leaves ``current.json`` pointing at a complete,
loadable model (the old or the new one); leftovers of an interrupted save are removed by :func:`prune`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from convlens.engine.atomic import atomic_write_bytes

__all__ = [
    "APP_NAME",
    "DATA_DIR_ENV",
    "ModelStoreError",
    "StoredModel",
    "current_model",
    "export_model",
    "factory_model_path",
    "factory_reset",
    "list_models",
    "models_dir",
    "prune",
    "save_model",
    "set_aside_damaged",
    "set_current",
    "user_data_dir",
]

APP_NAME = "convlens"
DATA_DIR_ENV = "CONVLENS_DATA_DIR"
"""Environment variable overriding the user data directory (tests, portable installs, kiosks)."""
CURRENT = "current.json"
KEEP = 5
"""How many trained models :func:`prune` keeps (the current one is always kept)."""
STALE_SECONDS = 600.0
"""Leftovers of an interrupted save older than this are deleted by :func:`prune`."""
_SUFFIXES = (".npz", ".onnx", ".json")


class ModelStoreError(RuntimeError):
    """A model could not be saved, listed or opened; the message is meant for the visitor."""


@dataclass(frozen=True)
class StoredModel:
    """One complete saved model.

    Attributes
    ----------
    id : str
        File stem, e.g. ``"trained-20250101-120000-1a2b"``.
    npz : Path
    onnx : Path or None
        None when the ONNX exporter was unavailable.
    record : Path
        The ``.json`` record.
    card : dict
        The model card (architecture, training config, test accuracy...).
    created : str
        ISO date of the save.
    """

    id: str
    npz: Path
    onnx: Path | None
    record: Path
    card: dict[str, Any]
    created: str

    @property
    def path(self) -> Path:
        """The file to open in the app: the ONNX file when there is one, else the ``.npz``."""
        return self.onnx if self.onnx is not None else self.npz

    @property
    def test_accuracy(self) -> float | None:
        value = self.card.get("test_accuracy")
        return float(value) if isinstance(value, int | float) else None


def user_data_dir() -> Path:
    """``$CONVLENS_DATA_DIR`` if set, else platformdirs' ``user_data_dir("convlens")``."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def models_dir(base: str | os.PathLike[str] | None = None, create: bool = False) -> Path:
    """``<user data dir>/models`` (or ``<base>/models``); ``create=True`` makes it or raises ModelStoreError."""
    directory = Path(base if base is not None else user_data_dir()) / "models"
    if create:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ModelStoreError(f"cannot create the model folder {directory}: {exc.strerror or exc}") from None
    return directory


def factory_model_path() -> Path:
    """The shipped model, ``models/default.onnx`` (``.npz`` when the ONNX file is missing)."""
    from convlens.resources import default_model_path

    return default_model_path()


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
    return slug[:40] or "model"


def _new_id(name: str) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{_slug(name)}-{stamp}-{secrets.token_hex(2)}"


def _json_default(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    raise TypeError(f"cannot store {type(value).__name__} in JSON")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write_bytes(path, (json.dumps(data, indent=2, default=_json_default) + "\n").encode("utf-8"))


def save_model(
    model: Any,
    card: dict[str, Any] | None = None,
    name: str = "trained",
    make_current: bool = True,
    base: str | os.PathLike[str] | None = None,
    keep: int = KEEP,
) -> StoredModel:
    """Save a NumPy ``Sequential`` as ``.npz`` + ``.onnx`` + ``.json`` under a fresh id, then commit it.

    Parameters
    ----------
    model : engine.model.Sequential
    card : dict, optional
        Model card (see :func:`convlens.services.model_card.build_model_card`); stored in all three files.
    name : str
        Prefix of the id.
    make_current : bool
        Point ``current.json`` at the new model (the last, atomic step).
    base : path, optional
        Data directory instead of :func:`user_data_dir`.
    keep : int
        Older trained models beyond this many are deleted afterwards (see :func:`prune`).

    Returns
    -------
    StoredModel

    Raises
    ------
    ModelStoreError
        The directory cannot be created or written (disk full, read-only, a file in the way...). Files of the
        failed save are removed; earlier models and ``current.json`` are untouched.
    """
    card = dict(card or {})
    directory = models_dir(base, create=True)
    model_id = _new_id(name)
    npz = directory / f"{model_id}.npz"
    onnx_path: Path | None = directory / f"{model_id}.onnx"
    record = directory / f"{model_id}.json"
    created = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        model.save(npz, metadata={"model_card": card})
        try:
            from convlens.engine.onnx_export import export_onnx
        except ImportError:  # exporter missing in this build: the .npz alone still works
            onnx_path = None
        else:
            assert onnx_path is not None
            export_onnx(model, onnx_path, model_card=card)
        _write_json(
            record,
            {
                "id": model_id,
                "created": created,
                "npz": npz.name,
                "onnx": onnx_path.name if onnx_path is not None else None,
                "model_card": card,
            },
        )
        if make_current:
            set_current(model_id, base)
    except OSError as exc:
        for suffix in _SUFFIXES:
            with contextlib.suppress(OSError):
                (directory / f"{model_id}{suffix}").unlink()
        raise ModelStoreError(f"cannot save the model into {directory}: {exc.strerror or exc}") from None
    stored = StoredModel(model_id, npz, onnx_path, record, card, created)
    with contextlib.suppress(OSError):
        prune(keep, base)
    return stored


def _read_record(record: Path) -> StoredModel | None:
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("npz"), str):
        return None
    npz = record.with_name(data["npz"])
    onnx_name = data.get("onnx")
    onnx_path = record.with_name(onnx_name) if isinstance(onnx_name, str) else None
    if not npz.is_file() or (onnx_path is not None and not onnx_path.is_file()):
        return None
    card = data.get("model_card")
    return StoredModel(
        id=record.stem,
        npz=npz,
        onnx=onnx_path,
        record=record,
        card=card if isinstance(card, dict) else {},
        created=str(data.get("created", "")),
    )


def list_models(base: str | os.PathLike[str] | None = None) -> list[StoredModel]:
    """Every complete saved model, newest first (an unreadable directory gives an empty list)."""
    directory = models_dir(base)
    try:
        records = [p for p in directory.glob("*.json") if p.name != CURRENT and not p.name.startswith(".")]
    except OSError:
        return []
    found = [m for m in (_read_record(p) for p in records) if m is not None]
    return sorted(found, key=lambda m: (m.created, m.id), reverse=True)


def current_model(base: str | os.PathLike[str] | None = None) -> StoredModel | None:
    """The model ``current.json`` points at, or None (never saved, factory reset, or files missing)."""
    directory = models_dir(base)
    try:
        data = json.loads((directory / CURRENT).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    model_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(model_id, str) or "/" in model_id or "\\" in model_id:
        return None
    return _read_record(directory / f"{model_id}.json")


def set_current(model_id: str, base: str | os.PathLike[str] | None = None) -> None:
    """Atomically point ``current.json`` at a saved model.

    Raises
    ------
    OSError
        The directory is not writable (the previous pointer stays).
    """
    _write_json(models_dir(base) / CURRENT, {"id": model_id})


def factory_reset(base: str | os.PathLike[str] | None = None) -> Path:
    """Forget the current trained model (saved files stay listed) and return the factory model's path.

    Raises
    ------
    ModelStoreError
        ``current.json`` exists but cannot be removed.
    """
    pointer = models_dir(base) / CURRENT
    try:
        pointer.unlink(missing_ok=True)
    except NotADirectoryError:
        pass
    except OSError as exc:
        raise ModelStoreError(f"cannot reset {pointer}: {exc.strerror or exc}") from None
    return factory_model_path()


DAMAGED = "damaged"
"""Sub-folder of the model folder where :func:`set_aside_damaged` keeps the files of a model that failed to open."""


def set_aside_damaged(stored: StoredModel, reason: str, base: str | os.PathLike[str] | None = None) -> Path:
    """The current model failed to open: stop opening it (``current.json`` removed, so the shipped model is used
    from now on and the problem is reported once) and move its files into ``models/damaged/`` for inspection,
    with a ``.reason.txt`` saying why. Never raises; returns the folder the files are (or stay) in."""
    directory = models_dir(base)
    target = directory / DAMAGED
    with contextlib.suppress(OSError):
        (directory / CURRENT).unlink(missing_ok=True)
    try:
        target.mkdir(exist_ok=True)
        for path in (stored.npz, stored.onnx, stored.record):
            if path is not None and path.exists():
                os.replace(path, target / path.name)
        (target / f"{stored.id}.reason.txt").write_text(reason + "\n", encoding="utf-8")
    except OSError:
        return directory
    return target


def prune(keep: int = KEEP, base: str | os.PathLike[str] | None = None, now: float | None = None) -> list[Path]:
    """Delete trained models beyond the ``keep`` newest (never the current one) and stale save leftovers.

    Leftovers are files of an interrupted save (a ``.npz``/``.onnx`` without its ``.json`` record, or an
    ``engine.atomic`` temp file) older than :data:`STALE_SECONDS`.

    Returns
    -------
    list of Path
        The files removed.
    """
    directory = models_dir(base)
    now = time.time() if now is None else now
    current = current_model(base)
    models = list_models(base)
    doomed: list[Path] = []
    kept = 0
    for m in models:
        if current is not None and m.id == current.id:
            continue
        kept += 1
        if kept > max(keep - (1 if current is not None else 0), 0):
            doomed += [p for p in (m.record, m.npz, m.onnx) if p is not None]
    known = {m.id for m in models}
    try:
        entries = list(directory.iterdir())
    except OSError:
        entries = []
    for path in entries:
        orphan = path.suffix in (".npz", ".onnx") and path.stem not in known
        temp = path.name.startswith(".") and path.name.endswith(".tmp")
        if orphan or temp:
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > STALE_SECONDS:
                    doomed.append(path)
    removed = []
    for path in doomed:  # the record first, so a half-deleted model is never listed
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def export_model(model: Any, source: str | os.PathLike[str] | None, target: str | os.PathLike[str],
                 card: dict[str, Any] | None = None) -> Path:
    """Save the model in use to a file the visitor chose (``.npz`` or ``.onnx``), atomically.

    Parameters
    ----------
    model : object
        The model in use: a NumPy ``Sequential`` (any target format), or another predictor (e.g. an ONNX
        session), which is saved by copying ``source``.
    source : path or None
        The file ``model`` was opened from (None for an in-memory model).
    target : path
        Destination; its suffix picks the format.
    card : dict, optional
        Model card stored with a NumPy model.

    Raises
    ------
    ModelStoreError
        Unknown suffix, a format this model cannot be written in, or an unwritable destination.
    """
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix not in (".npz", ".onnx"):
        raise ModelStoreError(f"{target.name}: choose a file name ending in .onnx or .npz")
    is_numpy = callable(getattr(model, "save", None)) and callable(getattr(model, "get_weights", None))
    try:
        if is_numpy and suffix == ".npz":
            model.save(target, metadata={"model_card": dict(card or {})})
        elif is_numpy:
            from convlens.engine.onnx_export import export_onnx

            export_onnx(model, target, model_card=dict(card or {}))
        elif source is not None and Path(source).suffix.lower() == suffix:
            if Path(source).resolve() != target.resolve():
                with Path(source).open("rb") as src:
                    atomic_write_bytes(target, src.read())
        elif source is not None and suffix == ".npz" and Path(source).with_suffix(".npz").is_file():
            atomic_write_bytes(target, Path(source).with_suffix(".npz").read_bytes())
        else:
            kind = Path(source).suffix if source is not None else "in-memory"
            raise ModelStoreError(f"a {kind} model cannot be saved as {suffix}; choose {kind} instead")
    except ImportError:
        raise ModelStoreError("the ONNX exporter is not available in this build; save as .npz") from None
    except OSError as exc:
        raise ModelStoreError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target

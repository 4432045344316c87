"""Crash-safe file replacement: write to a temp file beside the target, fsync, then ``os.replace``.

A reader of ``path`` therefore sees either the complete old content or the complete new
content, never a half-written file, and a failed write leaves no temp file behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_open", "atomic_path", "atomic_write_bytes"]

StrPath = str | os.PathLike[str]


def _create_temp(target: Path) -> Path:
    """Create and close an empty, uniquely named temp file ``.<name>.<random>.tmp`` beside ``target``.

    Created with mode ``0o666`` (minus the umask) rather than ``mkstemp``'s ``0o600``, so the
    replaced file ends up with ordinary permissions.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        candidate = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(candidate, flags, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise FileExistsError(f"could not create a unique temp file next to {target}")


def _fsync_file(path: Path) -> None:
    """Flush ``path``'s data to stable storage."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    """Best effort: persist the directory entry created by ``os.replace`` (POSIX only)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: StrPath) -> Iterator[Path]:
    """Yield a temp path to write; on clean exit it atomically replaces ``path``.

    The temp file ``.<name>.<random>.tmp`` is created (empty) in the same directory as
    ``path``, so the final ``os.replace`` never crosses a file system. Parent directories
    are created as needed.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination.

    Yields
    ------
    pathlib.Path
        The temp file to fill. Write to it by name (and close it) inside the ``with`` block.
        Note that NumPy's ``np.save``/``np.savez`` append a suffix to names that lack it;
        give them an open file object instead (see :func:`atomic_open`).

    Notes
    -----
    On normal exit the temp file is fsynced and moved onto ``path`` (and the directory
    fsynced where supported). If the block raises (including ``KeyboardInterrupt``), the
    temp file is deleted, the exception propagates and any previous ``path`` is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_temp(target)
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_open(path: StrPath) -> Iterator[BinaryIO]:
    """Open a binary file for writing that atomically replaces ``path`` when the block succeeds.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination.

    Yields
    ------
    BinaryIO
        A file object opened ``"wb"`` on the temp file; it is closed before the replace.
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        yield fh


def atomic_write_bytes(path: StrPath, data: bytes) -> None:
    """Atomically replace ``path`` with ``data``.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; parent directories are created.
    data : bytes
        The complete new content.
    """
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)

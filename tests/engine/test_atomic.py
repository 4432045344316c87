"""Tests for engine.atomic: all-or-nothing file replacement."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from convlens.engine.atomic import atomic_open, atomic_path, atomic_write_bytes


class Boom(RuntimeError):
    pass


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_write_bytes_creates_parents_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "model.npz"
    atomic_write_bytes(target, b"first")
    assert target.read_bytes() == b"first"
    atomic_write_bytes(str(target), b"second")
    assert target.read_bytes() == b"second"
    assert _leftovers(target.parent) == []


def test_temp_name_is_hidden_and_beside_target(tmp_path: Path) -> None:
    target = tmp_path / "weights.bin"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path
        assert re.fullmatch(r"\.weights\.bin\.[0-9a-f]+\.tmp", tmp.name)
        assert tmp.exists()  # created empty, so the name is reserved
        assert not target.exists()  # nothing visible until the block succeeds
        tmp.write_bytes(b"data")
    assert target.read_bytes() == b"data"
    assert _leftovers(tmp_path) == []


def test_exception_mid_write_keeps_old_file_and_removes_temp(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    target.write_bytes(b"old content")
    seen: list[Path] = []
    with pytest.raises(Boom), atomic_path(target) as tmp:
        seen.append(tmp)
        with open(tmp, "wb") as fh:
            fh.write(b"half of the new")
            raise Boom("disk on fire")
    assert target.read_bytes() == b"old content"
    assert not seen[0].exists()
    assert _leftovers(tmp_path) == []


def test_exception_without_previous_file_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "new.bin"
    with pytest.raises(KeyboardInterrupt), atomic_open(target) as fh:
        fh.write(b"partial")
        raise KeyboardInterrupt
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_atomic_open_writes_through_file_object(tmp_path: Path) -> None:
    target = tmp_path / "x.bin"
    with atomic_open(target) as fh:
        fh.write(b"abc")
        fh.write(b"def")
    assert target.read_bytes() == b"abcdef"


def test_failed_replace_removes_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "x.bin"
    target.write_bytes(b"old")

    def broken_replace(src: object, dst: object) -> None:
        raise PermissionError("no")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(PermissionError):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="umask semantics")
def test_permissions_follow_umask_not_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "f", b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "f").stat().st_mode & 0o777 == 0o644

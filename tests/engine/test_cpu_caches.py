"""Reading the CPU's cache sizes: sysfs trees (real layouts, missing and garbled files), macOS sysctl, defaults."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from convlens.engine import cpu_caches as cc
from convlens.engine.cpu_caches import CpuCaches, parse_size, read_sysctl, read_sysfs

KIB, MIB = 1024, 1024 * 1024


def _tree(root: Path, entries: list[tuple[str, str, str] | dict[str, bytes | str]]) -> Path:
    """A fake ``cpu0/cache`` folder: one ``indexN`` per entry, (level, type, size) or {file: content}."""
    for i, entry in enumerate(entries):
        index = root / f"index{i}"
        index.mkdir(parents=True)
        files = dict(zip(("level", "type", "size"), entry, strict=False)) if isinstance(entry, tuple) else entry
        for name, content in files.items():
            data = content if isinstance(content, bytes) else f"{content}\n".encode()
            (index / name).write_bytes(data)
    return root


@pytest.mark.parametrize(("text", "size"), [
    ("32K", 32 * KIB), ("1024K\n", MIB), ("32768K", 32 * MIB), ("32M", 32 * MIB), ("65536", 64 * KIB),
    ("48 KiB", 48 * KIB), ("1G", 1024 * MIB),
    ("", None), ("K", None), ("-32K", None), ("0", None), ("3.5M", None), ("lots", None), ("99999999G", None),
])
def test_parse_size(text: str, size: int | None) -> None:
    assert parse_size(text) == size


def test_a_real_amd_layout_gives_l1d_l2_l3_and_skips_the_instruction_cache(tmp_path: Path) -> None:
    tree = _tree(tmp_path, [("1", "Data", "32K"), ("1", "Instruction", "64K"), ("2", "Unified", "512K"),
                            ("3", "Unified", "32768K")])
    assert read_sysfs(tree) == CpuCaches(32 * KIB, 512 * KIB, 32 * MIB, "sysfs")


def test_a_machine_without_l3_and_unordered_indexes(tmp_path: Path) -> None:
    tree = _tree(tmp_path, [("2", "Unified", "1024K"), ("1", "Instruction", "32K"), ("1", "Data", "48K")])
    assert read_sysfs(tree) == CpuCaches(48 * KIB, MIB, None, "sysfs")


def test_missing_and_garbled_files_are_skipped_one_index_at_a_time(tmp_path: Path) -> None:
    tree = _tree(tmp_path, [
        {"level": "1", "type": "Data"},  # no size file
        {"level": "2", "type": "Unified", "size": b"\xff\xfe\x00garbage"},  # not text
        {"level": "2", "type": "Unified", "size": "1024K"},  # the readable L2 behind the garbled one
        {"level": "3", "type": "Unified", "size": "a lot"},  # not a size
        {"level": "4", "type": "Unified", "size": "128M"},  # a level nobody asks for
    ])
    (tree / "index5").mkdir()  # an empty index
    assert read_sysfs(tree) == CpuCaches(None, MIB, None, "sysfs")


@pytest.mark.parametrize("make", [
    lambda root: root / "does-not-exist",
    lambda root: _tree(root, []),
    lambda root: _tree(root, [{"level": "x", "type": "Data", "size": "32K"}, {"type": "Unified", "size": "1M"}]),
])
def test_nothing_readable_is_no_caches_at_all(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    assert read_sysfs(make(tmp_path)) == CpuCaches()
    assert CpuCaches().describe() == "L1d ?, L2 ?, L3 ?" and CpuCaches().source == "none"


def test_sysctl_reads_each_level_and_skips_failures() -> None:
    answers = {"hw.l1dcachesize": "65536\n", "hw.l2cachesize": "4194304\n"}

    def run(name: str) -> str:
        if name not in answers:
            raise subprocess.CalledProcessError(1, ["sysctl", "-n", name])
        return answers[name]

    assert read_sysctl(run) == CpuCaches(64 * KIB, 4 * MIB, None, "sysctl")

    def broken(name: str) -> str:
        raise FileNotFoundError("sysctl")

    assert read_sysctl(broken) == CpuCaches()
    assert read_sysctl(lambda name: "garbage") == CpuCaches()


def test_cpu_caches_never_raises_and_reads_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> CpuCaches:
        raise RuntimeError("a strange system")

    cc.cpu_caches.cache_clear()
    monkeypatch.setattr(cc, "read_sysfs", explode)
    monkeypatch.setattr(cc, "read_sysctl", explode)
    try:
        assert cc.cpu_caches() == CpuCaches()
        monkeypatch.setattr(cc.sys, "platform", "win32")
        assert cc.cpu_caches() == CpuCaches(), "cached"
        cc.cpu_caches.cache_clear()
        assert cc.cpu_caches() == CpuCaches()
    finally:
        cc.cpu_caches.cache_clear()


@pytest.mark.skipif(not Path("/sys/devices/system/cpu/cpu0/cache/index0").exists(), reason="no sysfs caches here")
def test_this_linux_machine_reports_an_l2() -> None:
    caches = read_sysfs()
    assert caches.source == "sysfs" and caches.l2 is not None and caches.l2 >= 64 * KIB


def test_describe() -> None:
    assert CpuCaches(32 * KIB, 512 * KIB, 32 * MIB, "sysfs").describe() == "L1d 32 KiB, L2 512 KiB, L3 32 MiB"
    assert cc.format_bytes(1536) == "1536 B" and cc.format_bytes(3 * 512 * KIB) == "1536 KiB"

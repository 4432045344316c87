"""The CPU's data cache sizes, as the operating system reports them: cpu0's L1d, L2 and L3.

Linux: ``/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size}``; macOS: ``sysctl -n hw.l1dcachesize``
(and ``hw.l2cachesize``, ``hw.l3cachesize``). Sizes are per instance: one core's L1d and (on most CPUs) L2, the
L3 shared by several cores. A level the system does not report, or reports in a form that cannot be read, is
``None`` here; :func:`cpu_caches` never raises. Used by :mod:`convlens.engine.block_sizes` to size the
convolution kernels' blocks, and by the benchmarks to describe the machine.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SYSFS_CACHE_DIR", "CpuCaches", "cpu_caches", "parse_size", "read_sysctl", "read_sysfs"]

SYSFS_CACHE_DIR = Path("/sys/devices/system/cpu/cpu0/cache")

#: Anything larger is not a cache size but garbage (the largest L3 today is ~1 GiB).
_MAX_CACHE_BYTES = 1 << 34

_LEVELS = ("L1d", "L2", "L3")


@dataclass(frozen=True)
class CpuCaches:
    """Bytes of one core's L1 data cache and L2, and of the L3 (``None``: not reported).

    ``source`` says where the sizes came from: ``"sysfs"``, ``"sysctl"`` or ``"none"``.
    """

    l1d: int | None = None
    l2: int | None = None
    l3: int | None = None
    source: str = "none"

    def describe(self) -> str:
        """``"L1d 32 KiB, L2 512 KiB, L3 32 MiB"`` (``?`` for a level not reported)."""
        sizes = (self.l1d, self.l2, self.l3)
        return ", ".join(f"{name} {format_bytes(size)}" for name, size in zip(_LEVELS, sizes, strict=True))


def format_bytes(size: int | None) -> str:
    """``32768`` -> ``"32 KiB"``, ``33554432`` -> ``"32 MiB"``, ``None`` -> ``"?"``."""
    if size is None:
        return "?"
    if size >= 1024**2 and size % 1024**2 == 0:
        return f"{size // 1024**2} MiB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} B"


def parse_size(text: str) -> int | None:
    """``"32K"``, ``"1024K"``, ``"32M"``, ``"65536"`` -> bytes; ``None`` for anything else (or a size <= 0)."""
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    factor = 1
    if text and text[-1] in units:
        text, factor = text[:-1].strip(), units[text[-1]]
    if not text.isdigit():
        return None
    size = int(text) * factor
    return size if 0 < size <= _MAX_CACHE_BYTES else None


def read_sysfs(cache_dir: Path = SYSFS_CACHE_DIR) -> CpuCaches:
    """The sizes in a Linux sysfs cache directory (``index*/level``, ``type``, ``size``); unreadable entries are
    skipped."""
    sizes: dict[str, int | None] = dict.fromkeys(_LEVELS)
    try:
        indexes = sorted(cache_dir.glob("index*"))
    except OSError:
        indexes = []
    for index in indexes:
        try:
            level = (index / "level").read_text().strip()
            kind = (index / "type").read_text().strip()
            size = parse_size((index / "size").read_text())
        except (OSError, UnicodeDecodeError):
            continue
        if kind not in ("Data", "Unified") or size is None:
            continue
        name = "L1d" if level == "1" else f"L{level}"
        if name in sizes and sizes[name] is None:
            sizes[name] = size
    return _caches(sizes, "sysfs")


def _run_sysctl(name: str) -> str:
    return subprocess.run(["sysctl", "-n", name], capture_output=True, text=True, timeout=2, check=True).stdout


def read_sysctl(run: Callable[[str], str] = _run_sysctl) -> CpuCaches:
    """The sizes macOS reports (``hw.l1dcachesize``, ``hw.l2cachesize``, ``hw.l3cachesize``; each one
    ``sysctl -n`` call through ``run``); a name that fails or prints no number is skipped."""
    sizes: dict[str, int | None] = dict.fromkeys(_LEVELS)
    for level, key in zip(_LEVELS, ("hw.l1dcachesize", "hw.l2cachesize", "hw.l3cachesize"), strict=True):
        try:
            sizes[level] = parse_size(run(key))
        except (OSError, subprocess.SubprocessError, ValueError):
            continue
    return _caches(sizes, "sysctl")


def _caches(sizes: dict[str, int | None], source: str) -> CpuCaches:
    if all(size is None for size in sizes.values()):
        return CpuCaches()
    return CpuCaches(sizes["L1d"], sizes["L2"], sizes["L3"], source)


@functools.cache
def cpu_caches() -> CpuCaches:
    """This machine's caches (read once per process); all ``None`` where the system reports none."""
    try:
        if sys.platform.startswith("linux"):
            return read_sysfs()
        if sys.platform == "darwin":
            return read_sysctl()
    except Exception:  # noqa: BLE001 - never let a strange system stop the engine from importing
        pass
    return CpuCaches()

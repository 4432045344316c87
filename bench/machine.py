"""The machine a benchmark ran on: CPU model, logical cores and cache sizes, as Linux reports them.

Read from ``/proc/cpuinfo`` and ``/sys/devices/system/cpu/cpu0/cache`` (``lscpu`` as a fallback for the model);
fields a system does not report are ``None``. Cache sizes are per instance (one core's L1d and L2, the shared L3).
"""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

CACHE_DIR = Path("/sys/devices/system/cpu/cpu0/cache")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=5).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return platform.processor() or platform.machine() or "unknown"


def _size_bytes(text: str) -> int | None:
    """``"32K"``, ``"1024K"``, ``"32M"`` -> bytes."""
    text = text.strip().upper()
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    try:
        if text and text[-1] in units:
            return int(text[:-1]) * units[text[-1]]
        return int(text)
    except ValueError:
        return None


def cache_sizes(cache_dir: Path = CACHE_DIR) -> dict[str, int | None]:
    """Bytes of cpu0's ``L1d``, ``L2`` and ``L3`` caches (``None``: not reported)."""
    sizes: dict[str, int | None] = {"L1d": None, "L2": None, "L3": None}
    try:
        indexes = sorted(cache_dir.glob("index*"))
    except OSError:
        return sizes
    for index in indexes:
        try:
            level = (index / "level").read_text().strip()
            kind = (index / "type").read_text().strip()
            size = _size_bytes((index / "size").read_text())
        except OSError:
            continue
        if kind == "Instruction":
            continue
        name = "L1d" if level == "1" else f"L{level}"
        if name in sizes:
            sizes[name] = size
    return sizes


def machine_info() -> dict[str, Any]:
    """``{"cpu": model, "logical_cores": n, "L1d": bytes, "L2": bytes, "L3": bytes}``."""
    return {"cpu": _cpu_model(), "logical_cores": os.cpu_count(), **cache_sizes()}


def describe(info: dict[str, Any]) -> str:
    """One line, e.g. ``AMD EPYC, 2 logical cores, L1d 32 KiB, L2 512 KiB, L3 32 MiB``."""

    def fmt(size: int | None) -> str:
        if size is None:
            return "?"
        return f"{size // 1024**2} MiB" if size >= 1024**2 and size % 1024**2 == 0 else f"{size // 1024} KiB"

    caches = ", ".join(f"{name} {fmt(info[name])}" for name in ("L1d", "L2", "L3"))
    return f"{info['cpu']}, {info['logical_cores']} logical cores, {caches} (per instance)"

"""The machine a benchmark ran on: CPU model, logical cores and cache sizes.

The model comes from ``/proc/cpuinfo`` (``lscpu`` as a fallback); the cache sizes from the engine's own reader,
:mod:`convlens.engine.cpu_caches` (the sizes the convolution kernels' blocks are derived from). Fields a system
does not report are ``None``. Cache sizes are per instance (one core's L1d and L2, the shared L3).
"""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from convlens.engine.block_sizes import block_sizes
from convlens.engine.cpu_caches import cpu_caches, format_bytes


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


def cache_sizes() -> dict[str, int | None]:
    """Bytes of cpu0's ``L1d``, ``L2`` and ``L3`` caches (``None``: not reported)."""
    caches = cpu_caches()
    return {"L1d": caches.l1d, "L2": caches.l2, "L3": caches.l3}


def machine_info() -> dict[str, Any]:
    """``{"cpu": model, "logical_cores": n, "L1d": bytes, "L2": bytes, "L3": bytes, "blocks": {...}}``; ``blocks``
    holds the engine's block sizes (``chunk_bytes``, ``small_product``) chosen from those caches."""
    blocks = block_sizes()
    return {"cpu": _cpu_model(), "logical_cores": os.cpu_count(), **cache_sizes(),
            "blocks": {"chunk_bytes": blocks.chunk_bytes, "small_product": blocks.small_product,
                       "overridden": list(blocks.overridden)}}


def describe(info: dict[str, Any]) -> str:
    """One line, e.g. ``AMD EPYC, 2 logical cores, L1d 32 KiB, L2 512 KiB, L3 32 MiB``."""
    caches = ", ".join(f"{name} {format_bytes(info[name])}" for name in ("L1d", "L2", "L3"))
    return f"{info['cpu']}, {info['logical_cores']} logical cores, {caches} (per instance)"


def describe_blocks() -> str:
    """The engine's block sizes and the caches they came from, one line (see :mod:`convlens.engine.block_sizes`)."""
    return block_sizes().describe()

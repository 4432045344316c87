"""Give freed memory back to the operating system after a large computation.

glibc's ``malloc`` keeps the memory a worker thread freed in that thread's arena, ready for reuse; after a large,
short-lived computation (the filter pictures of a whole layer, an adversarial search) a kiosk that runs for weeks
would keep tens of megabytes it no longer uses. :func:`give_back_memory` asks glibc to return every free page
(``malloc_trim(0)``); elsewhere (macOS, Windows, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from collections.abc import Callable

__all__ = ["give_back_memory"]


def _load_malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_MALLOC_TRIM = _load_malloc_trim()


def give_back_memory() -> bool:
    """Collect garbage, then return free heap pages to the OS; True if the C library could (glibc)."""
    gc.collect()
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True

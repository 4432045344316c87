"""Check, before Qt is imported, that the system libraries Qt needs are installed; name the packages if not.

The PySide6 wheel brings Qt but not the X11/OpenGL libraries of the operating system. On a fresh Debian or Ubuntu
Qt's xcb plugin then aborts the process with "xcb-cursor0 or libxcb-cursor0 is needed" (printed whichever library
is really missing), or ``import PySide6.QtGui`` fails on a missing ``libGL.so.1``. :func:`missing_libraries` tries
to load every library Qt 6 needs (the ``NEEDED`` entries of PySide6's ``libQt6Gui``, ``libQt6Widgets``,
``libQt6DBus``, ``libQt6XcbQpa`` and ``platforms/libqxcb.so`` that are not part of glibc or the wheel);
:func:`check` turns the result into one line naming the Debian/Ubuntu packages to install. Only Linux is checked;
the xcb libraries only when Qt will use the xcb platform plugin. ``CONVLENS_NO_SYSLIB_CHECK=1`` skips the check.
``python -m convlens.syslibs`` runs it on its own (exit code 3 and the line when something is missing).

No Qt here: this module must work when Qt cannot even be loaded.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

__all__ = ["CORE_LIBRARIES", "SKIP_ENV", "XCB_LIBRARIES", "check", "main", "missing_libraries", "uses_xcb"]

SKIP_ENV = "CONVLENS_NO_SYSLIB_CHECK"
"""Set to ``1`` to skip the check (e.g. on a distribution where the libraries are found in another way)."""

CORE_LIBRARIES: dict[str, str] = {
    # soname -> Debian/Ubuntu package. Needed by QtGui/QtWidgets on every platform, offscreen included.
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libX11.so.6": "libx11-6",
    "libxcb.so.1": "libxcb1",
    "libdbus-1.so.3": "libdbus-1-3",
}
"""Libraries QtGui, QtWidgets and QtDBus link against, whatever the platform plugin."""

XCB_LIBRARIES: dict[str, str] = {
    # soname -> Debian/Ubuntu package. Linked by platforms/libqxcb.so and libQt6XcbQpa.so.6 (Qt 6.5 and later).
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11-xcb.so.1": "libx11-xcb1",
}
"""Libraries only the xcb (X11) platform plugin needs."""

Finder = Callable[[str], bool]
"""``finder(soname) -> bool``: whether the dynamic loader can load that library."""


def can_load(soname: str) -> bool:
    """Whether the dynamic loader finds and loads ``soname`` (what Qt's own loading will do a moment later)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt will start with its xcb (X11) platform plugin.

    ``QT_QPA_PLATFORM`` decides when set (its first entry, e.g. ``xcb`` or ``wayland;xcb``); otherwise Qt 6
    takes Wayland in a Wayland session (``WAYLAND_DISPLAY`` or ``XDG_SESSION_TYPE=wayland``) and xcb everywhere
    else. Only Linux (and other non-macOS Unix) has xcb.
    """
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return False
    requested = env.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        return requested.split(";")[0].split(":")[0].strip() == "xcb"
    return not (env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE", "").lower() == "wayland")


def missing_libraries(
    finder: Finder | None = None, environ: Mapping[str, str] | None = None, platform: str | None = None
) -> dict[str, str]:
    """The libraries Qt will need here and cannot load: soname -> Debian/Ubuntu package (empty: all there).

    ``finder`` defaults to :func:`can_load`. Nothing is checked off Linux/Unix (the macOS and Windows wheels bring
    everything Qt needs).
    """
    finder = can_load if finder is None else finder
    platform = sys.platform if platform is None else platform
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return {}
    needed = dict(CORE_LIBRARIES)
    if uses_xcb(environ, platform):
        needed.update(XCB_LIBRARIES)
    return {soname: package for soname, package in needed.items() if not finder(soname)}


def check(
    finder: Finder | None = None, environ: Mapping[str, str] | None = None, platform: str | None = None
) -> str | None:
    """``None`` when Qt can start, else ONE line naming the missing libraries and the ``apt-get`` command."""
    env = os.environ if environ is None else environ
    if env.get(SKIP_ENV, "").strip() not in ("", "0"):
        return None
    missing = missing_libraries(finder, env, platform)
    if not missing:
        return None
    packages = " ".join(sorted(set(missing.values())))
    return (
        f"convlens: error: the window needs system libraries that are not installed ({', '.join(missing)}); "
        f"on Debian/Ubuntu: sudo apt-get install {packages}"
    )


def main() -> int:
    """``python -m convlens.syslibs``: print the missing packages and return 3, or say that all is there."""
    problem = check()
    if problem is not None:
        sys.stderr.write(problem + "\n")
        return 3
    plugin = "xcb" if uses_xcb() else os.environ.get("QT_QPA_PLATFORM", "the default platform plugin")
    print(f"convlens: the system libraries Qt needs ({plugin}) are installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

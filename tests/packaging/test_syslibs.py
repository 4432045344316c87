"""convlens.syslibs: the system libraries Qt needs, checked before Qt is imported, with the packages named.

A fake finder stands in for the dynamic loader, so these tests do not depend on what this machine has installed.
One test reads the ``NEEDED`` entries of the installed PySide6's Qt libraries and xcb plugin (a small ELF reader)
and checks that the tables cover every library the wheel does not bring itself.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

from convlens import cli, syslibs

X11_DESKTOP = {"DISPLAY": ":0"}


def finder_without(*missing: str) -> syslibs.Finder:
    return lambda soname: soname not in missing


# -- which platform plugin Qt will use -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, True),  # no display variables at all: Qt 6 tries xcb
        ({"DISPLAY": ":0"}, True),
        ({"QT_QPA_PLATFORM": "xcb"}, True),
        ({"QT_QPA_PLATFORM": "xcb:nograb", "WAYLAND_DISPLAY": "wayland-0"}, True),
        ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, False),
        ({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"}, False),
        ({"QT_QPA_PLATFORM": "eglfs"}, False),
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, False),  # a Wayland session with XWayland
        ({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}, False),
        ({"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}, True),
    ],
)
def test_uses_xcb(environ: dict[str, str], expected: bool) -> None:
    assert syslibs.uses_xcb(environ, "linux") is expected


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_nothing_is_checked_off_linux(platform: str) -> None:
    assert not syslibs.uses_xcb(X11_DESKTOP, platform)
    assert syslibs.missing_libraries(lambda soname: False, X11_DESKTOP, platform) == {}
    assert syslibs.check(lambda soname: False, X11_DESKTOP, platform) is None


# -- the check ---------------------------------------------------------------------------------------------------
def test_everything_installed_means_no_message() -> None:
    asked: list[str] = []

    def finder(soname: str) -> bool:
        asked.append(soname)
        return True

    assert syslibs.check(finder, X11_DESKTOP, "linux") is None
    assert set(asked) == set(syslibs.CORE_LIBRARIES) | set(syslibs.XCB_LIBRARIES)


def test_missing_xcb_libraries_name_the_debian_packages_in_one_line() -> None:
    message = syslibs.check(finder_without("libxcb-cursor.so.0", "libxcb-icccm.so.4"), X11_DESKTOP, "linux")
    assert message is not None and "\n" not in message
    assert message.endswith("sudo apt-get install libxcb-cursor0 libxcb-icccm4")
    assert "libxcb-cursor.so.0" in message and "libxcb-icccm.so.4" in message


def test_xcb_libraries_are_not_needed_offscreen_or_on_wayland() -> None:
    finder = finder_without(*syslibs.XCB_LIBRARIES)
    assert syslibs.check(finder, {"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert syslibs.check(finder, {"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert syslibs.check(finder, X11_DESKTOP, "linux") is not None


def test_core_libraries_are_needed_on_every_platform_plugin() -> None:
    message = syslibs.check(finder_without("libGL.so.1", "libEGL.so.1"), {"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert message is not None and message.endswith("sudo apt-get install libegl1 libgl1")


def test_one_package_is_named_once() -> None:
    assert syslibs.missing_libraries(finder_without("libGL.so.1"), X11_DESKTOP, "linux") == {"libGL.so.1": "libgl1"}


def test_the_check_can_be_switched_off() -> None:
    environ = {**X11_DESKTOP, syslibs.SKIP_ENV: "1"}
    assert syslibs.check(lambda soname: False, environ, "linux") is None
    assert syslibs.check(lambda soname: False, {**X11_DESKTOP, syslibs.SKIP_ENV: "0"}, "linux") is not None


def test_the_real_loader_finds_libc_and_not_a_made_up_library() -> None:
    assert syslibs.can_load("libc.so.6") is (sys.platform.startswith("linux"))
    assert not syslibs.can_load("libconvlens-does-not-exist.so.7")


# -- the command line --------------------------------------------------------------------------------------------
def test_the_window_command_exits_3_with_one_line_before_qt_is_imported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(syslibs, "can_load", lambda soname: soname != "libxcb-cursor.so.0")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv(syslibs.SKIP_ENV, raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    opened: list[object] = []

    def run(**kwargs: object) -> int:
        opened.append(kwargs)
        return 0

    monkeypatch.setattr("convlens.gui.app.run", run)

    assert cli.main([]) == 3
    assert cli.main(["kiosk"]) == 3
    err = capsys.readouterr().err.splitlines()
    assert err == [err[0], err[0]] and err[0].endswith("sudo apt-get install libxcb-cursor0")
    assert opened == []

    monkeypatch.setattr(syslibs, "can_load", lambda soname: True)
    assert cli.main(["--model", "m.onnx"]) == 0
    assert opened == [{"model_path": "m.onnx", "kiosk": False, "config_path": None}]


# -- the tables match the installed Qt ---------------------------------------------------------------------------
PROVIDED_BY_THE_BASE_SYSTEM = {
    # glibc, the C++ runtime and compression libraries of every Debian/Ubuntu; libgthread ships with libglib2.0-0.
    "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libstdc++.so.6", "libgcc_s.so.1",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libz.so.1", "libzstd.so.1", "libgthread-2.0.so.0",
}  # fmt: skip


def elf_needed(path: Path) -> list[str]:
    """The ``DT_NEEDED`` entries of a 64-bit little-endian ELF shared library."""
    blob = path.read_bytes()
    assert blob[:4] == b"\x7fELF" and blob[4] == 2 and blob[5] == 1, f"{path}: not a 64-bit little-endian ELF"
    shoff, = struct.unpack_from("<Q", blob, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", blob, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", blob, shoff + i * shentsize) for i in range(shnum)]
    names: list[str] = []
    for _name, sh_type, _flags, _addr, offset, size, link, _info, _align, entsize in sections:
        if sh_type != 6:  # SHT_DYNAMIC
            continue
        strtab_offset = sections[link][4]
        for pos in range(offset, offset + size, entsize or 16):
            tag, value = struct.unpack_from("<qQ", blob, pos)
            if tag == 0:  # DT_NULL
                break
            if tag == 1:  # DT_NEEDED
                start = strtab_offset + value
                names.append(blob[start : blob.index(b"\0", start)].decode())
    return names


def system_needed(*paths: Path) -> set[str]:
    """What ``paths`` need from the system: not Qt's own libraries nor the ICU the wheel bundles."""
    needed = {name for path in paths if path.is_file() for name in elf_needed(path)}
    return {n for n in needed if not n.startswith(("libQt6", "libicu"))} - PROVIDED_BY_THE_BASE_SYSTEM


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF and xcb are Linux things")
def test_the_tables_cover_every_library_the_installed_qt_needs() -> None:
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    core_libs = [qt / "lib" / f"libQt6{m}.so.6" for m in ("Core", "Gui", "Widgets", "DBus", "OpenGL", "Svg")]
    xcb_libs = [qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"]
    assert all(path.is_file() for path in [*core_libs[:3], *xcb_libs])
    core, xcb = system_needed(*core_libs), system_needed(*xcb_libs)
    assert "libGL.so.1" in core and "libxcb-cursor.so.0" in xcb  # the reader works
    assert core <= set(syslibs.CORE_LIBRARIES), sorted(core - set(syslibs.CORE_LIBRARIES))
    assert xcb <= set(syslibs.CORE_LIBRARIES) | set(syslibs.XCB_LIBRARIES), sorted(
        xcb - set(syslibs.CORE_LIBRARIES) - set(syslibs.XCB_LIBRARIES)
    )


def test_python_dash_m_convlens_syslibs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(syslibs.SKIP_ENV, raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(syslibs, "can_load", lambda soname: True)
    assert syslibs.main() == 0
    assert "installed" in capsys.readouterr().out
    monkeypatch.setattr(syslibs, "can_load", lambda soname: soname != "libEGL.so.1")
    assert syslibs.main() == 3
    assert capsys.readouterr().err.strip().endswith("sudo apt-get install libegl1")

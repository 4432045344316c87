"""Packaging: one import package, ``convlens``, with its data, and the installed wheel runs from any folder.

How the distributions are built
    From a temporary copy of the files git tracks or would track (``git ls-files --cached --others
    --exclude-standard``; the symlinks ``convlens/engine`` -> ``engine/`` etc. stay symlinks), so setuptools'
    ``build/`` and ``*.egg-info`` never appear in the work tree. The build backend runs in a small build
    environment, a venv holding ``setuptools>=77`` (pyproject's build requirement; the development venv's own
    setuptools may be older), which is what pip's build isolation does for ``pip install .`` and ``pipx install
    .``. The sdist is built too, and a second wheel from the unpacked sdist.

How the wheel is installed (the slow test)
    Into a fresh ``python -m venv`` with ``pip install WHEEL``: NOT editable, no ``--system-site-packages``
    (the base interpreter may hold anything) and no path into the development venv (its editable ``convlens``
    would hide the installed one). So the wheel's dependency metadata is resolved the way a user's ``pip
    install`` / ``pipx install`` resolves it; dependencies come from the package index (PyPI, or the local
    mirrors and pip cache the user's pip configuration names: pip runs with the environment pytest was started
    with, ``real_env``). No network besides the package index is used. On the 2-core machine the install takes
    25-40 s and the whole module 45-60 s (depending on the machine's load), far inside CI's 90 minutes.

Then, from an empty folder holding a decoy ``gui.py`` and ``engine/__init__.py`` that raise when imported (nothing
may import a top-level ``gui`` or ``engine``): ``convlens --version``, ``python -m convlens --version``,
``convlens predict IMAGE --json`` on a digit drawn with PIL, ``convlens kiosk --help`` and an offscreen window.
Every ``convlens`` command runs with the session's private HOME (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import convlens

SOURCE = Path(__file__).resolve().parents[2]
"""The checkout these tests were started from: only its tracked files are read (and copied), never written."""
VERSION = convlens.__version__
PACKAGE_DATA = [
    "convlens/models/default.onnx",
    "convlens/models/default.npz",
    "convlens/models/default.json",
    "convlens/assets/strokes/digit_0.json",
    "convlens/assets/strokes/digit_9.json",
    "convlens/assets/lesson/colour_example.png",
    "convlens/assets/kiosk/kiosk.example.toml",
    "convlens/assets/reading/default.npz",
]
BUILD_LEFTOVERS = ("build", "dist", "convlens.egg-info", "convlens/convlens.egg-info")


def run(args: Sequence[str | Path], timeout: float = 300, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure the assertion shows its output."""
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kwargs  # type: ignore[call-overload]
    )
    assert result.returncode == 0, f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def tracked_files(env: dict[str, str]) -> list[str]:
    """The files of the work tree a commit would hold (tracked or untracked-but-not-ignored, still present)."""
    command = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    listing = run(command, cwd=SOURCE, env=env).stdout
    names = sorted({name for name in listing.split("\0") if name})
    return [name for name in names if os.path.lexists(SOURCE / name)]


def copy_tree(names: list[str], dest: Path) -> None:
    """Copy ``names`` from the checkout into ``dest``, keeping symlinks as symlinks."""
    for name in names:
        src, dst = SOURCE / name, dest / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        elif src.is_file():
            shutil.copy2(src, dst)


def leftovers() -> dict[str, int | None]:
    """mtime of each build leftover in the work tree (None: absent), to prove building did not write there."""
    out: dict[str, int | None] = {}
    for name in BUILD_LEFTOVERS:
        path = SOURCE / name
        out[name] = path.stat().st_mtime_ns if path.exists() else None
    return out


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path
    wheel_from_sdist: Path
    source_copy: Path


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory, real_env: dict[str, str]) -> Dists:
    """sdist and wheel built from a copy of the checkout, and a wheel built from the unpacked sdist."""
    base = tmp_path_factory.mktemp("packaging")
    before = leftovers()
    source = base / "source"
    copy_tree(tracked_files(real_env), source)
    assert (source / "convlens" / "engine").is_symlink(), "the copy must keep convlens/engine a symlink"

    tools = base / "build-env"
    run([sys.executable, "-m", "venv", "--without-pip", tools])
    requires = _build_requires(source)
    run([sys.executable, "-m", "pip", "--python", venv_python(tools), "install", "--quiet", *requires], env=real_env)

    out = base / "dist"
    out.mkdir()
    backend = "import sys, setuptools.build_meta as b; print(getattr(b, sys.argv[1])(sys.argv[2]))"
    sdist = out / run([venv_python(tools), "-c", backend, "build_sdist", out], cwd=source).stdout.split()[-1]
    wheel = out / run([venv_python(tools), "-c", backend, "build_wheel", out], cwd=source).stdout.split()[-1]
    assert (source / "build").is_dir(), "setuptools built in the copy"

    unpacked = base / "sdist"
    with tarfile.open(sdist) as tar:
        tar.extractall(unpacked, filter="data")
    (top,) = unpacked.iterdir()
    out2 = base / "dist-from-sdist"
    out2.mkdir()
    wheel2 = out2 / run([venv_python(tools), "-c", backend, "build_wheel", out2], cwd=top).stdout.split()[-1]
    assert leftovers() == before, "building must not write build/, dist/ or *.egg-info into the work tree"
    return Dists(sdist=sdist, wheel=wheel, wheel_from_sdist=wheel2, source_copy=source)


def _build_requires(source: Path) -> list[str]:
    import tomllib

    with open(source / "pyproject.toml", "rb") as fh:
        return list(tomllib.load(fh)["build-system"]["requires"])


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def source_package_files(source: Path) -> set[str]:
    """What the wheel must hold from the package folders: every module and data file git tracks there."""
    wanted: set[str] = set()
    for folder in ("engine", "gui"):
        for path in (source / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".json", ".qss", ".svg", ".png"):
                wanted.add(f"convlens/{path.relative_to(source).as_posix()}")
    for path in (source / "convlens").glob("*.py"):
        wanted.add(f"convlens/{path.name}")
    for path in (source / "convlens" / "services").rglob("*.py"):
        wanted.add(path.relative_to(source).as_posix())
    return wanted


# -- fast: what the distributions hold --------------------------------------------------------------------------
def test_the_wheel_is_one_package_with_its_data(dists: Dists) -> None:
    names = wheel_names(dists.wheel)
    dist_info = f"convlens-{VERSION}.dist-info"
    assert {name.split("/")[0] for name in names} == {"convlens", dist_info}
    for data_file in PACKAGE_DATA:
        assert data_file in names, data_file
    qm = {n for n in names if n.startswith("convlens/assets/translations/") and n.endswith(".qm")}
    assert qm and {Path(n).stem for n in qm} >= {"convlens_de"}
    missing = source_package_files(dists.source_copy) - names
    assert not missing, f"not in the wheel: {sorted(missing)}"
    assert not any(n.startswith(("convlens/tests/", "convlens/bench/", "tests/", "bench/")) for n in names)
    with zipfile.ZipFile(dists.wheel) as zf:
        assert zf.read(f"{dist_info}/top_level.txt").decode().split() == ["convlens"]
        entry_points = zf.read(f"{dist_info}/entry_points.txt").decode()
        assert "convlens = convlens.__main__:main" in entry_points
        # Symlinked folders are packed as their content, not as links.
        for info in zf.infolist():
            assert (info.external_attr >> 16) & 0o170000 != 0o120000, f"{info.filename} is a symlink"
        assert zf.read("convlens/models/default.onnx") == (SOURCE / "models" / "default.onnx").read_bytes()


def test_the_sdist_holds_the_package_data_and_builds_the_same_wheel(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as tar:
        members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if "/" in m.name}
    for data_file in PACKAGE_DATA:
        assert data_file in members, data_file
        assert members[data_file].isfile(), f"{data_file} must be a file in the sdist"
    assert not any(m.issym() for m in members.values()), "the sdist must not hold symlinks"
    assert "pyproject.toml" in members and "README.md" in members
    assert wheel_names(dists.wheel_from_sdist) == wheel_names(dists.wheel)


# -- slow: install the wheel into a fresh venv and run it from an empty folder -----------------------------------
@pytest.fixture(scope="module")
def installed(dists: Dists, tmp_path_factory: pytest.TempPathFactory, real_env: dict[str, str]) -> Path:
    """A fresh venv with the wheel installed (not editable) by ``pip install WHEEL``; returns its ``bin``."""
    venv = tmp_path_factory.mktemp("installed") / "venv"
    run([sys.executable, "-m", "venv", venv])
    env = {k: v for k, v in real_env.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")}
    run([venv_python(venv), "-m", "pip", "install", "--quiet", dists.wheel], timeout=900, env=env)
    return venv_python(venv).parent


@pytest.fixture
def decoy_cwd(tmp_path: Path) -> Iterator[Path]:
    """An empty folder with a ``gui.py`` and an ``engine`` package that raise when imported."""
    folder = tmp_path / "elsewhere"
    (folder / "engine").mkdir(parents=True)
    (folder / "gui.py").write_text("raise ImportError('imported the decoy gui.py')\n")
    (folder / "engine" / "__init__.py").write_text("raise ImportError('imported the decoy engine package')\n")
    yield folder


def app_env() -> dict[str, str]:
    """The test session's environment (private HOME) without anything pointing at the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def draw_one(path: Path) -> None:
    """A '1' drawn as a dark stroke on a light 200x200 RGB PNG (not MNIST-like: predict must preprocess it)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (200, 200), "white")
    ImageDraw.Draw(image).line([(100, 30), (96, 170)], fill="black", width=14)
    image.save(path)


@pytest.mark.slow
def test_the_installed_wheel_runs_from_any_folder(installed: Path, decoy_cwd: Path, private_home: Path) -> None:
    env, cwd = app_env(), decoy_cwd
    python, script = installed / "python", installed / "convlens"

    assert run([script, "--version"], cwd=cwd, env=env).stdout.strip() == f"convlens {VERSION}"
    assert run([python, "-m", "convlens", "--version"], cwd=cwd, env=env).stdout.strip() == f"convlens {VERSION}"

    where = run([python, "-c", "import convlens, sys; print(convlens.__file__)"], cwd=cwd, env=env).stdout.strip()
    assert Path(where).is_relative_to(installed.parent), f"convlens imported from {where}, not the venv"

    image = cwd / "digit.png"
    draw_one(image)
    out = run([script, "predict", image, "--json"], cwd=cwd, env=env).stdout
    result = json.loads(out.strip().splitlines()[-1])
    probabilities = result["probabilities"]
    assert len(probabilities) == 10 and abs(sum(probabilities) - 1.0) < 1e-4
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    assert result["digit"] == max(range(10), key=probabilities.__getitem__) == 1

    assert "--config" in run([script, "kiosk", "--help"], cwd=cwd, env=env).stdout

    window = (
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from convlens.gui.app import create_window\n"
        "window = create_window()\n"
        "window.show()\n"
        "for _ in range(20):\n"
        "    app.processEvents()\n"
        "assert window.isVisible()\n"
        "window.close()\n"
        "print('ok')\n"
    )
    assert run([python, "-c", window], cwd=cwd, env=env).stdout.strip().splitlines()[-1] == "ok"
    assert sorted(p.name for p in cwd.iterdir()) == ["digit.png", "engine", "gui.py"], "wrote into the cwd"

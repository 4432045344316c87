"""Import contract, checked on the source (AST) and in a fresh interpreter.

The layers themselves (cli -> gui -> services -> engine) are import-linter's ``layers`` contract (``make lint``).
Here:

* ``engine/`` and ``convlens/services`` never import Qt (PySide6, shiboken6) or pyqtgraph;
* only ``engine/onnx_export.py`` imports ``onnx`` and only ``engine/runtime.py`` imports ``onnxruntime``;
* ``gui/`` never imports ``onnx`` or ``onnxruntime`` directly (it goes through the engine);
* nothing imports a bare top-level ``engine`` or ``gui``: everything is ``convlens.*``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ENGINE_FORBIDDEN = {"PySide6", "shiboken6", "pyqtgraph", "gui"}
QT_FREE = ("engine", "convlens/services")
ONNX_OWNER = "engine/onnx_export.py"
ORT_OWNER = "engine/runtime.py"


def _sources(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def _qt_free_sources() -> list[Path]:
    return [path for package in QT_FREE for path in _sources(package)]


def imported_top_level_names(path: Path) -> set[str]:
    """Top-level module names imported by ``path``: import statements (at any depth, including inside
    functions) and ``importlib.import_module("x...")`` / ``__import__("x")`` calls with a literal name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names.add(node.args[0].value.split(".")[0])
    return names


def _importers(package: str, module: str) -> set[str]:
    return {
        path.relative_to(REPO).as_posix() for path in _sources(package) if module in imported_top_level_names(path)
    }


def test_the_scanner_sees_all_import_forms(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os.path\n"
        "from PySide6 import QtCore\n"
        "from . import sibling\n"
        "def f():\n"
        "    import onnxruntime as ort\n"
        "    import importlib\n"
        "    importlib.import_module('pyqtgraph.exporters')\n"
        "    __import__('onnx')\n"
    )
    assert imported_top_level_names(sample) == {"os", "PySide6", "onnxruntime", "importlib", "pyqtgraph", "onnx"}


def test_engine_sources_exist() -> None:
    names = {p.name for p in _sources("engine")}
    assert {"ops.py", "model.py", "train.py", "data.py"} <= names
    assert {"training.py", "recipes.py", "model_store.py"} <= {p.name for p in _sources("convlens/services")}


@pytest.mark.parametrize("path", _qt_free_sources(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_engine_and_services_never_import_qt_pyqtgraph_or_gui(path: Path) -> None:
    bad = imported_top_level_names(path) & ENGINE_FORBIDDEN
    assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"


def test_only_onnx_export_imports_onnx() -> None:
    importers = _importers("engine", "onnx")
    assert len(importers) <= 1, f"several engine modules import onnx: {sorted(importers)}"
    assert importers <= {ONNX_OWNER}, f"only {ONNX_OWNER} may import onnx, not {sorted(importers)}"
    if (REPO / ONNX_OWNER).is_file():
        assert importers == {ONNX_OWNER}, f"{ONNX_OWNER} exists but does not import onnx"


def test_only_runtime_imports_onnxruntime() -> None:
    importers = _importers("engine", "onnxruntime")
    assert len(importers) <= 1, f"several engine modules import onnxruntime: {sorted(importers)}"
    assert importers <= {ORT_OWNER}, f"only {ORT_OWNER} may import onnxruntime, not {sorted(importers)}"
    if (REPO / ORT_OWNER).is_file():
        assert importers == {ORT_OWNER}, f"{ORT_OWNER} exists but does not import onnxruntime"


def test_gui_never_imports_onnx_or_onnxruntime_directly() -> None:
    offenders = {
        path.relative_to(REPO).as_posix(): sorted(imported_top_level_names(path) & {"onnx", "onnxruntime"})
        for path in _sources("gui")
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"gui modules must go through engine.runtime: {offenders}"


@pytest.mark.parametrize("folder", ["convlens", "engine", "gui", "tests", "bench"])
def test_nothing_imports_a_bare_engine_or_gui(folder: str) -> None:
    offenders = {
        path.relative_to(REPO).as_posix(): sorted(imported_top_level_names(path) & {"engine", "gui"})
        for path in _sources(folder)
        if not path.is_symlink() and "convlens/engine" not in path.as_posix() and "convlens/gui" not in path.as_posix()
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"import convlens.engine / convlens.gui instead: {offenders}"


def test_importing_the_engine_services_and_cli_loads_no_qt(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "import convlens.engine, convlens.engine.train, convlens.engine.model, convlens.engine.data\n"
        "import convlens.engine.preprocess, convlens.engine.ops, convlens.cli, convlens.services.training\n"
        "import convlens.services.model_store, convlens.services.corrections, convlens.services.evaluation\n"
        "bad = sorted(m for m in ('PySide6', 'shiboken6', 'pyqtgraph', 'convlens.gui') if m in sys.modules)\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"

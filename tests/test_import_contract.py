"""Import contract, checked on the source (AST), on grimp's import graph and in a fresh interpreter.

The layers themselves (cli -> gui -> services -> engine) and the same ownership rules are import-linter contracts
in ``pyproject.toml`` (``lint-imports``). Here:

* ``engine/`` and ``convlens/services`` never import Qt (PySide6, shiboken6) or pyqtgraph;
* only the ONNX modules (``engine/onnx_export.py``, ``engine/onnx_reader.py``) import ``onnx`` and only
  ``engine/runtime.py`` imports ``onnxruntime`` (the AST scan also sees ``importlib.import_module("onnx")``);
* ``gui/`` never imports ``onnx`` or ``onnxruntime`` directly (it goes through the engine);
* nothing imports a bare top-level ``engine`` or ``gui``: everything is ``convlens.*``;
* no import cycle anywhere inside ``convlens`` (imports inside functions count), and no module imports another
  module's private ``_name``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[1]
ENGINE_FORBIDDEN = {"PySide6", "shiboken6", "pyqtgraph", "gui"}
QT_FREE = ("engine", "convlens/services")
ONNX_OWNERS = {"engine/onnx_export.py", "engine/onnx_reader.py"}
ORT_OWNER = "engine/runtime.py"
KNOWN_BACK_EDGES: dict[tuple[str, str], str] = {}
"""Direct imports (importer, imported) left out of the cycle check, each with the reason; each must still exist.
Empty: the last one (engine.model <-> engine.runtime) went when load_model moved to engine.loading."""


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


def test_only_the_onnx_modules_import_onnx() -> None:
    importers = {path for folder in ("convlens", "engine", "gui") for path in _importers(folder, "onnx")}
    allowed = ONNX_OWNERS
    assert importers <= allowed, f"only {sorted(ONNX_OWNERS)} may import onnx, not {sorted(importers - allowed)}"
    assert ONNX_OWNERS <= importers, f"{sorted(ONNX_OWNERS - importers)} no longer import onnx: update the owners"


def test_only_runtime_imports_onnxruntime() -> None:
    importers = {path for folder in ("convlens", "engine", "gui") for path in _importers(folder, "onnxruntime")}
    assert importers == {ORT_OWNER}, f"only {ORT_OWNER} may import onnxruntime, not {sorted(importers)}"


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
        "import convlens.services.samples, convlens.engine.onnx_reader, convlens.engine.geometry\n"
        "bad = sorted(m for m in ('PySide6', 'shiboken6', 'pyqtgraph', 'convlens.gui') if m in sys.modules)\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


# ----------------------------------------------------------------------------------------- cycles, private names


def import_cycles(graph: grimp.ImportGraph, package: str = "convlens") -> list[list[str]]:
    """One cycle ``[a, b, ..., a]`` for every direct import ``a -> b`` inside ``package`` that closes a circle.

    A direct import ``a -> b`` is part of a cycle exactly when ``b`` imports ``a`` back, directly or through other
    modules; the shortest such chain is reported. Packages count as modules (their ``__init__``).
    """
    inside = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    cycles = []
    for importer in inside:
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported != package and not imported.startswith(package + "."):
                continue
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.append([importer, *back])
    return cycles


@pytest.fixture(scope="module")
def convlens_graph() -> grimp.ImportGraph:
    return grimp.build_graph("convlens", cache_dir=None)


def test_the_cycle_finder_finds_a_planted_cycle(convlens_graph: grimp.ImportGraph) -> None:
    graph = grimp.build_graph("convlens", cache_dir=None)
    graph.add_import(importer="convlens.engine.geometry", imported="convlens.engine.ops")  # ops -> kernels -> geometry
    cycles = import_cycles(graph)
    assert ["convlens.engine.geometry", "convlens.engine.ops", "convlens.engine.geometry"] in cycles
    assert not any(c[0] == "convlens.engine.geometry" for c in import_cycles(convlens_graph))


def test_no_import_cycles_inside_convlens(convlens_graph: grimp.ImportGraph) -> None:
    graph = grimp.build_graph("convlens", cache_dir=None)
    for importer, imported in KNOWN_BACK_EDGES:
        assert graph.direct_import_exists(importer=importer, imported=imported), (
            f"{importer} -> {imported} is gone: remove it from KNOWN_BACK_EDGES (and from pyproject.toml)"
        )
        graph.remove_import(importer=importer, imported=imported)
    cycles = import_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_engine_kernels_do_not_import_the_lecture_reference(convlens_graph: grimp.ImportGraph) -> None:
    for kernel in ("convlens.engine.geometry", "convlens.engine.conv_kernels", "convlens.engine.pooling"):
        assert not convlens_graph.chain_exists(importer=kernel, imported="convlens.engine.ops"), kernel


def _package_sources() -> list[Path]:
    """The real files of the ``convlens`` package (``convlens/engine`` and ``convlens/gui`` are symlinks)."""
    own = [p for p in _sources("convlens") if p.relative_to(REPO).parts[1] not in ("engine", "gui", "models", "assets")]
    return own + _sources("engine") + _sources("gui")


def private_names_used(path: Path) -> list[str]:
    """``from convlens.x import _name`` and ``module._name`` (for a convlens module or name imported here)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: set[str] = set()  # local names bound to convlens modules (or to names imported from them)
    offenders = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("convlens"):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    offenders.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules.update(a.asname for a in node.names if a.name.startswith("convlens") and a.asname)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            offenders.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return offenders


def test_the_private_name_scanner_sees_both_forms(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from convlens.engine import ops\n"
        "from convlens.engine.ops import _pool_views, conv2d\n"
        "import convlens.engine.geometry as geo\n"
        "ops._offset_view; geo.as_pair; ops.__name__; conv2d._cache\n"
    )
    assert private_names_used(sample) == [
        "line 2: from convlens.engine.ops import _pool_views", "line 4: ops._offset_view", "line 4: conv2d._cache"
    ]


@pytest.mark.parametrize("path", _package_sources(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_no_module_uses_another_modules_private_names(path: Path) -> None:
    offenders = private_names_used(path)
    assert not offenders, f"{path.relative_to(REPO)} uses private names of other modules: {offenders}"

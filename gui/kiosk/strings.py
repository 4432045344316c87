"""Find the app's visitor-facing strings and keep the ``.ts`` translation sources in step with them.

``python -m convlens.gui.kiosk.strings --update de`` scans ``gui/`` (the whole GUI: window, menus, panels,
lesson, training, kiosk, message boxes, dialogs) and merges what it finds into
``assets/translations/convlens_de.ts`` (new strings are added as *unfinished*, strings no longer in the
code are marked *vanished*, existing translations are kept), then compiles every ``.ts`` with
``pyside6-lrelease``.  ``--missing de`` lists the strings without a translation, the texts handed to Qt
without ``tr`` and the computed ones (exit status 1 if any).

What counts as a string (static analysis, no imports):

* ``self.tr("...")`` (context: the enclosing class), ``QCoreApplication.translate("Ctx", "...")``,
  ``QT_TRANSLATE_NOOP("Ctx", "...")`` (a constant translated where it is shown) and calls of a module-level
  helper ``def tr(text): return QCoreApplication.translate("Ctx", text)``;
* texts handed to Qt's text APIs: widgets and their setters (``QPushButton("Clear")``, ``setToolTip``,
  ``addTab(page, "Network")``, ``setFormat``, ...), menus and actions, message boxes
  (``QMessageBox.warning(parent, title, text)``, ``QMessageBox(icon, title, text)``), file and progress dialogs,
  pyqtgraph captions (``addLabel``, ``LabelItem``, ``TextItem``), axis titles (``setLabel``) and legend names
  (``plot(name=...)``).  A literal there without ``tr`` is *unwrapped* (:func:`unwrapped`): it would stay in the
  language it was set in after a switch, so every one must be wrapped.

f-strings and other computed texts cannot be looked up; :func:`untranslatable` lists those handed to Qt
so they can be rewritten as ``self.tr("... {n} ...").format(n=...)`` (numbers and notation such as
``max(...)`` are fine).  Texts built elsewhere and shown later are checked at run time by
``tests/gui/test_kiosk_i18n.py``, which walks the German window for English.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from convlens.gui import ASSETS_DIR

__all__ = [
    "GUI_DIR",
    "Message",
    "compile_ts",
    "extract",
    "merge_ts",
    "missing_translations",
    "read_ts",
    "untranslatable",
    "unwrapped",
]

GUI_DIR = Path(__file__).resolve().parents[1]
TRANSLATIONS_DIR = ASSETS_DIR / "translations"

_TEXT_CALLS: dict[str, tuple[int, ...]] = {
    # constructor, function or method name -> positions of its text arguments
    "QPushButton": (0,),
    "QLabel": (0,),
    "QCheckBox": (0,),
    "QRadioButton": (0,),
    "QToolButton": (0,),
    "QGroupBox": (0,),
    "QAction": (0,),
    "QMenu": (0,),
    "QMessageBox": (1, 2),  # QMessageBox(icon, title, text, ...)
    "QProgressDialog": (0, 1),  # QProgressDialog(label, cancel button, ...)
    "setText": (0,),
    "setToolTip": (0,),
    "setWindowTitle": (0,),
    "setTitle": (0,),
    "setPlaceholderText": (0,),
    "setStatusTip": (0,),
    "setPrefix": (0,),
    "setSuffix": (0,),
    "setSpecialValueText": (0,),
    "setInformativeText": (0,),
    "setLabelText": (0,),
    "setCancelButtonText": (0,),
    "setFormat": (0,),
    "set_hint": (0,),
    "addMenu": (0,),
    "addAction": (0,),
    "showMessage": (0,),
    "addTab": (1,),
    "add_tab": (1,),
    "setTabText": (1,),
    "setTabToolTip": (1,),
    "insertTab": (2,),
    "setItemText": (1,),
    "addItem": (0,),
    # pyqtgraph: captions, free text, axis labels
    "addLabel": (0,),
    "LabelItem": (0,),
    "TextItem": (0,),
    "setLabel": (1,),
}
_STATIC_TEXT_CALLS: dict[tuple[str, str], tuple[int, ...]] = {
    # ``Class.function(...)``: message boxes and file dialogs (title, text; caption, filter)
    ("QMessageBox", "critical"): (1, 2),
    ("QMessageBox", "warning"): (1, 2),
    ("QMessageBox", "information"): (1, 2),
    ("QMessageBox", "question"): (1, 2),
    ("QMessageBox", "about"): (1, 2),
    ("QFileDialog", "getOpenFileName"): (1, 3),
    ("QFileDialog", "getOpenFileNames"): (1, 3),
    ("QFileDialog", "getSaveFileName"): (1, 3),
    ("QFileDialog", "getExistingDirectory"): (1,),
}
_TEXT_KEYWORDS: dict[str, tuple[str, ...]] = {
    # call name -> keyword arguments that are visible texts (pyqtgraph legends and plot titles)
    "plot": ("name",),
    "PlotWidget": ("title",),
    "PlotItem": ("title",),
    "addPlot": ("title",),
    "QProgressDialog": ("labelText", "cancelButtonText"),
}
NOTATION = frozenset({"max", "min", "MB", "kB", "px", "ch"})
"""Words inside computed texts that read the same in every language (``max(...)``, ``12.5 MB``)."""
_LIST_CALLS = {"addItems", "setHorizontalHeaderLabels", "setVerticalHeaderLabels"}
_FORMAT_CODES = re.compile(r"\{[^{}]*\}|%[0-9a-zA-Z]|&[a-zA-Z]+;|<[^<>]*>")
_SKIP_DIRS = {"__pycache__"}


@dataclass(frozen=True, order=True)
class Message:
    """One translatable string.

    Attributes
    ----------
    context : str
        Qt translation context (a class name, or the name given to ``translate``).
    source : str
        The English text.
    location : str
        ``path:line`` of one occurrence (relative to the repository).
    wrapped : bool
        True if the code calls ``tr``/``translate`` on it (so it is translated whenever it is set).
    """

    context: str
    source: str
    location: str = ""
    wrapped: bool = True


def _const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def is_text(text: str) -> bool:
    """Whether ``text`` holds letters to translate (not only placeholders, format codes, tags, digits)."""
    return any(ch.isalpha() for ch in _FORMAT_CODES.sub("", text))


def _template(node: ast.AST) -> str:
    """The text an f-string or a ``+`` of strings builds, with ``{}`` for every computed part (calls of
    ``tr``/``translate`` included: their text is found where they are)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_template(v) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _template(node.left) + _template(node.right)
    return "{}"


def _has_text_parts(node: ast.AST) -> bool:
    """An f-string or a ``+`` of strings with words in its literal parts (``f"{a}, {b}"`` has none; nor has
    notation that reads the same in every language, see :data:`NOTATION`)."""
    words = re.findall(r"[^\W\d_]+", _FORMAT_CODES.sub(" ", _template(node)))
    return any(len(word) > 1 and word not in NOTATION for word in words)


def _callee_name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _module_tr_contexts(tree: ast.Module) -> dict[str, str]:
    """Module-level helpers ``def f(text): return QCoreApplication.translate("Ctx", text)`` -> {f: Ctx}.

    The context may be a literal or a module-level string constant (``CONTEXT = "Lesson"``).
    """
    constants = {
        target.id: value
        for node in tree.body
        if isinstance(node, ast.Assign) and (value := _const_str(node.value)) is not None
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    helpers: dict[str, str] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not node.args.args:
            continue
        for sub in ast.walk(node):
            if not (
                isinstance(sub, ast.Call) and _callee_name(sub.func) == "translate" and len(sub.args) >= 2
            ):
                continue
            first, second = sub.args[0], sub.args[1]
            context = _const_str(first)
            if context is None and isinstance(first, ast.Name):
                context = constants.get(first.id)
            if context is not None and isinstance(second, ast.Name) and second.id == node.args.args[0].arg:
                helpers[node.name] = context
    return helpers


def _imported_helpers(tree: ast.Module, helpers_by_module: dict[str, dict[str, str]]) -> dict[str, str]:
    """Helpers brought in with ``from convlens.gui.x import tr [as t]`` (or ``from gui.x ...`` within the scanned
    folder itself): modules are keyed by their path below the scanned folder's parent (``gui.x``)."""
    found: dict[str, str] = {}
    for node in tree.body:
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        module = node.module.removeprefix("convlens.")
        if module in helpers_by_module:
            table = helpers_by_module[module]
            for alias in node.names:
                if alias.name in table:
                    found[alias.asname or alias.name] = table[alias.name]
    return found


class _Visitor(ast.NodeVisitor):
    def __init__(self, rel: str, helpers: dict[str, str]) -> None:
        self.rel = rel
        self.helpers = helpers
        self.classes: list[str] = []
        self.found: list[Message] = []
        self.computed: list[str] = []
        self.sequences: dict[str, tuple[str, ...]] = {}
        self.constants: dict[str, str] = {}

    def visit_Module(self, node: ast.Module) -> None:  # noqa: N802 - ast API
        for stmt in node.body:
            if isinstance(stmt, ast.Assign):
                value: ast.expr | None = stmt.value
                targets: list[ast.expr] = list(stmt.targets)
            elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
                value, targets = stmt.value, [stmt.target]
            else:
                continue
            text = _const_str(value)
            if text is not None:
                for target in targets:
                    if isinstance(target, ast.Name):
                        self.constants[target.id] = text
            if isinstance(value, ast.List | ast.Tuple):
                texts = tuple(t for t in (_const_str(e) for e in value.elts) if t is not None)
                if texts and len(texts) == len(value.elts):
                    for target in targets:
                        if isinstance(target, ast.Name):
                            self.sequences[target.id] = texts
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:  # noqa: N802 - ast API
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def _context(self) -> str:
        return self.classes[0] if self.classes else "ConvLens"

    def _add(self, context: str, text: str, node: ast.AST, wrapped: bool) -> None:
        if is_text(text):
            self.found.append(Message(context, text, f"{self.rel}:{getattr(node, 'lineno', 0)}", wrapped))

    def _computed(self, arg: ast.AST, node: ast.AST) -> None:
        self.computed.append(f"{self.rel}:{getattr(node, 'lineno', 0)}: {ast.unparse(arg)}")

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802 - ast API
        name = _callee_name(node.func)
        owner = node.func.value.id if isinstance(node.func, ast.Attribute) and isinstance(
            node.func.value, ast.Name) else ""
        if name == "tr" and isinstance(node.func, ast.Attribute) and node.args:
            self._wrapped(self._context(), node.args[0], node)
        elif name in self.helpers and isinstance(node.func, ast.Name) and node.args:
            self._wrapped(self.helpers[name], node.args[0], node)
        elif name in ("translate", "QT_TRANSLATE_NOOP") and len(node.args) >= 2:
            ctx = _const_str(node.args[0])
            if ctx is None and isinstance(node.args[0], ast.Name):
                ctx = self.constants.get(node.args[0].id)
            if ctx is not None:
                self._wrapped(ctx, node.args[1], node)
        elif (owner, name) in _STATIC_TEXT_CALLS:
            for index in _STATIC_TEXT_CALLS[(owner, name)]:
                if len(node.args) > index:
                    self._plain(node.args[index], node)
        elif name in _TEXT_CALLS:
            for index in _TEXT_CALLS[name]:
                if len(node.args) > index:
                    self._plain(node.args[index], node)
        elif name in _LIST_CALLS and node.args:
            for text in self._string_list(node.args[0]):
                self._add(self._context(), text, node, False)
        for keyword in node.keywords:
            if keyword.arg is not None and keyword.arg in _TEXT_KEYWORDS.get(name, ()):
                self._plain(keyword.value, node)
        self.generic_visit(node)

    def _wrapped(self, context: str, arg: ast.AST, node: ast.Call) -> None:
        """The text inside ``tr(...)``: a literal; an f-string there cannot be looked up."""
        text = _const_str(arg)
        if text is not None:
            self._add(context, text, node, True)
        elif isinstance(arg, ast.JoinedStr | ast.BinOp) and _has_text_parts(arg):
            self._computed(arg, node)

    def _plain(self, arg: ast.AST, node: ast.Call) -> None:
        """A text handed to Qt: a literal (or ``"a" if cond else "b"``) without ``tr`` is recorded unwrapped;
        an f-string, a ``"..." + x`` or a ``"...".format(...)`` of a literal with words is computed."""
        text = _const_str(arg)
        if text is not None:
            self._add(self._context(), text, node, False)
        elif isinstance(arg, ast.IfExp):
            self._plain(arg.body, node)
            self._plain(arg.orelse, node)
        elif isinstance(arg, ast.JoinedStr | ast.BinOp) and _has_text_parts(arg):
            self._computed(arg, node)
        elif (
            isinstance(arg, ast.Call)
            and isinstance(arg.func, ast.Attribute)
            and arg.func.attr == "format"
            and (literal := _const_str(arg.func.value)) is not None
        ):
            self._add(self._context(), literal, node, False)

    def _string_list(self, arg: ast.AST) -> list[str]:
        """``["a", "b"]``, ``("a", "b")``, ``list(NAME)`` or ``NAME`` of a module-level tuple of strings."""
        if isinstance(arg, ast.Call) and _callee_name(arg.func) in ("list", "tuple") and arg.args:
            arg = arg.args[0]
        if isinstance(arg, ast.Name):
            return list(self.sequences.get(arg.id, ()))
        if isinstance(arg, ast.List | ast.Tuple):
            return [t for t in (_const_str(e) for e in arg.elts) if t is not None]
        return []


def _scan(root: Path) -> tuple[list[Message], list[str]]:
    messages: list[Message] = []
    computed: list[str] = []
    trees: dict[str, tuple[Path, ast.Module]] = {}
    for path in sorted(root.rglob("*.py")):
        if _SKIP_DIRS & set(path.parts) or path.name == "strings.py":
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        parts = path.relative_to(root.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        trees[module] = (path, tree)
    helpers_by_module = {module: _module_tr_contexts(tree) for module, (_, tree) in trees.items()}
    for module, (path, tree) in trees.items():
        rel = str(path.relative_to(root.parent))
        helpers = {**_imported_helpers(tree, helpers_by_module), **helpers_by_module[module]}
        visitor = _Visitor(rel, helpers)
        visitor.visit(tree)
        messages.extend(visitor.found)
        computed.extend(visitor.computed)
    return messages, computed


def extract(root: Path = GUI_DIR) -> list[Message]:
    """Every visitor-facing string under ``root``, one :class:`Message` per (context, source), sorted."""
    seen: dict[tuple[str, str], Message] = {}
    for message in _scan(root)[0]:
        key = (message.context, message.source)
        if key not in seen or (message.wrapped and not seen[key].wrapped):
            seen[key] = message
    return sorted(seen.values())


def unwrapped(root: Path = GUI_DIR) -> list[Message]:
    """Texts handed to Qt without ``tr``/``translate`` (one per place): they stay in the language they were
    set in when the language changes later, so every visitor-facing text must be wrapped."""
    seen: dict[str, Message] = {}
    for message in _scan(root)[0]:
        if not message.wrapped:
            seen.setdefault(f"{message.location}:{message.source}", message)
    return sorted(seen.values(), key=lambda m: (m.location, m.source))


def untranslatable(root: Path = GUI_DIR) -> list[str]:
    """f-strings handed to Qt text APIs (``path:line: f"..."``): rewrite them with ``tr(...).format``."""
    return _scan(root)[1]


def read_ts(path: Path) -> dict[tuple[str, str], str]:
    """``(context, source) -> translation`` of the finished (non-empty, not vanished) messages of a .ts."""
    out: dict[tuple[str, str], str] = {}
    if not path.is_file():
        return out
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            node = message.find("translation")
            if node is None or node.get("type") in ("vanished", "obsolete"):
                continue
            text = node.text or ""
            if text and node.get("type") != "unfinished":
                out[(name, source)] = text
    return out


def merge_ts(
    path: Path, language: str, messages: list[Message], drop_vanished: bool = False
) -> tuple[int, int]:
    """Write ``path`` with every message (keeping existing translations).

    Strings no longer in the code are kept as ``vanished`` (their translation is reused if they come
    back) unless ``drop_vanished``.

    Returns
    -------
    (int, int)
        Number of new (unfinished) messages and of vanished ones.
    """
    old: dict[tuple[str, str], tuple[str, str | None]] = {}
    if path.is_file():
        for context in ET.parse(path).getroot().iter("context"):
            name = context.findtext("name") or ""
            for message in context.iter("message"):
                node = message.find("translation")
                text = (node.text or "") if node is not None else ""
                old[(name, message.findtext("source") or "")] = (
                    text,
                    None if node is None else node.get("type"),
                )
    wanted = {(m.context, m.source): m for m in messages}
    keys = sorted(set(wanted) | (set() if drop_vanished else set(old)))
    root = ET.Element("TS", version="2.1", language=language, sourcelanguage="en")
    added = vanished = 0
    by_context: dict[str, ET.Element] = {}
    for ctx, source in keys:
        if ctx not in by_context:
            by_context[ctx] = ET.SubElement(root, "context")
            ET.SubElement(by_context[ctx], "name").text = ctx
        context = by_context[ctx]
        message = ET.SubElement(context, "message")
        m = wanted.get((ctx, source))
        if m is not None and m.location:
            file, _, line = m.location.rpartition(":")
            ET.SubElement(message, "location", filename=f"../../{file}", line=line)
        ET.SubElement(message, "source").text = source
        text, kind = old.get((ctx, source), ("", "unfinished"))
        translation = ET.SubElement(message, "translation")
        translation.text = text
        if m is None:
            translation.set("type", "vanished")
            vanished += kind != "vanished"
        elif kind in ("unfinished", "vanished", "obsolete") or not text:
            translation.set("type", "unfinished")
            added += (ctx, source) not in old
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")
    return added, vanished


def lrelease_command() -> str | None:
    """``pyside6-lrelease`` next to the running Python, on PATH, or plain ``lrelease``; None if absent."""
    local = Path(sys.executable).with_name("pyside6-lrelease")
    if local.is_file():
        return str(local)
    return shutil.which("pyside6-lrelease") or shutil.which("lrelease")


def compile_ts(ts: Path, qm: Path | None = None) -> Path:
    """Compile a ``.ts`` into a ``.qm`` with lrelease (raises RuntimeError if it is missing or fails)."""
    tool = lrelease_command()
    if tool is None:
        raise RuntimeError("pyside6-lrelease not found (it ships with PySide6-Essentials)")
    qm = qm or ts.with_suffix(".qm")
    result = subprocess.run(
        [tool, "-silent", "-removeidentical", str(ts), "-qm", str(qm)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"lrelease failed on {ts}: {result.stderr.strip() or result.stdout.strip()}")
    return qm


def missing_translations(
    language: str, root: Path = GUI_DIR, directory: Path = TRANSLATIONS_DIR
) -> list[Message]:
    """The strings in the code that have no finished translation in ``convlens_<language>.ts``."""
    done = read_ts(directory / f"convlens_{language}.ts")
    return [m for m in extract(root) if (m.context, m.source) not in done]


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m convlens.gui.kiosk.strings", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--update", metavar="LANG", action="append", default=[], help="merge strings into the .ts"
    )
    parser.add_argument(
        "--missing",
        metavar="LANG",
        help="list strings without a translation, texts handed to Qt without tr() and computed texts "
        "(exit 1 if any)",
    )
    parser.add_argument(
        "--computed", action="store_true", help="list f-strings that cannot be translated (exit 1 if any)"
    )
    parser.add_argument("--no-compile", action="store_true", help="do not run lrelease after --update")
    parser.add_argument(
        "--drop-vanished", action="store_true", help="--update drops strings gone from the code"
    )
    args = parser.parse_args(argv)
    status = 0
    messages = extract()
    for language in args.update:
        ts = TRANSLATIONS_DIR / f"convlens_{language}.ts"
        added, vanished = merge_ts(ts, language, messages, drop_vanished=args.drop_vanished)
        print(f"{ts}: {len(messages)} strings, {added} new, {vanished} vanished")
    if args.update and not args.no_compile:
        for ts in sorted(TRANSLATIONS_DIR.glob("convlens_*.ts")):
            print(f"compiled {compile_ts(ts)}")
    if args.missing:
        missing = missing_translations(args.missing)
        for m in missing:
            print(f"{m.location}: [{m.context}] {m.source!r}")
        print(f"{len(missing)} untranslated string(s) for {args.missing}")
        plain = unwrapped()
        for m in plain:
            print(f"{m.location}: [{m.context}] {m.source!r} is handed to Qt without tr()")
        computed = untranslatable()
        for line in computed:
            print(f"{line} is computed: rewrite it as tr(\"... {{0}} ...\").format(...)")
        if plain or computed:
            print(f"{len(plain)} text(s) without tr(), {len(computed)} computed text(s)")
        status = 1 if missing or plain or computed else 0
    if args.computed:
        computed = untranslatable()
        for line in computed:
            print(line)
        status = max(status, 1 if computed else 0)
    return status


if __name__ == "__main__":
    sys.exit(main())

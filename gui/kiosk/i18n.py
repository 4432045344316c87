"""Translations through Qt's own system: ``assets/translations/convlens_<lang>.qm`` loaded by a QTranslator.

English is the source language (no file needed).  The ``.ts`` files are Qt Linguist XML, written by hand
next to the code's strings and compiled with ``pyside6-lrelease`` (shipped in the PySide6-Essentials
wheel); see docs/kiosk.md for the update procedure.  Contexts follow Qt's rule: ``self.tr("...")`` in
class ``Foo`` is looked up in context ``Foo`` (PySide6 also tries the base classes);
``QCoreApplication.translate("Kiosk", "...")`` in context ``Kiosk``.

Installing a translator sends ``LanguageChange`` to every widget; widgets written with a
``changeEvent`` re-translate themselves (the kiosk's own widgets do).  For the many widgets whose text
was set once at construction, :class:`Retranslator` remembers the English text it first saw on each
button, label, tab, tooltip and group box and swaps in the translation; it leaves alone any text the
app has changed since (a live prediction), and re-translates exact source strings again after each live
update (e.g. a "Draw a digit" label set back in English by code that does not call ``tr``).  It also covers
menus and their actions and pyqtgraph captions (``LabelItem``), and it recognises a text that is already a
translation (a window built while a catalogue was installed), so switching back to English works too.

The whole app uses this, not only the kiosk: ``ExplorerWindow.set_language`` (View > Language, ``convlens
--lang de``, ``create_window(language="de")``) and the kiosk's ``language`` key; :func:`system_language`
picks the starting language from the system locale.
"""

from __future__ import annotations

import logging
import re
import weakref
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QObject, QTranslator
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QLabel,
    QMenu,
    QProgressBar,
    QSpinBox,
    QTableWidget,
    QTabWidget,
    QWidget,
)

from convlens.gui import ASSETS_DIR

__all__ = [
    "LANGUAGE_NAMES",
    "SELF_TRANSLATING",
    "SOURCE_LANGUAGE",
    "TRANSLATIONS_DIR",
    "LanguageSwitcher",
    "Retranslator",
    "available_languages",
    "language_name",
    "qm_path",
    "read_catalogue",
    "system_language",
    "ts_contexts",
    "ts_path",
]

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = ASSETS_DIR / "translations"
"""Where ``convlens_<lang>.ts`` (source) and ``convlens_<lang>.qm`` (compiled) live."""
SELF_TRANSLATING = "selfTranslating"
"""Dynamic property: a widget (and its children) set to True handles ``LanguageChange`` itself."""
SOURCE_LANGUAGE = "en"
"""The language the code is written in; selecting it removes every translator."""
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}
"""Each language's name in that language (the View > Language menu shows them untranslated)."""


def qm_path(language: str, directory: Path = TRANSLATIONS_DIR) -> Path:
    """The compiled catalogue for ``language`` (it may not exist)."""
    return directory / f"convlens_{language}.qm"


def ts_path(language: str, directory: Path = TRANSLATIONS_DIR) -> Path:
    """The Qt Linguist source for ``language`` (it may not exist)."""
    return directory / f"convlens_{language}.ts"


def available_languages(directory: Path = TRANSLATIONS_DIR) -> list[str]:
    """``"en"`` plus every language with a compiled ``.qm`` file, sorted."""
    found = {p.stem.removeprefix("convlens_") for p in directory.glob("convlens_*.qm")}
    return [SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE})]


def language_name(language: str) -> str:
    """``"de"`` -> ``"Deutsch"``: the language's own name (Qt's, for languages not in :data:`LANGUAGE_NAMES`)."""
    if language in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[language]
    name = QLocale(language).nativeLanguageName()
    return name[:1].upper() + name[1:] if name else language


def _set_number_locale(language: str) -> None:
    """Numbers typed and shown in spin boxes follow the language ("60.000" and "0,0040" in German): the default
    locale for widgets made from now on, and every spin box that exists already."""
    from PySide6.QtWidgets import QAbstractSpinBox, QApplication

    locale = QLocale(language)
    QLocale.setDefault(locale)
    if isinstance(QCoreApplication.instance(), QApplication):
        for widget in QApplication.allWidgets():
            if widget.isWindow() or isinstance(widget, QAbstractSpinBox):  # a window's children follow it
                widget.setLocale(locale)


def system_language(directory: Path = TRANSLATIONS_DIR, locale: QLocale | None = None) -> str:
    """The language to start in: the system locale's (``QLocale.system()``) when a catalogue for it ships,
    else English.  Qt reads the locale from ``LC_ALL`` / ``LC_MESSAGES`` / ``LANG`` (and ``LANGUAGE``)."""
    locale = locale if locale is not None else QLocale.system()
    available = available_languages(directory)
    for name in [*locale.uiLanguages(), locale.name()]:
        code = name.replace("-", "_").split("_")[0].lower()
        if code in available:
            return code
    return SOURCE_LANGUAGE


def read_catalogue(path: Path) -> dict[tuple[str, str], str]:
    """``(context, source) -> translation`` of the finished messages of a ``.ts`` (empty if unreadable)."""
    out: dict[tuple[str, str], str] = {}
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return out
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            node = message.find("translation")
            if node is None or node.get("type") in ("vanished", "obsolete", "unfinished") or not node.text:
                continue
            out[(name, message.findtext("source") or "")] = node.text
    return out


_REVERSE: dict[Path, dict[str, tuple[str, str]]] = {}


def _translated_texts(directory: Path = TRANSLATIONS_DIR) -> dict[str, tuple[str, str]]:
    """Every translation shipped (any language) -> its ``(context, English source)``; cached per folder."""
    if directory not in _REVERSE:
        table: dict[str, tuple[str, str]] = {}
        for ts in sorted(directory.glob("convlens_*.ts")):
            for (context, source), text in read_catalogue(ts).items():
                if text != source:
                    table.setdefault(text, (context, source))
        _REVERSE[directory] = table
    return _REVERSE[directory]


_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%n|%\d")


@dataclass(frozen=True)
class _Template:
    """A catalogue entry with placeholders, as a pattern that recognises a text made from it (in any language)."""

    context: str
    source: str
    pattern: re.Pattern[str]
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class _Filled:
    """A shown text recognised as ``source`` (a template) filled with ``values``: re-translated as a whole."""

    context: str
    source: str
    values: tuple[tuple[str, str], ...]


_TEMPLATES: dict[Path, list[_Template]] = {}


def _templates(directory: Path = TRANSLATIONS_DIR) -> list[_Template]:
    """Every shipped source and translation with placeholders and words, most specific first; cached."""
    if directory not in _TEMPLATES:
        found: list[tuple[int, _Template]] = []
        for ts in sorted(directory.glob("convlens_*.ts")):
            for (context, source), text in read_catalogue(ts).items():
                for shown in {source, text}:
                    tokens = tuple(_PLACEHOLDER.findall(shown))
                    literal = _PLACEHOLDER.sub("", shown)
                    if not tokens or not re.search(r"[^\W\d_]{2,}", literal):
                        continue
                    pieces = _PLACEHOLDER.split(shown)
                    body = "(.+?)".join(re.escape(piece) for piece in pieces)
                    found.append((len(literal), _Template(context, source, re.compile(f"^{body}$", re.DOTALL), tokens)))
        found.sort(key=lambda pair: -pair[0])
        _TEMPLATES[directory] = [template for _, template in found]
    return _TEMPLATES[directory]


def _recognise(text: str) -> _Filled | None:
    """``"It was a 7"`` -> the template ``"It was a {digit}"`` with ``{digit}`` = ``"7"`` (None if no template
    fits): texts formatted once at construction can then be re-translated too."""
    for template in _templates():
        match = template.pattern.match(text)
        if match is None:
            continue
        values: dict[str, str] = {}
        for token, value in zip(template.tokens, match.groups(), strict=True):
            if values.setdefault(token, value) != value:
                break  # "{0} ... {0}" must be the same value twice
        else:
            return _Filled(template.context, template.source, tuple(values.items()))
    return None


def ts_contexts(path: Path) -> list[str]:
    """Names of the contexts in a ``.ts`` file, in file order (empty if it cannot be read)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return []
    return [name.text for name in root.iter("name") if name.text]


class LanguageSwitcher(QObject):
    """Owns the installed QTranslator; switching languages replaces it.

    Parameters
    ----------
    directory : Path
        Where the ``.qm`` files are; default :data:`TRANSLATIONS_DIR`.
    parent : QObject, optional
    """

    def __init__(self, directory: Path = TRANSLATIONS_DIR, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kioskLanguageSwitcher")
        self._directory = Path(directory)
        self._translator: QTranslator | None = None
        self._language = SOURCE_LANGUAGE
        self._contexts: list[str] = []

    @property
    def language(self) -> str:
        """The language currently installed (``"en"`` when none)."""
        return self._language

    def contexts(self) -> list[str]:
        """Contexts of the installed catalogue (from its ``.ts``), for :class:`Retranslator`'s fallback."""
        return list(self._contexts)

    def set_language(self, language: str) -> bool:
        """Install the catalogue for ``language`` (``"en"``: remove any).

        Returns
        -------
        bool
            False if the catalogue is missing or unreadable; English is then used and the reason is
            logged, so a typo in the config never leaves the kiosk without text.
        """
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("a QApplication must exist before translations are installed")
        self._remove(app)
        if language == SOURCE_LANGUAGE:
            return True
        path = qm_path(language, self._directory)
        _set_number_locale(language)
        translator = QTranslator(self)
        if not path.is_file() or not translator.load(str(path)):
            log.error("no usable translation for %r (%s); showing English", language, path)
            translator.deleteLater()
            return False
        app.installTranslator(translator)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
        self._translator = translator
        self._language = language
        self._contexts = ts_contexts(ts_path(language, self._directory))
        log.info("language: %s (%s)", language, path.name)
        return True

    def _remove(self, app: QCoreApplication) -> None:
        if self._translator is not None:
            app.removeTranslator(self._translator)
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
            self._translator.deleteLater()
            self._translator = None
            _set_number_locale(SOURCE_LANGUAGE)
        self._language = SOURCE_LANGUAGE
        self._contexts = []

    def uninstall(self) -> None:
        """Remove the translator (back to English)."""
        app = QCoreApplication.instance()
        if app is not None:
            self._remove(app)


def _class_chain(widget: QObject) -> list[str]:
    """Class names from ``widget`` up its parents (Python classes and their Qt bases), without repeats."""
    names: list[str] = []
    obj: QObject | None = widget
    while obj is not None:
        for cls in type(obj).__mro__:
            name = cls.__name__
            if name in ("Object", "object", "QObject", "QWidget") or name in names:
                continue
            names.append(name)
            if name.startswith("Q"):
                break  # past the app's own classes into Qt's
        obj = obj.parent()
    return names


# A text slot: (widget, getter, setter) e.g. (button, button.text, button.setText).
_Getter = Callable[[], str]
_Setter = Callable[[str], None]


class Retranslator(QObject):
    """Re-translate text set once at construction, see the module docstring.

    Parameters
    ----------
    root : QWidget
        The window; every descendant is covered (widgets created later too, at the next
        :meth:`retranslate` or :meth:`sweep`): buttons, labels, group boxes, tabs, combo box items, spin box
        prefixes and suffixes, tooltips, menus and their actions, and the captions of pyqtgraph views.
    extra_contexts : callable returning an iterable of str, optional
        Contexts tried after the widget's own class chain (e.g. :meth:`LanguageSwitcher.contexts`).
    """

    def __init__(self, root: QWidget, extra_contexts: Callable[[], Iterable[str]] | None = None) -> None:
        super().__init__(root)
        self.setObjectName("kioskRetranslator")
        self._root = root
        self._extra = extra_contexts or (lambda: ())
        # key -> [source text, text last shown, contexts]; keys are (id(object), slot name); the object
        # itself is kept weakly so a destroyed one is simply forgotten.
        self._slots: dict[tuple[int, str], list] = {}
        self._refs: dict[int, weakref.ref] = {}
        self._sources: dict[str, list[str]] = {}

    def _text_slots(self, obj: object) -> list[tuple[str, _Getter, _Setter]]:
        slots: list[tuple[str, _Getter, _Setter]] = []
        if isinstance(obj, QAction):
            if not obj.isSeparator() and obj.menu() is None:  # a submenu's action mirrors the menu's title
                slots.append(("text", obj.text, obj.setText))
            return slots
        if not isinstance(obj, QWidget):  # pyqtgraph: a caption (LabelItem) or an axis title (AxisItem)
            if hasattr(obj, "labelText"):
                slots.append(("label", partial(getattr, obj, "labelText"), obj.setLabel))  # type: ignore[attr-defined]
            else:
                slots.append(("text", partial(getattr, obj, "text"), obj.setText))  # type: ignore[attr-defined]
            return slots
        widget = obj
        if isinstance(widget, QAbstractButton | QLabel):
            slots.append(("text", widget.text, widget.setText))
        elif isinstance(widget, QGroupBox):
            slots.append(("title", widget.title, widget.setTitle))
        elif isinstance(widget, QMenu):
            slots.append(("title", widget.title, widget.setTitle))
        if isinstance(widget, QTabWidget):
            for i in range(widget.count()):
                slots.append((f"tab{i}", partial(widget.tabText, i), partial(widget.setTabText, i)))
        elif isinstance(widget, QComboBox):
            for i in range(widget.count()):
                slots.append((f"item{i}", partial(widget.itemText, i), partial(widget.setItemText, i)))
        elif isinstance(widget, QSpinBox | QDoubleSpinBox):
            slots.append(("prefix", widget.prefix, widget.setPrefix))
            slots.append(("suffix", widget.suffix, widget.setSuffix))
        elif isinstance(widget, QProgressBar):
            slots.append(("format", widget.format, widget.setFormat))
        elif isinstance(widget, QTableWidget):
            for i in range(widget.columnCount()):
                item = widget.horizontalHeaderItem(i)
                if item is not None:
                    slots.append((f"column{i}", item.text, item.setText))
            for i in range(widget.rowCount()):
                item = widget.verticalHeaderItem(i)
                if item is not None:
                    slots.append((f"row{i}", item.text, item.setText))
        if widget.toolTip():
            slots.append(("toolTip", widget.toolTip, widget.setToolTip))
        if widget is self._root:
            slots.append(("windowTitle", widget.windowTitle, widget.setWindowTitle))
        return slots

    def _translate(self, source: str | _Filled, contexts: list[str]) -> str:
        if isinstance(source, _Filled):
            values = dict(source.values)
            text = QCoreApplication.translate(source.context, source.source)
            return _PLACEHOLDER.sub(lambda m: values.get(m.group(0), m.group(0)), text)
        if not source.strip():
            return source
        for context in [*contexts, *self._extra()]:
            text = QCoreApplication.translate(context, source)
            if text != source:
                return text
        return source

    def _widgets(self) -> list[QObject]:
        """The root, its descendants (minus self-translating ones, :data:`SELF_TRANSLATING`), their actions and
        the captions in their pyqtgraph views."""
        children = self._root.findChildren(QWidget)
        skip = [w for w in children if w.property(SELF_TRANSLATING)]
        out: list[QObject] = [self._root]
        widgets = [w for w in children if not any(s is w or s.isAncestorOf(w) for s in skip)]
        out.extend(widgets)
        seen: set[int] = set()
        for action in [*self._root.findChildren(QAction), *(a for w in widgets for a in w.actions())]:
            if id(action) not in seen:
                seen.add(id(action))
                out.append(action)
        out.extend(_graphics_texts(widgets))
        return out

    def _first_sight(self, current: str, chain: list[str]) -> tuple[str | _Filled, list[str]]:
        """The English source of a text seen for the first time: itself, the source it is a translation of,
        or a template it was formatted from."""
        known = _translated_texts().get(current)
        if known is not None:
            return known[1], [known[0], *chain]
        if current not in self._sources:
            filled = _recognise(current)
            if filled is not None:
                return filled, chain
        return current, chain

    def retranslate(self) -> int:
        """Translate every remembered (or newly seen) static text into the current language.

        Returns
        -------
        int
            How many texts were changed.
        """
        changed = 0
        for widget in self._widgets():
            chain: list[str] | None = None
            for name, getter, setter in self._text_slots(widget):
                key = (id(widget), name)
                ref = self._refs.get(id(widget))
                current = getter()
                entry = self._slots.get(key)
                if entry is None or ref is None or ref() is not widget:
                    chain = chain if chain is not None else _class_chain(widget)
                    source, contexts = self._first_sight(current, chain)
                    entry = [source, current, contexts]
                    self._slots[key] = entry
                    self._refs[id(widget)] = weakref.ref(widget)
                    if isinstance(source, str):
                        self._sources.setdefault(source, contexts)
                elif current != entry[1]:
                    if current in self._sources:
                        entry[0], entry[2] = current, self._sources[current]
                    elif current in _translated_texts():
                        context, source = _translated_texts()[current]
                        entry[0], entry[2] = source, [context, *(entry[2] or [])]
                    elif (filled := _recognise(current)) is not None:
                        entry[0] = filled  # the app set a formatted text (in some language)
                    else:
                        entry[0] = entry[1] = current  # the app changed it: a new English source
                        continue
                text = self._translate(entry[0], entry[2])
                if text != current:
                    setter(text)
                    changed += 1
                entry[1] = text
        return changed

    def sweep(self) -> int:
        """Cheap pass after a live update: re-translate texts that are exactly a known English source."""
        if not self._sources:
            return 0
        changed = 0
        for widget in self._widgets():
            for _name, getter, setter in self._text_slots(widget):
                current = getter()
                chain = self._sources.get(current)
                if chain is None:
                    continue
                text = self._translate(current, chain)
                if text != current:
                    setter(text)
                    changed += 1
        return changed


def _graphics_texts(widgets: list[QWidget]) -> list[QObject]:
    """The pyqtgraph captions (``LabelItem``, legend entries included) and titled axes (``AxisItem``) shown in
    any of ``widgets``."""
    try:
        import pyqtgraph as pg
    except ImportError:  # pragma: no cover - pyqtgraph is a dependency
        return []
    found: list[QObject] = []
    for view in widgets:
        if isinstance(view, pg.GraphicsView) and view.scene() is not None:
            for item in view.scene().items():
                if isinstance(item, pg.LabelItem) or (isinstance(item, pg.AxisItem) and item.labelText):
                    found.append(item)
    return found

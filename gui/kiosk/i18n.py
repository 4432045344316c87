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
update (e.g. a "Draw a digit" label set back in English by code that does not call ``tr``).
"""

from __future__ import annotations

import logging
import weakref
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QLabel,
    QSpinBox,
    QTabWidget,
    QWidget,
)

from convlens.gui import ASSETS_DIR

__all__ = [
    "SELF_TRANSLATING",
    "SOURCE_LANGUAGE",
    "TRANSLATIONS_DIR",
    "LanguageSwitcher",
    "Retranslator",
    "available_languages",
    "qm_path",
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
        :meth:`retranslate` or :meth:`sweep`).
    extra_contexts : callable returning an iterable of str, optional
        Contexts tried after the widget's own class chain (e.g. :meth:`LanguageSwitcher.contexts`).
    """

    def __init__(self, root: QWidget, extra_contexts: Callable[[], Iterable[str]] | None = None) -> None:
        super().__init__(root)
        self.setObjectName("kioskRetranslator")
        self._root = root
        self._extra = extra_contexts or (lambda: ())
        # key -> [source text, text last shown, contexts]; keys are (id(widget), slot name); the widget
        # itself is kept weakly so a destroyed widget is simply forgotten.
        self._slots: dict[tuple[int, str], list] = {}
        self._refs: dict[int, weakref.ref] = {}
        self._sources: dict[str, list[str]] = {}

    def _text_slots(self, widget: QWidget) -> list[tuple[str, _Getter, _Setter]]:
        slots: list[tuple[str, _Getter, _Setter]] = []
        if isinstance(widget, QAbstractButton | QLabel):
            slots.append(("text", widget.text, widget.setText))
        elif isinstance(widget, QGroupBox):
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
        if widget.toolTip():
            slots.append(("toolTip", widget.toolTip, widget.setToolTip))
        if widget is self._root:
            slots.append(("windowTitle", widget.windowTitle, widget.setWindowTitle))
        return slots

    def _translate(self, source: str, contexts: list[str]) -> str:
        if not source.strip():
            return source
        for context in [*contexts, *self._extra()]:
            text = QCoreApplication.translate(context, source)
            if text != source:
                return text
        return source

    def _widgets(self) -> list[QWidget]:
        """The root and its descendants, minus self-translating widgets (:data:`SELF_TRANSLATING`)."""
        skip = [w for w in self._root.findChildren(QWidget) if w.property(SELF_TRANSLATING)]
        out = [self._root]
        for widget in self._root.findChildren(QWidget):
            if not any(s is widget or s.isAncestorOf(widget) for s in skip):
                out.append(widget)
        return out

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
                    entry = [current, current, chain]
                    self._slots[key] = entry
                    self._refs[id(widget)] = weakref.ref(widget)
                    self._sources.setdefault(current, chain)
                elif current != entry[1]:
                    if current in self._sources:
                        entry[0], entry[2] = current, self._sources[current]
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

"""The exports without a window: ``convlens handout`` and ``convlens figure`` (an image file in, a file out).

The command line has no explorer window: :func:`read_digit` reads an image file the way ``convlens predict`` does
(MNIST-style 28x28), :class:`Reading` runs the model on it through the window's own controller (no widget), and
:func:`write_handout` / :func:`write_figure` write the handout or one panel drawn offscreen (the panel built on its
own, given the reading, laid out without being shown). A QApplication must exist (``gui.app.make_application``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QMessageLogContext, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from convlens.engine.preprocess import load_image_file
from convlens.gui.controller import Controller, LiveResult, ModelInfo
from convlens.gui.export.figures import CLI_PANELS, FIGURE_TITLES, export_figure, figure_format, translate_title
from convlens.gui.export.handout import write_handout_pdf
from convlens.gui.kiosk.i18n import LanguageSwitcher
from convlens.gui.style import build_palette, get_theme
from convlens.services.handout import Handout, build_handout

__all__ = ["FIGURE_SIZES", "Reading", "read_digit", "write_figure", "write_handout"]

FIGURE_SIZES: dict[str, tuple[int, int]] = {
    "filters": (960, 560),
    "maps": (960, 620),
    "probabilities": (640, 240),
    "input": (300, 0),
}
"""The size (logical pixels) each panel is laid out at for ``convlens figure`` (height 0: the panel's own)."""


_PLATFORM_NOISE = ("This plugin does not support",)
"""Warnings of the offscreen platform about window-manager features it lacks (harmless here)."""


@contextlib.contextmanager
def _quiet_platform() -> Iterator[None]:
    """Drop the offscreen platform's "does not support" warnings while a panel is laid out; others go to stderr."""

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if not message.startswith(_PLATFORM_NOISE):
            sys.stderr.write(message + "\n")

    previous: Any = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def read_digit(path: str | Path) -> np.ndarray:
    """An image file as the network's 28x28 input (as ``convlens predict`` reads it).

    Raises
    ------
    ValueError
        Not an image, too large, or no digit in it (the message names the file).
    """
    return load_image_file(path)


@dataclass
class Reading:
    """A model and its reading of one digit.

    Parameters
    ----------
    image28 : ndarray
        The network input, (28, 28) in [0, 1].
    model_path : str or Path, optional
        The model (default: the shipped one).

    Raises
    ------
    ValueError, OSError
        The model cannot be opened or used (from :class:`~gui.controller.Controller`).
    """

    image28: np.ndarray
    model_path: str | Path | None = None

    def __post_init__(self) -> None:
        self.controller = Controller(self.model_path)
        if self.model_path is None and self.controller.load_error is not None:
            raise ValueError(f"the shipped model could not be opened: {self.controller.load_error}")
        self.result: LiveResult = self.controller.predict_image28(np.asarray(self.image28, dtype=np.float32))
        self.info: ModelInfo = self.controller.current_model_info()

    def handout(self) -> Handout:
        """The handout of this reading."""
        model = self.controller.model
        kinds = {layer.name: layer.kind for layer in model.layer_infos()} if model is not None else {}
        image = self.result.image28 if self.result.image28 is not None else self.image28
        return build_handout(
            image,
            self.result.probs,
            filters=self.info.filters,
            metadata=self.info.metadata,
            shapes=self.info.shapes,
            kinds=kinds,
            model_name=self.info.path.name if self.info.path is not None else "",
        )


def write_handout(reading: Reading, out: str | Path, language: str = "en") -> int:
    """Write the handout of ``reading`` as a PDF in ``language``; returns the number of pages.

    Raises
    ------
    OSError
        ``out`` cannot be written (nothing is left behind).
    """
    switcher = LanguageSwitcher()
    try:
        switcher.set_language(language)
        return write_handout_pdf(reading.handout(), out, language=language)
    finally:
        switcher.uninstall()
        switcher.deleteLater()


def _panel(name: str, reading: Reading, theme_name: str) -> tuple[QWidget, QWidget]:
    """The panel ``name`` built on its own and fed ``reading``: (the panel, the widget to export)."""
    from convlens.gui.panels.feature_maps import FeatureMapsPanel
    from convlens.gui.panels.filters import FiltersPanel
    from convlens.gui.panels.network_input import NetworkInputPanel
    from convlens.gui.panels.probabilities import ProbabilitiesPanel

    theme = get_theme(theme_name)
    if name == "filters":
        filters = FiltersPanel(theme)
        filters.set_model(reading.info)
        return filters, filters.view
    if name == "maps":
        maps = FeatureMapsPanel(theme)
        maps.set_model(reading.info)
        maps.update_result(reading.result)
        return maps, maps.view
    if name == "probabilities":
        probabilities = ProbabilitiesPanel(theme)
        probabilities.update_result(reading.result)
        return probabilities, probabilities
    if name == "input":
        network_input = NetworkInputPanel(theme)
        network_input.update_result(reading.result)
        return network_input, network_input
    raise ValueError(f"no panel {name!r}; choose one of {', '.join(CLI_PANELS)}")


def write_figure(reading: Reading, panel: str, out: str | Path, theme: str = "light", language: str = "en") -> Path:
    """Draw ``panel`` (one of :data:`~gui.export.figures.CLI_PANELS`) of ``reading`` offscreen into ``out``.

    Raises
    ------
    ValueError
        An unknown panel, or ``out`` is neither .png nor .svg.
    OSError
        ``out`` cannot be written (nothing is left behind).
    """
    figure_format(out)  # before any work
    switcher = LanguageSwitcher()
    host = QWidget()
    host.setObjectName("figureHost")
    host.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    try:
        switcher.set_language(language)
        palette = build_palette(get_theme(theme))
        host.setPalette(palette)
        host.setAutoFillBackground(True)
        widget, target = _panel(panel, reading, theme)
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(widget)
        width, height = FIGURE_SIZES[panel]
        host.resize(width, height or host.sizeHint().height())
        with _quiet_platform():
            host.show()  # laid out, never on screen
            QApplication.processEvents()
        if panel == "maps":  # the reading again, now that the grids have their size
            widget.update_result(reading.result)  # type: ignore[attr-defined]
            QApplication.processEvents()
        return export_figure(target, out, title=translate_title(FIGURE_TITLES[panel]))
    finally:
        host.hide()
        host.deleteLater()
        switcher.uninstall()
        switcher.deleteLater()

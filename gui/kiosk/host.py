"""What the kiosk needs from the window it locks down: the :class:`KioskHost` protocol.

The kiosk (:mod:`gui.kiosk.controller`) uses the window as a ``QMainWindow`` (flags, full-screen, menu bar,
child widgets and actions, events) and, beyond that, exactly the members listed here.
``gui.window.ExplorerWindow`` implements them; nothing else of the window is reached by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from PySide6.QtWidgets import QPushButton, QTabWidget, QToolBar

    from convlens.gui.canvas import DrawingCanvas
    from convlens.gui.controller import Controller

__all__ = ["KioskHost"]


@runtime_checkable
class KioskHost(Protocol):
    """The explorer-window API the kiosk uses (besides the window being a ``QMainWindow``).

    Attributes
    ----------
    kiosk : bool
        Set to True by :func:`gui.kiosk.setup_kiosk`.
    canvas : DrawingCanvas
        Cleared after the idle timeout and on a reset; the attract loop draws on it; the admin corner overlay
        is anchored to it.
    controller : Controller
        Its ``predictionChanged`` / ``modelChanged`` signals re-sweep translated texts; :meth:`Controller.has_model`
        decides the canvas hint.
    sideTabs : QTabWidget
        Back to the first tab on a reset.
    toolBar : QToolBar
        Hidden when training is forbidden (nothing useful is left on it), else gets the admin corner spacer.
    openButton, trainButton : QPushButton
        Hidden in kiosk mode (the Train button only when training is forbidden).
    """

    kiosk: bool

    @property
    def canvas(self) -> DrawingCanvas: ...

    @property
    def controller(self) -> Controller: ...

    @property
    def sideTabs(self) -> QTabWidget: ...

    @property
    def toolBar(self) -> QToolBar: ...

    @property
    def openButton(self) -> QPushButton: ...

    @property
    def trainButton(self) -> QPushButton: ...

    def clear_drawing(self) -> None:
        """End any stroke in progress and clear the canvas."""
        ...

    def training_running(self) -> bool:
        """Whether a training run is in progress in the window's training tab (visitors are watching it)."""
        ...

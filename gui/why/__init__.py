"""See why (issue #16): where the network looks, which feature maps decided, what each filter wants to see,
teaching it with one step and fooling it. The Qt-free parts are in :mod:`convlens.services.explain`,
:mod:`~convlens.services.visualize`, :mod:`~convlens.services.teach` and :mod:`~convlens.services.fool`.

:func:`install_why` adds the "Why?" tab (:class:`~gui.why.panel.WhyPanel`) to an explorer window.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QWidget

from convlens.gui.why.panel import WhyHost, WhyPanel

__all__ = ["WhyHost", "WhyPanel", "install_why"]


class _TabHost(WhyHost, Protocol):
    def add_tab(self, widget: QWidget, title: str) -> int: ...


def install_why(window: _TabHost) -> WhyPanel:
    """Build the "Why?" tab, add it next to the window's other tabs and return it."""
    panel = WhyPanel(window)
    window.add_tab(panel, "")
    panel.retranslate_ui()
    return panel

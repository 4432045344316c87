"""Touch-first sizing: every control a finger must hit is at least :data:`MIN_TOUCH_PX` on a side.

A QProxyStyle rather than a style sheet: a style sheet on the window makes Qt drop the theme's palette for
every styled widget (light buttons on the dark theme), while the proxy only changes sizes, so it keeps the
look and also covers widgets created later (the training tab, dialogs).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtGui import QInputDevice
from PySide6.QtWidgets import QProxyStyle, QStyle

__all__ = ["MIN_TOUCH_PX", "TouchStyle", "touch_screen_present"]

MIN_TOUCH_PX = 48
"""Smallest side of anything a finger must hit."""


class TouchStyle(QProxyStyle):
    """The app's style with touch-sized controls: every button, box, tab and field at least 48 px.

    A proxy style rather than a style sheet: a style sheet on the window makes Qt drop the theme's
    palette for every styled widget (light buttons on the dark theme), while the proxy only changes
    sizes, so it also covers widgets created later (the training tab, dialogs).
    """

    _HEIGHT_ONLY = frozenset(
        {
            QStyle.ContentsType.CT_ComboBox,
            QStyle.ContentsType.CT_SpinBox,
            QStyle.ContentsType.CT_LineEdit,
            QStyle.ContentsType.CT_CheckBox,
            QStyle.ContentsType.CT_RadioButton,
        }
    )
    _SQUARE = frozenset({QStyle.ContentsType.CT_PushButton, QStyle.ContentsType.CT_ToolButton})
    _METRICS = {
        QStyle.PixelMetric.PM_IndicatorWidth: 28,
        QStyle.PixelMetric.PM_IndicatorHeight: 28,
        QStyle.PixelMetric.PM_ExclusiveIndicatorWidth: 28,
        QStyle.PixelMetric.PM_ExclusiveIndicatorHeight: 28,
        QStyle.PixelMetric.PM_ScrollBarExtent: 28,
        QStyle.PixelMetric.PM_SliderThickness: MIN_TOUCH_PX,
        QStyle.PixelMetric.PM_SliderLength: 36,
    }

    def sizeFromContents(self, kind: Any, option: Any, size: QSize, widget: Any = None) -> QSize:  # noqa: N802
        out = super().sizeFromContents(kind, option, size, widget)
        if kind in self._SQUARE:
            return out.expandedTo(QSize(MIN_TOUCH_PX, MIN_TOUCH_PX))
        if kind in self._HEIGHT_ONLY:
            return out.expandedTo(QSize(0, MIN_TOUCH_PX))
        if kind == QStyle.ContentsType.CT_TabBarTab:
            return out.expandedTo(QSize(2 * MIN_TOUCH_PX, MIN_TOUCH_PX))
        return out

    def pixelMetric(self, metric: Any, option: Any = None, widget: Any = None) -> int:  # noqa: N802
        value = self._METRICS.get(metric)
        base = super().pixelMetric(metric, option, widget)
        return base if value is None else max(base, value)


def touch_screen_present() -> bool:
    """Whether Qt sees a touch screen (``QInputDevice.devices()``)."""
    return any(d.type() == QInputDevice.DeviceType.TouchScreen for d in QInputDevice.devices())

"""Dark and light themes: one :class:`Theme` record per look, turned into a QPalette for the widgets.

Panels take the :class:`Theme` (plain colours) and restyle their pyqtgraph items themselves; the
widgets get a Fusion-friendly QPalette from :func:`build_palette`.  The default is dark.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette, QPen
from PySide6.QtWidgets import QWidget

__all__ = [
    "APP_STYLE",
    "DEFAULT_THEME",
    "PRESENTER_LINE_SCALE",
    "PRESENTER_SCALE",
    "THEMES",
    "Theme",
    "apply_application_theme",
    "build_palette",
    "get_theme",
    "presenter_line_scale",
    "presenter_scale",
    "refresh_presenter",
    "release_presenter",
    "rgba",
    "set_presenter_mode",
    "theme_style_sheet",
    "widget_style_name",
]


APP_STYLE = "Fusion"
"""The Qt widget style the app uses everywhere (the same look on every desktop)."""


def widget_style_name() -> str:
    """The name of the widget style in use, seen through Qt's style-sheet wrapper.

    While an application style sheet is set, ``QApplication.style()`` is Qt's internal style-sheet style, whose
    ``name()`` is empty: the app's own :data:`APP_STYLE` is the style underneath.
    """
    from PySide6.QtWidgets import QApplication

    return QApplication.style().name() or APP_STYLE


@dataclass(frozen=True)
class Theme:
    """Colours of one look, as ``#rrggbb`` strings.

    Attributes
    ----------
    name : str
        ``"dark"`` or ``"light"``.
    window, base, text, muted, accent, highlight_text : str
        Window background, panel/plot background, main text, secondary text, accent (selection,
        winning bar), text on the accent.
    bar : str
        Colour of the non-winning probability bars.
    warning : str
        Colour of the low-confidence hint.
    tile_gap : str
        Colour of the gaps between feature maps (the maps are black where nothing fires).
    filter_gap : str
        Colour of the gaps between filters (must stand out from the white of a zero weight).
    canvas_border : str
        Border around the drawing canvas.
    """

    name: str
    window: str
    base: str
    text: str
    muted: str
    accent: str
    highlight_text: str
    bar: str
    warning: str
    tile_gap: str
    filter_gap: str
    canvas_border: str


THEMES: dict[str, Theme] = {
    "dark": Theme(
        name="dark",
        window="#1e2127",
        base="#16181d",
        text="#e6e6e6",
        muted="#9aa0aa",
        accent="#4cc2ff",
        highlight_text="#0b0d10",
        bar="#5a6270",
        warning="#ffb347",
        tile_gap="#2b2f37",
        filter_gap="#2b2f37",
        canvas_border="#4a505c",
    ),
    "light": Theme(
        name="light",
        window="#f2f3f5",
        base="#ffffff",
        text="#1b1d21",
        muted="#5d636e",
        accent="#0a6cc4",
        highlight_text="#ffffff",
        bar="#aab1bd",
        warning="#b35c00",
        tile_gap="#c9cdd4",
        filter_gap="#6b717c",
        canvas_border="#8a909b",
    ),
}
DEFAULT_THEME = "dark"


def get_theme(name: str) -> Theme:
    """The theme called ``name``; raises ValueError for unknown names."""
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}; choose one of {sorted(THEMES)}") from None


def rgba(colour: str, alpha: int = 255) -> tuple[int, int, int, int]:
    """``#rrggbb`` -> ``(r, g, b, alpha)`` ints in [0, 255]."""
    c = QColor(colour)
    return (c.red(), c.green(), c.blue(), int(alpha))


def build_palette(theme: Theme) -> QPalette:
    """A QPalette for ``theme`` (meant for the Fusion style, which honours every role)."""
    p = QPalette()
    window, base, text = QColor(theme.window), QColor(theme.base), QColor(theme.text)
    muted, accent = QColor(theme.muted), QColor(theme.accent)
    button = window.lighter(125) if theme.name == "dark" else window.darker(104)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.Window, window)
        p.setColor(group, QPalette.ColorRole.WindowText, text)
        p.setColor(group, QPalette.ColorRole.Base, base)
        p.setColor(group, QPalette.ColorRole.AlternateBase, button)
        p.setColor(group, QPalette.ColorRole.Text, text)
        p.setColor(group, QPalette.ColorRole.Button, button)
        p.setColor(group, QPalette.ColorRole.ButtonText, text)
        p.setColor(group, QPalette.ColorRole.ToolTipBase, base)
        p.setColor(group, QPalette.ColorRole.ToolTipText, text)
        p.setColor(group, QPalette.ColorRole.PlaceholderText, muted)
        p.setColor(group, QPalette.ColorRole.Highlight, accent)
        p.setColor(group, QPalette.ColorRole.HighlightedText, QColor(theme.highlight_text))
        p.setColor(group, QPalette.ColorRole.Link, accent)
        p.setColor(group, QPalette.ColorRole.BrightText, QColor(theme.warning))
    disabled = QPalette.ColorGroup.Disabled
    p.setColor(disabled, QPalette.ColorRole.Window, window)
    p.setColor(disabled, QPalette.ColorRole.Base, base)
    p.setColor(disabled, QPalette.ColorRole.Button, button)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(disabled, role, muted)
    return p


# -- check boxes and radio buttons -----------------------------------------------------------------------------
# Fusion draws their indicators with the Base colour inside a Window.darker(140) outline: on the dark theme that
# is a near-black ring on a near-black window (contrast about 1.1:1, "nearly invisible"). The style sheet below
# gives them the theme's muted text colour as outline (about 6:1 on dark, 5:1 on light) and the accent colour
# when checked. A round radio button needs a known size for its corner radius: INDICATOR_PX. The check mark
# is a small SVG written once per process to a temporary folder (a style sheet cannot draw one, and a file
# shipped in the package would need its own package-data entry).

_CHECK_SVG = (
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
    "<path d='M3.2 8.4 L6.6 11.6 L12.8 4.6' fill='none' stroke='{colour}' stroke-width='2.4' "
    "stroke-linecap='round' stroke-linejoin='round'/></svg>"
)
_indicator_dir: str | None = None
INDICATOR_PX = 16
"""Side of a check box or radio button indicator inside its 2 px outline."""


def _check_mark(colour: str) -> str:
    """Path (forward slashes) of an SVG check mark in ``colour``, written on first use."""
    global _indicator_dir
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    if _indicator_dir is None or not Path(_indicator_dir).is_dir():
        _indicator_dir = tempfile.mkdtemp(prefix="convlens-theme-")
        atexit.register(shutil.rmtree, _indicator_dir, True)
    path = Path(_indicator_dir) / f"check-{colour.lstrip('#')}.svg"
    if not path.is_file():
        path.write_text(_CHECK_SVG.format(colour=colour), encoding="utf-8")
    return path.as_posix()


def theme_style_sheet(theme: Theme) -> str:
    """The application style sheet of ``theme``: visible check box and radio button indicators."""
    outline, accent, fill = theme.muted, theme.accent, theme.base
    disabled = QColor(theme.muted).darker(160 if theme.name == "dark" else 80).name()
    check = _check_mark(theme.highlight_text)
    return (
        "QCheckBox::indicator, QRadioButton::indicator {"
        f" width: {INDICATOR_PX}px; height: {INDICATOR_PX}px; border: 2px solid {outline}; background: {fill}; }}\n"
        f"QRadioButton::indicator {{ border-radius: {INDICATOR_PX // 2 + 2}px; }}\n"
        "QCheckBox::indicator { border-radius: 3px; }\n"
        "QCheckBox::indicator:hover, QRadioButton::indicator:hover { border-color: "
        f"{accent}; }}\n"
        f"QCheckBox::indicator:checked {{ background: {accent}; border-color: {accent}; image: url({check}); }}\n"
        "QRadioButton::indicator:checked { border-color: "
        f"{accent}; background: qradialgradient(cx:0.5, cy:0.5, radius:0.5, fx:0.5, fy:0.5, stop:0 {accent}, "
        f"stop:0.45 {accent}, stop:0.55 {fill}, stop:1 {fill}); }}\n"
        "QCheckBox::indicator:disabled, QRadioButton::indicator:disabled { border-color: "
        f"{disabled}; }}\n"
    )


def apply_application_theme(theme: Theme, window: QWidget | None = None) -> None:
    """Make ``theme`` the application's: its palette (top-level windows such as message boxes and dialogs do not
    inherit a window's palette), ``window``'s palette and :func:`theme_style_sheet`. A QApplication must exist.

    The order matters. While an application style sheet is set, Qt's style-sheet style gives every widget it
    polishes the palette it has at that moment as its own, and gives back the one it saved when the sheet is
    removed or changed; a palette set in between never reaches those widgets (the light theme showed pale text
    on a pale window). So: remove the sheet, set the palettes, set the sheet again.
    """
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("a QApplication must exist")
    # Style sheets propagate like palettes and fonts (Qt's default gives every polished widget a palette and a
    # font of its own, which stops the window's presenter-mode font and the theme's palette from reaching it).
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_UseStyleSheetPropagationInWidgetStyles, True)
    palette = build_palette(theme)
    if app.styleSheet():
        app.setStyleSheet("")
    QApplication.setPalette(palette)
    if window is not None:
        window.setPalette(palette)
    app.setStyleSheet(theme_style_sheet(theme))


# -- presenter mode ------------------------------------------------------------------------------------------------
# Larger type and thicker lines for a projector at the back of a classroom: the desktop's View > Presenter mode,
# `convlens --presenter`, `create_window(presenter=True)` and the kiosk's `presenter_mode = true` all call
# set_presenter_mode(). Type: the window's font, every font a widget set for itself (captions, the big digit),
# the application font (menus, tooltips, message boxes, and pyqtgraph captions made later follow it) and the
# pyqtgraph texts already shown. Lines: pyqtgraph axes, curves, markers and outlines. The drawing canvas keeps
# its pen: its width is the one the network was trained for.

PRESENTER_SCALE = 1.5
"""Type size in presenter mode relative to the normal size (9 pt -> 13.5 pt)."""
PRESENTER_LINE_SCALE = 2.0
"""Width of plot lines (axes, curves, markers, outlines) in presenter mode relative to the normal width."""
_SCALE_PROPERTY = "presenterScale"
_base_font: QFont | None = None
_presenter_windows: dict[int, float] = {}


def presenter_scale(widget: QWidget | None = None) -> float:
    """The presenter type scale of ``widget``'s window: :data:`PRESENTER_SCALE` when presenter mode is on, else 1."""
    if widget is None:
        return 1.0
    value = widget.window().property(_SCALE_PROPERTY)
    return float(value) if isinstance(value, int | float) and value > 0 else 1.0


def presenter_line_scale(widget: QWidget | None = None) -> float:
    """The presenter line-width scale of ``widget``'s window (:data:`PRESENTER_LINE_SCALE` when on, else 1)."""
    return PRESENTER_LINE_SCALE if presenter_scale(widget) > 1.0 else 1.0


def _font_size(font: QFont) -> float:
    return font.pointSizeF() if font.pointSizeF() > 0 else float(font.pixelSize())


def _scaled_font(font: QFont, factor: float) -> QFont:
    scaled = QFont(font)
    if font.pointSizeF() > 0:
        scaled.setPointSizeF(font.pointSizeF() * factor)
    elif font.pixelSize() > 0:
        scaled.setPixelSize(max(1, int(round(font.pixelSize() * factor))))
    return scaled


def _application_base_font() -> QFont:
    """The application font without presenter scaling (recorded the first time presenter code runs)."""
    global _base_font
    if _base_font is None:
        _base_font = QFont(QGuiApplication.font())
    return QFont(_base_font)


def _apply_application_font() -> None:
    """The application font follows the largest scale of any window in presenter mode (1 when none is)."""
    scale = max(_presenter_windows.values(), default=1.0)
    QGuiApplication.setFont(_scaled_font(_application_base_font(), scale))


def _forget_window(key: int) -> None:
    if _presenter_windows.pop(key, None) is not None:
        _apply_application_font()


def release_presenter(window: QWidget) -> None:
    """The window is closing: give the application font back (its own fonts stay as they are)."""
    _forget_window(id(window))


def _explicit_fonts(window: QWidget) -> list[tuple[QWidget, QFont]]:
    """Descendants that set a font of their own, with that font (before the window's font changes). Those that set
    a size (not just bold or a family) do not follow the window's font: :func:`set_presenter_mode` scales them."""
    return [
        (widget, QFont(widget.font()))
        for widget in window.findChildren(QWidget)
        if widget.testAttribute(Qt.WidgetAttribute.WA_SetFont)
    ]


def _graphics_views(window: QWidget) -> list:
    import pyqtgraph as pg

    return [v for v in window.findChildren(pg.GraphicsView) if v.scene() is not None]


def set_presenter_mode(window: QWidget, on: bool, scale: float = PRESENTER_SCALE) -> None:
    """Switch presenter mode of ``window`` (a top-level widget) on or off; safe to call again.

    Parameters
    ----------
    window : QWidget
        The explorer window (or any top-level widget).
    on : bool
        Larger type (``scale``) and thicker plot lines (:data:`PRESENTER_LINE_SCALE`) when True.
    scale : float
        Type size relative to normal.

    Notes
    -----
    The window's font is set explicitly even when presenter mode is off, so another window in presenter mode
    (which scales the application font) leaves this one's type alone.
    """
    from PySide6.QtWidgets import QGraphicsTextItem, QMenu

    for menu in window.findChildren(QMenu):  # pop-up windows: they follow the window's font only when told to
        menu.setAttribute(Qt.WidgetAttribute.WA_WindowPropagation, True)
    old = presenter_scale(window)
    new = float(scale) if on else 1.0
    explicit = _explicit_fonts(window)  # before the window's font changes
    font = QFont(window.font())
    size = _application_base_font()
    if size.pointSizeF() > 0:
        font.setPointSizeF(size.pointSizeF() * new)
    else:
        font.setPixelSize(max(1, int(round(size.pixelSize() * new))))
    window.setFont(font)
    window.setProperty(_SCALE_PROPERTY, new)
    ratio = new / old
    if abs(ratio - 1.0) > 1e-9:
        for widget, own in explicit:
            # Scaled when its size did not follow the window's. Not "when its size differs from its parent's": a
            # font of the parent's size set for its family (the filters' fixed-width numbers) stayed behind when
            # presenter mode went on, then differed, and shrank below normal when it went off again.
            if abs(_font_size(widget.font()) - _font_size(own)) <= 1e-6:
                widget.setFont(_scaled_font(own, ratio))
        for view in _graphics_views(window):
            for item in view.scene().items():
                if isinstance(item, QGraphicsTextItem):
                    item.setFont(_scaled_font(item.font(), ratio))
    key = id(window)
    if on:
        if key not in _presenter_windows:
            window.destroyed.connect(lambda *_: _forget_window(key))
        _presenter_windows[key] = new
        _apply_application_font()
    else:
        _forget_window(key)
    refresh_presenter(window)


def _record(item: object, name: str, current: float) -> float:
    """The normal value of an item's property: what presenter mode last found there, unless the owner reset it
    since (a theme switch sets the axis pens again), in which case the new value is the normal one."""
    table: dict[str, tuple[float, float]] = item.__dict__.setdefault("_presenter_normal", {})
    normal, applied = table.get(name, (current, current))
    if abs(current - applied) > 1e-6:
        normal = current
    return normal


def _store(item: object, name: str, normal: float, applied: float) -> None:
    item.__dict__.setdefault("_presenter_normal", {})[name] = (normal, applied)


def refresh_presenter(window: QWidget) -> None:
    """Apply presenter mode's plot styling to pyqtgraph items made since (a rebuilt panel, a theme switch): axis
    pens, tick fonts and reserved widths, curve and marker pens, outlines, caption sizes. Idempotent."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QAbstractGraphicsShapeItem

    scale = presenter_scale(window)
    lines = presenter_line_scale(window)

    def pen_width(item: object, name: str, pen: QPen) -> QPen | None:
        current = pen.widthF()
        normal = _record(item, name, current)
        wanted = max(normal, 1.0) * lines if lines > 1.0 else normal
        _store(item, name, normal, wanted)
        if abs(wanted - current) <= 1e-6:
            return None
        pen = QPen(pen)
        pen.setWidthF(wanted)
        return pen

    for view in _graphics_views(window):
        tick_font = QFont(view.font()) if scale > 1.0 else None
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                pen = pen_width(item, "pen", item.pen())
                if pen is not None:
                    item.setPen(pen)
                if item.style.get("tickFont") != tick_font:
                    item.setTickFont(tick_font)
                for attr, setter in (("fixedWidth", item.setWidth), ("fixedHeight", item.setHeight)):
                    fixed = getattr(item, attr, None)
                    if fixed is not None:
                        normal = _record(item, attr, float(fixed))
                        _store(item, attr, normal, round(normal * scale))
                        if round(normal * scale) != fixed:
                            setter(int(round(normal * scale)))
            elif isinstance(item, pg.PlotDataItem):
                if item.opts.get("pen") is not None:
                    pen = pen_width(item, "pen", pg.mkPen(item.opts["pen"]))
                    if pen is not None:
                        item.setPen(pen)
                if item.opts.get("symbol") is not None and item.opts.get("symbolSize"):
                    current = float(item.opts["symbolSize"])
                    normal = _record(item, "symbolSize", current)
                    _store(item, "symbolSize", normal, normal * scale)
                    if abs(normal * scale - current) > 1e-6:
                        item.setSymbolSize(normal * scale)
            elif isinstance(item, pg.ScatterPlotItem) and not isinstance(item.parentItem(), pg.PlotDataItem):
                pen = pen_width(item, "pen", pg.mkPen(item.opts["pen"]))
                if pen is not None:
                    item.setPen(pen)
            elif isinstance(item, pg.LabelItem) and "size" in item.opts:
                text = str(item.opts["size"])
                number = float(text.rstrip("ptx") or 0)
                unit = text[len(text.rstrip("ptx")):] or "pt"
                normal = _record(item, "size", number)
                _store(item, "size", normal, normal * scale)
                if abs(normal * scale - number) > 1e-6:
                    item.setText(item.text, size=f"{normal * scale:g}{unit}")
            elif isinstance(item, QAbstractGraphicsShapeItem) and not isinstance(item, pg.GraphicsObject):
                pen = pen_width(item, "pen", item.pen())  # e.g. the outline of a selected map or filter
                if pen is not None:
                    item.setPen(pen)
        for legend in (i for i in view.scene().items() if isinstance(i, pg.LegendItem)):
            text = str(legend.opts.get("labelTextSize", "9pt"))
            number = float(text.rstrip("ptx") or 9)
            normal = _record(legend, "labelTextSize", number)
            _store(legend, "labelTextSize", normal, normal * scale)
            legend.opts["labelTextSize"] = f"{normal * scale:g}pt"

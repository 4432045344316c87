"""Dark and light themes: one :class:`Theme` record per look, turned into a QPalette for the widgets.

Panels take the :class:`Theme` (plain colours) and restyle their pyqtgraph items themselves; the
widgets get a Fusion-friendly QPalette from :func:`build_palette`.  The default is dark.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette

__all__ = ["DEFAULT_THEME", "THEMES", "Theme", "build_palette", "get_theme", "rgba"]


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

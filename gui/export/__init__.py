"""Exports: figures of the panels (PNG, SVG) and the lesson handout (PDF), from the window and the command line.

* :mod:`gui.export.figures` -- one panel as a PNG or SVG file (pyqtgraph's exporters, or ``QSvgGenerator``);
* :mod:`gui.export.handout` -- the lesson handout, one page per Learn step (``QPdfWriter``);
* :mod:`gui.export.page` -- drawing printed pages (text, grids of numbers, pictures, tables);
* :mod:`gui.export.menus` -- File > Export figure… / Export lesson… and the panels' "Export figure…" entry;
* :mod:`gui.export.offscreen` -- the same exports without a window (``convlens figure`` / ``convlens handout``).
"""

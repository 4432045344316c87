"""Kiosk mode: full-screen, touch-first, unattended (issue 7).

The lead wires it with one call after building the window::

    from convlens.gui.kiosk import setup_kiosk
    window = create_window(model_path, kiosk=True)
    kiosk = setup_kiosk(window, config_path)   # config_path None -> user config dir
    window.show()                              # shows full-screen

or, when the training tab must know ``allow_training`` first::

    loaded = load_config(config_path)
    install_training(window, allow_training=loaded.config.allow_training)
    kiosk = setup_kiosk(window, config=loaded)

Modules: :mod:`~gui.kiosk.config` (TOML settings, PIN hashing), :mod:`~gui.kiosk.controller` (window
lock-down, admin exit), :mod:`~gui.kiosk.pin` (PIN pad), :mod:`~gui.kiosk.idle` (idle timer, attract
loop), :mod:`~gui.kiosk.recovery` (crash log and reset), :mod:`~gui.kiosk.i18n` (translations).
Nothing is imported eagerly, so ``python -m gui.kiosk.config`` needs no display (and no Qt).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from convlens.gui.kiosk.config import KioskConfig, LoadedConfig, hash_pin, load_config, verify_pin
    from convlens.gui.kiosk.controller import KioskController
    from convlens.gui.kiosk.host import KioskHost

__all__ = ["KioskConfig", "LoadedConfig", "hash_pin", "load_config", "setup_kiosk", "verify_pin"]

_FROM_CONFIG = frozenset({"KioskConfig", "LoadedConfig", "hash_pin", "load_config", "verify_pin"})


def __getattr__(name: str) -> Any:
    """Lazy re-exports from :mod:`gui.kiosk.config` (so ``python -m gui.kiosk.config`` runs cleanly)."""
    if name in _FROM_CONFIG:
        # getattr is the point here: a lazy module attribute (PEP 562), not probing an object's interface.
        return getattr(importlib.import_module("convlens.gui.kiosk.config"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def setup_kiosk(
    window: KioskHost,
    config_path: str | Path | None = None,
    *,
    config: KioskConfig | LoadedConfig | None = None,
    log_dir: str | Path | None = None,
    attract_options: dict[str, Any] | None = None,
) -> KioskController:
    """Load the kiosk config and turn ``window`` into a kiosk.

    Parameters
    ----------
    window : KioskHost
        The ``ExplorerWindow`` from ``gui.app.create_window`` (shown or not; if not, ``show()`` shows it
        full-screen): a ``QMainWindow`` with the :class:`~gui.kiosk.host.KioskHost` members.
    config_path : str or Path, optional
        TOML file (``convlens kiosk --config PATH``); default ``user_config_dir("convlens")/kiosk.toml``.
        A missing or broken file gives safe defaults and logged error messages, never an exception.
    config : KioskConfig or LoadedConfig, optional
        Use these settings instead of reading a file: a :class:`KioskConfig` (tests, scripts) or what
        :func:`load_config` returned (its error messages are kept), e.g. when the caller needed
        ``allow_training`` before building the training tab.
    log_dir : str or Path, optional
        Rotating crash log directory; default ``user_data_dir("convlens")/logs``.
    attract_options : dict, optional
        Extra :class:`gui.kiosk.idle.AttractLoop` arguments (drawing speed, pause, seed).

    Returns
    -------
    KioskController
        Applied; a child of the window.  A controller set up earlier on the same window is shut down and
        replaced.
    """
    from convlens.gui.kiosk.config import LoadedConfig, load_config
    from convlens.gui.kiosk.controller import apply_kiosk, retire_kiosk_controllers

    # Set up twice (e.g. create_window(kiosk=True) already did): the newest settings win.
    retire_kiosk_controllers(window)
    source = load_config(config_path) if config is None else config
    if isinstance(source, LoadedConfig):
        settings, errors = source.config, source.errors
    else:
        settings, errors = source, ()
    window.kiosk = True
    return apply_kiosk(window, settings, errors, log_dir=log_dir, attract_options=attract_options)

"""Long jobs as plain generators: cancellation shared by the command line and the GUI's worker threads."""

from __future__ import annotations

import threading

__all__ = ["Cancelled", "check_cancel"]


class Cancelled(Exception):  # noqa: N818 - a state, not an error
    """Raised inside a job to stop it because the user cancelled."""


def check_cancel(cancel: threading.Event | None) -> None:
    """Raise :class:`Cancelled` when ``cancel`` is set."""
    if cancel is not None and cancel.is_set():
        raise Cancelled

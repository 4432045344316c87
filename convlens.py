"""ConvLens entry point: ``convlens`` and ``python -m convlens`` both land here."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the ConvLens command line (no arguments opens the explorer window)."""
    from engine.cli import main as cli_main

    return cli_main(argv, run_gui=_run_gui)


def _run_gui(**kwargs: object) -> int:
    from gui.app import run

    return int(run(**kwargs))  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())

"""``convlens`` and ``python -m convlens`` both land here."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Run the ConvLens command line (no arguments opens the explorer window)."""
    # Single-threaded BLAS: training runs two data-parallel processes instead (engine.train.default_workers,
    # engine.parallel), which is faster and does not collapse when the GUI thread or another process needs a
    # core. Must be set before NumPy is first imported (worker processes inherit it); a value the user set wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from convlens.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())

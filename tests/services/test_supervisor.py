"""`convlens kiosk` keeps the window running: any end but the admin exit starts it again."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from convlens.services.supervisor import QUICK_RESTARTS, mark_admin_exit, supervise

# A stand-in for the kiosk window's process: run k does what PLAN[k] says.
CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    runs = Path(sys.argv[1]); marker = Path(sys.argv[2]); plan = sys.argv[3].split(",")
    k = len(runs.read_text().splitlines()) if runs.exists() else 0
    runs.write_text(runs.read_text() + f"{os.getpid()}\\n" if runs.exists() else f"{os.getpid()}\\n")
    step = plan[min(k, len(plan) - 1)]
    if step == "slot-systemexit":  # what SystemExit in a Qt slot does: the process ends, status 0
        from PySide6.QtCore import QCoreApplication, QTimer
        app = QCoreApplication([])
        def slot():
            raise SystemExit(0)
        QTimer.singleShot(0, slot)
        app.exec()
    elif step == "crash":
        os.abort()
    elif step == "usage":
        sys.exit(2)
    elif step == "admin":
        from convlens.services.supervisor import mark_admin_exit
        mark_admin_exit(marker)
        sys.exit(0)
    elif step == "fake-marker":  # a marker from another process must not count
        marker.write_text("1")
        sys.exit(0)
    """
)


def run_plan(tmp_path: Path, plan: str, max_runs: int | None = None) -> tuple[int, list[str], list[float]]:
    runs, marker = tmp_path / "runs.txt", tmp_path / "admin-exit"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    pauses: list[float] = []
    status = supervise(
        [sys.executable, str(script), str(runs), str(marker), plan], marker=marker, sleep=pauses.append,
        max_runs=max_runs,
    )
    return status, runs.read_text().splitlines(), pauses


def test_systemexit_in_a_slot_really_ends_a_qt_process(tmp_path: Path) -> None:
    """Why the supervisor exists: this cannot be caught inside the process."""
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "r"), str(tmp_path / "m"), "slot-systemexit"], timeout=60
    )
    assert done.returncode == 0


def test_the_window_is_restarted_until_the_admin_exit(tmp_path: Path) -> None:
    status, runs, pauses = run_plan(tmp_path, "slot-systemexit,crash,fake-marker,admin")
    assert status == 0 and len(runs) == 4 and len(set(runs)) == 4
    assert pauses == []  # a few quick restarts come at once
    assert not (tmp_path / "admin-exit").exists()


def test_a_window_that_keeps_ending_is_restarted_with_growing_pauses(tmp_path: Path) -> None:
    status, runs, pauses = run_plan(tmp_path, "crash", max_runs=QUICK_RESTARTS + 4)
    assert status != 0 and len(runs) == QUICK_RESTARTS + 4
    assert pauses == sorted(pauses) and len(pauses) >= 2 and pauses[1] == 2 * pauses[0]


def test_the_marker_is_written_with_this_process_id(tmp_path: Path) -> None:
    import os

    mark_admin_exit(tmp_path / "m")
    assert (tmp_path / "m").read_text() == str(os.getpid())


@pytest.mark.parametrize("flag", ["--hash-pin", "--check"])
def test_kiosk_tools_never_start_a_supervisor(flag: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from convlens.cli import main
    from convlens.services import supervisor

    monkeypatch.setattr(supervisor, "supervise", lambda *a, **k: pytest.fail("supervisor started"))
    monkeypatch.setattr("sys.stdin", io.StringIO("13579\n"))
    main(["kiosk", flag])


def test_an_end_that_restarting_cannot_fix_stops_the_supervisor(tmp_path: Path) -> None:
    status, runs, _ = run_plan(tmp_path, "crash,usage,admin")
    assert status == 2 and len(runs) == 2

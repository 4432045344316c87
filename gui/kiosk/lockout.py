"""Escalating lockout after wrong admin PINs, kept on disk so that restarting the kiosk does not reset it.

After every :data:`ATTEMPTS_PER_LOCKOUT` wrong PINs in a row the pad locks; the first lockout lasts
:data:`FIRST_LOCKOUT_S` and each further one twice as long as the one before, up to :data:`MAX_LOCKOUT_S`. A right
PIN resets it. The state (wrong PINs so far, lockouts so far, until when, as wall-clock time) is one small JSON
file written atomically after every change; a missing or unreadable file means no lockout.

Worst case for someone trying every PIN (:func:`worst_case_seconds`): a 4-digit PIN (10,000 candidates) takes
about 2,000 lockouts; with the defaults that is more than 80 days, a 6-digit PIN more than 22 years.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from convlens.engine.atomic import atomic_write_bytes

__all__ = [
    "ATTEMPTS_PER_LOCKOUT",
    "FIRST_LOCKOUT_S",
    "MAX_LOCKOUT_S",
    "Lockout",
    "LockoutState",
    "worst_case_seconds",
]

ATTEMPTS_PER_LOCKOUT = 5
FIRST_LOCKOUT_S = 30.0
MAX_LOCKOUT_S = 3600.0


@dataclass
class LockoutState:
    """What the file holds."""

    failures: int = 0
    """Wrong PINs since the last lockout (or the last right PIN)."""
    lockouts: int = 0
    """Lockouts since the last right PIN (the next one lasts ``FIRST_LOCKOUT_S * 2**lockouts``)."""
    locked_until: float = 0.0
    """Wall-clock time (``time.time()``) until which the pad is locked."""


def lockout_seconds(lockouts_before: int) -> float:
    """Duration of the lockout that follows ``lockouts_before`` earlier ones."""
    return min(MAX_LOCKOUT_S, FIRST_LOCKOUT_S * 2.0 ** min(lockouts_before, 40))


def worst_case_seconds(digits: int) -> float:
    """Time locked out while trying every ``digits``-digit PIN (typing time not counted)."""
    lockouts = math.ceil(10**digits / ATTEMPTS_PER_LOCKOUT) - 1
    return sum(lockout_seconds(k) for k in range(min(lockouts, 64))) + max(0, lockouts - 64) * MAX_LOCKOUT_S


class Lockout:
    """The lockout state machine over a file (``path`` None: in memory only, for tests).

    Parameters
    ----------
    path : Path or None
    clock : callable
        Wall-clock time source (tests pass a fake one).
    """

    def __init__(self, path: Path | None, clock: object = time.time) -> None:
        self._path = path
        self._clock = clock
        self.state = self._read()

    def _now(self) -> float:
        return float(self._clock())  # type: ignore[operator]

    def _read(self) -> LockoutState:
        if self._path is None:
            return LockoutState()
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            state = LockoutState(
                failures=max(0, int(data["failures"])),
                lockouts=max(0, int(data["lockouts"])),
                locked_until=float(data["locked_until"]),
            )
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
            return LockoutState()
        if not math.isfinite(state.locked_until):
            state.locked_until = 0.0
        # A clock set back (or a hand-edited file) cannot lock the admin out for longer than one maximum lockout
        state.locked_until = min(state.locked_until, self._now() + MAX_LOCKOUT_S)
        return state

    def _write(self) -> None:
        if self._path is None:
            return
        with contextlib.suppress(OSError):  # a read-only disk must not stop the pad; the lockout still holds
            atomic_write_bytes(self._path, json.dumps(asdict(self.state)).encode("utf-8"))

    def remaining(self) -> float:
        """Seconds left of the current lockout (0 when not locked)."""
        return max(0.0, self.state.locked_until - self._now())

    def record_failure(self) -> float:
        """Count a wrong PIN; returns the lockout it started (seconds), or 0."""
        self.state.failures += 1
        started = 0.0
        if self.state.failures >= ATTEMPTS_PER_LOCKOUT:
            started = lockout_seconds(self.state.lockouts)
            self.state.failures = 0
            self.state.lockouts += 1
            self.state.locked_until = self._now() + started
        self._write()
        return started

    def record_success(self) -> None:
        """A right PIN: forget every failure and lockout."""
        self.state = LockoutState()
        self._write()

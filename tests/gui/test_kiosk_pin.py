"""The admin PIN pad fails closed and its lockout escalates and survives a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from convlens.gui.kiosk.config import hash_pin
from convlens.gui.kiosk.lockout import (
    ATTEMPTS_PER_LOCKOUT,
    FIRST_LOCKOUT_S,
    MAX_LOCKOUT_S,
    Lockout,
    lockout_seconds,
    worst_case_seconds,
)
from convlens.gui.kiosk.pin import PinDialog, default_lockout_path

PIN = "2468"
PIN_HASH = hash_pin(PIN, iterations=1000)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_lockouts_double_up_to_the_maximum() -> None:
    durations = [lockout_seconds(k) for k in range(10)]
    assert durations[:3] == [FIRST_LOCKOUT_S, 2 * FIRST_LOCKOUT_S, 4 * FIRST_LOCKOUT_S]
    assert max(durations) == MAX_LOCKOUT_S and durations == sorted(durations)


def test_worst_case_to_try_every_pin_is_documented() -> None:
    assert worst_case_seconds(4) > 80 * 86400  # README: more than 80 days for a 4-digit PIN
    assert worst_case_seconds(6) > 22 * 365 * 86400  # and more than 22 years for 6 digits


def test_the_lockout_state_survives_a_restart_and_a_right_pin_resets_it(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "lockout.json"
    first = Lockout(path, clock)
    for _ in range(ATTEMPTS_PER_LOCKOUT - 1):
        assert first.record_failure() == 0.0
    assert first.record_failure() == FIRST_LOCKOUT_S
    restarted = Lockout(path, clock)  # the kiosk was restarted (or killed) during the lockout
    assert restarted.remaining() == pytest.approx(FIRST_LOCKOUT_S)
    clock.now += FIRST_LOCKOUT_S + 1
    assert restarted.remaining() == 0.0
    for _ in range(ATTEMPTS_PER_LOCKOUT):
        locked = restarted.record_failure()
    assert locked == 2 * FIRST_LOCKOUT_S  # the second lockout is twice as long
    restarted.record_success()
    assert Lockout(path, clock).state.lockouts == 0 and Lockout(path, clock).remaining() == 0.0


@pytest.mark.parametrize(
    "content", ["", "{", '{"failures": "x"}', '{"failures": 1, "lockouts": 0, "locked_until": NaN}']
)
def test_a_damaged_lockout_file_means_no_lockout(tmp_path: Path, content: str) -> None:
    path = tmp_path / "lockout.json"
    path.write_text(content)
    assert Lockout(path, FakeClock()).remaining() == 0.0


def test_a_lockout_far_in_the_future_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "lockout.json"
    path.write_text('{"failures": 0, "lockouts": 3, "locked_until": 1e18}')
    assert Lockout(path, FakeClock()).remaining() <= MAX_LOCKOUT_S


def test_without_a_hash_the_pad_is_disabled_and_nothing_opens_it(qtbot: QtBot) -> None:
    dialog = PinDialog(None)
    qtbot.addWidget(dialog)
    dialog.open()
    assert not dialog.exit_enabled
    assert "disabled" in dialog.title.text()
    assert not dialog.keys["pinOk"].isEnabled() and not dialog.keys["pinKey0"].isEnabled()
    assert dialog.keys["pinCancel"].isEnabled()
    with qtbot.assertNotEmitted(dialog.unlocked):
        for pin in ("0000", "1234", PIN):
            assert dialog.enter(pin) is False


def test_the_pad_locks_escalates_and_stays_locked_after_a_restart(qtbot: QtBot, tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "lockout.json"
    dialog = PinDialog(PIN_HASH, lockout=Lockout(path, clock))
    qtbot.addWidget(dialog)
    for _ in range(ATTEMPTS_PER_LOCKOUT):
        assert dialog.enter("0000") is False
    assert "Too many wrong PINs" in dialog.message.text()
    assert dialog.enter(PIN) is False  # even the right PIN waits
    again = PinDialog(PIN_HASH, lockout=Lockout(path, clock))  # a restart of the kiosk
    qtbot.addWidget(again)
    again.open()
    assert "Too many wrong PINs" in again.message.text()
    assert again.enter(PIN) is False
    clock.now += FIRST_LOCKOUT_S + 0.5
    assert again.enter(PIN) is True
    assert Lockout(path, clock).state.lockouts == 0


def test_the_default_lockout_file_is_in_the_user_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONVLENS_DATA_DIR", str(tmp_path))
    assert default_lockout_path() == tmp_path / "kiosk-lockout.json"


def test_an_unwritable_log_folder_does_not_stop_the_kiosk(qtbot: QtBot, tmp_path: Path) -> None:
    from convlens.gui.kiosk.recovery import CrashGuard

    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("x")  # root ignores permissions: a file where the folder should be fails for anyone
    guard = CrashGuard(lambda: None, log_dir=in_the_way / "logs")
    guard.install()
    try:
        assert guard.installed
    finally:
        guard.uninstall()

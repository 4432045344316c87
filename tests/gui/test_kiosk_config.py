"""The kiosk config file and the admin PIN hash (no display needed)."""

from __future__ import annotations

import io
import logging
import tomllib
from pathlib import Path

import pytest

from convlens.cli import main as cli_main
from convlens.gui.kiosk import config as kc
from convlens.gui.kiosk.config import (
    MAX_PIN_HASH_ITERATIONS,
    KioskConfig,
    hash_pin,
    is_pin_hash,
    load_config,
    parse_config,
    verify_pin,
)
from convlens.resources import assets_dir

FAST = 1000  # PBKDF2 rounds for tests (the minimum accepted)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_default_file_gives_defaults_without_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVLENS_KIOSK_CONFIG", str(tmp_path / "nowhere.toml"))
    loaded = load_config()
    assert loaded.config == KioskConfig()
    assert loaded.errors == ()
    assert not loaded.found
    assert loaded.path == tmp_path / "nowhere.toml"


def test_default_path_is_in_the_user_config_dir(monkeypatch):
    monkeypatch.delenv("CONVLENS_KIOSK_CONFIG", raising=False)
    path = kc.default_config_path()
    assert path.name == "kiosk.toml"
    assert "convlens" in str(path.parent).lower()


def test_missing_explicit_file_is_an_error_with_defaults(tmp_path):
    loaded = load_config(tmp_path / "typo.toml")
    assert loaded.config == KioskConfig()
    assert len(loaded.errors) == 1 and "not found" in loaded.errors[0]


def test_every_setting_is_read(tmp_path):
    pin_hash = hash_pin("2468", iterations=FAST)
    path = write(
        tmp_path,
        f"""
language = "de"
idle_timeout_s = 45
attract_loop = false
allow_training = true
presenter_mode = true
hide_cursor = "always"
admin_hold_s = 5.5
pin_hash = "{pin_hash}"
""",
    )
    loaded = load_config(path)
    assert loaded.errors == ()
    assert loaded.found
    assert loaded.config == KioskConfig(
        language="de",
        idle_timeout_s=45.0,
        attract_loop=False,
        allow_training=True,
        presenter_mode=True,
        hide_cursor="always",
        admin_hold_s=5.5,
        pin_hash=pin_hash,
    )
    assert verify_pin("2468", loaded.config.pin_hash)


def test_a_kiosk_table_is_accepted(tmp_path):
    loaded = load_config(write(tmp_path, '[kiosk]\nlanguage = "fr"\nidle_timeout_s = 10\n'))
    assert loaded.errors == ()
    assert (loaded.config.language, loaded.config.idle_timeout_s) == ("fr", 10.0)


def test_broken_toml_gives_defaults_and_a_clear_message(tmp_path, caplog):
    path = write(tmp_path, 'language = "de"\nidle_timeout_s = = 3\n')
    with caplog.at_level(logging.ERROR):
        loaded = load_config(path)
    assert loaded.config == KioskConfig()
    assert len(loaded.errors) == 1
    assert str(path) in loaded.errors[0] and "not valid TOML" in loaded.errors[0]
    assert "not valid TOML" in caplog.text


def test_a_bad_value_falls_back_for_that_key_only(tmp_path):
    path = write(
        tmp_path,
        'language = "de"\nidle_timeout_s = -3\nattract_loop = "yes"\nhide_cursor = "sometimes"\ncolour = 1\n',
    )
    loaded = load_config(path)
    assert loaded.config.language == "de"  # the good value is kept
    assert loaded.config.idle_timeout_s == KioskConfig().idle_timeout_s
    assert loaded.config.attract_loop is KioskConfig().attract_loop
    assert loaded.config.hide_cursor == "auto"
    joined = "\n".join(loaded.errors)
    for key in ("idle_timeout_s", "attract_loop", "hide_cursor", "colour"):
        assert key in joined
    assert len(loaded.errors) == 4


@pytest.mark.parametrize("value", ["true", "0", "[1, 2]", '"inf"', "nan"])
def test_idle_timeout_rejects_non_numbers(value):
    config, errors = parse_config(tomllib.loads(f"idle_timeout_s = {value}"))
    assert config.idle_timeout_s == KioskConfig().idle_timeout_s
    assert errors and "idle_timeout_s" in errors[0]


def test_a_plain_pin_in_the_file_is_refused_and_never_echoed(tmp_path, caplog):
    path = write(tmp_path, 'pin_hash = "739146"\n')
    with caplog.at_level(logging.ERROR):
        loaded = load_config(path)
    assert loaded.config.pin_hash is None
    assert loaded.errors and "plain PINs are refused" in loaded.errors[0]
    assert "739146" not in "\n".join(loaded.errors)
    assert "739146" not in caplog.text


def test_the_pin_hash_is_not_in_the_repr():
    config = KioskConfig(pin_hash=hash_pin("2468", iterations=FAST))
    assert "pbkdf2" not in repr(config)


def test_hash_pin_is_salted_pbkdf2_and_never_contains_the_pin():
    a = hash_pin("13579", iterations=FAST)
    b = hash_pin("13579", iterations=FAST)
    assert a != b  # a fresh salt each time
    assert "13579" not in a
    scheme, rounds, salt, key = a.split("$")
    assert (scheme, rounds) == ("pbkdf2_sha256", str(FAST))
    assert is_pin_hash(a) and not is_pin_hash("13579")


def test_hash_pin_matches_an_independent_pbkdf2():
    import base64
    import hashlib

    salt = bytes(range(16))
    text = hash_pin("2468", iterations=FAST, salt=salt)
    key = hashlib.pbkdf2_hmac("sha256", b"2468", salt, FAST)
    assert text == f"pbkdf2_sha256${FAST}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def test_default_rounds_are_slow_enough_for_brute_force():
    assert kc.PIN_HASH_ITERATIONS >= 100_000
    assert hash_pin("2468").split("$")[1] == str(kc.PIN_HASH_ITERATIONS)


@pytest.mark.parametrize("pin", ["123", "12345678901234", "12a4", "", "１２３４"])
def test_bad_pins_cannot_be_hashed(pin):
    with pytest.raises(ValueError):
        hash_pin(pin, iterations=FAST)


def test_verify_pin():
    stored = hash_pin("2468", iterations=FAST)
    assert verify_pin("2468", stored)
    assert not verify_pin("2469", stored)
    assert not verify_pin("", stored)
    assert not verify_pin("24681", stored)
    assert not verify_pin("2468", "pbkdf2_sha256$1000$bad$hash")
    assert not verify_pin("2468", "2468")


def test_without_a_hash_no_pin_opens_and_the_exit_is_disabled(tmp_path, caplog):
    for pin in ("0000", "1234", "", "000000000000"):
        assert not verify_pin(pin, None)
    with caplog.at_level(logging.ERROR):
        loaded = load_config(write(tmp_path, 'language = "de"\n'))
    assert loaded.errors == () and loaded.config.pin_hash is None
    assert "admin exit is disabled" in (loaded.admin_exit_problem or "")
    assert "admin exit is disabled" in caplog.text


@pytest.mark.parametrize(
    "text",
    [
        'pin_hash = "PLACEHOLDER"\nidle_timeout_s = = 3\n',  # a syntax error on an unrelated line
        'pin_hash = ""\n',
        'pin_hash = "pbkdf2_sha256$200000$$"\n',
        b'pin_hash = "\xff\xfe"\n',  # undecodable
    ],
    ids=["syntax-error-elsewhere", "empty", "malformed", "undecodable"],
)
def test_any_config_problem_that_drops_the_hash_fails_closed(tmp_path, text):
    good = hash_pin("2468", iterations=FAST)
    path = tmp_path / "kiosk.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text.replace("PLACEHOLDER", good), encoding="utf-8")
    loaded = load_config(path)
    assert loaded.config.pin_hash is None and loaded.admin_exit_problem
    for pin in ("0000", "2468"):
        assert not verify_pin(pin, loaded.config.pin_hash)
    assert cli_main(["kiosk", "--check", "--config", str(path)]) == 1


def test_a_wrong_config_path_fails_closed(tmp_path):
    assert cli_main(["kiosk", "--check", "--config", str(tmp_path / "typo.toml")]) == 1
    assert load_config(tmp_path / "typo.toml").admin_exit_problem


@pytest.mark.parametrize("iterations", [MAX_PIN_HASH_ITERATIONS + 1, 2_000_000_000, 10**12])
def test_a_hash_asking_for_too_many_rounds_is_refused_at_once(tmp_path, iterations):
    import time

    real = hash_pin("2468", iterations=FAST)
    crafted = real.replace(f"${FAST}$", f"${iterations}$", 1)
    assert not is_pin_hash(crafted)
    loaded = load_config(write(tmp_path, f'pin_hash = "{crafted}"\n'))
    assert loaded.config.pin_hash is None and any("rounds)" in e for e in loaded.errors)
    started = time.perf_counter()
    assert verify_pin("2468", crafted) is False  # no OverflowError, no 20-second freeze
    assert time.perf_counter() - started < 0.5


def test_hash_pin_command_prints_a_line_to_paste(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("8642\n"))
    assert cli_main(["kiosk", "--hash-pin"]) == 0
    line = capsys.readouterr().out.strip()
    parsed = tomllib.loads(line)
    assert verify_pin("8642", parsed["pin_hash"])
    assert "8642" not in line


def test_hash_pin_command_refuses_a_bad_pin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n"))
    assert cli_main(["kiosk", "--hash-pin"]) == 2
    assert "4 to 12 digits" in capsys.readouterr().err


def test_check_command_reports_problems(tmp_path, capsys):
    pin_hash = hash_pin("2468", iterations=FAST)
    bad = write(tmp_path, f'idle_timeout_s = 0\npin_hash = "{pin_hash}"\n')
    assert cli_main(["kiosk", "--check", "--config", str(bad)]) == 1
    assert "idle_timeout_s" in capsys.readouterr().err
    good = write(tmp_path, f'idle_timeout_s = 30\npin_hash = "{pin_hash}"\n')
    assert cli_main(["kiosk", "--check", "--config", str(good)]) == 0
    out, err = capsys.readouterr()
    assert "idle_timeout_s = 30.0" in out and err == ""
    no_hash = write(tmp_path, "idle_timeout_s = 30\n")
    assert cli_main(["kiosk", "--check", "--config", str(no_hash)]) == 1
    assert "admin exit is disabled" in capsys.readouterr().err


ASSETS = assets_dir() / "kiosk"  # the shipped assets, wherever convlens is installed


def test_the_example_config_is_valid_and_documents_every_setting():
    loaded = load_config(ASSETS / "kiosk.example.toml")
    assert loaded.errors == ()  # valid; its pin_hash is commented out, so --check says to set one
    text = (ASSETS / "kiosk.example.toml").read_text(encoding="utf-8")
    for name in KioskConfig.__dataclass_fields__:
        assert name in text, name


def test_autostart_files_start_the_kiosk():
    desktop = (ASSETS / "convlens-kiosk.desktop").read_text(encoding="utf-8")
    assert desktop.startswith("[Desktop Entry]")
    assert "\nExec=convlens kiosk\n" in desktop and "\nType=Application\n" in desktop
    service = (ASSETS / "convlens-kiosk.service").read_text(encoding="utf-8")
    for line in (
        "[Unit]",
        "[Service]",
        "[Install]",
        "Restart=on-failure",
        "WantedBy=graphical-session.target",
    ):
        assert line in service
    assert any(ln.startswith("ExecStart=") and ln.endswith("convlens kiosk") for ln in service.splitlines())

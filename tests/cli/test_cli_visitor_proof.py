"""The command line for the visitor-proof explorer: ``--lang`` and ``--presenter`` (explorer and kiosk), help for
every argument, one line per epoch from ``convlens train``, and ``kiosk --check`` lines that never run together."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from convlens import cli
from convlens.cli import build_parser, main


def _runner(calls: list[dict[str, Any]]) -> Any:
    def run(**kwargs: Any) -> int:
        calls.append(kwargs)
        return 0

    return run


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--lang", "de"], {"language": "de"}),
        (["--presenter"], {"presenter": True}),
        (["gui", "--lang", "de", "--presenter"], {"language": "de", "presenter": True}),
        (["gui"], {}),
    ],
)
def test_lang_and_presenter_reach_the_window(argv: list[str], expected: dict[str, Any]) -> None:
    calls: list[dict[str, Any]] = []
    assert main(argv, run_gui=_runner(calls)) == 0
    assert calls == [{"model_path": None, "kiosk": False, "config_path": None, **expected}]


def test_kiosk_lang_overrides_the_config_and_reaches_the_supervised_window(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[dict[str, Any]] = []
    assert main(["kiosk", "--lang", "de", "--config", "k.toml"], run_gui=_runner(calls)) == 0
    assert calls == [{"model_path": None, "kiosk": True, "config_path": "k.toml", "language": "de"}]

    import convlens.services.supervisor as supervisor
    from convlens import syslibs

    commands: list[list[str]] = []
    monkeypatch.setattr(syslibs, "check", lambda: None)
    monkeypatch.setattr(supervisor, "supervise", lambda command, **_: commands.append(command) or 0)
    assert main(["kiosk", "--lang", "de", "--presenter"]) == 0
    assert commands and commands[0][-3:] == ["--lang", "de", "--presenter"]


def test_an_unknown_language_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[dict[str, Any]] = []
    assert main(["--lang", "xx"], run_gui=_runner(calls)) == 2
    assert calls == [] and "--lang xx" in capsys.readouterr().err


def _arguments(parser: argparse.ArgumentParser, path: str = "convlens") -> list[tuple[str, argparse.Action]]:
    found = []
    for action in parser._actions:  # argparse keeps no public list of a parser's arguments
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _arguments(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction | argparse._VersionAction):
            found.append((path, action))
    return found


def test_every_argument_of_every_command_has_help() -> None:
    missing = [f"{path} {action.dest}" for path, action in _arguments(build_parser()) if not action.help]
    assert not missing, missing


def test_predict_help_describes_its_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "PNG or JPEG" in out and "default: the shipped model" in out and "JSON" in out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _screen(written: str, columns: int) -> list[str]:
    """What an 80-column terminal shows: "\\r" returns to the start of the line, long lines wrap."""
    rows: list[str] = []
    for line in written.split("\n"):
        shown = ""
        for part in line.split("\r"):
            assert len(part) < columns, f"a {len(part)}-character line wraps: {part!r}"
            shown = part + shown[len(part):]
        rows.append(shown.rstrip())
    return [row for row in rows if row]


def test_train_prints_one_line_per_epoch_on_a_terminal(
    fake_mnist: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("COLUMNS", "80")
    code = main(["train", "--limit", "200", "--epochs", "3", "--batch-size", "32", "--out", str(tmp_path / "m")])
    monkeypatch.undo()
    assert code == 0, terminal.getvalue()
    rows = _screen(terminal.getvalue(), 80)
    for epoch in (1, 2, 3):
        assert sum(f"epoch {epoch}/3 " in row for row in rows) == 1, rows


def test_train_prints_one_line_per_epoch_into_a_log(fake_mnist: Any, tmp_path: Path, capsys: Any) -> None:
    assert main(["train", "--limit", "200", "--epochs", "2", "--out", str(tmp_path / "m")]) == 0
    err = capsys.readouterr().err
    assert err.count("epoch 2/2 ") == 1 and "\r" not in err


def test_kiosk_check_lines_never_run_together(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('language = "de"\nidle_timeout_s = -3\ncolour = 1\n')
    proc = subprocess.run(
        [sys.executable, "-m", "convlens", "kiosk", "--check", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream, as in a terminal or a log
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0] == f"{config}: found"
    for line in lines[1:]:
        assert line.startswith("error: ") or (" = " in line and "error" not in line), line
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 3 and all(line.count("error: ") == 1 for line in errors)
    assert "convlens kiosk --hash-pin" in errors[-1]


def test_window_options_are_only_passed_when_given() -> None:
    assert cli._window_options(build_parser().parse_args([])) == {}

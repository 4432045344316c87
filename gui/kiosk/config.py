"""The kiosk configuration: a small TOML file, read once at start-up, and the admin-PIN hash.

File format (every key optional; a ``[kiosk]`` table is accepted too)::

    language = "de"            # "en" (source strings) or any assets/translations/convlens_<lang>.qm
    idle_timeout_s = 90        # seconds without input before the attract loop starts
    attract_loop = true        # play sample digits while idle
    allow_training = false     # show the Train button and the training panel
    allow_export = false       # an "Export…" button: figures (PNG, SVG) and the lesson handout (PDF)
    presenter_mode = false     # large text for a projector / presenter
    hide_cursor = "auto"       # "auto" (hidden when a touch screen is present), "always" or "never"
    admin_hold_s = 3.0         # long-press in the top-left corner that opens the admin PIN pad
    profile = "simple"         # teacher profile: "simple" (canvas, probabilities, pooled maps, big type) or "full"
    panels = ["probabilities", "feature_maps", "filters"]   # instead of the profile's panels (gui.profiles.PANELS)
    controls = ["undo_clear"]  # instead of the profile's controls (gui.profiles.CONTROLS)
    pin_hash = "pbkdf2_sha256$200000$...$..."   # from `convlens kiosk --hash-pin`

Default location ``platformdirs.user_config_dir("convlens")/kiosk.toml``.  A missing file gives the
defaults; a broken file gives the defaults plus a clear error message; a bad value replaces only that
value with its default (and says so).  The PIN is never stored: only a salted PBKDF2-SHA256 hash,
checked in constant time, with at most :data:`MAX_PIN_HASH_ITERATIONS` rounds (a crafted hash cannot freeze the
pad).  There is no default PIN: the admin exit **fails closed**.  Without a valid ``pin_hash`` (none set, a
malformed one, a file that cannot be read or parsed, a wrong ``--config`` path) the on-screen admin exit is
disabled, the kiosk keeps serving visitors, the log says why, and ``convlens kiosk --check`` exits non-zero.

Run ``convlens kiosk --hash-pin`` (the PIN on standard input, or typed twice at a prompt) to print a
``pin_hash = "..."`` line to paste into the file, or ``convlens kiosk --check [--config PATH]`` to validate a file.
"""

from __future__ import annotations

import base64
import dataclasses
import getpass
import hashlib
import hmac
import logging
import math
import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from convlens.gui.profiles import BUILT_IN, CONTROLS, PANELS, Profile, builtin_profile, parse_names

__all__ = [
    "HIDE_CURSOR_MODES",
    "MAX_PIN_HASH_ITERATIONS",
    "PIN_HASH_ITERATIONS",
    "KioskConfig",
    "LoadedConfig",
    "default_config_path",
    "hash_pin",
    "is_pin_hash",
    "load_config",
    "check_config_file",
    "print_pin_hash_line",
    "parse_config",
    "verify_pin",
]

log = logging.getLogger(__name__)

PIN_HASH_ITERATIONS = 200_000
"""PBKDF2-SHA256 rounds for new hashes (about 0.1 s on a small PC: cheap once, slow to brute-force)."""
MIN_PIN_HASH_ITERATIONS = 1000
MAX_PIN_HASH_ITERATIONS = 2_000_000
"""Most rounds a configured hash may ask for (about 1-2 s per PIN on a small PC); above it the hash is refused
as malformed, so a crafted config can neither freeze the pad nor make every PIN fail."""
HIDE_CURSOR_MODES = ("auto", "always", "never")
_HASH_SCHEME = "pbkdf2_sha256"
_MIN_PIN, _MAX_PIN = 4, 12


@dataclass(frozen=True)
class KioskConfig:
    """Kiosk settings (see the module docstring for the file format).

    Attributes
    ----------
    language : str
        UI language code; ``"en"`` shows the source strings.
    idle_timeout_s : float
        Seconds without input before the canvas clears and the attract loop starts (> 0).
    attract_loop : bool
        Play sample digits while idle (otherwise only the canvas is cleared).
    allow_training : bool
        Whether visitors may train the network (the Train button and training tab).
    allow_export : bool
        Whether visitors may save figures and the lesson handout (an "Export…" button opening a save dialog);
        off, the exports stay out of reach like the File menu.
    presenter_mode : bool
        Larger text everywhere.
    hide_cursor : str
        ``"auto"``, ``"always"`` or ``"never"``.
    admin_hold_s : float
        Long-press duration in the top-left corner that opens the PIN pad (>= 1).
    profile : str
        The teacher profile (:mod:`gui.profiles`): ``"simple"`` or ``"full"`` (default).
    panels, controls : tuple of str or None
        Panels and controls to show instead of the profile's (names from :data:`gui.profiles.PANELS` and
        :data:`gui.profiles.CONTROLS`); None keeps the profile's.
    pin_hash : str or None
        ``pbkdf2_sha256$<iterations>$<salt>$<hash>`` (base64), or None: then the admin exit is disabled.
    """

    language: str = "en"
    idle_timeout_s: float = 90.0
    attract_loop: bool = True
    allow_training: bool = False
    allow_export: bool = False
    presenter_mode: bool = False
    hide_cursor: str = "auto"
    admin_hold_s: float = 3.0
    profile: str = "full"
    panels: tuple[str, ...] | None = None
    controls: tuple[str, ...] | None = None
    pin_hash: str | None = field(default=None, repr=False)

    def display_profile(self) -> Profile:
        """The :class:`~gui.profiles.Profile` the kiosk shows: ``profile`` with ``panels`` / ``controls`` instead of
        its own when they are given."""
        base = BUILT_IN.get(self.profile, BUILT_IN["full"])
        if self.panels is None and self.controls is None:
            return base
        panels = base.panels if self.panels is None else self.panels
        controls = base.controls if self.controls is None else self.controls
        return base.with_choice(panels, controls)

    def with_changes(self, **changes: Any) -> KioskConfig:
        """A copy with some fields replaced (no validation: for tests and programmatic set-up)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class LoadedConfig:
    """What :func:`load_config` found.

    Attributes
    ----------
    config : KioskConfig
        The settings to use (defaults where the file was missing, broken or wrong).
    path : Path
        The file looked at.
    found : bool
        Whether the file existed.
    errors : tuple of str
        Human-readable problems, each naming the file and the key; empty when all was well.
    """

    config: KioskConfig
    path: Path
    found: bool
    errors: tuple[str, ...] = ()

    @property
    def admin_exit_problem(self) -> str | None:
        """Why the on-screen admin exit is disabled (no valid ``pin_hash``), or None when it works."""
        if self.config.pin_hash is not None:
            return None
        return (
            f"{self.path}: no valid pin_hash, so the on-screen admin exit is disabled; "
            "create one with `convlens kiosk --hash-pin` and paste it into the file"
        )


def default_config_path() -> Path:
    """``<user config dir>/convlens/kiosk.toml`` (platformdirs), or ``$CONVLENS_KIOSK_CONFIG`` if set."""
    env = os.environ.get("CONVLENS_KIOSK_CONFIG")
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir("convlens")) / "kiosk.toml"


# -- PIN hashing --------------------------------------------------------------------------------------------
def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _check_pin(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and _MIN_PIN <= len(pin) <= _MAX_PIN):
        raise ValueError(f"a PIN is {_MIN_PIN} to {_MAX_PIN} digits (0-9)")


def hash_pin(pin: str, *, iterations: int = PIN_HASH_ITERATIONS, salt: bytes | None = None) -> str:
    """Salted PBKDF2-SHA256 hash of a numeric PIN, for the ``pin_hash`` key.

    Parameters
    ----------
    pin : str
        4 to 12 ASCII digits.
    iterations : int
        PBKDF2 rounds (>= 1000; the default is :data:`PIN_HASH_ITERATIONS`).
    salt : bytes, optional
        16 random bytes by default (pass one only to make tests reproducible).

    Returns
    -------
    str
        ``pbkdf2_sha256$<iterations>$<base64 salt>$<base64 32-byte key>``; never contains the PIN.

    Raises
    ------
    ValueError
        The PIN is not 4-12 digits or ``iterations`` is too small.
    """
    _check_pin(pin)
    if iterations < 1000:
        raise ValueError(f"iterations must be >= 1000, got {iterations}")
    salt = os.urandom(16) if salt is None else salt
    key = hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, iterations)
    return f"{_HASH_SCHEME}${iterations}${_b64(salt)}${_b64(key)}"


def _split_hash(text: str) -> tuple[int, bytes, bytes] | None:
    parts = text.split("$")
    if len(parts) != 4 or parts[0] != _HASH_SCHEME:
        return None
    try:
        iterations = int(parts[1])
        salt = base64.b64decode(parts[2], validate=True)
        key = base64.b64decode(parts[3], validate=True)
    except ValueError:
        return None
    if not MIN_PIN_HASH_ITERATIONS <= iterations <= MAX_PIN_HASH_ITERATIONS or len(salt) < 8 or len(key) != 32:
        return None
    return iterations, salt, key


def is_pin_hash(text: str) -> bool:
    """True if ``text`` is a well-formed :func:`hash_pin` string (not, say, a plain PIN)."""
    return _split_hash(text) is not None


def verify_pin(pin: str, pin_hash: str | None) -> bool:
    """Check a PIN against a stored hash in constant time.

    Parameters
    ----------
    pin : str
        What was typed.
    pin_hash : str or None
        The configured hash; None (no valid hash configured) accepts no PIN at all.

    Returns
    -------
    bool
        False for a wrong PIN, a malformed PIN, a missing or malformed hash (never raises for bad input).
    """
    if pin_hash is None:
        return False
    parsed = _split_hash(pin_hash)
    if parsed is None:
        return False
    try:
        _check_pin(pin)
    except ValueError:
        return False
    iterations, salt, key = parsed
    candidate = hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, iterations)
    return hmac.compare_digest(candidate, key)


# -- parsing ------------------------------------------------------------------------------------------------
def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"expected true or false, got {value!r}")


def _as_seconds(low: float, high: float) -> Any:
    def convert(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"expected a number of seconds, got {value!r}")
        if not low <= float(value) <= high:
            raise ValueError(f"expected {low:g} to {high:g} seconds, got {value!r}")
        return float(value)

    return convert


def _as_language(value: Any) -> str:
    if not isinstance(value, str) or not (2 <= len(value) <= 12) or not value.replace("_", "").isalnum():
        raise ValueError(f'expected a language code such as "en" or "de", got {value!r}')
    return value


def _as_cursor_mode(value: Any) -> str:
    if value not in HIDE_CURSOR_MODES:
        raise ValueError(f"expected one of {', '.join(repr(m) for m in HIDE_CURSOR_MODES)}, got {value!r}")
    return str(value)


def _as_pin_hash(value: Any) -> str | None:
    if isinstance(value, str) and value == "":
        return None
    if not isinstance(value, str) or not is_pin_hash(value):
        # Never echo the value: it may be a plain PIN someone pasted by mistake.
        raise ValueError(
            "is not a valid PIN hash (plain PINs are refused, and so are hashes with more than "
            f"{MAX_PIN_HASH_ITERATIONS:,} rounds); create one with `convlens kiosk --hash-pin`"
        )
    return value


def _as_profile(value: Any) -> str:
    return builtin_profile(value).name


def _as_names(known: tuple[str, ...], kind: str) -> Any:
    def convert(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise ValueError(f'expected a list such as ["{known[0]}", "{known[1]}"], got {value!r}')
        names = parse_names(value, known, kind)
        return tuple(n for n in known if n in names)  # in the canonical order, each once

    return convert


_FIELDS: dict[str, Any] = {
    "language": _as_language,
    "idle_timeout_s": _as_seconds(0.05, 86_400.0),
    "attract_loop": _as_bool,
    "allow_training": _as_bool,
    "allow_export": _as_bool,
    "presenter_mode": _as_bool,
    "hide_cursor": _as_cursor_mode,
    "admin_hold_s": _as_seconds(0.2, 60.0),
    "profile": _as_profile,
    "panels": _as_names(PANELS, "panel"),
    "controls": _as_names(CONTROLS, "control"),
    "pin_hash": _as_pin_hash,
}


def parse_config(data: dict[str, Any], source: str = "<config>") -> tuple[KioskConfig, list[str]]:
    """Validate a parsed TOML document key by key.

    Parameters
    ----------
    data : dict
        The TOML document (top-level keys, or a ``[kiosk]`` table).
    source : str
        Named in the error messages (usually the file path).

    Returns
    -------
    (KioskConfig, list of str)
        The settings (a wrong value falls back to its default) and one message per problem.
    """
    errors: list[str] = []
    table = data
    if "kiosk" in data and isinstance(data["kiosk"], dict):
        table = {**{k: v for k, v in data.items() if k != "kiosk"}, **data["kiosk"]}
    values: dict[str, Any] = {}
    for key, value in table.items():
        convert = _FIELDS.get(key)
        if convert is None:
            errors.append(f"{source}: unknown key {key!r} ignored (known: {', '.join(sorted(_FIELDS))})")
            continue
        try:
            values[key] = convert(value)
        except ValueError as exc:
            fallback = "the admin exit is disabled" if key == "pin_hash" else "using the default"
            errors.append(f"{source}: {key} {exc}; {fallback}")
    return KioskConfig(**values), errors


def load_config(path: str | Path | None = None) -> LoadedConfig:
    """Read the kiosk config; never raises for a bad file.

    Parameters
    ----------
    path : str or Path, optional
        The TOML file; default :func:`default_config_path`.  A missing default file is normal (the
        defaults apply, no error); a missing file that was asked for explicitly is an error.

    Returns
    -------
    LoadedConfig
        Every problem is also logged at ERROR level.
    """
    explicit = path is not None
    target = Path(path) if path is not None else default_config_path()
    errors: list[str] = []
    config = KioskConfig()
    found = target.is_file()
    if not found:
        if explicit:
            errors.append(f"{target}: kiosk config file not found; using the defaults")
    else:
        try:
            with target.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            errors.append(f"{target}: not valid TOML ({exc}); using the defaults for every setting")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{target}: cannot be read ({exc}); using the defaults for every setting")
        else:
            config, errors = parse_config(data, str(target))
    for message in errors:
        log.error("kiosk config: %s", message)
    loaded = LoadedConfig(config, target, found, tuple(errors))
    if loaded.admin_exit_problem:
        log.error("kiosk config: %s", loaded.admin_exit_problem)
    return loaded


# -- command line (``convlens kiosk --hash-pin`` / ``--check``) ------------------------------------------------
def _read_new_pin() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("New admin PIN (4-12 digits): ")
        second = getpass.getpass("Repeat the PIN: ")
        if first != second:
            raise ValueError("the two PINs differ")
        return first
    return sys.stdin.readline().strip()


def print_pin_hash_line() -> int:
    """Read a new PIN (prompt, or one line on stdin) and print the ``pin_hash = "..."`` line; exit status."""
    try:
        line = hash_pin(_read_new_pin())
    except ValueError as exc:
        print(f"convlens: error: {exc}", file=sys.stderr)
        return 2
    print(f'pin_hash = "{line}"')
    return 0


def check_config_file(path: str | Path | None) -> int:
    """Validate a kiosk config and print what the kiosk would use; 0 only when it is complete and valid
    (a valid ``pin_hash`` included: without one the kiosk could not be left)."""
    sys.stdout.flush()
    logging.disable(logging.ERROR)  # the problems are printed below, once each, not also as log lines
    try:
        loaded = load_config(path)
    finally:
        logging.disable(logging.NOTSET)
    print(f"{loaded.path}: {'found' if loaded.found else 'not found (defaults)'}", flush=True)
    shown = dataclasses.asdict(loaded.config)
    shown["pin_hash"] = "(set)" if loaded.config.pin_hash else "(none: the admin exit is disabled)"
    for key, value in shown.items():
        print(f"{key} = {value!r}", flush=True)
    problems = [*loaded.errors, *([loaded.admin_exit_problem] if loaded.admin_exit_problem else [])]
    for message in problems:
        print(f"error: {message}", file=sys.stderr, flush=True)
    return 1 if problems else 0

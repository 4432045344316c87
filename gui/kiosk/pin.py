"""The admin PIN pad: a big, touch-friendly number pad that checks a PIN against the configured hash.

Keys ``pinKey0``..``pinKey9``, ``pinBackspace``, ``pinOk``, ``pinCancel`` (each at least 88 px square),
a masked display ``pinDisplay`` and a message line ``pinMessage``.  The physical keyboard works too
(digits, Backspace, Enter, Escape).  A wrong PIN is refused with a message; every few wrong PINs lock the pad
for longer and longer (:mod:`convlens.gui.kiosk.lockout`: doubling, kept on disk across restarts).  Without a
valid configured hash the pad says that the admin exit is disabled and accepts nothing (fail closed).  The pad
closes itself after ``timeout_s`` without a key, so a visitor who found the corner cannot leave it open.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from convlens.gui.kiosk.config import verify_pin
from convlens.gui.kiosk.lockout import Lockout
from convlens.services.model_store import user_data_dir

__all__ = ["PinDialog", "default_lockout_path"]

log = logging.getLogger(__name__)

_MAX_DIGITS = 12


def default_lockout_path() -> Path:
    """``<user data dir>/kiosk-lockout.json`` (follows ``CONVLENS_DATA_DIR``)."""
    return user_data_dir() / "kiosk-lockout.json"


def tr(text: str) -> str:
    """Translate a kiosk string (context ``Kiosk``)."""
    return QCoreApplication.translate("Kiosk", text)


class PinDialog(QDialog):
    """See the module docstring.

    Parameters
    ----------
    pin_hash : str or None
        The configured hash; None (no valid hash configured) disables the admin exit.
    parent : QWidget, optional
        The kiosk window (the pad is centred on it).
    lockout : Lockout, optional
        The escalating lockout (default: kept in :func:`default_lockout_path`).
    timeout_s : float
        Inactivity after which the pad cancels itself.
    verify : callable, optional
        ``verify(pin, pin_hash) -> bool``; default :func:`gui.kiosk.config.verify_pin`.

    Signals
    -------
    unlocked()
        The right PIN was entered (the dialog is then accepted).
    refused(str)
        A PIN was refused; the message shown.
    """

    unlocked = Signal()
    refused = Signal(str)

    def __init__(
        self,
        pin_hash: str | None,
        parent: QWidget | None = None,
        lockout: Lockout | None = None,
        timeout_s: float = 30.0,
        verify: Callable[[str, str | None], bool] = verify_pin,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pinDialog")
        self.setProperty("selfTranslating", True)
        self.setModal(True)
        self.setWindowFlags(
            Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        )
        self._pin_hash = pin_hash
        self._verify = verify
        self.lockout = lockout if lockout is not None else Lockout(default_lockout_path())
        self._entered = ""

        self.setStyleSheet(
            "QDialog#pinDialog { background: #16181d; border: 2px solid #4cc2ff; border-radius: 12px; }"
            " QLabel { color: #e6e6e6; }"
            " QLabel#pinMessage { color: #ffb347; }"
            " QPushButton { min-width: 88px; min-height: 88px; font-size: 30px; font-weight: 600;"
            " color: #e6e6e6; background: #2b2f37; border: 1px solid #4a505c; border-radius: 10px; }"
            " QPushButton:pressed { background: #4cc2ff; color: #0b0d10; }"
            " QPushButton#pinOk { background: #1f6f3f; } QPushButton#pinCancel { font-size: 22px; }"
        )
        self.title = QLabel()
        self.title.setObjectName("pinTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setStyleSheet("font-size: 24px; font-weight: 600;")
        self.display = QLabel()
        self.display.setObjectName("pinDisplay")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setMinimumHeight(56)
        self.display.setStyleSheet("font-size: 36px; letter-spacing: 8px;")
        self.message = QLabel()
        self.message.setObjectName("pinMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(32)
        self.message.setStyleSheet("font-size: 18px;")

        grid = QGridLayout()
        grid.setSpacing(10)
        self.keys: dict[str, QPushButton] = {}
        for i, digit in enumerate("123456789"):
            key = self._key(digit, f"pinKey{digit}", lambda *_, d=digit: self.press_digit(d))
            grid.addWidget(key, i // 3, i % 3)
        self.backspace = self._key("⌫", "pinBackspace", lambda *_: self.backspace_digit())
        grid.addWidget(self.backspace, 3, 0)
        grid.addWidget(self._key("0", "pinKey0", lambda *_: self.press_digit("0")), 3, 1)
        self.ok = self._key("OK", "pinOk", lambda *_: self.submit())
        grid.addWidget(self.ok, 3, 2)
        self.cancel = self._key("", "pinCancel", lambda *_: self.reject())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addWidget(self.display)
        layout.addWidget(self.message)
        layout.addLayout(grid)
        layout.addWidget(self.cancel)

        self._timeout = QTimer(self)
        self._timeout.setObjectName("pinTimeout")
        self._timeout.setSingleShot(True)
        self._timeout.setInterval(max(1, int(timeout_s * 1000)))
        self._timeout.timeout.connect(self.reject)
        self._retranslate()
        self._update_display()

    def _key(self, label: str, name: str, slot: Callable[..., object]) -> QPushButton:
        button = QPushButton(label)
        button.setObjectName(name)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        self.keys[name] = button
        return button

    @property
    def exit_enabled(self) -> bool:
        """False when no valid PIN hash is configured: then no PIN opens the kiosk."""
        return self._pin_hash is not None

    def _retranslate(self) -> None:
        self.cancel.setText(tr("Cancel"))
        self.ok.setText(tr("OK"))
        if self.exit_enabled:
            self.title.setText(tr("Enter the admin PIN"))
        else:
            self.title.setText(tr("The admin exit is disabled"))
            self.message.setText(tr("No valid PIN is set in the kiosk configuration. See the kiosk log."))
        for name, key in self.keys.items():
            if name != "pinCancel":
                key.setEnabled(self.exit_enabled)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    # -- input ----------------------------------------------------------------------------------------------
    def entered_length(self) -> int:
        """How many digits are typed (the digits themselves are not exposed)."""
        return len(self._entered)

    def _update_display(self) -> None:
        self.display.setText("●" * len(self._entered) if self._entered else "–")

    def _touch(self) -> None:
        self._timeout.start()

    def press_digit(self, digit: str) -> None:
        """Append one digit (ignored while locked out or when the PIN is at its maximum length)."""
        self._touch()
        if not self.exit_enabled or self._locked_out() or len(self._entered) >= _MAX_DIGITS:
            return
        self._entered += digit[:1]
        self.message.clear()
        self._update_display()

    def backspace_digit(self) -> None:
        """Remove the last digit."""
        self._touch()
        self._entered = self._entered[:-1]
        self._update_display()

    def _locked_out(self) -> bool:
        remaining = self.lockout.remaining()
        if remaining > 0:
            wait = str(int(remaining) + 1)
            self.message.setText(tr("Too many wrong PINs. Try again in %1 s.").replace("%1", wait))
            return True
        return False

    def submit(self) -> bool:
        """Check the typed PIN; the right one accepts the dialog.

        Returns
        -------
        bool
            Whether the PIN was right.
        """
        self._touch()
        if not self.exit_enabled:
            log.error("kiosk admin exit refused: no valid pin_hash is configured")
            return False
        if self._locked_out():
            return False
        pin, self._entered = self._entered, ""
        self._update_display()
        if pin and self._verify(pin, self._pin_hash):
            log.warning("kiosk admin PIN accepted")
            self.lockout.record_success()
            self.unlocked.emit()
            self.accept()
            return True
        locked_for = self.lockout.record_failure()
        log.warning("kiosk admin PIN refused%s", f"; pad locked for {locked_for:.0f} s" if locked_for else "")
        if locked_for:
            self._locked_out()
        else:
            self.message.setText(tr("Wrong PIN. Try again."))
        self.refused.emit(self.message.text())
        return False

    def enter(self, pin: str) -> bool:
        """Type ``pin`` on the pad and press OK (for tests and scripts); returns :meth:`submit`'s result."""
        for ch in pin:
            self.press_digit(ch)
        return self.submit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        text = event.text()
        key = event.key()
        if text and text.isdigit() and text.isascii():
            self.press_digit(text)
        elif key == Qt.Key.Key_Backspace:
            self.backspace_digit()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
        elif key == Qt.Key.Key_Escape:
            self.reject()
        else:
            event.ignore()

    def open(self) -> None:
        """Show the pad, centred on its parent, without blocking."""
        self._entered = ""
        self._update_display()
        self.message.clear()
        self._retranslate()
        self._locked_out()
        self.adjustSize()
        parent = self.parentWidget()
        if parent is not None:
            centre = parent.mapToGlobal(parent.rect().center())
            self.move(centre.x() - self.width() // 2, centre.y() - self.height() // 2)
        self._timeout.start()
        super().open()
        self.raise_()
        self.activateWindow()

    def done(self, result: int) -> None:
        """Stop the inactivity timer and forget any typed digits when the pad closes."""
        self._timeout.stop()
        self._entered = ""
        self._update_display()
        super().done(result)

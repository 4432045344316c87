"""Idle detection and the attract loop.

:class:`IdleWatcher` is an application-wide event filter: any mouse, touch, pen, wheel or key input
restarts a single-shot timer; when it fires the kiosk is idle.  A *press* (mouse button, finger, pen,
key) is also announced separately, before the widget under it sees the event, so the attract loop can
stop and clear the canvas and the same press then starts the visitor's first stroke.

:class:`AttractLoop` draws sample digits (``assets/strokes/digit_<d>.json``) stroke by stroke through the
canvas API (no synthetic input events), so the window's live pipeline runs on them and every panel
animates; between digits it pauses on the finished drawing, then clears and starts the next one.  A
call-to-action label (objectName ``attractOverlay``) floats over the canvas while it plays.
"""

from __future__ import annotations

import html
import logging
import random
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from convlens.gui.canvas import DrawingCanvas
from convlens.services.samples import STROKES_DIR, Stroke, load_sample_strokes

__all__ = [
    "INPUT_EVENTS",
    "PRESS_EVENTS",
    "STROKES_DIR",
    "AttractLoop",
    "AttractOverlay",
    "IdleWatcher",
    "load_sample_strokes",
]

log = logging.getLogger(__name__)


PRESS_EVENTS = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
        QEvent.Type.KeyPress,
        QEvent.Type.Wheel,
    }
)
"""Input that ends the attract loop at once."""
INPUT_EVENTS = PRESS_EVENTS | {
    QEvent.Type.MouseMove,
    QEvent.Type.MouseButtonRelease,
    QEvent.Type.TouchUpdate,
    QEvent.Type.TouchEnd,
    QEvent.Type.TabletMove,
    QEvent.Type.TabletRelease,
    QEvent.Type.KeyRelease,
}
"""Input that counts as activity (restarts the idle timer)."""


def tr(text: str) -> str:
    """Translate a kiosk string (context ``Kiosk``)."""
    return QCoreApplication.translate("Kiosk", text)


class IdleWatcher(QObject):
    """Application-wide input watcher; see the module docstring.

    Parameters
    ----------
    timeout_s : float
        Seconds without input before ``idle`` is emitted (once per idle period).
    parent : QObject, optional

    Signals
    -------
    idle()
        No input for ``timeout_s``.
    pressed()
        A press (mouse, finger, pen, key or wheel), emitted before the target widget handles it.
    activity()
        Any input (throttled to once per 100 ms).
    """

    idle = Signal()
    pressed = Signal()
    activity = Signal()

    def __init__(self, timeout_s: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kioskIdleWatcher")
        self._timer = QTimer(self)
        self._timer.setObjectName("kioskIdleTimer")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_timeout(timeout_s)
        self._installed = False
        self._activity_gate = QTimer(self)
        self._activity_gate.setSingleShot(True)
        self._activity_gate.setInterval(100)

    def set_timeout(self, timeout_s: float) -> None:
        """Change the idle timeout (restarts the timer if it is running)."""
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        self._timer.setInterval(max(1, int(round(timeout_s * 1000))))
        if self._timer.isActive():
            self._timer.start()

    def timeout_ms(self) -> int:
        """The idle timeout in milliseconds."""
        return self._timer.interval()

    def install(self) -> None:
        """Start watching every input event of the application and start the timer."""
        app = QApplication.instance()
        if app is None:
            raise RuntimeError("a QApplication must exist")
        if not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self._timer.start()

    def uninstall(self) -> None:
        """Stop watching and stop the timer."""
        app = QApplication.instance()
        if self._installed and app is not None:
            app.removeEventFilter(self)
        self._installed = False
        self._timer.stop()

    def restart(self) -> None:
        """Start a new idle period now (as if there had been input)."""
        self._timer.start()

    def is_counting(self) -> bool:
        """Whether an idle period is running (False after ``idle`` fired until the next input)."""
        return self._timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind in INPUT_EVENTS and watched.isWidgetType():
            # Each input event reaches the filter once per widget it propagates through; only the first
            # matters and restarting a QTimer is cheap, so no de-duplication is needed.
            self._timer.start()
            if kind in PRESS_EVENTS:
                self.pressed.emit()
            if not self._activity_gate.isActive():
                self._activity_gate.start()
                self.activity.emit()
        return False


class AttractOverlay(QLabel):
    """The "Draw a digit!" call to action floating over the canvas (transparent to input).

    Parameters
    ----------
    window : QWidget
        Parent; the label positions itself over ``anchor``.
    anchor : QWidget
        The canvas.
    """

    def __init__(self, window: QWidget, anchor: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("attractOverlay")
        self.setProperty("selfTranslating", True)
        self._anchor = anchor
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setStyleSheet(
            "QLabel#attractOverlay { color: #0b0d10; background: rgba(76, 194, 255, 215);"
            " border-radius: 16px; padding: 10px 20px; }"
        )
        self._title_px = 32
        self._retranslate()
        self.hide()
        window.installEventFilter(self)
        anchor.installEventFilter(self)

    def _retranslate(self) -> None:
        title = html.escape(tr("Draw a digit!"))
        sub = html.escape(tr("Touch the black square and watch the network read it"))
        small = max(12, int(self._title_px * 0.5))
        self.setText(
            f"<div style='font-size:{self._title_px}px; font-weight:700'>{title}</div>"
            f"<div style='font-size:{small}px; font-weight:600'>{sub}</div>"
        )

    def title(self) -> str:
        """The call to action as shown (plain text, current language)."""
        return tr("Draw a digit!")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self.reposition()
        super().changeEvent(event)

    def reposition(self) -> None:
        """Centre over the lower part of the canvas, scaled to it."""
        anchor = self._anchor
        parent = self.parentWidget()
        if parent is None:
            return
        top_left = anchor.mapTo(parent, QPoint(0, 0))
        w, h = anchor.width(), anchor.height()
        side = min(w, h)
        title_px = max(18, int(side / 15))
        if title_px != self._title_px:
            self._title_px = title_px
            self._retranslate()
        width = max(200, int(side * 0.9))
        self.setFixedWidth(width)
        self.setFixedHeight(self.heightForWidth(width))
        x = top_left.x() + (w - width) // 2
        y = top_left.y() + (h + side) // 2 - self.height() - int(side * 0.015)
        self.move(x, max(0, y))
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show) and self.isVisible():
            self.reposition()
        return False

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.reposition()


class AttractLoop(QObject):
    """Replays sample digits on the canvas; see the module docstring.

    Parameters
    ----------
    canvas : DrawingCanvas
        The drawing canvas (``begin_stroke``/``extend_stroke``/``end_stroke``/``clear``).
    overlay : QWidget, optional
        Shown while the loop plays.
    samples : sequence of (digit, strokes), optional
        Default :func:`load_sample_strokes`.
    points_per_tick : int
        Points added per tick (drawing speed).
    tick_ms : int
        Tick interval.
    hold_ms : int
        Pause on a finished digit before the next one.
    seed : int, optional
        Shuffle seed (random order of the samples, every digit once per round).
    parent : QObject, optional

    Signals
    -------
    started(), stopped()
    digitDrawn(int)
        A sample digit was finished (the pipeline shows its prediction during the hold).
    """

    started = Signal()
    stopped = Signal()
    digitDrawn = Signal(int)

    def __init__(
        self,
        canvas: DrawingCanvas,
        overlay: QWidget | None = None,
        samples: Sequence[tuple[int, list[Stroke]]] | None = None,
        points_per_tick: int = 2,
        tick_ms: int = 20,
        hold_ms: int = 1800,
        seed: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("kioskAttractLoop")
        self._canvas = canvas
        self._overlay = overlay
        self._samples = list(samples) if samples is not None else load_sample_strokes()
        self._points_per_tick = max(1, int(points_per_tick))
        self._hold_ms = int(hold_ms)
        self._rng = random.Random(seed)
        self._order: list[int] = []
        self._last_digit: int | None = None
        self._current: tuple[int, list[Stroke]] | None = None
        self._stroke = 0
        self._point = 0
        self._running = False
        self.digits_drawn = 0
        self._tick = QTimer(self)
        self._tick.setObjectName("kioskAttractTick")
        self._tick.setInterval(int(tick_ms))
        self._tick.timeout.connect(self._step)
        self._hold = QTimer(self)
        self._hold.setObjectName("kioskAttractHold")
        self._hold.setSingleShot(True)
        self._hold.timeout.connect(self._next_digit)

    def is_running(self) -> bool:
        """Whether the loop is playing."""
        return self._running

    def sample_count(self) -> int:
        """How many sample drawings are available."""
        return len(self._samples)

    def start(self) -> None:
        """Clear the canvas and start drawing (no-op if running or if there are no samples)."""
        if self._running:
            return
        if not self._samples:
            log.warning("attract loop: no sample strokes found in %s", STROKES_DIR)
            return
        self._running = True
        if self._overlay is not None:
            self._overlay.show()
            self._overlay.raise_()
        self._next_digit()
        self._tick.start()
        self.started.emit()

    def stop(self, clear: bool = True) -> None:
        """Stop at once; by default also clear the canvas for the visitor."""
        if not self._running:
            return
        self._running = False
        self._tick.stop()
        self._hold.stop()
        self._current = None
        if self._overlay is not None:
            self._overlay.hide()
        self._canvas.end_stroke()
        if clear:
            self._canvas.clear()
        self.stopped.emit()

    def _next_digit(self) -> None:
        if not self._running:
            return
        if not self._order:
            self._order = self._new_round()
        self._current = self._samples[self._order.pop()]
        self._last_digit = self._current[0]
        self._stroke = 0
        self._point = 0
        self._canvas.clear()
        if not self._tick.isActive():
            self._tick.start()

    def _new_round(self) -> list[int]:
        """Every sample once, shuffled so the same digit never comes twice in a row (popped from the end)."""
        order = list(range(len(self._samples)))
        self._rng.shuffle(order)
        digits = [self._samples[i][0] for i in order]
        previous = self._last_digit
        for pos in range(len(order) - 1, -1, -1):  # drawing order is from the end
            if digits[pos] == previous:
                swap = next((j for j in range(pos - 1, -1, -1) if digits[j] != previous), None)
                if swap is not None:
                    order[pos], order[swap] = order[swap], order[pos]
                    digits[pos], digits[swap] = digits[swap], digits[pos]
            previous = digits[pos]
        return order

    def _step(self) -> None:
        if not self._running or self._current is None:
            return
        digit, strokes = self._current
        for _ in range(self._points_per_tick):
            stroke = strokes[self._stroke]
            x, y = stroke[self._point]
            if self._point == 0:
                self._canvas.begin_stroke(x, y)
            else:
                self._canvas.extend_stroke(x, y)
            self._point += 1
            if self._point >= len(stroke):
                self._canvas.end_stroke()
                self._stroke += 1
                self._point = 0
                if self._stroke >= len(strokes):
                    self._tick.stop()
                    self._current = None
                    self.digits_drawn += 1
                    self.digitDrawn.emit(digit)
                    self._hold.start(self._hold_ms)
                    return

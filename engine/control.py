"""Holding a training run: pause, resume, one step, reset and a new learning rate, from another thread.

:class:`TrainingControl` is a small thread-safe object (no Qt) that the GUI thread changes and
:func:`convlens.engine.train.fit` consults between batches:

- **pause** — ``fit`` finishes the batch in progress, yields a ``"paused"`` record (the loss of the last batch)
  and then waits, sleeping on an event with a short timeout (no busy loop holding the GIL), still honouring
  ``cancel`` within about :data:`POLL_SECONDS`.
- **step** — exactly one batch, then paused again; the ``"paused"`` record that follows carries the batch's loss
  and ``filter_change``: the per-filter L2 change of the first conv layer's weights during that batch. Asked for
  while running, the run pauses after its next batch.
- **resume** — training goes on from where it stopped.
- **reset** — only while paused (:meth:`TrainingControl.reset` returns False otherwise): the weights the run
  started from are put back bit for bit, the optimiser's state (momentum, Adam moments, its step count), the
  step counter, the shuffling and augmentation random numbers and the dropout masks start over; ``fit`` yields a
  ``"reset"`` record and stays paused. A reset followed by resume is the same run as a fresh one (with one
  process; worker processes keep their own dropout random numbers).
- **learning rate** — :meth:`TrainingControl.set_learning_rate` (the GUI offers it while paused) *replaces the
  recipe's schedule*: every later batch uses exactly that rate (a constant schedule from there on), also after a
  reset, until the run ends. A visitor who types 0.01 sees 0.01 used, not a warm-up or decay of it.
"""

from __future__ import annotations

import math
import threading

import numpy as np

__all__ = ["POLL_SECONDS", "TrainingControl", "filter_change", "first_conv_weights"]

POLL_SECONDS = 0.05
"""Longest sleep of a paused run between two looks at ``cancel`` and the control."""


class TrainingControl:
    """Pause/resume/step/reset/learning-rate requests for one run (all methods are thread-safe).

    Attributes
    ----------
    is_paused : bool
        Pause (or a step) was asked for and resume was not: the run is holding or about to hold.
    learning_rate : float or None
        The learning rate set by :meth:`set_learning_rate` (None: the recipe's schedule).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._paused = False
        self._steps = 0
        self._reset = False
        self._lr: float | None = None

    @property
    def is_paused(self) -> bool:
        with self._lock:
            return self._paused

    @property
    def learning_rate(self) -> float | None:
        with self._lock:
            return self._lr

    def pause(self) -> None:
        """Hold the run after the batch in progress (steps asked for and not yet run are dropped)."""
        with self._lock:
            self._paused = True
            self._steps = 0

    def resume(self) -> None:
        """Let the run go on."""
        with self._lock:
            self._paused = False
            self._steps = 0
        self._wake.set()

    def step(self) -> None:
        """Run exactly one more batch, then hold again (each call one batch)."""
        with self._lock:
            self._paused = True
            self._steps += 1
        self._wake.set()

    def reset(self) -> bool:
        """Ask for the starting weights back (only while paused; False, nothing asked, otherwise)."""
        with self._lock:
            if not self._paused:
                return False
            self._reset = True
            self._steps = 0
        self._wake.set()
        return True

    def set_learning_rate(self, lr: float) -> None:
        """Use ``lr`` for every later batch instead of the schedule (see the module docstring).

        Raises
        ------
        ValueError
            ``lr`` is not a positive finite number.
        """
        lr = float(lr)
        if not (lr > 0 and math.isfinite(lr)):
            raise ValueError(f"learning rate must be a positive number, got {lr}")
        with self._lock:
            self._lr = lr

    # -- the training loop's side ---------------------------------------------------------------------------
    def take(self) -> str:
        """What the loop does before its next batch: ``"run"``, ``"step"`` (one batch granted), ``"reset"``,
        or ``"hold"``. Consumes a granted step or a reset request."""
        with self._lock:
            if self._reset:
                self._reset = False
                return "reset"
            if not self._paused:
                return "run"
            if self._steps > 0:
                self._steps -= 1
                return "step"
            self._wake.clear()
            return "hold"

    def wait(self, timeout: float = POLL_SECONDS) -> None:
        """Sleep until a request arrives or ``timeout`` seconds pass (the loop then looks at ``cancel`` again)."""
        self._wake.wait(timeout)


def first_conv_weights(params: dict[str, np.ndarray] | None) -> np.ndarray | None:
    """A copy of a conv layer's kernel ``w`` ``(H_f, W_f, C_in, F)`` (None when there is none)."""
    if params is None or "w" not in params:
        return None
    return np.array(params["w"], copy=True)


def filter_change(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Per-filter L2 norm of ``after - before``.

    Parameters
    ----------
    before, after : ndarray, shape (H_f, W_f, C_in, F)

    Returns
    -------
    ndarray of float64, shape (F,)
    """
    diff = after.astype(np.float64) - before.astype(np.float64)
    return np.sqrt(np.sum(diff.reshape(-1, diff.shape[-1]) ** 2, axis=0))

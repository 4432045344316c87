"""Teach the network with one step: the visitor's drawing, the right digit, one gradient step, and undo. No Qt.

:class:`Teacher` holds the NumPy network being taught. :meth:`Teacher.gradients` shows which weights the drawing
would change (the cross-entropy gradient of every parameter, signed, per layer); :meth:`Teacher.teach` applies ONE
plain SGD step on that single drawing and returns the probabilities before and after; :meth:`Teacher.undo` puts the
previous weights back bit for bit (a stack: several steps can be undone one by one).

The step: plain SGD, ``w -= lr * dL/dw`` with the cross-entropy ``L`` of the drawing and its digit, dropout off,
the global gradient norm clipped to :data:`MAX_GRADIENT_NORM` so that one confidently wrong drawing cannot throw
the weights far. Measured on the shipped model with the 30 first MNIST test digits (from index 2000) it misreads,
each taught its true label: the true digit's probability goes from 0.17 to 0.84 on average (median 0.15 -> 0.96,
every one up by at least 0.17), and the accuracy on 1,000 other test digits drops by 0.1 point on average, 0.5 at
most (see ``tests/services/test_teach.py``).

The window shows the taught network through :attr:`Teacher.model` (a ``Sequential``, itself a ``Predictor``):
an ONNX file's predictor does not change when its ``.npz`` twin is taught.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from dataclasses import dataclass

import numpy as np

from convlens.engine import gradients
from convlens.engine.model import Predictor, Sequential
from convlens.services.explain import as_image, numpy_model_of

__all__ = [
    "LEARNING_RATE",
    "MAX_GRADIENT_NORM",
    "MAX_UNDO_STEPS",
    "TeachResult",
    "Teacher",
    "filter_strengths",
]

LEARNING_RATE = 0.05
"""Step size of one teach step (plain SGD)."""
MAX_UNDO_STEPS = 10
"""Teach steps that can be undone one by one (each keeps a copy of all ~106,000 weights, 425 KB)."""
MAX_GRADIENT_NORM = 2.0
"""The gradient of all parameters together is scaled down to at most this L2 norm before the step, so one step
moves the weights by at most ``LEARNING_RATE * MAX_GRADIENT_NORM`` = 0.1 (L2 over all ~106,000 weights). A
drawing the network misreads has a gradient norm of about 40 (median over misread MNIST test digits): without
the clip, one step at this rate costs tens of accuracy points; with it, well under one."""


def filter_strengths(grads: dict[str, np.ndarray]) -> OrderedDict[str, np.ndarray]:
    """Per conv filter / dense unit: the L2 norm of its weight gradient (how much that filter would change).

    Parameters
    ----------
    grads : dict[str, ndarray]
        ``"<layer>/w"`` -> gradient, e.g. conv ``(H_f, W_f, C_in, C_out)``, dense ``(D_in, D_out)``.

    Returns
    -------
    OrderedDict[str, ndarray]
        Layer name -> ``(C_out,)`` (one value per filter or unit), in the order of ``grads``.
    """
    out: OrderedDict[str, np.ndarray] = OrderedDict()
    for name, grad in grads.items():
        layer, _, param = name.partition("/")
        if param == "w" and grad.ndim >= 2:
            out[layer] = np.sqrt((grad.reshape(-1, grad.shape[-1]).astype(np.float64) ** 2).sum(axis=0))
    return out


@dataclass(frozen=True)
class TeachResult:
    """What one teach step did.

    Attributes
    ----------
    digit : int
        The digit taught.
    before, after : ndarray, shape (10,)
        Probabilities of the drawing before and after the step.
    loss_before : float
        Cross-entropy of the drawing before the step.
    gradients : dict[str, ndarray]
        ``"<layer>/<param>"`` -> ``d loss / d param`` (signed, the parameter's shape, e.g. ``"conv1/w"``
        ``(5, 5, 1, 16)``): the weights move against it.
    changes : dict[str, ndarray]
        ``"<layer>/<param>"`` -> the change applied (``after - before`` weights), same shapes.
    """

    digit: int
    before: np.ndarray
    after: np.ndarray
    loss_before: float
    gradients: dict[str, np.ndarray]
    changes: dict[str, np.ndarray]

    def as_dict(self) -> dict[str, list[float]]:
        """``{"before": [10 floats], "after": [10 floats]}`` (what the window's ``teach`` returns)."""
        return {"before": [float(p) for p in self.before], "after": [float(p) for p in self.after]}


class Teacher:
    """One-step teaching of a NumPy network, with undo.

    Parameters
    ----------
    model : Sequential
        The network taught, changed in place (pass ``clone_model(model)`` to keep the original).
    lr : float
        SGD step size.
    max_gradient_norm : float
        Clip of the global gradient norm (``inf``: no clipping).
    max_undo : int
        Steps :meth:`undo` can take back one by one (each keeps a copy of every weight; a kiosk visitor pressing
        Teach a thousand times must not fill the memory). :meth:`reset` always goes back to the weights from
        before the first step.
    """

    def __init__(
        self,
        model: Sequential,
        lr: float = LEARNING_RATE,
        max_gradient_norm: float = MAX_GRADIENT_NORM,
        max_undo: int = MAX_UNDO_STEPS,
    ) -> None:
        if not lr > 0.0 or not math.isfinite(lr):
            raise ValueError(f"lr must be a positive number, got {lr}")
        if not max_gradient_norm > 0.0:
            raise ValueError(f"max_gradient_norm must be positive, got {max_gradient_norm}")
        self.model = model
        self.lr = float(lr)
        self.max_gradient_norm = float(max_gradient_norm)
        self._history: deque[dict[str, np.ndarray]] = deque(maxlen=max_undo)
        self._original: dict[str, np.ndarray] | None = None
        self._steps = 0

    @classmethod
    def for_predictor(
        cls,
        predictor: Predictor,
        lr: float = LEARNING_RATE,
        max_gradient_norm: float = MAX_GRADIENT_NORM,
        max_undo: int = MAX_UNDO_STEPS,
    ) -> Teacher:
        """A teacher of ``predictor``'s NumPy network (the model itself, or an ONNX file's ``.npz`` twin).

        Raises
        ------
        convlens.services.explain.GradientUnavailable
            An ONNX file without a twin.
        """
        return cls(numpy_model_of(predictor), lr, max_gradient_norm, max_undo)

    # -- looking ---------------------------------------------------------------------------------------------
    def predict(self, image: np.ndarray) -> np.ndarray:
        """Probabilities ``(10,)`` of the taught network for one 28x28 drawing."""
        return np.asarray(self.model.predict_proba(as_image(image)[None, ..., None])[0], dtype=np.float32)

    def gradients(self, image: np.ndarray, digit: int) -> dict[str, np.ndarray]:
        """Which weights teaching ``digit`` on ``image`` would change: ``d loss / d param`` per parameter.

        Parameters
        ----------
        image : ndarray, shape (28, 28)
            The network input, float32 in [0, 1].
        digit : int

        Returns
        -------
        dict[str, ndarray]
            ``"<layer>/<param>"`` -> signed gradient of the parameter's shape (conv ``w`` ``(H_f, W_f, C_in,
            C_out)``: one slice per filter); a step moves each weight against its gradient. Nothing changes.
        """
        return gradients.loss_gradient(self.model, as_image(image)[None, ..., None], self._digit(digit)).grads

    def _digit(self, digit: int) -> int:
        if not 0 <= int(digit) < self.model.num_classes:
            raise ValueError(f"digit must be in 0..{self.model.num_classes - 1}, got {digit}")
        return int(digit)

    # -- changing -------------------------------------------------------------------------------------------
    def teach(self, image: np.ndarray, digit: int) -> TeachResult:
        """ONE SGD step on this single drawing labelled ``digit``; :meth:`undo` takes it back.

        Returns
        -------
        TeachResult
            ``as_dict()`` gives ``{"before": [...], "after": [...]}``.
        """
        x = as_image(image)[None, ..., None]
        label = self._digit(digit)
        with gradients.gradient_mode(self.model):  # the lock: no explanation runs half-way through the update
            saved = self.model.get_weights()
            result = gradients.loss_gradient(self.model, x, label)
            norm = math.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in result.grads.values()))
            factor = self.lr * min(1.0, self.max_gradient_norm / norm) if norm > 0 else 0.0
            for name, value, _ in self.model.named_params():
                value -= np.asarray(factor * result.grads[name], dtype=value.dtype)
            changes = {name: value - saved[name] for name, value, _ in self.model.named_params()}
        if self._original is None:
            self._original = saved
        self._history.append(saved)
        self._steps += 1
        after = self.predict(x)
        return TeachResult(label, result.probs[0], after, result.loss, result.grads, changes)

    @property
    def can_undo(self) -> bool:
        """Whether a step can be undone."""
        return bool(self._history)

    @property
    def steps(self) -> int:
        """Steps taken and not undone (0: the weights are the original ones)."""
        return self._steps

    def undo(self) -> bool:
        """Restore the weights from before the last step, bit for bit; False if there is nothing to undo.

        Only the last ``max_undo`` steps can be undone one by one; past them, :meth:`reset`.
        """
        if not self._history:
            return False
        with gradients.gradient_mode(self.model):
            self.model.set_weights(self._history.pop())
        self._steps -= 1
        if self._steps == 0:
            self._original = None
        return True

    def reset(self) -> bool:
        """Restore the weights from before the first step, bit for bit; False if no step was taken."""
        if self._original is None:
            return False
        with gradients.gradient_mode(self.model):
            self.model.set_weights(self._original)
        self._history.clear()
        self._original = None
        self._steps = 0
        return True

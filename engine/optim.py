"""Optimisers (SGD with momentum, Adam) and learning-rate schedules.

An optimiser updates a list of parameter arrays in place from a list of gradient arrays of the same shapes;
it knows nothing about layers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


class Optimizer:
    """Base class. ``lr`` may be changed between steps (schedules do)."""

    def __init__(self, lr: float, weight_decay: float = 0.0) -> None:
        if lr <= 0 or not math.isfinite(lr):
            raise ValueError(f"learning rate must be a positive number, got {lr}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.t = 0

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Update every ``params[i]`` in place from ``grads[i]``."""
        raise NotImplementedError


class SGD(Optimizer):
    """SGD with (optionally Nesterov) momentum and L2 weight decay added to the gradient."""

    def __init__(
        self, lr: float = 0.05, momentum: float = 0.9, weight_decay: float = 0.0, nesterov: bool = False
    ):
        super().__init__(lr, weight_decay)
        self.momentum = float(momentum)
        self.nesterov = nesterov
        self._velocity: list[np.ndarray] = []

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        if not self._velocity:
            self._velocity = [np.zeros_like(p) for p in params]
        self.t += 1
        for p, g, v in zip(params, grads, self._velocity, strict=True):
            if self.weight_decay and p.ndim > 1:
                g = g + self.weight_decay * p
            v *= self.momentum
            v += g
            p -= self.lr * (g + self.momentum * v if self.nesterov else v)


class Adam(Optimizer):
    """Adam with decoupled weight decay (AdamW) applied to weight matrices, not biases."""

    def __init__(
        self,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self._m: list[np.ndarray] = []
        self._v: list[np.ndarray] = []
        self._tmp: list[np.ndarray] = []

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        if not self._m:
            self._m = [np.zeros_like(p) for p in params]
            self._v = [np.zeros_like(p) for p in params]
            self._tmp = [np.empty_like(p) for p in params]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step_size = self.lr * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        eps_hat = self.eps * math.sqrt(1 - b2**self.t)
        for p, g, m, v, tmp in zip(params, grads, self._m, self._v, self._tmp, strict=True):
            if self.weight_decay and p.ndim > 1:
                p *= 1.0 - self.lr * self.weight_decay
            m *= b1
            m += (1 - b1) * g
            np.multiply(g, g, out=tmp)
            tmp *= 1 - b2
            v *= b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += eps_hat
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p -= tmp


def make_optimizer(name: str, lr: float, weight_decay: float = 0.0) -> Optimizer:
    """``"adam"`` or ``"sgd"`` by name."""
    if name == "adam":
        return Adam(lr=lr, weight_decay=weight_decay)
    if name == "sgd":
        return SGD(lr=lr, momentum=0.9, weight_decay=weight_decay, nesterov=True)
    raise ValueError(f"unknown optimizer {name!r}; use 'adam' or 'sgd'")


def learning_rate(schedule: str, base_lr: float, step: int, total_steps: int, warmup_steps: int = 0) -> float:
    """Learning rate at ``step`` (0-based) of ``total_steps``.

    Parameters
    ----------
    schedule : {"constant", "cosine", "onecycle", "step"}
        ``cosine``: linear warm-up then cosine decay to 1% of ``base_lr``; ``onecycle``: warm-up over the first
        30% then cosine decay to ~0; ``step``: x0.1 at 50% and 75% of training.
    """
    total_steps = max(total_steps, 1)
    if schedule == "constant":
        return base_lr
    if schedule == "step":
        frac = step / total_steps
        return base_lr * (0.1 if frac >= 0.5 else 1.0) * (0.1 if frac >= 0.75 else 1.0)
    if schedule == "onecycle":
        warmup_steps = max(1, int(0.3 * total_steps))
        floor = base_lr / 1000
    elif schedule == "cosine":
        floor = base_lr / 100
    else:
        raise ValueError(f"unknown schedule {schedule!r}; use constant, cosine, onecycle or step")
    if step < warmup_steps:
        return base_lr * (0.1 + 0.9 * (step + 1) / warmup_steps)
    progress = (step - warmup_steps) / max(total_steps - warmup_steps, 1)
    return floor + 0.5 * (base_lr - floor) * (1 + math.cos(math.pi * min(progress, 1.0)))

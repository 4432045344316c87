"""Training as a generator of progress records, so that the CLI and the GUI drive the same loop.

``fit`` yields a :class:`TrainProgress` every few batches and at the end of every epoch; it checks ``cancel``
between batches and stops cleanly; a NaN or infinite loss restores the last good weights and raises
:class:`TrainingDiverged`. The records hold copies of nothing large, so they are safe to hand to another thread.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from convlens.engine.augment import AugmentConfig, AugmentParams, augment_batch, sample_augmentation
from convlens.engine.control import TrainingControl, filter_change, first_conv_weights
from convlens.engine.layers import Conv2D
from convlens.engine.losses import softmax_cross_entropy
from convlens.engine.model import Sequential
from convlens.engine.optim import learning_rate, make_optimizer
from convlens.engine.parallel import DataParallel, ProcessPool


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the model holds the last weights whose loss was finite."""


@dataclass(frozen=True)
class TrainConfig:
    """How to train.

    Attributes
    ----------
    epochs : int
    batch_size : int
    lr : float
        Peak learning rate.
    optimizer : {"adam", "sgd"}
    schedule : {"constant", "cosine", "onecycle", "step"}
    weight_decay : float
    seed : int
        Seeds shuffling, augmentation and (through the model) dropout: the same seed gives the same run.
    validation_split : float
        Fraction of the training images held out for validation (taken from the end).
    augment : bool
        Random affine changes and stroke thickness (:mod:`engine.augment`) of every batch. This process draws
        them; each process computing a slice of the batch applies them to its slice (without mixup, which blends
        images across the batch), with the same bits for any number of processes.
    mixup : float
        ``alpha`` of mixup (:func:`mix_up`): each batch blended with a shuffled copy of itself by
        ``lam ~ Beta(alpha, alpha)``, the targets likewise; 0: off.
    label_smoothing : float
        Target ``(1 - s) * onehot + s / 10`` in the loss (:func:`engine.losses.softmax_cross_entropy`); 0: off.
    pen_fraction : float
        Share of each batch taken from the pen-drawn versions of its digits (``x_pen`` of :func:`fit`,
        :mod:`engine.drawn`), before the augmentation; 0 switches the mix-in off.
    report_every : int
        Yield a step record every this many batches.
    workers : int
        Processes computing each batch's gradient (data parallel: this process and ``workers - 1`` worker
        processes each take a slice of the batch; see :mod:`engine.parallel`). Run BLAS single-threaded then
        (``OPENBLAS_NUM_THREADS=1``, as ``convlens`` does) or the BLAS threads of the processes fight over the
        cores.
    """

    epochs: int = 3
    batch_size: int = 128
    lr: float = 3e-3
    optimizer: str = "adam"
    schedule: str = "onecycle"
    weight_decay: float = 0.0
    seed: int = 0
    validation_split: float = 0.0
    augment: bool = False
    augment_config: AugmentConfig = field(default_factory=AugmentConfig)
    pen_fraction: float = 0.0
    label_smoothing: float = 0.0
    mixup: float = 0.0
    report_every: int = 20
    workers: int = 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready copy (for the model card)."""
        data = asdict(self)
        data["augment_config"] = asdict(self.augment_config) if self.augment else None
        return data


@dataclass(frozen=True)
class TrainProgress:
    """One progress record.

    Attributes
    ----------
    kind : {"step", "epoch", "done", "cancelled", "paused", "reset"}
        ``"paused"``: the run holds (:class:`~convlens.engine.control.TrainingControl`), ``loss`` and
        ``batch_accuracy`` are the last batch's; ``"reset"``: the starting weights are back, ``step`` is 0.
    epoch : int
        1-based epoch in progress (or just finished for ``"epoch"`` records).
    step, total_steps : int
        Batches done so far, and in the whole run.
    loss, batch_accuracy : float
        Of the latest batch (``"epoch"`` records: means over the epoch).
    examples_per_second : float
        Training throughput since the start.
    elapsed : float
        Seconds of training since the start (time spent paused not counted).
    lr : float
    val_loss, val_accuracy : float or None
        Set on ``"epoch"`` records when there is a validation set.
    filter_change : ndarray of float64, shape (F,), or None
        On the ``"paused"`` record after one step: how much each filter of the first conv layer changed in that
        batch (L2 norm of the change of its ``(H_f, W_f, C_in)`` weights); None otherwise.
    """

    kind: str
    epoch: int
    epochs: int
    step: int
    total_steps: int
    loss: float
    batch_accuracy: float
    examples_per_second: float
    elapsed: float
    lr: float
    val_loss: float | None = None
    val_accuracy: float | None = None
    filter_change: np.ndarray | None = field(default=None, compare=False)

    @property
    def fraction(self) -> float:
        """Share of the run done, 0..1."""
        return self.step / max(self.total_steps, 1)

    @property
    def eta_seconds(self) -> float:
        """Estimated seconds left."""
        if self.step == 0:
            return math.nan
        return self.elapsed * (self.total_steps - self.step) / self.step


CancelFlag = Callable[[], bool] | threading.Event | None


def default_workers() -> int:
    """2 data-parallel training processes on a multi-core machine whose BLAS runs single-threaded, else 1.

    ``convlens`` sets ``OPENBLAS_NUM_THREADS=1`` before NumPy loads (unless the user set it): two single-threaded
    workers measured faster than one process with a two-threaded BLAS, and they degrade gracefully when another
    process or the GUI thread wants a core, where a spinning two-thread BLAS slows down several-fold.
    """
    if (os.cpu_count() or 1) >= 2 and os.environ.get("OPENBLAS_NUM_THREADS") == "1":
        return 2
    return 1


def _is_cancelled(cancel: CancelFlag) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


def split_validation(
    x: np.ndarray, y: np.ndarray, fraction: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Hold out the last ``fraction`` of ``x`` ``(N, ...)`` / ``y`` ``(N,)`` as a validation set."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"validation_split must be in [0, 1), got {fraction}")
    n_val = int(round(len(x) * fraction))
    if n_val == 0:
        return x, y, None, None
    return x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]


def evaluate_loss(
    model: Sequential, x: np.ndarray, y: np.ndarray, batch_size: int = 1000, threads: int = 1
) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on ``x`` ``(N, 28, 28, 1)``, ``y`` ``(N,)`` (forward passes on
    ``threads`` threads, :meth:`Sequential.forward_batches`; the same figures with any number)."""
    total_loss, correct = 0.0, 0
    for i, logits in zip(range(0, len(x), batch_size), model.forward_batches(x, batch_size, threads), strict=True):
        loss, _ = softmax_cross_entropy(logits, y[i : i + batch_size])
        total_loss += loss * len(logits)
        correct += int(np.sum(logits.argmax(axis=1) == y[i : i + batch_size]))
    return total_loss / max(len(x), 1), correct / max(len(x), 1)


def mix_up(
    xb: np.ndarray, yb: np.ndarray, rng: np.random.Generator, alpha: float, classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mixup: blend a batch with a shuffled copy of itself, and the targets likewise.

    Two digits laid over each other are neither digit for sure, so the network learns to answer such drawings
    with divided probabilities instead of one confident (and often wrong) guess.

    Parameters
    ----------
    xb : ndarray, shape (B, 28, 28, 1)
    yb : ndarray of int, shape (B,)
    rng : numpy Generator
    alpha : float
        ``lam ~ Beta(alpha, alpha)`` (small alpha: most batches stay close to one of the two digits).
    classes : int
        ``K``.

    Returns
    -------
    xb : ndarray, shape (B, 28, 28, 1)
        ``lam * xb + (1 - lam) * xb[perm]``.
    targets : ndarray of float32, shape (B, K)
        ``lam * onehot(yb) + (1 - lam) * onehot(yb[perm])``.
    """
    lam = float(rng.beta(alpha, alpha))
    perm = rng.permutation(len(xb))
    mixed = xb * np.float32(lam) + xb[perm] * np.float32(1.0 - lam)
    targets = np.zeros((len(yb), classes), np.float32)
    rows = np.arange(len(yb))
    targets[rows, yb] += np.float32(lam)
    targets[rows, yb[perm]] += np.float32(1.0 - lam)
    return mixed.astype(xb.dtype, copy=False), targets


def mix_pen(
    xb: np.ndarray, idx: np.ndarray, x_pen: np.ndarray, rng: np.random.Generator, fraction: float
) -> np.ndarray:
    """Swap a random ``fraction`` of a batch for pen-drawn versions of the same digits.

    Parameters
    ----------
    xb : ndarray, shape (B, 28, 28, 1)
        float32 batch (a copy the caller owns; changed in place and returned).
    idx : ndarray of int, shape (B,)
        Indices of the batch's images in the training set.
    x_pen : ndarray, shape (V, M, 28, 28), uint8
        ``V`` re-drawn versions of the first ``M`` training images (``round(255 * image)``); images with an index
        ``>= M`` (e.g. appended corrections) are never swapped.
    rng : numpy Generator
    fraction : float
        Probability that an image is swapped; the version is picked uniformly.

    Returns
    -------
    ndarray, shape (B, 28, 28, 1)
    """
    take = (rng.random(len(idx)) < fraction) & (idx < x_pen.shape[1])
    version = rng.integers(0, x_pen.shape[0], len(idx))
    if take.any():
        pen = x_pen[version[take], idx[take]].astype(np.float32)
        pen /= np.float32(255.0)
        xb[take] = pen[..., None]
    return xb


def fit(
    model: Sequential,
    x: np.ndarray,
    y: np.ndarray,
    config: TrainConfig | None = None,
    cancel: CancelFlag = None,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    x_pen: np.ndarray | None = None,
    control: TrainingControl | None = None,
    pool: ProcessPool | None = None,
) -> Iterator[TrainProgress]:
    """Train ``model`` in place, yielding progress.

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (N, 28, 28, 1)
        float32 training images in [0, 1].
    y : ndarray of int, shape (N,)
    config : TrainConfig
    cancel : threading.Event or callable, optional
        Checked between batches; when set the generator yields a ``"cancelled"`` record and stops.
    x_val, y_val : ndarray, optional
        Validation set; if absent and ``config.validation_split > 0`` it is split off ``x``/``y``.
    x_pen : ndarray, shape (V, M, 28, 28), uint8, optional
        Pen-drawn versions of ``x[:M]`` (:func:`mix_pen`), used when ``config.pen_fraction > 0``.
    control : TrainingControl, optional
        Consulted between batches: pause, one step, resume, reset, a new learning rate
        (:mod:`convlens.engine.control`). A hold yields one ``"paused"`` record, a reset a ``"reset"`` record.
    pool : ProcessPool, optional
        Worker processes started ahead of time (:mod:`convlens.engine.worker_pool`): the run takes them instead
        of starting its own and gives them back at its end. Results are the same with or without.

    Yields
    ------
    TrainProgress

    Raises
    ------
    TrainingDiverged
        The loss became NaN/inf; the model's weights are those of the last finite-loss step.
    """
    config = config or TrainConfig()
    if x.ndim != 4 or tuple(x.shape[1:]) != model.input_shape:
        raise ValueError(f"training images must be (N, {model.input_shape}), got {x.shape}")
    if y.shape != (len(x),):
        raise ValueError(f"labels must be ({len(x)},), got {y.shape}")
    if config.epochs < 1 or config.batch_size < 1:
        raise ValueError("epochs and batch_size must be >= 1")
    if x_val is None and config.validation_split > 0:
        x, y, x_val, y_val = split_validation(x, y, config.validation_split)
    x = x.astype(np.float32, copy=False)
    y = y.astype(np.int64, copy=False)
    rng = np.random.default_rng(config.seed)
    _seed_dropout(model, config.seed)
    optimizer = make_optimizer(config.optimizer, config.lr, config.weight_decay)
    steps_per_epoch = math.ceil(len(x) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    # Without mixup the augmentation's pixel work is done where each slice's gradient is (engine.parallel).
    split_augment = config.augment and config.mixup <= 0
    replicas = DataParallel(
        model, config.workers, config.batch_size, config.seed, config.label_smoothing, pool,
        augment_config=config.augment_config if split_augment else None,
    )
    params, grads = replicas.optimizer_arrays(optimizer.weight_decay > 0)
    last_good = [p.copy() for p in params]
    initial = replicas.flat_params.copy() if control is not None else None  # what a reset puts back
    conv = next((layer for layer in model.layers if isinstance(layer, Conv2D)), None)
    start = time.perf_counter()
    step, seen = 0, 0
    order = np.arange(len(x))
    epoch_loss, epoch_correct, epoch_seen = 0.0, 0, 0
    loss, acc = math.nan, math.nan
    change: np.ndarray | None = None
    announced = False  # the current hold was reported

    def record(kind: str, epoch: int, loss: float, acc: float, **extra: Any) -> TrainProgress:
        elapsed = time.perf_counter() - start
        return TrainProgress(
            kind=kind,
            epoch=epoch,
            epochs=config.epochs,
            step=step,
            total_steps=total_steps,
            loss=loss,
            batch_accuracy=acc,
            examples_per_second=seen / max(elapsed, 1e-9),
            elapsed=elapsed,
            lr=optimizer.lr,
            **extra,
        )

    try:
        while step < total_steps:
            epoch, b = step // steps_per_epoch + 1, step % steps_per_epoch
            if _is_cancelled(cancel):
                replicas.close()
                yield record("cancelled", epoch, loss, acc)
                return
            single = False
            if control is not None:
                action = control.take()
                if action == "reset":
                    assert initial is not None
                    np.copyto(replicas.flat_params, initial)
                    rng = np.random.default_rng(config.seed)
                    _seed_dropout(model, config.seed)
                    optimizer = make_optimizer(config.optimizer, config.lr, config.weight_decay)
                    for p, good in zip(params, last_good, strict=True):
                        np.copyto(good, p)
                    step, seen, start = 0, 0, time.perf_counter()
                    loss, acc, change, announced = math.nan, math.nan, None, True
                    yield record("reset", 1, loss, acc)
                    continue
                if action == "hold":
                    if not announced:
                        announced = True
                        yield record("paused", epoch, loss, acc, filter_change=change)
                    held_from = time.perf_counter()
                    control.wait()
                    start += time.perf_counter() - held_from  # a hold is not training time
                    continue
                announced, single = False, action == "step"
            if b == 0:
                order = rng.permutation(len(x))
                epoch_loss, epoch_correct, epoch_seen = 0.0, 0, 0
                loss, acc = math.nan, math.nan
            idx = np.sort(order[b * config.batch_size : (b + 1) * config.batch_size])
            xb, yb = x[idx], y[idx]
            if x_pen is not None and config.pen_fraction > 0:
                xb = mix_pen(xb, idx, x_pen, rng, config.pen_fraction)
            draws: AugmentParams | None = None
            if split_augment:
                draws = sample_augmentation(len(xb), rng, config.augment_config)
            elif config.augment:
                xb = augment_batch(xb, rng, config.augment_config)
            if config.mixup > 0:
                xb, yb = mix_up(xb, yb, rng, config.mixup, model.num_classes)
            chosen = control.learning_rate if control is not None else None
            if chosen is None:
                chosen = learning_rate(config.schedule, config.lr, step, total_steps)
            optimizer.lr = chosen
            loss, correct = replicas.forward_backward(xb, yb, draws)
            if not math.isfinite(loss):
                replicas.close()
                for p, good in zip(params, last_good, strict=True):
                    np.copyto(p, good)
                raise TrainingDiverged(
                    f"the loss became {loss} at epoch {epoch}, step {step + 1} (learning rate {optimizer.lr:.3g}); "
                    "the last good weights were kept — try a smaller learning rate"
                )
            for p, good in zip(params, last_good, strict=True):
                np.copyto(good, p)
            before = first_conv_weights(conv.params) if single and conv is not None else None
            optimizer.step(params, grads)
            change = filter_change(before, conv.params["w"]) if before is not None and conv is not None else None
            acc = correct / len(yb)
            step += 1
            seen += len(yb)
            epoch_loss += loss * len(yb)
            epoch_correct += correct
            epoch_seen += len(yb)
            if step % config.report_every == 0:
                yield record("step", epoch, loss, acc)
            if step % steps_per_epoch == 0:
                val_loss = val_acc = None
                if x_val is not None and y_val is not None and len(x_val):
                    val_loss, val_acc = evaluate_loss(model, x_val, y_val)
                yield record(
                    "epoch",
                    epoch,
                    epoch_loss / max(epoch_seen, 1),
                    epoch_correct / max(epoch_seen, 1),
                    val_loss=val_loss,
                    val_accuracy=val_acc,
                )
        replicas.close()
        yield record("done", config.epochs, loss, acc)
    finally:  # also when the caller abandons the generator
        replicas.close()


def _seed_dropout(model: Sequential, seed: int) -> None:
    """Dropout follows the run's seed (again after a reset)."""
    for layer in model.layers:
        if hasattr(layer, "rng"):
            layer.rng = np.random.default_rng([seed, int(getattr(layer, "seed", 0))])


@dataclass(frozen=True)
class Evaluation:
    """Test-set results.

    Attributes
    ----------
    accuracy : float
    per_class_accuracy : list of float, length K
    confusion : ndarray of int, shape (K, K)
        ``confusion[true, predicted]``.
    misclassified : ndarray of int
        Indices of the wrong predictions.
    predictions : ndarray of int, shape (N,)
    """

    accuracy: float
    per_class_accuracy: list[float]
    confusion: np.ndarray
    misclassified: np.ndarray
    predictions: np.ndarray

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no per-image arrays)."""
        return {
            "test_accuracy": self.accuracy,
            "per_class_accuracy": self.per_class_accuracy,
            "confusion_matrix": self.confusion.tolist(),
            "misclassified_count": int(len(self.misclassified)),
        }


def evaluate(
    predict_proba: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int = 1000,
    num_classes: int = 10,
) -> Evaluation:
    """Accuracy, per-class accuracy and confusion matrix of any ``predict_proba`` ``(N, 28, 28, 1) -> (N, K)``."""
    preds = (
        np.concatenate(
            [np.argmax(predict_proba(x[i : i + batch_size]), axis=1) for i in range(0, len(x), batch_size)]
        )
        if len(x)
        else np.zeros(0, np.int64)
    )
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(confusion, (y, preds), 1)
    per_class = [
        float(confusion[k, k] / confusion[k].sum()) if confusion[k].sum() else float("nan")
        for k in range(num_classes)
    ]
    return Evaluation(
        accuracy=float(np.mean(preds == y)) if len(y) else float("nan"),
        per_class_accuracy=per_class,
        confusion=confusion,
        misclassified=np.flatnonzero(preds != y),
        predictions=preds,
    )

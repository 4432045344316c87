"""The training job: a plain generator (no Qt) that :class:`gui.workers.JobThread` runs off the GUI thread.

:func:`training_job` loads MNIST, builds (or copies) the network, drives ``engine.train.fit`` and yields small
event records; the GUI turns them into the progress bar, the curves and the live "training preview" of the
filters. The weights handed to the GUI are always copies (``Sequential.get_weights``), because the model keeps
changing in this thread. After training it evaluates on the test set, builds the model card and saves the model
into the user data directory (:mod:`gui.training.model_store`) without making it current: the GUI swaps it in.

Events (all frozen dataclasses)
-------------------------------
Phase(text)                      what the job is doing ("Loading MNIST", "Training", "Testing", "Saving")
Progress(progress, epoch_pos)    an ``engine.train.TrainProgress`` and the position in epochs (float)
Validation(epoch_pos, loss, accuracy)
Snapshot(architecture, weights, step)
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from engine import train as engine_train
from engine.cli import QUICK, build_model_card
from engine.data import MnistData
from engine.model import Sequential
from engine.presets import PRESETS
from engine.train import TrainConfig, TrainProgress, default_workers, evaluate, evaluate_loss
from gui.training import model_store
from gui.training.corrections import oversample
from gui.training.results import ResultSummary, summarize
from gui.workers import Cancelled

__all__ = [
    "Phase",
    "Progress",
    "Snapshot",
    "TrainSettings",
    "TrainingResult",
    "Validation",
    "is_urgent",
    "training_job",
]


@dataclass(frozen=True)
class TrainSettings:
    """Everything a run needs besides the data.

    Attributes
    ----------
    preset : str
        Key of ``engine.presets.PRESETS`` (ignored when fine-tuning a given model).
    epochs, batch_size : int
    lr : float
        Peak learning rate.
    schedule : str
        ``engine.optim`` schedule name.
    augment : bool
    train_size : int or None
        Use only the first this many training images (None: all but the validation images).
    validation_size : int
        Images held out from the *end* of the training set for the validation curves.
    fine_tune : bool
        Start from the model in use (when given to :func:`training_job`) and mix in the corrections.
    seed : int
    snapshot_seconds : float
        At most one weight snapshot for the live preview every this many seconds.
    validation_seconds : float
        At most one validation point (besides the end of each epoch) every this many seconds.
    test_limit : int or None
        Evaluate on the first this many test images only (None: all 10,000).
    save : bool
        Save the trained model into the user data directory.
    """

    preset: str = "default"
    epochs: int = QUICK["epochs"]
    batch_size: int = QUICK["batch_size"]
    lr: float = QUICK["lr"]
    schedule: str = QUICK["schedule"]
    augment: bool = QUICK["augment"]
    train_size: int | None = None
    validation_size: int = 500
    fine_tune: bool = False
    seed: int = 0
    snapshot_seconds: float = 2.0
    validation_seconds: float = 5.0
    test_limit: int | None = None
    save: bool = True

    @classmethod
    def quick(cls, **overrides: Any) -> TrainSettings:
        """The one-click run: ``engine.cli.QUICK`` (the ``convlens train --quick`` budget), default preset."""
        return replace(cls(), **overrides)

    def config(self) -> TrainConfig:
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            schedule=self.schedule,
            augment=self.augment,
            seed=self.seed,
            report_every=1,
            workers=default_workers(),
        )


@dataclass(frozen=True)
class Phase:
    text: str


@dataclass(frozen=True)
class Progress:
    progress: TrainProgress
    epoch_pos: float


@dataclass(frozen=True)
class Validation:
    epoch_pos: float
    loss: float
    accuracy: float


@dataclass(frozen=True)
class Snapshot:
    """Copies of the weights (``"<layer>/<param>"`` -> array) at training step ``step``.

    The worker pauses (at most :data:`SNAPSHOT_WAIT` s) until the GUI sets ``shown``: re-reading the filters and
    the drawing then gets the CPU to itself instead of stuttering for a few hundred milliseconds.
    """

    architecture: list[dict[str, Any]]
    weights: dict[str, np.ndarray]
    step: int
    shown: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)


SNAPSHOT_WAIT = 0.5
"""Longest pause of the worker for the GUI to show a snapshot."""


def _offer(snapshot: Snapshot, cancel: threading.Event) -> Generator[object, None, None]:
    """Yield ``snapshot`` and wait for the GUI to show it (bounded; cancel ends the wait)."""
    yield snapshot
    deadline = time.monotonic() + SNAPSHOT_WAIT
    while not snapshot.shown.is_set() and not cancel.is_set() and time.monotonic() < deadline:
        snapshot.shown.wait(0.02)


@dataclass(frozen=True)
class TrainingResult:
    """What a finished run hands to the GUI (the model is no longer touched by the worker).

    Attributes
    ----------
    model : Sequential
    summary : ResultSummary
        Test accuracy, per-class accuracy, confusion matrix, misclassified gallery.
    card : dict
        The model card.
    stored : model_store.StoredModel or None
        The saved files (not yet current), or None if saving was off or failed.
    save_error : str or None
        Why saving failed (e.g. an unwritable data directory).
    seconds : float
        Training time.
    """

    model: Sequential
    summary: ResultSummary
    card: dict[str, Any]
    stored: model_store.StoredModel | None
    save_error: str | None
    seconds: float
    history: list[dict[str, Any]] = field(default_factory=list)


def is_urgent(item: object) -> bool:
    """Events never dropped by the GUI throttle: phases, validation points, snapshots, epoch ends."""
    if isinstance(item, Progress):
        return item.progress.kind != "step"
    return True


def _split(
    data: MnistData, settings: TrainSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training images ``(N, 28, 28, 1)``/labels and the held-out validation images/labels (from the end)."""
    x, y = data.x_train, data.y_train
    n_val = int(min(max(settings.validation_size, 0), len(x) // 5))
    x_val, y_val = x[len(x) - n_val :], y[len(y) - n_val :]
    x, y = x[: len(x) - n_val], y[: len(y) - n_val]
    if settings.train_size is not None:
        x, y = x[: max(int(settings.train_size), 1)], y[: max(int(settings.train_size), 1)]
    return x, y, x_val, y_val


def _check(cancel: threading.Event) -> None:
    if cancel.is_set():
        raise Cancelled


def training_job(
    settings: TrainSettings,
    load_data: Callable[[], MnistData],
    start_model: Sequential | None = None,
    corrections: tuple[np.ndarray, np.ndarray] | None = None,
    save_base: Any = None,
) -> Callable[[threading.Event], Generator[object, None, TrainingResult]]:
    """Make the job for :class:`gui.workers.JobThread` (``job(cancel) -> generator``).

    Parameters
    ----------
    settings : TrainSettings
    load_data : callable
        Returns the MNIST arrays (called in the worker thread; may be slow the first time).
    start_model : Sequential, optional
        Fine-tune this model (a copy the caller no longer touches) instead of building ``settings.preset``.
    corrections : (x (M, 28, 28, 1), y (M,)), optional
        The visitor's corrections, oversampled into the training set when ``settings.fine_tune``.
    save_base : path, optional
        Data directory for :func:`model_store.save_model` (default: the user data directory).

    Returns
    -------
    callable
        The generator function; its return value is a :class:`TrainingResult`. It raises
        :class:`gui.workers.Cancelled` when cancelled and ``engine.train.TrainingDiverged`` on NaN/inf.
    """

    def job(cancel: threading.Event) -> Generator[object, None, TrainingResult]:
        yield Phase("Loading MNIST")
        data = load_data()
        _check(cancel)
        x, y, x_val, y_val = _split(data, settings)
        n_corrections = 0
        if settings.fine_tune and corrections is not None and len(corrections[0]):
            n_corrections = int(len(corrections[0]))
            x, y = oversample(x, y, corrections[0], corrections[1])
        if start_model is not None and settings.fine_tune:
            model, arch_name = start_model, "fine-tuned"
        else:
            model = Sequential.from_config(PRESETS[settings.preset], seed=settings.seed)
            arch_name = settings.preset
        architecture = model.architecture()
        config = settings.config()
        steps_per_epoch = max(math.ceil(len(x) / config.batch_size), 1)
        yield Phase("Training")
        yield from _offer(Snapshot(architecture, model.get_weights(), 0), cancel)
        if len(x_val):  # where the curves start: chance level for a fresh network
            val_loss, val_acc = evaluate_loss(model, x_val, y_val, batch_size=250)
            yield Validation(0.0, val_loss, val_acc)
            _check(cancel)
        history: list[dict[str, Any]] = []
        last_snapshot = last_val = time.monotonic()
        last: TrainProgress | None = None
        # NaN/inf are caught by fit (TrainingDiverged); silence the overflow warnings on the way there
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for record in engine_train.fit(model, x, y, config, cancel=cancel):
                if record.kind == "cancelled":
                    raise Cancelled
                last = record
                pos = record.step / steps_per_epoch
                yield Progress(record, pos)
                now = time.monotonic()
                end_of_epoch = record.kind in ("epoch", "done")
                if len(x_val) and (end_of_epoch or now - last_val >= settings.validation_seconds):
                    if record.kind != "done":
                        val_loss, val_acc = evaluate_loss(model, x_val, y_val, batch_size=250)
                        yield Validation(pos, val_loss, val_acc)
                        if record.kind == "epoch":
                            history.append(
                                {
                                    "epoch": record.epoch,
                                    "loss": record.loss,
                                    "accuracy": record.batch_accuracy,
                                    "val_loss": val_loss,
                                    "val_accuracy": val_acc,
                                    "seconds": record.elapsed,
                                }
                            )
                    last_val = time.monotonic()
                if end_of_epoch or now - last_snapshot >= settings.snapshot_seconds:
                    yield from _offer(Snapshot(architecture, model.get_weights(), record.step), cancel)
                    last_snapshot = time.monotonic()
                time.sleep(0)  # let the GUI thread take the GIL between batches
        train_seconds = last.elapsed if last is not None else 0.0
        _check(cancel)

        yield Phase("Testing")
        x_test, y_test = data.x_test, data.y_test
        if settings.test_limit is not None:
            x_test, y_test = x_test[: settings.test_limit], y_test[: settings.test_limit]
        parts: list[np.ndarray] = []

        def predict(batch: np.ndarray) -> np.ndarray:
            _check(cancel)
            probs = model.predict_proba(batch)
            parts.append(probs)
            time.sleep(0)
            return probs

        evaluation = evaluate(predict, x_test, y_test, batch_size=250)
        probs = np.concatenate(parts) if parts else np.zeros((0, 10), np.float32)
        summary = summarize(evaluation, probs, x_test, y_test)
        card = build_model_card(
            model, config, data.sha256, evaluation.as_dict(), train_seconds, len(x), history, arch_name
        )
        card["training"]["validation_images"] = int(len(x_val))
        card["training"]["corrections"] = n_corrections
        card["training"]["source"] = "ConvLens app (Train button)"
        _check(cancel)

        stored, save_error = None, None
        if settings.save:
            yield Phase("Saving")
            try:
                stored = model_store.save_model(model, card, name="trained", make_current=False, base=save_base)
            except model_store.ModelStoreError as exc:
                save_error = str(exc)
        return TrainingResult(model, summary, card, stored, save_error, train_seconds, history)

    return job

"""The one training pipeline: ``convlens train`` and the Train button both drive :func:`run_training`.

:func:`run_training` is a plain generator (no Qt): it loads MNIST, builds the network (or takes the model to
fine-tune), drives :func:`convlens.engine.train.fit`, measures held-out validation points, evaluates on the test set
and writes the model card. It yields small event records and returns a :class:`TrainingOutcome`; saving is the
driver's choice (the CLI writes a model set into ``--out``, the GUI into the user's model store).

Events (all frozen dataclasses, safe to hand to another thread)
---------------------------------------------------------------
Phase(text)                      what the job is doing ("Loading MNIST", "Training", "Testing")
Progress(progress, epoch_pos)    an ``engine.train.TrainProgress`` and the position in epochs (float)
Validation(epoch_pos, loss, accuracy)
Snapshot(architecture, weights, step)   copies of the weights, for a live preview (only when asked for)
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convlens.engine.data import MnistData
from convlens.engine.model import Sequential
from convlens.engine.presets import resolve_architecture
from convlens.engine.train import TrainProgress, default_workers, evaluate, evaluate_loss, fit
from convlens.services.corrections import oversample
from convlens.services.evaluation import ResultSummary, summarize
from convlens.services.jobs import Cancelled, check_cancel
from convlens.services.model_card import build_model_card
from convlens.services.recipes import QUICK, Recipe

__all__ = [
    "Phase",
    "Progress",
    "Snapshot",
    "TrainingEvent",
    "TrainingOutcome",
    "TrainingRequest",
    "Validation",
    "is_urgent",
    "run_training",
]


@dataclass(frozen=True)
class TrainingRequest:
    """Everything a run needs besides the data.

    Attributes
    ----------
    recipe : Recipe
        Epochs, batch size, learning rate, schedule, augmentation (:data:`~convlens.services.recipes.QUICK` or
        :data:`~convlens.services.recipes.FULL`, possibly with overrides).
    architecture : str
        Preset name (``convlens.engine.presets.PRESETS``) or a JSON file; ignored when ``start_model`` is given.
    seed : int
        Seeds the weights, shuffling and augmentation: the same request gives the same model.
    workers : int or None
        Data-parallel processes (None: :func:`convlens.engine.train.default_workers`).
    train_size : int or None
        Train on the first this many training images only (None: all but the validation images).
    validation_size : int
        Images held out from the *end* of the training set for validation points (0: none).
    validation_seconds : float
        At most one validation point (besides the end of each epoch) every this many seconds.
    snapshot_seconds : float or None
        At most one :class:`Snapshot` of the weights every this many seconds (None: no snapshots).
    report_every : int
        A :class:`Progress` event every this many batches (and at the end of every epoch).
    test_limit : int or None
        Evaluate on the first this many test images only (None: all 10,000).
    start_model : Sequential or None
        Fine-tune this model (a copy the caller no longer touches) instead of building ``architecture``.
    corrections : (x (M, 28, 28, 1), y (M,)) or None
        The visitor's corrections, oversampled into the training set.
    source : str
        Who trained it, for the model card.
    """

    recipe: Recipe = QUICK
    architecture: str = "default"
    seed: int = 0
    workers: int | None = None
    train_size: int | None = None
    validation_size: int = 0
    validation_seconds: float = 5.0
    snapshot_seconds: float | None = None
    report_every: int = 20
    test_limit: int | None = None
    start_model: Sequential | None = field(default=None, compare=False, repr=False)
    corrections: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False, repr=False)
    source: str = "convlens train"


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

    The job pauses (at most :data:`SNAPSHOT_WAIT` s) until the consumer sets ``shown``: a GUI re-reading the
    filters and the drawing then gets the CPU to itself instead of stuttering for a few hundred milliseconds.
    """

    architecture: list[dict[str, Any]]
    weights: dict[str, np.ndarray]
    step: int
    shown: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)


TrainingEvent = Phase | Progress | Validation | Snapshot

SNAPSHOT_WAIT = 0.5
"""Longest pause of the job for the consumer to show a snapshot."""


@dataclass(frozen=True)
class TrainingOutcome:
    """A finished run (the model is no longer touched by the job).

    Attributes
    ----------
    model : Sequential
    summary : ResultSummary
        Test accuracy, per-class accuracy, confusion matrix, misclassified gallery.
    card : dict
        The model card (:func:`convlens.services.model_card.build_model_card`).
    history : list of dict
        One entry per epoch: loss, accuracy, validation loss and accuracy (when measured), seconds.
    train_seconds : float
        Time spent in :func:`~convlens.engine.train.fit`.
    train_images : int
    examples_per_second : float
    """

    model: Sequential
    summary: ResultSummary
    card: dict[str, Any]
    history: list[dict[str, Any]]
    train_seconds: float
    train_images: int
    examples_per_second: float


def is_urgent(item: object) -> bool:
    """Events a throttling consumer must never drop: phases, validation points, snapshots, epoch ends."""
    if isinstance(item, Progress):
        return item.progress.kind != "step"
    return True


def _offer(snapshot: Snapshot, cancel: threading.Event | None) -> Generator[TrainingEvent, None, None]:
    """Yield ``snapshot`` and wait for the consumer to show it (bounded; cancel ends the wait)."""
    yield snapshot
    deadline = time.monotonic() + SNAPSHOT_WAIT
    while not snapshot.shown.is_set() and not (cancel is not None and cancel.is_set()) and time.monotonic() < deadline:
        snapshot.shown.wait(0.02)


def _split(
    data: MnistData, request: TrainingRequest
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training images ``(N, 28, 28, 1)``/labels and the held-out validation images/labels (from the end)."""
    x, y = data.x_train, data.y_train
    n_val = int(min(max(request.validation_size, 0), len(x) // 5))
    x_val, y_val = x[len(x) - n_val :], y[len(y) - n_val :]
    x, y = x[: len(x) - n_val], y[: len(y) - n_val]
    if request.train_size is not None:
        keep = max(int(request.train_size), 1)
        x, y = x[:keep], y[:keep]
    return x, y, x_val, y_val


def run_training(
    request: TrainingRequest,
    load_data: Callable[[], MnistData],
    cancel: threading.Event | None = None,
) -> Generator[TrainingEvent, None, TrainingOutcome]:
    """Train, validate and test one model; yield progress events, return the outcome.

    Parameters
    ----------
    request : TrainingRequest
    load_data : callable
        Returns the MNIST arrays (called inside the generator: may be slow the first time).
    cancel : threading.Event, optional
        Checked between batches; when set the generator raises :class:`~convlens.services.jobs.Cancelled`.

    Returns
    -------
    TrainingOutcome
        The generator's return value (``outcome = yield from run_training(...)``).

    Raises
    ------
    convlens.services.jobs.Cancelled
        When ``cancel`` was set.
    convlens.engine.train.TrainingDiverged
        On a NaN or infinite loss (the model keeps its last finite weights).
    ValueError
        An unknown architecture.
    """
    yield Phase("Loading MNIST")
    data = load_data()
    check_cancel(cancel)
    x, y, x_val, y_val = _split(data, request)
    n_corrections = 0
    if request.corrections is not None and len(request.corrections[0]):
        n_corrections = int(len(request.corrections[0]))
        x, y = oversample(x, y, request.corrections[0], request.corrections[1])
    if request.start_model is not None:
        model, arch_name = request.start_model, "fine-tuned"
    else:
        model = Sequential.from_config(resolve_architecture(request.architecture), seed=request.seed)
        arch_name = request.architecture
    architecture = model.architecture()
    config = request.recipe.train_config(
        seed=request.seed,
        workers=request.workers or default_workers(),
        report_every=request.report_every,
    )
    steps_per_epoch = max(math.ceil(len(x) / config.batch_size), 1)
    snapshots = request.snapshot_seconds is not None

    yield Phase("Training")
    if snapshots:
        yield from _offer(Snapshot(architecture, model.get_weights(), 0), cancel)
    if len(x_val):  # where the curves start: chance level for a fresh network
        val_loss, val_acc = evaluate_loss(model, x_val, y_val, batch_size=250)
        yield Validation(0.0, val_loss, val_acc)
        check_cancel(cancel)
    history: list[dict[str, Any]] = []
    last_snapshot = last_val = time.monotonic()
    last: TrainProgress | None = None
    # NaN/inf are caught by fit (TrainingDiverged); silence the overflow warnings on the way there
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for record in fit(model, x, y, config, cancel=cancel):
            if record.kind == "cancelled":
                raise Cancelled
            last = record
            pos = record.step / steps_per_epoch
            yield Progress(record, pos)
            now = time.monotonic()
            end_of_epoch = record.kind in ("epoch", "done")
            val_point: tuple[float, float] | None = None
            if len(x_val) and record.kind != "done" and (end_of_epoch or now - last_val >= request.validation_seconds):
                val_point = evaluate_loss(model, x_val, y_val, batch_size=250)
                yield Validation(pos, *val_point)
                last_val = time.monotonic()
            if record.kind == "epoch":
                history.append(
                    {
                        "epoch": record.epoch,
                        "loss": record.loss,
                        "accuracy": record.batch_accuracy,
                        "val_loss": val_point[0] if val_point else None,
                        "val_accuracy": val_point[1] if val_point else None,
                        "seconds": record.elapsed,
                    }
                )
            if snapshots and (end_of_epoch or now - last_snapshot >= (request.snapshot_seconds or 0.0)):
                yield from _offer(Snapshot(architecture, model.get_weights(), record.step), cancel)
                last_snapshot = time.monotonic()
            time.sleep(0)  # let another thread (the GUI) take the GIL between batches
    train_seconds = last.elapsed if last is not None else 0.0
    check_cancel(cancel)

    yield Phase("Testing")
    x_test, y_test = data.x_test, data.y_test
    if request.test_limit is not None:
        x_test, y_test = x_test[: request.test_limit], y_test[: request.test_limit]
    parts: list[np.ndarray] = []

    def predict(batch: np.ndarray) -> np.ndarray:
        check_cancel(cancel)
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
    card["training"]["recipe"] = request.recipe.name
    card["training"]["validation_images"] = int(len(x_val))
    card["training"]["corrections"] = n_corrections
    card["training"]["source"] = request.source
    check_cancel(cancel)
    return TrainingOutcome(
        model=model,
        summary=summary,
        card=card,
        history=history,
        train_seconds=train_seconds,
        train_images=int(len(x)),
        examples_per_second=last.examples_per_second if last is not None else 0.0,
    )

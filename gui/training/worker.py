"""The Train button's job: :func:`convlens.services.training.run_training` plus saving into the model store.

:func:`training_job` wraps the service's generator for :class:`convlens.gui.workers.JobThread` (which runs it off
the GUI thread); the events it yields are the service's (:class:`~convlens.services.training.Phase`,
:class:`~convlens.services.training.Progress`, :class:`~convlens.services.training.Validation`,
:class:`~convlens.services.training.Snapshot`) plus a last ``Phase("Saving")``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from convlens.engine.data import MnistData
from convlens.engine.model import Sequential
from convlens.services import model_store
from convlens.services.evaluation import ResultSummary
from convlens.services.recipes import QUICK
from convlens.services.training import (
    Phase,
    Progress,
    Snapshot,
    TrainingEvent,
    TrainingRequest,
    Validation,
    is_urgent,
    run_training,
)

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
    """What the Train button and the advanced form ask for; :meth:`request` makes the service's request.

    Attributes
    ----------
    preset : str
        Key of ``convlens.engine.presets.PRESETS`` (ignored when fine-tuning).
    epochs, batch_size, lr, schedule, augment
        The :data:`~convlens.services.recipes.QUICK` recipe's fields, possibly changed in the advanced form.
    train_size : int or None
    validation_size : int
    fine_tune : bool
        Start from the model in use and mix in the corrections.
    seed : int
    snapshot_seconds, validation_seconds : float
    test_limit : int or None
    save : bool
        Save the trained model into the user data directory.
    """

    preset: str = "default"
    epochs: int = QUICK.epochs
    batch_size: int = QUICK.batch_size
    lr: float = QUICK.lr
    schedule: str = QUICK.schedule
    augment: bool = QUICK.augment
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
        """The one-click run: :data:`~convlens.services.recipes.QUICK` on the default network."""
        return replace(cls(), **overrides)

    def request(
        self,
        start_model: Sequential | None = None,
        corrections: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> TrainingRequest:
        """The service's :class:`~convlens.services.training.TrainingRequest` for these settings."""
        recipe = QUICK.with_overrides(
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, schedule=self.schedule, augment=self.augment
        )
        return TrainingRequest(
            recipe=recipe,
            architecture=self.preset,
            seed=self.seed,
            train_size=self.train_size,
            validation_size=self.validation_size,
            validation_seconds=self.validation_seconds,
            snapshot_seconds=self.snapshot_seconds,
            report_every=1,
            test_limit=self.test_limit,
            start_model=start_model if self.fine_tune else None,
            corrections=corrections if self.fine_tune else None,
            source="ConvLens app (Train button)",
        )


@dataclass(frozen=True)
class TrainingResult:
    """What a finished run hands to the GUI (the model is no longer touched by the worker).

    Attributes
    ----------
    model : Sequential
    summary : ResultSummary
    card : dict
    stored : model_store.StoredModel or None
        The saved files (not yet current), or None if saving was off or failed.
    save_error : str or None
        Why saving failed (e.g. an unwritable data directory).
    seconds : float
        Training time.
    history : list of dict
    """

    model: Sequential
    summary: ResultSummary
    card: dict[str, Any]
    stored: model_store.StoredModel | None
    save_error: str | None
    seconds: float
    history: list[dict[str, Any]] = field(default_factory=list)


def training_job(
    settings: TrainSettings,
    load_data: Callable[[], MnistData],
    start_model: Sequential | None = None,
    corrections: tuple[np.ndarray, np.ndarray] | None = None,
    save_base: Any = None,
) -> Callable[[threading.Event], Generator[TrainingEvent, None, TrainingResult]]:
    """Make the job for :class:`convlens.gui.workers.JobThread` (``job(cancel) -> generator``).

    Parameters
    ----------
    settings : TrainSettings
    load_data : callable
        Returns the MNIST arrays (called in the worker thread; may be slow the first time).
    start_model : Sequential, optional
        Fine-tune this model (a copy the caller no longer touches) when ``settings.fine_tune``.
    corrections : (x (M, 28, 28, 1), y (M,)), optional
        The visitor's corrections, oversampled into the training set when ``settings.fine_tune``.
    save_base : path, optional
        Data directory for :func:`model_store.save_model` (default: the user data directory).

    Returns
    -------
    callable
        The generator function; its return value is a :class:`TrainingResult`. It raises
        :class:`convlens.services.jobs.Cancelled` when cancelled and ``TrainingDiverged`` on NaN/inf.
    """
    request = settings.request(start_model, corrections)

    def job(cancel: threading.Event) -> Generator[TrainingEvent, None, TrainingResult]:
        outcome = yield from run_training(request, load_data, cancel)
        stored, save_error = None, None
        if settings.save:
            yield Phase("Saving")
            try:
                stored = model_store.save_model(
                    outcome.model, outcome.card, name="trained", make_current=False, base=save_base
                )
            except model_store.ModelStoreError as exc:
                save_error = str(exc)
        return TrainingResult(
            outcome.model, outcome.summary, outcome.card, stored, save_error, outcome.train_seconds, outcome.history
        )

    return job

"""The Train button's job: :func:`convlens.services.training.run_training`, then a save into the model store.

:func:`training_job` wraps the service's generator for :class:`convlens.gui.workers.JobThread` (which runs it off
the GUI thread). The events it yields are the service's (:class:`~convlens.services.training.Phase`,
:class:`~convlens.services.training.Progress`, :class:`~convlens.services.training.Validation`,
:class:`~convlens.services.training.Snapshot`) plus a last ``Phase("Saving")``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass

from convlens.engine.data import MnistData
from convlens.services import model_store
from convlens.services.training import (
    Phase,
    TrainingControl,
    TrainingEvent,
    TrainingOutcome,
    TrainingRequest,
    run_training,
)

__all__ = ["TrainingResult", "training_job"]


@dataclass(frozen=True)
class TrainingResult:
    """What a finished run hands to the GUI thread (the worker no longer touches the model).

    Attributes
    ----------
    trained : TrainingOutcome
        The service's outcome: model, test summary, model card, history, timings.
    stored : model_store.StoredModel or None
        The saved files (not yet current), or None if saving was off or failed.
    save_error : str or None
        Why saving failed (e.g. an unwritable data directory).
    """

    trained: TrainingOutcome
    stored: model_store.StoredModel | None
    save_error: str | None


def training_job(
    request: TrainingRequest,
    load_data: Callable[[], MnistData],
    *,
    save: bool = True,
    save_base: str | os.PathLike[str] | None = None,
    control: TrainingControl | None = None,
) -> Callable[[threading.Event], Generator[TrainingEvent, None, TrainingResult]]:
    """Make the job for :class:`convlens.gui.workers.JobThread` (``job(cancel) -> generator``).

    Parameters
    ----------
    request : TrainingRequest
        Fine-tuning is a request with ``start_model`` (a copy the caller no longer touches) and ``corrections``.
    load_data : callable
        Returns the MNIST arrays (called in the worker thread; may be slow the first time).
    save : bool
        Save the trained model into the model store (not made current: the GUI does that once it is in use).
    save_base : path, optional
        Data directory for :func:`model_store.save_model` (default: the user data directory).
    control : TrainingControl, optional
        Holds the run between batches (pause, one step, resume, reset, learning rate).

    Returns
    -------
    callable
        The generator function; its return value is a :class:`TrainingResult`. It raises
        :class:`convlens.services.jobs.Cancelled` when cancelled and ``TrainingDiverged`` on NaN/inf.
    """

    def job(cancel: threading.Event) -> Generator[TrainingEvent, None, TrainingResult]:
        outcome = yield from run_training(request, load_data, cancel, control)
        stored, save_error = None, None
        if save:
            yield Phase("Saving")
            try:
                stored = model_store.save_model(
                    outcome.model, outcome.card, name="trained", make_current=False, base=save_base
                )
            except model_store.ModelStoreError as exc:
                save_error = str(exc)
        return TrainingResult(outcome, stored, save_error)

    return job

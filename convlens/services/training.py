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
TimelapseFrame(step, epoch, ...)        the conv filters every few batches, for the time-lapse (only when asked for)

A :class:`~convlens.engine.control.TrainingControl` passed to :func:`run_training` holds the run between batches
(pause, one step, resume, reset, a new learning rate); a hold shows up as a ``"paused"`` :class:`Progress` (and a
snapshot), a reset as a ``"reset"`` one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from convlens.engine import conv_kernels, drawn
from convlens.engine.calibration import (
    apply_temperature,
    confident_wrong_share,
    ece_capped_temperature,
    expected_calibration_error,
    fit_temperature,
    nll,
    sure_answer_temperature,
)
from convlens.engine.control import TrainingControl
from convlens.engine.data import TEST_IMAGES, TRAIN_IMAGES, MnistData
from convlens.engine.model import Sequential
from convlens.engine.parallel import ProcessPool
from convlens.engine.presets import resolve_architecture
from convlens.engine.train import TrainProgress, default_workers, evaluate, evaluate_loss, fit
from convlens.services.architecture import build_custom, forward_flops
from convlens.services.benchmark import (
    classification_figures,
    drawn_figures,
    other_writers_figures,
    sample_strokes_figures,
)
from convlens.services.corrections import oversample
from convlens.services.evaluation import ResultSummary, summarize
from convlens.services.jobs import Cancelled, check_cancel
from convlens.services.model_card import build_model_card
from convlens.services.recipes import QUICK, Recipe
from convlens.services.timelapse import DEFAULT_MAX_FRAMES, TimelapseFrame, TimelapseRecorder, capture_frame

__all__ = [
    "Phase",
    "Progress",
    "Snapshot",
    "TimelapseFrame",
    "TrainingControl",
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
        Preset name (``convlens.engine.presets.PRESETS``) or a JSON file; ignored when ``start_model`` or
        ``layers`` is given.
    layers : tuple of dict or None
        An edited network (the architecture editor's :meth:`~convlens.services.architecture.ArchitectureSpec.layers`,
        or any engine layer list): trained instead of ``architecture``, after
        :func:`~convlens.services.architecture.check_layers`; the model card's ``architecture_preset`` is then
        ``"custom"``. Ignored when ``start_model`` is given.
    seed : int
        Seeds the weights, shuffling and augmentation: the same request gives the same model.
    workers : int or None
        Data-parallel processes (None: :func:`convlens.engine.train.default_workers`).
    train_size : int or None
        Train on the first this many training images only (None: all but the validation images).
    validation_size : int or None
        Images held out from the *end* of the training set for validation points and the calibration temperature
        (0: none, no calibration; None: the recipe's ``validation_size``).
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
    pen_cache_dir : Path or None
        Where pen-drawn digits are cached (None: the user cache, :func:`convlens.engine.drawn.default_pen_cache_dir`).
    benchmark_limit : int or None
        Drawn-digit benchmark on the first this many test digits only (None: all), when the recipe measures it.
    timelapse_every : int or None
        A :class:`~convlens.services.timelapse.TimelapseFrame` of the conv filters every this many batches (None:
        no time-lapse); the first before training, the last at the end.
    timelapse_max : int
        Most frames kept: a longer run is thinned evenly (:class:`~convlens.services.timelapse.TimelapseRecorder`).
    timelapse_drawing : ndarray (28, 28) or (28, 28, 1), or None
        The visitor's drawing, whose pooled maps each frame also keeps.
    pool : ProcessPool or None
        Worker processes started ahead of time (the app's, :mod:`convlens.engine.worker_pool`), taken by the run
        instead of starting its own; None: the run starts them. The results are the same.
    """

    recipe: Recipe = QUICK
    architecture: str = "default"
    layers: tuple[dict[str, Any], ...] | None = None
    seed: int = 0
    workers: int | None = None
    train_size: int | None = None
    validation_size: int | None = 0
    validation_seconds: float = 5.0
    snapshot_seconds: float | None = None
    report_every: int = 20
    test_limit: int | None = None
    start_model: Sequential | None = field(default=None, compare=False, repr=False)
    corrections: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False, repr=False)
    source: str = "convlens train"
    pen_cache_dir: Path | None = None
    benchmark_limit: int | None = None
    timelapse_every: int | None = None
    timelapse_max: int = DEFAULT_MAX_FRAMES
    timelapse_drawing: np.ndarray | None = field(default=None, compare=False, repr=False)
    pool: ProcessPool | None = field(default=None, compare=False, repr=False)


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


TrainingEvent = Phase | Progress | Validation | Snapshot | TimelapseFrame

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
    timelapse : list of TimelapseFrame
        The time-lapse frames kept (empty unless the request asked for them).
    """

    model: Sequential
    summary: ResultSummary
    card: dict[str, Any]
    history: list[dict[str, Any]]
    train_seconds: float
    train_images: int
    examples_per_second: float
    timelapse: list[TimelapseFrame] = field(default_factory=list)


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
    wanted = request.recipe.validation_size if request.validation_size is None else request.validation_size
    n_val = int(min(max(wanted, 0), len(x) // 5))
    x_val, y_val = x[len(x) - n_val :], y[len(y) - n_val :]
    x, y = x[: len(x) - n_val], y[: len(y) - n_val]
    if request.train_size is not None:
        keep = max(int(request.train_size), 1)
        x, y = x[:keep], y[:keep]
    return x, y, x_val, y_val


PREVIEW_IMAGES = 1000
"""The validation curve's points other than epoch ends (its start, after a reset, every ``validation_seconds``)
use this many of the held-out digits; each epoch's end uses all of them (the history and the card). 1,000
images: the accuracy to about +-0.4%, at a fifth of the cost of all 5,000 (0.7-1.0 s on one core of the slower
2-core machine)."""

SURE_WRONG_TARGET = 0.10
"""At most this share of the wrong answers on held-out pen-drawn digits may be given with >= 95% (issue #15)."""
SURE_WRONG_MARGIN = 1.0
"""Standard errors of the held-out estimate by which :data:`SURE_WRONG_TARGET` is met."""
ECE_CAP = 0.01
"""The temperature never raises the expected calibration error of the held-out MNIST digits above this."""


def _calibrate(
    model: Sequential, x_val: np.ndarray, y_val: np.ndarray, x_val_pen: np.ndarray, threads: int = 1
) -> dict[str, Any]:
    """Fit the temperature on the held-out digits and their pen-drawn versions; set it on ``model``.

    1. ``T_nll`` minimises the NLL of the held-out MNIST and pen-drawn digits together;
    2. when pen-drawn digits are held out, ``T`` rises from there (:func:`sure_answer_temperature`) until at most
       :data:`SURE_WRONG_TARGET` of the wrong pen-drawn answers are given with >= 95% (with a margin of
       :data:`SURE_WRONG_MARGIN` standard errors), 3. capped where the held-out MNIST digits' ECE would exceed
       :data:`ECE_CAP` (:func:`ece_capped_temperature`).

    Parameters
    ----------
    model : Sequential
    x_val : ndarray, shape (N, 28, 28, 1)
    y_val : ndarray, shape (N,)
    x_val_pen : ndarray, shape (M, 28, 28, 1)
        Pen-drawn versions of ``x_val`` (variant after variant: digit ``i`` is ``y_val[i % N]``); may be empty.
    threads : int
        Threads of the forward passes (the same logits with any number).

    Returns
    -------
    dict
        The model card's ``calibration`` entry (without the test figures).
    """
    if not len(x_val):
        model.temperature = 1.0
        return {"temperature": 1.0, "fitted": False, "reason": "no validation images"}
    y_pen = np.resize(y_val, len(x_val_pen))
    model.temperature = 1.0
    logits_mnist = model.predict_logits(x_val, batch_size=500, threads=threads)
    logits_pen = logits_mnist[:0]
    if len(x_val_pen):
        logits_pen = model.predict_logits(x_val_pen, batch_size=500, threads=threads)
    logits = np.concatenate([logits_mnist, logits_pen])
    y_cal = np.concatenate([y_val, y_pen])
    t_nll = fit_temperature(logits, y_cal)
    temperature = t_nll
    entry: dict[str, Any] = {
        "method": "temperature scaling: probs = softmax(logits / T), T minimising the NLL on held-out digits",
        "nll_temperature": t_nll,
    }
    if len(x_val_pen):
        t_sure = sure_answer_temperature(logits_pen, y_pen, t_nll, SURE_WRONG_TARGET, margin=SURE_WRONG_MARGIN)
        temperature = ece_capped_temperature(logits_mnist, y_val, t_nll, t_sure, ECE_CAP)
        share, sure_wrong, wrong = confident_wrong_share(apply_temperature(logits_pen, temperature), y_pen)
        entry["method"] = (
            "temperature scaling: probs = softmax(logits / T); T is the NLL-optimal temperature on held-out MNIST "
            f"and pen-drawn digits, raised (1% steps) until at most {SURE_WRONG_TARGET:.0%} of the wrong pen-drawn "
            f"answers are given with >= 95% (+{SURE_WRONG_MARGIN:g} standard error), but not so far that the "
            f"held-out MNIST digits' ECE exceeds {ECE_CAP:.0%}"
        )
        entry["sure_temperature"] = t_sure
        entry["validation_pen"] = {
            "confident_wrong_share": None if np.isnan(share) else float(share),
            "confident_wrong": sure_wrong,
            "wrong": wrong,
        }
        entry["validation_mnist_ece"] = expected_calibration_error(apply_temperature(logits_mnist, temperature), y_val)
    model.temperature = temperature
    entry.update({
        "temperature": temperature,
        "fitted": True,
        "fitted_on": {"mnist_validation": int(len(x_val)), "pen_drawn_validation": int(len(x_val_pen))},
        "validation_nll": {"before": nll(logits, y_cal), "after": nll(logits, y_cal, temperature)},
    })
    return entry


def run_training(
    request: TrainingRequest,
    load_data: Callable[[], MnistData],
    cancel: threading.Event | None = None,
    control: TrainingControl | None = None,
) -> Generator[TrainingEvent, None, TrainingOutcome]:
    """Train, validate and test one model; yield progress events, return the outcome.

    Parameters
    ----------
    request : TrainingRequest
    load_data : callable
        Returns the MNIST arrays (called inside the generator: may be slow the first time).
    cancel : threading.Event, optional
        Checked between batches; when set the generator raises :class:`~convlens.services.jobs.Cancelled`.
    control : TrainingControl, optional
        Pause, one step, resume, reset and a new learning rate between batches (:mod:`convlens.engine.control`).
        A hold yields the ``"paused"`` :class:`Progress` and, when snapshots are on, a :class:`Snapshot` of the
        weights (after one step: the filters it changed); a reset yields the ``"reset"`` :class:`Progress`, a
        snapshot of the starting weights, a new first validation point and time-lapse frame, and forgets the
        epochs' history.

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
        An unknown architecture, or ``layers`` that cannot be trained (the message says why).
    """
    yield Phase("Loading MNIST")
    data = load_data()
    check_cancel(cancel)
    x, y, x_val, y_val = _split(data, request)
    recipe = request.recipe
    x_pen: np.ndarray | None = None
    x_val_pen = np.zeros((0, 28, 28, 1), np.float32)
    if recipe.pen_fraction > 0 and recipe.pen_variants > 0:
        yield Phase("Re-drawing MNIST digits as pen strokes (once; cached)")
        versions = []
        for variant in range(recipe.pen_variants):
            versions.append(drawn.redrawn(data.x_train, data.sha256.get(TRAIN_IMAGES, "train"), recipe.pen_style,
                                          recipe.pen_seed, variant, request.pen_cache_dir, labels=data.y_train,
                                          styles=recipe.writing_styles))
            check_cancel(cancel)
        x_pen = np.stack(versions)[:, : len(x)]
        if len(x_val):  # every variant of the held-out digits, for the calibration
            held_out = np.concatenate([v[len(data.x_train) - len(x_val) :] for v in versions])
            x_val_pen = (held_out.astype(np.float32) / np.float32(255.0))[..., None]
        del versions
    n_corrections = 0
    if request.corrections is not None and len(request.corrections[0]):
        n_corrections = int(len(request.corrections[0]))
        x, y = oversample(x, y, request.corrections[0], request.corrections[1])
    if request.start_model is not None:
        model, arch_name = request.start_model, "fine-tuned"
    elif request.layers is not None:
        model, arch_name = build_custom(request.layers, request.seed), "custom"
    else:
        model = Sequential.from_config(resolve_architecture(request.architecture), seed=request.seed)
        arch_name = request.architecture
    architecture = model.architecture()
    recorder: TimelapseRecorder | None = None
    report_every = request.report_every
    if request.timelapse_every is not None:
        recorder = TimelapseRecorder(request.timelapse_every, request.timelapse_max)
        report_every = math.gcd(max(report_every, 1), recorder.every)  # fit reports the steps to take frames at
    config = request.recipe.train_config(
        seed=request.seed,
        workers=request.workers or default_workers(),
        report_every=report_every,
    )
    steps_per_epoch = max(math.ceil(len(x) / config.batch_size), 1)
    total_steps = steps_per_epoch * config.epochs
    snapshots = request.snapshot_seconds is not None
    threads = config.workers  # the cores training uses: its worker processes wait while this process evaluates
    x_preview, y_preview = x_val[:PREVIEW_IMAGES], y_val[:PREVIEW_IMAGES]

    def validate(images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        return evaluate_loss(model, images, labels, batch_size=250, threads=threads)

    def take_frame(step: int) -> TimelapseFrame:
        assert recorder is not None
        frame = capture_frame(model, step, step / steps_per_epoch, total_steps, request.timelapse_drawing)
        recorder.add(frame)
        return frame

    history: list[dict[str, Any]] = []

    def _held(record: TrainProgress) -> Generator[TrainingEvent, None, None]:
        """A run holding (``"paused"``) or back at its start (``"reset"``): show the weights as they are now."""
        if record.kind == "reset":
            history.clear()
            if recorder is not None:
                recorder.clear()
                yield take_frame(0)
            if len(x_val):
                yield Validation(0.0, *validate(x_preview, y_preview))
        if snapshots:
            yield from _offer(Snapshot(architecture, model.get_weights(), record.step), cancel)

    yield Phase("Training")
    if snapshots:
        yield from _offer(Snapshot(architecture, model.get_weights(), 0), cancel)
    if recorder is not None:
        yield take_frame(0)
    if len(x_val):  # where the curves start: chance level for a fresh network
        yield Validation(0.0, *validate(x_preview, y_preview))
        check_cancel(cancel)
    last_snapshot = last_val = time.monotonic()
    last: TrainProgress | None = None
    # NaN/inf are caught by fit (TrainingDiverged); silence the overflow warnings on the way there
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for record in fit(model, x, y, config, cancel=cancel, x_pen=x_pen, control=control, pool=request.pool):
            if record.kind == "cancelled":
                raise Cancelled
            last = record
            pos = record.step / steps_per_epoch
            yield Progress(record, pos)
            if record.kind in ("paused", "reset"):
                yield from _held(record)
                last_snapshot = last_val = time.monotonic()
                continue
            now = time.monotonic()
            end_of_epoch = record.kind in ("epoch", "done")
            val_point: tuple[float, float] | None = None
            if len(x_val) and record.kind != "done" and (end_of_epoch or now - last_val >= request.validation_seconds):
                # epoch ends: every held-out digit (the history); the points between: the first PREVIEW_IMAGES
                val_point = validate(x_val, y_val) if end_of_epoch else validate(x_preview, y_preview)
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
            if recorder is not None and (record.kind == "done" or recorder.due(record.step)):
                yield take_frame(record.step)
            if snapshots and (end_of_epoch or now - last_snapshot >= (request.snapshot_seconds or 0.0)):
                yield from _offer(Snapshot(architecture, model.get_weights(), record.step), cancel)
                last_snapshot = time.monotonic()
            time.sleep(0)  # let another thread (the GUI) take the GIL between batches
    train_seconds = last.elapsed if last is not None else 0.0
    check_cancel(cancel)

    calibration = _calibrate(model, x_val, y_val, x_val_pen, threads)
    check_cancel(cancel)

    yield Phase("Testing")
    x_test, y_test = data.x_test, data.y_test
    if request.test_limit is not None:
        x_test, y_test = x_test[: request.test_limit], y_test[: request.test_limit]
    parts: list[np.ndarray] = []

    def predict(batch: np.ndarray) -> np.ndarray:  # a cancel check every 1,000 digits, forward passes of 250
        check_cancel(cancel)
        probs = model.predict_proba(batch, batch_size=250, threads=threads)
        parts.append(probs)
        time.sleep(0)
        return probs

    evaluation = evaluate(predict, x_test, y_test, batch_size=1000)
    probs = np.concatenate(parts) if parts else np.zeros((0, 10), np.float32)
    summary = summarize(evaluation, probs, x_test, y_test)
    card = build_model_card(
        model, config, data.sha256, evaluation.as_dict(), train_seconds, len(x), history, arch_name
    )
    if arch_name == "custom" and request.layers is not None:
        card["custom_architecture"] = {
            "layers": [dict(layer) for layer in request.layers],
            "forward_flops_per_image": forward_flops(request.layers),
        }
    card["training"]["recipe"] = request.recipe.name
    card["training"]["validation_images"] = int(len(x_val))
    card["training"]["corrections"] = n_corrections
    card["training"]["source"] = request.source
    card["training"]["pen"] = {
        "fraction": recipe.pen_fraction,
        "variants": recipe.pen_variants if recipe.pen_fraction > 0 else 0,
        "style": recipe.pen_style.as_dict(),
        "seed": recipe.pen_seed,
        "generator": drawn.GENERATOR,
    }
    if recipe.pen_fraction > 0 and recipe.writing_styles.active:
        card["training"]["pen"]["writing_styles"] = recipe.writing_styles.as_dict()
    # the conv kernels' block sizes decide how sums are split, so the exact bits of the weights depend on them
    card["training"]["block_sizes"] = {"chunk_bytes": conv_kernels.CHUNK_BYTES,
                                       "small_product": conv_kernels.SMALL_PRODUCT}
    test_figures = classification_figures(probs, y_test)
    calibration["mnist_test"] = {key: test_figures[key] for key in ("ece", "confident_wrong_share",
                                                                   "confident_wrong", "wrong", "mean_confidence")}
    card["calibration"] = calibration
    if recipe.benchmark:
        yield Phase("Drawn-digit benchmark")
        bench = drawn_figures(model.predict_proba, data.x_test, data.y_test, data.sha256.get(TEST_IMAGES, "test"),
                              request.benchmark_limit, request.pen_cache_dir)
        check_cancel(cancel)
        card["benchmarks"] = {
            "mnist_test": test_figures,
            "drawn_digits": bench,
            "sample_strokes": sample_strokes_figures(model.predict_proba),
            "other_writers": other_writers_figures(model.predict_proba),
        }
    check_cancel(cancel)
    return TrainingOutcome(
        model=model,
        summary=summary,
        card=card,
        history=history,
        train_seconds=train_seconds,
        train_images=int(len(x)),
        examples_per_second=last.examples_per_second if last is not None else 0.0,
        timelapse=list(recorder.frames) if recorder is not None else [],
    )

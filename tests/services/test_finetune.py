"""Teaching the network a class's handwriting: held-out before/after, MNIST kept, cancel, the original untouched."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from convlens.engine.data import is_cached, load_mnist
from convlens.engine.model import Sequential, load_npz_model
from convlens.resources import models_dir
from convlens.services.class_style import synthetic_class_set
from convlens.services.classset import ClassSet
from convlens.services.finetune import FineTuneOutcome, FineTuneRequest, run_finetune
from convlens.services.jobs import Cancelled
from convlens.services.training import Phase, Progress


@pytest.fixture(scope="module")
def shipped() -> Sequential:
    return load_npz_model(models_dir() / "default.npz")


@pytest.fixture(scope="module")
def class_set() -> ClassSet:
    return synthetic_class_set(120, seed=3, pupils=4)


def _drain(job: Any) -> tuple[list[object], FineTuneOutcome]:
    events: list[object] = []
    while True:
        try:
            events.append(next(job))
        except StopIteration as stop:
            return events, stop.value


def test_outcome_events_and_the_original_model_untouched(fake_mnist: Any, shipped: Sequential,
                                                         class_set: ClassSet) -> None:
    weights = {key: value.copy() for key, value in shipped.get_weights().items()}
    request = FineTuneRequest(epochs=1, mnist_size=100, workers=1, report_every=2)
    events, outcome = _drain(run_finetune(shipped, class_set, load_mnist, request, card={"test_accuracy": 0.9,
                                                                                         "confusion_matrix": []}))
    phases = [e.text for e in events if isinstance(e, Phase)]
    assert phases == ["Loading MNIST", "Reading the held-out drawings", "Teaching", "Testing"]
    kinds = [e.progress.kind for e in events if isinstance(e, Progress)]
    assert kinds[-2:] == ["epoch", "done"] and "step" in kinds
    held = class_set.held_out()
    assert outcome.held_out == int(held.sum()) > 0 and outcome.class_train == len(class_set) - outcome.held_out
    assert outcome.confusion_before.shape == outcome.confusion_after.shape == (10, 10)
    assert outcome.confusion_before.sum() == outcome.confusion_after.sum() == outcome.held_out
    assert outcome.before == pytest.approx(np.trace(outcome.confusion_before) / outcome.held_out)
    assert outcome.after == pytest.approx(np.trace(outcome.confusion_after) / outcome.held_out)
    assert outcome.mnist_test == fake_mnist.n_test
    assert outcome.card["class_finetune"]["held_out"] == outcome.held_out
    assert "confusion_matrix" not in outcome.card and outcome.card["test_accuracy"] == outcome.mnist_after
    assert set(outcome.summary()) >= {"before", "after", "held_out", "mnist_test", "seconds"}
    assert outcome.model is not shipped and outcome.model.temperature == shipped.temperature
    assert all(np.array_equal(weights[key], value) for key, value in shipped.get_weights().items())
    assert any(not np.array_equal(weights[key], value) for key, value in outcome.model.get_weights().items())


def test_cancel_stops_between_batches(fake_mnist: Any, shipped: Sequential, class_set: ClassSet) -> None:
    cancel = threading.Event()
    job = run_finetune(shipped, class_set, load_mnist, FineTuneRequest(epochs=2, mnist_size=200, workers=1,
                                                                       report_every=1), cancel)
    with pytest.raises(Cancelled):
        for event in job:
            if isinstance(event, Progress):
                cancel.set()


def test_too_small_a_class_set_is_refused(fake_mnist: Any, shipped: Sequential) -> None:
    tiny = synthetic_class_set(6, seed=0)
    with pytest.raises(ValueError, match="at least 10"):
        _drain(run_finetune(shipped, tiny, load_mnist))


@pytest.mark.mnist
def test_the_class_hand_is_learnt_and_mnist_is_kept(shipped: Sequential, class_set: ClassSet) -> None:
    """Measured: held-out 50% -> 100%, MNIST (first 1,000 test digits) drop under 0.5 point, about 10 s."""
    if not is_cached():
        pytest.skip("real MNIST not in the user cache (run `convlens data fetch`)")
    request = FineTuneRequest(mnist_size=3000, test_limit=1000, workers=1)
    _, outcome = _drain(run_finetune(shipped, class_set, lambda: load_mnist(allow_download=False), request))
    assert outcome.before < 0.8 and outcome.after >= outcome.before + 0.2, outcome.summary()
    assert outcome.mnist_before - outcome.mnist_after <= 0.005, outcome.summary()

"""engine.control + engine.train.fit: a run held between batches — pause blocks steps, one step runs exactly one
batch (and reports its loss and the filters' change), resume goes on, reset puts the starting weights back bit for
bit, a learning rate set while paused replaces the schedule; with one process and with two (data parallel)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from convlens.engine.control import TrainingControl, filter_change
from convlens.engine.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D
from convlens.engine.model import Sequential
from convlens.engine.train import TrainConfig, TrainProgress, fit

SIZE = 12
BLOCK_SECONDS = 0.3


def small_net(seed: int = 0, dropout: bool = True) -> Sequential:
    layers = [
        Conv2D(4, 3, activation="relu"),  # (N,12,12,1) -> (N,10,10,4)
        MaxPool2D(2),  # -> (N,5,5,4)
        Flatten(),  # -> (N,100)
        *([Dropout(0.3)] if dropout else []),
        Dense(3),  # -> (N,3)
    ]
    return Sequential(layers, input_shape=(SIZE, SIZE, 1), seed=seed)


@pytest.fixture(scope="module")
def dataset() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((96, SIZE, SIZE, 1), dtype=np.float32), rng.integers(0, 3, 96)


def config(**kwargs: Any) -> TrainConfig:
    settings: dict[str, Any] = {"epochs": 2, "batch_size": 16, "lr": 1e-2, "schedule": "onecycle",
                                "report_every": 1, "augment": True}
    settings.update(kwargs)
    return TrainConfig(**settings)


def conv_w(model: Sequential) -> np.ndarray:
    return np.array(model.layers[0].params["w"], copy=True)


def same_weights(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def next_blocks(gen: Iterator[TrainProgress], seconds: float = BLOCK_SECONDS) -> tuple[threading.Thread, list[Any]]:
    """Ask ``gen`` for its next record in a thread; return the thread (still alive = blocked) and the outbox."""
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(next(gen)), daemon=True)
    thread.start()
    thread.join(seconds)
    return thread, out


def fresh_run(x: np.ndarray, y: np.ndarray, cfg: TrainConfig, dropout: bool = True) -> dict[str, np.ndarray]:
    model = small_net(dropout=dropout)
    assert list(fit(model, x, y, cfg))[-1].kind == "done"
    return model.get_weights()


def test_pause_blocks_steps_until_resume_and_resume_runs_to_the_end(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    model, control = small_net(), TrainingControl()
    control.pause()
    start = model.get_weights()
    gen = fit(model, x, y, config(), control=control)
    first = next(gen)
    assert first.kind == "paused" and first.step == 0 and first.filter_change is None
    thread, out = next_blocks(gen)
    assert thread.is_alive() and not out, "a paused run went on"
    assert same_weights(model.get_weights(), start)
    control.resume()
    thread.join(5)
    assert out and out[0].kind == "step" and out[0].step == 1
    rest = list(gen)
    assert rest[-1].kind == "done" and rest[-1].step == rest[-1].total_steps == 12
    assert "paused" not in {r.kind for r in rest}


def test_one_step_runs_exactly_one_batch_then_holds_with_its_loss_and_filter_change(
    dataset: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = dataset
    model, control = small_net(), TrainingControl()
    control.pause()
    gen = fit(model, x, y, config(report_every=5), control=control)
    assert next(gen).kind == "paused"
    before = conv_w(model)
    control.step()
    held = next(gen)  # report_every=5: no step record in between
    assert held.kind == "paused" and held.step == 1
    assert np.isfinite(held.loss) and 0.0 <= held.batch_accuracy <= 1.0
    after = conv_w(model)
    assert not np.array_equal(before, after)
    assert held.filter_change is not None and held.filter_change.shape == (4,)
    np.testing.assert_allclose(held.filter_change, filter_change(before, after))
    assert np.all(held.filter_change > 0)
    thread, out = next_blocks(gen)
    assert thread.is_alive() and not out and np.array_equal(conv_w(model), after), "more than one batch ran"
    control.step()  # the next click: again exactly one batch
    thread.join(5)
    assert out and out[0].kind == "paused" and out[0].step == 2
    control.resume()
    assert list(gen)[-1].kind == "done"


def test_step_while_running_holds_after_the_next_batch(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    model, control = small_net(), TrainingControl()
    gen = fit(model, x, y, config(), control=control)
    assert next(gen).step == 1
    control.step()
    assert next(gen).step == 2  # the granted batch's step record
    held = next(gen)
    assert held.kind == "paused" and held.step == 2 and held.filter_change is not None
    gen.close()


def test_reset_restores_the_starting_weights_bit_for_bit_and_then_repeats_a_fresh_run(
    dataset: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = dataset
    cfg = config()
    model, control = small_net(), TrainingControl()
    start = model.get_weights()
    assert not control.reset(), "reset is only allowed while paused"
    gen = fit(model, x, y, cfg, control=control)
    for _ in range(8):  # into the second epoch: optimiser moments, schedule and shuffling have moved
        next(gen)
    control.pause()
    assert next(gen).kind == "paused"
    assert not same_weights(model.get_weights(), start)
    assert control.reset()
    record = next(gen)
    assert record.kind == "reset" and record.step == 0 and record.epoch == 1
    assert same_weights(model.get_weights(), start)
    thread, out = next_blocks(gen)
    assert thread.is_alive() and not out, "a reset run stays paused"
    control.resume()
    thread.join(5)
    records = out + list(gen)
    assert records[0].step == 1 and records[-1].kind == "done" and records[-1].step == 12
    assert same_weights(model.get_weights(), fresh_run(x, y, cfg))  # optimiser, RNGs and dropout started over


def test_a_learning_rate_set_while_paused_replaces_the_schedule(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    model, control = small_net(), TrainingControl()
    control.pause()
    gen = fit(model, x, y, config(schedule="onecycle", lr=1e-2), control=control)
    assert next(gen).kind == "paused"
    control.set_learning_rate(0.03)
    control.resume()
    records = list(gen)
    assert {r.lr for r in records} == {0.03}
    assert same_weights(model.get_weights(), fresh_run(x, y, config(schedule="constant", lr=0.03)))
    assert not same_weights(model.get_weights(), fresh_run(x, y, config(schedule="onecycle", lr=1e-2)))


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_set_learning_rate_rejects_what_is_not_a_positive_number(bad: float) -> None:
    with pytest.raises(ValueError, match="learning rate"):
        TrainingControl().set_learning_rate(bad)


def test_cancel_ends_a_paused_run_within_a_fraction_of_a_second(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    cancel, control = threading.Event(), TrainingControl()
    control.pause()
    gen = fit(small_net(), x, y, config(), cancel=cancel, control=control)
    assert next(gen).kind == "paused"
    thread, out = next_blocks(gen, 0.1)
    assert thread.is_alive()
    cancel.set()
    thread.join(1.0)
    assert out and out[0].kind == "cancelled" and out[0].step == 0


def test_pause_step_reset_and_resume_with_two_data_parallel_workers(
    dataset: tuple[np.ndarray, np.ndarray], data_parallel_runs: list[Any], worker_processes_ran: Callable[..., None]
) -> None:
    x, y = dataset
    cfg = config(workers=2, augment=False)
    model, control = small_net(dropout=False), TrainingControl()
    start = model.get_weights()
    control.pause()
    gen = fit(model, x, y, cfg, control=control)
    assert next(gen).kind == "paused"
    control.step()
    assert next(gen).step == 1
    held = next(gen)
    assert held.kind == "paused" and held.step == 1 and held.filter_change is not None
    assert not same_weights(model.get_weights(), start)
    worker_processes_ran(data_parallel_runs[-1])
    assert control.reset()
    assert next(gen).kind == "reset" and same_weights(model.get_weights(), start)
    control.resume()
    assert list(gen)[-1].kind == "done"
    fresh = fresh_run(x, y, cfg, dropout=False)
    for name, value in fresh.items():
        np.testing.assert_allclose(model.get_weights()[name], value, rtol=1e-5, atol=1e-7)

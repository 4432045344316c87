"""The warm pool of training worker processes (engine.worker_pool) and DataParallel taking processes from it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convlens.engine.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D
from convlens.engine.model import Sequential
from convlens.engine.parallel import SEGMENT_PREFIX, DataParallel
from convlens.engine.train import TrainConfig, fit
from convlens.engine.worker_pool import WarmPool

SHM = Path("/dev/shm")


def _net() -> Sequential:
    return Sequential(
        [
            Conv2D(3, 3, padding="same", activation="relu"),  # (N,8,8,1) -> (N,8,8,3)
            MaxPool2D(2),  # -> (N,4,4,3)
            Flatten(),
            Dense(6, activation="relu"),
            Dropout(0.3, seed=2),  # the workers' dropout masks must not depend on the process they run in
            Dense(3),
        ],
        input_shape=(8, 8, 1),
        seed=1,
    )


def _data(n: int = 32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    return rng.random((n, 8, 8, 1)).astype(np.float32), rng.integers(0, 3, n)


def _segments() -> set[str]:
    return {p.name for p in SHM.glob(f"{SEGMENT_PREFIX}*")} if SHM.is_dir() else set()


def _gone(pid: int) -> bool:
    """The process has ended and was reaped (no zombie left either)."""
    return not Path(f"/proc/{pid}").exists()


def _wait_until(condition: object, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def pool() -> Iterator[WarmPool]:
    before = _segments()
    pool = WarmPool(1)
    assert pool.warm() == 1 and pool.warm() == 0, "a full pool starts nothing more"
    yield pool
    pids = pool.idle_pids
    pool.close()
    assert all(_gone(pid) for pid in pids), "closing the pool ends its processes"
    assert _segments() <= before, "no shared-memory segment is left behind"


def _train(pool: WarmPool | None, workers: int = 2) -> dict[str, np.ndarray]:
    model = _net()
    x, y = _data()
    config = TrainConfig(epochs=2, batch_size=8, workers=workers, report_every=1)
    records = list(fit(model, x, y, config, pool=pool))
    assert records[-1].kind == "done"
    return {name: value.copy() for name, value, _ in model.named_params()}


@pytest.mark.skipif(not SHM.is_dir(), reason="checks /dev/shm")
def test_a_run_reuses_the_warm_processes_and_gives_them_back(pool: WarmPool) -> None:
    pids = pool.idle_pids
    assert len(pids) == 1 and pids[0] != os.getpid()
    model = _net()
    x, y = _data(8)
    parallel = DataParallel(model, workers=2, batch_size=8, pool=pool)
    try:
        assert parallel.fallback_reason is None
        assert parallel.worker_pids == pids, "the run took the warm process instead of starting one"
        assert pool.idle_pids == [] and pool.warm() == 0, "a process lent to a run is not replaced"
        assert len(_segments()) == 1
        parallel.forward_backward(x, y)
        assert parallel.worker_slices == 1
    finally:
        parallel.close()
    assert pool.idle_pids == pids, "the process is back in the pool, alive"
    assert not _segments(), "the run's shared memory is gone"
    again = DataParallel(_net(), workers=2, batch_size=8, pool=pool)
    try:
        assert again.worker_pids == pids
        again.forward_backward(x, y)
    finally:
        again.close()


def test_results_with_the_pool_equal_results_without(pool: WarmPool, data_parallel_runs: list[Any]) -> None:
    pids = pool.idle_pids
    without = _train(None)
    with_pool = _train(pool)
    second = _train(pool)  # the same process serving a second run
    assert data_parallel_runs[0].started_pids != pids
    for run in data_parallel_runs:
        assert run.fallback_reason is None and run.worker_slices > 0, "every run used two processes"
    assert [run.started_pids for run in data_parallel_runs[1:]] == [pids, pids], "the pool's process served both"
    for name in without:
        np.testing.assert_array_equal(with_pool[name], without[name], err_msg=name)
        np.testing.assert_array_equal(second[name], without[name], err_msg=name)


def test_a_dead_warm_process_is_replaced_and_the_run_still_uses_two(pool: WarmPool) -> None:
    (dead,) = pool.idle_pids
    os.kill(dead, 9)
    assert _wait_until(lambda: not pool._idle[0].is_alive()), "the kill took effect"
    model = _net()
    x, y = _data(8)
    parallel = DataParallel(model, workers=2, batch_size=8, pool=pool)
    try:
        assert parallel.fallback_reason is None
        assert len(parallel.worker_pids) == 1 and parallel.worker_pids[0] != dead, "a fresh process took over"
        parallel.forward_backward(x, y)
        assert parallel.worker_slices == 1
    finally:
        parallel.close()
    assert _gone(dead), "the dead process was reaped"
    assert len(pool.idle_pids) == 1, "the run's own process now waits in the pool"


def test_a_process_lent_when_the_pool_closes_ends_with_its_run(pool: WarmPool) -> None:
    parallel = DataParallel(_net(), workers=2, batch_size=8, pool=pool)
    (pid,) = parallel.worker_pids
    pool.close()
    parallel.forward_backward(*_data(8))
    parallel.close()
    assert _gone(pid)
    assert pool.warm() == 0 and pool.take(1) == [], "a closed pool stays empty"


def test_a_closed_pool_or_none_at_all_still_trains_with_processes_of_its_own() -> None:
    closed = WarmPool(1)
    closed.close()
    parallel = DataParallel(_net(), workers=2, batch_size=8, pool=closed)
    try:
        assert parallel.fallback_reason is None and len(parallel.worker_pids) == 1
        parallel.forward_backward(*_data(8))
        assert parallel.worker_slices == 1
        (pid,) = parallel.worker_pids
    finally:
        parallel.close()
    assert _gone(pid), "a process the run started itself ends with the run"

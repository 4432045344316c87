"""Data-parallel gradients: every batch is split between this process and worker processes.

Why processes and not threads: NumPy releases the GIL inside its kernels, but one training step also makes
hundreds of small calls that need it, and two threads handing the GIL to each other ran each half-batch 20-70%
slower than one thread alone; two processes ran both halves at full speed (measured with the default network,
batch 128, on 2 cores; ``bench/bench_train.py``).

A worker process (``spawn``, safe in a GUI process with threads) imports NumPy and the engine, then waits for
a *job*: an architecture and the name of one shared-memory segment holding the parameters, the gradients and the
batch slice. A run either starts its worker processes itself or takes them ready from a warm pool
(:class:`convlens.engine.worker_pool.WarmPool`, which the app fills while it is idle: the Train button then
answers without waiting for processes to start) and gives them back at its end. Each step the parent copies the
current parameters and the worker's slice of the batch into the segment and sends "go"; the worker writes its
gradient there and answers ``(loss, correct)``. When the run augments its batches, the slice goes raw with its
images' augmentation draws (:class:`~convlens.engine.augment.AugmentParams`, ``FIELDS`` floats per image) and the worker
augments it itself: the pixel work of the augmentation is split like the gradients instead of running in this
process before every step, with the same bits as augmenting the whole batch here. Only this module and the pool
know about processes; a machine where they cannot start trains in one process, and so does a run whose worker
dies.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import secrets
from collections.abc import Iterable
from multiprocessing import shared_memory
from multiprocessing.connection import Connection
from typing import Any, Protocol

import numpy as np

from convlens.engine.augment import AugmentConfig, AugmentParams, apply_augmentation
from convlens.engine.losses import softmax_cross_entropy
from convlens.engine.model import Sequential

log = logging.getLogger(__name__)

#: Names of the shared-memory segments start with this (``/dev/shm/convlens-...`` on Linux).
SEGMENT_PREFIX = "convlens-"

#: Seconds to wait for a worker to start (it imports NumPy and builds its replica) or to finish a step.
START_TIMEOUT = 60.0
STEP_TIMEOUT = 600.0


class WorkerError(RuntimeError):
    """A worker process failed or disappeared."""


def pack_arrays(dicts: list[dict[str, np.ndarray]], out: np.ndarray | None = None) -> np.ndarray:
    """Move every array of ``dicts`` into one flat array and put views of it back in their place.

    Parameters
    ----------
    dicts : list of dict
        E.g. every layer's ``params``; walked in order, so the flat array follows ``Sequential.named_params``.
    out : ndarray, optional
        The flat array to use (its size must be the total size); a new one by default.

    Returns
    -------
    ndarray, shape (total size,)
        Writing to it writes the arrays (and the other way round).
    """
    arrays = [a for d in dicts for a in d.values()]
    total = sum(a.size for a in arrays)
    if out is None:
        out = np.empty(total, np.result_type(*arrays) if arrays else np.float32)
    elif out.shape != (total,):
        raise ValueError(f"the flat array has shape {out.shape}, the arrays need ({total},)")
    offset = 0
    for d in dicts:
        for key, value in d.items():
            view = out[offset : offset + value.size].reshape(value.shape)
            view[...] = value
            d[key] = view
            offset += value.size
    return out


def compute_gradients(
    model: Sequential, xb: np.ndarray, yb: np.ndarray, label_smoothing: float = 0.0
) -> tuple[float, int]:
    """Forward and backward pass of one (slice of a) batch: fills ``model``'s grads.

    ``yb`` holds labels ``(n,)`` or target distributions ``(n, K)``; ``label_smoothing`` is the loss's
    (:func:`engine.losses.softmax_cross_entropy`). A prediction counts as correct when it is the target's
    largest entry.

    Returns
    -------
    (float, int)
        Mean loss over the slice, number of correct predictions.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported by fit, not warned
        logits = model.forward(xb, training=True)
        loss, dlogits = softmax_cross_entropy(logits, yb, label_smoothing)
        model.backward(dlogits)
    truth = yb.argmax(axis=1) if yb.ndim == 2 else yb
    return loss, int(np.sum(logits.argmax(axis=1) == truth))


Layout = dict[str, tuple[int, tuple[int, ...], np.dtype]]


def segment_layout(
    size: int, capacity: int, input_shape: tuple[int, ...], classes: int, dtype: np.dtype
) -> tuple[Layout, int]:
    """Where a worker's arrays lie in its shared-memory segment: ``({name: (offset, shape, dtype)}, bytes)``.

    ``params`` and ``grads`` ``(size,)``, the batch slice ``x`` ``(capacity, *input_shape)``, its labels ``y``
    ``(capacity,)`` int64, targets ``(capacity, classes)`` and augmentation draws ``augment``
    ``(capacity, AugmentParams.FIELDS)`` float64 (:meth:`AugmentParams.to_array`), each 64-byte aligned.
    """
    entries = [
        ("params", (size,), dtype), ("grads", (size,), dtype), ("x", (capacity, *input_shape), dtype),
        ("y", (capacity,), np.dtype(np.int64)), ("targets", (capacity, classes), dtype),
        ("augment", (capacity, AugmentParams.FIELDS), np.dtype(np.float64)),
    ]
    layout: Layout = {}
    offset = 0
    for name, shape, kind in entries:
        layout[name] = (offset, shape, kind)
        offset += -(-int(np.prod(shape)) * kind.itemsize // 64) * 64
    return layout, max(offset, 64)


def segment_arrays(buffer: Any, layout: Layout) -> dict[str, np.ndarray]:
    """The arrays of ``layout`` over ``buffer`` (a shared-memory segment's ``buf``)."""
    return {
        name: np.frombuffer(buffer, dtype=kind, count=int(np.prod(shape)), offset=offset).reshape(shape)
        for name, (offset, shape, kind) in layout.items()
    }


def _spec_layout(spec: dict[str, Any]) -> Layout:
    dtype = np.dtype(spec["dtype"])
    return segment_layout(spec["size"], spec["capacity"], tuple(spec["input_shape"]), spec["classes"], dtype)[0]


def _serve(conn: Connection, spec: dict[str, Any], buffer: Any) -> bool:
    """One job in a worker process: a replica of the model whose parameters and gradients are shared memory.

    Returns True when the parent released the process for another job, False when it should end.
    """
    try:
        arrays = segment_arrays(buffer, _spec_layout(spec))
        model = Sequential.from_config(spec["architecture"], input_shape=tuple(spec["input_shape"]), seed=0)
        pack_arrays([layer.params for layer in model.layers], out=arrays["params"])
        pack_arrays([layer.grads for layer in model.layers], out=arrays["grads"])
        for layer in model.layers:  # its own dropout masks, reproducible from the run's seed
            if hasattr(layer, "rng"):
                layer.rng = np.random.default_rng([spec["seed"], int(getattr(layer, "seed", 0)), spec["rank"]])
        x, y, targets, draws = arrays["x"], arrays["y"], arrays["targets"], arrays["augment"]
        augment_config: AugmentConfig | None = spec.get("augment_config")
        conn.send("ready")
    except Exception as exc:  # reported to the parent, which then trains without this worker
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return False
    while True:
        try:
            n = conn.recv()
        except EOFError:  # the parent went away
            return False
        if n is None:
            return False
        if n == "release":
            return True
        n, soft, augmented = n if isinstance(n, tuple) else (n, False, False)
        try:
            labels = targets[:n] if soft else y[:n]
            images = x[:n]
            if augmented:  # as fit augmented whole batches in the parent before (cast to x's dtype as then)
                if augment_config is None:
                    raise ValueError("augmentation draws for a job without an augmentation config")
                params = AugmentParams.from_array(draws[:n], augment_config.elastic > 0)
                warped = apply_augmentation(images, params, augment_config)
                images = warped.astype(x.dtype, copy=False)
            conn.send(compute_gradients(model, images, labels, spec["label_smoothing"]))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def _process_main(conn: Connection) -> None:
    """Body of a worker process: says it is up, then serves jobs ``(spec, segment name)`` until told to end."""
    conn.send("booted")
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        spec, name = job
        try:
            segment = shared_memory.SharedMemory(name=name)
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
            continue
        try:
            again = _serve(conn, spec, segment.buf)
        finally:
            try:
                segment.close()
            except BufferError:  # a view survived (an exception's traceback): the mapping goes with the process
                pass
        if not again:
            return


class WorkerProcess:
    """A worker process (running :func:`_process_main`) and the parent's end of its pipe.

    Started by a run that needs it or ahead of time by a :class:`~convlens.engine.worker_pool.WarmPool`.
    """

    def __init__(self, ctx: Any, name: str) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_process_main, args=(child,), name=name, daemon=True)
        self.process.start()
        child.close()
        self.booted = False

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def is_alive(self) -> bool:
        return bool(self.process.is_alive())

    def receive(self, timeout: float) -> Any:
        if not self.conn.poll(timeout):
            raise WorkerError(f"training worker {self.process.name} did not answer within {timeout:.0f} s")
        try:
            return self.conn.recv()
        except (EOFError, OSError) as exc:
            name, code = self.process.name, self.process.exitcode
            raise WorkerError(f"training worker {name} stopped (exit code {code})") from exc

    def send(self, message: Any) -> None:
        try:
            self.conn.send(message)
        except (OSError, ValueError) as exc:  # BrokenPipeError: the process is gone
            name, code = self.process.name, self.process.exitcode
            raise WorkerError(f"training worker {name} stopped (exit code {code})") from exc

    def wait_booted(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the process has imported the engine (at once for a warm one)."""
        if not self.booted:
            reply = self.receive(timeout)
            if reply != "booted":
                raise WorkerError(f"training worker {self.process.name} did not start: {reply}")
            self.booted = True

    def stop(self, busy: bool = False) -> None:
        """End the process (terminated if it does not end by itself) and close the pipe."""
        try:
            if busy:  # let a step in flight finish (the process is terminated below if it does not)
                self.conn.poll(5)
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        self.conn.close()


class ProcessPool(Protocol):
    """Where a run takes worker processes started ahead of time (:class:`convlens.engine.worker_pool.WarmPool`)."""

    def take(self, count: int) -> list[WorkerProcess]:
        """Up to ``count`` idle live processes."""
        ...

    def give_back(self, handles: Iterable[WorkerProcess], taken: int) -> None:
        """The run that took ``taken`` processes ended; ``handles`` (released ones) may serve again."""
        ...


class _Worker:
    """The parent's handle on one worker process doing one run's job, and the job's shared-memory segment."""

    def __init__(
        self,
        handle: WorkerProcess,
        model: Sequential,
        capacity: int,
        rank: int,
        seed: int,
        dtype: np.dtype,
        label_smoothing: float = 0.0,
        augment_config: AugmentConfig | None = None,
    ) -> None:
        self.handle, self.process = handle, handle.process
        self.capacity = capacity
        self.busy = False
        self.segment: shared_memory.SharedMemory | None = None
        try:
            size = model.param_count()
            layout, nbytes = segment_layout(size, capacity, tuple(model.input_shape), model.num_classes, dtype)
            name = f"{SEGMENT_PREFIX}{os.getpid()}-{secrets.token_hex(6)}"
            self.segment = shared_memory.SharedMemory(name, create=True, size=nbytes)
            arrays = segment_arrays(self.segment.buf, layout)
            self.params, self.grads, self.x = arrays["params"], arrays["grads"], arrays["x"]
            self.y, self.targets, self.draws = arrays["y"], arrays["targets"], arrays["augment"]
            del arrays
            spec = {
                "classes": model.num_classes,
                "architecture": model.architecture(), "input_shape": list(model.input_shape), "dtype": dtype.str,
                "size": size, "capacity": capacity, "rank": rank, "seed": seed, "label_smoothing": label_smoothing,
                "augment_config": augment_config,
            }
            handle.wait_booted()
            handle.send((spec, self.segment.name))
            reply = handle.receive(START_TIMEOUT)
            if reply != "ready":
                raise WorkerError(f"training worker {rank} did not start: {reply}")
        except BaseException:
            self.stop()
            raise

    def start(
        self, params: np.ndarray, xb: np.ndarray, yb: np.ndarray, augment: AugmentParams | None = None
    ) -> None:
        """Hand the worker the parameters ``(size,)``, a slice ``xb`` ``(n, ...)``, its labels ``(n,)`` or targets
        ``(n, K)`` and, to augment it there, its images' draws (length ``n``); :meth:`result` waits for it."""
        n = len(xb)
        np.copyto(self.params, params)
        np.copyto(self.x[:n], xb, casting="same_kind")
        soft = yb.ndim == 2
        if soft:
            np.copyto(self.targets[:n], yb, casting="same_kind")
        else:
            self.y[:n] = yb
        if augment is not None:
            augment.to_array(out=self.draws[:n])
        self.handle.send((n, soft, augment is not None))
        self.busy = True

    def result(self) -> tuple[float, int]:
        reply = self.handle.receive(STEP_TIMEOUT)
        self.busy = False
        if isinstance(reply, tuple) and len(reply) == 2 and reply[0] == "error":
            raise WorkerError(f"training worker {self.process.name} failed: {reply[1]}")
        return float(reply[0]), int(reply[1])

    def release(self) -> WorkerProcess | None:
        """End the job and hand the process back for another one (None: it cannot take one, it was stopped)."""
        if self.busy or not self.handle.is_alive():
            self.stop()
            return None
        try:
            self.handle.send("release")
        except WorkerError:
            self.stop()
            return None
        self._free_segment()
        return self.handle

    def stop(self) -> None:
        self.handle.stop(self.busy)
        self._free_segment()

    def _free_segment(self) -> None:
        for name in ("params", "grads", "x", "y", "targets", "draws"):  # the views must go before the mapping
            self.__dict__.pop(name, None)
        if self.segment is not None:
            try:
                self.segment.close()
            except BufferError:
                pass
            try:
                self.segment.unlink()
            except FileNotFoundError:
                pass
            self.segment = None


class DataParallel:
    """Computes a batch's loss and gradients, split between this process and ``workers - 1`` worker processes.

    Parameters
    ----------
    model : Sequential
        Trained in this process; its parameters and gradients are packed into one flat array each (the
        optimiser, the averaging and the NaN rollback then touch one array instead of one per tensor).
    workers : int
        Processes computing each batch (1: everything in this process).
    batch_size : int
        Largest batch :meth:`forward_backward` will be given (sizes the shared buffers).
    seed : int
        Seeds the workers' dropout masks.
    label_smoothing : float
        The loss's label smoothing (:func:`engine.losses.softmax_cross_entropy`).
    pool : ProcessPool, optional
        Take the worker processes from this pool when it has them ready (and give them back on :meth:`close`);
        missing ones are started here. Without a pool every worker process is started here and ended on close.
    augment_config : AugmentConfig, optional
        The augmentation :meth:`forward_backward` applies to batches given with their draws (the workers get
        it once, at the start of the run).
    """

    def __init__(
        self,
        model: Sequential,
        workers: int = 1,
        batch_size: int = 128,
        seed: int = 0,
        label_smoothing: float = 0.0,
        pool: ProcessPool | None = None,
        augment_config: AugmentConfig | None = None,
    ) -> None:
        self.model = model
        self.label_smoothing = float(label_smoothing)
        self.augment_config = augment_config
        self.flat_params = pack_arrays([layer.params for layer in model.layers])
        self.flat_grads = pack_arrays([layer.grads for layer in model.layers])
        self.workers: list[_Worker] = []
        self.fallback_reason: str | None = None
        self.pool = pool
        self._taken = 0  # processes taken from the pool
        self._worker_slices = 0
        count = max(1, min(int(workers), 8))
        if count > 1:
            warm = pool.take(count - 1) if pool is not None else []
            self._taken = len(warm)
            try:
                capacity = math.ceil(batch_size / count)
                for rank in range(1, count):
                    self.workers.append(self._start_worker(warm.pop(0) if warm else None, capacity, rank, seed))
            except (OSError, WorkerError) as exc:  # no processes here (sandbox, limits): train in this process
                self.fallback_reason = str(exc)
                log.warning("training in one process: %s", exc)
                self._stop_workers()
            finally:
                for handle in warm:
                    handle.stop()

    def _start_worker(self, handle: WorkerProcess | None, capacity: int, rank: int, seed: int) -> _Worker:
        """A worker for this run on ``handle`` (a warm process), or on a process started now."""
        dtype = self.flat_params.dtype
        if handle is not None:
            try:
                return _Worker(
                    handle, self.model, capacity, rank, seed, dtype, self.label_smoothing, self.augment_config
                )
            except WorkerError as exc:  # the warm process died meanwhile: start one
                log.info("a warm training worker could not take the run (%s): starting one", exc)
        ctx = multiprocessing.get_context("spawn")
        handle = WorkerProcess(ctx, f"convlens-train-{rank}")
        return _Worker(handle, self.model, capacity, rank, seed, dtype, self.label_smoothing, self.augment_config)

    def _augmented(self, xb: np.ndarray, augment: AugmentParams | None) -> np.ndarray:
        """``xb`` ``(n, ...)`` augmented by its draws ``augment`` (length ``n``); ``xb`` itself without draws."""
        if augment is None:
            return xb
        return apply_augmentation(xb, augment, self.augment_config)

    def forward_backward(
        self, xb: np.ndarray, yb: np.ndarray, augment: AugmentParams | None = None
    ) -> tuple[float, int]:
        """Fill the model's grads for batch ``xb`` ``(B, ...)``; return (mean loss, correct count).

        ``yb``: labels ``(B,)`` or target distributions ``(B, K)`` (mixup). ``augment``: draws of length ``B``
        (:func:`engine.augment.sample_augmentation`) to augment ``xb`` by ``augment_config`` first, each slice in
        the process that computes it; the same bits as ``apply_augmentation(xb, augment, augment_config)``.
        """
        if augment is not None and (self.augment_config is None or len(augment) != len(xb)):
            raise ValueError(f"augmentation draws need an augment_config and one draw per image ({len(xb)})")
        parts = len(self.workers) + 1
        bounds = np.linspace(0, len(xb), parts + 1).astype(int)
        slices = [slice(bounds[i], bounds[i + 1]) for i in range(parts)]
        sizes = [sl.stop - sl.start for sl in slices]
        if parts == 1 or min(sizes) < 1 or max(sizes[1:]) > self.workers[0].capacity:
            return compute_gradients(self.model, self._augmented(xb, augment), yb, self.label_smoothing)
        try:
            for worker, sl in zip(self.workers, slices[1:], strict=True):
                worker.start(self.flat_params, xb[sl], yb[sl], None if augment is None else augment.subset(sl))
            own_x = self._augmented(xb[slices[0]], None if augment is None else augment.subset(slices[0]))
            own = compute_gradients(self.model, own_x, yb[slices[0]], self.label_smoothing)
            results = [own] + [worker.result() for worker in self.workers]
            self._worker_slices += len(self.workers)
        except WorkerError as exc:  # e.g. killed by the OS: the run goes on in this process, nothing is lost
            self.fallback_reason = str(exc)
            log.warning("training continues in one process: %s", exc)
            self._stop_workers()
            return compute_gradients(self.model, self._augmented(xb, augment), yb, self.label_smoothing)
        total = float(sum(sizes))
        self.flat_grads *= sizes[0] / total
        for worker, size in zip(self.workers, sizes[1:], strict=True):
            worker.grads *= size / total
            self.flat_grads += worker.grads
        loss = sum(r[0] * n for r, n in zip(results, sizes, strict=True)) / total
        return loss, sum(r[1] for r in results)

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the running worker processes (empty: everything runs in this process)."""
        return [worker.process.pid for worker in self.workers if worker.process.pid is not None]

    @property
    def worker_slices(self) -> int:
        """How many batch slices worker processes have computed and sent back so far (0: none)."""
        return self._worker_slices

    def optimizer_arrays(self, per_tensor: bool = False) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """``(params, grads)`` for ``Optimizer.step``: the two flat arrays, or one view per tensor.

        Per tensor is needed when the optimiser treats tensors differently (weight decay skips biases).
        """
        if per_tensor:
            named = list(self.model.named_params())
            return [value for _, value, _ in named], [grad for _, _, grad in named]
        return [self.flat_params], [self.flat_grads]

    def _stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []

    def close(self) -> None:
        """End the worker processes (or give them back to the pool) and free the model's training scratch memory."""
        if self.pool is not None:
            released = [worker.release() for worker in self.workers]
            self.workers = []
            self.pool.give_back([handle for handle in released if handle is not None], self._taken)
            self.pool, self._taken = None, 0  # a second close gives nothing back
        self._stop_workers()
        self.model.release_buffers()

    def __enter__(self) -> DataParallel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

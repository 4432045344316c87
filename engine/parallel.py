"""Data-parallel gradients: every batch is split between this process and worker processes.

Why processes and not threads: NumPy releases the GIL inside its kernels, but one training step also makes
hundreds of small calls that need it, and two threads handing the GIL to each other ran each half-batch 20-70%
slower than one thread alone; two processes ran both halves at full speed (measured with the default network,
batch 128, on 2 cores; ``bench/bench_train.py``).

The workers are started once per training run (``spawn``, safe in a GUI process with threads). Each step the
parent copies the current parameters and the worker's slice of the batch into shared memory and sends "go";
the worker writes its gradient into shared memory and answers ``(loss, correct)``. Only this module knows about
processes; a machine where they cannot start trains in one process, and so does a run whose worker dies.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from convlens.engine.losses import softmax_cross_entropy
from convlens.engine.model import Sequential

log = logging.getLogger(__name__)

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


def _shared(ctx: Any, shape: tuple[int, ...], dtype: np.dtype) -> tuple[Any, np.ndarray]:
    """A ``RawArray`` (inheritable shared memory) and an ndarray over it."""
    count = int(np.prod(shape))
    raw = ctx.RawArray("d", max(1, math.ceil(count * dtype.itemsize / 8)))  # 8-byte aligned
    return raw, _view(raw, shape, dtype)


def _view(raw: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    return np.frombuffer(raw, dtype=dtype, count=int(np.prod(shape))).reshape(shape)


def _worker_main(conn: Connection, spec: dict[str, Any], raws: dict[str, Any]) -> None:
    """Body of a worker process: a replica of the model whose parameters and gradients are shared memory."""
    try:
        dtype = np.dtype(spec["dtype"])
        model = Sequential.from_config(spec["architecture"], input_shape=tuple(spec["input_shape"]), seed=0)
        size, capacity = spec["size"], spec["capacity"]
        pack_arrays([layer.params for layer in model.layers], out=_view(raws["params"], (size,), dtype))
        pack_arrays([layer.grads for layer in model.layers], out=_view(raws["grads"], (size,), dtype))
        for layer in model.layers:  # its own dropout masks, reproducible from the run's seed
            if hasattr(layer, "rng"):
                layer.rng = np.random.default_rng([spec["seed"], int(getattr(layer, "seed", 0)), spec["rank"]])
        x = _view(raws["x"], (capacity, *spec["input_shape"]), dtype)
        y = _view(raws["y"], (capacity,), np.dtype(np.int64))
        targets = _view(raws["targets"], (capacity, spec["classes"]), dtype)
        conn.send("ready")
    except Exception as exc:  # reported to the parent, which then trains without this worker
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    while True:
        try:
            n = conn.recv()
        except EOFError:  # the parent went away
            return
        if n is None:
            return
        n, soft = n if isinstance(n, tuple) else (n, False)
        try:
            labels = targets[:n] if soft else y[:n]
            conn.send(compute_gradients(model, x[:n], labels, spec["label_smoothing"]))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Worker:
    """The parent's handle on one worker process and its shared buffers."""

    def __init__(
        self,
        ctx: Any,
        model: Sequential,
        capacity: int,
        rank: int,
        seed: int,
        dtype: np.dtype,
        label_smoothing: float = 0.0,
    ) -> None:
        size = model.param_count()
        self.capacity = capacity
        raws: dict[str, Any] = {}
        raws["params"], self.params = _shared(ctx, (size,), dtype)
        raws["grads"], self.grads = _shared(ctx, (size,), dtype)
        raws["x"], self.x = _shared(ctx, (capacity, *model.input_shape), dtype)
        raws["y"], self.y = _shared(ctx, (capacity,), np.dtype(np.int64))
        raws["targets"], self.targets = _shared(ctx, (capacity, model.num_classes), dtype)
        spec = {
            "classes": model.num_classes,
            "architecture": model.architecture(), "input_shape": list(model.input_shape), "dtype": dtype.str,
            "size": size, "capacity": capacity, "rank": rank, "seed": seed, "label_smoothing": label_smoothing,
        }
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child, spec, raws), name=f"convlens-train-{rank}", daemon=True
        )
        self.process.start()
        child.close()
        self.busy = False
        try:
            reply = self._receive(START_TIMEOUT)
            if reply != "ready":
                raise WorkerError(f"training worker {rank} did not start: {reply}")
        except WorkerError:
            self.stop()
            raise

    def _receive(self, timeout: float) -> Any:
        if not self.conn.poll(timeout):
            raise WorkerError(f"training worker {self.process.name} did not answer within {timeout:.0f} s")
        try:
            return self.conn.recv()
        except (EOFError, OSError) as exc:
            name, code = self.process.name, self.process.exitcode
            raise WorkerError(f"training worker {name} stopped (exit code {code})") from exc

    def start(self, params: np.ndarray, xb: np.ndarray, yb: np.ndarray) -> None:
        n = len(xb)
        np.copyto(self.params, params)
        np.copyto(self.x[:n], xb, casting="same_kind")
        soft = yb.ndim == 2
        if soft:
            np.copyto(self.targets[:n], yb, casting="same_kind")
        else:
            self.y[:n] = yb
        try:
            self.conn.send((n, soft))
        except (OSError, ValueError) as exc:  # BrokenPipeError: the process is gone
            name, code = self.process.name, self.process.exitcode
            raise WorkerError(f"training worker {name} stopped (exit code {code})") from exc
        self.busy = True

    def result(self) -> tuple[float, int]:
        reply = self._receive(STEP_TIMEOUT)
        self.busy = False
        if isinstance(reply, tuple) and len(reply) == 2 and reply[0] == "error":
            raise WorkerError(f"training worker {self.process.name} failed: {reply[1]}")
        return float(reply[0]), int(reply[1])

    def stop(self) -> None:
        try:
            if self.busy:  # let a step in flight finish (the process is terminated below if it does not)
                self.conn.poll(5)
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        self.conn.close()


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
    """

    def __init__(
        self, model: Sequential, workers: int = 1, batch_size: int = 128, seed: int = 0, label_smoothing: float = 0.0
    ) -> None:
        self.model = model
        self.label_smoothing = float(label_smoothing)
        self.flat_params = pack_arrays([layer.params for layer in model.layers])
        self.flat_grads = pack_arrays([layer.grads for layer in model.layers])
        self.workers: list[_Worker] = []
        self.fallback_reason: str | None = None
        self._worker_slices = 0
        count = max(1, min(int(workers), 8))
        if count > 1:
            try:
                ctx = multiprocessing.get_context("spawn")
                capacity = math.ceil(batch_size / count)
                for rank in range(1, count):
                    dtype = self.flat_params.dtype
                    self.workers.append(_Worker(ctx, model, capacity, rank, seed, dtype, self.label_smoothing))
            except (OSError, WorkerError) as exc:  # no processes here (sandbox, limits): train in this process
                self.fallback_reason = str(exc)
                log.warning("training in one process: %s", exc)
                self._stop_workers()

    def forward_backward(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, int]:
        """Fill the model's grads for batch ``xb`` ``(B, ...)``; return (mean loss, correct count).

        ``yb``: labels ``(B,)`` or target distributions ``(B, K)`` (mixup).
        """
        parts = len(self.workers) + 1
        bounds = np.linspace(0, len(xb), parts + 1).astype(int)
        slices = [slice(bounds[i], bounds[i + 1]) for i in range(parts)]
        sizes = [sl.stop - sl.start for sl in slices]
        if parts == 1 or min(sizes) < 1 or max(sizes[1:]) > self.workers[0].capacity:
            return compute_gradients(self.model, xb, yb, self.label_smoothing)
        try:
            for worker, sl in zip(self.workers, slices[1:], strict=True):
                worker.start(self.flat_params, xb[sl], yb[sl])
            own = compute_gradients(self.model, xb[slices[0]], yb[slices[0]], self.label_smoothing)
            results = [own] + [worker.result() for worker in self.workers]
            self._worker_slices += len(self.workers)
        except WorkerError as exc:  # e.g. killed by the OS: the run goes on in this process, nothing is lost
            self.fallback_reason = str(exc)
            log.warning("training continues in one process: %s", exc)
            self._stop_workers()
            return compute_gradients(self.model, xb, yb, self.label_smoothing)
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
        """Stop the worker processes and free the model's training scratch memory."""
        self._stop_workers()
        self.model.release_buffers()

    def __enter__(self) -> DataParallel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

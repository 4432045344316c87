"""Inference on onnxruntime: one session, one ``run`` per pen move returning the probabilities and every map.

:class:`OnnxPredictor` presents any supported ONNX classifier the way :class:`engine.model.Sequential` does:
images ``(N, 28, 28, 1)`` float32 in [0, 1] go in; ``probs`` ``(N, 10)`` and an ordered dict of NHWC
activations come out, so the GUI never cares which backend ran. The graph checks and the graph surgery
(exposing a foreign model's Conv / Relu / pooling outputs) live in :mod:`engine.onnx_export`; this is the
only module importing onnxruntime.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from convlens.engine.model import LayerInfo, ModelFileError, RunResult, Sequential, load_npz_model
from convlens.engine.onnx_reader import ClassifierSpec, UnsupportedModelError, graph_details, prepare_classifier
from convlens.engine.ops import softmax

MAX_MODEL_BYTES = 50 * 1024 * 1024
"""Larger files are refused before they are read."""
INTRA_OP_THREADS = 1
"""Threads per operator: at batch 1 the maps are too small for a thread pool to pay off (see bench/)."""
PROBS = "probs"

__all__ = [
    "MAX_MODEL_BYTES",
    "LayerInfo",
    "ModelFileError",
    "OnnxPredictor",
    "RunResult",
    "UnsupportedModelError",
]



def _session_options(threads: int) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Graph outputs are never optimised away, so every exposed map survives full optimisation.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy-waiting in a GUI app
    return options


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class OnnxPredictor:
    """A checked ONNX digit classifier on an onnxruntime session; implements :class:`engine.model.Predictor`.

    Use :meth:`open`; the constructor takes an already checked :class:`~engine.onnx_export.ClassifierSpec`.

    Attributes
    ----------
    path : Path
        The file it was opened from (also :attr:`source_path`).
    metadata : dict
        The model card stored in the file, or the file's metadata properties.
    layers : list of LayerInfo
        Every entry of :meth:`activations` (the final one is ``probs``), with NHWC shapes (= :meth:`layer_infos`).
    layer_names : list of str
        The activation keys without ``"probs"``.
    """

    backend = "onnxruntime"
    is_trainable = False

    def __init__(self, spec: ClassifierSpec, path: Path, threads: int = INTRA_OP_THREADS) -> None:
        self.path = path
        self.spec = spec
        self.metadata: dict[str, Any] = dict(spec.metadata)
        self._lock = threading.Lock()
        # Batches (an evaluation, an occlusion map's few hundred occluded copies) give their memory back after
        # the run: onnxruntime's arena would otherwise keep the largest batch's intermediates for good, and grow
        # in steps with every new batch size (a kiosk that runs for weeks). The batch-1 pen path keeps its arena.
        self._batch_options = ort.RunOptions()
        self._batch_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        try:
            # onnxruntime prints an "EP Error ... retrying" banner to stdout when loading fails; keep it quiet.
            with contextlib.redirect_stdout(io.StringIO()):
                self._session = ort.InferenceSession(
                    spec.model_bytes, _session_options(threads), providers=["CPUExecutionProvider"]
                )
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types
            raise UnsupportedModelError(f"{path}: onnxruntime cannot load this model: {_first_line(exc)}") from None
        self._fetch = [spec.output_name, *(o.tensor for o in spec.outputs)]
        self._transpose: list[bool] = []
        self._buffer = np.zeros(self._input_shape(spec.batch_size or 1), np.float32)
        self._buffer_nhwc = self._buffer.reshape(-1, 28, 28, 1)  # a view: C == 1
        self._fast = spec.batch_size in (None, 1)
        self._feed = {spec.input_name: self._buffer}
        self._outputs: list[LayerInfo] = []  # without parameter counts: see layer_infos()
        self._infos: list[LayerInfo] | None = None
        self._biases: OrderedDict[str, np.ndarray] | None = None
        self._check_outputs()
        self.layer_names = [info.name for info in self._outputs[:-1]]

    # -- opening --------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, threads: int = INTRA_OP_THREADS) -> OnnxPredictor:
        """Open an ONNX file written by ConvLens or any other 10-way 28x28 digit classifier.

        Parameters
        ----------
        path : str or Path
        threads : int
            onnxruntime intra-op threads.

        Raises
        ------
        ModelFileError
            Missing file, not an ONNX file, file over :data:`MAX_MODEL_BYTES`.
        UnsupportedModelError
            (a ModelFileError) Wrong input or output shape, custom operators, or a graph onnxruntime refuses.
        """
        path = Path(path)
        if not path.is_file():
            raise ModelFileError(f"{path}: no such model file")
        size = path.stat().st_size
        if size > MAX_MODEL_BYTES:
            raise ModelFileError(f"{path}: {size / 2**20:.1f} MB is too large for a digit classifier "
                                 f"(limit {MAX_MODEL_BYTES / 2**20:.0f} MB)")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
        try:
            spec = prepare_classifier(data, str(path))
        except ModelFileError:
            raise
        except Exception as exc:  # noqa: BLE001 - a malformed graph must give a message, not a traceback
            raise UnsupportedModelError(f"{path}: cannot read this ONNX graph: {_first_line(exc)}") from None
        return cls(spec, path, threads)

    def _input_shape(self, n: int) -> tuple[int, ...]:
        return {"nchw": (n, 1, 28, 28), "nhwc": (n, 28, 28, 1), "flat": (n, 784)}[self.spec.input_layout]

    def _check_outputs(self) -> None:
        """One dry run: the classifier output must hold 10 scores per image; records every shape."""
        try:
            values = self._session.run(self._fetch, self._feed)
        except Exception as exc:  # noqa: BLE001
            raise UnsupportedModelError(f"{self.path}: onnxruntime cannot run this model: {_first_line(exc)}") \
                from None
        scores = np.asarray(values[0])
        if scores.ndim < 1 or scores.size != 10 * self._buffer.shape[0]:
            raise UnsupportedModelError(f"{self.path}: the output {self.spec.output_name!r} has shape "
                                        f"{scores.shape}; a digit classifier needs 10 class scores per image")
        self._transpose = []
        for spec, value in zip(self.spec.outputs, values[1:], strict=True):
            value = np.asarray(value)
            flip = value.ndim == 4 and spec.layout == "nchw"
            self._transpose.append(flip)
            shape = value.shape[1:] if not flip else (value.shape[2], value.shape[3], value.shape[1])
            self._outputs.append(LayerInfo(spec.key, spec.kind, tuple(int(d) for d in shape)))
        self._outputs.append(LayerInfo(PROBS, "probs", (10,)))

    # -- computing ------------------------------------------------------------------------------------------
    def _to_input(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if x.ndim == 3:
            x = x[None]
        if x.shape[1:] != (28, 28, 1):
            raise ValueError(f"expected images of shape (N, 28, 28, 1), got {x.shape}")
        return x.reshape(self._input_shape(x.shape[0]))  # C == 1: NHWC -> NCHW / flat is a reshape

    def _run(self, fetch: list[str], x: np.ndarray) -> list[np.ndarray]:
        """``session.run`` on the graph-layout batch ``x``, in chunks when the model has a fixed batch size."""
        fixed = self.spec.batch_size
        options = self._batch_options if x.shape[0] > 1 else None
        if fixed is None:
            return list(self._session.run(fetch, {self.spec.input_name: x}, options))
        parts: list[list[np.ndarray]] = []
        for start in range(0, x.shape[0], fixed):
            chunk = x[start : start + fixed]
            if chunk.shape[0] < fixed:
                chunk = np.concatenate([chunk, np.zeros((fixed - chunk.shape[0], *chunk.shape[1:]), chunk.dtype)])
            parts.append(list(self._session.run(fetch, {self.spec.input_name: chunk}, options)))
        n = x.shape[0]
        return [np.concatenate([p[k] for p in parts])[:n] for k in range(len(fetch))]

    def _probs(self, scores: np.ndarray) -> np.ndarray:
        if scores.ndim != 2:
            scores = scores.reshape(-1, 10)
        if scores.dtype != np.float32:
            scores = scores.astype(np.float32)
        return softmax(scores) if self.spec.apply_softmax else scores

    def run(self, x: np.ndarray) -> RunResult:
        """Probabilities and every intermediate in one onnxruntime call.

        Parameters
        ----------
        x : ndarray, shape (N, 28, 28, 1) or (28, 28, 1)
            float32 in [0, 1], white digit on black.

        Returns
        -------
        RunResult
            ``(probs, activations)``: ``probs`` ``(N, 10)`` float32; ``activations`` the intermediates keyed as
            :attr:`layer_names` (no ``"probs"``), maps NHWC ``(N, H, W, C)`` (views of onnxruntime's NCHW
            arrays), vectors ``(N, D)``.
        """
        if self._fast and isinstance(x, np.ndarray) and x.shape == (1, 28, 28, 1) and x.dtype == np.float32:
            with self._lock:  # batch-1 fast path (a pen move): reuse the pre-allocated input
                np.copyto(self._buffer_nhwc, x)
                values = self._session.run(self._fetch, self._feed)
        else:
            values = self._run(self._fetch, self._to_input(x))
        acts: OrderedDict[str, np.ndarray] = OrderedDict()
        for name, value, flip in zip(self.layer_names, values[1:], self._transpose, strict=True):
            acts[name] = value.transpose(0, 2, 3, 1) if flip else value
        return RunResult(self._probs(values[0]), acts)

    def predict_proba(self, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Class probabilities ``(N, 10)`` for images ``(N, 28, 28, 1)`` (only the classifier output is fetched)."""
        x = self._to_input(x)
        fetch = [self.spec.output_name]
        parts = [self._run(fetch, x[i : i + batch_size])[0] for i in range(0, x.shape[0], batch_size)]
        if not parts:
            return np.zeros((0, 10), np.float32)
        return self._probs(np.concatenate([np.asarray(p).reshape(-1, 10) for p in parts]))

    def predict(self, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Most likely digit ``(N,)``."""
        return np.asarray(self.predict_proba(x, batch_size).argmax(axis=1))

    def activations(self, x: np.ndarray) -> OrderedDict[str, np.ndarray]:
        """Every intermediate (NHWC maps) then ``"probs"``, like :meth:`engine.model.Sequential.activations`."""
        probs, acts = self.run(x)
        acts[PROBS] = probs
        return acts

    # -- describing -----------------------------------------------------------------------------------------
    @property
    def source_path(self) -> Path:
        """The file it was opened from."""
        return self.path

    @property
    def layers(self) -> list[LayerInfo]:
        """Every entry of :meth:`activations` with its NHWC shape (the last is ``probs``): :meth:`layer_infos`."""
        return self.layer_infos()

    def layer_infos(self) -> list[LayerInfo]:
        """Every entry of :meth:`activations` (the last is ``"probs"``): name, kind, NHWC shape, parameters.

        ``shape`` is one image's output shape (the batch output is ``(N, *shape)``).

        The parameter count of an output is the size of the float initializers read by the graph nodes since the
        previous exposed output (so a conv's weights and bias count for the conv, also when its ReLU is the
        exposed tensor). Read from the graph once, on the first call.
        """
        if self._infos is None:
            self._read_graph_details()
        assert self._infos is not None
        return list(self._infos)

    def conv_filters(self) -> OrderedDict[str, np.ndarray]:
        """Conv weights ``(H_f, W_f, C_in, C_out)`` (the engine's layout), keyed by the conv's activation name.

        Read from the graph's initializers, so it works for foreign models too (convs whose weights are
        computed at run time are left out). Returns copies.
        """
        return OrderedDict((name, w.copy()) for name, w in self.spec.filters.items())

    def conv_biases(self) -> OrderedDict[str, np.ndarray]:
        """Conv biases ``(C_out,)`` float32 keyed like :meth:`conv_filters` (convs without a constant bias are left
        out). Returns copies."""
        if self._biases is None:
            self._read_graph_details()
        assert self._biases is not None
        return OrderedDict((name, b.copy()) for name, b in self._biases.items())

    def summary(self) -> str:
        """A table of the outputs with their shapes and parameter counts (like ``Sequential.summary``)."""
        infos = self.layer_infos()
        lines = [f"{'layer':<12}{'kind':<11}{'output shape':<22}{'params':>9}", "-" * 54]
        lines.append(f"{'image':<12}{'input':<11}{str(('N', 28, 28, 1)):<22}{0:>9}")
        for info in infos:
            lines.append(f"{info.name:<12}{info.kind:<11}{str(('N', *info.shape)):<22}{info.params:>9,}")
        lines.append("-" * 54)
        lines.append(f"{'total':<45}{sum(info.params for info in infos):>9,}")
        return "\n".join(lines)

    def numpy_model(self) -> Sequential | None:
        """The ``.npz`` twin written next to this file by ``convlens train`` (loaded now), or None if there is
        none or it cannot be read."""
        twin = self.path.with_suffix(".npz")
        if not twin.is_file():
            return None
        try:
            return load_npz_model(twin)
        except ModelFileError:
            return None

    def _read_graph_details(self) -> None:
        """Fill the parameter counts of :meth:`layer_infos` and the conv biases from the graph (never raises)."""
        try:
            params, biases = graph_details(self.spec, PROBS)
        except Exception:  # noqa: BLE001 - the counts and biases are for display; the model runs without them
            params, biases = {}, OrderedDict()
        self._infos = [LayerInfo(i.name, i.kind, i.shape, params.get(i.name, 0)) for i in self._outputs]
        self._biases = biases

    @property
    def is_convlens_model(self) -> bool:
        """True for files written by :func:`engine.onnx_export.export_onnx`."""
        return self.spec.convlens

    def __repr__(self) -> str:
        return f"OnnxPredictor({str(self.path)!r}, layers={self.layer_names})"

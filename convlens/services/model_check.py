"""One validation of models and their answers, for the command line and the window alike.

:func:`open_checked_model` opens a ``.npz`` or ``.onnx`` file and runs it once on a few probe images before anyone
relies on it: it must take a (N, 28, 28, 1) batch and answer 10 finite probabilities per image that sum to 1.
:func:`check_probabilities` applies the same rule to every later answer (a model can be fine on the probes and
overflow on another drawing).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from convlens.engine.loading import load_model
from convlens.engine.model import Predictor

__all__ = [
    "NUM_CLASSES",
    "UnusableModelError",
    "check_probabilities",
    "open_checked_model",
    "probe_images",
    "probe_in_subprocess",
]

NUM_CLASSES = 10
SUM_TOLERANCE = 1e-3
"""How far a row of probabilities may sum from 1 (float32 softmax rounding is about 1e-6)."""


class UnusableModelError(ValueError):
    """The model file cannot be opened or does not answer like a digit classifier; one line for the user."""


def probe_images() -> np.ndarray:
    """Three probe inputs ``(3, 28, 28, 1)`` float32 in [0, 1]: blank, a vertical bar (a "1"), a ring (a "0")."""
    images = np.zeros((3, 28, 28, 1), np.float32)
    images[1, 4:24, 12:16, 0] = 1.0
    rows, cols = np.mgrid[0:28, 0:28]
    radius = np.hypot(rows - 13.5, cols - 13.5)
    images[2, ..., 0] = ((radius > 6.0) & (radius < 9.5)).astype(np.float32)
    return images


def check_probabilities(probs: np.ndarray, n_images: int) -> np.ndarray:
    """Return ``probs`` as float64 ``(n_images, 10)`` if it is a valid answer, else raise.

    Raises
    ------
    UnusableModelError
        Wrong shape, NaN or infinite values, values outside [0, 1], or rows not summing to 1.
    """
    array = np.asarray(probs)
    if array.shape != (n_images, NUM_CLASSES):
        raise UnusableModelError(
            f"the model must answer {NUM_CLASSES} probabilities per image, got an output of shape {array.shape}"
        )
    if not np.issubdtype(array.dtype, np.floating):
        raise UnusableModelError(f"the model answers {array.dtype} values, not probabilities")
    values = array.astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise UnusableModelError("the model answered NaN or infinite probabilities (its weights overflow)")
    if values.min() < -SUM_TOLERANCE or values.max() > 1.0 + SUM_TOLERANCE:
        raise UnusableModelError("the model's answers are not probabilities (values outside 0..1)")
    sums = values.sum(axis=1)
    if np.max(np.abs(sums - 1.0)) > SUM_TOLERANCE:
        raise UnusableModelError(f"the model's probabilities do not sum to 1 (they sum to {sums.min():.3g}..)")
    return values


def open_checked_model(path: str | Path) -> Predictor:
    """Open a model file and check that it answers like a digit classifier.

    Returns
    -------
    Predictor
        The opened model (NumPy ``Sequential`` for ``.npz``, ``OnnxPredictor`` for ``.onnx``).

    Raises
    ------
    UnusableModelError
        Anything that makes the model unusable, as one line naming the file.
    """
    path = Path(path)
    try:
        model = load_model(path)
    except (ValueError, OSError) as exc:
        raise UnusableModelError(str(exc)) from None
    input_shape = getattr(model, "input_shape", (28, 28, 1))  # Sequential states it; ONNX inputs are checked on load
    if tuple(input_shape) != (28, 28, 1):
        raise UnusableModelError(f"{path.name}: the network takes {tuple(input_shape)} inputs, not 28x28x1 images")
    probes = probe_images()
    try:
        with np.errstate(all="ignore"):
            probs = model.predict_proba(probes)
    except UnusableModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of a foreign model becomes one line for the user
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise UnusableModelError(f"{path.name}: cannot run on a 28x28 image: {first_line[:300]}") from None
    try:
        check_probabilities(probs, len(probes))
    except UnusableModelError as exc:
        raise UnusableModelError(f"{path.name}: {exc}") from None
    return model


PROBE_SECONDS = 20.0
"""Time budget of :func:`probe_in_subprocess` (opening and one run of the shipped model take about 1 s)."""
PROBE_MEMORY_BYTES = 3 * 1024**3
"""Address-space budget of the probing process (the shipped model needs about 600 MB of address space)."""


def probe_in_subprocess(
    path: str | Path, seconds: float = PROBE_SECONDS, memory_bytes: int = PROBE_MEMORY_BYTES
) -> None:
    """Open and run the model once in a child process with a time and memory budget, before this process
    trusts it: a crafted file that loops for ever or allocates gigabytes costs the child, not the app.

    Raises
    ------
    UnusableModelError
        The child refused the model (its one-line reason), ran out of time or memory, or died.
    """
    import os
    import subprocess
    import sys

    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({int(memory_bytes)}, {int(memory_bytes)}))\n"
        "from convlens.services.model_check import UnusableModelError, open_checked_model\n"
        "try:\n"
        "    open_checked_model(sys.argv[1])\n"
        "except UnusableModelError as exc:\n"
        "    print(exc); sys.exit(3)\n"
        "except MemoryError:\n"
        "    print('needs more memory than a digit classifier may use'); sys.exit(4)\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            timeout=seconds,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
        )
    except subprocess.TimeoutExpired:
        raise UnusableModelError(
            f"{Path(path).name}: did not answer within {seconds:.0f} s (a digit classifier answers in milliseconds)"
        ) from None
    if done.returncode == 0:
        return
    reason = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or ["it crashed"])[-1]
    if done.returncode == 4 or "MemoryError" in reason or "bad_alloc" in reason:
        reason = "needs more memory than a digit classifier may use"
    name = Path(path).name
    raise UnusableModelError(reason if reason.startswith(name) else f"{name}: {reason[:300]}")

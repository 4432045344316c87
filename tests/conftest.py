"""Shared fixtures: an offline engine.data and a tiny fake MNIST written as real IDX files.

Nothing here is autouse but ``_private_pen_cache`` (pen-drawn digits are cached into a temporary folder, never the
real user cache); a test opts in to the rest by naming the fixture. ``fake_mnist`` writes the four IDX files into
``tmp_path``, replaces ``engine.data``'s table of expected SHA-256s and sizes with theirs, points
``CONVLENS_MNIST_DIR`` at them, moves the user cache into ``tmp_path`` and makes every download fail, so
``load_mnist()`` (and ``convlens train``/``evaluate``) run on the fixture without touching the network or the
real cache.
"""

from __future__ import annotations

import hashlib
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convlens.engine import data, drawn, ops

FAKE_TRAIN = 300
FAKE_TEST = 100


@dataclass(frozen=True)
class FakeMnist:
    """A tiny MNIST on disk.

    Attributes
    ----------
    directory : Path
        Holds the four raw IDX files (also in ``$CONVLENS_MNIST_DIR``).
    arrays : dict[str, ndarray]
        File name -> the uint8 array written (images ``(N, 28, 28)``, labels ``(N,)``).
    sha256 : dict[str, str]
        File name -> SHA-256 of the raw file (what a model card must record).
    """

    directory: Path
    arrays: dict[str, np.ndarray]
    sha256: dict[str, str]

    @property
    def n_train(self) -> int:
        return int(self.arrays[data.TRAIN_LABELS].shape[0])

    @property
    def n_test(self) -> int:
        return int(self.arrays[data.TEST_LABELS].shape[0])


def fake_digit_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """uint8 images ``(N, 28, 28)``: label ``k`` is a bright vertical bar at column ``4 + 2k``, plus noise.

    Learnable by a small CNN in a few steps, so training on the fixture can show progress.
    """
    n = labels.shape[0]
    images = rng.integers(0, 40, (n, 28, 28)).astype(np.int32)
    top = rng.integers(3, 8, n)
    for i, label in enumerate(labels):
        col = 4 + 2 * int(label)
        images[i, top[i] : top[i] + 16, col : col + 2] = 255
    return images.clip(0, 255).astype(np.uint8)


@pytest.fixture(autouse=True)
def _private_pen_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-drawn digits of any test go to a temporary folder, whatever the test does with the MNIST cache."""
    folder = tmp_path_factory.mktemp("pen-cache")
    monkeypatch.setattr(drawn, "default_pen_cache_dir", lambda: folder)


@pytest.fixture
def offline_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Isolate ``engine.data``: user cache in ``tmp_path/cache``, no network, no npm, no env override.

    Returns
    -------
    Path
        The (not yet existing) fake user cache directory.
    """
    cache = tmp_path / "cache"
    monkeypatch.setattr(data, "default_cache_dir", lambda: cache)
    monkeypatch.delenv(data.CACHE_ENV, raising=False)

    def no_network(url: str, dest: Path, progress: object) -> None:
        raise urllib.error.URLError(f"network disabled in tests: {url}")

    monkeypatch.setattr(data, "_fetch_url", no_network)
    monkeypatch.setattr(data, "_find_npm", lambda: None)
    return cache


@pytest.fixture
def fake_mnist(offline_data: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeMnist:
    """A 300/100-image MNIST written with ``engine.data.write_idx`` and served via ``CONVLENS_MNIST_DIR``."""
    rng = np.random.default_rng(2024)
    y_train = (np.arange(FAKE_TRAIN) % 10).astype(np.uint8)
    rng.shuffle(y_train)
    y_test = (np.arange(FAKE_TEST) % 10).astype(np.uint8)
    arrays = {
        data.TRAIN_IMAGES: fake_digit_images(y_train, rng),
        data.TRAIN_LABELS: y_train,
        data.TEST_IMAGES: fake_digit_images(y_test, rng),
        data.TEST_LABELS: y_test,
    }
    directory = tmp_path / "mnist"
    for name, array in arrays.items():
        data.write_idx(directory / name, array)
    blobs = {name: (directory / name).read_bytes() for name in arrays}
    sha = {name: hashlib.sha256(blob).hexdigest() for name, blob in blobs.items()}
    monkeypatch.setattr(data, "EXPECTED_SHA256", sha)
    monkeypatch.setattr(data, "EXPECTED_SIZE", {name: len(blob) for name, blob in blobs.items()})
    monkeypatch.setenv(data.CACHE_ENV, str(directory))
    return FakeMnist(directory=directory, arrays=arrays, sha256=sha)


@pytest.fixture
def count_ops_calls(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], list[int]]:
    """``count_ops_calls(name)`` wraps ``engine.ops.<name>`` so that calls are counted (undone after the test).

    Returns the one-element call counter: ``calls[0]`` is the number of calls so far.
    """

    def count(name: str) -> list[int]:
        calls = [0]
        original: Callable[..., Any] = getattr(ops, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(ops, name, wrapper)
        return calls

    return count

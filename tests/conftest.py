"""Shared fixtures: private user folders for the whole session, an offline engine.data and a tiny fake MNIST.

Autouse: for the whole session :func:`_private_user_folders` points ``HOME``, the XDG folders,
``CONVLENS_DATA_DIR`` and Qt's ``QSettings`` at a temporary folder before any Qt object exists, so no test (and no
subprocess a test starts) reads or writes the real user's configuration, data or cache. The real locations are
captured when this file is imported (:data:`REAL_ENV`, :data:`REAL_USER_PATHS`, :data:`REAL_MNIST_CACHE`); tests
marked ``mnist`` still read the real MNIST cache.

The rest is opt-in: a test names the fixture. ``fake_mnist`` writes the four IDX files into ``tmp_path``,
replaces ``engine.data``'s table of expected SHA-256s and sizes with theirs, points ``CONVLENS_MNIST_DIR`` at them,
moves the user cache into ``tmp_path`` and makes every download fail, so ``load_mnist()`` (and ``convlens
train``/``evaluate``) run on the fixture without touching the network or the real cache.
Also autouse, ``_private_pen_cache``: pen-drawn digits are cached into a temporary folder, never the real user
cache.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.error
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
import pytest

from convlens.engine import data, drawn, ops
from convlens.services import model_store

# -- the real user's folders, captured before anything is redirected ------------------------------------------------
REAL_ENV: dict[str, str] = dict(os.environ)
"""The environment pytest was started with (for tools that must see the real user, e.g. pip and its cache)."""
REAL_MNIST_CACHE: Path = data.default_cache_dir()
"""The real MNIST cache (``~/.cache/convlens/mnist`` on Linux): what tests marked ``mnist`` read."""
REAL_USER_PATHS: tuple[Path, ...] = (
    Path(platformdirs.user_config_dir()) / "ConvLens",  # QSettings("ConvLens", "ConvLens")
    Path(platformdirs.user_config_dir()) / "QtProject.conf",  # Qt's file dialog (history, last folder)
    Path(platformdirs.user_config_dir(model_store.APP_NAME)),  # kiosk.toml
    Path(platformdirs.user_data_dir(model_store.APP_NAME)),  # trained models, corrections, kiosk log
    Path(platformdirs.user_cache_dir(model_store.APP_NAME, appauthor=False)),  # MNIST
    Path(platformdirs.user_state_dir(model_store.APP_NAME)),
)
"""The real user's ConvLens folders and files (config, data, cache); no test may change them."""
PRIVATE_ENV = ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "CONVLENS_DATA_DIR")
"""The variables :func:`_private_user_folders` sets for the session."""


@pytest.fixture(scope="session", autouse=True)
def _private_user_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The whole session runs with a private home: ``HOME``, ``XDG_*_HOME``, ``CONVLENS_DATA_DIR`` and QSettings.

    Session-scoped and autouse, so it is set up before any other fixture of the first test, in particular before
    pytest-qt's ``qapp`` creates the QApplication (Qt reads ``XDG_CONFIG_HOME`` once, when the first QSettings
    needs it; ``QSettings.setPath`` is set as well). Subprocesses inherit the environment. Returns the private home.
    """
    home = tmp_path_factory.mktemp("home")
    folders = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_STATE_HOME": home / ".local" / "state",
        "CONVLENS_DATA_DIR": home / ".local" / "share" / model_store.APP_NAME,
    }
    assert set(folders) == set(PRIVATE_ENV)
    with pytest.MonkeyPatch.context() as mp:
        for name, folder in folders.items():
            folder.mkdir(parents=True, exist_ok=True)
            mp.setenv(name, str(folder))
        from PySide6.QtCore import QCoreApplication, QSettings

        assert QCoreApplication.instance() is None, "a Qt application was created before the user folders moved"
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folders["XDG_CONFIG_HOME"]))
        yield home


@pytest.fixture(scope="session", autouse=True)
def _no_warm_pool_on_idle(_private_user_folders: Path) -> Iterator[None]:
    """Training panels do not start worker processes ahead of time in tests (each panel would, a few seconds
    after it was built, ``gui.training.session.WARM_POOL_DELAY_MS``); the warm pool's tests set a delay."""
    from convlens.gui.training import session

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(session, "WARM_POOL_DELAY_MS", None)
        yield


@pytest.fixture(scope="session", autouse=True)
def _english_system_locale() -> Iterator[None]:
    """The explorer starts in the system's language (Qt's ``QLocale.system()``, read once from ``LC_ALL`` /
    ``LC_MESSAGES`` / ``LANG``); the tests expect English whatever the machine's locale, so the session runs with
    ``LC_ALL=C.UTF-8`` (set before the QApplication exists). Tests of other locales start a process of their own."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LC_ALL", "C.UTF-8")
        mp.setenv("LANGUAGE", "")
        yield


@pytest.fixture(autouse=True)
def _real_mnist_for_mnist_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests marked ``mnist`` read the real user cache (captured before the session moved the user folders)."""
    if request.node.get_closest_marker("mnist"):
        monkeypatch.setattr(data, "default_cache_dir", lambda: REAL_MNIST_CACHE)


@pytest.fixture(scope="session")
def private_home(_private_user_folders: Path) -> Path:
    """The session's private ``HOME`` (holds ``.config``, ``.local/share``, ``.cache``, ``.local/state``)."""
    return _private_user_folders


@pytest.fixture(scope="session")
def real_user_paths() -> tuple[Path, ...]:
    """:data:`REAL_USER_PATHS`: the real user's ConvLens folders, which no test may change."""
    return REAL_USER_PATHS


@pytest.fixture(scope="session")
def real_env() -> dict[str, str]:
    """A copy of :data:`REAL_ENV`, the environment pytest was started with."""
    return dict(REAL_ENV)

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
def data_parallel_runs(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every ``DataParallel`` that ``engine.train.fit`` creates during the test, to prove worker processes ran.

    Each entry is the ``DataParallel`` itself (its ``worker_slices`` counts the batch slices worker processes
    sent back) with ``started_pids``: the worker processes' ids right after they started.
    """
    from convlens.engine import parallel, train

    runs: list[Any] = []

    class Recorded(parallel.DataParallel):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.started_pids = self.worker_pids
            runs.append(self)

    monkeypatch.setattr(train, "DataParallel", Recorded)
    return runs


def assert_worker_processes_ran(run: Any, workers: int = 2) -> None:
    """``run`` (a ``DataParallel``) started ``workers - 1`` other processes and they computed gradients."""
    assert run.fallback_reason is None, run.fallback_reason
    assert len(run.started_pids) == workers - 1
    assert all(pid != os.getpid() for pid in run.started_pids)
    assert run.worker_slices > 0, "no batch slice was computed by a worker process"


@pytest.fixture
def worker_processes_ran() -> Callable[..., None]:
    """``worker_processes_ran(run, workers=2)``: assert that a ``DataParallel`` really used worker processes."""
    return assert_worker_processes_ran


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


# -- reading a PDF back (the lesson handout), without a PDF library ------------------------------------------------
def pdf_page_streams(path: Path) -> list[bytes]:
    """The decompressed content stream of every page of a PDF written by Qt's ``QPdfWriter``, in page order.

    Reads the objects by number, follows the ``/Pages`` object's ``/Kids`` and each page's ``/Contents``; streams
    are inflated when ``/FlateDecode``. Enough for Qt's own output (no object streams, no cross-reference streams).
    """
    import re
    import zlib

    data = path.read_bytes()
    assert data.startswith(b"%PDF-"), f"{path} is not a PDF"
    starts = [(int(m.group(1)), m.end()) for m in re.finditer(rb"(?m)^(\d+) 0 obj\b", data)]
    bodies = {number: data[start : data.index(b"endobj", start)] for number, start in starts}

    def stream(number: int) -> bytes:
        body = bodies[number]
        head, _, rest = body.partition(b"stream")
        raw = rest.lstrip(b"\r\n").rsplit(b"endstream", 1)[0]
        return zlib.decompressobj().decompress(raw) if b"/FlateDecode" in head else raw

    pages_object = next(body for body in bodies.values() if re.search(rb"/Type\s*/Pages\b", body))
    kids = [int(k) for k in re.findall(rb"(\d+) 0 R", pages_object.split(b"/Kids", 1)[1].split(b"]", 1)[0])]
    count = int(re.search(rb"/Count\s+(\d+)", pages_object).group(1))  # type: ignore[union-attr]
    assert count == len(kids)
    streams = []
    for kid in kids:
        page = bodies[kid]
        assert re.search(rb"/Type\s*/Page\b(?!s)", page)
        contents = re.search(rb"/Contents\s+(\d+) 0 R", page)
        assert contents is not None, f"page object {kid} has no content stream"
        streams.append(stream(int(contents.group(1))))
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == len(kids)  # no page outside the tree
    return streams


def draws_text(content: bytes) -> bool:
    """Whether a page's content stream draws text: a ``BT`` ... ``Tj``/``TJ`` ... ``ET`` block."""
    import re

    return re.search(rb"\bBT\b.*?\bT[jJ]\b.*?\bET\b", content, re.S) is not None


@pytest.fixture
def pdf_pages() -> Callable[[Path], list[bytes]]:
    """``pdf_pages(path)``: the content stream of every page of a PDF (see :func:`pdf_page_streams`)."""
    return pdf_page_streams


@pytest.fixture
def pdf_draws_text() -> Callable[[bytes], bool]:
    """``pdf_draws_text(content)``: whether a page's content stream draws text."""
    return draws_text


def _optdigits_table(rows: int = 20, seed: int = 0) -> bytes:
    """A ``digits.csv.gz`` like scikit-learn's: 64 counts 0..16 (here a vertical bar) and a label (``i % 10``)."""
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(rows):
        counts = np.zeros((8, 8), np.int64)
        counts[1:7, 3:5] = rng.integers(8, 17, size=(6, 2))
        lines.append(",".join(str(v) for v in [*counts.ravel(), i % 10]))
    return gzip.compress(("\n".join(lines) + "\n").encode("ascii"))


@pytest.fixture
def optdigits_table() -> Callable[..., bytes]:
    """Makes fake optdigits tables: ``optdigits_table(rows=20, seed=0)``."""
    return _optdigits_table

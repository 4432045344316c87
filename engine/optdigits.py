"""Other writers' digits: the UCI "optdigits" test set, reported only, never trained on.

1,797 handwritten digits of 13 writers (none of them MNIST's), written on preprinted forms, scanned and
normalised by NIST's programs into 32x32 bitmaps, then reduced to 8x8 counts of ink pixels per 4x4 block
(values 0..16). Licence: CC BY 4.0 (UCI Machine Learning Repository, E. Alpaydin and C. Kaynak, 1998).

It comes from a package registry (this project's machines reach no other data host): scikit-learn ships the
set as ``sklearn/datasets/data/digits.csv.gz``. :func:`ensure_optdigits` reads that one member out of
scikit-learn's source tarball on PyPI (:data:`SDIST_URL`) or, failing that, out of any scikit-learn wheel that
``pip download`` brings, and keeps it in the user cache only after its SHA-256 matched :data:`CSV_SHA256`.
scikit-learn itself is neither installed nor imported.

:func:`to_mnist_style` turns the 8x8 counts into the network's input the way the app treats any drawing:
ink fraction -> a 32x32 image (bilinear, the counts' 4x4 blocks) -> :func:`~convlens.engine.preprocess.mnist_style`.
The low resolution blurs every stroke: the set measures other writers *and* a scanner-like blur, not pens.
"""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import IO

import numpy as np

from convlens.engine import data as mnist_data
from convlens.engine.atomic import atomic_write_bytes
from convlens.engine.data import DataError
from convlens.engine.preprocess import enlarge, mnist_style

__all__ = [
    "CSV_MEMBER",
    "CSV_SHA256",
    "SDIST_URL",
    "SKLEARN_VERSION",
    "default_cache_dir",
    "ensure_optdigits",
    "is_cached",
    "load_optdigits",
    "parse_csv",
    "to_mnist_style",
    "upsample_counts",
]

SKLEARN_VERSION = "1.9.1"
"""The scikit-learn release the file is taken from (its ``digits.csv.gz`` is unchanged for years)."""
SDIST_URL = (
    "https://files.pythonhosted.org/packages/d2/eb/eaf5e07fcc0da7149b0e084f24e54edd7441b9a89ce7e034032ae97fe3a0/"
    f"scikit_learn-{SKLEARN_VERSION}.tar.gz"
)
"""scikit-learn's source tarball on PyPI (7.8 MB)."""
CSV_MEMBER = "sklearn/datasets/data/digits.csv.gz"
"""The member holding the set, in the wheel (in the tarball under ``scikit_learn-<version>/``)."""
CSV_NAME = "digits.csv.gz"
CSV_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
"""SHA-256 of ``digits.csv.gz`` (57,523 bytes) as scikit-learn ships it."""
CSV_MAX_BYTES = 1 << 20
"""Reading a member stops here: a larger one is not the file (and cannot fill the disk)."""
PIP_TIMEOUT = 300.0


def default_cache_dir() -> Path:
    """``.../convlens/optdigits`` in the user cache (``~/.cache/convlens/optdigits`` on Linux; not created here)."""
    return mnist_data.default_cache_dir().parent / "optdigits"


def _verified(raw: bytes, origin: str) -> bytes:
    actual = hashlib.sha256(raw).hexdigest()
    if actual != CSV_SHA256:
        raise DataError(f"{CSV_NAME} from {origin}: {len(raw)} bytes, SHA-256 {actual}, "
                                   f"expected {CSV_SHA256}")
    return raw


def _read_member(fh: IO[bytes] | None, origin: str) -> bytes:
    if fh is None:
        raise DataError(f"{origin}: {CSV_MEMBER} is not a regular file")
    raw = fh.read(CSV_MAX_BYTES + 1)
    if len(raw) > CSV_MAX_BYTES:
        raise DataError(f"{origin}: {CSV_MEMBER} is larger than {CSV_MAX_BYTES} bytes")
    return _verified(raw, origin)


def _from_tarball(path: Path) -> bytes:
    """The verified member of a scikit-learn source tarball (read, never extracted)."""
    try:
        with tarfile.open(path, mode="r:gz") as tf:
            for member in tf:
                if member.isreg() and member.name.removeprefix("./") == f"scikit_learn-{SKLEARN_VERSION}/{CSV_MEMBER}":
                    return _read_member(tf.extractfile(member), str(path))
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise DataError(f"{path}: unreadable tarball ({exc})") from None
    raise DataError(f"{path}: no {CSV_MEMBER} in the tarball")


def _from_wheel(path: Path) -> bytes:
    """The verified member of a scikit-learn wheel."""
    try:
        with zipfile.ZipFile(path) as zf:
            if CSV_MEMBER not in zf.namelist():
                raise DataError(f"{path}: no {CSV_MEMBER} in the wheel")
            with zf.open(CSV_MEMBER) as fh:
                return _read_member(fh, str(path))
    except (zipfile.BadZipFile, zlib.error, OSError) as exc:
        raise DataError(f"{path}: unreadable wheel ({exc})") from None


def _pip_download(dest_dir: Path) -> Path:
    """``pip download`` one scikit-learn wheel (no dependencies) into ``dest_dir``; return its path."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", f"scikit-learn=={SKLEARN_VERSION}", "--no-deps",
         "--only-binary=:all:", "--disable-pip-version-check", "-q", "-d", str(dest_dir)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False,
    )
    wheels = sorted(dest_dir.glob("*.whl"))
    if proc.returncode != 0 or len(wheels) != 1:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-2:]
        raise DataError(f"pip download scikit-learn=={SKLEARN_VERSION} failed "
                                   f"(exit {proc.returncode}): {' | '.join(tail)}")
    return wheels[0]


def _download() -> bytes:
    """The verified file from PyPI: the source tarball over HTTPS, else a wheel through pip."""
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="convlens-optdigits-") as td:
        tarball = Path(td) / "sdist.tar.gz"
        try:
            mnist_data.fetch_url(SDIST_URL, tarball)
            return _from_tarball(tarball)
        except (DataError, *mnist_data.NETWORK_ERRORS) as exc:
            errors.append(f"{SDIST_URL}: {exc}")
        try:
            return _from_wheel(_pip_download(Path(td)))
        except (DataError, *mnist_data.NETWORK_ERRORS) as exc:
            errors.append(str(exc))
    raise DataError("could not get the optdigits set:\n  " + "\n  ".join(errors))


def is_cached(cache_dir: Path | None = None) -> bool:
    """Whether the verified file is in ``cache_dir`` (default: the user cache)."""
    path = (cache_dir or default_cache_dir()) / CSV_NAME
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == CSV_SHA256
    except OSError:
        return False


def ensure_optdigits(cache_dir: Path | None = None, allow_download: bool = True) -> bytes:
    """The verified ``digits.csv.gz`` bytes: from the cache, else downloaded into it (atomically).

    Raises
    ------
    DataError
        Not cached and ``allow_download`` is false, every source failed, or a cached file changed (it is
        then fetched again when allowed).
    """
    directory = cache_dir or default_cache_dir()
    path = directory / CSV_NAME
    try:
        return _verified(path.read_bytes(), str(path))
    except FileNotFoundError:
        reason = f"{path} does not exist"
    except (OSError, DataError) as exc:
        reason = str(exc)
    if not allow_download:
        raise DataError(f"the optdigits set is not cached ({reason})")
    raw = _download()
    directory.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, raw)
    return raw


def parse_csv(raw_gz: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Decode ``digits.csv.gz``: 65 integers a row, 64 counts (row-major 8x8, 0..16) and the label.

    Returns
    -------
    counts : ndarray, shape (N, 8, 8), uint8
    labels : ndarray, shape (N,), int64

    Raises
    ------
    DataError
        Not gzip, not 65 integer columns, counts outside 0..16 or labels outside 0..9.
    """
    try:
        text = gzip.decompress(raw_gz).decode("ascii")
        rows = [line.split(",") for line in text.splitlines() if line.strip()]
        table = np.array(rows, dtype=np.int64)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"{CSV_NAME}: not a gzip'd table of integers ({exc})") from None
    if table.ndim != 2 or table.shape[1] != 65:
        raise DataError(f"{CSV_NAME}: expected 65 columns, got shape {table.shape}")
    counts, labels = table[:, :64], table[:, 64]
    if counts.min() < 0 or counts.max() > 16 or labels.min() < 0 or labels.max() > 9:
        raise DataError(f"{CSV_NAME}: counts outside 0..16 or labels outside 0..9")
    return counts.reshape(-1, 8, 8).astype(np.uint8), labels


def upsample_counts(counts: np.ndarray) -> np.ndarray:
    """8x8 counts (0..16) -> 32x32 ink in [0, 1], bilinear between the 4x4 blocks' centres
    (:func:`~convlens.engine.preprocess.enlarge`, the interpolation ``mnist_style`` enlarges with).

    Parameters
    ----------
    counts : ndarray, shape (N, 8, 8)

    Returns
    -------
    ndarray, shape (N, 32, 32), float32
    """
    ink = np.asarray(counts, np.float32) / np.float32(16.0)
    return np.stack([enlarge(image, 4) for image in ink]) if len(ink) else np.zeros((0, 32, 32), np.float32)


def to_mnist_style(counts: np.ndarray) -> np.ndarray:
    """The network's input for 8x8 counts: :func:`upsample_counts`, then the app's ``mnist_style``.

    Parameters
    ----------
    counts : ndarray, shape (N, 8, 8)

    Returns
    -------
    ndarray, shape (N, 28, 28, 1), float32 in [0, 1] (an all-zero digit stays all zero)
    """
    fine = upsample_counts(counts)
    out = np.zeros((len(counts), 28, 28, 1), np.float32)
    for i, image in enumerate(fine):
        styled = mnist_style(image)
        if styled is not None:
            out[i, :, :, 0] = styled
    return out


def load_optdigits(cache_dir: Path | None = None, allow_download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The set as network input.

    Returns
    -------
    images : ndarray, shape (1797, 28, 28, 1), float32
    labels : ndarray, shape (1797,), int64
    """
    counts, labels = parse_csv(ensure_optdigits(cache_dir, allow_download))
    return to_mnist_style(counts), labels

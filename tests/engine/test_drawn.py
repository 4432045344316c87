"""engine.drawn: re-drawn digits cached per data hash (never in the real user cache here), the pen mix-in of fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_pen import ring_and_bar

from convlens.engine import data as mnist_data
from convlens.engine import drawn
from convlens.engine.pen import PenStyle
from convlens.engine.train import mix_pen

DEFAULT_PEN_CACHE_DIR = drawn.default_pen_cache_dir  # before the autouse fixture of conftest.py replaces it


@pytest.fixture(autouse=True)
def no_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The real pen-cache function over a fake MNIST cache in tmp_path: nothing here touches the real cache."""
    cache = tmp_path / "user-cache" / "mnist"
    monkeypatch.setattr(mnist_data, "default_cache_dir", lambda: cache)
    monkeypatch.setattr(drawn, "default_pen_cache_dir", DEFAULT_PEN_CACHE_DIR)
    return cache.parent / "pen"


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(drawn, "CHUNK", 4)
    return 4


def test_default_pen_cache_is_beside_the_mnist_cache(no_user_cache: Path) -> None:
    assert drawn.default_pen_cache_dir() == no_user_cache


def test_redrawn_is_cached_and_read_back_bit_for_bit(tmp_path: Path, small_chunks: int) -> None:
    x = ring_and_bar(10)
    cache = tmp_path / "pen"
    first = drawn.redrawn(x, "sha-a", PenStyle(), seed=0, cache_dir=cache)
    assert first.shape == (10, 28, 28) and first.dtype == np.uint8
    files = sorted(p.name for p in cache.iterdir())
    assert sum(name.startswith("pen-") for name in files) == 3  # 10 digits in chunks of 4
    assert sum(name.startswith("traced-") for name in files) == 3
    again = drawn.redrawn(x * 0.0, "sha-a", PenStyle(), seed=0, cache_dir=cache)  # from the cache, not the images
    np.testing.assert_array_equal(again, first)


def test_the_key_covers_data_style_seed_and_variant(tmp_path: Path, small_chunks: int) -> None:
    x = ring_and_bar(4)
    cache = tmp_path / "pen"
    base = drawn.redrawn(x, "sha-a", PenStyle(), seed=0, cache_dir=cache)
    assert not np.array_equal(base, drawn.redrawn(x, "sha-a", PenStyle(), seed=1, cache_dir=cache))
    assert not np.array_equal(base, drawn.redrawn(x, "sha-a", PenStyle(), seed=0, variant=1, cache_dir=cache))
    assert not np.array_equal(base, drawn.redrawn(x, "sha-a", PenStyle.fixed(5.0, 1.0), seed=0, cache_dir=cache))
    other = drawn.redrawn(ring_and_bar(4)[::-1].copy(), "sha-b", PenStyle(), seed=0, cache_dir=cache)
    assert not np.array_equal(base, other)


def test_chunks_do_not_depend_on_which_were_made_first(tmp_path: Path, small_chunks: int) -> None:
    x = ring_and_bar(10)
    whole = drawn.redrawn(x, "sha", PenStyle(), seed=3, cache_dir=tmp_path / "a")
    cache = tmp_path / "b"
    drawn.redrawn(x, "sha", PenStyle(), seed=3, cache_dir=cache)
    for path in sorted(cache.glob("pen-*-1.npy")):  # lose a middle chunk: it is re-made, identical
        path.unlink()
    np.testing.assert_array_equal(drawn.redrawn(x, "sha", PenStyle(), seed=3, cache_dir=cache), whole)


def test_a_corrupt_cache_file_is_remade(tmp_path: Path, small_chunks: int) -> None:
    x = ring_and_bar(4)
    cache = tmp_path / "pen"
    first = drawn.redrawn(x, "sha", PenStyle(), seed=0, cache_dir=cache)
    for path in cache.iterdir():
        path.write_bytes(b"garbage")
    np.testing.assert_array_equal(drawn.redrawn(x, "sha", PenStyle(), seed=0, cache_dir=cache), first)


def test_an_unwritable_cache_still_returns_the_images(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    images = drawn.redrawn(ring_and_bar(2), "sha", PenStyle(), seed=0, cache_dir=blocker / "pen")
    assert images.shape == (2, 28, 28) and images.max() > 200


def test_default_cache_goes_to_the_monkeypatched_user_cache(no_user_cache: Path) -> None:
    drawn.redrawn(ring_and_bar(2), "sha", PenStyle(), seed=0)
    assert any(no_user_cache.glob("pen-*.npy"))


def test_benchmark_set_has_every_pen_and_fixed_widths(tmp_path: Path) -> None:
    x = ring_and_bar(4)
    sets = drawn.benchmark_set(x, "sha-test", cache_dir=tmp_path)
    assert list(sets) == drawn.benchmark_cells()
    assert len(sets) == len(drawn.BENCH_WIDTHS) * len(drawn.BENCH_SPACINGS)
    ink = {cell: float((img > 0.5).sum()) for cell, img in sets.items()}
    for spacing in drawn.BENCH_SPACINGS:  # a wider pen puts more ink down
        widths = [ink[(w, spacing)] for w in drawn.BENCH_WIDTHS]
        assert widths == sorted(widths)
    for images in sets.values():
        assert images.shape == (4, 28, 28, 1) and images.dtype == np.float32


def naive_mix(xb: np.ndarray, idx: np.ndarray, x_pen: np.ndarray, take: np.ndarray, version: np.ndarray) -> np.ndarray:
    out = xb.copy()
    for i in range(len(idx)):
        if take[i] and idx[i] < x_pen.shape[1]:
            out[i, ..., 0] = x_pen[version[i], idx[i]] / np.float32(255.0)
    return out


def test_mix_pen_matches_a_loop_and_never_swaps_images_past_the_pen_set() -> None:
    rng = np.random.default_rng(0)
    x_pen = rng.integers(0, 256, (3, 20, 28, 28), dtype=np.uint8)
    idx = np.array([0, 5, 19, 20, 25, 7, 3, 11])  # 20 and 25: e.g. appended corrections
    xb = rng.random((8, 28, 28, 1), dtype=np.float32)
    draws = np.random.default_rng(4)
    take = draws.random(8) < 0.6
    version = draws.integers(0, 3, 8)
    expected = naive_mix(xb, idx, x_pen, take, version)
    got = mix_pen(xb.copy(), idx, x_pen, np.random.default_rng(4), 0.6)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got[3:5], xb[3:5])
    assert (got != xb).any()


def test_coarse_pens_are_their_own_cells_with_fewer_straighter_segments(tmp_path: Path) -> None:
    """The coarse pens are reported apart: asked for by name, cached under their own keys, drawn with long segments."""
    x = ring_and_bar(4)
    coarse = drawn.benchmark_set(x, "sha-test", cache_dir=tmp_path, cells=drawn.COARSE_CELLS)
    assert list(coarse) == list(drawn.COARSE_CELLS)
    assert not set(coarse) & set(drawn.benchmark_cells()), "outside the bars' pens"
    dense = drawn.benchmark_set(x, "sha-test", cache_dir=tmp_path, cells=[(2.5, 1.0)])[(2.5, 1.0)]
    ring = 0  # ring_and_bar: even images are rings; a 6 px step draws them as a polygon, not the dense circle
    assert not np.array_equal(coarse[(2.5, 6.0)][ring], dense[ring])
    assert coarse[(2.5, 6.0)].shape == (4, 28, 28, 1)

"""Image files are judged from their header and size before anything is decoded (crafted files never hang or
exhaust memory, and every refusal is one line)."""

from __future__ import annotations

import os
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convlens.engine.preprocess import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, WORKING_SIDE, load_image_file


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def crafted_png(path: Path, width: int, height: int, bit_depth: int, colour_type: int) -> Path:
    """A valid-looking PNG header declaring ``width x height``, with a tiny compressed body (a zip bomb when
    decoded: every row is zeros)."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    row_bytes = (width * bit_depth + 7) // 8 + 1
    body = zlib.compress(b"\0" * min(row_bytes * height, 1 << 20), 9)
    parts = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header)]
    if colour_type == 3:
        parts.append(_chunk(b"PLTE", bytes(range(3)) * 1))
    parts += [_chunk(b"IDAT", body), _chunk(b"IEND", b"")]
    path.write_bytes(b"".join(parts))
    return path


@pytest.mark.parametrize(
    ("width", "height", "depth", "colour"),
    [(13300, 13300, 8, 3), (12000, 12000, 1, 0), (100_000, 1000, 8, 2)],
    ids=["palette-13300", "1bit-12000", "rgb-wide"],
)
def test_a_decompression_bomb_is_refused_from_its_header_in_one_line(
    tmp_path: Path, width: int, height: int, depth: int, colour: int, recwarn: pytest.WarningsRecorder
) -> None:
    path = crafted_png(tmp_path / "bomb.png", width, height, depth, colour)
    assert path.stat().st_size < 1_100_000
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ValueError, match="megapixels") as info:
        load_image_file(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.perf_counter() - started < 5.0
    assert peak < 50e6, f"decoded {peak / 1e6:.0f} MB before refusing"
    assert "\n" not in str(info.value)
    assert len(recwarn) == 0, [str(w.message) for w in recwarn]


def test_the_pixel_budget_admits_a_large_photo_and_works_on_a_reduced_copy(tmp_path: Path) -> None:
    side = 3000
    assert side * side <= MAX_IMAGE_PIXELS
    image = np.full((side, side), 255, np.uint8)
    image[600:2400, 1300:1700] = 0  # a thick black "1" on white paper
    path = tmp_path / "photo.png"
    Image.fromarray(image).save(path)
    digit = load_image_file(path)
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert digit.max() > 0.9 and digit[:, :5].max() < 0.1
    assert WORKING_SIDE < side


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_at_once_instead_of_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "digit.png"
    os.mkfifo(fifo)
    started = time.perf_counter()
    with pytest.raises(ValueError, match="not a regular file"):
        load_image_file(fifo)
    assert time.perf_counter() - started < 1.0


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a regular file"):
        load_image_file(tmp_path)


def test_an_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    with path.open("wb") as handle:  # sparse: costs no disk
        handle.truncate(MAX_IMAGE_BYTES + 1)
    with pytest.raises(ValueError, match="MB is larger"):
        load_image_file(path)


def test_a_missing_file_gets_a_message(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load_image_file(tmp_path / "nope.png")


def test_cli_predict_refuses_a_bomb_with_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from convlens.cli import main

    path = crafted_png(tmp_path / "bomb.png", 13300, 13300, 8, 3)
    assert main(["predict", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "megapixels" in err

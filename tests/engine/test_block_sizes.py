"""The convolution kernels' block sizes: the rules from the reported caches, the clamps, the overrides."""

from __future__ import annotations

import subprocess
import sys

import pytest

from convlens.engine import block_sizes as bs
from convlens.engine import conv_kernels
from convlens.engine.block_sizes import CHUNK_ENV, SMALL_PRODUCT_ENV, choose_block_sizes
from convlens.engine.cpu_caches import CpuCaches

KIB, MIB = 1024, 1024 * 1024
MEASURED = CpuCaches(32 * KIB, 512 * KIB, 32 * MIB, "sysfs")  # the machine the rules were measured on


def test_the_measured_machine_gets_the_best_measured_sizes() -> None:
    sizes = choose_block_sizes(MEASURED, {})
    assert (sizes.chunk_bytes, sizes.small_product) == (2 * MIB, 8 * MIB)
    assert sizes.overridden == ()


def test_no_reported_caches_get_the_measured_machines_sizes() -> None:
    assert choose_block_sizes(CpuCaches(), {}).chunk_bytes == 2 * MIB
    assert choose_block_sizes(CpuCaches(), {}).small_product == 8 * MIB
    assert "no L2 reported, assumed 512 KiB" in choose_block_sizes(CpuCaches(), {}).describe()


@pytest.mark.parametrize(("caches", "chunk", "small"), [
    (CpuCaches(48 * KIB, 1280 * KIB, 48 * MIB, "sysfs"), 5 * MIB, 20 * MIB),  # 1.25 MiB L2: scaled
    (CpuCaches(48 * KIB, 1280 * KIB, 30 * MIB, "sysfs"), 3840 * KIB, 15 * MIB),  # ... capped by L3 / 8
    (CpuCaches(48 * KIB, 2 * MIB, 96 * MIB, "sysfs"), 8 * MIB, 32 * MIB),  # 2 MiB L2: at the upper clamp
    (CpuCaches(128 * KIB, 16 * MIB, None, "sysctl"), 8 * MIB, 32 * MIB),  # a shared 16 MiB L2, no L3
    (CpuCaches(32 * KIB, 64 * KIB, None, "sysfs"), MIB, 4 * MIB),  # a tiny L2: the lower clamp
    (CpuCaches(32 * KIB, 1024 * KIB, 4 * MIB, "sysfs"), MIB, 4 * MIB),  # a small shared L3 caps the chunk
])
def test_the_rules_scale_with_the_l2_within_their_clamps(caches: CpuCaches, chunk: int, small: int) -> None:
    sizes = choose_block_sizes(caches, {})
    assert (sizes.chunk_bytes, sizes.small_product) == (chunk, small)


def test_environment_variables_override_and_garbage_is_ignored() -> None:
    sizes = choose_block_sizes(MEASURED, {CHUNK_ENV: "4M", SMALL_PRODUCT_ENV: "262144"})
    assert (sizes.chunk_bytes, sizes.small_product) == (4 * MIB, 256 * KIB)
    assert sizes.overridden == (CHUNK_ENV, SMALL_PRODUCT_ENV)
    assert f"overridden by {CHUNK_ENV}" in sizes.describe()
    garbage = choose_block_sizes(MEASURED, {CHUNK_ENV: "fast please", SMALL_PRODUCT_ENV: "-5"})
    assert (garbage.chunk_bytes, garbage.small_product, garbage.overridden) == (2 * MIB, 8 * MIB, ())
    only_chunk = choose_block_sizes(MEASURED, {CHUNK_ENV: "512K"})
    assert (only_chunk.chunk_bytes, only_chunk.small_product) == (512 * KIB, 8 * MIB), "each variable its own size"


def test_describe_names_the_sizes_and_the_caches_they_came_from() -> None:
    text = choose_block_sizes(MEASURED, {}).describe()
    assert text == ("im2col chunks 2 MiB, matmul blocks 8,388,608 multiply-adds (from L2 512 KiB; caches: "
                    "L1d 32 KiB, L2 512 KiB, L3 32 MiB, from sysfs)")


def test_the_kernels_use_this_machines_sizes() -> None:
    chosen = bs.block_sizes()
    assert (conv_kernels.CHUNK_BYTES, conv_kernels.SMALL_PRODUCT) == (chosen.chunk_bytes, chosen.small_product)


def test_an_environment_override_reaches_the_kernels_of_a_new_process() -> None:
    code = "from convlens.engine import conv_kernels as k; print(k.CHUNK_BYTES, k.SMALL_PRODUCT)"
    env = {**__import__("os").environ, CHUNK_ENV: "768K", SMALL_PRODUCT_ENV: "123456"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split() == [str(768 * KIB), "123456"]

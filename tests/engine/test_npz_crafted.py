"""Crafted .npz model files are refused from what they declare, before anything large is unpacked or allocated,
each with one line that never advises unsafe loading."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from convlens.engine.layers.registry import REGISTRY
from convlens.engine.model import (
    MAX_NPZ_UNCOMPRESSED_BYTES,
    ModelFileError,
    Sequential,
    load_npz_model,
)
from convlens.engine.presets import PRESETS


def _json(value: object) -> np.ndarray:
    return np.frombuffer(json.dumps(value).encode("utf-8"), dtype=np.uint8)


def _write_npz(path: Path, arrays: dict[str, np.ndarray], compress: bool = True) -> Path:
    buffer = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buffer, **arrays)  # type: ignore[operator]
    path.write_bytes(buffer.getvalue())
    return path


def _saved(tmp_path: Path) -> dict[str, np.ndarray]:
    path = Sequential.from_config(PRESETS["small"], seed=0).save(tmp_path / "good.npz")
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def test_a_zip_bomb_is_refused_from_the_zip_directory(tmp_path: Path) -> None:
    arrays = _saved(tmp_path)
    arrays["padding"] = np.zeros(MAX_NPZ_UNCOMPRESSED_BYTES // 4 + 1000, np.float32)  # compresses to ~200 KB
    path = _write_npz(tmp_path / "bomb.npz", arrays)
    assert path.stat().st_size < 2_000_000
    tracemalloc.start()
    with pytest.raises(ModelFileError, match="would unpack to"):
        load_npz_model(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 30e6


def test_a_huge_declared_dense_layer_is_refused_before_allocation(tmp_path: Path) -> None:
    arrays = _saved(tmp_path)
    arch = json.loads(arrays["__architecture__"].tobytes())
    dense = next(layer for layer in arch["layers"] if layer["type"] == "Dense")
    dense["units"] = 300_000
    arrays["__architecture__"] = _json(arch)
    path = _write_npz(tmp_path / "wide.npz", arrays)
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ModelFileError, match="too large"):
        load_npz_model(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50e6 and time.perf_counter() - started < 2.0


def test_a_text_file_named_npz_gets_a_message_without_pickle_advice(tmp_path: Path) -> None:
    path = tmp_path / "notes.npz"
    path.write_text("these are my notes, not a model\n")
    with pytest.raises(ModelFileError) as info:
        load_npz_model(path)
    message = str(info.value)
    assert "not a zip archive" in message and "pickle" not in message.lower()


def test_a_pickled_array_inside_is_refused_without_pickle_advice(tmp_path: Path) -> None:
    arrays = _saved(tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, value in arrays.items():
            if name == "conv1/w":
                continue
            item = io.BytesIO()
            np.save(item, value)
            archive.writestr(f"{name}.npy", item.getvalue())
        item = io.BytesIO()
        np.save(item, np.array([{"a": 1}], dtype=object), allow_pickle=True)
        archive.writestr("conv1/w.npy", item.getvalue())
    path = tmp_path / "pickled.npz"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ModelFileError) as info:
        load_npz_model(path)
    assert "allow_pickle" not in str(info.value)


def test_complex_weights_are_refused(tmp_path: Path) -> None:
    arrays = _saved(tmp_path)
    name = next(k for k in arrays if not k.startswith("__"))
    arrays[name] = arrays[name].astype(np.complex64)
    path = _write_npz(tmp_path / "complex.npz", arrays)
    with pytest.raises(ModelFileError, match="not real numbers"):
        load_npz_model(path)


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_layer_declares_the_parameter_shapes_it_creates(kind: str) -> None:
    model = Sequential.from_config(PRESETS["default"], seed=0)
    for layer in model.layers:
        if layer.type_name != kind:
            continue
        declared = layer.param_shapes(layer.input_shape)
        assert declared == {k: v.shape for k, v in layer.params.items()}

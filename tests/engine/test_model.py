"""Sequential: shapes inferred when built, summary, predict_proba, activations, naming, and the .npz file format
(round trip, allow_pickle=False, clear errors for bad files, atomic saves that survive being killed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convlens.engine.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from convlens.engine.loading import load_model
from convlens.engine.model import ModelFileError, Sequential, load_npz_model, read_metadata
from convlens.engine.presets import PRESETS
from convlens.engine.train import evaluate_loss

DEFAULT_NAMES = ["conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "dropout1", "dense2"]
DEFAULT_SHAPES = [(28, 28, 16), (14, 14, 16), (14, 14, 32), (7, 7, 32), (1568,), (64,), (64,), (10,)]
# Parameter counts worked out by hand: filters*(H_f*W_f*C_in) + filters, units*D_in + units.
DEFAULT_PARAMS = [5 * 5 * 1 * 16 + 16, 0, 3 * 3 * 16 * 32 + 32, 0, 0, 1568 * 64 + 64, 0, 64 * 10 + 10]


def tiny_model(seed: int = 0) -> Sequential:
    """A quick model on 28x28x1 inputs."""
    return Sequential(
        [
            Conv2D(3, 5, stride=(2, 2), padding="same", activation="relu"),  # (N,28,28,1) -> (N,14,14,3)
            MaxPool2D(2),  # -> (N,7,7,3)
            Flatten(),  # -> (N,147)
            Dense(10),  # -> (N,10)
        ],
        seed=seed,
    )


@pytest.fixture(scope="module")
def default_model() -> Sequential:
    return Sequential.from_config(PRESETS["default"], seed=0)


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.random.default_rng(0).random((5, 28, 28, 1), dtype=np.float32)


# ----------------------------------------------------------------------------------------------- building


def test_default_preset_infers_every_shape_at_build(default_model: Sequential) -> None:
    assert [layer.name for layer in default_model.layers] == DEFAULT_NAMES
    assert [layer.output_shape for layer in default_model.layers] == DEFAULT_SHAPES
    assert default_model.output_shape == (10,)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_output_shapes_inferred_at_build_equal_the_forward_shapes(preset: str, images: np.ndarray) -> None:
    model = Sequential.from_config(PRESETS[preset])
    acts = model.activations(images)
    for layer in model.layers:
        assert acts[layer.name].shape == (len(images), *layer.output_shape), layer.name
    assert model.forward(images).shape == (len(images), *model.output_shape)


def test_summary_lists_every_layer_with_shape_and_params_and_the_total(default_model: Sequential) -> None:
    text = default_model.summary()
    lines = text.splitlines()
    for name, shape, params in zip(DEFAULT_NAMES, DEFAULT_SHAPES, DEFAULT_PARAMS, strict=True):
        line = next(line for line in lines if line.split() and line.split()[0] == name)
        assert ", ".join(map(str, shape)) in line, line
        assert line.replace(",", "").split()[-1] == str(params), line
    total_line = next(line for line in lines if line.lower().startswith("total"))
    assert int(total_line.replace(",", "").split()[-1]) == sum(DEFAULT_PARAMS) == default_model.param_count()
    assert text.index("conv1") < text.index("pool1") < text.index("conv2") < text.index("dense2")


def test_param_count_is_the_sum_over_layers(default_model: Sequential) -> None:
    assert [layer.param_count() for layer in default_model.layers] == DEFAULT_PARAMS
    assert default_model.param_count() == sum(v.size for v in default_model.get_weights().values())


def test_unnamed_layers_are_auto_named_per_kind_in_order() -> None:
    model = Sequential(
        [Conv2D(2, 3), ReLU(), MaxPool2D(2), Conv2D(2, 3), MaxPool2D(2), Flatten(), Dense(5), Dropout(0.1), Dense(3)]
    )
    assert [layer.name for layer in model.layers] == [
        "conv1", "relu1", "pool1", "conv2", "pool2", "flatten", "dense1", "dropout1", "dense2"
    ]


def test_explicit_names_are_kept_and_auto_names_avoid_them() -> None:
    model = Sequential([Conv2D(2, 3, name="conv2"), Conv2D(2, 3), Flatten(), Dense(3, name="logits")])
    names = [layer.name for layer in model.layers]
    assert names[0] == "conv2" and names[3] == "logits"
    assert len(set(names)) == 4


@pytest.mark.parametrize(
    ("layers", "must_name"),
    [
        ([Conv2D(4, 3), Dense(10)], "dense1"),  # Dense on a map: Flatten missing
        ([Conv2D(4, 30), Flatten(), Dense(10)], "conv1"),  # kernel larger than the image
        ([MaxPool2D(2), MaxPool2D(2), MaxPool2D(2), MaxPool2D(2), MaxPool2D(2), Flatten(), Dense(2)], "pool5"),
        ([Flatten(), Dense(10), Conv2D(2, 3)], "conv1"),  # conv after the maps are gone
        ([Conv2D(4, 3)], "conv1"),  # the last layer must give class scores
        ([Conv2D(2, 3, name="a"), Flatten(name="a"), Dense(3)], "a"),  # duplicate names
        ([Flatten(name="probs"), Dense(3)], "probs"),  # reserved output name
    ],
)
def test_bad_architectures_raise_value_errors_naming_the_layer(layers: list[Any], must_name: str) -> None:
    with pytest.raises(ValueError) as info:
        Sequential(layers)
    assert must_name in str(info.value)


def test_empty_model_and_unknown_layer_types_are_rejected() -> None:
    with pytest.raises(ValueError):
        Sequential([])
    with pytest.raises(ValueError, match="Conv3D"):
        Sequential.from_config([{"type": "Conv3D", "filters": 2}, {"type": "Flatten"}, {"type": "Dense", "units": 2}])


def test_same_seed_same_initial_weights_and_a_different_seed_differs() -> None:
    a, b, c = tiny_model(1).get_weights(), tiny_model(1).get_weights(), tiny_model(2).get_weights()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["conv1/w"], c["conv1/w"])


def test_architecture_lists_layers_with_hyper_parameters(default_model: Sequential) -> None:
    arch = default_model.architecture()
    assert [layer["type"] for layer in arch] == [cfg["type"] for cfg in PRESETS["default"]]
    assert arch[0]["filters"] == 16 and list(arch[0]["kernel"]) == [5, 5] and arch[0]["padding"] == "same"
    assert arch[5]["units"] == 64 and arch[5]["activation"] == "relu"
    json.dumps(arch)  # JSON-ready
    rebuilt = Sequential.from_config(arch)
    assert rebuilt.architecture() == arch


# ---------------------------------------------------------------------------------------------- computing


def test_predict_proba_rows_are_probabilities_over_10_classes(default_model: Sequential, images: np.ndarray) -> None:
    p = default_model.predict_proba(images)
    assert p.shape == (5, 10)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(default_model.predict(images), p.argmax(axis=1))


def test_predict_proba_batches_give_the_same_answer(default_model: Sequential, images: np.ndarray) -> None:
    np.testing.assert_allclose(
        default_model.predict_proba(images, batch_size=2), default_model.predict_proba(images), rtol=1e-5, atol=1e-7
    )


@pytest.mark.parametrize("threads", [2, 3, 8])
def test_threaded_inference_gives_the_bits_of_one_thread(default_model: Sequential, threads: int) -> None:
    rng = np.random.default_rng(7)
    x = rng.random((230, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, len(x))
    one = default_model.predict_logits(x, batch_size=50)
    many = default_model.predict_logits(x, batch_size=50, threads=threads)
    np.testing.assert_array_equal(many, one)  # every batch computed as in one thread: bit for bit
    np.testing.assert_array_equal(default_model.predict_proba(x, 50, threads), default_model.predict_proba(x, 50))
    assert [part.shape[0] for part in default_model.forward_batches(x, 50, threads)] == [50, 50, 50, 50, 30]
    assert evaluate_loss(default_model, x, y, batch_size=50, threads=threads) == evaluate_loss(
        default_model, x, y, batch_size=50
    )


def test_threaded_inference_of_nothing_and_of_one_batch(default_model: Sequential, images: np.ndarray) -> None:
    assert default_model.predict_logits(images[:0], threads=2).shape == (0, 10)
    np.testing.assert_array_equal(default_model.predict_logits(images, threads=2), default_model.predict_logits(images))


def test_predict_proba_accepts_one_image_and_rejects_wrong_shapes(default_model: Sequential) -> None:
    assert default_model.predict_proba(np.zeros((28, 28, 1), np.float32)).shape == (1, 10)
    with pytest.raises(ValueError, match="28"):
        default_model.predict_proba(np.zeros((2, 28, 28), np.float32))
    with pytest.raises(ValueError):
        default_model.predict_proba(np.zeros((2, 1, 28, 28), np.float32))


def test_activations_are_ordered_by_layer_with_nhwc_shapes_then_probs(
    default_model: Sequential, images: np.ndarray
) -> None:
    acts = default_model.activations(images)
    assert list(acts) == [*DEFAULT_NAMES, "probs"]
    for name, shape in zip(DEFAULT_NAMES, DEFAULT_SHAPES, strict=True):
        assert acts[name].shape == (5, *shape), name
    np.testing.assert_allclose(acts["probs"], default_model.predict_proba(images), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(acts["dense2"], default_model.forward(images), rtol=1e-5, atol=1e-6)
    assert np.all(acts["conv1"] >= 0), "conv1 has a fused ReLU: its map is rectified"
    np.testing.assert_array_equal(acts["dropout1"], acts["dense1"]), "dropout is the identity at inference"


def test_activations_are_deterministic_and_do_not_depend_on_dropout(
    default_model: Sequential, images: np.ndarray
) -> None:
    a, b = default_model.activations(images), default_model.activations(images)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


# ------------------------------------------------------------------------------------------------ files


def test_save_load_round_trip_gives_identical_predictions(tmp_path: Path, images: np.ndarray) -> None:
    model = Sequential.from_config(PRESETS["default"], seed=3)
    path = model.save(tmp_path / "m.npz", metadata={"model_card": {"test_accuracy": 0.5}})
    loaded = load_npz_model(path)
    assert loaded.architecture() == model.architecture()
    np.testing.assert_array_equal(loaded.predict_proba(images), model.predict_proba(images))
    for key, value in model.get_weights().items():
        np.testing.assert_array_equal(loaded.get_weights()[key], value)
    meta = read_metadata(path)
    assert meta["model_card"] == {"test_accuracy": 0.5}
    assert "engine_version" in meta


def test_load_model_dispatches_npz_to_the_numpy_engine(tmp_path: Path, images: np.ndarray) -> None:
    model = tiny_model()
    path = model.save(tmp_path / "m.npz")
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(images), model.predict_proba(images))
    assert list(loaded.activations(images))[-1] == "probs"


def test_load_uses_np_load_with_allow_pickle_false(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tiny_model().save(tmp_path / "m.npz")
    calls: list[dict[str, Any]] = []
    real_load = np.load

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(np, "load", spy)
    load_npz_model(path)
    read_metadata(path)
    assert calls, "the loader must go through np.load"
    assert all(call.get("allow_pickle") is False for call in calls)


def _rewrite(src: Path, dest: Path, **changes: Any) -> Path:
    """Copy the .npz at ``src`` to ``dest`` with entries replaced (``None`` removes one)."""
    with np.load(src, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    for key, value in changes.items():
        key = key.replace("__SLASH__", "/")
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    np.savez(dest, **arrays)  # type: ignore[arg-type]
    return dest


def _json_array(value: Any) -> np.ndarray:
    return np.frombuffer(json.dumps(value).encode(), dtype=np.uint8)


def test_a_file_holding_an_object_array_is_rejected_without_unpickling(tmp_path: Path) -> None:
    src = tiny_model().save(tmp_path / "m.npz")
    bad = _rewrite(src, tmp_path / "obj.npz", dense1__SLASH__b=np.array([{"evil": 1}] * 10, dtype=object))
    with pytest.raises(ModelFileError) as info:
        load_npz_model(bad)
    assert str(bad) in str(info.value)


def _arch(path: Path) -> dict[str, Any]:
    with np.load(path, allow_pickle=False) as archive:
        return json.loads(archive["__architecture__"].tobytes())


@pytest.mark.parametrize(
    ("case", "pattern"),
    [
        ("missing", "no such"),
        ("empty", None),
        ("truncated", None),
        ("random bytes", None),
        ("plain zip", "not a ConvLens model|__format__"),
        ("zip without architecture", "architecture"),
        ("architecture not JSON", "architecture"),
        ("architecture without layers", "layer"),
        ("unknown layer type", "Conv3D"),
        ("bad hyper-parameter", "filters|bogus"),
        ("weird seed", None),
        ("wrong param shape", "shape"),
        ("missing param", "missing|conv1/b"),
        ("extra param", "unexpected|extra"),
        ("NaN weights", "NaN"),
        ("inf weights", "NaN|inf"),
        ("text weights", "numeric|dense1/w"),
        ("unsupported format", "format"),
    ],
)
def test_bad_model_files_raise_model_file_error_naming_the_problem(
    tmp_path: Path, case: str, pattern: str | None
) -> None:
    src = tiny_model().save(tmp_path / "good.npz")
    bad = tmp_path / "bad.npz"
    good_bytes = src.read_bytes()
    arch = _arch(src)
    if case == "missing":
        bad = tmp_path / "nope.npz"
    elif case == "empty":
        bad.write_bytes(b"")
    elif case == "truncated":
        bad.write_bytes(good_bytes[: len(good_bytes) // 2])
    elif case == "random bytes":
        bad.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    elif case == "plain zip":
        with zipfile.ZipFile(bad, "w") as zf:
            zf.writestr("readme.txt", "hello")
    elif case == "zip without architecture":
        _rewrite(src, bad, __architecture__=None)
    elif case == "architecture not JSON":
        _rewrite(src, bad, __architecture__=np.frombuffer(b"{not json", dtype=np.uint8))
    elif case == "architecture without layers":
        _rewrite(src, bad, __architecture__=_json_array({"input_shape": [28, 28, 1]}))
    elif case == "unknown layer type":
        arch["layers"][0]["type"] = "Conv3D"
        _rewrite(src, bad, __architecture__=_json_array(arch))
    elif case == "bad hyper-parameter":
        arch["layers"][0]["bogus"] = 1
        _rewrite(src, bad, __architecture__=_json_array(arch))
    elif case == "weird seed":
        arch["seed"] = [1, 2]
        _rewrite(src, bad, __architecture__=_json_array(arch))
    elif case == "wrong param shape":
        _rewrite(src, bad, conv1__SLASH__w=np.zeros((3, 3, 1, 3), np.float32))
    elif case == "missing param":
        _rewrite(src, bad, conv1__SLASH__b=None)
    elif case == "extra param":
        _rewrite(src, bad, conv9__SLASH__w=np.zeros(3, np.float32))
    elif case in ("NaN weights", "inf weights"):
        with np.load(src, allow_pickle=False) as archive:
            w = archive["dense1/w"].copy()
        w[3, 4] = np.nan if case == "NaN weights" else np.inf
        _rewrite(src, bad, dense1__SLASH__w=w)
    elif case == "text weights":
        _rewrite(src, bad, dense1__SLASH__w=np.full((147, 10), "x"))
    elif case == "unsupported format":
        _rewrite(src, bad, __format__=_json_array("someone-elses-format-9"))
    with pytest.raises(ModelFileError, match=pattern) as info:
        load_npz_model(bad)
    assert str(bad) in str(info.value), "the message names the file"
    assert isinstance(info.value, ValueError)
    with pytest.raises(ModelFileError):
        load_model(bad)


def _zip_header_positions(blob: bytes) -> list[int]:
    """Byte positions in the zip's structure (local headers, .npy headers, central directory)."""
    positions: set[int] = set()
    start = 0
    while (start := blob.find(b"PK\x03\x04", start)) != -1:
        positions.update(range(start, min(start + 200, len(blob))))
        start += 4
    central = blob.find(b"PK\x01\x02")
    positions.update(range(central, len(blob)))
    return sorted(positions)


def test_corrupted_bytes_and_truncations_never_escape_as_other_exceptions(tmp_path: Path) -> None:
    # Fuzz: flip bytes where the file's structure lives (where NumPy/zipfile would raise odd exception types),
    # and cut the file at many lengths. Loading either works (harmless bytes: timestamps, padding) or raises
    # ModelFileError, and a model that loads predicts finite probabilities.
    blob = tiny_model().save(tmp_path / "good.npz").read_bytes()
    rng = np.random.default_rng(0)
    positions = rng.choice(_zip_header_positions(blob), size=150, replace=False)
    bad = tmp_path / "bad.npz"
    escaped: list[str] = []
    for pos in positions:
        mutated = bytearray(blob)
        mutated[pos] ^= int(rng.integers(1, 256))
        bad.write_bytes(bytes(mutated))
        try:
            model = load_npz_model(bad)
        except ModelFileError:
            continue
        except Exception as exc:  # noqa: BLE001 - the point is to catch anything
            escaped.append(f"flip at {pos}: {type(exc).__name__}: {exc}")
            continue
        assert np.all(np.isfinite(model.predict_proba(np.zeros((1, 28, 28, 1), np.float32))))
    for length in np.linspace(0, len(blob) - 1, 40).astype(int):
        bad.write_bytes(blob[:length])
        try:
            load_npz_model(bad)
        except ModelFileError:
            continue
        except Exception as exc:  # noqa: BLE001
            escaped.append(f"cut at {length}: {type(exc).__name__}: {exc}")
            continue
        escaped.append(f"cut at {length}: a truncated file loaded")
    assert not escaped, "\n".join(escaped[:10])


def test_read_metadata_of_a_corrupt_file_is_a_model_file_error(tmp_path: Path) -> None:
    path = tiny_model().save(tmp_path / "m.npz", metadata={"model_card": {"x": 1}})
    blob = bytearray(path.read_bytes())
    # Corrupt the metadata entry's bytes (stored uncompressed, so its JSON text is visible in the file).
    where = bytes(blob).find(b'"model_card"')
    assert where > 0
    blob[where + 2] ^= 0x55
    path.write_bytes(bytes(blob))
    with pytest.raises(ModelFileError):
        read_metadata(path)


# ----------------------------------------------------------------------------------------- atomic saving


def _temp_files(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".")]


def test_save_failing_mid_write_leaves_the_old_file_intact_and_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, images: np.ndarray
) -> None:
    old = tiny_model(seed=1)
    path = old.save(tmp_path / "model.npz")
    old_bytes = path.read_bytes()
    real_write_bytes = Path.write_bytes

    def half_then_fail(self: Path, data: bytes) -> int:  # type: ignore[override]
        real_write_bytes(self, data[: len(data) // 2])
        raise OSError(28, "No space left on device (simulated)")

    monkeypatch.setattr(Path, "write_bytes", half_then_fail)
    with pytest.raises(OSError, match="No space"):
        tiny_model(seed=2).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old_bytes
    assert _temp_files(tmp_path) == []
    np.testing.assert_array_equal(load_npz_model(path).predict_proba(images), old.predict_proba(images))


def test_save_failing_at_the_final_replace_leaves_the_old_file_and_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tiny_model(seed=1).save(tmp_path / "model.npz")
    old_bytes = path.read_bytes()

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError("replace failed (simulated)")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        tiny_model(seed=2).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old_bytes
    assert _temp_files(tmp_path) == []


def test_save_into_a_new_directory_creates_it(tmp_path: Path) -> None:
    path = tiny_model().save(tmp_path / "a" / "b" / "m.npz")
    assert path.is_file()
    load_npz_model(path)


_SAVER = """
import sys
import numpy as np
from convlens.engine.layers import Dense, Flatten
from convlens.engine.model import Sequential

path, start = sys.argv[1], int(sys.argv[2])
model = Sequential([Flatten(), Dense(1500), Dense(10)], input_shape=(28, 28, 1))  # ~4.8 MB of weights
version = start
while True:
    for _, value, _ in model.named_params():
        value[...] = version
    model.save(path, metadata={"version": version})
    print(version, flush=True)
    version += 1
"""


@pytest.mark.slow
def test_killing_a_process_mid_save_leaves_a_loadable_old_or_new_file(tmp_path: Path) -> None:
    script = tmp_path / "saver.py"
    script.write_text(_SAVER)
    target = tmp_path / "model.npz"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # convlens as installed, nothing else
    rng = np.random.default_rng(0)
    start = 0
    deadline = time.monotonic() + 4.0
    rounds = 0
    while rounds < 2 or (rounds < 5 and time.monotonic() < deadline):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(target), str(start)], stdout=subprocess.PIPE, env=env, text=True
        )
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()  # one complete save in this round
            assert first.strip() == str(start), "the saver did not start"
            time.sleep(float(rng.uniform(0.0, 0.15)))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()
        loaded = load_npz_model(target)  # never a half-written file
        version = read_metadata(target)["version"]
        assert start <= version
        for name, value in loaded.get_weights().items():
            assert np.all(value == version), f"{name} mixes versions"
        start = version + 1000  # the next round's versions are distinguishable
        rounds += 1

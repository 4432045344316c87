"""One validation for the CLI and the window: models that answer NaN, overflow, the wrong number of classes or
take the wrong input are refused with one line; `predict --json` never prints invalid JSON."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convlens.cli import main
from convlens.engine.model import Sequential
from convlens.engine.presets import PRESETS
from convlens.services.model_check import (
    UnusableModelError,
    check_probabilities,
    open_checked_model,
    probe_images,
)


def _digit_png(path: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("L", (120, 120), 0)
    ImageDraw.Draw(image).line([(60, 15), (60, 105)], fill=255, width=12)
    image.save(path)
    return path


def _model_with(tmp_path: Path, name: str, change: str) -> Path:
    model = Sequential.from_config(PRESETS["small"], seed=1)
    weights = model.get_weights()
    first = next(k for k in weights if k.endswith("/w"))
    if change == "nan":
        weights[first] = np.full_like(weights[first], np.nan)
    elif change == "overflow":
        weights[first] = np.full_like(weights[first], 3e38)
    model.set_weights(weights)
    return Path(model.save(tmp_path / name))


def _onnx_classifier(tmp_path: Path, batch: int | str, classes: int = 10) -> Path:
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.normal(0, 0.01, (784, classes)).astype(np.float32), "w")
    shape = [batch, 1, 28, 28]
    graph = helper.make_graph(
        [
            helper.make_node("Flatten", ["image"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "w"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
        ],
        "tiny",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [batch, classes])],
        initializer=[w],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / f"batch{batch}-{classes}.onnx"
    onnx.save(model, path)
    return path


@pytest.mark.parametrize("change", ["nan", "overflow"])
def test_a_model_answering_nan_or_overflowing_is_refused(tmp_path: Path, change: str) -> None:
    path = _model_with(tmp_path, f"{change}.npz", change)
    with pytest.raises(UnusableModelError, match="NaN or infinite"):
        open_checked_model(path)


@pytest.mark.parametrize("change", ["nan", "overflow"])
def test_cli_predict_and_evaluate_refuse_nan_models_with_exit_2(
    tmp_path: Path, change: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _model_with(tmp_path, f"{change}.npz", change)
    assert main(["predict", str(_digit_png(tmp_path / "one.png")), "--model", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "NaN" in err and err.count("\n") == 1
    assert main(["evaluate", "--model", str(path), "--json"]) == 2
    assert "NaN" in capsys.readouterr().err


def test_a_five_class_npz_is_refused_by_the_cli_as_by_the_gui(tmp_path: Path) -> None:
    config = [dict(layer) for layer in PRESETS["small"]]
    config[-1] = {**config[-1], "units": 5}
    path = Path(Sequential.from_config(config, seed=0).save(tmp_path / "five.npz"))
    with pytest.raises(UnusableModelError, match="10 probabilities"):
        open_checked_model(path)
    assert main(["predict", str(_digit_png(tmp_path / "one.png")), "--model", str(path), "--json"]) == 2


def test_an_npz_whose_input_is_not_28x28x1_gets_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(Sequential.from_config(PRESETS["small"], input_shape=(32, 32, 1), seed=0).save(tmp_path / "in32.npz"))
    assert main(["predict", str(_digit_png(tmp_path / "one.png")), "--model", str(path)]) == 2
    err = capsys.readouterr().err
    assert "28x28" in err and "Traceback" not in err and err.count("\n") == 1


def test_an_onnx_with_a_huge_fixed_batch_gets_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _onnx_classifier(tmp_path, 10**9)
    assert main(["predict", str(_digit_png(tmp_path / "one.png")), "--model", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1


def test_a_good_foreign_onnx_still_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _onnx_classifier(tmp_path, "N")
    open_checked_model(path)
    assert main(["predict", str(_digit_png(tmp_path / "one.png")), "--model", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert len(result["probabilities"]) == 10 and abs(sum(result["probabilities"]) - 1) < 1e-4


def test_check_probabilities_accepts_softmax_rows_and_refuses_the_rest() -> None:
    good = np.full((2, 10), 0.1, np.float32)
    assert check_probabilities(good, 2).shape == (2, 10)
    for bad, pattern in [
        (np.full((2, 10), np.nan, np.float32), "NaN"),
        (np.full((2, 10), 0.2, np.float32), "sum to 1"),
        (np.full((2, 5), 0.2, np.float32), "10 probabilities"),
        (np.full((1, 10), 0.1, np.float32), "10 probabilities"),
        (np.eye(2, 10, dtype=np.float32) * 2 - 0.5, "outside"),
        (np.ones((2, 10), np.int64), "not probabilities"),
    ]:
        with pytest.raises(UnusableModelError, match=pattern):
            check_probabilities(bad, 2)


def test_the_probes_are_three_distinct_images() -> None:
    probes = probe_images()
    assert probes.shape == (3, 28, 28, 1) and probes[0].max() == 0 and probes[1].sum() != probes[2].sum()


def _loop_classifier(tmp_path: Path, trip_count: int) -> Path:
    """A 10-way classifier whose output passes through an ONNX Loop of ``trip_count`` identity iterations."""
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["carried_in"], ["carried_out"]),
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("iter", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("carried_in", TensorProto.FLOAT, ["N", 10]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("carried_out", TensorProto.FLOAT, ["N", 10]),
        ],
    )
    w = numpy_helper.from_array(np.zeros((784, 10), np.float32), "w")
    trips = numpy_helper.from_array(np.array(trip_count, np.int64), "trips")
    cond = numpy_helper.from_array(np.array(True), "cond")
    graph = helper.make_graph(
        [
            helper.make_node("Flatten", ["image"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "w"], ["logits"]),
            helper.make_node("Loop", ["trips", "cond", "logits"], ["looped"], body=body),
            helper.make_node("Softmax", ["looped"], ["probs"], axis=1),
        ],
        "looping",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 10])],
        initializer=[w, trips, cond],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "loop.onnx"
    onnx.save(model, path)
    return path


@pytest.mark.slow
def test_a_model_that_never_finishes_is_refused_by_the_probe_within_its_budget(tmp_path: Path) -> None:
    import time

    from convlens.services.model_check import probe_in_subprocess

    path = _loop_classifier(tmp_path, 10**12)
    started = time.perf_counter()
    with pytest.raises(UnusableModelError, match="loop.onnx"):
        probe_in_subprocess(path, seconds=8.0)
    assert time.perf_counter() - started < 15.0


def test_the_probe_accepts_the_shipped_model() -> None:
    from convlens.resources import default_model_path
    from convlens.services.model_check import probe_in_subprocess

    probe_in_subprocess(default_model_path())

"""services.reading: is it a digit? The rules, the shipped model's detector, generated non-digits, real MNIST digits,
the cost on the pen path, and the reading every live result carries."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from convlens.engine import data
from convlens.engine.loading import load_model
from convlens.engine.model import Predictor, Sequential
from convlens.engine.presets import PRESETS
from convlens.resources import models_dir
from convlens.services import nondigits
from convlens.services.live import EMPTY_RESULT, LivePipeline, model_filters
from convlens.services.reading import (
    MAX_INK_FRACTION,
    MIN_EXTENT_PX,
    Evidence,
    Limits,
    NonDigitDetector,
    Reader,
    decide,
    detector_features,
    ink_evidence,
)
from convlens.services.samples import CANVAS_SIZE, SAMPLE_STROKES, load_sample_strokes, rasterize_strokes, sample_image

ONNX, NPZ = models_dir() / "default.onnx", models_dir() / "default.npz"


@pytest.fixture(scope="module")
def shipped() -> Predictor:
    return load_model(ONNX)


@pytest.fixture(scope="module")
def reader(shipped: Predictor) -> Reader:
    return Reader.for_model(shipped, model_filters(shipped))


def read(reader: Reader, model: Predictor, image28: np.ndarray) -> str:
    probs, acts = model.run(image28.reshape(1, 28, 28, 1))
    return reader.read(image28, probs[0], acts).state


# -- the rules ------------------------------------------------------------------------------------------------------
def evidence(**changes: object) -> Evidence:
    base = {"digit": 3, "runner_up": 8, "confidence": 0.97, "ink_fraction": 0.13, "extent_px": 20, "ood_score": -3.0}
    return Evidence(**{**base, **changes})  # type: ignore[arg-type]


def test_the_rules_in_order() -> None:
    limits = Limits(ood_threshold=4.0, ood_unsure=0.5)
    assert decide(evidence(), limits).state == "digit"
    assert (decide(evidence(extent_px=MIN_EXTENT_PX - 1), limits).state, decide(evidence(extent_px=11)).reason) == (
        "not_a_digit",
        "extent",
    )  # a dot stays small in the 28x28 input; an MNIST digit spans 20 px
    assert decide(evidence(ink_fraction=MAX_INK_FRACTION + 0.01), limits).reason == "ink"
    assert decide(evidence(ood_score=4.5), limits).reason == "shape"
    assert decide(evidence(ood_score=4.5)).state == "digit"  # no detector thresholds: the score is not used
    unsure = decide(evidence(ood_score=1.0), limits)
    assert (unsure.state, unsure.reason, unsure.digit, unsure.runner_up) == ("unsure", "shape", 3, 8)
    assert decide(evidence(confidence=0.55), limits).reason == "confidence"
    assert decide(evidence(confidence=0.55, ood_score=None)).state == "unsure"


def test_ink_evidence_of_a_bar() -> None:
    img = np.zeros((28, 28), np.float32)
    img[4:24, 13:15] = 1.0
    ink, mass, extent = ink_evidence(img)
    assert extent == 20 and ink == pytest.approx(40 / 784) and mass == pytest.approx(40 / 784)
    assert ink_evidence(np.zeros((28, 28)))[2] == 0


# -- the detector belongs to the shipped model -------------------------------------------------------------------------
def test_the_shipped_detector_fits_the_shipped_model_in_both_formats_and_no_other(shipped: Predictor) -> None:
    for path in (ONNX, NPZ):
        model = load_model(path)
        detector = Reader.for_model(model, model_filters(model)).detector
        assert detector is not None and detector.name == "default", path
        assert detector.threshold > detector.unsure_threshold and detector.temperature > 0
    other = Sequential.from_config(PRESETS["small"])
    assert Reader.for_model(other, model_filters(other)).detector is None


def test_the_pen_path_score_equals_the_fitted_batch_score(shipped: Predictor, reader: Reader) -> None:
    detector = reader.detector
    assert detector is not None
    ell = [[(0.35, 0.2), (0.35, 0.8), (0.7, 0.8)]]
    images = np.stack([sample_image(SAMPLE_STROKES[2]), sample_image(SAMPLE_STROKES[5]), sample_image(ell)])
    probs, acts = shipped.run(images[..., None])
    ink = np.array([ink_evidence(im) for im in images])
    batch = detector.scores(
        detector_features(probs, acts[detector.logit_layer], acts[detector.hidden_layer], ink[:, 0], ink[:, 1])
    )
    for i in range(len(images)):
        one = detector.score_one(
            float(probs[i].max()), acts[detector.logit_layer][i], acts[detector.hidden_layer][i], ink[i, 0], ink[i, 1]
        )
        assert one == pytest.approx(batch[i], abs=1e-3)


def test_a_damaged_detector_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    np.savez(bad, mean=np.zeros(3))
    with pytest.raises(ValueError, match="not a detector file"):
        NonDigitDetector.load(bad)


# -- generated non-digits (no MNIST needed) ---------------------------------------------------------------------------
CATCH_AT_LEAST = {"taps": 0.9, "scribbles": 0.85, "letters": 0.8, "tiny strokes": 0.9, "random lines": 0.65}
"""Lower bounds on the share called "not a digit" (docs/reading_state.md has the rates on 1,000 of each)."""


def test_generated_non_digits_are_caught_and_drawn_digits_are_not(shipped: Predictor, reader: Reader) -> None:
    rng = np.random.default_rng(11)  # neither the fitting seed (1) nor the measuring one (2)
    for family, make in nondigits.FAMILIES.items():
        states = []
        for _ in range(40):
            rendered = nondigits.render(make(rng), size=140)
            if rendered is not None:
                states.append(read(reader, shipped, rendered[0]))
        caught = states.count("not_a_digit") / len(states)
        assert caught >= CATCH_AT_LEAST[family], f"{family}: {caught:.0%} caught"
    samples = load_sample_strokes()
    drawn = []
    for _ in range(40):
        digit, strokes = nondigits.drawn_digit(rng, samples)
        rendered = nondigits.render(strokes, size=140)
        assert rendered is not None
        drawn.append(read(reader, shipped, rendered[0]))
    assert drawn.count("not_a_digit") <= 1, drawn


def test_the_three_reported_cases(shipped: Predictor, reader: Reader) -> None:
    cases = {
        "a tap (read '0, 99% sure' before)": [[(0.5, 0.5)]],
        "a scribble (read '3, 74%')": [[(0.3, 0.3), (0.7, 0.35), (0.3, 0.42), (0.7, 0.5), (0.3, 0.58), (0.7, 0.65)]],
        "an L (read '6, 100%')": [[(0.35, 0.2), (0.35, 0.8), (0.7, 0.8)]],
    }
    for what, strokes in cases.items():
        assert read(reader, shipped, sample_image(strokes)) == "not_a_digit", what
    for digit, strokes in SAMPLE_STROKES.items():
        assert read(reader, shipped, sample_image(strokes)) == "digit", digit


# -- real digits -------------------------------------------------------------------------------------------------------
@pytest.mark.mnist
def test_fewer_than_half_a_percent_of_mnist_test_digits_are_called_not_a_digit(
    shipped: Predictor, reader: Reader
) -> None:
    if not data.is_cached():
        pytest.skip("real MNIST not in the user cache (run `convlens data fetch`)")
    x = data.load_mnist(allow_download=False).x_test[:2000]
    probs, acts = shipped.run(x)
    states = []
    for i in range(len(x)):
        one = {name: value[i : i + 1] for name, value in acts.items()}
        states.append(reader.read(x[i, ..., 0], probs[i], one).state)
    assert states.count("not_a_digit") / len(states) < 0.005
    assert states.count("digit") / len(states) > 0.95


# -- the pen path ------------------------------------------------------------------------------------------------------
def test_reading_costs_microseconds(shipped: Predictor, reader: Reader) -> None:
    image = sample_image(SAMPLE_STROKES[4])
    probs, acts = shipped.run(image.reshape(1, 28, 28, 1))
    medians = []
    for _ in range(5):
        times = []
        for _ in range(200):
            t0 = time.perf_counter()
            reader.read(image, probs[0], acts)
            times.append(time.perf_counter() - t0)
        medians.append(float(np.median(times)))
    assert min(medians) < 200e-6, f"{min(medians) * 1e6:.0f} µs per reading"


def test_every_live_result_carries_its_reading() -> None:
    pipeline = LivePipeline(lambda: np.stack([sample_image(SAMPLE_STROKES[d]) for d in (1, 7)])[..., None])
    pipeline.load(ONNX)
    assert pipeline.reader.detector is not None
    assert EMPTY_RESULT.reading.state == "empty"
    tap = rasterize_strokes([[(0.5, 0.5)]], CANVAS_SIZE, CANVAS_SIZE / 11)
    result = pipeline.run_canvas(tap)
    assert result.reading.state == "not_a_digit" and result.reading.evidence is not None
    assert result.reading.evidence.canvas_extent == pytest.approx(1 / 11, abs=0.01)
    seven = rasterize_strokes(SAMPLE_STROKES[7], CANVAS_SIZE, CANVAS_SIZE / 11)
    assert pipeline.run_canvas(seven).reading.state == "digit"
    assert pipeline.run_canvas(np.zeros((50, 50), np.float32)).reading.state == "empty"
    # a training preview with other weights is read without the shipped model's detector, and gets it back after
    pipeline.set_preview(Sequential.from_config(PRESETS["default"]))
    assert pipeline.reader.detector is None
    pipeline.set_preview(None)
    assert pipeline.reader.detector is not None


def test_a_shown_image_is_what_a_model_swap_reruns() -> None:
    pipeline = LivePipeline(lambda: np.stack([sample_image(SAMPLE_STROKES[1])])[..., None])
    pipeline.load(ONNX)
    pipeline.run_canvas(rasterize_strokes(SAMPLE_STROKES[7], CANVAS_SIZE, CANVAS_SIZE / 11))
    thin = np.zeros((28, 28), np.float32)
    thin[4:24, 14] = 1.0
    pipeline.run_image28(thin)  # a one-off prediction changes nothing
    assert pipeline.last_image28 is None and pipeline.last_canvas is not None
    pipeline.run_image28(thin, remember=True)
    assert pipeline.last_canvas is None
    rerun = pipeline.rerun()
    assert rerun is not None and rerun.image28 is not None
    np.testing.assert_array_equal(rerun.image28, thin)
    pipeline.run_canvas(np.zeros((10, 10), np.float32))  # the canvas again
    assert pipeline.last_image28 is None

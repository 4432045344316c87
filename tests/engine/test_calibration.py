"""engine.calibration and the temperature in the model: fitted on held-out data, applied alike by NumPy and ONNX."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from convlens.engine.calibration import (
    apply_temperature,
    calibrated_confident_wrong,
    confident_wrong_share,
    ece_capped_temperature,
    expected_calibration_error,
    fit_temperature,
    nll,
    reliability,
    sure_answer_temperature,
)
from convlens.engine.loading import load_model
from convlens.engine.model import Sequential, load_npz_model
from convlens.engine.onnx_export import export_onnx, to_onnx_model
from convlens.engine.presets import PRESETS


def naive_ece(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """ECE with a Python loop over bins."""
    conf = probs.max(axis=1)
    pred = probs.argmax(axis=1)
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = (conf >= lo) & (conf < hi) if b < bins - 1 else (conf >= lo) & (conf <= hi)
        if inside.any():
            total += inside.sum() / len(y) * abs(np.mean(pred[inside] == y[inside]) - conf[inside].mean())
    return float(total)


def overconfident_logits(n: int = 4000, seed: int = 0, scale: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Logits of a model whose true temperature is ``scale`` (labels drawn from softmax(logits / scale))."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 4.0, (n, 10)) * scale
    p = np.exp(logits / scale - (logits / scale).max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(10, p=row) for row in p])
    return logits.astype(np.float32), y


def test_ece_matches_a_loop_over_bins() -> None:
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.full(10, 0.3), 500)
    y = rng.integers(0, 10, 500)
    assert expected_calibration_error(probs, y) == pytest.approx(naive_ece(probs, y), abs=1e-12)


def test_ece_is_zero_for_a_perfectly_calibrated_bin_and_large_for_overconfidence() -> None:
    probs = np.tile(np.r_[0.5, 0.5 / 9 * np.ones(9)], (100, 1))
    y = np.r_[np.zeros(50, int), np.ones(50, int)]  # right half of the time at 50% confidence
    assert expected_calibration_error(probs, y) == pytest.approx(0.0, abs=1e-12)
    sure = np.eye(10)[np.zeros(100, int)]
    assert expected_calibration_error(sure, y) == pytest.approx(0.5)
    r = reliability(sure, y)
    assert sum(r["count"]) == 100


def test_confident_wrong_share_counts_only_wrong_answers_above_the_threshold() -> None:
    probs = np.array([[0.97, 0.03], [0.6, 0.4], [0.99, 0.01], [0.2, 0.8]])
    y = np.array([1, 1, 0, 1])  # wrong, wrong, right, right
    share, confident, wrong = confident_wrong_share(probs, y, 0.95)
    assert (share, confident, wrong) == (0.5, 1, 2)
    assert math.isnan(confident_wrong_share(probs[2:], y[2:])[0])


def test_calibrated_confident_wrong_is_what_a_calibrated_model_gets_wrong_among_its_sure_answers() -> None:
    probs = np.array([[0.97, 0.03], [0.6, 0.4], [0.99, 0.01], [0.02, 0.98]])
    # sure answers: 0.97, 0.99, 0.98 -> 0.03 + 0.01 + 0.02 expected mistakes; the 0.6 answer is not sure
    assert calibrated_confident_wrong(probs, 0.95) == pytest.approx(0.06)
    assert calibrated_confident_wrong(probs, 0.999) == 0.0
    # drawn from a perfectly calibrated model, the real count of sure mistakes matches the expectation
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.9, 1.0, 200_000)
    right = rng.random(200_000) < confidence
    probs = np.stack([confidence, 1.0 - confidence], axis=1)
    y = np.where(right, 0, 1)
    _, sure_wrong, _ = confident_wrong_share(probs, y, 0.95)
    assert sure_wrong == pytest.approx(calibrated_confident_wrong(probs, 0.95), rel=0.05)


def test_sure_answer_temperature_is_the_smallest_on_its_grid_that_meets_the_target() -> None:
    logits, y = overconfident_logits(scale=3.0)
    start = fit_temperature(logits, y) / 2  # an overconfident start

    def share(t: float) -> float:
        return confident_wrong_share(apply_temperature(logits, t), y)[0]

    assert share(start) > 0.10  # too many sure mistakes
    t = sure_answer_temperature(logits, y, start, max_share=0.10, margin=0.0)
    assert t > start and share(t) <= 0.10 and share(t / 1.01) > 0.10
    wrong = int(np.sum(logits.argmax(axis=1) != y))
    t_margin = sure_answer_temperature(logits, y, start, max_share=0.10, margin=2.0)
    s = share(t_margin)
    assert t_margin > t and s + 2.0 * math.sqrt(s * (1 - s) / wrong) <= 0.10
    # answers never change; nothing wrong: the start; an unreachable target stops at the limit
    assert np.array_equal(apply_temperature(logits, t).argmax(axis=1), logits.argmax(axis=1))
    assert sure_answer_temperature(logits[y == logits.argmax(axis=1)], y[y == logits.argmax(axis=1)], 1.5) == 1.5
    assert sure_answer_temperature(logits, y, 1.0, max_share=0.0, margin=1.0, limit=4.0) == 4.0


def test_ece_capped_temperature_stops_where_the_ece_reaches_the_cap() -> None:
    logits, y = overconfident_logits(scale=3.0)
    best = fit_temperature(logits, y)

    def ece(t: float) -> float:
        return expected_calibration_error(apply_temperature(logits, t), y)

    cap = ece(best) + 0.02
    t = ece_capped_temperature(logits, y, best, 10 * best, cap)
    assert best < t < 10 * best and ece(t) <= cap and ece(t * 1.01) > cap
    assert ece_capped_temperature(logits, y, best, 1.2 * best, 1.0) == pytest.approx(1.2 * best, rel=1e-5)
    assert ece_capped_temperature(logits, y, best, 10 * best, 0.0) == pytest.approx(best, rel=1e-5)


def test_fit_temperature_recovers_the_true_temperature_and_minimises_nll() -> None:
    logits, y = overconfident_logits(scale=3.0)
    t = fit_temperature(logits, y)
    assert t == pytest.approx(3.0, rel=0.1)
    assert nll(logits, y, t) <= min(nll(logits, y, t * 0.9), nll(logits, y, t * 1.1))
    assert nll(logits, y, t) < nll(logits, y, 1.0)


def test_temperature_keeps_the_ranking_and_softens_the_probabilities() -> None:
    logits, _ = overconfident_logits(200)
    hot, cold = apply_temperature(logits, 3.0), apply_temperature(logits, 1.0)
    np.testing.assert_array_equal(hot.argmax(axis=1), cold.argmax(axis=1))
    assert np.all(hot.max(axis=1) <= cold.max(axis=1) + 1e-7)


@pytest.fixture
def calibrated_model() -> Sequential:
    model = Sequential.from_config(PRESETS["default"], seed=3)
    model.temperature = 2.375
    return model


def test_predict_proba_and_activations_divide_the_logits_by_t(calibrated_model: Sequential) -> None:
    x = np.random.default_rng(0).random((5, 28, 28, 1), dtype=np.float32)
    logits = calibrated_model.predict_logits(x)
    expected = apply_temperature(logits, 2.375)
    np.testing.assert_allclose(calibrated_model.predict_proba(x), expected, atol=1e-7)
    np.testing.assert_allclose(calibrated_model.activations(x)["probs"], expected, atol=1e-7)
    assert calibrated_model.activations(x)["dense2"] == pytest.approx(logits, abs=1e-6)  # logits unchanged


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_temperature_must_be_finite_and_positive(bad: float) -> None:
    model = Sequential.from_config(PRESETS["small"])
    with pytest.raises(ValueError, match="temperature"):
        model.temperature = bad


def test_temperature_survives_save_and_load(tmp_path: Path, calibrated_model: Sequential) -> None:
    path = calibrated_model.save(tmp_path / "m.npz")
    assert load_npz_model(path).temperature == 2.375


def test_onnx_graph_divides_by_t_before_softmax_and_agrees_with_numpy(
    tmp_path: Path, calibrated_model: Sequential
) -> None:
    proto = to_onnx_model(calibrated_model)
    ops = [node.op_type for node in proto.graph.node]
    assert ops[-2:] == ["Div", "Softmax"]
    path = export_onnx(calibrated_model, tmp_path / "m.onnx")
    x = np.random.default_rng(1).random((7, 28, 28, 1), dtype=np.float32) * 3.0  # confident logits
    onnx_probs = load_model(path).predict_proba(x)
    np.testing.assert_allclose(onnx_probs, calibrated_model.predict_proba(x), atol=1e-5)
    uncalibrated = Sequential.from_config(PRESETS["default"], seed=3)
    assert not np.allclose(uncalibrated.predict_proba(x), onnx_probs, atol=1e-3)  # the test can fail


def test_uncalibrated_export_has_no_div(calibrated_model: Sequential) -> None:
    calibrated_model.temperature = 1.0
    assert "Div" not in [node.op_type for node in to_onnx_model(calibrated_model).graph.node]


def test_shipped_model_numpy_and_onnx_probabilities_agree_with_its_calibration() -> None:
    from convlens.resources import models_dir

    npz = load_npz_model(models_dir() / "default.npz")
    onnx_model = load_model(models_dir() / "default.onnx")
    card = onnx_model.metadata  # type: ignore[attr-defined]
    assert npz.temperature == pytest.approx(card["calibration"]["temperature"])
    x = np.random.default_rng(2).random((16, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(onnx_model.predict_proba(x), npz.predict_proba(x), atol=1e-5)

"""services.fool: the smallest gradient-sign change that flips the answer, and the challenge's scorer."""

from __future__ import annotations

import numpy as np
import pytest

from convlens.engine.loading import load_model
from convlens.engine.model import Predictor, Sequential
from convlens.resources import default_model_path
from convlens.services.explain import sample_digit_images
from convlens.services.fool import fool, score_challenge


@pytest.fixture(scope="module")
def onnx() -> Predictor:
    return load_model(default_model_path())


@pytest.fixture(scope="module")
def numpy_model(onnx: Predictor) -> Sequential:
    model = onnx.numpy_model()
    assert model is not None
    return model


@pytest.mark.parametrize("index", [0, 3, 6])
def test_fool_flips_the_answer_with_a_small_sign_change(onnx: Predictor, numpy_model: Sequential,
                                                        index: int) -> None:
    image = sample_digit_images(variants=False)[0][index]
    result = fool(numpy_model, image, check=onnx)
    assert result.flipped
    assert result.original_digit == index and result.digit != index
    np.testing.assert_allclose(result.difference, result.image - image, atol=1e-7)
    assert np.abs(result.difference).max() <= result.epsilon + 1e-6
    assert 0.0 < result.epsilon <= 0.3
    assert result.image.min() >= 0.0 and result.image.max() <= 1.0
    after = onnx.predict_proba(result.image[None, ..., None])[0]
    assert int(np.argmax(after)) == result.digit
    np.testing.assert_allclose(result.after, after, atol=1e-6)
    assert result.changed_pixels == int(np.count_nonzero(np.abs(result.difference) > 1 / 255))
    assert set(result.as_dict()) >= {"flipped", "epsilon", "digit", "original_digit", "before", "after"}


def test_iterating_finds_a_smaller_change_than_one_fgsm_step(numpy_model: Sequential) -> None:
    compared = 0
    for image in sample_digit_images(variants=False)[0][:5]:
        single = fool(numpy_model, image, iterations=1, max_epsilon=0.5, levels=50)
        iterated = fool(numpy_model, image, max_epsilon=0.5, levels=50)
        assert iterated.flipped  # iterating flips every digit one step flips, and more
        if single.flipped:
            assert iterated.epsilon <= single.epsilon
            compared += 1
    assert compared >= 2  # one step must flip some of them for the comparison to mean anything


def test_targeted_fool_reaches_the_target(onnx: Predictor, numpy_model: Sequential) -> None:
    image = sample_digit_images(variants=False)[0][1]
    result = fool(numpy_model, image, target=7, max_epsilon=0.4, check=onnx)
    assert result.flipped and result.digit == 7 and result.target == 7


def test_nothing_flips_within_a_tiny_budget(numpy_model: Sequential) -> None:
    image = sample_digit_images(variants=False)[0][8]
    result = fool(numpy_model, image, max_epsilon=0.001, levels=1)
    assert not result.flipped
    np.testing.assert_array_equal(result.image, image)
    assert not result.difference.any() and result.digit == result.original_digit == 8


def test_score_challenge_counts_added_and_removed_ink(onnx: Predictor) -> None:
    images = sample_digit_images(variants=False)[0]
    start = images[1]  # a "1"
    edited = start.copy()
    ink = np.argwhere(start >= 0.5)
    edited[tuple(ink[:3].T)] = 0.0  # 3 ink pixels removed
    blank = np.argwhere(start < 0.5)[:5]
    edited[tuple(blank.T)] = 1.0  # 5 pixels inked
    score = score_challenge(onnx, start, edited)
    assert (score.added_ink, score.removed_ink) == (5, 3)
    assert score.digit_before == 1 and score.changed == (score.digit_after != 1)
    seven = score_challenge(onnx, start, images[7])
    assert seven.changed and seven.digit_after == 7
    assert set(seven.as_dict()) == {"added_ink", "removed_ink", "changed", "digit_before", "digit_after", "before",
                                    "after"}

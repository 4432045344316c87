"""services.explain: where the network looks (occlusion through any Predictor, gradients through the NumPy engine)."""

from __future__ import annotations

import shutil
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convlens.engine.data import is_cached, load_mnist
from convlens.engine.loading import load_model
from convlens.engine.model import Predictor, Sequential
from convlens.resources import default_model_path, models_dir
from convlens.services.explain import (
    GRADIENT_METHODS,
    Explainer,
    GradientUnavailable,
    as_image,
    deletion_test,
    diverging_rgba,
    diverging_scale,
    feature_map_ranking,
    feature_map_rankings,
    gradient_map,
    occlusion_map,
    sample_digit_images,
    upsample_to_input,
)


@pytest.fixture(scope="module")
def onnx() -> Predictor:
    return load_model(default_model_path())


@pytest.fixture(scope="module")
def numpy_model() -> Sequential:
    model = load_model(models_dir() / "default.npz")
    assert isinstance(model, Sequential)
    return model


@pytest.fixture(scope="module")
def samples() -> tuple[np.ndarray, np.ndarray]:
    return sample_digit_images()


class CountingPredictor:
    """Wraps a Predictor and counts ``predict_proba`` calls and images."""

    def __init__(self, inner: Predictor) -> None:
        self.inner = inner
        self.calls: list[int] = []

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        self.calls.append(int(np.asarray(x).shape[0]))
        return self.inner.predict_proba(x)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_occlusion_is_one_predict_call_aligned_and_positive_on_the_ink(onnx: Predictor, samples: Any) -> None:
    images, labels = samples
    counting = CountingPredictor(onnx)
    for image, label in zip(images[:6], labels[:6], strict=True):
        counting.calls.clear()
        result = occlusion_map(counting, image)
        assert len(counting.calls) == 1, "the original and every occluded copy go through ONE call"
        assert 1 < counting.calls[0] <= 1 + 13 * 13
        assert result.values.shape == (28, 28) and result.values.dtype == np.float32
        assert result.digit == label and result.method == "occlusion"
        np.testing.assert_array_equal(result.image, image)
        ink = image >= 0.5
        assert result.values[ink].mean() > 0, "blacking out the digit's ink lowers its answer"
        near_ink = np.zeros_like(ink)
        rows, cols = np.nonzero(image > 0)
        for r, c in zip(rows, cols, strict=True):
            near_ink[max(r - 3, 0) : r + 4, max(c - 3, 0) : c + 4] = True
        assert np.all(result.values[~near_ink] == 0), "no patch with ink covers these pixels"


def test_occlusion_of_the_onnx_model_and_its_numpy_twin_agree(onnx: Predictor, numpy_model: Sequential,
                                                              samples: Any) -> None:
    image = samples[0][3]
    a = occlusion_map(onnx, image).values
    b = occlusion_map(numpy_model, image).values
    np.testing.assert_allclose(a, b, atol=1e-3 * np.abs(b).max() + 1e-4)


def test_occlusion_of_another_digit_and_options(onnx: Predictor, samples: Any) -> None:
    image = samples[0][0]
    other = occlusion_map(onnx, image, digit=6, patch=3, stride=3, score="prob")
    assert other.digit == 6 and other.values.shape == (28, 28)
    with pytest.raises(ValueError, match="stride"):
        occlusion_map(onnx, image, patch=2, stride=3)
    with pytest.raises(ValueError, match="digit"):
        occlusion_map(onnx, image, digit=10)


@pytest.mark.parametrize("method", GRADIENT_METHODS)
def test_gradient_maps_are_aligned_signed_and_deterministic(numpy_model: Sequential, samples: Any,
                                                            method: str) -> None:
    images, labels = samples
    image = images[5]
    first = gradient_map(numpy_model, image, method=method)  # type: ignore[arg-type]
    again = gradient_map(numpy_model, image, method=method)  # type: ignore[arg-type]
    np.testing.assert_array_equal(first.values, again.values)
    assert first.values.shape == (28, 28) and first.values.dtype == np.float32
    assert first.digit == labels[5] and first.method == method
    assert first.values.max() > 0 > first.values.min(), "signed"
    if method.endswith("_x_input"):
        assert np.all(first.values[image == 0] == 0), "x input: nothing off the ink"
        assert first.values[image >= 0.5].sum() > 0, "the ink pushes towards the answer overall"


def test_gradient_x_input_is_the_input_gradient_times_the_image(numpy_model: Sequential, samples: Any) -> None:
    from convlens.engine.gradients import class_score_gradient

    image = samples[0][2]
    grad = class_score_gradient(numpy_model, image[None, ..., None], 2, score="logit").input_grad[0, ..., 0]
    result = gradient_map(numpy_model, image, 2, method="gradient_x_input", score="logit")
    np.testing.assert_allclose(result.values, grad * image, rtol=1e-6, atol=1e-7)


def test_feature_map_ranking_orders_maps_by_what_ablating_them_costs(numpy_model: Sequential,
                                                                      samples: Any) -> None:
    image = samples[0][7]
    ranking = feature_map_ranking(numpy_model, image)
    assert ranking.layer == "pool2" and ranking.digit == samples[1][7]
    assert ranking.maps.shape == (7, 7, 32) and ranking.heatmap.shape == (28, 28)
    order = ranking.order
    assert sorted(order.tolist()) == list(range(32))
    assert np.all(np.diff(ranking.contributions[order]) <= 0)
    assert ranking.ranking()[0][0] == order[0]
    names = [layer.name for layer in numpy_model.layers]
    index = names.index("pool2")

    def logit_without(channel: int) -> float:
        h = ranking.maps[None].copy()
        h[..., channel] = 0.0
        for layer in numpy_model.layers[index + 1 :]:
            h = layer.forward(h)
        return float(h[0, ranking.digit])

    assert logit_without(int(order[0])) < logit_without(int(order[-1])), "the top map mattered more"
    np.testing.assert_array_equal(upsample_to_input(np.arange(49.0).reshape(7, 7))[:4, :4], 0.0)
    both = feature_map_rankings(numpy_model, image)
    assert list(both) == ["pool1", "pool2"]
    assert both["pool1"].maps.shape == (14, 14, 16)
    np.testing.assert_allclose(both["pool2"].contributions, ranking.contributions, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="feature maps"):
        feature_map_ranking(numpy_model, image, layer="dense1")


def test_diverging_scale_keeps_zero_and_sign() -> None:
    values = np.array([[0.0, 1.0, -2.0], [4.0, -0.5, 0.0]], np.float32)
    scaled = diverging_scale(values, limit=2.0)
    np.testing.assert_allclose(scaled, [[0, 0.5, -1], [1, -0.25, 0]])
    auto = diverging_scale(values)
    assert auto.max() == 1.0 and auto.min() < 0 and auto[0, 0] == 0
    assert np.all(diverging_scale(np.zeros((28, 28))) == 0)
    rgba = diverging_rgba(scaled)
    assert rgba.shape == (2, 3, 4) and rgba.dtype == np.uint8
    assert rgba[0, 0, 3] == 0 and rgba[1, 0, 3] == 255
    assert rgba[1, 0, 0] > rgba[1, 0, 2] and rgba[0, 2, 2] > rgba[0, 2, 0], "red for +, blue for -"


def test_as_image_accepts_the_network_input_shapes_only() -> None:
    for shape in [(28, 28), (28, 28, 1), (1, 28, 28, 1)]:
        assert as_image(np.zeros(shape)).shape == (28, 28)
    with pytest.raises(ValueError, match="28x28"):
        as_image(np.zeros((2, 28, 28, 1)))
    with pytest.raises(ValueError, match="NaN"):
        as_image(np.full((28, 28), np.nan))


def test_explainer_finds_the_twin_and_refuses_gradients_without_one(tmp_path: Path, samples: Any) -> None:
    image, label = samples[0][1], samples[1][1]
    explainer = Explainer(load_model(default_model_path()))
    assert explainer.gradients_available
    assert explainer.explain(image, "gradient").method == "smoothgrad_x_input"
    assert explainer.explain(image, "occlusion").method == "occlusion"
    assert explainer.feature_maps(image).layer == "pool2"
    lonely = tmp_path / "lonely.onnx"
    shutil.copyfile(default_model_path(), lonely)
    alone = Explainer(load_model(lonely))
    assert not alone.gradients_available
    assert alone.explain(image, "occlusion").digit == label
    with pytest.raises(GradientUnavailable, match=r"lonely\.onnx.*lonely\.npz"):
        alone.explain(image, "gradient")
    with pytest.raises(ValueError, match="method"):
        alone.explain(image, "lime")


def _deletion_ratios(predictor: Predictor, model: Sequential, images: np.ndarray) -> OrderedDict[str, float]:
    ratios: OrderedDict[str, float] = OrderedDict()
    ratios["occlusion"] = deletion_test(predictor, images, lambda im, d: occlusion_map(predictor, im, d).values).ratio
    ratios["gradient"] = deletion_test(predictor, images, lambda im, d: gradient_map(model, im, d).values).ratio
    return ratios


def test_deleting_salient_ink_hurts_more_than_random_ink_on_the_sample_drawings(
    onnx: Predictor, numpy_model: Sequential, samples: Any
) -> None:
    """No MNIST needed: the app's 20 sample drawings (measured: occlusion 24x, gradient 21x; the bar is 2x)."""
    ratios = _deletion_ratios(onnx, numpy_model, samples[0])
    assert all(r >= 2.0 for r in ratios.values()), ratios


@pytest.mark.mnist
def test_deleting_salient_ink_hurts_more_than_random_ink_on_200_mnist_digits(
    onnx: Predictor, numpy_model: Sequential
) -> None:
    """Measured: occlusion 9.9x, gradient (SmoothGrad x input) 10.8x; the bar is 2x."""
    if not is_cached():
        pytest.skip("real MNIST not in the user cache (run `convlens data fetch`)")
    images = load_mnist(allow_download=False).x_test[:200, ..., 0]
    ratios = _deletion_ratios(onnx, numpy_model, images)
    assert all(r >= 2.0 for r in ratios.values()), ratios


def test_deletion_test_counts_drops_per_image() -> None:
    """A stand-in model whose answer is the share of ink left in the top half: deleting top ink hurts most."""

    class TopHalf:
        def predict_proba(self, x: np.ndarray) -> np.ndarray:
            top = x[:, :14].reshape(len(x), -1).sum(axis=1) / 100.0
            p = np.clip(top, 0, 1)
            return np.stack([p, 1 - p] + [np.zeros_like(p)] * 8, axis=1)

    image = np.zeros((28, 28), np.float32)
    image[4:24, 10:15] = 1.0  # 100 ink pixels, half of them in the top half
    def top_first(im: np.ndarray, digit: int) -> np.ndarray:
        return np.where(np.arange(28)[:, None] < 14, 1.0, 0.0) * np.ones((28, 28))

    result = deletion_test(TopHalf(), image[None], top_first, fraction=0.2, random_draws=50)  # type: ignore[arg-type]
    assert result.images == 1
    assert result.salient_drop == pytest.approx(0.2)
    assert result.random_drop == pytest.approx(0.1, abs=0.03)
    assert result.ratio == pytest.approx(2.0, rel=0.3)

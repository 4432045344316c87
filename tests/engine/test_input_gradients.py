"""engine.gradients (explanations): input, map and parameter gradients against central differences in float64.

The layers' own gradient checks are in test_gradients.py; these check the passes built on them.
"""

from __future__ import annotations

import numpy as np
import pytest

from convlens.engine import gradients
from convlens.engine.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D
from convlens.engine.model import Sequential, load_npz_model
from convlens.engine.ops import softmax
from convlens.resources import models_dir

SHAPE = (12, 12, 1)


def small_model(seed: int = 3) -> Sequential:
    """Every layer kind of the shipped network, fused conv+pool pairs included, on 12x12 inputs, in float64."""
    model = Sequential(
        [
            Conv2D(3, 3, padding="same", activation="relu"),  # (N,12,12,1) -> (N,12,12,3), fused with pool1
            MaxPool2D(2),  # -> (N,6,6,3)
            Conv2D(4, 3, padding="valid", activation="relu"),  # -> (N,4,4,4)
            MaxPool2D(2),  # -> (N,2,2,4)
            Flatten(),  # -> (N,16)
            Dense(8, activation="relu"),
            Dropout(0.5),
            Dense(10),
        ],
        input_shape=SHAPE,
        seed=seed,
    )
    to_float64(model)
    return model


def to_float64(model: Sequential) -> None:
    for layer in model.layers:
        for key, value in list(layer.params.items()):
            layer.params[key] = value.astype(np.float64)
            layer.grads[key] = np.zeros_like(layer.params[key])


def images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.1, 0.9, (n, *SHAPE))


def numeric_input_grad(f: object, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of ``f(x) -> (N,)`` with respect to every pixel of every image (one batch per pixel)."""
    assert callable(f)
    grad = np.zeros_like(x)
    flat = x.reshape(x.shape[0], -1)
    for j in range(flat.shape[1]):
        plus, minus = flat.copy(), flat.copy()
        plus[:, j] += eps
        minus[:, j] -= eps
        grad.reshape(x.shape[0], -1)[:, j] = (f(plus.reshape(x.shape)) - f(minus.reshape(x.shape))) / (2 * eps)
    return grad


@pytest.mark.parametrize("score", gradients.SCORES)
def test_class_score_gradient_matches_central_differences(score: str) -> None:
    model = small_model()
    x = images(3)
    classes = np.array([2, 7, 0])
    rows = np.arange(3)

    def f(z: np.ndarray) -> np.ndarray:
        logits = model.forward(z)
        p = softmax(logits)
        return {"logit": logits[rows, classes], "log_prob": np.log(p[rows, classes]), "prob": p[rows, classes]}[score]

    result = gradients.class_score_gradient(model, x, classes, score=score)  # type: ignore[arg-type]
    assert result.input_grad.shape == x.shape and result.input_grad.dtype == np.float64
    np.testing.assert_allclose(result.scores, f(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result.input_grad, numeric_input_grad(f, x), atol=1e-5, rtol=1e-3)
    np.testing.assert_allclose(result.probs, softmax(model.forward(x)), atol=1e-12)


def test_kept_map_gradients_match_central_differences_on_the_map() -> None:
    """``keep``: the map and d logit / d map of a middle layer (what Grad-CAM reads)."""
    model = small_model()
    x = images(1)
    result = gradients.class_score_gradient(model, x, 4, keep=("pool1",))
    pool1 = model.activations(x)["pool1"]
    np.testing.assert_allclose(result.maps["pool1"], pool1, atol=1e-12)
    index = [layer.name for layer in model.layers].index("pool1")

    def head(a: np.ndarray) -> np.ndarray:
        for layer in model.layers[index + 1 :]:
            a = layer.forward(a)
        return np.asarray(a[:, 4])

    np.testing.assert_allclose(result.map_grads["pool1"], numeric_input_grad(head, pool1), atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize(("layer", "units"), [("conv1", [0, 2]), ("pool2", [3, 1]), ("dense1", [5, 7])])
def test_unit_gradient_matches_central_differences(layer: str, units: list[int]) -> None:
    model = small_model()
    x = images(2, seed=1)
    rows = np.arange(2)

    def f(z: np.ndarray) -> np.ndarray:
        out = model.activations(z)[layer]
        flat = out.reshape(out.shape[0], -1, out.shape[-1])
        return np.asarray(flat[rows, :, units].mean(axis=1))

    result = gradients.unit_gradient(model, x, layer, units)
    np.testing.assert_allclose(result.values, f(x), atol=1e-12)
    np.testing.assert_allclose(result.input_grad, numeric_input_grad(f, x), atol=1e-5, rtol=1e-3)


def test_loss_gradient_matches_central_differences_on_every_parameter() -> None:
    model = small_model()
    x = images(2, seed=2)
    labels = np.array([3, 8])
    result = gradients.loss_gradient(model, x, labels)

    def loss() -> float:
        p = softmax(model.forward(x))
        return float(-np.log(p[np.arange(2), labels]).mean())

    assert result.loss == pytest.approx(loss(), rel=1e-12)
    rng = np.random.default_rng(0)
    for name, value, _ in model.named_params():
        for flat_index in rng.choice(value.size, size=min(value.size, 6), replace=False):
            idx = np.unravel_index(flat_index, value.shape)
            old = value[idx]
            value[idx] = old + 1e-6
            up = loss()
            value[idx] = old - 1e-6
            down = loss()
            value[idx] = old
            assert result.grads[name][idx] == pytest.approx((up - down) / 2e-6, abs=1e-6, rel=1e-3), name


def test_a_pass_restores_the_training_flags_and_ignores_dropout() -> None:
    """The model trains exactly as before afterwards; two passes agree (dropout is off in every pass)."""
    model = small_model()
    flags = [(la.need_input_grad, la.defer_relu, la.applies_relu, la.phases) for la in model.layers]
    assert flags[0][1], "the fixture's first conv is fused with its pool in training"
    x = images(2)
    first = gradients.class_score_gradient(model, x, [1, 2], keep=("conv2",))
    second = gradients.class_score_gradient(model, x, [1, 2], keep=("conv2",))
    np.testing.assert_array_equal(first.input_grad, second.input_grad)
    gradients.unit_gradient(model, x, "conv1", 0)
    gradients.loss_gradient(model, x, [1, 2])
    assert [(la.need_input_grad, la.defer_relu, la.applies_relu, la.phases) for la in model.layers] == flags


def test_log_prob_gradient_of_a_confident_answer_is_not_rounded_away() -> None:
    """p rounds to 1 in float32 for a sure answer: 1 - p must come from the other classes."""
    from convlens.services.explain import sample_digit_images

    model = load_npz_model(models_dir() / "default.npz")
    image = sample_digit_images(variants=False)[0][:1, ..., None]  # a "0" read at ~100%
    last = [layer for layer in model.layers if "w" in layer.params][-1]
    for _ in range(8):  # sharpen the logits until the answer's probability is 1 in float32 (whatever the model)
        logits = model.forward(image)[0].astype(np.float64)
        if np.float32(softmax(logits[None])[0].max()) == np.float32(1.0):
            break
        for name in last.params:
            last.params[name] *= 2.0
    logits = model.forward(image)[0].astype(np.float64)
    p = softmax(logits[None])[0]
    answer = int(np.argmax(p))
    assert np.float32(p[answer]) == np.float32(1.0)
    per_logit = np.stack([gradients.class_score_gradient(model, image, k).input_grad[0] for k in range(10)])
    others = p * (np.arange(10) != answer)
    # d log p[a] = sum_j (delta_aj - p_j) d z_j = sum_{j != a} p_j (d z_a - d z_j), with no 1 - p[a] in it
    expected = others.sum() * per_logit[answer] - np.tensordot(others, per_logit.astype(np.float64), axes=1)
    got = gradients.class_score_gradient(model, image, answer, score="log_prob").input_grad[0]
    assert np.abs(got).max() > 0
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-3 * np.abs(expected).max())


def test_clone_model_is_bit_identical_and_independent() -> None:
    model = small_model()
    twin = gradients.clone_model(model)
    for (name, a, _), (_, b, _) in zip(model.named_params(), twin.named_params(), strict=True):
        assert a.tobytes() == b.tobytes() and a is not b, name
    twin.layers[0].params["w"][...] = 0.0
    assert np.abs(model.layers[0].params["w"]).max() > 0


def test_bad_arguments_are_refused() -> None:
    model = small_model()
    x = images(1)
    with pytest.raises(ValueError, match="classes"):
        gradients.class_score_gradient(model, x, 10)
    with pytest.raises(ValueError, match="score"):
        gradients.class_score_gradient(model, x, 1, score="margin")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no layer"):
        gradients.unit_gradient(model, x, "conv9", 0)
    with pytest.raises(ValueError, match="units"):
        gradients.unit_gradient(model, x, "conv1", 3)
    with pytest.raises(ValueError, match="expected images"):
        gradients.class_score_gradient(model, np.zeros((1, 28, 28, 1)), 0)
    assert gradients.map_layer_names(model) == ["conv1", "pool1", "conv2", "pool2"]

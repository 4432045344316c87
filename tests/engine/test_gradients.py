"""Gradient checks by central differences (float64, small shapes, atol 1e-5 / rtol 1e-3 as tinygrad's gradcheck).

Every layer type in ``convlens.engine.layers.REGISTRY`` must have an entry in :data:`CASES` (a test fails
otherwise), so a newly registered layer is checked automatically once someone says how to build a small instance
of it.
The loss of a layer check is a random linear functional ``L = sum(out * R)`` of the layer's output, so
``dL/dout = R`` and every output element takes part.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import naive
import numpy as np
import pytest

from convlens.engine import ops
from convlens.engine.layers import REGISTRY, Conv2D, Dense, Dropout, Flatten, Layer, MaxPool2D, ReLU
from convlens.engine.losses import softmax_cross_entropy
from convlens.engine.model import Sequential

ATOL, RTOL = 1e-5, 1e-3


@dataclass
class Case:
    """How to build a small instance of a layer and what to feed it."""

    make: Callable[[], Layer]
    input_shape: tuple[int, ...]
    batch: int = 2
    #: Inputs kept at least this far from 0 (ReLU kinks).
    away_from_zero: float = 0.0
    #: Called before every forward pass (e.g. to reseed a dropout mask so that it is the same each time).
    before_forward: Callable[[Layer], None] = field(default=lambda layer: None)


def _reseed(layer: Layer) -> None:
    assert hasattr(layer, "rng"), "Dropout keeps its own generator in .rng (fit() reseeds it)"
    layer.rng = np.random.default_rng(1234)  # type: ignore[attr-defined]


CASES: dict[str, dict[str, Case]] = {
    "Conv2D": {
        "3x3 s1 valid": Case(lambda: Conv2D(3, 3), (5, 5, 2)),
        "3x3 s1 same relu": Case(lambda: Conv2D(3, 3, padding="same", activation="relu"), (5, 5, 2)),
        "3x3 s2 valid": Case(lambda: Conv2D(2, 3, stride=(2, 2)), (7, 7, 2)),
        "3x3 s2 same": Case(lambda: Conv2D(2, 3, stride=(2, 2), padding="same"), (6, 6, 1)),
        "3x3 s2 same relu": Case(lambda: Conv2D(2, 3, stride=(2, 2), padding="same", activation="relu"), (5, 5, 2)),
        "3x3 s(3,1) valid": Case(lambda: Conv2D(2, 3, stride=(3, 1)), (7, 5, 1)),
        "3x3 s(3,1) same relu": Case(
            lambda: Conv2D(2, 3, stride=(3, 1), padding="same", activation="relu"), (7, 5, 2)
        ),
        "2x4 s(1,2) same": Case(lambda: Conv2D(2, (2, 4), stride=(1, 2), padding="same"), (4, 6, 1)),
        "5x5 same (preset conv1 kernel)": Case(lambda: Conv2D(2, 5, padding="same", activation="relu"), (6, 6, 1)),
    },
    "MaxPool2D": {
        "2x2 s2": Case(lambda: MaxPool2D(2), (4, 6, 2)),
        "2x2 s2 same odd": Case(lambda: MaxPool2D(2, padding="same"), (5, 5, 2)),
        "3x3 s2 same": Case(lambda: MaxPool2D(3, stride=2, padding="same"), (5, 6, 2)),
        "3x3 s1 overlapping": Case(lambda: MaxPool2D(3, stride=1), (5, 5, 2)),
        "3x3 s1 overlapping same": Case(lambda: MaxPool2D(3, stride=1, padding="same"), (4, 4, 1)),
    },
    "ReLU": {
        "maps": Case(ReLU, (3, 3, 2), away_from_zero=0.05),
        "vectors": Case(ReLU, (7,), away_from_zero=0.05),
    },
    "Flatten": {"maps": Case(Flatten, (3, 2, 4))},
    "Dense": {
        "linear": Case(lambda: Dense(4), (6,)),
        "relu": Case(lambda: Dense(5, activation="relu"), (6,)),
    },
    "Dropout": {
        "training, fixed mask": Case(lambda: Dropout(0.4, seed=3), (12,), before_forward=_reseed),
        "training on maps, fixed mask": Case(lambda: Dropout(0.5), (3, 3, 2), before_forward=_reseed),
    },
}


def _all_cases() -> list[tuple[str, str]]:
    return [(kind, variant) for kind, variants in CASES.items() for variant in variants]


def test_every_registered_layer_type_has_a_gradient_check_case() -> None:
    missing = sorted(set(REGISTRY) - set(CASES))
    assert not missing, f"add a gradient-check case for the newly registered layer types {missing}"
    assert set(CASES) <= set(REGISTRY), f"stale cases for unregistered types {sorted(set(CASES) - set(REGISTRY))}"


def _build_float64(case: Case, seed: int) -> Layer:
    layer = case.make()
    layer.build(case.input_shape, np.random.default_rng(seed))
    layer.need_input_grad = True
    for key in list(layer.params):
        rng = np.random.default_rng(seed + 1)
        # Non-zero biases so that their gradient is not trivially tested at 0.
        layer.params[key] = np.ascontiguousarray(
            layer.params[key].astype(np.float64) + 0.1 * rng.standard_normal(layer.params[key].shape)
        )
        layer.grads[key] = np.zeros_like(layer.params[key])
    return layer


def _input(case: Case, rng: np.random.Generator) -> np.ndarray:
    x = rng.standard_normal((case.batch, *case.input_shape))
    if case.away_from_zero:
        x = np.sign(x) * (np.abs(x) + case.away_from_zero)
    return np.ascontiguousarray(x)


@pytest.mark.parametrize(("kind", "variant"), _all_cases())
def test_layer_gradients_match_central_differences(kind: str, variant: str) -> None:
    case = CASES[kind][variant]
    layer = _build_float64(case, seed=len(variant))
    assert type(layer) is REGISTRY[kind]
    rng = np.random.default_rng(7)
    x = _input(case, rng)

    case.before_forward(layer)
    out = layer.forward(x, training=True)
    assert out.dtype == np.float64, "float64 in must stay float64 for the check to mean anything"
    assert out.shape == (case.batch, *layer.output_shape)
    r = rng.standard_normal(out.shape)
    dx = layer.backward(r.copy())
    assert dx is not None and dx.shape == x.shape
    analytic_params = {key: grad.copy() for key, grad in layer.grads.items()}

    def loss() -> float:
        case.before_forward(layer)
        return float(np.sum(layer.forward(x, training=True) * r))

    np.testing.assert_allclose(dx, naive.numerical_gradient(loss, x), atol=ATOL, rtol=RTOL, err_msg="input")
    for key, param in layer.params.items():
        np.testing.assert_allclose(
            analytic_params[key], naive.numerical_gradient(loss, param), atol=ATOL, rtol=RTOL, err_msg=key
        )
    if layer.params:
        assert any(np.abs(g).max() > 1e-3 for g in analytic_params.values()), "gradients are all ~0: weak check"


def test_dropout_mask_is_really_applied_in_the_training_check() -> None:
    # Guards the Dropout gradient check above against passing trivially with an identity "mask".
    case = CASES["Dropout"]["training, fixed mask"]
    layer = _build_float64(case, 0)
    x = np.ones((4, 12))
    case.before_forward(layer)
    out = layer.forward(x, training=True)
    assert np.any(out == 0) and np.any(out > 1)


def test_dropout_in_inference_is_the_identity_with_identity_gradient() -> None:
    layer = Dropout(0.5)
    layer.build((6,), np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((3, 6))
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    g = np.random.default_rng(2).standard_normal((3, 6))
    np.testing.assert_array_equal(layer.backward(g), g)


# ------------------------------------------------------------------------------------------ ops-level backward


@pytest.mark.parametrize(
    ("stride", "padding", "hw"),
    [((1, 1), "valid", (5, 5)), ((2, 2), "same", (6, 5)), ((3, 1), "valid", (7, 4)), ((2, 3), "same", (5, 7))],
)
def test_ops_conv2d_backward_matches_central_differences(
    stride: tuple[int, int], padding: str, hw: tuple[int, int]
) -> None:
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, *hw, 2))
    w = rng.standard_normal((3, 3, 2, 3))
    b = rng.standard_normal(3)
    r = rng.standard_normal(ops.conv2d(x, w, b, stride, padding).shape)
    dx, dw, db = ops.conv2d_backward(x, w, r, stride, padding)

    def loss() -> float:
        return float(np.sum(ops.conv2d(x, w, b, stride, padding) * r))

    assert dx is not None
    np.testing.assert_allclose(dx, naive.numerical_gradient(loss, x), atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(dw, naive.numerical_gradient(loss, w), atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(db, naive.numerical_gradient(loss, b), atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize(
    ("size", "stride", "padding"), [((2, 2), (2, 2), "valid"), ((3, 3), (2, 2), "same"), ((3, 3), (1, 1), "valid")]
)
def test_ops_max_pool2d_backward_matches_central_differences(
    size: tuple[int, int], stride: tuple[int, int], padding: str
) -> None:
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 5, 6, 2))
    out = ops.max_pool2d(x, size, stride, padding)
    r = rng.standard_normal(out.shape)
    dx = ops.max_pool2d_backward(x, out, r, size, stride, padding)

    def loss() -> float:
        return float(np.sum(ops.max_pool2d(x, size, stride, padding) * r))

    np.testing.assert_allclose(dx, naive.numerical_gradient(loss, x), atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize(("size", "stride", "padding"), [((2, 2), (2, 2), "valid"), ((3, 3), (2, 2), "same")])
def test_max_pool_backward_on_ties_passes_each_window_gradient_to_its_maxima_only(
    size: tuple[int, int], stride: tuple[int, int], padding: str
) -> None:
    # Ties (flat backgrounds are common in MNIST) have no derivative; any split among the tied maxima is a valid
    # subgradient, but the window's gradient must be conserved and must land on maximal cells only.
    x = np.zeros((1, 6, 6, 1))
    x[0, 0, 0, 0] = x[0, 0, 1, 0] = 2.0  # two tied maxima in the first window
    out = ops.max_pool2d(x, size, stride, padding)
    grad_out = np.arange(1.0, out.size + 1).reshape(out.shape)
    dx = ops.max_pool2d_backward(x, out, grad_out, size, stride, padding)
    assert dx.sum() == pytest.approx(grad_out.sum())
    assert np.all(dx >= 0)
    if stride == size:  # non-overlapping windows: each cell belongs to exactly one window
        assert dx[0, 0, 0, 0] + dx[0, 0, 1, 0] == pytest.approx(grad_out[0, 0, 0, 0])
        assert dx[0, 1, 0, 0] == dx[0, 1, 1, 0] == 0.0, "the non-maximal cells of the first window get nothing"
        window_max = np.repeat(np.repeat(out, size[0], axis=1), size[1], axis=2)
        assert np.all((dx == 0) | (x == window_max))


# ----------------------------------------------------------------------------------------------- the loss


def test_softmax_cross_entropy_value_matches_the_definition() -> None:
    rng = np.random.default_rng(5)
    logits, labels = rng.standard_normal((6, 10)) * 3, rng.integers(0, 10, 6)
    loss, _ = softmax_cross_entropy(logits, labels)
    assert loss == pytest.approx(naive.cross_entropy_loops(logits, labels), rel=1e-12)


def test_softmax_cross_entropy_gradient_matches_central_differences() -> None:
    rng = np.random.default_rng(6)
    logits, labels = rng.standard_normal((5, 10)) * 2, rng.integers(0, 10, 5)
    _, grad = softmax_cross_entropy(logits, labels)

    def loss() -> float:
        return softmax_cross_entropy(logits, labels)[0]

    np.testing.assert_allclose(grad, naive.numerical_gradient(loss, logits), atol=ATOL, rtol=RTOL)


def test_label_smoothing_loss_is_the_cross_entropy_against_the_smoothed_target() -> None:
    rng = np.random.default_rng(7)
    logits, labels = rng.standard_normal((6, 10)) * 3, rng.integers(0, 10, 6)
    loss, _ = softmax_cross_entropy(logits, labels, label_smoothing=0.1)
    expected = 0.0
    for row, label in zip(logits, labels, strict=True):
        log_probs = [float(v) - math.log(sum(math.exp(float(u)) for u in row)) for v in row]
        target = [0.1 / 10 + (0.9 if k == label else 0.0) for k in range(10)]
        expected -= sum(t * lp for t, lp in zip(target, log_probs, strict=True))
    assert loss == pytest.approx(expected / len(labels), rel=1e-12)
    assert np.isfinite(softmax_cross_entropy(logits * 1e4, labels, 0.1)[0])  # finite for very sure logits too


def test_label_smoothing_gradient_matches_central_differences() -> None:
    rng = np.random.default_rng(8)
    logits, labels = rng.standard_normal((5, 10)) * 2, rng.integers(0, 10, 5)
    _, grad = softmax_cross_entropy(logits, labels, label_smoothing=0.2)

    def loss() -> float:
        return softmax_cross_entropy(logits, labels, label_smoothing=0.2)[0]

    np.testing.assert_allclose(grad, naive.numerical_gradient(loss, logits), atol=ATOL, rtol=RTOL)


def test_label_smoothing_outside_0_to_1_is_refused() -> None:
    for bad in (-0.1, 1.0):
        with pytest.raises(ValueError, match="label_smoothing"):
            softmax_cross_entropy(np.zeros((2, 10)), np.array([1, 2]), label_smoothing=bad)


def test_soft_targets_give_the_hard_loss_for_one_hot_rows_and_match_central_differences() -> None:
    rng = np.random.default_rng(9)
    logits, labels = rng.standard_normal((5, 10)) * 2, rng.integers(0, 10, 5)
    one_hot = np.eye(10)[labels]
    for smoothing in (0.0, 0.1):
        hard = softmax_cross_entropy(logits, labels, smoothing)
        soft = softmax_cross_entropy(logits, one_hot, smoothing)
        assert soft[0] == pytest.approx(hard[0], rel=1e-12)
        np.testing.assert_allclose(soft[1], hard[1], atol=1e-15)
    targets = rng.dirichlet(np.ones(10), 5)
    _, grad = softmax_cross_entropy(logits, targets, 0.1)

    def loss() -> float:
        return softmax_cross_entropy(logits, targets, 0.1)[0]

    np.testing.assert_allclose(grad, naive.numerical_gradient(loss, logits), atol=ATOL, rtol=RTOL)
    with pytest.raises(ValueError, match="labels must have shape"):
        softmax_cross_entropy(logits, np.ones((5, 9)) / 9)


def test_softmax_cross_entropy_is_finite_for_huge_logits() -> None:
    logits = np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]])
    loss, grad = softmax_cross_entropy(logits, np.array([1, 2]))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert loss == pytest.approx((2e4 + np.log(3)) / 2)


# ------------------------------------------------------------------------------------- the whole Sequential


def _float64_model(model: Sequential, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        for key in list(layer.params):
            value = layer.params[key].astype(np.float64)
            layer.params[key] = np.ascontiguousarray(value + 0.05 * rng.standard_normal(value.shape))
            layer.grads[key] = np.zeros_like(layer.params[key])


def test_whole_small_conv_net_gradients_match_central_differences() -> None:
    model = Sequential(
        [
            Conv2D(3, 3, padding="same", activation="relu"),  # (N,6,6,1) -> (N,6,6,3)
            MaxPool2D(2),  # -> (N,3,3,3)
            Conv2D(2, 2, stride=(1, 1)),  # -> (N,2,2,2)
            ReLU(),
            Flatten(),  # -> (N,8)
            Dense(4, activation="relu"),  # -> (N,4)
            Dropout(0.3),
            Dense(3),  # -> (N,3) logits
        ],
        input_shape=(6, 6, 1),
        seed=2,
    )
    _float64_model(model, seed=3)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 6, 6, 1))
    labels = np.array([0, 2, 1])
    dropout = model.layers[6]

    def loss() -> float:
        _reseed(dropout)
        return softmax_cross_entropy(model.forward(x, training=True), labels)[0]

    _reseed(dropout)
    logits = model.forward(x, training=True)
    assert logits.dtype == np.float64
    _, dlogits = softmax_cross_entropy(logits, labels)
    model.backward(dlogits)
    analytic = {name: grad.copy() for name, _, grad in model.named_params()}
    assert len(analytic) == 8  # w and b of conv1, conv2, dense1, dense2
    for name, value, _ in model.named_params():
        np.testing.assert_allclose(
            analytic[name], naive.numerical_gradient(loss, value), atol=ATOL, rtol=RTOL, err_msg=name
        )

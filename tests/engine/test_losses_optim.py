"""Softmax cross-entropy, SGD with momentum, Adam, weight decay and learning-rate schedules.

(The loss's gradient check lives in test_gradients.py with the layers'.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from convlens.engine.losses import softmax_cross_entropy
from convlens.engine.optim import SGD, Adam, Optimizer, learning_rate, make_optimizer

# ------------------------------------------------------------------------------------------------- the loss


def test_cross_entropy_of_uniform_logits_is_log_k() -> None:
    loss, grad = softmax_cross_entropy(np.zeros((4, 10)), np.array([0, 3, 9, 5]))
    assert loss == pytest.approx(math.log(10))
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-12)
    assert grad[0, 0] == pytest.approx((0.1 - 1.0) / 4)
    assert grad[0, 1] == pytest.approx(0.1 / 4)


def test_cross_entropy_is_near_zero_for_confident_right_answers_and_large_for_wrong_ones() -> None:
    logits = np.array([[20.0, 0.0, 0.0]])
    assert softmax_cross_entropy(logits, np.array([0]))[0] < 1e-8
    assert softmax_cross_entropy(logits, np.array([1]))[0] == pytest.approx(20.0, rel=1e-6)


def test_cross_entropy_rejects_labels_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError, match="labels"):
        softmax_cross_entropy(np.zeros((3, 10)), np.zeros(4, dtype=np.int64))


def test_cross_entropy_keeps_float32_gradients_float32() -> None:
    _, grad = softmax_cross_entropy(np.zeros((2, 10), np.float32), np.array([1, 2]))
    assert grad.dtype == np.float32


# ---------------------------------------------------------------------------------------------- optimisers


def _minimise(optimizer: Optimizer, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimise f(p) = 0.5 * sum(a * (p - target)^2) over a matrix and a vector parameter."""
    rng = np.random.default_rng(0)
    target_w, target_b = rng.standard_normal((3, 4)), rng.standard_normal(4)
    a_w, a_b = rng.uniform(0.5, 2.0, (3, 4)), rng.uniform(0.5, 2.0, 4)
    w, b = np.zeros((3, 4)), np.zeros(4)
    gw, gb = np.zeros_like(w), np.zeros_like(b)
    start = 0.5 * (np.sum(a_w * target_w**2) + np.sum(a_b * target_b**2))
    for _ in range(steps):
        gw[...] = a_w * (w - target_w)
        gb[...] = a_b * (b - target_b)
        optimizer.step([w, b], [gw, gb])
    end = 0.5 * (np.sum(a_w * (w - target_w) ** 2) + np.sum(a_b * (b - target_b) ** 2))
    return np.array([start, end]), w - target_w, b - target_b


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(lr=0.1, momentum=0.0),
        lambda: SGD(lr=0.05, momentum=0.9),
        lambda: SGD(lr=0.05, momentum=0.9, nesterov=True),
        lambda: Adam(lr=0.05),
        lambda: make_optimizer("adam", 0.05),
        lambda: make_optimizer("sgd", 0.05),
    ],
)
def test_optimisers_minimise_a_quadratic(make: object) -> None:
    optimizer = make()  # type: ignore[operator]
    (start, end), dw, db = _minimise(optimizer, 400)
    assert end < 1e-6 * start
    np.testing.assert_allclose(dw, 0.0, atol=1e-3)
    np.testing.assert_allclose(db, 0.0, atol=1e-3)
    assert optimizer.t == 400


def test_sgd_without_momentum_is_p_minus_lr_g() -> None:
    p, g = np.array([[1.0, -2.0]]), np.array([[0.5, 0.25]])
    SGD(lr=0.1, momentum=0.0).step([p], [g])
    np.testing.assert_allclose(p, [[0.95, -2.025]])


def test_sgd_momentum_accumulates_velocity() -> None:
    p, g = np.array([0.0]), np.array([1.0])
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step([p], [g])
    opt.step([p], [g])
    # v1 = 1, v2 = 0.9 * 1 + 1 = 1.9; p = -0.1 * (1 + 1.9)
    np.testing.assert_allclose(p, [-0.29])


def test_adam_first_step_moves_each_parameter_by_about_lr_against_its_gradient_sign() -> None:
    p = np.array([1.0, 1.0, 1.0])
    Adam(lr=0.01).step([p], [np.array([3.0, -0.001, 50.0])])
    np.testing.assert_allclose(p, [0.99, 1.01, 0.99], rtol=1e-4)


def test_optimisers_update_float32_parameters_in_place_and_keep_their_dtype() -> None:
    for opt in (SGD(lr=0.1), Adam(lr=0.1)):
        p = np.ones((2, 2), np.float32)
        ref = p
        opt.step([p], [np.ones((2, 2), np.float32)])
        assert p is ref and p.dtype == np.float32
        assert np.all(p < 1)


@pytest.mark.parametrize("make", [lambda wd: SGD(lr=0.1, momentum=0.9, weight_decay=wd),
                                  lambda wd: Adam(lr=0.1, weight_decay=wd)])
def test_weight_decay_shrinks_weights_when_the_loss_gradient_is_zero(make: object) -> None:
    w = np.full((3, 3), 2.0)
    opt = make(0.1)  # type: ignore[operator]
    for _ in range(10):
        opt.step([w], [np.zeros_like(w)])
    assert np.all(np.abs(w) < 2.0) and np.all(w > 0)
    plain = np.full((3, 3), 2.0)
    no_decay = make(0.0)  # type: ignore[operator]
    for _ in range(10):
        no_decay.step([plain], [np.zeros_like(plain)])
    np.testing.assert_array_equal(plain, 2.0)


def test_adam_weight_decay_is_decoupled_and_spares_biases() -> None:
    w, b = np.full((2, 2), 1.0), np.full(2, 1.0)
    opt = Adam(lr=0.1, weight_decay=0.5)
    opt.step([w, b], [np.zeros_like(w), np.zeros_like(b)])
    np.testing.assert_allclose(w, 1.0 - 0.1 * 0.5)  # p *= 1 - lr * wd
    np.testing.assert_array_equal(b, 1.0)


@pytest.mark.parametrize("lr", [0.0, -1.0, math.nan, math.inf])
def test_optimisers_reject_bad_learning_rates(lr: float) -> None:
    with pytest.raises(ValueError, match="learning rate"):
        SGD(lr=lr)
    with pytest.raises(ValueError, match="learning rate"):
        Adam(lr=lr)


def test_negative_weight_decay_and_unknown_optimiser_names_are_rejected() -> None:
    with pytest.raises(ValueError):
        Adam(weight_decay=-0.1)
    with pytest.raises(ValueError, match="rmsprop"):
        make_optimizer("rmsprop", 0.1)


# ---------------------------------------------------------------------------------------------- schedules


def _curve(schedule: str, total: int = 200, base: float = 0.01, warmup: int = 0) -> np.ndarray:
    return np.array([learning_rate(schedule, base, step, total, warmup_steps=warmup) for step in range(total)])


def test_constant_schedule_is_constant() -> None:
    np.testing.assert_array_equal(_curve("constant"), 0.01)


@pytest.mark.parametrize(("schedule", "warmup"), [("onecycle", 0), ("cosine", 20)])
def test_warm_up_then_decay_schedules_rise_to_the_base_rate_then_fall(schedule: str, warmup: int) -> None:
    lrs = _curve(schedule, warmup=warmup)
    peak = int(lrs.argmax())
    assert 5 <= peak <= 100, "the peak comes after a warm-up, in the first half"
    assert lrs.max() == pytest.approx(0.01, rel=1e-6)
    assert lrs[0] < 0.5 * lrs.max()
    assert np.all(np.diff(lrs[: peak + 1]) > 0)
    assert np.all(np.diff(lrs[peak:]) <= 1e-15)
    assert lrs[-1] < 0.05 * lrs.max()
    assert np.all(lrs > 0)


def test_cosine_without_warm_up_starts_at_the_base_rate_and_ends_at_one_percent() -> None:
    lrs = _curve("cosine")
    assert lrs[0] == pytest.approx(0.01)
    assert lrs[-1] == pytest.approx(0.0001, rel=0.05)


def test_step_schedule_drops_tenfold_at_half_and_three_quarters() -> None:
    lrs = _curve("step", total=100, base=1.0)
    np.testing.assert_allclose(lrs[:50], 1.0)
    np.testing.assert_allclose(lrs[50:75], 0.1)
    np.testing.assert_allclose(lrs[75:], 0.01)


def test_unknown_schedule_is_rejected() -> None:
    with pytest.raises(ValueError, match="exponential"):
        learning_rate("exponential", 0.1, 0, 10)

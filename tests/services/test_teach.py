"""services.teach: one training step on the visitor's drawing, the gradient on every filter, and an exact undo."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from convlens.engine.data import is_cached, load_mnist
from convlens.engine.gradients import clone_model
from convlens.engine.loading import load_model
from convlens.engine.model import Sequential, load_npz_model
from convlens.resources import default_model_path, models_dir
from convlens.services.explain import GradientUnavailable, sample_digit_images
from convlens.services.teach import LEARNING_RATE, MAX_GRADIENT_NORM, Teacher, filter_strengths


@pytest.fixture(scope="module")
def shipped() -> Sequential:
    return load_npz_model(models_dir() / "default.npz")


@pytest.fixture
def teacher(shipped: Sequential) -> Teacher:
    return Teacher(clone_model(shipped))


def weight_bytes(model: Sequential) -> dict[str, bytes]:
    return {name: value.tobytes() for name, value, _ in model.named_params()}


def ambiguous_drawing(model: Sequential) -> tuple[np.ndarray, int]:
    """A blend of the sample "4" and "9" that the model reads as one of them while the other still has some say."""
    images, labels = sample_digit_images(variants=False)
    four, nine = images[4], images[9]
    best: tuple[float, np.ndarray, int] | None = None
    for t in np.linspace(0.0, 1.0, 41):
        image = np.clip((1 - t) * four + t * nine, 0.0, 1.0).astype(np.float32)
        p = model.predict_proba(image[None, ..., None])[0]
        answer = int(np.argmax(p))
        other = 9 if answer == 4 else 4
        gap = abs(float(np.log(p[other] + 1e-12)) - np.log(0.2))
        if answer in (4, 9) and (best is None or gap < best[0]):
            best = (gap, image, other)
    assert best is not None
    return best[1], best[2]


def test_one_step_raises_the_taught_digits_probability(teacher: Teacher) -> None:
    image, digit = ambiguous_drawing(teacher.model)
    before = teacher.predict(image)
    assert 0.01 < before[digit] < 0.6, before
    result = teacher.teach(image, digit)
    summary = result.as_dict()
    assert set(summary) == {"before", "after"}
    assert len(summary["before"]) == len(summary["after"]) == 10
    assert sum(summary["after"]) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(result.before, before, atol=1e-6)
    np.testing.assert_allclose(result.after, teacher.predict(image), atol=1e-6)
    assert result.after[digit] > result.before[digit] + 0.1, (result.before[digit], result.after[digit])
    assert result.loss_before == pytest.approx(-np.log(before[digit]), rel=1e-3)


def test_the_step_is_small_plain_sgd_against_the_gradient(teacher: Teacher) -> None:
    image, digit = ambiguous_drawing(teacher.model)
    grads = teacher.gradients(image, digit)
    result = teacher.teach(image, digit)
    norm = np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values()))
    factor = LEARNING_RATE * min(1.0, MAX_GRADIENT_NORM / norm)
    total = np.sqrt(sum(float(np.sum(c.astype(np.float64) ** 2)) for c in result.changes.values()))
    assert total <= LEARNING_RATE * MAX_GRADIENT_NORM * (1 + 1e-4)
    for name, change in result.changes.items():
        np.testing.assert_allclose(change, -factor * grads[name], atol=1e-6, err_msg=name)
        np.testing.assert_allclose(result.gradients[name], grads[name], rtol=1e-5, atol=1e-8)


def test_gradients_cover_every_filter_and_change_nothing(teacher: Teacher) -> None:
    image, digit = ambiguous_drawing(teacher.model)
    before = weight_bytes(teacher.model)
    grads = teacher.gradients(image, digit)
    assert weight_bytes(teacher.model) == before
    shapes = {name: value.shape for name, value, _ in teacher.model.named_params()}
    assert {name: g.shape for name, g in grads.items()} == shapes
    assert grads["conv1/w"].shape == (5, 5, 1, 16) and np.abs(grads["conv1/w"]).max() > 0
    strengths = filter_strengths(grads)
    assert list(strengths) == ["conv1", "conv2", "dense1", "dense2"]
    assert strengths["conv2"].shape == (32,) and np.all(strengths["conv2"] >= 0)


def test_undo_restores_the_weights_bit_for_bit(teacher: Teacher) -> None:
    images, labels = sample_digit_images(variants=False)
    original = weight_bytes(teacher.model)
    assert not teacher.can_undo and teacher.undo() is False
    teacher.teach(images[3], 8)
    after_one = weight_bytes(teacher.model)
    assert after_one != original
    teacher.teach(images[5], 6)
    assert teacher.steps == 2
    assert teacher.undo() is True
    assert weight_bytes(teacher.model) == after_one
    assert teacher.undo() is True
    assert weight_bytes(teacher.model) == original
    assert not teacher.can_undo


def test_for_predictor_teaches_the_twin_and_refuses_an_onnx_file_alone(tmp_path: Path) -> None:
    npz_before = (models_dir() / "default.npz").read_bytes()
    teacher = Teacher.for_predictor(load_model(default_model_path()))
    teacher.teach(sample_digit_images(variants=False)[0][7], 1)
    assert (models_dir() / "default.npz").read_bytes() == npz_before, "the file on disk is never changed"
    lonely = tmp_path / "alone.onnx"
    shutil.copyfile(default_model_path(), lonely)
    with pytest.raises(GradientUnavailable, match=r"alone\.onnx"):
        Teacher.for_predictor(load_model(lonely))
    with pytest.raises(ValueError, match="digit"):
        teacher.teach(sample_digit_images(variants=False)[0][7], 10)


@pytest.mark.mnist
def test_one_step_costs_less_than_a_point_of_mnist_accuracy(shipped: Sequential) -> None:
    """Ten misread test digits, each taught its true label and undone: measured drop 0.1 point on average."""
    if not is_cached():
        pytest.skip("real MNIST not in the user cache (run `convlens data fetch`)")
    data = load_mnist(allow_download=False)
    held_x, held_y = data.x_test[:1000], data.y_test[:1000]
    pool_x, pool_y = data.x_test[2000:], data.y_test[2000:]
    wrong = np.flatnonzero(shipped.predict(pool_x) != pool_y)[:10]
    teacher = Teacher(clone_model(shipped))
    base = float(np.mean(teacher.model.predict(held_x) == held_y))
    original = weight_bytes(teacher.model)
    for index in wrong:
        result = teacher.teach(pool_x[index, ..., 0], int(pool_y[index]))
        assert result.after[pool_y[index]] > result.before[pool_y[index]]
        accuracy = float(np.mean(teacher.model.predict(held_x) == held_y))
        assert base - accuracy < 0.01, (index, base, accuracy)
        teacher.undo()
    assert weight_bytes(teacher.model) == original


def test_undo_keeps_a_bounded_history_and_reset_always_reaches_the_original(shipped: Sequential) -> None:
    """A visitor pressing Teach again and again must not fill the memory: only the last few steps are kept one by
    one, and reset() goes back to the original weights bit for bit however many steps were taken."""
    teacher = Teacher(clone_model(shipped), max_undo=3)
    original = weight_bytes(teacher.model)
    image = sample_digit_images(variants=False)[0][3]
    for _ in range(8):
        teacher.teach(image, 5)
    assert teacher.steps == 8 and weight_bytes(teacher.model) != original
    assert sum(teacher.undo() for _ in range(5)) == 3
    assert teacher.steps == 5 and not teacher.can_undo
    assert teacher.reset() and teacher.steps == 0
    assert weight_bytes(teacher.model) == original
    assert not teacher.reset() and not teacher.undo()

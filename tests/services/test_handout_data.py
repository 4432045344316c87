"""The handout's numbers (``convlens.services.handout``), without Qt: the lecture's tables, the pupil's digit, the
network's stages."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from convlens.engine.lesson_data import LECTURE_POOLED_4X4, LECTURE_TABLE_7X7
from convlens.services.handout import STEP_COUNT, build_handout, stages_from_architecture


def a_seven() -> np.ndarray:
    image = np.zeros((28, 28))
    image[6:9, 7:21] = 1.0  # the bar
    for r in range(9, 24):
        c = 19 - (r - 9) // 2
        image[r, c - 1 : c + 2] = 1.0  # the stem
    return image


def test_every_step_has_a_page_and_the_lecture_tables_are_the_lecture_s() -> None:
    probs = np.full(10, 0.02)
    probs[7] = 0.82
    handout = build_handout(a_seven(), probs, model_name="m.onnx", date=dt.date(2026, 11, 30))
    assert len(handout.steps()) == STEP_COUNT == 7
    assert handout.cover.digit == 7 and handout.cover.model_name == "m.onnx"
    assert handout.cover.date == dt.date(2026, 11, 30)
    assert handout.conv2d.matches_lecture and np.array_equal(handout.conv2d.x_table, LECTURE_TABLE_7X7)
    assert handout.pooling.matches_lecture and np.array_equal(handout.pooling.pooled, LECTURE_POOLED_4X4)
    assert handout.pooling.winners.sum() == 16  # one winner per pooling window
    assert handout.conv2d.x_step.value == pytest.approx(7 / 9)  # the first window: 0.77 in the lecture


def test_the_pages_are_computed_on_the_pupil_s_digit() -> None:
    image = a_seven()
    handout = build_handout(image, None)
    assert handout.cover.digit is None and handout.cover.probabilities is None
    assert handout.pixels.values.max() == 255 and handout.pixels.nonzero == int(np.count_nonzero(image))
    assert image[handout.conv1d.row].sum() == image.sum(axis=1).max()  # a row with the most ink
    assert np.allclose(handout.conv1d.signal, image[handout.conv1d.row])
    assert handout.conv1d.step.n == int(np.argmax(np.abs(handout.conv1d.output)))
    assert handout.conv2d.digit_map.shape == (26, 26) and np.abs(handout.conv2d.digit_map).max() > 0
    assert handout.pooling.digit_map.shape == (26, 26) and handout.pooling.digit_pooled.shape == (13, 13)
    assert handout.tensors.batch_shape == (1, 28, 28, 1)
    shapes = {(row.stride, row.padding): (row.x_shape, row.digit_shape) for row in handout.stride.rows}
    assert shapes[((2, 2), "valid")] == ((4, 4), (13, 13))
    assert shapes[((2, 2), "same")] == ((5, 5), (14, 14))
    assert shapes[((3, 1), "valid")] == ((3, 7), (9, 26))
    assert [e.output.shape for e in handout.stride.examples] == [(4, 4), (5, 5)]


def test_an_empty_image_still_gives_every_page() -> None:
    handout = build_handout(np.zeros((28, 28)), None)
    assert handout.conv1d.row == 14 and not handout.conv1d.output.any()
    assert handout.pixels.nonzero == 0


def test_the_stages_come_from_the_card_or_from_the_computed_shapes() -> None:
    card = {"architecture": [
        {"name": "conv1", "type": "Conv2D", "output_shape": [28, 28, 8]},
        {"name": "pool1", "type": "MaxPool2D", "output_shape": [14, 14, 8]},
        {"name": "flatten", "type": "Flatten", "output_shape": [1568]},
        {"name": "dense", "type": "Dense", "output_shape": [10]},
    ]}
    for metadata in (card, {"model_card": card}):
        stages = build_handout(a_seven(), None, metadata=metadata).stacking.stages
        assert [s.name for s in stages] == ["image", "conv1", "pool1", "flatten", "dense", "probs"]
        assert [s.feature for s in stages] == [True, True, True, False, False, False]
        assert stages[1].shape == (1, 28, 28, 8) and stages[-1].shape == (1, 10)
    shapes = [("image", (28, 28, 1)), ("c", (28, 28, 4)), ("p", (14, 14, 4)), ("d", (10,)), ("probs", (10,))]
    stages = build_handout(a_seven(), None, shapes=shapes, kinds={"c": "conv", "p": "pool", "d": "dense"}).stacking
    assert [(s.name, s.kind, s.feature) for s in stages.stages] == [
        ("image", "input", True), ("c", "conv", True), ("p", "pool", True), ("d", "dense", False),
        ("probs", "softmax", False),
    ]
    assert stages_from_architecture([]) == []


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="28x28"):
        build_handout(np.zeros((10, 10)), None)
    with pytest.raises(ValueError, match="10 probabilities"):
        build_handout(np.zeros((28, 28)), [0.5, 0.5])

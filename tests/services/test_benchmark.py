"""services.benchmark: the figures of the drawn-digit benchmark that explain its confident mistakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convlens.engine import drawn
from convlens.services.benchmark import classification_figures, drawn_figures, shared_confident_mistakes


def test_shared_confident_mistakes_needs_the_same_wrong_digit_and_both_sure() -> None:
    y = np.array([0, 0, 0, 0, 1])
    probs = np.array([
        [0.01, 0.98, 0.01],  # sure & wrong (1); other: sure 1 -> shared
        [0.01, 0.98, 0.01],  # sure & wrong (1); other: sure 2 -> a different digit
        [0.01, 0.98, 0.01],  # sure & wrong (1); other: 1 but unsure
        [0.30, 0.60, 0.10],  # wrong but unsure: not counted
        [0.01, 0.98, 0.01],  # right
    ])
    other = np.array([
        [0.0, 0.99, 0.01],
        [0.0, 0.01, 0.99],
        [0.3, 0.60, 0.10],
        [0.0, 1.00, 0.00],
        [0.0, 1.00, 0.00],
    ])
    assert shared_confident_mistakes(probs, other, y) == {"confident_wrong": 3, "shared": 1}
    assert shared_confident_mistakes(probs, probs, y) == {"confident_wrong": 3, "shared": 3}


def test_classification_figures_report_the_sure_mistakes_the_confidences_announce() -> None:
    probs = np.array([[0.97, 0.03], [0.6, 0.4], [0.99, 0.01]])
    figures = classification_figures(probs, np.array([1, 1, 0]))
    assert figures["calibrated_confident_wrong"] == pytest.approx(0.04)
    assert figures["confident_wrong"] == 1 and figures["wrong"] == 2


def test_drawn_figures_can_keep_the_pooled_probabilities(fake_mnist: Any, tmp_path: Path) -> None:
    """The pooled probabilities are the model's answers, cell after cell, with the labels repeated."""
    from convlens.engine.data import TEST_IMAGES, TEST_LABELS

    x = (fake_mnist.arrays[TEST_IMAGES][:12, ..., None] / np.float32(255.0)).astype(np.float32)
    y = fake_mnist.arrays[TEST_LABELS][:12].astype(np.int64)
    def predict(images: np.ndarray) -> np.ndarray:
        p = np.full((len(images), 10), 0.01, dtype=np.float32)
        p[:, 3] = 0.91
        return p

    figures = drawn_figures(predict, x, y, "fake", cache_dir=tmp_path, keep_probabilities=True)
    cells = len(drawn.benchmark_cells())
    assert figures["probabilities"].shape == (cells * 12, 10)
    assert np.array_equal(figures["labels"], np.tile(y, cells))
    assert figures["all"]["wrong"] == int(np.sum(np.tile(y, cells) != 3))
    assert "probabilities" not in drawn_figures(predict, x, y, "fake", cache_dir=tmp_path)


def test_drawn_figures_of_other_pens_report_just_those_pens(fake_mnist: Any, tmp_path: Path) -> None:
    from convlens.engine.data import TEST_IMAGES, TEST_LABELS

    x = (fake_mnist.arrays[TEST_IMAGES][:6, ..., None] / np.float32(255.0)).astype(np.float32)
    y = fake_mnist.arrays[TEST_LABELS][:6].astype(np.int64)
    figures = drawn_figures(lambda images: np.full((len(images), 10), 0.1, np.float32), x, y, "fake",
                            cache_dir=tmp_path, cells=drawn.COARSE_CELLS)
    assert [(c["width"], c["spacing"]) for c in figures["cells"]] == list(drawn.COARSE_CELLS)
    assert figures["all"]["n"] == len(drawn.COARSE_CELLS) * 6

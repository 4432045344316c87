"""services.visualize: what each filter wants to see (activation maximisation in the NumPy engine)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convlens.engine.layers import Conv2D, Dense, Flatten, MaxPool2D
from convlens.engine.model import Sequential, load_npz_model
from convlens.resources import models_dir
from convlens.services.visualize import (
    filter_pictures,
    own_picture_wins,
    response_matrix,
    save_pictures,
    visualizable_layers,
)


@pytest.fixture(scope="module")
def shipped() -> Sequential:
    return load_npz_model(models_dir() / "default.npz")


@pytest.mark.parametrize("layer", ["conv1", "conv2"])
def test_each_filter_responds_most_to_its_own_picture(shipped: Sequential, layer: str) -> None:
    """The bar is 90% of the filters of every conv layer; measured on the shipped model: 16/16 and 32/32."""
    assert [name for name in visualizable_layers(shipped, dense=False)] == ["conv1", "conv2"]
    pictures = filter_pictures(shipped, layer)
    count = shipped.conv_filters()[layer].shape[-1]
    assert pictures.images.shape == (count, 28, 28) and pictures.images.dtype == np.float32
    assert pictures.images.min() >= 0.0 and pictures.images.max() <= 1.0
    wins = own_picture_wins(shipped, pictures)
    assert wins.mean() >= 0.9, f"{layer}: {wins.mean():.0%}; losers {np.flatnonzero(~wins).tolist()}"
    r = response_matrix(shipped, layer, pictures.images)
    np.testing.assert_allclose(np.diag(r), pictures.activations, rtol=1e-5, atol=1e-6)
    assert np.all(pictures.activations > 0)


def test_pictures_are_deterministic_per_seed(shipped: Sequential) -> None:
    a = filter_pictures(shipped, "conv1", units=[0, 3], steps=12, candidates=8, restarts=0)
    b = filter_pictures(shipped, "conv1", units=[0, 3], steps=12, candidates=8, restarts=0)
    c = filter_pictures(shipped, "conv1", units=[0, 3], steps=12, candidates=8, restarts=0, seed=1)
    np.testing.assert_array_equal(a.images, b.images)
    assert not np.array_equal(a.images, c.images)
    assert a.units.tolist() == [0, 3]


def test_climbing_raises_the_activation(shipped: Sequential) -> None:
    short = filter_pictures(shipped, "conv2", units=[4, 9], steps=1, restarts=0)
    long = filter_pictures(shipped, "conv2", units=[4, 9], steps=60, restarts=0)
    assert np.all(long.activations > short.activations)


def test_dense_units_and_small_models() -> None:
    model = Sequential([Conv2D(2, 3, padding="same", activation="relu"), MaxPool2D(2), Flatten(),
                        Dense(5, activation="relu"), Dense(10)], seed=1)
    assert visualizable_layers(model) == ["conv1", "dense1"]
    pictures = filter_pictures(model, "dense1", steps=10)
    assert pictures.images.shape == (5, 28, 28) and pictures.activations.shape == (5,)
    with pytest.raises(ValueError, match=r"choose one of \['conv1', 'dense1'\]"):
        filter_pictures(model, "dense2")
    with pytest.raises(ValueError, match="units"):
        filter_pictures(model, "conv1", units=[2])


def test_save_pictures_writes_28x28_white_on_black_pngs(shipped: Sequential, tmp_path: Path) -> None:
    pictures = filter_pictures(shipped, "conv1", units=[1, 5], steps=5, restarts=0)
    paths = save_pictures(pictures, tmp_path / "out")
    assert [p.name for p in paths] == ["conv1_1.png", "conv1_5.png"]
    for path, image in zip(paths, pictures.images, strict=True):
        with Image.open(path) as png:
            assert png.size == (28, 28) and png.mode == "L"
            pixels = np.asarray(png)
        np.testing.assert_array_equal(pixels, np.round(image * 255).astype(np.uint8))

"""Layers one by one: shapes inferred at build, forward maths, configs, initialisation, argument checks."""

from __future__ import annotations

from collections.abc import Callable

import naive
import numpy as np
import pytest

from convlens.engine import ops
from convlens.engine.init import glorot_uniform, he_normal
from convlens.engine.layers import REGISTRY, Conv2D, Dense, Dropout, Flatten, Layer, MaxPool2D, ReLU, layer_from_config

# A small instance of every registered type, on a few input shapes (a test fails when a type is missing).
EXAMPLES: list[tuple[str, Callable[[], Layer], tuple[int, ...]]] = [
    ("Conv2D", lambda: Conv2D(4, 3), (9, 9, 1)),
    ("Conv2D", lambda: Conv2D(2, 3, stride=(3, 1), padding="same", activation="relu"), (9, 9, 3)),
    ("Conv2D", lambda: Conv2D(5, (2, 4), stride=2), (7, 8, 2)),
    ("MaxPool2D", lambda: MaxPool2D(2), (7, 7, 3)),
    ("MaxPool2D", lambda: MaxPool2D(2, padding="same"), (7, 7, 3)),
    ("MaxPool2D", lambda: MaxPool2D(3, stride=1), (6, 5, 2)),
    ("ReLU", ReLU, (4, 4, 2)),
    ("ReLU", ReLU, (10,)),
    ("Flatten", Flatten, (3, 4, 5)),
    ("Dense", lambda: Dense(7), (12,)),
    ("Dense", lambda: Dense(3, activation="relu"), (5,)),
    ("Dropout", lambda: Dropout(0.3), (6,)),
    ("Dropout", lambda: Dropout(0.5), (3, 3, 2)),
]


def test_every_registered_layer_type_has_a_shape_example() -> None:
    assert set(REGISTRY) <= {kind for kind, _, _ in EXAMPLES}


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize(("kind", "make", "input_shape"), EXAMPLES, ids=[f"{k}{s}" for k, _, s in EXAMPLES])
def test_output_shape_inferred_at_build_equals_the_forward_shape(
    kind: str, make: Callable[[], Layer], input_shape: tuple[int, ...], training: bool
) -> None:
    layer = make()
    assert layer.type_name == kind
    shape = layer.build(input_shape, np.random.default_rng(0))
    assert shape == layer.output_shape
    assert layer.input_shape == input_shape
    x = np.random.default_rng(1).random((3, *input_shape), dtype=np.float32)
    out = layer.forward(x, training=training)
    assert out.shape == (3, *layer.output_shape)
    assert out.dtype == np.float32
    assert set(layer.grads) == set(layer.params)
    for key, value in layer.params.items():
        assert layer.grads[key].shape == value.shape
        assert value.dtype == np.float32


@pytest.mark.parametrize(("kind", "make", "input_shape"), EXAMPLES, ids=[f"{k}{s}" for k, _, s in EXAMPLES])
def test_config_round_trips_through_layer_from_config(
    kind: str, make: Callable[[], Layer], input_shape: tuple[int, ...]
) -> None:
    layer = make()
    clone = layer_from_config({"type": kind, "name": "x", **layer.get_config()})
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()
    assert clone.name == "x"


def test_describe_lists_type_name_hyper_parameters_shapes_and_param_count() -> None:
    layer = Conv2D(4, 3, stride=(3, 1), padding="same", activation="relu", name="conv9")
    layer.build((9, 9, 2), np.random.default_rng(0))
    d = layer.describe()
    assert d["type"] == "Conv2D" and d["name"] == "conv9"
    assert d["filters"] == 4 and list(d["kernel"]) == [3, 3] and list(d["stride"]) == [3, 1]
    assert d["padding"] == "same" and d["activation"] == "relu"
    assert list(d["input_shape"]) == [9, 9, 2] and list(d["output_shape"]) == [3, 9, 4]
    assert d["params"] == 3 * 3 * 2 * 4 + 4


# ------------------------------------------------------------------------------------------ forward maths


@pytest.mark.parametrize("activation", [None, "relu"])
def test_conv2d_layer_forward_is_ops_conv2d_with_its_params(activation: str | None) -> None:
    layer = Conv2D(3, 3, stride=(2, 1), padding="same", activation=activation)
    layer.build((7, 6, 2), np.random.default_rng(0))
    assert layer.params["w"].shape == (3, 3, 2, 3)
    assert layer.params["b"].shape == (3,)
    layer.params["b"][:] = [0.5, -0.5, 0.0]
    x = np.random.default_rng(1).standard_normal((2, 7, 6, 2)).astype(np.float32)
    expected = naive.conv2d_loops(x, layer.params["w"], layer.params["b"], (2, 1), "same")
    if activation == "relu":
        expected = np.maximum(expected, 0)
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("activation", [None, "relu"])
def test_dense_forward_is_x_at_w_plus_b(activation: str | None) -> None:
    layer = Dense(4, activation=activation)
    layer.build((6,), np.random.default_rng(0))
    assert layer.params["w"].shape == (6, 4)
    layer.params["b"][:] = [1.0, -1.0, 0.25, 0.0]
    x = np.random.default_rng(1).standard_normal((3, 6)).astype(np.float32)
    expected = x.astype(np.float64) @ layer.params["w"] + layer.params["b"]
    if activation == "relu":
        expected = np.maximum(expected, 0)
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-5, atol=1e-6)


def test_maxpool_layer_stride_defaults_to_its_size_and_matches_ops() -> None:
    layer = MaxPool2D(3)
    assert layer.stride == (3, 3)
    layer.build((9, 9, 2), np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((2, 9, 9, 2))
    np.testing.assert_array_equal(layer.forward(x), ops.max_pool2d(x, 3, 3))


def test_relu_forward_is_max_zero_x() -> None:
    layer = ReLU()
    layer.build((5,), np.random.default_rng(0))
    x = np.array([[-2.0, -0.0, 0.5, 3.0, -1e-9]])
    np.testing.assert_array_equal(layer.forward(x), [[0.0, 0.0, 0.5, 3.0, 0.0]])


def test_flatten_uses_nhwc_order_channels_fastest() -> None:
    layer = Flatten()
    layer.build((2, 3, 4), np.random.default_rng(0))
    x = np.arange(2 * 2 * 3 * 4, dtype=np.float32).reshape(2, 2, 3, 4)
    out = layer.forward(x, training=True)
    assert out.shape == (2, 24)
    for i, j, c in [(0, 0, 1), (1, 2, 3), (0, 1, 0)]:
        assert out[1, (i * 3 + j) * 4 + c] == x[1, i, j, c]
    np.testing.assert_array_equal(layer.backward(out), x)


def test_dropout_drops_about_rate_and_rescales_in_training_only() -> None:
    layer = Dropout(0.25, seed=5)
    layer.build((1000,), np.random.default_rng(0))
    x = np.ones((4, 1000), dtype=np.float32)
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    out = layer.forward(x, training=True)
    dropped = np.mean(out == 0)
    assert 0.2 < dropped < 0.3
    np.testing.assert_allclose(out[out != 0], 1 / 0.75, rtol=1e-6)
    assert abs(out.mean() - 1.0) < 0.05  # inverted dropout keeps the mean


def test_dropout_same_seed_same_mask() -> None:
    def mask(seed: int) -> np.ndarray:
        layer = Dropout(0.5, seed=seed)
        layer.build((50,), np.random.default_rng(0))
        return layer.forward(np.ones((2, 50), np.float32), training=True)

    np.testing.assert_array_equal(mask(3), mask(3))
    assert not np.array_equal(mask(3), mask(4))


@pytest.mark.parametrize("make", [lambda: Conv2D(2, 3), lambda: Dense(3), lambda: MaxPool2D(2), ReLU])
def test_backward_before_a_training_forward_is_a_runtime_error(make: Callable[[], Layer]) -> None:
    layer = make()
    shape = (4,) if isinstance(layer, Dense) else (4, 4, 1)
    layer.build(shape, np.random.default_rng(0))
    x = np.ones((1, *shape), np.float32)
    layer.forward(x, training=False)  # inference does not keep what backward needs
    with pytest.raises(RuntimeError):
        layer.backward(np.ones((1, *layer.output_shape), np.float32))


# ------------------------------------------------------------------------------------------ initialisation


def test_he_normal_has_std_sqrt_2_over_fan_in_and_is_seeded() -> None:
    w = he_normal((200, 300), 200, np.random.default_rng(0))
    assert w.dtype == np.float32
    assert w.std() == pytest.approx(np.sqrt(2 / 200), rel=0.03)
    assert abs(w.mean()) < 0.01
    np.testing.assert_array_equal(w, he_normal((200, 300), 200, np.random.default_rng(0)))
    assert not np.array_equal(w, he_normal((200, 300), 200, np.random.default_rng(1)))


def test_glorot_uniform_stays_within_its_limit_and_fills_it() -> None:
    limit = np.sqrt(6 / (50 + 70))
    w = glorot_uniform((50, 70), 50, 70, np.random.default_rng(0))
    assert w.dtype == np.float32
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.95 * limit
    assert w.std() == pytest.approx(limit / np.sqrt(3), rel=0.05)


def test_relu_layers_use_he_init_and_others_glorot() -> None:
    relu = Dense(400, activation="relu")
    relu.build((400,), np.random.default_rng(0))
    linear = Dense(400)
    linear.build((400,), np.random.default_rng(0))
    assert relu.params["w"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.05)
    assert linear.params["w"].std() == pytest.approx(np.sqrt(6 / 800) / np.sqrt(3), rel=0.05)
    assert not relu.params["b"].any() and not linear.params["b"].any()


# --------------------------------------------------------------------------------------- argument checks


@pytest.mark.parametrize(
    "make",
    [
        lambda: Conv2D(0, 3),
        lambda: Conv2D(2, 0),
        lambda: Conv2D(2, 3, stride=0),
        lambda: Conv2D(2, 3, padding="full"),
        lambda: Conv2D(2, 3, activation="tanh"),
        lambda: Dense(0),
        lambda: Dense(3, activation="sigmoid"),
        lambda: Dropout(1.0),
        lambda: Dropout(-0.1),
        lambda: MaxPool2D(0),
        lambda: MaxPool2D(2, padding="SAME"),
    ],
)
def test_bad_hyper_parameters_are_value_errors(make: Callable[[], Layer]) -> None:
    with pytest.raises(ValueError):
        make()


def test_layer_from_config_rejects_unknown_types_and_arguments_by_name() -> None:
    with pytest.raises(ValueError, match="Conv3D"):
        layer_from_config({"type": "Conv3D", "filters": 3})
    with pytest.raises(ValueError, match="bogus"):
        layer_from_config({"type": "Dense", "units": 3, "bogus": 1})
    with pytest.raises(ValueError, match="type"):
        layer_from_config({"units": 3})


@pytest.mark.parametrize(
    ("make", "input_shape"),
    [
        (lambda: Conv2D(2, 5), (4, 4, 1)),
        (lambda: Conv2D(2, 3), (10,)),
        (lambda: Dense(3), (4, 4, 1)),
        (lambda: MaxPool2D(3), (2, 2, 1)),
        (lambda: MaxPool2D(2), (8,)),
    ],
)
def test_layers_refuse_input_shapes_they_cannot_take(make: Callable[[], Layer], input_shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        make().build(input_shape, np.random.default_rng(0))

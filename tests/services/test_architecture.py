"""services.architecture: the editor's layer lists, shape checks, counts, FLOPs and the time estimate."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import numpy as np
import pytest

from convlens.engine.data import load_mnist
from convlens.engine.model import Sequential
from convlens.engine.presets import PRESETS
from convlens.engine.train import TrainConfig, fit
from convlens.services.architecture import (
    MAX_PARAMS,
    TEMPLATES,
    ArchitectureSpec,
    ConvBlock,
    check,
    check_layers,
    estimate_seconds,
    forward_flops,
    measure_rate,
    parameter_count,
    round_seconds,
    trace,
    training_flops,
    validate,
)
from convlens.services.jobs import Cancelled
from convlens.services.recipes import QUICK
from convlens.services.training import TrainingOutcome, TrainingRequest, run_training


def naive_forward_flops(model: Sequential) -> int:
    """2 x multiply-adds counted from the BUILT engine model: each weight is used once per output position."""
    total = 0
    for layer in model.layers:
        if "w" not in layer.params:
            continue
        positions = layer.output_shape[0] * layer.output_shape[1] if len(layer.output_shape) == 3 else 1
        total += 2 * layer.params["w"].size * positions
    return total


SPECS = [
    ArchitectureSpec(),
    ArchitectureSpec((ConvBlock(4, 3, "valid", False),), dense_units=0),
    ArchitectureSpec((ConvBlock(8, 7, "valid"), ConvBlock(6, 1, "same", False), ConvBlock(5, 4, "valid")), 17, 0.5),
    ArchitectureSpec((ConvBlock(3, 2, "same"), ConvBlock(3, 6, "same"), ConvBlock(2, 3, "same")), 8, 0.0),
]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_have_the_editors_form(name: str) -> None:
    spec = ArchitectureSpec.from_layers(PRESETS[name])
    assert spec is not None
    assert spec.layers() == PRESETS[name]
    assert check(spec) == []


def test_lists_of_another_form_are_not_editor_specs() -> None:
    layers = [dict(layer) for layer in PRESETS["default"]]
    layers[0] = {**layers[0], "stride": [2, 2]}
    assert ArchitectureSpec.from_layers(layers) is None
    assert ArchitectureSpec.from_layers([{"type": "Flatten"}, {"type": "Dense", "units": 10}]) is None
    assert ArchitectureSpec.from_layers([{"type": "Conv2D"}]) is None  # no filters: not a spec, no KeyError


@pytest.mark.parametrize("spec", SPECS)
def test_parameter_count_matches_the_built_model(spec: ArchitectureSpec) -> None:
    assert check(spec) == []
    model = Sequential.from_config(spec.layers())
    assert parameter_count(spec.layers()) == model.param_count()
    assert forward_flops(spec.layers()) == naive_forward_flops(model)
    assert training_flops(spec.layers()) == 3 * forward_flops(spec.layers())


def test_default_network_by_hand() -> None:
    layers = PRESETS["default"]
    conv1 = 2 * (28 * 28 * 16) * (5 * 5 * 1)  # 627,200: every output value is a 25-tap dot product
    conv2 = 2 * (14 * 14 * 32) * (3 * 3 * 16)  # 1,806,336
    dense1 = 2 * (7 * 7 * 32) * 64  # 200,704
    dense2 = 2 * 64 * 10  # 1,280
    assert forward_flops(layers) == conv1 + conv2 + dense1 + dense2 == 2_635_520
    params = (5 * 5 * 16 + 16) + (3 * 3 * 16 * 32 + 32) + (1568 * 64 + 64) + (64 * 10 + 10)
    assert parameter_count(layers) == params == 106_122


def test_impossible_shape_says_which_block_and_why() -> None:
    spec = ArchitectureSpec((ConvBlock(8, 5, "valid"), ConvBlock(8, 5, "valid"), ConvBlock(8, 5, "valid")))
    # 28 -5+1-> 24 -pool-> 12 -5+1-> 8 -pool-> 4: a 5x5 filter without padding needs at least 5x5
    assert validate(spec) == [str(p) for p in check(spec)]
    problems = check(spec)
    assert [str(p) for p in problems] == [
        "Block 3's 5x5 filter does not fit the 4x4 map left after 2 poolings: use a smaller filter, \"same\" "
        "padding or less pooling."
    ]
    one = check(ArchitectureSpec((ConvBlock(4, 7, "valid"), ConvBlock(4, 7, "valid", False), ConvBlock(4, 7,
                                                                                                         "valid"))))
    assert [p.kind for p in one] == ["conv_fit_1"] and "5x5 map left after one pooling" in str(one[0])
    pool = check(ArchitectureSpec((ConvBlock(4, 4, "valid"), ConvBlock(4, 4, "valid"), ConvBlock(4, 4, "valid"))))
    # 25 -> 12 -> 9 -> 4 -> 1: the third 2x2 pooling gets a 1x1 map
    assert [str(p) for p in pool] == [
        "Block 3's 2x2 pooling does not fit the 1x1 map its filter leaves: switch that pooling off, or use \"same\" "
        "padding or a smaller filter."
    ]


def test_shape_check_agrees_with_the_engine() -> None:
    """Every 3-block combination of filter size, padding and pooling: refused exactly when the engine refuses."""
    choices = list(itertools.product((2, 4, 5, 7), ("same", "valid"), (True, False)))
    refused = 0
    for combo in itertools.product(choices, repeat=3):
        spec = ArchitectureSpec(tuple(ConvBlock(1, k, pad, pool) for k, pad, pool in combo), dense_units=0)
        _, problem = trace(spec)
        try:
            Sequential.from_config(spec.layers())
            built = True
        except ValueError:
            built = False
        assert built == (problem is None), (combo, problem)
        refused += problem is not None
    assert 0 < refused < len(choices) ** 3


def test_out_of_range_values_and_size_limits() -> None:
    problems = check(ArchitectureSpec((ConvBlock(0, 9),), dense_units=600, dropout=0.9))
    assert [p.kind for p in problems] == ["filters", "kernel", "dense", "dropout"]
    assert str(problems[0]) == "Block 1 needs between 1 and 64 filters, not 0."
    assert [p.kind for p in check(ArchitectureSpec(()))] == ["blocks"]
    huge = ArchitectureSpec((ConvBlock(64, 7, "same", False),) * 3, dense_units=512)
    kinds = {p.kind: str(p) for p in check(huge)}
    assert set(kinds) == {"params", "flops", "memory"}
    assert f"{MAX_PARAMS:,}" in kinds["params"]
    assert all(p.kind in TEMPLATES for p in problems)


def test_check_layers_on_any_list() -> None:
    assert check_layers(PRESETS["small"]) == []
    other = [{"type": "Flatten"}, {"type": "Dense", "units": 2000, "activation": "relu"},
             {"type": "Dense", "units": 10}]
    assert [p.kind for p in check_layers(other)] == ["params"]  # 784 * 2000 weights
    with pytest.raises(ValueError, match="kernel"):
        check_layers([{"type": "Conv2D", "filters": 2, "kernel": [30, 30]}, {"type": "Flatten"},
                      {"type": "Dense", "units": 10}])


def test_rounding() -> None:
    assert [round_seconds(s) for s in (0.2, 7.4, 64, 1234)] == [1, 7, 60, 1260]


def test_measure_rate_stops_on_cancel() -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        measure_rate(PRESETS["small"], 16, cancel=cancel)


@pytest.mark.parametrize("name", ["small", "default"])
def test_estimate_is_close_to_a_real_run(name: str) -> None:
    layers = PRESETS[name]
    rate = measure_rate(layers, batch_size=64, steps=3)
    assert rate.flops_per_second > 0 and rate.batch_size == 64
    rng = np.random.default_rng(1)
    x = rng.random((1280, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, len(x))
    model = Sequential.from_config(layers)
    started = time.perf_counter()
    for _ in fit(model, x, y, TrainConfig(epochs=2, batch_size=64, workers=1)):
        pass
    real = time.perf_counter() - started
    estimate = estimate_seconds(layers, len(x), 2, rate, workers=1)
    assert real / 3 < estimate < real * 3, (estimate, real)
    # testing and validation add forward passes at the measured inference rate
    assert rate.forward_flops_per_second > 0
    tested = estimate_seconds(layers, len(x), 2, rate, workers=1, test_images=1000)
    assert tested - estimate == pytest.approx(forward_flops(layers) * 1000 / rate.forward_flops_per_second)
    assert estimate_seconds(layers, len(x), 2, rate, workers=1, validation_images=100) > estimate


def run(request: TrainingRequest) -> TrainingOutcome:
    job = run_training(request, lambda: load_mnist(allow_download=False))
    while True:
        try:
            next(job)
        except StopIteration as stop:
            outcome: TrainingOutcome = stop.value
            return outcome


def test_an_edited_network_trains_and_the_card_records_it(fake_mnist: Any) -> None:
    spec = ArchitectureSpec((ConvBlock(4, 3, "valid"), ConvBlock(6, 3, "same", False)), dense_units=12, dropout=0.1)
    layers = tuple(spec.layers())
    recipe = QUICK.with_overrides(epochs=1, batch_size=32, pen_fraction=0.0)
    outcome = run(TrainingRequest(recipe=recipe, layers=layers, workers=1, train_size=96, test_limit=40))
    assert outcome.model.param_count() == parameter_count(layers)
    assert [layer["type"] for layer in outcome.model.architecture()] == [layer["type"] for layer in layers]
    card = outcome.card
    assert card["architecture_preset"] == "custom"
    assert card["custom_architecture"]["layers"] == list(layers)
    assert card["custom_architecture"]["forward_flops_per_image"] == forward_flops(layers)
    assert card["parameters"] == parameter_count(layers)


def test_an_impossible_network_is_refused_with_its_sentence(fake_mnist: Any) -> None:
    spec = ArchitectureSpec((ConvBlock(8, 5, "valid"),) * 3)
    with pytest.raises(ValueError, match="Block 3's 5x5 filter does not fit the 4x4 map"):
        run(TrainingRequest(layers=tuple(spec.layers()), workers=1, train_size=32, test_limit=10))

"""The training fast paths: reusable workspaces, tournament max pooling, phase-major conv outputs, the fused
conv-ReLU-pool pair, re-gathered im2col rows and flat parameter/gradient arrays.

Each is checked against the plain path it replaces (or the naive loops), so that speed never changes a number.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import naive
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convlens.engine import conv_kernels, ops, pooling
from convlens.engine.augment import AugmentConfig, apply_augmentation, sample_augmentation
from convlens.engine.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from convlens.engine.losses import softmax_cross_entropy
from convlens.engine.model import Sequential
from convlens.engine.parallel import DataParallel, pack_arrays
from convlens.engine.presets import PRESETS
from convlens.engine.train import TrainConfig, fit, mix_up
from convlens.engine.workspace import Workspace

# ------------------------------------------------------------------------------------------------ workspace


def test_workspace_hands_back_the_same_memory_for_the_same_key_shape_and_dtype() -> None:
    ws = Workspace()
    a = ws.get("cols", (4, 3))
    a[...] = 7
    assert ws.get("cols", (4, 3)) is a and np.all(ws.get("cols", (4, 3)) == 7)
    assert ws.get("cols", (5, 3)) is not a, "another shape is another array"
    assert ws.get("cols", (5, 3), np.float64).dtype == np.float64
    assert ws.nbytes == 5 * 3 * 8
    ws.clear()
    assert ws.nbytes == 0


def test_workspace_fill_is_applied_on_allocation_only() -> None:
    ws = Workspace()
    padded = ws.get("padded", (2, 4), fill=0.0)
    assert np.all(padded == 0)
    padded[1, 1] = 5.0
    assert ws.get("padded", (2, 4), fill=0.0)[1, 1] == 5.0, "a reused buffer keeps its contents"


# --------------------------------------------------------------------------------------- tournament pooling


def _phase_major(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    n, h, w, c = x.shape
    kh, kw = size
    return np.ascontiguousarray(x.reshape(n, h // kh, kh, w // kw, kw, c).transpose(2, 4, 0, 1, 3, 5))


@settings(max_examples=40, deadline=None)
@given(
    kh=st.integers(1, 3), kw=st.integers(1, 3), ho=st.integers(1, 3), wo=st.integers(1, 3),
    c=st.integers(1, 3), phase_major=st.booleans(), seed=st.integers(0, 10_000),
)
def test_tournament_pooling_matches_the_naive_loops_and_routes_the_gradient_to_one_maximum(
    kh: int, kw: int, ho: int, wo: int, c: int, phase_major: bool, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    # Few distinct values, so that ties are common.
    x = rng.integers(-2, 3, (2, ho * kh, wo * kw, c)).astype(np.float64)
    size = (kh, kw)
    data = _phase_major(x, size) if phase_major else x
    out, record = pooling.max_pool2d_tournament(data, size, phase_major=phase_major, workspace=Workspace())
    np.testing.assert_array_equal(out, naive.max_pool2d_loops(x, size, size, "valid"))

    grad = rng.standard_normal(out.shape)
    dx = pooling.max_pool2d_tournament_backward(grad, record, size, phase_major=phase_major)
    if phase_major:  # back to NHWC
        dx = dx.transpose(2, 3, 0, 4, 1, 5).reshape(x.shape)
    blocks_x = x.reshape(2, ho, kh, wo, kw, c)
    blocks_dx = dx.reshape(2, ho, kh, wo, kw, c)
    np.testing.assert_allclose(blocks_dx.sum(axis=(2, 4)), grad, atol=1e-12)  # the gradient is conserved
    receives = blocks_dx != 0
    assert np.all(receives.sum(axis=(2, 4)) <= 1), "one cell per window gets the gradient"
    assert np.all(~receives | (blocks_x == out[:, :, None, :, None, :])), "and it is a maximal cell"


def test_tournament_backward_matches_central_differences_without_ties() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 4, 3))
    r = rng.standard_normal((2, 3, 2, 3))
    _, record = pooling.max_pool2d_tournament(x, (2, 2))
    dx = pooling.max_pool2d_tournament_backward(r, record, (2, 2))

    def loss() -> float:
        return float(np.sum(pooling.max_pool2d_tournament(x, (2, 2))[0] * r))

    np.testing.assert_allclose(dx, naive.numerical_gradient(loss, x), atol=1e-6)


@pytest.mark.parametrize(
    ("hw", "size", "stride", "tiles"),
    [((28, 28), (2, 2), (2, 2), True), ((5, 6), (2, 2), (2, 2), False), ((6, 6), (3, 3), (2, 2), False),
     ((6, 9), (2, 3), (2, 3), True)],
)
def test_pool_windows_tile(hw: tuple[int, int], size: tuple[int, int], stride: tuple[int, int], tiles: bool) -> None:
    assert pooling.pool_windows_tile(hw, size, stride) is tiles


# ------------------------------------------------------------------------------------ convolution kernels


@pytest.mark.parametrize("c_in", [1, 3])
@pytest.mark.parametrize(("kernel", "padding"), [((3, 3), "same"), ((5, 5), "same"), ((2, 3), "valid")])
def test_phase_major_conv_output_is_the_nhwc_output_reordered(
    c_in: int, kernel: tuple[int, int], padding: str
) -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 8, 6, c_in)).astype(np.float32)
    w = rng.standard_normal((*kernel, c_in, 4)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    plain, _ = conv_kernels.conv2d_forward(x, w, b, (1, 1), padding)
    h_out, w_out = plain.shape[1:3]
    phases = (2, 2) if h_out % 2 == 0 and w_out % 2 == 0 else (1, 1)
    by_phase, cols = conv_kernels.conv2d_forward(x, w, b, (1, 1), padding, keep_cols=True, workspace=Workspace(),
                                        phases=phases)
    kh, kw = phases
    np.testing.assert_allclose(by_phase, _phase_major(plain, phases).reshape(by_phase.shape), rtol=1e-5, atol=1e-5)
    # The kept im2col rows follow the output's order: the filter gradient is cols.T @ grad in that order.
    assert cols is not None
    grad = rng.standard_normal(by_phase.shape).astype(np.float32)
    dw, db = np.empty((w.size // 4, 4), np.float32), np.empty(4, np.float32)
    cols.filter_grad(grad.reshape(-1, 4), dw, db, Workspace())
    np.testing.assert_allclose(db, grad.reshape(-1, 4).sum(axis=0), rtol=1e-4, atol=1e-4)
    _, dw_ref, _ = ops.conv2d_backward(x, w, grad.reshape(kh, kw, 3, h_out // kh, w_out // kw, 4)
                                       .transpose(2, 3, 0, 4, 1, 5).reshape(plain.shape), (1, 1), padding)
    np.testing.assert_allclose(dw.reshape(w.shape), dw_ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(("kernel", "padding"), [((3, 3), "same"), ((5, 5), "same"), ((3, 2), "valid"),
                                                 ((1, 1), "valid"), ((2, 4), "same")])
def test_stride1_input_gradient_matches_the_scatter_definition(kernel: tuple[int, int], padding: str) -> None:
    # dL/dx by scattering every output gradient back over its window, straight from the definition.
    rng = np.random.default_rng(5)
    n, h, w_in, c_in, c_out = 2, 7, 6, 3, 4
    x = rng.standard_normal((n, h, w_in, c_in))
    w = rng.standard_normal((*kernel, c_in, c_out))
    out = naive.conv2d_loops(x, w, None, (1, 1), padding)
    g = rng.standard_normal(out.shape)
    pt = (kernel[0] - 1) // 2 if padding == "same" else 0
    pl = (kernel[1] - 1) // 2 if padding == "same" else 0
    expected = np.zeros_like(x)
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            for a in range(kernel[0]):
                for b in range(kernel[1]):
                    r, s = i + a - pt, j + b - pl
                    if 0 <= r < h and 0 <= s < w_in:
                        expected[:, r, s, :] += g[:, i, j, :] @ w[a, b].T
    for workspace in (None, Workspace()):
        got = conv_kernels.conv2d_input_grad(g, w, (h, w_in), (1, 1), padding, workspace=workspace)
        np.testing.assert_allclose(got, expected, atol=1e-10)
    if out.shape[1] % 2 == 0 and out.shape[2] % 2 == 0:
        got = conv_kernels.conv2d_input_grad(_phase_major(g, (2, 2)), w, (h, w_in), (1, 1), padding, phases=(2, 2))
        np.testing.assert_allclose(got, expected, atol=1e-10)


def test_input_gradient_chunks_give_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(6)
    g = rng.standard_normal((5, 6, 6, 4))
    w = rng.standard_normal((3, 3, 2, 4))
    whole = conv_kernels.conv2d_input_grad(g, w, (6, 6), (1, 1), "same")
    monkeypatch.setattr(conv_kernels, "CHUNK_BYTES", 64 * 12 * 8)  # a handful of rows per chunk
    chunked = conv_kernels.conv2d_input_grad(g, w, (6, 6), (1, 1), "same", Workspace())
    np.testing.assert_allclose(chunked, whole, atol=1e-12)


@pytest.mark.parametrize("phases", [None, (2, 2)])
def test_conv_forward_and_backward_do_not_depend_on_the_block_sizes(
    phases: tuple[int, int] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The block sizes come from the machine's caches (engine.block_sizes): one image per chunk and 32-row blocks
    # must give the numbers of one chunk and one product, forward, filter gradient and input gradient.
    rng = np.random.default_rng(14)
    x = rng.standard_normal((7, 10, 10, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 5)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)

    def run() -> tuple[int, list[np.ndarray]]:
        out, cols = conv_kernels.conv2d_forward(x, w, b, (1, 1), "same", relu=True, keep_cols=True,
                                                workspace=Workspace(), phases=phases)
        assert cols is not None
        g = np.random.default_rng(15).standard_normal(out.shape).astype(np.float32)
        dw, db = np.empty((27, 5), np.float32), np.empty(5, np.float32)
        cols.filter_grad(g.reshape(-1, 5), dw, db, Workspace())
        dx = conv_kernels.conv2d_input_grad(g, w, (10, 10), (1, 1), "same", Workspace(), phases=phases)
        return cols.step, [out.copy(), dw, db, dx.copy()]

    monkeypatch.setattr(conv_kernels, "CHUNK_BYTES", 1)
    monkeypatch.setattr(conv_kernels, "SMALL_PRODUCT", 1)
    small_step, small = run()
    monkeypatch.setattr(conv_kernels, "CHUNK_BYTES", 1 << 30)
    monkeypatch.setattr(conv_kernels, "SMALL_PRODUCT", 1 << 30)
    large_step, large = run()
    assert (small_step, large_step) == (1, 7), "one image per chunk, then the whole batch in one"
    for name, a, e in zip(["output", "filter gradient", "bias gradient", "input gradient"], small, large, strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-4, err_msg=name)


# ------------------------------------------------------------------------------------------ fused layers


def _net(fusable: bool) -> Sequential:
    return Sequential(
        [
            Conv2D(3, 3, padding="same", activation="relu" if fusable else None),  # (N,8,8,1) -> (N,8,8,3)
            MaxPool2D(2),  # -> (N,4,4,3)
            Conv2D(4, 3, padding="same", activation="relu"),  # -> (N,4,4,4)
            MaxPool2D(2),  # -> (N,2,2,4)
            Flatten(),
            Dense(5, activation="relu"),
            Dense(3),
        ],
        input_shape=(8, 8, 1),
        seed=1,
    )


def test_the_model_fuses_a_conv_relu_into_a_following_tiling_pool_only() -> None:
    fused = _net(fusable=True)
    assert fused.layers[0].defer_relu and fused.layers[1].applies_relu and fused.layers[1].phases == (2, 2)
    assert fused.layers[2].defer_relu and fused.layers[3].applies_relu
    plain = _net(fusable=False)
    assert not plain.layers[0].defer_relu and not plain.layers[1].applies_relu and plain.layers[1].phases is None
    odd = Sequential([Conv2D(2, 3, activation="relu"), MaxPool2D(2), Flatten(), Dense(2)], input_shape=(7, 7, 1))
    assert not odd.layers[0].defer_relu, "a 5x5 map is not tiled by 2x2 windows: no fusion"
    relu_layer = Sequential([Conv2D(2, 3), ReLU(), MaxPool2D(2), Flatten(), Dense(2)], input_shape=(6, 6, 1))
    assert not any(layer.defer_relu or layer.applies_relu for layer in relu_layer.layers)


def _grads_of(
    model: Sequential, x: np.ndarray, y: np.ndarray, label_smoothing: float = 0.0
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    logits = model.forward(x, training=True)
    _, dlogits = softmax_cross_entropy(logits, y, label_smoothing)
    model.backward(dlogits)
    return logits.copy(), {name: grad.copy() for name, _, grad in model.named_params()}


@pytest.mark.parametrize("batches", [(6,), (6, 3, 6)])
def test_fused_training_pass_equals_the_unfused_one_and_inference(batches: tuple[int, ...]) -> None:
    # The same weights with fusion switched off must give the same logits and gradients, for every batch size
    # in a row (buffers are reused across steps and reallocated when the batch size changes).
    rng = np.random.default_rng(8)
    fused = _net(fusable=True)
    unfused = _net(fusable=True)
    for layer in unfused.layers:
        layer.defer_relu = layer.applies_relu = False
        layer.phases = None
    unfused.set_weights(fused.get_weights())
    for batch in batches:
        x = rng.random((batch, 8, 8, 1)).astype(np.float32)
        x[:, :2] = 0  # blank rows: tied maxima, as on MNIST's background
        y = rng.integers(0, 3, batch)
        logits_a, grads_a = _grads_of(fused, x, y)
        logits_b, grads_b = _grads_of(unfused, x, y)
        np.testing.assert_allclose(logits_a, logits_b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(logits_a, fused.forward(x), rtol=1e-5, atol=1e-6)
        for name in grads_a:
            np.testing.assert_allclose(grads_a[name], grads_b[name], rtol=1e-4, atol=1e-6, err_msg=name)


def test_fused_strided_conv_input_gradient_equals_the_unfused_one() -> None:
    # A stride-2 conv before a tiling pool is fused too; its input gradient goes through col2im from phase-major.
    def net() -> Sequential:
        layers = [Conv2D(3, 3, stride=2, padding="same", activation="relu"), MaxPool2D(2), Flatten(), Dense(3)]
        return Sequential(layers, input_shape=(8, 8, 2), seed=1)

    fused, unfused = net(), net()
    assert fused.layers[0].phases == (2, 2)
    for layer in unfused.layers:
        layer.defer_relu = layer.applies_relu = False
        layer.phases = None
    unfused.set_weights(fused.get_weights())
    rng = np.random.default_rng(15)
    x = rng.standard_normal((4, 8, 8, 2)).astype(np.float32)
    r = rng.standard_normal((4, 3)).astype(np.float32)
    input_grads = []
    for model in (fused, unfused):
        model.layers[0].need_input_grad = True
        model.forward(x, training=True)
        g: np.ndarray | None = r.copy()
        for layer in reversed(model.layers):
            assert g is not None
            g = layer.backward(g)
        input_grads.append(g)
    np.testing.assert_allclose(input_grads[0], input_grads[1], rtol=1e-4, atol=1e-5)


def test_default_architecture_fused_gradients_match_central_differences() -> None:
    arch = [dict(layer) for layer in PRESETS["default"] if layer["type"] != "Dropout"]
    for layer in arch:  # a smaller copy of the shipped network, same structure
        if layer["type"] == "Conv2D":
            layer["filters"] = 2
        if layer["type"] == "Dense" and layer["units"] > 10:
            layer["units"] = 4
    model = Sequential.from_config(arch, input_shape=(8, 8, 1), seed=3)
    assert model.layers[0].defer_relu and model.layers[2].defer_relu
    rng = np.random.default_rng(9)
    for layer in model.layers:
        for key in list(layer.params):
            layer.params[key] = layer.params[key].astype(np.float64) + 0.05 * rng.standard_normal(
                layer.params[key].shape
            )
            layer.grads[key] = np.zeros_like(layer.params[key])
    x = rng.standard_normal((2, 8, 8, 1))
    y = np.array([1, 7])
    _, analytic = _grads_of(model, x, y)

    def loss() -> float:
        return softmax_cross_entropy(model.forward(x, training=True), y)[0]

    for name, value, _ in model.named_params():
        np.testing.assert_allclose(analytic[name], naive.numerical_gradient(loss, value), atol=1e-5, rtol=1e-3,
                                   err_msg=name)


# --------------------------------------------------------------------------------- flat arrays and memory


def test_pack_arrays_leaves_views_of_one_flat_array() -> None:
    a = {"w": np.arange(6.0).reshape(2, 3), "b": np.array([7.0])}
    b = {"w": np.array([[8.0]])}
    flat = pack_arrays([a, b])
    np.testing.assert_array_equal(flat, [0, 1, 2, 3, 4, 5, 7, 8])
    flat[0] = 100.0
    assert a["w"][0, 0] == 100.0 and a["w"].shape == (2, 3)
    b["w"][0, 0] = -1.0
    assert flat[-1] == -1.0


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_data_parallel_averages_gradients_like_one_big_batch(label_smoothing: float) -> None:
    rng = np.random.default_rng(10)
    x = rng.random((10, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 3, 10)
    single = _net(fusable=True)
    expected = _grads_of(single, x, y, label_smoothing)[1]
    if label_smoothing:  # the smoothing reaches the gradients (the worker's half too, checked below)
        plain = _grads_of(_net(fusable=True), x, y)[1]
        assert any(not np.allclose(plain[name], expected[name]) for name in expected)
    model = _net(fusable=True)
    parallel = DataParallel(model, workers=2, batch_size=10, label_smoothing=label_smoothing)
    try:
        assert parallel.fallback_reason is None and len(parallel.worker_pids) == 1
        assert parallel.worker_pids[0] != os.getpid()
        parallel.forward_backward(x, y)
        assert parallel.worker_slices == 1, "the worker process computed half of the batch"
        for name, _, grad in model.named_params():
            np.testing.assert_allclose(grad, expected[name], rtol=1e-4, atol=1e-6, err_msg=name)
        params, grads = parallel.optimizer_arrays()
        assert len(params) == 1 and params[0].size == model.param_count()
        assert np.shares_memory(params[0], model.layers[0].params["w"])
        per_tensor, _ = parallel.optimizer_arrays(per_tensor=True)
        assert len(per_tensor) == len(list(model.named_params()))
    finally:
        parallel.close()


def test_data_parallel_takes_mixup_targets_like_one_big_batch() -> None:
    rng = np.random.default_rng(12)
    x = rng.random((10, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 3, 10)
    mixed, targets = mix_up(x, y, rng, 0.4, 3)
    expected = _grads_of(_net(fusable=True), mixed, targets)[1]
    model = _net(fusable=True)
    parallel = DataParallel(model, workers=2, batch_size=10)
    try:
        parallel.forward_backward(mixed, targets)
        assert parallel.worker_slices == 1
        for name, _, grad in model.named_params():
            np.testing.assert_allclose(grad, expected[name], rtol=1e-4, atol=1e-6, err_msg=name)
        parallel.forward_backward(x, y)  # and back to plain labels
        for name, _, grad in model.named_params():
            np.testing.assert_allclose(grad, _grads_of(_net(fusable=True), x, y)[1][name], rtol=1e-4, atol=1e-6)
    finally:
        parallel.close()


STROKES = AugmentConfig(thicken_prob=0.3, thin_prob=0.3)


@pytest.mark.parametrize("workers", [1, 2])
def test_data_parallel_augments_each_slice_where_it_is_computed_with_the_same_bits(workers: int) -> None:
    """Draws sent with the raw batch: the worker augments its own slice, and the gradients are exactly those of
    the batch augmented whole in this process (the path before) -- with one process it is that path."""
    rng = np.random.default_rng(14)
    x = rng.random((10, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 3, 10)
    draws = sample_augmentation(10, rng, STROKES)
    augmented = apply_augmentation(x, draws, STROKES)
    model = _net(fusable=True)
    parallel = DataParallel(model, workers=workers, batch_size=10, augment_config=STROKES)
    try:
        assert len(parallel.worker_pids) == workers - 1
        expected = parallel.forward_backward(augmented, y), parallel.flat_grads.copy()
        raw = parallel.forward_backward(x, y)[0]
        loss = parallel.forward_backward(x, y, draws)
        np.testing.assert_array_equal(parallel.flat_grads, expected[1])
        assert loss == expected[0] and loss[0] != raw, "augmented (in the worker too), not the raw batch"
        assert parallel.worker_slices == 3 * (workers - 1)
        with pytest.raises(ValueError, match="one draw per image"):
            parallel.forward_backward(x[:9], y[:9], draws)
    finally:
        parallel.close()


def test_data_parallel_without_an_augment_config_refuses_draws() -> None:
    draws = sample_augmentation(4, np.random.default_rng(0))
    parallel = DataParallel(_net(fusable=True), workers=1, batch_size=4)
    with pytest.raises(ValueError, match="augment_config"):
        parallel.forward_backward(np.zeros((4, 8, 8, 1), np.float32), np.zeros(4, np.int64), draws)
    parallel.close()


def test_mix_up_blends_images_and_targets_with_one_weight() -> None:
    rng = np.random.default_rng(13)
    x = rng.random((16, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 10, 16)
    mixed, targets = mix_up(x, y, np.random.default_rng(1), 0.4, 10)
    again, targets_again = mix_up(x, y, np.random.default_rng(1), 0.4, 10)
    np.testing.assert_array_equal(mixed, again)  # reproducible from the seed
    np.testing.assert_array_equal(targets, targets_again)
    assert mixed.dtype == np.float32 and targets.shape == (16, 10)
    np.testing.assert_allclose(targets.sum(axis=1), 1.0, rtol=1e-6)
    draw = np.random.default_rng(1)
    lam = draw.beta(0.4, 0.4)
    perm = draw.permutation(16)
    np.testing.assert_allclose(mixed, lam * x + (1 - lam) * x[perm], rtol=1e-5, atol=1e-6)
    for row, (a, b) in enumerate(zip(y, y[perm], strict=True)):
        expected = np.zeros(10)
        expected[a] += lam
        expected[b] += 1 - lam
        np.testing.assert_allclose(targets[row], expected, rtol=1e-5, atol=1e-6)


def test_training_frees_its_scratch_memory_when_it_ends(
    data_parallel_runs: list[Any], worker_processes_ran: Callable[..., None]
) -> None:
    rng = np.random.default_rng(11)
    model = _net(fusable=True)
    x = rng.random((20, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 3, 20)
    for _ in fit(model, x, y, TrainConfig(epochs=1, batch_size=8, workers=2)):
        pass
    worker_processes_ran(data_parallel_runs[-1])
    assert all(layer.workspace.nbytes == 0 for layer in model.layers)


# ------------------------------------------------------------------------------------ blocked matrix products


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("m", [5, 64, 1000, 1037])
def test_matmul_tall_equals_one_product(m: int, transposed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conv_kernels, "SMALL_PRODUCT", 32 * 12 * 3)  # blocks of 32 rows, and a remainder
    rng = np.random.default_rng(12)
    a = np.ascontiguousarray(rng.standard_normal((12, m)).astype(np.float32)).T if transposed else (
        rng.standard_normal((m, 12)).astype(np.float32))
    b = rng.standard_normal((12, 3)).astype(np.float32)
    out = np.full((m, 3), np.nan, np.float32)
    assert conv_kernels.matmul_tall(a, b, out) is out
    np.testing.assert_allclose(out, a @ b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("r", [7, 64, 1000, 1037])
def test_matmul_long_inner_equals_one_product(r: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conv_kernels, "SMALL_PRODUCT", 32 * 4 * 3)  # inner blocks of 32, and a remainder
    rng = np.random.default_rng(13)
    a = np.ascontiguousarray(rng.standard_normal((4, r)))
    b = rng.standard_normal((r, 3))
    out = np.full((4, 3), np.nan)
    conv_kernels.matmul_long_inner(a, b, out, Workspace())
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------------ worker processes


def _tiny_data(n: int = 24) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(14)
    return rng.random((n, 8, 8, 1)).astype(np.float32), rng.integers(0, 3, n)


def test_two_process_training_is_reproducible_and_leaves_no_process_behind(
    data_parallel_runs: list[Any], worker_processes_ran: Callable[..., None]
) -> None:
    import multiprocessing

    x, y = _tiny_data()
    runs = []
    for _ in range(2):
        model = _net(fusable=True)
        records = list(fit(model, x, y, TrainConfig(epochs=2, batch_size=8, workers=2, seed=5)))
        assert records[-1].kind == "done"
        worker_processes_ran(data_parallel_runs[-1])
        assert data_parallel_runs[-1].worker_slices == 2 * 3, "every step's second half came from the worker"
        runs.append(model.get_weights())
    for name in runs[0]:
        np.testing.assert_array_equal(runs[0][name], runs[1][name], err_msg=name)
    assert not [p for p in multiprocessing.active_children() if p.name.startswith("convlens-train")]


def test_cancelling_a_two_process_training_stops_the_worker(
    data_parallel_runs: list[Any], worker_processes_ran: Callable[..., None]
) -> None:
    import multiprocessing
    import threading

    x, y = _tiny_data(64)
    cancel = threading.Event()
    model = _net(fusable=True)
    kinds = []
    for record in fit(model, x, y, TrainConfig(epochs=50, batch_size=8, workers=2, report_every=1), cancel=cancel):
        kinds.append(record.kind)
        cancel.set()
    assert kinds[-1] == "cancelled"
    worker_processes_ran(data_parallel_runs[-1])
    assert not [p for p in multiprocessing.active_children() if p.name.startswith("convlens-train")]


def test_a_machine_without_worker_processes_trains_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    class NoProcesses:
        def __getattr__(self, name: str) -> object:
            raise OSError("processes are not allowed here")

    monkeypatch.setattr(multiprocessing, "get_context", lambda method=None: NoProcesses())
    model = _net(fusable=True)
    parallel = DataParallel(model, workers=2, batch_size=8)
    try:
        assert parallel.workers == [] and "not allowed" in (parallel.fallback_reason or "")
        x, y = _tiny_data(8)
        loss, correct = parallel.forward_backward(x, y)
        assert np.isfinite(loss) and 0 <= correct <= 8
    finally:
        parallel.close()


def test_a_worker_that_dies_leaves_the_step_to_this_process_with_the_same_result(
    caplog: pytest.LogCaptureFixture,
) -> None:
    x, y = _tiny_data(8)
    expected = _grads_of(_net(fusable=True), x, y)[1]
    model = _net(fusable=True)
    parallel = DataParallel(model, workers=2, batch_size=8)
    try:
        assert len(parallel.workers) == 1 and parallel.worker_pids[0] != os.getpid()
        parallel.workers[0].process.kill()
        parallel.workers[0].process.join(5)
        loss, _ = parallel.forward_backward(x, y)
        assert np.isfinite(loss)
        assert parallel.workers == [] and "stopped" in (parallel.fallback_reason or "")
        assert "continues in one process" in caplog.text
        for name, _, grad in model.named_params():
            np.testing.assert_allclose(grad, expected[name], rtol=1e-5, atol=1e-6, err_msg=name)
    finally:
        parallel.close()

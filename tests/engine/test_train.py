"""engine.train: fit as a generator of progress records (fields, reproducibility, cancel, divergence, validation,
schedules, learning) and evaluate (accuracy, per-class accuracy, confusion matrix, misclassified indices)."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from convlens.engine.augment import AugmentConfig
from convlens.engine.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D
from convlens.engine.model import Sequential
from convlens.engine.train import TrainConfig, TrainingDiverged, TrainProgress, evaluate, fit

SIZE = 12
TINY_NET = [
    {"type": "Conv2D", "filters": 4, "kernel": 3, "padding": "same", "activation": "relu"},
    {"type": "MaxPool2D"},
    {"type": "Flatten"},
    {"type": "Dense", "units": 10},
]
"""A conv layer, a pooling and a dense layer: small enough for worker-process tests."""


def shapes_dataset(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three easy classes on 12x12 images: 0 vertical bar, 1 horizontal bar, 2 square outline (random places)."""
    y = np.arange(n) % 3
    x = rng.random((n, SIZE, SIZE), dtype=np.float32) * 0.2
    for i, label in enumerate(y):
        r, c = rng.integers(1, SIZE - 8, 2)
        if label == 0:
            x[i, r : r + 8, c + 3 : c + 5] = 1.0
        elif label == 1:
            x[i, r + 3 : r + 5, c : c + 8] = 1.0
        else:
            x[i, r : r + 8, c] = x[i, r : r + 8, c + 7] = x[i, r, c : c + 8] = x[i, r + 7, c : c + 8] = 1.0
    return x[..., None], y


def small_net(seed: int = 0, dropout: bool = False) -> Sequential:
    layers = [
        Conv2D(4, 3, activation="relu"),  # (N,12,12,1) -> (N,10,10,4)
        MaxPool2D(2),  # -> (N,5,5,4)
        Flatten(),  # -> (N,100)
        *([Dropout(0.3)] if dropout else []),
        Dense(3),  # -> (N,3)
    ]
    return Sequential(layers, input_shape=(SIZE, SIZE, 1), seed=seed)


@pytest.fixture(scope="module")
def dataset() -> tuple[np.ndarray, np.ndarray]:
    return shapes_dataset(240, np.random.default_rng(0))


def quick(**kwargs: object) -> TrainConfig:
    settings: dict[str, object] = {
        "epochs": 2, "batch_size": 32, "lr": 1e-2, "schedule": "constant", "report_every": 1,
    }
    settings.update(kwargs)
    return TrainConfig(**settings)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ records


def test_fit_yields_step_epoch_and_done_records_with_the_documented_fields(
    dataset: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = dataset
    records = list(fit(small_net(), x, y, quick(epochs=2, batch_size=50, report_every=2)))
    steps_per_epoch = math.ceil(len(x) / 50)  # 5, the last batch is short
    total = 2 * steps_per_epoch
    kinds = [r.kind for r in records]
    assert kinds[-1] == "done" and kinds.count("done") == 1
    assert kinds.count("epoch") == 2
    assert kinds.count("step") == total // 2
    epoch_records = [r for r in records if r.kind == "epoch"]
    assert [r.epoch for r in epoch_records] == [1, 2]
    assert [r.step for r in epoch_records] == [steps_per_epoch, total]
    for r in records:
        assert isinstance(r, TrainProgress)
        assert r.total_steps == total and r.epochs == 2
        assert 1 <= r.epoch <= 2
        assert math.isfinite(r.loss) and r.loss >= 0
        assert 0.0 <= r.batch_accuracy <= 1.0
        assert r.examples_per_second > 0
        assert r.elapsed >= 0
        assert r.lr > 0
        assert 0.0 <= r.fraction <= 1.0
    assert [r.step for r in records] == sorted(r.step for r in records)
    assert [r.elapsed for r in records] == sorted(r.elapsed for r in records)
    assert records[-1].step == total and records[-1].fraction == 1.0
    assert all(r.val_accuracy is None and r.val_loss is None for r in records)


def test_same_seed_gives_identical_weights_twice_and_another_seed_differs(
    dataset: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = dataset
    config = quick(seed=7, augment=True, batch_size=40)

    def run(seed: int) -> dict[str, np.ndarray]:
        model = small_net(seed=1, dropout=True)
        for _ in fit(model, x, y, TrainConfig(**{**config.__dict__, "seed": seed})):
            pass
        return model.get_weights()

    a, b, c = run(7), run(7), run(8)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert any(not np.array_equal(a[key], c[key]) for key in a)


def test_fit_changes_the_model_in_place(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    model = small_net()
    before = model.get_weights()
    for _ in fit(model, x, y, quick(epochs=1)):
        pass
    after = model.get_weights()
    assert all(not np.array_equal(before[k], after[k]) for k in before)


# ------------------------------------------------------------------------------------------------- cancel


def test_cancel_event_stops_promptly_with_a_cancelled_record(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    cancel = threading.Event()
    seen: list[TrainProgress] = []
    for record in fit(small_net(), x, y, quick(epochs=5, batch_size=16), cancel=cancel):
        seen.append(record)
        if len(seen) == 3:
            cancel.set()
    assert [r.kind for r in seen[:3]] == ["step"] * 3
    assert len(seen) == 4, "nothing after the cancelled record"
    assert seen[-1].kind == "cancelled"
    assert seen[-1].step == 3, "no batch is trained once cancel is set"
    assert seen[-1].step < seen[-1].total_steps


def test_cancel_callable_before_the_first_batch_trains_nothing(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    model = small_net()
    before = model.get_weights()
    records = list(fit(model, x, y, quick(), cancel=lambda: True))
    assert [r.kind for r in records] == ["cancelled"]
    assert records[0].step == 0
    for key, value in model.get_weights().items():
        np.testing.assert_array_equal(value, before[key])


# ----------------------------------------------------------------------------------------------- NaN / inf


def test_nan_injected_in_a_weight_mid_run_raises_training_diverged_and_keeps_last_good_weights(
    dataset: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = dataset
    model = small_net()
    snapshots: list[dict[str, np.ndarray]] = [model.get_weights()]
    with pytest.raises(TrainingDiverged, match="(?i)nan|inf"):
        for record in fit(model, x, y, quick(epochs=3, batch_size=16), cancel=None):
            snapshots.append(model.get_weights())  # weights after `record.step` updates
            if record.step == 4:
                model.layers[-1].params["w"][0, 0] = np.nan  # the next forward pass gives a NaN loss
    weights = model.get_weights()
    assert all(np.all(np.isfinite(v)) for v in weights.values()), "the model holds finite weights"
    # "Last good": the weights of the last step whose loss was finite (before its update: snapshot 3), or the
    # finite weights just before the NaN appeared (snapshot 4). Never the initial or the poisoned weights.
    matches = [i for i in (3, 4) if all(np.array_equal(weights[k], snapshots[i][k]) for k in weights)]
    assert matches, "the weights are neither of the last good sets"


def test_nan_in_the_data_raises_training_diverged_with_finite_weights(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    x = x.copy()
    x[100, 5, 5, 0] = np.nan
    model = small_net()
    with pytest.raises(TrainingDiverged):
        for _ in fit(model, x, y, quick(epochs=1, batch_size=16)):
            pass
    assert all(np.all(np.isfinite(v)) for v in model.get_weights().values())


# inf * 0 inside the matrix products warns "invalid value"; the point here is what fit does next.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_divergence_on_the_first_batch_restores_the_initial_weights(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    model = small_net()
    initial = model.get_weights()
    with pytest.raises(TrainingDiverged):
        for _ in fit(model, np.full_like(x, np.inf), y, quick(epochs=1)):
            pass
    for key, value in model.get_weights().items():
        np.testing.assert_array_equal(value, initial[key])


# -------------------------------------------------------------------------------------------- validation


def test_validation_split_adds_val_accuracy_to_epoch_records(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    records = list(fit(small_net(), x, y, quick(epochs=2, validation_split=0.25)))
    epochs = [r for r in records if r.kind == "epoch"]
    assert len(epochs) == 2
    for r in epochs:
        assert r.val_accuracy is not None and 0.0 <= r.val_accuracy <= 1.0
        assert r.val_loss is not None and math.isfinite(r.val_loss)
        # Accuracies on 60 held-out images are multiples of 1/60.
        assert r.val_accuracy * 60 == pytest.approx(round(r.val_accuracy * 60), abs=1e-6)
    assert records[-1].total_steps == 2 * math.ceil(180 / 32), "the held-out images are not trained on"


def test_explicit_validation_set_is_used(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    records = list(fit(small_net(), x[:200], y[:200], quick(epochs=1), x_val=x[200:], y_val=y[200:]))
    epoch = next(r for r in records if r.kind == "epoch")
    assert epoch.val_accuracy is not None
    assert epoch.val_accuracy * 40 == pytest.approx(round(epoch.val_accuracy * 40), abs=1e-6)


# -------------------------------------------------------------------------------------------- learning


def test_training_on_an_easy_synthetic_set_drives_the_loss_down_and_generalises(
    dataset: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = dataset
    model = small_net(seed=0)
    records = list(fit(model, x, y, quick(epochs=4, batch_size=32, lr=1e-2)))
    epochs = [r for r in records if r.kind == "epoch"]
    first_step = records[0]
    assert first_step.loss > 0.8  # about ln 3 at the start
    assert epochs[-1].loss < 0.25 * epochs[0].loss
    assert epochs[-1].batch_accuracy > 0.95
    x_new, y_new = shapes_dataset(90, np.random.default_rng(99))
    assert evaluate(model.predict_proba, x_new, y_new, num_classes=3).accuracy > 0.9


def test_sgd_optimizer_with_onecycle_schedule_also_learns(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    model = small_net(seed=0)
    records = list(fit(model, x, y, quick(epochs=4, optimizer="sgd", lr=0.05, schedule="onecycle")))
    epochs = [r for r in records if r.kind == "epoch"]
    assert epochs[-1].loss < 0.5 * epochs[0].loss


def test_fit_records_follow_the_warm_up_then_decay_schedule(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    records = [r for r in fit(small_net(), x, y, quick(epochs=3, schedule="onecycle", lr=1e-2)) if r.kind == "step"]
    lrs = np.array([r.lr for r in records])
    peak = int(lrs.argmax())
    assert 0 < peak < len(lrs) - 1
    assert lrs.max() == pytest.approx(1e-2, rel=0.05)
    assert np.all(np.diff(lrs[: peak + 1]) >= 0), "warm-up rises"
    assert np.all(np.diff(lrs[peak:]) <= 0), "then decays"
    assert lrs[-1] < 0.1 * lrs.max()


def test_weight_decay_in_fit_gives_smaller_weights(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset

    def dense_norm(weight_decay: float) -> float:
        model = small_net(seed=0)
        for _ in fit(model, x, y, quick(epochs=2, weight_decay=weight_decay)):
            pass
        return float(np.linalg.norm(model.layers[-1].params["w"]))

    # Adam's decoupled decay multiplies the weights by (1 - lr * wd) each step: 0.95 ** 16 steps ~ 0.44.
    assert dense_norm(5.0) < 0.8 * dense_norm(0.0)


def test_augmentation_option_trains_on_transformed_images(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = dataset
    plain, augmented = small_net(seed=0), small_net(seed=0)
    for _ in fit(plain, x, y, quick(epochs=1)):
        pass
    for _ in fit(augmented, x, y, quick(epochs=1, augment=True, augment_config=AugmentConfig(max_shift=2.0))):
        pass
    assert not np.array_equal(plain.layers[0].params["w"], augmented.layers[0].params["w"])


@pytest.mark.parametrize(
    "bad",
    [
        {"x": np.zeros((10, 28, 28, 1), np.float32)},  # wrong image shape for the model
        {"y": np.zeros(7, np.int64)},  # label count differs
        {"config": TrainConfig(epochs=0)},
        {"config": TrainConfig(batch_size=0)},
        {"config": TrainConfig(validation_split=1.0)},
    ],
)
def test_fit_rejects_bad_arguments_with_value_errors(dataset: tuple[np.ndarray, np.ndarray], bad: dict) -> None:
    x, y = dataset
    arguments = {"x": x, "y": y, "config": quick(), **bad}
    with pytest.raises(ValueError):
        next(fit(small_net(), arguments["x"], arguments["y"], arguments["config"]))


def test_train_config_as_dict_is_json_ready() -> None:
    import json

    data = TrainConfig(augment=True).as_dict()
    assert json.loads(json.dumps(data))["augment_config"]["max_shift"] == AugmentConfig().max_shift
    assert TrainConfig(augment=False).as_dict()["augment_config"] is None


# -------------------------------------------------------------------------------------------------- evaluate


def test_evaluate_gives_accuracy_per_class_accuracy_confusion_matrix_and_misclassified() -> None:
    y = np.array([0, 0, 1, 1, 1, 2, 2, 3])
    predicted = np.array([0, 1, 1, 1, 0, 2, 2, 3])

    def predict_proba(x: np.ndarray) -> np.ndarray:
        idx = x[:, 0, 0, 0].astype(int)
        return np.eye(10)[predicted[idx]]

    x = np.arange(8, dtype=np.float32).reshape(8, 1, 1, 1) * np.ones((8, 28, 28, 1), np.float32)
    result = evaluate(predict_proba, x, y, batch_size=3)
    assert result.accuracy == pytest.approx(6 / 8)
    assert result.confusion.shape == (10, 10)
    assert result.confusion.sum() == len(y)
    assert result.confusion[0, 1] == 1 and result.confusion[1, 0] == 1 and result.confusion[1, 1] == 2
    np.testing.assert_array_equal(np.diag(result.confusion)[:4], [1, 2, 2, 1])
    assert result.per_class_accuracy[:4] == pytest.approx([0.5, 2 / 3, 1.0, 1.0])
    assert all(math.isnan(a) for a in result.per_class_accuracy[4:]), "no examples of 4..9"
    np.testing.assert_array_equal(result.misclassified, [1, 4])
    np.testing.assert_array_equal(result.predictions, predicted)
    summary = result.as_dict()
    assert summary["test_accuracy"] == pytest.approx(0.75)
    assert summary["misclassified_count"] == 2
    assert np.array(summary["confusion_matrix"]).sum() == 8


def test_augmentation_runs_in_the_worker_processes_and_changes_no_weight(
    data_parallel_runs: list[Any], worker_processes_ran: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With augmentation (and no mixup) this process only draws it; each process augments its own slice.

    The weights are bit for bit those of the path before (the whole batch augmented here, then split), for 1 and 2
    processes, and 1 vs 2 processes agree up to the gradients' rounding, as without augmentation.
    """
    from convlens.engine import parallel
    from convlens.engine.model import Sequential
    from convlens.engine.train import TrainConfig, fit

    arch = TINY_NET
    rng = np.random.default_rng(0)
    x = rng.random((120, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 120)
    sizes: list[int] = []
    original_apply = parallel.apply_augmentation

    def counted(images: np.ndarray, *args: Any) -> np.ndarray:
        sizes.append(len(images))
        return original_apply(images, *args)

    monkeypatch.setattr(parallel, "apply_augmentation", counted)  # in this process only
    original_step = parallel.DataParallel.forward_backward

    def augment_here(self: Any, xb: np.ndarray, yb: np.ndarray, augment: Any = None) -> tuple[float, int]:
        return original_step(self, xb if augment is None else original_apply(xb, augment, self.augment_config), yb)

    def train(workers: int, before: bool) -> dict[str, np.ndarray]:
        with monkeypatch.context() as patch:
            if before:
                patch.setattr(parallel.DataParallel, "forward_backward", augment_here)
            model = Sequential.from_config(arch, seed=1)
            config = TrainConfig(epochs=1, batch_size=40, workers=workers, lr=1e-3, augment=True, seed=3)
            assert list(fit(model, x, y, config))[-1].kind == "done"
        return model.get_weights()

    weights = {(workers, before): train(workers, before) for workers in (1, 2) for before in (False, True)}
    worker_processes_ran(data_parallel_runs[-2])  # the run of (2, False)
    assert sizes == [40] * 3 + [20] * 3, "2 processes: this process augmented only its half of each batch"
    for workers in (1, 2):
        for name, value in weights[(workers, False)].items():
            np.testing.assert_array_equal(value, weights[(workers, True)][name], err_msg=f"{workers} {name}")
    for name, value in weights[(1, False)].items():
        np.testing.assert_allclose(value, weights[(2, False)][name], rtol=1e-4, atol=1e-6)
    plain = Sequential.from_config(arch, seed=1)
    list(fit(plain, x, y, TrainConfig(epochs=1, batch_size=40, lr=1e-3, seed=3)))
    assert any(not np.allclose(value, plain.get_weights()[k]) for k, value in weights[(1, False)].items())


def test_two_data_parallel_workers_give_the_same_weights_as_one(
    data_parallel_runs: list[Any], worker_processes_ran: Callable[..., None]
) -> None:
    """workers=2 splits each batch over two processes and averages the gradients: same result up to rounding."""
    from convlens.engine.model import Sequential
    from convlens.engine.train import TrainConfig, fit

    arch = TINY_NET
    rng = np.random.default_rng(0)
    x = rng.random((200, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 200)
    weights = []
    for workers in (1, 2):
        model = Sequential.from_config(arch, seed=1)
        records = list(fit(model, x, y, TrainConfig(epochs=1, batch_size=50, workers=workers, lr=1e-3)))
        assert records[-1].kind == "done"
        if workers == 2:
            worker_processes_ran(data_parallel_runs[-1])
        else:
            assert data_parallel_runs[-1].worker_slices == 0 and data_parallel_runs[-1].started_pids == []
        weights.append(model.get_weights())
    for name in weights[0]:
        np.testing.assert_allclose(weights[0][name], weights[1][name], rtol=1e-4, atol=1e-6)
    moved = Sequential.from_config(arch, seed=1).get_weights()
    assert any(not np.allclose(moved[k], weights[1][k]) for k in moved)  # training did change the weights

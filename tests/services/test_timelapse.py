"""The time-lapse of the filters forming: recorder thinning, rendering, the GIF and the strip, and a tiny real run
through ``run_training`` (the 300/100-image fake MNIST of tests/conftest.py)."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageSequence

from convlens.engine.data import load_mnist
from convlens.engine.model import Sequential
from convlens.engine.presets import resolve_architecture
from convlens.services import timelapse
from convlens.services.recipes import QUICK
from convlens.services.timelapse import TimelapseFrame, TimelapseRecorder, capture_frame
from convlens.services.training import TrainingOutcome, TrainingRequest, run_training


def fake_frames(n: int, seed: int = 0) -> list[TimelapseFrame]:
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n):
        filters = OrderedDict(
            conv1=rng.normal(size=(5, 5, 1, 8)).astype(np.float32),
            conv2=rng.normal(size=(3, 3, 8, 4)).astype(np.float32),
        )
        maps = OrderedDict(pool1=rng.random((14, 14, 8)).astype(np.float32))
        frames.append(TimelapseFrame(step=i * 10, epoch=i / n, total_steps=10 * n, filters=filters, maps=maps))
    return frames


def run(request: TrainingRequest) -> tuple[TrainingOutcome, list[Any]]:
    events: list[Any] = []
    job = run_training(request, lambda: load_mnist(allow_download=False))
    while True:
        try:
            events.append(next(job))
        except StopIteration as stop:
            return stop.value, events


def test_recorder_thins_evenly_and_stays_bounded() -> None:
    recorder = TimelapseRecorder(every=1, max_frames=10)
    frames = fake_frames(1)
    for step in range(1000):
        if recorder.due(step):
            recorder.add(TimelapseFrame(step, 0.0, 1000, frames[0].filters))
        assert len(recorder) <= 10
    steps = [f.step for f in recorder.frames]
    assert steps[0] == 0 and len(steps) >= 5
    gaps = np.diff(steps)
    assert gaps.min() > 0 and gaps.max() <= 2 * gaps.min()  # evenly spread
    assert steps[-1] >= 1000 - recorder.every


def test_render_frame_has_one_size_and_differs_between_frames() -> None:
    a, b = fake_frames(2)
    pa, pb = timelapse.render_frame(a), timelapse.render_frame(b)
    assert pa.dtype == np.uint8 and pa.ndim == 3 and pa.shape[2] == 3
    assert pa.shape == pb.shape
    assert not np.array_equal(pa, pb)


def test_gif_has_one_frame_per_snapshot_and_the_frames_differ(tmp_path: Path) -> None:
    frames = fake_frames(7)
    path = timelapse.write_gif(frames, tmp_path / "t.gif")
    with Image.open(path) as gif:
        assert gif.n_frames == 7
        assert gif.info.get("loop") == 0
        pictures = [np.asarray(f.convert("RGB")).copy() for f in ImageSequence.Iterator(gif)]
    assert len(pictures) == 7
    assert all(not np.array_equal(pictures[i], pictures[i + 1]) for i in range(6))
    assert pictures[0].shape[:2] == timelapse.render_frame(frames[0]).shape[:2]


@pytest.mark.parametrize(("n", "rows", "cols"), [(1, 1, 1), (4, 1, 4), (10, 1, 10), (23, 3, 10)])
def test_strip_size_matches_the_frame_count(tmp_path: Path, n: int, rows: int, cols: int) -> None:
    frames = fake_frames(n)
    h, w = timelapse.render_frame(frames[0]).shape[:2]
    path = timelapse.write_strip(frames, tmp_path / "s.png")
    with Image.open(path) as strip:
        assert strip.size == (cols * (w + timelapse.GAP) - timelapse.GAP, rows * (h + timelapse.GAP) - timelapse.GAP)


def test_write_timelapse_writes_frames_gif_strip_and_removes_stale_frames(tmp_path: Path) -> None:
    folder = tmp_path / "tl"
    folder.mkdir()
    (folder / "frame_0099.png").write_bytes(b"old")
    files = timelapse.write_timelapse(fake_frames(3), folder)
    assert sorted(p.name for p in folder.glob("frame_*.png")) == ["frame_0000.png", "frame_0001.png", "frame_0002.png"]
    assert files.gif == folder / "timelapse.gif" and files.gif.is_file()
    assert files.strip == folder / "timelapse_strip.png" and files.strip.is_file()
    assert files.as_dict()["frames"] == 3
    assert not list(folder.glob(".*.tmp"))


def test_check_writable_dir_refuses_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OSError):
        timelapse.check_writable_dir(blocker)
    with pytest.raises(OSError):
        timelapse.check_writable_dir(blocker / "below")


def test_capture_frame_copies_filters_and_pooled_maps() -> None:
    model = Sequential.from_config(resolve_architecture("small"), seed=1)
    drawing = np.zeros((28, 28), np.float32)
    drawing[5:20, 12:15] = 1.0
    frame = capture_frame(model, 3, 0.5, 10, drawing)
    assert list(frame.filters) == list(model.conv_filters())
    for name, w in model.conv_filters().items():
        np.testing.assert_array_equal(frame.filters[name], w)
    assert frame.maps and all(m.ndim == 3 for m in frame.maps.values())
    model.layers[0].params["w"] += 1.0
    assert not np.array_equal(frame.filters[model.layers[0].name], model.conv_filters()[model.layers[0].name])


def test_tiny_run_yields_frames_that_change_and_match_the_weights(fake_mnist: Any, monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    import convlens.services.training as training

    seen: dict[int, dict[str, np.ndarray]] = {}
    original = training.capture_frame

    def spy(model: Sequential, step: int, *args: Any) -> TimelapseFrame:
        seen[step] = model.conv_filters()  # the model's weights at that step, independently copied
        return original(model, step, *args)

    monkeypatch.setattr(training, "capture_frame", spy)
    drawing = np.zeros((28, 28, 1), np.float32)
    drawing[4:22, 10:13] = 1.0
    recipe = QUICK.with_overrides(epochs=1, batch_size=10, augment=False, pen_fraction=0.0)
    request = TrainingRequest(recipe=recipe, architecture="small", workers=1, validation_size=0, train_size=200,
                              test_limit=10, timelapse_every=2, timelapse_max=6, timelapse_drawing=drawing,
                              pen_cache_dir=tmp_path / "pen")
    outcome, events = run(request)
    yielded = [e for e in events if isinstance(e, TimelapseFrame)]
    frames = outcome.timelapse
    assert yielded and 2 <= len(frames) <= 6
    assert frames[0].step == 0 and frames[-1].step == 20  # 200 images / 10 per batch
    assert [f.step for f in frames] == sorted({f.step for f in frames})
    for frame in frames:
        for name, w in seen[frame.step].items():
            np.testing.assert_array_equal(frame.filters[name], w)
    last = frames[-1].filters
    for name, w in outcome.model.conv_filters().items():
        np.testing.assert_array_equal(last[name], w)
    assert any(not np.array_equal(frames[0].filters[n], last[n]) for n in last)
    assert frames[0].maps and list(frames[0].maps) == list(frames[-1].maps)
    assert not np.array_equal(timelapse.render_frame(frames[0]), timelapse.render_frame(frames[-1]))


def test_no_timelapse_unless_asked(fake_mnist: Any, tmp_path: Path) -> None:
    recipe = QUICK.with_overrides(epochs=1, batch_size=50, augment=False, pen_fraction=0.0)
    outcome, events = run(TrainingRequest(recipe=recipe, architecture="small", workers=1, validation_size=0,
                                          train_size=100, test_limit=10, pen_cache_dir=tmp_path / "pen"))
    assert outcome.timelapse == [] and not any(isinstance(e, TimelapseFrame) for e in events)

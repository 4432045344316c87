"""The class-set file and store: validation of crafted files, strokes without pickles, held-out split, undo, merge."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from convlens.services.classset import (
    FILE_NAME,
    HELD_OUT_EVERY,
    ClassSet,
    ClassSetStore,
    held_out_mask,
    load_class_set,
    save_class_set,
)
from convlens.services.model_store import DATA_DIR_ENV


def _image(value: int = 200) -> np.ndarray:
    image = np.zeros((28, 28), np.float32)
    image[6:22, 12:16] = value / 255.0
    return image


def _write(path: Path, **arrays: object) -> Path:
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return path


def test_store_adds_undoes_exports_imports_and_wipes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    store = ClassSetStore()
    assert store.path == tmp_path / "data" / FILE_NAME
    assert len(store.load()) == 0
    store.add(_image(), 3, strokes=[[(0.125, 0.25), (0.375, 0.5)], [(0.5, 0.5)]], pupil=7)
    store.add(_image(100), 4, pupil=2)
    current = store.add(_image(50), 5, strokes=[[(0.9, 0.9), (0.8, 0.7), (0.6, 0.6)]])
    assert len(current) == 3 and current.counts()[3:6].tolist() == [1, 1, 1]
    reread = load_class_set(store.path)
    assert reread.labels.tolist() == [3, 4, 5] and reread.pupil.tolist() == [7, 2, 0]
    assert reread.images.dtype == np.uint8 and reread.images[0, 10, 13] == 200
    assert [s.tolist() for s in reread.strokes(0)] == [[[0.125, 0.25], [0.375, 0.5]], [[0.5, 0.5]]]
    assert reread.strokes(1) == []
    np.testing.assert_allclose(reread.strokes(2)[0], [[0.9, 0.9], [0.8, 0.7], [0.6, 0.6]], atol=1e-6)
    with np.load(store.path, allow_pickle=False) as archive:  # flat arrays, readable without pickles
        assert archive["stroke_points"].shape == (6, 2)
        assert archive["stroke_lengths"].tolist() == [2, 1, 3]
        assert archive["stroke_counts"].tolist() == [2, 0, 1]

    after_undo = store.undo_last()
    assert after_undo.labels.tolist() == [3, 4]
    assert len(after_undo.stroke_points) == 3 and after_undo.stroke_lengths.tolist() == [2, 1]
    exported = tmp_path / "out" / "ours.npz"
    assert store.export(exported) == 2
    merged, added = store.import_file(exported)
    assert added == 2 and merged.labels.tolist() == [3, 4, 3, 4]
    assert [s.tolist() for s in merged.strokes(2)] == [[[0.125, 0.25], [0.375, 0.5]], [[0.5, 0.5]]]
    store.wipe()
    assert not store.path.exists() and len(store.load()) == 0
    assert len(store.undo_last()) == 0


def test_bad_drawings_are_refused_and_lose_nothing(tmp_path: Path) -> None:
    store = ClassSetStore(tmp_path / "set.npz")
    store.add(_image(), 1)
    before = store.path.read_bytes()
    with pytest.raises(ValueError, match="0..9"):
        store.add(_image(), 10)
    with pytest.raises(ValueError, match="28x28"):
        store.add(np.zeros((20, 20)), 1)
    with pytest.raises(ValueError, match="pupil"):
        store.add(_image(), 1, pupil=-1)
    with pytest.raises(ValueError, match="stroke_points"):
        store.add(_image(), 1, strokes=[[(float("nan"), 0.2)]])
    assert store.path.read_bytes() == before


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"labels": np.zeros(2, np.uint8)}, "missing images"),
        ({"images": np.zeros((2, 28, 28), np.float32), "labels": np.zeros(2, np.uint8)}, "uint8"),
        ({"images": np.zeros((2, 28, 27), np.uint8), "labels": np.zeros(2, np.uint8)}, r"\(N, 28, 28\)"),
        ({"images": np.zeros((2, 28, 28), np.uint8), "labels": np.zeros(3, np.uint8)}, r"labels must have the shape"),
        ({"images": np.zeros((2, 28, 28), np.uint8), "labels": np.array([1, 12])}, "0..9"),
        ({"images": np.zeros((2, 28, 28), np.uint8), "labels": np.array([1.0, 2.0])}, "integers"),
        ({"images": np.zeros((2, 28, 28), np.uint8), "labels": np.array([1, 2]), "pupil": np.array([1])}, "pupil"),
        (
            {"images": np.zeros((1, 28, 28), np.uint8), "labels": np.array([1]), "stroke_points": np.zeros((2, 2))},
            "all three",
        ),
        (
            {
                "images": np.zeros((1, 28, 28), np.uint8),
                "labels": np.array([1]),
                "stroke_points": np.zeros((2, 2)),
                "stroke_lengths": np.array([3]),
                "stroke_counts": np.array([1]),
            },
            "do not add up",
        ),
        ({"images": np.array([None, None], dtype=object), "labels": np.zeros(2, np.uint8)}, "pickles"),
    ],
)
def test_crafted_files_get_clear_errors(tmp_path: Path, arrays: dict[str, np.ndarray], message: str) -> None:
    path = _write(tmp_path / "crafted.npz", **arrays)
    with pytest.raises(ValueError, match=message) as info:
        load_class_set(path)
    assert "crafted.npz" in str(info.value)


def test_not_a_zip_and_a_zip_bomb_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a class-set file"):
        load_class_set(text)
    big = tmp_path / "big.npz"
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((3, 28, 28), np.uint8))
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("images.npy", buffer.getvalue())
        archive.writestr("labels.npy", b"\0" * 2_000_000)
    monkeypatch.setattr("convlens.services.classset.MAX_FILE_BYTES", 1_000_000)
    with pytest.raises(ValueError, match="too large"):
        load_class_set(big)


def test_import_of_a_bad_file_changes_nothing(tmp_path: Path) -> None:
    store = ClassSetStore(tmp_path / "set.npz")
    store.add(_image(), 2)
    bad = _write(tmp_path / "bad.npz", images=np.zeros((1, 28, 28), np.uint8), labels=np.array([11]))
    with pytest.raises(ValueError, match="0..9"):
        store.import_file(bad)
    assert store.load().labels.tolist() == [2]


def test_a_damaged_store_is_reported_not_overwritten(tmp_path: Path) -> None:
    store = ClassSetStore(tmp_path / "set.npz")
    store.path.write_bytes(b"PK\x03\x04 damaged")
    with pytest.raises(ValueError, match="set.npz"):
        store.add(_image(), 2)
    assert store.path.read_bytes() == b"PK\x03\x04 damaged"


def test_held_out_split_is_per_pupil_and_digit_and_stable() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 2000)
    pupil = rng.integers(1, 21, 2000)
    mask = held_out_mask(labels, pupil)
    assert abs(mask.mean() - 1 / HELD_OUT_EVERY) < 0.03
    for p in (1, 5, 20):  # every pupil has held-out drawings, of several digits
        assert 0.1 < mask[pupil == p].mean() < 0.3
        assert len(set(labels[(pupil == p) & mask].tolist())) >= 5
    # a pupil's split does not depend on the other pupils' drawings
    mine = pupil == 3
    assert (held_out_mask(labels[mine], pupil[mine]) == mask[mine]).all()
    # every fifth drawing of one pupil and digit
    assert held_out_mask(np.full(10, 4), np.full(10, 9)).sum() == 2
    # a pupil who draws every digit once still holds some out
    assert 0 < held_out_mask(np.arange(10), np.full(10, 1)).sum() < 10


def test_save_is_atomic_and_roundtrips(tmp_path: Path) -> None:
    target = tmp_path / "a" / "class.npz"
    class_set = ClassSet.empty().appended(_image(), 0, pupil=1).appended(_image(9), 9, pupil=1)
    save_class_set(target, class_set)
    assert [p.name for p in target.parent.iterdir()] == ["class.npz"]
    again = load_class_set(target)
    assert (again.images == class_set.images).all() and again.labels.tolist() == [0, 9]
    with np.load(target, allow_pickle=False) as archive:  # no strokes: the stroke keys are left out
        assert sorted(archive.files) == ["images", "labels", "pupil"]

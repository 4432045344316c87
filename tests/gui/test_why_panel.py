"""The "Why?" tab (issue #16): the live saliency overlay, the feature-map ranking, the filters' pictures, teaching
with one step (and undoing it bit for bit), the fooling challenge and the adversarial nudge, on real widgets."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from convlens.gui.render import SAMPLE_STROKES
from convlens.resources import default_model_path

WAIT_MS = 10000


def _draw(window, digit: int) -> None:  # noqa: ANN001
    window.canvas.draw_strokes_programmatically(SAMPLE_STROKES[digit])
    window.canvas.flush()


def _rendered(window) -> QImage:  # noqa: ANN001
    """The window as it is on screen: its backing store (the offscreen platform grabs it), else a grab."""
    QApplication.processEvents()
    screen = window.screen()
    image = screen.grabWindow(window.winId()).toImage() if screen is not None else QImage()
    if image.isNull() or image.width() < window.width() // 2:
        image = window.grab().toImage()
    return image


def _ink_points(window, count: int = 60) -> list[QPoint]:  # noqa: ANN001
    """Window positions of pixels where the canvas has ink (a spread-out sample)."""
    canvas = window.canvas
    raster = canvas.image_array()
    rows, cols = np.nonzero(raster > 0.9)
    picks = np.linspace(0, rows.size - 1, count).astype(int)
    points = []
    for r, c in zip(rows[picks], cols[picks], strict=True):
        p = canvas.normalised_to_widget((c + 0.5) / raster.shape[1], (r + 0.5) / raster.shape[0]).toPoint()
        points.append(canvas.mapTo(window, p))
    return points


def _colours(image: QImage, points: list[QPoint], ratio: float) -> np.ndarray:
    return np.array(
        [image.pixelColor(int(p.x() * ratio), int(p.y() * ratio)).getRgb()[:3] for p in points], dtype=np.int64
    )


def test_the_overlay_appears_over_the_ink_and_goes_with_the_drawing(explorer, qtbot: QtBot) -> None:
    window = explorer
    why = window.why
    _draw(window, 7)
    points = _ink_points(window)
    ratio = window.devicePixelRatioF()
    before = _colours(_rendered(window), points, ratio)
    assert (before.min(axis=1) > 200).mean() > 0.9, "the ink is white without the overlay"
    assert window.saliency_map() is None

    why.saliencyToggle.setChecked(True)
    qtbot.waitUntil(lambda: window.saliency_map() is not None, timeout=WAIT_MS)
    values = window.saliency_map()
    assert values is not None and values.shape == (28, 28) and np.abs(values).max() > 0
    assert why.overlay.isVisible() and why.overlay.digit() == window.last_prediction()[0] == 7
    assert why.overlay.legend_texts() == ("pushes towards 7", "pushes away from 7")
    after = _colours(_rendered(window), points, ratio)
    changed = np.abs(after - before).sum(axis=1) > 30
    assert changed.mean() > 0.5, "the overlay tints the ink in the rendered window"

    window.canvas.clear()
    QApplication.processEvents()
    assert window.saliency_map() is None and not why.overlay.isVisible()
    _draw(window, 3)
    qtbot.waitUntil(lambda: window.saliency_map() is not None and why.overlay.digit() == 3, timeout=WAIT_MS)
    why.saliencyToggle.setChecked(False)
    assert window.saliency_map() is None and not why.overlay.isVisible()


def test_the_gradient_method_and_the_ranking_run_with_the_numpy_twin(explorer, qtbot: QtBot) -> None:
    window = explorer
    why = window.why
    why.saliencyMethod.setCurrentIndex(why.saliencyMethod.findData("gradient"))
    assert why.saliencyMethod.currentData() == "gradient"
    why.saliencyToggle.setChecked(True)
    why.featureRankingToggle.setChecked(True)
    _draw(window, 2)
    qtbot.waitUntil(lambda: why.saliency() is not None and why.rankings() is not None, timeout=WAIT_MS)
    saliency = why.saliency()
    assert saliency is not None and saliency.method.startswith("smoothgrad")
    rankings = why.rankings()
    assert rankings is not None and list(rankings) == ["pool1", "pool2"]
    ranked = why.rankingView.ranked()
    assert len(ranked) == 8
    contributions = [c for _, c in ranked]
    assert contributions == sorted(contributions, reverse=True)
    assert ranked[0][0] == int(rankings["pool2"].order[0])
    assert why.marked_maps() == 3 * 2  # the top three of both pooling layers, numbered on the feature-map panel
    why.featureRankingToggle.setChecked(False)
    assert why.marked_maps() == 0 and why.rankings() is None


@pytest.fixture
def onnx_only(qtbot: QtBot, tmp_path: Path):
    """The explorer on the shipped ONNX file without its .npz twin."""
    from convlens.gui.app import create_window

    path = tmp_path / "lonely" / "model.onnx"
    path.parent.mkdir()
    shutil.copyfile(default_model_path().with_suffix(".onnx"), path)
    window = create_window(path, language="en")
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


def test_an_onnx_only_model_offers_occlusion_and_says_why_the_rest_is_unavailable(onnx_only, qtbot: QtBot) -> None:
    window = onnx_only
    why = window.why
    item = why.saliencyMethod.model().item(1)
    assert not item.isEnabled() and "NumPy" in item.toolTip()
    assert "NumPy" in why.saliencyMethod.toolTip()
    _draw(window, 4)
    for widget in (why.teachButton, why.featureRankingToggle, why.filterPicturesToggle, why.adversarialNudge):
        assert not widget.isEnabled() and ".npz" in widget.toolTip(), widget.objectName()
    assert "not available" in why.teachStatus.text()
    with pytest.raises(ValueError, match="NumPy"):
        window.teach(4)
    why.saliencyToggle.setChecked(True)  # occlusion works for any model
    qtbot.waitUntil(lambda: window.saliency_map() is not None, timeout=WAIT_MS)
    assert why.saliency().method == "occlusion"


def test_the_filter_pictures_are_computed_in_a_worker_and_cached(explorer, qtbot: QtBot) -> None:
    why = explorer.why
    why.picture_options = {"steps": 8, "restarts": 0, "candidates": 4}
    with qtbot.waitSignal(why.picturesReady, timeout=WAIT_MS) as ready:
        why.filterPicturesToggle.setChecked(True)
    layers = ready.args[0]
    assert [name for name, _, _ in layers] == ["conv1", "conv2"]
    assert [pictures.shape for _, _, pictures in layers] == [(16, 28, 28), (32, 28, 28)]
    assert why.pictures_ready() and why.picturesView.layers() == ["conv1", "conv2"]
    why.filterPicturesToggle.setChecked(False)
    assert why.picturesView.layers() == []
    with qtbot.waitSignal(why.picturesReady, timeout=1000):  # from the cache: at once
        why.filterPicturesToggle.setChecked(True)


def test_teach_raises_the_digit_and_undo_restores_the_weights_bit_for_bit(explorer, qtbot: QtBot) -> None:
    window = explorer
    why = window.why
    original = window.controller.model
    assert original is not None and original.backend == "onnxruntime"
    assert not why.undoTeachButton.isEnabled()
    _draw(window, 7)
    assert why.teachButton.isEnabled()
    twin = why.numpy_model()
    assert twin is not None
    weights = {k: v.copy() for k, v in twin.get_weights().items()}

    first = window.teach(2)
    assert len(first["before"]) == len(first["after"]) == 10
    assert first["after"][2] > first["before"][2]
    second = window.teach(2)
    assert second["after"][2] > second["before"][2] >= first["after"][2] * 0.999
    assert why.teach_steps() == 2 and why.undoTeachButton.isEnabled()
    # the live prediction runs the taught weights
    live = window.last_prediction()[1]
    assert live[2] == pytest.approx(second["after"][2], rel=1e-4, abs=1e-6)
    assert why.gradientView.layers() == ["conv1", "conv2"]
    assert why.teachBars.values() == (second["before"], second["after"])
    assert "2" in why.teachStatus.text()

    assert window.undo_teach() and window.undo_teach()
    assert not window.undo_teach()
    taught = why.numpy_model()
    assert taught is not None
    for name, value in taught.get_weights().items():
        assert value.dtype == weights[name].dtype and value.tobytes() == weights[name].tobytes(), name
    assert window.controller.model is original  # the original ONNX model is back in the live path
    assert window.last_prediction()[0] == 7


def test_the_fool_challenge_counts_added_ink_and_keeps_the_best_score(explorer, qtbot: QtBot) -> None:
    window = explorer
    why = window.why
    why.foolChallenge.setChecked(True)  # nothing drawn: refused
    assert not why.foolChallenge.isChecked() and why.foolScore.text()
    _draw(window, 1)
    assert window.reading_state() == "digit"
    why.foolChallenge.setChecked(True)
    assert why.foolChallenge.isChecked()
    window.canvas.draw_strokes_programmatically([[(0.3, 0.22), (0.52, 0.22)]])  # a little ink at the top
    window.canvas.flush()
    score = why.challenge_score()
    assert score is not None and score.added_ink > 0 and score.removed_ink == 0
    assert score.digit_before == 1
    # a bigger change: a bar across makes it another digit
    window.canvas.draw_strokes_programmatically([[(0.2, 0.22), (0.8, 0.22)], [(0.8, 0.22), (0.45, 0.9)]])
    window.canvas.flush()
    score = why.challenge_score()
    assert score is not None and score.added_ink > 0
    if score.changed:
        assert why.best_score() == score.added_ink and not why.foolChallenge.isChecked()
        assert str(score.added_ink) in why.foolBest.text()
    why.foolHint.click()
    assert why.saliencyToggle.isChecked()
    why.reset_session()  # the kiosk's idle reset
    assert why.best_score() is None and not why.foolChallenge.isChecked() and not why.saliencyToggle.isChecked()


def test_the_adversarial_nudge_flips_the_answer(explorer, qtbot: QtBot) -> None:
    window = explorer
    why = window.why
    _draw(window, 7)
    with qtbot.waitSignal(why.nudgeReady, timeout=WAIT_MS) as ready:
        why.adversarialNudge.click()
    nudge = ready.args[0]
    assert nudge.flipped and nudge.original_digit == 7 and nudge.digit != 7
    assert np.abs(nudge.difference).max() <= nudge.epsilon + 1e-6
    captions = why.nudgeView.captions()
    assert len(captions) == 3 and "7" in captions[0] and str(nudge.digit) in captions[2]
    qtbot.waitUntil(lambda: why.adversarialNudge.isEnabled(), timeout=WAIT_MS)


def test_the_why_tab_fits_the_smallest_window(qtbot: QtBot) -> None:
    from convlens.gui.app import create_window

    window = create_window(language="en")
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    window.show_tab(window.why)
    for name in ("look", "teach", "fool", "filters"):
        why = window.why
        why.show_page(name)
        QApplication.processEvents()
        page = why.pages[name]
        scroll = page.parentWidget().parentWidget()
        assert page.width() <= scroll.width(), name  # never cut at the side
    for name in ("saliencyToggle", "saliencyMethod", "teachDigit", "teachButton", "undoTeachButton",
                 "teachGradientView", "filterPicturesToggle", "foolChallenge", "adversarialNudge"):
        assert window.findChild(object, name) is not None, name
    assert window.sideTabs.tabText(window.sideTabs.indexOf(window.why)) == "Why?"
    assert Qt.WidgetAttribute.WA_TransparentForMouseEvents and window.why.overlay.testAttribute(
        Qt.WidgetAttribute.WA_TransparentForMouseEvents
    )
    window.close()


def test_the_kiosk_idle_reset_wipes_the_visitors_traces(qtbot: QtBot, tmp_path: Path) -> None:
    from convlens.gui import app as app_module
    from convlens.gui.kiosk import KioskConfig, hash_pin, setup_kiosk

    window = app_module.create_window(kiosk=True, install_extras=False)
    config = KioskConfig(idle_timeout_s=0.3, hide_cursor="never", pin_hash=hash_pin("2468", iterations=1000),
                         attract_loop=False)
    kiosk = setup_kiosk(window, config=config, log_dir=tmp_path / "logs")
    qtbot.addWidget(window, before_close_func=lambda w: kiosk.shutdown())
    why = window.why
    why.attach_kiosk(kiosk)  # what create_window(kiosk=True) does
    window.show()
    qtbot.waitExposed(window)
    _draw(window, 1)
    window.teach(1)
    why._best = 5  # a visitor's best score
    why.saliencyToggle.setChecked(True)
    assert why.teach_steps() == 1
    with qtbot.waitSignal(kiosk.idle.idle, timeout=WAIT_MS):
        pass
    assert why.best_score() is None and why.teach_steps() == 0 and not why.saliencyToggle.isChecked()
    assert window.controller.model is not None and window.controller.model.backend == "onnxruntime"


@pytest.mark.parametrize("digit", [1, 4, 7])
def test_the_overlay_is_placed_where_the_network_input_lies_on_the_canvas(digit: int) -> None:
    from convlens.engine.preprocess import mnist_style_steps
    from convlens.gui.render import rasterize_strokes
    from convlens.gui.why.common import placement_of

    raster = rasterize_strokes(SAMPLE_STROKES[digit], 280, 280 / 11)
    steps = mnist_style_steps(raster)
    assert steps is not None
    where = placement_of(steps, 280)
    rows, cols = np.nonzero(steps.centred > 0.8)  # the input's strong ink ...
    r = (where.top + (rows + 0.5) * where.size / 28).astype(int)
    c = (where.left + (cols + 0.5) * where.size / 28).astype(int)
    assert (raster[np.clip(r, 0, 279), np.clip(c, 0, 279)] > 0.3).mean() > 0.9  # ... lies on the canvas's ink

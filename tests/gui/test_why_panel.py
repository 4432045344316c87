"""The "Why?" tab (issue #16): the live saliency overlay, the feature-map ranking, the filters' pictures, teaching
with one step (and undoing it bit for bit), the fooling challenge and the adversarial nudge, on real widgets."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from convlens.gui.render import SAMPLE_STROKES
from convlens.gui.why.overlay import drawing_side
from convlens.gui.why.panel import GRADIENT_INTERVAL_MS, SALIENCY_INTERVAL_MS
from convlens.resources import default_model_path
from convlens.services.explain import Explainer

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


def _canvas_toggle(window) -> QPushButton:  # noqa: ANN001
    toggle = window.findChild(QPushButton, "canvasSaliencyToggle")
    assert toggle is not None
    return toggle


def _rect_in(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def test_the_canvas_toggle_turns_the_overlay_on_and_off_and_the_why_toggle_follows(explorer, qtbot: QtBot) -> None:
    window = explorer
    why = window.why
    toggle = _canvas_toggle(window)
    # in the row right under the canvas: next to the drawing, covering none of it
    assert toggle.isVisible() and window.findChild(QWidget, "drawColumn").isAncestorOf(toggle)
    canvas_rect, toggle_rect = _rect_in(window.canvas, window), _rect_in(toggle, window)
    assert not canvas_rect.intersects(toggle_rect) and toggle_rect.top() >= canvas_rect.bottom()
    assert toggle_rect.top() == _rect_in(window.undoButton, window).top()
    _draw(window, 7)
    points = _ink_points(window)
    ratio = window.devicePixelRatioF()
    before = _colours(_rendered(window), points, ratio)
    assert (before.min(axis=1) > 200).mean() > 0.9, "white ink without the overlay"
    flips = {"canvas": 0, "why": 0}
    toggle.toggled.connect(lambda _: flips.__setitem__("canvas", flips["canvas"] + 1))
    why.saliencyToggle.toggled.connect(lambda _: flips.__setitem__("why", flips["why"] + 1))

    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert toggle.isChecked() and why.saliencyToggle.isChecked()
    assert flips == {"canvas": 1, "why": 1}  # one state: each switch moved once, no echo
    qtbot.waitUntil(lambda: window.saliency_map() is not None, timeout=WAIT_MS)
    after = _colours(_rendered(window), points, ratio)
    assert (np.abs(after - before).sum(axis=1) > 30).mean() > 0.5, "the overlay's colours lie over the ink"
    assert ((after[:, 0] - after[:, 2]) > 40).mean() > 0.3, "red where the ink pushes towards the answer"

    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert not toggle.isChecked() and not why.saliencyToggle.isChecked()
    assert flips == {"canvas": 2, "why": 2}
    assert window.saliency_map() is None and not why.overlay.isVisible()
    gone = _colours(_rendered(window), points, ratio)
    assert np.abs(gone - before).max() <= 2, "off again: the plain drawing"

    why.saliencyToggle.setChecked(True)  # the Why tab's switch moves the canvas's
    assert toggle.isChecked()
    why.saliencyToggle.setChecked(False)
    assert not toggle.isChecked() and flips == {"canvas": 4, "why": 4}


def test_the_overlay_after_the_pen_stops_explains_the_final_drawing(explorer, qtbot: QtBot, draw) -> None:
    window = explorer
    why = window.why
    runner = why._runner
    starts: list[float] = []
    hand_over = runner._hand_over

    def spy(request: object) -> None:
        starts.append(time.monotonic())
        hand_over(request)

    runner._hand_over = spy  # type: ignore[method-assign]
    compute = runner._fn

    def slowly(request: object) -> object:  # a slow machine: the worker is still busy when the pen is lifted
        time.sleep(0.15)
        return compute(request)

    runner._fn = slowly
    _canvas_toggle(window).click()
    began = time.monotonic()
    moves = draw(window.canvas, SAMPLE_STROKES[4], step_px=3.0)  # real mouse events, the overlay on
    drawn = time.monotonic() - began
    qtbot.waitUntil(lambda: not why.busy() and why.saliency_input() is not None, timeout=WAIT_MS)

    final = window.controller.last_result().image28
    assert final is not None
    np.testing.assert_array_equal(why.saliency_input(), final)  # the last drawing, not one from mid-stroke
    expected = Explainer(window.controller.model).explain(np.array(final), "occlusion")
    np.testing.assert_allclose(window.saliency_map(), expected.values, rtol=1e-5, atol=1e-6)
    assert why.overlay.digit() == expected.digit == window.last_prediction()[0]
    picture = why.overlay.picture()
    assert picture is not None and picture.side == drawing_side(window.canvas)
    # while the pen moves the maps come at a lower rate than the pen (at most one per interval, plus one each
    # time the pen is lifted)
    strokes = len(SAMPLE_STROKES[4])
    assert len(starts) <= drawn / (SALIENCY_INTERVAL_MS / 1000.0) + strokes + 2
    assert len(starts) < moves


def test_the_gradient_overlay_runs_at_a_lower_rate_than_occlusion(explorer, qtbot: QtBot, draw) -> None:
    window = explorer
    why = window.why
    _canvas_toggle(window).click()
    for index in range(why.saliencyMethod.count()):
        why.saliencyMethod.setCurrentIndex(index)
        method = why.saliencyMethod.itemData(index)
        draw(window.canvas, SAMPLE_STROKES[7])
        qtbot.waitUntil(lambda: not why.busy(), timeout=WAIT_MS)
        expected = GRADIENT_INTERVAL_MS if method == "gradient" else SALIENCY_INTERVAL_MS
        assert why._runner.interval() == expected, method
    assert GRADIENT_INTERVAL_MS > SALIENCY_INTERVAL_MS


def test_a_map_still_computing_when_the_canvas_is_cleared_never_shows_over_the_next_drawing(
    explorer, qtbot: QtBot
) -> None:
    window = explorer
    why = window.why
    runner = why._runner
    compute = runner._fn
    started = []

    def slowly(request: object) -> object:
        started.append(request)
        time.sleep(0.3)
        return compute(request)

    runner._fn = slowly
    shown: list[np.ndarray] = []
    why.saliencyReady.connect(lambda _: shown.append(why.saliency_input()))
    _canvas_toggle(window).click()
    _draw(window, 7)
    qtbot.waitUntil(lambda: len(started) == 1, timeout=WAIT_MS)  # the 7's map is being computed ...
    window.canvas.clear()  # ... when the visitor starts again
    _draw(window, 1)
    one = np.array(window.controller.last_result().image28)
    qtbot.waitUntil(lambda: not why.busy() and why.saliency_input() is not None, timeout=WAIT_MS)
    assert len(started) == 2  # the 7's map was finished, and then the 1's computed
    assert len(shown) == 1 and np.array_equal(shown[0], one)  # only the 1's was shown
    assert why.overlay.digit() == window.last_prediction()[0] == 1


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
    assert not _canvas_toggle(window).isChecked()
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

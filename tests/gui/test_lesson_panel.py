"""LessonPanel: navigation, the host-window API, and the lecture's tables as the lesson displays them."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QScrollBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from convlens.engine import lesson_data as L
from convlens.engine import ops
from convlens.engine.model import Sequential
from convlens.engine.presets import PRESETS
from convlens.gui.lesson import LessonPanel
from convlens.services import samples

STEP_TITLES = [
    "1. Pixels are numbers",
    "2. Tensors",
    "3. 1D convolution",
    "4. 2D convolution",
    "5. Stride and padding",
    "6. Max pooling",
    "7. Stacking layers",
]


def drawn_examples() -> L.ExampleDigits:
    images, labels = samples.drawn_sample_digits()
    return L.ExampleDigits(images, labels, "drawn")


@pytest.fixture
def panel(qtbot: QtBot) -> LessonPanel:
    widget = LessonPanel(examples_loader=drawn_examples)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()  # pages recompute when shown, as in the app
    return widget


@pytest.fixture
def digit() -> np.ndarray:
    return samples.drawn_sample_digits()[0][2]  # a drawn "4", (28, 28) in [0, 1]


def test_panel_lists_the_seven_steps_in_the_lectures_order(panel: LessonPanel) -> None:
    assert panel.objectName() == "lessonPanel"
    assert panel.step_titles() == STEP_TITLES
    assert panel.current_step() == 0
    step_list = panel.findChild(QWidget, "lessonStepList")
    assert [step_list.item(i).text() for i in range(step_list.count())] == STEP_TITLES  # type: ignore[attr-defined]


def test_previous_and_next_buttons_walk_the_steps(panel: LessonPanel, qtbot: QtBot) -> None:
    prev_button = panel.findChild(QAbstractButton, "lessonPrevButton")
    next_button = panel.findChild(QAbstractButton, "lessonNextButton")
    assert not prev_button.isEnabled()
    with qtbot.waitSignal(panel.stepChanged) as blocker:
        qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [1] and panel.current_step() == 1
    qtbot.mouseClick(prev_button, Qt.MouseButton.LeftButton)
    assert panel.current_step() == 0
    panel.goto_step(99)
    assert panel.current_step() == 6 and not next_button.isEnabled()
    panel.goto_step(3)
    assert panel.stack.currentWidget() is panel.conv2d


def _qt_internal(widget: QWidget, plot: QWidget) -> bool:
    """Scroll bars, table corner buttons, combo-box popups and the plot's own widgets belong to Qt."""
    if isinstance(widget, QScrollBar):
        return True
    parent = widget.parentWidget()
    while parent is not None:
        if parent is plot or isinstance(parent, (QAbstractItemView, QComboBox)):
            return True
        parent = parent.parentWidget()
    return False


def test_every_interactive_widget_has_an_object_name(panel: LessonPanel) -> None:
    panel.set_architecture(Sequential.from_config(PRESETS["small"]).architecture())
    for index in range(len(panel.steps())):
        panel.goto_step(index)  # build every page
    checked = 0
    for kind in (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox):
        for widget in panel.findChildren(kind):
            if _qt_internal(widget, panel.conv1d.plot):
                continue
            checked += 1
            assert widget.objectName(), f"{kind.__name__} {widget!r} has no objectName"
    assert checked > 40


def test_displayed_7x7_table_is_the_lectures_computed_through_ops(
    count_ops_calls: Callable[[str], list[int]], qtbot: QtBot
) -> None:
    calls = count_ops_calls("conv2d")
    panel = LessonPanel(examples_loader=drawn_examples)
    qtbot.addWidget(panel)
    panel.goto_step(3)
    first = panel.displayed_table()
    assert calls[0] > 0
    assert first.shape == (7, 7)
    assert first[0, 0] == pytest.approx(0.77) and np.isnan(first[0, 1:]).all()  # built cell by cell
    qtbot.mouseClick(panel.findChild(QAbstractButton, "conv2dShowAllButton"), Qt.MouseButton.LeftButton)
    table = panel.displayed_table()
    assert np.array_equal(table, L.LECTURE_TABLE_7X7)
    texts = panel.conv2d.output_grid.texts()
    assert texts[0][0] == "0.77" and texts[1][1] == "1.00" and texts[0][4] == "0.55" and texts[0][1] == "-0.11"
    assert "✓" in panel.conv2d.lecture_check.text()


def test_next_position_fills_the_next_cell_and_shows_the_lectures_sums(panel: LessonPanel, qtbot: QtBot) -> None:
    panel.goto_step(3)
    next_button = panel.findChild(QAbstractButton, "conv2dNextPositionButton")
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    table = panel.displayed_table()
    assert np.isfinite(table[0, :2]).all() and np.isnan(table[0, 2])
    panel.conv2d.controls.set_position(8)  # row 1, column 1: on the diagonal
    assert "/ 9 = <b>1.00</b>" in panel.conv2d.equation.text()
    assert np.array_equal(panel.conv2d.displayed_products(), np.ones((3, 3)))
    panel.conv2d.controls.set_position(3 * 7 + 3)  # the lecture's 0.55 window
    assert "(1 + 1 − 1 + 1 + 1 + 1 − 1 + 1 + 1) / 9 = <b>0.55</b>" in panel.conv2d.equation.text()


def test_editing_a_kernel_value_changes_the_displayed_table(panel: LessonPanel) -> None:
    panel.goto_step(3)
    panel.conv2d.controls.set_position(48)
    before = panel.displayed_table()
    panel.conv2d.kernel_editor.spin(0, 0).setValue(-1.0)
    after = panel.displayed_table()
    assert not np.array_equal(before, after)
    expected = L.truncate2(L.lecture_table(kernel=panel.conv2d.kernel_editor.kernel()))
    assert np.array_equal(after, expected)
    assert "no longer" in panel.conv2d.lecture_check.text()
    panel.findChild(QAbstractButton, "conv2dResetKernel").click()
    assert np.array_equal(panel.displayed_table(), L.LECTURE_TABLE_7X7)


def test_2d_step_on_the_visitors_digit_with_presets_and_network_filters(panel: LessonPanel, digit: np.ndarray) -> None:
    panel.set_image(digit)
    panel.goto_step(3)
    panel.conv2d.use_digit(True)
    panel.conv2d.select_preset("edges_vertical")
    panel.conv2d.controls.set_position(10**6)
    np.testing.assert_allclose(
        panel.displayed_table(), L.conv2d_map(digit, L.KERNEL_PRESETS["edges_vertical"]), atol=1e-12
    )
    rng = np.random.default_rng(0)
    w1 = np.round(rng.normal(size=(5, 5, 1, 4)), 2)
    panel.set_filters(OrderedDict([("conv1", w1), ("conv2", rng.normal(size=(3, 3, 4, 8)))]))
    panel.conv2d.select_preset("network")
    panel.findChild(QAbstractSpinBox, "conv2dFilterIndex").setValue(3)  # type: ignore[attr-defined]
    np.testing.assert_array_equal(panel.conv2d.kernel_editor.kernel(), w1[:, :, 0, 3])
    panel.conv2d.controls.set_position(10**6)
    table = panel.displayed_table()
    assert table.shape == (24, 24)
    np.testing.assert_allclose(table, L.conv2d_map(digit, w1[:, :, 0, 3]), atol=1e-9)


def test_displayed_pool_table_is_the_lectures_4x4(panel: LessonPanel, qtbot: QtBot) -> None:
    panel.goto_step(5)
    qtbot.mouseClick(panel.findChild(QAbstractButton, "poolShowAllButton"), Qt.MouseButton.LeftButton)
    assert np.array_equal(panel.displayed_pool_table(), L.LECTURE_POOLED_4X4)
    assert "✓" in panel.pooling.lecture_check.text()
    panel.pooling.controls.set_position(0)
    shown = panel.displayed_pool_table()
    assert shown[0, 0] == 1.0 and np.isnan(shown.ravel()[1:]).all()
    assert "max(0.77, -0.11, -0.11, 1.00) = <b>1.00</b>" in panel.pooling.equation.text()
    panel.pooling.controls.set_position(15)  # the corner window: one real cell, three padding cells
    assert np.isneginf(panel.pooling.displayed_window()).sum() == 3
    panel.findChild(QAbstractButton, "poolPaddingValid").click()
    panel.pooling.controls.set_position(10**6)
    assert np.array_equal(panel.displayed_pool_table(), L.LECTURE_POOLED_4X4[:3, :3])


@pytest.mark.parametrize("stride", L.LECTURE_STRIDES)
@pytest.mark.parametrize("padding", L.PADDINGS)
def test_stride_and_padding_shapes_match_ops(
    panel: LessonPanel, digit: np.ndarray, stride: tuple[int, int], padding: str
) -> None:
    panel.set_image(digit)
    panel.goto_step(4)
    panel.findChild(QAbstractButton, f"stride_{stride[0]}_{stride[1]}").click()
    panel.findChild(QAbstractButton, f"padding{padding.capitalize()}").click()
    kernel = L.DIAGONAL_FILTER[:, :, None, None]
    x_shape = ops.conv2d(L.lecture_x_image()[None, :, :, None], kernel, stride=stride, padding=padding).shape[1:3]
    d_shape = ops.conv2d(digit[None, :, :, None].astype(np.float64), kernel, stride=stride, padding=padding).shape[1:3]
    assert panel.displayed_output_shape("x") == x_shape
    assert panel.displayed_output_shape("digit") == d_shape
    assert panel.stride.displayed_formula_shape("x") == x_shape
    assert panel.stride.displayed_formula_shape("digit") == d_shape
    assert f"{x_shape[0]} × {x_shape[1]}" in panel.stride.formula.text()


def test_lecture_strides_give_the_lectures_output_sizes(panel: LessonPanel) -> None:
    panel.goto_step(4)
    expected = {(1, 1): (7, 7), (2, 2): (4, 4), (3, 3): (3, 3)}  # the lecture's "Output image => n x n"
    for stride, shape in expected.items():
        panel.stride.set_settings(stride, "valid")
        assert panel.displayed_output_shape("x") == shape
    panel.stride.set_settings((1, 1), "same")
    assert panel.displayed_output_shape("x") == (9, 9)  # the lecture's padding slide: 9 x 9


def test_set_image_none_shows_the_draw_a_digit_state(panel: LessonPanel, digit: np.ndarray) -> None:
    panel.set_image(digit)
    panel.set_image(None)
    panel.conv2d.use_digit(True)
    panel.conv1d.source_combo.setCurrentIndex(0)
    for index, step in enumerate(panel.steps()):
        panel.goto_step(index)
        step.ensure_fresh()
    assert not panel.pixels.hint.isHidden()
    assert np.array_equal(panel.pixels.displayed_values(), np.zeros((28, 28)))
    assert not panel.conv2d.hint.isHidden()
    panel.conv2d.controls.set_position(10**6)
    assert np.array_equal(panel.displayed_table(), np.zeros((26, 26)))  # a blank canvas is all zeros
    assert not panel.conv1d.hint.isHidden()
    assert np.array_equal(panel.conv1d.displayed_output(), np.zeros(28))
    assert not panel.stride.hint.isHidden()
    panel.set_image(digit)
    panel.goto_step(0)
    assert panel.pixels.hint.isHidden()
    assert np.array_equal(panel.pixels.displayed_values(), L.pixel_values(digit, binary=False, scale255=True))


def test_set_image_rejects_a_wrong_shape(panel: LessonPanel) -> None:
    with pytest.raises(ValueError, match="28x28"):
        panel.set_image(np.zeros((10, 10)))


def test_stacking_lists_the_models_layers_and_clicks_emit_layer_activated(
    panel: LessonPanel, qtbot: QtBot
) -> None:
    model = Sequential.from_config(PRESETS["default"])
    panel.set_architecture([(d["name"], d["type"], tuple(d["output_shape"])) for d in model.architecture()])
    panel.goto_step(6)
    stages = panel.stacking.displayed_stages()
    assert [name for name, _, _ in stages] == ["image"] + [layer.name for layer in model.layers] + ["probs"]
    assert stages[0][2] == "(1, 28, 28, 1)"
    assert stages[1] == ("conv1", "Conv2D", "(1, 28, 28, 16)")
    assert stages[-1][2] == "(1, 10)"
    for name in ("conv1", "pool2", "probs"):
        button = panel.findChild(QAbstractButton, f"stage_{name}")
        with qtbot.waitSignal(panel.layerActivated) as blocker:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert blocker.args == [name]


def test_stacking_accepts_model_card_dicts(panel: LessonPanel) -> None:
    model = Sequential.from_config(PRESETS["small"])
    panel.set_architecture(model.architecture())
    stages = panel.stacking.displayed_stages()
    assert [s[0] for s in stages][1:-1] == [layer.name for layer in model.layers]
    assert stages[-2][2] == "(1, 10)"


def test_convenience_slots_wire_to_the_controller(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from convlens.gui import controller as ctl

    monkeypatch.setattr(ctl, "default_model_path", lambda: None)
    controller = ctl.Controller()
    panel = LessonPanel(examples_loader=drawn_examples)
    qtbot.addWidget(panel)
    panel.show()
    controller.modelChanged.connect(panel.set_model_info)
    controller.activationsChanged.connect(panel.set_result)
    model = Sequential.from_config(PRESETS["small"], seed=0)
    controller.set_model(model)  # no model card: the stacking step learns the shapes from the activations
    canvas = np.zeros((200, 200), dtype=np.float32)
    canvas[40:160, 90:110] = 1.0  # a "1"
    result = controller.set_canvas_image(canvas)
    assert result.image28 is not None
    np.testing.assert_array_equal(
        panel.pixels.displayed_values(), L.pixel_values(result.image28, binary=False, scale255=True)
    )
    stages = panel.stacking.displayed_stages()
    assert [s[0] for s in stages] == ["image"] + [layer.name for layer in model.layers] + ["probs"]
    assert stages[1][1:] == ("conv", "(1, 28, 28, 8)")
    conv1 = next(layer for layer in model.layers if layer.name == "conv1").params["w"]
    panel.conv2d.select_preset("network")
    np.testing.assert_allclose(panel.conv2d.kernel_editor.kernel(), np.round(conv1[:, :, 0, 0], 2))
    controller.set_model(model, metadata={"model_card": {"architecture": model.architecture()}})
    assert panel.stacking.displayed_stages()[1] == ("conv1", "Conv2D", "(1, 28, 28, 8)")
    controller.set_canvas_image(np.zeros((200, 200), dtype=np.float32))  # cleared canvas
    panel.goto_step(0)
    assert not panel.pixels.hint.isHidden()

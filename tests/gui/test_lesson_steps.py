"""The lesson's individual steps: pixels, tensors, 1D convolution, the step controls and the value grid."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QSpinBox
from pytestqt.qtbot import QtBot

from convlens.engine import lesson_data as L
from convlens.gui.lesson import LessonPanel
from convlens.gui.lesson.grid import ValueGrid
from convlens.gui.lesson.step_tensors import load_colour_example
from convlens.services import samples


class CountingLoader:
    """An examples loader that counts its calls (MNIST must be read once, lazily)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> L.ExampleDigits:
        self.calls += 1
        images, labels = samples.drawn_sample_digits()
        return L.ExampleDigits(images, labels, "mnist")


@pytest.fixture
def loader() -> CountingLoader:
    return CountingLoader()


@pytest.fixture
def panel(qtbot: QtBot, loader: CountingLoader) -> LessonPanel:
    widget = LessonPanel(examples_loader=loader)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    return widget


@pytest.fixture
def digit() -> np.ndarray:
    return samples.drawn_sample_digits()[0][0]  # a drawn "5"


# ----------------------------------------------------------------------------------------- 1. pixels


def test_examples_are_loaded_once_and_only_when_the_pixels_step_is_shown(
    panel: LessonPanel, loader: CountingLoader
) -> None:
    assert loader.calls == 0
    panel.show()
    panel.set_image(np.zeros((28, 28)))
    panel.set_image(None)
    panel.goto_step(2)
    panel.goto_step(0)
    assert loader.calls == 1
    combo = panel.findChild(QComboBox, "pixelsSourceCombo")
    assert combo.count() == 5  # the drawing + the digits 5 0 4 1


def test_pixels_grid_shows_0_255_or_0_1_grayscale_or_black_and_white(panel: LessonPanel, digit: np.ndarray) -> None:
    panel.show()
    panel.set_image(digit)
    gray255 = panel.pixels.displayed_values()
    assert np.array_equal(gray255, np.round(np.clip(digit, 0, 1) * 255))
    panel.findChild(QAbstractButton, "pixelsRange01").click()
    np.testing.assert_allclose(panel.pixels.displayed_values(), digit, atol=1e-7)
    panel.findChild(QAbstractButton, "pixelsBlackWhite").click()
    bw = panel.pixels.displayed_values()
    assert set(np.unique(bw)) <= {0.0, 1.0}
    assert np.array_equal(bw, (digit >= 0.5).astype(float))
    texts = panel.pixels.grid.texts()
    assert {t for row in texts for t in row} <= {"0", "1"}


def test_clicking_an_example_digit_shows_its_numbers(panel: LessonPanel) -> None:
    panel.show()
    panel.findChild(QAbstractButton, "pixelsExample2").click()
    images, _ = samples.drawn_sample_digits()
    assert np.array_equal(panel.pixels.displayed_values(), np.round(images[2].astype(np.float64) * 255))
    assert panel.pixels.hint.isHidden()


# ----------------------------------------------------------------------------------------- 2. tensors


def test_tensors_step_shows_live_shapes_and_the_models_filters(panel: LessonPanel, digit: np.ndarray) -> None:
    panel.set_image(digit)
    rng = np.random.default_rng(0)
    panel.set_filters(OrderedDict([("conv1", rng.normal(size=(5, 5, 1, 16))),
                                   ("conv2", rng.normal(size=(3, 3, 16, 32)))]))
    rows = panel.tensors.displayed_orders()
    assert [r[0] for r in rows] == ["0", "1", "2", "3", "4"]
    assert [r[3] for r in rows][1:] == ["(28,)", "(28, 28)", "(28, 28, 1)", "(1, 28, 28, 1)"]
    assert f"{digit[14, 14]:.2f}" in rows[0][2]
    filters = panel.tensors.displayed_filters()
    assert [(r[0], r[1]) for r in filters] == [("conv1", "(5, 5, 1, 16)"), ("conv2", "(3, 3, 16, 32)")]


def test_colour_example_layouts(panel: LessonPanel) -> None:
    panel.show()
    panel.goto_step(1)
    assert "(32, 32, 3)" in panel.tensors.layout_label.text()
    panel.findChild(QAbstractButton, "tensorsLayoutCHW").click()
    assert "(3, 32, 32)" in panel.tensors.layout_label.text()
    assert "image[0]" in panel.tensors.layout_label.text()


def test_colour_example_asset_loads_and_falls_back(tmp_path: object, qtbot: QtBot) -> None:
    assert np.array_equal(load_colour_example(), L.colour_example())
    from pathlib import Path

    assert np.array_equal(load_colour_example(Path(str(tmp_path)) / "missing.png"), L.colour_example())


# ----------------------------------------------------------------------------------------- 3. 1D convolution


def test_1d_output_equals_numpy_convolve_on_a_row_of_the_drawing(panel: LessonPanel, digit: np.ndarray) -> None:
    panel.show()
    panel.set_image(digit)
    panel.goto_step(2)
    panel.findChild(QSpinBox, "conv1dRowSpin").setValue(10)
    f = panel.conv1d.signal()
    np.testing.assert_allclose(f, np.round(digit[10], 2))
    g = panel.conv1d.kernel()
    np.testing.assert_allclose(panel.conv1d.displayed_output(), np.convolve(f, g, mode="same"), atol=1e-12)


@pytest.mark.parametrize("preset", ["impulse", "step", "box", "ramp"])
def test_1d_output_equals_numpy_convolve_on_presets_with_5_taps(panel: LessonPanel, preset: str) -> None:
    panel.show()
    panel.goto_step(2)
    combo = panel.findChild(QComboBox, "conv1dSourceCombo")
    combo.setCurrentIndex(combo.findData(preset))
    panel.findChild(QComboBox, "conv1dKernelSize").setCurrentIndex(1)
    g = panel.conv1d.kernel()
    assert g.size == 5
    f = L.SIGNAL_PRESETS[preset]
    np.testing.assert_allclose(panel.conv1d.displayed_output(), np.convolve(f, g, mode="same"), atol=1e-12)


def test_editing_a_1d_kernel_tap_changes_the_output_and_the_step(panel: LessonPanel) -> None:
    panel.show()
    panel.goto_step(2)
    combo = panel.findChild(QComboBox, "conv1dSourceCombo")
    combo.setCurrentIndex(combo.findData("impulse"))
    panel.conv1d.controls.set_position(6)  # one left of the impulse at 7
    before = panel.conv1d.displayed_output()
    panel.conv1d.kernel_editor.spin(0, 0).setValue(2.0)  # g[-1]
    after = panel.conv1d.displayed_output()
    assert not np.array_equal(before, after)
    step = panel.conv1d.displayed_step()
    assert step.n == 6 and step.total == pytest.approx(2.0)  # f[7] g[-1]: the impulse times the edited tap
    assert "= <b>2.00</b>" in panel.conv1d.formula.text()
    assert list(step.f_indices) == [7, 6, 5]


# ----------------------------------------------------------------------------------------- controls, grid


def test_play_walks_through_the_positions_and_stops_at_the_end(panel: LessonPanel, qtbot: QtBot) -> None:
    panel.show()
    panel.goto_step(5)
    controls = panel.pooling.controls
    controls._timer.setInterval(5)
    panel.findChild(QAbstractButton, "poolPlayButton").click()
    # 16 positions at 5 ms; a generous limit for a loaded machine (every position repaints the tables)
    qtbot.waitUntil(lambda: not controls.play_button.isChecked(), timeout=20000)
    assert controls.position() == controls.count() - 1
    assert np.array_equal(panel.displayed_pool_table(), L.LECTURE_POOLED_4X4)


def test_leaving_a_step_stops_its_animation(panel: LessonPanel) -> None:
    panel.show()
    panel.goto_step(3)
    panel.findChild(QAbstractButton, "conv2dPlayButton").click()
    assert panel.conv2d.controls.play_button.isChecked()
    panel.goto_step(4)
    assert not panel.conv2d.controls.play_button.isChecked()


def test_clicking_an_output_cell_moves_the_window_there(panel: LessonPanel, qtbot: QtBot) -> None:
    panel.show()
    panel.goto_step(3)
    grid = panel.conv2d.output_grid
    qtbot.waitExposed(grid)
    cell, x0, y0 = grid._geometry()
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=QPoint(int(x0 + 2.5 * cell), int(y0 + 1.5 * cell)))
    assert panel.conv2d.controls.position() == 1 * 7 + 2
    assert "row 1, column 2" in panel.conv2d.equation.text()


def test_value_grid_texts_nan_and_padding(qtbot: QtBot) -> None:
    grid = ValueGrid(object_name="g")
    qtbot.addWidget(grid)
    values = np.array([[1.0, np.nan], [-0.5, 0.0]])
    pad = np.array([[False, False], [False, True]])
    grid.set_values(values, fmt=lambda v: "" if np.isnan(v) else f"{v:.1f}", pad_mask=pad, pad_text="0")
    assert grid.texts() == [["1.0", ""], ["-0.5", "0"]]
    assert grid.shape() == (2, 2)
    assert grid.heightForWidth(102) == 102  # square cells
    assert grid.heightForWidth(1002) == 2 * 60 + 2  # capped at max_cell
    grid.resize(100, 100)
    grid.grab()  # paints without error

"""LessonPanel: the lecture, step by step, on the visitor's own digit (the app's Learn mode).

Host-window wiring (see :class:`LessonPanel`): feed it the image the network sees, the model's filters and
its architecture; listen to ``layerActivated`` to jump to a layer's panels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from convlens.engine.lesson_data import ExampleDigits
from convlens.gui.lesson.common import LayerSpec, LessonStep, translate
from convlens.gui.lesson.controls import StepControls
from convlens.gui.lesson.step_conv1d import Conv1dStepPage
from convlens.gui.lesson.step_conv2d import Conv2dStepPage
from convlens.gui.lesson.step_pixels import PixelsStep
from convlens.gui.lesson.step_pooling import PoolingStep
from convlens.gui.lesson.step_stacking import StackingStep
from convlens.gui.lesson.step_stride import StrideStep
from convlens.gui.lesson.step_tensors import TensorsStep
from convlens.services.live import LiveResult, ModelInfo
from convlens.services.samples import first_training_digits

_EXAMPLES: ExampleDigits | None = None

COMPACT_PAGE_CHARS = 90
"""Below this many average characters of room beside the step list, the list becomes a drop-down above the page
(at 1024 x 700 that gives the page about 200 px more)."""


def cached_examples() -> ExampleDigits:
    """MNIST's first 4 training digits (or drawn stand-ins), loaded once per process, never downloaded."""
    global _EXAMPLES
    if _EXAMPLES is None:
        _EXAMPLES = first_training_digits(4)
    return _EXAMPLES


class LessonPanel(QWidget):
    """The lesson explorer (objectName ``lessonPanel``): a list of the 7 steps and one page per step.

    Parameters
    ----------
    examples_loader : callable, optional
        Returns the example digits of step 1; defaults to :func:`cached_examples` (reads the MNIST cache
        once, the first time step 1 is shown).

    Signals
    -------
    layerActivated(str)
        A stage of step 7 was clicked: the layer's name (``"image"``, ``"conv1"``, ..., ``"probs"``).
    stepChanged(int)
        The current step index (0-based).
    """

    layerActivated = Signal(str)
    stepChanged = Signal(int)

    def __init__(
        self, parent: QWidget | None = None, examples_loader: Callable[[], ExampleDigits] | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lessonPanel")
        self._architecture_known = False
        self._kinds: dict[str, str] = {}
        self.pixels = PixelsStep(examples_loader or cached_examples)
        self.tensors = TensorsStep()
        self.conv1d = Conv1dStepPage()
        self.conv2d = Conv2dStepPage()
        self.stride = StrideStep()
        self.pooling = PoolingStep()
        self.stacking = StackingStep()
        self._steps: list[LessonStep] = [
            self.pixels, self.tensors, self.conv1d, self.conv2d, self.stride, self.pooling, self.stacking,
        ]

        self.step_list = QListWidget()
        self.step_list.setObjectName("lessonStepList")
        self.step_list.addItems(self.step_titles())
        font = self.step_list.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.step_list.setFont(font)
        self.step_list.setStyleSheet("QListWidget::item { padding: 7px 4px; }")
        self.step_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.step_list.setWordWrap(True)
        self.step_combo = QComboBox()  # the step list of a narrow panel (see COMPACT_PAGE_CHARS)
        self.step_combo.setObjectName("lessonStepCombo")
        self.step_combo.addItems(self.step_titles())
        self.stack = QStackedWidget()
        self.stack.setObjectName("lessonStack")
        for step in self._steps:
            self.stack.addWidget(step)
        self.prev_button = QPushButton(translate("◀ Previous"))
        self.prev_button.setObjectName("lessonPrevButton")
        self.next_button = QPushButton(translate("Next ▶"))
        self.next_button.setObjectName("lessonNextButton")

        # wide: the step list in a column on the left, Previous / Next under it
        self.side = QWidget()
        self.side.setObjectName("lessonSide")
        side = QVBoxLayout(self.side)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.step_list, 1)
        self._side_buttons = QHBoxLayout()
        side.addLayout(self._side_buttons)
        # narrow: one line above the page, Previous / the steps as a drop-down / Next
        self.top_bar = QWidget()
        self.top_bar.setObjectName("lessonTopBar")
        self._top_layout = QHBoxLayout(self.top_bar)
        self._top_layout.setContentsMargins(0, 0, 0, 0)
        self._top_layout.addWidget(self.step_combo, 1)
        page = QVBoxLayout()
        page.addWidget(self.top_bar)
        page.addWidget(self.stack, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.side)
        layout.addLayout(page, 1)
        self._compact: bool | None = None
        self._set_compact(False)

        self.step_list.currentRowChanged.connect(self._row_changed)
        self.step_combo.currentIndexChanged.connect(self.goto_step)
        self.prev_button.clicked.connect(lambda: self.goto_step(self.current_step() - 1))
        self.next_button.clicked.connect(lambda: self.goto_step(self.current_step() + 1))
        self.stacking.layerActivated.connect(self.layerActivated)
        self.step_list.setCurrentRow(0)

    # -- layout ---------------------------------------------------------------------------------------------
    def is_compact(self) -> bool:
        """Whether the steps are a drop-down above the page (a narrow panel) instead of a list beside it."""
        return bool(self._compact)

    def _list_width(self) -> int:
        """The step list's width: its longest title, within 16 to 26 average characters."""
        metrics = QFontMetrics(self.step_list.font())
        titles = [self.step_list.item(i).text() for i in range(self.step_list.count())]  # as shown (translated)
        widest = max(metrics.horizontalAdvance(t) for t in titles) + 24
        chars = metrics.averageCharWidth()
        return int(min(max(widest, 16 * chars), 26 * chars)) + 2 * self.step_list.frameWidth()

    def _set_compact(self, compact: bool) -> None:
        if compact == self._compact:
            return
        self._compact = compact
        if compact:
            self._top_layout.insertWidget(0, self.prev_button)
            self._top_layout.addWidget(self.next_button)
        else:
            self._side_buttons.addWidget(self.prev_button)
            self._side_buttons.addWidget(self.next_button)
        self.side.setVisible(not compact)
        self.top_bar.setVisible(compact)

    def _update_layout(self) -> None:
        width = self._list_width()
        self.side.setFixedWidth(max(width, self.prev_button.sizeHint().width() + self.next_button.sizeHint().width()
                                    + 6))
        room = self.width() - self.side.width() - 24
        self._set_compact(room < COMPACT_PAGE_CHARS * QFontMetrics(self.font()).averageCharWidth())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._update_layout()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.LanguageChange):
            self._update_layout()

    # -- navigation -----------------------------------------------------------------------------------------
    def step_titles(self) -> list[str]:
        """The 7 step titles, in the lecture's order."""
        return [step.title() for step in self._steps]

    def steps(self) -> list[LessonStep]:
        return list(self._steps)

    def current_step(self) -> int:
        return self.stack.currentIndex()

    def goto_step(self, index: int) -> None:
        """Show step ``index`` (0-based; clamped to the valid range)."""
        self.step_list.setCurrentRow(max(0, min(index, len(self._steps) - 1)))

    def _row_changed(self, row: int) -> None:
        if row < 0:
            return
        for step in self._steps:
            for controls in step.findChildren(StepControls):  # stop any step-by-step playback left running
                controls.stop()
        self.stack.setCurrentIndex(row)
        self.step_combo.blockSignals(True)
        self.step_combo.setCurrentIndex(row)
        self.step_combo.blockSignals(False)
        self.prev_button.setEnabled(row > 0)
        self.next_button.setEnabled(row < len(self._steps) - 1)
        self.stepChanged.emit(row)

    # -- data from the host window --------------------------------------------------------------------------
    def set_image(self, image28: np.ndarray | None) -> None:
        """The 28x28 float image in [0, 1] the network sees (white on black); None for an empty canvas."""
        for step in self._steps:
            step.set_image(image28)

    def set_filters(self, filters: Mapping[str, Any]) -> None:
        """Conv layer name -> filter tensor (H_f, W_f, C_in, C_out) (or (weights, bias)), in layer order."""
        for step in self._steps:
            step.set_filters(filters)

    def set_architecture(self, architecture: list[LayerSpec] | list[dict[str, Any]]) -> None:
        """The layers as (name, type, output shape without batch), or the model card's list of dicts."""
        self._architecture_known = bool(architecture)
        self.stacking.set_architecture(architecture)  # type: ignore[arg-type]

    # -- slots for gui.controller.Controller (typed by the Qt-free services.live, no import of the controller) -
    def set_model_info(self, info: ModelInfo) -> None:
        """Slot for ``Controller.modelChanged(ModelInfo)``: filters, and the architecture from the model card.

        Uses ``info.filters`` (name -> (weights, bias)), ``info.metadata["model_card"]["architecture"]``
        and, for the layer types when there is no card, ``info.map_layers`` (``.name``, ``.kind``).
        """
        self.set_filters(info.filters)
        card = info.metadata.get("model_card")
        architecture = card.get("architecture") if isinstance(card, dict) else None
        self._kinds = {m.name: m.kind for m in info.map_layers}
        self.set_architecture(list(architecture) if architecture else [])

    def set_result(self, result: LiveResult) -> None:
        """Slot for ``Controller.activationsChanged(LiveResult)``: the image the network saw.

        When the model has no model card, the first result's activations give the stacking step its
        layers and shapes (``result.activations``: name -> (1, ...) array).
        """
        self.set_image(result.image28)
        activations = result.activations
        if activations and not self._architecture_known:
            self.set_architecture([
                (name, self._kinds.get(name, ""), tuple(int(d) for d in np.shape(a)[1:]))
                for name, a in activations.items() if name != "probs"
            ])

    # -- what is shown (for tests and automation) -----------------------------------------------------------
    def displayed_table(self) -> np.ndarray:
        """The 2D-convolution step's output table as displayed (NaN where not computed yet)."""
        return self.conv2d.displayed_table()

    def displayed_pool_table(self) -> np.ndarray:
        """The pooling step's output table as displayed (NaN where not computed yet)."""
        return self.pooling.displayed_pool_table()

    def displayed_output_shape(self, which: str = "x") -> tuple[int, int]:
        """The stride/padding step's output shape for ``"x"`` (the lecture's X) or ``"digit"``."""
        return self.stride.displayed_output_shape(which)

"""Step 7, "Stacking layers": the real network, stage by stage, with the tensor shape after each layer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from convlens.gui.lesson.common import LayerSpec, LessonStep, hint_label, paragraph, translate

TITLE = str(QT_TRANSLATE_NOOP("Lesson", "7. Stacking layers"))
"""The step's title (translated where it is shown; the lesson handout prints it too)."""
INTRO = str(QT_TRANSLATE_NOOP(
    "Lesson",
    "A CNN stacks what you have seen: convolution, pooling, convolution, pooling: feature "
    "extraction; then fully connected layers: classification. Each layer's output is the next "
    "one's input, so the shapes chain from the (1, 28, 28, 1) image to 10 probabilities. "
    "Click a stage to look at it in the explorer."
))
"""The step's introduction (rich text)."""
PRINTED_INTRO = str(QT_TRANSLATE_NOOP(
    "Lesson",
    "A CNN stacks what you have seen: convolution, pooling, convolution, pooling: feature "
    "extraction; then fully connected layers: classification. Each layer's output is the next "
    "one's input, so the shapes chain from the (1, 28, 28, 1) image to 10 probabilities."
))
"""The introduction the lesson handout prints (on paper there is nothing to click)."""


#: Layer types that extract features (the rest classify).
FEATURE_TYPES = frozenset({"Conv2D", "MaxPool2D", "ReLU", "conv", "pool"})
INPUT_NAME = "image"
OUTPUT_NAME = "probs"


def normalise_architecture(architecture: Iterable[Any]) -> list[LayerSpec]:
    """Accept ``(name, type, output_shape)`` tuples or model-card dicts (``name``, ``type``, ``output_shape``)."""
    specs: list[LayerSpec] = []
    for layer in architecture:
        if isinstance(layer, Mapping):
            name, kind, shape = layer["name"], layer["type"], layer["output_shape"]
        else:
            name, kind, shape = layer
        specs.append((str(name), str(kind), tuple(int(d) for d in shape)))
    return specs


def _shape_text(shape: tuple[int, ...]) -> str:
    return str((1, *shape))


class StackingStep(LessonStep):
    """The network's stages as buttons (objectName ``stage_<name>``), clicking one emits ``layerActivated``.

    Signals
    -------
    layerActivated(str)
        The layer's name (``"image"`` for the input, ``"probs"`` for the probabilities).
    """

    layerActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(translate(TITLE), translate(INTRO), parent)
        self.hint = hint_label(translate("No model loaded yet."), "stackingEmptyHint")
        self.body.addWidget(self.hint)
        self._container = QWidget()
        self._container_layout = QVBoxLayout(self._container)
        self._container_layout.setContentsMargins(0, 0, 0, 0)
        self.body.addWidget(self._container)
        self.body.addStretch(1)
        self._stages: list[tuple[str, str, str]] = []
        self.buttons: dict[str, QPushButton] = {}

    def set_architecture(self, architecture: list[LayerSpec]) -> None:
        super().set_architecture(normalise_architecture(architecture))

    def _stage_list(self) -> list[tuple[str, str, str]]:
        stages = [(INPUT_NAME, translate("Input"), _shape_text((28, 28, 1)))]
        for name, kind, shape in self._architecture:
            stages.append((name, kind, _shape_text(shape)))
        if self._architecture and all(name != OUTPUT_NAME for name, _, _ in self._architecture):
            classes = self._architecture[-1][2]
            stages.append((OUTPUT_NAME, translate("Softmax: probabilities"), _shape_text(classes)))
        return stages

    def refresh(self) -> None:
        while self._container_layout.count():
            item = self._container_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons = {}
        self.hint.setVisible(not self._architecture)
        self._stages = self._stage_list() if self._architecture else []
        if not self._stages:
            return
        features = QGroupBox(translate("Feature extraction"))
        features.setObjectName("stackingFeatures")
        classification = QGroupBox(translate("Classification"))
        classification.setObjectName("stackingClassification")
        f_layout, c_layout = QVBoxLayout(features), QVBoxLayout(classification)
        for i, (name, kind, shape) in enumerate(self._stages):
            button = QPushButton((f"{name}  ·  {kind}" if kind else name) + f"    →  {shape}")
            button.setObjectName(f"stage_{name}")
            button.setToolTip(translate("Show {0} in the explorer").format(name))
            button.setMinimumHeight(34)
            button.setStyleSheet("QPushButton { text-align: left; padding: 4px 12px; }")
            button.clicked.connect(lambda _=False, name=name: self.layerActivated.emit(name))
            self.buttons[name] = button
            is_feature = i == 0 or kind in FEATURE_TYPES
            target = f_layout if is_feature else c_layout
            if target.count():
                arrow = QLabel("↓")
                arrow.setStyleSheet("QLabel { padding-left: 24px; color: #777; }")
                target.addWidget(arrow)
            target.addWidget(button)
        self._container_layout.addWidget(features)
        self._container_layout.addWidget(paragraph("<center>↓</center>"))
        self._container_layout.addWidget(classification)

    # -- for tests ------------------------------------------------------------------------------------------
    def displayed_stages(self) -> list[tuple[str, str, str]]:
        """(name, type, shape text) of every stage shown, input first, probabilities last."""
        self.ensure_fresh()
        return list(self._stages)

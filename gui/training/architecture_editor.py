"""The architecture editor of the advanced training settings: conv blocks, dense layer, size, cost and time.

The visitor sets 1-3 conv blocks (filters, filter size, padding, 2x2 pooling on/off), the hidden dense layer's
units and its dropout. Under them a summary line shows the network's parameters, its MFLOP per image and about
how long the run will take on this machine; an impossible network shows the sentence why instead
(:func:`convlens.services.architecture.check`) and :attr:`ArchitectureEditor.is_valid` turns False.

The time comes from a short timed run of the actual network (:func:`~convlens.services.architecture.measure_rate`,
a few training steps on random images) in a worker thread, cached per network, batch size and augmentation. It
starts only :data:`MEASURE_DELAY_MS` after the visitor last edited the network or opened the advanced settings
(:meth:`ArchitectureEditor.request_measurement`), never while a training runs, and a pen move on the canvas
(:meth:`ArchitectureEditor.pen_moved`) cancels it and waits until the pen is up and has rested: the drawing keeps
the CPU.
Until the network's own rate is known, the last rate measured on another network gives a rough figure.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from convlens.gui.workers import EmitFn, JobThread
from convlens.services.architecture import (
    BLOCKS_RANGE,
    DENSE_RANGE,
    DROPOUT_RANGE,
    FILTERS_RANGE,
    KERNEL_RANGE,
    ArchitectureSpec,
    ConvBlock,
    Problem,
    Rate,
    check,
    estimate_seconds,
    forward_flops,
    layer_key,
    measure_rate,
    parameter_count,
    round_seconds,
)

__all__ = ["MEASURE_DELAY_MS", "PROBLEM_TEXTS", "ArchitectureEditor", "RunSize", "problem_text"]

log = logging.getLogger(__name__)

MEASURE_DELAY_MS = 700
"""Quiet time (no edit, no pen move) before the timing run starts."""
MEASURE_STEPS = 3
"""Timed training steps of the timing run (after one warm-up step)."""
MAX_CACHED_RATES = 64
"""Measured networks remembered (the oldest is forgotten first)."""

PROBLEM_TEXTS = {
    # The sentences of convlens.services.architecture.TEMPLATES, for the translator (same English text).
    "blocks": QT_TRANSLATE_NOOP("Training", "The network needs between {low} and {high} conv blocks, not {value}."),
    "filters": QT_TRANSLATE_NOOP("Training", "Block {block} needs between {low} and {high} filters, not {value}."),
    "kernel": QT_TRANSLATE_NOOP("Training", "Block {block}'s filter size must be between {low} and {high}, not "
                                "{value}."),
    "padding": QT_TRANSLATE_NOOP("Training", "Block {block}'s padding must be \"same\" or \"valid\", not {value}."),
    "dense": QT_TRANSLATE_NOOP("Training", "The dense layer needs between {low} and {high} units, not {value}."),
    "dropout": QT_TRANSLATE_NOOP("Training", "The dropout rate must be between {low} and {high}, not {value}."),
    "conv_fit_0": QT_TRANSLATE_NOOP("Training", "Block {block}'s {kernel} filter does not fit the {size} map it gets: "
                                    "use a smaller filter or \"same\" padding."),
    "conv_fit_1": QT_TRANSLATE_NOOP("Training", "Block {block}'s {kernel} filter does not fit the {size} map left "
                                    "after one pooling: use a smaller filter, \"same\" padding or less pooling."),
    "conv_fit_n": QT_TRANSLATE_NOOP("Training", "Block {block}'s {kernel} filter does not fit the {size} map left "
                                    "after {pools} poolings: use a smaller filter, \"same\" padding or less pooling."),
    "pool_fit": QT_TRANSLATE_NOOP("Training", "Block {block}'s 2x2 pooling does not fit the {size} map its filter "
                                  "leaves: switch that pooling off, or use \"same\" padding or a smaller filter."),
    "params": QT_TRANSLATE_NOOP("Training", "The network would have {params} parameters, more than the {limit} "
                                "allowed here: switch pooling on or use fewer filters or dense units."),
    "flops": QT_TRANSLATE_NOOP("Training", "One image would cost {mflop} MFLOP, more than the {limit} MFLOP allowed "
                               "here: use fewer or smaller filters, or pool earlier."),
    "memory": QT_TRANSLATE_NOOP("Training", "Training would need {mb} MB of memory per image, more than the {limit} "
                                "MB allowed here: use fewer or smaller filters, or pool earlier."),
}

_RATES: dict[tuple[str, int, bool], Rate] = {}
"""Measured rates of this process: (network, batch size, augment) -> :class:`Rate`."""


def tr(text: str) -> str:
    return QCoreApplication.translate("Training", text)


def problem_text(problem: Problem) -> str:
    """The problem's sentence in the interface language."""
    template = PROBLEM_TEXTS.get(problem.kind, problem.template)
    return tr(str(template)).format(**problem.values)


def duration_text(seconds: float) -> str:
    """"about 40 s", "about 3 min": the estimate as the visitor reads it."""
    rounded = round_seconds(seconds)
    if rounded < 120:
        return tr("about {n} s").format(n=rounded)
    return tr("about {n} min").format(n=round(rounded / 60))


@dataclass(frozen=True)
class RunSize:
    """What the estimate is for: the advanced form's run.

    Attributes
    ----------
    images, epochs : int
        Training images per epoch and epochs.
    batch_size : int
    augment : bool
    workers : int
        Data-parallel training processes.
    test_images : int
        Images classified after training.
    validation_images : int
        Held-out images classified at every validation point.
    """

    images: int = 59_500
    epochs: int = 4
    batch_size: int = 128
    augment: bool = False
    workers: int = 1
    test_images: int = 10_000
    validation_images: int = 500

    def seconds(self, layers: list[dict[str, Any]], rate: Rate) -> float:
        """The estimated duration of this run of ``layers`` at ``rate``."""
        return estimate_seconds(layers, self.images, self.epochs, rate, self.workers, self.test_images,
                                self.validation_images)


class ArchitectureEditor(QWidget):
    """Spin boxes for the conv blocks and the dense layer, the summary line and the reason a network is refused.

    Signals
    -------
    changed()
        The network changed (by the visitor or :meth:`set_spec`).
    validityChanged(bool)
        :attr:`is_valid` changed.
    """

    changed = Signal()
    validityChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, place_labels: bool = True) -> None:
        """``place_labels=False``: :attr:`summaryLabel` and :attr:`errorLabel` are left for the caller to place
        (the advanced form shows them next to its start button)."""
        super().__init__(parent)
        self.setObjectName("architectureEditor")
        self._run = RunSize()
        self._valid = True
        self._loading = False
        self._allowed = True
        self._wanted = False
        self._job: JobThread | None = None
        self._job_key: tuple[str, int, bool] | None = None
        self.measurements = 0
        """Timing runs finished (tests read it)."""
        self.pen_is_down: Callable[[], bool] = lambda: False
        """True while the canvas pen draws (the panel sets the canvas's ``is_drawing``): no timing run starts."""

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QFormLayout()
        top.setContentsMargins(0, 0, 0, 0)
        self.blocksSpin = self._spin("blocksSpin", *BLOCKS_RANGE, 2)
        self.blocksSpin.setToolTip(tr("Each conv block is a layer of filters, optionally followed by 2x2 pooling"))
        top.addRow(tr("Conv blocks"), self.blocksSpin)
        layout.addLayout(top)

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for column, title in enumerate((tr("Block"), tr("Filters"), tr("Filter size"), tr("Padding"), tr("Pool"))):
            header = QLabel(title)
            header.setObjectName(f"blockHeader{column}")
            grid.addWidget(header, 0, column)
        self.blockLabels: list[QLabel] = []
        self.filtersSpins: list[QSpinBox] = []
        self.kernelSpins: list[QSpinBox] = []
        self.paddingCombos: list[QComboBox] = []
        self.poolChecks: list[QCheckBox] = []
        for index in range(BLOCKS_RANGE[1]):
            number = index + 1
            label = QLabel(tr("Block {n}").format(n=number))
            label.setObjectName(f"blockLabel{number}")
            filters = self._spin(f"blockFiltersSpin{number}", *FILTERS_RANGE, 16)
            kernel = self._spin(f"blockKernelSpin{number}", *KERNEL_RANGE, 3)
            kernel.setSuffix(tr(" px"))
            kernel.setToolTip(tr("Filter size: the filters are this many pixels high and wide"))
            padding = QComboBox()
            padding.setObjectName(f"blockPaddingCombo{number}")
            padding.addItem(tr("same (keeps the size)"), "same")
            padding.addItem(tr("valid (shrinks the map)"), "valid")
            padding.currentIndexChanged.connect(self._on_edit)
            pool = QCheckBox(tr("2x2"))
            pool.setObjectName(f"blockPoolCheck{number}")
            pool.setToolTip(tr("Max pooling: keep the largest of every 2x2 square, halving the map"))
            pool.setChecked(True)
            pool.toggled.connect(self._on_edit)
            for column, widget in enumerate((label, filters, kernel, padding, pool)):
                grid.addWidget(widget, number, column)
            self.blockLabels.append(label)
            self.filtersSpins.append(filters)
            self.kernelSpins.append(kernel)
            self.paddingCombos.append(padding)
            self.poolChecks.append(pool)
        layout.addLayout(grid)

        bottom = QFormLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        self.denseSpin = self._spin("denseUnitsSpin", *DENSE_RANGE, 64)
        self.denseSpin.setSpecialValueText(tr("none"))
        self.denseSpin.setToolTip(tr("Units of the hidden dense layer before the 10 outputs (none: no hidden layer)"))
        bottom.addRow(tr("Dense units"), self.denseSpin)
        self.dropoutSpin = QDoubleSpinBox()
        self.dropoutSpin.setObjectName("dropoutSpin")
        self.dropoutSpin.setRange(*DROPOUT_RANGE)
        self.dropoutSpin.setDecimals(2)
        self.dropoutSpin.setSingleStep(0.05)
        self.dropoutSpin.setValue(0.2)
        self.dropoutSpin.valueChanged.connect(self._on_edit)
        bottom.addRow(tr("Dropout"), self.dropoutSpin)
        layout.addLayout(bottom)

        self.summaryLabel = QLabel()
        self.summaryLabel.setObjectName("architectureSummary")
        self.summaryLabel.setWordWrap(True)
        self.errorLabel = QLabel()
        self.errorLabel.setObjectName("architectureError")
        self.errorLabel.setWordWrap(True)
        self.errorLabel.setStyleSheet("color: #c0392b;")
        self.errorLabel.setVisible(False)
        if place_labels:
            layout.addWidget(self.summaryLabel)
            layout.addWidget(self.errorLabel)

        self._timer = QTimer(self)
        self._timer.setObjectName("architectureMeasureTimer")
        self._timer.setSingleShot(True)
        self._timer.setInterval(MEASURE_DELAY_MS)
        self._timer.timeout.connect(self._start_measurement)
        self.set_spec(ArchitectureSpec())

    def _spin(self, name: str, low: int, high: int, value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.valueChanged.connect(self._on_edit)
        return spin

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        """A language switch: the computed summary, the reason and "none" in the new language."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.denseSpin.setSpecialValueText(tr("none"))
            self._refresh()

    # -- the network --------------------------------------------------------------------------------------------
    def spec(self) -> ArchitectureSpec:
        """The network the spin boxes describe."""
        blocks = tuple(
            ConvBlock(self.filtersSpins[i].value(), self.kernelSpins[i].value(),
                      str(self.paddingCombos[i].currentData()), self.poolChecks[i].isChecked())
            for i in range(self.blocksSpin.value())
        )
        return ArchitectureSpec(blocks, self.denseSpin.value(), round(float(self.dropoutSpin.value()), 2))

    def layers(self) -> list[dict[str, Any]]:
        """The engine layer list of :meth:`spec`."""
        return self.spec().layers()

    def set_spec(self, spec: ArchitectureSpec) -> None:
        """Show ``spec`` (e.g. a preset) in the spin boxes; values outside their ranges are clamped."""
        self._loading = True
        try:
            self.blocksSpin.setValue(len(spec.blocks))
            for i, block in enumerate(spec.blocks[: len(self.filtersSpins)]):
                self.filtersSpins[i].setValue(block.filters)
                self.kernelSpins[i].setValue(block.kernel)
                self.paddingCombos[i].setCurrentIndex(max(self.paddingCombos[i].findData(block.padding), 0))
                self.poolChecks[i].setChecked(block.pool)
            self.denseSpin.setValue(spec.dense_units)
            self.dropoutSpin.setValue(spec.dropout)
        finally:
            self._loading = False
        self._refresh()
        self.changed.emit()

    @property
    def is_valid(self) -> bool:
        """The network can be trained (no :class:`Problem`)."""
        return self._valid

    def problems(self) -> list[Problem]:
        return check(self.spec())

    def _on_edit(self, *_: object) -> None:
        if self._loading:
            return
        self._refresh()
        self.request_measurement()
        self.changed.emit()

    def _refresh(self) -> None:
        shown = self.blocksSpin.value()
        for i in range(len(self.filtersSpins)):
            for widget in (self.blockLabels[i], self.filtersSpins[i], self.kernelSpins[i], self.paddingCombos[i],
                           self.poolChecks[i]):
                widget.setVisible(i < shown)
        self.dropoutSpin.setEnabled(self.denseSpin.value() > 0)
        problems = self.problems()
        self.errorLabel.setText(" ".join(problem_text(p) for p in problems))
        self.errorLabel.setVisible(bool(problems))
        valid = not problems
        self._update_summary(valid)
        if valid != self._valid:
            self._valid = valid
            self.validityChanged.emit(valid)

    def _update_summary(self, valid: bool | None = None) -> None:
        if not (self._valid if valid is None else valid):
            self.summaryLabel.setText(tr("This network cannot be trained:"))
            return
        layers = self.layers()
        text = tr("{params} parameters · {mflop} MFLOP per image").format(
            params=f"{parameter_count(layers):,}", mflop=f"{forward_flops(layers) / 1e6:.1f}"
        )
        rate = _RATES.get(self._key(layers))
        run = self._run
        if rate is not None:
            seconds = run.seconds(layers, rate)
            text += " · " + tr("{duration} to train and test on this machine").format(duration=duration_text(seconds))
        elif _RATES:  # another network's rate (FLOP/s carry over roughly) until this one is measured
            other = list(_RATES.values())[-1]
            seconds = run.seconds(layers, other)
            text += " · " + tr("roughly {duration} to train and test (measuring this network…)").format(
                duration=duration_text(seconds)
            )
        else:
            text += " · " + tr("training time: measured when you change the network")
        self.summaryLabel.setText(text)

    def estimated_seconds(self) -> float | None:
        """The run's estimated seconds from this network's own measured rate (None until it is measured)."""
        layers = self.layers()
        rate = _RATES.get(self._key(layers)) if self._valid else None
        if rate is None:
            return None
        return self._run.seconds(layers, rate)

    # -- the run and the timing -------------------------------------------------------------------------------
    def set_run_size(self, run: RunSize) -> None:
        """The form's run changed (images, epochs, batch size...): update the estimate."""
        if run == self._run:
            return
        measure_again = (min(run.batch_size, 128), run.augment) != (min(self._run.batch_size, 128), self._run.augment)
        self._run = run
        self._update_summary()
        if measure_again and self._wanted:
            self.request_measurement()

    def set_measuring_allowed(self, allowed: bool) -> None:
        """Allow timing runs (False while a training runs: it would measure a busy machine, and slow it)."""
        self._allowed = bool(allowed)
        if not allowed:
            self._timer.stop()
            self._cancel_job()
        elif self._wanted:
            self._timer.start()

    def request_measurement(self) -> None:
        """Measure this network's rate after :data:`MEASURE_DELAY_MS` of quiet (nothing when already known)."""
        if not self._valid or self._key(self.layers()) in _RATES:
            self._wanted = False
            return
        self._wanted = True
        if self._allowed:
            self._timer.start()

    def pen_moved(self) -> None:
        """The pen draws: stop a timing run and wait until the pen has rested for :data:`MEASURE_DELAY_MS`."""
        if self._job is not None:
            self._cancel_job()
            self._wanted = True
        if self._wanted and self._allowed:
            self._timer.start()

    @property
    def is_measuring(self) -> bool:
        return self._job is not None

    def _key(self, layers: list[dict[str, Any]]) -> tuple[str, int, bool]:
        return layer_key(layers), min(self._run.batch_size, 128), self._run.augment

    def _start_measurement(self) -> None:
        if not self._allowed or not self._valid:
            return
        if self._job is not None or self.pen_is_down():  # a run still stopping, or the pen down: wait again
            self._timer.start()
            return
        layers = self.layers()
        key = self._key(layers)
        if key in _RATES:
            self._wanted = False
            self._update_summary()
            return
        batch, augment = key[1], key[2]

        def job(_emit: EmitFn, cancel: threading.Event) -> Rate:
            return measure_rate(layers, batch, MEASURE_STEPS, augment, cancel)

        thread = JobThread(job, generator=False)  # no Qt parent: see TrainingSession.start
        thread.succeeded.connect(self._on_measured)
        thread.failed.connect(self._on_measure_failed)
        thread.ended.connect(self._on_measure_ended)
        self._job, self._job_key = thread, key
        self._wanted = False
        thread.start()

    def _on_measured(self, rate: object) -> None:
        if not isinstance(rate, Rate) or self._job_key is None:
            return
        _RATES.pop(self._job_key, None)
        _RATES[self._job_key] = rate  # the newest last: the rough figure for networks not measured yet
        while len(_RATES) > MAX_CACHED_RATES:
            del _RATES[next(iter(_RATES))]
        self.measurements += 1
        self._update_summary()

    def _on_measure_failed(self, exc: object) -> None:
        log.warning("cannot time the network: %s", exc)

    def _on_measure_ended(self) -> None:
        thread, self._job = self._job, None
        if thread is not None:
            thread.dispose()
        if self._wanted and self._allowed:
            self._timer.start()

    def _cancel_job(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop the timer and any timing run, and wait for its thread (before the editor is destroyed)."""
        self._timer.stop()
        self._wanted = False
        if self._job is not None:
            self._job.cancel()
            self._job.wait(timeout_ms)

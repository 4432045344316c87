"""The "Why?" tab (issue #16): where the network looks, which maps decided, what each filter wants to see, teaching
it with one step and fooling it.

Four pages in one compact tab (it fits the explorer's smallest window):

- **Where it looks**: ``saliencyToggle`` turns the canvas overlay (:class:`~gui.why.overlay.SaliencyOverlay`) on,
  and so does ``canvasSaliencyToggle`` (:class:`~gui.why.toggle.CanvasSaliencyToggle`), the same switch in the row
  under the canvas (the host places it: ``WhyHost.add_canvas_control``; the two follow each other);
  ``saliencyMethod`` picks occlusion (any model) or gradient (needs the NumPy network). The map is computed off the
  GUI thread by a :class:`~gui.why.common.LatestOnlyRunner` (one computation in flight, the newest drawing wins;
  while the pen is down at most one start every :data:`SALIENCY_INTERVAL_MS`, and the final drawing at once when
  it is lifted), coloured and scaled to the canvas there too (:func:`~gui.why.overlay.overlay_picture`), so the
  pen's thread only hands over the drawing and copies the ready picture. ``featureRankingToggle`` ranks the pooled
  feature maps by their part in the answer (Grad-CAM weights): a list here and the top three numbered on the
  feature-map panel.
- **What filters look for**: ``filterPicturesToggle`` computes, in a worker thread, the picture each conv filter
  responds to most (:func:`convlens.services.visualize.filter_pictures`), cached per model fingerprint and
  recomputed when the model changes (after training, after teaching).
- **Teach**: ``teachDigit`` + ``teachButton`` run one SGD step on the drawing (:class:`convlens.services.teach.
  Teacher`), show the gradient on every filter (``teachGradientView``) and before/after bars (``teachBars``);
  ``undoTeachButton`` restores the previous weights bit for bit. The taught network is shown through the
  controller's preview (``Controller.set_preview_model``), so filters, maps and probabilities update in place and
  the live predictions use the taught weights; undoing every step puts the original model back.
- **Fool it**: ``foolChallenge`` starts the challenge from a well-read digit (added ink counted with
  :func:`convlens.services.fool.score_challenge` on the canvas's 28x28 grid, best score per session, wiped at the
  kiosk's idle reset), ``foolHint`` shows where it looks, ``adversarialNudge`` runs
  :func:`convlens.services.fool.fool` in a worker and shows the original, the change and the flipped answer.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from convlens.engine.gradients import clone_model
from convlens.engine.model import Predictor, Sequential
from convlens.engine.preprocess import PreprocessSteps
from convlens.gui.canvas import RASTER_SIZE
from convlens.gui.controller import LiveResult, ModelInfo
from convlens.gui.kiosk.i18n import SELF_TRANSLATING
from convlens.gui.layouts import FlowLayout, VerticalScrollArea
from convlens.gui.render import tile_rect
from convlens.gui.why.common import InputPlacement, LatestOnlyRunner, placement_of
from convlens.gui.why.overlay import OverlayPicture, SaliencyOverlay, drawing_side, overlay_picture
from convlens.gui.why.toggle import CanvasSaliencyToggle
from convlens.gui.why.views import FilterPicturesView, GradientView, NudgeView, ProbabilityPairs, RankingView
from convlens.gui.workers import JobThread
from convlens.services.explain import (
    Explainer,
    FeatureMapRanking,
    GradientUnavailable,
    SaliencyMap,
    diverging_scale,
)
from convlens.services.fool import ChallengeScore, FoolResult, fool, score_challenge
from convlens.services.jobs import Cancelled
from convlens.services.memory import give_back_memory
from convlens.services.teach import Teacher
from convlens.services.visualize import filter_pictures

if TYPE_CHECKING:
    from convlens.gui.canvas import DrawingCanvas
    from convlens.gui.controller import Controller
    from convlens.gui.kiosk.controller import KioskController
    from convlens.gui.panels.feature_maps import FeatureMapsPanel
    from convlens.gui.style import Theme

__all__ = ["WhyHost", "WhyPanel", "canvas_grid", "fingerprint"]

PICTURES_CACHED = 4
"""Filter pictures kept per network (the original and the last few taught ones)."""
log = logging.getLogger(__name__)

SALIENCY_INTERVAL_MS = 120
"""While the pen is down, at most one saliency computation starts every this many milliseconds (~8 maps a second:
the overlay follows the pen without taking the CPU the panels need); a lifted pen gets its map at once."""
GRADIENT_INTERVAL_MS = 250
"""The same for the gradient method: the NumPy engine's backward pass is many small array operations that hold
Python's lock, which the pen's thread needs too, so its maps come at half the rate (p99 of a pen move with the
gradient overlay at 120 ms: 16.1 ms of CPU, over the 16 ms budget)."""
METHODS = ("occlusion", "gradient")
TOP_MARKED = 3
"""The feature maps numbered on the feature-map panel."""


def canvas_grid(raster: np.ndarray) -> np.ndarray:
    """The canvas raster ``(280, 280)`` as a 28x28 grid of block means (the challenge counts ink on it: unlike
    the network input it does not shift when ink is added)."""
    a = np.asarray(raster, dtype=np.float32)
    side = a.shape[0] // 28
    return a[: 28 * side, : 28 * side].reshape(28, side, 28, side).mean(axis=(1, 3)).astype(np.float32)


def percent(p: float) -> str:
    """A probability as a percentage that still shows small changes: ``"97%"``, ``"4.2%"``, ``"0.0031%"``."""
    v = 100.0 * float(p)
    if v >= 10.0 or v == 0.0:
        return f"{v:.0f}%"
    if v < 0.001:
        return "< 0.001%"  # not "1.9e-11%"
    return f"{v:.1f}%" if v >= 1.0 else f"{v:.2g}%"


def fingerprint(model: Sequential) -> str:
    """A short hash of a network's weights (the filter pictures are cached under it)."""
    digest = hashlib.sha1(usedforsecurity=False)
    for name, value in sorted(model.get_weights().items()):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class _ExplainRequest:
    generation: int
    """The model's (a request made before a model change is not shown)."""
    epoch: int
    """The drawing's (a request made before the explanations were cleared is not shown over a new drawing)."""
    image: np.ndarray
    steps: PreprocessSteps | None
    method: str | None
    rank: bool
    explainer: Explainer
    side: int
    """The canvas's drawing area in device pixels (the overlay's picture is scaled to it)."""


@dataclass(frozen=True)
class _Explained:
    saliency: SaliencyMap | None
    rankings: dict[str, FeatureMapRanking] | None
    placement: InputPlacement
    picture: OverlayPicture | None


def _explain(request: _ExplainRequest) -> _Explained:
    """The worker's part: the saliency map and/or the ranking of one drawing, and the overlay's picture."""
    saliency = request.explainer.explain(request.image, request.method) if request.method else None
    rankings = dict(request.explainer.all_feature_maps(request.image)) if request.rank else None
    placement = placement_of(request.steps, RASTER_SIZE)
    picture = None
    if saliency is not None:
        picture = overlay_picture(diverging_scale(saliency.values), saliency.digit, placement, request.side)
    return _Explained(saliency, rankings, placement, picture)


class _KnownAnswers:
    """What :func:`score_challenge` asks of a predictor, answered with the live model's two probability vectors
    (the start drawing's and the current one's: the answers the visitor saw)."""

    def __init__(self, before: np.ndarray, after: np.ndarray) -> None:
        self._probs = np.stack([np.asarray(before, np.float32), np.asarray(after, np.float32)])

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self._probs


class WhyHost(Protocol):
    """What the tab uses of the explorer window (``gui.window.ExplorerWindow``)."""

    controller: Controller
    canvas: DrawingCanvas
    sideTabs: QTabWidget
    featureMapsPanel: FeatureMapsPanel

    def training_running(self) -> bool: ...

    def theme(self) -> Theme: ...

    def add_canvas_control(self, widget: QWidget) -> None: ...


class WhyPanel(QWidget):
    """The "Why?" tab; objectName ``whyPanel``. See the module docstring.

    Signals
    -------
    saliencyReady(object)
        A new :class:`~convlens.services.explain.SaliencyMap` is shown on the canvas.
    rankingReady(object)
        ``{layer: FeatureMapRanking}`` of the current drawing.
    picturesReady(object)
        The filter pictures are shown: ``[(layer, weights, images), ...]``.
    nudgeReady(object)
        The :class:`~convlens.services.fool.FoolResult` of the adversarial nudge.
    """

    saliencyReady = Signal(object)
    rankingReady = Signal(object)
    picturesReady = Signal(object)
    nudgeReady = Signal(object)

    def __init__(self, window: WhyHost) -> None:
        super().__init__()
        self.setObjectName("whyPanel")
        self.setProperty(SELF_TRANSLATING, True)
        self._window = window
        self._controller = window.controller
        self._canvas = window.canvas
        self._generation = 0
        self._epoch = 0
        self._own_swap = False
        self._numpy: Sequential | None = None
        self._teacher: Teacher | None = None
        self._worker_explainer: tuple[int, Explainer] | None = None
        self._saliency: SaliencyMap | None = None
        self._saliency_input: np.ndarray | None = None
        self._rankings: dict[str, FeatureMapRanking] | None = None
        self._badges: list[tuple[Any, Any]] = []
        self._status: dict[str, Callable[[], str]] = {}
        self._pictures_cache: dict[str, list[tuple[str, np.ndarray, np.ndarray]]] = {}
        self._pictures_job: JobThread | None = None
        self._pictures_again = False
        self._pictures_shown: str | None = None
        self.picture_options: dict[str, Any] = {}
        """Extra options of :func:`~convlens.services.visualize.filter_pictures` (tests make it quicker)."""
        self._nudge_job: JobThread | None = None
        self._nudge: FoolResult | None = None
        self._challenge_start: tuple[np.ndarray, np.ndarray, int] | None = None
        self._challenge: ChallengeScore | None = None
        self._best: int | None = None
        self._last_teach: tuple[int, list[float], list[float]] | None = None
        self._had_drawing = False

        self.overlay = SaliencyOverlay(self._canvas)
        self._runner = LatestOnlyRunner(_explain, SALIENCY_INTERVAL_MS, self)
        self._runner.setObjectName("saliencyRunner")
        self._runner.done.connect(self._on_explained)
        self._runner.failed.connect(self._on_explain_failed)
        self._build()
        window.add_canvas_control(self.canvasToggle)

        self._controller.activationsChanged.connect(self._on_result)
        self._controller.modelChanged.connect(self._on_model)
        self._canvas.strokesChanged.connect(self._on_strokes)
        self._canvas.strokeEnded.connect(self._runner.flush)  # the pen is up: the waiting drawing at once
        cast(QObject, window).installEventFilter(self)
        self._on_model(self._controller.current_model_info())
        self.retranslate_ui()

    # -- construction ---------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setObjectName("whyTabs")
        self.tabs.setDocumentMode(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.tabs)

        # -- where it looks ----------------------------------------------------------------------------------
        look = QWidget()
        look.setObjectName("whyLookPage")
        self.saliencyToggle = QCheckBox()
        self.saliencyToggle.setObjectName("saliencyToggle")
        self.saliencyToggle.toggled.connect(self._on_saliency_toggled)
        # the same switch under the canvas: each follows the other (setChecked to the state it has emits nothing)
        self.canvasToggle = CanvasSaliencyToggle()
        self.canvasToggle.toggled.connect(self.saliencyToggle.setChecked)
        self.saliencyToggle.toggled.connect(self.canvasToggle.setChecked)
        self.methodLabel = QLabel()
        self.saliencyMethod = QComboBox()
        self.saliencyMethod.setObjectName("saliencyMethod")
        for method in METHODS:
            self.saliencyMethod.addItem("", method)  # texts set in retranslate_ui
        self.saliencyMethod.currentIndexChanged.connect(lambda _=0: self._resubmit())
        row = FlowLayout(h_spacing=10)
        row.addWidget(self.saliencyToggle)
        row.addWidget(self.methodLabel)
        row.addWidget(self.saliencyMethod)
        self.lookText = self._wrapped("saliencyExplanation")
        self.featureRankingToggle = QCheckBox()
        self.featureRankingToggle.setObjectName("featureRankingToggle")
        self.featureRankingToggle.toggled.connect(self._on_ranking_toggled)
        self.rankingLabel = self._wrapped("featureRankingLabel")
        self.rankingView = RankingView()
        look_layout = QVBoxLayout(look)
        look_layout.addLayout(row)
        look_layout.addWidget(self.lookText)
        look_layout.addSpacing(8)
        look_layout.addWidget(self.featureRankingToggle)
        look_layout.addWidget(self.rankingLabel)
        look_layout.addWidget(self.rankingView)
        look_layout.addStretch(1)

        # -- what the filters look for -------------------------------------------------------------------------
        filters = QWidget()
        filters.setObjectName("whyFiltersPage")
        self.filterPicturesToggle = QCheckBox()
        self.filterPicturesToggle.setObjectName("filterPicturesToggle")
        self.filterPicturesToggle.toggled.connect(self._on_pictures_toggled)
        self.picturesProgress = QProgressBar()
        self.picturesProgress.setObjectName("filterPicturesProgress")
        self.picturesProgress.setTextVisible(False)
        self.picturesProgress.setMaximumHeight(10)
        self.picturesProgress.hide()
        self.picturesText = self._wrapped("filterPicturesLabel")
        self.picturesView = FilterPicturesView()
        filters_layout = QVBoxLayout(filters)
        filters_layout.addWidget(self.filterPicturesToggle)
        filters_layout.addWidget(self.picturesProgress)
        filters_layout.addWidget(self.picturesText)
        filters_layout.addWidget(self.picturesView, 1)

        # -- teach -------------------------------------------------------------------------------------------
        teach = QWidget()
        teach.setObjectName("whyTeachPage")
        self.teachText = self._wrapped("teachExplanation")
        self.teachDigitLabel = QLabel()
        self.teachDigit = QComboBox()
        self.teachDigit.setObjectName("teachDigit")
        for d in range(10):
            self.teachDigit.addItem(str(d), d)
        self.teachButton = QPushButton()
        self.teachButton.setObjectName("teachButton")
        self.teachButton.clicked.connect(self._on_teach_clicked)
        self.undoTeachButton = QPushButton()
        self.undoTeachButton.setObjectName("undoTeachButton")
        self.undoTeachButton.clicked.connect(self.undo_teach)
        teach_row = FlowLayout(h_spacing=8)
        for w in (self.teachDigitLabel, self.teachDigit, self.teachButton, self.undoTeachButton):
            teach_row.addWidget(w)
        self.teachStatus = self._wrapped("teachStatus")
        self.teachBars = ProbabilityPairs()
        self.barsLegend = QLabel()
        self.barsLegend.setObjectName("teachBarsLegend")
        self.gradientLabel = self._wrapped("teachGradientLabel")
        self.gradientView = GradientView()
        teach_layout = QVBoxLayout(teach)
        teach_layout.addWidget(self.teachText)
        teach_layout.addLayout(teach_row)
        teach_layout.addWidget(self.teachStatus)
        teach_layout.addWidget(self.barsLegend)
        teach_layout.addWidget(self.teachBars)
        teach_layout.addWidget(self.gradientLabel)
        teach_layout.addWidget(self.gradientView)
        teach_layout.addStretch(1)

        # -- fool it -----------------------------------------------------------------------------------------
        fool_page = QWidget()
        fool_page.setObjectName("whyFoolPage")
        self.foolText = self._wrapped("foolExplanation")
        self.foolChallenge = QPushButton()
        self.foolChallenge.setObjectName("foolChallenge")
        self.foolChallenge.setCheckable(True)
        self.foolChallenge.toggled.connect(self._on_challenge_toggled)
        self.foolHint = QPushButton()
        self.foolHint.setObjectName("foolHint")
        self.foolHint.clicked.connect(lambda: self.saliencyToggle.setChecked(True))
        fool_row = FlowLayout(h_spacing=8)
        fool_row.addWidget(self.foolChallenge)
        fool_row.addWidget(self.foolHint)
        self.foolScore = self._wrapped("foolScore")
        self.foolBest = self._wrapped("foolBest")
        self.adversarialNudge = QPushButton()
        self.adversarialNudge.setObjectName("adversarialNudge")
        self.adversarialNudge.clicked.connect(self.start_nudge)
        self.nudgeText = self._wrapped("nudgeLabel")
        self.nudgeView = NudgeView()
        fool_layout = QVBoxLayout(fool_page)
        fool_layout.addWidget(self.foolText)
        fool_layout.addLayout(fool_row)
        fool_layout.addWidget(self.foolScore)
        fool_layout.addWidget(self.foolBest)
        fool_layout.addSpacing(8)
        fool_layout.addWidget(self.adversarialNudge, 0, Qt.AlignmentFlag.AlignLeft)
        fool_layout.addWidget(self.nudgeText)
        fool_layout.addWidget(self.nudgeView)
        fool_layout.addStretch(1)

        self.pages = {"look": look, "filters": filters, "teach": teach, "fool": fool_page}
        for page in self.pages.values():
            scroll = VerticalScrollArea(page)
            scroll.setObjectName(page.objectName() + "Scroll")
            self.tabs.addTab(scroll, "")

    def _wrapped(self, name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    def show_page(self, name: str) -> None:
        """Bring a page to the front: ``"look"``, ``"filters"``, ``"teach"`` or ``"fool"``."""
        page = self.pages[name]
        for i in range(self.tabs.count()):
            scroll = self.tabs.widget(i)
            if isinstance(scroll, VerticalScrollArea) and scroll.widget() is page:
                self.tabs.setCurrentIndex(i)

    # -- texts ----------------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        """Every text of the tab in the current language (also on ``LanguageChange``)."""
        tabs = self._window.sideTabs
        if tabs.indexOf(self) >= 0:
            tabs.setTabText(tabs.indexOf(self), self.tr("Why?"))
        titles = (self.tr("Where it looks"), self.tr("What filters look for"), self.tr("Teach"), self.tr("Fool it"))
        for i, title in enumerate(titles):
            self.tabs.setTabText(i, title)
        self.saliencyToggle.setText(self.tr("Where it looks"))
        self.saliencyToggle.setToolTip(self.tr("Colour the drawing by how much each part pushes the answer"))
        self.methodLabel.setText(self.tr("Method:"))
        self.saliencyMethod.setItemText(0, self.tr("occlusion"))
        self.saliencyMethod.setItemText(1, self.tr("gradient"))
        self.lookText.setText(
            self.tr(
                "Red ink pushes the network towards its answer, blue ink pushes it away. Occlusion covers small "
                "patches of the drawing and watches the answer drop (works for any model). Gradient asks the "
                "network itself how each pixel moves its answer (needs the NumPy network)."
            )
        )
        self.featureRankingToggle.setText(self.tr("Rank the feature maps by their part in the answer"))
        self.filterPicturesToggle.setText(self.tr("Show what each filter looks for"))
        self.teachText.setText(
            self.tr(
                "Draw a digit, choose the right answer and press Teach: the network takes one small learning step "
                "on your drawing alone. Undo teaching puts the weights back exactly."
            )
        )
        self.teachDigitLabel.setText(self.tr("The right digit:"))
        self.teachButton.setText(self.tr("Teach"))
        self.undoTeachButton.setText(self.tr("Undo teaching"))
        self.barsLegend.setText(self.tr("Probabilities: grey before, blue after teaching"))
        self.gradientLabel.setText(
            self.tr("How each filter changes (red: weights grow, blue: they shrink), conv1 and conv2:")
        )
        self.foolText.setText(
            self.tr(
                "Fool the network: start from a digit it reads well, then add as little ink as you can until it "
                "reads another digit."
            )
        )
        self.foolChallenge.setText(
            self.tr("Stop the challenge") if self.foolChallenge.isChecked() else self.tr("Start the challenge")
        )
        self.foolHint.setText(self.tr("Show where it looks"))
        self.adversarialNudge.setText(self.tr("Adversarial nudge"))
        self.adversarialNudge.setToolTip(
            self.tr("Let the computer find the smallest change of every pixel that flips the answer")
        )
        self._update_states()
        for key, text in self._status.items():
            label = self.findChild(QLabel, key)
            if label is not None:
                label.setText(text())
        self._show_challenge()
        if self._nudge is not None:
            self._show_nudge(self._nudge)

    def _set_status(self, label: QLabel, text: Callable[[], str]) -> None:
        """Show ``text()`` on ``label`` now and again after a language switch."""
        self._status[label.objectName()] = text
        label.setText(text())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def _update_states(self) -> None:
        """Enable what the model allows; the tooltips say why something is not available."""
        has_model = self._controller.has_model()
        numpy = self._numpy is not None
        why_not = self.tr(
            "Needs the NumPy network: this ONNX model has no .npz twin next to it. Open a .npz model or one "
            "trained in ConvLens."
        )
        model = cast(QStandardItemModel, self.saliencyMethod.model())
        item = model.item(1)
        if item is not None:
            item.setEnabled(numpy)
            item.setToolTip("" if numpy else why_not)
        if not numpy and self.saliencyMethod.currentIndex() == 1:
            self.saliencyMethod.setCurrentIndex(0)
        self.saliencyMethod.setToolTip(
            self.tr("Occlusion works for any model; gradient needs the NumPy network")
            if numpy else why_not
        )
        self.saliencyToggle.setEnabled(has_model)
        self.canvasToggle.setEnabled(has_model)
        for widget in (self.featureRankingToggle, self.filterPicturesToggle, self.adversarialNudge):
            widget.setEnabled(numpy)
        self.featureRankingToggle.setToolTip(
            self.tr("Which pooled maps helped the answer most (Grad-CAM weights)") if numpy else why_not
        )
        drawing = self._controller.last_result().image28 is not None
        self.teachButton.setEnabled(numpy and drawing)
        self.teachButton.setToolTip(
            why_not if not numpy else (self.tr("One learning step on this drawing") if drawing else
                                       self.tr("Draw a digit first"))
        )
        self.teachDigit.setEnabled(numpy)
        self.undoTeachButton.setEnabled(self._teacher is not None and self._teacher.steps > 0)
        if not numpy:
            self._set_status(
                self.teachStatus, lambda: self.tr("Teaching is not available for this model.") + " " + why_not
            )
        elif self.teachStatus.objectName() in self._status and self._teacher is None:
            self._set_status(self.teachStatus, lambda: "")
        self.filterPicturesToggle.setToolTip(
            self.tr("For every conv filter, the picture that excites it most (found by gradient ascent)")
            if numpy else why_not
        )
        if not numpy:
            self.adversarialNudge.setToolTip(why_not)
        self.foolChallenge.setEnabled(has_model)

    # -- the model ------------------------------------------------------------------------------------------
    def _on_model(self, info: ModelInfo) -> None:
        self._generation += 1
        self._worker_explainer = None
        if self._own_swap:
            self._request_pictures()
            return
        model = self._controller.model
        self._teacher = None
        self._last_teach = None
        self._numpy = None
        if model is not None:
            try:
                self._numpy = model.numpy_model()
            except Exception:  # noqa: BLE001 - a twin that does not load means: no gradients
                log.warning("cannot load the NumPy twin of %s", info.label, exc_info=True)
        self.teachBars.clear()
        self.gradientView.clear()
        self._clear_explanations()
        self._update_states()
        if not info.metadata.get("training_preview"):
            self._request_pictures()
        self._resubmit()

    def numpy_model(self) -> Sequential | None:
        """The NumPy network the gradients, teaching and nudging use (the taught one after teaching), or None."""
        return self._teacher.model if self._teacher is not None else self._numpy

    def _explainer(self) -> Explainer:
        """The worker's explainer: copies of the networks (the GUI thread keeps using the originals)."""
        if self._worker_explainer is None or self._worker_explainer[0] != self._generation:
            predictor = self._controller.model
            assert predictor is not None
            if isinstance(predictor, Sequential):
                predictor = clone_model(predictor)
            numpy = self.numpy_model()
            explainer = Explainer(predictor, clone_model(numpy) if numpy is not None else None)
            explainer._looked_for_twin = True  # no twin: no gradients (never loaded in the worker)
            self._worker_explainer = (self._generation, explainer)
        return self._worker_explainer[1]

    def _swap_in(self, model: Sequential | None) -> None:
        """Show the taught network (``None``: the original model again) through the controller's preview."""
        self._own_swap = True
        try:
            self._controller.set_preview_model(model)
        finally:
            self._own_swap = False

    # -- where it looks ---------------------------------------------------------------------------------------
    def saliency_map(self) -> np.ndarray | None:
        """The last signed 28x28 map shown on the canvas (None when none is shown)."""
        if self._saliency is None or not self.overlay.has_map():
            return None
        return self._saliency.values.copy()

    def saliency(self) -> SaliencyMap | None:
        """The last :class:`SaliencyMap` shown."""
        return self._saliency if self.overlay.has_map() else None

    def saliency_input(self) -> np.ndarray | None:
        """The 28x28 network input the shown map explains (None when none is shown)."""
        if self._saliency_input is None or not self.overlay.has_map():
            return None
        return self._saliency_input.copy()

    def rankings(self) -> dict[str, FeatureMapRanking] | None:
        """The last ranking of the feature maps (None when off or not computed yet)."""
        return self._rankings

    def busy(self) -> bool:
        """Whether a saliency or ranking computation runs or waits."""
        return self._runner.busy()

    def working(self) -> bool:
        """Whether any background work of the tab runs: a map, the filter pictures or an adversarial nudge."""
        jobs = (self._pictures_job, self._nudge_job)
        return self._runner.busy() or any(job is not None and job.isRunning() for job in jobs)

    def _method(self) -> str:
        return str(self.saliencyMethod.currentData() or "occlusion")

    def _on_saliency_toggled(self, on: bool) -> None:
        if not on:
            self._saliency = None
            self._saliency_input = None
            self.overlay.clear()
        self._resubmit()

    def _on_ranking_toggled(self, on: bool) -> None:
        if not on:
            self._rankings = None
            self.rankingView.clear()
            self._remove_badges()
        self._resubmit()

    def _resubmit(self) -> None:
        self._on_result(self._controller.last_result())

    def _on_result(self, result: LiveResult) -> None:
        drawing = result.image28 is not None
        if drawing != self._had_drawing:  # not on every pen move: only what a drawing enables changes
            self._had_drawing = drawing
            self._update_states()
        if self._challenge_start is not None:
            self._score_challenge(result)
        if result.image28 is None or result.probs is None or self._controller.model is None:
            self._runner.drop_pending()
            if result.image28 is None:
                self._clear_explanations()
            return
        method = self._method() if self.saliencyToggle.isChecked() else None
        if method == "gradient" and self._numpy is None:
            method = "occlusion"
        rank = self.featureRankingToggle.isChecked() and self._numpy is not None
        if method is None and not rank:
            self._runner.drop_pending()
            return
        image = np.array(result.image28, dtype=np.float32)
        side = drawing_side(self._canvas)
        request = _ExplainRequest(
            self._generation, self._epoch, image, result.steps, method, rank, self._explainer(), side
        )
        # the pen is down: wait for the turn (a few maps a second); lifted (or a setting changed): at once
        self._runner.set_interval(GRADIENT_INTERVAL_MS if method == "gradient" else SALIENCY_INTERVAL_MS)
        self._runner.submit(request, urgent=not self._canvas.is_drawing())

    def _on_explained(self, request: _ExplainRequest, result: _Explained) -> None:
        if request.generation != self._generation or request.epoch != self._epoch or self._canvas.is_empty():
            return
        if result.saliency is not None and result.picture is not None and self.saliencyToggle.isChecked():
            self._saliency = result.saliency
            self._saliency_input = request.image
            self.overlay.set_picture(result.picture)
            self.saliencyReady.emit(result.saliency)
        if result.rankings is not None and self.featureRankingToggle.isChecked():
            self._rankings = result.rankings
            self._show_ranking(result.rankings)
            self.rankingReady.emit(result.rankings)

    def _on_explain_failed(self, request: _ExplainRequest, exc: object) -> None:
        log.warning("saliency failed: %s", exc)
        if isinstance(exc, GradientUnavailable):
            self.saliencyMethod.setCurrentIndex(0)

    def _on_strokes(self) -> None:
        if self._canvas.is_empty():
            self._runner.drop_pending()
            self._clear_explanations()
            if self._challenge_start is not None:
                self.foolChallenge.setChecked(False)

    def _clear_explanations(self) -> None:
        self._epoch += 1  # what is still being computed belongs to the drawing that went
        self._saliency = None
        self._saliency_input = None
        self.overlay.clear()
        self._rankings = None
        self.rankingView.clear()
        self._remove_badges()

    def _show_ranking(self, rankings: dict[str, FeatureMapRanking]) -> None:
        info = self._controller.current_model_info()
        levels = {m.name: m.levels for m in info.map_layers}
        last = list(rankings)[-1]
        ranking = rankings[last]
        self.rankingView.set_ranking(ranking.order, ranking.contributions, ranking.maps, levels.get(last, (0.0, 1.0)))
        self._set_status(
            self.rankingLabel,
            lambda: self.tr("The maps of {0} that pushed most towards {1}, best first:").format(last, ranking.digit),
        )
        self._remove_badges()
        panel = self._window.featureMapsPanel
        for layer, ranked in rankings.items():
            try:
                grid = panel.grid(layer)
            except KeyError:
                continue
            for rank, k in enumerate(int(i) for i in ranked.order[:TOP_MARKED]):
                top, left, _h, _w = tile_rect(k, grid.tile_shape, grid.tile_cols, grid.pad)
                badge = pg.TextItem(str(rank + 1), color=(255, 255, 255), fill=pg.mkBrush(178, 24, 43, 220))
                badge.setAnchor((0, 0))
                badge.setPos(left, top)
                badge.setZValue(20)
                grid.view.addItem(badge, ignoreBounds=True)
                self._badges.append((grid.view, badge))

    def _remove_badges(self) -> None:
        for view, badge in self._badges:
            try:
                view.removeItem(badge)
            except (RuntimeError, ValueError, AttributeError):  # the panel rebuilt its views meanwhile
                pass
        self._badges = []

    def marked_maps(self) -> int:
        """How many rank numbers are shown on the feature-map panel."""
        return len(self._badges)

    # -- what the filters look for --------------------------------------------------------------------------------
    def _on_pictures_toggled(self, on: bool) -> None:
        if on:
            self._request_pictures()
        else:
            self.picturesView.clear()
            self._pictures_shown = None
            self._set_status(self.picturesText, lambda: "")

    def pictures_ready(self) -> bool:
        """Whether the pictures of the current network are shown."""
        model = self.numpy_model()
        return model is not None and self._pictures_shown == fingerprint(model)

    def _request_pictures(self) -> None:
        if not self.filterPicturesToggle.isChecked():
            return
        model = self.numpy_model()
        if model is None:
            self.picturesView.clear()
            self._set_status(self.picturesText, lambda: self.tr("Not available: this model has no NumPy network."))
            return
        key = fingerprint(model)
        if key in self._pictures_cache:
            self._show_pictures(key, self._pictures_cache[key])
            return
        if self._pictures_job is not None:  # one at a time: the running one stops at its next layer
            self._pictures_job.cancel()
            self._pictures_again = True
            return
        copy = clone_model(model)
        layers = [layer.name for layer in copy.layers if layer.type_name == "Conv2D"]
        options = dict(self.picture_options)

        def job(cancel: threading.Event) -> Generator[Any, None, Any]:
            out = []
            for i, layer in enumerate(layers):
                if cancel.is_set():
                    raise Cancelled()
                yield (i, len(layers), layer)
                pictures = filter_pictures(copy, layer, **options)
                weights = np.asarray(copy.layers[[x.name for x in copy.layers].index(layer)].params["w"])
                out.append((layer, weights.copy(), pictures.images))
            return (key, out)

        thread = JobThread(job, parent=self)
        thread.progress.connect(self._on_pictures_progress)
        thread.succeeded.connect(self._on_pictures_done)
        thread.failed.connect(self._on_pictures_failed)
        thread.ended.connect(self._on_pictures_ended)
        self._pictures_job = thread
        self.picturesProgress.setRange(0, len(layers))
        self.picturesProgress.setValue(0)
        self.picturesProgress.show()
        self._set_status(self.picturesText, lambda: self.tr("Looking for what each filter wants to see…"))
        thread.start()

    def _on_pictures_progress(self, item: object) -> None:
        i, n, layer = cast(tuple[int, int, str], item)
        self.picturesProgress.setValue(i)
        self._set_status(self.picturesText, lambda: self.tr("Looking for what the filters of {0} want to see…")
                         .format(layer))

    def _on_pictures_done(self, result: object) -> None:
        key, layers = cast(tuple[str, list[tuple[str, np.ndarray, np.ndarray]]], result)
        self._pictures_cache[key] = layers
        while len(self._pictures_cache) > PICTURES_CACHED:  # taught networks each have their own pictures
            del self._pictures_cache[next(iter(self._pictures_cache))]
        model = self.numpy_model()
        if model is not None and fingerprint(model) == key and self.filterPicturesToggle.isChecked():
            self._show_pictures(key, layers)

    def _show_pictures(self, key: str, layers: list[tuple[str, np.ndarray, np.ndarray]]) -> None:
        self.picturesView.set_pictures(layers)
        self._pictures_shown = key
        self.picturesProgress.hide()
        self._set_status(
            self.picturesText,
            lambda: self.tr("Left: the filter's weights (red positive, blue negative). Right: the picture that "
                            "excites it most."),
        )
        self.picturesReady.emit(layers)

    def _on_pictures_failed(self, exc: object) -> None:
        log.warning("filter pictures failed: %s", exc)
        self._set_status(self.picturesText, lambda: self.tr("The pictures could not be computed: {0}").format(exc))

    def _on_pictures_ended(self) -> None:
        job, self._pictures_job = self._pictures_job, None
        if job is not None:
            job.dispose(None)
            QTimer.singleShot(0, give_back_memory)  # after the job and its model copy are gone
        self.picturesProgress.hide()
        if self._pictures_again:
            self._pictures_again = False
            self._request_pictures()

    # -- teach ----------------------------------------------------------------------------------------------
    def _on_teach_clicked(self) -> None:
        try:
            self.teach(int(self.teachDigit.currentData()))
        except (ValueError, GradientUnavailable) as exc:
            log.info("cannot teach: %s", exc)

    def teach(self, digit: int) -> dict[str, list[float]]:
        """One teaching step on the current drawing labelled ``digit``; ``{"before": [...], "after": [...]}``.

        Raises
        ------
        ValueError
            Nothing is drawn, a training run is going on, or ``digit`` is not 0..9.
        GradientUnavailable
            The model has no NumPy network.
        """
        image = self._controller.last_result().image28
        if image is None:
            raise ValueError("draw a digit first")
        if self._window.training_running():
            raise ValueError("a training run is going on")
        if self._numpy is None:
            raise GradientUnavailable("teaching needs the NumPy network; this model has none")
        if self._teacher is None:
            self._teacher = Teacher(clone_model(self._numpy))
        teacher = self._teacher
        result = teacher.teach(np.array(image, dtype=np.float32), int(digit))
        self._swap_in(teacher.model)
        self.gradientView.set_gradients(result.gradients)
        values = result.as_dict()
        self.teachBars.set_accent(self._window.theme().accent)
        self.teachBars.set_values(values["before"], values["after"], result.digit)
        self._last_teach = (result.digit, values["before"], values["after"])
        self._show_teach_status()
        self._update_states()
        return values

    def undo_teach(self) -> bool:
        """Undo the last teaching step (the exact previous weights); False if there is nothing to undo."""
        teacher = self._teacher
        # Past the last few steps kept one by one, the next undo goes back to the original weights at once.
        if teacher is None or not (teacher.undo() or teacher.reset()):
            return False
        self._swap_in(teacher.model if teacher.steps else None)
        self._last_teach = None
        self.teachBars.clear()
        self.gradientView.clear()
        self._show_teach_status()
        self._update_states()
        return True

    def teach_steps(self) -> int:
        """Teaching steps taken and not undone."""
        return self._teacher.steps if self._teacher is not None else 0

    def _show_teach_status(self) -> None:
        steps = self.teach_steps()
        last = self._last_teach

        def text() -> str:
            if last is not None:
                d, before, after = last
                first = self.tr("Taught {0}: its probability went from {1} to {2}.").format(
                    d, percent(before[d]), percent(after[d])
                )
            else:
                first = ""
            if steps == 0:
                return first or self.tr("The original network is back.")
            return (first + " " + self.tr("Steps taught: {0} (not saved).").format(steps)).strip()

        self._set_status(self.teachStatus, text)

    # -- fool it --------------------------------------------------------------------------------------------
    def _on_challenge_toggled(self, on: bool) -> None:
        if on:
            result = self._controller.last_result()
            if result.probs is None or result.reading.state != "digit" or result.digit is None:
                self.foolChallenge.blockSignals(True)
                self.foolChallenge.setChecked(False)
                self.foolChallenge.blockSignals(False)
                self._set_status(self.foolScore, lambda: self.tr("First draw a digit it reads well."))
            else:
                start = canvas_grid(self._canvas.image_array())
                self._challenge_start = (start, np.array(result.probs, dtype=np.float32), int(result.digit))
                self._challenge = None
        else:
            self._challenge_start = None
        self.foolChallenge.setText(
            self.tr("Stop the challenge") if self.foolChallenge.isChecked() else self.tr("Start the challenge")
        )
        self._show_challenge()

    def challenge_score(self) -> ChallengeScore | None:
        """The score of the running (or last) challenge attempt."""
        return self._challenge

    def best_score(self) -> int | None:
        """The fewest added ink pixels that changed the answer this session (None: not fooled yet)."""
        return self._best

    def _score_challenge(self, result: LiveResult) -> None:
        assert self._challenge_start is not None
        start, probs, _digit = self._challenge_start
        if result.probs is None:
            return
        now = canvas_grid(self._canvas.image_array())
        answers = cast(Predictor, _KnownAnswers(probs, np.asarray(result.probs)))
        score = score_challenge(answers, start, now)
        self._challenge = score
        if score.changed and score.added_ink > 0:
            if self._best is None or score.added_ink < self._best:
                self._best = score.added_ink
            self._challenge_start = None
            self.foolChallenge.blockSignals(True)
            self.foolChallenge.setChecked(False)
            self.foolChallenge.blockSignals(False)
            self.foolChallenge.setText(self.tr("Start the challenge"))
        self._show_challenge()

    def _show_challenge(self) -> None:
        score, running = self._challenge, self._challenge_start is not None
        if running and score is None:
            digit = self._challenge_start[2] if self._challenge_start is not None else -1
            self._set_status(
                self.foolScore,
                lambda: self.tr("It reads {0}. Add ink until it reads another digit.").format(digit),
            )
        elif score is not None:
            s = score
            if s.changed and not running:
                self._set_status(
                    self.foolScore,
                    lambda: self.tr("Fooled! {0} pixels of ink turned {1} into {2}.").format(
                        s.added_ink, s.digit_before, s.digit_after
                    ),
                )
            else:
                self._set_status(
                    self.foolScore,
                    lambda: self.tr("Ink added: {0} pixels. It still reads {1}.").format(s.added_ink, s.digit_after),
                )
        elif self.foolScore.objectName() not in self._status:
            self._set_status(self.foolScore, lambda: "")
        best = self._best
        self._set_status(
            self.foolBest,
            lambda: self.tr("Best this session: {0} pixels").format(best) if best is not None else "",
        )

    def start_nudge(self) -> bool:
        """Run the adversarial nudge on the current drawing in a worker (False if it cannot start)."""
        result = self._controller.last_result()
        numpy = self.numpy_model()
        model = self._controller.model
        if result.image28 is None or numpy is None or model is None or self._nudge_job is not None:
            if result.image28 is None:
                self._set_status(self.nudgeText, lambda: self.tr("Draw a digit first."))
            return False
        image = np.array(result.image28, dtype=np.float32)
        copy = clone_model(numpy)
        check: Predictor = clone_model(model) if isinstance(model, Sequential) else model

        def job(emit: Callable[[Any], None], cancel: threading.Event) -> FoolResult:
            return fool(copy, image, check=check)

        thread = JobThread(job, generator=False, parent=self)
        thread.succeeded.connect(self._on_nudge_done)
        thread.failed.connect(self._on_nudge_failed)
        thread.ended.connect(self._on_nudge_ended)
        self._nudge_job = thread
        self.adversarialNudge.setEnabled(False)
        self._set_status(self.nudgeText, lambda: self.tr("Looking for the smallest change…"))
        thread.start()
        return True

    def nudge(self) -> FoolResult | None:
        """The last adversarial nudge found."""
        return self._nudge

    def _on_nudge_done(self, result: object) -> None:
        nudge = cast(FoolResult, result)
        self._nudge = nudge
        self._show_nudge(nudge)
        self.nudgeReady.emit(nudge)

    def _show_nudge(self, nudge: FoolResult) -> None:
        def reads(digit: int, probs: np.ndarray) -> str:
            return self.tr("reads {0} ({1})").format(digit, percent(probs[digit]))

        if nudge.flipped:
            self._set_status(
                self.nudgeText,
                lambda: self.tr("No pixel moved by more than {0}%, and it reads {1} instead of {2}.").format(
                    f"{100 * nudge.epsilon:.0f}", nudge.digit, nudge.original_digit
                ),
            )
        else:
            self._set_status(self.nudgeText, lambda: self.tr("No small change flips this answer."))
        captions = [
            reads(nudge.original_digit, nudge.before),
            self.tr("the change"),
            reads(nudge.digit, nudge.after),
        ]
        self.nudgeView.set_nudge(nudge.image - nudge.difference, nudge.difference, nudge.image, captions)

    def _on_nudge_failed(self, exc: object) -> None:
        log.warning("adversarial nudge failed: %s", exc)
        self._set_status(self.nudgeText, lambda: self.tr("The nudge failed: {0}").format(exc))

    def _on_nudge_ended(self) -> None:
        job, self._nudge_job = self._nudge_job, None
        if job is not None:
            job.dispose(None)
            QTimer.singleShot(0, give_back_memory)
        self._update_states()

    # -- sessions and shutdown ------------------------------------------------------------------------------
    def attach_kiosk(self, kiosk: KioskController | None) -> None:
        """Wipe the visitor's traces (best score, teaching, overlay) at the kiosk's idle reset."""
        if kiosk is not None:
            kiosk.idle.idle.connect(self.reset_session)

    def reset_session(self) -> None:
        """A new visitor: no challenge, no best score, the original network, no overlay."""
        self.foolChallenge.setChecked(False)
        self._challenge = None
        self._best = None
        if self._teacher is not None and self._teacher.reset():
            self._swap_in(None)
            self._last_teach = None
            self.teachBars.clear()
            self.gradientView.clear()
            self._show_teach_status()
            self._update_states()
        self.saliencyToggle.setChecked(False)
        self.featureRankingToggle.setChecked(False)
        self._nudge = None
        self.nudgeView.clear()
        for label in (self.foolScore, self.foolBest, self.nudgeText):
            self._set_status(label, lambda: "")

    def shutdown(self) -> None:
        """Stop the workers (the window closes)."""
        self._runner.wait()
        for job in (self._pictures_job, self._nudge_job):
            if job is not None:
                job.cancel()
                job.wait(10000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self._window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

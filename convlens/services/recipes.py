"""Training recipes: how long and how hard to train, one type for ``convlens train`` and the Train button."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from convlens.engine.augment import AugmentConfig
from convlens.engine.pen import PenStyle
from convlens.engine.train import TrainConfig
from convlens.engine.writing_styles import WritingStyles

__all__ = ["FULL", "QUICK", "RECIPES", "Recipe"]


@dataclass(frozen=True)
class Recipe:
    """A training schedule.

    Attributes
    ----------
    name : str
        ``"quick"`` (the Train button, ``convlens train --quick``) or ``"full"`` (the shipped model, ``make model``).
    epochs, batch_size : int
    lr : float
        Peak learning rate.
    schedule : {"constant", "cosine", "onecycle", "step"}
        :mod:`convlens.engine.optim` schedule.
    augment : bool
        Random affine changes and stroke widths of each batch (:mod:`convlens.engine.augment`).
    elastic : float
        With ``augment``: root-mean-square displacement (px) of an elastic distortion of every image as well
        (``AugmentConfig.elastic``; 0: off).
    optimizer : {"adam", "sgd"}
    weight_decay : float
    label_smoothing : float
        Target ``(1 - s) * onehot + s / 10`` in the loss: the network is not pushed to 100% on every training
        digit, so its mistakes on unfamiliar drawings are less sure (0: off).
    mixup : float
        ``alpha`` of mixup (:func:`convlens.engine.train.mix_up`; 0: off).
    pen_fraction : float
        Share of every batch swapped for pen-drawn versions of its digits (:mod:`convlens.engine.drawn`; 0: off).
    pen_variants : int
        Re-drawn versions of every training digit (each made once and cached per data hash).
    pen_style : PenStyle
        How the digits are re-drawn.
    pen_seed : int
        Seed of the re-drawing (fixed, so runs with other training seeds share the cache).
    writing_styles : WritingStyles
        Strokes of other ways of writing (the flagged and footed 1, the barred 7) added to the re-drawn 1s and 7s
        (:mod:`convlens.engine.writing_styles`; all 0: none).
    validation_size : int
        Training images held out (from the end) for validation curves and for fitting the calibration
        temperature (with their pen-drawn versions).
    benchmark : bool
        Measure the drawn-digit benchmark and the sample strokes for the model card.
    """

    name: str
    epochs: int
    batch_size: int
    lr: float
    schedule: str = "onecycle"
    augment: bool = False
    elastic: float = 0.0
    optimizer: str = "adam"
    weight_decay: float = 0.0
    label_smoothing: float = 0.0
    mixup: float = 0.0
    pen_fraction: float = 0.0
    pen_variants: int = 1
    pen_style: PenStyle = field(default_factory=PenStyle)
    pen_seed: int = 0
    writing_styles: WritingStyles = field(default_factory=WritingStyles)
    validation_size: int = 5000
    benchmark: bool = False

    def with_overrides(self, **overrides: Any) -> Recipe:
        """A copy with the given fields replaced; ``None`` values are ignored (unset command-line options)."""
        return replace(self, **{key: value for key, value in overrides.items() if value is not None})

    def train_config(
        self, *, seed: int = 0, workers: int = 1, validation_split: float = 0.0, report_every: int = 20
    ) -> TrainConfig:
        """The engine's :class:`~convlens.engine.train.TrainConfig` for this recipe."""
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            optimizer=self.optimizer,
            schedule=self.schedule,
            weight_decay=self.weight_decay,
            augment=self.augment,
            augment_config=AugmentConfig(elastic=self.elastic),
            pen_fraction=self.pen_fraction,
            label_smoothing=self.label_smoothing,
            mixup=self.mixup,
            seed=seed,
            validation_split=validation_split,
            report_every=report_every,
            workers=workers,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


QUICK = Recipe("quick", epochs=4, batch_size=128, lr=4e-3, schedule="onecycle", augment=False, pen_fraction=0.3)
"""The Train button's budget (about a minute on 2 cores): ``convlens train --quick``."""

FULL = Recipe("full", epochs=30, batch_size=128, lr=3e-3, schedule="onecycle", augment=True, pen_fraction=0.4,
              pen_variants=2, label_smoothing=0.0, benchmark=True)
"""The recipe of the shipped model (``make model``)."""

RECIPES: dict[str, Recipe] = {recipe.name: recipe for recipe in (QUICK, FULL)}

"""Training recipes: how long and how hard to train, one type for ``convlens train`` and the Train button."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from convlens.engine.train import TrainConfig

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
        Random affine and elastic changes of each batch (:mod:`convlens.engine.augment`).
    optimizer : {"adam", "sgd"}
    weight_decay : float
    """

    name: str
    epochs: int
    batch_size: int
    lr: float
    schedule: str = "onecycle"
    augment: bool = False
    optimizer: str = "adam"
    weight_decay: float = 0.0

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
            seed=seed,
            validation_split=validation_split,
            report_every=report_every,
            workers=workers,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


QUICK = Recipe("quick", epochs=4, batch_size=128, lr=4e-3, schedule="onecycle", augment=False)
"""The Train button's budget (about half a minute on 2 cores): ``convlens train --quick``."""

FULL = Recipe("full", epochs=15, batch_size=128, lr=3e-3, schedule="onecycle", augment=True)
"""The recipe of the shipped model (``make model``)."""

RECIPES: dict[str, Recipe] = {recipe.name: recipe for recipe in (QUICK, FULL)}

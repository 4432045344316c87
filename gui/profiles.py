"""Teacher profiles: which panels and controls the explorer shows, and how large its type is (issue #17).

Plain data, no Qt: the kiosk config (:mod:`gui.kiosk.config`, read by ``convlens kiosk --check`` without a display)
validates its ``profile`` / ``panels`` / ``controls`` keys with these functions, and the window applies a
:class:`Profile` to its widgets (:mod:`gui.profile_view`).

Two built-in profiles:

* ``"simple"`` for younger pupils: the canvas, the probabilities and the pooled feature maps, in large type
  (presenter mode's scaling, :data:`gui.style.PRESENTER_SCALE`), with Undo and Clear and nothing else;
* ``"full"``: everything (the explorer as it always was).

A teacher's own choice (View > Profile > Choose panels…) is a ``"custom"`` profile: any subset of :data:`PANELS`
and :data:`CONTROLS`. The canvas is always shown: without it there is nothing to explain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "BUILT_IN",
    "CONTROLS",
    "CUSTOM",
    "FULL",
    "PANELS",
    "PROFILE_NAMES",
    "SIMPLE",
    "SIMPLE_TYPE_SCALE",
    "Profile",
    "builtin_profile",
    "parse_names",
]

PANELS: tuple[str, ...] = (
    "probabilities",
    "feature_maps",
    "network_input",
    "layers",
    "filters",
    "learn",
    "why",
    "training",
    "class",
)
"""Panels a profile can show or hide, in the order the "Choose panels…" dialog lists them:
the probabilities under the canvas; the Network tab's feature maps, network input (28x28 and the preprocessing
steps), layer table and filters; the Learn, Why?, Training and Class tabs."""

CONTROLS: tuple[str, ...] = (
    "undo_clear",
    "conv_maps",
    "preprocessing_steps",
    "open_model",
    "train",
    "theme",
    "correct_me",
    "saliency_overlay",
    "export",
)
"""Controls a profile can show or hide: Undo and Clear under the canvas; the "maps after each conv" and
"preprocessing steps" switches; Open model, Train and the theme switch on the toolbar; the "Correct me" bar;
the "Where it looks" switch at the canvas; File > Export. A hidden control's menu entry is disabled."""

SIMPLE_TYPE_SCALE = 1.5
"""Type size of the simple profile relative to normal (the same as presenter mode's)."""

CUSTOM = "custom"
"""Name of a profile the teacher put together in the "Choose panels…" dialog."""


@dataclass(frozen=True)
class Profile:
    """Which panels and controls the window shows, and its type scale.

    Attributes
    ----------
    name : str
        ``"simple"``, ``"full"`` or ``"custom"``.
    panels : frozenset of str
        Shown panels (a subset of :data:`PANELS`; the canvas is always shown).
    controls : frozenset of str
        Shown controls (a subset of :data:`CONTROLS`).
    type_scale : float
        Type size relative to normal (>= 1; 1.5 is presenter mode's size).
    """

    name: str
    panels: frozenset[str]
    controls: frozenset[str]
    type_scale: float = 1.0

    def __post_init__(self) -> None:
        parse_names(self.panels, PANELS, "panel")
        parse_names(self.controls, CONTROLS, "control")
        if not 1.0 <= float(self.type_scale) <= 3.0:
            raise ValueError(f"type_scale must be between 1 and 3, got {self.type_scale!r}")

    def shows(self, name: str) -> bool:
        """Whether the panel or control ``name`` is shown."""
        return name in self.panels or name in self.controls

    def with_choice(self, panels: Iterable[str], controls: Iterable[str]) -> Profile:
        """The same type scale with another choice of panels and controls: a built-in profile when the choice is
        exactly one's, else ``"custom"``."""
        chosen_panels = parse_names(panels, PANELS, "panel")
        chosen_controls = parse_names(controls, CONTROLS, "control")
        for profile in BUILT_IN.values():
            if (profile.panels, profile.controls, profile.type_scale) == (
                chosen_panels, chosen_controls, self.type_scale
            ):
                return profile
        return Profile(CUSTOM, chosen_panels, chosen_controls, self.type_scale)


def parse_names(names: Iterable[str] | str, known: tuple[str, ...], kind: str) -> frozenset[str]:
    """Check a collection of panel or control names.

    Parameters
    ----------
    names : iterable of str
        The names (a single string is refused: ``"filters"`` is not a list).
    known : tuple of str
        :data:`PANELS` or :data:`CONTROLS`.
    kind : str
        ``"panel"`` or ``"control"``, for the error message.

    Returns
    -------
    frozenset of str

    Raises
    ------
    ValueError
        Not a list of strings, or an unknown name (the message lists the known ones).
    """
    if isinstance(names, str | bytes) or not isinstance(names, Iterable):
        raise ValueError(f"expected a list of {kind} names, got {names!r}")
    found: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            raise ValueError(f"expected a list of {kind} names, got {name!r} in it")
        if name not in known:
            raise ValueError(f"unknown {kind} {name!r} (known: {', '.join(known)})")
        found.add(name)
    return frozenset(found)


SIMPLE = Profile(
    "simple",
    frozenset({"probabilities", "feature_maps"}),
    frozenset({"undo_clear"}),
    SIMPLE_TYPE_SCALE,
)
FULL = Profile("full", frozenset(PANELS), frozenset(CONTROLS), 1.0)
BUILT_IN: dict[str, Profile] = {"simple": SIMPLE, "full": FULL}
PROFILE_NAMES: tuple[str, ...] = tuple(BUILT_IN)
"""The names ``--profile`` and the kiosk config's ``profile`` key accept."""


def builtin_profile(name: object) -> Profile:
    """The built-in profile called ``name``.

    Raises
    ------
    ValueError
        ``name`` is not one of :data:`PROFILE_NAMES` (the message lists them).
    """
    if not isinstance(name, str) or name not in BUILT_IN:
        raise ValueError(f"expected one of {', '.join(repr(n) for n in PROFILE_NAMES)}, got {name!r}")
    return BUILT_IN[name]

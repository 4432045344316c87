"""The screenshot matrix (``make screenshots``), reduced to a representative subset: every picture is checked for
clipped texts, horizontal scrolling in Learn, a filters panel that hides conv1's filters and a canvas hint left
after a stroke (:mod:`convlens.gui.screenshot_matrix`). ``make screenshots`` runs the full matrix."""

from __future__ import annotations

from pathlib import Path

import pytest

from convlens.gui.screenshot_matrix import SIZES, VIEWS, Setting, full_matrix, quick_matrix, run_matrix


def test_the_full_matrix_covers_every_mode_size_language_theme_presenter_and_scale() -> None:
    settings = full_matrix()
    assert {s.mode for s in settings} == {"explorer", "kiosk"}
    assert {(s.width, s.height) for s in settings if s.scale == 1.0} == {(1024, 700), (1366, 768), (1920, 1080)}
    assert {s.language for s in settings} == {"en", "de"} and {s.theme for s in settings} == {"dark", "light"}
    assert {s.presenter for s in settings} == {False, True} and {s.scale for s in settings} == {1.0, 1.5, 2.0}
    assert all(s.views == VIEWS for s in settings)
    simple = [s for s in settings if s.profile == "simple"]
    assert {(s.mode, s.width, s.height, s.language) for s in simple} == {
        (m, w, h, lang) for m in ("explorer", "kiosk") for w, h in SIZES for lang in ("en", "de")
    }
    assert all(s.shown_views() == ("network",) for s in simple) and simple[0].name.endswith("-normal-simple")
    assert {f"learn{k}" for k in range(1, 8)} | {"network", "training"} <= set(VIEWS)
    assert "training" not in Setting(mode="kiosk").shown_views()


@pytest.mark.slow
def test_quick_matrix_has_no_clipped_text_sideways_scrolling_hidden_filters_or_hint_left(tmp_path: Path) -> None:
    settings = quick_matrix()
    report = run_matrix(settings, tmp_path, sheets=False, timeout_s=600)
    assert report.errors == []
    assert report.fault_lines() == []
    assert len(report.pictures) == sum(len(s.shown_views()) for s in settings)
    assert all((tmp_path / name).stat().st_size > 10_000 for name in report.pictures)

"""Drawn-digit benchmark and calibration: the shipped model against the model before issue #15, same run.

Figures (``convlens.services.benchmark``):

* MNIST test: accuracy, expected calibration error (ECE, 15 bins), share of wrong answers shown with >= 95%.
* Drawn digits: the 10,000 MNIST *test* digits re-drawn as pen strokes through the app's rasteriser and
  ``mnist_style``, for every pen width (px of the 20 px box) x sampling distance (px of the 28 px image); the
  same figures per pen and pooled. Training only ever re-draws training digits.
* Coarse pens (``convlens.engine.drawn.COARSE_CELLS``: a pen position every 6 px, a fast stroke on a slowly polled
  screen): the same test digits, reported only, outside the bars' "all pens".
* The app's sample strokes (``assets/strokes``, 20 drawings): reported only.
* Other writers: the UCI optdigits test set (1,797 digits of 13 writers who are not MNIST's, scanned forms at 8x8;
  ``convlens.engine.optdigits``, fetched from PyPI into the user cache when missing): reported only.

Bars (issue #15): ECE on MNIST test <= 1%; on the drawn digits at most 1 in 10 wrong answers with >= 95% confidence.
The reference is the shipped model of commit ``REFERENCE_COMMIT`` (read with ``git show``), or ``--reference FILE``.

Usage: ``python bench/bench_drawn.py [--model FILE] [--reference FILE] [--limit N] [--json]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
"""The checkout (only to read the reference model from git history)."""
REFERENCE_COMMIT = "07dc3fe11e36ccecbc9e28c739cf49ef5082d342"
"""The last commit with the MNIST-only model (99.43%), before issue #15."""
ECE_BAR = 0.01
CONFIDENT_WRONG_BAR = 0.10


def reference_model(tmp: Path) -> Path | None:
    """The pre-#15 shipped ONNX file, from git history (None outside a git checkout)."""
    try:
        blob = subprocess.run(["git", "show", f"{REFERENCE_COMMIT}:models/default.onnx"], cwd=ROOT,
                              capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path = tmp / "reference.onnx"
    path.write_bytes(blob)
    return path


def measure(path: Path, data: Any, limit: int | None) -> dict[str, Any]:
    from convlens.engine.data import TEST_IMAGES
    from convlens.engine.drawn import COARSE_CELLS
    from convlens.engine.loading import load_model
    from convlens.services.benchmark import (
        classification_figures,
        drawn_figures,
        other_writers_figures,
        sample_strokes_figures,
    )

    model = load_model(path)
    test_key = data.sha256[TEST_IMAGES]
    return {
        "mnist_test": classification_figures(model.predict_proba(data.x_test), data.y_test),
        "drawn_digits": drawn_figures(model.predict_proba, data.x_test, data.y_test, test_key, limit,
                                      keep_probabilities=True),
        "coarse_pens": drawn_figures(model.predict_proba, data.x_test, data.y_test, test_key, limit,
                                     cells=COARSE_CELLS),
        "sample_strokes": sample_strokes_figures(model.predict_proba),
        "other_writers": other_writers_figures(model.predict_proba, allow_download=True),
    }


def pct(value: float | None) -> str:
    return "   -  " if value is None else f"{100 * value:6.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model to measure (default: the shipped model)")
    parser.add_argument("--reference", help="model to compare with (default: the shipped model before issue #15)")
    parser.add_argument("--limit", type=int, help="only the first N test digits (default: all 10,000)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line at the end")
    args = parser.parse_args(argv)
    if args.model is None:
        from convlens.resources import default_model_path

        args.model = str(default_model_path())
    from convlens.engine.data import is_cached, load_mnist
    from convlens.services.benchmark import shared_confident_mistakes

    if not is_cached():
        print("MNIST is not cached: run `convlens data fetch` first; skipping")
        return 0
    data = load_mnist(allow_download=False)
    with tempfile.TemporaryDirectory() as tmp:
        ref_path = Path(args.reference) if args.reference else reference_model(Path(tmp))
        started = time.perf_counter()
        results = {"model": measure(Path(args.model), data, args.limit)}
        if ref_path is not None:
            results["reference"] = measure(ref_path, data, args.limit)
        seconds = time.perf_counter() - started
    names = list(results)
    print(f"model {Path(args.model).name} vs {'the model of ' + REFERENCE_COMMIT[:7] if ref_path else 'nothing'} "
          f"({seconds:.0f} s; re-drawn test digits are cached in the user cache)")
    header = f"{'set':<26}" + "".join(f"{n + ' acc %':>16}{'ECE %':>8}{'sure&wrong %':>14}" for n in names)
    print(header)

    def row(label: str, figures: list[dict[str, Any]]) -> None:
        cells = "".join(
            f"{pct(f['accuracy']):>16}{pct(f['ece']):>8}{pct(f['confident_wrong_share']):>14}" for f in figures
        )
        print(f"{label:<26}{cells}")

    row("MNIST test", [results[n]["mnist_test"] for n in names])
    cells = results["model"]["drawn_digits"]["cells"]
    for k, cell in enumerate(cells):
        row(f"drawn w {cell['width']:.1f} px, step {cell['spacing']:.0f} px",
            [results[n]["drawn_digits"]["cells"][k] for n in names])
    row("drawn, all pens", [results[n]["drawn_digits"]["all"] for n in names])
    for k, cell in enumerate(results["model"]["coarse_pens"]["cells"]):
        row(f"coarse w {cell['width']:.1f} px, step {cell['spacing']:.0f} px",
            [results[n]["coarse_pens"]["cells"][k] for n in names])
    row("app sample strokes (20)", [results[n]["sample_strokes"] for n in names])
    other = [results[n]["other_writers"] for n in names]
    if all(f["available"] for f in other):
        row(f"other writers ({other[0]['n']:,}, 8x8)", other)
    else:
        print(f"other writers: not measured ({other[0].get('reason', 'unavailable')})")
    model = results["model"]
    ece = model["mnist_test"]["ece"]
    share = model["drawn_digits"]["all"]["confident_wrong_share"] or 0.0
    wrong = model["drawn_digits"]["all"]
    print(f"bar ECE on MNIST test <= {100 * ECE_BAR:.0f}%: {'met' if ece <= ECE_BAR else 'NOT met'} "
          f"({100 * ece:.2f}%)")
    print(f"bar drawn digits: <= 1 in 10 wrong answers with >= 95%: "
          f"{'met' if share <= CONFIDENT_WRONG_BAR else 'NOT met'} ({wrong['confident_wrong']} of {wrong['wrong']}, "
          f"{100 * share:.1f}%)")
    announced = wrong["calibrated_confident_wrong"]
    announced_share = 100 * announced / max(wrong["wrong"], 1)
    print(f"the sure answers' confidences announce {announced:.0f} sure mistakes ({announced_share:.1f}% of the "
          f"{wrong['wrong']} wrong answers; real: {wrong['confident_wrong']})")
    if "reference" in results:
        shared = shared_confident_mistakes(model["drawn_digits"]["probabilities"],
                                           results["reference"]["drawn_digits"]["probabilities"],
                                           model["drawn_digits"]["labels"])
        both = 100 * shared["shared"] / max(shared["confident_wrong"], 1)
        print(f"of the {shared['confident_wrong']} sure & wrong drawn answers, the reference (MNIST only, never saw a "
              f"re-drawing) gives {shared['shared']} ({both:.0f}%) the same wrong digit, also sure: re-drawings that "
              "look like that digit")
        gain = model["drawn_digits"]["all"]["accuracy"] - results["reference"]["drawn_digits"]["all"]["accuracy"]
        print(f"drawn-digit accuracy gain over the reference: {100 * gain:+.2f} points")
    for figures in results.values():
        figures["drawn_digits"].pop("probabilities", None)
        figures["drawn_digits"].pop("labels", None)
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

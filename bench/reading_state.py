"""Fit and measure the "is this a digit?" check (``convlens.services.reading``) for the shipped model.

``fit`` writes ``assets/reading/default.npz``: the non-digit detector of the shipped model (a two-layer perceptron
over its penultimate layer, logits, softmax and ink amount), its two thresholds and a softmax temperature.

* in-distribution ("digit"): MNIST training digits 0-49,999, the same digits with random affine warps and
  thicker/thinner strokes (``engine.augment``), and 2,000 sample-stroke digits drawn with the canvas pen
  (``services.nondigits.drawn_digit``, seed 1);
* out-of-distribution ("not a digit"): 2,000 drawings of each family of ``services.nondigits`` (seed 1) that the
  cheap extent/ink rules do not already catch;
* thresholds: quantiles of the scores of the held-out MNIST training digits 50,000-59,999 (``--quantile`` for
  "not a digit", ``--unsure-quantile`` for "unsure"); the temperature minimises the negative log-likelihood on the
  same held-out digits.

``measure`` runs the live pipeline's reader on all 10,000 MNIST test digits and on fresh generated drawings (seed 2,
never seen by ``fit``) and writes ``docs/reading_state.md``. Needs MNIST in the user cache (``convlens data fetch``).

Usage: ``python bench/reading_state.py [fit] [measure] [--per-family 4000] [--measure-per-family 1000]``
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from convlens.engine.augment import augment_batch
from convlens.engine.data import load_mnist
from convlens.engine.model import Predictor
from convlens.resources import assets_dir, default_model_path
from convlens.services import nondigits
from convlens.services.live import model_filters
from convlens.services.model_check import open_checked_model
from convlens.services.reading import (
    DETECTOR_DIR,
    MAX_INK_FRACTION,
    MIN_EXTENT_PX,
    NonDigitDetector,
    Reader,
    Reading,
    detector_features,
    filters_fingerprint,
    ink_evidence,
    probe_images,
)
from convlens.services.samples import load_sample_strokes

HIDDEN, LOGITS = "dense1", "dense2"
ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reading_state.md"


# -- data -------------------------------------------------------------------------------------------------------------
def generated(seed: int, per_family: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Family name -> (images (N, 28, 28) float32, canvas extents (N,)); plus ``"drawn digits"``."""
    rng = np.random.default_rng(seed)
    samples = load_sample_strokes()
    makers: dict[str, Callable[[np.random.Generator], list[list[tuple[float, float]]]]] = dict(nondigits.FAMILIES)
    makers["drawn digits"] = lambda r: nondigits.drawn_digit(r, samples)[1]
    out = {}
    for name, make in makers.items():
        images, extents = [], []
        while len(images) < per_family:
            rendered = nondigits.render(make(rng))
            if rendered is not None:
                images.append(rendered[0])
                extents.append(rendered[1])
        out[name] = (np.stack(images), np.array(extents))
        print(f"  {name}: {per_family} drawings", file=sys.stderr)
    return out


def run_model(model: Predictor, images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(probs, logits, hidden) for (N, 28, 28) images, in batches."""
    x = np.asarray(images, np.float32).reshape(-1, 28, 28, 1)
    probs, logits, hidden = [], [], []
    for i in range(0, len(x), 500):
        p, acts = model.run(x[i : i + 500])
        probs.append(np.asarray(p))
        logits.append(np.asarray(acts[LOGITS]).reshape(len(p), -1))
        hidden.append(np.asarray(acts[HIDDEN]).reshape(len(p), -1))
    return np.concatenate(probs), np.concatenate(logits), np.concatenate(hidden)


def features(model: Predictor, images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(detector features, logits, extent_px) of (N, 28, 28) images."""
    probs, logits, hidden = run_model(model, images)
    ink = np.array([ink_evidence(im) for im in images])
    return detector_features(probs, logits, hidden, ink[:, 0], ink[:, 1]), logits, ink[:, 2]


def rules_catch(images: np.ndarray) -> np.ndarray:
    """Which images the extent/ink rules already call "not a digit"."""
    ink = np.array([ink_evidence(im) for im in images])
    return (ink[:, 2] < MIN_EXTENT_PX) | (ink[:, 0] > MAX_INK_FRACTION)


# -- fitting ----------------------------------------------------------------------------------------------------------
def fit_perceptron(
    x_in: np.ndarray, w_in: np.ndarray, x_out: np.ndarray, hidden: int = 32, epochs: int = 60, seed: int = 0
) -> list[np.ndarray]:
    """Weighted logistic loss (digits 0, non-digits 1, each side half the weight), Adam; returns [w1, b1, w2, b2]."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([x_in, x_out]).astype(np.float32)
    y = np.r_[np.zeros(len(x_in)), np.ones(len(x_out))].astype(np.float32)
    weight = np.r_[0.5 * w_in / w_in.sum(), np.full(len(x_out), 0.5 / len(x_out))].astype(np.float32) * len(x)
    d = x.shape[1]
    params = [
        rng.normal(0.0, np.sqrt(2.0 / d), (d, hidden)).astype(np.float32),
        np.zeros(hidden, np.float32),
        rng.normal(0.0, np.sqrt(1.0 / hidden), hidden).astype(np.float32),
        np.zeros(1, np.float32),
    ]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step, lr, decay = 0, 3e-3, 1e-4
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for i in range(0, len(x), 256):
            idx = order[i : i + 256]
            xb, yb, wb = x[idx], y[idx], weight[idx]
            pre = xb @ params[0] + params[1]
            h = np.maximum(pre, 0.0)
            s = 1.0 / (1.0 + np.exp(-np.clip(h @ params[2] + params[3][0], -30, 30)))
            g_out = wb * (s - yb) / len(idx)
            g_h = np.outer(g_out, params[2]) * (pre > 0)
            grads = [
                xb.T @ g_h + decay * params[0], g_h.sum(0), h.T @ g_out + decay * params[2], np.array([g_out.sum()])
            ]
            step += 1
            for j, (p, g) in enumerate(zip(params, grads, strict=True)):
                m[j] = 0.9 * m[j] + 0.1 * g
                v[j] = 0.999 * v[j] + 0.001 * g * g
                p -= lr * (m[j] / (1 - 0.9**step)) / (np.sqrt(v[j] / (1 - 0.999**step)) + 1e-8)
    return params


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The softmax temperature with the smallest negative log-likelihood (golden-section search on log T)."""

    def nll(log_t: float) -> float:
        z = logits / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(z)), labels]))

    lo, hi = np.log(0.25), np.log(8.0)
    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    for _ in range(60):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if nll(a) < nll(b):
            hi = b
        else:
            lo = a
    return float(np.exp((lo + hi) / 2.0))


def fit(model: Predictor, out: Path, per_family: int, quantile: float, unsure_quantile: float) -> None:
    mnist = load_mnist(allow_download=False)
    x_train = mnist.x_train.reshape(-1, 28, 28)
    y_train = mnist.y_train
    print("fit: generating drawings (seed 1)", file=sys.stderr)
    gen = generated(1, per_family)
    aug = augment_batch(mnist.x_train[:50000], np.random.default_rng(3)).reshape(-1, 28, 28)
    f_train, _, _ = features(model, x_train[:50000])
    f_aug, _, _ = features(model, aug)
    f_held, logits_held, _ = features(model, x_train[50000:])
    drawn = gen.pop("drawn digits")[0]
    f_drawn, _, _ = features(model, drawn[~rules_catch(drawn)])
    outliers = [features(model, images[~rules_catch(images)])[0] for images, _ in gen.values()]
    x_in = np.concatenate([f_train, f_aug, f_drawn])
    w_in = np.r_[np.ones(len(f_train)), np.full(len(f_aug), 0.5), np.full(len(f_drawn), 10.0)]
    x_out = np.concatenate(outliers)
    mean, scale = f_train.mean(axis=0), f_train.std(axis=0) + 1e-3
    print(f"fit: perceptron on {len(x_in)} digits vs {len(x_out)} non-digits", file=sys.stderr)
    w1, b1, w2, b2 = fit_perceptron((x_in - mean) / scale, w_in, (x_out - mean) / scale)
    detector = NonDigitDetector(
        "default", "", HIDDEN, LOGITS, np.zeros((2, 10), np.float32), mean.astype(np.float32),
        scale.astype(np.float32), w1, b1, w2, float(b2[0]), 0.0, 0.0, 1.0,
    )  # fmt: skip
    held = detector.scores(f_held)
    threshold, unsure = float(np.quantile(held, quantile)), float(np.quantile(held, unsure_quantile))
    temperature = fit_temperature(logits_held.astype(np.float64), y_train[50000:])
    _, probe_acts = model.run(probe_images())
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        out,
        fingerprint=np.array(filters_fingerprint(model_filters(model))),
        hidden_layer=np.array(HIDDEN),
        logit_layer=np.array(LOGITS),
        probe_logits=np.asarray(probe_acts[LOGITS], np.float32).reshape(2, -1),
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
        w1=w1,
        b1=b1,
        w2=w2,
        b2=np.float32(b2[0]),
        threshold=np.float64(threshold),
        unsure_threshold=np.float64(unsure),
        temperature=np.float64(temperature),
    )
    print(f"fit: wrote {out} ({out.stat().st_size} bytes): threshold {threshold:.3f}, unsure {unsure:.3f}, "
          f"T {temperature:.3f}", file=sys.stderr)  # fmt: skip


# -- measuring --------------------------------------------------------------------------------------------------------
def read_all(reader: Reader, model: Predictor, images: np.ndarray, extents: np.ndarray | None = None) -> list[Reading]:
    """Each image through the model and the live reader, one at a time, exactly as on the pen path."""
    readings = []
    for i, image in enumerate(images):
        probs, acts = model.run(image.reshape(1, 28, 28, 1))
        readings.append(reader.read(image, probs[0], acts, None if extents is None else float(extents[i])))
    return readings


def share(readings: list[Reading], *states: str) -> float:
    return sum(r.state in states for r in readings) / max(len(readings), 1)


def measure(model: Predictor, per_family: int) -> str:
    reader = Reader.for_model(model, model_filters(model))
    if reader.detector is None:
        raise SystemExit("no detector in assets/reading fits this model: run `fit` first")
    mnist = load_mnist(allow_download=False)
    x_test, y_test = mnist.x_test.reshape(-1, 28, 28), mnist.y_test
    test = read_all(reader, model, x_test)
    not_digit = [i for i, r in enumerate(test) if r.state == "not_a_digit"]
    wrong = [i for i, r in enumerate(test) if r.digit != y_test[i]]
    digit_wrong = sum(test[i].state == "digit" for i in wrong)
    print("measure: generating drawings (seed 2)", file=sys.stderr)
    gen = generated(2, per_family)
    rows = []
    for name, (images, extents) in gen.items():
        readings = read_all(reader, model, images, extents)
        caught = [r.reason for r in readings if r.state == "not_a_digit"]
        reasons = {k: caught.count(k) for k in ("extent", "ink", "shape")}
        rows.append((name, len(images), share(readings, "not_a_digit"), share(readings, "not_a_digit", "unsure"),
                     share(readings, "digit"), reasons))  # fmt: skip
    image = x_test[0]
    probs, acts = model.run(image.reshape(1, 28, 28, 1))
    times = []
    for _ in range(2000):
        t0 = time.perf_counter()
        reader.read(image, probs[0], acts)
        times.append(time.perf_counter() - t0)
    d = reader.detector
    lines = [
        "# Reading state: is it a digit?",
        "",
        f"Measured {datetime.date.today().isoformat()} with `python bench/reading_state.py measure` on the shipped "
        f"model (`models/default.onnx`, {model.backend}) and its detector `assets/reading/default.npz` "
        f"(thresholds {d.threshold:.2f} / {d.unsure_threshold:.2f}, softmax temperature {d.temperature:.3f}). "
        "How the state is decided: `convlens/services/reading.py`; the generated drawings: "
        "`convlens/services/nondigits.py`.",
        "",
        "## Real digits: all 10,000 MNIST test digits",
        "",
        "| reading | share |",
        "|---|---|",
        f"| digit | {share(test, 'digit'):.2%} |",
        f"| unsure | {share(test, 'unsure'):.2%} |",
        f"| **not a digit** (false alarm; must stay below 0.5%) | **{share(test, 'not_a_digit'):.2%}** "
        f"({len(not_digit)} digits) |",
        "",
        f"The network reads {len(wrong)} of them wrong; {digit_wrong} of those are still shown as a confident "
        f"digit, the other {len(wrong) - digit_wrong} as unsure or not a digit.",
        "",
        "## Generated drawings (seed 2, never used for fitting)",
        "",
        "Drawn with the canvas pen on a 280 px canvas and preprocessed like the live pipeline. \"Caught\" is "
        "\"not a digit\"; \"no confident digit\" adds \"unsure\". Which rule caught them: extent / ink / shape "
        "(the detector).",
        "",
        "| family | drawings | caught (not a digit) | no confident digit | shown as a digit | extent / ink / shape |",
        "|---|---|---|---|---|---|",
    ]
    for name, n, caught, no_digit, shown, reasons in rows:
        label = f"{name} (real digits: false alarms)" if name == "drawn digits" else name
        lines.append(f"| {label} | {n} | {caught:.1%} | {no_digit:.1%} | {shown:.1%} | "
                     f"{reasons['extent']} / {reasons['ink']} / {reasons['shape']} |")  # fmt: skip
    lines += [
        "",
        "## Cost on the pen path",
        "",
        f"`Reader.read` for one input: median {np.median(times) * 1e6:.0f} µs, 99th percentile "
        f"{np.quantile(times, 0.99) * 1e6:.0f} µs (2,000 calls, this machine).",
        "",
        "## Limits",
        "",
        "* The detector belongs to the shipped model (matched by the fingerprint of its weights). A model trained "
        "in the app or opened from a file is read with the extent and ink rules and its raw confidence only: taps, "
        "tiny strokes and dense scribbles are still caught, letters and random lines mostly are not.",
        "* The non-digit families are generated; the catch rates hold for drawings like them. The detector was "
        "fitted on other drawings of the same families (seed 1), so new kinds of non-digits are caught less often.",
        "* Some shapes are digits to the network and to many people (a square is a 0 to some, a + a 4); the letter "
        "family leaves out O, I, S, Z, B and G.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="*", default=["fit", "measure"], choices=["fit", "measure"])
    parser.add_argument("--per-family", type=int, default=4000, help="generated drawings per family for fit")
    parser.add_argument("--measure-per-family", type=int, default=1000, help="generated drawings per family")
    parser.add_argument("--quantile", type=float, default=0.997, help="held-out digits below the threshold")
    parser.add_argument("--unsure-quantile", type=float, default=0.99, help="held-out digits below 'unsure'")
    args = parser.parse_args(argv)
    model = open_checked_model(default_model_path())
    if "fit" in args.steps:
        fit(model, DETECTOR_DIR / "default.npz", args.per_family, args.quantile, args.unsure_quantile)
        import convlens.services.reading as reading

        reading._shipped_detectors.cache_clear()
    if "measure" in args.steps:
        text = measure(model, args.measure_per_family)
        DOC.write_text(text, encoding="utf-8")
        print(text)
    assert DETECTOR_DIR.parent == assets_dir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

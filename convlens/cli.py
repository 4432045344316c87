"""The ``convlens`` command line: GUI, kiosk, train, finetune, evaluate, predict, export, data fetch, explain,
visualize, handout, figure.

Every sub-command has ``--help``; ``--json`` makes the last stdout line one JSON object.
The GUI commands import :mod:`convlens.gui` lazily, so the other commands never load Qt.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from convlens.engine import __version__
from convlens.resources import default_model_path

if TYPE_CHECKING:
    from convlens.engine.writing_styles import WritingStyles

FIGURE_PANELS = ("filters", "maps", "probabilities", "input")
"""``convlens figure --panel`` choices (``convlens.gui.export.figures.CLI_PANELS``; Qt is not imported to list them)."""


def _progress_line(progress: Any) -> str:
    """``[#####.....] epoch 2/4 loss 0.1234 acc 0.961 1,234 img/s ETA   12s`` (75 characters)."""
    return (
        f"{_progress_bar(progress.fraction, 20)} epoch {progress.epoch}/{progress.epochs} "
        f"loss {progress.loss:.4f} acc {progress.batch_accuracy:.3f} "
        f"{progress.examples_per_second:,.0f} img/s ETA {progress.eta_seconds:4.0f}s"
    )


def _progress_bar(fraction: float, width: int = 30) -> str:
    filled = int(round(fraction * width))
    return "[" + "#" * filled + "." * (width - filled) + "]"


def _print_json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _drive(job: Generator[Any, None, Any], quiet: bool) -> Any:
    """Run a training or fine-tuning job to its end, printing its phases, epochs and validation points on stderr
    (nothing when ``quiet``: ``--json``); returns the job's outcome."""
    from convlens.services.training import Phase, Progress, Validation

    while True:
        try:
            event = next(job)
        except StopIteration as stop:
            return stop.value
        if quiet:
            continue
        if isinstance(event, Phase):
            sys.stderr.write(f"{event.text}...\n")
        elif isinstance(event, Progress) and event.progress.kind in ("step", "epoch"):
            # One line per epoch (the epoch's mean loss and accuracy). On a terminal the line of the epoch
            # in progress is redrawn in place after each batch and ends as that epoch's line; it is cut to
            # the terminal's width, since "\r" cannot go back over a wrapped line (which left stale copies,
            # "epoch 4/4" twice with different figures). The final "done" record prints nothing.
            tty = sys.stderr.isatty()
            if event.progress.kind == "step" and not tty:
                continue
            line = _progress_line(event.progress)
            if tty:
                width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
                line = "\r" + line[:width].ljust(width)
            sys.stderr.write(line + ("\n" if event.progress.kind == "epoch" else ""))
            sys.stderr.flush()
        elif isinstance(event, Validation) and event.epoch_pos > 0:
            sys.stderr.write(f"  validation loss {event.loss:.4f} accuracy {event.accuracy:.4f}\n")


def _err(message: str) -> int:
    sys.stderr.write(f"convlens: error: {message}\n")
    return 2


# -- train ------------------------------------------------------------------------------------------------------
def _writing_styles(text: str) -> WritingStyles:
    """``FLAG,FOOT,BAR`` -> :class:`~convlens.engine.writing_styles.WritingStyles` (argparse type)."""
    from convlens.engine.writing_styles import WritingStyles

    try:
        flag, foot, bar = (float(part) for part in text.split(","))
        return WritingStyles(one_flag=flag, one_foot=foot, seven_bar=bar)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected three shares in [0, 1] as FLAG,FOOT,BAR, got {text!r} "
                                         f"({exc})") from None


def cmd_train(args: argparse.Namespace) -> int:
    from convlens.engine.augment import MAX_ELASTIC
    from convlens.engine.data import DataError, load_mnist
    from convlens.engine.train import TrainingDiverged
    from convlens.services.model_files import ModelSetBusyError, check_writable, save_model_set
    from convlens.services.recipes import FULL, QUICK
    from convlens.services.training import TrainingRequest, run_training

    started = time.perf_counter()
    out_dir = Path(args.out)
    try:  # before a long run, not after it
        check_writable(out_dir, args.name)
    except (OSError, ModelSetBusyError) as exc:
        return _err(f"cannot write the model into {out_dir}: {exc}")
    timelapse_dir: Path | None = None
    if args.timelapse is not None:
        from convlens.services.timelapse import check_writable_dir

        if args.timelapse_every < 1:
            return _err(f"--timelapse-every must be >= 1, got {args.timelapse_every}")
        try:  # before the long run, like --out
            timelapse_dir = check_writable_dir(args.timelapse)
        except OSError as exc:
            return _err(f"cannot write the time-lapse into {args.timelapse}: {exc}")
    if args.validation_split is not None and not 0.0 <= args.validation_split < 1.0:
        return _err(f"--validation-split must be in [0, 1), got {args.validation_split}")
    if args.label_smoothing is not None and not 0.0 <= args.label_smoothing < 1.0:
        return _err(f"--label-smoothing must be in [0, 1), got {args.label_smoothing}")
    if args.mixup is not None and not 0.0 <= args.mixup <= 10.0:
        return _err(f"--mixup must be in [0, 10], got {args.mixup}")
    if args.elastic is not None and not 0.0 <= args.elastic <= MAX_ELASTIC:
        return _err(f"--elastic must be in [0, {MAX_ELASTIC:g}] px, got {args.elastic}")
    recipe = (QUICK if args.quick else FULL).with_overrides(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        schedule=args.schedule,
        augment=args.augment,
        elastic=args.elastic,
        optimizer=args.optimizer,
        weight_decay=args.weight_decay,
        label_smoothing=args.label_smoothing,
        mixup=args.mixup,
        # --no-augment switches every augmentation off, the pen-drawn mix-in too (unless asked for by name)
        pen_fraction=0.0 if args.augment is False and args.pen_fraction is None else args.pen_fraction,
        writing_styles=args.writing_styles,
    )
    if args.writing_styles is not None and args.writing_styles.active and recipe.pen_fraction <= 0:
        return _err("--writing-styles adds strokes to the pen-drawn digits: it needs --pen-fraction > 0")
    if recipe.elastic > 0 and not recipe.augment:
        return _err("--elastic bends the images as part of the augmentation: it needs --augment")
    validation_size = (
        None if args.validation_split is None else int(round(args.validation_split * (args.limit or 60000)))
    )
    request = TrainingRequest(
        recipe=recipe,
        architecture=args.arch,
        seed=args.seed,
        workers=args.workers,
        train_size=args.limit,
        validation_size=validation_size,
        validation_seconds=float("inf"),
        source="convlens train",
        timelapse_every=args.timelapse_every if timelapse_dir is not None else None,
    )
    data_holder: list[Any] = []

    def load_data() -> Any:
        data_holder.append(load_mnist(args.data_dir))
        return data_holder[0]

    try:
        outcome = _drive(run_training(request, load_data), quiet=args.json)
    except (DataError, ValueError, TrainingDiverged) as exc:
        return _err(str(exc))
    data = data_holder[0]
    try:
        files = save_model_set(outcome.model, outcome.card, out_dir, args.name, (data.x_test, data.y_test))
    except (OSError, ModelSetBusyError) as exc:
        return _err(f"cannot write the model into {out_dir}: {exc}")
    seconds = time.perf_counter() - started
    summary = {
        "model": str(files.npz),
        "onnx": str(files.onnx),
        "test_accuracy": outcome.summary.accuracy,
        "seconds": seconds,
        "train_seconds": outcome.train_seconds,
        "examples_per_second": outcome.examples_per_second,
        "epochs": recipe.epochs,
        "train_images": outcome.train_images,
        "temperature": outcome.model.temperature,
        "mnist_test_ece": outcome.card["calibration"]["mnist_test"]["ece"],
        "pen_fraction": recipe.pen_fraction,
    }
    if "benchmarks" in outcome.card:
        summary["drawn_accuracy"] = outcome.card["benchmarks"]["drawn_digits"]["all"]["accuracy"]
    if timelapse_dir is not None:
        from convlens.services.timelapse import write_timelapse

        try:
            summary["timelapse"] = write_timelapse(outcome.timelapse, timelapse_dir).as_dict()
        except (OSError, ValueError) as exc:
            return _err(f"cannot write the time-lapse into {timelapse_dir}: {exc}")
        if not args.json:
            sys.stderr.write(f"time-lapse: {len(outcome.timelapse)} frames, {summary['timelapse']['gif']}\n")
    if args.json:
        _print_json(summary)
    else:
        print(
            f"test accuracy {outcome.summary.accuracy:.4f}; trained {outcome.train_seconds:.1f}s; "
            f"total {seconds:.1f}s; wrote {files.npz}"
        )
    return 0


# -- finetune ---------------------------------------------------------------------------------------------------
def _numpy_model(path: Path) -> tuple[Any, dict[str, Any]]:
    """The NumPy network at ``path`` (a ``.npz``, or an ``.onnx`` with its ``.npz`` twin) and its model card."""
    from convlens.engine.model import load_npz_model, read_metadata
    from convlens.services.model_files import matching_twin

    npz = path
    if path.suffix.lower() == ".onnx":
        twin = matching_twin(path, ".npz")
        if twin is None:
            raise ValueError(f"{path.name}: an ONNX file cannot be fine-tuned without its .npz twin beside it")
        npz = twin
    card = read_metadata(npz).get("model_card")
    return load_npz_model(npz), dict(card) if isinstance(card, dict) else {}


def cmd_finetune(args: argparse.Namespace) -> int:
    from convlens.engine.data import DataError, load_mnist
    from convlens.engine.train import TrainingDiverged
    from convlens.services.classset import load_class_set
    from convlens.services.finetune import FineTuneRequest, run_finetune
    from convlens.services.model_files import ModelSetBusyError, check_writable, save_model_set

    started = time.perf_counter()
    out_dir = Path(args.out)
    if args.epochs < 1:
        return _err(f"--epochs must be >= 1, got {args.epochs}")
    try:  # before the run, not after it
        check_writable(out_dir, args.name)
    except (OSError, ModelSetBusyError) as exc:
        return _err(f"cannot write the model into {out_dir}: {exc}")
    model_path = Path(args.model) if args.model else default_model_path()
    try:
        model, card = _numpy_model(model_path)
        class_set = load_class_set(args.data)
    except (ValueError, OSError) as exc:
        return _err(str(exc))
    request = FineTuneRequest(epochs=args.epochs, seed=args.seed, workers=args.workers)
    data_holder: list[Any] = []

    def load_data() -> Any:
        data_holder.append(load_mnist(args.data_dir))
        return data_holder[0]

    try:
        outcome = _drive(run_finetune(model, class_set, load_data, request, card=card), quiet=args.json)
    except (DataError, ValueError, TrainingDiverged) as exc:
        return _err(str(exc))
    outcome.card["training"] = {**outcome.card.get("training", {}), "source": "convlens finetune"}
    data = data_holder[0]
    try:
        files = save_model_set(outcome.model, outcome.card, out_dir, args.name, (data.x_test, data.y_test))
    except (OSError, ModelSetBusyError) as exc:
        return _err(f"cannot write the model into {out_dir}: {exc}")
    summary = outcome.summary()
    summary["seconds"] = time.perf_counter() - started
    summary["model"] = str(files.npz)
    if args.json:
        _print_json(summary)
    else:
        print(
            f"held-out class drawings: {outcome.before:.1%} -> {outcome.after:.1%} ({outcome.held_out} drawings); "
            f"MNIST test {outcome.mnist_before:.2%} -> {outcome.mnist_after:.2%}; "
            f"{summary['seconds']:.1f}s; wrote {files.npz}"
        )
    return 0


# -- evaluate / predict / export -----------------------------------------------------------------------------------
def cmd_evaluate(args: argparse.Namespace) -> int:
    from convlens.engine.data import DataError, load_mnist
    from convlens.engine.train import evaluate
    from convlens.services.model_check import UnusableModelError, check_probabilities, open_checked_model

    try:
        predictor = open_checked_model(args.model)
        data = load_mnist(args.data_dir)
    except (DataError, ValueError) as exc:
        return _err(str(exc))

    def checked_predict(batch: np.ndarray) -> np.ndarray:
        return check_probabilities(predictor.predict_proba(batch), len(batch))

    started = time.perf_counter()
    try:
        result = evaluate(checked_predict, data.x_test, data.y_test)
    except UnusableModelError as exc:
        return _err(f"{args.model}: {exc}")
    report = {"model": str(args.model), **result.as_dict(), "seconds": time.perf_counter() - started}
    if args.json:
        _print_json(report)
    else:
        print(
            f"MNIST test accuracy: {result.accuracy:.4f} ({len(result.misclassified)} errors of {len(data.y_test)})"
        )
        for k, acc in enumerate(result.per_class_accuracy):
            print(f"  digit {k}: {acc:.4f}")
        print("confusion matrix (rows: true digit, columns: predicted):")
        for k, row in enumerate(result.confusion):
            print(f"  {k} " + " ".join(f"{v:5d}" for v in row))
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from convlens.engine.preprocess import load_image_file, to_batch
    from convlens.services.model_check import UnusableModelError, check_probabilities, open_checked_model

    model_path = args.model or default_model_path()
    try:
        image = load_image_file(args.image)
        predictor = open_checked_model(model_path)
        with np.errstate(all="ignore"):
            probs = check_probabilities(predictor.predict_proba(to_batch(image)), 1)[0]
    except UnusableModelError as exc:
        return _err(f"{Path(model_path).name}: {exc}" if Path(model_path).name not in str(exc) else str(exc))
    except (ValueError, OSError) as exc:
        return _err(str(exc))
    result = {"digit": int(np.argmax(probs)), "probabilities": [float(p) for p in probs]}
    if args.json:
        _print_json(result)
    else:
        print(f"digit {result['digit']} ({probs.max():.1%})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from convlens.engine.model import load_npz_model, read_metadata
    from convlens.engine.onnx_export import export_onnx

    path = Path(args.out)
    try:
        model = load_npz_model(args.model)
        card = read_metadata(args.model).get("model_card")
        export_onnx(model, path, model_card=card or {})
    except (ValueError, OSError) as exc:
        return _err(str(exc))
    if args.json:
        _print_json({"onnx": str(path)})
    else:
        print(f"wrote {path}")
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    from convlens.engine.data import fetch_main

    code = fetch_main(args.data_dir, args.json)
    if code != 0 or not args.other_writers:
        return code
    from convlens.engine import optdigits
    from convlens.engine.data import DataError

    try:
        optdigits.ensure_optdigits()
    except DataError as exc:
        return _err(str(exc))
    if not args.json:  # the JSON line stays MNIST's; the set's place is fixed (the user cache)
        print(f"other writers' digits (UCI optdigits; `make bench` and the model card) ready in "
              f"{optdigits.default_cache_dir()}")
    return 0


# -- explain, visualize (see why: where the network looks, what each filter wants) -------------------------------
def _saliency_text(values: np.ndarray, image: np.ndarray) -> str:
    """A 28-line text picture of a saliency map: ``#``/``+`` for evidence, ``=``/``-`` against, ``.`` other ink."""
    from convlens.services.explain import diverging_scale

    scaled = diverging_scale(values)
    lines = []
    for row_s, row_x in zip(scaled, image, strict=True):
        chars = []
        for s, x in zip(row_s, row_x, strict=True):
            if s > 0.5:
                chars.append("#")
            elif s > 0.15:
                chars.append("+")
            elif s < -0.5:
                chars.append("=")
            elif s < -0.15:
                chars.append("-")
            else:
                chars.append("." if x >= 0.5 else " ")
        lines.append("  " + "".join(chars).rstrip())
    return "\n".join(lines)


def cmd_explain(args: argparse.Namespace) -> int:
    """``convlens explain IMAGE...``: one JSON line per image with its network input and saliency map."""
    from convlens.engine.preprocess import load_image_file, to_batch
    from convlens.services.explain import Explainer, numpy_model_of
    from convlens.services.model_check import UnusableModelError, check_probabilities, open_checked_model

    model_path = Path(args.model or default_model_path())
    try:
        predictor = open_checked_model(model_path)
        explainer = Explainer(predictor, numpy_model_of(predictor) if args.method == "gradient" else None)
    except UnusableModelError as exc:
        return _err(f"{model_path.name}: {exc}" if model_path.name not in str(exc) else str(exc))
    except ValueError as exc:  # GradientUnavailable: an ONNX file without its .npz twin
        return _err(str(exc))
    failures = 0
    for name in args.images:
        try:
            image = load_image_file(name)
            with np.errstate(all="ignore"):
                probs = check_probabilities(predictor.predict_proba(to_batch(image)), 1)[0]
            digit = int(np.argmax(probs))
            saliency = explainer.explain(image, args.method, digit=digit)
        except (ValueError, OSError) as exc:
            message = str(exc) if name in str(exc) else f"{name}: {exc}"
            sys.stderr.write(f"convlens: error: {message}\n")
            failures += 1
            continue
        if args.json:
            _print_json({
                "file": name,
                "digit": digit,
                "probabilities": [float(p) for p in probs],
                "method": args.method,
                "input": image.astype(np.float64).tolist(),
                "saliency": saliency.values.astype(np.float64).tolist(),
            })
        else:
            print(f"{name}: digit {digit} ({probs[digit]:.1%}); {args.method} map (#,+ for the answer; =,- against):")
            print(_saliency_text(saliency.values, saliency.image))
    return 2 if failures else 0


def cmd_visualize(args: argparse.Namespace) -> int:
    """``convlens visualize --layer L --out DIR``: the picture every filter of ``L`` responds to most."""
    from convlens.services.explain import numpy_model_of
    from convlens.services.model_check import UnusableModelError, open_checked_model
    from convlens.services.visualize import filter_pictures, own_picture_wins, save_pictures, visualizable_layers

    started = time.perf_counter()
    model_path = Path(args.model or default_model_path())
    try:
        model = numpy_model_of(open_checked_model(model_path))
    except UnusableModelError as exc:
        return _err(f"{model_path.name}: {exc}" if model_path.name not in str(exc) else str(exc))
    except ValueError as exc:  # GradientUnavailable: an ONNX file without its .npz twin
        return _err(str(exc))
    layers = visualizable_layers(model)
    if args.layer not in layers:
        return _err(f"{model_path.name} has no layer {args.layer!r} with filters to visualise; choose one of "
                    f"{', '.join(layers)}")
    if args.steps < 1:
        return _err(f"--steps must be at least 1, got {args.steps}")
    pictures = filter_pictures(model, args.layer, steps=args.steps, seed=args.seed)
    try:
        paths = save_pictures(pictures, args.out)
    except OSError as exc:
        return _err(f"cannot write the pictures into {args.out}: {exc}")
    wins = own_picture_wins(model, pictures)
    result = {
        "layer": args.layer,
        "model": str(model_path),
        "filters": [
            {"filter": int(k), "file": str(path), "activation": float(a)}
            for k, path, a in zip(pictures.units, paths, pictures.activations, strict=True)
        ],
        "own_picture_wins": float(np.mean(wins)),
        "seconds": time.perf_counter() - started,
    }
    if args.json:
        _print_json(result)
    else:
        print(f"wrote {len(paths)} pictures of {args.layer} into {args.out} "
              f"({np.mean(wins):.0%} of the filters respond most to their own picture)")
    return 0


# -- handout, figure (Qt without a window: offscreen) ---------------------------------------------------------------
def _start_offscreen_qt() -> str | None:
    """Prepare Qt for drawing without a window: the ``offscreen`` platform (unless ``QT_QPA_PLATFORM`` says
    otherwise) and the system-library check; returns the check's message when a library is missing."""
    import os

    from convlens import syslibs

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return syslibs.check()


def _check_out(path: Path, suffixes: tuple[str, ...], option: str = "--out") -> str | None:
    """An error message when ``path`` cannot be the output file (wrong suffix, a folder, a parent that is a file)."""
    if path.suffix.lower() not in suffixes:
        return f"{option} {path}: the file must end in {' or '.join(suffixes)}"
    if path.is_dir():
        return f"{option} {path}: is a folder; name a file"
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                return f"{option} {path}: cannot write there, {parent} is not a folder"
            break
    return None


def _read_for_export(args: argparse.Namespace) -> tuple[Any, int | None]:
    """The image read and run through the model, or ``(None, exit code)`` after printing the error."""
    from convlens.gui.app import make_application
    from convlens.gui.export.offscreen import Reading, read_digit

    try:
        image = read_digit(args.image)
    except (ValueError, OSError) as exc:
        return None, _err(str(exc) if str(args.image) in str(exc) else f"{args.image}: {exc}")
    make_application()
    try:
        return Reading(image, args.model), None
    except (ValueError, OSError) as exc:
        name = Path(args.model).name if args.model else "the shipped model"
        return None, _err(str(exc) if name in str(exc) else f"{name}: {exc}")


def _prepare_export(args: argparse.Namespace, out: Path, suffixes: tuple[str, ...]) -> tuple[Any, int]:
    """Check ``--out`` and ``--lang``, start Qt offscreen and read IMAGE: ``(reading, 0)``, or ``(None, exit code)``
    after printing why (2: bad arguments or input, 3: no Qt)."""
    problem = _check_out(out, suffixes) or _check_language(args)
    if problem is not None:
        return None, _err(problem)
    problem = _start_offscreen_qt()
    if problem is not None:
        sys.stderr.write(problem + "\n")
        return None, 3
    reading, code = _read_for_export(args)
    if reading is None:
        return None, int(code or 2)
    return reading, 0


def cmd_handout(args: argparse.Namespace) -> int:
    """``convlens handout IMAGE --out FILE.pdf``: the Learn steps on the digit in IMAGE, as a PDF to print."""
    out = Path(args.out)
    reading, code = _prepare_export(args, out, (".pdf",))
    if reading is None:
        return code
    from convlens.gui.export.offscreen import write_handout

    try:
        pages = write_handout(reading, out, language=args.lang or "en")
    except OSError as exc:
        return _err(f"cannot write the handout {out}: {exc}")
    result = {"file": str(out), "pages": pages, "digit": reading.result.digit, "language": args.lang or "en"}
    if args.json:
        _print_json(result)
    else:
        print(f"wrote {out} ({pages} pages)")
    return 0


def cmd_figure(args: argparse.Namespace) -> int:
    """``convlens figure IMAGE --panel P --out F.png|F.svg``: one panel of the explorer, drawn for IMAGE."""
    out = Path(args.out)
    reading, code = _prepare_export(args, out, (".png", ".svg"))
    if reading is None:
        return code
    from convlens.gui.export.offscreen import write_figure

    try:
        path = write_figure(reading, args.panel, out, theme=args.theme, language=args.lang or "en")
    except OSError as exc:
        return _err(f"cannot write the figure {out}: {exc}")
    result = {"file": str(path), "panel": args.panel, "format": out.suffix.lower().lstrip("."),
              "digit": reading.result.digit}
    if args.json:
        _print_json(result)
    else:
        print(f"wrote {path}")
    return 0


GuiRunner = Callable[..., int]


def _run_window(**kwargs: Any) -> int:
    """Open the explorer or kiosk window (Qt is imported only here, when a window is wanted).

    First :func:`convlens.syslibs.check`: when a system library Qt needs is missing (fresh Debian/Ubuntu), print
    one line naming the packages to install and return 3 instead of letting Qt abort the process.
    """
    from convlens import syslibs

    problem = syslibs.check()
    if problem is not None:
        sys.stderr.write(problem + "\n")
        return 3
    from convlens.gui.app import run

    return int(run(**kwargs))


def _window_options(args: argparse.Namespace) -> dict[str, Any]:
    """``--lang``, ``--presenter`` and ``--profile`` as keyword arguments of the window runner (only when given)."""
    options: dict[str, Any] = {}
    if getattr(args, "lang", None):
        options["language"] = args.lang
    if getattr(args, "presenter", False):
        options["presenter"] = True
    if getattr(args, "profile", None):
        options["profile"] = args.profile
    return options


def _check_language(args: argparse.Namespace) -> str | None:
    """An error message when ``--lang`` names a language without a catalogue (checked before Qt starts)."""
    lang = getattr(args, "lang", None)
    if not lang:
        return None
    known = available_languages()
    if lang not in known:
        return f"--lang {lang}: no translation for that language; available: {', '.join(known)}"
    return None


def available_languages() -> list[str]:
    """``en`` plus every language whose compiled catalogue ships (``assets/translations/convlens_<lang>.qm``)."""
    from convlens.resources import assets_dir

    found = {p.stem.removeprefix("convlens_") for p in (assets_dir() / "translations").glob("convlens_*.qm")}
    return ["en", *sorted(found - {"en"})]


def cmd_gui(args: argparse.Namespace, run_gui: GuiRunner | None, kiosk: bool = False) -> int:
    """Open the window through ``run_gui`` (default: :func:`convlens.gui.app.run`)."""
    problem = _check_language(args)
    if problem is not None:
        return _err(problem)
    runner = run_gui or _run_window
    return runner(
        model_path=getattr(args, "model", None),
        kiosk=kiosk,
        config_path=getattr(args, "config", None),
        **_window_options(args),
    )


def cmd_kiosk(args: argparse.Namespace, run_gui: GuiRunner | None) -> int:
    """``convlens kiosk``: ``--hash-pin`` and ``--check`` need no window (and no Qt); otherwise the kiosk."""
    if args.hash_pin or args.check:
        from convlens.gui.kiosk.config import check_config_file, print_pin_hash_line

        return print_pin_hash_line() if args.hash_pin else check_config_file(args.config)
    problem = _check_language(args)
    if problem is not None:
        return _err(problem)
    if run_gui is None and not args.no_supervisor:
        from convlens import syslibs
        from convlens.services.supervisor import supervise

        problem = syslibs.check()  # once, here: a missing library does not come back by restarting
        if problem is not None:
            sys.stderr.write(problem + "\n")
            return 3

        command = [sys.executable, "-m", "convlens", "kiosk", "--no-supervisor"]
        for option in ("model", "config"):
            value = getattr(args, option)
            if value is not None:
                command += [f"--{option}", str(Path(value).resolve())]
        if args.lang:
            command += ["--lang", args.lang]
        if args.presenter:
            command += ["--presenter"]
        if args.profile:
            command += ["--profile", args.profile]
        return supervise(command)
    return cmd_gui(args, run_gui, kiosk=True)


# -- parser -------------------------------------------------------------------------------------------------------
def _add_window_options(parser: argparse.ArgumentParser, kiosk: bool = False) -> None:
    """``--lang``, ``--presenter`` and ``--profile`` of the window commands."""
    parser.add_argument(
        "--lang",
        metavar="LANG",
        help="language of the window: en, de (default: the kiosk config's language key, which this overrides)"
        if kiosk
        else "language of the window: en, de (default: the system's language; View > Language switches it later)",
    )
    parser.add_argument(
        "--presenter",
        action="store_true",
        help="presenter mode: larger text and thicker lines everywhere, for a projector"
        + (" (the config's presenter_mode key does the same)" if kiosk else " (View > Presenter mode)"),
    )
    parser.add_argument(
        "--profile",
        choices=["simple", "full"],
        help="teacher profile: simple (canvas, probabilities, pooled maps, large text, for younger pupils) or full"
        + (" (default: the config's profile key, which this overrides)" if kiosk
           else " (default: the last one chosen in View > Profile; not saved)"),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convlens",
        description="Draw a digit and watch a NumPy-trained CNN read it. Without a command: open the explorer.",
    )
    parser.add_argument("--version", action="version", version=f"convlens {__version__}")
    parser.add_argument("--model", help="model to open in the explorer (.onnx or .npz)")
    _add_window_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = sub.add_parser("gui", help="open the explorer window (the default)")
    gui.add_argument("--model", help="model to open (.onnx or .npz)")
    _add_window_options(gui)
    kiosk = sub.add_parser("kiosk", help="full-screen, touch-first kiosk mode")
    kiosk.add_argument("--model", help="model to open (.onnx or .npz)")
    kiosk.add_argument("--config", help="kiosk TOML config file (default: the user config directory)")
    _add_window_options(kiosk, kiosk=True)
    kiosk.add_argument(
        "--no-supervisor",
        action="store_true",
        help="run the window in this process (by default a small parent process restarts it whenever it ends "
        "other than by the admin exit)",
    )
    kiosk_action = kiosk.add_mutually_exclusive_group()
    kiosk_action.add_argument(
        "--hash-pin",
        action="store_true",
        help="read a new admin PIN (4-12 digits; typed twice, or one line on standard input) and print the "
        "pin_hash line to paste into the config",
    )
    kiosk_action.add_argument(
        "--check",
        action="store_true",
        help="validate the config (exit 1 on any problem, a missing or invalid pin_hash included) and exit",
    )

    train = sub.add_parser("train", help="train a CNN on MNIST in NumPy and export it")
    train.add_argument("--epochs", type=int, help="passes over the training images (default: the recipe's)")
    train.add_argument("--batch-size", type=int, help="images per training step (default: the recipe's, 128)")
    train.add_argument("--lr", type=float, help="peak learning rate (default: the recipe's)")
    train.add_argument(
        "--schedule",
        choices=["constant", "cosine", "onecycle", "step"],
        help="learning-rate schedule over the run (default: the recipe's, onecycle)",
    )
    train.add_argument("--optimizer", choices=["adam", "sgd"], default="adam", help="optimiser (default: adam)")
    train.add_argument("--weight-decay", type=float, default=0.0, help="L2 weight decay (default: 0)")
    train.add_argument(
        "--label-smoothing", type=float, help="target (1 - s) * one-hot + s / 10 in the loss (default: the recipe's)"
    )
    train.add_argument("--mixup", type=float, help="alpha of mixup (0: off; default: the recipe's)")
    train.add_argument("--seed", type=int, default=0, help="seed of the weights, shuffling and augmentation")
    train.add_argument("--limit", type=int, help="train on the first N training images only")
    train.add_argument("--workers", type=int, help="data-parallel training processes (default: 2 on 2+ cores)")
    train.add_argument(
        "--validation-split",
        type=float,
        default=None,
        help="fraction of the training images held out for validation and the calibration temperature "
        "(default: the recipe's 5,000 images)",
    )
    train.add_argument(
        "--arch", "--preset", dest="arch", default="default", help="architecture: a preset name or a JSON file"
    )
    aug = train.add_mutually_exclusive_group()
    aug.add_argument(
        "--augment",
        dest="augment",
        action="store_true",
        default=None,
        help="random shifts, rotations, scaling and stroke widths (default: the recipe's)",
    )
    aug.add_argument("--no-augment", dest="augment", action="store_false", help="train on the images as they are")
    train.add_argument(
        "--elastic",
        metavar="PX",
        type=float,
        help="elastic distortion with the augmentation: every image bent by a smooth random field of this "
        "root-mean-square displacement in px (e.g. 0.75; 0: off; default: the recipe's)",
    )
    train.add_argument(
        "--pen-fraction",
        type=float,
        help="share of each batch swapped for pen-drawn digits (0: off; default: the recipe's)",
    )
    train.add_argument(
        "--writing-styles",
        metavar="FLAG,FOOT,BAR",
        type=_writing_styles,
        help="add other ways of writing to the pen-drawn digits: the share of 1s given a flag, of 1s given a foot, "
        "of 7s given a bar (e.g. 0.5,0,0.5 for European writing; default: none)",
    )
    train.add_argument(
        "--quick", action="store_true", help="the Train button's recipe (about a minute on 2 cores)"
    )
    train.add_argument("--out", required=True, help="output directory")
    train.add_argument("--name", default="model", help="file stem: DIR/NAME.npz, .onnx, .json")
    train.add_argument("--data-dir", help="directory holding the MNIST IDX files (default: the user cache)")
    train.add_argument("--json", action="store_true", help="print one JSON summary line, no progress")
    train.add_argument(
        "--timelapse",
        metavar="DIR",
        help="write a time-lapse of the filters forming: DIR/frame_0000.png ..., DIR/timelapse.gif, "
        "DIR/timelapse_strip.png",
    )
    train.add_argument(
        "--timelapse-every",
        type=int,
        default=10,
        metavar="N",
        help="batches between two time-lapse frames (default: 10; at most 120 frames, thinned evenly)",
    )

    ft = sub.add_parser(
        "finetune", help="teach a network a class's handwriting (a class-set .npz), mixed with MNIST so it keeps it"
    )
    ft.add_argument(
        "--model", help="network to start from (.npz, or .onnx with its .npz twin; default: the shipped model)"
    )
    ft.add_argument(
        "--data", required=True, help="class set .npz: images (N, 28, 28) uint8 white on black, labels (N,) 0..9, "
        "optional pupil (N,) and strokes"
    )
    ft.add_argument("--out", required=True, help="output directory: DIR/NAME.npz, .onnx, .json")
    ft.add_argument("--name", default="model", help="file stem (default: model)")
    ft.add_argument("--epochs", type=int, default=3, help="passes over the class drawings and MNIST (default: 3)")
    ft.add_argument("--seed", type=int, default=0, help="seed of the MNIST sample and the shuffling")
    ft.add_argument("--workers", type=int, help="data-parallel training processes (default: 2 on 2+ cores)")
    ft.add_argument("--data-dir", help="directory holding the MNIST IDX files (default: the user cache)")
    ft.add_argument(
        "--json",
        action="store_true",
        help='print {"before": a, "after": b, "held_out": n, "mnist_test": m, "seconds": s, ...} as one JSON line',
    )

    ev = sub.add_parser("evaluate", help="MNIST test accuracy, per-class accuracy, confusion matrix")
    ev.add_argument("--model", required=True, help="model to evaluate (.npz, or any .onnx MNIST classifier)")
    ev.add_argument("--data-dir", help="directory holding the MNIST IDX files (default: the user cache)")
    ev.add_argument("--json", action="store_true", help="print the report as one JSON line")

    pr = sub.add_parser("predict", help="read the digit in a PNG/JPEG image")
    pr.add_argument(
        "image", help="PNG or JPEG file: any size, colour or grey, dark-on-light or light-on-dark"
    )
    pr.add_argument("--model", help="model to use (.onnx or .npz; default: the shipped model)")
    pr.add_argument(
        "--json", action="store_true", help='print {"digit": d, "probabilities": [...]} as one JSON line'
    )

    ex = sub.add_parser("export", help="export a .npz model to ONNX")
    ex.add_argument("--model", required=True, help="the .npz model to export")
    ex.add_argument("--out", required=True, help="the .onnx file to write")
    ex.add_argument("--json", action="store_true", help="print the written path as one JSON line")

    data = sub.add_parser("data", help="MNIST data")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    fetch = data_sub.add_parser("fetch", help="download and verify MNIST into the user cache")
    fetch.add_argument("--data-dir", help="download into this directory instead of the user cache")
    fetch.add_argument("--json", action="store_true", help="print the result as one JSON line")
    fetch.add_argument(
        "--other-writers",
        action="store_true",
        help="also fetch the UCI optdigits set (1,797 digits of 13 other writers; from scikit-learn's source "
        "tarball on PyPI, SHA-256 checked), reported by `make bench` and the model card, never trained on",
    )

    exp = sub.add_parser("explain", help="where the network looks: a saliency map of each image")
    exp.add_argument(
        "images", nargs="+", metavar="IMAGE", help="PNG or JPEG files (any size, colour or grey, either polarity)"
    )
    exp.add_argument(
        "--method",
        choices=["occlusion", "gradient"],
        default="occlusion",
        help="occlusion (cover patches, watch the answer drop) or gradient (needs the .npz network; default: "
        "occlusion)",
    )
    exp.add_argument("--model", help="model to explain (.onnx or .npz; default: the shipped model)")
    exp.add_argument("--json", action="store_true", help="print one JSON line per image (input and saliency map)")

    vis = sub.add_parser("visualize", help="the picture every filter of a layer responds to most")
    vis.add_argument("--layer", required=True, help="the layer whose filters to visualise, e.g. conv1")
    vis.add_argument("--out", required=True, help="folder to write one PNG per filter into")
    vis.add_argument("--model", help="model to use (.npz, or .onnx with its .npz twin; default: the shipped model)")
    vis.add_argument("--steps", type=int, default=120, help="optimisation steps per picture (default: 120)")
    vis.add_argument("--seed", type=int, default=0, help="seed of the starting pictures (default: 0)")
    vis.add_argument("--json", action="store_true", help="print the result as one JSON line")

    ho = sub.add_parser("handout", help="the Learn steps on the digit in an image, as a PDF to print")
    ho.add_argument("image", metavar="IMAGE", help="PNG or JPEG file with one digit (any size, either polarity)")
    ho.add_argument("--out", required=True, help="the PDF file to write (FILE.pdf)")
    ho.add_argument("--lang", metavar="LANG", help="language of the handout: en, de (default: en)")
    ho.add_argument("--model", help="model to use (.onnx or .npz; default: the shipped model)")
    ho.add_argument("--json", action="store_true", help='print {"file": ..., "pages": n} as one JSON line')

    fig = sub.add_parser("figure", help="one panel of the explorer for the digit in an image, as PNG or SVG")
    fig.add_argument("image", metavar="IMAGE", help="PNG or JPEG file with one digit (any size, either polarity)")
    fig.add_argument("--panel", required=True, choices=list(FIGURE_PANELS),
                     help="which panel: " + ", ".join(FIGURE_PANELS))
    fig.add_argument("--out", required=True, help="the file to write: F.png (a picture) or F.svg (a drawing)")
    fig.add_argument("--theme", choices=["light", "dark"], default="light", help="colours (default: light)")
    fig.add_argument("--lang", metavar="LANG", help="language of the captions: en, de (default: en)")
    fig.add_argument("--model", help="model to use (.onnx or .npz; default: the shipped model)")
    fig.add_argument("--json", action="store_true", help="print the written file as one JSON line")
    return parser


def main(argv: list[str] | None = None, run_gui: GuiRunner | None = None) -> int:
    """Entry point; returns the process exit code.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).
    run_gui : callable, optional
        ``run_gui(model_path=..., kiosk=..., config_path=..., [language=..., presenter=...]) -> int`` opens the
        window (default: the Qt window; tests pass a stand-in). ``language``, ``presenter`` and ``profile`` are
        passed only when ``--lang`` / ``--presenter`` / ``--profile`` were given.
    """
    args = build_parser().parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "train": cmd_train,
        "finetune": cmd_finetune,
        "evaluate": cmd_evaluate,
        "predict": cmd_predict,
        "export": cmd_export,
        "data": cmd_data,
        "explain": cmd_explain,
        "visualize": cmd_visualize,
        "handout": cmd_handout,
        "figure": cmd_figure,
        "kiosk": lambda a: cmd_kiosk(a, run_gui),
    }
    if args.command in handlers:
        return int(handlers[args.command](args))
    return cmd_gui(args, run_gui)

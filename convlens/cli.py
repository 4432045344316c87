"""The ``convlens`` command line: GUI, kiosk, train, evaluate, predict, export, data fetch.

Every sub-command has ``--help``; ``--json`` makes the last stdout line one JSON object.
The GUI commands import :mod:`convlens.gui` lazily, so the other commands never load Qt.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from convlens.engine import __version__
from convlens.resources import default_model_path


def _progress_bar(fraction: float, width: int = 30) -> str:
    filled = int(round(fraction * width))
    return "[" + "#" * filled + "." * (width - filled) + "]"


def _print_json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _err(message: str) -> int:
    sys.stderr.write(f"convlens: error: {message}\n")
    return 2


# -- train ------------------------------------------------------------------------------------------------------
def cmd_train(args: argparse.Namespace) -> int:
    from convlens.engine.data import DataError, load_mnist
    from convlens.engine.train import TrainingDiverged
    from convlens.services.model_files import ModelSetBusyError, check_writable, save_model_set
    from convlens.services.recipes import FULL, QUICK
    from convlens.services.training import Phase, Progress, TrainingRequest, Validation, run_training

    started = time.perf_counter()
    out_dir = Path(args.out)
    try:  # before a long run, not after it
        check_writable(out_dir, args.name)
    except (OSError, ModelSetBusyError) as exc:
        return _err(f"cannot write the model into {out_dir}: {exc}")
    if args.validation_split is not None and not 0.0 <= args.validation_split < 1.0:
        return _err(f"--validation-split must be in [0, 1), got {args.validation_split}")
    recipe = (QUICK if args.quick else FULL).with_overrides(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        schedule=args.schedule,
        augment=args.augment,
        optimizer=args.optimizer,
        weight_decay=args.weight_decay,
        # --no-augment switches every augmentation off, the pen-drawn mix-in too (unless asked for by name)
        pen_fraction=0.0 if args.augment is False and args.pen_fraction is None else args.pen_fraction,
    )
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
    )
    data_holder: list[Any] = []

    def load_data() -> Any:
        data_holder.append(load_mnist(args.data_dir))
        return data_holder[0]

    try:
        job = run_training(request, load_data)
        while True:
            try:
                event = next(job)
            except StopIteration as stop:
                outcome = stop.value
                break
            if args.json:
                continue
            if isinstance(event, Phase):
                sys.stderr.write(f"{event.text}...\n")
            elif isinstance(event, Progress) and event.progress.kind in ("step", "epoch"):
                progress = event.progress
                if progress.kind == "step" and not sys.stderr.isatty():
                    continue
                eta = progress.eta_seconds
                sys.stderr.write(
                    f"\r{_progress_bar(progress.fraction)} epoch {progress.epoch}/{progress.epochs} "
                    f"loss {progress.loss:.4f} acc {progress.batch_accuracy:.3f} "
                    f"{progress.examples_per_second:,.0f} img/s ETA {eta:4.0f}s "
                    + ("\n" if progress.kind == "epoch" else "")
                )
            elif isinstance(event, Validation) and event.epoch_pos > 0:
                sys.stderr.write(f"  validation loss {event.loss:.4f} accuracy {event.accuracy:.4f}\n")
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
    if args.json:
        _print_json(summary)
    else:
        print(
            f"test accuracy {outcome.summary.accuracy:.4f}; trained {outcome.train_seconds:.1f}s; "
            f"total {seconds:.1f}s; wrote {files.npz}"
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

    return fetch_main(args.data_dir, args.json)


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


def cmd_gui(args: argparse.Namespace, run_gui: GuiRunner | None, kiosk: bool = False) -> int:
    """Open the window through ``run_gui`` (default: :func:`convlens.gui.app.run`)."""
    runner = run_gui or _run_window
    return runner(model_path=getattr(args, "model", None), kiosk=kiosk, config_path=getattr(args, "config", None))


def cmd_kiosk(args: argparse.Namespace, run_gui: GuiRunner | None) -> int:
    """``convlens kiosk``: ``--hash-pin`` and ``--check`` need no window (and no Qt); otherwise the kiosk."""
    if args.hash_pin or args.check:
        from convlens.gui.kiosk.config import check_config_file, print_pin_hash_line

        return print_pin_hash_line() if args.hash_pin else check_config_file(args.config)
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
        return supervise(command)
    return cmd_gui(args, run_gui, kiosk=True)


# -- parser -------------------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convlens",
        description="Draw a digit and watch a NumPy-trained CNN read it. Without a command: open the explorer.",
    )
    parser.add_argument("--version", action="version", version=f"convlens {__version__}")
    parser.add_argument("--model", help="model to open in the explorer (.onnx or .npz)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = sub.add_parser("gui", help="open the explorer window (the default)")
    gui.add_argument("--model", help="model to open (.onnx or .npz)")
    kiosk = sub.add_parser("kiosk", help="full-screen, touch-first kiosk mode")
    kiosk.add_argument("--model", help="model to open (.onnx or .npz)")
    kiosk.add_argument("--config", help="kiosk TOML config file (default: the user config directory)")
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
    train.add_argument("--epochs", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--lr", type=float, help="peak learning rate")
    train.add_argument("--schedule", choices=["constant", "cosine", "onecycle", "step"])
    train.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    train.add_argument("--weight-decay", type=float, default=0.0)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--limit", type=int, help="train on the first N training images only")
    train.add_argument("--workers", type=int, help="data-parallel training processes (default: 2 on 2+ cores)")
    train.add_argument("--validation-split", type=float, default=None,
                       help="fraction of the training images held out for validation and the calibration "
                            "(default: the recipe's 5,000 images)")
    train.add_argument("--arch", "--preset", dest="arch", default="default", help="preset name or JSON file")
    aug = train.add_mutually_exclusive_group()
    aug.add_argument("--augment", dest="augment", action="store_true", default=None)
    aug.add_argument("--no-augment", dest="augment", action="store_false")
    train.add_argument("--pen-fraction", type=float,
                       help="share of each batch swapped for pen-drawn digits (0: off; default: the recipe's)")
    train.add_argument("--quick", action="store_true", help="the Train button's budget (~1 minute)")
    train.add_argument("--out", required=True, help="output directory")
    train.add_argument("--name", default="model", help="file stem: DIR/NAME.npz, .onnx, .json")
    train.add_argument("--data-dir", help="directory holding the MNIST IDX files")
    train.add_argument("--json", action="store_true")

    ev = sub.add_parser("evaluate", help="MNIST test accuracy, per-class accuracy, confusion matrix")
    ev.add_argument("--model", required=True)
    ev.add_argument("--data-dir")
    ev.add_argument("--json", action="store_true")

    pr = sub.add_parser("predict", help="read the digit in a PNG/JPEG image")
    pr.add_argument("image")
    pr.add_argument("--model")
    pr.add_argument("--json", action="store_true")

    ex = sub.add_parser("export", help="export a .npz model to ONNX")
    ex.add_argument("--model", required=True)
    ex.add_argument("--out", required=True)
    ex.add_argument("--json", action="store_true")

    data = sub.add_parser("data", help="MNIST data")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    fetch = data_sub.add_parser("fetch", help="download and verify MNIST into the user cache")
    fetch.add_argument("--data-dir")
    fetch.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None, run_gui: GuiRunner | None = None) -> int:
    """Entry point; returns the process exit code.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).
    run_gui : callable, optional
        ``run_gui(model_path=..., kiosk=..., config_path=...) -> int`` opens the window (default: the Qt
        window; tests pass a stand-in).
    """
    args = build_parser().parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "train": cmd_train,
        "evaluate": cmd_evaluate,
        "predict": cmd_predict,
        "export": cmd_export,
        "data": cmd_data,
        "kiosk": lambda a: cmd_kiosk(a, run_gui),
    }
    if args.command in handlers:
        return int(handlers[args.command](args))
    return cmd_gui(args, run_gui)

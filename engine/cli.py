"""The ``convlens`` command line: GUI, kiosk, train, evaluate, predict, export, data fetch.

Every sub-command has ``--help``; ``--json`` makes the last stdout line one JSON object.
The GUI commands import :mod:`gui` lazily (the engine itself never imports Qt).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from engine import __version__

REPO_MODELS = Path(__file__).resolve().parent.parent / "models"


def default_model_path() -> Path:
    """The shipped model: ``models/default.onnx`` (or ``.npz`` when the ONNX file is missing)."""
    onnx_path = REPO_MODELS / "default.onnx"
    return onnx_path if onnx_path.is_file() else REPO_MODELS / "default.npz"


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
QUICK: dict[str, Any] = {"epochs": 4, "batch_size": 128, "lr": 4e-3, "schedule": "onecycle", "augment": False}
# The recipe of the shipped model (`make model`).
FULL: dict[str, Any] = {"epochs": 15, "batch_size": 128, "lr": 3e-3, "schedule": "onecycle", "augment": True}


def cmd_train(args: argparse.Namespace) -> int:
    from engine.data import DataError, load_mnist
    from engine.model import Sequential
    from engine.presets import resolve_architecture
    from engine.train import TrainConfig, TrainingDiverged, default_workers, evaluate, fit

    started = time.perf_counter()
    try:
        data = load_mnist(args.data_dir)
        architecture = resolve_architecture(args.arch)
        model = Sequential.from_config(architecture, seed=args.seed)
    except (DataError, ValueError) as exc:
        return _err(str(exc))
    settings: dict[str, Any] = dict(QUICK if args.quick else FULL)
    for key in ("epochs", "batch_size", "lr", "schedule"):
        value = getattr(args, key)
        if value is not None:
            settings[key] = value
    if args.augment is not None:
        settings["augment"] = args.augment
    config = TrainConfig(
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        lr=settings["lr"],
        schedule=settings["schedule"],
        augment=settings["augment"],
        seed=args.seed,
        validation_split=args.validation_split,
        weight_decay=args.weight_decay,
        optimizer=args.optimizer,
        workers=args.workers or default_workers(),
    )
    x, y = data.x_train, data.y_train
    if args.limit:
        x, y = x[: args.limit], y[: args.limit]
    if not args.json:
        print(model.summary(), file=sys.stderr)
    history: list[dict[str, Any]] = []
    last = None
    try:
        for progress in fit(model, x, y, config):
            last = progress
            if progress.kind == "epoch":
                history.append(
                    {
                        "epoch": progress.epoch,
                        "loss": progress.loss,
                        "accuracy": progress.batch_accuracy,
                        "val_loss": progress.val_loss,
                        "val_accuracy": progress.val_accuracy,
                        "seconds": progress.elapsed,
                    }
                )
            if sys.stderr.isatty() or progress.kind != "step":
                val = f" val_acc {progress.val_accuracy:.4f}" if progress.val_accuracy is not None else ""
                eta = progress.eta_seconds
                sys.stderr.write(
                    f"\r{_progress_bar(progress.fraction)} epoch {progress.epoch}/{progress.epochs} "
                    f"loss {progress.loss:.4f} acc {progress.batch_accuracy:.3f}{val} "
                    f"{progress.examples_per_second:,.0f} img/s ETA {eta:4.0f}s "
                    + ("\n" if progress.kind != "step" else "")
                )
    except TrainingDiverged as exc:
        return _err(str(exc))
    train_seconds = last.elapsed if last else 0.0
    evaluation = evaluate(model.predict_proba, data.x_test, data.y_test)
    seconds = time.perf_counter() - started
    card = build_model_card(
        model, config, data.sha256, evaluation.as_dict(), train_seconds, len(x), history, args.arch
    )
    out_dir = Path(args.out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        npz_path = model.save(out_dir / f"{args.name}.npz", metadata={"model_card": card})
        onnx_path = _export_onnx(model, out_dir / f"{args.name}.onnx", card)
        if onnx_path is not None:
            card["onnx_test_accuracy"] = _onnx_accuracy(onnx_path, data.x_test, data.y_test)
        _write_json(out_dir / f"{args.name}.json", card)
    except OSError as exc:
        return _err(f"cannot write the model into {out_dir}: {exc}")
    summary = {
        "model": str(npz_path),
        "onnx": str(onnx_path) if onnx_path else None,
        "test_accuracy": evaluation.accuracy,
        "seconds": seconds,
        "train_seconds": train_seconds,
        "examples_per_second": last.examples_per_second if last else 0.0,
        "epochs": config.epochs,
        "train_images": int(len(x)),
    }
    if args.json:
        _print_json(summary)
    else:
        print(
            f"test accuracy {evaluation.accuracy:.4f}; trained {train_seconds:.1f}s; total {seconds:.1f}s; "
            f"wrote {npz_path}"
        )
    return 0


def build_model_card(
    model: Any,
    config: Any,
    data_sha256: dict[str, str],
    evaluation: dict[str, Any],
    train_seconds: float,
    train_images: int,
    history: list[dict[str, Any]],
    arch: str,
) -> dict[str, Any]:
    """The model card: architecture with shapes, parameter count, training config, data hashes, results."""
    import os
    import platform

    return {
        "name": "ConvLens CNN",
        "engine_version": __version__,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "architecture_preset": arch,
        "input": {
            "name": "image",
            "shape_nhwc": [None, *model.input_shape],
            "range": [0.0, 1.0],
            "polarity": "white digit on black",
        },
        "architecture": model.architecture(),
        "parameters": model.param_count(),
        "training": {
            **config.as_dict(),
            "train_images": train_images,
            "seconds": round(train_seconds, 2),
            "history": history,
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "numpy": np.__version__,
                "platform": platform.platform(),
            },
        },
        "data": {"dataset": "MNIST", "sha256": data_sha256},
        **evaluation,
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    from engine.atomic import atomic_write_bytes

    atomic_write_bytes(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))


def _export_onnx(model: Any, path: Path, card: dict[str, Any]) -> Path | None:
    try:
        from engine.onnx_export import export_onnx
    except ImportError:  # exporter not available in this build
        return None
    export_onnx(model, path, model_card=card)
    return path


def _onnx_accuracy(path: Path, x: np.ndarray, y: np.ndarray) -> float:
    from engine.model import load_model

    predictor = load_model(path)
    return float(np.mean(np.argmax(predictor.predict_proba(x), axis=1) == y))


# -- evaluate / predict / export -----------------------------------------------------------------------------------
def cmd_evaluate(args: argparse.Namespace) -> int:
    from engine.data import DataError, load_mnist
    from engine.model import load_model
    from engine.train import evaluate

    try:
        predictor = load_model(args.model)
        data = load_mnist(args.data_dir)
    except (DataError, ValueError) as exc:
        return _err(str(exc))
    started = time.perf_counter()
    result = evaluate(predictor.predict_proba, data.x_test, data.y_test)
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
    from engine.model import load_model
    from engine.preprocess import load_image_file, to_batch

    try:
        image = load_image_file(args.image)
        predictor = load_model(args.model or default_model_path())
    except (ValueError, OSError) as exc:
        return _err(str(exc))
    probs = np.asarray(predictor.predict_proba(to_batch(image)))[0]
    result = {"digit": int(np.argmax(probs)), "probabilities": [float(p) for p in probs]}
    if args.json:
        _print_json(result)
    else:
        print(f"digit {result['digit']} ({probs.max():.1%})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from engine.model import load_npz_model, read_metadata

    try:
        model = load_npz_model(args.model)
        card = read_metadata(args.model).get("model_card")
        path = _export_onnx(model, Path(args.out), card or {})
    except (ValueError, OSError) as exc:
        return _err(str(exc))
    if path is None:
        return _err("the ONNX exporter is not available")
    if args.json:
        _print_json({"onnx": str(path)})
    else:
        print(f"wrote {path}")
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    from engine.data import fetch_main

    return fetch_main(args.data_dir, args.json)


GuiRunner = Callable[..., int]


def cmd_gui(args: argparse.Namespace, run_gui: GuiRunner | None, kiosk: bool = False) -> int:
    """Open the window through ``run_gui`` (supplied by the ``convlens`` entry point: the engine never imports Qt)."""
    if run_gui is None:
        return _err("the GUI is not available from this entry point; run `convlens` or `python -m convlens`")
    return run_gui(
        model_path=getattr(args, "model", None), kiosk=kiosk, config_path=getattr(args, "config", None)
    )


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
    train.add_argument("--validation-split", type=float, default=0.0)
    train.add_argument("--arch", "--preset", dest="arch", default="default", help="preset name or JSON file")
    aug = train.add_mutually_exclusive_group()
    aug.add_argument("--augment", dest="augment", action="store_true", default=None)
    aug.add_argument("--no-augment", dest="augment", action="store_false")
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
        ``run_gui(model_path=..., kiosk=..., config_path=...) -> int`` opens the window; passed in by the
        ``convlens`` entry point so that the engine never imports the GUI.
    """
    args = build_parser().parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "train": cmd_train,
        "evaluate": cmd_evaluate,
        "predict": cmd_predict,
        "export": cmd_export,
        "data": cmd_data,
        "kiosk": lambda a: cmd_gui(a, run_gui, kiosk=True),
    }
    if args.command in handlers:
        return int(handlers[args.command](args))
    return cmd_gui(args, run_gui)

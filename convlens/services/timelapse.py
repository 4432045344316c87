"""Time-lapse of the filters forming: snapshots taken during training, rendered and written as a GIF and a strip.

No Qt. :func:`convlens.services.training.run_training` keeps a :class:`TimelapseRecorder` when the request asks for
one: every ``every`` batches it copies the weights of each Conv2D layer (and, when a drawing is given, that drawing's
pooled maps) into a :class:`TimelapseFrame`. The recorder holds at most ``max_frames`` frames: when a long run fills
it, every other frame is dropped and the interval doubles, so the frames stay evenly spread over the run.

:func:`render_frame` draws a frame with NumPy (every filter in a grid, one block per conv layer, in the filters
panel's blue-white-red map centred on 0; the pooled maps below in grey; a progress bar at the bottom);
:func:`write_gif` and :func:`write_strip` write the animation and the contact sheet, :func:`write_timelapse` all of
it (``frame_0000.png`` ..., ``timelapse.gif``, ``timelapse_strip.png``) into a folder. Every file is written
atomically (:mod:`convlens.engine.atomic`).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from convlens.engine.atomic import atomic_write_bytes
from convlens.engine.model import Sequential

__all__ = [
    "DEFAULT_EVERY",
    "DEFAULT_MAX_FRAMES",
    "GIF_NAME",
    "STRIP_NAME",
    "TimelapseFiles",
    "TimelapseFrame",
    "TimelapseRecorder",
    "capture_frame",
    "check_writable_dir",
    "gif_bytes",
    "render_frame",
    "render_strip",
    "write_gif",
    "write_strip",
    "write_timelapse",
]

DEFAULT_EVERY = 10
"""Batches between two snapshots (before any thinning)."""
DEFAULT_MAX_FRAMES = 120
"""Most frames a recorder keeps (a few kB each for the default network)."""
GIF_NAME = "timelapse.gif"
STRIP_NAME = "timelapse_strip.png"
FRAME_PATTERN = "frame_{:04d}.png"

_BACKGROUND = np.array([24, 24, 28], np.uint8)
_BAR = np.array([90, 170, 250], np.uint8)
_RDBU = np.array(
    [(33, 102, 172), (67, 147, 195), (146, 197, 222), (209, 229, 240), (247, 247, 247),
     (253, 219, 199), (244, 165, 130), (214, 96, 77), (178, 24, 43)],
    np.float32,
)
"""The filters panel's diverging anchors (``gui.render._RDBU``): negative blue, zero white, positive red."""
TILE_PX = 20
"""Side of one filter tile in the picture (a 5x5 filter: 4 px per weight)."""
GAP = 2
MAX_COLS = 16


@dataclass(frozen=True)
class TimelapseFrame:
    """One snapshot of the filters (a training event, safe to hand to another thread).

    Attributes
    ----------
    step : int
        Batches done when it was taken (0: the untrained network).
    epoch : float
        Position in epochs (``step / steps_per_epoch``).
    total_steps : int
        Batches of the whole run (for the progress bar).
    filters : OrderedDict[str, ndarray]
        Conv layer name -> float32 copy of its weights ``(H_f, W_f, C_in, C_out)``, in layer order.
    maps : OrderedDict[str, ndarray]
        Pooling layer name -> the drawing's pooled maps ``(H, W, C)`` (empty without a drawing).
    """

    step: int
    epoch: float
    total_steps: int
    filters: OrderedDict[str, np.ndarray] = field(compare=False)
    maps: OrderedDict[str, np.ndarray] = field(default_factory=OrderedDict, compare=False)


def capture_frame(
    model: Sequential, step: int, epoch: float, total_steps: int, drawing: np.ndarray | None = None
) -> TimelapseFrame:
    """Copy ``model``'s conv filters (and ``drawing``'s pooled maps ``(H, W, C)``) into a frame.

    Parameters
    ----------
    model : Sequential
    step : int
    epoch : float
    total_steps : int
    drawing : ndarray, shape (28, 28) or (28, 28, 1), optional
        float in [0, 1], white on black.
    """
    maps: OrderedDict[str, np.ndarray] = OrderedDict()
    if drawing is not None:
        pools = [layer.name for layer in model.layers if layer.type_name == "MaxPool2D"]
        if pools:
            acts = model.activations(np.asarray(drawing, np.float32).reshape(1, 28, 28, 1))
            maps = OrderedDict((name, np.array(acts[name][0], np.float32)) for name in pools)
    return TimelapseFrame(int(step), float(epoch), int(total_steps), model.conv_filters(), maps)


class TimelapseRecorder:
    """Frames every ``every`` steps, at most ``max_frames`` of them (thinned evenly when full).

    Parameters
    ----------
    every : int
        Steps between two frames (>= 1); doubles at every thinning.
    max_frames : int
        >= 2.
    """

    def __init__(self, every: int = DEFAULT_EVERY, max_frames: int = DEFAULT_MAX_FRAMES) -> None:
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        if max_frames < 2:
            raise ValueError(f"max_frames must be >= 2, got {max_frames}")
        self.every = int(every)
        self.max_frames = int(max_frames)
        self.frames: list[TimelapseFrame] = []

    def __len__(self) -> int:
        return len(self.frames)

    def due(self, step: int) -> bool:
        """Whether a frame should be taken at ``step`` (the first one always is)."""
        return not self.frames or step - self.frames[-1].step >= self.every

    def add(self, frame: TimelapseFrame) -> bool:
        """Keep ``frame`` (a frame at the step of the last one replaces it); returns whether frames were thinned."""
        if self.frames and frame.step == self.frames[-1].step:
            self.frames[-1] = frame
            return False
        self.frames.append(frame)
        if len(self.frames) <= self.max_frames:
            return False
        self.frames = self.frames[::2]
        self.every *= 2
        return True

    def clear(self) -> None:
        self.frames = []


# -- rendering -------------------------------------------------------------------------------------------------
def _diverging(values: np.ndarray) -> np.ndarray:
    """``(...)`` signed values -> ``(..., 3)`` uint8, scaled to their ±max."""
    limit = max(float(np.abs(values).max()) if values.size else 0.0, 1e-6)
    pos = (np.clip(values / limit, -1.0, 1.0) + 1.0) * 0.5 * (len(_RDBU) - 1)
    low = np.floor(pos).astype(np.intp).clip(0, len(_RDBU) - 2)
    t = (pos - low)[..., None]
    return np.rint(_RDBU[low] * (1 - t) + _RDBU[low + 1] * t).astype(np.uint8)


def _grey(values: np.ndarray) -> np.ndarray:
    """``(...)`` non-negative values -> ``(..., 3)`` uint8, black 0 to white at the max."""
    top = max(float(values.max()) if values.size else 0.0, 1e-6)
    grey = np.rint(np.clip(values / top, 0.0, 1.0) * 255).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=-1)


def _grid(tiles: np.ndarray, tile_px: int) -> np.ndarray:
    """``(N, h, w, 3)`` uint8 tiles -> one ``(H, W, 3)`` grid, each tile enlarged to about ``tile_px``."""
    n, h, w = tiles.shape[:3]
    factor = max(1, tile_px // max(h, w))
    big = np.repeat(np.repeat(tiles, factor, axis=1), factor, axis=2)
    th, tw = big.shape[1:3]
    cols = min(n, MAX_COLS)
    rows = -(-n // cols)
    out = np.empty((rows * (th + GAP) - GAP, cols * (tw + GAP) - GAP, 3), np.uint8)
    out[:] = _BACKGROUND
    for i in range(n):
        r, c = divmod(i, cols)
        out[r * (th + GAP) : r * (th + GAP) + th, c * (tw + GAP) : c * (tw + GAP) + tw] = big[i]
    return out


def _filter_tiles(weights: np.ndarray) -> np.ndarray:
    """``(H_f, W_f, C_in, C_out)`` -> ``(C_out, H_f, W_f)``: the filter itself, or its strongest input channel."""
    w = np.asarray(weights, np.float32)
    if w.shape[2] == 1:
        return w[:, :, 0, :].transpose(2, 0, 1)
    strongest = np.abs(w).sum(axis=(0, 1)).argmax(axis=0)
    return w[:, :, strongest, np.arange(w.shape[3])].transpose(2, 0, 1)


def render_frame(frame: TimelapseFrame, tile_px: int = TILE_PX) -> np.ndarray:
    """Draw one frame: a block of filters per conv layer, the pooled maps, a progress bar.

    Parameters
    ----------
    frame : TimelapseFrame
    tile_px : int
        About this many pixels per filter side.

    Returns
    -------
    ndarray
        uint8, shape (H, W, 3); the same size for every frame of a run.
    """
    blocks = [_grid(_diverging(_filter_tiles(w)), tile_px) for w in frame.filters.values()]
    for maps in frame.maps.values():
        blocks.append(_grid(_grey(np.asarray(maps, np.float32).transpose(2, 0, 1)), tile_px * 2))
    width = max((b.shape[1] for b in blocks), default=tile_px) + 2 * GAP * 2
    parts = []
    for block in blocks:
        row = np.empty((block.shape[0], width, 3), np.uint8)
        row[:] = _BACKGROUND
        left = (width - block.shape[1]) // 2
        row[:, left : left + block.shape[1]] = block
        parts.append(row)
        spacer = np.empty((GAP * 3, width, 3), np.uint8)
        spacer[:] = _BACKGROUND
        parts.append(spacer)
    bar = np.empty((4, width, 3), np.uint8)
    bar[:] = _BACKGROUND
    done = int(round(width * min(max(frame.step / max(frame.total_steps, 1), 0.0), 1.0)))
    bar[:, :done] = _BAR
    top = np.empty((GAP * 2, width, 3), np.uint8)
    top[:] = _BACKGROUND
    return np.ascontiguousarray(np.concatenate([top, *parts, bar]))


def render_strip(frames: Sequence[TimelapseFrame], columns: int = 10, tile_px: int = TILE_PX) -> np.ndarray:
    """Every frame, side by side in rows of ``columns`` (``GAP`` pixels apart).

    Returns
    -------
    ndarray
        uint8, shape ``(rows * (h + GAP) - GAP, cols * (w + GAP) - GAP, 3)`` for frames of ``(h, w)``, with
        ``cols = min(len(frames), columns)`` and ``rows = ceil(len(frames) / cols)``.
    """
    if not frames:
        raise ValueError("no frames to draw")
    pictures = np.stack([render_frame(f, tile_px) for f in frames])
    n, h, w = pictures.shape[:3]
    cols = min(n, max(int(columns), 1))
    rows = -(-n // cols)
    out = np.empty((rows * (h + GAP) - GAP, cols * (w + GAP) - GAP, 3), np.uint8)
    out[:] = 0
    for i, picture in enumerate(pictures):
        r, c = divmod(i, cols)
        out[r * (h + GAP) : r * (h + GAP) + h, c * (w + GAP) : c * (w + GAP) + w] = picture
    return out


# -- files -----------------------------------------------------------------------------------------------------
def _png_bytes(picture: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(picture, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def gif_bytes(frames: Sequence[TimelapseFrame], seconds: float = 6.0, tile_px: int = TILE_PX) -> bytes:
    """An animated GIF, one frame per snapshot, looping forever, about ``seconds`` long (last frame held 1.5 s)."""
    if not frames:
        raise ValueError("no frames to animate")
    pictures = [Image.fromarray(render_frame(f, tile_px), "RGB") for f in frames]
    each = int(min(max(1000.0 * seconds / len(pictures), 60.0), 250.0))
    durations = [each] * (len(pictures) - 1) + [1500]
    buffer = io.BytesIO()
    pictures[0].save(
        buffer, format="GIF", save_all=True, append_images=pictures[1:], duration=durations, loop=0,
        optimize=False, disposal=1,
    )
    return buffer.getvalue()


def write_gif(frames: Sequence[TimelapseFrame], path: str | os.PathLike[str]) -> Path:
    """Write :func:`gif_bytes` to ``path`` atomically; returns the path."""
    atomic_write_bytes(path, gif_bytes(frames))
    return Path(path)


def write_strip(frames: Sequence[TimelapseFrame], path: str | os.PathLike[str], columns: int = 10) -> Path:
    """Write :func:`render_strip` as a PNG to ``path`` atomically; returns the path."""
    atomic_write_bytes(path, _png_bytes(render_strip(frames, columns)))
    return Path(path)


@dataclass(frozen=True)
class TimelapseFiles:
    """What :func:`write_timelapse` wrote."""

    frames: list[Path]
    gif: Path
    strip: Path

    def as_dict(self) -> dict[str, object]:
        return {"frames": len(self.frames), "gif": str(self.gif), "strip": str(self.strip),
                "directory": str(self.gif.parent)}


def check_writable_dir(directory: str | os.PathLike[str]) -> Path:
    """Create ``directory`` if needed and prove a file can be written in it.

    Raises
    ------
    OSError
        With the reason (not a directory, no permission, read-only file system ...).
    """
    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{path} is not a directory")
    path.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path, prefix=".convlens-probe-"):
        pass
    return path


def write_timelapse(frames: Sequence[TimelapseFrame], directory: str | os.PathLike[str]) -> TimelapseFiles:
    """``frame_0000.png`` ... (stale higher-numbered frames removed), ``timelapse.gif``, ``timelapse_strip.png``."""
    folder = check_writable_dir(directory)
    paths = []
    for i, frame in enumerate(frames):
        path = folder / FRAME_PATTERN.format(i)
        atomic_write_bytes(path, _png_bytes(render_frame(frame)))
        paths.append(path)
    for stale in folder.glob("frame_*.png"):
        if stale not in paths:
            stale.unlink(missing_ok=True)
    return TimelapseFiles(paths, write_gif(frames, folder / GIF_NAME), write_strip(frames, folder / STRIP_NAME))

"""Data augmentation aimed at hand-drawn input: random shifts, small rotations and scales, stroke thickness and,
opt-in, elastic distortions.

Everything is vectorised over the batch: one random affine map per image (plus, with ``elastic``, a smooth random
displacement field), applied with one bilinear sampling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random transformations (set a range to 0 to switch that part off).

    Attributes
    ----------
    max_shift : float
        Largest shift in pixels, along each axis.
    max_rotation : float
        Largest rotation in degrees.
    scale_range : (float, float)
        Range of the zoom factor.
    max_shear : float
        Largest shear, as a fraction.
    thicken_prob, thin_prob : float
        Probability of making an image's strokes thicker (dilation) or thinner (erosion).
    elastic : float
        Elastic distortion (Simard et al. 2003, "Best practices for convolutional neural networks applied to
        visual document analysis"): every image is bent by its own smooth random displacement field, which
        imitates how one writer's strokes wobble and bend differently from another's. The field is interpolated
        from ``ELASTIC_GRID x ELASTIC_GRID`` random control points; this is its root-mean-square displacement
        along each axis, in pixels (0: off, the default; :func:`elastic_displacement`).
    """

    max_shift: float = 2.5
    max_rotation: float = 12.0
    scale_range: tuple[float, float] = (0.85, 1.12)
    max_shear: float = 0.12
    thicken_prob: float = 0.2
    thin_prob: float = 0.1
    elastic: float = 0.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.elastic) and 0.0 <= self.elastic <= MAX_ELASTIC):
            raise ValueError(f"elastic must be in [0, {MAX_ELASTIC}] px, got {self.elastic}")


#: Control points of the elastic displacement field along each axis (spaced ~7 px on a 28 px image, about the
#: size of a stroke's bend; Simard et al. smooth white noise with a Gaussian of sigma 4 px to a similar effect).
ELASTIC_GRID = 5

#: Largest accepted ``AugmentConfig.elastic`` (px): beyond it digits stop looking like digits.
MAX_ELASTIC = 6.0


@dataclass(frozen=True)
class AugmentParams:
    """The random draws of one batch's augmentation, per image (:func:`sample_augmentation`).

    Drawing them is cheap and sequential (one generator); applying them (:func:`apply_augmentation`) is the pixel
    work, and every image's result depends only on its own row, so slices of a batch can be augmented in
    different processes with the same bits as the whole batch in one.

    Attributes
    ----------
    angle : ndarray of float64, shape (N,)
        Rotation in radians.
    scale : ndarray of float64, shape (N,)
        Zoom factor.
    shear : ndarray of float64, shape (N,)
        Shear, as a fraction.
    shift : ndarray of float64, shape (N, 2)
        Shift in pixels, (rows, columns).
    stroke : ndarray of float64, shape (N,)
        Uniform in [0, 1): below ``thicken_prob`` thicker strokes, then up to ``thicken_prob + thin_prob``
        thinner ones.
    bend : ndarray of float64, shape (N, 2, ELASTIC_GRID, ELASTIC_GRID), or None
        Standard normal displacements (rows, columns) of the elastic field's control points, scaled by
        ``AugmentConfig.elastic`` when applied; None when the elastic distortion is off.
    """

    angle: np.ndarray
    scale: np.ndarray
    shear: np.ndarray
    shift: np.ndarray
    stroke: np.ndarray
    bend: np.ndarray | None = None

    #: Floats per image in :meth:`to_array`: the 6 of the affine map and the strokes, then the bend's.
    FIELDS = 6 + 2 * ELASTIC_GRID * ELASTIC_GRID

    def __len__(self) -> int:
        return len(self.angle)

    def subset(self, index: slice) -> AugmentParams:
        """The draws of the images ``index`` selects (views)."""
        return AugmentParams(
            self.angle[index], self.scale[index], self.shear[index], self.shift[index], self.stroke[index],
            None if self.bend is None else self.bend[index],
        )

    def to_array(self, out: np.ndarray | None = None) -> np.ndarray:
        """All draws as one float64 array ``(N, FIELDS)``: angle, scale, shear, shift rows, shift columns, stroke,
        then the bend (zeros when there is none).

        ``out`` (shape ``(N, FIELDS)``, e.g. a view of shared memory) is filled and returned instead of a new array.
        """
        columns = (self.angle, self.scale, self.shear, self.shift[:, 0], self.shift[:, 1], self.stroke)
        if out is None:
            out = np.empty((len(self), self.FIELDS), np.float64)
        for i, column in enumerate(columns):
            out[:, i] = column
        if self.bend is None:
            out[:, 6:] = 0.0
        else:
            out[:, 6:] = self.bend.reshape(len(self), -1)
        return out

    @classmethod
    def from_array(cls, array: np.ndarray, elastic: bool = False) -> AugmentParams:
        """The inverse of :meth:`to_array`: ``array`` ``(N, FIELDS)`` float64 (views of it, not copies); the bend
        is read only if ``elastic``."""
        bend = array[:, 6:].reshape(-1, 2, ELASTIC_GRID, ELASTIC_GRID) if elastic else None
        return cls(array[:, 0], array[:, 1], array[:, 2], array[:, 3:5], array[:, 5], bend)


def _sample_affine(
    n: int, rng: np.random.Generator, config: AugmentConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(angle, scale, shear, shift)`` of :class:`AugmentParams` for ``n`` images, drawn in this order."""
    angle = np.deg2rad(rng.uniform(-config.max_rotation, config.max_rotation, n))
    scale = rng.uniform(config.scale_range[0], config.scale_range[1], n)
    shear = rng.uniform(-config.max_shear, config.max_shear, n)
    shift = rng.uniform(-config.max_shift, config.max_shift, (n, 2))
    return angle, scale, shear, shift


def sample_augmentation(n: int, rng: np.random.Generator, config: AugmentConfig | None = None) -> AugmentParams:
    """Draw the augmentation of a batch of ``n`` images (what :func:`augment_batch` draws, in the same order).

    Parameters
    ----------
    n : int
    rng : numpy Generator
        Advanced exactly as :func:`augment_batch` advances it.
    config : AugmentConfig, optional

    Returns
    -------
    AugmentParams
        Arrays of length ``n``.
    """
    config = config or AugmentConfig()
    angle, scale, shear, shift = _sample_affine(n, rng, config)
    stroke = rng.random(n)
    # Drawn last and only when on: without it the generator advances exactly as before the option existed.
    bend = rng.standard_normal((n, 2, ELASTIC_GRID, ELASTIC_GRID)) if config.elastic > 0 else None
    return AugmentParams(angle, scale, shear, shift, stroke, bend)


def apply_augmentation(
    images: np.ndarray, params: AugmentParams, config: AugmentConfig | None = None
) -> np.ndarray:
    """Augment ``images`` ``(N, 28, 28, 1)`` in [0, 1] by the draws ``params`` (length N); the input is unchanged.

    Every image's result depends only on its own image and draws: applying ``params.subset(s)`` to
    ``images[s]`` gives the same bits as slice ``s`` of the whole batch's result.

    Returns
    -------
    ndarray, shape (N, 28, 28, 1), float32 in [0, 1]
    """
    config = config or AugmentConfig()
    if len(params) != len(images):
        raise ValueError(f"{len(params)} augmentation draws for {len(images)} images")
    displacement = None
    if config.elastic > 0:
        if params.bend is None:
            raise ValueError("the configuration bends the images (elastic > 0) but the draws have no bend")
        displacement = elastic_displacement(params.bend, config.elastic, images.shape[1:3])
    out = warp_affine(images, params.angle, params.scale, params.shear, params.shift, displacement)
    out = change_thickness(out, params.stroke, config)
    return np.clip(out, 0.0, 1.0, out=out)


def random_affine(images: np.ndarray, rng: np.random.Generator, config: AugmentConfig) -> np.ndarray:
    """Warp every image by its own random rotation, scale, shear and shift (bilinear, zeros outside).

    Parameters
    ----------
    images : ndarray, shape (N, H, W, 1)
    rng : numpy Generator
    config : AugmentConfig

    Returns
    -------
    ndarray, shape (N, H, W, 1), float32
    """
    return warp_affine(images, *_sample_affine(images.shape[0], rng, config))


def _interpolation_matrix(length: int, points: int) -> np.ndarray:
    """``(length, points)`` weights that spread ``points`` control values smoothly over ``length`` pixels.

    Each pixel takes a Gaussian-weighted average of the control points (spaced evenly from the first pixel to
    the last, the Gaussian 0.6 of their spacing wide), so the field has no kinks; the weights are then scaled so
    that independent unit control values give the pixels a root-mean-square value of 1.
    """
    centres = np.linspace(0.0, length - 1.0, points)
    spacing = (length - 1.0) / max(points - 1, 1)
    pixels = np.arange(length, dtype=np.float64)[:, None]
    weights = np.exp(-0.5 * ((pixels - centres[None, :]) / (0.6 * spacing)) ** 2)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights / np.sqrt(np.mean(np.sum(weights**2, axis=1)))


def elastic_displacement(bend: np.ndarray, strength: float, size: tuple[int, int]) -> np.ndarray:
    """The smooth displacement fields of :attr:`AugmentParams.bend`, in pixels.

    Parameters
    ----------
    bend : ndarray, shape (N, 2, G, G)
        Standard normal control-point displacements (rows, columns).
    strength : float
        The fields' root-mean-square displacement along each axis, in pixels (``AugmentConfig.elastic``).
    size : (int, int)
        ``(H, W)`` of the images.

    Returns
    -------
    ndarray of float64, shape (N, 2, H * W)
        How far (rows, columns) each output pixel reads from the position the affine map gives it.
    """
    h, w = size
    along_rows = _interpolation_matrix(h, bend.shape[2])  # (H, G)
    along_cols = _interpolation_matrix(w, bend.shape[3])  # (W, G)
    fields = along_rows @ (strength * bend) @ along_cols.T  # (N, 2, H, W)
    return fields.reshape(bend.shape[0], 2, h * w)


def warp_affine(
    images: np.ndarray, angle: np.ndarray, scale: np.ndarray, shear: np.ndarray, shift: np.ndarray,
    displacement: np.ndarray | None = None,
) -> np.ndarray:
    """Warp every image by its rotation, scale, shear and shift about the centre (bilinear, zeros outside).

    Parameters
    ----------
    images : ndarray, shape (N, H, W, 1)
    angle, scale, shear : ndarray of float64, shape (N,)
        Radians, zoom factor, shear fraction.
    shift : ndarray of float64, shape (N, 2)
        Pixels, (rows, columns).
    displacement : ndarray, shape (N, 2, H * W), optional
        Added to where each output pixel reads (rows, columns) after the affine map: the elastic distortion
        (:func:`elastic_displacement`).

    Returns
    -------
    ndarray, shape (N, H, W, 1), float32
    """
    n, h, w, _ = images.shape
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    # Inverse map (output pixel -> source pixel) around the image centre.
    a00, a01 = cos, -sin + shear * cos
    a10, a11 = sin, cos + shear * sin
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    dy = (rows - cy).reshape(1, -1) - shift[:, :1]
    dx = (cols - cx).reshape(1, -1) - shift[:, 1:]
    # a00 * dy + a01 * dx + cy, in place (the same operations in the same order: the same bits).
    src_r = a00[:, None] * dy
    src_r += a01[:, None] * dx
    src_r += cy
    src_c = a10[:, None] * dy
    src_c += a11[:, None] * dx
    src_c += cx
    if displacement is not None:
        src_r += displacement[:, 0]
        src_c += displacement[:, 1]
    return bilinear_sample(images[..., 0], src_r, src_c).reshape(n, h, w, 1)


def bilinear_sample(images: np.ndarray, src_r: np.ndarray, src_c: np.ndarray) -> np.ndarray:
    """Sample ``images`` ``(N, H, W)`` at real coordinates ``(N, P)``; zero outside. Returns ``(N, P)`` float32."""
    n, h, w = images.shape
    padded = np.zeros((n, h + 2, w + 2), dtype=np.float32)
    padded[:, 1:-1, 1:-1] = images
    src_r = np.clip(src_r, -1.0, h)
    src_r += 1.0
    src_c = np.clip(src_c, -1.0, w)
    src_c += 1.0
    # Non-negative now: truncation is the floor.
    r0 = np.minimum(src_r.astype(np.int32), h)
    c0 = np.minimum(src_c.astype(np.int32), w)
    fr = np.subtract(src_r, r0, out=src_r).astype(np.float32)
    fc = np.subtract(src_c, c0, out=src_c).astype(np.float32)
    stride = w + 2
    # Indices into the flat padded batch (one gather per corner: twice as fast as take_along_axis per row).
    base = r0 * stride + c0 + (np.arange(n) * ((h + 2) * stride))[:, None]
    flat = padded.ravel()
    left = 1 - fc
    top = flat.take(base) * left + flat.take(base + 1) * fc
    bottom = flat.take(base + stride) * left + flat.take(base + stride + 1) * fc
    return np.asarray(top * (1 - fr) + bottom * fr, dtype=np.float32)


def _neighbour_reduce(x: np.ndarray, op: np.ufunc) -> np.ndarray:
    """``op`` (``np.maximum`` or ``np.minimum``) over each pixel and its 4 neighbours, zeros outside; ``x``
    ``(N, H, W, 1)``. Max and min are exact, so the order of the pairs does not change a bit."""
    p = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    out = op(p[:, :-2, 1:-1], p[:, 2:, 1:-1])
    op(out, p[:, 1:-1, :-2], out=out)
    op(out, p[:, 1:-1, 2:], out=out)
    return np.asarray(op(out, x, out=out))


def _neighbour_max(x: np.ndarray) -> np.ndarray:
    """Max over each pixel and its 4 neighbours; ``x`` ``(N, H, W, 1)``."""
    return _neighbour_reduce(x, np.maximum)


def _neighbour_min(x: np.ndarray) -> np.ndarray:
    """Min over each pixel and its 4 neighbours (zeros outside); ``x`` ``(N, H, W, 1)``."""
    return _neighbour_reduce(x, np.minimum)


def stroke_thickness(images: np.ndarray, rng: np.random.Generator, config: AugmentConfig) -> np.ndarray:
    """Make some images' strokes thicker (soft dilation) and some thinner (soft erosion); ``(N, H, W, 1)``."""
    return change_thickness(images, np.asarray(rng.random(images.shape[0])), config)


def change_thickness(images: np.ndarray, u: np.ndarray, config: AugmentConfig) -> np.ndarray:
    """Thicker strokes where ``u < thicken_prob``, thinner ones up to ``thicken_prob + thin_prob``.

    Parameters
    ----------
    images : ndarray, shape (N, H, W, 1)
    u : ndarray of float64, shape (N,)
        One uniform draw in [0, 1) per image.
    config : AugmentConfig

    Returns
    -------
    ndarray, shape (N, H, W, 1)
        ``images`` itself when no image changes, else a new array.
    """
    thick = np.asarray(u < config.thicken_prob)
    thin = np.asarray((u >= config.thicken_prob) & (u < config.thicken_prob + config.thin_prob))
    out = images
    if thick.any():
        out = out.copy()
        out[thick] = np.maximum(images[thick], 0.85 * _neighbour_max(images[thick]))
    if thin.any():
        out = out.copy() if out is images else out
        eroded = _neighbour_min(images[thin])
        out[thin] = 0.5 * images[thin] + 0.5 * eroded
    return out


def augment_batch(
    images: np.ndarray, rng: np.random.Generator, config: AugmentConfig | None = None
) -> np.ndarray:
    """Randomly transformed copies of ``images`` ``(N, 28, 28, 1)`` float32 in [0, 1] (same shape, same range).

    The same as :func:`apply_augmentation` of :func:`sample_augmentation`.
    """
    config = config or AugmentConfig()
    return apply_augmentation(images, sample_augmentation(len(images), rng, config), config)

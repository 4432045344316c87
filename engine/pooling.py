"""Max pooling for training: the windows' maxima and, for the backward pass, which cell of each window won.

Applies when the windows tile the map (stride = size, sizes dividing the map;
:func:`convlens.engine.geometry.pool_windows_tile`), as in the usual 2x2 / stride 2 pooling. The ``k_h * k_w``
cells of every window are ``k_h * k_w`` "phase" arrays of shape ``(N, H_out, W_out, C)``: phase ``(p, q)``
holds the cells at row ``i * k_h + p`` and column ``j * k_w + q`` of window ``(i, j)``. The maximum is a
knock-out tournament between the phases (pairs, then pairs of winners), each match one elementwise ``maximum``
plus one boolean mask of "the second one won" (ties go to the first, so every window's gradient reaches exactly
one of its maximal cells).

The phases can be strided views of an NHWC map, or — much faster, because every elementwise operation then
runs over one long contiguous array — the blocks of a *phase-major* map of shape
``(k_h, k_w, N, H_out, W_out, C)``, which is how a convolution feeding the pool lays out its output during
training (``convlens.engine.conv_kernels.conv2d_forward(..., phases=...)``). The general max pooling (any window,
stride and padding) is :func:`convlens.engine.ops.max_pool2d`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convlens.engine.geometry import Pair, pool_windows_tile
from convlens.engine.workspace import Workspace, scratch

__all__ = ["Tournament", "max_pool2d_tournament", "max_pool2d_tournament_backward", "pool_windows_tile"]


@dataclass
class Tournament:
    """Which candidate won each match, level by level (what the backward pass needs).

    Attributes
    ----------
    masks : list of list of ndarray of bool
        ``masks[level][m]`` is True where the second player of match ``m`` at that level won.
    sizes : list of int
        Number of players at each level.
    """

    masks: list[list[np.ndarray]]
    sizes: list[int]


def _phases_of(x: np.ndarray, size: Pair, phase_major: bool) -> list[np.ndarray]:
    kh, kw = size
    if phase_major:  # (k_h, k_w, N, H_out, W_out, C)
        return [x[p, q] for p in range(kh) for q in range(kw)]
    n, h, w, c = x.shape  # NHWC: strided views of the window cells
    blocks = x.reshape(n, h // kh, kh, w // kw, kw, c)
    return [blocks[:, :, p, :, q, :] for p in range(kh) for q in range(kw)]


def max_pool2d_tournament(
    x: np.ndarray, size: Pair, phase_major: bool = False, workspace: Workspace | None = None
) -> tuple[np.ndarray, Tournament]:
    """Maxima of windows that tile the map, with the record of the winners.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C), or (k_h, k_w, N, H_out, W_out, C) if ``phase_major``
    size : (int, int)
        Window ``(k_h, k_w)`` (= stride).
    phase_major : bool
        ``x`` is laid out by window cell (see the module docstring).
    workspace : Workspace, optional
        Reuse its buffers (training): the output is then valid until the next call.

    Returns
    -------
    out : ndarray, shape (N, H_out, W_out, C)
    record : Tournament
        For :func:`max_pool2d_tournament_backward`.
    """
    players = _phases_of(x, size, phase_major)
    shape, dtype = players[0].shape, x.dtype
    out = scratch(workspace, "pool_out", shape, dtype)
    masks: list[list[np.ndarray]] = []
    sizes: list[int] = []
    if len(players) == 1:
        np.copyto(out, players[0])
    level = 0
    while len(players) > 1:
        sizes.append(len(players))
        winners, level_masks = [], []
        last_match = len(players) == 2
        for m in range(len(players) // 2):
            first, second = players[2 * m], players[2 * m + 1]
            mask = scratch(workspace, f"pool_mask_{level}_{m}", shape, np.bool_)
            np.greater(second, first, out=mask)
            winner = out if last_match else scratch(workspace, f"pool_winner_{level}_{m}", shape, dtype)
            np.maximum(first, second, out=winner)
            winners.append(winner)
            level_masks.append(mask)
        if len(players) % 2:
            winners.append(players[-1])  # a bye
        masks.append(level_masks)
        players = winners
        level += 1
    return out, Tournament(masks, sizes)


def max_pool2d_tournament_backward(
    grad_out: np.ndarray,
    record: Tournament,
    size: Pair,
    phase_major: bool = False,
    workspace: Workspace | None = None,
) -> np.ndarray:
    """Gradient of :func:`max_pool2d_tournament`: each window's gradient goes to the cell that won.

    Parameters
    ----------
    grad_out : ndarray, shape (N, H_out, W_out, C)
    record : Tournament
    size : (int, int)
    phase_major : bool
        Return the gradient in the phase-major layout of the forward input.
    workspace : Workspace, optional

    Returns
    -------
    ndarray, shape of the forward input
    """
    n, ho, wo, c = grad_out.shape
    kh, kw = size
    dtype = grad_out.dtype
    if phase_major:
        dx = scratch(workspace, "pool_grad_in", (kh, kw, n, ho, wo, c), dtype)
    else:
        dx = scratch(workspace, "pool_grad_in", (n, ho * kh, wo * kw, c), dtype)
    leaves = _phases_of(dx, size, phase_major)
    if not record.sizes:
        np.copyto(leaves[0], grad_out)
        return dx
    grads = [grad_out]  # gradients of the players at the current level, from the final down
    for level in range(len(record.sizes) - 1, -1, -1):
        count = record.sizes[level]
        lower = leaves if level == 0 else [
            scratch(workspace, f"pool_grad_{level}_{i}", grad_out.shape, dtype) for i in range(count)
        ]
        for m, mask in enumerate(record.masks[level]):
            second = lower[2 * m + 1]
            np.multiply(grads[m], mask, out=second)
            np.subtract(grads[m], second, out=lower[2 * m])
        if count % 2:
            np.copyto(lower[-1], grads[-1])
        grads = lower
    return dx


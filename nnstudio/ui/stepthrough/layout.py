"""Where each element of an n-dimensional array goes on a 2-D screen grid.

A layout is an integer array ``cells`` of flat indices into the original array (−1 for the
gaps between tiles). The table and the heat map both draw ``a.ravel()[cells]``, and the
element under the cursor is ``np.unravel_index(cells[row, col], a.shape)``, so what is
shown can always be traced back to the exact array element.

- 0-d: one cell; 1-d: one row; 2-d: as is (rows = samples).
- 2-d rows that are square images (784 = 28×28, with few rows) are folded into tiles when
  ``fold`` is set (heat maps only).
- 3-d (N, A, B): N tiles of A×B side by side (e.g. softmax Jacobians per sample).
- 4-d (N, C, H, W): a mosaic, one row of tiles per sample (or filter), one column per channel.
"""

from __future__ import annotations

import math

import numpy as np

GAP = -1


def _mosaic(n_rows: int, n_cols: int, h: int, w: int, gap: int) -> np.ndarray:
    """Tiles t = r·n_cols + c of h×w consecutive elements, separated by ``gap`` empty cells."""
    cells = np.full((n_rows * (h + gap) - gap, n_cols * (w + gap) - gap), GAP, dtype=np.int64)
    tile = np.arange(h * w, dtype=np.int64).reshape(h, w)
    for r in range(n_rows):
        for c in range(n_cols):
            t = r * n_cols + c
            y, x = r * (h + gap), c * (w + gap)
            cells[y:y + h, x:x + w] = tile + t * h * w
    return cells


def square_side(n: int) -> int | None:
    s = math.isqrt(n)
    return s if s * s == n and s >= 7 else None


def grid_cells(shape: tuple[int, ...], *, fold: bool = False, gap: int = 1) -> np.ndarray:
    size = math.prod(shape)
    if size == 0:
        return np.zeros((0, 0), dtype=np.int64)
    nd = len(shape)
    if nd == 0:
        return np.zeros((1, 1), dtype=np.int64)
    if nd == 1:
        return np.arange(size, dtype=np.int64).reshape(1, size)
    if nd == 2:
        r, c = shape
        side = square_side(c) if fold and r <= 16 else None
        if side:
            return _mosaic(1, r, side, side, gap)
        return np.arange(size, dtype=np.int64).reshape(r, c)
    if nd == 3:
        n, a, b = shape
        return _mosaic(1, n, a, b, gap) if n <= 16 else _mosaic(n, 1, a, b, gap)
    if nd == 4:
        n, c, h, w = shape
        return _mosaic(n, c, h, w, gap)
    return np.arange(size, dtype=np.int64).reshape(-1, shape[-1])


def values_on_grid(a: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """The array's values placed on the grid (float64, NaN in the gaps)."""
    flat = np.asarray(a, dtype=np.float64).reshape(-1)
    out = np.full(cells.shape, np.nan)
    ok = cells != GAP
    out[ok] = flat[cells[ok]]
    return out


def values_from_grid(grid: np.ndarray, cells: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of :func:`values_on_grid`: the original array from what the grid shows."""
    out = np.full(math.prod(shape), np.nan)
    ok = cells != GAP
    out[cells[ok]] = grid[ok]
    return out.reshape(shape)

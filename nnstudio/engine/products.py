"""A few rows times a large matrix, in the shapes OpenBLAS multiplies fastest.

OpenBLAS's kernels for AVX-512 CPUs (SkylakeX and the cores after it) run a product of at most
100³ multiply-adds (m·n·k) through "small-matrix" kernels that read the operands in place; a
larger one is first copied into packed panels. For a mini-batch of a few rows times a weight
matrix above that size the copying costs more than the arithmetic, so the product runs at up to
half the speed of its own column blocks (measured float32, one thread, 10×784 by 784×256: 64 µs
whole, 33 µs in blocks of 96, 96 and 64 columns; 10×784 by 784×1000: 206 → 128 µs; 12×2000 by
2000×1000, 32 blocks of 32 columns: 430 → 301 µs). At batch 1, from about 16 rows on, and with
OpenBLAS's AVX2 kernels (which OpenBLAS picks on CPUs without AVX-512, or where the environment
sets ``OPENBLAS_CORETYPE=Haswell``) blocks gain nothing or lose, and products are left whole.
Every entry of the result is still one dot product of a row and a column: only the order in
which BLAS adds up its terms may differ, by the last bits, from the whole product's.

OpenBLAS's x86 sgemm kernels also take the batch's rows four at a time (the "16x4" of the AVX2
kernel, sgemm_kernel_16x4_haswell, which its Haswell and Zen targets share), and the one to
three rows left over go through slower code. With the AVX2 kernels a product of 10 rows costs
more than one of 12 (10×784 by 784×256: 74 µs against 59 µs; 11 rows 96 µs; 784×100: 10 rows
30 µs, 12 rows 24 µs); with the AVX-512 ones only three rows left over cost more than the fourth
(784×256, with the blocks above: 11 rows 45 µs, 12 rows 37 µs). So :func:`matmul` copies such a
batch into one with zero rows added up to the next multiple of four and returns the real rows
of the product (10 rows by 784×256, the copy included: 74 → 62 µs; 11 rows 96 → 62 µs): each of
them is the same dot products as before, and the added rows only cost their share.

An input column that is zero in every sample of a batch adds nothing to x·W, and its row of
∂E/∂W = xᵀ·δ is zero: MNIST's digits sit on a blank border, and a batch of ten leaves some 18 %
of the 784 columns at its two edges zero (a single image 32 %, a hundred 10 %, a thousand 6 %).
A first layer multiplies only the columns from the first to the last that is not zero in the
whole batch (:func:`live_columns`), and SGD moves only those rows of W; the other rows of ∂E/∂W
are exact zeros. Only the edges: the zero columns scattered inside would take copies of W's rows. Only
where it pays: a wide layer and batches up to 128 (TRIM_*, measured). The rows of W left out are
not read: an inf or NaN there does not turn the output into NaN as 0·inf would in the whole
product (training never gets there: it stops at the first weight norm that is not finite).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .blas import numpy_openblas_cores

# Up to this many rows (the one-BLAS-thread batches, see trainer.SMALL_BATCH) δ·Wᵀ is taken as
# (W·δᵀ)ᵀ: BLAS then reads W in its own row-major order, not transposed. Measured float32, one
# thread, 10 rows by (256×128)ᵀ: 18.6 → 12.1 µs with the SkylakeX kernels, 12.8 → 11 µs with
# Haswell's; 32 rows 23.5 → 16.7 µs (the row-major copy of the result included). At batch 1000
# the two are even, and the copy back to row-major order would cost more than the product.
TRANSPOSED_MAX_ROWS = 32
# For a small W the plain product is the faster, the copy costing more than it saves (measured
# at 10 rows, AVX2 / AVX-512 kernels, (W·δᵀ)ᵀ against δ·Wᵀ: 100×10 2.1/1.5 and 2.2/1.6 µs,
# 100×50 3.3/3.0 and 2.7/2.0 µs; 128×128 6.8/7.2 and 7.4/9.8 µs)
TRANSPOSED_MIN_ENTRIES = 8192
SMALL_KERNEL_MNK = 100 ** 3     # OpenBLAS's limit for its small-matrix kernels (m·n·k)
MAX_ROWS = 12                   # the mini-batch sizes where blocks were measured faster
# block widths in multiples of 32 columns (measured, 10×784 by 784×256: blocks of 96, 96 and
# 64 columns 33 µs, three of 86 columns 36 µs)
WIDTH_STEP = 32
# OpenBLAS core types with the small-matrix sgemm kernels
SMALL_KERNEL_CORES = frozenset({"SkylakeX", "Cooperlake", "SapphireRapids"})
# OpenBLAS core types running the AVX2 sgemm kernel. Measured as Haswell only (this machine's
# OpenBLAS reports Haswell even when told Zen); Zen runs the same kernel and copy routines
# (OpenBLAS's KERNEL.ZEN), AMD's cores before AVX-512.
AVX2_CORES = frozenset({"Haswell", "Zen"})
ROW_GROUP = 4                   # the rows OpenBLAS's x86 sgemm kernels take at a time
# Padding (the copy included) was measured at 2–31 rows, one thread. With the AVX2 kernels:
# 784×100 and 784×256 never lost (10 rows 30 → 25 µs and 74 → 62 µs); 256×128 gained at most
# row counts (10 rows 13.3 → 12.2 µs, 11 rows 16.5 → 12.0 µs) and lost up to 0.5 µs at 2, 5,
# 13, 14, 17 and 18 rows; 100×10, 128×10 and 64×64 lost ≈ 1 µs, the copy's cost. With the
# AVX-512 kernels and three rows left over (3, 7, … 31 rows): 784×256 and 784×1000 always
# gained (784×256 3 rows 19.7 → 13.0 µs, 11 rows 44.9 → 36.8, 31 rows 114 → 100); 784×100
# lost 0.2–0.4 µs at 3 and 7 rows and gained 1.5–3 µs from 11; 256×128 within ±0.2 µs.
PAD_MIN_ENTRIES = 256 * 128
PAD_MAX_ROWS = 32               # measured up to 31 rows (the one-BLAS-thread batches)
# When a first layer looks for zero edge columns (measured float32, MNIST, A/B in one process):
# finding them and copying the live block cost about as much as the products they leave out
# save in a layer of 100 units (784-100-10: −2 % a step at batch 10, −6 % at 100), and pay in
# one of 256 (784-256-128-10: +4–11 % at batch 10, +2–5 % at 100, +3–12 % for one image). At batch
# 1000 the search (110 µs) and the copy cost more than the 5 % of columns left out save (−2 %
# with 256 units, −10 % with 100). Inputs narrower than TRIM_MIN_INPUTS (iris, wine, the 2-D
# toys) have nothing to gain.
TRIM_MIN_UNITS = 200
TRIM_MAX_ROWS = 128
TRIM_MIN_INPUTS = 64
TRIM_MIN_COLUMNS = 8        # the fewest zero edge columns left out


class Factors(NamedTuple):
    """A weight gradient left as the product aᵀ·b (a dense layer's xᵀ·δ, see Layer.products):
    the rows ``rows`` of ∂E/∂W are aᵀ·b, the others zero (all rows when None; see
    :func:`live_columns`)."""
    a: np.ndarray
    b: np.ndarray
    rows: slice | None = None

    def multiplied(self, shape: tuple[int, int]) -> np.ndarray:
        """The gradient as a row-major matrix of W's shape."""
        # np.dot, not @: for a batch of one (an outer product) matmul takes a slow non-BLAS loop
        if self.rows is None:
            return np.dot(self.a.T, self.b)
        out = np.empty(shape, dtype=np.result_type(self.a, self.b))
        start, stop = self.rows.start, self.rows.stop
        out[:start] = 0            # only the rows outside: no pass over the whole matrix first
        out[stop:] = 0
        np.dot(self.a.T, self.b, out=out[start:stop])
        return out


def live_columns(x: np.ndarray, units: int) -> slice | None:
    """The columns of a batch (2-D, a sample a row) that a layer of ``units`` multiplies: from
    the first to the last that is not zero in every sample, when at least TRIM_MIN_COLUMNS at
    the two edges are zero; None otherwise, and where the search does not pay (see TRIM_*). A
    batch of zeros keeps its first column: the product of one zero column is the same zeros.
    NaN counts as not zero."""
    rows, n = x.shape
    if n < TRIM_MIN_INPUTS or units < TRIM_MIN_UNITS or rows > TRIM_MAX_ROWS:
        return None
    nonzero = np.logical_or.reduce(x, axis=0)
    first = int(nonzero.argmax())
    if not nonzero[first]:
        return slice(0, 1)
    end = n - int(nonzero[::-1].argmax())
    if first + n - end < TRIM_MIN_COLUMNS:
        return None
    return slice(first, end)


def small_kernels() -> bool:
    """Whether NumPy's BLAS is an OpenBLAS running kernels with the small-matrix path."""
    cores = numpy_openblas_cores()
    return bool(cores) and cores <= SMALL_KERNEL_CORES


def padded_rows(rows: int, inner: int, cols: int, dtype) -> int:
    """The rows :func:`matmul` multiplies a (rows×inner)·(inner×cols) product with: ``rows``, or
    the next multiple of four where OpenBLAS's kernels were measured faster on that."""
    left = rows % ROW_GROUP
    if dtype != np.float32 or not left or not 2 <= rows <= PAD_MAX_ROWS or inner * cols < PAD_MIN_ENTRIES:
        return rows
    cores = numpy_openblas_cores()
    if cores and (cores <= AVX2_CORES or (left == ROW_GROUP - 1 and cores <= SMALL_KERNEL_CORES)):
        return rows + ROW_GROUP - left
    return rows


def block_width(rows: int, inner: int, cols: int, dtype) -> int | None:
    """The column blocks' width :func:`matmul` uses for a (rows×inner)·(inner×cols) product;
    None: the whole product in one call."""
    if dtype != np.float32 or not 2 <= rows <= MAX_ROWS or rows * inner * cols <= SMALL_KERNEL_MNK:
        return None
    widest = SMALL_KERNEL_MNK // (rows * inner) // WIDTH_STEP * WIDTH_STEP
    if widest == 0 or not small_kernels():
        return None
    blocks = math.ceil(cols / widest)
    # as even as the steps allow: 256 columns, at most 96 a block, are 96 + 96 + 64
    return math.ceil(cols / blocks / WIDTH_STEP) * WIDTH_STEP


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for 2-D arrays, with rows added and in column blocks where that is faster
    (see the module text); row-major."""
    rows, inner = a.shape
    cols = b.shape[1]
    if a.dtype != b.dtype:
        return a @ b
    grown = padded_rows(rows, inner, cols, b.dtype)
    if grown != rows:
        padded = np.empty((grown, inner), dtype=a.dtype)
        padded[:rows] = a
        padded[rows:] = 0
        a = padded
    width = block_width(grown, inner, cols, b.dtype)
    if width is None:
        out = a @ b
    else:
        out = np.empty((grown, cols), dtype=a.dtype)
        for j in range(0, cols, width):
            np.matmul(a, b[:, j:j + width], out=out[:, j:j + width])
    return out[:rows] if grown != rows else out


def matmul_transposed(d: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``d @ w.T`` for 2-D arrays (a layer's δ times its weights, transposed), row-major; for a
    few rows and a large W computed as ``(w @ d.T).T`` (see TRANSPOSED_MAX_ROWS)."""
    if 2 <= d.shape[0] <= TRANSPOSED_MAX_ROWS and w.size >= TRANSPOSED_MIN_ENTRIES:
        return np.ascontiguousarray((w @ d.T).T)
    return d @ w.T

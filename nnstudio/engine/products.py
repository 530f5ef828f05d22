"""A few rows times a large matrix, in the column blocks OpenBLAS multiplies fastest.

OpenBLAS's kernels for AVX-512 CPUs (SkylakeX and the cores after it) run a product of at most
100³ multiply-adds (m·n·k) through "small-matrix" kernels that read the operands in place; a
larger one is first copied into packed panels. For a mini-batch of a few rows times a weight
matrix just above that size the copying costs more than the arithmetic, so the product runs
at half the speed of its own column blocks (measured float32, one thread, 10×784 by 784×256:
68 µs whole, 38 µs as three blocks of 86 columns; 10×784 by 784×1000: 216 → 146 µs; at batch 1
and from about 16 rows on, or with OpenBLAS's AVX2 kernels, blocks gain nothing or lose).
Every entry of the result is still one dot product of a row and a column: only the order in
which BLAS adds up its terms may differ, by the last bits, from the whole product's.
"""

from __future__ import annotations

import functools
import math

import numpy as np

SMALL_KERNEL_MNK = 100 ** 3     # OpenBLAS's limit for its small-matrix kernels (m·n·k)
MAX_ROWS = 12                   # the mini-batch sizes where blocks were measured faster
MAX_BLOCKS = 10                 # more, narrower blocks lost again (16×1000 by 1000×1000)
# OpenBLAS core types with the small-matrix sgemm kernels
SMALL_KERNEL_CORES = frozenset({"SkylakeX", "Cooperlake", "SapphireRapids"})


@functools.cache
def small_kernels() -> bool:
    """Whether NumPy's BLAS is an OpenBLAS running kernels with the small-matrix path."""
    from threadpoolctl import threadpool_info
    cores = {i.get("architecture") for i in threadpool_info()
             if i.get("internal_api") == "openblas" and "numpy" in i.get("filepath", "")}
    return bool(cores) and cores <= SMALL_KERNEL_CORES


def column_blocks(rows: int, inner: int, cols: int, dtype) -> int:
    """How many column blocks :func:`matmul` splits a (rows×inner)·(inner×cols) product into
    (1: the whole product in one call)."""
    if dtype != np.float32 or not 2 <= rows <= MAX_ROWS or rows * inner * cols <= SMALL_KERNEL_MNK:
        return 1
    width = SMALL_KERNEL_MNK // (rows * inner)
    if width < 1 or not small_kernels():
        return 1
    blocks = math.ceil(cols / width)
    return blocks if blocks <= MAX_BLOCKS else 1


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for 2-D arrays, in column blocks where that is faster (see the module text)."""
    rows, inner = a.shape
    cols = b.shape[1]
    blocks = column_blocks(rows, inner, cols, b.dtype) if a.dtype == b.dtype else 1
    if blocks == 1:
        return a @ b
    out = np.empty((rows, cols), dtype=a.dtype)
    width = -(-cols // blocks)
    for j in range(0, cols, width):
        np.matmul(a, b[:, j:j + width], out=out[:, j:j + width])
    return out

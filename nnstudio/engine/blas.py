"""NumPy's own BLAS: which OpenBLAS kernels it runs, and y ← y + α·x in it.

NumPy's wheels carry an OpenBLAS of their own (numpy.libs on Linux, numpy/.dylibs on macOS);
SciPy's carry another. Which kernels NumPy's runs decides how the products are best shaped
(products.py).

NumPy has no in-place y += α·x in one pass, and its elementwise loops run on one core. With two
BLAS threads that is slow just where SGD needs it: a product leaves W's cache lines in both
cores' caches, and NumPy's ``W -= η·∂E/∂W`` right after, on one core, waits on the other for
every line it writes (measured float32, 784×256, after x·W at batch 100 with two threads:
NumPy's multiply and subtract 251 µs, the BLAS routine axpy on the same two threads 75 µs;
784×100: 118 against 37 µs; with one thread 108 against 54 µs). :func:`axpy` calls that routine
in NumPy's own library, so that it shares NumPy's threads: SciPy's axpy runs in the other
OpenBLAS, whose threads would wait spinning beside NumPy's for the same two cores.

NumPy does not export its BLAS: the routine is looked up in the library threadpoolctl names as
NumPy's, under the names of the scipy-openblas64 build NumPy's wheels carry
(``scipy_cblas_saxpy64_``, 64-bit integers, which the library's configuration string confirms).
Anywhere else (another BLAS, another build) :func:`axpy` answers False and the caller takes
NumPy's lines.
"""

from __future__ import annotations

import ctypes
import functools
from pathlib import Path
from typing import Callable

import numpy as np

# Below this many entries NumPy's two passes are the faster: the call through ctypes costs about
# 4 µs (measured float32, W − η·G right after x·W and xᵀ·δ at batch 100: with two threads 64×64
# 2.5 µs NumPy against 5.6 µs axpy, 128×128 32 against 12 µs, 256×128 25 against 14 µs; with one
# thread 128×128 5.5 against 7.5 µs, 256×128 even, 784×100 21 against 16 µs)
AXPY_MIN_ENTRIES = 16384


def numpy_s_own(path: str) -> bool:
    """Whether a loaded library is the one bundled in NumPy's wheel (numpy.libs on Linux,
    numpy/.dylibs on macOS)."""
    parts = Path(path).parts
    return "numpy.libs" in parts or any(a == "numpy" and b in (".libs", ".dylibs")
                                        for a, b in zip(parts, parts[1:]))


@functools.cache
def _numpy_openblas() -> tuple[dict, ...]:
    from threadpoolctl import threadpool_info
    return tuple(i for i in threadpool_info()
                 if i.get("internal_api") == "openblas" and numpy_s_own(i.get("filepath", "")))


@functools.cache
def numpy_openblas_cores() -> frozenset[str]:
    """The kernels ("Haswell", "SkylakeX", …) NumPy's own OpenBLAS runs; empty for another BLAS."""
    return frozenset(i.get("architecture") for i in _numpy_openblas())


@functools.cache
def _axpy_routines() -> dict[np.dtype, Callable] | None:
    """saxpy and daxpy of NumPy's OpenBLAS, or None where it is not the scipy-openblas64 build."""
    for info in _numpy_openblas():
        try:
            lib = ctypes.CDLL(info["filepath"])
            config = lib.scipy_openblas_get_config64_
            routines = {np.dtype(np.float32): lib.scipy_cblas_saxpy64_,
                        np.dtype(np.float64): lib.scipy_cblas_daxpy64_}
        except (OSError, AttributeError, KeyError):
            continue
        config.argtypes = ()
        config.restype = ctypes.c_char_p
        if b"USE64BITINT" not in (config() or b"").split():
            continue
        for dtype, routine in routines.items():
            scalar = ctypes.c_float if dtype == np.float32 else ctypes.c_double
            # (n, α, x, incx, y, incy); the GIL is released for the call
            routine.argtypes = (ctypes.c_int64, scalar, ctypes.c_void_p, ctypes.c_int64,
                                ctypes.c_void_p, ctypes.c_int64)
            routine.restype = None
        return routines
    return None


def axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> bool:
    """y ← y + α·x in place, in one BLAS pass on NumPy's BLAS threads; True if done. False, with
    y untouched, where it does not apply: arrays of different shapes or types, not float32 or
    float64, not contiguous, aligned and (y) writable, overlapping, small (AXPY_MIN_ENTRIES),
    or no such routine in NumPy's BLAS. Kernels with fused multiply-adds (OpenBLAS's Haswell,
    Zen and SkylakeX ones) round each entry once, where NumPy's ``y += alpha * x`` rounds α·x
    first: an entry may differ from that in its last bit."""
    if x.shape != y.shape or x.dtype != y.dtype or y.size < AXPY_MIN_ENTRIES or np.may_share_memory(x, y):
        return False
    fx, fy = x.flags, y.flags
    if not (fx.c_contiguous and fx.aligned and fy.c_contiguous and fy.aligned and fy.writeable):
        return False
    routines = _axpy_routines()
    routine = routines.get(y.dtype) if routines else None
    if routine is None:
        return False
    routine(y.size, alpha, x.ctypes.data, 1, y.ctypes.data, 1)
    return True

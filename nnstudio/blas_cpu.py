"""Which OpenBLAS kernels NumPy's matrix products run on this CPU.

OpenBLAS picks its kernels once, when NumPy loads it, from the CPU's family and features. The
OpenBLAS shipped in NumPy and SciPy wheels up to 0.3.31 does not know AMD's family 1Ah (Zen 5)
and falls back to its Haswell kernels (AVX2), although the CPU has the AVX-512 the SkylakeX
kernels need (OpenMathLib/OpenBLAS#6029, fixed upstream by #6033). On the Zen 5 machine this
project is built on, the SkylakeX kernels train nnstudio's MNIST MLPs 1.2–1.8× faster at
batches of 10 to 1000 (tests/benchmarks/bench_engine.py, run with and without them), and
PyTorch's MKL already uses AVX-512 there.

The choice can only be made through the environment variable ``OPENBLAS_CORETYPE`` before
OpenBLAS is loaded, so :func:`choose_openblas_kernels` runs when the ``nnstudio`` package is
imported (the app's and the command line's first import) and does nothing when NumPy is
already loaded, when the user has set the variable, or on any CPU but the one it is for.
No NumPy here: this module must run before NumPy is imported.
"""

from __future__ import annotations

import os
import sys
from typing import MutableMapping

ZEN5_FAMILY = 0x1A
# what OpenBLAS's SkylakeX kernels execute (AVX-512 foundation, conflict detection, byte/word,
# doubleword/quadword, vector length)
SKYLAKEX_FLAGS = frozenset({"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"})
VARIABLE = "OPENBLAS_CORETYPE"


def coretype_for(cpuinfo: str) -> str | None:
    """The OpenBLAS core type to ask for, given the text of /proc/cpuinfo; None to leave
    OpenBLAS's own detection alone (every CPU it detects correctly)."""
    fields: dict[str, str] = {}
    for line in cpuinfo.split("\n\n", 1)[0].splitlines():     # the first processor suffices
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    if fields.get("vendor_id") != "AuthenticAMD":
        return None
    try:
        family = int(fields.get("cpu family", ""))
    except ValueError:
        return None
    if family != ZEN5_FAMILY or not SKYLAKEX_FLAGS <= set(fields.get("flags", "").split()):
        return None       # a virtual machine may hide AVX-512: then Haswell is right
    return "SkylakeX"


def choose_openblas_kernels(environ: MutableMapping[str, str] = os.environ,
                            cpuinfo_path: str = "/proc/cpuinfo") -> str | None:
    """Set ``OPENBLAS_CORETYPE`` for this process (and the ones it starts) where OpenBLAS would
    choose wrongly; return the core type set, or None when nothing was changed."""
    if VARIABLE in environ or "numpy" in sys.modules:
        return None       # the user's choice stands; once loaded, OpenBLAS no longer reads it
    try:
        with open(cpuinfo_path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None       # not Linux, or no /proc: OpenBLAS's own choice
    core = coretype_for(text)
    if core is not None:
        environ[VARIABLE] = core
    return core

"""OpenBLAS's kernels on AMD Zen 5 (nnstudio/blas_cpu.py): which CPUs get the SkylakeX
kernels, and that the package sets it before NumPy loads OpenBLAS."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nnstudio.blas_cpu import VARIABLE, choose_openblas_kernels, coretype_for

ROOT = Path(__file__).resolve().parents[1]
AVX512 = "fpu sse sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16"


def cpuinfo(vendor="AuthenticAMD", family="26", flags=AVX512, processors=2) -> str:
    one = (f"processor\t: {{n}}\nvendor_id\t: {vendor}\ncpu family\t: {family}\nmodel\t\t: 2\n"
           f"model name\t: AMD EPYC\nflags\t\t: {flags}\n")
    return "\n".join(one.format(n=n) for n in range(processors))


def test_zen5_with_avx512_gets_the_skylakex_kernels():
    assert coretype_for(cpuinfo()) == "SkylakeX"


@pytest.mark.parametrize("text", [
    cpuinfo(family="25"),                                     # Zen 4: OpenBLAS knows it
    cpuinfo(family="23", flags="fpu sse avx avx2 fma"),       # Zen 2
    cpuinfo(vendor="GenuineIntel", family="6"),               # Intel: detected by model
    cpuinfo(flags=AVX512.replace("avx512bw ", "")),           # a VM hiding part of AVX-512
    cpuinfo(flags="fpu sse avx avx2 fma"),                    # Zen 5 without AVX-512 exposed
    cpuinfo(family="twenty-six"),
    "",
    "processor: 0\nvendor_id: AuthenticAMD\n",
])
def test_every_other_cpu_keeps_openblas_s_own_choice(text):
    assert coretype_for(text) is None


def test_the_variable_is_set_only_when_unset(tmp_path, monkeypatch):
    info = tmp_path / "cpuinfo"
    info.write_text(cpuinfo())
    monkeypatch.delitem(sys.modules, "numpy", raising=False)   # as before NumPy loads
    env = {}
    assert choose_openblas_kernels(env, str(info)) == "SkylakeX" and env == {VARIABLE: "SkylakeX"}
    env = {VARIABLE: "Haswell"}                    # the user's own choice stands
    assert choose_openblas_kernels(env, str(info)) is None and env == {VARIABLE: "Haswell"}
    env = {}
    assert choose_openblas_kernels(env, str(tmp_path / "missing")) is None and env == {}


def test_nothing_is_set_once_numpy_is_loaded(tmp_path):
    import numpy  # noqa: F401  (loaded: OpenBLAS has made its choice)
    info = tmp_path / "cpuinfo"
    info.write_text(cpuinfo())
    env = {}
    assert choose_openblas_kernels(env, str(info)) is None and env == {}


def test_importing_nnstudio_first_gives_numpy_the_chosen_kernels():
    """In a fresh interpreter, as the app starts: on this machine's CPU the package chooses
    what coretype_for says, and NumPy's OpenBLAS runs those kernels."""
    code = ("import json, os, nnstudio, numpy\n"
            "from threadpoolctl import threadpool_info\n"
            f"print(json.dumps([os.environ.get({VARIABLE!r}), "
            "[i['architecture'] for i in threadpool_info() if i['internal_api'] == 'openblas']]))")
    env = {k: v for k, v in os.environ.items() if k != VARIABLE}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    chosen, architectures = json.loads(out)
    try:
        expected = coretype_for(Path("/proc/cpuinfo").read_text())
    except OSError:
        expected = None
    assert chosen == expected
    if expected is not None:
        assert architectures and set(architectures) == {expected}

"""How long loading all of MNIST into float32 arrays takes (issue 3, "Speed"; target < 1 s).

    .venv/bin/python tests/benchmarks/bench_data.py [--runs N]

Each measurement is a *fresh Python process* (so nothing is warm in memory) that imports
nnstudio.data and times ``load({"name": "mnist"})``: 60 000 + 10 000 images decoded from the
shipped .gz IDX files, scaled to float32 in [0, 1], wrapped in a Dataset. Three cases:

- cold cache: the decoded-data cache is empty (decompress, then write the cache entry);
- warm cache: the entry written by the cold run is read back (the usual case in the app);
- no cache:   NNSTUDIO_CACHE_DIR="" (always decompress).

The cache lives in a temporary folder here, never in the user's. The machine is shared, so
the median of the runs is reported along with the best and worst.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHILD = """
import time
t0 = time.perf_counter()
from nnstudio.data import load
t1 = time.perf_counter()
ds = load({"name": "mnist"})
t2 = time.perf_counter()
assert ds.x_train.shape == (60000, 784) and ds.x_train.dtype.name == "float32"
assert ds.x_test.shape == (10000, 784)
print(f"{t1 - t0:.4f} {t2 - t1:.4f}")
"""


def measure(cache_dir: str) -> tuple[float, float]:
    env = dict(os.environ, NNSTUDIO_CACHE_DIR=cache_dir)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def report(label: str, times: list[float]) -> None:
    print(f"{label:<12} median {statistics.median(times):6.3f} s   best {min(times):6.3f} s   "
          f"worst {max(times):6.3f} s   ({len(times)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per case")
    args = parser.parse_args()
    cold, warm, none, imports = [], [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="nnstudio-bench-cache-") as cache:
            imp, seconds = measure(cache)
            cold.append(seconds)
            imports.append(imp)
            warm.append(measure(cache)[1])
        none.append(measure("")[1])
    print("load({'name': 'mnist'}): 70 000 images -> float32 (60000, 784) + (10000, 784)")
    report("cold cache", cold)
    report("warm cache", warm)
    report("no cache", none)
    report("(import)", imports)
    verdict = "meets" if statistics.median(warm) < 1.0 else "MISSES"
    print(f"warm-cache median {verdict} the 1 s target")


if __name__ == "__main__":
    main()

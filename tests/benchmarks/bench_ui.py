"""Responsiveness of the studio window while MNIST trains (issue 4, "Responsiveness").

    .venv/bin/python tests/benchmarks/bench_ui.py [--iterations N] [--runs N] [--project FILE]

Reports, for the default project (MNIST 784-50-10, SGD, batch 100) or the project FILE
(e.g. resources/examples/simple_convnet.json):

- startup: a fresh process from its first line to the main window shown (the first run's
  MNIST load happens after the window is up) and to the first run ready;
- event-loop stalls: the longest gap between two ticks of a 10 ms QTimer while training
  runs with the window open (target ≤ 50 ms);
- GUI updates: snapshot deliveries per second (target ≤ 30);
- throughput: samples/s in the window against the same iterations headless (target ≥ 80%);
- the GUI thread's CPU time over the run's wall time (what the window takes from training).

Every measurement runs in its own fresh process offscreen, with settings in a temporary
folder. The machine is shared with other work, so numbers vary from run to run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

STARTUP = """
import time
t0 = time.perf_counter()
import os, sys, json
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from nnstudio.ui.main_window import MainWindow
w = MainWindow(settings=QSettings(sys.argv[1], QSettings.IniFormat))
w.show()
while not w.windowHandle() or not w.windowHandle().isExposed():
    app.processEvents()
app.processEvents()
shown = time.perf_counter() - t0
while w.controller.session is None:
    app.processEvents()
    time.sleep(0.005)
ready = time.perf_counter() - t0
w.files.set_modified(False)
w.close()
from nnstudio.ui.app import dispose
dispose(w)
print(json.dumps({"shown": shown, "ready": ready}))
"""

HEADLESS = """
import json, sys, time
from nnstudio.project.files import load_project
from nnstudio.project.model import default_project
from nnstudio.project.session import build_session
n = int(sys.argv[1])
session = build_session(load_project(sys.argv[2]) if sys.argv[2] != "default" else default_project())
gen = session.trainer.run()
t0 = time.perf_counter()
for _ in range(n):
    snap = next(gen)
wall = time.perf_counter() - t0
print(json.dumps({"wall": wall, "samples": snap.samples}))
"""

WINDOW = """
import json, os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
import nnstudio.ui.main_window as main_window
if sys.argv[3] == "no-views":
    main_window.create_views = None
MainWindow = main_window.MainWindow
n = int(sys.argv[1])
w = MainWindow(settings=QSettings(sys.argv[2], QSettings.IniFormat))
w.show()
wanted = None
if sys.argv[4] != "default":
    from nnstudio.project.files import load_project
    wanted = load_project(sys.argv[4])
    assert w.files.open(sys.argv[4])
while w.controller.session is None or (wanted is not None and w.controller.session.project != wanted):
    app.processEvents()
    time.sleep(0.005)
ticks, deliveries = [], []
tick = QTimer()
tick.setInterval(10)
tick.timeout.connect(lambda: ticks.append(time.perf_counter()))
state = {}
def on_batch(batch):
    deliveries.append(time.perf_counter())
    if batch[-1].iteration >= n and "end" not in state:
        state["end"] = time.perf_counter()
        state["cpu"] = time.thread_time() - state["cpu0"]
        state["samples"] = batch[-1].samples
        state["iteration"] = batch[-1].iteration
        w.controller.pause()
        QTimer.singleShot(50, app.quit)
w.controller.snapshots.connect(on_batch)
def start():
    tick.start()
    state["start"] = time.perf_counter()
    state["cpu0"] = time.thread_time()
    w.controller.play()
QTimer.singleShot(200, start)
app.exec()
tick.stop()
gaps = [b - a for a, b in zip(ticks, ticks[1:]) if a >= state["start"] and b <= state["end"]]
wall = state["end"] - state["start"]
inside = [d for d in deliveries if state["start"] <= d <= state["end"]]
rate = (len(inside) - 1) / (inside[-1] - inside[0]) if len(inside) > 1 else 0.0   # intervals per second
w.files.set_modified(False)
w.close()
from nnstudio.ui.app import dispose
dispose(w)
print(json.dumps({"wall": wall, "samples": state["samples"] * n / state["iteration"],
                  "max_gap": max(gaps), "deliveries_per_s": rate, "ticks": len(gaps),
                  "gui_busy": state["cpu"] / wall}))
"""


def run(code: str, *args: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with tempfile.TemporaryDirectory() as home:
        env.update(XDG_CONFIG_HOME=home, NNSTUDIO_HOME=home)
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                             cwd=REPO, env=env, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2900,
                        help="training iterations per measurement (default 2900: nearly the default "
                             "project's 5 epochs, so that four epoch-end evaluations and their redraws "
                             "fall inside; 1500 iterations take only about half a second now)")
    parser.add_argument("--runs", type=int, default=5,
                        help="rounds; each runs headless, window, window without views (default 5)")
    parser.add_argument("--project", default="default",
                        help="a project file to train instead of the default project (the startup "
                             "figures stay those of the default project)")
    args = parser.parse_args()
    n = str(args.iterations)
    project = args.project if args.project == "default" else str(Path(args.project).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        ini = str(Path(tmp) / "settings.ini")
        starts = [run(STARTUP, ini) for _ in range(args.runs)]
        rounds = []
        for _ in range(args.runs):     # interleaved, so a busy moment hits every kind alike
            rounds.append((run(HEADLESS, n, project), run(WINDOW, n, ini, "views", project),
                           run(WINDOW, n, ini, "no-views", project)))
    shown = sorted(s["shown"] for s in starts)
    print(f"startup to a shown window : median {median(shown):.2f} s "
          f"(best {shown[0]:.2f}, worst {shown[-1]:.2f}; target < 1.5 s)")
    print(f"startup to the run ready  : median {median([s['ready'] for s in starts]):.2f} s (MNIST loaded)")
    rate = lambda r: r["samples"] / r["wall"]  # noqa: E731
    for k, title in ((1, "window with every view"), (2, "window without the views")):
        gaps = [r[k]["max_gap"] * 1000 for r in rounds]
        ups = [r[k]["deliveries_per_s"] for r in rounds]
        ratios = [rate(r[k]) / rate(r[0]) * 100 for r in rounds]
        print(f"{title}:")
        print(f"  longest gap of a 10 ms timer: median {median(gaps):.0f} ms, worst {max(gaps):.0f} ms "
              f"(target ≤ 50 ms)")
        print(f"  GUI updates per second      : median {median(ups):.1f}, most {max(ups):.1f} (target ≤ 30)")
        print(f"  throughput vs headless      : median {median(ratios):.0f}% "
              f"(rounds: {', '.join(f'{x:.0f}%' for x in ratios)}; target ≥ 80%)")
        busy = [r[k]["gui_busy"] * 100 for r in rounds]
        print(f"  GUI thread busy (CPU/wall)  : median {median(busy):.0f}% "
              f"(rounds: {', '.join(f'{x:.0f}%' for x in busy)}; steadier than throughput on a busy machine)")
    print(f"headless throughput: median {median([rate(r[0]) for r in rounds]):,.0f} samples/s "
          f"over {n} iterations ({'the default project' if project == 'default' else project})")


if __name__ == "__main__":
    main()

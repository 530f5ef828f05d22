"""Training throughput with every live view open and visible, against headless (issue 5).

    .venv/bin/python tests/benchmarks/bench_views.py [--seconds 8] [--train-size 10000]

Headless: ``Trainer.run()`` consumed in a plain loop. With views: the real
TrainingController trains in its worker thread while all nine views sit side by side in one
1280×800 window (all visible, the worst case: a docked window shows only some of them) and
redraw from its batched snapshots; the GUI thread runs its event loop. Both train MNIST
784-50-10 (ReLU, softmax, SGD lr 0.1, batch 100) on the same subset. The machine is shared,
so each side runs twice alternately and keeps its best; the ratio is what counts (target:
at least 0.8). The share of time the GUI thread spends computing and drawing is printed
too: it is what the views take from the training thread (for the GIL and the cores), and it
is steadier than the throughput on a busy machine.

``--profile`` adds where the GUI thread's time goes: each view's ingest and redraw, each
plot's paints (attributed to its view) and the deliveries, summed over the rounds.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QGridLayout, QTabWidget, QWidget  # noqa: E402

from nnstudio.project.model import Project  # noqa: E402
from nnstudio.project.session import build_session  # noqa: E402


def make_project(train_size: int, epochs: int) -> Project:
    return Project.from_dict({
        "format": "nnstudio-project", "version": 1,
        "network": {"input_shape": [784], "loss": "cross_entropy", "layers": [
            {"type": "dense", "units": 50, "activation": "relu", "init": "he"},
            {"type": "dense", "units": 10, "activation": "softmax", "init": "xavier"}]},
        "optimizer": {"name": "sgd", "lr": 0.1},
        "training": {"batch_size": 100, "epochs": epochs, "seed": 0},
        "dataset": {"name": "mnist", "train_size": train_size, "test_size": 2000}})


def headless(project: Project, seconds: float) -> float:
    session = build_session(project)
    start = time.perf_counter()
    n = 0
    for _ in session.trainer.run():
        n += 1
        if time.perf_counter() - start >= seconds:
            break
    return n / (time.perf_counter() - start)


def with_views(app: QApplication, project: Project, seconds: float, layout: str = "grid"):
    from nnstudio.ui.controller import TrainingController
    from nnstudio.ui.views import create_views

    controller = TrainingController(project)
    views = create_views(controller)
    if layout == "tabs":            # as docked in the studio: one view visible at a time
        window = QTabWidget()
        for v in views:
            window.addTab(v, v.title())
    else:                           # the worst case: all nine visible and drawing
        window = QWidget()
        grid = QGridLayout(window)
        for k, v in enumerate(views):
            grid.addWidget(v, k // 3, k % 3)
    window.resize(1280, 800)
    window.show()
    seen = []
    controller.snapshots.connect(lambda batch: seen.extend(s.iteration for s in batch))
    controller.reset()
    app.processEvents()
    start = time.perf_counter()
    cpu0 = time.thread_time()
    controller.play()
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()                      # the real event loop, as in the studio
    elapsed = time.perf_counter() - start
    gui_share = (time.thread_time() - cpu0) / elapsed
    from nnstudio.ui.views.pacing import gui_load
    stretch = gui_load().stretch()
    gui_load().reset()
    controller.shutdown()
    window.close()
    window.deleteLater()
    app.processEvents()
    return (max(seen) if seen else 0) / elapsed, gui_share, stretch


def install_profile() -> dict:
    """Wrap the views' ingest/redraw, plot paints and the controller's delivery with timers;
    returns {label: [wall seconds, cpu seconds, calls]} filled in as the GUI thread runs them.
    Wall time includes waiting for the GIL (held by the training thread); CPU time is what
    the GUI thread itself spent."""
    import pyqtgraph as pg
    from nnstudio.ui.controller import TrainingController
    from nnstudio.ui.views import View, view_classes

    totals: dict = defaultdict(lambda: [0.0, 0.0, 0])

    def owner(widget) -> str:
        while widget is not None and not isinstance(widget, View):
            widget = widget.parentWidget()
        return type(widget).__name__ if widget is not None else "?"

    def timed(cls, name, label):
        original = getattr(cls, name)

        def wrapper(self, *args, **kwargs):
            t, c = time.perf_counter(), time.thread_time()
            try:
                return original(self, *args, **kwargs)
            finally:
                entry = totals[label(self)]
                entry[0] += time.perf_counter() - t
                entry[1] += time.thread_time() - c
                entry[2] += 1
        setattr(cls, name, wrapper)

    for cls in view_classes():
        for name in ("ingest", "redraw"):
            if name in cls.__dict__:
                timed(cls, name, lambda self, name=name: f"{type(self).__name__}.{name}")
    timed(pg.GraphicsView, "paintEvent", lambda self: f"{owner(self)} paint")
    timed(TrainingController, "_deliver", lambda self: "controller delivery (all slots)")
    return totals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--train-size", type=int, default=10000)
    ap.add_argument("--layout", choices=("grid", "tabs"), default="grid",
                    help="grid: all views visible at once (worst case); tabs: one visible, as docked")
    ap.add_argument("--profile", action="store_true", help="print where the GUI thread's time goes")
    args = ap.parse_args()
    totals = install_profile() if args.profile else None
    app = QApplication.instance() or QApplication([])
    project = make_project(args.train_size, epochs=1000)
    build_session(project)  # load the data once, so the cache is warm for both sides
    best_h, best_v = 0.0, 0.0
    for round_ in range(2):
        h = headless(project, args.seconds)
        v, gui, stretch = with_views(app, project, args.seconds, args.layout)
        print(f"round {round_ + 1}: headless {h:8.1f} it/s   views ({args.layout}) {v:8.1f} it/s   ratio {v / h:.2f}"
              f"   GUI thread busy {gui:.0%} of the time, redraw intervals ×{stretch:.2f} at the end")
        best_h, best_v = max(best_h, h), max(best_v, v)
    print(f"best: headless {best_h:.1f} it/s, with views {best_v:.1f} it/s, ratio {best_v / best_h:.2f} "
          f"(target >= 0.80)")
    if totals:
        print("GUI thread, summed over the rounds with views:")
        print(f"  {'':40s} {'wall':>7s}    {'cpu':>7s}")
        for label, (seconds, cpu, calls) in sorted(totals.items(), key=lambda kv: -kv[1][1])[:20]:
            print(f"  {label:40s} {seconds * 1000:7.0f} ms {cpu * 1000:7.0f} ms in {calls:5d} calls "
                  f"({cpu / calls * 1000:5.1f} ms cpu each)")


if __name__ == "__main__":
    main()

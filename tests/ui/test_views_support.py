"""Helpers for the view tests: a stand-in for the window engineer's TrainingController with
the same signals, real sessions, and real snapshots (no tests in this file)."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPainter, QPicture

from nnstudio.engine.trainer import RequestDetail, Snapshot
from nnstudio.project.model import Project
from nnstudio.project.session import build_session


class FakeController(QObject):
    runStarted = Signal(object)
    snapshots = Signal(object)
    stateChanged = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.session = None
        self.detail_requests = 0
        self.asked: list[tuple[bool, bool]] = []      # (weights, activations) of each request
        self._gen = None

    def request_detail(self, weights: bool = True, activations: bool = True) -> None:
        self.detail_requests += 1
        self.asked.append((weights, activations))
        if self.session is not None:
            self.session.trainer.post(RequestDetail(weights, activations))

    def start(self, session) -> None:
        self.session = session
        self._gen = session.trainer.run()
        self.runStarted.emit(session)

    def train(self, iterations: int, per_batch: int = 5, detail_every: int = 0) -> list:
        """Run the real trainer in this thread, emitting batches of snapshots as the
        controller would; returns every snapshot."""
        out, batch = [], []
        for i in range(iterations):
            if detail_every and i % detail_every == 0:
                self.session.trainer.post(RequestDetail())
            try:
                snap = next(self._gen)
            except StopIteration:
                break
            batch.append(snap)
            out.append(snap)
            if len(batch) == per_batch:
                self.snapshots.emit(tuple(batch))
                batch = []
        if batch:
            self.snapshots.emit(tuple(batch))
        return out


def project(network: dict, dataset: dict, *, lr=0.1, optimizer="sgd", batch_size=20, epochs=5, seed=0,
            weight_decay=0.0) -> Project:
    training = {"batch_size": batch_size, "epochs": epochs, "seed": seed}
    if weight_decay:
        training["weight_decay"] = weight_decay
    return Project.from_dict({
        "format": "nnstudio-project", "version": 1, "network": network,
        "optimizer": {"name": optimizer, "lr": lr}, "training": training, "dataset": dataset})


def dense(units, activation="relu", init="he"):
    return {"type": "dense", "units": units, "activation": activation, "init": init}


def iris_session(epochs=5, **kw):
    net = {"input_shape": [4], "layers": [dense(10), dense(3, "softmax", "xavier")], "loss": "cross_entropy"}
    return build_session(project(net, {"name": "iris"}, epochs=epochs, **kw))


def moons_session(epochs=20, **kw):
    net = {"input_shape": [2], "layers": [dense(16, "tanh", "xavier"), dense(2, "softmax", "xavier")],
           "loss": "cross_entropy"}
    return build_session(project(net, {"name": "moons"}, epochs=epochs, **kw))


def function_session(epochs=50, **kw):
    net = {"input_shape": [1], "layers": [dense(10, "sigmoid", "uniform"), dense(1, "identity", "uniform")],
           "loss": "sse"}
    kw.setdefault("lr", 0.03)
    return build_session(project(net, {"name": "function", "preset": "square"}, epochs=epochs, **kw))


def mnist_session(epochs=2, train_size=600, test_size=200, **kw):
    net = {"input_shape": [784], "layers": [dense(25), dense(10, "softmax", "xavier")], "loss": "cross_entropy"}
    kw.setdefault("batch_size", 50)
    return build_session(project(net, {"name": "mnist", "train_size": train_size, "test_size": test_size},
                                 epochs=epochs, **kw))


def snapshot(iteration, loss, *, epoch=1, steps=10, total=100, grad_norms=None, lr=0.1, **extra) -> Snapshot:
    """A hand-made real Snapshot with known values."""
    step = (iteration - 1) % steps + 1
    return Snapshot(iteration=iteration, epoch=epoch, step_in_epoch=step, steps_per_epoch=steps,
                    total_iterations=total, end_epoch=-(-total // steps), epoch_end=step == steps, loss=loss, data_loss=loss, lr=lr,
                    samples=iteration * 10, elapsed=0.01 * iteration,
                    grad_norms=MappingProxyType(grad_norms or {}), weight_norms=MappingProxyType({}),
                    **extra)


def shown(qtbot, view, size=(800, 600)):
    """Show a view at ``size`` and wait until it is on screen."""
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    return view


def tabbed_docks(qtbot, views, size=(900, 700)):
    """The views as tabbed bottom docks of a shown main window, the last tab in front;
    returns the window and the docks."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget
    win = QMainWindow()
    qtbot.addWidget(win)
    win.setCentralWidget(QWidget())
    docks = []
    for view in views:
        dock = QDockWidget(view.title(), win)
        dock.setWidget(view)
        win.addDockWidget(Qt.BottomDockWidgetArea, dock)
        docks.append(dock)
    for dock in docks[1:]:
        win.tabifyDockWidget(docks[0], dock)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    docks[-1].raise_()
    return win, docks


def scaled_weights(session, factor=0.5):
    """Weights different from the initial ones, as read-only copies like a snapshot's."""
    out = {}
    for k, v in session.network.parameters().items():
        a = np.array(v * factor + 0.01, dtype=v.dtype)
        a.flags.writeable = False
        out[k] = a
    return MappingProxyType(out)


def drawn_tick_specs(axis) -> list:
    """(rect, flags, text) of each tick label an axis really draws at its current size
    (pyqtgraph leaves out those that would stick out of the plot or overlap)."""
    picture = QPicture()
    painter = QPainter(picture)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return list(specs[2]) if specs else []


def drawn_tick_labels(axis) -> list[str]:
    """The texts of the tick labels an axis really draws (drawn_tick_specs)."""
    return [text for _rect, _flags, text in drawn_tick_specs(axis)]

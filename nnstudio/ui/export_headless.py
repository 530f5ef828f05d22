"""``nnstudio export-plots PROJECT --out DIR``: train offscreen and export every view.

    result = export_plots("iris.json", "report/", epochs=20)
    result.report.written      # every PNG / SVG / CSV, metrics.csv, project.json

Builds the same views as the app (``create_views``) around a TrainingController, trains the
project to the end (or for ``epochs``), lets the views draw, then calls
:func:`~nnstudio.ui.export_views.export_all`. Runs without a display: the offscreen Qt
platform is chosen unless one is already set. Errors are the typed ones of the layers below
(ProjectFileError for the project file, DataError for the data, ExportError for the output
folder); the command line turns them into one line on stderr.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable

from nnstudio.data import load as load_dataset
from nnstudio.project.files import load_project
from nnstudio.project.history import RunHistory
from nnstudio.project.model import Project

from .export_views import ExportReport, prepare_folder

VIEW_SIZE = (900, 600)
SETTLE_SECONDS = 0.4          # let the views' redraw timers fire after the last snapshot


@dataclass
class HeadlessResult:
    report: ExportReport
    state: str                 # "finished" or "diverged"
    history: RunHistory
    divergence: Exception | None = None


def _application():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        app = QApplication(["nnstudio"])
        app.setOrganizationName("nnstudio")
        app.setApplicationName("nnstudio")
        from .app import quiet_offscreen_notes
        quiet_offscreen_notes()     # the platform's size-hint notes buried the one error line
    return app


def export_plots(project_path: os.PathLike | str, out: os.PathLike | str, *, epochs: int | None = None,
                 iterations: int | None = None, progress: Callable[[int, int], None] | None = None,
                 time_limit: float | None = None) -> HeadlessResult:
    """Train ``project_path`` offscreen and write every view into ``out``.

    ``progress(iteration, total)`` is called as batches of snapshots arrive; ``time_limit``
    (seconds) stops training early and exports what was reached.
    """
    project = load_project(project_path).with_length(epochs=epochs, iterations=iterations)
    prepare_folder(out)                      # a bad output folder fails before any training
    app = _application()
    from PySide6.QtCore import QEventLoop
    from .controller import TrainingController
    from .export_views import export_all
    from .views import create_views

    # relative data paths mean files beside the project, as in the window and `nnstudio train`
    base_dir = os.path.dirname(os.path.abspath(project_path))
    controller = TrainingController(project, loader=lambda entry: load_dataset(entry, base_dir=base_dir))
    views = create_views(controller)
    for view in views:
        view.resize(*VIEW_SIZE)
        view.show()
    history = RunHistory()
    failures: list[Exception] = []
    divergence: list[Exception] = []

    def received(snaps) -> None:
        for snap in snaps:
            history.record(snap)
        if progress is not None and snaps:
            progress(snaps[-1].iteration, snaps[-1].total_iterations)

    controller.snapshots.connect(received)
    controller.failed.connect(failures.append)
    controller.diverged.connect(divergence.append)
    try:
        if not controller.reset():
            raise failures[0] if failures else RuntimeError("the run could not be built")
        controller.play()
        start = time.monotonic()
        while controller.state not in ("finished", "diverged") and not failures:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)
            if time_limit is not None and time.monotonic() - start > time_limit:
                controller.pause()
                break
        if failures:
            raise failures[0]
        _settle(app)
        report = export_all(views, out, project, history, data_dir=base_dir)
        state = controller.state
    finally:
        controller.shutdown()
        for view in views:
            view.close()
            view.deleteLater()
    return HeadlessResult(report, state, history, divergence[0] if divergence else None)


def _settle(app) -> None:
    from PySide6.QtCore import QEventLoop
    end = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.01)


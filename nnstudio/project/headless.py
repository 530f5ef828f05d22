"""The work behind the headless command-line tools, as plain functions.

Each takes a project (and the folder its relative data paths are resolved against) and
returns a value; printing and exit codes belong to ``nnstudio.cli``. Errors are the typed
ones of the layers below (FileFormatError, SpecError, DataError, DivergenceError, ...).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from nnstudio.data import Dataset, load, with_absolute_paths
from nnstudio.engine.errors import DivergenceError
from nnstudio.engine.gradcheck import GradCheckReport, gradient_check
from nnstudio.engine.trace import Trace, save_trace
from nnstudio.engine.trainer import Snapshot

from . import errors as E
from .errors import FileFormatError
from .files import guarded_write, save_project, save_weights
from .history import METRICS_FILE, WEIGHTS_FILE, RunHistory, save_history, write_metrics
from .model import Project
from .session import Session, build_network, build_session, check_fits

PROJECT_FILE = "project.json"


def load_dataset(project: Project, base_dir: os.PathLike | str | None = None) -> Dataset:
    """The project's data set; relative paths in it are taken from ``base_dir``."""
    return load(dict(project.dataset), base_dir=base_dir)


def prepare_output_folder(folder: os.PathLike | str) -> Path:
    """Create ``folder`` if needed and prove it is writable, before any work is done."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise FileFormatError(folder, "is a file, not a folder", kind=E.DIRECTORY)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".nnstudio-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise FileFormatError(folder, **E.os_error(err, "write into this folder")) from None
    return folder


@dataclass
class TrainResult:
    session: Session
    history: RunHistory
    folder: Path
    diverged: DivergenceError | None = None
    interrupted: bool = False


def train_project(project: Project, out: os.PathLike | str, *, base_dir=None, epochs: int | None = None,
                  iterations: int | None = None,
                  on_snapshot: Callable[[Snapshot], None] | None = None) -> TrainResult:
    """Train the project (for ``epochs`` or ``iterations`` instead of its own length, if
    given), writing into ``out``: metrics.csv (rewritten at every epoch end and where a run of
    iterations ends), iterations.csv, weights.npz and project.json (the settings actually used).

    Divergence or Ctrl+C stop the run; what was measured until then is still written, and
    the result says why it stopped.
    """
    folder = prepare_output_folder(out)
    project = project.with_length(epochs=epochs, iterations=iterations)
    session = build_session(project, load_dataset(project, base_dir))
    # the copy in DIR must find the same data files from its new folder
    save_project(project.with_(dataset=with_absolute_paths(project.dataset, base_dir)), folder / PROJECT_FILE)
    history = RunHistory()
    result = TrainResult(session, history, folder)
    try:
        for snap in session.trainer.run():
            if history.record(snap):
                write_metrics(folder / METRICS_FILE, history.epochs)
            if on_snapshot is not None:
                on_snapshot(snap)
    except DivergenceError as err:
        result.diverged = err
    except KeyboardInterrupt:
        result.interrupted = True
    save_history(history, folder)
    save_weights(session.network, folder / WEIGHTS_FILE)
    return result


def _first(dataset: Dataset, n: int) -> tuple[np.ndarray, np.ndarray]:
    if n < 1:
        raise ValueError(f"the number of samples must be at least 1, got {n}")
    return dataset.x_train[:n], dataset.y_train[:n]


def trace_project(project: Project, out: os.PathLike | str, *, base_dir=None, samples: int = 1) -> Trace:
    """Record one training step on the first ``samples`` training samples, its gradients taken
    as the project trains (backprop or numerical); save the trace .npz."""
    out = Path(out)
    if out.is_dir():
        raise FileFormatError(out, "is a folder; give the trace file's name", kind=E.DIRECTORY)
    dataset = load_dataset(project, base_dir)
    session = build_session(project, dataset)
    x, t = _first(dataset, samples)
    trace = session.trainer.traced_step(x, t)
    guarded_write(out, lambda: save_trace(trace, out), FileFormatError)
    return trace


@dataclass
class GradcheckResult:
    report: GradCheckReport
    h: float


def gradcheck_project(project: Project, *, base_dir=None, samples: int = 3,
                      max_entries: int | None = None, seed: int = 0, h: float = 1e-5) -> GradcheckResult:
    """Backprop against central differences in float64 on the first ``samples`` training samples."""
    project = project.with_(training=replace(project.training, dtype="float64"))
    dataset = load_dataset(project, base_dir)
    check_fits(project, dataset)
    net = build_network(project)
    x, t = _first(dataset, samples)
    if t.dtype.kind == "f":
        t = t.astype(np.float64)
    x = np.asarray(x, dtype=np.float64)
    report = gradient_check(net, x, t, max_entries=max_entries, seed=seed, h=h)
    return GradcheckResult(report, h)

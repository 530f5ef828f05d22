"""Run history: recorded from real trainer snapshots, saved as CSV, read back identically."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import load
from nnstudio.project import errors as E
from nnstudio.project.errors import HistoryFileError
from nnstudio.project.files import load_project
from nnstudio.project.history import (
    EPOCH_COLUMNS, ITERATION_COLUMNS, METRICS_FILE, RunHistory, load_history, read_metrics,
    run_folder, save_history,
)
from nnstudio.project.session import build_session
from nnstudio.resources import resource_path


@pytest.fixture(scope="module")
def iris_history():
    project = load_project(resource_path("examples", "iris.json"))
    project = project.with_(training=project.training.__class__(batch_size=20, epochs=3, seed=1))
    session = build_session(project, load(dict(project.dataset)))
    history = RunHistory()
    snaps = []
    for snap in session.trainer.run():
        history.record(snap)
        snaps.append(snap)
    return history, snaps


def test_records_one_row_per_iteration_and_per_epoch(iris_history):
    history, snaps = iris_history
    assert len(history.iterations) == len(snaps) == 15     # 100 samples / 20 per batch × 3
    assert [r[0] for r in history.epochs] == [1, 2, 3]
    assert [r[1] for r in history.epochs] == [5, 10, 15]
    ends = [s for s in snaps if s.epoch_end]
    assert history.column("epochs", "test_accuracy").tolist() == [s.test_accuracy for s in ends]
    assert history.column("iterations", "loss").tolist() == [s.loss for s in snaps]


def test_save_and_load_round_trip_is_exact(iris_history, tmp_path):
    history, _ = iris_history
    folder = run_folder(tmp_path / "iris.json")
    assert folder == tmp_path / "iris.run"
    save_history(history, folder)
    again = load_history(folder)
    assert again.iterations == history.iterations
    assert again.epochs == history.epochs
    header = (folder / METRICS_FILE).read_text().splitlines()[0]
    assert header == ",".join(EPOCH_COLUMNS)


def test_missing_values_read_back_as_none(tmp_path):
    h = RunHistory(epochs=[(1, 16, 0.5, None, 0.25, None, 0.03, 1.5)])
    save_history(h, tmp_path)
    assert read_metrics(tmp_path / METRICS_FILE) == h.epochs
    assert np.isnan(load_history(tmp_path).column("epochs", "train_accuracy")[0])


def test_metrics_only_folder_loads_with_empty_iterations(tmp_path):
    h = RunHistory(epochs=[(1, 5, 0.5, 0.9, 0.6, 0.8, 0.1, 0.2)])
    save_history(h, tmp_path)
    (tmp_path / "iterations.csv").unlink()
    assert load_history(tmp_path).iterations == []


@pytest.mark.parametrize("text, line, what", [
    ("", 1, "empty"),
    ("epoch,loss\n1,2\n", 1, "columns"),
    (",".join(EPOCH_COLUMNS) + "\n1,5,0.5,0.9\n", 2, "8"),
    (",".join(EPOCH_COLUMNS) + "\n1,5,0.5,0.9,0.6,abc,0.1,0.2\n", 2, "test_accuracy"),
    (",".join(EPOCH_COLUMNS) + "\n1.5,5,0.5,0.9,0.6,0.7,0.1,0.2\n", 2, "epoch"),
])
def test_bad_csv_names_the_line(tmp_path, text, line, what):
    (tmp_path / METRICS_FILE).write_text(text)
    with pytest.raises(HistoryFileError) as info:
        load_history(tmp_path)
    assert info.value.line == line and what in str(info.value)


def test_missing_run_folder(tmp_path):
    with pytest.raises(HistoryFileError) as info:
        load_history(tmp_path / "none.run")
    assert info.value.kind == E.MISSING


def test_iteration_columns_are_documented_order():
    assert ITERATION_COLUMNS[:2] == ("iteration", "epoch")


def _snap(iteration, epoch, epoch_end=False, elapsed=1.0):
    from types import SimpleNamespace
    return SimpleNamespace(iteration=iteration, epoch=epoch, loss=0.5, data_loss=0.5, lr=0.1,
                           elapsed=elapsed, epoch_end=epoch_end, train_loss=0.4, train_accuracy=0.9,
                           test_loss=0.45, test_accuracy=0.88)


def test_a_continued_history_counts_on_from_the_saved_rows():
    """A run from saved weights (opened with their history) goes on from where the saved one
    stopped: its start is the saved run's last update and its last completed epoch (an
    unfinished one is passed over again under its number: the curves skipped it), which its
    trainer numbers on from (Trainer.resume); the seconds go on too."""
    saved = RunHistory()
    for it in range(1, 6):                       # 2 steps an epoch; stopped in epoch 3
        saved.record(_snap(it, (it + 1) // 2, epoch_end=it % 2 == 0, elapsed=0.5 * it))
    assert saved.iterations[-1][:2] == (5, 3) and saved.epochs[-1][:2] == (2, 4)
    on = saved.continued()
    assert on.iterations == saved.iterations and on.epochs == saved.epochs
    assert on.iterations is not saved.iterations          # recording on does not touch the saved
    assert on.start == (5, 2, 2.5)              # two epochs completed: epoch 3 is passed over again
    on.record(_snap(6, 3, elapsed=0.25))        # the trainer's own numbers, resumed at (5, 2)
    on.record(_snap(7, 3, epoch_end=True, elapsed=0.5))
    assert on.iterations[-2][:2] == (6, 3) and on.iterations[-1][:2] == (7, 3)
    assert on.iterations[-1][5] == pytest.approx(2.5 + 0.5)
    assert on.epochs[-1][:2] == (3, 7) and on.epochs[-1][7] == pytest.approx(3.0)
    assert [row[0] for row in on.epochs] == [1, 2, 3], "no epoch number skipped"
    assert len(saved.iterations) == 5
    assert RunHistory().continued().start == (0, 0, 0.0)


def test_a_continued_history_skips_empty_or_nan_seconds():
    """A saved metrics.csv may leave a cell empty (None on reading): continued() raised."""
    saved = RunHistory(epochs=[(2, 10, 0.4, 0.9, 0.45, 0.88, 0.1, None)])
    assert saved.continued().start == (10, 2, 0.0)
    saved = RunHistory(iterations=[(5, 1, 0.5, 0.5, 0.1, float("nan"))],
                       epochs=[(1, 4, 0.4, 0.9, 0.45, 0.88, 0.1, 2.5)])
    assert saved.continued().start == (5, 1, 2.5)

"""The metrics of a run, kept while training and saved next to the project as CSV.

A run's folder sits beside its project file: ``mnist.json`` → ``mnist.run/`` holding

- ``metrics.csv``    one row per epoch end (and where a run of iterations ends inside an
                     epoch, numbered with that epoch): epoch, iteration, train_loss,
                     train_accuracy, test_loss, test_accuracy, lr, seconds (the same file
                     ``nnstudio train`` writes);
- ``iterations.csv`` one row per iteration: iteration, epoch, loss, data_loss, lr, seconds;
- ``weights.npz``    the trained network (see files.save_weights).

CSV because learners open it in a spreadsheet. Floats are written with ``repr`` so they read
back bit for bit; an empty cell means "not measured" (no test set, a regression task's
accuracy) and reads back as None.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from . import errors as E
from .errors import HistoryFileError
from .files import read_file_bytes, write_file_atomically

EPOCH_COLUMNS = ("epoch", "iteration", "train_loss", "train_accuracy", "test_loss",
                 "test_accuracy", "lr", "seconds")
ITERATION_COLUMNS = ("iteration", "epoch", "loss", "data_loss", "lr", "seconds")
INT_COLUMNS = frozenset({"epoch", "iteration"})

RUN_SUFFIX = ".run"
METRICS_FILE = "metrics.csv"
ITERATIONS_FILE = "iterations.csv"
WEIGHTS_FILE = "weights.npz"

Row = tuple[Any, ...]


def run_folder(project_path: os.PathLike | str) -> Path:
    """The folder holding the run of ``project_path`` (``x.json`` → ``x.run``)."""
    p = Path(project_path)
    return p.with_name(p.stem + RUN_SUFFIX)


@dataclass
class RunHistory:
    """Rows of per-iteration and per-epoch metrics, in the column order above.

    ``start``: the (iteration, epoch, seconds) a run going on from saved weights starts from
    (see :meth:`continued`). Its trainer numbers updates and epochs on from there itself
    (Trainer.resume); :meth:`record` adds the seconds, as a new run's clock starts at 0."""

    iterations: list[Row] = field(default_factory=list)
    epochs: list[Row] = field(default_factory=list)
    start: tuple[int, int, float] = (0, 0, 0.0)

    def record(self, snap) -> bool:
        """Append a trainer Snapshot; True when it closed an epoch (an epoch row was added)."""
        t0 = self.start[2]
        self.iterations.append((snap.iteration, snap.epoch, float(snap.loss), float(snap.data_loss),
                                float(snap.lr), float(snap.elapsed) + t0))
        if snap.epoch_end:
            *row, seconds = epoch_row(snap)
            self.epochs.append((*row, seconds + t0))
        return bool(snap.epoch_end)

    def continued(self) -> RunHistory:
        """This history, to be recorded on by a run that starts from the weights it ended with
        (its start is :meth:`resume_point`)."""
        return RunHistory(list(self.iterations), list(self.epochs), self.resume_point())

    def resume_point(self) -> tuple[int, int, float]:
        """Where a run going on from this history's weights starts: its updates and seconds
        count on from the last saved ones, its epochs from the last one completed: an epoch
        left unfinished is passed over again under its own number (a fresh pass over the data;
        it was counted as used, and the curves skipped its number)."""
        last_iteration = self.iterations[-1] if self.iterations else (0, 0, None, None, None, None)
        last_epoch = self.epochs[-1] if self.epochs else (0, 0, None, None, None, None, None, None)

        def latest(*values) -> float:      # a saved cell may be empty (None) or not a number
            return max((float(v) for v in values if v is not None and math.isfinite(v)), default=0.0)
        iteration = latest(last_iteration[0], last_epoch[1])
        epoch = latest(last_epoch[0]) if self.epochs else max(0.0, latest(last_iteration[1]) - 1)
        seconds = latest(last_iteration[5], last_epoch[7])
        return int(iteration), int(epoch), seconds

    def column(self, table: str, name: str) -> np.ndarray:
        """One column as float64 (None → NaN), e.g. ``column("epochs", "test_accuracy")``."""
        columns = EPOCH_COLUMNS if table == "epochs" else ITERATION_COLUMNS
        rows = self.epochs if table == "epochs" else self.iterations
        i = columns.index(name)
        return np.array([np.nan if r[i] is None else r[i] for r in rows], dtype=np.float64)

    def clear(self) -> None:
        self.iterations.clear()
        self.epochs.clear()


def epoch_row(snap) -> Row:
    def opt(v):
        return None if v is None else float(v)
    return (snap.epoch, snap.iteration, opt(snap.train_loss), opt(snap.train_accuracy),
            opt(snap.test_loss), opt(snap.test_accuracy), float(snap.lr), float(snap.elapsed))


# --------------------------------------------------------------------------- CSV text
def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def table_csv(columns: Sequence[str], rows: Iterable[Row]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(v) for v in r])
    return buf.getvalue().encode("utf-8")


def parse_table(data: bytes, columns: Sequence[str], path: os.PathLike | str) -> list[Row]:
    """Rows of a metrics CSV with exactly ``columns``; HistoryFileError names the line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise HistoryFileError(path, f"is not UTF-8 text (byte {err.start})", kind=E.ENCODING,
                               code="csv_not_utf8", params={"byte": err.start}) from None
    reader = csv.reader(io.StringIO(text))
    try:
        return _read_rows(reader, columns, path)
    except csv.Error as err:          # e.g. a "field larger than field limit" of a file that is no table
        raise HistoryFileError(path, f"is not a CSV table nnstudio can read ({err})", kind=E.SYNTAX,
                               line=reader.line_num or 1, code="csv_malformed",
                               params={"detail": str(err)}) from None


def _shortened(text: str, most: int = 200) -> str:
    return text if len(text) <= most else text[:most] + "…"


def _read_rows(reader, columns: Sequence[str], path: os.PathLike | str) -> list[Row]:
    try:
        header = next(reader)
    except StopIteration:
        raise HistoryFileError(path, "is empty; expected a header line", kind=E.SYNTAX, line=1,
                               code="csv_empty") from None
    if tuple(h.strip() for h in header) != tuple(columns):
        found = _shortened(", ".join(header))        # the first line of a file that is no table may be long
        raise HistoryFileError(path, f"has columns {found}; expected {', '.join(columns)}",
                               kind=E.SYNTAX, line=1, code="csv_columns",
                               params={"columns": found, "expected": ", ".join(columns)})
    rows: list[Row] = []
    for line_no, cells in enumerate(reader, start=2):
        if not cells:
            continue
        if len(cells) != len(columns):
            raise HistoryFileError(path, f"has {len(cells)} values; expected {len(columns)}",
                                   kind=E.SYNTAX, line=line_no, code="csv_values",
                                   params={"count": len(cells), "expected": len(columns)})
        row = []
        for name, cell in zip(columns, cells):
            try:
                if name in INT_COLUMNS:
                    row.append(int(cell))
                else:
                    row.append(None if cell == "" else float(cell))
            except ValueError:
                whole = name in INT_COLUMNS         # an epoch or update count: "1.5" is no count
                value = _shortened(cell, 60)
                raise HistoryFileError(path, f"column {name}: {value!r} is not {'a whole' if whole else 'a'} number",
                                       kind=E.SYNTAX, field=name, line=line_no,
                                       code="csv_not_integer" if whole else "csv_not_number",
                                       params={"column": name, "value": value}) from None
        rows.append(tuple(row))
    return rows


# --------------------------------------------------------------------------- files
def write_metrics(path: os.PathLike | str, rows: Iterable[Row]) -> None:
    """Write per-epoch rows as metrics.csv, atomically."""
    write_file_atomically(Path(path), table_csv(EPOCH_COLUMNS, rows), HistoryFileError)


def read_metrics(path: os.PathLike | str) -> list[Row]:
    p = Path(path)
    return parse_table(read_file_bytes(p, HistoryFileError, None), EPOCH_COLUMNS, p)


def save_history(history: RunHistory, folder: os.PathLike | str) -> None:
    """Write metrics.csv and iterations.csv into ``folder`` (created if missing)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise HistoryFileError(folder, **E.os_error(err, "create the folder")) from None
    write_metrics(folder / METRICS_FILE, history.epochs)
    write_file_atomically(folder / ITERATIONS_FILE, table_csv(ITERATION_COLUMNS, history.iterations),
                          HistoryFileError)


def load_history(folder: os.PathLike | str) -> RunHistory:
    """Read a run folder's metrics back; iterations.csv may be absent (e.g. from ``nnstudio
    train``), metrics.csv must be there."""
    folder = Path(folder)
    epochs = read_metrics(folder / METRICS_FILE)
    it_path = folder / ITERATIONS_FILE
    iterations = (parse_table(read_file_bytes(it_path, HistoryFileError, None), ITERATION_COLUMNS, it_path)
                  if it_path.exists() else [])
    return RunHistory(iterations=iterations, epochs=epochs)

"""Numerical vs backprop: both gradients entry by entry, the relative error of each, and the
time each method took (CURRICULUM §4); for one parameter or for all of them, as the book's
gradient check prints one mean difference per parameter.

Runs the engine's ``gradient_check`` on a float64 copy of the traced network (see
:mod:`.source`): every entry of a small parameter; of a large one a random sample, mostly of
the entries backprop moves (engine's sample_entries), or every entry when asked (a modal
progress dialog, with Cancel). The table's numbers, at full precision, can be saved as CSV.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from nnstudio.engine.errors import EngineError
from nnstudio.engine.gradcheck import (GradCheckReport, Interrupted, ParamCheck, entries_to_check, gradient_check,
                                       relative_error)
from nnstudio.project.errors import FileFormatError
from nnstudio.project.files import write_file_atomically
from nnstudio.ui.export import Table, table_csv
from nnstudio.ui.messages import describe_error

from .array_view import VALUE_ROLE, index_text
from .progress import NumericalProgress, modal_progress
from .source import StepSource

ALL_ENTRIES = 500      # parameters up to this size are checked entry by entry
SAMPLE = 100           # larger ones: this many random entries, unless every entry is asked for
GOOD, FAIR = 1e-7, 1e-4
EVERY_PARAMETER = ""   # the parameter choice's data for "all parameters"


def _seconds(s: float) -> str:
    return f"{s * 1000:.3g} ms" if s < 1 else f"{s:.3g} s"


KINK_COLOR = "#e4e4e4"   # entries whose ±h straddled a kink: not judged


def _error_color(rel: float) -> str:
    """Green, amber or red; a NaN error (a gradient that is NaN) is red."""
    return "#dff0d8" if rel < GOOD else "#fcf3cf" if rel < FAIR else "#f5c6cb"


def _number(text: str, value: float) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setData(VALUE_ROLE, value)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _entry_columns(c: ParamCheck) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One parameter's checked entries: their indices as text, backprop, numerical, |difference|
    and relative error (float64), as the table shows them and the CSV holds them."""
    index = [index_text(tuple(int(i) for i in np.unravel_index(int(flat), c.shape))) for flat in c.indices]
    backprop, numerical = np.asarray(c.backprop, np.float64), np.asarray(c.numerical, np.float64)
    return index, backprop, numerical, np.abs(backprop - numerical), relative_error(c.backprop, c.numerical)


class GradCheckPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source: StepSource | None = None
        self.report: GradCheckReport | None = None
        self.check: ParamCheck | None = None      # the parameter whose entries the table shows
        self.rel_errors = np.zeros(0)
        self._busy = False          # a check is running (its dialog lets events in)

        self.param = QComboBox()
        self.every_entry = QCheckBox(self.tr("Every entry"))
        self.every_entry.setToolTip(self.tr(
            "Check every entry of large parameters too, not a sample of {0} (two forward passes per "
            "entry: a 784-50-10 network takes seconds; Cancel stops it).").format(SAMPLE))
        self.run_button = QPushButton(self.tr("Compare gradients"))
        self.run_button.clicked.connect(self.run)
        self.csv_button = QPushButton(self.tr("Save table as CSV…"))
        self.csv_button.setToolTip(self.tr("Save the numbers of this table to full precision, for a "
                                           "report or a notebook"))
        intro = QLabel(self.tr(
            "The numerical gradient nudges one weight at a time by ±h and measures the change of "
            "the loss: (E(w + h) − E(w − h)) / 2h, two forward passes per weight. Backprop gets "
            "all gradients from one backward pass. Both run here in float64 on the weights before "
            "this step, with the same batch."))
        intro.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellDoubleClicked.connect(self._open_row)

        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Parameter:")))
        row.addWidget(self.param, 1)
        row.addWidget(self.every_entry)
        row.addWidget(self.run_button)
        # beside the numbers it saves: in the parameter row the step-through asked for 776 px,
        # more than its narrowest dock
        numbers = QHBoxLayout()
        numbers.addWidget(self.summary, 1)
        numbers.addWidget(self.csv_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addLayout(numbers)
        layout.addWidget(self.table, 1)
        self.set_source(None)

    def set_source(self, source: StepSource | None) -> None:
        self.source = source
        self.report = self.check = None
        self.param.clear()
        self.table.setRowCount(0)
        self.csv_button.setEnabled(False)
        if source is None:
            self.summary.setText(self.tr("Record a step first."))
            self.run_button.setEnabled(False)
            return
        shapes = source.parameter_shapes()
        if len(shapes) > 1:
            self.param.addItem(self.tr("all parameters"), EVERY_PARAMETER)
        for name, shape in shapes.items():
            self.param.addItem(f"{name}  ({'×'.join(map(str, shape))})", name)
        self.run_button.setEnabled(self.param.count() > 0)
        self.summary.setText(self.tr("Pick a parameter and press “Compare gradients”."))

    def select(self, name: str) -> None:
        if self._busy:             # the step-through's playback moves on while a check runs
            return
        i = self.param.findData(name)
        if i >= 0:
            self.param.setCurrentIndex(i)

    def run(self) -> GradCheckReport | None:
        """Check the chosen parameter (or every one); the report, or None when it failed or
        was cancelled (the summary says which)."""
        source = self.source
        if source is None or self.param.currentIndex() < 0:
            return None
        name = self.param.currentData()
        shapes = source.parameter_shapes()
        names = list(shapes) if name == EVERY_PARAMETER else [name]
        limit = None if self.every_entry.isChecked() else ALL_ENTRIES
        entries = sum(entries_to_check(math.prod(shapes[n]), limit, SAMPLE) for n in names)
        self._set_busy(True)                     # the dialog lets events in while it runs
        progress = NumericalProgress(
            modal_progress(self, self.tr("Taking the numerical gradient of {0} entries…").format(entries),
                           self.tr("Numerical vs backprop"), entries),
            lambda: self.source is source)
        try:
            net = source.network()
            report = gradient_check(net, source.x, source.t, names=names, max_entries=limit, sample=SAMPLE,
                                    interrupted=progress.interrupted, progress=progress.advance)
        except Interrupted:
            report = None
            text = self.tr("Stopped before the check was done.")
        except (EngineError, ValueError, FloatingPointError) as e:
            report = None
            text = self.tr("The gradient check failed: {0}").format(describe_error(e))
        finally:
            progress.close()
            self._set_busy(False)
        if self.source is not source:        # another step was recorded meanwhile
            return None
        if report is None:                   # nothing half-done stays on show
            self.report = self.check = None
            self.table.setRowCount(0)
            self.summary.setText(text)
            self.csv_button.setEnabled(False)
            return None
        self.report = report
        if name == EVERY_PARAMETER:
            self._show_parameters(report)
        else:
            self._show_entries(report.params[0])
        self.csv_button.setEnabled(True)
        return report

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.param, self.every_entry, self.run_button):
            widget.setEnabled(not busy and self.source is not None)
        self.csv_button.setEnabled(not busy and self.report is not None)

    # ------------------------------------------------------------------ one row per parameter
    def _show_parameters(self, report: GradCheckReport) -> None:
        self.check = None
        self.rel_errors = np.array([p.smooth_max_rel_error for p in report.params])
        checked = sum(p.checked for p in report.params)
        numerical = sum(p.numerical_seconds for p in report.params)
        judged = [p for p in report.params if not math.isnan(p.smooth_max_rel_error)]
        lines = [self.tr("<b>Backprop</b>: every gradient of the network in {0}.").format(
                     _seconds(report.backprop_seconds)),
                 self.tr("<b>Numerical</b>: {0} entries in {1}.").format(checked, _seconds(numerical))]
        if judged:
            worst = max(judged, key=lambda p: p.smooth_max_rel_error)
            lines.append(self._verdict(worst.smooth_max_rel_error,
                                       self.tr("Largest relative error (in {0})").format(worst.name)))
        lines += self._kink_lines(report.kinks, checked, len(judged) == 0)
        lines.append(self.tr("The book's measure is the mean |difference| of each parameter. Double-click a "
                             "row for its entries."))
        self.summary.setText("<br>".join(lines))
        t = self.table
        t.setColumnCount(7)
        t.setHorizontalHeaderLabels([self.tr("parameter"), self.tr("entries"), self.tr("mean |difference|"),
                                     self.tr("largest relative error"), self.tr("at a kink"),
                                     self.tr("numerical time"), self.tr("backprop ≠ 0")])
        t.horizontalHeaderItem(3).setToolTip(self.tr("Among the entries whose ±h did not straddle a kink"))
        t.setRowCount(len(report.params))
        for r, p in enumerate(report.params):
            size = math.prod(p.shape)
            t.setItem(r, 0, QTableWidgetItem(p.name))
            t.setItem(r, 1, _number(f"{p.checked}" if p.checked == size else
                                    self.tr("{0} of {1}").format(p.checked, size), p.checked))
            t.setItem(r, 2, _number(f"{p.mean_abs_diff:.2e}", p.mean_abs_diff))
            smooth = p.smooth_max_rel_error
            rel = _number("–" if math.isnan(smooth) else f"{smooth:.2e}", smooth)
            rel.setBackground(QColor(KINK_COLOR if math.isnan(smooth) else _error_color(smooth)))
            t.setItem(r, 3, rel)
            kinks = _number(f"{p.kinks}", p.kinks)
            if p.kinks:
                kinks.setBackground(QColor(KINK_COLOR))
                kinks.setToolTip(self.tr("{0} entries straddled a kink; their largest relative error is "
                                         "{1:.2e}").format(p.kinks, p.kink_max_rel_error))
            t.setItem(r, 4, kinks)
            t.setItem(r, 5, _number(_seconds(p.numerical_seconds), p.numerical_seconds))
            t.setItem(r, 6, _number(f"{p.nonzero}", p.nonzero))
        for c, w in enumerate((130, 140, 130, 150, 80, 110)):
            t.setColumnWidth(c, w)

    def _kink_lines(self, kinks: int, checked: int, none_judged: bool) -> list[str]:
        """What the summary says about entries whose ±h straddled a kink (nothing without any)."""
        if not kinks:
            return []
        lines = [self.tr(
            "<b>{0} of the {1} entries</b> straddled a kink (grey): between w − h and w + h the input of a "
            "ReLU (or leaky ReLU, or step) changed sign, another element won a max pooling window or an L1 "
            "weight crossed 0. There the numerical gradient mixes the two sides, while backprop rightly "
            "takes the side this step is on, so their errors are left out of the verdict.").format(kinks, checked)]
        if none_judged:
            lines.append(self.tr(
                "<b>Every entry</b> straddled a kink, so this check cannot judge backprop. Zero biases over "
                "blank pixels do this at the start: record a step after some training, when the biases "
                "have moved off 0."))
        return lines

    def _open_row(self, row: int, _column: int) -> None:
        """A double-clicked parameter row: that parameter's entries, from the same report."""
        if self._busy or self.report is None or self.check is not None or not 0 <= row < len(self.report.params):
            return
        p = self.report.params[row]
        self.select(p.name)
        self._show_entries(p)

    # ------------------------------------------------------------------ one row per entry
    def _show_entries(self, c: ParamCheck) -> None:
        self.check = c
        index, *numbers = _entry_columns(c)
        self.rel_errors = numbers[-1]
        n, size = c.checked, math.prod(c.shape)
        per_entry = c.numerical_seconds / max(n, 1)
        lines = []
        if n == size:
            lines.append(self.tr("All {0} entries.").format(n))
        else:
            zeros = int(np.count_nonzero(c.backprop == 0))
            lines.append(self.tr("{0} of its {1} entries, picked at random: {2} of the {3} whose backprop "
                                 "gradient is not 0 and {4} of those it says are 0 (all of them would take "
                                 "about {5} numerically: tick “Every entry”).").format(
                n, size, n - zeros, c.nonzero, zeros, _seconds(per_entry * size)))
        if self.report is not None:
            lines.append(self.tr("<b>Backprop</b>: every gradient of the network in {0}.").format(
                _seconds(self.report.backprop_seconds)))
        lines.append(self.tr("<b>Numerical</b>: these {0} entries in {1} ({2} per entry).").format(
            n, _seconds(c.numerical_seconds), _seconds(per_entry)))
        smooth = c.smooth_max_rel_error
        mean = self.tr("Mean |difference| {0:.2e}.").format(c.mean_abs_diff)
        lines.append(mean if math.isnan(smooth) else self._verdict(smooth, self.tr("Largest relative error")) + " " + mean)
        lines += self._kink_lines(c.kinks, n, math.isnan(smooth))
        self.summary.setText("<br>".join(lines))
        t = self.table
        t.setColumnCount(6)
        t.setHorizontalHeaderLabels([self.tr("index"), self.tr("backprop"), self.tr("numerical"),
                                     self.tr("|difference|"), self.tr("relative error"), self.tr("at a kink")])
        t.setRowCount(n)
        for r, text in enumerate(index):
            t.setItem(r, 0, QTableWidgetItem(text))
            for col, v in enumerate((float(a[r]) for a in numbers), start=1):
                item = _number(f"{v:.10g}" if col < 3 else f"{v:.2e}", v)
                if col == 4:
                    item.setBackground(QColor(KINK_COLOR if c.crossed[r] else _error_color(v)))
                t.setItem(r, col, item)
            t.setItem(r, 5, QTableWidgetItem(self.tr("yes") if c.crossed[r] else ""))
        for c_, w in enumerate((110, 150, 150, 110, 110)):
            t.setColumnWidth(c_, w)

    def _verdict(self, rel: float, what: str) -> str:
        color = "#2d7d32" if rel < GOOD else "#8a5a00" if rel < FAIR else "#b2321f"
        return self.tr("{0} <b style='color:{1}'>{2:.2e}</b>.").format(what, color, rel)

    # ------------------------------------------------------------------ export
    def table_data(self) -> Table | None:
        """The rows on show at full precision, with the file's column names; None before a check."""
        report, c = self.report, self.check
        if report is None:
            return None
        if c is None:
            ps = report.params
            return Table(("parameter", "entries_checked", "entries", "mean_abs_difference",
                          "max_relative_error", "numerical_seconds", "backprop_nonzero", "entries_at_kinks",
                          "max_relative_error_off_kinks"),
                         (np.array([p.name for p in ps], dtype=object), np.array([p.checked for p in ps]),
                          np.array([math.prod(p.shape) for p in ps]), np.array([p.mean_abs_diff for p in ps]),
                          np.array([p.max_rel_error for p in ps]), np.array([p.numerical_seconds for p in ps]),
                          np.array([p.nonzero for p in ps]), np.array([p.kinks for p in ps]),
                          np.array([p.smooth_max_rel_error for p in ps])))
        index, *numbers = _entry_columns(c)
        return Table(("parameter", "index", "backprop", "numerical", "abs_difference", "relative_error", "at_kink"),
                     (np.array([c.name] * len(index), dtype=object), np.array(index, dtype=object), *numbers,
                      c.crossed.astype(int)))

    def write_csv(self, path: str) -> None:
        """The table on show as CSV, written atomically (FileFormatError saying why it could not be)."""
        table = self.table_data()
        if table is None:
            raise RuntimeError("no gradient check to save")     # the button is disabled then
        write_file_atomically(Path(path), table_csv(table), FileFormatError)

    def shown_column(self, col: int) -> np.ndarray:
        """The numbers of a table column as shown (for tests and export)."""
        return np.array([float(self.table.item(r, col).data(VALUE_ROLE)) for r in range(self.table.rowCount())])

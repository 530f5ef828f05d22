"""Numerical vs backprop for one parameter: both gradients entry by entry, the relative
error of each, and the time each method took (CURRICULUM §4).

Runs the engine's ``gradient_check`` on a float64 copy of the traced network (see
:mod:`.source`): every entry of a small parameter, a random sample of a large one.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QApplication, QComboBox, QHBoxLayout, QLabel, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from nnstudio.engine.errors import EngineError
from nnstudio.engine.gradcheck import ParamCheck, gradient_check, relative_error
from nnstudio.ui.messages import describe_error

from .array_view import VALUE_ROLE, index_text
from .source import StepSource

ALL_ENTRIES = 500      # parameters up to this size are checked entry by entry
SAMPLE = 100           # larger ones: this many random entries
GOOD, FAIR = 1e-7, 1e-4


def _seconds(s: float) -> str:
    return f"{s * 1000:.3g} ms" if s < 1 else f"{s:.3g} s"


class GradCheckPanel(QWidget):
    COLUMNS = ("index", "backprop", "numerical", "difference", "relative error")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source: StepSource | None = None
        self.check: ParamCheck | None = None
        self.backprop_seconds = 0.0
        self.rel_errors = np.zeros(0)

        self.param = QComboBox()
        self.run_button = QPushButton(self.tr("Compare gradients"))
        self.run_button.clicked.connect(self.run)
        intro = QLabel(self.tr(
            "The numerical gradient nudges one weight at a time by ±h and measures the change of "
            "the loss: (E(w + h) − E(w − h)) / 2h, two forward passes per weight. Backprop gets "
            "all gradients from one backward pass. Both run here in float64 on the weights before "
            "this step, with the same batch."))
        intro.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr("index"), self.tr("backprop"), self.tr("numerical"),
                                              self.tr("|difference|"), self.tr("relative error")])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setStretchLastSection(True)
        for c, w in enumerate((110, 150, 150, 110)):
            self.table.setColumnWidth(c, w)

        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Parameter:")))
        row.addWidget(self.param, 1)
        row.addWidget(self.run_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.set_source(None)

    def set_source(self, source: StepSource | None) -> None:
        self.source = source
        self.check = None
        self.param.clear()
        self.table.setRowCount(0)
        if source is None:
            self.summary.setText(self.tr("Record a step first."))
            self.run_button.setEnabled(False)
            return
        for name, shape in source.parameter_shapes().items():
            self.param.addItem(f"{name}  ({'×'.join(map(str, shape))})", name)
        self.run_button.setEnabled(self.param.count() > 0)
        self.summary.setText(self.tr("Pick a parameter and press “Compare gradients”."))

    def select(self, name: str) -> None:
        i = self.param.findData(name)
        if i >= 0:
            self.param.setCurrentIndex(i)

    def run(self) -> ParamCheck | None:
        if self.source is None or self.param.currentIndex() < 0:
            return None
        name = self.param.currentData()
        size = math.prod(self.source.parameter_shapes()[name])
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            net = self.source.network()
            report = gradient_check(net, self.source.x, self.source.t, names=[name],
                                    max_entries=None if size <= ALL_ENTRIES else SAMPLE)
        except (EngineError, ValueError, FloatingPointError) as e:
            self.summary.setText(self.tr("The gradient check failed: {0}").format(describe_error(e)))
            return None
        finally:
            QApplication.restoreOverrideCursor()
        self.check = report.params[0]
        self.backprop_seconds = report.backprop_seconds
        self._show(self.check, size)
        return self.check

    def _show(self, c: ParamCheck, size: int) -> None:
        rel = relative_error(c.backprop, c.numerical)
        self.rel_errors = rel
        n = c.checked
        per_entry = c.numerical_seconds / max(n, 1)
        lines = []
        if n < size:
            lines.append(self.tr("{0} of its {1} entries, picked at random (all of them would take "
                                 "about {2} numerically).").format(n, size, _seconds(per_entry * size)))
        else:
            lines.append(self.tr("All {0} entries.").format(n))
        lines.append(self.tr("<b>Backprop</b>: every gradient of the network in {0}.").format(
            _seconds(self.backprop_seconds)))
        lines.append(self.tr("<b>Numerical</b>: these {0} entries in {1} ({2} per entry).").format(
            n, _seconds(c.numerical_seconds), _seconds(per_entry)))
        verdict_color = "#2d7d32" if c.max_rel_error < GOOD else "#8a5a00" if c.max_rel_error < FAIR else "#b2321f"
        lines.append(self.tr("Largest relative error <b style='color:{0}'>{1:.2e}</b>, mean |difference| "
                             "{2:.2e}.").format(verdict_color, c.max_rel_error, c.mean_abs_diff))
        self.summary.setText("<br>".join(lines))
        t = self.table
        t.setRowCount(n)
        for r, flat in enumerate(c.indices):
            index = tuple(int(i) for i in np.unravel_index(int(flat), c.shape))
            values = (None, float(c.backprop[r]), float(c.numerical[r]),
                      float(abs(c.backprop[r] - c.numerical[r])), float(rel[r]))
            for col, v in enumerate(values):
                item = QTableWidgetItem(index_text(index) if v is None else f"{v:.10g}" if col < 3 else f"{v:.2e}")
                if v is not None:
                    item.setData(VALUE_ROLE, v)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col == 4:
                    item.setBackground(QColor("#dff0d8" if v < GOOD else "#fcf3cf" if v < FAIR else "#f5c6cb"))
                t.setItem(r, col, item)

    def shown_column(self, col: int) -> np.ndarray:
        """The numbers of a table column as shown (for tests and export)."""
        return np.array([float(self.table.item(r, col).data(VALUE_ROLE)) for r in range(self.table.rowCount())])

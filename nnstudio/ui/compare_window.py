"""Run → Compare Variants…: variants of the open project trained side by side, their curves
drawn as they grow and their results in a table (project.comparison does the training).

A grid varies one or two settings: with one, every variant's curve is in one plot (§6's
optimizer race, §10's configurations); with two, one small plot per value of the first and a
curve per value of the second in each (§7's batch-norm grid: 16 weight scales, with and
without). A random search draws values in ranges (§8) and adds a scatter of where each trial
landed, coloured by its accuracy.
"""

from __future__ import annotations

import html
import math
import textwrap
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QCoreApplication, QIODevice, QRect, QSize, Qt, QThread, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDialog, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton,
                               QRadioButton, QSpinBox, QStackedWidget, QStyle, QStyleOptionHeader, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from nnstudio.engine.errors import EngineError
from nnstudio.engine.optimizers import RULES
from nnstudio.engine.series import Ema
from nnstudio.project import comparison as C
from nnstudio.project.errors import FileFormatError
from nnstudio.project.files import write_file_atomically
from nnstudio.ui.file_messages import ask_save_path, file_error_text
from nnstudio.ui.labels import activation_titles, init_titles
from nnstudio.ui.messages import describe_error
from nnstudio.ui.palette import OKABE_ITO, TEXT_COLOR, magnitude_map
from nnstudio.ui.scroll_areas import DockScrollArea
from nnstudio.ui.views.base import (LegendAbove, MutedCaption, grid_axes, grid_columns, make_plot, run_smoothing,
                                    style_plot_item)

#: how often the window takes the worker's progress (ms)
REFRESH_MS = 150
#: the smoothing of each variant's loss curve (the share of the previous average kept)
SMOOTHING = 0.95
#: the most curves a plot names in a legend (more would hide the plot)
MAX_LEGEND = 12
PLAN_WIDTH = 340       # the plan column at most (px); the plots take the rest
# the linear loss axis ends at most this many times the highest starting loss
CLIP_OVER_START = 1.5
# (dotted is the training set's accuracy: see CompareWindow._training_pen)
PEN_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DashDotLine, Qt.PenStyle.DashDotDotLine)


def _tr(text: str) -> str:
    return QCoreApplication.translate("CompareWindow", text)


def knob_titles() -> dict[str, str]:
    return {"lr": _tr("learning rate η"), "optimizer": _tr("update rule"),
            "rule": _tr("update rule at the book's η"), "batch_size": _tr("batch size"),
            "weight_decay": _tr("weight decay λ"), "seed": _tr("seed"),
            "activation": _tr("hidden activation"), "init": _tr("initializer"),
            "init_std": _tr("initial weight std"), "units": _tr("hidden units"), "batchnorm": _tr("batch norm"),
            "dropout": _tr("dropout ratio")}


def value_title(knob: str, value: Any) -> str:
    """A knob's value as the window shows it: numbers to three digits, choices in words."""
    if knob == "batchnorm":
        return {"with": _tr("with"), "without": _tr("without")}.get(value, str(value))
    if knob == "activation":
        return activation_titles().get(value, str(value))
    if knob == "init":
        return init_titles().get(value, str(value))
    if knob == "optimizer" and value in RULES:
        return RULES[value].title
    if knob == "rule" and value in RULES:
        return _tr("{0} at η {1:g}").format(RULES[value].title, RULES[value].book_lr)
    return C.shown_value(value)


SELF_EXPLAINED = {"rule"}   # settings whose values name themselves in labels (value_title)

PREVIEW_VALUES = 6     # a longer list is previewed as its first PREVIEW_VALUES - 1 values, "…", the last


def knob_examples() -> dict[str, str]:
    """What a learner may type, per setting (the values field's placeholder)."""
    return {"lr": "0.001, 0.01, 0.1", "optimizer": "sgd, momentum, adagrad, adam",
            "rule": "sgd, momentum, adagrad, adam", "batch_size": "10, 100",
            "weight_decay": "0, 0.01, 0.1", "seed": "0, 1, 2", "activation": "sigmoid, relu",
            "init": "normal, xavier, he", "init_std": "1e-4..1/16", "units": "2, 5, 10, 50",
            "batchnorm": "without, with", "dropout": "0, 0.2, 0.5"}


def plan_problems() -> dict[str, str]:
    """ComparisonError codes as sentences; {knob} is the setting's title."""
    return {
        "no_values": _tr("{knob}: type the values to try."),
        "bad_count": _tr("{knob}: “{text}” is not a number of values from 2 to 100."),
        "bad_choice": _tr("{knob}: “{value}” is not one of {allowed}."),
        "unknown_knob": _tr("{knob} is not a setting that can be varied."),
        "not_a_number": _tr("{knob}: “{text}” is not a number."),
        "not_whole": _tr("{knob}: “{text}” is not a whole number."),
        "out_of_range": _tr("{knob}: {text} is out of range."),
        "no_knob": _tr("Choose a setting to vary."),
        "same_knob": _tr("{knob} is chosen twice."),
        "rule_sets_lr": _tr("{knob} sets each rule's learning rate itself, so neither the learning rate "
                            "nor the update rule can be varied with it."),
        "too_many": _tr("That is {count} variants; at most {most} can be compared."),
        "not_numeric": _tr("{knob} has no range to draw from."),
        "no_variants": _tr("There is nothing to train."),
        "no_iterations": _tr("Train at least one update."),
    }


def plan_error_text(err: C.ComparisonError) -> str:
    params = dict(err.params)
    if "knob" in params:
        params["knob"] = knob_titles().get(params["knob"], params["knob"])
    try:
        return plan_problems()[err.code].format(**params)
    except (KeyError, IndexError):
        return str(err)


def endings() -> dict[str, str]:
    return {"running": _tr("training"), "done": _tr("done"), "stopped": _tr("stopped"),
            "diverged": _tr("diverged")}


class _Worker(QThread):
    """Trains the comparison; ``take()`` hands the progress over; ``error`` is what stopped it
    from starting (a set that does not load, a variant that does not fit the data)."""

    def __init__(self, variants, dataset, load, iterations: int) -> None:
        super().__init__()
        self.variants, self.dataset, self.load, self.iterations = variants, dataset, load, iterations
        self.lock = threading.Lock()
        self.buffer: list[C.Progress] = []
        self.error: Exception | None = None
        self.eval_split = "test"
        self.comparison: C.Comparison | None = None
        self.task = dataset.task if dataset is not None else None

    def stop(self) -> None:
        """End the run as soon as it can (a numerical update in the middle included)."""
        self.requestInterruption()
        comparison = self.comparison
        if comparison is not None:
            comparison.stop_all()

    def take(self) -> list[C.Progress]:
        with self.lock:
            out, self.buffer = self.buffer, []
        return out

    def run(self) -> None:  # the worker thread
        try:
            dataset = self.dataset if self.dataset is not None else self.load()
            self.task = dataset.task
            # the training set's accuracy too, for the dotted curves (regression has none)
            comparison = self.comparison = C.Comparison(self.variants, dataset, self.iterations,
                                                        evaluate_train=dataset.task == "classification")
            self.eval_split = comparison.eval_split
            if self.isInterruptionRequested():
                return
            for progress in comparison.run(self.isInterruptionRequested):
                with self.lock:
                    self.buffer.append(progress)
        except Exception as err:  # noqa: BLE001 - shown in the window, never lost
            self.error = err


class _Track:
    """One variant's curves as they arrive."""

    def __init__(self, smoothing: float = SMOOTHING) -> None:
        self.ema = Ema(smoothing)
        self.x: list[int] = []
        self.loss: list[float] = []
        self.eval_x: list[int] = []
        self.accuracy: list[float] = []
        self.train_accuracy: list[float] = []   # at the same iterations (nan where not measured)
        self.fit: tuple[float, ...] | None = None    # the output along the comparison's fit_x
        self.outcome: C.Outcome | None = None
        self.top = 0.0                      # the largest finite smoothed loss so far
        self.bottom = math.inf              # the smallest positive one
        self.start = math.nan               # the first

    def add(self, p: C.Progress) -> None:
        self.x.extend(p.iterations)
        smoothed = [self.ema.update(v) for v in p.losses]
        self.loss.extend(smoothed)
        finite = [v for v in smoothed if math.isfinite(v)]
        self.top = max([self.top] + finite)
        self.bottom = min([self.bottom] + [v for v in finite if v > 0])
        if math.isnan(self.start) and finite:
            self.start = finite[0]
        for it, _, acc, train_acc in p.evaluations:
            if acc is not None:
                self.eval_x.append(it)
                self.accuracy.append(acc)
                self.train_accuracy.append(math.nan if train_acc is None else train_acc)
        if p.fit is not None:
            self.fit = p.fit
        if p.outcome is not None:
            self.outcome = p.outcome
            if p.outcome.diverged is not None:
                self.fit = None             # the last curve before it ran off is no fit


class CompareWindow(QDialog):
    """``window`` is the main window: its project, its loaded data set, its folder."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.main = window
        self.setWindowTitle(_tr("Compare Variants"))
        self.setWindowFlag(Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.worker: _Worker | None = None
        self.variants: list[C.Variant] = []
        self.tracks: list[_Track] = []
        self.curves: list[pg.PlotDataItem] = []
        self.train_curves: list[pg.PlotDataItem | None] = []   # accuracy on the training set, dotted
        self.plots: list[pg.PlotItem] = []
        self.random = False
        self.iterations = 0
        self.show_warning = lambda title, text: QMessageBox.warning(self, title, text)   # tests replace it
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._refresh)

        layout = QHBoxLayout(self)
        # in a short window (or with a long plan in Japanese) the plan scrolls rather than its
        # wrapped lines being squeezed into each other
        box = self._plan_box()
        plan = DockScrollArea(box)
        plan.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar = plan.verticalScrollBar().sizeHint().width()
        plan.setMinimumWidth(box.minimumSizeHint().width() + bar)     # never narrower than its fields
        plan.setMaximumWidth(PLAN_WIDTH + bar)
        layout.addWidget(plan, 0)
        layout.addWidget(self._results(), 1)
        self._mode_changed()
        room = self.screen().availableGeometry()
        self.resize(min(DEFAULT_SIZE[0], room.width()), min(DEFAULT_SIZE[1], room.height()))

    # ------------------------------------------------------------------ the plan
    def _knob_combo(self, numeric: bool = False, none: bool = False) -> QComboBox:
        combo = QComboBox()
        if none:
            combo.addItem("—", None)
        for name, title in knob_titles().items():
            if not numeric or C.KNOBS[name].kind != "choice":
                combo.addItem(title, name)
        return combo

    def _plan_box(self) -> QWidget:
        box = QGroupBox(_tr("Plan"))
        outer = QVBoxLayout(box)
        self.grid_mode = QRadioButton(_tr("Values of one or two settings"))
        self.random_mode = QRadioButton(_tr("Random search in ranges"))
        self.grid_mode.setChecked(True)
        modes = QButtonGroup(box)
        for b in (self.grid_mode, self.random_mode):
            modes.addButton(b)
            outer.addWidget(b)
            b.toggled.connect(self._mode_changed)
        self.pages = QStackedWidget()

        grid_page = QWidget()
        form = QFormLayout(grid_page)
        form.setContentsMargins(0, 0, 0, 0)
        self.knob1, self.knob2 = self._knob_combo(), self._knob_combo(none=True)
        self.values1, self.values2 = QLineEdit(), QLineEdit()
        for combo, field in ((self.knob1, self.values1), (self.knob2, self.values2)):
            combo.currentIndexChanged.connect(lambda _i, c=combo, f=field: self._suggest(c, f))
        self.knob1.currentIndexChanged.connect(lambda _i: self._offer_other_knobs())
        self.knob1.setCurrentIndex(self.knob1.findData("optimizer"))
        self._offer_other_knobs()
        self._suggest(self.knob1, self.values1)
        self._suggest(self.knob2, self.values2)
        form.addRow(_tr("Vary"), self.knob1)
        form.addRow(_tr("Values"), self.values1)
        form.addRow(_tr("Then by"), self.knob2)
        form.addRow(_tr("Values"), self.values2)
        form.addRow(MutedCaption(_tr("A list (0.01, 0.1) or a range low..high/count: 1e-4..1/16 is 16 values, "
                                     "log-spaced for rates. With a second setting each value of the first "
                                     "gets its own plot.")))
        # what the typed text means, as it is typed ("1/16" reads as a fraction otherwise)
        self.plan_preview = QLabel()
        self.plan_preview.setTextFormat(Qt.TextFormat.RichText)     # escaped: typed & < stay as typed
        self.plan_preview.setWordWrap(True)
        form.addRow(self.plan_preview)
        for widget in (self.values1, self.values2):
            widget.textChanged.connect(self._preview_plan)
        for combo in (self.knob1, self.knob2):
            combo.currentIndexChanged.connect(self._preview_plan)
        self._preview_plan()
        self.pages.addWidget(grid_page)

        random_page = QWidget()
        grid = QGridLayout(random_page)
        grid.setContentsMargins(0, 0, 0, 0)
        self.ranges = []
        for row, (name, lo, hi) in enumerate((("lr", "1e-6", "1e-2"), ("weight_decay", "1e-8", "1e-4"))):
            combo = self._knob_combo(numeric=True, none=row > 0)
            combo.setCurrentIndex(combo.findData(name))
            low, high = QLineEdit(lo), QLineEdit(hi)
            for field in (low, high):
                field.setMaximumWidth(70)
            grid.addWidget(combo, row, 0)
            grid.addWidget(low, row, 1)
            grid.addWidget(QLabel("…"), row, 2)
            grid.addWidget(high, row, 3)
            self.ranges.append((combo, low, high))
        self.trials = QSpinBox()
        self.trials.setRange(1, C.MAX_VARIANTS)
        self.trials.setValue(20)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        grid.addWidget(QLabel(_tr("Trials")), 2, 0)
        grid.addWidget(self.trials, 2, 1, 1, 3)
        self.seed.setToolTip(_tr("What the settings (and the trials' training seeds) are drawn by: the "
                                 "same search seed draws the same trials."))
        grid.addWidget(QLabel(_tr("Search seed")), 3, 0)
        grid.addWidget(self.seed, 3, 1, 1, 3)
        self.new_seeds = QCheckBox(_tr("New initial weights for each trial"))
        self.new_seeds.setChecked(True)
        grid.addWidget(self.new_seeds, 4, 0, 1, 4)
        for combo, _low, _high in self.ranges:
            combo.currentIndexChanged.connect(self._offer_new_seeds)
        self._offer_new_seeds()
        note = MutedCaption(_tr("Rates are drawn evenly on a log scale. The book's search: learning rate "
                                "1e-6…1e-2, weight decay 1e-8…1e-4, 100 trials, each from new weights."))
        grid.addWidget(note, 5, 0, 1, 4)
        self.pages.addWidget(random_page)
        outer.addWidget(self.pages)

        budget = QFormLayout()
        self.updates = QSpinBox()
        self.updates.setRange(1, 10_000_000)
        self.updates.setValue(C.DEFAULT_ITERATIONS)
        self.updates.setGroupSeparatorShown(True)
        budget.addRow(_tr("Updates per variant"), self.updates)
        outer.addLayout(budget)
        outer.addWidget(MutedCaption(_tr("Everything else comes from the open project: network, data set "
                                         "(its training-set size too), optimizer and training settings.")))
        buttons = QHBoxLayout()
        self.start_button = QPushButton(_tr("Start"))
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton(_tr("Stop"))
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.setEnabled(False)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        outer.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        outer.addWidget(self.progress)
        self.status = QLabel()
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        outer.addStretch(1)
        box.setMaximumWidth(PLAN_WIDTH)
        return box

    def _offer_other_knobs(self) -> None:
        """"Then by" offers every setting but the one varied first and those that clash with
        it (the plan could only be refused)."""
        first = self.knob1.currentData()
        taken = C.clashes(first) if first is not None else frozenset()
        model = self.knob2.model()
        for i in range(self.knob2.count()):
            model.item(i).setEnabled(self.knob2.itemData(i) not in taken)     # ("—", None, stays)
        if self.knob2.currentData() in taken:
            self.knob2.setCurrentIndex(0)

    def _suggest(self, combo: QComboBox, field: QLineEdit) -> None:
        """Another setting: its example values in the field, unless the learner typed their own."""
        name = combo.currentData()
        examples = knob_examples()
        field.setEnabled(name is not None)
        field.setPlaceholderText(examples.get(name, "") if name else "")
        if name is not None and (not field.text() or field.text() in examples.values()):
            field.setText(examples[name])

    def _preview_plan(self, *_args) -> None:
        """The values each field stands for ("Weight std σ: 16 values: 0.0001, 0.000185, …, 1"),
        or what is wrong with it."""
        lines = []
        for combo, field in ((self.knob1, self.values1), (self.knob2, self.values2)):
            knob = combo.currentData()
            if knob is None:
                continue
            title = knob_titles().get(knob, knob)
            try:
                values = C.parse_values(knob, field.text())
            except C.ComparisonError as err:
                lines.append(html.escape(plan_error_text(err)))
                continue
            shown = [value_title(knob, v) for v in values]
            if len(shown) > PREVIEW_VALUES:
                shown = shown[:PREVIEW_VALUES - 1] + ["…", shown[-1]]
            text = (_tr("{0}: 1 value: {2}") if len(values) == 1 else _tr("{0}: {1} values: {2}"))
            lines.append(html.escape(text.format(title, len(values), ", ".join(shown))))
        self.plan_preview.setText("<br>".join(lines))

    def _mode_changed(self) -> None:
        self.pages.setCurrentIndex(1 if self.random_mode.isChecked() else 0)

    # ------------------------------------------------------------------ the results
    def _results(self) -> QWidget:
        self.tabs = QTabWidget()
        curves = QWidget()
        v = QVBoxLayout(curves)
        row = QHBoxLayout()
        row.addWidget(QLabel(_tr("Show")))
        self.quantity = QComboBox()
        self.quantity.addItem(_tr("loss (smoothed)"), "loss")
        self.quantity.addItem(_tr("accuracy at each epoch's end"), "accuracy")
        self.quantity.addItem(_tr("fitted curve (a function of one variable)"), "fit")
        self.quantity.currentIndexChanged.connect(lambda _i: self._quantity_changed())
        row.addWidget(self.quantity)
        # one run spiking to 170 (or diverging to 1e14) flattened every other curve of the grid
        self.log_box = QCheckBox(_tr("log scale"))
        self.log_box.setToolTip(_tr("Show the losses on a log scale: every curve whole, spikes included"))
        self.log_box.toggled.connect(lambda _on: self._redraw())
        row.addWidget(self.log_box)
        row.addStretch(1)
        self.save_png_button = QPushButton(_tr("Save Picture…"))
        self.save_png_button.clicked.connect(self._save_png)
        row.addWidget(self.save_png_button)
        v.addLayout(row)
        self.key = QLabel()
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.key.setWordWrap(True)
        self.key.hide()
        v.addWidget(self.key)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("w")
        v.addWidget(self.canvas, 1)
        self.tabs.addTab(curves, _tr("Curves"))

        table_page = QWidget()
        t = QVBoxLayout(table_page)
        self.table = QTableWidget(0, 0)
        self.table.setHorizontalHeader(CompactHeader(self.table))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        t.addWidget(self.table, 1)
        export_row = QHBoxLayout()
        export_row.addStretch(1)
        self.csv_button = QPushButton(_tr("Export CSV…"))
        self.csv_button.clicked.connect(self._save_csv)
        export_row.addWidget(self.csv_button)
        t.addLayout(export_row)
        self.tabs.addTab(table_page, _tr("Results"))

        self.scatter_plot = make_plot("", "")
        self.scatter = self.scatter_plot.plot(pen=None, symbol="o", symbolSize=9,
                                              symbolPen=pg.mkPen(TEXT_COLOR, width=0.5))
        self.best = self.scatter_plot.plot(pen=None, symbol="star", symbolSize=20, symbolPen=pg.mkPen(TEXT_COLOR),
                                           symbolBrush=None, name=_tr("best"))
        search_page = QWidget()
        sv = QVBoxLayout(search_page)
        sv.addWidget(self.scatter_plot, 1)
        sv.addWidget(MutedCaption(_tr("Each finished trial where its values were drawn, coloured by its "
                                      "accuracy (a regression's: by its loss): dark for the worst, light for "
                                      "the best; the star is the best.")))
        self.search_index = self.tabs.addTab(search_page, _tr("Search"))
        self.tabs.setTabVisible(self.search_index, False)
        for b in (self.save_png_button, self.csv_button):
            b.setEnabled(False)
        return self.tabs

    def _offer_new_seeds(self) -> None:
        """A search over the seed in its own range draws the trials' seeds there: the box waits."""
        searched = any(combo.currentData() == "seed" for combo, _low, _high in self.ranges)
        self.new_seeds.setEnabled(not searched)
        self.new_seeds.setToolTip(
            _tr("The seed is searched in its own range above.") if searched else
            _tr("Each trial draws its own training seed (initial weights and batch order), as each trial "
                "of the book's search does. Unticked, every trial starts from the project's weights and "
                "differs only in the drawn settings."))

    # ------------------------------------------------------------------ starting
    def plan(self) -> list[C.Variant]:
        """The variants the form describes (ComparisonError or SpecError when it cannot)."""
        base = self.main.doc.to_project()
        if self.random_mode.isChecked():
            ranges = [(combo.currentData(), low.text(), high.text()) for combo, low, high in self.ranges
                      if combo.currentData() is not None]
            return C.random_search(base, ranges, self.trials.value(), self.seed.value(),
                                   new_seeds=self.new_seeds.isChecked())
        axes = [(self.knob1.currentData(), C.parse_values(self.knob1.currentData(), self.values1.text()))]
        if self.knob2.currentData() is not None:
            axes.append((self.knob2.currentData(), C.parse_values(self.knob2.currentData(), self.values2.text())))
        return C.grid(base, axes)

    def start(self) -> bool:
        if self.running:
            return False
        try:
            variants = self.plan()
        except C.ComparisonError as err:
            self.status.setText(plan_error_text(err))
            return False
        except (EngineError, ValueError) as err:
            self.status.setText(describe_error(err))
            return False
        self.variants, self.random = variants, self.random_mode.isChecked()
        self.iterations = self.updates.value()
        entry = dict(self.main.doc.section("dataset"))
        loaded = self.main.controller.peek_dataset(entry)
        self.worker = _Worker(variants, loaded, lambda: self.main.load_project_dataset(entry), self.iterations)
        self.worker.finished.connect(self._finished)
        self.tracks = [_Track(run_smoothing(SMOOTHING, self.iterations)) for _ in variants]
        self._offer("accuracy", True)
        self._offer("fit", False)               # until the data set is known to be one
        self._build_plots()
        self._build_table()
        self.tabs.setTabVisible(self.search_index, self.random)
        self.status.setText(_tr("Loading the data set…") if loaded is None else "")
        self.progress.setValue(0)
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        for b in (self.save_png_button, self.csv_button):
            b.setEnabled(True)
        self.worker.start()
        self.timer.start()
        return True

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    def shutdown(self) -> None:
        """Stop and wait for the training thread (the window or the app is closing)."""
        if self.worker is not None:
            self.worker.stop()
            self.worker.wait()
        self.timer.stop()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def reject(self) -> None:
        """Esc hides the window as its close button does: the training stops with it."""
        self.shutdown()
        super().reject()

    # ------------------------------------------------------------------ drawing
    def _groups(self) -> list[tuple[str, list[int]]]:
        """The plots: (title, variant indices). A two-setting grid: one per value of the first
        setting (the title is the value; the caption above names the setting)."""
        if self.random or len(self.variants[0].values) == 1:
            return [("", list(range(len(self.variants))))]
        groups: dict[Any, list[int]] = {}
        for i, v in enumerate(self.variants):
            groups.setdefault(v.values[0][1], []).append(i)
        name = self.variants[0].values[0][0]
        return [(value_title(name, value), members) for value, members in groups.items()]

    def variant_label(self, i: int, within_plot: bool = False) -> str:
        """Variant i's settings in the learner's words (within a grid's small plot: the second
        setting only, the plot's title says the first)."""
        values = self.variants[i].values
        shown = values[1:] if within_plot and len(self._groups()) > 1 else values
        titles = knob_titles()
        # "Adam at η 0.001" says what it is; "update rule at the book's η Adam at η 0.001" twice
        return ", ".join(value_title(k, x) if k in SELF_EXPLAINED else f"{titles.get(k, k)} {value_title(k, x)}"
                         for k, x in shown)

    @staticmethod
    def _pen(k: int, crowded: bool) -> pg.QtGui.QPen:
        """The k-th curve's pen in a plot: the palette's colours, then dashed, dotted, …"""
        style = PEN_STYLES[(k // len(OKABE_ITO)) % len(PEN_STYLES)]
        return pg.mkPen(OKABE_ITO[k % len(OKABE_ITO)], width=1 if crowded else 1.5, style=style)

    @staticmethod
    def _training_pen(pen: pg.QtGui.QPen) -> pg.QtGui.QPen:
        """A variant's accuracy on the training set: its colour, dotted and thin."""
        return pg.mkPen(pen.color(), width=1, style=Qt.PenStyle.DotLine)

    def _build_plots(self) -> None:
        self.canvas.clear()
        self.curves = [None] * len(self.variants)  # type: ignore[list-item]
        self.train_curves = [None] * len(self.variants)
        self.plots = []
        groups = self._groups()
        cols = grid_columns(len(groups), self.canvas.width(), self.canvas.height())
        accuracy = self._shown() == "accuracy"
        fit = self._shown() == "fit"
        left = _tr("accuracy (% correct)") if accuracy else "y" if fit else _tr("loss")
        bottom = "x" if fit else _tr("iteration")
        single = len(groups) == 1
        for g, (title, members) in enumerate(groups):
            item = self.canvas.addPlot(row=g // cols, col=g % cols, axisItems=grid_axes())
            style_plot_item(item, left if single else "", bottom if single else "")
            item.enableAutoRange(False)
            item.setLogMode(y=self._log())
            if title:
                item.setTitle(title, color=TEXT_COLOR, size="8pt")
            named = single and len(members) <= MAX_LEGEND
            # the training set's curves too where a plot's curves can still be told apart
            # (a random search's hundred would be a tangle)
            training = accuracy and len(members) <= MAX_LEGEND
            if named:
                LegendAbove(item, labelTextColor=TEXT_COLOR, brush=None)
            self.plots.append(item)
            if fit:                # the training samples under every plot's curves
                ds = self.worker.comparison.dataset
                item.plot(ds.x_train[:, 0], ds.y_train[:, 0], pen=None, symbol="o", symbolSize=4,
                          symbolPen=None, symbolBrush=pg.mkBrush(150, 150, 150, 160),
                          name=_tr("training samples") if named else None)
            for k, i in enumerate(members):
                pen = self._pen(k, len(members) > 16)
                self.curves[i] = item.plot(pen=pen, name=self.variant_label(i) if named else None,
                                           symbol="o" if accuracy else None, symbolSize=4, symbolPen=pen,
                                           symbolBrush=pen.color())
                if training:
                    # the training set's accuracy beside it: the gap between the two is §8's overfitting
                    self.train_curves[i] = item.plot(pen=self._training_pen(pen), symbol="o", symbolSize=4,
                                                     symbolPen=pen, symbolBrush=None)
            if training and named:
                grey = pg.mkPen(TEXT_COLOR, width=1.5)
                item.plot(pen=self._training_pen(grey), symbol="o", symbolSize=4, symbolPen=grey,
                          symbolBrush=None, name=_tr("dotted, hollow: on the training set"))
        self.key.setVisible(not single)
        if not single:
            first = self.variants[0].values[0][0]
            keys = [f'<span style="color:{self._pen(k, False).color().name()}">━━</span> '
                    f'{html.escape(self.variant_label(i, within_plot=True))}'
                    for k, i in enumerate(groups[0][1])]
            self.key.setText(_tr("Each plot's title is its {0}; the curves show {1} by {2}:").format(
                html.escape(knob_titles().get(first, first)), html.escape(left), html.escape(bottom))
                + "&nbsp;&nbsp; " + "&nbsp;&nbsp; ".join(keys)
                + (" &nbsp;&nbsp;" + html.escape(_tr("Dotted, hollow: on the training set.")) if training else ""))

    def _quantity_changed(self) -> None:
        self.log_box.setEnabled(self._shown() == "loss")     # accuracy: 0 to 100 %
        self._redraw()

    def _log(self) -> bool:
        return self.log_box.isChecked() and self._shown() == "loss"

    def _fit_ranges(self) -> None:
        """The same axes in every plot: iterations 0 to the budget; accuracy 0 to 100 %; the loss
        from 0 to the largest smoothed value drawn (diverged curves left out), but no higher
        than CLIP_OVER_START times the highest starting loss (a spike of one run flattened the
        others: it runs off the top, whole on the log scale, which spans every curve)."""
        fit_x = self.fit_x
        if self._shown() == "fit":
            # the samples' range: a curve far off runs out of the picture, the data stays readable
            y = np.asarray(self.worker.comparison.dataset.y_train, dtype=float)[:, 0]
            for item in self.plots:
                item.setRange(xRange=(fit_x[0], fit_x[-1]), yRange=(float(y.min()), float(y.max())), padding=0.08)
            return
        if self._shown() == "accuracy":
            low, top = 0.0, 100.0
        else:
            top = max((t.top for t in self.tracks), default=0.0) or 1.0
            starts = [t.start for t in self.tracks if math.isfinite(t.start) and t.start > 0]
            low = 0.0
            if self._log():
                bottom = min((t.bottom for t in self.tracks), default=math.inf)
                low, top = (math.log10(bottom), math.log10(top)) if math.isfinite(bottom) else (-1.0, 1.0)
            elif starts:
                top = min(top, CLIP_OVER_START * max(starts))
        for item in self.plots:
            item.setRange(xRange=(0, self.iterations), yRange=(low, top), padding=0.02)

    def _redraw(self) -> None:
        if not self.variants:
            return
        self._build_plots()
        for i in range(len(self.variants)):
            self._draw(i)
        self._fit_ranges()

    def _draw(self, i: int) -> None:
        track = self.tracks[i]
        shown = self._shown()
        if shown == "fit":
            x, y = (self.fit_x, track.fit) if track.fit is not None else ((), ())
        elif shown == "loss":
            x, y = track.x, track.loss
        else:
            x, y = track.eval_x, 100.0 * np.asarray(track.accuracy, dtype=float)
        y = np.asarray(y, dtype=float)
        self.curves[i].setData(np.asarray(x, dtype=float), np.where(np.isfinite(y), y, np.nan), connect="finite")
        if self.train_curves[i] is not None:
            self.train_curves[i].setData(np.asarray(x, dtype=float), 100.0 * np.asarray(track.train_accuracy),
                                         connect="finite")

    def _refresh(self) -> None:
        if self.worker is None:
            return
        batch = self.worker.take()
        touched = set()
        for p in batch:
            self.tracks[p.index].add(p)
            touched.add(p.index)
        for i in touched:
            self._draw(i)
            self._fill_row(i)
        if touched:
            self._fit_ranges()
        done = sum(min(t.x[-1] if t.x else 0, self.iterations) if t.outcome is None else self.iterations
                   for t in self.tracks)
        self.progress.setValue(round(1000 * done / max(1, self.iterations * len(self.tracks))))
        ended = sum(t.outcome is not None for t in self.tracks)
        if self.tracks and (batch or self.running):
            split = _tr("validation") if self.worker.eval_split == "validation" else _tr("test")
            text = (_tr("{0} of {1} variants done; losses on the {2} split.") if self.regression else
                    _tr("{0} of {1} variants done; accuracy on the {2} split."))
            text = text.format(ended, len(self.tracks), split)
            if self.worker.eval_split != "validation":
                # the book tunes on validation data: settings picked by the test data flatter it
                text += " " + _tr("Settings chosen by their test results flatter them: a validation ratio in "
                                  "the Data Set panel has them judged on validation data instead.")
            self.status.setText(text)
            self._offer("accuracy", not self.regression)
            self._offer("fit", self.fit_x is not None)
        if touched and self.random:
            self._draw_search()

    def _offer(self, quantity: str, offered: bool) -> None:
        """A quantity the data has not (regression has no accuracy; only a function of one
        variable has a fitted curve) is greyed out, and the loss shown instead."""
        item = self.quantity.model().item(self.quantity.findData(quantity))
        if item.isEnabled() != offered:
            item.setEnabled(offered)
            if not offered and self.quantity.currentData() == quantity:
                self.quantity.setCurrentIndex(self.quantity.findData("loss"))

    def _shown(self) -> str:
        """What the plots show: the chosen quantity, or the loss where the data has not that."""
        chosen = self.quantity.currentData()
        return "loss" if chosen == "fit" and self.fit_x is None else chosen

    @property
    def fit_x(self) -> np.ndarray | None:
        """The inputs the fitted curves are drawn along (None: not a function of one variable)."""
        comparison = self.worker.comparison if self.worker is not None else None
        return comparison.fit_x if comparison is not None else None

    def _finished(self) -> None:
        self._refresh()
        self.timer.stop()
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        err = self.worker.error if self.worker is not None else None
        if err is not None:                    # nothing was trained: no rows, curves or files
            self.status.setText(describe_error(err))
            self.table.setRowCount(0)
            self.canvas.clear()
            for b in (self.save_png_button, self.csv_button):
                b.setEnabled(False)
            return
        self.progress.setValue(self.progress.maximum() if all(t.outcome for t in self.tracks) else self.progress.value())
        self.table.setSortingEnabled(True)
        best = self.best_variant()
        if best is not None:
            o = self.tracks[best].outcome
            best_text = (_tr("Best: {0} ({1:.1%}).").format(self.variant_label(best), o.eval_accuracy)
                         if self.regression is False else
                         _tr("Best: {0} (loss {1:.4g}).").format(self.variant_label(best), o.eval_loss))
            self.status.setText(self.status.text() + " " + best_text)

    @property
    def regression(self) -> bool:
        """Whether the data set has no classes (no accuracy: variants are judged by loss)."""
        return self.worker is not None and self.worker.task == "regression"

    def scores(self) -> dict[int, float]:
        """Each finished variant's score on the evaluation split, higher is better: its
        accuracy, or for regression its loss turned round (0 the worst, 1 the best)."""
        done = {i: t.outcome for i, t in enumerate(self.tracks) if t.outcome is not None}
        if not self.regression:
            return {i: o.eval_accuracy for i, o in done.items() if o.eval_accuracy is not None}
        losses = {i: o.eval_loss for i, o in done.items() if o.eval_loss is not None and math.isfinite(o.eval_loss)}
        if not losses:
            return {}
        lo, hi = min(losses.values()), max(losses.values())
        return {i: 1.0 - (v - lo) / (hi - lo) if hi > lo else 1.0 for i, v in losses.items()}

    def best_variant(self) -> int | None:
        """The variant with the best score (the first of equals); None before any has one."""
        scored = self.scores()
        return max(scored, key=lambda i: (scored[i], -i)) if scored else None

    # ------------------------------------------------------------------ the table
    def _build_table(self) -> None:
        knobs = list(dict.fromkeys(k for v in self.variants for k, _ in v.values))
        self.table_knobs = knobs
        split = _tr("validation") if self.main.doc.section("dataset").get("validation_ratio") else _tr("test")
        headers = [knob_titles().get(k, k) for k in knobs] + [
            _tr("updates"), _tr("seconds"), _tr("training loss"), _tr("training accuracy (%)"),
            _tr("{0} loss").format(split), _tr("{0} accuracy (%)").format(split), _tr("state")]
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels([header_lines(h) for h in headers])
        self.table.setRowCount(len(self.variants))
        for i, v in enumerate(self.variants):
            values = dict(v.values)
            for c, k in enumerate(knobs):
                v = values.get(k)
                self.table.setItem(i, c, _cell(value_title(k, v) if C.KNOBS[k].kind == "choice" else v))
            self._fill_row(i)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

    def _fill_row(self, i: int) -> None:
        """Variant i's numbers (the table is unsorted while training: row i is variant i)."""
        o = self.tracks[i].outcome
        base = len(self.table_knobs)
        numbers = ([o.iterations, o.seconds, o.train_loss, percent(o.train_accuracy), o.eval_loss,
                    percent(o.eval_accuracy)]
                   if o is not None else [self.tracks[i].x[-1] if self.tracks[i].x else 0] + [None] * 5)
        for c, n in enumerate(numbers):
            self.table.setItem(i, base + c, _cell(n))
        self.table.setItem(i, base + 6, QTableWidgetItem(endings()[C.ending(o)]))

    # ------------------------------------------------------------------ the search
    def _draw_search(self) -> None:
        """Where each finished trial landed: its two drawn values (or its one value and its
        accuracy), coloured by the accuracy; the best one starred. A seed drawn beside other
        settings is not an axis: it only says which weights a trial started from."""
        names = [k for k, _ in self.variants[0].values]
        names = [k for k in names if k != "seed"] or names
        titles = knob_titles()
        plot = self.scatter_plot.getPlotItem()
        two = len(names) > 1
        plot.setLabel("bottom", titles.get(names[0], names[0]), color=TEXT_COLOR)
        quality = _tr("loss") if self.regression else _tr("accuracy (% correct)")
        plot.setLabel("left", titles.get(names[1], names[1]) if two else quality, color=TEXT_COLOR)
        plot.setLogMode(x=C.KNOBS[names[0]].log, y=two and C.KNOBS[names[1]].log)
        xs, ys, brushes, best_at = [], [], [], []
        scores, best, colormap = self.scores(), self.best_variant(), magnitude_map()
        for i, score in scores.items():
            o = self.tracks[i].outcome
            values = dict(self.variants[i].values)
            xs.append(values[names[0]])
            ys.append(values[names[1]] if two else (o.eval_loss if self.regression else percent(o.eval_accuracy)))
            brushes.append(pg.mkBrush(colormap.map(score, mode="qcolor")))
            if i == best:
                best_at = [(xs[-1], ys[-1])]
        self.scatter.setData(xs, ys, symbolBrush=brushes)
        self.best.setData([p[0] for p in best_at], [p[1] for p in best_at])

    # ------------------------------------------------------------------ saving
    def _save_csv(self) -> None:
        self._save(_tr("Export CSV"), _tr("CSV table (*.csv)"), ".csv", self.write_csv)

    def _save_png(self) -> None:
        self._save(_tr("Save Picture"), _tr("PNG image (*.png)"), ".png", self.write_png)

    def write_csv(self, path: str) -> None:
        C.save_results(path, self.variants, self._outcomes())

    def write_png(self, path: str) -> None:
        """The curves as they are shown, written atomically."""
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self.canvas.grab().save(buffer, "PNG")
        write_file_atomically(Path(path), bytes(buffer.data()), FileFormatError)

    def _outcomes(self) -> dict[int, C.Outcome]:
        return {i: t.outcome for i, t in enumerate(self.tracks) if t.outcome is not None}

    def _save(self, caption: str, filt: str, suffix: str, write) -> None:
        path = ask_save_path(self, caption, filt, suffix)
        if path is not None:
            self.save_to(path, write, caption)

    def save_to(self, path: str, write, caption: str) -> bool:
        try:
            write(path)
        except FileFormatError as err:
            self.show_warning(caption, file_error_text(err))
            return False
        self.status.setText(_tr("Saved {0}").format(path))
        return True


class _NumberItem(QTableWidgetItem):
    """A cell showing a number to four digits that sorts by its value."""

    def __init__(self, value: float) -> None:
        super().__init__(f"{value:.4g}" if isinstance(value, float) else str(value))
        self.value = float(value)
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, _NumberItem):
            return self.value < other.value
        return True              # numbers before empty cells


class CompactHeader(QHeaderView):
    """A table's column titles with room for one sort arrow. Qt widens every column by the
    header's whole height plus a margin for the arrow; the style takes less from the sorted
    column's title (the common styles: half the height and two margins), and for titles of
    two or three lines the difference is some 20 px a column. Each column is made as wide as
    its longest line needs beside the arrow, as the style lays it out, never wider than Qt's."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionsClickable(True)         # as the table's own header: a click sorts
        self.setHighlightSections(True)

    def title_room(self, logical_index: int, size: QSize) -> int:
        """The width the style leaves for the title of a sorted column of this size."""
        opt = QStyleOptionHeader()
        self.initStyleOption(opt)
        opt.section = logical_index
        opt.rect = QRect(0, 0, size.width(), size.height())
        opt.sortIndicator = QStyleOptionHeader.SortIndicator.SortDown
        return self.style().subElementRect(QStyle.SubElement.SE_HeaderLabel, opt, self).width()

    def title_width(self, logical_index: int) -> int:
        """The longest line of the title, in bold (Qt sizes sections for a highlighted title)."""
        font = QFont(self.font())
        font.setBold(True)
        metrics = QFontMetrics(font)
        title = str(self.model().headerData(logical_index, Qt.Orientation.Horizontal) or "")
        return max(metrics.horizontalAdvance(line) for line in title.split("\n"))

    def sectionSizeFromContents(self, logical_index: int) -> QSize:  # noqa: N802 (Qt's name)
        size = super().sectionSizeFromContents(logical_index)
        if self.isSortIndicatorShown():
            arrow = size.width() - self.title_room(logical_index, size)
            size.setWidth(min(size.width(), self.title_width(logical_index) + arrow + 2))
        return size


#: wide enough for the results of a random search over two settings with a seed drawn for each
#: trial (ten columns) beside the plan, within a 1280 px screen
DEFAULT_SIZE = (1180, 640)
HEADER_LINE = 9     # column titles go on lines of about this many characters, broken at spaces


def header_lines(title: str) -> str:
    """A long column title on several short lines, broken at spaces: on one line each, the
    columns of a two-setting comparison needed a sideways scroll in a 1100 px window."""
    return "\n".join(textwrap.wrap(title, HEADER_LINE, break_long_words=False)) or title


def percent(share: float | None) -> float | None:
    """An accuracy as the percentage every other view shows."""
    return None if share is None else 100.0 * share


def _cell(v: Any) -> QTableWidgetItem:
    if v is None:
        return QTableWidgetItem("")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _NumberItem(v)
    return QTableWidgetItem(str(v))


def open_compare_window(window) -> CompareWindow:
    """The window's comparison window, made once and shown again."""
    dialog = getattr(window, "compare_window", None)
    if dialog is None:
        dialog = window.compare_window = CompareWindow(window)
    # a project counted in iterations (the book's race: 2000) gives the variants its count
    iterations = window.doc.section("training").get("iterations")
    if iterations is not None and not dialog.running:
        dialog.updates.setValue(min(iterations, dialog.updates.maximum()))
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog

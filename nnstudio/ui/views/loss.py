"""View 1: the loss falling, per iteration (raw and smoothed) and per epoch."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton

from nnstudio.engine.series import BoundedSeries, Ema

from ..export import joined, no_data
from .base import (IterationAxis, LegendAbove, SteadyRange, View, make_plot, message_item, run_smoothing,
                   set_markers)
from ..palette import DIM_COLOR, RAW_COLOR, TEST_COLOR, TRAIN_COLOR
from ..run_names import differing, run_name, run_settings

CAPACITY = 3000          # points kept per curve, however long the run
EPOCH_CAPACITY = 1000
MAX_EARLIER_RUNS = 3
EARLIER_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine)
SMOOTHING = 0.9         # share of the running average kept per iteration
FLOOR = 1e-12            # losses are clipped here so a log axis never sees 0


def smoothing_for(trainer) -> float:
    """The smoothed curve's weight for a run: SMOOTHING, less in a short run (see
    base.run_smoothing), none in full-batch learning (every update sees the same batch: there
    is no noise)."""
    return run_smoothing(SMOOTHING, trainer.total_iterations, full_batch=trainer.batch_size >= len(trainer.x_train))


def _positive(y: np.ndarray) -> np.ndarray:
    return np.maximum(y, FLOOR)


class LossView(View):
    EXPORT_NAME = "Loss"
    min_interval = 0.2
    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, parent)
        self._optimizer_name, self._lrs, self._updated = "", (0.0, 0.0), False
        self._settings: dict[str, str] = {}      # this run's (run_names.run_settings)
        self._penalty: float | None = None       # the newest weight penalty (weight decay, L1)
        self._told_apart: list[str] = []         # the settings that differ from the earlier runs'
        self.raw = BoundedSeries(CAPACITY)
        self.smooth = BoundedSeries(CAPACITY)
        self.train_epoch = BoundedSeries(EPOCH_CAPACITY)
        self.test_epoch = BoundedSeries(EPOCH_CAPACITY)
        self._ema = Ema(SMOOTHING)
        self.earlier: list[pg.PlotDataItem] = []
        self._earlier_count = 0

        self.plot = make_plot(self.tr("loss"), self.tr("iteration (parameter updates)"), log_y=True)
        self.plot.getPlotItem().setLogMode(y=False)      # linear until "log scale" is ticked
        item = self.plot.getPlotItem()
        self.x_axis = IterationAxis(item.getViewBox())
        self.y_range = SteadyRange(item.getViewBox())
        # above the data: inside, it covered the newest points at the right
        self.legend_above = LegendAbove(item, labelTextColor="#202020", brush=None)
        self.legend = self.legend_above.legend
        self.raw_curve = item.plot(pen=pg.mkPen(RAW_COLOR, width=1), name=self.tr("each batch"))
        self.smooth_curve = item.plot(pen=pg.mkPen(TRAIN_COLOR, width=2), name=self.tr("smoothed"))
        self.train_curve = item.plot(pen=pg.mkPen(TRAIN_COLOR, width=1, style=pg.QtCore.Qt.PenStyle.DashLine),
                                     symbol="o", symbolSize=7, symbolBrush=TRAIN_COLOR, symbolPen=None,
                                     name=self.tr("training set, per epoch"))
        self.test_curve = item.plot(pen=pg.mkPen(TEST_COLOR, width=1, style=pg.QtCore.Qt.PenStyle.DashLine),
                                    symbol="t", symbolSize=9, symbolBrush=TEST_COLOR, symbolPen=None,
                                    name=self.tr("test set, per epoch"))
        for c in (self.raw_curve, self.smooth_curve):
            c.setClipToView(True)           # downsampled to the pixels (IterationAxis.fit_curves)
        self.legend_above.fit()
        self.message = message_item(item)
        self.message.setText(self.tr("Press Play to train: the loss appears here."))
        self.body.addWidget(self.plot, 1)

        row = QHBoxLayout()
        self.log_box = QCheckBox(self.tr("log scale"), self)
        self.log_box.toggled.connect(self._set_log)
        self.readout = QLabel("", self)
        self.clear_button = QPushButton(self.tr("Clear earlier runs"), self)
        self.clear_button.clicked.connect(self.clear_earlier_runs)
        self.clear_button.setEnabled(False)
        row.addWidget(self.log_box)
        row.addWidget(self.readout, 1)
        row.addWidget(self.clear_button)
        self.body.addLayout(row)
        self._mouse = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved)

    def title(self) -> str:
        return self.tr("Loss")

    def caption(self) -> str:
        return self.tr("How wrong the network is after each update (pale), smoothed (blue), and per epoch on the "
                       "whole sets. Test loss rising while training loss falls means overfitting.")

    def details(self) -> str:
        return self.tr("How wrong the network is, after each update (pale), smoothed (blue) and over whole "
                       "sets at each epoch's end. Look for a curve that falls and levels off; a test "
                       "loss rising while the training loss falls means overfitting. Earlier runs stay "
                       "in grey after a reset, for comparison. With weight decay or L1 every curve is the "
                       "data loss: the weight penalty is left out, as the per-epoch losses on the whole "
                       "sets leave it out.")

    def export_targets(self) -> list:
        return [self.plot.getPlotItem()]

    def table_for(self, target):
        """One row per iteration: the batch loss, its smoothed curve, the per-epoch losses on the
        whole sets (at an epoch's last iteration) and the earlier runs' smoothed curves; all of
        them the data loss, without a weight penalty. With a penalty the batch columns are named
        data_loss, as in the run's iterations.csv, whose "loss" includes it."""
        if target is not self.plot.getPlotItem():
            return None
        if not len(self.raw) and not self.earlier:
            raise no_data()
        batch = "data_loss" if self._penalty is not None else "loss"
        series = [(batch, *self.raw.arrays()), (f"{batch}_smoothed", *self.smooth.arrays()),
                  ("train_loss", *self.train_epoch.arrays()), ("test_loss", *self.test_epoch.arrays())]
        for k, curve in enumerate(self.earlier, start=1):
            series.append((f"earlier_run_{k}_loss_smoothed", *curve.getOriginalDataset()))
        return joined("iteration", series)

    # ------------------------------------------------------------------ data
    def start_run(self, session) -> None:
        settings = run_settings(session.project)
        if len(self.smooth):
            # named by what was changed for the new run (the batch size, the gradients, λ, …)
            changed = differing(self._settings, settings)
            self._keep_as_earlier_run(changed)
            self._told_apart = list(dict.fromkeys([*self._told_apart, *changed]))
        self._settings = settings
        for s in (self.raw, self.smooth, self.train_epoch, self.test_epoch):
            s.clear()
        self._ema = Ema(smoothing_for(session.trainer))
        self.readout.setText("")               # the earlier run's last loss is not this run's
        self._penalty = None
        self._optimizer_name = session.project.optimizer.name
        self._lrs = (session.project.optimizer.lr,) * 2     # (first, last) the run's updates used
        self._updated = False
        self.x_axis.start(session.trainer)
        self.y_range.forget()

    def _describe(self, keys, this_run: bool = False) -> str:
        """The legend entry of the run being kept, or (``this_run``) of the running one's smoothed
        curve beside earlier runs: its rule, the learning rate its updates used (changed while
        it ran: the first and the last) and its settings under ``keys``."""
        first, last = self._lrs
        rule = (self.tr("{0}, lr {1:g}").format(self._optimizer_name, first) if first == last
                else self.tr("{0}, lr {1:g} → {2:g}").format(self._optimizer_name, first, last))
        run = run_name(rule, self._settings, keys)
        return (self.tr("smoothed, this run: {0}") if this_run else self.tr("earlier run: {0}")).format(run)

    def _name_this_run(self) -> None:
        """Beside earlier runs the smoothed curve says which run it is, as theirs do."""
        text = self._describe(self._told_apart, this_run=True) if self.earlier else self.tr("smoothed")
        label = self.legend.getLabel(self.smooth_curve)
        if label is not None and label.text != text:
            label.setText(text)
            self.legend_above.fit()

    def _keep_as_earlier_run(self, keys) -> None:
        x, y = self.smooth.arrays()
        # grey for every earlier run, told apart by the dash pattern
        style = EARLIER_STYLES[self._earlier_count % len(EARLIER_STYLES)]
        self._earlier_count += 1
        curve = pg.PlotDataItem(x, _positive(y), pen=pg.mkPen(DIM_COLOR, width=2, style=style),
                                name=self._describe(keys))
        curve.setZValue(-10)
        self.plot.getPlotItem().addItem(curve)
        self.earlier.append(curve)
        while len(self.earlier) > MAX_EARLIER_RUNS:
            old = self.earlier.pop(0)
            self.plot.getPlotItem().removeItem(old)
        self.legend_above.fit()
        self.clear_button.setEnabled(True)

    def clear_earlier_runs(self) -> None:
        for c in self.earlier:
            self.plot.getPlotItem().removeItem(c)
        self.earlier.clear()
        self._told_apart = []
        self._name_this_run()
        self.legend_above.fit()
        self.clear_button.setEnabled(False)

    def ingest(self, batch) -> bool:
        if batch:
            first = batch[0].lr if not self._updated else self._lrs[0]
            self._lrs, self._updated = (first, batch[-1].lr), True
        for s in batch:
            # the data loss, as on the whole sets at an epoch's end: with λ = 0.1 the penalty
            # made the batches' curve 30 times the training set's loss on the same data
            loss = s.data_loss if math.isfinite(s.data_loss) else s.loss
            if s.loss != loss:
                self._penalty = s.loss - loss
            self.raw.append(s.iteration, loss)
            self.smooth.append(s.iteration, self._ema.update(loss))
            if s.train_loss is not None:
                self.train_epoch.append(s.iteration, s.train_loss)
            if s.test_loss is not None:
                self.test_epoch.append(s.iteration, s.test_loss)
        return True

    def show_history(self, history) -> None:
        lrs = history.column("iterations", "lr")
        if len(lrs):              # the saved run is named by its own rates when it is kept
            self._lrs, self._updated = (float(lrs[0]), float(lrs[-1])), True
        total, data = history.column("iterations", "loss"), history.column("iterations", "data_loss")
        penalized = np.isfinite(data) & (total != data)
        if penalized.any():
            self._penalty = float((total - data)[penalized][-1])
        for iteration, loss in zip(history.column("iterations", "iteration"), np.where(np.isnan(data), total, data)):
            self.raw.append(iteration, loss)
            self.smooth.append(iteration, self._ema.update(loss))
        x = history.column("epochs", "iteration")
        for series, name in ((self.train_epoch, "train_loss"), (self.test_epoch, "test_loss")):
            for iteration, loss in zip(x, history.column("epochs", name)):
                if math.isfinite(loss):
                    series.append(iteration, loss)
        self.request_redraw()

    def redraw(self) -> None:
        ys = [_positive(c.yData) for c in self.earlier if c.yData is not None]
        for series, curve in ((self.raw, self.raw_curve), (self.smooth, self.smooth_curve),
                              (self.train_epoch, self.train_curve), (self.test_epoch, self.test_curve)):
            x, y = series.arrays()
            y = _positive(y)
            curve.setData(x, y)
            ys.append(y)
        if self.raw.last is not None:
            self.x_axis.follow(self.raw.last[0])
            ys = [y for y in ys if len(y)]         # a steady range over every curve shown
            self.y_range.fit(min(float(y.min()) for y in ys), max(float(y.max()) for y in ys),
                             log=self.log_box.isChecked())
            self.x_axis.fit_curves([(self.raw_curve, 1.0, "peak"),              # the noise's envelope
                                    (self.smooth_curve, 0.5, "subsample")])
        set_markers(self.train_curve, "o", len(self.train_epoch))
        set_markers(self.test_curve, "t", len(self.test_epoch))
        self._name_this_run()
        raw = self.tr("each batch, without the weight penalty") if self._penalty is not None else self.tr("each batch")
        label = self.legend.getLabel(self.raw_curve)
        if label is not None and label.text != raw:
            label.setText(raw)
            self.legend_above.fit()
        self.message.setVisible(len(self.raw) == 0)       # (it keeps itself centred)
        if self.raw.last is not None:
            it, loss = self.raw.last
            if not self.readout.property("hovering"):
                text = self.tr("iteration {0}: loss {1:.4g}").format(int(it), loss)
                if self._penalty is not None:
                    text += self.tr(" (+ weight penalty {0:.4g})").format(self._penalty)
                self.readout.setText(text)

    # ------------------------------------------------------------------ interaction
    def _set_log(self, on: bool) -> None:
        self.plot.getPlotItem().setLogMode(y=on)
        # pyqtgraph turns auto-range back on with a new log mode: both axes anew
        self.y_range.forget()
        self.x_axis.forget()
        self.request_redraw()

    def _mouse_moved(self, args) -> None:
        pos = args[0]
        vb = self.plot.getPlotItem().getViewBox()
        if not self.plot.sceneBoundingRect().contains(pos) or len(self.raw) == 0:
            self.readout.setProperty("hovering", False)
            return
        x_at = vb.mapSceneToView(pos).x()
        xs, ys = self.raw.arrays()
        i = int(np.clip(np.searchsorted(xs, x_at), 0, len(xs) - 1))
        if i > 0 and abs(xs[i - 1] - x_at) < abs(xs[i] - x_at):
            i -= 1
        _, sm = self.smooth.arrays()
        self.readout.setProperty("hovering", True)
        self.readout.setText(self.tr("iteration {0}: loss {1:.4g} (smoothed {2:.4g})")
                             .format(int(xs[i]), ys[i], sm[min(i, len(sm) - 1)]))

"""View 2: accuracy on the training and test sets at each epoch's end."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtWidgets import QLabel

from nnstudio.engine.series import BoundedSeries

from ..export import joined, no_data
from .base import View, make_plot, message_item, set_markers
from ..palette import TEST_COLOR, TRAIN_COLOR

EPOCH_CAPACITY = 1000
FLOOR_STEP = 10.0    # the axis starts at a multiple of this, at or below the lowest accuracy


def epoch_position(snap) -> float:
    """Where an evaluation sits on the epoch axis: an epoch's end at its number, the end of a
    run of iterations inside an epoch at the share of it done (2.4: 2 of 5 updates into the
    third)."""
    if snap.step_in_epoch >= snap.steps_per_epoch:
        return float(snap.epoch)
    return snap.epoch - 1 + snap.step_in_epoch / snap.steps_per_epoch


def history_positions(epochs, iterations, steps: int | None) -> list[float]:
    """epoch_position for a saved run's rows (epoch, iteration): a row fewer than ``steps``
    updates after the epoch before it is a run of iterations that ended inside an epoch."""
    out, before = [], (0, 0)
    for epoch, iteration in zip(epochs, iterations):
        done = iteration - before[1] if epoch == before[0] + 1 else steps
        out.append(float(epoch) if not steps or done >= steps else epoch - 1 + done / steps)
        before = (epoch, iteration)
    return out


class AccuracyView(View):
    EXPORT_NAME = "Accuracy"
    min_interval = 0.3
    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, parent)
        self.train = BoundedSeries(EPOCH_CAPACITY)
        self.test = BoundedSeries(EPOCH_CAPACITY)
        self.classification = True
        self.plot = make_plot(self.tr("accuracy (% correct)"), self.tr("epoch"))
        item = self.plot.getPlotItem()
        item.addLegend(offset=(-10, -10), labelTextColor="#202020", brush=(255, 255, 255, 200))
        self.train_curve = item.plot(pen=pg.mkPen(TRAIN_COLOR, width=2), symbol="o", symbolSize=7,
                                     symbolBrush=TRAIN_COLOR, symbolPen=None, name=self.tr("training set"))
        self.test_curve = item.plot(pen=pg.mkPen(TEST_COLOR, width=2, style=pg.QtCore.Qt.PenStyle.DashLine),
                                    symbol="t", symbolSize=9, symbolBrush=TEST_COLOR, symbolPen=None,
                                    name=self.tr("test set"))
        self._set_floor(0.0)
        item.getViewBox().setLimits(yMin=-8, yMax=108)
        item.enableAutoRange(axis="y", enable=False)
        self.message = message_item(item)
        self.body.addWidget(self.plot, 1)
        self.readout = QLabel("", self)
        self.body.addWidget(self.readout)
        self._set_message()

    def title(self) -> str:
        return self.tr("Accuracy")

    def caption(self) -> str:
        return self.tr("Share of samples classified correctly after each epoch: training set (blue), unseen test "
                       "set (orange). A growing gap means memorising, not learning.")

    def details(self) -> str:
        return self.tr("The share of samples the network classifies correctly, measured on the whole "
                       "training set (blue) and on the unseen test set (orange) after every epoch. A widening "
                       "gap between the two means the network memorises instead of generalising.")

    def export_targets(self) -> list:
        return [self.plot.getPlotItem()]

    def table_for(self, target):
        """One row per epoch: the accuracy in percent on the training and test sets."""
        if target is not self.plot.getPlotItem():
            return None
        if not len(self.train) and not len(self.test):
            raise no_data()
        return joined("epoch", [("train_accuracy_percent", *self.train.arrays()),
                                ("test_accuracy_percent", *self.test.arrays())])

    def start_run(self, session) -> None:
        self.train.clear()
        self.test.clear()
        self.classification = session.dataset.task == "classification"

    def ingest(self, batch) -> bool:
        changed = False
        for s in batch:
            if s.train_accuracy is not None:
                self.train.append(epoch_position(s), 100.0 * s.train_accuracy)
                changed = True
            if s.test_accuracy is not None:
                self.test.append(epoch_position(s), 100.0 * s.test_accuracy)
                changed = True
        return changed

    def show_history(self, history) -> None:
        steps = self.session.trainer.steps_per_epoch if self.session is not None else None
        epochs = history_positions(history.column("epochs", "epoch").astype(int),
                                   history.column("epochs", "iteration").astype(int), steps)
        for series, name in ((self.train, "train_accuracy"), (self.test, "test_accuracy")):
            for epoch, accuracy in zip(epochs, history.column("epochs", name)):
                if math.isfinite(accuracy):
                    series.append(epoch, 100.0 * accuracy)
        self.request_redraw()

    def _set_message(self) -> None:
        if not self.classification:
            text = self.tr("Accuracy is for classification. This data set asks for numbers\n"
                           "(regression): watch the loss instead.")
        elif len(self.train) == 0 and len(self.test) == 0:
            trainer = self.session.trainer if self.session is not None else None
            if trainer is not None and trainer.total_iterations < trainer.steps_per_epoch:
                text = self.tr("Accuracy appears at the end of the run.")      # shorter than an epoch
            else:
                text = self.tr("Accuracy appears at the end of the first epoch.")
        else:
            text = ""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        vb = self.plot.getPlotItem().getViewBox()
        self.message.setPos(vb.viewRect().center())

    def _set_floor(self, floor: float) -> None:
        """The axis runs from floor to 100, with a margin of 7% at each end that keeps the end
        labels inside a short docked plot."""
        margin = 0.07 * (100.0 - floor)
        self.plot.getPlotItem().setYRange(floor - margin, 100.0 + margin, padding=0)

    def redraw(self) -> None:
        lowest = 0.0 if not (len(self.train) or len(self.test)) else 100.0
        for series, curve in ((self.train, self.train_curve), (self.test, self.test_curve)):
            x, y = series.arrays()
            curve.setData(x, y)
            if len(y):
                lowest = min(lowest, float(y.min()))
        # from the ten at or below the lowest point shown: MNIST's 92 % to 98 % is a climb, not a
        # flat line at the top (an empty plot spans 0 to 100)
        self._set_floor(max(0.0, FLOOR_STEP * math.floor((lowest - 0.5) / FLOOR_STEP)))
        set_markers(self.train_curve, "o", len(self.train))
        set_markers(self.test_curve, "t", len(self.test))
        if len(self.train):
            last = max(1, math.ceil(self.train.last[0]))     # a run ended inside an epoch: that epoch
            self.plot.getPlotItem().setXRange(0.5, last + 0.5, padding=0)
            axis = self.plot.getPlotItem().getAxis("bottom")
            axis.setTicks([[(e, str(e)) for e in range(1, last + 1)]] if last <= 20 else None)
        self._set_message()
        parts = []
        if self.train.last:
            parts.append(self.tr("epoch {0}: training {1:.1f}%").format(f"{round(self.train.last[0], 2):g}",
                                                                         self.train.last[1]))
        if self.test.last:
            parts.append(self.tr("test {0:.1f}%").format(self.test.last[1]))
        self.readout.setText(", ".join(parts))

"""View 6: random inputs in [-10, 10] as bars, beside the same inputs through activation
functions (CURRICULUM §2). Independent of training."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox

from nnstudio.engine.analysis import BAR_RANGE, activation_bars

from .base import View, grid_axes, grid_columns, style_plot_item
from ..palette import BACKGROUND, NEGATIVE_COLOR, POSITIVE_COLOR

ALWAYS = ("step", "sigmoid", "relu")
OPTIONAL = ("tanh", "leaky_relu", "identity", "softmax")
NEGATIVE, POSITIVE = pg.mkBrush(NEGATIVE_COLOR), pg.mkBrush(POSITIVE_COLOR)
PANEL_ASPECT = 1.6        # preferred width / height of one panel


class ActivationBarsView(View):
    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, parent)
        self.inputs = np.zeros(0)
        self.outputs: dict[str, np.ndarray] = {}
        self.panels: dict[str, tuple[pg.PlotItem, pg.BarGraphItem]] = {}
        self.columns = 2

        # the settings sit in a narrow column beside the panels, leaving them the full height
        side = QFormLayout()
        side.setContentsMargins(0, 0, 0, 0)
        self.count = QSpinBox(self)
        self.count.setRange(1, 200)
        self.count.setValue(20)
        self.count.setToolTip(self.tr("How many random inputs"))
        side.addRow(self.tr("Inputs:"), self.count)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip(self.tr("The same seed gives the same inputs"))
        side.addRow(self.tr("Seed:"), self.seed)
        self.again = QPushButton(self.tr("New inputs"), self)
        self.again.clicked.connect(lambda: self.seed.setValue(self.seed.value() + 1))
        side.addRow(self.again)
        side.addRow(QLabel(self.tr("Also show:"), self))
        boxes = QGridLayout()
        self.extra: dict[str, QCheckBox] = {}
        for k, name in enumerate(OPTIONAL):
            box = QCheckBox(name, self)
            box.toggled.connect(self._rebuild)
            self.extra[name] = box
            boxes.addWidget(box, k // 2, k % 2)
        side.addRow(boxes)
        self.same_scale = QCheckBox(self.tr("One scale for all"), self)
        self.same_scale.setChecked(True)
        self.same_scale.setToolTip(self.tr("Every panel on the inputs' scale, so the output ranges compare at a "
                                           "glance; untick to let each panel fill its height"))
        self.same_scale.toggled.connect(lambda _on: self.request_redraw())
        side.addRow(self.same_scale)
        row = QHBoxLayout()
        row.addLayout(side)
        self.canvas = pg.GraphicsLayoutWidget(self)
        self.canvas.setBackground(BACKGROUND)
        row.addWidget(self.canvas, 1)
        self.body.addLayout(row, 1)
        self.count.valueChanged.connect(self._recompute)
        self.seed.valueChanged.connect(self._recompute)
        self._rebuild()

    def title(self) -> str:
        return self.tr("Activation functions")

    def caption(self) -> str:
        return self.tr("Random inputs in [−10, 10] (first panel) and the same inputs through each activation: step"
                       " and sigmoid squeeze into 0…1, ReLU keeps positives and zeroes negatives.")

    def details(self) -> str:
        return self.tr("Random inputs between −10 and 10 (first panel) and the same inputs passed through each "
                       "activation function, bar by bar. Step and sigmoid squeeze every input into 0…1, while "
                       "ReLU keeps positive inputs as they are and sets negative ones to 0. With one scale for all panels, "
                       "ReLU's bars reach as high as the inputs, while step and sigmoid never pass 1.")

    def export_targets(self) -> list:
        return [plot for plot, _ in self.panels.values()]

    def names(self) -> list[str]:
        return list(ALWAYS) + [n for n in OPTIONAL if self.extra[n].isChecked()]

    def _rebuild(self) -> None:
        self.canvas.clear()
        self.panels = {}
        panels = ["input"] + self.names()
        columns = self.columns = self._columns_for(len(panels))
        last_row = (len(panels) - 1) // columns
        for k, name in enumerate(panels):
            if k and k % columns == 0:
                self.canvas.nextRow()
            plot = self.canvas.addPlot(axisItems=grid_axes())     # the cheap opaque grid
            style_plot_item(plot, self.tr("value") if k % columns == 0 else "",
                            self.tr("input number") if k // columns == last_row else "")
            bars = pg.BarGraphItem(x=[], height=[], width=0.7)
            plot.addItem(bars)
            self.panels[name] = (plot, bars)
        self._recompute()

    def _columns_for(self, n: int) -> int:
        return grid_columns(n, self.canvas.width(), self.canvas.height(), PANEL_ASPECT)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self._columns_for(len(self.panels)) != self.columns:
            self._rebuild()

    def _recompute(self) -> None:
        self.inputs, self.outputs = activation_bars(self.names(), self.count.value(), self.seed.value())
        self.request_redraw()

    def y_range(self, values: np.ndarray) -> tuple[float, float]:
        """A panel's y range: shared by every panel (the inputs' range, widened to hold every
        output) when "one scale" is ticked, else this panel's values with 0 and 1 in view."""
        if self.same_scale.isChecked():
            values = np.concatenate([self.inputs, *self.outputs.values(), BAR_RANGE])
            lo, hi = float(values.min()), float(values.max())
        else:
            lo, hi = min(float(values.min()), 0.0), max(float(values.max()), 1.0)
        pad = 0.12 * (hi - lo)    # room for the tick labels at both ends
        return lo - pad, hi + pad

    def redraw(self) -> None:
        x = np.arange(len(self.inputs))
        for name, (plot, bars) in self.panels.items():
            y = self.inputs if name == "input" else self.outputs[name]
            bars.setOpts(x=x, height=y, width=0.7, brushes=[POSITIVE if v >= 0 else NEGATIVE for v in y],
                         pens=[pg.mkPen(None)] * len(y))
            lo, hi = float(y.min()), float(y.max())
            if name == "input":
                title = self.tr("input: uniform in [{0:g}, {1:g}]").format(*BAR_RANGE)
            else:
                title = self.tr("{0}: outputs from {1:.3g} to {2:.3g}").format(name, lo, hi)
            plot.setYRange(*self.y_range(y), padding=0)
            plot.setTitle(title, color="#202020", size="9pt")
            plot.setXRange(-0.6, len(x) - 0.4, padding=0)

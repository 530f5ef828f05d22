"""View 6: random inputs in [-10, 10] as bars, beside the same inputs through activation
functions (CURRICULUM §2). Independent of training."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSpinBox

from nnstudio.engine.analysis import BAR_RANGE, activation_bars

from .base import View, style_plot_item
from .palette import BACKGROUND

ALWAYS = ("step", "sigmoid", "relu")
OPTIONAL = ("tanh", "leaky_relu", "identity", "softmax")
NEGATIVE, POSITIVE = pg.mkBrush("#2166AC"), pg.mkBrush("#E66101")
COLUMNS = 2


class ActivationBarsView(View):
    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, parent)
        self.inputs = np.zeros(0)
        self.outputs: dict[str, np.ndarray] = {}
        self.panels: dict[str, tuple[pg.PlotItem, pg.BarGraphItem]] = {}

        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Inputs:"), self))
        self.count = QSpinBox(self)
        self.count.setRange(1, 200)
        self.count.setValue(20)
        self.count.setToolTip(self.tr("How many random inputs"))
        row.addWidget(self.count)
        row.addWidget(QLabel(self.tr("Seed:"), self))
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip(self.tr("The same seed gives the same inputs"))
        row.addWidget(self.seed)
        self.again = QPushButton(self.tr("New inputs"), self)
        self.again.clicked.connect(lambda: self.seed.setValue(self.seed.value() + 1))
        row.addWidget(self.again)
        row.addStretch(1)
        self.body.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Also show:"), self))
        self.extra: dict[str, QCheckBox] = {}
        for name in OPTIONAL:
            box = QCheckBox(name, self)
            box.toggled.connect(self._rebuild)
            self.extra[name] = box
            row.addWidget(box)
        row.addStretch(1)
        self.body.addLayout(row)
        self.canvas = pg.GraphicsLayoutWidget(self)
        self.canvas.setBackground(BACKGROUND)
        self.body.addWidget(self.canvas, 1)
        self.count.valueChanged.connect(self._recompute)
        self.seed.valueChanged.connect(self._recompute)
        self._rebuild()

    def title(self) -> str:
        return self.tr("Activation functions")

    def caption(self) -> str:
        return self.tr("Random inputs between −10 and 10 (first panel) and the same inputs passed through each "
                       "activation function, bar by bar. Step and sigmoid squeeze every input into 0…1, while "
                       "ReLU keeps positive inputs as they are and sets negative ones to 0.")

    def export_targets(self) -> list:
        return [plot for plot, _ in self.panels.values()]

    def names(self) -> list[str]:
        return list(ALWAYS) + [n for n in OPTIONAL if self.extra[n].isChecked()]

    def _rebuild(self) -> None:
        self.canvas.clear()
        self.panels = {}
        panels = ["input"] + self.names()
        last_row = (len(panels) - 1) // COLUMNS
        for k, name in enumerate(panels):
            if k and k % COLUMNS == 0:
                self.canvas.nextRow()
            plot = self.canvas.addPlot()
            style_plot_item(plot, self.tr("value") if k % COLUMNS == 0 else "",
                            self.tr("input number") if k // COLUMNS == last_row else "")
            bars = pg.BarGraphItem(x=[], height=[], width=0.7)
            plot.addItem(bars)
            self.panels[name] = (plot, bars)
        self._recompute()

    def _recompute(self) -> None:
        self.inputs, self.outputs = activation_bars(self.names(), self.count.value(), self.seed.value())
        self.request_redraw()

    def redraw(self) -> None:
        x = np.arange(len(self.inputs))
        for name, (plot, bars) in self.panels.items():
            y = self.inputs if name == "input" else self.outputs[name]
            bars.setOpts(x=x, height=y, width=0.7, brushes=[POSITIVE if v >= 0 else NEGATIVE for v in y],
                         pens=[pg.mkPen(None)] * len(y))
            lo, hi = float(y.min()), float(y.max())
            if name == "input":
                title = self.tr("input: uniform in [{0:g}, {1:g}]").format(*BAR_RANGE)
                plot.setYRange(*BAR_RANGE, padding=0.05)
            else:
                title = self.tr("{0}: outputs from {1:.3g} to {2:.3g}").format(name, lo, hi)
                plot.setYRange(min(lo, 0.0), max(hi, 1.0), padding=0.08)
            plot.setTitle(title, color="#202020", size="9pt")
            plot.setXRange(-0.6, len(x) - 0.4, padding=0)

"""View: the update rules' paths on the book's surface f(x, y) = x²/20 + y², one panel each,
over its contour lines (CURRICULUM §6). Independent of training."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QBoxLayout, QCheckBox, QDoubleSpinBox, QGridLayout, QLabel, QSpinBox, QWidget

from nnstudio.engine.descent import BOOK_RATES, START, STEPS, level_ellipse, optimizer_path, surface
from nnstudio.engine.optimizers import RULES

from ..export import make_table
from ..palette import BACKGROUND, TEXT_COLOR
from .base import View, grid_axes, grid_columns, style_plot_item

SHOWN = ("sgd", "momentum", "adagrad", "adam")          # the book's four; the others on request
LEVELS = (0.1, 0.5, 1.5, 3.0, 5.0, 8.0, 12.0)         # contour lines f = level
X_RANGE, Y_RANGE = (-10.0, 10.0), (-5.0, 5.0)
CONTOUR_COLOR = "#B8B8B8"
# Okabe–Ito, no yellow; the four rules shown at first take four hues, the other two the rest
PATH_COLORS = {"sgd": "#D55E00", "momentum": "#0072B2", "adagrad": "#009E73", "adam": "#CC79A7",
               "nesterov": "#E69F00", "rmsprop": "#56B4E9"}
SIDE_WIDTH = 170
MIN_PANEL_WIDTH = 130     # a panel's axes and its label inside need about this much
SETTINGS_ABOVE = 640       # views narrower than this show the settings above the panels
PANEL_HEIGHT = 80         # a panel's preferred height (more when there is room)
PANEL_ASPECT = 2.2        # width / height a panel is laid out for: the surface is 20 wide, 10 high


def path_color(rule: str) -> str:
    """A rule's own colour, whichever rules are shown beside it (AdaGrad turned from green
    to pink when a rule before it was unticked)."""
    return PATH_COLORS[rule]


class DescentView(View):
    EXPORT_NAME = "Optimizer paths"
    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, parent)
        self.paths: dict[str, np.ndarray] = {}
        self.panels: dict[str, pg.PlotItem] = {}
        self.columns = 0

        # the settings: a column beside the panels, or rows above them in a narrow view
        self.side = QWidget(self)
        self.grid = QGridLayout(self.side)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setVerticalSpacing(2)     # as low as the other views: the bottom docks share a height
        self.steps_label = QLabel(self.tr("Steps:"), self.side)
        self.steps = QSpinBox(self.side)
        self.steps.setRange(1, 500)
        self.steps.setValue(STEPS)
        self.steps.setToolTip(self.tr("Updates from the start point (−7, 2)"))
        self.shown: dict[str, QCheckBox] = {}
        self.rates: dict[str, QDoubleSpinBox] = {}
        for name in BOOK_RATES:
            check = QCheckBox(RULES[name].title, self.side)
            check.setChecked(name in SHOWN)
            check.toggled.connect(self._rebuild)
            rate = QDoubleSpinBox(self.side)
            rate.setDecimals(3)
            rate.setRange(0.001, 10.0)
            rate.setSingleStep(0.05)
            rate.setValue(BOOK_RATES[name])
            rate.setKeyboardTracking(False)
            rate.setToolTip(self.tr("Learning rate η of {0}").format(RULES[name].title))
            rate.valueChanged.connect(self._recompute)
            self.shown[name], self.rates[name] = check, rate
        self.steps.valueChanged.connect(self._recompute)

        self.canvas = pg.GraphicsLayoutWidget(self)
        self.canvas.setBackground(BACKGROUND)
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.row.addWidget(self.side, 0, Qt.AlignmentFlag.AlignTop)
        self.row.addWidget(self.canvas, 1)
        self.body.addLayout(self.row, 1)
        self.canvas.installEventFilter(self)
        self._above: bool | None = None
        self._place_settings()
        self._rebuild()

    def _place_settings(self) -> None:
        """A column beside the panels; in a view narrower than SETTINGS_ABOVE, rows above them
        (two rules a row: the view stays as narrow as the others), leaving the panels the width
        for two columns."""
        above = self.width() < SETTINGS_ABOVE
        if above == self._above:
            return
        self._above = above
        grid = self.grid
        for w in [self.steps_label, self.steps, *self.shown.values(), *self.rates.values()]:
            grid.removeWidget(w)
        per_row = 2 if above else 1
        grid.addWidget(self.steps_label, 0, 0)
        grid.addWidget(self.steps, 0, 1)
        for k, name in enumerate(BOOK_RATES):      # each rule's box, its learning rate η beside it
            r, c = 1 + k // per_row, 2 * (k % per_row)
            grid.addWidget(self.shown[name], r, c)
            grid.addWidget(self.rates[name], r, c + 1)
        if above:
            self.row.setDirection(QBoxLayout.Direction.TopToBottom)
            self.row.setAlignment(self.side, Qt.AlignmentFlag(0))
            self.side.setMinimumWidth(0)
            self.side.setMaximumWidth(16777215)
        else:
            self.row.setDirection(QBoxLayout.Direction.LeftToRight)
            self.row.setAlignment(self.side, Qt.AlignmentFlag.AlignTop)
            self.side.setFixedWidth(SIDE_WIDTH)

    # ------------------------------------------------------------------ the contract
    def title(self) -> str:
        return self.tr("Optimizer paths")

    def caption(self) -> str:
        return self.tr("Each update rule from (−7, 2) on f(x, y) = x²/20 + y², whose lowest point is (0, 0): "
                       "SGD zig-zags across the shallow valley, the others follow it.")

    def details(self) -> str:
        return self.tr("The same update rules that train the networks, moving one point downhill on "
                       "f(x, y) = x²/20 + y² (grey: its contour lines). Along x the surface is twenty times "
                       "flatter than along y, so the gradient points mostly across the valley: plain SGD "
                       "bounces from side to side, Momentum gathers speed along the valley, AdaGrad and RMSProp "
                       "shrink the steps of the steep direction, Adam does both. The rates are the book's; "
                       "change them to see a rule overshoot or crawl.")

    def export_targets(self) -> list:
        return list(self.panels.values())

    def table_for(self, target):
        """The path in a panel: step, x, y and f(x, y)."""
        name = next((n for n, plot in self.panels.items() if plot is target), None)
        if name is None:
            return None
        path = self.paths[name]
        return make_table(("step", np.arange(len(path))), ("x", path[:, 0]), ("y", path[:, 1]),
                          ("f", surface(path[:, 0], path[:, 1])))

    # ------------------------------------------------------------------ panels
    def names(self) -> list[str]:
        return [name for name, check in self.shown.items() if check.isChecked()]

    def _rebuild(self) -> None:
        self.canvas.clear()
        self.panels = {}
        self.columns = 0
        for name in self.names():
            plot = pg.PlotItem(axisItems=grid_axes())
            style_plot_item(plot, "", "")        # no axis titles nor a plot title: the rows fit low docks
            # the rule at the top right, where no path goes (they start at the top left)
            label = pg.TextItem(color=TEXT_COLOR, anchor=(1, 0), fill=pg.mkBrush(255, 255, 255, 210))
            label.setPos(X_RANGE[1], Y_RANGE[1])
            label.setZValue(10)
            plot.addItem(label, ignoreBounds=True)
            plot.rule_label = label
            plot.setAspectLocked(False)
            plot.setXRange(*X_RANGE, padding=0)
            plot.setYRange(*Y_RANGE, padding=0)
            plot.setMouseEnabled(x=False, y=False)
            plot.setPreferredHeight(PANEL_HEIGHT)      # rows share a short canvas evenly, not cut off
            for level in LEVELS:
                plot.plot(*level_ellipse(level), pen=pg.mkPen(CONTOUR_COLOR, width=1))
            plot.plot([0.0], [0.0], pen=None, symbol="+", symbolSize=12, symbolPen=pg.mkPen(TEXT_COLOR, width=2))
            self.panels[name] = plot
        self._place()
        self._recompute()

    def _place(self) -> None:
        columns = min(grid_columns(len(self.panels), self.canvas.width(), self.canvas.height(), PANEL_ASPECT),
                      max(1, self.canvas.width() // MIN_PANEL_WIDTH))      # never cut a panel off
        if columns == self.columns:
            return
        self.columns = columns
        for plot in self.panels.values():
            if plot.scene() is not None:
                self.canvas.ci.removeItem(plot)
        for k, plot in enumerate(self.panels.values()):
            self.canvas.ci.addItem(plot, row=k // columns, col=k % columns)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._place_settings()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt name)
        if watched is self.canvas and event.type() == QEvent.Type.Resize:
            self._place()          # the panels' grid follows the canvas's own shape
        return super().eventFilter(watched, event)

    def _recompute(self) -> None:
        steps = self.steps.value()
        self.paths = {name: optimizer_path(name, self.rates[name].value(), steps) for name in self.panels}
        self.request_redraw()

    def redraw(self) -> None:
        for name, plot in self.panels.items():
            path = self.paths.get(name)
            if path is None:
                continue
            for item in [i for i in plot.listDataItems() if getattr(i, "is_path", False)]:
                plot.removeItem(item)
            color = path_color(name)
            curve = plot.plot(path[:, 0], path[:, 1], pen=pg.mkPen(color, width=2), symbol="o", symbolSize=5,
                              symbolBrush=color, symbolPen=None)
            curve.is_path = True
            text = self.tr("{0}, η = {1:g}").format(RULES[name].title, self.rates[name].value())
            if len(path) - 1 < self.steps.value():
                text += "\n" + self.tr("diverged after {0} steps").format(len(path) - 1)
            plot.rule_label.setText(text)


__all__ = ["DescentView", "START"]

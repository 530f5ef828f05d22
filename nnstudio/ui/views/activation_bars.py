"""View 6: random inputs in [-10, 10] as bars, beside the same inputs through activation
functions (CURRICULUM §2), or beside each function's slope there (§7: sigmoid's never passes
0.25, so every sigmoid layer shrinks δ). Independent of training."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QBoxLayout, QCheckBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from nnstudio.engine.analysis import BAR_RANGE, activation_bars

from ..export import make_table, no_data
from .base import View, grid_axes, style_plot_item
from ..flow_row import FlowRow
from ..palette import BACKGROUND, NEGATIVE_COLOR, POSITIVE_COLOR, TEXT_COLOR

ALWAYS = ("step", "sigmoid", "relu")
OPTIONAL = ("tanh", "leaky_relu", "identity", "softmax")
NEGATIVE, POSITIVE = pg.mkBrush(NEGATIVE_COLOR), pg.mkBrush(POSITIVE_COLOR)
PANEL_ASPECT = 1.6        # preferred width / height of one panel's plot area
PANEL_FRAME = 60          # a panel's height beyond its plot area: a two-line title and the x axis
SIDE_WIDTH = 170          # the settings as a column beside the panels …
SETTINGS_ABOVE = 560      # … or, in a view narrower than this, as wrapping lines above them
TITLE_PT = 9
CANVAS_MARGIN = 3         # around the panels, and …
PANEL_SPACING = 4         # … between them: narrow docks need every pixel for whole titles
WIDE_TITLE_ROOM = 120     # panels with less room for a title than this are narrow
TITLE_SLACK = 3           # pixels kept free beside a title
LABEL_MARGINS = 12        # an axis label's item is this much wider than its text,
TITLE_MARGINS = 8         # a title's item this much
PLOT_MARGINS = 2          # a panel's own margins left and right (style_plot_item)
MIN_PLOT_HEIGHT = 30      # columns are chosen to leave the bars at least this height
AXIS_WIDTH = 45           # a labelled y axis is about this wide, one without its label about
AXIS_WIDTH_BARE = 28      # this, until the axes have widths of their own
SIGMOID_MAX_SLOPE = 0.25  # σ′(0) = σ(0)(1 − σ(0)), the most any sigmoid passes δ on


def short(value: float, digits: int = 2) -> str:
    """A number in few significant digits: 4.8e-5, -0.099, 8.7, -10 (an exponent only for
    small numbers, and a short one: -10 is not written -1e1)."""
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{float(text):.0f}" if int(exponent) >= 0 else f"{mantissa}e{int(exponent)}"
    return text


def _pair(label: QLabel, field: QWidget | None) -> QWidget:
    """A label and its field (if any) kept together on one line of the wrapping settings."""
    box = QWidget(label.parentWidget())
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(label)
    if field is not None:
        row.addWidget(field)
    row.addStretch(1)
    return box


class ActivationBarsView(View):
    EXPORT_NAME = "Activation functions"
    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, parent)
        self.inputs = np.zeros(0)
        self.outputs: dict[str, np.ndarray] = {}
        self.panels: dict[str, tuple[pg.PlotItem, pg.BarGraphItem]] = {}
        self.titles: dict[str, str] = {}          # each panel's whole title (also its tooltip)
        self.columns = 2
        self._fitting = False
        self.bound: pg.InfiniteLine | None = None     # sigmoid′'s 0.25, in its panel
        font = QFont(self.font())
        font.setPointSizeF(TITLE_PT)
        self._title_metrics = QFontMetricsF(font)

        # the settings wrap: a narrow column beside the panels (leaving them the full height),
        # or lines above them when the view is narrow (leaving them the full width)
        self.settings = FlowRow(self)
        self.settings.flow.setVerticalSpacing(4)     # as short as the form the column used to be
        self.count = QSpinBox(self)
        self.count.setRange(1, 200)
        self.count.setValue(20)
        self.count.setToolTip(self.tr("How many random inputs"))
        self.settings.add(_pair(QLabel(self.tr("Inputs:"), self), self.count))
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip(self.tr("The same seed gives the same inputs"))
        self.settings.add(_pair(QLabel(self.tr("Seed:"), self), self.seed))
        self.again = QPushButton(self.tr("New inputs"), self)
        self.again.clicked.connect(lambda: self.seed.setValue(self.seed.value() + 1))
        self.settings.add(self.again)
        # (boxed: beside the panels it gets a minimum width, to start a line of its own, and a
        # bare label would keep that width in its size hint after it is lifted)
        self.also = _pair(QLabel(self.tr("Also show:"), self), None)
        self.settings.add(self.also)
        self.extra: dict[str, QCheckBox] = {}
        for name in OPTIONAL:
            box = QCheckBox(name, self)
            box.toggled.connect(self._rebuild)
            self.extra[name] = box
            self.settings.add(box)
        self.same_scale = QCheckBox(self.tr("One scale for all"), self)
        self.same_scale.setChecked(True)
        self.same_scale.setToolTip(self.tr("Every panel on the inputs' scale (the derivatives on one scale of "
                                           "their own), so the ranges compare at a glance; untick to let each "
                                           "panel fill its height"))
        self.same_scale.toggled.connect(lambda _on: self.request_redraw())
        self.settings.add(self.same_scale)
        self.slopes = QCheckBox(self.tr("Derivatives f′(u)"), self)
        self.slopes.setToolTip(self.tr("Show each function's slope at the inputs instead of its output: the factor "
                                       "the backward pass multiplies δ by. Sigmoid's is never above 0.25."))
        self.slopes.toggled.connect(self._recompute)
        self.settings.add(self.slopes)
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._above: bool | None = None
        self.row.addWidget(self.settings, 0, Qt.AlignmentFlag.AlignTop)
        self.canvas = pg.GraphicsLayoutWidget(self)
        self.canvas.setBackground(BACKGROUND)
        self.canvas.ci.layout.setContentsMargins(*(CANVAS_MARGIN,) * 4)    # (9 px by default)
        self.canvas.ci.layout.setHorizontalSpacing(PANEL_SPACING)
        self.row.addWidget(self.canvas, 1)
        self.body.addLayout(self.row, 1)
        self.canvas.installEventFilter(self)
        self._place_settings()
        self.count.valueChanged.connect(self._recompute)
        self.seed.valueChanged.connect(self._recompute)
        self._rebuild()

    def settings_above(self) -> bool:
        return self.row.direction() == QBoxLayout.Direction.TopToBottom

    def _place_settings(self) -> None:
        """Beside the panels in a wide view, above them in a narrow one."""
        above = self.width() < SETTINGS_ABOVE
        if above == self._above:
            return
        self._above = above
        if above:
            self.row.setDirection(QBoxLayout.Direction.TopToBottom)
            self.row.setAlignment(self.settings, Qt.AlignmentFlag(0))
            self.settings.setMinimumWidth(0)
            self.settings.setMaximumWidth(16777215)
            self.also.setMinimumWidth(0)
        else:
            self.row.setDirection(QBoxLayout.Direction.LeftToRight)
            self.row.setAlignment(self.settings, Qt.AlignmentFlag.AlignTop)
            self.settings.setFixedWidth(SIDE_WIDTH)
            self.also.setMinimumWidth(SIDE_WIDTH)     # a line of its own above the boxes

    def title(self) -> str:
        return self.tr("Activation functions")

    def slopes_caption(self) -> str:
        return self.tr("Random inputs in [−10, 10] (first panel) and each activation's derivative there: sigmoid's "
                       "is at most 0.25, so δ shrinks through sigmoid layers; ReLU's is 1 where u > 0 (δ passes unchanged) "
                       "and 0 elsewhere (δ stops).")

    def caption(self) -> str:
        return self.tr("Random inputs in [−10, 10] (first panel) and the same inputs through each activation: step"
                       " and sigmoid squeeze into 0…1, ReLU keeps positives and zeroes negatives.")

    def slopes_details(self) -> str:
        return self.tr("Random inputs between −10 and 10 (first panel) and each activation function's derivative "
                       "f′(u) at those inputs, bar by bar: the factor by which the backward pass multiplies δ "
                       "on its way to the layer below. Sigmoid's derivative z(1 − z) is at most 0.25 (at u = 0) "
                       "and nearly 0 for large |u|, so every sigmoid layer scales δ down to a quarter or less "
                       "before its weights pass it on: through many layers, gradients vanish. ReLU's is 1 for positive inputs and 0 "
                       "otherwise; tanh's peaks at 1. For softmax the bars show ∂zᵢ/∂uᵢ, the diagonal of its "
                       "Jacobian.")

    def details(self) -> str:
        return self.tr("Random inputs between −10 and 10 (first panel) and the same inputs passed through each "
                       "activation function, bar by bar. Step and sigmoid squeeze every input into 0…1, while "
                       "ReLU keeps positive inputs as they are and sets negative ones to 0. With one scale for all panels, "
                       "ReLU's bars reach as high as the inputs, while step and sigmoid never pass 1.")

    def export_targets(self) -> list:
        return [plot for plot, _ in self.panels.values()]

    def table_for(self, target):
        """One row per bar: its input number, the random input and (a function's panel) the
        function's output, in a column named after the function."""
        name = next((n for n, (plot, _bars) in self.panels.items() if plot is target), None)
        if name is None:
            return None
        if not len(self.inputs):
            raise no_data()
        columns = [("input_number", np.arange(len(self.inputs))), ("input", self.inputs)]
        if name != "input":
            columns.append((self._slope_column(name) if self.slopes.isChecked() else name, self.outputs[name]))
        return make_table(*columns)

    @staticmethod
    def _slope_column(name: str) -> str:
        """A CSV column of slopes: dsigmoid_du; for softmax its Jacobian's diagonal."""
        return "dsoftmax_i_du_i" if name == "softmax" else f"d{name}_du"

    def names(self) -> list[str]:
        return list(ALWAYS) + [n for n in OPTIONAL if self.extra[n].isChecked()]

    def _rebuild(self) -> None:
        self.canvas.clear()
        self.panels = {}
        self._compute()
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
            if name == "sigmoid":       # the bound the derivatives never pass, shown with them
                self.bound = pg.InfiniteLine(SIGMOID_MAX_SLOPE, angle=0, label=f"{SIGMOID_MAX_SLOPE:g}",
                                             pen=pg.mkPen(TEXT_COLOR, width=1, style=Qt.PenStyle.DashLine),
                                             labelOpts={"position": 0.08, "color": TEXT_COLOR, "anchors": [(0, 1), (0, 1)]})
                self.bound.setVisible(self.slopes.isChecked())
                plot.addItem(self.bound)
        self.request_redraw()

    def panel_names(self) -> list[str]:
        return ["input"] + self.names()

    def least_plot_width(self, name: str) -> float:
        """The narrowest a panel's plot area may be: its shortest range line and the short x
        axis label whole. (A title's name line may be cut short, its range never.)"""
        metrics = self._title_metrics
        range_line = self.title_lines(name)[-1].split("<br>")[-1]
        label = QFontMetricsF(self.canvas.font()).horizontalAdvance(self.tr("input")) + LABEL_MARGINS
        return max(metrics.horizontalAdvance(range_line) + TITLE_MARGINS, label) + TITLE_SLACK

    def _axis_widths(self) -> tuple[float, float]:
        """The y axes' widths with and without their label (estimates before they are drawn)."""
        labelled = bare = 0.0
        for plot, _bars in self.panels.values():
            axis = plot.getAxis("left")
            if axis.labelText:
                labelled = max(labelled, axis.width())
            else:
                bare = max(bare, axis.width())
        return labelled or AXIS_WIDTH, bare or AXIS_WIDTH_BARE

    def _usable_width(self, columns: int) -> float:
        layout = self.canvas.ci.layout
        left, _top, right, _bottom = layout.getContentsMargins()
        return (self.canvas.width() - 2 * self.canvas.frameWidth() - left - right
                - layout.horizontalSpacing() * (columns - 1))

    def _columns_for(self, n: int) -> int:
        """The columns that give the panels' plot areas the most room: each area's height,
        or its width over PANEL_ASPECT, whichever is less, after the axes and a two-line title
        (in a short dock three rows of titles would leave the bars a sliver). Preferred, in
        this order: every panel's plot area as wide as its least_plot_width (its range whole)
        and at least MIN_PLOT_HEIGHT tall, then as wide only (a short view gets short bars
        rather than cut ranges or panels pushed out), then the most room."""
        names = self.panel_names()[:n] if len(self.inputs) else []
        labelled, bare = self._axis_widths()

        def cell(columns: int) -> float:
            return self._usable_width(columns) / columns - PLOT_MARGINS

        least = [self.least_plot_width(name) for name in names]

        def ranges_fit(columns: int) -> bool:
            """Every column as wide as its widest least_plot_width beside its axis (each panel
            asks for that as its minimum width, so the grid gives it where the sum fits)."""
            need = sum((labelled if c == 0 else bare) + max(least[c::columns]) + PLOT_MARGINS
                       for c in range(min(columns, len(least))))
            return need <= self._usable_width(columns)

        frame = max([plot.height() - plot.getViewBox().height() for plot, _bars in self.panels.values()
                     if plot.getViewBox().height() > 0] + [PANEL_FRAME])
        layout = self.canvas.ci.layout
        _left, top, _right, bottom = layout.getContentsMargins()

        def height(columns: int) -> float:
            rows = math.ceil(n / columns)
            usable = self.canvas.height() - 2 * self.canvas.frameWidth() - top - bottom
            return (usable - layout.verticalSpacing() * (rows - 1)) / rows - frame

        def room(columns: int) -> float:
            return min((cell(columns) - labelled) / PANEL_ASPECT, height(columns))
        return max(range(1, max(n, 1) + 1),
                   key=lambda c: (ranges_fit(c) and height(c) >= MIN_PLOT_HEIGHT, ranges_fit(c), room(c)))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._place_settings()
        self._fit_canvas()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt name)
        # the canvas gets its new size after the view's resize event (its layout runs later)
        if watched is self.canvas and event.type() == QEvent.Type.Resize:
            self._fit_canvas()
        return super().eventFilter(watched, event)

    def _fit_canvas(self) -> None:
        """Columns and titles for the canvas's size (once: fitting may resize the canvas)."""
        if self._fitting:
            return
        self._fitting = True
        try:
            if self._columns_for(len(self.panels)) != self.columns:
                self._rebuild()
            else:
                self._fit_titles()
        finally:
            self._fitting = False

    def _recompute(self) -> None:
        """New inputs (or slopes for outputs): the values, and new columns if the new ranges need them."""
        self._compute()
        if self._columns_for(len(self.panels)) != self.columns:
            self._rebuild()
        else:
            self.request_redraw()

    def _compute(self) -> None:
        self.inputs, self.outputs = activation_bars(self.names(), self.count.value(), self.seed.value(),
                                                    derivative=self.slopes.isChecked())

    def y_range(self, values: np.ndarray, *, is_input: bool = False) -> tuple[float, float]:
        """A panel's y range: shared by every panel (the inputs' range, widened to hold every
        output) when "one scale" is ticked, else this panel's values with 0 and 1 in view.
        Derivatives share a scale among themselves (slopes of 0…1 beside inputs of ±10 would
        be slivers); the inputs keep theirs."""
        slopes = self.slopes.isChecked()
        if self.same_scale.isChecked():
            if slopes and is_input:
                shared = [self.inputs, BAR_RANGE]
            elif slopes:
                shared = [*self.outputs.values(), (0.0, 1.0)]
            else:
                shared = [self.inputs, *self.outputs.values(), BAR_RANGE]
            values = np.concatenate(shared)
            lo, hi = float(values.min()), float(values.max())
        else:
            lo, hi = min(float(values.min()), 0.0), max(float(values.max()), 1.0)
        pad = 0.12 * (hi - lo)    # room for the tick labels at both ends
        return lo - pad, hi + pad

    def redraw(self) -> None:
        slopes = self.slopes.isChecked()
        self.caption_label.setText(self.slopes_caption() if slopes else self.caption())
        self.caption_label.setToolTip(self.slopes_details() if slopes else self.details())
        self.bound.setVisible(slopes)
        x = np.arange(len(self.inputs))
        for name, (plot, bars) in self.panels.items():
            y = self.inputs if name == "input" else self.outputs[name]
            bars.setOpts(x=x, height=y, width=0.7, brushes=[POSITIVE if v >= 0 else NEGATIVE for v in y],
                         pens=[pg.mkPen(None)] * len(y))
            plot.setYRange(*self.y_range(y, is_input=name == "input"), padding=0)
            plot.setXRange(-0.6, len(x) - 0.4, padding=0)
        self._fit_titles()

    def _label_width(self, text: str) -> float:
        return QFontMetricsF(self.canvas.font()).horizontalAdvance(text) + LABEL_MARGINS

    def title_lines(self, name: str) -> list[str]:
        """A panel's title, longest first: on one line, then its name over its range (two
        lines) in three and in two significant digits, last with a dash instead of "to" (never
        "…", which marks a name cut short). No fewer digits: one would overstate a bound (8.7
        as 9) or need an exponent (-9.95 as -1e1)."""
        if name == "input":
            lo, hi = BAR_RANGE
            return [self.tr("input: uniform in [{0:g}, {1:g}]").format(lo, hi),
                    self.tr("input") + "<br>" + self.tr("uniform in [{0:g}, {1:g}]").format(lo, hi),
                    self.tr("input") + "<br>" + f"[{lo:g}, {hi:g}]",
                    self.tr("input") + "<br>" + (f"±{hi:g}" if lo == -hi else f"{lo:g}–{hi:g}")]
        y = self.outputs[name]
        lo, hi = float(y.min()), float(y.max())
        if self.slopes.isChecked():
            name = "softmax ∂zᵢ/∂uᵢ" if name == "softmax" else name + "′"
            first = self.tr("{0}: slopes from {1} to {2}").format(name, short(lo, 3), short(hi, 3))
        else:
            first = self.tr("{0}: outputs from {1} to {2}").format(name, short(lo, 3), short(hi, 3))
        return [first,
                name + "<br>" + self.tr("{0} to {1}").format(short(lo, 3), short(hi, 3)),
                name + "<br>" + self.tr("{0} to {1}").format(short(lo), short(hi)),
                name + "<br>" + f"{short(lo)}–{short(hi)}"]

    def title_room(self) -> float:
        """The width every title may take: the canvas less the widest y axis of each column,
        shared equally. A title's label is never narrower than its text, so titles wider than
        this would push the panels out of the canvas; within it they never can."""
        layout = self.canvas.ci.layout
        left, _top, right, _bottom = layout.getContentsMargins()
        columns = max(self.columns, 1)
        plots = [plot for plot, _bars in self.panels.values()]
        axes = sum(max(plot.getAxis("left").width() or (AXIS_WIDTH if c == 0 else AXIS_WIDTH_BARE)
                       for plot in plots[c::columns]) for c in range(min(columns, len(plots))))
        frame = 2 * self.canvas.frameWidth()
        usable = self.canvas.width() - frame - left - right - layout.horizontalSpacing() * (columns - 1)
        return (usable - axes) / columns - PLOT_MARGINS - TITLE_SLACK

    def _fit_titles(self) -> None:
        """Each title in its longest form that fits (title_lines); where even the shortest
        does not, its name line is cut short (…), never its range (the columns leave room for
        every range: _columns_for). The whole title is always its tooltip. Every title row is
        as tall as the tallest title (two lines need more than pyqtgraph's 30 px), so the
        panels of a row stay level."""
        if not len(self.inputs):
            return
        metrics = self._title_metrics
        room = max(self.title_room(), 0.0)

        def width(html: str) -> float:
            return max(metrics.horizontalAdvance(line) for line in html.split("<br>"))

        for name, (plot, _bars) in self.panels.items():
            forms = self.title_lines(name)
            text = next((t for t in forms if width(t) <= room), None)
            if text is None:
                top, _, bottom = forms[-1].partition("<br>")
                text = metrics.elidedText(top, Qt.TextElideMode.ElideRight, room) + "<br>" + bottom
            self.titles[name] = forms[0]
            plot.setTitle(text, color="#202020", size=f"{TITLE_PT}pt")
            plot.titleLabel.setToolTip(forms[0])
        tallest = max(math.ceil(plot.titleLabel.item.boundingRect().height()) for plot, _ in self.panels.values())
        for name, (plot, _bars) in self.panels.items():
            plot.titleLabel.setMaximumHeight(tallest)
            plot.layout.setRowFixedHeight(0, tallest)
            plot.layout.invalidate()          # its minimum width changed with its title
            # narrow panels: at most three input numbers, so that 10 and 15 do not run together
            axis = plot.getAxis("bottom")
            if room >= WIDE_TITLE_ROOM:
                axis.setTickSpacing()
            else:
                step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200) if len(self.inputs) <= 3 * s)
                axis.setTickSpacing(step, step)
        # every panel wide enough for its whole range and x label beside its y axis, and the
        # canvas never narrower than one column of such panels
        least = {name: self.least_plot_width(name) for name in self.panels}
        for name, (plot, _bars) in self.panels.items():
            plot.setMinimumWidth((plot.getAxis("left").width() or AXIS_WIDTH) + least[name] + PLOT_MARGINS)
            axis = plot.getAxis("bottom")
            if axis.labelText:              # the long x label where it fits
                text = self.tr("input number") if room >= self._label_width(self.tr("input number")) \
                    else self.tr("input")
                if axis.labelText != text:
                    axis.setLabel(text, color=TEXT_COLOR)
        labelled, _bare = self._axis_widths()
        minimum = int(math.ceil(labelled + max(least.values()) + PLOT_MARGINS + self.canvas.width()
                                - self._usable_width(1)))
        if minimum != self.canvas.minimumWidth():
            self.canvas.setMinimumWidth(minimum)
        # the grid kept the width it was given under the old titles (never below their
        # widths): give it the canvas's again
        self.canvas.ci.layout.invalidate()
        self.canvas.setRange(self.canvas.range, padding=0, disableAutoPixel=False)

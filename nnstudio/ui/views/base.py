"""What every live view shares: a caption, the controller's signals, throttled redraws.

A view records what each batch of snapshots brings (cheap) in :meth:`View.ingest`, and
draws in :meth:`View.redraw`, which runs at most every ``min_interval`` seconds (longer
while the GUI thread is over its budget: :class:`.pacing.GuiLoad`) and only while the view
is visible (a hidden view redraws once when it is shown again). Views that
need weights or activations set ``needs_detail`` and say which in ``detail``; they ask the
controller for copies at a modest, shared rate while visible, and get the newest weights in
``self.weights`` (the activations are in the snapshots).

Views whose redraw is heavy (inference on many samples, big images) set ``heavy``: their
redraws go through the shared work queue of :mod:`.pacing`, so that at most one heavy
redraw runs per event-loop pass and an epoch end that brings new weights to several views
does not stall the window for the sum of their times.
"""

from __future__ import annotations

import logging
import math
import time
import weakref
from typing import Any, Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QSize, QTimer, Qt
from PySide6.QtGui import QColor, QPalette, QPen
from PySide6.QtWidgets import QApplication, QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from .pacing import drop_work, finish_work, gui_load, queue_work, work_queue
from ..palette import BACKGROUND, TEXT_COLOR

log = logging.getLogger(__name__)
ON_SCREEN_TTL = 0.2       # seconds an on_screen() answer is kept (see View.on_screen)
DETAIL_INTERVAL = 0.5     # seconds between detail requests, shared by all views of a controller
MAX_CATCH_UP_ROUNDS = 1000  # redraw-and-finish rounds bring_up_to_date allows (one per waiting epoch)
# per controller: when each kind of detail, (weights, activations), was last asked for
_last_detail: "weakref.WeakKeyDictionary[Any, dict[tuple[bool, bool], float]]" = weakref.WeakKeyDictionary()


class GridAxis(pg.AxisItem):
    """An axis whose grid lines are opaque and lie under the data.

    pyqtgraph draws grid lines translucent, over the curves; Qt's raster engine blends each
    long translucent line pixel by pixel, which made the grid most of a plot's paint time
    (a 1280×520 plot: 10 ms with the translucent grid, 2 ms like this). On the plots' white
    background the same colour comes out when it is mixed with white beforehand; the axes
    sit under the plot's data (AXIS_Z) so the now opaque lines never cover a curve.
    """

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):  # noqa: N802 (pyqtgraph name)
        if self.grid is not False:
            # the opaque pens are made once and kept by the axis: pens made afresh while the
            # axis records its picture crashed a later paint (QPainter::restore)
            cache = self.__dict__.setdefault("_opaque_pens", {})
            specs = []
            for pen, p1, p2 in tickSpecs:
                key = (pen.color().rgba(), pen.widthF(), int(pen.style().value), pen.isCosmetic())
                if key not in cache:
                    cache[key] = _opaque_on_background(pen)
                specs.append((cache[key], p1, p2))
            tickSpecs = specs
        super().drawPicture(p, axisSpec, tickSpecs, textSpecs)


def _opaque_on_background(pen: QPen) -> QPen:
    """The pen with its colour mixed over the plot background, opaque. Whole 0…255 channels:
    a float channel a hair over 1 would make an extended-range QColor, which the axis's
    recorded QPicture does not replay safely."""
    color = pen.color()
    a = color.alpha()
    if a >= 255:
        return pen
    bg = pg.mkColor(BACKGROUND)
    mixed = QColor(*(min(255, max(0, round((b * (255 - a) + c * a) / 255))) for b, c in
                     ((bg.red(), color.red()), (bg.green(), color.green()), (bg.blue(), color.blue()))))
    out = QPen(pen)
    out.setColor(mixed)
    return out


AXIS_Z = -1000          # under the view box, so the opaque grid lies under the curves
END_LABEL_OVERHANG = 15  # px a vertical axis's end labels may reach past its ends (pyqtgraph's own, gridless)
TOP_MARGIN = 4           # px over a plot for the top end label (with the 1 px pyqtgraph keeps: most of its upper half)


class EndLabelAxis(GridAxis):
    """A grid axis that keeps the tick labels at both ends of a vertical axis (see
    boundingRect); make_plot() and grid_axes() give plots these."""

    def boundingRect(self):  # noqa: N802 (Qt name)
        # With the grid on, pyqtgraph bounds the axis by itself and the plot area only, and
        # leaves out every tick label that sticks out of that: the labels at both ends of a
        # short vertical axis (0 and 100, 1.0) vanished. A vertical axis keeps the overhang
        # pyqtgraph gives it without a grid; style_plot_item leaves room above the plot.
        rect = super().boundingRect()
        if self.grid is not False and self.orientation in ("left", "right"):
            rect = rect.adjusted(0, -END_LABEL_OVERHANG, 0, END_LABEL_OVERHANG)
        return rect


class DecadeAxis(EndLabelAxis):
    """A log-scale axis that labels only the powers of ten once two or more of them are in
    view (pyqtgraph also labels 0.02, 0.03, ..., which pile up on a short axis); with fewer,
    the in-between values keep their labels so the axis can still be read."""

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph name)
        strings = super().logTickStrings(values, scale, spacing)
        lo, hi = sorted(self.range)
        decades = [v for v in values if abs(v - round(v)) < 1e-9 and lo <= v <= hi]
        if hi - lo < 1 or len(decades) < 2:
            return self._spaced(values, strings, lo, hi)
        return [s if abs(v - round(v)) < 1e-9 else "" for v, s in zip(values, strings)]

    def _spaced(self, values, strings, lo, hi):
        """The in-between labels that keep a text line's distance from the powers of ten in
        view and from each other (0.6 … 0.9 piled up under 1 on a short docked axis)."""
        length = self.size().height() if self.orientation in ("left", "right") else self.size().width()
        if hi <= lo or length <= 0:
            return strings
        per_decade = length / (hi - lo)
        line = 0.8 * self.style["tickTextHeight"]        # pyqtgraph's text rect: 0.8 of a line
        kept = [float(k) for k in range(math.ceil(lo), math.floor(hi) + 1)]   # the decades' labels
        out = []
        for v, text in zip(values, strings):
            if text and abs(v - round(v)) >= 1e-9:
                if all(abs(v - k) * per_decade >= line for k in kept):
                    kept.append(v)
                else:
                    text = ""
            out.append(text)
        return out


def make_plot(left: str, bottom: str, parent: QWidget | None = None, *, log_y: bool = False) -> pg.PlotWidget:
    """A white plot with labelled axes and a light grid (log_y: a log-scale y axis)."""
    axes = {"left": DecadeAxis("left") if log_y else EndLabelAxis("left"), "bottom": EndLabelAxis("bottom")}
    w = pg.PlotWidget(parent=parent, background=BACKGROUND, axisItems=axes)
    if log_y:
        w.getPlotItem().setLogMode(y=True)
    style_plot_item(w.getPlotItem(), left, bottom)
    return w


def image_plot(canvas: pg.GraphicsLayoutWidget) -> tuple[pg.PlotItem, pg.ImageItem]:
    """A plot in ``canvas`` holding one image given row by row (row 0 at the top), without a
    grid: weights and feature maps as pictures."""
    plot = canvas.addPlot()
    image = pg.ImageItem(axisOrder="row-major")
    plot.addItem(image)
    plot.getViewBox().invertY(True)
    style_plot_item(plot, "", "")
    plot.showGrid(x=False, y=False)
    return plot, image


def grid_axes() -> dict[str, EndLabelAxis]:
    """Left and bottom axes with the cheap opaque grid, for a new plot item:
    ``pg.PlotItem(axisItems=grid_axes())`` or ``layout.addPlot(axisItems=grid_axes())``.
    (The axes of an existing plot item are left alone: swapping or patching them on a live
    item made a later paint crash.)"""
    return {"left": EndLabelAxis("left"), "bottom": EndLabelAxis("bottom")}


def style_plot_item(item: pg.PlotItem, left: str, bottom: str) -> None:
    """Labels, dark axes under the data, a light grid (drawn cheaply by GridAxis axes:
    make the item with grid_axes())."""
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setZValue(AXIS_Z)
        axis.setPen(pg.mkPen(TEXT_COLOR))
        axis.setTextPen(pg.mkPen(TEXT_COLOR))
        axis.enableAutoSIPrefix(False)
    item.setLabel("left", left, color=TEXT_COLOR)
    item.setLabel("bottom", bottom, color=TEXT_COLOR)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setMenuEnabled(False)
    item.layout.setContentsMargins(1, TOP_MARGIN, 1, 1)    # the top end label is drawn whole


def readable_colorbar(colorbar: pg.ColorBarItem) -> None:
    """The colour bar's numbers and label in the plots' text colour (pyqtgraph draws them
    light grey, too faint on white)."""
    for side in ("left", "right"):
        axis = colorbar.getAxis(side)
        axis.setTextPen(pg.mkPen(TEXT_COLOR))
        axis.setPen(pg.mkPen(TEXT_COLOR))
        if axis.labelText:
            axis.setLabel(axis.labelText, color=TEXT_COLOR)


class LegendAbove:
    """A plot's legend above its data, so it never covers a curve (the newest points at the
    right included): it stands right-aligned in the plot item's title row, which is made as
    tall as the legend, with as many columns as the plot's width holds. Curves added to the
    plot with a name join it, as with PlotItem.addLegend()."""

    def __init__(self, item: pg.PlotItem, **kwargs) -> None:
        self.item = item
        self.legend = pg.LegendItem(offset=None, **kwargs)
        self.legend.setParentItem(item)
        self.legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-2, 1))
        item.legend = self.legend            # PlotItem.addItem/removeItem keep it up to date
        item.geometryChanged.connect(self.fit)
        self.fit()

    def room(self) -> float:
        """The width the legend may take: the plot area's (not the axis label's)."""
        return max(self.item.width() - self.item.getAxis("left").width() - 4, 1.0)

    def fit(self) -> None:
        """Columns for the entries at the current width, and the title row's height."""
        items = self.legend.items
        widths = [sample.width() + label.minimumWidth() + 10 for sample, label in items]   # (text widths)
        room = self.room()
        cols = max(len(widths), 1)
        while cols > 1 and sum(max(widths[c::cols]) for c in range(cols)) > room:
            cols -= 1
        self.legend.setColumnCount(cols)
        self.legend.updateSize()
        height = self.legend.height() + 2 if items else 0
        self.item.titleLabel.setMaximumHeight(height)      # the row's only other item (hidden)
        self.item.layout.setRowFixedHeight(0, height)


def grid_columns(n: int, width: int, height: int, panel_aspect: float = 1.6) -> int:
    """How many columns to lay n panels out in, so that each is about panel_aspect wide
    per unit of height in a width × height area (rows are filled evenly)."""
    if n <= 1:
        return 1
    aspect = max(width, 1) / max(height, 1)
    rows = min(n, max(1, round(math.sqrt(n * panel_aspect / aspect))))
    return max(1, math.ceil(n / rows))


# a smoothed curve's lag (its time constant, 1/(1 − weight) updates) is at most this share of
# the run: 17 full-batch updates at weight 0.9 left it at 1.9 while the loss was at 1.65
MAX_LAG_SHARE = 0.05


def run_smoothing(most: float, updates: int, *, full_batch: bool = False) -> float:
    """The weight of a run's exponential smoothing: ``most``, less where the run has few
    updates (MAX_LAG_SHARE), none in full-batch learning (the same batch at every update: no
    noise to smooth)."""
    if full_batch:
        return 0.0
    return max(0.0, min(most, 1.0 - 1.0 / (MAX_LAG_SHARE * max(1, updates))))


def stepped_extent(last: float, current: float, first: float, total: float) -> float:
    """The right end of an iteration axis that grows in steps: ``first`` (an epoch, say),
    doubled whenever the data reach past it, never beyond ``total`` (the run's end; 0 when
    unknown) or, where the data went past that end (a step recorded outside the run's plan
    the axis was set up for), beyond them. An axis that grew with every redraw would relayout
    and repaint its plot twice each time; this one changes a handful of times per run."""
    extent = max(current, first, 1.0)
    while extent < last:
        extent *= 2
    return min(extent, max(total, last)) if total > 0 else extent


def steady_span(lo: float, hi: float, current: tuple[float, float] | None, *, log: bool) -> tuple[float, float]:
    """A y range for data from ``lo`` to ``hi`` that stays put while the data move inside it.

    Linear: from 0 (or ``lo`` when negative) to 5 % over ``hi``; kept while the data fit and
    reach at least half of its top. Log (in decades, as pyqtgraph's log axes take it): the
    data's decades with a margin of 0.15 decade and 5 % on each side, kept while the data fit
    with at most 0.6 decade to spare. pyqtgraph's own auto-range follows every redraw, and a
    range that changes as the plot is painted makes it paint a second time."""
    if log:
        a, b = math.log10(lo), math.log10(hi)
        if current is not None and current[0] <= a and current[1] >= b and current[1] - current[0] <= b - a + 0.6:
            return current
        margin = 0.15 + 0.05 * (b - a)
        return (a - margin, b + margin)
    base = min(0.0, lo)
    top = hi if hi > base else base + 1.0
    if current is not None and current[0] <= base and top <= current[1] and current[1] - current[0] <= 2 * (top - base):
        return current
    return (base, base + (top - base) * 1.05)


FIRST_EXTENT = 50        # an iteration axis spans at least an epoch or this many updates


class IterationAxis:
    """The x axis of a per-iteration plot: 0 … an extent that grows in steps (see
    stepped_extent), set on ``viewbox`` only when it changes."""

    def __init__(self, viewbox: pg.ViewBox) -> None:
        self.viewbox = viewbox
        self.first, self.total, self.extent = FIRST_EXTENT, 0, 0.0
        self._fitted: list[tuple[pg.PlotDataItem, float, str]] = []
        viewbox.sigResized.connect(self._refit)

    def fit_curves(self, curves: Sequence[tuple[pg.PlotDataItem, float, str]]) -> None:
        """Downsample each (curve, bins a pixel, method) to this axis's pixels (see
        fit_to_pixels): now, and again whenever the plot is resized, until called with other
        curves. A dock tab raised while training is paused is drawn before it is laid out; the
        width it had then (a few pixels) made a noisy curve a sawtooth of a few bins."""
        self._fitted = list(curves)
        self._refit()

    def _refit(self, *_args) -> None:
        width = self.viewbox.width()
        for curve, per_pixel, method in self._fitted:
            if curve.xData is not None:
                fit_to_pixels(curve, curve.xData, width, self.extent, per_pixel=per_pixel, method=method)

    def start(self, trainer) -> None:
        """A new run: one epoch (or FIRST_EXTENT updates) wide, never past its end."""
        self.first = max(FIRST_EXTENT, trainer.steps_per_epoch)
        self.total = trainer.total_iterations
        self.extent = 0.0
        self.follow(0)

    def follow(self, last: float) -> None:
        """Make room for iteration ``last``."""
        extent = stepped_extent(last, self.extent, self.first, self.total)
        if extent != self.extent:
            self.extent = extent
            self.viewbox.setXRange(0, extent, padding=0.02)

    def forget(self) -> None:
        """Set the range again at the next follow() (pyqtgraph dropped it: a new log mode)."""
        self.extent = 0.0


class SteadyRange:
    """A y range kept by steady_span(), set on ``viewbox`` only when it changes."""

    def __init__(self, viewbox: pg.ViewBox) -> None:
        self.viewbox = viewbox
        self.span: tuple[float, float] | None = None

    def fit(self, lo: float, hi: float, *, log: bool) -> None:
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
            return
        span = steady_span(lo, hi, self.span, log=log)
        if span != self.span:
            self.span = span
            self.viewbox.setYRange(*span, padding=0)

    def forget(self) -> None:
        self.span = None


def fit_to_pixels(curve: pg.PlotDataItem, x: np.ndarray, view_width: float, extent: float,
                  *, per_pixel: float = 1.0, method: str = "peak") -> None:
    """Downsample ``curve`` (data ``x``, on an axis 0 … ``extent`` shown ``view_width`` pixels
    wide) to about ``per_pixel`` bins a pixel. "peak" keeps each bin's lowest and highest
    value, so a noisy curve keeps its envelope exactly at screen resolution; "subsample"
    suits a smooth one. pyqtgraph's automatic downsampling keeps ~5 bins a pixel: thousands
    of segments that a 2-pixel pen makes slow to paint, for no visible difference."""
    ds = 1
    if len(x) > 1 and view_width > 0 and extent > 0:
        pixels = view_width * float(x[-1] - x[0]) / extent
        ds = max(1, int(len(x) / max(pixels * per_pixel, 1.0)))
    if curve.opts.get("downsample") != ds or curve.opts.get("downsampleMethod") != method:
        curve.setDownsampling(ds=ds, auto=False, method=method)


MARKER_LIMIT = 50      # per-epoch curves show a marker per point up to this many points


def set_markers(curve: pg.PlotDataItem, symbol: str, n_points: int) -> None:
    """Markers on a per-epoch curve while they can be told apart; a plain line after that."""
    wanted = symbol if n_points <= MARKER_LIMIT else None
    if curve.opts.get("symbol") != wanted:
        curve.setSymbol(wanted)


class MessageItem(pg.TextItem):
    """A grey note in the middle of a plot ("no data yet", "not for this data set") that stays
    centred in the plot area and wraps its lines to the area's width, so that a short docked
    plot shows all of it (placed once in data coordinates it sat wherever the range put it)."""

    MARGIN = 8           # px kept free at the left and right

    def __init__(self, viewbox: pg.ViewBox) -> None:
        super().__init__("", color="#606060", anchor=(0.5, 0.5))
        self.viewbox = viewbox
        document = self.textItem.document()
        option = document.defaultTextOption()
        option.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        document.setDefaultTextOption(option)
        self.setZValue(100)
        viewbox.sigResized.connect(self.follow_view)
        viewbox.sigRangeChanged.connect(self.follow_view)

    def follow_view(self, *_args) -> None:
        width = max(self.viewbox.width() - 2 * self.MARGIN, 40.0)
        if self.textItem.textWidth() != width:
            self.setTextWidth(width)
        self.setPos(self.viewbox.viewRect().center())


# the training samples a view runs its own copy of the network on (histograms of the outputs,
# the gradient verdict's saturated share before the first activations arrive): the same ones
# for every view, so their numbers agree. As many as CURRICULUM §7's histograms use where one
# forward pass over them stays quick (about 0.1 s: SimpleConvNet takes 1000 in 0.09 s), never
# fewer than FIXED_SAMPLES (the deep CNN: 200 in 0.4 s)
FIXED_SAMPLES = 200
MOST_FIXED_SAMPLES = 1000
FIXED_SAMPLES_WORK = 1e9        # multiply-adds


def fixed_samples(session) -> np.ndarray:
    """The first training samples of the session's data set that the views run on:
    MOST_FIXED_SAMPLES, or fewer (down to FIXED_SAMPLES) for a network whose forward pass
    over them would take more than FIXED_SAMPLES_WORK multiply-adds."""
    per_sample = max(session.project.network.multiply_adds(), 1)
    count = int(min(MOST_FIXED_SAMPLES, max(FIXED_SAMPLES, FIXED_SAMPLES_WORK // per_sample)))
    return session.dataset.x_train[:count]


def message_item(plot: pg.PlotItem) -> MessageItem:
    """A centred grey note inside a plot (see MessageItem)."""
    t = MessageItem(plot.getViewBox())
    plot.addItem(t, ignoreBounds=True)
    t.follow_view()
    return t


class Caption(QLabel):
    """A word-wrapped label that asks for exactly the height its text needs at its width
    (a plain QLabel reserves room for a guessed, narrower width)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def _height(self) -> int:
        return self.heightForWidth(max(self.width(), 100))

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(100, self._height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(50, self._height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self.height() != self._height():
            self.updateGeometry()


class MutedCaption(Caption):
    """A caption in the text colour a quarter of the way to the background: dimmer than the
    content, readable on a light or a dark desktop theme (a fixed #404040 vanished on dark)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._muting = False
        self._mute()

    def _mute(self) -> None:
        theme = QApplication.palette(self)
        text, back = theme.color(QPalette.ColorRole.WindowText), theme.color(QPalette.ColorRole.Window)
        muted = QColor(*(round(0.75 * t + 0.25 * w) for t, w in zip(
            (text.red(), text.green(), text.blue()), (back.red(), back.green(), back.blue()))))
        palette = QPalette()                     # only the text colour is ours; the rest follows
        palette.setColor(QPalette.ColorRole.WindowText, muted)
        self._muting = True
        try:
            self.setPalette(palette)
        finally:
            self._muting = False

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._muting:
            self._mute()                         # another theme: its colours, muted


class View(QWidget):
    EXPORT_NAME = ""          # its files' English name in Export All (empty: its title)
    needs_detail = False      # wants weight/activation copies in snapshots …
    detail = (True, True)     # … these ones: (weights, activations)
    min_interval = 0.0        # seconds between redraws
    heavy = False             # redraws wait their turn in the shared work queue (see module doc)

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.session = None
        self.weights: Mapping[str, np.ndarray] | None = None
        self.weights_iteration = 0
        self.weights_version = 0       # counts every new set of weights (same iteration included)
        self._dirty = False
        self._still_due = False        # hidden at a pause or step: take the still weights when drawn
        self._last_redraw = 0.0
        self._on_screen, self._on_screen_at = False, -1e9     # see on_screen()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._redraw_due)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(4)
        self.caption_label = MutedCaption(self.caption(), self)
        self.caption_label.setTextFormat(Qt.TextFormat.PlainText)
        self.caption_label.setToolTip(self.details())
        outer.addWidget(self.caption_label)
        self.error_label = Caption("", self)
        self.error_label.setStyleSheet("color: #A0361C; font-weight: bold;")
        self.error_label.hide()
        outer.addWidget(self.error_label)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self.body, 1)
        controller.runStarted.connect(self._run_started)
        controller.snapshots.connect(self._snapshots)
        state = getattr(controller, "stateChanged", None)
        if state is not None:
            state.connect(self._state_changed)
        settled = getattr(controller, "settled", None)
        if settled is not None:
            settled.connect(self._network_settled)

    # ------------------------------------------------------------------ the contract
    def title(self) -> str:
        raise NotImplementedError

    def caption(self) -> str:
        """One or two plain sentences: what the view shows and what to look for."""
        raise NotImplementedError

    def details(self) -> str:
        """A longer explanation (the caption's tooltip)."""
        return ""

    def export_targets(self) -> list:
        """The pyqtgraph items or widgets an exporter should render."""
        return []

    def table_for(self, target):
        """The values one of export_targets() shows, as a named table for its CSV
        (nnstudio.ui.export.Table: make_table / joined); None leaves the CSV to the generic
        export of the plotted data. Raise export.no_data() while the plot is empty."""
        return None

    def show_history(self, history) -> None:
        """A run going on from a saved one starts: plot the saved run's curves (a RunHistory),
        after start_run. Views of the weights draw them from the run itself."""

    # ------------------------------------------------------------------ for subclasses
    def add_layer_choice(self, row: QHBoxLayout) -> QComboBox:
        """A "Layer:" label and a box of layer names, sized to whole names, added to ``row``;
        choosing another layer redraws the view."""
        row.addWidget(QLabel(self.tr("Layer:"), self))
        box = QComboBox(self)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        box.currentIndexChanged.connect(lambda _i: self._redraw_now())
        row.addWidget(box)
        return box

    def add_info(self, row: QHBoxLayout) -> QLabel:
        """A word-wrapped line of facts at the end of ``row``, taking the room left, and the
        row added below the view's caption."""
        info = QLabel("", self)
        info.setWordWrap(True)
        row.addWidget(info, 1)
        self.body.addLayout(row)
        return info

    def start_run(self, session) -> None:
        """A new run was built (start or reset): forget the old data."""

    def ingest(self, batch: Sequence) -> bool:
        """Record what the snapshots bring (no drawing here); True when there is something
        new to draw. New weights (``needs_detail``) always lead to a redraw."""
        return False

    def redraw(self) -> None:
        """Draw what was recorded."""

    def on_screen(self) -> bool:
        """Shown and not covered. A dock that is not the current tab stays "visible" to Qt
        (it is only moved off the window), so isVisible() alone would keep every tab drawing.

        The answer is kept for ON_SCREEN_TTL seconds (visibleRegion() took 0.2 ms in a docked
        window, several times per delivery) and forgotten whenever this view is painted,
        shown, hidden or resized: a tab brought to the front is painted, so it is never
        taken for hidden; one just covered may draw once more within the TTL."""
        if not self.isVisible():
            return False
        now = time.monotonic()
        if now - self._on_screen_at > ON_SCREEN_TTL:
            self._on_screen = not self.visibleRegion().isEmpty()
            self._on_screen_at = now
        return self._on_screen

    def _forget_on_screen(self) -> None:
        self._on_screen_at = -1e9

    def request_redraw(self) -> None:
        if not self.on_screen():
            self._dirty = True
            return
        wait = self.min_interval * gui_load().stretch() - (time.perf_counter() - self._last_redraw)
        if wait <= 0:
            self._redraw_due()
        elif not self._timer.isActive():
            self._timer.start(int(wait * 1000) + 1)

    # ------------------------------------------------------------------ plumbing
    def _redraw_due(self) -> None:
        """The throttle lets a redraw happen: now, or (heavy) at this view's turn."""
        if self.heavy:
            queue_work(self, "redraw", self._paced_redraw)
        else:
            self._redraw_now()

    def _paced_redraw(self) -> None:
        if self.on_screen():
            self._redraw_now()
        else:                      # hidden while it waited: draw when shown again
            self._dirty = True

    def bring_up_to_date(self) -> None:
        """Draw now what this view would show once its waiting work is done (scoring in
        chunks, a heavy redraw waiting its turn): an export needs the picture at once, not
        after a few turns of the event loop. A redraw may queue more (the confusion matrix
        scores the epochs that ended while it was hidden one at a time): until none is left."""
        for _ in range(MAX_CATCH_UP_ROUNDS):
            self._redraw_now()
            if not work_queue().is_queued(self):
                return
            finish_work(self)

    def _redraw_now(self) -> None:
        drop_work(self, "redraw")
        if self._still_due:                 # weights of a pause or step that came while hidden
            self._still_due = False
            if getattr(self.controller, "is_settled", True) and self._wants_still_weights():
                self._take_still_weights(redraw=False)
        self._dirty = False
        self._last_redraw = time.perf_counter()
        self._guarded(self.redraw)

    def _guarded(self, action, *args):
        """Run a step of this view; a failure is shown in the view instead of ending the app
        (training goes on and the other views keep drawing)."""
        try:
            result = action(*args)
        except Exception as err:  # noqa: BLE001 - one broken picture must not stop the studio
            log.exception("view %s failed", type(self).__name__)
            self.error_label.setText(self.tr("This picture could not be drawn: {0}").format(err))
            self.error_label.show()
            return None
        return result

    def _run_started(self, session) -> None:
        self.session = session
        self._still_due = False
        self.weights = None
        self.weights_iteration = 0
        self.error_label.hide()
        self._guarded(self.start_run, session)
        self.request_redraw()

    def _snapshots(self, batch: Sequence) -> None:
        if self.session is None or not batch:
            return
        if getattr(self.controller, "state", None) == "running":
            gui_load().sample()         # (a few views sample per delivery: cheap, windowed)
        fresh = False
        if self.needs_detail:
            for snap in reversed(batch):
                if snap.weights is not None:
                    self.weights = snap.weights
                    self.weights_iteration = snap.iteration
                    self.weights_version += 1
                    fresh = True
                    break
            last = batch[-1]
            if self.detail[0] and last.paused and self.weights_iteration < last.iteration and self.on_screen():
                # the worker parks after this snapshot (a single step, a pause): its weights
                # hold still, so copy them instead of waiting for a step that may not come
                self._keep_network_weights(last.iteration)
                fresh = True
            self._maybe_request_detail()
        changed = self._guarded(self.ingest, batch)
        if changed or fresh:
            self.request_redraw()

    def _maybe_request_detail(self) -> None:
        """Ask for this view's ``detail`` unless a request for at least as much went out
        within DETAIL_INTERVAL (from any view of the controller: a view that wants only
        activations never uses up the turn of one that wants weights)."""
        now = time.monotonic()
        weights, activations = self.detail
        try:
            asked = _last_detail.setdefault(self.controller, {})
        except TypeError:           # a controller that cannot be weakly referenced
            asked = {}
        covered = any(now - at < DETAIL_INTERVAL and (w or not weights) and (a or not activations)
                      for (w, a), at in asked.items())
        if not covered and self.on_screen():
            asked[(weights, activations)] = now
            self.controller.request_detail(weights, activations)

    def _state_changed(self, state: str) -> None:
        # finished: the worker is done, so its weights hold still; paused: once the worker has
        # parked (it may still be finishing its step: then the controller's ``settled`` follows)
        if state == "finished":
            self._take_still_weights()
        elif state == "paused" and getattr(self.controller, "is_paused", True):
            self._network_settled()

    def _network_settled(self) -> None:
        """The worker parked after a pause or a step: its weights hold still. A view on screen
        takes them now, unless it has them already (a pause during a long epoch-end evaluation
        parks seconds after the state turned "paused"); a hidden one when it is next drawn, if
        the network still holds still then (taking them may mean work: the activation
        histograms run samples through the network, 0.1 s for SimpleConvNet, at every Step)."""
        if not self._wants_still_weights():
            return
        if self.on_screen():
            self._take_still_weights()
        else:
            self._still_due = self._dirty = True

    def _draws_weights(self) -> bool:
        return bool(self.needs_detail and self.detail[0]) and self.session is not None

    def _wants_still_weights(self) -> bool:
        return self._draws_weights() and self.weights_iteration < self.session.trainer.iteration

    def _keep_network_weights(self, iteration: int) -> None:
        """Copies of the session network's parameters and buffers as this view's weights."""
        self.weights = self.session.network.state_dict()
        self.weights_iteration = iteration
        self.weights_version += 1

    def _take_still_weights(self, redraw: bool = True) -> None:
        if not self._draws_weights():
            return
        self._keep_network_weights(self.session.trainer.iteration)
        self._guarded(self.weights_changed)
        if redraw:
            self.request_redraw()

    def approximate_note(self, mirror) -> str:
        """A warning to append where predictions lack batch norm's running statistics."""
        if getattr(mirror, "missing_buffers", False):
            return self.tr("  ·  approximate: batch norm statistics arrive when training pauses")
        return ""

    def weights_changed(self) -> None:
        """Called when weights arrive outside a batch of snapshots (pause, finish)."""

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self._forget_on_screen()
        super().showEvent(event)
        if self._dirty:
            self._redraw_now()

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self._forget_on_screen()
        super().hideEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self._forget_on_screen()
        super().resizeEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        # a tab brought to the front is painted without being shown again: catch up then
        # (soon after, not inside the paint)
        self._forget_on_screen()
        super().paintEvent(event)
        if self._dirty and not self._timer.isActive():
            self._timer.start(0)

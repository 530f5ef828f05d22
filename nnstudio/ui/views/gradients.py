"""View 3: how large each layer's weight gradient is, over time and right now, and a verdict
in words (vanishing, exploding, saturated, tiny or healthy) judged by
nnstudio.engine.analysis.VerdictWatch (gradient_verdict over the last RECENT updates, averaged
saturated shares, the loss), with advice the network does not already follow."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QHBoxLayout

from nnstudio.engine.analysis import (BOUNDED, RECENT, VANISHING_RATIO, GradientVerdict, VerdictWatch,
                                      layer_weight_norms, saturated_share)
from nnstudio.engine.series import BoundedSeries
from nnstudio.project.mirror import NetworkMirror

from ..export import joined, make_table, no_data
from .base import Caption, IterationAxis, SteadyRange, View, fixed_samples, make_plot, message_item
from ..palette import layer_color

CAPACITY = 2000
BAND_ALPHA = 150         # of 255
FLOOR = 1e-30
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def times(factor: float) -> str:
    """A factor as a learner reads it: 2.5, 12, 650, 32,000,000; from a billion up as a power of ten (10¹²).
    (Two significant digits: the verdict judges orders of magnitude.)"""
    if not math.isfinite(factor):
        return "∞"
    if factor < 9.95:
        return f"{factor:.1f}"
    digits = math.floor(math.log10(factor))
    if digits >= 9:
        return "10" + str(round(math.log10(factor))).translate(SUPERSCRIPT)
    return f"{round(factor, 1 - digits):,.0f}"


class GradientsView(View):
    EXPORT_NAME = "Gradients"
    min_interval = 0.2
    detail = (False, True)       # activations (the saturated share), never weight copies
    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, parent)
        self.layers: list[tuple[int, str]] = []      # (layer index, layer name) of layers with W
        self.series: list[BoundedSeries] = []
        self.curves: list[pg.PlotDataItem] = []
        self.current: list[float] = []
        self.watch = VerdictWatch()                   # what the verdict judges
        self.bounded: list[tuple[str, str]] = []      # (name, activation) of sigmoid/tanh hidden layers
        self.inits: dict[str, str] = {}               # each weighted layer's initialization
        self.activations: dict[str, str] = {}         # each weighted hidden layer's activation
        self.decayed = False                          # weight decay / L1 in the gradients shown
        self._bar_range: tuple[float, float] | None = None

        row = QHBoxLayout()
        self.history = make_plot(self.tr("‖∂L/∂W‖"), self.tr("iteration"), log_y=True)
        hist_item = self.history.getPlotItem()
        self.x_axis = IterationAxis(hist_item.getViewBox())
        self.y_range = SteadyRange(hist_item.getViewBox())
        self.message = message_item(hist_item)
        self.bars_plot = make_plot(self.tr("log₁₀ ‖∂L/∂W‖ now"), self.tr("input → output"))
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.6)
        self.bars_plot.getPlotItem().addItem(self.bars)
        self.bars_plot.getPlotItem().getViewBox().sigResized.connect(self._label_bars)
        row.addWidget(self.history, 3)
        row.addWidget(self.bars_plot, 2)
        self.body.addLayout(row, 1)
        self.verdict = Caption("", self)      # asks for every line it needs at its width
        self.body.addWidget(self.verdict)
        self.message.setText(self.tr("Gradients appear once training starts."))

    def title(self) -> str:
        return self.tr("Gradients")

    def caption(self) -> str:
        return self.tr("Size of each layer's weight gradient ‖∂L/∂W‖ per update (one colour per layer, as in "
                       "the bars). Much smaller values near the input mean vanishing gradients; huge ones, "
                       "exploding.")

    def details(self) -> str:
        return self.tr("The size of the gradient ∂L/∂W of each layer's weights at every update; one colour per "
                       "layer, the same in the bars on the right (the current values). If layers near the input get "
                       "gradients many times smaller than layers near the output, they barely learn (vanishing "
                       "gradients, typical of sigmoid); huge values mean exploding gradients. The sentence below "
                       "judges the last {0} updates together (with weight decay, the loss's own gradient without "
                       "the decay term), and also reads how many sigmoid or tanh outputs sit at the ends of their "
                       "range over the last few measurements (saturated: there the slope is almost 0, so little "
                       "gradient passes back). Once the loss has fallen well below where it started, saturated "
                       "units and small gradients are no longer called a problem: a network that has learned "
                       "has both.").format(RECENT)

    def export_targets(self) -> list:
        return [self.history.getPlotItem(), self.bars_plot.getPlotItem()]

    def table_for(self, target):
        """The curves: one row per iteration, ‖∂L/∂W‖ of each layer (``grad_norm_<layer>``).
        The bars: one row per layer, its ‖∂L/∂W‖ now and the log₁₀ the bar shows."""
        names = [name for _, name in self.layers]
        if target is self.history.getPlotItem():
            if not any(len(s) for s in self.series):
                raise no_data()
            return joined("iteration", [(f"grad_norm_{name}", *s.arrays()) for name, s in zip(names, self.series)])
        if target is self.bars_plot.getPlotItem():
            if not self.current:
                raise no_data()
            norms = np.asarray(self.current, dtype=np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                logs = np.log10(norms)
            return make_table(("layer", names), ("grad_norm", norms), ("log10_grad_norm", logs))
        return None

    # ------------------------------------------------------------------ data
    def start_run(self, session) -> None:
        item = self.history.getPlotItem()
        for c in self.curves:
            item.removeItem(c)
        self.layers = [(l.index, l.name) for l in session.network.layers if "W" in l.params]
        self.series = [BoundedSeries(CAPACITY) for _ in self.layers]
        self.curves = []
        for index, name in self.layers:
            color = layer_color(index)
            color.setAlpha(BAND_ALPHA)      # the layers' noisy bands overlap: each shows through
            c = item.plot(pen=pg.mkPen(color, width=2), name=name)
            c.setClipToView(True)           # downsampled to the pixels (IterationAxis.fit_curves)
            self.curves.append(c)
        self.current = []
        self.decayed = False
        n_out = session.dataset.n_outputs
        chance = math.log(n_out) if session.project.network.loss == "cross_entropy" and n_out > 1 else None
        self.watch = VerdictWatch(chance)
        layers = session.network.layers
        hidden = layers[:-1]
        self.bounded = [(l.name, l.act.name) for l in hidden
                        if getattr(l, "act", None) is not None and l.act.name in BOUNDED]
        self.inits = {l.name: getattr(l.spec, "init", "") for l in layers if "W" in l.params}
        self.activations = {l.name: l.act.name for l in hidden if "W" in l.params and getattr(l, "act", None)}
        # activations (for the saturated share) only where a layer can saturate; no weights
        self.needs_detail = bool(self.bounded)
        if self.bounded:
            mirror = NetworkMirror(session.project)          # the same initial weights
            outs = mirror.layer_outputs(fixed_samples(session))
            self._measure_saturation({l.name: outs.get(l.index) for l in mirror.network.layers})
        self.x_axis.start(session.trainer)
        self.y_range.forget()
        self._bar_range = None
        self._label_bars()

    # the room a bar's name needs beside its neighbours' (pixels)
    BAR_LABEL_GAP = 8

    def _label_bars(self, *_) -> None:
        """The layers' names under their bars while every name fits its bar's share of the plot,
        else positions (1 = the layer nearest the input): pyqtgraph leaves out tick labels that
        would overlap, so three names in a narrow dock showed only one."""
        axis = self.bars_plot.getPlotItem().getAxis("bottom")
        names = [name for _, name in self.layers]
        if not names:
            axis.setTicks(None)
            return
        metrics = QFontMetricsF(axis.style.get("tickFont") or axis.font())
        share = self.bars_plot.getPlotItem().getViewBox().width() / len(names)
        fits = len(names) <= 3 and max(metrics.horizontalAdvance(n) for n in names) + self.BAR_LABEL_GAP <= share
        axis.setTicks([[(i, name if fits else str(i + 1)) for i, name in enumerate(names)]])

    def _fit_bars(self, low: float, high: float) -> float:
        """Set the bars' y range for bars from log₁₀ ``low`` to ``high``; returns its bottom
        (where the bars start). The range keeps whole decades: a decade or more below the
        smallest bar and up to a decade and a half above the largest. It changes only when a
        bar leaves that band, not with every redraw (which would relayout the plot each time)."""
        base, top = self._bar_range or (math.nan, math.nan)
        if not low - 2.5 <= base <= low - 0.25:
            base = float(math.floor(low) - 1)
        if not high + 0.25 <= top <= high + 1.5:
            top = float(math.ceil(high + 0.25))
        if (base, top) != self._bar_range:
            self._bar_range = (base, top)
            self.bars_plot.getPlotItem().setYRange(base, top, padding=0)
        return base

    def ingest(self, batch) -> bool:
        names = [name for _, name in self.layers]
        for s in batch:
            norms = layer_weight_norms(s.grad_norms, names)
            for series, v in zip(self.series, norms):
                series.append(s.iteration, v)
            self.current = norms
            # judged on the data loss's own gradient: weight decay adds λW, which can dwarf it
            # (the curves and bars show the whole gradient, the one the weights follow)
            self.watch.add_update(layer_weight_norms(s.data_grad_norms, names) if s.data_grad_norms else norms,
                                  s.data_loss)
            self.decayed = bool(s.data_grad_norms)
            if s.activations is not None:
                self._measure_saturation(s.activations)
        return bool(self.layers)

    def _measure_saturation(self, outputs) -> None:
        self.watch.add_saturation({name: saturated_share(act, outputs[name]) if outputs.get(name) is not None
                                   else None for name, act in self.bounded})

    @property
    def saturation(self) -> dict[str, float]:
        """Each sigmoid/tanh hidden layer's saturated share, averaged over recent measurements."""
        return self.watch.saturation()

    def redraw(self) -> None:
        last, lo, hi = 0.0, math.inf, -math.inf
        for series, curve in zip(self.series, self.curves):
            x, y = series.arrays()
            y = np.maximum(y, FLOOR)
            curve.setData(x, y)
            finite = y[np.isfinite(y)]
            if len(x):
                last = max(last, float(x[-1]))
            if len(finite):
                lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
        self.x_axis.follow(last)
        self.x_axis.fit_curves([(curve, 1.0, "peak") for curve in self.curves])
        self.y_range.fit(lo, hi, log=True)
        has_data = bool(self.current)
        self.message.setVisible(not has_data)           # (it keeps itself centred)
        if not has_data:
            self.verdict.setText("")
            self.bars.setOpts(x=[], height=[])
            return
        logs = [math.log10(max(v, FLOOR)) if math.isfinite(v) else 0.0 for v in self.current]
        base = self._fit_bars(min(logs), max(logs))
        self.bars.setOpts(x=np.arange(len(logs)), y0=base, height=np.array(logs) - base, width=0.6,
                          brushes=[layer_color(i) for i, _ in self.layers], pens=[pg.mkPen(None)] * len(logs))
        self.verdict.setText(self.describe(self.watch.verdict()))

    def describe(self, v: GradientVerdict) -> str:
        """The verdict as plain sentences: what is wrong, in numbers, and what to try."""
        text = self._problem(v)
        if v.layer and v.kind != "saturated":
            text += " " + self.tr("Also, {0}, where the slope is almost 0.").format(
                self._saturated_part(v))
        if self.decayed:
            text += " " + self.tr("(Judged without weight decay, which the curves and bars include.)")
        return text

    def _saturated_part(self, v: GradientVerdict) -> str:
        """ "67% of dense_1's sigmoid outputs are pressed against 0 and 1" """
        act = dict(self.bounded).get(v.layer, "sigmoid")
        ends = self.tr("0 and 1") if act == "sigmoid" else self.tr("−1 and 1")
        return self.tr("{0:.0f}% of {1}'s {2} outputs are pressed against {3}").format(100 * v.share, v.layer,
                                                                                     act, ends)

    def _problem(self, v: GradientVerdict) -> str:
        if v.kind == "saturated":
            return self.tr("Saturated units: {0}, where the slope is almost 0, so hardly any gradient flows "
                           "back through them and they stop learning. {1}").format(
                               self._saturated_part(v), self._saturation_advice(v.layer))
        if v.kind == "vanishing":
            return self.tr("Vanishing gradients: the first layer's gradients are {0}× smaller than the last "
                           "layer's, so the layers near the input hardly learn. {1}").format(
                               times(1 / v.ratio), self._vanishing_advice())
        if v.kind == "exploding" and math.isfinite(v.ratio):
            return self.tr("Exploding gradients: the first layer's gradients are {0}× larger than the last "
                           "layer's. Lower the learning rate or use a smaller initial weight scale.").format(
                               times(v.ratio))
        if v.kind == "exploding" and math.isfinite(v.largest):
            return self.tr("Exploding gradients: the largest gradient is {0:.3g}. Lower the learning rate or "
                           "use a smaller initial weight scale.").format(v.largest)
        if v.kind == "exploding":
            return self.tr("Exploding gradients: a gradient is no longer a finite number. Lower the learning "
                           "rate or use a smaller initial weight scale.")
        if v.kind == "zero":
            return self.tr("All gradients are practically zero: the network has stopped learning (dead ReLUs "
                           "or saturated sigmoids?).")
        if v.kind == "tiny" and set(self.inits.values()) <= {"he", "xavier"}:
            return self.tr("Tiny gradients: even the largest is only {0:.1g}, so the weights barely change "
                           "while the loss is still high. Try a larger learning rate.").format(v.largest)
        if v.kind == "tiny":
            return self.tr("Tiny gradients: even the largest is only {0:.1g}, so the weights barely change "
                           "while the loss is still high: the initial weights are too small for the signal to "
                           "pass through. Try He or Xavier initialization.").format(v.largest)
        if v.kind != "ok" or len(self.layers) < 2:
            return self.tr("Healthy: gradients are of a usable size.")
        if 0.5 <= v.ratio <= 2:
            return self.tr("Healthy: the first layer's gradients are about as large as the last layer's.")
        if v.ratio < 1:
            return self.tr("Healthy: the first layer's gradients are {0}× smaller than the last layer's, below "
                           "the {1}× that would mean vanishing gradients.").format(
                               times(1 / v.ratio), times(1 / VANISHING_RATIO))
        return self.tr("Healthy: the first layer's gradients are {0}× larger than the last layer's.").format(
            times(v.ratio))

    # advice the network does not already follow (the layers' own settings in the project)
    def _saturation_advice(self, layer: str) -> str:
        if self.inits.get(layer) != "xavier":
            return self.tr("Try smaller initial weights (Xavier initialization).")
        return self.tr("The layer already starts with Xavier weights: scale the inputs (normalize the data) "
                       "or lower the learning rate.")

    def _vanishing_advice(self) -> str:
        relu_he = self.activations and all(
            self.activations[name] in ("relu", "leaky_relu") and self.inits.get(name) == "he"
            for name in self.activations)
        if relu_he:
            return self.tr("Try batch normalization, or fewer layers.")
        return self.tr("Try ReLU with He initialization, or batch normalization.")

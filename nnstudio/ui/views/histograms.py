"""View 5: the distribution of each hidden layer's outputs for a batch."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

from nnstudio.engine.analysis import activation_histogram, saturated_share
from nnstudio.project.mirror import NetworkMirror

from ..export import make_table, no_data
from .base import View, fixed_samples, grid_axes, grid_columns, style_plot_item
from ..palette import BACKGROUND, layer_color

BINS = 30
MAX_LAYERS = 8
# activations whose outputs have fixed bounds: their histograms always span them, so a
# narrow spike (weights with std 0.01) looks narrow instead of being stretched to full width
BOUNDED = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "step": (0.0, 1.0)}


def value_range(act: str, values: np.ndarray) -> tuple[float, float]:
    """The x range of a layer's histogram: the activation's bounds, or the data's range
    with 0 included (so where 0 lies is always on screen)."""
    if act in BOUNDED:
        return BOUNDED[act]
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    lo, hi = (min(0.0, float(v.min())), max(0.0, float(v.max()))) if v.size else (0.0, 1.0)
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def layer_note(act: str, values: np.ndarray) -> str | None:
    """A short reading of a layer's outputs in numbers: the share of exact zeros for ReLU
    (inactive units), the share pressed against the bounds for sigmoid/tanh (saturated),
    and the spread (std) for all."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if not v.size:
        return None
    tr = lambda text: QCoreApplication.translate("HistogramsView", text)  # noqa: E731
    parts = [tr("std {0:.2g}").format(float(v.std()))]
    if act in ("relu", "step"):
        parts.append(tr("{0:.0f}% exactly 0").format(100.0 * float(np.mean(v == 0.0))))
    else:
        saturated = saturated_share(act, v)     # the gradient view's verdict reads the same share
        if saturated is not None:
            parts.append(tr("{0:.0f}% saturated").format(100.0 * saturated))
    return ", ".join(parts)


class HistogramsView(View):
    EXPORT_NAME = "Activations"
    needs_detail = True
    heavy = True
    min_interval = 0.5

    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, parent)
        self.layers: list[tuple[int, str, str]] = []    # (index, name, activation)
        self.plots: list[pg.PlotItem] = []
        self.curves: list[pg.PlotDataItem] = []
        self.histograms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.notes: dict[str, str] = {}
        self.source = ""
        self.columns = 0
        self.canvas = pg.GraphicsLayoutWidget(self)
        self.canvas.setBackground(BACKGROUND)
        self.body.addWidget(self.canvas, 1)
        self.info = QLabel("", self)
        self.info.setWordWrap(True)
        self.body.addWidget(self.info)

    def title(self) -> str:
        return self.tr("Activations")

    def caption(self) -> str:
        return self.tr("How each hidden layer's outputs spread over a batch. Piled at 0 and 1 (saturated sigmoid) "
                       "or mostly exact zeros (dead ReLUs) means little information passes on.")

    def details(self) -> str:
        return self.tr("How the outputs of each hidden layer are spread over a batch of samples (share of values "
                       "per bin). Healthy layers spread their values out; everything piled at 0 and 1 (saturated "
                       "sigmoid), all in one narrow spike, or mostly exact zeros (dead ReLUs) means the layer "
                       "passes little information on. Compare weight initializations here.")

    def export_targets(self) -> list:
        return list(self.plots)

    def table_for(self, target):
        """One row per bin of a layer's histogram: its output values from ``bin_low`` to
        ``bin_high`` and the share of the values in it."""
        if target not in self.plots:
            return None
        _index, name, act = self.layers[self.plots.index(target)]
        if name not in self.histograms:
            raise no_data()
        edges, share = self.histograms[name]
        n = len(share)
        return make_table(("layer", [name] * n), ("activation", [act] * n), ("bin_low", edges[:-1]),
                          ("bin_high", edges[1:]), ("share", share))

    def start_run(self, session) -> None:
        self.canvas.clear()
        self.plots, self.curves, self.histograms, self.notes = [], [], {}, {}
        mirror = NetworkMirror(session.project)
        hidden = [l for l in mirror.network.layers[:-1] if l.has_pre][:MAX_LAYERS]
        self.layers = [(l.index, l.name, l.act.name) for l in hidden]
        for k, (index, name, act) in enumerate(self.layers):
            plot = pg.PlotItem(axisItems=grid_axes())       # the cheap opaque grid
            style_plot_item(plot, self.tr("share"), self.tr("output value"))
            plot.setTitle(f"{name} ({act})", color="#202020", size="9pt")
            color = QColor(layer_color(index))
            fill = QColor(color)
            fill.setAlpha(150)
            curve = plot.plot(stepMode="center", fillLevel=0, brush=fill, pen=pg.mkPen(color, width=1))
            self.plots.append(plot)
            self.curves.append(curve)
        self.columns = 0
        self._layout_plots()
        # the picture before any training: the initial weights on the first training samples
        self.mirror = mirror
        self._from_mirror(self.tr("initial weights, first {0} training samples"))

    def _layout_plots(self) -> None:
        """Place the plots in as many columns as suit the canvas's shape."""
        columns = grid_columns(len(self.plots), self.canvas.width(), self.canvas.height())
        if columns == self.columns:
            return
        self.columns = columns
        layout = self.canvas.ci
        for plot in self.plots:
            if plot.scene() is not None:
                layout.removeItem(plot)
        for k, plot in enumerate(self.plots):
            layout.addItem(plot, row=k // columns, col=k % columns)
            plot.getAxis("left").setLabel(self.tr("share") if k % columns == 0 else "")

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self.plots:
            self._layout_plots()

    def _from_mirror(self, source: str) -> None:
        x = fixed_samples(self.session)
        # batch norm on these samples' own statistics, as training normalizes a batch (its
        # running ones start at mean 0, variance 1: at the initial weights it seemed to do nothing)
        outs = self.mirror.layer_outputs(x, batch_statistics=True)
        self._set_histograms({name: outs[index] for index, name, _ in self.layers})
        self.source = source.format(len(x))

    def weights_changed(self) -> None:
        """Paused or finished: the outputs for the current weights, on fixed samples."""
        if self.weights is not None and self.layers:
            self.mirror.load(self.weights, self.weights_iteration)
            self._from_mirror(self.tr("weights of iteration {0}, first {{0}} training samples")
                              .format(self.weights_iteration))

    def _set_histograms(self, outputs) -> None:
        for index, name, act in self.layers:
            if name in outputs and outputs[name] is not None:
                values = outputs[name]
                self.histograms[name] = activation_histogram(values, BINS, value_range(act, values))
                self.notes[name] = layer_note(act, values)

    def ingest(self, batch) -> bool:
        for snap in reversed(batch):
            if snap.activations is not None:
                self._set_histograms(snap.activations)
                self.source = self.tr("training batch at iteration {0}").format(snap.iteration)
                return True
        return False

    def redraw(self) -> None:
        if not self.layers:
            self.info.setText(self.tr("This network has no hidden layers."))
            return
        notes = []
        for (index, name, act), plot, curve in zip(self.layers, self.plots, self.curves):
            if name not in self.histograms:
                continue
            edges, share = self.histograms[name]
            curve.setData(edges, share)
            plot.setXRange(float(edges[0]), float(edges[-1]), padding=0.06)   # room for the end labels
            if self.notes.get(name):
                notes.append(f"{name}: {self.notes[name]}")
        self.info.setText(self.tr("Showing: {0}.").format(self.source) + ("  " + "; ".join(notes) if notes else ""))

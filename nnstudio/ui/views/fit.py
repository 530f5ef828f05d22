"""View 8: what the network has learned about the input space — the decision regions for
2-D classification data, or the fitted curve (and each hidden unit's share) for 1-D data."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout

from nnstudio.engine.analysis import grid_2d, unit_contributions
from nnstudio.project.mirror import NetworkMirror

from ..export import make_table, no_data
from .base import View, make_plot, message_item
from ..palette import class_color, magnitude_map

GRID = 80
CURVE_POINTS = 300
MAX_UNITS = 30
LIGHTEN = 0.55      # share of white mixed into the region colours so the points stand out


def region_colors(probabilities: np.ndarray) -> np.ndarray:
    """RGB (0…255) per grid point: the class colours mixed by probability, lightened."""
    colors = np.array([class_color(k).getRgb()[:3] for k in range(probabilities.shape[1])], dtype=np.float64)
    mix = probabilities @ colors
    return (1 - LIGHTEN) * mix + LIGHTEN * 255.0


class DataFitView(View):
    EXPORT_NAME = "Decision boundary / fit"
    needs_detail = True
    heavy = True
    min_interval = 0.3

    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, parent)
        self.mode = "none"          # "boundary", "surface", "function" or "none"
        self.mirror: NetworkMirror | None = None
        self.grid_values: np.ndarray | None = None
        self.curve_x = np.zeros(0)
        self.curve_y: np.ndarray | None = None       # the network's output along curve_x, as drawn
        self.target_y: np.ndarray | None = None      # the target f(x) along curve_x, where drawn
        self.contributions: np.ndarray | None = None
        self._drawn_version = -1

        self.plot = make_plot("", "")
        item = self.plot.getPlotItem()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-20)
        item.addItem(self.image)
        self.legend = item.addLegend(offset=(10, 10), labelTextColor="#202020", brush=(255, 255, 255, 210))
        self.train_points = pg.ScatterPlotItem(size=7, symbol="o", pen=pg.mkPen("#202020", width=0.8))
        # "t1" points up, as the △ the caption names ("t" would point down)
        self.test_points = pg.ScatterPlotItem(size=10, symbol="t1", pen=pg.mkPen("#000000", width=1.2))
        self.target_curve = pg.PlotDataItem(pen=pg.mkPen("#000000", width=2, style=Qt.PenStyle.DashLine))
        self.output_curve = pg.PlotDataItem(pen=pg.mkPen("#D55E00", width=3))
        for it in (self.train_points, self.test_points, self.target_curve, self.output_curve):
            item.addItem(it)
        self.unit_curves: list[pg.PlotDataItem] = []
        self.message = message_item(item)
        self.body.addWidget(self.plot, 1)
        row = QHBoxLayout()
        self.units_box = QCheckBox(self.tr("show each hidden unit's share"), self)
        self.units_box.setChecked(True)
        self.units_box.toggled.connect(self._toggle_units)
        row.addWidget(self.units_box)
        self.info = self.add_info(row)

    def title(self) -> str:
        return self.tr("Decision boundary / fit")

    def caption(self) -> str:
        return self.tr("What the network answers for every input: class regions with the training (○) and test (△)"
                       " points for 2-D data; for 1-D data the fitted curve and each hidden unit's share.")

    def details(self) -> str:
        return self.tr("What the network does with every possible input. For 2-D data: each point of the plane "
                       "coloured by the class the network picks (paler where it is unsure), with the training "
                       "points (circles) and test points (triangles). For 1-D data: the network's curve over the "
                       "target, and each last-hidden unit's weighted share, which add up to the curve.")

    def export_targets(self) -> list:
        return [self.plot.getPlotItem()]

    def table_for(self, target):
        """1-D fit: the training and test samples (``train_x``, ``train_y``, ``test_x``,
        ``test_y``), then the curves along ``x``: the target f(x) where it is drawn, the
        network's output and, while shown, each last-hidden unit's share (``unit_<k>_share``,
        k from 0 as in the weights view; they add up to the output less its bias).
        2-D: the grid the regions are coloured from (``x1``, ``x2``, then each class's
        probability ``p_<class>`` and the predicted class, or the network's ``output`` for
        regression), then the samples (``train_x1``, ``train_x2``, ``train_class`` or
        ``train_target``, the same for ``test_``)."""
        if target is not self.plot.getPlotItem():
            return None
        ds = self.session.dataset if self.session is not None else None
        if self.mode == "function" and self.curve_y is not None:
            columns = [("train_x", ds.x_train[:, 0]), ("train_y", ds.y_train[:, 0]),
                       ("test_x", ds.x_test[:, 0]), ("test_y", ds.y_test[:, 0]), ("x", self.curve_x)]
            if self.target_y is not None:
                columns.append(("target", self.target_y))
            columns.append(("output", self.curve_y))
            if self.contributions is not None and self.units_box.isChecked():
                columns += [(f"unit_{j}_share", self.contributions[:, j])
                            for j in range(self.contributions.shape[1])]
            return make_table(*columns)
        if self.mode in ("boundary", "surface") and self.grid_values is not None:
            columns = [("x1", self.grid[:, 0]), ("x2", self.grid[:, 1])]
            if self.mode == "boundary":
                names = [str(c) for c in ds.class_names]
                columns += [(f"p_{names[k]}", self.grid_values[:, k]) for k in range(self.grid_values.shape[1])]
                columns.append(("predicted_class", [names[k] for k in self.grid_values.argmax(axis=1)]))
                value, values = "class", lambda y: [names[int(k)] for k in y]
            else:
                columns.append(("output", self.grid_values[:, 0]))
                value, values = "target", lambda y: np.asarray(y, dtype=np.float64)[:, 0]
            for part, x, y in (("train", ds.x_train, ds.y_train), ("test", ds.x_test, ds.y_test)):
                columns += [(f"{part}_x1", x[:, 0]), (f"{part}_x2", x[:, 1]), (f"{part}_{value}", values(y))]
            return make_table(*columns)
        raise no_data()

    # ------------------------------------------------------------------ setup
    def start_run(self, session) -> None:
        ds = session.dataset
        item = self.plot.getPlotItem()
        self.mirror = NetworkMirror(session.project)
        self._drawn_version = -1
        self.grid_values, self.contributions = None, None
        self.curve_y, self.target_y = None, None
        item = self.plot.getPlotItem()
        for c in self.unit_curves:
            item.removeItem(c)
        self.unit_curves = []
        self.legend.clear()
        for it in (self.train_points, self.test_points, self.target_curve, self.output_curve):
            it.clear()
        self.image.clear()
        shape = tuple(ds.input_shape)
        if shape == (2,):
            self.mode = "boundary" if ds.task == "classification" else "surface"
            self._setup_plane(ds)
        elif ds.one_variable_function:
            self.mode = "function"
            self._setup_function(ds)
        else:
            self.mode = "none"
        self.units_box.setVisible(self.mode == "function")
        for axis in ("left", "bottom"):
            item.showAxis(axis, self.mode != "none")
        self.legend.setVisible(self.mode == "function")
        if self.mode == "none":
            self.message.setText(self.tr("This picture needs data with 2 inputs (decision boundary)\n"
                                         "or 1 input and 1 output (function fit). This data set has "
                                         "{0} inputs.").format(int(np.prod(shape))))
        else:
            self.message.setText("")

    def _feature_names(self, ds, n: int) -> list[str]:
        names = list(getattr(ds.info, "feature_names", ()) or ())
        return names if len(names) == n else [f"x{k + 1}" for k in range(n)]

    def _setup_plane(self, ds) -> None:
        item = self.plot.getPlotItem()
        fx, fy = self._feature_names(ds, 2)
        item.setLabel("bottom", fx)
        item.setLabel("left", fy)
        pts = np.concatenate([ds.x_train, ds.x_test]) if ds.n_test else np.asarray(ds.x_train)
        self.grid_x, self.grid_y, self.grid = grid_2d(pts, GRID)
        dx = self.grid_x[1] - self.grid_x[0]
        dy = self.grid_y[1] - self.grid_y[0]
        self.image_rect = (self.grid_x[0] - dx / 2, self.grid_y[0] - dy / 2, dx * GRID, dy * GRID)
        if self.mode == "surface":
            # points and surface share one colour scale: the data's target range
            t = np.asarray(ds.y_train, dtype=np.float64)[:, 0]
            lo, hi = float(t.min()), float(t.max())
            self.levels = (lo, hi if hi > lo else lo + 1.0)
        for points, x, y, name in ((self.train_points, ds.x_train, ds.y_train, self.tr("training samples")),
                                   (self.test_points, ds.x_test, ds.y_test, self.tr("test samples"))):
            if self.mode == "boundary":
                brushes = [pg.mkBrush(class_color(int(k))) for k in y]
            else:
                lo, hi = self.levels
                share = np.clip((np.asarray(y, dtype=np.float64)[:, 0] - lo) / (hi - lo), 0, 1)
                brushes = [pg.mkBrush(c) for c in magnitude_map().map(share, mode="qcolor")]
            points.setData(x=x[:, 0], y=x[:, 1], brush=brushes)
        item.getViewBox().setAspectLocked(False)
        item.setRange(xRange=(self.grid_x[0], self.grid_x[-1]), yRange=(self.grid_y[0], self.grid_y[-1]), padding=0)
        if self.mode == "surface":
            self.info.setText(self.tr("Colour: the network's output (dark low, yellow high); each point is "
                                      "coloured by its target value, so a good fit hides the points. "
                                      "Circles: training, triangles: test."))
        if self.mode == "boundary":
            names = ds.class_names
            self.info.setText(self.tr("Circles: training samples, triangles: test samples. Classes: ") + ", ".join(
                f"{names[k]} ({self._color_word(k)})" for k in range(len(names))))

    def _color_word(self, k: int) -> str:
        words = [self.tr("blue"), self.tr("orange"), self.tr("green"), self.tr("vermillion"),
                 self.tr("sky blue"), self.tr("pink"), self.tr("yellow"), self.tr("black")]
        return words[k % len(words)]

    def _setup_function(self, ds) -> None:
        item = self.plot.getPlotItem()
        item.setLabel("bottom", self._feature_names(ds, 1)[0])
        item.setLabel("left", self.tr("y"))
        xs = np.concatenate([ds.x_train[:, 0], ds.x_test[:, 0]]) if ds.n_test else ds.x_train[:, 0]
        lo, hi = float(xs.min()), float(xs.max())
        self.curve_x = np.linspace(lo, hi, CURVE_POINTS)
        self.train_points.setData(x=ds.x_train[:, 0], y=ds.y_train[:, 0], brush=pg.mkBrush(180, 180, 180, 200),
                                  size=6)
        self.legend.addItem(self.train_points, self.tr("training samples"))
        if ds.n_test:
            self.test_points.setData(x=ds.x_test[:, 0], y=ds.y_test[:, 0], brush=pg.mkBrush(255, 255, 255, 220),
                                     size=8)
            self.legend.addItem(self.test_points, self.tr("test samples"))
        target = getattr(ds, "target", None)
        normalized = (getattr(ds, "options", {}) or {}).get("normalize", "none") not in (None, "none")
        if target is not None and not normalized:
            self.target_y = np.asarray(target(self.curve_x), dtype=np.float64)
            self.target_curve.setData(self.curve_x, self.target_y)
            self.legend.addItem(self.target_curve, self.tr("target f(x)"))
        self.legend.addItem(self.output_curve, self.tr("network output"))
        self.legend.setColumnCount(2)       # five entries in three short rows cover less of the plot
        out_layer = self.mirror.network.output_layer
        hidden = [l for l in self.mirror.network.layers[:-1] if l.has_pre]
        self.can_split = bool(hidden) and "W" in out_layer.params and out_layer.act.name == "identity"
        if self.can_split:
            n_units = out_layer.params["W"].shape[0]
            shown = min(n_units, MAX_UNITS)
            cmap = pg.colormap.get("viridis")
            for j in range(shown):
                color = QColor(cmap.map(0.9 * j / max(shown - 1, 1), mode="qcolor"))
                color.setAlpha(170)
                c = pg.PlotDataItem(pen=pg.mkPen(color, width=1))
                c.setZValue(-5)
                item.addItem(c)
                self.unit_curves.append(c)
            if self.unit_curves:
                self.legend.addItem(self.unit_curves[0], self.tr("each hidden unit's share"))
        item.getViewBox().setAspectLocked(False)
        item.enableAutoRange()

    def _toggle_units(self, _on: bool) -> None:
        if self.mode == "function" and self.mirror is not None:
            self._draw_function()

    # ------------------------------------------------------------------ drawing
    def redraw(self) -> None:
        if self.mode == "none" or self.mirror is None:
            self.message.setPos(self.plot.getPlotItem().getViewBox().viewRect().center())
            return
        it = self.weights_iteration if self.weights is not None else 0
        if self.weights_version == self._drawn_version:
            return
        if self.weights is not None:
            self.mirror.load(self.weights, it)
        self._drawn_version = self.weights_version
        if self.mode == "function":
            self._draw_function()
        else:
            self._draw_plane()
        when = self.tr("iteration {0}").format(it) if it else self.tr("initial weights")
        when += self.approximate_note(self.mirror)
        if self.mode == "function":
            self.info.setText(when + self._sum_note())
        elif self.mode in ("boundary", "surface"):
            self.info.setText(self.info.text().split("  ·  ")[0] + "  ·  " + when)

    def _sum_note(self) -> str:
        """How the hidden units' shares make the curve, with the numbers of this run."""
        if not getattr(self, "can_split", False) or self.contributions is None:
            return ""
        bias = float(np.asarray(self.mirror.network.output_layer.params["b"]).ravel()[0])
        n = self.contributions.shape[1]
        shown = len(self.unit_curves)
        note = self.tr("  ·  output = sum of the {0} shares + bias {1:.3g}").format(n, bias)
        if shown < n:
            note += self.tr(" (the first {0} shares drawn)").format(shown)
        return note

    def _draw_plane(self) -> None:
        out = np.asarray(self.mirror.predict(self.grid), dtype=np.float64)
        self.grid_values = out
        if self.mode == "boundary":
            rgb = region_colors(out).reshape(GRID, GRID, 3)
            self.image.setImage(rgb.astype(np.uint8), levels=(0, 255))
        else:
            v = out[:, 0].reshape(GRID, GRID)
            self.image.setImage(v, levels=self.levels)
            self.image.setColorMap(magnitude_map())
        self.image.setRect(*self.image_rect)

    def _draw_function(self) -> None:
        x = self.curve_x[:, None]
        outs = self.mirror.layer_outputs(x)
        net = self.mirror.network
        y = np.asarray(outs[net.output_layer.index], dtype=np.float64)[:, 0]
        self.curve_y = y
        self.output_curve.setData(self.curve_x, y)
        if not self.can_split:
            return
        hidden = np.asarray(outs[net.layers[-2].index])
        self.contributions = unit_contributions(hidden, net.output_layer.params["W"])
        show = self.units_box.isChecked()
        for j, c in enumerate(self.unit_curves):
            c.setVisible(show)
            if show:
                c.setData(self.curve_x, self.contributions[:, j])

"""View 4: the learned weights as pictures (image tiles, conv filters, or heat maps)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel

from nnstudio.engine.analysis import guess_image_shape, mosaic, symmetric_limit, weight_tiles
from nnstudio.project.mirror import NetworkMirror

from ..export import make_table, no_data
from .base import View, image_plot, readable_colorbar
from ..palette import BACKGROUND, diverging_map


# what the CSV calls the values of each "Weights:" choice (now, at the start, the change)
QUANTITIES = ("weight", "initial_weight", "weight_change")
MAX_TILES = 256          # tiles drawn at most (a wide layer shows its first units)
COLORBAR_WIDTH = 110     # pixels the colour bar and margins take from the canvas


class WeightsView(View):
    EXPORT_NAME = "Weights"
    needs_detail = True
    heavy = True
    min_interval = 0.5

    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, parent)
        self.layers: list[tuple[int, str, str]] = []     # (index, name, kind) of layers with W
        self.image_shape: tuple[int, int] | None = None
        self.tiles: np.ndarray | None = None
        self.matrix: np.ndarray | None = None
        self.mode = ""
        self.columns = 1
        self.shown: tuple[int, str, np.ndarray, int] | None = None   # (layer index, name, W, choice) drawn

        row = QHBoxLayout()
        self.layer_box = self.add_layer_choice(row)
        row.addWidget(QLabel(self.tr("Weights:"), self))
        self.what = QComboBox(self)
        self.what.addItems([self.tr("now"), self.tr("at the start"), self.tr("change since the start")])
        self.what.setToolTip(self.tr("The weights now, the initial weights, or how far each weight has moved"))
        self.what.currentIndexChanged.connect(lambda _i: self._redraw_now())
        row.addWidget(self.what)
        self.info = self.add_info(row)

        self.canvas = pg.GraphicsLayoutWidget(self)
        self.canvas.setBackground(BACKGROUND)
        self.plot, self.image = image_plot(self.canvas)
        self.colorbar = pg.ColorBarItem(values=(-1, 1), colorMap=diverging_map(), interactive=False,
                                        label=self.tr("weight"))
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        readable_colorbar(self.colorbar)
        self.body.addWidget(self.canvas, 1)

    def title(self) -> str:
        return self.tr("Weights")

    def caption(self) -> str:
        return self.tr("Each weight as a colour (blue positive, orange negative, white 0). For images, one tile "
                       "per hidden unit shows the pixel pattern it responds to: watch noise turn into strokes.")

    def details(self) -> str:
        return self.tr("Each weight as a colour: blue positive, orange negative, white zero (as the diagram's "
                       "connections). For image data the first layer shows one tile per hidden unit, laid out "
                       "like the input picture: the pattern of pixels that unit responds to. Watch the noise "
                       "turn into strokes as training goes on.")

    def export_targets(self) -> list:
        return [self.plot]

    def table_for(self, target):
        """The weights drawn, as numbers: for a dense layer one row per input (the feature's
        name where the data set names them, else its position: a pixel's in row-major order)
        and a column per unit; for a conv layer one row per weight (filter, channel, row,
        column). Columns are named after the "Weights:" choice (QUANTITIES)."""
        if target is not self.plot:
            return None
        if self.shown is None:
            raise no_data()
        index, _name, W, choice = self.shown
        quantity = QUANTITIES[choice]
        W = np.asarray(W)
        if W.ndim == 4:
            f, c, r, k = np.indices(W.shape).reshape(4, -1)
            return make_table(("filter", f), ("channel", c), ("row", r), ("col", k), (quantity, W.ravel()))
        features = tuple(getattr(self.session.dataset.info, "feature_names", ()) or ())
        if index == self.layers[0][0] and len(features) == W.shape[0]:
            inputs = [str(f) for f in features]
        else:
            inputs = list(range(W.shape[0]))
        return make_table(("input", inputs), *((f"{quantity}_unit_{j}", W[:, j]) for j in range(W.shape[1])))

    # ------------------------------------------------------------------ data
    def start_run(self, session) -> None:
        self.mirror = NetworkMirror(session.project)
        self.weights = None
        self.shown = None
        self.image_shape = guess_image_shape(session.project.network.input_shape)
        self.layers = [(l.index, l.name, l.kind) for l in self.mirror.network.layers if "W" in l.params]
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        for _, name, _kind in self.layers:
            self.layer_box.addItem(name)
        self.layer_box.blockSignals(False)

    def _current_weights(self, name: str) -> np.ndarray:
        """The weights to draw: now, at the start, or the change (now − start)."""
        key = f"{name}.W"
        initial = self.mirror.parameters()[key]      # the mirror keeps the initial weights
        now = np.asarray(self.weights[key]) if self.weights is not None and key in self.weights else initial
        choice = self.what.currentIndex()
        if choice == 1:
            return initial
        if choice == 2:
            return now.astype(np.float64) - initial
        return now

    def redraw(self) -> None:
        if not self.layers or self.layer_box.currentIndex() < 0:
            return
        index, name, kind = self.layers[self.layer_box.currentIndex()]
        W = self._current_weights(name)
        self.shown = (index, name, W, self.what.currentIndex())
        self.tiles, self.matrix = None, None
        if kind == "conv2d":
            self.tiles = weight_tiles(W, None)
            columns = W.shape[1] if W.shape[1] > 1 else self._columns_for(self.tiles[:MAX_TILES].shape)
            img, self.columns = mosaic(self.tiles[:MAX_TILES], columns)
            self.mode = "tiles"
            text = self.tr("{0}: {1} filters of {3}×{4} (a tile per filter and input channel; input channels: {2})"
                           ).format(name, W.shape[0], W.shape[1], W.shape[2], W.shape[3])
        elif self.image_shape is not None and W.shape[0] == self.image_shape[0] * self.image_shape[1]:
            self.tiles = weight_tiles(W, self.image_shape)
            img, self.columns = mosaic(self.tiles[:MAX_TILES], self._columns_for(self.tiles[:MAX_TILES].shape))
            self.mode = "tiles"
            text = self.tr("{0}: one {1}×{2} tile per unit ({3} units)").format(
                name, self.image_shape[0], self.image_shape[1], W.shape[1])
        else:
            self.matrix = W
            img = np.asarray(W, dtype=np.float64)
            self.mode = "matrix"
            text = self.tr("{0}: W is {1} inputs (rows) × {2} units (columns)").format(name, W.shape[0], W.shape[1])
        if self.tiles is not None and len(self.tiles) > MAX_TILES:
            text += self.tr(" (the first {0} shown)").format(MAX_TILES)
        it = self.weights_iteration if self.weights is not None else 0
        choice = self.what.currentIndex()
        if choice == 1 or not it:
            when = self.tr("initial weights")
        elif choice == 2:
            when = self.tr("change from the start to iteration {0}").format(it)
        else:
            when = self.tr("iteration {0}").format(it)
        self.info.setText(text + "  ·  " + when)
        limit = symmetric_limit(img)
        self.image.setImage(img, levels=(-limit, limit))
        # pixel (r, c) is centred on (c, r), so ticks name rows and columns directly
        self.image.setRect(-0.5, -0.5, img.shape[1], img.shape[0])
        self.colorbar.setLevels((-limit, limit))
        matrix = self.mode == "matrix"
        self.plot.getViewBox().setAspectLocked(not matrix)
        self.plot.showAxis("left", matrix)
        self.plot.showAxis("bottom", matrix)
        if matrix:
            self._label_matrix_axes(index, W.shape)
        self.plot.getViewBox().autoRange(padding=0.02)

    def _columns_for(self, shape) -> int:
        """As many tile columns as make the mosaic's shape match the free canvas."""
        n, th, tw = shape
        w = max(self.canvas.width() - COLORBAR_WIDTH, 50)
        h = max(self.canvas.height() - 10, 50)
        columns = int(min(n, max(1, math.ceil(math.sqrt(n * th * w / (tw * h))))))
        rows = math.ceil(n / columns)
        return math.ceil(n / rows)          # fill the rows evenly (no lone tile in the last one)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self.layers and self.mode == "tiles":
            self.request_redraw()

    def _label_matrix_axes(self, index: int, shape) -> None:
        """Name the rows by the input features where the data set has names (first layer),
        and give integer ticks to small matrices."""
        features = tuple(getattr(self.session.dataset.info, "feature_names", ()) or ())
        first = index == self.layers[0][0]
        left, bottom = self.plot.getAxis("left"), self.plot.getAxis("bottom")
        if first and len(features) == shape[0] and shape[0] <= 30:
            left.setTicks([[(i, f) for i, f in enumerate(features)]])
            self.plot.setLabel("left", self.tr("input feature"))
        else:
            left.setTicks([[(i, str(i)) for i in range(shape[0])]] if shape[0] <= 30 else None)
            self.plot.setLabel("left", self.tr("input (row of W)"))
        bottom.setTicks([[(j, str(j)) for j in range(shape[1])]] if shape[1] <= 30 else None)
        self.plot.setLabel("bottom", self.tr("unit (column of W)"))

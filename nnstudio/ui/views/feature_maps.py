"""View: a convolutional network's feature maps for one test image (CURRICULUM §9): the
image, and the chosen layer's output channels as tiles."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox

from nnstudio.engine.analysis import mosaic
from nnstudio.project.mirror import NetworkMirror

from ..export import make_table, no_data
from ..palette import BACKGROUND, TEXT_COLOR, magnitude_map
from .base import View, image_plot, message_item, readable_colorbar

MAX_MAPS = 64            # channels drawn at most


class FeatureMapsView(View):
    EXPORT_NAME = "Feature maps"
    needs_detail = True
    heavy = True
    min_interval = 0.5

    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, parent)
        self.layers: list[tuple[int, str]] = []           # (index, name) of layers with image outputs
        self.maps: np.ndarray | None = None                # (channels, h, w) drawn
        self.sample_image: np.ndarray | None = None

        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Test sample:"), self))
        self.sample = QSpinBox(self)
        self.sample.setKeyboardTracking(False)
        self.sample.valueChanged.connect(lambda _v: self._redraw_now())
        row.addWidget(self.sample)
        self.layer_box = self.add_layer_choice(row)
        self.info = self.add_info(row)

        self.canvas = pg.GraphicsLayoutWidget(self)
        self.canvas.setBackground(BACKGROUND)
        self.input_plot, self.input_image = image_plot(self.canvas)
        self.input_plot.setTitle(self.tr("the input image"), size="9pt", color=TEXT_COLOR)
        self.maps_plot, self.maps_image = image_plot(self.canvas)
        for plot in (self.input_plot, self.maps_plot):
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            plot.getViewBox().setAspectLocked(True)
            plot.setMouseEnabled(x=False, y=False)
        self.canvas.ci.layout.setColumnStretchFactor(0, 1)
        self.canvas.ci.layout.setColumnStretchFactor(1, 3)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=magnitude_map(), interactive=False,
                                        label=self.tr("output"))
        self.colorbar.setImageItem(self.maps_image, insert_in=self.maps_plot)
        readable_colorbar(self.colorbar)
        self.message = message_item(self.maps_plot)
        self.body.addWidget(self.canvas, 1)

    def _show_parts(self, shown: bool) -> None:
        """The input image, the colour bar and the controls only where there are maps."""
        self.input_plot.setVisible(shown)
        self.colorbar.setVisible(shown)
        self.sample.setEnabled(shown)
        self.layer_box.setEnabled(shown)

    # ------------------------------------------------------------------ the contract
    def title(self) -> str:
        return self.tr("Feature maps")

    def caption(self) -> str:
        return self.tr("What each filter of a convolutional layer finds in one test image: a tile per output "
                       "channel, bright where the filter responds.")

    def details(self) -> str:
        return self.tr("A convolutional layer slides each of its filters over the image; where the image looks "
                       "like the filter the output is large. Each tile is one filter's output (a channel) for "
                       "the chosen test image, after the layer's activation; pooling layers show the same "
                       "channels, smaller. Early layers find edges and strokes; compare the tiles with the "
                       "filters in the Weights view. Drawn with the latest weights.")

    def export_targets(self) -> list:
        return [self.maps_plot] if self.layers else []     # nothing to export without convolutions

    def table_for(self, target):
        """One row per output value drawn: channel, row, column and the value."""
        if target is not self.maps_plot:
            return None
        if self.maps is None:
            raise no_data()
        c, r, k = np.indices(self.maps.shape).reshape(3, -1)
        return make_table(("channel", c), ("row", r), ("col", k), ("output", self.maps.ravel()))

    # ------------------------------------------------------------------ data
    def start_run(self, session) -> None:
        self.mirror = NetworkMirror(session.project)
        self._loaded_version = -1
        self.maps = None
        ds = session.dataset
        shapes = session.project.network.shapes()          # per-sample output shapes
        self.layers = [(l.index, l.name) for l, shape in zip(self.mirror.network.layers, shapes) if len(shape) == 3]
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        for _, name in self.layers:
            self.layer_box.addItem(name)
        self.layer_box.blockSignals(False)
        self.sample.blockSignals(True)
        self.sample.setRange(0, max(0, ds.n_test - 1))
        self.sample.blockSignals(False)

    def redraw(self) -> None:
        if not self.layers or self.session is None or not self.session.dataset.n_test:
            self.maps = None
            self.input_image.clear()
            self.maps_image.clear()
            self.info.setText("")
            self.message.setText(self.tr("Feature maps are the outputs of convolutional layers: this network has "
                                         "none. Try the SimpleConvNet example (File ▸ New from Template)."))
            self.message.setVisible(True)
            self._show_parts(False)
            return
        self.message.setVisible(False)
        self._show_parts(True)
        if self.weights is not None and self.weights_version != self._loaded_version:
            self.mirror.load(self.weights, self.weights_iteration)      # once per new copy, not per redraw
            self._loaded_version = self.weights_version
        ds = self.session.dataset
        x = ds.x_test[self.sample.value():self.sample.value() + 1]
        outs = self.mirror.layer_outputs(x)
        index, name = self.layers[max(0, self.layer_box.currentIndex())]
        maps = np.asarray(outs[index][0], dtype=np.float64)
        self.maps = maps[:MAX_MAPS]
        img, _columns = mosaic(self.maps)
        low, high = float(np.nanmin(img)), float(np.nanmax(img))
        if high <= low:
            high = low + 1.0
        self.maps_image.setImage(img, levels=(low, high))
        self.maps_image.setRect(-0.5, -0.5, img.shape[1], img.shape[0])
        self.colorbar.setLevels((low, high))
        picture = np.asarray(x[0], dtype=np.float64)
        picture = picture[0] if picture.ndim == 3 else picture    # (channels, h, w): the first channel
        self.input_image.setImage(picture, levels=(float(picture.min()), float(picture.max()) or 1.0))
        self.input_image.setLookupTable(pg.colormap.get("CET-L1").getLookupTable(nPts=256))
        self.input_image.setRect(-0.5, -0.5, picture.shape[1], picture.shape[0])
        for plot in (self.input_plot, self.maps_plot):
            plot.getViewBox().autoRange(padding=0.02)
        truth = int(ds.y_test[self.sample.value()])
        names = tuple(ds.class_names or ())
        label = names[truth] if truth < len(names) else str(truth)
        it = self.weights_iteration if self.weights is not None else 0
        text = self.tr("{0}: {1} channels of {2}×{3}; test sample {4} (class {5}); {6}").format(
            name, maps.shape[0], maps.shape[1], maps.shape[2], self.sample.value(), label,
            self.tr("iteration {0}").format(it) if it else self.tr("initial weights"))
        if maps.shape[0] > MAX_MAPS:
            text += self.tr(" (the first {0} shown)").format(MAX_MAPS)
        self.info.setText(text)


__all__ = ["FeatureMapsView"]

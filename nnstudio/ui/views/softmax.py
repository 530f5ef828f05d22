"""View 7: the class probabilities for one test sample, and a gallery of predictions.

The view stays usable in a narrow dock (about 250 px): its controls wrap onto more lines
(:class:`FlowRow`), the input picture, the probabilities and the gallery stand side by side
in a wide view and one above the other in a tall narrow one (:func:`arrangement`), and the
gallery's lines wrap at its width instead of scrolling sideways.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QLabel, QListView, QListWidget,
                               QListWidgetItem, QSizePolicy, QSpinBox, QVBoxLayout, QWidget)

from nnstudio.engine.activations import softmax
from nnstudio.engine.analysis import gallery_order, guess_image_shape
from nnstudio.project.mirror import NetworkMirror

from ..export import make_table, no_data
from .base import Caption, View, make_plot, message_item
from ..flow_row import FlowRow
from ..palette import TEST_COLOR, TRAIN_COLOR

SHIFT = 100.0
MAX_RANDOM_LENGTH = 50  # the longest vector of random softmax inputs
GALLERY_POOL = 500      # test samples scored for the gallery
GALLERY_SIZE = 40
GALLERY_INTERVAL = 2.0  # seconds between gallery rebuilds while training runs
ICON = 40
ROW_ASPECT = 1.2        # a view this much wider than tall shows its three parts in a row,
ROW_WIDTH = 560         # when it is this wide too
#: the least height of the picture, the bars and the gallery together: the same in every
#: arrangement, so that a rearranged view never asks its dock for more height
PARTS_MIN_HEIGHT = 80
PART_MIN_WIDTH = 80
PAIR_WIDTH = 420        # narrower than this, the picture and the bars stand one above the other

#: where the picture, the bars and the gallery sit in each arrangement: (row, column, columns)
PLACES = {"row": ((0, 0, 1), (0, 1, 1), (0, 2, 1)),
          "pair": ((0, 0, 1), (0, 1, 1), (1, 0, 2)),
          "column": ((0, 0, 1), (1, 0, 1), (2, 0, 1))}
STRETCH = {"row": ((1,), (2, 3, 2)), "pair": ((1, 1), (2, 3)), "column": ((2, 3, 3), (1,))}


def arrangement(width: int, height: int) -> str:
    """How a view of this size places its parts: ``row`` (all three side by side), ``pair``
    (picture and bars side by side, the gallery below) or ``column`` (one above the other)."""
    if width >= ROW_ASPECT * height and width >= ROW_WIDTH:
        return "row"
    return "pair" if width >= PAIR_WIDTH else "column"


class _Part(QWidget):
    """A part of the view sized by the grid's stretch factors alone: a word-wrapped label
    inside would otherwise make the grid give it the full height of its text and list."""

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt name)
        return False


def _gray_icon(img: np.ndarray) -> QIcon:
    a = np.asarray(img, dtype=np.float64)
    lo, hi = float(a.min()), float(a.max())
    a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    data = np.ascontiguousarray((255 * (1.0 - a)).astype(np.uint8))   # dark strokes on white
    q = QImage(data.data, data.shape[1], data.shape[0], data.strides[0], QImage.Format.Format_Grayscale8).copy()
    return QIcon(QPixmap.fromImage(q).scaled(ICON, ICON, Qt.AspectRatioMode.KeepAspectRatio))


class SoftmaxView(View):
    EXPORT_NAME = "Softmax"
    needs_detail = True
    heavy = True
    min_interval = 0.5

    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, parent)
        self.mirror: NetworkMirror | None = None
        self.probabilities = np.zeros(0)
        self.shift_change: float | None = None    # largest change of a probability made by +100
        self.logits = np.zeros(0)
        self.true_label: int | None = None        # the test sample's class (None: random numbers)
        self.sample_values: np.ndarray | None = None   # the test sample's input, as drawn
        self.gallery_indices: list[int] = []
        self._loaded_iteration = -1
        self._loaded_version = -1
        self._gallery_due = False
        self._gallery_time = -1e9

        row = FlowRow(self)
        self.controls = row
        self.source = QComboBox(self)
        self.source.addItem(self.tr("the network's output for test sample"))
        self.source.addItem(self.tr("random numbers in [−10, 10], seed"))
        self.source.setToolTip(self.tr("What goes into the softmax: the output layer's values uₖ for a test "
                                       "sample, or random numbers as in the book's softmax exercise"))
        self.source.currentIndexChanged.connect(self._source_changed)
        row.add(QLabel(self.tr("Softmax of"), self))
        row.add(self.source)
        self.sample = QSpinBox(self)
        self.sample.setRange(0, 0)
        self.sample.valueChanged.connect(lambda _v: self._redraw_now())
        row.add(self.sample)
        # how many random numbers: the class count until the learner picks another length
        self.length_box = QWidget(self)     # one flow item: hidden, it leaves one gap, not two
        pair = QHBoxLayout(self.length_box)
        pair.setContentsMargins(0, 0, 0, 0)
        self.length = QSpinBox(self.length_box)
        self.length.setRange(2, MAX_RANDOM_LENGTH)
        self.length.setValue(10)
        self.length.setToolTip(self.tr("How many random numbers go into the softmax"))
        self.length.valueChanged.connect(self._length_changed)
        self._length_chosen = False
        pair.addWidget(QLabel(self.tr("values"), self.length_box))
        pair.addWidget(self.length)
        self.length_box.hide()              # shown with the random numbers
        row.add(self.length_box)
        self.shift = QCheckBox(self.tr("+100 to every softmax input"), self)
        self.shift.setToolTip(self.tr("Adds 100 to each input uₖ of the softmax: the probabilities do not change"))
        self.shift.toggled.connect(lambda _v: self._redraw_now())
        row.add(self.shift)
        self.verdict = QLabel("", self)
        self.verdict.setWordWrap(True)
        self.verdict.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.body.addWidget(row)
        self.body.addWidget(self.verdict)

        self.sample_plot = make_plot("", "")
        self.sample_image = pg.ImageItem(axisOrder="row-major")
        self.sample_plot.getPlotItem().addItem(self.sample_image)
        self.sample_bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=pg.mkBrush("#808080"))
        self.sample_plot.getPlotItem().addItem(self.sample_bars)
        self.prob_plot = make_plot(self.tr("probability"), self.tr("class (▲ = true class)"))
        prob_item = self.prob_plot.getPlotItem()
        self.prob_bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        prob_item.addItem(self.prob_bars)
        self.true_marker = pg.ScatterPlotItem(symbol="t1", size=14, brush=pg.mkBrush("#000000"), pen=None)
        prob_item.addItem(self.true_marker)
        prob_item.setYRange(-0.12, 1.04, padding=0)      # room for the ▲ below 0
        # probabilities: only 0 … 1 are labelled (the margins are not values a class can have)
        prob_item.getAxis("left").setTicks([[(v, f"{v:.1f}") for v in (0, 0.5, 1)],
                                            [(v, "") for v in (0.25, 0.75)]])
        prob_item.enableAutoRange(axis="y", enable=False)
        self.message = message_item(prob_item)
        self._feature_count = 0
        self.sample_plot.getPlotItem().getViewBox().sigResized.connect(lambda _vb: self._name_features())
        # the gallery: beside the plots in a wide view, below them in a narrow one
        self.side = _Part(self)
        side = QVBoxLayout(self.side)
        side.setContentsMargins(0, 0, 0, 0)
        self.gallery_label = Caption("", self)    # asks for the height its text needs at its width
        side.addWidget(self.gallery_label)
        self.gallery = QListWidget(self)
        self.gallery.setIconSize(QSize(ICON, ICON))
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setWordWrap(True)          # lines wrap at the gallery's width: no sideways scrolling
        self.gallery.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.gallery.itemClicked.connect(self._pick)
        side.addWidget(self.gallery, 1)
        for part in (self.sample_plot, self.prob_plot, self.side):
            # sizes follow the stretch factors alone (a list's or plot's size hint is large)
            part.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.parts = QGridLayout()
        self.parts.setContentsMargins(0, 0, 0, 0)
        self.layout_name = ""
        self._arrange("row")
        self.body.addLayout(self.parts, 1)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self.isVisible():     # a hidden view is squeezed to its minimum while docks settle
            self._arrange(arrangement(self.width(), self.height()))

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self._arrange(arrangement(self.width(), self.height()))

    def _arrange(self, name: str) -> None:
        """Place the picture, the bars and the gallery as ``name`` says (see PLACES)."""
        if name == self.layout_name:
            return
        self.layout_name = name
        for widget in (self.sample_plot, self.prob_plot, self.side):
            self.parts.removeWidget(widget)
        for widget, (r, c, span) in zip((self.sample_plot, self.prob_plot, self.side), PLACES[name]):
            self.parts.addWidget(widget, r, c, 1, span)
        rows = STRETCH[name][0]
        spacing = max(self.parts.spacing(), 0)
        least = (PARTS_MIN_HEIGHT - spacing * (len(rows) - 1)) // len(rows)
        for widget in (self.sample_plot, self.prob_plot, self.side):
            widget.setMinimumSize(PART_MIN_WIDTH, least)
        self._stretch()

    def _stretch(self) -> None:
        """The rows' and columns' stretch factors of the arrangement, none where only a
        hidden part sits (the gallery in the random-numbers mode)."""
        rows, columns = STRETCH[self.layout_name]
        used_rows, used_columns = set(), set()
        for widget, (r, c, span) in zip((self.sample_plot, self.prob_plot, self.side), PLACES[self.layout_name]):
            if not widget.isHidden():
                used_rows.add(r)
                used_columns.update(range(c, c + span))
        for k in range(3):
            self.parts.setRowStretch(k, rows[k] if k < len(rows) and k in used_rows else 0)
            self.parts.setColumnStretch(k, columns[k] if k < len(columns) and k in used_columns else 0)

    def title(self) -> str:
        return self.tr("Softmax")

    def caption(self) -> str:
        return self.tr("The network's answer for one test sample: probabilities adding up to 1, the tallest bar is"
                       " the prediction. “+100” shows that shifting the softmax inputs changes nothing.")

    def random_caption(self) -> str:
        """The caption while the view shows random numbers instead of the network's answer."""
        return self.tr("Softmax of random numbers in [−10, 10]: probabilities adding up to 1, the largest input "
                       "gets the largest share. “+100” shows that shifting every input changes nothing.")

    def details(self) -> str:
        return self.tr("The network's answer for one test sample: softmax turns the output layer's values into "
                       "probabilities that add up to 1; the tallest bar is the prediction. Tick “+100” to see "
                       "that shifting every input of the softmax changes nothing. Right: test samples, the "
                       "misclassified ones first.")

    def export_targets(self) -> list:
        return [self.sample_plot.getPlotItem(), self.prob_plot.getPlotItem()]

    def table_for(self, target):
        """The input panel: the softmax inputs uₖ by position (random numbers), the test
        sample's features by name, or its image's pixels (a row per image row). The
        probabilities: a row per class (position k for random numbers) with its softmax input,
        its probability, and 1/0 for the true and the predicted class."""
        if target is self.prob_plot.getPlotItem():
            p = self.probabilities
            if not len(p) or (not self.random_inputs and self.true_label is None):
                raise no_data()
            if self.random_inputs:
                return make_table(("k", np.arange(len(p))), ("softmax_input", self.logits), ("probability", p))
            flags = np.zeros(len(p), dtype=np.int64)
            true, predicted = flags.copy(), flags.copy()
            true[self.true_label] = 1
            predicted[int(p.argmax())] = 1
            return make_table(("class", self._class_names(len(p))), ("softmax_input", self.logits),
                              ("probability", p), ("true_class", true), ("predicted", predicted))
        if target is self.sample_plot.getPlotItem():
            if self.random_inputs:
                if not len(self.logits):
                    raise no_data()
                return make_table(("k", np.arange(len(self.logits))), ("softmax_input", self.logits))
            v = self.sample_values
            if v is None:
                raise no_data()
            if v.ndim == 2:
                return make_table(("row", np.arange(v.shape[0])), *((f"col_{j}", v[:, j]) for j in range(v.shape[1])))
            names = tuple(self.session.dataset.info.feature_names or ()) if self.session is not None else ()
            return make_table(("feature", [str(names[k]) if k < len(names) else str(k) for k in range(len(v))]),
                              ("value", v))
        return None

    def _class_names(self, n: int) -> list[str]:
        names = self.session.dataset.class_names if self.session is not None else ()
        return [str(names[k]) if k < len(names) else str(k) for k in range(n)]

    # ------------------------------------------------------------------ data
    def start_run(self, session) -> None:
        self.mirror = NetworkMirror(session.project)
        self._loaded_iteration = -1
        self._loaded_version = -1
        self.classification = session.dataset.task == "classification"
        self._follow_class_count()
        self.image_shape = guess_image_shape(session.project.network.input_shape)
        self._set_sample_range()
        self._name_classes()
        self.gallery.clear()
        self.gallery_indices = []
        self.probabilities, self.logits = np.zeros(0), np.zeros(0)
        self.true_label, self.sample_values = None, None
        images = self.image_shape is not None
        self.gallery.setViewMode(QListView.ViewMode.IconMode if images else QListView.ViewMode.ListMode)
        self.gallery.setFlow(QListView.Flow.LeftToRight if images else QListView.Flow.TopToBottom)
        self.gallery.setWrapping(images)

    def _sync_weights(self) -> None:
        if self.weights is not None and self.weights_version != self._loaded_version:
            self.mirror.load(self.weights, self.weights_iteration)
            self._loaded_iteration = self.weights_iteration
            self._loaded_version = self.weights_version
            self._gallery_due = True
        elif self._loaded_iteration < 0:
            self._loaded_iteration = 0
            self._gallery_due = True
        parked = getattr(self.controller, "state", "paused") != "running"
        if self._gallery_due and (parked or time.monotonic() - self._gallery_time >= GALLERY_INTERVAL):
            self._gallery_due = False
            self._gallery_time = time.monotonic()
            self._fill_gallery()

    def logits_for(self, x: np.ndarray) -> np.ndarray:
        """The softmax inputs u of the output layer for a batch x (private network)."""
        self.mirror.layer_outputs(x)
        return np.asarray(self.mirror.network.output_layer.pre, dtype=np.float64)

    def _set_sample_range(self) -> None:
        if self.random_inputs:
            self.sample.setRange(0, 99999)
        else:
            n = self.session.dataset.n_test if self.session is not None else 0
            self.sample.setRange(0, max(n - 1, 0))

    def _length_changed(self, _value: int) -> None:
        self._length_chosen = True
        self._redraw_now()

    def _follow_class_count(self) -> None:
        """The random vector as long as the output layer, until the learner chose a length."""
        if self._length_chosen:
            return
        n = self.session.dataset.n_outputs if self.session is not None and self.classification else 10
        self.length.blockSignals(True)
        self.length.setMaximum(max(MAX_RANDOM_LENGTH, n))     # the random set has up to 100 classes
        self.length.setValue(max(2, n))
        self.length.blockSignals(False)

    def _source_changed(self, _index: int) -> None:
        random = self.random_inputs
        self.length_box.setVisible(random)
        names = self.session.dataset.class_names if self.session is not None else ()
        self.prob_plot.getPlotItem().setLabel(
            "bottom", self.tr("k (the position in the vector)") if random or not names
            else self.tr("class (▲ = true class)"))
        self._name_classes()
        self._set_sample_range()
        self._redraw_now()

    def _name_classes(self) -> None:
        """The bars' labels: class names for a test sample, positions k for random numbers."""
        names = self.session.dataset.class_names if self.session is not None else ()
        axis = self.prob_plot.getPlotItem().getAxis("bottom")
        axis.setTicks(None if self.random_inputs or not names else [[(i, str(c)) for i, c in enumerate(names)]])

    @property
    def random_inputs(self) -> bool:
        return self.source.currentIndex() == 1

    def redraw(self) -> None:
        self.caption_label.setText(self.random_caption() if self.random_inputs else self.caption())
        if self.random_inputs:
            self._draw_random()
            return
        if self.session is None or self.mirror is None:
            return
        ds = self.session.dataset
        prob_item = self.prob_plot.getPlotItem()
        if not self.classification or ds.n_test == 0:
            self._show_parts(False)
            self.message.setText(self.tr("Softmax is for classification; this data set has no classes\n"
                                         "or no test samples. Choose “random numbers” above to try\n"
                                         "softmax on its own."))
            self.message.setPos(prob_item.getViewBox().viewRect().center())
            return
        self._show_parts(True)
        self.message.setText("")
        self._sync_weights()
        i = self.sample.value()
        x = ds.x_test[i:i + 1]
        label = int(ds.y_test[i])
        self.true_label = label
        u = self.logits_for(x)[0]
        p = self._draw_probabilities(u)
        pred = int(p.argmax())
        self.true_marker.setData([label], [-0.04])
        names = ds.class_names
        ok = pred == label
        it = self._loaded_iteration
        when = self.tr("iteration {0}").format(it) if it > 0 else self.tr("initial weights")
        when += self.approximate_note(self.mirror)
        self.verdict.setText(
            (self.tr("true {0}, predicted {1} ({2:.0%}): correct") if ok else
             self.tr("true {0}, predicted {1} ({2:.0%}): WRONG")).format(names[label], names[pred], p[pred])
            + self.tr("  ·  softmax inputs uₖ from {0:.3g} to {1:.3g}  ·  {2}").format(u.min(), u.max(), when)
            + self._shift_note())
        self._draw_sample(x[0])

    def _show_parts(self, sample: bool) -> None:
        """The input picture and the gallery only where there is a test sample to show
        (a hidden part's row or column gives up its share of the room)."""
        self.sample_plot.setVisible(sample or self.random_inputs)
        self.side.setVisible(sample and not self.random_inputs)
        self._stretch()

    def _draw_probabilities(self, u: np.ndarray) -> np.ndarray:
        """Softmax of u (shifted by +100 when ticked) as bars, the largest highlighted."""
        self.shift_change = None
        if self.shift.isChecked():
            unshifted = softmax(u[None, :])[0]
            u = u + SHIFT
        self.logits = u
        self.probabilities = p = softmax(u[None, :])[0]
        if self.shift.isChecked():
            self.shift_change = float(np.abs(p - unshifted).max())
        pred = int(p.argmax())
        brushes = [pg.mkBrush(TEST_COLOR if k == pred else TRAIN_COLOR) for k in range(len(p))]
        self.prob_bars.setOpts(x=np.arange(len(p)), height=p, width=0.7, brushes=brushes,
                               pens=[pg.mkPen(None)] * len(p))
        self.prob_plot.getPlotItem().setXRange(-0.6, len(p) - 0.4, padding=0)
        self.message.setText("")
        return p

    def _draw_random(self) -> None:
        """The book's exercise: softmax of random numbers in [-10, 10] (seeded by the number
        in the box), with and without +100."""
        u = np.random.default_rng(self.sample.value()).uniform(-10.0, 10.0, self.length.value())
        self._show_parts(False)
        p = self._draw_probabilities(u)
        self.true_marker.setData([], [])
        item = self.sample_plot.getPlotItem()
        self.sample_image.clear()
        shown = self.logits
        self.sample_bars.setOpts(x0=None, y=None, x=np.arange(len(shown)), height=shown, width=0.7, y0=0)
        item.getViewBox().invertY(False)
        item.getViewBox().setAspectLocked(False)
        item.getAxis("left").setTicks(None)
        positions = [[(k, str(k)) for k in range(len(shown))]] if len(shown) <= 20 else None
        item.getAxis("bottom").setTicks(positions)                  # whole positions k, both plots
        self.prob_plot.getPlotItem().getAxis("bottom").setTicks(positions)
        item.showAxis("left")
        item.showAxis("bottom")
        item.setTitle(self.tr("the softmax inputs uₖ"), color="#202020", size="9pt")
        item.setLabel("bottom", self.tr("k (the position in the vector)"))
        item.getViewBox().autoRange(padding=0.05)
        self.verdict.setText(self.tr("largest input: bar {0}, probability {1:.0%}  ·  inputs from {2:.3g} to "
                                     "{3:.3g}").format(int(p.argmax()), p.max(), shown.min(), shown.max())
                             + self._shift_note())

    def _shift_note(self) -> str:
        """With +100 ticked: that the probabilities are the same as without it, in numbers."""
        if self.shift_change is None:
            return ""
        return self.tr("  ·  +100 to every input: identical probabilities (largest change {0:.1g})").format(
            self.shift_change)

    def _draw_sample(self, x: np.ndarray) -> None:
        item = self.sample_plot.getPlotItem()
        if self.image_shape is not None:
            img = np.asarray(x, dtype=np.float64).reshape(-1, *self.image_shape)[0]
            self.sample_values = img
            self.sample_image.setImage(img, levels=(float(img.min()), float(img.max()) or 1.0))
            self.sample_image.setLookupTable(np.linspace(255, 0, 256).astype(np.uint8)[:, None].repeat(3, 1))
            self.sample_bars.setOpts(x=[], height=[], x0=None, y=None, width=0.7)
            item.getViewBox().invertY(True)
            item.getViewBox().setAspectLocked(True)
            item.hideAxis("left")
            item.hideAxis("bottom")
            item.setTitle(self.tr("the input image"), color="#202020", size="9pt")
        else:
            v = np.asarray(x, dtype=np.float64).ravel()
            self.sample_values = v
            self.sample_image.clear()
            # horizontal bars, so that feature names fit as row labels
            self.sample_bars.setOpts(x0=0, y=np.arange(len(v)), width=v, height=0.7, x=None, y0=None)
            self._feature_count = len(v)
            self._name_features()
            item.getAxis("bottom").setTicks(None)       # values, not the random mode's positions
            item.getViewBox().invertY(True)
            item.getViewBox().setAspectLocked(False)
            item.setTitle(self.tr("features"), color="#202020", size="9pt")
            item.setLabel("bottom", self.tr("input value"))    # short: the panel is narrow
            item.showAxis("left")
            item.showAxis("bottom")
            lo, hi = min(0.0, float(v.min())), max(0.0, float(v.max()))
            item.getViewBox().setRange(xRange=(lo, hi if hi > lo else lo + 1), yRange=(-0.5, len(v) - 0.5),
                                       padding=0.05)
            return
        item.getViewBox().autoRange(padding=0.05)

    def _name_features(self) -> None:
        """Feature names as the rows' labels: every row's where they fit the plot's height,
        every second (third…) row's where they would overlap, numbers beyond 16 features."""
        n = self._feature_count
        axis = self.sample_plot.getPlotItem().getAxis("left")
        if not n or self.session is None or self.image_shape is not None or self.random_inputs:
            return
        if n > 16:
            axis.setTicks(None)
            return
        names = tuple(self.session.dataset.info.feature_names or ())
        room = self.sample_plot.getPlotItem().getViewBox().height() / n
        line = self.sample_plot.fontMetrics().height() + 2
        every = max(1, math.ceil(line / room)) if room > 0 else n
        axis.setTicks([[(k, names[k] if k < len(names) else str(k)) for k in range(0, n, every)]])

    def _fill_gallery(self) -> None:
        ds = self.session.dataset
        n = min(ds.n_test, GALLERY_POOL)
        if n == 0 or not self.classification:
            return
        probs = self.mirror.predict(ds.x_test[:n])
        labels = np.asarray(ds.y_test[:n])
        order = gallery_order(labels, probs)[:GALLERY_SIZE]
        wrong = int((probs.argmax(axis=1) != labels).sum())
        text = self.tr("{0} of the first {1} test samples are wrong (shown first, the most confident mistakes "
                       "first). Click one to inspect it.").format(wrong, n)
        if self.image_shape is not None:
            text += self.tr(" Under each image: ✓ right or ✗ wrong, and the class the network chose.")
        self.gallery_label.setText(text)
        names = ds.class_names
        self.gallery.clear()
        self.gallery_indices = [int(k) for k in order]
        for k in self.gallery_indices:
            pred = int(probs[k].argmax())
            mark = "✓" if pred == labels[k] else "✗"
            text = f"{mark} {names[pred]}" if self.image_shape is not None else \
                self.tr("{0} #{1}: {2} → {3}").format(mark, k, names[labels[k]], names[pred])
            item = QListWidgetItem(text)
            item.setToolTip(self.tr("sample {0}: true {1}, predicted {2} ({3:.0%})")
                            .format(k, names[labels[k]], names[pred], probs[k, pred]))
            if self.image_shape is not None:
                item.setIcon(_gray_icon(np.asarray(ds.x_test[k]).reshape(-1, *self.image_shape)[0]))
            item.setData(Qt.ItemDataRole.UserRole, k)
            self.gallery.addItem(item)

    def _pick(self, item: QListWidgetItem) -> None:
        self.sample.setValue(int(item.data(Qt.ItemDataRole.UserRole)))

"""View 9: the confusion matrix on the test set, one per epoch."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider
from PySide6.QtCore import Qt

from nnstudio.engine.analysis import confusion_matrix
from nnstudio.project.mirror import NetworkMirror

from ..export import make_table, no_data
from .base import View, make_plot, message_item, readable_colorbar
from .pacing import drop_work, queue_work
from ..palette import magnitude_map

# test samples scored per epoch: every built-in set's whole test set (MNIST's 10 000), so the
# matrix's share correct is the test accuracy the other views show; a larger one is cut
MAX_SAMPLES = 10_000
SCORE_CHUNK = 1000       # samples scored per turn of the shared work queue (one event-loop pass)
MAX_LABELS = 15          # classes up to which each cell shows its count
MAX_EPOCHS = 500         # matrices kept
DEFERRED_BYTES = 64 * 2**20   # weight copies kept for epochs waiting to be scored (then thinned)
EMPTY_TEXT = "#909090"   # the count in an empty cell (drawn white)
DARK_TEXT_FROM = 0.3     # shares from which a cell is light enough for black text


def share_map() -> pg.ColorMap:
    """cividis with its colours spread by the square root of the share: a cell holding a few
    percent of its class (a mix-up) is clearly lighter than the darkest colour, while the
    colour bar's ticks still read true shares."""
    base = magnitude_map()
    t = np.linspace(0.0, 1.0, 33)
    return pg.ColorMap(pos=t ** 2, color=base.map(t, mode="byte"))


def cell_image(counts: np.ndarray) -> np.ndarray:
    """Each cell's share of its true class; empty cells NaN (drawn transparent, so white):
    a perfect network leaves only the diagonal coloured."""
    totals = counts.sum(axis=1, keepdims=True)
    share = counts / np.maximum(totals, 1)
    return np.where(counts > 0, share, np.nan)


class ConfusionView(View):
    EXPORT_NAME = "Confusion matrix"
    needs_detail = True
    heavy = True
    min_interval = 0.3

    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, parent)
        self.mirror: NetworkMirror | None = None
        self.matrices: dict[int, tuple[np.ndarray, int]] = {}     # epoch -> (counts, weights' iteration)
        self.approximate: set[int] = set()                         # epochs scored without BN statistics
        self.pending: tuple[int, int] | None = None                # (epoch, its last iteration)
        self._scoring: dict | None = None                          # an epoch being scored in chunks
        self._deferred: dict[int, tuple] = {}                      # epoch -> (weights, iteration), while hidden
        self.n_classes = 0
        self.cell_texts: list[pg.TextItem] = []
        self.shown: np.ndarray | None = None

        self.plot = make_plot(self.tr("true class"), self.tr("predicted class"))
        item = self.plot.getPlotItem()
        self.image = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.image)
        item.getViewBox().invertY(True)
        item.getViewBox().setAspectLocked(True)
        item.showGrid(x=False, y=False)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=share_map(), interactive=False,
                                        label=self.tr("share of the true class"))
        self.colorbar.setImageItem(self.image, insert_in=item)
        readable_colorbar(self.colorbar)
        self.message = message_item(item)
        self.body.addWidget(self.plot, 1)
        row = QHBoxLayout()
        self.epoch_label = QLabel(self.tr("Epoch:"), self)
        row.addWidget(self.epoch_label)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(lambda _v: self._redraw_now())
        row.addWidget(self.slider, 1)
        self.info = QLabel("", self)
        self.info.setWordWrap(True)
        row.addWidget(self.info, 2)
        self.body.addLayout(row)

    def title(self) -> str:
        return self.tr("Confusion matrix")

    def caption(self) -> str:
        return self.tr("Test samples by true class (rows) and predicted class (columns), with counts. A perfect "
                       "network colours only the diagonal; any coloured cell off it is a mix-up.")

    def details(self) -> str:
        return self.tr("Rows: the true class of the test samples; columns: the class the network predicted. "
                       "Each row shows where that class's samples went (the number in each cell is a count). "
                       "Cells no sample fell into stay white. A perfect network colours only the diagonal; coloured "
                       "cells off it are classes it mixes up (the colour is the share of that row).")

    def export_targets(self) -> list:
        return [self.plot.getPlotItem()]

    def table_for(self, target):
        """The counts shown: one row per true class (``true_class``), one column per predicted
        class (``predicted_<class>``), for the epoch on the slider."""
        if target is not self.plot.getPlotItem():
            return None
        if self.shown is None:
            raise no_data()
        names = [str(c) for c in self.session.dataset.class_names]
        counts = np.asarray(self.shown, dtype=np.int64)
        return make_table(("true_class", names),
                          *((f"predicted_{names[j]}", counts[:, j]) for j in range(counts.shape[1])))

    # ------------------------------------------------------------------ data
    def start_run(self, session) -> None:
        ds = session.dataset
        self.mirror = NetworkMirror(session.project)
        self.matrices.clear()
        self.approximate.clear()
        self.pending = None
        self._scoring = None
        self._deferred.clear()
        drop_work(self, "score")
        self.classification = ds.task == "classification" and ds.n_test > 0
        self.n_classes = ds.n_outputs if self.classification else 0
        item = self.plot.getPlotItem()
        for t in self.cell_texts:
            item.removeItem(t)
        self.cell_texts = []
        self.image.clear()
        self.shown = None
        self._framed = False
        names = [str(c) for c in ds.class_names]
        ticks = [[(k, n) for k, n in enumerate(names)]] if self.n_classes <= 30 else None
        item.getAxis("bottom").setTicks(ticks)
        item.getAxis("left").setTicks(ticks)
        if self.n_classes <= MAX_LABELS:
            for _ in range(self.n_classes * self.n_classes):
                t = pg.TextItem("", anchor=(0.5, 0.5))
                item.addItem(t)
                self.cell_texts.append(t)
        self.slider.setRange(0, 0)
        self.slider.setVisible(False)
        self.epoch_label.setText("")
        self.info.setText("")
        size = max(self.n_classes, 1)
        item.getViewBox().setRange(xRange=(-0.5, size - 0.5), yRange=(-0.5, size - 0.5), padding=0.02)
        self.message.setText(self.tr("The first matrix appears at the end of the first epoch.")
                             if self.classification else
                             self.tr("A confusion matrix needs a classification data set with test samples."))

    def ingest(self, batch) -> bool:
        if not self.classification:
            return False
        computed = False
        for s in batch:          # in order: weights resolve the epoch that ended before them
            if s.weights is not None and self.pending is not None and s.iteration >= self.pending[1]:
                computed = self._compute(self.pending[0], s.weights, s.iteration) or computed
                self.pending = None
            if s.epoch_end:
                if s.weights is not None:
                    computed = self._compute(s.epoch, s.weights, s.iteration) or computed
                    self.pending = None
                else:
                    self.pending = (s.epoch, s.iteration)
        resolved = self._resolve_pending()
        if self.pending is not None:
            # one weight copy per epoch even while this view is hidden, so every epoch
            # gets its matrix; it comes with the next snapshot
            self.controller.request_detail()
        return resolved or computed

    def weights_changed(self) -> None:
        self._resolve_pending()

    def _resolve_pending(self) -> bool:
        """Score a finished epoch with the first weights from its end or later (they come
        within a moment: views ask for weights twice a second, and on pause or finish)."""
        if self.pending is None:
            return False
        epoch, iteration = self.pending
        if self.weights is not None and self.weights_iteration >= iteration:
            self.pending = None
            return self._compute(epoch, self.weights, self.weights_iteration)
        return False

    def _compute(self, epoch: int, weights, iteration: int) -> bool:
        """Score the test samples with ``weights`` for ``epoch``'s matrix. A small test set
        is scored at once; a large one SCORE_CHUNK samples per turn of the shared work queue,
        so an epoch end never holds the window for the whole test set (the matrix and a
        redraw follow the last chunk). True when the matrix is there already."""
        n = min(self.session.dataset.n_test, MAX_SAMPLES)
        if n > SCORE_CHUNK and weights is not None and (self._scoring is not None or not self.on_screen()):
            # hidden (a tab behind another), or an earlier epoch still being scored: keep the
            # epoch's weights (read-only snapshot copies) and score it in its turn, when the
            # view is shown; a hidden view costs training nothing, and an epoch end never
            # finishes another epoch's scoring in one go
            self._deferred[epoch] = (weights, iteration)
            self._bound_deferred()
            self.request_redraw()       # hidden: only marks the view for a redraw when shown
            return False
        if weights is not None:
            self.mirror.load(weights, iteration)
        self._scoring = {"epoch": epoch, "iteration": iteration, "n": n, "done": 0, "pred": [],
                         "approximate": self.mirror.missing_buffers}
        if n <= SCORE_CHUNK:
            return self._score_chunk()
        queue_work(self, "score", self._score_step)
        return False

    def _score_step(self) -> bool:
        """One turn of the work queue; True while chunks remain."""
        finished = self._guarded(self._score_chunk)
        if finished is None:            # failed (shown in the view): give the epoch up
            self._scoring = None
            return False
        if finished:
            self.request_redraw()
        return not finished

    def _score_chunk(self) -> bool:
        """Score the next chunk; when it was the last, store the matrix. True when done."""
        job = self._scoring
        if job is None:
            return True
        ds = self.session.dataset
        lo, hi = job["done"], min(job["done"] + SCORE_CHUNK, job["n"])
        job["pred"].append(self.mirror.predict(ds.x_test[lo:hi]).argmax(axis=1))
        job["done"] = hi
        if hi < job["n"]:
            return False
        self._scoring = None
        self._store(job["epoch"], job["iteration"], np.concatenate(job["pred"]), job["approximate"])
        return True

    def _store(self, epoch: int, iteration: int, pred: np.ndarray, approximate: bool) -> None:
        ds = self.session.dataset
        self.matrices[epoch] = (confusion_matrix(ds.y_test[:len(pred)], pred, self.n_classes), iteration)
        if approximate:
            self.approximate.add(epoch)
        else:
            self.approximate.discard(epoch)
        for old in sorted(self.matrices)[:-MAX_EPOCHS]:
            del self.matrices[old]
        follow = self.slider.value() == self.slider.maximum()
        epochs = sorted(self.matrices)
        self.slider.blockSignals(True)
        self.slider.setRange(epochs[0], epochs[-1])
        if follow:
            self.slider.setValue(epochs[-1])
        self.slider.blockSignals(False)

    # ------------------------------------------------------------------ drawing
    def _bound_deferred(self) -> None:
        """Waiting weight copies stay under DEFERRED_BYTES: over it, every second waiting
        epoch is let go (the newest stays), so the whole run keeps an even coverage."""
        def size() -> int:
            return sum(sum(a.nbytes for a in w.values()) for w, _ in self._deferred.values())
        while len(self._deferred) > 1 and size() > DEFERRED_BYTES:
            epochs = sorted(self._deferred)
            for old in epochs[-2::-2]:
                del self._deferred[old]

    def _score_deferred(self) -> None:
        """Shown again: score the epochs that ended while hidden, one at a time through the
        work queue (each finished one asks for the next redraw): the newest first, the matrix
        a learner raising the tab wants (oldest first, a tab raised nine MNIST epochs behind
        showed epoch 1 first), then the earlier ones from the oldest on."""
        if self._deferred and self._scoring is None:
            newest = max(self._deferred)
            epoch = newest if newest > max(self.matrices, default=0) else min(self._deferred)
            weights, iteration = self._deferred.pop(epoch)
            if self._compute(epoch, weights, iteration):
                self.request_redraw()

    def redraw(self) -> None:
        self._score_deferred()
        item = self.plot.getPlotItem()
        if not self.matrices:
            self.message.setVisible(True)
            self.message.setPos(item.getViewBox().viewRect().center())
            return
        self.message.setVisible(False)
        epochs = sorted(self.matrices)
        epoch = max(e for e in epochs if e <= self.slider.value()) if self.slider.value() >= epochs[0] else epochs[0]
        counts, iteration = self.matrices[epoch]
        self.shown = counts
        share = cell_image(counts)
        self.image.setImage(share, levels=(0.0, 1.0))
        self.image.setRect(-0.5, -0.5, self.n_classes, self.n_classes)
        for k, t in enumerate(self.cell_texts):
            r, c = divmod(k, self.n_classes)
            t.setText(str(int(counts[r, c])))
            t.setColor(EMPTY_TEXT if counts[r, c] == 0 else "#000000" if share[r, c] >= DARK_TEXT_FROM
                       else "#FFFFFF")
            t.setPos(c, r)
        total = int(counts.sum())
        correct = int(np.trace(counts))
        self.epoch_label.setText(self.tr("Epoch {0}:").format(epoch))
        self.slider.setVisible(len(epochs) > 1)
        accuracy = correct / total if total else 0.0
        n_test = self.session.dataset.n_test
        if total < n_test:       # a test set larger than MAX_SAMPLES: say which part was scored
            text = self.tr("{0} of the first {1} of {2} test samples correct ({3:.1%}); weights of iteration {4}"
                           ).format(correct, total, n_test, accuracy, iteration)
        else:
            text = self.tr("{0} of {1} test samples correct ({2:.1%}); weights of iteration {3}").format(
                correct, total, accuracy, iteration)
        self.info.setText(text
                          + (self.approximate_note(self.mirror) if epoch in self.approximate else ""))
        if not self._framed:
            item.getViewBox().autoRange(padding=0.02)
            self._framed = True

"""The CSV of a view's plot holds the values the plot shows, named as they are meant (a
teacher found confusion-matrix shares with nan, bar drawing coordinates and curve0…curve13):
each view gives the table behind each of its plots (View.table_for), and every way to export
a CSV (the right-click menu, Export All Views, `nnstudio export-plots`) uses it."""

from __future__ import annotations

import csv
import math

import numpy as np
import pyqtgraph as pg
import pytest

from nnstudio.engine.activations import ACTIVATIONS, softmax
from nnstudio.ui import export as ex
from nnstudio.ui.export_dialog import ExportDialog, ExportMenu, ViewExportMenu
from nnstudio.ui.export_views import export_all
from nnstudio.ui.views import create_views
from nnstudio.ui.views.accuracy import AccuracyView
from nnstudio.ui.views.activation_bars import ActivationBarsView
from nnstudio.ui.views.confusion import ConfusionView
from nnstudio.ui.views.fit import DataFitView
from nnstudio.ui.views.gradients import GradientsView
from nnstudio.ui.views.histograms import HistogramsView
from nnstudio.ui.views.loss import LossView
from nnstudio.ui.views.softmax import SoftmaxView
from nnstudio.ui.views.weights import WeightsView

from test_views_support import (FakeController, function_session, iris_session, mnist_session, moons_session,
                                scaled_weights, shown, snapshot)


@pytest.fixture
def ctl():
    return FakeController()


def read_csv(view, target, tmp_path, name="out.csv"):
    """Export ``target`` of ``view`` as the user does, and read the file back:
    (header, rows as lists of strings)."""
    path = tmp_path / name
    ex.export_csv(target, path, view=view)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def column(header, rows, name, kind=float):
    k = header.index(name)
    return [kind(r[k]) for r in rows if r[k] != ""]


# --------------------------------------------------------------------------- confusion matrix
def test_confusion_matrix_csv_holds_the_counts_named_by_class(qtbot, ctl, tmp_path):
    view = shown(qtbot, ConfusionView(ctl))
    session = iris_session()
    ctl.start(session)
    ctl.snapshots.emit((snapshot(5, 1.0, steps=5, epoch=1, weights=scaled_weights(session, 1.0)),))
    view._redraw_now()
    names = list(session.dataset.class_names)
    header, rows = read_csv(view, view.plot.getPlotItem(), tmp_path)
    assert header == ["true_class"] + [f"predicted_{n}" for n in names]
    assert [r[0] for r in rows] == names
    counts = np.array([[int(c) for c in r[1:]] for r in rows])
    assert np.array_equal(counts, view.shown)
    # the numbers written in the cells, row by row (empty cells too: 0, not nan)
    assert [str(v) for v in counts.ravel()] == [t.toPlainText() for t in view.cell_texts]
    assert counts.sum() == session.dataset.n_test


# --------------------------------------------------------------------------- gradients
def test_gradient_bars_csv_holds_log10_norm_per_layer(qtbot, ctl, tmp_path):
    view = shown(qtbot, GradientsView(ctl))
    session = iris_session()
    ctl.start(session)
    ctl.snapshots.emit((snapshot(1, 1.0, grad_norms={"dense_1.W": 0.231, "dense_2.W": 2.5}),))
    view._redraw_now()
    header, rows = read_csv(view, view.bars_plot.getPlotItem(), tmp_path)
    assert header == ["layer", "grad_norm", "log10_grad_norm"]
    assert [r[0] for r in rows] == ["dense_1", "dense_2"]
    assert column(header, rows, "grad_norm") == pytest.approx([0.231, 2.5])
    shown_logs = column(header, rows, "log10_grad_norm")
    assert shown_logs == pytest.approx([math.log10(0.231), math.log10(2.5)])
    # the value the bar shows: its top (it is drawn from the bottom of the range up)
    tops = np.asarray(view.bars.opts["y0"]) + np.asarray(view.bars.opts["height"])
    assert shown_logs == pytest.approx(tops.tolist())


def test_gradient_curves_csv_has_a_column_per_layer(qtbot, ctl, tmp_path):
    view = shown(qtbot, GradientsView(ctl))
    ctl.start(iris_session())
    ctl.snapshots.emit(tuple(snapshot(i, 1.0, grad_norms={"dense_1.W": 0.1 * i, "dense_2.W": 1.0 + i})
                             for i in (1, 2, 3)))
    view._redraw_now()
    header, rows = read_csv(view, view.history.getPlotItem(), tmp_path)
    assert header == ["iteration", "grad_norm_dense_1", "grad_norm_dense_2"]
    assert column(header, rows, "iteration", int) == [1, 2, 3]
    assert column(header, rows, "grad_norm_dense_1") == pytest.approx([0.1, 0.2, 0.3])
    assert column(header, rows, "grad_norm_dense_2") == pytest.approx([2.0, 3.0, 4.0])


# --------------------------------------------------------------------------- loss, accuracy
def test_loss_csv_is_one_row_per_iteration_with_the_epoch_losses_at_epoch_ends(qtbot, ctl, tmp_path):
    view = shown(qtbot, LossView(ctl))
    ctl.start(iris_session())
    snaps = [snapshot(i, 2.0 / i, steps=3) for i in range(1, 7)]
    snaps[2] = snapshot(3, 2.0 / 3, steps=3, train_loss=1.1, test_loss=1.3)
    snaps[5] = snapshot(6, 2.0 / 6, steps=3, train_loss=0.8, test_loss=0.95)
    ctl.snapshots.emit(tuple(snaps))
    view._redraw_now()
    header, rows = read_csv(view, view.plot.getPlotItem(), tmp_path)
    assert header == ["iteration", "loss", "loss_smoothed", "train_loss", "test_loss"]
    assert column(header, rows, "iteration", int) == [1, 2, 3, 4, 5, 6]
    assert column(header, rows, "loss") == pytest.approx([2.0 / i for i in range(1, 7)])
    assert column(header, rows, "loss_smoothed") == pytest.approx(view.smooth_curve.getOriginalDataset()[1].tolist())
    k = header.index("train_loss")
    assert [r[k] for r in rows] == ["", "", "1.1", "", "", "0.8"]
    assert column(header, rows, "test_loss") == pytest.approx([1.3, 0.95])


def test_accuracy_csv_is_one_row_per_epoch_in_percent(qtbot, ctl, tmp_path):
    view = shown(qtbot, AccuracyView(ctl))
    ctl.start(iris_session())
    ctl.snapshots.emit((snapshot(5, 1.0, steps=5, epoch=1, train_accuracy=0.5, test_accuracy=0.4),
                        snapshot(10, 1.0, steps=5, epoch=2, train_accuracy=0.75, test_accuracy=0.7)))
    view._redraw_now()
    header, rows = read_csv(view, view.plot.getPlotItem(), tmp_path)
    assert header == ["epoch", "train_accuracy_percent", "test_accuracy_percent"]
    assert rows == [["1", "50.0", "40.0"], ["2", "75.0", "70.0"]]


# --------------------------------------------------------------------------- softmax
def test_softmax_csv_names_the_classes_and_features(qtbot, ctl, tmp_path):
    view = shown(qtbot, SoftmaxView(ctl))
    session = iris_session()
    ctl.start(session)
    ctl.snapshots.emit((snapshot(5, 1.0, weights=scaled_weights(session, 2.0)),))
    view.sample.setValue(7)
    ds = session.dataset
    header, rows = read_csv(view, view.prob_plot.getPlotItem(), tmp_path)
    assert header == ["class", "softmax_input", "probability", "true_class", "predicted"]
    assert [r[0] for r in rows] == list(ds.class_names)
    p = column(header, rows, "probability")
    assert p == pytest.approx(np.asarray(view.prob_bars.opts["height"]).tolist())
    assert sum(p) == pytest.approx(1.0)
    assert p == pytest.approx(softmax(np.array([column(header, rows, "softmax_input")]))[0].tolist())
    assert column(header, rows, "true_class", int) == [int(k == int(ds.y_test[7])) for k in range(3)]
    assert column(header, rows, "predicted", int) == [int(k == int(np.argmax(p))) for k in range(3)]

    header, rows = read_csv(view, view.sample_plot.getPlotItem(), tmp_path, "features.csv")
    assert header == ["feature", "value"]
    assert [r[0] for r in rows] == list(ds.info.feature_names)
    assert column(header, rows, "value") == pytest.approx(np.asarray(ds.x_test[7], dtype=np.float64).tolist())

    view.source.setCurrentIndex(1)           # random numbers: positions k
    header, rows = read_csv(view, view.prob_plot.getPlotItem(), tmp_path, "random.csv")
    assert header == ["k", "softmax_input", "probability"]
    assert column(header, rows, "k", int) == list(range(3))
    header, rows = read_csv(view, view.sample_plot.getPlotItem(), tmp_path, "inputs.csv")
    assert header == ["k", "softmax_input"]
    assert column(header, rows, "softmax_input") == pytest.approx(
        np.asarray(view.sample_bars.opts["height"]).tolist())


def test_softmax_csv_of_an_image_sample_is_its_pixels(qtbot, ctl, tmp_path):
    view = shown(qtbot, SoftmaxView(ctl))
    session = mnist_session(train_size=100, test_size=20)
    ctl.start(session)
    view._redraw_now()
    header, rows = read_csv(view, view.sample_plot.getPlotItem(), tmp_path)
    assert header == ["row"] + [f"col_{j}" for j in range(28)]
    pixels = np.array([[float(v) for v in r[1:]] for r in rows])
    assert np.allclose(pixels, np.asarray(session.dataset.x_test[0], dtype=np.float64).reshape(28, 28))
    header, rows = read_csv(view, view.prob_plot.getPlotItem(), tmp_path, "p.csv")
    assert [r[0] for r in rows] == [str(c) for c in session.dataset.class_names]


# --------------------------------------------------------------------------- decision boundary / fit
def test_function_fit_csv_names_data_target_output_and_unit_shares(qtbot, ctl, tmp_path):
    view = shown(qtbot, DataFitView(ctl))
    session = function_session()
    ctl.start(session)
    weights = scaled_weights(session, 1.2)
    ctl.snapshots.emit((snapshot(3, 1.0, weights=weights),))
    view._redraw_now()
    ds = session.dataset
    header, rows = read_csv(view, view.plot.getPlotItem(), tmp_path)
    assert header == (["train_x", "train_y", "test_x", "test_y", "x", "target", "output"]
                      + [f"unit_{j}_share" for j in range(10)])
    assert column(header, rows, "train_x") == pytest.approx(ds.x_train[:, 0].tolist())
    assert column(header, rows, "train_y") == pytest.approx(ds.y_train[:, 0].tolist())
    assert column(header, rows, "test_x") == pytest.approx(ds.x_test[:, 0].tolist())
    assert column(header, rows, "test_y") == pytest.approx(ds.y_test[:, 0].tolist())
    xs, out = view.output_curve.getOriginalDataset()
    assert column(header, rows, "x") == pytest.approx(xs.tolist())
    assert column(header, rows, "output") == pytest.approx(out.tolist())
    assert column(header, rows, "target") == pytest.approx((xs ** 2).tolist())
    shares = np.array([column(header, rows, f"unit_{j}_share") for j in range(10)])
    assert np.allclose(shares[3], view.unit_curves[3].getOriginalDataset()[1])
    assert np.allclose(shares.sum(axis=0) + float(weights["dense_2.b"][0]), out, atol=1e-5)
    view.units_box.setChecked(False)                 # not shown: not in the table
    header, _rows = read_csv(view, view.plot.getPlotItem(), tmp_path, "no_units.csv")
    assert header == ["train_x", "train_y", "test_x", "test_y", "x", "target", "output"]


def test_decision_boundary_csv_is_the_grid_with_class_probabilities_and_the_samples(qtbot, ctl, tmp_path):
    view = shown(qtbot, DataFitView(ctl))
    session = moons_session()
    ctl.start(session)
    ctl.snapshots.emit((snapshot(3, 1.0, weights=scaled_weights(session, 1.5)),))
    view._redraw_now()
    ds = session.dataset
    names = [str(c) for c in ds.class_names]
    header, rows = read_csv(view, view.plot.getPlotItem(), tmp_path)
    assert header == (["x1", "x2"] + [f"p_{n}" for n in names] + ["predicted_class"]
                      + ["train_x1", "train_x2", "train_class", "test_x1", "test_x2", "test_class"])
    grid = np.array([column(header, rows, "x1"), column(header, rows, "x2")]).T
    assert np.allclose(grid, view.grid)
    p = np.array([column(header, rows, f"p_{n}") for n in names]).T
    assert np.allclose(p, view.grid_values)
    assert column(header, rows, "predicted_class", str) == [names[k] for k in p.argmax(axis=1)]
    assert column(header, rows, "train_x1") == pytest.approx(ds.x_train[:, 0].tolist())
    assert column(header, rows, "train_class", str) == [names[int(k)] for k in ds.y_train]
    assert column(header, rows, "test_class", str) == [names[int(k)] for k in ds.y_test]


# --------------------------------------------------------------------------- weights, activations, bars
def test_weights_csv_names_inputs_and_units(qtbot, ctl, tmp_path):
    view = shown(qtbot, WeightsView(ctl))
    session = iris_session()
    ctl.start(session)
    weights = scaled_weights(session)
    ctl.snapshots.emit((snapshot(1, 1.0, weights=weights),))
    view._redraw_now()
    header, rows = read_csv(view, view.plot, tmp_path)
    assert header == ["input"] + [f"weight_unit_{j}" for j in range(10)]
    assert [r[0] for r in rows] == list(session.dataset.info.feature_names)
    assert np.allclose(np.array([[float(v) for v in r[1:]] for r in rows]), weights["dense_1.W"])
    view.what.setCurrentIndex(2)                       # the change since the start
    view.layer_box.setCurrentIndex(1)
    header, rows = read_csv(view, view.plot, tmp_path, "change.csv")
    assert header == ["input"] + [f"weight_change_unit_{j}" for j in range(3)]
    assert [r[0] for r in rows] == [str(k) for k in range(10)]
    assert np.allclose(np.array([[float(v) for v in r[1:]] for r in rows]), view.image.image)


def test_activation_histogram_csv_is_bins_and_shares(qtbot, ctl, tmp_path):
    view = shown(qtbot, HistogramsView(ctl))
    ctl.start(iris_session())
    view._redraw_now()
    header, rows = read_csv(view, view.plots[0], tmp_path)
    assert header == ["layer", "activation", "bin_low", "bin_high", "share"]
    assert {(r[0], r[1]) for r in rows} == {("dense_1", "relu")}
    edges, share = view.curves[0].getOriginalDataset()
    assert column(header, rows, "bin_low") == pytest.approx(edges[:-1].tolist())
    assert column(header, rows, "bin_high") == pytest.approx(edges[1:].tolist())
    assert column(header, rows, "share") == pytest.approx(share.tolist())


def test_activation_function_csv_pairs_each_input_with_the_functions_output(qtbot, ctl, tmp_path):
    view = shown(qtbot, ActivationBarsView(ctl))
    view._redraw_now()
    plot, bars = view.panels["sigmoid"]
    header, rows = read_csv(view, plot, tmp_path)
    assert header == ["input_number", "input", "sigmoid"]
    x = np.array(column(header, rows, "input"))
    assert np.allclose(x, view.panels["input"][1].opts["height"])
    assert np.allclose(column(header, rows, "sigmoid"), ACTIVATIONS["sigmoid"].forward(x))
    header, _ = read_csv(view, view.panels["input"][0], tmp_path, "input.csv")
    assert header == ["input_number", "input"]


# --------------------------------------------------------------------------- every way to export
def test_export_all_views_writes_the_views_tables(qtbot, ctl, tmp_path):
    views = create_views(ctl)
    for v in views:
        shown(qtbot, v, (700, 500))
    session = iris_session(epochs=1)
    ctl.start(session)
    ctl.train(5, detail_every=1)
    for v in views:
        v._redraw_now()
    report = export_all(views, tmp_path, None, None)
    assert not [s for s in report.skipped if "CSV" in s[0]]

    def header(name):
        with open(tmp_path / name, newline="", encoding="utf-8") as f:
            return next(csv.reader(f))
    assert header("Confusion_matrix.csv")[0] == "true_class"
    assert header("Gradients-2.csv") == ["layer", "grad_norm", "log10_grad_norm"]
    assert header("Softmax-2.csv")[0] == "class"
    assert header("Loss.csv")[0] == "iteration"


def test_the_right_click_menu_exports_the_views_table(qtbot, ctl, tmp_path, monkeypatch):
    view = shown(qtbot, ConfusionView(ctl))
    ViewExportMenu(view)
    session = iris_session()
    ctl.start(session)
    ctl.snapshots.emit((snapshot(5, 1.0, steps=5, epoch=1, weights=scaled_weights(session, 1.0)),))
    view._redraw_now()
    monkeypatch.setattr(ExportMenu, "exec_dialog", lambda self, d: (
        d.set_format("csv"), d.path_edit.setText(str(tmp_path / "cm.csv")), True)[2])
    plot = view.plot
    menu = view.findChild(ViewExportMenu).menu_at(plot.mapToGlobal(plot.rect().center()))
    menu.actions()[2].trigger()
    assert (tmp_path / "cm.csv").read_text().splitlines()[0].startswith("true_class,predicted_setosa")


def test_a_view_without_data_offers_no_csv(qtbot, ctl, tmp_path):
    view = shown(qtbot, ConfusionView(ctl))
    ctl.start(iris_session())
    target = view.plot.getPlotItem()
    assert not ex.has_table(target, view)
    dialog = ExportDialog(target, "Confusion matrix", "csv", str(tmp_path), view=view)
    qtbot.addWidget(dialog)
    assert dialog.fmt() == "png"                     # CSV is offered only with data
    with pytest.raises(ex.ExportError, match="no data"):
        ex.export_csv(target, tmp_path / "cm.csv", view=view)

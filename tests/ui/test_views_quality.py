"""What a learner reads off the views, checked point by point (issue 5 walked through as a
learner and a teacher): the plot items hold the picture the curriculum asks for."""

from types import MappingProxyType

import numpy as np
import pytest

from nnstudio.engine.analysis import activation_histogram
from nnstudio.project.session import build_session
from nnstudio.engine.activations import ACTIVATIONS
from nnstudio.ui.views.activation_bars import ActivationBarsView
from nnstudio.engine.activations import softmax
from nnstudio.engine.analysis import confusion_matrix
from nnstudio.project.mirror import NetworkMirror
from nnstudio.ui.views.accuracy import AccuracyView
from nnstudio.ui.views.confusion import ConfusionView
from nnstudio.ui.views.fit import DataFitView
from nnstudio.ui.palette import TEXT_COLOR
from nnstudio.ui.views.weights import WeightsView
from nnstudio.ui.views.histograms import HistogramsView
from nnstudio.ui.views.softmax import SoftmaxView

from test_views_support import (FakeController, dense, drawn_tick_labels, function_session, iris_session,
                                moons_session, project, scaled_weights, shown, snapshot)


@pytest.fixture
def ctl():
    return FakeController()


def sigmoid_stack_session(std):
    """The book's initialization study in small: sigmoid layers with normal(0, std) weights."""
    layers = [dict(dense(20, "sigmoid", "normal"), std=std), dict(dense(20, "sigmoid", "normal"), std=std),
              dense(3, "softmax", "xavier")]
    net = {"input_shape": [4], "layers": layers, "loss": "cross_entropy"}
    return build_session(project(net, {"name": "iris"}))


# --------------------------------------------------------------------------- activation histograms
def test_sigmoid_histograms_span_zero_to_one_so_a_narrow_spike_looks_narrow(qtbot, ctl):
    view = shown(qtbot, HistogramsView(ctl))
    ctl.start(sigmoid_stack_session(0.01))
    view._redraw_now()
    for plot, curve in zip(view.plots, view.curves):
        edges, share = curve.getOriginalDataset()
        assert edges[0] == pytest.approx(0.0) and edges[-1] == pytest.approx(1.0)
        # std 0.01: every output sits near 0.5, in a few of the 30 bins around the middle
        filled = np.flatnonzero(share)
        assert len(filled) <= 5 and all(0.4 < edges[k] < 0.6 for k in filled)
        lo, hi = plot.getViewBox().viewRange()[0]
        assert lo <= 0.0 and hi >= 1.0
    assert "std" in view.info.text()
    labels = drawn_tick_labels(view.plots[0].getAxis("bottom"))
    assert "0" in labels and "1.0" in labels, labels        # both bounds named on the axis


def test_saturated_sigmoid_and_silent_relu_are_told_in_numbers(qtbot, ctl):
    view = shown(qtbot, HistogramsView(ctl))
    ctl.start(sigmoid_stack_session(1.0))
    sig = np.array([[0.0001, 0.9999, 0.5, 0.9995]] * 5)            # 3 of 4 pressed against a bound
    ctl.snapshots.emit((snapshot(2, 1.0, activations=MappingProxyType({"dense_1": sig})),))
    view._redraw_now()
    edges, share = view.curves[0].getOriginalDataset()
    e, s = activation_histogram(sig, 30, (0.0, 1.0))
    assert np.allclose(edges, e) and np.allclose(share, s)
    assert "dense_1: std" in view.info.text() and "75% saturated" in view.info.text()


def test_relu_note_counts_exact_zeros_not_the_first_bin(qtbot, ctl):
    net = {"input_shape": [4], "layers": [dense(10), dense(3, "softmax", "xavier")], "loss": "cross_entropy"}
    view = shown(qtbot, HistogramsView(ctl))
    ctl.start(build_session(project(net, {"name": "iris"})))
    # a quarter exact zeros, the rest small but positive: all of them fall in the first bin
    out = np.array([[0.0, 0.001, 0.002, 3.0]] * 4)
    ctl.snapshots.emit((snapshot(2, 1.0, activations=MappingProxyType({"dense_1": out})),))
    view._redraw_now()
    assert "25% exactly 0" in view.info.text()
    edges, _ = view.curves[0].getOriginalDataset()
    assert edges[0] == 0.0 and edges[-1] == pytest.approx(3.0)


# --------------------------------------------------------------------------- activation bars
def test_activation_panels_share_one_scale_so_relus_range_stands_out(qtbot, ctl):
    view = shown(qtbot, ActivationBarsView(ctl), size=(690, 300))
    view.seed.setValue(3)
    view._redraw_now()
    assert view.same_scale.isChecked()              # the default: ranges compare at a glance
    ranges = {name: plot.getViewBox().viewRange()[1] for name, (plot, _bars) in view.panels.items()}
    assert len({tuple(np.round(r, 9)) for r in ranges.values()}) == 1
    lo, hi = ranges["sigmoid"]
    assert lo <= -10 and hi >= 10                  # sigmoid's bars (≤ 1) drawn on the inputs' scale
    x = np.asarray(view.panels["input"][1].opts["height"])
    assert np.allclose(view.panels["relu"][1].opts["height"], ACTIVATIONS["relu"].forward(x))


def test_derivative_bars_show_sigmoids_slope_never_passes_a_quarter(qtbot, ctl, tmp_path):
    """CURRICULUM §7: the slopes the backward pass multiplies δ by, on a scale of their own."""
    view = shown(qtbot, ActivationBarsView(ctl), size=(690, 300))
    view.count.setValue(200)
    view.extra["tanh"].setChecked(True)
    view.slopes.setChecked(True)
    view._redraw_now()
    x = np.asarray(view.panels["input"][1].opts["height"])
    sig = np.asarray(view.panels["sigmoid"][1].opts["height"])
    s = 1 / (1 + np.exp(-x))
    assert np.allclose(sig, s * (1 - s)) and 0.2 < sig.max() <= 0.25
    assert np.array_equal(view.panels["relu"][1].opts["height"], (x > 0).astype(float))
    assert np.allclose(view.panels["tanh"][1].opts["height"], 1 - np.tanh(x) ** 2)
    lo, hi = view.panels["sigmoid"][0].getViewBox().viewRange()[1]
    assert -0.5 < lo < 0 and 1 < hi < 1.5            # the slopes' own scale: 0.25 is a quarter of it
    assert view.panels["input"][0].getViewBox().viewRange()[1][0] <= -10
    assert view.titles["sigmoid"].startswith("sigmoid′") and "0.25" in view.titles["sigmoid"]
    assert view.bound.isVisible() and view.bound.value() == 0.25      # the bound, drawn in its panel
    assert view.bound in view.panels["sigmoid"][0].items
    assert "0.25" in view.caption_label.text() and "0.25" in view.caption_label.toolTip()
    table = view.table_for(view.panels["sigmoid"][0])
    assert table.header[-1] == "dsigmoid_du" and np.allclose(table.column("dsigmoid_du").astype(float), sig)
    view.slopes.setChecked(False)                     # and back to the outputs
    view._redraw_now()
    assert np.allclose(view.panels["sigmoid"][1].opts["height"], s)
    assert view.titles["sigmoid"].startswith("sigmoid:") and view.caption_label.text() == view.caption()
    assert not view.bound.isVisible()


def test_each_panel_on_its_own_scale_shows_0_and_1_on_its_axis(qtbot, ctl):
    view = shown(qtbot, ActivationBarsView(ctl), size=(690, 240))    # the dock's height in the window
    view.same_scale.setChecked(False)
    qtbot.wait(20)
    view._redraw_now()
    for name in ("step", "sigmoid"):
        plot = view.panels[name][0]
        lo, hi = plot.getViewBox().viewRange()[1]
        assert lo < 0 < 1 < hi < 1.5
        labels = drawn_tick_labels(plot.getAxis("left"))
        assert {"0", "1"} <= {t.rstrip("0").rstrip(".") if "." in t else t for t in labels}, labels


# --------------------------------------------------------------------------- softmax
def test_plus_100_is_said_to_give_identical_probabilities(qtbot, ctl):
    view = shown(qtbot, SoftmaxView(ctl), size=(690, 330))
    ctl.start(iris_session())
    view.source.setCurrentIndex(1)                       # the book's exercise: random inputs
    view.sample.setValue(5)
    before = np.asarray(view.prob_bars.opts["height"]).copy()
    u = np.random.default_rng(5).uniform(-10, 10, 3)
    assert np.allclose(before, softmax(u[None, :])[0])
    assert "identical" not in view.verdict.text()
    view.shift.setChecked(True)
    after = np.asarray(view.prob_bars.opts["height"])
    assert np.allclose(after, before, atol=1e-12) and after.sum() == pytest.approx(1.0)
    assert np.allclose(view.sample_bars.opts["height"], u + 100)      # the inputs shown are shifted
    assert "identical probabilities" in view.verdict.text()
    assert view.shift_change < 1e-12
    view.source.setCurrentIndex(0)                       # a test sample's output layer, shifted too
    assert "identical probabilities" in view.verdict.text()


def test_probability_axis_shows_its_top_label(qtbot, ctl):
    view = shown(qtbot, SoftmaxView(ctl), size=(690, 300))
    session = iris_session()
    ctl.start(session)
    ctl.snapshots.emit((snapshot(5, 1.0, weights=scaled_weights(session, 3.0)),))
    qtbot.wait(20)
    view._redraw_now()
    item = view.prob_plot.getPlotItem()
    lo, hi = item.getViewBox().viewRange()[1]
    assert lo < -0.04 and hi > 1.0                       # the ▲ below 0 and a bar of 1 both fit
    labels = drawn_tick_labels(item.getAxis("left"))
    assert "1.0" in labels
    assert not {"1.1", "-0.1", "−0.1"} & set(labels)     # no values a probability cannot take


# --------------------------------------------------------------------------- confusion matrix
def lightness(color) -> float:
    return color.lightnessF()


def test_confusion_leaves_empty_cells_white_and_makes_every_mix_up_visible(qtbot, ctl):
    view = shown(qtbot, ConfusionView(ctl))
    session = iris_session()
    ctl.start(session)
    weights = scaled_weights(session, 1.0)
    ctl.snapshots.emit((snapshot(5, 1.0, steps=5, epoch=1, weights=weights),))
    view._redraw_now()
    ds = session.dataset
    mirror = NetworkMirror(session.project)
    mirror.load(weights)
    counts = confusion_matrix(ds.y_test, mirror.predict(ds.x_test).argmax(1), 3)
    img = view.image.image
    assert np.array_equal(np.isnan(img), counts == 0)            # empty cells: no colour at all
    share = counts / counts.sum(axis=1, keepdims=True)
    assert np.allclose(img[counts > 0], share[counts > 0])
    cmap = view.colorbar.colorMap()
    darkest = lightness(cmap.map(0.0, mode="qcolor"))
    # one sample in fifty is still a colour well apart from the darkest one
    assert lightness(cmap.map(1 / 50, mode="qcolor")) - darkest > 0.08    # linear cividis: 0.016
    texts = [t.toPlainText() for t in view.cell_texts]
    assert texts == [str(int(c)) for c in counts.ravel()]


def test_colour_bars_label_their_scale_in_dark_text(qtbot, ctl):
    for view in (shown(qtbot, ConfusionView(ctl)), shown(qtbot, WeightsView(ctl))):
        label_axis = view.colorbar.getAxis("left")
        assert label_axis.labelStyle.get("color") == TEXT_COLOR
        assert view.colorbar.getAxis("right").textPen().color().name() == TEXT_COLOR


# --------------------------------------------------------------------------- accuracy
def test_accuracy_axis_labels_both_ends_in_the_docked_size(qtbot, ctl):
    view = shown(qtbot, AccuracyView(ctl), size=(690, 260))
    ctl.start(iris_session())
    ctl.snapshots.emit(tuple(snapshot(k * 5, 1.0, steps=5, epoch=k, train_accuracy=0.5 + k / 20,
                                      test_accuracy=0.45 + k / 20) for k in range(1, 6)))
    qtbot.wait(20)
    view._redraw_now()
    x, y = view.train_curve.getData()
    assert x.tolist() == [1, 2, 3, 4, 5] and np.allclose(y, [55, 60, 65, 70, 75])
    labels = drawn_tick_labels(view.plot.getPlotItem().getAxis("left"))
    assert "40" in labels and "100" in labels, labels      # from the ten below the lowest, 50


def test_accuracy_axis_starts_below_the_lowest_point(qtbot, ctl):
    """MNIST's climb from 92 % to 98 % fills the plot instead of hugging its top; a lower
    point brings the floor down, and a new run starts from 0 again."""
    view = shown(qtbot, AccuracyView(ctl), size=(690, 260))
    ctl.start(iris_session())
    floor = lambda: view.plot.getPlotItem().getViewBox().viewRange()[1][0]   # noqa: E731
    view._redraw_now()
    assert floor() < 0                                  # nothing yet: 0 to 100 with its margin
    ctl.snapshots.emit((snapshot(5, 1.0, steps=5, epoch=1, train_accuracy=0.93, test_accuracy=0.921),))
    view._redraw_now()
    assert 89 < floor() < 90                            # 90 with a 7 % margin of the 10 shown
    assert view.plot.getPlotItem().getViewBox().viewRange()[1][1] > 100
    ctl.snapshots.emit((snapshot(10, 1.0, steps=5, epoch=2, train_accuracy=0.95, test_accuracy=0.61),))
    view._redraw_now()
    assert 55 < floor() < 60                            # 60, less 7 % of the 40 shown
    ctl.start(iris_session())
    view._redraw_now()
    assert floor() < 0


# --------------------------------------------------------------------------- decision boundary / function fit
def test_test_points_are_the_upward_triangles_the_caption_names(qtbot, ctl):
    view = shown(qtbot, DataFitView(ctl))
    session = moons_session()
    ctl.start(session)
    assert "△" in view.caption()
    assert view.test_points.opts["symbol"] == "t1"            # pyqtgraph's "t" points down (▽)
    x, y = view.test_points.getData()
    assert np.allclose(x, session.dataset.x_test[:, 0]) and np.allclose(y, session.dataset.x_test[:, 1])


def test_function_fit_marks_test_samples_and_says_how_the_shares_add_up(qtbot, ctl):
    view = shown(qtbot, DataFitView(ctl))
    session = function_session()
    ctl.start(session)
    weights = scaled_weights(session, 1.3)
    ctl.snapshots.emit((snapshot(3, 1.0, weights=weights),))
    view._redraw_now()
    ds = session.dataset
    x, y = view.test_points.getData()
    assert len(x) == ds.n_test > 0
    assert np.allclose(x, ds.x_test[:, 0]) and np.allclose(y, ds.y_test[:, 0])
    bias = float(weights["dense_2.b"][0])
    assert f"output = sum of the 10 shares + bias {bias:.3g}" in view.info.text()
    _, out = view.output_curve.getOriginalDataset()
    assert np.allclose(view.contributions.sum(axis=1) + bias, out, atol=1e-5)


def test_layer_choice_shows_whole_layer_names(qtbot, ctl):
    conv = {"type": "conv2d", "filters": 4, "kernel": 3, "activation": "relu", "init": "he"}
    net = {"input_shape": [1, 8, 8], "layers": [conv, {"type": "flatten"}, dense(10, "softmax", "xavier")],
           "loss": "cross_entropy"}
    view = shown(qtbot, WeightsView(ctl), size=(690, 330))
    ctl.start(build_session(project(net, {"name": "digits", "flatten": False})))
    qtbot.wait(20)
    box = view.layer_box
    assert box.itemText(0) == "conv2d_1"
    assert box.width() >= box.fontMetrics().horizontalAdvance("conv2d_1") + 20


# --------------------------------------------------------------------------- memory on long runs
def test_accuracy_keeps_a_bounded_number_of_points_on_a_long_run(qtbot, ctl):
    view = shown(qtbot, AccuracyView(ctl))
    ctl.start(iris_session())
    epochs = 3 * view.train.capacity
    ctl.snapshots.emit(tuple(snapshot(k, 1.0, steps=1, epoch=k, train_accuracy=(k % 100) / 100,
                                      test_accuracy=0.5) for k in range(1, epochs + 1)))
    view._redraw_now()
    x, y = view.train_curve.getData()
    assert len(x) <= view.train.capacity and x[0] == 1 and x[-1] > 0.9 * epochs
    assert view.readout.text().startswith(f"epoch {epochs}:")


def test_confusion_keeps_the_newest_matrices_only(qtbot, ctl, monkeypatch):
    from nnstudio.ui.views import confusion
    monkeypatch.setattr(confusion, "MAX_EPOCHS", 4)
    view = shown(qtbot, ConfusionView(ctl))
    session = iris_session()
    ctl.start(session)
    for epoch in range(1, 8):
        ctl.snapshots.emit((snapshot(epoch * 5, 1.0, steps=5, epoch=epoch,
                                     weights=scaled_weights(session, 0.5 + epoch / 4)),))
    view._redraw_now()
    assert sorted(view.matrices) == [4, 5, 6, 7]
    assert (view.slider.minimum(), view.slider.maximum(), view.slider.value()) == (4, 7, 7)
    assert view.epoch_label.text() == "Epoch 7:"


def test_the_sample_panel_names_what_its_axis_counts(qtbot, ctl):
    view = shown(qtbot, SoftmaxView(ctl), size=(690, 330))
    session = iris_session()
    ctl.start(session)
    view.sample.setValue(3)
    view._redraw_now()
    item = view.sample_plot.getPlotItem()
    assert item.getAxis("bottom").labelText == "input value"
    assert np.allclose(view.sample_bars.opts["width"], session.dataset.x_test[3])     # horizontal bars
    view.source.setCurrentIndex(1)
    assert item.getAxis("bottom").labelText == "k (the position in the vector)"


def test_conv_filters_are_tiles_and_the_note_reads_plainly(qtbot, ctl):
    conv = {"type": "conv2d", "filters": 4, "kernel": 3, "activation": "relu", "init": "he"}
    net = {"input_shape": [1, 8, 8], "layers": [conv, {"type": "flatten"}, dense(10, "softmax", "xavier")],
           "loss": "cross_entropy"}
    view = shown(qtbot, WeightsView(ctl), size=(690, 330))
    session = build_session(project(net, {"name": "digits", "flatten": False}))
    ctl.start(session)
    weights = scaled_weights(session, 2.0)
    ctl.snapshots.emit((snapshot(2, 1.0, weights=weights),))
    view._redraw_now()
    W = np.asarray(weights["conv2d_1.W"])
    assert view.mode == "tiles" and np.allclose(view.tiles, W.reshape(4, 3, 3))
    assert "4 filters of 3×3" in view.info.text() and "input channels: 1" in view.info.text()
    limit = np.abs(W).max()
    assert view.image.levels[0] == pytest.approx(-limit) and view.image.levels[1] == pytest.approx(limit)

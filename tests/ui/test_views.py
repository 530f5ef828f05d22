"""The live views show exactly the data they are fed (read back from the plot items)."""

import dataclasses
import math
import re
from types import MappingProxyType

import numpy as np
import pytest
import pyqtgraph as pg

from nnstudio.engine.activations import ACTIVATIONS, softmax
from nnstudio.engine.analysis import activation_histogram, confusion_matrix, mosaic, weight_tiles
from nnstudio.engine.series import ema
from nnstudio.project.mirror import NetworkMirror
from nnstudio.ui.views import create_views, layer_color
from nnstudio.ui.views import loss as loss_module
from nnstudio.ui.views.accuracy import AccuracyView
from nnstudio.ui.views.activation_bars import ActivationBarsView
from nnstudio.ui.views.base import fixed_samples
from nnstudio.ui.views.confusion import ConfusionView
from nnstudio.ui.views.fit import DataFitView, region_colors
from nnstudio.ui.views.gradients import GradientsView
from nnstudio.ui.views.histograms import HistogramsView
from nnstudio.ui.views.loss import LossView
from nnstudio.ui.views.softmax import SoftmaxView
from nnstudio.ui.views.weights import WeightsView

from test_views_support import (FakeController, scaled_weights, shown, dense, function_session, iris_session, moons_session,
                                project, snapshot)
from nnstudio.project.session import build_session


@pytest.fixture
def ctl():
    return FakeController()


# --------------------------------------------------------------------------- the contract
def test_create_views_gives_eleven_captioned_views(qtbot, ctl):
    views = create_views(ctl)
    assert len(views) == 11
    for v in views:
        qtbot.addWidget(v)
        assert v.title() and len(v.caption()) > 40
        assert v.export_targets() is not None
    assert len({v.title() for v in views}) == 11
    session = iris_session()
    ctl.start(session)
    assert all(v.session is session for v in views)


def test_layer_colors_repeat_per_index_and_differ_between_neighbours():
    assert layer_color(3) == layer_color(3)
    assert layer_color(0) != layer_color(1)


# --------------------------------------------------------------------------- loss
def test_loss_view_shows_raw_smoothed_and_epoch_losses(qtbot, ctl):
    view = shown(qtbot, LossView(ctl))
    ctl.start(iris_session(epochs=100))        # long enough for the full smoothing
    losses = [2.0, 1.5, 1.2, 1.0, 0.9, 0.7]
    snaps = [snapshot(i + 1, l, steps=3) for i, l in enumerate(losses)]
    snaps[2] = snapshot(3, 1.2, steps=3, train_loss=1.1, test_loss=1.3)
    snaps[5] = snapshot(6, 0.7, steps=3, train_loss=0.8, test_loss=0.95)
    ctl.snapshots.emit(tuple(snaps[:4]))
    ctl.snapshots.emit(tuple(snaps[4:]))
    view._redraw_now()
    x, y = view.raw_curve.getOriginalDataset()
    assert x.tolist() == [1, 2, 3, 4, 5, 6] and np.allclose(y, losses)
    _, ys = view.smooth_curve.getOriginalDataset()
    assert np.allclose(ys, ema(losses, loss_module.SMOOTHING))
    assert view.train_curve.getOriginalDataset()[0].tolist() == [3, 6]
    assert np.allclose(view.train_curve.getOriginalDataset()[1], [1.1, 0.8])
    assert np.allclose(view.test_curve.getOriginalDataset()[1], [1.3, 0.95])
    assert "0.7" in view.readout.text()
    view.log_box.setChecked(True)
    assert view.plot.getPlotItem().ctrl.logYCheck.isChecked()


def test_loss_view_keeps_the_previous_run_dimmed_after_a_reset(qtbot, ctl):
    view = shown(qtbot, LossView(ctl))
    ctl.start(iris_session())
    ctl.snapshots.emit(tuple(snapshot(i, 3.0 - i * 0.1) for i in range(1, 11)))
    view._redraw_now()
    before = view.smooth_curve.getOriginalDataset()[1].copy()
    ctl.start(iris_session(lr=0.01))
    view._redraw_now()
    assert len(view.earlier) == 1
    assert np.allclose(view.earlier[0].getOriginalDataset()[1], before)
    assert len(view.raw_curve.getOriginalDataset()[0] or []) == 0
    view.clear_earlier_runs()
    assert view.earlier == []


def test_loss_view_memory_stays_bounded_on_a_long_run(qtbot, ctl):
    view = shown(qtbot, LossView(ctl))
    ctl.start(iris_session())
    n = 20_000
    for start in range(0, n, 1000):
        ctl.snapshots.emit(tuple(snapshot(i, 1.0 / i) for i in range(start + 1, start + 1001)))
    view._redraw_now()
    x, _ = view.raw_curve.getOriginalDataset()
    assert len(x) <= loss_module.CAPACITY
    assert x[0] == 1 and x[-1] > n - 20      # the whole run, thinned
    assert view.raw.appended == n


# --------------------------------------------------------------------------- accuracy
def test_accuracy_view_shows_percentages_per_epoch(qtbot, ctl):
    view = shown(qtbot, AccuracyView(ctl))
    ctl.start(iris_session())
    snaps = [snapshot(3, 1.0, steps=3, epoch=1, train_accuracy=0.5, test_accuracy=0.4),
             snapshot(6, 0.5, steps=3, epoch=2, train_accuracy=0.75, test_accuracy=0.7)]
    ctl.snapshots.emit(tuple(snaps))
    view._redraw_now()
    x, y = view.train_curve.getOriginalDataset()
    assert x.tolist() == [1, 2] and np.allclose(y, [50, 75])
    assert np.allclose(view.test_curve.getOriginalDataset()[1], [40, 70])
    assert not view.message.isVisible()


def test_accuracy_at_the_end_of_a_run_of_iterations_sits_where_the_run_ended(qtbot, ctl):
    """A run of 7 updates of 3 an epoch ends one update into the third epoch: 2.33 on the axis,
    live and when the saved run is shown again."""
    import dataclasses
    from nnstudio.project.history import RunHistory
    from nnstudio.ui.views.accuracy import history_positions
    view = shown(qtbot, AccuracyView(ctl))
    ctl.start(iris_session())
    snaps = [snapshot(3, 1.0, steps=3, epoch=1, total=7, train_accuracy=0.5, test_accuracy=0.4),
             snapshot(6, 0.5, steps=3, epoch=2, total=7, train_accuracy=0.75, test_accuracy=0.7),
             # the trainer marks where a run of iterations ends for evaluation
             dataclasses.replace(snapshot(7, 0.4, steps=3, epoch=3, total=7, train_accuracy=0.8,
                                          test_accuracy=0.75), epoch_end=True)]
    ctl.snapshots.emit(tuple(snaps))
    view._redraw_now()
    x, _ = view.train_curve.getOriginalDataset()
    assert np.allclose(x, [1, 2, 7 / 3])
    assert view.readout.text().startswith("epoch 2.33: training 80.0%")
    history = RunHistory()
    for snap in snaps:
        history.record(snap)
    assert np.allclose(history_positions(history.column("epochs", "epoch").astype(int),
                                         history.column("epochs", "iteration").astype(int), 3), [1, 2, 7 / 3])
    assert history_positions([1, 2], [3, 6], None) == [1.0, 2.0]       # no step count known: whole epochs


def test_accuracy_says_when_a_run_shorter_than_an_epoch_shows_it(qtbot, ctl):
    view = shown(qtbot, AccuracyView(ctl))
    session = iris_session()
    session.trainer.total_iterations = session.trainer.steps_per_epoch - 1
    ctl.start(session)
    view._redraw_now()
    assert view.message.toPlainText() == "Accuracy appears at the end of the run."


def test_accuracy_view_explains_regression(qtbot, ctl):
    view = shown(qtbot, AccuracyView(ctl))
    ctl.start(function_session())
    view._redraw_now()
    assert "regression" in view.message.toPlainText()


# --------------------------------------------------------------------------- gradients
def test_gradient_view_lines_bars_and_verdict(qtbot, ctl):
    view = shown(qtbot, GradientsView(ctl))
    ctl.start(iris_session())
    norms = [{"dense_1.W": 1e-5 * i, "dense_1.b": 1.0, "dense_2.W": 0.5 * i} for i in (1, 2)]
    ctl.snapshots.emit(tuple(snapshot(i + 1, 1.0, grad_norms=g) for i, g in enumerate(norms)))
    view._redraw_now()
    assert [name for _, name in view.layers] == ["dense_1", "dense_2"]
    x, y = view.curves[0].getOriginalDataset()
    assert x.tolist() == [1, 2] and np.allclose(y, [1e-5, 2e-5])
    assert np.allclose(view.curves[1].getOriginalDataset()[1], [0.5, 1.0])
    tops = np.asarray(view.bars.opts["y0"]) + np.asarray(view.bars.opts["height"])
    assert np.allclose(tops, [math.log10(2e-5), math.log10(1.0)])
    pen = view.curves[1].opts["pen"].color()          # the layer's colour, see-through
    assert pen.rgb() == layer_color(1).rgb() and 0 < pen.alpha() < 255
    assert "Vanishing" in view.verdict.text()


# --------------------------------------------------------------------------- weights
def digits_session():
    net = {"input_shape": [64], "layers": [dense(12), dense(10, "softmax", "xavier")], "loss": "cross_entropy"}
    return build_session(project(net, {"name": "digits"}))


def test_weight_tiles_equal_the_reshaped_weights(qtbot, ctl):
    view = shown(qtbot, WeightsView(ctl))
    session = digits_session()
    ctl.start(session)
    view._redraw_now()
    W0 = session.network.parameters()["dense_1.W"]
    assert np.allclose(view.tiles, weight_tiles(W0, (8, 8)))     # initial weights before any snapshot
    weights = scaled_weights(session, 3.0)
    ctl.snapshots.emit((snapshot(1, 1.0, weights=weights),))
    view._redraw_now()
    W = weights["dense_1.W"]
    assert view.mode == "tiles" and view.tiles.shape == (12, 8, 8)
    for j in range(12):
        assert np.array_equal(view.tiles[j], W[:, j].reshape(8, 8))
    img = view.image.image
    expected, columns = mosaic(weight_tiles(W, (8, 8)), view.columns)
    assert np.array_equal(np.isnan(img), np.isnan(expected))
    assert np.allclose(img[~np.isnan(img)], expected[~np.isnan(expected)])
    r, c = divmod(5, columns)
    assert np.allclose(img[r * 9:r * 9 + 8, c * 9:c * 9 + 8], W[:, 5].reshape(8, 8))
    lim = float(np.abs(W).max())
    assert view.image.levels.tolist() == pytest.approx([-lim, lim])   # centred on zero


def test_weights_of_non_image_inputs_are_a_heat_map(qtbot, ctl):
    view = shown(qtbot, WeightsView(ctl))
    session = iris_session()
    ctl.start(session)
    weights = scaled_weights(session)
    ctl.snapshots.emit((snapshot(1, 1.0, weights=weights),))
    view.layer_box.setCurrentIndex(1)
    assert view.mode == "matrix"
    assert np.allclose(view.image.image, weights["dense_2.W"])


# --------------------------------------------------------------------------- histograms
def test_histograms_show_the_batch_activations(qtbot, ctl):
    view = shown(qtbot, HistogramsView(ctl))
    ctl.start(iris_session())
    view._redraw_now()
    assert "initial" in view.info.text()
    act = np.linspace(0, 2, 100).reshape(10, 10).astype(np.float32)
    ctl.snapshots.emit((snapshot(4, 1.0, activations=MappingProxyType({"dense_1": act})),))
    view._redraw_now()
    edges, share = view.curves[0].getOriginalDataset()
    e, s = activation_histogram(act, 30)
    assert np.allclose(edges, e) and np.allclose(share, s)
    assert share.sum() == pytest.approx(1.0)
    assert "iteration 4" in view.info.text()


# --------------------------------------------------------------------------- activation bars
def test_activation_bars_equal_the_functions_values(qtbot, ctl):
    view = shown(qtbot, ActivationBarsView(ctl))
    view.count.setValue(30)
    view.seed.setValue(7)
    view.extra["tanh"].setChecked(True)
    view._redraw_now()
    x = np.asarray(view.panels["input"][1].opts["height"])
    assert len(x) == 30 and x.min() >= -10 and x.max() <= 10
    for name in ("step", "sigmoid", "relu", "tanh"):
        bars = view.panels[name][1]
        assert np.allclose(bars.opts["height"], ACTIVATIONS[name].forward(x), atol=1e-12)
    assert "relu" in view.panels and "leaky_relu" not in view.panels
    old = x.copy()
    view.again.click()
    assert not np.allclose(view.panels["input"][1].opts["height"], old)


# --------------------------------------------------------------------------- softmax
def test_softmax_bars_sum_to_one_and_ignore_the_shift(qtbot, ctl):
    view = shown(qtbot, SoftmaxView(ctl))
    session = iris_session()
    ctl.start(session)
    weights = scaled_weights(session, 2.0)
    ctl.snapshots.emit((snapshot(5, 1.0, weights=weights),))
    view.sample.setValue(7)
    p = np.asarray(view.prob_bars.opts["height"]).copy()
    assert p.sum() == pytest.approx(1.0)
    mirror = NetworkMirror(session.project)
    mirror.load(weights)
    assert np.allclose(p, mirror.predict(session.dataset.x_test[7:8])[0], atol=1e-6)
    u = view.logits.copy()
    view.shift.setChecked(True)
    p2 = np.asarray(view.prob_bars.opts["height"])
    assert np.allclose(p2, p, atol=1e-12)
    assert np.allclose(view.logits, u + 100)   # the inputs really were shifted
    true = int(session.dataset.y_test[7])
    assert view.true_marker.getData()[0].tolist() == [true]
    assert view.gallery.count() > 0
    first = view.gallery_indices[0]
    probs = mirror.predict(session.dataset.x_test)
    wrong = probs.argmax(1) != session.dataset.y_test
    assert wrong[first] == wrong.any()      # misclassified first, when there are any


# --------------------------------------------------------------------------- decision boundary / fit
def test_decision_boundary_is_the_networks_output_over_the_grid(qtbot, ctl):
    view = shown(qtbot, DataFitView(ctl))
    session = moons_session()
    ctl.start(session)
    weights = scaled_weights(session, 1.5)
    ctl.snapshots.emit((snapshot(3, 1.0, weights=weights),))
    view._redraw_now()
    assert view.mode == "boundary"
    mirror = NetworkMirror(session.project)
    mirror.load(weights)
    probs = mirror.predict(view.grid)
    assert np.allclose(view.grid_values, probs, atol=1e-6)
    rgb = region_colors(probs).reshape(80, 80, 3).astype(np.uint8)
    assert np.array_equal(view.image.image, rgb)
    x, y = view.train_points.getData()
    assert np.allclose(x, session.dataset.x_train[:, 0]) and np.allclose(y, session.dataset.x_train[:, 1])


def test_function_fit_shows_output_and_unit_shares_that_add_up(qtbot, ctl):
    view = shown(qtbot, DataFitView(ctl))
    session = function_session()
    ctl.start(session)
    weights = scaled_weights(session, 1.2)
    ctl.snapshots.emit((snapshot(3, 1.0, weights=weights),))
    view._redraw_now()
    assert view.mode == "function"
    xs, ys = view.output_curve.getOriginalDataset()
    mirror = NetworkMirror(session.project)
    mirror.load(weights)
    assert np.allclose(ys, mirror.predict(xs[:, None])[:, 0], atol=1e-5)
    total = view.contributions.sum(axis=1) + float(weights["dense_2.b"][0])
    assert np.allclose(total, ys, atol=1e-5)
    assert len(view.unit_curves) == 10
    _, target = view.target_curve.getOriginalDataset()
    assert np.allclose(target, xs ** 2, atol=1e-9)
    view.units_box.setChecked(False)
    assert not view.unit_curves[0].isVisible()


def test_fit_view_explains_other_data(qtbot, ctl):
    view = shown(qtbot, DataFitView(ctl))
    ctl.start(iris_session())
    assert view.mode == "none" and "2 inputs" in view.message.toPlainText()


# --------------------------------------------------------------------------- confusion
def test_confusion_matrix_per_epoch(qtbot, ctl):
    view = shown(qtbot, ConfusionView(ctl))
    session = iris_session()
    ctl.start(session)
    w1, w2 = scaled_weights(session, 1.0), scaled_weights(session, -2.0)
    ctl.snapshots.emit((snapshot(5, 1.0, steps=5, epoch=1, weights=w1),))
    ctl.snapshots.emit((snapshot(10, 1.0, steps=5, epoch=2, weights=w2),))
    view._redraw_now()
    ds = session.dataset

    def expected(w):
        m = NetworkMirror(session.project)
        m.load(w)
        return confusion_matrix(ds.y_test, m.predict(ds.x_test).argmax(1), 3)

    assert np.array_equal(view.shown, expected(w2))
    assert view.shown.sum() == ds.n_test
    view.slider.setValue(1)
    assert np.array_equal(view.shown, expected(w1))
    assert view.cell_texts[0].toPlainText() == str(expected(w1)[0, 0])


def test_confusion_scores_the_whole_test_set_or_says_which_part(qtbot, ctl, monkeypatch):
    """Its share correct is the test accuracy the other views show: MNIST's whole 10 000 test
    samples are scored (it once took the first 5000, the easier half, and said "of 5000
    test samples" beside an accuracy view reading the whole set). A set larger than the
    limit says which part the matrix counts."""
    from nnstudio.ui.views import confusion as confusion_module
    assert confusion_module.MAX_SAMPLES >= 10_000
    view = shown(qtbot, ConfusionView(ctl))
    session = iris_session()
    ctl.start(session)
    ds = session.dataset
    ctl.snapshots.emit((snapshot(5, 1.0, steps=5, epoch=1, weights=scaled_weights(session, 1.0)),))
    view._redraw_now()
    assert view.shown.sum() == ds.n_test
    assert f"of {ds.n_test} test samples correct" in view.info.text()
    monkeypatch.setattr(confusion_module, "MAX_SAMPLES", 20)
    ctl.snapshots.emit((snapshot(10, 1.0, steps=5, epoch=2, weights=scaled_weights(session, 1.0)),))
    view._redraw_now()
    assert view.shown.sum() == 20
    assert f"of the first 20 of {ds.n_test} test samples correct" in view.info.text()


def test_confusion_waits_for_weights_from_the_epoch_end(qtbot, ctl):
    view = shown(qtbot, ConfusionView(ctl))
    session = iris_session()
    ctl.start(session)
    early, late = scaled_weights(session, 1.0), scaled_weights(session, -1.0)
    ctl.snapshots.emit((snapshot(3, 1.0, steps=5, weights=early), snapshot(5, 1.0, steps=5)))
    assert 1 not in view.matrices and view.pending == (1, 5)   # weights from before the epoch end: wait
    ctl.snapshots.emit((snapshot(6, 1.0, steps=5, epoch=2, weights=late),))
    assert view.matrices[1][1] == 6 and view.pending is None


# --------------------------------------------------------------------------- detail requests
def test_detail_is_requested_only_while_visible_and_at_a_modest_rate(qtbot, ctl):
    view = WeightsView(ctl)
    qtbot.addWidget(view)
    ctl.start(iris_session())
    for i in range(5):
        ctl.snapshots.emit((snapshot(i + 1, 1.0),))
    assert ctl.detail_requests == 0                    # hidden: nothing asked
    view.show()
    qtbot.waitExposed(view)
    for i in range(20):
        ctl.snapshots.emit((snapshot(i + 6, 1.0),))
    assert ctl.detail_requests == 1                    # many batches, one request per interval


def test_paused_views_take_the_parked_networks_weights(qtbot, ctl):
    view = shown(qtbot, WeightsView(ctl))
    session = digits_session()
    ctl.start(session)
    ctl.train(5)
    ctl.stateChanged.emit("paused")
    assert view.weights_iteration == 5
    view._redraw_now()
    W = session.network.parameters()["dense_1.W"]
    assert np.array_equal(view.tiles[0], W[:, 0].reshape(8, 8))


# --------------------------------------------------------------------------- more behaviour
def test_histograms_show_batch_norm_normalizing_before_training_too(qtbot, ctl):
    """CURRICULUM §7: with a batch norm layer the outputs spread evenly from the start. At the
    initial weights (and while paused) the view ran the network in inference mode, on running
    statistics still at mean 0 and variance 1: the batch norm seemed to do nothing (std 0.05
    for Dense(identity, std 0.01) → BN → ReLU). It normalizes by the samples' own statistics."""
    net = {"input_shape": [4], "layers": [
        {"type": "dense", "units": 20, "activation": "identity", "init": "normal", "std": 0.01},
        {"type": "batchnorm", "activation": "relu"}, dense(3, "softmax", "xavier")], "loss": "cross_entropy"}
    view = shown(qtbot, HistogramsView(ctl))
    ctl.start(build_session(project(net, {"name": "iris"})))
    view._redraw_now()
    assert "initial" in view.info.text()
    note = next(n for k, n in view.notes.items() if "batchnorm" in k)
    std = float(re.search(r"std ([0-9.]+)", note).group(1))
    assert 0.4 < std < 0.8, note                 # ReLU of a standard normal: std ≈ 0.58


def test_histograms_follow_the_weights_of_a_paused_run(qtbot, ctl):
    view = shown(qtbot, HistogramsView(ctl))
    session = iris_session()
    ctl.start(session)
    ctl.train(7)
    ctl.stateChanged.emit("paused")
    view._redraw_now()
    assert "iteration 7" in view.info.text()
    mirror = NetworkMirror(session.project)
    mirror.load(session.network.state_dict())
    out = mirror.layer_outputs(fixed_samples(session))[0]
    edges, share = view.curves[0].getOriginalDataset()
    e, s = activation_histogram(out, 30)
    assert np.allclose(edges, e) and np.allclose(share, s)


def test_the_views_fixed_samples_are_as_many_as_stay_quick():
    """1000 samples (§7's histograms) where a forward pass over them stays under 10⁹
    multiply-adds (SimpleConvNet: 0.87·10⁹), fewer for heavier networks, never under 200 (the
    deep CNN, 8.8·10⁶ a sample); fewer where the data set has fewer."""
    from types import SimpleNamespace
    from nnstudio.project.files import load_project
    from nnstudio.resources import resource_path
    x = np.zeros((5000, 1, 28, 28), np.float32)

    def count(example):
        project = load_project(resource_path("examples", f"{example}.json"))
        return len(fixed_samples(SimpleNamespace(project=project, dataset=SimpleNamespace(x_train=x))))

    assert count("simple_convnet") == 1000 and count("mnist_deep_convnet") == 200
    project = load_project(resource_path("examples", "simple_convnet.json"))
    heavier = project.with_(network=dataclasses.replace(project.network, layers=(
        dataclasses.replace(project.network.layers[0], filters=90),) + project.network.layers[1:]))
    n = len(fixed_samples(SimpleNamespace(project=heavier, dataset=SimpleNamespace(x_train=x))))
    assert n == int(1e9 // heavier.network.multiply_adds()) and 200 < n < 1000
    few = SimpleNamespace(project=project, dataset=SimpleNamespace(x_train=x[:150]))
    assert len(fixed_samples(few)) == 150


def test_confusion_asks_for_weights_after_an_epoch_end_even_when_hidden(qtbot, ctl):
    view = ConfusionView(ctl)
    qtbot.addWidget(view)                     # never shown
    ctl.start(iris_session())
    ctl.snapshots.emit((snapshot(5, 1.0, steps=5),))
    assert ctl.detail_requests == 1 and view.pending == (1, 5)


def test_earlier_runs_differ_by_dash_pattern(qtbot, ctl):
    view = shown(qtbot, LossView(ctl))
    for lr in (0.1, 0.01, 0.001):
        ctl.start(iris_session(lr=lr))
        ctl.snapshots.emit(tuple(snapshot(i, 1.0 / i, lr=lr) for i in range(1, 6)))
    styles = {c.opts["pen"].style() for c in view.earlier}
    assert len(view.earlier) == 2 and len(styles) == 2
    assert "lr 0.01" in view.earlier[1].name()


def test_every_caption_is_short_and_details_are_in_its_tooltip(qtbot, ctl):
    for v in create_views(ctl):
        qtbot.addWidget(v)
        assert len(v.caption()) <= 180
        assert v.caption_label.text() == v.caption()
        assert v.caption_label.toolTip() == v.details() and len(v.details()) > len(v.caption())


def test_a_failing_view_shows_the_problem_and_keeps_going(qtbot, ctl, caplog):
    view = shown(qtbot, LossView(ctl))
    ctl.start(iris_session())

    def broken():
        raise ValueError("no such thing")

    view.redraw = broken
    ctl.snapshots.emit((snapshot(1, 1.0),))
    view._redraw_now()
    assert view.error_label.isVisible() and "no such thing" in view.error_label.text()
    assert len(view.raw) == 1                  # the data was still recorded
    ctl.start(iris_session())
    assert not view.error_label.isVisible()


def test_2d_regression_shows_the_output_surface_on_the_targets_scale(qtbot, ctl):
    view = shown(qtbot, DataFitView(ctl))
    net = {"input_shape": [2], "layers": [dense(8), dense(1, "identity", "xavier")], "loss": "sse"}
    session = build_session(project(net, {"name": "plane"}))
    ctl.start(session)
    view._redraw_now()
    assert view.mode == "surface"
    mirror = NetworkMirror(session.project)
    assert np.allclose(view.image.image, mirror.predict(view.grid)[:, 0].reshape(80, 80), atol=1e-6)
    y = session.dataset.y_train[:, 0]
    assert view.image.levels.tolist() == pytest.approx([float(y.min()), float(y.max())])


def test_softmax_of_random_inputs_is_the_books_exercise(qtbot, ctl):
    view = shown(qtbot, SoftmaxView(ctl))
    ctl.start(iris_session())
    view.source.setCurrentIndex(1)
    view.sample.setValue(42)
    u = np.random.default_rng(42).uniform(-10, 10, 3)
    p = np.asarray(view.prob_bars.opts["height"]).copy()
    assert np.allclose(view.sample_bars.opts["height"], u)
    assert np.allclose(p, np.exp(u) / np.exp(u).sum()) and p.sum() == pytest.approx(1.0)
    view.shift.setChecked(True)
    assert np.allclose(view.sample_bars.opts["height"], u + 100)
    assert np.allclose(view.prob_bars.opts["height"], p, atol=1e-12)
    # the caption says what is shown: random numbers, not "the network's answer" (a tester)
    assert view.caption_label.text().startswith("Softmax of random numbers")
    view.source.setCurrentIndex(0)
    view._redraw_now()
    assert view.caption_label.text() == view.caption()


def test_softmax_of_random_inputs_takes_any_length(qtbot, ctl):
    """The vector was as long as the data set's class count: the learner picks its length,
    which then stays through later runs."""
    view = shown(qtbot, SoftmaxView(ctl))
    ctl.start(iris_session())
    assert view.length_box.isHidden()
    view.source.setCurrentIndex(1)
    assert not view.length_box.isHidden() and view.length.value() == 3     # iris's classes at first
    view.sample.setValue(7)
    view.length.setValue(12)
    u = np.random.default_rng(7).uniform(-10, 10, 12)
    assert np.allclose(view.sample_bars.opts["height"], u)
    assert np.allclose(view.prob_bars.opts["height"], np.exp(u) / np.exp(u).sum())
    ctl.start(iris_session())
    assert view.length.value() == 12
    view.source.setCurrentIndex(0)
    assert view.length_box.isHidden()


def test_softmax_random_length_follows_a_class_count_above_fifty(qtbot, ctl):
    from test_views_support import build_session, dense, project
    view = shown(qtbot, SoftmaxView(ctl))
    net = {"input_shape": [5], "layers": [dense(8), dense(80, "softmax", "xavier")], "loss": "cross_entropy"}
    ctl.start(build_session(project(net, {"name": "random", "classes": 80, "points": 400})))
    view.source.setCurrentIndex(1)
    assert view.length.value() == 80 and len(view.sample_bars.opts["height"]) == 80


def test_confusion_uses_weights_that_come_later_in_the_same_batch(qtbot, ctl):
    view = ConfusionView(ctl)
    qtbot.addWidget(view)
    session = iris_session()
    ctl.start(session)
    w = scaled_weights(session, -1.0)
    ctl.snapshots.emit((snapshot(5, 1.0, steps=5), snapshot(6, 1.0, steps=5, epoch=2, weights=w),
                        snapshot(10, 1.0, steps=5, epoch=2)))
    assert view.matrices[1][1] == 6 and view.pending == (2, 10)


def test_loss_value_under_the_cursor(qtbot, ctl):
    view = shown(qtbot, LossView(ctl))
    ctl.start(iris_session())
    ctl.snapshots.emit(tuple(snapshot(i, 10.0 + i) for i in range(1, 11)))
    view._redraw_now()
    vb = view.plot.getPlotItem().getViewBox()
    vb.setRange(xRange=(0, 11), yRange=(0, 25), padding=0)
    pos = vb.mapViewToScene(pg.Point(3.2, 13.0))
    view._mouse_moved((pos,))
    assert view.readout.text().startswith("iteration 3: loss 13")


def test_epoch_markers_give_way_to_lines_on_long_runs(qtbot, ctl):
    view = shown(qtbot, AccuracyView(ctl))
    ctl.start(iris_session())
    ctl.snapshots.emit(tuple(snapshot(e, 1.0, epoch=e, steps=1, train_accuracy=0.5) for e in range(1, 11)))
    view._redraw_now()
    assert view.train_curve.opts["symbol"] == "o"
    ctl.snapshots.emit(tuple(snapshot(e, 1.0, epoch=e, steps=1, train_accuracy=0.5) for e in range(11, 80)))
    view._redraw_now()
    assert view.train_curve.opts["symbol"] is None
    assert len(view.train_curve.getOriginalDataset()[0]) == 79


def test_batch_norm_predictions_use_the_running_statistics(qtbot, ctl):
    view = shown(qtbot, SoftmaxView(ctl))
    net = {"input_shape": [4], "layers": [dense(6), {"type": "batchnorm"}, dense(3, "softmax", "xavier")],
           "loss": "cross_entropy"}
    session = build_session(project(net, {"name": "iris"}))
    ctl.start(session)
    ctl.train(3, detail_every=1)                 # detail snapshots carry the whole state dict
    view._redraw_now()
    assert "approximate" not in view.verdict.text()
    state = session.network.state_dict()
    assert np.array_equal(view.mirror.network.layers[1].buffers["running_mean"],
                          state["batchnorm_1.running_mean"])
    # weights without the running statistics: the view says its numbers are approximate
    params_only = {k: v for k, v in state.items() if "running" not in k}
    ctl.snapshots.emit((snapshot(4, 1.0, weights=params_only),))
    view._redraw_now()
    assert "approximate" in view.verdict.text()


def test_weights_before_after_and_change(qtbot, ctl):
    view = shown(qtbot, WeightsView(ctl))
    session = digits_session()
    initial = session.network.parameters()["dense_1.W"].copy()
    ctl.start(session)
    weights = scaled_weights(session, 2.0)
    ctl.snapshots.emit((snapshot(9, 1.0, weights=weights),))
    view.what.setCurrentIndex(1)
    assert np.array_equal(view.tiles[3], initial[:, 3].reshape(8, 8))
    view.what.setCurrentIndex(2)
    assert np.allclose(view.tiles[3], (weights["dense_1.W"][:, 3] - initial[:, 3]).reshape(8, 8))
    assert "change" in view.info.text() and "9" in view.info.text()


def test_gradient_history_stays_bounded_on_a_long_run(qtbot, ctl):
    from nnstudio.ui.views import gradients as gradients_module
    view = shown(qtbot, GradientsView(ctl))
    ctl.start(iris_session())
    g = {"dense_1.W": 0.5, "dense_2.W": 1.0}
    for start in range(0, 10_000, 1000):
        ctl.snapshots.emit(tuple(snapshot(i, 1.0, grad_norms=g) for i in range(start + 1, start + 1001)))
    view._redraw_now()
    for curve in view.curves:
        x, _ = curve.getOriginalDataset()
        assert len(x) <= gradients_module.CAPACITY and x[-1] > 9_900


# --------------------------------------------------------------------------- optimizer paths
def test_optimizer_paths_draw_each_rules_path_and_follow_its_settings(qtbot, ctl):
    """CURRICULUM §6: the book's four rules from (−7, 2), 30 steps, on x²/20 + y²."""
    from nnstudio.engine.descent import optimizer_path
    from nnstudio.ui.views.descent import DescentView
    view = shown(qtbot, DescentView(ctl), size=(900, 500))
    view._redraw_now()
    assert view.names() == ["sgd", "momentum", "adagrad", "adam"]
    for name, plot in view.panels.items():
        (curve,) = [c for c in plot.listDataItems() if getattr(c, "is_path", False)]
        x, y = curve.getData()
        np.testing.assert_allclose(np.c_[x, y], optimizer_path(name, view.rates[name].value(), 30))
    view.shown["rmsprop"].setChecked(True)
    view.rates["sgd"].setValue(0.5)
    view.steps.setValue(10)
    view._redraw_now()
    assert "rmsprop" in view.panels and len(view.paths["sgd"]) == 11
    np.testing.assert_allclose(view.paths["sgd"], optimizer_path("sgd", 0.5, 10))
    table = view.table_for(view.panels["sgd"])
    assert table.header == ("step", "x", "y", "f")


def test_each_rules_path_keeps_its_colour_when_others_are_hidden(qtbot, ctl):
    """AdaGrad's path turned from green to pink when a rule before it was unticked."""
    from nnstudio.ui.views.descent import DescentView

    def colours():
        view._redraw_now()
        return {name: next(c for c in plot.listDataItems() if getattr(c, "is_path", False)).opts["pen"].color().name()
                for name, plot in view.panels.items()}

    view = shown(qtbot, DescentView(ctl), size=(900, 500))
    before = colours()
    assert len(set(before.values())) == len(before)
    view.shown["momentum"].setChecked(False)
    after = colours()
    assert "momentum" not in after and all(after[n] == before[n] for n in after)


def test_optimizer_paths_say_when_a_rate_diverges(qtbot, ctl):
    from nnstudio.ui.views.descent import DescentView
    view = shown(qtbot, DescentView(ctl), size=(900, 500))
    view.rates["sgd"].setValue(2.0)
    view._redraw_now()
    assert "diverged after" in view.panels["sgd"].rule_label.toPlainText()
    assert "diverged" not in view.panels["adam"].rule_label.toPlainText()


# --------------------------------------------------------------------------- feature maps
def test_feature_maps_are_the_conv_layers_outputs_for_one_test_image(qtbot, ctl):
    """CURRICULUM §9: what each filter finds in an image, a tile per channel."""
    from nnstudio.ui.views.feature_maps import FeatureMapsView
    conv = {"type": "conv2d", "filters": 4, "kernel": 3, "activation": "relu", "init": "he"}
    net = {"input_shape": [1, 8, 8], "layers": [conv, {"type": "maxpool", "size": 2}, {"type": "flatten"},
                                                 dense(10, "softmax", "xavier")], "loss": "cross_entropy"}
    view = shown(qtbot, FeatureMapsView(ctl), size=(800, 400))
    session = build_session(project(net, {"name": "digits", "flatten": False}))
    ctl.start(session)
    view.sample.setValue(3)
    view._redraw_now()
    assert [view.layer_box.itemText(i) for i in range(view.layer_box.count())] == ["conv2d_1", "maxpool_1"]
    mirror = NetworkMirror(session.project)
    expected = mirror.layer_outputs(session.dataset.x_test[3:4])[0][0]
    np.testing.assert_allclose(view.maps, expected)
    assert view.maps.shape == (4, 6, 6) and "test sample 3" in view.info.text()
    view.layer_box.setCurrentIndex(1)
    assert view.maps.shape == (4, 3, 3)
    assert view.table_for(view.maps_plot).header == ("channel", "row", "col", "output")


def test_feature_maps_say_when_the_network_has_no_convolution(qtbot, ctl):
    from nnstudio.ui.views.feature_maps import FeatureMapsView
    view = shown(qtbot, FeatureMapsView(ctl))
    ctl.start(iris_session())
    view._redraw_now()
    assert view.maps is None and "convolutional" in view.message.toPlainText()
    assert not view.sample.isEnabled()

"""The last gaps of the live views at their docked size (issue 5): the loss legend above the
curves, whole placeholder and verdict texts, the gradient bars' axis label, the end labels of
short grid plots, and one readable colour bar shared by the weights and confusion views."""

import inspect

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFontMetricsF

from nnstudio.project.session import build_session
from nnstudio.ui.views import base, confusion, weights
from nnstudio.ui.views.base import make_plot
from nnstudio.ui.views.gradients import GradientsView
from nnstudio.ui.views.loss import LossView

from gradient_view_fixtures import deep_session, feed_vanishing, settle, vanishing_view
from test_views_support import (FakeController, dense, drawn_tick_labels, drawn_tick_specs, iris_session, project,
                                shown, snapshot)

DOCKED = (690, 260)      # a view in the bottom dock of the 1280×800 window
NARROW = (460, 260)      # the same dock in a 1024×700 window


@pytest.fixture
def ctl():
    return FakeController()


def in_scene(item):
    return item.mapRectToScene(item.boundingRect())


def values(labels):
    return {float(t) for t in labels if t}


# --------------------------------------------------------------------------- loss: legend
@pytest.mark.parametrize("size", [DOCKED, NARROW])
def test_loss_legend_stands_above_the_curves_with_an_earlier_run_too(qtbot, ctl, size):
    view = shown(qtbot, LossView(ctl), size=size)
    item = view.plot.getPlotItem()
    for lr in (0.1, 0.3):                     # a run, Reset, a second run over the first
        ctl.start(iris_session(epochs=3, lr=lr))
        ctl.train(15)
        settle(qtbot, view)
    names = [label.text for _sample, label in view.legend.items]
    assert len(names) == 5 and sum("earlier run" in n for n in names) == 1, names
    # the running one is named too, or two grey and orange curves would leave it to a guess
    assert "smoothed, this run: sgd, lr 0.3" in names and "earlier run: sgd, lr 0.1" in names, names
    legend, data = in_scene(view.legend), item.getViewBox().sceneBoundingRect()
    assert view.legend.isVisible()
    assert legend.bottom() <= data.top() + 0.5, (legend, data)          # never over a curve
    assert 0 <= legend.left() and legend.right() <= view.plot.width() and legend.top() >= 0
    # the newest points (right end) lie inside the data area, which the legend does not reach
    x, y = view.raw_curve.getData()
    newest = item.getViewBox().mapViewToScene(QPointF(float(x[-1]), float(y[-1])))
    assert data.contains(newest) and not legend.contains(newest)


def test_cleared_earlier_runs_give_the_legend_row_back(qtbot, ctl):
    view = shown(qtbot, LossView(ctl), size=NARROW)
    for lr in (0.1, 0.3):
        ctl.start(iris_session(epochs=3, lr=lr))
        ctl.train(15)
        settle(qtbot, view)
    with_earlier = view.legend.height()
    view.clear_earlier_runs()
    qtbot.wait(30)
    assert len(view.legend.items) == 4
    assert [label.text for _s, label in view.legend.items][1] == "smoothed"     # no run to tell apart
    assert view.legend.height() <= with_earlier
    legend, data = in_scene(view.legend), view.plot.getPlotItem().getViewBox().sceneBoundingRect()
    assert legend.bottom() <= data.top() + 0.5


# --------------------------------------------------------------------------- loss: placeholder
@pytest.mark.parametrize("size", [DOCKED, NARROW, (330, 230)])
def test_loss_placeholder_is_whole_inside_the_plot_before_any_data(qtbot, ctl, size):
    view = shown(qtbot, LossView(ctl), size=size)
    qtbot.wait(30)
    message = view.message
    assert message.isVisible() and message.toPlainText().startswith("Press Play")
    text = in_scene(message.textItem)
    data = view.plot.getPlotItem().getViewBox().sceneBoundingRect()
    assert data.contains(text), (text, data)


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("size", [DOCKED, NARROW])
def test_gradient_verdict_gets_every_line_it_needs(qtbot, ctl, size):
    view = vanishing_view(qtbot, ctl, size)
    verdict = view.verdict
    assert verdict.text().startswith("Vanishing gradients")
    needed = verdict.heightForWidth(verdict.width())
    assert needed >= 2 * verdict.fontMetrics().lineSpacing()          # it does wrap at this width
    assert verdict.height() >= needed, (verdict.height(), needed)
    # a short dock cannot squeeze it to fewer lines: its minimum is every line (a plain
    # word-wrapped QLabel asks for one line at least, and a dock gives it that little)
    assert verdict.minimumSizeHint().height() >= needed
    assert verdict.geometry().bottom() < view.height()


@pytest.mark.parametrize("size", [DOCKED, NARROW])
def test_gradient_bars_axis_label_fits_under_the_bars(qtbot, ctl, size):
    view = vanishing_view(qtbot, ctl, size)
    axis = view.bars_plot.getPlotItem().getAxis("bottom")
    label = axis.label
    box = label.mapRectToParent(label.boundingRect())
    assert label.isVisible() and label.toPlainText()
    assert 0 <= box.left() and box.right() <= axis.width(), (box, axis.width())
    ticks = [t for _v, t in axis._tickLevels[0]]
    assert ticks == ["1", "2", "3", "4"]


@pytest.mark.parametrize("size,named", [((1280, 300), True), ((430, 260), False)])
def test_gradient_bars_are_named_while_the_names_fit(qtbot, ctl, size, named):
    """Three layers: their names under the bars in a wide view, positions in a narrow one
    (pyqtgraph drops overlapping tick labels: at 430 px only one name was left)."""
    net = {"input_shape": [4], "layers": [dense(10), dense(10), dense(3, "softmax", "xavier")],
           "loss": "cross_entropy"}
    view = shown(qtbot, GradientsView(ctl), size=size)
    ctl.start(build_session(project(net, {"name": "iris"})))
    settle(qtbot, view)
    axis = view.bars_plot.getPlotItem().getAxis("bottom")
    ticks = [t for _v, t in axis._tickLevels[0]]
    assert ticks == (["dense_1", "dense_2", "dense_3"] if named else ["1", "2", "3"])
    # and the other way when the view is resized
    view.resize(*((430, 260) if named else (1280, 300)))
    settle(qtbot, view)
    ticks = [t for _v, t in axis._tickLevels[0]]
    assert ticks == (["1", "2", "3"] if named else ["dense_1", "dense_2", "dense_3"])


# --------------------------------------------------------------------------- end labels of grid plots
def test_a_short_grid_plot_names_both_ends_of_its_y_range(qtbot):
    plot = make_plot("share", "x")
    qtbot.addWidget(plot)
    plot.resize(400, 130)
    plot.show()
    qtbot.waitExposed(plot)
    plot.getPlotItem().setYRange(0, 1, padding=0)
    qtbot.wait(30)
    axis = plot.getPlotItem().getAxis("left")
    assert {0.0, 1.0} <= values(drawn_tick_labels(axis))
    texts = drawn_tick_specs(axis)
    fm = QFontMetricsF(axis.font())
    for rect, _flags, text in texts:             # every label's digits are drawn inside the widget
        r = axis.mapRectToScene(rect)
        digits_top = r.center().y() - fm.height() / 2 + fm.ascent() - fm.capHeight()
        digits_bottom = r.center().y() - fm.height() / 2 + fm.ascent()
        assert digits_top >= -1 and digits_bottom <= plot.height(), (r, text)   # (1 px: antialiasing)


def test_loss_and_gradient_bar_axes_keep_their_end_labels_docked(qtbot, ctl):
    loss = shown(qtbot, LossView(ctl), size=DOCKED)
    grads = shown(qtbot, GradientsView(ctl), size=DOCKED)
    ctl.start(deep_session())
    feed_vanishing(ctl, grads)
    settle(qtbot, loss)
    settle(qtbot, grads)
    lo, _hi = loss.plot.getPlotItem().getViewBox().viewRange()[1]
    assert lo == 0.0
    assert 0.0 in values(drawn_tick_labels(loss.plot.getPlotItem().getAxis("left")))
    bottom, top = grads._bar_range
    assert {bottom, top} <= values(drawn_tick_labels(grads.bars_plot.getPlotItem().getAxis("left")))


# --------------------------------------------------------------------------- one colour-bar helper
def test_weights_and_confusion_share_the_readable_colorbar_of_base():
    assert weights.readable_colorbar is base.readable_colorbar
    assert confusion.readable_colorbar is base.readable_colorbar
    assert "def readable_colorbar" not in inspect.getsource(weights)


def test_a_short_log_axis_within_a_decade_keeps_its_labels_apart(qtbot, ctl):
    view = shown(qtbot, GradientsView(ctl), size=(396, 300))      # the 1024×700 window's dock
    ctl.start(iris_session())
    norms = [{"dense_1.W": 0.6 + 0.8 * (i % 7) / 7, "dense_2.W": 0.3 + 0.4 * (i % 5) / 5} for i in range(130)]
    ctl.snapshots.emit(tuple(snapshot(i + 1, 1.0, grad_norms=g) for i, g in enumerate(norms)))
    settle(qtbot, view)
    axis = view.history.getPlotItem().getAxis("left")
    texts = drawn_tick_specs(axis)
    shown_values = values(t for _r, _f, t in texts)
    assert {0.3, 1.0} <= shown_values or {0.5, 1.0} <= shown_values, shown_values
    rects = sorted((r for r, _f, _t in texts), key=lambda r: r.top())
    for a, b in zip(rects, rects[1:]):
        assert a.bottom() <= b.top() + 0.5, (a, b)                    # no label on top of another


def test_an_earlier_run_is_named_by_the_learning_rate_its_updates_used(qtbot, ctl):
    """The learning rate set before Play reaches the trainer, not the run's project: the
    optimizer race's legend read "lr 0.1" for a run trained at 0.01. It is taken from the
    snapshots now, both ends when it changed during the run."""
    view = shown(qtbot, LossView(ctl), size=DOCKED)
    ctl.start(iris_session(epochs=3, lr=0.1))
    ctl.snapshots.emit(tuple(snapshot(i, 1.0, lr=0.01) for i in (1, 2, 3)))
    ctl.start(iris_session(epochs=3, lr=0.1))
    ctl.snapshots.emit((snapshot(1, 1.0, lr=0.3),))
    ctl.snapshots.emit((snapshot(2, 1.0, lr=0.05),))
    ctl.start(iris_session(epochs=3, lr=0.1))
    assert [c.name() for c in view.earlier] == ["earlier run: sgd, lr 0.01", "earlier run: sgd, lr 0.3 → 0.05"]


def test_earlier_runs_are_named_by_the_settings_changed_between_them(qtbot, ctl):
    """Online against mini-batch learning, or with and without weight decay, all read
    "earlier run: sgd, lr 0.1" / "this run: sgd, lr 0.1": the setting that was changed was
    named nowhere. It is now, on both sides, and only settings that differ are."""
    view = shown(qtbot, LossView(ctl), size=DOCKED)
    for kw in ({"batch_size": 20}, {"batch_size": 1}, {"batch_size": 1, "weight_decay": 0.1}):
        ctl.start(iris_session(epochs=3, lr=0.1, **kw))
        ctl.train(3)
        settle(qtbot, view)
    assert [c.name() for c in view.earlier] == [
        "earlier run: sgd, lr 0.1, batch 20", "earlier run: sgd, lr 0.1, weight decay λ 0"]
    names = [label.text for _sample, label in view.legend.items]
    assert "smoothed, this run: sgd, lr 0.1, batch 1, weight decay λ 0.1" in names, names
    # a layer's own setting is named by the layer
    ctl.start(build_session(project({"input_shape": [4], "loss": "cross_entropy", "layers": [
        dense(10, "sigmoid"), dense(3, "softmax", "xavier")]}, {"name": "iris"}, epochs=3, batch_size=1,
        weight_decay=0.1)))
    assert view.earlier[-1].name() == "earlier run: sgd, lr 0.1, dense_1 activation ReLU"
    view.clear_earlier_runs()
    ctl.train(2)
    settle(qtbot, view)
    assert [label.text for _s, label in view.legend.items][1] == "smoothed"


def test_with_weight_decay_the_batches_curve_is_the_data_loss_as_the_epoch_markers_are(qtbot, ctl):
    """With λ = 0.1 the batches' curve (penalty ½λΣW² included) ran at 20-60 while the training
    set's per-epoch loss on the same data sat at 2: two quantities on one axis, unnamed."""
    from PySide6.QtWidgets import QStatusBar
    from nnstudio.ui.status import TrainingStatus
    view = shown(qtbot, LossView(ctl), size=DOCKED)
    ctl.start(iris_session(epochs=3, lr=0.1, weight_decay=0.5))
    snaps = ctl.train(12)
    settle(qtbot, view)
    x, y = view.raw.arrays()
    assert list(y) == [s.data_loss for s in snaps]
    assert all(s.loss > s.data_loss for s in snaps)
    names = [label.text for _sample, label in view.legend.items]
    assert "each batch, without the weight penalty" in names, names
    penalty = snaps[-1].loss - snaps[-1].data_loss
    assert view.readout.text().endswith(f"(+ weight penalty {penalty:.4g})")
    bar = QStatusBar()
    status = TrainingStatus(bar)
    status.show(snaps[-1])
    assert status.loss.text() == f"Loss {snaps[-1].data_loss:.4f} + weight penalty {penalty:.4g}"
    # its CSV names the column as the run's iterations.csv does, where "loss" holds the penalty
    table = view.table_for(view.plot.getPlotItem())
    assert table.header[:3] == ("iteration", "data_loss", "data_loss_smoothed")
    assert list(table.column("data_loss")) == [s.data_loss for s in snaps]
    ctl.start(iris_session(epochs=3, lr=0.1))       # no penalty: named as before
    ctl.train(2)
    settle(qtbot, view)
    assert [label.text for _s, label in view.legend.items][0] == "each batch"
    assert view.table_for(view.plot.getPlotItem()).header[1] == "loss"


def test_captions_stay_readable_on_a_dark_theme(qtbot, ctl):
    """The captions were a fixed #404040, which almost vanished on a dark desktop theme: they
    are the theme's text colour a quarter of the way to its background, on either theme."""
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    saved = app.palette()
    try:
        view = shown(qtbot, LossView(ctl), size=DOCKED)
        light = view.caption_label.palette().color(QPalette.ColorRole.WindowText)
        assert light.lightness() < 90                      # dark grey on a light window
        dark = QPalette(saved)
        dark.setColor(QPalette.ColorRole.Window, QColor("#2b2b2b"))
        dark.setColor(QPalette.ColorRole.WindowText, QColor("#f0f0f0"))
        app.setPalette(dark)
        QApplication.processEvents()
        text = view.caption_label.palette().color(QPalette.ColorRole.WindowText)
        assert text.lightness() > 170, text.name()         # light grey on a dark window
    finally:
        app.setPalette(saved)


def test_a_reopened_runs_curve_is_named_by_its_own_learning_rates(qtbot, ctl):
    """Kept as an earlier run before any new update, a reopened run was named by the project's
    rate, not the saved run's (review)."""
    from nnstudio.project.history import RunHistory
    view = shown(qtbot, LossView(ctl), size=DOCKED)
    ctl.start(iris_session(epochs=3, lr=0.1))
    saved = RunHistory(iterations=[(1, 1, 1.0, 1.0, 0.5, 0.1), (2, 1, 0.9, 0.9, 0.05, 0.2)])
    view.show_history(saved)
    ctl.start(iris_session(epochs=3, lr=0.1))
    assert [c.name() for c in view.earlier] == ["earlier run: sgd, lr 0.5 → 0.05"]


def test_a_new_run_clears_the_loss_readout(qtbot, ctl):
    """After Reset the readout still said "iteration 497: loss 0.07408" of the run before."""
    view = shown(qtbot, LossView(ctl), size=DOCKED)
    ctl.start(iris_session(epochs=3))
    ctl.snapshots.emit(tuple(snapshot(i, 0.5) for i in (1, 2, 3)))
    view._redraw_now()
    assert view.readout.text().startswith("iteration 3")
    ctl.start(iris_session(epochs=3))
    assert view.readout.text() == ""


def test_the_smoothed_loss_keeps_up_with_a_short_run_and_leaves_full_batch_alone(qtbot, ctl):
    """17 full-batch updates: the smoothed curve (weight 0.9) sat at 1.9 while the loss was
    at 1.65. Full batch has no noise to smooth; a short run is smoothed less."""
    from nnstudio.ui.views.loss import SMOOTHING
    view = shown(qtbot, LossView(ctl), size=DOCKED)
    ctl.start(iris_session(epochs=17, batch_size=1000))          # full batch: 17 updates
    ctl.train(17)
    settle(qtbot, view)
    assert list(view.smooth.arrays()[1]) == list(view.raw.arrays()[1])
    ctl.start(iris_session(epochs=20, batch_size=20))            # 6 updates an epoch, 120 in all
    assert 0.0 < view._ema.weight < SMOOTHING
    ctl.start(iris_session(epochs=100, batch_size=20))           # 600 in all
    assert view._ema.weight == SMOOTHING

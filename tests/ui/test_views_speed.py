"""The cheap drawing the live views rely on: opaque grids under the data that look like
pyqtgraph's translucent ones, and iteration axes that grow in steps instead of every redraw."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QColor, QImage

from nnstudio.ui.views.base import AXIS_Z, GridAxis, grid_axes, make_plot, steady_span, stepped_extent, style_plot_item
from nnstudio.ui.views.gradients import GradientsView
from nnstudio.ui.views.loss import LossView

from test_views_support import FakeController, iris_session, shown


def render(widget) -> np.ndarray:
    """The widget's pixels as an (height, width * 4) uint8 array (BGRA)."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    rows = np.array(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4]


def test_the_opaque_grid_looks_like_the_translucent_one(qtbot):
    """Same plot, same size: pyqtgraph's own axes (translucent grid over the data) and ours
    (opaque grid mixed with the white background, under the data) give the same picture
    except where two grid lines cross (translucent lines darken each other there)."""
    pictures = []
    for axis_class in (pg.AxisItem, GridAxis):
        w = pg.PlotWidget(background="w", axisItems={n: axis_class(n) for n in ("left", "bottom")})
        qtbot.addWidget(w)
        item = w.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setXRange(0, 10, padding=0)
        item.setYRange(0, 1, padding=0)
        w.resize(400, 300)
        w.show()
        qtbot.waitExposed(w)
        pictures.append(render(w).astype(int))
    plain, ours = (p.reshape(p.shape[0], -1, 4)[..., :3] for p in pictures)
    lined = (ours < 255).any(axis=2)
    rows, cols = lined.sum(axis=1) > lined.shape[1] / 2, lined.sum(axis=0) > lined.shape[0] / 2
    assert rows.sum() >= 5 and cols.sum() >= 5            # the grid is there, both ways
    differs = np.abs(plain - ours).max(axis=2) > 2         # more than rounding of the mixed colour
    crossings = rows[:, None] & cols[None, :]
    assert not (differs & ~crossings).any()


def test_grid_lines_are_opaque_and_axes_lie_under_the_data(qtbot):
    w = make_plot("loss", "iteration")
    qtbot.addWidget(w)
    item = w.getPlotItem()
    vb = item.getViewBox()
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        assert isinstance(axis, GridAxis)
        assert axis.zValue() == AXIS_Z < vb.zValue()


def test_a_layout_widgets_plot_draws_the_same_opaque_grid_under_its_data(qtbot):
    """A plot item of a GraphicsLayoutWidget made with grid_axes() draws the opaque grid
    under the data too: where two grid lines cross, the pixel has one line's colour
    (translucent lines, pyqtgraph's own, would darken each other there)."""
    canvas = pg.GraphicsLayoutWidget()
    canvas.setBackground("w")
    qtbot.addWidget(canvas)
    item = canvas.addPlot(axisItems=grid_axes())
    style_plot_item(item, "share", "value")
    item.setXRange(0, 10, padding=0)
    item.setYRange(0, 1, padding=0)
    assert item.getAxis("left").labelText == "share"
    assert all(item.getAxis(n).zValue() == AXIS_Z for n in ("left", "bottom"))
    canvas.resize(400, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    pixels = render(canvas)
    pixels = pixels.reshape(pixels.shape[0], -1, 4)[..., :3].astype(int)
    lined = (pixels < 255).any(axis=2)
    rows = np.flatnonzero(lined.sum(axis=1) > lined.shape[1] / 2)
    cols = np.flatnonzero(lined.sum(axis=0) > lined.shape[0] / 2)
    assert len(rows) >= 3 and len(cols) >= 3
    r, c = rows[len(rows) // 2], cols[len(cols) // 2]
    crossing = tuple(pixels[r, c])
    # the same lines away from the crossing (a few pixels along each)
    along = {tuple(pixels[r, c + 3]), tuple(pixels[r + 3, c])}
    assert crossing in along


def test_a_curve_crossing_the_grid_is_not_covered(qtbot):
    w = make_plot("y", "x")
    qtbot.addWidget(w)
    item = w.getPlotItem()
    item.plot([0, 10], [0.5, 0.5], pen=pg.mkPen("#0000FF", width=3))
    item.setXRange(0, 10, padding=0)
    item.setYRange(0, 1, padding=0)
    w.resize(400, 300)
    w.show()
    qtbot.waitExposed(w)
    image = w.grab().toImage()
    vb = item.getViewBox()
    # along the curve, every pixel is the curve's blue (also where a vertical grid line crosses)
    y = w.mapFromScene(vb.mapViewToScene(pg.Point(5, 0.5))).y()
    left = int(w.mapFromScene(vb.mapViewToScene(pg.Point(0.5, 0.5))).x())
    right = int(w.mapFromScene(vb.mapViewToScene(pg.Point(9.5, 0.5))).x())
    colors = {QColor(image.pixel(x, int(y))).name() for x in range(left, right)}
    assert colors == {"#0000ff"}


def test_stepped_extent_doubles_from_the_first_step_and_stops_at_the_run_end():
    assert stepped_extent(0, 0, 600, 3000) == 600
    assert stepped_extent(600, 600, 600, 3000) == 600          # still inside: unchanged
    assert stepped_extent(601, 600, 600, 3000) == 1200
    assert stepped_extent(2500, 1200, 600, 3000) == 3000       # 4800 would pass the end
    assert stepped_extent(5000, 0, 50, 0) == 6400              # end unknown: doubling only
    # a recorded step beyond the planned end: the axis ends at it, not at the next doubling
    assert stepped_extent(3001, 3000, 600, 3000) == 3001


def test_loss_axis_holds_still_between_steps_and_covers_the_newest_point(qtbot):
    ctl = FakeController()
    view = shown(qtbot, LossView(ctl))
    session = iris_session(epochs=50, batch_size=10)
    total = session.trainer.total_iterations
    assert session.trainer.steps_per_epoch < 50 and 400 < total < 800
    ctl.start(session)
    vb = view.plot.getPlotItem().getViewBox()
    ranges = []
    for _ in range(12):
        ctl.train(10)
        view._redraw_now()
        ranges.append(tuple(vb.viewRange()[0]))
        last = view.raw.last[0]
        assert ranges[-1][0] <= 0 and ranges[-1][1] >= last
    # 120 iterations: 0…50, 0…100, 0…200: three ranges, not one per redraw
    assert len(set(ranges)) == 3
    assert max(r[1] for r in ranges) == pytest.approx(200, rel=0.03)
    ctl.train(total)
    view._redraw_now()
    assert view.raw.last[0] == total
    assert vb.viewRange()[0][1] == pytest.approx(total, rel=0.03)    # the run's end, not 800


def test_gradient_plots_keep_their_ranges_while_values_wobble(qtbot):
    ctl = FakeController()
    view = shown(qtbot, GradientsView(ctl))
    session = iris_session(epochs=50, batch_size=10)
    ctl.start(session)
    history = view.history.getPlotItem().getViewBox()
    bars = view.bars_plot.getPlotItem().getViewBox()
    x_ranges, bar_ranges = [], []
    for _ in range(8):
        ctl.train(5)
        view._redraw_now()
        x_ranges.append(tuple(history.viewRange()[0]))
        bar_ranges.append(tuple(bars.viewRange()[1]))
        heights = view.bars.opts["height"] + view.bars.opts["y0"]
        lo, hi = bar_ranges[-1]
        assert lo <= view.bars.opts["y0"] and hi >= heights.max()      # every bar fits
    assert len(set(x_ranges)) == 1 and x_ranges[0][1] == pytest.approx(50, rel=0.03)
    assert len(set(bar_ranges)) <= 2          # not a new range for each redraw


def test_steady_span_keeps_its_range_while_the_data_move_inside():
    first = steady_span(0.3, 2.3, None, log=False)
    assert first == pytest.approx((0.0, 2.3 * 1.05))
    assert steady_span(0.2, 2.3, first, log=False) == first          # the loss falls: same range
    assert steady_span(0.2, 3.0, first, log=False)[1] == pytest.approx(3.15)   # above the top: grows
    assert steady_span(0.1, 0.9, first, log=False)[1] == pytest.approx(0.945)  # under half: shrinks
    assert steady_span(-1.0, 1.0, None, log=False)[0] == -1.0
    decades = steady_span(0.2, 2.3, None, log=True)
    assert decades[0] < np.log10(0.2) and decades[1] > np.log10(2.3)
    assert steady_span(0.25, 2.0, decades, log=True) == decades
    lower = steady_span(0.05, 2.3, decades, log=True)
    assert lower[0] < np.log10(0.05) < decades[0]


def test_loss_axis_range_changes_a_few_times_in_a_run_and_covers_every_curve(qtbot):
    ctl = FakeController()
    view = shown(qtbot, LossView(ctl))
    ctl.start(iris_session(epochs=50, batch_size=10))
    vb = view.plot.getPlotItem().getViewBox()
    spans = []
    for _ in range(20):
        ctl.train(20)
        view._redraw_now()
        lo, hi = vb.viewRange()[1]
        ys = [c.yData for c in (view.raw_curve, view.smooth_curve, view.train_curve, view.test_curve)
              if c.yData is not None and len(c.yData)]
        assert lo <= min(y.min() for y in ys) and hi >= max(y.max() for y in ys)
        spans.append((round(lo, 9), round(hi, 9)))
    assert len(set(spans)) <= 4                  # not a new range for each of the 20 redraws
    view.log_box.setChecked(True)
    view._redraw_now()
    lo, hi = vb.viewRange()[1]                   # in decades now
    raw = view.raw_curve.yData
    assert lo <= np.log10(raw.min()) and hi >= np.log10(raw.max())
    assert vb.viewRange()[0][1] >= view.raw.last[0]       # the iteration axis followed the switch


def test_long_curves_are_drawn_at_screen_resolution_with_their_envelope(qtbot):
    ctl = FakeController()
    view = shown(qtbot, LossView(ctl), size=(680, 330))
    ctl.start(iris_session(epochs=400, batch_size=10))        # thousands of updates
    ctl.train(3000, per_batch=100)
    view._redraw_now()
    width = view.plot.getPlotItem().getViewBox().width()
    xs, ys = view.raw_curve.getData()                         # what is drawn
    x, y = view.raw.arrays()
    assert len(x) == 3000 and len(xs) < 2 * width + 10 < len(x)
    # 'peak' keeps the highest and lowest loss of every bin: the envelope survives
    assert ys.max() == pytest.approx(max(float(y.max()), 1e-12)) and ys.min() == pytest.approx(float(y.min()))
    sx, _ = view.smooth_curve.getData()
    assert len(sx) < width
    # the data are all still there for the readout and for export
    assert len(view.raw_curve.getOriginalDataset()[0]) == 3000


@pytest.mark.parametrize("view_type", [LossView, GradientsView])
def test_curves_are_fitted_again_to_the_pixels_when_the_plot_is_resized(qtbot, view_type):
    """A dock tab raised while training is paused is drawn before it is laid out: drawn at a
    few pixels' width, a noisy curve became a sawtooth of a few bins (seen in the studio at
    batch 10). Once the plot has its size the curve is at screen resolution again, without a
    new snapshot or redraw."""
    ctl = FakeController()
    view = shown(qtbot, view_type(ctl), size=(200, 330))
    ctl.start(iris_session(epochs=400, batch_size=10))
    ctl.train(3000, per_batch=100)
    curve = view.raw_curve if view_type is LossView else view.curves[0]
    viewbox = curve.getViewBox()
    view._redraw_now()
    narrow_width, narrow_bins = viewbox.width(), curve.opts["downsample"]
    narrow = len(curve.getData()[0])
    assert narrow_bins > 3
    view.resize(1200, 330)
    qtbot.waitUntil(lambda: viewbox.width() > 4 * narrow_width, timeout=5000)
    assert curve.opts["downsample"] <= narrow_bins / 3     # smaller bins, as the pixels allow
    assert len(curve.getData()[0]) > 3 * narrow

"""The softmax view in a narrow dock: no wide minimum, controls that wrap, parts that stack,
a gallery whose lines wrap instead of scrolling sideways; the side docks of a 1024 px
window need no horizontal scroll bar because of it."""

from itertools import combinations

import pytest
from PySide6.QtWidgets import QApplication, QScrollArea

from nnstudio.ui.views.softmax import SoftmaxView, arrangement
from test_views_support import FakeController, iris_session, shown
from window_fixtures import docked_view, make_window  # noqa: F401 - fixture


@pytest.fixture
def ctl():
    return FakeController()


def settle(qtbot):
    for _ in range(3):
        QApplication.processEvents()
    qtbot.wait(20)


def filled(qtbot, ctl, size):
    view = shown(qtbot, SoftmaxView(ctl), size=size)
    ctl.start(iris_session())
    view._redraw_now()
    settle(qtbot)
    assert view.gallery.count() > 0
    return view


def parts(view):
    return {"picture": view.sample_plot.geometry(), "bars": view.prob_plot.geometry(),
            "gallery": view.side.geometry()}


def test_the_arrangement_follows_the_views_shape():
    assert arrangement(690, 330) == "row"          # the bottom dock of a wide window
    assert arrangement(435, 353) == "pair"         # the bottom dock of a 1024 px window
    assert arrangement(280, 600) == "column"       # a side dock
    assert arrangement(700, 700) == "pair"         # square: the gallery below the plots


def test_the_view_asks_for_no_more_width_than_a_narrow_dock(qtbot, ctl):
    view = filled(qtbot, ctl, (690, 330))
    assert view.minimumSizeHint().width() <= 260
    view.source.setCurrentIndex(1)                 # the random-numbers mode: no wider
    settle(qtbot)
    assert view.minimumSizeHint().width() <= 260


def test_at_280_px_everything_fits_and_nothing_overlaps(qtbot, ctl):
    view = filled(qtbot, ctl, (280, 600))
    assert view.layout_name == "column"
    width = view.contentsRect().width()
    flow = view.controls.flow
    shown_controls = [flow.itemAt(k).widget() for k in range(flow.count()) if not flow.itemAt(k).widget().isHidden()]
    for widget in shown_controls:                  # each control within the view, none overlapping
        assert widget.geometry().right() < view.controls.width(), widget
    rects = [widget.geometry() for widget in shown_controls]
    assert not any(a.intersects(b) for a, b in combinations(rects, 2))
    assert view.controls.geometry().bottom() < view.verdict.geometry().top()
    placed = parts(view)
    for name, rect in placed.items():
        assert rect.width() >= 250 and rect.height() >= 60, (name, rect)
        assert rect.right() <= width + 4, (name, rect)
    assert not any(a.intersects(b) for a, b in combinations(placed.values(), 2))
    # the gallery: lines wrap at its width, nothing to scroll sideways
    gallery = view.gallery
    assert gallery.horizontalScrollBar().maximum() == 0
    inner = gallery.viewport().width()
    for row in range(min(gallery.count(), 10)):
        rect = gallery.visualItemRect(gallery.item(row))
        assert rect.width() <= inner, (row, rect, inner)
    # the feature names: as many as fit the picture's height, none on top of another
    ticks = view.sample_plot.getPlotItem().getAxis("left")._tickLevels[0]
    room = view.sample_plot.getPlotItem().getViewBox().height()
    line = view.sample_plot.fontMetrics().height()
    assert 1 <= len(ticks) and len(ticks) * line <= room


def test_a_wide_view_keeps_its_three_parts_in_a_row(qtbot, ctl):
    view = filled(qtbot, ctl, (690, 330))
    assert view.layout_name == "row"
    p = parts(view)
    assert p["picture"].right() < p["bars"].left() and p["bars"].right() < p["gallery"].left()
    assert p["picture"].top() == p["bars"].top() == p["gallery"].top()
    assert len(view.sample_plot.getPlotItem().getAxis("left")._tickLevels[0]) == 4   # every feature named
    view.resize(280, 600)                          # docked at the side: rearranged
    settle(qtbot)
    assert view.layout_name == "column"
    p = parts(view)
    assert p["picture"].bottom() < p["bars"].top() and p["bars"].bottom() < p["gallery"].top()


def test_side_docks_need_no_horizontal_scroll_bar_at_1024_px(make_window, qtbot):
    w = make_window()
    view = docked_view(w, qtbot, SoftmaxView)
    settle(qtbot)
    assert view.width() >= 380
    for name in ("dataset", "training"):
        area = w.docks[name].widget()
        assert isinstance(area, QScrollArea)
        assert area.horizontalScrollBar().maximum() == 0, name


def test_the_random_numbers_mode_and_back(qtbot, ctl):
    view = filled(qtbot, ctl, (280, 600))
    prob_axis = view.prob_plot.getPlotItem().getAxis("bottom")
    sample_axis = view.sample_plot.getPlotItem().getAxis("bottom")
    assert [t for _k, t in prob_axis._tickLevels[0]] == ["setosa", "versicolor", "virginica"]
    view.source.setCurrentIndex(1)
    settle(qtbot)
    assert view.side.isHidden()
    # the hidden gallery leaves no empty room: the two plots share the height
    assert view.prob_plot.geometry().bottom() >= view.contentsRect().bottom() - 10
    assert [t for _k, t in prob_axis._tickLevels[0]] == ["0", "1", "2"]        # positions k, whole
    assert [t for _k, t in sample_axis._tickLevels[0]] == ["0", "1", "2"]
    view.source.setCurrentIndex(0)
    settle(qtbot)
    assert not view.side.isHidden()
    assert [t for _k, t in prob_axis._tickLevels[0]] == ["setosa", "versicolor", "virginica"]
    assert sample_axis._tickLevels is None                                    # input values again
    # one horizontal bar per feature, each in its own row (not all piled up in the first)
    x = view.session.dataset.x_test[view.sample.value()]
    rect = view.sample_bars.boundingRect()
    assert rect.top() < 0 < len(x) - 1 < rect.bottom() < len(x)       # piled up: 0.7 high

"""The window on a small screen: a 1080p projector at 200 % scaling is 960×540 logical pixels.

The bottom tabs used to be as tall as the tallest minimum among the plot views (those behind
the one in front too): the window could not be made shorter than 574–581 px."""

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QScrollArea

from nnstudio.project.files import load_project
from nnstudio.project.model import default_project
from nnstudio.resources import resource_path
from window_fixtures import dock_content, make_window, shot  # noqa: F401 - fixture

PROJECTOR = QSize(960, 540)
EXAMPLES = sorted(p.name for p in resource_path("examples").glob("*.json"))


def _settle(qtbot, ms=150):
    QApplication.processEvents()
    qtbot.wait(ms)
    QApplication.processEvents()


def _view_docks(w):
    return [d for n, d in w.docks.items() if n.startswith("view_")]


def _project(name):
    return default_project() if name == "default" else load_project(resource_path("examples") / name)


@pytest.mark.parametrize("name", ["default", *EXAMPLES])
def test_the_window_fits_a_960_by_540_screen(make_window, qtbot, name):
    w = make_window(_project(name))
    _settle(qtbot)
    for hint in (w.minimumSizeHint(), w.minimumSize()):
        assert hint.width() <= PROJECTOR.width() and hint.height() <= PROJECTOR.height(), \
            f"{name}: the window needs at least {hint.width()}×{hint.height()}"
    w.resize(PROJECTOR)
    _settle(qtbot)
    assert w.size() == PROJECTOR
    shot(w, f"projector-{name}")


def test_at_960_by_540_every_view_is_whole_or_scrolls(make_window, qtbot):
    """Each tab in front: the view fills its dock, or is taller (or wider) than the dock and
    a scroll bar reaches the rest; the diagram keeps a useful height beside them."""
    from nnstudio.ui.main_window import MIN_DIAGRAM_HEIGHT
    w = make_window(default_project())
    w.resize(PROJECTOR)
    _settle(qtbot)
    assert w.centralWidget().height() >= MIN_DIAGRAM_HEIGHT
    for dock in _view_docks(w):
        dock.raise_()
        _settle(qtbot, 50)
        area, view = dock.widget(), dock_content(dock)
        least = view.minimumSizeHint()
        assert view.height() >= least.height() and view.width() >= least.width(), dock.windowTitle()
        viewport = area.viewport()
        if view.height() > viewport.height():
            assert area.verticalScrollBar().isVisible(), dock.windowTitle()
            assert area.verticalScrollBar().maximum() == view.height() - viewport.height()
        if view.width() > viewport.width():
            assert area.horizontalScrollBar().isVisible(), dock.windowTitle()
        assert w.size() == PROJECTOR, f"bringing {dock.windowTitle()} forward grew the window"


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_on_larger_screens_the_views_need_no_scroll_bar(make_window, qtbot, size):
    """As before: the bottom tabs are as tall as their tallest view needs (the diagram takes
    the rest), so no plot scrolls."""
    w = make_window(default_project())
    w.resize(*size)
    _settle(qtbot)
    docks = _view_docks(w)
    tallest = max(dock_content(d).minimumSizeHint().height() for d in docks)
    for dock in docks:
        dock.raise_()
        _settle(qtbot, 50)
        view = dock_content(dock)
        assert view.height() >= tallest, dock.windowTitle()
        area = dock.widget()
        if isinstance(area, QScrollArea):
            assert not area.verticalScrollBar().isVisible(), dock.windowTitle()
            assert not area.horizontalScrollBar().isVisible(), dock.windowTitle()
            assert view.size() == area.viewport().size(), dock.windowTitle()


def test_the_first_layout_gives_the_views_their_height(make_window, qtbot):
    """The bottom tabs start as tall as their views need: the loss view was first laid out
    short and beside a scroll bar, then grown, and its legend kept other spacing than before."""
    from PySide6.QtCore import QEvent, QObject

    class Sizes(QObject):
        def __init__(self):
            super().__init__()
            self.seen = []

        def eventFilter(self, watched, event):  # noqa: N802 - Qt API
            if event.type() == QEvent.Type.Resize:
                self.seen.append(event.size())
            return False

    w = make_window(default_project(), show=False, wait_for_run=False)
    loss = dock_content(_view_docks(w)[0])
    sizes = Sizes()
    loss.installEventFilter(sizes)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.controller.session is not None, timeout=5000)
    _settle(qtbot)
    assert sizes.seen
    assert all(size.width() == loss.width() for size in sizes.seen), sizes.seen
    loss.removeEventFilter(sizes)

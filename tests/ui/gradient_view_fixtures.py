"""Gradient views prepared for tests (no tests in this file): a deep sigmoid run on iris fed
known vanishing gradients, as test_views_final (layout) and test_views_verdict (sentences)
both need it."""

from __future__ import annotations

from nnstudio.project.session import build_session
from nnstudio.ui.views.gradients import GradientsView

from test_views_support import dense, project, shown, snapshot


def settle(qtbot, view):
    qtbot.wait(30)
    view._redraw_now()
    qtbot.wait(30)


def deep_session():
    """Four dense layers: the gradient bars are numbered 1 … 4."""
    net = {"input_shape": [4], "layers": [dense(10, "sigmoid", "xavier"), dense(10, "sigmoid", "xavier"),
                                          dense(10, "sigmoid", "xavier"), dense(3, "softmax", "xavier")],
           "loss": "cross_entropy"}
    return build_session(project(net, {"name": "iris"}))


def feed_vanishing(ctl, view):
    """Gradients a hundred times smaller per layer toward the input."""
    names = [name for _, name in view.layers]
    norms = {f"{name}.W": 10.0 ** (-7 + 2 * k) for k, name in enumerate(names)}
    ctl.snapshots.emit(tuple(snapshot(i, 1.0, grad_norms=norms) for i in range(1, 6)))


def vanishing_view(qtbot, ctl, size):
    """A gradients view of the deep run at ``size``, redrawn with vanishing gradients."""
    view = shown(qtbot, GradientsView(ctl), size=size)
    ctl.start(deep_session())
    feed_vanishing(ctl, view)
    settle(qtbot, view)
    return view

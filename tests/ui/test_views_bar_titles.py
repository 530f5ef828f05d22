"""The activation-bar panels in the docked views of a 1024×700 window (issue 5 follow-up): every
title fits its panel with the output range still readable, and no panel is pushed out of the
canvas (a title's label is never narrower than its text, so one long title used to widen the
whole grid past the dock)."""

from __future__ import annotations

import re

from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication

from nnstudio.ui.views.activation_bars import SETTINGS_ABOVE, ActivationBarsView
from test_views_support import FakeController, shown
from window_fixtures import docked_view, make_window  # noqa: F401 - fixture


def settle(qtbot, view):
    for _ in range(3):
        QApplication.processEvents()
    qtbot.wait(30)
    view._redraw_now()
    for _ in range(3):
        QApplication.processEvents()
    qtbot.wait(30)


def plain(html: str) -> str:
    doc = QTextDocument()
    doc.setHtml(html)
    return doc.toPlainText()


def last_digit(number: str) -> float:
    """The value of a written number's last digit: "0.43" → 0.01, "3e-9" → 1e-9, "10" → 1."""
    mantissa, _, exponent = number.partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def docked_bars(make_window, qtbot):
    view = docked_view(make_window(), qtbot, ActivationBarsView)
    settle(qtbot, view)
    return view


def assert_titles_fit(view):
    canvas = view.canvas.viewport().rect()
    grid = view.canvas.ci.mapRectToScene(view.canvas.ci.boundingRect())
    assert grid.right() <= canvas.width() + 0.5, (grid, canvas)           # nothing pushed out
    for name, (plot, _bars) in view.panels.items():
        label = plot.titleLabel
        text = label.item.boundingRect().width()
        panel = plot.mapRectToScene(plot.boundingRect())
        assert panel.right() <= canvas.width() + 0.5, (name, panel, canvas)
        assert text <= label.width() + 0.5 and text <= panel.width(), (name, text, label.width(), panel)
        shown_text = plain(label.item.toHtml())
        assert shown_text in [plain(form) for form in view.title_lines(name)], shown_text   # not cut short
        if name != "input":                        # the range is there to read
            y = view.outputs[name]
            numbers = re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", shown_text)[-2:]
            for text, true in zip(numbers, (y.min(), y.max())):
                assert abs(float(text) - true) <= 0.5 * last_digit(text) * (1 + 1e-9), (name, shown_text)
        assert label.toolTip() == view.titles[name]


def test_titles_fit_their_panels_in_the_docked_view_of_a_1024_px_window(make_window, qtbot):
    view = docked_bars(make_window, qtbot)
    assert view.width() < SETTINGS_ABOVE and view.settings_above()      # the settings wrap above
    assert view.settings.geometry().bottom() < view.canvas.geometry().top()
    assert view.seed.value() == 0
    assert_titles_fit(view)
    assert view.titles["sigmoid"] == "sigmoid: outputs from 4.8e-05 to 1"   # the title the issue saw cut
    for name in ("tanh", "leaky_relu", "identity", "softmax"):             # all seven panels
        view.extra[name].setChecked(True)
    settle(qtbot, view)
    assert len(view.panels) == 8
    assert_titles_fit(view)


def test_a_wide_view_keeps_its_settings_beside_one_line_titles(qtbot):
    view = shown(qtbot, ActivationBarsView(FakeController()), size=(1280, 760))
    settle(qtbot, view)
    assert not view.settings_above()
    assert view.settings.geometry().right() < view.canvas.geometry().left()
    assert_titles_fit(view)
    assert plain(view.panels["sigmoid"][0].titleLabel.item.toHtml()) == "sigmoid: outputs from 4.8e-05 to 1"
    view.resize(460, 400)                        # narrower: the settings move above, titles wrap
    settle(qtbot, view)
    assert view.settings_above()
    assert_titles_fit(view)
    assert plain(view.panels["sigmoid"][0].titleLabel.item.toHtml()) == "sigmoid\n4.8e-05 to 1"

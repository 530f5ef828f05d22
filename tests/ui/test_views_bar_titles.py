"""The activation-bar panels in the docked views of a 1024×700 window (issue 5 follow-up) and in
views as narrow as 360 px: every title fits its panel with the output range whole and honest
(only a name is ever cut short), no panel is pushed out of the canvas (a title's label is never
narrower than its text, so one long title used to widen the whole grid past the dock), and
every axis label is whole."""

from __future__ import annotations

import re

from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication

import pytest

from nnstudio.ui.views.activation_bars import MIN_PLOT_HEIGHT, SETTINGS_ABOVE, ActivationBarsView, short
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


def assert_titles_fit(view, cut_names=False, tall=True):
    """Titles and axis labels whole inside their panels; with ``cut_names`` a name line may
    be cut short (…), never its range; ``tall``: the bars get MIN_PLOT_HEIGHT."""
    canvas = view.canvas.viewport().rect()
    grid = view.canvas.ci.mapRectToScene(view.canvas.ci.boundingRect())
    assert grid.right() <= canvas.width() + 0.5, (grid, canvas)           # nothing pushed out
    for name, (plot, _bars) in view.panels.items():
        label = plot.titleLabel
        text = label.item.boundingRect()
        panel = plot.mapRectToScene(plot.boundingRect())
        assert panel.right() <= canvas.width() + 0.5 and panel.bottom() <= canvas.height() + 0.5, (name, panel)
        bars = plot.getViewBox().sceneBoundingRect()
        assert bars.height() >= MIN_PLOT_HEIGHT - 0.5 or not tall, (name, bars)         # room for the bars
        assert text.width() <= label.width() + 0.5 and text.width() <= panel.width(), (name, text, label.width())
        assert text.height() <= label.height() + 0.5, (name, text.height(), label.height())   # 2 lines too
        shown_text = plain(label.item.toHtml())
        forms = [plain(form) for form in view.title_lines(name)]
        if shown_text not in forms:                # cut short: the name only
            assert cut_names, shown_text
            top, bottom = shown_text.split("\n")
            assert top.endswith("…") and forms[-1].startswith(top[:-1]), shown_text
            assert bottom == forms[-1].split("\n")[1], shown_text
        if name != "input":                        # the range is there to read, whole
            range_line = shown_text.split("\n")[-1]
            assert "…" not in range_line and (" to " in range_line or "–" in range_line), shown_text
            y = view.outputs[name]
            numbers = re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", range_line)[-2:]
            assert len(numbers) == 2, shown_text
            for text, true in zip(numbers, (y.min(), y.max())):
                assert abs(float(text) - true) <= 0.5 * last_digit(text) * (1 + 1e-9), (name, shown_text)
                assert len(text.lstrip("-").replace(".", "").split("e")[0].lstrip("0")) >= min(
                    2, len(f"{true:.2g}".lstrip("-").replace(".", "").split("e")[0].lstrip("0"))), (name, text)
        assert label.toolTip() == view.titles[name]
        axis = plot.getAxis("bottom")                      # "input number" whole under the bars
        if axis.label.isVisible() and axis.label.toPlainText():
            box = axis.label.mapRectToParent(axis.label.boundingRect())
            assert 0 <= box.left() and box.right() <= axis.width() + 0.5, (name, box, axis.width())


def test_titles_fit_their_panels_in_the_docked_view_of_a_1024_px_window(make_window, qtbot):
    view = docked_bars(make_window, qtbot)
    assert view.width() < SETTINGS_ABOVE and view.settings_above()      # the settings wrap above
    assert view.settings.geometry().bottom() < view.canvas.geometry().top()
    assert view.seed.value() == 0
    assert_titles_fit(view)
    assert view.titles["sigmoid"] == "sigmoid: outputs from 4.8e-5 to 1"    # the title the issue saw cut
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
    assert plain(view.panels["sigmoid"][0].titleLabel.item.toHtml()) == "sigmoid: outputs from 4.8e-5 to 1"
    assert view.columns == view._columns_for(4) == 2      # (the canvas's own size decides)
    view.resize(460, 400)                        # narrower: the settings move above, and the four
    settle(qtbot, view)                          # panels take two rows ("input number" would not
    assert view.settings_above()                 # fit under four in a row)
    assert_titles_fit(view)
    assert view.columns == 2


@pytest.mark.parametrize("width, height", [(400, 500), (360, 500), (400, 398), (360, 398)])
def test_narrow_views_keep_every_range_whole(qtbot, width, height):
    """All eight panels in a view 400 and 360 px wide: fewer columns rather than a cut range
    (at 400 px softmax's upper bound and leaky_relu's range were cut, and the last panel's
    'input number' was clipped). Three rows of titles leave 398 px too little for the bars
    to be MIN_PLOT_HEIGHT tall; they are short there, and nothing is cut or pushed out."""
    view = shown(qtbot, ActivationBarsView(FakeController()), size=(width, height))
    for name in ("tanh", "leaky_relu", "identity", "softmax"):
        view.extra[name].setChecked(True)
    settle(qtbot, view)
    assert len(view.panels) == 8 and view.columns == 3
    assert_titles_fit(view, cut_names=True, tall=height > 400)
    for seed in (1, 2, 3):                          # other inputs, other ranges: still whole
        view.seed.setValue(seed)
        settle(qtbot, view)
        assert_titles_fit(view, cut_names=True, tall=height > 400)


def test_a_view_cannot_be_squeezed_below_one_whole_panel(qtbot):
    view = shown(qtbot, ActivationBarsView(FakeController()), size=(400, 420))
    view.extra["softmax"].setChecked(True)
    settle(qtbot, view)
    assert view.canvas.minimumWidth() >= max(view.least_plot_width(name) for name in view.panels)
    view.resize(120, 900)                       # (tall enough for five rows)
    settle(qtbot, view)
    assert view.canvas.width() >= view.canvas.minimumWidth()
    assert view.columns == 1
    assert_titles_fit(view, cut_names=True, tall=False)


@pytest.mark.parametrize("value, digits, text", [(-9.95, 2, "-9.9"), (-10.0, 2, "-10"), (-10.0, 1, "-10"),
                                                 (8.7, 2, "8.7"), (4.8e-5, 2, "4.8e-5"), (3.2e-9, 3, "3.2e-9"),
                                                 (-0.0987, 2, "-0.099"), (123.4, 2, "120"), (0.5, 3, "0.5")])
def test_short_numbers_are_plain_below_an_exponent_of_zero(value, digits, text):
    assert short(value, digits) == text

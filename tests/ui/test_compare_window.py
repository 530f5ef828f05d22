"""Run → Compare Variants…: variants of the open project trained side by side in the window."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from nnstudio.project.comparison import ComparisonError
from nnstudio.ui.compare_window import DEFAULT_SIZE, CompareWindow, knob_titles, plan_error_text, plan_problems
from ui_helpers import small_project
from window_fixtures import make_window  # noqa: F401 - fixture

TIMEOUT = 20000


@pytest.fixture
def compare(make_window, qtbot):
    w = make_window(small_project(epochs=3))            # iris 4-8-3, batch 20
    w.actions_by_name["compare"].trigger()
    dialog = w.compare_window
    assert isinstance(dialog, CompareWindow) and dialog.isVisible()
    dialog.warnings = []
    dialog.show_warning = lambda title, text: dialog.warnings.append((title, text))
    yield dialog
    dialog.shutdown()


def run_to_end(dialog, qtbot):
    assert dialog.start()
    qtbot.waitUntil(lambda: not dialog.running and dialog.start_button.isEnabled(), timeout=TIMEOUT)


def column_index(dialog, title):
    """The column with this title (long titles are shown on several lines)."""
    return [dialog.table.horizontalHeaderItem(c).text().replace("\n", " ")
            for c in range(dialog.table.columnCount())].index(title)


def column(dialog, title):
    return [dialog.table.item(r, column_index(dialog, title)).text() for r in range(dialog.table.rowCount())]


def test_the_optimizer_race_in_one_plot(compare, qtbot):
    compare.knob1.setCurrentIndex(compare.knob1.findData("optimizer"))
    compare.values1.setText("sgd, momentum, adagrad, adam")
    compare.updates.setValue(60)
    run_to_end(compare, qtbot)
    assert len(compare.plots) == 1 and not compare.key.isVisible()
    for curve in compare.curves:                         # every curve reaches the budget
        x, y = curve.getData()
        assert x[-1] == 60 and len(x) == 60
    assert column(compare, "update rule") == ["SGD", "Momentum", "AdaGrad", "Adam"]
    assert column(compare, "state") == ["done"] * 4 and column(compare, "updates") == ["60"] * 4
    assert compare.progress.value() == compare.progress.maximum()
    best = compare.best_variant()
    accuracies = [t.outcome.eval_accuracy for t in compare.tracks]
    assert accuracies[best] == max(accuracies)
    assert "Best:" in compare.status.text() and compare.variant_label(best) in compare.status.text()
    # the table sorts by number once training is done
    compare.table.sortItems(column_index(compare, "test accuracy (%)"))
    values = [float(v) for v in column(compare, "test accuracy (%)")]
    assert values == sorted(values)
    assert max(values) == pytest.approx(100 * max(accuracies), abs=0.01)    # percent, as elsewhere


def test_the_race_at_the_books_rates_says_each_rules_rate(compare, qtbot):
    """§6's race with each rule at the book's rate: the labels name the rate each one used."""
    compare.knob1.setCurrentIndex(compare.knob1.findData("rule"))
    compare.values1.setText("sgd, adam")
    compare.updates.setValue(10)
    run_to_end(compare, qtbot)
    assert column(compare, "update rule at the book's η") == ["SGD at η 0.01", "Adam at η 0.001"]
    assert [compare.variant_label(i) for i in range(2)] == ["SGD at η 0.01", "Adam at η 0.001"]
    assert [v.project.optimizer.lr for v in compare.variants] == [0.01, 0.001]
    # "Then by" offers neither a rate nor a rule beside it; a plan with one is refused anyway
    model = compare.knob2.model()
    offered = {compare.knob2.itemData(i): model.item(i).isEnabled() for i in range(compare.knob2.count())}
    assert not offered["lr"] and not offered["optimizer"] and not offered["rule"]
    assert offered["batch_size"] and offered[None]
    compare.knob2.setCurrentIndex(compare.knob2.findData("optimizer"))
    compare.values2.setText("sgd, adam")
    assert not compare.start()
    assert "sets each rule's learning rate itself" in compare.status.text()


def test_two_settings_make_a_grid_of_small_plots(compare, qtbot):
    compare.knob1.setCurrentIndex(compare.knob1.findData("init_std"))
    compare.values1.setText("0.01..1/4")
    compare.knob2.setCurrentIndex(compare.knob2.findData("batchnorm"))
    compare.values2.setText("without, with")
    compare.quantity.setCurrentIndex(compare.quantity.findData("accuracy"))
    compare.updates.setValue(20)
    run_to_end(compare, qtbot)
    assert len(compare.tracks) == 8 and len(compare.plots) == 4
    assert [p.titleLabel.text for p in compare.plots] == ["0.01", "0.0464", "0.215", "1"]
    assert compare.key.isVisible() and "batch norm with" in compare.key.text()
    # accuracy at the epoch ends: iris has 5 updates an epoch
    x, y = compare.curves[0].getData()
    assert list(x) == [5, 10, 15, 20] and all(0 <= v <= 100 for v in y) and max(y) > 1   # percent
    assert compare.plots[0].getViewBox().viewRange()[1][1] > 100
    # beside each, dotted, the accuracy on the training set at the same epoch ends (§8's gap)
    for track, curve, train in zip(compare.tracks, compare.curves, compare.train_curves):
        tx, ty = train.getData()
        assert list(tx) == list(curve.getData()[0]) == [5, 10, 15, 20]
        np.testing.assert_allclose(ty, 100 * np.asarray(track.train_accuracy))
        assert train.opts["pen"].style() == Qt.PenStyle.DotLine and train.opts["symbolBrush"] is None
    last = compare.tracks[0].outcome
    assert compare.tracks[0].train_accuracy[-1] == last.train_accuracy   # epoch 4 ended the 20 updates
    assert "Dotted, hollow: on the training set." in compare.key.text()
    compare.quantity.setCurrentIndex(compare.quantity.findData("loss"))
    assert compare.train_curves == [None] * 8                           # the loss has no such twin


def test_training_curves_only_where_the_curves_can_be_told_apart(compare, qtbot):
    """Up to MAX_LEGEND variants in a plot: each one's accuracy on the training set dotted
    beside it, and a legend entry saying so; more (a random search's): none, and no such
    entry. Test curves are never dotted."""
    from nnstudio.ui.compare_window import MAX_LEGEND, PEN_STYLES
    assert Qt.PenStyle.DotLine not in PEN_STYLES
    compare.knob1.setCurrentIndex(compare.knob1.findData("lr"))
    compare.quantity.setCurrentIndex(compare.quantity.findData("accuracy"))
    compare.updates.setValue(5)
    for count in (MAX_LEGEND, MAX_LEGEND + 1):
        compare.values1.setText(f"0.01..0.1/{count}")
        run_to_end(compare, qtbot)
        labels = [label.text for _, label in compare.plots[0].legend.items] if count <= MAX_LEGEND else []
        if count <= MAX_LEGEND:
            assert all(c is not None and len(c.getData()[0]) == 1 for c in compare.train_curves)
            assert labels[-1] == "dotted, hollow: on the training set" and len(labels) == count + 1
        else:
            assert compare.train_curves == [None] * count and not compare.key.isVisible()


def test_a_random_search_shows_where_each_trial_landed(compare, qtbot):
    compare.random_mode.setChecked(True)
    compare.trials.setValue(6)
    compare.updates.setValue(10)
    run_to_end(compare, qtbot)
    assert compare.tabs.isTabVisible(compare.search_index)
    assert len(compare.scatter.xData) == 6                # one point per trial, at its drawn values
    lrs = sorted(float(v) for v in column(compare, "learning rate η"))
    assert all(1e-6 <= v <= 1e-2 for v in lrs)
    drawn = sorted(dict(v.values)["lr"] for v in compare.variants)
    assert sorted(compare.scatter.xData) == pytest.approx(drawn)
    bx, _ = compare.best.getData()
    assert len(bx) == 1
    # each trial from its own weights by default (the book's search); the seed is no axis
    assert compare.new_seeds.isChecked()
    seeds = [v.project.training.seed for v in compare.variants]
    assert len(set(seeds)) == 6
    assert [k for k, _ in compare.variants[0].values] == ["lr", "weight_decay", "seed"]
    assert compare.scatter_plot.getPlotItem().getAxis("left").labelText == knob_titles()["weight_decay"]
    # its ten columns (two settings and the seed, then the numbers) fit the window as it opens
    compare.resize(*DEFAULT_SIZE)
    compare.tabs.setCurrentIndex(1)
    table, header = compare.table, compare.table.horizontalHeader()
    qtbot.waitUntil(lambda: table.viewport().width() > 0)
    assert header.count() == 10 and header.length() <= table.viewport().width()


def test_a_search_of_one_setting_with_new_seeds_plots_it_against_the_accuracy(compare, qtbot):
    """The drawn seed is no axis: one searched setting is plotted against each trial's accuracy."""
    compare.random_mode.setChecked(True)
    combo = compare.ranges[1][0]
    combo.setCurrentIndex(combo.findData(None))
    compare.trials.setValue(4)
    compare.updates.setValue(5)
    run_to_end(compare, qtbot)
    assert [k for k, _ in compare.variants[0].values] == ["lr", "seed"]
    plot = compare.scatter_plot.getPlotItem()
    assert plot.getAxis("bottom").labelText == knob_titles()["lr"]
    assert plot.getAxis("left").labelText == "accuracy (% correct)"
    accuracies = sorted(float(v) for v in column(compare, "test accuracy (%)"))
    assert sorted(compare.scatter.yData) == pytest.approx(accuracies, abs=0.01)


def test_the_seed_searched_in_a_range_draws_the_trials_seeds_itself(compare, qtbot):
    compare.random_mode.setChecked(True)
    assert compare.new_seeds.isEnabled()
    combo, low, high = compare.ranges[1]
    combo.setCurrentIndex(combo.findData("seed"))
    low.setText("0")
    high.setText("3")
    assert not compare.new_seeds.isEnabled() and compare.new_seeds.isChecked()
    assert {v.project.training.seed for v in compare.plan()} <= {0, 1, 2, 3}
    combo.setCurrentIndex(combo.findData("weight_decay"))
    assert compare.new_seeds.isEnabled()


def test_a_random_search_without_new_seeds_starts_every_trial_alike(compare, qtbot):
    compare.random_mode.setChecked(True)
    compare.new_seeds.setChecked(False)
    compare.trials.setValue(3)
    variants = compare.plan()
    assert {v.project.training.seed for v in variants} == {compare.main.doc.to_project().training.seed}
    assert [k for k, _ in variants[0].values] == ["lr", "weight_decay"]


def test_bad_values_say_which_setting_and_train_nothing(compare, qtbot):
    compare.knob1.setCurrentIndex(compare.knob1.findData("lr"))
    compare.values1.setText("0.1, fast")
    assert not compare.start()
    assert compare.status.text() == "learning rate η: “fast” is not a number."
    assert compare.worker is None
    compare.values1.setText("0.1")
    compare.knob2.setCurrentIndex(compare.knob2.findData("units"))
    compare.values2.setText("0")
    assert not compare.start()
    assert "hidden units" in compare.status.text()


def test_the_results_of_two_settings_fit_the_window_and_sort(compare, qtbot):
    """Nine columns (two settings, then the numbers) needed a sideways scroll in the window's
    1100 px: long titles now take two or three lines, and each column keeps room for one sort
    arrow instead of Qt's reserve of the title's whole height beside every title."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFont, QFontMetrics
    from PySide6.QtWidgets import QStyle, QStyleOptionHeader
    from nnstudio.ui.compare_window import header_lines
    assert header_lines("training accuracy (%)") == "training\naccuracy\n(%)"
    assert header_lines("updates") == "updates" and header_lines("学習率") == "学習率"
    compare.resize(1100, 640)
    compare.knob1.setCurrentIndex(compare.knob1.findData("optimizer"))
    compare.values1.setText("sgd, adam")
    compare.knob2.setCurrentIndex(compare.knob2.findData("lr"))
    compare.values2.setText("0.01, 0.1")
    compare.updates.setValue(20)
    run_to_end(compare, qtbot)
    compare.tabs.setCurrentIndex(1)
    table = compare.table
    header = table.horizontalHeader()
    qtbot.waitUntil(lambda: table.viewport().width() > 0)
    assert header.count() == 9 and header.isSortIndicatorShown()
    assert header.length() <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()
    bold = QFont(header.font())
    bold.setBold(True)
    for c in range(header.count()):
        # what the style leaves for the title of a sorted column of this width: every line fits
        opt = QStyleOptionHeader()
        opt.initFrom(header)
        opt.rect = QRect(0, 0, header.sectionSize(c), header.height())
        opt.sortIndicator = QStyleOptionHeader.SortIndicator.SortDown
        room = header.style().subElementRect(QStyle.SubElement.SE_HeaderLabel, opt, header).width()
        title = table.horizontalHeaderItem(c).text()
        assert room >= max(QFontMetrics(bold).horizontalAdvance(line) for line in title.split("\n")), title
    c = column_index(compare, "test accuracy (%)")
    x = header.sectionViewportPosition(c) + header.sectionSize(c) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    shown = [float(v) for v in column(compare, "test accuracy (%)")]
    assert header.sortIndicatorSection() == c and len(set(shown)) > 1
    assert shown == sorted(shown, reverse=header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)


def test_a_long_plan_in_a_short_window_scrolls_instead_of_squeezing_its_lines(compare, qtbot):
    """Six update rules and two activations wrap the plan's summary onto many lines (more still
    in Japanese): in a window too short for them each wrapped text keeps the height its lines
    need, and the plan scrolls."""
    from PySide6.QtWidgets import QLabel, QScrollArea
    compare.show()
    compare.resize(960, 420)
    compare.knob1.setCurrentIndex(compare.knob1.findData("rule"))
    compare.values1.setText("sgd, momentum, adagrad, adam, rmsprop, nesterov")
    compare.knob2.setCurrentIndex(compare.knob2.findData("activation"))
    compare.values2.setText("sigmoid, relu")
    plan = compare.findChild(QScrollArea)
    qtbot.waitUntil(lambda: plan.verticalScrollBar().isVisible())
    box = plan.widget()
    wrapped = [l for l in box.findChildren(QLabel) if l.wordWrap() and l.isVisible() and l.text()]
    assert len(wrapped) >= 3

    def unsqueezed():
        return all(label.height() >= label.heightForWidth(label.width()) for label in wrapped)
    qtbot.waitUntil(unsqueezed)             # once the scroll bar's width is taken from the plan
    assert box.width() <= plan.viewport().width()         # no sideways scrolling
    assert not plan.horizontalScrollBar().isVisible()
    compare.resize(500, 420)                              # narrower than the window can be:
    qtbot.waitUntil(lambda: compare.width() > 500 or plan.width() < 400)
    assert plan.viewport().width() >= box.minimumSizeHint().width()     # the plan is not cut off


def test_every_plan_problem_has_a_sentence():
    for code in plan_problems():
        text = plan_error_text(ComparisonError(code, "english", knob="lr", text="x", value="x", allowed="a, b",
                                               count=200, most=100))
        assert text and "{" not in text and "english" not in text


def test_stop_ends_the_variants_and_keeps_their_numbers(compare, qtbot):
    compare.values1.setText("sgd, adam")
    compare.updates.setValue(10_000_000)
    assert compare.start()
    qtbot.waitUntil(lambda: any(t.x for t in compare.tracks), timeout=TIMEOUT)
    compare.stop_button.click()
    qtbot.waitUntil(lambda: not compare.running and compare.start_button.isEnabled(), timeout=TIMEOUT)
    assert column(compare, "state") == ["stopped", "stopped"]
    assert all(t.outcome.eval_accuracy is not None for t in compare.tracks)


def test_results_export_as_csv_and_say_where_they_could_not_go(compare, qtbot, tmp_path):
    compare.values1.setText("sgd, adam")
    compare.updates.setValue(10)
    run_to_end(compare, qtbot)
    path = tmp_path / "race.csv"
    assert compare.save_to(str(path), compare.write_csv, "Export CSV")
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0][0] == "optimizer" and [r[0] for r in rows[1:]] == ["sgd", "adam"]
    assert not compare.save_to(str(tmp_path / "missing" / "race.csv"), compare.write_csv, "Export CSV")
    assert "does not exist" in compare.warnings[-1][1]
    png = tmp_path / "curves.png"
    assert compare.save_to(str(png), compare.write_png, "Save Picture")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_closing_the_main_window_stops_a_comparison(make_window, qtbot):
    w = make_window(small_project(epochs=3))
    w.actions_by_name["compare"].trigger()
    dialog = w.compare_window
    dialog.updates.setValue(10_000_000)
    assert dialog.start()
    qtbot.waitUntil(lambda: any(t.x for t in dialog.tracks), timeout=TIMEOUT)
    w.close()
    assert not dialog.running


def test_a_regression_is_judged_by_its_loss(make_window, qtbot):
    from nnstudio.project.files import load_project
    from nnstudio.resources import resource_path
    w = make_window(load_project(resource_path("examples", "function_square.json")))
    w.actions_by_name["compare"].trigger()
    dialog = w.compare_window
    dialog.knob1.setCurrentIndex(dialog.knob1.findData("units"))
    dialog.values1.setText("2, 10")
    dialog.updates.setValue(30)
    try:
        run_to_end(dialog, qtbot)
        assert dialog.regression
        item = dialog.quantity.model().item(dialog.quantity.findData("accuracy"))
        assert not item.isEnabled() and dialog.quantity.currentData() == "loss"
        losses = [t.outcome.eval_loss for t in dialog.tracks]
        assert dialog.best_variant() == losses.index(min(losses))
        assert "losses on the test split" in dialog.status.text() and "(loss " in dialog.status.text()
        # a function of one variable: each variant's fitted curve over the training samples
        fit = dialog.quantity.model().item(dialog.quantity.findData("fit"))
        assert fit.isEnabled()
        dialog.quantity.setCurrentIndex(dialog.quantity.findData("fit"))
        plot = dialog.plots[0]
        assert plot.getAxis("bottom").labelText == "x" and plot.getAxis("left").labelText == "y"
        x = dialog.worker.comparison.fit_x
        for i, track in enumerate(dialog.tracks):
            drawn_x, drawn_y = dialog.curves[i].getData()
            np.testing.assert_array_equal(drawn_x, x)
            np.testing.assert_array_equal(drawn_y, np.array(track.fit))
        samples = [c for c in plot.listDataItems() if c not in dialog.curves]
        ds = dialog.worker.comparison.dataset
        assert len(samples) == 1 and np.array_equal(samples[0].getData()[0], ds.x_train[:, 0])
        (x0, x1), (y0, y1) = plot.getViewBox().viewRange()
        assert x0 <= x[0] and x1 >= x[-1] and y0 <= ds.y_train.min() and y1 >= ds.y_train.max()
    finally:
        dialog.shutdown()


def test_the_fitted_curve_is_offered_only_for_a_function_of_one_variable(compare, qtbot):
    run_to_end(compare, qtbot)                             # iris: four inputs, three classes
    assert not compare.quantity.model().item(compare.quantity.findData("fit")).isEnabled()


def test_a_data_set_that_does_not_load_leaves_no_half_results(compare, qtbot, monkeypatch):
    from nnstudio.data import DataError
    monkeypatch.setattr(compare.main.controller, "peek_dataset", lambda entry: None)

    def fail():
        raise DataError("no such file: /nowhere/data.csv")
    monkeypatch.setattr(compare.main, "load_project_dataset", lambda entry: fail())
    compare.values1.setText("sgd, adam")
    run_to_end(compare, qtbot)
    assert "/nowhere/data.csv" in compare.status.text()
    assert compare.table.rowCount() == 0
    assert not compare.csv_button.isEnabled() and not compare.save_png_button.isEnabled()


def test_escape_closes_the_window_and_stops_its_training(compare, qtbot):
    compare.values1.setText("sgd, adam")
    compare.updates.setValue(10_000_000)
    assert compare.start()
    qtbot.waitUntil(lambda: any(t.x for t in compare.tracks), timeout=TIMEOUT)
    compare.reject()                                        # what Esc does
    assert not compare.isVisible() and not compare.running


def test_another_setting_brings_its_own_example_values_unless_typed(compare):
    compare.knob1.setCurrentIndex(compare.knob1.findData("weight_decay"))
    assert compare.values1.text() == "0, 0.01, 0.1"             # not the update rules left behind
    compare.values1.setText("0, 0.001")
    compare.knob1.setCurrentIndex(compare.knob1.findData("lr"))
    assert compare.values1.text() == "0, 0.001"                 # the learner's own values stay
    assert not compare.values2.isEnabled()                      # "Then by —": nothing to type
    compare.knob1.setCurrentIndex(compare.knob1.findData("weight_decay"))
    compare.updates.setValue(5)
    assert compare.start()                                      # weight decay 0, the baseline


def test_one_runs_spike_leaves_the_others_readable_and_the_log_scale_shows_it_whole(compare, qtbot):
    """In the batch-norm grid one run reached 1.5e14 and in the optimizer grid RMSProp+ReLU
    spiked to 170: the shared loss axis ran up to them and every other curve lay flat on 0."""
    from nnstudio.project.comparison import Progress
    compare.knob1.setCurrentIndex(compare.knob1.findData("optimizer"))
    compare.values1.setText("sgd, adam")
    compare.updates.setValue(10)
    run_to_end(compare, qtbot)
    for t in compare.tracks:                         # the two runs' curves, by hand
        t.__init__()
    compare.tracks[0].add(Progress(0, tuple(range(1, 11)), (1.1,) * 5 + (1e6,) + (1.0,) * 4))
    compare.tracks[1].add(Progress(1, tuple(range(1, 11)), (1.1, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2)))
    compare._redraw()
    low, top = compare.plots[0].getViewBox().viewRange()[1]
    assert low <= 0 and 1.0 < top < 2.0               # up to 1.5 × the starting loss
    compare.log_box.setChecked(True)
    low, top = compare.plots[0].getViewBox().viewRange()[1]
    smallest = min(compare.tracks[1].loss)
    assert low <= np.log10(smallest) and top >= np.log10(max(compare.tracks[0].loss)) - 0.01
    compare.quantity.setCurrentIndex(compare.quantity.findData("accuracy"))
    assert 100 < compare.plots[0].getViewBox().viewRange()[1][1] < 110   # accuracy stays linear, 0 to 100 %


def test_then_by_never_offers_the_setting_varied_first(compare):
    first = compare.knob1.currentData()
    model = compare.knob2.model()
    assert not model.item(compare.knob2.findData(first)).isEnabled()
    other = compare.knob2.findData("lr")
    assert model.item(other).isEnabled()
    compare.knob2.setCurrentIndex(other)
    compare.knob1.setCurrentIndex(compare.knob1.findData("lr"))     # the same as "then by" now
    assert compare.knob2.currentData() is None
    assert model.item(compare.knob2.findData(first)).isEnabled()


def test_choosing_by_the_test_split_says_how_to_choose_by_validation_data(compare, qtbot):
    """The book tunes hyperparameters on validation data; the window scored on the test split
    with no word about it."""
    compare.knob1.setCurrentIndex(compare.knob1.findData("lr"))
    compare.values1.setText("0.01, 0.1")
    compare.updates.setValue(10)
    run_to_end(compare, qtbot)
    assert "validation ratio" in compare.status.text()


def test_the_plan_says_what_the_typed_values_stand_for(compare):
    """"1e-4..1/16" read as a fraction to a teacher: the window spells out the values it means,
    as they are typed, and what is wrong with text it cannot read."""
    compare.knob1.setCurrentIndex(compare.knob1.findData("init_std"))
    compare.values1.setText("1e-4..1/16")
    text = compare.plan_preview.text()
    assert "16 values: 0.0001, 0.000185, 0.000341, 0.000631, 0.00117, …, 1" in text, text
    compare.values1.setText("0.01, 0.1")
    assert "2 values: 0.01, 0.1" in compare.plan_preview.text()
    compare.values1.setText("0.5")
    assert "1 value: 0.5" in compare.plan_preview.text()
    compare.values1.setText("1 & 2")                       # shown as typed, not as &amp;
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QTextDocument
    assert compare.plan_preview.textFormat() == Qt.TextFormat.RichText    # the escapes are read
    shown = QTextDocument()
    shown.setHtml(compare.plan_preview.text())
    assert "“1 & 2”" in shown.toPlainText()
    compare.values1.setText("1e-4..1/x")
    assert "is not a number of values" in compare.plan_preview.text()
    compare.knob1.setCurrentIndex(compare.knob1.findData("optimizer"))
    compare.values1.setText("sgd, adam")
    assert "2 values: SGD, Adam" in compare.plan_preview.text()


def test_a_diverged_variant_keeps_no_fitted_curve():
    """The curve from before the run went off is no fit: the table says it diverged."""
    from nnstudio.engine.errors import DivergenceError
    from nnstudio.project.comparison import Outcome, Progress
    from nnstudio.ui.compare_window import _Track
    track = _Track()
    track.add(Progress(0, (1, 2), (0.5, 0.4), fit=(1.0, 2.0)))
    assert track.fit == (1.0, 2.0)
    track.add(Progress(0, (3,), (0.3,)))                     # a turn without a curve keeps it
    assert track.fit == (1.0, 2.0)
    track.add(Progress(0, (), (), outcome=Outcome(4, 0.1, diverged=DivergenceError("loss", 4))))
    assert track.fit is None


def test_a_project_counted_in_iterations_gives_the_variants_its_count(make_window, qtbot):
    """The book's race is 2000 iterations: a project saying so opens the window with them."""
    w = make_window(small_project(epochs=3))
    w.actions_by_name["compare"].trigger()
    dialog = w.compare_window
    assert dialog.updates.value() == 1000                  # counted in epochs: the window's own
    dialog.updates.setValue(77)
    dialog.hide()
    assert w.editor.update_section("training", iterations=2000)
    w.actions_by_name["compare"].trigger()
    assert dialog.updates.value() == 2000
    dialog.shutdown()

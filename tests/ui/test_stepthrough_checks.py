"""The numerical-vs-backprop panel and the collapse panel of the step-through view."""

import numpy as np
import pytest

from nnstudio.engine.network import Network
from nnstudio.ui.stepthrough import StepThroughView
from nnstudio.ui.stepthrough.gradcheck_panel import ALL_ENTRIES, EVERY_PARAMETER, SAMPLE

from stepthrough_fakes import CNN, MLP, FakeController, make_session


def _view(qtbot, layers, shape, **kw):
    view = StepThroughView(FakeController(make_session(layers, shape, **kw)))
    qtbot.addWidget(view)
    assert view.enter([0, 1, 2])
    return view


@pytest.mark.parametrize("layers, shape", [(MLP, (4,)), (CNN, (1, 6, 6))], ids=["mlp", "cnn"])
def test_numerical_matches_backprop_in_float64(qtbot, layers, shape):
    view = _view(qtbot, layers, shape)
    panel = view.gradcheck
    trace = view.trace
    names = [panel.param.itemData(i) for i in range(panel.param.count())]
    assert names == [EVERY_PARAMETER, *view.controller.session.network.parameters()]
    names = names[1:]
    traced = {f"{trace.layer_names[i]}.{k}": g for i, grads in enumerate(trace.grads) for k, g in grads.items()}
    for name in names:
        panel.select(name)
        check = panel.run().params[0]
        assert check.name == name and panel.check is check
        assert check.max_rel_error < 1e-6, name
        assert panel.rel_errors.max() < 1e-6
        # the table shows the report's numbers
        np.testing.assert_array_equal(panel.shown_column(1), check.backprop)
        np.testing.assert_array_equal(panel.shown_column(2), check.numerical)
        np.testing.assert_array_equal(panel.shown_column(4), panel.rel_errors)
        assert panel.table.rowCount() == check.checked == traced[name].size
        # the float64 copy differentiates the same function as the traced float32 step
        # (same weights before the step, same batch, same dropout mask)
        np.testing.assert_allclose(check.backprop, traced[name].reshape(-1)[check.indices], rtol=1e-3, atol=1e-5)
        assert "ms" in panel.summary.text()


def test_large_parameter_is_sampled(qtbot):
    layers = [{"type": "dense", "units": 30, "activation": "sigmoid"},
              {"type": "dense", "units": 3, "activation": "softmax"}]
    view = _view(qtbot, layers, (20,))
    panel = view.gradcheck
    panel.select("dense_1.W")
    check = panel.run().params[0]
    assert 20 * 30 > ALL_ENTRIES and check.checked == SAMPLE == panel.table.rowCount()
    assert len(set(check.indices.tolist())) == SAMPLE
    assert check.max_rel_error < 1e-6
    zeros = int(np.count_nonzero(check.backprop == 0))
    assert f"{SAMPLE - zeros} of the {check.nonzero} whose backprop gradient is not 0 and {zeros} of those" \
        in panel.summary.text()
    panel.select("dense_2.b")
    assert panel.run().params[0].checked == 3
    # every entry, when asked: all 600
    panel.select("dense_1.W")
    panel.every_entry.setChecked(True)
    check = panel.run().params[0]
    assert check.checked == 600 == panel.table.rowCount() and "All 600 entries" in panel.summary.text()


def test_all_parameters_in_one_table_as_the_books_check_prints_them(qtbot):
    """CURRICULUM §4: the book's check prints one mean |difference| per parameter. Each row is
    a parameter; a double-click shows its entries, from the same check."""
    layers = [{"type": "dense", "units": 30, "activation": "relu"},
              {"type": "dense", "units": 3, "activation": "softmax"}]
    view = _view(qtbot, layers, (20,))
    panel = view.gradcheck
    assert panel.param.currentData() == EVERY_PARAMETER         # the first choice
    report = panel.run()
    names = list(view.controller.session.network.parameters())
    assert [p.name for p in report.params] == names and panel.table.rowCount() == len(names)
    assert [panel.table.item(r, 0).text() for r in range(len(names))] == names
    np.testing.assert_array_equal(panel.shown_column(2), [p.mean_abs_diff for p in report.params])
    np.testing.assert_array_equal(panel.shown_column(3), [p.max_rel_error for p in report.params])
    np.testing.assert_array_equal(panel.shown_column(4), [0] * len(names))      # no kinks here
    assert panel.table.item(0, 1).text() == f"{SAMPLE} of 600"        # dense_1.W, sampled
    assert max(p.max_rel_error for p in report.params) < 1e-6
    assert "mean |difference|" in panel.summary.text() and "kink" not in panel.summary.text()
    panel._open_row(2, 0)                                      # dense_2.W's entries
    assert panel.check is report.params[2] and panel.param.currentData() == "dense_2.W"
    assert panel.table.rowCount() == 90
    np.testing.assert_array_equal(panel.shown_column(1), report.params[2].backprop)


def test_the_table_is_saved_as_csv_to_full_precision(qtbot, tmp_path, monkeypatch):
    """For a report the learner wants the check's numbers, not a screenshot of rounded text:
    the table on show (one row per parameter, or one parameter's entries) goes to a CSV file
    with every digit; a folder that is not there gets the window's sentence, not a traceback."""
    import csv
    from PySide6.QtWidgets import QFileDialog
    layers = [{"type": "dense", "units": 30, "activation": "relu"},
              {"type": "dense", "units": 3, "activation": "softmax"}]
    view = _view(qtbot, layers, (20,))
    panel = view.gradcheck
    assert not panel.csv_button.isEnabled()                   # nothing checked yet
    report = panel.run()
    assert panel.csv_button.isEnabled()
    answers = iter([str(tmp_path / "params"), str(tmp_path / "entries.csv"), str(tmp_path / "gone" / "x.csv")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (next(answers), "")))
    warnings = []
    view.show_warning = lambda caption, text: warnings.append(text)

    def rows(name):
        with open(tmp_path / name, newline="", encoding="utf-8") as f:
            return list(csv.reader(f))

    panel.csv_button.click()                                  # ".csv" is added to a bare name
    header, *body = rows("params.csv")
    assert header == ["parameter", "entries_checked", "entries", "mean_abs_difference", "max_relative_error",
                      "numerical_seconds", "backprop_nonzero", "entries_at_kinks", "max_relative_error_off_kinks"]
    assert [r[0] for r in body] == [p.name for p in report.params]
    assert [int(r[1]) for r in body] == [p.checked for p in report.params] and body[0][1:3] == [str(SAMPLE), "600"]
    assert [float(r[3]) for r in body] == [p.mean_abs_diff for p in report.params]     # bit for bit
    assert [float(r[4]) for r in body] == [p.max_rel_error for p in report.params]
    assert view.status.text().startswith("Saved")

    panel._open_row(2, 0)                                     # dense_2.W's 90 entries
    panel.csv_button.click()
    header, *body = rows("entries.csv")
    check = report.params[2]
    assert header == ["parameter", "index", "backprop", "numerical", "abs_difference", "relative_error", "at_kink"]
    assert len(body) == 90 and {r[0] for r in body} == {"dense_2.W"}
    assert body[31][1] == "[%d, %d]" % np.unravel_index(int(check.indices[31]), check.shape)
    np.testing.assert_array_equal([float(r[2]) for r in body], check.backprop)
    np.testing.assert_array_equal([float(r[3]) for r in body], check.numerical)
    np.testing.assert_array_equal([float(r[5]) for r in body], panel.shown_column(4))

    panel.csv_button.click()                                  # into a folder that is not there
    assert len(warnings) == 1 and "x.csv" in warnings[0] and "Errno" not in warnings[0]
    assert not (tmp_path / "gone").exists()
    view.enter([0, 1])                                        # a new step: the old numbers are gone
    assert not panel.csv_button.isEnabled()


def test_the_parameter_stays_put_while_a_check_runs(qtbot, monkeypatch):
    """The step-through's playback selects each operation's weight as it goes; while a check
    runs (its progress dialog lets events in) that must not change the parameter checked or
    shown, and a second check cannot start."""
    from PySide6.QtWidgets import QProgressDialog
    view = _view(qtbot, MLP, (4,))
    panel = view.gradcheck
    panel.select("dense_1.W")
    during = []
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: during.append(
        (panel.select("dense_2.b"), panel.param.currentData(), panel.run_button.isEnabled(),
         panel.param.isEnabled(), panel.csv_button.isEnabled())) or False)
    panel.every_entry.setChecked(True)
    assert panel.run() is not None
    during.clear()                      # a second check, with the first one's table on show:
    check = panel.run().params[0]       # its CSV button waits for the new numbers
    assert during and all(d[1:] == ("dense_1.W", False, False, False) for d in during)
    assert check.name == "dense_1.W" and panel.param.currentData() == "dense_1.W"
    assert panel.run_button.isEnabled() and panel.param.isEnabled() and panel.csv_button.isEnabled()


def test_cancel_stops_the_check_and_says_so(qtbot, monkeypatch):
    from PySide6.QtWidgets import QProgressDialog
    view = _view(qtbot, MLP, (4,))
    panel = view.gradcheck
    before = view.controller.session.network.state_dict()
    assert panel.run() is not None and panel.table.rowCount() > 0 and panel.csv_button.isEnabled()
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: True)
    assert panel.run() is None
    assert "Stopped" in panel.summary.text() and panel.run_button.isEnabled()
    assert panel.table.rowCount() == 0 and panel.report is None       # no earlier numbers left
    assert not panel.csv_button.isEnabled() and panel.table_data() is None     # nothing to save
    for k, v in view.controller.session.network.state_dict().items():
        np.testing.assert_array_equal(v, before[k])      # the check works on its own copy


def test_backward_op_preselects_its_weight(qtbot):
    view = _view(qtbot, MLP, (4,))
    i = [e.op for e in view.trace.events].index("affine_backward")
    view.nav.go(i)
    assert view.gradcheck.param.currentData() == f"{view.trace.events[i].layer_name}.W"


IDENTITY = [{"type": "dense", "units": 10, "activation": "identity", "init": "uniform"},
            {"type": "dense", "units": 5, "activation": "identity", "init": "uniform"},
            {"type": "dense", "units": 4, "activation": "identity", "init": "uniform"}]


def test_collapsed_map_equals_the_network_output(qtbot):
    view = _view(qtbot, IDENTITY, (3,), loss="sse")
    panel = view.collapse
    assert panel.map is not None
    trace = view.trace
    net = Network(view.controller.session.network.spec, dtype="float64")
    net.load_state_dict({f"{trace.layer_names[i]}.{k}": v for i, p in enumerate(trace.params_before)
                         for k, v in p.items()})
    x = trace.input.astype(np.float64)
    y = net.forward(x)
    np.testing.assert_allclose(panel.views["map"].shown_values(), y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(panel.views["network"].shown_values(), y, rtol=0, atol=0)
    W1, W2, W3 = (trace.params_before[i]["W"].astype(np.float64) for i in range(3))
    np.testing.assert_allclose(panel.views["W"].shown_values(), W1 @ W2 @ W3, rtol=1e-12)
    assert "differ by at most" in panel.message.text()
    assert "<i>W</i> = <i>W</i><sub>1</sub>·<i>W</i><sub>2</sub>·<i>W</i><sub>3</sub>" in panel.message.text()


def test_collapse_with_random_biases_shows_b_at_work(qtbot):
    """CURRICULUM §2's b = b₁·W₂·W₃ + b₂·W₃ + b₃: with the biases a new network starts with
    (0 for most initializers) b is 0 and proves nothing; random biases make it a real check."""
    view = _view(qtbot, IDENTITY, (3,), loss="sse")
    panel = view.collapse
    assert not panel.random_biases.isHidden()
    panel.random_biases.setChecked(True)
    trace = view.trace
    W1, W2, W3 = (trace.params_before[i]["W"].astype(np.float64) for i in range(3))
    net = panel.source.network()
    rng = np.random.default_rng(0)
    b1, b2, b3 = (rng.uniform(-0.5, 0.5, w.shape[1]) for w in (W1, W2, W3))
    np.testing.assert_allclose(panel.views["b"].shown_values().reshape(-1), b1 @ W2 @ W3 + b2 @ W3 + b3,
                               rtol=1e-12)
    x = trace.input.astype(np.float64)
    expected = ((x @ W1 + b1) @ W2 + b2) @ W3 + b3
    np.testing.assert_allclose(panel.views["network"].shown_values(), expected, rtol=1e-12)
    np.testing.assert_allclose(panel.views["map"].shown_values(), expected, rtol=1e-12)
    assert "random biases" in panel.message.text()
    np.testing.assert_array_equal(net.parameters()["dense_1.b"], trace.params_before[0]["b"])  # a fresh copy


def test_collapse_names_the_first_non_identity_layer(qtbot):
    view = _view(qtbot, MLP, (4,))
    panel = view.collapse
    assert panel.map is None
    assert "dense_1" in panel.message.text() and "relu" in panel.message.text()
    assert all(v.isHidden() for v in panel.views.values())


def test_entries_that_straddle_a_kink_are_greyed_and_left_out_of_the_verdict(qtbot, tmp_path):
    """A convolution's zero biases over blank pixels: every window sits on ReLU's kink, so each
    bias's central difference averages two slopes and disagrees with backprop. The panel marks
    those entries, judges the others and says why, instead of showing a red verdict."""
    from nnstudio.ui.stepthrough.gradcheck_panel import KINK_COLOR
    session = make_session(CNN, (1, 6, 6))
    session.trainer.x_train[:3, :, :, :3] = 0.0        # the first three images: left half blank
    session.network.parameters()["conv2d_1.b"][:] = 0.0
    view = StepThroughView(FakeController(session))
    qtbot.addWidget(view)
    assert view.enter([0, 1, 2])
    panel = view.gradcheck
    report = panel.run()                                # all parameters
    b = report.by_name()["conv2d_1.b"]
    assert b.kinks == 2 and b.max_rel_error > 1e-3
    assert report.smooth_max_rel_error < 1e-6
    row = [p.name for p in report.params].index("conv2d_1.b")
    assert np.isnan(panel.shown_column(3)[row]) and panel.table.item(row, 3).text() == "–"
    np.testing.assert_array_equal(panel.shown_column(4), [p.kinks for p in report.params])
    assert panel.table.item(row, 4).background().color().name() == KINK_COLOR
    assert f"{b.kink_max_rel_error:.2e}" in panel.table.item(row, 4).toolTip()
    text = panel.summary.text()
    assert f"{report.kinks} of the {sum(p.checked for p in report.params)} entries" in text
    assert "straddled a kink" in text and "#b2321f" not in text          # no red verdict
    panel._open_row(row, 0)                             # the biases' entries: both at a kink
    assert [panel.table.item(r, 5).text() for r in range(2)] == ["yes", "yes"]
    assert panel.table.item(0, 4).background().color().name() == KINK_COLOR
    assert "Every entry" in panel.summary.text()
    panel.write_csv(str(tmp_path / "b.csv"))
    lines = (tmp_path / "b.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",at_kink") and all(l.endswith(",1") for l in lines[1:])


def test_a_nan_error_off_the_kinks_is_red_not_kink_grey(qtbot, monkeypatch):
    """Grey means "straddled a kink, not judged"; an entry whose backprop gradient is NaN is a
    failure and must not look like one."""
    from nnstudio.engine.layers import Dense
    from nnstudio.ui.stepthrough.gradcheck_panel import KINK_COLOR
    view = _view(qtbot, MLP, (4,))
    panel = view.gradcheck
    original = Dense.backward_pre

    def nan_bias(self, du, rec=None):
        dx = original(self, du, rec)
        if self.grads["b"].shape == (3,):
            self.grads["b"] = np.full(3, np.nan, dtype=self.grads["b"].dtype)
        return dx
    monkeypatch.setattr(Dense, "backward_pre", nan_bias)
    panel.select("dense_2.b")
    check = panel.run().params[0]
    assert check.kinks == 0 and check.smooth_max_rel_error == np.inf
    colors = {panel.table.item(r, 4).background().color().name() for r in range(3)}
    assert colors == {"#f5c6cb"} and KINK_COLOR not in colors

"""The step-through view on MLP and CNN networks: what it shows equals the engine's trace,
navigation moves through the recorded trace only, breakpoints, keyboard, export, leaving."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from nnstudio.engine.io import load_npz
from nnstudio.engine.recording import Phase
from nnstudio.ui.stepthrough import StepThroughView
from nnstudio.ui.stepthrough.view import BREAK_ROWS
from nnstudio.ui.mathtext import to_rich_text
from nnstudio.ui.stepthrough.samples import SampleChoiceError, parse_samples

from stepthrough_fakes import CNN, MLP, FakeController, make_session


@pytest.fixture
def mlp_view(qtbot):
    controller = FakeController(make_session(MLP, (4,), optimizer={"name": "adam", "lr": 0.01}))
    view = StepThroughView(controller)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    assert view.enter([0, 1, 2])
    return view


@pytest.fixture
def cnn_view(qtbot):
    controller = FakeController(make_session(CNN, (1, 6, 6), optimizer={"name": "momentum", "lr": 0.05}))
    view = StepThroughView(controller)
    qtbot.addWidget(view)
    assert view.enter([3, 4])
    return view


def assert_shows_trace(view):
    """Every operation: formula, code and every array read back from the widgets."""
    trace = view.trace
    for i, event in enumerate(trace.events):
        view.nav.go(i)
        assert view.nav.index == i
        assert view.op_panel.formula.text() == to_rich_text(event.formula)
        assert view.op_panel.code.toPlainText() == event.code
        views = view.tensors.views()
        assert list(views) == list(event.tensors)
        for name, tensor in event.tensors.items():
            shown = views[name].shown_values()
            assert shown.shape == tensor.shape, (event.op, name)
            np.testing.assert_array_equal(shown, np.asarray(tensor, dtype=np.float64), err_msg=f"{event.op}.{name}")


def test_a_recorded_step_is_handed_to_the_window_as_a_snapshot(mlp_view):
    """The window counts it (status bar, curves, views): see the main window's test."""
    reported = mlp_view.controller.reported
    assert len(reported) == 1 and reported[0].iteration == 1
    assert reported[0].loss == mlp_view.trace.loss


def test_mlp_every_value_shown_equals_the_trace(mlp_view):
    ops = [e.op for e in mlp_view.trace.events]
    assert {"affine", "relu", "batchnorm", "dropout", "softmax", "softmax_cross_entropy",
            "softmax_cross_entropy_backward", "batchnorm_backward", "dropout_backward", "update"} <= set(ops)
    assert_shows_trace(mlp_view)


def test_cnn_every_value_shown_equals_the_trace(cnn_view):
    ops = [e.op for e in cnn_view.trace.events]
    assert ops.index("im2col") < ops.index("conv")       # im2col is its own visible step
    assert {"maxpool", "maxpool_backward", "conv_backward", "col2im", "flatten"} <= set(ops)
    assert_shows_trace(cnn_view)


OTHER_NETWORKS = {
    "regression": ([{"type": "dense", "units": 4, "activation": "sigmoid"},
                    {"type": "dense", "units": 2, "activation": "identity"}], (3,), "sse"),
    "avgpool-tanh": ([{"type": "conv2d", "filters": 2, "kernel": 3, "pad": 1, "stride": 2, "activation": "tanh"},
                      {"type": "avgpool", "size": 3},
                      {"type": "flatten"},
                      {"type": "dense", "units": 3, "activation": "softmax"}], (2, 7, 7), "cross_entropy"),
}


@pytest.mark.parametrize("name", list(OTHER_NETWORKS))
def test_other_networks_with_weight_decay_show_the_trace(qtbot, name):
    layers, shape, loss = OTHER_NETWORKS[name]
    view = StepThroughView(FakeController(make_session(layers, shape, loss=loss, weight_decay=0.1,
                                                       optimizer={"name": "rmsprop", "lr": 0.01})))
    qtbot.addWidget(view)
    assert view.enter([0, 1])
    ops = [e.op for e in view.trace.events]
    assert "regularization" in ops and "regularization_backward" in ops
    assert_shows_trace(view)
    # the gradient check's copy has the same weight decay: its backprop equals the traced gradient
    name0 = f"{view.trace.layer_names[0]}.W"
    view.gradcheck.select(name0)
    check = view.gradcheck.run().params[0]
    assert check.max_rel_error < 1e-6
    np.testing.assert_allclose(check.backprop, view.trace.grads[0]["W"].reshape(-1)[check.indices],
                               rtol=1e-3, atol=1e-5)


def test_im2col_step_shows_the_column_matrix(cnn_view):
    i = [e.op for e in cnn_view.trace.events].index("im2col")
    cnn_view.nav.go(i)
    col = cnn_view.tensors.views()["col"]
    # 2 samples, 4×4 windows of a 1×6×6 image with a 3×3 kernel: 32 rows of 9 values
    assert col.array.shape == (32, 9)
    np.testing.assert_array_equal(col.shown_values(), cnn_view.trace.events[i].tensors["col"])
    assert "im2col" in cnn_view.op_panel.code.toPlainText()


def test_dropout_mask_is_shown(mlp_view):
    i = [e.op for e in mlp_view.trace.events].index("dropout")
    mlp_view.nav.go(i)
    mask = mlp_view.tensors.views()["mask"].shown_values()
    x = mlp_view.trace.events[i].tensors["x"]
    z = mlp_view.tensors.views()["z"].shown_values()
    np.testing.assert_allclose(z, x * mask, rtol=1e-6)
    assert set(np.unique(mask)) <= {0.0, np.float64(np.float32(1 / 0.7))}


def test_softmax_shortcut_shown_next_to_the_full_jacobian(mlp_view):
    i = [e.op for e in mlp_view.trace.events].index("softmax_cross_entropy_backward")
    mlp_view.nav.go(i)
    views = mlp_view.tensors.views()
    assert views["jacobian"].array.shape == (3, 3, 3)
    np.testing.assert_allclose(views["du_long"].shown_values(), views["du"].shown_values(), atol=1e-6)
    assert not mlp_view.op_panel.long_way.isHidden()
    assert "δ<sub>ij</sub>" in mlp_view.op_panel.long_way.text()


def test_adam_update_shows_state_and_bias_corrected_moments(mlp_view):
    trace = mlp_view.trace
    i = mlp_view.trace.phase_start(Phase.UPDATE)
    mlp_view.nav.go(i)
    views = mlp_view.tensors.views()
    assert {"W_before", "dW", "W_after", "m", "v", "m_hat", "v_hat"} <= set(views)
    assert views["W_before"].name == "W_before" and trace.events[i].note.startswith("dense_1.W")
    np.testing.assert_array_equal(views["W_after"].shown_values(), trace.params_after[0]["W"])
    # first Adam step: m̂ = dW exactly (up to float32 rounding)
    np.testing.assert_allclose(views["m_hat"].shown_values(), views["dW"].shown_values(), rtol=1e-5)
    mlp_view.nav.go(i + 1)
    assert mlp_view.tensors.views()["W_before"].name == "b_before"


def test_large_array_is_a_heat_map_with_readable_elements(qtbot):
    layers = [{"type": "dense", "units": 30, "activation": "tanh"}, {"type": "dense", "units": 3, "activation": "softmax"}]
    view = StepThroughView(FakeController(make_session(layers, (64,))))
    qtbot.addWidget(view)
    assert view.enter([0, 1, 2, 3])
    view.nav.go(1)                      # affine of dense_1: W is 64×30
    w = view.tensors.views()["W"]
    assert w.mode == "heatmap"
    W = view.trace.events[1].tensors["W"]
    np.testing.assert_array_equal(w.shown_values(), W)
    assert w.hover_text(2, 7) == f"W[2, 7] = {W[2, 7]}"
    x = view.tensors.views()["x"]       # 4×64 rows fold into four 8×8 tiles
    assert x.mode == "heatmap" and x.cells.shape == (8, 4 * 9 - 1)
    assert x.hover_text(1, 9 + 3) == f"x[1, 11] = {view.trace.events[1].tensors['x'][1, 11]}"
    assert x.hover_text(0, 8) == " "    # the gap between the tiles
    np.testing.assert_array_equal(x.shown_values(), view.trace.events[1].tensors["x"])
    assert view.tensors.views()["b"].mode == "table"     # a row of 30 numbers stays readable
    grid = view.tensors.grid
    assert not grid.itemAt(grid.indexOf(w)).alignment() & Qt.AlignmentFlag.AlignTop   # fills its cell
    w.toggle.setChecked(True)           # the learner asks for the numbers
    assert w.mode == "table"
    np.testing.assert_array_equal(w.shown_values(), W)
    assert grid.itemAt(grid.indexOf(w)).alignment() & Qt.AlignmentFlag.AlignTop       # arranged again


def test_a_short_table_stands_at_the_top_beside_a_taller_one(qtbot):
    """x (2×8) beside W (8×10) in one row: x stood vertically centred, halfway down under
    empty space, as if it were not the input of the same operation. Tables now sit at the top
    of their cell; a table switched to a heat map fills its cell again."""
    layers = [{"type": "dense", "units": 10, "activation": "tanh"}, {"type": "dense", "units": 3, "activation": "softmax"}]
    view = StepThroughView(FakeController(make_session(layers, (8,))))
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    assert view.enter([0, 1])
    view.nav.go(1)                      # affine of dense_1
    qtbot.wait(50)
    views = view.tensors.views()
    x, w = views["x"], views["W"]
    assert x.mode == w.mode == "table"
    assert x.geometry().top() == w.geometry().top()          # one row
    assert x.geometry().height() < w.geometry().height()
    grid = view.tensors.grid
    assert grid.itemAt(grid.indexOf(x)).alignment() & Qt.AlignmentFlag.AlignTop


def test_navigation_next_previous_jump(mlp_view):
    v = mlp_view
    n = len(v.trace)
    assert v.nav.index == 0 and not v.prev_button.isEnabled()
    v.next_button.click()
    assert v.nav.index == 1
    v.prev_button.click()
    assert v.nav.index == 0
    for phase in Phase:
        v.phase_buttons[phase].click()
        assert v.trace.events[v.nav.index].phase == phase
        assert v.nav.index == 0 or v.trace.events[v.nav.index - 1].phase != phase
    v.nav.last()
    assert v.nav.index == n - 1 and not v.next_button.isEnabled()
    assert not v.nav.next()
    v.op_list.setCurrentRow(v.op_row(5))
    assert v.nav.index == 5
    assert v.op_panel.title.text().count("operation 6 of") == 1
    # a heading per phase; the rows leave the phase out, clicking a heading goes to its first
    headings = [r for r in range(v.op_list.count()) if not v.op_list.item(r).flags() & Qt.ItemFlag.ItemIsSelectable]
    assert [v.op_list.item(r).text() for r in headings] == ["Forward", "Loss", "Backward", "Update"]
    assert v.op_list.count() == n + 4 and "Forward" not in v.op_list.item(v.op_row(1)).text()
    v.op_list.setCurrentRow(headings[2])
    assert v.trace.events[v.nav.index].phase == Phase.BACKWARD
    assert v.nav.index == v.trace.phase_start(Phase.BACKWARD) and v.op_list.currentRow() == v.op_row(v.nav.index)
    v.op_list.setCurrentRow(headings[2])                   # its heading again, on that operation
    assert v.nav.index == v.trace.phase_start(Phase.BACKWARD) and v.op_list.currentRow() == v.op_row(v.nav.index)


def test_stepping_back_recomputes_nothing(mlp_view):
    v = mlp_view
    net = v.controller.session.network
    after = {k: p.copy() for k, p in net.parameters().items()}
    first = v.tensors.views()["x"].shown_values()
    v.nav.last()
    v.nav.first()
    np.testing.assert_array_equal(v.tensors.views()["x"].shown_values(), first)
    for k, p in net.parameters().items():
        np.testing.assert_array_equal(p, after[k])
    assert v.controller.session.trainer.iteration == 1


def test_keyboard(mlp_view, qtbot):
    v = mlp_view
    qtbot.keyClick(v, Qt.Key.Key_Right)
    qtbot.keyClick(v, Qt.Key.Key_Right)
    assert v.nav.index == 2
    qtbot.keyClick(v, Qt.Key.Key_Left)
    assert v.nav.index == 1
    qtbot.keyClick(v, Qt.Key.Key_End)
    assert v.nav.at_end
    qtbot.keyClick(v, Qt.Key.Key_Home)
    assert v.nav.index == 0
    qtbot.keyClick(v, Qt.Key.Key_Space)
    assert v.timer.isActive()
    qtbot.keyClick(v, Qt.Key.Key_Space)
    assert not v.timer.isActive()


def test_breakpoints_stop_continue_and_play(mlp_view, qtbot):
    v = mlp_view
    events = v.trace.events
    v.set_breakpoint(3)                       # the dense output layer (dense_2)
    assert v.break_list.item(3).checkState() == Qt.CheckState.Checked
    stops = []
    while True:
        before = v.nav.index
        v.continue_button.click()
        if v.nav.index == before or v.nav.at_end and not v.nav.is_break(v.nav.index):
            break
        stops.append(v.nav.index)
    # dense_2's first operation in each phase: forward affine, its loss, the fused gradient, the update
    assert [(events[i].phase, events[i].op) for i in stops] == [
        (Phase.FORWARD, "affine"), (Phase.LOSS, "softmax_cross_entropy"),
        (Phase.BACKWARD, "softmax_cross_entropy_backward"), (Phase.UPDATE, "update")]
    assert all(events[i].layer == 3 for i in stops)
    # playing stops at the first breakpoint
    v.nav.first()
    v.speed.setValue(20)
    focused = []
    v.layerFocused.connect(focused.append)
    v.play_button.setChecked(True)
    qtbot.waitUntil(lambda: not v.timer.isActive(), timeout=5000)
    assert v.nav.index == stops[0]
    assert focused[-1] == 3 and focused[0] == 0
    v.break_list.item(3).setCheckState(Qt.CheckState.Unchecked)
    assert v.nav.next_break() is None


def test_the_breakpoint_list_is_as_tall_as_its_layers(qtbot):
    """No empty rows under the layers (the operations above get the room), no scroll bar;
    with more than BREAK_ROWS layers it scrolls. Empty (before a step, after leaving): one row."""
    heights = {}
    for depth in (1, 2, BREAK_ROWS, BREAK_ROWS + 3):
        layers = [{"type": "dense", "units": 3, "activation": "relu"}] * (depth - 1) + \
            [{"type": "dense", "units": 3, "activation": "softmax"}]
        v = StepThroughView(FakeController(make_session(layers, (4,))))
        qtbot.addWidget(v)
        v.show()
        empty = v.break_list.height()
        assert v.enter([0])
        assert v.break_list.count() == depth
        shown = min(depth, BREAK_ROWS)
        rows = shown * v.break_list.sizeHintForRow(0)
        inner = v.break_list.height() - 2 * v.break_list.frameWidth()
        assert rows <= inner <= rows + 4
        last = v.break_list.visualItemRect(v.break_list.item(depth - 1))
        assert (last.bottom() < v.break_list.viewport().height()) == (depth <= BREAK_ROWS)
        heights[depth] = v.break_list.height()
        v.leave()
        assert v.break_list.count() == 0 and v.break_list.height() == heights[1]     # one empty row
        assert empty < 2 * heights[1]
    assert heights[1] < heights[2] < heights[BREAK_ROWS] == heights[BREAK_ROWS + 3]


def test_layer_focus_and_edge_shapes(qtbot):
    controller = FakeController(make_session(CNN, (1, 6, 6)))
    view = StepThroughView(controller)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.edgeShapes) as shapes:
        view.enter([0])
    assert shapes.args[0] == {0: "1×1×6×6", 1: "1×2×4×4", 2: "1×2×2×2", 3: "1×8", 4: "1×3"}
    with qtbot.waitSignal(view.layerFocused) as focus:
        view.nav.go(1)
    assert focus.args[0] == 0
    with qtbot.waitSignal(view.layerFocused) as focus:
        view.nav.go(0)                        # the input belongs to no layer
    assert focus.args[0] is None


def test_leaving_continues_from_the_updated_weights(mlp_view, qtbot):
    v = mlp_view
    session = v.controller.session
    trace = v.trace
    with qtbot.waitSignal(v.left), qtbot.waitSignal(v.layerFocused) as focus:
        v.leave_button.click()
    assert focus.args[0] is None and not v.active
    for layer, after in zip(session.network.layers, trace.params_after):
        for k, p in after.items():
            np.testing.assert_array_equal(layer.params[k], p)
    snap = next(session.trainer.run())
    assert snap.iteration == 2                 # the traced step counted as iteration 1


def test_new_run_ends_step_mode(mlp_view):
    mlp_view.controller.runStarted.emit(object())
    assert not mlp_view.active and mlp_view.op_list.count() == 0


def test_record_button_and_bad_sample_text(qtbot):
    controller = FakeController(make_session(MLP, (4,)))
    view = StepThroughView(controller)
    qtbot.addWidget(view)
    for text, expected in (("abc", "not a sample"), ("0-99", "outside"), ("", "Write which")):
        view.samples.setText(text)
        view.record_button.click()
        assert expected in view.status.text() and not view.active
    controller.is_paused = False
    controller.stateChanged.emit("running")
    assert not view.record_button.isEnabled()
    # Pause was pressed but the worker is still finishing its step: nothing may be traced yet
    controller.stateChanged.emit("paused")
    assert not view.record_button.isEnabled()
    assert not view.enter([0]) and "still running" in view.status.text() and not view.active
    controller.is_paused = True                  # the worker parked: its snapshot arrives
    controller.snapshots.emit(())
    assert view.record_button.isEnabled()
    view.samples.setText("2-3, 7")
    view.record_button.click()
    assert view.active and len(view.trace.input) == 3
    assert view.samples.text() == "2-3, 7"
    np.testing.assert_array_equal(view.trace.input, controller.session.trainer.x_train[[2, 3, 7]])
    assert not view.enter([40])               # out of range: refused with a message
    assert "does not exist" in view.status.text()


def test_without_a_session_nothing_breaks(qtbot):
    view = StepThroughView(FakeController(None))
    qtbot.addWidget(view)
    assert not view.enter([0])
    assert "No run yet" in view.status.text()
    assert not view.record_button.isEnabled()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    view.leave()


def test_parse_samples():
    assert parse_samples("0", 10) == [0]
    assert parse_samples("3-1, 7", 10) == [1, 2, 3, 7]
    with pytest.raises(SampleChoiceError) as e:
        parse_samples("5-12", 10)
    assert e.value.reason == "range" and e.value.limit == 9
    with pytest.raises(SampleChoiceError):
        parse_samples("0-500", 1000)


def test_export_trace_and_png(mlp_view, tmp_path):
    v = mlp_view
    v.export_trace_to(str(tmp_path / "step.npz"))
    saved = load_npz(tmp_path / "step.npz")
    expected = v.trace.arrays()
    assert set(saved) == set(expected)
    for k in ("input", "param/0/W", "grad/0/W", "updated/3/b", "forward/0/pre", "backward/1/dx"):
        np.testing.assert_array_equal(saved[k], expected[k])
    v.export_png_to(str(tmp_path / "step.png"))
    img = QImage(str(tmp_path / "step.png"))
    assert (img.width(), img.height()) == (v.width(), v.height())
    assert [p.name for p in tmp_path.iterdir()] and not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_rich_text_formulas():
    html = to_rich_text("∂E/∂W = xᵀ·δ,  ∂E/∂b = Σₙ δₙ")
    assert "<i>x</i><sup>T</sup>" in html and "Σ<sub>n</sub>" in html and "<i>W</i>" in html
    assert to_rich_text("m̂ = m / (1 − β₁ᵗ)").endswith("β<sub>1</sub><sup>t</sup>)")
    assert to_rich_text("u = col·W_colᵀ") == "<i>u</i> = col·<i>W</i><sub>col</sub><sup>T</sup>"
    assert to_rich_text("a < b\nc") == "<i>a</i> &lt; <i>b</i><br><i>c</i>"


@pytest.mark.parametrize("shape", [(3, 4), (30, 40)], ids=["table", "heatmap"])
def test_non_finite_values_are_shown_not_fatal(qtbot, shape):
    from nnstudio.ui.stepthrough.array_view import ArrayView
    a = np.arange(np.prod(shape), dtype=np.float32).reshape(shape) - 5
    a[0, 1], a[1, 2], a[2, 3] = np.inf, -np.inf, np.nan
    view = ArrayView()
    qtbot.addWidget(view)
    view.set_array("W", a)
    assert view.mode == ("table" if shape == (3, 4) else "heatmap")
    np.testing.assert_array_equal(view.shown_values(), a)
    assert "3 not finite" in view.stats.text()
    assert view.hover_text(0, 1) == "W[0, 1] = inf"


def test_im2col_row_marks_its_input_window(cnn_view):
    v = cnn_view
    i = [e.op for e in v.trace.events].index("im2col")
    v.nav.go(i)
    views = v.tensors.views()
    col, x = views["col"], views["x"]
    for row in (0, 5, 17, 31):
        col.hovered.emit(row * 9 + 4)          # the mouse on any cell of that row
        assert col.highlighted == tuple(range(row * 9, row * 9 + 9))
        window = np.array(x.highlighted)
        assert len(window) == 9
        # the marked input elements are exactly the numbers in that row of col
        np.testing.assert_array_equal(x.array.reshape(-1)[window], col.array[row])
    col.hovered.emit(-1)
    assert x.highlighted == () and col.highlighted == ()


def test_pool_output_marks_its_window(cnn_view):
    v = cnn_view
    i = [e.op for e in v.trace.events].index("maxpool")
    v.nav.go(i)
    views = v.tensors.views()
    z, x = views["z"], views["x"]
    for flat in range(z.array.size):
        z.hovered.emit(flat)
        window = x.array.reshape(-1)[list(x.highlighted)]
        assert len(window) == 4 and window.max() == z.array.reshape(-1)[flat]


def test_conv_output_marks_its_row_of_col(cnn_view):
    v = cnn_view
    i = [e.op for e in v.trace.events].index("conv")
    v.nav.go(i)
    views = v.tensors.views()
    u, col, W, b = views["u"], views["col"], views["W"], views["b"]
    n, f, r, c = 1, 1, 2, 3
    u.hovered.emit(int(np.ravel_multi_index((n, f, r, c), u.array.shape)))
    row = (n * 4 + r) * 4 + c
    assert col.highlighted == tuple(range(row * 9, row * 9 + 9))
    expected = col.array[row] @ W.array[f].reshape(-1) + b.array[f]
    assert u.array[n, f, r, c] == pytest.approx(expected, rel=1e-5)


def test_a_failed_save_says_where_and_why_and_drops_the_earlier_saved(mlp_view, tmp_path, monkeypatch):
    """Saving into a missing folder showed Python's "[Errno 2] … '/x/.step.png.tmp'" and left an
    earlier "Saved …" in the status beside the failure (a teacher-tester)."""
    from PySide6.QtWidgets import QFileDialog
    v = mlp_view
    answers = iter([str(tmp_path / "ok.png"), str(tmp_path / "gone" / "step.png"),
                    str(tmp_path / "gone" / "step.npz")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (next(answers), "")))
    warnings = []
    v.show_warning = lambda caption, text: warnings.append(text)
    v._on_export_png()
    assert v.status.text().startswith("Saved") and not warnings
    v._on_export_png()
    v._on_export_trace()
    assert len(warnings) == 2 and v.status.text() == ""
    for text in warnings:
        assert "Errno" not in text and ".tmp" not in text
        assert text.startswith("The folder for “step.")


def test_a_numerical_project_steps_through_its_numerical_gradients(qtbot):
    """A project that trains by numerical gradients records its step that way too: one
    central-difference operation per parameter, each saying what it costs, instead of
    backprop's chain; the list names the parameter and the check tab follows it."""
    controller = FakeController(make_session(MLP, (4,), gradients="numerical", dtype="float64"))
    view = StepThroughView(controller)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    assert view.enter([0, 1, 2])
    events = [e for e in view.trace.events if e.op == "numerical_gradient"]
    params = list(controller.session.network.parameters())
    assert [f"{e.layer_name}.{next(iter(e.tensors))}" for e in events] == params
    assert not any(e.op.endswith("_backward") for e in view.trace.events)
    assert "numerical (central differences)" in view.status.text()
    assert_shows_trace(view)
    first = view.trace.events.index(events[0])
    view.nav.go(first)
    note = view.op_panel.note.text()
    assert "20 entries of dense_1.W" in note and "40 forward passes" in note     # 4×5 weights
    assert "Numerical gradient" in view.op_panel.title.text()
    assert view.op_list.item(view.op_row(first)).text().endswith("Numerical gradient (central differences) (W)")
    assert view.gradcheck.param.currentData() == "dense_1.W"


def test_cancelling_a_numerical_step_leaves_the_network_as_it_was(qtbot, monkeypatch):
    from PySide6.QtWidgets import QProgressDialog
    session = make_session(MLP, (4,), gradients="numerical")
    view = StepThroughView(FakeController(session))
    qtbot.addWidget(view)
    before = session.network.state_dict()
    asked = []
    # Cancel pressed at the third look: part-way through the first weight matrix's entries
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: asked.append(1) or len(asked) >= 3)
    assert not view.enter([0, 1])
    assert len(asked) == 3
    assert view.trace is None and session.trainer.iteration == 0
    assert "the weights are as they were" in view.status.text()
    for k, v in session.network.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    monkeypatch.undo()
    assert view.enter([0, 1]) and session.trainer.iteration == 1


def test_a_new_run_can_be_stepped_through_at_once(qtbot):
    """Opening the app builds a parked run: Record is available before any Play or Step (it
    stayed greyed out until the first snapshot arrived)."""
    from nnstudio.ui.controller import TrainingController
    from ui_helpers import small_project
    controller = TrainingController(small_project())
    try:
        view = StepThroughView(controller)
        qtbot.addWidget(view)
        assert not view.record_button.isEnabled()          # no run yet
        assert controller.reset()
        assert view.record_button.isEnabled() and view.samples.isEnabled()
        view.record_button.click()
        assert view.trace is not None and controller.session.trainer.iteration == 1
    finally:
        controller.shutdown()


def test_a_numerical_step_is_recorded_once_however_often_it_is_asked_for(qtbot, monkeypatch):
    """While a numerical step's progress dialog lets events in, a second request (a timer, a
    second F11) records nothing: it would update the weights in the middle of the first
    step's gradient. A run replaced meanwhile ends the step undone."""
    from PySide6.QtWidgets import QProgressDialog
    session = make_session(MLP, (4,), gradients="numerical")
    controller = FakeController(session)
    view = StepThroughView(controller)
    qtbot.addWidget(view)
    inner = []
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: inner.append(view.enter([1])) or False)
    assert view.enter([0])
    assert inner and not any(inner) and session.trainer.iteration == 1
    monkeypatch.undo()
    before = session.network.state_dict()
    replaced = make_session(MLP, (4,))
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: setattr(controller, "session", replaced) or False)
    assert not view.enter([0]) and session.trainer.iteration == 1
    for k, v in session.network.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_the_im2col_example_shows_the_8_by_9_matrix_for_samples_0_1(qtbot):
    """CURRICULUM §9's worked example as the README tells it: Samples 0-1, Record a step."""
    from nnstudio.project.files import load_project
    from nnstudio.project.headless import load_dataset
    from nnstudio.project.session import build_session
    from nnstudio.resources import resource_path
    project = load_project(resource_path("examples", "im2col_worked.json"))
    view = StepThroughView(FakeController(build_session(project, load_dataset(project))))
    qtbot.addWidget(view)
    view.samples.setText("0-1")
    view.record_button.click()
    assert view.active
    im2col = next(i for i, e in enumerate(view.trace.events) if e.op == "im2col")
    view.nav.go(im2col)
    assert view.trace.events[im2col].tensors["col"].shape == (8, 9)
    assert "(8×9," in view.tensors.views()["col"].header.text()

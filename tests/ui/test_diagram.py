"""The diagram editor: building a network with clicks and keys, undo/redo of every kind of
edit, drag to reorder as one undo step, problems on the offending node, live weights."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from nnstudio.ui.diagram.items import MAX_PEN, NEGATIVE, POSITIVE
from ui_helpers import small_project, toy_project
from window_fixtures import make_window, shot  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qtbot")


def node_point(window, node):
    view = window.diagram_view
    return view.mapFromScene(node.scenePos())


def click_node(qtbot, window, node):
    qtbot.mouseClick(window.diagram_view.viewport(), Qt.LeftButton, pos=node_point(window, node))


def key(qtbot, window, k, mod=Qt.NoModifier):
    qtbot.keyClick(window.diagram_view, k, mod)


def types(window):
    return [l.type for l in window.doc.layers]


def test_build_a_network_with_clicks_and_keys(make_window, qtbot):
    w = make_window()
    w.diagram_view.setFocus()
    first = w.diagram_view.diagram.node_for_layer(0)
    click_node(qtbot, w, first)
    assert w.diagram_view.diagram.current_layer() == 0
    assert "Layer 1" in w.inspector.heading.text()
    key(qtbot, w, Qt.Key_Insert)                            # add after the first layer
    assert types(w) == ["dense", "dense", "dense"]
    assert w.diagram_view.diagram.current_layer() == 1      # the new layer is selected
    box = w.inspector.widgets["units"]
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "6")
    qtbot.keyClick(box.lineEdit(), Qt.Key_Return)
    assert w.doc.layer(1).data["units"] == 6
    type_combo = w.inspector.widgets["type"]
    type_combo.setCurrentIndex(type_combo.findData("dropout"))
    type_combo.activated.emit(type_combo.currentIndex())
    assert types(w) == ["dense", "dropout", "dense"]
    w.diagram_view.setFocus()
    key(qtbot, w, Qt.Key_Insert, Qt.ShiftModifier)         # add before the dropout
    assert types(w) == ["dense", "dense", "dropout", "dense"]
    key(qtbot, w, Qt.Key_Right)
    assert w.diagram_view.diagram.current_layer() == 2
    key(qtbot, w, Qt.Key_Return)                            # into the inspector's form
    qtbot.waitUntil(lambda: w.focusWidget() is w.inspector.widgets["ratio"], timeout=2000)
    qtbot.keyClick(w.inspector.widgets["ratio"], Qt.Key_Up)
    assert w.doc.layer(2).data["ratio"] == pytest.approx(0.55)
    w.diagram_view.setFocus()
    key(qtbot, w, Qt.Key_Delete)
    assert types(w) == ["dense", "dense", "dense"]
    key(qtbot, w, Qt.Key_Z, Qt.ControlModifier)
    assert types(w) == ["dense", "dense", "dropout", "dense"]
    assert w.doc.layer(2).data["ratio"] == pytest.approx(0.55)
    key(qtbot, w, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert types(w) == ["dense", "dense", "dense"]
    qtbot.waitUntil(lambda: w.actions_by_name["play"].isEnabled(), timeout=3000)
    shot(w, "built")


def test_arrow_keys_walk_input_layers_loss(make_window, qtbot):
    w = make_window()
    scene = w.diagram_view.diagram
    w.diagram_view.setFocus()
    key(qtbot, w, Qt.Key_Right)
    assert scene.selected_node() is scene.input_node
    for _ in range(5):
        key(qtbot, w, Qt.Key_Right)
    assert scene.selected_node() is scene.loss_node
    key(qtbot, w, Qt.Key_Left)
    assert scene.current_layer() == 1
    key(qtbot, w, Qt.Key_Left, Qt.ControlModifier)          # move the output layer left
    assert [l.data["units"] for l in w.doc.layers] == [3, 8]
    key(qtbot, w, Qt.Key_Z, Qt.ControlModifier)
    assert [l.data["units"] for l in w.doc.layers] == [8, 3]


def settle(w, qtbot):
    """Wait until the window has loaded the chosen data and checked the project."""
    qtbot.waitUntil(lambda: not w._sync_pending and not w.loading
                    and not w.controller.is_loading(), timeout=10000)


def choose(w, qtbot, name):
    assert w.dataset_panel.choose(name)
    settle(w, qtbot)


def undo_redo(w, apply, check):
    before = w.doc.to_dict()
    apply()
    after = w.doc.to_dict()
    assert after != before
    assert check() is not False
    w.editor.undo()
    assert w.doc.to_dict() == before
    w.editor.redo()
    assert w.doc.to_dict() == after
    w.editor.undo()


def test_undo_redo_each_kind_of_edit(make_window, qtbot):
    w = make_window()
    e, doc = w.editor, w.doc
    undo_redo(w, lambda: e.add_layer(1, "dropout"), lambda: doc.layer(1).type == "dropout")
    undo_redo(w, lambda: e.remove_layer(0), lambda: len(doc.layers) == 1)
    undo_redo(w, lambda: e.move_layer(0, 1), lambda: doc.layer(0).data["units"] == 3)
    undo_redo(w, lambda: e.update_layer(0, units=12), lambda: doc.layer(0).data["units"] == 12)
    undo_redo(w, lambda: e.update_layer(0, activation="tanh"), lambda: None)
    undo_redo(w, lambda: e.update_layer(0, init="xavier"), lambda: None)
    undo_redo(w, lambda: e.set_batchnorm_after(0, True), lambda: doc.layer(1).type == "batchnorm")
    undo_redo(w, lambda: e.update_section("training", batch_size=10), lambda: None)
    undo_redo(w, lambda: e.update_section("optimizer", name="adam"), lambda: None)
    undo_redo(w, lambda: e.set_loss("sse"), lambda: None)
    undo_redo(w, lambda: choose(w, qtbot, "wine"), lambda: doc.input_shape == (13,))


def test_batch_norm_after_takes_the_layers_activation_in_the_books_order(make_window):
    """CURRICULUM §7 / the book: affine → batch norm → ReLU. Ticking "Batch norm after" on a
    Dense(relu) gave Dense(relu) → BN, normalizing after the ReLU; the activation now moves to
    the batch norm and back, in one undo step; the output layer keeps its own."""
    w = make_window()
    e, doc = w.editor, w.doc
    act = doc.layer(0).data["activation"]
    assert act != "identity"
    assert e.set_batchnorm_after(0, True)
    assert doc.layer(0).data["activation"] == "identity"
    assert doc.layer(1).type == "batchnorm" and doc.layer(1).data["activation"] == act
    w.undo_stack.undo()
    assert doc.layer(0).data["activation"] == act and doc.layer(1).type != "batchnorm"
    w.undo_stack.redo()
    assert e.set_batchnorm_after(0, False)
    assert doc.layer(0).data["activation"] == act and doc.layer(1).type != "batchnorm"
    last = len(doc.layers) - 1
    out_act = doc.layer(last).data["activation"]
    e.set_batchnorm_after(last, True)
    assert doc.layer(last).data["activation"] == out_act


def test_inspector_edits_conv_and_dropout_fields(make_window):
    w = make_window()
    w.editor.add_layer(1, "dropout")
    w.diagram_view.diagram.select_layer(1)
    ratio = w.inspector.widgets["ratio"]
    ratio.setValue(0.2)
    assert w.doc.layer(1).data["ratio"] == pytest.approx(0.2)
    scale_at = w.inspector.widgets["scale_at"]                  # the book's dropout (§8)
    assert scale_at.currentData() == "training"
    scale_at.setCurrentIndex(scale_at.findData("inference"))
    scale_at.activated.emit(scale_at.currentIndex())
    assert w.doc.layer(1).data["scale_at"] == "inference"
    assert w.doc.to_project().network.layers[1].scale_at == "inference"
    w.editor.set_layer(0, {"type": "conv2d", "filters": 4, "kernel": 3})
    w.diagram_view.diagram.select_layer(0)
    for name, value in (("kernel", 5), ("stride", 2), ("pad", 1), ("filters", 6)):
        w.inspector.widgets[name].setValue(value)
        assert w.doc.layer(0).data[name] == value
    check = w.inspector.widgets["batchnorm"]
    check.setChecked(True)
    assert w.doc.layer(1).type == "batchnorm"
    check.setChecked(False)
    assert w.doc.layer(1).type == "dropout"


def test_inspector_sets_the_initializers_own_number(make_window):
    """CURRICULUM §7 (weights of std 1 saturate sigmoids; 0.01 makes every unit alike) needs
    the normal initializer's σ, and §10 the uniform one's range: they were in the project file
    but had no field. The field follows the initializer; the built network uses it."""
    import numpy as np
    w = make_window()
    w.diagram_view.diagram.select_layer(0)
    init = w.inspector.widgets["init"]
    assert "std" not in w.inspector.widgets and "scale" not in w.inspector.widgets    # he: none
    init.setCurrentIndex(init.findData("normal"))
    init.activated.emit(init.currentIndex())
    std = w.inspector.widgets["std"]
    assert std.value() == pytest.approx(0.01) and "scale" not in w.inspector.widgets
    std.setValue(1.0)
    assert w.doc.layer(0).data["std"] == pytest.approx(1.0)
    weights = w.doc.to_project()
    from nnstudio.project.session import build_network
    assert np.std(build_network(weights).layers[0].params["W"]) > 0.5     # 32 draws of σ = 1 (was 0.01)
    init = w.inspector.widgets["init"]                 # the form was rebuilt for the field
    init.setCurrentIndex(init.findData("uniform"))
    init.activated.emit(init.currentIndex())
    scale = w.inspector.widgets["scale"]
    assert "std" not in w.inspector.widgets and scale.value() == pytest.approx(0.5)
    scale.setValue(0.1)
    W = build_network(w.doc.to_project()).layers[0].params["W"]
    assert np.abs(W).max() <= 0.1 and np.abs(W).max() > 0.05
    w.undo_stack.undo()
    assert w.inspector.widgets["scale"].value() == pytest.approx(0.5)


def drag(qtbot, view, start: QPoint, end: QPoint):
    vp = view.viewport()
    qtbot.mousePress(vp, Qt.LeftButton, pos=start)
    for k in range(1, 6):
        p = start + (end - start) * (k / 5)
        QApplication.sendEvent(vp, QMouseEvent(QEvent.MouseMove, QPointF(p), QPointF(vp.mapToGlobal(p)),
                                               Qt.NoButton, Qt.LeftButton, Qt.NoModifier))
    qtbot.mouseRelease(vp, Qt.LeftButton, pos=end)


def test_drag_reorders_in_one_undo_step(make_window, qtbot):
    w = make_window()
    w.editor.add_layer(1, "dropout")
    w.diagram_view.resetTransform()
    scene = w.diagram_view.diagram
    first = scene.node_for_layer(0)
    before = w.undo_stack.count()
    start = node_point(w, first)
    end = node_point(w, scene.node_for_layer(1)) + QPoint(60, 0)
    drag(qtbot, w.diagram_view, start, end)
    assert types(w) == ["dropout", "dense", "dense"]
    assert w.undo_stack.count() == before + 1
    w.editor.undo()
    assert types(w) == ["dense", "dropout", "dense"]
    assert scene.node_for_layer(0).x() < scene.node_for_layer(1).x()


def test_invalid_structure_marks_the_node_and_disables_play(make_window, qtbot):
    w = make_window()
    play = w.actions_by_name["play"]
    assert play.isEnabled()
    w.editor.update_layer(1, units=4)                  # iris has 3 classes
    qtbot.waitUntil(lambda: not play.isEnabled(), timeout=3000)
    node = w.diagram_view.diagram.node_for_layer(1)
    assert node.error and "3" in node.error and "classes" in node.error
    assert not w.actions_by_name["step"].isEnabled()
    assert w.controller.session is None
    shot(w, "invalid")
    w.editor.undo()
    qtbot.waitUntil(lambda: play.isEnabled(), timeout=3000)
    assert node.error is None


def test_softmax_in_a_hidden_layer_is_marked_there(make_window, qtbot):
    w = make_window()
    w.editor.update_layer(0, activation="softmax")
    qtbot.waitUntil(lambda: not w.actions_by_name["play"].isEnabled(), timeout=3000)
    assert "softmax" in w.diagram_view.diagram.node_for_layer(0).error
    assert w.diagram_view.diagram.node_for_layer(1).error is None


def test_output_width_follows_the_data_set(make_window, qtbot):
    w = make_window()
    choose(w, qtbot, "wine")
    assert w.doc.input_shape == (13,) and w.doc.layer(-1).data["units"] == 3
    choose(w, qtbot, "function")
    assert w.doc.input_shape == (1,)
    last = w.doc.layer(-1).data
    assert last["units"] == 1 and last["activation"] == "identity" and w.doc.loss == "sse"
    qtbot.waitUntil(lambda: w.actions_by_name["play"].isEnabled(), timeout=5000)
    w.editor.undo()                                     # one step back to wine
    assert w.doc.section("dataset")["name"] == "wine" and w.doc.loss == "cross_entropy"


def test_small_layers_show_live_weights_by_sign_and_size(make_window, qtbot):
    w = make_window(toy_project(epochs=500))
    scene = w.diagram_view.diagram
    conn = scene.connections(0)
    assert conn is not None and len(conn.lines) == 2 and len(conn.lines[0]) == 4
    W = w.controller.session.network.parameters()["dense_1.W"].copy()
    for i in range(2):
        for j in range(4):
            pen = conn.lines[i][j].pen()
            assert pen.color() == (POSITIVE if W[i, j] >= 0 else NEGATIVE)
    biggest = abs(W).argmax()
    widths = [[line.pen().widthF() for line in row] for row in conn.lines]
    assert max(max(r) for r in widths) == widths[biggest // 4][biggest % 4]
    w.controller.step_epoch()
    qtbot.waitUntil(lambda: w.controller.is_paused and w.controller.has_progress, timeout=5000)
    after = [[line.pen().widthF() for line in row] for row in conn.lines]
    assert after != widths                              # the trained weights are shown
    shot(w, "toy-weights")


def test_larger_layers_are_blocks_with_shape_params_activation(make_window):
    w = make_window(small_project(hidden=40))
    node = w.diagram_view.diagram.node_for_layer(0)
    assert node.neurons == 0
    assert "out 40" in node.lines and "200 params" in node.lines and "ReLU" in node.lines


def test_zoom_and_fit(make_window, qtbot):
    w = make_window()
    view = w.diagram_view
    view.resetTransform()
    qtbot.keyClick(view, Qt.Key_Equal, Qt.ControlModifier)
    assert view.transform().m11() == pytest.approx(1.25)
    qtbot.keyClick(view, Qt.Key_Minus, Qt.ControlModifier)
    assert view.transform().m11() == pytest.approx(1.0)
    view.fit()
    rect = view.mapFromScene(view.diagram.itemsBoundingRect()).boundingRect()
    assert view.viewport().rect().contains(rect)


def test_weights_follow_training_while_it_runs(make_window, qtbot):
    w = make_window(toy_project(epochs=100000))
    conn = w.diagram_view.diagram.connections(0)
    seen = []
    w.controller.snapshots.connect(lambda b: seen.extend(s for s in b if s.weights is not None))
    initial = [[line.pen().widthF() for line in row] for row in conn.lines]
    w.actions_by_name["play"].trigger()
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5000)
    assert w.controller.state == "running"
    W = seen[-1].weights["dense_1.W"]
    qtbot.waitUntil(lambda: [[line.pen().widthF() for line in row] for row in conn.lines] != initial,
                    timeout=3000)
    w.actions_by_name["pause"].trigger()
    qtbot.waitUntil(lambda: w.controller.is_paused, timeout=3000)
    assert W.shape == (2, 4) and not W.flags.writeable


def test_context_menu_inserts_any_layer_type(make_window):
    w = make_window()
    view = w.diagram_view
    node = view.diagram.node_for_layer(0)
    menu = view.context_menu(node)
    titles = [a.text() for a in menu.actions()]
    assert "Insert After" in titles and "&Delete Layer" in titles
    after = next(a for a in menu.actions() if a.text() == "Insert After").menu()
    next(a for a in after.actions() if a.text() == "Dropout").trigger()
    assert types(w) == ["dense", "dropout", "dense"] and view.diagram.current_layer() == 1
    loss_menu = view.context_menu(view.diagram.loss_node)
    insert = next(a for a in loss_menu.actions() if a.text() == "Insert Layer").menu()
    next(a for a in insert.actions() if a.text() == "Batch normalization").trigger()
    assert types(w) == ["dense", "dropout", "dense", "batchnorm"]
    problems = [p for p in w.doc.problems() if p.layer == 3]
    assert problems and "dense" in problems[0].error.allowed     # the output must be dense


def test_dragging_the_background_pans(make_window, qtbot):
    w = make_window()
    view = w.diagram_view
    for _ in range(4):
        view.zoom(1.25)                                  # larger than the view: scrollable
    bar = view.horizontalScrollBar()
    assert bar.maximum() > 0
    before = bar.value()
    size = view.viewport().size()
    empty = next(QPoint(x, y) for y in range(5, size.height(), 20) for x in range(5, size.width() // 2, 20)
                 if view.itemAt(QPoint(x, y)) is None)   # background, not a node or a line
    drag(qtbot, view, empty, empty + QPoint(120, 0))
    assert bar.value() < before
    assert types(w) == ["dense", "dense"]               # nothing was edited


# --------------------------------------------------------------------------- fitting a short view
def _fitted_view(qtbot, width, height, hidden=10, n_in=4):
    from nnstudio.project.document import ProjectDocument
    from nnstudio.ui.commands import Editor
    from nnstudio.ui.diagram.view import DiagramView
    doc = ProjectDocument(small_project(hidden=hidden, n_in=n_in))
    view = DiagramView(doc, Editor(doc))
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    view.fit()
    return view


def test_a_short_view_packs_the_neuron_columns_so_the_text_stays_readable(qtbot):
    """A 4-10-3 network in a diagram 214 px tall (a 1280×720 window): fitted with its neurons
    24 units apart it was drawn at half size, its text about 5 px tall. The columns are packed
    closer instead, every weight line still drawn, at a readable scale."""
    from nnstudio.ui.diagram.items import NEURON_SPACING
    from nnstudio.ui.diagram.view import READABLE_SCALE
    tall = _fitted_view(qtbot, 690, 600)
    assert tall.diagram.neuron_spacing == NEURON_SPACING            # room enough: as drawn before
    short = _fitted_view(qtbot, 690, 214)
    diagram = short.diagram
    assert 10 <= diagram.neuron_spacing < NEURON_SPACING
    assert short.transform().m11() >= READABLE_SCALE - 0.02
    assert diagram.node_for_layer(0).column and diagram.connections(1) is not None
    # the whole network is in view, weight lines included
    seen = short.mapToScene(short.viewport().rect()).boundingRect()
    assert seen.contains(diagram.itemsBoundingRect().adjusted(4, 4, -4, -4))
    line = diagram.connections(1).lines[9][2].line()              # neuron 10 of the hidden layer
    assert line.y1() == pytest.approx(diagram.node_for_layer(0).neuron_center(9).y())


def test_a_very_short_view_draws_blocks_and_a_zoom_or_a_taller_view_brings_the_columns_back(qtbot):
    view = _fitted_view(qtbot, 380, 120)
    diagram = view.diagram
    assert diagram.neuron_spacing == 0 and not diagram.has_weight_lines()
    assert not any(n.column for n in diagram.ordered_nodes())
    assert view.transform().m11() > 0.5          # with the columns: 120 / 300, text 4 px tall
    view.resize(690, 600)
    qtbot.waitUntil(lambda: diagram.has_weight_lines())            # refitted on the resize
    assert diagram.node_for_layer(0).column
    view.resize(380, 120)
    qtbot.waitUntil(lambda: not diagram.has_weight_lines())
    view.zoom(1.25)                              # by hand: the full drawing, weight lines and all
    assert diagram.has_weight_lines() and diagram.neuron_spacing == 24


def test_the_packing_depends_on_the_view_not_on_what_it_showed_before(qtbot):
    sizes = [(200, 80), (380, 120), (500, 170), (690, 214), (900, 260)]
    fresh = {}
    for size in sizes:
        fresh[size] = _fitted_view(qtbot, *size).diagram.neuron_spacing
    view = _fitted_view(qtbot, 900, 700)
    for size in sizes + sizes[::-1]:
        view.resize(*size)
        view.fit()
        assert view.diagram.neuron_spacing == fresh[size], size


def test_zooming_out_of_a_packed_view_keeps_it_packed(qtbot):
    view = _fitted_view(qtbot, 380, 120)
    height = view.mapFromScene(view.diagram.itemsBoundingRect()).boundingRect().height()
    view.zoom(1 / 1.25)
    assert view.diagram.neuron_spacing == 0
    assert view.mapFromScene(view.diagram.itemsBoundingRect()).boundingRect().height() < height


def test_removing_a_layer_in_a_short_view(qtbot):
    """The removal refits the view while the scene is rebuilt: the links are placed only once
    they match the nodes (an IndexError before)."""
    view = _fitted_view(qtbot, 900, 250)
    editor = view.editor
    assert editor.add_layer(1, "dense", {"type": "dense", "units": 16, "activation": "relu"})
    assert [l.data.get("units") for l in view.doc.layers] == [10, 16, 3]
    packed = view.diagram.neuron_spacing
    assert editor.remove_layer(1)
    assert view.diagram.neuron_spacing > packed          # the shorter network is packed less
    nodes = view.diagram.ordered_nodes()
    assert len(view.diagram._links) == len(nodes) - 1
    first = view.diagram.connections(1).lines[9][0].line()   # hidden neuron 10 → output 1
    assert first.y1() == pytest.approx(nodes[1].neuron_center(9).y())
    assert first.y2() == pytest.approx(nodes[2].neuron_center(0).y())


def test_weight_lines_drawn_again_show_the_current_weights(make_window, qtbot):
    """A view grown taller draws its weight lines again (they were blocks while it was short,
    and took no weights then): they show the weights of now, not of when they were last drawn."""
    w = make_window(toy_project(epochs=500))
    scene = w.diagram_view.diagram
    w.diagram_view.zoom(1 / 1.25)                 # no refitting from here on
    scene.set_neuron_spacing(0.0)                 # as in a very short view
    assert not scene.has_weight_lines()
    w.controller.step_epoch()
    qtbot.waitUntil(lambda: w.controller.is_paused and w.controller.has_progress, timeout=5000)
    scene.set_neuron_spacing(20.0)
    W = w.controller.session.network.parameters()["dense_1.W"]
    widths = np.array([[line.pen().widthF() for line in row] for row in scene.connections(0).lines])
    np.testing.assert_allclose(widths, 0.3 + MAX_PEN * np.abs(W) / np.abs(W).max(), rtol=1e-6)


def test_a_second_step_through_press_while_the_first_waits_records_one_step(make_window, qtbot, monkeypatch):
    """Two presses while a long step keeps the worker from parking (each press waits for it):
    one step is recorded when it parks, not two."""
    from nnstudio.ui.controller import TrainingController
    w = make_window(toy_project(epochs=500))
    calls = []
    enter = w.stepthrough.enter
    w.stepthrough.enter = lambda samples: calls.append(samples) or enter(samples)
    parked = [False]
    monkeypatch.setattr(TrainingController, "network_is_quiet", property(lambda self: parked[0]))
    w.enter_step_mode()
    w.enter_step_mode()
    qtbot.wait(100)
    assert calls == []
    parked[0] = True
    qtbot.waitUntil(lambda: bool(calls), timeout=2000)
    qtbot.wait(200)                 # both waits have looked again by now
    assert len(calls) == 1 and w.stepthrough.active


def test_same_activation_and_initializer_for_every_hidden_layer(make_window, qtbot):
    """CURRICULUM §7 switches a whole 5-layer network between sigmoid and ReLU, normal, Xavier
    and He: one button on a hidden layer instead of an edit per layer; one undo step. A layer
    with batch norm after it keeps its activation in the batch norm; the output layer is
    never changed, and has no button."""
    from nnstudio.project.model import Project
    d = small_project().to_dict()
    d["network"]["layers"] = [
        {"type": "dense", "units": 8, "activation": "sigmoid", "init": "normal", "std": 0.01},
        {"type": "dense", "units": 8, "activation": "relu", "init": "he"},
        {"type": "batchnorm", "activation": "tanh"},
        {"type": "dense", "units": 8, "activation": "relu", "init": "uniform", "scale": 0.3},
        {"type": "dense", "units": 3, "activation": "softmax", "init": "xavier"},
    ]
    w = make_window(Project.from_dict(d))
    click_node(qtbot, w, w.diagram_view.diagram.node_for_layer(4))
    assert w.inspector.same_for_all.isHidden()                      # the output layer
    click_node(qtbot, w, w.diagram_view.diagram.node_for_layer(0))
    assert not w.inspector.same_for_all.isHidden()
    before = [dict(layer.data) for layer in w.doc.layers]
    w.inspector.same_for_all.click()
    layers = [dict(layer.data) for layer in w.doc.layers]
    for i in (1, 3):
        assert (layers[i]["init"], layers[i]["std"]) == ("normal", 0.01)
        assert all(layers[i].get(k) == layers[0].get(k) for k in ("init", "std", "scale"))
    assert layers[1]["activation"] == "identity" and layers[2]["activation"] == "sigmoid"   # via its batch norm
    assert layers[3]["activation"] == "sigmoid"
    assert layers[4] == before[4]                                   # the output layer untouched
    assert w.undo_stack.undoText() == "Same activation and initializer for every hidden layer"
    w.editor.undo()
    assert [dict(layer.data) for layer in w.doc.layers] == before   # one step back
    assert not w.editor.same_for_hidden_layers(4)
    w.editor.redo()
    assert not w.editor.same_for_hidden_layers(0)                  # all alike: no empty undo step
    assert w.undo_stack.count() == 1

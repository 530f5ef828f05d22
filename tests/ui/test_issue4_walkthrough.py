"""Issue 4 walked through as a learner would: the points the other window tests leave out
(every path that picks a data set loads it off the GUI thread, the diagram's colours are
the plots' colours, and the smaller promises of the window)."""

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.data import load
from ui_helpers import small_project, toy_project
from window_fixtures import make_window, shot  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qtbot")


class GatedLoader:
    """A data loader that records its thread; every load after the window's first waits
    for the test to release it."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.threads: list = []
        self.names: list = []

    def __call__(self, entry):
        self.threads.append(threading.current_thread())
        self.names.append(entry.get("name"))
        if len(self.names) > 1:
            self.release.wait(5)
        return load(entry)

    def on_gui_thread(self) -> bool:
        return any(t is threading.main_thread() for t in self.threads)


def event_loop_runs(qtbot, seconds=0.3) -> bool:
    """The GUI thread keeps turning while a load waits (a load on it would hold it for the
    gate's 5 s); a loose count, as the machine is shared."""
    ticks = []
    start = time.monotonic()
    qtbot.waitUntil(lambda: ticks.append(1) or time.monotonic() - start > seconds, timeout=3000)
    return len(ticks) >= 3


def settled(w):
    return not w._sync_pending and not w.loading and not w.controller.is_loading()


def test_choosing_a_data_set_loads_it_in_the_background_as_one_undo_step(make_window, qtbot):
    loader = GatedLoader()
    w = make_window(loader=loader)
    before = w.doc.to_dict()
    count = w.undo_stack.count()
    assert w.dataset_panel.choose("wine")           # returns at once: nothing loaded here
    assert w.dataset_panel.choice.currentData() == "wine"
    qtbot.waitUntil(lambda: w.loading, timeout=3000)
    assert event_loop_runs(qtbot)
    assert not w.actions_by_name["play"].isEnabled()
    assert w.statusBar().currentMessage() == "Loading the data set Wine recognition…"
    loader.release.set()
    qtbot.waitUntil(lambda: settled(w) and w.actions_by_name["play"].isEnabled(), timeout=5000)
    assert not loader.on_gui_thread() and "wine" in loader.names
    assert w.doc.input_shape == (13,) and w.doc.layer(-1).data["units"] == 3
    assert w.undo_stack.count() == count + 1        # the choice and the fitted network
    w.editor.undo()
    assert w.doc.to_dict() == before
    w.editor.redo()
    assert w.doc.input_shape == (13,) and w.doc.section("dataset")["name"] == "wine"


def test_a_data_option_loads_in_the_background_too(make_window, qtbot):
    loader = GatedLoader()
    w = make_window(small_project(dataset="spiral", n_in=2), loader=loader)
    assert w.dataset_panel.set_option("classes", 4)
    assert event_loop_runs(qtbot)
    assert not w.actions_by_name["play"].isEnabled()
    loader.release.set()
    qtbot.waitUntil(lambda: settled(w) and w.actions_by_name["play"].isEnabled(), timeout=5000)
    assert w.doc.layer(-1).data["units"] == 4 and not loader.on_gui_thread()


def test_undoing_a_choice_before_its_data_loaded_fits_nothing(make_window, qtbot):
    loader = GatedLoader()
    w = make_window(loader=loader)
    before = w.doc.to_dict()
    w.dataset_panel.choose("wine")
    qtbot.waitUntil(lambda: w.loading, timeout=3000)
    w.editor.undo()
    loader.release.set()
    qtbot.waitUntil(lambda: settled(w) and w.actions_by_name["play"].isEnabled(), timeout=5000)
    assert w.doc.to_dict() == before and not w.undo_stack.canUndo()


def test_template_open_and_reset_never_load_on_the_gui_thread(make_window, qtbot, tmp_path):
    from nnstudio.ui.templates import templates
    loader = GatedLoader()
    w = make_window(loader=loader)
    assert w.new_from_template(next(p for _t, p in templates() if p.stem == "spiral"))
    assert event_loop_runs(qtbot)
    loader.release.set()
    qtbot.waitUntil(lambda: settled(w) and w.controller.session is not None, timeout=5000)
    w.actions_by_name["reset"].trigger()
    qtbot.waitUntil(lambda: w.controller.session is not None, timeout=5000)
    path = tmp_path / "wine.json"
    w.dataset_panel.choose("wine")
    qtbot.waitUntil(lambda: settled(w) and w.controller.session is not None, timeout=5000)
    assert w.files.save_as(str(path))
    loader.release.clear()
    w.controller.forget_datasets()
    assert w.files.open(str(path))
    assert event_loop_runs(qtbot)
    assert not w.actions_by_name["play"].isEnabled()
    loader.release.set()
    qtbot.waitUntil(lambda: settled(w) and w.actions_by_name["play"].isEnabled(), timeout=5000)
    assert loader.names.count("wine") == 2 and not loader.on_gui_thread()


def test_the_diagram_colours_are_the_plots_colours(make_window, qtbot):
    from PySide6.QtGui import QColor

    from nnstudio.ui.palette import NEGATIVE_COLOR, POSITIVE_COLOR
    w = make_window(toy_project(epochs=50))
    w.editor.add_layer(1, "dropout")
    qtbot.waitUntil(lambda: settled(w) and w.controller.session is not None, timeout=5000)
    scene = w.diagram_view.diagram
    gradients = next(v for v in w.views if type(v).__name__ == "GradientsView")
    gradients.start_run(w.controller.session)
    assert [i for i, _ in gradients.layers] == [0, 2]       # the dropout has no weights
    for (index, _name), curve in zip(gradients.layers, gradients.curves):
        # the same colour (the plot's band is see-through: its alpha differs)
        assert scene.node_for_layer(index).accent.rgb() == curve.opts["pen"].color().rgb()
    accents = [scene.node_for_layer(i).accent.name() for i in range(3)]
    assert len(set(accents)) == 3                           # one colour per layer
    signs = {line.pen().color().name() for row in scene.connections(0).lines for line in row}
    assert signs and signs <= {QColor(POSITIVE_COLOR).name(), QColor(NEGATIVE_COLOR).name()}


def test_the_about_box_cites_every_set_with_its_license(make_window, qtbot):
    w = make_window()
    dialog = w.show_about()
    qtbot.waitExposed(dialog)
    text = dialog.text.toPlainText()
    cited = [d for d in w.datasets if d.source == "shipped" and d.citation]
    assert len(cited) >= 4
    for d in cited:
        assert d.citation in text and d.license in text and d.title in text
    assert "Spiral" in text and "MIT License" in text
    assert "PySide6" in text and "LGPL-3.0" in text and "pyqtgraph" in text
    assert dialog.height() <= 600                           # fits a laptop screen; the text scrolls
    dialog.close()


def test_menus_toolbar_and_standard_shortcuts(make_window):
    from PySide6.QtGui import QKeySequence
    w = make_window()
    menus = [a.text() for a in w.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Run", "&Help"]
    keys = {name: [s.toString() for s in a.shortcuts()] for name, a in w.actions_by_name.items()}
    assert "Ctrl+Z" in keys["undo"] and "Ctrl+Shift+Z" in keys["redo"]
    assert "Ctrl+Q" in keys["quit"] and len(set(keys["quit"])) == len(keys["quit"])
    assert len(set(keys["redo"])) == len(keys["redo"])          # no sequence twice: not ambiguous
    files = {a.text(): [s.toString() for s in a.shortcuts()] for a in w.files.file_actions() if a}
    assert files["&New"] == ["Ctrl+N"] and files["&Save"] == ["Ctrl+S"] and files["&Open…"] == ["Ctrl+O"]
    toolbar = [a.text() for a in w.toolbar.actions() if a.text()]
    assert toolbar[:5] == ["&Play", "P&ause", "&Step", "Step &Epoch", "&Reset"]
    view = w.diagram_view.actions_by_name
    assert QKeySequence("Ctrl+0") in view["fit"].shortcuts() and view["delete"].shortcut() == QKeySequence("Del")


def test_run_keys_are_distinct_and_none_is_a_desktops_context_menu_key(make_window, qtbot):
    """F5 plays, F6 pauses, F9 trains to the epoch's end, F10 one iteration; Shift+F10 opens the
    context menu on Windows and KDE, so no action may claim it."""
    w = make_window()
    keys = {name: [s.toString() for s in a.shortcuts()] for name, a in w.actions_by_name.items()}
    run = {name: keys[name] for name in ("play", "pause", "step", "step_epoch")}
    assert run == {"play": ["F5"], "pause": ["F6"], "step": ["F10"], "step_epoch": ["F9"]}
    every = [k for ks in keys.values() for k in ks]
    assert len(every) == len(set(every)) and "Shift+F10" not in every
    seen = []
    w.actions_by_name["step_epoch"].triggered.connect(lambda: seen.append("step_epoch"))
    w.activateWindow()
    qtbot.keyClick(w, Qt.Key.Key_F9)
    assert seen == ["step_epoch"]
    assert "F9" in w.actions_by_name["step_epoch"].toolTip()


def test_reset_brings_back_the_same_initial_weights(make_window, qtbot):
    w = make_window()
    first = {k: v.copy() for k, v in w.controller.session.network.parameters().items()}
    w.actions_by_name["step_epoch"].trigger()
    qtbot.waitUntil(lambda: w.controller.is_settled and w.controller.has_progress, timeout=5000)
    trained = w.controller.session.network.parameters()
    assert any(not (trained[k] == first[k]).all() for k in first)
    w.actions_by_name["reset"].trigger()
    qtbot.waitUntil(lambda: w.controller.is_settled, timeout=5000)
    again = w.controller.session.network.parameters()
    assert all((again[k] == first[k]).all() for k in first)


def test_the_speed_control_slows_training_for_watching(make_window, qtbot):
    from nnstudio.ui.window_actions import SPEED_DELAYS
    w = make_window()
    slider = w.speed_slider
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key_Home)                       # slowest
    assert w.controller.delay == SPEED_DELAYS[0] >= 1.0
    w.actions_by_name["play"].trigger()
    start = time.monotonic()
    qtbot.waitUntil(lambda: time.monotonic() - start > 0.5, timeout=3000)
    assert w.controller.last_snapshot is None or w.controller.last_snapshot.iteration <= 2
    qtbot.keyClick(slider, Qt.Key_End)                        # full speed, at once
    assert w.controller.delay == 0
    qtbot.waitUntil(lambda: w.controller.last_snapshot is not None
                    and w.controller.last_snapshot.iteration > 50, timeout=5000)
    w.actions_by_name["pause"].trigger()


def test_a_saved_layout_with_other_docks_is_not_restored(make_window, tmp_path):
    from PySide6.QtCore import QSettings
    path = tmp_path / "layout.ini"
    first = make_window(settings_path=path)
    first.docks["training"].hide()
    first.close()
    assert make_window(settings_path=path).docks["training"].isHidden()
    settings = QSettings(str(path), QSettings.IniFormat)
    settings.setValue("window/layout_docks", "dataset,inspector,view_OldView_0")
    settings.sync()
    assert not make_window(settings_path=path).docks["training"].isHidden()


def test_an_output_layer_that_cannot_follow_the_data_set_says_why(make_window, qtbot):
    w = make_window()
    w.editor.add_layer(2, "dropout")
    assert w.dataset_panel.choose("wine")
    qtbot.waitUntil(lambda: settled(w) and not w.actions_by_name["play"].isEnabled(), timeout=5000)
    node = w.diagram_view.diagram.node_for_layer(2)
    assert "output layer" in node.error and "Dense" in node.error
    assert node.isVisible() and "marked in red" in w.statusBar().currentMessage()
    assert "output layer" in w.actions_by_name["play"].toolTip()
    shot(w, "walkthrough-output-not-dense")


def test_a_problems_message_under_its_node_stays_in_view(make_window, qtbot):
    w = make_window(toy_project(epochs=50))
    w.resize(1024, 700)                                     # a short diagram: little room below
    qtbot.waitUntil(lambda: w.diagram_view.height() < 260, timeout=2000)
    w.editor.update_layer(1, units=5)                       # the tallest node, 4 lines below it
    qtbot.waitUntil(lambda: not w.actions_by_name["play"].isEnabled(), timeout=5000)
    node = w.diagram_view.diagram.node_for_layer(1)
    assert node.error
    message = node.childItems()[0]
    assert message.isVisible() and message.toPlainText() == node.error
    view = w.diagram_view
    seen = view.mapFromScene(message.sceneBoundingRect()).boundingRect()
    assert view.viewport().rect().contains(seen)
    shot(w, "walkthrough-invalid")


@pytest.mark.parametrize("size", [(1280, 800), (1024, 700)])
def test_panel_fields_are_never_cut_off_at_the_docks_edge(make_window, qtbot, size):
    w = make_window(show=False, wait_for_run=False)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.controller.session is not None, timeout=5000)
    for name in ("dataset", "training"):
        area = w.docks[name].widget()
        fits = area.viewport().width() >= area.widget().minimumSizeHint().width()
        assert fits or area.horizontalScrollBar().isVisible(), name
        if size == (1280, 800):
            assert fits, f"{name}: the default layout gives the form its width"
    shot(w, f"walkthrough-{size[0]}")


def test_the_default_layout_shows_the_training_form_and_a_dense_layer_whole(make_window, qtbot):
    """At 1280×800 (the first start) the right column gave the empty Layer dock 330 px and cut
    the Optimizer & Training form's last row (Gradients) behind a scroll bar."""
    w = make_window(show=False, wait_for_run=False)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    w.diagram_view.diagram.select_layer(0)                  # a dense layer in the inspector
    QApplication.processEvents()
    for name in ("training", "inspector"):
        area = w.docks[name].widget()
        assert area.viewport().height() >= area.widget().sizeHint().height(), name
        assert not area.verticalScrollBar().isVisible(), name


def test_undoing_a_live_learning_rate_change_keeps_training_without_asking(make_window, qtbot):
    w = make_window()
    # an ordinary edit, before the run; enough epochs that the run cannot end during the test (a
    # run of 1 999 iris epochs ends in 2 s, and once ended it takes no learning rate)
    w.editor.update_section("training", epochs=99999)
    qtbot.waitUntil(lambda: settled(w) and w.controller.project.training.epochs == 99999, timeout=5000)
    w.actions_by_name["play"].trigger()
    qtbot.waitUntil(lambda: w.controller.last_snapshot is not None
                    and w.controller.last_snapshot.iteration > 5, timeout=5000)
    w.training_panel._set_lr(0.02)
    qtbot.waitUntil(lambda: w.controller.last_snapshot.lr == pytest.approx(0.02), timeout=3000)
    w.diagram_view.setFocus()
    qtbot.keyClick(w.diagram_view, Qt.Key_Z, Qt.ControlModifier)
    assert w.doc.section("optimizer")["lr"] == pytest.approx(0.1)
    qtbot.waitUntil(lambda: w.controller.last_snapshot.lr == pytest.approx(0.1), timeout=3000)
    assert w.asked == [] and w.controller.state == "running"     # no reset was offered
    w.editor.redo()
    qtbot.waitUntil(lambda: w.controller.last_snapshot.lr == pytest.approx(0.02), timeout=3000)
    assert w.asked == []
    w.editor.undo()
    w.answer = False
    w.editor.undo()                         # the ordinary edit below it still asks first
    assert w.asked == [True] and w.doc.section("training")["epochs"] == 99999
    w.actions_by_name["pause"].trigger()


def test_activation_and_initializer_change_from_the_keyboard_one_undo_step_each(make_window, qtbot):
    w = make_window()
    w.diagram_view.setFocus()
    qtbot.keyClick(w.diagram_view, Qt.Key_Right)
    qtbot.keyClick(w.diagram_view, Qt.Key_Right)             # input, then the first layer
    assert w.diagram_view.diagram.current_layer() == 0
    count = w.undo_stack.count()
    for name in ("activation", "init"):
        combo = w.inspector.widgets[name]
        before = w.doc.layer(0).data[name]
        combo.setFocus()
        qtbot.keyClick(combo, Qt.Key_Up)
        assert w.doc.layer(0).data[name] == combo.currentData() != before
    assert w.undo_stack.count() == count + 2
    w.editor.undo()
    w.editor.undo()
    assert w.doc.layer(0).data["activation"] == "relu" and w.doc.layer(0).data["init"] == "he"


def test_a_drag_the_learner_declines_to_reset_for_snaps_back(make_window, qtbot):
    from PySide6.QtCore import QPoint
    from test_diagram import drag, node_point, types
    w = make_window()
    w.editor.add_layer(1, "dropout")
    qtbot.waitUntil(lambda: settled(w) and w.controller.session is not None, timeout=5000)
    w.actions_by_name["step"].trigger()
    qtbot.waitUntil(lambda: w.controller.has_progress, timeout=5000)
    w.answer = False
    w.diagram_view.resetTransform()
    scene = w.diagram_view.diagram
    first = scene.node_for_layer(0)
    x0 = first.x()
    count = w.undo_stack.count()
    drag(qtbot, w.diagram_view, node_point(w, first), node_point(w, scene.node_for_layer(1)) + QPoint(60, 0))
    assert w.asked == [True]
    assert types(w) == ["dense", "dropout", "dense"] and w.undo_stack.count() == count
    assert first.x() == x0 and w.controller.has_progress


def test_new_from_template_menu_offers_readable_titles(make_window, qtbot):
    w = make_window()
    titles = [a.text() for a in w.templates_menu.actions()]
    assert "Spiral (three classes)" in titles and "MNIST digits: two-layer network" in titles
    assert all(t[:1].isupper() for t in titles)
    action = next(a for a in w.templates_menu.actions() if a.text() == "Iris flowers")
    w.editor.update_section("training", epochs=7)          # an edit to leave behind
    action.trigger()
    qtbot.waitUntil(lambda: settled(w) and w.controller.session is not None, timeout=5000)
    assert w.doc.section("dataset")["name"] == "iris" and w.undo_stack.count() == 0
    assert w.doc.section("training")["epochs"] != 7


def test_delete_says_why_when_it_cannot_delete(make_window, qtbot):
    w = make_window()
    view, scene = w.diagram_view, w.diagram_view.diagram
    view.setFocus()
    scene.select_node(scene.loss_node)
    qtbot.keyClick(view, Qt.Key_Delete)
    assert "only layers" in w.statusBar().currentMessage() and len(w.doc.layers) == 2
    scene.select_layer(0)
    qtbot.keyClick(view, Qt.Key_Delete)
    assert len(w.doc.layers) == 1
    scene.select_layer(0)
    qtbot.keyClick(view, Qt.Key_Delete)
    assert len(w.doc.layers) == 1 and "output layer" in w.statusBar().currentMessage()


def test_arrows_sit_closer_than_drawn_weights(make_window):
    from nnstudio.ui.diagram.items import NODE_WIDTH
    w = make_window(toy_project(epochs=50))
    w.editor.add_layer(2, "dense", {"type": "dense", "units": 40, "activation": "relu"})
    scene = w.diagram_view.diagram
    xs = [n.x() for n in scene.ordered_nodes()]      # input, 4 units, 2 units, 40 units, loss
    gaps = [b - a - NODE_WIDTH for a, b in zip(xs, xs[1:])]
    assert gaps[0] == gaps[1] > gaps[2] == gaps[3] > 0
    assert scene.connections(0) is not None and scene.connections(2) is None


class _RecordedMenu:
    def __init__(self, shown, node):
        self.shown, self.node = shown, node

    def exec(self, where):
        self.shown.append((self.node, where))


def test_the_menu_key_opens_the_selected_nodes_menu(make_window, qtbot, monkeypatch):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication
    w = make_window()
    view, scene = w.diagram_view, w.diagram_view.diagram
    shown = []
    monkeypatch.setattr(view, "context_menu", lambda node: _RecordedMenu(shown, node))
    scene.select_layer(1)
    far = QPoint(2, 2)                                      # the mouse is elsewhere
    event = QContextMenuEvent(QContextMenuEvent.Keyboard, far, view.viewport().mapToGlobal(far))
    QApplication.sendEvent(view.viewport(), event)
    node, where = shown[-1]
    assert node is scene.node_for_layer(1) and scene.current_layer() == 1
    centre = view.viewport().mapToGlobal(view.mapFromScene(node.sceneBoundingRect().center()))
    assert where == centre
    monkeypatch.undo()
    menu = view.context_menu(scene.node_for_layer(1))
    titles = [a.text() for a in menu.actions()]
    assert "Insert Before" in titles and "Insert After" in titles


def test_ctrl_wheel_zooms_and_fit_brings_the_whole_network_back(make_window, qtbot):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication
    w = make_window()
    view = w.diagram_view
    fitted = view.transform().m11()
    centre = QPointF(view.viewport().rect().center())

    def wheel(steps, modifiers):
        event = QWheelEvent(centre, QPointF(view.viewport().mapToGlobal(centre.toPoint())), QPoint(0, 0),
                            QPoint(0, 120 * steps), Qt.NoButton, modifiers, Qt.NoScrollPhase, False)
        QApplication.sendEvent(view.viewport(), event)

    wheel(1, Qt.ControlModifier)
    assert view.transform().m11() == pytest.approx(fitted * 1.25) and not view.auto_fit
    wheel(-1, Qt.ControlModifier)
    wheel(-1, Qt.ControlModifier)
    assert view.transform().m11() == pytest.approx(fitted / 1.25)
    wheel(1, Qt.NoModifier)                                   # a plain wheel scrolls, no zoom
    assert view.transform().m11() == pytest.approx(fitted / 1.25)
    qtbot.keyClick(view, Qt.Key_0, Qt.ControlModifier)
    assert view.auto_fit and view.transform().m11() == pytest.approx(fitted)


def test_a_fit_arriving_after_an_undo_keeps_the_redo_steps(make_window, qtbot):
    loader = GatedLoader()
    w = make_window(loader=loader)
    w.dataset_panel.choose("wine")                          # loads slowly
    qtbot.waitUntil(lambda: w.loading, timeout=3000)
    w.dataset_panel.choose("iris")                          # loaded already: checked at once
    qtbot.waitUntil(lambda: not w._sync_pending and w.controller.session is not None, timeout=5000)
    assert w.controller.is_loading()                        # wine is still on its way
    original = w.doc.to_dict()["network"]
    w.editor.undo()                                         # back to the wine choice
    loader.release.set()
    qtbot.waitUntil(lambda: settled(w), timeout=5000)
    assert w.undo_stack.canRedo()                           # the iris choice can come back
    # and the network fits wine now that it has loaded (it stayed as before: GUI pass)
    assert w.doc.input_shape == (13,) and w.doc.layer(-1).data["units"] == 3
    qtbot.waitUntil(lambda: w.controller.session is not None, timeout=5000)
    w.editor.redo()
    assert w.doc.section("dataset")["name"] == "iris"
    qtbot.waitUntil(lambda: settled(w) and w.doc.input_shape == (4,), timeout=5000)   # refitted
    w.editor.undo()
    assert w.doc.section("dataset")["name"] == "wine" and w.doc.input_shape == (13,)
    w.editor.undo()                                         # the choice and its fit, one step
    assert w.doc.to_dict()["network"] == original and not w.undo_stack.canUndo()


def test_the_edit_menu_says_what_undo_and_redo_would_do(make_window):
    w = make_window()
    undo, redo = w.actions_by_name["undo"], w.actions_by_name["redo"]
    assert undo.text() == "&Undo" and not undo.isEnabled()
    w.editor.add_layer(1, "dropout")
    assert undo.text() == "&Undo Add Dropout layer" and undo.isEnabled()
    w.editor.undo()
    assert redo.text() == "&Redo Add Dropout layer" and undo.text() == "&Undo"


def test_while_a_layer_is_dragged_the_others_make_room(make_window, qtbot):
    from PySide6.QtCore import QEvent, QPoint, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication
    from test_diagram import node_point, types
    w = make_window()
    w.editor.add_layer(1, "dropout")
    view, scene = w.diagram_view, w.diagram_view.diagram
    view.resetTransform()
    first, second = scene.node_for_layer(0), scene.node_for_layer(1)
    home = first.x(), second.x()
    vp = view.viewport()
    start = node_point(w, first)
    end = node_point(w, second) + QPoint(40, 0)
    qtbot.mousePress(vp, Qt.LeftButton, pos=start)
    for k in range(1, 6):
        p = start + (end - start) * (k / 5)
        QApplication.sendEvent(vp, QMouseEvent(QEvent.MouseMove, QPointF(p), QPointF(vp.mapToGlobal(p)),
                                               Qt.NoButton, Qt.LeftButton, Qt.NoModifier))
    assert first.dragging and types(w) == ["dense", "dropout", "dense"]     # nothing edited yet
    assert first.zValue() > scene.node_for_layer(2).zValue()            # drawn above the others
    assert second.x() < home[1] and second.x() < first.x()   # the dropout moved into the free slot
    assert not any(item.isVisible() for item in scene._link_items())
    shot(w, "walkthrough-dragging")
    qtbot.mouseRelease(vp, Qt.LeftButton, pos=end)
    assert types(w) == ["dropout", "dense", "dense"]
    xs = [n.x() for n in scene.ordered_nodes()]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)        # laid out again in the new order
    assert all(item.isVisible() for item in scene._link_items())


def test_another_data_set_keeps_a_squared_error_classifier_as_the_learner_built_it(make_window, qtbot):
    """CURRICULUM §3 classifies with an identity output and the squared error on one-hot
    targets; choosing another set (or moving a CSV path) turned it into softmax and
    cross-entropy without a word. Now only what the new set needs changes."""
    from nnstudio.project.model import Project
    d = small_project().to_dict()
    d["network"]["layers"][-1].update(activation="identity")
    d["network"]["loss"] = "sse"
    w = make_window(Project.from_dict(d))
    w.dataset_panel.choose("wine")
    qtbot.waitUntil(lambda: settled(w) and w.doc.input_shape == (13,), timeout=5000)
    last = w.doc.layer(-1).data
    assert (last["units"], last["activation"], w.doc.loss) == (3, "identity", "sse")
    # a regression set: softmax (always 1 with one output) and cross-entropy cannot stay
    w2 = make_window(small_project())
    w2.dataset_panel.choose("function")
    qtbot.waitUntil(lambda: settled(w2) and w2.doc.input_shape == (1,), timeout=5000)
    last = w2.doc.layer(-1).data
    assert (last["units"], last["activation"], w2.doc.loss) == (1, "identity", "sse")
    # and back to classes: a regression's squared error is no classifier's choice
    w2.dataset_panel.choose("iris")
    qtbot.waitUntil(lambda: settled(w2) and w2.doc.input_shape == (4,), timeout=5000)
    last = w2.doc.layer(-1).data
    assert (last["units"], last["activation"], w2.doc.loss) == (3, "softmax", "cross_entropy")


@pytest.mark.parametrize("task, expected", [("regression", ("softmax", "cross_entropy")),
                                            ("classification", ("identity", "sse"))])
def test_leaving_a_csv_asks_the_csvs_own_task_whether_its_squared_error_stays(make_window, qtbot, tmp_path,
                                                                               task, expected):
    """A CSV is a regression or a classification by its own "task" option: leaving a CSV
    regression for iris gives softmax and cross-entropy, leaving a CSV classifier that used
    the squared error keeps it (the data set's kind alone cannot tell them apart)."""
    import json
    from nnstudio.project.model import Project
    rng = np.random.default_rng(3)
    rows = ["a,b,y"] + [f"{a:.3f},{b:.3f},{int(a > b)}" for a, b in rng.uniform(-1, 1, (30, 2))]
    (tmp_path / "points.csv").write_text("\n".join(rows) + "\n")
    d = small_project(n_in=2, n_out=1 if task == "regression" else 2).to_dict()
    d["network"]["layers"][-1].update(activation="identity")
    d["network"]["loss"] = "sse"
    d["dataset"] = {"name": "csv", "path": str(tmp_path / "points.csv"), "task": task}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(Project.from_dict(d).to_dict()))
    w = make_window(wait_for_run=False)
    assert w.files.open(str(path))
    qtbot.waitUntil(lambda: settled(w) and w.doc.input_shape == (2,), timeout=10000)
    w.dataset_panel.choose("iris")
    qtbot.waitUntil(lambda: settled(w) and w.doc.input_shape == (4,), timeout=10000)
    last = w.doc.layer(-1).data
    assert (last["units"], last["activation"], w.doc.loss) == (3, *expected)


def test_random_numbers_give_the_curriculums_worked_shapes(make_window, qtbot):
    """CURRICULUM §1: a 5 → 3 layer, and a 3 → 10 → 5 → 4 network forwarded on random inputs.
    The network follows the set's features and classes as they are changed."""
    w = make_window(small_project())
    w.dataset_panel.choose("random")
    qtbot.waitUntil(lambda: settled(w) and w.doc.input_shape == (5,), timeout=5000)
    assert w.doc.layer(-1).data["units"] == 3 and not w.problems
    w.dataset_panel.set_option("features", 3)
    w.dataset_panel.set_option("classes", 4)
    qtbot.waitUntil(lambda: settled(w) and w.doc.input_shape == (3,) and w.doc.layer(-1).data["units"] == 4,
                    timeout=5000)
    assert not w.problems and w.data_error is None

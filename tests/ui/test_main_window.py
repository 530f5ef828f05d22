"""The main window: run controls with the status bar following, the live learning rate,
edits during training, divergence, settings, closing during training, the screenshot."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget

from nnstudio.project.files import load_project
from nnstudio.ui.main_window import LAYOUT_VERSION, about_text
from ui_helpers import small_project
from window_fixtures import dock_content, iteration_text, make_window, shot  # noqa: F401 - fixture

REPO = Path(__file__).resolve().parents[2]


def trigger(window, name):
    action = window.actions_by_name[name]
    assert action.isEnabled(), f"{name} is disabled"
    action.trigger()


def test_play_pause_step_reset_with_the_status_bar(make_window, qtbot):
    w = make_window()
    assert iteration_text(w) == "Iteration 0/10000"
    assert not w.actions_by_name["pause"].isEnabled()
    trigger(w, "step")
    qtbot.waitUntil(lambda: iteration_text(w) == "Iteration 1/10000", timeout=15000)
    assert w.status.state.text() == "Paused" and w.status.epoch.text() == "Epoch 1/2000"
    assert w.status.loss.text().startswith("Loss ")
    trigger(w, "step_epoch")
    qtbot.waitUntil(lambda: iteration_text(w) == "Iteration 5/10000", timeout=15000)
    trigger(w, "play")
    assert w.status.state.text() == "Training"
    assert not w.actions_by_name["play"].isEnabled() and w.actions_by_name["pause"].isEnabled()
    qtbot.waitUntil(lambda: w.controller.last_snapshot.iteration > 30, timeout=15000)
    trigger(w, "pause")
    qtbot.waitUntil(lambda: w.controller.is_settled, timeout=15000)   # parked, all delivered
    n = w.controller.last_snapshot.iteration
    assert iteration_text(w) == f"Iteration {n}/10000"
    assert w.status.progress.value() == n
    assert "samples/s" in w.status.speed.text() and "—" not in w.status.speed.text()
    assert len(w.history.iterations) == n
    shot(w, "paused")
    trigger(w, "reset")
    assert iteration_text(w) == "Iteration 0/10000" and w.status.progress.value() == 0
    assert w.status.state.text() == "Ready" and not w.history.iterations


def test_learning_rate_changes_live_without_a_reset(make_window, qtbot):
    w = make_window(small_project(epochs=100_000))       # still running when the rate arrives
    trigger(w, "play")
    qtbot.waitUntil(lambda: w.controller.last_snapshot is not None
                    and w.controller.last_snapshot.iteration > 10, timeout=5000)
    box = w.training_panel.lr.box
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "0.02")
    qtbot.keyClick(box.lineEdit(), Qt.Key_Return)
    assert w.doc.section("optimizer")["lr"] == pytest.approx(0.02)
    qtbot.waitUntil(lambda: w.controller.last_snapshot.lr == pytest.approx(0.02), timeout=15000)
    assert w.asked == []                                  # no reset was asked for
    assert w.controller.state == "running"
    lrs = [row[4] for row in w.history.iterations]
    assert lrs[0] == pytest.approx(0.1) and lrs[-1] == pytest.approx(0.02)   # the same run
    trigger(w, "pause")


def test_editing_during_training_asks_to_reset(make_window, qtbot):
    w = make_window()
    trigger(w, "step_epoch")
    qtbot.waitUntil(lambda: w.controller.has_progress, timeout=15000)
    w.answer = False
    assert not w.editor.update_layer(0, units=5)
    assert w.asked == [True] and w.doc.layer(0).data["units"] == 8
    assert w.controller.has_progress                     # the run is untouched
    w.answer = True
    assert w.editor.update_layer(0, units=5)
    qtbot.waitUntil(lambda: not w.controller.has_progress, timeout=15000)
    assert w.controller.session.network.parameters()["dense_1.W"].shape == (4, 5)
    assert iteration_text(w) == "Iteration 0/10000"


def test_divergence_shows_a_hint_and_the_window_stays_usable(make_window, qtbot):
    w = make_window(small_project(lr=1e6, hidden=16, epochs=2000))
    trigger(w, "play")
    qtbot.waitUntil(lambda: w.controller.state == "diverged", timeout=15000)
    qtbot.waitUntil(lambda: w.banner.isVisible(), timeout=2000)
    text = w.banner.label.text()
    assert "diverged" in text and "Lower the learning rate" in text
    assert w.status.state.text() == "Diverged"
    shot(w, "diverged")
    assert w.editor.update_layer(0, units=12) and w.asked == []   # nothing to lose: no question
    w.editor.undo()
    w.training_panel.lr.set_value(0.05)
    w.training_panel.lr.edited.emit(0.05)
    trigger(w, "reset")
    assert not w.banner.isVisible()
    trigger(w, "step")
    qtbot.waitUntil(lambda: iteration_text(w) == "Iteration 1/10000", timeout=15000)
    assert w.controller.last_snapshot.lr == pytest.approx(0.05)


def test_a_diverged_runs_banner_goes_with_its_project(make_window, qtbot, tmp_path):
    """Opening another project whose data cannot load kept the old run's 'diverged … lower
    the learning rate' banner (it was hidden only when a run started)."""
    import json
    w = make_window(small_project(lr=1e6, hidden=16, epochs=2000))
    trigger(w, "play")
    qtbot.waitUntil(lambda: w.banner.isVisible(), timeout=15000)
    doc = small_project(n_in=2, n_out=2).to_dict()
    doc["dataset"] = {"name": "csv", "path": "missing.csv"}
    (tmp_path / "p.json").write_text(json.dumps(doc))
    assert w.files.open(str(tmp_path / "p.json"))
    qtbot.waitUntil(lambda: not w.controller.is_loading(), timeout=5000)
    QApplication.processEvents()
    assert not w.banner.isVisible()
    assert w.controller.session is None             # and nothing trains: the data is missing


def test_optimizer_panel_shows_only_the_rule_hyperparameters(make_window):
    w = make_window()
    panel = w.training_panel
    visible = lambda: {k for k, e in panel.hyper.items() if panel.opt_form.isRowVisible(e)}  # noqa: E731
    assert visible() == set()
    panel.optimizer.edited.emit("adam")
    assert w.doc.section("optimizer")["name"] == "adam"
    assert visible() == {"beta1", "beta2", "eps"}
    panel.optimizer.edited.emit("rmsprop")
    assert visible() == {"rho", "eps"}
    panel.batch_mode.edited.emit("online")
    assert w.doc.section("training")["batch_size"] == 1
    panel.batch_mode.edited.emit("full")
    assert w.doc.section("training")["batch_size"] == 100        # iris: 100 training samples
    assert not panel.batch_size.isEnabled()


def test_bad_data_option_is_flagged_and_play_disabled(make_window, qtbot):
    w = make_window()
    w.dataset_panel.set_option("test_ratio", 0.999)
    qtbot.waitUntil(lambda: w.dataset_panel.error.text() != "", timeout=15000)   # loaded, refused
    assert not w.actions_by_name["play"].isEnabled()
    assert "test_ratio" in w.dataset_panel.error.text() or "training samples" in w.dataset_panel.error.text()
    w.editor.undo()
    qtbot.waitUntil(lambda: w.actions_by_name["play"].isEnabled(), timeout=15000)


def test_layout_and_geometry_are_restored(make_window, qtbot, tmp_path):
    path = tmp_path / "layout.ini"
    first = make_window(settings_path=path)
    first.resize(760, 560)             # inside the offscreen screen (800×800)
    first.docks["training"].hide()
    first.speed_slider.setValue(3)
    size = (first.width(), first.height())
    first.close()
    second = make_window(settings_path=path)
    assert not second.docks["training"].isVisible()
    assert second.docks["dataset"].isVisible()
    assert (second.width(), second.height()) == size
    assert second.speed_slider.value() == 3 and second.controller.delay > 0
    second.close()
    settings = QSettings(str(path), QSettings.IniFormat)
    settings.setValue("window/layout_version", LAYOUT_VERSION + 1)   # an older app's layout
    settings.sync()
    third = make_window(settings_path=path)
    assert third.docks["training"].isVisible()          # the foreign layout was ignored


def test_about_lists_citations_and_licenses(make_window):
    w = make_window()
    text = about_text(w.datasets)
    mnist = next(d for d in w.datasets if d.name == "mnist")
    assert mnist.citation[:30] in text.replace("&amp;", "&") and "License" in text


def test_none_refcount_is_stable(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(500):
        widget.setEnabled(True)
    assert sys.getrefcount(None) >= before - 5


CLOSE_WHILE_TRAINING = textwrap.dedent("""
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, {tests!r})
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from nnstudio.ui.main_window import MainWindow
    from ui_helpers import small_project
    w = MainWindow(small_project(epochs=100000), settings=QSettings({ini!r}, QSettings.IniFormat))
    w.files.set_modified = lambda *a: None
    w.show()
    QTimer.singleShot(300, w.controller.play)
    def close():
        assert w.controller.state == "running", w.controller.state
        assert w.controller.last_snapshot is not None
        w.close()
        app.quit()
    QTimer.singleShot(900, close)
    code = app.exec()
    from nnstudio.ui.app import dispose   # as run_app does after its event loop
    dispose(w)
    sys.exit(code)
""")


def test_closing_during_training_ends_the_thread_cleanly(tmp_path):
    script = CLOSE_WHILE_TRAINING.format(tests=str(REPO / "tests" / "ui"), ini=str(tmp_path / "s.ini"))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            cwd=REPO)
    assert "QThread: Destroyed" not in result.stderr
    assert result.returncode == 0, result.stderr[-2000:]


def test_screenshot_command(tmp_path):
    out = tmp_path / "shot.png"
    project = REPO / "resources" / "examples" / "iris.json"
    code = ("import sys; from nnstudio.ui.app import run_app; "
            f"sys.exit(run_app({str(project)!r}, screenshot={str(out)!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "QThread" not in result.stderr


@pytest.mark.parametrize("name, words", [
    ("", "is a folder"), ("missing/shot.png", "does not exist"), ("shot.xyz", "cannot write .xyz pictures"),
    ("shot", "no extension")])
def test_a_screenshot_that_cannot_be_written_is_explained_before_rendering(qapp, tmp_path, name, words):
    """It used to render the window and then say only 'cannot write X'."""
    from nnstudio.ui.app import screenshot_problem
    assert words in screenshot_problem(str(tmp_path / name) if name else str(tmp_path))
    assert screenshot_problem(str(tmp_path / "shot.png")) is None


def test_screenshot_waits_for_the_data_and_shows_every_view(tmp_path):
    """The picture is taken once the (background-loaded) data set is ready."""
    out = tmp_path / "shot.png"
    code = ("import sys, time\n"
            "from nnstudio.ui import controller, main_window as mw\n"
            "slow = controller.DatasetCache.load\n"          # a slow disk: loading outlasts the settle time
            "controller.DatasetCache.load = lambda self, entry: (time.sleep(2.0), slow(self, entry))[1]\n"
            "grab = mw.MainWindow.grab\n"
            "def checked(self, *a):\n"
            "    print('loading', self.controller.is_loading(), 'views', len(self.views),\n"
            "          'step', self.stepthrough is not None, flush=True)\n"
            "    return grab(self, *a)\n"
            "mw.MainWindow.grab = checked\n"
            "from nnstudio.ui.app import run_app\n"
            f"sys.exit(run_app(None, screenshot={str(out)!r}))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "loading False views 11 step True" in result.stdout, result.stdout + result.stderr[-2000:]


def test_step_mode_records_a_step_while_the_worker_is_parked(make_window, qtbot):
    w = make_window()
    assert w.stepthrough is not None, "the step-through view failed to build"
    trigger(w, "step")
    qtbot.waitUntil(lambda: w.controller.is_paused and w.controller.has_progress, timeout=15000)
    trigger(w, "step_mode")
    qtbot.waitUntil(lambda: w.stepthrough.active, timeout=15000)
    assert w.docks["stepthrough"].isVisible()
    assert w.controller.is_paused
    labels = [i for i in w.diagram_view.diagram.items() if hasattr(i, "text") and "×" in str(i.text())]
    assert labels, "the step-through's tensor shapes are shown on the diagram's edges"
    shot(w, "stepthrough")


def test_a_recorded_step_is_counted_everywhere_and_the_run_still_ends_at_100_percent(make_window, qtbot):
    """A teacher's run: one Step, a recorded step, then Play to the end. The recorded step
    updated the weights but was counted nowhere: the status bar stayed at "Iteration 1", the
    run ended at "Iteration 31/30", the loss axis doubled past the end for that one extra
    update, and the views went on showing the weights from before it."""
    w = make_window(small_project(epochs=3))
    total = w.controller.session.trainer.total_iterations
    trigger(w, "step")
    qtbot.waitUntil(lambda: w.controller.is_paused and w.controller.has_progress, timeout=15000)
    trigger(w, "step_mode")
    qtbot.waitUntil(lambda: w.stepthrough.active, timeout=15000)
    assert iteration_text(w) == f"Iteration 2/{total + 1}"
    rows = w.history.iterations
    assert [r[0] for r in rows] == [1, 2] and rows[-1][2] == pytest.approx(w.stepthrough.trace.loss)
    loss_view = next(v for v in w.views if type(v).__name__ == "LossView")
    assert loss_view.raw.last == (2, pytest.approx(w.stepthrough.trace.loss))
    w.stepthrough.leave_button.click()
    trigger(w, "play")
    qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=30000)
    assert iteration_text(w) == f"Iteration {total + 1}/{total + 1}"
    assert w.status.progress.value() == w.status.progress.maximum()
    assert w.status.epoch.text() == "Epoch 3/3"
    assert [r[0] for r in w.history.iterations] == list(range(1, total + 2))
    qtbot.waitUntil(lambda: loss_view.x_axis.extent == total + 1, timeout=5000)   # (drawn at its pace)


def test_step_mode_pressed_while_training_keeps_the_runs_history_in_order(make_window, qtbot):
    """The worker parks between two deliveries of its snapshots: the recorded step's went out
    before them, and the history (and its saved table, and a resumed run) ran backwards."""
    w = make_window(small_project(epochs=2000))
    trigger(w, "play")
    qtbot.waitUntil(lambda: w.controller.has_progress, timeout=15000)
    trigger(w, "step_mode")
    qtbot.waitUntil(lambda: w.stepthrough.active, timeout=15000)
    its = [r[0] for r in w.history.iterations]
    assert its == list(range(1, len(its) + 1)) and len(its) > 1
    assert w.controller.last_snapshot.iteration == its[-1] == w.controller.session.trainer.iteration


def test_step_mode_on_a_small_screen_keeps_the_side_panels_usable(make_window, qtbot):
    """At 1024×768 the step-through used to force the middle column to its full width and squeeze
    the data set panel to 80 px. Now, in step mode, the step-through runs the window's width
    under the diagram; its rows of buttons wrap and its content scrolls rather than growing the
    window; leaving step mode gives the side columns their full height back."""
    w = make_window()
    w.resize(1024, 768)
    side = {k: w.docks[k].width() for k in ("dataset", "inspector", "training")}
    trigger(w, "step")
    qtbot.waitUntil(lambda: w.controller.is_paused and w.controller.has_progress, timeout=15000)
    trigger(w, "step_mode")
    qtbot.waitUntil(lambda: w.stepthrough.active, timeout=15000)
    QApplication.processEvents()
    dock = w.docks["stepthrough"]
    assert dock.isVisible()
    assert w.size().width() <= 1024 and w.size().height() <= 768, "the window grew past the screen"
    for k, width in side.items():
        assert w.docks[k].width() >= min(width, 240), f"the {k} panel was squeezed"
    assert dock.width() >= w.width() - 20, "the step-through spans the window in step mode"
    assert w.corner(Qt.BottomLeftCorner) == Qt.BottomDockWidgetArea
    # the view's own minimum no longer asks for the old 815 px: its button rows wrap
    assert w.stepthrough.minimumSizeHint().width() < 700
    shot(w, "stepthrough-1024")
    w.stepthrough.leave_button.click()
    QApplication.processEvents()
    assert w.corner(Qt.BottomLeftCorner) == Qt.LeftDockWidgetArea
    assert w.corner(Qt.BottomRightCorner) == Qt.RightDockWidgetArea
    assert w.docks["dataset"].geometry().bottom() > dock.geometry().top(), \
        "the data set column runs beside the bottom docks again"


def test_step_mode_fits_a_600_pixel_tall_screen(make_window, qtbot):
    """A netbook's or an old projector's 1024×600: the plot views wait in tabs behind the
    step-through, yet their tallest minimum (the softmax view's) held the bottom area, and
    entering step mode grew the window to 685 px, its bottom off the screen. In step mode they
    may be squeezed; leaving it gives them their minimum back (the plots are not cut)."""
    w = make_window()
    w.resize(1024, 600)
    QApplication.processEvents()
    assert w.height() == 600, "the window fits 600 px outside step mode"
    softmax = next(d for n, d in w.docks.items() if "Softmax" in n)
    own_minimum = softmax.minimumSizeHint().height()
    _in_step_mode(w, qtbot)
    QApplication.processEvents()
    assert w.height() <= 600, f"step mode grew the window to {w.height()} px"
    assert w.minimumSizeHint().height() <= 600
    w.stepthrough.leave_button.click()
    QApplication.processEvents()
    assert softmax.minimumSizeHint().height() == own_minimum
    assert w.height() <= 600


def _in_step_mode(w, qtbot):
    trigger(w, "step")
    qtbot.waitUntil(lambda: w.controller.is_paused and w.controller.has_progress, timeout=15000)
    trigger(w, "step_mode")
    qtbot.waitUntil(lambda: w.stepthrough.active, timeout=15000)
    assert w.corner(Qt.BottomLeftCorner) == Qt.BottomDockWidgetArea


def _normal_corners(w):
    return (w.corner(Qt.BottomLeftCorner), w.corner(Qt.BottomRightCorner)) == \
        (Qt.LeftDockWidgetArea, Qt.RightDockWidgetArea)


@pytest.mark.parametrize("how", ["close the dock", "reset the layout"])
def test_closing_the_step_through_ends_step_mode_and_its_layout(make_window, qtbot, how):
    w = make_window()
    _in_step_mode(w, qtbot)
    if how == "close the dock":
        w.docks["stepthrough"].close()
    else:
        w.reset_layout()
    QApplication.processEvents()
    assert not w.stepthrough.active
    assert _normal_corners(w)
    # raising another tab over the step-through is not closing it
    _in_step_mode(w, qtbot)
    w.docks["stepthrough"].show()
    next(d for n, d in w.docks.items() if n.startswith("view_")).raise_()
    QApplication.processEvents()
    assert w.stepthrough.active


def test_a_window_closed_in_step_mode_starts_with_the_normal_layout(make_window, qtbot, tmp_path):
    settings = tmp_path / "layout.ini"
    w = make_window(settings_path=settings)
    _in_step_mode(w, qtbot)
    w.close()
    QApplication.processEvents()
    again = make_window(settings_path=settings)
    assert not again.stepthrough.active
    assert _normal_corners(again)
    assert again.docks["dataset"].isVisible()


def test_an_edit_that_leaves_no_valid_run_clears_what_showed_the_old_one(make_window, qtbot, tmp_path):
    """The status bar kept 'Iteration 797/10000', the step-through its trace, and a save wrote
    the old run's curves beside the edited network (GUI exploratory pass)."""
    from nnstudio.project.history import ITERATIONS_FILE, METRICS_FILE, run_folder
    w = make_window(small_project(epochs=2000))
    _in_step_mode(w, qtbot)
    assert w.history.iterations
    last = len(w.doc.layers) - 1
    assert w.editor.update_layer(last, units=4)        # iris has 3 classes: no valid run
    qtbot.waitUntil(lambda: w.controller.session is None, timeout=5000)
    QApplication.processEvents()
    assert not w.stepthrough.active
    assert iteration_text(w) == "Iteration 0/0"
    assert not w.history.iterations and not w.history.epochs
    assert w.files.save_as(str(tmp_path / "p.json"))
    for name in (METRICS_FILE, ITERATIONS_FILE):
        assert not (run_folder(tmp_path / "p.json") / name).exists()


def test_f11_while_training_pauses_and_records_a_step(make_window, qtbot):
    """The action was greyed out while training ran, though it pauses first (GUI pass)."""
    w = make_window(small_project(epochs=2000))
    trigger(w, "play")
    qtbot.waitUntil(lambda: w.controller.state == "running" and len(w.history.iterations) > 5, timeout=10000)
    action = w.actions_by_name["step_mode"]
    assert action.isEnabled() and "F11" in [k.toString() for k in action.shortcuts()]
    action.trigger()
    qtbot.waitUntil(lambda: w.stepthrough.active, timeout=15000)
    assert w.controller.is_paused


def test_side_panels_squeezed_by_a_small_window_widen_again_when_it_grows(make_window, qtbot):
    """At 800×600 the data set and optimizer panels shrink below their forms; growing the
    window gave all the new width to the diagram and left them clipped (GUI pass)."""
    w = make_window()
    w.resize(800, 600)
    QApplication.processEvents()
    forms = {k: w.docks[k].widget().form_width() for k in ("dataset", "training")}
    assert any(w.docks[k].width() < forms[k] for k in forms), "not squeezed at 800 px"
    w.resize(1600, 1000)
    qtbot.waitUntil(lambda: all(w.docks[k].width() >= forms[k] for k in forms), timeout=3000)
    # a panel the user narrows (a separator dragged: a mouse button down) stays narrow when
    # the window grows (review)
    w._user_is_dragging = lambda: True
    w.resizeDocks([w.docks["dataset"]], [120], Qt.Horizontal)
    QApplication.processEvents()
    w._user_is_dragging = lambda: False
    narrowed = w.docks["dataset"].width()
    assert narrowed < forms["dataset"]
    w.resize(1640, 1000)
    qtbot.wait(50)
    assert w.docks["dataset"].width() == narrowed


def test_choosing_a_data_set_that_fails_to_load_clears_the_old_run(make_window, qtbot, tmp_path):
    """The run ended when the new set began loading, but its status, history and step stayed
    when the load then failed (review)."""
    from nnstudio.data import load

    def loader(entry):
        if entry.get("name") == "wine":
            raise OSError("the disk is gone")
        return load(entry)
    w = make_window(small_project(epochs=2000), loader=loader)
    _in_step_mode(w, qtbot)
    w.dataset_panel.choose("wine")
    qtbot.waitUntil(lambda: not w.controller.is_loading() and w.data_error is not None, timeout=5000)
    QApplication.processEvents()
    assert not w.stepthrough.active and not w.history.iterations
    assert iteration_text(w) == "Iteration 0/0"


def test_reset_layout_brings_back_the_default_docks(make_window):
    w = make_window()
    w.docks["dataset"].hide()
    w.removeDockWidget(w.docks["training"])
    w.reset_layout()
    assert w.docks["dataset"].isVisible() and w.docks["training"].isVisible()
    assert w.dockWidgetArea(w.docks["training"]) == Qt.RightDockWidgetArea
    assert not w.docks.get("stepthrough") or not w.docks["stepthrough"].isVisible()


def test_epsilon_and_rate_boxes_take_scientific_notation(make_window, qtbot):
    w = make_window()
    w.training_panel.optimizer.edited.emit("adam")
    box = w.training_panel.hyper["eps"].box
    assert box.text() == "1e-08"
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "1e-7")
    qtbot.keyClick(box.lineEdit(), Qt.Key_Return)
    assert w.doc.section("optimizer")["eps"] == pytest.approx(1e-7)
    lr = w.training_panel.lr.box
    lr.lineEdit().selectAll()
    qtbot.keyClicks(lr.lineEdit(), "abc")               # not a number: not taken
    qtbot.keyClick(lr.lineEdit(), Qt.Key_Return)
    assert w.doc.section("optimizer")["lr"] == pytest.approx(0.1)


def test_new_from_template(make_window):
    from nnstudio.ui.templates import templates
    w = make_window()
    found = {path.stem: path for _title, path in templates()}
    assert "spiral" in found, "the example projects are missing"
    assert w.new_from_template(found["spiral"])
    assert w.doc.section("dataset")["name"] == "spiral"
    assert w.files.path is None and not w.files.modified
    assert w.undo_stack.count() == 0


def test_data_loads_in_the_background(make_window, qtbot):
    import threading
    import time as _time

    from nnstudio.data import load
    release = threading.Event()
    threads = []

    def slow_load(entry):
        threads.append(threading.current_thread())
        release.wait(5)
        return load(entry)

    w = make_window(loader=slow_load, wait_for_run=False)
    qtbot.waitUntil(lambda: w.loading, timeout=15000)
    assert "Loading" in w.statusBar().currentMessage()
    assert not w.actions_by_name["play"].isEnabled()
    ticks = []
    start = _time.monotonic()
    qtbot.waitUntil(lambda: ticks.append(1) or _time.monotonic() - start > 0.2, timeout=2000)
    assert len(ticks) > 3                               # the event loop keeps running
    assert threads and threads[0] is not threading.main_thread()
    release.set()
    qtbot.waitUntil(lambda: w.controller.session is not None, timeout=15000)
    assert w.actions_by_name["play"].isEnabled() and not w.loading


def test_optimizer_formula_is_typeset_for_the_chosen_rule(make_window):
    w = make_window()
    w.editor.update_section("optimizer", name="adam")
    w.training_panel.refresh()
    text = w.training_panel.formula.text()
    assert "β<sub>1</sub><sup>t</sup>" in text          # real sub- and superscripts, not raw ₁ᵗ
    assert "<i>m\u0302</i>" in text                        # m̂ kept on one italic letter
    w.editor.update_section("optimizer", name="sgd")
    w.training_panel.refresh()
    assert "η" in w.training_panel.formula.text() and "β" not in w.training_panel.formula.text()


def test_saving_a_finished_run_keeps_its_trained_weights(make_window, qtbot, tmp_path):
    from nnstudio.engine.io import load_npz
    from nnstudio.project.history import WEIGHTS_FILE, run_folder
    w = make_window(small_project(epochs=3))
    trigger(w, "play")
    qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=10000)
    path = tmp_path / "iris.json"
    assert w.files.save_as(str(path))
    saved = load_npz(run_folder(path) / WEIGHTS_FILE)
    trained = w.controller.session.network.state_dict()
    assert set(saved) == set(trained)
    for k in trained:
        assert np.array_equal(saved[k], trained[k]), k


def test_reopening_and_saving_keeps_the_curves_and_training_on_continues_them(make_window, qtbot,
                                                                                tmp_path):
    """Opening a saved run starts a session from its weights; that used to reset the history,
    and the next save deleted the saved curves. Now the history goes on from the saved rows."""
    from nnstudio.project.history import ITERATIONS_FILE, METRICS_FILE, load_history, run_folder
    w = make_window(small_project(epochs=2))
    trigger(w, "play")
    qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=10000)
    path = tmp_path / "p.json"
    assert w.files.save_as(str(path))
    saved = load_history(run_folder(path))
    assert saved.epochs and saved.iterations
    again = make_window(wait_for_run=False)
    assert again.files.open(str(path))
    qtbot.waitUntil(lambda: again.controller.session is not None, timeout=10000)
    QApplication.processEvents()
    assert again.files.save()
    for name in (METRICS_FILE, ITERATIONS_FILE):
        assert (run_folder(path) / name).exists(), f"{name} was deleted"
    kept = load_history(run_folder(path))
    assert kept.epochs == saved.epochs and kept.iterations == saved.iterations
    # training on from the opened weights numbers its updates after the saved ones
    trigger(again, "step")
    qtbot.waitUntil(lambda: len(again.history.iterations) > len(saved.iterations), timeout=10000)
    last_it, last_epoch = saved.iterations[-1][0], saved.iterations[-1][1]
    new_row = again.history.iterations[len(saved.iterations)]
    assert new_row[0] == last_it + 1 and new_row[1] == last_epoch + 1
    assert new_row[5] >= saved.iterations[-1][5]          # seconds go on too


def test_a_project_opened_before_the_last_one_ran_gets_none_of_its_run(make_window, qtbot, tmp_path):
    """Open a saved run, then at once another project: the second must not start from the
    first one's weights nor carry its curves (found in review: saving it wrote p1's metrics)."""
    from nnstudio.project.files import save_project
    from nnstudio.project.history import METRICS_FILE, run_folder
    w = make_window(small_project(epochs=2))
    trigger(w, "play")
    qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=10000)
    assert w.files.save_as(str(tmp_path / "p1.json"))
    save_project(small_project(epochs=2), tmp_path / "p2.json")
    again = make_window(wait_for_run=False)
    assert again.files.open(str(tmp_path / "p1.json"))
    assert again.files.open(str(tmp_path / "p2.json"))          # before p1's run could start
    qtbot.waitUntil(lambda: again.controller.session is not None, timeout=10000)
    QApplication.processEvents()
    assert not again.history.iterations and again.history.start == (0, 0, 0.0)
    assert again.files.save()
    assert not (run_folder(tmp_path / "p2.json") / METRICS_FILE).exists()


def test_saving_while_training_keeps_the_weights_and_training_goes_on(make_window, qtbot, tmp_path):
    """Saving during training wrote no weights.npz when no snapshot had carried a copy (only the
    diagram's weight lines ask for one), and the reopened project started at iteration 0."""
    from nnstudio.engine.io import load_npz
    from nnstudio.project.history import WEIGHTS_FILE, load_history, run_folder
    w = make_window(small_project(epochs=2000))
    w.diagram_view.diagram.has_weight_lines = lambda: False      # as for MNIST's 784 inputs
    trigger(w, "play")
    qtbot.waitUntil(lambda: len(w.history.iterations) > 50, timeout=10000)
    assert w._latest_weights is None and w.controller.state == "running"
    path = tmp_path / "p.json"
    assert w.files.save_as(str(path))
    assert w.controller.state == "running"                        # paused for the copy only
    saved = load_npz(run_folder(path) / WEIGHTS_FILE)
    assert set(saved) == set(w.controller.session.network.state_dict())
    rows = len(load_history(run_folder(path)).iterations)
    again = make_window(wait_for_run=False)
    assert again.files.open(str(path))
    qtbot.waitUntil(lambda: again.controller.session is not None, timeout=10000)
    QApplication.processEvents()
    trigger(again, "step")
    qtbot.waitUntil(lambda: len(again.history.iterations) > rows, timeout=10000)
    assert again.history.iterations[rows][0] > rows - 1              # it goes on from the saved run


def test_saved_curves_reach_as_far_as_the_saved_weights(make_window, qtbot, tmp_path):
    """Snapshots still on their way were missing from the saved history (review: weights at
    iteration 685, curves to 620)."""
    from nnstudio.project.history import load_history, run_folder
    w = make_window(small_project(epochs=2000))
    trigger(w, "play")
    qtbot.waitUntil(lambda: len(w.history.iterations) > 50, timeout=10000)
    session = w.controller.session
    copied = []
    state_dict = session.network.state_dict

    def spy():
        import threading
        if threading.current_thread() is threading.main_thread():   # not the trainer's own copies
            copied.append(session.trainer.iteration)   # the worker is parked for the copy
        return state_dict()
    session.network.state_dict = spy
    assert w.files.save_as(str(tmp_path / "p.json"))
    saved = load_history(run_folder(tmp_path / "p.json")).iterations
    assert copied and saved[-1][0] == copied[-1] == len(saved)


def test_a_run_that_diverges_while_a_save_waits_is_not_restarted(make_window, qtbot, tmp_path):
    """The save resumed it with play(), which built a new run from iteration 0 (review)."""
    import time
    w = make_window(small_project(epochs=2000))
    trigger(w, "play")
    qtbot.waitUntil(lambda: len(w.history.iterations) > 5, timeout=10000)
    session = w.controller.session
    session.network.loss = lambda *a, **k: (time.sleep(0.2), float("nan"))[1]
    assert w.files.save_as(str(tmp_path / "p.json"))
    qtbot.waitUntil(lambda: w.controller.state == "diverged", timeout=5000)
    assert w.controller.session is session and w.banner.isVisible()


def test_saving_during_step_epoch_lets_it_reach_the_epochs_end(make_window, qtbot, tmp_path):
    from nnstudio.project.history import WEIGHTS_FILE, run_folder
    w = make_window(small_project(epochs=2000))
    w.controller.set_delay(0.1)                     # an epoch of iris takes about half a second
    w.controller.step_epoch()
    qtbot.waitUntil(lambda: len(w.history.iterations) >= 1, timeout=5000)
    assert w.files.save_as(str(tmp_path / "p.json"))
    assert (run_folder(tmp_path / "p.json") / WEIGHTS_FILE).exists()
    qtbot.waitUntil(lambda: w.controller.is_settled and bool(w.history.epochs), timeout=10000)
    assert w.history.iterations[-1][0] == w.history.epochs[-1][1]    # it stopped at the epoch's end


def test_a_save_without_weights_removes_an_older_runs_weights(make_window, qtbot, tmp_path):
    from nnstudio.project.history import WEIGHTS_FILE, run_folder
    w = make_window(small_project(epochs=3))
    path = tmp_path / "iris.json"
    run_folder(path).mkdir()
    (run_folder(path) / WEIGHTS_FILE).write_bytes(b"an older run")
    w._weights_for_files = lambda: None            # e.g. saved while the run could not be read
    w.files._get_weights = w._weights_for_files
    assert w.files.save_as(str(path))
    assert not (run_folder(path) / WEIGHTS_FILE).exists()


def test_a_reset_clears_the_last_runs_finished_message(make_window, qtbot):
    w = make_window(small_project(epochs=2))
    trigger(w, "play")
    qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=10000)
    assert w.statusBar().currentMessage() == "Training finished"
    trigger(w, "reset")
    qtbot.waitUntil(lambda: w.controller.state == "idle" or w.controller.state == "paused", timeout=10000)
    assert w.statusBar().currentMessage() == ""


def test_step_mode_after_the_run_finished(make_window, qtbot):
    w = make_window(small_project(epochs=2))
    trigger(w, "play")
    qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=10000)
    trigger(w, "step_mode")
    qtbot.waitUntil(lambda: w.stepthrough.active, timeout=15000)
    assert w.stepthrough.trace is not None


def test_a_projects_relative_data_file_is_found_from_any_working_folder(make_window, qtbot, tmp_path,
                                                                          monkeypatch):
    import json
    folder = tmp_path / "course"
    folder.mkdir()
    rng = np.random.default_rng(0)
    rows = ["x1,x2,label"] + [f"{a:.3f},{b:.3f},{int(a > b)}" for a, b in rng.uniform(-1, 1, (40, 2))]
    (folder / "points.csv").write_text("\n".join(rows) + "\n")
    doc = small_project(n_in=2, n_out=2).to_dict()
    doc["dataset"] = {"name": "csv", "path": "points.csv"}
    (folder / "p.json").write_text(json.dumps(doc))
    monkeypatch.chdir(tmp_path)                      # not the project's folder
    w = make_window(wait_for_run=False)
    assert w.files.open(str(folder / "p.json"))
    qtbot.waitUntil(lambda: w.controller.session is not None
                    and w.controller.session.project.dataset.get("name") == "csv", timeout=10000)
    assert w.data_error is None
    assert len(w.controller.session.dataset.x_train) + len(w.controller.session.dataset.x_test) == 40


def test_every_view_offers_export_on_a_right_click(make_window, qtbot):
    """The README says: right-click a plot to export it as PNG, SVG or CSV (the menu was once
    written but never attached to the window's views)."""
    from PySide6.QtGui import QContextMenuEvent
    from nnstudio.ui.export_dialog import ViewExportMenu
    w = make_window()
    views = [dock_content(d) for n, d in w.docks.items() if n.startswith("view_")]
    assert views
    for view in views:
        assert view.findChild(ViewExportMenu) is not None, view.title()
    loss = views[0]
    next(d for n, d in w.docks.items() if n.startswith("view_")).raise_()
    QApplication.processEvents()
    asked = []
    loss.customContextMenuRequested.disconnect()     # no real (modal) menu in a test
    loss.customContextMenuRequested.connect(asked.append)
    plot = loss.plot
    at = plot.viewport().rect().center()
    QApplication.sendEvent(plot.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at,
                                                              plot.viewport().mapToGlobal(at)))
    assert asked, "the right click on the loss plot reached no menu"
    menu = loss.findChild(ViewExportMenu).menu_at(plot.viewport().mapToGlobal(at))
    assert [a.text() for a in menu.actions()] == ["Export as PNG…", "Export as SVG…", "Export as CSV…"]


def test_export_all_views_draws_the_tabs_behind_and_the_closed_ones(make_window, qtbot, tmp_path):
    """File ▸ Export All Views with the Loss tab in front wrote 184×136 pictures for the tabs
    behind it (a tab not shown has no size of its own and had not drawn), and no CSV for
    them; a closed view the same. Each view is now brought to the front and up to date in
    turn, and the docks are left as they were."""
    from PySide6.QtGui import QImage
    w = make_window()
    w.resize(1280, 800)
    trigger(w, "step_epoch")
    qtbot.waitUntil(lambda: bool(w.controller.is_paused and w.history.epochs), timeout=15000)
    view_docks = {n: d for n, d in w.docks.items() if n.startswith("view_")}
    loss_dock = next(d for n, d in view_docks.items() if "Loss" in n)
    accuracy_dock = next(d for n, d in view_docks.items() if "Accuracy" in n)
    confusion_dock = next(d for n, d in view_docks.items() if "Confusion" in n)
    loss_dock.raise_()
    confusion_dock.close()
    QApplication.processEvents()
    assert not dock_content(accuracy_dock).on_screen()
    assert w.files.export_all_views(tmp_path / "out")
    loss = QImage(str(tmp_path / "out" / "Loss.png"))
    for name in ("Accuracy", "Confusion_matrix"):
        picture = QImage(str(tmp_path / "out" / f"{name}.png"))
        assert picture.width() >= 0.9 * loss.width() and picture.height() >= 0.8 * loss.height(), name
        assert (tmp_path / "out" / f"{name}.csv").exists(), name
    rows = (tmp_path / "out" / "Accuracy.csv").read_text().splitlines()
    assert len(rows) > 1, "the accuracy CSV holds the epoch's point"
    QApplication.processEvents()
    assert dock_content(loss_dock).on_screen() and not dock_content(accuracy_dock).on_screen()
    assert not confusion_dock.isVisible()


def test_a_reopened_run_shows_its_curves_and_goes_on_from_where_it_stopped(make_window, qtbot, tmp_path):
    """Reopening a run saved mid-training showed empty plots ("Press Play to train") and
    "Iteration 0/…", and training on drew the curves again from 0 while the saved history
    went on at the saved count. Now the curves come back, the counts go on, and an edit asks
    before throwing the opened weights away."""
    w = make_window(small_project(epochs=6))
    trigger(w, "step_epoch")
    qtbot.waitUntil(lambda: bool(w.controller.is_paused and w.history.epochs), timeout=10000)
    done = len(w.history.iterations)
    trigger(w, "step")                                   # saved one update into epoch 2
    qtbot.waitUntil(lambda: len(w.history.iterations) > done, timeout=10000)
    path = tmp_path / "p.json"
    assert w.files.save_as(str(path))
    saved_it, saved_epoch = w.history.iterations[-1][:2]
    again = make_window(wait_for_run=False)
    assert again.files.open(str(path))
    qtbot.waitUntil(lambda: again.controller.session is not None, timeout=10000)
    QApplication.processEvents()
    loss = next(v for v in again.views if v.title() == "Loss")
    x, _ = loss.raw.arrays()
    assert len(x) and x[-1] == saved_it, "the saved loss curve is plotted"
    accuracy = next(v for v in again.views if v.title() == "Accuracy")
    assert len(accuracy.test) == len(w.history.epochs)
    assert again.status.iteration.text().startswith(f"Iteration {saved_it}/")
    trigger(again, "step")
    qtbot.waitUntil(lambda: again.controller.has_progress, timeout=10000)
    QApplication.processEvents()
    assert again.controller._last.iteration == saved_it + 1
    assert again.history.iterations[-1][:2] == (saved_it + 1, saved_epoch)   # the unfinished epoch again
    assert again.status.iteration.text().startswith(f"Iteration {saved_it + 1}/")
    fresh = make_window(wait_for_run=False)
    assert fresh.files.open(str(path))
    qtbot.waitUntil(lambda: fresh.controller.session is not None, timeout=10000)
    assert fresh.controller.from_saved_weights and not fresh.controller.has_progress
    fresh.answer = False
    assert not fresh.confirm_reset() and fresh.asked, "an edit asks before dropping the opened weights"


def test_save_as_into_another_folder_keeps_the_relative_data_file_and_the_run(make_window, qtbot, tmp_path):
    """A CSV named "data/xor.csv" beside the project: Save As into another folder kept that
    path, so the window (and the copy, reopened) looked for elsewhere/data/xor.csv."""
    import json
    course = tmp_path.resolve() / "course"
    (course / "data").mkdir(parents=True)
    rng = np.random.default_rng(0)
    rows = ["x1,x2,label"] + [f"{a:.3f},{b:.3f},{int(a * b > 0)}" for a, b in rng.uniform(-1, 1, (40, 2))]
    (course / "data" / "xor.csv").write_text("\n".join(rows) + "\n")
    doc = small_project(n_in=2, n_out=2).to_dict()
    doc["dataset"] = {"name": "csv", "path": "data/xor.csv"}
    (course / "p.json").write_text(json.dumps(doc))
    w = make_window(wait_for_run=False)
    assert w.files.open(str(course / "p.json"))
    qtbot.waitUntil(lambda: w.controller.session is not None
                    and w.controller.session.project.dataset.get("name") == "csv", timeout=10000)
    assert w.dataset_panel.set_option("test_ratio", 0.25)      # an undo step holding the path
    qtbot.waitUntil(lambda: w.controller.session is not None
                    and w.controller.session.project.dataset.get("test_ratio") == 0.25, timeout=10000)
    trigger(w, "step")
    qtbot.waitUntil(lambda: w.controller.last_snapshot is not None, timeout=5000)
    session = w.controller.session

    elsewhere = tmp_path.resolve() / "elsewhere"
    elsewhere.mkdir()
    assert w.files.save_as(str(elsewhere / "copy.json"))
    target = str(course / "data" / "xor.csv")
    assert load_project(elsewhere / "copy.json").dataset["path"] == target
    assert w.doc.section("dataset")["path"] == target
    QApplication.processEvents()
    qtbot.wait(50)
    assert w.data_error is None and w.controller.session is session      # the run goes on
    assert not w.files.modified
    w.editor.undo()                                    # an undo step from before the move
    assert w.doc.section("dataset") == {"name": "csv", "path": target}
    w.editor.redo()
    assert w.doc.section("dataset") == {"name": "csv", "path": target, "test_ratio": 0.25}
    qtbot.waitUntil(lambda: w.controller.session is not None and not w.loading, timeout=10000)
    assert w.data_error is None

    again = make_window(wait_for_run=False)
    assert again.files.open(str(elsewhere / "copy.json"))
    qtbot.waitUntil(lambda: again.controller.session is not None
                    and again.controller.session.project.dataset.get("name") == "csv", timeout=10000)
    assert again.data_error is None


def test_export_all_views_leaves_the_step_through_in_front(make_window, qtbot, tmp_path):
    """In step mode the step-through shares the views' tabs: exporting brought each view to
    the front and left the last one there, hiding the step being walked through (review)."""
    w = make_window()
    _in_step_mode(w, qtbot)
    QApplication.processEvents()
    dock = w.docks["stepthrough"]
    assert not dock.visibleRegion().isEmpty()
    assert w.files.export_all_views(tmp_path / "out")
    QApplication.processEvents()
    assert not dock.visibleRegion().isEmpty(), "the step-through is in front again"


def test_step_mode_gives_the_step_through_most_of_a_tall_window(make_window, qtbot):
    """In a 1400 px tall window the step-through kept the views' ~300 px, its arrays below the
    fold beside an empty diagram: step mode grows it to STEP_SHARE of the height, and leaving
    gives the bottom docks their height back."""
    from nnstudio.ui.main_window import STEP_SHARE
    w = make_window()
    w.resize(1400, 1000)           # (the offscreen screen is 800×800; the window may be larger)
    QApplication.processEvents()
    loss = next(d for n, d in w.docks.items() if "Loss" in n)
    before = loss.height()
    assert before < 0.45 * w.height()
    _in_step_mode(w, qtbot)
    QApplication.processEvents()
    assert w.docks["stepthrough"].height() >= (STEP_SHARE - 0.05) * w.height()
    w.stepthrough.leave_button.click()
    QApplication.processEvents()
    loss.raise_()
    QApplication.processEvents()
    assert abs(loss.height() - before) <= 12


def test_a_training_setting_the_learner_declines_goes_back_in_its_field(make_window, qtbot):
    """"Reset training?" No kept the run but the field went on showing the refused value
    (batch size 27 shown, 20 used): the panel shows the project's values again."""
    w = make_window()
    trigger(w, "step")
    qtbot.waitUntil(lambda: w.controller.has_progress, timeout=10000)
    w.answer = False
    panel = w.training_panel
    before = dict(w.doc.section("training"))
    for editor, value in ((panel.batch_size, 7), (panel.length, 107), (panel.seed, 9)):
        editor.set_value(value)
        editor.edited.emit(value)
        assert w.asked, "the edit asked before dropping the run"
        assert w.doc.section("training") == before
    assert panel.batch_size.value() == before["batch_size"]
    assert panel.length.value() == before["epochs"] and panel.seed.value() == before.get("seed", 0)


def test_leaving_step_mode_brings_back_the_view_that_was_in_front(make_window, qtbot):
    """Leaving step mode left the step-through's empty tab in front, not the plot before it."""
    w = make_window()
    accuracy = next(d for n, d in w.docks.items() if "Accuracy" in n)
    accuracy.raise_()
    QApplication.processEvents()
    _in_step_mode(w, qtbot)
    QApplication.processEvents()
    w.stepthrough.leave_button.click()
    QApplication.processEvents()
    assert not accuracy.visibleRegion().isEmpty()

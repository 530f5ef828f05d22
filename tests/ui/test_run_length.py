"""How long a run is: epochs or iterations (the book's iters_num), in the training panel."""

from test_full_batch import pick
from ui_helpers import small_project
from window_fixtures import make_window, shot  # noqa: F401 - fixture


def test_the_panel_counts_a_run_in_epochs_or_in_iterations(make_window, qtbot):
    w = make_window(small_project(epochs=3))          # iris: 100 training samples, batch 20
    panel = w.training_panel
    qtbot.waitUntil(lambda: w.training_panel.length_note.isVisibleTo(panel), timeout=8000)
    assert panel.length_unit.value() == "epochs" and panel.length.value() == 3
    assert panel.length_note.text() == "15 iterations in all: 5 iterations an epoch (100 samples, batch 20)."

    pick(panel.length_unit, "iterations")              # the same run, counted in updates
    assert w.doc.section("training")["iterations"] == 15 and panel.length.value() == 15
    assert panel.length_note.text() == "3 epochs: 5 iterations an epoch (100 samples, batch 20)."
    panel.length.set_value(12)
    panel.length.edited.emit(12)
    assert w.doc.section("training")["iterations"] == 12 and w.doc.section("training")["epochs"] == 3
    assert panel.length_note.text().startswith("2.40 epochs, the last one ended early")
    shot(w, "run-of-iterations")

    w.actions_by_name["play"].trigger()
    qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=15000)
    last = w.controller.last_snapshot
    assert (last.iteration, last.epoch, last.step_in_epoch) == (12, 3, 2)
    assert last.test_accuracy is not None                           # evaluated where it ended
    assert [row[1] for row in w.history.epochs] == [5, 10, 12]
    assert w.status.iteration.text() == "Iteration 12/12" and w.status.epoch.text() == "Epoch 3/3"

    pick(panel.length_unit, "epochs")                  # back: 12 updates round up to 3 epochs
    training = w.doc.section("training")
    assert "iterations" not in training and training["epochs"] == 3
    w.editor.undo()
    assert w.doc.section("training")["iterations"] == 12 and panel.length_unit.value() == "iterations"


def test_the_note_follows_the_batch_size(make_window, qtbot):
    w = make_window(small_project(epochs=2))
    panel = w.training_panel
    qtbot.waitUntil(lambda: w.training_panel.length_note.isVisibleTo(panel), timeout=8000)
    panel.batch_size.set_value(30)
    panel.batch_size.edited.emit(30)                   # 100 samples: 4 updates, the last of 10
    assert panel.length_note.text() == "8 iterations in all: 4 iterations an epoch (100 samples, batch 30)."

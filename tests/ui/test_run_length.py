"""How long a run is: epochs or iterations (the book's iters_num), in the training panel."""

from nnstudio.ui.run_names import differing, run_settings
from test_full_batch import pick
from ui_helpers import small_project
from window_fixtures import make_window, shot  # noqa: F401 - fixture


def note_shown(w):
    return w.training_panel.length_note.isVisibleTo(w.training_panel)


def test_the_panel_counts_a_run_in_epochs_or_in_iterations(make_window, qtbot):
    w = make_window(small_project(epochs=2))          # iris: 100 training samples, batch 20
    panel = w.training_panel
    qtbot.waitUntil(lambda: note_shown(w), timeout=8000)
    assert panel.length_unit.value() == "epochs" and panel.length.value() == 2
    assert panel.length_note.text() == "10 iterations in all: 5 iterations an epoch (100 samples, batch 20)."

    pick(panel.length_unit, "iterations")              # the same run, counted in updates
    assert w.doc.section("training")["iterations"] == 10 and panel.length.value() == 10
    assert panel.length_note.text() == "2 epochs: 5 iterations an epoch (100 samples, batch 20)."
    panel.length.set_value(12)
    panel.length.edited.emit(12)
    assert w.doc.section("training")["iterations"] == 12 and w.doc.section("training")["epochs"] == 2
    assert panel.length_note.text().startswith("2.40 epochs, the last one ended early")
    pick(panel.length_unit, "iterations")              # picked again: the count stays
    assert w.doc.section("training")["iterations"] == 12 and panel.length.value() == 12
    shot(w, "run-of-iterations")

    w.actions_by_name["play"].trigger()
    qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=15000)
    last = w.controller.last_snapshot
    assert (last.iteration, last.epoch, last.step_in_epoch) == (12, 3, 2)
    assert last.test_accuracy is not None                           # evaluated where it ended
    assert [row[1] for row in w.history.epochs] == [5, 10, 12]
    assert w.status.iteration.text() == "Iteration 12/12" and w.status.epoch.text() == "Epoch 3/3"

    w.answer = False                                   # "Reset training?" No: nothing changes
    pick(panel.length_unit, "epochs")
    assert w.asked and w.doc.section("training")["iterations"] == 12
    assert panel.length_unit.value() == "iterations" and panel.length.value() == 12
    w.answer = True
    pick(panel.length_unit, "epochs")                  # 12 updates round up to 3 whole epochs
    training = w.doc.section("training")
    assert "iterations" not in training and training["epochs"] == 3 and panel.length.value() == 3
    w.editor.undo()
    assert w.doc.section("training")["iterations"] == 12 and panel.length_unit.value() == "iterations"


def test_the_note_names_the_short_and_the_whole_cases(make_window, qtbot):
    w = make_window(small_project(epochs=2))
    panel = w.training_panel
    qtbot.waitUntil(lambda: note_shown(w), timeout=8000)
    panel.batch_size.set_value(30)
    panel.batch_size.edited.emit(30)                   # 100 samples: 4 updates, the last of 10
    assert panel.length_note.text() == "8 iterations in all: 4 iterations an epoch (100 samples, batch 30)."
    assert w.editor.update_section("training", iterations=3)
    assert panel.length_note.text().startswith("part of one epoch: 4 iterations an epoch")
    assert w.editor.update_section("training", iterations=4)
    assert panel.length_note.text().startswith("one epoch: 4 iterations")
    pick(panel.batch_mode, "full")
    assert panel.length_note.text() == "4 epochs: one iteration an epoch (full batch: all 100 samples)."


def test_without_the_sets_size_the_unit_waits(make_window, qtbot):
    """The count in the other unit needs the updates an epoch: unknown, the unit cannot change."""
    w = make_window(small_project(epochs=2))
    panel = w.training_panel
    panel.train_size = lambda: None
    panel.refresh()
    assert not panel.length_unit.isEnabled() and not note_shown(w)
    pick(panel.length_unit, "iterations")              # (as if it were picked)
    assert "iterations" not in w.doc.section("training") and panel.length_unit.value() == "epochs"


def test_runs_are_told_apart_by_their_length_as_counted(qtbot):
    by_epochs = small_project(epochs=3)
    by_iterations = by_epochs.with_length(iterations=12)
    other_epochs = by_iterations.with_(training=by_iterations.training.__class__.from_dict(
        {**by_iterations.training.to_dict(), "epochs": 9}))
    a, b, c = map(run_settings, (by_epochs, by_iterations, other_epochs))
    assert (a["training.length"], b["training.length"]) == ("3 epochs", "12 iterations")
    assert differing(a, b) == ["training.length"] and differing(b, c) == []

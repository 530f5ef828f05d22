"""Full batch stays full batch when the data set changes (the batch size follows the
training-set size in the data-set choice's undo step), and after saving and reopening."""

import threading

from nnstudio.data import load
from nnstudio.project.files import load_project
from ui_helpers import small_project
from window_fixtures import make_window, shot  # noqa: F401 - fixture


def settled(w):
    return not w._sync_pending and not w.loading and not w.controller.is_loading()


def pick(editor, value):
    """Choose an entry of a panel's combo box as a click would."""
    combo = editor.combo if hasattr(editor, "combo") else editor
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def wait_for(w, qtbot, name, batch):
    """Until the set ``name`` is loaded, fitted and its run built."""
    def ready():
        session = w.controller.session
        return (settled(w) and session is not None and session.project.dataset["name"] == name
                and session.project.training.batch_size == batch)
    qtbot.waitUntil(ready, timeout=8000)


def one_step(w, qtbot):
    w.actions_by_name["step"].trigger()
    qtbot.waitUntil(lambda: w.controller.last_snapshot is not None, timeout=5000)
    return w.controller.last_snapshot


def batch(w):
    return w.doc.section("training")["batch_size"]


def test_full_batch_follows_a_larger_data_set_in_one_undo_step(make_window, qtbot):
    w = make_window()                                  # iris, mini-batch 20
    panel = w.training_panel
    pick(panel.batch_mode, "full")
    assert batch(w) == 100 and panel.full_batch      # iris: 100 training samples
    wait_for(w, qtbot, "iris", 100)
    before = w.doc.to_dict()
    count = w.undo_stack.count()

    pick(w.dataset_panel.choice, "digits")
    wait_for(w, qtbot, "digits", 1348)
    n = len(w.controller.session.dataset.x_train)
    assert n == 1348 and batch(w) == n
    assert panel.batch_mode.value() == "full" and panel.batch_size.value() == n
    assert not panel.batch_size.isEnabled()
    assert w.undo_stack.count() == count + 1           # choice, fit and batch size: one step
    shot(w, "full-batch-digits")
    snap = one_step(w, qtbot)
    assert snap.steps_per_epoch == 1 and snap.samples == n

    w.editor.undo()
    assert w.doc.to_dict() == before                   # iris and its 100 again
    wait_for(w, qtbot, "iris", 100)
    assert panel.batch_mode.value() == "full"
    w.editor.redo()
    assert batch(w) == 1348 and w.doc.section("dataset")["name"] == "digits"


def test_full_batch_follows_a_data_option_that_resizes_the_training_set(make_window, qtbot):
    w = make_window(small_project(dataset="digits", n_in=64, n_out=10, batch_size=32))
    pick(w.training_panel.batch_mode, "full")
    assert batch(w) == 1348
    assert w.dataset_panel.set_option("test_ratio", 0.5)   # the network fits already
    qtbot.waitUntil(lambda: settled(w) and w.controller.session is not None
                    and w.controller.session.project.dataset.get("test_ratio") == 0.5, timeout=8000)
    n = len(w.controller.session.dataset.x_train)
    assert n < 1348 and batch(w) == n
    assert w.training_panel.batch_mode.value() == "full"
    assert one_step(w, qtbot).steps_per_epoch == 1
    w.editor.undo()
    assert batch(w) == 1348 and "test_ratio" not in w.doc.section("dataset")


def test_mini_batch_and_online_keep_their_size_on_another_set(make_window, qtbot):
    w = make_window()                                  # iris, mini-batch 20
    pick(w.dataset_panel.choice, "wine")
    wait_for(w, qtbot, "wine", 20)
    assert w.training_panel.batch_mode.value() == "minibatch" and not w.training_panel.full_batch
    pick(w.training_panel.batch_mode, "online")
    pick(w.dataset_panel.choice, "digits")
    wait_for(w, qtbot, "digits", 1)
    assert w.training_panel.batch_mode.value() == "online"


def test_a_saved_full_batch_project_reopens_full_batch_and_keeps_following(make_window, qtbot, tmp_path):
    w = make_window()
    pick(w.dataset_panel.choice, "digits")
    wait_for(w, qtbot, "digits", 20)
    pick(w.training_panel.batch_mode, "full")
    wait_for(w, qtbot, "digits", 1348)
    path = tmp_path / "full.json"
    assert w.files.save_as(path)
    assert load_project(path).training.batch_size == 1348    # the contract: an int
    w.close()

    again = make_window(project=small_project())       # another project first, then open
    assert again.files.open(path)
    wait_for(again, qtbot, "digits", 1348)
    assert again.training_panel.batch_mode.value() == "full" and again.training_panel.full_batch
    assert one_step(again, qtbot).steps_per_epoch == 1
    again.reset_run()
    pick(again.dataset_panel.choice, "iris")
    wait_for(again, qtbot, "iris", 100)
    assert again.training_panel.batch_mode.value() == "full"


def test_the_undo_step_names_the_data_set_by_its_title(make_window, qtbot):
    w = make_window()
    pick(w.dataset_panel.choice, "digits")
    wait_for(w, qtbot, "digits", 20)
    assert w.undo_stack.undoText() == "Use data set Optical digits (8x8)"


def test_full_batch_chosen_while_the_new_set_loads_takes_its_size(make_window, qtbot):
    gate = threading.Event()
    calls = []

    def loader(entry):                       # every load after the window's first waits
        calls.append(entry.get("name"))
        if len(calls) > 1:
            gate.wait(5)
        return load(entry)

    w = make_window(loader=loader)
    pick(w.dataset_panel.choice, "digits")
    qtbot.waitUntil(lambda: w.loading, timeout=3000)
    pick(w.training_panel.batch_mode, "full")   # the size of digits is not known yet
    assert w.training_panel.batch_mode.value() == "full"
    gate.set()
    wait_for(w, qtbot, "digits", 1348)
    assert w.training_panel.batch_mode.value() == "full"


def test_full_batch_chosen_before_the_first_load_ends_takes_the_sets_size(make_window, qtbot):
    gate = threading.Event()

    def loader(entry):
        gate.wait(5)
        return load(entry)

    w = make_window(loader=loader, wait_for_run=False)     # iris, mini-batch 20, still loading
    qtbot.waitUntil(lambda: w.loading, timeout=3000)
    pick(w.training_panel.batch_mode, "full")
    assert batch(w) == 20 and w.training_panel.batch_mode.value() == "full"
    gate.set()
    wait_for(w, qtbot, "iris", 100)
    assert w.training_panel.batch_mode.value() == "full"
    assert one_step(w, qtbot).steps_per_epoch == 1
    w.editor.undo()                                          # the learner's pick: one step
    assert batch(w) == 20


def test_mini_batch_again_restores_the_learners_mini_batch_size(make_window, qtbot):
    """Online → full batch → mini-batch set 99 (iris: 2 updates per epoch), not the 20 the
    learner had (5 updates per epoch)."""
    w = make_window()                                  # iris, mini-batch 20
    panel = w.training_panel
    pick(panel.batch_mode, "online")
    assert batch(w) == 1
    pick(panel.batch_mode, "full")
    assert batch(w) == 100
    pick(panel.batch_mode, "minibatch")
    assert batch(w) == 20 and panel.batch_size.value() == 20 and panel.batch_size.isEnabled()
    wait_for(w, qtbot, "iris", 20)
    assert one_step(w, qtbot).steps_per_epoch == 5
    w.reset_run()
    panel.batch_size.edited.emit(30)                   # the learner's own size, as typed
    assert batch(w) == 30
    pick(panel.batch_mode, "full")
    pick(panel.batch_mode, "minibatch")
    assert batch(w) == 30
    w.editor.undo()                                    # back to full batch, then redo
    assert batch(w) == 100
    w.editor.redo()
    assert batch(w) == 30 and panel.batch_mode.value() == "minibatch"

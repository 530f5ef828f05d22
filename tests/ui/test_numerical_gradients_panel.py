"""The training panel's "Gradients" choice: training by central differences (CURRICULUM §5,
§10) from the window, with what one update costs for the network as drawn."""

from test_full_batch import one_step, pick, settled
from window_fixtures import make_window  # noqa: F401 - fixture


def test_numerical_gradients_from_the_panel_train_and_say_the_cost(make_window, qtbot):
    w = make_window()                                   # iris 4-8-3: 4·8 + 8 + 8·3 + 3 = 67 entries
    panel = w.training_panel
    assert panel.gradients.value() == "backprop"
    assert not panel.train_form.isRowVisible(panel.gradients_cost)
    pick(panel.gradients, "numerical")
    assert w.doc.section("training")["gradients"] == "numerical"
    assert panel.train_form.isRowVisible(panel.gradients_cost)
    assert "67" in panel.gradients_cost.text() and "134" in panel.gradients_cost.text()
    qtbot.waitUntil(lambda: settled(w) and w.controller.session is not None
                    and w.controller.session.project.training.gradients == "numerical", timeout=5000)
    assert w.controller.session.trainer.numerical
    snap = one_step(w, qtbot)
    assert snap.iteration == 1 and snap.grad_norms["dense_1.W"] > 0

    # another hidden width: another count; undo: backprop again, the note hidden
    w.doc.set_layer(0, {**w.doc.layer(0).data, "units": 10})
    assert "83" in panel.gradients_cost.text()          # 4·10 + 10 + 10·3 + 3
    pick(panel.gradients, "backprop")
    assert "gradients" not in w.doc.to_project().training.to_dict()
    assert not panel.train_form.isRowVisible(panel.gradients_cost)


def test_switching_to_adam_names_the_books_learning_rate_and_uses_it_on_a_click(make_window, qtbot):
    """SGD's η = 0.1 kept for Adam makes Adam look broken on MNIST; the panel names the rule's
    usual η (the book's defaults: 0.01, Adam 0.001) when η is more than ten times off, and a
    click on "Use it" sets it. SGD at 0.1 (the book's own MNIST net) gets no hint."""
    w = make_window()
    panel = w.training_panel
    panel._set_lr(0.1)
    assert not panel.opt_form.isRowVisible(panel.lr_hint)
    pick(panel.optimizer, "adam")
    assert panel.opt_form.isRowVisible(panel.lr_hint)
    assert "The book's η for Adam: 0.001." in panel.lr_hint.text() and "Use it" in panel.lr_hint.text()
    panel.lr_hint.linkActivated.emit("use")
    assert w.doc.section("optimizer")["lr"] == 0.001 and panel.lr.value() == 0.001
    assert not panel.opt_form.isRowVisible(panel.lr_hint)
    pick(panel.optimizer, "momentum")                  # 0.001 against 0.01: not far enough
    assert not panel.opt_form.isRowVisible(panel.lr_hint)
    panel._set_lr(0.0001)
    assert panel.opt_form.isRowVisible(panel.lr_hint) and "Momentum: 0.01." in panel.lr_hint.text()

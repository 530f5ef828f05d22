"""TrainingController: the worker thread, batched delivery, commands, reset, divergence."""

import numpy as np
import pytest

from nnstudio.ui.controller import TrainingController
from ui_helpers import small_project


@pytest.fixture
def controller(qtbot):
    # long enough never to end within a test: 5000 epochs (25 000 updates) took 3.3 s, and a
    # GUI thread held up that long in a full run let it finish before a pause could land
    c = TrainingController(small_project(epochs=100_000))
    deliveries = []
    c.snapshots.connect(deliveries.append)
    c.deliveries = deliveries
    yield c
    c.shutdown()


def iterations(c):
    return [s.iteration for batch in c.deliveries for s in batch]


def test_reset_builds_a_parked_run(controller, qtbot):
    started = []
    controller.runStarted.connect(started.append)
    assert controller.reset()
    assert started and started[0] is controller.session
    assert controller.state == "idle" and controller.is_paused


def test_step_runs_exactly_one_iteration(controller, qtbot):
    controller.reset()
    controller.step()
    qtbot.waitUntil(lambda: controller.is_paused and iterations(controller) == [1], timeout=3000)
    controller.step()
    controller.step()
    qtbot.waitUntil(lambda: iterations(controller) == [1, 2, 3], timeout=3000)
    qtbot.waitUntil(lambda: controller.is_paused, timeout=3000)
    assert controller.state == "paused"


def test_step_epoch_runs_to_the_epoch_end(controller, qtbot):
    controller.reset()
    controller.step_epoch()
    qtbot.waitUntil(lambda: iterations(controller)[-1:] == [5], timeout=3000)  # 100 / 20
    last = controller.deliveries[-1][-1]
    assert last.epoch_end and last.test_accuracy is not None and last.paused


def test_play_pause_delivers_every_iteration_in_batches(controller, qtbot):
    controller.reset()
    controller.play()
    assert controller.state == "running"
    qtbot.waitUntil(lambda: len(iterations(controller)) > 40, timeout=5000)
    controller.pause()
    qtbot.waitUntil(lambda: controller.is_paused, timeout=3000)
    qtbot.wait(100)
    seen = iterations(controller)
    assert seen == list(range(1, len(seen) + 1))            # none lost, none repeated
    assert len(controller.deliveries) < len(seen)           # batched, not one per iteration
    qtbot.wait(150)
    assert iterations(controller) == seen                   # really paused


def test_reset_gives_the_same_initial_weights(controller, qtbot):
    controller.reset()
    first = {k: v.copy() for k, v in controller.session.network.parameters().items()}
    controller.step(3)
    qtbot.waitUntil(lambda: controller.is_paused and len(iterations(controller)) == 3, timeout=3000)
    moved = controller.session.network.parameters()
    assert not np.allclose(first["dense_1.W"], moved["dense_1.W"])
    controller.reset()
    again = controller.session.network.parameters()
    for name, value in first.items():
        np.testing.assert_array_equal(value, again[name])


def test_learning_rate_changes_at_the_next_step(controller, qtbot):
    controller.reset()
    controller.step()
    qtbot.waitUntil(lambda: len(iterations(controller)) == 1, timeout=3000)
    controller.set_learning_rate(0.025)
    controller.step()
    qtbot.waitUntil(lambda: len(iterations(controller)) == 2, timeout=3000)
    lrs = [s.lr for batch in controller.deliveries for s in batch]
    assert lrs == [0.1, 0.025]


def test_run_finishes(qtbot):
    c = TrainingController(small_project(epochs=2))
    c.reset()
    with qtbot.waitSignal(c.finished, timeout=5000):
        c.play()
    assert c.state == "finished" and c.last_snapshot.iteration == 10
    c.shutdown()


def test_divergence_is_reported_and_a_new_run_works(qtbot):
    c = TrainingController(small_project(lr=1e6, epochs=50, hidden=16))
    errors = []
    c.diverged.connect(errors.append)
    c.reset()
    c.play()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert c.state == "diverged" and errors[0].iteration >= 1
    c.set_project(small_project(epochs=1))
    with qtbot.waitSignal(c.finished, timeout=5000):
        c.play()
    c.shutdown()


def test_bad_data_options_fail_without_a_crash(qtbot):
    c = TrainingController(small_project().with_(dataset={"name": "iris", "test_ratio": 3}))
    failures = []
    c.failed.connect(failures.append)
    assert not c.reset()
    assert failures and "test_ratio" in str(failures[0])
    assert c.session is None and c.state == "idle"


def test_slow_down_delays_every_iteration(controller, qtbot):
    controller.set_delay(0.05)
    controller.reset()
    controller.play()
    qtbot.wait(400)
    controller.pause()
    assert 2 <= len(iterations(controller)) <= 12


def test_detail_requests_are_merged_until_answered(controller, qtbot):
    controller.reset()
    controller.request_detail(weights=False, activations=True)
    controller.request_detail(weights=True, activations=False)
    controller.step()
    qtbot.waitUntil(lambda: len(iterations(controller)) == 1, timeout=3000)
    snap = controller.deliveries[-1][-1]
    assert snap.weights is not None and snap.activations is not None
    controller.request_detail(weights=True, activations=False)
    controller.step()
    qtbot.waitUntil(lambda: len(iterations(controller)) == 2, timeout=3000)
    snap = controller.deliveries[-1][-1]
    assert snap.weights is not None and snap.activations is None


def test_nothing_starts_after_shutdown(qtbot):
    c = TrainingController(small_project())
    c.shutdown()
    assert not c.reset() and c.session is None
    c.load_dataset_async({"name": "wine"})
    assert not c.is_loading()


def test_cyclic_garbage_is_collected_on_the_gui_thread_only(controller, qtbot):
    """While the worker trains (allocating a snapshot per step), Python's cyclic collector
    runs only on the GUI thread: collected in the worker, a widget that was cyclic garbage
    was destroyed off the GUI thread and Qt deadlocked. Cyclic garbage is still collected."""
    import gc
    import threading
    import weakref

    from PySide6.QtWidgets import QWidget

    threads = []

    def record(phase, info):
        if phase == "start":
            threads.append(threading.get_ident())
    gc.callbacks.append(record)
    try:
        assert not gc.isenabled()                 # automatic collection is off for good
        widget = QWidget()
        widget.cycle = widget                     # a QObject kept alive only by a cycle
        gone = weakref.ref(widget)
        del widget
        controller.reset()
        controller.play()
        qtbot.waitUntil(lambda: len(iterations(controller)) > 2000 and gone() is None, timeout=15000)
        controller.pause()
        # parks after the next step (this wait once ran out because the fixture's run had
        # ended before the pause: it is long enough now)
        qtbot.waitUntil(lambda: controller.is_paused, timeout=10000)
    finally:
        gc.callbacks.remove(record)
    assert threads and set(threads) == {threading.main_thread().ident}


def test_a_pause_that_waits_on_a_long_step_still_gives_the_views_its_weights(controller, qtbot):
    """A Pause pressed during a long epoch-end evaluation parks the worker seconds later; the
    weights and feature-maps views gave up waiting after a second and kept the weights of
    iterations before the pause until the next Play."""
    import threading
    from nnstudio.ui.views.histograms import HistogramsView
    from nnstudio.ui.views.weights import WeightsView
    view = WeightsView(controller)
    view.resize(600, 300)
    view.show()
    qtbot.waitExposed(view)
    hidden = HistogramsView(controller)         # never shown: takes them only when drawn
    taken = []
    hidden.weights_changed = lambda: taken.append(hidden.weights_iteration)
    controller.reset()
    trainer = controller.session.trainer
    release = threading.Event()
    slow = trainer.network.loss

    def long_step(*args, **kwargs):            # as a long evaluation: held until released
        if trainer.iteration >= 2:
            release.wait(5)
        return slow(*args, **kwargs)

    trainer.network.loss = long_step
    controller.play()
    qtbot.waitUntil(lambda: trainer.iteration >= 2, timeout=3000)
    controller.pause()
    qtbot.wait(1500)                           # longer than the views ever waited
    assert controller.state == "paused" and not controller.is_paused
    release.set()
    qtbot.waitUntil(lambda: controller.is_settled, timeout=5000)
    last = controller.session.trainer.iteration
    qtbot.waitUntil(lambda: view.weights_iteration == last, timeout=2000)
    for name, value in controller.session.network.parameters().items():
        np.testing.assert_array_equal(view.weights[name], value)
    # a hidden view does no work for weights nobody sees (the histograms run samples through
    # the network: 0.1 s at every Step of SimpleConvNet); drawn, it takes them
    qtbot.wait(100)
    assert taken == [] and hidden.weights_iteration < last
    hidden._redraw_now()
    assert taken == [last] and hidden.weights_iteration == last
    view.close()
    view.deleteLater()
    hidden.deleteLater()


def test_settled_says_when_the_paused_worker_has_parked(controller, qtbot):
    settled = []
    controller.settled.connect(lambda: settled.append(controller.session.trainer.iteration))
    controller.reset()
    controller.step(2)
    qtbot.waitUntil(lambda: bool(settled), timeout=3000)
    assert settled == [2] and controller.is_settled
    controller.play()
    qtbot.waitUntil(lambda: controller.session.trainer.iteration > 10, timeout=3000)
    assert settled == [2]                      # not while running
    controller.pause()
    qtbot.waitUntil(lambda: len(settled) == 2, timeout=3000)
    assert settled[1] == controller.session.trainer.iteration


def test_weights_read_while_stepping_to_an_epoch_end_do_not_settle(controller, qtbot):
    """weights_now parks a worker that steps to an epoch's end only for its copy: the views
    must not take that moment for the paused network holding still."""
    settled = []
    controller.settled.connect(lambda: settled.append(controller.session.trainer.iteration))
    controller.reset()
    controller.set_delay(0.05)
    controller.step_epoch()
    qtbot.waitUntil(lambda: controller.session.trainer.iteration >= 1, timeout=3000)
    assert controller.weights_now(2.0) is not None
    assert settled == []
    qtbot.waitUntil(lambda: bool(settled), timeout=5000)
    assert settled == [5]                     # 100 samples, batches of 20: the epoch's end

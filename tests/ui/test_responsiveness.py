"""Heavy view work is paced: one step per event-loop pass, never all at once (issues 4 and 5)."""


import numpy as np
import pytest

from nnstudio.engine.analysis import confusion_matrix
from nnstudio.project.mirror import NetworkMirror
from nnstudio.ui.views import confusion as confusion_module
from nnstudio.ui.views.confusion import ConfusionView
from nnstudio.ui.views.histograms import HistogramsView
from nnstudio.ui.views.pacing import WorkQueue, run_all_work, work_queue
from nnstudio.ui.views.softmax import SoftmaxView
from nnstudio.ui.views.weights import WeightsView

from test_views_support import FakeController, iris_session, scaled_weights, shown, snapshot, tabbed_docks


def test_the_queue_runs_one_step_per_turn_in_order(qtbot):
    q = WorkQueue()
    seen = []
    q.queue("a", 1, lambda: seen.append(("a", q.pending())))
    q.queue("b", 1, lambda: seen.append(("b", q.pending())))
    q.queue("a", 2, lambda: seen.append(("a2", q.pending())))
    q.queue("b", 1, lambda: seen.append(("b-latest", q.pending())))   # replaces b's step in place
    assert seen == []                                                  # nothing runs inside queue()
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=2000)
    # each step ran alone: the others were still waiting when it ran
    assert seen == [("a", 2), ("b-latest", 1), ("a2", 0)]


def test_a_chunked_step_goes_to_the_back_and_drop_forgets_it(qtbot):
    q = WorkQueue()
    order = []
    chunks = iter(range(3))

    def chunked():
        k = next(chunks)
        order.append(f"chunk{k}")
        return k < 2                      # more to do after chunks 0 and 1

    q.queue("long", "job", chunked)
    q.queue("short", "job", lambda: order.append("short"))
    qtbot.waitUntil(lambda: q.pending() == 0, timeout=2000)
    assert order == ["chunk0", "short", "chunk1", "chunk2"]
    q.queue("x", 1, lambda: order.append("dropped"))
    q.drop("x")
    qtbot.wait(20)
    assert "dropped" not in order and q.pending() == 0


def test_new_weights_do_not_redraw_several_heavy_views_in_one_pass(qtbot):
    ctl = FakeController()
    views = [shown(qtbot, cls(ctl), size=(640, 420)) for cls in (WeightsView, HistogramsView, SoftmaxView)]
    session = iris_session()
    ctl.start(session)
    run_all_work()
    drawn = []
    for v in views:
        original = v.redraw
        v.redraw = lambda v=v, original=original: (drawn.append(type(v).__name__), original())
        v._last_redraw = 0.0              # the throttle lets each of them draw now
    ctl.snapshots.emit((snapshot(3, 1.0, weights=scaled_weights(session, 0.5)),))
    assert drawn == []                    # the delivery itself draws none of them
    queue = work_queue()
    queue._run_one()
    assert len(drawn) == 1                # one heavy redraw per turn
    run_all_work()
    assert sorted(drawn) == sorted(type(v).__name__ for v in views)


def test_a_hidden_heavy_view_waits_until_shown(qtbot):
    ctl = FakeController()
    view = shown(qtbot, WeightsView(ctl), size=(640, 420))
    session = iris_session()
    ctl.start(session)
    run_all_work()
    view._last_redraw = 0.0
    ctl.snapshots.emit((snapshot(3, 1.0, weights=scaled_weights(session, -1.0)),))
    view.hide()
    run_all_work()                        # its turn came while hidden: nothing drawn
    assert view._dirty
    view.show()
    qtbot.waitExposed(view)
    assert not view._dirty
    W = np.asarray(scaled_weights(session, -1.0)["dense_1.W"])
    assert np.allclose(view.matrix, W)    # iris: the first layer's W drawn as a matrix


def chunked_confusion(qtbot, monkeypatch, *, visible=True):
    """A confusion view scoring in chunks of 7 samples, on a started iris run; shown at
    640×420, or sized so but hidden (a tab behind another)."""
    monkeypatch.setattr(confusion_module, "SCORE_CHUNK", 7)
    ctl = FakeController()
    view = ConfusionView(ctl)
    if visible:
        shown(qtbot, view, size=(640, 420))
    else:
        qtbot.addWidget(view)
        view.resize(640, 420)
    session = iris_session()
    ctl.start(session)
    return ctl, view, session


def test_confusion_scores_a_large_test_set_in_chunks_with_the_same_result(qtbot, monkeypatch):
    ctl, view, session = chunked_confusion(qtbot, monkeypatch)
    run_all_work()                        # the new run's first (empty) picture
    ds = session.dataset
    assert ds.n_test > 14                 # at least three chunks
    w = scaled_weights(session, -2.0)
    ctl.snapshots.emit((snapshot(5, 1.0, steps=5, epoch=1, weights=w),))
    assert 1 not in view.matrices         # the epoch end itself scores nothing
    chunks = -(-ds.n_test // 7)
    queue = work_queue()
    for _ in range(chunks - 1):
        queue._run_one()
        assert 1 not in view.matrices
    queue._run_one()
    mirror = NetworkMirror(session.project)
    mirror.load(w)
    expected = confusion_matrix(ds.y_test, mirror.predict(ds.x_test).argmax(1), 3)
    counts, iteration = view.matrices[1]
    assert np.array_equal(counts, expected) and iteration == 5
    # the last chunk asks for a redraw (after the view's throttle interval, at its turn)
    qtbot.waitUntil(lambda: view.shown is not None, timeout=3000)
    assert np.array_equal(view.shown, expected)


def test_a_new_epoch_waits_for_the_scoring_of_the_one_before(qtbot, monkeypatch):
    ctl, view, session = chunked_confusion(qtbot, monkeypatch)
    predictions = []
    real_predict = view.mirror.predict
    monkeypatch.setattr(view.mirror, "predict", lambda x: predictions.append(len(x)) or real_predict(x))
    w1, w2 = scaled_weights(session, 1.0), scaled_weights(session, -2.0)
    ctl.snapshots.emit((snapshot(5, 1.0, steps=5, epoch=1, weights=w1),
                        snapshot(10, 1.0, steps=5, epoch=2, weights=w2)))
    # the epoch end scores nothing in its own pass (one chunk per turn of the queue, later)
    assert predictions == [] and view.matrices == {} and 2 in view._deferred
    qtbot.waitUntil(lambda: len(view.matrices) == 2 and not work_queue().pending())
    assert max(predictions) <= 7
    ds = session.dataset
    for epoch, w in ((1, w1), (2, w2)):
        m = NetworkMirror(session.project)
        m.load(w)
        assert np.array_equal(view.matrices[epoch][0], confusion_matrix(ds.y_test, m.predict(ds.x_test).argmax(1), 3))


def test_weights_waiting_to_be_scored_stay_within_their_memory_bound(qtbot, monkeypatch):
    ctl, view, session = chunked_confusion(qtbot, monkeypatch, visible=False)   # hidden all along
    w = scaled_weights(session, 1.0)
    one = sum(a.nbytes for a in w.values())
    monkeypatch.setattr(confusion_module, "DEFERRED_BYTES", 10 * one)
    ctl.snapshots.emit(tuple(snapshot(5 * e, 1.0, steps=5, epoch=e, weights=w) for e in range(1, 41)))
    kept = sorted(view._deferred)
    assert 5 <= len(kept) <= 10 and kept[-1] == 40          # the newest stays
    assert kept[0] <= 8                                      # thinned evenly, not only the oldest dropped


def test_a_hidden_confusion_view_scores_nothing_until_shown_then_every_epoch(qtbot, monkeypatch):
    ctl, view, session = chunked_confusion(qtbot, monkeypatch, visible=False)   # a tab behind another
    predictions = []
    real_predict = view.mirror.predict
    monkeypatch.setattr(view.mirror, "predict", lambda x: predictions.append(len(x)) or real_predict(x))
    weights = {1: scaled_weights(session, 1.0), 2: scaled_weights(session, -2.0), 3: scaled_weights(session, 0.3)}
    ctl.snapshots.emit(tuple(snapshot(5 * e, 1.0, steps=5, epoch=e, weights=w) for e, w in weights.items()))
    run_all_work()
    assert predictions == [] and view.matrices == {}
    stored = []
    real_store = view._store
    monkeypatch.setattr(view, "_store", lambda epoch, *a: stored.append(epoch) or real_store(epoch, *a))
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: len(view.matrices) == 3 and not work_queue().pending())
    assert stored == [3, 1, 2]          # the newest first: what is raised to be looked at
    ds = session.dataset
    for epoch, w in weights.items():
        m = NetworkMirror(session.project)
        m.load(w)
        assert np.array_equal(view.matrices[epoch][0], confusion_matrix(ds.y_test, m.predict(ds.x_test).argmax(1), 3))
        assert view.matrices[epoch][1] == 5 * epoch
    assert max(predictions) <= 7 and view.slider.value() == 3
    # the newest epoch's matrix is drawn (after the redraw throttle)
    qtbot.waitUntil(lambda: view.shown is not None and np.array_equal(view.shown, view.matrices[3][0]))


def test_a_new_run_forgets_unfinished_scoring(qtbot, monkeypatch):
    ctl, view, session = chunked_confusion(qtbot, monkeypatch)
    ctl.snapshots.emit((snapshot(5, 1.0, steps=5, epoch=1, weights=scaled_weights(session, 1.0)),))
    assert work_queue().is_queued(view, "score")
    ctl.start(iris_session())
    assert not work_queue().is_queued(view, "score")
    run_all_work()
    assert view.matrices == {}


@pytest.fixture(autouse=True)
def empty_queue():
    yield
    run_all_work()


def test_a_dock_behind_another_tab_does_not_draw_until_raised(qtbot):
    from nnstudio.ui.views.loss import LossView

    ctl = FakeController()
    weights, loss = WeightsView(ctl), LossView(ctl)
    win, docks = tabbed_docks(qtbot, (weights, loss))   # the loss tab in front; weights behind it
    qtbot.wait(30)
    session = iris_session()
    ctl.start(session)
    run_all_work()
    assert weights.isVisible()            # Qt still calls the tab behind "visible"...
    assert not weights.on_screen()        # ...but it is not on the screen
    w = scaled_weights(session, -1.0)
    weights._last_redraw = 0.0
    ctl.snapshots.emit((snapshot(3, 1.0, weights=w),))
    run_all_work()
    assert weights._dirty and weights.matrix is None     # nothing drawn behind the tab
    assert ctl.detail_requests == 0                      # nor weights asked for
    docks[0].raise_()
    qtbot.waitUntil(lambda: not weights._dirty and weights.matrix is not None, timeout=3000)
    assert np.allclose(weights.matrix, np.asarray(w["dense_1.W"]))

"""All nine views on the real TrainingController: a short real training run end to end."""

import numpy as np
import pytest

from nnstudio.engine.analysis import confusion_matrix
from nnstudio.project.mirror import NetworkMirror
from nnstudio.ui.controller import TrainingController
from nnstudio.ui.views import create_views

from test_views_support import dense, project


def by_type(views):
    return {type(v).__name__: v for v in views}


@pytest.fixture
def live(qtbot):
    made = []

    def make(proj):
        c = TrainingController(proj)
        views = create_views(c)
        for v in views:
            qtbot.addWidget(v)
            v.resize(640, 420)
            v.show()
        made.append(c)
        return c, by_type(views)

    yield make
    for c in made:
        c.shutdown()


def run_to_end(qtbot, c):
    assert c.reset()
    with qtbot.waitSignal(c.finished, timeout=20000):
        c.play()
    qtbot.wait(50)


def test_iris_run_reaches_every_view(qtbot, live, tmp_path):
    net = {"input_shape": [4], "layers": [dense(8), dense(3, "softmax", "xavier")], "loss": "cross_entropy"}
    c, v = live(project(net, {"name": "iris", "normalize": "standardize"}, epochs=4))
    run_to_end(qtbot, c)
    total = c.last_snapshot.iteration
    assert total == 4 * 5                                   # 100 samples, batch 20
    loss = v["LossView"]
    loss._redraw_now()
    x, _ = loss.raw_curve.getOriginalDataset()
    assert x.tolist() == list(range(1, total + 1))          # every iteration, none lost
    acc = v["AccuracyView"]
    acc._redraw_now()
    assert acc.train_curve.getOriginalDataset()[0].tolist() == [1, 2, 3, 4]
    # the finished run's weights reach the inference views, and they agree with the network
    session = c.session
    conf = v["ConfusionView"]
    # a run this fast ends several epochs between two deliveries: an epoch gets its matrix
    # only from weights taken at or after its end, and the last one always gets one
    assert 4 in conf.matrices
    assert all(it >= epoch * 5 for epoch, (_, it) in conf.matrices.items())
    counts, iteration = conf.matrices[4]
    assert iteration == total
    mirror = NetworkMirror(session.project)
    mirror.load(session.network.state_dict())
    ds = session.dataset
    assert np.array_equal(counts, confusion_matrix(ds.y_test, mirror.predict(ds.x_test).argmax(1), 3))
    acc_test = c.last_snapshot.test_accuracy
    assert np.trace(counts) / counts.sum() == pytest.approx(acc_test)
    soft = v["SoftmaxView"]
    soft._redraw_now()
    assert np.asarray(soft.prob_bars.opts["height"]).sum() == pytest.approx(1.0)
    for name, view in v.items():
        view._redraw_now()
        assert not view.grab().isNull()
        view.grab().save(str(tmp_path / f"{name}.png"))


def test_function_fit_run_draws_the_fitted_curve(qtbot, live):
    net = {"input_shape": [1], "layers": [dense(10, "sigmoid", "uniform"), dense(1, "identity", "uniform")],
           "loss": "sse"}
    c, v = live(project(net, {"name": "function", "preset": "square"}, lr=0.03, epochs=5))
    run_to_end(qtbot, c)
    fit = v["DataFitView"]
    fit._redraw_now()
    assert fit.mode == "function" and fit.weights_iteration == c.last_snapshot.iteration
    xs, ys = fit.output_curve.getOriginalDataset()
    mirror = NetworkMirror(c.session.project)
    mirror.load(c.session.network.state_dict())
    assert np.allclose(ys, mirror.predict(xs[:, None])[:, 0], atol=1e-5)
    assert "regression" in v["AccuracyView"].message.toPlainText()

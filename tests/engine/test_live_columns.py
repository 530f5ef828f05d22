"""A first dense layer leaves out the input columns that are zero in the whole batch at its two
edges (products.live_columns, MNIST's blank border): the same outputs, gradients, norms and
updates as the whole product, the left-out rows of ∂E/∂W exact zeros and their weights untouched."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.gradcheck import gradient_check
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine import products
from nnstudio.engine.products import TRIM_MAX_ROWS, TRIM_MIN_COLUMNS, TRIM_MIN_INPUTS, TRIM_MIN_UNITS, Factors, live_columns
from nnstudio.engine.spec import OptimizerSpec, TrainingSpec
from nnstudio.engine.trainer import Trainer

from engine_helpers import dense, labels, make_net, rng

N_IN = 200
WIDE = TRIM_MIN_UNITS       # a layer wide enough for the search to pay


@pytest.fixture(autouse=True)
def narrow_layers_trim(monkeypatch):
    """The layers below have 64 units, to keep the gradient check small: let them trim too."""
    monkeypatch.setattr(products, "TRIM_MIN_UNITS", 64)


def bordered(n, left=40, right=50, seed=3, dtype=np.float64) -> np.ndarray:
    """A batch whose first `left` and last `right` columns are zero in every sample, with
    scattered zeros inside (as MNIST's digits)."""
    x = rng(seed).random((n, N_IN))
    x[rng(seed + 1).random((n, N_IN)) < 0.3] = 0
    x[:, :left] = 0
    x[:, N_IN - right:] = 0
    x[:, left] = 0.5                       # the edges of the live range are not zero somewhere
    x[:, N_IN - right - 1] = 0.25
    return x.astype(dtype)


def net(dtype="float64", **kw):
    # 200×64 = 12 800 weights: deferred at small batches (≥ Dense.FACTORED_NORM_MIN)
    return make_net([dense(64), dense(5, "softmax")], (N_IN,), "cross_entropy", dtype=dtype, **kw)


def twins(dtype="float64", **kw):
    """Two networks with the same weights, the second multiplying every column."""
    trimmed, whole = net(dtype, **kw), net(dtype, **kw)
    assert trimmed.layers[0].data_input
    whole.layers[0].data_input = False
    return trimmed, whole


# --------------------------------------------------------------------------- the range
def test_the_live_range_runs_from_the_first_to_the_last_column_not_zero_in_some_sample():
    x = np.zeros((3, 100))
    x[0, 20] = 1.0
    x[2, 70] = -2.0
    x[1, 45] = 3.0
    assert live_columns(x, WIDE) == slice(20, 71)
    np.testing.assert_array_equal(x[:, 20:71] @ np.arange(51.0), x @ np.r_[np.zeros(20), np.arange(51.0), np.zeros(29)])


def test_too_few_zero_edge_columns_leave_the_product_whole():
    x = np.ones((4, 300))
    x[:, :TRIM_MIN_COLUMNS - 2] = 0            # one column short of paying
    x[:, -1] = 0
    assert live_columns(x, WIDE) is None
    x[:, -2] = 0
    assert live_columns(x, WIDE) == slice(TRIM_MIN_COLUMNS - 2, 298)


def test_the_search_is_left_where_it_does_not_pay(monkeypatch):
    monkeypatch.undo()
    x = bordered(10)
    assert live_columns(x, TRIM_MIN_UNITS) == slice(40, N_IN - 50)
    assert live_columns(x, TRIM_MIN_UNITS - 1) is None                  # a narrow layer
    assert live_columns(bordered(TRIM_MAX_ROWS), TRIM_MIN_UNITS) == slice(40, N_IN - 50)
    assert live_columns(bordered(TRIM_MAX_ROWS + 1), TRIM_MIN_UNITS) is None    # a large batch
    # narrow inputs (iris, 2-D toys) are not searched
    assert live_columns(np.zeros((10, TRIM_MIN_INPUTS - 1)), WIDE) is None
    assert live_columns(np.zeros((10, TRIM_MIN_INPUTS)), WIDE) == slice(0, 1)


def test_a_batch_of_zeros_keeps_one_column_and_nan_counts_as_data():
    assert live_columns(np.zeros((5, 100)), WIDE) == slice(0, 1)
    x = np.zeros((2, 100))
    x[1, 80] = np.nan
    assert live_columns(x, WIDE) == slice(80, 81)


def test_factors_multiplied_out_fill_their_rows_and_leave_zeros_elsewhere():
    a, b = rng(1).random((3, 4)), rng(2).random((3, 5))
    g = Factors(a, b, slice(2, 6)).multiplied((9, 5))
    np.testing.assert_array_equal(g[2:6], a.T @ b)
    assert not g[:2].any() and not g[6:].any()
    np.testing.assert_array_equal(Factors(a, b).multiplied((4, 5)), a.T @ b)


# --------------------------------------------------------------------------- the layer
@pytest.mark.parametrize("n", [1, 7, 40, TRIM_MAX_ROWS])
@pytest.mark.parametrize("defer", [False, True])
def test_trimmed_passes_give_the_whole_products_results(n, defer):
    x, t = bordered(n), labels(n, 5)
    trimmed, whole = twins()
    loss = trimmed.loss(x, t)
    assert trimmed.layers[0].x_rows == slice(40, N_IN - 50)
    assert loss == pytest.approx(whole.loss(x, t), rel=1e-14)
    np.testing.assert_allclose(trimmed.layers[0].pre, whole.layers[0].pre, rtol=1e-13, atol=1e-15)
    trimmed.backward(defer_products=defer)
    whole.backward(defer_products=defer)
    got, want = trimmed.gradients(), whole.gradients()
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-15)
    dW = got["dense_1.W"]
    assert not dW[:40].any() and not dW[N_IN - 50:].any()        # exact zeros
    assert dW[40].any() and dW[N_IN - 51].any()
    first = trimmed.layers[0]
    assert ("W" in first.products) == defer
    assert first.gradient_norm("W") == pytest.approx(np.linalg.norm(want["dense_1.W"]), rel=1e-12)


def test_prediction_and_evaluation_trim_too_and_agree():
    x, t = bordered(30), labels(30, 5)
    trimmed, whole = twins()
    np.testing.assert_allclose(trimmed.predict(x), whole.predict(x), rtol=1e-13)
    assert trimmed.layers[0].x_rows == slice(40, N_IN - 50)
    assert trimmed.evaluate(x, t) == pytest.approx(whole.evaluate(x, t), rel=1e-13)


def test_only_the_first_layer_trims():
    x = bordered(4)
    two = make_net([dense(N_IN, "relu"), dense(64), dense(5, "softmax")], (N_IN,), "cross_entropy")
    h = two.layers[0].forward(x, True)
    h[:, :60] = 0                                   # a hidden batch with a zero edge
    two.layers[1].forward(h, True)
    assert two.layers[1].x_rows is None
    assert [l.data_input for l in two.layers] == [True, False, False]


def test_a_recorded_pass_multiplies_every_column():
    """The trace shows u = x @ W with the whole x and W, as a learner would compute it."""
    trimmed = net()
    seen = []
    trimmed.loss(bordered(2), labels(2, 5), rec=lambda *a, **k: seen.append(k))
    assert trimmed.layers[0].x_rows is None
    assert seen[1]["x"].shape == (2, N_IN) and seen[1]["W"].shape == (N_IN, 64)


def test_gradient_check_passes_with_a_bordered_input():
    # tanh: ReLU's kink lies within a central difference's step of some pre-activation here
    smooth = make_net([dense(64, "tanh"), dense(5, "softmax")], (N_IN,), "cross_entropy")
    report = gradient_check(smooth, bordered(3), labels(3, 5))
    assert smooth.layers[0].x_rows == slice(40, N_IN - 50)
    assert report.max_rel_error < 1e-6
    w = report.by_name()["dense_1.W"]
    left_out = (w.indices // 64 < 40) | (w.indices // 64 >= N_IN - 50)
    assert left_out.sum() == 90 * 64
    assert not w.backprop[left_out].any() and not w.numerical[left_out].any()    # both ways zero


# --------------------------------------------------------------------------- training
@pytest.mark.parametrize("batch", [1, 8, 50])
def test_sgd_training_moves_only_the_live_rows_and_matches_the_whole_product(batch):
    n = 100
    x, t = bordered(n, seed=11, dtype=np.float32), labels(n, 5)
    x[:, 100:110] = 0       # zero in every sample, but inside the live range: multiplied, their gradient 0
    runs = []
    for trim in (True, False):
        network = net("float32")
        network.layers[0].data_input = trim
        before = network.layers[0].params["W"].copy()
        trainer = Trainer(network, make_optimizer(OptimizerSpec(name="sgd", lr=0.5)),
                          TrainingSpec(batch_size=batch, epochs=2, seed=0), x, t, evaluate_train=False)
        snaps = list(trainer.run())
        W = network.layers[0].params["W"]
        np.testing.assert_array_equal(W[:40], before[:40])        # never a live column
        np.testing.assert_array_equal(W[N_IN - 50:], before[N_IN - 50:])
        np.testing.assert_array_equal(W[100:110], before[100:110])       # their gradient is 0
        runs.append((W.copy(), snaps[-1]))
    (w_trim, last_trim), (w_whole, last_whole) = runs
    assert not np.array_equal(w_trim, net("float32").layers[0].params["W"])    # it trained
    np.testing.assert_allclose(w_trim, w_whole, rtol=2e-4, atol=2e-5)
    assert last_trim.loss == pytest.approx(last_whole.loss, rel=1e-3)
    assert last_trim.weight_norms["dense_1.W"] == pytest.approx(last_whole.weight_norms["dense_1.W"], rel=1e-5)

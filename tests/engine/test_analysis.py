"""The NumPy computations behind the live plots, and the bounded series they keep."""

import math

import numpy as np
import pytest

from nnstudio.data import load
from nnstudio.engine import analysis as A
from nnstudio.engine.activations import softmax
from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.series import BoundedSeries, Ema, ema
from nnstudio.engine.spec import NetworkSpec, OptimizerSpec, TrainingSpec
from nnstudio.engine.trainer import RequestDetail, Trainer


# --------------------------------------------------------------------------- series
def test_series_keeps_everything_until_full():
    s = BoundedSeries(10)
    for i in range(7):
        s.append(i, i * i)
    x, y = s.arrays()
    assert x.tolist() == list(range(7))
    assert y.tolist() == [i * i for i in range(7)]


def test_series_memory_stays_bounded_and_spans_the_whole_run():
    s = BoundedSeries(100)
    for i in range(100_000):
        s.append(i, -i)
        assert len(s) <= 100
    x, y = s.arrays()
    assert len(x) > 50                       # thinned, not emptied
    assert x[0] == 0 and x[-1] > 99_000      # still covers the whole run
    assert np.all(np.diff(x) == s.stride)    # evenly spaced
    assert np.array_equal(y, -x)             # x and y stay paired
    assert s.last == (99_999.0, -99_999.0)
    assert s.appended == 100_000


def test_series_clear():
    s = BoundedSeries(8)
    for i in range(30):
        s.append(i, i)
    s.clear()
    assert len(s) == 0 and s.stride == 1 and s.last is None


def test_ema_is_bias_corrected_and_matches_the_formula():
    values = [4.0, 2.0, 3.0]
    w = 0.5
    avg, out = 0.0, []
    for k, v in enumerate(values, 1):
        avg = w * avg + (1 - w) * v
        out.append(avg / (1 - w ** k))
    assert np.allclose(ema(values, w), out)
    assert Ema(0.9).update(5.0) == pytest.approx(5.0)   # first value is not pulled to 0


# --------------------------------------------------------------------------- bars, softmax
def test_activation_bars_are_the_functions_values():
    x, out = A.activation_bars(["step", "sigmoid", "relu"], 50, seed=3)
    assert x.shape == (50,) and x.min() >= -10 and x.max() <= 10
    assert np.array_equal(out["step"], (x > 0).astype(float))
    assert np.allclose(out["sigmoid"], 1 / (1 + np.exp(-x)))
    assert np.array_equal(out["relu"], np.maximum(x, 0))
    x2, _ = A.activation_bars(["relu"], 50, seed=3)
    assert np.array_equal(x, x2)                           # the seed decides the inputs
    assert not np.array_equal(x, A.activation_bars(["relu"], 50, seed=4)[0])


def test_softmax_of_bars_sums_to_one_and_ignores_a_shift():
    x, out = A.activation_bars(["softmax"], 10, seed=0)
    assert out["softmax"].sum() == pytest.approx(1.0)
    assert np.allclose(softmax((x + 100)[None])[0], out["softmax"])


# --------------------------------------------------------------------------- classification
def test_confusion_matrix_counts_true_rows_predicted_columns():
    m = A.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_gallery_order_puts_confident_mistakes_first():
    probs = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.55, 0.45]])
    labels = np.array([0, 0, 0, 0])      # samples 1 and 2 are wrong; 2 more confidently
    assert A.gallery_order(labels, probs).tolist() == [2, 1, 3, 0]


# --------------------------------------------------------------------------- plane and curve
def test_grid_covers_the_points_row_major():
    pts = np.array([[0.0, 0.0], [1.0, 2.0]])
    xs, ys, grid = A.grid_2d(pts, n=5, margin=0.0)
    assert xs[0] == 0 and xs[-1] == 1 and ys[0] == 0 and ys[-1] == 2
    assert grid.shape == (25, 2)
    assert np.allclose(grid[2 * 5 + 3], [xs[3], ys[2]])


def test_unit_contributions_add_up_to_the_output():
    rng = np.random.default_rng(0)
    h = rng.normal(size=(7, 4))
    W = rng.normal(size=(4, 1))
    b = 0.3
    c = A.unit_contributions(h, W)
    assert c.shape == (7, 4)
    assert np.allclose(c.sum(axis=1) + b, (h @ W)[:, 0] + b)
    with pytest.raises(ValueError):
        A.unit_contributions(h, rng.normal(size=(3, 1)))


# --------------------------------------------------------------------------- weights as images
@pytest.mark.parametrize("shape, expected", [((784,), (28, 28)), ((64,), (8, 8)), ((1, 28, 28), (28, 28)),
                                             ((4,), None), ((2,), None), ((100,), (10, 10)), ((13,), None)])
def test_guess_image_shape(shape, expected):
    assert A.guess_image_shape(shape) == expected


def test_dense_tiles_are_the_columns_reshaped():
    W = np.arange(12 * 3, dtype=float).reshape(12, 3)
    tiles = A.weight_tiles(W, (3, 4))
    assert tiles.shape == (3, 3, 4)
    for j in range(3):
        assert np.array_equal(tiles[j], W[:, j].reshape(3, 4))


def test_conv_tiles_are_filter_major():
    W = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    tiles = A.weight_tiles(W, None)
    assert tiles.shape == (6, 2, 2)
    assert np.array_equal(tiles[4], W[1, 1])


def test_mosaic_places_tiles_with_nan_gaps():
    tiles = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    img, cols = A.mosaic(tiles, columns=2, gap=1)
    assert cols == 2 and img.shape == (3 * 3 - 1, 2 * 4 - 1)
    assert np.array_equal(img[3:5, 4:7], tiles[3])        # row 1, column 1
    assert np.isnan(img[2, 0]) and np.isnan(img[0, 3])    # the gaps
    assert np.isnan(img[6:8, 4:7]).all()                   # the empty sixth slot


def test_symmetric_limit():
    assert A.symmetric_limit(np.array([-3.0, 1.0, np.nan])) == 3.0
    assert A.symmetric_limit(np.zeros(3)) == 1.0


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("norms, kind", [
    ([1e-5, 1e-3, 0.5], "vanishing"),
    ([0.2, 0.3, 0.5], "ok"),
    ([5e3, 1.0], "exploding"),
    ([float("nan"), 1.0], "exploding"),
    ([50.0, 0.1], "exploding"),
    ([0.0, 0.0], "zero"),
    ([], "none"),
])
def test_gradient_verdict(norms, kind):
    assert A.gradient_verdict(norms).kind == kind


def test_gradient_verdict_ratio_is_first_over_last():
    assert A.gradient_verdict([0.001, 1.0]).ratio == pytest.approx(0.001)


def test_layer_weight_norms_pick_the_W_entries():
    norms = {"dense_1.W": 2.0, "dense_1.b": 9.0, "dense_2.W": 3.0}
    assert A.layer_weight_norms(norms, ["dense_1", "dense_2"]) == [2.0, 3.0]


def test_histogram_shares_sum_to_one():
    edges, share = A.activation_histogram(np.array([0.0, 0.0, 0.5, 1.0]), bins=2, value_range=(0, 1))
    assert edges.tolist() == [0.0, 0.5, 1.0]
    assert share.tolist() == [0.5, 0.5]


# --------------------------------------------------------------------------- the gradient verdict
def test_typical_norms_are_each_layers_geometric_mean():
    rows = [[1e-4, 1.0], [1e-2, 4.0]]
    assert A.typical_norms(rows) == pytest.approx([1e-3, 2.0])
    assert A.typical_norms([]) == []
    with_nan = A.typical_norms([[1.0, 2.0], [float("nan"), 2.0], [1.0, float("inf")]])
    assert math.isnan(with_nan[0]) and with_nan[1] == math.inf      # never averaged away
    assert A.typical_norms([[0.0, 1.0], [0.0, 1.0]])[0] < A.ZERO_NORM


def test_saturated_share_counts_outputs_near_either_bound():
    sig = np.array([0.0, 0.019, 0.5, 0.981, 1.0, 0.03, np.nan])
    assert A.saturated_share("sigmoid", sig) == pytest.approx(4 / 6)       # NaN left out
    assert A.saturated_share("tanh", np.array([-1.0, -0.95, 0.0, 0.97])) == pytest.approx(2 / 4)
    assert A.saturated_share("relu", np.ones(3)) is None
    assert A.saturated_share("sigmoid", np.array([np.nan])) is None


@pytest.mark.parametrize("norms, saturation, kind", [
    ([0.3, 0.5], {"dense_1": A.SATURATED_SHARE}, "saturated"),
    ([0.3, 0.5], {"dense_1": A.SATURATED_SHARE - 0.01}, "ok"),
    ([1e-5, 0.5], {"dense_1": 0.6, "dense_2": 0.1}, "vanishing"),     # naming the saturation too
    ([2e-4, 5e-4], None, "tiny"),
    ([2e-4, 5e-4], {"dense_1": 0.9}, "saturated"),
    ([0.0, 0.0], {"dense_1": 0.9}, "zero"),
    ([0.024, 0.5], None, "vanishing"),          # 21× smaller
    ([0.026, 0.5], None, "ok"),                 # 19× smaller
])
def test_gradient_verdict_order_and_limits(norms, saturation, kind):
    v = A.gradient_verdict(norms, saturation)
    assert v.kind == kind
    if saturation and max(saturation.values()) >= A.SATURATED_SHARE and kind != "zero":
        assert v.layer == "dense_1" and v.share == max(saturation.values())
        assert v.ratio == pytest.approx(norms[0] / norms[-1])
    else:
        assert v.layer == "" and math.isnan(v.share)


# The rule on the curriculum's own networks (CURRICULUM §7, the book's ch. 6.2): real MNIST
# digits, real SGD updates, the verdict on the last RECENT updates as the gradient view judges.
# The numbers each case asserts around were measured as the docstring of analysis.py lists.
def _dense(units, activation, init, std=0.01):
    return {"type": "dense", "units": units, "activation": activation, "init": init, "std": std}


def _book_net(activation, init, std=0.01, hidden=5, out_init=None):
    """The book's initialisation study: hidden × 100 units, softmax over the 10 digits."""
    layers = [_dense(100, activation, init, std) for _ in range(hidden)]
    return layers + [_dense(10, "softmax", out_init or init, std)]


@pytest.fixture(scope="module")
def digits():
    with pytest.MonkeyPatch.context() as mp:      # (module fixtures run before the per-test folders)
        mp.setenv("NNSTUDIO_CACHE_DIR", "")       # no decoded-data cache in the user's home
        return load({"name": "mnist", "train_size": 2000, "test_size": 100})


def judged(digits, layers, lr=0.01):
    """(verdict with saturation, verdict from the norms alone, typical norms, saturation)."""
    spec = NetworkSpec.from_dict({"input_shape": [784], "layers": layers, "loss": "cross_entropy"})
    net = Network(spec, dtype="float32", seed=0)
    trainer = Trainer(net, make_optimizer(OptimizerSpec(name="sgd", lr=lr)), TrainingSpec(batch_size=100, epochs=5, seed=0),
                      digits.x_train, digits.y_train, evaluate_train=False)
    names = [l.name for l in net.layers if "W" in l.params]
    run, rows = trainer.run(), []
    for step in range(A.RECENT):
        if step == A.RECENT - 1:
            trainer.post(RequestDetail(weights=False))
        snap = next(run)
        rows.append(A.layer_weight_norms(snap.grad_norms, names))
    saturation = {}
    for layer in net.layers[:-1]:
        share = A.saturated_share(layer.act.name, snap.activations[layer.name])
        if share is not None:
            saturation[layer.name] = share
    norms = A.typical_norms(rows)
    return A.gradient_verdict(norms, saturation), A.gradient_verdict(norms), norms, saturation


def test_verdict_sigmoid_std_1_is_saturated_though_its_ratio_looks_harmless(digits):
    v, by_norms, norms, saturation = judged(digits, _book_net("sigmoid", "normal", std=1.0))
    assert v.kind == "saturated"
    assert min(saturation.values()) > 0.45 and v.share > 0.6       # measured 0.50 … 0.69 per layer
    assert v.layer == "dense_1"                                      # the most saturated: 0.67
    assert 0.15 < v.ratio < 1.0                                     # not vanishing by the ratio …
    assert by_norms.kind == "ok"                                     # … so norms alone called it healthy


def test_verdict_sigmoid_std_1_with_xavier_output_is_saturated(digits):
    """The issue's network: first layer's gradient 0.086× the last's, once called healthy."""
    v, by_norms, _norms, _sat = judged(digits, _book_net("sigmoid", "normal", std=1.0, out_init="xavier"))
    assert v.kind == "saturated" and v.share > 0.6
    assert 0.05 < v.ratio < 0.2 and by_norms.kind == "ok"


def test_verdict_sigmoid_std_001_is_vanishing(digits):
    v, _, norms, saturation = judged(digits, _book_net("sigmoid", "normal", std=0.01))
    assert v.kind == "vanishing"
    assert v.ratio < 1e-6                                            # measured 2.7e-8 … 4.3e-8
    assert max(saturation.values()) < 0.01                           # all piled at 0.5 instead
    steps = np.array(norms[:-1]) / np.array(norms[1:])
    assert np.all(steps[1:] < 0.05)                                  # ×0.025 per layer toward the input


def test_verdict_sigmoid_xavier_is_vanishing_layer_by_layer(digits):
    v, _, norms, saturation = judged(digits, _book_net("sigmoid", "xavier"))
    assert v.kind == "vanishing"
    assert 3e-4 < v.ratio < 1e-2                                     # measured 0.0014 … 0.0027
    assert max(saturation.values()) < 0.05                           # well spread, yet …
    steps = np.array(norms[:-1]) / np.array(norms[1:])
    assert np.all(steps[1:] < 0.35)                                  # … σ' ≤ 1/4 at every layer


def test_verdict_relu_he_is_ok(digits):
    v, _, _, saturation = judged(digits, _book_net("relu", "he"))
    assert v.kind == "ok" and saturation == {}
    assert 0.5 < v.ratio < 10                                        # measured 1.3 … 3.3


def test_verdict_relu_std_001_is_tiny(digits):
    v, _, norms, _ = judged(digits, _book_net("relu", "normal", std=0.01))
    assert v.kind == "tiny"
    assert v.largest < 1e-4                                          # measured ≈ 2e-6 … 7e-5


def test_verdict_mnist_784_50_10_he_is_ok(digits):
    layers = [_dense(50, "relu", "he"), _dense(10, "softmax", "xavier")]
    v, _, _, _ = judged(digits, layers, lr=0.1)
    assert v.kind == "ok"
    assert 0.5 < v.ratio < 10                                        # measured 1.2 … 3.2


def test_verdict_tanh_std_1_is_saturated_not_exploding(digits):
    v, by_norms, _norms, saturation = judged(digits, _book_net("tanh", "normal", std=1.0))
    assert v.kind == "saturated" and min(saturation.values()) > 0.75     # measured 0.83 … 0.87
    assert 20 < v.ratio < A.EXPLODING_RATIO and by_norms.kind == "ok"    # measured 38 … 56

"""The NumPy computations behind the live plots, and the bounded series they keep."""

import collections
import math

import numpy as np
import pytest

from nnstudio.engine import analysis as A
from nnstudio.engine.activations import ACTIVATIONS, softmax
from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.series import BoundedSeries, Ema, ema
from nnstudio.engine.spec import NetworkSpec, OptimizerSpec, TrainingSpec
from nnstudio.engine.trainer import RequestDetail, Trainer
from nnstudio.project.session import build_session
from verdict_cases import CURRICULUM, digits, kind_changes, mnist_network, settled_project  # noqa: F401 - fixture


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


def test_activation_derivative_bars_are_the_slopes_by_hand():
    names = ["identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"]
    x, d = A.activation_bars(names, 200, seed=1, derivative=True)
    s = 1 / (1 + np.exp(-x))
    assert np.allclose(d["sigmoid"], s * (1 - s))
    assert 0.24 < d["sigmoid"].max() <= 0.25               # CURRICULUM §7: 1/4 at u = 0, never above
    assert np.allclose(d["tanh"], 1 - np.tanh(x) ** 2)
    assert np.array_equal(d["relu"], (x > 0).astype(float))
    assert np.allclose(d["leaky_relu"], np.where(x > 0, 1.0, 0.01))
    assert np.array_equal(d["step"], np.zeros_like(x)) and np.array_equal(d["identity"], np.ones_like(x))
    z = softmax(x[None])[0]
    assert np.allclose(d["softmax"], z * (1 - z))          # the Jacobian's diagonal
    # a central difference agrees with every elementwise slope away from the kinks at 0
    h = 1e-6
    away = np.abs(x) > 10 * h
    for name in ("identity", "step", "sigmoid", "tanh", "relu", "leaky_relu"):
        f = ACTIVATIONS[name].forward
        numeric = (f(x + h) - f(x - h)) / (2 * h)
        assert np.allclose(numeric[away], d[name][away], atol=1e-8), name


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


def test_hysteresis_keeps_a_verdict_until_its_leave_limit():
    """Saturated from SATURATED_SHARE, until below SATURATED_LEAVE; tiny below TINY_NORM,
    until above TINY_LEAVE: a share or norm hovering at a limit keeps one verdict."""
    between = (A.SATURATED_LEAVE + A.SATURATED_SHARE) / 2
    assert A.gradient_verdict([0.3, 0.5], {"dense_1": between}).kind == "ok"
    held = A.gradient_verdict([0.3, 0.5], {"dense_1": between}, previous="saturated")
    assert held.kind == "saturated" and held.share == between and held.layer == "dense_1"
    assert A.gradient_verdict([0.3, 0.5], {"dense_1": A.SATURATED_LEAVE - 0.01}, previous="saturated").kind == "ok"
    small = [1.5e-3, 1.2e-3]                     # between TINY_NORM and TINY_LEAVE
    assert A.gradient_verdict(small).kind == "ok"
    assert A.gradient_verdict(small, previous="tiny").kind == "tiny"
    assert A.gradient_verdict([2.5e-3, 1e-3], previous="tiny").kind == "ok"


def test_a_network_that_has_learned_is_not_called_saturated_or_tiny():
    learned = A.gradient_verdict([0.3, 0.5], {"dense_1": 0.9}, learned=True)
    assert learned.kind == "ok" and learned.layer == "" and math.isnan(learned.share)
    assert A.gradient_verdict([2e-4, 5e-4], learned=True).kind == "ok"
    # vanishing and exploding gradients are still named (the ratio is a fact of the run)
    vanishing = A.gradient_verdict([1e-5, 0.5], {"dense_1": 0.9}, learned=True)
    assert vanishing.kind == "vanishing" and vanishing.layer == "dense_1"


def test_watch_averages_the_last_saturation_measurements():
    watch = A.VerdictWatch()
    watch.add_saturation({"dense_1": 0.9, "dense_2": None})
    for share in [0.1] * (A.SHARE_MEASUREMENTS - 1):
        watch.add_saturation({"dense_1": share, "dense_2": 0.5})
    assert watch.saturation() == pytest.approx({"dense_1": (0.9 + 0.1 * (A.SHARE_MEASUREMENTS - 1))
                                                / A.SHARE_MEASUREMENTS, "dense_2": 0.5})
    watch.add_saturation({"dense_1": 0.1})      # the oldest, 0.9, drops out
    assert watch.saturation()["dense_1"] == pytest.approx(0.1)


def test_watch_counts_a_network_as_learned_once_its_loss_has_halved():
    watch = A.VerdictWatch(chance_loss=math.log(10))
    for _ in range(A.RECENT):
        watch.add_update([0.3, 0.5], 4.0)              # above chance: std-1 weights start worse
        watch.add_saturation({"dense_1": 0.6})
    assert watch.verdict().kind == "saturated"
    for _ in range(A.RECENT):                          # half of ln 10 (not of 4.0) is the mark
        watch.add_update([0.3, 0.5], 0.55 * math.log(10))
    assert watch.verdict().kind == "saturated" and not watch.learned
    for _ in range(A.RECENT):
        watch.add_update([0.3, 0.5], 0.45 * math.log(10))
    assert watch.verdict().kind == "ok" and watch.learned
    for _ in range(A.RECENT):                          # held until LEARNED_LEAVE
        watch.add_update([0.3, 0.5], 0.6 * math.log(10))
    assert watch.verdict().kind == "ok"
    for _ in range(A.RECENT):
        watch.add_update([0.3, 0.5], 0.8 * math.log(10))
    assert watch.verdict().kind == "saturated"


# The rule on the curriculum's own networks (CURRICULUM §7, the book's ch. 6.2) and on small
# networks that have learned: real digits, real updates, a VerdictWatch fed as the gradient
# view feeds it (norms every update, a saturated share every SHARE_EVERY updates from the
# snapshot's activations). The measurements are listed in analysis.py.
SHARE_EVERY = 10
JUDGED = 200           # updates the curriculum networks train (the verdict judged from RECENT on)


def watched(trainer, net, updates, on_update=None):
    """Run ``updates`` updates through a VerdictWatch; (kind per update from RECENT on, watch,
    the first judged verdict, its typical norms)."""
    n_out = net.layers[-1].params["W"].shape[1]
    watch = A.VerdictWatch(math.log(n_out) if n_out > 1 else None)
    names = [l.name for l in net.layers if "W" in l.params]
    bounded = [(l.name, l.act.name) for l in net.layers[:-1] if getattr(l, "act", None) and l.act.name in A.BOUNDED]
    kinds, first, run = [], None, trainer.run()
    for step in range(updates):
        if bounded and step % SHARE_EVERY == 0:
            trainer.post(RequestDetail(weights=False))
        snap = next(run)
        watch.add_update(A.layer_weight_norms(snap.data_grad_norms or snap.grad_norms, names), snap.data_loss)
        if snap.activations is not None:
            watch.add_saturation({name: A.saturated_share(act, snap.activations[name]) for name, act in bounded})
        if on_update is not None:
            on_update(snap)
        if step + 1 >= A.RECENT:
            verdict = watch.verdict()
            kinds.append(verdict.kind)
            if first is None:
                first = verdict, A.typical_norms(watch.recent), watch.saturation()
    return kinds, watch, first


def mnist_trainer(digits, layers, lr=0.01, weight_decay=0.0):
    spec = NetworkSpec.from_dict(mnist_network(layers))
    net = Network(spec, dtype="float32", seed=0, weight_decay=weight_decay)
    trainer = Trainer(net, make_optimizer(OptimizerSpec(name="sgd", lr=lr)),
                      TrainingSpec(batch_size=100, epochs=50, seed=0), digits.x_train, digits.y_train,
                      evaluate_train=False)
    return trainer, net


@pytest.fixture(scope="module")
def curriculum(digits):
    """Each curriculum case trained JUDGED updates once for the module: (kinds, first verdict,
    its typical norms, its averaged saturation)."""
    done = {}

    def result(case):
        if case not in done:
            layers, lr, _kind = CURRICULUM[case]
            trainer, net = mnist_trainer(digits, layers, lr)
            kinds, _watch, (verdict, norms, saturation) = watched(trainer, net, JUDGED)
            done[case] = kinds, verdict, norms, saturation
        return done[case]
    return result


@pytest.mark.parametrize("case", list(CURRICULUM))
def test_curriculum_networks_get_their_verdict_and_keep_it(curriculum, case):
    kinds, first, _norms, _saturation = curriculum(case)
    kind = CURRICULUM[case][2]
    assert first.kind == kind
    if case == "ReLU std 0.01":        # its tiny norms also shrink toward the input (measured
        assert set(kinds) <= {"tiny", "vanishing"} and kind_changes(kinds) <= 1      # after ≈ 50)
    else:
        assert set(kinds) == {kind}, [(k, kinds.count(k)) for k in set(kinds)]


def test_verdict_sigmoid_std_1_is_saturated_though_its_ratio_looks_harmless(curriculum):
    _kinds, v, norms, saturation = curriculum("sigmoid std 1")
    assert min(saturation.values()) > 0.45 and v.share > 0.6       # measured 0.50 … 0.69 per layer
    assert v.layer == "dense_1"                                      # the most saturated: 0.67
    assert 0.15 < v.ratio < 1.0                                     # not vanishing by the ratio …
    assert A.gradient_verdict(norms).kind == "ok"                    # … so norms alone called it healthy


def test_verdict_sigmoid_std_1_with_xavier_output_is_saturated(curriculum):
    """The issue's network: first layer's gradient 0.086× the last's, once called healthy."""
    _kinds, v, norms, _sat = curriculum("sigmoid std 1, Xavier output")
    assert v.share > 0.6 and 0.05 < v.ratio < 0.2 and A.gradient_verdict(norms).kind == "ok"


def test_verdict_tanh_std_1_is_saturated_not_exploding(curriculum):
    _kinds, v, norms, saturation = curriculum("tanh std 1")
    assert min(saturation.values()) > 0.75                               # measured 0.83 … 0.87
    assert 20 < v.ratio < A.EXPLODING_RATIO and A.gradient_verdict(norms).kind == "ok"   # 38 … 56


def test_verdict_sigmoid_std_001_vanishes_layer_by_layer(curriculum):
    _kinds, v, norms, saturation = curriculum("sigmoid std 0.01")
    assert v.ratio < 1e-6                                            # measured 2.7e-8 … 4.3e-8
    assert max(saturation.values()) < 0.01                           # all piled at 0.5 instead
    steps = np.array(norms[:-1]) / np.array(norms[1:])
    assert np.all(steps[1:] < 0.05)                                  # ×0.025 per layer toward the input


def test_verdict_sigmoid_xavier_vanishes_layer_by_layer(curriculum):
    _kinds, v, norms, saturation = curriculum("sigmoid Xavier")
    assert 3e-4 < v.ratio < 1e-2                                     # measured 0.0014 … 0.0027
    assert max(saturation.values()) < 0.05                           # well spread, yet …
    steps = np.array(norms[:-1]) / np.array(norms[1:])
    assert np.all(steps[1:] < 0.35)                                  # … σ' ≤ 1/4 at every layer


def test_verdict_relu_networks_ratios(curriculum):
    assert 0.5 < curriculum("ReLU He")[1].ratio < 10                 # measured 1.3 … 3.3
    assert 0.5 < curriculum("784-50-10 He")[1].ratio < 10            # measured 1.2 … 3.2
    assert curriculum("ReLU std 0.01")[1].largest < 1e-4             # measured ≈ 2e-6 … 7e-5


def test_weight_decay_does_not_hide_vanishing_gradients(digits):
    """λ = 0.1 adds 0.1·W to ∂E/∂W; judged on the data loss's own gradient the std-0.01
    sigmoid net still vanishes, on the whole gradient it looked healthy (ratio ≈ 0.5)."""
    layers, lr, _kind = CURRICULUM["sigmoid std 0.01"]
    trainer, net = mnist_trainer(digits, layers, lr, weight_decay=0.1)
    names = [l.name for l in net.layers if "W" in l.params]
    whole = A.VerdictWatch()
    kinds, _watch, _first = watched(trainer, net, 100, on_update=lambda s: whole.add_update(
        A.layer_weight_norms(s.grad_norms, names), s.data_loss))
    assert set(kinds) == {"vanishing"}
    assert whole.verdict().kind == "ok"                              # what the total gradient said


@pytest.mark.parametrize("name", ["xor", "moons"])
def test_a_settled_network_keeps_its_verdict(name):
    """2000 updates of a network that learns its toy set: at most one change of verdict,
    ending healthy; one share and no hysteresis changed it dozens of times (measured 55 and 77)."""
    session = build_session(settled_project(name))
    net = session.network
    names = [l.name for l in net.layers if "W" in l.params]
    bounded = [(l.name, l.act.name) for l in net.layers[:-1] if l.act.name in A.BOUNDED]
    single, rows = [], collections.deque(maxlen=A.RECENT)      # the old rule, for comparison
    shares = {}

    def old_rule(snap):
        rows.append(A.layer_weight_norms(snap.grad_norms, names))
        if snap.activations is not None:
            shares.update({n: A.saturated_share(act, snap.activations[n]) for n, act in bounded})
        single.append(A.gradient_verdict(A.typical_norms(rows), shares).kind)
    kinds, watch, _first = watched(session.trainer, net, 2000, on_update=old_rule)
    assert watch.learned and kinds[-1] == "ok"
    assert kind_changes(kinds) <= 1, [(k, kinds.count(k)) for k in set(kinds)]
    assert kind_changes(single[A.RECENT - 1:]) > 10                  # the rule this replaces

"""Backprop against central differences, in float64, for every layer kind, activation, loss
and regularizer, and for a mixed network (ISSUE 2 §4)."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine import losses
from nnstudio.engine.gradcheck import gradient_check, numerical_gradient
from nnstudio.engine.layers import Dense

from engine_helpers import conv, dense, labels, make_net, rng

TOL = 1e-6
H = 1e-5


def check(net, x, t, *, h=H, max_entries=None):
    """Run the check on every parameter and assert it is meaningful and tight."""
    report = gradient_check(net, x, t, h=h, max_entries=max_entries)
    names = set(net.parameters())
    assert {p.name for p in report.params} == names
    for p in report.params:
        expected = p.shape and int(np.prod(p.shape))
        assert p.checked == (expected if max_entries is None else min(expected, max_entries))
        assert np.all(np.isfinite(p.numerical)) and np.all(np.isfinite(p.backprop))
        assert p.max_rel_error < TOL, (p.name, p.max_rel_error)
        assert p.kinks == 0 and p.crossed.shape == (p.checked,), p.name    # no kink within h here
        assert p.numerical_seconds >= 0
    assert report.backprop_seconds >= 0
    return report


def nonzero(report, name):
    """The gradient really carries information (a check of all-zero gradients proves nothing)."""
    return float(np.abs(report.by_name()[name].backprop).max()) > 1e-4


# ------------------------------------------------------------------ dense
@pytest.mark.parametrize("bias", [True, False])
def test_dense_with_and_without_bias(bias):
    net = make_net([dense(5, "tanh", bias=bias), dense(3, "identity", bias=bias)], (4,), "sse")
    x = rng(1).normal(size=(6, 4))
    t = rng(2).normal(size=(6, 3))
    report = check(net, x, t)
    names = {p.name for p in report.params}
    assert ("dense_1.b" in names) == bias
    assert all(nonzero(report, n) for n in names)


# ------------------------------------------------------------------ activations
@pytest.mark.parametrize("act", ["identity", "sigmoid", "tanh", "relu", "leaky_relu"])
def test_hidden_activation(act):
    net = make_net([dense(6, act, init="xavier"), dense(6, act, init="xavier"), dense(2, "identity")],
                   (3,), "sse", seed=3)
    x = rng(4).normal(size=(5, 3))
    t = rng(5).normal(size=(5, 2))
    report = check(net, x, t)
    assert nonzero(report, "dense_1.W")


def test_leaky_relu_passes_gradient_for_negative_inputs():
    net = make_net([dense(4, "leaky_relu", bias=False), dense(1, "identity")], (2,), "sse")
    net.layers[0].params["W"][:] = -np.abs(net.layers[0].params["W"])  # all pre-activations < 0
    x = np.abs(rng(6).normal(size=(3, 2))) + 0.1
    report = check(net, x, rng(7).normal(size=(3, 1)))
    assert nonzero(report, "dense_1.W")  # 0.01 slope: small but not zero


def test_softmax_output_with_sse_uses_the_full_jacobian():
    net = make_net([dense(5, "tanh"), dense(4, "softmax")], (3,), "sse", seed=8)
    assert not net.fused
    x = rng(9).normal(size=(6, 3)) * 2
    t = np.eye(4)[labels(6, 4, seed=10)]
    report = check(net, x, t)
    assert nonzero(report, "dense_2.W") and nonzero(report, "dense_1.W")


def test_step_activation_has_zero_derivative():
    net = make_net([dense(5, "step"), dense(2, "identity")], (3,), "sse", seed=11)
    x = rng(12).normal(size=(4, 3))
    t = rng(13).normal(size=(4, 2))
    report = check(net, x, t)
    by = report.by_name()
    assert np.all(by["dense_1.W"].backprop == 0) and np.all(by["dense_1.b"].backprop == 0)
    assert np.all(by["dense_1.W"].numerical == 0)
    assert nonzero(report, "dense_2.W")  # the layer after the step still learns


# ------------------------------------------------------------------ losses
def test_softmax_cross_entropy_fused():
    net = make_net([dense(6, "sigmoid"), dense(4, "softmax")], (3,), "cross_entropy", seed=14)
    assert net.fused
    x = rng(15).normal(size=(7, 3))
    report = check(net, x, labels(7, 4, seed=16))
    assert nonzero(report, "dense_2.W")
    # one-hot targets give the same gradients as class indices
    report_1h = check(net, x, np.eye(4)[labels(7, 4, seed=16)])
    np.testing.assert_allclose(report_1h.by_name()["dense_1.W"].backprop,
                               report.by_name()["dense_1.W"].backprop, rtol=1e-12)


@pytest.mark.parametrize("name", ["sse", "sse_sum"])
def test_squared_error_gradients_directly_and_through_a_network(name):
    fn = losses.LOSS_FUNCTIONS[name]
    y = rng(17).normal(size=(5, 3))
    t = rng(18).normal(size=(5, 3))
    _, dy = fn(y, t)
    num = numerical_gradient(lambda: fn(y, t)[0], y, h=1e-6)
    np.testing.assert_allclose(dy, num, rtol=1e-7, atol=1e-10)
    net = make_net([dense(4, "tanh"), dense(2, "identity")], (3,), name, seed=5)
    report = check(net, rng(6).normal(size=(7, 3)), rng(7).normal(size=(7, 2)))
    assert nonzero(report, "dense_1.W")            # check() holds every parameter to 1e-6


def test_cross_entropy_loss_gradient_directly():
    y = rng(19).uniform(0.05, 1.0, size=(5, 4))
    y /= y.sum(axis=1, keepdims=True)
    t = labels(5, 4, seed=20)
    _, dy = losses.cross_entropy(y, t)
    num = numerical_gradient(lambda: losses.cross_entropy(y, t)[0], y, h=1e-7)
    np.testing.assert_allclose(dy, num, rtol=1e-6, atol=1e-8)
    assert np.count_nonzero(dy) == 5  # only the correct class of each row


def test_fused_gradient_against_logits():
    u = rng(21).normal(size=(6, 5)) * 3
    t = labels(6, 5, seed=22)
    _, _, du = losses.softmax_cross_entropy(u, t)
    num = numerical_gradient(lambda: losses.softmax_cross_entropy(u, t)[0], u, h=1e-6)
    np.testing.assert_allclose(du, num, rtol=1e-6, atol=1e-9)


# ------------------------------------------------------------------ regularization
@pytest.mark.parametrize("reg", [{"weight_decay": 0.3}, {"l1": 0.2}, {"weight_decay": 0.1, "l1": 0.05}])
def test_weight_decay_and_l1(reg):
    net = make_net([dense(5, "tanh"), dense(2, "identity")], (3,), "sse", seed=23, **reg)
    x = rng(24).normal(size=(4, 3))
    t = rng(25).normal(size=(4, 2))
    check(net, x, t)
    # the penalty reaches the weights and only the weights
    plain = make_net([dense(5, "tanh"), dense(2, "identity")], (3,), "sse", seed=23)
    a, b = gradient_check(net, x, t, h=H).by_name(), gradient_check(plain, x, t, h=H).by_name()
    W = net.parameters()["dense_1.W"]
    expected = reg.get("weight_decay", 0) * W + reg.get("l1", 0) * np.sign(W)
    np.testing.assert_allclose(a["dense_1.W"].backprop - b["dense_1.W"].backprop, expected.ravel(), atol=1e-12)
    np.testing.assert_array_equal(a["dense_1.b"].backprop, b["dense_1.b"].backprop)


# ------------------------------------------------------------------ convolution and pooling
@pytest.mark.parametrize("stride,pad", [(1, 0), (2, 1), (2, 0), (1, 2)])
def test_conv2d_stride_and_pad(stride, pad):
    net = make_net([conv(3, 3, "tanh", stride=stride, pad=pad), dense(3, "identity")], (2, 6, 5), "sse", seed=26)
    x = rng(27).normal(size=(2, 2, 6, 5))
    t = rng(28).normal(size=(2, 3))
    report = check(net, x, t)
    assert nonzero(report, "conv2d_1.W") and nonzero(report, "conv2d_1.b")


@pytest.mark.parametrize("kind,size,stride", [("maxpool", 2, None), ("maxpool", 3, 2), ("maxpool", 2, 1),
                                              ("avgpool", 2, None), ("avgpool", 3, 1), ("avgpool", 2, 3)])
def test_pooling(kind, size, stride):
    pool = {"type": kind, "size": size} | ({} if stride is None else {"stride": stride})
    net = make_net([conv(2, 2, "identity"), pool, dense(3, "identity")], (1, 7, 7), "sse", seed=29)
    x = rng(30).normal(size=(3, 1, 7, 7))
    t = rng(31).normal(size=(3, 3))
    report = check(net, x, t)
    assert nonzero(report, "conv2d_1.W")


def test_flatten_between_conv_and_dense():
    net = make_net([conv(2, 3, "sigmoid"), {"type": "flatten"}, dense(2, "identity")], (1, 5, 5), "sse", seed=32)
    x = rng(33).normal(size=(2, 1, 5, 5))
    check(net, x, rng(34).normal(size=(2, 2)))


# ------------------------------------------------------------------ batch norm and dropout
@pytest.mark.parametrize("bias", [False, True])
def test_batchnorm_after_dense(bias):
    net = make_net([dense(5, "identity", bias=bias), {"type": "batchnorm", "activation": "relu"},
                    dense(3, "softmax")], (4,), "cross_entropy", seed=35)
    x = rng(36).normal(size=(8, 4))
    report = check(net, x, labels(8, 3, seed=37))
    assert nonzero(report, "batchnorm_1.gamma") and nonzero(report, "batchnorm_1.beta")
    if bias:  # batch norm subtracts the batch mean: a bias in front of it has no effect
        assert np.abs(report.by_name()["dense_1.b"].backprop).max() < 1e-12


def test_batchnorm_after_conv():
    net = make_net([conv(3, 3, "identity"), {"type": "batchnorm", "activation": "tanh"}, dense(2, "identity")],
                   (2, 5, 5), "sse", seed=38)
    x = rng(39).normal(size=(3, 2, 5, 5))
    report = check(net, x, rng(40).normal(size=(3, 2)))
    assert report.by_name()["batchnorm_1.gamma"].shape == (3,)
    assert nonzero(report, "conv2d_1.W")


def test_batchnorm_gradient_check_leaves_running_statistics_alone():
    net = make_net([dense(4, "identity"), {"type": "batchnorm"}, dense(2, "identity")], (3,), "sse")
    before = {k: v.copy() for k, v in net.layers[1].buffers.items()}
    check(net, rng(41).normal(size=(5, 3)), rng(42).normal(size=(5, 2)))
    for k, v in net.layers[1].buffers.items():
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize("scale_at", ["training", "inference"])
def test_dropout_with_a_frozen_mask(scale_at):
    net = make_net([dense(8, "relu"), {"type": "dropout", "ratio": 0.4, "scale_at": scale_at}, dense(3, "identity")],
                   (4,), "sse", seed=43)
    x = rng(44).normal(size=(6, 4))
    t = rng(45).normal(size=(6, 3))
    report = check(net, x, t)
    mask = net.layers[1].mask
    assert 0 < np.count_nonzero(mask) < mask.size  # some units really were dropped
    # dropped hidden units get no gradient through the second layer's input
    assert nonzero(report, "dense_1.W")


# ------------------------------------------------------------------ everything together
def test_mixed_network():
    net = make_net([conv(3, 3, "relu", pad=1), {"type": "batchnorm", "activation": "identity"},
                    {"type": "maxpool", "size": 2}, conv(4, 2, "tanh", stride=1), {"type": "avgpool", "size": 2},
                    {"type": "flatten"}, dense(6, "identity"), {"type": "batchnorm", "activation": "sigmoid"},
                    {"type": "dropout", "ratio": 0.3}, dense(3, "softmax")],
                   (2, 8, 8), "cross_entropy", seed=46, weight_decay=0.01)
    x = rng(47).normal(size=(4, 2, 8, 8))
    report = check(net, x, labels(4, 3, seed=48), max_entries=40)
    assert nonzero(report, "conv2d_1.W") and nonzero(report, "dense_2.W")


# ------------------------------------------------------------------ kinks
def test_entries_whose_difference_straddles_a_relu_kink_are_marked():
    """A zero bias and a sample of zeros put both hidden units' u exactly at ReLU's kink: moving
    either bias by ±h crosses it; moving a weight moves that sample's u by ±h·0 and the other
    samples' u (far from 0) stays on its side."""
    net = make_net([dense(2, "relu", init="normal", std=1.0), dense(2, "identity")], (3,), "sse", seed=70)
    net.parameters()["dense_1.b"][:] = 0.0
    x = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5], [-1.5, 0.5, 2.0]])
    net.forward(x)
    assert np.all(np.abs(net.layers[0].pre[1:]) > 1e-2)        # the other samples: far from 0
    report = gradient_check(net, x, rng(71).normal(size=(3, 2)), h=H).by_name()
    b = report["dense_1.b"]
    assert b.crossed.tolist() == [True, True]
    assert b.max_rel_error > 1e-3        # the zero sample adds half its slope: backprop takes u ≤ 0's 0
    assert np.isnan(b.smooth_max_rel_error) and b.kink_max_rel_error == b.max_rel_error
    for name in ("dense_1.W", "dense_2.W", "dense_2.b"):
        assert report[name].kinks == 0 and report[name].smooth_max_rel_error < TOL, name


def test_a_max_pooling_winner_that_changes_is_a_kink():
    """A 1×1 convolution with weight 0 ties every window at 0; w + h makes the positive input win,
    w − h the negative one. The bias moves every element alike and keeps the winners."""
    net = make_net([conv(1, 1, "identity"), {"type": "maxpool", "size": 2}, dense(1, "identity")],
                   (1, 2, 2), "sse", seed=72)
    net.parameters()["conv2d_1.W"][:] = 0.0
    x = np.array([[[[1.0, -1.0], [-2.0, -3.0]]]])
    report = gradient_check(net, x, np.array([[0.7]]), h=H).by_name()
    assert report["conv2d_1.W"].crossed.tolist() == [True]
    assert report["conv2d_1.W"].max_rel_error > 0.1
    assert report["conv2d_1.b"].kinks == 0 and report["conv2d_1.b"].max_rel_error < TOL


def test_an_l1_weight_within_h_of_zero_is_a_kink():
    net = make_net([dense(3, "tanh"), dense(1, "identity")], (2,), "sse", seed=73, l1=0.5)
    W = net.parameters()["dense_1.W"]
    W[0, 0], W[0, 1], W[1, 2] = 0.3 * H, -0.6 * H, 0.0    # |w| < h: kinks; exactly 0: sign 0 both ways
    report = gradient_check(net, rng(74).normal(size=(4, 2)), rng(75).normal(size=(4, 1)), h=H).by_name()
    w = report["dense_1.W"]
    assert np.flatnonzero(w.crossed).tolist() == [0, 1]
    assert w.max_rel_error > 1e-2 and w.smooth_max_rel_error < TOL
    assert report["dense_1.b"].kinks == 0                 # L1 is on the weights only


def test_a_nan_gradient_off_the_kinks_is_an_infinite_error_not_a_kink(monkeypatch):
    """NaN says "every entry straddled a kink" only when that is so: a backprop that returns NaN
    must fail the verdict, not drop out of it."""
    original = Dense.backward_pre

    def nan_bias(self, du, rec=None):
        dx = original(self, du, rec)
        if self.grads["b"].shape == (2,):
            self.grads["b"] = np.full(2, np.nan)
        return dx
    monkeypatch.setattr(Dense, "backward_pre", nan_bias)
    net = make_net([dense(3, "tanh"), dense(2, "identity")], (2,), "sse", seed=82)
    report = gradient_check(net, rng(83).normal(size=(4, 2)), rng(84).normal(size=(4, 2)), h=H)
    b = report.by_name()["dense_2.b"]
    assert b.kinks == 0 and b.smooth_max_rel_error == np.inf
    assert report.smooth_max_rel_error == np.inf


def test_a_wrong_pooling_gradient_is_caught_off_the_kinks(monkeypatch):
    """Marking kinks must not hide a backprop error: ∂E/∂x sent to the wrong window element."""
    from nnstudio.engine.layers.pool import Pool
    original = Pool.backward

    def wrong_winner(self, dout, rec=None, **kw):
        kept, self.arg = self.arg, (self.arg + 1) % 4
        try:
            return original(self, dout, rec, **kw)
        finally:
            self.arg = kept
    monkeypatch.setattr(Pool, "backward", wrong_winner)
    net = make_net([conv(2, 2, "tanh"), {"type": "maxpool", "size": 2}, dense(3, "identity")], (1, 5, 5), "sse", seed=76)
    report = gradient_check(net, rng(77).normal(size=(3, 1, 5, 5)), rng(78).normal(size=(3, 3)), h=H)
    assert report.kinks == 0 and report.smooth_max_rel_error > 0.1


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_the_tiled_and_the_layer_by_layer_pass_take_the_same_branches(act):
    """SimpleConvNet's convolution and pooling run together in an unrecorded pass; which side
    of each kink they took must read the same as from the layers one by one."""
    net = make_net([conv(9, 3, act), {"type": "maxpool", "size": 2}, conv(3, 3, "relu", pad=1),
                    {"type": "maxpool", "size": 2, "stride": 1}, dense(3, "relu"), dense(2, "identity")],
                   (1, 8, 8), "sse", seed=79)
    x, t = rng(80).normal(size=(2, 1, 8, 8)), rng(81).normal(size=(2, 2))
    net.loss(x, t)
    assert net._tiled_pass == (act == "relu")
    tiled = net.branches()
    net.loss(x, t, rec=lambda *a, **k: None)
    layered = net.branches()
    assert len(tiled) == len(layered) == 3       # two poolings' winners, the dense ReLU's signs
    for a, b in zip(tiled, layered):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ the check can fail
def test_a_wrong_gradient_is_caught(monkeypatch):
    original = Dense.backward_pre

    def off_by_one_percent(self, du, rec=None):
        dx = original(self, du, rec)
        self.grads["W"] = self.grads["W"] * 1.01
        return dx

    monkeypatch.setattr(Dense, "backward_pre", off_by_one_percent)
    net = make_net([dense(4, "tanh"), dense(2, "identity")], (3,), "sse")
    report = gradient_check(net, rng(49).normal(size=(3, 3)), rng(50).normal(size=(3, 2)), h=H)
    assert 1e-3 < report.by_name()["dense_1.W"].max_rel_error < 1e-2


def test_the_books_784_50_10_check_on_3_samples():
    """CURRICULUM §4: mean absolute differences around 1e-6 … 1e-9 with the book's h = 1e-4."""
    net = make_net([dense(50, "relu"), dense(10, "softmax", init="xavier")], (784,), "cross_entropy")
    x = rng(51).uniform(0, 1, size=(3, 784))
    report = gradient_check(net, x, labels(3, 10, seed=52), h=1e-4, max_entries=200)
    for p in report.params:
        assert p.mean_abs_diff < 1e-6, p.name
        assert p.checked == min(200, int(np.prod(p.shape)))
    assert report.max_rel_error < 1e-6


def test_the_check_leaves_the_network_as_it_was():
    net = make_net([dense(5, "relu"), {"type": "dropout", "ratio": 0.5}, dense(2, "identity")], (3,), "sse")
    before = {k: v.copy() for k, v in net.parameters().items()}
    report = gradient_check(net, rng(53).normal(size=(4, 3)), rng(54).normal(size=(4, 2)),
                            names=["dense_1.W"], max_entries=6, h=H)
    for k, v in net.parameters().items():
        np.testing.assert_array_equal(v, before[k])      # every nudge undone exactly
    assert not net.layers[1].freeze_mask
    (p,) = report.params
    assert p.name == "dense_1.W" and p.checked == 6 and len(np.unique(p.indices)) == 6
    assert np.all(np.diff(p.indices) > 0) and p.indices.max() < 15


def test_numerical_gradient_of_a_known_function():
    x = np.array([3.0, -1.0, 0.5])
    g = numerical_gradient(lambda: float(np.sum(x ** 2) + x[0] * x[1]), x, h=1e-5)
    np.testing.assert_allclose(g, [2 * 3 - 1, 2 * -1 + 3, 1.0], rtol=1e-9)
    np.testing.assert_array_equal(x, [3.0, -1.0, 0.5])


def test_backprop_is_timed_without_its_first_calls_costs(monkeypatch):
    """A cold first pass (allocations, caches) made backprop look slower than a few numerical
    entries in the in-app comparison; the first pass is made slow here on purpose."""
    import time
    net = make_net([dense(5, "relu"), dense(3, "softmax")], (4,), "cross_entropy")
    x, t = rng(0).normal(size=(3, 4)), labels(3, 3)
    calls = []
    backward = net.backward

    def slow_first(*a, **kw):
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.05)
        return backward(*a, **kw)

    monkeypatch.setattr(net, "backward", slow_first)
    report = gradient_check(net, x, t, h=H)
    assert report.backprop_seconds < 0.05
    assert report.max_rel_error < TOL


def test_the_numerical_time_leaves_out_the_callers_time_between_entries():
    """In the window a progress dialog processes events at every look (CHECK_EVERY entries):
    that time was counted as the numerical gradient's own."""
    import time
    net = make_net([dense(20, "tanh"), dense(3, "identity")], (8,), "sse")
    x, t = rng(62).normal(size=(4, 8)), rng(63).normal(size=(4, 3))
    looks = []

    def slow_dialog(done):
        looks.append(done)
        time.sleep(0.02)

    report = gradient_check(net, x, t, h=H, progress=slow_dialog, interrupted=lambda: time.sleep(0.02))
    numerical = sum(p.numerical_seconds for p in report.params)
    assert len(looks) >= 10                   # the caller spent ≥ 0.4 s
    assert 0 < numerical < 0.01 * len(looks)   # 243 entries of a tiny network: milliseconds


def test_a_sample_of_a_large_parameter_is_drawn_mostly_from_the_entries_backprop_moves():
    """MNIST-like inputs with a border of zeros: the first layer's weights from those pixels
    have gradient 0 in both methods. Three in four sampled entries are drawn among the others,
    one in four among the zeros (where a backprop that wrongly gives 0 would show)."""
    x = rng(60).uniform(0, 1, size=(3, 64))
    x[:, :48] = 0.0                                    # 48 "border" pixels, 0 in every sample
    net = make_net([dense(10, "relu"), dense(3, "softmax")], (64,), "cross_entropy")
    report = gradient_check(net, x, labels(3, 3, seed=61), h=H, max_entries=40)
    w = report.by_name()["dense_1.W"]
    assert w.checked == 40 and np.all(np.diff(w.indices) > 0) and len(np.unique(w.indices)) == 40
    assert np.count_nonzero(w.backprop == 0) == 10 and w.nonzero >= 30
    assert np.all(w.indices[w.backprop != 0] // 10 >= 48)                # only rows 48… can move
    assert w.max_rel_error < TOL
    most = gradient_check(net, x, labels(3, 3, seed=61), h=H, max_entries=600,
                          names=["dense_1.W"]).params[0]             # more than the moving ones
    assert most.checked == 600 and np.count_nonzero(most.backprop) == w.nonzero
    # a sample larger than the parameter is the whole parameter
    whole = gradient_check(net, x, labels(3, 3, seed=61), h=H, max_entries=20, sample=1000,
                           names=["dense_1.W"]).params[0]
    assert whole.checked == 640


def test_a_sampled_check_still_catches_a_backprop_that_wrongly_gives_zero(monkeypatch):
    """Half of dense_1.W's rows zeroed by a broken backward pass: drawn only among the nonzero
    entries the sample would pass it; its share of zeros fails it."""
    net = make_net([dense(20, "tanh"), dense(3, "identity")], (30,), "sse")
    x, t = rng(64).normal(size=(4, 30)), rng(65).normal(size=(4, 3))
    original = Dense.backward_pre

    def broken(self, du, rec=None):
        dx = original(self, du, rec)
        if self.grads["W"].shape[0] == 30:
            self.grads["W"] = self.grads["W"].copy()
            self.grads["W"][::2] = 0.0                   # half the rows lost
        return dx
    monkeypatch.setattr(Dense, "backward_pre", broken)
    report = gradient_check(net, x, t, h=H, max_entries=100, names=["dense_1.W"])
    assert report.params[0].max_rel_error > 0.5


def test_the_check_reports_progress_and_stops_when_asked():
    from nnstudio.engine.gradcheck import CHECK_EVERY, Interrupted
    net = make_net([dense(20, "tanh"), dense(3, "identity")], (8,), "sse")
    x, t = rng(62).normal(size=(4, 8)), rng(63).normal(size=(4, 3))
    seen = []
    report = gradient_check(net, x, t, h=H, progress=seen.append)
    total = sum(p.checked for p in report.params)
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] > total - CHECK_EVERY - 1
    assert len(seen) >= total // CHECK_EVERY
    seen.clear()
    normed = make_net([dense(20, "identity"), {"type": "batchnorm", "activation": "tanh"}, dense(3, "identity")],
                      (8,), "sse")
    normed.loss(x, t, train=True)                      # running statistics of their own
    before = {k: v.copy() for k, v in normed.parameters().items()}
    running = normed.buffer_state()                    # copies, by layer
    assert running
    with pytest.raises(Interrupted):
        gradient_check(normed, x, t, h=H, interrupted=lambda: len(seen) > 3, progress=seen.append)
    assert seen == [0, CHECK_EVERY, 2 * CHECK_EVERY, 3 * CHECK_EVERY]     # stopped at the 4th look
    for k, v in normed.parameters().items():
        np.testing.assert_array_equal(v, before[k])      # the entry it was on restored
    after = normed.buffer_state()
    assert after.keys() == running.keys()
    for layer, buffers in after.items():                 # batch norm's statistics put back
        for k, v in buffers.items():
            np.testing.assert_array_equal(v, running[layer][k])
